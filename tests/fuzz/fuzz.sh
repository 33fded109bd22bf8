#!/bin/sh
# tests/fuzz/fuzz.sh - run libFuzzer harnesses; what `make fuzz` and
# `make fuzz-long` call (see tests/fuzz/README).
#
#   fuzz.sh [--together] [--keep] [--merge] SECONDS SRCDIR OUT NAME...
#
# Runs tests/fuzz/fuzz_NAME (built with --enable-fuzzing, in the current
# directory) over a scratch corpus OUT/NAME/corpus, fed with the seeds
# SRCDIR/tests/fuzz/corpus/NAME and the regression inputs
# SRCDIR/tests/fuzz/regress/NAME.  SECONDS: how long each harness runs; 0
# runs until interrupted (Ctrl-C, SIGTERM), then reports as usual.
#   --together  all harnesses at once (one process each), not one by one
#   --keep      keep OUT/NAME/corpus from an earlier run and go on from it
#   --merge     afterwards, merge what was found into corpus/NAME (the
#               source tree), keeping only inputs that add coverage
# Prints one line per harness: executions, libFuzzer's coverage figures
# (cov: code edges reached, ft: features, corp: inputs kept), peak RSS;
# fails when a harness crashed or broke an invariant, naming the input
# and the command that replays it.
set -u

together=0 keep=0 merge=0
while [ $# -gt 0 ]; do
	case $1 in
	--together) together=1 ;;
	--keep) keep=1 ;;
	--merge) merge=1 ;;
	*) break ;;
	esac
	shift
done
if [ $# -lt 4 ]; then
	echo "usage: fuzz.sh [--together] [--keep] [--merge] SECONDS SRCDIR OUT NAME..." >&2
	exit 2
fi
seconds=$1 srcdir=$2 out=$3
shift 3

flags="-timeout=10 -rss_limit_mb=2048 -print_final_stats=1"
[ "$seconds" -gt 0 ] && flags="$flags -max_total_time=$seconds"

start() {
	n=$1
	dir=$out/$n
	[ "$keep" = 1 ] || rm -rf "$dir"
	rm -rf "$dir/crash"
	mkdir -p "$dir/corpus" "$dir/crash"
	seeds=$srcdir/tests/fuzz/corpus/$n
	regress=$srcdir/tests/fuzz/regress/$n
	[ -d "$regress" ] || regress=
	# shellcheck disable=SC2086 # flags and regress are word lists
	./tests/fuzz/fuzz_$n $flags -artifact_prefix="$dir/crash/" \
		"$dir/corpus" "$seeds" $regress >"$dir/log" 2>&1
}

report() {
	n=$1
	dir=$out/$n
	crash=$(ls "$dir/crash/" 2>/dev/null | head -n 1)
	if [ -n "$crash" ]; then
		tail -n 40 "$dir/log"
		echo "fuzz_$n: FAILED; input: $dir/crash/$crash"
		echo "  replay: ./tests/fuzz/fuzz_$n $dir/crash/$crash"
		return 1
	fi
	if ! grep -q '^stat::number_of_executed_units' "$dir/log"; then
		tail -n 40 "$dir/log"
		echo "fuzz_$n: FAILED: no final statistics (see $dir/log)"
		return 1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$dir/log")
	# The last status line: "#N DONE cov: C ft: F corp: K/SIZE ...".
	figures=$(grep -E '^#[0-9]+' "$dir/log" | tail -n 1 |
		sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\)\/\([^ ]*\).*/cov \1, ft \2, corpus \3 inputs (\4)/p')
	echo "fuzz_$n: $runs runs, $figures, peak RSS $rss MB"
	if [ "$merge" = 1 ]; then
		./tests/fuzz/fuzz_$n -merge=1 "$srcdir/tests/fuzz/corpus/$n" "$dir/corpus" \
			>>"$dir/log" 2>&1 || { echo "fuzz_$n: merge failed (see $dir/log)"; return 1; }
		echo "  corpus/$n: $(ls "$srcdir/tests/fuzz/corpus/$n" | wc -l) inputs after the merge"
	fi
}

# Waits for a process even when a signal's trap interrupts the wait.
wait_for() {
	while kill -0 "$1" 2>/dev/null; do
		wait "$1"
	done
}

# Ctrl-C reaches the harnesses too (one process group); a SIGTERM to this
# script is passed on.  Each harness then stops, prints its statistics,
# and is reported below; no further harness starts.
interrupted=0
rc=0
if [ "$together" = 1 ]; then
	pids=
	for n in "$@"; do
		start "$n" &
		pids="$pids $!"
	done
	trap 'interrupted=1; kill -INT $pids 2>/dev/null' INT TERM
	for p in $pids; do
		wait_for "$p"
	done
	for n in "$@"; do
		report "$n" || rc=1
	done
else
	trap 'interrupted=1; kill -INT $pid 2>/dev/null' INT TERM
	for n in "$@"; do
		echo "fuzz_$n: $([ "$seconds" -gt 0 ] && echo "${seconds}s" || echo "until interrupted")"
		start "$n" &
		pid=$!
		wait_for "$pid"
		report "$n" || rc=1
		[ "$interrupted" = 0 ] || break
	done
fi
[ "$interrupted" = 0 ] || echo "fuzz.sh: interrupted"
exit $rc
