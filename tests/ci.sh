#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/ci.sh - the whole test suite, from a fresh Debian 12 as root:
# installs the build and test dependencies, builds with -Werror, starts
# throwaway PostgreSQL and MariaDB servers, PgBouncer in transaction
# pooling mode and a 3-node MariaDB Galera cluster (tests/servers.sh), runs
# `make check`, then the same suite again in an AddressSanitizer + UBSan
# build, stops the servers and prints "N passed, N failed" as its last line.
#
# RETORT_CI_SKIP_INSTALL=1 skips apt-get; RETORT_CI_NO_ASAN=1 skips the
# sanitizer pass (both for quick local runs; CI uses neither);
# RETORT_CI_KEEP=1 keeps the build trees even when everything passed.
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
cd "$srcdir" || exit 2

PACKAGES="build-essential autoconf automake libtool pkg-config libltdl-dev libconfig-dev
 libcmocka-dev libsqlite3-dev sqlite3 libpq-dev libmariadb-dev unixodbc-dev unixodbc
 postgresql mariadb-server mariadb-client odbc-postgresql odbc-mariadb libsqliteodbc
 pgbouncer galera-4 rsync
 python3-alembic python3-psycopg2 python3-pymysql python3-jsonschema valgrind strace
 mandoc groff-base man-db bash-completion iwyu openssl
 debhelper dpkg-dev lintian"

if [ "${RETORT_CI_SKIP_INSTALL:-0}" != 1 ]; then
	echo "== installing packages"
	export DEBIAN_FRONTEND=noninteractive
	# Debian's packages start their own servers on install; ours are separate.
	apt-get update -qq >/dev/null && apt-get install -y -qq $PACKAGES >/tmp/retort-ci-apt.log 2>&1 || {
		tail -n 30 /tmp/retort-ci-apt.log
		echo "0 passed, 1 failed"
		exit 1
	}
fi

passed=0
failed=0

# Build in a private copy of the tree.  The README's first command builds in
# the checkout itself (./configure && make install), and configure refuses a
# second, out-of-tree build of a source directory that is configured in
# place; a copy also leaves the checkout exactly as it was (git status stays
# empty).  The copy holds what git tracks plus untracked files that are not
# ignored, so uncommitted work is tested too; outside git, the whole tree is
# copied and an in-tree build in the copy is cleaned first.
checkout=$srcdir
work=$(mktemp -d "${TMPDIR:-/tmp}/retort-ci.XXXXXX") || { echo "0 passed, 1 failed"; exit 1; }
mkdir "$work/src"
if git -C "$checkout" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$checkout" && git ls-files -z --cached --others --exclude-standard |
		tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$work/src"
else
	(cd "$checkout" && tar --exclude=./_build --exclude=./_asan -cf - .) | tar -xf - -C "$work/src"
	if [ -f "$work/src/config.status" ]; then
		(cd "$work/src" && make distclean >/dev/null 2>&1)
	fi
fi
if [ ! -f "$work/src/configure.ac" ]; then
	echo "cannot copy the source tree to $work/src"
	echo "0 passed, 1 failed"
	exit 1
fi
srcdir="$work/src"
cd "$srcdir" || exit 2
echo "== building in $work (the checkout $checkout is left untouched)"

# count BUILDDIR: add the TAP results of a finished `make check` to the totals.
count() {
	log="$1/tests/test-suite.log"
	if [ ! -f "$log" ]; then
		failed=$((failed + 1))
		return
	fi
	p=$(sed -n 's/^# PASS: *\([0-9]*\)/\1/p' "$log" | head -n 1)
	s=$(sed -n 's/^# SKIP: *\([0-9]*\)/\1/p' "$log" | head -n 1)
	x=$(sed -n 's/^# XFAIL: *\([0-9]*\)/\1/p' "$log" | head -n 1)
	f=$(sed -n 's/^# FAIL: *\([0-9]*\)/\1/p' "$log" | head -n 1)
	xp=$(sed -n 's/^# XPASS: *\([0-9]*\)/\1/p' "$log" | head -n 1)
	e=$(sed -n 's/^# ERROR: *\([0-9]*\)/\1/p' "$log" | head -n 1)
	passed=$((passed + ${p:-0} + ${x:-0}))
	failed=$((failed + ${f:-0} + ${xp:-0} + ${e:-0}))
	skipped=$((${skipped:-0} + ${s:-0}))
}

