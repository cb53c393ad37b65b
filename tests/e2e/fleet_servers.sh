#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: fleet mode over 50 SQLite and 20 PostgreSQL databases, 8 at a
# time.  One PostgreSQL database has a failing migration; another is locked
# by a held runner (a retort run stopped with SIGSTOP while it holds the
# migration lock).  Every other database is migrated exactly once, the
# exit status is 1, and after the cause is fixed and the runner let go,
# --resume finishes the failed one and skips all the others.
. "$top_srcdir/tests/tap.sh"
if [ -z "${RETORT_TEST_PG_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_PG_URL is not set: the PostgreSQL test server did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_PG_URL not set (run tests/servers.sh start)"; exit 0
fi
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/servers.inc"

N_SQLITE=50
N_PG=20
FAILING=pg03
HELD=pg07

new_project
# On PostgreSQL a1 first passes a gate: an advisory lock whose key -x gate
# gives (0, free, unless told otherwise).  The held runner waits at it.
script a1 "" "CREATE TABLE runs (rev VARCHAR(8)); INSERT INTO runs VALUES ('a1');

-- retort:upgrade postgresql
SELECT pg_advisory_lock(\${x:gate:-0});
SELECT pg_advisory_unlock(\${x:gate:-0});
CREATE TABLE runs (rev VARCHAR(8)); INSERT INTO runs VALUES ('a1');" "DROP TABLE runs;"
script a2 a1 "CREATE TABLE conflict (x INT); INSERT INTO runs VALUES ('a2');" \
	"DROP TABLE conflict; DELETE FROM runs WHERE rev = 'a2';"
script a3 a2 "INSERT INTO runs VALUES ('a3');" "DELETE FROM runs WHERE rev = 'a3';"

# The databases and the targets file (names sq01.., pg01..).
mkdir dbs
: >targets
i=1
while [ $i -le $N_SQLITE ]; do
	printf 'sqlite:///dbs/sq%02d.db sq%02d\n' $i $i >>targets
	i=$((i + 1))
done
dbs=
i=1
while [ $i -le $N_PG ]; do
	db=$(printf 'retort_fl%02d_%s' $i $$)
	dbs="$dbs $db"
	printf '%s pg%02d\n' "$(url_with_db "$RETORT_TEST_PG_URL" "$db")" $i >>targets
	i=$((i + 1))
done
# One connection creates them all (a CREATE DATABASE each).
for db in $dbs; do echo "CREATE DATABASE $db;"; done |
	psql "$RETORT_TEST_PG_URL" -X -q -v ON_ERROR_STOP=1 >/dev/null ||
	{ echo "Bail out! cannot create the databases"; exit 1; }
add_cleanup "for db in $dbs; do echo \"DROP DATABASE IF EXISTS \$db WITH (FORCE);\"; done | psql \"\$RETORT_TEST_PG_URL\" -X -q >/dev/null 2>&1"
url_of() { awk -v n="$1" '$2 == n { print $1 }' targets; }

# pg03 has the table a2 creates: its upgrade fails there.
pg_q "CREATE TABLE conflict (y INT)" "$(url_of $FAILING)"

# pg07 is locked by a held runner: a retort run that holds its migration
# lock and waits at a1's gate, which a psql session (fed through a FIFO)
# keeps closed until told to open it.
mkfifo "$T/gate.in"
psql "$(url_of $HELD)" -X -q -A -t <"$T/gate.in" >"$T/gate.out" 2>&1 &
gate=$!
exec 3>"$T/gate.in"
add_cleanup "exec 3>&-; kill $gate 2>/dev/null"
echo "SELECT pg_advisory_lock(4242); SELECT 'gate ' || 'closed';" >&3
wait_for "the gate is closed" "$T/gate.out" "gate closed"
"$RETORT" -v -x gate=4242 --url "$(url_of $HELD)" upgrade head >"$T/held.out" 2>"$T/held.err" &
held=$!
add_cleanup "kill $held 2>/dev/null"
wait_for "the held runner holds pg07's lock" "$T/held.err" "holding the migration lock"
wait_for "and waits at the gate in a1" "$T/held.err" "Running upgrade  -> a1"

# snapshot: the version rows and runs of all 70 databases, read by one
# psql session and one python3 process, as "NAME v ROWS" and "NAME r RUNS"
# lines in $T/state.
snapshot() {
	awk -v q="'" '$2 ~ /^pg/ {
		print "\\c " $1
		print "SELECT to_regclass(" q "alembic_version" q ") IS NOT NULL AS has_v, to_regclass(" q "runs" q ") IS NOT NULL AS has_r \\gset"
		print "\\if :has_v"
		print "SELECT " q $2 " v " q " || coalesce(string_agg(version_num, " q " " q " ORDER BY version_num), " q q ") FROM alembic_version;"
		print "\\endif"
		print "\\if :has_r"
		print "SELECT " q $2 " r " q " || coalesce(string_agg(rev, " q " " q " ORDER BY rev), " q q ") FROM runs;"
		print "\\endif"
	}' targets | psql "$RETORT_TEST_PG_URL" -X -q -A -t >"$T/state" 2>&1
	/usr/bin/python3 - >>"$T/state" <<'PY'
import glob, os, sqlite3
for path in sorted(glob.glob("dbs/sq*.db")):
    name = os.path.basename(path)[:-3]
    db = sqlite3.connect(path)
    for tag, sql in (("v", "SELECT version_num FROM alembic_version ORDER BY 1"),
                     ("r", "SELECT rev FROM runs ORDER BY rev")):
        try:
            print(name, tag, " ".join(r[0] for r in db.execute(sql)))
        except sqlite3.OperationalError:
            pass
PY
}
rows() { sed -n "s/^$1 v //p" "$T/state"; }
# wrong_ones NAME...: the databases, other than NAME..., that are not at a3
# with each migration run exactly once.
wrong_ones() {
	awk -v skip=" $* " '
		$2 == "v" { v[$1] = substr($0, length($1) + 4) }
		$2 == "r" { r[$1] = substr($0, length($1) + 4) }
		END {
			while ((getline line < "targets") > 0) {
				split(line, f, " ")
				n = f[2]
				if (index(skip, " " n " ")) continue
				if (v[n] != "a3" || r[n] != "a1 a2 a3") printf " %s(%s/%s)", n, v[n], r[n]
			}
		}' "$T/state"
}

