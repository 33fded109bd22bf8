#!/bin/sh
# shellcheck shell=bash disable=SC1091
# bench/bench.sh - haul against curl, wget2 (and aria2c) on loopback.
#
# Usage: bench/bench.sh [--quick] [--runs N] [--case LIST] [--write]
#                       [--streams N] [--duration SECS] [--dir DIR] [--keep]
#                       [--no-wait] [--serve]
#        make bench BENCH_ARGS='--case small-files --runs 3'
#
# Starts a private nginx on free loopback ports (generated config in a
# temporary directory, sendfile on, gzip off, access log off; plain HTTP, and
# HTTPS with HTTP/1.1 only and with HTTP/2 under a certificate made here with
# openssl), generates the files it serves from /dev/urandom, and runs haul,
# curl, wget2 and, when it is installed, aria2c on the same cases, several
# runs each, the tools in a different (rotated) order on every run.  Prints a
# markdown report of the medians and spread with haul's ratio to curl and to
# wget2 and the targets, each marked PASS or MISS.  This is a benchmark, not
# a test: `make check` never runs it.
#
# Cases (--case takes names or numbers, comma-separated; default all):
#   1 big          both of: null (1 GiB to /dev/null, with iperf3's loopback
#                  ceiling in the same run) and file (1 GiB to a file)
#   2 par          100 x 10 MiB, 16 at once, to files in a directory
#   3 slow         1,000 concurrent slow streams (nginx limit_rate 1k) for
#                  15 s: extra RSS per stream and CPU while they trickle
#   4 seg          one file from a server limited to 10 MiB/s per connection,
#                  over 1 and over 4 connections (haul -x 4, aria2c -x 4 -s 4)
#   5 memstats     haul's 1 GiB to /dev/null with --memstats on and off
#   6 small-files  5,000 files of 4 KiB, 32 at once, to files: files/s and
#                  CPU per file; and the file system calls of curl's and of
#                  haul's pattern alone (bench/fsfloor.c)
#   7 tls-h1       1 GiB over HTTPS, HTTP/1.1, to /dev/null, with the
#                  decryption rate of `openssl speed` as the floor
#   8 tls-h2       the same over HTTP/2
#   9 h2-par       100 x 10 MiB over HTTPS, HTTP/2 multiplexed, 16 at once,
#                  to files (haul and curl -Z)
#  10 mirrors      one 64 MiB file from three sources (testsrv, 8 MiB/s per
#                  response), the first killed with SIGKILL 30% of the way
#                  in at the speed of 4 connections: time to finish, haul --mirror -x 4 (and over one
#                  connection) against aria2c -s 4 -x 2 with the same three
#                  URLs (needs tests/server/testsrv: make check)
#  11 biglist      haul's peak RSS for an -i list of 1,000 URLs and of
#                  --list-urls N (default 1,000,000; --quick 100,000) URLs
#                  of an empty file, 32 at once, to /dev/null: the list is
#                  read as the run goes, so the target is the same memory
#                  (within 32 MiB).  Not in the default set (it makes a
#                  million requests): ask for it with --case biglist.
#
# Options:
#   --quick          smoke run: 1 run, small sizes, 50 short slow streams
#   --runs N         runs of each tool on each case (default 5; --quick: 1);
#                    case 5 makes 4 times as many, cases 6 and 9 twice
#   --case LIST      e.g. --case small-files,tls-h1 or --case 6,7 (also
#                    spelled --cases)
#   --streams N      slow streams at once in case 3 (default 1000)
#   --list-urls N    URLs in the long list of case 11
#   --duration SECS  how long the slow streams trickle (default 15)
#   --dir DIR        where the temporary directory goes (default $TMPDIR or
#                    /tmp); output files are written there, so this picks
#                    the filesystem of the to-a-file figures
#   --no-wait        do not wait for a quiet machine before each run (for
#                    quick iterations; the figures are then noisier)
#   --serve          start nginx with the files of the chosen cases, print
#                    its URLs and the certificate, and wait (for profiling
#                    by hand); Ctrl-C stops it
#   --write          also write the report to bench/RESULTS.md
#   --keep           keep the temporary directory (logs) and say where
#
# Environment: HAUL, the haul binary (default: ../haul next to this script).
#
# How each tool run is measured: wall, user and sys CPU by bash's `time`
# (millisecond resolution) around GNU time (`/usr/bin/time -f %M`), which
# gives the peak RSS.  Throughput is bytes / wall; output files are checked
# for their size, and a run that fails or writes the wrong size is left out
# of the medians and reported.  The spread of a figure is half its
# interquartile range over the runs, in % of the median.  The slow streams
# are sampled once a second from /proc/PID/status (VmRSS, VmHWM) and
# /proc/PID/stat (utime + stime).
#
# Needs (Debian 12): nginx-light (or nginx, with the ssl and http2 modules),
# curl, wget2, iperf3, openssl, time, bash, coreutils; aria2 is optional.

# make bench runs this with $(SHELL), /bin/sh: the rest is bash.
if [ -z "${BASH_VERSION:-}" ]; then
	if ! command -v bash >/dev/null 2>&1; then
		echo "bench.sh: bash is needed (apt-get install bash)" >&2
		exit 2
	fi
	exec bash "$0" "$@"
fi

set -eu
set -o pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
SRC_DIR=$(cd "$BENCH_DIR/.." && pwd)
HAUL=${HAUL:-$SRC_DIR/haul}
ARGV="$*"

RUNS=5
QUICK=0
WRITE=0
KEEP=0
NOWAIT=0
SERVE=0
CASES="null,file,par,slow,seg,memstats,small-files,tls-h1,tls-h2,h2-par,mirrors"
LIST_URLS=
STREAMS=1000
DURATION=15
BASE=${TMPDIR:-/tmp}

KiB=1024
MiB=$((1024 * 1024))
GiB=$((1024 * MiB))

# ---------------------------------------------------------------- messages

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench.sh: %s\n' "$*" >&2; exit 2; }

usage() {
	sed -n '2,/^$/{/^$/d;s/^# \{0,1\}//;p}' "$0"
	exit "${1:-0}"
}

# ---------------------------------------------------------------- options

parse_args() {
	local runs_set=0
	while [ $# -gt 0 ]; do
		case $1 in
		--quick) QUICK=1 ;;
		--runs) RUNS=${2:?--runs needs a number}; runs_set=1; shift ;;
		--runs=*) RUNS=${1#*=}; runs_set=1 ;;
		--case | --cases) CASES=${2:?$1 needs a list}; shift ;;
		--list-urls) LIST_URLS=${2:?$1 needs a number}; shift ;;
		--case=* | --cases=*) CASES=${1#*=} ;;
		--streams) STREAMS=${2:?--streams needs a number}; shift ;;
		--streams=*) STREAMS=${1#*=} ;;
		--duration) DURATION=${2:?--duration needs seconds}; shift ;;
		--duration=*) DURATION=${1#*=} ;;
		--dir) BASE=${2:?--dir needs a directory}; shift ;;
		--dir=*) BASE=${1#*=} ;;
		--no-wait) NOWAIT=1 ;;
		--serve) SERVE=1 ;;
		--write) WRITE=1 ;;
		--keep) KEEP=1 ;;
		-h | --help) usage 0 ;;
		*) printf 'bench.sh: unknown argument: %s\n\n' "$1" >&2; usage 2 ;;
		esac
		shift
	done
	case $RUNS in '' | *[!0-9]* | 0) die "--runs wants a positive number, not '$RUNS'" ;; esac
	case $STREAMS in '' | *[!0-9]* | 0 | 1) die "--streams wants a number above 1, not '$STREAMS'" ;; esac
	case $DURATION in '' | *[!0-9]* | 0 | 1 | 2) die "--duration wants whole seconds, 3 or more" ;; esac
	[ -d "$BASE" ] || die "--dir $BASE: no such directory"

	# Sizes.  --quick keeps every case but makes it small.
	SMALL_SIZE=$((4 * KiB)) SMALL_P=32
	if [ "$QUICK" = 1 ]; then
		[ "$runs_set" = 1 ] || RUNS=1
		BIG=$((64 * MiB))
		PAR_N=20 PAR_SIZE=$MiB PAR_P=16
		[ "$STREAMS" = 1000 ] && STREAMS=50
		[ "$DURATION" = 15 ] && DURATION=4
		SEG_SIZE=$((16 * MiB))
		MIRROR_SIZE=$((16 * MiB))
		SMALL_N=500
		H2_N=20 H2_SIZE=$MiB H2_P=16
		IPERF_SECS=1
		QUIET_WAIT=3
	else
		BIG=$GiB
		PAR_N=100 PAR_SIZE=$((10 * MiB)) PAR_P=16
		SEG_SIZE=$((64 * MiB))
		MIRROR_SIZE=$((64 * MiB))
		SMALL_N=5000
		H2_N=100 H2_SIZE=$((10 * MiB)) H2_P=16
		IPERF_SECS=3
	fi
	[ "$NOWAIT" = 0 ] || QUIET_WAIT=0
	SLOW_RATE=1k       # nginx limit_rate of /slow/
	SEG_RATE=10m       # nginx limit_rate of /seg/ (10 MiB/s per connection)
	SEG_N=4            # connections of the segmented downloads
	MIRROR_RATE=8M     # testsrv rate= of each mirror, per response
	MIRROR_PARTS=4     # connections of case 10 (haul -x, aria2c -s)
	BASE_SECS=4        # how long the one-stream baseline of case 3 runs
	[ "$QUICK" = 1 ] && BASE_SECS=3
	MEM_RUNS=$((RUNS * 4)) # case 5 is cheap and its target is tight
	# Cases 6 and 9 write many files: the kernel's share of their time
	# varies from run to run more than the tools differ, so twice the runs.
	FILE_RUNS=$((RUNS * 2))
	if [ -z "${LIST_URLS:-}" ]; then
		LIST_URLS=1000000
		[ "$QUICK" = 1 ] && LIST_URLS=100000
	fi
	case $LIST_URLS in '' | *[!0-9]* | 0) die "--list-urls wants a positive number, not '$LIST_URLS'" ;; esac

	# Normalise the case list to names.
	local c list="" IFS=,
	for c in $CASES; do
		case $c in
		1 | big) c="null file" ;;
		null | big-null) c=null ;;
		file | big-file) c="file" ;;
		2 | par) c=par ;;
		3 | slow) c=slow ;;
		4 | seg) c=seg ;;
		5 | memstats) c=memstats ;;
		6 | small-files | small) c=small-files ;;
		7 | tls-h1) c="tls-h1" ;;
		8 | tls-h2) c="tls-h2" ;;
		9 | h2-par) c=h2-par ;;
		10 | mirrors) c=mirrors ;;
		11 | biglist) c=biglist ;;
		*) die "--case: unknown case '$c' (big null file par slow seg memstats small-files tls-h1 tls-h2 h2-par mirrors biglist, or 1-11)" ;;
		esac
		list="$list $c"
	done
	CASES=$list
}

# want_tls: whether a case needs nginx's HTTPS ports.
want_tls() { want tls-h1 || want tls-h2 || want h2-par; }

want() { case " $CASES " in *" $1 "*) return 0 ;; esac; return 1; }

# ---------------------------------------------------------------- tools

check_tools() {
	local missing="" t pkg
	[ -x "$HAUL" ] || die "haul not found at $HAUL: build it first (make haul) or set HAUL"
	for t in nginx:nginx-light curl:curl wget2:wget2 iperf3:iperf3 /usr/bin/time:time; do
		pkg=${t#*:} t=${t%%:*}
		command -v "$t" >/dev/null 2>&1 || missing="$missing $pkg"
	done
	if want_tls; then
		command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
	fi
	[ -z "$missing" ] ||
		die "missing tools; install them with: apt-get install -y$missing"
	HAVE_ARIA2=0
	if command -v aria2c >/dev/null 2>&1; then
		HAVE_ARIA2=1
	else
		say "aria2c is not installed: its rows are skipped (apt-get install -y aria2)"
	fi
	# curl >= 7.73 for --output-dir
	local v
	v=$(curl --version | awk 'NR == 1 { print $2 }')
	case $v in
	7.[0-6]?.* | 7.7[0-2].* | [0-6].*) die "curl $v is too old: --output-dir needs 7.73 or later" ;;
	esac
}

