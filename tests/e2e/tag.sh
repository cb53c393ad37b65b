#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: --tag TAG on upgrade, downgrade and stamp (Alembic's --tag;
# issue 13 item 2): accepted where Alembic accepts it, shown by -v, checked
# (one printable line), refused elsewhere, and changing nothing else: the
# rows and the --sql output are those of the same command without it.
# tests/e2e/offline_alembic.sh runs `upgrade head --sql --tag` through both
# tools.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

new_project
script aaa "" "CREATE TABLE a (x INTEGER);" "DROP TABLE a;"
script bbb aaa "CREATE TABLE b (x INTEGER);" "DROP TABLE b;"

expect "upgrade head --tag release-42" 0 upgrade head --tag release-42
same "applied" "$(versions)" "bbb"
err_lacks "no tag line without -v" "Tag:"
expect "downgrade -v --tag=rollback-1" 0 -v downgrade base --tag=rollback-1
err_has "-v shows the tag" "Tag: rollback-1"
same "downgraded" "$(versions)" ""
expect "stamp --tag with spaces" 0 stamp aaa --tag "hotfix 7 (ops)"
same "stamped" "$(versions)" "aaa"
expect "the tag before the command's revision" 0 -v stamp --tag t base
err_has "is taken too" "Tag: t"

# The SQL with and without --tag: the tag goes only into the audit row of
# the rendered retort_audit insert (offline_history), whose run id and time
# differ on every rendering anyway; without the side tables the two are
# byte for byte the same.
rt upgrade head --sql --tag release-43
out_has "the tag is in the offline audit row" "release-43"
cp retort.cfg retort.cfg.keep
echo 'offline_history = false;' >>retort.cfg
for c in "upgrade head" "downgrade bbb:base" "stamp bbb"; do
	# shellcheck disable=SC2086
	rt $c --sql
	cp "$T/out" "$T/plain"
	# shellcheck disable=SC2086
	rt $c --sql --tag x
	if [ "$rc" = 0 ] && cmp -s "$T/out" "$T/plain"; then
		tap_ok "$c --sql --tag: the same SQL as without it"
	else
		tap_fail "$c --sql --tag: the same SQL as without it"
		tap_diag "$(diff "$T/plain" "$T/out")"
	fi
done
mv retort.cfg.keep retort.cfg

expect "--tag on current is refused" 2 current --tag x
err_has "saying so" "current does not take --tag"
expect "--tag with no value" 2 upgrade head --tag
expect "an empty --tag" 2 upgrade head --tag ""
err_has "says what it takes" "--tag takes 1 to 255 bytes"
expect "a --tag of two lines" 2 upgrade head --tag "a
b"
err_has "says why" "printable text on one line"
long=$(printf '%0300d' 0)
expect "a --tag of 300 bytes" 2 upgrade head --tag "$long"
same "nothing changed by the refusals" "$(versions)" ""
tap_done
