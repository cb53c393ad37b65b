#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/e2e/parity.sh - README's table of every Alembic command and option
# (issue 13) against Debian's Alembic and the retort under test: a command
# or option Alembic has and the table lacks fails, and so does an
# equivalent the table names that retort's help does not (parity.py).
# A self-check runs the same comparison on a copy of README with one
# Alembic option's row removed and must see it fail, so this test can fail.
# Without Alembic every case is skipped, and fails under CI=true.  TAP.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

PY=${RETORT_TEST_PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import alembic' 2>/dev/null; then
	if [ "${CI:-}" = true ]; then tap_fail "Alembic ($PY -m alembic) is installed"
	else tap_skip "python3-alembic is not installed"; fi
	tap_done
fi

# report FILE: each "PASS desc" / "FAIL desc" line of parity.py as TAP.
report() {
	while IFS= read -r _line; do
		case $_line in
		"PASS "*) tap_ok "${_line#PASS }" ;;
		"FAIL "*) tap_fail "${_line#FAIL }" ;;
		*) tap_diag "$_line" ;;
		esac
	done <"$1"
}

"$PY" "$top_srcdir/tests/e2e/parity.py" "$top_srcdir/README.md" "$RETORT" >"$T/parity" 2>&1
echo "exit $?" >>"$T/parity"
report "$T/parity"
grep -qx 'exit 0' "$T/parity" || tap_fail "parity.py ran to its end"

# The self-check: without the row of stamp --purge (or with retort's
# equivalent of history -i misnamed) the comparison must fail, naming it.
grep -v '^| `stamp` | `--purge`' "$top_srcdir/README.md" >"$T/README.norow"
"$PY" "$top_srcdir/tests/e2e/parity.py" "$T/README.norow" "$RETORT" >"$T/norow" 2>&1
if grep -q '^FAIL the table lists Alembic.s stamp --purge$' "$T/norow"; then
	tap_ok "self-check: a missing row for stamp --purge is caught"
else
	tap_fail "self-check: a missing row for stamp --purge is caught"
	tap_diag "$(cat "$T/norow")"
fi
sed 's/^| `history` | `-i`, `--indicate-current` | `-i`, `--indicate-current`/| `history` | `-i`, `--indicate-current` | `-i`, `--indicate-currant`/' \
	"$top_srcdir/README.md" >"$T/README.badopt"
"$PY" "$top_srcdir/tests/e2e/parity.py" "$T/README.badopt" "$RETORT" >"$T/badopt" 2>&1
if grep -q '^FAIL history -i --indicate-current: `--indicate-currant` is not an option' "$T/badopt"; then
	tap_ok "self-check: an equivalent retort does not have is caught"
else
	tap_fail "self-check: an equivalent retort does not have is caught"
	tap_diag "$(cat "$T/badopt")"
fi
tap_done
