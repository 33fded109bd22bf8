#!/usr/bin/env bats
# setup.bats - setup mistakes fail at once, real outages are retried:
# a proxy libcurl cannot use (--proxy or the environment) and an unusable
# --cacert are exit 2 before any request; a refused connection before any
# server answered is exit 7 at once unless --retry-connrefused, while a
# refusal after an answer (a server restarting mid-download) or with bytes
# held from an earlier run (-c) is retried; a non-ASCII host is a name to
# resolve (IDN), not a bad URL; -P beyond --parallel-host for one host says
# so once.  Each test starts its own testsrv (some stop and restart it).

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
	BG_PID=
	mkdir -p srv
	testsrv_start "$BATS_TEST_TMPDIR/srv"
	# The tests set the proxy variables they need themselves.
	unset http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
}

teardown() {
	if [ -n "${BG_PID:-}" ]; then
		kill -KILL "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	testsrv_stop
}

# Requests testsrv logged (all paths).
request_count() {
	jq -s '[.[] | select(.ev == "req")] | length' "$TESTSRV_LOG"
}

# A port of 127.0.0.1 that nothing listens on: testsrv's own, after it
# stopped.  Sets FREE_PORT.
free_port() {
	mkdir -p "$BATS_TEST_TMPDIR/gone"
	local keep_dir=$TESTSRV_DIR keep_pid=$TESTSRV_PID keep_port=$TESTSRV_PORT
	testsrv_start "$BATS_TEST_TMPDIR/gone"
	FREE_PORT=$TESTSRV_PORT
	testsrv_stop
	export TESTSRV_DIR=$keep_dir TESTSRV_PID=$keep_pid TESTSRV_PORT=$keep_port
	export TESTSRV_LOG=$keep_dir/testsrv.log TESTSRV_URL=http://127.0.0.1:$keep_port
}

# Milliseconds since the epoch.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# ---- proxies and CA files ----------------------------------------------

@test "--proxy with a scheme libcurl cannot use is exit 2 at once, before any request" {
	run -2 --separate-stderr haul --proxy ftp://proxy.invalid -o f.bin "$TESTSRV_URL/su/p?size=1K"
	assert_equal "$stderr" "haul: --proxy: bad value 'ftp://proxy.invalid/': unsupported proxy scheme (http, https, socks4, socks4a, socks5 or socks5h) (see haul --help)"
	assert_equal "$(request_count)" 0
	assert_file_not_exists f.bin
	assert_file_not_exists f.bin.part
}

@test "--proxy: a name libcurl guesses ftp:// from, and bad syntax, are exit 2" {
	run -2 --separate-stderr haul --proxy ftp.proxy.invalid:3128 -o f.bin "$TESTSRV_URL/su/g"
	assert_equal "$stderr" "haul: --proxy: bad value 'ftp.proxy.invalid:3128': libcurl guesses a scheme it cannot use from the name: write http:// (see haul --help)"
	run -2 --separate-stderr haul --proxy 'http://[::1' -o f.bin "$TESTSRV_URL/su/g"
	assert_regex "$stderr" "^haul: --proxy: bad value '.*': not a proxy URL"
	assert_equal "$(request_count)" 0
}

@test "--proxy with a supported scheme still works, and \"\" turns proxies off" {
	run -0 --separate-stderr haul --proxy "$TESTSRV_URL" -o f.bin "http://proxied.invalid/su/ok?size=2K&seed=3"
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 2K 3)"
	run -0 testsrv_requests /su/ok
	assert_output --partial '"target":"http://proxied.invalid/su/ok?size=2K&seed=3"'
	http_proxy=ftp://x run -0 --separate-stderr haul --proxy "" -o g.bin "$TESTSRV_URL/su/off?size=2K&seed=4"
	assert_equal "$(sha256_of g.bin)" "$(gen_sha 2K 4)"
}

