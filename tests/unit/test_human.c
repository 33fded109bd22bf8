/*
 * Unit tests of src/human.c: the one formatter of sizes for people.
 */
#include "config.h"

#include <stdint.h>

#include "check.h"
#include "human.h"

int
main(void)
{
    char b[32];

    CHECK_STR(human_size(0, b, sizeof b), "0 B");
    CHECK_STR(human_size(1023, b, sizeof b), "1023 B");
    CHECK_STR(human_size(1024, b, sizeof b), "1.0 KiB");
    CHECK_STR(human_size(300 * 1024, b, sizeof b), "300.0 KiB");
    CHECK_STR(human_size(1536 * 1024, b, sizeof b), "1.5 MiB");
    CHECK_STR(human_size((double)(UINT64_C(3) << 30), b, sizeof b), "3.0 GiB");
    CHECK_STR(human_size((double)(UINT64_C(5) << 40), b, sizeof b), "5.0 TiB");
    /* TiB is the largest unit. */
    CHECK_STR(human_size((double)(UINT64_C(2048) << 40), b, sizeof b), "2048.0 TiB");
    /* Rates: under 1 KiB rounded to whole bytes. */
    CHECK_STR(human_size(1000.4, b, sizeof b), "1000 B");
    CHECK_STR(human_size(1023.6, b, sizeof b), "1024 B");
    /* Memory figures may be negative. */
    CHECK_STR(human_size(-5, b, sizeof b), "-5 B");
    CHECK_STR(human_size(-2048, b, sizeof b), "-2.0 KiB");
    /* The short form, for table columns. */
    CHECK_STR(human_size_short(123, b, sizeof b), "123");
    CHECK_STR(human_size_short(1229, b, sizeof b), "1.2K");
    CHECK_STR(human_size_short(45.6 * 1024 * 1024, b, sizeof b), "45.6M");
    CHECK_STR(human_size_short(-3.0 * 1024 * 1024 * 1024, b, sizeof b), "-3.0G");
    CHECK_STR(human_size_short((double)(UINT64_C(7) << 40), b, sizeof b), "7.0T");
    /* A short buffer is cut, never overrun. */
    char s[4];
    human_size(1536 * 1024, s, sizeof s);
    CHECK_STR(s, "1.5");
    return check_done("test_human");
}
