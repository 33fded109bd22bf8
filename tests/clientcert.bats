#!/usr/bin/env bats
# clientcert.bats - TLS client certificates against nginx with
# ssl_verify_client on: --cert and --key (PEM, the key in either file, an
# encrypted key with --pass @FILE), what happens without a certificate or
# with one the server does not trust, --capath, and --pinnedpubkey (a
# wrong pin fails at once with exit 8, no retry).  Mistakes in the files
# are one line and exit 2 before any request.
#
# setup_file makes with openssl a CA, a server certificate for 127.0.0.1
# and localhost, a client certificate signed by the CA, one signed by
# another CA, and an encrypted copy of the client key; then starts nginx
# with a TLS listener that demands a client certificate of the CA and logs
# what it saw ($ssl_client_verify, $ssl_client_s_dn).

load helpers

# cert_nginx_start DIR: nginx on a free port serving DIR/www over TLS with
# ssl_verify_client on; exports NGINX_PID, TLS_URL, NGINX_LOG (one line a
# request: status, "URI", client verify result, "client subject", bytes).
cert_nginx_start() {
	local dir=$1 port conf i user=""
	command -v nginx >/dev/null 2>&1 || skip "nginx is not installed"
	mkdir -p "$dir/www" "$dir/nginx/tmp"
	conf=$dir/nginx/nginx.conf
	[ "$(id -u)" = 0 ] && user="user root;"
	for ((i = 0; i < 20; i++)); do
		port=$((20000 + RANDOM % 30000))
		rm -f "$dir/nginx/nginx.pid"
		cat >"$conf" <<-CONF
			$user
			worker_processes 1;
			daemon off;
			pid $dir/nginx/nginx.pid;
			error_log $dir/nginx/error.log;
			events { worker_connections 1024; }
			http {
			    log_format haul '\$status "\$request_uri" \$ssl_client_verify "\$ssl_client_s_dn" \$body_bytes_sent';
			    access_log $dir/nginx/access.log haul;
			    client_body_temp_path $dir/nginx/tmp;
			    proxy_temp_path $dir/nginx/tmp;
			    fastcgi_temp_path $dir/nginx/tmp;
			    uwsgi_temp_path $dir/nginx/tmp;
			    scgi_temp_path $dir/nginx/tmp;
			    server {
			        listen 127.0.0.1:$port ssl;
			        ssl_certificate $dir/server.pem;
			        ssl_certificate_key $dir/server.key;
			        ssl_client_certificate $dir/ca.pem;
			        ssl_verify_client on;
			        root $dir/www;
			    }
			}
		CONF
		nginx -c "$conf" -e "$dir/nginx/error.log" </dev/null >/dev/null 2>&1 3>&- &
		NGINX_PID=$!
		if wait_until "[ -s '$dir/nginx/nginx.pid' ] || ! kill -0 $NGINX_PID 2>/dev/null" 5 &&
			kill -0 "$NGINX_PID" 2>/dev/null; then
			export NGINX_PID TLS_URL=https://127.0.0.1:$port NGINX_LOG=$dir/nginx/access.log
			return 0
		fi
	done
	echo "cert_nginx_start: could not start nginx: $(cat "$dir/nginx/error.log")" >&2
	return 1
}

# A P-256 key and a certificate for SUBJECT signed by CA (DIR/CA.pem and
# DIR/CA.key), with the extended key usage EKU: sign DIR NAME SUBJECT CA EKU.
sign() {
	local dir=$1 name=$2 subj=$3 ca=$4 eku=$5 san=${6:-}
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "$subj" 2>/dev/null || return 1
	printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=digitalSignature' \
		"extendedKeyUsage=$eku" ${san:+"subjectAltName=$san"} >"$dir/$name.ext"
	openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.pem" -CAkey "$dir/$ca.key" \
		-CAcreateserial -out "$dir/$name.pem" -days 2 -extfile "$dir/$name.ext" 2>/dev/null
}

