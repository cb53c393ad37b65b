# SPDX-License-Identifier: MIT
# tests/tree/readme_plugin.awk - print the example plugin of README.md: the
# C block after the "<!-- example-plugin" marker.  Used by
# tests/tree/readme_plugin.sh and tests/sdk/conformance.sh.
/^<!-- example-plugin/ { on = 1; next }
on && /^```c$/ { code = 1; next }
code && /^```$/ { exit }
code { print }
