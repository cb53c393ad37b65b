#!/bin/sh
# SPDX-License-Identifier: MIT
# The behaviour suite on the MariaDB server of tests/servers.sh.  MySQL
# commits DDL implicitly, so a failing migration leaves the ones before it
# applied and recorded.
if [ -z "${RETORT_TEST_MYSQL_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_MYSQL_URL is not set: the MariaDB test server did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_MYSQL_URL not set (run tests/servers.sh start)"; exit 0
fi
# A database of its own, so tests running in parallel never share a
# version table.
bdb=retort_beh_$$
BURL=$(echo "$RETORT_TEST_MYSQL_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}\$|/$bdb\1|")
BCREATE_MYSQL=$bdb
BNAME=mariadb
BTRANSACTIONAL=0
. "$top_srcdir/tests/e2e/behaviour.inc"
