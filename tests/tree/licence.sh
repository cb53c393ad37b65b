#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tree/licence.sh - every source file of the project carries the
# SPDX line of its licence (MIT, see LICENSE), so that packagers and
# license scanners (licensecheck, reuse, scancode) can tell what each file is.
# Files the project did not write (automake's build-aux/tap-driver.sh) are
# listed in debian/copyright instead.
. "$top_srcdir/tests/tap.sh"

tap_check "LICENSE is the MIT licence" grep -q '^MIT License$' "$top_srcdir/LICENSE"

# The project's own sources: from git when this is a checkout, else the
# files a tarball ships.  Generated and third-party files are left out.
list() {
	if git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$top_srcdir" ls-files
	else
		(cd "$top_srcdir" && find . -type f | sed 's|^\./||')
	fi | grep -E '\.(c|h|sh|py|am|ac|cfg|inc|pc\.in|supp)$|^\.ci/run$' |
		grep -v -E '^(build-aux/|_build/|_asan/|autom4te\.cache/|m4/|debian/)' |
		grep -v -E '(^|/)(config\.h|confdefs\.h)$'
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
