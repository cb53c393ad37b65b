#!/bin/sh
# SPDX-License-Identifier: MIT
# The behaviour suite on the PostgreSQL server of tests/servers.sh.
if [ -z "${RETORT_TEST_PG_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_PG_URL is not set: the PostgreSQL test server did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_PG_URL not set (run tests/servers.sh start)"; exit 0
fi
# A database of its own, so tests running in parallel never share a
# version table.
bdb=retort_beh_$$
psql "$RETORT_TEST_PG_URL" -X -q -c "CREATE DATABASE $bdb" || { echo "Bail out! cannot create database $bdb"; exit 1; }
CLEANUP="psql \"\$RETORT_TEST_PG_URL\" -X -q -c 'DROP DATABASE IF EXISTS $bdb' >/dev/null 2>&1"
BURL=$(echo "$RETORT_TEST_PG_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}\$|/$bdb\1|")
BNAME=postgresql
. "$top_srcdir/tests/e2e/behaviour.inc"
