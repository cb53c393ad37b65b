#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/fleet.sh - fleet mode throughput: databases per second of
# `retort upgrade head --targets FILE -j N` at -j 1, 4 and 8, on SQLite
# files and (with --pg) PostgreSQL databases, and each -j's speed-up over
# -j 1 measured in the same run.  Prints; never asserts.
#
#   sh bench/fleet.sh [--sqlite N] [--pg URL] [--pg-dbs M] [--jobs "1 4 8"]
#                     [--runs R] [--out FILE]
#
#   --sqlite N   SQLite databases (default 64)
#   --pg URL     also PostgreSQL: URL names a server and a database on it
#                whose user may CREATE DATABASE; M databases bench_fleet_*
#                are made there and dropped at the end ($RETORT_BENCH_PG_URL,
#                then $RETORT_TEST_PG_URL, work too)
#   --pg-dbs M   PostgreSQL databases (default 16)
#   --jobs LIST  the -j values (default "1 4 8")
#   --runs R     runs per figure, the median is reported (default 3)
#
# Each run starts from empty databases (SQLite: new files; PostgreSQL:
# `downgrade base` over the same targets first, not timed) and applies 5
# migrations (a table and a row each) per database.  The machine's load
# average is printed at the start and the end: other work skews wall
# times, the ratios less so.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
n_sqlite=64 n_pg=16 jobs="1 4 8" runs=3 out=
pg=${RETORT_BENCH_PG_URL:-${RETORT_TEST_PG_URL:-}}
pg_given=0
while [ $# -gt 0 ]; do
	case $1 in
	--sqlite) n_sqlite=$2; shift ;;
	--pg) pg=$2; pg_given=1; shift ;;
	--pg-dbs) n_pg=$2; shift ;;
	--jobs) jobs=$2; shift ;;
	--runs) runs=$2; shift ;;
	--out) out=$2; shift ;;
	*) echo "usage: sh bench/fleet.sh [--sqlite N] [--pg URL] [--pg-dbs M] [--jobs LIST] [--runs R] [--out FILE]" >&2; exit 2 ;;
	esac
	shift
done
[ "$pg_given" = 1 ] || [ -n "${RETORT_BENCH_PG_URL:-}" ] || [ -n "${RETORT_TEST_PG_URL:-}" ] || pg=
if [ -z "${RETORT:-}" ]; then
	for b in "$top/_build" "$top"; do
		if [ -x "$b/cli/retort" ]; then RETORT="$b/cli/retort"; builddir=$b; break; fi
	done
fi
: "${RETORT:?build retort first (./configure && make)}"
builddir=${builddir:-$(dirname "$(dirname "$RETORT")")}
export RETORT_SYSCONFDIR="$builddir/tests/sysconf"
export RETORT_PLUGIN_PATH="$builddir/plugins/sqlite/.libs:$builddir/plugins/postgresql/.libs"
export RETORT_TEMPLATE_DIR="$top/templates"
if [ ! -d "$RETORT_SYSCONFDIR/plugins.d" ]; then
	mkdir -p "$RETORT_SYSCONFDIR/plugins.d"
	for p in sqlite postgresql; do
		[ -d "$builddir/plugins/$p/.libs" ] && cp "$top/plugins/$p/50-$p.cfg" "$RETORT_SYSCONFDIR/plugins.d/"
	done
fi

w=$(mktemp -d "${TMPDIR:-/tmp}/retort-fleetbench.XXXXXX")
pg_dbs=
cleanup() {
	if [ -n "$pg_dbs" ]; then
		for db in $pg_dbs; do echo "DROP DATABASE IF EXISTS $db WITH (FORCE);"; done |
			psql "$pg" -X -q >/dev/null 2>&1 || true
	fi
	rm -rf "$w"
}
trap cleanup EXIT
cd "$w"
report="$w/report"
: >"$report"
say() { printf '%s\n' "$*" | tee -a "$report"; }
now() { date +%s.%N; }

"$RETORT" -q init migrations >/dev/null
chmod 600 retort.cfg
prev=
for i in 1 2 3 4 5; do
	printf -- '-- Message: m%s\n-- Revision ID: bench%s\n-- Revises: %s\n\n-- retort:upgrade\nCREATE TABLE t%s (id INT PRIMARY KEY, v VARCHAR(20));\nINSERT INTO t%s VALUES (1, %s);\n\n-- retort:downgrade\nDROP TABLE t%s;\n' \
		$i $i "$prev" $i $i "'x'" $i >"migrations/versions/bench$i.sql"
	prev=bench$i
done

# time_run TARGETS J: seconds of one `upgrade head`, or fail loudly
time_run() {
	t0=$(now)
	if ! "$RETORT" -q upgrade head --targets "$1" -j "$2" >"$w/run.out" 2>&1; then
		echo "bench/fleet.sh: the run failed:" >&2
		tail -n 20 "$w/run.out" >&2
		exit 1
	fi
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }'
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# bench KIND N TARGETS RESET_CMD
bench() {
	kind=$1 n=$2 targets=$3 reset=$4
	base=
	for j in $jobs; do
		times=
		r=1
		while [ "$r" -le "$runs" ]; do
			eval "$reset"
			times="$times $(time_run "$targets" "$j")"
			r=$((r + 1))
		done
		t=$(echo "$times" | median)
		[ -n "$base" ] || base=$t
		say "$(echo "$kind $n $j $t $base" | awk '{ printf "| %-10s | %3d | -j %-2d | %7.2f s | %8.1f db/s | %5.2fx |", $1, $2, $3, $4, $2 / $4, $5 / $4 }')"
	done
}

say "retort fleet throughput, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
say "5 migrations per database; median of $runs runs; speed-up against -j 1 of the same run"
say ""
say "| databases  |   N | jobs  |    time   |  throughput  | speed-up |"
say "|---|---|---|---|---|---|"

: >sqlite.targets
i=1
while [ "$i" -le "$n_sqlite" ]; do
	printf 'sqlite:///dbs/s%03d.db s%03d\n' "$i" "$i" >>sqlite.targets
	i=$((i + 1))
done
bench sqlite "$n_sqlite" sqlite.targets 'rm -rf dbs; mkdir dbs'

if [ -n "$pg" ]; then
	command -v psql >/dev/null 2>&1 || { echo "bench/fleet.sh: --pg needs psql" >&2; exit 2; }
	: >pg.targets
	i=1
	while [ "$i" -le "$n_pg" ]; do
		db=$(printf 'bench_fleet_%03d_%s' "$i" $$)
		pg_dbs="$pg_dbs $db"
		printf '%s p%03d\n' "$(echo "$pg" | sed "s|/[^/?]*\(?.*\)\{0,1\}\$|/$db\1|")" "$i" >>pg.targets
		i=$((i + 1))
	done
	for db in $pg_dbs; do echo "CREATE DATABASE $db;"; done | psql "$pg" -X -q -v ON_ERROR_STOP=1 >/dev/null
	bench postgresql "$n_pg" pg.targets \
		'"$RETORT" -q downgrade base --targets pg.targets -j 8 >/dev/null 2>&1 || true'
fi
say ""
say "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -z "$out" ] || cp "$report" "$out"
