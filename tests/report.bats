#!/usr/bin/env bats
# report.bats - what haul tells scripts and people: --events, --summary,
# --sha256 and --checksum, credentials kept out of every report, exit
# statuses, -i lists, -P and --parallel-host, rate limits, and the progress
# display in a real terminal (tmux).

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
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
}

teardown() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# Only the private tmux server of this test, by its own socket.
	if [ -S "$TMUX_SOCK" ]; then
		tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
	fi
}

# Seconds since the epoch, with a fraction.
now_s() {
	date +%s.%N
}

# elapsed START: seconds since START (from now_s), with 3 decimals.
elapsed_since() {
	awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.3f\n", b - a }'
}

# at_least X Y: succeeds when X >= Y (decimal numbers).
at_least() {
	awk -v x="$1" -v y="$2" 'BEGIN { exit !(x >= y) }'
}

# Every line of FILE is one JSON object, and the file ends with a newline.
assert_ndjson() {
	local file=$1 kinds
	[ -s "$file" ] || fail "$file is empty"
	[ "$(tail -c 1 "$file" | od -An -c | tr -d ' ')" = '\n' ] ||
		fail "$file does not end with a newline"
	kinds=$(jq -nRr '[inputs | try (fromjson | type) catch "invalid"] | unique | join(",")' "$file")
	[ "$kinds" = object ] || fail "$file has lines that are not one JSON object each ($kinds): $(cat "$file")"
}

