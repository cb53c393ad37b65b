#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/pkg/debian.sh - the Debian packages, built from a copy of this tree
# with `dpkg-buildpackage -us -uc -b` (once: DEB_BUILD_OPTIONS="nocheck
# parallel=2 noddebs"), checked with lintian, installed into a throwaway root
# with `dpkg --root` and run there with chroot(8).  TAP.
#
# How the root is made (no container, no network, nothing outside $T):
#  - an empty dpkg database, into which the status records of the host's
#    packages that ours depend on (libc6, libpq5, ...) are copied, so that
#    dpkg checks our Depends for real (no --force-depends);
#  - the shared libraries those records stand for, copied from the host
#    (ldd of each installed binary and plugin) together with /bin/sh, so
#    that the packaged retort runs in `chroot ROOT` with the paths it was
#    built with: /etc/retort, /usr/lib/<triplet>/retort, /usr/share/retort.
#    Nothing is redirected through environment variables.
# chroot needs root; as another user the test runs dpkg and chroot under
# `unshare -r` (a user namespace) when the kernel allows it.
#
# Checks: the six packages exist; lintian reports no error; each plugin
# package depends on its own client library and no other, and the CLI on
# none; the CLI with only the sqlite plugin runs a demo (init, revision,
# upgrade head, current, downgrade base); a postgresql:// URL fails until
# retort-plugin-postgresql is installed, and then migrates the test server
# ($RETORT_TEST_PG_URL); removing a plugin package leaves no registry entry
# (`retort plugins`, the drop-in directory, `retort plugins --check` when
# the CLI has it) and a purge leaves nothing under /etc/retort; retort-dev's
# pkg-config file names the directory the plugin packages use.
#
# debhelper, dpkg-dev and lintian are in tests/ci.sh's PACKAGES: under
# CI=true a missing tool (or PostgreSQL server) fails the test.  It is
# skipped in a sanitizer build (it builds its own tree from the source, so
# one run per CI is enough) and inside a package build (RETORT_IN_PACKAGE_BUILD,
# set by debian/rules), which would recurse.
. "$top_srcdir/tests/tap.sh"

if [ -n "${RETORT_IN_PACKAGE_BUILD:-}" ]; then
	echo "1..0 # SKIP inside a package build"; exit 0
fi
if grep -q '^SAN_CFLAGS = .*-fsanitize' "$top_builddir/Makefile" 2>/dev/null; then
	echo "1..0 # SKIP sanitizer build: the packages are built and tested by the normal build's run"
	exit 0
fi

missing=""
for t in dpkg-buildpackage dh dpkg dpkg-deb dpkg-query lintian chroot ldd; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
	if [ "${CI:-}" = true ]; then
		echo "1..1"; echo "not ok 1 - missing:$missing (tests/ci.sh installs debhelper, dpkg-dev, lintian)"
		exit 1
	fi
	echo "1..0 # SKIP missing:$missing (apt-get install debhelper dpkg-dev lintian)"; exit 0
fi

# As root: chroot and dpkg directly; otherwise inside a user namespace.
if [ "$(id -u)" = 0 ]; then
	asroot() { "$@"; }
elif unshare -r true 2>/dev/null; then
	asroot() { unshare -r "$@"; }
else
	if [ "${CI:-}" = true ]; then
		echo "1..1"; echo "not ok 1 - needs root or unprivileged user namespaces (unshare -r) for chroot"
		exit 1
	fi
	echo "1..0 # SKIP needs root or unshare -r for chroot"; exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/retort-deb.XXXXXX") || exit 1
CLEANUP=""
lintian_pid=""
cleanup() {
	[ -n "$lintian_pid" ] && kill "$lintian_pid" 2>/dev/null
	eval "$CLEANUP"
	rm -rf "$T"
}
trap cleanup EXIT
started=$(date +%s)

# ------------------------------------------------------------ build
# A copy of the source: what git tracks plus untracked files that are not
# ignored, or (outside git, e.g. in tests/ci.sh's copy) the tree without
# its build directories.
src=$T/retort
mkdir "$src"
if git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top_srcdir" && git ls-files -z --cached --others --exclude-standard |
		tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$src"