make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1/$2.key" -out "$1/$2.pem" -days 2 -subj "/CN=$3" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		2>/dev/null
}

setup_file() {
	command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
	CERT_DIR=$BATS_FILE_TMPDIR/certs
	export CERT_DIR
	mkdir -p "$CERT_DIR/www" "$CERT_DIR/capath"
	local d=$CERT_DIR
	make_ca "$d" ca "haul test CA"
	make_ca "$d" other-ca "haul other CA"
	sign "$d" server /CN=localhost ca serverAuth "IP:127.0.0.1,DNS:localhost"
	sign "$d" client "/CN=haul client" ca clientAuth
	sign "$d" stranger "/CN=haul stranger" other-ca clientAuth
	cat "$d/client.pem" "$d/client.key" >"$d/client-both.pem"
	printf 'correct horse\n' >"$d/pass.txt"
	printf 'wrong horse\n' >"$d/wrong-pass.txt"
	openssl pkey -in "$d/client.key" -aes-256-cbc -passout "file:$d/pass.txt" \
		-out "$d/client-enc.key" 2>/dev/null
	# The server's public key and its pin (sha256 of the DER SubjectPublicKeyInfo).
	openssl pkey -in "$d/server.key" -pubout -out "$d/server-pub.pem" 2>/dev/null
	SERVER_PIN=sha256//$(openssl pkey -pubin -in "$d/server-pub.pem" -outform DER |
		openssl dgst -sha256 -binary | base64)
	OTHER_PIN=sha256//$(openssl pkey -in "$d/other-ca.key" -pubout -outform DER |
		openssl dgst -sha256 -binary | base64)
	export SERVER_PIN OTHER_PIN
	# --capath: the CA under its subject hash name.
	cp "$d/ca.pem" "$d/capath/haul-ca.pem"
	openssl rehash "$d/capath" 2>/dev/null || c_rehash "$d/capath" >/dev/null
	"$TESTSRV" --gen --size 3M --seed 21 >"$d/www/f.bin"
	cert_nginx_start "$d"
}

teardown_file() {
	nginx_stop
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	show_stderr_files
}

# nginx's log lines for URI (it writes a line when a request is finished,
# which may be a moment after the client has the last byte): log_for URI N.
log_for() {
	wait_until "[ \"\$(grep -cF ' \"$1\" ' '$NGINX_LOG')\" -ge $2 ]" 5 ||
		fail "nginx logged $(grep -cF " \"$1\" " "$NGINX_LOG") requests for $1, want $2"
	grep -F " \"$1\" " "$NGINX_LOG"
}

@test "--cert and --key: the server verifies the client certificate, the bytes are exact" {
	run -0 --separate-stderr haul --cacert "$CERT_DIR/ca.pem" --cert "$CERT_DIR/client.pem" \
		--key "$CERT_DIR/client.key" -o f.bin "$TLS_URL/f.bin?t=ok"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 3M 21)"
	assert_equal "$(log_for /f.bin?t=ok 1)" '200 "/f.bin?t=ok" SUCCESS "CN=haul client" 3145728'
}

@test "--cert alone takes the key from the same file; an encrypted key needs --pass @FILE" {
	run -0 --separate-stderr haul --cacert "$CERT_DIR/ca.pem" --cert "$CERT_DIR/client-both.pem" \
		-o both.bin "$TLS_URL/f.bin?t=both"
	assert_equal "$(sha256_of both.bin)" "$(gen_sha 3M 21)"
	assert_equal "$(log_for /f.bin?t=both 1)" '200 "/f.bin?t=both" SUCCESS "CN=haul client" 3145728'
	run -0 --separate-stderr haul --cacert "$CERT_DIR/ca.pem" --cert "$CERT_DIR/client.pem" \
		--key "$CERT_DIR/client-enc.key" --pass "@$CERT_DIR/pass.txt" -o enc.bin "$TLS_URL/f.bin?t=enc"
	assert_equal "$(sha256_of enc.bin)" "$(gen_sha 3M 21)"
	assert_equal "$(log_for /f.bin?t=enc 1)" '200 "/f.bin?t=enc" SUCCESS "CN=haul client" 3145728'
}

