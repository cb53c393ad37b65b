#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: integrity and audit on PostgreSQL (tests/e2e/integrity.inc),
# a lock timeout recorded in retort_audit, and the database user of a
# login given by PGUSER alone.
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

# db_user is the session's, asked of the server: a login whose user only
# PGUSER names (none in the URL) is recorded by that name.
url_part() {
	"$PY" -c 'import sys, urllib.parse as u; p = u.urlparse(sys.argv[1]); print(u.unquote(getattr(p, sys.argv[2]) or ""))' "$1" "$2"
}
pguser=$(url_part "$IURL" username)
nouser=$(echo "$IURL" | sed 's|://[^@/]*@|://|')
same "$INAME: a URL without a user" "$(url_part "$nouser" username)" ""
export PGUSER="$pguser" PGPASSWORD="$(url_part "$IURL" password)"
expect "$INAME: a stamp with the user from PGUSER only" 0 --url "$nouser" stamp i5 --tag pguser
unset PGUSER PGPASSWORD
same "$INAME: its audit row names the database user" \
	"$(iq "SELECT db_user FROM retort_audit WHERE tag = 'pguser'")" "$pguser"
audit_match "$INAME: and the audit_log file the same"
tap_done