else
	bd=$(cd "$top_builddir" && pwd -P)
	sd=$(cd "$top_srcdir" && pwd -P)
	rel=${bd#"$sd"/}
	[ "$rel" = "$bd" ] && rel=_build
	(cd "$top_srcdir" && tar --exclude="./$rel" --exclude=./_build --exclude=./_asan \
		--exclude=./autom4te.cache -cf - .) | tar -xf - -C "$src"
fi
if [ ! -f "$src/debian/control" ]; then
	echo "1..1"; echo "not ok 1 - the source copy in $src has debian/control"; exit 1
fi

# The build runs outside make check's make: no jobserver, none of the
# suite's RETORT_* variables.  RETORT_TEST_DEB_DIR=DIR (for work on this
# test only) takes the packages of an earlier build from DIR instead.
if [ -n "${RETORT_TEST_DEB_DIR:-}" ]; then
	cp "$RETORT_TEST_DEB_DIR"/*.deb "$RETORT_TEST_DEB_DIR"/*.changes "$RETORT_TEST_DEB_DIR"/*.buildinfo "$T/" &&
		tap_ok "packages taken from $RETORT_TEST_DEB_DIR (not built)"
elif (cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CI \
	DEB_BUILD_OPTIONS="nocheck parallel=2 noddebs" \
	dpkg-buildpackage -us -uc -b >"$T/build.log" 2>&1); then
	tap_ok "dpkg-buildpackage -us -uc -b ($(($(date +%s) - started)) s)"
else
	tap_fail "dpkg-buildpackage -us -uc -b"
	tap_diag "$(tail -n 40 "$T/build.log")"
	tap_done
fi

ver=$(cd "$src" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
deb() { echo "$T/${1}_${ver}_$arch.deb"; }
PKGS="retort retort-plugin-sqlite retort-plugin-postgresql retort-plugin-mysql retort-plugin-odbc retort-dev"
for p in $PKGS; do
	tap_check "package $p was built" test -f "$(deb "$p")"
done
changes=$T/retort_${ver}_$arch.changes

# lintian takes half a minute of mostly waiting: it runs while the
# packages are installed and exercised, and is read at the end.
lintian --no-cfg --fail-on error --display-info "$changes" >"$T/lintian.out" 2>&1 &
lintian_pid=$!

# ------------------------------------------------------------ dependencies
# $T/PKG.deps: the names PKG depends on (alternatives too), one a line.
for p in $PKGS; do
	dpkg-deb -f "$(deb "$p")" Depends >"$T/$p.depends"
	tr ',|' '\n\n' <"$T/$p.depends" | sed 's/(.*//; s/ //g' | grep . >"$T/$p.deps"
done
has_dep() { grep -qx "$2" "$T/$1.deps"; }
libs="libsqlite3-0 libpq5 libmariadb3 libodbc2"
own() {
	case $1 in
	sqlite) echo libsqlite3-0 ;; postgresql) echo libpq5 ;;
	mysql) echo libmariadb3 ;; odbc) echo libodbc2 ;;
	esac
}
for p in sqlite postgresql mysql odbc; do
	extra=""
	for l in $libs; do
		[ "$l" = "$(own $p)" ] && continue
		has_dep "retort-plugin-$p" "$l" && extra="$extra $l"
	done
	if has_dep "retort-plugin-$p" "$(own $p)" && [ -z "$extra" ] &&
		has_dep "retort-plugin-$p" retort; then
		tap_ok "retort-plugin-$p depends on retort and $(own $p), no other client library"
	else
		tap_fail "retort-plugin-$p depends on retort and $(own $p), no other client library"
		tap_diag "Depends: $(cat "$T/retort-plugin-$p.depends")"
	fi
