# tests/lib/testsrv.bash - start, query and stop testsrv from bats tests.
#
# Sourced by tests/helpers.bash (or `load 'lib/testsrv'`).  The server binary
# is $TESTSRV when set (out-of-tree builds such as `make distcheck` export
# it), else tests/server/testsrv next to this file.  $TESTSRV_WRAPPER, when
# set, is a command prefix for the server (e.g. valgrind and its options).
#
#   testsrv_start [DIR [SERVER-ARGS...]]
#       Starts testsrv on 127.0.0.1, port 0, logging to DIR/testsrv.log
#       (DIR defaults to $BATS_FILE_TMPDIR), waits (10 s at most, no fixed
#       sleeps) until it listens and exports TESTSRV_PORT, TESTSRV_URL,
#       TESTSRV_LOG, TESTSRV_PID and TESTSRV_DIR.
#   testsrv_stop
#       SIGTERM, wait for the exit; fails unless the server exited 0.
#       A test that starts its own server should also call it from
#       teardown, so a failing test does not leave the server running.
#   testsrv_requests PATH
#       The "req" log records whose path is PATH, one JSON object a line.
#   testsrv_ends PATH
#       The "end" log records of the requests for PATH.
#   testsrv_req_values PATH JQ-FILTER
#       JQ-FILTER applied to each req record for PATH, raw output (jq -r):
#       testsrv_req_values /x '.headers.range // "-"'
#   testsrv_end_values PATH JQ-FILTER
#       The same over the end records of the requests for PATH.
#   testsrv_req_array PATH JQ-FILTER, testsrv_end_array PATH JQ-FILTER
#       One line: the compact JSON array of JQ-FILTER over those records,
#       e.g. testsrv_end_array /x .how gives ["fin","complete"].
#   testsrv_count PATH
#       The number of requests for PATH.
#   Each is one jq run over the log, so its exit status is jq's (a test
#   never pipes them: a missing log must fail, not read as "no request").
#   testsrv_sha256 GEN-ARGS...
#       sha256 (hex) of `testsrv --gen GEN-ARGS...`, e.g.
#       testsrv_sha256 --size 64M --seed 3 --version 2
#   testsrv_release NAME
#       Releases the hold= holds named NAME (GET /_release?name=NAME);
#       prints the server's answer, "released K".
#   testsrv_wait_log FILTER [N [SECS]]
#       Waits until at least N (default 1) records of the log match the
#       jq FILTER (e.g. '.ev == "hold" and .name == "x"'), at most SECS
#       (default 30) seconds; waits on the log's content, not on a clock.

testsrv_bin() {
	if [ -n "${TESTSRV:-}" ]; then
		printf '%s\n' "$TESTSRV"
	else
		printf '%s\n' "$(dirname "${BASH_SOURCE[0]}")/../server/testsrv"
	fi
}

