#!/usr/bin/env bats
# tls.bats - HTTPS against a private nginx: certificates verified by default
# (exit 8 with a hint), --cacert and -k, HTTP/2 when offered and --http1.1,
# many URLs over one HTTP/2 host, and a resume over HTTPS after kill -9.
#
# setup_file makes a CA and a server certificate for 127.0.0.1 and localhost
# with openssl, and starts nginx with an "ssl http2" listener (and a plain
# one, to fail a TLS handshake against).  nginx_start in helpers.bash writes
# a plain listener only and no log_format, so this file has its own starter.

load helpers

# tls_nginx_start DIR: serves DIR/www over TLS and plain HTTP on free ports;
# exports NGINX_PID, TLS_URL, PLAIN_PORT, TLS4K_URL (TLS records of 4 KiB, as
# servers tuned for latency send) and NGINX_LOG (one line a request:
# connection serial, protocol, status, "URI", "Range", body bytes sent).
tls_nginx_start() {
	local dir=$1 port plain small conf i user=""
	command -v nginx >/dev/null 2>&1 || skip "nginx is not installed"
	mkdir -p "$dir/www" "$dir/nginx/tmp"
	conf=$dir/nginx/nginx.conf
	# As root, workers would run as nobody and could not read the test's
	# private directory.
	[ "$(id -u)" = 0 ] && user="user root;"
	for ((i = 0; i < 20; i++)); do
		port=$((20000 + RANDOM % 30000))
		plain=$((port + 1))
		small=$((port + 2))
		rm -f "$dir/nginx/nginx.pid"
		cat >"$conf" <<-CONF
			$user
			worker_processes 1;
			daemon off;
			pid $dir/nginx/nginx.pid;
			error_log $dir/nginx/error.log;
			events { worker_connections 1024; }
			http {
			    log_format haul '\$connection \$server_protocol \$status "\$request_uri" "\$http_range" \$body_bytes_sent';
			    access_log $dir/nginx/access.log haul;
			    client_body_temp_path $dir/nginx/tmp;
			    proxy_temp_path $dir/nginx/tmp;
			    fastcgi_temp_path $dir/nginx/tmp;
			    uwsgi_temp_path $dir/nginx/tmp;
			    scgi_temp_path $dir/nginx/tmp;
			    server {
			        listen 127.0.0.1:$port ssl http2;
			        ssl_certificate $dir/server.pem;
			        ssl_certificate_key $dir/server.key;
			        root $dir/www;
			        location /slow/ {
			            alias $dir/www/;
			            limit_rate 1m;
			            if (\$http_range) { set \$limit_rate 0; }
			        }
			    }
			    server {
			        listen 127.0.0.1:$plain;
			        root $dir/www;
			    }
			    server {
			        listen 127.0.0.1:$small ssl http2;
			        ssl_certificate $dir/server.pem;
			        ssl_certificate_key $dir/server.key;
			        ssl_buffer_size 4k;
			        root $dir/www;
			    }
			}
		CONF
		nginx -c "$conf" -e "$dir/nginx/error.log" </dev/null >/dev/null 2>&1 3>&- &
		NGINX_PID=$!
		if wait_until "[ -s '$dir/nginx/nginx.pid' ] || ! kill -0 $NGINX_PID 2>/dev/null" 5 &&
			kill -0 "$NGINX_PID" 2>/dev/null; then
			export NGINX_PID TLS_URL=https://127.0.0.1:$port PLAIN_PORT=$plain
			export NGINX_LOG=$dir/nginx/access.log TLS_PORT=$port
			export TLS4K_URL=https://127.0.0.1:$small
			return 0
		fi
	done
	echo "tls_nginx_start: could not start nginx: $(cat "$dir/nginx/error.log")" >&2
	return 1
}

# Makes DIR/ca.pem (a test CA), DIR/server.pem and DIR/server.key (for
# 127.0.0.1 and localhost, signed by it) and DIR/other-ca.pem (a CA that
# signed nothing here).
make_certs() {
	local dir=$1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 -subj "/CN=haul test CA" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		2>/dev/null || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/other-ca.key" -out "$dir/other-ca.pem" -days 2 -subj "/CN=haul other CA" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		2>/dev/null || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=localhost" 2>/dev/null || return 1
	printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'basicConstraints=CA:FALSE' \
		'keyUsage=digitalSignature' 'extendedKeyUsage=serverAuth' >"$dir/server.ext"
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
		-CAcreateserial -out "$dir/server.pem" -days 2 -extfile "$dir/server.ext" 2>/dev/null || return 1
	openssl verify -CAfile "$dir/ca.pem" "$dir/server.pem" >/dev/null
}

