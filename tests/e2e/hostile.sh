#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end regression tests of the hostile-input defects of issue 12
# (item 7), on SQLite: terminal control bytes from the database and from
# scripts are escaped, echoed input is capped, a script starting with a
# UTF-8 BOM is accepted, a version row naming an unknown revision is exit 1
# for every command, a mistyped ?password:X is not echoed.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

ESC=$(printf '\033')
# no_raw_esc DESC: neither stdout nor stderr of the last run holds ESC.
no_raw_esc() {
	if grep -q "$ESC" "$T/out" "$T/err"; then
		tap_fail "$1"; tap_diag "$(cat -v "$T/out" "$T/err")"
	else
		tap_ok "$1"
	fi
}
# size_below DESC BYTES: stdout + stderr of the last run are smaller.
size_below() {
	_n=$(cat "$T/out" "$T/err" | wc -c)
	if [ "$_n" -lt "$2" ]; then tap_ok "$1 ($_n bytes)"; else tap_fail "$1 ($_n bytes)"; fi
}

new_project
script a1 "" "CREATE TABLE t1 (id INTEGER);" "DROP TABLE t1;"

# --- control bytes from the database
expect "upgrade" 0 upgrade head
sqlite3 app.db "UPDATE alembic_version SET version_num = char(27) || '[31mzz'"
expect "current on a version row naming an unknown revision exits 1" 1 current
no_raw_esc "the row's ESC is not printed raw"
err_has "it is shown escaped" '\x1b[31mzz'
expect "show current exits 1 as well" 1 show current
expect "current --format json exits 1 as well" 1 --format json current
for c in "upgrade head" "downgrade base" "stamp head" check; do
	# shellcheck disable=SC2086
	expect "$c exits 1 on it" 1 $c
	no_raw_esc "$c does not print the ESC raw"
done
sqlite3 app.db "UPDATE alembic_version SET version_num = 'a1'"

# --- control bytes from a script's header
script a2 a1 "CREATE TABLE t2 (id INTEGER);" "DROP TABLE t2;"
sed -i "s/^-- Message: .*/-- Message: evil ${ESC}]0;pwned${ESC}\\\\ title ${ESC}[2J/" migrations/versions/a2.sql
grep -q "$ESC" migrations/versions/a2.sql || echo "Bail out! the fixture has no ESC"
expect "history with a control sequence in a Message" 0 history
no_raw_esc "history escapes it"
out_has "and shows it escaped" 'evil \x1b]0;pwned'
expect "upgrade prints the Message in its progress line" 0 upgrade head
no_raw_esc "the progress line escapes it"
err_has "and shows it" 'evil \x1b]0;pwned'
expect "history --format json" 0 --format json history
no_raw_esc "JSON escapes it as \\u001b"
out_has "JSON has it as \\u001b" '\u001b]0;pwned'
expect "an unknown command is quoted escaped" 2 "x${ESC}[31m"
no_raw_esc "the usage error escapes it"

# --- echoed input is capped
BIG=$(head -c 100000 /dev/zero | tr '\0' a)
expect "a 100 KB revision argument is a usage error" 2 upgrade "$BIG"
size_below "its message is short" 2000
err_has "it says it cut the argument" "aaaa…"
expect "history -r with a 100 KB range" 2 history -r "$BIG"
size_below "its message is short" 2000
expect "an unknown 100 KB command" 2 "$BIG"
size_below "its message is short" 2000
expect "an unknown 100 KB option" 2 current "--$BIG"
size_below "its message is short" 2000
{
	printf 'script_location = "'
	head -c 2000000 /dev/zero | tr '\0' b
	printf '";\nurl = "sqlite:///app.db";\n'
} >big.cfg
expect "a 2 MB script_location" 2 -c big.cfg heads
size_below "is not echoed whole" 2000
err_has "it names the setting's value, cut" "bbbb…"

# --- a script starting with a UTF-8 byte order mark (Windows editors)
printf '\357\273\277' >bom.sql
cat migrations/versions/a2.sql >>bom.sql
sed -i 's/^-- Revision ID: a2/-- Revision ID: a3/; s/^-- Revises: a1/-- Revises: a2/; s/t2/t3/g' bom.sql
mv bom.sql migrations/versions/a3.sql
expect "a script with a BOM is accepted" 0 upgrade head
same "and applied" "$(versions)" "a3"
expect "and reverted" 0 downgrade a2
same "down to a2" "$(versions)" "a2"

# --- a mistyped password parameter is not echoed
expect "?password:X (no '=') is a usage error" 2 --url "postgresql://u@h/d?password:Secr3t-4711" current
err_lacks "which does not show X" "Secr3t-4711"

# --- identifiers too long for the database, refused before anything is made
# (PostgreSQL cut a 60-byte version table and its _pkc constraint to the same
# 63 bytes: "relation ... already exists").  No server is needed: the plugin
# refuses the name when it makes its handle, before connecting.
L60=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
L59=${L60#a}
grep -v "^version_table = " retort.cfg >long.cfg
echo "version_table = \"$L60\";" >>long.cfg
if [ -e "$top_builddir/plugins/postgresql/.libs/retort_postgresql.so" ]; then
	expect "postgresql: a 60-byte version_table is a usage error" 2 -c long.cfg \
		--url "postgresql://u@127.0.0.1:1/d" current
	err_has "postgresql: which says the limit" "version_table is 60 bytes long, but PostgreSQL keeps 63 bytes of a name"
	sed -i "s/$L60/$L59/" long.cfg
	expect "postgresql: 59 bytes is fine (it gets as far as connecting)" 1 -c long.cfg \
		--url "postgresql://u@127.0.0.1:1/d" current
	err_has "postgresql: the error is the connection's" "cannot connect"
	sed -i "s/$L59/$L60/" long.cfg
else
	tap_skip "the postgresql plugin is not built"
fi
if [ -e "$top_builddir/plugins/mysql/.libs/retort_mysql.so" ]; then
	sed -i "s/$L60/$L60$L60/" long.cfg
	expect "mysql: a 120-character version_table is a usage error" 2 -c long.cfg \
		--url "mysql://u@127.0.0.1:1/d" current
	err_has "mysql: which says the limit" "version_table is 120 characters long, but MySQL names are at most 64"
else
	tap_skip "the mysql plugin is not built"
fi
tap_done
