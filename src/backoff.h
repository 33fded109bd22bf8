/*
 * backoff.h - how long to wait before the next attempt.  Pure; unit-tested.
 */
#ifndef HAUL_BACKOFF_H
#define HAUL_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

struct backoff_policy {
    uint64_t base_ms;      /* --retry-delay */
    uint64_t max_ms;       /* --retry-max-delay */
    bool fixed;            /* --retry-delay given alone: always base_ms */
};

/*
 * Delay before retry number `failures` (0 after an attempt that made
 * progress, then 1, 2, ... for consecutive failures without progress).
 * Exponential with full jitter: uniform in [0, min(max, base * 2^failures)],
 * using `random01` in [0, 1).  A server's Retry-After (`retry_after_ms` >= 0)
 * is obeyed instead, capped at max_ms.
 */
uint64_t backoff_delay_ms(const struct backoff_policy *p, uint32_t failures,
                          int64_t retry_after_ms, double random01);

#endif
