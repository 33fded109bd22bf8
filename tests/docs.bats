#!/usr/bin/env bats
# docs.bats - the manual and the shell completions say what the program does.
#
# The options are declared once, in the table of src/options.def: --help is
# printed from it and the bash, zsh and fish completions are generated from
# it (src/optgen, `make completions`), while man/haul.1 is written by hand.
# `src/optgen table` lists the table as haul was built with it; these tests
# hold the page, --help and the completions to it (names, short letters,
# value kinds and names, allowed values, defaults, limits) and run each
# completion for real.  They also check exit statuses, event types and
# JSON fields against the code, and render the page (no warnings, 80
# columns).

load helpers

bats_require_minimum_version 1.5.0

setup() {
	MAN=$HAUL_SRCDIR/man/haul.1
	DEF=$HAUL_SRCDIR/src/options.def
	EXITH=$HAUL_SRCDIR/src/exitcodes.h
	BASHC=$HAUL_SRCDIR/completions/haul
	ZSHC=$HAUL_SRCDIR/completions/_haul
	FISHC=$HAUL_SRCDIR/completions/haul.fish
	# Set by make check; the build tree next to $HAUL otherwise.
	OPTGEN=${OPTGEN:-$(dirname "$HAUL")/src/optgen}
	export OPTGEN
	export LC_ALL=C.UTF-8
}

# ---- what the program has ------------------------------------------------

# The option table, one option per line, tab-separated: long name, short
# letter, value kind (none, required, optional), value name, group, the
# man page's tag line, the words the value may be, default, limits, what
# completions offer (file, dir, url, prefix), "next" when an optional
# value may also be the next word (--help TOPIC); "-" where there is none.
table() {
	"$OPTGEN" table
}

# Every option word: -X and --long, one per line, sorted.
table_option_words() {
	table | awk -F'\t' '{ print "--" $1; if ($2 != "-") print "-" $2 }' | LC_ALL=C sort
}

# Exit statuses listed by `haul --help exit-codes`.
help_codes() (
	set -o pipefail
	"$HAUL" --help exit-codes | sed -nE 's/^ *([0-9]+)  .*/\1/p' | sort -n
)

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

@test "docs: src/optgen lists every row of options.def, with kinds and values" {
	local n
	n=$(grep -c '^OPT(' "$DEF")
	((n >= 40)) || fail "only $n OPT rows in $DEF"
	run -0 table
	assert_equal "${#lines[@]}" "$n"
	# Eleven fields on every line, and each kind, group and list present.
	assert_equal "$(table | awk -F'\t' 'NF != 11')" ''
	assert_equal "$(table | cut -f3 | sort -u)" "$(printf '%s\n' none optional required)"
	assert_equal "$(table | cut -f5 | uniq)" \
		"$(printf '%s\n' Output Request 'Retry and resume' 'Reports and messages')"
	local col
	for col in 2 4 7 8 9 10; do
		[ "$(table | cut -f"$col" | grep -vcx -- -)" -ge 4 ] ||
			fail "column $col of the table is (nearly) empty"
	done
}

# The options of `haul --help` as the table lists them: long name, short
# letter, value kind and value name, then the whole help text.
help_options() {
	"$HAUL" --help | awk '
		function flush() { if (left != "") print left "\t" text; left = "" }
		left != "" && length($0) > 30 && substr($0, 1, 30) ~ /^ *$/ {
			t = $0; sub(/^ +/, "", t); text = text " " t; next
		}
		/^  -[A-Za-z0-9], --/ || /^      --/ {
			flush()
			l = substr($0, 1, 30); text = substr($0, 31)
			if (length($0) < 30 || substr($0, 30, 1) != " ") { l = $0; text = "" }
			sub(/ +$/, "", l); sub(/^ +/, "", l)
			short = "-"
			if (l ~ /^-[^-],/) { short = substr(l, 2, 1); l = substr(l, 5) }
			kind = "none"; arg = "-"
			if (match(l, /\[=[^]]+\]$/)) {
				kind = "optional"; arg = substr(l, RSTART + 2, RLENGTH - 3)
				l = substr(l, 1, RSTART - 1)
			} else if (index(l, " ")) {
				kind = "required"; arg = substr(l, index(l, " ") + 1)
				l = substr(l, 1, index(l, " ") - 1)
			}
			sub(/^--/, "", l)
			left = l "\t" short "\t" kind "\t" arg
			next
		}
		{ flush() }
		END { flush() }'
}

