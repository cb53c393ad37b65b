#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: configuration lookup, ${VAR} expansion, URL overrides and
# password masking.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

new_project
script aaa "" "CREATE TABLE t (x INTEGER);" "DROP TABLE t;"
proj=$(pwd)
sed -i 's|^url = .*|url = "sqlite:///${DBNAME:-fallback}.db";|' retort.cfg
expect "\${VAR:-default} uses the default" 0 upgrade head
tap_check "fallback.db created" test -f fallback.db
DBNAME=fromenv expect "\${VAR} from the environment" 0 upgrade head
tap_check "fromenv.db created" test -f fromenv.db
expect "--url overrides the config" 0 --url "sqlite:///cli.db" upgrade head
tap_check "cli.db created" test -f cli.db
RETORT_URL="sqlite:///envurl.db" expect "\$RETORT_URL overrides the config" 0 upgrade head
tap_check "envurl.db created" test -f envurl.db
cd "$T"
expect "-c finds the config from elsewhere" 0 -c "$proj/retort.cfg" current
RETORT_CONFIG="$proj/retort.cfg" expect "\$RETORT_CONFIG finds the config" 0 current
cd "$proj"
sed -i 's|^url = .*|url = "${NO_SUCH_VARIABLE_X}";|' retort.cfg
expect "unset \${VAR} without default exits 2" 2 current
err_has "names the variable" "NO_SUCH_VARIABLE_X"
sed -i 's|^url = .*|url = "postgresql://app:s3cr3t-pw@127.0.0.1:1/nodb";|' retort.cfg
chmod 644 retort.cfg
expect "unreachable server exits 1" 1 --lock-timeout 1 current
err_lacks "password never printed on connect failure" "s3cr3t-pw"
err_has "world-readable password draws a warning" "password"
tap_done
