#!/bin/sh
# tests/odbc/drivers.sh - run unit/odbc/test_drivers through the ODBC
# drivers Debian ships, each configured in a throwaway odbcinst.ini/odbc.ini
# (ODBCSYSINI/ODBCINI), never the system's:
#   libsqliteodbc    (libsqlite3odbc.so)  DSN retort_sqlite, a file here
#   odbc-postgresql  (psqlodbcw.so)       DSN retort_pg    <- $RETORT_TEST_PG_URL
#   odbc-mariadb     (libmaodbc.so)       DSN retort_mysql <- $RETORT_TEST_MYSQL_URL
# The servers come from tests/servers.sh.  For every backend configured
# here, RETORT_ODBC_<NAME>_DSN/_UID/_PWD tell the C program what to use;
# a backend left out is skipped there, or fails when CI=true.
: "${top_builddir:?run through make check}"

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

T=$(mktemp -d "${TMPDIR:-/tmp}/retort-odbc.XXXXXX")
trap 'rm -rf "$T"' EXIT
: >"$T/odbcinst.ini"
: >"$T/odbc.ini"
export ODBCSYSINI="$T" ODBCINI="$T/odbc.ini" RETORT_ODBC_TEST_DIR="$T"
# Under ASan (make check-sanitize) the drivers' own leaks are not ours.
LSAN_OPTIONS="suppressions=${top_srcdir:-.}/tests/odbc/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS

so=$(find_driver libsqliteodbc libsqlite3odbc.so)
if [ -n "$so" ]; then
	printf '[RetortSQLite3]\nDriver=%s\n\n' "$so" >>"$T/odbcinst.ini"
	printf '[retort_sqlite]\nDriver=RetortSQLite3\nDatabase=%s/dsn.db\n\n' "$T" >>"$T/odbc.ini"
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
	printf '[RetortPostgreSQL]\nDriver=%s\n\n' "$so" >>"$T/odbcinst.ini"
	printf '[retort_pg]\nDriver=RetortPostgreSQL\nServername=%s\nPort=%s\nDatabase=%s\n\n' \
		"$URL_HOST" "$URL_PORT" "$URL_DB" >>"$T/odbc.ini"
	export RETORT_ODBC_PG_DSN=retort_pg RETORT_ODBC_PG_UID="$URL_USER" \
		RETORT_ODBC_PG_PWD="$URL_PASS"
fi

so=$(find_driver odbc-mariadb libmaodbc.so)
if [ -z "$so" ]; then
	export RETORT_ODBC_MYSQL_WHY="libmaodbc.so not found (apt-get install odbc-mariadb)"
elif [ -z "${RETORT_TEST_MYSQL_URL:-}" ]; then
	export RETORT_ODBC_MYSQL_WHY="RETORT_TEST_MYSQL_URL is not set (start servers with tests/servers.sh)"
else
	split_url "$RETORT_TEST_MYSQL_URL" 3306
	printf '[RetortMariaDB]\nDriver=%s\n\n' "$so" >>"$T/odbcinst.ini"
	printf '[retort_mysql]\nDriver=RetortMariaDB\nServer=%s\nPort=%s\nDatabase=%s\n\n' \
		"$URL_HOST" "$URL_PORT" "$URL_DB" >>"$T/odbc.ini"
	export RETORT_ODBC_MYSQL_DSN=retort_mysql RETORT_ODBC_MYSQL_UID="$URL_USER" \
		RETORT_ODBC_MYSQL_PWD="$URL_PASS"
fi

"$top_builddir/tests/unit/odbc/test_drivers"
