#!/usr/bin/env bats
# mirrors.bats - one file, several sources (--mirror, several URLs on one
# --input-file line): a source that dies is set aside and the next one
# takes the rest over; a source that serves other bytes is found by the
# overlap compared on the switch, named and dropped, never spliced in; no
# source left is the last failure's exit status; and -c after kill -9
# goes on with the sources and the source the journal names; --limit-rate
# and --memstats' accounts hold across a switch.  Every file
# is checked byte for byte; testsrv's logs show what each source was asked
# and sent.  A source that "dies" is a second testsrv killed with SIGKILL.

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
	DYING_PID=
}

teardown() {
	show_stderr_files
	for p in "${BG_PID:-}" "${DYING_PID:-}"; do
		if [ -n "$p" ]; then
			kill -KILL "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		fi
	done
}

# A second testsrv in ./dying, to be killed: DYING_URL, DYING_LOG, DYING_PID.
# ARGS go to the server.
start_dying() {
	mkdir -p dying
	"$(testsrv_bin)" --quiet --port-file dying/port --log dying/log "$@" </dev/null \
		>dying/out 2>dying/err &
	DYING_PID=$!
	wait_until 'test -s dying/port'
	DYING_URL=http://127.0.0.1:$(cat dying/port)
	DYING_LOG=$BATS_TEST_TMPDIR/dying/log
}

# Waits until the dying server holds a response at its hold= offset.
wait_hold() {
	local i
	for ((i = 0; i < 1000; i++)); do
		[ -s "$DYING_LOG" ] && jq -e -s 'any(.[]; .ev == "hold")' "$DYING_LOG" >/dev/null && return 0
		sleep 0.01
	done
	echo "no hold in $DYING_LOG after 10 s" >&2
	return 1
}

kill_dying() {
	kill -KILL "$DYING_PID"
	wait "$DYING_PID" 2>/dev/null || true
	DYING_PID=
}

@test "three sources: one dies at 30%, one serves another version, one is slow: byte-exact; the other version is named, dropped and none of its bytes kept" {
	local size=4194304 at=1258291 seed=71
	local resume=$((at - 65536))
	start_dying
	local a="$DYING_URL/m1/a?size=4M&seed=$seed&hold=$at"
	local b="$TESTSRV_URL/m1/b?size=4M&seed=$seed&v=2"
	local c="$TESTSRV_URL/m1/c?size=4M&seed=$seed&rate=1M"
	"$HAUL" -o out.bin --events ev.json "$a" --mirror "$b" --mirror "$c" 2>stderr.txt 3>&- &
	BG_PID=$!
	wait_hold
	kill_dying
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 0
	assert_equal "$(sha256sum out.bin | cut -d' ' -f1)" "$(gen_sha 4M $seed 1)"
	# Each switch is one warning line naming the source and why.
	run -0 grep -c "source $a: Failed to connect to .*; set aside; continuing from $b" stderr.txt
	assert_output 1
	run -0 grep -Fx "haul: $a: source $b: its bytes before byte $at differ from those held from another source; dropped for this file; continuing from $c" stderr.txt
	run -0 jq -c -s '[.[] | select(.event == "source") | [.source, .action, .next, .offset]]' ev.json
	assert_output "[[\"$a\",\"aside\",\"$b\",$at],[\"$b\",\"dropped\",\"$c\",$at]]"
	# The other version was asked once, for the overlap only: 64 KiB
	# before the resume point, with no validator of another server.
	run -0 testsrv_req_array /m1/b '[.headers.range, .headers["if-range"]]'
	assert_output "[[\"bytes=$resume-\",null]]"
	# Every byte from the resume point on came from the slow source, which
	# was asked from the same overlap and sent all of it.
	run -0 testsrv_req_array /m1/c '.headers.range'
	assert_output "[\"bytes=$resume-\"]"
	run -0 testsrv_end_array /m1/c '[.how, .sent]'
	assert_output "[[\"complete\",$((size - resume))]]"
}

