#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/odbc/alembic.sh - the golden files tests/unit/odbc/test_offline
# compares the odbc plugin's offline SQL with are really what Alembic
# writes: regenerate them with Debian's python3-alembic and compare, one
# TAP case per file.  Without Alembic the cases are skipped (and fail when
# CI=true, where python3-alembic is part of the test dependencies).
: "${top_srcdir:?run through make check}"
. "$top_srcdir/tests/tap.sh"

golden="$top_srcdir/tests/odbc/golden"
PY=${RETORT_TEST_PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/retort-odbc-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

files="mssql oracle postgresql mysql sqlite"
if ! "$PY" -c 'import alembic' 2>/dev/null; then
	for fl in $files; do
		for kind in upgrade downgrade; do
			if [ "${CI:-}" = true ]; then
				tap_fail "$fl-$kind.sql: Alembic ($PY -m alembic) is not installed"
			else
				tap_skip "$fl-$kind.sql: python3-alembic not installed"
			fi
		done
	done
	tap_done
fi

if ! "$top_srcdir/tests/odbc/alembic-offline.sh" "$tmp" 2>"$tmp/stderr"; then
	tap_diag "alembic-offline.sh failed:" "$(cat "$tmp/stderr")"
fi
for fl in $files; do
	for kind in upgrade downgrade; do
		f="$fl-$kind.sql"
		if [ -s "$tmp/$f" ] && cmp -s "$tmp/$f" "$golden/$f"; then
			tap_ok "$f matches Alembic's offline output"
		else
			tap_fail "$f matches Alembic's offline output"
			tap_diag "$(diff -u "$golden/$f" "$tmp/$f" 2>&1 | head -40)"
		fi
	done
done
tap_done