# build_flags: the compiler flags haul was built with (from its debug
# information), or "unknown".
build_flags() {
	local p
	p=$(readelf --debug-dump=info "$HAUL" 2>/dev/null | awk -F': ' '/DW_AT_producer/ { print $NF; exit }') || true
	p=$(printf '%s\n' "$p" | tr ' ' '\n' | grep -E '^-(O|g|f(sanitize|no-omit))' | tr '\n' ' ' | sed 's/ $//')
	echo "${p:-unknown}"
}

# warn_debug_build: an unoptimised haul is not what users run.
warn_debug_build() {
	case " $(build_flags) " in
	*" -O0 "* | *"-fsanitize"*)
		BUILD_WARNING="**haul was built with $(build_flags) (e.g. ./configure --enable-debug): not an"
		BUILD_WARNING="$BUILD_WARNING optimised build; rebuild with plain ./configure for figures that count.**"
		say "warning: haul was built with $(build_flags): not an optimised build"
		;;
	esac
}
BUILD_WARNING=

tool_versions() {
	local hv git=""
	hv=$("$HAUL" -V 2>/dev/null | head -n 1) || hv="haul (version unknown)"
	# The tree haul was built in (where $HAUL was), if it is a git work tree.
	if command -v git >/dev/null 2>&1 && git -C "$HAUL_TREE" rev-parse --git-dir >/dev/null 2>&1; then
		git=$(git -C "$HAUL_TREE" rev-parse --short HEAD 2>/dev/null || true)
		[ -z "$(git -C "$HAUL_TREE" status --porcelain --untracked-files=no 2>/dev/null)" ] ||
			git="$git, with uncommitted changes"
		git=" (git $git)"
	fi
	echo "- $hv$git, built with: $(build_flags)"
	echo "- $(curl --version | awk 'NR == 1 { print $1, $2, $4, $5 }')"
	echo "- $(wget2 --version 2>/dev/null | head -n 1)"
	if [ "$HAVE_ARIA2" = 1 ]; then
		echo "- $(aria2c --version | head -n 1)"
	else
		echo "- aria2c: not installed (skipped)"
	fi
	echo "- $(nginx -v 2>&1 | head -n 1)"
	echo "- $(iperf3 --version | head -n 1)"
	echo "- $(openssl version 2>/dev/null || echo 'openssl: not installed')"
}

machine() {
	local cpu mem os fs
	cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}")
	[ -r /etc/debian_version ] && os="$os ($(cat /etc/debian_version))"
	fs=$(df -PT "$W" | awk 'NR == 2 { print $2 " on " $1 " (mounted on " $7 ")" }')
	case $fs in
	ext4\ *)
		# An ext4 journal shows as /proc/fs/jbd2/DEVICE-INODE.
		local dev
		dev=$(readlink -f "$(df -P "$W" | awk 'NR == 2 { print $1 }')")
		if compgen -G "/proc/fs/jbd2/${dev##*/}-*" >/dev/null; then
			fs="$fs, with a journal"
		else
			fs="$fs, without a journal (see case 6)"
		fi
		;;
	esac
	echo "- $(nproc) CPUs: ${cpu:-unknown}; $mem RAM"
	echo "- kernel $(uname -r) $(uname -m); ${os:-unknown OS}"
	echo "- output files written to $fs"
	echo "- load average at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	if [ "$NOWAIT" = 1 ]; then
		echo "- --no-wait: runs started whatever the load (figures from a busy machine are noisy)"
	else
		echo "- each run waited (up to ${QUIET_WAIT} s) for other processes to use less than ${QUIET_PCT}% of"
		echo "  the CPUs; $NOISY of $STARTS runs had to start with the machine busier than that"
	fi
}

# ---------------------------------------------------------------- set-up

now() { date +%s.%N; }

# size BYTES: "1 GiB", "64 MiB".
size() {
	if [ $(($1 % GiB)) = 0 ]; then echo "$(($1 / GiB)) GiB"; else echo "$(($1 / MiB)) MiB"; fi
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	[ -n "${CUR_PID:-}" ] && kill -KILL "$CUR_PID" 2>/dev/null && wait "$CUR_PID" 2>/dev/null
	if [ -n "${W:-}" ] && [ -s "$W/iperf.pid" ]; then
		kill "$(cat "$W/iperf.pid")" 2>/dev/null
	fi
	if [ -n "${NGINX_PID:-}" ]; then
		kill -TERM "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null
	fi
	if [ -n "${W:-}" ] && [ -d "$W" ]; then
		if [ "$KEEP" = 1 ]; then
			say "kept $W"
		else
			rm -rf "$W"
		fi
	fi
	exit "$rc"
}

# A port nobody listens on, below the ephemeral range.
free_port() {
	local p hex i
	for ((i = 0; i < 100; i++)); do
		p=$((20000 + RANDOM % 12000))
		hex=$(printf '%04X' "$p")
		if ! awk -v h=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == h { f = 1 } END { exit !f }' \
			/proc/net/tcp /proc/net/tcp6 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	die "no free port found"
}

raise_nofile() {
	local want=$((STREAMS * 4 + 256)) hard
	[ "$want" -ge 4096 ] || want=4096
	hard=$(ulimit -Hn)
	if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
		ulimit -Hn "$want" 2>/dev/null || true
		hard=$(ulimit -Hn)
	fi
	[ "$hard" = unlimited ] || [ "$hard" -ge "$want" ] || want=$hard
	ulimit -Sn "$want" 2>/dev/null || true
	NOFILE=$(ulimit -Sn)
	[ "$NOFILE" -ge $((STREAMS * 3 + 64)) ] ||
		say "warning: open files limited to $NOFILE, low for $STREAMS streams"
}

# make_cert: a self-signed certificate for 127.0.0.1 (and localhost), an EC
# P-256 key, valid for two days; the clients trust it as their only CA.
make_cert() {
	CERT=$W/nginx/cert.pem
	KEY=$W/nginx/key.pem
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=127.0.0.1 -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
		-addext 'basicConstraints=critical,CA:TRUE' \
		-keyout "$KEY" -out "$CERT" >"$W/logs/openssl-req.log" 2>&1 ||
		die "openssl could not make a certificate: $(tail -n 2 "$W/logs/openssl-req.log")"
}

start_nginx() {
	local i port port1 port2 conf=$W/nginx/nginx.conf user="" tls=""
	mkdir -p "$W/nginx/tmp"
	# As root the workers would run as nobody and could not read $W.
	[ "$(id -u)" = 0 ] && user="user root;"
	want_tls && make_cert
	for ((i = 0; i < 10; i++)); do
		port=$(free_port)
		port1=$(free_port)
		port2=$(free_port)
		if [ "$port" = "$port1" ] || [ "$port" = "$port2" ] || [ "$port1" = "$port2" ]; then
			continue
		fi
		tls=""
		if want_tls; then
			# One server, three ports: plain HTTP, HTTPS offering only
			# HTTP/1.1, HTTPS offering HTTP/2 (ALPN decides; no client
			# needs a flag for its version).  TLS 1.3 as most servers
			# speak it now (nginx 1.22 leaves it out by default).
			tls="listen 127.0.0.1:$port1 ssl backlog=4096;
			        listen 127.0.0.1:$port2 ssl http2 backlog=4096;
			        ssl_protocols TLSv1.2 TLSv1.3;
			        ssl_certificate $CERT;
			        ssl_certificate_key $KEY;"
		fi
		cat >"$conf" <<-CONF
			$user
			worker_processes 1;
			worker_rlimit_nofile $NOFILE;
			daemon off;
			pid $W/nginx/nginx.pid;
			error_log $W/nginx/error.log warn;
			events { worker_connections $((STREAMS + 1024)); }
			http {
			    access_log off;
			    sendfile on;
			    tcp_nopush on;
			    gzip off;
			    keepalive_requests 100000;
			    types { }
			    default_type application/octet-stream;
			    client_body_temp_path $W/nginx/tmp;
			    proxy_temp_path $W/nginx/tmp;
			    fastcgi_temp_path $W/nginx/tmp;
			    uwsgi_temp_path $W/nginx/tmp;
			    scgi_temp_path $W/nginx/tmp;
			    server {
			        listen 127.0.0.1:$port backlog=4096;
			        $tls
			        root $W/www;
			        location /slow/ { limit_rate $SLOW_RATE; }
			        location /seg/ { limit_rate $SEG_RATE; }
			    }
			}
		CONF
		nginx -c "$conf" -e "$W/nginx/error.log" </dev/null >/dev/null 2>&1 &
		NGINX_PID=$!
		local j
		for ((j = 0; j < 50; j++)); do
			if curl -sf -o /dev/null "http://127.0.0.1:$port/ping" &&
				{ ! want_tls || curl -sf --cacert "$CERT" -o /dev/null "https://127.0.0.1:$port2/ping"; }; then
				URL=http://127.0.0.1:$port
				URL_H1=https://127.0.0.1:$port1
				URL_H2=https://127.0.0.1:$port2
				say "nginx $NGINX_PID on $URL, serving $W/www"
				want_tls && say "  and on $URL_H1 (HTTPS, HTTP/1.1) and $URL_H2 (HTTPS, HTTP/2)"
				return 0
			fi
			kill -0 "$NGINX_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$NGINX_PID" 2>/dev/null || true
		wait "$NGINX_PID" 2>/dev/null || true
		NGINX_PID=
	done
	die "could not start nginx: $(tail -n 3 "$W/nginx/error.log" 2>/dev/null)"
}

# tls_check: what each HTTPS port negotiates with OpenSSL's client (the TLS
# library of curl and haul), and that every tool speaks the expected HTTP
# version there; sets TLS_CIPHER (e.g. TLS_AES_256_GCM_SHA384) and fills
# $W/tls.md for the report.
tls_check() {
	local p v line
	TLS_CIPHER=$(openssl s_client -connect "${URL_H2#https://}" -CAfile "$CERT" -alpn h2,http/1.1 </dev/null 2>/dev/null |
		awk '/Cipher is/ { print $NF; exit }')
	line=$(openssl s_client -connect "${URL_H2#https://}" -CAfile "$CERT" -alpn h2,http/1.1 </dev/null 2>/dev/null |
		awk '/^New, / { sub(/,$/, "", $2); print $2; exit }')
	{
		echo "- TLS: ${line:-?} with ${TLS_CIPHER:-?} (as OpenSSL's client negotiates it; an EC P-256"
		echo "  certificate made for this run)"
		for p in h1 h2; do
			local u=$URL_H1/ping want=1.1
			[ "$p" = h1 ] || { u=$URL_H2/ping; want=2; }
			v=$(curl -sS --cacert "$CERT" -o /dev/null -w '%{http_version}' "$u" 2>/dev/null || echo '?')
			line="curl: HTTP/$v"
			v=$("$HAUL" -v --cacert "$CERT" -o /dev/null "$u" 2>&1 | awk '/^< HTTP\// { sub(/^< /, ""); print $1; exit }')
			line="$line, haul: ${v:-?}"
			v=$(wget2 -d --ca-certificate="$CERT" -O /dev/null "$u" 2>&1 | grep -o -m 1 -E 'ALPN: Server accepted protocol .*|HTTP/[0-9.]+ 200' | head -n 1)
			line="$line, wget2: ${v:-?}"
			echo "- port offering HTTP/$want: $line"
		done
	} >"$W/tls.md"
}

# gen FILE BYTES: random content, so that nothing could compress it.
gen() { head -c "$2" /dev/urandom >"$1"; }