testsrv_start() {
	local dir=${1:-${BATS_FILE_TMPDIR:-${BATS_TEST_TMPDIR:-}}}
	local bin i
	[ $# -gt 0 ] && shift
	bin=$(testsrv_bin)
	if [ -z "$dir" ] || [ ! -d "$dir" ]; then
		echo "testsrv_start: no directory '$dir'" >&2
		return 1
	fi
	if [ ! -x "$bin" ]; then
		echo "testsrv_start: $bin is not built" >&2
		return 1
	fi
	rm -f "$dir/testsrv.port" "$dir/testsrv.pid" "$dir/testsrv.status"
	export TESTSRV_DIR=$dir
	export TESTSRV_LOG=$dir/testsrv.log
	# The subshell records the server's exit status, so testsrv_stop works
	# from any process (setup_file, a test, teardown_file).  3>&- keeps
	# bats from waiting for the server's copy of its output pipe.
	(
		# shellcheck disable=SC2086 # the wrapper is a word list
		${TESTSRV_WRAPPER:-} "$bin" --quiet --port-file "$dir/testsrv.port" --log "$TESTSRV_LOG" \
			"$@" </dev/null >"$dir/testsrv.out" 2>"$dir/testsrv.err" &
		echo $! >"$dir/testsrv.pid"
		wait $!
		echo $? >"$dir/testsrv.status.tmp"
		mv "$dir/testsrv.status.tmp" "$dir/testsrv.status"
	) </dev/null >/dev/null 2>&1 3>&- &
	for ((i = 0; i < 1000; i++)); do
		if [ -s "$dir/testsrv.port" ] && [ -s "$dir/testsrv.pid" ]; then
			break
		fi
		if [ -e "$dir/testsrv.status" ]; then
			echo "testsrv_start: server exited with" \
				"$(cat "$dir/testsrv.status"):" >&2
			cat "$dir/testsrv.err" >&2
			return 1
		fi
		sleep 0.01
	done
	if [ ! -s "$dir/testsrv.port" ]; then
		echo "testsrv_start: server not listening after 10 s" >&2
		[ -s "$dir/testsrv.pid" ] && kill -KILL "$(cat "$dir/testsrv.pid")"
		return 1
	fi
	TESTSRV_PID=$(cat "$dir/testsrv.pid")
	TESTSRV_PORT=$(cat "$dir/testsrv.port")
	export TESTSRV_PID TESTSRV_PORT
	export TESTSRV_URL=http://127.0.0.1:$TESTSRV_PORT
}

testsrv_stop() {
	local dir=${TESTSRV_DIR:-} i status
	if [ -z "$dir" ] || [ -z "${TESTSRV_PID:-}" ]; then
		return 0
	fi
	kill -TERM "$TESTSRV_PID" 2>/dev/null
	for ((i = 0; i < 1000; i++)); do
		[ -s "$dir/testsrv.status" ] && break
		sleep 0.01
	done
	if [ ! -s "$dir/testsrv.status" ]; then
		echo "testsrv_stop: server $TESTSRV_PID did not exit in 10 s" >&2
		kill -KILL "$TESTSRV_PID" 2>/dev/null
		return 1
	fi
	status=$(cat "$dir/testsrv.status")
	unset TESTSRV_PID
	if [ "$status" != 0 ]; then
		echo "testsrv_stop: server exited with status $status:" >&2
		cat "$dir/testsrv.err" >&2
		return 1
	fi
}

testsrv_requests() {
	jq -c --arg p "$1" 'select(.ev == "req" and .path == $p)' "$TESTSRV_LOG"
}

testsrv_ends() {
	testsrv_end_values "$1" tojson
}

testsrv_req_values() {
	jq -r --arg p "$1" "select(.ev == \"req\" and .path == \$p) | $2" "$TESTSRV_LOG"
}

testsrv_end_values() {
	jq -sr --arg p "$1" "
		[.[] | select(.ev == \"req\" and .path == \$p) | .n] as \$ns
		| .[] | select(.ev == \"end\") | select(.n as \$n | \$ns | index(\$n)) | $2
	" "$TESTSRV_LOG"
}

testsrv_req_array() {
	jq -sc --arg p "$1" "[.[] | select(.ev == \"req\" and .path == \$p) | $2]" "$TESTSRV_LOG"
}

testsrv_end_array() {
	jq -sc --arg p "$1" "
		[.[] | select(.ev == \"req\" and .path == \$p) | .n] as \$ns
		| [.[] | select(.ev == \"end\") | select(.n as \$n | \$ns | index(\$n)) | $2]
	" "$TESTSRV_LOG"
}

testsrv_count() {
	jq -n --arg p "$1" '[inputs | select(.ev == "req" and .path == $p)] | length' "$TESTSRV_LOG"
}

testsrv_sha256() {
	local bin out
	bin=$(testsrv_bin)
	out=$(set -o pipefail; "$bin" --gen "$@" | sha256sum) || return 1
	printf '%s\n' "${out%% *}"
}

testsrv_release() {
	curl -sS --fail --max-time 30 -G --data-urlencode "name=$1" "$TESTSRV_URL/_release"
}

testsrv_wait_log() {
	local filter=$1 want=${2:-1} secs=${3:-30} i n=0
	for ((i = 0; i < secs * 50; i++)); do
		n=$(jq -n "[inputs | select($filter)] | length" "$TESTSRV_LOG") || return 1
		[ "$n" -ge "$want" ] && return 0
		sleep 0.02
	done
	echo "testsrv_wait_log: $n of $want records match $filter after ${secs}s" >&2
	return 1
}
