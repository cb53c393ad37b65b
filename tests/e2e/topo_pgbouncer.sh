#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: the migration lock behind PgBouncer in transaction pooling
# mode (pool of 3, tests/servers_topo.sh), issue 9.
#
#  1. 8 concurrent `retort upgrade head` runs of a 20-revision project with
#     transaction_per_migration = true and lock_strategy = "table" apply
#     each migration exactly once (each inserts its id into a log table)
#     and leave one version row; every runner succeeds.
#  2. The same with lock_strategy = "session" (the dialect's advisory lock,
#     which a pooler hands to whichever client lands on its connection)
#     goes wrong: a migration runs twice, the version table ends with more
#     than one row, or runners fail.  This is the control that shows the
#     test can fail.  Tried up to 3 times: the race is timing dependent.
#  3. ?pgbouncer=true in the URL selects the lease under lock_strategy auto.
#  4. A runner killed with -9 while holding the lease: the next runner
#     waits, naming the holder (pid, host, since), then takes the lease
#     over once it has not been renewed for lock_lease (2 s here), and
#     finishes the migrations, each applied once.
#  5. A runner whose lock_timeout runs out first fails with exit 1 and a
#     message naming the holder.
. "$top_srcdir/tests/tap.sh"
if [ -z "${RETORT_TEST_PGBOUNCER_URL:-}" ] || [ -z "${RETORT_TEST_PG_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_PGBOUNCER_URL is not set: PgBouncer (tests/servers.sh start pg pgbouncer) did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_PGBOUNCER_URL not set (run tests/servers.sh start pg pgbouncer)"; exit 0
fi
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/servers.inc"

N_REV=20
N_RUN=8

# project DB STRATEGY [EXTRA_CFG]: a project in a fresh directory whose url
# is database DB through PgBouncer; r01 makes the log table, each rNN
# inserts 'rNN' into it.
project() {
	new_project "$(url_with_db "$RETORT_TEST_PGBOUNCER_URL" "$1")"
	sed -i 's/^transaction_per_migration = .*/transaction_per_migration = true;/' retort.cfg
	printf 'lock_strategy = "%s";\n%s\n' "$2" "${3:-}" >>retort.cfg
	script r01 "" "CREATE TABLE runs (id SERIAL PRIMARY KEY, rev VARCHAR(8) NOT NULL);
INSERT INTO runs (rev) VALUES ('r01');" "DROP TABLE runs;"
	_i=2
	while [ $_i -le $N_REV ]; do
		_r=$(printf 'r%02d' $_i)
		_p=$(printf 'r%02d' $((_i - 1)))
		script "$_r" "$_p" "INSERT INTO runs (rev) VALUES ('$_r');" \
			"DELETE FROM runs WHERE rev = '$_r';"
		_i=$((_i + 1))
	done
}

# race DIR: start N_RUN runners in DIR at once; their exit statuses go to
# DIR/rc.N, their stderr to DIR/err.N.
race() {
	_j=1
	while [ $_j -le $N_RUN ]; do
		("$RETORT" -q upgrade head >"$1/out.$_j" 2>"$1/err.$_j"; echo $? >"$1/rc.$_j") &
		_j=$((_j + 1))
	done
	wait
}

# state DB: "RUNS ROWS DUPS" - migrations run, version rows, revisions run
# more than once (through PostgreSQL directly).
state() {
	_u=$(url_with_db "$RETORT_TEST_PG_URL" "$1")
	printf '%s %s %s\n' \
		"$(pg_q "SELECT count(*) FROM runs" "$_u" 2>/dev/null || echo none)" \
		"$(pg_q "SELECT string_agg(version_num, ',' ORDER BY 1) FROM alembic_version" "$_u" 2>/dev/null || echo none)" \
		"$(pg_q "SELECT count(*) FROM (SELECT rev FROM runs GROUP BY rev HAVING count(*) > 1) d" "$_u" 2>/dev/null || echo none)"
}

failed_runners() {
	grep -L '^0$' "$1"/rc.* 2>/dev/null | wc -l | tr -d ' '
}

# ---------------------------------------------------------------- 1. table

pg_database lease
DB1=$_db
project "$DB1" table
mkdir "$T/r1"
race "$T/r1"
same "8 runners through PgBouncer with the table lease: each migration once, one version row" \
	"$(state "$DB1")" "$N_REV r$N_REV 0"
same "every runner succeeds (the others wait, then find nothing to do)" \
	"$(failed_runners "$T/r1")" 0
if [ "$(failed_runners "$T/r1")" != 0 ]; then
	for f in "$T"/r1/err.*; do tap_diag "$f:" "$(cat "$f")"; done
fi
same "the lease is released at the end" \
	"$(pg_q "SELECT count(*) FROM retort_lock" "$(url_with_db "$RETORT_TEST_PG_URL" "$DB1")")" 0

# ---------------------------------------------------------------- 2. session

bad=0
tries=0
while [ $tries -lt 3 ] && [ $bad = 0 ]; do
	tries=$((tries + 1))
	pg_database "sess$tries"
	project "$_db" session
	mkdir "$T/s$tries"
	race "$T/s$tries"
	st=$(state "$_db")
	fr=$(failed_runners "$T/s$tries")
	tap_diag "session lock, try $tries: runs, version rows, revisions run twice: $st; runners failed: $fr of $N_RUN"
	[ "$st" != "$N_REV r$N_REV 0" ] && bad=1
	[ "$fr" != 0 ] && bad=1
done
same "the session (advisory) lock through PgBouncer goes wrong (control)" "$bad" 1

# ---------------------------------------------------------------- 3. ?pgbouncer=true

pg_database hint
new_project "$(url_with_db "$RETORT_TEST_PGBOUNCER_URL" "$_db")?pgbouncer=true"
script a1 "" "CREATE TABLE t (x INT);" "DROP TABLE t;"
expect "?pgbouncer=true: upgrade through PgBouncer" 0 -v upgrade head
err_has "?pgbouncer=true takes the table lease" "lock_strategy table: the URL says so"
same "and leaves the lease table empty" \
	"$(pg_q "SELECT count(*) FROM retort_lock" "$(url_with_db "$RETORT_TEST_PG_URL" "$_db")")" 0

# ---------------------------------------------------------------- 4. kill -9

pg_database kill
DB4=$_db
project "$DB4" table "lock_lease = 2;"
# r03 takes a while: the first runner is killed in it, holding the lease.
sed -i "s/^INSERT INTO runs (rev) VALUES ('r03');/SELECT pg_sleep(1.5); &/" migrations/versions/r03.sql
"$RETORT" -v upgrade head >"$T/k1.out" 2>"$T/k1.err" &
k1=$!
add_cleanup "kill -9 $k1 2>/dev/null"
wait_for "the first runner holds the lease" "$T/k1.err" "holding the migration lock (a lease"
wait_for "and runs r03" "$T/k1.err" "r02 -> r03"
kill -9 $k1
wait $k1 2>/dev/null
host=$(hostname)
rt -v upgrade head
same "the next runner takes over after the lease expires and finishes" "$rc" 0
err_has "it waits, naming the dead holder's pid and host" "held by pid $k1 on host $host since"
err_has "and takes the expired lease over" "took over the migration lease of alembic_version, which expired"
same "each migration applied once, one version row" "$(state "$DB4")" "$N_REV r$N_REV 0"

# ---------------------------------------------------------------- 5. timeout

pg_database tmo
DB5=$_db
project "$DB5" table "lock_lease = 30;"
sed -i "s/^INSERT INTO runs (rev) VALUES ('r02');/SELECT pg_sleep(30); &/" migrations/versions/r02.sql
"$RETORT" -v upgrade head >"$T/h.out" 2>"$T/h.err" &
h=$!
add_cleanup "kill -9 $h 2>/dev/null"
wait_for "a runner holds the lease (and sleeps in r02)" "$T/h.err" "r01 -> r02"
rt --lock-timeout 0.5 upgrade head
same "a runner whose lock_timeout runs out fails with exit 1" "$rc" 1
err_has "naming the holder" "is held by pid $h on host $host since"
err_has "and the timeout" "timed out waiting (lock_timeout)"
kill -9 $h 2>/dev/null
wait $h 2>/dev/null

tap_done