prepare_files() {
	mkdir -p "$W/www" "$W/home" "$W/out"
	echo ok >"$W/www/ping"
	: >"$W/www/empty"
	if want null || want file || want memstats || want tls-h1 || want tls-h2; then
		say "generating $(size "$BIG") big file"
		gen "$W/www/big" "$BIG"
	fi
	if want par; then
		say "generating $PAR_N x $(size "$PAR_SIZE") files"
		mkdir -p "$W/www/par"
		local i
		for ((i = 1; i <= PAR_N; i++)); do
			gen "$W/www/par/$(printf 'f%04d' "$i")" "$PAR_SIZE"
		done
	fi
	if want slow; then
		# One long body under many names (hard links): the content does not
		# matter, each stream only ever gets a few KiB of it.
		mkdir -p "$W/www/slow"
		gen "$W/www/slow/body" $((4 * MiB))
		local i
		for ((i = 1; i <= STREAMS; i++)); do
			ln "$W/www/slow/body" "$W/www/slow/$(printf 's%05d' "$i")"
		done
	fi
	if want seg; then
		mkdir -p "$W/www/seg"
		gen "$W/www/seg/file" "$SEG_SIZE"
	fi
	if want small-files; then
		say "generating $SMALL_N x $((SMALL_SIZE / KiB)) KiB files"
		mkdir -p "$W/www/small"
		gen "$W/small.blob" $((SMALL_N * SMALL_SIZE))
		split -b "$SMALL_SIZE" -d -a 5 "$W/small.blob" "$W/www/small/f"
		rm -f "$W/small.blob"
	fi
	if want h2-par; then
		say "generating $H2_N x $(size "$H2_SIZE") files"
		mkdir -p "$W/www/h2"
		local i
		for ((i = 1; i <= H2_N; i++)); do
			gen "$W/www/h2/$(printf 'f%04d' "$i")" "$H2_SIZE"
		done
	fi
}

# ---------------------------------------------------------------- measuring

# Results, one line per tool run (tab-separated):
#   case tool run wall user sys rss_kib bytes status MB/s cpu_s_per_GiB
RES=
# Commands, one line per case and tool: case tool command
CMDS=

# record_cmd CASE TOOL TEXT: the command line shown in the report.
record_cmd() {
	grep -q "^$1	$2	" "$CMDS" 2>/dev/null || printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$CMDS"
}

# rotate N WORD...: the words, rotated left by N (a different order each run).
rotate() {
	local n=$1
	shift
	local a=("$@") k
	k=$((n % ${#a[@]}))
	printf '%s\n' "${a[@]:k}" "${a[@]:0:k}"
}

# bytes_of PATH: size of a file, or of all files under a directory (less
# resume journals and control files).
bytes_of() {
	if [ -d "$1" ]; then
		find "$1" -type f ! -name '*.haul' ! -name '*.aria2' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
	elif [ -f "$1" ]; then
		stat -c %s "$1"
	else
		echo 0
	fi
}

# measure CASE TOOL RUN BYTES CHECK CMD...
# Runs CMD, times it and appends a line to $RES.  CHECK is a file or a
# directory that must hold BYTES afterwards, or - for no check.
measure() {
	local case=$1 tool=$2 run=$3 bytes=$4 check=$5
	shift 5
	local log=$W/logs/$case.$tool.$run.log rc=0 wall user sys rss status got srv0 srv1
	wait_quiet
	TIMEFORMAT='%3R %3U %3S'
	srv0=$(server_ticks)
	{ time /usr/bin/time -f '%M' -o "$W/rss.out" "$@" >"$log" 2>&1 </dev/null; } 2>"$W/time.out" || rc=$?
	srv1=$(server_ticks)
	read -r wall user sys <"$W/time.out"
	rss=$(tail -n 1 "$W/rss.out")
	status=ok
	if [ "$rc" != 0 ]; then
		status="exit $rc"
	elif [ "$check" != - ]; then
		got=$(bytes_of "$check")
		[ "$got" = "$bytes" ] || status="wrote $got of $bytes bytes"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$case" "$tool" "$run" "$wall" "$user" "$sys" "$rss" "$bytes" "$status" \
		"$(awk -v b="$bytes" -v w="$wall" 'BEGIN { printf "%.1f", (w > 0 ? b / w / 1e6 : 0) }')" \
		"$(awk -v b="$bytes" -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f", (u + s) / (b / 1073741824) }')" \
		"$(awk -v a="$srv0" -v z="$srv1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", (z - a) / hz }')" \
		>>"$RES"
	if [ "$status" = ok ]; then
		say "$(printf '  run %d %-9s %-14s %7.3f s %8.1f MB/s  cpu %.2f s  rss %d MiB' \
			"$run" "$case" "$tool" "$wall" "$(awk -v b="$bytes" -v w="$wall" 'BEGIN { print b / w / 1e6 }')" \
			"$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" $((rss / 1024)))"
	else
		say "  run $run $case $tool: FAILED ($status): $(grep -v '^ *$' "$log" | tail -n 1 | cut -c1-160)"
	fi
}

# server_ticks: CPU time (utime + stime, clock ticks) of nginx's workers so
# far; measure() takes it before and after a run, which says whether the
# server, on the other core, was the limit.
server_ticks() {
	local p t=0
	for p in $(pgrep -P "${NGINX_PID:-0}" 2>/dev/null); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}

# cpu_busy: "busy total" jiffies of all CPUs, from /proc/stat.
cpu_busy() {
	awk '/^cpu / { for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat
}

# wait_quiet: on a shared machine, waits (up to QUIET_WAIT s) until other
# processes keep less than QUIET_PCT % of all CPUs busy, so that a run does
# not start in the middle of someone's build; counts the runs that had to
# start anyway.  (Between runs nothing of the benchmark's own is running.)
# All the waits of a run together last at most QUIET_BUDGET s.
QUIET_PCT=15
QUIET_WAIT=30
QUIET_BUDGET=600
NOISY=0
STARTS=0
wait_quiet() {
	local i b0 t0 b1 t1 pct=0
	STARTS=$((STARTS + 1))
	[ "$NOWAIT" = 0 ] || return 0
	for ((i = 0; i < QUIET_WAIT; i++)); do
		read -r b0 t0 < <(cpu_busy)
		sleep 0.3
		read -r b1 t1 < <(cpu_busy)
		pct=$((t1 > t0 ? (b1 - b0) * 100 / (t1 - t0) : 0))
		[ "$pct" -ge "$QUIET_PCT" ] || return 0
		[ "$i" != 0 ] || say "  waiting for a quieter machine: other processes use $pct% of the CPUs"
		[ "$QUIET_BUDGET" -gt 0 ] || break
		QUIET_BUDGET=$((QUIET_BUDGET - 1))
		sleep 0.7
	done
	say "  running anyway: other processes use $pct% of the CPUs"
	NOISY=$((NOISY + 1))
}

# fresh_out: an empty output directory, and no dirty pages of the last run
# being written back while the next one runs.
fresh_out() {
	rm -rf "$W/out"
	mkdir -p "$W/out"
	sync
}

# ---------------------------------------------------------------- case 1

run_iperf() { # RUN
	local run=$1 port i bytes secs json=$W/logs/big-null.iperf3.$1.json
	for ((i = 0; i < 5; i++)); do
		port=$(free_port)
		rm -f "$W/iperf.pid"
		[ "$i" != 0 ] || wait_quiet
		iperf3 -s -1 -D -p "$port" -I "$W/iperf.pid" --logfile "$W/logs/iperf3-server.log" || continue
		local j
		for ((j = 0; j < 20; j++)); do
			if iperf3 -c 127.0.0.1 -p "$port" -t "$IPERF_SECS" -J >"$json" 2>&1; then
				# The receiver's total: "sum_received": { ..., "seconds": S, "bytes": B, ...
				read -r secs bytes < <(awk '
					/"sum_received"/ { f = 1 }
					f && /"seconds"/ { gsub(/[^0-9.eE+-]/, "", $2); s = $2 }
					f && /"bytes"/ { gsub(/[^0-9.eE+-]/, "", $2); b = $2 }
					f && /}/ { print s, b; exit }' "$json")
				printf '%s\t%s\t%s\t%s\t-\t-\t-\t%s\tok\t%s\t-\n' big-null iperf3 "$run" "$secs" "$bytes" \
					"$(awk -v b="$bytes" -v w="$secs" 'BEGIN { printf "%.1f", b / w / 1e6 }')" >>"$RES"
				say "$(printf '  run %d %-9s %-14s %7.3f s %8.1f MB/s' "$run" big-null iperf3 "$secs" \
					"$(awk -v b="$bytes" -v w="$secs" 'BEGIN { print b / w / 1e6 }')")"
				return 0
			fi
			sleep 0.1
		done
		[ -s "$W/iperf.pid" ] && kill "$(cat "$W/iperf.pid")" 2>/dev/null
	done
	printf '%s\t%s\t%s\t-\t-\t-\t-\t0\tfailed\t-\t-\n' big-null iperf3 "$run" >>"$RES"
	say "  run $run big-null iperf3: FAILED: $(tail -n 2 "$json" 2>/dev/null | tr '\n' ' ')"
}

case_null() {
	local u=$URL/big run tool tools=(haul curl wget2 iperf3)
	say "case 1: $(size "$BIG") to /dev/null"
	record_cmd big-null haul "haul -o /dev/null URL"
	record_cmd big-null curl "curl -sS -o /dev/null URL"
	record_cmd big-null wget2 "wget2 -q -O /dev/null URL"
	record_cmd big-null iperf3 "iperf3 -c 127.0.0.1 -t $IPERF_SECS -J (server: iperf3 -s -1 -D)"
	for ((run = 1; run <= RUNS; run++)); do
		for tool in $(rotate "$run" "${tools[@]}"); do
			case $tool in
			haul) measure big-null haul "$run" "$BIG" - "$HAUL" -o /dev/null "$u" ;;
			curl) measure big-null curl "$run" "$BIG" - curl -sS -o /dev/null "$u" ;;
			wget2) measure big-null wget2 "$run" "$BIG" - wget2 -q -O /dev/null "$u" ;;
			iperf3) run_iperf "$run" ;;
			esac
		done
	done
}

case_file() {
	local u=$URL/big run tool ftools=(haul curl wget2)
	[ "$HAVE_ARIA2" = 1 ] && ftools+=(aria2c)
	say "case 1: $(size "$BIG") to a file"
	record_cmd big-file haul "haul -o FILE URL"
	record_cmd big-file curl "curl -sS -o FILE URL"
	record_cmd big-file wget2 "wget2 -q -O FILE URL"
	record_cmd big-file aria2c "aria2c -q -d DIR -o FILE --allow-overwrite=true --auto-file-renaming=false URL"
	for ((run = 1; run <= RUNS; run++)); do
		for tool in $(rotate "$run" "${ftools[@]}"); do
			fresh_out
			local f=$W/out/big
			case $tool in
			haul) measure big-file haul "$run" "$BIG" "$f" "$HAUL" -o "$f" "$u" ;;
			curl) measure big-file curl "$run" "$BIG" "$f" curl -sS -o "$f" "$u" ;;
			wget2) measure big-file wget2 "$run" "$BIG" "$f" wget2 -q -O "$f" "$u" ;;
			aria2c) measure big-file aria2c "$run" "$BIG" "$f" aria2c -q -d "$W/out" -o big \
				--allow-overwrite=true --auto-file-renaming=false "$u" ;;
			esac
		done
	done
	fresh_out
}

# ---------------------------------------------------------------- case 2

case_par() {
	local run tool tools=(haul curl wget2) urls=() i d=$W/out total=$((PAR_N * PAR_SIZE))
	[ "$HAVE_ARIA2" = 1 ] && tools+=(aria2c)
	for ((i = 1; i <= PAR_N; i++)); do urls+=("$URL/par/$(printf 'f%04d' "$i")"); done
	printf '%s\n' "${urls[@]}" >"$W/par.list"
	say "case 2: $PAR_N x $(size "$PAR_SIZE"), $PAR_P at once"
	record_cmd par haul "haul -P $PAR_P --parallel-host $PAR_P -O --output-dir DIR URL x$PAR_N"
	record_cmd par curl "curl -sS -Z --parallel-max $PAR_P --remote-name-all --output-dir DIR URL x$PAR_N"
	record_cmd par wget2 "wget2 -q --max-threads=$PAR_P -P DIR URL x$PAR_N"
	record_cmd par aria2c "aria2c -q -j $PAR_P -d DIR -i LIST --allow-overwrite=true --auto-file-renaming=false"
	for ((run = 1; run <= RUNS; run++)); do
		for tool in $(rotate "$run" "${tools[@]}"); do
			fresh_out
			case $tool in
			haul) measure par haul "$run" "$total" "$d" \
				"$HAUL" -P "$PAR_P" --parallel-host "$PAR_P" -O --output-dir "$d" "${urls[@]}" ;;
			curl) measure par curl "$run" "$total" "$d" \
				curl -sS -Z --parallel-max "$PAR_P" --remote-name-all --output-dir "$d" "${urls[@]}" ;;
			wget2) measure par wget2 "$run" "$total" "$d" \
				wget2 -q --max-threads="$PAR_P" -P "$d" "${urls[@]}" ;;
			aria2c) measure par aria2c "$run" "$total" "$d" \
				aria2c -q -j "$PAR_P" -d "$d" -i "$W/par.list" --allow-overwrite=true --auto-file-renaming=false ;;
			esac
		done
	done
	fresh_out
}

