#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/e2e/json.sh - `--format json`: every command `retort --help` lists
# either prints exactly one document, parsed with a real parser (Python's
# json, strict) and validated against the schema shipped in
# doc/retort-json.schema.json (python3-jsonschema), or refuses the flag
# with exit status 2; never text in its place.  Whatever bytes the scripts
# hold, the output stays valid JSON.  TAP.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

PY=${RETORT_TEST_PYTHON:-/usr/bin/python3}
SCHEMA=$top_srcdir/doc/retort-json.schema.json
if ! "$PY" -c 'import jsonschema' 2>/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "Bail out! $PY cannot import jsonschema (tests/ci.sh installs python3-jsonschema)"
		exit 1
	fi
	echo "1..0 # SKIP $PY cannot import jsonschema (python3-jsonschema)"
	exit 0
fi

covered=" "
# json_ok DESC COMMAND STATUS ARGS...: run retort --format json ARGS, want
# STATUS and one document of COMMAND on stdout, valid against the schema.
json_ok() {
	_d=$1 _c=$2 _s=$3
	shift 3
	covered="$covered$_c "
	expect "$_d: exit $_s" "$_s" --format json "$@"
	if _why=$("$PY" "$top_srcdir/tests/json/check.py" "$_c" "$T/out" "$SCHEMA" 2>&1); then
		tap_ok "$_d: one document, valid against the schema"
	else
		tap_fail "$_d: one document, valid against the schema"
		tap_diag "$_why" "$(head -c 2000 "$T/out")"
	fi
}

# json_refused DESC COMMAND ARGS...: exit 2, nothing on stdout, and why.
json_refused() {
	_d=$1 _c=$2
	shift 2
	covered="$covered$_c "
	expect "$_d: refused with exit 2" 2 --format json "$@"
	same "$_d: nothing on stdout" "$(cat "$T/out")" ""
	err_has "$_d: says --format json does not apply" "--format json does not apply"
}

# field EXPR: a Python expression over the last document, d.
field() {
	"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$T/out" "$1"
}

# --- the schema itself is a valid JSON Schema 2020-12 document
if "$PY" -c 'import json, sys, jsonschema
jsonschema.Draft202012Validator.check_schema(json.load(open(sys.argv[1])))' "$SCHEMA"; then
	tap_ok "doc/retort-json.schema.json is a valid JSON Schema"
else
	tap_fail "doc/retort-json.schema.json is a valid JSON Schema"
fi

# --- commands without a project
mkdir "$T/p" && cd "$T/p" || exit 99
json_ok "init" init 0 init migrations
same "init names the files it made" "$(field 'd["files"]')" \
	"['migrations/README', 'migrations/script.sql.tmpl']"
sed -i 's|^url = .*|url = "sqlite:///app.db";|' retort.cfg
json_ok "list-templates" list-templates 0 list-templates
same "list-templates names generic and multidb" "$(field '[t["name"] for t in d["templates"]]')" "['generic', 'multidb']"
json_ok "plugins" plugins 0 plugins
same "plugins lists sqlite" "$(field '"sqlite" in [p["name"] for p in d["plugins"]]')" True
same "plugins without --check: check is null" "$(field 'd["check"]')" None
json_ok "plugins --check" plugins 0 plugins --check
same "plugins --check: sqlite loads" \
	"$(field '[(c["status"], c["file"] is not None) for c in d["check"] if c["name"] == "sqlite"]')" \
	"[('ok', True)]"

# --- revision and merge
json_ok "revision" revision 0 revision -m "first" --rev-id a1
same "revision: id, path, parents" "$(field '(d["revision"], d["path"].endswith("a1_first.sql"), d["down_revisions"])')" \
	"('a1', True, [])"
json_ok "revision on a new branch" revision 0 revision -m "other" --rev-id b2 --head base \
	--branch-label lbl
