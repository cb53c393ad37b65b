#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: integrity and audit on MariaDB (tests/e2e/integrity.inc), and
# a lock timeout recorded in retort_audit.
. "$top_srcdir/tests/tap.sh"
if [ -z "${RETORT_TEST_MYSQL_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_MYSQL_URL is not set: the MariaDB test server did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_MYSQL_URL not set (run tests/servers.sh start)"; exit 0
fi
idb=retort_int_$$
IURL=$(echo "$RETORT_TEST_MYSQL_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}\$|/$idb\1|")
_base=$IURL
IURL=$RETORT_TEST_MYSQL_URL
MARIADB=$(command -v mariadb || command -v mysql)
"$MARIADB" --no-defaults $(/usr/bin/python3 -c 'import sys, urllib.parse as u
p = u.urlparse(sys.argv[1])
print("-h", p.hostname, "-P", p.port, "-u", u.unquote(p.username), "-p" + u.unquote(p.password or ""))' "$IURL") \
	-e "CREATE DATABASE $idb" || { echo "Bail out! cannot create database $idb"; exit 1; }
IURL=$_base
INAME=mariadb
ISLEEP="SELECT SLEEP(2);"
. "$top_srcdir/tests/e2e/integrity.inc"
CLEANUP="${CLEANUP:+$CLEANUP; }iq 'DROP DATABASE IF EXISTS $idb' >/dev/null 2>&1"
. "$top_srcdir/tests/e2e/integrity_lock.inc"
tap_done