@test "--mirror: a source that answers an HTTP error is dropped, the next serves the file" {
	local a="$TESTSRV_URL/m2/a?size=300K&seed=72&status=404"
	local b="$TESTSRV_URL/m2/b?size=300K&seed=72"
	run -0 haul -o out.bin "$a" --mirror "$b"
	assert_equal "$(sha256sum out.bin | cut -d' ' -f1)" "$(gen_sha 300K 72 1)"
	assert_output "haul: $a: source $a: server answered HTTP 404; dropped for this file; continuing from $b"
	run -0 testsrv_count /m2/a
	assert_output 1
}

@test "--mirror applies to the URL before it; a --mirror before any URL is a usage error" {
	local a="$TESTSRV_URL/m3/a?size=10K&seed=73&status=503"
	local b="$TESTSRV_URL/m3/b?size=10K&seed=73"
	local c="$TESTSRV_URL/m3/c?size=20K&seed=74"
	run -0 haul -q -o one.bin "$a" --mirror "$b" -o two.bin "$c"
	assert_equal "$(sha256sum one.bin | cut -d' ' -f1)" "$(gen_sha 10K 73 1)"
	assert_equal "$(sha256sum two.bin | cut -d' ' -f1)" "$(gen_sha 20K 74 1)"
	run -2 haul --mirror "$b" "$a"
	assert_output "haul: --mirror: bad value '$b': no URL before it (--mirror follows its URL) (see haul --help)"
}

@test "-i: several URLs on one line are one file's sources; the rest of the line is its name" {
	local a="$TESTSRV_URL/m4/a?size=200K&seed=75&status=500"
	local b="$TESTSRV_URL/m4/b?size=200K&seed=75"
	printf '%s %s\tout file.bin\n%s  %s\n%s out.bin %s\n' "$a" "$b" "$a" "$b" "$b" "$a" >list.txt
	run -3 haul -q --retry 0 -O -i list.txt
	assert_equal "$(sha256sum 'out file.bin' | cut -d' ' -f1)" "$(gen_sha 200K 75 1)"
	# Line 2 has no name: -O names it after its first URL.
	assert_equal "$(sha256sum a | cut -d' ' -f1)" "$(gen_sha 200K 75 1)"
	# A URL after the name is not a source: the line is refused.
	assert_output --partial "haul: input line 3: expected \"URL [OUTPUT]\""
	run -0 testsrv_count /m4/a
	assert_output 2
}

@test "every source dead: the last source's failure is the exit status, each source named" {
	start_dying --closed-port-file dying/closed.port
	local closed=http://127.0.0.1:$(cat dying/closed.port)
	local a="$closed/m5/a" b="$closed/m5/b"
	run -7 haul -o out.bin "$a" --mirror "$b"
	assert_line --index 0 --partial "haul: $a: source $a: connection refused"
	assert_line --index 0 --partial "; dropped for this file; continuing from $b"
	assert_line --index 1 --partial "haul: $a: connection refused"
	assert_file_not_exists out.bin
	# All answer HTTP errors: 5.
	run -5 haul -o out.bin "$TESTSRV_URL/m5/c?status=404" --mirror "$TESTSRV_URL/m5/d?status=410"
	assert_line --index 1 "haul: $TESTSRV_URL/m5/c?status=404: server answered HTTP 410"
}

