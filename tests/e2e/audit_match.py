#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/e2e/audit_match.py - the audit_log file against retort_audit.

    audit_match.py URL JSONL [SCHEMA]

URL is the database (sqlite:///PATH, postgresql://..., mysql://...), read
with Python's own drivers (sqlite3, psycopg2, pymysql), independently of
retort.  Every row of retort_audit must have exactly one JSON line with the
same run_id, and every column must equal the line's key of the same name
(times compared as "YYYY-MM-DD HH:MM:SS", NULL as null); the file must hold
no other line.  Prints "N rows match", or each difference, and exits 1.
"""
import json
import sys
import urllib.parse as up

COLS = ["run_id", "version_table", "command", "command_line", "os_user", "db_user", "host",
        "started_at", "duration_ms", "rows_before", "rows_after", "outcome", "message",
        "retort_version", "tag"]


def connect(url):
    p = up.urlparse(url)
    scheme = p.scheme.split("+")[0]
    if scheme == "sqlite":
        import sqlite3
        return sqlite3.connect(p.path[1:])  # "/rel.db" or "//abs.db"
    if scheme in ("postgresql", "postgres"):
        import psycopg2
        return psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"))
    if scheme in ("mysql", "mariadb"):
        import pymysql
        return pymysql.connect(host=p.hostname or "127.0.0.1", port=p.port or 3306,
                               user=up.unquote(p.username or "root"),
                               password=up.unquote(p.password or ""),
                               database=p.path.lstrip("/"))
    raise SystemExit("audit_match.py: unknown scheme " + scheme)


def norm(col, v):
    if v is None:
        return None
    if col == "duration_ms":
        return int(v)
    v = str(v)
    if col == "started_at":
        v = v.replace("T", " ")[:19]
    return v


def main():
    url, path = sys.argv[1], sys.argv[2]
    schema = sys.argv[3] + "." if len(sys.argv) > 3 and sys.argv[3] else ""
    db = connect(url)
    cur = db.cursor()
    cur.execute("SELECT %s FROM %sretort_audit ORDER BY id" % (", ".join(COLS), schema))
    rows = [dict(zip(COLS, r)) for r in cur.fetchall()]
    lines = {}
    bad = 0
    with open(path, encoding="utf-8") as f:
        for n, text in enumerate(f, 1):
            rec = json.loads(text)
            if rec["run_id"] in lines:
                print("line %d: run_id %s twice" % (n, rec["run_id"]))
                bad += 1
            lines[rec["run_id"]] = rec
    for r in rows:
        rec = lines.pop(r["run_id"], None)
        if rec is None:
            print("row %s (%s, %s): no JSON line" % (r["run_id"], r["command"], r["outcome"]))
            bad += 1
            continue
        for c in COLS:
            if norm(c, r[c]) != norm(c, rec.get(c)):
                print("row %s: %s is %r in the table, %r in the file"
                      % (r["run_id"], c, r[c], rec.get(c)))
                bad += 1
    for run_id, rec in lines.items():
        print("line of %s (%s, %s): no row" % (run_id, rec["command"], rec["outcome"]))
        bad += 1
    if bad:
        sys.exit(1)
    print("%d rows match" % len(rows))


main()
