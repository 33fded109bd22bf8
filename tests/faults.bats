#!/usr/bin/env bats
# faults.bats - what haul does when the system fails it: out of memory at
# each allocation in turn, a disk that fills up or fails, a rename, an open
# or an fsync that fails, libuv or libcurl refusing a handle, a report file
# that cannot be written.  Each failure is made on purpose with HAUL_FAULT
# (src/fault.c), so this file runs only against a build configured with
# --enable-fault-injection (the default of --enable-debug; `make check`
# lists it only then).  The tests check behaviour (exit status, the one
# message, what is left on disk, that -c then finishes byte-exact, what
# the server was asked), not haul's insides.

load helpers

setup_file() {
	HAUL_FAULT=no_such_function "$HAUL" --version >/dev/null 2>&1 && {
		echo "faults.bats: $HAUL was built without --enable-fault-injection" >&2
		return 1
	}
	testsrv_start "$BATS_FILE_TMPDIR"
}

teardown_file() {
	testsrv_stop
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# haul with HAUL_FAULT=SPEC for this run only: with_fault SPEC ARGS...
with_fault() {
	local spec=$1
	shift
	HAUL_FAULT=$spec haul "$@"
}

# The Range header of each request for PATH, one a line ("-" for none).
ranges_of() {
	testsrv_requests "$1" | jq -r '.headers.range // "-"'
}

@test "HAUL_FAULT is honoured, and a malformed one is exit 2 with one line" {
	run -2 --separate-stderr with_fault no_such_function --version
	assert_equal "$stderr" "haul: HAUL_FAULT: no_such_function: not a function haul's fault build wraps"
	run -2 --separate-stderr with_fault 'malloc@0' --version
	assert_equal "$stderr" "haul: HAUL_FAULT: 0: @ wants a call number from 1, or N+"
	run -2 --separate-stderr with_fault 'write=ENOTANERRNO' --version
	assert_equal "$stderr" "haul: HAUL_FAULT: ENOTANERRNO: not an errno name or number"
	# A rule that matches nothing changes nothing.
	run -0 --separate-stderr with_fault 'rename:.nothing' -o f "$TESTSRV_URL/faults/none?size=10K"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of f)" "$(gen_sha 10K)"
}

@test "libcurl, libuv or the multi handle cannot be set up: exit 1, one line, no request" {
	run -1 --separate-stderr with_fault curl_global_init -o f "$TESTSRV_URL/faults/setup?size=1K"
	assert_equal "$stderr" "haul: cannot initialise libcurl"
	# With --memstats libcurl gets haul's counting allocator instead.
	run -1 --separate-stderr with_fault curl_global_init_mem --memstats -o f "$TESTSRV_URL/faults/setup?size=1K"
	assert_equal "$stderr" "haul: cannot initialise libcurl"
	run -1 --separate-stderr with_fault uv_loop_init -o f "$TESTSRV_URL/faults/setup?size=1K"
	assert_equal "$stderr" "haul: cannot start the event loop: not enough memory"
	run -1 --separate-stderr with_fault curl_multi_init -o f "$TESTSRV_URL/faults/setup?size=1K"
	assert_equal "$stderr" "haul: cannot set up libcurl"
	assert_file_not_exist f
	assert_file_not_exist f.part
	run -0 testsrv_requests /faults/setup
	assert_output ""
}

