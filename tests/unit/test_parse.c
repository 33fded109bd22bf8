/* Unit tests of src/parse.c: option values. */
#include "config.h"

#include "check.h"
#include "parse.h"

int
main(void)
{
    uint64_t v;
    const char *why;
    unsigned char d[64];
    size_t len;
    int algo;

    CHECK(parse_size("0", &v, &why) && v == 0);
    CHECK(parse_size("123", &v, &why) && v == 123);
    CHECK(parse_size("64K", &v, &why) && v == 65536);
    CHECK(parse_size("64k", &v, &why) && v == 65536);
    CHECK(parse_size("1M", &v, &why) && v == 1048576);
    CHECK(parse_size("1.5M", &v, &why) && v == 1572864);
    CHECK(parse_size("2G", &v, &why) && v == UINT64_C(2147483648));
    CHECK(parse_size("1T", &v, &why) && v == UINT64_C(1099511627776));
    CHECK(parse_size("10MiB", &v, &why) && v == 10485760);
    CHECK(parse_size("10MB", &v, &why) && v == 10485760);
    CHECK(parse_size("7B", &v, &why) && v == 7);
    CHECK(!parse_size("", &v, &why));
    CHECK(!parse_size("-1", &v, &why));
    CHECK(!parse_size("1X", &v, &why));
    CHECK(!parse_size("K", &v, &why));
    CHECK(!parse_size("1.5", &v, &why));
    CHECK(!parse_size("99999999999999999999", &v, &why));
    CHECK(!parse_size("20000000000000T", &v, &why));
    CHECK(!parse_size(" 1", &v, &why));

    CHECK(parse_duration_ms("30", &v, &why) && v == 30000);
    CHECK(parse_duration_ms("0.5", &v, &why) && v == 500);
    CHECK(parse_duration_ms("1.25", &v, &why) && v == 1250);
    CHECK(parse_duration_ms(".1", &v, &why) && v == 100);
    CHECK(parse_duration_ms("0", &v, &why) && v == 0);
    CHECK(parse_duration_ms("250ms", &v, &why) && v == 250);
    CHECK(parse_duration_ms("2m", &v, &why) && v == 120000);
    CHECK(parse_duration_ms("1h", &v, &why) && v == 3600000);
    CHECK(parse_duration_ms("1.5s", &v, &why) && v == 1500);
    CHECK(!parse_duration_ms("-1", &v, &why));
    CHECK(!parse_duration_ms("abc", &v, &why));
    CHECK(!parse_duration_ms("1x", &v, &why));
    CHECK(!parse_duration_ms("", &v, &why));
    CHECK(!parse_duration_ms("99999999999", &v, &why));
    CHECK(!parse_duration_ms("1e3", &v, &why));

    CHECK(parse_uint("8", 1, 10, &v, &why) && v == 8);
    CHECK(!parse_uint("0", 1, 10, &v, &why));
    CHECK(!parse_uint("11", 1, 10, &v, &why));
    CHECK(!parse_uint("-3", 0, 10, &v, &why));
    CHECK(!parse_uint("3.0", 0, 10, &v, &why));
    CHECK(!parse_uint("", 0, 10, &v, &why));
    CHECK(!parse_uint("184467440737095516160", 0, UINT64_MAX, &v, &why));

    CHECK(parse_checksum("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                         &algo, d, &len, &why) && algo == 1 && len == 32 && d[0] == 0xe3 &&
          d[31] == 0x55);
    CHECK(parse_checksum("SHA256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                         &algo, d, &len, &why) && d[0] == 0xe3);
    CHECK(!parse_checksum("sha256:e3b0", &algo, d, &len, &why));
    CHECK(!parse_checksum("md5:d41d8cd98f00b204e9800998ecf8427e", &algo, d, &len, &why));
    CHECK(!parse_checksum("sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                          &algo, d, &len, &why));
    CHECK(parse_checksum("sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                         "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
                         &algo, d, &len, &why) && algo == 2 && len == 64);
    return check_done("test_parse");
}
