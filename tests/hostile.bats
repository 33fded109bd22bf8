#!/usr/bin/env bats
# hostile.bats - servers that attack or break the client: huge and endless
# headers, lying lengths and ranges, redirect loops and redirects to other
# schemes, a gzip bomb, broken chunks, silence, a reset during TLS, and URL
# names that try to leave the output directory.
#
# Every case runs haul in an empty directory and checks: the documented
# exit status (src/exitcodes.h), one final message naming the problem, no
# crash or sanitizer report, the peak RSS (when it is haul's: not under
# ASan or valgrind), a bounded run time (short --stall-timeout and
# --retry), how many requests the server saw (what is not worth retrying is
# asked once), and that nothing but the output (or FILE.part and its
# journal, when resumable) exists afterwards.

load helpers

# Peak RSS allowed for every case, in KiB.  haul needs about 11 MiB here;
# none of these answers may make it grow with what the server sends.
RSS_MAX_KIB=$((32 * 1024))

setup_file() {
	testsrv_start "$BATS_FILE_TMPDIR"
}

teardown_file() {
	testsrv_stop
}

setup() {
	W=$BATS_TEST_TMPDIR/w
	mkdir "$W"
	cd "$W"
}

# hostile CODE URL [HAUL-ARGS...]: runs haul (short retries and stall
# timeout, 60 s at most) in $W with GNU time; the exit status must be CODE.
# Sets $stderr, $RSS_KIB and $ELAPSED (seconds).
hostile() {
	local code=$1 url=$2 start
	shift 2
	start=$SECONDS
	# shellcheck disable=SC2086 # the wrapper is a word list
	run -"$code" --separate-stderr /usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" \
		timeout 60 ${HAUL_WRAPPER:-} "$HAUL" --retry 2 --retry-delay 0.1 --stall-timeout 2 \
		"$@" "$url"
	ELAPSED=$((SECONDS - start))
	RSS_KIB=$(tail -n 1 "$BATS_TEST_TMPDIR/rss")
	no_crash
	rss_bounded
}

no_crash() {
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation|Aborted' <<<"$stderr"; then
		echo "$stderr" >&2
		return 1
	fi
}

rss_bounded() {
	rss_meaningful || return 0
	if [ "$RSS_KIB" -gt "$RSS_MAX_KIB" ]; then
		echo "peak RSS ${RSS_KIB} KiB > ${RSS_MAX_KIB} KiB" >&2
		return 1
	fi
}

# The last line of stderr contains TEXT (haul's final message).
last_error_has() {
	local last
	last=$(tail -n 1 <<<"$stderr")
	if [[ $last != "haul: "*"$1"* ]]; then
		printf 'expected the last stderr line to contain: %s\nstderr:\n%s\n' "$1" "$stderr" >&2
		return 1
	fi
}

# Exactly one line on stderr, containing TEXT.
one_error() {
	assert_equal "$(wc -l <<<"$stderr")" 1
	last_error_has "$1"
}

