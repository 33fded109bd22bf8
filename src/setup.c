/*
 * setup.c - setup mistakes found before any transfer starts; see setup.h.
 *
 * The rule behind it: a mistake in how haul was set up (a proxy libcurl
 * cannot use, a CA file that is not there) fails at once with exit status
 * 2, and only real outages (a server or network that does not answer) are
 * retried.  libcurl would find the same mistakes, but only when a transfer
 * connects, and its codes for them are those of outages.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "exitcodes.h"
#include "http.h"
#include "mem.h"
#include "msg.h"
#include "setup.h"

const char *
setup_proxy_problem(const char *proxy, bool https_ok)
{
    static const char *const schemes[] = {
        "http", "socks", "socks4", "socks4a", "socks5", "socks5h",
    };
    const char *why = NULL;
    char *scheme = NULL;
    CURLU *u;

    if (proxy[0] == '\0')
        return NULL;
    u = curl_url();
    if (u == NULL)
        return "out of memory";
    /* The flags libcurl 7.88 parses a proxy with (url.c, parse_proxy). */
    if (curl_url_set(u, CURLUPART_URL, proxy, CURLU_NON_SUPPORT_SCHEME | CURLU_GUESS_SCHEME) !=
            CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
        why = "not a proxy URL (HOST[:PORT] or SCHEME://HOST[:PORT])";
        goto out;
    }
    if (strcasecmp(scheme, "https") == 0) {
        if (!https_ok)
            why = "this libcurl cannot talk TLS to a proxy (https://)";
        goto out;
    }
    for (size_t i = 0; i < sizeof schemes / sizeof *schemes; i++)
        if (strcasecmp(scheme, schemes[i]) == 0)
            goto out;
    why = strstr(proxy, "://") != NULL
          ? "unsupported proxy scheme (http, https, socks4, socks4a, socks5 or socks5h)"
          : "libcurl guesses a scheme it cannot use from the name: write http://";
out:
    curl_free(scheme);
    curl_url_cleanup(u);
    return why;
}

int
setup_cafile_problem(const char *path, char *why, size_t len)
{
    struct stat st;
    /* O_NONBLOCK: a FIFO named here must not hang haul. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(why, len, "%s", strerror(errno));
        return errno;
    }
    int rc = fstat(fd, &st) != 0 ? errno : 0;
    close(fd);
    if (rc != 0) {
        snprintf(why, len, "%s", strerror(rc));
        return rc;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(why, len, "it is a directory; a PEM file of CA certificates is needed");
        return EISDIR;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, len, "not a regular file");
        return EINVAL;
    }
    /* What libcurl does with it: OpenSSL loads the certificates. */
    X509_STORE *store = X509_STORE_new();
    if (store == NULL) {
        snprintf(why, len, "out of memory");
        return ENOMEM;
    }
    rc = X509_STORE_load_file(store, path) == 1 ? 0 : EINVAL;
    X509_STORE_free(store);
    ERR_clear_error();    /* nothing of this may show in libcurl's messages */
    if (rc != 0)
        snprintf(why, len, "no PEM certificate in it");
    return rc;
}

/*
 * The proxy variable libcurl 7.88 reads for a URL scheme (url.c,
 * detect_proxy): scheme_proxy, then SCHEME_PROXY (never HTTP_PROXY), then
 * all_proxy, ALL_PROXY.  Returns the name of the one set and its value in
 * *value, or NULL.
 */
static const char *
proxy_variable(bool is_https, const char **value)
{
    static const char *const https[] = { "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" };
    static const char *const http[] = { "http_proxy", "all_proxy", "ALL_PROXY" };
    const char *const *names = is_https ? https : http;
    size_t n = is_https ? 4 : 3;
    for (size_t i = 0; i < n; i++)
        if ((*value = getenv(names[i])) != NULL)
            return names[i];
    return NULL;
}

