#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: the migration lock.  Two retort runs against one SQLite
# database never interleave: the second waits (up to --lock-timeout), then
# finds the work done.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

new_project
slow="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) FROM c;"
script a1 "" "CREATE TABLE runs (rev TEXT); INSERT INTO runs VALUES ('a1'); $slow" "DROP TABLE runs;"
script a2 a1 "INSERT INTO runs VALUES ('a2'); $slow" "DELETE FROM runs WHERE rev = 'a2';"
script a3 a2 "INSERT INTO runs VALUES ('a3'); $slow" "DELETE FROM runs WHERE rev = 'a3';"

# Another writer holds the database.  The holder is a sqlite3 shell fed
# through a FIFO: it takes the write lock and prints "holding", and keeps
# it until it is told to commit.  Every step waits for an event it can see
# (a line in a file), never for a length of time.
mkfifo "$T/holder.in"
sqlite3 app.db <"$T/holder.in" >"$T/holder.out" 2>&1 &
holder=$!
exec 3>"$T/holder.in"
echo "BEGIN IMMEDIATE; SELECT 'holding';" >&3
wait_for "the holder has the write lock" "$T/holder.out" holding

expect "lock held elsewhere: --lock-timeout 0.3 fails" 1 --lock-timeout 0.3 upgrade head
err_has "says it timed out waiting for the lock" "lock"
same "nothing applied while locked" "$(versions)" ""

# A longer timeout waits: once the waiter says it is taking the lock, and
# the holder has answered once more (so it still holds the lock), the
# waiter must still be running; then the holder commits and the waiter
# goes on.
"$RETORT" -v --lock-timeout 60 upgrade +1 >"$T/wout" 2>"$T/werr" &
waiter=$!
wait_for "the waiter is taking the migration lock" "$T/werr" "taking the migration lock"
echo "SELECT 'still ' || 'holding';" >&3
wait_for "the holder still holds the lock" "$T/holder.out" "still holding"
if kill -0 "$waiter" 2>/dev/null; then
	tap_ok "the waiter waits while the lock is held"
else
	tap_fail "the waiter waits while the lock is held (it ended)"
	tap_diag "$(cat "$T/werr")"
fi
echo "COMMIT;" >&3
exec 3>&-
wait $holder
wait $waiter
rc=$?
same "a longer timeout waits for the holder, then succeeds" "$rc" 0
if [ "$rc" != 0 ]; then
	# Seen once in CI's sanitizer pass (the waiter exited 1), never again
	# in 36 reruns under load: say what each side saw, should it recur.
	tap_diag "waiter's stderr: $(cat "$T/werr")"
	tap_diag "holder's output: $(cat "$T/holder.out")"
fi
grep -q "holding the migration lock" "$T/werr" && grep -q "Running upgrade" "$T/werr"
same "the waiter took the lock, then ran the migration" "$?" 0
same "applied after waiting" "$(versions)" "a1"

# Two concurrent runs: both succeed, each migration runs exactly once.
"$RETORT" --lock-timeout 60 upgrade head >"$T/o1" 2>"$T/e1" &
p1=$!
"$RETORT" --lock-timeout 60 upgrade head >"$T/o2" 2>"$T/e2" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
same "first concurrent run exits 0" "$r1" 0
same "second concurrent run exits 0" "$r2" 0
same "each migration ran once" "$(sqlite3 app.db "SELECT rev FROM runs ORDER BY rev" | tr '\n' ' ')" "a1 a2 a3 "
same "at head" "$(versions)" "a3"
tap_done