# ---------------------------------------------------------------- case 3

CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# proc_sample PID: "rss_kib hwm_kib cpu_ticks" of a live process, or fails.
proc_sample() {
	local st rest a rss hwm
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	rest=${st##*) }
	read -r -a a <<<"$rest"
	[ "${a[0]}" != Z ] || return 1
	read -r rss hwm < <(awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r + 0, h + 0 }' "/proc/$1/status" 2>/dev/null) || return 1
	echo "$rss $hwm $((a[11] + a[12]))"
}

# stream_run CASE TOOL RUN N SECS DIR CMD...
# Runs CMD in the background for SECS seconds, sampling it every second,
# then stops it (TERM, then KILL after 5 s) and counts the output files that
# got at least one byte.  Appends to $SLOW:
#   tool run n rss_end_kib hwm_kib cpu_pct progressed status
stream_run() {
	local case=$1 tool=$2 run=$3 n=$4 secs=$5 dir=$6
	shift 6
	local log=$W/logs/$case.$tool.$run.log pid t0 i t s rss=0 hwm=0 ticks
	local warm=$((secs / 3)) warm_t="" warm_ticks="" last_t="" last_ticks="" status=ok rc=0
	[ "$warm" -ge 1 ] || warm=1
	wait_quiet
	"$@" >"$log" 2>&1 </dev/null &
	pid=$!
	CUR_PID=$pid
	t0=$(now)
	: >"$W/logs/$case.$tool.$run.samples"
	for ((i = 1; i <= secs; i++)); do
		sleep "$(awk -v t0="$t0" -v i="$i" -v now="$(now)" 'BEGIN { d = t0 + i - now; printf "%.3f", (d > 0 ? d : 0) }')"
		t=$(now)
		if ! s=$(proc_sample "$pid"); then
			status="exited after ${i}s"
			break
		fi
		read -r rss hwm ticks <<<"$s"
		echo "$t $s" >>"$W/logs/$case.$tool.$run.samples"
		if [ "$i" = "$warm" ]; then warm_t=$t warm_ticks=$ticks; fi
		last_t=$t last_ticks=$ticks
	done
	kill -TERM "$pid" 2>/dev/null || true
	(sleep 5 && kill -KILL "$pid" 2>/dev/null) &
	local killer=$!
	wait "$pid" 2>/dev/null || rc=$?
	kill "$killer" 2>/dev/null || true
	wait "$killer" 2>/dev/null || true
	CUR_PID=
	[ "$status" = ok ] || status="$status (exit $rc)"
	local cpu=- prog
	if [ -n "$warm_t" ] && [ "$last_t" != "$warm_t" ]; then
		cpu=$(awk -v a="$warm_ticks" -v b="$last_ticks" -v ta="$warm_t" -v tb="$last_t" -v hz="$CLK_TCK" \
			'BEGIN { printf "%.1f", (b - a) / hz / (tb - ta) * 100 }')
	fi
	prog=$(find "$dir" -type f -size +0 ! -name '*.haul' ! -name '*.aria2' | wc -l)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$run" "$n" "$rss" "$hwm" "$cpu" "$prog" "$status" >>"$SLOW"
	say "$(printf '  run %s %-9s %-8s %5d streams: %d progressed, rss %d KiB, cpu %s%%  %s' \
		"$run" "$case" "$tool" "$n" "$prog" "$rss" "$cpu" "$status")"
	if [ "$status" != ok ]; then
		say "    $(grep -v '^ *$' "$log" | tail -n 1 | cut -c1-160)"
	fi
}

# slow_cmd TOOL N LIST DIR: sets CMD to the command that fetches the first N
# URLs of LIST into DIR, all at once.
slow_cmd() {
	local tool=$1 n=$2 list=$3 dir=$4 urls
	mapfile -t urls < <(head -n "$n" "$list")
	head -n "$n" "$list" >"$list.$n"
	case $tool in
	haul) CMD=("$HAUL" -P "$n" --parallel-host "$n" -O --output-dir "$dir" "${urls[@]}") ;;
	# Without --parallel-immediate curl -Z waits to learn whether it can
	# multiplex on the first connection, and over HTTP/1.1 the slow
	# streams then go one at a time.
	curl) CMD=(curl -sS -Z --parallel-immediate --parallel-max "$n" --remote-name-all --output-dir "$dir" "${urls[@]}") ;;
	wget2) CMD=(wget2 -q --max-threads="$n" -P "$dir" "${urls[@]}") ;;
	# --file-allocation=none: preallocated files would look like progress.
	aria2c) CMD=(aria2c -q -j "$n" -d "$dir" -i "$list.$n" --file-allocation=none
		--allow-overwrite=true --auto-file-renaming=false) ;;
	# libcurl alone (bench/floor.c): the floor under haul's per-stream figure.
	libcurl) CMD=("$W/floor" "$dir" "$list.$n" "$n") ;;
	esac
}

# build_floor: compiles bench/floor.c into $W/floor; true when it could.
build_floor() {
	# shellcheck disable=SC2046
	${CC:-cc} -O2 -o "$W/floor" "$BENCH_DIR/floor.c" $(pkg-config --cflags --libs libcurl) \
		>"$W/logs/floor.build.log" 2>&1
}

SLOW=
CMD=()

case_slow() {
	local run tool tools=(haul curl wget2) i n=$STREAMS
	[ "$HAVE_ARIA2" = 1 ] && tools+=(aria2c)
	if build_floor; then
		tools+=(libcurl)
	else
		say "bench/floor.c did not build (see $W/logs/floor.build.log): no libcurl floor row"
	fi
	for ((i = 1; i <= n; i++)); do echo "$URL/slow/$(printf 's%05d' "$i")"; done >"$W/slow.list"
	say "case 3: $n slow streams ($SLOW_RATE/s each) for ${DURATION}s; first each tool with one stream"
	record_cmd slow haul "haul -P $n --parallel-host $n -O --output-dir DIR URL x$n"
	record_cmd slow curl "curl -sS -Z --parallel-immediate --parallel-max $n --remote-name-all --output-dir DIR URL x$n"
	record_cmd slow wget2 "wget2 -q --max-threads=$n -P DIR URL x$n"
	record_cmd slow aria2c "aria2c -q -j $n -d DIR -i LIST --file-allocation=none --allow-overwrite=true --auto-file-renaming=false"
	record_cmd slow libcurl "bench/floor DIR LIST $n (libcurl $(curl-config --version 2>/dev/null | cut -d' ' -f2) alone: N easy handles, default buffer, a file each)"
	# The baseline: each tool with one stream (its "idle" RSS).
	for tool in "${tools[@]}"; do
		fresh_out
		slow_cmd "$tool" 1 "$W/slow.list" "$W/out"
		stream_run slow-1 "$tool" 1 1 "$BASE_SECS" "$W/out" "${CMD[@]}"
	done
	for ((run = 1; run <= RUNS; run++)); do
		for tool in $(rotate "$run" "${tools[@]}"); do
			fresh_out
			slow_cmd "$tool" "$n" "$W/slow.list" "$W/out"
			stream_run slow "$tool" "$run" "$n" "$DURATION" "$W/out" "${CMD[@]}"
		done
	done
	fresh_out
}

# ---------------------------------------------------------------- case 4

case_seg() {
	local run tool tools=(haul-x1 "haul-x$SEG_N" curl wget2) u=$URL/seg/file f=$W/out/file
	[ "$HAVE_ARIA2" = 1 ] && tools+=(aria2c-x1 "aria2c-x$SEG_N")
	say "case 4: $(size "$SEG_SIZE") at $SEG_RATE/s per connection, over 1 and $SEG_N connections"
	record_cmd seg haul-x1 "haul -o FILE URL"
	record_cmd seg "haul-x$SEG_N" "haul -x $SEG_N -o FILE URL"
	record_cmd seg curl "curl -sS -o FILE URL"
	record_cmd seg wget2 "wget2 -q -O FILE URL"
	record_cmd seg aria2c-x1 "aria2c -q -x 1 -s 1 -d DIR -o FILE URL"
	record_cmd seg "aria2c-x$SEG_N" "aria2c -q -x $SEG_N -s $SEG_N -k 1M -d DIR -o FILE URL"
	for ((run = 1; run <= RUNS; run++)); do
		for tool in $(rotate "$run" "${tools[@]}"); do
			fresh_out
			case $tool in
			haul-x1) measure seg "$tool" "$run" "$SEG_SIZE" "$f" "$HAUL" -o "$f" "$u" ;;
			haul-x*) measure seg "$tool" "$run" "$SEG_SIZE" "$f" "$HAUL" -x "$SEG_N" -o "$f" "$u" ;;
			curl) measure seg curl "$run" "$SEG_SIZE" "$f" curl -sS -o "$f" "$u" ;;
			wget2) measure seg wget2 "$run" "$SEG_SIZE" "$f" wget2 -q -O "$f" "$u" ;;
			aria2c-x1) measure seg "$tool" "$run" "$SEG_SIZE" "$f" aria2c -q -x 1 -s 1 -d "$W/out" -o file \
				--allow-overwrite=true --auto-file-renaming=false "$u" ;;
			aria2c-x*) measure seg "$tool" "$run" "$SEG_SIZE" "$f" aria2c -q -x "$SEG_N" -s "$SEG_N" -k 1M \
				-d "$W/out" -o file --allow-overwrite=true --auto-file-renaming=false "$u" ;;
			esac
		done
	done
	fresh_out
}

# ---------------------------------------------------------------- case 5

case_memstats() {
	local run tool u=$URL/big
	say "case 5: haul, $(size "$BIG") to /dev/null, --memstats off and on ($MEM_RUNS runs each)"
	record_cmd memstats haul "haul -o /dev/null URL"
	record_cmd memstats haul-memstats "haul --memstats -o /dev/null URL"
	for ((run = 1; run <= MEM_RUNS; run++)); do
		for tool in $(rotate "$run" haul haul-memstats); do
			case $tool in
			haul) measure memstats haul "$run" "$BIG" - "$HAUL" -o /dev/null "$u" ;;
			haul-memstats) measure memstats haul-memstats "$run" "$BIG" - "$HAUL" --memstats -o /dev/null "$u" ;;
			esac
		done
	done
}

# ---------------------------------------------------------------- case 6

