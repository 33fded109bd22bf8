#!/bin/sh
# tests/coverage.sh - the report of `make coverage` (see Makefile.am).
#
#   tests/coverage.sh BUILD OUT MIN MIN_PURE PURE-FILE...
#
# BUILD is a tree built with --coverage in which `make check` ran; OUT gets
# summary.json (gcovr's per-file figures) and index.html (every line).
# Prints lines and branches per file of src/ and the total, then fails when
# the total line coverage is under MIN percent or that of a PURE-FILE (the
# pure layer, e.g. src/http.c) under MIN_PURE.  src/fault.c is the test
# build's fault injection, not haul, and is left out.  Lines marked
# GCOVR_EXCL_LINE (or a GCOVR_EXCL_START/STOP block) are left out too: each
# such mark says at its line why the line cannot run; their number is
# printed.  Needs gcovr and jq.
set -eu

build=$1 out=$2 min=$3 min_pure=$4
shift 4

mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$build"
gcovr --root . --filter 'src/' --exclude 'src/fault\.c' \
	--json-summary "$out/summary.json" \
	--html-details "$out/index.html" --html-title "haul: coverage of src/ by make check"

# file, lines covered/total, %, branches covered/total, % (one decimal,
# computed here: gcovr rounds its percentages).
jq -r '(.files[] | [.filename, .line_covered, .line_total, .branch_covered, .branch_total]),
       ["TOTAL", .line_covered, .line_total, .branch_covered, .branch_total] | @tsv' \
	"$out/summary.json" >"$out/table.tsv"

pure=" $* "
status=0
printf '%-18s %15s %15s\n' file lines branches
while IFS="$(printf '\t')" read -r file lc lt bc bt; do
	lp=$(awk -v c="$lc" -v t="$lt" 'BEGIN { printf "%.1f", t ? 100 * c / t : 100 }')
	bp=$(awk -v c="$bc" -v t="$bt" 'BEGIN { printf "%.1f", t ? 100 * c / t : 100 }')
	mark=""
	case $pure in
	*" $file "*)
		mark=" (pure layer)"
		if awk -v p="$lp" -v m="$min_pure" 'BEGIN { exit !(p < m) }'; then
			mark="$mark  UNDER $min_pure %"
			status=1
		fi
		;;
	esac
	if [ "$file" = TOTAL ]; then
		if awk -v p="$lp" -v m="$min" 'BEGIN { exit !(p < m) }'; then
			mark="  UNDER $min %"
			status=1
		fi
	fi
	printf '%-18s %5s/%-5s %5s%% %5s/%-5s %5s%%%s\n' "$file" "$lc" "$lt" "$lp" "$bc" "$bt" "$bp" "$mark"
done <"$out/table.tsv"

excluded=$(grep -c 'GCOVR_EXCL_LINE' src/*.c | awk -F: '{ n += $2 } END { print n + 0 }')
blocks=$(grep -c 'GCOVR_EXCL_START' src/*.c | awk -F: '{ n += $2 } END { print n + 0 }')
echo "left out as unreachable: $excluded lines marked GCOVR_EXCL_LINE, $blocks GCOVR_EXCL_START blocks"
echo "every line: $out/index.html"
if [ "$status" != 0 ]; then
	echo "coverage: under the target (total $min %, pure layer $min_pure % a file)" >&2
fi
exit "$status"
