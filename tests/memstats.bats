#!/usr/bin/env bats
# memstats.bats - --memstats: every allocator counted, and proof that a
# disconnect leaves nothing behind: haul's bytes for an attempt are all
# freed when it is torn down, and peaks do not grow with the number of
# disconnects.

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

# memstats_run N PATH: a download of (N+1) x 4 KiB that the server cuts N
# times (FIN and RST alternating), with --memstats=N.json; checks bytes.
memstats_run() {
	local n=$1 path=$2 size=$((($1 + 1) * 4096))
	run -0 --separate-stderr haul -q --retry-delay 0 --retry 3 --memstats="$n.json" \
		-o "$n.bin" "$TESTSRV_URL$path?size=$size&every=4K&kind=mix&cuts=$n&seed=$n"
	assert_equal "$(sha256_of "$n.bin")" "$(gen_sha "$size" "$n")"
}

# The figure at jq path P of memstats file F.
fig() {
	jq -r "$2" "$1"
}

@test "1, 10, 100, 1000 disconnects: every attempt and the transfer leave 0 bytes live" {
	local n
	for n in 1 10 100 1000; do
		memstats_run "$n" "/ms/disc-$n"
		assert_equal "$(fig "$n.json" '.transfers[0].attempts')" $((n + 1))
		assert_equal "$(fig "$n.json" '.transfers[0].disconnects.closed + .transfers[0].disconnects.reset')" "$n"
		assert_equal "$(fig "$n.json" '.transfers[0].attempt_live_max')" 0
		assert_equal "$(fig "$n.json" '.transfers[0].attempts_leaking')" 0
		assert_equal "$(fig "$n.json" '.transfers[0].live_after_teardown')" 0
		# At exit, after every library's cleanup, nothing is left.
		assert_equal "$(fig "$n.json" '[.allocators[] | .live] | add')" 0
		[ "$(fig "$n.json" '.allocators.haul.allocs')" -gt 0 ]
	done
	# Both kinds of disconnect were seen.
	[ "$(fig 1000.json '.transfers[0].disconnects.closed')" -ge 400 ]
	[ "$(fig 1000.json '.transfers[0].disconnects.reset')" -ge 400 ]
}

@test "peaks do not grow with the number of disconnects (10 against 1000)" {
	memstats_run 10 /ms/peak-10
	memstats_run 1000 /ms/peak-1000
	local a p10 p1000
	for a in haul libcurl openssl libuv cjson; do
		p10=$(fig 10.json ".allocators.$a.peak_live")
		p1000=$(fig 1000.json ".allocators.$a.peak_live")
		# A fixed tolerance, no slope: 100 times the disconnects may cost
		# at most 16 KiB more peak memory in any allocator.
		[ "$p1000" -le $((p10 + 16384)) ] ||
			fail "$a: peak live $p10 B after 10 disconnects, $p1000 B after 1000"
	done
	p10=$(fig 10.json '.process.peak_rss')
	p1000=$(fig 1000.json '.process.peak_rss')
	# (Under AddressSanitizer or valgrind, RSS says nothing about haul.)
	! rss_meaningful || [ "$p1000" -le $((p10 + 2 * 1048576)) ] ||
		fail "peak RSS $p10 B after 10 disconnects, $p1000 B after 1000"
	# The counts did grow: the work was really done 100 times over.
	[ "$(fig 1000.json '.allocators.libcurl.allocs')" -gt $((10 * $(fig 10.json '.allocators.libcurl.allocs'))) ]
}

@test "the JSON report has the documented schema" {
	memstats_run 3 /ms/schema
	run -0 jq -e '
		.schema == 1
		and (.allocators | keys == ["cjson", "haul", "libcurl", "libuv", "openssl"])
		and all(.allocators[]; .counted == true
			and (.allocs | type == "number") and (.frees | type == "number")
			and (.bytes_total | type == "number") and (.peak_live | type == "number")
			and (.live | type == "number") and (.allocs >= .frees))
		and (.process.peak_rss | type == "number") and (.process.rss | type == "number")
		and (.process.peak_rss >= .process.rss)
		and (.transfers | length == 1)
		and (.transfers[0] | (.id == 1) and (.url | type == "string")
			and (.bytes_received == 16384) and (.bytes_written == 16384)
			and (.attempts == 4) and (.disconnects | keys | length == 7)
			and (.sink_peak | type == "number") and (.haul_peak > 0)
			and (.haul_allocs > 0) and (.attempt_live_max == 0)
			and (.attempts_leaking == 0) and (.live_after_teardown == 0))
		and (.samples | type == "array")' 3.json
}

@test "--memstats prints the table on stderr, in 80 columns" {
	run -0 --separate-stderr haul --retry-delay 0 --memstats -o t.bin \
		"$TESTSRV_URL/ms/table?size=20K&every=4K&cuts=4"
	assert_equal "$output" ""
	local line
	for line in "memstats: allocator" "memstats: haul " "memstats: libcurl " \
		"memstats: openssl " "memstats: libuv " "memstats: cjson " \
		"memstats: process peak RSS" "memstats: xfer tries disc"; do
		[[ "$stderr" == *"haul: $line"* ]] || fail "no '$line' in: $stderr"
	done
	# The transfer row: 5 attempts, 4 disconnects, nothing left.
	assert_regex "$stderr" "haul: memstats: +1 +5 +4 +20\.0K .* 0 +0"$'\n'
	local long
	long=$(printf '%s\n' "${stderr_lines[@]}" | grep '^haul: memstats' | awk 'length($0) > 80')
	[ -z "$long" ] || fail "lines over 80 columns: $long"
}