@test "docs: --help shows each option as the table says: letter, value, values, default" {
	run -0 help_options
	local help=$output
	assert_equal "$(cut -f1-4 <<<"$help")" "$(table | cut -f1-4)"
	local long words def text w bad=
	declare -A texts=()
	while IFS=$'\t' read -r long _ _ _ text; do
		texts[$long]=$text
	done <<<"$help"
	while IFS=$'\t' read -r long words def; do
		text=${texts[$long]-}
		[ -n "$text" ] || bad+=" --$long(no text)"
		for w in $words; do
			[ "$w" = - ] && continue
			[[ $text == *"$w"* ]] || bad+=" --$long($w)"
		done
		if [ "$def" != - ]; then
			[[ $text == *"(default $def)"* ]] || bad+=" --$long(default $def)"
		elif [[ $text == *"(default "[!:]* ]]; then
			bad+=" --$long(a default the table does not have)"
		fi
	done < <(table | cut -f1,7,8)
	[ -z "$bad" ] || fail "--help does not show:$bad"
}

@test "docs: each --help topic of the table is one haul prints" {
	local topic n=0
	for topic in $(table | awk -F'\t' '$1 == "help" { print $7 }'); do
		run -0 --separate-stderr "$HAUL" --help "$topic"
		[ -n "$output" ] && [ "$output" != "$("$HAUL" --help)" ] ||
			fail "--help $topic prints nothing of its own"
		n=$((n + 1))
	done
	((n > 0)) || fail "no --help topic in the table"
}