# The greatest number of requests in flight at once, from the testsrv log:
# max_in_flight PATH-PREFIX prints "TOTAL HOST1-MAX,HOST2-MAX,..." where a
# request is in flight from its req record to its end record.
max_in_flight() {
	jq -rs --arg p "$1" '
		[.[] | select((.ev == "req" and (.path // "" | startswith($p))) or .ev == "end")] as $l
		| ([$l[] | select(.ev == "req") | {key: (.n | tostring), value: .headers.host}]
			| from_entries) as $host
		| reduce $l[] as $e ({cur: {}, tot: 0, max: 0, hmax: {}};
			if $e.ev == "req" then
				.tot += 1 | .cur[$e.headers.host] += 1
				| .max = ([.max, .tot] | max)
				| .hmax[$e.headers.host] = ([.hmax[$e.headers.host], .cur[$e.headers.host]] | max)
			elif $host[$e.n | tostring] != null then
				.tot -= 1 | .cur[$host[$e.n | tostring]] -= 1
			else . end)
		| "\(.max) \([.hmax[]] | sort | map(tostring) | join(","))"' "$TESTSRV_LOG"
}

# ---- --events ------------------------------------------------------------

@test "--events: a download with two drops, every line JSON, the events in order" {
	local url="$TESTSRV_URL/rep/ev/drops?size=1M&fin=200K&rst=600K"
	local before after
	before=$(date +%s)
	# A far-off time zone: the times must still be UTC.
	TZ=XYZ-14 run -0 --separate-stderr haul --retry-delay 0.1 --events ev.ndjson -o ev.bin "$url"
	after=$(date +%s)
	assert_equal "$(sha256_of ev.bin)" "$(gen_sha 1M)"
	assert_ndjson ev.ndjson

	run -0 jq -sr '[.[] | select(.event != "progress") | .event] | join(" ")' ev.ndjson
	assert_output "start response disconnect retry response resume disconnect retry response resume done"

	# Common fields on every line: event, time (RFC 3339 UTC, ms), id, url.
	run -0 jq -sr --arg url "$url" '
		[.[] | select((.event | type) != "string"
			or (.time | type) != "string"
			or (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$") | not)
			or .id != 1 or .url != $url)] | length' ev.ndjson
	assert_output 0
	# The times are now, in UTC, and never go backwards.
	run -0 jq -sr '[.[] | .time | sub("\\.[0-9]{3}Z$"; "Z") | fromdateiso8601] | "\(min) \(max) \(. == sort)"' ev.ndjson
	local tmin tmax sorted
	read -r tmin tmax sorted <<<"$output"
	[ "$tmin" -ge $((before - 1)) ] && [ "$tmax" -le $((after + 1)) ] ||
		fail "event times $tmin..$tmax are not within the run $before..$after (UTC?)"
	assert_equal "$sorted" true

	run -0 jq -sc '[.[] | select(.event == "start") | {output, offset}]' ev.ndjson
	assert_output '[{"output":"ev.bin","offset":0}]'
	run -0 jq -sc '[.[] | select(.event == "response") | [.status, .length, .total, .etag, .action, .offset]]' ev.ndjson
	assert_output '[[200,1048576,1048576,"\"s1-v1-1048576\"","write",0],[206,843776,1048576,"\"s1-v1-1048576\"","write",204800],[206,434176,1048576,"\"s1-v1-1048576\"","write",614400]]'
	run -0 jq -sc '[.[] | select(.event == "disconnect") | [.kind, .offset]]' ev.ndjson
	assert_output '[["closed",204800],["reset",614400]]'
	run -0 jq -sc '[.[] | select(.event == "retry") | [.attempt, (.delay | type), (.delay >= 0 and .delay <= 0.5), (.reason | type), (.reason | length > 0), .offset]]' ev.ndjson
	assert_output '[[2,"number",true,"string",true,204800],[3,"number",true,"string",true,614400]]'
	run -0 jq -sc '[.[] | select(.event == "resume") | [.offset, .validated_by]]' ev.ndjson
	assert_output '[[204800,"etag"],[614400,"etag"]]'
	run -0 jq -sc '[.[] | select(.event == "done") | [.output, .bytes, .attempts]]' ev.ndjson
	assert_output '[["ev.bin",1048576,3]]'
}

@test "--events: an HTTP error ends with an error event (exit_code, exit_name, message)" {
	local url="$TESTSRV_URL/rep/ev/missing?status=404"
	run -5 --separate-stderr haul --events err.ndjson -o err.bin "$url"
	assert_ndjson err.ndjson
	run -0 jq -sr '[.[] | select(.event != "progress") | .event] | join(" ")' err.ndjson
	assert_output "start response error"
	run -0 jq -sc '[.[] | select(.event == "response") | [.status, .action]]' err.ndjson
	assert_output '[[404,"http-error"]]'
	run -0 jq -sr '.[] | select(.event == "error") | "\(.exit_code) \(.exit_name) \(.id) \(.url == "'"$url"'") \(.message)"' err.ndjson
	assert_output "5 HTTP 1 true $url: server answered HTTP 404"
	assert_file_not_exists err.bin
}

@test "--events - goes to standard error, --events 3 to file descriptor 3" {
	run -0 --separate-stderr haul --events - -o e1.bin "$TESTSRV_URL/rep/ev/stderr?size=2K"
	assert_equal "$output" ""
	local evlines
	evlines=$(awk '/^\{/' <<<"$stderr")
	printf '%s\n' "$evlines" >e1.ndjson
	assert_ndjson e1.ndjson
	run -0 jq -sr '[.[] | select(.event != "progress") | .event] | join(" ")' e1.ndjson
	assert_output "start response done"

	haul --events 3 -o e3.bin "$TESTSRV_URL/rep/ev/fd3?size=3K" 3>fd3.ndjson
	assert_ndjson fd3.ndjson
	run -0 jq -sr '[.[] | select(.event != "progress") | .event] | join(" ")' fd3.ndjson
	assert_output "start response done"
	assert_equal "$(sha256_of e3.bin)" "$(gen_sha 3K)"
}

@test "--events N with N not open: exit 4 before any request, whatever else is open" {
	# haul's own descriptors (libuv's) must not count as "already open":
	# with 3 and 4 taken (as under bats), they take numbers up to 10 or so.
	local fd
	for fd in 5 7 9 40; do
		run -4 --separate-stderr bash -c "exec 3>/dev/null 4>/dev/null; exec \"\$HAUL\" --events $fd -o e$fd.bin '$TESTSRV_URL/rep/ev/fd$fd?size=1K' $fd>&-"
		assert_regex "$stderr" "--events $fd"
		run -0 testsrv_count "/rep/ev/fd$fd"
		assert_output 0
		assert_file_not_exists "e$fd.bin"
	done
}

@test "--events: progress events come at most about once a second" {
	local t0 secs n
	t0=$(now_s)
	run -0 haul --events prog.ndjson -o prog.bin "$TESTSRV_URL/rep/ev/progress?size=600K&rate=200K"
	secs=$(elapsed_since "$t0")
	at_least "$secs" 2 || fail "the 3-second download took only ${secs}s"
	assert_equal "$(sha256_of prog.bin)" "$(gen_sha 600K)"
	assert_ndjson prog.ndjson
	n=$(jq -s '[.[] | select(.event == "progress")] | length' prog.ndjson)
	echo "# $n progress events in ${secs}s" >&3
	# At most one a second, give or take: no more than the run's length
	# allows (a slow machine makes the run, and so the bound, longer).
	local most
	most=$(awk -v s="$secs" 'BEGIN { print int(s / 0.8) + 1 }')
	[ "$n" -ge 1 ] && [ "$n" -le "$most" ] || fail "$n progress events in ${secs}s (want 1 to $most)"
	# Each has bytes, total and a whole-number rate; they are spaced out.
	run -0 jq -sr '[.[] | select(.event == "progress")
		| select((.bytes | type) != "number" or (.total != null and .total != 614400)
			or (.rate | type) != "number" or .rate != (.rate | floor))] | length' prog.ndjson
	assert_output 0
	run -0 jq -sr '[.[] | select(.event == "progress") | .time
		| (sub("\\.[0-9]{3}Z$"; "Z") | fromdateiso8601) + (.[20:23] | tonumber) / 1000]
		| [range(1; length) as $i | .[$i] - .[$i - 1]] | map(select(. < 0.8)) | length' prog.ndjson
	assert_output 0
}

# ---- --summary -------------------------------------------------------------

@test "--summary: one ok (after a redirect), one 404, one with drops; totals; exit_code" {
	run -5 --separate-stderr haul --sha256 --retry-delay 0.1 --summary sum.json \
		-o ok.bin "$TESTSRV_URL/redirect/1/rep/sum/ok?size=10K" \
		-o nf.bin "$TESTSRV_URL/rep/sum/nf?status=404" \
		-o dr.bin "$TESTSRV_URL/rep/sum/dr?size=300K&seed=2&fin=100K,200K"
	jq -e . sum.json >/dev/null || fail "sum.json is not JSON: $(cat sum.json)"
	run -0 jq -r '"\(.schema) \(.exit_code) \(.exit_name) \(.transfers | length)"' sum.json
	assert_output "1 5 HTTP 3"

	run -0 jq -c '.transfers[0] | [.id, .url, .final_url, .output, .http_status, .bytes, .attempts, .resumes, .disconnects, .exit_code, .exit_name, .message]' sum.json
	assert_output "[1,\"$TESTSRV_URL/redirect/1/rep/sum/ok?size=10K\",\"$TESTSRV_URL/redirect/0/rep/sum/ok?size=10K\",\"ok.bin\",200,10240,1,0,0,0,\"OK\",null]"
	run -0 jq -c '.transfers[1] | [.id, .url, .output, .http_status, .bytes, .attempts, .exit_code, .exit_name, .sha256]' sum.json
	assert_output "[2,\"$TESTSRV_URL/rep/sum/nf?status=404\",\"nf.bin\",404,0,1,5,\"HTTP\",null]"
	run -0 jq -r '.transfers[1].message' sum.json
	assert_output --partial "HTTP 404"
	run -0 jq -c '.transfers[2] | [.id, .output, .http_status, .bytes, .attempts, .resumes, .disconnects, .disconnects_by_kind.closed, .exit_code, .exit_name, .message]' sum.json
	assert_output '[3,"dr.bin",206,307200,3,2,2,2,0,"OK",null]'

	# duration and mean_rate are numbers; mean_rate a whole one.
	run -0 jq -r '[.transfers[] | select((.duration | type) != "number" or .duration < 0
		or (.mean_rate | type) != "number" or .mean_rate != (.mean_rate | floor))] | length' sum.json
	assert_output 0
	# The drops took at least the two retry waits.
	run -0 jq -r '.transfers[2].duration >= 0.2' sum.json
	assert_output true

	# sha256 with --sha256: the file's own digest.
	assert_equal "$(jq -r '.transfers[0].sha256' sum.json)" "$(sha256_of ok.bin)"
	assert_equal "$(jq -r '.transfers[2].sha256' sum.json)" "$(sha256_of dr.bin)"
	assert_equal "$(sha256_of dr.bin)" "$(gen_sha 300K 2)"

	run -0 jq -c '.totals | [.transfers, .succeeded, .failed, .bytes]' sum.json
	assert_output '[3,2,1,317440]'
}

@test "--summary: without --sha256 the digest is null; exit_code is haul's exit status" {
	run -0 haul --summary ok.json -o a.bin "$TESTSRV_URL/rep/sum/plain?size=1K"
	run -0 jq -c '[.exit_code, .exit_name, .transfers[0].sha256, .totals.failed]' ok.json
	assert_output '[0,"OK",null,0]'
	run -7 haul --retry 0 --summary bad.json -o b.bin http://127.0.0.1:1/rep/sum/refused
	run -0 jq -c '[.exit_code, .exit_name, .transfers[0].exit_code, .transfers[0].http_status]' bad.json
	assert_output '[7,"CONNECT",7,null]'
}

@test "--summary - writes the document to standard output at the end" {
	run -0 --separate-stderr haul -q --summary - -o s.bin "$TESTSRV_URL/rep/sum/stdout-file?size=1K"
	run -0 jq -r '"\(.schema) \(.transfers[0].output) \(.transfers[0].bytes)"' <<<"$output"
	assert_output "1 s.bin 1024"

	# A body to stdout comes first, whole; the summary follows it.
	haul -q --summary - "$TESTSRV_URL/rep/sum/stdout-body?size=1K&lines=1" >both.out
	head -c 1024 both.out >body.out
	assert_equal "$(sha256_of body.out)" "$(testsrv_sha256 --size 1K --lines)"
	run -0 jq -r '"\(.schema) \(.transfers[0].output) \(.transfers[0].bytes)"' < <(tail -c +1025 both.out)
	assert_output "1 - 1024"
}

# ---- --sha256 and --checksum ----------------------------------------------------

@test "--sha256 prints the digest, even with -q: on stdout for files, on stderr beside a body" {
	run -0 --separate-stderr haul -q --sha256 -o k.bin "$TESTSRV_URL/rep/sha/file?size=20K&seed=3"
	assert_equal "$stderr" ""
	assert_equal "$output" "$(gen_sha 20K 3)  k.bin"
	assert_equal "$(sha256_of k.bin)" "$(gen_sha 20K 3)"
	run -0 --separate-stderr bash -c "set -o pipefail; \"\$HAUL\" -q --sha256 '$TESTSRV_URL/rep/sha/stdout?size=5K&seed=4' | sha256sum"
	assert_equal "$stderr" "haul: $(gen_sha 5K 4)  -"
	assert_equal "${output%% *}" "$(gen_sha 5K 4)"
}

@test "--checksum sha256: right is exit 0; wrong is exit 14, no FILE, data in FILE.part" {
	local right wrong
	right=$(gen_sha 20K 3)
	run -0 haul --checksum "sha256:$right" -o c1.bin "$TESTSRV_URL/rep/ck/256ok?size=20K&seed=3"
	assert_equal "$(sha256_of c1.bin)" "$right"
	assert_file_not_exists c1.bin.part

	wrong=$(printf '%s' "$right" | tr '0-9a-f' '1-9a-f0')
	echo precious >c2.bin
	run -14 --separate-stderr haul --checksum "sha256:$wrong" -o c2.bin "$TESTSRV_URL/rep/ck/256bad?size=20K&seed=3"
	assert_regex "$stderr" "checksum"
	assert_regex "$stderr" "$right"
	assert_regex "$stderr" "c2\.bin\.part"
	assert_equal "$(cat c2.bin)" precious
	assert_file_exists c2.bin.part
	assert_equal "$(sha256_of c2.bin.part)" "$right"

	run -14 haul --checksum "sha256:$wrong" -o c3.bin "$TESTSRV_URL/rep/ck/256new?size=20K&seed=3"
	assert_file_not_exists c3.bin
	assert_file_exists c3.bin.part
}

@test "--checksum sha512: right (in upper case) is exit 0, wrong is exit 14" {
	local right wrong
	"$TESTSRV" --gen --size 30K --seed 5 >want.bin
	right=$(sha512sum want.bin)
	right=${right%% *}
	run -0 haul --checksum "sha512:${right^^}" -o d1.bin "$TESTSRV_URL/rep/ck/512ok?size=30K&seed=5"
	assert_equal "$(sha256_of d1.bin)" "$(gen_sha 30K 5)"
	wrong=$(printf '%s' "$right" | tr '0-9a-f' '1-9a-f0')
	run -14 --separate-stderr haul --checksum "sha512:$wrong" -o d2.bin "$TESTSRV_URL/rep/ck/512bad?size=30K&seed=5"
	assert_regex "$stderr" "$right"
	assert_file_not_exists d2.bin
	assert_equal "$(sha256_of d2.bin.part)" "$(gen_sha 30K 5)"
}

# bats 1.8's `run -N` sets a global i (its version check): loops around
# `run` use other names.

# ---- credentials -------------------------------------------------------------

# run_cred NAME ARGS... : a cut download (--retry 0, so the journal stays)
# with -v and every report on; then "secret" must be nowhere.  The auth
# switch's password is percent-encoded so "secret" is not in the URL itself.
run_cred() {
	local name=$1
	shift
	run -11 --separate-stderr haul -v --retry 0 --events "$name.ndjson" --summary "$name.json" \
		--memstats="$name.mem.json" -o "$name.bin" "$@"
	printf '%s\n' "$stderr" >"$name.stderr"
	assert_file_exists "$name.bin.part.haul"
	local f
	for f in "$name.ndjson" "$name.json" "$name.mem.json" "$name.bin.part.haul" "$name.stderr"; do
		assert_file_exists "$f"
		if grep -q secret "$f"; then
			fail "$f shows the secret: $(grep secret "$f")"
		fi
	done
	assert_regex "$stderr" "> Authorization: \[redacted\]"
}

@test "credentials never appear in events, summary, journal, memstats or messages" {
	run_cred url "http://user:secret@127.0.0.1:$TESTSRV_PORT/rep/cred/url?size=1M&fin=300K&auth=user:%73ecret"
	run_cred user -u user:secret "$TESTSRV_URL/rep/cred/user?size=1M&fin=300K&auth=user:%73ecret"
	run_cred hdr -H 'Authorization: Bearer secret' -H 'Cookie: k=secret' \
		"$TESTSRV_URL/rep/cred/hdr?size=1M&fin=300K"
	assert_regex "$stderr" "> Cookie: \[redacted\]"

	# The server still got them (the auth switch answers 401 otherwise).
	run -0 testsrv_req_array /rep/cred/url '[.status, .headers.authorization]'
	assert_output '[[200,"Basic dXNlcjpzZWNyZXQ="]]'
	run -0 testsrv_req_array /rep/cred/user '[.status, .headers.authorization]'
	assert_output '[[200,"Basic dXNlcjpzZWNyZXQ="]]'
	run -0 testsrv_req_array /rep/cred/hdr '[.headers.authorization, .headers.cookie]'
	assert_output '[["Bearer secret","k=secret"]]'

	# Failures name the URL without its credentials too.
	run -7 --separate-stderr haul --retry 0 --summary refused.json "http://user:secret@127.0.0.1:1/rep/cred/refused"
	refute_regex "$stderr" secret
	run grep -c secret refused.json
	assert_output 0
	run -5 --separate-stderr haul -v "http://user:secret@127.0.0.1:$TESTSRV_PORT/rep/cred/404?status=404"
	refute_regex "$stderr" secret
}

@test "Authorization and Cookie go to another host after a redirect only with --location-trusted" {
	local k trust
	local -a creds=("-u" "user:secret" "-H" "Authorization: Bearer secret" "-H" "Cookie: k=secret")
	for trust in no yes; do
		for k in 0 2 4; do
			local path=/rep/redir/$trust$k
			local -a extra=()
			[ "$trust" = yes ] && extra=(--location-trusted)
			run -0 haul "${extra[@]}" "${creds[k]}" "${creds[k + 1]}" -o "r$trust$k" \
				"$TESTSRV_URL$path-from?loc=http://localhost:$TESTSRV_PORT$path-to%3Fsize%3D1K"
			# The first request, to 127.0.0.1, carries them.
			run -0 testsrv_req_values "$path-from" '[.headers.authorization, .headers.cookie] | map(. != null) | any'
			assert_output true
			run -0 testsrv_req_values "$path-to" '"\(.headers.host) \([.headers.authorization, .headers.cookie] | map(. != null) | any)"'
			if [ "$trust" = yes ]; then
				assert_output "localhost:$TESTSRV_PORT true"
			else
				assert_output "localhost:$TESTSRV_PORT false"
			fi
		done
	done
}

@test "credentials do not reach the other host when a redirected download resumes" {
	local -a creds=("-u" "user:secret" "-H" "Authorization: Bearer secret" "-H" "Cookie: k=secret")
	local k path
	for k in 0 2 4; do
		path=/rep/redir-resume/$k
		run -0 haul --retry-delay 0.1 "${creds[k]}" "${creds[k + 1]}" -o "rr$k" \
			"$TESTSRV_URL$path-from?loc=http://localhost:$TESTSRV_PORT$path-to%3Fsize%3D100K%26fin%3D50K"
		assert_equal "$(sha256_of "rr$k")" "$(gen_sha 100K)"
		# Two requests to localhost: the first and the resume; neither may
		# carry what was meant for 127.0.0.1.
		run -0 testsrv_req_array "$path-to" '[.headers.range, ([.headers.authorization, .headers.cookie] | map(. != null) | any)]'
		assert_output '[[null,false],["bytes=51200-",false]]'
	done
}

# ---- exit statuses -------------------------------------------------------------

# big_lines URL-BASE N [ONE-LINE]: N lines "URL-BASE?xI=<1 MB>"; with
# ONE-LINE, a single line of N MB instead.  Writes to stdout; its errors
# (the reader going away) are dropped.
big_lines() {
	local pad i
	pad=$(head -c 1000000 /dev/zero | tr '\0' a)
	if [ -n "${3:-}" ]; then
		printf '%s?x=' "$1"
		for ((i = 0; i < $2; i++)); do printf '%s' "$pad"; done
		printf '\n'
	else
		for ((i = 0; i < $2; i++)); do printf '%s?x%d=%s\n' "$1" "$i" "$pad"; done
	fi
} 2>/dev/null

@test "exit 1: out of memory is reported and is status 1" {
	[ -z "${HAUL_WRAPPER:-}" ] || skip "ulimit -v does not suit $HAUL_WRAPPER"
	! haul_sanitized || skip "ulimit -v does not suit AddressSanitizer's shadow memory"
	export -f big_lines
	# Under this limit an ordinary download works...
	run -0 bash -c 'ulimit -v 100000 && exec "$HAUL" -q -o small.bin "$1"' _ "$TESTSRV_URL/rep/exit/oom-ok?size=1K"
	assert_equal "$(sha256_of small.bin)" "$(gen_sha 1K)"
	# ...but a list line of 150 MB does not fit (the list is read a line at
	# a time, so 200 lines of 1 MB would).
	run -1 --separate-stderr bash -c '"$@" | (ulimit -v 100000 && exec "$HAUL" -q -i -)' _ \
		big_lines "$TESTSRV_URL/rep/exit/oom" 150 one
	assert_regex "$stderr" "out of memory"
	run -0 testsrv_count /rep/exit/oom
	assert_output 0
}

@test "exit 1: an input line too long for memory is an error, not the end of the list" {
	[ -z "${HAUL_WRAPPER:-}" ] || skip "ulimit -v does not suit $HAUL_WRAPPER"
	! haul_sanitized || skip "ulimit -v does not suit AddressSanitizer's shadow memory"
	export -f big_lines
	run --separate-stderr bash -c '{
			echo "$1/rep/exit/long-first?size=1K first.bin"
			big_lines "$1/rep/exit/long" 150 one
			echo "$1/rep/exit/long-third?size=1K third.bin"
		} 2>/dev/null | (ulimit -v 100000 && exec "$HAUL" -q -i -)' _ "$TESTSRV_URL"
	# Reading the list failed: haul must not carry on as if it had ended.
	[ "$status" -ne 0 ] || fail "exit 0 with the list cut short (third.bin: $([ -e third.bin ] && echo present || echo missing))"
	assert_equal "$status" 1
	assert_regex "$stderr" "out of memory"
}

