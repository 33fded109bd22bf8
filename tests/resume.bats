#!/usr/bin/env bats
# resume.bats - resuming and retrying: drops by FIN and RST, stalls, 503 with
# Retry-After, new versions, servers that ignore or lie about ranges, chunked
# and close-delimited bodies, redirects, standard output, -c after another
# tool and after kill -9, SIGINT and SIGTERM, what is and is not retried, and
# a real server (nginx).  Every download is checked byte for byte (sha256)
# and the server's request log is checked for the Range and If-Range haul
# sent.  Paths are unique per test: testsrv keeps per-path state.

load helpers

setup_file() {
	testsrv_start "$BATS_FILE_TMPDIR"
}

teardown_file() {
	testsrv_stop
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	BG_PID=
}

teardown() {
	if [ -n "${BG_PID:-}" ]; then
		kill -KILL "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	nginx_stop
}

# "range|if-range" of each request for PATH, in order ("-" when absent).
ranges_of() {
	testsrv_requests "$1" | jq -r '"\(.headers.range // "-")|\(.headers["if-range"] // "-")"'
}

# "status version" of each request for PATH.
statuses_of() {
	testsrv_requests "$1" | jq -r '"\(.status) \(.version)"'
}

# How each response for PATH ended, one word a line.
ends_of() {
	testsrv_ends "$1" | jq -r '.how'
}

# Body bytes the server sent for PATH in requests numbered above $2 (0: all).
sent_after() {
	testsrv_ends "$1" | jq -s --argjson n "${2:-0}" '[.[] | select(.n > $n) | .sent] | add // 0'
}

# The highest request number in the log so far (0 when empty).
last_req_n() {
	jq -s '[.[] | select(.ev == "req") | .n] | max // 0' "$TESTSRV_LOG"
}

# The strong ETag testsrv sends: "s<seed>-v<version>-<size>".
etag_of() {
	printf '"s%s-v%s-%s"\n' "$1" "$2" "$3"
}

# sha256 of the first N bytes of a body (bodies depend on seed, version and
# offset only, so the first N bytes are the body of size N).
prefix_sha() {
	gen_sha "$@"
}

# The size of a file, or 0 when it does not exist.
size_of() {
	stat -c %s "$1" 2>/dev/null || echo 0
}

# The journal's segments[0].next, or 0 when there is no readable journal.
journal_next() {
	jq -r '.segments[0].next | tonumber' "$1" 2>/dev/null || echo 0
}

# check_drops fin|rst SEED OFFSET...: a 1 MiB body cut at each OFFSET (whole
# KiB, below 1 MiB) comes out byte-exact; every resumed request asks for
# exactly the byte of the cut before it with If-Range: the ETag; stderr has
# one retry line per drop naming what happened and where; the events give
# the exact offsets.
check_drops() {
	local kind=$1 seed=$2
	shift 2
	local offs=("$@") n=$#
	local path=/rs/drops-$kind-$n
	local list
	list=$(IFS=,; echo "${offs[*]}")
	local url="$TESTSRV_URL$path?size=1M&seed=$seed&$kind=$list"
	local what="connection closed early" dkind=closed
	if [ "$kind" = rst ]; then
		what="connection reset"
		dkind=reset
	fi

	run -0 --separate-stderr haul --retry-delay 0 --events ev.json -o out.bin "$url"
	local errs=("${stderr_lines[@]}")
	assert_equal "$(sha256_of out.bin)" "$(gen_sha 1M "$seed")"
	assert_file_not_exists out.bin.part
	assert_file_not_exists out.bin.part.haul

	local etag want o i
	etag=$(etag_of "$seed" 1 1048576)
	want="-|-"
	for o in "${offs[@]}"; do
		want+=$'\n'"bytes=$o-|$etag"
	done
	run -0 ranges_of "$path"
	assert_output "$want"

	# The server cut each response but the last, which completed.
	want=""
	for o in "${offs[@]}"; do
		want+="$kind"$'\n'
	done
	want+="complete"
	run -0 ends_of "$path"
	assert_output "$want"

	# One retry line per drop, in order.
	assert_equal "${#errs[@]}" "$n"
	for ((i = 0; i < n; i++)); do
		assert_regex "${errs[$i]}" "^haul: .*: $what at $((offs[i] / 1024))\.0 KiB of 1\.0 MiB; retry 1 of 10 in 0(\.0+)?s\$"
	done

	# The exact bytes held at each drop.
	want=""
	for o in "${offs[@]}"; do
		want+="$dkind $o"$'\n'
	done
	run -0 jq -r 'select(.event == "disconnect") | "\(.kind) \(.offset)"' ev.json
	assert_output "${want%$'\n'}"
}

