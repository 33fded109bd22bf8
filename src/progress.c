/*
 * progress.c - progress display; see progress.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "human.h"
#include "mem.h"
#include "msg.h"
#include "progress.h"
#include "text.h"

#define REDRAW_MS 200
#define MAX_LINES 8

struct progress {
    enum progress_kind kind;
    size_t njobs;
    size_t nfinished, nfailed;  /* transfers ended, and of them failed */
    uint64_t finished_written; /* bytes written by transfers that ended */
    size_t name_cols;          /* widest name shown so far (characters) */
    unsigned drawn;            /* live lines on screen now */
    uint64_t last_draw_ms;
    uint64_t dots_bytes;       /* dots: bytes already shown */
    uint64_t finished_bytes;   /* received by transfers that are gone */
    unsigned dots_on_line;
    uint64_t start_ms;
    bool started;
};

/* The message hook has no context argument: one display per process. */
static struct progress *active_display;

static void
out(const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, s, len);
        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}

static void
clear_hook(void)
{
    if (active_display != NULL)
        progress_clear(active_display);
}

/* Whether a body goes to stdout and stdout is the terminal stderr is on:
 * then a bar, which moves the cursor up to redraw, would erase the body's
 * lines. */
static bool
body_on_our_terminal(const struct config *cfg)
{
    struct stat so, se;
    bool body = false;

    for (size_t i = 0; i < cfg->njobs && !body; i++) {
        const char *o = cfg->jobs[i].output;
        body = o != NULL ? strcmp(o, "-") == 0 : !cfg->remote_name;
    }
    /* The list is read later: a line without a name may go to stdout. */
    body = body || (cfg->input_name != NULL && !cfg->remote_name);
    return body && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO) &&
           fstat(STDOUT_FILENO, &so) == 0 && fstat(STDERR_FILENO, &se) == 0 &&
           so.st_rdev == se.st_rdev;
}

struct progress *
progress_new(const struct config *cfg, size_t njobs)
{
    enum progress_kind kind = cfg->progress;
    if (cfg->level == MSG_QUIET)
        return NULL;
    if (kind == PROGRESS_DEFAULT)
        kind = isatty(STDERR_FILENO) ? PROGRESS_BAR : PROGRESS_NONE;
    /* Even when asked for: the body's lines come first. */
    if (kind == PROGRESS_BAR && body_on_our_terminal(cfg))
        kind = PROGRESS_NONE;
    if (kind == PROGRESS_NONE)
        return NULL;
    struct progress *p = xcalloc(1, sizeof *p);
    p->kind = kind;
    p->njobs = njobs;
    active_display = p;
    msg_set_clear_hook(clear_hook);
    return p;
}

static int
term_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