@test "out of memory at each of haul's allocations in turn: exit 1 and one line, or the right bytes" {
	local fn n runs=0
	for fn in malloc calloc realloc; do
		for ((n = 1; n <= 500; n++)); do
			rm -f f f.part f.part.haul
			HAUL_FAULT_TRACE=1 run --separate-stderr with_fault "$fn@$n" -o f "$TESTSRV_URL/faults/oom?size=64K&seed=4"
			runs=$((runs + 1))
			if [[ $stderr != *"haul: fault: $fn call $n fails"* ]]; then
				# Past haul's last allocation: an ordinary run.
				assert_success
				assert_equal "$stderr" ""
				assert_equal "$(sha256_of f)" "$(gen_sha 64K 4)"
				break
			fi
			[ "$status" -eq 1 ] || fail "$fn@$n: exit $status: $stderr"
			assert_equal "${stderr_lines[1]}" "haul: out of memory"
			assert_equal "${#stderr_lines[@]}" 2
		done
		[ "$n" -gt 1 ] && [ "$n" -le 500 ] || fail "$fn: no allocation failed, or none ended ($n)"
	done
	echo "# $runs runs" >&3
}

@test "--memstats counts every library's allocations: each may fail, haul ends with a documented exit and line" {
	# In counting mode libcurl, OpenSSL, libuv and cJSON allocate through
	# haul's counting allocator, so malloc@N reaches their allocations too:
	# every failure must end in the right bytes or in exit 1 with a
	# message, never in a crash, a hang or wrong bytes.
	local n=1 runs=0 failed=0
	while ((n < 100000)); do
		rm -f f f.part f.part.haul ms.json
		HAUL_FAULT_TRACE=1 run --separate-stderr timeout 60 env HAUL_FAULT="malloc@$n" \
			${HAUL_WRAPPER:-} "$HAUL" --memstats=ms.json -o f "$TESTSRV_URL/faults/oom-ms?size=64K&seed=5"
		runs=$((runs + 1))
		[[ $stderr == *"haul: fault: malloc call $n fails"* ]] || break
		case $status in
		0)
			assert_equal "$(sha256_of f)" "$(gen_sha 64K 5)"
			jq -e . ms.json >/dev/null || fail "malloc@$n: --memstats wrote no JSON"
			;;
		1)
			failed=$((failed + 1))
			[[ ${stderr_lines[-1]} == "haul: "* ]] || fail "malloc@$n: $stderr"
			;;
		*) fail "malloc@$n: exit $status: $stderr" ;;
		esac
		# Each of the first 30 allocations, then every 150th (about 50 runs).
		if ((n < 30)); then n=$((n + 1)); else n=$((n + 150)); fi
	done
	assert_success
	assert_equal "$(sha256_of f)" "$(gen_sha 64K 5)"
	((runs > 30 && failed > 0)) || fail "$runs runs, $failed failed"
	echo "# $runs runs, $failed ended in exit 1" >&3
}

@test "the disk fills up at the third write: exit 13, the part is kept, -c finishes from where it stopped" {
	local url="$TESTSRV_URL/faults/full?size=4M&seed=6"
	run -13 --separate-stderr with_fault 'pwritev:file@3=ENOSPC' -o "$PWD/f" "$url"
	local have
	have=$(stat -c %s f.part)
	((have > 1024 && have < 1048576)) || fail "f.part holds $have bytes"
	assert_equal "$stderr" "haul: $PWD/f.part: No space left on device after $(awk -v n="$have" 'BEGIN { printf "%.1f KiB", n / 1024 }') written; run again with -c to continue once there is space"
	assert_file_not_exist f
	run -0 jq -r '.segments[0].next' f.part.haul
	assert_output "$have"
	run -0 --separate-stderr haul -c -o "$PWD/f" "$url"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of f)" "$(gen_sha 4M 6)"
	run -0 ranges_of /faults/full
	assert_output "-
bytes=$have-"
	# The same at a server's pace: the bytes of one loop turn are gathered
	# and written after it, so the failure is found outside the write.
	local slow="$TESTSRV_URL/faults/full-slow?size=4M&seed=6&rate=2M"
	run -13 --separate-stderr with_fault 'pwritev:file@3=ENOSPC' -o "$PWD/g" "$slow"
	have=$(stat -c %s g.part)
	((have > 1024 && have < 1048576)) || fail "g.part holds $have bytes"
	assert_equal "$stderr" "haul: $PWD/g.part: No space left on device after $(awk -v n="$have" 'BEGIN { printf "%.1f KiB", n / 1024 }') written; run again with -c to continue once there is space"
	run -0 --separate-stderr haul -c -o "$PWD/g" "${slow%&rate=2M}"
	assert_equal "$(sha256_of g)" "$(gen_sha 4M 6)"
}

