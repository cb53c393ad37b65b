#!/bin/sh
# SPDX-License-Identifier: MIT
# Self-test of the Alembic comparisons: run them against a retort with one
# deliberate defect at a time and require that each defect is caught (a
# comparison that cannot fail is worse than none; the interop test once ran
# Alembic in retort's place and passed).  A wrapper around the real $RETORT
# damages, after the real command ran, exactly one thing:
#   rows     an upgrade loses a version row
#   log      a downgrade logs a script that did not run
#   order    an upgrade's last script moves to the front of the log
#   status   stamp reports failure
#   ids      heads and history print one revision less
#   vsql     an offline (--sql) script loses its UPDATEs and DELETEs of the
#            version table (its log INSERTs stay: only the comparison of
#            the version table can see it)
#   schema   (interop) a downgrade leaves a stray table behind
. "$top_srcdir/tests/tap.sh"

if ! /usr/bin/python3 -c 'import alembic' >/dev/null 2>&1 || ! command -v sqlite3 >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		echo "Bail out! python3-alembic and sqlite3 are needed"; exit 1
	fi
	echo "1..0 # SKIP python3-alembic or sqlite3 is not installed"; exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/retort-diff-selftest.XXXXXX")
trap 'rm -rf "$T"' EXIT

cat >"$T/mutant" <<'EOF'
#!/bin/sh
# $1 $2 = -c CONFIG, $3 = the command
out=$("$REAL_RETORT" "$@"); rc=$?
db=$(sed -n 's|^url = "sqlite:///\(.*\)";|\1|p' "$2")
case $db in /*) ;; *) db="$(dirname "$2")/$db" ;; esac
case "$MUTANT:$3" in
rows:upgrade) sqlite3 "$db" "DELETE FROM alembic_version WHERE rowid = (SELECT max(rowid) FROM alembic_version)" 2>/dev/null ;;
log:downgrade) sqlite3 "$db" "INSERT INTO log(rev, dir) VALUES ('x', 'down')" ;;
order:upgrade) sqlite3 "$db" "UPDATE log SET seq = -seq WHERE seq = (SELECT max(seq) FROM log) AND (SELECT count(*) FROM log) > 1" ;;
status:stamp) rc=1 ;;
ids:heads|ids:history) out=$(printf '%s\n' "$out" | sed '$d') ;;
vsql:upgrade|vsql:downgrade|vsql:stamp)
	case " $* " in *" --sql "*)
		out=$(printf '%s\n' "$out" | sed '/^UPDATE alembic_version /d; /^DELETE FROM alembic_version /d') ;;
	esac ;;
schema:downgrade) sqlite3 "$db" "CREATE TABLE IF NOT EXISTS stray (x INTEGER)" ;;
esac
printf '%s\n' "$out"
exit $rc
EOF
chmod +x "$T/mutant"
REAL_RETORT=$RETORT
export REAL_RETORT

# The unmutated run must pass, or the mutants prove nothing.
for m in none rows log order status ids vsql; do
	MUTANT=$m RETORT="$T/mutant" DIFF_SEEDS=4:30 DIFF_FRESH=0 DIFF_CMDS=40 \
		/usr/bin/python3 "$top_srcdir/tests/diff/run.py" >"$T/$m.out" 2>&1
	n=$(grep -c '^not ok' "$T/$m.out")
	if [ "$m" = none ]; then
		if [ "$n" -eq 0 ] && grep -q '^1\.\.40$' "$T/$m.out"; then
			tap_ok "diff suite passes with the real retort"
		else
			tap_fail "diff suite passes with the real retort ($n failures)"
			tap_diag "$(grep -A8 '^not ok' "$T/$m.out" | head -40)"
		fi
	elif [ "$n" -gt 0 ]; then
		tap_ok "diff suite catches mutant '$m' ($n failures)"
	else
		tap_fail "diff suite catches mutant '$m'"
	fi
done

# (the unmutated interop test is e2e/interop_sqlite.sh itself; one order of
# turns is enough to show a mutant is caught)
for m in rows schema; do
	MUTANT=$m INTEROP_FIRST=retort RETORT="$T/mutant" sh "$top_srcdir/tests/e2e/interop_sqlite.sh" >"$T/i$m.out" 2>&1
	n=$(grep -c '^not ok' "$T/i$m.out")
	if [ "$n" -gt 0 ]; then
		tap_ok "interop test catches mutant '$m' ($n failures)"
	else
		tap_fail "interop test catches mutant '$m'"
	fi
done
tap_done
