/*
 * Unit tests of src/classify.c: what a failed attempt means, and libcurl's
 * limits on what a server sends (tests/hostile.bats drives the same cases
 * end to end).
 */
#include "config.h"

#include <errno.h>

#include <curl/curl.h>

#include "check.h"
#include "classify.h"
#include "exitcodes.h"

int
main(void)
{
    struct failure_class c;
    char what[] = "Too large response headers: 307201 > 307200";

    /* A dropped connection is retried, a protocol error is not. */
    classify_curl(CURLE_RECV_ERROR, ECONNRESET, &c);
    CHECK(c.exit_code == HAUL_EXIT_PARTIAL && c.retryable && c.kind == DISC_RST);
    classify_curl(CURLE_WEIRD_SERVER_REPLY, 0, &c);
    CHECK(c.exit_code == HAUL_EXIT_PROTOCOL && !c.retryable);
    classify_curl(CURLE_TOO_MANY_REDIRECTS, 0, &c);
    CHECK(c.exit_code == HAUL_EXIT_REDIRECTS && !c.retryable);
    classify_curl(CURLE_UNSUPPORTED_PROTOCOL, 0, &c);
    CHECK(c.exit_code == HAUL_EXIT_URL && !c.retryable);
    classify_curl(CURLE_SSL_CONNECT_ERROR, ECONNRESET, &c);
    CHECK(c.exit_code == HAUL_EXIT_TLS && c.retryable && c.limited);
    /* --interface that libcurl cannot bind (gone down): a connection
     * failure, retried a few times; a wrong pin is a TLS failure, never. */
    classify_curl(CURLE_INTERFACE_FAILED, EADDRNOTAVAIL, &c);
    CHECK(c.exit_code == HAUL_EXIT_CONNECT && c.retryable && c.limited);
    classify_curl(CURLE_SSL_PINNEDPUBKEYNOTMATCH, 0, &c);
    CHECK(c.exit_code == HAUL_EXIT_TLS && !c.retryable);

    /* libcurl's limits: the server's fault, whatever the code says. */
    CHECK(classify_server_limit(CURLE_OUT_OF_MEMORY, "Out of memory", true) != NULL);
    CHECK(classify_server_limit(CURLE_RECV_ERROR, what, true) == what);
    CHECK(classify_server_limit(CURLE_RECV_ERROR,
                                "Illegal or missing hexadecimal sequence in chunked-encoding",
                                false) != NULL);
    /* A real out-of-memory outside the head, and real receive failures,
     * are not. */
    CHECK(classify_server_limit(CURLE_OUT_OF_MEMORY, "Out of memory", false) == NULL);
    CHECK(classify_server_limit(CURLE_RECV_ERROR, "Recv failure: Connection reset by peer",
                                true) == NULL);
    CHECK(classify_server_limit(CURLE_RECV_ERROR,
                                "OpenSSL SSL_read: error:0A000126:SSL routines::unexpected eof "
                                "while reading, errno 0", false) == NULL);
    CHECK(classify_server_limit(CURLE_RECV_ERROR, NULL, true) == NULL);
    CHECK(classify_server_limit(CURLE_PARTIAL_FILE, what, true) == NULL);

    /* The words of the reports, from the one list (DISCONNECT_KINDS). */
    CHECK_STR(disconnect_kind_name(DISC_NONE), "none");
    CHECK_STR(disconnect_kind_name(DISC_FIN), "closed");
    CHECK_STR(disconnect_kind_name(DISC_RST), "reset");
    CHECK_STR(disconnect_kind_name(DISC_STALL), "stall");
    CHECK_STR(disconnect_kind_name(DISC_TIMEOUT), "timeout");
    CHECK_STR(disconnect_kind_name(DISC_REFUSED), "refused");
    CHECK_STR(disconnect_kind_name(DISC_HTTP), "http");
    CHECK_STR(disconnect_kind_name(DISC_OTHER), "error");
    CHECK(DISC_KINDS == DISC_OTHER + 1);

    /* Connection refused: final at first contact, retried once a server
     * was there (or bytes are held), or with --retry-connrefused. */
    CHECK(classify_refusal_final(CURLE_COULDNT_CONNECT, ECONNREFUSED, false, false));
    CHECK(!classify_refusal_final(CURLE_COULDNT_CONNECT, ECONNREFUSED, true, false));
    CHECK(!classify_refusal_final(CURLE_COULDNT_CONNECT, ECONNREFUSED, false, true));
    CHECK(!classify_refusal_final(CURLE_COULDNT_CONNECT, ECONNREFUSED, true, true));
    /* Other failures to connect are outages: always retried. */
    CHECK(!classify_refusal_final(CURLE_COULDNT_CONNECT, EHOSTUNREACH, false, false));
    CHECK(!classify_refusal_final(CURLE_COULDNT_CONNECT, ENETUNREACH, false, false));
    CHECK(!classify_refusal_final(CURLE_COULDNT_CONNECT, 0, false, false));
    CHECK(!classify_refusal_final(CURLE_OPERATION_TIMEDOUT, ECONNREFUSED, false, false));
    CHECK(!classify_refusal_final(CURLE_RECV_ERROR, ECONNREFUSED, false, false));
    return check_done("test_classify");
}
