#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: several databases in one retort.cfg (issue 13 item 4), as
# Alembic's multidb template and its -n/--name: `databases = { main = {...};
# analytics = {...}; };`, each with its own script directory and database,
# chosen with -n NAME (default main, or the only one); top-level settings
# shared; a wrong name is a usage error with the names and a suggestion;
# `log -n N` keeps its meaning.  TAP.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

mkdir proj && cd proj || exit 99
expect "init --template multidb" 0 init migrations --template multidb
same "a script directory per database" \
	"$(cd migrations && find . -type d | sort | tr '\n' ' ')" \
	". ./analytics ./analytics/versions ./main ./main/versions "
grep -q '^databases = {' retort.cfg
same "retort.cfg has a databases group" "$?" 0

# scripts: main gets a1 -> a2, analytics gets b1
expect "revision in main (the default)" 0 revision -m "users" --rev-id a1
expect "revision in main with -n main" 0 -n main revision -m "orders" --rev-id a2
expect "revision in analytics with --name" 0 --name analytics revision -m "events" --rev-id b1
same "main's scripts in migrations/main" "$(ls migrations/main/versions | sort | tr '\n' ' ')" \
	"a1_users.sql a2_orders.sql "
same "analytics' scripts in migrations/analytics" "$(ls migrations/analytics/versions)" \
	"b1_events.sql"
sed -i 's/^-- retort:upgrade$/-- retort:upgrade\nCREATE TABLE t_a1 (x INTEGER);/' \
	migrations/main/versions/a1_users.sql
sed -i 's/^-- retort:upgrade$/-- retort:upgrade\nCREATE TABLE t_b1 (x INTEGER);/' \
	migrations/analytics/versions/b1_events.sql

expect "heads of main" 0 heads
out_has "main's head" "a2 (head)"
expect "heads of analytics (-nanalytics)" 0 -nanalytics heads
out_has "analytics' head" "b1 (head)"

expect "upgrade head (main)" 0 upgrade head
expect "upgrade head -n analytics (after the command)" 0 upgrade head -n analytics
same "main.db is at a2" "$(sqlite3 main.db 'SELECT version_num FROM alembic_version')" "a2"
same "analytics.db is at b1" "$(sqlite3 analytics.db 'SELECT version_num FROM alembic_version')" "b1"
same "main's table in main.db only" "$(sqlite3 main.db .tables | tr -s ' \n' '  ')" \
	"alembic_version retort_audit retort_history t_a1 "
same "analytics' table in analytics.db only" \
	"$(sqlite3 analytics.db .tables | tr -s ' \n' '  ')" \
	"alembic_version retort_audit retort_history t_b1 "
expect "current -n analytics" 0 -n analytics current
out_has "says b1" "b1"
expect "downgrade base -n analytics" 0 -n analytics downgrade base
same "analytics.db emptied" "$(sqlite3 analytics.db 'SELECT count(*) FROM alembic_version')" "0"
same "main.db untouched" "$(sqlite3 main.db 'SELECT version_num FROM alembic_version')" "a2"

# log -n N is still log's --max-count; -n before the command is the name
expect "log -n 1 (main)" 0 log -n 1
same "one entry" "$(grep -c ' UTC ' "$T/out")" "1"
expect "-n analytics log -n 1" 0 -n analytics log -n 1
out_has "analytics' last command" "downgrade"

# errors
expect "an unknown name: exit 2" 2 -n analytic current
err_has "names the file's databases" "has no database 'analytic'; did you mean 'analytics'? (it has main, analytics)"
expect "an empty name: exit 2" 2 --name= current

# a top-level setting applies to every database that does not set it
cat >retort.cfg <<'CFG'
version_table = "shared_version";
databases = {
    one = { url = "sqlite:///one.db"; script_location = "migrations/main"; };
    two = { url = "sqlite:///two.db"; script_location = "migrations/analytics";
            version_table = "own_version"; unknown_key = 1; plugins = {}; };
};
CFG
expect "two databases, none called main, no -n: exit 2" 2 current
err_has "asks for -n" "defines the databases one, two and none is called main: choose one with -n NAME"
expect "-n one upgrade head" 0 -n one upgrade head
same "one.db uses the top-level version_table" \
	"$(sqlite3 one.db 'SELECT version_num FROM shared_version')" "a2"
expect "-n two upgrade head" 0 -n two upgrade head
err_has "an unknown key in a database's group is named" "unknown setting 'unknown_key' ignored"
err_has "plugins inside a database is refused with a warning" "'plugins' is read at the top level of the file only, not in databases.two"
same "two.db uses its own" "$(sqlite3 two.db 'SELECT version_num FROM own_version')" "b1"

# one database: it is the default whatever its name
cat >retort.cfg <<'CFG'
databases = { solo = { url = "sqlite:///solo.db"; script_location = "migrations/main"; }; };
CFG
expect "the only database needs no -n" 0 upgrade head
same "solo.db at a2" "$(sqlite3 solo.db 'SELECT version_num FROM alembic_version')" "a2"

# no databases group: -n is a usage error that says what to write
cat >retort.cfg <<'CFG'
url = "sqlite:///plain.db";
script_location = "migrations/main";
CFG
expect "-n without a databases group: exit 2" 2 -n main current
err_has "says what to write" "has no \`databases\` group to choose from"
expect "without -n it works as before" 0 upgrade head

# a databases value that is not a group of groups
printf 'databases = { main = "x"; };\n' >retort.cfg
expect "a database that is not a group: exit 2" 2 current
err_has "names the line and the form" "retort.cfg:1: databases.main must be a group of settings"

tap_done
