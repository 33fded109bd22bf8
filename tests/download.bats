#!/usr/bin/env bats
# download.bats - plain downloads: stdout and files byte-exact, .part and
# rename, several URLs, -O and --output-dir, redirects, HTTP errors, bodies
# past 4 GiB, and a real server (nginx).

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
}

teardown() {
	show_stderr_files
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	nginx_stop
}

@test "stdout is byte-exact for 0, 1, 16 KiB and 64 MiB" {
	local size
	for size in 0 1 16K 64M; do
		run -0 --separate-stderr bash -c "set -o pipefail; \"\$HAUL\" '$TESTSRV_URL/dl/stdout-$size?size=$size&seed=5' | sha256sum"
		assert_equal "${output%% *}" "$(gen_sha "$size" 5)"
		assert_equal "$stderr" ""
	done
}

@test "-o FILE is byte-exact for 0, 1, 16 KiB and 64 MiB, with nothing left over" {
	local size
	for size in 0 1 16K 64M; do
		run -0 --separate-stderr haul -o "f-$size" "$TESTSRV_URL/dl/file-$size?size=$size&seed=6"
		assert_equal "$stderr" ""
		assert_file_exists "f-$size"
		assert_equal "$(sha256_of "f-$size")" "$(gen_sha "$size" 6)"
		assert_file_not_exists "f-$size.part"
		assert_file_not_exists "f-$size.part.haul"
	done
}

@test "-o - writes to stdout" {
	run -0 bash -c "set -o pipefail; \"\$HAUL\" -o - '$TESTSRV_URL/dl/dash?size=10K' | sha256sum"
	assert_equal "${output%% *}" "$(gen_sha 10K)"
}

@test "the file is FILE.part until complete, then renamed" {
	# The server holds the body at 1 MiB until told: meanwhile there is a
	# .part with exactly that and no FILE, however slow the machine.
	"$HAUL" -o slow.bin "$TESTSRV_URL/dl/slow?size=2M&hold=1M" 2>slow.stderr 3>&- &
	BG_PIDS=($!)
	testsrv_wait_log '.ev == "hold" and .name == "/dl/slow"'
	wait_until "[ \"\$(stat -c %s slow.bin.part 2>/dev/null)\" = 1048576 ]"
	assert_file_not_exists slow.bin
	run -0 testsrv_release /dl/slow
	local rc=0
	wait "${BG_PIDS[0]}" || rc=$?
	BG_PIDS=()
	assert_equal "$rc" 0
	assert_equal "$(cat slow.stderr)" ""
	assert_file_not_exists slow.bin.part
	assert_file_not_exists slow.bin.part.haul
	assert_equal "$(sha256_of slow.bin)" "$(gen_sha 2M)"
}

@test "a failed download never destroys an existing FILE; its .part stays resumable" {
	echo "precious" >keep.txt
	run -11 --separate-stderr haul --retry 0 -o keep.txt "$TESTSRV_URL/dl/fails?size=1M&rst=512K"
	assert_equal "$(cat keep.txt)" "precious"
	assert_file_exists keep.txt.part
	assert_file_exists keep.txt.part.haul
	assert_equal "$(stat -c %s keep.txt.part)" 524288
	run -0 jq -r '.segments[0].next' keep.txt.part.haul
	assert_output 524288
}

@test "an HTTP error leaves an existing FILE alone and no new file" {
	echo "precious" >keep.txt
	run -5 --separate-stderr haul -o keep.txt "$TESTSRV_URL/dl/missing?status=404"
	assert_equal "$stderr" "haul: $TESTSRV_URL/dl/missing?status=404: server answered HTTP 404"
	assert_equal "$(cat keep.txt)" "precious"
	assert_file_not_exists keep.txt.part
	run -5 haul -o new.txt "$TESTSRV_URL/dl/missing2?status=403"
	assert_file_not_exists new.txt
	assert_file_not_exists new.txt.part
}

@test "every HTTP error status is a failure and nothing of its body is written" {
	local st
	for st in 400 401 403 404 405 410 500 501 502 503 504; do
		# pipefail: the status is haul's (5), not wc's.
		run -5 --separate-stderr bash -c "set -o pipefail; \"\$HAUL\" --retry 0 '$TESTSRV_URL/dl/err-$st?status=$st' | wc -c"
		assert_equal "$output" 0
		# One line (4xx: "server answered HTTP N"; 5xx, retried but for
		# --retry 0: "HTTP N").
		assert_regex "$stderr" "^haul: $TESTSRV_URL/dl/err-$st\\?status=$st: (server answered )?HTTP $st\$"
		run -0 testsrv_requests "/dl/err-$st"
		assert_equal "${#lines[@]}" 1
	done
}