setup_file() {
	command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
	TLS_DIR=$BATS_FILE_TMPDIR/tls
	export TLS_DIR
	mkdir -p "$TLS_DIR/www"
	make_certs "$TLS_DIR"
	local i
	"$TESTSRV" --gen --size 2M --seed 7 >"$TLS_DIR/www/f.bin"
	"$TESTSRV" --gen --size 8M --seed 8 >"$TLS_DIR/www/big.bin"
	"$TESTSRV" --gen --size 64M --seed 9 >"$TLS_DIR/www/b64.bin"
	# Ends inside a TLS record and inside OpenSSL's read-ahead buffer.
	"$TESTSRV" --gen --size 3153923 --seed 10 >"$TLS_DIR/www/odd.bin"
	for ((i = 1; i <= 24; i++)); do
		"$TESTSRV" --gen --size $((i * 10))K --seed "$i" >"$TLS_DIR/www/m$i.bin"
	done
	tls_nginx_start "$TLS_DIR"
}

teardown_file() {
	nginx_stop
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	BG_PIDS=()
}

teardown() {
	show_stderr_files
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}

# nginx writes a log line when a request is finished, which may be a moment
# after the client has the last byte: wait for N lines about URI-PREFIX.
log_lines() {
	local prefix=$1 n=$2
	wait_until "[ \"\$(grep -cF ' \"$prefix' '$NGINX_LOG')\" -ge $n ]" 5 ||
		fail "nginx logged $(grep -cF " \"$prefix" "$NGINX_LOG") requests for $prefix, want $n"
	grep -F " \"$prefix" "$NGINX_LOG"
}

@test "an untrusted certificate fails with exit 8, a hint at --cacert and -k, no retry" {
	run -8 --separate-stderr haul --summary s.json -o u.bin "$TLS_URL/f.bin?t=untrusted"
	assert_regex "$stderr" "--cacert"
	assert_regex "$stderr" "(^|[^a-z-])-k([^a-z]|$)"
	assert_file_not_exists u.bin
	assert_file_not_exists u.bin.part
	run -0 jq -c '[.exit_code, .exit_name, .transfers[0].attempts]' s.json
	assert_output '[8,"TLS",1]'
	# Nothing was asked: the handshake never completed.
	assert_equal "$(grep -cF '"/f.bin?t=untrusted"' "$NGINX_LOG")" 0

	# A CA that did not sign the server's certificate is no better.
	run -8 --separate-stderr haul --cacert "$TLS_DIR/other-ca.pem" -o u.bin "$TLS_URL/f.bin?t=other-ca"
	assert_regex "$stderr" "--cacert"
}

@test "--cacert with the right CA succeeds byte-exact, for 127.0.0.1 and localhost" {
	run -0 --separate-stderr haul --cacert "$TLS_DIR/ca.pem" -o c.bin "$TLS_URL/f.bin?t=cacert"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of c.bin)" "$(gen_sha 2M 7)"
	run -0 haul --cacert "$TLS_DIR/ca.pem" -o l.bin "https://localhost:$TLS_PORT/f.bin?t=cacert-localhost"
	assert_equal "$(sha256_of l.bin)" "$(gen_sha 2M 7)"
}

@test "-k skips the check and succeeds byte-exact" {
	run -0 haul -k -o k.bin "$TLS_URL/f.bin?t=insecure"
	assert_equal "$(sha256_of k.bin)" "$(gen_sha 2M 7)"
	run -0 bash -c "set -o pipefail; \"\$HAUL\" --insecure '$TLS_URL/f.bin?t=insecure-stdout' | sha256sum"
	assert_equal "${output%% *}" "$(gen_sha 2M 7)"
}

@test "a TLS handshake failure (HTTPS to a plain HTTP port) is exit 8, retried at most 3 times" {
	run -8 --separate-stderr haul --retry-delay 0.05 --summary hs.json -o hs.bin \
		"https://127.0.0.1:$PLAIN_PORT/f.bin?t=handshake"
	assert_file_not_exists hs.bin
	run -0 jq -c '[.exit_code, .transfers[0].attempts]' hs.json
	assert_output '[8,4]'
	run -8 haul --retry 1 --retry-delay 0.05 --summary hs1.json -o hs.bin \
		"https://127.0.0.1:$PLAIN_PORT/f.bin?t=handshake1"
	run -0 jq -c '.transfers[0].attempts' hs1.json
	assert_output 2
}

