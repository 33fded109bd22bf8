#!/usr/bin/env bats
# source.bats - the shape of the sources: the files of src/ include each
# other without a cycle, the transfer and its parts never include the run,
# a request never includes its owner (src/README.md, "The include tree");
# and no comment or document points outside the repository.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "the files of src/ include each other without a cycle" {
	run -0 --separate-stderr "$HAUL_SRCDIR/scripts/include-graph.sh" "$HAUL_SRCDIR/src"
	assert_equal "$stderr" ""
}

@test "lower files never include the ones that own them" {
	run -0 "$HAUL_SRCDIR/scripts/include-graph.sh" -l "$HAUL_SRCDIR/src"
	# The run passes itself in (env.h); nothing below it includes run.h.
	refute_line "transfer run"
	refute_line "segments run"
	refute_line "progress run"
	# The parts and the request know nothing of the transfer.
	refute_line "segments transfer"
	refute_line "attempt transfer"
	refute_line "attempt segments"
	# The display reads snapshots, not transfers.
	refute_line "progress transfer"
	# The tree's own edges are there (the listing is not empty).
	assert_line "main run"
	assert_line "run transfer"
	assert_line "transfer segments"
	assert_line "segments attempt"
	assert_line "transfer retry"
}

@test "the check finds a cycle and names its modules; X_Y.c belongs to module X" {
	mkdir src
	printf '#include "b.h"\n' >src/a.c
	: >src/a.h
	printf '#include "c.h"\n' >src/b.c
	: >src/b.h
	: >src/c.h
	printf '#include "a.h"\n#include "config.h"\n' >src/c_part.c
	run -1 --separate-stderr "$HAUL_SRCDIR/scripts/include-graph.sh" src
	assert_regex "$stderr" "include each other in a cycle"
	local m
	for m in a b c; do
		grep -qx "  $m" <<<"$stderr" || fail "module $m is not named: $stderr"
	done
	# Without the edge back, no cycle.
	printf '#include "config.h"\n' >src/c_part.c
	run -0 "$HAUL_SRCDIR/scripts/include-graph.sh" src
	run -0 "$HAUL_SRCDIR/scripts/include-graph.sh" -l src
	assert_output "a b
b c"
}

@test "no comment or document points to a file outside the repository" {
	run -1 grep -rn --include='*.[ch]' --include='*.md' --include='*.def' --include='*.am' \
		-e 'DESIGN-NOTES' -e '\.\./shared' "$HAUL_SRCDIR/src" "$HAUL_SRCDIR/README.md" \
		"$HAUL_SRCDIR/Makefile.am"
	assert_output ""
}
