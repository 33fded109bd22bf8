#!/usr/bin/env bats
# requests.bats - requests for APIs and event streams: bodies (-d,
# --data-binary, --json), methods (-X), HEAD (-I), and what a drop does to
# a request with a body: a POST is not sent again once it went out, except
# a --stream event stream, which is re-sent with the same body and
# Last-Event-ID.  Each test checks what testsrv received (its request log).

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

teardown() {
	show_stderr_files
}

# The req records of PATH as one compact JSON array of FILTER.
reqs() {
	testsrv_req_array "$1" "$2"
}

@test "-d sends a POST with a form body: pieces joined with &, @FILE without its line breaks" {
	printf 'c=3\r\nd=4\n' >form.txt
	run -0 bash -c "haul -d 'a=1' -d 'b=2 2' -d @form.txt '$TESTSRV_URL/req/form?size=3000' >out"
	assert_equal "$(sha256sum <out | cut -d' ' -f1)" "$(testsrv_sha256 --size 3000)"
	run -0 reqs /req/form '[.method, .body, .headers["content-type"], .headers["content-length"], .headers.expect]'
	assert_output '[["POST","a=1&b=2 2&c=3d=4","application/x-www-form-urlencoded","16",null]]'
}

@test "--data-binary sends @FILE byte for byte, @- from stdin; -X PUT keeps the body" {
	printf 'line 1\r\nline 2\n' >body.txt
	run -0 haul --data-binary @body.txt -o out "$TESTSRV_URL/req/bin?size=10"
	assert_equal "$(sha256sum <out | cut -d' ' -f1)" "$(testsrv_sha256 --size 10)"
	run -0 bash -c "printf 'from\nstdin' | haul --data-binary @- -X PUT -o out2 '$TESTSRV_URL/req/stdin?size=10'"
	run -0 reqs /req/bin '[.method, .body]'
	assert_output '[["POST","line 1\r\nline 2\n"]]'
	run -0 reqs /req/stdin '[.method, .body]'
	assert_output '[["PUT","from\nstdin"]]'
}

@test "--json asks for JSON and sends it as JSON; -H replaces either header" {
	run -0 haul --json '{"a":1,' --json '"b":[2]}' -o out "$TESTSRV_URL/req/json?size=10"
	run -0 reqs /req/json '[.method, .body, .headers["content-type"], .headers.accept]'
	assert_output '[["POST","{\"a\":1,\"b\":[2]}","application/json","application/json"]]'
	run -0 haul --json '[]' -H 'Accept: text/event-stream' -o out "$TESTSRV_URL/req/json2?size=10"
	run -0 reqs /req/json2 '[.headers["content-type"], .headers.accept]'
	assert_output '[["application/json","text/event-stream"]]'
}

@test "-X sets the method of a request without a body" {
	run -0 haul -X DELETE -o out "$TESTSRV_URL/req/del?size=10"
	run -0 reqs /req/del '[.method, .body_len]'
	assert_output '[["DELETE",0]]'
}

@test "bodies and methods: the mistakes are usage errors, each in one line" {
	run -2 --separate-stderr haul -I -d x "$TESTSRV_URL/req/u"
	assert_equal "$stderr" "haul: -I/--head sends no body: drop -d, --data-binary or --json (see haul --help)"
	run -2 --separate-stderr haul -c -o f --json '{}' "$TESTSRV_URL/req/u"
	assert_equal "$stderr" "haul: -c/--continue resumes with Range, which a request with a body or -X never uses (see haul --help)"
	run -2 --separate-stderr haul -X 'GET /x HTTP/1.1' "$TESTSRV_URL/req/u"
	assert_equal "$stderr" "haul: -X/--request: bad value 'GET /x HTTP/1.1': expected a method name such as POST or PUT (see haul --help)"
	run -2 --separate-stderr haul -d @missing.txt "$TESTSRV_URL/req/u"
	assert_equal "$stderr" "haul: -d/--data: bad value '@missing.txt': No such file or directory (see haul --help)"
	run -0 testsrv_count /req/u
	assert_output 0
}

