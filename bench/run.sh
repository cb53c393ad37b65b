#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/run.sh - retort against the floor: for each figure, the least work
# any tool must do for the same answer, measured in the same run on the
# same machine (hyperfine medians, whole processes, warm cache), and the
# ratio retort/floor.  Prints; never asserts.
#
#   sh bench/run.sh [--quick] [--pg URL] [--alembic] [--out FILE]
#
#   --quick     skip the 100k-revision rows (writing 100k scripts takes a while)
#   --pg URL    also PostgreSQL rows, against psql.  URL must name a scratch
#               database: its public schema is dropped and made again
#               between runs.  ($RETORT_BENCH_PG_URL works too.)
#   --alembic   also the old comparison with Alembic (python3-alembic)
#   --out FILE  also write the report to FILE
#
# Needs a built tree (RETORT defaults to ./_build/cli/retort, then
# ./cli/retort), hyperfine, sqlite3 and python3; valgrind for instruction
# counts, psql for the PostgreSQL rows.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
quick=0 alembic=0 out= pg=${RETORT_BENCH_PG_URL:-}
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--alembic) alembic=1 ;;
	--pg) pg=$2; shift ;;
	--out) out=$2; shift ;;
	*) echo "usage: sh bench/run.sh [--quick] [--pg URL] [--alembic] [--out FILE]" >&2; exit 2 ;;
	esac
	shift
done
if [ -z "${RETORT:-}" ]; then
	for b in "$top/_build" "$top"; do
		if [ -x "$b/cli/retort" ]; then RETORT="$b/cli/retort"; builddir=$b; break; fi
	done
fi
: "${RETORT:?build retort first (./configure && make)}"
builddir=${builddir:-$(dirname "$(dirname "$RETORT")")}
for t in hyperfine sqlite3 python3; do
	command -v $t >/dev/null 2>&1 || { echo "bench/run.sh needs $t" >&2; exit 2; }
done
export RETORT_SYSCONFDIR="$builddir/tests/sysconf"
export RETORT_PLUGIN_PATH="$builddir/plugins/sqlite/.libs:$builddir/plugins/postgresql/.libs"
if [ ! -d "$RETORT_SYSCONFDIR/plugins.d" ]; then
	mkdir -p "$RETORT_SYSCONFDIR/plugins.d"
	for p in sqlite postgresql; do
		[ -d "$builddir/plugins/$p/.libs" ] && cp "$top/plugins/$p/50-$p.cfg" "$RETORT_SYSCONFDIR/plugins.d/"
	done
fi

w=$(mktemp -d "${TMPDIR:-/tmp}/retort-bench.XXXXXX")
trap 'rm -rf "$w"' EXIT
report="$w/report"
: >"$report"
say() { printf '%s\n' "$*" | tee -a "$report"; }

# ratio.py: one row from hyperfine's JSON (retort first, floor second).
cat >"$w/ratio.py" <<'EOF'
import json, sys
name, target, path = sys.argv[1], sys.argv[2], sys.argv[3]
r = json.load(open(path))["results"]
def med(x): return x["median"] * 1000
def cpu(x): return "%.1f+%.1f" % (x["user"] * 1000, x["system"] * 1000)
a, f = r[0], r[1]
ratio = med(a) / med(f)
t = float(target) if target != "-" else None
verdict = "" if t is None else ("ok" if ratio <= t else "OVER")
print("%-30s %9.1f ms %9.1f ms %7.2fx  %-7s %s   (user+sys ms: %s / %s)" % (
    name, med(a), med(f), ratio, "<=%.2fx" % t if t else "", verdict, cpu(a), cpu(f)))
EOF

# row NAME TARGET RUNS PREPARE RETORT_CMD FLOOR_CMD: hyperfine both, print the row.
row() {
	_name=$1 _target=$2 _runs=$3 _prep=$4
	shift 4
	_a=$1 _f=$2
	if [ -n "$_prep" ]; then
		set -- -p "$_prep" "$@"
	fi
	if ! hyperfine -N -w 3 -r "$_runs" --export-json "$w/hf.json" "$@" >/dev/null 2>"$w/hf.err"; then
		# Say why: hyperfine hides the commands' output.
		say "$(printf '%-30s failed:' "$_name")"
		sed 's/^/    /' "$w/hf.err" | tee -a "$report"
		for _c in "$_a" "$_f"; do
			[ -z "$_prep" ] || sh -c "$_prep" >/dev/null 2>&1 || true
			_rc=0
			sh -c "$_c" >/dev/null 2>"$w/cmd.err" || _rc=$?
			say "    $_c: exit $_rc"
			tail -n 5 "$w/cmd.err" | sed 's/^/      /' | tee -a "$report"
		done
		exit 1
	fi
	python3 "$w/ratio.py" "$_name" "$_target" "$w/hf.json" | tee -a "$report"
}

# rss DIR CMD...: median peak RSS (MiB) of 3 runs of CMD in DIR.
rss() {
	_d=$1; shift
	for _ in 1 2 3; do
		(cd "$_d" && /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1)
	done | sort -n | sed -n 2p | awk '{printf "%.1f", $1 / 1024}'
}

say "== machine"
say "$(nproc) CPUs: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1); $(uname -sr)"
say "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews wall times;"
say "medians are reported, and instruction counts below do not depend on load)"
say "retort: $RETORT"
say ""
say "$(printf '%-30s %12s %12s %8s  %s' "work" "retort" "floor" "ratio" "target")"

