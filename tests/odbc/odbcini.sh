#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/odbc/odbcini.sh - sourced by the odbc tests: write a throwaway
# odbcinst.ini/odbc.ini for the ODBC drivers Debian ships and point
# unixODBC at them (ODBCSYSINI/ODBCINI), never at the system's:
#   libsqliteodbc    (libsqlite3odbc.so)  driver RetortSQLite3, DSN retort_sqlite
#   odbc-postgresql  (psqlodbcw.so)       driver RetortPostgreSQL, DSN retort_pg
#                                         <- $RETORT_TEST_PG_URL
#   odbc-mariadb     (libmaodbc.so)       driver RetortMariaDB, DSN retort_mysql
#                                         <- $RETORT_TEST_MYSQL_URL
# The servers come from tests/servers.sh.  For each backend configured,
# RETORT_ODBC_<NAME>_DSN/_UID/_PWD (and _DRIVER) say what to use; when one
# is missing, RETORT_ODBC_<NAME>_WHY says why.  NAME: SQLITE, PG, MYSQL.
# The caller removes $RETORT_ODBC_TEST_DIR (made here) when done.

# Path of a driver: from its Debian package, else the usual directories.
find_driver()
{
	_p=$(dpkg -L "$1" 2>/dev/null | grep "/$2\$" | head -n 1)
	if [ -z "$_p" ]; then
		for _d in /usr/lib/x86_64-linux-gnu/odbc /usr/lib/*/odbc /usr/lib/odbc /usr/lib64; do
			if [ -f "$_d/$2" ]; then _p="$_d/$2"; break; fi
		done
	fi
	echo "$_p"
}

# Split scheme://user:pass@host:port/db?query into URL_USER, URL_PASS,
# URL_HOST, URL_PORT, URL_DB (the test servers' URLs need no decoding).
split_url()
{
	_rest=${1#*://}
	_cred=${_rest%%@*}
	_hp=${_rest#*@}
	URL_USER=${_cred%%:*}
	URL_PASS=${_cred#*:}
	URL_DB=${_hp#*/}
	URL_DB=${URL_DB%%\?*}
	_hp=${_hp%%/*}
	URL_HOST=${_hp%%:*}
	URL_PORT=${_hp#*:}
	[ "$URL_PORT" = "$_hp" ] && URL_PORT=$2
}

RETORT_ODBC_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/retort-odbc.XXXXXX")
: >"$RETORT_ODBC_TEST_DIR/odbcinst.ini"
: >"$RETORT_ODBC_TEST_DIR/odbc.ini"
export ODBCSYSINI="$RETORT_ODBC_TEST_DIR" ODBCINI="$RETORT_ODBC_TEST_DIR/odbc.ini" RETORT_ODBC_TEST_DIR
# Under ASan (make check-sanitize) the drivers' own leaks are not ours.
# Drivers are kept loaded (DontDLClose=1 below) so that LeakSanitizer can
# still name their frames at exit and the suppressions match.
# A driver may be unloaded before the leak report, leaving its frames
# without names: record whole stacks at malloc time (the fast unwinder
# stops at the drivers, which lack frame pointers) so that the frame of the
# driver manager's SQLDriverConnect, which stays loaded, matches.
LSAN_OPTIONS="suppressions=${top_srcdir:-.}/tests/odbc/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS ASAN_OPTIONS

so=$(find_driver libsqliteodbc libsqlite3odbc.so)
if [ -n "$so" ]; then
	printf '[RetortSQLite3]\nDriver=%s\nDontDLClose=1\n\n' "$so" >>"$RETORT_ODBC_TEST_DIR/odbcinst.ini"
	printf '[retort_sqlite]\nDriver=RetortSQLite3\nDatabase=%s/dsn.db\n\n' "$RETORT_ODBC_TEST_DIR" >>"$RETORT_ODBC_TEST_DIR/odbc.ini"
	export RETORT_ODBC_SQLITE_DSN=retort_sqlite RETORT_ODBC_SQLITE_DRIVER=RetortSQLite3
else
	export RETORT_ODBC_SQLITE_WHY="libsqlite3odbc.so not found (apt-get install libsqliteodbc)"
fi

so=$(find_driver odbc-postgresql psqlodbcw.so)
if [ -z "$so" ]; then
	export RETORT_ODBC_PG_WHY="psqlodbcw.so not found (apt-get install odbc-postgresql)"
elif [ -z "${RETORT_TEST_PG_URL:-}" ]; then
	export RETORT_ODBC_PG_WHY="RETORT_TEST_PG_URL is not set (start servers with tests/servers.sh)"
else
	split_url "$RETORT_TEST_PG_URL" 5432
	printf '[RetortPostgreSQL]\nDriver=%s\nDontDLClose=1\n\n' "$so" >>"$RETORT_ODBC_TEST_DIR/odbcinst.ini"
	printf '[retort_pg]\nDriver=RetortPostgreSQL\nServername=%s\nPort=%s\nDatabase=%s\n\n' \
		"$URL_HOST" "$URL_PORT" "$URL_DB" >>"$RETORT_ODBC_TEST_DIR/odbc.ini"
	export RETORT_ODBC_PG_DSN=retort_pg RETORT_ODBC_PG_DRIVER=RetortPostgreSQL \
		RETORT_ODBC_PG_UID="$URL_USER" \
		RETORT_ODBC_PG_PWD="$URL_PASS"
fi

so=$(find_driver odbc-mariadb libmaodbc.so)
if [ -z "$so" ]; then
	export RETORT_ODBC_MYSQL_WHY="libmaodbc.so not found (apt-get install odbc-mariadb)"
elif [ -z "${RETORT_TEST_MYSQL_URL:-}" ]; then
	export RETORT_ODBC_MYSQL_WHY="RETORT_TEST_MYSQL_URL is not set (start servers with tests/servers.sh)"
else
	split_url "$RETORT_TEST_MYSQL_URL" 3306
	printf '[RetortMariaDB]\nDriver=%s\nDontDLClose=1\n\n' "$so" >>"$RETORT_ODBC_TEST_DIR/odbcinst.ini"
	printf '[retort_mysql]\nDriver=RetortMariaDB\nServer=%s\nPort=%s\nDatabase=%s\n\n' \
		"$URL_HOST" "$URL_PORT" "$URL_DB" >>"$RETORT_ODBC_TEST_DIR/odbc.ini"
	export RETORT_ODBC_MYSQL_DSN=retort_mysql RETORT_ODBC_MYSQL_DRIVER=RetortMariaDB \
		RETORT_ODBC_MYSQL_UID="$URL_USER" \
		RETORT_ODBC_MYSQL_PWD="$URL_PASS"
fi


# odbc_only_registry: let retort load nothing but the odbc plugin (a
# registry holding only 50-odbc.cfg, a plugin path holding only its
# module), so a test that passes cannot have gone through another plugin.
odbc_only_registry()
{
	mkdir -p "$RETORT_ODBC_TEST_DIR/sysconf/plugins.d" &&
	cp "$top_srcdir/plugins/odbc/50-odbc.cfg" "$RETORT_ODBC_TEST_DIR/sysconf/plugins.d/" &&
	RETORT_SYSCONFDIR="$RETORT_ODBC_TEST_DIR/sysconf" &&
	RETORT_PLUGIN_PATH="$top_builddir/plugins/odbc/.libs" &&
	export RETORT_SYSCONFDIR RETORT_PLUGIN_PATH
}