@test "a POST event stream that drops three times is re-sent with its body and Last-Event-ID: every event once" {
	local q="sse=1&events=30&every=300&cuts=3&sse_retry=50"
	run -11 bash -c "haul --stream --retry 2 --retry-delay 0.05 --json '{\"q\":\"all\"}' '$TESTSRV_URL/req/sse?$q' >sse.out 2>err"
	# Events 1..30, each once, in order, each whole.
	run -0 awk -v RS= '
		{
			k++
			ok = ($0 == "id: " k "\ndata: event " k " s=1 v=1") ||
			     ($0 == "id: " k "\nretry: 50\ndata: event " k " s=1 v=1")
			if (!ok) { printf "bad event %d: %s\n", k, $0; exit 1 }
		}
		END { print k }' sse.out
	assert_output 30
	run -0 grep -c "connection closed early" err
	assert_output 3
	# Every request: a POST with the same body; the first without an id,
	# each re-sent one with the id of the last whole event before the cut.
	run -0 reqs /req/sse '[.method, .body, .headers["content-type"]] | tojson'
	run -0 jq -c 'unique' <<<"$output"
	assert_output '["[\"POST\",\"{\\\"q\\\":\\\"all\\\"}\",\"application/json\"]"]'
	local want=() last= n hdr body
	for n in 1 2 3; do
		hdr=()
		[ -n "$last" ] && hdr=(-H "Last-Event-ID: $last")
		curl -sS --fail --max-time 30 "${hdr[@]}" -o ref.sse "$TESTSRV_URL/req/sse-ref?sse=1&events=30&sse_retry=50"
		# Events that end (an empty line) within the first 300 bytes.
		body=$(awk '{ used += length($0) + 1; if (used > 300) exit; if ($0 == "") k++ } END { print k + 0 }' ref.sse)
		last=$((${last:-0} + body))
		want+=("\"$last\"")
	done
	run -0 reqs /req/sse '.headers["last-event-id"]'
	[[ $output == "[null,$(IFS=,; echo "${want[*]}"),"* ]] || fail "Last-Event-ID sent: $output, want [null,${want[*]},...]"
}

@test "a POST that drops after it was sent is reported, not sent again" {
	run -11 bash -c "haul -d 'pay=1' '$TESTSRV_URL/req/once?size=4000&fin=1000' >out 2>err"
	assert_equal "$(cat err)" "haul: $TESTSRV_URL/req/once?size=4000&fin=1000: connection closed early at 1000 B of 3.9 KiB; a POST is not sent again: it may have taken effect"
	# What came before the drop was delivered, and nothing else.
	assert_equal "$(sha256sum <out | cut -d' ' -f1)" "$(testsrv_sha256 --size 1000)"
	run -0 testsrv_count /req/once
	assert_output 1
	# A stall the same way (exit status 9), and --stream on a body that is
	# not an event stream.
	run -9 --separate-stderr haul --stall-timeout 0.3 -d x -o out "$TESTSRV_URL/req/once2?size=4000&stall=100"
	assert_equal "$stderr" "haul: $TESTSRV_URL/req/once2?size=4000&stall=100: no data for 0.3s at 100 B of 3.9 KiB; a POST is not sent again: it may have taken effect
haul: $TESTSRV_URL/req/once2?size=4000&stall=100: kept out.part; a request with a body or -X is not continued"
	assert_equal "$(sha256sum <out.part | cut -d' ' -f1)" "$(testsrv_sha256 --size 100)"
	run -11 --separate-stderr haul --stream -X PATCH -d x "$TESTSRV_URL/req/once3?lines=1&size=inf&fin=640"
	assert_equal "$stderr" "haul: $TESTSRV_URL/req/once3?lines=1&size=inf&fin=640: connection closed early at 640 B; a PATCH is not sent again: it may have taken effect"
	run -0 testsrv_count /req/once2
	assert_output 1
	run -0 testsrv_count /req/once3
	assert_output 1
}

