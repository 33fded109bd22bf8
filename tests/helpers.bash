# tests/helpers.bash - shared setup for haul's bats suite.
#
# Every tests/*.bats file starts with `load helpers`.  This loads
# bats-support, bats-assert and bats-file from the Debian packages, puts the
# haul under test first on PATH, allows only the skips of tests/skips.list
# (tests/lib/skips.bash), and gives the helpers below.
#
# Environment (set by `make check`; defaults work from a source tree):
#   HAUL          the haul binary under test
#   TESTSRV       the test server binary (tests/server/testsrv)
#   HAUL_SRCDIR   the source tree (man page, completions)
#   HAUL_WRAPPER  optional command prefix for haul, e.g. valgrind
#   HAUL_WRAP_LOG with HAUL_WRAPPER: a file that gets one line
#                 "FILE<TAB>TEST-NUMBER" per haul run through the wrapper
#                 (make check-valgrind checks every test has one)
#
# haul runs through HAUL_WRAPPER wherever a test runs it: $HAUL (and `haul`
# on PATH, for `bash -c`, `env`, `timeout`, run_with_rss...) is a small
# script that execs "$HAUL_WRAPPER $HAUL_BIN"; without a wrapper it is a
# link to the binary.  HAUL_BIN, the binary itself, is for looking at it
# (nm, ldd), never for running it: see the valgrind guard in download.bats.

bats_require_minimum_version 1.5.0

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '/usr/lib/bats/bats-file/load'

HAUL_SRCDIR=${HAUL_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
# Once per process tree: setup_file's exports reach the tests, where $HAUL
# is already the script below.
HAUL_BIN=${HAUL_BIN:-${HAUL:-$HAUL_SRCDIR/haul}}
TESTSRV=${TESTSRV:-$HAUL_SRCDIR/tests/server/testsrv}
export HAUL_BIN TESTSRV HAUL_SRCDIR

# shellcheck source=tests/lib/testsrv.bash
source "$BATS_TEST_DIRNAME/lib/testsrv.bash"
# shellcheck source=tests/lib/skips.bash
source "$BATS_TEST_DIRNAME/lib/skips.bash"

# haul_wrap_dir: writes (once per bats run) the directory with `haul` in
# it: the wrapper script, or a link to HAUL_BIN when there is no wrapper.
haul_wrap_dir() {
	local dir=${BATS_RUN_TMPDIR:?}/haul-bin tmp
	if [ ! -x "$dir/haul" ]; then
		mkdir -p "$dir" || return 1
		tmp=$(mktemp "$dir/.haul.XXXXXX") || return 1
		if [ -n "${HAUL_WRAPPER:-}" ]; then
			{
				printf '#!/bin/bash\n'
				printf '# haul under HAUL_WRAPPER, written by tests/helpers.bash.\n'
				printf 'if [ -n "${HAUL_WRAP_LOG:-}" ]; then\n'
				printf '\tprintf "%%s\\t%%s\\n" "${BATS_TEST_FILENAME##*/}" "${BATS_TEST_NUMBER:-}" >>"$HAUL_WRAP_LOG"\n'
				printf 'fi\n'
				printf 'exec %s %q "$@"\n' "$HAUL_WRAPPER" "$HAUL_BIN"
			} >"$tmp" && chmod 755 "$tmp" && mv -f "$tmp" "$dir/haul" || return 1
		else
			rm -f "$tmp" && ln -sfn "$HAUL_BIN" "$dir/haul" || return 1
		fi
	fi
	printf '%s\n' "$dir"
}
HAUL_WRAP_DIR=$(haul_wrap_dir) || {
	echo "helpers.bash: cannot write the haul wrapper" >&2
	exit 1
}
HAUL=$HAUL_WRAP_DIR/haul
case :$PATH: in
*:"$HAUL_WRAP_DIR":*) ;;
*) PATH=$HAUL_WRAP_DIR:$PATH ;;
esac
export HAUL PATH

# No test reads the config file of whoever runs the suite: the default
# one is looked for in a directory that has none (config.bats makes its
# own).
export XDG_CONFIG_HOME=$BATS_RUN_TMPDIR/no-config

# `haul` in tests is the binary under test, through HAUL_WRAPPER if set
# (PATH finds the same in `bash -c`).
haul() {
	"$HAUL" "$@"
}

# valgrind_haul VG-LOG HAUL-ARGS...: haul under valgrind with every leak
# kind an error and its report in VG-LOG (for tests of valgrind itself);
# noted in HAUL_WRAP_LOG like a run through the wrapper, which it is.
valgrind_haul() {
	local vglog=$1
	shift
	if [ -n "${HAUL_WRAP_LOG:-}" ]; then
		printf '%s\t%s\n' "${BATS_TEST_FILENAME##*/}" "${BATS_TEST_NUMBER:-}" >>"$HAUL_WRAP_LOG"
	fi
	valgrind --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
		--error-exitcode=99 --log-file="$vglog" "$HAUL_BIN" "$@"
}

# True when haul is built with AddressSanitizer: its shadow memory makes
# RSS bounds and `ulimit -v` meaningless, so those checks are skipped.
haul_sanitized() {
	[[ $(nm -D "$HAUL_BIN" 2>&1) == *__asan_init* || $(ldd "$HAUL_BIN" 2>&1) == *libasan* ]]
}

# True when haul's RSS says something about haul: not under a sanitizer,
# not under valgrind (HAUL_WRAPPER).
rss_meaningful() {
	[ -z "${HAUL_WRAPPER:-}" ] && ! haul_sanitized
}

# From teardown: when the test failed, prints every *.stderr file under
# its directory (tests keep the stderr of haul runs in the background
# there), so that a sanitizer or valgrind report in them is seen.
show_stderr_files() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] || return 0
	local f
	while IFS= read -r f; do
		printf '# --- %s ---\n' "${f#"$BATS_TEST_TMPDIR"/}"
		sed 's/^/# /' "$f"
	done < <(find "$BATS_TEST_TMPDIR" -name '*.stderr' -type f 2>/dev/null | sort)
	return 0
}

# count_lines PATTERN FILE: how many lines of FILE match the extended
# regular expression PATTERN (0 too, unlike grep -c's status; a missing
# FILE fails).
count_lines() {
	awk -v re="$1" '$0 ~ re { n++ } END { print n + 0 }' "$2"
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
