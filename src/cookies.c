/*
 * cookies.c - the run's cookie store on libcurl's engine; see cookies.h.
 *
 * The store is a share handle plus one easy handle that is never
 * performed (the keeper): libcurl loads cookie files into a share only
 * through an easy handle (CURLOPT_COOKIELIST "RELOAD"), and hands the whole
 * list back through one (CURLINFO_COOKIELIST).  haul writes --cookie-jar
 * itself from that list, to a temporary file renamed over the jar, so that
 * a jar that cannot be written is an error with a message instead of
 * libcurl's silent warning.
 *
 * The NAME=VALUE cookies of --cookie are put into the store as host-only
 * session cookies of each request's host: libcurl's CURLOPT_COOKIE would
 * send them to every host a redirect leads to, and a Cookie header of our
 * own would make a second Cookie line next to the engine's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cookies.h"
#include "exitcodes.h"
#include "mem.h"
#include "msg.h"

/* The store of the process (see cookies.h for why there is one). */
static struct {
    CURLSH *share;
    CURL *keeper;
    const struct config *cfg;      /* borrowed: the run's */
} store;

static bool
is_data(const char *value)
{
    return strchr(value, '=') != NULL;
}

/* A --cookie file: missing is fine (an empty jar), unreadable is not. */
static int
check_file(const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        msg_usage_error("--cookie %s: %s", path, strerror(errno));
        return HAUL_EXIT_USAGE;
    }
    int rc = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) ? EISDIR : 0;
    close(fd);
    if (rc != 0) {
        msg_usage_error("--cookie %s: is a directory, not a cookie file", path);
        return HAUL_EXIT_USAGE;
    }
    return 0;
}

/* --cookie-jar: not a directory, in a directory haul may write. */
static int
check_jar(const char *path)
{
    struct stat st;
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL ? xstrdup(".")
                : xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
    int rc = 0;

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        msg_usage_error("--cookie-jar %s: is a directory", path);
        rc = HAUL_EXIT_USAGE;
    } else if (access(dir, W_OK | X_OK) != 0) {
        msg_usage_error("--cookie-jar %s: cannot write in %s: %s", path, dir, strerror(errno));
        rc = HAUL_EXIT_USAGE;
    }
    xfree(dir);
    return rc;
}

int
cookies_open(const struct config *cfg)
{
    int rc = 0;
    bool any_file = false;

    if (cfg->ncookies == 0 && cfg->cookie_jar == NULL)
        return 0;
    for (size_t i = 0; i < cfg->ncookies && rc == 0; i++)
        if (!is_data(cfg->cookies[i]))
            rc = check_file(cfg->cookies[i]);
    if (rc == 0 && cfg->cookie_jar != NULL)
        rc = check_jar(cfg->cookie_jar);
    if (rc != 0)
        return rc;
    store.cfg = cfg;
    store.share = curl_share_init();
    store.keeper = curl_easy_init();
    if (store.share == NULL || store.keeper == NULL ||
        curl_share_setopt(store.share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE) != CURLSHE_OK ||
        curl_easy_setopt(store.keeper, CURLOPT_SHARE, store.share) != CURLE_OK) {
        msg_error("cannot set up the cookie store");
        cookies_close(false);
        return HAUL_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < cfg->ncookies; i++) {
        if (!is_data(cfg->cookies[i])) {
            curl_easy_setopt(store.keeper, CURLOPT_COOKIEFILE, cfg->cookies[i]);
            any_file = true;
        }
    }
    if (any_file)
        curl_easy_setopt(store.keeper, CURLOPT_COOKIELIST, "RELOAD");
    return 0;
}

/* The host of url as libcurl's cookie engine matches it (no brackets
 * around an IPv6 address); NULL if none.  curl_free() it. */
static char *
host_of(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL;

    if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        host = NULL;
    curl_url_cleanup(u);
    if (host != NULL && host[0] == '[') {
        size_t n = strlen(host);
        memmove(host, host + 1, n - 1);
        host[n - 2] = '\0';
    }
    return host;
}

/* The NAME=VALUE cookies of one --cookie value, for host, into the store
 * through easy (attached to it). */
static void
set_data(CURL *easy, const char *host, const char *value)
{
    for (const char *p = value; *p != '\0';) {
        size_t n = strcspn(p, ";");
        while (n > 0 && *p == ' ') {
            p++;
            n--;
        }
        const char *eq = memchr(p, '=', n);
        if (eq != NULL && eq > p) {
            const char *v = eq + 1, *end = p + n;
            size_t nlen = (size_t)(eq - p);
            while (nlen > 0 && p[nlen - 1] == ' ')
                nlen--;
            while (v < end && *v == ' ')
                v++;
            while (end > v && end[-1] == ' ')
                end--;
            /* Netscape format: host-only, path /, any scheme, session. */
            char *line = xasprintf("%s\tFALSE\t/\tFALSE\t0\t%.*s\t%.*s", host,
                                   (int)nlen, p, (int)(end - v), v);
            curl_easy_setopt(easy, CURLOPT_COOKIELIST, line);
            xfree(line);
        }
        p += n;
        if (*p == ';')
            p++;
    }
}

bool
cookies_attach(CURL *easy, const char *url, bool credentials)
{
    if (store.share == NULL)
        return true;
    /* "": the engine on, no file to read (the store has them). */
    if (curl_easy_setopt(easy, CURLOPT_SHARE, store.share) != CURLE_OK ||
        curl_easy_setopt(easy, CURLOPT_COOKIEFILE, "") != CURLE_OK)
        return false;
    if (!credentials)
        return true;
    char *host = host_of(url);
    if (host == NULL)
        return true;    /* the request will fail on the URL itself */
    for (size_t i = 0; i < store.cfg->ncookies; i++)
        if (is_data(store.cfg->cookies[i]))
            set_data(easy, host, store.cfg->cookies[i]);
    curl_free(host);
    return true;
}

/* Writes the store's cookies to the jar through jar.tmp and a rename. */
static int
write_jar(const char *path)
{
    struct curl_slist *list = NULL;
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = NULL;
    int rc = HAUL_EXIT_WRITE;

    if (curl_easy_getinfo(store.keeper, CURLINFO_COOKIELIST, &list) != CURLE_OK) {
        msg_error("--cookie-jar %s: cannot read the cookies", path);
        goto out;
    }
    if ((f = fopen(tmp, "we")) == NULL) {
        msg_error("--cookie-jar %s: %s", tmp, strerror(errno));
        goto out;
    }
    fputs("# Netscape HTTP Cookie File\n# Written by haul.  Edit at your own risk.\n\n", f);
    for (struct curl_slist *l = list; l != NULL; l = l->next)
        fprintf(f, "%s\n", l->data);
    if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
        msg_error("--cookie-jar %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        msg_error("--cookie-jar %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (f != NULL && fclose(f) != 0 && rc == 0)
        rc = HAUL_EXIT_WRITE;
    if (rc != 0)
        unlink(tmp);
    curl_slist_free_all(list);
    xfree(tmp);
    return rc;
}

int
cookies_close(bool save)
{
    int rc = 0;

    if (save && store.keeper != NULL && store.cfg != NULL && store.cfg->cookie_jar != NULL)
        rc = write_jar(store.cfg->cookie_jar);
    if (store.keeper != NULL)
        curl_easy_cleanup(store.keeper);
    if (store.share != NULL)
        curl_share_cleanup(store.share);
    memset(&store, 0, sizeof store);
    return rc;
}
