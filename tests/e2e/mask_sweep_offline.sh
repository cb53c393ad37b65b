#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/e2e/mask_sweep_offline.sh - no password of any length (1 to 64, and
# adversarial ones: tests/e2e/mask_sweep.inc) shows in what retort prints
# on the error paths that need no server: a sqlite URL with a password
# (refused: a file has none) and a mistyped ?password:P, a bad
# host (a name that cannot resolve) and a bad port (nothing listens) for
# postgresql and mysql, and an ODBC data source that does not exist.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/servers.inc"
. "$top_srcdir/tests/e2e/mask_sweep.inc"

new_project "sqlite:///app.db"
script s1 "" "SELECT 1;" "SELECT 1;"
have() { [ -e "$top_builddir/plugins/$1/.libs/retort_$1.so" ]; }

while IFS='	' read -r i P E; do
	sweep_run "$i" sqlite_userinfo 2 --url "sqlite://u:$E@/x.db" upgrade head
	sweep_run "$i" sqlite_password_mistyped 2 --url "sqlite:///x.db?password:$E" current
	if have postgresql; then
		sweep_run "$i" pg_bad_host 1 --url "postgresql://u:$E@nohost.invalid/db" upgrade head
		sweep_run "$i" pg_bad_port 1 --url "postgresql://u:$E@127.0.0.1:1/db" upgrade head
	fi
	if have mysql; then
		sweep_run "$i" mysql_bad_host 1 --url "mysql://u:$E@nohost.invalid/db" upgrade head
		sweep_run "$i" mysql_bad_port 1 --url "mysql://u:$E@127.0.0.1:1/db" upgrade head
	fi
	if have odbc; then
		sweep_run "$i" odbc_no_dsn 1 --url "odbc://?dsn=retort_no_such_dsn&uid=u&pwd=$E&flavour=sqlite" current
	fi
done <"$SWEEP/passwords"
sweep_report "offline"
# Control: the check sees a token, a broken word, and spares retort's own words.
tap_check "control: the check catches a password shown and a word broken by the mask" \
	/usr/bin/python3 "$top_srcdir/tests/e2e/mask_sweep.py" selftest
tap_done
