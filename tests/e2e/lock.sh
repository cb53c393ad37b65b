#!/bin/sh
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

# Another writer holds the database: a short timeout gives up with exit 1.
(echo "BEGIN IMMEDIATE;"; sleep 3; echo "COMMIT;") | sqlite3 app.db &
holder=$!
sleep 0.5
expect "lock held elsewhere: --lock-timeout 0.3 fails" 1 --lock-timeout 0.3 upgrade head
err_has "says it timed out waiting for the lock" "lock"
same "nothing applied while locked" "$(versions)" ""
expect "a longer timeout waits for the holder" 0 --lock-timeout 20 upgrade +1
wait $holder
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
