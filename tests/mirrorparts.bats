#!/usr/bin/env bats
# mirrorparts.bats - -x N with several sources: the parts are spread over
# the sources round robin; a source is checked (the file's first 64 KiB,
# held from the first source, must come back equal) before any byte of
# its own is written; a source that dies is set aside and its parts move
# to another, which first compares the 64 KiB before the resume point; a
# source that serves another version is dropped and none of its bytes is
# written; -c after kill -9 goes on with every part at its own source.
# Three testsrv instances serve one file; each test checks the bytes, the
# exit status, the exact messages and what each server was asked.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
	BG_PID=
	SRV_PIDS=()
	local n
	for n in s1 s2 s3; do
		start_srv "$n"
	done
	S1=$SRV_URL_s1 S2=$SRV_URL_s2 S3=$SRV_URL_s3
}

teardown() {
	show_stderr_files
	local p
	for p in "${BG_PID:-}" "${SRV_PIDS[@]}"; do
		if [ -n "$p" ]; then
			kill -KILL "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		fi
	done
}

# A testsrv in ./NAME: SRV_URL_NAME, SRV_PID_NAME; its log is NAME/log.
start_srv() {
	local name=$1
	mkdir -p "$name"
	"$(testsrv_bin)" --quiet --port-file "$name/port" --log "$name/log" </dev/null \
		>"$name/out" 2>"$name/err" &
	SRV_PIDS+=($!)
	printf -v "SRV_PID_$name" '%s' "$!"
	wait_until "test -s $name/port"
	printf -v "SRV_URL_$name" 'http://127.0.0.1:%s' "$(cat "$name/port")"
}

# The Range headers a server was asked, in order (null: none).
ranges() {
	jq -c -s '[.[] | select(.ev == "req") | .headers.range]' "$1/log"
}

# Waits until server NAME holds a response at a hold= offset.
wait_hold_in() {
	wait_until "jq -e -s 'any(.[]; .ev == \"hold\")' $1/log >/dev/null 2>&1"
}

@test "-x 4 over three sources: every source serves a part, after its first 64 KiB compared equal; byte-exact" {
	local q="size=4M&seed=81"
	local a="$S1/x1/f?$q" b="$S2/x1/f?$q" c="$S3/x1/f?$q"
	run -0 haul -x 4 -o out.bin "$a" --mirror "$b" --mirror "$c"
	assert_output ""
	assert_equal "$(sha256sum out.bin | cut -d' ' -f1)" "$(gen_sha 4M 81 1)"
	# Part k on source k mod 3: the first asks from 0 (the transfer's own
	# part, then part 3); the others first serve the file's first 64 KiB,
	# then their part.
	run -0 ranges s1
	assert_output '[null,"bytes=3145728-4194303"]'
	run -0 ranges s2
	assert_output '["bytes=0-65535","bytes=1048576-2097151"]'
	run -0 ranges s3
	assert_output '["bytes=0-65535","bytes=2097152-3145727"]'
	# Each served its whole part.
	run -0 jq -c -s '[.[] | select(.ev == "end") | .sent]' s3/log
	assert_output '[65536,1048576]'
}

@test "-x 4: a source that dies at 30% is set aside; its part moves to another after a 64 KiB overlap; byte-exact" {
	local q="size=4M&seed=82" at=1258291
	local a="$S1/x2/f?$q" b="$S2/x2/f?$q&hold=$at" c="$S3/x2/f?$q"
	"$HAUL" -x 4 --retry-delay 0.1 -o out.bin --events ev.json "$a" --mirror "$b" --mirror "$c" \
		2>stderr.txt 3>&- &
	BG_PID=$!
	wait_hold_in s2
	kill -KILL "$SRV_PID_s2"
	wait "$SRV_PID_s2" 2>/dev/null || true
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 0
	assert_equal "$(sha256sum out.bin | cut -d' ' -f1)" "$(gen_sha 4M 82 1)"
	# The cut with bytes brought is retried on the same source; the
	# failure after it sets the source aside, named, with the next one.
	run -0 grep -c "^haul: $a: segment 1: " stderr.txt
	assert_output 2
	run -0 grep -x "haul: $a: segment 1: source $b: Failed to connect to .* at byte $at; set aside; continuing from $c" stderr.txt
	run -0 jq -c -s '[.[] | select(.event == "source") | [.source, .action, .next, .offset]]' ev.json
	assert_output "[[\"$b\",\"aside\",\"$c\",$at]]"
	# The part went on at the third source from 64 KiB before the point it
	# stood at, compared, then written to its end.
	run -0 jq -c -s '[.[] | select(.ev == "req") | .headers.range] | .[-1]' s3/log
	assert_output "\"bytes=$((at - 65536))-2097151\""
}

