#!/usr/bin/env bats
# text.bats - names and text from the network: -O names without control
# characters or bytes that are not UTF-8, messages that escape them and
# shorten long URLs in the middle, JSON reports and the journal that stay
# valid UTF-8; and the smaller things of the command line (help topics,
# -i parsing, -O a%2Fb, -u kept out of ps, --sha256 for sha256sum -c,
# option value messages).

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

# The file names in the current directory, one a line, sorted, as bytes
# (find's %f; cat -v shows control characters).
names_here() {
	find . -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | cat -v
}

# Strict UTF-8 JSON: the whole file (json_ok FILE) or each line
# (json_ok --lines FILE), read by Python with encoding="utf-8".
json_ok() {
	if [ "$1" = --lines ]; then
		python3 -c 'import json, sys
for line in open(sys.argv[1], encoding="utf-8", errors="strict"):
    json.loads(line)' "$2"
	else
		python3 -c 'import json, sys
json.load(open(sys.argv[1], encoding="utf-8", errors="strict"))' "$1"
	fi
}

# raw_server FILE: a one-connection HTTP server (Python) that answers any
# request with the bytes of FILE as they are, control characters and all
# (testsrv refuses to send those); exports RAW_URL.
raw_server() {
	python3 -c 'import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
open("raw.port.tmp", "w").write(str(s.getsockname()[1]))
import os
os.rename("raw.port.tmp", "raw.port")
c, _ = s.accept()
req = b""
while b"\r\n\r\n" not in req:
    d = c.recv(4096)
    if not d:
        break
    req += d
c.sendall(open(sys.argv[1], "rb").read())
c.close()' "$1" </dev/null >/dev/null 2>raw.err 3>&- &
	BG_PIDS+=($!)
	wait_until "[ -s raw.port ]" 10
	RAW_URL=http://127.0.0.1:$(cat raw.port)
}

# ---- -O names ----------------------------------------------------------------

@test "-O names keep control characters and bytes that are not UTF-8 as %HH; UTF-8 is decoded" {
	mkdir d && cd d
	run -0 --separate-stderr haul --summary ../sum.json -O \
		"$TESTSRV_URL/txt/a%1B%5D0%3Btitle%07b?size=10" \
		"$TESTSRV_URL/txt/nl%0Aand%0dcr%c2%9bcsi?size=20" \
		"$TESTSRV_URL/txt/x%FFy%C3?size=30" \
		"$TESTSRV_URL/txt/caf%C3%A9%20ok?size=40"
	assert_equal "$stderr" ""
	assert_equal "$(names_here)" "$(printf '%s\n' 'a%1B]0;title%07b' 'caf'$'\xc3\xa9'' ok' \
		'nl%0Aand%0dcr%c2%9bcsi' 'x%FFy%C3' | LC_ALL=C sort | cat -v)"
	assert_equal "$(sha256_of 'a%1B]0;title%07b')" "$(gen_sha 10)"
	assert_equal "$(sha256_of 'caf'$'\xc3\xa9'' ok')" "$(gen_sha 40)"
	run -0 jq -r '.transfers[].output' ../sum.json
	assert_output "$(printf '%s\n' 'a%1B]0;title%07b' 'nl%0Aand%0dcr%c2%9bcsi' 'x%FFy%C3' 'caf'$'\xc3\xa9'' ok')"
}

# ---- messages ------------------------------------------------------------------

@test "messages escape control characters in names, URLs and server text" {
	# A name (the user's, from -o) in a message.
	run -4 --separate-stderr haul -o $'nodir/\e]0;pwned\a/f' "$TESTSRV_URL/txt/msg-name?size=10"
	assert_equal "$stderr" "haul: $TESTSRV_URL/txt/msg-name?size=10: cannot write nodir/\\x1B]0;pwned\\x07/f.part: No such file or directory"
	# A URL that libcurl refuses, shown as given but for its controls.
	run -3 --separate-stderr haul -o out $'http://127.0.0.1:1/\e]0;pwned\a\x9b'
	assert_equal "$stderr" "haul: http://127.0.0.1:1/%1B]0;pwned%07%9B: it is not a valid URL"
	# Server text: a header dumped by -v.
	printf 'HTTP/1.1 200 OK\r\nX-Evil: \e]0;pwned\a\xc2\x9b\xff\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok' >evil.http
	raw_server evil.http
	run -0 --separate-stderr haul -v -o out "$RAW_URL/evil"
	assert_equal "$(cat out)" ok
	[[ $stderr == *"< X-Evil: \\x1B]0;pwned\\x07\\xC2\\x9B\\xFF"$'\n'* ]] || fail "no escaped header line: $stderr"
	# No raw ESC, BEL or C1 byte anywhere on stderr.
	[[ $stderr != *[$'\e\a']* ]] || fail "raw control characters on stderr"
	[[ $stderr != *$'\xc2\x9b'* ]] || fail "a raw C1 CSI on stderr"
}

