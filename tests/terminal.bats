#!/usr/bin/env bats
# terminal.bats - descriptors and terminals: closed stdin, stdout or stderr
# get /dev/null; a body sent to the terminal is never overwritten by the
# progress display, and a binary one is refused; the display itself (bar
# width, names, total line, rates, --events - on the same terminal).
# Terminal tests run haul in a private tmux server and wait on what the
# pane or a file shows, never on the clock.

load helpers

setup_file() {
	testsrv_start "$BATS_FILE_TMPDIR"
}

teardown_file() {
	testsrv_stop
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
}

teardown() {
	# Only the private tmux server of this test, by its own socket.
	if [ -S "$TMUX_SOCK" ]; then
		tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
	fi
}

# term_run COLS SCRIPT-LINES...: runs the lines as a bash script in a
# detached COLSx40 terminal (20000 lines of history); the script's last
# step writes "rc" (atomically), then the pane stays open.
term_run() {
	local cols=$1
	shift
	command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
	printf 'set -g history-limit 20000\n' >tmux.conf
	{
		printf 'cd %q\n' "$BATS_TEST_TMPDIR"
		printf '%s\n' "$@"
		printf 'echo $? >rc.tmp; mv rc.tmp rc\nread -r _\n'
	} >term.sh
	tmux -S "$TMUX_SOCK" -f tmux.conf new-session -d -x "$cols" -y 40 \
		"HAUL='$HAUL' bash --norc --noprofile '$BATS_TEST_TMPDIR/term.sh'" 3>&-
}

