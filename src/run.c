/*
 * run.c - one invocation: the loop, the scheduler, signals, shutdown.
 *
 * The scheduler is one uv timer.  Each time it fires (every TICK_MS, or at
 * once after a transfer or the input list woke it) it stops the transfers
 * to stdout once the reader went away, ends the jobs that are over (their
 * records go to --summary, --memstats and the exit status, then are
 * freed), takes new jobs from the list (joblist.c) while the window has
 * room, starts waiting ones while there are free slots (-P,
 * --parallel-host, and stdout bodies one after another in URL order), and
 * gives every live transfer its tick (stalls, --max-time, retries that are
 * due, journal saves).  When the list is over and every job is done it
 * winds down: libcurl's multi handle first (it may still close sockets),
 * then our handles; the loop then runs out of handles and uv_run()
 * returns.
 *
 * The window: the run holds at most WINDOW(P) jobs, running and waiting,
 * whatever the length of the list, so memory does not grow with it.  A job
 * waits there for a free slot, for its host (--parallel-host), or for an
 * earlier body on stdout.  Each job taken from the list has its output's
 * name compared with those of the jobs held and with the report files; a
 * clash fails that job (exit 2) rather than let two transfers write one
 * file.
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
#include "hosts.h"
#include "http.h"
#include "joblist.h"
#include "mem.h"
#include "msg.h"
#include "outputs.h"
#include "progress.h"
#include "run.h"
#include "sink.h"
#include "summary.h"
#include "transfer.h"
#include "writeout.h"

#define TICK_MS 100
/* Jobs held at once: every running one, and as many waiting to look past
 * a busy host. */
#define WINDOW(p) (2 * (size_t)(p) + 64)

/* One job the run holds, from the list until its record is handed on. */
struct slot {
    struct job job;
    struct xfer_stats st;
    struct transfer *t;           /* NULL before start and after free */
    char *out_key;                /* its output file (outputs_key), or NULL */
    uint32_t host;                /* its host's id in hosts, or NO_HOST (see host_of()) */
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
    struct summary *summary;
    struct progress *progress;
    struct xfer_snapshot *snap;   /* [cap], for the progress display */
    struct memstats *memstats;
    struct joblist *list;
    char *report_keys[3];         /* --events, --summary, --memstats files */
    struct outputs_dir_memo out_dir;   /* the last output directory looked up */

    struct slot **win;            /* [cap]: the jobs held, in job order */
    size_t nwin, cap;
    size_t nread;                 /* jobs taken from the list: the last id */
    bool list_end;                /* no job will come any more */
    bool list_waiting;            /* the list has no line yet: it wakes the run */
    int list_status;              /* joblist_status() at the end */
    unsigned active;              /* started and not yet freed */
    unsigned active_rate_share;   /* active count the rate limits were set for */
    struct hosts hosts;           /* per host: jobs held and running */
    size_t no_host;               /* jobs held whose URL has no host key */

    unsigned first_failed;        /* id of the earliest job that failed, 0: none */
    int first_code;               /* ... and its exit code */
    bool transient;               /* some job failed in a way a re-run may fix */
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
    for (size_t i = 0; i < r->nwin; i++)
        if (r->win[i]->t != NULL)
            transfer_cancel_stdout(r->win[i]->t);
}

/* A job that ends before any transfer was made for it. */
static void
end_unstarted(struct run *r, struct slot *sl, int code, const char *message)
{
    sl->st.url = url_redacted(sl->job.url);
    stats_finish(&sl->st, r->events, code, message, 0);
    if (r->cfg->write_out != NULL)
        writeout_format(r->cfg->write_out, &sl->st, msg_write_out, NULL);
}

/* ---- per-host slots --------------------------------------------------- */

/* Each job's host is looked up once, when the job is taken from the list
 * (slot.host), the slots found through a hash of their keys: a pass of the
 * scheduler then costs a load and a compare per waiting job, not a URL
 * parse (with one host and --parallel-host binding before -P, that parse
 * was 92 % of the run's instructions). */
#define NO_HOST UINT32_MAX

/* The id of the URL's host (held until the job is retired), or NO_HOST,
 * counted in no_host until then. */