@test "--memstats-interval adds samples; in the table mode one line each" {
	# The server holds each body still for 2 s halfway (its own clock):
	# at 0.2 s a sample timer that repeats has time for 3 samples even
	# when valgrind makes it fire late; one that does not repeat has not.
	run -0 --separate-stderr haul -q --memstats=s.json --memstats-interval 0.2 -o s.bin \
		"$TESTSRV_URL/ms/samples?size=1M&stall=512K&stall_ms=2000"
	local n
	n=$(jq '.samples | length' s.json)
	[ "$n" -ge 3 ] || fail "only $n samples in over 2 s at 0.2 s"
	run -0 jq -e '[.samples[] | (.t | type == "number") and (.rss > 0)
		and (.live | keys == ["cjson", "haul", "libcurl", "libuv", "openssl"])] | all' s.json
	run -0 jq -e '[.samples[].t] as $t | [range(1; $t | length) | $t[.] >= $t[. - 1]] | all' s.json
	run -0 --separate-stderr haul -q --memstats-interval 0.2 -o s2.bin \
		"$TESTSRV_URL/ms/samples2?size=1M&stall=512K&stall_ms=2000"
	local lines
	lines=$(awk '/^haul: memstats t=/ { n++ } END { print n + 0 }' <<<"$stderr")
	[ "$lines" -ge 3 ] || fail "only $lines sample lines: $stderr"
}

@test "a download to a file, held open, costs under 9 KiB of haul's own memory (100 at once against 1)" {
	local n i one all per
	for n in 1 100; do
		for ((i = 1; i <= n; i++)); do
			echo "$TESTSRV_URL/ms/held/$n-$i?size=64K&stall=32K&stall_ms=2000&seed=$i o$n-$i.bin"
		done >"list$n"
		run -0 --separate-stderr haul -q -P 100 --parallel-host 100 --memstats="held$n.json" \
			--memstats-interval 0.5 -i "list$n"
	done
	assert_equal "$(sha256_of o100-100.bin)" "$(gen_sha 64K 100)"
	# The median of haul's own account over the samples, while the bodies
	# stood still: not the largest, which may catch the journals' first
	# saves in flight (3.3 KiB each, for a moment).  Before the journal
	# file held only its own segments, this was 10.5 KiB; now about 8.
	one=$(jq '[.samples[].live.haul] | sort | .[length / 2 | floor]' held1.json)
	all=$(jq '[.samples[].live.haul] | sort | .[length / 2 | floor]' held100.json)
	per=$(((all - one) / 99))
	[ "$per" -lt 9216 ] || fail "$per bytes of haul's own memory per running transfer (1: $one, 100: $all)"
}

@test "credentials and URLs in the report are redacted" {
	run -0 haul -q --memstats=c.json -o c.bin "http://user:secret@127.0.0.1:$TESTSRV_PORT/ms/cred?size=1K&auth=user:secret"
	# (the query's auth= switch is part of the URL; the userinfo is not)
	run ! grep -q 'user:secret@' c.json
	assert_equal "$(jq -r '.transfers[0].url' c.json)" "$TESTSRV_URL/ms/cred?size=1K&auth=user:secret"
}

@test "a --memstats file that cannot be written: one line, exit 4, the download itself done" {
	run -4 --separate-stderr haul -q --memstats=/nonexistent/dir/m.json -o w.bin "$TESTSRV_URL/ms/w?size=1K"
	assert_regex "$stderr" "^haul: --memstats=/nonexistent/dir/m.json: No such file or directory$"
	assert_equal "$(sha256_of w.bin)" "$(gen_sha 1K)"
}

@test "valgrind: 100 disconnects, no error, no leak, totals agree with --memstats" {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	! haul_sanitized || skip "haul is built with AddressSanitizer; valgrind cannot run it"
	run -0 --separate-stderr valgrind_haul vg.log -q --retry-delay 0 --memstats=vg.json -o vg.bin \
		"$TESTSRV_URL/ms/vg?size=$((101 * 4096))&every=4K&kind=mix&cuts=100"
	assert_equal "$(sha256_of vg.bin)" "$(gen_sha $((101 * 4096)))"
	run -0 grep -E "ERROR SUMMARY: 0 errors" vg.log
	run -0 grep -E "All heap blocks were freed -- no leaks are possible" vg.log
	# valgrind sees every malloc, --memstats those of the five allocators:
	# the same order of magnitude.
	local vg ms
	vg=$(sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' vg.log | tr -d ,)
	ms=$(jq '[.allocators[].allocs] | add' vg.json)
	[ "$ms" -le "$vg" ] || fail "memstats counted $ms allocations, valgrind $vg"
	[ $((ms * 10)) -ge "$vg" ] || fail "memstats counted $ms allocations, valgrind $vg"
}
