#!/usr/bin/env bats
# cookies.bats - --cookie NAME=VALUE|FILE and --cookie-jar FILE on
# libcurl's cookie engine: the same cookies on every attempt (retries and
# resumes), what servers set kept for the next attempt and written to the
# jar, never to another host, never in a report.  What the server got is
# read from testsrv's request log.

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

# The Cookie header, its cookies sorted (libcurl orders them its own way).
SORTED='(.headers.cookie | if . == null then null else split("; ") | sort | join("; ") end)'

# cookies_of PATH: the sorted Cookie header of each request to PATH, as a
# JSON array.
cookies_of() {
	testsrv_req_array "$1" "$SORTED"
}

@test "cookies: --cookie NAME=VALUE goes on every attempt, retries and resumes included" {
	run -0 --separate-stderr haul --retry-delay 0.01 --cookie 'a=1; b = two' --cookie c=3 \
		-o a.bin "$TESTSRV_URL/ck/every?size=300K&fin=100K,200K"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 300K)"
	run -0 testsrv_req_array /ck/every "[.headers.range, $SORTED]"
	assert_output '[[null,"a=1; b=two; c=3"],["bytes=102400-","a=1; b=two; c=3"],["bytes=204800-","a=1; b=two; c=3"]]'
}

@test "cookies: a cookie a server sets goes on the next attempt, and into the jar" {
	run -0 --separate-stderr haul --retry-delay 0.01 --cookie-jar jar.txt -o a.bin \
		"$TESTSRV_URL/ck/set?size=200K&fin=100K&hdr=Set-Cookie:sid%3Dabc%3B%20Path%3D/"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 200K)"
	run -0 cookies_of /ck/set
	assert_output '[null,"sid=abc"]'
	run -0 grep -P '^127\.0\.0\.1\tFALSE\t/\tFALSE\t0\tsid\tabc$' jar.txt
	run -0 head -1 jar.txt
	assert_output '# Netscape HTTP Cookie File'
}

@test "cookies: a cookie file is read; its cookies go to their own hosts only" {
	printf '%s\n' '# Netscape HTTP Cookie File' \
		"$(printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tmine\tM1')" \
		"$(printf '127.0.0.1\tFALSE\t/other\tFALSE\t0\tpathed\tP1')" \
		"$(printf 'example.org\tFALSE\t/\tFALSE\t0\ttheirs\tT1')" >in.txt
	run -0 haul --cookie in.txt -o a.bin "$TESTSRV_URL/ck/file?size=1K"
	run -0 cookies_of /ck/file
	assert_output '["mine=M1"]'
	# curl's habit on a first run: --cookie jar --cookie-jar jar, jar missing.
	run -0 --separate-stderr haul --cookie jar.txt --cookie-jar jar.txt -o b.bin \
		"$TESTSRV_URL/ck/first?size=1K&hdr=Set-Cookie:n%3D1"
	assert_equal "$stderr" ''
	run -0 haul --cookie jar.txt --cookie-jar jar.txt -o c.bin "$TESTSRV_URL/ck/second?size=1K"
	run -0 cookies_of /ck/second
	assert_output '["n=1"]'
}

@test "cookies: never sent to another host after a redirect, nor when the download resumes there" {
	local to=http://localhost:$TESTSRV_PORT/ck/redir-to
	printf '%s\n' "$(printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tf\tF')" >in.txt
	run -0 haul --retry-delay 0.01 --cookie k=secret --cookie in.txt -o a.bin \
		"$TESTSRV_URL/ck/redir-from?loc=$to%3Fsize%3D100K%26fin%3D50K"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 100K)"
	run -0 cookies_of /ck/redir-from
	assert_output '["f=F; k=secret"]'
	run -0 testsrv_req_array /ck/redir-to '[.headers.host, .headers.range, .headers.cookie]'
	assert_output "[[\"localhost:$TESTSRV_PORT\",null,null],[\"localhost:$TESTSRV_PORT\",\"bytes=51200-\",null]]"
}

@test "cookies: never in -v, events, summary or messages" {
	run -0 --separate-stderr haul -v --retry-delay 0.01 --cookie k=secret1 \
		--events ev.ndjson --summary sum.json -o a.bin \
		"$TESTSRV_URL/ck/quiet?size=100K&fin=50K&hdr=Set-Cookie:s%3D%73ecret2"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 100K)"
	run -0 cookies_of /ck/quiet
	assert_output '["k=secret1","k=secret1; s=secret2"]'
	printf '%s\n' "$stderr" >err.txt
	run grep -c secret err.txt ev.ndjson sum.json
	assert_output $'err.txt:0\nev.ndjson:0\nsum.json:0'
	# What -v shows instead.
	assert_regex "$stderr" '> Cookie: \[redacted\]'
	assert_regex "$stderr" '< Set-Cookie: \[redacted\]'
	assert_regex "$stderr" '\* Added cookie s=\[redacted\] for domain 127\.0\.0\.1'
}

@test "cookies: a cookie file that cannot be read, a jar that cannot be written, bad cookies: exit 2" {
	mkdir adir
	run -2 --separate-stderr haul --cookie adir -o x.bin "$TESTSRV_URL/ck/never"
	assert_equal "$stderr" "haul: --cookie adir: is a directory, not a cookie file (see haul --help)"
	run -2 --separate-stderr haul --cookie-jar adir -o x.bin "$TESTSRV_URL/ck/never"
	assert_equal "$stderr" "haul: --cookie-jar adir: is a directory (see haul --help)"
	run -2 --separate-stderr haul --cookie-jar nodir/jar -o x.bin "$TESTSRV_URL/ck/never"
	assert_equal "$stderr" "haul: --cookie-jar nodir/jar: cannot write in nodir: No such file or directory (see haul --help)"
	run -2 --separate-stderr haul --cookie '=v' -o x.bin "$TESTSRV_URL/ck/never"
	assert_equal "$stderr" "haul: --cookie: bad value '=v': expected NAME=VALUE[; NAME=VALUE...] or a file name (see haul --help)"
	run -2 --separate-stderr haul --cookie '' -o x.bin "$TESTSRV_URL/ck/never"
	assert_equal "$stderr" "haul: --cookie: bad value '': empty (see haul --help)"
	run -0 testsrv_count /ck/never
	assert_output 0
}
