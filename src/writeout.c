/*
 * writeout.c - the -w/--write-out format; see writeout.h.
 *
 * The values are curl's: http_code is three digits ("000" when no answer
 * came), time_total seconds with six decimals, filename_effective empty
 * for stdout, num_retries the attempts after the first.  url_effective
 * and url are shown without credentials, as in every report of haul.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "writeout.h"

enum var {
    V_HTTP_CODE, V_RESPONSE_CODE, V_SIZE_DOWNLOAD, V_URL_EFFECTIVE, V_URL, V_TIME_TOTAL,
    V_FILENAME_EFFECTIVE, V_EXITCODE, V_ERRORMSG, V_NUM_RETRIES, V_JSON, V_STDOUT, V_STDERR,
    V_COUNT, V_UNKNOWN = V_COUNT
};

static const char *const var_names[V_COUNT] = {
    [V_HTTP_CODE] = "http_code", [V_RESPONSE_CODE] = "response_code",
    [V_SIZE_DOWNLOAD] = "size_download", [V_URL_EFFECTIVE] = "url_effective",
    [V_URL] = "url", [V_TIME_TOTAL] = "time_total",
    [V_FILENAME_EFFECTIVE] = "filename_effective", [V_EXITCODE] = "exitcode",
    [V_ERRORMSG] = "errormsg", [V_NUM_RETRIES] = "num_retries", [V_JSON] = "json",
    [V_STDOUT] = "stdout", [V_STDERR] = "stderr",
};

/* The variable named by name[0..len). */
static enum var
lookup(const char *name, size_t len)
{
    for (int v = 0; v < V_COUNT; v++)
        if (strlen(var_names[v]) == len && memcmp(var_names[v], name, len) == 0)
            return (enum var)v;
    return V_UNKNOWN;
}

const char *
writeout_check(const char *fmt)
{
    static char why[96];
    const char *p = fmt;

    /* The same walk as writeout_format(): "%%{" is a '%' and a '{'. */
    while (*p != '\0') {
        if (p[0] == '%' && p[1] == '%') {
            p += 2;
        } else if (p[0] == '%' && p[1] == '{') {
            const char *end = strchr(p + 2, '}');
            int len;
            if (end == NULL)
                return "a %{ without its }";
            len = (int)(end - p - 2);
            if (lookup(p + 2, (size_t)len) == V_UNKNOWN) {
                snprintf(why, sizeof why, "unknown variable %%{%.*s}", len > 40 ? 40 : len,
                         p + 2);
                return why;
            }
            p = end + 1;
        } else {
            p++;
        }
    }
    return NULL;
}

static const char *
url_effective(const struct xfer_stats *s)
{
    if (s->final_url != NULL)
        return s->final_url;
    return s->url != NULL ? s->url : "";
}

static const char *
filename(const struct xfer_stats *s)
{
    return s->output == NULL || strcmp(s->output, "-") == 0 ? "" : s->output;
}

static double
seconds(const struct xfer_stats *s)
{
    return s->end_ms > s->start_ms ? (double)(s->end_ms - s->start_ms) / 1000.0 : 0.0;
}

static uint32_t
retries(const struct xfer_stats *s)
{
    return s->attempts > 1 ? s->attempts - 1 : 0;
}