done
extra=""
for l in $libs; do has_dep retort "$l" && extra="$extra $l"; done
if [ -z "$extra" ]; then tap_ok "retort depends on no client library"
else tap_fail "retort depends on no client library"; tap_diag "Depends: $(cat "$T/retort.depends")"; fi
# Every upgrade, downgrade and stamp records a SHA-256 (core/checksum.c opens
# libcrypto.so.3 with dlopen, which dpkg-shlibdeps cannot see): without
# libssl3 retort cannot migrate, so it is a Depends, not a Recommends.
if has_dep retort libssl3; then tap_ok "retort depends on libssl3 (libcrypto for the checksums, opened with dlopen)"
else tap_fail "retort depends on libssl3 (libcrypto for the checksums, opened with dlopen)"; tap_diag "Depends: $(cat "$T/retort.depends")"; fi
if dpkg-deb -f "$(deb retort)" Recommends | grep -q 'retort-plugin-sqlite'; then
	tap_ok "retort recommends retort-plugin-sqlite (the demo and init's default url need it)"
else
	tap_fail "retort recommends retort-plugin-sqlite"
fi
etc=""
for p in sqlite postgresql mysql odbc; do
	dpkg-deb -c "$(deb retort-plugin-$p)" | grep -q ' \./etc/' && etc="$etc retort-plugin-$p"
done
if [ -z "$etc" ]; then
	tap_ok "no plugin package ships a file under /etc (no conffile outlives its package)"
else
	tap_fail "no plugin package ships a file under /etc:$etc"
fi
if dpkg-deb -c "$(deb retort)" | grep -q '\.so$'; then
	tap_fail "retort ships no plugin module"
else
	tap_ok "retort ships no plugin module"
fi

# ------------------------------------------------------------ the root
R=$T/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" \
	"$R/tmp" "$R/etc" "$R/usr/bin" "$R/usr/lib"