expect "70 databases, -j 8: one fails, one is locked, exit 1" 1 --lock-timeout 1 --format json \
	upgrade head --targets targets -j 8
cp "$T/out" "$T/run1.json"
cp "$T/err" "$T/run1.err"
/usr/bin/python3 - "$T/run1.json" "$FAILING" "$HELD" >"$T/check.txt" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
failing, held = sys.argv[2], sys.argv[3]
bad = []
for x in d["databases"]:
    n = x["name"]
    want = {"failing": "failed", "held": "locked"}.get(
        "failing" if n == failing else "held" if n == held else "", "ok")
    if x["outcome"] != want:
        bad.append("%s: %s (wanted %s): %s" % (n, x["outcome"], want, x["error"]))
    if want == "ok" and (x["from"] != [] or x["to"] != ["a3"]):
        bad.append("%s: %s -> %s" % (n, x["from"], x["to"]))
s = d["summary"]
if (s["databases"], s["ok"], s["failed"], s["locked"]) != (70, 68, 1, 1) or d["exit_status"] != 1:
    bad.append("summary %s, exit %s" % (s, d["exit_status"]))
if d["jobs"] != 8:
    bad.append("jobs %s" % d["jobs"])
print("\n".join(bad) if bad else "ok")
PY
same "per-database outcomes: 68 ok, pg03 failed, pg07 locked" "$(cat "$T/check.txt")" "ok"
same "a progress line per database on stderr" "$(grep -c '[0-9]s  [a-z]*$' "$T/run1.err")" 70
grep -q "conflict.* already exists" "$T/run1.json"
same "pg03's error names the cause" "$?" 0
snapshot
same "pg03 was rolled back" "$(rows $FAILING)" ""
same "pg07 untouched by the fleet" "$(rows $HELD)" ""
same "the 68 others are at a3, each migration run once" "$(wrong_ones $FAILING $HELD)" ""

# Let the held runner finish pg07 itself, fix pg03, and resume.
echo "SELECT pg_advisory_unlock(4242);" >&3
exec 3>&-
wait $gate
wait $held
same "the held runner finishes pg07" "$?" 0
pg_q "DROP TABLE conflict" "$(url_of $FAILING)"
expect "--resume: exit 0" 0 upgrade head --targets targets -j 8 --resume
snapshot
same "pg03 is migrated now" "$(grep -c "^$FAILING  *base -> a3  [0-9.]*s  ok$" "$T/out")" 1
same "pg07 (finished by its runner) is skipped" \
	"$(grep -c "^$HELD  *a3 -> a3  [0-9.]*s  skipped$" "$T/out")" 1
same "every other database is skipped" "$(grep -c '^[sp][qg][0-9]*  *a3 -> a3  [0-9.]*s  skipped$' "$T/out")" 69
out_has "the summary" "70 databases in"
out_has "the counts" "1 ok, 69 skipped"
same "all 70 at a3, no migration run twice" "$(wrong_ones)" ""
err_lacks "no password anywhere" "$(url_password "$RETORT_TEST_PG_URL")"
cat "$T/run1.json" "$T/run1.err" >"$T/err"
err_lacks "no password in the first run's output either" "$(url_password "$RETORT_TEST_PG_URL")"
tap_done