# -- start-up and `current`
mkdir -p "$w/p3"
python3 "$here/mkproject.py" "$w/p3" 3
(cd "$w/p3" && "$RETORT" -q upgrade head)
row "--version (floor: /bin/true)" - 50 "" "$RETORT --version" "/bin/true"
cd "$w/p3"
row "current, 3 revisions (sqlite3)" 1.3 50 "" "$RETORT current" \
	"sqlite3 bench.db 'SELECT version_num FROM alembic_version'"

# -- heads over N scripts against reading the first 300 bytes of each
heads_row() { # heads_row N TARGET RUNS
	mkdir -p "$w/p$1"
	python3 "$here/mkproject.py" "$w/p$1" "$1"
	cd "$w/p$1"
	row "heads, $1 scripts (head -c 300)" "$2" "$3" "" "$RETORT heads" \
		"find migrations/versions -name *.sql -exec head -q -c 300 {} +"
}
heads_row 10000 1.3 20
[ $quick = 1 ] || heads_row 100000 - 5

# -- memory
say ""
say "$(printf '%-30s %12s %12s' "peak RSS" "retort" "target")"
say "$(printf '%-30s %8s MiB %8s MiB' "heads, 10000 scripts" "$(rss "$w/p10000" "$RETORT" heads)" 12)"
[ $quick = 1 ] ||
	say "$(printf '%-30s %8s MiB %8s MiB' "heads, 100000 scripts" "$(rss "$w/p100000" "$RETORT" heads)" 60)"
say "$(printf '%-30s %8s MiB %12s' "floor: head -c, 10000" "$(rss "$w/p10000" find migrations/versions -name '*.sql' -exec head -q -c 300 '{}' +)" "")"

# -- upgrade: 1000 tiny migrations against the same SQL in one transaction
say ""
mkdir -p "$w/u1k"
python3 "$here/mkproject.py" "$w/u1k" 1000
cd "$w/u1k"
# SQLite's offline SQL has no BEGIN/COMMIT (as Alembic's): frame it here,
# or the floor would commit each of its 2000 statements on its own.
{
	echo 'BEGIN;'
	"$RETORT" upgrade head --sql | grep -v -e '^BEGIN;$' -e '^COMMIT;$'
	echo 'COMMIT;'
} >one-transaction.sql
row "upgrade 1k (sqlite3 .read)" 1.15 20 "rm -f bench.db raw.db" \
	"$RETORT -q upgrade head" "sqlite3 raw.db '.read one-transaction.sql'"

if [ -n "$pg" ]; then
	command -v psql >/dev/null 2>&1 || { echo "bench/run.sh: --pg needs psql" >&2; exit 2; }
	reset="psql -X -q -o /dev/null '$pg' -c 'SET client_min_messages = warning' -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public'"
	mkdir -p "$w/pg1k" "$w/pg3"
	python3 "$here/mkproject.py" "$w/pg1k" 1000 --url "$pg"
	python3 "$here/mkproject.py" "$w/pg3" 3 --url "$pg"
	cd "$w/pg1k"
	"$RETORT" upgrade head --sql | grep -v -e '^BEGIN;$' -e '^COMMIT;$' >one-transaction.sql
	row "upgrade 1k, PostgreSQL (psql -1)" 1.15 10 "$reset" \
		"$RETORT -q upgrade head" "psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -1 -f one-transaction.sql '$pg'"
	sh -c "$reset"
	cd "$w/pg3"
	"$RETORT" -q upgrade head
	row "current, PostgreSQL (psql)" 1.3 30 "" "$RETORT current" \
		"psql -X -q -A -t '$pg' -c 'SELECT version_num FROM alembic_version'"
	sh -c "$reset"
fi

# -- parsing and the graph, per revision
if [ -x "$builddir/bench/graph_bench" ]; then
	say ""
	say "== loading the graph (bench/graph_bench): target: the parse column (scan minus the I/O floor) < 2 us of user CPU per revision"
	cd "$w"
	if [ $quick = 1 ]; then "$builddir/bench/graph_bench" 10000 20000; else "$builddir/bench/graph_bench"; fi |
		tee -a "$report"
	if command -v valgrind >/dev/null 2>&1; then
		valgrind --tool=callgrind --toggle-collect=rt_script_scan --callgrind-out-file="$w/cg" \
			"$builddir/bench/graph_bench" 10000 >/dev/null 2>"$w/cg.err" || true
		ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$w/cg.err" | head -n 1)
		[ -n "$ir" ] && say "instructions per revision of rt_script_scan (callgrind, 2 x 10000): $((ir / 20000))"
	fi
fi

if [ $alembic = 1 ]; then
	say ""
	say "== against Alembic (python3-alembic), 500 revisions"
	mkdir -p "$w/al"
	python3 "$here/mkproject.py" "$w/al" 500 --alembic
	cd "$w/al"
	A="/usr/bin/python3 -m alembic -c alembic.ini"
	hyperfine -N -w 1 -r 3 --export-json "$w/hf.json" "$RETORT heads" "$A heads" >/dev/null 2>&1
	python3 "$w/ratio.py" "heads (floor column: Alembic)" - "$w/hf.json" | tee -a "$report"
	hyperfine -N -w 1 -r 3 --export-json "$w/hf.json" "$RETORT history" "$A history" >/dev/null 2>&1
	python3 "$w/ratio.py" "history (Alembic)" - "$w/hf.json" | tee -a "$report"
fi

say ""
say "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -z "$out" ] || cp "$report" "$out"
