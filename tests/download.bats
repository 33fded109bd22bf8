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
		run -0 --separate-stderr bash -c "\"\$HAUL\" '$TESTSRV_URL/dl/stdout-$size?size=$size&seed=5' | sha256sum"
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
	run -0 bash -c "\"\$HAUL\" -o - '$TESTSRV_URL/dl/dash?size=10K' | sha256sum"
	assert_equal "${output%% *}" "$(gen_sha 10K)"
}

@test "the file is FILE.part until complete, then renamed" {
	haul -o slow.bin "$TESTSRV_URL/dl/slow?size=2M&rate=2M" &
	local pid=$!
	wait_until "[ -s slow.bin.part ]"
	assert_file_not_exists slow.bin
	wait "$pid"
	assert_file_not_exists slow.bin.part
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
		run --separate-stderr bash -c "\"\$HAUL\" --retry 0 '$TESTSRV_URL/dl/err-$st?status=$st' | wc -c"
		assert_equal "$output" 0
		assert_regex "$stderr" "HTTP $st"
	done
	run -5 haul --retry 0 "$TESTSRV_URL/dl/err-x?status=500"
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
	local i urls=()
	for i in 1 2 3 4; do
		urls+=(-o "c$i" "$TESTSRV_URL/dl/conc$i?size=512K&rate=1M&seed=$i")
	done
	run -0 haul -P 4 "${urls[@]}"
	for i in 1 2 3 4; do
		assert_equal "$(sha256_of "c$i")" "$(gen_sha 512K "$i")"
	done
	# Every request reached the server before the first response ended
	# (the log is in the order things happened).
	run -0 jq -rs '
		to_entries as $log
		| [$log[] | select(.value.ev == "req" and (.value.path | startswith("/dl/conc")))] as $reqs
		| ($reqs | map(.value.n)) as $ns
		| [$log[] | select(.value.ev == "end") | select(.value.n as $n | $ns | index($n))] as $ends
		| "\($reqs | length) \($ends | length) \(($reqs | map(.key) | max) < ($ends | map(.key) | min))"' "$TESTSRV_LOG"
	assert_output "4 4 true"
}

@test "-P 1 runs them one after another" {
	run -0 haul -P 1 -o s1 "$TESTSRV_URL/dl/seq1?size=64K" -o s2 "$TESTSRV_URL/dl/seq2?size=64K"
	assert_equal "$(sha256_of s1)" "$(gen_sha 64K)"
	assert_equal "$(sha256_of s2)" "$(gen_sha 64K)"
}

@test "several bodies to stdout come out whole and in URL order" {
	run -0 bash -c "\"\$HAUL\" -P 4 '$TESTSRV_URL/dl/o1?size=300K&seed=1&rate=2M' '$TESTSRV_URL/dl/o2?size=10K&seed=2' '$TESTSRV_URL/dl/o3?size=200K&seed=3' | sha256sum"
	local want
	want=$( ("$TESTSRV" --gen --size 300K --seed 1; "$TESTSRV" --gen --size 10K --seed 2;
		"$TESTSRV" --gen --size 200K --seed 3) | sha256sum)
	assert_equal "${output%% *}" "${want%% *}"
}

@test "redirects are followed; the final URL is used" {
	run -0 haul -o r.bin "$TESTSRV_URL/redirect/3/dl/redir?size=20K"
	assert_equal "$(sha256_of r.bin)" "$(gen_sha 20K)"
	run -0 jq -sr '[.[] | select(.ev == "req" and .key == "/dl/redir") | .status] | join(",")' "$TESTSRV_LOG"
	assert_output "302,302,302,200"
}

@test "too many redirects: exit 15; --max-redirs 0 follows none" {
	run -15 --separate-stderr haul -o r "$TESTSRV_URL/redirect/11/dl/r11?size=1K"
	assert_regex "$stderr" "Maximum \(10\) redirects followed"
	assert_file_not_exists r
	run -15 haul --max-redirs 0 -o r "$TESTSRV_URL/redirect/1/dl/r1?size=1K"
	run -0 haul --max-redirs 2 -o r "$TESTSRV_URL/redirect/2/dl/r2?size=1K"
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

@test "a body past 4 GiB: byte counts and offsets do not wrap at 32 bits" {
	run -9 --separate-stderr bash -c "set -o pipefail; \"\$HAUL\" -q --max-time 10 --summary summary.json '$TESTSRV_URL/dl/huge?size=inf&seed=4' | tail -c 1048576 > tail.bin"
	local n
	n=$(jq -r '.transfers[0].bytes' summary.json)
	[ "$n" -gt 4294967296 ] || skip "only $n bytes in 10 s: this machine is too slow for the 4 GiB check"
	assert_equal "$(stat -c %s tail.bin)" 1048576
	local want
	want=$("$TESTSRV" --gen --size "$n" --seed 4 --offset $((n - 1048576)) | sha256sum)
	assert_equal "$(sha256_of tail.bin)" "${want%% *}"
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
	run -0 env http_proxy="$TESTSRV_URL" no_proxy="no-such-host.invalid" "$HAUL" --retry 0 -o n.bin \
		"http://no-such-host.invalid/dl/noproxy?size=3K" || true
	assert_file_not_exists n.bin
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
	# The first holds still at 1M for 3 s, so the second (perhaps slow to
	# start, under valgrind) finds it at work.
	"$HAUL" -o twice.bin "$TESTSRV_URL/dl/twice?size=2M&rate=2M&stall=1M&stall_ms=3000" 2>first.err 3>&- &
	local pid=$!
	wait_until "[ -s twice.bin.part ]"
	run -4 --separate-stderr haul -o twice.bin "$TESTSRV_URL/dl/twice?size=2M"
	assert_regex "$stderr" "twice.bin.part is being written by another process; not touching it$"
	wait "$pid"
	assert_equal "$(sha256_of twice.bin)" "$(gen_sha 2M)"
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
		exe=$(awk '{ print $2 }' <<<"$pids" | grep -vE '/(bash|sh|dash|time|timeout)$' || true)
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
	files=$(sed -n '/^VALGRIND_TESTS = /,/^[^\t]/p' "$HAUL_SRCDIR/Makefile.am" | grep -oE 'tests/[a-z]+\.bats')
	[ -n "$files" ] || fail "no VALGRIND_TESTS in Makefile.am"
	local v=HAUL   # (so that this line does not match itself)
	run -1 bash -c "set -o pipefail; cd '$HAUL_SRCDIR' && grep -nE '[$][{]?${v}_(BIN|WRAPPER)' $(echo $files) | grep -v '# guard\$'"
	assert_output ""
}
