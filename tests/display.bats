#!/usr/bin/env bats
# display.bats - the progress display in a narrow terminal (40 columns,
# tmux): long names cut from the left, a total line while several
# transfers run, a FAIL line for one that failed, done lines, and nothing
# the display draws wider than the terminal (messages may wrap).

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
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
}

@test "a 40-column terminal: names cut from the left, a total line, a FAIL line, nothing wider" {
	command -v tmux >/dev/null || skip "tmux is not installed"
	local u=$TESTSRV_URL/display
	local long=a-file-with-a-rather-long-name.bin
	tmux -S "$TMUX_SOCK" -f /dev/null new-session -d -x 40 -y 20 -s narrow \
		"${HAUL_WRAPPER:-} \"\$HAUL\" --progress=bar -o $long '$u/a?size=2M&rate=500K' -o b.bin '$u/b?size=2M&rate=500K' -o c.bin '$u/c?status=404'; echo EXIT=\$?; sleep 600"
	local i pane captures=() total=0 cut=0
	for ((i = 0; i < 600; i++)); do
		pane=$(tmux -S "$TMUX_SOCK" capture-pane -p -J -t narrow) || fail "tmux capture failed"
		captures+=("$pane")
		[[ $pane == *$'\n'"total: "[0-9]" of 3 done"* ]] && total=1
		# The name column is 12 wide at least: "..." and the name's end.
		[[ $pane == *$'\n'"...-name.bin "* ]] && cut=1
		[[ $pane == *EXIT=* ]] && break
		sleep 0.05
	done
	[[ $pane == *EXIT=5* ]] || fail "haul did not end with exit 5: $pane"
	[ "$total" = 1 ] || fail "no 'total: N of 3 done' line was seen"
	[ "$cut" = 1 ] || fail "the long name was not cut from the left"
	# The FAIL line and the done lines are cut at 39 columns.
	local fail_line="FAIL  c.bin  the server answered with an HTTP error (4xx or 5xx) (exit 5)"
	printf '%s\n' "$pane" | grep -qxF "${fail_line:0:39}" || fail "no FAIL line: $pane"
	local done_line="done  $long"
	printf '%s\n' "$pane" | grep -qxF "${done_line:0:39}" || fail "no done line for $long: $pane"
	printf '%s\n' "$pane" | grep -q '^done  b\.bin  2\.0 MiB in ' || fail "no done line for b.bin: $pane"
	local c line
	for c in "${captures[@]}"; do
		while IFS= read -r line; do
			line=${line%"${line##*[! ]}"}
			case $line in
			haul:*) continue ;;    # messages may wrap
			esac
			[ "${#line}" -lt 40 ] || fail "a ${#line}-column line in a 40-column terminal: '$line'"
		done <<<"$c"
	done
	assert_equal "$(sha256_of "$long")" "$(gen_sha 2M)"
	assert_equal "$(sha256_of b.bin)" "$(gen_sha 2M)"
}
