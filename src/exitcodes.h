/*
 * exitcodes.h - haul's exit statuses, one table.
 *
 * Scripts depend on these numbers: new codes are appended, existing ones are
 * never renumbered.  The man page's EXIT STATUS section and `haul --help
 * exit-codes` are kept equal to this table by tests/docs.bats.
 *
 * With several transfers, the exit status is that of the first transfer (in
 * command-line / input-file order) that failed; per-transfer codes are in
 * --summary and --events.
 */
#ifndef HAUL_EXITCODES_H
#define HAUL_EXITCODES_H

#include <stdbool.h>
#include <stdio.h>

/* X(name, number, text for messages and the man page) */
#define HAUL_EXIT_CODES(X)                                                     \
    X(OK,          0,   "success")                                             \
    X(INTERNAL,    1,   "internal error or out of memory")                     \
    X(USAGE,       2,   "usage error: unknown option, bad option value or missing URL") \
    X(URL,         3,   "bad URL or unsupported scheme (only http and https)") \
    X(WRITE,       4,   "cannot write the output (open, write, rename failed)") \
    X(HTTP,        5,   "the server answered with an HTTP error (4xx or 5xx)") \
    X(RESOLVE,     6,   "could not resolve the host or proxy name")            \
    X(CONNECT,     7,   "could not connect to the server or proxy")            \
    X(TLS,         8,   "TLS handshake or certificate verification failed")    \
    X(TIMEOUT,     9,   "timed out or stalled, and retries ran out")           \
    X(PROTOCOL,    10,  "the server broke the protocol (bad response, false Content-Range)") \
    X(PARTIAL,     11,  "the connection kept dropping before the end, and retries ran out") \
    X(CHANGED,     12,  "the resource changed and the output could not start over") \
    X(DISKFULL,    13,  "disk full, quota exceeded or file too large") \
    X(CHECKSUM,    14,  "the downloaded data does not match --checksum")       \
    X(REDIRECTS,   15,  "too many redirects (--max-redirs)")                   \
    X(TRANSIENT,   16,  "with --shard: transient failures remain, a re-run may finish them") \
    X(INTERRUPTED, 130, "interrupted by SIGINT (Ctrl-C)")  \
    X(PIPE,        141, "the reader of the output pipe went away (as SIGPIPE)") \
    X(TERMINATED,  143, "terminated by SIGTERM")

enum haul_exit {
#define X(name, num, text) HAUL_EXIT_##name = (num),
    HAUL_EXIT_CODES(X)
#undef X
};

/* Text of an exit code ("success", ...); "unknown exit code" for others. */
const char *haul_exit_text(int code);
/* Symbolic name of an exit code ("OK", "HTTP", ...) for JSON output. */
const char *haul_exit_name(int code);
/*
 * The exit code for an output that failed with errno `err`: PIPE for EPIPE
 * (the reader went away), DISKFULL for ENOSPC, EDQUOT and EFBIG, else
 * WRITE.  The one place this mapping is written.
 */
int haul_exit_for_errno(int err);
/*
 * Whether a transfer that failed with `code` (and, for HTTP, the last
 * status) may succeed when run again: a timeout or stall, a drop, a
 * refused or unreachable server, a name that did not resolve, a resource
 * that kept changing, HTTP 408, 429 and 5xx.  Not: a bad URL or input
 * line, other 4xx, TLS, protocol, checksum and redirect failures, and
 * haul's own write errors.  --shard's exit status 16 rests on it.
 */
bool haul_exit_transient(int code, int http_status);
/* Prints the table as the `haul --help exit-codes` topic. */
void haul_exit_print_table(FILE *out);

#endif