static uint32_t
host_of(struct run *r, const char *url)
{
    char *key = url_host_key(url);
    uint32_t h = key != NULL ? hosts_hold(&r->hosts, key) : NO_HOST;
    if (key == NULL)
        r->no_host++;
    xfree(key);
    return h;
}

static bool
host_has_room(const struct run *r, const struct slot *sl)
{
    return sl->host == NO_HOST || hosts_room(&r->hosts, sl->host);
}

static void
host_count(struct run *r, const struct slot *sl, int delta)
{
    if (sl->host != NO_HOST)
        hosts_run(&r->hosts, sl->host, delta);
}

/* No waiting job can start: every host it could be for is at its cap. */
static bool
all_hosts_full(const struct run *r)
{
    return r->no_host == 0 && hosts_all_full(&r->hosts) && !r->stdout_broken;
}

/* ---- the window ------------------------------------------------------ */

static bool
job_to_stdout(const struct config *cfg, const struct job *j)
{
    if (j->output != NULL)
        return strcmp(j->output, "-") == 0;
    return !cfg->remote_name;
}

/* The job's output is a file another held job or a report writes:
 * the message, else NULL. */
static char *
clash(struct run *r, const struct slot *sl)
{
    static const char *const what[] = { "the --events file", "the --summary file",
                                        "the --memstats file" };
    const char *other = NULL;
    unsigned line = 0;

    if (sl->out_key == NULL)
        return NULL;
    for (size_t k = 0; k < 3 && other == NULL; k++)
        if (r->report_keys[k] != NULL && strcmp(r->report_keys[k], sl->out_key) == 0)
            other = what[k];
    for (size_t i = 0; i < r->nwin && other == NULL; i++) {
        const struct slot *o = r->win[i];
        if (o->out_key != NULL && strcmp(o->out_key, sl->out_key) == 0) {
            other = o->job.line > 0 ? "input line" : "URL";
            line = o->job.line > 0 ? o->job.line : o->st.id;
        }
    }
    /* /dev/null and the like are written in place, as often as asked. */
    if (other == NULL || outputs_is_special(r->cfg, &sl->job))
        return NULL;
    const char *no_name;
    char *path = outputs_path(r->cfg, &sl->job, &no_name);
    char *why = line > 0 ? xasprintf("input line %u: its output (%s) is that of %s %u, not done "
                                     "yet; give each its own name",
                                     sl->job.line, path, other, line)
                         : xasprintf("input line %u: its output (%s) is %s; give each its own "
                                     "name", sl->job.line, path, other);
    xfree(path);
    return why;
}

/* Takes jobs from the list while the window has room. */
static void
intake(struct run *r)
{
    while (!r->list_end && r->nwin < r->cap && r->signal_code == 0) {
        struct job job;
        enum joblist_got got = joblist_next(r->list, &job);
        r->list_waiting = got == JOBLIST_WAIT;
        if (got == JOBLIST_WAIT)
            break;
        if (got == JOBLIST_END) {
            r->list_end = true;
            break;
        }
        struct slot *sl = xcalloc(1, sizeof *sl);
        sl->job = job;
        sl->st.id = (unsigned)++r->nread;
        sl->st.line = job.line;
        mem_account_init(&sl->st.acct, NULL);
        mem_account_init(&sl->st.attempt_acct, &sl->st.acct);
        if (job.input_ok && url_problem(job.url) == NULL)
            sl->out_key = outputs_job_key(r->cfg, &job, &r->out_dir);
        sl->host = host_of(r, job.url);
        char *why = job.line > 0 ? clash(r, sl) : NULL;
        if (why != NULL) {
            msg_error("%s", why);
            end_unstarted(r, sl, HAUL_EXIT_USAGE, why);
            xfree(why);
            xfree(sl->out_key);
            sl->out_key = NULL;
        }
        r->win[r->nwin++] = sl;
    }
    progress_set_jobs(r->progress, r->nread);
}

/* The job is over: its record goes to the reports and the exit status,
 * then the job is forgotten. */
