#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tree/manpages.sh - the manual pages.  TAP.
#
#  - every page built under man/ is clean under `mandoc -T lint -W all`
#    (errors, warnings and style notes) and `groff -ww -z -man`;
#  - retort(1) cannot drift from the CLI: every command that `retort --help`
#    lists has its own subsection ("retort CMD ..."), and every option that
#    `retort --help` or `retort CMD --help` shows appears in the page, in
#    that command's subsection or under GLOBAL OPTIONS.
# A control feeds the drift check a help text with an option the page does
# not have, to show it fails.
# mandoc and groff are in tests/ci.sh's PACKAGES; in CI a missing one fails.
. "$top_srcdir/tests/tap.sh"

man=$top_builddir/man
T=$(mktemp -d "${TMPDIR:-/tmp}/retort-man.XXXXXX")
trap 'rm -rf "$T"' EXIT

need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "${CI:-}" = true ]; then tap_fail "$1 is installed (tests/ci.sh installs it)"
	else tap_skip "$1 is not installed"; fi
	return 1
}

pages=$(cd "$man" 2>/dev/null && ls *.[1-8] 2>/dev/null)
if [ -z "$pages" ]; then
	tap_fail "the manual pages are built in $man"
	tap_done
fi

for p in $pages; do
	if need mandoc; then
		out=$(mandoc -T lint -W all "$man/$p" 2>&1)
		if [ -z "$out" ]; then tap_ok "$p: mandoc -T lint -W all is clean"
		else tap_fail "$p: mandoc -T lint -W all is clean"; tap_diag "$out"; fi
	fi
	if need groff; then
		out=$(LC_ALL=C.UTF-8 groff -ww -z -man -Tutf8 "$man/$p" 2>&1)
		if [ -z "$out" ]; then tap_ok "$p: groff -ww is clean"
		else tap_fail "$p: groff -ww is clean"; tap_diag "$out"; fi
	fi
	if grep -n '@[a-zA-Z_]*@' "$man/$p" >"$T/subst"; then
		tap_fail "$p: every @VARIABLE@ was substituted"; tap_diag "$(cat "$T/subst")"
	else
		tap_ok "$p: every @VARIABLE@ was substituted"
	fi
done

# ---------------------------------------------------------------- drift
# The page as plain text, without hyphenation at line ends: one word per
# line is enough to look options up.
need mandoc || tap_done
MANWIDTH=1000 mandoc -T ascii -O width=1000 "$man/retort.1" | col -b >"$T/page.txt"

# section NAME: the text of subsection "retort NAME ..." (or of a section
# such as "GLOBAL OPTIONS"), up to the next heading.
section() {
	awk -v want="$1" '
		/^[A-Z]/ { on = ($0 == want); next }
		/^   [^ ]/ { sub(/^   /, ""); on = (index($0, "retort " want " ") == 1 || $0 == "retort " want); next }
		on' "$T/page.txt"
}

# options_of FILE: the options a help text names (-x and --long-name) in
# its usage lines and option lines (those starting with '-' or '[' after
# blanks); prose such as "-N steps" is not an option.
options_of() {
	grep -E '^(usage:|[[:space:]]*[-[])' "$1" |
		grep -oE '(^|[ [,(|])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[^-]*//' | sort -u
}

# missing_options HELP-FILE CMD: options of HELP-FILE in neither CMD's
# subsection nor GLOBAL OPTIONS.
missing_options() {
	{ section "$2"; section "GLOBAL OPTIONS"; } >"$T/sect.txt"
	for o in $(options_of "$1"); do
		grep -qE -- "(^|[^a-zA-Z0-9-])$o([^a-zA-Z0-9-]|\$)" "$T/sect.txt" || echo "$o"
	done
}

"$RETORT" --help >"$T/help" 2>&1
commands=$(awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }' "$T/help")
if [ -n "$commands" ]; then
	tap_ok "retort --help lists commands ($(echo $commands))"
else
	tap_fail "retort --help lists commands"; tap_diag "$(cat "$T/help")"
fi

miss=$(missing_options "$T/help" "GLOBAL OPTIONS")
if [ -z "$miss" ]; then tap_ok "every option of retort --help is in retort(1)"
else tap_fail "every option of retort --help is in retort(1)"; tap_diag "missing: $miss"; fi

for c in $commands; do
	if [ -z "$(section "$c")" ]; then
		tap_fail "retort(1) has a subsection for '$c'"
		continue
	fi
	if ! "$RETORT" "$c" --help >"$T/help.$c" 2>&1; then
		tap_fail "retort $c --help succeeds"; tap_diag "$(cat "$T/help.$c")"
		continue
	fi
	miss=$(missing_options "$T/help.$c" "$c")
	if [ -z "$miss" ]; then tap_ok "retort(1) documents '$c' and all its options"
	else tap_fail "retort(1) documents every option of '$c'"; tap_diag "missing: $miss"; fi
done

# Control: an option the page does not have is reported.
printf 'usage: retort upgrade REV [--no-such-option-here] [-Z]\n' >"$T/help.ctl"
miss=$(missing_options "$T/help.ctl" upgrade | tr '\n' ' ')
if [ "$miss" = "--no-such-option-here -Z " ]; then
	tap_ok "control: the drift check reports options missing from the page"
else
	tap_fail "control: the drift check reports options missing from the page"
	tap_diag "reported: '$miss'"
fi
tap_done
