#!/bin/sh
# SPDX-License-Identifier: MIT
# Interop with Alembic on PostgreSQL (issue 4): the scenario of
# interop_sqlite.sh against the server of $RETORT_TEST_PG_URL (started by
# tests/servers.sh), Alembic through python3-psycopg2.  Each database of the
# scenario is a schema of its own, selected for both tools through libpq's
# PGOPTIONS (search_path), created fresh and dropped at the end, so reruns
# and concurrent tests never see each other's tables.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/e2e/interop_common.sh"

if [ -z "${RETORT_TEST_PG_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then
		echo "Bail out! RETORT_TEST_PG_URL is not set (start the servers with tests/servers.sh)"
		exit 1
	fi
	echo "1..0 # SKIP RETORT_TEST_PG_URL is not set (see tests/servers.sh)"
	exit 0
fi
require_alembic
if ! "$PY" -c 'import psycopg2' >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		echo "Bail out! python3-psycopg2 is not installed"; exit 1
	fi
	echo "1..0 # SKIP python3-psycopg2 is not installed"; exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/retort-interop-pg.XXXXXX")
SCHEMAS=
cleanup() {
	for s in $SCHEMAS; do
		PGOPTIONS= "$PY" "$top_srcdir/tests/diff/pgdump.py" "$RETORT_TEST_PG_URL" "$s" drop \
			>/dev/null 2>&1
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pgdump() { PGOPTIONS= "$PY" "$top_srcdir/tests/diff/pgdump.py" "$RETORT_TEST_PG_URL" "$@"; }
target_env() {
	case $1 in
	shared) PGOPTIONS="-c search_path=$S_SHARED" ;;
	ref) PGOPTIONS="-c search_path=$S_REF" ;;
	esac
	export PGOPTIONS
}
db_versions() {
	case $1 in shared) pgdump "$S_SHARED" versions ;; ref) pgdump "$S_REF" versions ;; esac
}
db_schema() {
	case $1 in shared) pgdump "$S_SHARED" schema ;; ref) pgdump "$S_REF" schema ;; esac
}

n=0
for order in "alembic retort" "retort alembic"; do
	set -- $order
	n=$((n + 1))
	S_SHARED="interop_$$_${n}_shared"
	S_REF="interop_$$_${n}_ref"
	SCHEMAS="$SCHEMAS $S_SHARED $S_REF"
	for s in "$S_SHARED" "$S_REF"; do
		pgdump "$s" create || { echo "Bail out! cannot create schema $s"; exit 1; }
	done
	OUT="$T/$1-first"
	mkdir -p "$OUT"
	"$PY" "$top_srcdir/tests/diff/interop_fixture.py" "$OUT" \
		"$RETORT_TEST_PG_URL" "$RETORT_TEST_PG_URL" || {
		echo "Bail out! interop_fixture.py failed"; exit 1; }
	chmod 600 "$OUT/retort/retort.cfg" "$OUT/alembic/alembic.ini" "$OUT/alembic/ref.ini"
	scenario "postgresql: $1 first" "$1" "$2"
done
tap_done
