#!/usr/bin/env bats
# config.bats - config files: the default one ($XDG_CONFIG_HOME/haul/config
# or ~/.config/haul/config), -K/--config FILE, --no-config; the syntax,
# that the command line wins, and one line naming file and line for every
# mistake.  What haul sends is checked in testsrv's request log.

load helpers

setup_file() {
	testsrv_start "$BATS_FILE_TMPDIR"
}

teardown_file() {
	testsrv_stop
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/xdg
	mkdir -p "$XDG_CONFIG_HOME/haul"
	DEFCFG=$XDG_CONFIG_HOME/haul/config
}

# ua_of PATH: the User-Agent the server got for each request to PATH.
ua_of() {
	testsrv_req_array "$1" '.headers."user-agent"'
}

@test "config: the default file's options apply, in every syntax it takes" {
	cat >"$DEFCFG" <<-'EOF'
		# haul's defaults for this test
		--user-agent from-config
		header = X-One: 1
		header: X-Two: 2 # a comment after white space
		  header=X-Three: a#b

		max-redirs 3
		--header "X-Four: quoted # not a comment \"q\" \\ end"
	EOF
	run -0 --separate-stderr haul -o a.bin "$TESTSRV_URL/cfg/default?size=10K"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 10K)"
	run -0 testsrv_req_array /cfg/default '[.headers."user-agent", .headers."x-one", .headers."x-two", .headers."x-three", .headers."x-four"]'
	assert_output '[["from-config","1","2","a#b","quoted # not a comment \"q\" \\ end"]]'
	# --max-redirs 3 from the file: the fourth redirect fails (status 15).
	run -15 --separate-stderr haul -o r.bin "$TESTSRV_URL/redirect/4/cfg/redir?size=1K"
	run -0 testsrv_count /cfg/redir
	assert_output 0
}

@test "config: without XDG_CONFIG_HOME (or with a relative one) ~/.config/haul/config is read" {
	mkdir -p home/.config/haul
	echo 'user-agent home-config' >home/.config/haul/config
	echo 'user-agent xdg-config' >"$DEFCFG"
	run -0 env -u XDG_CONFIG_HOME HOME="$PWD/home" "$HAUL" -o a.bin "$TESTSRV_URL/cfg/home1"
	run -0 env XDG_CONFIG_HOME=relative/dir HOME="$PWD/home" "$HAUL" -o b.bin "$TESTSRV_URL/cfg/home2"
	run -0 env HOME="$PWD/home" "$HAUL" -o c.bin "$TESTSRV_URL/cfg/home3"
	run -0 ua_of /cfg/home1
	assert_output '["home-config"]'
	run -0 ua_of /cfg/home2
	assert_output '["home-config"]'
	run -0 ua_of /cfg/home3
	assert_output '["xdg-config"]'
}

@test "config: the command line wins; repeatable options add the command line's after the file's" {
	printf '%s\n' 'user-agent from-config' 'header X-A: file' 'retry 0' >"$DEFCFG"
	run -0 haul -A from-argv -H 'X-A: argv' -o a.bin "$TESTSRV_URL/cfg/wins"
	run -0 testsrv_req_array /cfg/wins '[.headers."user-agent", .headers."x-a"]'
	assert_output '[["from-argv","file, argv"]]'
	# --retry 0 from the file, --retry 2 on the command line: three requests.
	run -0 haul --retry 2 --retry-delay 0.01 -o b.bin "$TESTSRV_URL/cfg/wins-retry?status=503&status_n=2"
	run -0 testsrv_count /cfg/wins-retry
	assert_output 3
	# Without the command line's, the file's --retry 0: one request, exit 5.
	run -5 --separate-stderr haul -o c.bin "$TESTSRV_URL/cfg/file-retry?status=503&status_n=2"
	run -0 testsrv_count /cfg/file-retry
	assert_output 1
}

@test "config: -K files are read after the default one, in order; --no-config skips only the default" {
	echo 'user-agent default' >"$DEFCFG"
	printf 'user-agent one\nheader X-K: 1\n' >one.cfg
	printf 'user-agent two\n' >two.cfg
	run -0 haul -K one.cfg -o a.bin "$TESTSRV_URL/cfg/k1"
	run -0 haul --config two.cfg -Kone.cfg -o b.bin "$TESTSRV_URL/cfg/k2"
	run -0 haul --config=one.cfg -K two.cfg -o c.bin "$TESTSRV_URL/cfg/k3"
	run -0 haul -o d.bin --no-config "$TESTSRV_URL/cfg/k4"
	run -0 haul --no-config -K two.cfg -o e.bin "$TESTSRV_URL/cfg/k5"
	run -0 testsrv_req_array /cfg/k1 '[.headers."user-agent", .headers."x-k"]'
	assert_output '[["one","1"]]'
	run -0 ua_of /cfg/k2
	assert_output '["one"]'
	run -0 ua_of /cfg/k3
	assert_output '["two"]'
	run -0 ua_of /cfg/k4
	assert_output "[\"haul/$("$HAUL" --version | awk 'NR == 1 { print $2 }')\"]"
	run -0 ua_of /cfg/k5
	assert_output '["two"]'
}

