#!/bin/sh
# tests/mutation.sh - a small mutation check of the pure layer; what
# `make mutation` runs (see Makefile.am).
#
#   MUTATION_TESTS='tests/unit/test_x ...' tests/mutation.sh TREE [FILE:FUNCTIONS...]
#
# TREE is a configured, built copy of the sources (make mutation makes
# one); nothing outside it is touched.  Each mutant changes one operator
# at one place in the code under test:
#   comparisons   == and != swapped, < into <=, <= into <, > into >=,
#                 >= into >
#   off by one    "+ 1" and "- 1" dropped
# (not inside strings, comments or preprocessor lines).  For each mutant
# the file is changed, the unit tests and fuzz replays that include its
# header are rebuilt and run, and, when they all pass, haul is rebuilt and
# the bats tests of resuming run (tests/resume.bats); then the file is put
# back (also when interrupted).  A
# mutant is killed when a test fails (or hangs: 30 minutes), survives when
# all pass, and is stillborn when it does not compile.
#
# The places: FILE:FUNCTION,FUNCTION... (FILE:* for the whole file); by
# default response.c, journal.c and the Range/Content-Range arithmetic of
# http.c (status line, numbers, Content-Range, Content-Length) and head.c.
#
# tests/mutation-equivalent lists the survivors that are equivalent (no
# test can tell them from the original), one a line:
#     FILE<TAB>MUTATION<TAB>CODE<TAB>why
# where CODE is the original line, blanks squeezed.  The score counts them
# apart.  Output: one line per mutant, then the figures; the exit status
# is 1 when fewer than MUTATION_MIN percent (default 90) of the mutants
# that are not equivalent are killed.
set -u

