#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tree/settings_doc.sh - retort.cfg(5) lists exactly the settings of
# the core's settings table (core/settings.c), in its order, and each
# entry's first sentence ("Integer from 1 to 1000, default 40.") is the
# type, range and default the table gives.  TAP.
#
# core/gen-settings prints the table; the page is rendered with mandoc so
# that roff markup does not matter.  When they disagree, fix the table or
# the page (core/gen-settings --man prints the entries to paste between
# the settings:begin and settings:end markers of man/retort.cfg.5.in).
# Controls feed the comparison a changed default and a missing key.
. "$top_srcdir/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/retort-setdoc.XXXXXX")
trap 'rm -rf "$T"' EXIT
page=$top_builddir/man/retort.cfg.5
gen=$top_builddir/core/gen-settings

if ! command -v mandoc >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then tap_fail "mandoc is installed (tests/ci.sh installs it)"
	else tap_skip "mandoc is not installed"; fi
	tap_done
fi
if [ ! -f "$page" ] || [ ! -x "$gen" ]; then
	tap_fail "$page and $gen are built"
	tap_done
fi

# page_entries PAGE: "KEY<TAB>FIRST SENTENCE" for each entry of SETTINGS.
# mandoc puts a short tag and its text on one line, a long tag alone on a
# line with the text on the next.
page_entries() {
	MANWIDTH=1000 mandoc -T ascii -O width=1000 "$1" | col -b | awk '
		/^[A-Z]/ { on = ($0 == "SETTINGS"); next }
		!on { next }
		/^       [a-z_]+/ {
			sub(/^ +/, "")
			key = $1
			sub(/^[a-z_]+[ \t]*/, "")
			if ($0 == "") { want = 1; next }
			emit($0); next
		}
		want && NF { sub(/^[ \t]+/, ""); emit($0); want = 0 }
		function emit(text) {
			if (match(text, /\.([ \t]|$)/)) text = substr(text, 1, RSTART)
			printf "%s\t%s\n", key, text
		}'
}

# compare TABLE-FILE PAGE-FILE: the differences, empty when they agree.
compare() {
	cut -f 1,2 "$1" >"$T/want"
	diff "$T/want" "$2" | grep '^[<>]' | sed 's/^</table:/; s/^>/page: /'
}

"$gen" >"$T/table" || tap_fail "core/gen-settings runs"
page_entries "$page" >"$T/page"
n=$(wc -l <"$T/table")
if [ "$n" -ge 10 ]; then tap_ok "the settings table has $n keys"
else tap_fail "the settings table has its keys (got $n)"; fi

out=$(compare "$T/table" "$T/page")
if [ -z "$out" ]; then
	tap_ok "retort.cfg(5) lists the table's $n settings in order, with their types and defaults"
else
	tap_fail "retort.cfg(5) agrees with the settings table (core/gen-settings --man)"
	tap_diag "$out"
fi

# Controls: the comparison sees a changed default and a missing entry.
sed 's/default 40\./default 41./' "$T/table" >"$T/table.ctl"
if [ -n "$(compare "$T/table.ctl" "$T/page")" ]; then
	tap_ok "control: a default that differs from the page is reported"
else
	tap_fail "control: a default that differs from the page is reported"
fi
grep -v '^timezone' "$T/page" >"$T/page.ctl"
if compare "$T/table" "$T/page.ctl" | grep -q '^table: timezone'; then
	tap_ok "control: a setting missing from the page is reported"
else
	tap_fail "control: a setting missing from the page is reported"
fi

# The --man output renders to the same entries (it is what to paste).
{
	printf '.TH X 5\n.SH SETTINGS\n'
	"$gen" --man
} >"$T/gen.5"
page_entries "$T/gen.5" >"$T/gen.page"
out=$(compare "$T/table" "$T/gen.page")
if [ -z "$out" ]; then tap_ok "core/gen-settings --man renders to the table's key list"
else tap_fail "core/gen-settings --man renders to the table's key list"; tap_diag "$out"; fi
tap_done
