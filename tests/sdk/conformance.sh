#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/sdk/conformance.sh - the conformance kit (sdk/retort-dialect-check)
# on every in-tree plugin against real databases, and on plugins that must
# fail it.  TAP: each of the kit's lines is relayed as "BACKEND: check".
#
#   sqlite         a database file (always)
#   postgresql     $RETORT_TEST_PG_URL      (tests/servers.sh)
#   mysql          $RETORT_TEST_MYSQL_URL   (tests/servers.sh)
#   odbc           through the SQLite, psqlODBC and MariaDB ODBC drivers
#                  (tests/odbc/odbcini.sh, as the odbc tests use them)
# A backend whose server or driver is missing fails under CI=true and is
# skipped otherwise.  Controls: the kit requires exactly what the loader
# requires, so it passes the SQLite plugin stripped to its REQUIRED members
# (tests/sdk/required_only.c), skipping the checks of the OPTIONAL ones, and
# runs the README's example plugin past the descriptor checks; it fails the
# in-memory fake plugin (its execute() runs nothing), and reports a module
# that does not load (ABI, struct_size, a NULL required member) with the
# loader's reason.
. "$top_srcdir/tests/tap.sh"

KIT=$top_builddir/sdk/retort-dialect-check
T=$(mktemp -d "${TMPDIR:-/tmp}/retort-kit.XXXXXX")
CLEANUP=
trap 'eval "${CLEANUP:-:}"; rm -rf "$T"' EXIT

# missing WHAT: a backend that cannot run here.
missing() {
	if [ "${CI:-}" = true ]; then tap_fail "$1"; else tap_skip "$1"; fi
}

# kit LABEL MODULE URL: run the kit, relay its checks, and check that it
# ended as its checks say (exit 0 iff all passed; never a crash).
kit() {
	_label=$1
	"$KIT" "$2" "$3" >"$T/kit.out" 2>"$T/kit.err"
	_rc=$?
	_failed=0
	while IFS= read -r _line; do
		case $_line in
		"ok "*"# SKIP "*)
			_d=${_line#ok * - }
			tap_skip "$_label: ${_d%% # SKIP *} (${_d#* # SKIP })" ;;
		"ok "*)
			tap_ok "$_label: ${_line#ok * - }" ;;
		"not ok "*)
			_failed=$((_failed + 1))
			tap_fail "$_label: ${_line#not ok * - }" ;;
		esac
	done <"$T/kit.out"
	if [ "$_rc" -ge 128 ]; then
		tap_fail "$_label: the kit ran to its end (killed by signal $((_rc - 128)))"
		tap_diag "$(tail -n 5 "$T/kit.err")"
	elif [ "$_failed" -eq 0 ] && [ "$_rc" -eq 0 ] && grep -q '^1\.\.[0-9]' "$T/kit.out"; then
		tap_ok "$_label: the kit exits 0 after its plan"
	elif [ "$_failed" -gt 0 ] && [ "$_rc" -eq 1 ]; then
		tap_ok "$_label: the kit exits 1 after a failed check"
	else
		tap_fail "$_label: the kit's exit status ($_rc) matches its checks ($_failed failed)"
		tap_diag "$(cat "$T/kit.err")"
	fi
}

plugin_built() { [ -f "$top_builddir/plugins/$1/retort_$1.la" ]; }

# ---- the native plugins
if plugin_built sqlite; then
	kit sqlite retort_sqlite "sqlite:///$T/kit.db"
	kit sqlite-memory retort_sqlite "sqlite://"
fi
if plugin_built postgresql; then
	if [ -n "${RETORT_TEST_PG_URL:-}" ]; then
		kit postgresql retort_postgresql "$RETORT_TEST_PG_URL"
	else
		missing "postgresql: RETORT_TEST_PG_URL is set (start tests/servers.sh)"
	fi
fi
if plugin_built mysql; then
	if [ -n "${RETORT_TEST_MYSQL_URL:-}" ]; then
		kit mysql retort_mysql "$RETORT_TEST_MYSQL_URL"
	else
		missing "mysql: RETORT_TEST_MYSQL_URL is set (start tests/servers.sh)"
	fi
fi

