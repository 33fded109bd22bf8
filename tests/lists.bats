#!/usr/bin/env bats
# lists.bats - -i lists read as the run goes: a slow pipe starts each
# transfer when its line arrives, memory and --summary stay bounded
# whatever the length, line numbers stay right, and a line whose output
# is that of a job still held fails alone.

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

# producer URL: writes two list lines to stdout, the second only once
# haul has finished the first file (at most 10 s), and closes the pipe
# only once the second is done too; notes in order.txt whether each file
# was there before the pipe went on ("early") or not ("late").
producer() {
	local i
	echo "$1/li/slow/one?size=1K one.bin"
	for ((i = 0; i < 500; i++)); do [ -e one.bin ] && break; sleep 0.02; done
	if [ -e one.bin ]; then echo early >>order.txt; else echo late >>order.txt; fi
	echo "$1/li/slow/two?size=2K&seed=2 two.bin"
	for ((i = 0; i < 500; i++)); do [ -e two.bin ] && break; sleep 0.02; done
	if [ -e two.bin ]; then echo early >>order.txt; else echo late >>order.txt; fi
}

@test "-i - from a slow pipe: each line's transfer starts when the line arrives, not at the end of the list" {
	export -f producer
	run -0 --separate-stderr bash -c 'producer "$1" | "$HAUL" -q -i -' _ "$TESTSRV_URL"
	assert_equal "$stderr" ""
	assert_equal "$(cat order.txt)" "$(printf 'early\nearly')"
	assert_equal "$(sha256_of one.bin)" "$(gen_sha 1K)"
	assert_equal "$(sha256_of two.bin)" "$(gen_sha 2K 2)"
	# stdin's flags are put back: still a blocking descriptor after haul.
	run -0 bash -c 'producer "$1" | { "$HAUL" -q -i - && cat >/dev/null; }' _ "$TESTSRV_URL"
}

@test "-i: line numbers in messages and --summary stay right far past the lines held" {
	local i
	{
		for ((i = 1; i <= 300; i++)); do echo "$TESTSRV_URL/li/num/f$i?size=$((i % 5 * 100 + 1)) /dev/null"; done
		echo "not a url"
		for ((i = 1; i <= 600; i++)); do echo "# comment $i"; done
		echo
		echo "ftp://example.com/x f.bin"
		echo "$TESTSRV_URL/li/num/last?size=1K last.bin"
	} >list.txt
	run -3 --separate-stderr haul -q -P 8 -i list.txt --summary s.json
	assert_equal "$stderr" "haul: input line 301: not: it is not a valid URL
haul: input line 903: ftp://example.com/x: only http and https URLs are supported"
	assert_equal "$(sha256_of last.bin)" "$(gen_sha 1K)"
	run -0 jq -c '[.exit_code, .totals.transfers, .totals.succeeded, .totals.failed]' s.json
	assert_output '[3,303,301,2]'
	# One record a job, in job order, each with its line.
	run -0 jq -c '[.transfers[].id] == [range(1; 304)]' s.json
	assert_output true
	run -0 jq -c '[.transfers[] | select(.exit_code != 0) | [.id, .line, .exit_name, .message]]' s.json
	assert_output '[[301,301,"URL","input line 301: not: it is not a valid URL"],[302,903,"URL","input line 903: ftp://example.com/x: only http and https URLs are supported"]]'
	run -0 jq -c '.transfers[302] | [.id, .line, .output, .bytes]' s.json
	assert_output '[303,904,"last.bin",1024]'
	assert_equal "$(testsrv_count /li/num/f300)" 1
}

@test "-i: 20,000 lines cost no more memory than 1,000, --summary included" {
	local n
	for n in 1000 20000; do
		awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "ftp://127.0.0.1/f%d /dev/null\n", i }' >"list$n"
		run -3 --separate-stderr run_with_rss "rss$n" "$HAUL" -q -i "list$n" --summary "s$n.json"
		assert_equal "${#stderr_lines[@]}" "$n"
		assert_equal "${stderr_lines[$((n - 1))]}" "haul: input line $n: ftp://127.0.0.1/f$n: only http and https URLs are supported"
		run -0 jq -c '[.totals.transfers, .totals.failed, (.transfers | length)]' "s$n.json"
		assert_output "[$n,$n,$n]"
	done
	local small big
	small=$(tail -n 1 rss1000)
	big=$(tail -n 1 rss20000)
	echo "# peak RSS: 1,000 lines ${small} KiB, 20,000 lines ${big} KiB" >&3
	! rss_meaningful || [ "$big" -lt $((small + 4096)) ] ||
		fail "20,000 lines: peak RSS $big KiB, 1,000 lines: $small KiB"
	run -0 jq -c '[.transfers[0].line, .transfers[-1].line]' s20000.json
	assert_output "[1,20000]"
}

