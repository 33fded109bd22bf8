/*
 * progress.c - progress display; see progress.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "exitcodes.h"
#include "human.h"
#include "mem.h"
#include "msg.h"
#include "progress.h"

#define REDRAW_MS 200
#define MAX_LINES 8

struct progress {
    enum progress_kind kind;
    size_t njobs;
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

struct progress *
progress_new(const struct config *cfg, size_t njobs)
{
    enum progress_kind kind = cfg->progress;
    if (cfg->level == MSG_QUIET)
        return NULL;
    if (kind == PROGRESS_DEFAULT)
        kind = isatty(STDERR_FILENO) ? PROGRESS_BAR : PROGRESS_NONE;
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

/* Shortens name to fit `width` columns, keeping its end. */
static void
fit_name(const char *name, char *buf, size_t width)
{
    size_t n = strlen(name);
    if (n <= width) {
        snprintf(buf, width + 1, "%-*s", (int)width, name);
        return;
    }
    snprintf(buf, width + 1, "...%s", name + n - (width - 3));
}

/* One transfer's line, at most `width` columns. */
static void
format_line(const struct xfer_snapshot *tp, int width, char *line, size_t cap)
{
    char have[24], total[24], rate[24], eta[16], name[64];
    int name_w = width < 60 ? 16 : width < 100 ? 24 : 40;

    fit_name(tp->name, name, (size_t)name_w);
    human_size((double)tp->have, have, sizeof have);
    human_size(tp->rate, rate, sizeof rate);
    if (tp->waiting) {
        snprintf(line, cap, "%s  %s  RETRY in %.1fs (attempt %u)", name, have,
                 (double)tp->retry_in_ms / 1000.0, tp->attempt + 1);
    } else if (tp->total_known && tp->total > 0) {
        int pct = (int)(tp->have * 100 / tp->total);
        human_size((double)tp->total, total, sizeof total);
        duration(tp->rate > 0 ? (double)(tp->total - tp->have) / tp->rate : -1, eta, sizeof eta);
        char tail[96];
        int tl = snprintf(tail, sizeof tail, " %3d%% %s/%s %s/s ETA %s", pct, have, total, rate, eta);
        int bar_w = width - name_w - tl - 4;
        if (bar_w > 40)
            bar_w = 40;
        if (bar_w >= 5) {
            char bar[48];
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
    if ((int)strlen(line) > width - 1)
        line[width - 1] = '\0';
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
    char buf[(MAX_LINES + 1) * 512];
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
            char line[512];
            format_line(tp, width, line, sizeof line);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s\033[K\n", line);
            lines++;
        }
    }
    if (p->njobs > 1 && active > 0) {
        char have[24], rate[24], line[256];
        human_size((double)sum_have, have, sizeof have);
        human_size(sum_rate, rate, sizeof rate);
        int k = snprintf(line, sizeof line, "total: %u active, %s, %s/s", active, have, rate);
        if (k > width - 1)
            line[width - 1] = '\0';
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s\033[K\n", line);
        lines++;
    }
    progress_clear(p);
    out(buf, len);
    p->drawn = lines;
}

void
progress_finished(struct progress *p, const struct xfer_stats *s)
{
    if (p == NULL)
        return;
    if (p->kind == PROGRESS_DOTS) {
        p->finished_bytes += s->bytes_received;
        return;
    }
    if (p->kind != PROGRESS_BAR)
        return;
    progress_clear(p);
    char have[24], rate[24], line[512];
    double secs = s->end_ms > s->start_ms ? (double)(s->end_ms - s->start_ms) / 1000.0 : 0;
    human_size((double)s->bytes_written, have, sizeof have);
    human_size(secs > 0 ? (double)s->bytes_received / secs : 0, rate, sizeof rate);
    int width = term_width();
    if (s->exit_code == HAUL_EXIT_OK)
        snprintf(line, sizeof line, "done  %s  %s in %.1fs (%s/s)", s->output ? s->output : "-",
                 have, secs, rate);
    else
        snprintf(line, sizeof line, "FAIL  %s  %s (exit %d)", s->output ? s->output : s->url,
                 haul_exit_text(s->exit_code), s->exit_code);
    if ((int)strlen(line) > width - 1)
        line[width - 1] = '\0';
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
