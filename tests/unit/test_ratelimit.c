/*
 * Unit tests of src/ratelimit.c: the token bucket of --limit-rate.
 */
#include "config.h"

#include "check.h"
#include "ratelimit.h"

int
main(void)
{
    struct rate_limit r;

    /* No rate: everything passes, nothing is counted. */
    rate_init(&r, 0);
    rate_start(&r, 1000);
    CHECK(rate_take(&r, 1000, 1 << 20));
    CHECK(r.tokens == 0);

    /* 1 MB/s: the burst is a tenth of a second, 100000 bytes. */
    rate_init(&r, 1000000);
    rate_start(&r, 1000);
    CHECK(r.tokens == 100000);
    CHECK(rate_take(&r, 1000, 60000));
    CHECK(rate_take(&r, 1000, 60000));    /* in debt now: -20000 */
    CHECK(r.tokens == -20000);
    CHECK(!rate_take(&r, 1000, 1));       /* empty: pause */
    CHECK(!rate_ready(&r));
    /* 30 ms later 30000 bytes were earned: the debt is paid, 10000 left. */
    rate_fill(&r, 1030);
    CHECK(r.tokens == 10000);
    CHECK(rate_ready(&r));
    CHECK(rate_take(&r, 1030, 16384));
    /* Never more than the burst, however long it was idle. */
    rate_fill(&r, 100000);
    CHECK(r.tokens == 100000);
    /* The clock does not go back. */
    rate_fill(&r, 50000);
    CHECK(r.tokens == 100000 && r.at_ms == 50000);

    /* A slow rate still allows a 16 KiB chunk at once. */
    rate_init(&r, 1000);
    rate_start(&r, 0);
    CHECK(r.tokens == 16384);

    /* A lower rate (shared by more transfers) cuts the tokens held. */
    rate_init(&r, 10000000);
    rate_start(&r, 0);
    CHECK(r.tokens == 1000000);
    rate_set(&r, 500000);
    CHECK(r.tokens == 50000);
    /* --limit-rate-total alone: the rate comes after the start, and the
     * bucket fills from then on. */
    rate_init(&r, 0);
    rate_start(&r, 2000);
    rate_set(&r, 100000);
    CHECK(r.tokens == 0);
    CHECK(!rate_take(&r, 2000, 1));
    CHECK(rate_take(&r, 2100, 1));
    return check_done("test_ratelimit");
}
