#!/usr/bin/env bats
# shard.bats - --shard K/N: N runs split one list by FNV-1a 64 of each URL
# and take every line once; the exit status tells a scheduler whether a
# re-run can help (16) or not; the shards' --summary files merge with the
# documented jq line; and the recipes of the README and the man page (GNU
# parallel, and the Kubernetes container command, run here by GNU parallel
# with the index the Job sets) give the whole list byte-exact, also with
# one shard killed and run again, and fetch no complete file twice.  The
# Slurm recipe runs on a real Slurm: slurm.bats.

load helpers
source "$BATS_TEST_DIRNAME/lib/shards.bash"

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
	if [ -n "$BG_PID" ]; then
		kill -KILL "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
}

# fnv_shard URL N: the shard of URL, by FNV-1a 64 computed here, apart
# from haul (bash's arithmetic wraps at 64 bits, signed: h mod N is taken
# from the unsigned value h = 2 * (h >> 1) + (h & 1)).
fnv_shard() {
	local s=$1 n=$2 h=-3750763034362895579 i c
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$(((h ^ c) * 1099511628211))
	done
	echo $(((((h >> 1) & 0x7fffffffffffffff) % n * 2 + (h & 1)) % n))
}

@test "--shard K/N: N runs take every line once, shard = FNV-1a 64 of the URL modulo N" {
	[ -n "$MERGE" ] || fail "no jq merge line in README.md"
	# The man page breaks it into lines: compared without white space.
	LC_ALL=C MANWIDTH=80 man -l "$HAUL_SRCDIR/man/haul.1" 2>/dev/null | tr -d ' \n' |
		grep -qF -- "$(tr -d ' \n' <<<"$MERGE")" || fail "the man page's jq merge line differs from the README's"
	make_list /sh/split 40 >list.txt
	local k
	for k in 0 1 2 3; do
		run -0 --separate-stderr haul -q --shard "$k/4" -i list.txt --summary "s$k.json"
		assert_equal "$stderr" ""
	done
	check_files 40
	# Each line asked once, in the shard its hash names (one jq each for
	# the request log and the summaries: jq's start is what costs here).
	local i want="" asked="" got
	for ((i = 1; i <= 40; i++)); do
		want+="$i s$(fnv_shard "$TESTSRV_URL/sh/split/f$i?size=$(size_of "$i")&seed=$i" 4).json"$'\n'
		asked+="1 /sh/split/f$i"$'\n'
	done
	got=$(jq -r '.transfers[] | "\(.line) \(input_filename)"' s0.json s1.json s2.json s3.json | sort -n)
	assert_equal "$got" "${want%$'\n'}"
	got=$(jq -r 'select(.ev == "req" and (.path | startswith("/sh/split/"))) | .path' "$TESTSRV_LOG" |
		sort | uniq -c | sed 's/^ *//' | sort -t f -k2 -n)
	assert_equal "$got" "${asked%$'\n'}"
	# Every shard took some: the hash spreads the lines.
	for k in 0 1 2 3; do
		[ "$(jq '.totals.transfers' "s$k.json")" -gt 0 ] || fail "shard $k took no line"
	done
	# The documented merge: one report, every line once, totals added up.
	run -0 jq -c -s "$MERGE | [(.transfers | length), ([.transfers[].line] == [range(1; 41)]), .totals.transfers, .totals.succeeded, .totals.failed, .exit_codes]" s0.json s1.json s2.json s3.json
	assert_output '[40,true,40,40,0,[0,0,0,0]]'
	# --shard 0/1 is the whole list; a shard without lines does nothing, 0.
	echo "$TESTSRV_URL/sh/one/x?size=1K x.bin" >one.txt
	k=$(fnv_shard "$TESTSRV_URL/sh/one/x?size=1K" 2)
	run -0 --separate-stderr haul -q --shard "$((1 - k))/2" -i one.txt --summary none.json
	assert_equal "$(testsrv_count /sh/one/x)" 0
	assert_equal "$(jq -c '[.exit_code, .totals.transfers]' none.json)" "[0,0]"
	run -0 --separate-stderr haul -q --shard 0/1 -i one.txt
	assert_equal "$(sha256_of x.bin)" "$(gen_sha 1K)"
}

