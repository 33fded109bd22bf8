/*
 * run.c - one invocation: the loop, the scheduler, signals, shutdown.
 *
 * The scheduler is one uv timer.  Each time it fires (every TICK_MS, or at
 * once after a transfer woke it) it stops the transfers to stdout once the
 * reader went away, frees finished transfers, starts queued ones while
 * there are free slots (-P, --parallel-host, and stdout bodies one after
 * another in URL order), and gives every live transfer its tick (stalls,
 * --max-time, retries that are due, journal saves).  When every transfer
 * is done it winds down: libcurl's multi handle first (it may still close
 * sockets), then our handles; the loop then runs out of handles and
 * uv_run() returns.
 *
 * Each transfer gets the run as an environment (env.h): the loop, the
 * curl glue, --events and three callbacks (wake, stdout_broken, random01)
 * that only set flags or arm the timer, so no transfer is re-entered from
 * inside its own code.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attempt.h"
#include "curluv.h"
#include "env.h"
#include "exitcodes.h"
#include "http.h"
#include "mem.h"
#include "msg.h"
#include "progress.h"
#include "run.h"
#include "sink.h"
#include "transfer.h"
#include "writeout.h"

#define TICK_MS 100

struct host_slot {
    char *key;
    unsigned active;
};

struct run {
    uv_loop_t loop;
    const struct config *cfg;
    struct curluv *cu;
    struct transfer_env env;      /* what every transfer is given */
    uv_timer_t *timer;
    uv_signal_t *sig_int;
    uv_signal_t *sig_term;
    struct events *events;
    struct progress *progress;
    struct xfer_snapshot *snap;   /* [n], for the progress display */
    struct memstats *memstats;

    struct transfer **xfers;      /* [n]; NULL before start and after free */
    struct xfer_stats *stats;     /* [n], handed to the result */
    size_t n;
    size_t next;                  /* no job before this one is waiting to start */
    size_t done;                  /* transfers freed */
    unsigned active;              /* started and not yet freed */
    unsigned active_rate_share;   /* active count the rate limits were set for */
    struct host_slot *hosts;
    size_t nhosts;
    uint32_t *hindex;             /* [hcap]: slot + 1 by key hash, 0 free */
    size_t hcap;
    uint32_t *job_host;           /* [n]: see job_host() */
    size_t hosts_unknown;         /* jobs whose host is not looked up yet */
    size_t hosts_full;            /* slots at --parallel-host */
    bool any_no_host;             /* a job's URL has no host key */
    size_t lo, hi;                /* every live transfer is in [lo, hi) */

    int signal_code;              /* 130 or 143 after a signal */
    bool stdout_broken;           /* its reader went away ... */
    bool stdout_stopped;          /* ... and the transfers to it were stopped */
    bool poked;
    bool wound_down;
    uint64_t rng;
};

static void on_timer(uv_timer_t *h);
static void on_handle_closed(uv_handle_t *h);

/* env.random01: xorshift64*; jitter needs spread, not cryptography. */
static double
random01(void *ctx)
{
    struct run *r = ctx;
    r->rng ^= r->rng >> 12;
    r->rng ^= r->rng << 25;
    r->rng ^= r->rng >> 27;
    return (double)((r->rng * UINT64_C(2685821657736338717)) >> 11) / 9007199254740992.0;
}

/* env.wake: the scheduler runs at the loop's next turn. */
static void
wake(void *ctx)
{
    struct run *r = ctx;
    if (r->wound_down || r->poked)
        return;
    r->poked = true;
    uv_timer_start(r->timer, on_timer, 0, 0);
}

/* env.stdout_broken: the other transfers to stdout stop at the next tick. */
static void
stdout_broken(void *ctx)
{
    struct run *r = ctx;
    r->stdout_broken = true;
    wake(r);
}

