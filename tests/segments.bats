#!/usr/bin/env bats
# segments.bats - -x/--segments: one file over several connections, each
# part validated like a transfer, resumed on its own, and recorded in the
# journal; fall back to one connection when the server ignores ranges.

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
	show_stderr_files
	if [ -n "${BG_PID:-}" ]; then
		kill -KILL "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	return 0
}

# "written-(end-1)" of every part in a journal (where -c continues on this
# boot; journals of older versions have only next), space-separated.
journal_ranges() {
	jq -r '[.segments[] | ((.written // .next | tonumber | tostring) + "-" + ((.end | tonumber) - 1 | tostring))] | join(" ")' "$1"
}

# Body bytes the server sent for PATH over all its requests.
sent_total() {
	local sent
	sent=$(testsrv_end_array "$1" .sent) || return 1
	jq -n --argjson s "$sent" '$s | add // 0'
}

# "range|if-range|status" of each request for a path, in order.
requests_of() {
	testsrv_req_values "$1" '"\(.headers.range // "-")|\(.headers["if-range"] // "-")|\(.status)"'
}

@test "-x 4: four connections, each for its part with If-Range, byte-exact" {
	# Every part holds 1 MiB into it until all four hold at once.
	"$HAUL" -x 4 -o f.bin "$TESTSRV_URL/sg/four?size=8M&seed=41&hold=1M,3M,5M,7M&hold_name=sg-four" 2>four.stderr 3>&- &
	BG_PID=$!
	testsrv_wait_log '.ev == "hold" and .name == "sg-four"' 4
	run -0 testsrv_release sg-four
	assert_output "released 4"
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 0
	assert_equal "$(cat four.stderr)" ""
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 8M 41)"
	run -0 requests_of /sg/four
	assert_output '-|-|200
bytes=2097152-4194303|"s41-v1-8388608"|206
bytes=4194304-6291455|"s41-v1-8388608"|206
bytes=6291456-8388607|"s41-v1-8388608"|206'
	# All four were in flight at once: each held at its own offset before
	# any response ended; the three ranged parts sent exactly their 2 MiB
	# (the first, a 200 for the whole body, is closed after its part).
	run -0 jq -rs 'to_entries as $l
		| [$l[] | select(.value.ev == "req" and .value.path == "/sg/four")] as $r
		| ($r | map(.value.n)) as $ns
		| [$l[] | select(.value.ev == "hold" and .value.name == "sg-four")] as $h
		| [$l[] | select(.value.ev == "end" and (.value.n as $n | $ns | index($n)))] as $e
		| "\($h | map(.value.offset) | sort) \(($h | map(.key) | max) < ($e | map(.key) | min)) \($e | map(select(.value.n != $ns[0]) | .value.sent))"' "$TESTSRV_LOG"
	assert_output "[1048576,3145728,5242880,7340032] true [2097152,2097152,2097152]"
	assert_file_not_exists f.bin.part.haul
}

@test "drops in several parts: each part resumes on its own, byte-exact" {
	run -0 --separate-stderr haul -x 4 --retry-delay 0 -o d.bin \
		"$TESTSRV_URL/sg/drops?size=8M&seed=42&rate=16M&fin=1M,3M&rst=5M,7M"
	assert_equal "$(sha256_of d.bin)" "$(gen_sha 8M 42)"
	assert_regex "$stderr" "segment 1: connection closed early at byte 3145728; retry 1"
	assert_regex "$stderr" "segment 2: connection reset at byte 5242880; retry 1"
	assert_regex "$stderr" "segment 3: connection reset at byte 7340032; retry 1"
	run -0 requests_of /sg/drops
	assert_line 'bytes=3145728-4194303|"s42-v1-8388608"|206'
	assert_line 'bytes=5242880-6291455|"s42-v1-8388608"|206'
	assert_line 'bytes=7340032-8388607|"s42-v1-8388608"|206'
	assert_line 'bytes=1048576-2097151|"s42-v1-8388608"|206'
}

