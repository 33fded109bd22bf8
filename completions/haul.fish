# fish completion for haul(1)
#
# Written by hand from src/options.def; tests/docs.bats fails when an option
# of that table is missing here.  Arguments: -r takes a value, -F completes
# file names, -f turns them off (N, SECS, SIZE, headers and URLs).

complete -c haul -f

# Output
complete -c haul -s o -l output -r -F -d "Write the next URL's body to FILE (- = stdout)"
complete -c haul -s O -l remote-name -d 'Name files after the last part of each URL path'
complete -c haul -l output-dir -x -a '(__fish_complete_directories (commandline -ct))' -d 'Put output files in DIR'
complete -c haul -s c -l continue -d 'Continue a partial download of the output file'
complete -c haul -s i -l input-file -r -F -d 'Read URLs [and output names] from FILE (- = stdin)'
complete -c haul -s P -l parallel -x -d 'Download up to N URLs at once (default 8)'
complete -c haul -l parallel-host -x -d 'At most N transfers at once per host (default 6)'
complete -c haul -s x -l segments -x -d 'Fetch one file over N connections (default 1)'
complete -c haul -l buffer-size -x -d 'Output held in memory per transfer (default 1M)'
# --stream takes its MODE only as --stream=MODE.
complete -c haul -l stream -d 'Live stream: reconnect, one continuous output'
complete -c haul -f -n 'string match -q -- "--stream=*" (commandline -ct)' -a '(string replace -r -- "=.*" "" (commandline -ct))=(printf "%s\n" auto lines events raw)' -d 'Stream mode'
complete -c haul -l checksum -x -a 'sha256: sha512:' -d 'Verify the body: sha256:HEX or sha512:HEX'
complete -c haul -l sha256 -d 'Print the SHA-256 of each body written'

# Request
complete -c haul -s H -l header -x -d 'Add a request header "Name: value" (repeatable)'
complete -c haul -s A -l user-agent -x -d 'User-Agent header (default haul/VERSION)'
complete -c haul -s u -l user -x -d 'HTTP Basic authentication (USER:PASS)'
complete -c haul -s e -l referer -x -d 'Referer header'
complete -c haul -l compressed -d 'Ask for a compressed response and decompress it'
complete -c haul -s L -l location -d 'Follow redirects (the default; accepted as in curl)'
complete -c haul -l max-redirs -x -d 'Follow at most N redirects (default 10, 0 = none)'
complete -c haul -l location-trusted -d 'Send credentials to other hosts after redirects'
complete -c haul -s k -l insecure -d "Do not verify the server's TLS certificate"
complete -c haul -l cacert -r -F -d 'Trust the CA certificates in FILE (PEM)'
complete -c haul -l proxy -x -d 'Use this proxy (default: from the environment)'
complete -c haul -l http1.1 -d 'Use HTTP/1.1 only, never HTTP/2'
complete -c haul -l connect-timeout -x -d 'Give up connecting after SECS (default 30)'
complete -c haul -s m -l max-time -x -d 'Give up a transfer, retries included, after SECS'
complete -c haul -l limit-rate -x -d 'At most SIZE bytes per second per transfer'
complete -c haul -l limit-rate-total -x -d 'At most SIZE bytes per second in all'

# Retry and resume
complete -c haul -l retry -x -a inf -d 'Retry N times without progress (default 10, inf, 0)'
complete -c haul -l retry-delay -x -d 'First retry delay (default 1); alone: fixed delay'
complete -c haul -l retry-max-delay -x -d 'Longest delay between retries (default 30)'
complete -c haul -l stall-timeout -x -d 'Retry when no byte came for SECS (default 30)'
complete -c haul -l retry-connrefused -d 'Retry a refused connection before any answer too'

# Reports and messages
complete -c haul -s q -l quiet -d 'Print errors only'
complete -c haul -s v -l verbose -d 'Print request and response headers and retries'
complete -c haul -l progress -x -a 'bar dots none' -d 'Progress display (default: bar on a terminal)'
complete -c haul -l events -r -F -d 'Write JSON events to FILE (- = stderr, or an fd number)'
complete -c haul -l summary -r -F -d 'Write a JSON summary to FILE at exit (- = stdout)'
# --memstats takes its FILE only as --memstats=FILE.
complete -c haul -l memstats -d 'Report memory use at exit (stderr, or JSON to FILE)'
complete -c haul -f -n 'string match -q -- "--memstats=*" (commandline -ct)' -a '(string replace -r -- "=.*" "" (commandline -ct))=(__fish_complete_path (string replace -r -- "^[^=]*=" "" (commandline -ct)))' -d 'Memstats JSON file'
complete -c haul -l memstats-interval -x -d 'Add a memory sample every SECS'
complete -c haul -s h -l help -d 'Show the help; --help exit-codes shows exit status'
complete -c haul -f -n '__fish_seen_argument -s h -l help' -a exit-codes -d 'Exit status table'
complete -c haul -s V -l version -d 'Show versions of haul and its libraries'