@test "the last bytes cannot be written when the body is complete: the part is kept, -c finishes" {
	# 20 KiB: a 16 KiB piece and a 4 KiB one, gathered, written at the end.
	local url="$TESTSRV_URL/faults/last?size=20K&seed=18"
	run -4 --separate-stderr with_fault 'pwritev:file=EIO' -o "$PWD/f" "$url"
	assert_equal "${stderr_lines[0]}" "haul: $PWD/f.part: Input/output error"
	assert_equal "${stderr_lines[1]}" "haul: $url: kept $PWD/f.part; run again with -c to continue"
	run -13 --separate-stderr with_fault 'pwritev:file=ENOSPC' -o "$PWD/g" "$url"
	# The same words as a disk that fills up mid-body (one failure path).
	assert_equal "$stderr" "haul: $PWD/g.part: No space left on device after 0 B written; run again with -c to continue once there is space"
	assert_file_exist g.part
	run -0 --separate-stderr haul -c -o "$PWD/g" "$url"
	assert_equal "$(sha256_of g)" "$(gen_sha 20K 18)"
}

@test "a quota or file-size limit is exit 13 too; an I/O error is exit 4; both keep the part for -c" {
	local url="$TESTSRV_URL/faults/eio?size=1M&seed=7"
	run -13 --separate-stderr with_fault 'pwritev:file=EDQUOT' -o "$PWD/q" "$url"
	assert_equal "$stderr" "haul: $PWD/q.part: Disk quota exceeded after 0 B written; run again with -c to continue once there is space"
	run -13 --separate-stderr with_fault 'pwritev:file=EFBIG' -o "$PWD/q" "$url"
	assert_equal "$stderr" "haul: $PWD/q.part: File too large after 0 B written; run again with -c to continue once there is space"
	run -4 --separate-stderr with_fault 'pwritev:file@2=EIO' -o "$PWD/f" "$url"
	assert_equal "${stderr_lines[0]}" "haul: $PWD/f.part: Input/output error"
	assert_equal "${stderr_lines[1]}" "haul: $url: kept $PWD/f.part; run again with -c to continue"
	assert_equal "${#stderr_lines[@]}" 2
	assert_file_exist f.part
	run -0 --separate-stderr haul -c -o "$PWD/f" "$url"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of f)" "$(gen_sha 1M 7)"
}

# haul's status and stderr, its stdout piped through sha256sum:
# piped SPEC URL [ARGS...] (under `run`: $output is the digest).
piped() {
	local spec=$1 url=$2
	shift 2
	# shellcheck disable=SC2086 # the wrapper is a word list
	set -o pipefail
	HAUL_FAULT=$spec ${HAUL_WRAPPER:-} "$HAUL" "$@" "$url" | sha256sum | cut -c1-64
}

@test "a write to stdout fails: EIO is exit 4 and one line, EPIPE exit 141 quietly, EAGAIN is waited out" {
	local url="$TESTSRV_URL/faults/stdout?size=1M&seed=8"
	run -4 --separate-stderr piped 'writev:pipe@2=EIO' "$url"
	assert_equal "$stderr" "haul: -: Input/output error"
	run -141 --separate-stderr piped 'writev:pipe@1=EPIPE' "$url"
	assert_equal "$stderr" ""
	run -0 --separate-stderr piped 'writev:pipe@1=EAGAIN,writev:pipe@3=EAGAIN' "$url"
	assert_equal "$stderr" ""
	assert_output "$(gen_sha 1M 8)"
}

