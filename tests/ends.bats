#!/usr/bin/env bats
# ends.bats - every job ends once, through one door: its exit code and
# message in --summary, and its last --events line ("done" or "error"),
# whether it ran, failed before its first request, or never started.  And
# a second signal, which ends haul at once, still puts back the flags of a
# socket on stdout.

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
	[ -n "${BG_PID:-}" ] && kill -KILL "$BG_PID" 2>/dev/null
	true
}

# Whether O_NONBLOCK (04000) is in the flags of a descriptor: nonblocking PID FD.
nonblocking() {
	local flags
	flags=$(awk '$1 == "flags:" { print $2 }' "/proc/$1/fdinfo/$2" 2>/dev/null) || return 1
	[ -n "$flags" ] && (((8#$flags & 8#4000) != 0))
}

@test "an output that cannot be used: exit 4, one line, and an error event" {
	mkdir dir
	run -4 --separate-stderr haul --events ev.ndjson --summary sum.json -o dir "$TESTSRV_URL/end/dir?size=1K"
	assert_equal "$stderr" "haul: dir: is a directory; name a file with -o"
	run -0 jq -c '[.event, .id, .exit_code, .exit_name, .message]' ev.ndjson
	assert_output "[\"error\",1,4,\"WRITE\",\"$TESTSRV_URL/end/dir?size=1K: cannot write dir\"]"
	run -0 jq -c '.transfers[0] | [.exit_code, .message]' sum.json
	assert_output "[4,\"$TESTSRV_URL/end/dir?size=1K: cannot write dir\"]"
	# Nothing was asked of the server.
	assert_equal "$(testsrv_requests /end/dir | wc -l)" 0
}

@test "stdout's reader goes away: the body not yet started ends too, with its error event" {
	run -0 bash -c "\"\$HAUL\" --events ev.ndjson '$TESTSRV_URL/end/p1?size=64M' '$TESTSRV_URL/end/p2?size=1K' 2>err | head -c 100 >/dev/null; echo \${PIPESTATUS[0]}"
	assert_output 141
	assert_equal "$(cat err)" ""
	run -0 jq -c 'select(.event == "error") | [.id, .exit_code, .exit_name, .message]' ev.ndjson
	assert_output '[1,141,"PIPE","output pipe closed"]
[2,141,"PIPE","output pipe closed"]'
	# The second body was never asked for.
	assert_equal "$(testsrv_requests /end/p2 | wc -l)" 0
}

@test "SIGINT before a job started: it ends with its error event too" {
	${HAUL_WRAPPER:-} "$HAUL" --events ev.ndjson -P 1 -o a.bin "$TESTSRV_URL/end/s1?size=8M&rate=1M" \
		-o b.bin "$TESTSRV_URL/end/s2?size=1K" 2>err 3>&- &
	BG_PID=$!
	wait_until "[ -s a.bin.part ]" 30
	kill -INT "$BG_PID"
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 130
	run -0 jq -sc 'map(select(.event == "error")) | sort_by(.id) | .[]
		| [.id, .exit_code, .exit_name, .message]' ev.ndjson
	assert_output '[1,130,"INTERRUPTED","interrupted"]
[2,130,"INTERRUPTED","interrupted before it started"]'
	assert_equal "$(testsrv_requests /end/s2 | wc -l)" 0
}

@test "a second signal ends haul at once and still puts back the flags of a socket on stdout" {
	# haul's stdout is one end of a socket pair; perl keeps that same end
	# (the same open file description, whose flags libuv changes) and
	# never reads the other, so haul's first stop waits to deliver what
	# the socket was given.
	cat >pair.pl <<-'PERL'
		use strict;
		use Socket;
		use Fcntl;
		socketpair(my $mine, my $peer, AF_UNIX, SOCK_STREAM, PF_UNSPEC) or die "socketpair: $!";
		my $pid = fork() // die "fork: $!";
		if ($pid == 0) {
			open(STDOUT, '>&', $mine) or die "dup: $!";
			close $peer;
			exec @ARGV or die "exec: $!";
		}
		open(my $f, '>', 'haul.pid.tmp') or die "haul.pid: $!";
		print $f "$pid\n";
		close $f;
		rename 'haul.pid.tmp', 'haul.pid' or die "rename: $!";
		waitpid($pid, 0);
		my $flags = fcntl($mine, F_GETFL, 0) // die "fcntl: $!";
		printf "exit %d nonblocking %s\n", $? >> 8, ($flags & O_NONBLOCK) ? "yes" : "no";
	PERL
	# shellcheck disable=SC2086 # the wrapper is a word list
	perl pair.pl ${HAUL_WRAPPER:-} "$HAUL" "$TESTSRV_URL/end/socket?size=64M" >result 2>err 3>&- &
	BG_PID=$!
	# haul writes to the socket: libuv has made it non-blocking.
	wait_until "[ -s haul.pid ] && nonblocking \$(cat haul.pid) 1" 30
	local pid
	pid=$(cat haul.pid)
	kill -INT "$pid"
	# The first stop waits for the socket's reader, who never reads.
	sleep 0.5
	kill -0 "$pid" || fail "haul did not wait for the socket: $(cat err)"
	kill -INT "$pid"
	wait_until "[ -s result ]" 30
	wait "$BG_PID" || true
	BG_PID=
	assert_equal "$(cat result)" "exit 130 nonblocking no"
	run -0 tail -n 1 err
	assert_output "haul: stopped at once"
}
