#!/bin/sh
# tests/demo.sh - `make demo`: haul's main job on loopback, in a minute.
#
# Starts haul's fault-injecting test server on a free port, then:
#   1. downloads a 256 MiB file that the server cuts three times (FIN, RST,
#      FIN): haul resumes each time and the checksum matches;
#   2. reads a never-ending stream through a pipe into `head`, cut every
#      8 MiB by the server: one continuous, byte-exact stream;
#   3. shows the --memstats table of a download that survived 20
#      disconnects: zero bytes live after each attempt and each transfer.
# Everything it says is checked: the demo fails (exit 1, "demo: ...") when
# a checksum differs, a resume did not ask for the exact byte held, haul's
# exit status is not the expected one, or a byte stays live.
set -eu

HAUL=${HAUL:-./haul}
TESTSRV=${TESTSRV:-tests/server/testsrv}
dir=$(mktemp -d)
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }
# sha256 of a file, hex only.
sha_of() {
	_out=$(sha256sum <"$1") || die "cannot checksum $1"
	echo "${_out%% *}"
}
# sha256 of `testsrv --gen ARGS...`, through a file (sh has no pipefail).
gen_sha() {
	"$TESTSRV" --gen "$@" >"$dir/gen.bin" || die "testsrv --gen $* failed"
	sha_of "$dir/gen.bin"
}

"$TESTSRV" --quiet --port-file "$dir/port" --log "$dir/requests.log" </dev/null &
srv_pid=$!
i=0
while [ ! -s "$dir/port" ]; do
	i=$((i + 1))
	[ "$i" -lt 500 ] || { echo "demo: test server did not start" >&2; exit 1; }
	sleep 0.02
done
base=http://127.0.0.1:$(cat "$dir/port")
echo "test server on $base"

say "1. a 256 MiB file, cut by the server at 64 MiB (FIN), 128 MiB (RST), 192 MiB (FIN)"
url="$base/demo/file.bin?size=256M&seed=7&fin=64M,192M&rst=128M"
echo "\$ haul --retry-delay 0.2 -o file.bin '$url'"
"$HAUL" --retry-delay 0.2 -o "$dir/file.bin" "$url" || die "haul exited $?"
got=$(sha_of "$dir/file.bin")
want=$(gen_sha --size 256M --seed 7)
rm -f "$dir/gen.bin"
echo "sha256 of file.bin:        $got"
echo "sha256 of the server's:    $want"
[ "$got" = "$want" ] || die "MISMATCH"
echo "requests haul made (from the server's log):"
reqs=$(jq -r 'select(.ev == "req" and .path == "/demo/file.bin")
       | "  \(.method) Range: \(.headers.range // "-")  If-Range: \(.headers["if-range"] // "-")  -> \(.status)"' \
	"$dir/requests.log") || die "cannot read the server's log"
echo "$reqs"
# Each resume asked for exactly the byte of the cut, with the ETag.
etag='"s7-v1-268435456"'
[ "$reqs" = "  GET Range: -  If-Range: -  -> 200
  GET Range: bytes=67108864-  If-Range: $etag  -> 206
  GET Range: bytes=134217728-  If-Range: $etag  -> 206
  GET Range: bytes=201326592-  If-Range: $etag  -> 206" ] || die "not resumed at the exact bytes"

say "2. a never-ending stream, cut every 8 MiB, piped into head -c 100M"
url="$base/demo/stream?size=inf&seed=9&every=8M&kind=mix"
echo "\$ haul --retry-delay 0 '$url' | head -c 100M | sha256sum"
# (sh has no PIPESTATUS: haul's status goes through a file; head ends the
# pipe, so haul must die of SIGPIPE, 141, quietly.)
{ rc=0; "$HAUL" --retry-delay 0 "$url" 2>"$dir/stream.err" || rc=$?; echo "$rc" >"$dir/stream.rc"; } |
	head -c 100M >"$dir/stream.bin"
got=$(sha_of "$dir/stream.bin")
want=$(gen_sha --size 100M --seed 9)
rm -f "$dir/gen.bin" "$dir/stream.bin"
echo "sha256 of 100 MiB read:    $got"
echo "sha256 of the server's:    $want"
[ "$got" = "$want" ] || die "MISMATCH"
[ "$(cat "$dir/stream.rc")" = 141 ] || die "haul exited $(cat "$dir/stream.rc"), not 141 (SIGPIPE)"
# Every reconnection asked for exactly the byte after those it had: the
# k-th request (from 0) for bytes=k*8M-, answered 206.
reconnects=$(awk '/retry/ { n++ } END { print n + 0 }' "$dir/stream.err")
bad=$(jq -sr '[.[] | select(.ev == "req" and .path == "/demo/stream")]
	| [length - 1, (to_entries | map(select(.key > 0
		and (.value.headers.range != "bytes=\(.key * 8388608)-" or .value.status != 206))) | length)]
	| join(" ")' "$dir/requests.log") || die "cannot read the server's log"
echo "reconnects: $reconnects (all resumed at the exact byte)"
[ "$reconnects" -ge 12 ] && [ "$bad" = "$reconnects 0" ] ||
	die "$reconnects reconnects reported; requests after the first, not at the exact byte: $bad"

say "3. --memstats after 20 disconnects (RST and FIN mixed)"
url="$base/demo/memstats.bin?size=21M&every=1M&kind=mix&cuts=20"
echo "\$ haul -q --retry-delay 0 --memstats -o memstats.bin '$url'"
"$HAUL" -q --retry-delay 0 --memstats -o "$dir/memstats.bin" "$url" 2>"$dir/memstats.txt" ||
	die "haul exited $?"
cat "$dir/memstats.txt"
echo
echo "left/att and left/xfr are haul's bytes still allocated after the worst"
echo "attempt and the transfer were torn down, and 'live' each allocator's at"
echo "exit: 0 B each."
# The transfer's row (after the xfer header): 21 tries, 20 disconnects,
# left/att and left/xfr 0; and every allocator's live column 0.
awk '
	/memstats: allocator / { alloc = 1; next }
	alloc && /memstats: process / { alloc = 0 }
	alloc { rows++; if ($NF != "0") bad = bad " " $3 " live " $NF }
	/memstats: xfer tries / { xfer = 1; next }
	xfer { xfer = 0; xrow = 1
	       if ($4 != 21 || $5 != 20 || $(NF - 1) != "0" || $NF != "0") bad = bad " transfer row: " $0 }
	END {
		if (rows != 5 || !xrow) bad = bad " (" rows " allocator rows, transfer row " (xrow ? "found" : "missing") ")"
		if (bad != "") { print "demo: memstats:" bad > "/dev/stderr"; exit 1 }
	}' "$dir/memstats.txt" || exit 1
say "demo done"