@test "the final rename fails: exit 4, the whole part is kept, -c finishes it from the journal" {
	# Cut once at 100000 bytes, so that a journal is saved before the retry.
	local url="$TESTSRV_URL/faults/rename?size=256K&seed=9&fin=100000"
	run -4 --separate-stderr with_fault "rename:$PWD/f=EXDEV" --retry-delay 0 -o "$PWD/f" "$url"
	assert_equal "${stderr_lines[1]}" "haul: $url: cannot rename $PWD/f.part to $PWD/f: Invalid cross-device link"
	assert_equal "${stderr_lines[2]}" "haul: $url: kept $PWD/f.part; run again with -c to continue"
	assert_equal "$(sha256_of f.part)" "$(gen_sha 256K 9)"
	assert_file_not_exist f
	local next
	next=$(jq -r '.segments[0].next' f.part.haul)
	((next >= 100000 && next <= 262144)) || fail "the journal says $next"
	run -0 --separate-stderr haul -c -o "$PWD/f" "$url"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of f)" "$(gen_sha 256K 9)"
	assert_file_not_exist f.part
	assert_file_not_exist f.part.haul
	# The second run asked for what follows the journal's last saved byte
	# (the end of the body is not saved when the rename fails).
	run -0 ranges_of /faults/rename
	assert_output "-
bytes=100000-
bytes=$next-"
}

@test "the resume journal cannot be saved: one warning, and the download still completes" {
	local url="$TESTSRV_URL/faults/journal?size=2M&seed=10&rate=1M"
	# fsync of FILE.part.haul.tmp (the data file is synced with fdatasync).
	run -0 --separate-stderr with_fault 'fsync:file=EIO' -o "$PWD/f" "$url"
	assert_equal "$stderr" "haul: $PWD/f.part.haul: cannot save the resume journal: Input/output error"
	assert_equal "$(sha256_of f)" "$(gen_sha 2M 10)"
	assert_file_not_exist f.part.haul.tmp
	# The data cannot be synced first: no journal may claim those bytes.
	rm -f f
	run -0 --separate-stderr with_fault 'fdatasync:file=EIO' -o "$PWD/f" "$url"
	assert_equal "$stderr" "haul: $PWD/f.part.haul: cannot save the resume journal: Input/output error"
	assert_equal "$(sha256_of f)" "$(gen_sha 2M 10)"
}

@test "the part file cannot be opened: exit 4, one line, no retry" {
	# Over 1 MiB: FILE.part is opened at once.
	local url="$TESTSRV_URL/faults/open?size=2M"
	run -4 --separate-stderr with_fault "open:$PWD/f.part=EACCES" -o "$PWD/f" "$url"
	assert_equal "$stderr" "haul: $url: cannot write $PWD/f.part: Permission denied"
	assert_file_not_exist f.part
	run -0 ranges_of /faults/open
	assert_equal "$output" "-"
	# A small body goes to an unnamed file first: a directory that takes
	# neither that nor FILE.part is the same one line.
	local small="$TESTSRV_URL/faults/open-small?size=10K"
	run -4 --separate-stderr with_fault "open:$PWD=EACCES,open:$PWD/s.part=EACCES" -o "$PWD/s" "$small"
	assert_equal "$stderr" "haul: $small: cannot write $PWD/s.part: Permission denied"
	assert_file_not_exist s
	assert_file_not_exist s.part
	# An empty body opens its file only at the end.
	local empty="$TESTSRV_URL/faults/open-empty?size=0"
	run -4 --separate-stderr with_fault "open:$PWD=EACCES,open:$PWD/e.part=EACCES" -o "$PWD/e" "$empty"
	assert_equal "$stderr" "haul: $empty: cannot write $PWD/e.part: Permission denied"
	assert_file_not_exist e
}

