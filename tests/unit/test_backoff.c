/* Unit tests of src/backoff.c: retry delays. */
#include "config.h"

#include "backoff.h"
#include "check.h"

int
main(void)
{
    struct backoff_policy p = { .base_ms = 1000, .max_ms = 30000, .fixed = false };

    /* Full jitter: uniform in [0, min(max, base * 2^n)]. */
    CHECK_U64(backoff_delay_ms(&p, 0, -1, 0.0), 0);
    CHECK_U64(backoff_delay_ms(&p, 0, -1, 0.5), 500);
    CHECK_U64(backoff_delay_ms(&p, 1, -1, 0.5), 1000);
    CHECK_U64(backoff_delay_ms(&p, 3, -1, 0.5), 4000);
    CHECK_U64(backoff_delay_ms(&p, 4, -1, 0.999999), 15999);
    CHECK_U64(backoff_delay_ms(&p, 10, -1, 0.5), 15000);     /* capped at 30 s */
    CHECK_U64(backoff_delay_ms(&p, 200, -1, 0.5), 15000);    /* no overflow */
    /* Retry-After wins, capped by the maximum. */
    CHECK_U64(backoff_delay_ms(&p, 5, 2000, 0.9), 2000);
    CHECK_U64(backoff_delay_ms(&p, 0, 120000, 0.9), 30000);
    CHECK_U64(backoff_delay_ms(&p, 0, 0, 0.9), 0);
    /* --retry-delay alone: a fixed delay, as in curl. */
    struct backoff_policy f = { .base_ms = 2500, .max_ms = 30000, .fixed = true };
    CHECK_U64(backoff_delay_ms(&f, 0, -1, 0.1), 2500);
    CHECK_U64(backoff_delay_ms(&f, 9, -1, 0.9), 2500);
    struct backoff_policy big = { .base_ms = 60000, .max_ms = 30000, .fixed = true };
    CHECK_U64(backoff_delay_ms(&big, 3, -1, 0.9), 60000);
    CHECK_U64(backoff_delay_ms(&big, 3, 45000, 0.9), 45000);
    /* A zero base gives immediate retries. */
    struct backoff_policy zero = { .base_ms = 0, .max_ms = 30000, .fixed = false };
    CHECK_U64(backoff_delay_ms(&zero, 7, -1, 0.9), 0);
    return check_done("test_backoff");
}
