#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/sdk/example_plugin.sh - the SDK as a third-party plugin author gets
# it.  TAP.
#
#  1. `make install DESTDIR=$T/root` of this build tree (prefix as
#     configured): the SDK is then only what was installed there;
#  2. examples/minimal-dialect is copied out of the tree and built with its
#     own Makefile against that copy alone: PKG_CONFIG_PATH and
#     PKG_CONFIG_SYSROOT_DIR point into the DESTDIR, and the compiler's
#     dependency list shows <retort/dialect.h> read from there and nothing
#     from the source tree; the module exports exactly its entry symbol;
#  3. its `make install DESTDIR=$T/root` puts the module into the plugin
#     directory and its drop-in into the vendor registry directory, both
#     named by the installed retort-dialect.pc;
#  4. the installed retort, with its registry relocated into the DESTDIR
#     ($RETORT_SYSCONFDIR) and the drop-in directory added through
#     $RETORT_REGISTRY_PATH, lists the plugin as loading (plugins --check);
#  5. the installed retort-dialect-check passes it, every check, on a
#     database file and in memory;
#  6. a project on minisqlite:// runs `upgrade head` (a trigger body whose
#     ';' the split by the plugin's split_rules must keep, proven by a CHECK
#     constraint), `current`, `upgrade --sql`, `downgrade base` and `current`
#     again, and the lock went through the plugin (its side file exists);
#  7. a migration whose second statement fails: the error has SQLite's
#     message and names statement 2 and its line in the file (the core's
#     statement loop around the plugin's execute_statement), and nothing of
#     the migration stays.
# Needs make, a C compiler, pkg-config, sqlite3.pc (libsqlite3-dev) and nm:
# a missing one skips the test, or fails it under CI=true.
. "$top_srcdir/tests/tap.sh"

CC_=${CC:-cc}
MAKE_=${MAKE:-make}
missing=
for t in "$MAKE_" "$CC_" pkg-config nm; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -z "$missing" ] && ! pkg-config --exists sqlite3; then
	missing="$missing sqlite3.pc"
fi
if [ -n "$missing" ]; then
	if [ "${CI:-}" = true ]; then
		echo "1..1"; echo "not ok 1 - missing:$missing (tests/ci.sh installs build-essential, pkg-config, libsqlite3-dev)"
		exit 1
	fi
	echo "1..0 # SKIP missing:$missing (apt-get install build-essential pkg-config libsqlite3-dev)"
	exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/retort-example.XXXXXX")
trap 'rm -rf "$T"' EXIT
D=$T/root

# A make of our own, not a recursion of the `make check` running us.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DESTDIR "$MAKE_" "$@"; }

# ---- 1. install this build tree
if mk -C "$top_builddir" install DESTDIR="$D" >"$T/install.log" 2>&1; then
	tap_ok "make install DESTDIR= of the build tree"
else
	tap_fail "make install DESTDIR= of the build tree"
	tap_diag "$(tail -n 20 "$T/install.log")"
	tap_done
fi
pc=$(find "$D" -name retort-dialect.pc | head -n 1)
bin=$(dirname "$(find "$D" -type f -name retort-dialect-check | head -n 1)")
if [ -n "$pc" ] && [ -x "$bin/retort" ] && [ -x "$bin/retort-dialect-check" ]; then
	tap_ok "the DESTDIR holds retort-dialect.pc, retort and retort-dialect-check"
else
	tap_fail "the DESTDIR holds retort-dialect.pc, retort and retort-dialect-check"
	tap_diag "$(cd "$D" && find . -type f)"
	tap_done
fi
PKG_CONFIG_PATH=$(dirname "$pc")
PKG_CONFIG_SYSROOT_DIR=$D
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
var() { PKG_CONFIG_SYSROOT_DIR= pkg-config --variable="$1" retort-dialect; }
plugindir=$(var plugindir)
registrydir=$(var registrydir)
sysconfdir=$(var sysconfdir)
pkgdatadir=$(var pkgdatadir)