@test "a small body is linked as FILE whole: FILE.part is never made, nothing renamed, no journal" {
	# One read's worth: it completes before any scheduler tick could name it.
	local url="$TESTSRV_URL/faults/unnamed?size=1K&seed=21"
	mkdir o
	# Either of these calls, if made, fails the download.
	run -0 --separate-stderr with_fault "open:$PWD/o/u.bin.part=EACCES,rename:$PWD/o/u.bin=EIO" -o "$PWD/o/u.bin" "$url"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of o/u.bin)" "$(gen_sha 1K 21)"
	assert_equal "$(ls -A o)" "u.bin"
	# Over 1 MiB, the usual way: the same rules make it fail.
	run -4 --separate-stderr with_fault "open:$PWD/b.bin.part=EACCES" -o "$PWD/b.bin" "$TESTSRV_URL/faults/unnamed-big?size=1048577"
	assert_equal "$stderr" "haul: $TESTSRV_URL/faults/unnamed-big?size=1048577: cannot write $PWD/b.bin.part: Permission denied"
}

@test "a crawl into one directory reads it instead of each name: FILE.part is looked up for the first files only; -c looks up each" {
	# Each file asks about FILE and FILE.part: the 16th question
	# (DIRLIST_MIN_LOOKUPS), file 8's FILE, reads the directory, so only
	# files 1-7 look their FILE.part up.  With -c every name is looked up.
	# A listing answers for one second: a slow run (a sanitizer build) may
	# read the directory again, after 8 more files that look up.
	case $(stat -f -c %T .) in
	ext2/ext3 | btrfs | tmpfs) ;;
	*) skip "$(stat -f -c %T .) is not a file system haul lists (src/dirlist.h)" ;;
	esac
	local i args=()
	mkdir o c
	for i in $(seq -w 1 40); do
		args+=(-o "f$i" "$TESTSRV_URL/faults/crawl/f$i?size=1K&seed=$((10#$i))")
	done
	cd o
	run -0 --separate-stderr env HAUL_FAULT_TRACE=1 HAUL_FAULT="lstat:.part=ENOENT" "$HAUL" -P 4 "${args[@]}"
	assert_equal "${stderr_lines[6]}" "haul: fault: lstat call 7 fails (No such file or directory)"
	[ "${#stderr_lines[@]}" -le 21 ]
	for i in $(seq -w 1 40); do
		assert_equal "f$i $(sha256_of "f$i")" "f$i $(gen_sha 1K $((10#$i)))"
	done
	cd ../c
	run -0 --separate-stderr env HAUL_FAULT_TRACE=1 HAUL_FAULT="lstat:.part=ENOENT" "$HAUL" -c -P 4 "${args[@]}"
	assert_equal "${#stderr_lines[@]}" 40
	assert_equal "$(ls | wc -l)" 40
}

@test "a file system without unnamed files: a small body is written as FILE.part, byte-exact" {
	local url="$TESTSRV_URL/faults/no-tmpfile?size=10K&seed=5"
	run -0 --separate-stderr env HAUL_FAULT_TRACE=1 HAUL_FAULT="open:$PWD=ENOTSUP" \
		"$HAUL" -o "$PWD/f" "$url"
	# The unnamed file was refused: the body went through FILE.part.
	assert_equal "${stderr_lines[0]}" "haul: fault: open call 1 fails (Operation not supported)"
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$(sha256_of f)" "$(gen_sha 10K 5)"
	assert_file_not_exist f.part
}

@test "a small body whose link is refused: through FILE.part and the rename, or copied into FILE.part; byte-exact" {
	# The link as FILE fails: FILE.part is linked instead, and renamed.
	local url="$TESTSRV_URL/faults/link?size=1K&seed=6"
	mkdir o
	run -0 --separate-stderr with_fault "linkat:$PWD/o/f=EIO" -o "$PWD/o/f" "$url"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of o/f)" "$(gen_sha 1K 6)"
	assert_equal "$(ls -A o)" "f"
	# Every link refused (a policy that allows no hard links): the bytes
	# are copied into FILE.part, and the next file of the run is written
	# as FILE.part from the start (two links tried in all, not four).
	mkdir p
	run -0 --separate-stderr env HAUL_FAULT_TRACE=1 HAUL_FAULT="linkat=EPERM" "$HAUL" -P 1 \
		-o "$PWD/p/a" "$url" -o "$PWD/p/b" "$TESTSRV_URL/faults/link-b?size=2K&seed=7"
	assert_equal "$stderr" "haul: fault: linkat call 1 fails (Operation not permitted)
