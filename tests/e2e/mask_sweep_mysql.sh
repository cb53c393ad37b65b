#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/e2e/mask_sweep_mysql.sh - no password of any length (1 to 64, and
# adversarial ones: tests/e2e/mask_sweep.inc) shows in what retort prints
# on MariaDB's error paths, against the server of tests/servers.sh: a wrong
# password (its "(using password: YES)" stays whole), a database the user
# may not use, and a failing migration whose statement quotes the password
# (shown in the error, and by -v as it runs).  Each password belongs to a
# user of its own, made at the start in one go.
. "$top_srcdir/tests/tap.sh"
if [ -z "${RETORT_TEST_MYSQL_ADMIN_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_MYSQL_ADMIN_URL is not set: the MariaDB test server did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_MYSQL_ADMIN_URL not set (run tests/servers.sh start)"; exit 0
fi
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/servers.inc"
. "$top_srcdir/tests/e2e/mask_sweep.inc"

my_database sweep
db=$(basename "${MY_URL%%\?*}")
hostport=$(echo "$MY_URL" | sed 's|^[a-z]*://[^@]*@\([^/]*\)/.*|\1|')
g=rsw$$
{
	printf "CREATE USER '%s_wrong'@'%%' IDENTIFIED BY 'Right-Pw-4711';\n" "$g"
	while IFS='	' read -r i P E; do
		printf "CREATE USER '%s_%s'@'%%' IDENTIFIED BY '%s';\n" "$g" "$i" "$P"
		printf "GRANT ALL ON %s.* TO '%s_%s'@'%%';\n" "$db" "$g" "$i"
	done <"$SWEEP/passwords"
} >"$SWEEP/users.sql"
sed -n "s/^CREATE USER \('[^']*'@'%'\).*/DROP USER IF EXISTS \1;/p" "$SWEEP/users.sql" >"$T/drop_users.sql"
add_cleanup "\"$MY_CLIENT\" --no-defaults $(my_args "$RETORT_TEST_MYSQL_ADMIN_URL") <\"$T/drop_users.sql\" >/dev/null 2>&1"
# shellcheck disable=SC2046
"$MY_CLIENT" --no-defaults $(my_args "$RETORT_TEST_MYSQL_ADMIN_URL") <"$SWEEP/users.sql" ||
	{ echo "Bail out! cannot make the sweep's users"; exit 1; }

new_project "mysql://${g}_1@$hostport/$db"
while IFS='	' read -r i P E; do
	u=${g}_$i
	sweep_run "$i" wrong_password 1 --url "mysql://${g}_wrong:$E@$hostport/$db" current
	sweep_run "$i" bad_database 1 --url "mysql://$u:$E@$hostport/retort_no_such_db" current
	sweep_script "$P"
	sweep_run "$i" failing_migration 1 -v --url "mysql://$u:$E@$hostport/$db" upgrade head
done <"$SWEEP/passwords"
sweep_report "mysql"
# the server's "(using password: YES)" says one was sent, and stays whole
expect "mysql: a wrong password" 1 --url "mysql://${g}_wrong:Wrong-Pw-1@$hostport/$db" current
err_has "mysql: '(using password: YES)' stays whole" "(using password: YES)"
tap_done
