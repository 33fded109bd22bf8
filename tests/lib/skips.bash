# tests/lib/skips.bash - only the skips listed in tests/skips.list.
#
# Loaded by tests/helpers.bash (and by testsrv.bats, which does not load
# the helpers).  It wraps bats' `skip`: a skip whose file and reason match
# an entry of tests/skips.list skips as before; any other fails the test
# with its reason, so a missing tool or a slow machine can never turn a
# test into a silent "ok # skip".
#
#   skip_listed FILE REASON   succeeds when tests/skips.list allows it

HAUL_SKIPS_LIST=${HAUL_SKIPS_LIST:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/skips.list}

skip_listed() {
	local file=$1 reason=$2 f re why
	[ -r "$HAUL_SKIPS_LIST" ] || return 1
	while IFS='|' read -r f re why; do
		case $f in '' | '#'*) continue ;; esac
		[ -n "$why" ] || continue   # an entry without its reason counts for nothing
		[ "$f" = "$file" ] && [[ $reason =~ ^($re)$ ]] && return 0
	done <"$HAUL_SKIPS_LIST"
	return 1
}

# bats' own skip, kept under another name once (the file may be loaded
# more than once in a test's process).
if ! declare -F bats_listed_skip >/dev/null; then
	eval "bats_listed_skip() $(declare -f skip | tail -n +2)"
	skip() {
		local reason=${1:-}
		if skip_listed "${BATS_TEST_FILENAME##*/}" "$reason"; then
			bats_listed_skip "$@"
			return
		fi
		printf '%s\n' "skipped for a reason not in tests/skips.list: ${reason:-(none given)}" \
			"(a skip must be listed there with why it hides no breakage; fix what the reason says instead)" >&2
		return 1
	}
fi