haul: fault: linkat call 2 fails (Operation not permitted)"
	assert_equal "$(sha256_of p/a)" "$(gen_sha 1K 6)"
	assert_equal "$(sha256_of p/b)" "$(gen_sha 2K 7)"
	assert_equal "$(ls -A p | tr '\n' ' ')" "a b "
}

@test "FILE.part taken while a small body is unnamed (another haul): exit 4, one line, nothing kept" {
	local url="$TESTSRV_URL/faults/taken?size=64K&seed=8&hold=32K&hold_name=faults-taken"
	mkdir o
	# Naming it FILE.part on the first tick finds that name taken.
	run -4 --separate-stderr with_fault "linkat:$PWD/o/h.part=EEXIST" --max-time 20 -o "$PWD/o/h" "$url"
	assert_equal "$stderr" "haul: $url: $PWD/o/h.part appeared while this download was starting, and is not its own (another haul?); not touching it"
	assert_equal "$(ls -A o)" ""
	run -0 testsrv_release faults-taken
}

@test "a socket libuv cannot watch fails that attempt only: the retry finishes byte-exact" {
	local url="$TESTSRV_URL/faults/poll?size=1M&seed=11"
	run -0 --separate-stderr with_fault 'uv_poll_init_socket@1' --retry-delay 0.1 -o f "$url"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "${stderr_lines[0]}" "^haul: $(printf '%s' "$url" | sed 's/[?.]/\\&/g'): Failure when receiving data from the peer; retry 1 of 10 in 0\.1s$"
	assert_equal "$(sha256_of f)" "$(gen_sha 1M 11)"
	# The failed attempt's socket was never watched: nothing was sent on it.
	run -0 ranges_of /faults/poll
	assert_equal "$output" "-"
}

@test "stdout cannot be watched (its poll handle refused): exit 4 and one line" {
	local url="$TESTSRV_URL/faults/watch?size=1M&seed=12"
	run -4 --separate-stderr piped 'uv_poll_init:pipe' "$url"
	assert_equal "$stderr" "haul: $url: cannot write -: Cannot allocate memory"
	assert_output "$(printf '' | sha256sum | cut -c1-64)"
	run -4 --separate-stderr piped 'uv_poll_start:pipe' "$url"
	assert_equal "$stderr" "haul: -: Bad file descriptor"
}

@test "a request cannot be set up: exit 1 at once, or after a drop with the part kept for -c" {
	local url="$TESTSRV_URL/faults/easy?size=1M&seed=13"
	run -1 --separate-stderr with_fault curl_easy_init -o "$PWD/f" "$url"
	assert_equal "$stderr" "haul: $url: cannot set up the request"
	assert_file_not_exist f.part
	run -1 --separate-stderr with_fault curl_multi_add_handle -o "$PWD/f" "$url"
	assert_equal "$stderr" "haul: $url: Out of memory"
	# The first attempt is cut at 100000 bytes; the retry cannot be made.
	local cut="$TESTSRV_URL/faults/easy2?size=1M&seed=13&fin=100000"
	run -1 --separate-stderr with_fault 'curl_easy_init@2' --retry-delay 0 -o "$PWD/g" "$cut"
	assert_equal "${stderr_lines[1]}" "haul: $cut: cannot set up the request"
	assert_equal "${stderr_lines[2]}" "haul: $cut: kept $PWD/g.part; run again with -c to continue"
	assert_equal "$(stat -c %s g.part)" 100000
	run -0 --separate-stderr haul -c -o "$PWD/g" "$cut"
	assert_equal "$(sha256_of g)" "$(gen_sha 1M 13)"
}

