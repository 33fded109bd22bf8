# tests/lib/shards.bash - what shard.bats and slurm.bats share: the
# README's text they run as written (the jq line that merges summaries, a
# fenced block after a given line), and lists of small files with their
# check.  Sourced after helpers.bash (it uses TESTSRV_URL and TESTSRV).

# The jq program of the README's line that merges shard summaries, read
# from the README itself (so the documented line is the one tested); the
# man page's is the same text.
MERGE=$(sed -n "s/^jq -s '\(.*\)' summary-\*\.json >summary\.json\$/\1/p" "$HAUL_SRCDIR/README.md")

# size_of I [UNIT]: the size of file I in the lists below.
size_of() {
	echo "$(($1 % 4 * 1000 + 500))${2:-}"
}

# make_list PREFIX COUNT [UNIT [QUERY]]: COUNT lines "URL fI.bin", sizes
# from size_of (in bytes, or in UNIT: K).
make_list() {
	local i
	for ((i = 1; i <= $2; i++)); do
		echo "$TESTSRV_URL$1/f$i?size=$(size_of "$i" "${3:-}")&seed=$i${4:-} f$i.bin"
	done
}

# check_files COUNT [UNIT]: every fI.bin byte-exact, no .part left.
check_files() {
	local i got want
	for ((i = 1; i <= $1; i++)); do
		[ -f "f$i.bin" ] || fail "f$i.bin is missing"
	done
	# All of them in order against the generator: one checksum each side.
	got=$(for ((i = 1; i <= $1; i++)); do cat "f$i.bin"; done | sha256sum)
	want=$(for ((i = 1; i <= $1; i++)); do
		"$TESTSRV" --gen --size "$(size_of "$i" "${2:-}")" --seed "$i"
	done | sha256sum)
	assert_equal "$got" "$want"
	assert_equal "$(find . -name '*.part*' | wc -l)" 0
}

# readme_block REGEX: the first ```sh block after the first README line
# that matches REGEX (awk), as written there.
readme_block() {
	awk -v start="$1" '$0 ~ start { found = 1 }
		found && /^```sh$/ { inblock = 1; next }
		inblock && /^```$/ { exit }
		inblock { print }' "$HAUL_SRCDIR/README.md"
}
