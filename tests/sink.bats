#!/usr/bin/env bats
# sink.bats - the output side: a slow reader with bounded memory, a slow
# pipe beside a fast file, stdout as a file (>, >>) and /dev/null, the
# flags of inherited descriptors (pipe, terminal), a reader that goes away
# (SIGPIPE), disk full and file too large (exit 13, resumable, not retried).

load helpers

setup_file() {
	testsrv_start "$BATS_FILE_TMPDIR"
}

teardown_file() {
	testsrv_stop
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	BG_PIDS=()
	MOUNTED=()
	TMUX_SOCK=
}

teardown() {
	show_stderr_files
	local pid dir
	for pid in "${BG_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${BG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	[ -n "$TMUX_SOCK" ] && tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	for dir in "${MOUNTED[@]}"; do
		umount "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null || true
	done
	return 0
}

# O_NONBLOCK (04000) in the flags of a descriptor: nonblock_of PID FD.
nonblock_of() {
	local flags
	flags=$(awk '$1 == "flags:" { print $2 }' "/proc/$1/fdinfo/$2") || return 2
	[ -n "$flags" ] || return 2
	if (((8#$flags & 8#4000) != 0)); then echo yes; else echo no; fi
}

# Mounts a tmpfs of SIZE on DIR.  Needs root (CAP_SYS_ADMIN); without it
# the skip (which tests/skips.list does not allow) says why, with mount's
# own message.
mount_tmpfs() {
	[ "$(id -u)" = 0 ] || skip "mounting a small tmpfs needs root"
	mkdir -p "$1"
	local err
	err=$(mount -t tmpfs -o "size=$2" tmpfs "$1" 2>&1) ||
		skip "cannot mount a tmpfs here: $err"
	MOUNTED+=("$1")
}

@test "a slow reader gets a 256 MiB body byte-exact and haul's memory stays bounded" {
	# Idle baseline: a 1-byte body to a pipe.
	run -0 bash -c "set -o pipefail; /usr/bin/time -f %M -o rss.small \"\$HAUL\" '$TESTSRV_URL/sink/rss-small?size=1' | cat >/dev/null"
	# 256 MiB as fast as loopback gives it, read at 32 MiB/s: haul must
	# pause the transfer instead of holding the body.
	run -0 --separate-stderr bash -c "set -o pipefail; /usr/bin/time -f %M -o rss.big \"\$HAUL\" '$TESTSRV_URL/sink/rss-big?size=256M&seed=7' | pv -q -L 32M | sha256sum"
	assert_equal "${output%% *}" "$(gen_sha 256M 7)"
	assert_equal "$stderr" ""
	local small big
	small=$(tail -n 1 rss.small)
	big=$(tail -n 1 rss.big)
	echo "# peak RSS: 1-byte body ${small} KiB, 256 MiB to a slow pipe ${big} KiB (+$((big - small)) KiB)" >&3
	# (AddressSanitizer's quarantine and shadow memory make RSS meaningless.)
	! rss_meaningful || [ "$((big - small))" -lt 8192 ] ||
		fail "peak RSS grew by $((big - small)) KiB (from $small to $big KiB) for a slow reader"
	# One request: pauses are not drops.
	run -0 jq -sr '[.[] | select(.ev == "req" and .path == "/sink/rss-big")] | length' "$TESTSRV_LOG"
	assert_output 1
}

@test "--buffer-size 64K: byte-exact through many pauses, at most 64 KiB waits" {
	run -0 --separate-stderr bash -c "set -o pipefail; \"\$HAUL\" --buffer-size 64K --memstats=ms.json '$TESTSRV_URL/sink/buf64k?size=32M&seed=3' | pv -q -L 32M | sha256sum"
	assert_equal "${output%% *}" "$(gen_sha 32M 3)"
	assert_equal "$stderr" ""
	# The ring filled (the transfer had to pause) but never held more than
	# the buffer size.
	run -0 jq -r '.transfers[0] | "\(.sink_peak) \(.bytes_written) \(.attempts)"' ms.json
	assert_output "65536 33554432 1"
}

@test "a fast file finishes while a slow pipe transfer of the same run is still going" {
	# The stdout body is read at 100 KiB/s; the file must not wait for it.
	# The server holds the stdout body at 480 KiB until the file is
	# checked, so the pipe is still going then, however slow the machine.
	{
		bash -c "echo \$\$ >haul.pid; exec \"\$HAUL\" -P 2 -o - '$TESTSRV_URL/sink/slow-pipe?size=512K&seed=2&hold=480K' -o fast.bin '$TESTSRV_URL/sink/fast-file?size=4M&seed=3'" 2>haul.stderr
		echo $? >haul.rc
	} 3>&- | pv -q -L 100k >slow.out 3>&- &
	BG_PIDS+=("$!")
	wait_until "[ -s haul.pid ]"
	local hpid
	hpid=$(cat haul.pid)
	wait_until "[ -e fast.bin ]" 20
	assert_equal "$(sha256_of fast.bin)" "$(gen_sha 4M 3)"
	assert_file_not_exists fast.bin.part
	# ... while the slow one is still running and far from complete.
	kill -0 "$hpid" 2>/dev/null || fail "haul had already exited when the file was complete"
	local got
	got=$(stat -c %s slow.out)
	[ "$got" -lt 524288 ] || fail "the slow pipe already had all $got bytes"
	run -0 testsrv_release /sink/slow-pipe
	# pv ends when haul closes the pipe.
	wait "${BG_PIDS[0]}"
	BG_PIDS=()
	wait_until "[ -s haul.rc ]"
	assert_equal "$(cat haul.rc)" 0
	assert_equal "$(sha256_of slow.out)" "$(gen_sha 512K 2)"
	assert_equal "$(cat haul.stderr)" ""
}

@test "stdout redirected to a file (>), appended to (>>), shared with the shell, and /dev/null" {
	run -0 --separate-stderr bash -c "\"\$HAUL\" '$TESTSRV_URL/sink/redir?size=3M&seed=4' >f.out"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of f.out)" "$(gen_sha 3M 4)"

	# >> keeps what is there and writes after it.
	printf 'existing content\n' >app.out
	run -0 bash -c "\"\$HAUL\" '$TESTSRV_URL/sink/append?size=3M&seed=5' >>app.out"
	{ printf 'existing content\n'; "$TESTSRV" --gen --size 3M --seed 5; } >want.out
	assert_equal "$(sha256_of app.out)" "$(sha256_of want.out)"

	# A regular file on stdout is written at the shell's offset: what the
	# shell writes before and after lands around the body.
	run -0 bash -c "{ printf 'before\n'; \"\$HAUL\" '$TESTSRV_URL/sink/shared?size=1M&seed=6'; printf 'after\n'; } >shared.out"
	{ printf 'before\n'; "$TESTSRV" --gen --size 1M --seed 6; printf 'after\n'; } >want.out
	assert_equal "$(sha256_of shared.out)" "$(sha256_of want.out)"

	# /dev/null takes everything; the server sent the whole body.
	run -0 --separate-stderr bash -c "\"\$HAUL\" '$TESTSRV_URL/sink/devnull?size=8M' >/dev/null"
	assert_equal "$stderr" ""
	run -0 jq -sc '[.[] | select(.ev == "req" and .path == "/sink/devnull") | .n] as $ns
		| [.[] | select(.ev == "end" and (.n as $n | $ns | index($n))) | [.sent, .how]]' "$TESTSRV_LOG"
	assert_output '[[8388608,"complete"]]'
}

@test "a pipe inherited on stdout is not left (or made) non-blocking" {
	# fd 7 is a pipe to a slow reader; haul gets it as stdout.
	exec 7> >(exec pv -q -L 1M >pipe.out 2>/dev/null 3>&-)
	local me=$BASHPID
	assert_equal "$(nonblock_of "$me" 7)" no
	"$HAUL" "$TESTSRV_URL/sink/flags-pipe?size=3M&seed=8&hold=2M" >&7 2>haul.stderr 3>&- &
	local hpid=$!
	BG_PIDS+=("$hpid")
	# While haul is writing (and pausing for the reader; the server holds
	# the rest of the body until the check), the description the shell
	# shares is untouched.
	wait_until "[ -s pipe.out ]"
	kill -0 "$hpid" 2>/dev/null || fail "haul ended before the check"
	assert_equal "$(nonblock_of "$me" 7)" no
	run -0 testsrv_release /sink/flags-pipe
	local rc=0
	wait "$hpid" || rc=$?
	BG_PIDS=()
	assert_equal "$rc" 0
	assert_equal "$(nonblock_of "$me" 7)" no
	exec 7>&-
	wait_until "[ \"\$(stat -c %s pipe.out)\" = 3145728 ]"
	assert_equal "$(sha256_of pipe.out)" "$(gen_sha 3M 8)"
	assert_equal "$(cat haul.stderr)" ""
}

@test "a terminal inherited on stdout is not left non-blocking" {
	command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
	local dir=$BATS_TEST_TMPDIR
	cat >term.sh <<-EOF
		grep '^flags:' /proc/\$\$/fdinfo/1 >'$dir/before'
		readlink /proc/\$\$/fd/1 >'$dir/tty'
		'$HAUL' '$TESTSRV_URL/sink/flags-tty?size=100K&lines=1' 2>'$dir/haul.stderr'
		echo \$? >'$dir/rc.tmp'
		grep '^flags:' /proc/\$\$/fdinfo/1 >'$dir/after'
		mv '$dir/rc.tmp' '$dir/rc'
		read -r _
	EOF
	tmux -S "$TMUX_SOCK" -f /dev/null new-session -d -x 120 -y 40 "bash --norc --noprofile '$dir/term.sh'" 3>&-
	wait_until "[ -s rc ]" 20
	assert_regex "$(cat tty)" '^/dev/(pts/[0-9]+|tty)'
	assert_equal "$(cat rc)" 0
	assert_equal "$(cat haul.stderr)" ""
	local before after
	before=$(awk '{ print $2 }' before)
	after=$(awk '{ print $2 }' after)
	(((8#$before & 8#4000) == 0)) || fail "the terminal was non-blocking before haul ran ($before)"
	(((8#$after & 8#4000) == 0)) || fail "haul left the terminal non-blocking (flags $before -> $after)"
	assert_equal "$after" "$before"
	# The body reached the terminal: the last line (1599) is on the screen.
	run -0 tmux -S "$TMUX_SOCK" capture-pane -p
	assert_output --partial "000000000000001599 s=1 v=1 "
}

# The body bytes testsrv sent for PATH before the client went away: little
# past what the reader took means haul stopped at once (no clock needed:
# an endless body would otherwise go on for ever).
sent_until_gone() {
	testsrv_end_values "$1" '"\(.how) \(.sent)"'
}

@test "the reader goes away: haul dies of SIGPIPE promptly and quietly" {
	# (timeout: a haul that ignored the reader's end would never stop.)
	run -0 bash -c "timeout 60 \"\$HAUL\" '$TESTSRV_URL/sink/sigpipe?size=inf&seed=9' 2>err | head -c 1000 >head.out; echo \"\${PIPESTATUS[*]}\""
	assert_output "141 0"
	assert_equal "$(cat err)" ""
	assert_equal "$(sha256_of head.out)" "$(gen_sha 1000 9)"
	# Promptly: the server saw haul close with at most its buffer and the
	# sockets' worth sent (under 64 MiB of an endless body).
	wait_until "[ -n \"\$(testsrv_end_values /sink/sigpipe .how)\" ]"
	run -0 sent_until_gone /sink/sigpipe
	assert_regex "$output" '^client-closed [0-9]+$'
	[ "${output#* }" -lt 67108864 ] || fail "the server sent ${output#* } bytes before haul stopped"
}

@test "the reader goes away: a file transfer of the same run still completes, exit 141" {
	# The stdout URL comes first, so its status (141) is the run's.
	run -0 bash -c "timeout 60 \"\$HAUL\" -o - '$TESTSRV_URL/sink/sigpipe2?size=inf&seed=10' -o f.bin '$TESTSRV_URL/sink/sigpipe-file?size=8M&seed=11&rate=8M' 2>err | head -c 1000 >head.out; echo \"\${PIPESTATUS[*]}\""
	assert_output "141 0"
	assert_equal "$(cat err)" ""
	assert_file_exists f.bin
	assert_file_not_exists f.bin.part
	assert_file_not_exists f.bin.part.haul
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 8M 11)"
	assert_equal "$(sha256_of head.out)" "$(gen_sha 1000 10)"
	wait_until "[ -n \"\$(testsrv_end_values /sink/sigpipe2 .how)\" ]"
	run -0 sent_until_gone /sink/sigpipe2
	assert_regex "$output" '^client-closed [0-9]+$'
	[ "${output#* }" -lt 67108864 ] || fail "the server sent ${output#* } bytes before haul stopped"
}

@test "disk full: exit 13, one line, a consistent .part and journal, not retried; -c finishes" {
	# Chunked, so no length is known before the body: the disk fills up
	# while it is written (a known length is reserved first: see below).
	local mnt=$BATS_TEST_TMPDIR/mnt url="$TESTSRV_URL/sink/diskfull?size=4M&seed=12&chunked=1"
	mount_tmpfs "$mnt" 2M
	run -13 --separate-stderr haul -o "$mnt/big.bin" "$url"
	local err=$stderr nerr=${#stderr_lines[@]}
	assert_regex "$err" "big\.bin(\.part)?: No space left on device after [0-9.]+ (B|KiB|MiB) written; run again with -c to continue once there is space"
	assert_file_not_exists "$mnt/big.bin"
	assert_file_exists "$mnt/big.bin.part"
	# The .part holds a prefix of the right body.
	local size
	size=$(stat -c %s "$mnt/big.bin.part")
	[ "$size" -gt 0 ] || fail "the .part is empty"
	cmp -s <("$TESTSRV" --gen --size "$size" --seed 12) "$mnt/big.bin.part" ||
		fail "the .part ($size bytes) is not a prefix of the body"
	# The journal (if it could be saved) names no byte beyond the .part.
	local journal=no next
	if [ -e "$mnt/big.bin.part.haul" ]; then
		journal=yes
		next=$(jq -r '.segments[0].next' "$mnt/big.bin.part.haul")
		[ "$next" -le "$size" ] || fail "journal next $next > .part size $size"
	fi
	# An output error is not retried.
	run -0 jq -sr '[.[] | select(.ev == "req" and .path == "/sink/diskfull")] | length' "$TESTSRV_LOG"
	assert_output 1
	# Room again: -c finishes byte-exact, with a range request.
	mount -o remount,size=16M "$mnt"
	run -0 haul -c -o "$mnt/big.bin" "$url"
	assert_equal "$(sha256_of "$mnt/big.bin")" "$(gen_sha 4M 12)"
	assert_file_not_exists "$mnt/big.bin.part"
	assert_file_not_exists "$mnt/big.bin.part.haul"
	run -0 jq -sr '[.[] | select(.ev == "req" and .path == "/sink/diskfull") | .headers.range // "none"] | join(" ")' "$TESTSRV_LOG"
	assert_regex "$output" '^none bytes=[0-9]+-'
	# Checked last, so the rest is verified either way.
	[ "$nerr" = 1 ] || fail "disk full: $nerr lines on stderr, want 1:"$'\n'"$err"
	[ "$journal" = yes ] || fail "disk full: no resume journal left beside the .part"
}

@test "file too large (ulimit -f): exit 13 naming the file, resumable, not retried; -c finishes" {
	local url="$TESTSRV_URL/sink/efbig?size=4M&seed=13"
	run -13 --separate-stderr bash -c "ulimit -f 1024 && exec \"\$HAUL\" -o big.bin '$url'"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "big\.bin(\.part)?: File too large after [0-9.]+ (B|KiB|MiB) written; run again with -c"
	assert_file_not_exists big.bin
	assert_file_exists big.bin.part
	assert_file_exists big.bin.part.haul
	local size next
	size=$(stat -c %s big.bin.part)
	[ "$size" -le 1048576 ] || fail ".part is $size bytes, over the 1 MiB limit"
	next=$(jq -r '.segments[0].next' big.bin.part.haul)
	[ "$next" -gt 0 ] && [ "$next" -le "$size" ] || fail "journal next $next, .part size $size"
	cmp -s <("$TESTSRV" --gen --size "$size" --seed 13) big.bin.part ||
		fail "the .part ($size bytes) is not a prefix of the body"
	run -0 jq -sr '[.[] | select(.ev == "req" and .path == "/sink/efbig")] | length' "$TESTSRV_LOG"
	assert_output 1
	# Without the limit, -c continues from the journal's offset.
	run -0 haul -c -o big.bin "$url"
	assert_equal "$(sha256_of big.bin)" "$(gen_sha 4M 13)"
	assert_file_not_exists big.bin.part
	run -0 jq -sr '[.[] | select(.ev == "req" and .path == "/sink/efbig") | .headers.range // "none"] | join(" ")' "$TESTSRV_LOG"
	assert_output "none bytes=$next-"
}

@test "file too large on stdout and in --stream: exit 13, one line, not retried, no -c advice" {
	# -c has no effect on standard output and --stream, so the message
	# must not send the user there.
	run -13 --separate-stderr bash -c "ulimit -f 1024 && exec \"\$HAUL\" '$TESTSRV_URL/sink/efbig-stdout?size=4M&seed=14' >out.bin"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^haul: -: File too large"
	[[ $stderr != *"with -c"* ]] || fail "advises -c for standard output: $stderr"
	local size
	size=$(stat -c %s out.bin)
	assert_equal "$size" 1048576
	cmp -s <("$TESTSRV" --gen --size "$size" --seed 14) out.bin || fail "out.bin is not a prefix of the body"

	run -13 --separate-stderr bash -c "ulimit -f 1024 && exec \"\$HAUL\" --stream -o s.log '$TESTSRV_URL/sink/efbig-stream?size=inf&lines=1'"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^haul: s\.log: File too large"
	[[ $stderr != *"with -c"* ]] || fail "advises -c for --stream: $stderr"
	assert_file_not_exists s.log.part
	size=$(stat -c %s s.log)
	[ "$size" -gt 0 ] && [ "$size" -le 1048576 ] || fail "s.log is $size bytes"
	cmp -s <("$TESTSRV" --gen --size "$size" --lines) s.log || fail "s.log is not a prefix of the stream"

	local p
	for p in /sink/efbig-stdout /sink/efbig-stream; do
		run -0 jq -sr --arg p "$p" '[.[] | select(.ev == "req" and .path == $p)] | length' "$TESTSRV_LOG"
		assert_output 1
	done
}

@test "disk full, known length: the space is reserved first; exit 13 at once, one line; -c keeps what is held" {
	local mnt=$BATS_TEST_TMPDIR/mnt url="$TESTSRV_URL/sink/reserve?size=4M&seed=14"
	mount_tmpfs "$mnt" 2M
	# Nothing held: no FILE.part is left behind, a plain run starts again.
	run -13 --separate-stderr haul -o "$mnt/big.bin" "$url"
	assert_equal "$stderr" "haul: $url: $mnt/big.bin.part: No space left on device: the body's 4194304 bytes do not fit; run again once there is space"
	assert_file_not_exists "$mnt/big.bin.part"
	assert_file_not_exists "$mnt/big.bin"
	# 1 MiB held (a partial file from another run): it stays as it was.
	"$TESTSRV" --gen --size 1M --seed 14 >"$mnt/big.bin.part"
	run -13 --separate-stderr haul -c -o "$mnt/big.bin" "$url"
	assert_equal "$stderr" "haul: $url: $mnt/big.bin.part: No space left on device: the body's 4194304 bytes do not fit; run again with -c to continue once there is space"
	assert_equal "$(stat -c %s "$mnt/big.bin.part")" 1048576
	cmp -s <("$TESTSRV" --gen --size 1M --seed 14) "$mnt/big.bin.part" || fail "the .part changed"
	# Neither failure was retried.
	run -0 jq -sr '[.[] | select(.ev == "req" and .path == "/sink/reserve")] | length' "$TESTSRV_LOG"
	assert_output 2
	mount -o remount,size=16M "$mnt"
	run -0 --separate-stderr haul -c -o "$mnt/big.bin" "$url"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of "$mnt/big.bin")" "$(gen_sha 4M 14)"
	run -0 jq -sr '[.[] | select(.ev == "req" and .path == "/sink/reserve") | .headers.range // "none"] | join(" ")' "$TESTSRV_LOG"
	assert_output "none bytes=983040- bytes=983040-"
}
