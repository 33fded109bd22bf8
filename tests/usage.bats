#!/usr/bin/env bats
# usage.bats - command lines haul refuses: one line naming the option, the
# value and why, the hint to --help, exit 2, and no request sent.  Values
# at the edge of what each option takes, bundled short options, and an
# --input-file that cannot be read.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# Runs haul with ARGS and a URL nobody answers; wants exit 2 and exactly
# MESSAGE on stderr, nothing on stdout: refused ARGS... -- MESSAGE
refused() {
	local args=() msg
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	msg=$2
	run -2 --separate-stderr haul "${args[@]}" http://127.0.0.1:9/never
	assert_equal "$stderr" "haul: $msg (see haul --help)"
	assert_equal "$output" ""
}

@test "an empty value for a file or directory option is refused" {
	refused --output-dir= -- "--output-dir: bad value '': empty"
	refused --events= -- "--events: bad value '': empty"
	refused --summary= -- "--summary: bad value '': empty"
	refused --memstats= -- "--memstats: bad value '': empty file name"
}

@test "values at the edge of what an option takes: the first one out is refused, naming the range" {
	refused -x0 -- "-x/--segments: bad value '0': too small (from 1 to 64)"
	refused -x 65 -- "-x/--segments: bad value '65': too large (from 1 to 64)"
	refused -P abc -- "-P/--parallel: bad value 'abc': not a whole number (from 1 to 10000)"
	refused --max-time 0 -- "-m/--max-time: bad value '0': must be more than 0"
	refused --max-time 8784.5h -- "-m/--max-time: bad value '8784.5h': too large (at most a year)"
	refused --limit-rate 1.5 -- "--limit-rate: bad value '1.5': a byte count must be whole"
	refused --limit-rate 17179869184G -- "--limit-rate: bad value '17179869184G': too large"
	refused --stream=sse -- "--stream: bad value 'sse': expected auto, lines, events or raw"
	# ...and the last one in is taken.
	run -0 haul -x 64 --max-time 8784h --limit-rate 17179869183G --stream=raw --version
}

@test "bundled short options: an unknown letter, an unprintable one, a value missing at the end" {
	refused -qZ -- "unknown option -Z"
	# The control character is shown escaped, never sent to the terminal.
	refused "$(printf -- '-q\001')" -- "unknown option in '-q\\x01'"
	run -2 --separate-stderr haul -qo
	assert_equal "$stderr" "haul: option -o needs a value (FILE) (see haul --help)"
	# A value glued to the letter is taken: -o- is stdout.
	run -0 --separate-stderr haul -qo- --version
}

@test "one --input-file at most, and one that cannot be read is a usage error" {
	refused -i /dev/null -i /dev/null -- "-i/--input-file: bad value '/dev/null': only one --input-file"
	mkdir d
	run -2 --separate-stderr haul -i d
	assert_equal "$stderr" "haul: --input-file d: is a directory, not a list of URLs (see haul --help)"
}
