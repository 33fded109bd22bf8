/*
 * Edge cases of src/parse.c that test_parse.c leaves out: the largest
 * values each parser takes and the first it refuses, and the reason given.
 */
#include "config.h"

#include "check.h"
#include "parse.h"

static const char *
size_why(const char *s)
{
    uint64_t v;
    const char *why = NULL;
    return parse_size(s, &v, &why) ? "ok" : why;
}

static const char *
dur_why(const char *s)
{
    uint64_t v;
    const char *why = NULL;
    return parse_duration_ms(s, &v, &why) ? "ok" : why;
}

int
main(void)
{
    uint64_t v;
    const char *why;
    unsigned char d[64];
    size_t len;
    int algo;

    /* Sizes: units, fractions, and the edge of 2^64. */
    CHECK(parse_size("1.5K", &v, &why) && v == 1536);
    CHECK(parse_size("0.5KiB", &v, &why) && v == 512);
    CHECK(parse_size("1kib", &v, &why) && v == 1024);
    CHECK(parse_size("1Kb", &v, &why) && v == 1024);
    CHECK(parse_size("2g", &v, &why) && v == UINT64_C(2147483648));
    CHECK(parse_size("3t", &v, &why) && v == UINT64_C(3298534883328));
    CHECK(parse_size("1.", &v, &why) && v == 1);
    CHECK(parse_size(".5M", &v, &why) && v == 524288);
    CHECK(parse_size("0.000000001T", &v, &why) && v == 1099);
    CHECK_STR(size_why("1.5"), "a byte count must be whole");
    CHECK_STR(size_why("1.5B"), "a byte count must be whole");
    CHECK(parse_size("1.0", &v, &why) && v == 1);
    CHECK_STR(size_why("1iB"), "unknown unit (use K, M, G or T)");
    CHECK_STR(size_why("1KiBx"), "unknown unit (use K, M, G or T)");
    CHECK_STR(size_why("1Ki"), "unknown unit (use K, M, G or T)");
    CHECK_STR(size_why("."), "not a number");
    CHECK_STR(size_why(""), "empty");
    CHECK_STR(size_why(NULL), "empty");
    CHECK_STR(size_why("-0"), "negative");
    /* 2^34 G is 2^64: one too many; 2^34 - 1 G fits, with a fraction too. */
    CHECK_STR(size_why("17179869184G"), "too large");
    CHECK(parse_size("17179869183G", &v, &why) && v == UINT64_C(17179869183) << 30);
    CHECK(parse_size("17179869183.5G", &v, &why) &&
          v == (UINT64_C(17179869183) << 30) + (UINT64_C(1) << 29));
    CHECK(parse_size("16777215.99999999T", &v, &why));
    CHECK_STR(size_why("16777216T"), "too large");
    CHECK(parse_size("1844674407370955160", &v, &why) && v == UINT64_C(1844674407370955160));
    CHECK_STR(size_why("18446744073709551610"), "too large");

    /* Durations: units, and the edge of a year (366 days). */
    CHECK(parse_duration_ms("1.5ms", &v, &why) && v == 1);
    CHECK(parse_duration_ms("2s", &v, &why) && v == 2000);
    CHECK(parse_duration_ms("1min", &v, &why) && v == 60000);
    CHECK(parse_duration_ms("0.5m", &v, &why) && v == 30000);
    CHECK(parse_duration_ms("0.001s", &v, &why) && v == 1);
    CHECK(parse_duration_ms("0.0009s", &v, &why) && v == 0);
    CHECK(parse_duration_ms("8784h", &v, &why) && v == (uint64_t)DURATION_MAX_S * 1000);
    CHECK_STR(dur_why("8784.5h"), "too large (at most a year)");
    CHECK_STR(dur_why("8785h"), "too large (at most a year)");
    CHECK(parse_duration_ms("527040m", &v, &why) && v == (uint64_t)DURATION_MAX_S * 1000);
    CHECK_STR(dur_why("527041m"), "too large (at most a year)");
    CHECK(parse_duration_ms("31622400", &v, &why) && v == (uint64_t)DURATION_MAX_S * 1000);
    CHECK_STR(dur_why("31622400.001"), "too large (at most a year)");
    CHECK_STR(dur_why("31622401"), "too large (at most a year)");
    CHECK(parse_duration_ms("31622400000ms", &v, &why) && v == (uint64_t)DURATION_MAX_S * 1000);
    CHECK_STR(dur_why("31622400001ms"), "too large (at most a year)");
    CHECK_STR(dur_why("1 s"), "unknown unit (use ms, s, m or h)");
    CHECK_STR(dur_why("1sec"), "unknown unit (use ms, s, m or h)");
    CHECK_STR(dur_why("-1"), "negative");
    CHECK_STR(dur_why(NULL), "empty");
    CHECK_STR(dur_why("s"), "not a number");

    /* Whole numbers: both ends of [min, max] are in. */
    CHECK(parse_uint("1", 1, 10, &v, &why) && v == 1);
    CHECK(parse_uint("10", 1, 10, &v, &why) && v == 10);
    CHECK(!parse_uint("0", 1, 10, &v, &why) && strcmp(why, "too small") == 0);
    CHECK(!parse_uint("11", 1, 10, &v, &why) && strcmp(why, "too large") == 0);
    CHECK(!parse_uint(NULL, 0, 10, &v, &why) && strcmp(why, "empty") == 0);
    CHECK(!parse_uint("1x", 0, 10, &v, &why) && strcmp(why, "not a whole number") == 0);
    CHECK(!parse_uint("-1", 0, 10, &v, &why) && strcmp(why, "negative") == 0);
    CHECK(parse_uint("1844674407370955160", 0, UINT64_MAX, &v, &why) &&
          v == UINT64_C(1844674407370955160));
    CHECK(!parse_uint("18446744073709551610", 0, UINT64_MAX, &v, &why) &&
          strcmp(why, "too large") == 0);

    /* Checksums: lengths, digits, and the message for each. */
    CHECK(!parse_checksum("sha512:00", &algo, d, &len, &why) &&
          strcmp(why, "a sha512 digest has 128 hex digits") == 0);
    CHECK(!parse_checksum("sha256:00", &algo, d, &len, &why) &&
          strcmp(why, "a sha256 digest has 64 hex digits") == 0);
    CHECK(!parse_checksum("sha1:00", &algo, d, &len, &why) &&
          strcmp(why, "expected sha256:HEX or sha512:HEX") == 0);
    CHECK(parse_checksum("sha256:0123456789abcdefABCDEF0000000000000000000000000000000000000000ff",
                         &algo, d, &len, &why) &&
          d[0] == 0x01 && d[1] == 0x23 && d[4] == 0x89 && d[5] == 0xab && d[7] == 0xef &&
          d[8] == 0xab && d[10] == 0xef && d[31] == 0xff);
    CHECK(!parse_checksum("sha256:0123456789abcdef:BCDEF0000000000000000000000000000000000000000ff",
                          &algo, d, &len, &why) && strcmp(why, "not a hex digit") == 0);
    CHECK(!parse_checksum("sha256:0123456789abcdef/BCDEF0000000000000000000000000000000000000000ff",
                          &algo, d, &len, &why));
    CHECK(!parse_checksum("sha256:0123456789abcdef@BCDEF0000000000000000000000000000000000000000ff",
                          &algo, d, &len, &why));
    CHECK(!parse_checksum("sha256:0123456789abcdefgBCDEF000000000000000000000000000000000000000ff",
                          &algo, d, &len, &why));
    CHECK(!parse_checksum("sha256:0123456789abcdef`BCDEF0000000000000000000000000000000000000000ff",
                          &algo, d, &len, &why));
    CHECK(!parse_checksum("sha256:00000000000000000000000000000000000000000000000000000000000000f",
                          &algo, d, &len, &why));
    return check_done("test_parse_edges");
}