@test "exit 6: a host name that does not resolve" {
	run -6 --separate-stderr haul --retry 0 -o n.bin http://nonexistent.invalid/rep/exit/resolve
	assert_regex "$stderr" "nonexistent\.invalid"
	assert_regex "$stderr" "[Rr]esolve"
	assert_file_not_exists n.bin
}

@test "exit 15: too many redirects, not retried" {
	run -15 --separate-stderr haul --summary r.json --max-redirs 2 -o r.bin "$TESTSRV_URL/redirect/3/rep/exit/redirs?size=1K"
	assert_regex "$stderr" "redirects"
	assert_file_not_exists r.bin
	run -0 jq -c '[.exit_code, .exit_name, .transfers[0].attempts]' r.json
	assert_output '[15,"REDIRECTS",1]'
}

@test "with several URLs the exit status is that of the first failed URL in order" {
	# The 404 answers late, after the refused connection has failed: order
	# of the URLs counts, not order of failure.
	run -5 --separate-stderr haul --retry 0 --summary order1.json \
		-o o1.bin "$TESTSRV_URL/rep/exit/order-ok?size=1K" \
		-o o2.bin "$TESTSRV_URL/rep/exit/order-404?status=404&hdr_stall_ms=400" \
		-o o3.bin http://127.0.0.1:1/rep/exit/order-refused
	assert_equal "$(sha256_of o1.bin)" "$(gen_sha 1K)"
	run -0 jq -c '[.exit_code, [.transfers[].exit_code]]' order1.json
	assert_output '[5,[0,5,7]]'
	run -7 haul --retry 0 -o o4.bin http://127.0.0.1:1/rep/exit/order-refused2 \
		-o o5.bin "$TESTSRV_URL/rep/exit/order-404b?status=404"
}

