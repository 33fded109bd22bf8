/*
 * journal.h - the resume journal kept beside FILE.part as FILE.part.haul.
 *
 * A small JSON document (written with cJSON) that says which bytes of
 * FILE.part are known good and which version of which resource they belong
 * to, so that `haul -c` can continue after a crash, a kill -9 or a power
 * cut.  Offsets and sizes are decimal strings: cJSON numbers are doubles.
 *
 *   {
 *     "schema": 1,
 *     "url": "https://example.org/f.iso",   credentials removed
 *     "final_url": "https://cdn.example.org/f.iso",  after redirects, or ""
 *     "etag": "\"abc\"", "last_modified": "Tue, ...",  "" when absent
 *     "total": "1234",                        "" when unknown
 *     "segments": [ { "start": "0", "end": "1234", "next": "600" } ]
 *   }
 *
 * Bytes [start, next) of each segment are on disk and were fdatasync'ed
 * before the journal naming them was written; "end" is exclusive ("" when
 * unknown).
 *
 * journal_save() is crash-safe: fdatasync(data), write FILE.part.haul.tmp,
 * fsync it, rename it over FILE.part.haul, fsync the directory.
 */
#ifndef HAUL_JOURNAL_H
#define HAUL_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "response.h"

#define JOURNAL_SCHEMA 1
#define JOURNAL_MAX_SEGMENTS 64

struct journal_segment {
    uint64_t start, end, next;
    bool end_known;
};

struct journal {
    char *url;            /* redacted */
    char *final_url;      /* may be NULL */
    char etag[VALIDATOR_MAX];
    char last_modified[VALIDATOR_MAX];
    bool total_known;
    uint64_t total;
    unsigned nsegments;
    struct journal_segment seg[JOURNAL_MAX_SEGMENTS];
};

/* JSON text of a journal (xmalloc'ed), or NULL on failure. */
char *journal_encode(const struct journal *j);
/* Parses JSON text; false (and *j empty) when it is not a valid journal. */
bool journal_decode(const char *text, struct journal *j);
/* Frees the strings of a journal (not the struct). */
void journal_clear(struct journal *j);
void journal_copy(struct journal *dst, const struct journal *src);

/*
 * Decides, right before the rename that publishes a saved journal, whether
 * it is still wanted.  `lock` is held from the check through the rename,
 * so a writer that drops the journal under the same lock can never see an
 * older one land after it.  NULL: always wanted.
 */
struct journal_gate {
    uv_mutex_t *lock;
    const bool *obsolete;
};

/*
 * Crash-safe save as described above; data_fd may be -1 (nothing to sync).
 * Returns 0, ECANCELED when the gate says the journal is obsolete, or an
 * errno.  Blocking: call from the thread pool, or at exit.
 */
int journal_save(const char *path, const struct journal *j, int data_fd,
                 const struct journal_gate *gate);
/* Reads and parses a journal file: 0, ENOENT, or EINVAL for a bad one. */
int journal_load(const char *path, struct journal *j);

#endif
