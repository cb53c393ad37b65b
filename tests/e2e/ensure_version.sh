#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: ensure-version / ensure_version [--sql [--output FILE]]
# (Alembic's ensure_version; issue 13 item 3) on SQLite: it creates the
# version table once, records that in retort_audit (issue 12), touches
# nothing else, and the table is the one Alembic creates (same schema
# text; Alembic then works on the database).
# The --sql output is compared with Alembic's on every dialect by
# tests/e2e/offline_alembic.sh ("ensure").
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

PY=${RETORT_TEST_PYTHON:-/usr/bin/python3}

new_project
proj=$(pwd)
script aaa "" "CREATE TABLE a (x INTEGER);" "DROP TABLE a;"

expect "ensure_version (Alembic's spelling)" 0 ensure_version
same "the version table exists, empty" "$(sqlite3 app.db "SELECT count(*) FROM alembic_version")" 0
same "nothing else was made but the audit trail" \
	"$(sqlite3 app.db "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)")" \
	"alembic_version,retort_audit"
same "one audit row: the table was created" \
	"$(sqlite3 app.db "SELECT command, outcome, rows_before, rows_after FROM retort_audit")" \
	"ensure-version|ok||"
expect "ensure-version again (it exists)" 0 ensure-version
same "nothing to do, nothing recorded" "$(sqlite3 app.db "SELECT count(*) FROM retort_audit")" 1
expect "upgrade head" 0 upgrade head
expect "ensure-version on a migrated database" 0 ensure-version
same "keeps its rows" "$(versions)" "aaa"

expect "ensure-version --sql" 0 ensure-version --sql
out_has "prints the CREATE TABLE" "CREATE TABLE alembic_version"
if grep -q "BEGIN" "$T/out"; then
	tap_fail "and no BEGIN/COMMIT on SQLite (as Alembic)"
else
	tap_ok "and no BEGIN/COMMIT on SQLite (as Alembic)"
fi
if grep -q "DROP TABLE" "$T/out"; then tap_fail "and no DROP TABLE"; else tap_ok "and no DROP TABLE"; fi
rm -f "$T/ev.sql"
expect "ensure-version --sql -o FILE" 0 ensure-version --sql -o "$T/ev.sql"
tap_check "writes FILE" grep -q "CREATE TABLE alembic_version" "$T/ev.sql"
sed -i 's|^url = .*|url = "sqlite:///fresh.db";|' retort.cfg
sqlite3 fresh.db <"$T/ev.sql"
same "and makes the table" "$(sqlite3 fresh.db "SELECT count(*) FROM alembic_version")" 0
rm -f fresh.db
expect "--output without --sql" 2 ensure-version -o "$T/x.sql"
expect "an argument" 2 ensure-version head
expect "--purge is stamp's" 2 ensure-version --purge
sed -i 's|^url = .*|url = "sqlite:///nodir/x.db";|' retort.cfg
expect "a database that cannot be opened exits 1" 1 ensure-version

# The same table as Alembic's.
if ! "$PY" -c 'import alembic' 2>/dev/null; then
	if [ "${CI:-}" = true ]; then tap_fail "Alembic ($PY -m alembic) is installed"
	else tap_skip "Alembic is not installed: no comparison"; fi
	tap_done
fi
mkdir "$T/al" && cd "$T/al" || exit 99
"$PY" -m alembic init al >/dev/null 2>&1
sed -i "s|^sqlalchemy.url = .*|sqlalchemy.url = sqlite:///$T/al/al.db|" alembic.ini
if "$PY" -m alembic ensure_version >"$T/al.log" 2>&1; then tap_ok "Alembic's ensure_version"
else tap_fail "Alembic's ensure_version"; tap_diag "$(cat "$T/al.log")"; fi
cd "$proj" || exit 99
sed -i "s|^url = .*|url = \"sqlite:///$T/rt.db\";|" retort.cfg
expect "retort's ensure-version on a new file" 0 ensure-version
same "the same CREATE TABLE as Alembic's" \
	"$(sqlite3 "$T/rt.db" "SELECT sql FROM sqlite_master WHERE name = 'alembic_version'")" \
	"$(sqlite3 "$T/al/al.db" "SELECT sql FROM sqlite_master WHERE name = 'alembic_version'")"
cd "$T/al" || exit 99
sed -i "s|^sqlalchemy.url = .*|sqlalchemy.url = sqlite:///$T/rt.db|" alembic.ini
if "$PY" -m alembic current >"$T/al.log" 2>&1; then tap_ok "Alembic reads the table retort made"
else tap_fail "Alembic reads the table retort made"; tap_diag "$(cat "$T/al.log")"; fi
cd "$proj" || exit 99
sed -i "s|^url = .*|url = \"sqlite:///$T/al/al.db\";|" retort.cfg
expect "retort reads the table Alembic made" 0 current
expect "and upgrades from it" 0 upgrade head
same "to aaa" "$(sqlite3 "$T/al/al.db" "SELECT version_num FROM alembic_version")" "aaa"
tap_done
