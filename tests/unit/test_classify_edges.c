/*
 * Every class of src/classify.c, and the edges of src/backoff.c that
 * test_backoff.c leaves out: what a failed attempt means, and how long to
 * wait before the next.
 */
#include "config.h"

#include <errno.h>

#include <curl/curl.h>

#include "backoff.h"
#include "check.h"
#include "classify.h"
#include "exitcodes.h"

static void
test_classify(void)
{
    static const struct {
        int code, os_errno, exit_code;
        bool retry, limited;
        enum disconnect_kind kind;
    } cases[] = {
        { CURLE_OK, 0, HAUL_EXIT_OK, false, false, DISC_NONE },
        { CURLE_UNSUPPORTED_PROTOCOL, 0, HAUL_EXIT_URL, false, false, DISC_NONE },
        { CURLE_URL_MALFORMAT, 0, HAUL_EXIT_URL, false, false, DISC_NONE },
        { CURLE_COULDNT_RESOLVE_PROXY, 0, HAUL_EXIT_RESOLVE, true, true, DISC_OTHER },
        { CURLE_COULDNT_RESOLVE_HOST, 0, HAUL_EXIT_RESOLVE, true, true, DISC_OTHER },
        { CURLE_COULDNT_CONNECT, ECONNREFUSED, HAUL_EXIT_CONNECT, true, false, DISC_REFUSED },
        { CURLE_OPERATION_TIMEDOUT, 0, HAUL_EXIT_TIMEOUT, true, false, DISC_TIMEOUT },
        { CURLE_PARTIAL_FILE, 0, HAUL_EXIT_PARTIAL, true, false, DISC_FIN },
        { CURLE_GOT_NOTHING, 0, HAUL_EXIT_PARTIAL, true, false, DISC_FIN },
        { CURLE_SEND_ERROR, EPIPE, HAUL_EXIT_PARTIAL, true, false, DISC_RST },
        { CURLE_SEND_ERROR, ECONNRESET, HAUL_EXIT_PARTIAL, true, false, DISC_RST },
        { CURLE_SEND_ERROR, ETIMEDOUT, HAUL_EXIT_PARTIAL, true, false, DISC_OTHER },
        { CURLE_RECV_ERROR, ECONNRESET, HAUL_EXIT_PARTIAL, true, false, DISC_RST },
        { CURLE_RECV_ERROR, 0, HAUL_EXIT_PARTIAL, true, false, DISC_OTHER },
        { CURLE_HTTP2, 0, HAUL_EXIT_PARTIAL, true, false, DISC_OTHER },
        { CURLE_HTTP2_STREAM, 0, HAUL_EXIT_PARTIAL, true, false, DISC_OTHER },
        { CURLE_SSL_CONNECT_ERROR, 0, HAUL_EXIT_TLS, true, true, DISC_OTHER },
        { CURLE_PEER_FAILED_VERIFICATION, 0, HAUL_EXIT_TLS, false, false, DISC_NONE },
        { CURLE_SSL_CACERT_BADFILE, 0, HAUL_EXIT_TLS, false, false, DISC_NONE },
        { CURLE_SSL_CERTPROBLEM, 0, HAUL_EXIT_TLS, false, false, DISC_NONE },
        { CURLE_SSL_CIPHER, 0, HAUL_EXIT_TLS, false, false, DISC_NONE },
        { CURLE_SSL_ENGINE_NOTFOUND, 0, HAUL_EXIT_TLS, false, false, DISC_NONE },
        { CURLE_SSL_ENGINE_SETFAILED, 0, HAUL_EXIT_TLS, false, false, DISC_NONE },
        { CURLE_SSL_ISSUER_ERROR, 0, HAUL_EXIT_TLS, false, false, DISC_NONE },
        { CURLE_SSL_PINNEDPUBKEYNOTMATCH, 0, HAUL_EXIT_TLS, false, false, DISC_NONE },
        { CURLE_SSL_INVALIDCERTSTATUS, 0, HAUL_EXIT_TLS, false, false, DISC_NONE },
        { CURLE_SSL_CRL_BADFILE, 0, HAUL_EXIT_TLS, false, false, DISC_NONE },
        { CURLE_TOO_MANY_REDIRECTS, 0, HAUL_EXIT_REDIRECTS, false, false, DISC_NONE },
        { CURLE_OUT_OF_MEMORY, 0, HAUL_EXIT_INTERNAL, false, false, DISC_NONE },
        { CURLE_WEIRD_SERVER_REPLY, 0, HAUL_EXIT_PROTOCOL, false, false, DISC_NONE },
        { CURLE_BAD_CONTENT_ENCODING, 0, HAUL_EXIT_PROTOCOL, false, false, DISC_NONE },
        { CURLE_RANGE_ERROR, 0, HAUL_EXIT_PROTOCOL, false, false, DISC_NONE },
        { CURLE_WRITE_ERROR, 0, HAUL_EXIT_WRITE, false, false, DISC_NONE },
        { CURLE_ABORTED_BY_CALLBACK, 0, HAUL_EXIT_PROTOCOL, false, false, DISC_NONE },
        { 9999, 0, HAUL_EXIT_PROTOCOL, false, false, DISC_NONE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct failure_class c = { -1, !cases[i].retry, !cases[i].limited, DISC_HTTP };
        classify_curl(cases[i].code, cases[i].os_errno, &c);
        CHECK(c.exit_code == cases[i].exit_code);
        CHECK(c.retryable == cases[i].retry);
        CHECK(c.limited == cases[i].limited);
        CHECK(c.kind == cases[i].kind);
        if (c.exit_code != cases[i].exit_code || c.kind != cases[i].kind)
            fprintf(stderr, "  (curl code %d)\n", cases[i].code);
    }

    struct failure_class c;
    classify_http(503, &c);
    CHECK(c.exit_code == HAUL_EXIT_HTTP && c.retryable && !c.limited && c.kind == DISC_HTTP);
    classify_http(404, &c);
    CHECK(c.exit_code == HAUL_EXIT_HTTP && !c.retryable && c.kind == DISC_NONE);

    CHECK_STR(classify_server_limit(CURLE_OUT_OF_MEMORY, NULL, true),
              "a response header line is too long (libcurl takes 100 KiB at most)");
    CHECK(classify_server_limit(CURLE_RECV_ERROR, "bad CHUNK", false) != NULL);
    CHECK(classify_server_limit(CURLE_RECV_ERROR, "Header overflow", false) != NULL);
    CHECK(classify_server_limit(CURLE_SEND_ERROR, "header", true) == NULL);

    static const char *const names[] = { "none", "closed", "reset", "stall", "timeout",
                                         "refused", "http", "error" };
    for (int k = DISC_NONE; k <= DISC_OTHER; k++)
        CHECK_STR(disconnect_kind_name((enum disconnect_kind)k), names[k]);
    CHECK_STR(disconnect_kind_name((enum disconnect_kind)42), "?");
}

static void
test_backoff(void)
{
    struct backoff_policy p = { .base_ms = 1000, .max_ms = 8000, .fixed = false };

    /* random01 outside [0, 1) is clamped into it. */
    CHECK_U64(backoff_delay_ms(&p, 0, -1, -0.5), 0);
    CHECK_U64(backoff_delay_ms(&p, 0, -1, 1.0), 999);
    CHECK_U64(backoff_delay_ms(&p, 0, -1, 7.0), 999);
    CHECK_U64(backoff_delay_ms(&p, 0, -1, 0.999999), 999);
    /* The ceiling doubles per failure and stops at the maximum exactly. */
    CHECK_U64(backoff_delay_ms(&p, 2, -1, 0.5), 2000);
    CHECK_U64(backoff_delay_ms(&p, 3, -1, 0.5), 4000);
    CHECK_U64(backoff_delay_ms(&p, 4, -1, 0.5), 4000);
    struct backoff_policy q = { .base_ms = 3000, .max_ms = 8000, .fixed = false };
    CHECK_U64(backoff_delay_ms(&q, 1, -1, 0.5), 3000);
    CHECK_U64(backoff_delay_ms(&q, 2, -1, 0.5), 4000);    /* 12000 capped at 8000 */
    /* Retry-After at the cap, one under, one over. */
    CHECK_U64(backoff_delay_ms(&p, 0, 8000, 0.5), 8000);
    CHECK_U64(backoff_delay_ms(&p, 0, 7999, 0.5), 7999);
    CHECK_U64(backoff_delay_ms(&p, 0, 8001, 0.5), 8000);
    /* A fixed delay equal to the maximum; Retry-After capped at the delay
     * when that is longer than the maximum. */
    struct backoff_policy f = { .base_ms = 8000, .max_ms = 8000, .fixed = true };
    CHECK_U64(backoff_delay_ms(&f, 5, -1, 0.1), 8000);
    struct backoff_policy g = { .base_ms = 9000, .max_ms = 8000, .fixed = true };
    CHECK_U64(backoff_delay_ms(&g, 5, 10000, 0.1), 9000);
    CHECK_U64(backoff_delay_ms(&g, 5, 8500, 0.1), 8500);
}

int
main(void)
{
    test_classify();
    test_backoff();
    return check_done("test_classify_edges");
}