static void
duration(double secs, char *buf, size_t len)
{
    if (secs < 0 || secs > 99 * 3600) {
        snprintf(buf, len, "--:--");
        return;
    }
    unsigned s = (unsigned)(secs + 0.5);
    if (s >= 3600)
        snprintf(buf, len, "%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, len, "%u:%02u", s / 60, s % 60);
}

/* Byte length of the first `cols` characters of s (all of s if shorter). */
static size_t
prefix_bytes(const char *s, size_t cols)
{
    size_t n = strlen(s), i = 0;
    while (i < n && cols > 0) {
        size_t k = text_utf8_seq(s + i, n - i);
        i += k > 0 ? k : 1;
        cols--;
    }
    return i;
}

/* Cuts line to at most `cols` characters. */
static void
cut_line(char *line, size_t cols)
{
    line[prefix_bytes(line, cols)] = '\0';
}

/* A name as the terminal may show it: control characters escaped. */
static void
shown_name(const char *name, char *buf, size_t cap)
{
    text_escape_term(name, strlen(name), buf, cap);
}

/* Fits a shown name in exactly `cols` columns: padded, or shortened to
 * "..." and its end (the end of a file name says most). */
static void
fit_name(const char *shown, char *buf, size_t cap, size_t cols)
{
    size_t w = text_width(shown);
    if (w <= cols) {
        snprintf(buf, cap, "%s%*s", shown, (int)(cols - w), "");
        return;
    }
    size_t skip = prefix_bytes(shown, w - (cols - 3));
    snprintf(buf, cap, "...%s", shown + skip);
}

/* The columns after a bar: " 45% 1023.9 KiB/1023.9 KiB 1023.9 KiB/s ETA
 * 1:00:00".  The bar's width is worked out from this constant, not from
 * the figures of the moment, so it does not jitter as they change. */
#define TAIL_COLS 53
#define BAR_MAX 50
#define NAME_MIN 12

/* Width of the name column: the widest name shown so far, as far as the
 * terminal leaves room for a bar of 20. */
static size_t
name_column(const struct progress *p, int width)
{
    int room = width - 1 - 3 - TAIL_COLS - 20;
    size_t cols = p->name_cols;
    if (room < NAME_MIN)
        room = NAME_MIN;
    if (cols > (size_t)room)
        cols = (size_t)room;
    return cols < NAME_MIN ? NAME_MIN : cols;
}

/* One transfer's line, at most `width` - 1 columns. */
static void
format_line(struct progress *p, const struct xfer_snapshot *tp, int width, char *line,
            size_t cap)
{
    char have[24], total[24], rate[24], eta[16], shown[8192], name[8300];

    shown_name(tp->name, shown, sizeof shown);
    if (text_width(shown) > p->name_cols)
        p->name_cols = text_width(shown);
    size_t name_w = name_column(p, width);
    fit_name(shown, name, sizeof name, name_w);
    human_size((double)tp->have, have, sizeof have);
    human_size(tp->rate, rate, sizeof rate);
    if (tp->waiting) {
        snprintf(line, cap, "%s  %s  RETRY in %.1fs (attempt %u)", name, have,
                 (double)tp->retry_in_ms / 1000.0, tp->attempt + 1);
    } else if (tp->total_known && tp->total > 0) {
        int pct = (int)(tp->have * 100 / tp->total);
        human_size((double)tp->total, total, sizeof total);
        duration(tp->rate > 0 ? (double)(tp->total - tp->have) / tp->rate : -1, eta, sizeof eta);
        char tail[128];
        snprintf(tail, sizeof tail, " %3d%% %10s/%-10s %8s/s ETA %s", pct, have, total, rate,
                 eta);
        int bar_w = width - 1 - (int)name_w - 3 - TAIL_COLS;
        if (bar_w > BAR_MAX)
            bar_w = BAR_MAX;
        if (bar_w >= 5) {
            char bar[BAR_MAX + 1];
            int fill = bar_w * pct / 100;
            for (int i = 0; i < bar_w; i++)
                bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
            bar[bar_w] = '\0';
            snprintf(line, cap, "%s [%s]%s", name, bar, tail);
        } else {
            snprintf(line, cap, "%s%s", name, tail);
        }
    } else {
        snprintf(line, cap, "%s  %s  %s/s", name, have, rate);
    }
    cut_line(line, (size_t)width - 1);
}

void
progress_clear(struct progress *p)
{
    if (p == NULL || p->kind != PROGRESS_BAR || p->drawn == 0)
        return;
    char buf[16 * (MAX_LINES + 2)];
    size_t len = 0;
    /* The cursor sits at the start of the line after the last live one. */
    for (unsigned i = 0; i < p->drawn; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "\033[1A\r\033[2K");
    out(buf, len);
    p->drawn = 0;
}

/* One dot per MiB received, by every transfer of the run together. */
static void
dots(struct progress *p, const struct xfer_snapshot *rows, size_t n)
{
    uint64_t got = p->finished_bytes;
    for (size_t i = 0; i < n; i++)
        if (rows[i].started)
            got += rows[i].received;
    while (got >= p->dots_bytes + 1024 * 1024) {
        p->dots_bytes += 1024 * 1024;
        out(".", 1);
        if (++p->dots_on_line == 50) {
            char buf[48];
            int k = snprintf(buf, sizeof buf, " %" PRIu64 " MiB\n", p->dots_bytes >> 20);
            out(buf, (size_t)k);
            p->dots_on_line = 0;
        }
    }
}

void
progress_tick(struct progress *p, uint64_t now, const struct xfer_snapshot *rows, size_t n)
{
    if (p == NULL)
        return;
    if (!p->started) {
        p->started = true;
        p->start_ms = now;
    }
    if (now - p->last_draw_ms < REDRAW_MS)
        return;
    p->last_draw_ms = now;
    if (p->kind == PROGRESS_DOTS) {
        dots(p, rows, n);
        return;
    }

    int width = term_width();
    char buf[(MAX_LINES + 1) * 2100];
    size_t len = 0;
    unsigned lines = 0, active = 0;
    uint64_t sum_have = 0;
    double sum_rate = 0;

    for (size_t i = 0; i < n; i++) {
        const struct xfer_snapshot *tp = &rows[i];
        if (!tp->started || tp->finished)
            continue;
        active++;
        sum_have += tp->have;
        sum_rate += tp->rate;
        if (lines < MAX_LINES) {
            char line[2048];
            format_line(p, tp, width, line, sizeof line);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s\033[K\n", line);
            lines++;
        }
    }
    if (p->njobs > 1 && active > 0) {
        /* Every transfer of the run: ended, running and still queued. */
        char have[24], rate[24], line[256], failed[32] = "";
        human_size((double)(p->finished_written + sum_have), have, sizeof have);
        human_size(sum_rate, rate, sizeof rate);
        if (p->nfailed > 0)
            snprintf(failed, sizeof failed, " (%zu failed)", p->nfailed);
        snprintf(line, sizeof line, "total: %zu of %zu done%s, %u active, %s, %s/s",
                 p->nfinished, p->njobs, failed, active, have, rate);
        cut_line(line, (size_t)width - 1);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s\033[K\n", line);
        lines++;
    }
    progress_clear(p);
    out(buf, len);
    p->drawn = lines;
}

/* A rate measured over less than this says more about the clock than
 * about the network: a 1 MiB file in 1 ms is not "1000 MiB/s". */
#define RATE_MIN_MS 500

void
progress_set_jobs(struct progress *p, size_t njobs)
{
    if (p != NULL)
        p->njobs = njobs;
}

void
progress_finished(struct progress *p, const struct xfer_stats *s)
{
    if (p == NULL)
        return;
    p->nfinished++;
    if (s->exit_code != HAUL_EXIT_OK)
        p->nfailed++;
    p->finished_written += s->bytes_written;
    if (p->kind == PROGRESS_DOTS) {
        p->finished_bytes += s->bytes_received;
        return;
    }
    if (p->kind != PROGRESS_BAR)
        return;
    progress_clear(p);
    char have[24], took[400], line[2048], shown[1024];
    uint64_t ms = s->end_ms > s->start_ms ? s->end_ms - s->start_ms : 0;
    human_size((double)s->bytes_written, have, sizeof have);
    if (ms >= RATE_MIN_MS) {
        char rate[24];
        human_size((double)s->bytes_received * 1000.0 / (double)ms, rate, sizeof rate);
        snprintf(took, sizeof took, "%.1fs (%s/s)", (double)ms / 1000.0, rate);
    } else {
        snprintf(took, sizeof took, "%" PRIu64 " ms", ms);
    }
    int width = term_width();
    if (s->exit_code == HAUL_EXIT_OK) {
        shown_name(s->output ? s->output : "-", shown, sizeof shown);
        snprintf(line, sizeof line, "done  %s  %s in %s", shown, have, took);
    } else {
        shown_name(s->output ? s->output : s->url, shown, sizeof shown);
        snprintf(line, sizeof line, "FAIL  %s  %s (exit %d)", shown,
                 haul_exit_text(s->exit_code), s->exit_code);
    }
    cut_line(line, (size_t)width - 1);
    size_t n = strlen(line);
    line[n++] = '\n';
    out(line, n);
}

void
progress_end(struct progress *p)
{
    if (p == NULL)
        return;
    progress_clear(p);
    if (p->kind == PROGRESS_DOTS)
        dots(p, NULL, 0);    /* the dots still owed */
    if (p->kind == PROGRESS_DOTS && p->dots_on_line > 0) {
        out("\n", 1);
        p->dots_on_line = 0;
    }
}

void
progress_free(struct progress *p)
{
    if (p == NULL)
        return;
    progress_end(p);
    if (active_display == p) {
        active_display = NULL;
        msg_set_clear_hook(NULL);
    }
    xfree(p);
}