@test "-O names the file after the URL path, --output-dir puts it elsewhere" {
	run -0 haul -O "$TESTSRV_URL/dl/named.bin?size=3K"
	assert_equal "$(sha256_of named.bin)" "$(gen_sha 3K)"
	mkdir out
	run -0 haul -O --output-dir out "$TESTSRV_URL/dl/a%20b.bin?size=4K" "$TESTSRV_URL/dl/c.bin?size=5K"
	assert_equal "$(sha256_of 'out/a b.bin')" "$(gen_sha 4K)"
	assert_equal "$(sha256_of out/c.bin)" "$(gen_sha 5K)"
	run -0 haul --output-dir out -o d.bin "$TESTSRV_URL/dl/x?size=6K"
	assert_equal "$(sha256_of out/d.bin)" "$(gen_sha 6K)"
}

@test "-o pairs with URLs in order, as in curl" {
	run -0 haul "$TESTSRV_URL/dl/p1?size=1K&seed=1" -o one "$TESTSRV_URL/dl/p2?size=2K&seed=2" -o two
	assert_equal "$(sha256_of one)" "$(gen_sha 1K 1)"
	assert_equal "$(sha256_of two)" "$(gen_sha 2K 2)"
}

@test "several URLs run at the same time" {
	# Each response holds at 256 KiB until all four hold at once: haul
	# must have all four in flight, whatever the speed of the machine.
	local i urls=() rc=0
	for i in 1 2 3 4; do
		urls+=(-o "c$i" "$TESTSRV_URL/dl/conc$i?size=512K&seed=$i&hold=256K&hold_name=dl-conc")
	done
	"$HAUL" -P 4 "${urls[@]}" 2>conc.stderr 3>&- &
	BG_PIDS=($!)
	testsrv_wait_log '.ev == "hold" and .name == "dl-conc"' 4
	run -0 testsrv_release dl-conc
	assert_output "released 4"
	wait "${BG_PIDS[0]}" || rc=$?
	BG_PIDS=()
	assert_equal "$rc" 0
	assert_equal "$(cat conc.stderr)" ""
	for i in 1 2 3 4; do
		assert_equal "$(sha256_of "c$i")" "$(gen_sha 512K "$i")"
	done
	# Four requests, one each, every one of them held before the first
	# response ended (the log is in the order things happened).
	run -0 jq -rs '
		to_entries as $log
		| [$log[] | select(.value.ev == "req" and (.value.path | startswith("/dl/conc")))] as $reqs
		| [$log[] | select(.value.ev == "hold" and .value.name == "dl-conc")] as $holds
		| ($reqs | map(.value.n)) as $ns
		| [$log[] | select(.value.ev == "end") | select(.value.n as $n | $ns | index($n))] as $ends
		| "\($reqs | length) \($holds | length) \($ends | map(.value.how) | unique) \(($holds | map(.key) | max) < ($ends | map(.key) | min))"' "$TESTSRV_LOG"
	assert_output '4 4 ["complete"] true'
}

@test "-P 1 runs them one after another" {
	run -0 haul -P 1 -o s1 "$TESTSRV_URL/dl/seq1?size=64K" -o s2 "$TESTSRV_URL/dl/seq2?size=64K"
	assert_equal "$(sha256_of s1)" "$(gen_sha 64K)"
	assert_equal "$(sha256_of s2)" "$(gen_sha 64K)"
}

@test "several bodies to stdout come out whole and in URL order" {
	run -0 bash -c "set -o pipefail; \"\$HAUL\" -P 4 '$TESTSRV_URL/dl/o1?size=300K&seed=1&rate=2M' '$TESTSRV_URL/dl/o2?size=10K&seed=2' '$TESTSRV_URL/dl/o3?size=200K&seed=3' | sha256sum"
	{ "$TESTSRV" --gen --size 300K --seed 1; "$TESTSRV" --gen --size 10K --seed 2
		"$TESTSRV" --gen --size 200K --seed 3; } >want.bin
	assert_equal "${output%% *}" "$(sha256_of want.bin)"
}

