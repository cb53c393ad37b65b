#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tree/licence.sh - every source file of the project carries the
# SPDX line of its licence (MIT, see LICENSE), so that packagers and
# license scanners (licensecheck, reuse, scancode) can tell what each file is.
# Files the project did not write (automake's build-aux/tap-driver.sh) are
# listed in debian/copyright instead.
. "$top_srcdir/tests/tap.sh"

tap_check "LICENSE is the MIT licence" grep -q '^MIT License$' "$top_srcdir/LICENSE"

# Every file the project wrote: from git when this is a checkout, else the
# files a tarball ships.  A deny-list, not a list of extensions, so a new
# kind of file cannot slip past.  Left out: generated and third-party files
# (build-aux, m4, the autotools output), debian/ (debian/copyright covers
# it), and data that cannot or must not carry the line: the licence text,
# Markdown documents, JSON (no comments), the templates `retort init`
# copies into a user's project (the user's files, under the user's
# licence), and golden outputs and fixtures compared byte for byte.
list() {
	if git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$top_srcdir" ls-files
	else
		(cd "$top_srcdir" && find . -type f | sed 's|^\./||')
	fi | grep -v -E '^(build-aux/|_build/|_asan/|autom4te\.cache/|m4/|debian/|templates/|tests/odbc/golden/|tests/fixtures/|\.git/)' |
		grep -v -E '(^|/)(config\.h|confdefs\.h|config\.h\.in|configure|aclocal\.m4|Makefile\.in|Makefile|config\.status|config\.log|libtool|stamp-h1)$' |
		grep -v -E '(^LICENSE$|\.md$|\.json$|\.gitignore$)' |
		grep -v -E '\.(o|lo|la|so|a|log|trs)$|/\.(deps|libs)/'
}

missing=""
n=0
for f in $(list); do
	n=$((n + 1))
	head -n 3 "$top_srcdir/$f" | grep -q 'SPDX-License-Identifier: MIT' || missing="$missing $f"
done
if [ "$n" -gt 50 ] && [ -z "$missing" ]; then
	tap_ok "all $n source files carry an SPDX-License-Identifier line"
else
	tap_fail "source files without 'SPDX-License-Identifier: MIT' in their first 3 lines:$missing (checked $n)"
fi
tap_done