@test "a message about a 1000-character URL is shortened in the middle and keeps its reason" {
	local path url
	path=/txt/$(printf 'p%.0s' {1..1000})
	url="$TESTSRV_URL$path?status=404"
	run -5 --separate-stderr haul --events ev.ndjson --summary sum.json -o out "$url"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^haul: http://127\\.0\\.0\\.1:[0-9]+/txt/p+\\.\\.\\.p+\\?status=404: server answered HTTP 404\$"
	[ "${#stderr}" -le 200 ] || fail "a ${#stderr}-byte line"
	# The reports keep the whole URL.
	run -0 jq -r '.transfers[0].url' sum.json
	assert_output "$url"
	run -0 jq -r '.transfers[0].message' sum.json
	assert_output "$url: server answered HTTP 404"
	run -0 jq -r 'select(.event == "error") | .url' ev.ndjson
	assert_output "$url"
}

# ---- JSON ------------------------------------------------------------------------

@test "--events, --summary, --memstats and the journal are UTF-8 JSON whatever bytes they quote" {
	local url="$TESTSRV_URL/txt/json/a"$'\xff'"b?size=1M&etag=none&hdr=ETag:%22x%FFy%22"
	local name=$'caf\xe9.bin'
	run -0 --separate-stderr haul --retry-delay 0.1 --events ev.ndjson --summary sum.json \
		--memstats=mem.json -o "$name" "$url&fin=300K"
	assert_equal "$(sha256_of "$name")" "$(gen_sha 1M)"
	json_ok --lines ev.ndjson
	json_ok sum.json
	json_ok mem.json
	jq -e . sum.json mem.json >/dev/null
	jq -e . ev.ndjson >/dev/null
	# The choices: %HH in URLs, U+FFFD for any other byte that is not UTF-8.
	run -0 jq -r '.transfers[0] | .url, .output' sum.json
	assert_output "$TESTSRV_URL/txt/json/a%FFb?size=1M&etag=none&hdr=ETag:%22x%FFy%22&fin=300K"$'\n'$'caf\xef\xbf\xbd.bin'
	run -0 jq -r 'select(.event == "response") | .etag' ev.ndjson
	assert_line --index 0 $'"x\xef\xbf\xbdy"'
	run -0 jq -r '.transfers[0].url' mem.json
	assert_output "$TESTSRV_URL/txt/json/a%FFb?size=1M&etag=none&hdr=ETag:%22x%FFy%22&fin=300K"

	# The journal of a download that stopped half-way.
	run -11 --separate-stderr haul --retry 0 -o "$name.2" "$url&fin=400K&x=2"
	assert_file_exists "$name.2.part.haul"
	json_ok "$name.2.part.haul"
	run -0 jq -r '.url, .etag' "$name.2.part.haul"
	assert_output "$TESTSRV_URL/txt/json/a%FFb?size=1M&etag=none&hdr=ETag:%22x%FFy%22&fin=400K&x=2"$'\n'$'"x\xef\xbf\xbdy"'
	# -c reads it back; the changed ETag can't match, so nothing is spliced.
	run -0 --separate-stderr haul -c -o "$name.2" "$url&fin=400K&x=2"
	assert_equal "$(sha256_of "$name.2")" "$(gen_sha 1M)"
	assert_file_not_exists "$name.2.part.haul"
}

# ---- smaller things --------------------------------------------------------------

@test "--help after a URL is the help; --help=TOPIC is --help TOPIC" {
	run -0 --separate-stderr haul "$TESTSRV_URL/txt/help" --help
	assert_line --index 0 "Usage: haul [OPTIONS] URL..."
	assert_equal "$stderr" ""
	run -0 haul --help "$TESTSRV_URL/txt/help"
	assert_line --index 0 "Usage: haul [OPTIONS] URL..."
	local table
	table=$(haul --help exit-codes)
	run -0 haul --help=exit-codes
	assert_output "$table"
	run -0 haul -h exit-codes
	assert_output "$table"
	run -2 --separate-stderr haul --help=nonsense
	assert_equal "$stderr" "haul: no help topic 'nonsense' (topics: exit-codes) (see haul --help)"
}

