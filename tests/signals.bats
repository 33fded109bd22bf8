#!/usr/bin/env bats
# signals.bats - SIGINT, SIGTERM and SIGKILL at random points of a run of
# many transfers, round after round (each round a `haul -c` of the same
# list, slowed by --limit-rate so that the signal lands mid-transfer), then
# a last `haul -c` at full speed: every file byte-exact, no .part left, the
# documented exit statuses (130, 143; 137 is the shell's for SIGKILL), and
# every -c run continues each file where the previous run left it: from
# the journal's offset, or after checking the tail of a file without one,
# never from byte 0 again.
#
# The order of the signals and the delays come from one seed, printed as
# "# signals seed N"; SIGNALS_SEED=N reproduces them.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
	BG_PID=
	SIG_SEED=${SIGNALS_SEED:-$(((RANDOM << 15) | RANDOM))}
	echo "# signals seed $SIG_SEED (SIGNALS_SEED=$SIG_SEED reproduces it)" >&3
	echo "signals seed $SIG_SEED"
	testsrv_start "$BATS_TEST_TMPDIR"
	mkdir out
}

teardown() {
	if [ -n "${BG_PID:-}" ]; then
		kill -KILL "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	testsrv_stop
}

# make_list N BIG BIGSIZE CHUNKED: in.txt ("URL NAME") and manifest.txt
# ("NAME SIZE SEED KEY"): N files log-uniform in 64 KiB .. 3 MiB, a
# fraction CHUNKED of them chunked, and BIG more of BIGSIZE bytes that
# outlast every slowed round.
make_list() {
	awk -v seed="$SIG_SEED" -v n="$1" -v big="$2" -v bigsize="$3" -v chunked="$4" \
		-v url="$TESTSRV_URL" '
	BEGIN {
		srand(seed)
		for (i = 1; i <= n + big; i++) {
			size = i <= n ? int(exp(log(65536) + rand() * (log(3145728) - log(65536)))) : bigsize
			q = "size=" size "&seed=" (200 + i)
			if (i <= n && rand() < chunked)
				q = q "&chunked=1"
			name = sprintf("s%02d.bin", i)
			print url "/sig/" i "?" q " " name > "in.txt"
			print name " " size " " (200 + i) " /sig/" i > "manifest.txt"
		}
	}'
}

# The signals of the rounds, shuffled by the seed, one a line with a delay
# in seconds (0.3 .. 1.5) after the round's first request, and the gap
# (0 .. 20 ms) before the second signal of INT2 and TERM2.
plan_rounds() {
	printf '%s\n' "$@" | awk -v seed="$SIG_SEED" '
		BEGIN { srand(seed + 1) }
		{ s[NR] = $1 }
		END {
			for (i = NR; i > 1; i--) { j = 1 + int(rand() * i); t = s[i]; s[i] = s[j]; s[j] = t }
			for (i = 1; i <= NR; i++) printf "%s %.2f %.3f\n", s[i], 0.3 + rand() * 1.2, rand() * 0.02
		}'
}

