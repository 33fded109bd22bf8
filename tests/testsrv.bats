#!/usr/bin/env bats
# testsrv.bats - tests haul's test server itself, against curl: every URL
# switch byte-exact (sha256 against `testsrv --gen`), the headers, Range
# and If-Range, drops, stalls, the request log, keep-alive and shutdown.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load 'lib/testsrv'
load 'lib/skips'

bats_require_minimum_version 1.5.0

setup_file() {
	testsrv_start "$BATS_FILE_TMPDIR"
}

teardown_file() {
	testsrv_stop
}

teardown() {
	# A test that started its own server stops it even when it failed;
	# a server left running would keep bats waiting.
	if [ "${TESTSRV_DIR:-}" = "$BATS_TEST_TMPDIR" ]; then
		testsrv_stop
	fi
}

setup() {
	B=$BATS_TEST_TMPDIR/body
	H=$BATS_TEST_TMPDIR/headers
	E=$BATS_TEST_TMPDIR/stderr
}

# fetch PATH?QUERY [CURL-ARGS...]: body in $B, headers in $H, curl's exit
# status in $CURL_RC, its stderr in $E.
fetch() {
	local url=$TESTSRV_URL$1
	shift
	CURL_RC=0
	curl -sS --max-time 30 -D "$H" -o "$B" "$@" "$url" 2>"$E" || CURL_RC=$?
}

# Value of header NAME in the last response of $H.
hdr() {
	tr -d '\r' <"$H" | awk -v name="$1" '
		/^HTTP\// { delete v; next }
		{ i = index($0, ":"); if (i == 0) next
		  n = tolower(substr($0, 1, i - 1))
		  if (n == tolower(name)) { s = substr($0, i + 1); sub(/^[ \t]+/, "", s); v[n] = s } }
		END { if (tolower(name) in v) print v[tolower(name)] }'
}

has_hdr() {
	tr -d '\r' <"$H" | grep -qi "^$1:"
}

status() {
	tr -d '\r' <"$H" | grep '^HTTP/' | tail -n 1 | cut -d' ' -f2
}

body_sha() {
	sha256sum <"${1:-$B}" | cut -d' ' -f1
}

body_size() {
	if [ -e "${1:-$B}" ]; then
		wc -c <"${1:-$B}" | tr -d ' '
	else
		echo 0   # curl creates no file when no body byte came
	fi
}

# wait_log JQ-FILTER: waits (5 s at most) until a log record matches.
wait_log() {
	local i
	for ((i = 0; i < 500; i++)); do
		if [ -n "$(jq -c "select($1)" "$TESTSRV_LOG")" ]; then
			return 0
		fi
		sleep 0.01
	done
	echo "no log record matches $1" >&2
	return 1
}

count_data_events() {
	awk '/^data: event/ { n++ } END { print n + 0 }' "$1"
}

# wait_size FILE N: waits (30 s at most) until FILE holds N bytes.
wait_size() {
	local i
	for ((i = 0; i < 3000; i++)); do
		[ "$(stat -c %s "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.01
	done
	echo "$1 has $(stat -c %s "$1" 2>/dev/null) bytes, not $2" >&2
	return 1
}

# last_end PATH FILTER: FILTER over the end record of the last request
# for PATH, compact JSON.
last_end() {
	local ends
	ends=$(testsrv_end_array "$1" "$2") || return 1
	jq -nc --argjson e "$ends" '$e[-1]'
}

# ---- command line and --gen ----------------------------------------------

@test "--help prints usage and exits 0" {
	run "$(testsrv_bin)" --help
	assert_success
	assert_output --partial 'Usage: testsrv --port-file FILE'
	assert_output --partial '--gen'
}

@test "bad arguments give one line on stderr and exit 2" {
	run --separate-stderr "$(testsrv_bin)" --bogus
	assert_failure 2
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	[[ $stderr == testsrv:* ]]
	run --separate-stderr "$(testsrv_bin)"
	assert_failure 2
	run --separate-stderr "$(testsrv_bin)" --gen --size inf
	assert_failure 2
	run --separate-stderr "$(testsrv_bin)" --gen --size 10 --offset 11
	assert_failure 2
	run --separate-stderr "$(testsrv_bin)" --port-file x --port 70000
	assert_failure 2
}

@test "--gen writes exactly the requested bytes, offsets are consistent" {
	local bin
	bin=$(testsrv_bin)
	assert_equal "$("$bin" --gen --size 3K | wc -c)" 3072
	assert_equal "$("$bin" --gen --size 10000 --offset 9000 | wc -c)" 1000
	assert_equal "$("$bin" --gen --size 1M --offset 1M | wc -c)" 0
	# A slice equals the same bytes cut from the full body.
	"$bin" --gen --size 100000 >"$BATS_TEST_TMPDIR/full"
	"$bin" --gen --size 70001 --offset 12345 >"$BATS_TEST_TMPDIR/slice"
	cmp <(tail -c +12346 "$BATS_TEST_TMPDIR/full" | head -c 57656) \
		"$BATS_TEST_TMPDIR/slice"
	# Seed and version change the bytes.
	assert_not_equal "$(testsrv_sha256 --size 64K)" \
		"$(testsrv_sha256 --size 64K --seed 2)"
	assert_not_equal "$(testsrv_sha256 --size 64K)" \
		"$(testsrv_sha256 --size 64K --version 2)"
}

@test "--gen bodies have no short period: shifted or repeated blocks differ" {
	local bin
	bin=$(testsrv_bin)
	# Two 4 KiB blocks of one body never match, nor the same block of two
	# versions, nor a block shifted by the table length.
	run bash -c "'$bin' --gen --size 8M | split -b 4096 --filter=sha256sum | sort | uniq -d"
	assert_success
	assert_output ''
	assert_not_equal "$("$bin" --gen --size 8K --offset 4K | sha256sum)" \
		"$("$bin" --gen --size 8K --offset 4K --version 2 | sha256sum)"
	assert_not_equal "$("$bin" --gen --size 4K | sha256sum)" \
		"$("$bin" --gen --size 1052669 --offset 1048573 | sha256sum)"
}

@test "--gen bytes are pinned: the body format never changes silently" {
	# The server and --gen share one generator, so these constants are what
	# catches a change of the format itself (tests of haul rely on it).
	assert_equal "$(testsrv_sha256 --size 1M)" \
		9d9fb81d9b9c9aaf6ed84da696350afec90617cecd13f6e5d707c277f39388fa
	assert_equal "$(testsrv_sha256 --size 64K --seed 3 --version 2)" \
		6524a51d872e591bddae0a93d8f23e5a9a5d3488f2fd98f6c1c4723950c5d190
	assert_equal "$(testsrv_sha256 --lines --size 64)" \
		930842a1565b9aaab56c8d79205f837aa776bc1e969d76b051b2aa103d00ded3
}

@test "--gen --lines writes numbered 64-byte lines" {
	run bash -c "'$(testsrv_bin)' --gen --lines --size 6400 --seed 3 --version 2"
	assert_success
	assert_equal "${#lines[@]}" 100
	assert_equal "${lines[0]:0:27}" '000000000000000000 s=3 v=2 '
	assert_equal "${lines[99]:0:27}" '000000000000000099 s=3 v=2 '
	assert_equal "${#lines[42]}" 63
}

# ---- bodies and headers --------------------------------------------------

@test "default resource: 1 KiB, byte-exact, with the standard headers" {
	fetch /plain
	assert_equal "$CURL_RC" 0
	assert_equal "$(status)" 200
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 1K)"
	assert_equal "$(hdr Content-Length)" 1024
	assert_equal "$(hdr Content-Type)" application/octet-stream
	assert_equal "$(hdr ETag)" '"s1-v1-1024"'
	assert_equal "$(hdr Last-Modified)" 'Fri, 01 Jan 2021 01:00:00 GMT'
	assert_equal "$(hdr Accept-Ranges)" bytes
	[[ $(hdr Date) =~ ^[A-Z][a-z]{2},\ [0-9]{2}\ [A-Z][a-z]{2}\ [0-9]{4}\ [0-9:]{8}\ GMT$ ]]
}

