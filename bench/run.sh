#!/bin/sh
# bench/run.sh - retort against Alembic (the reference, measured in the same
# run on the same machine) on identical projects, plus the graph-scaling
# benchmark.  Prints ratios; never asserts times.
#
#   sh bench/run.sh [N]        N revisions (default 500)
#
# Needs a built tree (RETORT defaults to ./_build/cli/retort, then
# ./cli/retort) and Debian's python3-alembic.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
N=${1:-500}
if [ -z "${RETORT:-}" ]; then
	for b in "$top/_build" "$top"; do
		if [ -x "$b/cli/retort" ]; then RETORT="$b/cli/retort"; builddir=$b; break; fi
	done
fi
: "${RETORT:?build retort first (./configure && make)}"
builddir=${builddir:-$(dirname "$(dirname "$RETORT")")}
export RETORT_SYSCONFDIR="$builddir/tests/sysconf"
export RETORT_PLUGIN_PATH="$builddir/plugins/sqlite/.libs"
if [ ! -d "$RETORT_SYSCONFDIR/plugins.d" ]; then
	mkdir -p "$RETORT_SYSCONFDIR/plugins.d"
	cp "$top/plugins/sqlite/50-sqlite.cfg" "$RETORT_SYSCONFDIR/plugins.d/"
fi
ALEMBIC="/usr/bin/python3 -m alembic"

w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
/usr/bin/python3 "$here/mkproject.py" "$w" "$N"

# t CMD...: wall seconds of one run (best of 3).
t() {
	best=""
	for _ in 1 2 3; do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		e=$(date +%s.%N)
		d=$(awk "BEGIN{print $e - $s}")
		if [ -z "$best" ] || awk "BEGIN{exit !($d < $best)}"; then best=$d; fi
	done
	echo "$best"
}

row() { # row NAME RETORT_SECS ALEMBIC_SECS
	printf '%-34s retort %8.3fs   alembic %8.3fs   alembic/retort %7.1fx\n' "$1" "$2" "$3" "$(awk "BEGIN{print $3 / $2}")"
}

echo "== $N linear revisions, SQLite, best of 3"
cd "$w/retort"
rh=$(t "$RETORT" heads)
cd "$w"; ah=$(t $ALEMBIC -c alembic.ini heads)
row "heads (load $N scripts)" "$rh" "$ah"
cd "$w/retort"; rhi=$(t "$RETORT" history)
cd "$w"; ahi=$(t $ALEMBIC -c alembic.ini history)
row "history" "$rhi" "$ahi"
cd "$w/retort"; rs=$(t "$RETORT" upgrade head --sql)
cd "$w"; as=$(t $ALEMBIC -c alembic.ini upgrade head --sql)
row "upgrade head --sql" "$rs" "$as"
# Online upgrade + downgrade cycle (each timed run starts from base).
cd "$w/retort"
ru=$(t sh -c "\"$RETORT\" -q upgrade head && \"$RETORT\" -q downgrade base")
cd "$w"
au=$(t sh -c "$ALEMBIC -c alembic.ini upgrade head && $ALEMBIC -c alembic.ini downgrade base")
row "upgrade head + downgrade base" "$ru" "$au"

if [ -x "$builddir/bench/graph_bench" ]; then
	echo "== graph scaling (bench/graph_bench)"
	"$builddir/bench/graph_bench"
fi