static int
check_env_proxies(const struct config *cfg, bool https_ok)
{
    const char *no_proxy = getenv("no_proxy");
    if (no_proxy == NULL)
        no_proxy = getenv("NO_PROXY");
    if (cfg->proxy != NULL || (no_proxy != NULL && no_proxy[0] != '\0'))
        return 0;
    bool checked[2] = { false, false };    /* http, https */
    /* The list is read later: both may come. */
    if (cfg->input_name != NULL) {
        for (int is_https = 0; is_https < 2; is_https++) {
            const char *value = NULL;
            const char *var = proxy_variable(is_https, &value);
            const char *why = var != NULL ? setup_proxy_problem(value, https_ok) : NULL;
            if (why != NULL) {
                char *shown = url_redacted(value);
                msg_usage_error("environment variable %s='%s': %s", var, shown, why);
                xfree(shown);
                return HAUL_EXIT_USAGE;
            }
        }
        return 0;
    }
    for (size_t i = 0; i < cfg->njobs; i++) {
        const char *url = cfg->jobs[i].url;
        if (!cfg->jobs[i].input_ok || url_problem(url) != NULL)
            continue;    /* reported by its transfer */
        bool is_https = strncasecmp(url, "https:", 6) == 0;
        if (checked[is_https])
            continue;
        checked[is_https] = true;
        const char *value = NULL;
        const char *var = proxy_variable(is_https, &value);
        const char *why = var != NULL ? setup_proxy_problem(value, https_ok) : NULL;
        if (why != NULL) {
            char *shown = url_redacted(value);    /* a proxy password stays out */
            msg_usage_error("environment variable %s='%s': %s", var, shown, why);
            xfree(shown);
            return HAUL_EXIT_USAGE;
        }
    }
    return 0;
}

/*
 * -P N beyond --parallel-host for URLs that are all on one host: the host
 * limit decides, and haul says so once rather than run fewer transfers
 * than asked for without a word.  Only when -P was given and
 * --parallel-host was not (whoever sets both knows).
 */
static void
note_host_limit(const struct config *cfg)
{
    char *first = NULL;
    bool one_host = true;
    size_t n = 0;

    if (!cfg->given[OPT_PARALLEL] || cfg->given[OPT_PARALLEL_HOST] ||
        cfg->parallel <= cfg->parallel_host || cfg->njobs <= cfg->parallel_host)
        return;
    for (size_t i = 0; i < cfg->njobs && one_host; i++) {
        if (!cfg->jobs[i].input_ok)
            continue;
        char *key = url_host_key(cfg->jobs[i].url);
        if (key == NULL)
            continue;
        n++;
        if (first == NULL)
            first = key;
        else {
            one_host = strcmp(first, key) == 0;
            xfree(key);
        }
    }
    if (first != NULL && one_host && n > cfg->parallel_host)
        msg_note("-P %u: all %zu URLs are on %s, and at most %u transfers at once go to "
                 "one host (--parallel-host %u; raise it to go further)", cfg->parallel, n,
                 first, cfg->parallel_host, cfg->parallel_host);
    xfree(first);
}

/*
 * --netrc-file must be readable; so must ~/.netrc for --netrc (which asks
 * for it), while --netrc-optional does without one.  libcurl would go on
 * without a login and the server answer 401, which says less.
 */
static int
check_netrc(const struct config *cfg)
{
    const char *home = getenv("HOME");
    char *path = NULL;
    int rc = 0;

    if (cfg->netrc_file != NULL)
        path = xstrdup(cfg->netrc_file);
    else if (cfg->netrc && home != NULL)
        path = xasprintf("%s/.netrc", home);
    if (path != NULL) {
        struct stat st;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        const char *why = fd < 0 ? strerror(errno) : NULL;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
            why = "is a directory";
        if (fd >= 0)
            close(fd);
        if (why != NULL) {
            msg_usage_error("%s %s: %s", cfg->netrc_file != NULL ? "--netrc-file" : "--netrc",
                            path, why);
            rc = HAUL_EXIT_USAGE;
        }
    }
    xfree(path);
    return rc;
}

int
setup_check(const struct config *cfg)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    bool https_ok = (v->features & CURL_VERSION_HTTPS_PROXY) != 0;
    char why[256];

    if (cfg->proxy != NULL) {
        const char *p = setup_proxy_problem(cfg->proxy, https_ok);
        if (p != NULL) {
            char *shown = url_redacted(cfg->proxy);
            msg_usage_error("--proxy: bad value '%s': %s", shown, p);
            xfree(shown);
            return HAUL_EXIT_USAGE;
        }
    }
    if (check_env_proxies(cfg, https_ok) != 0)
        return HAUL_EXIT_USAGE;
    if (cfg->cacert != NULL && setup_cafile_problem(cfg->cacert, why, sizeof why) != 0) {
        msg_usage_error("--cacert %s: %s", cfg->cacert, why);
        return HAUL_EXIT_USAGE;
    }
    if (setup_net_check(cfg) != 0)
        return HAUL_EXIT_USAGE;
    if (check_netrc(cfg) != 0)
        return HAUL_EXIT_USAGE;
    note_host_limit(cfg);
    return 0;
}

void
setup_url_charset(void)
{
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
        (void)setlocale(LC_CTYPE, "");
}
