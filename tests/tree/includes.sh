#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tree/includes.sh - no core file includes a header it does not use.
# TAP, one case per core/*.c (its own header's findings come with it).
#
# include-what-you-use (Debian: iwyu) compiles each file and lists the
# #include lines it "should remove"; any such line fails the case.  A
# header that re-exports another as part of its interface marks that
# include "/* IWYU pragma: export */" (util.h's struct rt_err in most core
# headers), and IWYU then counts it as used.  Suggestions to add includes
# are not enforced.  A control runs the check on a copy of a core file
# with an include it does not use, to show the check catches it.
. "$top_srcdir/tests/tap.sh"

if ! command -v include-what-you-use >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then tap_fail "include-what-you-use is installed (tests/ci.sh installs iwyu)"
	else tap_skip "include-what-you-use is not installed (apt-get install iwyu)"; fi
	tap_done
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/retort-iwyu.XXXXXX")
trap 'rm -rf "$T"' EXIT

core=$top_srcdir/core
flags="-I$top_srcdir/include -I$core -I$top_builddir \
 $(pkg-config --cflags libconfig 2>/dev/null) -DRETORT_SYSCONFDIR=\"x\" \
 -DRETORT_PKGLIBDIR=\"x\" -DRETORT_DATADIR=\"x\""

# unused FILE: the "should remove" lines IWYU reports for FILE (and for the
# header it implements), as "file: line".
unused() {
	# shellcheck disable=SC2086
	include-what-you-use -Xiwyu --no_comments $flags "$1" 2>&1 |
		awk '/ should remove these lines:$/ { f = $1; on = 1; next }
		     /^$/ { on = 0 }
		     on && /^- / { sub(/^- /, ""); print f ": " $0 }'
}

for f in "$core"/*.c; do
	name=core/${f##*/}
	out=$(unused "$f")
	if [ -z "$out" ]; then
		tap_ok "$name includes only headers it uses"
	else
		tap_fail "$name includes only headers it uses"
		tap_diag "$out"
	fi
done

# Control: an include nothing in the file needs is reported.
{
	printf '#include <math.h>\n'
	cat "$core/randid.c"
} >"$T/randid.c"
if unused "$T/randid.c" | grep -q 'math.h'; then
	tap_ok "control: an unused #include <math.h> is reported"
else
	tap_fail "control: an unused #include <math.h> is reported"
fi
tap_done
