#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: integrity and audit on PostgreSQL (tests/e2e/integrity.inc),
# and a lock timeout recorded in retort_audit.
. "$top_srcdir/tests/tap.sh"
if [ -z "${RETORT_TEST_PG_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_PG_URL is not set: the PostgreSQL test server did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_PG_URL not set (run tests/servers.sh start)"; exit 0
fi
idb=retort_int_$$
psql "$RETORT_TEST_PG_URL" -X -q -c "CREATE DATABASE $idb" || { echo "Bail out! cannot create database $idb"; exit 1; }
CLEANUP="psql \"\$RETORT_TEST_PG_URL\" -X -q -c 'DROP DATABASE IF EXISTS $idb WITH (FORCE)' >/dev/null 2>&1"
IURL=$(echo "$RETORT_TEST_PG_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}\$|/$idb\1|")
INAME=postgresql
ISLEEP="SELECT pg_sleep(2);"
. "$top_srcdir/tests/e2e/integrity.inc"
. "$top_srcdir/tests/e2e/integrity_lock.inc"
tap_done
