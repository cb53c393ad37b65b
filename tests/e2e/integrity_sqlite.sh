#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: integrity and audit on SQLite (tests/e2e/integrity.inc).
IURL="sqlite:///app.db"
INAME=sqlite
. "$top_srcdir/tests/e2e/integrity.inc"
tap_done
