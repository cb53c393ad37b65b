#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: init, revision, upgrade/downgrade/stamp/current/history/heads/
# show on a linear SQLite project, with the version table checked after each
# step.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

expect "--version exits 0" 0 --version
out_has "--version prints the version" "retort "
for c in init list-templates revision merge upgrade downgrade stamp current history heads branches show check edit plugins; do
	expect "$c --help exits 0" 0 "$c" --help
	out_has "$c --help shows usage" "usage: retort $c"
done
expect "no command is a usage error" 2
expect "unknown command exits 2" 2 frobnicate
err_has "unknown command is named" "unknown command 'frobnicate'"
expect "unknown option exits 2" 2 upgrade --bogus head
expect "missing argument exits 2" 2 upgrade

new_project
tap_check "init wrote retort.cfg" test -f retort.cfg
tap_check "init wrote migrations/versions" test -d migrations/versions
tap_check "init wrote the script template" test -f migrations/script.sql.tmpl
expect "init refuses to overwrite retort.cfg" 2 init other
err_has "init says why" "already exists"
expect "list-templates" 0 list-templates
out_has "list-templates lists generic" "generic - "

expect "revision with --rev-id" 0 revision -m "create account" --rev-id aaa111
out_has "revision prints the path" "migrations/versions/aaa111_create_account.sql"
tap_check "revision file exists" test -f migrations/versions/aaa111_create_account.sql
grep -q '^-- Revises: *$' migrations/versions/aaa111_create_account.sql && tap_ok "first revision is a base" || tap_fail "first revision is a base"
expect "second revision" 0 revision -m "add email" --rev-id bbb222
grep -q '^-- Revises: aaa111$' migrations/versions/bbb222_add_email.sql && tap_ok "second revises the first" || tap_fail "second revises the first"
expect "random revision id" 0 revision -m "third"
f3=$(cat "$T/out")
id3=$(sed -n 's/^-- Revision ID: //p' "$f3")
echo "$id3" | grep -Eq '^[0-9a-f]{12}$' && tap_ok "random id is 12 hex digits" || tap_fail "random id is 12 hex digits ($id3)"
expect "bad --rev-id" 2 revision -m x --rev-id "a-b"
expect "duplicate --rev-id" 2 revision -m x --rev-id aaa111

# Give the scripts real SQL.
rm -f migrations/versions/*.sql
script aaa111 "" "CREATE TABLE account (id INTEGER PRIMARY KEY, name TEXT NOT NULL);" "DROP TABLE account;"
script bbb222 aaa111 "ALTER TABLE account ADD COLUMN email TEXT;" "ALTER TABLE account DROP COLUMN email;"
script ccc333 bbb222 "CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT);
INSERT INTO audit (what) VALUES ('it''s; tricky -- not a comment');" "DROP TABLE audit;"

expect "current on an empty database" 0 current
same "no version table yet" "$(versions)" ""
expect "upgrade +1" 0 upgrade +1
same "at aaa111" "$(versions)" "aaa111"
err_has "upgrade logs the step" "Running upgrade  -> aaa111"
expect "upgrade head" 0 upgrade head
same "at ccc333" "$(versions)" "ccc333"
same "string with ; and -- survived" "$(sqlite3 app.db "SELECT what FROM audit")" "it's; tricky -- not a comment"
expect "upgrade head again is a no-op" 0 upgrade head
expect "current" 0 current
out_has "current shows head" "ccc333 (head)"
expect "heads" 0 heads
out_has "heads" "ccc333 (head)"
expect "history" 0 history
out_has "history first line" "bbb222 -> ccc333 (head), revision ccc333"
out_has "history base line" "<base> -> aaa111, revision aaa111"
expect "history -rSTART:END (value attached)" 0 history -rbbb222:ccc333
out_has "attached -r value is the range" "bbb222 -> ccc333 (head)"
expect "show by partial id" 0 show bbb
out_has "show prints Rev" "Rev: bbb222"
expect "downgrade -1" 0 downgrade -1
same "back to bbb222" "$(versions)" "bbb222"
same "audit dropped" "$(sqlite3 app.db "SELECT count(*) FROM sqlite_master WHERE name='audit'")" "0"
expect "downgrade to a partial id" 0 downgrade aaa
same "back to aaa111" "$(versions)" "aaa111"
expect "downgrade base" 0 downgrade base
same "version table empty" "$(versions)" ""
same "account dropped" "$(sqlite3 app.db "SELECT count(*) FROM sqlite_master WHERE name='account'")" "0"
expect "upgrade to a revision id" 0 upgrade bbb222
same "at bbb222" "$(versions)" "bbb222"
expect "upgrade rev+1" 0 upgrade aaa111+2
same "at ccc333 via rev+N" "$(versions)" "ccc333"
expect "stamp base" 0 stamp base
same "stamp base empties the table" "$(versions)" ""
expect "stamp head" 0 stamp head
same "stamp head" "$(versions)" "ccc333"
expect "stamp a revision" 0 stamp aaa111
same "stamp moved the row" "$(versions)" "aaa111"
expect "check with pending migrations exits 1" 1 check
err_has "check lists what is pending" "upgrade aaa111 -> bbb222"
expect "stamp heads" 0 stamp heads
expect "check at head exits 0" 0 check
expect "unknown revision exits 2" 2 upgrade zzz999
err_has "unknown revision message" "zzz999"
expect "-q is quiet" 0 -q downgrade -1
same "-q printed nothing" "$(cat "$T/err")" ""
printf '#!/bin/sh\necho "-- edited" >>"$1"\n' >"$T/editor.sh"
chmod +x "$T/editor.sh"
EDITOR="$T/editor.sh" VISUAL= expect "edit opens the script in \$EDITOR" 0 edit bbb
same "edit ran the editor on the right file" "$(tail -n 1 migrations/versions/bbb222.sql)" "-- edited"
EDITOR=false VISUAL= expect "a failing editor exits 2" 2 edit bbb
expect "--format json heads" 0 --format json heads
out_has "json heads" '"ccc333"'
tap_done
