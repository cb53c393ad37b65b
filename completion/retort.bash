# SPDX-License-Identifier: MIT
# bash completion for retort(1).  Installed as "retort" in bash-completion's
# completions directory, where bash-completion loads it on first use; it can
# also be sourced on its own (it needs nothing of bash-completion).
#
# Everything it offers comes from retort itself, so it cannot drift from
# the CLI:
#  - commands from `retort --help` (the "Commands:" list);
#  - options from `retort CMD --help` (its usage and option lines);
#  - what an option's or argument's value is from its placeholder there:
#    FILE -> files, DIR/DIRS -> directories, REV..., START:END -> revisions,
#    NAME of --template -> `retort list-templates`, a|b -> those words,
#    COMMAND -> commands, KEY=VALUE (-x) -> nothing;
#  - revision ids and branch labels from `retort history --format json` run
#    with the -c/--config of the command line being completed (so it reads
#    the same project, without touching the database).

# __retort_help [CMD]: the help text of retort or of CMD, cached per shell.
__retort_help()
{
	local key=__retort_help_${1//-/_}
	[[ $1 == *[!a-z-]* ]] && return    # not a command name
	if [[ -z ${!key+set} ]]; then
		local text
		text=$("${__retort_bin:-retort}" ${1:+"$1"} --help 2>/dev/null)
		printf -v "$key" '%s' "$text"
	fi
	printf '%s\n' "${!key}"
}

# __retort_commands: the command names.
__retort_commands()
{
	__retort_help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
		on && /^  [a-z]/ { print $1 }'
}

# __retort_optable [CMD]: "OPTION PLACEHOLDER" lines (placeholder "-" for
# an option without value) from the usage and option lines of the help text
# of CMD (or of retort).  "-c, --config FILE" gives both -c and --config
# the placeholder FILE.
__retort_optable()
{
	__retort_help "$1" | grep -E '^(usage:|[[:space:]]*[-[])' | tr '[]' '  ' | awk '{
		ng = 0
		for (i = 1; i <= NF; i++) {
			w = $i
			if (w !~ /^--?[a-zA-Z][a-zA-Z0-9-]*,?$/)
				continue
			alias = w ~ /,$/
			sub(/,$/, "", w)
			g[++ng] = w
			if (alias)
				continue
			m = "-"
			if (i < NF && $(i + 1) ~ /^([A-Z][A-Z_:.=]*(\.\.\.)?|[a-z]+(\|[a-z]+)+)$/)
				m = $(i + 1)
			for (k = 1; k <= ng; k++)
				print g[k], m
			ng = 0
		}
	}'
}

# __retort_options [CMD]: every option CMD (or retort) takes.
__retort_options()
{
	__retort_optable "$1" | awk '{ print $1 }' | sort -u
}

# __retort_metavar CMD OPT: the placeholder of OPT's value ("FILE",
# "text|json"), or nothing when OPT takes no value.
__retort_metavar()
{
	{ __retort_optable "$1"; __retort_optable; } |
		awk -v o="$2" '$1 == o && $2 != "-" { print $2; exit }'
}

# __retort_positional CMD N: the placeholder of CMD's Nth argument (1-based)
# from its usage line; a last one ending in "..." repeats.
__retort_positional()
{
	local usage before= w i n=0 last=
	local -a words
	usage=$(__retort_help "$1" | sed -n 's/^usage: retort [^ ]* *//p' | head -n 1)
	# drop the [-...] groups (optional options), innermost first; an
	# optional argument ("[COMMAND]", "[REV]") is an argument
	while [[ $usage != "$before" ]]; do
		before=$usage
		usage=$(sed -E 's/\[-[^][]*\]//g' <<<"$usage")
	done
	usage=${usage//[][]/}
	read -ra words <<<"$usage"
	for ((i = 0; i < ${#words[@]}; i++)); do
		w=${words[i]}
		if [[ $w == -* ]]; then
			# "-m MESSAGE": the option's value is no argument
			[[ ${words[i + 1]} == [A-Z]* ]] && ((i++))
			continue
		fi
		n=$((n + 1))
		last=$w
		if ((n == $2)); then
			printf '%s\n' "$w"
			return
		fi
	done
	[[ $last == *... ]] && printf '%s\n' "$last"
}

# __retort_revisions: ids, branch labels, LABEL@head/@base, and the
# symbolic names, of the project the command line points at.
__retort_revisions()
{
	local json
	json=$("${__retort_bin:-retort}" "${__retort_cfg[@]}" history --format json 2>/dev/null)
	{
		printf '%s\n' head heads base
		grep -oE '"revision": *"[A-Za-z0-9_]+"' <<<"$json" | sed -E 's/.*"([^"]+)"$/\1/'
		grep -oE '"branch_labels": *\[[^]]*\]' <<<"$json" | grep -oE '"[^"]+"' |
			grep -v branch_labels | tr -d '"' | sort -u |
			while read -r l; do printf '%s\n%s@head\n%s@base\n' "$l" "$l" "$l"; done
	} | awk '!seen[$0]++'
}

# __retort_values METAVAR WORD [PREFIX]: complete WORD as a value of kind
# METAVAR; each reply starts with PREFIX (the option glued to the value:
# "--format=", "-r").
__retort_values()
{
	local meta=$1 cur=$2 pre=${3-} IFS=$'\n'
	case $meta in
	FILE)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -P "$pre" -f -- "$cur")) ;;
	DIR|DIRS)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -P "$pre" -d -- "$cur")) ;;
	COMMAND)
		COMPREPLY=($(compgen -P "$pre" -W "$(__retort_commands)" -- "$cur")) ;;
	NAME|TEMPLATE)
		COMPREPLY=($(compgen -P "$pre" -W "$("${__retort_bin:-retort}" list-templates 2>/dev/null |
			sed -n 's/^\([A-Za-z0-9_.-]*\) - .*/\1/p')" -- "$cur")) ;;
	*'|'*)
		COMPREPLY=($(compgen -P "$pre" -W "${meta//|/$'\n'}" -- "$cur")) ;;
	REV|REV...|REVS|*:*)
		# a range START:END: complete the part after the last ':'
		if [[ $cur == *:* && $meta == *:* ]]; then
			pre=$pre${cur%:*}:
			cur=${cur##*:}
		fi
		COMPREPLY=($(compgen -P "$pre" -W "$(__retort_revisions)" -- "$cur")) ;;
	*)
		COMPREPLY=() ;;
	esac
}

