/*
 * Unit tests of src/version.c: the validators and total of the bytes held,
 * and the If-Range they allow.
 */
#include "config.h"

#include "check.h"
#include "http.h"
#include "version.h"

static struct head
answer(int status, const char *etag, const char *lm, const char *date)
{
    struct head h;
    head_reset(&h, status);
    snprintf(h.got.etag, sizeof h.got.etag, "%s", etag);
    snprintf(h.got.last_modified, sizeof h.got.last_modified, "%s", lm);
    h.date = date != NULL ? http_date(date) : -1;
    return h;
}

int
main(void)
{
    struct resource_version v;
    struct head h;
    time_t now = http_date("Sun, 06 Nov 1994 08:49:37 GMT");

    /* Nothing known: nothing protects a range. */
    version_forget(&v);
    CHECK(version_if_range(&v) == NULL);
    CHECK(!version_strong(&v));

    /* A strong ETag is the validator, even with a safe Last-Modified. */
    h = answer(200, "\"v1\"", "Sat, 05 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT");
    h.got.has_length = true;
    h.got.length = 5000;
    version_adopt(&v, &h, now);
    CHECK(version_strong(&v));
    CHECK_STR(version_if_range(&v), "\"v1\"");
    CHECK(v.lm_safe);
    CHECK(v.total_known && v.total == 5000);

    /* A weak ETag is not: a safe Last-Modified is. */
    h = answer(200, "W/\"v1\"", "Sat, 05 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT");
    version_adopt(&v, &h, now);
    CHECK(!version_strong(&v));
    CHECK_STR(version_if_range(&v), "Sat, 05 Nov 1994 08:49:37 GMT");
    /* No length in a 200: the total is unknown. */
    CHECK(!v.total_known);

    /* A Last-Modified less than a second before Date is no validator
     * (RFC 9110 13.1.5). */
    h = answer(200, "", "Sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT");
    version_adopt(&v, &h, now);
    CHECK(!v.lm_safe);
    CHECK(version_if_range(&v) == NULL);
    /* Without Date, the clock decides. */
    h = answer(200, "", "Sun, 06 Nov 1994 08:49:36 GMT", NULL);
    version_adopt(&v, &h, now);
    CHECK(v.lm_safe);

    /* A 206's total is its Content-Range's. */
    h = answer(206, "\"v2\"", "", NULL);
    h.got.has_range = true;
    h.got.range = (struct content_range){ .first = 10, .last = 19, .total_known = true,
                                          .total = 100 };
    h.got.has_length = true;
    h.got.length = 10;
    version_adopt(&v, &h, now);
    CHECK(v.total_known && v.total == 100);
    CHECK_STR(v.etag, "\"v2\"");

    /* A journal keeps only validators that were safe to use. */
    struct journal j;
    memset(&j, 0, sizeof j);
    snprintf(j.last_modified, sizeof j.last_modified, "Sat, 05 Nov 1994 08:49:37 GMT");
    j.total_known = true;
    j.total = 7;
    version_restore(&v, &j);
    CHECK(v.lm_safe && v.total_known && v.total == 7 && v.etag[0] == '\0');
    CHECK_STR(version_if_range(&v), "Sat, 05 Nov 1994 08:49:37 GMT");
    return check_done("test_version");
}