# The names in $W (one line each, sorted) must be exactly the arguments.
only_files() {
	local want=""
	[ $# -gt 0 ] && want=$(printf '%s\n' "$@" | LC_ALL=C sort)
	assert_equal "$(cd "$W" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort)" "$want"
}

# Number of requests testsrv saw for PATH.
requests() {
	testsrv_requests "$1" | wc -l
}

# ---- headers -----------------------------------------------------------------

@test "a 1 MiB header line: exit 10 at once, nothing written" {
	hostile 10 "$TESTSRV_URL/h1?hdrline=1M" -o out
	one_error 'a response header line is too long'
	only_files
	assert_equal "$(requests /h1)" 1
}

@test "100,000 headers: exit 10 at once, not retried" {
	hostile 10 "$TESTSRV_URL/h2?nhdr=100000" -o out
	one_error 'Too large response headers'
	only_files
	assert_equal "$(requests /h2)" 1
}

@test "an endless header section: exit 10 at once" {
	hostile 10 "$TESTSRV_URL/h3?hdr_endless=1" -o out
	one_error 'Too large response headers'
	only_files
	assert_equal "$(requests /h3)" 1
}

@test "an endless header section trickled slowly: the stall timeout ends it (exit 9)" {
	# Header bytes keep coming, but --stall-timeout waits for body bytes.
	hostile 9 "$TESTSRV_URL/h4?hdr_endless=1&rate=2K" -o out --stall-timeout 1 --retry 1
	last_error_has 'no data for 1.0s; gave up after 1 retries without progress'
	[ "$ELAPSED" -le 10 ]
	assert_equal "$(requests /h4)" 2
	only_files
	# -m ends it too.
	hostile 9 "$TESTSRV_URL/h4m?hdr_endless=1&rate=2K" -o out -m 2 --stall-timeout 30
	one_error 'gave up after --max-time (2.0s)'
	[ "$ELAPSED" -le 10 ]
	only_files
}

@test "a server that accepts and never answers: stall timeout, bounded retries (exit 9)" {
	hostile 9 "$TESTSRV_URL/h5?hdr_stall_ms=600000" -o out --stall-timeout 1 --retry 1
	last_error_has 'no data for 1.0s; gave up after 1 retries without progress'
	[ "$ELAPSED" -le 15 ]
	assert_equal "$(requests /h5)" 2
	only_files
}

# ---- lengths and ranges ------------------------------------------------------

@test "Content-Length 2^63, -1, abc, 1e3 and conflicting duplicates: exit 10 before a byte" {
	local v case_no=0
	for v in 9223372036854775808 18446744073709551616 -1 abc 1e3 '10,%2010'; do
		case_no=$((case_no + 1))
		hostile 10 "$TESTSRV_URL/l$case_no?cl=$v&size=10" -o out
		one_error 'Content-Length'
		only_files
		assert_equal "$(requests "/l$case_no")" 1
	done
	hostile 10 "$TESTSRV_URL/ldup?size=10&hdr=Content-Length:20" -o out
	one_error 'invalid or conflicting Content-Length; refused'
	only_files
	# The same length twice is one length.
	hostile 0 "$TESTSRV_URL/lsame?size=10&hdr=Content-Length:10" -o out
	assert_equal "$(sha256_of out)" "$(gen_sha 10)"
	only_files out
}

@test "Content-Length 2^63-1 with 10 bytes, then 416 */10 for the same ETag: exit 10" {
	hostile 10 "$TESTSRV_URL/big?cl=9223372036854775807&size=10" -o out
	last_error_has 'kept out.part; run again with -c to continue'
	run -0 grep -c '416 gives another length than before for the same ETag; refused' <<<"$stderr"
	assert_equal "$(requests /big)" 2
	assert_equal "$(sha256_of out.part)" "$(gen_sha 10)"
	only_files out.part out.part.haul
}

@test "the same liar with a weak ETag: no endless start-over, exit 12 within --retry" {
	hostile 12 "$TESTSRV_URL/bigw?cl=9223372036854775807&size=10&etag=weak" -o out
	run -0 grep -c 'the resource is shorter than the part already here, again and again; giving up' <<<"$stderr"
	[ "$(requests /bigw)" -le 6 ]
	[ "$ELAPSED" -le 10 ]
	only_files out.part out.part.haul
}

@test "the liar with no validator, whose 206 tells the real total: exit 12 within --retry" {
	# No If-Range can be sent (weak ETag, no Last-Modified), so haul checks
	# an overlap; the 206 says the resource is 10 bytes: a new version each
	# time, which must run out of retries instead of looping for ever.
	hostile 12 "$TESTSRV_URL/bign?cl=9223372036854775807&cl_200=1&size=10&etag=weak&lm=0" -o out
	run -0 grep -c 'the length changed: a new version, again and again; giving up' <<<"$stderr"
	[ "$(requests /bign)" -le 6 ]
	[ "$ELAPSED" -le 10 ]
	only_files out.part out.part.haul
}

@test "a Content-Range beyond its total on resume: exit 10, no byte of it written" {
	hostile 10 "$TESTSRV_URL/cr1?size=1K&fin=500&crange=bytes%20500-2047%2F1024" -o out
	run -0 grep -c '206 Partial Content without a usable Content-Range; refused' <<<"$stderr"
	last_error_has 'kept out.part'
	assert_equal "$(stat -c %s out.part)" 500
	assert_equal "$(sha256_of out.part)" "$(testsrv_sha256 --size 500)"
	assert_equal "$(requests /cr1)" 2
	only_files out.part out.part.haul
}

@test "a Content-Range that starts elsewhere or goes past the end: exit 10" {
	hostile 10 "$TESTSRV_URL/cr2?size=1K&fin=500&crange=bytes%20400-1023%2F1024" -o out
	run -0 grep -c 'Content-Range does not start at the byte asked for; refused' <<<"$stderr"
	assert_equal "$(stat -c %s out.part)" 500
	only_files out.part out.part.haul
	hostile 10 "$TESTSRV_URL/cr3?size=1K&fin=500&crange=bytes%20500-99999%2F1024" -o out2
	run -0 grep -c 'without a usable Content-Range; refused' <<<"$stderr"
	only_files out.part out.part.haul out2.part out2.part.haul
}

# ---- redirects ---------------------------------------------------------------

@test "a redirect loop: exit 15 after --max-redirs" {
	hostile 15 "$TESTSRV_URL/loop?loop=1" -o out
	one_error 'Maximum (10) redirects followed'
	assert_equal "$(requests /loop)" 11
	only_files
	hostile 15 "$TESTSRV_URL/loop3?loop=1&redir_code=301" -o out --max-redirs 3
	one_error 'Maximum (3) redirects followed'
	assert_equal "$(requests /loop3)" 4
	only_files
}

@test "a redirect to file:// or ftp://: exit 3, not followed" {
	hostile 3 "$TESTSRV_URL/rf?loc=file:///etc/passwd" -o out
	one_error 'redirected to file:///etc/passwd; haul follows only http and https'
	only_files
	hostile 3 "$TESTSRV_URL/rftp?loc=ftp://user:secret@127.0.0.1:1/x" -o out
	one_error 'redirected to ftp://127.0.0.1:1/x; haul follows only http and https'
	only_files
}

# ---- bodies ------------------------------------------------------------------

@test "a gzip bomb with --compressed: streamed, memory flat, the bytes it says" {
	# 256 MiB of zeros from 1.7 MB on the wire.
	hostile 0 "$TESTSRV_URL/bomb?gzip=256M" --compressed -o out
	assert_equal "$(stat -c %s out)" $((256 * 1024 * 1024))
	assert_equal "$(sha256_of out)" "$(head -c $((256 * 1024 * 1024)) /dev/zero | sha256sum | cut -d' ' -f1)"
	only_files out
	# Without --compressed the stream is stored as sent.
	hostile 0 "$TESTSRV_URL/bomb2?gzip=1M" -o raw.gz
	run -0 bash -c "gzip -dc raw.gz | wc -c"
	assert_output $((1024 * 1024))
}

@test "absurd chunk sizes: exit 10 at once" {
	local v case_no=0
	for v in ffffffffffffffff 10000000000000000 -1 zz '%20'; do
		case_no=$((case_no + 1))
		hostile 10 "$TESTSRV_URL/ch$case_no?badchunk=$v" -o out
		one_error 'chunked-encoding'
		assert_equal "$(requests "/ch$case_no")" 1
		only_files
	done
}

# ---- TLS -----------------------------------------------------------------------

@test "a reset during the TLS handshake: exit 8 after a few tries" {
	hostile 8 "https://127.0.0.1:$TESTSRV_PORT/tls" -o out
	last_error_has 'Connection reset by peer (gave up after 3 tries)'
	[ "$ELAPSED" -le 10 ]
	only_files
}

# ---- names from the URL ------------------------------------------------------

@test "-O never takes a name that leaves the directory or means stdout (exit 2)" {
	local p
	mkdir d
	for p in '/%2e%2e' '/x/%2E%2E' '/..%2f..%2fx' '/a%2Fb' '/x/%2e%2e%2f' '/dir/' '/.' '/%2e' '' \
		'/-'; do
		hostile 2 "$TESTSRV_URL$p?size=10" -O
		one_error 'for -O; name one with -o FILE'
		assert_output ''
		hostile 2 "$TESTSRV_URL$p?size=10" -O --output-dir d
		one_error 'for -O; name one with -o FILE'
		only_files d
	done
}

@test "-O names with backslashes stay inside the directory" {
	mkdir d
	hostile 0 "$TESTSRV_URL/x/..%5C..%5Cy?size=10" -O --output-dir d
	assert_equal "$(sha256sum <'d/..\..\y' | cut -d' ' -f1)" "$(gen_sha 10)"
	only_files d 'd/..\..\y'
	hostile 0 "$TESTSRV_URL/a%5Cb?size=10" -O
	only_files d 'd/..\..\y' 'a\b'
}

@test "-O names too long for FILE.part.haul: exit 4 before anything is created" {
	local n245 n246 n300
	n245=$(printf 'n%.0s' {1..245})
	n246=$(printf 'n%.0s' {1..246})
	n300=$(printf 'n%.0s' {1..300})
	hostile 4 "$TESTSRV_URL/$n246?size=10" -O
	one_error 'file name too long (246 bytes; at most 245, so that FILE.part.haul fits)'
	only_files
	hostile 4 "$TESTSRV_URL/$n300?size=10" -O
	one_error 'file name too long (300 bytes'
	mkdir d
	hostile 4 "$TESTSRV_URL/$n300?size=10" -O --output-dir d
	only_files d
	hostile 0 "$TESTSRV_URL/$n245?size=10" -O --output-dir d
	assert_equal "$(sha256_of "d/$n245")" "$(gen_sha 10)"
	only_files d "d/$n245"
}
