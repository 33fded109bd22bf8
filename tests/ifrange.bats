#!/usr/bin/env bats
# ifrange.bats - servers that honour Range but ignore If-Range (h2o 2.2.5):
# a resume of a changed resource gets a 206 of the new version.  Its
# validators differ from those haul sent, so the resource changed: a file
# starts over from byte 0 (a fresh 200 after the refused 206), stdout stops
# with exit 12 holding only bytes of the old version, and -c whose journal
# no longer matches the server starts over instead of failing for ever.
# testsrv's ignore_ifrange=1 switch plays that server; h2o itself too, where
# it is installed.

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
	H2O_PID=
}

teardown() {
	if [ -n "${BG_PID:-}" ]; then
		kill -KILL "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	h2o_stop
}

# "status version first range|if-range" of each request for PATH.
requests_of() {
	testsrv_requests "$1" |
		jq -r '"\(.status) v\(.version) \(.first) \(.headers.range // "-")|\(.headers["if-range"] // "-")"'
}

# The strong ETag testsrv sends: "s<seed>-v<version>-<size>".
etag_of() {
	printf '"s%s-v%s-%s"\n' "$1" "$2" "$3"
}

@test "testsrv ignore_ifrange=1 answers a stale If-Range with a 206 of the current version" {
	local url="$TESTSRV_URL/ir/srv?size=4K&seed=60&v=2&ignore_ifrange=1"
	run -0 curl -s -o part.bin -w '%{http_code}' -H 'Range: bytes=1000-' \
		-H "If-Range: $(etag_of 60 1 4096)" "$url"
	assert_output 206
	assert_equal "$(cat part.bin | sha256sum | cut -d' ' -f1)" \
		"$(testsrv_sha256 --size 4K --seed 60 --version 2 --offset 1000)"
	# Without the switch the stale If-Range gets the whole body (200).
	run -0 curl -s -o /dev/null -w '%{http_code}' -H 'Range: bytes=1000-' \
		-H "If-Range: $(etag_of 60 1 4096)" "$TESTSRV_URL/ir/srv2?size=4K&seed=60&v=2"
	assert_output 200
}

@test "a file: a 206 of another version than If-Range asked for starts over from byte 0" {
	local path=/ir/file
	local url="$TESTSRV_URL$path?size=1M&seed=61&fin=300K&newv_at=2&ignore_ifrange=1"
	run -0 --separate-stderr haul -o f.bin "$url"
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 1M 61 2)"
	assert_regex "$stderr" "the resource changed \(the server ignored If-Range\); starting over"
	# The cut v1 response, the refused 206 of v2, then v2 from byte 0.
	run -0 requests_of "$path"
	assert_output "200 v1 0 -|-
206 v2 307200 bytes=307200-|$(etag_of 61 1 1048576)
200 v2 0 -|-"
	assert_file_not_exists f.bin.part
	assert_file_not_exists f.bin.part.haul
}

@test "stdout: a 206 of another version than If-Range asked for is exit 12, nothing spliced" {
	local path=/ir/stdout
	local url="$TESTSRV_URL$path?size=1M&seed=62&fin=300K&newv_at=2&ignore_ifrange=1"
	run -12 --separate-stderr bash -c '${HAUL_WRAPPER:-} "$HAUL" "$1" >out.bin' _ "$url"
	assert_regex "$stderr" "the resource changed \(the server ignored If-Range\)"
	# Only the bytes of version 1 before the cut, and no third request.
	assert_equal "$(sha256_of out.bin)" "$(gen_sha 300K 62 1)"
	run -0 requests_of "$path"
	assert_output "200 v1 0 -|-
206 v2 307200 bytes=307200-|$(etag_of 62 1 1048576)"
}

@test "-c whose journal names an old version starts over on a server that ignores If-Range" {
	local path=/ir/cont
	local url="$TESTSRV_URL$path?size=1M&seed=63&fin=300K&newv_at=2&ignore_ifrange=1"
	run -11 --separate-stderr haul --retry 0 -o c.bin "$url"
	assert_file_exists c.bin.part
	assert_file_exists c.bin.part.haul
	# The resource is version 2 from now on: -c finishes it at once.
	run -0 --separate-stderr haul -c -o c.bin "$url"
	assert_equal "$(sha256_of c.bin)" "$(gen_sha 1M 63 2)"
	assert_file_not_exists c.bin.part
	assert_file_not_exists c.bin.part.haul
	run -0 requests_of "$path"
	assert_output "200 v1 0 -|-
206 v2 307200 bytes=307200-|$(etag_of 63 1 1048576)
200 v2 0 -|-"
}