/* %{json}: every variable in one object, as curl writes it. */
static char *
json_text(const struct xfer_stats *s)
{
    cJSON *o = cJSON_CreateObject();
    char code[8];
    char *text = NULL;
    if (o == NULL)
        return NULL;
    snprintf(code, sizeof code, "%03d", s->http_status);
    if (cJSON_AddNumberToObject(o, "http_code", s->http_status) == NULL ||
        cJSON_AddNumberToObject(o, "response_code", s->http_status) == NULL ||
        cJSON_AddNumberToObject(o, "size_download", (double)s->bytes_received) == NULL ||
        cJSON_AddStringToObject(o, "url_effective", url_effective(s)) == NULL ||
        cJSON_AddStringToObject(o, "url", s->url != NULL ? s->url : "") == NULL ||
        cJSON_AddNumberToObject(o, "time_total", seconds(s)) == NULL ||
        (filename(s)[0] != '\0'
             ? cJSON_AddStringToObject(o, "filename_effective", filename(s))
             : cJSON_AddNullToObject(o, "filename_effective")) == NULL ||
        cJSON_AddNumberToObject(o, "exitcode", s->exit_code) == NULL ||
        (s->message != NULL ? cJSON_AddStringToObject(o, "errormsg", s->message)
                            : cJSON_AddNullToObject(o, "errormsg")) == NULL ||
        cJSON_AddNumberToObject(o, "num_retries", retries(s)) == NULL)
        goto out;
    text = cJSON_PrintUnformatted(o);
out:
    cJSON_Delete(o);
    return text;
}

struct out {
    writeout_put_fn *put;
    void *ctx;
    int to;    /* fd */
};

static void
put(struct out *w, const char *s, size_t len)
{
    if (len > 0)
        w->put(w->ctx, w->to, s, len);
}

static void
put_str(struct out *w, const char *s)
{
    put(w, s, strlen(s));
}

static void
put_var(struct out *w, enum var v, const struct xfer_stats *s)
{
    char buf[64];
    switch (v) {
    case V_HTTP_CODE:
    case V_RESPONSE_CODE:
        snprintf(buf, sizeof buf, "%03d", s->http_status);
        break;
    case V_SIZE_DOWNLOAD:
        snprintf(buf, sizeof buf, "%" PRIu64, s->bytes_received);
        break;
    case V_TIME_TOTAL:
        snprintf(buf, sizeof buf, "%.6f", seconds(s));
        break;
    case V_EXITCODE:
        snprintf(buf, sizeof buf, "%d", s->exit_code);
        break;
    case V_NUM_RETRIES:
        snprintf(buf, sizeof buf, "%" PRIu32, retries(s));
        break;
    case V_URL_EFFECTIVE:
        put_str(w, url_effective(s));
        return;
    case V_URL:
        put_str(w, s->url != NULL ? s->url : "");
        return;
    case V_FILENAME_EFFECTIVE:
        put_str(w, filename(s));
        return;
    case V_ERRORMSG:
        put_str(w, s->message != NULL ? s->message : "");
        return;
    case V_JSON: {
        char *j = json_text(s);
        if (j != NULL)
            put_str(w, j);
        cJSON_free(j);
        return;
    }
    case V_STDOUT:
        w->to = 1;
        return;
    case V_STDERR:
        w->to = 2;
        return;
    case V_UNKNOWN:
        return;    /* writeout_check() refused it */
    }
    put_str(w, buf);
}

/* "\n" and its kind: the character, or 0 when the backslash stays. */
static char
escape(char c)
{
    switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case '\\': return '\\';
    default: return 0;
    }
}

void
writeout_format(const char *fmt, const struct xfer_stats *s, writeout_put_fn *putf, void *ctx)
{
    struct out w = { putf, ctx, 1 };
    const char *p = fmt, *lit = fmt;

    while (*p != '\0') {
        const char *end;
        if (p[0] == '%' && p[1] == '%') {
            put(&w, lit, (size_t)(p - lit) + 1);    /* through the first '%' */
            lit = p += 2;
        } else if (p[0] == '%' && p[1] == '{' && (end = strchr(p + 2, '}')) != NULL) {
            put(&w, lit, (size_t)(p - lit));
            put_var(&w, lookup(p + 2, (size_t)(end - p - 2)), s);
            lit = p = end + 1;
        } else if (p[0] == '\\' && escape(p[1]) != 0) {
            char c = escape(p[1]);
            put(&w, lit, (size_t)(p - lit));
            put(&w, &c, 1);
            lit = p += 2;
        } else {
            p++;
        }
    }
    put(&w, lit, (size_t)(p - lit));
}
