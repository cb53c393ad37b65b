# SPDX-License-Identifier: MIT
# tests/tap.sh - minimal TAP producer for shell tests.  Source it, call the
# check functions, and end with `tap_done` (prints the plan, exits 1 if any
# test failed).
_tap_n=0
_tap_failed=0

tap_ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
tap_fail() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; }
# tap_todo DESC REASON: a known failure still to be fixed ("# TODO"): it
# does not fail the run, and the driver reports XPASS once it passes.
tap_todo() { _tap_n=$((_tap_n + 1)); echo "not ok $_tap_n - $1 # TODO $2"; }
tap_skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - # SKIP $*"; }
tap_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# tap_check DESC CMD...: pass if CMD succeeds.
tap_check() {
	_d=$1; shift
	if "$@"; then tap_ok "$_d"; else tap_fail "$_d"; fi
}

tap_done() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
	exit $?
}
