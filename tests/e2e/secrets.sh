#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: secrets kept out of retort.cfg, against the PostgreSQL server
# of tests/servers.sh: ${file:PATH} secret files, password_command (run
# without a shell), the literal-password warning for ?password=, pwd= and
# @include'd files, and that no password shows in any failure.
. "$top_srcdir/tests/tap.sh"
if [ -z "${RETORT_TEST_PG_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_PG_URL is not set: the PostgreSQL test server did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_PG_URL not set (run tests/servers.sh start)"; exit 0
fi
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/servers.inc"

pg_database secrets
PW=$(url_password "$PG_URL")
NOPW=$(echo "$PG_URL" | sed 's|://\([^:@/]*\):[^@]*@|://\1@|')
new_project "$NOPW"
chmod 644 retort.cfg
script s1 "" "CREATE TABLE s1 (id int);" "DROP TABLE s1;"

# ${file:PATH}: a Docker/Kubernetes secret file, relative to retort.cfg.
mkdir -p secrets
printf '%s\n' "$PW" >secrets/db_password
chmod 644 secrets/db_password
sed -i "s|^url = .*|url = \"$(echo "$NOPW" | sed 's|@|:${file:secrets/db_password}@|')\";|" retort.cfg
cd "$T" || exit 99
expect "\${file:PATH} supplies the password (run from another directory)" 0 -c "$_p/retort.cfg" upgrade head
err_lacks "a secret file draws no literal-password warning" "literal password"
cd "$_p" || exit 99
rm secrets/db_password
expect "a missing secret file is a configuration error" 2 current
err_has "it names the file" "secrets/db_password"

# password_command: no shell, its output is the password.
sed -i "s|^url = .*|url = \"$NOPW\";|" retort.cfg
printf '#!/bin/sh\necho "%s"\n' "$PW" >get-password
chmod 755 get-password
echo 'password_command = "./get-password";' >>retort.cfg
expect "password_command supplies the password" 0 current
out_has "and current reads the version table" "s1"
expect "an offline run does not run it" 0 --url "$NOPW" upgrade head --sql
printf '#!/bin/sh\necho "Wrong-Pw-4711"\n' >get-password
expect "a wrong password from the command fails to connect" 1 current
err_has "the server's reason reaches the user" "password authentication failed"
err_lacks "the wrong password is not shown" "Wrong-Pw-4711"
printf '#!/bin/sh\necho "Wrong-Pw-4711"\nexit 4\n' >get-password
expect "a failing command is a configuration error" 2 current
err_has "it names the setting and the status" "password_command: ./get-password exited with status 4"
err_lacks "its output is not shown" "Wrong-Pw-4711"
sed -i 's|^password_command = .*|password_command = "./get-password ; touch pwned";|' retort.cfg
printf '#!/bin/sh\n[ "$*" = "; touch pwned" ] || exit 9\necho "%s"\n' "$PW" >get-password
expect "no shell: ';' is an argument, not a second command" 0 current
tap_check "nothing ran 'touch'" test ! -e pwned
sed -i 's|^password_command = .*|password_command = [ "./get-password", ";", "touch pwned" ];|' retort.cfg
printf '#!/bin/sh\n[ "$2" = "touch pwned" ] || exit 9\necho "%s"\n' "$PW" >get-password
expect "a list gives the words as they are" 0 current
expect "a password in --url wins over the command" 0 --url "$PG_URL" current
sed -i '/^password_command/d' retort.cfg

# The literal-password warning: URL userinfo, ?password=, and a file pulled
# in with @include, judged by its own mode.
expect "a password in ?password= connects" 0 --url "$NOPW?password=$PW" current
sed -i "s|^url = .*|url = \"$NOPW?password=$PW\";|" retort.cfg
chmod 604 retort.cfg
expect "a literal ?password= in a readable file" 0 current
err_has "draws the warning" "url holds a literal password and retort.cfg is readable by everyone"
err_lacks "which never shows it" "$PW"
sed -i '/^url = /d' retort.cfg
echo "url = \"$PG_URL\";" >db.cfg
chmod 644 db.cfg
echo '@include "db.cfg"' >>retort.cfg
chmod 600 retort.cfg
expect "a url from an @include'd file" 0 current
err_has "warns about the included file, though retort.cfg is private" "db.cfg is readable by everyone: run chmod 600"
chmod 600 db.cfg
expect "a private included file" 0 current
err_lacks "draws no warning" "literal password"

# A mistyped parameter is not echoed.
expect "?password:X (no '=') is a usage error" 2 --url "$NOPW?password:Secr3t-4711" current
err_lacks "which does not show X" "Secr3t-4711"
err_has "but shows where it is" "?password:***"
tap_done
