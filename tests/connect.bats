#!/usr/bin/env bats
# connect.bats - how haul reaches a server: --resolve and --connect-to send
# a host name to another address (the server still sees the name in Host),
# -4 and -6 pick the address family, --interface the local address, and
# --unix-socket a Unix socket (testsrv --unix), where a download that drops
# resumes byte-exact.  An international host name reaches loopback through
# --resolve, given in either form.  Bad values are one line and exit 2
# before any request.
#
# setup_file starts one testsrv on 127.0.0.1 that also listens on a Unix
# socket in a short directory of its own (a socket path has at most 107
# bytes, and bats' temporary paths are long).

load helpers

setup_file() {
	UNIX_DIR=$(mktemp -d /tmp/haul-connect.XXXXXX)
	export UNIX_DIR UNIX_SOCK=$UNIX_DIR/testsrv.sock
	testsrv_start "$BATS_FILE_TMPDIR" --unix "$UNIX_SOCK"
}

teardown_file() {
	testsrv_stop
	rm -rf "$UNIX_DIR"
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	V6_PID=
}

teardown() {
	show_stderr_files
	if [ -n "${V6_PID:-}" ]; then
		kill -TERM "$V6_PID" 2>/dev/null || true
		wait "$V6_PID" 2>/dev/null || true
	fi
}

# The req records for PATH, one compact JSON object a line, FILTER applied.
req_field() {
	testsrv_req_values "$1" "$2"
}

# ---- --resolve ------------------------------------------------------------

@test "--resolve sends a name to the given address; the server sees the name in Host" {
	local p=$TESTSRV_PORT
	run -0 --separate-stderr haul --resolve "haul-a.test:$p:127.0.0.1" \
		--resolve "haul-b.test:$p:127.0.0.1" \
		-o a.bin "http://haul-a.test:$p/rs/a?size=300K&seed=3" \
		-o b.bin "http://haul-b.test:$p/rs/b?size=200K&seed=4"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 300K 3)"
	assert_equal "$(sha256_of b.bin)" "$(gen_sha 200K 4)"
	assert_equal "$(req_field /rs/a .headers.host)" "haul-a.test:$p"
	assert_equal "$(req_field /rs/b .headers.host)" "haul-b.test:$p"
	assert_equal "$(req_field /rs/a .peer)" "127.0.0.1"
}

@test "--resolve with the address list IPv6 first still reaches the IPv4 listener" {
	local p=$TESTSRV_PORT
	run -0 --separate-stderr haul --resolve "haul-c.test:$p:[::1],127.0.0.1" \
		-o c.bin "http://haul-c.test:$p/rs/c?size=64K&seed=5"
	assert_equal "$(sha256_of c.bin)" "$(gen_sha 64K 5)"
	assert_equal "$(req_field /rs/c .peer)" "127.0.0.1"
}

@test "bad --resolve and --connect-to values are one line and exit 2, before any request" {
	local before v
	before=$(testsrv_count /rs/bad)
	local -a cases=(
		"--resolve|haul.test|haul: --resolve: bad value 'haul.test': expected HOST:PORT:ADDR[,ADDR...] (see haul --help)"
		"--resolve|haul.test:80|haul: --resolve: bad value 'haul.test:80': expected HOST:PORT:ADDR[,ADDR...] (see haul --help)"
		"--resolve|:80:127.0.0.1|haul: --resolve: bad value ':80:127.0.0.1': expected HOST:PORT:ADDR[,ADDR...] (see haul --help)"
		"--resolve|haul.test:0:127.0.0.1|haul: --resolve: bad value 'haul.test:0:127.0.0.1': the port must be a number from 1 to 65535 (see haul --help)"
		"--resolve|haul.test:http:127.0.0.1|haul: --resolve: bad value 'haul.test:http:127.0.0.1': the port must be a number from 1 to 65535 (see haul --help)"
		"--resolve|haul.test:80:127.0.0|haul: --resolve: bad value 'haul.test:80:127.0.0': ADDR must be a numeric IPv4 or IPv6 address (see haul --help)"
		"--resolve|haul.test:80:localhost|haul: --resolve: bad value 'haul.test:80:localhost': ADDR must be a numeric IPv4 or IPv6 address (see haul --help)"
		"--resolve|haul.test:80:127.0.0.1,|haul: --resolve: bad value 'haul.test:80:127.0.0.1,': ADDR must be a numeric IPv4 or IPv6 address (see haul --help)"
		"--connect-to|haul.test:80:127.0.0.1|haul: --connect-to: bad value 'haul.test:80:127.0.0.1': expected HOST1:PORT1:HOST2:PORT2 (a part may be empty) (see haul --help)"
		"--connect-to|haul.test:80:127.0.0.1:99999|haul: --connect-to: bad value 'haul.test:80:127.0.0.1:99999': a port must be empty or a number from 1 to 65535 (see haul --help)"
		"--connect-to|haul.test:x:127.0.0.1:80|haul: --connect-to: bad value 'haul.test:x:127.0.0.1:80': a port must be empty or a number from 1 to 65535 (see haul --help)"
		"--connect-to|haul.test:80:[::1:80|haul: --connect-to: bad value 'haul.test:80:[::1:80': expected HOST1:PORT1:HOST2:PORT2 (a part may be empty) (see haul --help)"
	)
	for v in "${cases[@]}"; do
		IFS='|' read -r opt val want <<<"$v"
		run -2 --separate-stderr haul "$opt" "$val" -o bad.bin "$TESTSRV_URL/rs/bad"
		assert_equal "$stderr" "$want"
		assert_equal "$output" ""
	done
	assert_equal "$(testsrv_count /rs/bad)" "$before"
	assert_file_not_exists bad.bin
}