# Each run writes into a directory of its own, and the directories are
# removed together after the last run.  On ext4 without a journal (the
# machine section says which), creating a file walks the inodes freed in
# its group in the last 60 s, or 6 minutes while their inode table block
# is dirty (recently_deleted(), which the kernel checks only without a
# journal): perf showed up to 300 us of kernel time per file after 5,000
# deletions, against 20 us in a fresh directory, for every tool alike.  So
# a run must not follow a deletion of 5,000 files; one that follows the
# test suite's deletions (minutes before the bench) can still be slow.
case_small() {
	local run tool tools=(haul curl wget2) urls=() i d total=$((SMALL_N * SMALL_SIZE)) p=$SMALL_P
	[ "$HAVE_ARIA2" = 1 ] && tools+=(aria2c)
	# libcurl alone (bench/smallfloor.c), writing files as haul does and as
	# curl does: the floor under each tool's CPU per file.
	# shellcheck disable=SC2046
	if ${CC:-cc} -O2 -o "$W/smallfloor" "$BENCH_DIR/smallfloor.c" \
		$(pkg-config --cflags --libs libcurl) >"$W/logs/smallfloor.build.log" 2>&1; then
		tools+=(libcurl-haul libcurl-curl)
	else
		say "bench/smallfloor.c did not build (see $W/logs/smallfloor.build.log): no libcurl floor rows"
	fi
	for ((i = 0; i < SMALL_N; i++)); do urls+=("$URL/small/$(printf 'f%05d' "$i")"); done
	printf '%s\n' "${urls[@]}" >"$W/small.list"
	say "case 6: $SMALL_N x $((SMALL_SIZE / KiB)) KiB, $p at once"
	record_cmd small-files haul "haul -P $p --parallel-host $p -O --output-dir DIR -i LIST"
	record_cmd small-files curl "curl -sS -Z --parallel-max $p --remote-name-all --output-dir DIR URL x$SMALL_N"
	record_cmd small-files wget2 "wget2 -q --max-threads=$p -P DIR -i LIST"
	record_cmd small-files aria2c "aria2c -q -j $p -d DIR -i LIST --allow-overwrite=true --auto-file-renaming=false"
	record_cmd small-files libcurl-haul "bench/smallfloor haul DIR LIST $p (libcurl alone, haul's file pattern)"
	record_cmd small-files libcurl-curl "bench/smallfloor curl DIR LIST $p (libcurl alone, curl's file pattern)"
	rm -rf "$W/small-out"
	for ((run = 1; run <= FILE_RUNS; run++)); do
		for tool in $(rotate "$run" "${tools[@]}"); do
			d=$W/small-out/$tool.$run
			mkdir -p "$d"
			sync
			case $tool in
			haul) measure small-files haul "$run" "$total" "$d" \
				"$HAUL" -P "$p" --parallel-host "$p" -O --output-dir "$d" -i "$W/small.list" ;;
			curl) measure small-files curl "$run" "$total" "$d" \
				curl -sS -Z --parallel-max "$p" --remote-name-all --output-dir "$d" "${urls[@]}" ;;
			wget2) measure small-files wget2 "$run" "$total" "$d" \
				wget2 -q --max-threads="$p" -P "$d" -i "$W/small.list" ;;
			aria2c) measure small-files aria2c "$run" "$total" "$d" \
				aria2c -q -j "$p" -d "$d" -i "$W/small.list" --allow-overwrite=true --auto-file-renaming=false ;;
			libcurl-*) measure small-files "$tool" "$run" "$total" "$d" \
				"$W/smallfloor" "${tool#libcurl-}" "$d" "$W/small.list" "$p" ;;
			esac
		done
	done
	fs_floor
	rm -rf "$W/small-out"
	fresh_out
}

# fs_floor: the system calls of curl's and of haul's pattern for a new
# output file, without the network (bench/fsfloor.c), FILE_RUNS times each
# in fresh directories; "PATTERN\tRUN\tUS_PER_FILE" lines in $FSFLOOR.
fs_floor() {
	local run pat d line
	: >"$FSFLOOR"
	${CC:-cc} -O2 -o "$W/fsfloor" "$BENCH_DIR/fsfloor.c" >"$W/logs/fsfloor.build.log" 2>&1 || {
		say "bench/fsfloor.c did not build (see $W/logs/fsfloor.build.log): no file system floor"
		return 0
	}
	for ((run = 1; run <= FILE_RUNS; run++)); do
		for pat in $(rotate "$run" curl haul); do
			d=$W/small-out/fs-$pat.$run
			mkdir -p "$d"
			sync
			wait_quiet
			line=$("$W/fsfloor" "$pat" "$d" "$SMALL_N" "$SMALL_SIZE") || continue
			say "  run $run fs-floor  $line"
			printf '%s\t%s\t%s\n' "$pat" "$run" "$(echo "$line" | awk '{ print $4 }')" >>"$FSFLOOR"
		done
	done
}

# fs_floor_us PATTERN: the median of its runs (µs of CPU per file).
fs_floor_us() {
	awk -F'\t' -v p="$1" '$1 == p { print $3 }' "$FSFLOOR" | median %.1f
}

# ---------------------------------------------------------------- case 11

# biglist_list N FILE: N lines "URL /dev/null", each URL its own.
biglist_list() {
	awk -v n="$1" -v u="$URL/empty" 'BEGIN { for (i = 1; i <= n; i++) printf "%s?i=%d /dev/null\n", u, i }' >"$2"
}

case_biglist() {
	local run tool p=32
	biglist_list 1000 "$W/list-1k"
	biglist_list "$LIST_URLS" "$W/list-big"
	say "case 11: -i lists of 1,000 and $LIST_URLS URLs, $p at once, peak RSS"
	record_cmd biglist haul-1k "haul -q -P $p --parallel-host $p -i LIST(1,000 lines)"
	record_cmd biglist haul-big "haul -q -P $p --parallel-host $p -i LIST($LIST_URLS lines)"
	for ((run = 1; run <= RUNS; run++)); do
		for tool in $(rotate "$run" haul-1k haul-big); do
			measure biglist "$tool" "$run" 0 - "$HAUL" -q -P "$p" --parallel-host "$p" \
				-i "$W/list-${tool#haul-}"
		done
	done
}

report_biglist() {
	local small big
	small=$(med_res biglist haul-1k 7)
	big=$(med_res biglist haul-big 7)
	echo "## 11. An -i list of $LIST_URLS URLs against one of 1,000 (peak RSS)"
	echo
	echo "| list | runs ok | wall s | peak RSS MiB |"
	echo "| --- | --- | --- | --- |"
	echo "| 1,000 URLs | $(runs_ok biglist haul-1k) | $(fmt %.2f "$(med_res biglist haul-1k 4)") | $(fmt %.1f "$(awk -v k="$small" 'BEGIN { if (k != "") print k / 1024 }')") |"
	echo "| $LIST_URLS URLs | $(runs_ok biglist haul-big) | $(fmt %.2f "$(med_res biglist haul-big 4)") | $(fmt %.1f "$(awk -v k="$big" 'BEGIN { if (k != "") print k / 1024 }')") |"
	echo
	if [ -n "$small" ] && [ -n "$big" ]; then
		local d
		d=$(awk -v a="$small" -v b="$big" 'BEGIN { printf "%.1f", (b - a) / 1024 }')
		echo "Target: the long list within 32 MiB of the short one: $d MiB more, $(awk -v d="$d" 'BEGIN { print (d <= 32 ? "PASS" : "MISS") }')."
	fi
	echo
	commands biglist
	echo
}

# ---------------------------------------------------------------- cases 7, 8

# tls_floor: one core's rate of decrypting (and authenticating) 16 KiB
# records with the cipher nginx negotiated, from `openssl speed` (CPU time,
# not wall time): the least CPU any client can spend per GiB of TLS.
tls_floor() {
	local evp
	case ${TLS_CIPHER:-} in
	*AES_128_GCM* | *AES128-GCM*) evp=aes-128-gcm ;;
	*AES_256_GCM* | *AES256-GCM*) evp=aes-256-gcm ;;
	*CHACHA20*) evp=chacha20-poly1305 ;;
	*) evp=aes-256-gcm ;;
	esac
	[ -z "${TLS_FLOOR:-}" ] || return 0
	TLS_FLOOR_EVP=$evp
	TLS_FLOOR=$(openssl speed -evp "$evp" -decrypt -bytes 16384 -seconds 3 -mr 2>/dev/null |
		awk -F: '/^\+F:/ { printf "%.0f", $NF / 1e6; exit }')
	TLS_FLOOR_128=$(openssl speed -evp aes-128-gcm -decrypt -bytes 16384 -seconds 3 -mr 2>/dev/null |
		awk -F: '/^\+F:/ { printf "%.0f", $NF / 1e6; exit }')
	say "  openssl speed: $evp decrypts ${TLS_FLOOR:-?} MB/s, aes-128-gcm ${TLS_FLOOR_128:-?} MB/s (one core)"
}

# case_tls CASE BASE_URL: 1 GiB over HTTPS to /dev/null.
case_tls() {
	local c=$1 u=$2/big run tool tools=(haul curl wget2) ca=$CERT
	say "case ${c}: $(size "$BIG") over HTTPS ($u) to /dev/null"
	record_cmd "$c" haul "haul --cacert CERT -o /dev/null URL"
	record_cmd "$c" curl "curl -sS --cacert CERT -o /dev/null URL"
	record_cmd "$c" wget2 "wget2 -q --ca-certificate=CERT -O /dev/null URL"
	for ((run = 1; run <= RUNS; run++)); do
		for tool in $(rotate "$run" "${tools[@]}"); do
			case $tool in
			haul) measure "$c" haul "$run" "$BIG" - "$HAUL" --cacert "$ca" -o /dev/null "$u" ;;
			curl) measure "$c" curl "$run" "$BIG" - curl -sS --cacert "$ca" -o /dev/null "$u" ;;
			wget2) measure "$c" wget2 "$run" "$BIG" - wget2 -q --ca-certificate="$ca" -O /dev/null "$u" ;;
			esac
		done
	done
	tls_floor
}

# ---------------------------------------------------------------- case 9

case_h2par() {
	local run tool tools=(haul curl) urls=() i d=$W/out total=$((H2_N * H2_SIZE)) p=$H2_P ca=$CERT
	for ((i = 1; i <= H2_N; i++)); do urls+=("$URL_H2/h2/$(printf 'f%04d' "$i")"); done
	say "case 9: $H2_N x $(size "$H2_SIZE") over HTTP/2, $p at once"
	record_cmd h2-par haul "haul --cacert CERT -P $p --parallel-host $p -O --output-dir DIR URL x$H2_N"
	record_cmd h2-par curl "curl -sS --cacert CERT -Z --parallel-max $p --remote-name-all --output-dir DIR URL x$H2_N"
	for ((run = 1; run <= FILE_RUNS; run++)); do
		for tool in $(rotate "$run" "${tools[@]}"); do
			fresh_out
			case $tool in
			haul) measure h2-par haul "$run" "$total" "$d" \
				"$HAUL" --cacert "$ca" -P "$p" --parallel-host "$p" -O --output-dir "$d" "${urls[@]}" ;;
			curl) measure h2-par curl "$run" "$total" "$d" \
				curl -sS --cacert "$ca" -Z --parallel-max "$p" --remote-name-all --output-dir "$d" "${urls[@]}" ;;
			esac
		done
	done
	fresh_out
}

# ---------------------------------------------------------------- report

# median FORMAT: the median of the numbers on standard input, printed with
# printf's FORMAT; nothing when there are none.
median() {
	sort -g | awk -v f="$1" '{ a[NR] = $1 } END {
		if (NR) printf f "\n", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# server_share CASE TOOL: the median over ok runs of nginx's CPU time in
# % of the run's wall time ("?" without figures).
server_share() {
	local m
	m=$(awk -F'\t' -v c="$1" -v t="$2" '$1 == c && $2 == t && $9 == "ok" && $12 != "" && $4 > 0 { print 100 * $12 / $4 }' "$RES" |
		median %.0f)
	echo "${m:-?} %"
}

# med_res CASE TOOL COL: median of column COL of $RES over ok runs (empty if none).
med_res() {
	awk -F'\t' -v c="$1" -v t="$2" -v f="$3" '$1 == c && $2 == t && $9 == "ok" && $f != "-" { print $f }' "$RES" |
		median %.6g
}

# spread_res CASE TOOL COL: half the interquartile range (half the range
# for 2 or 3 runs) of column COL over ok runs, in % of the median; empty for
# fewer than 2 runs.
spread_res() {
	awk -F'\t' -v c="$1" -v t="$2" -v f="$3" '$1 == c && $2 == t && $9 == "ok" && $f != "-" { print $f }' "$RES" |
		sort -g | awk '{ a[NR] = $1 } END {
			if (NR < 2) exit
			m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
			if (m <= 0) exit
			if (NR >= 4) { lo = a[int((NR + 3) / 4)]; hi = a[int((3 * NR + 3) / 4)] } else { lo = a[1]; hi = a[NR] }
			printf "%.1f\n", (hi - lo) / 2 / m * 100 }'
}

# with_spread VALUE SPREAD: "2376 ±3.1%", or the value alone.
with_spread() { if [ -n "$2" ]; then printf '%s ±%s%%' "$1" "$2"; else printf '%s' "$1"; fi; }

runs_ok() { # CASE TOOL -> "ok/total"
	awk -F'\t' -v c="$1" -v t="$2" '$1 == c && $2 == t { n++; if ($9 == "ok") k++ } END { printf "%d/%d", k, n }' "$RES"
}