chmod 1777 "$R/tmp"
: >"$R/var/lib/dpkg/status"
# The host's merged-/usr layout (/bin -> usr/bin, ...), so that libraries
# copied by the paths ldd prints land where dpkg would put them.
for d in bin sbin lib lib32 lib64 libx32; do
	if [ -L "/$d" ]; then
		l=$(readlink "/$d")
		case $l in /*) ;; *) mkdir -p "$R/$l" ;; esac
		ln -s "$l" "$R/$d"
	fi
done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"

# The status records of the host packages ours depend on (first level:
# dpkg checks only the Depends of the packages it configures).
deps=$(for p in $PKGS; do cat "$T/$p.deps"; done | grep -v '^retort' | sort -u)
# One dpkg-query for them all: their names as dpkg knows them (name:arch
# for Multi-Arch: same) and status, then their records.
dpkg-query -W -f='${Package} ${binary:Package} ${db:Status-Status}\n' $deps >"$T/host.deps" 2>/dev/null
missing_dep=""
for d in $deps; do
	bp=$(awk -v d="$d" '$1 == d && $3 == "installed" { print $2; exit }' "$T/host.deps")
	if [ -n "$bp" ]; then
		: >"$R/var/lib/dpkg/info/$bp.list"
	else
		missing_dep="$missing_dep $d"
	fi
done
dpkg-query -s $deps 2>/dev/null | awk '
	/^Package: / { keep = 1 }
	/^Status: / && $0 != "Status: install ok installed" { keep = 0 }
	{ rec = rec $0 "\n" }
	/^$/ { if (keep) printf "%s", rec; rec = ""; keep = 0 }
	END { if (keep && rec != "") printf "%s\n", rec }' >>"$R/var/lib/dpkg/status"
if [ -z "$missing_dep" ]; then tap_ok "the packages' dependencies are installed on this host"
else tap_fail "the packages' dependencies are installed on this host (missing:$missing_dep)"; fi

dpkg_root() { asroot dpkg --root="$R" --log=/dev/null "$@" >>"$T/dpkg.log" 2>&1; }

# provide_libs: copy /bin/sh and the shared libraries of every ELF file
# retort has in the root from the host into the root, and the libraries of
# the packages `retort` declares in Depends (libssl3's libcrypto, which the
# checksum code opens with dlopen and ldd cannot see): a library reaches
# the root only through ldd or a declared dependency, so a dlopen()ed one
# that debian/control forgets makes the demo fail here.
provide_libs() {
	[ -e "$R/bin/sh" ] || { mkdir -p "$R/bin" && cp -L /bin/sh "$R/bin/sh"; }
	for f in /bin/sh "$R"/usr/bin/retort "$R"/usr/lib/*/retort/*.so; do
		[ -f "$f" ] || continue
		ldd "$f" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'
	done | sort -u | while read -r lib; do
		[ -e "$R$lib" ] && continue
		mkdir -p "$R$(dirname "$lib")" && cp -L "$lib" "$R$lib"
	done
	for d in $(grep -v '^retort' "$T/retort.deps" | grep -v -E '^(libc6|libltdl7|libconfig9)$'); do
		dpkg -L "$d" 2>/dev/null | grep -E '/lib/.*\.so(\.[0-9]+)*$'
	done | while read -r lib; do
		[ -f "$lib" ] && [ ! -e "$R$lib" ] && mkdir -p "$R$(dirname "$lib")" && cp -L "$lib" "$R$lib"
	done
	return 0
}

# in_root CMD: run a shell command in the root, in /tmp/demo, with a clean
# environment; its output goes to $T/out.
CHROOT=$(command -v chroot)
in_root() {
	asroot env -i PATH=/usr/bin:/bin HOME=/tmp LC_ALL=C "$CHROOT" "$R" /bin/sh -c "cd /tmp/demo && $1" \
		>"$T/out" 2>&1 </dev/null
}
# registered NAME: `retort plugins` (in $T/out) lists a module for NAME.
# (retort itself lists the in-tree plugins it knows of, with no module, as
# "(not installed)" and the package to install.)
registered() { grep -Eq "^$1 +module " "$T/out"; }

if dpkg_root -i "$(deb retort)" "$(deb retort-plugin-sqlite)"; then
	tap_ok "dpkg --root -i retort retort-plugin-sqlite"
else
	tap_fail "dpkg --root -i retort retort-plugin-sqlite"; tap_diag "$(tail -n 20 "$T/dpkg.log")"
	tap_done
fi
provide_libs
mkdir -p "$R/tmp/demo"

# ------------------------------------------------------------ the demo (sqlite only)
if in_root "retort plugins" && registered sqlite && [ "$(grep -Ec '^[^ ]+ +module ' "$T/out")" = 1 ]; then
	tap_ok "retort plugins in the root lists the sqlite plugin only"
else
	tap_fail "retort plugins in the root lists the sqlite plugin only"; tap_diag "$(cat "$T/out")"
fi

if in_root "retort init migrations && retort revision -m 'create account'"; then
	tap_ok "retort init, revision (templates from /usr/share/retort)"
else
	tap_fail "retort init, revision"; tap_diag "$(cat "$T/out")"
fi
script=$(find "$R/tmp/demo/migrations/versions" -name '*.sql' 2>/dev/null | head -n 1)
rev=$(sed -n 's/^-- Revision ID: *//p' "$script" 2>/dev/null)
if [ -n "$script" ] && [ -n "$rev" ]; then
	awk '/^-- retort:upgrade/ { print; print "CREATE TABLE account (id INTEGER PRIMARY KEY, name TEXT);"; next }
		/^-- retort:downgrade/ { print; print "DROP TABLE account;"; next } { print }' \
		"$script" >"$script.new" && mv "$script.new" "$script"
fi
if in_root "retort upgrade head && retort current" && grep -q "$rev" "$T/out"; then
	tap_ok "retort upgrade head on sqlite:///app.db; current is $rev"
else
	tap_fail "retort upgrade head on sqlite:///app.db"; tap_diag "$(cat "$T/out")"
fi
if in_root "retort downgrade base" && in_root "retort current" && ! grep -q "$rev" "$T/out"; then
	tap_ok "retort downgrade base; current is empty"
else
	tap_fail "retort downgrade base"; tap_diag "$(cat "$T/out")"
fi

