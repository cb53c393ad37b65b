#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: fleet mode on SQLite.  Six databases, three at a time; one
# has a failing migration, one is locked by another writer.  Each database
# gets a line as it finishes and a row in the table; the exit status says
# whether all succeeded; --resume finishes the rest and skips the others;
# no database is migrated twice; errors in the targets file stop the run
# before anything is touched; passwords never show.  Each database gets
# what a single upgrade gives it (verify's checks, history, audit), and
# verify runs over a fleet.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

new_project
script a1 "" "CREATE TABLE runs (rev TEXT); INSERT INTO runs VALUES ('a1');" "DROP TABLE runs;"
script a2 a1 "CREATE TABLE conflict (x INT); INSERT INTO runs VALUES ('a2');" \
	"DROP TABLE conflict; DELETE FROM runs WHERE rev = 'a2';"
script a3 a2 "INSERT INTO runs VALUES ('a3');" "DELETE FROM runs WHERE rev = 'a3';"
mkdir dbs
# t4 already has the table a2 creates: its upgrade fails there.
sqlite3 dbs/t4.db "CREATE TABLE conflict (y INT);"
export FLEET_T2_URL="sqlite:///dbs/t2.db"
cat >targets <<'EOF'
# the tenants
sqlite:///dbs/t1.db  t1
${FLEET_T2_URL}
sqlite:///dbs/t3.db  t3

sqlite:///dbs/t4.db  t4
sqlite:///dbs/t5.db  t5
sqlite:///dbs/t6.db  t6
EOF

# t5 is held: a sqlite3 shell keeps its write lock until told to commit.
sqlite3 dbs/t5.db "CREATE TABLE keep (x INT);"
mkfifo "$T/holder.in"
sqlite3 dbs/t5.db <"$T/holder.in" >"$T/holder.out" 2>&1 &
holder=$!
exec 3>"$T/holder.in"
echo "BEGIN IMMEDIATE; SELECT 'holding';" >&3
wait_for "the holder has t5's write lock" "$T/holder.out" holding

rows() { sqlite3 "dbs/$1.db" "SELECT version_num FROM alembic_version" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
runs() { sqlite3 "dbs/$1.db" "SELECT rev FROM runs ORDER BY rev" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
line_of() { grep "^$1 " "$T/out" | head -n 1; }

expect "one failure and one locked database: exit 1" 1 --lock-timeout 0.5 upgrade head \
	--targets targets -j 3
for t in t1 FLEET_T2_URL t3 t6; do
	case $t in FLEET_T2_URL) db=t2 ;; *) db=$t ;; esac
	same "$t is at head" "$(rows $db)" "a3"
	same "$t ran each migration once" "$(runs $db)" "a1 a2 a3"
	same "$t: a progress line" "$(grep -c "^$t  *base -> a3  [0-9.]*s  ok$" "$T/out")" 1
	same "$t: a table row" "$(grep -c "^$t  *base  *a3  *[0-9.]*  ok$" "$T/out")" 1
done
same "t4 rolled back (SQLite has transactional DDL)" "$(rows t4)" ""
line_of t4 | grep -q "base -> base .*failed$"
same "t4's line says failed" "$?" 0
grep -q "^    .*upgrade of revision a2 failed" "$T/out"
same "t4's error is indented under its line" "$?" 0
grep -q "^t5  *? -> ?  [0-9.]*s  locked$" "$T/out"
same "t5's line says locked (rows unknown: not read without the lock)" "$?" 0
same "nothing written to t5" "$(sqlite3 dbs/t5.db "SELECT name FROM sqlite_master WHERE name = 'alembic_version'")" ""
out_has "the summary counts each outcome" "6 databases in"
out_has "... 4 ok, 1 locked, 1 failed" "4 ok, 1 locked, 1 failed"
out_has "the table has a header" "NAME"
err_has "the error says how many did not succeed" "2 of 6 databases did not succeed"
same "one progress line per database" "$(grep -c '[0-9]s  [a-z]*$' "$T/out")" 6

echo "COMMIT;" >&3
exec 3>&-
wait $holder
sqlite3 dbs/t4.db "DROP TABLE conflict;"

# --resume: the four at head are skipped (not even locked), the two others run.
expect "--resume finishes the rest: exit 0" 0 upgrade head --targets targets -j 3 --resume
for t in t1 FLEET_T2_URL t3 t6; do
	line_of "$t" | grep -q "a3 -> a3 .*skipped$"
	same "$t skipped" "$?" 0
done
for t in t4 t5; do
	line_of "$t" | grep -q "base -> a3 .*ok$"
	same "$t migrated" "$?" 0
	same "$t ran each migration once" "$(runs $t)" "a1 a2 a3"
done
out_has "the summary" "2 ok, 4 skipped"
same "no database ran a migration twice" \
	"$(for d in t1 t2 t3 t4 t5 t6; do runs $d; echo; done | sort -u)" "a1 a2 a3"

