#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/unit/core/url_vs_sqlalchemy.sh - differential test of retort's URL
# parser against SQLAlchemy's make_url() (see url_vs_sqlalchemy.py).  TAP.
: "${top_builddir:?}" "${top_srcdir:?}"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
if ! "$py" -c 'import sqlalchemy' 2>/dev/null; then
	echo "1..0 # SKIP SQLAlchemy not installed (python3-sqlalchemy, pulled in by python3-alembic)"
	exit 0
fi
exec "$py" "$top_srcdir/tests/unit/core/url_vs_sqlalchemy.py" \
	"$top_builddir/tests/unit/core/url_dump" 3000
