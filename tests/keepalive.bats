#!/usr/bin/env bats
# keepalive.bats - many short transfers to one host reuse their kept-alive
# connections: -P N opens N, not a new one for each burst of transfers
# that end in one loop turn (libcurl sizes its cache of idle connections
# by the transfers it holds, unless told), and every body arrives
# byte-exact over them.

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

@test "640 small files at -P 32: 32 connections serve them all, each file byte-exact" {
	local i want
	for ((i = 0; i < 640; i++)); do
		printf '%s/ka/f%03d?size=4K&seed=7\n' "$TESTSRV_URL" "$i"
	done >list
	mkdir out
	run -0 --separate-stderr haul -P 32 --parallel-host 32 -O --output-dir out -i list
	assert_equal "$stderr" ""
	want=$(testsrv_sha256 --size 4K --seed 7)
	for ((i = 0; i < 640; i++)); do
		assert_equal "$(sha256sum <"out/$(printf 'f%03d' "$i")" | cut -d' ' -f1)" "$want"
	done
	run -0 jq -n '[inputs | select(.ev == "req" and (.path | startswith("/ka/"))) | .conn]
		| "\(length) \(unique | length)"' "$TESTSRV_LOG"
	assert_output '"640 32"'
}