static void
retire(struct run *r, size_t i)
{
    struct slot *sl = r->win[i];
    struct xfer_stats *s = &sl->st;

    if (s->exit_code != HAUL_EXIT_OK) {
        if (r->first_failed == 0 || s->id < r->first_failed) {
            r->first_failed = s->id;
            r->first_code = s->exit_code;
        }
        if (haul_exit_transient(s->exit_code, s->http_status))
            r->transient = true;
    }
    if (sl->host == NO_HOST)
        r->no_host--;
    else
        hosts_release(&r->hosts, sl->host);
    summary_add(r->summary, s);
    if (r->memstats != NULL)
        memstats_add(r->memstats, s);
    xfree(s->url);
    xfree(s->final_url);
    xfree(s->output);
    xfree(s->message);
    job_clear(&sl->job);
    xfree(sl->out_key);
    xfree(sl);
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    memmove(&r->win[i], &r->win[i + 1], (r->nwin - i - 1) * sizeof *r->win);
    r->nwin--;
}

/* ---- scheduling ------------------------------------------------------- */

/* Frees finished transfers and hands on the records of ended jobs. */
static void
reap(struct run *r)
{
    for (size_t i = 0; i < r->nwin;) {
        struct slot *sl = r->win[i];
        struct transfer *t = sl->t;
        if (t == NULL ? !sl->st.finished : !transfer_finished(t)) {
            i++;
            continue;
        }
        if (t != NULL) {
            if (transfer_started(t))
                host_count(r, sl, -1);
            if (r->progress != NULL)
                progress_finished(r->progress, &sl->st);
            transfer_free(t);
            sl->t = NULL;
            r->active--;
            struct mem_figures f;
            mem_account_read(&sl->st.acct, &f);
            sl->st.live_after_teardown = f.live;
        }
        retire(r, i);
    }
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
    for (size_t i = 0; i < r->nwin; i++)
        if (r->win[i]->t != NULL && transfer_started(r->win[i]->t))
            transfer_set_rate_limit(r->win[i]->t, each);
}

