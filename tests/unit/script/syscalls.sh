#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/unit/script/syscalls.sh - reading script headers costs three system
# calls per script (openat, one read, close; no stat), counted with strace
# (counts, not times), and gives the same revisions as reading whole
# scripts.  A header longer than one read takes one more read per 4 KiB.
# The scan a run makes keeps what it read whole, with the same calls.
. "$top_srcdir/tests/tap.sh"
DUMP="$top_builddir/tests/unit/script/scan_dump"
N=200

w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
mkdir -p "$w/empty" "$w/versions"
i=0
prev=
while [ $i -lt $N ]; do
	id=$(printf 'r%04d' $i)
	printf -- '-- Message: step %s\n-- Revision ID: %s\n-- Revises: %s\n-- Create Date: 2026-01-01 00:00:00.000000\n\n-- retort:upgrade\nCREATE TABLE t_%s (a INT);\n\n-- retort:downgrade\nDROP TABLE t_%s;\n' \
		$i "$id" "$prev" "$id" "$id" >"$w/versions/$id.sql"
	prev=$id
	i=$((i + 1))
done
# One header of about 10 KiB: three reads of 4 KiB at most.
{
	printf -- '-- Revision ID: zlong\n-- Revises: %s\n' "$prev"
	j=0
	while [ $j -lt 250 ]; do printf -- '-- comment line %04d of a long header\n' $j; j=$((j + 1)); done
	printf -- '-- retort:upgrade\nSELECT 1;\n'
} >"$w/versions/zlong.sql"

if ! command -v strace >/dev/null 2>&1; then
	tap_fail "strace is installed (tests/ci.sh installs it)"
	tap_done
fi

# trace CMD...: the file and descriptor system calls of CMD into $w/trace
# (LeakSanitizer cannot run under ptrace: off for traced runs)
trace() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -y -s 0 -e trace=%file,%desc -o "$w/trace" "$@" >"$w/out" 2>"$w/err"
}

# calls FILE: the calls of a trace, leaving out memory mappings (the
# allocator's, more of them under AddressSanitizer)
calls() {
	grep -cv '^[0-9]* *\(mmap\|munmap\|mremap\)(' "$1"
}

if trace "$DUMP" "$w/empty"; then
	base=$(calls "$w/trace")
	tap_ok "strace can trace the scan"
else
	tap_fail "strace can trace the scan"
	tap_diag "$(cat "$w/err")"
	tap_done
fi

tap_check "headers-only scan succeeds" trace "$DUMP" "$w/versions"
cp "$w/out" "$w/headers.out"
cp "$w/trace" "$w/headers.trace"

bad=0
i=0
while [ $i -lt $N ]; do
	f=$(printf 'r%04d.sql' $i)
	got=$(grep -F "$f" "$w/headers.trace" | sed 's/(.*//' | sed 's/^[0-9]* *//' | tr '\n' ' ')
	if [ "$got" != "openat read close " ]; then
		[ $bad -eq 0 ] && tap_diag "$f: $got"
		bad=$((bad + 1))
	fi
	i=$((i + 1))
done
tap_check "each typical script: openat, one read, close (no stat)" [ $bad -eq 0 ]

got=$(grep -F zlong.sql "$w/headers.trace" | sed 's/(.*//' | sed 's/^[0-9]* *//' | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
tap_diag "long header: $got"
reads=$(grep -F zlong.sql "$w/headers.trace" | grep -c '^[0-9]* *read(')
others=$(grep -F zlong.sql "$w/headers.trace" | grep -vc '^[0-9]* *read(')
tap_check "a 10 KiB header: one open, one close, at most 3 reads" \
	test "$reads" -le 3 -a "$others" -eq 2

total=$(calls "$w/headers.trace")
extra=$((total - base))
tap_diag "$total calls for $((N + 1)) scripts, $base for an empty directory"
tap_check "the whole scan: at most 3 calls per script (+ the directory listing)" \
	[ "$extra" -le $((3 * (N + 1) + 2 + 10)) ]

tap_check "a run's scan (keeping what it read whole) succeeds" trace "$DUMP" -r "$w/versions"
tap_check "a run's scan: the same revisions" cmp -s "$w/headers.out" "$w/out"
tap_check "a run's scan: the same calls" test "$(calls "$w/trace")" -eq "$total"
if "$DUMP" -w "$w/versions" >"$w/out"; then
	tap_ok "reading whole scripts succeeds"
else
	tap_fail "reading whole scripts succeeds"
fi
tap_check "headers only: the same revisions as whole scripts" cmp -s "$w/headers.out" "$w/out"
tap_check "all $((N + 1)) revisions listed" [ "$(wc -l <"$w/out")" -eq $((N + 1)) ]
tap_done
