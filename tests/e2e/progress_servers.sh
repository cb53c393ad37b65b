#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/e2e/progress_servers.sh - -v's statement lines against the servers
# of tests/servers.sh: on PostgreSQL each statement (a $$ body included) is
# told and timed and an error names the same statement and line as
# without -v; on MariaDB a DELIMITER block is one statement of the core's
# statement loop (core/stmtloop.c), told and timed like the others.  TAP.
. "$top_srcdir/tests/tap.sh"
if [ -z "${RETORT_TEST_PG_URL:-}" ] || [ -z "${RETORT_TEST_MYSQL_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_PG_URL / RETORT_TEST_MYSQL_URL are not set: the test servers did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_PG_URL / RETORT_TEST_MYSQL_URL not set (run tests/servers.sh start)"; exit 0
fi
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/servers.inc"

DUR='(<0\.1 ms|[0-9]+(\.[0-9])? ms|[0-9]+\.[0-9] s|[0-9]+ min [0-9][0-9] s)'

# lines DESC REGEX...: stderr's lines but retort's own messages (lock,
# the password warning of the test URL) match the
# REGEXes, in order, exactly.
lines() {
	_d=$1
	shift
	printf '%s\n' "$@" >"$T/want"
	grep -v '^retort: \(info\|debug\|warning\): ' "$T/err" >"$T/got"
	if [ "$(wc -l <"$T/got")" -eq "$#" ] &&
	   paste -d '\n' "$T/want" "$T/got" | awk 'NR % 2 { re = $0; next } $0 !~ ("^" re "$") { bad = 1 } END { exit bad }'; then
		tap_ok "$_d"
	else
		tap_fail "$_d"
		tap_diag "wanted (regexes):" "$(cat "$T/want")" "got:" "$(cat "$T/got")"
	fi
}

# --- PostgreSQL
pg_database progress
new_project "$PG_URL"
script a1 "" 'CREATE TABLE t1 (x integer);
CREATE FUNCTION f1() RETURNS integer AS $$
BEGIN
  RETURN 1;
END;
$$ LANGUAGE plpgsql;
INSERT INTO t1 VALUES (f1());' "DROP TABLE t1; DROP FUNCTION f1();"
expect "postgresql: upgrade -v" 0 -v upgrade head
lines "postgresql: each statement, the \$\$ body within its own" \
	"Running upgrade  -> a1, revision a1" \
	"  statement 1 \(line 6\): CREATE TABLE t1 \(x integer\) \.\.\. $DUR" \
	"  statement 2 \(line 7\): CREATE FUNCTION f1\(\) RETURNS integer AS \\\$\\\$ BEGIN RETURN 1; E… \.\.\. $DUR" \
	"  statement 3 \(line 12\): INSERT INTO t1 VALUES \(f1\(\)\) \.\.\. $DUR" \
	"  done in $DUR" \
	"Done: 1 migration in $DUR"
same "postgresql: the function ran" "$(pg_q 'SELECT x FROM t1')" 1

script b2 a1 'CREATE TABLE t2 (x integer);
INSERT INTO t2 VALUES (1);
INSERT INTO nosuch VALUES (1);' "DROP TABLE t2;"
expect "postgresql: a failing upgrade" 1 upgrade head
grep '^  statement ' "$T/err" >"$T/plain.stmt"
expect "postgresql: the same with -v" 1 -v upgrade head
grep '^  statement [0-9]* (line [0-9]*): INSERT INTO nosuch VALUES (1)$' "$T/err" >"$T/v.stmt"
same "postgresql: -v names the failing statement as without -v (index and line)" \
	"$(cat "$T/v.stmt")" "$(cat "$T/plain.stmt")"
same "postgresql: statement 3, line 8" "$(cat "$T/plain.stmt")" \
	"  statement 3 (line 8): INSERT INTO nosuch VALUES (1)"
same "postgresql: nothing of b2 stayed" "$(pg_q 'SELECT version_num FROM alembic_version')" a1

# --- MariaDB
cd "$T" || exit 99
my_database progress
new_project "$MY_URL"
script m1 "" 'CREATE TABLE m1 (x INT);
DELIMITER //
CREATE PROCEDURE p1()
BEGIN
  INSERT INTO m1 VALUES (1);
  INSERT INTO m1 VALUES (2);
END //
DELIMITER ;
CALL p1();' "DROP PROCEDURE p1; DROP TABLE m1;"
expect "mysql: upgrade -v with a DELIMITER block" 0 -v upgrade head
lines "mysql: each statement, the DELIMITER block as one" \
	"Running upgrade  -> m1, revision m1" \
	"  statement 1 \(line 6\): CREATE TABLE m1 \(x INT\) \.\.\. $DUR" \
	"  statement 2 \(line 8\): CREATE PROCEDURE p1\(\) BEGIN INSERT INTO m1 VALUES \(1\); INSER… \.\.\. $DUR" \
	"  statement 3 \(line 14\): CALL p1\(\) \.\.\. $DUR" \
	"  done in $DUR" \
	"Done: 1 migration in $DUR"
same "mysql: the procedure ran" "$(my_q 'SELECT count(*) FROM m1')" 2
script m2 m1 'CREATE TABLE m2 (x INT);
INSERT INTO m2 VALUES (1);' "DROP TABLE m2;"
expect "mysql: upgrade -v of plain statements" 0 -v upgrade head
lines "mysql: each statement" \
	"Running upgrade m1 -> m2, revision m2" \
	"  statement 1 \(line 6\): CREATE TABLE m2 \(x INT\) \.\.\. $DUR" \
	"  statement 2 \(line 7\): INSERT INTO m2 VALUES \(1\) \.\.\. $DUR" \
	"  done in $DUR" \
	"Done: 1 migration in $DUR"
tap_done
