# SPDX-License-Identifier: MIT
# tests/lib.sh - helpers for end-to-end tests of the retort binary.
# Source after tests/tap.sh.  Each test works in its own temp directory.

: "${RETORT:?tests/env.sh must be sourced first}"

T=$(mktemp -d "${TMPDIR:-/tmp}/retort-e2e.XXXXXX")
trap 'eval "${CLEANUP:-:}"; rm -rf "$T"' EXIT
cd "$T" || exit 99

# rt ARGS...: run retort, capturing stdout in $T/out, stderr in $T/err and
# the exit status in $rc.  Never fails itself.
rt() {
	"$RETORT" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	return 0
}

# expect DESC STATUS ARGS...: run retort and check its exit status.
expect() {
	_d=$1; _want=$2; shift 2
	rt "$@"
	if [ "$rc" -eq "$_want" ]; then
		tap_ok "$_d"
	else
		tap_fail "$_d (exit $rc, wanted $_want)"
		tap_diag "retort $*" "stdout:" "$(cat "$T/out")" "stderr:" "$(cat "$T/err")"
	fi
}

# out_has / err_has DESC TEXT: the last run's stdout / stderr contains TEXT.
out_has() { if grep -qF -- "$2" "$T/out"; then tap_ok "$1"; else tap_fail "$1"; tap_diag "wanted in stdout: $2" "$(cat "$T/out")"; fi; }
err_has() { if grep -qF -- "$2" "$T/err"; then tap_ok "$1"; else tap_fail "$1"; tap_diag "wanted in stderr: $2" "$(cat "$T/err")"; fi; }
err_lacks() { if grep -qF -- "$2" "$T/err" "$T/out"; then tap_fail "$1"; tap_diag "must not appear: $2" "$(cat "$T/err")"; else tap_ok "$1"; fi; }

# new_project [URL]: init a project in a fresh directory and cd into it.
new_project() {
	_p=$(mktemp -d "$T/proj.XXXXXX")
	cd "$_p" || exit 99
	"$RETORT" -q init migrations >/dev/null 2>&1 || { echo "Bail out! retort init failed"; exit 99; }
	if [ -n "${1:-}" ]; then
		# '&', '|' and '\' are special in sed's replacement
		_u=$(printf '%s' "$1" | sed 's/[&|\\]/\\&/g')
		sed -i "s|^url = .*|url = \"$_u\";|" retort.cfg
	else
		sed -i 's|^url = .*|url = "sqlite:///app.db";|' retort.cfg
	fi
}

# script ID REVISES UP DOWN [EXTRA_HEADER]: write migrations/versions/ID.sql.
script() {
	{
		echo "-- Message: revision $1"
		echo "-- Revision ID: $1"
		echo "-- Revises: $2"
		[ -n "${5:-}" ] && echo "$5"
		echo
		echo "-- retort:upgrade"
		printf '%s\n' "$3"
		echo
		echo "-- retort:downgrade"
		printf '%s\n' "$4"
	} >"migrations/versions/$1.sql"
}

# versions: the version table rows, sorted, space-separated (sqlite project).
versions() {
	sqlite3 app.db "SELECT version_num FROM alembic_version ORDER BY 1" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'
}

# same DESC GOT WANT
same() {
	if [ "$2" = "$3" ]; then tap_ok "$1"; else tap_fail "$1"; tap_diag "got:    '$2'" "wanted: '$3'"; fi
}

# wait_for DESC FILE TEXT: wait until FILE contains TEXT (an event a
# background process reports), polling; a TAP case.  The bound (5 minutes)
# only stops a test whose event never comes: no assertion depends on time.
wait_for() {
	_wn=0
	while ! grep -qF -- "$3" "$2" 2>/dev/null; do
		_wn=$((_wn + 1))
		if [ "$_wn" -gt 3000 ]; then
			tap_fail "$1 (never saw '$3' in $2)"
			tap_diag "$(cat "$2" 2>/dev/null)"
			return 1
		fi
		sleep 0.1
	done
	tap_ok "$1"
}