@test "-x 4: a source that serves another version is dropped at its check; none of its bytes is written" {
	local q="size=4M&seed=83"
	local a="$S1/x3/f?$q" b="$S2/x3/f?$q&v=2" c="$S3/x3/f?$q"
	run -0 haul -x 4 -o out.bin --events ev.json "$a" --mirror "$b" --mirror "$c"
	assert_output "haul: $a: segment 1: source $b: its bytes before byte 65536 differ from those held from another source; dropped for this file; continuing from $c"
	assert_equal "$(sha256sum out.bin | cut -d' ' -f1)" "$(gen_sha 4M 83 1)"
	run -0 jq -c -s '[.[] | select(.event == "source") | [.source, .action, .reason, .next]]' ev.json
	assert_output "[[\"$b\",\"dropped\",\"its bytes before byte 65536 differ from those held from another source\",\"$c\"]]"
	# The other version was asked for the file's first 64 KiB only, which
	# are compared and never written; its part came from the third source.
	run -0 ranges s2
	assert_output '["bytes=0-65535"]'
	run -0 jq -c -s '[.[] | select(.ev == "req" and .headers.range == "bytes=1048576-2097151") | .version]' s3/log
	assert_output '[1]'
	run -0 jq -c -s '[.[] | select(.ev == "req") | .headers.range] | unique' s1/log
	assert_output '[null,"bytes=3145728-4194303"]'
}

@test "-x 4: -c after kill -9 goes on with every part at its own source" {
	local q="size=4M&seed=84"
	local a="$S1/x4/f?$q&hold=524288,3670016" b="$S2/x4/f?$q&hold=1572864" c="$S3/x4/f?$q&hold=2621440"
	"$HAUL" -x 4 -o out.bin "$a" --mirror "$b" --mirror "$c" 2>stderr.txt 3>&- &
	BG_PID=$!
	# Every part stands at its hold, and the journal says so.
	wait_until "jq -e '[.segments[].written | tonumber] == [524288, 1572864, 2621440, 3670016]' out.bin.part.haul >/dev/null 2>&1" 20
	kill -KILL "$BG_PID"
	wait "$BG_PID" 2>/dev/null || true
	BG_PID=
	run -0 jq -c '[.sources, .source, [.segments[].source]]' out.bin.part.haul
	assert_output "[[\"$a\",\"$b\",\"$c\"],0,[null,1,2,0]]"
	local n1 n2 n3
	n1=$(jq -s '[.[] | select(.ev == "req")] | length' s1/log)
	n2=$(jq -s '[.[] | select(.ev == "req")] | length' s2/log)
	n3=$(jq -s '[.[] | select(.ev == "req")] | length' s3/log)
	# The holds fired once each: the second run is not held.
	run haul -c -x 4 -o out.bin "$a" --mirror "$b" --mirror "$c"
	assert_success
	assert_output ""
	assert_equal "$(sha256sum out.bin | cut -d' ' -f1)" "$(gen_sha 4M 84 1)"
	assert_file_not_exists out.bin.part.haul
	# The first source's parts go on with its validator; the others are
	# checked again, then compare the 64 KiB before their resume point.
	run -0 jq -c -s "[.[] | select(.ev == \"req\")] | .[$n1:] | map([.headers.range, .headers[\"if-range\"]]) | sort" s1/log
	assert_output '[["bytes=3670016-4194303","\"s84-v1-4194304\""],["bytes=524288-1048575","\"s84-v1-4194304\""]]'
	run -0 jq -c -s "[.[] | select(.ev == \"req\")] | .[$n2:] | map([.headers.range, .headers[\"if-range\"]])" s2/log
	assert_output "[[\"bytes=0-65535\",null],[\"bytes=$((1572864 - 65536))-2097151\",null]]"
	run -0 jq -c -s "[.[] | select(.ev == \"req\")] | .[$n3:] | map(.headers.range)" s3/log
	assert_output "[\"bytes=0-65535\",\"bytes=$((2621440 - 65536))-3145727\"]"
}

@test "-x 4: the first source dies: its own part and its other part both go on at the next source, each after its overlap" {
	local q="size=4M&seed=85"
	local a="$S1/x5/f?$q&hold=524288,3407872" b="$S2/x5/f?$q" c="$S3/x5/f?$q"
	"$HAUL" -x 4 --retry-delay 0.1 -o out.bin "$a" --mirror "$b" --mirror "$c" 2>stderr.txt 3>&- &
	BG_PID=$!
	wait_until "[ \$(jq -s '[.[] | select(.ev == \"hold\")] | length' s1/log) = 2 ]"
	kill -KILL "$SRV_PID_s1"
	wait "$SRV_PID_s1" 2>/dev/null || true
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 0
	assert_equal "$(sha256sum out.bin | cut -d' ' -f1)" "$(gen_sha 4M 85 1)"
	run -0 grep -c "^haul: $a: \(segment 3: \)\?source $a: Failed to connect to .*; set aside; continuing from $b\$" stderr.txt
	assert_output 2
	# Both asked the second source from 64 KiB before where they stood,
	# each for its own part only.
	run -0 jq -c -s '[.[] | select(.ev == "req") | .headers.range] | sort' s2/log
	assert_output "[\"bytes=0-65535\",\"bytes=1048576-2097151\",\"bytes=$((3407872 - 65536))-4194303\",\"bytes=$((524288 - 65536))-1048575\"]"
}
