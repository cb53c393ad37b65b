#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Print a PostgreSQL schema, or its alembic_version rows, in a canonical
sorted form, for the interop test (tests/e2e/interop_pg.sh).

    pgdump.py URL SCHEMA schema     tables/columns, constraints, indexes, views
    pgdump.py URL SCHEMA versions   alembic_version rows, one a line
    pgdump.py URL SCHEMA create     DROP SCHEMA IF EXISTS ... CASCADE; CREATE SCHEMA
    pgdump.py URL SCHEMA drop       DROP SCHEMA IF EXISTS ... CASCADE

The schema's own name is replaced by "S" so two schemas holding the same
objects print the same text.  Needs python3-psycopg2.
"""

import sys

import psycopg2


def main(url, schema, what):
    con = psycopg2.connect(url)
    con.autocommit = True
    cur = con.cursor()
    q = '"%s"' % schema.replace('"', '""')
    if what == "create":
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % q)
        cur.execute("CREATE SCHEMA %s" % q)
        return 0
    if what == "drop":
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % q)
        return 0
    cur.execute("SET search_path TO %s" % q)
    out = []
    if what == "versions":
        cur.execute("SELECT to_regclass(%s)", (schema + ".alembic_version",))
        if cur.fetchone()[0] is not None:
            cur.execute("SELECT version_num FROM %s.alembic_version ORDER BY 1" % q)
            out = [r[0] for r in cur.fetchall()]
    elif what == "schema":
        cur.execute("""
            SELECT table_name, ordinal_position, column_name, data_type,
                   character_maximum_length, numeric_precision, numeric_scale,
                   is_nullable, column_default
            FROM information_schema.columns WHERE table_schema = %s""", (schema,))
        out += ["column %s" % "|".join(str(c) for c in r) for r in cur.fetchall()]
        cur.execute("""
            SELECT cl.relname, co.conname, co.contype, pg_get_constraintdef(co.oid)
            FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid
            WHERE co.connamespace = %s::regnamespace""", (q,))
        out += ["constraint %s" % "|".join(r) for r in cur.fetchall()]
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s",
                    (schema,))
        out += ["index %s" % "|".join(r) for r in cur.fetchall()]
        cur.execute("SELECT viewname, definition FROM pg_views WHERE schemaname = %s",
                    (schema,))
        out += ["view %s" % "|".join(r) for r in cur.fetchall()]
        # retort's own side tables are its bookkeeping, not the schema
        # (Alembic makes none): left out so the two tools' schemas compare
        out = [ln for ln in out
               if not ln.split(" ", 1)[1].startswith(("retort_history", "retort_audit"))]
        out = [ln.replace(q + ".", "S.").replace(schema + ".", "S.")
               .replace("\n", " ") for ln in out]
    else:
        sys.stderr.write("pgdump.py: unknown action %s\n" % what)
        return 2
    for ln in sorted(out):
        print(ln)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.stderr.write("usage: pgdump.py URL SCHEMA schema|versions|create|drop\n")
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