@test "a digest cannot be set up or started: the download is kept, the failure named" {
	local url="$TESTSRV_URL/faults/digest?size=100K&seed=14"
	# A file's digest is read back at the end, on libuv's thread pool.
	run -1 --separate-stderr with_fault uv_queue_work --sha256 -o "$PWD/f" "$url"
	assert_equal "${stderr_lines[0]}" "haul: cannot start the checksum"
	assert_equal "${stderr_lines[1]}" "haul: $url: kept $PWD/f.part; run again with -c to continue"
	assert_equal "$(sha256_of f.part)" "$(gen_sha 100K 14)"
	rm -f f.part f.part.haul
	run -4 --separate-stderr with_fault EVP_MD_CTX_new --checksum "sha256:$(gen_sha 100K 14)" -o "$PWD/f" "$url"
	assert_equal "${stderr_lines[0]}" "haul: $PWD/f.part: cannot read it back for its checksum: Cannot allocate memory"
	assert_file_exist f.part
	# stdout is hashed as it is written, set up before the request.
	run -1 --separate-stderr piped EVP_DigestInit_ex "$url" --sha256
	assert_equal "$stderr" "haul: cannot set up the digest"
	run -0 testsrv_requests /faults/digest
	assert_equal "${#lines[@]}" 2
}

@test "a report that cannot be written: --summary and --memstats exit 4 after the download; --events stops quietly" {
	local url="$TESTSRV_URL/faults/reports?size=100K&seed=15"
	run -4 --separate-stderr haul --summary /dev/full -o f "$url"
	assert_equal "$stderr" "haul: --summary /dev/full: No space left on device"
	assert_equal "$(sha256_of f)" "$(gen_sha 100K 15)"
	rm -f f
	run -4 --separate-stderr haul --memstats=/dev/full -o f "$url"
	assert_equal "$stderr" "haul: --memstats=/dev/full: No space left on device"
	assert_equal "$(sha256_of f)" "$(gen_sha 100K 15)"
	rm -f f
	run -0 --separate-stderr haul --events /dev/full -o f "$url"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of f)" "$(gen_sha 100K 15)"
	rm -f f
	# To /dev/null (written in place): no journal, whose first save would
	# meet the failing cJSON_Print before the report does.
	run -1 --separate-stderr with_fault cJSON_Print --summary s.json -o /dev/null "$url"
	assert_equal "$stderr" "haul: --summary: out of memory"
	assert_file_not_exist s.json
	run -1 --separate-stderr with_fault cJSON_Print --memstats=m.json -o /dev/null "$url"
	assert_equal "$stderr" "haul: --memstats: out of memory"
	# An event that cannot be printed is left out; the others are written.
	run -0 --separate-stderr with_fault 'cJSON_PrintUnformatted@1' --events e.json -o f "$url"
	assert_equal "$stderr" ""
	run -0 jq -sr '.[0].event' e.json
	refute_output start
	# An --events file that cannot be opened: exit 4 before any request.
	run -4 --separate-stderr with_fault "open:$PWD/e2.json" --events "$PWD/e2.json" -o g "$TESTSRV_URL/faults/events-open"
	assert_equal "$stderr" "haul: --events $PWD/e2.json: Permission denied"
	run -0 testsrv_requests /faults/events-open
	assert_output ""
}

@test "-x 4 and the disk fills up while the parts are written: exit 13, -c continues every part" {
	local url="$TESTSRV_URL/faults/parts?size=8M&seed=16"
	# From the third positional write on, every one fails: the disk stays
	# full (a single failing call may be one of the journal's in-place
	# notes of the written offset, which are best effort).
	run -13 --separate-stderr with_fault 'pwrite:file@3+=ENOSPC' -x 4 -o "$PWD/f" "$url"
	assert_regex "$stderr" "^haul: $PWD/f\\.part: No space left on device after [0-9.]+ [KM]iB written; run again with -c to continue once there is space$"
	run -0 jq '.segments | length' f.part.haul
	assert_output 4
	run -0 --separate-stderr haul -c -x 4 -o "$PWD/f" "$url"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of f)" "$(gen_sha 8M 16)"
}

