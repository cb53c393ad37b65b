#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: -x key=value (Alembic's -x), read as ${x:key} and
# ${x:key:-default} in script sections and in retort.cfg (issue 13 item 1):
# substitution before a section runs and in --sql output, the last -x of a
# key wins, a key without value or default is an error naming the script
# and line (before anything is applied when migrations commit one by one),
# '-- retort:expand off', and the SQL that must stay as written ($$, ${VAR}).
# tests/e2e/offline_alembic.sh compares -x with Alembic's get_x_argument().
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

new_project
proj=$(pwd)
script a1 "" "CREATE TABLE t_\${x:tenant} (x INTEGER, label TEXT DEFAULT '\${x:label:-none}');" \
	"DROP TABLE t_\${x:tenant};"
script b2 a1 "CREATE TABLE kept (v TEXT);
INSERT INTO kept VALUES ('\$\$ \${HOME} \$1 \${x_not} {x:tenant}');" "DROP TABLE kept;"

# ---------------------------------------------------------------- scripts
expect "upgrade with a reference and no -x exits 2" 2 upgrade head
err_has "naming the script and line" "a1.sql:6: \${x:tenant} has no value"
err_has "saying what to pass" "pass -x tenant=VALUE, or write \${x:tenant:-default}"
same "nothing applied" "$(versions)" ""

expect "upgrade -x tenant=acme" 0 -x tenant=acme upgrade head
same "the table is t_acme" "$(sqlite3 app.db "SELECT name FROM sqlite_master WHERE name LIKE 't_%' ORDER BY 1")" "t_acme"
same "\${x:label:-none} took its default" \
	"$(sqlite3 app.db "INSERT INTO t_acme (x) VALUES (1); SELECT label FROM t_acme")" "none"
same "\$\$, \${VAR}, \$1 and text without \${x: stay as written" \
	"$(sqlite3 app.db "SELECT v FROM kept")" "\$\$ \${HOME} \$1 \${x_not} {x:tenant}"
expect "downgrade needs the value too" 2 downgrade base
expect "downgrade -x tenant=acme -x label=y" 0 downgrade base -x tenant=acme -x label=y
same "t_acme dropped" "$(sqlite3 app.db "SELECT count(*) FROM sqlite_master WHERE name = 't_acme'")" 0

expect "the last -x of a key wins" 0 -x tenant=first -x tenant=second -x label=L upgrade a1
same "t_second made" "$(sqlite3 app.db "SELECT name FROM sqlite_master WHERE name LIKE 't_%'")" "t_second"
same "and the given label is used" \
	"$(sqlite3 app.db "INSERT INTO t_second (x) VALUES (1); SELECT label FROM t_second")" "L"
expect "back to base" 0 -x tenant=second downgrade base

expect "-x KEY=VALUE attached (-xtenant=z)" 0 -xtenant=z upgrade a1 --sql
out_has "works" "CREATE TABLE t_z"
expect "-x after the command" 0 upgrade a1 --sql -x tenant=late
out_has "works too" "CREATE TABLE t_late"
expect "an empty value is a value" 0 upgrade a1 --sql -x tenant= -x label=
out_has "substituted as empty" "CREATE TABLE t_ (x INTEGER, label TEXT DEFAULT '')"

# ---------------------------------------------------------------- --sql
expect "upgrade --sql -x tenant=acme" 0 upgrade head --sql -x tenant=acme -x "label=it''s"
out_has "--sql shows the expanded text" "CREATE TABLE t_acme (x INTEGER, label TEXT DEFAULT 'it''s');"
err_lacks "nothing unexpanded" "\${x:"
if grep -qF '${x:' "$T/out"; then tap_fail "no \${x: left in the SQL"; else tap_ok "no \${x: left in the SQL"; fi
expect "downgrade --sql without the value exits 2" 2 downgrade a1:base --sql
err_has "naming the downgrade section's line" "a1.sql:9: \${x:tenant} has no value"

# ---------------------------------------------------------------- expand off
cat >migrations/versions/c3.sql <<'SQL'
-- Message: c3
-- Revision ID: c3
-- Revises: b2
-- retort:expand off

-- retort:upgrade
CREATE TABLE literal (v TEXT);
INSERT INTO literal VALUES ('${x:tenant} ${x:unset}');

-- retort:downgrade
DROP TABLE literal;
SQL
expect "upgrade past a '-- retort:expand off' script" 0 -x tenant=acme upgrade head
same "its \${x:...} is kept as written" "$(sqlite3 app.db "SELECT v FROM literal")" \
	"\${x:tenant} \${x:unset}"
expect "back to base" 0 -x tenant=acme downgrade base
sed -i 's/^-- retort:expand off/-- retort:expand sideways/' migrations/versions/c3.sql
expect "'-- retort:expand' takes on or off" 2 heads
err_has "naming the line" "c3.sql:4: '-- retort:expand' takes 'on' or 'off'"
rm migrations/versions/c3.sql

# ---------------------------------------------------------------- per migration
# Migrations committed one by one: a missing value in a later script stops
# the run before the first one is applied.
sed -i 's/^transaction_per_migration = .*/transaction_per_migration = true;/' retort.cfg
cat >migrations/versions/d4.sql <<'SQL'
-- Message: d4
-- Revision ID: d4
-- Revises: b2

-- retort:upgrade
CREATE TABLE d4 (v TEXT);
-- a comment first
INSERT INTO d4 VALUES ('${x:needed}');

-- retort:downgrade
DROP TABLE d4;
SQL
expect "a missing value in the last script, per migration" 2 -x tenant=acme upgrade head
err_has "names it" "d4.sql:8: \${x:needed} has no value"
same "nothing was applied" "$(versions)" ""
expect "with it, all run" 0 -x tenant=acme -x needed=yes upgrade head
same "at d4" "$(versions)" "d4"
rm migrations/versions/d4.sql
sqlite3 app.db "DROP TABLE d4; DROP TABLE kept; DROP TABLE t_acme; DELETE FROM alembic_version"
sed -i 's/^transaction_per_migration = .*/transaction_per_migration = false;/' retort.cfg

# ---------------------------------------------------------------- bad -x
expect "-x without '=' exits 2" 2 -x tenant upgrade head
err_has "saying the form" "-x takes KEY=VALUE"
expect "-x with a bad key exits 2" 2 -x "te nant=1" upgrade head
err_has "saying what a key is" "the key must be 1 to 64 letters"
expect "-x with no value at the end exits 2" 2 upgrade head -x

# ---------------------------------------------------------------- retort.cfg
sed -i 's|^url = .*|url = "sqlite:///${x:db:-app}.db";|' retort.cfg
expect "\${x:db:-app} in retort.cfg takes its default" 0 -x tenant=t1 upgrade a1
tap_check "app.db used" test -n "$(sqlite3 app.db "SELECT * FROM alembic_version")"
expect "-x db=other picks another database" 0 -x db=other -x tenant=t1 upgrade a1
tap_check "other.db made" test -f other.db
sed -i 's|^url = .*|url = "sqlite:///${x:db}.db";|' retort.cfg
expect "\${x:db} in retort.cfg without -x exits 2" 2 current
err_has "naming retort.cfg's line" "retort.cfg:"
err_has "and the key" "\${x:db} has no value: pass -x db=VALUE"
sed -i 's|^url = .*|url = "sqlite:///${x:b@d}.db";|' retort.cfg
expect "a bad reference in retort.cfg exits 2" 2 current
err_has "says so" "bad reference"
cd "$T"
tap_done