@test "config: -K - reads standard input, which -i - cannot read as well" {
	run -0 bash -c 'printf "user-agent stdin\n" | "$HAUL" -K - -o a.bin "$1"' _ "$TESTSRV_URL/cfg/stdin"
	run -0 ua_of /cfg/stdin
	assert_output '["stdin"]'
	run -2 --separate-stderr bash -c 'echo "$1" | "$HAUL" -K - -i -' _ "$TESTSRV_URL/cfg/stdin2"
	assert_equal "$stderr" "haul: -K - and -i - cannot both read standard input (see haul --help)"
	run -0 testsrv_count /cfg/stdin2
	assert_output 0
}

# bad_config LINES EXPECTED-MESSAGE: a config file of LINES (printf %b) is
# refused with exit status 2 and exactly EXPECTED-MESSAGE, before any
# request.
bad_config() {
	printf '%b' "$1" >bad.cfg
	run -2 --separate-stderr haul -K bad.cfg -o x.bin "$TESTSRV_URL/cfg/never"
	assert_equal "$stderr" "haul: config file bad.cfg:$2 (see haul --help)"
	assert_output ''
}

@test "config: each mistake names the file and the line, exit 2, nothing requested" {
	bad_config '# ok\nretry 3\nretri 5\n' "3: unknown option 'retri'"
	bad_config 'retry\n' "1: option --retry needs a value (N)"
	bad_config '\n\nretry = many\n' "3: --retry: bad value 'many': not a whole number (from 0 to 1000000)"
	bad_config 'insecure = yes\n' "1: option --insecure takes no value"
	bad_config 'user-agent "unfinished\n' "1: no closing quote"
	bad_config 'user-agent "a" b\n' "1: text after the closing quote"
	bad_config '-A agent\n' "1: expected a long option name (--name or name)"
	bad_config '= 5\n' "1: expected an option name"
	bad_config 'retry 1\x00\n' "1: a NUL byte in the line"
	bad_config 'output x.bin\n' "1: --output cannot be set in a config file"
	bad_config 'input-file list\n' "1: --input-file cannot be set in a config file"
	bad_config 'config other.cfg\n' "1: --config cannot be set in a config file"
	bad_config 'memstats\n' "1: --memstats cannot be set in a config file"
	bad_config 'header No colon\n' "1: -H/--header: bad value 'No colon': expected \"Name: value\" on one line"
	run -0 testsrv_count /cfg/never
	assert_output 0
}

@test "config: a missing -K file is an error, a missing default file is not, an unreadable default one is" {
	run -2 --separate-stderr haul -K nosuch.cfg -o x.bin "$TESTSRV_URL/cfg/missing"
	assert_equal "$stderr" "haul: config file nosuch.cfg: No such file or directory (see haul --help)"
	run -2 --separate-stderr haul -K . -o x.bin "$TESTSRV_URL/cfg/missing"
	assert_equal "$stderr" "haul: config file .: is a directory (see haul --help)"
	rm -f "$DEFCFG"
	run -0 --separate-stderr haul -o a.bin "$TESTSRV_URL/cfg/missing-default"
	assert_equal "$stderr" ''
	mkdir "$DEFCFG"
	run -2 --separate-stderr haul -o b.bin "$TESTSRV_URL/cfg/missing"
	assert_equal "$stderr" "haul: config file $DEFCFG: is a directory (see haul --help)"
	run -0 testsrv_count /cfg/missing
	assert_output 0
}

@test "config: --help and --version work whatever the config file holds" {
	echo 'retri 5' >"$DEFCFG"
	run -0 haul --help
	assert_line --partial '-K, --config FILE'
	run -0 haul --version
	assert_line --index 0 --regexp '^haul '
	run -2 --separate-stderr haul -o x.bin "$TESTSRV_URL/cfg/help"
	assert_equal "$stderr" "haul: config file $DEFCFG:1: unknown option 'retri' (see haul --help)"
}

@test "config: credentials from a config file reach the server and no report" {
	printf 'user = "user:secret"\n' >"$DEFCFG"
	chmod 600 "$DEFCFG"
	run -0 --separate-stderr haul -v --events ev.ndjson --summary sum.json -o a.bin \
		"$TESTSRV_URL/cfg/cred?size=1K&auth=user:%73ecret"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 1K)"
	run -0 testsrv_req_array /cfg/cred '[.status, .headers.authorization]'
	assert_output '[[200,"Basic dXNlcjpzZWNyZXQ="]]'
	refute_regex "$stderr" secret
	run grep -c secret ev.ndjson sum.json
	assert_output $'ev.ndjson:0\nsum.json:0'
}
