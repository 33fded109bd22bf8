/*
 * msg.c - stderr messages with the "haul: " prefix; see msg.h.
 *
 * Each message is formatted into one buffer and written with one write(2),
 * so lines from haul never interleave mid-line with other writers of the
 * same terminal.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

static enum msg_level level = MSG_NORMAL;
static void (*clear_hook)(void);

void msg_set_level(enum msg_level l) { level = l; }
enum msg_level msg_level(void) { return level; }
void msg_set_clear_hook(void (*hook)(void)) { clear_hook = hook; }

static void
write_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, buf, len);
        if (n <= 0)
            return;    /* stderr is gone: nothing better to do */
        buf += n;
        len -= (size_t)n;
    }
}

static void
emit(const char *suffix, const char *fmt, va_list ap)
{
    char buf[2048];
    size_t len = 0;
    int n;

    if (clear_hook != NULL)
        clear_hook();
    /* buf is counted by len, never read as a string:
     * NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
    memcpy(buf, "haul: ", 6);
    len = 6;
    n = vsnprintf(buf + len, sizeof buf - len, fmt, ap);
    if (n < 0)
        n = 0;
    len += (size_t)n < sizeof buf - len ? (size_t)n : sizeof buf - len - 1;
    if (suffix != NULL) {
        n = snprintf(buf + len, sizeof buf - len, "%s", suffix);
        if (n > 0)
            len += (size_t)n < sizeof buf - len ? (size_t)n : sizeof buf - len - 1;
    }
    /* One line: a message never carries its own newline. */
    if (len >= sizeof buf - 1)
        len = sizeof buf - 2;
    buf[len++] = '\n';
    write_all(buf, len);
}

void
msg_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(NULL, fmt, ap);
    va_end(ap);
}

void
msg_usage_error(const char *fmt, ...)
{
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
    /* Header lines arrive with their CRLF; print them without the CR. */
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "%s%.*s\n", prefix, (int)(len < 4000 ? len : 4000), data);
    if (n > 0)
        write_all(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}
