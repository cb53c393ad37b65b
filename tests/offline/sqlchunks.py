#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Cut an offline (--sql) script into the pieces Alembic writes.

    sqlchunks.py [--known] MODE FILE

Alembic (and retort) follow every piece of offline output -- a statement
with its terminator, a "-- Running ..." comment, BEGIN/COMMIT, SQL
Server's GO, Oracle's "/" -- with a blank line.  This splits FILE at blank
lines and prints one piece per line with each run of blanks (spaces,
tabs, newlines) turned into one space, so that two scripts compare line by
line whatever their layout.  MODE:

  version   only the version table statements: CREATE TABLE, INSERT INTO,
            UPDATE, DELETE FROM and DROP TABLE of alembic_version (or of
            Deploy_Versions, the name the tests configure), schema-qualified
            or not
  running   only the "-- Running ..." comments
  all       every piece

--known removes the differences between retort and Alembic that are known
and reported (see KNOWN in tests/e2e/offline_alembic.sh), so that a test
can tell them from new ones:
  - the RETURNING (PostgreSQL) and OUTPUT inserted.version_num (SQL Server)
    clauses SQLAlchemy adds to the version table INSERT;
  - a statement wrapped in "DELIMITER xx ... xx DELIMITER ;" (written as
    the bare statement with ';').
"""

import re
import sys

VERSION = re.compile(
    r'^(CREATE TABLE|INSERT INTO|UPDATE|DELETE FROM|DROP TABLE)\s+'
    r'([\w"`\[\]]+\.)?["`\[]?(alembic_version|Deploy_Versions)\b', re.I)


def pieces(text):
    for chunk in re.split(r'\n[ \t\r]*\n', text):
        chunk = re.sub(r'\s+', ' ', chunk).strip()
        if chunk:
            yield chunk


RETURNING = re.compile(r' RETURNING [^ ]*\.version_num(;?)$')
OUTPUT = re.compile(r' OUTPUT inserted\.version_num ')
DELIMITER = re.compile(r'^DELIMITER (\S+) (.*) \1 DELIMITER ;$')


def known(p):
    if VERSION.match(p):
        p = RETURNING.sub(r'\1', p)
        p = OUTPUT.sub(' ', p)
    return DELIMITER.sub(r'\2;', p)


def main(argv):
    argv = list(argv)
    fix = len(argv) > 1 and argv[1] == "--known"
    if fix:
        del argv[1]
    if len(argv) != 3 or argv[1] not in ("version", "running", "all"):
        sys.stderr.write(__doc__)
        return 2
    mode = argv[1]
    with open(argv[2], encoding="utf-8", errors="replace") as f:
        text = f.read()
    for p in pieces(text):
        if fix:
            p = known(p)
        if mode == "all" or \
                (mode == "version" and VERSION.match(p)) or \
                (mode == "running" and p.startswith("-- Running ")):
            print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