@test "redirects are followed; the final URL is used" {
	run -0 haul -o r.bin "$TESTSRV_URL/redirect/3/dl/redir?size=20K"
	assert_equal "$(sha256_of r.bin)" "$(gen_sha 20K)"
	run -0 jq -sr '[.[] | select(.ev == "req" and .key == "/dl/redir") | .status] | join(",")' "$TESTSRV_LOG"
	assert_output "302,302,302,200"
}

# "status" of each request for KEY (redirect hops included), one line.
statuses_for_key() {
	jq -sr --arg k "$1" '[.[] | select(.ev == "req" and .key == $k) | .status] | join(",")' "$TESTSRV_LOG"
}

@test "too many redirects: exit 15; --max-redirs 0 follows none" {
	# The default: 10 followed, the 11th refused, nothing retried.
	run -15 --separate-stderr haul -o r "$TESTSRV_URL/redirect/11/dl/r11?size=1K"
	assert_equal "$stderr" "haul: $TESTSRV_URL/redirect/11/dl/r11?size=1K: Maximum (10) redirects followed"
	assert_file_not_exists r
	run -0 statuses_for_key /dl/r11
	assert_output "302,302,302,302,302,302,302,302,302,302,302"
	# --max-redirs 0: the first redirect is not followed.
	run -15 --separate-stderr haul --max-redirs 0 -o r "$TESTSRV_URL/redirect/1/dl/r1?size=1K"
	assert_equal "$stderr" "haul: $TESTSRV_URL/redirect/1/dl/r1?size=1K: Maximum (0) redirects followed"
	assert_file_not_exists r
	run -0 statuses_for_key /dl/r1
	assert_output "302"
	# --max-redirs 2 follows exactly two.
	run -0 --separate-stderr haul --max-redirs 2 -o r "$TESTSRV_URL/redirect/2/dl/r2?size=1K"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of r)" "$(gen_sha 1K)"
	run -0 statuses_for_key /dl/r2
	assert_output "302,302,200"
	run -15 --separate-stderr haul --max-redirs 2 -o r3 "$TESTSRV_URL/redirect/3/dl/r3?size=1K"
	assert_equal "$stderr" "haul: $TESTSRV_URL/redirect/3/dl/r3?size=1K: Maximum (2) redirects followed"
	run -0 statuses_for_key /dl/r3
	assert_output "302,302,302"
}

@test "a redirect to another scheme is refused" {
	run -3 --separate-stderr haul -o r "$TESTSRV_URL/dl/toftp?loc=ftp://127.0.0.1/x"
	assert_file_not_exists r
}

@test "an unwritable output path: one line naming the file, exit 4" {
	echo x >afile
	run -4 --separate-stderr haul -o afile/sub "$TESTSRV_URL/dl/nowrite?size=1K"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "cannot write afile/sub.part: Not a directory"
	mkdir adir
	run -4 --separate-stderr haul -o adir "$TESTSRV_URL/dl/nowrite?size=1K"
	assert_regex "$stderr" "adir: is a directory"
	run -4 haul -o /nonexistent/dir/x "$TESTSRV_URL/dl/nowrite?size=1K"
}

