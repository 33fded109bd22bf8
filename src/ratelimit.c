/*
 * ratelimit.c - the token bucket of --limit-rate; see ratelimit.h.
 */
#include "config.h"

#include "ratelimit.h"

/* A tenth of a second's worth, at least 16 KiB (one libcurl chunk). */
static double
burst(const struct rate_limit *r)
{
    double b = (double)r->rate / 10;
    return b < 16384 ? 16384 : b;
}

void
rate_init(struct rate_limit *r, uint64_t rate)
{
    r->rate = rate;
    r->tokens = 0;
    r->at_ms = 0;
}

void
rate_start(struct rate_limit *r, uint64_t now_ms)
{
    r->at_ms = now_ms;
    r->tokens = r->rate > 0 ? burst(r) : 0;
}

void
rate_set(struct rate_limit *r, uint64_t rate)
{
    r->rate = rate;
    if (r->tokens > burst(r))
        r->tokens = burst(r);
}

void
rate_fill(struct rate_limit *r, uint64_t now_ms)
{
    if (now_ms > r->at_ms) {
        r->tokens += (double)r->rate * (double)(now_ms - r->at_ms) / 1000.0;
        if (r->tokens > burst(r))
            r->tokens = burst(r);
    }
    r->at_ms = now_ms;
}

bool
rate_take(struct rate_limit *r, uint64_t now_ms, size_t len)
{
    if (r->rate == 0)
        return true;
    rate_fill(r, now_ms);
    if (r->tokens <= 0)
        return false;
    r->tokens -= (double)len;
    return true;
}

bool
rate_ready(const struct rate_limit *r)
{
    return r->tokens > 0;
}