@test "size with suffixes, seed and version select the bytes" {
	fetch '/sized?size=3M&seed=7&v=4'
	assert_equal "$CURL_RC" 0
	assert_equal "$(body_size)" 3145728
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 3M --seed 7 --version 4)"
	assert_equal "$(hdr ETag)" '"s7-v4-3145728"'
	assert_equal "$(hdr Last-Modified)" 'Fri, 01 Jan 2021 04:00:00 GMT'
	fetch '/sized0?size=0'
	assert_equal "$CURL_RC" 0
	assert_equal "$(hdr Content-Length)" 0
	assert_equal "$(body_size)" 0
	fetch '/sizedk?size=5k'
	assert_equal "$(body_size)" 5120
}

@test "a 64 MiB body is byte-exact" {
	fetch '/big64?size=64M&seed=3&v=2'
	assert_equal "$CURL_RC" 0
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 64M --seed 3 --version 2)"
}

@test "newv_at: new bytes, ETag and Last-Modified from the K-th request" {
	fetch '/newv?size=10K&newv_at=2'
	assert_equal "$(hdr ETag)" '"s1-v1-10240"'
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 10K --version 1)"
	fetch '/newv?size=10K&newv_at=2'
	assert_equal "$(hdr ETag)" '"s1-v2-10240"'
	assert_equal "$(hdr Last-Modified)" 'Fri, 01 Jan 2021 02:00:00 GMT'
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 10K --version 2)"
	fetch '/newv?size=10K&newv_at=2'
	assert_equal "$(hdr ETag)" '"s1-v2-10240"'
	run testsrv_requests /newv
	assert_equal "$(jq -s -c 'map(.version)' <<<"$output")" '[1,2,2]'
}

@test "etag=weak, etag=none and lm=0" {
	fetch '/etagw?size=100&etag=weak'
	assert_equal "$(hdr ETag)" 'W/"s1-v1-100"'
	fetch '/etagn?size=100&etag=none&lm=0'
	assert_equal "$CURL_RC" 0
	run has_hdr ETag
	assert_failure
	run has_hdr Last-Modified
	assert_failure
	has_hdr Date
}

# ---- Range and If-Range ----------------------------------------------------

@test "Range A-B, A-, -N and clamping give 206 with the right bytes" {
	fetch '/rng?size=1000&seed=5' -r 100-199
	assert_equal "$(status)" 206
	assert_equal "$(hdr Content-Range)" 'bytes 100-199/1000'
	assert_equal "$(hdr Content-Length)" 100
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 200 --offset 100 --seed 5)"
	fetch '/rng?size=1000&seed=5' -r 900-
	assert_equal "$(hdr Content-Range)" 'bytes 900-999/1000'
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 1000 --offset 900 --seed 5)"
	fetch '/rng?size=1000&seed=5' -r -100
	assert_equal "$(status)" 206
	assert_equal "$(hdr Content-Range)" 'bytes 900-999/1000'
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 1000 --offset 900 --seed 5)"
	fetch '/rng?size=1000&seed=5' -r 990-5000
	assert_equal "$(hdr Content-Range)" 'bytes 990-999/1000'
	assert_equal "$(body_size)" 10
	fetch '/rng?size=1000&seed=5' -r -5000
	assert_equal "$(hdr Content-Range)" 'bytes 0-999/1000'
}

@test "unsatisfiable Range gives 416 with bytes */T" {
	fetch '/rng416?size=1000' -r 1000-
	assert_equal "$(status)" 416
	assert_equal "$(hdr Content-Range)" 'bytes */1000'
	fetch '/rng416?size=1000' -r 5000-6000
	assert_equal "$(status)" 416
	fetch '/rng416b?size=0' -r 0-
	assert_equal "$(status)" 416
	assert_equal "$(hdr Content-Range)" 'bytes */0'
}

@test "multiple or malformed ranges give the full 200" {
	fetch '/rngm?size=1000' -r 0-1,5-6
	assert_equal "$(status)" 200
	assert_equal "$(body_size)" 1000
	fetch '/rngm?size=1000' -H 'Range: bytes=abc'
	assert_equal "$(status)" 200
	fetch '/rngm?size=1000' -H 'Range: bytes=50-10'
	assert_equal "$(status)" 200
	fetch '/rngm?size=1000' -H 'Range: items=1-2'
	assert_equal "$(status)" 200
}

@test "If-Range with the strong ETag applies the range, anything else does not" {
	fetch '/ifr?size=1000' -r 500- -H 'If-Range: "s1-v1-1000"'
	assert_equal "$(status)" 206
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 1000 --offset 500)"
	fetch '/ifr?size=1000' -r 500- -H 'If-Range: "s1-v2-1000"'
	assert_equal "$(status)" 200
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 1000)"
	fetch '/ifr?size=1000' -r 500- -H 'If-Range: W/"s1-v1-1000"'
	assert_equal "$(status)" 200
	fetch '/ifrw?size=1000&etag=weak' -r 500- -H 'If-Range: W/"s1-v1-1000"'
	assert_equal "$(status)" 200
}

@test "If-Range with an HTTP-date applies only on an exact Last-Modified match" {
	fetch '/ifrd?size=1000' -r 10-19 -H 'If-Range: Fri, 01 Jan 2021 01:00:00 GMT'
	assert_equal "$(status)" 206
	assert_equal "$(hdr Content-Range)" 'bytes 10-19/1000'
	fetch '/ifrd?size=1000' -r 10-19 -H 'If-Range: Fri, 01 Jan 2021 01:00:01 GMT'
	assert_equal "$(status)" 200
	fetch '/ifrd2?size=1000&lm=0' -r 10-19 -H 'If-Range: Fri, 01 Jan 2021 01:00:00 GMT'
	assert_equal "$(status)" 200
}

@test "If-Range after a version change sends the new version in full" {
	fetch '/ifrv?size=2000&newv_at=2' -r 0-99
	local etag
	etag=$(hdr ETag)
	fetch '/ifrv?size=2000&newv_at=2' -r 100- -H "If-Range: $etag"
	assert_equal "$(status)" 200
	assert_equal "$(hdr ETag)" '"s1-v2-2000"'
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 2000 --version 2)"
}