@test "HTTP/2 is used when the server offers it; --http1.1 keeps to HTTP/1.1" {
	run -0 haul --cacert "$TLS_DIR/ca.pem" -o h2.bin "$TLS_URL/f.bin?t=h2"
	assert_equal "$(sha256_of h2.bin)" "$(gen_sha 2M 7)"
	run -0 log_lines "/f.bin?t=h2" 1
	assert_output --regexp '^[0-9]+ HTTP/2\.0 200 '

	run -0 haul --http1.1 --cacert "$TLS_DIR/ca.pem" -o h1.bin "$TLS_URL/f.bin?t=h1"
	assert_equal "$(sha256_of h1.bin)" "$(gen_sha 2M 7)"
	run -0 log_lines "/f.bin?t=h1" 1
	assert_output --regexp '^[0-9]+ HTTP/1\.1 200 '
}

# get_many TAG: the 24 m*.bin files at once over HTTP/2, checked.
get_many() {
	local tag=$1 i args=()
	for ((i = 1; i <= 24; i++)); do
		args+=(-o "m$i.bin" "$TLS_URL/m$i.bin?t=$tag")
	done
	run -0 --separate-stderr haul --cacert "$TLS_DIR/ca.pem" -P 8 --parallel-host 8 "${args[@]}"
	for ((i = 1; i <= 24; i++)); do
		assert_equal "$(sha256_of "m$i.bin")" "$(gen_sha $((i * 10))K "$i")"
	done
	# Every URL is in the log, over HTTP/2.  Once each, as a rule: on a
	# loaded machine (make distcheck -j2) one URL was once asked twice, the
	# second time whole, which cannot splice anything; so a URL asked again
	# is shown in the TAP output with haul's messages, and a request that
	# continues (a Range) must be one haul announced as a retry.
	local haul_err=$stderr line n
	wait_until "[ \"\$(grep -cE ' \"/m[0-9]+\\.bin\\?t=$tag\"' '$NGINX_LOG')\" -ge 24 ]" 5
	run -0 grep -E " \"/m[0-9]+\\.bin\\?t=$tag\"" "$NGINX_LOG"
	for line in "${lines[@]}"; do
		[[ $line == *" HTTP/2.0 20"[06]" "* ]] || fail "not HTTP/2 with status 200 or 206: $line"
	done
	for ((i = 1; i <= 24; i++)); do
		n=$(grep -c " \"/m$i\.bin?t=$tag\"" <<<"$output")
		[ "$n" -ge 1 ] || fail "m$i.bin was never asked"
		[ "$n" = 1 ] || printf '# m%s.bin asked %s times; haul said: %s\n' "$i" "$n" "$haul_err" >&3
	done
	n=$(grep -vc '"-" [0-9]*$' <<<"$output" || true)
	[ "$n" -le "$(grep -c '; retry [0-9]* of ' <<<"$haul_err" || true)" ] ||
		fail "$n requests with a Range, more than the retries haul announced: $haul_err"
}

@test "24 URLs to one host with -P 8 --parallel-host 8 over HTTP/2 complete byte-exact" {
	get_many many
}

@test "24 URLs to one host over HTTP/2 share one connection" {
	get_many shared
	local conns
	conns=$(awk '/ "\/m[0-9]+\.bin\?t=shared"/ { c[$1] = 1 } END { for (k in c) n++; print n + 0 }' "$NGINX_LOG")
	echo "# 24 HTTP/2 requests over $conns connection(s)" >&3
	[ "$conns" -eq 1 ] || fail "24 HTTP/2 requests to one host used $conns connections"
}