@test "-i: a trailing # comment is no output name, a BOM is no part of line 1, a directory is named" {
	printf '\xef\xbb\xbf%s   # the first\n' "$TESTSRV_URL/txt/i/one?size=10" >list
	printf '   # a comment line\n' >>list
	printf '%s two.bin # its name, then a comment\n' "$TESTSRV_URL/txt/i/two?size=20" >>list
	printf '%s#frag three.bin\n' "$TESTSRV_URL/txt/i/three?size=30" >>list
	mkdir d
	run -0 --separate-stderr haul -O --output-dir d -i list
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of d/one)" "$(gen_sha 10)"
	assert_equal "$(sha256_of d/two.bin)" "$(gen_sha 20)"
	assert_equal "$(sha256_of d/three.bin)" "$(gen_sha 30)"
	assert_equal "$(ls d | LC_ALL=C sort | tr '\n' ' ')" "one three.bin two.bin "
	mkdir adir
	run -2 --separate-stderr haul -i adir
	assert_equal "$stderr" "haul: --input-file adir: is a directory, not a list of URLs (see haul --help)"
}

@test "-O URL/a%2Fb blames the slash" {
	mkdir d
	run -2 --separate-stderr haul -O --output-dir d "$TESTSRV_URL/txt/a%2Fb"
	assert_equal "$stderr" "haul: $TESTSRV_URL/txt/a%2Fb: %2F in the last part of the URL path would put a '/' in the file name for -O; name one with -o FILE"
	assert_equal "$(ls d)" ""
}

@test "-u: the password is blanked in the process list" {
	# haul itself, not a wrapper: its own argv is what ps shows.
	"$HAUL" -u bob:s3cretpw -o slow.bin "$TESTSRV_URL/txt/u?size=400K&rate=100K" 2>err &
	local pid=$!
	BG_PIDS+=("$pid")
	# Once the download runs, the options were read long ago.
	wait_until "[ -e slow.bin.part ]" 20
	local cmdline
	cmdline=$(tr '\0' '|' </proc/"$pid"/cmdline)
	wait "$pid"
	BG_PIDS=()
	[[ $cmdline == *"|-u|bob:        |"* ]] || fail "cmdline: $cmdline"
	[[ $cmdline != *s3cret* ]] || fail "the password shows: $cmdline"
	assert_equal "$(sha256_of slow.bin)" "$(gen_sha 400K)"
	assert_equal "$(cat err)" ""
	# It was still sent.
	run -0 jq -r '.headers.authorization' <<<"$(testsrv_requests /txt/u)"
	assert_output "Basic $(printf %s bob:s3cretpw | base64)"
}

@test "--sha256: HEX  NAME on stdout that sha256sum -c reads; on stderr when stdout has a body" {
	# (The k-th -o names the k-th URL; -O names the others.)
	run -0 --separate-stderr haul --sha256 -o $'new\nline' "$TESTSRV_URL/txt/sum/nl?size=3K" \
		-O "$TESTSRV_URL/txt/sum/plain?size=1K" "$TESTSRV_URL/txt/sum/back%5Cslash?size=2K"
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >sums
	# In the order the transfers ended.
	assert_equal "$(LC_ALL=C sort sums)" "$(printf '%s\n' "$(gen_sha 1K)  plain" \
		"\\$(gen_sha 2K)  back\\\\slash" "\\$(gen_sha 3K)  new\\nline" | LC_ALL=C sort)"
	run -0 sha256sum -c sums
	# A body on stdout: the line goes to stderr, with the prefix.
	run -0 --separate-stderr bash -c "\"\$HAUL\" --sha256 '$TESTSRV_URL/txt/sum/out?size=1K' | sha256sum"
	assert_equal "$stderr" "haul: $(gen_sha 1K)  -"
	# So does --summary -.
	run -0 --separate-stderr haul --sha256 --summary - -o f.bin "$TESTSRV_URL/txt/sum/f?size=1K"
	assert_equal "$stderr" "haul: $(gen_sha 1K)  f.bin"
}

@test "option values: a rate of 0 'must be more than 0'; --retry-max-delay alone needs no --retry-delay" {
	run -2 --separate-stderr haul --limit-rate 0 "$TESTSRV_URL/txt/v"
	assert_equal "$stderr" "haul: --limit-rate: bad value '0': must be more than 0 (see haul --help)"
	run -0 --separate-stderr haul --retry-max-delay 0.5 --retry 3 -o rmd.bin \
		"$TESTSRV_URL/txt/v/rmd?size=300K&fin=100K,200K"
	assert_equal "$(sha256_of rmd.bin)" "$(gen_sha 300K)"
	# Each delay within the 0.5 s asked for.
	local d
	for d in $(grep -oE 'in [0-9.]+s$' <<<"$stderr" | tr -dc '0-9.\n'); do
		awk -v d="$d" 'BEGIN { exit !(d <= 0.5) }' || fail "a delay of ${d}s: $stderr"
	done
	assert_equal "$(grep -c 'retry [12] of 3 in' <<<"$stderr")" 2
}