# ---- -i ----------------------------------------------------------------------

@test "-i FILE and -i -: names, blank lines and comments; a bad line is reported, the rest runs" {
	cat >list <<-EOF
		# a comment
		$TESTSRV_URL/rep/in/one?size=1K   one.bin

		   $TESTSRV_URL/rep/in/two?size=2K&seed=2   two with space.bin  
		not a url
		$TESTSRV_URL/rep/in/three?size=3K three.bin $TESTSRV_URL/rep/in/extra
		   # an indented comment
		$TESTSRV_URL/rep/in/four?size=4K&seed=4
	EOF
	run -3 --separate-stderr bash -c '"$HAUL" -i list >stdout.bin'
	assert_equal "$(sha256_of one.bin)" "$(gen_sha 1K)"
	assert_equal "$(sha256_of 'two with space.bin')" "$(gen_sha 2K 2)"
	assert_equal "$(sha256_of stdout.bin)" "$(gen_sha 4K 4)"
	assert_regex "$stderr" "line 5"
	assert_regex "$stderr" "line 6"
	assert_file_not_exists three.bin
	run -0 testsrv_count /rep/in/three
	assert_output 0
	refute_regex "$stderr" "line (1|2|3|4|7|8)\b"

	mkdir viastdin
	cd viastdin
	run -3 --separate-stderr bash -c '"$HAUL" -i - <../list >stdout.bin'
	assert_equal "$(sha256_of one.bin)" "$(gen_sha 1K)"
	assert_equal "$(sha256_of stdout.bin)" "$(gen_sha 4K 4)"
	assert_equal "$(sha256_of 'two with space.bin')" "$(gen_sha 2K 2)"
	assert_regex "$stderr" "line 5"
}