/* The reader of stdout went away: every transfer to stdout stops. */
static void
stop_stdout(struct run *r)
{
    if (!r->stdout_broken || r->stdout_stopped)
        return;
    r->stdout_stopped = true;
    for (size_t i = r->lo; i < r->hi; i++)
        if (r->xfers[i] != NULL)
            transfer_cancel_stdout(r->xfers[i]);
}

/* A job that ends before any transfer was made for it. */
static void
end_unstarted(struct run *r, size_t i, int code, const char *message)
{
    r->stats[i].url = url_redacted(r->cfg->jobs[i].url);
    stats_finish(&r->stats[i], r->events, code, message, 0);
    if (r->cfg->write_out != NULL)
        writeout_format(r->cfg->write_out, &r->stats[i], msg_write_out, NULL);
    r->done++;
}

/* ---- per-host slots --------------------------------------------------- */

/* Each job's host is looked up once (job_host[i]: slot + 1, 0 before the
 * lookup, NO_HOST for a URL without one), the slots found through a hash
 * of their keys: a pass of the scheduler then costs a load and a compare
 * per waiting job, not a URL parse (with one host and --parallel-host
 * binding before -P, that parse was 92 % of the run's instructions). */
#define NO_HOST UINT32_MAX

static uint32_t
key_hash(const char *k)
{
    uint32_t h = 2166136261u;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 16777619u;
    return h;
}

static void
host_index_grow(struct run *r)
{
    size_t cap = r->hcap != 0 ? r->hcap * 2 : 64;
    uint32_t *ix = xcalloc(cap, sizeof *ix);
    for (size_t i = 0; i < r->nhosts; i++) {
        size_t b = key_hash(r->hosts[i].key) & (cap - 1);
        while (ix[b] != 0)
            b = (b + 1) & (cap - 1);
        ix[b] = (uint32_t)i + 1;
    }
    xfree(r->hindex);
    r->hindex = ix;
    r->hcap = cap;
}

static uint32_t
host_slot(struct run *r, const char *key)
{
    if ((r->nhosts + 1) * 2 > r->hcap)
        host_index_grow(r);
    size_t b = key_hash(key) & (r->hcap - 1);
    for (; r->hindex[b] != 0; b = (b + 1) & (r->hcap - 1))
        if (strcmp(r->hosts[r->hindex[b] - 1].key, key) == 0)
            return r->hindex[b] - 1;
    r->hosts = xrealloc(r->hosts, (r->nhosts + 1) * sizeof *r->hosts);
    r->hosts[r->nhosts].key = xstrdup(key);
    r->hosts[r->nhosts].active = 0;
    r->hindex[b] = (uint32_t)r->nhosts + 1;
    return (uint32_t)r->nhosts++;
}

/* The slot of job i's host, or NO_HOST. */
static uint32_t
job_host(struct run *r, size_t i)
{
    if (r->job_host[i] == 0) {
        char *key = url_host_key(r->cfg->jobs[i].url);
        r->job_host[i] = key != NULL ? host_slot(r, key) + 1 : NO_HOST;
        r->any_no_host |= key == NULL;
        r->hosts_unknown--;
        xfree(key);
    }
    return r->job_host[i] == NO_HOST ? NO_HOST : r->job_host[i] - 1;
}

static bool
host_has_room(struct run *r, size_t i)
{
    uint32_t h = job_host(r, i);
    return h == NO_HOST || r->hosts[h].active < r->cfg->parallel_host;
}

static void
host_count(struct run *r, size_t i, int delta)
{
    uint32_t h = job_host(r, i);
    if (h == NO_HOST)
        return;
    unsigned cap = r->cfg->parallel_host;
    bool was_full = r->hosts[h].active >= cap;
    r->hosts[h].active = (unsigned)((int)r->hosts[h].active + delta);
    bool full = r->hosts[h].active >= cap;
    if (full != was_full)
        r->hosts_full = full ? r->hosts_full + 1 : r->hosts_full - 1;
}

