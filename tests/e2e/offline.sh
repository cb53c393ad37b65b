#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: offline (--sql) mode on SQLite: no connection, Alembic's
# layout, runs cleanly through sqlite3, and --output writes atomically.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

new_project
script aaa "" "CREATE TABLE t (x INTEGER);
INSERT INTO t VALUES (1);" "DROP TABLE t;"
script bbb aaa "CREATE TABLE u (y TEXT);" "DROP TABLE u;"

expect "upgrade head --sql" 0 upgrade head --sql
tap_check "no database file was created" test ! -e app.db
out_has "creates the version table" "CREATE TABLE alembic_version"
out_has "comments each step as Alembic" "-- Running upgrade  -> aaa"
out_has "comments the second step" "-- Running upgrade aaa -> bbb"
out_has "inserts the first row" "INSERT INTO alembic_version (version_num) VALUES ('aaa');"
out_has "updates along the branch" "UPDATE alembic_version SET version_num='bbb' WHERE alembic_version.version_num = 'aaa';"
cp "$T/out" up.sql
sqlite3 offline.db <up.sql && tap_ok "the script runs through sqlite3" || tap_fail "the script runs through sqlite3"
same "offline script leaves the version table at bbb" "$(sqlite3 offline.db 'SELECT version_num FROM alembic_version')" "bbb"
expect "online upgrade" 0 upgrade head
same "same rows online" "$(versions)" "bbb"

expect "downgrade without a range is refused with --sql" 2 downgrade base --sql
err_has "says a range is needed" ":"
expect "downgrade bbb:base --sql" 0 downgrade bbb:base --sql
out_has "downgrade updates" "UPDATE alembic_version SET version_num='aaa' WHERE alembic_version.version_num = 'bbb';"
out_has "downgrade deletes" "DELETE FROM alembic_version WHERE alembic_version.version_num = 'aaa';"
out_has "downgrade to base drops the table" "DROP TABLE alembic_version;"
expect "upgrade aaa:bbb --sql" 0 upgrade aaa:bbb --sql
if grep -q "CREATE TABLE alembic_version" "$T/out"; then tap_fail "a start revision means the table exists"; else tap_ok "a start revision means the table exists"; fi
expect "stamp --sql" 0 stamp bbb --sql
out_has "stamp inserts" "INSERT INTO alembic_version (version_num) VALUES ('bbb');"

expect "--output writes a file" 0 upgrade head --sql --output out.sql
tap_check "--output file exists" test -s out.sql
tap_check "--output printed nothing" test ! -s "$T/out"
echo "keep" >keep.sql
expect "--output with a failing plan fails" 2 upgrade nosuch --sql --output keep.sql
same "--output leaves the old file untouched" "$(cat keep.sql)" "keep"
same "--output leaves no temp file behind" "$(ls keep.sql.* 2>/dev/null | wc -l)" "0"
expect "--output without --sql is a usage error" 2 upgrade head --output x.sql
expect "a range without --sql is a usage error" 2 upgrade aaa:bbb
tap_done
