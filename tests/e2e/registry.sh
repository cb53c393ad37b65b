#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: the plugin registry as users and packagers meet it.  TAP.
#  - a mistyped scheme gets "did you mean sqlite?", never a made-up package;
#  - $RETORT_REGISTRY_PATH adds a directory of drop-ins without hiding the
#    system registry, and overrides a system drop-in of the same file name
#    (a symlink to /dev/null masks it);
#  - a directory of $RETORT_PLUGIN_PATH registers its modules through its
#    plugins.d/, with no other setting;
#  - `retort plugins` shows the layers and what was overridden.
# The fake plugin comes from tests/plugins/ (an in-memory dialect).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

fake=$top_builddir/tests/plugins/.libs/fake_good.so
mkdir "$T/mods"
cp "$fake" "$T/mods/fake_good.so" && chmod 755 "$T/mods/fake_good.so"

new_project

# --- did you mean
expect "a mistyped scheme exits 2" 2 --url 'sqlit:///app.db' current
err_has "it suggests the registered scheme" "no dialect plugin registered for scheme 'sqlit' (did you mean sqlite?)"
err_lacks "it makes up no package name" "retort-plugin-sqlit"
expect "a mistyped scheme with a driver exits 2" 2 --url 'postgress+psycopg2://h/d' current
err_has "the driver part is ignored" "(did you mean postgres"
expect "an unknown scheme exits 2" 2 --url 'nosuchdb://h/d' current
err_has "it says how to register one" "register its module with a drop-in in $RETORT_SYSCONFDIR/plugins.d/"
err_lacks "it makes up no package name for it" "retort-plugin-nosuchdb"

# --- an added registry directory
mkdir "$T/reg"
printf 'plugin = { name = "fakegood"; schemes = [ "fakegood" ]; module = "%s"; };\n' \
	"$T/mods/fake_good.so" >"$T/reg/60-fakegood.cfg"
RETORT_REGISTRY_PATH=$T/reg
export RETORT_REGISTRY_PATH
expect "a plugin registered in \$RETORT_REGISTRY_PATH runs" 0 --url 'fakegood://' current
expect "the system registry is still read" 0 current
rt plugins
out_has "retort plugins names the added directory" "$T/reg/  (\$RETORT_REGISTRY_PATH)"
out_has "retort plugins names the system directory" "$RETORT_SYSCONFDIR/plugins.d/  (\$RETORT_SYSCONFDIR)"
out_has "retort plugins lists the added plugin" "$T/reg/60-fakegood.cfg:1"

# A drop-in of the same file name overrides the system one; /dev/null masks.
ln -s /dev/null "$T/reg/50-sqlite.cfg"
expect "a masked plugin is not loaded" 2 current
err_has "the package hint comes from the registry" "no dialect plugin registered for scheme 'sqlite': its plugin is not installed; install retort-plugin-sqlite"
rt plugins
out_has "retort plugins shows what was overridden" "$RETORT_SYSCONFDIR/plugins.d/50-sqlite.cfg (overridden by $T/reg/50-sqlite.cfg)"
rm "$T/reg/50-sqlite.cfg"
expect "unmasked, it runs again" 0 current
unset RETORT_REGISTRY_PATH

# --- a module directory registers its own modules
mkdir "$T/mods/plugins.d"
printf 'plugin = { name = "fakegood"; schemes = [ "fakemem" ]; module = "fake_good"; };\n' \
	>"$T/mods/plugins.d/60-fakegood.cfg"
expect "without it in the path the scheme is unknown" 2 --url 'fakemem://' current
saved=$RETORT_PLUGIN_PATH
RETORT_PLUGIN_PATH=$T/mods:$saved
expect "\$RETORT_PLUGIN_PATH alone registers a plugin" 0 --url 'fakemem://' current
RETORT_PLUGIN_PATH=$saved
expect "so does --plugin-path" 0 --plugin-path "$T/mods" --url 'fakemem://' current

# --- RETORT_SYSCONFDIR keeps its meaning: the whole system registry
mkdir -p "$T/sys/plugins.d"
saved=$RETORT_SYSCONFDIR
RETORT_SYSCONFDIR=$T/sys
expect "an empty \$RETORT_SYSCONFDIR registers nothing" 2 current
err_has "and says so" "schemes registered: none"
RETORT_SYSCONFDIR=$saved
tap_done
