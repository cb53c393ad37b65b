#!/bin/sh
# SPDX-License-Identifier: MIT
# The behaviour suite (tests/e2e/behaviour.inc) through MariaDB
# Connector/ODBC against the MariaDB server of tests/servers.sh, in a
# database of its own; the checks use the mariadb client.  DDL commits
# implicitly, so a failing migration leaves the ones before it applied.
: "${top_srcdir:?run through make check}"
. "$top_srcdir/tests/odbc/odbcini.sh"
CLEANUP="rm -rf '$RETORT_ODBC_TEST_DIR'"
if [ -z "${RETORT_ODBC_MYSQL_DSN:-}" ]; then
	eval "$CLEANUP"
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - $RETORT_ODBC_MYSQL_WHY"; exit 1; fi
	echo "1..0 # SKIP $RETORT_ODBC_MYSQL_WHY"; exit 0
fi
split_url "$RETORT_TEST_MYSQL_URL" 3306
bdb=retort_obeh_$$
my() { mariadb -h "$URL_HOST" -P "$URL_PORT" -u "$URL_USER" -p"$URL_PASS" "$@"; }
my -e "CREATE DATABASE $bdb" || { echo "Bail out! cannot create database $bdb"; eval "$CLEANUP"; exit 1; }
CLEANUP="my -e 'DROP DATABASE IF EXISTS $bdb' >/dev/null 2>&1; $CLEANUP"
printf '[retort_beh]\nDriver=%s\nServer=%s\nPort=%s\nDatabase=%s\n\n' \
	"$RETORT_ODBC_MYSQL_DRIVER" "$URL_HOST" "$URL_PORT" "$bdb" >>"$ODBCINI"
BURL=$(echo "$RETORT_TEST_MYSQL_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}\$|/$bdb\1|")
RETORT_ODBC_BEH_URL="odbc://$URL_USER:$URL_PASS@retort_beh?flavour=mysql"
export RETORT_ODBC_BEH_URL
BRETORT_URL='${RETORT_ODBC_BEH_URL}'
odbc_only_registry || { echo "Bail out! cannot write the registry"; exit 1; }
BNAME=odbc-mariadb
BTRANSACTIONAL=0
. "$top_srcdir/tests/e2e/behaviour.inc"
