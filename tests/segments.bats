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
}

teardown() {
	[ -n "${BG_PID:-}" ] && kill -KILL "$BG_PID" 2>/dev/null
	true
}

# "range|if-range|status" of each request for a path, in order.
requests_of() {
	testsrv_requests "$1" | jq -r '"\(.headers.range // "-")|\(.headers["if-range"] // "-")|\(.status)"'
}

@test "-x 4: four connections, each for its part with If-Range, byte-exact" {
	run -0 --separate-stderr haul -x 4 -o f.bin "$TESTSRV_URL/sg/four?size=8M&seed=41&rate=8M"
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 8M 41)"
	run -0 requests_of /sg/four
	assert_output '-|-|200
bytes=2097152-4194303|"s41-v1-8388608"|206
bytes=4194304-6291455|"s41-v1-8388608"|206
bytes=6291456-8388607|"s41-v1-8388608"|206'
	# All four were in flight at once: every request came before any end.
	run -0 jq -rs 'to_entries as $l
		| [$l[] | select(.value.ev == "req" and .value.path == "/sg/four")] as $r
		| ($r | map(.value.n)) as $ns
		| [$l[] | select(.value.ev == "end" and (.value.n as $n | $ns | index($n)))] as $e
		| ($r | map(.key) | max) < ($e | map(.key) | min)' "$TESTSRV_LOG"
	assert_output true
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
	local url="$TESTSRV_URL/sg/kill?size=32M&seed=43&rate=4M"
	"$HAUL" -x 4 -o k.bin "$url" 2>/dev/null 3>&- &
	BG_PID=$!
	wait_until "[ -s k.bin.part.haul ] && [ \"\$(jq '[.segments[] | (.next | tonumber) - (.start | tonumber)] | min' k.bin.part.haul 2>/dev/null || echo 0)\" -gt 0 ]" 15
	kill -KILL "$BG_PID"
	wait "$BG_PID" 2>/dev/null || true
	BG_PID=
	run -0 jq -r '.segments | length' k.bin.part.haul
	assert_output 4
	local nexts
	# On the same boot, each part continues where it was written.
	nexts=$(jq -r '[.segments[] | ((.written // .next | tonumber | tostring) + "-" + ((.end | tonumber) - 1 | tostring))] | join(" ")' k.bin.part.haul)
	run -0 --separate-stderr haul -x 4 -c -o k.bin "$url"
	assert_equal "$(sha256_of k.bin)" "$(gen_sha 32M 43)"
	assert_file_not_exists k.bin.part.haul
	# The second run asked each part for exactly what the journal lacked.
	local r
	for r in $nexts; do
		testsrv_requests /sg/kill | jq -r '.headers.range // "-"' | grep -qx "bytes=$r" ||
			fail "no request for bytes=$r after -c"
	done
}

@test "SIGTERM before the last part got a byte: -c continues every part from the journal" {
	# The last part stalls at its first byte until haul closes it.
	local url="$TESTSRV_URL/sg/term-early?size=12M&seed=50&rate=4M&stall=9437184"
	"$HAUL" -x 4 -o te.bin "$url" 2>/dev/null 3>&- &
	BG_PID=$!
	wait_until "[ \$(stat -c %s te.bin.part 2>/dev/null || echo 0) -gt 6291456 ]" 15
	kill -TERM "$BG_PID"
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 143
	run -0 jq -r '.segments[3] | .next == .start' te.bin.part.haul
	assert_output true
	local nexts
	nexts=$(jq -r '[.segments[] | .next + "-" + ((.end | tonumber) - 1 | tostring)] | join(" ")' te.bin.part.haul)
	run -0 --separate-stderr haul -x 4 -c -o te.bin "$url"
	refute_regex "$stderr" "checking the file instead"
	assert_equal "$(sha256_of te.bin)" "$(gen_sha 12M 50)"
	local r
	for r in $nexts; do
		testsrv_requests /sg/term-early | jq -r '.headers.range // "-"' | grep -qx "bytes=$r" ||
			fail "no request for bytes=$r after -c"
	done
}

@test "a server that answers a part with the whole file: one connection from then on, byte-exact" {
	run -0 --separate-stderr haul -x 4 -o fb.bin "$TESTSRV_URL/sg/fallback?size=8M&seed=44&rate=16M&ignore_range_at=3"
	assert_equal "$(sha256_of fb.bin)" "$(gen_sha 8M 44)"
	assert_regex "$stderr" "the server answered a segment with the whole file; going on over one connection"
}

@test "a new version while the parts are fetched: start over, the result is the new version" {
	run -0 --separate-stderr haul -x 4 --retry-delay 0 -o nv.bin \
		"$TESTSRV_URL/sg/newv?size=8M&seed=45&rate=16M&newv_at=3"
	assert_equal "$(sha256_of nv.bin)" "$(gen_sha 8M 45 2)"
	assert_regex "$stderr" "starting over"
}

@test "small files, stdout and --stream use one connection" {
	run -0 haul -x 4 -o small.bin "$TESTSRV_URL/sg/small?size=1M"
	assert_equal "$(testsrv_requests /sg/small | wc -l)" 1
	run -0 bash -c "\"\$HAUL\" -x 4 '$TESTSRV_URL/sg/stdout?size=8M&seed=46' | sha256sum"
	assert_equal "${output%% *}" "$(gen_sha 8M 46)"
	assert_equal "$(testsrv_requests /sg/stdout | wc -l)" 1
}

@test "a new version after a drop, with -x: the whole file is the new version, never parts of two" {
	run -0 --separate-stderr haul -x 4 --retry-delay 0 -o nv2.bin \
		"$TESTSRV_URL/sg/newv-drop?size=8M&seed=47&rate=16M&fin=1M&newv_at=5"
	assert_equal "$(stat -c %s nv2.bin)" 8388608
	assert_equal "$(sha256_of nv2.bin)" "$(gen_sha 8M 47 2)"
}

@test "kill -9 during -x, a new version, then -c: the new version, never spliced" {
	local url="$TESTSRV_URL/sg/kill-newv?size=16M&seed=48&rate=4M&newv_at=5"
	"$HAUL" -x 4 -o kn.bin "$url" 2>/dev/null 3>&- &
	BG_PID=$!
	wait_until "[ -s kn.bin.part.haul ]" 15
	kill -KILL "$BG_PID"
	wait "$BG_PID" 2>/dev/null || true
	BG_PID=
	run -0 --separate-stderr haul -x 4 -c --retry-delay 0 -o kn.bin "$url"
	assert_equal "$(stat -c %s kn.bin)" 16777216
	assert_equal "$(sha256_of kn.bin)" "$(gen_sha 16M 48 2)"
}

@test "-x with --limit-rate finishes, byte-exact (a paused part resumes)" {
	run -0 --separate-stderr timeout 30 "$HAUL" -x 4 --limit-rate 4M -o lr.bin \
		"$TESTSRV_URL/sg/rate?size=8M&seed=49"
	assert_equal "$(sha256_of lr.bin)" "$(gen_sha 8M 49)"
}