@test "without a client certificate nginx answers 400: exit 5, one line, no retry" {
	run -5 --separate-stderr haul --cacert "$CERT_DIR/ca.pem" -o none.bin "$TLS_URL/f.bin?t=none"
	assert_equal "$stderr" "haul: $TLS_URL/f.bin?t=none: server answered HTTP 400"
	assert_equal "$(log_for /f.bin?t=none 1 | cut -d' ' -f1-3)" '400 "/f.bin?t=none" NONE'
	assert_file_not_exists none.bin
}

@test "a client certificate of another CA: nginx answers 400, exit 5, one line" {
	run -5 --separate-stderr haul --cacert "$CERT_DIR/ca.pem" --cert "$CERT_DIR/stranger.pem" \
		--key "$CERT_DIR/stranger.key" -o s.bin "$TLS_URL/f.bin?t=stranger"
	assert_equal "$stderr" "haul: $TLS_URL/f.bin?t=stranger: server answered HTTP 400"
	assert_regex "$(log_for /f.bin?t=stranger 1)" '^400 "/f.bin\?t=stranger" FAILED:'
}

@test "mistakes in --cert, --key and --pass are one line and exit 2 before any request" {
	local d=$CERT_DIR before
	before=$(wc -l <"$NGINX_LOG")
	run -2 --separate-stderr haul --cert "$d/nothere.pem" -o x.bin "$TLS_URL/f.bin?t=bad"
	assert_equal "$stderr" "haul: --cert $d/nothere.pem: No such file or directory (see haul --help)"
	run -2 --separate-stderr haul --cert "$d/client.pem:secret" -o x.bin "$TLS_URL/f.bin?t=bad"
	assert_equal "$stderr" "haul: --cert $d/client.pem:secret: No such file or directory (a passphrase goes in --pass @FILE, not after ':') (see haul --help)"
	run -2 --separate-stderr haul --cert "$d/client.key" -o x.bin "$TLS_URL/f.bin?t=bad"
	assert_equal "$stderr" "haul: --cert $d/client.key: no PEM certificate in it (see haul --help)"
	run -2 --separate-stderr haul --cert "$d/client.pem" -o x.bin "$TLS_URL/f.bin?t=bad"
	assert_equal "$stderr" "haul: --cert $d/client.pem: no PEM private key in it (name the key with --key FILE) (see haul --help)"
	run -2 --separate-stderr haul --cert "$d/client.pem" --key "$d/stranger.key" -o x.bin "$TLS_URL/f.bin?t=bad"
	assert_equal "$stderr" "haul: --key $d/stranger.key: this key does not belong to the certificate of --cert $d/client.pem (see haul --help)"
	run -2 --separate-stderr haul --cert "$d/client.pem" --key "$d/client-enc.key" -o x.bin "$TLS_URL/f.bin?t=bad"
	assert_equal "$stderr" "haul: --key $d/client-enc.key: the key is encrypted: give its passphrase with --pass @FILE (see haul --help)"
	run -2 --separate-stderr haul --cert "$d/client.pem" --key "$d/client-enc.key" --pass "@$d/wrong-pass.txt" \
		-o x.bin "$TLS_URL/f.bin?t=bad"
	assert_equal "$stderr" "haul: --key $d/client-enc.key: the passphrase of --pass does not decrypt the key (see haul --help)"
	run -2 --separate-stderr haul --key "$d/client.key" -o x.bin "$TLS_URL/f.bin?t=bad"
	assert_equal "$stderr" "haul: --key needs --cert (the certificate the key belongs to) (see haul --help)"
	# The passphrase itself is refused without being echoed.
	run -2 --separate-stderr haul --pass "correct horse" -o x.bin "$TLS_URL/f.bin?t=bad"
	assert_equal "$stderr" "haul: --pass: expected @FILE (the passphrase is read from FILE, never given on the command line) (see haul --help)"
	run -2 --separate-stderr haul --pass "@$d/nothere.txt" -o x.bin "$TLS_URL/f.bin?t=bad"
	assert_equal "$stderr" "haul: --pass: bad value '@$d/nothere.txt': No such file or directory (see haul --help)"
	assert_file_not_exists x.bin
	assert_equal "$(wc -l <"$NGINX_LOG")" "$before"
}

