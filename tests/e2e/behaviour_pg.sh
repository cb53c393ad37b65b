#!/bin/sh
# The behaviour suite on the PostgreSQL server of tests/servers.sh.
if [ -z "${RETORT_TEST_PG_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_PG_URL is not set: the PostgreSQL test server did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_PG_URL not set (run tests/servers.sh start)"; exit 0
fi
BURL="$RETORT_TEST_PG_URL"
BNAME=postgresql
. "$top_srcdir/tests/e2e/behaviour.inc"