@test "a range above 4 GiB on a 6 GiB resource" {
	fetch '/huge?size=6G' -r 5000000000-5000000099
	assert_equal "$(status)" 206
	assert_equal "$(hdr Content-Range)" 'bytes 5000000000-5000000099/6442450944'
	assert_equal "$(body_sha)" \
		"$(testsrv_sha256 --size 5000000100 --offset 5000000000)"
	run testsrv_requests /huge
	assert_equal "$(jq -c '[.first, .last]' <<<"$output")" '[5000000000,5000000099]'
	fetch '/hugel?size=6G&lines=1' -r 6442450000-
	assert_equal "$(body_sha)" \
		"$(testsrv_sha256 --lines --size 6G --offset 6442450000)"
}

# endless URL N [CURL-ARGS...]: the first N bytes of an endless body in $B
# (headers in $H); curl must end with 23, its write cut by head.
endless() {
	local url=$1 n=$2
	shift 2
	run -0 env N="$n" B="$B" E="$E" bash -c \
		'curl -sS "$@" 2>"$E" | head -c "$N" >"$B"; echo "${PIPESTATUS[*]}"' _ -D "$H" "$@" "$url"
	assert_output "23 0"
	assert_equal "$(body_size)" "$n"
}

@test "size=inf: endless chunked body, Range A- gives open 206" {
	local url=$TESTSRV_URL/inf?size=inf
	endless "$url" 300000
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 300000)"
	assert_equal "$(status)" 200
	assert_equal "$(hdr Transfer-Encoding)" chunked
	assert_equal "$(hdr ETag)" '"s1-v1-inf"'
	run has_hdr Content-Length
	assert_failure
	endless "$url" 5000 -r 1000000-
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 1005000 --offset 1000000)"
	assert_equal "$(status)" 206
	assert_equal "$(hdr Content-Range)" 'bytes 1000000-9223372036854775806/*'
	run has_hdr Content-Length
	assert_failure
	endless "$url&nolen=1" 5000
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 5000)"
	run has_hdr Transfer-Encoding
	assert_failure
	assert_equal "$(hdr Connection)" close
}

@test "norange=1 ignores Range and If-Range and sends no Accept-Ranges" {
	fetch '/norange?size=1000&norange=1' -r 10-19
	assert_equal "$(status)" 200
	assert_equal "$(body_size)" 1000
	run has_hdr Accept-Ranges
	assert_failure
}

@test "badrange=start claims first-pos A+1 but sends from A" {
	fetch '/badstart?size=1000&badrange=start' -r 100-199
	assert_equal "$(status)" 206
	assert_equal "$(hdr Content-Range)" 'bytes 101-199/1000'
	assert_equal "$(hdr Content-Length)" 99
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 199 --offset 100)"
}

@test "badrange=total claims total T+1" {
	fetch '/badtotal?size=1000&badrange=total' -r 100-199
	assert_equal "$(status)" 206
	assert_equal "$(hdr Content-Range)" 'bytes 100-199/1001'
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 200 --offset 100)"
}

@test "badrange=from0 sends the whole body as 0-(T-1)/T" {
	fetch '/badfrom0?size=1000&badrange=from0' -r 100-199
	assert_equal "$(status)" 206
	assert_equal "$(hdr Content-Range)" 'bytes 0-999/1000'
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 1000)"
	fetch '/badfrom0?size=1000&badrange=from0'
	assert_equal "$(status)" 200
}

# ---- framing ---------------------------------------------------------------

@test "chunked=1 frames the body in chunks" {
	fetch '/chunked?size=1M&chunked=1'
	assert_equal "$CURL_RC" 0
	assert_equal "$(hdr Transfer-Encoding)" chunked
	run has_hdr Content-Length
	assert_failure
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 1M)"
	run -0 curl -sS --raw -o "$B" "$TESTSRV_URL/chunkraw?size=10&chunked=1"
	run -0 od -c "$B"
	assert_line --index 0 --partial 'a  \r  \n'
}

@test "nolen=1 ends the body by closing the connection" {
	fetch '/nolen?size=1M&nolen=1'
	assert_equal "$CURL_RC" 0
	run has_hdr Content-Length
	assert_failure
	run has_hdr Transfer-Encoding
	assert_failure
	assert_equal "$(hdr Connection)" close
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 1M)"
}

# ---- drops -----------------------------------------------------------------

@test "fin=O closes gracefully at O, once per resource" {
	fetch '/fin1?size=100K&fin=30000'
	assert_equal "$CURL_RC" 18
	assert_equal "$(body_size)" 30000
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 30000)"
	run -0 last_end /fin1 '[.sent, .how]'
	assert_output '[30000,"fin"]'
	fetch '/fin1?size=100K&fin=30000'
	assert_equal "$CURL_RC" 0
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 100K)"
	run -0 last_end /fin1 '[.sent, .how]'
	assert_output '[102400,"complete"]'
}

@test "fin with several offsets: resuming passes each one" {
	local out=$BATS_TEST_TMPDIR/assembled
	fetch '/fin2?size=64K&fin=10K,20K,20K'
	assert_equal "$CURL_RC" 18
	assert_equal "$(body_size)" 10240
	cat "$B" >"$out"
	fetch '/fin2?size=64K&fin=10K,20K,20K' -r 10240-
	assert_equal "$CURL_RC" 18
	assert_equal "$(hdr Content-Range)" 'bytes 10240-65535/65536'
	assert_equal "$(body_size)" 10240
	cat "$B" >>"$out"
	fetch '/fin2?size=64K&fin=10K,20K,20K' -r 20480-
	assert_equal "$CURL_RC" 0
	cat "$B" >>"$out"
	assert_equal "$(body_sha "$out")" "$(testsrv_sha256 --size 64K)"
}

@test "fin at the range start sends the head and closes" {
	fetch '/fin3?size=10K&fin=4K' -r 4096-
	assert_equal "$CURL_RC" 18
	assert_equal "$(status)" 206
	assert_equal "$(body_size)" 0
}

@test "rst=O resets the connection at O (curl 56)" {
	fetch '/rst1?size=4M&rst=3000000'
	assert_equal "$CURL_RC" 56
	run cat "$E"
	assert_output --partial 'Connection reset by peer'
	assert_equal "$(body_size)" 3000000
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 3000000)"
	run -0 last_end /rst1 '[.sent, .how]'
	assert_output '[3000000,"rst"]'
	fetch '/rst1?size=4M&rst=3000000' -r 3000000-
	assert_equal "$CURL_RC" 0
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 4M --offset 3000000)"
}

@test "rst reaches a slow reader only after every byte before O" {
	fetch '/rst2?size=1M&rst=600K&chunked=1' --limit-rate 2M
	assert_equal "$CURL_RC" 56
	assert_equal "$(body_size)" 614400
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 600K)"
}

