#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tree/readme_plugin.sh - the plugin example of README.md (the C
# block after "<!-- example-plugin") is built the way the README says, from
# <retort/dialect.h> alone, and used by retort.  TAP.
#
#  - as C99 with -fvisibility=hidden -Wall -Wextra -Werror: it exports
#    exactly its entry symbol (RETORT_DIALECT_DEFINE marks it visible), and
#    the `host` variable it names really receives the host table (it once
#    expanded to `host = host;` and every command crashed);
#  - upgrade and downgrade run through it (it logs each statement at -v,
#    with the line the core's statement loop gives it); upgrade and verify
#    warn that it has no query() (OPTIONAL), not that it predates ABI 1.1;
#  - retort-dialect.pc's ABI is the header's (one source of truth);
#  - as C++20 (when g++ is installed): the entry symbol is not mangled
#    (extern "C") and the module works the same.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

# The ABI version has one source, dialect.h; configure copies it into the .pc.
maj=$(sed -n 's/^#define RETORT_DIALECT_ABI_MAJOR \([0-9]*\)$/\1/p' "$top_srcdir/include/retort/dialect.h")
min=$(sed -n 's/^#define RETORT_DIALECT_ABI_MINOR \([0-9]*\)$/\1/p' "$top_srcdir/include/retort/dialect.h")
pc=$(sed -n 's/^abi=//p' "$top_builddir/retort-dialect.pc")
if [ -n "$maj" ] && [ "$pc" = "$maj.$min" ] && ! grep -q 'RETORT_DIALECT_ABI\], \[[0-9]' "$top_srcdir/configure.ac"; then
	tap_ok "retort-dialect.pc says ABI $pc, read from dialect.h (configure.ac has no copy)"
else
	tap_fail "retort-dialect.pc says ABI $pc, read from dialect.h ($maj.$min)"
fi

CC_=${CC:-cc}
mkdir -p "$T/lib" "$T/etc/plugins.d"
awk -f "$top_srcdir/tests/tree/readme_plugin.awk" "$top_srcdir/README.md" >"$T/mydb.c"
if [ -s "$T/mydb.c" ] && grep -q 'RETORT_DIALECT_DEFINE(retort_mydb, &vtable, host)' "$T/mydb.c"; then
	tap_ok "README.md holds the example plugin"
else
	tap_fail "README.md holds the example plugin"
fi
printf 'plugins = ( { name = "mydb"; schemes = [ "mydb" ]; module = "retort_mydb"; } );\n' \
	>"$T/etc/plugins.d/60-mydb.cfg"

# build LABEL COMPILER ARGS...: compile $T/mydb.c into $T/lib/retort_mydb.so
build() {
	_l=$1; shift
	rm -f "$T/lib/retort_mydb.so"
	if "$@" -fPIC -shared -fvisibility=hidden -Wall -Wextra -Werror -I"$top_srcdir/include" \
		-o "$T/lib/retort_mydb.so" "$T/mydb.c" >"$T/cc.log" 2>&1; then
		tap_ok "$_l: the example compiles with -Wall -Wextra -Werror"
	else
		tap_fail "$_l: the example compiles with -Wall -Wextra -Werror"
		tap_diag "$(cat "$T/cc.log")"
		return 1
	fi
	_e=$(nm -D --defined-only "$T/lib/retort_mydb.so" | awk 'NF >= 3 { print $NF }' |
		grep -Ev '^(_init|_fini|_edata|_end|__bss_start)$' | tr '\n' ' ')
	if [ "$_e" = "retort_mydb_LTX_retort_dialect_entry " ]; then
		tap_ok "$_l: -fvisibility=hidden leaves exactly the entry symbol, unmangled"
	else
		tap_fail "$_l: -fvisibility=hidden leaves exactly the entry symbol, unmangled"
		tap_diag "exports: $_e"
	fi
}

# run_it LABEL: upgrade and downgrade a two-revision project through mydb://
run_it() {
	new_project "mydb://"
	script a1 "" "CREATE TABLE a (x INT);" "DROP TABLE a;"
	script b2 a1 "CREATE TABLE b (y INT);
INSERT INTO b VALUES (1);" "DROP TABLE b;"
	RETORT_SYSCONFDIR="$T/etc" RETORT_PLUGIN_PATH="$T/lib" \
		"$RETORT" -v upgrade head >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q 'mydb: line 6: CREATE TABLE b (y INT)$' "$T/err" &&
		grep -q 'mydb: line 7: INSERT INTO b VALUES (1)$' "$T/err"; then
		tap_ok "$1: upgrade head runs every statement through the plugin"
	else
		tap_fail "$1: upgrade head runs every statement through the plugin (exit $rc)"
		tap_diag "$(cat "$T/out" "$T/err")"
	fi
	# an ABI 1.2 plugin that leaves the OPTIONAL query() NULL: said so, not
	# that it predates ABI 1.1
	if grep -q 'dialect mydb has no query() (optional since ABI 1.1), so nothing is recorded in retort_history or retort_audit$' "$T/err" &&
		! grep -q 'predates' "$T/err"; then
		tap_ok "$1: upgrade says the plugin has no query(), so no history is recorded"
	else
		tap_fail "$1: upgrade says the plugin has no query(), so no history is recorded"
		tap_diag "$(cat "$T/err")"
	fi
	RETORT_SYSCONFDIR="$T/etc" RETORT_PLUGIN_PATH="$T/lib" "$RETORT" verify >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 0 ] &&
		grep -q 'dialect mydb has no query() (optional since ABI 1.1), so retort_history and retort_audit cannot be read$' "$T/err" &&
		! grep -q 'predates' "$T/err"; then
		tap_ok "$1: verify says the plugin has no query(), so the history cannot be read"
	else
		tap_fail "$1: verify says the plugin has no query(), so the history cannot be read (exit $rc)"
		tap_diag "$(cat "$T/out" "$T/err")"
	fi
	RETORT_SYSCONFDIR="$T/etc" RETORT_PLUGIN_PATH="$T/lib" \
		"$RETORT" -v downgrade base >"$T/out" 2>"$T/err"
	rc=$?
	# a fresh process: the example forgot the version rows, so nothing to do
	if [ "$rc" -eq 0 ]; then
		tap_ok "$1: downgrade base runs"
	else
		tap_fail "$1: downgrade base runs (exit $rc)"
		tap_diag "$(cat "$T/out" "$T/err")"
	fi
}

if build "C99" "$CC_" -std=c99; then
	run_it "C99"
fi

if command -v g++ >/dev/null 2>&1; then
	# g++ warns about members a designated initializer leaves out (C does not)
	if build "C++20" g++ -x c++ -std=c++20 -Wno-missing-field-initializers; then
		run_it "C++20"
	fi
else
	tap_skip "g++ is not installed: the C++ build of the example is not checked"
fi
tap_done