# ---- --connect-to ---------------------------------------------------------

@test "--connect-to takes a host and port to another; the server sees the URL's host" {
	local p=$TESTSRV_PORT
	run -0 --separate-stderr haul --connect-to "haul-d.test:80:127.0.0.1:$p" \
		-o d.bin "http://haul-d.test/ct/d?size=256K&seed=6"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of d.bin)" "$(gen_sha 256K 6)"
	assert_equal "$(req_field /ct/d .headers.host)" "haul-d.test"
	# Empty parts match any host and keep the port: only the port changes.
	run -0 --separate-stderr haul --connect-to "::127.0.0.1:$p" \
		-o e.bin "http://127.0.0.9:8/ct/e?size=10K&seed=7"
	assert_equal "$(sha256_of e.bin)" "$(gen_sha 10K 7)"
	assert_equal "$(req_field /ct/e .headers.host)" "127.0.0.9:8"
}

# ---- -4 and -6 ------------------------------------------------------------

# Starts a second testsrv on ::1 (skips when the machine has no IPv6
# loopback); sets V6_PORT and V6_LOG.
start_v6_server() {
	local dir=$BATS_TEST_TMPDIR/v6
	mkdir -p "$dir"
	"$TESTSRV" --quiet --bind ::1 --port-file "$dir/port" --log "$dir/log" \
		</dev/null >/dev/null 2>"$dir/testsrv.stderr" 3>&- &
	V6_PID=$!
	if ! wait_until "[ -s '$dir/port' ] || ! kill -0 $V6_PID 2>/dev/null" 10 || [ ! -s "$dir/port" ]; then
		V6_PID=
		skip "no IPv6 loopback: $(cat "$dir/testsrv.stderr")"
	fi
	V6_PORT=$(cat "$dir/port")
	V6_LOG=$dir/log
}

@test "-4 and -6 pick the address family among --resolve's addresses" {
	local p=$TESTSRV_PORT
	# testsrv listens on 127.0.0.1 only: -6 leaves just ::1, where nothing listens.
	run -7 --separate-stderr haul -6 --resolve "dual.test:$p:127.0.0.1,::1" \
		-o six.bin "http://dual.test:$p/fam/six"
	assert_regex "$stderr" "^haul: http://dual.test:$p/fam/six: connection refused \\(Failed to connect to dual.test port $p after [0-9]+ ms: Couldn't connect to server\\); not retried at first contact: --retry-connrefused retries it\$"
	assert_equal "$(testsrv_count /fam/six)" 0
	run -0 --separate-stderr haul -4 --resolve "dual.test:$p:::1,127.0.0.1" \
		-o four.bin "http://dual.test:$p/fam/four?size=50K&seed=8"
	assert_equal "$(sha256_of four.bin)" "$(gen_sha 50K 8)"
	assert_equal "$(req_field /fam/four .peer)" "127.0.0.1"

	# And the other way round, against a server on ::1.
	start_v6_server
	run -7 --separate-stderr haul -4 --resolve "dual.test:$V6_PORT:127.0.0.1,::1" \
		-o v4.bin "http://dual.test:$V6_PORT/fam/v4"
	assert_regex "$stderr" "connection refused"
	run -0 --separate-stderr haul --ipv6 --resolve "dual.test:$V6_PORT:127.0.0.1,::1" \
		-o v6.bin "http://dual.test:$V6_PORT/fam/v6?size=50K&seed=9"
	assert_equal "$(sha256_of v6.bin)" "$(gen_sha 50K 9)"
	assert_equal "$(jq -r 'select(.ev == "req") | .path + " " + .peer' "$V6_LOG")" "/fam/v6 ::1"
	# The last of -4 and -6 counts.
	run -0 --separate-stderr haul -4 -6 --resolve "dual.test:$V6_PORT:127.0.0.1,::1" \
		-o last.bin "http://dual.test:$V6_PORT/fam/last?size=1K"
}

# ---- --interface ----------------------------------------------------------

@test "--interface sets the local address the server sees; a name works too" {
	run -0 --separate-stderr haul --interface 127.0.0.2 -o i.bin "$TESTSRV_URL/if/a?size=40K&seed=10"
	assert_equal "$(sha256_of i.bin)" "$(gen_sha 40K 10)"
	assert_equal "$(req_field /if/a .peer)" "127.0.0.2"
	run -0 --separate-stderr haul --interface lo -o j.bin "$TESTSRV_URL/if/b?size=1K"
	assert_equal "$(req_field /if/b .peer)" "127.0.0.1"
}