@test "--shard: the URLs of the command line are sharded too; bad values are usage errors" {
	local a="$TESTSRV_URL/sh/cli/a?size=1K" b="$TESTSRV_URL/sh/cli/b?size=2K&seed=2"
	local ka kb
	ka=$(fnv_shard "$a" 2)
	kb=$(fnv_shard "$b" 2)
	run -0 haul -q --shard "$ka/2" -o a.bin "$a"
	run -0 haul -q --shard "$kb/2" -o b.bin "$b"
	run -0 haul -q --shard "$((1 - ka))/2" -o a2.bin "$a"
	assert_file_not_exists a2.bin
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 1K)"
	assert_equal "$(sha256_of b.bin)" "$(gen_sha 2K 2)"
	assert_equal "$(testsrv_count /sh/cli/a)" 1

	run -2 --separate-stderr haul --shard 4/4 -o x "$a"
	assert_equal "$stderr" "haul: --shard: bad value '4/4': K counts from 0 and must be below N (see haul --help)"
	run -2 --separate-stderr haul --shard 4 -o x "$a"
	assert_equal "$stderr" "haul: --shard: bad value '4': expected K/N, as in 0/4 (see haul --help)"
	run -2 --separate-stderr haul --shard 1/2/3 -o x "$a"
	assert_equal "$stderr" "haul: --shard: bad value '1/2/3': expected K/N, as in 0/4 (see haul --help)"
	run -2 --separate-stderr haul --shard 0/0 -o x "$a"
	assert_equal "$stderr" "haul: --shard: bad value '0/0': N must be a number from 1 to 4294967295 (see haul --help)"
	run -2 --separate-stderr haul --shard -1/2 -o x "$a"
	assert_equal "$stderr" "haul: --shard: bad value '-1/2': expected K/N, as in 0/4 (see haul --help)"
	assert_file_not_exists x
}

@test "--shard exit status: 16 while a failure a re-run may fix remains, the first lasting failure's status when none does, 0 when all is done" {
	cat >list.txt <<-EOF
		$TESTSRV_URL/sh/exit/ok?size=3K&seed=3 ok.bin
		$TESTSRV_URL/sh/exit/busy?size=4K&seed=4&status=503&status_n=1 busy.bin
		$TESTSRV_URL/sh/exit/gone?status=404 gone.bin
	EOF
	# Without --shard: the status of the first URL that failed, as ever.
	cp list.txt plain.txt
	sed -i 's/busy?/busy2?/' plain.txt
	run -5 --separate-stderr haul -q --retry 0 -i plain.txt
	# With it: a 503 remains, a re-run may fix it.
	run -16 --separate-stderr haul -q -c --retry 0 --shard 0/1 -i list.txt --summary s1.json
	run -0 jq -c '[.exit_code, .exit_name, [.transfers[].exit_code]]' s1.json
	assert_output '[16,"TRANSIENT",[0,5,5]]'
	# The re-run gets the file; only the 404 is left: nothing to retry.
	run -5 --separate-stderr haul -q -c --retry 0 --shard 0/1 -i list.txt
	assert_equal "$(sha256_of ok.bin)" "$(gen_sha 3K 3)"
	assert_equal "$(sha256_of busy.bin)" "$(gen_sha 4K 4)"
	assert_file_not_exists gone.bin
	# A list without the lasting failure: done, 0, the complete files kept.
	sed -i '/gone/d' list.txt
	run -0 --separate-stderr haul -q -c --retry 0 --shard 0/1 -i list.txt
	assert_equal "$(sha256_of ok.bin)" "$(gen_sha 3K 3)"
	assert_equal "$(sha256_of busy.bin)" "$(gen_sha 4K 4)"
	# A stall that outlasts its retries is one a re-run may fix too.
	echo "$TESTSRV_URL/sh/exit/stall?size=64K&stall=1000 st.bin" >stall.txt
	run -16 --separate-stderr haul -q --retry 0 --stall-timeout 0.3 --shard 0/1 -i stall.txt
	echo "$TESTSRV_URL/sh/exit/stall2?size=64K&stall=1000 st2.bin" >stall.txt
	run -9 --separate-stderr haul -q --retry 0 --stall-timeout 0.3 -i stall.txt
}

