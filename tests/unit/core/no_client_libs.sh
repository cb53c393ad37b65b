#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/unit/core/no_client_libs.sh - SPEC section 1: the core and the
# retort CLI link no database client library; only plugins do.  TAP.
# The core is a convenience library linked into the CLI, so the CLI binary
# is where the core's dependencies show.
#
# Checked with ldd (the whole dependency closure) and nm -D (no client API
# symbol imported or defined).  A positive control on the sqlite plugin
# proves the checks can see a client library when there is one.

b=${top_builddir:-$(cd "$(dirname "$0")/../../.." && pwd)}
libs='libpq\.so|libmariadb\.so|libmysqlclient\.so|libodbc\.so|libsqlite3\.so'
syms='^(PQ[a-z]|mysql_|SQL(Connect|DriverConnect|AllocHandle|ExecDirect)|sqlite3_)'

n=0
ok()   { n=$((n + 1)); echo "ok $n - $1"; }
nok()  { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

echo 1..5

# The real binary behind libtool's wrapper script, if any.
cli=
for f in "$b/cli/.libs/retort" "$b/cli/.libs/lt-retort" "$b/cli/retort"; do
	if [ -f "$f" ] && head -c 4 "$f" | grep -q ELF; then cli=$f; break; fi
done

check_ldd() { # what file
	if [ ! -f "$2" ]; then nok "$1: $2 exists" "build it first"; return; fi
	bad=$(ldd "$2" 2>&1 | grep -E "$libs")
	if [ -z "$bad" ]; then ok "$1 links no database client library (ldd)"
	else nok "$1 links a database client library" "$bad"; fi
}

check_nm() { # what file
	if [ ! -f "$2" ]; then nok "$1: $2 exists" "build it first"; return; fi
	bad=$(nm -D "$2" 2>/dev/null | awk '{ print $NF }' | grep -E "$syms")
	if [ -z "$bad" ]; then ok "$1 imports or defines no client API symbol (nm -D)"
	else nok "$1 references client API symbols" $bad; fi
}

if [ -z "$cli" ]; then
	cli=$b/cli/retort
fi
check_ldd "retort CLI" "$cli"
check_nm "retort CLI" "$cli"

# The direct NEEDED entries of the CLI (and so of the core): only what
# SPEC allows.
if [ -f "$cli" ]; then
	needed=$(objdump -p "$cli" | awk '/NEEDED/ { print $2 }' | tr '\n' ' ')
	unexpected=$(echo "$needed" | tr ' ' '\n' |
		grep -Ev '^(libltdl|libconfig|libc|libdl|libm|libpthread|libasan|libubsan|ld-linux|libgcc_s|libstdc\+\+)[.-]' |
		grep -v '^$')
	if [ -z "$unexpected" ]; then ok "retort NEEDs only libltdl, libconfig and libc ($needed)"
	else nok "retort NEEDs unexpected libraries" $unexpected; fi
else
	nok "the retort binary exists" "$cli missing"
fi

# Positive controls: the same checks do see a client library in a plugin.
sq=$b/plugins/sqlite/.libs/retort_sqlite.so
if [ -f "$sq" ] && ldd "$sq" 2>/dev/null | grep -Eq "$libs"; then
	ok "control: ldd sees libsqlite3 in the sqlite plugin"
elif [ -f "$sq" ]; then
	nok "control: ldd sees libsqlite3 in the sqlite plugin" "the check would miss a client library"
else
	skip "control: ldd sees libsqlite3 in the sqlite plugin" "sqlite plugin not built"
fi
if [ -f "$sq" ] && nm -D "$sq" 2>/dev/null | awk '{ print $NF }' | grep -Eq "$syms"; then
	ok "control: nm -D sees sqlite3_* symbols in the sqlite plugin"
elif [ -f "$sq" ] && nm -D "$sq" 2>/dev/null | grep -q LTX_retort_dialect_entry; then
	nok "control: nm -D sees sqlite3_* symbols in the sqlite plugin" "the check would miss client symbols"
else
	skip "control: nm -D sees sqlite3_* symbols in the sqlite plugin" "sqlite plugin not built"
fi
