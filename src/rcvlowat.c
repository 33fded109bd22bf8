/*
 * rcvlowat.c - the socket low-water mark of a download; see rcvlowat.h.
 */
#include "config.h"

#include "rcvlowat.h"

bool
rcvlowat_is_sample(uint64_t bytes, uint64_t ns)
{
    return bytes >= RCVLOWAT_BATCH || ns >= RCVLOWAT_SAMPLE_NS;
}

int
rcvlowat_choose(int64_t remaining, uint64_t bytes, uint64_t ns, int current)
{
    if (remaining < RCVLOWAT_TAIL)
        return 1;
    if (bytes == 0)
        return current > 1 ? RCVLOWAT_BATCH : 1;
    /* bytes / s >= RCVLOWAT_FAST, in microseconds so that neither side
     * overflows: bytes below 2^44, and an interval of a day at most. */
    uint64_t us = ns / 1000;
    if (us > UINT64_C(86400000000))
        return 1;
    if (bytes >= UINT64_C(1) << 44)
        return RCVLOWAT_BATCH;
    return bytes * UINT64_C(1000000) >= RCVLOWAT_FAST * us ? RCVLOWAT_BATCH : 1;
}