@test "every=N&cuts=K cuts exactly K responses" {
	local out=$BATS_TEST_TMPDIR/assembled off=0 i
	: >"$out"
	for i in 1 2 3; do
		fetch '/every?size=64K&every=4K&cuts=3' -r "$off-"
		assert_equal "$CURL_RC" 18
		assert_equal "$(body_size)" 4096
		cat "$B" >>"$out"
		off=$((off + 4096))
	done
	fetch '/every?size=64K&every=4K&cuts=3' -r "$off-"
	assert_equal "$CURL_RC" 0
	cat "$B" >>"$out"
	assert_equal "$(body_sha "$out")" "$(testsrv_sha256 --size 64K)"
	run testsrv_ends /every
	assert_equal "$(jq -s -c 'map(.how)' <<<"$output")" '["fin","fin","fin","complete"]'
}

@test "every with kind=rst and kind=mix" {
	fetch '/everyr?size=64K&every=1000&kind=rst'
	assert_equal "$CURL_RC" 56
	assert_equal "$(body_size)" 1000
	fetch '/everym?size=64K&every=1000&kind=mix&cuts=3'
	assert_equal "$CURL_RC" 18
	fetch '/everym?size=64K&every=1000&kind=mix&cuts=3' -r 1000-
	assert_equal "$CURL_RC" 56
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 2000 --offset 1000)"
	fetch '/everym?size=64K&every=1000&kind=mix&cuts=3' -r 2000-
	assert_equal "$CURL_RC" 18
	fetch '/everym?size=64K&every=1000&kind=mix&cuts=3' -r 3000-
	assert_equal "$CURL_RC" 0
	run testsrv_ends /everym
	assert_equal "$(jq -s -c 'map(.how)' <<<"$output")" '["fin","rst","fin","complete"]'
}

@test "drops apply to chunked and line bodies too" {
	fetch '/dropc?size=100K&chunked=1&fin=50000'
	assert_equal "$CURL_RC" 18
	assert_equal "$(body_size)" 50000
	fetch '/dropl?size=6400&lines=1&rst=100'
	assert_equal "$CURL_RC" 56
	assert_equal "$(body_size)" 100
	assert_equal "$(body_sha)" "$(testsrv_sha256 --lines --size 100)"
}

# ---- stalls and rate -------------------------------------------------------

@test "stall=O with stall_ms pauses once, then completes" {
	local t
	t=$(curl -sS -o "$B" -w '%{time_total}' \
		"$TESTSRV_URL/stall1?size=10K&stall=5000&stall_ms=400")
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 10K)"
	run awk -v t="$t" 'BEGIN { exit !(t >= 0.39) }'
	assert_success
	fetch '/stall1?size=10K&stall=5000&stall_ms=400'
	assert_equal "$CURL_RC" 0
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 10K)"
	# Once per key: the log has one stall record, at 5000, and it belongs
	# to the first request (no clock: a slow machine cannot fake this).
	run -0 jq -sc '[.[] | select(.ev == "req" and .path == "/stall1") | .n] as $ns
		| [.[] | select(.ev == "stall" and (.n as $n | $ns | index($n))) | [(.n == $ns[0]), .offset]]' "$TESTSRV_LOG"
	assert_output '[[true,5000]]'
	run -0 testsrv_end_array /stall1 .how
	assert_output '["complete","complete"]'
}

@test "stall=O without stall_ms holds until the client closes" {
	fetch '/stall2?size=10K&stall=5000' --max-time 1
	assert_equal "$CURL_RC" 28
	assert_equal "$(body_size)" 5000
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 5000)"
	wait_log '.ev == "end" and .how == "stall-closed" and .sent == 5000'
}

@test "hold=O stops at O until released by name; a released name stays released" {
	local out=$BATS_TEST_TMPDIR/held rc=0
	curl -sS -N --max-time 60 -o "$out" "$TESTSRV_URL/hold1?size=100K&hold=10K,50K" 3>&- &
	local cpid=$!
	testsrv_wait_log '.ev == "hold" and .name == "/hold1"'
	run -0 jq -c 'select(.ev == "hold") | [.offset, .name]' "$TESTSRV_LOG"
	assert_output '[10240,"/hold1"]'
	# Every byte before the hold reaches the client, then nothing until
	# the release: the response has not ended.
	wait_size "$out" 10240
	run -0 testsrv_ends /hold1
	assert_output ''
	run -0 testsrv_release /hold1
	assert_output 'released 1'
	wait "$cpid" || rc=$?
	assert_equal "$rc" 0
	assert_equal "$(body_sha "$out")" "$(testsrv_sha256 --size 100K)"
	# The name stays released: the hold at 50K passed, in this response
	# and in the next one; so did the one at 10K (once per key anyway).
	fetch '/hold1?size=100K&hold=10K,50K'
	assert_equal "$CURL_RC" 0
	run -0 jq -sc '[.[] | select(.ev == "hold" and .name == "/hold1") | .offset]' "$TESTSRV_LOG"
	assert_output '[10240]'
	run -0 testsrv_end_array /hold1 .how
	assert_output '["complete","complete"]'
}

@test "hold_name= groups holds of several keys; several offsets of one key; release before the hold" {
	local rc=0 p pids=()
	for p in a b; do
		curl -sS --max-time 60 -o "$BATS_TEST_TMPDIR/g$p" "$TESTSRV_URL/hold2$p?size=64K&seed=3&hold=1K,40K&hold_name=grp" 3>&- &
		pids+=($!)
	done
	testsrv_wait_log '.ev == "hold" and .name == "grp"' 2
	run -0 testsrv_release grp
	assert_output 'released 2'
	for p in "${pids[@]}"; do
		wait "$p" || rc=$?
	done
	assert_equal "$rc" 0
	assert_equal "$(body_sha "$BATS_TEST_TMPDIR/ga")" "$(testsrv_sha256 --size 64K --seed 3)"
	assert_equal "$(body_sha "$BATS_TEST_TMPDIR/gb")" "$(testsrv_sha256 --size 64K --seed 3)"
	# One key, holds at two offsets of two ranges (as -x parts would be):
	# each range stops at its own.
	local ranges=() r
	for r in 0-32767 32768-65535; do
		curl -sS --max-time 60 -r "$r" -o "$BATS_TEST_TMPDIR/r$r" "$TESTSRV_URL/hold3?size=64K&hold=1K,40K" 3>&- &
		ranges+=($!)
	done
	testsrv_wait_log '.ev == "hold" and .name == "/hold3"' 2
	run -0 jq -sc '[.[] | select(.ev == "hold" and .name == "/hold3") | .offset] | sort' "$TESTSRV_LOG"
	assert_output '[1024,40960]'
	run -0 testsrv_release /hold3
	assert_output 'released 2'
	rc=0
	for p in "${ranges[@]}"; do
		wait "$p" || rc=$?
	done
	assert_equal "$rc" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/r0-32767" "$BATS_TEST_TMPDIR/r32768-65535" | sha256sum | cut -d' ' -f1)" \
		"$(testsrv_sha256 --size 64K)"
	# Released before any request: no hold at all.
	run -0 testsrv_release early
	assert_output 'released 0'
	fetch '/hold4?size=10K&hold=1K&hold_name=early'
	assert_equal "$CURL_RC" 0
	assert_equal "$(body_size)" 10240
	run -0 jq -sc '[.[] | select(.ev == "hold" and .name == "early")]' "$TESTSRV_LOG"
	assert_output '[]'
}

