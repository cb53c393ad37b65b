#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/e2e/progress.sh - what a run tells on stderr while it runs (SQLite):
# each migration's "Running upgrade ..." line with its duration, a summary
# (N migrations, total time), each statement with its duration under -v,
# nothing under -q, and plain text (no escape sequence, no carriage
# return) whether or not the streams are terminals.  Durations are matched
# by their form, never by their value.  TAP.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

DUR='(<0\.1 ms|[0-9]+(\.[0-9])? ms|[0-9]+\.[0-9] s|[0-9]+ min [0-9][0-9] s)'

# lines DESC REGEX...: stderr's lines match the REGEXes, in order, exactly.
lines() {
	_d=$1
	shift
	printf '%s\n' "$@" >"$T/want"
	if [ "$(wc -l <"$T/err")" -eq "$#" ] &&
	   paste -d '\n' "$T/want" "$T/err" | awk 'NR % 2 { re = $0; next } $0 !~ ("^" re "$") { bad = 1 } END { exit bad }'; then
		tap_ok "$_d"
	else
		tap_fail "$_d"
		tap_diag "wanted (regexes):" "$(cat "$T/want")" "got:" "$(cat "$T/err")"
	fi
}

# plain DESC FILE: no ESC, no carriage return, no backspace in FILE.
plain() {
	if LC_ALL=C grep -q "$(printf '[\033\r\b]')" "$2"; then
		tap_fail "$1"; tap_diag "$(od -c "$2" | head -20)"
	else
		tap_ok "$1"
	fi
}

new_project
script a1 "" "CREATE TABLE t1 (x INTEGER);
INSERT INTO t1 VALUES (1);" "DROP TABLE t1;"
script b2 a1 "CREATE TABLE t2 (x INTEGER);
CREATE TRIGGER tr2 AFTER INSERT ON t2 BEGIN
  UPDATE t2 SET x = x + 1;
END;
INSERT INTO   t2
   VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14);" \
	"DROP TABLE t2;"

expect "upgrade" 0 upgrade head
sum=$(sqlite3 app.db 'SELECT sum(x) FROM t2')
lines "each migration's line ends with its duration; a summary ends the run" \
	"Running upgrade  -> a1, revision a1 \.\.\. $DUR" \
	"Running upgrade a1 -> b2, revision b2 \.\.\. $DUR" \
	"Done: 2 migrations in $DUR"
plain "stderr is plain text when it is not a terminal" "$T/err"
same "stdout stays empty" "$(cat "$T/out")" ""

expect "upgrade with nothing to do" 0 upgrade head
lines "the summary says 0 migrations" "Done: 0 migrations in $DUR"

expect "downgrade -q" 0 -q downgrade base
same "-q: nothing on stderr" "$(cat "$T/err")" ""
same "-q: nothing on stdout" "$(cat "$T/out")" ""

expect "upgrade -v" 0 -v upgrade head
grep -v '^retort: ' "$T/err" >"$T/err.v" && mv "$T/err.v" "$T/err"   # the lock's info lines
lines "-v: each statement as it starts, with its duration" \
	"Running upgrade  -> a1, revision a1" \
	"  statement 1 \(line 6\): CREATE TABLE t1 \(x INTEGER\) \.\.\. $DUR" \
	"  statement 2 \(line 7\): INSERT INTO t1 VALUES \(1\) \.\.\. $DUR" \
	"  done in $DUR" \
	"Running upgrade a1 -> b2, revision b2" \
	"  statement 1 \(line 6\): CREATE TABLE t2 \(x INTEGER\) \.\.\. $DUR" \
	"  statement 2 \(line 7\): CREATE TRIGGER tr2 AFTER INSERT ON t2 BEGIN UPDATE t2 SET x =… \.\.\. $DUR" \
	"  statement 3 \(line 10\): INSERT INTO t2 VALUES \(1\), \(2\), \(3\), \(4\), \(5\), \(6\), \(7\), \(8\)… \.\.\. $DUR" \
	"  done in $DUR" \
	"Done: 2 migrations in $DUR"
same "-v ran the trigger as one statement: the same data as without -v" \
	"$(sqlite3 app.db 'SELECT sum(x) FROM t2')" "$sum"

expect "stamp" 0 stamp a1
lines "stamp: its step and a summary" \
	"Running stamp_revision b2 -> a1 \.\.\. $DUR" \
	"Done: 1 version table change in $DUR"
rt -q stamp b2

# A failing migration: the line says so, the summary names the step.
script c3 b2 "CREATE TABLE t3 (x INTEGER);
SELECT nosuch FROM t3;" "DROP TABLE t3;"
expect "a failing upgrade" 1 upgrade head
lines "the failed step and the summary come before the error" \
	"Running upgrade b2 -> c3, revision c3 \.\.\. failed after $DUR" \
	"Failed in step 1 of 1, after $DUR" \
	"retort: error: upgrade of revision c3 failed .*" \
	"  statement 2 \(line 7\): SELECT nosuch FROM t3" \
	"  the transaction was rolled back: no migration of this run is applied" \
	"  version table now: b2"
expect "a failing upgrade -v" 1 -v upgrade head
grep -v '^retort: info' "$T/err" >"$T/err.v" && mv "$T/err.v" "$T/err"
lines "-v: the failing statement, its index and line as without -v" \
	"Running upgrade b2 -> c3, revision c3" \
	"  statement 1 \(line 6\): CREATE TABLE t3 \(x INTEGER\) \.\.\. $DUR" \
	"  statement 2 \(line 7\): SELECT nosuch FROM t3 \.\.\. failed after $DUR" \
	"  failed after $DUR" \
	"Failed in step 1 of 1, after $DUR" \
	"retort: error: upgrade of revision c3 failed .*" \
	"  statement 2 \(line 7\): SELECT nosuch FROM t3" \
	"  the transaction was rolled back: no migration of this run is applied" \
	"  version table now: b2"
same "nothing of c3 stayed" "$(versions)" b2
rm migrations/versions/c3.sql

# An error before the run has a plan: the error alone, no summary.
expect "an unknown revision" 2 upgrade nosuch
if grep -q '^Done\|^Failed' "$T/err"; then tap_fail "no summary before a plan"
else tap_ok "no summary before a plan"; fi

# On a terminal (script(1) gives the command a pseudo-terminal) the output
# is the same plain text.  (`script` alone is tests/lib.sh's function.)
SCRIPT1=
for _s in /usr/bin/script /bin/script; do [ -x "$_s" ] && SCRIPT1=$_s && break; done
if [ -x "$SCRIPT1" ]; then
	rt -q downgrade base
	SHELL=/bin/sh "$SCRIPT1" -qec "'$RETORT' upgrade head 2>&1" /dev/null >"$T/tty" 2>"$T/tty.err" </dev/null
	tr -d '\r' <"$T/tty" >"$T/tty.lf"   # the terminal's own CR LF line ends
	plain "on a terminal too: no escape sequence, no carriage return of ours" "$T/tty.lf"
	if grep -Eq "^Done: 2 migrations in $DUR\$" "$T/tty.lf"; then tap_ok "on a terminal: the summary"
	else tap_fail "on a terminal: the summary"; tap_diag "$(cat "$T/tty.lf")" "$(cat "$T/tty.err")"; fi
else
	tap_skip "script(1) is not installed"
	tap_skip "script(1) is not installed"
fi
tap_done
