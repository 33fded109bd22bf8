#!/usr/bin/env bats
# files.bats - the files haul writes, and only those: FILE.part, its
# journal and the journal's temporary file are never written through a
# symbolic link, a hard link or a special file (also one planted after haul
# started); a FILE.part that is not haul's is only touched with -c; outputs
# of one run that are the same file are a usage error before anything
# starts; an existing FILE is replaced keeping its mode; and after kill -9,
# -c fetches again at most about 1% of a file (the journal's "written"
# offset, trusted on the same boot only).
#
# haul runs in $D (dl/); files "outside" live in $OUT (outside/) and keep
# their checksums.  testsrv keeps state per path: paths are unique per test.

load helpers

setup_file() {
	testsrv_start "$BATS_FILE_TMPDIR"
}

teardown_file() {
	testsrv_stop
}

setup() {
	D=$BATS_TEST_TMPDIR/dl
	OUT=$BATS_TEST_TMPDIR/outside
	mkdir "$D" "$OUT"
	cd "$D"
	printf 'precious data outside the download directory\n' >"$OUT/victim"
	VICTIM_SHA=$(sha256_of "$OUT/victim")
	BG_PID=
}

teardown() {
	if [ -n "${BG_PID:-}" ]; then
		kill -KILL "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
}

# Requests testsrv saw for PATH.
nreq() {
	testsrv_requests "$1" | wc -l
}

# "range" of each request for PATH, in order ("-" when absent).
ranges_of() {
	testsrv_requests "$1" | jq -r '.headers.range // "-"'
}

victim_intact() {
	assert_equal "$(sha256_of "$OUT/victim")" "$VICTIM_SHA"
}

refused_line() {
	printf 'haul: %s: %s %s; haul does not write through it: remove it' "$1" "$2" "$3"
}

# ---- haul's own temporary files ---------------------------------------------

@test "a symbolic link at FILE.part, without and with -c: exit 4, one line, the file it points to keeps its checksum" {
	local url="$TESTSRV_URL/fi/link-part?size=1M&seed=1"
	ln -s ../outside/victim f.bin.part
	run -4 --separate-stderr haul -o f.bin "$url"
	assert_equal "$stderr" "$(refused_line "$url" f.bin.part "is a symbolic link")"
	victim_intact
	run -4 --separate-stderr haul -c -o f.bin "$url"
	assert_equal "$stderr" "$(refused_line "$url" f.bin.part "is a symbolic link")"
	victim_intact
	assert [ -L f.bin.part ]
	assert_file_not_exists f.bin
	assert_file_not_exists f.bin.part.haul
	# Refused before anything was asked.
	assert_equal "$(nreq /fi/link-part)" 0
}

