#!/bin/sh
# SPDX-License-Identifier: MIT
# The behaviour suite (tests/e2e/behaviour.inc) through psqlODBC against the
# PostgreSQL server of tests/servers.sh, in a database of its own; the
# checks use psql.
: "${top_srcdir:?run through make check}"
. "$top_srcdir/tests/odbc/odbcini.sh"
CLEANUP="rm -rf '$RETORT_ODBC_TEST_DIR'"
if [ -z "${RETORT_ODBC_PG_DSN:-}" ]; then
	eval "$CLEANUP"
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - $RETORT_ODBC_PG_WHY"; exit 1; fi
	echo "1..0 # SKIP $RETORT_ODBC_PG_WHY"; exit 0
fi
bdb=retort_obeh_$$
psql "$RETORT_TEST_PG_URL" -X -q -c "CREATE DATABASE $bdb" || { echo "Bail out! cannot create database $bdb"; eval "$CLEANUP"; exit 1; }
CLEANUP="psql \"\$RETORT_TEST_PG_URL\" -X -q -c 'DROP DATABASE IF EXISTS $bdb' >/dev/null 2>&1; $CLEANUP"
split_url "$RETORT_TEST_PG_URL" 5432
printf '[retort_beh]\nDriver=%s\nServername=%s\nPort=%s\nDatabase=%s\n\n' \
	"$RETORT_ODBC_PG_DRIVER" "$URL_HOST" "$URL_PORT" "$bdb" >>"$ODBCINI"
BURL=$(echo "$RETORT_TEST_PG_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}\$|/$bdb\1|")
RETORT_ODBC_BEH_URL="odbc://$URL_USER:$URL_PASS@retort_beh?flavour=postgresql"
export RETORT_ODBC_BEH_URL
BRETORT_URL='${RETORT_ODBC_BEH_URL}'
odbc_only_registry || { echo "Bail out! cannot write the registry"; exit 1; }
BNAME=odbc-postgresql
. "$top_srcdir/tests/e2e/behaviour.inc"
