#!/usr/bin/env bats
# fileopts.bats - the options that decide whether and how a file is
# written: -N/--timestamping (If-Modified-Since, If-None-Match with the
# ETag kept in user.haul.etag, a 304 leaves the file alone), -R/--remote-time,
# --no-clobber (skip, and continue a FILE.part: a rerun of a list goes on),
# --create-dirs, -J/--content-disposition (the server's name, under -O's
# rules, never replacing a file), --max-filesize and --xattr.
#
# testsrv's cond=1 answers conditional requests with 304; its
# Last-Modified is 2021-01-01 00:00:00 GMT plus <version> hours.  testsrv
# keeps state per path: paths are unique per test.

load helpers

# testsrv's Last-Modified of version 1 and 2, in seconds.
LM1=1609462800
LM2=1609466400

setup_file() {
	testsrv_start "$BATS_FILE_TMPDIR"
}

teardown_file() {
	testsrv_stop
}

setup() {
	D=$BATS_TEST_TMPDIR/dl
	mkdir "$D"
	cd "$D"
}

teardown() {
	nginx_stop
}

# The extended attribute NAME of FILE, or "-" when it has none.
xattr_of() {
	python3 -c 'import os, sys
try:
    sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2]).decode("utf-8", "replace"))
except OSError:
    sys.stdout.write("-")' "$1" "$2"
}

# The headers NAMES (jq paths) of each request for PATH, "-" when absent.
cond_headers() {
	testsrv_requests "$1" | jq -r '"\(.headers["if-modified-since"] // "-")|\(.headers["if-none-match"] // "-")"'
}

# ---- -N ----------------------------------------------------------------------

@test "-N: a 304 leaves the file as it is, exit 0, says 'not modified', and events and summary say so" {
	local url="$TESTSRV_URL/fo/n304.bin?size=20K&cond=1"
	run -0 haul -N -o n.bin "$url"
	assert_equal "$(sha256_of n.bin)" "$(gen_sha 20K)"
	# -N implies -R: the file has the server's time, and its ETag is kept.
	assert_equal "$(stat -c %Y n.bin)" "$LM1"
	assert_equal "$(xattr_of n.bin user.haul.etag)" "20480 $LM1 \"s1-v1-20480\""
	# The file is ours to check: mark its inode, the 304 must not replace it.
	local inode
	inode=$(stat -c %i n.bin)
	run -0 --separate-stderr haul -N -o n.bin --events ev.ndjson --summary sum.json "$url"
	assert_equal "$stderr" "haul: $url: not modified; n.bin left as it is"
	assert_equal "$(sha256_of n.bin)" "$(gen_sha 20K)"
	assert_equal "$(stat -c %i n.bin)" "$inode"
	assert_equal "$(stat -c %Y n.bin)" "$LM1"
	assert_file_not_exists n.bin.part
	# What the server received: nothing to compare the first time, then both.
	run -0 cond_headers /fo/n304.bin
	assert_output "$(printf '%s\n' '-|-' 'Fri, 01 Jan 2021 01:00:00 GMT|"s1-v1-20480"')"
	run -0 jq -r '.status' < <(testsrv_requests /fo/n304.bin)
	assert_output "$(printf '%s\n' 200 304)"
	run -0 jq -c 'select(.event != "progress") | [.event, .action // .output // null]' ev.ndjson
	assert_output "$(printf '%s\n' '["start","n.bin"]' '["response","not_modified"]' \
		'["not_modified","n.bin"]' '["done","n.bin"]')"
	run -0 jq -c '[.transfers[0].not_modified, .transfers[0].skipped, .transfers[0].bytes,
		.transfers[0].exit_code, .totals.not_modified, .totals.skipped, .exit_code]' sum.json
	assert_output '[true,false,0,0,1,0,0]'
	# -q: no line.
	run -0 --separate-stderr haul -q -N -o n.bin "$url"
	assert_equal "$stderr" ""
}

@test "-N: a changed resource is downloaded again, with the new time and ETag" {
	local url="$TESTSRV_URL/fo/nchanged.bin?size=12K&cond=1&newv_at=2"
	run -0 haul -N -o c.bin "$url"
	assert_equal "$(sha256_of c.bin)" "$(gen_sha 12K 1 1)"
	run -0 --separate-stderr haul -N -o c.bin --summary sum.json "$url"
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of c.bin)" "$(gen_sha 12K 1 2)"
	assert_equal "$(stat -c %Y c.bin)" "$LM2"
	assert_equal "$(xattr_of c.bin user.haul.etag)" "12288 $LM2 \"s1-v2-12288\""
	run -0 jq -c '[.transfers[0].not_modified, .transfers[0].bytes]' sum.json
	assert_output '[false,12288]'
	run -0 jq -r '.status' < <(testsrv_requests /fo/nchanged.bin)
	assert_output "$(printf '%s\n' 200 200)"
}

