/*
 * classify.c - failure classes; see classify.h and src/README.md ("Which
 * failures are retried").
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <curl/curl.h>

#include "classify.h"
#include "exitcodes.h"
#include "response.h"

static void
set(struct failure_class *out, int code, bool retry, bool limited, enum disconnect_kind kind)
{
    out->exit_code = code;
    out->retryable = retry;
    out->limited = limited;
    out->kind = kind;
}

void
classify_curl(int curl_code, int os_errno, struct failure_class *out)
{
    switch ((CURLcode)curl_code) {
    case CURLE_OK:
        set(out, HAUL_EXIT_OK, false, false, DISC_NONE);
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        set(out, HAUL_EXIT_URL, false, false, DISC_NONE);
        break;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
        set(out, HAUL_EXIT_RESOLVE, true, true, DISC_OTHER);
        break;
    case CURLE_COULDNT_CONNECT:
        set(out, HAUL_EXIT_CONNECT, true, false, DISC_REFUSED);
        break;
    case CURLE_INTERFACE_FAILED:
        /* --interface: setup.c checked it exists; it may have gone down. */
        set(out, HAUL_EXIT_CONNECT, true, true, DISC_OTHER);
        break;
    case CURLE_OPERATION_TIMEDOUT:
        set(out, HAUL_EXIT_TIMEOUT, true, false, DISC_TIMEOUT);
        break;
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
        set(out, HAUL_EXIT_PARTIAL, true, false, DISC_FIN);
        break;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        set(out, HAUL_EXIT_PARTIAL, true, false,
            os_errno == ECONNRESET || os_errno == EPIPE ? DISC_RST : DISC_OTHER);
        break;
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        set(out, HAUL_EXIT_PARTIAL, true, false, DISC_OTHER);
        break;
    case CURLE_SSL_CONNECT_ERROR:
        set(out, HAUL_EXIT_TLS, true, true, DISC_OTHER);
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
        set(out, HAUL_EXIT_TLS, false, false, DISC_NONE);
        break;
    case CURLE_TOO_MANY_REDIRECTS:
        set(out, HAUL_EXIT_REDIRECTS, false, false, DISC_NONE);
        break;
    case CURLE_OUT_OF_MEMORY:
        set(out, HAUL_EXIT_INTERNAL, false, false, DISC_NONE);
        break;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_RANGE_ERROR:
        set(out, HAUL_EXIT_PROTOCOL, false, false, DISC_NONE);
        break;
    case CURLE_WRITE_ERROR:
        set(out, HAUL_EXIT_WRITE, false, false, DISC_NONE);
        break;
    default:
        set(out, HAUL_EXIT_PROTOCOL, false, false, DISC_NONE);
        break;
    }
}

const char *
classify_server_limit(int curl_code, const char *what, bool in_head)
{
    if (curl_code == CURLE_OUT_OF_MEMORY && in_head)
        return "a response header line is too long (libcurl takes 100 KiB at most)";
    /* CURLE_RECV_ERROR also means a failed recv() or TLS read: only the
     * messages of the header and chunk parsers are the server's. */
    if (curl_code == CURLE_RECV_ERROR && what != NULL &&
        (strcasestr(what, "header") != NULL || strcasestr(what, "chunk") != NULL))
        return what;
    return NULL;
}

void
classify_http(int status, struct failure_class *out)
{
    if (response_status_retryable(status))
        set(out, HAUL_EXIT_HTTP, true, false, DISC_HTTP);
    else
        set(out, HAUL_EXIT_HTTP, false, false, DISC_NONE);
}

bool
classify_refusal_final(int curl_code, int os_errno, bool contacted, bool retry_connrefused)
{
    return curl_code == CURLE_COULDNT_CONNECT && os_errno == ECONNREFUSED && !contacted &&
           !retry_connrefused;
}

const char *
disconnect_kind_name(enum disconnect_kind kind)
{
    switch (kind) {
#define X(name, word) case DISC_##name: return word;
    DISCONNECT_KINDS(X)
#undef X
    case DISC_KINDS:
        break;
    }
    return "?";
}