@test "a download over HTTPS killed with kill -9 is resumed exactly with -c" {
	# nginx sends /slow/ at 1 MiB/s (ranges at full speed), so the 8 MiB
	# body leaves about 7 s between the first journal (a second after a
	# MiB arrived) and the end: nginx cannot hold a response as testsrv's
	# hold= does.
	local url="$TLS_URL/slow/big.bin?t=resume"
	# The binary itself, not the haul function: kill must reach haul.
	"$HAUL" --cacert "$TLS_DIR/ca.pem" -o r.bin "$url" 2>first.stderr 3>&- &
	BG_PIDS+=($!)
	# The journal names some bytes on disk (written about once a second).
	wait_until "[ -s r.bin.part.haul ] && [ \"\$(jq -r '.segments[0].next' r.bin.part.haul 2>/dev/null || echo 0)\" -gt 0 ]" 10
	kill -KILL "${BG_PIDS[0]}"
	local rc=0
	wait "${BG_PIDS[0]}" || rc=$?
	BG_PIDS=()
	assert_equal "$rc" 137
	assert_equal "$(cat first.stderr)" ""
	local next
	# Where -c continues on this boot: the written offset, noted between
	# the synced saves (older journals have only next).
	next=$(jq -r '.segments[0] | .written // .next | tonumber' r.bin.part.haul)
	[ "$next" -gt 0 ] && [ "$next" -lt 8388608 ] || fail "journal offset $next"
	assert_file_not_exists r.bin

	run -0 --separate-stderr haul -c --cacert "$TLS_DIR/ca.pem" --summary rs.json -o r.bin "$url"
	assert_equal "$(sha256_of r.bin)" "$(gen_sha 8M 8)"
	assert_file_not_exists r.bin.part
	assert_file_not_exists r.bin.part.haul
	run -0 jq -c '[.transfers[0].resumes, .transfers[0].http_status]' rs.json
	assert_output '[1,206]'
	# Two requests (logged as they end, in either order): the whole, cut;
	# then the rest only, over HTTP/2.
	run -0 log_lines "/slow/big.bin?t=resume" 2
	assert_equal "${#lines[@]}" 2
	assert_line --regexp '^[0-9]+ HTTP/2\.0 200 "/slow/big\.bin\?t=resume" "-" [0-9]+$'
	assert_line --regexp "^[0-9]+ HTTP/2\.0 206 \"/slow/big\.bin\?t=resume\" \"bytes=$next-\" $((8388608 - next))$"
}

# OpenSSL reads ahead (src/tlsread.c): records it holds must reach haul
# without a socket event.  --stall-timeout 3 --retry 0: a body held back
# at its end would fail with exit 4 and a stall message, not arrive late.
# tls_get BASE-URL NAME SIZE SEED [HAUL-OPTION...]: NAME over TLS, checked.
tls_get() {
	local base=$1 name=$2 size=$3 seed=$4
	shift 4
	run -0 --separate-stderr haul --cacert "$TLS_DIR/ca.pem" --stall-timeout 3 --retry 0 \
		--summary "s-$name.json" "$@" -o "$name.out" "$base/$name?t=$BATS_TEST_NUMBER"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of "$name.out")" "$(gen_sha "$size" "$seed")"
	run -0 jq -c '[.exit_code, .transfers[0].attempts]' "s-$name.json"
	assert_output '[0,1]'
}

@test "64 MiB over HTTPS in 4 KiB TLS records arrive byte-exact at once over HTTP/1.1 and HTTP/2" {
	# Small records: OpenSSL's buffer holds several whole ones at a time.
	tls_get "$TLS4K_URL" b64.bin 64M 9 --http1.1
	tls_get "$TLS4K_URL" b64.bin 64M 9
	run -0 log_lines "/b64.bin?t=$BATS_TEST_NUMBER" 2
	assert_line --index 0 --regexp ' HTTP/1\.1 200 "[^"]*" "-" 67108864$'
	assert_line --index 1 --regexp ' HTTP/2\.0 200 "[^"]*" "-" 67108864$'
}

@test "an HTTPS body that ends inside a TLS record arrives whole, to a file and to a slow pipe" {
	tls_get "$TLS_URL" odd.bin 3153923 10 --http1.1
	tls_get "$TLS_URL" odd.bin 3153923 10
	# A reader slower than the network: haul pauses libcurl while OpenSSL
	# holds records, and the unpause must deliver them.
	local proto
	for proto in --http1.1 ""; do
		run -0 --separate-stderr bash -c "set -o pipefail; \"\$HAUL\" $proto --cacert '$TLS_DIR/ca.pem' \
			--stall-timeout 3 --retry 0 '$TLS_URL/odd.bin?t=pipe$proto' |
			{ sleep 0.5; sha256sum; }"
		assert_equal "$stderr" ""
		assert_equal "${output%% *}" "$(gen_sha 3153923 10)"
	done
}