@test "a body past 4 GiB: offsets in requests, the journal, events and the file do not wrap at 32 bits" {
	# Without moving 4 GiB (that is load.bats's job): -c over a sparse
	# file of 4 GiB + 1 MiB whose last 64 KiB are the body's, of a body of
	# 4 GiB + 5 MiB held at 4 GiB + 3 MiB; SIGTERM there, then -c again.
	local have=$((4294967296 + 1048576)) size hold
	size=$((have + 4194304))
	hold=$((have + 2097152))
	local url="$TESTSRV_URL/dl/huge?size=$size&seed=4&hold=$hold"
	truncate -s $((have - 65536)) f.bin
	"$TESTSRV" --gen --size "$have" --offset $((have - 65536)) --seed 4 >>f.bin
	"$HAUL" -c --events ev.json -o f.bin "$url" 2>first.stderr 3>&- &
	BG_PIDS=($!)
	testsrv_wait_log '.ev == "hold" and .name == "/dl/huge"'
	wait_until "[ \"\$(jq -r '.segments[0].next' f.bin.part.haul 2>/dev/null)\" = $hold ]" 30
	kill -TERM "${BG_PIDS[0]}"
	local rc=0
	wait "${BG_PIDS[0]}" || rc=$?
	BG_PIDS=()
	assert_equal "$rc" 143
	assert_regex "$(cat first.stderr)" "stopped with 4\.0 GiB in f\.bin\.part; run the same command with -c to continue"
	# Every offset past 2^32, exact: the request, the events, the journal.
	run -0 jq -r '.headers.range' < <(testsrv_requests /dl/huge)
	assert_output "bytes=$((have - 65536))-"
	run -0 jq -sc '[.[] | select(.event == "response" or .event == "resume") | [.event, .offset, .total]]' ev.json
	assert_output "[[\"response\",$((have - 65536)),$size],[\"resume\",$have,null]]"
	run -0 jq -r '"\(.total) \(.segments[0].next)"' f.bin.part.haul
	assert_output "$size $hold"
	assert_equal "$(stat -c %s f.bin.part)" "$hold"
	# -c again: continues at the journal's offset (checked by If-Range or
	# by the 64 KiB before it), to the exact end.
	run -0 --separate-stderr haul -c --summary sum.json -o f.bin "$url"
	run -0 testsrv_req_values /dl/huge .headers.range
	assert_equal "${#lines[@]}" 2
	assert_regex "${lines[1]}" "^bytes=($hold|$((hold - 65536)))-\$"
	assert_equal "$(stat -c %s f.bin)" "$size"
	assert_file_not_exists f.bin.part
	tail -c $((size - have + 65536)) f.bin >tail.bin
	assert_equal "$(sha256_of tail.bin)" "$(testsrv_sha256 --size "$size" --offset $((have - 65536)) --seed 4)"
	run -0 jq -r '.transfers[0] | "\(.bytes) \(.exit_code)"' sum.json
	assert_output "$((size - hold)) 0"
}

@test "a file from nginx is byte-exact" {
	nginx_start "$BATS_TEST_TMPDIR/ng"
	"$TESTSRV" --gen --size 5M --seed 11 >"$BATS_TEST_TMPDIR/ng/www/file.bin"
	run -0 haul -o got.bin "$NGINX_URL/file.bin"
	assert_equal "$(sha256_of got.bin)" "$(gen_sha 5M 11)"
}

@test "request options reach the server: -H, -A, -e, -u; the default User-Agent is haul/VERSION" {
	run -0 haul -o h.bin -H "X-Test: one" -H "X-Other: two" -A "agent/1.0" -e "http://ref.example/" \
		-u "user:pw" "$TESTSRV_URL/dl/headers?size=1K&auth=user:pw"
	run -0 testsrv_requests /dl/headers
	run -0 jq -r '[.headers["x-test"], .headers["x-other"], .headers["user-agent"], .headers.referer,
		.headers.authorization] | join("|")' <<<"$output"
	assert_output "one|two|agent/1.0|http://ref.example/|Basic dXNlcjpwdw=="
	run -0 haul -o h2.bin "$TESTSRV_URL/dl/ua?size=1K"
	run -0 jq -r '.headers["user-agent"]' < <(testsrv_requests /dl/ua)
	assert_output --regexp '^haul/[0-9]+\.[0-9]+\.[0-9]+$'
}

@test "wrong credentials: HTTP 401, exit 5, nothing written" {
	run -5 --separate-stderr haul -o a.bin -u "user:wrong" "$TESTSRV_URL/dl/auth?size=1K&auth=user:pw"
	assert_regex "$stderr" "HTTP 401"
	assert_file_not_exists a.bin
}

