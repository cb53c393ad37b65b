#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: `downgrade -N` with several version rows (issue 13).  Alembic
# warns that this is ambiguous ("will be disallowed in a future release")
# and steps down from whichever row its SELECT returned first; retort
# refuses with exit 2, naming the rows and suggesting ROW@-N for each, and
# changes nothing (README, "Where retort decides").  ROW@-N does what the
# user meant, as in Alembic; with one row -N works as before.  The
# differential suite (tests/diff/run.py) holds the same refusal on random
# graphs.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

PY=${RETORT_TEST_PYTHON:-/usr/bin/python3}

new_project
script a1 "" "CREATE TABLE a1 (x INTEGER);" "DROP TABLE a1;"
script b2 a1 "CREATE TABLE b2 (x INTEGER);" "DROP TABLE b2;"
script d1 b2 "CREATE TABLE d1 (x INTEGER);" "DROP TABLE d1;"
script d2 b2 "CREATE TABLE d2 (x INTEGER);" "DROP TABLE d2;"

expect "upgrade heads" 0 upgrade heads
same "two rows" "$(versions)" "d1 d2"
expect "downgrade -1 from two heads exits 2" 2 downgrade -1
err_has "saying it is ambiguous and naming the heads" \
	"downgrade -1 from several heads is ambiguous: the database is at d1 and d2"
err_has "suggesting d1@-1" "retort downgrade d1@-1"
err_has "and d2@-1" "retort downgrade d2@-1"
same "nothing changed" "$(versions)" "d1 d2"
same "no script ran" "$(sqlite3 app.db "SELECT count(*) FROM sqlite_master WHERE name IN ('d1','d2')")" 2
expect "downgrade -2 likewise" 2 downgrade -- -2
err_has "suggesting d2@-2" "retort downgrade d2@-2"
expect "downgrade d2@-1 (the suggestion)" 0 downgrade d2@-1
same "stepped down from d2 only" "$(versions)" "d1"
same "d2's downgrade ran" "$(sqlite3 app.db "SELECT count(*) FROM sqlite_master WHERE name = 'd2'")" 0
expect "with one row, downgrade -1 works" 0 downgrade -1
same "to b2" "$(versions)" "b2"
expect "upgrade heads" 0 upgrade heads
expect "downgrade with an explicit target is no relative step" 0 downgrade b2
same "to b2" "$(versions)" "b2"
expect "downgrade head-1 is not -N" 2 downgrade head-1
err_lacks "and not this refusal" "is ambiguous"

# Alembic on the same database state: it warns and goes on.
if ! "$PY" -c 'import alembic' 2>/dev/null; then
	if [ "${CI:-}" = true ]; then tap_fail "Alembic ($PY -m alembic) is installed"
	else tap_skip "Alembic is not installed"; fi
	tap_done
fi
mkdir "$T/al" && cd "$T/al" || exit 99
"$PY" -m alembic init al >/dev/null 2>&1
sed -i "s|^sqlalchemy.url = .*|sqlalchemy.url = sqlite:///$T/al/al.db|" alembic.ini
for r in a1: b2:a1 d1:b2 d2:b2; do
	id=${r%%:*}; par=${r#*:}
	if [ -n "$par" ]; then par="'$par'"; else par=None; fi
	printf "revision = '%s'\ndown_revision = %s\nbranch_labels = None\ndepends_on = None\ndef upgrade(): pass\ndef downgrade(): pass\n" \
		"$id" "$par" >"al/versions/$id.py"
done
"$PY" -m alembic upgrade heads >/dev/null 2>&1
"$PY" -m alembic downgrade -1 >"$T/al.out" 2>&1
if grep -q "downgrade -1 from multiple heads is ambiguous" "$T/al.out"; then
	tap_ok "Alembic itself calls downgrade -1 from two heads ambiguous"
else
	tap_fail "Alembic itself calls downgrade -1 from two heads ambiguous"
	tap_diag "$(cat "$T/al.out")"
fi
tap_done
