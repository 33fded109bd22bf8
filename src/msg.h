/*
 * msg.h - every line haul prints on stderr goes through these functions.
 *
 * Each line starts with "haul: ".  error() lines are printed unless -s; warn()
 * and note() are silenced by -q; verbose() needs -v.  usage_error() adds the
 * hint to run `haul --help`.  When a progress display is on the terminal, it
 * is erased before the line is printed and redrawn on its next tick.
 * Control characters in a message are shown as \xHH and very long words
 * (URLs) shortened in the middle: see msg.c.
 */
#ifndef HAUL_MSG_H
#define HAUL_MSG_H

#include <stdbool.h>
#include <stddef.h>

enum msg_level { MSG_QUIET = 0, MSG_NORMAL = 1, MSG_VERBOSE = 2 };

void msg_set_level(enum msg_level level);
/* -s: error() and usage_error() lines are dropped too (the exit status
 * still tells). */
void msg_set_silent(bool silent);
enum msg_level msg_level(void);

/* Called before each message so a progress display can erase itself. */
void msg_set_clear_hook(void (*hook)(void));
/* Erases the progress display before something else writes to stderr
 * (--events -). */
void msg_clear(void);

void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Something the user asked for (--sha256): printed even with -q. */
void msg_result(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Verbose output without the prefix (header dumps), control characters
 * escaped. */
void msg_verbose_raw(const char *prefix, const char *data, size_t len);

/* --sha256: "HEX  NAME".  On stdout in sha256sum's format (names with a
 * backslash, newline or CR escaped its way) once msg_set_checksum_stdout()
 * said stdout carries nothing else; else a message on stderr. */
void msg_set_checksum_stdout(bool on);
void msg_checksum(const char *hex, const char *name);

/* -w output: writes s[0..len) whole to fd (1 or 2), as it is, after the
 * progress display is cleared; waits when fd is non-blocking and full.
 * ctx is unused (the signature of writeout.h's callback). */
void msg_write_out(void *ctx, int fd, const char *s, size_t len);

#endif
