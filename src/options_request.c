/*
 * options_request.c - request bodies, methods and the -w format, read once
 * at start; see options_request.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "mem.h"
#include "options_request.h"
#include "writeout.h"

/* Reads all of FILE ("-": stdin) into a new buffer; NULL with errno. */
static char *
slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rbe");
    struct stat st;
    char *buf = NULL;
    size_t n = 0, cap = 0;

    *len = 0;
    if (f == NULL)
        return NULL;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        if (f != stdin)
            fclose(f);
        errno = EISDIR;
        return NULL;
    }
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f) ? (errno != 0 ? errno : EIO) : 0;
    if (f != stdin)
        fclose(f);
    if (err != 0) {
        xfree(buf);
        errno = err;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Drops CR and LF in place (-d @FILE, as curl): returns the new length. */
static size_t
strip_newlines(char *s, size_t len)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != '\r' && s[i] != '\n')
            s[k++] = s[i];
    s[k] = '\0';
    return k;
}

/* Appends a piece to the body: '&' between pieces, none between two
 * --json pieces (curl joins those as they are). */
static void
body_append(struct config *cfg, const char *piece, size_t len, bool json)
{
    bool sep = cfg->body != NULL && !(json && cfg->json);
    size_t n = cfg->body_len + (sep ? 1 : 0) + len;
    cfg->body = xrealloc(cfg->body, n + 1);
    if (sep)
        cfg->body[cfg->body_len++] = '&';
    memcpy(cfg->body + cfg->body_len, piece, len);
    cfg->body_len = n;
    cfg->body[n] = '\0';
}

const char *
options_request_apply(struct config *cfg, enum opt_id id, const char *value)
{
    char *read = NULL;
    size_t len = strlen(value);
    const char *piece = value;

    if (id == OPT_REQUEST) {
        /* A token (RFC 9110): nothing that would break the request line. */
        if (value[0] == '\0' ||
            value[strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                "0123456789!#$%&'*+-.^_`|~")] != '\0')
            return "expected a method name such as POST or PUT";
        xfree(cfg->method);
        cfg->method = xstrdup(value);
        return NULL;
    }
    if (value[0] == '@') {
        piece = read = slurp(value + 1, &len);
        if (read == NULL)
            return strerror(errno);
    }
    if (id == OPT_WRITE_OUT) {
        char *fmt = read != NULL ? read : xstrdup(value);
        const char *why = writeout_check(fmt);
        if (why != NULL) {
            xfree(fmt);
            return why;
        }
        xfree(cfg->write_out);
        cfg->write_out = fmt;
        return NULL;
    }
    if (id == OPT_DATA && read != NULL)
        len = strip_newlines(read, len);
    body_append(cfg, piece, len, id == OPT_JSON);
    if (id == OPT_JSON)
        cfg->json = true;
    xfree(read);
    return NULL;
}

/* Whether METHOD is idempotent (RFC 9110 9.2.2). */
static bool
method_idempotent(const char *method)
{
    static const char *const safe[] = { "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE" };
    for (size_t i = 0; i < sizeof safe / sizeof *safe; i++)
        if (strcmp(method, safe[i]) == 0)
            return true;
    return false;
}

const char *
options_request_finish(struct config *cfg)
{
    if (cfg->head && cfg->body != NULL)
        return "-I/--head sends no body: drop -d, --data-binary or --json";
    if (cfg->cont && (cfg->body != NULL || cfg->method != NULL))
        return "-c/--continue resumes with Range, which a request with a body or "
               "-X never uses";
    if (cfg->method != NULL)
        cfg->request_method = cfg->method;
    else if (cfg->head)
        cfg->request_method = "HEAD";
    else if (cfg->body != NULL)
        cfg->request_method = "POST";
    else
        cfg->request_method = "GET";
    cfg->send_once = !method_idempotent(cfg->request_method);
    cfg->whole_only = cfg->body != NULL || strcmp(cfg->request_method, "GET") != 0;
    return NULL;
}
