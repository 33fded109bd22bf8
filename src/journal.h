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
 *     "boot_id": "0c3f...",                   the kernel's boot id, or ""
 *     "segments": [ { "start": "0", "end": "1234", "next": "600",
 *                     "written": "00000000000000000900", "source": 1 } ],
 *     "sources": [ "https://a.example/f.iso", "https://b.example/f.iso" ],
 *     "source": 1          the one the bytes held came from, -1 for none
 *   }
 *
 * "sources" and "source" are there only for a file with several sources
 * (--mirror), credentials removed; so is each segment's "source", the
 * source that part is fetched from (-x spreads the parts over them).
 *
 * Bytes [start, next) of each segment are on disk and were fdatasync'ed
 * before the journal naming them was written; "end" is exclusive ("" when
 * unknown).  Bytes [start, written) were written to FILE.part by the
 * process that wrote the journal, not necessarily synced: they survive a
 * kill -9 of it, not a power cut, so -c trusts them only on the boot that
 * wrote them (same boot_id).  "written" has 20 digits, so that it can be
 * overwritten in place between saves (journal_patch_written) without the
 * document changing shape; a torn overwrite still leaves digits.  Journals
 * without "boot_id" and "written" (older haul) are read with written ==
 * next.
 *
 * journal_save() is crash-safe: fdatasync(data), write FILE.part.haul.tmp,
 * fsync it, rename it over FILE.part.haul, fsync the directory.  The
 * temporary file is created with O_EXCL | O_NOFOLLOW: a symbolic link or
 * anything but a stale regular file of that name is never written through.
 */
#ifndef HAUL_JOURNAL_H
#define HAUL_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "response.h"

#define JOURNAL_SCHEMA 1
#define JOURNAL_MAX_SEGMENTS 64
#define JOURNAL_MAX_SOURCES 16

struct journal_segment {
    uint64_t start, end, next;
    uint64_t written;     /* >= next; == next when not known */
    bool end_known;
    int source;           /* index in sources of the source the part is
                           * fetched from, or -1 (with several only) */
};

/* /proc/sys/kernel/random/boot_id: 36 characters. */
#define JOURNAL_BOOT_ID_MAX 40
/* Width of the zero-padded "written" offsets. */
#define JOURNAL_WRITTEN_DIGITS 20

struct journal {
    char *url;            /* redacted */
    char *final_url;      /* may be NULL */
    char etag[VALIDATOR_MAX];
    char last_modified[VALIDATOR_MAX];
    bool total_known;
    uint64_t total;
    char boot_id[JOURNAL_BOOT_ID_MAX];    /* "" when unknown */
    unsigned nsegments;
    struct journal_segment seg[JOURNAL_MAX_SEGMENTS];
    unsigned nsources;    /* 0 or 1: one source, none recorded */
    char *sources[JOURNAL_MAX_SOURCES];    /* redacted */
    int source;           /* index in sources, or -1 */
};

/*
 * A saved journal kept open, so that its "written" offsets can be updated
 * in place.  `fd` is -1 when there is none, and then `seg` is NULL.  The
 * segments are allocated for the layout saved (one, mostly): every running
 * download to a file holds one of these, and room for the most segments
 * would cost 2.5 KiB each.  Moved by copying the struct and marking the
 * source closed (fd -1, seg NULL); freed by journal_file_close().
 */
struct journal_file_seg {
    uint64_t start;        /* the layout it was saved with */
    uint64_t end;          /* UINT64_MAX: unknown */
    uint64_t next;
    uint64_t written;      /* as the file says now */
    size_t written_at;     /* offset of its digits */
};

struct journal_file {
    int fd;
    unsigned nsegments;
    struct journal_file_seg *seg;
};

/* JSON text of a journal (xmalloc'ed), or NULL on failure. */
char *journal_encode(const struct journal *j);
/* The same, and where each segment's "written" digits are in the text
 * (written_at[nsegments]). */
char *journal_encode_at(const struct journal *j, size_t *written_at);
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
 * Saves as described above; data_fd may be -1 (nothing to sync).  With
 * `sync` false nothing is synced (a journal naming no byte yet: nothing to
 * lose).  With `jf` (closed or never opened: what it holds is not freed),
 * the saved file stays open there (the caller closes it with
 * journal_file_close()); jf->fd is -1 on failure.  Returns 0, ECANCELED
 * when the gate says the journal is obsolete, ELOOP when the temporary
 * file's name is a symbolic link, EEXIST when it is something else that is
 * not a regular file, or an errno.  Blocking: call from the thread pool, or
 * at exit.
 */
int journal_save(const char *path, const struct journal *j, int data_fd,
                 const struct journal_gate *gate, bool sync, struct journal_file *jf);
/*
 * Overwrites, in place, the "written" offsets of the saved journal jf with
 * j's seg[].written, where they grew and stay within the segment; nothing
 * when j's layout is not jf's.  Nothing is synced.  0 or an errno.
 */
int journal_patch_written(struct journal_file *jf, const struct journal *j);
/* Closes jf->fd (if open), frees its segments and marks it closed. */
void journal_file_close(struct journal_file *jf);
/*
 * Reads and parses a journal file: 0, ENOENT, EINVAL for a bad one or one
 * that is not a regular file, ELOOP for a symbolic link (never followed).
 */
int journal_load(const char *path, struct journal *j);

/* The kernel's boot id into buf, or "" when unknown (read once per
 * process; loop thread only). */
void journal_boot_id(char buf[JOURNAL_BOOT_ID_MAX]);
/*
 * Where -c continues segment i: at "written" when the journal was written
 * on this boot (its boot_id is boot_now, not "") and the file (file_size
 * bytes) holds that much, else at "next".
 */
uint64_t journal_resume_at(const struct journal *j, unsigned i, const char *boot_now,
                           uint64_t file_size);

#endif