@test "one drop by FIN: resumed at the exact byte with If-Range" {
	check_drops fin 11 $((300 * 1024))
}

@test "three drops by FIN" {
	check_drops fin 12 $((100 * 1024)) $((400 * 1024)) $((700 * 1024))
}

@test "ten drops by FIN" {
	local offs=() i
	for ((i = 1; i <= 10; i++)); do
		offs+=($((i * 90 * 1024)))
	done
	check_drops fin 13 "${offs[@]}"
}

@test "one drop by RST: resumed at the exact byte with If-Range" {
	check_drops rst 14 $((300 * 1024))
}

@test "three drops by RST" {
	check_drops rst 15 $((100 * 1024)) $((400 * 1024)) $((700 * 1024))
}

@test "ten drops by RST" {
	local offs=() i
	for ((i = 1; i <= 10; i++)); do
		offs+=($((i * 90 * 1024)))
	done
	check_drops rst 16 "${offs[@]}"
}

@test "a stall is abandoned after --stall-timeout and resumed" {
	local path=/rs/stall
	run -0 --separate-stderr haul --retry-delay 0 --stall-timeout 0.5 -o s.bin "$TESTSRV_URL$path?size=1M&seed=17&stall=300K"
	assert_equal "$(sha256_of s.bin)" "$(gen_sha 1M 17)"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "at 300\.0 KiB of 1\.0 MiB; retry 1 of 10 in 0(\.0+)?s\$"
	assert_regex "$stderr" "no data|stall"
	run -0 ranges_of "$path"
	assert_output "-|-
bytes=307200-|$(etag_of 17 1 1048576)"
	wait_until "[ \$(testsrv_ends $path | wc -l) -ge 2 ]"
	run -0 ends_of "$path"
	assert_output "stall-closed
complete"
}

@test "two 503s with Retry-After: 1 are waited for, then the body is byte-exact" {
	local path=/rs/503 t0 t1
	t0=$(date +%s.%N)
	# --retry-delay 0: any wait comes from Retry-After alone.
	run -0 --separate-stderr haul --retry-delay 0 -o r.bin "$TESTSRV_URL$path?size=100K&seed=18&status=503&status_n=2&retry_after=1"
	t1=$(date +%s.%N)
	assert_equal "$(sha256_of r.bin)" "$(gen_sha 100K 18)"
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 2) }' ||
		fail "two Retry-After: 1 waits took only $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s"
	run -0 statuses_of "$path"
	assert_output "503 1
503 1
200 1"
	assert_equal "${#stderr_lines[@]}" 2
	assert_regex "${stderr_lines[0]}" "HTTP 503; retry 1 of 10 in 1(\.0+)?s\$"
	assert_regex "${stderr_lines[1]}" "HTTP 503; retry 2 of 10 in 1(\.0+)?s\$"
}

@test "a new version at the second request: the file is the new version, never spliced" {
	local path=/rs/newv
	run -0 --separate-stderr haul --retry-delay 0 -o n.bin "$TESTSRV_URL$path?size=1M&seed=19&newv_at=2&fin=256K"
	assert_equal "$(sha256_of n.bin)" "$(gen_sha 1M 19 2)"
	assert_regex "$stderr" "start(ing|ed) over"
	run -0 ranges_of "$path"
	assert_output "-|-
bytes=262144-|$(etag_of 19 1 1048576)"
	run -0 statuses_of "$path"
	assert_output "200 1
200 2"
}

@test "a server that ignores Range: the file is still byte-exact" {
	local path=/rs/norange
	run -0 --separate-stderr haul --retry-delay 0 -o nr.bin "$TESTSRV_URL$path?size=1M&seed=20&norange=1&fin=256K"
	assert_equal "$(sha256_of nr.bin)" "$(gen_sha 1M 20)"
	run -0 statuses_of "$path"
	assert_output "200 1
200 1"
	run -0 ranges_of "$path"
	assert_line -n 1 --regexp '^bytes=262144-\|'
}