@test "a client that closes during a hold: hold-closed; bad hold values and /_release without a name: 400" {
	curl -sS --max-time 60 -o /dev/null "$TESTSRV_URL/hold5?size=10K&hold=2K" 3>&- &
	local cpid=$!
	testsrv_wait_log '.ev == "hold" and .name == "/hold5"'
	kill -TERM "$cpid"
	wait "$cpid" || true
	wait_log '.ev == "end" and .how == "hold-closed" and .sent == 2048'
	fetch '/hold6?hold=abc'
	assert_equal "$(status)" 400
	fetch '/hold6?hold=1K&hold_name='
	assert_equal "$(status)" 400
	fetch '/_release'
	assert_equal "$(status)" 400
	assert_equal "$(cat "$B")" '_release needs name=NAME'
}

@test "--closed-port-file: a port where connections are refused for as long as the server runs" {
	testsrv_start "$BATS_TEST_TMPDIR" --closed-port-file "$BATS_TEST_TMPDIR/closed.port"
	local closed
	closed=$(cat "$BATS_TEST_TMPDIR/closed.port")
	[[ $closed =~ ^[0-9]+$ ]] && [ "$closed" -gt 0 ] && [ "$closed" != "$TESTSRV_PORT" ] ||
		fail "closed port '$closed' (listening on $TESTSRV_PORT)"
	local rc=0
	curl -sS --max-time 10 -o /dev/null "http://127.0.0.1:$closed/x" 2>"$E" || rc=$?
	assert_equal "$rc" 7
	run -0 cat "$E"
	assert_output --partial "Couldn't connect to server"
	# The port is taken: nobody else can listen there meanwhile, not even
	# a server that sets SO_REUSEADDR (as libuv does).
	run -1 --separate-stderr "$(testsrv_bin)" --port-file "$BATS_TEST_TMPDIR/other.port" --port "$closed"
	assert_equal "$stderr" "testsrv: cannot listen on 127.0.0.1:$closed: address already in use"
	fetch '/after-closed?size=10'
	assert_equal "$(body_size)" 10
	testsrv_stop
}

@test "hdr_stall_ms delays the response head" {
	local t
	t=$(curl -sS -o "$B" -w '%{time_starttransfer}' \
		"$TESTSRV_URL/hdrstall?size=100&hdr_stall_ms=300")
	run awk -v t="$t" 'BEGIN { exit !(t >= 0.29) }'
	assert_success
	assert_equal "$(body_size)" 100
}

# arrivals URL RATE: fetches URL with curl's trace of when the request
# went out and each piece of the body came in, and checks that no byte
# came before the rate allows (its offset / RATE seconds after the
# request, less 50 ms), that the body is exact, and that it came in many
# pieces.  Only lower bounds: a loaded machine can make a reader late,
# never early.
arrivals() {
	local url=$1 rate=$2 size
	size=$(sed -nE 's/.*[?&]size=([0-9]+K?).*/\1/p' <<<"$url")
	run -0 curl -sS --max-time 60 --trace-ascii "$BATS_TEST_TMPDIR/trace" --trace-time \
		-o "$B" "$TESTSRV_URL$url"
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size "$size")"
	run -0 awk -v rate="$rate" '
		function secs(hms, a) { split(hms, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
		$2 == "=>" && $3 == "Send" && $4 == "header," && start == "" { start = secs($1) }
		$2 == "<=" && $3 == "Recv" && $4 == "data," {
			got += $5
			t = secs($1) - start
			if (t < -43200) t += 86400   # past midnight
			if (t < got / rate - 0.05) early++
			pieces++
		}
		END { print got, (pieces >= 10 ? "many" : pieces " pieces"), early + 0 }' "$BATS_TEST_TMPDIR/trace"
	assert_output "$(body_size) many 0"
}

@test "rate limits the body smoothly" {
	# 100 KiB at 200 KiB/s: no byte before its time, so the whole takes
	# half a second at least, and the middle arrives after a quarter.
	arrivals '/rate?size=100K&rate=200K' 204800
	# Smooth: 5 KiB at 10 KiB/s neither in one burst at once nor ahead of
	# its time anywhere.  (No upper bounds: those measure the machine.)
	arrivals '/rate2?size=5K&rate=10K' 10240
}

# ---- status, redirects, auth, headers --------------------------------------

@test "status=CODE with Retry-After, status_n limits it" {
	fetch '/st?status=503&retry_after=7&status_n=2'
	assert_equal "$(status)" 503
	assert_equal "$(hdr Retry-After)" 7
	assert_equal "$(cat "$B")" 'error 503'
	assert_equal "$(hdr Content-Length)" 10
	fetch '/st?status=503&retry_after=7&status_n=2'
	assert_equal "$(status)" 503
	fetch '/st?status=503&retry_after=7&status_n=2'
	assert_equal "$(status)" 200
	assert_equal "$(body_size)" 1024
	run has_hdr Retry-After
	assert_failure
}

@test "retry_after=date+S sends an HTTP-date" {
	fetch '/st2?status=429&retry_after=date%2B3600'
	assert_equal "$(status)" 429
	local want
	want=$(( $(date +%s) + 3600 ))
	local got
	got=$(date -d "$(hdr Retry-After)" +%s)
	run awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d >= -5 && d <= 5) }'
	assert_success
}

@test "/redirect/N hops down to the resource" {
	fetch '/redirect/2/red?size=500'
	assert_equal "$(status)" 302
	assert_equal "$(hdr Location)" '/redirect/1/red?size=500'
	fetch '/redirect/2/red?size=500' -L
	assert_equal "$(status)" 200
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 500)"
	run jq -s -c '[.[] | select(.ev == "req" and .key == "/red") | .status]' "$TESTSRV_LOG"
	assert_output '[302,302,302,200]'
	fetch '/redirect/1/red2?redir_code=307'
	assert_equal "$(status)" 307
	assert_equal "$(hdr Location)" '/redirect/0/red2?redir_code=307'
}

@test "loc=URL redirects to that exact Location, loc_n limits it" {
	local target="http://127.0.0.1:$TESTSRV_PORT/other?size=10"
	fetch "/loc?loc=http%3A%2F%2F127.0.0.1%3A$TESTSRV_PORT%2Fother%3Fsize%3D10&loc_n=1&redir_code=301"
	assert_equal "$(status)" 301
	assert_equal "$(hdr Location)" "$target"
	fetch "/loc?loc=http%3A%2F%2F127.0.0.1%3A$TESTSRV_PORT%2Fother%3Fsize%3D10&loc_n=1&redir_code=301"
	assert_equal "$(status)" 200
	fetch '/loc2?loc=..%2Frel%3Fsize%3D7' -L
	assert_equal "$(status)" 200
	assert_equal "$(body_size)" 7
}

@test "auth=USER:PASS requires Basic auth" {
	fetch '/auth?auth=alice:s3cret'
	assert_equal "$(status)" 401
	assert_equal "$(hdr WWW-Authenticate)" 'Basic realm="testsrv"'
	fetch '/auth?auth=alice:s3cret' -u alice:wrong
	assert_equal "$(status)" 401
	fetch '/auth?auth=alice:s3cret' -u alice:s3cret
	assert_equal "$(status)" 200
	assert_equal "$(body_size)" 1024
}