@test "a proxy variable with a scheme libcurl cannot use is exit 2 for the URLs it serves" {
	https_proxy=ftp://u:secret@proxy.invalid run -2 --separate-stderr haul -o f.bin "https://127.0.0.1:$TESTSRV_PORT/su/env"
	assert_equal "$stderr" "haul: environment variable https_proxy='ftp://proxy.invalid/': unsupported proxy scheme (http, https, socks4, socks4a, socks5 or socks5h) (see haul --help)"
	ALL_PROXY=ftp://proxy.invalid run -2 --separate-stderr haul -o f.bin "$TESTSRV_URL/su/env"
	assert_regex "$stderr" "^haul: environment variable ALL_PROXY='ftp://proxy.invalid/': unsupported proxy scheme"
	assert_equal "$(request_count)" 0
	# https_proxy is not used for http URLs, and --proxy overrides it all.
	https_proxy=ftp://proxy.invalid run -0 --separate-stderr haul -o a.bin "$TESTSRV_URL/su/env-a?size=1K"
	ALL_PROXY=ftp://proxy.invalid run -0 --separate-stderr haul --proxy "$TESTSRV_URL" -o b.bin "http://x.invalid/su/env-b?size=1K"
	assert_equal "$(sha256_of b.bin)" "$(gen_sha 1K)"
}

@test "with no_proxy set the proxy variables are left to libcurl" {
	http_proxy=ftp://proxy.invalid no_proxy=127.0.0.1 run -0 --separate-stderr haul -o f.bin "$TESTSRV_URL/su/np?size=1K&seed=5"
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 1K 5)"
}

@test "--cacert that is missing, a directory or not PEM is exit 2 at once, naming the file" {
	run -2 --separate-stderr haul --cacert "$BATS_TEST_TMPDIR/missing.pem" -o f.bin "$TESTSRV_URL/su/ca"
	assert_equal "$stderr" "haul: --cacert $BATS_TEST_TMPDIR/missing.pem: No such file or directory (see haul --help)"
	mkdir cadir
	run -2 --separate-stderr haul --cacert cadir -o f.bin "$TESTSRV_URL/su/ca"
	assert_equal "$stderr" "haul: --cacert cadir: it is a directory; a PEM file of CA certificates is needed (see haul --help)"
	echo "not a certificate" >text.pem
	run -2 --separate-stderr haul --cacert text.pem -o f.bin "$TESTSRV_URL/su/ca"
	assert_equal "$stderr" "haul: --cacert text.pem: no PEM certificate in it (see haul --help)"
	assert_equal "$(request_count)" 0
	assert_file_not_exists f.bin.part
}

# ---- connection refused ----------------------------------------------------

@test "connection refused before any answer: exit 7 within seconds, one attempt" {
	free_port
	local t0 t1
	t0=$(now_ms)
	run -7 --separate-stderr timeout 60 ${HAUL_WRAPPER:-} "$HAUL" --events ev.json -o f.bin "http://127.0.0.1:$FREE_PORT/su/refused"
	t1=$(now_ms)
	# Without the rule it took 123 s (ten retries); the bound leaves room
	# for valgrind on a loaded machine.  The events below are exact.
	[ $((t1 - t0)) -lt 15000 ] || fail "took $((t1 - t0)) ms"
	assert_regex "$stderr" "^haul: http://127\.0\.0\.1:$FREE_PORT/su/refused: connection refused \(.*\); not retried at first contact: --retry-connrefused retries it\$"
	run -0 jq -r 'select(.event == "disconnect") | .kind' ev.json
	assert_output refused
	run -0 jq -c 'select(.event == "retry")' ev.json
	assert_output ""
	assert_file_not_exists f.bin
	assert_file_not_exists f.bin.part
}

@test "--retry-connrefused retries a refusal at first contact like any failure" {
	free_port
	run -7 --separate-stderr haul --retry-connrefused --retry 2 --retry-delay 0.1 --events ev.json -o f.bin "http://127.0.0.1:$FREE_PORT/su/rc"
	assert_regex "$stderr" "gave up after 2 retries without progress"
	run -0 jq -r 'select(.event == "disconnect") | .kind' ev.json
	assert_output "refused
refused
refused"
}

@test "-c with bytes held from an earlier run retries a refusal" {
	local url="$TESTSRV_URL/su/held?size=64K&seed=6&fin=16K"
	run -11 --separate-stderr haul --retry 0 -o h.bin "$url"
	assert_file_exists h.bin.part.haul
	testsrv_stop
	run -7 --separate-stderr haul -c --retry 1 --retry-delay 0.1 --events ev.json -o h.bin "$url"
	assert_regex "$stderr" "gave up after 1 retries without progress"
	run -0 jq -r 'select(.event == "disconnect") | .kind' ev.json
	assert_output "refused
refused"
	# Still resumable.
	assert_file_exists h.bin.part
	assert_file_exists h.bin.part.haul
}

