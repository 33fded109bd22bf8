#!/usr/bin/env bats
# secrets.bats - secrets kept out of the process list: -H @FILE (header
# lines from a file), -u USER asking for the password on the terminal
# without echo, --oauth2-bearer TOKEN|@FILE; each reaches the server (its
# request log), no report, and no other host after a redirect.

load helpers

setup_file() {
	testsrv_start "$BATS_FILE_TMPDIR"
}

teardown_file() {
	testsrv_stop
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	BG_PIDS=()
}

teardown() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}

@test "secrets: -H @FILE sends each header line of FILE, with -H lines before and after" {
	printf '%s\r\n' 'X-One: 1' '' 'Authorization: Bearer secret' >hdrs.txt
	printf '%s\n' '  ' 'X-Two: 2' >>hdrs.txt
	run -0 --separate-stderr haul -v -H 'X-Zero: 0' -H @hdrs.txt -H 'X-Three: 3' \
		--events ev.ndjson --summary sum.json -o a.bin "$TESTSRV_URL/sec/hfile?size=2K"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 2K)"
	run -0 testsrv_req_array /sec/hfile '[.headers."x-zero", .headers."x-one", .headers.authorization, .headers."x-two", .headers."x-three"]'
	assert_output '[["0","1","Bearer secret","2","3"]]'
	printf '%s\n' "$stderr" >err.txt
	run grep -c secret err.txt ev.ndjson sum.json
	assert_output $'err.txt:0\nev.ndjson:0\nsum.json:0'
}

@test "secrets: -H @FILE that cannot be read or holds a bad line: exit 2, the line not shown" {
	run -2 --separate-stderr haul -H @nosuch -o x.bin "$TESTSRV_URL/sec/never"
	assert_equal "$stderr" "haul: -H/--header: @nosuch: No such file or directory (see haul --help)"
	printf '%s\n' 'X-Ok: 1' 'secret-without-colon' >bad.txt
	run -2 --separate-stderr haul -H @bad.txt -o x.bin "$TESTSRV_URL/sec/never"
	assert_equal "$stderr" "haul: -H/--header: @bad.txt:2: expected \"Name: value\" on one line (see haul --help)"
	run -0 testsrv_count /sec/never
	assert_output 0
}

@test "secrets: -u USER asks for the password on the terminal, without echo" {
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	mkfifo in
	# script gives haul a terminal on standard input; its output is the
	# terminal's, echo included.
	script -qec "\"\$HAUL\" -u bob --progress none -o a.bin '$TESTSRV_URL/sec/ask?size=3K&auth=bob:s3cretpw'; echo rc=\$?" \
		/dev/null <in >tty.out 2>&1 3>&- &
	BG_PIDS+=($!)
	local feed
	exec {feed}>in
	wait_until "grep -q \"Enter the password for user 'bob': \" tty.out" 30
	printf 's3cretpw\n' >&"$feed"
	exec {feed}>&-
	wait "${BG_PIDS[0]}"
	run -0 cat tty.out
	assert_output --partial 'rc=0'
	refute_output --partial s3cretpw
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 3K)"
	run -0 testsrv_req_array /sec/ask '[.status, .headers.authorization]'
	assert_output "[[200,\"Basic $(printf 'bob:s3cretpw' | base64)\"]]"
}

@test "secrets: -u USER without a terminal is a usage error; nothing is asked or sent" {
	run -2 --separate-stderr haul -u bob -o x.bin "$TESTSRV_URL/sec/never" </dev/null
	assert_equal "$stderr" "haul: -u/--user: bad value 'bob': expected USER:PASS (standard input is not a terminal to ask for the password) (see haul --help)"
	run -2 --separate-stderr haul -u :pw -o x.bin "$TESTSRV_URL/sec/never" </dev/null
	assert_equal "$stderr" "haul: -u/--user: bad value ':pw': expected USER:PASS or USER (see haul --help)"
	run -0 testsrv_count /sec/never
	assert_output 0
}