@test "-i: 1,000 URLs with -P 16 complete byte-exact in bounded memory" {
	local i
	for ((i = 1; i <= 1000; i++)); do
		echo "$TESTSRV_URL/rep/many/f$i?size=$((i % 7 * 1000 + 100))&seed=$i n$i.bin"
	done >many.list
	mkdir out
	run -0 run_with_rss rss.txt "$HAUL" -q -P 16 --parallel-host 16 -O --output-dir out -i many.list
	local rss
	rss=$(tail -n 1 rss.txt)
	echo "# 1,000 URLs: peak RSS ${rss} KiB" >&3
	! rss_meaningful || [ "$rss" -lt 65536 ] || fail "peak RSS $rss KiB (bound 64 MiB)"
	assert_equal "$(find out -type f | wc -l)" 1000
	# All of them, concatenated in order, against the generator.
	local got want
	got=$(for ((i = 1; i <= 1000; i++)); do cat "out/n$i.bin"; done | sha256sum)
	want=$(for ((i = 1; i <= 1000; i++)); do
		"$TESTSRV" --gen --size $((i % 7 * 1000 + 100)) --seed "$i"
	done | sha256sum)
	assert_equal "$got" "$want"
	assert_equal "$(find out -name '*.part*' | wc -l)" 0
}