@test "a server restarting mid-download: refusals after an answer are retried, the file completes" {
	local path=/su/restart
	local url="$TESTSRV_URL$path?size=3M&seed=8&rate=1M"
	local port=$TESTSRV_PORT
	${HAUL_WRAPPER:-} "$HAUL" --retry 100 --retry-delay 0.2 --events ev.json -o r.bin "$url" 2>err.txt 3>&- &
	BG_PID=$!
	wait_until "[ \$(stat -c %s r.bin.part 2>/dev/null || echo 0) -ge 262144 ] || ! kill -0 $BG_PID 2>/dev/null"
	kill -0 "$BG_PID" || fail "haul ended before the server stopped"
	# The server goes away, and haul meets a refused connection...
	testsrv_stop
	wait_until "grep -q '\"kind\":\"refused\"' ev.json || ! kill -0 $BG_PID 2>/dev/null" 20
	kill -0 "$BG_PID" || fail "haul gave up on a refused connection after an answer: $(cat err.txt)"
	# ...and keeps trying until the server is back on the same port.
	mkdir -p srv2
	testsrv_start "$BATS_TEST_TMPDIR/srv2" --port "$port"
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 0
	assert_equal "$(sha256_of r.bin)" "$(gen_sha 3M 8)"
	# The new server got a resume: Range from where the old one stopped.
	run -0 bash -c "jq -r '\"\\(.headers.range // \"-\")|\\(.headers[\"if-range\"] // \"-\")\"' '$TESTSRV_LOG'"
	assert_line --regexp '^bytes=[0-9]+-\|"s8-v1-3145728"$'
}

# ---- IDN -----------------------------------------------------------------

@test "a non-ASCII host is resolved as IDN (exit 6 naming the host), not a bad URL, in any locale" {
	LC_ALL=C run -6 --separate-stderr haul --retry 0 -o f.bin "http://bücher.invalid/su/idn"
	assert_equal "$stderr" "haul: http://bücher.invalid/su/idn: Could not resolve host: xn--bcher-kva.invalid"
	LC_ALL=C.UTF-8 run -6 --separate-stderr haul --retry 0 -o f.bin "http://bücher.invalid/su/idn"
	assert_equal "$stderr" "haul: http://bücher.invalid/su/idn: Could not resolve host: xn--bcher-kva.invalid"
}

@test "a non-ASCII host reaches the server in its ASCII form (through a proxy)" {
	LC_ALL=C run -0 --separate-stderr haul --proxy "$TESTSRV_URL" -o f.bin "http://bücher.invalid/su/idn-ok?size=4K&seed=9"
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 4K 9)"
	run -0 testsrv_requests /su/idn-ok
	assert_output --partial '"target":"http://xn--bcher-kva.invalid/su/idn-ok?size=4K&seed=9"'
	assert_output --partial '"host":"xn--bcher-kva.invalid"'
}

# ---- -P and --parallel-host ------------------------------------------------

@test "-P beyond --parallel-host with every URL on one host says so once" {
	local urls=() i
	for i in 1 2 3 4 5 6 7 8; do
		urls+=("$TESTSRV_URL/su/p$i?size=1K&seed=$i")
	done
	mkdir d1 d2 d3 d4 d5
	run -0 --separate-stderr haul -P 16 --output-dir d1 -O "${urls[@]}"
	assert_equal "$stderr" "haul: -P 16: all 8 URLs are on 127.0.0.1:$TESTSRV_PORT, and at most 6 transfers at once go to one host (--parallel-host 6; raise it to go further)"
	assert_equal "$(sha256_of d1/p8)" "$(gen_sha 1K 8)"
	# Not under -q, not when --parallel-host is given, not with -P alone
	# within the limit, not for URLs on two hosts.
	run -0 --separate-stderr haul -q -P 16 --output-dir d2 -O "${urls[@]}"
	assert_equal "$stderr" ""
	run -0 --separate-stderr haul -P 16 --parallel-host 4 --output-dir d3 -O "${urls[@]}"
	assert_equal "$stderr" ""
	run -0 --separate-stderr haul -P 6 --output-dir d4 -O "${urls[@]}"
	assert_equal "$stderr" ""
	run -0 --separate-stderr haul -P 16 --output-dir d5 -O "${urls[@]:1}" "http://localhost:$TESTSRV_PORT/su/p1?size=1K&seed=1"
	assert_equal "$stderr" ""
}
