/*
 * summary.c - the --summary JSON document; see summary.h.
 *
 * The document: the head fields, then "transfers" with one record a line,
 * then "totals".  cJSON prints the head and the totals around an empty
 * array; the records are copied into it from the temporary file.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "exitcodes.h"
#include "mem.h"
#include "msg.h"
#include "stats.h"
#include "summary.h"
#include "text.h"

static void
add_str_or_null(cJSON *o, const char *name, const char *v)
{
    if (v != NULL && v[0] != '\0')
        text_json_add(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

/* One transfer's object; adds its disconnects to *disconnects. */
static cJSON *
transfer_json(const struct xfer_stats *s, uint32_t *disconnects)
{
    cJSON *o = cJSON_CreateObject();
    uint32_t disc = 0;
    double secs = s->end_ms > s->start_ms ? (double)(s->end_ms - s->start_ms) / 1000.0 : 0;

    cJSON_AddNumberToObject(o, "id", s->id);
    if (s->line > 0)
        cJSON_AddNumberToObject(o, "line", s->line);
    else
        cJSON_AddNullToObject(o, "line");
    add_str_or_null(o, "url", s->url);
    add_str_or_null(o, "final_url", s->final_url);
    add_str_or_null(o, "output", s->output);
    if (s->http_status > 0)
        cJSON_AddNumberToObject(o, "http_status", s->http_status);
    else
        cJSON_AddNullToObject(o, "http_status");
    cJSON_AddNumberToObject(o, "bytes", (double)s->bytes_written);
    cJSON_AddNumberToObject(o, "bytes_received", (double)s->bytes_received);
    if (s->total_known)
        cJSON_AddNumberToObject(o, "total", (double)s->total);
    else
        cJSON_AddNullToObject(o, "total");
    cJSON_AddNumberToObject(o, "attempts", s->attempts);
    cJSON_AddNumberToObject(o, "resumes", s->resumes);
    cJSON_AddNumberToObject(o, "restarts", s->restarts);
    cJSON_AddNumberToObject(o, "gaps", s->gaps);
    cJSON *d = cJSON_CreateObject();
    for (int k = DISC_FIN; k < DISC_KINDS; k++) {
        cJSON_AddNumberToObject(d, disconnect_kind_name((enum disconnect_kind)k),
                                s->disconnects[k]);
        disc += s->disconnects[k];
    }
    cJSON_AddNumberToObject(o, "disconnects", disc);
    cJSON_AddItemToObject(o, "disconnects_by_kind", d);
    cJSON_AddNumberToObject(o, "duration", secs);
    cJSON_AddNumberToObject(o, "mean_rate",
                            secs > 0 ? (double)(uint64_t)((double)s->bytes_received / secs) : 0);
    add_str_or_null(o, "sha256", s->sha256);
    cJSON_AddBoolToObject(o, "not_modified", s->not_modified);
    cJSON_AddBoolToObject(o, "skipped", s->skipped);
    cJSON_AddNumberToObject(o, "exit_code", s->exit_code);
    text_json_add(o, "exit_name", haul_exit_name(s->exit_code));
    add_str_or_null(o, "message", s->message);
    *disconnects += disc;
    return o;
}

/* A record waiting for an earlier job to end. */
struct held {
    unsigned id;
    char *text;
    struct held *next;
};

struct summary {
    const struct config *cfg;
    FILE *tmp;                 /* the records so far, ",\n" between them */
    bool any;
    int err;                   /* errno of the first failed write, 0 */
    bool oom;
    unsigned next_id;          /* the record that goes out next */
    struct held *held;         /* by id */
    size_t nheld;
    uint64_t n, ok, not_modified, skipped, bytes, attempts, disconnects;
};

static FILE *
temp_file(int *err)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    char *name = xasprintf("%s/haul-summary-XXXXXX", dir);
    int fd = mkstemp(name);
    FILE *f = NULL;
    if (fd >= 0) {
        unlink(name);
        f = fdopen(fd, "w+");
        if (f == NULL)
            close(fd);
    }
    if (f == NULL)
        *err = errno;
    xfree(name);
    return f;
}

struct summary *
summary_new(const struct config *cfg)
{
    if (cfg->summary == NULL)
        return NULL;
    struct summary *sum = xcalloc(1, sizeof *sum);
    sum->cfg = cfg;
    sum->next_id = 1;
    sum->tmp = temp_file(&sum->err);
    return sum;
}

static void
put(struct summary *sum, struct held *h)
{
    if (sum->tmp != NULL && sum->err == 0 && h->text != NULL &&
        ((sum->any && fputs(",\n", sum->tmp) == EOF) || fputs(h->text, sum->tmp) == EOF))
        sum->err = errno != 0 ? errno : EIO;
    sum->any = true;
    if (h->id >= sum->next_id)
        sum->next_id = h->id + 1;
    cJSON_free(h->text);
    xfree(h);
}

/* Writes the records that are due: the next in order, or the earliest
 * when too many wait. */
