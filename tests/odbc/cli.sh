#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/odbc/cli.sh - the retort binary with the odbc plugin, found through
# its registry drop-in (50-odbc.cfg): offline SQL for the flavours no
# server here speaks (SQL Server, Oracle), and online runs through the
# SQLite, PostgreSQL and MariaDB ODBC drivers (tests/odbc/odbcini.sh; a
# backend that is not configured is skipped, or fails when CI=true).
: "${top_srcdir:?run through make check}"
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/odbc/odbcini.sh"
trap 'rm -rf "$T" "$RETORT_ODBC_TEST_DIR"' EXIT
odbc_only_registry || { echo "Bail out! cannot write the registry"; exit 1; }

SECRET=Sup3r-secret-pw

# unavailable NAME: skip NAME's cases (one TAP line), or fail under CI.
unavailable() {
	eval "_why=\${RETORT_ODBC_$1_WHY:-not configured}"
	if [ "${CI:-}" = true ]; then
		tap_fail "odbc $1: $_why"
	else
		tap_skip "odbc $1: $_why"
	fi
}

new_project
sed -i 's|^version_table = .*|version_table = "odbc_cli_version";|' retort.cfg
script c1 "" "CREATE TABLE odbc_c1 (id INTEGER PRIMARY KEY, note VARCHAR(50));
INSERT INTO odbc_c1 (id, note) VALUES (1, 'semi; colon');" "DROP TABLE odbc_c1;"
script c2 c1 "CREATE TABLE odbc_c2 (id INTEGER);" "DROP TABLE odbc_c2;"

# ------------------------------------------------------------ offline
RETORT_URL="mssql+odbc://sa:$SECRET@NoSuchDsn"
export RETORT_URL
expect "mssql offline: upgrade head --sql needs no connection" 0 upgrade head --sql
out_has "mssql offline: BEGIN TRANSACTION" "BEGIN TRANSACTION;"
out_has "mssql offline: Alembic's version table" "version_num VARCHAR(32) NOT NULL, "
out_has "mssql offline: GO after a statement" "CREATE TABLE odbc_c2 (id INTEGER);

GO"
out_has "mssql offline: COMMIT" "COMMIT;"
err_lacks "mssql offline: no password" "$SECRET"

RETORT_URL="oracle+odbc://scott:$SECRET@NoSuchDsn"
expect "oracle offline: upgrade head --sql" 0 upgrade head --sql
out_has "oracle offline: VARCHAR2 version table" "version_num VARCHAR2(32 CHAR) NOT NULL, "
out_has "oracle offline: '/' after a statement, no ';'" "CREATE TABLE odbc_c2 (id INTEGER)

/"
if grep -q '^BEGIN' "$T/out"; then tap_fail "oracle offline: no BEGIN (DDL commits)"; else tap_ok "oracle offline: no BEGIN (DDL commits)"; fi
err_lacks "oracle offline: no password" "$SECRET"

RETORT_URL="odbc://?dsn=NoSuchDsn&pwd=$SECRET"
expect "odbc:// offline without ?flavour= is a usage error" 2 upgrade head --sql
err_has "odbc:// offline: says to add ?flavour=" "?flavour="
err_lacks "odbc:// offline: no password" "$SECRET"

RETORT_URL="odbc://?dsn=NoSuchDsn&flavour=mysql"
expect "odbc:// ?flavour=mysql offline" 0 upgrade head --sql
out_has "odbc:// mysql offline: statement" "CREATE TABLE odbc_c2 (id INTEGER);"

# ------------------------------------------------------------ online
# online NAME URL CLIENT: upgrade, current, downgrade through ODBC; CLIENT
# is a command printing the rows of odbc_cli_version.
online() {
	_n=$1 RETORT_URL=$2 _rows=$3
	export RETORT_URL
	expect "$_n: upgrade head" 0 upgrade head
	same "$_n: version row" "$($_rows)" "c2"
	expect "$_n: current" 0 current
	out_has "$_n: current names the head" "c2 (head)"
	expect "$_n: downgrade -1" 0 downgrade -1
	same "$_n: version row after downgrade" "$($_rows)" "c1"
	expect "$_n: downgrade base" 0 downgrade base
	same "$_n: no rows at base" "$($_rows)" ""
}