@test "--capath trusts a directory of hashed CA certificates" {
	run -0 --separate-stderr haul --capath "$CERT_DIR/capath" --cert "$CERT_DIR/client-both.pem" \
		-o p.bin "$TLS_URL/f.bin?t=capath"
	assert_equal "$(sha256_of p.bin)" "$(gen_sha 3M 21)"
	# The same without it: the server is not trusted.
	run -8 --separate-stderr haul --capath "$CERT_DIR" --cert "$CERT_DIR/client-both.pem" \
		-o q.bin "$TLS_URL/f.bin?t=nocapath"
	assert_regex "$stderr" "certificate"
	run -2 --separate-stderr haul --capath "$CERT_DIR/ca.pem" -o r.bin "$TLS_URL/f.bin?t=capath-file"
	assert_equal "$stderr" "haul: --capath $CERT_DIR/ca.pem: not a directory (see haul --help)"
}

@test "--pinnedpubkey: the server's key pin or key file passes" {
	run -0 --separate-stderr haul --cacert "$CERT_DIR/ca.pem" --cert "$CERT_DIR/client-both.pem" \
		--pinnedpubkey "$OTHER_PIN;$SERVER_PIN" -o pin.bin "$TLS_URL/f.bin?t=pin"
	assert_equal "$(sha256_of pin.bin)" "$(gen_sha 3M 21)"
	# A pin is checked on top of the chain: with -k it is the only check.
	run -0 --separate-stderr haul -k --cert "$CERT_DIR/client-both.pem" \
		--pinnedpubkey "$CERT_DIR/server-pub.pem" -o pinf.bin "$TLS_URL/f.bin?t=pinfile"
	assert_equal "$(sha256_of pinf.bin)" "$(gen_sha 3M 21)"
	assert_equal "$(log_for /f.bin?t=pinfile 1 | cut -d' ' -f1-3)" '200 "/f.bin?t=pinfile" SUCCESS'
}

@test "a wrong --pinnedpubkey fails at once with exit 8 and one line, no retry, no request" {
	local before
	before=$(wc -l <"$NGINX_LOG")
	run -8 --separate-stderr haul -k --cert "$CERT_DIR/client-both.pem" --retry 5 \
		--pinnedpubkey "$OTHER_PIN" -o w.bin "$TLS_URL/f.bin?t=wrongpin"
	assert_equal "$stderr" "haul: $TLS_URL/f.bin?t=wrongpin: SSL: public key does not match pinned public key"
	assert_file_not_exists w.bin
	assert_equal "$(wc -l <"$NGINX_LOG")" "$before"
	run -2 --separate-stderr haul --pinnedpubkey "sha256//tooshort=" -o w.bin "$TLS_URL/f.bin?t=badpin"
	assert_equal "$stderr" "haul: --pinnedpubkey: bad value 'sha256//tooshort=': expected sha256//BASE64 (44 characters) [;sha256//...] or a file (see haul --help)"
	run -2 --separate-stderr haul --pinnedpubkey "$CERT_DIR/nothere.pem" -o w.bin "$TLS_URL/f.bin?t=badpin"
	assert_equal "$stderr" "haul: --pinnedpubkey $CERT_DIR/nothere.pem: No such file or directory (see haul --help)"
}