# ---- the odbc plugin, through each driver
if plugin_built odbc; then
	. "$top_srcdir/tests/odbc/odbcini.sh"
	CLEANUP="rm -rf '$RETORT_ODBC_TEST_DIR'"
	if [ -n "${RETORT_ODBC_SQLITE_DSN:-}" ]; then
		kit odbc-sqlite retort_odbc "odbc://?dsn=$RETORT_ODBC_SQLITE_DSN&flavour=sqlite"
	else
		missing "odbc-sqlite: $RETORT_ODBC_SQLITE_WHY"
	fi
	if [ -n "${RETORT_ODBC_PG_DSN:-}" ]; then
		kit odbc-postgresql retort_odbc \
			"odbc://$RETORT_ODBC_PG_UID:$RETORT_ODBC_PG_PWD@$RETORT_ODBC_PG_DSN?flavour=postgresql"
	else
		missing "odbc-postgresql: $RETORT_ODBC_PG_WHY"
	fi
	if [ -n "${RETORT_ODBC_MYSQL_DSN:-}" ]; then
		kit odbc-mysql retort_odbc \
			"odbc://$RETORT_ODBC_MYSQL_UID:$RETORT_ODBC_MYSQL_PWD@$RETORT_ODBC_MYSQL_DSN?flavour=mysql"
	else
		missing "odbc-mysql: $RETORT_ODBC_MYSQL_WHY"
	fi
fi

# ---- controls: the kit requires what the loader requires, no more
CC_=${CC:-cc}
# optional_skipped LABEL MEMBER...: each MEMBER's check in $T/kit.out is a
# SKIP saying it is optional (not a failure)
optional_skipped() {
	_label=$1; shift
	for _m in "$@"; do
		if grep -q "^ok [0-9]* - .* # SKIP $_m not provided (optional" "$T/kit.out"; then
			tap_ok "$_label: without $_m (OPTIONAL) its check is skipped, not failed"
		else
			tap_fail "$_label: without $_m (OPTIONAL) its check is skipped, not failed"
			tap_diag "$(cat "$T/kit.out")"
		fi
	done
}
if plugin_built sqlite; then
	mkdir -p "$T/req"
	if "$CC_" -std=c99 -fPIC -shared -fvisibility=hidden -Wall -Wextra -Werror \
		-I"$top_srcdir/include" -o "$T/req/retort_reqonly.so" \
		"$top_srcdir/tests/sdk/required_only.c" -ldl >"$T/cc.log" 2>&1; then
		chmod 755 "$T/req/retort_reqonly.so"
		RETORT_KIT_WRAPPED=$top_builddir/plugins/sqlite/.libs/retort_sqlite.so
		export RETORT_KIT_WRAPPED
		# relayed check by check; it must exit 0
		kit required-only "$T/req/retort_reqonly.so" "sqlite:///$T/req.db"
		unset RETORT_KIT_WRAPPED
		optional_skipped required-only version quote_literal quote_identifier offline_sql \
			lock caps
	else
		tap_fail "required-only: tests/sdk/required_only.c compiles"
		tap_diag "$(cat "$T/cc.log")"
	fi
fi
# The README's example plugin (tests/tree/readme_plugin.sh builds and runs
# it the same way) sets only REQUIRED members besides version and
# execute_statement.  It keeps no database (its statements and
# transactions do nothing), so it fails the kit's checks of those; but
# not the descriptor's, nor one of a member it may leave NULL.
mkdir -p "$T/readme"
awk -f "$top_srcdir/tests/tree/readme_plugin.awk" "$top_srcdir/README.md" >"$T/readme/mydb.c"
if [ -s "$T/readme/mydb.c" ] && "$CC_" -std=c99 -fPIC -shared -fvisibility=hidden -Wall -Wextra \
	-Werror -I"$top_srcdir/include" -o "$T/readme/retort_mydb.so" "$T/readme/mydb.c" \
	>"$T/cc.log" 2>&1; then
	chmod 755 "$T/readme/retort_mydb.so"
	"$KIT" "$T/readme/retort_mydb.so" "mydb://" >"$T/kit.out" 2>&1
	rc=$?
	if [ "$rc" -le 1 ] && grep -q '^ok 2 - every required member of struct retort_dialect is set$' "$T/kit.out" &&
		grep -q '^ok [0-9]* - the descriptor names the dialect and its schemes$' "$T/kit.out" &&
		grep -Eq '^(not )?ok [0-9]+ - cleanup: ' "$T/kit.out" && grep -q '^1\.\.[0-9]' "$T/kit.out"; then
		tap_ok "readme-plugin: the kit accepts its members and runs every check (exit $rc)"
	else
		tap_fail "readme-plugin: the kit accepts its members and runs every check (exit $rc)"
		tap_diag "$(cat "$T/kit.out")"
	fi
	optional_skipped readme-plugin quote_literal quote_identifier offline_sql lock caps