# shard_pid K: the pid of the haul binary running shard K of 4 (not of a
# shell or of parallel around it).
shard_pid() {
	local pid exe
	exe=$(readlink -f "$HAUL_BIN")
	for pid in $(pgrep -f -- "--shard $1/4"); do
		[ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" = "$exe" ] && { echo "$pid"; return 0; }
	done
	return 1
}

@test "GNU parallel: parallel -j4 haul --no-clobber --shard {}/4 -i list.txt ::: 0 1 2 3, one shard killed and run again: the whole list, byte-exact, no complete file fetched again" {
	make_list /sh/par 24 K "&rate=1M" >list.txt
	# Run the recipe; kill shard 2 once it has bytes on disk.
	parallel -j4 haul -q --no-clobber --shard {}/4 -i list.txt ::: 0 1 2 3 2>par.err &
	BG_PID=$!
	# The .part files shard 2 may write (another shard's would not do:
	# the killed one must have bytes to continue).
	local pid parts=() line
	while read -r line; do
		[ "$(fnv_shard "${line% *}" 4)" = 2 ] && parts+=("${line##* }.part")
	done <list.txt
	[ "${#parts[@]}" -gt 0 ] || fail "no line of list.txt is in shard 2"
	wait_until "pid=\$(shard_pid 2) && [ -n \"\$(find ${parts[*]} -size +100k 2>/dev/null)\" ]" 20
	kill -KILL "$pid"
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 1    # parallel: one job failed
	# Some of shard 2's files are not there yet.
	local missing=0 i
	for ((i = 1; i <= 24; i++)); do [ -e "f$i.bin" ] || missing=$((missing + 1)); done
	[ "$missing" -gt 0 ] || fail "the killed shard had finished everything"
	local done_before=() before
	for ((i = 1; i <= 24; i++)); do [ -e "f$i.bin" ] && done_before+=("$i"); done
	before=$(wc -l <"$TESTSRV_LOG")
	# The same command again: every shard done, 0.
	run -0 --separate-stderr parallel -j4 haul -q --no-clobber --shard {}/4 -i list.txt ::: 0 1 2 3
	check_files 24 K
	# What was complete was skipped without a request.
	local again
	again=$(tail -n +"$((before + 1))" "$TESTSRV_LOG" | jq -r 'select(.ev == "req") | .path')
	for i in "${done_before[@]}"; do
		! grep -qx "/sh/par/f$i" <<<"$again" || fail "f$i.bin was complete, and fetched again"
	done
	# The killed shard's files continued where they were, not from 0.
	local ranges
	ranges=$(jq -r 'select(.ev == "req" and (.path | startswith("/sh/par/"))) | .headers.range // empty' "$TESTSRV_LOG")
	grep -q '^bytes=[1-9][0-9]*-$' <<<"$ranges" || fail "no continued range after the kill: $ranges"
}

@test "the Kubernetes Indexed Job's container command, run by GNU parallel with the index it sets, twice: the whole list, then nothing fetched again" {
	make_list /sh/sched 12 >list.txt
	# The container command of the README's Job manifest, as written there.
	local cmd
	# (a folded scalar: its lines joined with spaces).
	cmd=$(awk '/^        - >-$/ { f = 1; next }
		f && /^          / { sub(/^ +/, ""); printf "%s ", $0; next }
		f { exit }' "$HAUL_SRCDIR/README.md")
	[[ $cmd == *'--shard "$JOB_COMPLETION_INDEX/4"'* ]] || fail "not the Job's command: $cmd"
	[ -n "$cmd" ] || fail "no container command in the README's Job manifest"
	run -0 --separate-stderr parallel -j4 JOB_COMPLETION_INDEX={} sh -c "'$cmd'" ::: 0 1 2 3
	check_files 12
	assert_equal "$(jq -r 'select(.ev == "req") | .path' "$TESTSRV_LOG" | grep -c '^/sh/sched/')" 12
	# A pod run again (the Job retries on 16): everything is complete,
	# each shard leaves the files as they are and asks for nothing.
	run -0 --separate-stderr parallel -j4 JOB_COMPLETION_INDEX={} sh -c "'$cmd'" ::: 0 1 2 3
	check_files 12
	assert_equal "$(jq -r 'select(.ev == "req") | .path' "$TESTSRV_LOG" | grep -c '^/sh/sched/')" 12
}