# fmt FORMAT VALUE: printf, or — when there is no value.
fmt() { if [ -n "$2" ]; then awk -v v="$2" -v f="$1" 'BEGIN { printf f, v }'; else printf '—'; fi; }

# ratio A B: A / B with two decimals and ×, or —.
ratio() {
	if [ -n "$1" ] && [ -n "$2" ] && awk -v b="$2" 'BEGIN { exit !(b > 0) }'; then
		awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'
	else
		printf '—'
	fi
}
ratio_num() { # A B -> plain number or empty
	if [ -n "$1" ] && [ -n "$2" ] && awk -v b="$2" 'BEGIN { exit !(b > 0) }'; then
		awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'
	fi
}

first_failure() { # CASE TOOL -> status of a failed run and the last log line
	local run st
	read -r run st < <(awk -F'\t' -v c="$1" -v t="$2" '$1 == c && $2 == t && $9 != "ok" { print $3 "\t" $9; exit }' "$RES") || return 0
	[ -n "${run:-}" ] || return 0
	printf '%s: %s' "$st" "$(grep -v '^ *$' "$W/logs/$1.$2.$run.log" 2>/dev/null | tail -n 1 | cut -c1-200)"
}

table_head() {
	echo "| tool | runs ok | wall (s) | MB/s ± spread | CPU user+sys (s/GiB) | peak RSS (MiB) |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
}

# table_row CASE TOOL LABEL
table_row() {
	local c=$1 t=$2 label=$3 ok
	ok=$(runs_ok "$c" "$t")
	if [ "$ok" = 0/0 ]; then
		echo "| $label | — | not run | | | |"
		return
	fi
	if [ "${ok%%/*}" = 0 ]; then
		echo "| $label | $ok | FAILED | | | |"
		FAILS="$FAILS
- $c, $label: $(first_failure "$c" "$t")"
		return
	fi
	[ "${ok%%/*}" = "${ok#*/}" ] || FAILS="$FAILS
- $c, $label: some runs failed: $(first_failure "$c" "$t")"
	printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$ok" \
		"$(fmt %.3f "$(med_res "$c" "$t" 4)")" \
		"$(with_spread "$(fmt %.0f "$(med_res "$c" "$t" 10)")" "$(spread_res "$c" "$t" 10)")" \
		"$(fmt %.3f "$(med_res "$c" "$t" 11)")" \
		"$(fmt %.1f "$(awk -v k="$(med_res "$c" "$t" 7)" 'BEGIN { if (k != "") print k / 1024 }')")"
}

# ratio_row CASE TOOL_A TOOL_B LABEL: A's medians over B's.
ratio_row() {
	local c=$1 ta=$2 tb=$3 label=$4 col out=""
	for col in 4 10 11 7; do
		out="$out | $(ratio "$(med_res "$c" "$ta" "$col")" "$(med_res "$c" "$tb" "$col")")"
	done
	echo "| *$label* | $out |"
}

commands() { # CASE...
	local c
	echo
	echo "Commands:"
	for c in "$@"; do
		awk -F'\t' -v c="$c" '$1 == c { printf "- %s: `%s`\n", $2, $3 }' "$CMDS"
	done
}

# target LABEL VALUE OP LIMIT SHOWN: a line of the targets table.
target() {
	local label=$1 v=$2 op=$3 lim=$4 shown=$5 verdict
	if [ -z "$v" ]; then
		verdict="n/a"
		shown="not measured"
	elif awk -v v="$v" -v l="$lim" -v op="$op" 'BEGIN {
		if (op == ">=") exit !(v >= l); if (op == "<=") exit !(v <= l)
		if (op == "<") exit !(v < l); if (op == ">") exit !(v > l); exit 1 }'; then
		verdict=PASS
	else
		verdict=MISS
	fi
	echo "| $label | $shown | $verdict |"
}

report_null() {
	echo "## 1. One $(size "$BIG") file to /dev/null"
	echo
	echo "With iperf3's loopback ceiling measured in the same run:"
	echo
	table_head
	table_row big-null haul haul
	table_row big-null curl curl
	table_row big-null wget2 wget2
	[ "$HAVE_ARIA2" = 1 ] && echo "| aria2c | — | cannot write to /dev/null: see the file figures | | | |"
	table_row big-null iperf3 "iperf3 (one TCP stream)"
	ratio_row big-null haul curl "haul ÷ curl"
	ratio_row big-null haul wget2 "haul ÷ wget2"
	echo "| *haul ÷ iperf3* | | | $(ratio "$(med_res big-null haul 10)" "$(med_res big-null iperf3 10)") | | |"
	commands big-null
	echo
}

report_file() {
	echo "## 1b. One $(size "$BIG") file to a file on $(df -PT "$W" | awk 'NR == 2 { print $2 }') (deleted between runs)"
	echo
	table_head
	table_row big-file haul haul
	table_row big-file curl curl
	table_row big-file wget2 wget2
	[ "$HAVE_ARIA2" = 1 ] && table_row big-file aria2c aria2c
	ratio_row big-file haul curl "haul ÷ curl"
	ratio_row big-file haul wget2 "haul ÷ wget2"
	commands big-file
	echo
}

report_par() {
	echo "## 2. $PAR_N × $(size "$PAR_SIZE"), $PAR_P at once, to files"
	echo
	table_head
	table_row par haul haul
	table_row par curl "curl -Z"
	table_row par wget2 wget2
	[ "$HAVE_ARIA2" = 1 ] && table_row par aria2c aria2c
	ratio_row par haul curl "haul ÷ curl"
	ratio_row par haul wget2 "haul ÷ wget2"
	commands par
	echo
}

# slow_med TOOL COL [TABLE_N]: median of a column of $SLOW over the runs
# with N streams (the baseline runs have n = 1).
slow_med() {
	awk -F'\t' -v t="$1" -v f="$2" -v n="${3:-$STREAMS}" '$1 == t && $3 == n && $f != "-" { print $f }' "$SLOW" |
		median %.6g
}
slow_min() {
	awk -F'\t' -v t="$1" -v f="$2" -v n="$STREAMS" '$1 == t && $3 == n { if (m == "" || $f + 0 < m + 0) m = $f } END { print m }' "$SLOW"
}

# extra_per_stream TOOL: (RSS with the streams - RSS with one) / (streams - 1),
# in KiB, counting the streams that progressed.
extra_per_stream() {
	local rn r1 p
	rn=$(slow_med "$1" 4)
	r1=$(slow_med "$1" 4 1)
	p=$(slow_med "$1" 7)
	[ -n "$rn" ] && [ -n "$r1" ] && [ -n "$p" ] || return 0
	awk -v a="$rn" -v b="$r1" -v p="$p" 'BEGIN { if (p > 1) printf "%.1f\n", (a - b) / (p - 1) }'
}

report_slow() {
	local t label note
	echo "## 3. $STREAMS slow streams at once ($SLOW_RATE/s each, ${DURATION} s)"
	echo
	echo "RSS is VmRSS at the end (all streams open), the median over the runs;"
	echo "\"1 stream\" is the same command with one URL (${BASE_SECS} s), the tool's idle"
	echo "size. Extra per stream = (RSS with the streams − RSS with 1) / (streams"
	echo "that progressed − 1). CPU is utime+stime from /proc/PID/stat from"
	echo "$((DURATION / 3 > 0 ? DURATION / 3 : 1)) s to the end (after the streams are open), as % of one core."
	echo
	echo "| tool | streams that progressed (worst run) | RSS with 1 stream (MiB) | RSS with the streams (MiB) | peak RSS (MiB) | extra per stream (KiB) | CPU (% of a core) | note |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
	for t in haul curl wget2 aria2c libcurl; do
		[ "$t" != aria2c ] || [ "$HAVE_ARIA2" = 1 ] || continue
		[ "$t" != libcurl ] || [ -n "$(slow_med libcurl 4)" ] || continue
		note=""
		[ "$t" = curl ] && [ "$STREAMS" -gt 300 ] && note="curl caps --parallel-max at 300"
		[ "$t" = libcurl ] && note="the floor: bench/floor.c, libcurl alone"
		local bad
		bad=$(awk -F'\t' -v t="$t" '$1 == t && $8 != "ok" { print $8; exit }' "$SLOW")
		[ -z "$bad" ] || note="${note:+$note; }$bad"
		local minp
		minp=$(slow_min "$t" 7)
		[ -z "$minp" ] || [ "$minp" = "$STREAMS" ] || [ -n "$note" ] || note="not every stream progressed"
		printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$t" \
			"$([ -n "$minp" ] && echo "$minp of $STREAMS" || echo —)" \
			"$(fmt %.1f "$(awk -v k="$(slow_med "$t" 4 1)" 'BEGIN { if (k != "") print k / 1024 }')")" \
			"$(fmt %.1f "$(awk -v k="$(slow_med "$t" 4)" 'BEGIN { if (k != "") print k / 1024 }')")" \
			"$(fmt %.1f "$(awk -v k="$(slow_med "$t" 5)" 'BEGIN { if (k != "") print k / 1024 }')")" \
			"$(fmt %.1f "$(extra_per_stream "$t")")" \
			"$(fmt %.1f "$(slow_med "$t" 6)")" \
			"$note"
	done
	for t in curl wget2 libcurl; do
		[ "$t" != libcurl ] || [ -n "$(slow_med libcurl 4)" ] || continue
		printf '| *haul ÷ %s* | | %s | %s | %s | %s | %s | |\n' "$t" \
			"$(ratio "$(slow_med haul 4 1)" "$(slow_med "$t" 4 1)")" \
			"$(ratio "$(slow_med haul 4)" "$(slow_med "$t" 4)")" \
			"$(ratio "$(slow_med haul 5)" "$(slow_med "$t" 5)")" \
			"$(ratio "$(extra_per_stream haul)" "$(extra_per_stream "$t")")" \
			"$(ratio "$(slow_med haul 6)" "$(slow_med "$t" 6)")"
	done
	local floor hx
	floor=$(extra_per_stream libcurl)
	hx=$(extra_per_stream haul)
	if [ -n "$floor" ] && [ -n "$hx" ]; then
		echo
		echo "The libcurl row is the floor: libcurl $(curl-config --version 2>/dev/null | cut -d' ' -f2) alone, one easy handle per"
		echo "stream, holds $floor KiB per stream here; haul adds $(awk -v a="$hx" -v b="$floor" 'BEGIN { printf "%.1f", a - b }') KiB above it"
		echo "(its transfer, attempt, output and sink, and allocator overhead)."
	fi
	commands slow
	echo
}

# ---- 10. mirrors: one source of three dies

# mirror_run TOOL RUN: a fresh testsrv for the source that dies (killed
# after its first request, 30% of the way at MIRROR_PARTS connections of
# MIRROR_RATE: in the middle of the -x and -s downloads), the two others on
# the long-lived one; then the tool with the three URLs.
mirror_run() {
	local tool=$1 run=$2 d=$W/mirror.$1.$2 f=$W/out/mfile q="size=$MIRROR_SIZE&seed=9&rate=$MIRROR_RATE"
	local die_ms=$((MIRROR_SIZE * 3 / 10 * 1000 / $(numfmt --from=iec "$MIRROR_RATE") / MIRROR_PARTS))
	mkdir -p "$d"
	"$TESTSRV" --quiet --port-file "$d/port" --log "$d/log" </dev/null >/dev/null 2>&1 &
	local apid=$! i
	disown "$apid"    # its SIGKILL is no job report in the timed output
	for ((i = 0; i < 500; i++)); do [ -s "$d/port" ] && break; sleep 0.01; done
	local a="http://127.0.0.1:$(cat "$d/port")/m$run/a?$q"
	local b="$MIRROR_URL/m$run-$tool/b?$q" c="$MIRROR_URL/m$run-$tool/c?$q"
	# The killer: the first request, then die_ms.
	( for ((i = 0; i < 3000; i++)); do [ -s "$d/log" ] && break; sleep 0.01; done
	  sleep "$(awk -v m="$die_ms" 'BEGIN { print m / 1000 }')"; kill -KILL "$apid" ) &
	local killer=$!
	disown "$killer"
	fresh_out
	case $tool in
	haul) measure mirrors haul "$run" "$MIRROR_SIZE" "$f" "$HAUL" -q -x "$MIRROR_PARTS" -o "$f" \
		"$a" --mirror "$b" --mirror "$c" ;;
	haul1) measure mirrors haul1 "$run" "$MIRROR_SIZE" "$f" "$HAUL" -q -o "$f" "$a" --mirror "$b" --mirror "$c" ;;
	aria2c) measure mirrors aria2c "$run" "$MIRROR_SIZE" "$f" aria2c -q -x 2 -s "$MIRROR_PARTS" -k 1M \
		--allow-overwrite=true -d "$W/out" -o mfile "$a" "$b" "$c" ;;
	esac
	kill -KILL "$killer" "$apid" 2>/dev/null || true
}