# __retort_trim WORD: bash replaces only the part of WORD after its last
# COMP_WORDBREAKS character ('=', ':', '@' by default); drop the part
# before from each reply, as bash-completion's __ltrim_colon_completions
# does for ':'.
__retort_trim()
{
	local wb=${COMP_WORDBREAKS//[[:space:]]/} keep= i
	[[ -n $wb ]] && keep=${1%"${1##*["$wb"]}"}
	[[ -z $keep ]] && return
	for i in "${!COMPREPLY[@]}"; do
		COMPREPLY[i]=${COMPREPLY[i]#"$keep"}
	done
}

_retort()
{
	local line=${COMP_LINE:0:COMP_POINT} cur
	local -a words
	# Words split at blanks only (bash also splits at '=', ':', '@'): the
	# last one is the word under the cursor, empty after a blank.
	read -ra words <<<"$line"
	if [[ $line == *[[:space:]] || -z $line ]]; then
		cur=
	else
		cur=${words[${#words[@]} - 1]}
		unset 'words[${#words[@]}-1]'
	fi
	COMPREPLY=()
	__retort_bin=${COMP_WORDS[0]:-retort} __retort_complete "$cur" "${words[@]}"
	__retort_trim "$cur"
}

# __retort_complete CUR WORD...: fill COMPREPLY with whole-word replies for
# CUR after the words WORD... of the command line.
__retort_complete()
{
	local cur=$1 cmd= prev= meta w i n=0 IFS=$' \t\n'
	shift
	local -a words=("$@")
	local -a __retort_cfg=()

	# The command, the previous word, the number of arguments so far,
	# and -c/--config (revisions come from that project).
	for ((i = 1; i < ${#words[@]}; i++)); do
		w=${words[i]}
		case $w in
		-c|--config)
			__retort_cfg=(--config "${words[i + 1]}") ;;
		--config=*)
			__retort_cfg=("$w") ;;
		-c?*)
			__retort_cfg=(--config "${w#-c}") ;;
		esac
		if [[ $w == -?* && $w != -[0-9]* ]]; then
			if [[ $w != *=* && ${#w} -gt 1 && -n $(__retort_metavar "$cmd" "$w") ]]; then
				((i++))          # its value
				((i >= ${#words[@]})) && prev=$w
			fi
			continue
		fi
		if [[ -z $cmd ]]; then
			cmd=$w
		else
			n=$((n + 1))
		fi
	done

	# The value of an option: "--opt VALUE", "--opt=VALUE", "-oVALUE".
	if [[ -n $prev ]]; then
		__retort_values "$(__retort_metavar "$cmd" "$prev")" "$cur"
		return
	fi
	if [[ $cur == --*=* ]]; then
		__retort_values "$(__retort_metavar "$cmd" "${cur%%=*}")" "${cur#*=}" "${cur%%=*}="
		return
	fi
	if [[ $cur == -[a-zA-Z]?* ]]; then
		meta=$(__retort_metavar "$cmd" "${cur:0:2}")
		if [[ -n $meta ]]; then
			__retort_values "$meta" "${cur:2}" "${cur:0:2}"
			return
		fi
	fi

	if [[ $cur == -* && $cur != -[0-9]* ]]; then
		local IFS=$'\n'
		COMPREPLY=($(compgen -W "$( { __retort_options "$cmd"; __retort_options; } | sort -u)" -- "$cur"))
		return
	fi
	if [[ -z $cmd ]]; then
		local IFS=$'\n'
		COMPREPLY=($(compgen -W "$(__retort_commands)" -- "$cur"))
		return
	fi
	meta=$(__retort_positional "$cmd" $((n + 1)))
	__retort_values "${meta:-NONE}" "$cur"
}

complete -F _retort retort