/* No waiting job can start: every host it could be for is at its cap. */
static bool
hosts_all_full(const struct run *r)
{
    return r->hosts_unknown == 0 && !r->any_no_host && r->hosts_full == r->nhosts &&
           !r->stdout_broken;
}

/* ---- scheduling ------------------------------------------------------- */

static bool
job_to_stdout(const struct config *cfg, const struct job *j)
{
    if (j->output != NULL)
        return strcmp(j->output, "-") == 0;
    return !cfg->remote_name;
}

/* Frees finished transfers and records what they left behind. */
static void
reap(struct run *r)
{
    for (size_t i = r->lo; i < r->hi; i++) {
        struct transfer *t = r->xfers[i];
        if (t == NULL || !transfer_finished(t))
            continue;
        if (transfer_started(t))
            host_count(r, i, -1);
        if (r->progress != NULL)
            progress_finished(r->progress, &r->stats[i]);
        transfer_free(t);
        r->xfers[i] = NULL;
        r->active--;
        r->done++;
        struct mem_figures f;
        mem_account_read(&r->stats[i].acct, &f);
        r->stats[i].live_after_teardown = f.live;
    }
    /* Every job before next is started or finished: move past the freed. */
    while (r->lo < r->next && r->xfers[r->lo] == NULL)
        r->lo++;
}

static void
share_rate(struct run *r)
{
    uint64_t total = r->cfg->limit_rate_total;
    if (total == 0 || r->active == 0 || r->active == r->active_rate_share)
        return;
    r->active_rate_share = r->active;
    uint64_t each = total / r->active;
    if (each == 0)
        each = 1;
    if (r->cfg->limit_rate > 0 && r->cfg->limit_rate < each)
        each = r->cfg->limit_rate;
    for (size_t i = r->lo; i < r->hi; i++)
        if (r->xfers[i] != NULL && transfer_started(r->xfers[i]))
            transfer_set_rate_limit(r->xfers[i], each);
}

static void
start_more(struct run *r)
{
    const struct config *cfg = r->cfg;
    bool stdout_blocked = false;

    /* Is an earlier stdout body still being written? */
    for (size_t i = r->lo; i < r->next && !stdout_blocked; i++)
        if (r->xfers[i] != NULL && transfer_to_stdout(r->xfers[i]))
            stdout_blocked = true;

    for (size_t i = r->next; i < r->n && r->active < cfg->parallel && r->signal_code == 0 &&
                             !hosts_all_full(r); i++) {
        const struct job *job = &cfg->jobs[i];
        bool to_stdout = job_to_stdout(cfg, job);

        if (r->xfers[i] != NULL || r->stats[i].finished) {
            if (i == r->next)
                r->next++;
            if (r->xfers[i] != NULL && transfer_to_stdout(r->xfers[i]))
                stdout_blocked = true;
            continue;
        }
        if (to_stdout && (stdout_blocked || r->stdout_broken)) {
            if (r->stdout_broken) {
                /* The reader is gone: nothing to write this body to. */
                end_unstarted(r, i, HAUL_EXIT_PIPE, "output pipe closed");
                if (i == r->next)
                    r->next++;
                continue;
            }
            continue;    /* stdout bodies go out in URL order */
        }
        if (!host_has_room(r, i)) {
            if (to_stdout)
                stdout_blocked = true;
            continue;
        }
        struct transfer *t = transfer_new(&r->env, cfg, job, &r->stats[i]);
        r->xfers[i] = t;
        r->active++;
        if (i >= r->hi)
            r->hi = i + 1;
        if (i == r->next)
            r->next++;
        if (transfer_finished(t))
            continue;    /* failed before it started; reaped next round */
        host_count(r, i, +1);
        if (transfer_to_stdout(t))
            stdout_blocked = true;
        if (cfg->limit_rate_total > 0)
            r->active_rate_share = 0;
        transfer_start(t);
    }
}

