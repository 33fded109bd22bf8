#!/usr/bin/env bats
# netrc.bats - --netrc, --netrc-optional and --netrc-file: logins from a
# netrc file through libcurl, which of them wins over the URL's and -u's,
# where they go after a redirect, and that they appear in no report.

load helpers

setup_file() {
	testsrv_start "$BATS_FILE_TMPDIR"
}

teardown_file() {
	testsrv_stop
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	mkdir -p home
	# The password is "secret"; the auth switches spell it %73ecret so that
	# the URLs themselves never hold the word.
	printf '%s\n' 'machine 127.0.0.1 login user password secret' >home/.netrc
	chmod 600 home/.netrc
	export HOME=$BATS_TEST_TMPDIR/home
}

# auth_of PATH: [host, Authorization] of each request to PATH.
auth_of() {
	testsrv_req_array "$1" '[.headers.host, .headers.authorization]'
}

BASIC_USER_SECRET='Basic dXNlcjpzZWNyZXQ='

@test "netrc: --netrc and --netrc-file log in; without them no login is sent" {
	run -0 haul --netrc -o a.bin "$TESTSRV_URL/nr/home?size=3K&auth=user:%73ecret"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 3K)"
	mv home/.netrc other.netrc
	run -0 haul --netrc-file other.netrc -o b.bin "$TESTSRV_URL/nr/file?size=3K&auth=user:%73ecret"
	assert_equal "$(sha256_of b.bin)" "$(gen_sha 3K)"
	run -5 --separate-stderr haul -o c.bin "$TESTSRV_URL/nr/none?size=3K&auth=user:%73ecret"
	run -0 auth_of /nr/home
	assert_output "[[\"127.0.0.1:$TESTSRV_PORT\",\"$BASIC_USER_SECRET\"]]"
	run -0 auth_of /nr/file
	assert_output "[[\"127.0.0.1:$TESTSRV_PORT\",\"$BASIC_USER_SECRET\"]]"
	run -0 auth_of /nr/none
	assert_output "[[\"127.0.0.1:$TESTSRV_PORT\",null]]"
}

@test "netrc: --netrc wins over the URL's user:pass, --netrc-optional does not; -u wins over both" {
	local base=127.0.0.1:$TESTSRV_PORT
	run -0 haul --netrc -o a.bin "http://user:wrong@$base/nr/req?auth=user:%73ecret"
	run -0 auth_of /nr/req
	assert_output "[[\"$base\",\"$BASIC_USER_SECRET\"]]"
	run -0 haul --netrc-optional -o b.bin "http://user:other@$base/nr/opt?auth=user:other"
	run -0 auth_of /nr/opt
	assert_output "[[\"$base\",\"Basic dXNlcjpvdGhlcg==\"]]"
	# --netrc-optional still logs in when the URL has no user.
	run -0 haul --netrc-optional -o c.bin "$TESTSRV_URL/nr/opt2?auth=user:%73ecret"
	run -0 haul --netrc -u user:other -o d.bin "$TESTSRV_URL/nr/u?auth=user:other"
	run -0 auth_of /nr/u
	assert_output "[[\"$base\",\"Basic dXNlcjpvdGhlcg==\"]]"
}

@test "netrc: a host's login goes to another host after a redirect only with --location-trusted" {
	local to=http://localhost:$TESTSRV_PORT/nr/redir-to
	local trust
	for trust in no yes; do
		local -a extra=()
		[ "$trust" = yes ] && extra=(--location-trusted)
		run -0 haul "${extra[@]}" --netrc --retry-delay 0.01 -o "r$trust.bin" \
			"$TESTSRV_URL/nr/redir-from-$trust?auth=user:%73ecret&loc=$to-$trust%3Fsize%3D100K%26fin%3D50K"
		assert_equal "$(sha256_of "r$trust.bin")" "$(gen_sha 100K)"
		run -0 auth_of "/nr/redir-from-$trust"
		assert_output "[[\"127.0.0.1:$TESTSRV_PORT\",\"$BASIC_USER_SECRET\"]]"
	done
	# The redirect, then the resume there (netrc has no login for localhost).
	run -0 auth_of /nr/redir-to-no
	assert_output "[[\"localhost:$TESTSRV_PORT\",null],[\"localhost:$TESTSRV_PORT\",null]]"
	run -0 auth_of /nr/redir-to-yes
	assert_output "[[\"localhost:$TESTSRV_PORT\",\"$BASIC_USER_SECRET\"],[\"localhost:$TESTSRV_PORT\",null]]"
}

@test "netrc: after a redirect, the new host gets its own netrc login, as with curl" {
	printf '%s\n' 'machine localhost login other password pw2' >>home/.netrc
	run -0 haul --netrc -o a.bin \
		"$TESTSRV_URL/nr/own-from?auth=user:%73ecret&loc=http://localhost:$TESTSRV_PORT/nr/own-to%3Fsize%3D1K%26auth%3Dother:pw2"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 1K)"
	run -0 auth_of /nr/own-to
	assert_output "[[\"localhost:$TESTSRV_PORT\",\"Basic b3RoZXI6cHcy\"]]"
}

@test "netrc: logins from netrc appear in no report, and -v shows them redacted" {
	run -0 --separate-stderr haul -v --netrc --retry-delay 0.01 --events ev.ndjson --summary sum.json \
		-o a.bin "$TESTSRV_URL/nr/quiet?size=100K&fin=50K&auth=user:%73ecret"
	assert_equal "$(sha256_of a.bin)" "$(gen_sha 100K)"
	run -0 auth_of /nr/quiet
	assert_output "[[\"127.0.0.1:$TESTSRV_PORT\",\"$BASIC_USER_SECRET\"],[\"127.0.0.1:$TESTSRV_PORT\",\"$BASIC_USER_SECRET\"]]"
	printf '%s\n' "$stderr" >err.txt
	run grep -c -e secret -e dXNlcjpzZWNyZXQ err.txt ev.ndjson sum.json
	assert_output $'err.txt:0\nev.ndjson:0\nsum.json:0'
	assert_regex "$stderr" '> Authorization: \[redacted\]'
}

@test "netrc: a --netrc-file that cannot be read, or no ~/.netrc for --netrc: exit 2; --netrc-optional does without" {
	run -2 --separate-stderr haul --netrc-file nosuch -o x.bin "$TESTSRV_URL/nr/never"
	assert_equal "$stderr" "haul: --netrc-file nosuch: No such file or directory (see haul --help)"
	run -2 --separate-stderr haul --netrc-file home -o x.bin "$TESTSRV_URL/nr/never"
	assert_equal "$stderr" "haul: --netrc-file home: is a directory (see haul --help)"
	rm home/.netrc
	run -2 --separate-stderr haul --netrc -o x.bin "$TESTSRV_URL/nr/never"
	assert_equal "$stderr" "haul: --netrc $HOME/.netrc: No such file or directory (see haul --help)"
	run -0 testsrv_count /nr/never
	assert_output 0
	run -0 --separate-stderr haul --netrc-optional -o y.bin "$TESTSRV_URL/nr/optional?size=1K"
	assert_equal "$stderr" ''
	assert_equal "$(sha256_of y.bin)" "$(gen_sha 1K)"
}
