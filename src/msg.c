/*
 * msg.c - stderr messages with the "haul: " prefix; see msg.h.
 *
 * Each message is formatted into one buffer and written with one write(2),
 * so lines from haul never interleave mid-line with other writers of the
 * same terminal.  What a message quotes (URLs, file names, server text)
 * may hold anything: control characters are escaped and words of more
 * than 160 characters shortened in the middle (text.h), so a 1000-byte
 * URL leaves the reason after it on the line.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "msg.h"
#include "text.h"

/* One line on stderr at most: a message with its long words shortened
 * (text.h) fits, with room for escapes. */
#define MSG_LINE_MAX 4096

static enum msg_level level = MSG_NORMAL;
static void (*clear_hook)(void);
static bool checksum_stdout;

static bool silent;
void msg_set_level(enum msg_level l) { level = l; }
void msg_set_silent(bool s) { silent = s; }
enum msg_level msg_level(void) { return level; }
void msg_set_clear_hook(void (*hook)(void)) { clear_hook = hook; }

static void
write_fd(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;    /* the descriptor is gone: nothing better to do */
        buf += n;
        len -= (size_t)n;
    }
}

static void
write_all(const char *buf, size_t len)
{
    write_fd(STDERR_FILENO, buf, len);
}

/* Writes "haul: " text[0..len) suffix "\n" as one line: control
 * characters and bytes that are not UTF-8 in the text are shown as \xHH,
 * so nothing from a URL, a file name or a server reaches the terminal
 * raw. */
static void
put_line(const char *text, size_t len, const char *suffix)
{
    char buf[MSG_LINE_MAX];
    size_t n = 6, slen = suffix != NULL ? strlen(suffix) : 0;

    /* buf is counted by n, never read as a string:
     * NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
    memcpy(buf, "haul: ", 6);
    n += text_escape_term(text, len, buf + n, sizeof buf - n - slen - 1);
    memcpy(buf + n, suffix != NULL ? suffix : "", slen);
    n += slen;
    buf[n++] = '\n';
    write_all(buf, n);
}

static void
emit(const char *suffix, const char *fmt, va_list ap)
{
    char small[1024], *text = small;
    va_list aq;
    int n;

    if (clear_hook != NULL)
        clear_hook();
    va_copy(aq, ap);
    n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof small) {
        /* A long URL: format it whole, so that shortening it in the middle
         * keeps the reason that follows it. */
        text = xmalloc((size_t)n + 1);
        vsnprintf(text, (size_t)n + 1, fmt, aq);
    }
    va_end(aq);
    put_line(text, text_shorten_words(text, (size_t)n), suffix);
    if (text != small)
        xfree(text);
}

void
msg_clear(void)
{
    if (clear_hook != NULL)
        clear_hook();
}

void
msg_error(const char *fmt, ...)
{
    if (silent)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(NULL, fmt, ap);
    va_end(ap);
}

void
msg_usage_error(const char *fmt, ...)
{
    if (silent)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(" (see haul --help)", fmt, ap);
    va_end(ap);
}

void
msg_warn(const char *fmt, ...)
{
    if (level < MSG_NORMAL)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(NULL, fmt, ap);
    va_end(ap);
}

void
msg_note(const char *fmt, ...)
{
    if (level < MSG_NORMAL)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(NULL, fmt, ap);
    va_end(ap);
}

void
msg_verbose(const char *fmt, ...)
{
    if (level < MSG_VERBOSE)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(NULL, fmt, ap);
    va_end(ap);
}

void
msg_result(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(NULL, fmt, ap);
    va_end(ap);
}

void
msg_verbose_raw(const char *prefix, const char *data, size_t len)
{
    if (level < MSG_VERBOSE)
        return;
    if (clear_hook != NULL)
        clear_hook();
    /* Header lines arrive with their CRLF; print them without the CR.
     * Anything else in them is the server's text: escaped. */
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    char buf[MSG_LINE_MAX];
    int n = snprintf(buf, sizeof buf - 1, "%s", prefix);
    size_t k = n > 0 ? (size_t)n : 0;
    k += text_escape_term(data, len, buf + k, sizeof buf - k - 1);
    buf[k++] = '\n';
    write_all(buf, k);
}

void
msg_set_checksum_stdout(bool on)
{
    checksum_stdout = on;
}

/* sha256sum's own escape for a name: a line that starts with '\' has
 * "\\" for a backslash, "\n" for a newline and "\r" for a carriage
 * return in its name. */
void
msg_checksum(const char *hex, const char *name)
{
    if (!checksum_stdout) {
        msg_result("%s  %s", hex, name);
        return;
    }
    size_t n = strlen(name);
    bool escape = strpbrk(name, "\\\n\r") != NULL;
    char *line = xmalloc(strlen(hex) + 2 * n + 5), *o = line;
    if (escape)
        *o++ = '\\';
    o += sprintf(o, "%s  ", hex);
    for (size_t i = 0; i < n; i++) {
        if (escape && (name[i] == '\\' || name[i] == '\n' || name[i] == '\r')) {
            *o++ = '\\';
            *o++ = name[i] == '\\' ? '\\' : name[i] == '\n' ? 'n' : 'r';
        } else {
            *o++ = name[i];
        }
    }
    *o++ = '\n';
    if (clear_hook != NULL)
        clear_hook();
    write_fd(STDOUT_FILENO, line, (size_t)(o - line));
    xfree(line);
}

void
msg_write_out(void *ctx, int fd, const char *s, size_t len)
{
    (void)ctx;
    if (clear_hook != NULL)
        clear_hook();
    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* stdout may be a pipe a sink made non-blocking. */
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            (void)poll(&p, 1, 1000);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;    /* the reader is gone: the body's failure says so */
        s += n;
        len -= (size_t)n;
    }
}