static void
start_more(struct run *r)
{
    const struct config *cfg = r->cfg;
    bool stdout_blocked = false;

    for (size_t i = 0; i < r->nwin && r->active < cfg->parallel && r->signal_code == 0 &&
                       !all_hosts_full(r); i++) {
        struct slot *sl = r->win[i];
        bool to_stdout = job_to_stdout(cfg, &sl->job);

        if (sl->t != NULL || sl->st.finished) {
            if (sl->t != NULL && transfer_to_stdout(sl->t))
                stdout_blocked = true;
            continue;
        }
        if (to_stdout && (stdout_blocked || r->stdout_broken)) {
            /* The reader is gone: nothing to write this body to. */
            if (r->stdout_broken)
                end_unstarted(r, sl, HAUL_EXIT_PIPE, "output pipe closed");
            continue;    /* stdout bodies go out in URL order */
        }
        if (!host_has_room(r, sl)) {
            if (to_stdout)
                stdout_blocked = true;
            continue;
        }
        struct transfer *t = transfer_new(&r->env, cfg, &sl->job, &sl->st);
        sl->t = t;
        r->active++;
        if (transfer_finished(t))
            continue;    /* failed before it started; reaped next round */
        host_count(r, sl, +1);
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
    r->list_status = joblist_status(r->list);
    joblist_free(r->list);    /* closes its watcher */
    r->list = NULL;
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
        intake(r);
        start_more(r);
        share_rate(r);
    }
    for (size_t i = 0; i < r->nwin; i++) {
        if (r->win[i]->t == NULL)
            continue;
        uint64_t due = transfer_tick(r->win[i]->t, now);
        if (due < next)
            next = due;
    }
    reap(r);
    if (r->memstats != NULL)
        memstats_tick(r->memstats, now);
    if (r->progress != NULL) {
        for (size_t i = 0; i < r->nwin; i++) {
            if (r->win[i]->t != NULL)
                transfer_snapshot(r->win[i]->t, now, &r->snap[i]);
            else
                memset(&r->snap[i], 0, sizeof r->snap[i]);
        }
        progress_tick(r->progress, now, r->snap, r->nwin);
    }
    if (r->list_end && r->nwin == 0) {
        wind_down(r);
        return;
    }
    /* Jobs that ended without a transfer (a bad line) wake nobody: while
     * the list has lines and the window room, go on at the loop's next
     * turn rather than a tick later.  Each such turn takes a line. */
    if (!r->list_end && !r->list_waiting && r->nwin < r->cap && r->signal_code == 0)
        wake(r);
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
    /* Lines not read yet are left for the next run. */
    joblist_stop(r->list);
    r->list_end = true;
    for (size_t i = 0; i < r->nwin; i++) {
        struct slot *sl = r->win[i];
        if (sl->t != NULL)
            transfer_interrupt(sl->t, code);
        else if (!sl->st.finished)
            end_unstarted(r, sl, code, "interrupted before it started");
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

/* The window, the display, the scheduler's timer, the signals. */
static void
run_setup(struct run *r)
{
    const struct config *cfg = r->cfg;
    r->env = (struct transfer_env){
        .loop = &r->loop, .cu = r->cu, .events = r->events, .dirs = dirlist_new(), .ctx = r,
        .wake = wake, .stdout_broken = stdout_broken, .random01 = random01,
    };
    /* haul itself caps transfers per host; libcurl's cap counts connections,
     * of which -x gives each transfer several.  A part waiting in libcurl's
     * queue would look stalled. */
    curl_multi_setopt(curluv_multi(r->cu), CURLMOPT_MAX_HOST_CONNECTIONS,
                      (long)cfg->parallel_host * (long)cfg->segments);
    /* libcurl sizes its cache of idle connections at 4 per easy handle in
     * the multi handle at the moment one is returned: when a batch of short
     * transfers ends in one loop turn, the count drops before the next batch
     * is added and kept-alive connections are closed (149 connections for
     * 1,000 small files at -P 32, where 32 serve).  A fixed size, what
     * libcurl would allow with the window full, keeps them. */
    curl_multi_setopt(curluv_multi(r->cu), CURLMOPT_MAXCONNECTS,
                      4L * (long)cfg->parallel * (long)cfg->segments);
    r->cap = WINDOW(cfg->parallel);
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    r->win = xcalloc(r->cap, sizeof *r->win);
    r->list = joblist_new(cfg, &r->loop, wake, r);
    r->report_keys[0] = outputs_report_key(cfg->events, true);
    r->report_keys[1] = outputs_report_key(cfg->summary, false);
    r->report_keys[2] = outputs_report_key(cfg->memstats_file, false);
    r->progress = progress_new(cfg, cfg->njobs);
    if (r->progress != NULL)
        r->snap = xcalloc(r->cap, sizeof *r->snap);

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

/*
 * haul's exit status: a signal's; else, with --shard, TRANSIENT when a
 * failure a re-run may fix remains; else that of the earliest job that
 * failed (so with --shard every other failure status means that a re-run
 * cannot help); else a list that could not be read.
 */
static int
run_status(const struct run *r)
{
    if (r->signal_code != 0)
        return r->signal_code;
    if (r->cfg->shard_n > 0 && r->transient)
        return HAUL_EXIT_TRANSIENT;
    if (r->first_failed != 0)
        return r->first_code;
    return r->list_status;
}

/* Closes what is left, frees the run; returns code, or INTERNAL when a
 * handle was still open. */
static int
run_teardown(struct run *r, int code, struct run_result *result)
{
    if (!r->wound_down) {
        if (r->cu != NULL)
            curluv_free(r->cu);
        if (r->list != NULL)
            r->list_status = joblist_status(r->list);
        joblist_free(r->list);
        r->list = NULL;
        uv_run(&r->loop, UV_RUN_DEFAULT);
    }
    sink_cleanup();
    if (uv_loop_close(&r->loop) != 0) {
        uv_walk(&r->loop, on_walk_report, NULL);
        code = HAUL_EXIT_INTERNAL;
    }
    progress_free(r->progress);
    dirlist_free(r->env.dirs);
    xfree(r->snap);
    hosts_free(&r->hosts);
    xfree(r->win);
    for (size_t k = 0; k < 3; k++)
        xfree(r->report_keys[k]);
    outputs_dir_memo_clear(&r->out_dir);
    result->n = r->nread;
    result->signal_code = r->signal_code;
    xfree(r);
    return code;
}

int
run_main(const struct config *cfg, struct memstats *ms, struct events *ev, struct summary *sum,
         struct run_result *result)
{
    struct run *r = xcalloc(1, sizeof *r);
    int err = 0;

    memset(result, 0, sizeof *result);
    r->cfg = cfg;
    hosts_init(&r->hosts, cfg->parallel_host);
    r->memstats = ms;
    r->events = ev;
    r->summary = sum;
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
