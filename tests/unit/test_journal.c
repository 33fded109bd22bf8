/* Unit tests of src/journal.c: encode, decode, save, load. */
#include "config.h"

#include <stdlib.h>
#include <errno.h>
#include <unistd.h>

#include "check.h"
#include "journal.h"
#include "mem.h"

int
main(void)
{
    struct journal j, k;
    char dir[] = "/tmp/haul-journal-XXXXXX";

    mem_init(false);
    memset(&j, 0, sizeof j);
    j.url = xstrdup("http://example.org/f");
    j.final_url = xstrdup("http://cdn.example.org/f");
    strcpy(j.etag, "\"abc\"");
    strcpy(j.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
    j.total_known = true;
    j.total = UINT64_C(9007199254740993);    /* beyond a double's precision */
    j.nsegments = 1;
    j.seg[0] = (struct journal_segment){ .start = 0, .end = j.total, .end_known = true,
                                         .next = UINT64_C(9007199254740991) };

    char *text = journal_encode(&j);
    CHECK(text != NULL);
    if (text == NULL)
        return check_done("test_journal");    /* the rest reads text */
    CHECK(strstr(text, "\"9007199254740993\"") != NULL);
    CHECK(journal_decode(text, &k));
    CHECK_STR(k.url, j.url);
    CHECK_STR(k.final_url, j.final_url);
    CHECK_STR(k.etag, j.etag);
    CHECK(k.total_known && k.total == j.total);
    CHECK(k.nsegments == 1 && k.seg[0].next == j.seg[0].next && k.seg[0].end_known);
    journal_clear(&k);
    xfree(text);

    /* Invalid journals are refused, not half-read. */
    CHECK(!journal_decode("", &k));
    CHECK(!journal_decode("{}", &k));
    CHECK(!journal_decode("{\"schema\":2,\"url\":\"\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"\",\"next\":\"5\"}]}", &k));
    CHECK(journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                         "\"last_modified\":\"\",\"total\":\"\",\"segments\":[{\"start\":\"0\","
                         "\"end\":\"\",\"next\":\"5\"}]}", &k));
    CHECK(k.final_url == NULL && !k.total_known && k.seg[0].next == 5);
    journal_clear(&k);
    /* next beyond end, a number instead of a string, a negative string. */
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"10\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"10\",\"next\":\"11\"}]}", &k));
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"\",\"next\":5}]}", &k));
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"\",\"next\":\"-5\"}]}", &k));
    /* A first part that does not start at 0: -c would take [0, 100) as held. */
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\\\"e\\\"\","
                          "\"last_modified\":\"\",\"total\":\"\",\"segments\":[{\"start\":\"100\","
                          "\"end\":\"\",\"next\":\"200\"}]}", &k));
    /* next beyond the total; parts that overlap or come out of order. */
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"10\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"\",\"next\":\"11\"}]}", &k));
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"100\",\"segments\":["
                          "{\"start\":\"0\",\"end\":\"50\",\"next\":\"10\"},"
                          "{\"start\":\"40\",\"end\":\"100\",\"next\":\"60\"}]}", &k));
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"100\",\"segments\":["
                          "{\"start\":\"0\",\"end\":\"\",\"next\":\"10\"},"
                          "{\"start\":\"50\",\"end\":\"100\",\"next\":\"60\"}]}", &k));
    CHECK(journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                         "\"last_modified\":\"\",\"total\":\"100\",\"segments\":["
                         "{\"start\":\"0\",\"end\":\"50\",\"next\":\"10\"},"
                         "{\"start\":\"50\",\"end\":\"100\",\"next\":\"60\"}]}", &k));
    journal_clear(&k);
    /* A validator with a control character: haul never writes one, and it
     * would go back to the server in If-Range. */
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"Sun, 06 Nov 1994 08:49:37 GMT\\rX-A: b\","
                          "\"total\":\"\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"\",\"next\":\"5\"}]}", &k));

    /* Save and load through a file. */
    CHECK(mkdtemp(dir) != NULL);
    char *path = xasprintf("%s/f.part.haul", dir);
    CHECK(journal_save(path, &j, -1, NULL) == 0);
    /* An obsolete save does not land, and leaves no temporary file. */
    uv_mutex_t m;
    bool obsolete = true;
    uv_mutex_init(&m);
    struct journal_gate gate = { &m, &obsolete };
    unlink(path);
    CHECK(journal_save(path, &j, -1, &gate) == ECANCELED);
    CHECK(access(path, F_OK) != 0);
    obsolete = false;
    CHECK(journal_save(path, &j, -1, &gate) == 0);
    uv_mutex_destroy(&m);
    CHECK(journal_load(path, &k) == 0);
    CHECK(k.seg[0].next == j.seg[0].next);
    journal_clear(&k);
    char *tmp = xasprintf("%s.tmp", path);
    CHECK(access(tmp, F_OK) != 0);    /* the temporary file was renamed */
    unlink(path);
    CHECK(journal_load(path, &k) == ENOENT);
    rmdir(dir);
    xfree(tmp);
    xfree(path);
    journal_clear(&j);
    return check_done("test_journal");
}