@test "a symbolic link at FILE.part.haul or FILE.part.haul.tmp: refused (exit 4) with -c or beside a FILE.part; a fresh download never follows it" {
	local name url
	for name in f.bin.part.haul f.bin.part.haul.tmp; do
		url="$TESTSRV_URL/fi/link-${name##*.}?size=4M&seed=2"
		# With -c the journal is read: refused before anything is asked.
		ln -s ../outside/victim "$name"
		run -4 --separate-stderr haul -c -o f.bin "$url"
		assert_equal "$stderr" "$(refused_line "$url" "$name" "is a symbolic link")"
		assert_file_not_exists f.bin.part
		# Without -c, beside a FILE.part that may be haul's to start over.
		printf 'partial' >f.bin.part
		run -4 --separate-stderr haul -o f.bin "$url"
		assert_equal "$stderr" "$(refused_line "$url" "$name" "is a symbolic link")"
		assert_equal "$(cat f.bin.part)" partial
		rm f.bin.part
		assert_equal "$(nreq "/fi/link-${name##*.}")" 0
		victim_intact
		assert [ -L "$name" ]
		assert_file_not_exists f.bin
		# A fresh download (no FILE.part, no -c) does not look for a
		# journal: the link is never read nor written through.  A save,
		# if the body lasts long enough for one, renames over a link at
		# FILE.part.haul (and the commit removes it) or fails with a
		# warning at FILE.part.haul.tmp.
		run -0 --separate-stderr haul -o f.bin "$url"
		[ -z "$stderr" ] || assert_regex "$stderr" "cannot save the resume journal.*Too many levels of symbolic links"
		assert_equal "$(sha256_of f.bin)" "$(gen_sha 4M 2)"
		victim_intact
		assert test -L "$name" -o ! -e "$name"
		assert_file_not_exists f.bin.part
		rm -f "$name" f.bin
		assert_equal "$(nreq "/fi/link-${name##*.}")" 1
	done
}

@test "a FIFO, a directory or a file with another hard link at FILE.part: exit 4, nothing written through" {
	local url="$TESTSRV_URL/fi/special?size=1M&seed=3"
	mkfifo p.bin.part
	# Opening a FIFO for writing would wait for a reader for ever.
	run -4 --separate-stderr timeout -k 5 20 "$HAUL" -o p.bin "$url"
	assert_equal "$stderr" "$(refused_line "$url" p.bin.part "is not a regular file")"
	assert [ -p p.bin.part ]
	mkdir d.bin.part
	run -4 --separate-stderr haul -c -o d.bin "$url"
	assert_equal "$stderr" "$(refused_line "$url" d.bin.part "is not a regular file")"
	ln "$OUT/victim" h.bin.part
	run -4 --separate-stderr haul -o h.bin "$url"
	assert_equal "$stderr" "$(refused_line "$url" h.bin.part "has other hard links")"
	run -4 --separate-stderr haul -c -o h.bin "$url"
	assert_equal "$stderr" "$(refused_line "$url" h.bin.part "has other hard links")"
	victim_intact
	assert_equal "$(nreq /fi/special)" 0
	assert_file_not_exists p.bin
	assert_file_not_exists h.bin
}

# planted NAME TAG: starts haul on a response whose head comes 2 s late,
# plants a symbolic link to the victim at NAME once the request is out, and
# expects haul to refuse it when the response arrives (exit 4, one line).
planted() {
	local name=$1 tag=$2
	local url="$TESTSRV_URL/fi/plant-$tag?size=4M&seed=4&hdr_stall_ms=2000"
	# shellcheck disable=SC2086 # the wrapper is a word list
	${HAUL_WRAPPER:-} "$HAUL" -o f.bin "$url" 2>err.txt 3>&- &
	BG_PID=$!
	wait_until "[ \$(nreq /fi/plant-$tag) -ge 1 ]"
	ln -s ../outside/victim "$name"
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 4
	run -0 cat err.txt
	assert_output "$(refused_line "$url" "$name" "is a symbolic link")"
	victim_intact
	assert [ -L "$name" ]
	assert_file_not_exists f.bin
}

@test "a symbolic link planted at FILE.part after haul checked it: refused when the file is opened (exit 4)" {
	planted f.bin.part part
	assert_file_not_exists f.bin.part.haul
}

@test "a symbolic link planted at FILE.part.haul.tmp after haul checked it: never written through, the download completes" {
	# A fresh FILE.part has no journal until the first periodic save, and
	# this body may end before one: a save, if one comes, fails with a
	# warning (as mid-download, below); the link is never followed.
	local url="$TESTSRV_URL/fi/plant-tmp?size=4M&seed=4&hdr_stall_ms=2000"
	# shellcheck disable=SC2086 # the wrapper is a word list
	${HAUL_WRAPPER:-} "$HAUL" -o f.bin "$url" 2>err.txt 3>&- &
	BG_PID=$!
	wait_until "[ \$(nreq /fi/plant-tmp) -ge 1 ]"
	ln -s ../outside/victim f.bin.part.haul.tmp
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 0
	run -0 cat err.txt
	[ -z "$output" ] || assert_output --regexp "^haul: f\.bin\.part(\.haul)?: cannot save the resume journal:? \(?Too many levels of symbolic links"
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 4M 4)"
	victim_intact
	assert [ -L f.bin.part.haul.tmp ]
	assert_file_not_exists f.bin.part
}

@test "a symbolic link planted at FILE.part.haul.tmp mid-download: the journal save fails with a warning, never written through" {
	# The server holds the body at 1 MiB for a while: the link is planted
	# then.  Bytes that came after it are saved in the journal (by a
	# periodic save, or at the latest when SIGTERM stops haul).
	local url="$TESTSRV_URL/fi/plant-mid?size=4M&seed=5&rate=1M&stall=1M&stall_ms=1500"
	# shellcheck disable=SC2086 # the wrapper is a word list
	${HAUL_WRAPPER:-} "$HAUL" -o f.bin "$url" 2>err.txt 3>&- &
	BG_PID=$!
	wait_until "[ \$(stat -c %s f.bin.part 2>/dev/null || echo 0) -ge 1048576 ]" 30
	ln -s ../outside/victim f.bin.part.haul.tmp
	wait_until "[ \$(stat -c %s f.bin.part) -ge 1310720 ]" 30
	kill -TERM "$BG_PID"
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 143
	run -0 cat err.txt
	assert_output --regexp "haul: f\.bin\.part(\.haul)?: cannot save the resume journal:? \(?Too many levels of symbolic links"
	victim_intact
	assert [ -L f.bin.part.haul.tmp ]
	# Once the link is gone, -c continues the file.
	rm f.bin.part.haul.tmp
	run -0 --separate-stderr haul -c -o f.bin "$url"
	assert_equal "$(sha256_of f.bin)" "$(gen_sha 4M 5)"
	victim_intact
}

# ---- a FILE.part that is not haul's ------------------------------------------

@test "a FILE.part without a journal for this URL is not haul's: exit 4 without -c, untouched; -c continues it" {
	local url="$TESTSRV_URL/fi/foreign?size=1M&seed=6" other="$TESTSRV_URL/fi/foreign-other?size=1M"
	local line="haul: $url: report.part exists and is not haul's partial download of this URL; use -c to continue it, or remove it"
	printf 'my own notes\n' >report.part
	local sha
	sha=$(sha256_of report.part)
	run -4 --separate-stderr haul -o report "$url"
	assert_equal "$stderr" "$line"
	assert_equal "$(sha256_of report.part)" "$sha"
	assert_file_not_exists report
	assert_file_not_exists report.part.haul
	# A journal for another URL does not make it this URL's.
	run -11 --separate-stderr haul --retry 0 -o other "$other&fin=1000"
	mv other.part report.part
	mv other.part.haul report.part.haul
	sha=$(sha256_of report.part)
	run -4 --separate-stderr haul -o report "$url"
	assert_equal "$stderr" "$line"
	assert_equal "$(sha256_of report.part)" "$sha"
	assert_equal "$(nreq /fi/foreign)" 0
	# With -c: a partial file from another tool (the first 300000 bytes)
	# is checked by its last 64 KiB and continued.
	rm report.part.haul
	"$TESTSRV" --gen --size 300000 --seed 6 >report.part
	run -0 --separate-stderr haul -c -o report "$url"
	assert_equal "$(sha256_of report)" "$(gen_sha 1M 6)"
	run -0 ranges_of /fi/foreign
	assert_output "bytes=$((300000 - 65536))-"
}

# ---- outputs that collide ------------------------------------------------------

@test "-O with two URLs that give one name: exit 2 naming both, before anything starts" {
	run -2 --separate-stderr haul -O "$TESTSRV_URL/fi/a/data?size=1K" "$TESTSRV_URL/fi/b/data?size=2K"
	assert_equal "$stderr" "haul: the output of URL 1 (data) and the output of URL 2 (data) are the same file; give each its own name (see haul --help)"
	assert_equal "$(nreq /fi/a/data)" 0
	assert_equal "$(nreq /fi/b/data)" 0
	run -0 ls -A
	assert_output ""
	# The same through an input file, read as the run goes: the line that
	# comes second fails (exit 2) while the first is not done.
	printf '%s\n%s\n' "$TESTSRV_URL/fi/a/data?size=1K" "$TESTSRV_URL/fi/c/data?size=1K" >list.txt
	run -2 --separate-stderr haul -O -i list.txt
	assert_equal "$stderr" "haul: input line 2: its output (data) is that of input line 1, not done yet; give each its own name"
	assert_equal "$(nreq /fi/c/data)" 0
	rm -f data
	run -2 --separate-stderr haul -o x "$TESTSRV_URL/fi/a/data?size=1K" -o x "$TESTSRV_URL/fi/c/data?size=1K"
	assert_equal "$stderr" "haul: the output of URL 1 (x) and the output of URL 2 (x) are the same file; give each its own name (see haul --help)"
	# Special files are written in place, as often as asked.
	run -0 --separate-stderr haul -o /dev/null "$TESTSRV_URL/fi/a/null1?size=1K" -o /dev/null "$TESTSRV_URL/fi/a/null2?size=1K"
}

@test "an output that is another's FILE.part, journal or journal temporary file: exit 2 naming both" {
	run -2 --separate-stderr haul -O "$TESTSRV_URL/fi/p/data?size=1K" "$TESTSRV_URL/fi/p/data.part?size=2K"
	assert_equal "$stderr" "haul: the partial file of URL 1 (data.part) and the output of URL 2 (data.part) are the same file; give each its own name (see haul --help)"
	run -2 --separate-stderr haul -o b.part.haul "$TESTSRV_URL/fi/p/x?size=1K" -o b "$TESTSRV_URL/fi/p/y?size=1K"
	assert_equal "$stderr" "haul: the output of URL 1 (b.part.haul) and the resume journal of URL 2 (b.part.haul) are the same file; give each its own name (see haul --help)"
	run -2 --separate-stderr haul -o c "$TESTSRV_URL/fi/p/x?size=1K" -o c.part.haul.tmp "$TESTSRV_URL/fi/p/y?size=1K"
	assert_equal "$stderr" "haul: the journal's temporary file of URL 1 (c.part.haul.tmp) and the output of URL 2 (c.part.haul.tmp) are the same file; give each its own name (see haul --help)"
	assert_equal "$(nreq /fi/p/data)" 0
	assert_equal "$(nreq /fi/p/x)" 0
}

@test "one file by two paths (./a and a, --output-dir, a linked directory, sub/..): exit 2" {
	local u1="$TESTSRV_URL/fi/paths/1?size=1K" u2="$TESTSRV_URL/fi/paths/2?size=1K"
	mkdir sub
	ln -s sub linked
	run -2 --separate-stderr haul -o a "$u1" -o ./a "$u2"
	assert_equal "$stderr" "haul: the output of URL 1 (a) and the output of URL 2 (./a) are the same file; give each its own name (see haul --help)"
	run -2 --separate-stderr haul --output-dir sub -o a "$u1" -o "$D/sub/a" "$u2"
	assert_equal "$stderr" "haul: the output of URL 1 (sub/a) and the output of URL 2 ($D/sub/a) are the same file; give each its own name (see haul --help)"
	run -2 --separate-stderr haul -o sub/a "$u1" -o linked//a "$u2"
	assert_equal "$stderr" "haul: the output of URL 1 (sub/a) and the output of URL 2 (linked//a) are the same file; give each its own name (see haul --help)"
	run -2 --separate-stderr haul -o sub/../a "$u1" -o a "$u2"
	assert_equal "$stderr" "haul: the output of URL 1 (sub/../a) and the output of URL 2 (a) are the same file; give each its own name (see haul --help)"
	assert_equal "$(nreq /fi/paths/1)" 0
	# Different entries are different files, also a link named as output
	# (it is replaced, not written through).
	ln -s a link-to-a
	run -0 --separate-stderr haul -o a "$u1" -o link-to-a "$u2" -o sub/a "$u1"
	assert [ ! -L link-to-a ]
	assert_equal "$(sha256_of a)" "$(gen_sha 1K)"
}

@test "an output that is the --events, --summary or --memstats file, even through a symbolic link: exit 2, the file untouched" {
	local url="$TESTSRV_URL/fi/reports?size=1K"
	printf 'keep\n' >ev
	run -2 --separate-stderr haul -o ev "$url" --events ./ev
	assert_equal "$stderr" "haul: the output of URL 1 (ev) and the --events file (./ev) are the same file; give each its own name (see haul --help)"
	assert_equal "$(cat ev)" keep
	ln -s s.json to-s
	run -2 --separate-stderr haul -o s.json "$url" --summary to-s
	assert_equal "$stderr" "haul: the output of URL 1 (s.json) and the --summary file (to-s) are the same file; give each its own name (see haul --help)"
	run -2 --separate-stderr haul -o m.json "$url" --memstats=m.json
	assert_equal "$stderr" "haul: the output of URL 1 (m.json) and the --memstats file (m.json) are the same file; give each its own name (see haul --help)"
	run -2 --separate-stderr haul -o x.bin "$url" --memstats=x.bin.part.haul
	assert_equal "$stderr" "haul: the resume journal of URL 1 (x.bin.part.haul) and the --memstats file (x.bin.part.haul) are the same file; give each its own name (see haul --help)"
	run -2 --separate-stderr haul -o x.bin "$url" --events r.json --summary r.json
	assert_equal "$stderr" "haul: the --events file (r.json) and the --summary file (r.json) are the same file; give each its own name (see haul --help)"
	assert_file_not_exists r.json
	assert_equal "$(nreq /fi/reports)" 0
}

@test "-o \"\" is a usage error (exit 2)" {
	run -2 --separate-stderr haul -o "" "$TESTSRV_URL/fi/empty?size=1K"
	assert_equal "$stderr" "haul: -o/--output: bad value '': empty (-o - is standard output) (see haul --help)"
	assert_equal "$(nreq /fi/empty)" 0
	run -0 ls -A
	assert_output ""
}

# ---- an existing FILE ------------------------------------------------------------

@test "an existing FILE is replaced by the download and keeps its mode (600, 400, or one set while it downloads); its .part is no more open than it" {
	umask 022
	local url="$TESTSRV_URL/fi/mode?size=64K&seed=7" mode
	for mode in 600 400 640; do
		printf 'old\n' >"m$mode.bin"
		chmod "$mode" "m$mode.bin"
		run -0 --separate-stderr haul -o "m$mode.bin" "$url"
		assert_equal "$(stat -c %a "m$mode.bin")" "$mode"
		assert_equal "$(sha256_of "m$mode.bin")" "$(gen_sha 64K 7)"
	done
	# A new file gets the umask's mode.
	run -0 --separate-stderr haul -o new.bin "$url"
	assert_equal "$(stat -c %a new.bin)" 644
	# While it is downloaded (here: kept after a failure), FILE.part of a
	# private FILE is private too.
	printf 'old\n' >p.bin
	chmod 600 p.bin
	run -11 --separate-stderr haul --retry 0 -o p.bin "$TESTSRV_URL/fi/mode-part?size=1M&fin=256K"
	assert_equal "$(stat -c %a p.bin.part)" 600
	assert_equal "$(cat p.bin)" old
	# FILE made private while it is downloaded: the result is private.
	printf 'old\n' >c.bin
	chmod 644 c.bin
	# shellcheck disable=SC2086 # the wrapper is a word list
	${HAUL_WRAPPER:-} "$HAUL" -o c.bin "$TESTSRV_URL/fi/mode-chmod?size=1M&seed=7&stall=512K&stall_ms=1500" 2>err.txt 3>&- &
	BG_PID=$!
	wait_until "[ \$(stat -c %s c.bin.part 2>/dev/null || echo 0) -ge 524288 ]" 30
	chmod 600 c.bin
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 0
	assert_equal "$(stat -c %a c.bin)" 600
	assert_equal "$(sha256_of c.bin)" "$(gen_sha 1M 7)"
}

@test "an existing FILE that is a symbolic link is replaced; what it points to is never written, also not with -c" {
	local url="$TESTSRV_URL/fi/link-file?size=1M&seed=8"
	ln -s ../outside/victim l.bin
	run -0 --separate-stderr haul -o l.bin "$url"
	assert [ ! -L l.bin ]
	assert_equal "$(sha256_of l.bin)" "$(gen_sha 1M 8)"
	victim_intact
	# -c: a link to what looks like the first 300000 bytes of the body is
	# not taken as a partial file (continuing it would write the rest
	# through the link): the download starts at 0 and replaces the link.
	"$TESTSRV" --gen --size 300000 --seed 8 >"$OUT/victim"
	VICTIM_SHA=$(sha256_of "$OUT/victim")
	rm l.bin
	ln -s ../outside/victim l.bin
	run -0 --separate-stderr haul -c -o l.bin "$url"
	assert [ ! -L l.bin ]
	assert_equal "$(sha256_of l.bin)" "$(gen_sha 1M 8)"
	victim_intact
	run -0 ranges_of /fi/link-file
	assert_output "-
-"
}

# ---- a small body: unnamed until whole or until the first journal save -------

@test "a small body still arriving gets its FILE.part and journal at the first save; kill -9 then, and -c continues it" {
	local path=/fi/unnamed-held
	local url="$TESTSRV_URL$path?size=512K&seed=22&hold=32K&hold_name=fi-unnamed-held"
	# shellcheck disable=SC2086 # the wrapper is a word list
	${HAUL_WRAPPER:-} "$HAUL" -o h.bin "$url" 2>/dev/null 3>&- &
	BG_PID=$!
	testsrv_wait_log '.ev == "hold" and .name == "fi-unnamed-held"' 1
	# The journal is saved on the first scheduler tick after bytes arrive
	# (0.1 s), FILE.part named before it.
	wait_until "[ -s h.bin.part.haul ] && [ \$(jq -r '.segments[0].next' h.bin.part.haul) = 32768 ]" 20
	assert_equal "$(stat -c %s h.bin.part)" 32768
	kill -KILL "$BG_PID"
	wait "$BG_PID" || true
	BG_PID=
	run -0 testsrv_release fi-unnamed-held
	run -0 --separate-stderr haul -c -o h.bin "$url"
	assert_equal "$(sha256_of h.bin)" "$(gen_sha 512K 22)"
	run -0 ranges_of "$path"
	assert_output "-
bytes=32768-"
	assert_equal "$(ls -A)" "h.bin"
}

# ---- a crawl into one directory: read once, names it holds still looked up ----

@test "a crawl into a directory that holds some of its names: FILE keeps its mode, a link is replaced, someone's FILE.part stops its URL only" {
	# After the first few lookups the run reads the directory once, and a
	# name it did not hold is taken as absent; a name it held is still
	# looked up, so what is already there is treated as without the listing.
	local i args=()
	for i in $(seq -w 1 40); do
		args+=(-o "f$i" "$TESTSRV_URL/fi/crawl/f$i?size=1K&seed=$((10#$i))")
	done
	printf 'old\n' >f30
	chmod 600 f30
	mkdir f33
	printf 'theirs\n' >f35.part
	ln -s "$OUT/victim" f38
	run -4 --separate-stderr haul -P 4 "${args[@]}"
	assert_equal "${stderr_lines[0]}" "haul: f33: is a directory; name a file with -o"
	assert_equal "${stderr_lines[1]}" "haul: $TESTSRV_URL/fi/crawl/f35?size=1K&seed=35: f35.part exists and is not haul's partial download of this URL; use -c to continue it, or remove it"
	assert_equal "${#stderr_lines[@]}" 2
	for i in $(seq -w 1 40); do
		[ "$i" = 33 ] || [ "$i" = 35 ] && continue
		assert_equal "f$i $(sha256_of "f$i")" "f$i $(gen_sha 1K $((10#$i)))"
	done
	assert_equal "$(stat -c %a f30)" 600
	[ -d f33 ] && [ -z "$(ls -A f33)" ]
	assert_equal "$(cat f35.part)" theirs
	assert_file_not_exist f35
	[ -f f38 ] && [ ! -L f38 ]
	assert_equal "$(sha256_of "$OUT/victim")" "$VICTIM_SHA"
	assert_equal "$(ls -A | grep -c -v '^f[0-9][0-9]$')" 1    # f35.part
}

@test "an -i line naming the file of a job done earlier in the run finds that job's FILE.part: it starts it over as its own" {
	# Line 9 comes after the directory was read, fails at 1 MiB and keeps
	# big.part; line 80 (read once line 9 is done: the run reads 66 lines
	# ahead at -P 1) asks for big again, and must see big.part as the run's
	# own (its journal names this URL), not as someone else's.
	local i big="$TESTSRV_URL/fi/again-big?size=2M&seed=9&fin=1M"
	{
		for i in $(seq -w 1 8); do echo "$TESTSRV_URL/fi/again/f$i?size=1K&seed=$((10#$i)) f$i"; done
		echo "$big big"
		for i in $(seq -w 10 79); do echo "$TESTSRV_URL/fi/again/f$i?size=1K&seed=$((10#$i)) f$i"; done
		echo "$big big"
	} >list
	run -11 --separate-stderr haul --retry 0 -P 1 -i list
	assert_equal "$stderr" "haul: $big: connection closed early at 1.0 MiB of 2.0 MiB
haul: $big: kept big.part; run again with -c to continue"
	assert_file_not_exist big.part
	assert_equal "$(sha256_of big)" "$(gen_sha 2M 9)"
	assert_equal "$(sha256_of f79)" "$(gen_sha 1K 79)"
}

# ---- kill -9 -----------------------------------------------------------------------

# first_diff FILE START END SEED SIZE: how many bytes from START (before
# END) of FILE are the body's (seed SEED, SIZE bytes long).
first_diff() {
	local file=$1 start=$2 end=$3 seed=$4 size=$5 out
	out=$(cmp -i "$start:$start" -n $((end - start)) "$file" \
		<("$TESTSRV" --gen --size "$size" --seed "$seed" 2>/dev/null) 2>&1) && {
		echo $((end - start))
		return
	}
	case $out in
	*"EOF on $file after byte "*)    # the file ends there
		out=${out##*after byte }
		echo "${out%%,*}"
		;;
	*"differ: byte "*)
		out=${out##*differ: byte }
		echo $((${out%%,*} - 1))
		;;
	*) echo "first_diff: $out" >&2; return 1 ;;
	esac
}

