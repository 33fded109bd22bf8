/*
 * memstats.c - --memstats samples and the final report; see memstats.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "exitcodes.h"
#include "human.h"
#include "mem.h"
#include "memstats.h"
#include "msg.h"
#include "stats.h"
#include "text.h"

struct sample {
    double t;                      /* seconds since the loop started */
    uint64_t rss;
    int64_t live[MEM_OWNER_COUNT];
};

/* What the report needs of one transfer, copied out of its stats. */
struct xfer_figures {
    unsigned id;
    char *url;                     /* plain malloc */
    uint64_t bytes_received, bytes_written;
    uint32_t attempts;
    uint32_t disconnects[DISC_KINDS];
    size_t sink_peak;
    struct mem_figures haul;       /* the transfer's account */
    int64_t attempt_live_max;
    uint32_t attempts_leaking;
    int64_t live_after_teardown;
};

struct memstats {
    char *file;                    /* --memstats=FILE or NULL; plain malloc */
    uint64_t interval_ms;
    uv_loop_t *loop;
    uint64_t start_ms;
    uint64_t last_ms;
    struct sample *samples;
    size_t nsamples, cap;
    struct xfer_figures *xfers;    /* in the order the jobs ended */
    size_t nxfers, capxfers;
};

struct memstats *
memstats_new(const struct config *cfg)
{
    if (!cfg->memstats)
        return NULL;
    struct memstats *ms = calloc(1, sizeof *ms);
    if (ms == NULL)
        return NULL;
    ms->interval_ms = cfg->memstats_interval_ms;
    if (cfg->memstats_file != NULL && (ms->file = strdup(cfg->memstats_file)) == NULL) {
        free(ms);
        return NULL;
    }
    return ms;
}

void
memstats_start(struct memstats *ms, uv_loop_t *loop)
{
    ms->loop = loop;
    ms->start_ms = ms->last_ms = uv_now(loop);
}

void
memstats_tick(struct memstats *ms, uint64_t now)
{
    uint64_t interval = ms->interval_ms;
    if (interval == 0 || now - ms->last_ms < interval)
        return;
    ms->last_ms = now;
    if (ms->nsamples == ms->cap) {
        size_t cap = ms->cap ? ms->cap * 2 : 64;
        struct sample *grown = realloc(ms->samples, cap * sizeof *grown);
        if (grown == NULL)
            return;    /* a sample less; the run goes on */
        ms->samples = grown;
        ms->cap = cap;
    }
    struct sample *s = &ms->samples[ms->nsamples++];
    uint64_t peak;
    s->t = (double)(now - ms->start_ms) / 1000.0;
    mem_rss(&s->rss, &peak);
    for (int i = 0; i < MEM_OWNER_COUNT; i++) {
        struct mem_figures f;
        mem_owner_read((enum mem_owner)i, &f);
        s->live[i] = f.live;
    }
    if (ms->file == NULL) {
        char a[5][24], r[24];
        msg_result("memstats t=%.1fs rss=%s live: haul=%s libcurl=%s openssl=%s libuv=%s cjson=%s",
                   s->t, human_size((double)s->rss, r, sizeof r),
                   human_size((double)s->live[MEM_HAUL], a[0], 24),
                   human_size((double)s->live[MEM_CURL], a[1], 24),
                   human_size((double)s->live[MEM_OPENSSL], a[2], 24),
                   human_size((double)s->live[MEM_UV], a[3], 24),
                   human_size((double)s->live[MEM_CJSON], a[4], 24));
    }
}

/* Why bytes may still be live at exit, for the report. */
static const char *
remainder_cause(enum mem_owner owner, int64_t live)
{
    if (live == 0)
        return NULL;
    switch (owner) {
    case MEM_OPENSSL:
        return "OpenSSL keeps per-thread and global state until the process exits";
    case MEM_CURL:
        return "libcurl global state not released by curl_global_cleanup";
    case MEM_UV:
        return "libuv thread pool state";
    default:
        return "not freed: a leak";
    }
}