@test "-N: a file changed since haul wrote it is compared by time only, and fetched when older" {
	local url="$TESTSRV_URL/fo/nstale.bin?size=8K&cond=1"
	run -0 haul -N -o s.bin "$url"
	# Changed locally: the recorded ETag no longer names it.
	printf 'x' >>s.bin
	touch -d '2020-06-01 00:00:00 UTC' s.bin
	run -0 haul -N -o s.bin "$url"
	assert_equal "$(sha256_of s.bin)" "$(gen_sha 8K)"
	run -0 cond_headers /fo/nstale.bin
	assert_line --index 1 'Mon, 01 Jun 2020 00:00:00 GMT|-'
	# An ETag recorded by hand for another size is not sent either.
	python3 -c 'import os; os.setxattr("s.bin", "user.haul.etag", b"1 2 \"forged\"")'
	run -0 haul -N -o s.bin "$url"
	run -0 cond_headers /fo/nstale.bin
	assert_line --index 2 'Fri, 01 Jan 2021 01:00:00 GMT|-'
}

@test "-N: no file, no condition; a plain run records no ETag; -N and --no-clobber exclude each other" {
	run -0 haul -o p.bin "$TESTSRV_URL/fo/nplain.bin?size=1K&cond=1"
	assert_equal "$(xattr_of p.bin user.haul.etag)" "-"
	run -0 haul -N -o p.bin "$TESTSRV_URL/fo/nplain.bin?size=1K&cond=1"
	run -0 cond_headers /fo/nplain.bin
	# The file's time was the download's (no -R): the server's copy is older.
	assert_line --index 1 --regexp '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} 20[0-9]{2} [0-9:]{8} GMT\|-$'
	run -0 jq -r '.status' < <(testsrv_requests /fo/nplain.bin)
	assert_output "$(printf '%s\n' 200 304)"
	run -2 --separate-stderr haul -N --no-clobber -o x.bin "$TESTSRV_URL/fo/never?size=1K"
	assert_equal "$stderr" "haul: --timestamping and --no-clobber exclude each other: one replaces a changed file, the other never replaces one (see haul --help)"
	assert_equal "$(testsrv_requests /fo/never | wc -l)" 0
}

@test "-N against nginx: its 304 leaves the file alone; a new file there is fetched" {
	nginx_start "$BATS_TEST_TMPDIR/ng"
	local www=$BATS_TEST_TMPDIR/ng/www
	"$TESTSRV" --gen --size 300K --seed 5 >"$www/f.bin"
	touch -d '2022-03-04 05:06:07 UTC' "$www/f.bin"
	run -0 haul -N -o f.bin "$NGINX_URL/f.bin"
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 300K 5)"
	assert_equal "$(stat -c %Y f.bin)" "$(date -d '2022-03-04 05:06:07 UTC' +%s)"
	run -0 --separate-stderr haul -N -o f.bin "$NGINX_URL/f.bin"
	assert_equal "$stderr" "haul: $NGINX_URL/f.bin: not modified; f.bin left as it is"
	# nginx answered 304, and sent no body.
	run -0 awk '$7 == "/f.bin" { print $9, $10 }' "$BATS_TEST_TMPDIR/ng/nginx/access.log"
	assert_line --index 1 "304 0"
	# A new version on the server: new bytes and a new time.
	"$TESTSRV" --gen --size 200K --seed 6 >"$www/f.bin.new"
	touch -d '2023-01-02 03:04:05 UTC' "$www/f.bin.new"
	mv "$www/f.bin.new" "$www/f.bin"
	run -0 haul -N -o f.bin "$NGINX_URL/f.bin"
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 200K 6)"
	assert_equal "$(stat -c %Y f.bin)" "$(date -d '2023-01-02 03:04:05 UTC' +%s)"
	run -0 awk '$7 == "/f.bin" { print $9 }' "$BATS_TEST_TMPDIR/ng/nginx/access.log"
	assert_output "$(printf '%s\n' 200 304 200)"
}

