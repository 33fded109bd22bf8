#!/usr/bin/env bats
# docs.bats - the manual and the shell completions say what the program does.
#
# The options are declared once, in src/options.def; --help is printed from
# that table, while man/haul.1 and the bash, zsh and fish completions are
# written by hand.  These tests fail when they drift apart: an option, a
# short letter, an exit status, an event type or a JSON field that one side
# has and the other does not.  They also render the page (no warnings, 80
# columns) and run each completion for real.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	MAN=$HAUL_SRCDIR/man/haul.1
	DEF=$HAUL_SRCDIR/src/options.def
	EXITH=$HAUL_SRCDIR/src/exitcodes.h
	BASHC=$HAUL_SRCDIR/completions/haul
	ZSHC=$HAUL_SRCDIR/completions/_haul
	FISHC=$HAUL_SRCDIR/completions/haul.fish
	export LC_ALL=C.UTF-8
}

# ---- what the program has ------------------------------------------------

# "long X" per option of options.def ("long -" without a short letter).
def_options() {
	sed -nE "s/^OPT\\([A-Z0-9_]+, *\"([^\"]+)\", *('(.)'|0),.*/\\1 \\3/p" "$DEF" |
		awk '{ print $1, ($2 == "" ? "-" : $2) }' | sort
}

# The same pairs, read from `haul --help`.
help_options() {
	"$HAUL" --help | sed -nE \
		-e 's/^  -([A-Za-z0-9]), --([A-Za-z0-9.-]+).*/\2 \1/p' \
		-e 's/^ {6}--([A-Za-z0-9.-]+).*/\1 -/p' | sort
}

# Every option word: -X and --long, one per line, sorted.
def_option_words() {
	def_options | awk '{ print "--" $1; if ($2 != "-") print "-" $2 }' | LC_ALL=C sort
}

# Exit statuses listed by `haul --help exit-codes`.
help_codes() {
	"$HAUL" --help exit-codes | sed -nE 's/^ *([0-9]+)  .*/\1/p' | sort -n
}

# ---- what the manual says ----------------------------------------------

