#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: least privilege, proven.  As the servers' administrators this
# test makes a PostgreSQL role that owns one schema of a database it has
# only CONNECT on, and a MariaDB user with privileges on one database,
# with exactly the GRANTs the README's "Least privilege" section lists;
# then every command that touches a database runs as them, with
# version_table_schema set, and the test checks that they could do nothing
# more (no table outside their schema or database).
. "$top_srcdir/tests/tap.sh"
if [ -z "${RETORT_TEST_PG_ADMIN_URL:-}" ] || [ -z "${RETORT_TEST_MYSQL_ADMIN_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - the test servers did not start (no admin URLs)"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_PG_ADMIN_URL or RETORT_TEST_MYSQL_ADMIN_URL not set (run tests/servers.sh start)"; exit 0
fi
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/servers.inc"

LP=retort_lp_$$
LPPW=lp-Secret-$$

# The same migrations on both: a table, an index, a column, a view.
scripts() {
	script l1 "" "CREATE TABLE account (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);
CREATE INDEX account_name ON account (name);" "DROP TABLE account;"
	script l2 l1 "ALTER TABLE account ADD COLUMN email VARCHAR(100);
CREATE VIEW account_names AS SELECT name FROM account;" "DROP VIEW account_names;
ALTER TABLE account DROP COLUMN email;"
}

# every_command DB URL: each command that reads or writes the database
# (URL: the account's, for a fleet targets file).
every_command() {
	expect "$1: ensure-version (an empty schema)" 0 ensure-version
	expect "$1: upgrade head" 0 upgrade head
	expect "$1: current" 0 current
	out_has "$1: current names l2" "l2"
	expect "$1: history --indicate-current" 0 history --indicate-current
	expect "$1: check" 0 check
	expect "$1: verify" 0 verify
	expect "$1: downgrade -1" 0 downgrade -1
	expect "$1: stamp head" 0 stamp head
	expect "$1: stamp l1 (move the row back)" 0 stamp l1
	expect "$1: upgrade head again" 0 upgrade head
	expect "$1: downgrade base" 0 downgrade base
	expect "$1: upgrade head once more" 0 upgrade head
	expect "$1: ensure-version (the table is there)" 0 ensure-version
	expect "$1: upgrade head --sql (offline)" 0 upgrade l1:head --sql
	expect "$1: log" 0 log
	out_has "$1: log shows the upgrades" "upgrade"

	# Fleet mode: the same database, named in a targets file (its URL
	# from the environment, not written into the file).
	RETORT_LP_URL=$2
	export RETORT_LP_URL
	printf '%s lp\n' '${RETORT_LP_URL}' >targets
	expect "$1: fleet: current --targets" 0 current --targets targets
	expect "$1: fleet: downgrade -1 --targets" 0 downgrade -1 --targets targets
	expect "$1: fleet: upgrade head --targets" 0 upgrade head --targets targets
	expect "$1: fleet: check --targets" 0 check --targets targets

	# lock_strategy = "table": the lock is a lease row in retort_lock,
	# which retort creates in version_table_schema.
	cp retort.cfg session.cfg
	echo 'lock_strategy = "table";' >>retort.cfg
	expect "$1: lock_strategy table: downgrade -1" 0 downgrade -1
	err_lacks "$1: lock_strategy table: no warning" "warning"
	expect "$1: lock_strategy table: upgrade head" 0 upgrade head
	mv session.cfg retort.cfg
}

# ---------------------------------------------------------------- PostgreSQL
PG_ADMIN=$RETORT_TEST_PG_ADMIN_URL
pg_q "CREATE DATABASE $LP" "$PG_ADMIN" >/dev/null || { echo "Bail out! cannot create $LP"; exit 1; }
add_cleanup "psql \"\$RETORT_TEST_PG_ADMIN_URL\" -X -q -c 'DROP DATABASE IF EXISTS $LP WITH (FORCE)' -c 'DROP ROLE IF EXISTS $LP' >/dev/null 2>&1"
LPDB_ADMIN=$(url_with_db "$PG_ADMIN" "$LP")
# The README's GRANTs, word for word (role and database named for this run).
psql "$LPDB_ADMIN" -X -q -v ON_ERROR_STOP=1 >/dev/null <<EOF || { echo "Bail out! PostgreSQL grants failed"; exit 1; }
CREATE ROLE $LP LOGIN PASSWORD '$LPPW';
REVOKE ALL ON DATABASE $LP FROM PUBLIC;
GRANT CONNECT ON DATABASE $LP TO $LP;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA app AUTHORIZATION $LP;
ALTER ROLE $LP IN DATABASE $LP SET search_path = app;
EOF
PG_LP=$(echo "$LPDB_ADMIN" | sed "s|://[^@]*@|://$LP:$LPPW@|")
same "pg: the role is no superuser and cannot create databases or roles" \
	"$(pg_q "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = '$LP'" "$PG_ADMIN")" "f"
same "pg: it owns one schema" \
	"$(pg_q "SELECT string_agg(nspname, ',') FROM pg_namespace WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = '$LP')" "$LPDB_ADMIN")" "app"