@test "ctype and hdr set headers (percent-decoded, repeatable)" {
	fetch '/hdrs?ctype=text%2Fcsv&hdr=X-One:1&hdr=X-Two:a%20b%3Bc'
	assert_equal "$(hdr Content-Type)" text/csv
	assert_equal "$(hdr X-One)" 1
	assert_equal "$(hdr X-Two)" 'a b;c'
}

@test "bad switch values are answered with 400" {
	fetch '/badsw?size=abc'
	assert_equal "$(status)" 400
	fetch '/badsw?kind=zap'
	assert_equal "$(status)" 400
	fetch '/badsw?hdr=X-Bad%0d%0aInjected:1'
	assert_equal "$(status)" 400
	fetch '/badsw?unknown_switch=1&size=3'
	assert_equal "$(status)" 200
}

# ---- lines and SSE ---------------------------------------------------------

@test "lines=1: text/plain lines of 64 bytes, consecutive numbers" {
	fetch '/lines?size=64000&lines=1&seed=9'
	assert_equal "$(hdr Content-Type)" text/plain
	assert_equal "$(body_sha)" "$(testsrv_sha256 --lines --size 64000 --seed 9)"
	run awk 'length($0) != 63 || substr($0, 1, 18) + 0 != NR - 1 || $2 != "s=9" || $3 != "v=1" { bad++ } END { print NR, bad + 0 }' "$B"
	assert_output '1000 0'
	fetch '/lines?size=64000&lines=1&seed=9' -r 100-227
	assert_equal "$(body_sha)" "$(testsrv_sha256 --lines --size 228 --offset 100 --seed 9)"
}

@test "sse=1: events with retry in the first, events=N ends the stream" {
	fetch '/sse?sse=1&events=3'
	assert_equal "$CURL_RC" 0
	assert_equal "$(hdr Content-Type)" text/event-stream
	assert_equal "$(hdr Transfer-Encoding)" chunked
	assert_equal "$(cat "$B")" "$(printf 'id: 1\nretry: 100\ndata: event 1 s=1 v=1\n\nid: 2\ndata: event 2 s=1 v=1\n\nid: 3\ndata: event 3 s=1 v=1\n')"
}

@test "sse=1 resumes after Last-Event-ID, sse_retry and nolen" {
	fetch '/sse2?sse=1&events=7&sse_retry=2500&seed=4' -H 'Last-Event-ID: 5'
	assert_equal "$(cat "$B")" "$(printf 'id: 6\nretry: 2500\ndata: event 6 s=4 v=1\n\nid: 7\ndata: event 7 s=4 v=1\n')"
	fetch '/sse3?sse=1&events=2&nolen=1' -r 10-
	assert_equal "$CURL_RC" 0
	assert_equal "$(status)" 200
	assert_equal "$(hdr Connection)" close
	run has_hdr Transfer-Encoding
	assert_failure
	assert_equal "$(grep -c '^id: ' "$B")" 2
}

@test "sse=1 without events= is endless" {
	endless "$TESTSRV_URL/sse4?sse=1" 100000
	run -0 count_data_events "$B"
	(( output > 2000 )) || fail "only $output events in 100000 bytes"
}

# ---- protocol --------------------------------------------------------------

@test "keep-alive: two URLs in one curl command share one connection" {
	curl -sS -o /dev/null -o /dev/null "$TESTSRV_URL/ka1?size=100K" \
		"$TESTSRV_URL/ka2?size=100K"
	local c1 c2
	c1=$(testsrv_req_values /ka1 .conn)
	c2=$(testsrv_req_values /ka2 .conn)
	[[ $c1 =~ ^[0-9]+$ ]] || fail "no connection for /ka1: '$c1'"
	assert_equal "$c1" "$c2"
	curl -sS -o /dev/null -o /dev/null "$TESTSRV_URL/ka3?size=100K&chunked=1" \
		"$TESTSRV_URL/ka4?size=0"
	c1=$(testsrv_req_values /ka3 .conn)
	c2=$(testsrv_req_values /ka4 .conn)
	[[ $c1 =~ ^[0-9]+$ ]] || fail "no connection for /ka3: '$c1'"
	assert_equal "$c1" "$c2"
}

@test "Connection: close, HTTP/1.0 and nolen end the connection" {
	curl -sS -o /dev/null -o /dev/null -H 'Connection: close' \
		"$TESTSRV_URL/cc1" "$TESTSRV_URL/cc2"
	local c1 c2
	c1=$(testsrv_req_values /cc1 .conn)
	c2=$(testsrv_req_values /cc2 .conn)
	[[ $c1 =~ ^[0-9]+$ && $c2 =~ ^[0-9]+$ ]] || fail "connections '$c1' '$c2'"
	assert_not_equal "$c1" "$c2"
	fetch /cc3 -0
	assert_equal "$(hdr Connection)" close
	run -0 testsrv_req_values /cc3 .http
	assert_output 1.0
	curl -sS -o /dev/null -o /dev/null "$TESTSRV_URL/cc4?nolen=1" "$TESTSRV_URL/cc5"
	c1=$(testsrv_req_values /cc4 .conn)
	c2=$(testsrv_req_values /cc5 .conn)
	[[ $c1 =~ ^[0-9]+$ && $c2 =~ ^[0-9]+$ ]] || fail "connections '$c1' '$c2'"
	assert_not_equal "$c1" "$c2"
}

@test "HEAD sends the headers without a body" {
	fetch '/head?size=5000' -I
	assert_equal "$CURL_RC" 0
	assert_equal "$(status)" 200
	assert_equal "$(hdr Content-Length)" 5000
	cmp "$B" "$H"   # with -I curl writes the head as the output: no body
	run testsrv_requests /head
	assert_equal "$(jq -c '[.method, .first, .last]' <<<"$output")" '["HEAD",null,null]'
	# No body follows a HEAD: the next request on the connection works.
	run timeout 5 bash -c "exec 5<>/dev/tcp/127.0.0.1/$TESTSRV_PORT
		printf 'HEAD /head2?size=50 HTTP/1.1\r\nHost: x\r\n\r\nGET /head3?size=10 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&5
		cat <&5 | grep -a -o 'HTTP/1.1 200' | wc -l"
	assert_output 2
	run -0 testsrv_end_array /head2 '[.sent, .how]'
	assert_output '[[0,"complete"]]'
	run -0 testsrv_end_array /head3 '[.sent, .how]'
	assert_output '[[10,"complete"]]'
	local c1 c2
	c1=$(testsrv_req_values /head2 .conn)
	c2=$(testsrv_req_values /head3 .conn)
	[[ $c1 =~ ^[0-9]+$ ]] || fail "no connection for /head2: '$c1'"
	assert_equal "$c1" "$c2"
}

@test "other methods get 405" {
	fetch /opt -X OPTIONS
	assert_equal "$(status)" 405
	assert_equal "$(hdr Allow)" 'GET, HEAD, POST, PUT, PATCH, DELETE'
}

