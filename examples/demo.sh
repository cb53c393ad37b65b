#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/demo.sh - a tour of retort on an embedded SQLite database:
# init, two revisions, upgrade head, history, current, downgrade.
# Runs in a fresh temporary directory; RETORT may name the binary.
set -eu
RETORT=${RETORT:-retort}
demo=$(mktemp -d "${TMPDIR:-/tmp}/retort-demo.XXXXXX")
cd "$demo"
echo "== project in $demo"

run() { echo "\$ retort $*"; "$RETORT" "$@"; }

run init migrations
# The default url is ${DATABASE_URL:-sqlite:///app.db}: a SQLite file here.

# fill_in FILE UP DOWN: put SQL under the script's upgrade/downgrade markers.
fill_in() {
	awk -v up="$2" -v down="$3" '
		/^-- retort:upgrade/ { print; print up; next }
		/^-- retort:downgrade/ { print; print down; next }
		{ print }' "$1" >"$1.new" && mv "$1.new" "$1"
}

f1=$(run revision -m "create account table" | tail -n 1)
fill_in "$f1" "CREATE TABLE account (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);" \
	"DROP TABLE account;"
f2=$(run revision -m "add email to account" | tail -n 1)
fill_in "$f2" "ALTER TABLE account ADD COLUMN email VARCHAR(200);" \
	"ALTER TABLE account DROP COLUMN email;"
echo "wrote $f1"
echo "wrote $f2"

run upgrade head
run history --verbose
run current
run downgrade -1
run current
run upgrade head --sql
echo "== done: the project is in $demo"
