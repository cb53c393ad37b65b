# SPDX-License-Identifier: MIT
# tests/e2e/interop_common.sh - the interop scenario shared by
# interop_sqlite.sh and interop_pg.sh (issue 2 item 6, issue 4).  Sourced,
# not run.
#
# The caller defines, for a target "shared" (the database both tools work on)
# and "ref" (the reference, migrated by Alembic alone with the same
# commands):
#   target_env TARGET       export whatever selects that database
#   db_versions TARGET      print the alembic_version rows, sorted, one a line
#   db_schema TARGET        print the schema, normalised and sorted
# and calls `scenario NAME FIRST SECOND`, with OUT set to a directory written
# by tests/diff/interop_fixture.py.  Steps alternate between FIRST and SECOND
# (alembic or retort) on the shared database; after each step the shared
# database must have the same version rows and schema as the reference.

PY=/usr/bin/python3

# require_alembic: Debian's python3-alembic must be importable.
require_alembic() {
	if ! "$PY" -c 'import alembic' >/dev/null 2>&1; then
		if [ "${CI:-}" = true ]; then
			echo "Bail out! python3-alembic is not installed (apt-get install python3-alembic)"
			exit 1
		fi
		echo "1..0 # SKIP python3-alembic is not installed"
		exit 0
	fi
}

# run_tool TOOL INI_OR_CFG ARGS...: output in $OUT/last.out, status in $rc.
run_tool() {
	_rt_tool=$1; _rt_cfg=$2; shift 2
	case $_rt_tool in
	alembic)
		(cd "$OUT/alembic" && "$PY" -m alembic -c "$_rt_cfg" "$@") \
			>"$OUT/last.out" 2>&1 </dev/null
		rc=$? ;;
	retort)
		(cd "$OUT/retort" && "$RETORT" -c "$_rt_cfg" "$@") \
			>"$OUT/last.out" 2>&1 </dev/null
		rc=$? ;;
	*) echo "Bail out! run_tool: unknown tool $_rt_tool"; exit 1 ;;
	esac
}

# The commands, in order.  Every one succeeds on a correct implementation;
# they cover new branch rows, moving along a branch, merge, unmerge on
# downgrade, a labelled independent base with a dependency, label@head,
# label@base, relative steps and stamps across tools.
INTEROP_STEPS='upgrade 1a2b3c4d5e02
upgrade +1
upgrade billing@head
upgrade heads
stamp 2b3c4d5e6f03
stamp 708192030408
downgrade 3c4d5e6f7004
downgrade 4d5e6f708105
upgrade heads
downgrade extra@base
downgrade 1a2b3c4d5e02
upgrade audit@head
upgrade 92a3b4c5d60a
upgrade heads
downgrade base
upgrade heads'

# scenario NAME FIRST SECOND
scenario() {
	_name=$1; _first=$2; _second=$3
	_i=0
	_old_ifs=$IFS
	IFS='
'
	for _step in $INTEROP_STEPS; do
		IFS=$_old_ifs
		_i=$((_i + 1))
		if [ $((_i % 2)) -eq 1 ]; then _tool=$_first; else _tool=$_second; fi
		_desc="$_name step $_i: $_tool $_step"
		# shellcheck disable=SC2086 # word splitting of the step is wanted
		target_env ref; run_tool alembic ref.ini $_step; _rc_ref=$rc
		cp "$OUT/last.out" "$OUT/ref.out"
		target_env shared
		if [ "$_tool" = alembic ]; then
			# shellcheck disable=SC2086
			run_tool alembic alembic.ini $_step
		else
			# shellcheck disable=SC2086
			run_tool retort retort.cfg $_step
		fi
		if [ "$rc" -eq 0 ] && [ "$_rc_ref" -eq 0 ]; then
			tap_ok "$_desc: succeeds"
		else
			tap_fail "$_desc: succeeds ($_tool exit $rc, reference exit $_rc_ref)"
			tap_diag "$_tool output:" "$(cat "$OUT/last.out")" \
				"reference (alembic) output:" "$(tail -5 "$OUT/ref.out")"
		fi
		_va=$(db_versions shared | tr '\n' ' ')
		_vb=$(db_versions ref | tr '\n' ' ')
		if [ "$_va" = "$_vb" ]; then
			tap_ok "$_desc: alembic_version rows match ($_va)"
		else
			tap_fail "$_desc: alembic_version rows match"
			tap_diag "shared:    $_va" "reference: $_vb"
		fi
		db_schema shared >"$OUT/schema.shared"
		db_schema ref >"$OUT/schema.ref"
		if cmp -s "$OUT/schema.shared" "$OUT/schema.ref"; then
			tap_ok "$_desc: schema matches"
		else
			tap_fail "$_desc: schema matches"
			tap_diag "$(diff "$OUT/schema.ref" "$OUT/schema.shared")"
		fi
		IFS='
'
	done
	IFS=$_old_ifs
}
