# SPDX-License-Identifier: MIT
# Sourced by every test (AM_TESTS_ENVIRONMENT): point retort at the plugins
# and templates of the build tree, never at an installed copy.
: "${top_builddir:?}" "${top_srcdir:?}"
RETORT="$top_builddir/cli/retort"
RETORT_SYSCONFDIR="$top_builddir/tests/sysconf"
RETORT_PLUGIN_PATH="$top_builddir/plugins/sqlite/.libs:$top_builddir/plugins/postgresql/.libs:$top_builddir/plugins/mysql/.libs:$top_builddir/plugins/odbc/.libs"
RETORT_TEMPLATE_DIR="$top_srcdir/templates"
unset RETORT_CONFIG RETORT_URL
export RETORT RETORT_SYSCONFDIR RETORT_PLUGIN_PATH RETORT_TEMPLATE_DIR
CMOCKA_MESSAGE_OUTPUT=TAP
export CMOCKA_MESSAGE_OUTPUT
# The servers started by tests/servers.sh, if any.
if [ -n "${RETORT_TEST_ENV:-}" ] && [ -f "$RETORT_TEST_ENV" ]; then
	. "$RETORT_TEST_ENV"
fi
