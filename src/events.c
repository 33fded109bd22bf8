/*
 * events.c - NDJSON event stream; see events.h.
 *
 * Each event is built as a cJSON object, printed unformatted, and written
 * with one write(2) followed by nothing else, so a reader following the
 * file never sees half a line from haul.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "events.h"
#include "exitcodes.h"
#include "mem.h"
#include "msg.h"
#include "text.h"

struct events {
    int fd;
    bool owns_fd;
    bool broken;    /* a write failed: stop writing, do not disturb the run */
};

struct events *
events_open(const char *spec, int *err)
{
    struct events *ev = xcalloc(1, sizeof *ev);
    char *end = NULL;

    if (strcmp(spec, "-") == 0) {
        ev->fd = STDERR_FILENO;
    } else if (spec[0] >= '0' && spec[0] <= '9' &&
               (errno = 0, strtol(spec, &end, 10), errno == 0 && *end == '\0')) {
        ev->fd = (int)strtol(spec, NULL, 10);
        /* It must be open for writing by the caller: haul opens nothing
         * before this, so it cannot be one of haul's own. */
        int fl = fcntl(ev->fd, F_GETFL);
        if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
            *err = fl < 0 ? EBADF : EACCES;
            xfree(ev);
            return NULL;
        }
    } else {
        ev->fd = open(spec, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_APPEND, 0666);
        if (ev->fd < 0) {
            *err = errno;
            xfree(ev);
            return NULL;
        }
        ev->owns_fd = true;
    }
    return ev;
}

void
events_free(struct events *ev)
{
    if (ev == NULL)
        return;
    if (ev->owns_fd)
        close(ev->fd);
    xfree(ev);
}

static cJSON *
begin(const char *type, unsigned id, const char *url)
{
    char stamp[40];
    struct timeval tv;
    struct tm tm;

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + n, sizeof stamp - n, ".%03dZ", (int)(tv.tv_usec / 1000));

    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    text_json_add(o, "event", type);
    text_json_add(o, "time", stamp);
    cJSON_AddNumberToObject(o, "id", id);
    text_json_add(o, "url", url);
    return o;
}

/* Numbers above 2^53 lose precision in JSON doubles; byte counts that big
 * (8 PiB) are not a concern, so offsets are plain numbers for jq's sake. */
static void
add_u64(cJSON *o, const char *name, uint64_t v)
{
    cJSON_AddNumberToObject(o, name, (double)v);
}

