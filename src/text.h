/*
 * text.h - text that came from outside (URLs, server headers, file names),
 * made safe to show on a terminal and to store in JSON.
 *
 * Three rules, one per destination:
 *  - a terminal (messages, progress): control characters (C0, DEL, C1) and
 *    bytes that are not UTF-8 are shown as \xHH, so no URL or header can
 *    move the cursor or set the window title;
 *  - JSON (--events, --summary, --memstats, the journal): each byte that
 *    is not part of valid UTF-8 becomes U+FFFD; control characters are
 *    escaped by cJSON itself (\u001b);
 *  - URLs and -O names: those bytes stay (or become) %HH.
 *
 * Pure functions, no state; unit-tested in tests/unit/test_text.c.
 */
#ifndef HAUL_TEXT_H
#define HAUL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* Length (1 to 4) of the valid UTF-8 sequence at s[0..n), or 0 when there
 * is none (RFC 3629: no overlong form, no surrogate, nothing past
 * U+10FFFF). */
size_t text_utf8_seq(const char *s, size_t n);

/* Whether the sequence of `len` bytes at s (as text_utf8_seq() measured
 * it) is a control character: C0, DEL or C1 (U+0080 to U+009F). */
bool text_is_control(const char *s, size_t len);

/* Whether s[0..n) is valid UTF-8 without control characters. */
bool text_is_clean(const char *s, size_t n);

/*
 * Copies in[0..len) to out for a terminal: control characters and bytes
 * that are not UTF-8 become "\xHH" (one per byte).  Never splits an escape
 * or a character; out is always NUL-terminated (cap > 0).  Returns the
 * bytes written, without the NUL.
 */
size_t text_escape_term(const char *in, size_t len, char *out, size_t cap);

/* Words (runs of bytes other than space) longer than TEXT_WORD_MAX
 * characters are shown as their first TEXT_WORD_HEAD and last
 * TEXT_WORD_TAIL characters joined by "...". */
#define TEXT_WORD_MAX 160
#define TEXT_WORD_HEAD 100
#define TEXT_WORD_TAIL 50
/* Shortens every such word of s[0..len) in place; returns the new length
 * (s is not NUL-terminated by it). */
size_t text_shorten_words(char *s, size_t len);

/* Display width of s in characters (UTF-8 sequences count one, other
 * bytes one each). */
size_t text_width(const char *s);

/* A copy of s (xmalloc) in which each byte that is not part of valid UTF-8
 * is U+FFFD.  NULL s gives NULL. */
char *text_utf8_repair(const char *s);

/* cJSON_AddStringToObject() of text_utf8_repair(s): the JSON haul writes
 * is valid UTF-8 whatever bytes s holds. */
cJSON *text_json_add(cJSON *o, const char *name, const char *s);

/* A copy of url (xmalloc) in which control characters and bytes that are
 * not UTF-8 are percent-encoded (%HH, upper case): a URL as it may be
 * shown and stored.  Valid UTF-8 (non-ASCII) stays as it is. */
char *text_url_clean(const char *url);

/*
 * Decodes one URL path segment seg[0..len) into a file name for -O
 * (xmalloc): %HH is decoded, except where the decoded bytes would be a
 * control character or not UTF-8: those keep (or get) their %HH form, as
 * curl leaves %1B.  Returns NULL and sets *why (a static phrase that ends
 * "... for -O" well) when the segment gives no usable name: empty, ".",
 * "..", "-" (stdout), or a '/' from %2F.
 */
char *text_name_from_segment(const char *seg, size_t len, const char **why);

#endif