# check_badrange KIND: a 206 whose Content-Range lies (after a cut at
# 256 KiB) is refused with exit 10; nothing of it is written.
check_badrange() {
	local kind=$1 path=/rs/badrange-$1
	run -10 --separate-stderr haul --retry-delay 0 -o b.bin "$TESTSRV_URL$path?size=1M&seed=21&badrange=$kind&fin=256K"
	assert_regex "$stderr" "Content-Range|total"
	assert_regex "$stderr" "refused"
	assert_file_not_exists b.bin
	assert_file_exists b.bin.part
	assert_file_exists b.bin.part.haul
	assert_equal "$(size_of b.bin.part)" 262144
	assert_equal "$(sha256_of b.bin.part)" "$(prefix_sha 256K 21)"
	assert_equal "$(journal_next b.bin.part.haul)" 262144
	run -0 ranges_of "$path"
	assert_output "-|-
bytes=262144-|$(etag_of 21 1 1048576)"
}

@test "a 206 that claims another first byte (badrange=start): exit 10, nothing of it written" {
	check_badrange start
}

@test "a 206 that claims another total (badrange=total): exit 10, nothing of it written" {
	check_badrange total
}

@test "a 206 with the whole body from byte 0 (badrange=from0): exit 10, nothing of it written" {
	check_badrange from0
}

# check_cut_body SWITCH KIND SEED: a body sent with SWITCH (chunked=1 or
# nolen=1) cut by KIND (fin or rst) at 300 KiB comes out byte-exact and is
# resumed at the byte of the cut.
check_cut_body() {
	local sw=$1 kind=$2 seed=$3 path=/rs/cut-${1%%=*}-$2
	run -0 --separate-stderr haul --retry-delay 0 -o c.bin "$TESTSRV_URL$path?size=1M&seed=$seed&$sw&$kind=300K"
	assert_equal "$(sha256_of c.bin)" "$(gen_sha 1M "$seed")"
	assert_file_not_exists c.bin.part
	run -0 ranges_of "$path"
	assert_line -n 0 "-|-"
	assert_line -n 1 "bytes=307200-|$(etag_of "$seed" 1 1048576)"
	run -0 ends_of "$path"
	assert_line -n 0 "$kind"
	assert_line -n 1 "complete"
}

@test "a chunked body cut by FIN is byte-exact" {
	check_cut_body chunked=1 fin 22
}

@test "a chunked body cut by RST is byte-exact" {
	check_cut_body chunked=1 rst 23
}

@test "a close-delimited body cut by FIN: the extra ranged request finds the rest" {
	check_cut_body nolen=1 fin 24
	# The first response had no length: only the extra request after its
	# close can have found the rest.
	run -0 testsrv_requests /rs/cut-nolen-fin
	assert_equal "${#lines[@]}" 2
}

@test "a close-delimited body cut by RST is byte-exact" {
	check_cut_body nolen=1 rst 25
}

@test "a redirect then a drop: resumed against the final URL" {
	local key=/rs/redir
	run -0 --separate-stderr haul --retry-delay 0 -o rd.bin "$TESTSRV_URL/redirect/2$key?size=1M&seed=26&fin=256K"
	assert_equal "$(sha256_of rd.bin)" "$(gen_sha 1M 26)"
	run -0 jq -r --arg k "$key" 'select(.ev == "req" and .key == $k) | "\(.path) \(.status) \(.headers.range // "-")"' "$TESTSRV_LOG"
	assert_output "/redirect/2/rs/redir 302 -
/redirect/1/rs/redir 302 -
/redirect/0/rs/redir 200 -
/redirect/0/rs/redir 206 bytes=262144-"
}

@test "stdout: drops by FIN and RST are resumed, the output is byte-exact" {
	local path=/rs/stdout-drops
	run -0 --separate-stderr bash -c "set -o pipefail; \"\$HAUL\" --retry-delay 0 '$TESTSRV_URL$path?size=1M&seed=27&fin=100K,200K&rst=500K' | sha256sum"
	assert_equal "${output%% *}" "$(gen_sha 1M 27)"
	assert_equal "${#stderr_lines[@]}" 3
	local etag
	etag=$(etag_of 27 1 1048576)
	run -0 ranges_of "$path"
	assert_output "-|-
bytes=102400-|$etag
bytes=204800-|$etag
bytes=512000-|$etag"
}