# ---- 2. build the example out of tree, against the DESTDIR only
cp -R "$top_srcdir/examples/minimal-dialect" "$T/example"
chmod -R u+w "$T/example"
cd "$T/example" || exit 99
rm -f ./*.so
sdk=$(pkg-config --cflags retort-dialect)
case $sdk in
"-I$D/"*) tap_ok "pkg-config --cflags retort-dialect points into the DESTDIR ($sdk)" ;;
*) tap_fail "pkg-config --cflags retort-dialect points into the DESTDIR: $sdk" ;;
esac
# shellcheck disable=SC2046 # word splitting of the flags is meant
"$CC_" -M $(pkg-config --cflags retort-dialect sqlite3) minisqlite.c >"$T/deps" 2>"$T/deps.err"
if grep -q "$D/[^ ]*/retort/dialect.h" "$T/deps" && ! grep -qF "$top_srcdir/" "$T/deps" &&
	! grep -qF "$top_builddir/" "$T/deps"; then
	tap_ok "<retort/dialect.h> comes from the DESTDIR, nothing from the source or build tree"
else
	tap_fail "<retort/dialect.h> comes from the DESTDIR, nothing from the source or build tree"
	tap_diag "$(cat "$T/deps" "$T/deps.err")"
fi
if mk CC="$CC_" CFLAGS="-O2 -g -Werror" >"$T/build.log" 2>&1 && [ -f retort_minisqlite.so ]; then
	tap_ok "the example builds with its own Makefile (-Wall -Wextra -Werror)"
else
	tap_fail "the example builds with its own Makefile (-Wall -Wextra -Werror)"
	tap_diag "$(cat "$T/build.log")"
	tap_done
fi
exports=$(nm -D --defined-only retort_minisqlite.so | awk 'NF >= 3 { print $NF }' |
	grep -Ev '^(_init|_fini|_edata|_end|__bss_start)$' | tr '\n' ' ')
if [ "$exports" = "retort_minisqlite_LTX_retort_dialect_entry " ]; then
	tap_ok "the module exports exactly its entry symbol"
else
	tap_fail "the module exports exactly its entry symbol"
	tap_diag "exports: $exports"
fi

# ---- 3. install it into the DESTDIR, where the .pc says
if mk install DESTDIR="$D" >"$T/pinstall.log" 2>&1 &&
	[ -f "$D$plugindir/retort_minisqlite.so" ] && [ -f "$D$registrydir/50-minisqlite.cfg" ]; then
	tap_ok "make install puts the module in plugindir and its drop-in in registrydir"
else
	tap_fail "make install puts the module in plugindir and its drop-in in registrydir"
	tap_diag "plugindir=$plugindir registrydir=$registrydir" "$(cat "$T/pinstall.log")"
fi

# ---- 4. the installed retort, registry relocated into the DESTDIR
RETORT=$bin/retort
RETORT_SYSCONFDIR=$D$sysconfdir/retort
RETORT_REGISTRY_PATH=$D$registrydir
RETORT_PLUGIN_PATH=$D$plugindir
RETORT_TEMPLATE_DIR=$D$pkgdatadir/templates
unset RETORT_CONFIG RETORT_URL DATABASE_URL
export RETORT RETORT_SYSCONFDIR RETORT_REGISTRY_PATH RETORT_PLUGIN_PATH RETORT_TEMPLATE_DIR
"$RETORT" plugins --check >"$T/out" 2>&1
if grep -q "^ok *minisqlite *ABI [0-9.]* *version 1.0 *$D$plugindir/retort_minisqlite.so" "$T/out"; then
	tap_ok "retort plugins --check: minisqlite loads from the registry drop-in"
else
	tap_fail "retort plugins --check: minisqlite loads from the registry drop-in"
	tap_diag "$(cat "$T/out")"
fi

# ---- 5. the conformance kit, installed
kit() {
	"$bin/retort-dialect-check" retort_minisqlite "$1" >"$T/kit.out" 2>"$T/kit.err"
	_rc=$?
	_n=$(grep -c '^ok ' "$T/kit.out")
	if [ "$_rc" -eq 0 ] && ! grep -q '^not ok' "$T/kit.out" && grep -q "^1\.\.$_n\$" "$T/kit.out"; then
		tap_ok "retort-dialect-check passes the example on $2: $_n of $_n checks"
	else
		tap_fail "retort-dialect-check passes the example on $2 (exit $_rc)"
		tap_diag "$(grep -v '^ok ' "$T/kit.out")" "$(cat "$T/kit.err")"
	fi
}
kit "minisqlite:///$T/kit.db" "a database file"
kit "minisqlite://" "an in-memory database"