# "group<TAB>tag line" for each .TP entry of the man page's OPTIONS.
man_option_tags() {
	man_section OPTIONS | awk '
		/^\.SS / { g = substr($0, 5); gsub(/"/, "", g) }
		tp { print g "\t" $0 } { tp = /^\.TP/ }'
}

@test "docs: the man page's OPTIONS has the table's options, tags, groups and order" {
	run -0 man_option_tags
	local man=$output
	[ -n "$man" ]
	# Each tag holds the short letter, the long name and the value's kind
	# and name: .B "\-c, \-\-continue", .BI "\-\-retry " N,
	# .BR \-\-stream [ =\fIMODE\fR ].
	assert_equal "$man" "$(table | cut -f5,6)"
}

# Each entry of the man page's OPTIONS as "tag line<TAB>text": the text on
# one line, macro names, font changes and quotes taken out, "\-" as "-".
man_entries() {
	man_section OPTIONS | awk '
		function plain(s) {
			sub(/^\.[A-Z]+ ?/, "", s)
			gsub(/\\f[BIRP]/, "", s)
			gsub(/\\-/, "-", s)
			gsub(/\\\(lq|\\\(rq/, "\"", s)
			gsub(/"/, "", s)
			return s
		}
		function flush() { if (tag != "") print tag "\t" text; tag = ""; text = "" }
		/^\.(TP|SS|SH)/ { flush(); tp = /^\.TP/; next }
		tp { tag = $0; tp = 0; next }
		tag != "" { text = text " " plain($0) }
		END { flush() }'
}

@test "docs: each OPTIONS entry names the option's values, default and limits" {
	local long tag words def limits text w re bad= checked=0
	declare -A entry=()
	while IFS=$'\t' read -r tag text; do
		entry[$tag]=$text
	done < <(man_entries)
	((${#entry[@]} >= 40)) || fail "only ${#entry[@]} entries in OPTIONS"
	while IFS=$'\t' read -r long tag words def limits; do
		text=${entry[$tag]-}
		[ -n "$text" ] || { bad+=" --$long(no entry)"; continue; }
		for w in $words; do
			[ "$w" = - ] && continue
			# A whole word ("sha256:" starts one: sha256:HEX).
			re="(^|[^[:alnum:]-])${w//./\\.}"
			[[ $w == *: ]] || re+="([^[:alnum:]-]|\$)"
			[[ $text =~ $re ]] || bad+=" --$long($w)"
			checked=$((checked + 1))
		done
		if [ "$def" != - ]; then
			re="default ${def//./\\.}([^[:alnum:].]|\$)"
			[[ $text =~ $re ]] || bad+=" --$long(default $def)"
			checked=$((checked + 1))
		fi
		if [ "$limits" != - ]; then
			[[ $text == *"$limits"* ]] || bad+=" --$long($limits)"
			checked=$((checked + 1))
		fi
	done < <(table | cut -f1,6-9)
	[ -z "$bad" ] || fail "not in the man page's OPTIONS entry:$bad"
	((checked >= 30)) || fail "only $checked values, defaults and limits checked"
}

@test "docs: the completions are what src/optgen writes from the table" {
	local c stale=
	for c in bash:"$BASHC" zsh:"$ZSHC" fish:"$FISHC"; do
		run -0 "$OPTGEN" "${c%%:*}"
		[ -n "$output" ]
		"$OPTGEN" "${c%%:*}" | cmp -s - "${c#*:}" || stale+=" ${c#*:}"
	done
	[ -z "$stale" ] || fail "out of date, run make completions:$stale"
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

# Each list below is read from the source; every one is checked to be
# non-empty, so a pattern that stops matching fails instead of checking
# nothing.  The helpers are subshells with pipefail: a failing step fails.

# The JSON keys that FILE... write: the name argument of every
# cJSON_Add*ToObject call and of the files' own add_* helpers (add_u64,
# add_str_or_null, ...), one per line, sorted.
code_keys() (
	set -o pipefail
	grep -ohE '\b(cJSON_Add[A-Za-z]*ToObject|text_json_add|add_[a-z0-9_]+)\([[:space:]]*[A-Za-z_][A-Za-z_0-9]*[[:space:]]*,[[:space:]]*"[a-z_0-9]+"' "$@" |
		sed -E 's/.*"([a-z_0-9]+)"$/\1/' | sort -u
)

# Event types: begin("type", ...) in events.c.
code_event_types() (
	set -o pipefail
	grep -oE '\bbegin\("[a-z_]+"' "$HAUL_SRCDIR/src/events.c" | cut -d'"' -f2 | sort -u
)

# Disconnect kinds and response actions: the names classify.c and
# response.c give their enums ("case DISC_FIN: return "closed"").
code_kind_names() (
	set -o pipefail
	{
		grep -ohE 'case (DISC|RESP)_[A-Z_]+: return "[a-z-]+"' \
			"$HAUL_SRCDIR/src/classify.c" "$HAUL_SRCDIR/src/response.c"
		# The disconnect kinds are an X-macro list: X(NAME, "word").
		grep -ohE '^ *X\([A-Z_]+, *"[a-z-]+"\)' "$HAUL_SRCDIR/src/classify.h"
	} | cut -d'"' -f2 | grep -vx none | sort -u
)

# Allocator names: [MEM_X] = "name".
code_allocators() (
	set -o pipefail
	grep -ohE '\[MEM_[A-Z]+\] = "[a-z]+"' "$HAUL_SRCDIR"/src/mem.c "$HAUL_SRCDIR"/src/memstats.c |
		cut -d'"' -f2 | sort -u
)

# Every word of every string literal in src/*.c and src/*.h (what the
# program can print or write), one per line.
code_words() (
	set -o pipefail
	grep -ohE '"([^"\\]|\\.)*"' "$HAUL_SRCDIR"/src/*.c "$HAUL_SRCDIR"/src/*.h | tr -c 'A-Za-z0-9_\n-' '\n' | grep -v '^$' | sort -u
)

# The names section $1 documents: the first word of each .B, .BR, .BI or
# .IR line that is a lowercase name (a JSON key or value, "\-" read as
# "-"), except references to other pages (".BR fsync (2)") and commands
# with options (".B kill \-9").
man_names() (
	set -o pipefail
	man_section "$1" | awk '
		$1 ~ /^\.(B|BR|BI|IR)$/ && $3 !~ /^(\([0-9]|\\-)/ {
			w = $2; gsub(/"/, "", w)
			if (w ~ /^[a-z][a-z0-9_]*(\\-[a-z0-9]+)*$/) { gsub(/\\-/, "-", w); print w }
		}' | sort -u
)

# need_list NAME VALUE: fails unless VALUE (a list) has at least one line.
need_list() {
	[ -n "$2" ] || fail "found no $1 in the source or the page: the pattern that reads them is out of date"
}

@test "docs: every event type, field and value of events.c is in EVENTS" {
	local types keys values name missing=
	types=$(code_event_types)
	keys=$(code_keys "$HAUL_SRCDIR/src/events.c")
	values=$(code_kind_names)
	need_list "event types" "$types"
	need_list "event fields" "$keys"
	need_list "disconnect kinds and response actions" "$values"
	# The fields are many: a pattern that finds only a few is broken too.
	[ "$(wc -l <<<"$keys")" -ge 20 ] || fail "only $(wc -l <<<"$keys") event fields found: $keys"
	for name in $types $keys $values; do
		man_documents EVENTS "$name" || missing+=" $name"
	done
	if [ -n "$missing" ]; then
		echo "not documented in EVENTS:$missing"
		return 1
	fi
}

@test "docs: every field of summary.c, memstats.c and the journal is documented" {
	local file section names name missing=
	for file in summary.c:SUMMARY memstats.c:MEMSTATS journal.c:"OUTPUT FILES" mem.c:MEMSTATS; do
		section=${file#*:}
		file=$HAUL_SRCDIR/src/${file%%:*}
		if [ "${file##*/}" = mem.c ]; then
			names=$(code_allocators)
		else
			names=$(code_keys "$file")
		fi
		need_list "fields in ${file##*/}" "$names"
		for name in $names; do
			man_documents "$section" "$name" || missing+=" $section:$name"
		done
	done
	# The strings that may be null go through add_str_or_null: read too.
	local strnull summary
	strnull=$(set -o pipefail; grep -oE 'add_str_or_null\([^,]+, *"[a-z_0-9]+"' "$HAUL_SRCDIR/src/summary.c" | cut -d'"' -f2)
	need_list "add_str_or_null fields in summary.c" "$strnull"
	summary=$(code_keys "$HAUL_SRCDIR/src/summary.c")
	for name in $strnull; do
		grep -qxF "$name" <<<"$summary" || fail "add_str_or_null field $name not read"
	done
	if [ -n "$missing" ]; then
		echo "not documented:$missing"
		return 1
	fi
}

@test "docs: every name EVENTS, SUMMARY, MEMSTATS and the journal document is one the program writes" {
	local words section names name extra=
	words=$(code_words)
	need_list "string literals in src/" "$words"
	for section in EVENTS SUMMARY MEMSTATS "OUTPUT FILES"; do
		names=$(man_names "$section")
		need_list "names in $section" "$names"
		for name in $names; do
			grep -qxF -- "$name" <<<"$words" || extra+=" $section:$name"
		done
	done
	if [ -n "$extra" ]; then
		echo "documented, but written nowhere in src/*.c:$extra"
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
	assert_equal "$(LC_ALL=C sort <<<"$output")" "$(table_option_words | grep -- '^--retr')"
	run -0 bash_complete haul -
	assert_equal "$(LC_ALL=C sort <<<"$output")" "$(table_option_words)"
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

# ---- every option's value, in each shell, from the table ------------------

# Sorts the words of each line's field $1 (tab-separated), keeping each once.
sort_words() {
	awk -F'\t' -v OFS='\t' -v f="$1" '{
		n = split($f, w, " "); out = ""
		for (i = 2; i <= n; i++) {
			x = w[i]
			# As strings: -4 and -6 would compare as numbers.
			for (j = i - 1; j >= 1 && (w[j] "") > (x ""); j--) w[j + 1] = w[j]
			w[j + 1] = x
		}
		for (i = 1; i <= n; i++) if (i == 1 || w[i] != w[i - 1]) out = out w[i] " "
		$f = out; print }'
}

# completion_cases SHELL: the cases of the table-driven completion tests,
# one per line: "LINE<TAB>WANT<TAB>NOT", LINE being a command line up to
# the cursor and WANT what completing its last word must offer: the words
# of the table row, nothing, or @files (dir.d file.iso), @dirs (dir.d),
# @urls (zsh: http:// and such; the others offer nothing), @options (the
# option names; zsh leaves out those already given); NOT are words it must
# not offer.  A required value is the next word, so "-" there is no
# option (fish offers the options anyway: not asked); an optional one only
# follows "=" (short options take none), so the next word is a URL, unless
# the value may also be the next word (--help TOPIC); after --help or
# --version (which stand alone) zsh offers nothing more.
completion_cases() {
	table | cut -f1-3,7,10,11 | awk -F'\t' -v shell="$1" '
		function add(line, want, not) { printf "%s\t%s\t%s\n", line, want, not }
		{
			long = $1; short = $2; kind = $3; words = $4; comp = $5; next_word = $6 == "next"
			want = words == "-" ? "" : words
			if (want == "" && comp == "file") want = "@files"
			if (want == "" && comp == "dir") want = "@dirs"
			if (want == "" && comp == "url") want = "@urls"
			alone = long == "help" || long == "version"
			n = split("--" long (short == "-" ? "" : " -" short), names, " ")
			for (i = 1; i <= n; i++) {
				o = names[i]
				if (kind == "required") {
					add("haul " o " ", want)
					if (shell != "fish") add("haul " o " -", "")
				} else if (kind == "optional") {
					if (o ~ /^--/) add("haul " o "=", want)
					if (next_word) {
						add("haul " o " ", want)
						if (shell != "fish") add("haul " o " -", "")
					} else {
						add("haul " o " ", "@urls", words)
						add("haul " o " -", "@options")
					}
				} else {
					add("haul " o " ", alone ? "" : "@urls")
					if (!alone) add("haul " o " -", "@options")
				}
			}
		}' | sort_words 2
}

# check_completions SHELL: runs every case of completion_cases through
# complete_SHELL (which prints "== LINE" and then each match of LINE) in a
# directory holding dir.d and file.iso, and fails naming each case whose
# matches differ.
check_completions() {
	local shell=$1 cases line want not w got bad= n=0
	mkdir -p "$BATS_TEST_TMPDIR/files/dir.d"
	touch "$BATS_TEST_TMPDIR/files/file.iso"
	cd "$BATS_TEST_TMPDIR/files"
	cases=$(completion_cases "$shell")
	declare -A out=()
	# "LINE<TAB>matches": "--opt=value" as value, "dir.d/" as dir.d.
	while IFS=$'\t' read -r line got; do
		out[$line]=$got
	done < <(cut -f1 <<<"$cases" | "complete_$shell" | awk '
		/^== / { if (line != "") print line "\t" m; line = substr($0, 4); m = ""; next }
		{ sub(/^--[^=]*=/, ""); if ($0 !~ /\/\/$/) sub(/\/$/, ""); if ($0 != "") m = m " " $0 }
		END { if (line != "") print line "\t" m }' | sort_words 2)
	local options files="dir.d file.iso " dirs="dir.d "
	options=$(table_option_words | tr '\n' ' ')
	while IFS=$'\t' read -r line want not; do
		n=$((n + 1))
		[ "${out[$line]+set}" ] || { bad+=$'\n'"'$line': no answer"; continue; }
		got=${out[$line]}
		for w in ${not/#-/}; do
			[[ " $got" != *" $w "* ]] || bad+=$'\n'"'$line': offered $w"
		done
		case $shell:${want% } in
		*:@options) want=$options ;;
		*:@files) want=$files ;;
		*:@dirs) want=$dirs ;;
		zsh:@urls) [[ " $got" == *" http:"* ]] && continue ;;
		*:@urls) want= ;;
		esac
		# zsh's _files adds what it found to its first guess: a superset.
		if [[ $shell == zsh && ($want == "$files" || $want == "$dirs") ]]; then
			[[ " $got" == *" dir.d "* ]] && [[ $want == "$dirs" || " $got" == *" file.iso "* ]] &&
				continue
		fi
		# zsh leaves out the options already on the line and those they
		# exclude: some must still be offered.
		if [[ $shell == zsh && $want == "$options" ]]; then
			[[ " $got" == *" --output "* ]] && continue
		fi
		[ "$got" = "$want" ] || bad+=$'\n'"'$line': offered [$got], want [$want]"
	done <<<"$cases"
	((n >= 60)) || fail "only $n cases"
	[ -z "$bad" ] || fail "$shell completions that differ from the table:$bad"
}

# complete_bash: each line of stdin completed with completions/haul; a
# "--opt=" word is split at "=" as bash's COMP_WORDBREAKS does.
complete_bash() {
	bash -c '
		source "$1" || exit 1
		while IFS= read -r line; do
			read -r -a COMP_WORDS <<<"$line"
			[[ $line == *" " ]] && COMP_WORDS+=("")
			last=${COMP_WORDS[-1]}
			if [[ $last == --*=* ]]; then
				unset "COMP_WORDS[-1]"
				COMP_WORDS+=("${last%%=*}" = "${last#*=}")
				[ -z "${last#*=}" ] && unset "COMP_WORDS[-1]"
			fi
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMPREPLY=()
			_haul haul "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
			printf "== %s\n" "$line"
			printf "%s\n" "${COMPREPLY[@]}"
		done
	' bash "$BASHC"
}

@test "docs: bash completes each option's value as the table says" {
	check_completions bash
}

# complete_zsh: each line of stdin completed by zsh with completions/_haul:
# an interactive zsh on a pseudo-terminal (zsh/zpty) gets each line and a
# TAB, with compadd replaced by a function that writes each match to a
# file (the technique of zsh-capture-completion); TAB writes an end mark
# there once completion is over.
complete_zsh() {
	local dir=$BATS_TEST_TMPDIR/zsh
	mkdir -p "$dir"
	cat >"$dir/child.zsh" <<-'EOF'
		PROMPT=
		autoload -U compinit && compinit -u -D
		zc-complete() { zle complete-word; print -r -- '--END--' >>| $ZC_OUT }
		zle -N zc-complete
		bindkey '^M' undefined; bindkey '^J' undefined; bindkey '^I' zc-complete
		zstyle ':completion:*' list-grouped false
		zstyle ':completion:*' insert-tab false
		compadd() {
			if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
				builtin compadd "$@"; return
			fi
			local -a hits; local -A apre
			builtin compadd -A hits "$@"
			zparseopts -E P:=apre
			local h; for h in $hits; do print -r -- "$IPREFIX${apre[-P]}$h" >>| $ZC_OUT; done
		}
	EOF
	# shellcheck disable=SC2016 # zsh expands these, not bash
	timeout 300 zsh -f -c '
		zmodload zsh/zpty || exit 2
		local out=$3 line junk
		integer waits
		zpty z zsh -f -i
		zpty -w z "ZC_OUT=${(q)out}; fpath=(${(q)1} \$fpath); source ${(q)2}"
		while IFS= read -r line; do
			: >| $out
			zpty -n -w z $'\''\C-u'\''"$line"$'\''\t'\''
			waits=0
			while [[ $(tail -n 1 $out) != --END-- ]]; do
				(( ++waits > 1200 )) && { print -r -- "no answer: $line" >&2; exit 1 }
				while zpty -rt z junk; do :; done
				sleep 0.05
			done
			print -r -- "== $line"
			grep -vx -- --END-- $out
		done
		zpty -d z
	' zsh "$(dirname "$ZSHC")" "$dir/child.zsh" "$dir/out"
}

@test "docs: zsh parses the zsh completion" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run -0 zsh -n "$ZSHC"
	assert_output ''
	run -0 head -n 1 "$ZSHC"
	assert_output '#compdef haul'
}

@test "docs: zsh completes option names" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	zsh -f -c 'zmodload zsh/zpty' 2>/dev/null || skip "zsh has no zsh/zpty module"
	run -0 complete_zsh <<<$'haul --retr\nhaul -'
	assert_equal "$(sed -n '/^== haul --retr$/,/^== /{/^--/p}' <<<"$output" | LC_ALL=C sort)" \
		"$(table_option_words | grep -- '^--retr')"
	assert_equal "$(sed -n '/^== haul -$/,${/^-/p}' <<<"$output" | LC_ALL=C sort)" \
		"$(table_option_words)"
}

@test "docs: zsh completes each option's value as the table says" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	zsh -f -c 'zmodload zsh/zpty' 2>/dev/null || skip "zsh has no zsh/zpty module"
	check_completions zsh
}

# complete_fish: each line of stdin completed by fish with
# completions/haul.fish (one fish for all).
complete_fish() {
	# shellcheck disable=SC2016 # fish expands these, not bash
	fish -c 'source $argv[1]
		while read -l line
			echo "== $line"
			complete -C "$line" | string replace -r -- "\t.*" ""
		end' "$FISHC"
}

@test "docs: fish completes option names" {
	command -v fish >/dev/null || skip "fish is not installed"
	run -0 complete_fish <<<$'haul --retr\nhaul -'
	assert_equal "$(sed -n '/^== haul --retr$/,/^== /{/^--/p}' <<<"$output" | LC_ALL=C sort)" \
		"$(table_option_words | grep -- '^--retr')"
	assert_equal "$(sed -n '/^== haul -$/,${/^-/p}' <<<"$output" | LC_ALL=C sort)" \
		"$(table_option_words)"
}

@test "docs: fish completes each option's value as the table says" {
	command -v fish >/dev/null || skip "fish is not installed"
	check_completions fish
}