static void
flush_held(struct summary *sum, bool all)
{
    while (sum->held != NULL &&
           (sum->held->id <= sum->next_id || sum->nheld > SUMMARY_HOLD || all)) {
        struct held *h = sum->held;
        sum->held = h->next;
        sum->nheld--;
        put(sum, h);
    }
}

void
summary_add(struct summary *sum, const struct xfer_stats *s)
{
    if (sum == NULL)
        return;
    uint32_t disconnects = 0;
    cJSON *o = transfer_json(s, &disconnects);
    struct held *h = xcalloc(1, sizeof *h);
    h->id = s->id;
    h->text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (h->text == NULL)
        sum->oom = true;
    sum->n++;
    sum->bytes += s->bytes_written;
    sum->attempts += s->attempts;
    sum->disconnects += disconnects;
    if (s->exit_code == 0 && s->finished)
        sum->ok++;
    sum->not_modified += s->not_modified;
    sum->skipped += s->skipped;
    struct held **p = &sum->held;
    while (*p != NULL && (*p)->id < h->id)
        p = &(*p)->next;
    h->next = *p;
    *p = h;
    sum->nheld++;
    flush_held(sum, false);
}

/* The document around the records: cJSON's print of it with an empty
 * "transfers", which the records then fill.  NULL when out of memory. */
static char *
frame(const struct summary *sum, int exit_code, double duration_s)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "schema", SUMMARY_SCHEMA);
    text_json_add(root, "haul_version", PACKAGE_VERSION);
    cJSON_AddNumberToObject(root, "exit_code", exit_code);
    text_json_add(root, "exit_name", haul_exit_name(exit_code));
    cJSON_AddArrayToObject(root, "transfers");
    cJSON *tot = cJSON_AddObjectToObject(root, "totals");
    cJSON_AddNumberToObject(tot, "transfers", (double)sum->n);
    cJSON_AddNumberToObject(tot, "succeeded", (double)sum->ok);
    cJSON_AddNumberToObject(tot, "failed", (double)(sum->n - sum->ok));
    cJSON_AddNumberToObject(tot, "not_modified", (double)sum->not_modified);
    cJSON_AddNumberToObject(tot, "skipped", (double)sum->skipped);
    cJSON_AddNumberToObject(tot, "bytes", (double)sum->bytes);
    cJSON_AddNumberToObject(tot, "attempts", (double)sum->attempts);
    cJSON_AddNumberToObject(tot, "disconnects", (double)sum->disconnects);
    cJSON_AddNumberToObject(tot, "duration", duration_s);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

/* Writes the frame with the records in place of its empty array. */
static int
write_doc(struct summary *sum, const char *text, FILE *out)
{
    static const char marker[] = "\"transfers\":\t[]";
    const char *at = strstr(text, marker);
    size_t cut = at != NULL ? (size_t)(at - text) + sizeof marker - 2 : strlen(text);

    if (fwrite(text, 1, cut, out) != cut || fputc('\n', out) == EOF)
        return errno;
    if (sum->tmp != NULL && sum->any) {
        if (fflush(sum->tmp) != 0 || fseek(sum->tmp, 0, SEEK_SET) != 0)
            return errno != 0 ? errno : EIO;
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, sum->tmp)) > 0)
            if (fwrite(buf, 1, n, out) != n)
                return errno;
        if (ferror(sum->tmp))
            return errno != 0 ? errno : EIO;
        if (fputc('\n', out) == EOF)
            return errno;
    }
    if (fputs(text + cut, out) == EOF || fputc('\n', out) == EOF || fflush(out) != 0)
        return errno;
    return 0;
}

static void
summary_free(struct summary *sum)
{
    while (sum->held != NULL) {
        struct held *h = sum->held;
        sum->held = h->next;
        cJSON_free(h->text);
        xfree(h);
    }
    if (sum->tmp != NULL)
        fclose(sum->tmp);
    xfree(sum);
}

int
summary_finish(struct summary *sum, int exit_code, double duration_s)
{
    const char *name = sum->cfg->summary;
    int rc = 0;

    flush_held(sum, true);
    char *text = sum->oom ? NULL : frame(sum, exit_code, duration_s);
    if (text == NULL) {
        msg_error("--summary: out of memory");
        summary_free(sum);
        return HAUL_EXIT_INTERNAL;
    }
    bool to_stdout = strcmp(name, "-") == 0;
    FILE *out = NULL;
    int err = sum->err;
    if (err == 0) {
        out = to_stdout ? stdout : fopen(name, "we");
        err = out == NULL ? errno : write_doc(sum, text, out);
    }
    if (out != NULL && !to_stdout && fclose(out) != 0 && err == 0)
        err = errno;
    if (err != 0) {
        msg_error("--summary %s: %s", name, strerror(err));
        rc = HAUL_EXIT_WRITE;
    }
    cJSON_free(text);
    summary_free(sum);
    return rc;
}
