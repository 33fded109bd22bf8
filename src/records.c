/*
 * records.c - --stream record boundaries; see records.h.
 *
 * Lines end at '\n'.  Events (text/event-stream, WHATWG HTML 9.2) end at a
 * blank line: "\n\n", "\r\n\r\n" or "\r\r"; within a complete event, "id:"
 * sets the last event id (unless it holds a NUL) and "retry:" with digits
 * only sets the reconnection time.
 */
#include "config.h"

#include <string.h>

#include "records.h"

void
records_init(struct records *r, enum record_kind kind, size_t max, struct mem_account *acct)
{
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->max = max;
    r->acct = acct;
    r->retry_ms = -1;
}

void
records_free(struct records *r)
{
    xfree(r->tail);
    r->tail = NULL;
    r->len = r->cap = 0;
}

/* Applies the fields of one complete event [p, p+len). */
static void
parse_event(struct records *r, const char *p, size_t len)
{
    const char *end = p + len;
    while (p < end) {
        const char *eol = p;
        while (eol < end && *eol != '\n' && *eol != '\r')
            eol++;
        size_t n = (size_t)(eol - p);
        const char *colon = memchr(p, ':', n);
        size_t name_len = colon ? (size_t)(colon - p) : n;
        const char *v = colon ? colon + 1 : eol;
        if (v < eol && *v == ' ')
            v++;
        size_t vlen = (size_t)(eol - v);
        if (name_len == 2 && memcmp(p, "id", 2) == 0 && memchr(v, '\0', vlen) == NULL) {
            if (vlen < sizeof r->last_id) {
                memcpy(r->last_id, v, vlen);
                r->last_id[vlen] = '\0';
                r->has_id = true;
            }
        } else if (name_len == 5 && memcmp(p, "retry", 5) == 0 && vlen > 0 && vlen < 10) {
            int64_t ms = 0;
            size_t i;
            for (i = 0; i < vlen && v[i] >= '0' && v[i] <= '9'; i++)
                ms = ms * 10 + (v[i] - '0');
            if (i == vlen)
                r->retry_ms = ms;
        }
        p = eol;
        if (p < end && *p == '\r')
            p++;
        if (p < end && *p == '\n')
            p++;
    }
}

/*
 * Finds the end of the last complete record in buf[0..len) (given that
 * buf[0] follows a record boundary); 0 if there is none.  For events, also
 * parses each complete event on the way.
 */
static size_t
last_boundary(struct records *r, const char *buf, size_t len, bool parse)
{
    if (r->kind == RECORDS_LINES) {
        const char *nl = memrchr(buf, '\n', len);
        return nl ? (size_t)(nl - buf) + 1 : 0;
    }
    size_t start = 0, last = 0;
    for (size_t i = 0; i < len; i++) {
        size_t end = 0;
        if (buf[i] == '\r' && i + 3 < len && buf[i + 1] == '\n' &&
            buf[i + 2] == '\r' && buf[i + 3] == '\n')
            end = i + 4;
        else if ((buf[i] == '\n' || buf[i] == '\r') && i + 1 < len && buf[i + 1] == buf[i])
            end = i + 2;    /* "\n\n" or "\r\r" */
        if (end != 0) {
            if (parse)
                parse_event(r, buf + start, end - start);
            start = last = end;
            i = end - 1;
        }
    }
    return last;
}

static void
tail_append(struct records *r, const char *data, size_t len)
{
    if (len == 0)
        return;
    if (r->len + len > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + len)
            cap *= 2;
        r->tail = xrealloc_in(r->acct, r->tail, cap);
        r->cap = cap;
    }
    memcpy(r->tail + r->len, data, len);
    r->len += len;
}

void
records_feed(struct records *r, const char *data, size_t len,
             size_t *out_tail, size_t *out_data)
{
    /*
     * Where does the last complete record end?  Look in the new data first
     * (the common case: one boundary near its end); a record that began in
     * the tail can only end in the data.
     */
    size_t in_data;
    if (r->kind == RECORDS_LINES) {
        in_data = last_boundary(r, data, len, false);
    } else {
        /* An event boundary may straddle tail and data: scan them joined. */
        tail_append(r, data, len);
        size_t b = last_boundary(r, r->tail, r->len, true);
        r->len -= len;    /* undo the append; data is still the caller's */
        /* The old tail held no boundary, so one found ends inside data. */
        in_data = b > r->len ? b - r->len : 0;
    }
    if (in_data == 0) {
        /* No boundary in this data: everything waits, unless too long. */
        if (r->len + len > r->max) {
            r->torn++;
            *out_tail = r->len;
            *out_data = len;
            return;
        }
        *out_tail = 0;
        *out_data = 0;
        tail_append(r, data, len);
        return;
    }
    *out_tail = r->len;
    *out_data = in_data;
    /* The caller writes tail + data[0..in_data) then calls consume_tail(len);
     * what follows becomes the new tail, after the old one. */
    tail_append(r, data + in_data, len - in_data);
}

void
records_consume_tail(struct records *r, size_t n)
{
    if (n >= r->len) {
        r->len = 0;
    } else {
        memmove(r->tail, r->tail + n, r->len - n);
        r->len -= n;
    }
    if (r->len == 0) {
        xfree(r->tail);
        r->tail = NULL;
        r->cap = 0;
    }
}

size_t
records_discard(struct records *r)
{
    size_t n = r->len;
    records_consume_tail(r, r->len);
    return n;
}
