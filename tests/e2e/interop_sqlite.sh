#!/bin/sh
# SPDX-License-Identifier: MIT
# Interop with Alembic on SQLite (issue 2 item 6): the same project as
# Alembic scripts and retort scripts (same ids, same SQL) on one SQLite file;
# the tools take turns (Alembic first, then retort first), and after every
# step the file's alembic_version rows and schema (sqlite3 .schema) must
# equal those of a reference file migrated by Alembic alone.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/e2e/interop_common.sh"

require_alembic
if ! command -v sqlite3 >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then echo "Bail out! sqlite3 is not installed"; exit 1; fi
	echo "1..0 # SKIP sqlite3 is not installed"; exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/retort-interop.XXXXXX")
trap 'rm -rf "$T"' EXIT

target_env() { :; }
db_file() { echo "$OUT/$1.db"; }
db_versions() {
	[ -f "$(db_file "$1")" ] || return 0
	sqlite3 "$(db_file "$1")" "SELECT version_num FROM alembic_version ORDER BY 1" 2>/dev/null
}
# .schema normalised: the alembic_version DDL may come from either tool, so
# whitespace, quoting and case are not significant; statements are sorted
# because independent branches may be applied in either order.  retort's
# own side tables (retort_history, retort_audit) are its bookkeeping, not
# the application's schema: Alembic does not make them.
db_schema() {
	[ -f "$(db_file "$1")" ] || return 0
	sqlite3 "$(db_file "$1")" .schema | tr '\n\t' '  ' |
		sed -e 's/"//g' -e 's/  */ /g' -e 's/ *\([(),;=]\) */\1/g' |
		tr ';' '\n' | tr 'A-Z' 'a-z' | sed -e 's/^ *//' -e '/^$/d' |
		grep -v '^create table retort_\(history\|audit\)(' | sort
}

# INTEROP_FIRST=alembic|retort runs only the order that tool starts
# (tests/diff/selftest.sh's mutants need one).
for order in "alembic retort" "retort alembic"; do
	set -- $order
	[ -n "${INTEROP_FIRST:-}" ] && [ "$1" != "$INTEROP_FIRST" ] && continue
	OUT="$T/$1-first"
	mkdir -p "$OUT"
	"$PY" "$top_srcdir/tests/diff/interop_fixture.py" "$OUT" \
		"sqlite:///$OUT/shared.db" "sqlite:///$OUT/ref.db" || {
		echo "Bail out! interop_fixture.py failed"; exit 1; }
	scenario "$1 first" "$1" "$2"
done
tap_done