@test "kill -9, then -c resumes every part from the journal" {
	# Each part is held halfway (a hold fires once per offset: -c is not
	# held); the journal records all four before the kill.
	local url="$TESTSRV_URL/sg/kill?size=32M&seed=43&hold=4M,12M,20M,28M"
	"$HAUL" -x 4 -o k.bin "$url" 2>k.stderr 3>&- &
	BG_PID=$!
	testsrv_wait_log '.ev == "hold" and .name == "/sg/kill"' 4
	wait_until "[ \"\$(journal_ranges k.bin.part.haul 2>/dev/null)\" = '4194304-8388607 12582912-16777215 20971520-25165823 29360128-33554431' ]" 30
	kill -KILL "$BG_PID"
	local rc=0 n0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 137
	assert_equal "$(cat k.stderr)" ""
	n0=$(jq -s '[.[] | select(.ev == "req") | .n] | max' "$TESTSRV_LOG")
	run -0 --separate-stderr haul -x 4 -c -o k.bin "$url"
	assert_equal "$(sha256_of k.bin)" "$(gen_sha 32M 43)"
	assert_file_not_exists k.bin.part.haul
	# The second run asked each part for exactly what the journal lacked,
	# with If-Range, and no byte was fetched twice: 16 MiB, then 16 MiB.
	run -0 testsrv_req_values /sg/kill "select(.n > $n0) | \"\\(.headers.range)|\\(.headers[\"if-range\"])|\\(.status)\""
	assert_equal "$(sort <<<"$output")" "bytes=12582912-16777215|\"s43-v1-33554432\"|206
bytes=20971520-25165823|\"s43-v1-33554432\"|206
bytes=29360128-33554431|\"s43-v1-33554432\"|206
bytes=4194304-8388607|\"s43-v1-33554432\"|206"
	assert_equal "$(sent_total /sg/kill)" 33554432
}

@test "SIGTERM before the last part got a byte: -c continues every part from the journal" {
	# Three parts are held 1 MiB in, the last at its first byte.
	local url="$TESTSRV_URL/sg/term-early?size=12M&seed=50&hold=1M,4M,7M,9M"
	"$HAUL" -x 4 -o te.bin "$url" 2>te.stderr 3>&- &
	BG_PID=$!
	testsrv_wait_log '.ev == "hold" and .name == "/sg/term-early"' 4
	kill -TERM "$BG_PID"
	local rc=0 n0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 143
	run -0 journal_ranges te.bin.part.haul
	assert_output "1048576-3145727 4194304-6291455 7340032-9437183 9437184-12582911"
	n0=$(jq -s '[.[] | select(.ev == "req") | .n] | max' "$TESTSRV_LOG")
	run -0 --separate-stderr haul -x 4 -c -o te.bin "$url"
	refute_regex "$stderr" "checking the file instead"
	assert_equal "$(sha256_of te.bin)" "$(gen_sha 12M 50)"
	run -0 testsrv_req_values /sg/term-early "select(.n > $n0) | .headers.range"
	assert_equal "$(sort -t= -k2 -n <<<"$output")" "bytes=1048576-3145727
bytes=4194304-6291455
bytes=7340032-9437183
bytes=9437184-12582911"
	assert_equal "$(sent_total /sg/term-early)" 12582912
}

@test "a server that answers a part with the whole file: one connection from then on, byte-exact" {
	# The last of the four requests is answered 200 (so all four were
	# sent before haul can have seen it).
	run -0 --separate-stderr haul -x 4 -o fb.bin "$TESTSRV_URL/sg/fallback?size=8M&seed=44&rate=4M&ignore_range_at=4"
	assert_equal "$(sha256_of fb.bin)" "$(gen_sha 8M 44)"
	assert_regex "$stderr" "the server answered a segment with the whole file; going on over one connection"
	# Four requests and no other; the three part connections were closed
	# and the first one, the whole body from byte 0, carried all of it.
	run -0 jq -rs '[.[] | select(.ev == "req" and .path == "/sg/fallback")] as $r
		| ($r | map(.n)) as $ns
		| [.[] | select(.ev == "end" and (.n as $n | $ns | index($n)))] as $e
		| "\($r | length) \($r[0].headers.range) \($r[3].status) \($e | map(select(.n == $ns[0]) | "\(.sent) \(.how)")) \($e | map(select(.n != $ns[0]) | .how) | unique)"' "$TESTSRV_LOG"
	assert_output '4 null 200 ["8388608 complete"] ["client-closed"]'
}

