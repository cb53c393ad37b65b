#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/unit/graph/differential.sh - differential test of the revision graph,
# specifiers, plans, row operations and command output against Alembic
# itself (see differential.py).  A fixed list of seeds plus, in CI, fresh
# ones ($RETORT_GRAPH_SEEDS overrides: "1 2 3" or "--count 500").  TAP.
: "${top_builddir:?}" "${top_srcdir:?}"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
if ! "$py" -c 'import alembic.script.revision' 2>/dev/null; then
	echo "1..0 # SKIP Alembic not installed (python3-alembic)"
	exit 0
fi
seeds=${RETORT_GRAPH_SEEDS:-"$(seq 1 60) 1058701510 1058701694 1058701723 1058701791 --count 15"}
# shellcheck disable=SC2086
exec "$py" "$top_srcdir/tests/unit/graph/differential.py" \
	"$top_builddir/tests/unit/graph/graph_driver" $seeds
