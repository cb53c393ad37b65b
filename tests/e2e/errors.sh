#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: bad input gets a clear error naming the file/line/argument,
# the right exit status, and never a crash or a half-applied state.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

# --- configuration
mkdir noconf && cd noconf
expect "missing retort.cfg exits 2" 2 current
err_has "missing config says how to fix" "retort init"
printf 'script_location = "m";\nurl = "sqlite:///x.db"\nversion_table = ;\n' >retort.cfg
expect "malformed retort.cfg exits 2" 2 heads
err_has "malformed config names file and line" "retort.cfg:3"
cd "$T"

new_project
# --- scripts
script aaa "" "CREATE TABLE a (x INTEGER);" "DROP TABLE a;"
printf -- '-- Message: no id\n-- Revises: aaa\n\n-- retort:upgrade\nSELECT 1;\n' >migrations/versions/noid.sql
expect "script without Revision ID exits 2" 2 heads
err_has "names the file" "noid.sql"
err_has "says what is missing" "Revision ID"
rm migrations/versions/noid.sql

script bbb aaa "SELECT 1;" "SELECT 1;"
cp migrations/versions/bbb.sql migrations/versions/bbb_copy.sql
expect "duplicate revision id exits 2" 2 heads
err_has "duplicate names the id" "bbb"
rm migrations/versions/bbb_copy.sql

script ccc nosuch "SELECT 1;" "SELECT 1;"
expect "unknown Revises exits 2" 2 heads
err_has "unknown Revises names it" "nosuch"
rm migrations/versions/ccc.sql

script c1 c2 "SELECT 1;" "SELECT 1;"
script c2 c1 "SELECT 1;" "SELECT 1;"
expect "a cycle exits 2" 2 heads
err_has "a cycle names a revision in it" "c1"
rm migrations/versions/c1.sql migrations/versions/c2.sql

printf -- '-- Revision ID: ddd\n-- Revises: bbb\nCREATE TABLE oops (x int);\n-- retort:upgrade\n' >migrations/versions/ddd.sql
expect "SQL before the first marker exits 2" 2 heads
err_has "names file:line" "ddd.sql:3"
rm migrations/versions/ddd.sql

printf -- '-- Revision ID: eee\n-- Revises: bbb\n-- retort:upgrad\nSELECT 1;\n' >migrations/versions/eee.sql
expect "unknown marker exits 2" 2 heads
err_has "unknown marker names file:line" "eee.sql:3"
rm migrations/versions/eee.sql

# --- specifiers
script abc1 bbb "SELECT 1;" "SELECT 1;"
script abc2 abc1 "SELECT 1;" "SELECT 1;"
expect "unknown partial id exits 2" 2 upgrade fff
expect "ambiguous partial id exits 2" 2 upgrade abc
err_has "ambiguous id lists candidates" "abc1"

# --- URL
expect "unknown scheme exits 2" 2 --url "nosuchdb://u:hunter2@h/d" upgrade head
err_has "unknown scheme is named" "nosuchdb"
err_lacks "password never printed" "hunter2"
expect "malformed URL exits 2" 2 --url "postgresql://u:hunter2@h:notaport/d" upgrade head
err_lacks "password never printed for a bad URL" "hunter2"

# --- a failing statement in the third of five migrations
five() {
	rm -f migrations/versions/*.sql app.db
	script m1 "" "CREATE TABLE t1 (x INTEGER);" "DROP TABLE t1;"
	script m2 m1 "CREATE TABLE t2 (x INTEGER);" "DROP TABLE t2;"
	script m3 m2 "CREATE TABLE t3 (x INTEGER);
INSERT INTO no_such_table VALUES (1);
CREATE TABLE t3b (x INTEGER);" "DROP TABLE t3;"
	script m4 m3 "CREATE TABLE t4 (x INTEGER);" "DROP TABLE t4;"
	script m5 m4 "CREATE TABLE t5 (x INTEGER);" "DROP TABLE t5;"
}
tables() { sqlite3 app.db "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 't%' ORDER BY 1" | tr '\n' ' ' | sed 's/ $//'; }

five
expect "failing migration, one transaction: exit 1" 1 upgrade head
err_has "names the file" "m3.sql"
err_has "names the statement" "INSERT INTO no_such_table"
err_has "names the line" "line 7"
err_has "has the database's error" "no such table"
same "one transaction: nothing recorded" "$(versions)" ""
same "one transaction: no table left" "$(tables)" ""

five
sed -i 's/^transaction_per_migration = .*/transaction_per_migration = true;/' retort.cfg
expect "failing migration, per-migration commits: exit 1" 1 upgrade head
same "per migration: m2 recorded" "$(versions)" "m2"
same "per migration: t1 t2 stay, m3 rolled back" "$(tables)" "t1 t2"
err_has "says what the version table holds" "version table now: m2"
# --- a version row this checkout does not know
sed -i 's/^transaction_per_migration = .*/transaction_per_migration = false;/' retort.cfg
rm -f migrations/versions/*.sql app.db
script k1 "" "CREATE TABLE k1 (x INTEGER);" "DROP TABLE k1;"
expect "upgrade" 0 upgrade head
sqlite3 app.db "UPDATE alembic_version SET version_num = 'gone99'"
expect "an unknown version row stops upgrade (exit 1)" 1 upgrade head
err_has "names the unknown revision" "gone99"
err_has "says how to get out" "stamp --purge"
expect "stamp --purge repairs it" 0 stamp --purge k1
same "the table names k1 again" "$(versions)" "k1"

# --lock-timeout takes what retort.cfg's lock_timeout takes (one
# conversion, core/settings.c): -1 or 0 to 31536000 seconds.
for bad in -0.5 -2 nan inf 31536001 5s ""; do
	expect "--lock-timeout '$bad' is a usage error" 2 --lock-timeout "$bad" current
	err_has "--lock-timeout '$bad': the message gives the range" "from 0 to 31536000"
done
expect "--lock-timeout 0.25 is accepted" 0 --lock-timeout 0.25 current
tap_done