@test "POST, PUT, PATCH and DELETE are answered as GET, their bodies logged" {
	local m
	for m in POST PUT PATCH DELETE; do
		fetch "/m$m?size=100" -X "$m" --data-binary $'a=1\nb=2'
		assert_equal "$(status)" 200
		assert_equal "$(body_sha)" "$(testsrv_sha256 --size 100)"
		assert_equal "$(testsrv_req_values "/m$m" .method)" "$m"
		assert_equal "$(testsrv_req_values "/m$m" .body)" $'a=1\nb=2'
		assert_equal "$(testsrv_req_values "/m$m" .body_len)" 7
	done
	# A GET has none; a body with a NUL byte is logged as null.
	fetch /mget
	assert_equal "$(testsrv_req_values /mget '[.body, .body_len] | tojson')" '["",0]'
	printf 'a\0b' >"$BATS_TEST_TMPDIR/nul.bin"
	fetch /mnul --data-binary "@$BATS_TEST_TMPDIR/nul.bin"
	assert_equal "$(testsrv_req_values /mnul '[.body, .body_len] | tojson')" '[null,3]'
}

@test "a request body that arrives in pieces is waited for; one too large gets 413" {
	# Head and body in two writes, 300 ms apart: one request, whole body.
	run timeout 5 bash -c "exec 5<>/dev/tcp/127.0.0.1/$TESTSRV_PORT
		printf 'POST /slowbody?size=3 HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc' >&5
		sleep 0.3; printf 'def' >&5; head -n 1 <&5"
	assert_output --partial 'HTTP/1.1 200'
	assert_equal "$(testsrv_req_values /slowbody .body)" abcdef
	fetch /big -X POST -H 'Content-Length: 40000' --data-binary x
	assert_equal "$(status)" 413
}

@test "malformed requests get 400, huge heads 431" {
	run timeout 5 bash -c "exec 5<>/dev/tcp/127.0.0.1/$TESTSRV_PORT; printf 'GARBAGE\r\n\r\n' >&5; head -n 1 <&5"
	assert_output --partial 'HTTP/1.1 400'
	run timeout 5 bash -c "exec 5<>/dev/tcp/127.0.0.1/$TESTSRV_PORT; printf 'GET / HTTP/2.0\r\n\r\n' >&5; head -n 1 <&5"
	assert_output --partial 'HTTP/1.1 400'
	run timeout 5 bash -c "exec 5<>/dev/tcp/127.0.0.1/$TESTSRV_PORT; printf 'GET / HTTP/1.1\r\nBad Header: x\r\n\r\n' >&5; head -n 1 <&5"
	assert_output --partial 'HTTP/1.1 400'
	fetch /big-head -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)"
	assert_equal "$(status)" 431
}

@test "pipelined requests are answered in order" {
	run timeout 5 bash -c "exec 5<>/dev/tcp/127.0.0.1/$TESTSRV_PORT
		printf 'GET /pipe1?size=3 HTTP/1.1\r\nHost: x\r\n\r\nGET /pipe2?size=4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&5
		cat <&5 | grep -a -o 'HTTP/1.1 200' | wc -l"
	assert_output 2
	local c1 c2
	c1=$(testsrv_req_values /pipe1 .conn)
	c2=$(testsrv_req_values /pipe2 .conn)
	[[ $c1 =~ ^[0-9]+$ ]] || fail "no connection for /pipe1: '$c1'"
	assert_equal "$c1" "$c2"
}

# ---- the log ---------------------------------------------------------------

@test "the log records requests and their ends" {
	fetch '/logged?size=2000&v=3' -r 100-199 -H 'X-Test: Hello'
	run testsrv_requests /logged
	assert_equal "$(jq -r .ev <<<"$output")" req
	assert_equal "$(jq -r .method <<<"$output")" GET
	assert_equal "$(jq -r .target <<<"$output")" '/logged?size=2000&v=3'
	assert_equal "$(jq -r .key <<<"$output")" /logged
	assert_equal "$(jq -r '.headers["x-test"]' <<<"$output")" Hello
	assert_equal "$(jq -r '.headers.range' <<<"$output")" 'bytes=100-199'
	assert_equal "$(jq -c '[.status, .version, .first, .last]' <<<"$output")" '[206,3,100,199]'
	[[ $(jq -r '.n | type' <<<"$output") == number ]]
	[[ $(jq -r '.t | type' <<<"$output") == number ]]
	local n conn
	n=$(jq .n <<<"$output")
	conn=$(jq .conn <<<"$output")
	run jq -c --argjson n "$n" 'select(.ev == "end" and .n == $n) | [.conn, .sent, .how]' "$TESTSRV_LOG"
	assert_output "[$conn,100,\"complete\"]"
}

@test "request numbers grow and every line is JSON" {
	# A server of its own, so the log holds exactly this test's requests
	# (run alone or after others).
	testsrv_start "$BATS_TEST_TMPDIR"
	fetch '/seq1?size=3K'
	fetch '/seq2?size=64K&fin=10K'
	fetch '/seq2?size=64K&fin=10K' -r 10240-
	fetch '/seq3?size=10K&stall=1K' --max-time 1
	curl -sS -o /dev/null -o /dev/null "$TESTSRV_URL/seq4?size=1" "$TESTSRV_URL/seq5?status=404"
	wait_log '.ev == "end" and .how == "stall-closed"'
	run -0 jq -nc '[inputs | .ev]' "$TESTSRV_LOG"
	assert_output '["req","end","req","end","req","end","req","stall","end","req","end","req","end"]'
	run -0 jq -s -e 'map(select(.ev == "req") | .n) | . == [1, 2, 3, 4, 5, 6]' "$TESTSRV_LOG"
	run -0 jq -s -e 'map(select(.ev == "end") | .how) | . == ["complete", "fin", "complete", "stall-closed", "complete", "complete"]' "$TESTSRV_LOG"
	# Each record is one line of one JSON object.
	run -0 jq -nR '[inputs | fromjson | type] | unique == ["object"]' "$TESTSRV_LOG"
	assert_output true
	testsrv_stop
}

@test "a client that goes away mid-body is logged as client-closed" {
	endless "$TESTSRV_URL/gone?size=inf" 1000000
	wait_log '.ev == "end" and .how == "client-closed" and .sent >= 1000000'
}

# ---- load ------------------------------------------------------------------

