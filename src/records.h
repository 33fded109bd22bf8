/*
 * records.h - record boundaries in --stream mode, so a consumer never sees
 * half a record glued to the next connection's bytes.
 *
 * Bytes are fed as they arrive; records_feed() says how many of them (after
 * the tail held from before) end at a complete record and may be written
 * now.  The rest is held as the tail until the record completes, or thrown
 * away when the connection drops and the stream cannot continue at the
 * exact byte.  For text/event-stream it also tracks the id of the last
 * complete event (for Last-Event-ID) and the server's retry: field.
 * Pure; unit-tested in tests/unit/test_records.c.
 */
#ifndef HAUL_RECORDS_H
#define HAUL_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"

enum record_kind { RECORDS_LINES, RECORDS_EVENTS };

struct records {
    enum record_kind kind;
    struct mem_account *acct;
    char *tail;            /* bytes after the last complete record */
    size_t len, cap;
    size_t max;            /* a longer tail is released torn, and counted */
    uint64_t torn;         /* records released before their end */
    char last_id[256];     /* id of the last complete event, "" if none */
    bool has_id;
    int64_t retry_ms;      /* last retry: field, or -1 */
};

void records_init(struct records *r, enum record_kind kind, size_t max, struct mem_account *acct);
void records_free(struct records *r);

/*
 * Feeds `len` new bytes.  On return, the bytes to write now are the first
 * *out_tail bytes of the current tail followed by the first *out_data bytes
 * of `data`; the rest of `data` has been appended to the tail.  Call
 * records_commit() once they are written.
 */
void records_feed(struct records *r, const char *data, size_t len,
                  size_t *out_tail, size_t *out_data);
/* Drops the first n bytes of the tail (they were written). */
void records_consume_tail(struct records *r, size_t n);
/* The connection broke and the stream restarts elsewhere: the held
 * incomplete record is discarded.  Returns how many bytes were dropped. */
size_t records_discard(struct records *r);

#endif