expect "again without --resume: nothing to do, exit 0" 0 upgrade head --targets targets -j 2
out_has "every database unchanged" "6 unchanged"

expect "check: all at head" 0 check --targets targets -j 4
out_has "check says ok" "6 ok"
script a4 a3 "INSERT INTO runs VALUES ('a4');" "DELETE FROM runs WHERE rev = 'a4';"
expect "check with a pending migration: exit 1" 1 check --targets targets -j 4
out_has "check says pending" "6 pending"
grep -q "1 migration(s) pending" "$T/out"
same "check says what is pending" "$?" 0

expect "current --format json: one document" 0 --format json current --targets targets -j 6
/usr/bin/python3 - "$T/out" >"$T/json.txt" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "current" and d["exit_status"] == 0, d
assert [x["name"] for x in d["databases"]] == ["t1", "FLEET_T2_URL", "t3", "t4", "t5", "t6"]
assert all(x["from"] == ["a3"] and x["outcome"] == "ok" for x in d["databases"]), d
assert d["summary"]["databases"] == 6 and d["summary"]["ok"] == 6, d
print("ok")
PY
same "the JSON document parses and holds every database" "$(cat "$T/json.txt")" "ok"

expect "downgrade -1 on every database" 0 -q downgrade -1 --targets targets -j 3
same "t1 went down one" "$(rows t1)" "a2"
same "t6 went down one" "$(rows t6)" "a2"
out_has "-q keeps the table" "6 ok"

# A database that cannot be reached: its password never shows.
cat >bad <<'EOF'
sqlite:///dbs/t1.db  t1
postgresql://app:Sekret99@127.0.0.1:1/nowhere?connect_timeout=2  remote
EOF
expect "an unreachable database fails alone" 1 --format json upgrade head --targets bad
/usr/bin/python3 - "$T/out" >"$T/json.txt" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
o = {x["name"]: x for x in d["databases"]}
assert o["t1"]["outcome"] == "ok" and o["t1"]["to"] == ["a4"], o
assert o["remote"]["outcome"] == "failed" and o["remote"]["error"], o
assert o["remote"]["url"] == "postgresql://app:***@127.0.0.1:1/nowhere?connect_timeout=2", o
assert d["exit_status"] == 1
print("ok")
PY
same "the other database is migrated, the unreachable one fails" "$(cat "$T/json.txt")" "ok"
err_lacks "no password in the output" "Sekret99"

# Errors in the targets file stop the run before any database is touched.
printf 'sqlite:///dbs/new1.db\nsqlite:///dbs/new2.db\nsqlite:///dbs/new1.db again\n' >dup
expect "a database listed twice: exit 2" 2 upgrade head --targets dup
err_has "the error names both lines" "dup:3: the same database as line 1"
[ ! -e dbs/new1.db ] && [ ! -e dbs/new2.db ]
same "no database was touched" "$?" 0
printf 'sqlite:///dbs/new1.db\n${FLEET_UNSET_VAR}\n' >unset
expect "an unset variable: exit 2" 2 upgrade head --targets unset
err_has "the error names the line and the variable" "unset:2"
expect "a missing targets file: exit 2" 2 upgrade head --targets nosuchfile
expect "-j without --targets: exit 2" 2 upgrade head -j 4
expect "--resume without --targets: exit 2" 2 upgrade head --resume
expect "-j 0: exit 2" 2 upgrade head --targets targets -j 0
expect "--sql with --targets: exit 2" 2 upgrade head --sql --targets targets
expect "--url with --targets: exit 2" 2 --url sqlite:///x.db upgrade head --targets targets

# A fleet upgrade does to each database what `retort upgrade` does: the
# checks of verify first (an edited applied script stops that database
# alone), history rows with checksums, one audit row, --allow-changed and
# --tag.  u1 has applied i1; then i1.sql is edited.
new_project
script i1 "" "CREATE TABLE ti (x INT);" "DROP TABLE ti;"
script i2 i1 "CREATE TABLE tj (x INT);" "DROP TABLE tj;"
mkdir dbs
printf 'sqlite:///dbs/u1.db  u1\nsqlite:///dbs/u2.db  u2\nsqlite:///dbs/u3.db  u3\n' >utargets
expect "u1 upgraded to i1 alone" 0 -q --url sqlite:///dbs/u1.db upgrade i1
sed -i 's/CREATE TABLE ti (x INT);/CREATE TABLE ti (x INT, y INT);/' migrations/versions/i1.sql
q() { sqlite3 "dbs/$1.db" "$2" 2>/dev/null; }
audits() { q "$1" "SELECT count(*) FROM retort_audit"; }
last_audit() { q "$1" "SELECT outcome || ' ' || tag || ' ' || (command_line LIKE '% upgrade head --targets utargets %') FROM retort_audit ORDER BY id DESC LIMIT 1"; }
expect "an edited applied script: that database fails, exit 1" 1 upgrade head \
	--targets utargets -j 3 --tag rel-1