static void
emit(struct events *ev, cJSON *o)
{
    if (o == NULL)
        return;
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (text == NULL)
        return;
    size_t len = strlen(text);
    /* Room for the newline: the printed string has its NUL there. */
    text[len] = '\n';
    /* --events -: the progress bar on the same terminal steps aside, as
     * for a message, so no remnant of it is left between two events. */
    if (ev->fd == STDERR_FILENO)
        msg_clear();
    const char *p = text;
    size_t left = len + 1;
    while (left > 0 && !ev->broken) {
        ssize_t n = write(ev->fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ev->broken = true;
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    cJSON_free(text);
}

void
events_start(struct events *ev, unsigned id, const char *url, const char *output,
             uint64_t offset)
{
    if (ev == NULL || ev->broken)
        return;
    cJSON *o = begin("start", id, url);
    if (o == NULL)
        return;
    text_json_add(o, "output", output);
    add_u64(o, "offset", offset);
    emit(ev, o);
}

void
events_response(struct events *ev, unsigned id, const char *url, const struct response_got *got,
                const char *action, uint64_t offset)
{
    if (ev == NULL || ev->broken)
        return;
    cJSON *o = begin("response", id, url);
    if (o == NULL)
        return;
    bool total_known = got->has_range ? got->range.total_known : got->has_length;
    uint64_t total = got->has_range ? got->range.total : got->length;
    cJSON_AddNumberToObject(o, "status", got->status);
    if (got->has_length)
        add_u64(o, "length", got->length);
    else
        cJSON_AddNullToObject(o, "length");
    if (total_known)
        add_u64(o, "total", total);
    else
        cJSON_AddNullToObject(o, "total");
    if (got->etag[0] != '\0')
        text_json_add(o, "etag", got->etag);
    else
        cJSON_AddNullToObject(o, "etag");
    if (got->last_modified[0] != '\0')
        text_json_add(o, "last_modified", got->last_modified);
    else
        cJSON_AddNullToObject(o, "last_modified");
    text_json_add(o, "action", action);
    add_u64(o, "offset", offset);
    emit(ev, o);
}

void
events_progress(struct events *ev, unsigned id, const char *url, uint64_t bytes,
                bool total_known, uint64_t total, double rate)
{
    if (ev == NULL || ev->broken)
        return;
    cJSON *o = begin("progress", id, url);
    if (o == NULL)
        return;
    add_u64(o, "bytes", bytes);
    if (total_known)
        add_u64(o, "total", total);
    else
        cJSON_AddNullToObject(o, "total");
    cJSON_AddNumberToObject(o, "rate", (double)(uint64_t)rate);
    emit(ev, o);
}

void
events_disconnect(struct events *ev, unsigned id, const char *url, const char *kind,
                  uint64_t offset, const char *message)
{
    if (ev == NULL || ev->broken)
        return;
    cJSON *o = begin("disconnect", id, url);
    if (o == NULL)
        return;
    text_json_add(o, "kind", kind);
    add_u64(o, "offset", offset);
    text_json_add(o, "message", message);
    emit(ev, o);
}

void
events_retry(struct events *ev, unsigned id, const char *url, uint32_t attempt,
             uint64_t delay_ms, const char *reason, uint64_t offset)
{
    if (ev == NULL || ev->broken)
        return;
    cJSON *o = begin("retry", id, url);
    if (o == NULL)
        return;
    cJSON_AddNumberToObject(o, "attempt", attempt);
    cJSON_AddNumberToObject(o, "delay", (double)delay_ms / 1000.0);
    text_json_add(o, "reason", reason);
    add_u64(o, "offset", offset);
    emit(ev, o);
}

void
events_resume(struct events *ev, unsigned id, const char *url, uint64_t offset,
              const char *validated_by)
{
    if (ev == NULL || ev->broken)
        return;
    cJSON *o = begin("resume", id, url);
    if (o == NULL)
        return;
    add_u64(o, "offset", offset);
    text_json_add(o, "validated_by", validated_by);
    emit(ev, o);
}

void
events_gap(struct events *ev, unsigned id, const char *url, bool lost_known,
           uint64_t lost, const char *reason)
{
    if (ev == NULL || ev->broken)
        return;
    cJSON *o = begin("gap", id, url);
    if (o == NULL)
        return;
    if (lost_known)
        add_u64(o, "lost", lost);
    else
        cJSON_AddNullToObject(o, "lost");
    text_json_add(o, "reason", reason);
    emit(ev, o);
}

void
events_not_modified(struct events *ev, unsigned id, const char *url, const char *output)
{
    if (ev == NULL || ev->broken)
        return;
    cJSON *o = begin("not_modified", id, url);
    if (o == NULL)
        return;
    text_json_add(o, "output", output);
    emit(ev, o);
}

void
events_skipped(struct events *ev, unsigned id, const char *url, const char *output,
               const char *reason)
{
    if (ev == NULL || ev->broken)
        return;
    cJSON *o = begin("skipped", id, url);
    if (o == NULL)
        return;
    text_json_add(o, "output", output);
    text_json_add(o, "reason", reason);
    emit(ev, o);
}

void
events_source(struct events *ev, unsigned id, const char *url, const char *source,
              const char *action, const char *reason, const char *next, uint64_t offset)
{
    if (ev == NULL || ev->broken)
        return;
    cJSON *o = begin("source", id, url);
    if (o == NULL)
        return;
    text_json_add(o, "source", source);
    text_json_add(o, "action", action);
    text_json_add(o, "reason", reason);
    text_json_add(o, "next", next);
    add_u64(o, "offset", offset);
    emit(ev, o);
}

void
events_done(struct events *ev, unsigned id, const char *url, const char *output,
            uint64_t bytes, uint32_t attempts, const char *sha256)
{
    if (ev == NULL || ev->broken)
        return;
    cJSON *o = begin("done", id, url);
    if (o == NULL)
        return;
    text_json_add(o, "output", output);
    add_u64(o, "bytes", bytes);
    cJSON_AddNumberToObject(o, "attempts", attempts);
    if (sha256 != NULL && sha256[0] != '\0')
        text_json_add(o, "sha256", sha256);
    emit(ev, o);
}

void
events_error(struct events *ev, unsigned id, const char *url, int exit_code,
             const char *message)
{
    if (ev == NULL || ev->broken)
        return;
    cJSON *o = begin("error", id, url);
    if (o == NULL)
        return;
    cJSON_AddNumberToObject(o, "exit_code", exit_code);
    text_json_add(o, "exit_name", haul_exit_name(exit_code));
    text_json_add(o, "message", message);
    emit(ev, o);
}
