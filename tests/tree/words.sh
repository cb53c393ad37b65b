#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tree/words.sh - core/words.c, the reserved words every plugin quotes
# by (host->quote_ident()), is what core/gen-words.py makes from the
# installed SQLAlchemy (Debian: python3-sqlalchemy): regenerate it with
#   /usr/bin/python3 core/gen-words.py > core/words.c
# when this fails after an SQLAlchemy upgrade.  TAP.
. "$top_srcdir/tests/tap.sh"
PY=${RETORT_TEST_PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import sqlalchemy' 2>/dev/null; then
	if [ "${CI:-}" = true ]; then tap_fail "SQLAlchemy is installed ($PY; apt-get install python3-sqlalchemy)"
	else tap_skip "SQLAlchemy is not installed (apt-get install python3-sqlalchemy)"; fi
	tap_done
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/retort-words.XXXXXX")
trap 'rm -rf "$T"' EXIT
if "$PY" "$top_srcdir/core/gen-words.py" >"$T/words.c" 2>"$T/err" &&
   cmp -s "$T/words.c" "$top_srcdir/core/words.c"; then
	tap_ok "core/words.c is SQLAlchemy $("$PY" -c 'import sqlalchemy; print(sqlalchemy.__version__)')'s reserved words"
else
	tap_fail "core/words.c is SQLAlchemy's reserved words (regenerate with core/gen-words.py)"
	tap_diag "$(cat "$T/err")" "$(diff "$top_srcdir/core/words.c" "$T/words.c" 2>&1 | head -20)"
fi
# Control: a word taken out of the table is noticed.
sed '0,/"select", /s///' "$top_srcdir/core/words.c" >"$T/edited.c"
if cmp -s "$T/words.c" "$T/edited.c"; then
	tap_fail "control: an edited table differs from the generated one"
else
	tap_ok "control: an edited table differs from the generated one"
fi
tap_done