same "the branch label" "$(field '(d["branch_labels"], d["depends_on"])')" "(['lbl'], [])"
json_ok "merge" merge 0 merge -m "join" --rev-id c3 heads
same "merge's parents" "$(field 'sorted(d["down_revisions"])')" "['a1', 'b2']"

# A script whose Message holds every kind of byte: ESC, DEL, a C1 control,
# a quote and a backslash, valid UTF-8, and bytes that are not UTF-8
# (Latin-1 é, a stray continuation byte, a sequence cut at the end).
printf -- '-- Message: e\033[31m \177 \302\233 "q" \\ caf\303\251 caf\351 \200 end\342\202\n-- Revision ID: d4\n-- Revises: c3\n\n-- retort:upgrade\nCREATE TABLE t4 (x INTEGER);\nINSERT INTO t4 VALUES (1);\n\n-- retort:downgrade\nDROP TABLE t4;\n' \
	>migrations/versions/d4.sql

# --- the listing commands
json_ok "heads" heads 0 heads
same "heads names the head" "$(field '[r["revision"] for r in d["revisions"]]')" "['d4']"
json_ok "history" history 0 history
same "history lists every revision, newest first" \
	"$(field '([r["revision"] for r in d["revisions"]][:2], sorted(r["revision"] for r in d["revisions"]))')" \
	"(['d4', 'c3'], ['a1', 'b2', 'c3', 'd4'])"
same "the message's bytes: controls kept (escaped), invalid bytes as U+FFFD" \
	"$(field 'ascii(d["revisions"][0]["message"])')" \
	"'e\\x1b[31m \\x7f \\x9b \"q\" \\\\ caf\\xe9 caf\\ufffd \\ufffd end\\ufffd\\ufffd'"
if grep -q "$(printf '\033')" "$T/out"; then tap_fail "no raw ESC in the output"
else tap_ok "no raw ESC in the output"; fi
json_ok "branches" branches 0 branches
json_ok "show A B is one document" show 0 show a1 b2
same "show A B holds both revisions" "$(field '[r["revision"] for r in d["revisions"]]')" \
	"['a1', 'b2']"
json_ok "current on an empty database" current 0 current
same "current is an empty list" "$(field 'd["revisions"]')" "[]"

# --- check and the runs
json_ok "check with migrations pending" check 1 check
same "check lists them" "$(field '(d["up_to_date"], [p["revision"] for p in d["pending"]])')" \
	"(False, ['b2', 'a1', 'c3', 'd4'])"
json_ok "upgrade" upgrade 0 upgrade heads
same "upgrade: the steps, each timed, and the rows" \
	"$(field '([s["revision"] for s in d["steps"] if s["ok"] and s["duration_ms"] >= 0], d["migrations"], d["version_rows"])')" \
	"(['b2', 'a1', 'c3', 'd4'], 4, ['d4'])"
json_ok "check at the heads" check 0 check
json_ok "current" current 0 current
same "current: the revision, is_current" \
	"$(field '[(r["revision"], r["is_current"]) for r in d["revisions"]]')" "[('d4', True)]"
json_ok "history --indicate-current" history 0 history --indicate-current
json_ok "show current" show 0 show current
json_ok "downgrade" downgrade 0 downgrade c3
same "downgrade's step" "$(field '[(s["revision"], s["direction"]) for s in d["steps"]]')" \
	"[('d4', 'downgrade')]"
json_ok "stamp" stamp 0 stamp d4
same "stamp's step" "$(field '([s["direction"] for s in d["steps"]], d["migrations"], d["version_rows"])')" \
	"(['stamp'], 0, ['d4'])"
json_ok "an upgrade with nothing to do" upgrade 0 upgrade heads
same "no steps" "$(field 'd["steps"]')" "[]"
json_ok "verify" verify 0 verify
same "verify's verdict" "$(field '(d["ok"], d["findings"], d["rows"])')" "(True, [], ['d4'])"
json_ok "log" log 0 log
# an upgrade with nothing to do changes nothing and records nothing
same "log's newest entry: the stamp" "$(field '(d["has_audit_table"], d["entries"][0]["command"], d["entries"][0]["outcome"])')" \
	"(True, 'stamp', 'ok')"
