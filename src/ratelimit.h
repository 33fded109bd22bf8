/*
 * ratelimit.h - --limit-rate pacing: a token bucket, shared by the
 * connections of one transfer.  Pure (the caller passes the clock);
 * unit-tested in tests/unit/test_ratelimit.c.
 *
 * The bucket fills at the rate, up to a tenth of a second's worth (16 KiB
 * at least).  A connection that finds it empty pauses (the write callback
 * returns CURL_WRITEFUNC_PAUSE, so libcurl stops reading its socket) until
 * the transfer's tick finds tokens again.  libcurl's own
 * CURLOPT_MAX_RECV_SPEED_LARGE averages over the whole transfer and lets
 * short bodies through at full speed.
 */
#ifndef HAUL_RATELIMIT_H
#define HAUL_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rate_limit {
    uint64_t rate;       /* bytes/s; 0: no limit */
    double tokens;       /* bytes that may come now; below 0 after a big read */
    uint64_t at_ms;      /* when it was last filled (loop time) */
};

/* No limit yet: the rate is set by rate_start() or rate_set(). */
void rate_init(struct rate_limit *r, uint64_t rate);
/* The transfer starts at now_ms: a full bucket when there is a rate. */
void rate_start(struct rate_limit *r, uint64_t now_ms);
/* A new rate (--limit-rate-total shared out); tokens beyond its burst go. */
void rate_set(struct rate_limit *r, uint64_t rate);
/* Adds what the time since the last fill earned. */
void rate_fill(struct rate_limit *r, uint64_t now_ms);
/*
 * `len` bytes arrived at now_ms.  False when the bucket is empty: pause.
 * Otherwise true, and they are paid for (the tokens may go below 0: that
 * debt is paid back before the next read is allowed).
 */
bool rate_take(struct rate_limit *r, uint64_t now_ms, size_t len);
/* Whether a paused connection may go on. */
bool rate_ready(const struct rate_limit *r);
/* Whether there is a limit at all; without one (the usual case) a caller
 * need not read the clock for rate_take(). */
static inline bool
rate_limited(const struct rate_limit *r)
{
    return r->rate > 0;
}

#endif
