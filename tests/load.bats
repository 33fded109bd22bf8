#!/usr/bin/env bats
# load.bats - 2,000 transfers through -i: testsrv cuts a random 20% of
# them (FIN or RST at random offsets, 1 or 2 cuts each), and every file must
# come out byte-exact, none lost, none duplicated, each cut resumed from the
# byte haul held, memory bounded and all freed, exit status right.
#
# The choices come from one seed, printed as "# load seed N" in the TAP
# output; LOAD_SEED=N make check TESTS=tests/load.bats runs the same lists.

load helpers

LOAD_N=2000
LOAD_P=50

setup() {
	cd "$BATS_TEST_TMPDIR"
	LOAD_SEED=${LOAD_SEED:-$(((RANDOM << 15) | RANDOM))}
	echo "# load seed $LOAD_SEED (LOAD_SEED=$LOAD_SEED reproduces it)" >&3
	echo "load seed $LOAD_SEED"
}

teardown() {
	testsrv_stop
}

# make_lists N FAIL DEADPORT: writes in.txt (haul's input file: "URL NAME"
# lines), ref.cfg (a curl config fetching every body uncut into ref/) and
# manifest.txt ("NAME SIZE SEED KIND FAULTS FATE", FATE ok, 404 or dead).
# Sizes are log-uniform in 1 KiB .. 512 KiB; 5% chunked, 3% close-delimited
# (haul asks again after their end, so a cut is seen there too); 20% get
# fin=/rst= cuts.  FAIL of them (never a cut one) fail for good: half 404,
# half a closed port.
make_lists() {
	awk -v seed="$LOAD_SEED" -v n="$1" -v nfail="$2" -v url="$TESTSRV_URL" \
		-v dead="http://127.0.0.1:$3" '
	BEGIN {
		srand(seed)
		for (i = 1; i <= n; i++) {
			size = int(exp(log(1024) + rand() * (log(524288) - log(1024))))
			q = "size=" size "&seed=" (100000 + i)
			r = rand()
			kind = "len"
			if (r < 0.05) { kind = "chunked"; q = q "&chunked=1" }
			else if (r < 0.08) { kind = "nolen"; q = q "&nolen=1" }
			faults = "-"
			if (rand() < 0.2) {
				# 1 or 2 cuts, at distinct offsets inside the body.
				ncut = 1 + int(rand() * 2)
				f = (rand() < 0.5) ? "fin" : "rst"
				o1 = 1 + int(rand() * (size - 1))
				o2 = 1 + int(rand() * (size - 1))
				offs = o1
				if (ncut == 2 && o2 != o1)
					offs = (o1 < o2) ? o1 "," o2 : o2 "," o1
				q = q "&" f "=" offs
				faults = f ":" offs
			}
			fate[i] = "ok"
			line[i] = url "/load/" i "?" q
			name[i] = sprintf("f%04d.bin", i)
			printf "url = \"%s/ref/%d?size=%d&seed=%d\"\noutput = \"ref/%s\"\n",
				url, i, size, 100000 + i, name[i] > "ref.cfg"
			man[i] = name[i] " " size " " (100000 + i) " " kind " " faults
			cut[i] = (faults != "-")
		}
		for (k = 0; k < nfail; ) {
			i = 1 + int(rand() * n)
			if (fate[i] != "ok" || cut[i])
				continue
			if (k % 2 == 0) {
				fate[i] = "404"
				line[i] = line[i] "&status=404"
			} else {
				fate[i] = "dead"
				line[i] = dead "/load/" i
			}
			k++
		}
		for (i = 1; i <= n; i++) {
			print line[i] " " name[i] > "in.txt"
			print man[i] " " fate[i] > "manifest.txt"
		}
	}'
}

# Fetches the reference bodies with curl (one process, uncut paths), and
# checks a sample of them against testsrv --gen, so the references are the
# generator's bytes and not only testsrv's.
make_refs() {
	mkdir ref
	run -0 curl -sS --fail --parallel --parallel-max 16 -K ref.cfg
	local name size seed rest
	while read -r name size seed rest; do
		assert_equal "$(sha256_of "ref/$name")" "$(gen_sha "$size" "$seed")"
	done < <(awk -v seed="$LOAD_SEED" 'BEGIN { srand(seed) } rand() < 0.005' manifest.txt)
	(cd ref && sha256sum -- *) >ref.sha
}

