#!/usr/bin/env bats
# streamends.bats - --stream at its ends: a last record with no end of its
# own is delivered when the stream ends cleanly, and a reconnect the
# server answers with a fresh stream is one gap, reported on stderr and as
# a "gap" event, with no byte of the old stream's torn record.

load helpers

setup_file() {
	testsrv_start "$BATS_FILE_TMPDIR"
}

teardown_file() {
	testsrv_stop
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

piped_sha() {
	set -o pipefail
	# shellcheck disable=SC2086 # the wrapper is a word list
	${HAUL_WRAPPER:-} "$HAUL" "$@" | sha256sum | cut -c1-64
}

@test "a stream that ends inside a line: the held part of that line is written at the end" {
	# 1000 bytes of 64-byte lines: 15 lines and 40 bytes of a sixteenth.
	run -0 --separate-stderr piped_sha --stream "$TESTSRV_URL/streamends/tail?size=1000&lines=1"
	assert_equal "$stderr" ""
	assert_output "$(testsrv_sha256 --size 1000 --lines)"
}

@test "a reconnect answered by a fresh stream: one gap, on stderr and in --events, the torn line dropped" {
	local url="$TESTSRV_URL/streamends/fresh?size=300K&lines=1&fin=100000&newv_at=2"
	# Cut at 100000 (1562 lines and 32 bytes); the reconnect's If-Range no
	# longer matches (version 2): a 200 with the whole new stream.
	run -0 --separate-stderr piped_sha --stream --retry-delay 0 --events ev.json "$url"
	assert_equal "${stderr_lines[1]}" "haul: $url: the stream restarted after a reconnect; bytes in between are lost (32 held bytes of an incomplete record dropped)"
	assert_equal "${#stderr_lines[@]}" 2
	local gen
	gen=$(testsrv_bin)
	assert_output "$( ("$gen" --gen --size 99968 --lines; "$gen" --gen --size 300K --lines --version 2) | sha256sum | cut -c1-64)"
	run -0 jq -c 'select(.event == "gap") | [.id, .lost, .reason]' ev.json
	assert_output '[1,null,"the server started the stream afresh"]'
	run -0 jq -r '.headers["if-range"] // "-"' <(testsrv_requests /streamends/fresh)
	assert_equal "${lines[0]}" "-"
	assert_equal "${lines[1]}" '"s1-v1-307200"'
}