/* The table on stderr, in 80 columns: allocators, process, transfers. */
static void
print_table(const struct memstats *ms, const struct mem_figures *f, uint64_t rss,
            uint64_t peak_rss)
{
    char b[5][24];
    msg_result("memstats: allocator   allocs    frees    total     peak     live");
    for (int i = 0; i < MEM_OWNER_COUNT; i++) {
        const char *problem = mem_install_problem((enum mem_owner)i);
        if (problem != NULL) {
            msg_result("memstats: %-8s not counted: %s", mem_owner_name((enum mem_owner)i),
                       problem);
            continue;
        }
        msg_result("memstats: %-8s %9" PRIu64 " %8" PRIu64 " %8s %8s %8s",
                   mem_owner_name((enum mem_owner)i), f[i].allocs, f[i].frees,
                   human_size_short((double)f[i].bytes_total, b[0], 24),
                   human_size_short((double)f[i].peak, b[1], 24),
                   human_size_short((double)f[i].live, b[2], 24));
        const char *cause = remainder_cause((enum mem_owner)i, f[i].live);
        if (cause != NULL)
            msg_result("memstats: %-8s %s live at exit: %s", mem_owner_name((enum mem_owner)i),
                       human_size_short((double)f[i].live, b[0], 24), cause);
    }
    msg_result("memstats: process peak RSS %s, RSS at exit %s",
               human_size_short((double)peak_rss, b[0], 24),
               human_size_short((double)rss, b[1], 24));
    if (ms->nxfers == 0)
        return;
    msg_result("memstats: xfer tries disc received sinkpeak haulpeak left/att left/xfr");
    for (size_t i = 0; i < ms->nxfers; i++) {
        const struct xfer_figures *x = &ms->xfers[i];
        uint32_t disc = 0;
        for (int k = 0; k < DISC_KINDS; k++)
            disc += x->disconnects[k];
        msg_result("memstats: %4u %5" PRIu32 " %4" PRIu32 " %8s %8s %8s %8s %8s", x->id,
                   x->attempts, disc, human_size_short((double)x->bytes_received, b[0], 24),
                   human_size_short((double)x->sink_peak, b[1], 24),
                   human_size_short((double)x->haul.peak, b[2], 24),
                   human_size_short((double)x->attempt_live_max, b[3], 24),
                   human_size_short((double)x->live_after_teardown, b[4], 24));
    }
    msg_result("memstats: left/att, left/xfr: haul's bytes still live after the");
    msg_result("memstats: worst attempt's teardown, and the transfer's; both must be 0");
}

/*
 * A whole number into a JSON object.  cJSON keeps numbers as doubles and
 * prints each one with "%1.15g", reading it back with sscanf to check:
 * about 4,000 instructions a number, 85,000 a transfer in the report of a
 * crawl.  Its raw-text item takes the exact decimal instead (no rounding
 * past 2^53 either).  `name` is a string that outlives the object (a
 * literal or a static name), so cJSON does not copy it.
 */