# The source lines of one section (.SH NAME, quoted or not), heading included.
man_section() {
	awk -v want="$1" '
		/^\.SH / { name = substr($0, 5); gsub(/"/, "", name); on = (name == want) }
		on' "$MAN"
}

# A name as it is written in the page's source: "-" is "\-".
man_form() {
	printf '%s\n' "${1//-/\\-}"
}

# Tag lines (the line after each .TP) of a section.
man_tags() {
	man_section "$1" | awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }'
}

# Whether the text on stdin holds the literal $1 as a whole option word: not
# followed by a letter, digit, "." or another "\-".
holds_word() {
	awk -v lit="$1" '
		{
			s = $0
			while ((i = index(s, lit)) > 0) {
				before = substr(s, 1, i - 1)
				after = substr(s, i + length(lit))
				if (after !~ /^([A-Za-z0-9.]|\\-)/ && before !~ /(\\-|[A-Za-z0-9])$/) {
					found = 1
					exit
				}
				s = after
			}
		}
		END { exit !found }'
}

# Whether section $1 documents the name $2 as a term: ".B name", ".BR name ,"
# and the like, at the start of a line.
man_documents() {
	local form
	form=$(man_form "$2")
	man_section "$1" | awk -v f="$form" '
		{
			if ($1 !~ /^\.(B|BR|BI|IR|TP)$/) next
			w = $2
			gsub(/"/, "", w)
			if (w == f) { found = 1; exit }
		}
		END { exit !found }'
}

# ---- options ---------------------------------------------------------------

@test "docs: --help lists exactly the options of src/options.def" {
	run -0 def_options
	local def=$output
	[ -n "$def" ]
	run -0 help_options
	assert_equal "$output" "$def"
}

@test "docs: every option is in the man page's OPTIONS, with its short letter" {
	local tags long short missing=
	tags=$(man_tags OPTIONS)
	[ -n "$tags" ]
	while read -r long short; do
		local line ok=
		while IFS= read -r line; do
			holds_word "$(man_form "--$long")" <<<"$line" || continue
			if [ "$short" = - ] || holds_word "\\-$short" <<<"$line"; then
				ok=1
				break
			fi
		done <<<"$tags"
		[ -n "$ok" ] || missing+=" --$long${short/#-/}"
	done < <(def_options | awk '{ print $1, ($2 == "-" ? "-" : $2) }')
	if [ -n "$missing" ]; then
		echo "not documented as an OPTIONS tag (.TP):$missing"
		return 1
	fi
}

@test "docs: the man page's OPTIONS has no option the program lacks" {
	local known word extra=
	known=$(def_option_words)
	while read -r word; do
		word=${word//\\-/-}
		grep -qxF -- "$word" <<<"$known" || extra+=" $word"
	done < <(man_tags OPTIONS | grep -oE '\\-(\\-)?[A-Za-z0-9.]+(\\-[A-Za-z0-9.]+)*' | sort -u)
	if [ -n "$extra" ]; then
		echo "in the man page but not in src/options.def:$extra"
		return 1
	fi
}

@test "docs: every option is in the bash, zsh and fish completions" {
	local long short missing=
	while read -r long short; do
		local re="(^|[^-[:alnum:]])--${long//./\\.}([^-[:alnum:].]|\$)"
		grep -qE -- "$re" "$BASHC" || missing+=" bash:--$long"
		grep -qE -- "$re" "$ZSHC" || missing+=" zsh:--$long"
		grep -qE -- "(^|[[:space:]])-l $long([[:space:]]|\$)" "$FISHC" ||
			missing+=" fish:--$long"
		[ "$short" = - ] && continue
		re="(^|[^-[:alnum:]])-$short([^-[:alnum:]]|\$)"
		grep -qE -- "$re" "$BASHC" || missing+=" bash:-$short"
		grep -qE -- "$re" "$ZSHC" || missing+=" zsh:-$short"
		grep -qE -- "(^|[[:space:]])-s ${short}[[:space:]]+-l ${long}([[:space:]]|\$)" "$FISHC" ||
			missing+=" fish:-$short"
	done < <(def_options)
	if [ -n "$missing" ]; then
		echo "missing from the completions:$missing"
		return 1
	fi
}

# ---- exit statuses -----------------------------------------------------------

@test "docs: EXIT STATUS lists exactly the codes of haul --help exit-codes" {
	local help man
	help=$(help_codes)
	[ -n "$help" ]
	# ".TP" then ".B N": the tag of each entry is the bare number.
	man=$(man_section "EXIT STATUS" |
		awk 'tp && /^\.B [0-9]+$/ { print $2 } { tp = /^\.TP/ }' | sort -n)
	assert_equal "$man" "$help"
}

@test "docs: each exit status in the man page carries its name from exitcodes.h" {
	local num name missing=
	run -0 bash -c "sed -nE 's/^ *X\\(([A-Z_]+), *([0-9]+),.*/\\2/p' '$EXITH' | sort -n"
	assert_equal "$output" "$(help_codes)"
	while read -r num name; do
		man_section "EXIT STATUS" | awk -v n="$num" -v want="($name)" '
			/^\.(TP|SH)/ { on = 0 }
			on && index($0, want) { found = 1 }
			prev_tp && $0 == ".B " n { on = 1 }
			{ prev_tp = /^\.TP/ }
			END { exit !found }' || missing+=" $num($name)"
	done < <(sed -nE 's/^ *X\(([A-Z_]+), *([0-9]+),.*/\2 \1/p' "$EXITH")
	if [ -n "$missing" ]; then
		echo "EXIT STATUS entries without their name:$missing"
		return 1
	fi
}

# ---- formats -------------------------------------------------------------------

@test "docs: every event type and field of events.c is in EVENTS" {
	local name missing=
	for name in $(grep -oE 'begin\("[a-z_]+"' "$HAUL_SRCDIR/src/events.c" | cut -d'"' -f2) \
		$(grep -oE '(cJSON_Add[A-Za-z]*ToObject|add_u64)\([a-z]+, *"[a-z_0-9]+"' \
			"$HAUL_SRCDIR/src/events.c" | cut -d'"' -f2) \
		$(grep -oE 'case (DISC|RESP)_[A-Z_]+: return "[a-z-]+"' \
			"$HAUL_SRCDIR/src/classify.c" "$HAUL_SRCDIR/src/response.c" | cut -d'"' -f2); do
		man_documents EVENTS "$name" || missing+=" $name"
	done
	if [ -n "$missing" ]; then
		echo "not documented in EVENTS:$missing"
		return 1
	fi
}

@test "docs: every field of summary.c, memstats.c and the journal is documented" {
	local file section name missing=
	for file in summary.c:SUMMARY memstats.c:MEMSTATS journal.c:"OUTPUT FILES" \
		mem.c:MEMSTATS; do
		section=${file#*:}
		file=$HAUL_SRCDIR/src/${file%%:*}
		for name in $(grep -oE '(cJSON_Add[A-Za-z]*ToObject|add_u64)\([a-z]+, *"[a-z_0-9]+"' "$file" |
			cut -d'"' -f2) $(grep -oE '\[MEM_[A-Z]+\] = "[a-z]+"' "$file" | cut -d'"' -f2); do
			man_documents "$section" "$name" || missing+=" $section:$name"
		done
	done
	if [ -n "$missing" ]; then
		echo "not documented:$missing"
		return 1
	fi
}

# ---- the page renders ------------------------------------------------------

@test "docs: the man page has every section" {
	local s missing=
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS "RESUME AND RETRY" STREAMS "OUTPUT FILES" \
		EVENTS SUMMARY MEMSTATS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
		man_section "$s" | grep -q . || missing+=" [$s]"
	done
	[ -z "$missing" ] || { echo "missing sections:$missing"; return 1; }
	run -0 man_section "SEE ALSO"
	assert_output --partial '.BR curl (1)'
	assert_output --partial '.BR wget (1)'
}

@test "docs: groff renders the man page without warnings" {
	command -v groff >/dev/null || skip "groff is not installed"
	run -0 groff -man -ww -z -Tutf8 "$MAN"
	assert_output ''
}

@test "docs: man renders the page in 80 columns without warnings" {
	command -v man >/dev/null || skip "man is not installed"
	run -0 --separate-stderr env MANWIDTH=80 MANPAGER=cat PAGER=cat \
		man --warnings -E UTF-8 -l "$MAN"
	# shellcheck disable=SC2154 # set by run --separate-stderr
	assert_equal "$stderr" ''
	assert_output --partial 'EXIT STATUS'
	local line wide=
	while IFS= read -r line; do
		((${#line} <= 80)) || wide+=$'\n'"$line"
	done <<<"$output"
	[ -z "$wide" ] || { echo "lines over 80 columns:$wide"; return 1; }
}

@test "docs: mandoc finds nothing to warn about" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	run -0 mandoc -T lint -W warning "$MAN"
	assert_output ''
}

# ---- the completions complete --------------------------------------------

# bash_complete WORD...: the words of a command line, the last one being
# completed; prints COMPREPLY one per line.
bash_complete() {
	bash -c '
		source "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_haul haul "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" || exit 1
		printf "%s\n" "${COMPREPLY[@]}"
	' bash "$BASHC" "$@"
}

@test "docs: bash completes option names" {
	run -0 bash -c "source '$BASHC' && complete -p haul"
	assert_output --partial '-F _haul'
	run -0 bash_complete haul --retr
	assert_equal "$(sort <<<"$output")" "$(printf '%s\n' --retry --retry-connrefused --retry-delay --retry-max-delay)"
	run -0 bash_complete haul -
	assert_equal "$(LC_ALL=C sort <<<"$output")" "$(def_option_words)"
}

@test "docs: bash completes the fixed values" {
	run -0 bash_complete haul --progress ''
	assert_equal "$output" "$(printf '%s\n' bar dots none)"
	# bash splits --stream=MODE at "=" (COMP_WORDBREAKS) ...
	run -0 bash_complete haul --stream = ''
	assert_equal "$output" "$(printf '%s\n' auto lines events raw)"
	run -0 bash_complete haul --stream = l
	assert_equal "$output" lines
	# ... unless "=" was taken out of COMP_WORDBREAKS.
	run -0 bash_complete haul --stream=ev
	assert_equal "$output" --stream=events
	run -0 bash_complete haul --checksum ''
	assert_equal "$output" "$(printf '%s\n' sha256: sha512:)"
	run -0 bash_complete haul --help ''
	assert_equal "$output" exit-codes
	# Numbers, durations and sizes get nothing.
	run -0 bash_complete haul --retry-delay ''
	assert_output ''
	run -0 bash_complete haul -- --re
	assert_output ''
}

@test "docs: bash completes file and directory names" {
	mkdir "$BATS_TEST_TMPDIR/dir.d"
	touch "$BATS_TEST_TMPDIR/file.iso"
	cd "$BATS_TEST_TMPDIR"
	run -0 bash_complete haul -o 'fi'
	assert_output file.iso
	run -0 bash_complete haul --output-dir ''
	assert_output dir.d
	run -0 bash_complete haul --memstats = 'fi'
	assert_output file.iso
}

@test "docs: zsh parses the zsh completion" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run -0 zsh -n "$ZSHC"
	assert_output ''
	run -0 head -n 1 "$ZSHC"
	assert_output '#compdef haul'
}

# zsh_complete LINE: what zsh's completion offers for LINE, one per line.  An
# interactive zsh on a pseudo-terminal (zsh/zpty) completes LINE with
# compadd replaced by a function that prints each match between two NUL
# lines (the technique of zsh-capture-completion).
zsh_complete() {
	local child=$BATS_TEST_TMPDIR/zsh-child.zsh
	cat >"$child" <<-'EOF'
		PROMPT=
		autoload -U compinit && compinit -u -D
		bindkey '^M' undefined; bindkey '^J' undefined; bindkey '^I' complete-word
		null-line() { echo -E - $'\0' }
		compprefuncs=(null-line); comppostfuncs=(null-line exit)
		zstyle ':completion:*' list-grouped false
		zstyle ':completion:*' insert-tab false
		compadd() {
			if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
				builtin compadd "$@"; return
			fi
			local -a hits; local -A apre
			builtin compadd -A hits "$@"
			zparseopts -E P:=apre
			local h; for h in $hits; do echo -E - "$IPREFIX${apre[-P]}$h"; done
		}
	EOF
	# shellcheck disable=SC2016 # zsh expands these, not bash
	timeout 30 zsh -f -c '
		zmodload zsh/zpty || exit 2
		zpty z zsh -f -i
		zpty -w z "fpath=(${(q)1} \$fpath); source ${(q)2}"
		zpty -n -w z "$3"$'\''\t'\''
		integer nul=0
		while zpty -r z line; do
			if [[ $line == *$'\''\0'\''* ]]; then
				(( ++nul >= 2 )) && break
				continue
			fi
			line=${line//[$'\''\r\n'\'']/}
			(( nul == 1 )) && [[ -n $line ]] && print -r -- "$line"
		done
		zpty -d z
	' zsh "$(dirname "$ZSHC")" "$child" "$1"
}

@test "docs: zsh completes options and values" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	zsh -f -c 'zmodload zsh/zpty' 2>/dev/null || skip "zsh has no zsh/zpty module"
	run -0 zsh_complete 'haul --retr'
	assert_equal "$(sort <<<"$output")" "$(printf '%s\n' --retry --retry-connrefused --retry-delay --retry-max-delay)"
	run -0 zsh_complete 'haul -'
	assert_equal "$(LC_ALL=C sort <<<"$output")" "$(def_option_words)"
	run -0 zsh_complete 'haul --progress '
	assert_equal "$(sort <<<"$output")" "$(printf '%s\n' bar dots none)"
	run -0 zsh_complete 'haul --stream='
	assert_equal "$(sort <<<"$output")" "$(printf -- '--stream=%s\n' auto events lines raw)"
}

@test "docs: fish completes options and values" {
	command -v fish >/dev/null || skip "fish is not installed"
	run -0 fish -c "source '$FISHC'; complete -C 'haul --retr'"
	assert_equal "$(cut -f1 <<<"$output" | sort)" \
		"$(printf '%s\n' --retry --retry-connrefused --retry-delay --retry-max-delay)"
	run -0 fish -c "source '$FISHC'; complete -C 'haul -'"
	assert_equal "$(cut -f1 <<<"$output" | LC_ALL=C sort)" "$(def_option_words)"
	run -0 fish -c "source '$FISHC'; complete -C 'haul --progress '"
	assert_equal "$(cut -f1 <<<"$output" | sort)" "$(printf '%s\n' bar dots none)"
	run -0 fish -c "source '$FISHC'; complete -C 'haul --stream='"
	assert_equal "$(cut -f1 <<<"$output" | sort)" \
		"$(printf -- '--stream=%s\n' auto events lines raw)"
	run -0 fish -c "source '$FISHC'; complete -C 'haul --checksum '"
	assert_equal "$(cut -f1 <<<"$output" | sort)" "$(printf '%s\n' sha256: sha512:)"
}
