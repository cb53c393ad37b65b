#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tree/exports.sh - the library boundary, as installed.  TAP.
#
#   exports.sh          install the build tree into a temporary DESTDIR
#                       (`make install`) and check what it installed;
#   exports.sh ROOT     check an existing root instead (the Debian package
#                       test passes the root it installed the .debs into).
#
# Checked:
#  - the manual pages, the bash completion and the docs (the JSON schema
#    too) are installed;
#  - the core is not installed as a library: no libretort.* and no
#    retort/retort.h (the CLI links the core statically; its API is
#    internal); the plugin author's dialect.h and retort-dialect.pc are;
#  - the installed `retort` binary exports no symbol of its own, and each
#    installed plugin exports exactly <module>_LTX_retort_dialect_entry
#    (SPEC section 6), nothing of lib/ or of its client library.
# Two controls prove the checks see extra exports: a program linked with
# -export-dynamic, and the fake plugin that exports fake_nosym_* instead of
# its entry symbol.
. "$top_srcdir/tests/tap.sh"

# own_exports FILE: the dynamic symbols FILE defines itself.  Left out:
# the linker's section markers; versioned names (NAME@VERSION), which are
# libc objects copied into an executable's .bss (stdout, stderr); and the
# sanitizer runtime's variables copied the same way in an ASan build
# (__asan_option_detect_stack_use_after_return).
own_exports() {
	nm -D --defined-only "$1" 2>/dev/null | awk 'NF >= 3 { print $NF }' | grep -v '@' |
		grep -Ev '^(_edata|_end|__bss_start|_IO_stdin_used|_init|_fini)$' |
		grep -Ev '^__(asan|ubsan|lsan|sanitizer)_' | sort
}

# check_binary DESC FILE: FILE exports nothing of its own.
check_binary() {
	_e=$(own_exports "$2" | tr '\n' ' ')
	if [ -z "$_e" ]; then
		tap_ok "$1 exports no symbol of its own"
	else
		tap_fail "$1 exports no symbol of its own"
		tap_diag "$2 exports: $_e"
	fi
}

# plugin_exports_only_entry FILE: FILE's own exports are exactly its
# module name + _LTX_retort_dialect_entry.
plugin_exports_only_entry() {
	_m=$(basename "$1" .so)
	[ "$(own_exports "$1")" = "${_m}_LTX_retort_dialect_entry" ]
}

T=$(mktemp -d "${TMPDIR:-/tmp}/retort-exports.XXXXXX")
trap 'rm -rf "$T"' EXIT

if [ $# -ge 1 ]; then
	root=$1
else
	root=$T/root
	# A make started by this test must not talk to the jobserver of the
	# `make check` that runs it.
	if (unset MAKEFLAGS MFLAGS MAKELEVEL; make -C "$top_builddir" install DESTDIR="$root") \
		>"$T/install.log" 2>&1; then
		tap_ok "make install DESTDIR=... succeeds"
	else
		tap_fail "make install DESTDIR=... succeeds"
		tap_diag "$(tail -n 20 "$T/install.log")"
	fi
fi

# The core is not a library anyone can link.
bad=$(find "$root" \( -name 'libretort*' -o -name retort.h -o -name retort.pc \) | sed "s|^$root||")
if [ -z "$bad" ]; then
	tap_ok "no libretort, retort.h or retort.pc is installed"
else
	tap_fail "no libretort, retort.h or retort.pc is installed"
	tap_diag "installed: $bad"
fi
for f in retort/dialect.h retort-dialect.pc; do
	if [ -n "$(find "$root" -path "*/$f" -type f | head -n 1)" ]; then
		tap_ok "$f is installed for plugin authors"
	else
		tap_fail "$f is installed for plugin authors"
	fi
done

# What a user gets besides the binary: manual pages, bash completion, docs.
for f in man/man1/retort.1 man/man5/retort.cfg.5 man/man1/retort-dialect-check.1 \
	man/man7/retort-dialect.7 bash-completion/completions/retort doc/retort/README.md \
	doc/retort/LICENSE doc/retort/retort-json.schema.json; do
	if [ -n "$(find "$root" -path "*/share/$f" -type f | head -n 1)" ]; then
		tap_ok "share/$f is installed"
	else
		tap_fail "share/$f is installed"
	fi
done

cli=$(find "$root" -path '*/bin/retort' -type f | head -n 1)
if [ -n "$cli" ] && head -c 4 "$cli" | grep -q ELF; then
	check_binary "the installed retort binary" "$cli"
	needed=$(objdump -p "$cli" | awk '/NEEDED/ { print $2 }' | tr '\n' ' ')
	case $needed in
	*libcrypto*|*libssl*|*libretort*)
		tap_fail "retort links neither libretort.so nor libcrypto"; tap_diag "NEEDED: $needed" ;;
	*)
		tap_ok "retort links neither libretort.so nor libcrypto ($needed)" ;;
	esac