# ---- -P and --parallel-host --------------------------------------------------------

@test "-P caps transfers in flight and --parallel-host caps them per host" {
	local i args=()
	for i in 1 2 3 4 5 6; do
		args+=(-o "a$i" "http://127.0.0.1:$TESTSRV_PORT/rep/par1/a$i?size=64K&rate=256K")
		args+=(-o "b$i" "http://localhost:$TESTSRV_PORT/rep/par1/b$i?size=64K&rate=256K")
	done
	run -0 haul -P 3 --parallel-host 2 "${args[@]}"
	for i in 1 2 3 4 5 6; do
		assert_equal "$(sha256_of "a$i")" "$(gen_sha 64K)"
		assert_equal "$(sha256_of "b$i")" "$(gen_sha 64K)"
	done
	run -0 max_in_flight /rep/par1/
	echo "# -P 3 --parallel-host 2: at most $output in flight (total, per host)" >&3
	assert_output "3 2,2"

	args=()
	for i in 1 2 3 4 5; do
		args+=(-o "c$i" "$TESTSRV_URL/rep/par2/c$i?size=64K&rate=256K")
	done
	run -0 haul -P 2 "${args[@]}"
	run -0 max_in_flight /rep/par2/
	assert_output "2 2"

	run -0 haul -P 8 --parallel-host 1 "${args[@]/par2/par3}"
	run -0 max_in_flight /rep/par3/
	assert_output "1 1"
}