@test "secrets: --oauth2-bearer @FILE and TOKEN send Authorization: Bearer; not in reports" {
	printf 'tok-%s\n' secret >token.txt
	run -0 --separate-stderr haul -v --oauth2-bearer @token.txt --retry-delay 0.01 \
		--events ev.ndjson --summary sum.json -o a.bin "$TESTSRV_URL/sec/bearer?size=100K&fin=50K"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 100K)"
	run -0 testsrv_req_array /sec/bearer '[.headers.range, .headers.authorization]'
	assert_output '[[null,"Bearer tok-secret"],["bytes=51200-","Bearer tok-secret"]]'
	printf '%s\n' "$stderr" >err.txt
	run grep -c secret err.txt ev.ndjson sum.json
	assert_output $'err.txt:0\nev.ndjson:0\nsum.json:0'
	assert_regex "$stderr" '> Authorization: \[redacted\]'
	run -0 haul --oauth2-bearer tok-lit -o b.bin "$TESTSRV_URL/sec/bearer-lit?size=1K"
	run -0 testsrv_req_array /sec/bearer-lit '.headers.authorization'
	assert_output '["Bearer tok-lit"]'
}

@test "secrets: a --oauth2-bearer TOKEN is blanked in the process list" {
	"$HAUL" --oauth2-bearer tok-hidden-123 -q -o slow.bin "$TESTSRV_URL/sec/ps?size=400K&rate=100K" &
	BG_PIDS+=($!)
	local pid=${BG_PIDS[0]}
	testsrv_wait_log '.ev == "req" and .path == "/sec/ps"'
	run -0 cat "/proc/$pid/cmdline"
	refute_output --partial tok-hidden-123
	assert_output --partial 'oauth2-bearer'
	wait "$pid"
	run -0 testsrv_req_array /sec/ps '.headers.authorization'
	assert_output '["Bearer tok-hidden-123"]'
}

@test "secrets: the bearer token goes to another host after a redirect only with --location-trusted" {
	local trust
	for trust in no yes; do
		local -a extra=()
		[ "$trust" = yes ] && extra=(--location-trusted)
		run -0 haul "${extra[@]}" --oauth2-bearer tok -o "r$trust.bin" \
			"$TESTSRV_URL/sec/redir-from-$trust?loc=http://localhost:$TESTSRV_PORT/sec/redir-to-$trust%3Fsize%3D1K"
		run -0 testsrv_req_array "/sec/redir-from-$trust" '.headers.authorization'
		assert_output '["Bearer tok"]'
	done
	run -0 testsrv_req_array /sec/redir-to-no '.headers.authorization'
	assert_output '[null]'
	run -0 testsrv_req_array /sec/redir-to-yes '.headers.authorization'
	assert_output '["Bearer tok"]'
}

@test "secrets: bad bearer tokens, and -u with --oauth2-bearer: exit 2, the token not shown" {
	: >empty.txt
	run -2 --separate-stderr haul --oauth2-bearer @empty.txt -o x.bin "$TESTSRV_URL/sec/never"
	assert_equal "$stderr" "haul: --oauth2-bearer: @empty.txt: empty file (see haul --help)"
	run -2 --separate-stderr haul --oauth2-bearer 'two words' -o x.bin "$TESTSRV_URL/sec/never"
	assert_equal "$stderr" "haul: --oauth2-bearer: white space or a control character in the token (see haul --help)"
	run -2 --separate-stderr haul --oauth2-bearer @nosuch -o x.bin "$TESTSRV_URL/sec/never"
	assert_equal "$stderr" "haul: --oauth2-bearer: @nosuch: No such file or directory (see haul --help)"
	run -2 --separate-stderr haul -u a:b --oauth2-bearer tok -o x.bin "$TESTSRV_URL/sec/never"
	assert_equal "$stderr" "haul: -u/--user and --oauth2-bearer: give one of them (see haul --help)"
	run -0 testsrv_count /sec/never
	assert_output 0
}
