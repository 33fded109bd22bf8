#!/usr/bin/env bats
# writeout.bats - -w/--write-out: curl's variables after each transfer, on
# stdout after the body (or on stderr after %{stderr}), from a format on
# the command line or in a file.

load helpers

setup_file() {
	testsrv_start "$BATS_FILE_TMPDIR" --closed-port-file "$BATS_FILE_TMPDIR/closed.port"
}

teardown_file() {
	testsrv_stop
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	show_stderr_files
}

@test "-w follows the body on stdout, with curl's values" {
	run -0 bash -c "haul -w '[%{http_code} %{size_download} %{exitcode} (%{filename_effective}) %{num_retries}]\n' '$TESTSRV_URL/wo/a?size=5000' >out"
	{ "$(testsrv_bin)" --gen --size 5000; printf '[200 5000 0 () 0]\n'; } >want
	cmp out want
}

@test "-w after each transfer as it ends; files, failures and %{url_effective}" {
	run -5 bash -c "haul -w '%{filename_effective} %{http_code} %{exitcode} %{url_effective} %{errormsg}\n' \
		-o one '$TESTSRV_URL/redirect/1/wo/b?size=10' -o two '$TESTSRV_URL/wo/c?status=404' >out 2>err"
	# Transfers run at once: each line comes when its transfer ends.
	printf '%s\n' "one 200 0 $TESTSRV_URL/redirect/0/wo/b?size=10 " \
		"two 404 5 $TESTSRV_URL/wo/c?status=404 $TESTSRV_URL/wo/c?status=404: server answered HTTP 404" >want
	sort out | cmp - want || { cat out; false; }
	assert_equal "$(sha256sum <one | cut -d' ' -f1)" "$(testsrv_sha256 --size 10)"
}

@test "-w %{json} is one JSON object of every variable" {
	run -0 --separate-stderr haul -w '%{json}' -o f "$TESTSRV_URL/wo/j?size=1000&fin=400"
	run -0 jq -c '[.http_code, .response_code, .size_download, .url_effective == .url, .filename_effective, .exitcode, .errormsg, .num_retries, (.time_total | type)]' <<<"$output"
	assert_output '[206,206,1000,true,"f",0,null,1,"number"]'
}

@test "-w %{stderr} sends what follows to stderr, %{stdout} back; escapes and %%" {
	run -0 --separate-stderr haul -w 'a\t%%%{stderr}code=%{http_code}\n%{stdout}b\\' -o f "$TESTSRV_URL/wo/s?size=1"
	assert_equal "$output" $'a\t%b\\'
	assert_equal "$stderr" "code=200"
}

@test "-w @FILE and @- read the format; %{time_total} has six decimals" {
	printf '%s' '%{time_total}|%{url}' >fmt
	run -0 --separate-stderr haul -w @fmt -o f "$TESTSRV_URL/wo/t?size=1"
	[[ $output =~ ^[0-9]+\.[0-9]{6}\|$TESTSRV_URL/wo/t\?size=1$ ]] || fail "got '$output'"
	run -0 bash -c "printf '%%{http_code}' | haul -w @- -o f '$TESTSRV_URL/wo/t2?size=1'"
	assert_output 200
}

@test "-w: no password in URLs; 000 when nothing answered" {
	local port
	port=$(cat "$BATS_FILE_TMPDIR/closed.port")
	run -7 --separate-stderr haul -w '%{http_code} %{url}' -o f "http://user:secret@127.0.0.1:$port/x"
	assert_equal "$output" "000 http://127.0.0.1:$port/x"
	run -0 --separate-stderr haul -w '%{url_effective}' -o f "http://user:secret@${TESTSRV_URL#http://}/wo/p?size=1"
	assert_equal "$output" "$TESTSRV_URL/wo/p?size=1"
}

@test "-w: an unknown variable or an open %{ is a usage error" {
	run -2 --separate-stderr haul -w '%{http_code} %{speed_download}' "$TESTSRV_URL/wo/u"
	assert_equal "$stderr" "haul: -w/--write-out: bad value '%{http_code} %{speed_download}': unknown variable %{speed_download} (see haul --help)"
	run -2 --separate-stderr haul -w '%{http_code' "$TESTSRV_URL/wo/u"
	assert_equal "$stderr" "haul: -w/--write-out: bad value '%{http_code': a %{ without its } (see haul --help)"
	run -0 testsrv_count /wo/u
	assert_output 0
}