# ------------------------------------------------------------ postgresql
PGURL=postgresql://nobody@127.0.0.1:1/none
if [ -n "${RETORT_TEST_PG_URL:-}" ] && command -v psql >/dev/null 2>&1; then
	db=retort_deb_$$
	if psql "$RETORT_TEST_PG_URL" -X -q -c "CREATE DATABASE $db" >"$T/psql.out" 2>&1; then
		CLEANUP="psql \"\$RETORT_TEST_PG_URL\" -X -q -c 'DROP DATABASE IF EXISTS $db WITH (FORCE)' >/dev/null 2>&1"
		PGURL=$(echo "$RETORT_TEST_PG_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}\$|/$db\1|")
	else
		tap_fail "create database $db on the test server"; tap_diag "$(cat "$T/psql.out")"
	fi
fi
# The URL goes through a file and the environment, so that no command line
# or output here shows its password.
printf '%s\n' "$PGURL" >"$R/tmp/pgurl"
RUNPG='read -r u </tmp/pgurl && RETORT_URL="$u"'

in_root "$RUNPG retort current"
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'retort-plugin-postgresql' "$T/out"; then
	tap_ok "without its plugin, a postgresql:// URL fails and names the package (exit $rc)"
else
	tap_fail "without its plugin, a postgresql:// URL fails and names the package (exit $rc)"
	tap_diag "$(cat "$T/out")"
fi

if dpkg_root -i "$(deb retort-plugin-postgresql)"; then
	tap_ok "dpkg --root -i retort-plugin-postgresql"
else
	tap_fail "dpkg --root -i retort-plugin-postgresql"; tap_diag "$(tail -n 20 "$T/dpkg.log")"
fi
provide_libs
if in_root "retort plugins" && registered postgresql && registered sqlite; then
	tap_ok "retort plugins lists postgresql and sqlite"
else
	tap_fail "retort plugins lists postgresql and sqlite"; tap_diag "$(cat "$T/out")"
fi
# The administrator's directory overrides the vendor drop-in by name: an
# empty file there disables the plugin.
: >"$R/etc/retort/plugins.d/50-postgresql.cfg"
if in_root "retort plugins" && ! registered postgresql && registered sqlite; then
	tap_ok "an empty /etc/retort/plugins.d/50-postgresql.cfg masks the package's drop-in"
else
	tap_fail "an empty /etc/retort/plugins.d/50-postgresql.cfg masks the package's drop-in"
	tap_diag "$(cat "$T/out")"
fi
rm -f "$R/etc/retort/plugins.d/50-postgresql.cfg"
if [ -n "$CLEANUP" ]; then
	if in_root "$RUNPG retort upgrade head && $RUNPG retort current" && grep -q "$rev" "$T/out" &&
		[ "$(psql "$PGURL" -X -A -t -c 'SELECT version_num FROM alembic_version' 2>/dev/null)" = "$rev" ] &&
		in_root "$RUNPG retort downgrade base"; then
		tap_ok "with retort-plugin-postgresql, postgresql:// upgrades and downgrades the test server"
	else
		tap_fail "with retort-plugin-postgresql, postgresql:// upgrades and downgrades the test server"
		tap_diag "$(cat "$T/out")"
	fi
elif [ "${CI:-}" = true ]; then
	tap_fail "RETORT_TEST_PG_URL is set and psql is installed (the PostgreSQL test server)"
else
	tap_skip "postgresql:// against a server: RETORT_TEST_PG_URL is not set"
fi

# ------------------------------------------------------------ removal
has_check=no
in_root "retort plugins --help" && grep -q -- '--check' "$T/out" && has_check=yes
registry_clean() { # registry_clean WHAT GONE-PLUGIN
	ok=yes
	in_root "retort plugins" || ok=no
	registered "$2" && ok=no
	cp "$T/out" "$T/plugins.out"
	for f in "$R/etc/retort/plugins.d/50-$2.cfg" "$R/usr/share/retort/plugins.d/50-$2.cfg"; do
		[ -e "$f" ] || [ -L "$f" ] && ok=no
	done
	if [ "$has_check" = yes ]; then
		in_root "retort plugins --check" || ok=no
		cat "$T/out" >>"$T/plugins.out"
	fi
	if [ "$ok" = yes ]; then tap_ok "$1: no registry entry is left for $2"
	else tap_fail "$1: no registry entry is left for $2"; tap_diag "$(cat "$T/plugins.out")"; ls -l "$R/etc/retort/plugins.d" | sed 's/^/# /'; fi
}
dpkg_root -r retort-plugin-postgresql || { tap_diag "$(tail -n 20 "$T/dpkg.log")"; }
registry_clean "dpkg -r retort-plugin-postgresql" postgresql
[ "$has_check" = yes ] || tap_skip "retort plugins --check: this retort has no --check"
in_root "$RUNPG retort current"
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'retort-plugin-postgresql' "$T/out"; then
	tap_ok "after removal, a postgresql:// URL fails cleanly again (exit $rc)"