# show_failures BUILDDIR PREFIX: for each failed test (at most 10), its
# "not ok" lines and the diagnostics around them, from its log.  CI keeps
# only this output: a failure that happens once must say why right here.
show_failures() {
	grep -E '^(FAIL|ERROR|XPASS):' "$1/check.out" 2>/dev/null |
		sed 's/^[A-Z]*: \([^ ]*\).*/\1/' | sort -u | head -n 10 |
		while read -r t; do
			l="$1/tests/${t%.*}.log"
			[ -f "$l" ] || continue
			echo "$2--- $t:"
			grep -vE '^(PASS|SKIP|XFAIL|FAIL|ERROR|XPASS): |^ok ' "$l" | head -n 80 | sed "s/^/$2  /"
		done
}

build() { # build DIR CONFIGURE-ARGS...
	d=$1; shift
	rm -rf "$d" && mkdir -p "$d" && cd "$d" &&
		"$srcdir/configure" -q "$@" >configure.out 2>&1 &&
		make -j2 >make.out 2>&1
	r=$?
	cd "$srcdir"
	if [ $r -ne 0 ]; then
		tail -n 40 "$d/make.out" 2>/dev/null || tail -n 40 "$d/configure.out"
	fi
	return $r
}

echo "== autoreconf"
autoreconf -fi >/tmp/retort-ci-autoreconf.log 2>&1 || { cat /tmp/retort-ci-autoreconf.log; echo "0 passed, 1 failed"; exit 1; }

echo "== starting test servers"
RETORT_SERVERS_DIR=$(mktemp -d /tmp/retort-servers.XXXXXX)
chmod 755 "$RETORT_SERVERS_DIR"
export RETORT_SERVERS_DIR
stop_servers() { bash "$srcdir/tests/servers.sh" stop >/dev/null 2>&1; }
trap stop_servers EXIT INT TERM
if env_lines=$(bash "$srcdir/tests/servers.sh" start); then
	eval "$env_lines"
else
	echo "test servers failed to start (see above)"
	failed=$((failed + 1))
fi
# Tests that need a server fail (never skip) when it is missing in CI.
CI=${CI:-true}
export CI

echo "== build (-Werror)"
if build "$srcdir/_build" --enable-werror; then
	echo "== make check"
	(cd "$srcdir/_build" && make -j2 check >check.out 2>&1)
	grep -E '^(FAIL|ERROR|XPASS)' "$srcdir/_build/check.out" | head -n 50
	show_failures "$srcdir/_build" ""
	count "$srcdir/_build"
else
	failed=$((failed + 1))
fi

if [ "${RETORT_CI_NO_ASAN:-0}" != 1 ]; then
	echo "== build (AddressSanitizer + UBSan)"
	if build "$srcdir/_asan" --enable-werror --enable-sanitizers CFLAGS="-O1 -g"; then
		echo "== make check (sanitizers)"
		# exitcode=86: a sanitizer's report ends the process with a status
		# of its own, never to be taken for retort's 1 (database error).
		(cd "$srcdir/_asan" && ASAN_OPTIONS=detect_leaks=1:exitcode=86 \
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=86 \
			make -j2 check >check.out 2>&1)
		grep -E '^(FAIL|ERROR|XPASS)' "$srcdir/_asan/check.out" | sed 's/^/asan: /' | head -n 50
		show_failures "$srcdir/_asan" "asan: "
		count "$srcdir/_asan"
	else
		failed=$((failed + 1))
	fi
fi

stop_servers
trap - EXIT INT TERM
if [ "$failed" -eq 0 ] && [ "${RETORT_CI_KEEP:-0}" != 1 ]; then
	rm -rf "$work"
else
	echo "build trees and logs kept in $work"
fi
echo "$passed passed, $failed failed${skipped:+, $skipped skipped}"
[ "$failed" -eq 0 ]