@test "--proxy and the http_proxy environment variable send requests through a proxy" {
	# testsrv answers absolute-form requests as a proxy would: the host in
	# the URL need not exist.
	run -0 haul --proxy "$TESTSRV_URL" -o p.bin "http://no-such-host.invalid/dl/proxied?size=7K"
	assert_equal "$(sha256_of p.bin)" "$(gen_sha 7K)"
	run -0 jq -r '.target' < <(testsrv_requests /dl/proxied)
	assert_output "http://no-such-host.invalid/dl/proxied?size=7K"
	run -0 env http_proxy="$TESTSRV_URL" "$HAUL" -o e.bin "http://no-such-host.invalid/dl/envproxy?size=3K"
	assert_equal "$(sha256_of e.bin)" "$(gen_sha 3K)"
	run -0 jq -r '.target' < <(testsrv_requests /dl/envproxy)
	assert_output "http://no-such-host.invalid/dl/envproxy?size=3K"
	# no_proxy names the host: haul goes there directly, and a host that
	# does not resolve is exit 6; nothing went through the proxy.
	run -6 --separate-stderr env http_proxy="$TESTSRV_URL" no_proxy="no-such-host.invalid" "$HAUL" --retry 0 -o n.bin \
		"http://no-such-host.invalid/dl/noproxy?size=3K"
	assert_regex "$stderr" "no-such-host\.invalid"
	assert_regex "$stderr" "[Rr]esolve"
	assert_file_not_exists n.bin
	run -0 testsrv_requests /dl/noproxy
	assert_output ""
}

@test "--compressed: a gzip response from nginx is decompressed, byte-exact" {
	nginx_start "$BATS_TEST_TMPDIR/ng" "gzip on; gzip_types text/plain; gzip_min_length 0;"
	"$TESTSRV" --gen --size 1M --lines >"$BATS_TEST_TMPDIR/ng/www/lines.txt"
	run -0 haul --compressed -o got.txt "$NGINX_URL/lines.txt"
	assert_equal "$(sha256_of got.txt)" "$(sha256_of "$BATS_TEST_TMPDIR/ng/www/lines.txt")"
	# It really came compressed: nginx logged far fewer bytes than 1 MiB.
	run -0 awk '$7 == "/lines.txt" { print $10 }' "$BATS_TEST_TMPDIR/ng/nginx/access.log"
	[ "$output" -lt 900000 ] || fail "nginx sent $output bytes: not compressed"
	# Without --compressed, the body is sent as is.
	run -0 haul -o plain.txt "$NGINX_URL/lines.txt"
	assert_equal "$(sha256_of plain.txt)" "$(sha256_of "$BATS_TEST_TMPDIR/ng/www/lines.txt")"
}

@test "-v shows the request and response headers on stderr, and the body stays clean" {
	run -0 --separate-stderr haul -v -o v.bin "$TESTSRV_URL/dl/verbose?size=2K"
	local out=$output
	# Header dumps are marked as curl's are: "> " sent, "< " received.
	assert_regex "$stderr" $'(^|\n)> GET /dl/verbose\\?size=2K HTTP/1.1\n'
	assert_regex "$stderr" $'\n< HTTP/1.1 200 OK\n'
	assert_regex "$stderr" $'\n< ETag: "s1-v1-2048"\n'
	assert_equal "$out" ""
	assert_equal "$(sha256_of v.bin)" "$(gen_sha 2K)"
}

@test "two haul processes on one FILE: the second stops, the first is not disturbed" {
	# The server holds the first at 1 MiB until the second has been
	# refused, however slow either is to start (under valgrind).
	"$HAUL" -o twice.bin "$TESTSRV_URL/dl/twice?size=2M&hold=1M" 2>first.stderr 3>&- &
	BG_PIDS=($!)
	testsrv_wait_log '.ev == "hold" and .name == "/dl/twice"'
	wait_until "[ \"\$(stat -c %s twice.bin.part 2>/dev/null)\" = 1048576 ]"
	run -4 --separate-stderr haul -o twice.bin "$TESTSRV_URL/dl/twice?size=2M"
	assert_equal "$stderr" "haul: $TESTSRV_URL/dl/twice?size=2M: twice.bin.part is being written by another process; not touching it"
	assert_equal "$(stat -c %s twice.bin.part)" 1048576
	assert_equal "$(sha256_of twice.bin.part)" "$(gen_sha 1M)"
	run -0 testsrv_release /dl/twice
	local rc=0
	wait "${BG_PIDS[0]}" || rc=$?
	BG_PIDS=()
	assert_equal "$rc" 0
	assert_equal "$(cat first.stderr)" ""
	assert_equal "$(sha256_of twice.bin)" "$(gen_sha 2M)"
	assert_file_not_exists twice.bin.part
}

@test "fast downloads at the same time, each written through the gather buffer they share: byte-exact" {
	local i args=()
	for i in 1 2 3 4 5 6; do
		args+=(-o "fast$i" "$TESTSRV_URL/dl/fast$i?size=24M&seed=$((60 + i))")
	done
	run -0 haul -P 6 "${args[@]}"
	for i in 1 2 3 4 5 6; do
		assert_equal "$(sha256_of "fast$i")" "$(gen_sha 24M $((60 + i)))"
	done
}