else
	tap_fail "readme-plugin: README.md's example plugin compiles"
	tap_diag "$(cat "$T/cc.log")"
fi

# ---- controls: the kit fails what breaks the contract
fakes=$top_builddir/tests/plugins/.libs
cp "$fakes/fake_good.so" "$fakes/fake_abi_major.so" "$fakes/fake_null_member.so" \
	"$fakes/fake_small.so" "$T/" && chmod 755 "$T"/fake_*.so
"$KIT" "$T/fake_good.so" "fakegood://" >"$T/fake.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] &&
	grep -q "^not ok [0-9]* - quote_literal: the row reads back byte for byte" "$T/fake.out" &&
	grep -q "^not ok [0-9]* - the rolled-back row is gone" "$T/fake.out" &&
	grep -q "^not ok [0-9]* - a statement that fails stops the section with RETORT_EDB : execute returned 0" "$T/fake.out" &&
	grep -q "^ok [0-9]* - version_insert adds a row" "$T/fake.out"; then
	tap_ok "control: the kit fails a dialect whose execute() runs nothing, check by check"
else
	tap_fail "control: the kit fails a dialect whose execute() runs nothing, check by check"
	tap_diag "exit $rc" "$(cat "$T/fake.out")"
fi
"$KIT" "$T/fake_abi_major.so" "fakeabimajor://" >"$T/fake.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "^not ok 1 - the module loads : .*was built for dialect ABI 2.0" "$T/fake.out"; then
	tap_ok "control: the kit reports a module the loader refuses, with the loader's reason"
else
	tap_fail "control: the kit reports a module the loader refuses, with the loader's reason"
	tap_diag "exit $rc" "$(cat "$T/fake.out")"
fi
"$KIT" "$T/fake_null_member.so" "fakenullmember://" >"$T/fake.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] &&
	grep -q "^not ok 1 - the module loads : .*its required member .connect. is NULL" "$T/fake.out"; then
	tap_ok "control: the kit fails a plugin whose required member connect is NULL, naming it"
else
	tap_fail "control: the kit fails a plugin whose required member connect is NULL, naming it"
	tap_diag "exit $rc" "$(cat "$T/fake.out")"
fi
"$KIT" "$T/fake_small.so" "fakesmall://" >"$T/fake.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] &&
	grep -q "^not ok 1 - the module loads : .*declares a dialect struct of 40 bytes, smaller than" "$T/fake.out"; then
	tap_ok "control: the kit fails a plugin whose struct_size is too small for ABI 1.0"
else
	tap_fail "control: the kit fails a plugin whose struct_size is too small for ABI 1.0"
	tap_diag "exit $rc" "$(cat "$T/fake.out")"
fi
"$KIT" >/dev/null 2>&1
rc=$?
tap_check "the kit without arguments is a usage error (exit 2)" [ "$rc" -eq 2 ]
"$KIT" "$T/fake_good.so" "not a url" >/dev/null 2>"$T/fake.out"
rc=$?
tap_check "the kit with a bad URL is a usage error (exit 2)" [ "$rc" -eq 2 ]
if [ -n "${RETORT_TEST_PG_URL:-}" ] && plugin_built postgresql; then
	"$KIT" retort_postgresql "$(echo "$RETORT_TEST_PG_URL" | sed 's|:[^:@/]*@|:wrong-secret-x@|')" >"$T/fake.out" 2>&1
	if grep -q 'wrong-secret-x' "$T/fake.out"; then
		tap_fail "the kit never prints the URL's password"
		tap_diag "$(cat "$T/fake.out")"
	elif grep -q '^not ok .*connect() opens the connection' "$T/fake.out"; then
		tap_ok "the kit never prints the URL's password"
	else
		tap_fail "the kit never prints the URL's password (a wrong one fails connect)"
		tap_diag "$(cat "$T/fake.out")"
	fi
fi
tap_done
