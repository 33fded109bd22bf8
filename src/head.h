/*
 * head.h - one response's header block, read line by line.
 *
 * libcurl hands haul's header callback one line at a time: the status line,
 * then "Name: value" lines, then a blank line, and again for every 1xx and
 * redirect on the way.  head_line() is that callback's parsing, kept pure
 * (no transfer, no clock, no I/O) so that the fuzzer in tests/fuzz/ runs
 * exactly the code haul runs on what a server sends.
 */
#ifndef HAUL_HEAD_H
#define HAUL_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "response.h"

/* What haul keeps of the response being read. */
struct head {
    struct response_got got;       /* status and the headers response_decide() reads */
    bool has_location;             /* a Location header */
    bool chunked;                  /* Transfer-Encoding: chunked */
    bool encoded;                  /* a Content-Encoding other than identity */
    bool accept_ranges;            /* Accept-Ranges: bytes */
    int64_t retry_after_ms;        /* Retry-After, -1: none */
    time_t date;                   /* Date, -1: none */
    char content_type[128];        /* truncated if longer */
    char disposition[512];         /* Content-Disposition, "" if none or longer */
};

enum head_event {
    HEAD_STATUS,   /* a status line: *h was reset for a new response */
    HEAD_FIELD,    /* any other line: a field haul keeps was stored, or ignored */
    HEAD_END,      /* the blank line that ends the block */
};

/* Empties *h for a response with this status (0: none read yet). */
void head_reset(struct head *h, int status);

/*
 * Reads one header line line[0..len) (no NUL needed; its CRLF may be
 * there or not).  `now` is the clock for a Retry-After date.
 */
enum head_event head_line(struct head *h, const char *line, size_t len, time_t now);

/*
 * At HEAD_END: whether this block is the final response's (not a 1xx, not
 * a redirect libcurl follows).  When it is, fixes what Content-Encoding
 * makes meaningless: Content-Length counts encoded bytes, haul decoded ones.
 */
bool head_final(struct head *h);

#endif