tree=$(cd "$1" && pwd) || exit 2
shift
here=$(cd "$(dirname "$0")" && pwd)
equivalent=$here/mutation-equivalent
min=${MUTATION_MIN:-90}
[ $# -gt 0 ] || set -- 'src/response.c:*' 'src/journal.c:*' \
	'src/http.c:http_status_line,read_u64,http_content_range,http_content_length' \
	'src/head.c:head_line,head_final'

cd "$tree" || exit 2
# The unit tests and fuzz replays, from make mutation (MUTATION_TESTS).
unit_tests=${MUTATION_TESTS:-}
[ -n "$unit_tests" ] || { echo "mutation.sh: MUTATION_TESTS names no test" >&2; exit 2; }
log=$tree/mutation.log
: >"$log"

# Lists the mutants of FILE within FUNCTIONS ("*": all) as
# "LINE<TAB>COLUMN<TAB>FROM<TAB>TO" lines (COLUMN counts from 1).
mutants_of() {
	awk -v funcs=",$2," '
	function code_only(s,    out, i, c, n, q) {
		# Blanks out strings, character constants and // comments.
		out = ""; q = ""; n = length(s)
		for (i = 1; i <= n; i++) {
			c = substr(s, i, 1)
			if (q != "") {
				if (c == "\\") { out = out "  "; i++; continue }
				if (c == q) q = ""
				out = out " "; continue
			}
			if (c == "\"" || c == "'\''") { q = c; out = out " "; continue }
			if (c == "/" && substr(s, i + 1, 1) == "/") break
			out = out c
		}
		return out
	}
	function emit(col, from, to) { printf "%d\t%d\t%s\t%s\n", NR, col, from, to }
	/^[a-z_][a-z0-9_]*\(/ { fn = $0; sub(/\(.*/, "", fn) }
	/^}/ { infn = 0 }
	/^{/ { infn = 1 }
	{
		line = $0
		# Block comments (haul starts them on their own line).
		if (incomment) { if (line ~ /\*\//) incomment = 0; next }
		if (line ~ /^[ \t]*\/\*/) { if (line !~ /\*\//) incomment = 1; next }
		if (line ~ /^[ \t]*#/ || !infn) next
		if (funcs != ",*," && index(funcs, "," fn ",") == 0) next
		s = code_only(line)
		n = length(s)
		for (i = 1; i <= n; i++) {
			two = substr(s, i, 2); c = substr(s, i, 1)
			prev = i > 1 ? substr(s, i - 1, 1) : ""
			# Shifts, their assignments and -> are not comparisons.
			if (two == "<<" || two == ">>" || two == "->") {
				i++
				if (substr(s, i + 1, 1) == "=") i++
				continue
			}
			if (two == "==") { emit(i, "==", "!="); i++; continue }
			if (two == "!=") { emit(i, "!=", "=="); i++; continue }
			if (two == "<=") { emit(i, "<=", "<"); i++; continue }
			if (two == ">=") { emit(i, ">=", ">"); i++; continue }
			if (c == "<") { emit(i, "<", "<="); continue }
			if (c == ">") { emit(i, ">", ">="); continue }
			if ((c == "+" || c == "-") && substr(s, i + 1, 3) ~ /^ 1[^0-9]?$/ && prev == " " &&
			    substr(s, i + 2, 2) !~ /^1[0-9]/)
				emit(i - 1, " " c " 1", "")
		}
	}' "$1"
}

# Applies one mutant: FILE LINE COLUMN FROM TO (FILE is rewritten).
apply() {
	awk -v ln="$2" -v col="$3" -v from="$4" -v to="$5" '
	NR == ln {
		if (substr($0, col, length(from)) != from) { print "mutation.sh: no " from " at " ln ":" col > "/dev/stderr"; exit 3 }
		$0 = substr($0, 1, col - 1) to substr($0, col + length(from))
	}
	{ print }' "$1" >"$1.mutant" && mv "$1.mutant" "$1"
}

squeeze() {
	printf '%s' "$1" | tr -s ' \t' '  ' | sed 's/^ //; s/ $//'
}

# The tests of MUTATION_TESTS whose source includes FILE's header, or a
# header that includes it (response.h includes http.h): the only ones a
# change in FILE can fail, so the only ones relinked and run.
tests_of() {
	headers=" $(basename "$1" .c).h "
	while :; do
		more=$headers
		for h in src/*.h; do
			for k in $headers; do
				if grep -q "^#include \"$k\"" "$h" && case $more in *" ${h#src/} "*) false ;; *) true ;; esac; then
					more="$more${h#src/} "
				fi
			done
		done
		[ "$more" = "$headers" ] && break
		headers=$more
	done
	for t in $unit_tests; do
		for k in $headers; do
			if grep -q "^#include \"$k\"" "$t.c" 2>/dev/null; then
				echo "$t"
				break
			fi
		done
	done
}

run_units() {
	for t in $tests; do
		HAUL_SRCDIR=$tree timeout 120 "./$t" >>"$log" 2>&1 || return 1
	done
	return 0
}

# The tests of tests/resume.bats that fail, one name a line (a run that
# hangs for 30 minutes counts as a failure of "(timeout)").
bats_failures() {
	out=$(HAUL=$tree/haul TESTSRV=$tree/tests/server/testsrv HAUL_SRCDIR=$tree \
		timeout 1800 bats --tap tests/resume.bats 2>&1)
	rc=$?
	printf '%s\n' "$out" >>"$log"
	printf '%s\n' "$out" | sed -n 's/^not ok [0-9]* //p' | sort
	[ "$rc" != 124 ] || echo "(timeout)"
}

# Whether resume.bats fails for this mutant: a test must fail in two runs
# in a row, and not be one that fails without any mutant (on a loaded
# machine a timing-sensitive test may fail now and then; that is no kill).
run_bats() {
	first=$(bats_failures | comm -23 - "$tree/mutation.baseline")
	[ -n "$first" ] || return 0
	bats_failures | comm -23 - "$tree/mutation.baseline" >"$tree/mutation.second"
	! printf '%s\n' "$first" | comm -12 - "$tree/mutation.second" | grep -q .
}

# Interrupted: put the file under mutation back.
file=
# (cp, not mv: the file must be newer than the mutant's object for make.)
trap '[ -n "$file" ] && [ -f "$file.orig" ] && cp "$file.orig" "$file" && rm -f "$file.orig"; exit 130' INT TERM

# resume.bats without any mutant: what fails here fails for every mutant.
make -s haul >>"$log" 2>&1 || { echo "mutation.sh: haul does not build" >&2; exit 2; }
bats_failures >"$tree/mutation.baseline"
if [ -s "$tree/mutation.baseline" ]; then
	echo "resume.bats fails without a mutant (not counted against any):"
	sed 's/^/  /' "$tree/mutation.baseline"
fi

total=0 killed=0 survived=0 equiv=0 stillborn=0 by_bats=0
survivors=
for spec in "$@"; do
	file=${spec%%:*} funcs=${spec#*:}
	cp "$file" "$file.orig" || exit 2
	tests=$(tests_of "$file")
	[ -n "$tests" ] || { echo "mutation.sh: no test includes the header of $file" >&2; exit 2; }
	echo "$file: $(echo $tests)" >>"$log"
	mutants_of "$file" "$funcs" >"$file.mutants"
	while IFS="$(printf '\t')" read -r ln col from to; do
		code=$(sed -n "${ln}p" "$file.orig")
		key="$file	'$from' -> '$to'	$(squeeze "$code")"
		cp "$file.orig" "$file"
		apply "$file" "$ln" "$col" "$from" "$to" || exit 3
		total=$((total + 1))
		what="$file:$ln: '$from' -> '$to'"
		echo "=== $what" >>"$log"
		if ! make -s $tests >>"$log" 2>&1; then
			stillborn=$((stillborn + 1))
			echo "stillborn  $what"
			continue
		fi
		if ! run_units; then
			killed=$((killed + 1))
			echo "killed     $what (unit tests)"
		elif ! make -s haul >>"$log" 2>&1 || ! run_bats; then
			killed=$((killed + 1)) by_bats=$((by_bats + 1))
			echo "killed     $what (resume.bats)"
		elif [ -f "$equivalent" ] && cut -f 1-3 "$equivalent" | grep -qxF "$key"; then
			equiv=$((equiv + 1))
			echo "equivalent $what: $(squeeze "$code")"
		else
			survived=$((survived + 1))
			survivors="$survivors
  $what: $(squeeze "$code")"
			echo "SURVIVED   $what: $(squeeze "$code")"
		fi
	done <"$file.mutants"
	cp "$file.orig" "$file"
	rm -f "$file.orig" "$file.mutants"
	make -s haul $tests >>"$log" 2>&1
done

counted=$((total - stillborn - equiv))
echo "mutants: $total ($stillborn stillborn, $equiv equivalent); killed $killed of $counted" \
	"($by_bats only by resume.bats), $survived survived"
if [ "$counted" -gt 0 ]; then
	pct=$(awk -v k="$killed" -v n="$counted" 'BEGIN { printf "%.1f", 100 * k / n }')
	echo "mutation score: $pct % (target $min %)"
	[ -z "$survivors" ] || echo "survivors:$survivors"
	awk -v p="$pct" -v m="$min" 'BEGIN { exit !(p >= m) }' || exit 1
fi
exit 0
