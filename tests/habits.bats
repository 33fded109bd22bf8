#!/usr/bin/env bats
# habits.bats - curl's -s, -S and -f (with -L) mean in haul what they mean
# in curl, so `haul -fsSL URL` works as muscle memory expects.

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

@test "habits: haul -fsSL streams the body and prints nothing else" {
	run -0 --separate-stderr bash -c '"$HAUL" -fsSL "$1" | sha256sum' _ \
		"$TESTSRV_URL/redirect/1/hab/ok?size=300K&rate=1M"
	assert_equal "${output%% *}" "$(gen_sha 300K)"
	assert_equal "$stderr" ''
	run -0 testsrv_req_array /redirect/0/hab/ok .status
	assert_output '[200]'
}

@test "habits: -fsSL on an HTTP error: exit 5, no body, the error only" {
	run -5 --separate-stderr haul -fsSL "$TESTSRV_URL/hab/404?status=404"
	assert_output ''
	assert_equal "$stderr" "haul: $TESTSRV_URL/hab/404?status=404: server answered HTTP 404"
	# With -S after -s (separately) and in any order.
	run -5 --separate-stderr haul -S -s "$TESTSRV_URL/hab/404?status=404"
	assert_equal "$stderr" "haul: $TESTSRV_URL/hab/404?status=404: server answered HTTP 404"
}

@test "habits: -s alone hides error messages; the exit status, events and summary still tell" {
	run -5 --separate-stderr haul -s --events ev.ndjson --summary sum.json "$TESTSRV_URL/hab/s404?status=404"
	assert_output ''
	assert_equal "$stderr" ''
	run -0 jq -r 'select(.event == "error") | .exit_code' ev.ndjson
	assert_output 5
	run -0 jq -r '.exit_code' sum.json
	assert_output 5
	# A refused connection: status 7, silently.
	run -7 --separate-stderr haul --silent -o x.bin http://127.0.0.1:1/hab/refused
	assert_equal "$stderr" ''
	# Without -s the same failure says so (the test above is not vacuous).
	run -7 --separate-stderr haul -o x.bin http://127.0.0.1:1/hab/refused
	assert_regex "$stderr" '^haul: http://127\.0\.0\.1:1/hab/refused: connection refused'
}

@test "habits: -s turns off the progress display and warnings like -q; a later -v wins" {
	run -0 --separate-stderr haul -s --progress dots -o a.bin "$TESTSRV_URL/hab/dots?size=1M"
	assert_equal "$stderr" ''
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 1M)"
	# The display would have printed dots (the test above is not vacuous).
	run -0 --separate-stderr haul --progress dots -o b.bin "$TESTSRV_URL/hab/dots2?size=1M"
	assert_regex "$stderr" '\.'
	# A warning (a retry) is silenced too...
	run -0 --separate-stderr haul -s --retry-delay 0.01 -o c.bin "$TESTSRV_URL/hab/retry?size=100K&fin=50K"
	assert_equal "$stderr" ''
	assert_equal "$(sha256_of c.bin)" "$(gen_sha 100K)"
	# ...and -v after -s is verbose, errors included.
	run -5 --separate-stderr haul -s -v "$TESTSRV_URL/hab/v404?status=404"
	assert_regex "$stderr" '> GET /hab/v404\?status=404 HTTP/1\.1'
	assert_regex "$stderr" 'haul: [^ ]+/hab/v404\?status=404: server answered HTTP 404'
}

@test "habits: -s does not hide a mistake on the command line" {
	run -2 --separate-stderr haul -s --retry many "$TESTSRV_URL/hab/never"
	assert_equal "$stderr" "haul: --retry: bad value 'many': not a whole number (from 0 to 1000000) (see haul --help)"
	run -0 testsrv_count /hab/never
	assert_output 0
}

@test "habits: -f and --fail are accepted and change nothing" {
	run -0 haul -f -o a.bin "$TESTSRV_URL/hab/f?size=2K"
	run -0 haul --fail -o b.bin "$TESTSRV_URL/hab/f?size=2K"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 2K)"
	assert_equal "$(sha256_of b.bin)" "$(gen_sha 2K)"
	run -5 --separate-stderr haul -o c.bin "$TESTSRV_URL/hab/f404?status=404"
	run -5 --separate-stderr haul -f -o c.bin "$TESTSRV_URL/hab/f404?status=404"
	assert_file_not_exists c.bin
}