static void
wind_down(struct run *r)
{
    if (r->wound_down)
        return;
    r->wound_down = true;
    uv_timer_stop(r->timer);
    uv_close((uv_handle_t *)r->timer, on_handle_closed);
    uv_signal_stop(r->sig_int);
    uv_signal_stop(r->sig_term);
    uv_close((uv_handle_t *)r->sig_int, on_handle_closed);
    uv_close((uv_handle_t *)r->sig_term, on_handle_closed);
    curluv_free(r->cu);
    r->cu = NULL;
    if (r->progress != NULL)
        progress_end(r->progress);
}

static void
on_timer(uv_timer_t *h)
{
    struct run *r = h->data;
    uint64_t now = uv_now(&r->loop);
    uint64_t next = now + TICK_MS;

    r->poked = false;
    stop_stdout(r);
    for (int round = 0; round < 2; round++) {
        reap(r);
        start_more(r);
        share_rate(r);
    }
    for (size_t i = r->lo; i < r->hi; i++) {
        if (r->xfers[i] == NULL)
            continue;
        uint64_t due = transfer_tick(r->xfers[i], now);
        if (due < next)
            next = due;
    }
    reap(r);
    if (r->memstats != NULL)
        memstats_tick(r->memstats, now);
    if (r->progress != NULL) {
        for (size_t i = 0; i < r->n; i++) {
            if (r->xfers[i] != NULL)
                transfer_snapshot(r->xfers[i], now, &r->snap[i]);
            else
                memset(&r->snap[i], 0, sizeof r->snap[i]);
        }
        progress_tick(r->progress, now, r->snap, r->n);
    }
    if (r->done == r->n) {
        wind_down(r);
        return;
    }
    /* Never 0 here: a due time in the past would spin the loop. */
    if (!r->poked)
        uv_timer_start(r->timer, on_timer, next > now ? next - now : 1, 0);
}

static void
on_signal(uv_signal_t *h, int signum)
{
    struct run *r = h->data;
    int code = signum == SIGINT ? HAUL_EXIT_INTERRUPTED : HAUL_EXIT_TERMINATED;

    if (r->signal_code != 0) {
        /* A second signal: the user means it.  _exit() runs no cleanup:
         * put back the flags of a socket on stdout first. */
        msg_error("stopped at once");
        sink_restore_stdout();
        _exit(code);
    }
    r->signal_code = code;
    if (r->progress != NULL)
        progress_clear(r->progress);
    for (size_t i = 0; i < r->n; i++) {
        if (r->xfers[i] != NULL) {
            transfer_interrupt(r->xfers[i], code);
        } else if (!r->stats[i].finished) {
            end_unstarted(r, i, code, "interrupted before it started");
        }
    }
    wake(r);
}

static void
on_curl_done(void *ctx, CURL *easy, CURLcode result)
{
    (void)ctx;
    attempt_curl_done(easy, result);
}

static void on_handle_closed(uv_handle_t *h) { xfree(h); }

static void
on_walk_report(uv_handle_t *h, void *arg)
{
    (void)arg;
    msg_error("internal error: a %s handle is still open at exit", uv_handle_type_name(h->type));
}

