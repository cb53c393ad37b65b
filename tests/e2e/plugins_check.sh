#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: `retort plugins --check`, and broken plugins that each break
# one rule of the contract, refused clearly and without a crash, both by
# --check and by a command whose URL uses their scheme.  TAP.
#
# The fake modules come from tests/plugins/ (built by make check):
#   fake_abi_major    built for the next major ABI
#   fake_small        a struct_size smaller than ABI 1.0's struct
#   fake_nosym        a shared object with no entry symbol
#   fake_null_entry   an entry point that returns NULL
#   fake_null_member  a required member (connect) left NULL
#   fake_good         a working in-memory dialect (the control)
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

libs=$top_builddir/tests/plugins/.libs
mkdir "$T/mods" "$T/reg"
for m in fake_abi_major fake_small fake_nosym fake_null_entry fake_null_member fake_good; do
	cp "$libs/$m.so" "$T/mods/$m.so" && chmod 755 "$T/mods/$m.so"
done
# register NAME MODULE: a drop-in for scheme NAME in $T/reg.
register() {
	printf 'plugin = { name = "%s"; schemes = [ "%s" ]; module = "%s/%s.so"; };\n' \
		"$1" "$1" "$T/mods" "$2" >"$T/reg/60-$1.cfg"
}
RETORT_REGISTRY_PATH=$T/reg
export RETORT_REGISTRY_PATH

# ---- the control: every plugin loads
register fakegood fake_good
expect "plugins --check with every plugin loading exits 0" 0 plugins --check
out_has "it reports the good fake's ABI and version" "ok      fakegood     ABI 1."
out_has "... and the file it loaded" "$T/mods/fake_good.so"
for p in sqlite postgresql mysql odbc; do
	if [ -f "$top_builddir/plugins/$p/retort_$p.la" ]; then
		out_has "it loads the in-tree $p plugin" "ok      $p "
	fi
done
rt plugins
if grep -q '^ok ' "$T/out"; then
	tap_fail "plain \`retort plugins\` loads nothing"
else
	tap_ok "plain \`retort plugins\` loads nothing"
fi

# fail DESC: tap_fail, or tap_todo (with $_why) for a rule not enforced yet.
fail() { if [ -n "$_why" ]; then tap_todo "$1" "$_why"; else tap_fail "$1"; fi; }

# ---- each broken plugin: refused by --check and by a command.
# broken NAME MODULE PHRASE [todo]
broken() {
	_why=${4:-}
	rm -f "$T/reg/"*.cfg
	register fakegood fake_good
	register "$1" "$2"
	rt plugins --check
	if [ "$rc" -eq 1 ] && grep -q "^FAILED  $1 .*$3" "$T/out" &&
		grep -q "ok      fakegood" "$T/out" &&
		grep -q "1 of [0-9]* dialect plugins failed to load" "$T/err"; then
		tap_ok "plugins --check: $2 is reported ($3) and exits 1$_todo"
	else
		fail "plugins --check: $2 is reported ($3) and exits 1"
		tap_diag "exit $rc" "$(cat "$T/out" "$T/err")"
	fi
	new_project
	rt --url "$1://" current
	if [ "$rc" -eq 2 ] && grep -q "$3" "$T/err" && grep -qF "scheme '$1'" "$T/err"; then
		tap_ok "retort current with a $1:// URL refuses $2 (exit 2)$_todo"
	else
		fail "retort current with a $1:// URL refuses $2 (exit 2)"
		tap_diag "exit $rc" "$(cat "$T/err")"
	fi
	cd "$T" || exit 99
}
broken fakeabimajor fake_abi_major "was built for dialect ABI 2.0"
broken fakesmall fake_small "declares a dialect struct of 40 bytes"
broken fakenosym fake_nosym "is not a retort dialect plugin: it exports neither"
broken fakenullentry fake_null_entry "its entry point returned no dialect"
broken fakenullmember fake_null_member "its required member .connect. is NULL"

# A module that is not there at all.
rm -f "$T/reg/"*.cfg
register fakegone fake_gone
expect "plugins --check: a missing module exits 1" 1 plugins --check
out_has "... and names the file it looked for" "FAILED  fakegone     cannot load dialect plugin $T/mods/fake_gone.so"
tap_done
