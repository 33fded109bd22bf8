/*
 * inputline.h - one line of an --input-file, and the shard a URL falls in.
 *
 * Pure: no I/O, no allocation.  The list reader (joblist.c) and the
 * fuzzer's whole-file reader (options_read_input) share it, so a line
 * means the same wherever it is read.
 */
#ifndef HAUL_INPUTLINE_H
#define HAUL_INPUTLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One input-file line, as inputline_parse() reads it. */
struct inputline {
    char *url;          /* the first URL */
    char *mirrors;      /* the first of nmirrors other URLs of the same
                         * file; inputline_take_mirror() walks them */
    size_t nmirrors;
    char *output;       /* NULL when none */
    bool ok;            /* false: not of the form (a URL where the name goes) */
};

/*
 * Parses line `s` (NUL-terminated, changed in place) of an input file:
 * "URL [URL...] [OUTPUT]".  The words (separated by white space) at its
 * start that hold "://" are the URLs of one file, the first its URL and
 * the others its mirrors; what follows them, if anything, is the output
 * name (it may hold spaces, but not "://").  Blank lines and lines
 * starting with '#' hold no job, and a '#' after white space starts a
 * comment to the end of the line (a URL's own #fragment has none before
 * it).  On line 1 a UTF-8 byte order mark is skipped.  Returns false for a
 * line without a job; otherwise fills *out with pointers into s.
 */
bool inputline_parse(char *s, unsigned lineno, struct inputline *out);

/* Sets *mirror to the line's next mirror and returns true, or returns
 * false when none is left; each call takes one (in->mirrors and
 * in->nmirrors advance). */
bool inputline_take_mirror(struct inputline *in, char **mirror);

/* FNV-1a, 64 bits, of the URL's bytes as written. */
uint64_t inputline_hash(const char *url);

/* Whether the URL belongs to shard k of n (hash modulo n equals k). */
bool inputline_in_shard(const char *url, unsigned k, unsigned n);

#endif
