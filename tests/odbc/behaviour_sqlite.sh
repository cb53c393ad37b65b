#!/bin/sh
# SPDX-License-Identifier: MIT
# The behaviour suite (tests/e2e/behaviour.inc) through the SQLite ODBC
# driver: retort speaks odbc://, the checks use sqlite3 on the same file.
: "${top_srcdir:?run through make check}"
. "$top_srcdir/tests/odbc/odbcini.sh"
CLEANUP="rm -rf '$RETORT_ODBC_TEST_DIR'"
if [ -z "${RETORT_ODBC_SQLITE_DRIVER:-}" ]; then
	eval "$CLEANUP"
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - $RETORT_ODBC_SQLITE_WHY"; exit 1; fi
	echo "1..0 # SKIP $RETORT_ODBC_SQLITE_WHY"; exit 0
fi
# A DSN on app.db relative to the working directory: the project's, where
# the suite runs retort and sqlite3 alike.
printf '[retort_beh]\nDriver=%s\nDatabase=app.db\n\n' "$RETORT_ODBC_SQLITE_DRIVER" >>"$ODBCINI"
BURL="sqlite:///app.db"
# The config file names the URL through ${...}, which keeps its '&' away
# from the suite's sed.
RETORT_ODBC_BEH_URL="odbc://?dsn=retort_beh&flavour=sqlite"
export RETORT_ODBC_BEH_URL
BRETORT_URL='${RETORT_ODBC_BEH_URL}'
odbc_only_registry || { echo "Bail out! cannot write the registry"; exit 1; }
BNAME=odbc-sqlite
. "$top_srcdir/tests/e2e/behaviour.inc"