else
	tap_fail "after removal, a postgresql:// URL fails cleanly again (exit $rc)"; tap_diag "$(cat "$T/out")"
fi
if in_root "retort current"; then tap_ok "the sqlite project still works"
else tap_fail "the sqlite project still works"; tap_diag "$(cat "$T/out")"; fi
dpkg_root -r retort-plugin-sqlite || { tap_diag "$(tail -n 20 "$T/dpkg.log")"; }
registry_clean "dpkg -r retort-plugin-sqlite" sqlite

# ------------------------------------------------------------ retort-dev
if dpkg_root -i "$(deb retort-dev)"; then
	pc=$(ls "$R"/usr/lib/*/pkgconfig/retort-dialect.pc 2>/dev/null | head -n 1)
	plugdir=$(PKG_CONFIG_PATH=${pc%/*} PKG_CONFIG_LIBDIR=${pc%/*} pkg-config --variable=plugindir retort-dialect 2>/dev/null)
	modules=$(dpkg-deb -c "$(deb retort-plugin-sqlite)" | sed -n 's|.* \./\(.*\)/retort_sqlite\.so$|/\1|p')
	if [ -f "$R/usr/include/retort/dialect.h" ] && [ -n "$plugdir" ] && [ "$plugdir" = "$modules" ]; then
		tap_ok "retort-dev: dialect.h, and retort-dialect.pc's plugindir ($plugdir) is the packages'"
	else
		tap_fail "retort-dev: dialect.h, and retort-dialect.pc's plugindir ($plugdir) is the packages' ($modules)"
	fi
	if ! command -v cc >/dev/null 2>&1; then
		tap_skip "retort-dev: no C compiler to compile <retort/dialect.h>"
	elif printf '#include <retort/dialect.h>\n' | cc -fsyntax-only -I"$R/usr/include" -x c - 2>"$T/cc.out"; then
		tap_ok "retort-dev: <retort/dialect.h> compiles on its own"
	else
		tap_fail "retort-dev: <retort/dialect.h> compiles on its own"; tap_diag "$(cat "$T/cc.out")"
	fi
	tap_check "retort-dev ships retort-dialect(7)" test -f "$R/usr/share/man/man7/retort-dialect.7.gz"
	tap_check "retort-dev ships retort-dialect-check and its retort-dialect-check(1)" \
		test -x "$R/usr/bin/retort-dialect-check" -a -f "$R/usr/share/man/man1/retort-dialect-check.1.gz"
else
	tap_fail "dpkg --root -i retort-dev"; tap_diag "$(tail -n 20 "$T/dpkg.log")"
fi

# ------------------------------------------------------------ purge
if dpkg_root --purge retort-dev retort && [ ! -e "$R/etc/retort" ] && [ ! -e "$R/usr/share/retort" ] &&
	[ ! -e "$R/usr/bin/retort" ]; then
	tap_ok "dpkg --purge retort retort-dev leaves nothing under /etc/retort, /usr/share/retort"
else
	tap_fail "dpkg --purge retort retort-dev leaves nothing behind"
	tap_diag "$(tail -n 20 "$T/dpkg.log")" "$(find "$R/etc/retort" "$R/usr/share/retort" 2>/dev/null)"
fi

# ------------------------------------------------------------ lintian
if wait "$lintian_pid"; then
	tap_ok "lintian reports no error"
else
	tap_fail "lintian reports no error"
fi
lintian_pid=""
tags=$(grep -v '^running with root' "$T/lintian.out")
[ -n "$tags" ] && tap_diag "lintian:" "$tags"
tap_diag "total $(($(date +%s) - started)) s"
tap_done