@test "stdout: a new version at the second request fails with exit 12; what was written is the old version's start" {
	local path=/rs/stdout-newv
	run -12 --separate-stderr bash -c "set -o pipefail; \"\$HAUL\" --retry-delay 0 '$TESTSRV_URL$path?size=1M&seed=28&newv_at=2&fin=300K' | cat >o.bin"
	assert_regex "$stderr" "changed"
	assert_equal "$(size_of o.bin)" 307200
	assert_equal "$(sha256_of o.bin)" "$(prefix_sha 300K 28)"
	run -0 statuses_of "$path"
	assert_output "200 1
200 2"
}

@test "stdout: a server that ignores Range with an unchanged ETag: the bytes written are skipped" {
	local path=/rs/stdout-norange
	run -0 --separate-stderr bash -c "set -o pipefail; \"\$HAUL\" --retry-delay 0 --events ev.json '$TESTSRV_URL$path?size=1M&seed=29&norange=1&fin=300K' | sha256sum"
	assert_equal "${output%% *}" "$(gen_sha 1M 29)"
	run -0 statuses_of "$path"
	assert_output "200 1
200 1"
	run -0 jq -r 'select(.event == "resume") | "\(.offset) \(.validated_by)"' ev.json
	assert_output "307200 skip"
}

@test "-c over another tool's partial file of an old version: starts over, the result is the new version" {
	local path=/rs/c-old
	"$TESTSRV" --gen --size 3000000 --seed 30 --version 1 >f.bin
	run -0 --separate-stderr haul -c -o f.bin "$TESTSRV_URL$path?size=8M&seed=30&v=2"
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 8M 30 2)"
	assert_regex "$stderr" "differ"
	assert_regex "$stderr" "start(ing|ed) over"
	assert_file_not_exists f.bin.part
	assert_file_not_exists f.bin.part.haul
	# It checked the end of the file first.
	run -0 ranges_of "$path"
	assert_line -n 0 --regexp "^bytes=$((3000000 - 65536))-\|"
}

@test "-c over another tool's partial file of the right version: continued after checking its last 64 KiB" {
	local path=/rs/c-right size=8388608 have=3000000
	"$TESTSRV" --gen --size $have --seed 31 >f.bin
	run -0 --separate-stderr haul -c --events ev.json -o f.bin "$TESTSRV_URL$path?size=8M&seed=31"
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 8M 31)"
	assert_file_not_exists f.bin.part
	assert_file_not_exists f.bin.part.haul
	run -0 ranges_of "$path"
	assert_line -n 0 --regexp "^bytes=$((have - 65536))-\|"
	run -0 jq -r 'select(.event == "resume") | .validated_by' ev.json
	assert_output overlap
	# The rest, the 64 KiB compared, and little more.
	local sent
	sent=$(sent_after "$path")
	[ "$sent" -le $((size - have + 65536 + 16384)) ] || fail "the server sent $sent bytes for $((size - have)) missing"
}

@test "-c over a partial file longer than the resource: starts over, the result is exact" {
	local path=/rs/c-long
	"$TESTSRV" --gen --size 9M --seed 32 >f.bin
	run -0 --separate-stderr haul -c --retry-delay 0 -o f.bin "$TESTSRV_URL$path?size=8M&seed=32"
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 8M 32)"
	assert_regex "$stderr" "start(ing|ed) over"
	assert_file_not_exists f.bin.part
	assert_file_not_exists f.bin.part.haul
}

@test "-c over a complete FILE (an earlier run finished it): checked, kept, not fetched again" {
	local path=/rs/c-whole
	"$TESTSRV" --gen --size 3M --seed 33 >f.bin
	"$TESTSRV" --gen --size 5000 --seed 34 >s.bin
	run -0 --separate-stderr haul -c -o f.bin "$TESTSRV_URL$path?size=3M&seed=33" \
		-o s.bin "$TESTSRV_URL$path-small?size=5000&seed=34"
	refute_regex "$stderr" "start(ing|ed) over"
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 3M 33)"
	assert_equal "$(sha256_of s.bin)" "$(gen_sha 5000 34)"
	assert_file_not_exists f.bin.part
	# One request each: the last 64 KiB (all of the small one), no full 200.
	run -0 ranges_of "$path"
	assert_output --regexp "^bytes=$((3145728 - 65536))-\|[^|]*$"
	run -0 ranges_of "$path-small"
	assert_output --regexp "^bytes=0-\|[^|]*$"
}