# The processes whose command line holds TEXT, one "PID EXE" a line (EXE:
# what /proc/PID/exe points to, so a script shows its interpreter).
procs_with() {
	local f pid
	for f in $(grep -las -- "$1" /proc/[0-9]*/cmdline); do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		printf '%s %s\n' "$pid" "$(readlink "/proc/$pid/exe" 2>/dev/null)"
	done
}

@test "haul runs under HAUL_WRAPPER in every way the tests start it (the guard of make check-valgrind)" {
	# Each way a test here starts haul, on a URL held at 1 KiB: while it
	# waits, the haul process is the binary itself in a plain run, and
	# valgrind (never the binary) under `make check-valgrind`, whose
	# tests/check-wrapped then checks that every test ran haul this way.
	local real form k=0 pids exe bad=()
	real=$(readlink -f "$HAUL_BIN") # guard
	local -a forms=(
		'haul -o "$O" "$U"'
		'"$HAUL" -o "$O" "$U"'
		'bash -c '"'"'"$HAUL" -o "$O" "$U"'"'"
		'bash -c '"'"'haul -o "$O" "$U"'"'"
		'run_with_rss rss "$HAUL" -o "$O" "$U"'
		'env X=1 "$HAUL" -o "$O" "$U"'
		'timeout 60 "$HAUL" -o "$O" "$U"'
		'sh -c '"'"'exec "$@"'"'"' sh "$HAUL" -o "$O" "$U"'
	)
	for form in "${forms[@]}"; do
		k=$((k + 1))
		export O=g$k.bin U="$TESTSRV_URL/dl/guard$k?size=64K&hold=1K&marker=guard$k"
		eval "$form" >/dev/null 2>"guard$k.stderr" 3>&- &
		BG_PIDS+=($!)
		testsrv_wait_log ".ev == \"hold\" and .name == \"/dl/guard$k\""
		pids=$(procs_with "marker=guard$k")
		# The launchers (bash, sh, time, timeout) hold the URL too.
		exe=$(awk '$2 !~ /\/(bash|sh|dash|time|timeout)$/ { print $2 }' <<<"$pids")
		if [ -n "${HAUL_WRAPPER:-}" ]; then # guard
			{ [ -n "$exe" ] && ! grep -qxF "$real" <<<"$exe"; } || bad+=("$form: $exe")
			case $HAUL_WRAPPER in # guard
			valgrind*) grep -q '/valgrind/' <<<"$exe" || bad+=("$form: not valgrind: $exe") ;;
			esac
		else
			[ "$exe" = "$real" ] || bad+=("$form: $exe")
		fi
		run -0 testsrv_release "/dl/guard$k"
	done
	local pid rc
	for pid in "${BG_PIDS[@]}"; do
		rc=0
		wait "$pid" || rc=$?
		[ "$rc" = 0 ] || bad+=("exit $rc")
	done
	BG_PIDS=()
	[ "${#bad[@]}" = 0 ] || fail "haul ran as:$(printf '\n  %s' "${bad[@]}")"
	for ((k = 1; k <= ${#forms[@]}; k++)); do
		assert_equal "$(sha256_of "g$k.bin")" "$(gen_sha 64K)"
	done
	# And no test of the files make check-valgrind runs starts the binary
	# by its own name (HAUL_BIN is for nm and ldd; valgrind_haul is
	# valgrind) or puts HAUL_WRAPPER in front of haul again.
	local files
	files=$(awk '/^VALGRIND_TESTS = / { on = 1; next } on && !/^\t/ { on = 0 }
		on { for (i = 1; i <= NF; i++) if ($i ~ /^tests\/[a-z]+\.bats$/) print $i }' "$HAUL_SRCDIR/Makefile.am")
	[ -n "$files" ] || fail "no VALGRIND_TESTS in Makefile.am"
	local v=HAUL   # (so that this line does not match itself)
	run -1 bash -c "set -o pipefail; cd '$HAUL_SRCDIR' && grep -nE '[$][{]?${v}_(BIN|WRAPPER)' $(echo $files) | grep -v '# guard\$'"
	assert_output ""
}
