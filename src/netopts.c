/*
 * netopts.c - the connection and TLS options of a request; see netopts.h.
 *
 * --resolve and --connect-to entries were read by options_table.c; here
 * their host names are put in the ASCII form libcurl compares them with,
 * so that --resolve bücher.test:80:127.0.0.1 serves http://bücher.test/
 * (curl itself wants the xn-- name there).
 */
#include "config.h"

#include <string.h>

#include "mem.h"
#include "netopts.h"

char *
netopts_ascii_host(const char *host, size_t len)
{
    char *url = xasprintf("http://%.*s/", (int)len, host);
    char *out = NULL;
    CURLU *u = curl_url();

    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &out, CURLU_PUNYCODE) != CURLUE_OK)
        out = NULL;
    curl_url_cleanup(u);
    xfree(url);
    return out;
}

/* An entry with its first host (up to the first ':', after a '+' for
 * --resolve) in ASCII form, appended to *list.  A host in brackets or a
 * wildcard stays as it is. */
static bool
append_entry(struct curl_slist **list, const char *entry)
{
    const char *host = entry[0] == '+' ? entry + 1 : entry;
    const char *colon = strchr(host, ':');
    char *ascii = NULL, *line = NULL;
    struct curl_slist *l;

    if (colon != NULL && colon > host && host[0] != '[' && host[0] != '*')
        ascii = netopts_ascii_host(host, (size_t)(colon - host));
    if (ascii != NULL)
        line = xasprintf("%.*s%s%s", (int)(host - entry), entry, ascii, colon);
    l = curl_slist_append(*list, line != NULL ? line : entry);
    curl_free(ascii);
    xfree(line);
    if (l == NULL)
        return false;
    *list = l;
    return true;
}

static bool
set_lists(CURL *e, const struct config *cfg, struct netopts_lists *nl)
{
    for (size_t i = 0; i < cfg->nresolve; i++)
        if (!append_entry(&nl->resolve, cfg->resolve[i]))
            return false;
    for (size_t i = 0; i < cfg->nconnect_to; i++)
        if (!append_entry(&nl->connect_to, cfg->connect_to[i]))
            return false;
    if (nl->resolve != NULL)
        curl_easy_setopt(e, CURLOPT_RESOLVE, nl->resolve);
    if (nl->connect_to != NULL)
        curl_easy_setopt(e, CURLOPT_CONNECT_TO, nl->connect_to);
    return true;
}

static void
set_tls(CURL *e, const struct config *cfg)
{
    if (cfg->capath != NULL)
        curl_easy_setopt(e, CURLOPT_CAPATH, cfg->capath);
    if (cfg->cert != NULL) {
        curl_easy_setopt(e, CURLOPT_SSLCERT, cfg->cert);
        curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(e, CURLOPT_SSLKEY, cfg->key != NULL ? cfg->key : cfg->cert);
        curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (cfg->key_passwd != NULL)
        curl_easy_setopt(e, CURLOPT_KEYPASSWD, cfg->key_passwd);
    if (cfg->pinnedpubkey != NULL)
        curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, cfg->pinnedpubkey);
}

bool
netopts_set(CURL *e, const struct config *cfg, struct netopts_lists *nl)
{
    if (cfg->ip_version == IP_V4)
        curl_easy_setopt(e, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V4);
    else if (cfg->ip_version == IP_V6)
        curl_easy_setopt(e, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V6);
    if (cfg->iface != NULL)
        curl_easy_setopt(e, CURLOPT_INTERFACE, cfg->iface);
    if (cfg->unix_socket != NULL)
        curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, cfg->unix_socket);
    set_tls(e, cfg);
    return set_lists(e, cfg, nl);
}

void
netopts_free(struct netopts_lists *nl)
{
    curl_slist_free_all(nl->resolve);
    curl_slist_free_all(nl->connect_to);
    nl->resolve = NULL;
    nl->connect_to = NULL;
}
