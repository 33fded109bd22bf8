#!/usr/bin/env bats
# parts.bats - one part of a -x download in trouble is dealt with on its
# own: a part whose connection stalls is abandoned after --stall-timeout
# and asked again from its next byte, while the others go on.

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

@test "-x 4: the last part stalls; only it is asked again, from the byte it stopped at" {
	# 64 MiB in four parts of 16 MiB; the stall is at byte 60000000, in the
	# last part (the first connection, cut at 16 MiB, never gets there).
	local url="$TESTSRV_URL/parts/stall?size=64M&seed=17&stall=60000000"
	run -0 --separate-stderr haul -x 4 --stall-timeout 0.5 --retry-delay 0 -o f "$url"
	assert_equal "$stderr" "haul: $url: segment 3: no data for 0.5s at byte 60000000; retry 1 of 10 in 0.0s"
	assert_equal "$(sha256_of f)" "$(gen_sha 64M 17)"
	# (The parts' requests reach the server in any order.)
	run -0 bash -c "jq -r '.headers.range // \"-\"' | sort" < <(testsrv_requests /parts/stall)
	assert_output "-
bytes=16777216-33554431
bytes=33554432-50331647
bytes=50331648-67108863
bytes=60000000-67108863"
	run -0 jq -sr '[.[] | select(.how == "stall-closed")] | length' < <(testsrv_ends /parts/stall)
	assert_output 1
}
