#!/bin/sh
# scripts/include-graph.sh - the files of src/ include each other without a
# cycle (src/README.md, "The include tree").
#
# Usage: scripts/include-graph.sh [-l] [DIR]
#   DIR  the sources (default: src/ next to this script's directory)
#   -l   also print the edges "A B" (module A includes module B), sorted
#
# A module is a file name without .c or .h; a file X_Y.c or X_Y.h belongs
# to module X when X.c or X.h exists (transfer_int.h and transfer_body.c
# are the transfer's).  Module A depends on module B when a file of A
# includes a file of B with #include "...".  Exit status: 0 when the
# dependencies form no cycle, 1 (naming the modules of a cycle) when they
# do, 2 on a usage error.  Run by `make lint` and tests/includes.bats.
set -eu

list=0
if [ "${1:-}" = "-l" ]; then
	list=1
	shift
fi
if [ $# -gt 1 ]; then
	echo "usage: include-graph.sh [-l] [DIR]" >&2
	exit 2
fi
dir=${1:-$(dirname "$0")/../src}
if [ ! -d "$dir" ]; then
	echo "include-graph.sh: no directory $dir" >&2
	exit 2
fi

edges=$(
	cd "$dir"
	for f in *.c *.h; do
		[ -f "$f" ] && printf '%s\n' "$f"
	done | awk '
		# The module of a file name.
		function module(f,   base, head) {
			base = f
			sub(/\.[ch]$/, "", base)
			head = base
			if (index(base, "_") > 0) {
				head = substr(base, 1, index(base, "_") - 1)
				if (!((head ".c") in files) && !((head ".h") in files))
					head = base
			}
			return head
		}
		{ files[$0] = 1; order[n++] = $0 }
		END {
			for (i = 0; i < n; i++) {
				f = order[i]
				from = module(f)
				while ((getline line < f) > 0) {
					if (line !~ /^[ \t]*#[ \t]*include[ \t]*"/)
						continue
					sub(/^[^"]*"/, "", line)
					sub(/".*$/, "", line)
					if (!(line in files))
						continue    # config.h and other generated files
					to = module(line)
					if (to != from)
						print from, to
				}
				close(f)
				print from, from    # every module, even one with no edge
			}
		}' | sort -u
)

if [ "$list" = 1 ]; then
	printf '%s\n' "$edges" | awk '$1 != $2'
fi
if ! err=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null); then
	echo "include-graph.sh: the files of $dir include each other in a cycle:" >&2
	printf '%s\n' "$err" | sed -n 's/^tsort: //p' | grep -v 'input contains a loop' | sed 's/^/  /' >&2
	exit 1
fi
exit 0
