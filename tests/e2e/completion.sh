#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/e2e/completion.sh - the bash completion (completion/retort.bash),
# driven in bash the way bash calls it: COMP_LINE, COMP_POINT, COMP_WORDS
# and COMP_CWORD set for a command line, _retort called, COMPREPLY
# compared with what the real retort binary and a real project say.  TAP.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

# shellcheck source=/dev/null
. "$top_srcdir/completion/retort.bash"

# comp LINE: complete LINE (cursor at its end); the sorted replies, one
# line, in $got.  bash splits COMP_WORDS at COMP_WORDBREAKS; the function
# reads COMP_LINE, so a split at blanks is enough here.
comp() {
	COMP_LINE=$1
	COMP_POINT=${#1}
	read -ra COMP_WORDS <<<"$1"
	[[ $1 == *' ' ]] && COMP_WORDS+=("")
	COMP_WORDS[0]=$RETORT
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_retort 2>"$T/comp.err"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//')
}

# is DESC LINE WANT: the replies to LINE are exactly WANT (sorted, spaces).
is() {
	comp "$2"
	same "$1" "$got" "$3"
	if [ -s "$T/comp.err" ]; then
		tap_fail "$1: nothing on stderr"
		tap_diag "$(cat "$T/comp.err")"
	fi
}

# has DESC LINE WORD...: the replies to LINE include every WORD.
has() {
	_d=$1 _l=$2
	shift 2
	comp "$_l"
	for _w in "$@"; do
		case " $got " in
		*" $_w "*) ;;
		*) tap_fail "$_d"; tap_diag "'$_w' missing from: $got"; return ;;
		esac
	done
	tap_ok "$_d"
}

# The project: two branches with labels.
new_project
script aaa111 "" "CREATE TABLE a (x INTEGER);" "DROP TABLE a;" "-- Branch Labels: feat"
script bbb222 "aaa111" "CREATE TABLE b (x INTEGER);" "DROP TABLE b;"
script ccc333 "" "CREATE TABLE c (x INTEGER);" "DROP TABLE c;" "-- Branch Labels: other"
proj=$(pwd)
revs="aaa111 base bbb222 ccc333 feat feat@base feat@head head heads other other@base other@head"

# Commands: exactly those `retort --help` lists.
want=$("$RETORT" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
	on && /^  [a-z]/ { print $1 }' | sort | tr '\n' ' ' | sed 's/ $//')
is "commands after 'retort '" "retort " "$want"
is "a command prefix completes to the command" "retort upg" "upgrade"
is "options do not hide the command position" "retort -q --format json hi" "history"
is "retort help offers the commands" "retort help " "$want"
is "retort help completes a command" "retort help upg" "upgrade"
is "retort help takes one command" "retort help upgrade " ""

# Options: those of the command's --help plus the global ones.
for c in upgrade history revision stamp heads; do
	opts=$("$RETORT" "$c" --help | grep -E '^(usage:|[[:space:]]*[-[])' |
		grep -oE '(^|[ [,(|])--[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[^-]*//' | sort -u | tr '\n' ' ')
	# shellcheck disable=SC2086
	has "'retort $c --' offers every long option of 'retort $c --help'" "retort $c --" $opts
done
has "history's own options" "retort history --" --indicate-current --verbose
has "global options after a command" "retort upgrade --" --config --url --sql
comp "retort upgrade --"
case " $got " in
*" --splice "*) tap_fail "upgrade is not offered revision's --splice" ;;
*) tap_ok "upgrade is not offered revision's --splice" ;;
esac
is "a negative number is a revision, not an option" "retort downgrade -1" ""

# Option values.
is "--format offers its values" "retort --format " "json text"
is "--format=VALUE after '='" "retort --format=j" "json"
is "--config=FILE: file names after '='" "retort --config=ret" "retort.cfg"
has "-c completes file names" "retort -c " retort.cfg migrations
is "-m takes free text: no completion" "retort revision -m " ""
is "-x KEY=VALUE takes free text: no completion" "retort -x " ""
is "--tag TAG takes free text: no completion" "retort upgrade --tag " ""
has "upgrade, downgrade and stamp offer --tag" "retort stamp --" --tag
is "-x's value is not the command" "retort -x tenant=acme upg" "upgrade"
is "nor an argument" "retort -x tenant=acme upgrade -x a=b f" "feat feat@base feat@head"
has "-x is offered among the global options" "retort upgrade -" -x

# Revisions of the project: ids, labels, LABEL@head/@base, symbolic names.
is "upgrade offers revisions and labels" "retort upgrade " "$revs"
is "a revision prefix" "retort upgrade f" "feat feat@base feat@head"
is "after LABEL@ (bash splits at '@')" "retort upgrade feat@h" "head"
is "stamp takes several revisions" "retort stamp aaa111 " "$revs"
is "revision --head offers revisions" "retort revision --head o" "other other@base other@head"
is "the part after ':' of a range (bash splits at ':')" "retort history -r aaa111:b" "base bbb222"
is "-r START:END, after the ':'" "retort history -r base:c" "ccc333"
is "-rSTART: a short option with its value attached" "retort history -rfe" "-rfeat -rfeat@base -rfeat@head"
is "-rLABEL@ attached, after the '@'" "retort history -rfeat@b" "base"
is "-rSTART:END attached, after the ':'" "retort history -rbase:c" "ccc333"
is "init offers directories" "retort init " "migrations"
is "edit's optional REV offers revisions" "retort edit f" "feat feat@base feat@head"

# Another project through -c: its revisions, not the current directory's.
mkdir "$T/other" && cd "$T/other" || exit 99
"$RETORT" -q init m >/dev/null 2>&1
script_dir=m/versions
printf -- '-- Message: x\n-- Revision ID: zzz999\n-- Revises:\n\n-- retort:upgrade\nSELECT 1;\n\n-- retort:downgrade\nSELECT 1;\n' \
	>"$script_dir/zzz999.sql"
cd "$proj" || exit 99
is "-c FILE: revisions of that project" "retort -c $T/other/retort.cfg upgrade z" "zzz999"
is "--config=FILE too" "retort --config=$T/other/retort.cfg show z" "zzz999"

# Outside a project: only the symbolic names, and no error on the terminal.
cd "$T" || exit 99
is "no project: symbolic names only, silently" "retort upgrade " "base head heads"
tap_done