json_ok "log -n 0" log 0 log -n 0
same "no entries" "$(field 'd["entries"]')" "[]"
# fleet mode: one document for every database of the targets file
printf 'sqlite:///app.db  here\n' >targets
json_ok "current --targets" current 0 current --targets targets
same "the fleet document" "$(field '(d["fleet"], [(x["name"], x["outcome"], x["from"]) for x in d["databases"]])')" \
	"(True, [('here', 'ok', ['d4'])])"
json_ok "upgrade --targets" upgrade 0 upgrade heads --targets targets
json_ok "verify --targets" verify 0 verify --targets targets
same "the fleet verify document" \
	"$(field '(d["fleet"], [(x["name"], x["outcome"], json.loads(x["output"])["ok"]) for x in d["databases"]], d["summary"]["findings"])')" \
	"(True, [('here', 'ok', True)], 0)"

# A run that fails still prints its document (exit 1): ok false, the error.
printf -- '-- Message: bad\n-- Revision ID: e5\n-- Revises: d4\n\n-- retort:upgrade\nCREATE TABLE t5 (x INTEGER);\nSELECT nosuch FROM t5;\n\n-- retort:downgrade\nDROP TABLE t5;\n' \
	>migrations/versions/e5.sql
json_ok "a failing upgrade" upgrade 1 upgrade heads
same "it says which step failed and why" \
	"$(field '(d["ok"], [(s["revision"], s["ok"]) for s in d["steps"]], "nosuch" in d["error"], d["version_rows"])')" \
	"(False, [('e5', False)], True, None)"
rm migrations/versions/e5.sql

# An error before a run has a plan prints no document (as every command).
expect "an unknown revision: exit 2" 2 --format json upgrade nosuch
same "no document, the error on stderr only" "$(cat "$T/out")" ""

# --- refused: no data, or data that is not JSON
json_refused "edit" edit edit
json_refused "help" help help
json_refused "ensure-version" ensure-version ensure-version
json_refused "upgrade --sql" upgrade upgrade head --sql
json_refused "downgrade --sql" downgrade downgrade d4:base --sql
json_refused "stamp --sql" stamp stamp d4 --sql

# --- every command is covered: a new one needs a document here, and in the
# schema, or O_NO_JSON in cli/main.c and a json_refused case.
commands=$("$RETORT" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
	on && /^  [a-z]/ { print $1 }')
for c in $commands; do
	case $covered in
	*" $c "*) tap_ok "'$c' is covered by --format json" ;;
	*) tap_fail "'$c' is covered by --format json"
	   tap_diag "add a json_ok case (and its document in doc/retort-json.schema.json) or" \
	            "refuse --format json for it (O_NO_JSON in cli/main.c) with a json_refused case" ;;
	esac
done

# --- control: the checker rejects what is not one valid document
printf '{"format": 1, "command": "heads", "revisions": []}\n{"format": 1}\n' >"$T/out"
if "$PY" "$top_srcdir/tests/json/check.py" heads "$T/out" "$SCHEMA" >/dev/null; then
	tap_fail "control: two documents are rejected"
else tap_ok "control: two documents are rejected"; fi
printf '{"format": 1, "command": "heads", "revisions": [{"revision": "a1"}]}\n' >"$T/out"
if "$PY" "$top_srcdir/tests/json/check.py" heads "$T/out" "$SCHEMA" >/dev/null; then
	tap_fail "control: a revision without its members is rejected by the schema"
else tap_ok "control: a revision without its members is rejected by the schema"; fi
printf '{"format": 1, "command": "heads", "revisions": [], "x": "\377"}\n' >"$T/out"
if "$PY" "$top_srcdir/tests/json/check.py" heads "$T/out" "$SCHEMA" >/dev/null; then
	tap_fail "control: bytes that are not UTF-8 are rejected"
else tap_ok "control: bytes that are not UTF-8 are rejected"; fi
tap_done