if [ -n "${RETORT_ODBC_SQLITE_DRIVER:-}" ]; then
	db=$RETORT_ODBC_TEST_DIR/cli.db
	lite_rows() { sqlite3 "$db" "SELECT version_num FROM odbc_cli_version ORDER BY 1" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
	online "odbc sqlite" "odbc://?driver=$RETORT_ODBC_SQLITE_DRIVER&database=$db" lite_rows

	# A failing third migration: transactional DDL leaves nothing.
	script c3 c2 "CREATE TABLE odbc_c3 (id INTEGER);
INSERT INTO no_such_table_c3 VALUES (1);" "DROP TABLE odbc_c3;"
	expect "odbc sqlite: failing migration exits 1" 1 upgrade head
	err_has "odbc sqlite: error names the file" "c3.sql"
	err_has "odbc sqlite: error names the statement" "INSERT INTO no_such_table_c3"
	same "odbc sqlite: nothing applied" "$(lite_rows)" ""
	rm -f migrations/versions/c3.sql

	# The lock.  Another writer keeps a transaction open, as a running
	# migration does (a sqlite3 shell fed through a FIFO, holding BEGIN
	# IMMEDIATE until told to commit): a run gives up at its lock timeout
	# with the lock's error, not after the driver's busy timeout (100 s).
	mkfifo "$T/holder.in"
	sqlite3 "$db" <"$T/holder.in" >"$T/holder.out" 2>&1 &
	holder=$!
	exec 3>"$T/holder.in"
	echo "BEGIN IMMEDIATE; SELECT 'holding';" >&3
	wait_for "odbc sqlite: another writer holds the database" "$T/holder.out" holding
	expect "odbc sqlite: --lock-timeout 0.3 while it does exits 1" 1 --lock-timeout 0.3 upgrade head
	err_has "odbc sqlite: ... timed out waiting for the lock" "timed out waiting (lock_timeout)"
	err_has "odbc sqlite: ... says what holds it" "write transaction"
	echo "COMMIT;" >&3
	exec 3>&-
	wait $holder
	same "odbc sqlite: nothing applied while locked" "$(lite_rows)" ""

	# Two runs at once: the one that waited takes the lock after the other
	# is done, then finds the work done (each migration runs once).
	slow="WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000) SELECT count(*) FROM n;"
	script c3 c2 "CREATE TABLE odbc_runs (rev VARCHAR(8));
INSERT INTO odbc_runs VALUES ('c3');
$slow" "DROP TABLE odbc_runs;"
	"$RETORT" --lock-timeout 60 upgrade head >"$T/o1" 2>"$T/e1" &
	p1=$!
	"$RETORT" --lock-timeout 60 upgrade head >"$T/o2" 2>"$T/e2" &
	p2=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	same "odbc sqlite: two runs at once both exit 0" "$r1 $r2" "0 0"
	[ "$r1 $r2" = "0 0" ] || tap_diag "$(cat "$T/e1" "$T/e2")"
	same "odbc sqlite: ... and each migration ran once" \
		"$(sqlite3 "$db" "SELECT count(*) FROM odbc_runs" 2>&1)" 1
	same "odbc sqlite: ... to the head" "$(lite_rows)" "c3"
	expect "odbc sqlite: downgrade base after the concurrent runs" 0 downgrade base
	rm -f migrations/versions/c3.sql
else
	unavailable SQLITE
fi

if [ -n "${RETORT_ODBC_PG_DSN:-}" ]; then
	pg_rows() { psql "$RETORT_TEST_PG_URL" -X -q -A -t -c "SELECT version_num FROM odbc_cli_version ORDER BY 1" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
	psql "$RETORT_TEST_PG_URL" -X -q -c "DROP TABLE IF EXISTS odbc_cli_version, odbc_c1, odbc_c2" >/dev/null 2>&1
	online "odbc postgresql" "odbc://$RETORT_ODBC_PG_UID:$RETORT_ODBC_PG_PWD@$RETORT_ODBC_PG_DSN" pg_rows
	# Offline SQL of the postgresql flavour runs in psql and leaves the
	# rows an online run leaves.
	psql "$RETORT_TEST_PG_URL" -X -q -c "DROP TABLE IF EXISTS odbc_cli_version" >/dev/null 2>&1
	RETORT_URL="odbc://?dsn=NoSuchDsn&flavour=postgresql"
	expect "odbc postgresql: offline upgrade head --sql" 0 upgrade head --sql
	if psql "$RETORT_TEST_PG_URL" -X -q -v ON_ERROR_STOP=1 -f "$T/out" >"$T/client.err" 2>&1; then
		tap_ok "odbc postgresql: offline script runs in psql"
	else
		tap_fail "odbc postgresql: offline script runs in psql"
		tap_diag "$(cat "$T/client.err")"
	fi
	same "odbc postgresql: offline leaves the head row" "$(pg_rows)" "c2"
	online "odbc postgresql (after offline)" "odbc://$RETORT_ODBC_PG_UID:$RETORT_ODBC_PG_PWD@$RETORT_ODBC_PG_DSN" pg_rows
	RETORT_URL="odbc://$RETORT_ODBC_PG_UID:$SECRET@$RETORT_ODBC_PG_DSN"
	expect "odbc postgresql: wrong password exits 1" 1 upgrade head
	err_lacks "odbc postgresql: no password in the error" "$SECRET"
else
	unavailable PG
fi

if [ -n "${RETORT_ODBC_MYSQL_DSN:-}" ]; then
	split_url "$RETORT_TEST_MYSQL_URL" 3306
	my_rows() { mariadb -h "$URL_HOST" -P "$URL_PORT" -u "$URL_USER" -p"$URL_PASS" -N -B -e "SELECT version_num FROM odbc_cli_version ORDER BY 1" "$URL_DB" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
	mariadb -h "$URL_HOST" -P "$URL_PORT" -u "$URL_USER" -p"$URL_PASS" -e "DROP TABLE IF EXISTS odbc_cli_version, odbc_c1, odbc_c2" "$URL_DB" >/dev/null 2>&1
	online "odbc mariadb" "odbc://?dsn=$RETORT_ODBC_MYSQL_DSN&uid=$RETORT_ODBC_MYSQL_UID&pwd=$RETORT_ODBC_MYSQL_PWD" my_rows
	mariadb -h "$URL_HOST" -P "$URL_PORT" -u "$URL_USER" -p"$URL_PASS" -e "DROP TABLE IF EXISTS odbc_cli_version" "$URL_DB" >/dev/null 2>&1
	RETORT_URL="odbc://?dsn=NoSuchDsn&flavour=mariadb"
	expect "odbc mariadb: offline upgrade head --sql" 0 upgrade head --sql
	if mariadb -h "$URL_HOST" -P "$URL_PORT" -u "$URL_USER" -p"$URL_PASS" "$URL_DB" <"$T/out" >"$T/client.err" 2>&1; then
		tap_ok "odbc mariadb: offline script runs in the mariadb client"
	else
		tap_fail "odbc mariadb: offline script runs in the mariadb client"
		tap_diag "$(cat "$T/client.err")"
	fi
	same "odbc mariadb: offline leaves the head row" "$(my_rows)" "c2"
	online "odbc mariadb (after offline)" "odbc://?dsn=$RETORT_ODBC_MYSQL_DSN&uid=$RETORT_ODBC_MYSQL_UID&pwd=$RETORT_ODBC_MYSQL_PWD" my_rows
else
	unavailable MYSQL
fi
tap_done
