/*
 * tlsread.c - OpenSSL read-ahead for libcurl's TLS connections; see
 * tlsread.h.
 *
 * The record counter is OpenSSL's message callback (one call per record
 * header read): the only per-record event OpenSSL offers without
 * replacing libcurl's BIO.  It runs on the loop thread only, where libcurl
 * does all of its TLS work.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/ssl.h>

#include "tlsread.h"

static unsigned long records;

static void
on_msg(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
       void *arg)
{
    (void)version; (void)buf; (void)len; (void)ssl; (void)arg;
    if (!write_p && content_type == SSL3_RT_HEADER)
        records++;
}

static CURLcode
on_ssl_ctx(CURL *easy, void *ctx, void *userp)
{
    (void)easy; (void)userp;
    /* With OpenSSL's own buffer: one record's room.  A larger one costs
     * more than the recv()s it saves: OpenSSL 3.0 moves what it holds to
     * the front of its buffer before each record it reads. */
    SSL_CTX_set_read_ahead((SSL_CTX *)ctx, 1);
    SSL_CTX_set_msg_callback((SSL_CTX *)ctx, on_msg);
    return CURLE_OK;
}

static bool
is_tls_proxy(const char *p)
{
    return p != NULL && strncasecmp(p, "https:", 6) == 0;
}

void
tlsread_setup(CURL *easy, const char *proxy, bool verbose)
{
    static int openssl = -1;
    if (openssl < 0) {
        const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
        openssl = v->ssl_version != NULL && strncmp(v->ssl_version, "OpenSSL/", 8) == 0;
    }
    /* libcurl reads these for an https URL when no -x/--proxy is given. */
    if (!openssl || verbose || is_tls_proxy(proxy) ||
        (proxy == NULL && (is_tls_proxy(getenv("https_proxy")) ||
                           is_tls_proxy(getenv("HTTPS_PROXY")) ||
                           is_tls_proxy(getenv("all_proxy")) ||
                           is_tls_proxy(getenv("ALL_PROXY")))))
        return;
    curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
}

void *
tlsread_ssl(CURL *easy)
{
    struct curl_tlssessioninfo *tsi = NULL;
    if (curl_easy_getinfo(easy, CURLINFO_TLS_SSL_PTR, &tsi) != CURLE_OK || tsi == NULL ||
        tsi->backend != CURLSSLBACKEND_OPENSSL)
        return NULL;
    return tsi->internals;
}

bool
tlsread_is_tls(CURL *easy)
{
    const char *scheme = NULL;
    return curl_easy_getinfo(easy, CURLINFO_SCHEME, &scheme) == CURLE_OK && scheme != NULL &&
           strcasecmp(scheme, "https") == 0;
}

bool tlsread_held(void *ssl) { return SSL_has_pending((const SSL *)ssl) != 0; }
unsigned long tlsread_records(void) { return records; }