# ---- rate limits ------------------------------------------------------------

@test "--limit-rate 200K: a 600K body takes at least 2 s and is exact" {
	local t0 secs
	t0=$(now_s)
	run -0 haul --limit-rate 200K -o lr.bin "$TESTSRV_URL/rep/rate/one?size=600K"
	secs=$(elapsed_since "$t0")
	echo "# --limit-rate 200K, 600K: ${secs}s" >&3
	assert_equal "$(sha256_of lr.bin)" "$(gen_sha 600K)"
	at_least "$secs" 2 || fail "600K at 200K/s took only ${secs}s"
}

@test "--limit-rate-total 200K: two 300K bodies take at least 2 s and are exact" {
	local t0 secs
	t0=$(now_s)
	run -0 haul --limit-rate-total 200K -o t1.bin "$TESTSRV_URL/rep/rate/t1?size=300K&seed=1" \
		-o t2.bin "$TESTSRV_URL/rep/rate/t2?size=300K&seed=2"
	secs=$(elapsed_since "$t0")
	echo "# --limit-rate-total 200K, 2 x 300K: ${secs}s" >&3
	assert_equal "$(sha256_of t1.bin)" "$(gen_sha 300K 1)"
	assert_equal "$(sha256_of t2.bin)" "$(gen_sha 300K 2)"
	at_least "$secs" 2 || fail "2 x 300K at 200K/s in all took only ${secs}s"
}

# ---- the progress display ------------------------------------------------------

# tmux_run NAME COMMAND: runs COMMAND in a detached 100x20 terminal of a
# private tmux server; the pane stays after it, showing "EXIT=status".
tmux_run() {
	tmux -S "$TMUX_SOCK" -f /dev/null new-session -d -x 100 -y 20 -s "$1" \
		"cd '$BATS_TEST_TMPDIR' && $2; echo EXIT=\$?; exec cat"
}

tmux_pane() {
	tmux -S "$TMUX_SOCK" capture-pane -p -J -t "$1"
}