@test "kill -9 at about half, then -c: continues at the journal's offset with If-Range, byte-exact" {
	local path=/rs/kill9 size=8388608
	local url="$TESTSRV_URL$path?size=8M&seed=33&rate=4M"
	${HAUL_WRAPPER:-} "$HAUL" -o k.bin "$url" 2>/dev/null 3>&- &
	BG_PID=$!
	# Half the file on disk, and a journal saved since the first second.
	wait_until "{ [ \$(size_of k.bin.part) -ge $((size / 2)) ] && [ \$(journal_next k.bin.part.haul) -ge $((size / 4)) ]; } || ! kill -0 $BG_PID 2>/dev/null"
	kill -0 "$BG_PID" || fail "haul ended before it could be killed"
	kill -KILL "$BG_PID"
	wait "$BG_PID" || true
	BG_PID=

	assert_file_exists k.bin.part.haul
	assert_file_not_exists k.bin
	local next n0
	next=$(journal_next k.bin.part.haul)
	[ "$next" -gt 0 ] && [ "$next" -le "$(size_of k.bin.part)" ] ||
		fail "journal next $next, .part $(size_of k.bin.part) bytes"
	run -0 jq -r '.url' k.bin.part.haul
	assert_output "$url"
	n0=$(last_req_n)

	run -0 --separate-stderr haul -c -o k.bin "$url"
	assert_equal "$(sha256_of k.bin)" "$(gen_sha 8M 33)"
	assert_file_not_exists k.bin.part
	assert_file_not_exists k.bin.part.haul
	run -0 ranges_of "$path"
	assert_output "-|-
bytes=$next-|$(etag_of 33 1 $size)"
	# The second run fetched the rest and no more.
	assert_equal "$(sent_after "$path" "$n0")" $((size - next))
}

@test "kill -9, the resource changes, then -c: the result is the new version, never spliced" {
	local path=/rs/kill9-newv
	local url="$TESTSRV_URL$path?size=4M&seed=34&rate=8M&newv_at=2"
	${HAUL_WRAPPER:-} "$HAUL" -o k.bin "$url" 2>/dev/null 3>&- &
	BG_PID=$!
	wait_until "[ \$(journal_next k.bin.part.haul) -gt 0 ] || ! kill -0 $BG_PID 2>/dev/null"
	kill -0 "$BG_PID" || fail "haul ended before it could be killed"
	kill -KILL "$BG_PID"
	wait "$BG_PID" || true
	BG_PID=
	local next
	next=$(journal_next k.bin.part.haul)
	[ "$next" -gt 0 ] || fail "no journal"

	run -0 --separate-stderr haul -c -o k.bin "$url"
	assert_equal "$(sha256_of k.bin)" "$(gen_sha 4M 34 2)"
	assert_regex "$stderr" "start(ing|ed) over"
	assert_file_not_exists k.bin.part
	assert_file_not_exists k.bin.part.haul
	run -0 ranges_of "$path"
	assert_output "-|-
bytes=$next-|$(etag_of 34 1 4194304)"
	run -0 statuses_of "$path"
	assert_output "200 1
200 2"
}

# check_signal INT|TERM STATUS SEED: the signal stops haul with STATUS, a
# line says to run again with -c, the journal is saved; -c finishes it.
check_signal() {
	local sig=$1 status=$2 seed=$3 path=/rs/sig-$1
	local url="$TESTSRV_URL$path?size=2M&seed=$seed&rate=4M"
	${HAUL_WRAPPER:-} "$HAUL" -o g.bin "$url" 2>err.txt 3>&- &
	BG_PID=$!
	wait_until "[ \$(size_of g.bin.part) -ge 262144 ] || ! kill -0 $BG_PID 2>/dev/null"
	kill -0 "$BG_PID" || fail "haul ended before the signal"
	kill -"$sig" "$BG_PID"
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" "$status"
	run -0 cat err.txt
	assert_output --regexp "g\.bin\.part.*-c|-c.*g\.bin\.part"
	assert_file_exists g.bin.part
	assert_file_exists g.bin.part.haul
	assert_file_not_exists g.bin
	local next
	next=$(journal_next g.bin.part.haul)
	[ "$next" -gt 0 ] || fail "journal next is $next"
	assert_equal "$next" "$(size_of g.bin.part)"

	run -0 --separate-stderr haul -c -o g.bin "$url"
	assert_equal "$(sha256_of g.bin)" "$(gen_sha 2M "$seed")"
	assert_file_not_exists g.bin.part
	assert_file_not_exists g.bin.part.haul
	run -0 ranges_of "$path"
	assert_output "-|-
bytes=$next-|$(etag_of "$seed" 1 2097152)"
}