@test "--xattr and -N on a file system without user attributes: one warning for the run, files intact" {
	run -0 --separate-stderr with_fault fsetxattr=ENOTSUP --xattr -N \
		-o a.bin "$TESTSRV_URL/fx/xattr-a?size=3K&cond=1" -o b.bin "$TESTSRV_URL/fx/xattr-b?size=2K&cond=1"
	assert_equal "$stderr" "haul: a.bin: the file system does not support extended attributes; not recording them"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 3K)"
	assert_equal "$(sha256_of b.bin)" "$(gen_sha 2K)"
	# -N goes by the file's time alone: If-Modified-Since, no If-None-Match,
	# and the server's 304 still leaves the file alone.
	run -0 --separate-stderr with_fault fsetxattr=ENOTSUP -N -o a.bin "$TESTSRV_URL/fx/xattr-a?size=3K&cond=1"
	assert_equal "$stderr" "haul: $TESTSRV_URL/fx/xattr-a?size=3K&cond=1: not modified; a.bin left as it is"
	run -0 jq -r '"\(.headers["if-modified-since"] // "-")|\(.headers["if-none-match"] // "-")|\(.status)"' \
		< <(testsrv_requests /fx/xattr-a | tail -n 1)
	assert_output "Fri, 01 Jan 2021 01:00:00 GMT|-|304"
}

@test "kill -9 before the first journal save: no journal, and -c continues FILE.part after checking its tail, byte-exact" {
	local path=/faults/early-kill size=1048576
	local url="$TESTSRV_URL$path?size=4M&seed=21&stall=1M&stall_ms=20000"
	# A fresh FILE.part gets its journal from the first periodic save (in
	# the thread pool): with uv_queue_work failing, that window stays open
	# for as long as the test needs.
	# shellcheck disable=SC2086 # the wrapper is a word list
	HAUL_FAULT=uv_queue_work ${HAUL_WRAPPER:-} "$HAUL" -o "$PWD/f" "$url" 2>/dev/null 3>&- &
	BG_PID=$!
	wait_until "[ \$(stat -c %s f.part 2>/dev/null || echo 0) -ge $size ]" 30
	kill -KILL "$BG_PID"
	wait "$BG_PID" || true
	BG_PID=
	assert_file_not_exists f.part.haul
	assert_equal "$(stat -c %s f.part)" "$size"
	# Without a journal the file is not provably haul's: only -c takes it.
	run -4 --separate-stderr haul -o "$PWD/f" "$url"
	assert_equal "$stderr" "haul: $url: $PWD/f.part exists and is not haul's partial download of this URL; use -c to continue it, or remove it"
	run -0 --separate-stderr haul -c -o "$PWD/f" "$url"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of f)" "$(gen_sha 4M 21)"
	# Its last 64 KiB were compared, nothing before them fetched again.
	run -0 ranges_of "$path"
	assert_output "-
bytes=$((size - 65536))-"
}

@test "fallocate: a file system that cannot reserve is written as before; a reservation refused for space is exit 13 at once" {
	local url="$TESTSRV_URL/faults/reserve?size=2M&seed=22"
	run -0 --separate-stderr with_fault fallocate=ENOTSUP -o "$PWD/f" "$url"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of f)" "$(gen_sha 2M 22)"
	rm f
	run -13 --separate-stderr with_fault fallocate=EDQUOT -o "$PWD/f" "$url"
	assert_equal "$stderr" "haul: $url: $PWD/f.part: Disk quota exceeded: the body's 2097152 bytes do not fit; run again once there is space"
	assert_file_not_exists f.part
	assert_file_not_exists f
}