@test "kill -9 at about 60% of 64 MiB, then -c: at most 1% fetched again; from another boot, only the synced offset" {
	local path=/fi/kill9 size=67108864
	local url="$TESTSRV_URL$path?size=64M&seed=9&rate=16M"
	# shellcheck disable=SC2086 # the wrapper is a word list
	${HAUL_WRAPPER:-} "$HAUL" -o k.bin "$url" 2>/dev/null 3>&- &
	BG_PID=$!
	wait_until "[ \$(stat -c %s k.bin.part 2>/dev/null || echo 0) -ge $((size * 6 / 10)) ] || ! kill -0 $BG_PID 2>/dev/null" 60
	kill -KILL "$BG_PID" || fail "haul ended before it could be killed"
	wait "$BG_PID" || true
	BG_PID=
	local at next written
	at=$(stat -c %s k.bin.part)
	next=$(jq -r '.segments[0].next' k.bin.part.haul)
	written=$(jq -r '.segments[0].written | tonumber' k.bin.part.haul)
	# (next may still be 0 when the disk is slow: a save syncs first.)
	cp k.bin.part saved.part
	cp k.bin.part.haul saved.part.haul

	run -0 --separate-stderr haul -c -o k.bin "$url"
	assert_equal "$(sha256_of k.bin)" "$(gen_sha 64M 9)"
	local from
	from=$(ranges_of "$path" | sed -n '2s/^bytes=\([0-9]*\)-$/\1/p')
	[ -n "$from" ] || fail "the -c request asked $(ranges_of "$path" | sed -n 2p)"
	assert_equal "$from" "$written"
	# Never more than the file held; at most 1% of the file again.
	[ "$from" -le "$at" ] || fail "-c asked from $from, the file held $at"
	local again=$((at - from))
	echo "# kill -9 with $at of $size bytes on disk (journal: synced $next, written $written):" \
		"-c asked from byte $from, $again bytes fetched again" \
		"($(awk -v a="$again" -v s="$size" 'BEGIN { printf "%.2f", 100 * a / s }')%)" >&3
	[ "$again" -le $((size / 100)) ] || fail "$again bytes fetched again, more than 1% of $size"
	assert_equal "$(testsrv_ends "$path" | jq -s '.[1].sent')" $((size - from))

	# The same journal from another boot (a power cut): the bytes after the
	# synced offset may not be on disk; -c trusts only "next".
	rm k.bin
	mv saved.part k.bin.part
	jq '.boot_id = "00000000-0000-4000-8000-000000000000"' saved.part.haul >k.bin.part.haul
	run -0 --separate-stderr haul -c -o k.bin "$url"
	assert_equal "$(sha256_of k.bin)" "$(gen_sha 64M 9)"
	run -0 ranges_of "$path"
	if [ "$next" -gt 0 ]; then
		assert_line -n 2 "bytes=$next-"
	else
		assert_line -n 2 "-"
	fi
}

