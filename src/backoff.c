/*
 * backoff.c - retry delays; see backoff.h.
 *
 * Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * many clients that lost the same server at once do not come back at the
 * same moment.
 */
#include "config.h"

#include "backoff.h"

uint64_t
backoff_delay_ms(const struct backoff_policy *p, uint32_t failures,
                 int64_t retry_after_ms, double random01)
{
    uint64_t cap = p->max_ms;

    if (p->fixed && p->base_ms > cap)
        cap = p->base_ms;
    if (retry_after_ms >= 0)
        return (uint64_t)retry_after_ms < cap ? (uint64_t)retry_after_ms : cap;
    if (p->fixed)
        return p->base_ms;
    uint64_t ceiling = p->base_ms;
    for (uint32_t i = 0; i < failures && ceiling < cap; i++)
        ceiling *= 2;
    if (ceiling > cap)
        ceiling = cap;
    if (random01 < 0)
        random01 = 0;
    if (random01 >= 1)
        random01 = 0.999999;
    return (uint64_t)((double)ceiling * random01);
}