# The request log, checked per resource under /load/: the first request has
# no Range; after a cut the next one asks "bytes=HELD-" where HELD is
# every byte sent so far (testsrv cuts after the client has them all), so
# no byte is fetched twice; exactly one 200; the bytes sent add up to the
# size; a 416 (the check after a close-delimited body) only at the end.
# Prints one line per resource that breaks a rule.
check_resumes() {
	jq -rs '
	(map(select(.ev == "end")) | INDEX(.n)) as $ends
	| map(select(.ev == "req" and (.key // "" | startswith("/load/")) and .status != 404))
	| group_by(.key)[]
	| . as $reqs
	| (.[0].target | capture("size=(?<s>[0-9]+)").s | tonumber) as $size
	| reduce .[] as $r ({held: 0, full: 0, bad: []};
		($ends[$r.n | tostring].sent // 0) as $sent
		| (if .held > 0 then "bytes=\(.held)-" else null end) as $want
		| if ($r.headers.range // null) != $want then
			.bad += ["request \($r.n) asked \($r.headers.range // "no range"), held \(.held)"]
		  else . end
		| if $r.status == 200 then .full += 1 | .held = $sent
		  elif $r.status == 206 then .held += $sent
		  elif $r.status == 416 and .held == $size then .
		  else .bad += ["request \($r.n): status \($r.status) at \(.held)"] end)
	| if .full != 1 then .bad += ["\(.full) full (200) responses"] else . end
	| if .held != $size then .bad += ["sent \(.held) of \($size) bytes"] else . end
	| select(.bad != [])
	| "\($reqs[0].key): \(.bad | join("; "))"
	' "$TESTSRV_LOG"
}

# Number of cuts planned in the manifest, and cuts testsrv made.
planned_cuts() {
	awk '$5 != "-" { sub(/^[a-z]+:/, "", $5); n += split($5, a, ",") } END { print n + 0 }' manifest.txt
}
seen_cuts() {
	awk '$5 != "-" {
		nolenfin = ($4 == "nolen" && $5 ~ /^fin:/)
		sub(/^[a-z]+:/, "", $5); n += split($5, a, ",") - nolenfin
	} END { print n + 0 }' manifest.txt
}
fired_cuts() {
	jq -s '[.[] | select(.ev == "end" and (.how == "fin" or .how == "rst"))] | length' "$TESTSRV_LOG"
}

# run_load: haul over in.txt into the empty directory out/, with its peak
# RSS in rss.txt, --memstats in ms.json and --summary in sum.json.
run_load() {
	mkdir out
	local t0=$SECONDS
	cd out
	run --separate-stderr run_with_rss ../rss.txt "$HAUL" -q -P "$LOAD_P" \
		--parallel-host "$LOAD_P" --retry 5 --retry-delay 0.05 \
		--memstats=../ms.json --summary=../sum.json -i ../in.txt
	cd ..
	LOAD_SECS=$((SECONDS - t0))
}

# Memory: nothing live at exit, no attempt or transfer left bytes behind,
# and (where RSS is haul's) a peak that does not grow with 2,000 transfers.
# The bound: 50 transfers at once, each holding at most its 1 MiB
# --buffer-size plus libcurl's buffers (well under 256 KiB), over a base of
# 16 MiB: 16 + 50 x 1.25 < 80 MiB.  Keeping 40 KiB per finished transfer
# (2,000 of them) would cross it; a run measures about 22 MiB.
check_memory() {
	assert_equal "$(jq '[.allocators[] | .live] | add' ms.json)" 0
	assert_equal "$(jq '.transfers | length' ms.json)" "$LOAD_N"
	assert_equal "$(jq '[.transfers[] | .attempts_leaking] | add' ms.json)" 0
	assert_equal "$(jq '[.transfers[] | .live_after_teardown] | max' ms.json)" 0
	LOAD_RSS=$(tail -n 1 rss.txt)
	if rss_meaningful; then
		[ "$LOAD_RSS" -lt $((80 * 1024)) ] || fail "peak RSS $LOAD_RSS KiB, bound 80 MiB"
	fi
}

# The files of out/ are exactly those of the manifest with FATE ok, each
# equal to its reference; no .part or journal left.
check_files() {
	local want got
	want=$(awk '$6 == "ok" { print $1 }' manifest.txt | sort)
	got=$(cd out && ls -A | sort)
	[ "$got" = "$want" ] || fail "files in out/ differ from the list: $(diff <(echo "$want") <(echo "$got") | head -20)"
	awk '$6 == "ok" { print $1 }' manifest.txt >ok.txt
	grep -F -f <(sed 's/^/ /' ok.txt) ref.sha >want.sha
	assert_equal "$(wc -l <want.sha)" "$(wc -l <ok.txt)"
	run sh -c 'cd out && sha256sum -c --quiet ../want.sha'
	[ "$status" -eq 0 ] || fail "files differ from their references: $output"
}

# One line of figures in the TAP output: retries are the requests after a
# cut, without the checks after close-delimited bodies (416s).
report() {
	local attempts checks
	attempts=$(jq '.totals.attempts' sum.json)
	checks=$(jq -s '[.[] | select(.ev == "req" and .status == 416)] | length' "$TESTSRV_LOG")
	echo "# $1: $LOAD_N transfers, $(planned_cuts) cuts planned, $(fired_cuts) made," \
		"$((attempts - LOAD_N - checks)) retries, $checks end checks, haul ${LOAD_SECS}s," \
		"peak RSS ${LOAD_RSS} KiB" >&3
}

@test "2,000 transfers, 20% cut at random offsets: all byte-exact, each cut resumed where it stopped" {
	testsrv_start "$BATS_TEST_TMPDIR"
	make_lists "$LOAD_N" 0 1
	make_refs
	run_load
	[ "$status" -eq 0 ] || fail "haul exited $status: ${stderr:0:2000}"
	assert_equal "$(jq '.exit_code' sum.json)" 0
	check_files
	# Every planned cut was made (each offset fires once per resource).
	local planned
	planned=$(planned_cuts)
	[ "$planned" -gt $((LOAD_N / 10)) ] || fail "only $planned cuts planned"
	assert_equal "$(fired_cuts)" "$planned"
	run -0 check_resumes
	assert_output ''
	# haul saw every cut as a disconnect, except the first FIN of a
	# close-delimited body: that is its end, found out by asking again
	# (the 206 that continues it has a length, so a second FIN is a cut).
	assert_equal "$(jq '.totals.disconnects' sum.json)" "$(seen_cuts)"
	check_memory
	report "all succeed"
}

@test "2,000 transfers, a few fail for good (404, a closed port): their status, only their files missing" {
	# A port where connections are refused for as long as the server
	# runs: testsrv holds it bound and never listens (a port that was
	# just freed could be taken again by another test meanwhile).
	testsrv_start "$BATS_TEST_TMPDIR" --closed-port-file "$BATS_TEST_TMPDIR/closed.port"
	local deadport
	deadport=$(cat "$BATS_TEST_TMPDIR/closed.port")
	make_lists "$LOAD_N" 6 "$deadport"
	make_refs
	run_load
	# The exit status is that of the first failure in input-file order:
	# 5 for an HTTP error, 7 when nothing listens.
	local first want
	first=$(awk '$6 != "ok" { print $6; exit }' manifest.txt)
	case $first in
	404) want=5 ;;
	dead) want=7 ;;
	esac
	[ "$status" -eq "$want" ] || fail "haul exited $status, wanted $want (first failure: $first): ${stderr:0:2000}"
	assert_equal "$(jq '.exit_code' sum.json)" "$want"
	# Each failed transfer has its own status in the summary, the others 0.
	run -0 jq -r '.transfers[] | .exit_code' sum.json
	assert_equal "$output" "$(awk '{ print ($6 == "ok") ? 0 : ($6 == "404") ? 5 : 7 }' manifest.txt)"
	assert_equal "$(jq '.totals.failed' sum.json)" 6
	check_files
	assert_equal "$(fired_cuts)" "$(planned_cuts)"
	run -0 check_resumes
	assert_output ''
	check_memory
	report "6 fail"
}

@test "4 GiB + 1 MiB in one transfer to a pipe: byte counts do not wrap at 32 bits" {
	# (download.bats checks offsets past 4 GiB without moving 4 GiB; this
	# is the count of bytes received in one transfer, so it moves them:
	# here, not under valgrind.)
	testsrv_start "$BATS_TEST_TMPDIR"
	local size=$((4294967296 + 1048576))
	run -0 --separate-stderr bash -c "set -o pipefail; \"\$HAUL\" -q --summary summary.json --events ev.json '$TESTSRV_URL/load/huge?size=$size&seed=4' | tail -c 1048576 >tail.bin"
	assert_equal "$stderr" ""
	run -0 jq -r '.transfers[0] | "\(.bytes) \(.bytes_received) \(.total) \(.exit_code)"' summary.json
	assert_output "$size $size $size 0"
	run -0 jq -r 'select(.event == "done") | .bytes' ev.json
	assert_output "$size"
	assert_equal "$(stat -c %s tail.bin)" 1048576
	assert_equal "$(sha256_of tail.bin)" "$(testsrv_sha256 --size "$size" --seed 4 --offset $((size - 1048576)))"
	run -0 jq -r '"\(.sent) \(.how)"' < <(testsrv_ends /load/huge)
	assert_output "$size complete"
}
