/*
 * transfer_int.h - the insides of a transfer and its attempt, shared by
 * transfer.c (lifecycle, retries, output) and attempt.c (one request: the
 * easy handle, its headers, the response and body callbacks).  Nothing else
 * includes this file.
 */
#ifndef HAUL_TRANSFER_INT_H
#define HAUL_TRANSFER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "classify.h"
#include "head.h"
#include "options.h"
#include "output.h"
#include "records.h"
#include "response.h"
#include "retry.h"
#include "stats.h"
#include "transfer.h"

/* Why haul itself ended an attempt (instead of libcurl). */
enum abort_reason {
    ABORT_NONE,
    ABORT_RESPONSE,    /* response_decide() refused the response */
    ABORT_DONE,        /* 416: everything is here already */
    ABORT_WRITE,       /* the output failed */
    ABORT_STALL,       /* no byte for --stall-timeout */
    ABORT_DEADLINE,    /* --max-time */
    ABORT_MISMATCH,    /* -c overlap check found different bytes */
    ABORT_SIGNAL,      /* SIGINT / SIGTERM */
    ABORT_CANCEL,      /* stdout's reader is gone */
    ABORT_SEGDONE,     /* -x: the first part is complete */
    ABORT_RESTART,     /* the resource changed under the segments: from 0 */
};

struct segment;

/*
 * One request and its response.  Owned by its transfer (t->att); created by
 * attempt_new() and released by attempt_free() as soon as the request ends,
 * whatever the reason, so nothing of a dead connection outlives it: no error
 * buffer, header list, response state or buffered bytes.  Its memory is
 * charged to stats->attempt_acct, which must read 0 after attempt_free().
 */
struct attempt {
    struct transfer *t;            /* borrowed: the owner */
    struct segment *seg;           /* borrowed: its segment, or NULL for the
                                    * transfer's own attempt */
    struct mem_account *acct;      /* charged for its allocations */
    CURL *easy;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    char *url;                     /* the URL asked */

    struct response_ask ask;
    struct head head;              /* the response being read */
    bool decided;
    struct response_decision dec;
    bool sent_last_event_id;
    bool used_final;               /* asked the URL redirects led to last time */

    uint64_t received;             /* body bytes of this response */
    uint64_t body_off;             /* resource offset of the next body byte */
    char *verify;                  /* overlap check: the bytes held just
                                    * before the resume point */
    size_t verify_len;
    bool paused;                   /* the write callback returned PAUSE */
    bool rate_paused;              /* ... because of --limit-rate */
    uint64_t started_ms;
    uint64_t last_byte_ms;
    enum abort_reason abort;
    int abort_code;                /* exit code for ABORT_RESPONSE/WRITE */
};

/*
 * -x: a part [start, end) of the file fetched over its own connection;
 * owned by its transfer (t->segs), which frees it with segments_free().
 * Its attempts are charged to its own account, which must read 0 after
 * each of them is torn down.
 */
struct segment {
    struct transfer *t;            /* borrowed: the owner */
    unsigned index;                /* 1, 2, ... (0 is the transfer's own part) */
    uint64_t start, end;           /* bytes [start, end) */
    uint64_t next;                 /* the first byte not yet written */
    enum { SEG_WAITING, SEG_ACTIVE, SEG_DONE } state;
    uint64_t retry_at_ms;
    struct retry_state retry;      /* its failures */
    struct attempt *att;
    struct mem_account acct;
};

enum xfer_state {
    XS_NEW,        /* not started */
    XS_ACTIVE,     /* an attempt is in flight */
    XS_SEGWAIT,    /* -x: the first part is done, other segments are not */
    XS_WAITING,    /* between attempts */
    XS_FINISHING,  /* last byte received: flushing, checksumming, renaming */
    XS_DRAINING,   /* failed: delivering bytes already given to a pipe */
    XS_DONE,
};

struct transfer {
    struct run *run;                  /* borrowed */
    const struct config *cfg;         /* borrowed */
    const struct job *job;            /* borrowed */
    struct xfer_stats *stats;         /* borrowed: the run keeps it */
    struct mem_account *acct;         /* &stats->acct */
    enum xfer_state state;
    bool started;                     /* transfer_start() ran */
    bool said;                        /* its failure message is printed already */
    bool fail_saved;                  /* failing: the last journal is written */

    char *url;                        /* as given (may hold credentials) */
    char *display_url;                /* redacted, for every message */
    char *final_url;                  /* after redirects; tried first on resume */
    char *host_key;
    struct output *out;
    bool to_stdout;