# ---- -R ----------------------------------------------------------------------

@test "-R: the file gets Last-Modified as its time; without -R, or without Last-Modified, the download's" {
	run -0 haul -R -o r.bin "$TESTSRV_URL/fo/rtime.bin?size=5K"
	assert_equal "$(stat -c %Y r.bin)" "$LM1"
	assert_equal "$(sha256_of r.bin)" "$(gen_sha 5K)"
	local before
	before=$(date +%s)
	run -0 haul -o plain.bin "$TESTSRV_URL/fo/rplain.bin?size=5K"
	[ "$(stat -c %Y plain.bin)" -ge "$before" ] || fail "without -R the file has an old time"
	run -0 haul -R -o nolm.bin "$TESTSRV_URL/fo/rnolm.bin?size=5K&lm=0"
	[ "$(stat -c %Y nolm.bin)" -ge "$before" ] || fail "without Last-Modified the file has an old time"
	# -x: the time is set once every part is in.
	run -0 haul -R -x 4 -o x.bin "$TESTSRV_URL/fo/rsegs.bin?size=2M&v=2"
	assert_equal "$(stat -c %Y x.bin)" "$LM2"
	assert_equal "$(sha256_of x.bin)" "$(gen_sha 2M 1 2)"
}

# ---- --no-clobber ------------------------------------------------------------

@test "--no-clobber: an existing file is skipped without a request, exit 0, a skipped event and field" {
	printf 'mine\n' >keep.bin
	local url="$TESTSRV_URL/fo/nc.bin?size=4K"
	run -0 --separate-stderr haul --no-clobber -o keep.bin --events ev.ndjson --summary sum.json "$url"
	assert_equal "$stderr" "haul: $url: keep.bin exists; skipped (--no-clobber)"
	assert_equal "$(cat keep.bin)" "mine"
	assert_equal "$(testsrv_requests /fo/nc.bin | wc -l)" 0
	run -0 jq -c '[.event, .output, .reason // .bytes]' ev.ndjson
	assert_output "$(printf '%s\n' '["skipped","keep.bin","exists"]' '["done","keep.bin",0]')"
	run -0 jq -c '[.transfers[0].skipped, .transfers[0].not_modified, .transfers[0].exit_code,
		.totals.skipped, .totals.succeeded]' sum.json
	assert_output '[true,false,0,1,1]'
	# A missing file is downloaded as usual.
	run -0 haul --no-clobber -o new.bin "$url"
	assert_equal "$(sha256_of new.bin)" "$(gen_sha 4K)"
}

@test "--no-clobber -i: a rerun of a list skips what is done and continues the file that was cut" {
	local u="$TESTSRV_URL/fo/list"
	printf '%s\n' "$u/a.bin?size=10K&seed=2 a.bin" "$u/b.bin?size=1M&seed=3&fin=300000 b.bin" \
		"$u/c.bin?size=20K&seed=4 c.bin" >list
	# The first run: a.bin done, b.bin cut at 300000 bytes and given up.
	run -11 haul --retry 0 -P 1 -i list
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 10K 2)"
	assert_file_exists b.bin.part
	assert_file_not_exists b.bin
	rm c.bin
	run -0 --separate-stderr haul --no-clobber -P 1 -i list
	assert_equal "$stderr" "haul: $u/a.bin?size=10K&seed=2: a.bin exists; skipped (--no-clobber)"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 10K 2)"
	assert_equal "$(sha256_of b.bin)" "$(gen_sha 1M 3)"
	assert_equal "$(sha256_of c.bin)" "$(gen_sha 20K 4)"
	assert_file_not_exists b.bin.part
	# a.bin was asked once; b.bin went on from where it was cut.
	assert_equal "$(testsrv_requests /fo/list/a.bin | wc -l)" 1
	run -0 jq -r '.headers.range // "-"' < <(testsrv_requests /fo/list/b.bin)
	assert_output "$(printf '%s\n' - 'bytes=300000-')"
}

# ---- --create-dirs -------------------------------------------------------------