@test "a POST answered 503 or 429 is sent again, one answered 500 is not" {
	run -0 haul --retry-delay 0.05 -d a=1 -o out "$TESTSRV_URL/req/r503?size=100&status=503&status_n=2"
	assert_equal "$(sha256sum <out | cut -d' ' -f1)" "$(testsrv_sha256 --size 100)"
	run -0 reqs /req/r503 '[.status, .body]'
	assert_output '[[503,"a=1"],[503,"a=1"],[200,"a=1"]]'
	run -0 haul --retry-delay 0.05 -d a=1 -o out "$TESTSRV_URL/req/r429?size=100&status=429&status_n=1"
	run -0 testsrv_count /req/r429
	assert_output 2
	run -5 --separate-stderr haul --retry-delay 0.05 -d a=1 -o out "$TESTSRV_URL/req/r500?size=100&status=500&status_n=1"
	assert_equal "$stderr" "haul: $TESTSRV_URL/req/r500?size=100&status=500&status_n=1: HTTP 500; a POST is not sent again: it may have taken effect"
	run -0 testsrv_count /req/r500
	assert_output 1
}

@test "a PUT that drops is sent again whole, never with Range, and the file is right" {
	run -0 haul --retry-delay 0.05 -X PUT --data-binary 'v=1' -o out "$TESTSRV_URL/req/put?size=100000&fin=30000"
	assert_equal "$(sha256sum <out | cut -d' ' -f1)" "$(testsrv_sha256 --size 100000)"
	run -0 reqs /req/put '[.method, .body, .headers.range, .headers["if-range"]]'
	assert_output '[["PUT","v=1",null,null],["PUT","v=1",null,null]]'
	# -x does not split a request with a body either.
	run -0 haul -x 4 -d q -o out2 "$TESTSRV_URL/req/seg?size=4M"
	assert_equal "$(sha256sum <out2 | cut -d' ' -f1)" "$(testsrv_sha256 --size 4M)"
	run -0 reqs /req/seg '[.method, .headers.range]'
	assert_output '[["POST",null]]'
}

@test "-I sends HEAD and prints the response heads, redirects' too; exit 0" {
	run -0 --separate-stderr haul -I "$TESTSRV_URL/redirect/1/req/head?size=5"
	local got want
	got=$(printf '%s\n' "$output" | tr -d '\r' | grep -v '^Date: ')
	want=$(printf '%s\n' "HTTP/1.1 302 Found" "Server: testsrv" "Location: /redirect/0/req/head?size=5" \
		"Content-Type: text/plain" "Content-Length: 40" "" \
		"HTTP/1.1 200 OK" "Server: testsrv" "Accept-Ranges: bytes" 'ETag: "s1-v1-5"' \
		"Last-Modified: Fri, 01 Jan 2021 01:00:00 GMT" "Content-Type: application/octet-stream" \
		"Content-Length: 5" "")
	assert_equal "$got" "$want"
	assert_equal "$stderr" ""
	# CRLF line ends, as received; the last line is the empty one.
	run -0 bash -c "haul -I '$TESTSRV_URL/req/head2?size=5' | tail -c 4 | od -An -c | tr -d ' '"
	assert_output '\r\n\r\n'
	run -0 reqs /redirect/1/req/head .method
	assert_output '["HEAD"]'
	run -0 reqs /redirect/0/req/head .method
	assert_output '["HEAD"]'
	# -o FILE gets them instead.
	run -0 haul -I -o head.txt "$TESTSRV_URL/req/head3?size=5"
	run -0 grep -c '^Content-Length: 5' head.txt
	assert_output 1
}

@test "-I on a 404 is the HTTP error of a GET: exit 5, its message, nothing on stdout" {
	run -5 --separate-stderr haul -I "$TESTSRV_URL/req/nohead?status=404"
	assert_equal "$output" ""
	assert_equal "$stderr" "haul: $TESTSRV_URL/req/nohead?status=404: server answered HTTP 404"
	run -0 reqs /req/nohead .method
	assert_output '["HEAD"]'
}