@test "1000 concurrent connections" {
	# Every response holds at 4 KiB until all 1000 hold at once: that they
	# overlap is a fact of the log, not of a clock.
	local i j args pids=() rc
	for j in 0 1 2 3; do
		args=()
		for ((i = 0; i < 250; i++)); do
			args+=(-o /dev/null "$TESTSRV_URL/conc$j-$i?size=8K&hold=4K&hold_name=conc")
		done
		curl -sS -Z --parallel-max 250 --parallel-immediate --max-time 120 \
			-w '%{http_code} %{size_download}\n' "${args[@]}" \
			>"$BATS_TEST_TMPDIR/conc$j" 2>"$BATS_TEST_TMPDIR/err$j" 3>&- &
		pids+=($!)
	done
	testsrv_wait_log '.ev == "hold" and .name == "conc"' 1000 120
	run -0 testsrv_release conc
	assert_output "released 1000"
	for i in "${pids[@]}"; do
		rc=0
		wait "$i" || rc=$?
		[ "$rc" = 0 ] || fail "curl exited $rc: $(cat "$BATS_TEST_TMPDIR"/err*)"
	done
	run -0 bash -c "cat '$BATS_TEST_TMPDIR'/conc* | sort | uniq -c"
	assert_output --regexp '^ *1000 200 8192$'
	# 1000 connections, each held once at 4096, all before the release.
	run -0 jq -sc '
		[.[] | select(.ev == "req" and ((.path // "") | startswith("/conc")))] as $r
		| [.[] | select(.ev == "hold" and .name == "conc")] as $h
		| (to_entries | map(select(.value.ev == "req" and .value.target == "/_release?name=conc")) | .[0].key) as $rel
		| (to_entries | map(select(.value.ev == "hold" and .value.name == "conc") | .key) | max) as $lasthold
		| [($r | map(.conn) | unique | length), ($h | length), ($h | map(.offset) | unique), ($lasthold < $rel)]' "$TESTSRV_LOG"
	assert_output '[1000,1000,[4096],true]'
}

# ---- shutdown --------------------------------------------------------------

@test "SIGTERM closes every connection and exits 0" {
	testsrv_start "$BATS_TEST_TMPDIR"
	curl -sS -o /dev/null "$TESTSRV_URL/x1?size=1M"
	curl -sS -o /dev/null --max-time 20 "$TESTSRV_URL/hold?size=10K&stall=1K" 3>&- &
	local cpid=$!
	curl -sS -o /dev/null --max-time 20 "$TESTSRV_URL/endless?size=inf&rate=1K" 3>&- &
	local cpid2=$!
	wait_log '.ev == "stall" and .offset == 1024'
	wait_log '.ev == "req" and .path == "/endless"'
	testsrv_stop
	# `wait` in this shell (bats' `run` is a subshell that cannot see
	# these children): curl reports the transfer cut short (18).
	local rc=0
	wait "$cpid" || rc=$?
	assert_equal "$rc" 18
	rc=0
	wait "$cpid2" || rc=$?
	assert_equal "$rc" 18
	run -0 jq -c 'select(.ev == "end" and .how == "shutdown") | .n' "$TESTSRV_LOG"
	assert_equal "${#lines[@]}" 2
}

@test "clean under valgrind after a mix of requests" {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	if [[ $(ldd "$(testsrv_bin)" 2>&1) == *libasan* ]]; then
		skip "testsrv is built with AddressSanitizer"
	fi
	TESTSRV_WRAPPER="valgrind -q --leak-check=full --errors-for-leak-kinds=all --show-leak-kinds=all --error-exitcode=99" \
		testsrv_start "$BATS_TEST_TMPDIR"
	fetch '/v1?size=300K'
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 300K)"
	fetch '/v2?size=300K&rst=100K'
	assert_equal "$CURL_RC" 56
	fetch '/v3?size=300K&every=50K&kind=mix&chunked=1'
	assert_equal "$CURL_RC" 18
	fetch '/v4?sse=1&events=5'
	fetch '/redirect/2/v5?status=503&status_n=1' -L
	fetch '/v6?size=10K&stall=1K' --max-time 1
	fetch '/v7?size=1K&auth=a:b' -u a:b -H 'X-A: 1' -H 'X-A: 2'
	fetch '/v8?size=abc'
	fetch '/v10?gzip=1M&hdrline=1K&nhdr=10' --compressed
	fetch '/v11?hdr_endless=1'
	fetch '/v12?badchunk=zz&cl=1'
	fetch '/v13?loop=1&crange=x' -r 1-
	curl -sS -o /dev/null --max-time 20 "$TESTSRV_URL/v9?size=inf&rate=1K" 3>&- &
	wait_log '.ev == "req" and .path == "/v9"'
	testsrv_stop
	run cat "$BATS_TEST_TMPDIR/testsrv.err"
	assert_output ''
}

# ---- hostile answers (tests/hostile.bats) ----------------------------------

@test "hdrline= and nhdr= make one long header or many" {
	fetch '/h1?hdrline=50K'
	assert_equal "$CURL_RC" 0
	assert_equal "$(hdr X-Long | tr -d '\n' | wc -c)" 51200
	fetch '/h2?nhdr=1000'
	assert_equal "$CURL_RC" 0
	assert_equal "$(tr -d '\r' <"$H" | grep -c '^X-Many: ')" 1000
	assert_equal "$(body_size)" 1024
}

@test "cl= sends a raw Content-Length, the real bytes, then closes" {
	fetch '/cl1?cl=1e3&size=10' --http0.9
	assert_equal "$(hdr Content-Length)" 1e3
	assert_equal "$(hdr Connection)" close
	fetch '/cl2?cl=abc&size=10'
	assert_equal "$CURL_RC" 8
}

@test "crange= lies in the Content-Range of a 206 only" {
	fetch '/cr?crange=bytes%20500-2047%2F1024&size=1K' -r 500-
	assert_equal "$(status)" 206
	assert_equal "$(hdr Content-Range)" 'bytes 500-2047/1024'
	assert_equal "$(body_sha)" "$(testsrv_sha256 --size 1K --offset 500)"
	fetch '/cr?crange=bytes%20500-2047%2F1024&size=1K'
	assert_equal "$(status)" 200
	refute has_hdr Content-Range
}

@test "gzip= is a valid gzip stream that inflates to N zero bytes" {
	fetch '/gz?gzip=10M'
	assert_equal "$(hdr Content-Encoding)" gzip
	[ "$(body_size)" -lt $((10 * 1024 * 1024 / 150)) ]
	run -0 bash -c "gzip -dc <'$B' | cmp - <(head -c 10485760 /dev/zero) && echo same"
	assert_output same
	fetch '/gz1?gzip=259'
	run -0 bash -c "gzip -dc <'$B' | wc -c"
	assert_output 259
}

@test "badchunk= sends a raw chunk-size line" {
	fetch '/bc?badchunk=zz'
	assert_equal "$CURL_RC" 56
	assert_equal "$(hdr Transfer-Encoding)" chunked
	fetch '/bc?badchunk=zz' --raw
	run cat "$B"
	assert_line --index 0 $'zz\r'
}

@test "hdr_endless=1 sends header lines for ever" {
	fetch '/he?hdr_endless=1'
	assert_equal "$CURL_RC" 56
	assert_equal "$(status)" 200
	[ "$(tr -d '\r' <"$H" | grep -c '^X-Endless: h*$')" -gt 1000 ]
}

@test "loop=1 redirects to the request target itself" {
	fetch '/lp?loop=1&size=10'
	assert_equal "$(status)" 302
	assert_equal "$(hdr Location)" '/lp?loop=1&size=10'
	fetch '/lp?loop=1&size=10' -L --max-redirs 5
	assert_equal "$CURL_RC" 47
}

@test "a TLS ClientHello on the plain port is reset" {
	CURL_RC=0
	curl -sS --insecure --max-time 30 -o "$B" "https://127.0.0.1:$TESTSRV_PORT/tls" 2>"$E" ||
		CURL_RC=$?
	assert_equal "$CURL_RC" 35
	run cat "$E"
	assert_output --partial 'reset by peer'
	fetch '/after?size=10'
	assert_equal "$(body_size)" 10
}