@test "SIGINT: exit 130, a line saying to use -c, the journal saved; -c finishes it" {
	check_signal INT 130 35
}

@test "SIGTERM: exit 143, a line saying to use -c, the journal saved; -c finishes it" {
	check_signal TERM 143 36
}

@test "without -c an existing FILE.part and journal are replaced: the download starts at 0" {
	local path=/rs/no-c
	local url="$TESTSRV_URL$path?size=1M&seed=37&fin=256K"
	run -11 --separate-stderr haul --retry 0 -o p.bin "$url"
	assert_file_exists p.bin.part
	assert_file_exists p.bin.part.haul
	run -0 --separate-stderr haul -o p.bin "$url"
	assert_equal "$(sha256_of p.bin)" "$(gen_sha 1M 37)"
	assert_file_not_exists p.bin.part
	assert_file_not_exists p.bin.part.haul
	run -0 ranges_of "$path"
	assert_output "-|-
-|-"
}

@test "404 is not retried" {
	local path=/rs/404
	run -5 --separate-stderr haul --retry-delay 0 -o e.bin "$TESTSRV_URL$path?status=404"
	assert_regex "$stderr" "HTTP 404"
	run -0 testsrv_requests "$path"
	assert_equal "${#lines[@]}" 1
	assert_file_not_exists e.bin
	assert_file_not_exists e.bin.part
}

@test "500 with --retry 2: three requests, then exit 5" {
	local path=/rs/500
	run -5 --separate-stderr haul --retry 2 --retry-delay 0 -o e.bin "$TESTSRV_URL$path?status=500"
	assert_regex "${stderr_lines[0]}" "HTTP 500; retry 1 of 2"
	assert_regex "${stderr_lines[1]}" "HTTP 500; retry 2 of 2"
	run -0 statuses_of "$path"
	assert_output "500 1
500 1
500 1"
	assert_file_not_exists e.bin
}

@test "connection refused with --retry-connrefused is retried --retry times, then exit 7" {
	run -7 --separate-stderr haul --retry-connrefused --retry 3 --retry-delay 0.05 --summary sum.json -o e.bin "http://127.0.0.1:1/rs/refused"
	assert_equal "${#stderr_lines[@]}" 4
	assert_regex "${stderr_lines[0]}" "retry 1 of 3 in "
	assert_regex "${stderr_lines[1]}" "retry 2 of 3 in "
	assert_regex "${stderr_lines[2]}" "retry 3 of 3 in "
	run -0 jq -r '.transfers[0] | "\(.attempts) \(.disconnects_by_kind.refused) \(.exit_code)"' sum.json
	assert_output "4 4 7"
	assert_file_not_exists e.bin
}

@test "--retry 0: the first drop is final (exit 11), FILE.part stays resumable" {
	local path=/rs/retry0
	local url="$TESTSRV_URL$path?size=1M&seed=38&rst=256K"
	run -11 --separate-stderr haul --retry 0 -o z.bin "$url"
	assert_regex "$stderr" "connection reset at 256\.0 KiB"
	assert_file_not_exists z.bin
	assert_equal "$(size_of z.bin.part)" 262144
	assert_equal "$(journal_next z.bin.part.haul)" 262144
	run -0 testsrv_requests "$path"
	assert_equal "${#lines[@]}" 1
	run -0 --separate-stderr haul -c -o z.bin "$url"
	assert_equal "$(sha256_of z.bin)" "$(gen_sha 1M 38)"
	run -0 ranges_of "$path"
	assert_line -n 1 "bytes=262144-|$(etag_of 38 1 1048576)"
}

@test "an attempt that made progress resets the retry count: --retry 1 survives three drops" {
	local path=/rs/progress
	run -0 --separate-stderr haul --retry 1 --retry-delay 0 -o q.bin "$TESTSRV_URL$path?size=1M&seed=39&fin=100K,400K,700K"
	assert_equal "$(sha256_of q.bin)" "$(gen_sha 1M 39)"
	assert_equal "${#stderr_lines[@]}" 3
	local l
	for l in "${stderr_lines[@]}"; do
		assert_regex "$l" "retry 1 of 1 in "
	done
	run -0 testsrv_requests "$path"
	assert_equal "${#lines[@]}" 4
}

