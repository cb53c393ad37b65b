#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/e2e/help.sh - the CLI's help: `retort help [COMMAND]`, every
# option of a command explained in its --help, and "did you mean" for a
# mistyped command or option (exit status 2).  TAP.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

# The commands `retort --help` lists.
commands=$("$RETORT" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
	on && /^  [a-z]/ { print $1 }')

expect "retort help" 0 help
cp "$T/out" "$T/help.all"
"$RETORT" --help >"$T/help.dash" 2>&1
if cmp -s "$T/help.all" "$T/help.dash"; then tap_ok "retort help is retort --help"
else tap_fail "retort help is retort --help"; fi
out_has "retort help points at help COMMAND" "retort help COMMAND"

# usage_options FILE: the options of the usage line(s) (up to the first
# blank line), one per line.  option_lines FILE: the "Options:" lines,
# each as its spellings ("-m --message").
usage_options() {
	awk '/^$/ { exit } { print }' "$1" | grep -oE -- '(^|[ [])--?[a-z][a-z-]*' |
		sed 's/^[ [ ]*//' | sort -u
}
option_lines() {
	awk '/^Options:/ { on = 1; next } on && /^$/ { exit } on && /^  -/ { print }' "$1" |
		sed -E 's/^  ((-[a-z]), )?(--[a-z-]+).*/\2 \3/'
}
# options_match FILE: each option of the usage has its "Options:" line, and
# each "Options:" line an option of the usage (--verbose, also a global
# option, may be in either alone); prints what does not match.
options_match() {
	option_lines "$1" >"$T/lines"
	usage_options "$1" >"$T/usage"
	for _o in $(cat "$T/usage"); do
		[ "$_o" = --verbose ] || grep -qw -- "$_o" "$T/lines" || echo "usage only: $_o"
	done
	while read -r _a _b; do
		[ "${_b:-$_a}" = --verbose ] && continue
		grep -qxF -- "$_a" "$T/usage" || grep -qxF -- "${_b:-$_a}" "$T/usage" ||
			echo "Options only: $_a $_b"
	done <"$T/lines"
}

# undescribed FILE: option lines of FILE's "Options:" and "Global options"
# sections with no description: nothing after the option on its line and
# no indented continuation line after it.
undescribed() {
	awk '/^(Options|Global options)/ { on = 1; next } /^$/ { on = 0 }
		on && /^  -/ {
			if (pending) print pending
			line = $0
			sub(/^  (-[a-zA-Z], )?--[a-z-]+( [^ ]+)?/, "", line)
			pending = (line ~ /[a-z]/) ? "" : $0
			next
		}
		on && /^      / { pending = ""; next }
		END { if (pending) print pending }' "$1"
}

for c in $commands; do
	expect "retort help $c" 0 help "$c"
	cp "$T/out" "$T/h.$c"
	"$RETORT" "$c" --help >"$T/d.$c" 2>&1
	if cmp -s "$T/h.$c" "$T/d.$c"; then tap_ok "retort help $c is retort $c --help"
	else tap_fail "retort help $c is retort $c --help"; fi
	miss=$(options_match "$T/h.$c")
	if [ -z "$miss" ]; then tap_ok "$c: its Options section explains exactly the options of its usage"
	else tap_fail "$c: its Options section explains exactly the options of its usage"; tap_diag "$miss"; fi
	miss=$(undescribed "$T/h.$c")
	if [ -z "$miss" ]; then tap_ok "$c: every option line has a description"
	else tap_fail "$c: every option line has a description"; tap_diag "$miss"; fi
done

# Control: a help text whose usage and Options disagree, and an option
# line without a description, are reported.
printf '%s\n' 'usage: retort x [--foo] [-r START:END]' '' 'Do x.' '' 'Options:' \
	'  -r, --rev-range START:END  only these' '  --bar' '  --baz BAZ                  the baz' \
	>"$T/h.control"
same "control: a usage/Options mismatch is reported" "$(options_match "$T/h.control" | tr '\n' '|')" \
	"usage only: --foo|Options only: --bar |Options only: --baz |"
same "control: an option without a description is reported" "$(undescribed "$T/h.control")" "  --bar"

# The options that were only named before: each explained in words.
explained() {
	_c=$1 _o=$2
	_t=$(awk -v o="$_o" '/^Options:/ { on = 1; next } on && /^$/ { exit }
		on && /^  -/ { got = index($0, o " ") || substr($0, length($0) - length(o) + 1) == o }
		on && got' "$T/h.$_c" | sed "s/.*$_o//" | wc -w)
	if [ "$_t" -ge 8 ]; then tap_ok "$_c --help explains $_o ($_t words)"
	else tap_fail "$_c --help explains $_o"; tap_diag "$(cat "$T/h.$_c")"; fi
}
explained revision --splice
explained revision --depends-on
explained stamp --purge
explained heads --resolve-dependencies

# --- did you mean
expect "a mistyped command exits 2" 2 upgarde head
err_has "it suggests the command" "unknown command 'upgarde'; did you mean 'upgrade'?"
expect "a prefix of a command" 2 hist
err_has "it suggests the command it begins" "did you mean 'history'?"
expect "a word close to two commands" 2 he
err_has "it names both" "did you mean 'heads' or 'help'?"
expect "a word like no command" 2 xyzzy
err_lacks "gets no suggestion" "did you mean"
expect "retort help with a mistyped command exits 2" 2 help stmap
err_has "it suggests the command" "did you mean 'stamp'?"
expect "a mistyped option exits 2" 2 upgrade --sqll head
err_has "it suggests the option" "unknown option '--sqll'; did you mean '--sql'?"
expect "a mistyped global option with =VALUE" 2 --formt=json heads
err_has "it suggests the option without the value" "did you mean '--format'?"
expect "a mistyped option of another command is not suggested" 2 upgrade --splise head
err_lacks "upgrade does not suggest revision's --splice" "--splice"
expect "an option of another command exits 2" 2 upgrade --purge head
err_has "it names the command that takes it" "upgrade does not take --purge (an option of stamp)"
tap_done
