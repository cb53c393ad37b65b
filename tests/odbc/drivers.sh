#!/bin/sh
# tests/odbc/drivers.sh - run unit/odbc/test_drivers through the ODBC
# drivers Debian ships, configured by tests/odbc/odbcini.sh in a throwaway
# odbcinst.ini/odbc.ini.  A backend left out there is skipped by the
# program, or fails when CI=true.
: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"
. "$top_srcdir/tests/odbc/odbcini.sh"
trap 'rm -rf "$RETORT_ODBC_TEST_DIR"' EXIT

"$top_builddir/tests/unit/odbc/test_drivers"
