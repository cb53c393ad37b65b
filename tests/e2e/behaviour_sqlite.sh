#!/bin/sh
# SPDX-License-Identifier: MIT
# The behaviour suite on SQLite (a file in the test's project directory).
BURL="sqlite:///app.db"
BNAME=sqlite
. "$top_srcdir/tests/e2e/behaviour.inc"
