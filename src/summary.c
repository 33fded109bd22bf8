/*
 * summary.c - the --summary JSON document; see summary.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "exitcodes.h"
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

int
summary_write(const struct config *cfg, const struct run_result *res, int exit_code,
              double duration_s)
{
    cJSON *root = cJSON_CreateObject();
    uint64_t bytes = 0;
    uint32_t attempts = 0, disconnects = 0, ok = 0, not_modified = 0, skipped = 0;
    int rc = 0;

    cJSON_AddNumberToObject(root, "schema", SUMMARY_SCHEMA);
    text_json_add(root, "haul_version", PACKAGE_VERSION);
    cJSON_AddNumberToObject(root, "exit_code", exit_code);
    text_json_add(root, "exit_name", haul_exit_name(exit_code));
    cJSON *xs = cJSON_AddArrayToObject(root, "transfers");
    for (size_t i = 0; i < res->n; i++) {
        const struct xfer_stats *s = &res->stats[i];
        cJSON_AddItemToArray(xs, transfer_json(s, &disconnects));
        bytes += s->bytes_written;
        attempts += s->attempts;
        if (s->exit_code == 0 && s->finished)
            ok++;
        not_modified += s->not_modified;
        skipped += s->skipped;
    }
    cJSON *tot = cJSON_AddObjectToObject(root, "totals");
    cJSON_AddNumberToObject(tot, "transfers", (double)res->n);
    cJSON_AddNumberToObject(tot, "succeeded", ok);
    cJSON_AddNumberToObject(tot, "failed", (double)(res->n - ok));
    cJSON_AddNumberToObject(tot, "not_modified", not_modified);
    cJSON_AddNumberToObject(tot, "skipped", skipped);
    cJSON_AddNumberToObject(tot, "bytes", (double)bytes);
    cJSON_AddNumberToObject(tot, "attempts", attempts);
    cJSON_AddNumberToObject(tot, "disconnects", disconnects);
    cJSON_AddNumberToObject(tot, "duration", duration_s);

    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (text == NULL) {
        msg_error("--summary: out of memory");
        return HAUL_EXIT_INTERNAL;
    }
    bool to_stdout = strcmp(cfg->summary, "-") == 0;
    FILE *out = to_stdout ? stdout : fopen(cfg->summary, "we");
    if (out == NULL || fputs(text, out) == EOF || fputc('\n', out) == EOF ||
        fflush(out) != 0) {
        msg_error("--summary %s: %s", cfg->summary, strerror(errno));
        rc = HAUL_EXIT_WRITE;
    }
    if (out != NULL && !to_stdout && fclose(out) != 0 && rc == 0) {
        msg_error("--summary %s: %s", cfg->summary, strerror(errno));
        rc = HAUL_EXIT_WRITE;
    }
    cJSON_free(text);
    return rc;
}