line_of u1 | grep -q "^u1  *i1 -> i1  [0-9.]*s  failed$"
same "u1 failed, left at i1" "$?" 0
grep -q "^    .*upgrade refuses to run" "$T/out"
same "u1's error is verify's message" "$?" 0
same "u1 ran nothing" "$(q u1 "SELECT version_num FROM alembic_version")" "i1"
same "u1: one new audit row (the failure), with the command line and tag" \
	"$(audits u1) $(last_audit u1)" "2 failed rel-1 1"
for t in u2 u3; do
	line_of $t | grep -q "^$t  *base -> i2  [0-9.]*s  ok$"
	same "$t migrated" "$?" 0
done
for t in u2 u3; do
	same "$t: exactly one audit row, ok, with the command line and tag" \
		"$(audits $t) $(last_audit $t)" "1 ok rel-1 1"
	same "$t: history rows with checksums" \
		"$(q $t "SELECT revision || ' ' || direction || ' ' || (length(checksum) > 0) FROM retort_history ORDER BY id" | tr '\n' ';')" \
		"i1 upgrade 1;i2 upgrade 1;"
	expect "$t: verify is clean after the fleet upgrade" 0 --url "sqlite:///dbs/$t.db" verify
done
expect "with --allow-changed the edited database runs too" 0 upgrade head --targets utargets \
	--allow-changed
line_of u1 | grep -q "^u1  *i1 -> i2  [0-9.]*s  ok$"
same "u1 migrated" "$?" 0
out_has "the others had nothing to do" "1 ok, 2 unchanged"
same "u1: the edit is accepted in retort_history" \
	"$(q u1 "SELECT revision || ' ' || direction FROM retort_history ORDER BY id" | tr '\n' ';')" \
	"i1 upgrade;i1 accept;i2 upgrade;"
same "u1: one more audit row" "$(audits u1) $(q u1 "SELECT outcome FROM retort_audit ORDER BY id DESC LIMIT 1")" "3 ok"
same "u2, u3: nothing to do records nothing" "$(audits u2) $(audits u3)" "1 1"
for t in u1 u2 u3; do
	expect "$t: verify is clean" 0 --url "sqlite:///dbs/$t.db" verify
done
expect "a bad --tag with --targets: exit 2" 2 upgrade head --targets utargets --tag "$(printf 'a\tb')"

# verify over a fleet: the checks of `retort verify` per database, read
# only.  u4 is at i1; i2.sql is then edited, which u1 has applied.
expect "u4 upgraded to i1 alone" 0 -q --url sqlite:///dbs/u4.db upgrade i1
printf 'sqlite:///dbs/u1.db  u1\nsqlite:///dbs/u4.db  u4\n' >vtargets
expect "verify --targets: all clean, exit 0" 0 verify --targets vtargets -j 2
out_has "verify: every database ok" "2 ok"
sed -i 's/CREATE TABLE tj (x INT);/CREATE TABLE tj (x INT, y INT);/' migrations/versions/i2.sql
before=$(audits u1)
expect "verify --targets with an edited script: exit 1" 1 verify --targets vtargets -j 2
line_of u1 | grep -q "^u1  *i2  [0-9.]*s  findings$"
same "u1 has findings" "$?" 0
grep -q "^    CHANGED: revision i2 " "$T/out"
same "the finding is indented under its line" "$?" 0
line_of u4 | grep -q "^u4  *i1  [0-9.]*s  ok$"
same "u4 is clean" "$?" 0
out_has "verify: the summary counts the findings" "1 ok, 1 findings"
err_has "verify: the error counts the databases" "1 of 2 databases did not succeed"
same "verify wrote nothing" "$(audits u1)" "$before"
expect "verify --targets --format json: exit 1" 1 --format json verify --targets vtargets
/usr/bin/python3 - "$T/out" >"$T/json.txt" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "verify" and d["fleet"] and d["exit_status"] == 1, d
o = {x["name"]: x for x in d["databases"]}
assert o["u1"]["outcome"] == "findings" and o["u1"]["exit_status"] == 1, o
assert o["u1"]["error"].startswith("CHANGED: revision i2 "), o
assert [f["kind"] for f in json.loads(o["u1"]["output"])["findings"]] == ["changed"], o
assert o["u4"]["outcome"] == "ok" and o["u4"]["error"] is None and o["u4"]["from"] == ["i1"], o
assert json.loads(o["u4"]["output"])["ok"] is True, o
assert d["summary"]["findings"] == 1 and d["summary"]["ok"] == 1, d
print("ok")
PY
same "the verify document holds each database's verdict" "$(cat "$T/json.txt")" "ok"
expect "verify --targets --resume: exit 2" 2 verify --targets vtargets --resume
tap_done
