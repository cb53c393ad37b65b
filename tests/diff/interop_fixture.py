#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The interop project (issue 2 item 6, issue 4): one revision graph with
real DDL, written as Alembic scripts and as retort scripts with the same
revision ids and the same SQL statements.

    /usr/bin/python3 interop_fixture.py OUTDIR SHARED_URL REF_URL

writes
    OUTDIR/alembic/{alembic.ini, ref.ini, env.py, versions/*.py}
        alembic.ini -> SHARED_URL (the database both tools work on)
        ref.ini     -> REF_URL    (the reference, migrated by Alembic only)
    OUTDIR/retort/{retort.cfg, migrations/versions/*.sql} -> SHARED_URL

The graph: a linear run (account, email column, invoice + index), a branch
point with two labelled branches (billing, audit; audit adds a view), a
merge of both, a revision after the merge, and an independent base
(label extra) that depends on the second revision, with a child.
"""

import os
import sys

# id, down revisions, branch labels, depends_on, upgrade stmts, downgrade stmts
REVS = [
    ("1a2b3c4d5e01", [], [], [],
     ["CREATE TABLE account (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)"],
     ["DROP TABLE account"]),
    ("1a2b3c4d5e02", ["1a2b3c4d5e01"], [], [],
     ["ALTER TABLE account ADD COLUMN email VARCHAR(100)"],
     ["ALTER TABLE account DROP COLUMN email"]),
    ("2b3c4d5e6f03", ["1a2b3c4d5e02"], [], [],
     ["CREATE TABLE invoice (id INTEGER PRIMARY KEY, "
      "account_id INTEGER NOT NULL REFERENCES account (id), total NUMERIC(10, 2))",
      "CREATE INDEX ix_invoice_account ON invoice (account_id)"],
     ["DROP INDEX ix_invoice_account", "DROP TABLE invoice"]),
    ("3c4d5e6f7004", ["2b3c4d5e6f03"], ["billing"], [],
     ["CREATE TABLE payment (id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL, "
      "amount NUMERIC(10, 2))"],
     ["DROP TABLE payment"]),
    ("4d5e6f708105", ["2b3c4d5e6f03"], ["audit"], [],
     ["CREATE TABLE audit_log (id INTEGER PRIMARY KEY, what VARCHAR(200))"],
     ["DROP TABLE audit_log"]),
    ("5e6f70819206", ["4d5e6f708105"], [], [],
     ["CREATE VIEW big_invoices AS SELECT id, total FROM invoice WHERE total > 1000"],
     ["DROP VIEW big_invoices"]),
    ("6f7081920307", ["3c4d5e6f7004", "5e6f70819206"], [], [],
     ["ALTER TABLE payment ADD COLUMN audit_id INTEGER"],
     ["ALTER TABLE payment DROP COLUMN audit_id"]),
    ("708192030408", ["6f7081920307"], [], [],
     ["CREATE TABLE settings (name VARCHAR(50) PRIMARY KEY, value VARCHAR(200))",
      "INSERT INTO settings (name, value) VALUES ('schema', '4')"],
     ["DROP TABLE settings"]),
    ("8192a3b4c509", [], ["extra"], ["1a2b3c4d5e02"],
     ["CREATE TABLE extra (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES account (id))"],
     ["DROP TABLE extra"]),
    ("92a3b4c5d60a", ["8192a3b4c509"], [], [],
     ["CREATE UNIQUE INDEX ux_extra_account ON extra (account_id)"],
     ["DROP INDEX ux_extra_account"]),
]

ENV_PY = '''\
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
connectable = engine_from_config(config.get_section(config.config_ini_section),
                                 prefix="sqlalchemy.", poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
'''


def tup(items):
    if not items:
        return "None"
    if len(items) == 1:
        return repr(items[0])
    return "(" + ", ".join(repr(i) for i in items) + ")"


def py_script(rid, down, labels, deps, up, dn):
    body_up = "\n".join("    op.execute(%r)" % s for s in up)
    body_dn = "\n".join("    op.execute(%r)" % s for s in dn)
    return ('"""revision %s\n\nRevision ID: %s\nRevises: %s\n"""\n'
            "from alembic import op\n\n"
            "revision = %r\ndown_revision = %s\nbranch_labels = %s\n"
            "depends_on = %s\n\n\n"
            "def upgrade():\n%s\n\n\ndef downgrade():\n%s\n"
            % (rid, rid, ", ".join(down), rid, tup(down), tup(labels),
               tup(deps), body_up, body_dn))


def sql_script(rid, down, labels, deps, up, dn):
    out = ["-- Message: revision %s" % rid,
           "-- Revision ID: %s" % rid,
           "-- Revises: %s" % ", ".join(down)]
    if labels:
        out.append("-- Branch Labels: %s" % ", ".join(labels))
    if deps:
        out.append("-- Depends On: %s" % ", ".join(deps))
    out += ["", "-- retort:upgrade"] + [s + ";" for s in up]
    out += ["", "-- retort:downgrade"] + [s + ";" for s in dn] + [""]
    return "\n".join(out)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: interop_fixture.py OUTDIR SHARED_URL REF_URL\n")
        return 2
    out, shared, ref = argv[1:]
    adir = os.path.join(out, "alembic")
    rdir = os.path.join(out, "retort")
    os.makedirs(os.path.join(adir, "versions"))
    os.makedirs(os.path.join(rdir, "migrations", "versions"))
    ini = "[alembic]\nscript_location = %s\nsqlalchemy.url = %s\n"
    # ConfigParser interpolation: a literal % in a URL must be doubled
    write(os.path.join(adir, "alembic.ini"), ini % (adir, shared.replace("%", "%%")))
    write(os.path.join(adir, "ref.ini"), ini % (adir, ref.replace("%", "%%")))
    write(os.path.join(adir, "env.py"), ENV_PY)
    write(os.path.join(rdir, "retort.cfg"),
          'script_location = "migrations";\nurl = "%s";\n' % shared)
    for r in REVS:
        write(os.path.join(adir, "versions", r[0] + ".py"), py_script(*r))
        write(os.path.join(rdir, "migrations", "versions", r[0] + ".sql"), sql_script(*r))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