    /* Resume state: what is held and which version it belongs to. */
    uint64_t have;                    /* bytes of the resource held */
    bool total_known;
    uint64_t total;
    char etag[VALIDATOR_MAX];
    char last_modified[VALIDATOR_MAX];
    bool lm_safe;                     /* Last-Modified is old enough for If-Range */
    bool accept_ranges;
    bool encoded;                     /* Content-Encoding: no byte ranges */
    /*
     * Overlap check: before bytes past verify_size are written, the
     * verify_len bytes before it must come back equal.  Set for -c without
     * a usable journal (verify_size: the partial file's length), and for a
     * resume within a run when no validator can be sent with the range.
     */
    bool verify_pending;
    uint64_t verify_size;
    /* Without a validator, stdout and other outputs that can't be read back
     * keep a copy of the last bytes written, for that check. */
    bool keep_tail;
    char *tail;                       /* ring of TAIL_KEEP bytes */
    size_t tail_fill, tail_head;
    bool probe_pending;               /* close-delimited end: ask if there is more */

    /* --stream */
    bool stream;
    bool sse;
    struct records rec;
    bool rec_on;

    /* Retries */
    struct retry_state retry;         /* failures, of the transfer's own attempts
                                       * and of start-overs */
    uint64_t retry_at_ms;
    uint64_t deadline_ms;             /* --max-time, or UINT64_MAX */
    uint64_t rate_limit;              /* current per-transfer cap, bytes/s */
    double tokens;                    /* --limit-rate bucket, bytes */
    uint64_t tokens_ms;               /* when it was last filled */

    struct attempt *att;              /* in-flight request, or NULL */

    /* -x: the other parts; the transfer's own attempts fetch [0, seg_end). */
    struct segment *segs;
    unsigned nsegs;
    uint64_t seg_end;                 /* UINT64_MAX when not segmented */

    /* Journal */
    uint64_t journal_have;            /* offset in the last saved journal */
    uint64_t journal_ms;              /* when it was saved */
    bool journal_dirty;

    /* Finishing */
    bool finishing_tail_written;
    bool hash_running;                /* a file digest is in the thread pool */
    bool hashed;
    /* Digests of the bytes written, [0] SHA-256 and [1] SHA-512; for stdout
     * computed as the bytes go out, for files read back at the end. */
    EVP_MD_CTX *md[2];
    bool md_want[2];
    unsigned char digest[2][64];
    unsigned digest_len[2];

    /* Progress rate: a sliding sample. */
    uint64_t rate_ms;
    uint64_t rate_bytes;
    double rate;
    uint64_t events_progress_ms;
};

/* attempt.c: seg NULL for the transfer's own attempt */
struct attempt *attempt_new(struct transfer *t, struct segment *seg, uint64_t now_ms, int *code);
void attempt_free(struct attempt *a);
/* Reads response figures libcurl keeps (final URL, status) into t. */
void attempt_collect(struct attempt *a);
/* Whether the attempt ended while reading the response head: the request
 * was sent and no final response was decided (a status line may not have
 * come: libcurl refuses one over its line limit before haul sees it). */
bool attempt_in_head(const struct attempt *a);

/* transfer.c, called by attempt.c's callbacks */
bool transfer_on_response(struct transfer *t, struct attempt *a);
size_t transfer_on_body(struct transfer *t, struct attempt *a, const char *data, size_t len);

/* transfer.c: copies the last `len` bytes written (keep_tail) into buf;
 * false when fewer were kept. */
bool transfer_tail_copy(const struct transfer *t, char *buf, size_t len);

/* transfer.c: --limit-rate pacing, shared by the transfer's connections.
 * False when the attempt must pause now (it is resumed from the tick). */
bool transfer_rate_take(struct transfer *t, struct attempt *a, size_t len);

/* transfer.c, called by segments.c */
void transfer_segment_done(struct transfer *t);
/* A part's verdict that concerns the whole transfer: start over, fall
 * back to one connection, or fail. */
void transfer_part_verdict(struct transfer *t, struct retry_verdict *v);
void transfer_fail_from_segment(struct transfer *t, int code, const char *why);
/* The retry options of this transfer. */
void transfer_retry_config(const struct transfer *t, struct retry_config *c);
void transfer_fail_write(struct transfer *t, int code);
int transfer_write_error_code(const struct sink *s);

/* segments.c */
bool segments_wanted(const struct transfer *t, const struct attempt *a);
void segments_split(struct transfer *t);
bool segments_restore(struct transfer *t, const struct journal *j);
void segments_journal(const struct transfer *t, struct journal *j);
uint64_t segments_bytes(const struct transfer *t);
bool segments_all_done(const struct transfer *t);
uint64_t segments_tick(struct transfer *t, uint64_t now_ms);
/* Ends every segment's attempt; the parts and their offsets stay. */
void segments_cancel(struct transfer *t);
/* Ends them and forgets the parts: one connection from now on. */
void segments_free(struct transfer *t);
bool segment_on_response(struct segment *g, struct attempt *a);
size_t segment_on_body(struct segment *g, struct attempt *a, const char *data, size_t len);
void segment_ended(struct segment *g, CURLcode result);

#endif