# The whole pane, history included, wrapped lines joined, trailing empty
# lines dropped.
term_text() {
	tmux -S "$TMUX_SOCK" capture-pane -p -J -S - -E - | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# ---- closed descriptors ------------------------------------------------------

@test "stdin, stdout or stderr closed: /dev/null takes the place, the download completes" {
	local fds want
	want=$(gen_sha 1M 3)
	for fds in '<&-' '>&-' '2>&-' '<&- >&- 2>&-'; do
		rm -f f.bin
		run -0 bash -c "\"\$HAUL\" -o f.bin '$TESTSRV_URL/term/closed?size=1M&seed=3' $fds"
		assert_equal "$(sha256_of f.bin)" "$want"
		assert_file_not_exists f.bin.part
	done
	# Exit statuses stay the documented ones.
	run -5 bash -c "\"\$HAUL\" -o g.bin '$TESTSRV_URL/term/closed-404?status=404' <&- >&- 2>&-"
	assert_file_not_exists g.bin
	# A body for a closed stdout goes to /dev/null: nothing to fail on.
	run -0 bash -c "\"\$HAUL\" '$TESTSRV_URL/term/closed-body?size=100K' >&-"
}

@test "stderr closed: an --events file never gets the messages" {
	# The drop makes haul print a retry line; with stderr closed it must
	# go to /dev/null, not into the events file opened as fd 2.
	run -0 bash -c "\"\$HAUL\" --retry-delay 0.1 --events ev.ndjson -o e.bin \
		'$TESTSRV_URL/term/closed-ev?size=1M&fin=300K' 2>&-"
	assert_equal "$(sha256_of e.bin)" "$(gen_sha 1M)"
	run -0 jq -sr '[.[] | select(.event != "progress") | .event] | join(" ")' ev.ndjson
	assert_output "start response disconnect retry response resume done"
	# Every line is an event: no message landed in the file.
	run -1 grep -c -v '^{' ev.ndjson
	assert_output 0
}

# ---- a body on the terminal --------------------------------------------------

@test "a text body on the terminal: no progress line ever overwrites it" {
	# 400 lines at 40K/s: a second, so a bar would be drawn several times.
	term_run 120 "\"\$HAUL\" '$TESTSRV_URL/term/text?lines=1&size=25600&rate=40K'"
	wait_until "[ -s rc ]" 60
	assert_equal "$(cat rc)" 0
	local want
	want=$("$TESTSRV" --gen --size 25600 --lines)
	assert_equal "$(term_text)" "$want"
}

@test "a binary body to the terminal is refused with a hint (exit 4); -o - insists" {
	local msg="binary output would mess up the terminal; save it with -o FILE, or use -o - to send it to the terminal anyway"
	term_run 120 "\"\$HAUL\" --summary sum.json '$TESTSRV_URL/term/bin?size=64K'"
	wait_until "[ -s rc ]" 30
	assert_equal "$(cat rc)" 4
	assert_equal "$(term_text)" "haul: $TESTSRV_URL/term/bin?size=64K: $msg"
	run -0 jq -r '.transfers[0] | "\(.exit_code) \(.bytes) \(.message)"' sum.json
	assert_output "4 0 $TESTSRV_URL/term/bin?size=64K: $msg"
	# No byte of it was written (not even the part before the first NUL).
	tmux -S "$TMUX_SOCK" kill-server
	rm -f rc
	# -o - sends it anyway.
	term_run 120 "\"\$HAUL\" -o - --sha256 '$TESTSRV_URL/term/bin-insist?size=4K&seed=5' 2>sum.err"
	wait_until "[ -s rc ]" 30
	assert_equal "$(cat rc)" 0
	assert_equal "$(cat sum.err)" "haul: $(gen_sha 4K 5)  -"
	# Not a terminal: binary bodies pass as always.
	run -0 bash -c "\"\$HAUL\" '$TESTSRV_URL/term/bin-pipe?size=64K' | sha256sum"
	assert_output "$(gen_sha 64K)  -"
}

# ---- the progress display ----------------------------------------------------

@test "--events - on the terminal: only event lines and done lines, no bar left between them" {
	term_run 150 "\"\$HAUL\" --events - -o ev.bin '$TESTSRV_URL/term/ev?size=900K&rate=300K'"
	wait_until "[ -s rc ]" 60
	assert_equal "$(cat rc)" 0
	local text line n=0
	text=$(term_text)
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		if [[ $line == "{"* ]]; then
			jq -e . >/dev/null <<<"$line" || fail "a torn event line: '$line'"
			n=$((n + 1))
		elif [[ ! $line =~ ^done\ \ ev\.bin\ \  ]]; then
			fail "not an event: '$line'; pane: $text"
		fi
	done <<<"$text"
	[ "$n" -ge 4 ] || fail "only $n events: $text"
	assert_equal "$(sha256_of ev.bin)" "$(gen_sha 900K)"
}

@test "progress in a wide terminal: whole names, a steady bar, a total line of N of M, no rate from no time" {
	local long=a-name-of-sixty-characters-for-the-wide-terminal-test-00.bin
	[ "${#long}" = 60 ]
	term_run 200 "\"\$HAUL\" -O '$TESTSRV_URL/term/$long?size=1500K&rate=500K' \
		'$TESTSRV_URL/term/short.bin?size=1M&rate=400K' '$TESTSRV_URL/term/fast.bin?size=1M'"
	local i pane frames=() widths=() totals=""
	for ((i = 0; i < 2000; i++)); do
		pane=$(tmux -S "$TMUX_SOCK" capture-pane -p -J)
		frames+=("$pane")
		[ -s rc ] && break
		sleep 0.02
	done
	assert_equal "$(cat rc)" 0
	local f line w
	for f in "${frames[@]}"; do
		while IFS= read -r line; do
			if [[ $line == "$long ["* ]]; then
				w=${line#*\[}
				w=${w%%\]*}
				widths+=("${#w}")
			fi
			if [[ $line == total:* ]]; then
				[[ $line =~ ^total:\ [0-3]\ of\ 3\ done,\ [0-9]+\ active, ]] ||
					fail "total line without N of 3: '$line'"
				totals=yes
			fi
			[ "${#line}" -lt 200 ] || fail "a ${#line}-column line in 200 columns: '$line'"
		done <<<"$f"
	done
	echo "# bar widths seen: $(printf '%s\n' "${widths[@]}" | sort -u | tr '\n' ' ')" >&3
	[ "${#widths[@]}" -ge 2 ] || fail "the long name's bar line was not seen whole"
	assert_equal "$(printf '%s\n' "${widths[@]}" | sort -u | wc -l)" 1
	[ "$totals" = yes ] || fail "no total line seen"
	# The final lines: a transfer of less than half a second shows its
	# time in ms and no rate; the others a rate.
	pane=$(term_text)
	assert_regex "$pane" "(^|"$'\n'")done  $long  1\.5 MiB in [0-9.]+s \([0-9.]+ KiB/s\)"
	local fast
	fast=$(grep '^done  fast\.bin  ' <<<"$pane")
	[[ $fast =~ ^done\ \ fast\.bin\ \ 1\.0\ MiB\ in\ ([0-9]+\ ms|[0-9]+\.[0-9]s\ \([0-9.]+\ [KM]iB/s\))$ ]] ||
		fail "done line: '$fast'"
	if [[ $fast != *" ms" ]]; then
		# With a rate, the time says at least 0.5 s.
		local secs=${fast##* in }
		secs=${secs%%s *}
		awk -v s="$secs" 'BEGIN { exit !(s >= 0.5) }' || fail "a rate from ${secs}s: '$fast'"
	fi
	for f in "$long" short.bin fast.bin; do
		[ -f "$f" ] || fail "$f missing"
	done
	assert_equal "$(sha256_of "$long")" "$(gen_sha 1500K)"
}

@test "progress in 100 columns: the bar keeps its width while the figures change length" {
	# From "1000.0 KiB" to "1.0 MiB" and from KiB/s to MiB/s: the figures
	# after the bar change length, the bar must not.
	term_run 100 "\"\$HAUL\" -o steady.bin '$TESTSRV_URL/term/steady?size=2M&rate=800K'"
	local i pane widths=() line w
	for ((i = 0; i < 2000; i++)); do
		pane=$(tmux -S "$TMUX_SOCK" capture-pane -p -J)
		while IFS= read -r line; do
			if [[ $line == "steady.bin "*"["*"]"* ]]; then
				w=${line#*\[}
				w=${w%%\]*}
				widths+=("${#w}")
			fi
		done <<<"$pane"
		[ -s rc ] && break
		sleep 0.02
	done
	assert_equal "$(cat rc)" 0
	echo "# bar widths seen: $(printf '%s\n' "${widths[@]}" | sort -u | tr '\n' ' ')" >&3
	[ "${#widths[@]}" -ge 3 ] || fail "the bar was seen ${#widths[@]} times"
	assert_equal "$(printf '%s\n' "${widths[@]}" | sort -u | wc -l)" 1
	assert_equal "$(sha256_of steady.bin)" "$(gen_sha 2M)"
}

@test "-x: a part's retry line says retry 1 of N" {
	run -0 --separate-stderr haul -x 2 --retry 3 --retry-delay 0.1 -o seg.bin \
		"$TESTSRV_URL/term/seg?size=4M&fin=3M&rate=4M"
	assert_equal "$(sha256_of seg.bin)" "$(gen_sha 4M)"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^haul: .*/term/seg\?size=4M&fin=3M&rate=4M: segment 1: connection closed early at byte 3145728; retry 1 of 3 in [0-9]+\.[0-9]s\$"
}