case_mirrors() {
	local run tool tools=(haul haul1)
	TESTSRV=${TESTSRV:-$BENCH_DIR/../tests/server/testsrv}
	[ -x "$TESTSRV" ] || { say "mirrors: $TESTSRV is not built (make check builds it): skipped"; return 0; }
	[ "$HAVE_ARIA2" = 1 ] && tools+=(aria2c)
	mkdir -p "$W/mirror"
	"$TESTSRV" --quiet --port-file "$W/mirror/port" </dev/null >/dev/null 2>&1 &
	MIRROR_PID=$!
	for ((run = 0; run < 500; run++)); do [ -s "$W/mirror/port" ] && break; sleep 0.01; done
	MIRROR_URL=http://127.0.0.1:$(cat "$W/mirror/port")
	record_cmd mirrors haul "haul -x $MIRROR_PARTS -o FILE URL1 --mirror URL2 --mirror URL3"
	record_cmd mirrors haul1 "haul -o FILE URL1 --mirror URL2 --mirror URL3"
	record_cmd mirrors aria2c "aria2c -x 2 -s $MIRROR_PARTS -k 1M -d DIR -o FILE URL1 URL2 URL3"
	say "case 10: one $(size "$MIRROR_SIZE") file from three sources at $MIRROR_RATE/s, the first dying"
	for ((run = 1; run <= RUNS; run++)); do
		for tool in $(rotate "$run" "${tools[@]}"); do
			mirror_run "$tool" "$run"
		done
	done
	kill -TERM "$MIRROR_PID" 2>/dev/null || true
	wait "$MIRROR_PID" 2>/dev/null || true
}

report_mirrors() {
	echo "## 10. One $(size "$MIRROR_SIZE") file from three sources at $MIRROR_RATE/s each, the first killed 30% of the way (at $MIRROR_PARTS connections' speed)"
	echo
	echo "Time to the complete file (its size checked). With -x $MIRROR_PARTS haul spreads its"
	echo "parts over the three sources, round robin, and moves the dead source's parts to the"
	echo "others after their overlap check; over one connection it fetches from one source at"
	echo "a time. aria2c spreads $MIRROR_PARTS connections over the three sources, 2 at most per server."
	echo
	table_head
	table_row mirrors haul "haul --mirror -x $MIRROR_PARTS"
	table_row mirrors haul1 "haul --mirror (one connection)"
	[ "$HAVE_ARIA2" = 1 ] && table_row mirrors aria2c "aria2c -s $MIRROR_PARTS (3 URLs)"
	[ "$HAVE_ARIA2" = 1 ] && ratio_row mirrors haul aria2c "haul ÷ aria2c"
	commands mirrors
	echo
}

report_seg() {
	echo "## 4. One $(size "$SEG_SIZE") file, server limited to $SEG_RATE/s per connection"
	echo
	table_head
	table_row seg haul-x1 "haul (1 connection)"
	table_row seg "haul-x$SEG_N" "haul -x $SEG_N"
	table_row seg curl "curl (1 connection)"
	table_row seg wget2 "wget2 (1 connection)"
	if [ "$HAVE_ARIA2" = 1 ]; then
		table_row seg aria2c-x1 "aria2c (1 connection)"
		table_row seg "aria2c-x$SEG_N" "aria2c -x $SEG_N -s $SEG_N"
	fi
	ratio_row seg "haul-x$SEG_N" haul-x1 "haul -x $SEG_N ÷ haul"
	[ "$HAVE_ARIA2" = 1 ] && ratio_row seg "aria2c-x$SEG_N" aria2c-x1 "aria2c -x $SEG_N ÷ aria2c"
	[ "$HAVE_ARIA2" = 1 ] && ratio_row seg "haul-x$SEG_N" "aria2c-x$SEG_N" "haul -x $SEG_N ÷ aria2c -x $SEG_N"
	ratio_row seg "haul-x$SEG_N" curl "haul -x $SEG_N ÷ curl"
	commands seg
	echo
}

# memstats_paired: median over the runs of MB/s with --memstats / MB/s
# without, both runs of a pair having succeeded.
memstats_paired() {
	awk -F'\t' '$1 == "memstats" && $9 == "ok" { t[$2, $3] = $10 }
		END { for (k in t) { split(k, a, SUBSEP); if (a[1] == "haul" && (("haul-memstats", a[2]) in t) && t[k] > 0)
			print t["haul-memstats", a[2]] / t[k] } }' "$RES" |
		median %.4f
}

# memstats_spread: half the interquartile range of haul's MB/s without
# --memstats, in % of its median.
memstats_spread() {
	awk -F'\t' '$1 == "memstats" && $2 == "haul" && $9 == "ok" { print $10 }' "$RES" |
		sort -g | awk '{ a[NR] = $1 } END { if (NR >= 4) {
			q1 = a[int((NR + 3) / 4)]; q3 = a[int((3 * NR + 3) / 4)]; m = a[int((NR + 1) / 2)]
			printf "%.2f\n", (q3 - q1) / 2 / m * 100 } }'
}

report_memstats() {
	echo "## 5. haul --memstats on and off ($(size "$BIG") to /dev/null, $MEM_RUNS runs each)"
	echo
	table_head
	table_row memstats haul "haul"
	table_row memstats haul-memstats "haul --memstats"
	ratio_row memstats haul-memstats haul "with ÷ without"
	echo
	echo "Runs are paired (one of each, in turn); the median of the per-pair"
	echo "throughput ratios is $(fmt %.3f× "$(memstats_paired)"), and haul alone"
	echo "varies by $(fmt '±%.1f%%' "$(memstats_spread)") from run to run (half the interquartile range"
	echo "over the median): a difference smaller than that is noise."
	commands memstats
	echo
}

# small_files_s CASE TOOL: median files per second; small_cpu_us CASE
# TOOL: median CPU (user+sys) per file in µs.
small_files_s() {
	local w
	w=$(med_res small-files "$1" 4)
	[ -n "$w" ] && awk -v n="$SMALL_N" -v w="$w" 'BEGIN { if (w > 0) printf "%.1f\n", n / w }'
}
small_cpu_us() {
	local g
	g=$(med_res small-files "$1" 11)
	[ -n "$g" ] && awk -v g="$g" -v b="$SMALL_SIZE" 'BEGIN { printf "%.1f\n", g * b / 1073741824 * 1e6 }'
}

report_small() {
	local t label ok
	echo "## 6. $SMALL_N files of $((SMALL_SIZE / KiB)) KiB, $SMALL_P at once, to files"
	echo
	echo "| tool | runs ok | wall (s) | files/s ± spread | CPU user+sys per file (µs) | peak RSS (MiB) |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	for t in haul curl wget2 aria2c libcurl-haul libcurl-curl; do
		[ "$t" != aria2c ] || [ "$HAVE_ARIA2" = 1 ] || continue
		[ "${t#libcurl-}" = "$t" ] || [ -x "$W/smallfloor" ] || continue
		label=$t
		[ "$t" = curl ] && label="curl -Z"
		[ "$t" = libcurl-haul ] && label="libcurl alone, haul's files"
		[ "$t" = libcurl-curl ] && label="libcurl alone, curl's files"
		ok=$(runs_ok small-files "$t")
		if [ "${ok%%/*}" = 0 ]; then
			table_row small-files "$t" "$label"
			continue
		fi
		[ "${ok%%/*}" = "${ok#*/}" ] || FAILS="$FAILS
- small-files, $label: some runs failed: $(first_failure small-files "$t")"
		printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$ok" \
			"$(fmt %.3f "$(med_res small-files "$t" 4)")" \
			"$(with_spread "$(fmt %.0f "$(small_files_s "$t")")" "$(spread_res small-files "$t" 10)")" \
			"$(fmt %.0f "$(small_cpu_us "$t")")" \
			"$(fmt %.1f "$(awk -v k="$(med_res small-files "$t" 7)" 'BEGIN { if (k != "") print k / 1024 }')")"
	done
	for t in curl wget2 aria2c; do
		[ "$t" != aria2c ] || [ "$HAVE_ARIA2" = 1 ] || continue
		printf '| *haul ÷ %s* | | %s | %s | %s | %s |\n' "$t" \
			"$(ratio "$(med_res small-files haul 4)" "$(med_res small-files "$t" 4)")" \
			"$(ratio "$(small_files_s haul)" "$(small_files_s "$t")")" \
			"$(ratio "$(small_cpu_us haul)" "$(small_cpu_us "$t")")" \
			"$(ratio "$(med_res small-files haul 7)" "$(med_res small-files "$t" 7)")"
	done
	if [ -s "$FSFLOOR" ]; then
		local c h
		c=$(fs_floor_us curl) h=$(fs_floor_us haul)
		echo
		echo "The file system's part (bench/fsfloor.c: each tool's system calls for a new"
		echo "output file, $SMALL_N files, no network, medians of $FILE_RUNS runs): curl's"
		echo "open, fstat, write, close cost $c µs of CPU per file; haul's open of an"
		echo "unnamed file (O_TMPFILE), pwritev, linkat and close (and the lstat of"
		echo "FILE and FILE.part for the first 8 files, then one listing of the"
		echo "directory instead) cost $h µs,"
		echo "$(awk -v c="$c" -v h="$h" 'BEGIN { printf "%.1f", h - c }') µs more: the price of never showing a partial file under its"
		echo "name, and of never overlooking a FILE.part or a planted link."
	fi
	if [ -x "$W/smallfloor" ]; then
		local fh fc
		fh=$(small_cpu_us libcurl-haul) fc=$(small_cpu_us libcurl-curl)
		echo
		echo "The floor (bench/smallfloor.c, in the same rotation): libcurl alone, the"
		echo "same URLs $SMALL_P at once on one multi handle, each body written to its"
		echo "file and nothing else, spends $(fmt %.0f "$fh") µs of CPU per file writing as haul"
		echo "does ($(ratio "$fh" "$(small_cpu_us curl)") of curl's) and $(fmt %.0f "$fc") µs writing as curl does"
		echo "($(ratio "$fc" "$(small_cpu_us curl)")): what any libcurl program pays before a line of its own."
		echo "haul spends $(ratio "$(small_cpu_us haul)" "$fh") of the first."
	fi
	commands small-files
	echo
}

# report_tls CASE TITLE
report_tls() {
	local c=$1
	echo "## $2"
	echo
	table_head
	table_row "$c" haul haul
	table_row "$c" curl curl
	table_row "$c" wget2 wget2
	ratio_row "$c" haul curl "haul ÷ curl"
	ratio_row "$c" haul wget2 "haul ÷ wget2"
	if [ -n "${TLS_FLOOR:-}" ]; then
		echo
		echo "The floor: one core decrypts $TLS_FLOOR_EVP at ${TLS_FLOOR} MB/s (\`openssl speed -evp"
		echo "$TLS_FLOOR_EVP -decrypt -bytes 16384\`, CPU time; aes-128-gcm: ${TLS_FLOOR_128:-?} MB/s), that is"
		echo "$(awk -v r="$TLS_FLOOR" 'BEGIN { printf "%.3f", 1073741824 / (r * 1e6) }') s of CPU per GiB before any copy or system call;"
		echo "haul spends $(fmt %.3f "$(med_res "$c" haul 11)") s per GiB."
	fi
	echo
	echo "The server: nginx's one worker, on the other core, used $(server_share "$c" haul) of"
	echo "haul's wall time in CPU, $(server_share "$c" curl) of curl's and $(server_share "$c" wget2) of"
	echo "wget2's (medians).  Near 100 %, the server's encryption is the limit and no"
	echo "client can be faster than it."
	commands "$c"
	echo
}

