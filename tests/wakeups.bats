#!/usr/bin/env bats
# wakeups.bats - a fast HTTP/1 body wakes haul once per 256 KiB (its
# socket's SO_RCVLOWAT, src/rcvlowat.h), and never holds a byte back: the
# end of every body, a kept-alive connection's next response and a body
# that stops are read at every byte again.  haul -v says when a socket
# changes, and why.

load helpers

setup_file() {
	testsrv_start "$BATS_FILE_TMPDIR"
}

teardown_file() {
	testsrv_stop
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	BG_PID=
}

teardown() {
	if [ -n "$BG_PID" ]; then
		kill -KILL "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
}

# wake_lines URL FILE: haul -v's lines about URL's socket in FILE, without
# the "haul: URL: " in front.
wake_lines() {
	awk -v p="haul: $1: " 'index($0, p) == 1 {
		rest = substr($0, length(p) + 1)
		if (rest ~ /^(fast body: |waking at )/) print rest
	}' "$2"
}

@test "a fast body, then a second response over the same kept-alive connection: batched, the end read at every byte first; byte-exact" {
	local a="$TESTSRV_URL/wk/a?size=67108871&seed=3" b="$TESTSRV_URL/wk/b?size=32M&seed=4" try ok= last
	local course="fast body: waking once per 256 KiB received
waking at every byte received again: the end of the body is near"
	# A body that pauses 10 ms (a loaded machine) goes back to every byte
	# and may end there; three tries for one that shows the whole course.
	for try in 1 2 3; do
		rm -f a.bin b.bin
		run -0 --separate-stderr haul -v -P 1 -o a.bin "$a" -o b.bin "$b"
		assert_equal "$(sha256_of a.bin)" "$(gen_sha 67108871 3)"
		assert_equal "$(sha256_of b.bin)" "$(gen_sha 32M 4)"
		printf '%s\n' "$stderr" >"err.$try"
		# The second body may come whole while libcurl is still reading
		# (no read event, so no speed sample: not batched); when it is
		# batched, its end too is read at every byte.
		last=$(wake_lines "$b" "err.$try" | tail -n 2)
		if [ "$(wake_lines "$a" "err.$try" | tail -n 2)" = "$course" ] &&
			{ [ -z "$last" ] || [ "$last" = "$course" ]; }; then
			ok=1
			break
		fi
	done
	if [ -z "$ok" ]; then
		cat err.1
		fail "no run of three batched the first body and ended it at every byte"
	fi
	# One connection for the two (the last try's): the second response was
	# read after the first body's end set the socket back to every byte.
	run -0 jq -n '[inputs | select(.ev == "req" and (.path | startswith("/wk/"))) | .conn]
		| .[-2:] | unique | length' "$TESTSRV_LOG"
	assert_output 1
}

@test "a fast body that stops: what came before the stop is read 10 ms later, not when the server goes on" {
	local url try ok= rc
	# 32 MiB + 1000 bytes: no batch ends there.  A body that was not fast
	# enough to batch (a loaded machine) proves nothing: three tries.
	for try in 1 2 3; do
		# A hold fires once per path: a path of its own for each try.
		url="$TESTSRV_URL/wk/stop$try?size=64M&seed=5&hold=33555432"
		rm -f stop.bin stop.bin.part stop.bin.part.haul err
		# shellcheck disable=SC2086 # the wrapper is a word list
		${HAUL_WRAPPER:-} "$HAUL" -v -o stop.bin "$url" 2>err 3>&- &
		BG_PID=$!
		testsrv_wait_log ".ev == \"hold\" and .name == \"/wk/stop$try\""
		# The server has handed every byte before the hold to the socket.
		wait_until "[ \"\$(stat -c %s stop.bin.part 2>/dev/null)\" = 33555432 ]"
		if grep -a -q -F "haul: $url: waking at every byte received again: no byte for 10 ms" err; then
			ok=1
		fi
		run -0 testsrv_release "/wk/stop$try"
		rc=0
		wait "$BG_PID" || rc=$?
		BG_PID=
		assert_equal "$rc" 0
		assert_equal "$(sha256_of stop.bin)" "$(gen_sha 64M 5)"
		[ -z "$ok" ] || break
	done
	if [ -z "$ok" ]; then
		cat err
		fail "no run of three batched the body before the stop"
	fi
}