@test "a new version while the parts are fetched: start over, the result is the new version" {
	run -0 --separate-stderr haul -x 4 --retry-delay 0 -o nv.bin \
		"$TESTSRV_URL/sg/newv?size=8M&seed=45&rate=16M&newv_at=3"
	assert_equal "$(sha256_of nv.bin)" "$(gen_sha 8M 45 2)"
	assert_regex "$stderr" "starting over"
}

@test "small files, stdout and --stream use one connection" {
	run -0 haul -x 4 -o small.bin "$TESTSRV_URL/sg/small?size=1M"
	assert_equal "$(sha256_of small.bin)" "$(gen_sha 1M)"
	run -0 testsrv_requests /sg/small
	assert_equal "${#lines[@]}" 1
	run -0 bash -c "set -o pipefail; \"\$HAUL\" -x 4 '$TESTSRV_URL/sg/stdout?size=8M&seed=46' | sha256sum"
	assert_equal "${output%% *}" "$(gen_sha 8M 46)"
	run -0 testsrv_requests /sg/stdout
	assert_equal "${#lines[@]}" 1
	# --stream to a file: one connection too, although the size is known.
	run -0 haul -x 4 --stream -o st.log "$TESTSRV_URL/sg/stream?size=8M&lines=1"
	assert_equal "$(sha256_of st.log)" "$(testsrv_sha256 --size 8M --lines)"
	run -0 testsrv_requests /sg/stream
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -r '.headers.range // "-"' <<<"$output")" -
}

@test "a new version after a drop, with -x: the whole file is the new version, never parts of two" {
	run -0 --separate-stderr haul -x 4 --retry-delay 0 -o nv2.bin \
		"$TESTSRV_URL/sg/newv-drop?size=8M&seed=47&rate=16M&fin=1M&newv_at=5"
	assert_equal "$(stat -c %s nv2.bin)" 8388608
	assert_equal "$(sha256_of nv2.bin)" "$(gen_sha 8M 47 2)"
}

@test "kill -9 during -x, a new version, then -c: the new version, never spliced" {
	# Each part held 2 MiB in until the kill, its bytes in the journal.
	local url="$TESTSRV_URL/sg/kill-newv?size=16M&seed=48&newv_at=5&hold=2M,6M,10M,14M"
	"$HAUL" -x 4 -o kn.bin "$url" 2>kn.stderr 3>&- &
	BG_PID=$!
	testsrv_wait_log '.ev == "hold" and .name == "/sg/kill-newv"' 4
	wait_until "[ \"\$(journal_ranges kn.bin.part.haul 2>/dev/null)\" = '2097152-4194303 6291456-8388607 10485760-12582911 14680064-16777215' ]" 30
	kill -KILL "$BG_PID"
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 137
	assert_equal "$(cat kn.stderr)" ""
	run -0 --separate-stderr haul -x 4 -c --retry-delay 0 -o kn.bin "$url"
	assert_equal "$(stat -c %s kn.bin)" 16777216
	assert_equal "$(sha256_of kn.bin)" "$(gen_sha 16M 48 2)"
}

@test "-x with --limit-rate finishes, byte-exact (a paused part resumes)" {
	# The parts share one 4 MiB/s bucket; a part that finds it empty is
	# paused until the tick refills it.  (timeout: that a paused part was
	# once never resumed is what this test is for.)
	local t0 secs
	t0=$(date +%s.%N)
	run -0 --separate-stderr timeout 120 "$HAUL" -x 4 --limit-rate 4M -o lr.bin \
		"$TESTSRV_URL/sg/rate?size=8M&seed=49"
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
	assert_equal "$(sha256_of lr.bin)" "$(gen_sha 8M 49)"
	# The pauses happened: 8 MiB at 4 MiB/s cannot take less than 2 s less
	# the bucket's 0.4 MiB start; and all four parts were fetched, whole.
	awk -v s="$secs" 'BEGIN { exit !(s >= 1.85) }' || fail "8 MiB at --limit-rate 4M took only ${secs}s"
	run -0 jq -rs '[.[] | select(.ev == "req" and .path == "/sg/rate")] as $r
		| ($r | map(.n)) as $ns
		| "\($r | length) \([.[] | select(.ev == "end" and .n != $ns[0] and (.n as $n | $ns | index($n))) | .sent])"' "$TESTSRV_LOG"
	assert_output "4 [2097152,2097152,2097152]"
}
