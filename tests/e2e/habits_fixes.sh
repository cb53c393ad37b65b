#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: small things an Alembic user runs into (issue 13 item 5):
# Alembic's spelling of commands (list_templates), `revision --version-path`
# outside the script directories, `edit` with no editor and no terminal, and
# the text of a range error involving `current`.  Where Alembic applies, its
# message is the one checked (Debian's Alembic is the reference; the check
# against it runs when it is installed, and fails without it under CI=true).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

PY=${RETORT_TEST_PYTHON:-/usr/bin/python3}
have_alembic=0
"$PY" -c 'import alembic' 2>/dev/null && have_alembic=1
# alembic_or_skip DESC: 0 when Alembic can run; else a skip (a failure in CI).
alembic_or_skip() {
	[ "$have_alembic" = 1 ] && return 0
	if [ "${CI:-}" = true ]; then tap_fail "$1: Alembic ($PY -m alembic) is installed"
	else tap_skip "$1: Alembic is not installed"; fi
	return 1
}

new_project
proj=$(pwd)
script aaaa1111 "" "CREATE TABLE a (x INTEGER);" "DROP TABLE a;"
script bbbb2222 aaaa1111 "CREATE TABLE b (x INTEGER);" "DROP TABLE b;"

# ---------------------------------------------------------------- list_templates
expect "list_templates (Alembic's spelling) runs list-templates" 0 list_templates
out_has "list_templates lists the generic template" "generic - "
cp "$T/out" "$T/lt_underscore"
rt list-templates
if cmp -s "$T/out" "$T/lt_underscore"; then tap_ok "list_templates and list-templates print the same"
else tap_fail "list_templates and list-templates print the same"; fi
if grep -q '^Makefile' "$T/out"; then tap_fail "only template directories are listed"
	tap_diag "$(cat "$T/out")"
else tap_ok "only template directories are listed"; fi
expect "a misspelt command is still unknown" 2 list_templatez
err_has "it is named" "unknown command 'list_templatez'"
rt --help
if grep -q 'list_templates' "$T/out"; then tap_fail "--help lists one spelling only"
else tap_ok "--help lists one spelling only"; fi

# ---------------------------------------------------------------- --version-path
mkdir elsewhere
expect "revision --version-path outside the script directories exits 2" 2 \
	revision -m x --version-path elsewhere
err_has "with Alembic's message" "Path elsewhere is not represented in current version locations"
err_has "naming the directories that are" "$proj/migrations/versions"
n=$(find elsewhere -type f | wc -l)
same "nothing was written there" "$n" 0
expect "--version-path naming versions/ another way works" 0 \
	revision -m x --rev-id cccc3333 --version-path ./migrations//versions/
expect "the new script is found" 0 show cccc3333
ln -s migrations/versions vlink
expect "--version-path through a symlink to versions/ works" 0 \
	revision -m y --rev-id dddd4444 --version-path vlink
expect "that script is found too" 0 show dddd4444
mkdir more
echo 'version_locations = [ "more" ];' >>retort.cfg
expect "--version-path naming a version_locations entry works" 0 \
	revision -m z --rev-id eeee5555 --version-path "$proj/more" --head base
tap_check "it is written there" test -f more/eeee5555_z.sql
expect "and found" 0 show eeee5555
rm more/eeee5555_z.sql
sed -i '/^version_locations/d' retort.cfg
rm migrations/versions/cccc3333_x.sql migrations/versions/dddd4444_y.sql

if alembic_or_skip "Alembic refuses the same --version-path"; then
	mkdir -p "$T/al" && cd "$T/al" && "$PY" -m alembic init al >/dev/null 2>&1
	mkdir -p elsewhere
	"$PY" -m alembic revision -m x --version-path elsewhere >"$T/al.out" 2>&1
	if grep -qF "Path elsewhere is not represented in current version locations" "$T/al.out"; then
		tap_ok "Alembic refuses the same --version-path with the same message"
	else
		tap_fail "Alembic refuses the same --version-path with the same message"
		tap_diag "$(cat "$T/al.out")"
	fi
	cd "$proj"
fi

# ---------------------------------------------------------------- edit
VISUAL= EDITOR= expect "edit with no editor and no terminal exits 2" 2 edit </dev/null
err_has "saying what to set" "set \$VISUAL or \$EDITOR"
err_has "naming the file" "bbbb2222"
err_lacks "without starting vi" "Vim"
cat >"$T/ed.sh" <<'SH'
#!/bin/sh
echo "-- edited" >>"$1"
SH
chmod +x "$T/ed.sh"
VISUAL= EDITOR="$T/ed.sh" expect "edit with \$EDITOR set still works without a terminal" 0 edit </dev/null
if tail -1 migrations/versions/bbbb2222.sql | grep -q -- '-- edited'; then
	tap_ok "the editor ran on the head's script"; else tap_fail "the editor ran on the head's script"; fi

# ---------------------------------------------------------------- range text
expect "stamp aaaa1111" 0 stamp aaaa1111
expect "history -r bbbb2222:current (a range backwards) exits 2" 2 history -r bbbb2222:current
err_has "keeps Alembic's searchable text" "does not refer to ancestor/descendant revisions along the same branch"
err_has "names current and the row it stood for" "Requested range bbbb2222:current (aaaa1111)"
err_lacks "no Python tuple text" "('aaaa1111',)"

tap_done
