#!/usr/bin/env bats
# cli.bats - the command line: options, values, URLs, help, version, and the
# one-line errors with their exit codes.  No network needed except where a
# test says so.

load helpers

@test "--help lists every group and fits in 80 columns" {
	run -0 haul --help
	assert_line --partial "Usage: haul [OPTIONS] URL..."
	local help=$output long
	long=$(printf '%s\n' "${lines[@]}" | awk 'length($0) > 80')
	[ -z "$long" ] || fail "lines over 80 columns: $long"
	# The groups come from the source ([GROUP_X] = "Title"), and each
	# option of options.def is listed under the heading of its own group.
	local groups
	groups=$(sed -nE 's/^ *\[(GROUP_[A-Z]+)\] = "([^"]+)",?$/\1|\2/p' "$HAUL_SRCDIR"/src/*.c)
	[ "$(wc -l <<<"$groups")" -ge 4 ] || fail "groups found in src/: '$groups'"
	local id title
	while IFS='|' read -r id title; do
		grep -qxF "$title:" <<<"$help" || fail "no heading '$title:' in --help"
	done <<<"$groups"
	local rows bad
	rows=$(sed -nE 's/^OPT\([A-Z0-9_]+, *(GROUP_[A-Z]+), *"([^"]+)",.*/\2 \1/p' "$HAUL_SRCDIR/src/options.def")
	[ "$(wc -l <<<"$rows")" -ge 30 ] || fail "options found in options.def: '$rows'"
	bad=$(awk -v groups="$groups" '
		BEGIN {
			n = split(groups, g, "\n")
			for (i = 1; i <= n; i++) { split(g[i], f, "|"); title[f[2] ":"] = f[1] }
		}
		FNR == NR { want["--" $1] = $2; next }
		$0 in title { cur = title[$0]; next }
		/^  / {
			for (i = 1; i <= NF; i++) {
				w = $i; sub(/[=,\[].*$/, "", w)
				if (w in want) { seen[w] = 1; if (want[w] != cur) print w " under " cur ", not " want[w] }
			}
		}
		END { for (w in want) if (!(w in seen)) print w " not under any group" }
	' <(printf '%s\n' "$rows") <(printf '%s\n' "$help"))
	[ -z "$bad" ] || fail "$bad"
}

@test "-h is --help" {
	run -0 haul -h
	assert_line --partial "Usage: haul"
}

@test "--help exit-codes prints the exit status table" {
	run -0 haul --help exit-codes
	assert_line --regexp '^ +0  success$'
	assert_line --regexp '^ +2  usage error'
	assert_line --regexp '^ +141  the reader of the output pipe went away'
}

@test "--help with an unknown topic is a usage error" {
	run -2 --separate-stderr haul --help nonsense
	assert_equal "$stderr" "haul: no help topic 'nonsense' (topics: exit-codes) (see haul --help)"
}

@test "--version names haul, libcurl with its TLS library, libuv and cJSON" {
	run -0 haul --version
	assert_line --regexp '^haul [0-9]+\.[0-9]+\.[0-9]+$'
	assert_line --regexp '^libcurl [0-9.]+ \(OpenSSL/'
	assert_line --regexp '^libuv [0-9.]+$'
	assert_line --regexp '^cJSON [0-9.]+$'
}

@test "no URL is a usage error with a hint" {
	run -2 --separate-stderr haul
	assert_equal "$stderr" "haul: no URL given (see haul --help)"
	assert_equal "$output" ""
}

@test "an unknown long option is one line and exit 2" {
	run -2 --separate-stderr haul --frobnicate http://127.0.0.1:1/
	assert_equal "$stderr" "haul: unknown option --frobnicate (see haul --help)"
}

@test "an unknown short option is one line and exit 2" {
	run -2 --separate-stderr haul -Z http://127.0.0.1:1/
	assert_equal "$stderr" "haul: unknown option -Z (see haul --help)"
}

@test "a missing option value is a usage error" {
	run -2 --separate-stderr haul http://127.0.0.1:1/ --retry
	assert_equal "$stderr" "haul: option --retry needs a value (N) (see haul --help)"
}

@test "a value given to a flag is a usage error" {
	run -2 --separate-stderr haul --quiet=yes http://127.0.0.1:1/
	assert_equal "$stderr" "haul: option --quiet takes no value (see haul --help)"
}

@test "bad option values: one line each, exit 2" {
	local -a cases=(
		"--retry -1|--retry: bad value '-1': negative (from 0 to 1000000)"
		"--retry lots|--retry: bad value 'lots': not a whole number (from 0 to 1000000)"
		"--parallel 0|-P/--parallel: bad value '0': too small (from 1 to 10000)"
		"--stall-timeout 1x|--stall-timeout: bad value '1x': unknown unit (use ms, s, m or h)"
		"--connect-timeout 0|--connect-timeout: bad value '0': must be more than 0"
		"--max-time -5|-m/--max-time: bad value '-5': negative"
		"--buffer-size 1K|--buffer-size: bad value '1K': at least 65536 bytes"
		"--buffer-size 2G|--buffer-size: bad value '2G': at most 1G"
		"--limit-rate 10Q|--limit-rate: bad value '10Q': unknown unit (use K, M, G or T)"
		"--progress fancy|--progress: bad value 'fancy': expected bar, dots or none"
		"--stream=foo|--stream: bad value 'foo': expected auto, lines, events or raw"
		"--checksum md5:abc|--checksum: bad value 'md5:abc': expected sha256:HEX or sha512:HEX"
		"--checksum sha256:abc|--checksum: bad value 'sha256:abc': a sha256 digest has 64 hex digits"
		"--segments 65|-x/--segments: bad value '65': too large (from 1 to 64)"
		"-H NoColon|-H/--header: bad value 'NoColon': expected \"Name: value\" on one line"
		"-u :pw|-u/--user: bad value ':pw': expected USER:PASS or USER"
		"--memstats-interval 0|--memstats-interval: bad value '0': at least 0.01 seconds"
	)
	local c args want
	for c in "${cases[@]}"; do
		args=${c%%|*}
		want=${c#*|}
		# shellcheck disable=SC2086 # word splitting of the option is wanted
		run -2 --separate-stderr haul $args http://127.0.0.1:1/
		assert_equal "$stderr" "haul: $want (see haul --help)"
		assert_equal "$output" ""
	done
}

@test "--retry-max-delay shorter than --retry-delay is refused" {
	run -2 --separate-stderr haul --retry-delay 10 --retry-max-delay 5 http://127.0.0.1:1/
	assert_equal "$stderr" "haul: --retry-max-delay is shorter than --retry-delay (see haul --help)"
}

@test "more -o than URLs is a usage error" {
	run -2 --separate-stderr haul -o a http://127.0.0.1:1/ -o b
	assert_equal "$stderr" "haul: -o b has no URL to go with it (see haul --help)"
}

@test "bad URLs: one line naming the URL, exit 3, nothing written" {
	local u
	for u in "ftp://example.org/x" "file:///etc/passwd" "example.org/x" "http://" "http://exa mple.org/"; do
		cd "$BATS_TEST_TMPDIR"
		run -3 --separate-stderr haul -o out "$u"
		assert_equal "${#stderr_lines[@]}" 1
		assert_regex "$stderr" "^haul: .*: (only http and https URLs are supported|it has no scheme|it is not a valid URL|it contains white space|it has no host)"
		assert_file_not_exists out
		assert_file_not_exists out.part
	done
}

@test "-O refuses a URL without a file name" {
	local u
	for u in "http://127.0.0.1:1/" "http://127.0.0.1:1/dir/" "http://127.0.0.1:1/a/.." "http://127.0.0.1:1/a/%2e%2e"; do
		run -2 --separate-stderr haul -O "$u"
		assert_regex "$stderr" "no file name in the URL path for -O; name one with -o FILE$"
	done
}

@test "-- ends the options: a URL that starts with a dash is a URL" {
	run -3 --separate-stderr haul -- -notanoption
	assert_regex "$stderr" "^haul: -notanoption: "
}

@test "options may come after the URL, and short options cluster" {
	testsrv_start "$BATS_TEST_TMPDIR"
	cd "$BATS_TEST_TMPDIR"
	# A drop makes haul say it retries ...
	run -0 --separate-stderr haul "$TESTSRV_URL/cli/loud?size=5K&fin=2K" -o loud.bin --retry-delay 0
	assert_regex "$stderr" "^haul: .*: connection closed early at 2\.0 KiB of 5\.0 KiB; retry 1 of 10"
	# ... but not with the -q of -qo, whose o takes out.bin.
	run -0 --separate-stderr haul "$TESTSRV_URL/cli/after?size=5K&fin=2K" -qo out.bin --retry-delay 0
	assert_equal "$stderr" ""
	assert_equal "$(sha256_of out.bin)" "$(gen_sha 5K)"
	run -0 testsrv_requests /cli/after
	assert_equal "${#lines[@]}" 2
	testsrv_stop
}

@test "--input-file: unreadable file is a usage error" {
	run -2 --separate-stderr haul -i /nonexistent/list
	assert_equal "$stderr" "haul: --input-file /nonexistent/list: No such file or directory (see haul --help)"
}

@test "the exit-code table in exitcodes.h and --help exit-codes agree" {
	local src=$HAUL_SRCDIR/src/exitcodes.h
	local from_src from_help
	from_src=$(sed -n 's/^ *X([A-Z]*, *\([0-9]*\), .*/\1/p' "$src" | sort -n | tr '\n' ' ')
	from_help=$(set -o pipefail; haul --help exit-codes | sed -n 's/^ *\([0-9][0-9]*\)  .*/\1/p' | sort -n | tr '\n' ' ')
	assert_equal "$from_help" "$from_src"
	[ -n "$from_src" ]
}

@test "a size or duration that must be more than 0 says so" {
	# Before the option table, a rate of 0 was "at least 1 bytes".
	local c opt value name
	for c in "--limit-rate|0|--limit-rate" "--limit-rate-total|0K|--limit-rate-total" \
		"-m|0|-m/--max-time" "--connect-timeout|0ms|--connect-timeout"; do
		IFS='|' read -r opt value name <<<"$c"
		run -2 --separate-stderr haul "$opt" "$value" http://127.0.0.1:1/
		assert_equal "$stderr" "haul: $name: bad value '$value': must be more than 0 (see haul --help)"
	done
}
