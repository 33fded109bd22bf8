#!/usr/bin/env bats
# retrypolicy.bats - a part of -x is judged by the same retry policy as a whole
# file: the same --events fields, the same --max-time, the same words.

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

@test "-x: a part answered with the whole file reports the total in its response event, as a file does" {
	run -0 --separate-stderr haul -x 4 --events ev.ndjson -o fb.bin \
		"$TESTSRV_URL/parts/fallback?size=8M&seed=51&rate=16M&ignore_range_at=3"
	assert_equal "$(sha256_of fb.bin)" "$(gen_sha 8M 51)"
	assert_regex "$stderr" "the server answered a segment with the whole file; going on over one connection"
	# The first answer that was skipped is a part's: a 200 of 8 MiB.
	run -0 jq -sc 'map(select(.event == "response" and .action == "skip")) | first
		| [.status, .length, .total]' ev.ndjson
	assert_output '[200,8388608,8388608]'
}

@test "-x: --max-time stops a part's retry that could not end in time, as it does a file's" {
	local url="$TESTSRV_URL/parts/maxtime?size=8M&seed=52&rate=16M&rst=5M"
	run -9 --separate-stderr haul -x 4 --retry-delay 5 --max-time 3 -o mt.bin "$url"
	assert_regex "$stderr" "^haul: $TESTSRV_URL/parts/maxtime\\?[^ ]*: segment 2: connection reset at byte 5242880; --max-time leaves no time to retry"
	[[ $stderr != *"retry 1"* ]] || fail "a retry was planned past --max-time: $stderr"
	# The parts stay resumable: -c finishes the file.
	run -0 haul -c -o mt.bin "$url"
	assert_equal "$(sha256_of mt.bin)" "$(gen_sha 8M 52)"
}