static void
add_int(cJSON *o, const char *name, uint64_t magnitude, bool negative)
{
    char buf[24], *p = buf + sizeof buf;
    *--p = '\0';
    do {
        *--p = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (negative)
        *--p = '-';
    cJSON *n = cJSON_CreateRaw(p);
    if (n != NULL && !cJSON_AddItemToObjectCS(o, name, n))
        cJSON_Delete(n);
}

static void add_u64(cJSON *o, const char *name, uint64_t v) { add_int(o, name, v, false); }

static void
add_i64(cJSON *o, const char *name, int64_t v)
{
    add_int(o, name, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

static cJSON *
figures_json(enum mem_owner owner, const struct mem_figures *f)
{
    cJSON *o = cJSON_CreateObject();
    const char *problem = mem_install_problem(owner);
    cJSON_AddBoolToObject(o, "counted", problem == NULL);
    if (problem != NULL) {
        cJSON_AddStringToObject(o, "problem", problem);
        return o;
    }
    add_u64(o, "allocs", f->allocs);
    add_u64(o, "frees", f->frees);
    add_u64(o, "bytes_total", f->bytes_total);
    add_i64(o, "peak_live", f->peak);
    add_i64(o, "live", f->live);
    const char *cause = remainder_cause(owner, f->live);
    if (cause != NULL)
        cJSON_AddStringToObject(o, "remainder_cause", cause);
    else
        cJSON_AddNullToObject(o, "remainder_cause");
    return o;
}

static cJSON *
transfer_json(const struct xfer_figures *s)
{
    cJSON *o = cJSON_CreateObject();
    add_u64(o, "id", s->id);
    text_json_add(o, "url", s->url ? s->url : "");
    add_u64(o, "bytes_received", s->bytes_received);
    add_u64(o, "bytes_written", s->bytes_written);
    add_u64(o, "attempts", s->attempts);
    cJSON *d = cJSON_AddObjectToObject(o, "disconnects");
    for (int k = DISC_FIN; k < DISC_KINDS; k++)
        add_u64(d, disconnect_kind_name((enum disconnect_kind)k), s->disconnects[k]);
    add_u64(o, "sink_peak", s->sink_peak);
    add_i64(o, "haul_peak", s->haul.peak);
    add_u64(o, "haul_allocs", s->haul.allocs);
    add_i64(o, "attempt_live_max", s->attempt_live_max);
    add_u64(o, "attempts_leaking", s->attempts_leaking);
    add_i64(o, "live_after_teardown", s->live_after_teardown);
    return o;
}

static cJSON *
sample_json(const struct sample *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "t", s->t);
    add_u64(o, "rss", s->rss);
    cJSON *live = cJSON_AddObjectToObject(o, "live");
    for (int k = 0; k < MEM_OWNER_COUNT; k++)
        add_i64(live, mem_owner_name((enum mem_owner)k), s->live[k]);
    return o;
}

/* The document around the arrays: cJSON's print of it with "transfers"
 * and "samples" empty, which write_json() then fills.  NULL when out of
 * memory. */
static char *
frame(const struct mem_figures *f, uint64_t rss, uint64_t peak_rss)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "schema", MEMSTATS_SCHEMA);
    cJSON *allocs = cJSON_AddObjectToObject(root, "allocators");
    for (int i = 0; i < MEM_OWNER_COUNT; i++)
        cJSON_AddItemToObject(allocs, mem_owner_name((enum mem_owner)i),
                              figures_json((enum mem_owner)i, &f[i]));
    cJSON *proc = cJSON_AddObjectToObject(root, "process");
    add_u64(proc, "peak_rss", peak_rss);
    add_u64(proc, "rss", rss);
    cJSON_AddArrayToObject(root, "transfers");
    cJSON_AddArrayToObject(root, "samples");
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

/*
 * Writes *text up to the empty array named by `marker`, then the n items
 * one a line, each built, printed and freed in turn (a run of a million
 * transfers never holds a million cJSON objects); *text moves to the
 * array's "]".  0, or an errno.
 */
static int
fill_array(FILE *out, const char **text, const char *marker, const struct memstats *ms, size_t n,
           cJSON *(*item)(const struct memstats *, size_t))
{
    const char *at = strstr(*text, marker);
    if (at == NULL)
        return EINVAL;
    size_t cut = (size_t)(at - *text) + strlen(marker) - 1;    /* through the "[" */
    if (fwrite(*text, 1, cut, out) != cut)
        return errno;
    for (size_t i = 0; i < n; i++) {
        cJSON *o = item(ms, i);
        char *line = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (line == NULL)
            return ENOMEM;
        int bad = fputs(i == 0 ? "\n" : ",\n", out) == EOF || fputs(line, out) == EOF;
        cJSON_free(line);
        if (bad)
            return errno;
    }
    if (n > 0 && fputc('\n', out) == EOF)
        return errno;
    *text += cut;
    return 0;
}

static cJSON *
nth_transfer(const struct memstats *ms, size_t i)
{
    return transfer_json(&ms->xfers[i]);
}

static cJSON *
nth_sample(const struct memstats *ms, size_t i)
{
    return sample_json(&ms->samples[i]);
}

static int
write_json(struct memstats *ms, const struct mem_figures *f, uint64_t rss, uint64_t peak_rss)
{
    char *text = frame(f, rss, peak_rss);
    if (text == NULL) {
        msg_error("--memstats: out of memory");
        return HAUL_EXIT_INTERNAL;
    }
    int err = 0;
    const char *rest = text;
    FILE *out = fopen(ms->file, "we");
    if (out == NULL)
        err = errno;
    if (err == 0)
        err = fill_array(out, &rest, "\"transfers\":\t[]", ms, ms->nxfers, nth_transfer);
    if (err == 0)
        err = fill_array(out, &rest, "\"samples\":\t[]", ms, ms->nsamples, nth_sample);
    if (err == 0 && (fputs(rest, out) == EOF || fputc('\n', out) == EOF))
        err = errno;
    if (out != NULL && fclose(out) != 0 && err == 0)
        err = errno;
    cJSON_free(text);
    if (err == ENOMEM) {
        msg_error("--memstats: out of memory");
        return HAUL_EXIT_INTERNAL;
    }
    if (err != 0) {
        msg_error("--memstats=%s: %s", ms->file, strerror(err));
        return HAUL_EXIT_WRITE;
    }
    return 0;
}

void
memstats_add(struct memstats *ms, const struct xfer_stats *s)
{
    if (ms->nxfers == ms->capxfers) {
        size_t cap = ms->capxfers ? ms->capxfers * 2 : 16;
        struct xfer_figures *v = realloc(ms->xfers, cap * sizeof *v);
        if (v == NULL)
            return;
        ms->xfers = v;
        ms->capxfers = cap;
    }
    struct xfer_figures *x = &ms->xfers[ms->nxfers];
    memset(x, 0, sizeof *x);
    x->id = s->id;
    x->url = strdup(s->url ? s->url : "");
    x->bytes_received = s->bytes_received;
    x->bytes_written = s->bytes_written;
    x->attempts = s->attempts;
    memcpy(x->disconnects, s->disconnects, sizeof x->disconnects);
    x->sink_peak = s->sink_peak;
    mem_account_read(&s->acct, &x->haul);
    x->attempt_live_max = s->attempt_live_max;
    x->attempts_leaking = s->attempts_leaking;
    x->live_after_teardown = s->live_after_teardown;
    ms->nxfers++;
}

static int
by_id(const void *a, const void *b)
{
    const struct xfer_figures *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

int
memstats_report(struct memstats *ms)
{
    struct mem_figures f[MEM_OWNER_COUNT];
    uint64_t rss, peak_rss;

    /* Read everything before building any report: that allocates too. */
    for (int i = 0; i < MEM_OWNER_COUNT; i++)
        mem_owner_read((enum mem_owner)i, &f[i]);
    mem_rss(&rss, &peak_rss);
    if (ms->nxfers > 1)
        qsort(ms->xfers, ms->nxfers, sizeof *ms->xfers, by_id);
    if (ms->file == NULL) {
        print_table(ms, f, rss, peak_rss);
        return 0;
    }
    return write_json(ms, f, rss, peak_rss);
}

void
memstats_free(struct memstats *ms)
{
    if (ms == NULL)
        return;
    for (size_t i = 0; i < ms->nxfers; i++)
        free(ms->xfers[i].url);
    free(ms->xfers);
    free(ms->samples);
    free(ms->file);
    free(ms);
}