@test "--create-dirs: -o dir/sub/file and --output-dir with -O; without it, exit 4; a file in the way, exit 4" {
	run -4 --separate-stderr haul -o a/b/c.bin "$TESTSRV_URL/fo/cd.bin?size=3K"
	assert_equal "$stderr" "haul: $TESTSRV_URL/fo/cd.bin?size=3K: cannot write a/b/c.bin.part: No such file or directory"
	assert_file_not_exists a
	run -0 haul --create-dirs -o a/b/c.bin "$TESTSRV_URL/fo/cd.bin?size=3K"
	assert_equal "$(sha256_of a/b/c.bin)" "$(gen_sha 3K)"
	run -0 haul --create-dirs -O --output-dir out/x "$TESTSRV_URL/fo/cd2.bin?size=2K"
	assert_equal "$(sha256_of out/x/cd2.bin)" "$(gen_sha 2K)"
	printf 'a file\n' >blocker
	run -4 --separate-stderr haul --create-dirs -o blocker/sub/f.bin "$TESTSRV_URL/fo/cd3.bin?size=1K"
	assert_equal "$stderr" "haul: $TESTSRV_URL/fo/cd3.bin?size=1K: cannot create directory blocker/sub: Not a directory"
	assert_equal "$(testsrv_requests /fo/cd3.bin | wc -l)" 0
}

# ---- -J ------------------------------------------------------------------------

@test "-J: the file is named after Content-Disposition; filename* wins; the URL's name without it" {
	local cd='attachment%3B%20filename%3D%22plain.txt%22%3B%20filename*%3DUTF-8%27%27%25E2%2582%25AC%2520rates.txt'
	run -0 haul -J --summary sum.json "$TESTSRV_URL/fo/j/get.bin?size=6K&hdr=Content-Disposition:$cd"
	assert_equal "$(sha256_of "€ rates.txt")" "$(gen_sha 6K)"
	assert_file_not_exists get.bin
	assert_file_not_exists get.bin.part
	run -0 jq -r '.transfers[0].output' sum.json
	assert_output "€ rates.txt"
	run -0 haul -J "$TESTSRV_URL/fo/j/q.bin?size=1K&hdr=Content-Disposition:attachment%3B%20filename%3Dq.txt"
	assert_equal "$(sha256_of q.txt)" "$(gen_sha 1K)"
	run -0 haul -J "$TESTSRV_URL/fo/j/none.bin?size=1K"
	assert_equal "$(sha256_of none.bin)" "$(gen_sha 1K)"
	# -o names the file itself.
	run -0 haul -J -o mine.bin "$TESTSRV_URL/fo/j/o.bin?size=1K&hdr=Content-Disposition:attachment%3B%20filename%3Dother.txt"
	assert_file_exists mine.bin
	assert_file_not_exists other.txt
}

@test "-J: the same rules as -O: no path, no control characters, nothing outside the output directory" {
	mkdir out
	run -0 haul -J --output-dir out \
		"$TESTSRV_URL/fo/j/evil.bin?size=2K&hdr=Content-Disposition:attachment%3B%20filename%3D%22..%2F..%2Fevil.sh%22"
	assert_equal "$(sha256_of out/evil.sh)" "$(gen_sha 2K)"
	assert_file_not_exists evil.sh
	assert_file_not_exists "$BATS_TEST_TMPDIR/evil.sh"
	run -0 haul -J --output-dir out \
		"$TESTSRV_URL/fo/j/ctl.bin?size=2K&hdr=Content-Disposition:attachment%3B%20filename*%3DUTF-8%27%27a%251B%255B31mb.txt"
	assert_equal "$(sha256_of 'out/a%1B[31mb.txt')" "$(gen_sha 2K)"
	# No usable name: a warning, and the URL's name.
	run -0 --separate-stderr haul -J --output-dir out \
		"$TESTSRV_URL/fo/j/dots.bin?size=2K&hdr=Content-Disposition:attachment%3B%20filename%3D%22..%22"
	assert_equal "$stderr" "haul: $TESTSRV_URL/fo/j/dots.bin?size=2K&hdr=Content-Disposition:attachment%3B%20filename%3D%22..%22: no usable file name in Content-Disposition; keeping the name out/dots.bin"
	assert_equal "$(sha256_of out/dots.bin)" "$(gen_sha 2K)"
}