@test "progress bar in a terminal: moves, shows RETRY in, ends with a done line, fits 100 columns" {
	command -v tmux >/dev/null || skip "tmux is not installed"
	tmux_run bar "\"\$HAUL\" --retry-delay 1 -o tm.bin '$TESTSRV_URL/rep/tty/bar?size=1M&rate=400K&fin=300K'"
	local i pane pct last=-1 pcts=() retry=0 done=0 captures=()
	for ((i = 0; i < 1200; i++)); do
		pane=$(tmux_pane bar) || fail "tmux capture failed"
		captures+=("$pane")
		pct=$(printf '%s\n' "$pane" | grep -E '^tm\.bin +\[[=> ]+\] +[0-9]+%' | grep -oE '[0-9]+%' | head -n 1 | tr -d %)
		if [ -n "$pct" ] && [ "$pct" != "$last" ]; then
			pcts+=("$pct")
			last=$pct
		fi
		[[ $pane == *"RETRY in"* ]] && retry=1
		if [[ $pane == *EXIT=* ]]; then
			done=1
			break
		fi
		sleep 0.05
	done
	[ "$done" = 1 ] || fail "haul did not finish in the terminal: $pane"
	echo "# percentages seen: ${pcts[*]}" >&3
	[ "${#pcts[@]}" -ge 2 ] || fail "the percentage did not move: ${pcts[*]}; last pane: $pane"
	for ((i = 1; i < ${#pcts[@]}; i++)); do
		[ "${pcts[i]}" -ge "${pcts[i - 1]}" ] || fail "the percentage went back: ${pcts[*]}"
	done
	[ "$retry" = 1 ] || fail "no RETRY in countdown was seen"
	# The final screen: the messages, one done line, no bar left over.
	assert_regex "$pane" "EXIT=0"
	printf '%s\n' "$pane" | grep -Eq '^done  tm\.bin  1\.0 MiB in [0-9.]+s' ||
		fail "no done line: $pane"
	refute_regex "$pane" "[0-9]+%"
	refute_regex "$pane" "RETRY in"
	refute_regex "$pane" "\[=*>? *\]"
	refute_regex "$pane" "\[[0-9]*[AKJm]|"$'\e'
	# Every line the display drew fits the width (messages may wrap).
	local c line
	for c in "${captures[@]}"; do
		while IFS= read -r line; do
			line=${line%"${line##*[! ]}"}
			case $line in
			haul:*) continue ;;
			esac
			[ "${#line}" -lt 100 ] || fail "a ${#line}-column line in a 100-column terminal: '$line'"
		done <<<"$c"
	done
	assert_equal "$(sha256_of tm.bin)" "$(gen_sha 1M)"
}

@test "--progress=none and -q in a terminal, and a non-terminal stderr, show no bar" {
	command -v tmux >/dev/null || skip "tmux is not installed"
	tmux_run quiet "\"\$HAUL\" --progress=none -o n1.bin '$TESTSRV_URL/rep/tty/none?size=300K&rate=400K' && \"\$HAUL\" -q -o n2.bin '$TESTSRV_URL/rep/tty/q?size=300K&rate=400K'"
	local i pane seen=""
	for ((i = 0; i < 1200; i++)); do
		pane=$(tmux_pane quiet) || fail "tmux capture failed"
		[ -n "$(printf '%s\n' "$pane" | grep -v '^$' | grep -v '^EXIT=')" ] && seen+="$pane"$'\n'
		[[ $pane == *EXIT=* ]] && break
		sleep 0.05
	done
	assert_regex "$pane" "EXIT=0"
	[ -z "$seen" ] || fail "the terminal showed: $seen"
	assert_equal "$(sha256_of n1.bin)" "$(gen_sha 300K)"
	assert_equal "$(sha256_of n2.bin)" "$(gen_sha 300K)"

	# Not a terminal: no bar by default, not a byte on stderr.
	run -0 --separate-stderr haul -o n3.bin "$TESTSRV_URL/rep/tty/pipe?size=300K&rate=400K"
	assert_equal "$stderr" ""
}

@test "--progress=dots: one dot per MiB, the total after 50 dots" {
	run -0 --separate-stderr haul --progress=dots -o dots.bin "$TESTSRV_URL/rep/tty/dots?size=60M&rate=60M"
	local dots
	dots=$(printf '%s' "$stderr" | tr -cd . | wc -c)
	echo "# 60 MiB: $dots dots" >&3
	assert_equal "$stderr" "$(printf '%.0s.' {1..50}) 50 MiB"$'\n'"$(printf '%.0s.' {1..10})"
	# A fast body too: every MiB counts, however short the run.
	run -0 --separate-stderr haul --progress=dots -o dots2.bin "$TESTSRV_URL/rep/tty/dots-fast?size=3M"
	assert_equal "$stderr" "..."
}

@test "--sha256 hashes what is written to /dev/null and to stdout, not a read-back" {
	run -0 --separate-stderr haul --sha256 -o /dev/null "$TESTSRV_URL/rep/sha-null?size=300K&seed=9"
	assert_equal "$output" "$(gen_sha 300K 9)  /dev/null"
	run -0 --separate-stderr bash -c "\"\$HAUL\" --sha256 '$TESTSRV_URL/rep/sha-out?size=200K&seed=8' > out.bin"
	assert_equal "$stderr" "haul: $(gen_sha 200K 8)  -"
}
