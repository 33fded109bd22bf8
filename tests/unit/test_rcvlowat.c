/* Unit tests of src/rcvlowat.c: when a socket gathers a batch before it
 * wakes haul. */
#include "config.h"

#include "check.h"
#include "rcvlowat.h"

#define MS 1000000ULL  /* nanoseconds */

int
main(void)
{
    const uint64_t fast_per_ms = RCVLOWAT_FAST / 1000;   /* 67,108 bytes */

    /* A long body arriving at the threshold or faster: a batch. */
    CHECK_U64(rcvlowat_choose(1 << 30, fast_per_ms + 1, 1 * MS, 1), RCVLOWAT_BATCH);
    CHECK_U64(rcvlowat_choose(1 << 30, 2 * fast_per_ms, 2 * MS - 1000, 1), RCVLOWAT_BATCH);
    CHECK_U64(rcvlowat_choose(1 << 30, 65536, 1000, 1), RCVLOWAT_BATCH);
    /* Two events within a microsecond: no division, a batch. */
    CHECK_U64(rcvlowat_choose(1 << 30, 1, 999, 1), RCVLOWAT_BATCH);
    /* Just slower than the threshold, or slow: every byte. */
    CHECK_U64(rcvlowat_choose(1 << 30, fast_per_ms - 1, 1 * MS, 1), 1);
    CHECK_U64(rcvlowat_choose(1 << 30, 1024, 1000 * MS, 1), 1);
    CHECK_U64(rcvlowat_choose(1 << 30, 65536, 10 * MS, 1), 1);
    /* No sample (bytes 0) keeps the mark, whatever the time. */
    CHECK_U64(rcvlowat_choose(1 << 30, 0, 1 * MS, 1), 1);
    CHECK_U64(rcvlowat_choose(1 << 30, 0, 1 * MS, RCVLOWAT_BATCH), RCVLOWAT_BATCH);
    CHECK_U64(rcvlowat_choose(1 << 30, 0, 1000 * MS, RCVLOWAT_BATCH), RCVLOWAT_BATCH);
    /* A slow event drops a batch; the tail drops it whatever the rest. */
    CHECK_U64(rcvlowat_choose(1 << 30, 1024, 1000 * MS, RCVLOWAT_BATCH), 1);
    CHECK_U64(rcvlowat_choose(RCVLOWAT_TAIL - 1, 0, 1000, RCVLOWAT_BATCH), 1);
    CHECK_U64(rcvlowat_choose(RCVLOWAT_TAIL - 1, 1 << 20, 1000, RCVLOWAT_BATCH), 1);
    CHECK_U64(rcvlowat_choose(-1, 0, 1000, RCVLOWAT_BATCH), 1);
    /* The tail: fewer than RCVLOWAT_TAIL bytes to come, however fast. */
    CHECK_U64(rcvlowat_choose(RCVLOWAT_TAIL, 1 << 20, 1000, 1), RCVLOWAT_BATCH);
    CHECK_U64(rcvlowat_choose(RCVLOWAT_TAIL - 1, 1 << 20, 1000, 1), 1);
    CHECK_U64(rcvlowat_choose(0, 1 << 20, 1000, 1), 1);
    /* An unknown length (chunked, close-delimited): every byte. */
    CHECK_U64(rcvlowat_choose(-1, 1 << 20, 1000, 1), 1);
    CHECK_U64(rcvlowat_choose(INT64_MIN, 1 << 20, 1000, 1), 1);
    /* The tail rule holds a batch plus a TLS record's read-ahead. */
    CHECK(RCVLOWAT_TAIL >= RCVLOWAT_BATCH + 17 * 1024);
    /* No overflow at the edges: huge counts, an interval of a day and more. */
    CHECK_U64(rcvlowat_choose(INT64_MAX, UINT64_MAX, 1, 1), RCVLOWAT_BATCH);
    /* 2^40 bytes in a day is 12.7 MB/s, 2^43 is 102 MB/s. */
    CHECK_U64(rcvlowat_choose(INT64_MAX, UINT64_C(1) << 40, 86400000ULL * MS, 1), 1);
    CHECK_U64(rcvlowat_choose(INT64_MAX, UINT64_C(1) << 43, 86400000ULL * MS, 1), RCVLOWAT_BATCH);
    CHECK_U64(rcvlowat_choose(INT64_MAX, (UINT64_C(1) << 44) - 1, 86400000ULL * MS, 1), RCVLOWAT_BATCH);
    CHECK_U64(rcvlowat_choose(INT64_MAX, UINT64_C(1) << 44, 86400000ULL * MS, 1), RCVLOWAT_BATCH);
    /* Longer than a day: every byte, whatever the count. */
    CHECK_U64(rcvlowat_choose(INT64_MAX, UINT64_C(1) << 43, 86400001ULL * MS, 1), 1);
    CHECK_U64(rcvlowat_choose(INT64_MAX, UINT64_C(1) << 43, UINT64_MAX, 1), 1);
    /* A sample: a millisecond, or a batch's bytes, whichever first. */
    CHECK(!rcvlowat_is_sample(0, 0));
    CHECK(!rcvlowat_is_sample(RCVLOWAT_BATCH - 1, RCVLOWAT_SAMPLE_NS - 1));
    CHECK(rcvlowat_is_sample(RCVLOWAT_BATCH, 0));
    CHECK(rcvlowat_is_sample(0, RCVLOWAT_SAMPLE_NS));
    CHECK(rcvlowat_is_sample(UINT64_MAX, UINT64_MAX));
    return check_done("test_rcvlowat");
}