@test "-J: an existing file of that name is never replaced: exit 4 before any byte, or skipped with --no-clobber" {
	printf 'precious\n' >taken.txt
	local url="$TESTSRV_URL/fo/j/taken.bin?size=300K&hdr=Content-Disposition:attachment%3B%20filename%3Dtaken.txt"
	run -4 --separate-stderr haul -J "$url"
	assert_equal "$stderr" "haul: $url: taken.txt exists; -J does not replace files"
	assert_equal "$(cat taken.txt)" "precious"
	assert_file_not_exists taken.bin.part
	assert_file_not_exists taken.bin
	run -0 --separate-stderr haul -J --no-clobber --events ev.ndjson "$url"
	assert_equal "$stderr" "haul: $url: taken.txt exists; skipped (--no-clobber)"
	assert_equal "$(cat taken.txt)" "precious"
	run -0 jq -r 'select(.event == "skipped") | .output' ev.ndjson
	assert_output "taken.txt"
	# Two URLs of one run that are given the same name: one wins, the
	# other fails, nothing is overwritten.
	local u2="$TESTSRV_URL/fo/j/twin"
	run -4 haul -J -P 1 "$u2/1.bin?size=1K&seed=7&hdr=Content-Disposition:attachment%3B%20filename%3Dtwin.txt" \
		"$u2/2.bin?size=1K&seed=8&hdr=Content-Disposition:attachment%3B%20filename%3Dtwin.txt"
	assert_equal "$(sha256_of twin.txt)" "$(gen_sha 1K 7)"
}

# ---- --max-filesize ------------------------------------------------------------

@test "--max-filesize: an announced length over it is refused before writing, exit 13; at it, fine" {
	local url="$TESTSRV_URL/fo/max.bin?size=100K"
	run -13 --separate-stderr haul --max-filesize 99K -o m.bin --summary sum.json "$url"
	assert_equal "$stderr" "haul: $url: larger than --max-filesize 99.0 KiB; not saved"
	assert_file_not_exists m.bin
	assert_file_not_exists m.bin.part
	assert_file_not_exists m.bin.part.haul
	run -0 jq -r '.transfers[0] | "\(.bytes) \(.exit_name)"' sum.json
	assert_output "0 DISKFULL"
	run -0 haul --max-filesize 100K -o m.bin "$url"
	assert_equal "$(sha256_of m.bin)" "$(gen_sha 100K)"
}

@test "--max-filesize: a body without a length is stopped when it passes it, and nothing is kept" {
	for kind in nolen chunked; do
		local url="$TESTSRV_URL/fo/maxnolen-$kind.bin?size=256M&$kind=1"
		run -13 --separate-stderr haul --max-filesize 1M -o "$kind.bin" "$url"
		assert_equal "$stderr" "haul: $url: larger than --max-filesize 1.0 MiB; not saved"
		assert_file_not_exists "$kind.bin"
		assert_file_not_exists "$kind.bin.part"
		assert_file_not_exists "$kind.bin.part.haul"
		# Stopped early, not after the whole body.
		run -0 jq -r '.sent' < <(testsrv_ends "/fo/maxnolen-$kind.bin")
		[ "$output" -lt $((64 << 20)) ] || fail "the body was read on: $output bytes"
	done
	run -0 haul --max-filesize 3M -o ok.bin "$TESTSRV_URL/fo/maxok.bin?size=3M&nolen=1"
	assert_equal "$(sha256_of ok.bin)" "$(gen_sha 3M)"
}

# ---- --xattr ---------------------------------------------------------------------

@test "--xattr: user.xdg.origin.url (where redirects led, no credentials) and user.mime_type" {
	run -0 haul --xattr -o x.bin "$TESTSRV_URL/fo/xa.bin?size=2K&ctype=text/x-haul%3B%20charset%3Dutf-8"
	assert_equal "$(sha256_of x.bin)" "$(gen_sha 2K)"
	assert_equal "$(xattr_of x.bin user.xdg.origin.url)" "$TESTSRV_URL/fo/xa.bin?size=2K&ctype=text/x-haul%3B%20charset%3Dutf-8"
	assert_equal "$(xattr_of x.bin user.mime_type)" "text/x-haul; charset=utf-8"
	local hostport=${TESTSRV_URL#http://}
	run -0 haul --xattr -o r.bin "http://u:secret@$hostport/redirect/1/fo/xr.bin?size=1K&auth=u:secret"
	assert_equal "$(xattr_of r.bin user.xdg.origin.url)" "http://$hostport/redirect/0/fo/xr.bin?size=1K&auth=u:secret"
	# Without --xattr: none.
	run -0 haul -o plain.bin "$TESTSRV_URL/fo/xplain.bin?size=1K"
	assert_equal "$(xattr_of plain.bin user.xdg.origin.url)" "-"
	assert_equal "$(xattr_of plain.bin user.mime_type)" "-"
}
