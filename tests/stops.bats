#!/usr/bin/env bats
# stops.bats - how a run with several transfers stops: the reader of
# stdout goes away (every transfer that writes there ends as if by
# SIGPIPE, those not started too), or SIGINT comes while one transfer
# waits to retry and others wait their turn.  Each transfer's end is read
# from --summary; the waits are for states haul announces (a retry line, a
# .part that grew), never for the clock.

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
	return 0
}

# Each transfer's exit code and message from --summary FILE, one a line.
ends_in() {
	jq -r '.transfers[] | "\(.exit_code) \(.message)"' "$1"
}

# Starts haul in the background as BG_PID itself (exec: a signal sent to
# BG_PID reaches haul, not a subshell that ignores SIGINT), stderr to err.
haul_bg() {
	# shellcheck disable=SC2086 # the wrapper is a word list
	(exec ${HAUL_WRAPPER:-} "$HAUL" "$@" 2>err 3>&-) &
	BG_PID=$!
}

# haul's exit status with its stdout read for BYTES bytes only:
# short_reader BYTES ARGS... (run it under `run`).  A haul that never ends
# is stopped after two minutes (exit 124).
short_reader() {
	local bytes=$1
	shift
	set -o pipefail
	# shellcheck disable=SC2086 # the wrapper is a word list
	timeout 120 ${HAUL_WRAPPER:-} "$HAUL" "$@" | head -c "$bytes" >/dev/null
}

@test "the reader of stdout goes away: every transfer to stdout ends 141, the queued ones too" {
	local u=$TESTSRV_URL/stops/pipe
	# One at a time: the first is cut, the other two never start.
	run -141 --separate-stderr short_reader 1000 -P 1 --summary s1.json \
		"$u/a?size=1M" "$u/b?size=1M" "$u/c?size=1M"
	assert_equal "$stderr" ""
	run -0 ends_in s1.json
	assert_output "141 output pipe closed
141 output pipe closed
141 output pipe closed"
	run -0 testsrv_requests /stops/pipe/c
	assert_output ""
	# All at once: the two waiting for their turn on stdout end the same way.
	run -141 --separate-stderr short_reader 1000 -P 3 --summary s3.json \
		"$u/d?size=4M&rate=1M" "$u/e?size=4M" "$u/f?size=4M"
	assert_equal "$stderr" ""
	run -0 ends_in s3.json
	assert_output "141 output pipe closed
141 output pipe closed
141 output pipe closed"
}

@test "SIGINT while a transfer waits to retry: exit 130 at once, 'interrupted'" {
	haul_bg --retry-delay 60 --summary s.json -o f "$TESTSRV_URL/stops/retry?status=503"
	wait_until "grep -q 'retry 1 of 10 in 60.0s' err" 20
	kill -INT "$BG_PID"
	local rc=0
	wait "$BG_PID" || rc=$?    # not under `run`: its subshell cannot wait
	BG_PID=
	assert_equal "$rc" 130
	assert_equal "$(cat err)" "haul: $TESTSRV_URL/stops/retry?status=503: HTTP 503; retry 1 of 10 in 60.0s"
	run -0 ends_in s.json
	assert_output "130 interrupted"
	assert_file_not_exist f.part
}

@test "SIGINT with a transfer running and one queued: the queued one was interrupted before it started" {
	local u=$TESTSRV_URL/stops/queued
	haul_bg -P 1 --summary s.json -o f "$u/a?size=10M&rate=1M" -o g "$u/b?size=1K"
	wait_until "[ -s f.part ]" 20
	kill -INT "$BG_PID"
	local rc=0
	wait "$BG_PID" || rc=$?    # not under `run`: its subshell cannot wait
	BG_PID=
	assert_equal "$rc" 130
	run -0 ends_in s.json
	assert_output "130 interrupted
130 interrupted before it started"
	assert_regex "$(cat err)" "^haul: $u/a\\?size=10M&rate=1M: stopped with .* in f\\.part; run the same command with -c to continue$"
	assert_file_not_exist g
	assert_file_not_exist g.part
	run -0 testsrv_requests /stops/queued/b
	assert_output ""
	# -c finishes both.
	run -0 --separate-stderr haul -c -P 1 -o f "$u/a?size=10M" -o g "$u/b?size=1K"
	assert_equal "$(sha256_of f)" "$(gen_sha 10M)"
	assert_equal "$(sha256_of g)" "$(gen_sha 1K)"
}