@test "--max-time: a slow download ends with exit 9 and keeps its .part" {
	local path=/rs/maxtime
	run -9 --separate-stderr haul -m 1 -o m.bin "$TESTSRV_URL$path?size=4M&seed=40&rate=1M"
	assert_regex "$stderr" "max-time"
	assert_file_not_exists m.bin
	assert_file_exists m.bin.part
	assert_file_exists m.bin.part.haul
	local have
	have=$(size_of m.bin.part)
	[ "$have" -gt 0 ] && [ "$have" -lt 4194304 ] || fail ".part has $have bytes"
	assert_equal "$(sha256_of m.bin.part)" "$(testsrv_sha256 --size "$have" --seed 40)"
}

# nginx sends whole files at 2 MiB/s and ranges at full speed, so a first
# download can be interrupted and its continuation is quick.  (haul's
# --limit-rate cannot do it: libcurl lets the first few MiB through at once.)
NGINX_SLOW='limit_rate 2m; if ($http_range) { set $limit_rate 0; }'

# nginx_partial NAME SEED: serve an 8 MiB file, start haul on it and kill -9
# it once its journal names some bytes.  Sets NEXT.
nginx_partial() {
	local name=$1 seed=$2
	"$TESTSRV" --gen --size 8M --seed "$seed" >"$NGINX_WWW/$name"
	touch -d '2024-01-01 00:00:00' "$NGINX_WWW/$name"
	${HAUL_WRAPPER:-} "$HAUL" -o "$name" "$NGINX_URL/$name" 2>/dev/null 3>&- &
	BG_PID=$!
	wait_until "[ \$(journal_next $name.part.haul) -gt 0 ] || ! kill -0 $BG_PID 2>/dev/null"
	kill -0 "$BG_PID" || fail "haul ended before it could be killed"
	kill -KILL "$BG_PID"
	wait "$BG_PID" || true
	BG_PID=
	NEXT=$(journal_next "$name.part.haul")
	[ "$NEXT" -gt 0 ] && [ "$NEXT" -lt 8388608 ] || fail "journal next is $NEXT"
}

@test "nginx: a plain download is byte-exact" {
	nginx_start "$BATS_TEST_TMPDIR/ng"
	"$TESTSRV" --gen --size 5M --seed 41 >"$BATS_TEST_TMPDIR/ng/www/plain.bin"
	run -0 --separate-stderr haul -o plain.bin "$NGINX_URL/plain.bin"
	assert_equal "$(sha256_of plain.bin)" "$(gen_sha 5M 41)"
	assert_file_not_exists plain.bin.part
}

@test "nginx: kill -9 then -c resumes with a 206 and is byte-exact" {
	nginx_start "$BATS_TEST_TMPDIR/ng" "$NGINX_SLOW"
	NGINX_WWW=$BATS_TEST_TMPDIR/ng/www
	local log=$BATS_TEST_TMPDIR/ng/nginx/access.log
	nginx_partial res.bin 42
	run -0 --separate-stderr haul -c -o res.bin "$NGINX_URL/res.bin"
	assert_equal "$(sha256_of res.bin)" "$(gen_sha 8M 42)"
	assert_file_not_exists res.bin.part
	assert_file_not_exists res.bin.part.haul
	wait_until "grep -q '\" 206 ' '$log'"
	run -0 grep -c '"GET /res.bin HTTP/1.1" 206 ' "$log"
	assert_output 1
	run -0 grep '"GET /res.bin HTTP/1.1" 206 ' "$log"
	assert_output --regexp "\" 206 $((8388608 - NEXT)) "
}

@test "nginx: the file replaced on disk before -c: the result is the new file, never spliced" {
	nginx_start "$BATS_TEST_TMPDIR/ng" "$NGINX_SLOW"
	NGINX_WWW=$BATS_TEST_TMPDIR/ng/www
	local log=$BATS_TEST_TMPDIR/ng/nginx/access.log
	nginx_partial chg.bin 43
	# Same size, new bytes, an mtime a minute later: only the validators
	# tell the versions apart.
	"$TESTSRV" --gen --size 8M --seed 44 >"$NGINX_WWW/chg.bin"
	touch -d '2024-01-01 00:01:00' "$NGINX_WWW/chg.bin"
	run -0 --separate-stderr haul -c -o chg.bin "$NGINX_URL/chg.bin"
	assert_equal "$(sha256_of chg.bin)" "$(gen_sha 8M 44)"
	assert_regex "$stderr" "start(ing|ed) over"
	assert_file_not_exists chg.bin.part
	assert_file_not_exists chg.bin.part.haul
	run -1 grep -c '"GET /chg.bin HTTP/1.1" 206 ' "$log"
	assert_output 0
	run -0 grep -c '"GET /chg.bin HTTP/1.1" 200 ' "$log"
	assert_output 2
}