@test "an --interface that does not exist is one line and exit 2, before any request" {
	run -2 --separate-stderr haul --interface haulnope0 -o x.bin "$TESTSRV_URL/if/bad"
	assert_equal "$stderr" "haul: --interface haulnope0: no such network interface (see haul --help)"
	run -2 --separate-stderr haul --interface 198.51.100.7 -o x.bin "$TESTSRV_URL/if/bad"
	assert_equal "$stderr" "haul: --interface 198.51.100.7: no network interface has this address (see haul --help)"
	assert_equal "$(testsrv_count /if/bad)" 0
}

# ---- --unix-socket --------------------------------------------------------

@test "--unix-socket: a file download over a Unix socket drops twice and resumes byte-exact" {
	run -0 --separate-stderr haul --unix-socket "$UNIX_SOCK" --retry-delay 0.05 \
		-o u.bin "http://daemon.local/ux/file?size=3M&seed=11&every=1M&cuts=2"
	assert_equal "$(sha256_of u.bin)" "$(gen_sha 3M 11)"
	assert_equal "$(count_lines 'connection closed early' <(printf '%s\n' "$stderr"))" 2
	assert_equal "$(testsrv_req_array /ux/file '.via')" '["unix","unix","unix"]'
	assert_equal "$(testsrv_req_array /ux/file '.headers.range // "-"')" \
		'["-","bytes=1048576-","bytes=2097152-"]'
	assert_equal "$(testsrv_req_array /ux/file '.headers.host')" '["daemon.local","daemon.local","daemon.local"]'
	assert_equal "$(testsrv_end_array /ux/file .how)" '["fin","fin","complete"]'
}

@test "--unix-socket: a stream to stdout drops and reconnects, the pipe gets every byte once" {
	run -0 --separate-stderr bash -c 'set -o pipefail; haul --unix-socket "$1" --retry-delay 0.05 \
		"http://localhost/ux/stream?size=2M&seed=12&every=700K&cuts=2" | sha256sum >sum.txt' _ "$UNIX_SOCK"
	assert_equal "$(count_lines 'connection closed early' <(printf '%s\n' "$stderr"))" 2
	assert_equal "$(cut -d' ' -f1 sum.txt)" "$(gen_sha 2M 12)"
	assert_equal "$(testsrv_req_array /ux/stream '.via')" '["unix","unix","unix"]'
	assert_equal "$(testsrv_req_array /ux/stream '.headers.range // "-"')" \
		'["-","bytes=716800-","bytes=1433600-"]'
	# --stream lines: an endless body's lines arrive whole across a cut.
	run -0 --separate-stderr bash -c 'haul --unix-socket "$1" --stream=lines --retry-delay 0.05 -q \
		"http://localhost/ux/lines?size=inf&lines=1&every=10000&cuts=3" | head -n 1000 | cut -c1-18' _ "$UNIX_SOCK"
	assert_equal "$(printf '%s\n' "$output" | head -n 1)" "000000000000000000"
	assert_equal "$(printf '%s\n' "$output" | tail -n 1)" "000000000000000999"
	assert_equal "$(printf '%s\n' "$output" | sort -u | wc -l)" 1000
}

@test "a --unix-socket that is missing or not a socket is one line and exit 2" {
	run -2 --separate-stderr haul --unix-socket "$UNIX_DIR/none.sock" -o x.bin http://localhost/x
	assert_equal "$stderr" "haul: --unix-socket $UNIX_DIR/none.sock: No such file or directory (see haul --help)"
	: >plain
	run -2 --separate-stderr haul --unix-socket plain -o x.bin http://localhost/x
	assert_equal "$stderr" "haul: --unix-socket plain: not a socket (see haul --help)"
	assert_file_not_exists x.bin
}

# ---- international host names ---------------------------------------------

@test "an international host name reaches loopback through --resolve, in either form" {
	local p=$TESTSRV_PORT
	# The name as a user writes it: haul looks it up in its ASCII form.
	run -0 --separate-stderr haul --resolve "bücher.test:$p:127.0.0.1" \
		-o idn1.bin "http://bücher.test:$p/idn/one?size=20K&seed=13"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of idn1.bin)" "$(gen_sha 20K 13)"
	assert_equal "$(req_field /idn/one .headers.host)" "xn--bcher-kva.test:$p"
	# The xn-- form in --resolve serves the Unicode URL too, whatever LANG says.
	run -0 --separate-stderr env LC_ALL=C haul --resolve "xn--bcher-kva.test:$p:127.0.0.1" \
		-o idn2.bin "http://bücher.test:$p/idn/two?size=20K&seed=14"
	assert_equal "$(sha256_of idn2.bin)" "$(gen_sha 20K 14)"
	assert_equal "$(req_field /idn/two .headers.host)" "xn--bcher-kva.test:$p"
	# And --connect-to with a Unicode name.
	run -0 --separate-stderr haul --connect-to "straße.test:80:127.0.0.1:$p" \
		-o idn3.bin "http://straße.test/idn/three?size=1K"
	assert_equal "$(req_field /idn/three .headers.host)" "xn--strae-oqa.test"
}