/* The jobs' records, the display, the scheduler's timer, the signals. */
static void
run_setup(struct run *r)
{
    const struct config *cfg = r->cfg;
    r->env = (struct transfer_env){
        .loop = &r->loop, .cu = r->cu, .events = r->events, .ctx = r,
        .wake = wake, .stdout_broken = stdout_broken, .random01 = random01,
    };
    /* haul itself caps transfers per host; libcurl's cap counts connections,
     * of which -x gives each transfer several.  A part waiting in libcurl's
     * queue would look stalled. */
    curl_multi_setopt(curluv_multi(r->cu), CURLMOPT_MAX_HOST_CONNECTIONS,
                      (long)cfg->parallel_host * (long)cfg->segments);
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    r->xfers = xcalloc(r->n, sizeof *r->xfers);
    r->stats = xcalloc(r->n, sizeof *r->stats);
    r->job_host = xcalloc(r->n, sizeof *r->job_host);
    r->hosts_unknown = r->n;
    for (size_t i = 0; i < r->n; i++) {
        r->stats[i].id = (unsigned)i + 1;
        mem_account_init(&r->stats[i].acct, NULL);
        mem_account_init(&r->stats[i].attempt_acct, &r->stats[i].acct);
    }
    r->progress = progress_new(cfg, r->n);
    if (r->progress != NULL)
        r->snap = xcalloc(r->n, sizeof *r->snap);

    r->timer = xcalloc(1, sizeof *r->timer);
    r->sig_int = xcalloc(1, sizeof *r->sig_int);
    r->sig_term = xcalloc(1, sizeof *r->sig_term);
    uv_timer_init(&r->loop, r->timer);
    uv_signal_init(&r->loop, r->sig_int);
    uv_signal_init(&r->loop, r->sig_term);
    r->timer->data = r->sig_int->data = r->sig_term->data = r;
    uv_signal_start(r->sig_int, on_signal, SIGINT);
    uv_signal_start(r->sig_term, on_signal, SIGTERM);
    if (r->memstats != NULL)
        memstats_start(r->memstats, &r->loop);
}

/* haul's exit status: a signal's, else that of the first job that failed. */
static int
run_status(const struct run *r)
{
    if (r->signal_code != 0)
        return r->signal_code;
    for (size_t i = 0; i < r->n; i++)
        if (r->stats[i].exit_code != HAUL_EXIT_OK)
            return r->stats[i].exit_code;
    return HAUL_EXIT_OK;
}

/* Closes what is left, frees the run, hands the records to *result;
 * returns code, or INTERNAL when a handle was still open. */
static int
run_teardown(struct run *r, int code, struct run_result *result)
{
    if (!r->wound_down) {
        if (r->cu != NULL)
            curluv_free(r->cu);
        uv_run(&r->loop, UV_RUN_DEFAULT);
    }
    sink_cleanup();
    if (uv_loop_close(&r->loop) != 0) {
        uv_walk(&r->loop, on_walk_report, NULL);
        code = HAUL_EXIT_INTERNAL;
    }
    progress_free(r->progress);
    xfree(r->snap);
    for (size_t i = 0; i < r->nhosts; i++)
        xfree(r->hosts[i].key);
    xfree(r->hosts);
    xfree(r->hindex);
    xfree(r->job_host);
    xfree(r->xfers);
    result->stats = r->stats;
    result->n = r->stats != NULL ? r->n : 0;
    result->signal_code = r->signal_code;
    xfree(r);
    return code;
}

int
run_main(const struct config *cfg, struct memstats *ms, struct events *ev,
         struct run_result *result)
{
    struct run *r = xcalloc(1, sizeof *r);
    int err = 0;

    memset(result, 0, sizeof *result);
    r->cfg = cfg;
    r->memstats = ms;
    r->events = ev;
    r->n = cfg->njobs;
    r->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)r;
    if (r->rng == 0)
        r->rng = 1;
    if ((err = uv_loop_init(&r->loop)) != 0) {
        msg_error("cannot start the event loop: %s", uv_strerror(err));
        xfree(r);
        return HAUL_EXIT_INTERNAL;
    }
    r->cu = curluv_new(&r->loop, on_curl_done, r);
    if (r->cu == NULL) {
        msg_error("cannot set up libcurl");
        return run_teardown(r, HAUL_EXIT_INTERNAL, result);
    }
    run_setup(r);
    wake(r);
    uv_run(&r->loop, UV_RUN_DEFAULT);
    return run_teardown(r, run_status(r), result);
}

void
run_result_free(struct run_result *res)
{
    for (size_t i = 0; i < res->n; i++) {
        xfree(res->stats[i].url);
        xfree(res->stats[i].final_url);
        xfree(res->stats[i].output);
        xfree(res->stats[i].message);
    }
    xfree(res->stats);
    memset(res, 0, sizeof *res);
}
