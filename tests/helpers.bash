# tests/helpers.bash - shared setup for haul's bats suite.
#
# Every tests/*.bats file starts with `load helpers`.  This loads
# bats-support, bats-assert and bats-file from the Debian packages, puts the
# haul under test first on PATH, and gives the helpers below.
#
# Environment (set by `make check`; defaults work from a source tree):
#   HAUL          the haul binary under test
#   TESTSRV       the test server binary (tests/server/testsrv)
#   HAUL_SRCDIR   the source tree (man page, completions)
#   HAUL_WRAPPER  optional command prefix for haul, e.g. valgrind

bats_require_minimum_version 1.5.0

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '/usr/lib/bats/bats-file/load'

HAUL_SRCDIR=${HAUL_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
HAUL=${HAUL:-$HAUL_SRCDIR/haul}
TESTSRV=${TESTSRV:-$HAUL_SRCDIR/tests/server/testsrv}
export HAUL TESTSRV HAUL_SRCDIR

# shellcheck source=tests/lib/testsrv.bash
source "$BATS_TEST_DIRNAME/lib/testsrv.bash"

# `haul` in tests is the binary under test (through HAUL_WRAPPER if set).
haul() {
	# shellcheck disable=SC2086 # the wrapper is a word list
	${HAUL_WRAPPER:-} "$HAUL" "$@"
}

# True when haul is built with AddressSanitizer: its shadow memory makes
# RSS bounds and `ulimit -v` meaningless, so those checks are skipped.
haul_sanitized() {
	nm -D "$HAUL" 2>/dev/null | grep -q __asan_init ||
		ldd "$HAUL" 2>/dev/null | grep -q libasan
}

# True when haul's RSS says something about haul: not under a sanitizer,
# not under valgrind (HAUL_WRAPPER).
rss_meaningful() {
	[ -z "${HAUL_WRAPPER:-}" ] && ! haul_sanitized
}

# sha256 of a file, hex only.
sha256_of() {
	local out
	out=$(sha256sum "$1") || return 1
	printf '%s\n' "${out%% *}"
}

# Expected sha256 of a test-server body: gen_sha SIZE [SEED [VERSION]].
gen_sha() {
	testsrv_sha256 --size "$1" --seed "${2:-1}" --version "${3:-1}"
}

# Waits until a condition command succeeds (at most $2 seconds, default 10).
wait_until() {
	local cond=$1 limit=${2:-10} i
	for ((i = 0; i < limit * 50; i++)); do
		eval "$cond" && return 0
		sleep 0.02
	done
	echo "wait_until: '$cond' still false after ${limit}s" >&2
	return 1
}

# Peak RSS in KiB of a command run with GNU time: peak_rss_kib OUTFILE CMD...
# (the command's own exit status is returned).
run_with_rss() {
	local out=$1
	shift
	/usr/bin/time -f '%M' -o "$out" "$@"
}

# A private nginx on loopback, for tests where a real server matters.
# nginx_start DIR [EXTRA-SERVER-CONFIG]: serves DIR/www on a free port,
# exports NGINX_URL and NGINX_PID.  Skips the test when nginx is missing.
nginx_start() {
	local dir=$1 extra=${2:-} port conf i
	command -v nginx >/dev/null 2>&1 || skip "nginx is not installed"
	mkdir -p "$dir/www" "$dir/nginx/tmp"
	for ((i = 0; i < 20; i++)); do
		port=$((20000 + RANDOM % 30000))
		conf=$dir/nginx/nginx.conf
		local user=""
		# As root, nginx's workers would run as nobody and could not read
		# the test's private directory.
		[ "$(id -u)" = 0 ] && user="user root;"
		cat >"$conf" <<-CONF
			$user
			worker_processes 1;
			daemon off;
			pid $dir/nginx/nginx.pid;
			error_log $dir/nginx/error.log;
			events { worker_connections 1024; }
			http {
			    access_log $dir/nginx/access.log;
			    client_body_temp_path $dir/nginx/tmp;
			    proxy_temp_path $dir/nginx/tmp;
			    fastcgi_temp_path $dir/nginx/tmp;
			    uwsgi_temp_path $dir/nginx/tmp;
			    scgi_temp_path $dir/nginx/tmp;
			    server {
			        listen 127.0.0.1:$port;
			        root $dir/www;
			        $extra
			    }
			}
		CONF
		nginx -c "$conf" -e "$dir/nginx/error.log" </dev/null >/dev/null 2>&1 3>&- &
		NGINX_PID=$!
		if wait_until "[ -s '$dir/nginx/nginx.pid' ] || ! kill -0 $NGINX_PID 2>/dev/null" 5 &&
			kill -0 "$NGINX_PID" 2>/dev/null; then
			export NGINX_PID NGINX_URL=http://127.0.0.1:$port
			return 0
		fi
	done
	echo "nginx_start: could not start nginx" >&2
	return 1
}

nginx_stop() {
	[ -n "${NGINX_PID:-}" ] || return 0
	kill -TERM "$NGINX_PID" 2>/dev/null
	wait "$NGINX_PID" 2>/dev/null || true
	unset NGINX_PID
}