report_h2par() {
	echo "## 9. $H2_N × $(size "$H2_SIZE") over HTTPS, HTTP/2 multiplexed, $H2_P at once, to files"
	echo
	table_head
	table_row h2-par haul haul
	table_row h2-par curl "curl -Z"
	ratio_row h2-par haul curl "haul ÷ curl"
	commands h2-par
	echo
}

report_targets() {
	local v
	echo "## Targets"
	echo
	echo "| target | measured | |"
	echo "| --- | --- | --- |"
	if want file; then
		v=$(ratio_num "$(med_res big-file haul 10)" "$(med_res big-file wget2 10)")
		target "$(size "$BIG") to a file: throughput ≥ 1.1× wget2" "$v" ">=" 1.1 "$(fmt %.2f× "$v")"
		v=$(ratio_num "$(med_res big-file haul 11)" "$(med_res big-file wget2 11)")
		target "$(size "$BIG") to a file: CPU per GiB ≤ 0.8× wget2's" "$v" "<=" 0.8 "$(fmt %.2f× "$v")"
		v=$(ratio_num "$(med_res big-file haul 10)" "$(med_res big-file curl 10)")
		target "$(size "$BIG") to a file: throughput ≥ 1.8× curl" "$v" ">=" 1.8 "$(fmt %.2f× "$v")"
		v=$(ratio_num "$(med_res big-file haul 11)" "$(med_res big-file curl 11)")
		target "$(size "$BIG") to a file: CPU per GiB ≤ 0.5× curl's" "$v" "<=" 0.5 "$(fmt %.2f× "$v")"
	fi
	if want null; then
		v=$(ratio_num "$(med_res big-null haul 10)" "$(med_res big-null iperf3 10)")
		target "$(size "$BIG") to /dev/null: throughput ≥ 0.95× iperf3" "$v" ">=" 0.95 "$(fmt %.2f× "$v")"
	fi
	if want small-files; then
		v=$(ratio_num "$(small_files_s haul)" "$(small_files_s curl)")
		target "$SMALL_N × $((SMALL_SIZE / KiB)) KiB: files/s ≥ 1.2× curl -Z" "$v" ">=" 1.2 "$(fmt %.2f× "$v")"
		v=$(ratio_num "$(small_cpu_us haul)" "$(small_cpu_us curl)")
		target "$SMALL_N × $((SMALL_SIZE / KiB)) KiB: CPU per file ≤ 0.8× curl's" "$v" "<=" 0.8 "$(fmt %.2f× "$v")"
	fi
	if want tls-h1; then
		v=$(ratio_num "$(med_res tls-h1 haul 10)" "$(med_res tls-h1 curl 10)")
		target "$(size "$BIG") over HTTPS, HTTP/1.1: throughput ≥ 1.05× curl" "$v" ">=" 1.05 "$(fmt %.2f× "$v")"
		v=$(ratio_num "$(med_res tls-h1 haul 10)" "$(med_res tls-h1 wget2 10)")
		target "$(size "$BIG") over HTTPS, HTTP/1.1: throughput ≥ 1.0× wget2" "$v" ">=" 1.0 "$(fmt %.2f× "$v")"
	fi
	if want tls-h2; then
		v=$(ratio_num "$(med_res tls-h2 haul 10)" "$(med_res tls-h2 curl 10)")
		target "$(size "$BIG") over HTTPS, HTTP/2: throughput ≥ 1.05× curl" "$v" ">=" 1.05 "$(fmt %.2f× "$v")"
	fi
	if want h2-par; then
		v=$(ratio_num "$(med_res h2-par haul 10)" "$(med_res h2-par curl 10)")
		target "$H2_N × $(size "$H2_SIZE") over HTTP/2: throughput ≥ 1.2× curl -Z" "$v" ">=" 1.2 "$(fmt %.2f× "$v")"
		v=$(ratio_num "$(med_res h2-par haul 7)" "$(med_res h2-par curl 7)")
		target "$H2_N × $(size "$H2_SIZE") over HTTP/2: peak RSS ≤ curl's" "$v" "<=" 1.0 "$(fmt %.2f× "$v")"
	fi
	if want par; then
		v=$(ratio_num "$(med_res par haul 10)" "$(med_res par curl 10)")
		target "$PAR_N × $(size "$PAR_SIZE"): throughput ≥ 1.2× curl -Z" "$v" ">=" 1.2 "$(fmt %.2f× "$v")"
		v=$(ratio_num "$(med_res par haul 7)" "$(med_res par curl 7)")
		target "$PAR_N × $(size "$PAR_SIZE"): peak RSS ≤ curl's" "$v" "<=" 1.0 "$(fmt %.2f× "$v")"
	fi
	if want slow; then
		v=$(slow_min haul 7)
		target "$STREAMS streams: every stream progresses" "$v" ">=" "$STREAMS" "${v:-?} of $STREAMS (worst run)"
		v=$(extra_per_stream haul)
		target "$STREAMS streams: extra RSS per stream ≤ 15 KiB" "$v" "<=" 15 "$(fmt '%.1f KiB' "$v")"
		v=$(slow_med haul 6)
		target "$STREAMS streams: haul's CPU < 10% of a core" "$v" "<" 10 "$(fmt '%.1f%%' "$v")"
	fi
	if want memstats; then
		v=$(memstats_paired)
		target "--memstats costs < 2% of throughput (paired runs)" "$v" ">" 0.98 \
			"$(fmt %.3f× "$v")$([ -n "$v" ] && awk -v v="$v" 'BEGIN { printf " (%+.1f%%)", (v - 1) * 100 }')"
	fi
	if want seg; then
		v=$(ratio_num "$(med_res seg "haul-x$SEG_N" 10)" "$(med_res seg haul-x1 10)")
		target "$SEG_N segments ≥ 3.5× one connection at $SEG_RATE/s per connection" "$v" ">=" 3.5 "$(fmt %.2f× "$v")"
	fi
	echo
}

report() {
	FAILS=""
	echo "# haul benchmark"
	echo
	echo "\`bench/bench.sh${ARGV:+ $ARGV}\`, $(date -u '+%Y-%m-%d %H:%M UTC'), $RUNS run(s) of each tool on each case
($MEM_RUNS in case 5, $FILE_RUNS in cases 6 and 9),"
	echo "the tools in a different order on each run; every figure is a median, and"
	echo "± is the spread (half the interquartile range over the runs, in % of the median)."
	echo "All traffic is on loopback from a private nginx $(nginx -v 2>&1 | sed 's/.*\///') (1 worker,"
	echo "sendfile on, gzip off); the served files are random bytes in the page cache."
	echo "Ratios are haul's figure over the other's: above 1 is better for MB/s,"
	echo "below 1 is better for wall time, CPU and RSS."
	echo
	if [ -n "$BUILD_WARNING" ]; then
		echo "$BUILD_WARNING"
		echo
	fi
	if [ "$QUICK" = 1 ]; then
		echo "**--quick: small sizes and 1 run, a smoke test of the script; these"
		echo "figures are not the benchmark.**"
		echo
	fi
	echo "Machine:"
	echo
	machine
	echo
	echo "Tools:"
	echo
	tool_versions
	[ ! -s "$W/tls.md" ] || cat "$W/tls.md"
	echo
	want null && report_null
	want file && report_file
	want par && report_par
	want slow && report_slow
	want seg && report_seg
	want memstats && report_memstats
	want small-files && report_small
	want tls-h1 && report_tls tls-h1 "7. One $(size "$BIG") file over HTTPS, HTTP/1.1, to /dev/null"
	want tls-h2 && report_tls tls-h2 "8. One $(size "$BIG") file over HTTPS, HTTP/2, to /dev/null"
	want h2-par && report_h2par
	want mirrors && report_mirrors
	want biglist && report_biglist
	report_targets
	if [ -n "$FAILS" ]; then
		echo "## Failed runs"
		echo "$FAILS"
		echo
	fi
}

# ---------------------------------------------------------------- --serve

# serve: say what is served where, then wait for a signal.
serve() {
	local d
	echo "nginx (pid $NGINX_PID) serves $W/www:"
	echo "  $URL/"
	if want_tls; then
		echo "  $URL_H1/ (HTTPS, HTTP/1.1 only)"
		echo "  $URL_H2/ (HTTPS, HTTP/2)"
		echo "  certificate to trust: $CERT"
		cat "$W/tls.md"
	fi
	for d in "$W"/www/*; do
		if [ -d "$d" ]; then
			echo "  /${d##*/}/: $(find "$d" -type f | wc -l) files, e.g. $(find "$d" -type f | sort | head -n 1 | sed "s|^$W/www||")"
		else
			echo "  /${d##*/}: $(stat -c %s "$d") bytes"
		fi
	done
	if [ -d "$W/www/small" ]; then
		find "$W/www/small" -type f -printf "$URL/small/%f\n" | sort >"$W/small.list"
		echo "  URLs of /small/: $W/small.list"
	fi
	if [ -d "$W/www/h2" ]; then
		find "$W/www/h2" -type f -printf "$URL_H2/h2/%f\n" | sort >"$W/h2.list"
		echo "  HTTPS URLs of /h2/: $W/h2.list"
	fi
	echo "Ctrl-C (or kill $$) stops it."
	wait "$NGINX_PID" || true
}

# ---------------------------------------------------------------- main

main() {
	parse_args "$@"
	check_tools
	# Nothing from the user's environment: no proxy, no ~/.curlrc, ~/.wget2rc
	# or ~/.aria2/aria2.conf.
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY \
		CURL_HOME XDG_CONFIG_HOME WGETRC
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	W=$(mktemp -d "$BASE/haul-bench.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	# The tools run in $W: nothing they might leave behind lands elsewhere.
	cd "$W"
	ulimit -c 0
	export HOME=$W/home
	mkdir -p "$W/logs" "$HOME"
	RES=$W/results.tsv SLOW=$W/slow.tsv CMDS=$W/commands.tsv FSFLOOR=$W/fsfloor.tsv
	# One binary for the whole run, even if haul is rebuilt meanwhile.
	HAUL_TREE=$(cd "$(dirname "$HAUL")" && pwd)
	cp "$HAUL" "$W/haul"
	HAUL=$W/haul
	warn_debug_build
	: >"$RES"
	: >"$FSFLOOR"
	: >"$SLOW"
	: >"$CMDS"

	# Room for the served files and one copy of the downloads.
	local need=$((3 * MiB / KiB)) avail
	want file && need=$((need + BIG / KiB))
	want null || want file || want memstats || want tls-h1 || want tls-h2 && need=$((need + BIG / KiB))
	want par && need=$((need + 2 * PAR_N * PAR_SIZE / KiB))
	want seg && need=$((need + 2 * SEG_SIZE / KiB))
	want mirrors && need=$((need + 2 * MIRROR_SIZE / KiB))
	want small-files && need=$((need + 4 * SMALL_N * (SMALL_SIZE + 4 * KiB) / KiB))
	want h2-par && need=$((need + 2 * H2_N * H2_SIZE / KiB))
	avail=$(df -Pk "$W" | awk 'NR == 2 { print $4 }')
	[ "$avail" -gt "$need" ] || die "$W has $((avail / 1024)) MiB free, the benchmark needs $((need / 1024)) MiB"

	raise_nofile
	prepare_files
	start_nginx
	want_tls && tls_check
	if [ "$SERVE" = 1 ]; then
		serve
		return 0
	fi
	local started=$SECONDS
	want null && case_null
	want file && case_file
	want memstats && case_memstats
	want small-files && case_small
	want tls-h1 && case_tls tls-h1 "$URL_H1"
	want tls-h2 && case_tls tls-h2 "$URL_H2"
	want h2-par && case_h2par
	want par && case_par
	want seg && case_seg
	want slow && case_slow
	want mirrors && case_mirrors
	want biglist && case_biglist
	say "measured in $((SECONDS - started)) s"

	report >"$W/report.md"
	echo
	cat "$W/report.md"
	if [ "$WRITE" = 1 ]; then
		cp "$W/report.md" "$BENCH_DIR/RESULTS.md"
		say "wrote $BENCH_DIR/RESULTS.md"
	fi
}

main "$@"
