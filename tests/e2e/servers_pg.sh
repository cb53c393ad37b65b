#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: what the postgresql plugin adds beyond the behaviour suite,
# through the retort binary against the server of tests/servers.sh:
# dollar-quoted bodies, `-- retort:transaction off` with CREATE INDEX
# CONCURRENTLY, version_table_schema, libpq URL parameters and environment,
# connection errors without the password, and the advisory lock making two
# concurrent runs queue.
. "$top_srcdir/tests/tap.sh"
if [ -z "${RETORT_TEST_PG_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_PG_URL is not set: the PostgreSQL test server did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_PG_URL not set (run tests/servers.sh start)"; exit 0
fi
. "$top_srcdir/tests/lib.sh"

db=retort_srv_$$
psql "$RETORT_TEST_PG_URL" -X -q -c "CREATE DATABASE $db" || { echo "Bail out! cannot create database $db"; exit 1; }
CLEANUP="psql \"\$RETORT_TEST_PG_URL\" -X -q -c 'DROP DATABASE IF EXISTS $db WITH (FORCE)' >/dev/null 2>&1"
URL=$(echo "$RETORT_TEST_PG_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}\$|/$db\1|")
PW=$(/usr/bin/python3 -c 'import sys, urllib.parse as u; print(u.unquote(u.urlparse(sys.argv[1]).password or ""))' "$URL")
q() { psql "$URL" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

new_project "$URL"

# Dollar quotes and a non-transactional script.
script p1 "" "CREATE TABLE accounts (id int PRIMARY KEY, name text);
CREATE FUNCTION add_account(n text) RETURNS int AS \$\$
DECLARE i int;
BEGIN
  SELECT coalesce(max(id), 0) + 1 INTO i FROM accounts; -- ; in a body
  INSERT INTO accounts VALUES (i, n);
  RETURN i;
END;
\$\$ LANGUAGE plpgsql;
SELECT add_account('first');" "DROP FUNCTION add_account(text);
DROP TABLE accounts;"
script p2 p1 "CREATE INDEX CONCURRENTLY accounts_name ON accounts (name);" \
	"DROP INDEX CONCURRENTLY accounts_name;" "-- retort:transaction off"
expect "upgrade with a dollar-quoted function and CONCURRENTLY" 0 upgrade head
same "the function ran" "$(q "SELECT name FROM accounts")" "first"
same "the concurrent index exists" "$(q "SELECT to_regclass('accounts_name') IS NOT NULL")" "t"
same "version row" "$(q "SELECT version_num FROM alembic_version")" "p2"
expect "downgrade base (DROP INDEX CONCURRENTLY outside a transaction)" 0 downgrade base
same "all gone" "$(q "SELECT to_regclass('accounts') IS NULL AND to_regclass('accounts_name') IS NULL")" "t"

# Without the option line the server refuses CONCURRENTLY in a transaction,
# and the whole run rolls back.
script p2 p1 "CREATE INDEX CONCURRENTLY accounts_name ON accounts (name);" \
	"DROP INDEX CONCURRENTLY accounts_name;"
expect "CONCURRENTLY inside a transaction fails" 1 upgrade head
err_has "the server's SQLSTATE reaches the user" "25001"
err_has "the statement is named" "CREATE INDEX CONCURRENTLY"
same "transactional DDL: p1 rolled back too" "$(q "SELECT to_regclass('accounts') IS NULL")" "t"
rm migrations/versions/p2.sql

# version_table_schema: the table lives in that schema, and the SQL quotes it.
q 'CREATE SCHEMA "Audit Trail"'
q 'DROP TABLE alembic_version' # downgrade base leaves it, empty
sed -i 's|^version_table_schema = .*|version_table_schema = "Audit Trail";|' retort.cfg
grep -q '^version_table_schema = "Audit Trail";' retort.cfg || echo 'version_table_schema = "Audit Trail";' >>retort.cfg
expect "upgrade with version_table_schema" 0 upgrade head
same "row in the schema's table" "$(q 'SELECT version_num FROM "Audit Trail".alembic_version')" "p1"
same "no table in public" "$(q "SELECT to_regclass('public.alembic_version') IS NULL")" "t"
expect "current reads it back" 0 current
out_has "current names p1" "p1"
expect "offline SQL with the schema" 0 downgrade p1:base --sql
out_has "offline SQL quotes the schema" 'DELETE FROM "Audit Trail".alembic_version'
expect "downgrade base" 0 downgrade base
sed -i 's|^version_table_schema = .*|version_table_schema = "";|' retort.cfg

# libpq parameters in the URL and libpq's environment.
expect "the postgres:// scheme works too" 0 --url "$(echo "$URL" | sed 's|^postgresql://|postgres://|')" current
expect "?application_name= and sslmode=disable pass through" 0 \
	--url "$URL?application_name=retort-e2e&sslmode=disable&connect_timeout=5" current
expect "?sslmode=verify-full is honoured (no root certificate)" 1 \
	--url "$URL?sslmode=verify-full&sslrootcert=/nonexistent/root.crt" current
err_lacks "no password in the TLS error" "$PW"
expect "an unknown parameter is a usage error" 2 --url "$URL?sslmdoe=require" current
err_has "it names the parameter" "sslmdoe"
err_lacks "no password in the usage error" "$PW"
NOPW=$(echo "$URL" | sed "s|://\([^:@/]*\):[^@]*@|://\1@|")
if PGPASSWORD=$PW PGPASSFILE=/nonexistent "$RETORT" --url "$NOPW" current >"$T/out" 2>"$T/err"; then
	tap_ok "PGPASSWORD supplies the password the URL leaves out"
else
	tap_fail "PGPASSWORD supplies the password the URL leaves out"; tap_diag "$(cat "$T/err")"
fi
BADPW=$(echo "$URL" | sed "s|://\([^:@/]*\):[^@]*@|://\1:Wrong-Pw-4711@|")
expect "a wrong password fails to connect" 1 --url "$BADPW" current
err_has "libpq's reason reaches the user" "password authentication failed"
err_lacks "the wrong password is not shown" "Wrong-Pw-4711"

# The advisory lock: a second run waits for the first, or gives up.
script s1 p1 "CREATE TABLE runs (rev text); INSERT INTO runs VALUES ('s1'); SELECT pg_sleep(1.5);" "DROP TABLE runs;"
script s2 s1 "INSERT INTO runs VALUES ('s2'); SELECT pg_sleep(1.5);" "DELETE FROM runs WHERE rev = 's2';"
"$RETORT" upgrade head >"$T/o1" 2>"$T/e1" &
p1=$!
sleep 0.7
expect "a second run with --lock-timeout 0.3 gives up" 1 --lock-timeout 0.3 upgrade head
err_has "it says who holds the lock" "pid "
"$RETORT" --lock-timeout 30 upgrade head >"$T/o2" 2>"$T/e2" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
same "first run exits 0" "$r1" 0
same "waiting run exits 0" "$r2" 0
same "each migration ran once" "$(q "SELECT string_agg(rev, ' ' ORDER BY rev) FROM runs")" "s1 s2"
same "at head" "$(q "SELECT version_num FROM alembic_version")" "s2"

# Server warnings reach the user; notices only with -v.
script w1 s2 "DO \$\$ BEGIN RAISE WARNING 'careful: %', 42; END \$\$;
DROP TABLE IF EXISTS nothing_here_w1;" "SELECT 1;"
expect "a migration raising a warning succeeds" 0 upgrade head
err_has "the server's warning is shown" "careful: 42"
err_lacks "a notice is not shown by default" "nothing_here_w1"
expect "downgrade -1" 0 downgrade -1
expect "again with -v" 0 -v upgrade head
err_has "-v shows the notice" "nothing_here_w1"
tap_done