@test "-c after kill -9 goes on with the sources and the source the journal names" {
	local size=4194304 seed=76
	start_dying
	# The first source has no validator; the second a strong ETag, which
	# the journal then holds for it.
	local a="$DYING_URL/m6/a?size=4M&seed=$seed&etag=none&lm=0&hold=1258291"
	local c="$TESTSRV_URL/m6/c?size=4M&seed=$seed&hold=2621440&hold_name=m6"
	"$HAUL" -o out.bin "$a" --mirror "$c" 2>stderr.txt 3>&- &
	BG_PID=$!
	wait_hold
	kill_dying
	testsrv_wait_log '.ev == "hold" and .name == "m6"'
	wait_until "jq -e '.source == 1' out.bin.part.haul >/dev/null 2>&1"
	kill -KILL "$BG_PID"
	wait "$BG_PID" 2>/dev/null || true
	BG_PID=
	run -0 jq -c '.sources' out.bin.part.haul
	assert_output "[\"$a\",\"$c\"]"
	# Only the first URL is given again: the journal adds the other and
	# says the bytes came from it, so -c asks it, with its ETag.
	run haul -c -o out.bin "$a"
	assert_success
	assert_output ""
	assert_equal "$(sha256sum out.bin | cut -d' ' -f1)" "$(gen_sha 4M $seed 1)"
	run -0 testsrv_req_values /m6/c '.headers["if-range"] // "-"'
	assert_line --index 1 "\"s$seed-v1-$size\""
	assert_file_not_exists out.bin.part.haul
}

@test "a mirror that is no http or https URL fails the file at once (exit 3), before any request" {
	run -3 haul -o out.bin "$TESTSRV_URL/m7/a?size=1K" --mirror "ftp://127.0.0.1/m7/b"
	assert_output "haul: $TESTSRV_URL/m7/a?size=1K: --mirror ftp://127.0.0.1/m7/b: only http and https URLs are supported"
	run -0 testsrv_count /m7/a
	assert_output 0
}

@test "stdout: the overlap is compared with the last bytes kept; the other version is dropped, the file byte-exact" {
	local at=700000 seed=77
	start_dying
	local a="$DYING_URL/m8/a?size=2M&seed=$seed&hold=$at"
	local b="$TESTSRV_URL/m8/b?size=2M&seed=$seed&v=2"
	local c="$TESTSRV_URL/m8/c?size=2M&seed=$seed"
	"$HAUL" "$a" --mirror "$b" --mirror "$c" >out.bin 2>stderr.txt 3>&- &
	BG_PID=$!
	wait_hold
	kill_dying
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 0
	assert_equal "$(sha256sum out.bin | cut -d' ' -f1)" "$(gen_sha 2M $seed 1)"
	run -0 grep -c "source $b: its bytes before byte $at differ" stderr.txt
	assert_output 1
	run -0 testsrv_req_array /m8/c '.headers.range'
	assert_output "[\"bytes=$((at - 65536))-\"]"
}

@test "--limit-rate after a switch in mid-body: the new source is paced too, and its attempt (with the 64 KiB overlap) is charged to the transfer in --memstats" {
	# Source a cuts each response after 300K: resumed once, then set
	# aside at 600K; b serves the rest from 64 KiB before it.
	local a="$TESTSRV_URL/m9/a?size=1M&seed=79&every=300K"
	local b="$TESTSRV_URL/m9/b?size=1M&seed=79"
	local t0 secs
	t0=$(date +%s.%N)
	run -0 --separate-stderr haul -q --limit-rate 400K --memstats=ms.json -o out.bin "$a" --mirror "$b"
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", b - a }')
	assert_equal "$(sha256_of out.bin)" "$(gen_sha 1M 79)"
	run -0 testsrv_req_array /m9/a '.headers.range'
	assert_output '[null,"bytes=307200-"]'
	run -0 testsrv_req_array /m9/b '.headers.range'
	assert_output '["bytes=548864-"]'
	# 1 MiB at 400 KiB/s is 2.56 s; had b's 480 KiB come unpaced, the
	# whole would take about 1.5 s.
	awk -v s="$secs" 'BEGIN { exit !(s >= 2.2) }' || fail "1M at --limit-rate 400K took only ${secs}s"
	# Three attempts, each torn down to 0 bytes; the peak holds b's
	# overlap buffer, so b's attempt was counted in the transfer's account.
	run -0 jq -c '.transfers[] | [.attempts, .attempt_live_max, .attempts_leaking, .live_after_teardown, .haul_peak >= 65536]' ms.json
	assert_output '[3,0,0,0,true]'
}