# snapshot: what each file holds before a run, as "KEY WANT NO200" lines
# in expect.txt: WANT is the Range the next run must ask first for KEY (a
# list for the parts of -x, "*" when nothing is held), NO200 is 1 when the
# run must not fetch KEY in full.
snapshot() {
	local name size seed key want no200 part
	: >expect.txt
	: >nojournal.txt
	: >stale.txt
	while read -r name size seed key; do
		want='*'
		no200=0
		if [ -e "out/$name" ] && [ ! -e "out/$name.part" ]; then
			# Done: -c checks its last 64 KiB (all of a smaller file).
			want="bytes=$((size > 65536 ? size - 65536 : 0))-"
			no200=1
		elif [ -e "out/$name.part.haul" ]; then
			# On the same boot -c continues where each part was written.
			want=$(jq -r '
				.segments |= map(.next = (.written // .next | tonumber | tostring))
				| if (.segments | length) == 1 then
					.segments[0] | if .next == "0" then "*" else "bytes=\(.next)-" end
				else
					[.segments[] | select(.next != .end)
						| "bytes=\(.next)-\((.end | tonumber) - 1)"] | join(",")
					| if . == "" then "*" else . end
				end' "out/$name.part.haul")
			[ "$want" = '*' ] || no200=1
			# Bytes past the journal's offset (kill -9 before a save).
			part=$(jq -r '.segments | if length == 1 then (.[0].written // .[0].next | tonumber) else "" end' "out/$name.part.haul")
			if [ -n "$part" ] && [ "$part" != "$(stat -c %s "out/$name.part")" ]; then
				echo "out/$name.part" >>stale.txt
			fi
		elif part=$(stat -c %s "out/$name.part" 2>/dev/null) && [ "$part" -gt 0 ]; then
			# No journal (kill -9 before the first save): the tail check.
			want="bytes=$((part > 65536 ? part - 65536 : 0))-"
			no200=1
			echo "out/$name.part" >>nojournal.txt
		fi
		echo "$key $want $no200" >>expect.txt
	done <manifest.txt
	STALE=$((STALE + $(wc -l <stale.txt)))
}

# check_round R: the requests haul made in round R (header X-Round: R)
# against expect.txt.  A key the run never asked for is fine (it was
# stopped first); one it asked for must start where the file stood.
# Counts the resumes checked (keys that held bytes) in CHECKED.
check_round() {
	jq -rs --arg r "$1" '
		map(select(.ev == "req" and .headers["x-round"] == $r))
		| group_by(.path)[]
		| "\(.[0].path) \([.[] | .headers.range // "none"] | join(",")) \(map(select(.status == 200)) | length)"
	' "$TESTSRV_LOG" >got.txt
	local key want no200 ranges full w
	while read -r key want no200; do
		read -r ranges full < <(awk -v k="$key" '$1 == k { print $2, $3 }' got.txt)
		[ -n "${ranges:-}" ] || continue
		[ "$want" = '*' ] || CHECKED=$((CHECKED + 1))
		if [ "$no200" = 1 ] && [ "$full" != 0 ]; then
			fail "round $1: $key fetched in full again (ranges $ranges; held: $want)"
		fi
		[ "$want" = '*' ] && continue
		if [[ $want == *,* ]] || [[ $want == *-[0-9]* ]]; then
			# -x parts: each asked for, in any order.
			for w in ${want//,/ }; do
				[[ ,$ranges, == *,$w,* ]] || fail "round $1: $key: no request for $w (asked: $ranges)"
			done
		else
			[ "${ranges%%,*}" = "$want" ] ||
				fail "round $1: $key first asked ${ranges%%,*}, wanted $want (asked: $ranges)"
		fi
	done <expect.txt
}

# run_rounds OPTS...: round 1 without -c, then -c; each stopped by the
# signal of plan.txt after its delay.  Checks the exit status, the journals
# and messages after SIGINT/SIGTERM, and the resume requests.
run_rounds() {
	local r=0 sig delay gap rc want nparts nlines
	CHECKED=0
	STALE=0
	SIGS_SENT=""
	while read -r sig delay gap; do
		r=$((r + 1))
		snapshot
		local before
		before=$(wc -l <"$TESTSRV_LOG")
		local cont=()
		[ "$r" -gt 1 ] && cont=(-c)
		(
			cd out &&
				exec "$HAUL" "${cont[@]}" "$@" -H "X-Round: $r" \
					-i ../in.txt 2>"../err.$r" 3>&-
		) &
		BG_PID=$!
		wait_until "[ \$(wc -l <'$TESTSRV_LOG') -gt $before ] || ! kill -0 $BG_PID 2>/dev/null" 60
		sleep "$delay"
		kill -0 "$BG_PID" 2>/dev/null || fail "round $r: haul ended before SIG$sig: $(cat "err.$r")"
		# INT2, TERM2: the signal twice; when the second comes while haul
		# is still stopping, it stops at once (documented: the same status).
		kill -"${sig%2}" "$BG_PID"
		if [ "$sig" != "${sig%2}" ]; then
			sleep "$gap"
			kill -"${sig%2}" "$BG_PID" 2>/dev/null || true
		fi
		rc=0
		wait "$BG_PID" || rc=$?
		BG_PID=
		SIGS_SENT="$SIGS_SENT $sig:$rc"
		case $sig in
		INT | INT2) want=130 ;;
		TERM | TERM2) want=143 ;;
		KILL) want=137 ;;
		esac
		[ "$rc" = "$want" ] || fail "round $r: SIG$sig after ${delay}s: exit $rc, wanted $want: $(cat "err.$r")"
		if [ "$sig" = INT ] || [ "$sig" = TERM ]; then
			# Every partial file has its journal (unless it had none
			# before and is still under its tail check), saved to the
			# byte (one part; a file that held bytes past its journal
			# before, after a kill -9 or a second signal, may still hold
			# them if this run did not reach it), and a line saying to
			# continue it with -c.
			local p next psize
			nparts=0
			for p in out/*.part; do
				[ -e "$p" ] || continue
				if [ ! -e "$p.haul" ]; then
					# Only one that had none and is still being checked.
					grep -qxF "$p" nojournal.txt || fail "round $r: $p has no journal after SIG$sig"
					continue
				fi
				nparts=$((nparts + 1))
				[ "$(jq '.segments | length' "$p.haul")" = 1 ] || continue
				next=$(jq -r '.segments[0].next' "$p.haul")
				psize=$(stat -c %s "$p")
				if grep -qxF "$p" stale.txt; then
					[ "$next" -le "$psize" ] || fail "round $r: $p.haul names $next bytes, $p has $psize"
				else
					[ "$next" = "$psize" ] || fail "round $r: $p.haul names $next bytes, $p has $psize"
				fi
			done
			nlines=$(count_lines 'run the same command with -c to continue$' "err.$r")
			assert_equal "$nlines" "$nparts"
		fi
		check_round "$r"
	done <plan.txt
	ROUNDS=$r
}

# finish OPTS...: the last -c, at full speed: exit 0, every file exact.
finish() {
	snapshot
	local r=$((ROUNDS + 1))
	cd out
	run --separate-stderr "$HAUL" -c "$@" -H "X-Round: $r" -i ../in.txt
	cd ..
	[ "$status" -eq 0 ] || fail "the last -c exited $status: $stderr"
	check_round "$r"
	local name size seed key
	while read -r name size seed key; do
		assert_file_not_exists "out/$name.part"
		assert_file_not_exists "out/$name.part.haul"
		[ "$(sha256_of "out/$name")" = "$(gen_sha "$size" "$seed")" ] ||
			fail "out/$name differs from the server's body (size $(stat -c %s "out/$name") of $size)"
	done <manifest.txt
	assert_equal "$(find out -type f | wc -l)" "$(wc -l <manifest.txt)"
	echo "# $ROUNDS rounds, signals and exit statuses:$SIGS_SENT;" \
		"$(awk '/stopped at once$/ { n++ } END { print n + 0 }' err.*) stopped at once by a second signal;" \
		"$CHECKED resumes checked; $STALE times a file held bytes past its journal" >&3
}

@test "SIGINT, SIGTERM, SIGKILL, doubled signals at random points of 30 transfers, -c after each: all byte-exact" {
	make_list 27 3 8M 0.1
	plan_rounds INT TERM KILL INT TERM KILL INT2 TERM2 >plan.txt
	run_rounds -P 30 --parallel-host 30 --limit-rate 256K
	finish -P 30 --parallel-host 30
	[ "$CHECKED" -gt 30 ] || fail "only $CHECKED resumes were checked"
}

@test "-x 4: SIGINT, SIGTERM, SIGKILL mid-transfer, -c after each: every part continues, byte-exact" {
	make_list 4 3 12M 0
	plan_rounds INT TERM KILL >plan.txt
	run_rounds -x 4 -P 8 --parallel-host 20 --limit-rate 1M
	finish -x 4 -P 8 --parallel-host 20
	[ "$CHECKED" -gt 6 ] || fail "only $CHECKED resumes were checked"
	# The big files were fetched in parts: some request asked for a range
	# with an end.
	local ranges
	ranges=$(testsrv_req_values /sig/5 '.headers.range // "-"')
	grep -q '^bytes=[0-9]*-[0-9]' <<<"$ranges" || fail "/sig/5 was never fetched in parts: $ranges"
}

@test "a second SIGINT while haul still delivers to a stalled pipe: stopped at once, 130, no summary; -c finishes the file" {
	local purl="$TESTSRV_URL/sig/pipe?size=64M&seed=301" furl="$TESTSRV_URL/sig/file?size=8M&seed=302"
	# The pipe's reader reads nothing: haul's first stop waits to deliver
	# the bytes the pipe was given.
	(
		rc=0
		sh -c 'echo $$ >haul.pid; exec "$@"' sh "$HAUL" --limit-rate 1M \
			--summary=sum.json -o - "$purl" -o out/f.bin "$furl" 2>err.txt 3>&- || rc=$?
		echo "$rc" >rc.txt
	) | sleep 120 &
	BG_PID=$!
	wait_until "[ -s haul.pid ] && [ \$(stat -c %s out/f.bin.part 2>/dev/null || echo 0) -gt 65536 ]" 30
	local pid
	pid=$(cat haul.pid)
	kill -INT "$pid"
	# The file's transfer stops and says so; the pipe holds haul back.
	wait_until "grep -q 'f.bin.part; run the same command with -c to continue' err.txt" 30
	kill -0 "$pid" || fail "haul did not wait for the pipe: $(cat err.txt)"
	kill -INT "$pid"
	wait_until "[ -s rc.txt ]" 30
	kill "$BG_PID" 2>/dev/null || true
	wait "$BG_PID" 2>/dev/null || true
	BG_PID=
	assert_equal "$(cat rc.txt)" 130
	run -0 tail -n 1 err.txt
	assert_output "haul: stopped at once"
	assert_file_not_exists sum.json
	local next
	next=$(jq -r '.segments[0].next' out/f.bin.part.haul)
	assert_equal "$next" "$(stat -c %s out/f.bin.part)"
	run -0 --separate-stderr haul -c -o out/f.bin "$furl"
	assert_equal "$(sha256_of out/f.bin)" "$(gen_sha 8M 302)"
	assert_file_not_exists out/f.bin.part.haul
	local ranges
	ranges=$(testsrv_req_values /sig/file '.headers.range // "-"')
	grep -qx "bytes=$next-" <<<"$ranges" ||
		fail "-c did not ask for bytes=$next-"
}

@test "SIGINT while -c waits for its first response: the line to continue, the journal unchanged" {
	# Every response head comes 5 s late: time enough, on a loaded machine
	# under ASan, for the kill to land while the -c request waits.
	local url="$TESTSRV_URL/sig/early?size=4M&seed=303&hdr_stall_ms=5000"
	"$HAUL" --limit-rate 1M -o f.bin "$url" 2>err1.txt 3>&- &
	BG_PID=$!
	wait_until "[ \$(stat -c %s f.bin.part 2>/dev/null || echo 0) -ge 262144 ]" 30
	kill -INT "$BG_PID"
	local rc=0
	wait "$BG_PID" || rc=$?
	assert_equal "$rc" 130
	local next
	next=$(jq -r '.segments[0].next' f.bin.part.haul)
	[ "$next" -gt 0 ] || fail "journal next is $next"
	"$HAUL" -c --limit-rate 1M -o f.bin "$url" 2>err2.txt 3>&- &
	BG_PID=$!
	# The -c request is out; its answer is still held back.
	wait_until "[ \$(testsrv_count /sig/early) -ge 2 ]" 30
	kill -INT "$BG_PID"
	rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 130
	run -0 cat err2.txt
	assert_output --regexp "^haul: [^ ]*/sig/early[^ ]*: stopped with [0-9.]+ [KMG]iB in f\.bin\.part; run the same command with -c to continue$"
	assert_equal "$(jq -r '.segments[0].next' f.bin.part.haul)" "$next"
	assert_equal "$(stat -c %s f.bin.part)" "$next"
	run -0 --separate-stderr haul -c -o f.bin "$url"
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 4M 303)"
}