@test "-i: an empty list is a usage error (exit 2); a line whose output is a file still being written fails alone, by any spelling; /dev/null twice is no clash" {
	printf '# nothing\n\n   \n' >empty.txt
	run -2 --separate-stderr haul -i empty.txt
	assert_equal "$stderr" "haul: no URL in --input-file empty.txt (see haul --help)"
	run -2 --separate-stderr bash -c ': | "$HAUL" -i -'
	assert_equal "$stderr" "haul: no URL in --input-file - (see haul --help)"

	cat >list.txt <<-EOF
		$TESTSRV_URL/li/clash/a?size=200K&rate=100K a.bin
		$TESTSRV_URL/li/clash/b?size=1K a.bin
		$TESTSRV_URL/li/clash/c?size=1K s.json
		$TESTSRV_URL/li/clash/d?size=2K&seed=4 d.bin
		$TESTSRV_URL/li/clash/e?size=200K&rate=100K&seed=5 sub/e.bin
		$TESTSRV_URL/li/clash/f?size=1K ./sub/../sub/e.bin
		$TESTSRV_URL/li/clash/g?size=100K&rate=100K /dev/null
		$TESTSRV_URL/li/clash/h?size=1K /dev/null
	EOF
	mkdir sub
	run -2 --separate-stderr haul -q -i list.txt --summary s.json
	# Line 6 names line 5's file through another spelling of its directory;
	# lines 7 and 8 both write /dev/null, which is no clash.
	assert_equal "$stderr" "haul: input line 2: its output (a.bin) is that of input line 1, not done yet; give each its own name
haul: input line 3: its output (s.json) is the --summary file; give each its own name
haul: input line 6: its output (./sub/../sub/e.bin) is that of input line 5, not done yet; give each its own name"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 200K)"
	assert_equal "$(sha256_of d.bin)" "$(gen_sha 2K 4)"
	assert_equal "$(sha256_of sub/e.bin)" "$(gen_sha 200K 5)"
	assert_equal "$(testsrv_count /li/clash/b)" 0
	assert_equal "$(testsrv_count /li/clash/c)" 0
	assert_equal "$(testsrv_count /li/clash/f)" 0
	assert_equal "$(testsrv_count /li/clash/h)" 1
	run -0 jq -c '[.exit_code, [.transfers[].exit_code]]' s.json
	assert_output '[2,[0,2,2,0,0,2,0,0]]'
}

@test "-i: a list of 20,000 hosts holds no more per-host state than one of 2,000 (the scheduler forgets a host with its last job); --memstats stays small" {
	local n
	for n in 2000 20000; do
		# Each line its own host; all of them refuse at once (port 1).
		awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "http://h%d.example:1/f f%d\n", i, i }' >"hosts$n"
		run -7 --separate-stderr run_with_rss "rss$n" "$HAUL" -q --retry 0 -P 64 --parallel-host 64 \
			--resolve '*:1:127.0.0.1' --output-dir out -i "hosts$n" --memstats="m$n.json"
		run -0 jq -c '[(.transfers | length), .allocators.haul.live]' "m$n.json"
		assert_output "[$n,0]"
	done
	local small big
	small=$(jq '.allocators.haul.peak_live' m2000.json)
	big=$(jq '.allocators.haul.peak_live' m20000.json)
	echo "# haul's peak: 2,000 hosts ${small} B, 20,000 hosts ${big} B" >&3
	# Kept for every host ever seen, the 18,000 more cost about 780 KB.
	[ "$big" -lt $((small + 65536)) ] ||
		fail "20,000 hosts: haul's peak $big B, 2,000 hosts: $small B"
	# --memstats keeps a record of each transfer (about 300 bytes) and
	# writes its report one record at a time: building it whole took
	# about 3 KiB a transfer at exit.
	small=$(tail -n 1 rss2000)
	big=$(tail -n 1 rss20000)
	echo "# peak RSS with --memstats: 2,000 transfers ${small} KiB, 20,000 ${big} KiB" >&3
	! rss_meaningful || [ "$big" -lt $((small + 10240)) ] ||
		fail "20,000 transfers: peak RSS $big KiB, 2,000: $small KiB"
}
