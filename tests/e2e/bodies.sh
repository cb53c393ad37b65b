#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: commands read script headers only, and a run reads each
# script it executes when it executes it.  An error in a script's body does
# not stop heads/history or a run that does not execute that script; a run
# that does stops before anything is applied, whether it runs in one
# transaction, one per migration, or commits before a
# "-- retort:transaction off" script.  Under strace: each script is opened
# once; upgrade stats the scripts it runs (their text came with the scan).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

tables() {
	sqlite3 app.db "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE 'retort\\_%' ESCAPE '\\' ORDER BY 1" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'
}

new_project
script a1 "" "CREATE TABLE a (x INT);" "DROP TABLE a;"
script b2 a1 "CREATE TABLE b (x INT);" "DROP TABLE b;"
# c3's header is fine; its body has a second upgrade section
printf -- '-- Revision ID: c3\n-- Revises: b2\n\n-- retort:upgrade\nCREATE TABLE c (x INT);\n-- retort:upgrade\nSELECT 1;\n' \
	>migrations/versions/c3.sql

expect "heads: a body error does not stop it" 0 heads
out_has "heads lists c3" "c3 (head)"
expect "history --verbose: nor this" 0 history --verbose
expect "show c3: nor this" 0 show c3
expect "upgrade b2 never reads c3's body" 0 upgrade b2
same "upgrade b2 applied a1 and b2" "$(versions)" "b2"
expect "downgrade base" 0 downgrade base

expect "upgrade head stops at c3's body" 2 upgrade head
err_has "the error names the file and line" "c3.sql:6: a second '-- retort:upgrade' section"
same "one transaction: no version row" "$(versions)" ""
same "one transaction: no table of a1 or b2" "$(tables)" "alembic_version"

expect "upgrade head --sql stops at it too" 2 upgrade head --sql
err_has "--sql names the file and line" "c3.sql:6:"

sed -i 's/^transaction_per_migration = .*/transaction_per_migration = true;/' retort.cfg
expect "one transaction per migration: upgrade head stops" 2 upgrade head
err_has "per migration: names c3" "c3.sql:6: a second"
same "per migration: scripts are checked before the first commit" "$(tables)" "alembic_version"
sed -i 's/^transaction_per_migration = .*/transaction_per_migration = false;/' retort.cfg

# A "transaction off" script commits what came before it: the scripts
# after it are checked first.
rm migrations/versions/c3.sql
script c3 b2 "CREATE INDEX bx ON b (x);" "DROP INDEX bx;" "-- retort:transaction off"
printf -- '-- Revision ID: d4\n-- Revises: c3\n-- retort:upgrade\nSELECT 1;\n-- retort:bogus\n' \
	>migrations/versions/d4.sql
expect "upgrade head stops before committing at the transaction-off script" 2 upgrade head
err_has "names d4's unknown marker" "d4.sql:5: unknown marker '-- retort:bogus'"
same "nothing committed" "$(tables)" "alembic_version"
same "no version row" "$(versions)" ""
printf -- '-- Revision ID: d4\n-- Revises: c3\n-- retort:upgrade\nCREATE TABLE d (x INT);\n-- retort:downgrade\nDROP TABLE d;\n' \
	>migrations/versions/d4.sql
expect "once fixed, upgrade head runs them all" 0 upgrade head
same "at d4" "$(versions)" "d4"
expect "downgrade base" 0 downgrade base

# The files each command opens.
if ! command -v strace >/dev/null 2>&1; then
	tap_fail "strace is installed (tests/ci.sh installs it)"
	tap_done
fi
# LeakSanitizer cannot run under ptrace: off for traced runs
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
opens() { # opens FILE: how many times the last trace opened FILE
	grep -c "openat(.*$1\"" "$T/trace"
}
strace -f -qq -e trace=openat -o "$T/trace" "$RETORT" heads >/dev/null 2>&1
same "heads opens each script once" "$(opens a1.sql) $(opens b2.sql) $(opens c3.sql) $(opens d4.sql)" "1 1 1 1"
strace -f -qq -e trace=openat,stat,newfstatat,statx -o "$T/trace" "$RETORT" -q upgrade b2 >/dev/null 2>&1
same "upgrade b2 opens each script once (its one read returns it whole)" \
	"$(opens a1.sql) $(opens b2.sql) $(opens c3.sql) $(opens d4.sql)" "1 1 1 1"
same "and checks with one stat that the scripts it runs did not change size" \
	"$(grep -c 'stat.*a1.sql"' "$T/trace") $(grep -c 'stat.*b2.sql"' "$T/trace") $(grep -c 'stat.*c3.sql"' "$T/trace")" "1 1 0"
same "upgrade b2 applied" "$(versions)" "b2"
tap_done