@test "-c with a journal but no validator at all: the overlap is checked before continuing" {
	local path=/rs/novalid
	local url="$TESTSRV_URL$path?size=4M&seed=51&etag=none&lm=0&fin=3M"
	run -11 --separate-stderr haul --retry 0 -o nv.bin "$url"
	run -0 jq -r '[.etag, .last_modified, .segments[0].next] | join("|")' nv.bin.part.haul
	assert_output "||3145728"
	run -0 --separate-stderr haul -v -c -o nv.bin "$url"
	assert_equal "$(sha256_of nv.bin)" "$(gen_sha 4M 51)"
	# The second run asked for the 64 KiB before the journal's offset too,
	# and compared them: no If-Range could have protected it.
	run -0 ranges_of "$path"
	assert_line "bytes=$((3145728 - 65536))-|-"
	assert_regex "$stderr" "the last 65536 bytes of nv.bin.part match the server's; continuing at byte 3145728"
}

@test "-c with a journal but no validator, and the resource changed: starts over, never spliced" {
	local path=/rs/novalid-new
	local url="$TESTSRV_URL$path?size=4M&seed=52&etag=none&lm=0&fin=3M&newv_at=2"
	run -11 --separate-stderr haul --retry 0 -o nn.bin "$url"
	run -0 --separate-stderr haul -c -o nn.bin "$url"
	assert_equal "$(sha256_of nn.bin)" "$(gen_sha 4M 52 2)"
	assert_regex "$stderr" "differs from the server's copy; starting over"
}

@test "-c over a complete FILE.part (a checksum failed): kept whole, not emptied" {
	local url="$TESTSRV_URL/rs/complete-part?size=1M&seed=53"
	run -14 --separate-stderr haul --checksum "sha256:$(printf '0%.0s' {1..64})" -o cp.bin "$url"
	assert_file_exists cp.bin.part
	run -0 --separate-stderr haul -c -o cp.bin "$url"
	assert_equal "$(stat -c %s cp.bin)" 1048576
	assert_equal "$(sha256_of cp.bin)" "$(gen_sha 1M 53)"
}

@test "no validator, a new version after a drop, within one run: a file starts over" {
	local url="$TESTSRV_URL/rs/nv-run?size=1M&seed=54&etag=none&lm=0&fin=512K&newv_at=2"
	run -0 --separate-stderr haul --retry-delay 0 -o nvr.bin "$url"
	assert_equal "$(sha256_of nvr.bin)" "$(gen_sha 1M 54 2)"
	assert_regex "$stderr" "differs from the server's copy; starting over"
	# The resume asked for the 64 KiB before the cut, to compare them.
	run -0 ranges_of /rs/nv-run
	assert_line "bytes=$((524288 - 65536))-|-"
}

@test "no validator, a new version after a drop, on stdout: exit 12, never spliced" {
	local url="$TESTSRV_URL/rs/nv-stdout?size=1M&seed=55&etag=none&lm=0&fin=512K&newv_at=2"
	run --separate-stderr bash -c "set -o pipefail; \"\$HAUL\" --retry-delay 0 '$url' > out.bin"
	assert_equal "$status" 12
	assert_regex "$stderr" "the bytes before the resume point differ from the server's"
	# What was written is the old version's first half, nothing else.
	assert_equal "$(stat -c %s out.bin)" 524288
	assert_equal "$(sha256_of out.bin)" "$("$TESTSRV" --gen --size 512K --seed 55 | sha256sum | cut -d' ' -f1)"
}

@test "no validator, same version, on stdout: the overlap matches and the output is exact" {
	local url="$TESTSRV_URL/rs/nv-same?size=1M&seed=56&etag=none&lm=0&fin=512K"
	run -0 --separate-stderr bash -c "\"\$HAUL\" --retry-delay 0 '$url' | sha256sum"
	assert_equal "${output%% *}" "$(gen_sha 1M 56)"
	run -0 ranges_of /rs/nv-same
	assert_line "bytes=$((524288 - 65536))-|-"
}