new_project "$PG_LP"
chmod 600 retort.cfg
sed -i 's|^version_table_schema = .*|version_table_schema = "app";|' retort.cfg
grep -q '^version_table_schema = "app";' retort.cfg || echo 'version_table_schema = "app";' >>retort.cfg
scripts
every_command pg "$PG_LP"
same "pg: the lease table is in the schema too" \
	"$(pg_q "SELECT count(*) FROM pg_tables WHERE schemaname = 'app' AND tablename = 'retort_lock'" "$LPDB_ADMIN")" "1"
same "pg: the version table is in the schema" "$(pg_q "SELECT version_num FROM app.alembic_version" "$LPDB_ADMIN")" "l2"
same "pg: nothing of retort outside it" \
	"$(pg_q "SELECT count(*) FROM pg_tables WHERE tableowner = '$LP' AND schemaname <> 'app'" "$LPDB_ADMIN")" "0"
script l3 l2 "CREATE TABLE public.escape (id INTEGER);" "DROP TABLE public.escape;"
expect "pg: a migration cannot create a table outside the schema" 1 upgrade head
err_has "pg: the server refuses it" "permission denied for schema public"
same "pg: and the run rolled back to l2" "$(pg_q "SELECT version_num FROM app.alembic_version" "$LPDB_ADMIN")" "l2"
rm migrations/versions/l3.sql

# ---------------------------------------------------------------- MariaDB
MY_ADMIN=$RETORT_TEST_MYSQL_ADMIN_URL
my_q "CREATE DATABASE $LP" "$MY_ADMIN" || { echo "Bail out! cannot create $LP"; exit 1; }
add_cleanup "\"$MY_CLIENT\" --no-defaults $(my_args "$MY_ADMIN") -e 'DROP DATABASE IF EXISTS $LP; DROP USER IF EXISTS \`$LP\`@\`127.0.0.1\`' >/dev/null 2>&1"
# The README's GRANTs, word for word.
my_q "CREATE USER '$LP'@'127.0.0.1' IDENTIFIED BY '$LPPW';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, CREATE VIEW, SHOW VIEW ON \`$LP\`.* TO '$LP'@'127.0.0.1';" "$MY_ADMIN" ||
	{ echo "Bail out! MariaDB grants failed"; exit 1; }
MY_LP=$(url_with_db "$MY_ADMIN" "$LP" | sed "s|://[^@]*@|://$LP:$LPPW@|")
same "mysql: the user has privileges on one database only" \
	"$(my_q "SELECT GROUP_CONCAT(DISTINCT TABLE_SCHEMA) FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = '''$LP''@''127.0.0.1'''" "$MY_ADMIN")" "$LP"
same "mysql: and no global privilege but USAGE" \
	"$(my_q "SELECT GROUP_CONCAT(PRIVILEGE_TYPE) FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = '''$LP''@''127.0.0.1'''" "$MY_ADMIN")" "USAGE"

new_project "$MY_LP"
chmod 600 retort.cfg
sed -i "s|^version_table_schema = .*|version_table_schema = \"$LP\";|" retort.cfg
grep -q "^version_table_schema = \"$LP\";" retort.cfg || echo "version_table_schema = \"$LP\";" >>retort.cfg
scripts
every_command mysql "$MY_LP"
same "mysql: the lease table is in its database" \
	"$(my_q "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$LP' AND TABLE_NAME = 'retort_lock'" "$MY_ADMIN")" "1"
same "mysql: the version table is in its database" "$(my_q "SELECT version_num FROM $LP.alembic_version" "$MY_ADMIN")" "l2"
script l3 l2 "CREATE TABLE retort_test.escape (id INTEGER);" "DROP TABLE retort_test.escape;"
expect "mysql: a migration cannot create a table in another database" 1 upgrade head
err_has "mysql: the server refuses it" "CREATE command denied"
same "mysql: the version row stays l2" "$(my_q "SELECT version_num FROM $LP.alembic_version" "$MY_ADMIN")" "l2"
tap_done