# ---- 6. a project through the plugin
mkdir "$T/proj" && cd "$T/proj" || exit 99
if "$RETORT" -q init migrations >"$T/out" 2>&1; then
	sed -i 's|^url = .*|url = "minisqlite:///app.db";|' retort.cfg
else
	tap_fail "retort init (templates from the DESTDIR)"
	tap_diag "$(cat "$T/out")"
	tap_done
fi
cat >migrations/versions/a1.sql <<'EOF'
-- Message: accounts and their audit trigger
-- Revision ID: a1
-- Revises:

-- retort:upgrade
CREATE TABLE account (id INTEGER PRIMARY KEY, n INT);
CREATE TABLE audit (msg TEXT);
CREATE TRIGGER account_audit AFTER INSERT ON account BEGIN
  INSERT INTO audit VALUES ('account; added');
END;

-- retort:downgrade
DROP TRIGGER account_audit;
DROP TABLE audit;
DROP TABLE account;
EOF
cat >migrations/versions/b2.sql <<'EOF'
-- Message: one account, audited once
-- Revision ID: b2
-- Revises: a1

-- retort:upgrade
INSERT INTO account (n) VALUES (1);
CREATE TABLE proof (audited INTEGER CHECK (audited = 1));
INSERT INTO proof SELECT count(*) FROM audit WHERE msg = 'account; added';

-- retort:downgrade
DROP TABLE proof;
DELETE FROM account;
DELETE FROM audit;
EOF

# run DESC WANT_STATUS ARGS...: the installed retort; stdout in $T/out
run() {
	_d=$1; _w=$2; shift 2
	"$RETORT" "$@" >"$T/out" 2>"$T/err"
	_rc=$?
	if [ "$_rc" -eq "$_w" ]; then
		tap_ok "$_d"
	else
		tap_fail "$_d (exit $_rc)"
		tap_diag "retort $*" "$(cat "$T/out" "$T/err")"
	fi
}
# out_is DESC WANT: the last run's stdout is WANT
out_is() {
	if [ "$(cat "$T/out")" = "$2" ]; then
		tap_ok "$1"
	else
		tap_fail "$1"
		tap_diag "got: $(cat "$T/out")" "wanted: $2"
	fi
}
run "upgrade head --sql renders through the plugin" 0 upgrade head --sql
if grep -q "^CREATE TABLE alembic_version" "$T/out" &&
	grep -q "^  INSERT INTO audit VALUES ('account; added');\$" "$T/out" &&
	grep -q "^INSERT INTO alembic_version (version_num) VALUES ('a1');\$" "$T/out"; then
	tap_ok "the offline script keeps the trigger whole and has the plugin's version INSERT"
else
	tap_fail "the offline script keeps the trigger whole and has the plugin's version INSERT"
	tap_diag "$(cat "$T/out")"
fi
tap_check "the --sql run created no database" test ! -e app.db
run "upgrade head through the plugin (the trigger fired once: CHECK holds)" 0 upgrade head
run "current after upgrade" 0 current
out_is "current says b2 (head)" "b2 (head)"
tap_check "the migration lock went through the plugin (app.db-retort-lock)" [ -f app.db-retort-lock ]
run "downgrade base through the plugin" 0 downgrade base
run "current after downgrade" 0 current
if [ ! -s "$T/out" ]; then
	tap_ok "current says nothing at base"
else
	tap_fail "current says nothing at base"
	tap_diag "$(cat "$T/out")"
fi
run "upgrade head again (the downgrade left a clean database)" 0 upgrade head

# ---- 7. a failing statement: the error names it and its line
cat >migrations/versions/c3.sql <<'EOF'
-- Message: the second statement fails
-- Revision ID: c3
-- Revises: b2

-- retort:upgrade
CREATE TABLE c3_first (
  x INTEGER
);
SELECT nosuch FROM c3_first;

-- retort:downgrade
DROP TABLE c3_first;
EOF
run "upgrade head fails at c3's second statement" 1 upgrade head
if grep -q "no such column: nosuch" "$T/err" &&
	grep -q "^  statement 2 (line 9): SELECT nosuch FROM c3_first\$" "$T/err"; then
	tap_ok "the error has SQLite's message and names statement 2 and its line (9)"
else
	tap_fail "the error has SQLite's message and names statement 2 and its line (9)"
	tap_diag "$(cat "$T/err")"
fi
run "current after the failure" 0 current
out_is "nothing of c3 stayed: current says b2" "b2"
tap_done
