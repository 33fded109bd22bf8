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
#include <stdint.h>

/*
 * Parses line `s` (NUL-terminated, changed in place) of an input file:
 * "URL [OUTPUT]"; blank lines and lines starting with '#' hold no job, and
 * a '#' after white space starts a comment to the end of the line (a
 * URL's own #fragment has none before it).  On line 1 a UTF-8 byte order
 * mark is skipped.  Returns false for a line without a job; otherwise
 * *url and *output (NULL when none) point into s, and *ok is false for a
 * line that is not of that form (a second URL where the name goes).
 */
bool inputline_parse(char *s, unsigned lineno, char **url, char **output, bool *ok);

/* FNV-1a, 64 bits, of the URL's bytes as written. */
uint64_t inputline_hash(const char *url);

/* Whether the URL belongs to shard k of n (hash modulo n equals k). */
bool inputline_in_shard(const char *url, unsigned k, unsigned n);

#endif
