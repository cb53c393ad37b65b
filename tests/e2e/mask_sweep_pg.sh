#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/e2e/mask_sweep_pg.sh - no password of any length (1 to 64, and
# adversarial ones: tests/e2e/mask_sweep.inc) shows in what retort prints
# on PostgreSQL's error paths, against the server of tests/servers.sh: a
# wrong password, a database that does not exist, a failing migration whose
# statement quotes the password (shown in the error, and by -v as it runs),
# and the password in ?password= with an option libpq refuses.  Each password belongs
# to a role of its own (all members of one group, as whom they work), made
# at the start in one go.
. "$top_srcdir/tests/tap.sh"
if [ -z "${RETORT_TEST_PG_ADMIN_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_PG_ADMIN_URL is not set: the PostgreSQL test server did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_PG_ADMIN_URL not set (run tests/servers.sh start)"; exit 0
fi
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/servers.inc"
. "$top_srcdir/tests/e2e/mask_sweep.inc"

pg_database sweep
db=$(basename "${PG_URL%%\?*}")
hostport=$(echo "$PG_URL" | sed 's|^[a-z]*://[^@]*@\([^/]*\)/.*|\1|')
g=retort_sweep_$$
{
	printf 'CREATE ROLE %s NOLOGIN;\n' "$g"
	printf "CREATE ROLE %s_wrong LOGIN PASSWORD 'Right-Pw-4711';\n" "$g"
	while IFS='	' read -r i P E; do
		printf "CREATE ROLE %s_%s LOGIN PASSWORD '%s' IN ROLE %s;\n" "$g" "$i" "$P" "$g"
		printf "ALTER ROLE %s_%s SET role = '%s';\n" "$g" "$i" "$g"
	done <"$SWEEP/passwords"
} >"$SWEEP/roles.sql"
sed -n 's/^CREATE ROLE \([^ ]*\) .*/DROP ROLE IF EXISTS \1;/p' "$SWEEP/roles.sql" | sort -r >"$T/drop_roles.sql"
add_cleanup "psql \"\$RETORT_TEST_PG_ADMIN_URL\" -X -q -f \"$T/drop_roles.sql\" >/dev/null 2>&1"
psql "$RETORT_TEST_PG_ADMIN_URL" -X -q -v ON_ERROR_STOP=1 -f "$SWEEP/roles.sql" >/dev/null ||
	{ echo "Bail out! cannot make the sweep's roles"; exit 1; }
pg_q "GRANT ALL ON SCHEMA public TO $g" "$(url_with_db "$RETORT_TEST_PG_ADMIN_URL" "$db")" >/dev/null ||
	{ echo "Bail out! cannot grant the schema"; exit 1; }

new_project "postgresql://${g}_1@$hostport/$db"
while IFS='	' read -r i P E; do
	u=${g}_$i
	sweep_run "$i" wrong_password 1 --url "postgresql://${g}_wrong:$E@$hostport/$db" current
	sweep_run "$i" bad_database 1 --url "postgresql://$u:$E@$hostport/retort_no_such_db" current
	sweep_script "$P"
	sweep_run "$i" failing_migration 1 -v --url "postgresql://$u:$E@$hostport/$db" upgrade head
	sweep_run "$i" password_param 1 --url "postgresql://$u@$hostport/$db?password=$E&sslmode=nonsense" current
done <"$SWEEP/passwords"
sweep_report "postgresql"
tap_done