# ---- h2o, a real server that ignores If-Range ------------------------------

# h2o_start DIR: serves DIR/www on a free port of 127.0.0.1 with an access
# log "status bytes range|if-range" (DIR/access.log); exports H2O_URL and
# H2O_PID.  Skips the test when h2o is not installed.
h2o_start() {
	local dir=$1 port i user=""
	command -v h2o >/dev/null 2>&1 || skip "h2o is not installed (README setup command 1 installs it)"
	mkdir -p "$dir/www"
	# As root, h2o would switch to nobody and could not read the test's
	# private directory.
	[ "$(id -u)" = 0 ] && user="user: root"
	for ((i = 0; i < 20; i++)); do
		port=$((20000 + RANDOM % 30000))
		rm -f "$dir/h2o.pid"
		cat >"$dir/h2o.conf" <<-CONF
			$user
			pid-file: $dir/h2o.pid
			error-log: $dir/h2o-error.log
			access-log:
			  path: $dir/access.log
			  format: "%s %b %{range}i|%{if-range}i"
			listen:
			  host: 127.0.0.1
			  port: $port
			hosts:
			  default:
			    paths:
			      /:
			        file.dir: $dir/www
		CONF
		h2o -c "$dir/h2o.conf" </dev/null >/dev/null 2>&1 3>&- &
		H2O_PID=$!
		if wait_until "[ -s '$dir/h2o.pid' ] || ! kill -0 $H2O_PID 2>/dev/null" 5 &&
			kill -0 "$H2O_PID" 2>/dev/null &&
			wait_until "curl -sf -o /dev/null http://127.0.0.1:$port/ready" 5; then
			export H2O_PID H2O_URL=http://127.0.0.1:$port
			return 0
		fi
		kill "$H2O_PID" 2>/dev/null || true
		wait "$H2O_PID" 2>/dev/null || true
	done
	echo "h2o_start: could not start h2o" >&2
	return 1
}

h2o_stop() {
	[ -n "${H2O_PID:-}" ] || return 0
	kill -TERM "$H2O_PID" 2>/dev/null
	wait "$H2O_PID" 2>/dev/null || true
	H2O_PID=
}

@test "h2o: -c of a file that changed on the server starts over and gets the new version" {
	local dir=$BATS_TEST_TMPDIR/h2o
	mkdir -p "$dir/www"
	: >"$dir/www/ready"
	"$TESTSRV" --gen --size 16M --seed 64 --version 1 >"$dir/www/file"
	touch -d '2021-01-01 00:00:00' "$dir/www/file"
	h2o_start "$dir"
	local url=$H2O_URL/file

	# A first run stopped part-way: FILE.part and its journal (h2o's ETag).
	${HAUL_WRAPPER:-} "$HAUL" --limit-rate 1M -o h.bin "$url" 2>err.txt 3>&- &
	BG_PID=$!
	wait_until "[ \$(stat -c %s h.bin.part 2>/dev/null || echo 0) -ge 262144 ] || ! kill -0 $BG_PID 2>/dev/null"
	kill -TERM "$BG_PID"
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 143
	assert_file_exists h.bin.part.haul
	local next etag
	next=$(jq -r '.segments[0].next' h.bin.part.haul)
	etag=$(jq -r '.etag' h.bin.part.haul)
	[ "$next" -gt 0 ] || fail "journal next is $next"

	# The file changes on the server: new bytes, new mtime, new ETag.
	"$TESTSRV" --gen --size 16M --seed 64 --version 2 >"$dir/www/file.new"
	touch -d '2022-01-01 00:00:00' "$dir/www/file.new"
	mv "$dir/www/file.new" "$dir/www/file"
	# Its log line (and the "ready" probe's) is out before the -c run.
	wait_until "[ \$(wc -l <'$dir/access.log') -ge 2 ]"
	local before
	before=$(wc -l <"$dir/access.log")

	run -0 --separate-stderr haul -c -o h.bin "$url"
	assert_equal "$(sha256_of h.bin)" "$(gen_sha 16M 64 2)"
	assert_regex "$stderr" "the resource changed \(the server ignored If-Range\); starting over"
	# h2o answered the stale If-Range with a 206 of the new file; haul
	# refused it and asked again from byte 0.  (h2o logs a response when it
	# ends: the order of the two lines is not the order of the requests.)
	run -0 tail -n +"$((before + 1))" "$dir/access.log"
	assert_equal "${#lines[@]}" 2
	# h2o writes the quotes of the ETag as \x22.
	assert_line --regexp "^206 [0-9]+ bytes=$next-\\|${etag//\"/\\\\x22}\$"
	assert_line "200 16777216 -|-"
}
