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
sha() { sha256sum | cut -d' ' -f1; }

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
"$HAUL" --retry-delay 0.2 -o "$dir/file.bin" "$url"
got=$(sha <"$dir/file.bin")
want=$("$TESTSRV" --gen --size 256M --seed 7 | sha)
echo "sha256 of file.bin:        $got"
echo "sha256 of the server's:    $want"
[ "$got" = "$want" ] || { echo "demo: MISMATCH" >&2; exit 1; }
echo "requests haul made (from the server's log):"
jq -r 'select(.ev == "req" and .path == "/demo/file.bin")
       | "  \(.method) Range: \(.headers.range // "-")  If-Range: \(.headers["if-range"] // "-")  -> \(.status)"' \
	"$dir/requests.log"

say "2. a never-ending stream, cut every 8 MiB, piped into head -c 100M"
url="$base/demo/stream?size=inf&seed=9&every=8M&kind=mix"
echo "\$ haul --retry-delay 0 '$url' | head -c 100M | sha256sum"
got=$("$HAUL" --retry-delay 0 "$url" 2>"$dir/stream.err" | head -c 100M | sha)
want=$("$TESTSRV" --gen --size 100M --seed 9 | sha)
echo "sha256 of 100 MiB read:    $got"
echo "sha256 of the server's:    $want"
echo "reconnects: $(grep -c 'retry' "$dir/stream.err" || true) (all resumed at the exact byte)"
[ "$got" = "$want" ] || { echo "demo: MISMATCH" >&2; exit 1; }

say "3. --memstats after 20 disconnects (RST and FIN mixed)"
url="$base/demo/memstats.bin?size=21M&every=1M&kind=mix&cuts=20"
echo "\$ haul -q --retry-delay 0 --memstats -o memstats.bin '$url'"
"$HAUL" -q --retry-delay 0 --memstats -o "$dir/memstats.bin" "$url"
echo
echo "'live after attempts' and 'live after transfer' are haul's bytes still"
echo "allocated after each attempt and the transfer were torn down: 0 B."
say "demo done"