else
	tap_fail "an installed retort binary (ELF) under $root/.../bin"
fi

# The SDK's conformance kit links the core statically too.
kit=$(find "$root" -path '*/bin/retort-dialect-check' -type f | head -n 1)
if [ -n "$kit" ] && head -c 4 "$kit" | grep -q ELF; then
	check_binary "the installed retort-dialect-check" "$kit"
else
	tap_fail "retort-dialect-check (the conformance kit) is installed under $root/.../bin"
fi

plugins=$(find "$root" -path '*/retort/*' -name 'retort_*.so' -type f | sort)
if [ -z "$plugins" ]; then
	tap_fail "at least one plugin is installed"
fi
for p in $plugins; do
	if plugin_exports_only_entry "$p"; then
		tap_ok "$(basename "$p") exports exactly its entry symbol"
	else
		tap_fail "$(basename "$p") exports exactly its entry symbol"
		tap_diag "exports: $(own_exports "$p" | tr '\n' ' ')"
	fi
done

# Registry drop-ins are vendor files, beside the data of the package that
# installs them ($(pkgdatadir)/plugins.d), so that /etc/retort/plugins.d
# stays the administrator's and a removed package leaves no entry behind.
vendor=$(find "$root" -path '*/share/retort/plugins.d' -type d | head -n 1)
if [ -n "$vendor" ] && [ -f "$vendor/00-retort-plugins.cfg" ]; then
	tap_ok "retort's list of plugin packages is a vendor drop-in (share/retort/plugins.d)"
else
	tap_fail "retort's list of plugin packages is a vendor drop-in (share/retort/plugins.d)"
fi
for p in $plugins; do
	_n=$(basename "$p" .so | sed 's/^retort_//')
	if [ -n "$vendor" ] && [ -f "$vendor/50-$_n.cfg" ]; then
		tap_ok "$(basename "$p") has its vendor drop-in 50-$_n.cfg"
	else
		tap_fail "$(basename "$p") has its vendor drop-in 50-$_n.cfg"
		tap_diag "drop-ins: $(find "$root" -name '*.cfg' | sed "s|^$root||" | tr '\n' ' ')"
	fi
done
if [ $# -eq 0 ] && [ -n "$(find "$root" -path '*/etc/retort/plugins.d/*' | head -n 1)" ]; then
	tap_fail "make install writes nothing into \$(sysconfdir)/retort/plugins.d"
	tap_diag "$(find "$root" -path '*/etc/retort/plugins.d/*' | sed "s|^$root||")"
elif [ $# -eq 0 ]; then
	tap_ok "make install writes nothing into \$(sysconfdir)/retort/plugins.d"
fi

# Controls (build tree only): the checks do catch extra exports.
if [ $# -eq 0 ]; then
	ctl=$top_builddir/tests/tree/exports_control
	if [ -f "$ctl" ] && own_exports "$ctl" | grep -q '^exports_control_visible$'; then
		tap_ok "control: a program linked with -export-dynamic is caught"
	else
		tap_fail "control: a program linked with -export-dynamic is caught"
		tap_diag "$ctl: $(own_exports "$ctl" 2>&1 | tr '\n' ' ')"
	fi
	fake=$top_builddir/tests/plugins/.libs/fake_nosym.so
	if [ -f "$fake" ] && ! plugin_exports_only_entry "$fake" && [ -n "$(own_exports "$fake")" ]; then
		tap_ok "control: a plugin exporting something else is caught"
	else
		tap_fail "control: a plugin exporting something else is caught"
	fi
fi
tap_done