@test "-x 4, kill -9 at about 60% of 64 MiB, then -c: every part continues where it was written, at most 1% fetched again" {
	local path=/fi/kill9x size=67108864
	local url="$TESTSRV_URL$path?size=64M&seed=10&rate=4M"
	# shellcheck disable=SC2086 # the wrapper is a word list
	${HAUL_WRAPPER:-} "$HAUL" -x 4 -o x.bin "$url" 2>/dev/null 3>&- &
	BG_PID=$!
	wait_until "[ \"\$(jq '[.segments[] | (.written // .next | tonumber) - (.start | tonumber)] | add' x.bin.part.haul 2>/dev/null || echo 0)\" -ge $((size * 6 / 10)) ] || ! kill -0 $BG_PID 2>/dev/null" 60
	kill -KILL "$BG_PID" || fail "haul ended before it could be killed"
	wait "$BG_PID" || true
	BG_PID=
	run -0 jq -r '.segments | length' x.bin.part.haul
	assert_output 4
	# What each part really held when haul died, from the bytes on disk.
	local starts ends i held=()
	read -r -a starts < <(jq -r '[.segments[].start] | join(" ")' x.bin.part.haul)
	read -r -a ends < <(jq -r '[.segments[].end] | join(" ")' x.bin.part.haul)
	for i in 0 1 2 3; do
		held[i]=$((starts[i] + $(first_diff x.bin.part "${starts[i]}" "${ends[i]}" 10 64M)))
	done

	local n0
	n0=$(testsrv_requests "$path" | wc -l)
	run -0 --separate-stderr haul -x 4 -c -o x.bin "$url"
	assert_equal "$(sha256_of x.bin)" "$(gen_sha 64M 10)"
	local again=0 from
	for i in 0 1 2 3; do
		[ "${held[i]}" -lt "${ends[i]}" ] || continue
		from=$(testsrv_requests "$path" | tail -n +$((n0 + 1)) | jq -r '.headers.range // "-"' |
			sed -n "s/^bytes=\([0-9]*\)-$((ends[i] - 1))\$/\1/p")
		[ -n "$from" ] || fail "no -c request for the part ending at ${ends[i]}"
		[ "$from" -le "${held[i]}" ] || fail "part $i: -c asked from $from, the file held ${held[i]}"
		again=$((again + held[i] - from))
	done
	echo "# -x 4, kill -9: $again bytes fetched again" \
		"($(awk -v a="$again" -v s="$size" 'BEGIN { printf "%.2f", 100 * a / s }')%)" >&3
	[ "$again" -le $((size / 100)) ] || fail "$again bytes fetched again, more than 1% of $size"
}
