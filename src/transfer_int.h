/*
 * transfer_int.h - the insides of a transfer, shared by the three files
 * that make it up, and by nothing else:
 *
 *   transfer.c         the state machine: creation, attempts and what
 *                      follows each (the retry policy's verdicts), time,
 *                      signals, teardown;
 *   transfer_body.c    the response and the body: what to do with an
 *                      answer, the overlap check of a resume, the tail
 *                      kept for it, --stream records, writing;
 *   transfer_end.c     the end: flushing, checksum, commit, or failure
 *                      (last journal, bytes already given to a pipe), and
 *                      the one function that marks the job finished.
 */
#ifndef HAUL_TRANSFER_INT_H
#define HAUL_TRANSFER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "attempt.h"
#include "env.h"
#include "filemeta.h"
#include "output.h"
#include "ratelimit.h"
#include "records.h"
#include "retry.h"
#include "segments.h"
#include "sources.h"
#include "stats.h"
#include "transfer.h"
#include "version.h"

enum xfer_state {
    XS_NEW,        /* not started */
    XS_ACTIVE,     /* an attempt is in flight (fl.att is set) */
    XS_SEGWAIT,    /* -x: the first part is done, other parts are not */
    XS_WAITING,    /* between attempts */
    XS_FINISHING,  /* last byte received: flushing, checksumming, renaming */
    XS_DRAINING,   /* failed: delivering bytes already given to a pipe */
    XS_DONE,
};

/* Why the transfer itself ended its attempt (rather than libcurl). */
enum stop_reason {
    STOP_NONE,       /* libcurl ended it */
    STOP_REFUSED,    /* on_response refused the answer (the outcome's dec says why) */
    STOP_DONE,       /* a 416: everything is here */
    STOP_PART_DONE,  /* -x: the first part is complete */
    STOP_MISMATCH,   /* the overlap check found different bytes */
    STOP_STALL,      /* no byte for --stall-timeout */
    STOP_WRITE,      /* the output failed: stop_code, stop_said */
    STOP_QUIET,      /* the transfer is failing or starting over anyway */
    /* transfer_files.c's, handled by transfer_files_stopped(): */
    STOP_NOT_MODIFIED, /* -N: 304, the file is the server's copy */
    STOP_TOO_BIG,      /* --max-filesize */
    STOP_NAME_EXISTS,  /* -J: the file it names exists */
};

/*
 * The transfer's side of its attempt in flight: what it asked and what it
 * got so far.  Reset by each start; the attempt itself knows none of it.
 */
struct flight {
    struct attempt *att;           /* in flight, or NULL */
    enum stop_reason stop;
    int stop_code;                 /* STOP_WRITE: the exit code */
    bool stop_said;                /* STOP_WRITE: the line naming the file is out */
    struct response_ask ask;       /* the range asked and what was known */
    bool used_final;               /* it asked the URL redirects led to before */
    bool sent_last_event_id;
    uint64_t body_off;             /* resource offset of the next body byte */
    uint64_t received;             /* body bytes kept */
    char *verify;                  /* overlap check: the bytes held just before
                                    * the resume point (the attempt's account) */
    size_t verify_len;
    bool rate_paused;              /* on_body paused it for --limit-rate */
    bool conditional;              /* -N: If-Modified-Since/If-None-Match sent */
    unsigned source;               /* the source asked (sources.h) */
    bool foreign;                  /* ... not the one the bytes held came from:
                                    * its overlap is compared before its bytes
                                    * are taken, and its validators then ... */
    struct resource_version next_ver;  /* ... replace those held */
};

struct transfer {
    struct transfer_env env;          /* the run's loop, glue, events, callbacks */
    const struct config *cfg;         /* borrowed */
    const struct job *job;            /* borrowed */
    struct xfer_stats *stats;         /* borrowed: the run keeps it */
    struct mem_account *acct;         /* &stats->acct */
    enum xfer_state state;
    bool started;                     /* transfer_start() ran */

    char *url;                        /* as given (may hold credentials) */
    struct sources *src;              /* it and its mirrors */
    int ver_source;                   /* the source the bytes held came from, or -1 */
    char *display_url;                /* redacted, for every message */
    char *final_url;                  /* after redirects; tried first on resume */
    struct output *out;
    bool to_stdout;
    size_t tty_check;                 /* body bytes still to look at for a NUL */
    bool tty_refused;                 /* found one: a binary body, not sent */

    /* Resume state: what is held and which version it belongs to. */
    uint64_t have;                    /* bytes of the resource held (the own part) */
    struct resource_version ver;
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

    /* -I: the heads of the attempt in flight, as received */
    char *head_text;
    size_t head_len, head_cap;

    /* --stream */
    bool stream;
    bool sse;
    struct records rec;
    bool rec_on;

    /* Attempts and retries */
    struct flight fl;
    struct retry_state retry;         /* the own attempts' failures, and start-overs */
    struct retry_config retry_cfg;    /* --retry and the rest, --max-time */
    bool answered;                    /* a server answered some attempt of this
                                       * run: a refusal is then an outage */
    uint64_t retry_at_ms;
    uint64_t deadline_ms;             /* --max-time, or UINT64_MAX */
    struct rate_limit rate;           /* --limit-rate, shared with the parts */

    /* -x: the other parts; the own attempts fetch [0, seg_end). */
    struct segments *segs;
    uint64_t seg_end;                 /* UINT64_MAX when not segmented */

    /* Journal */
    uint64_t journal_have;            /* bytes held by the last saved journal */
    uint64_t journal_ms;              /* when it was saved */
    bool journal_dirty;
    uint64_t noted_bytes;             /* bytes_written when "written" was last noted */
    uint64_t noted_ms;                /* and when */

    /* The end */
    int fail_code;                    /* failing: the exit code ... */
    char *fail_message;               /* ... and the message */
    bool said;                        /* its failure line is printed already */
    bool fail_saved;                  /* failing: the last journal is written */
    bool tail_written;                /* finishing: the last record is out */
    struct hash_job *hashing;         /* a file digest in the thread pool, or NULL */
    bool hashed;
    /* Digests of the bytes written, [0] SHA-256 and [1] SHA-512; for stdout
     * computed as the bytes go out, for files read back at the end. */
    EVP_MD_CTX *md[2];
    bool md_want[2];
    unsigned char digest[2][64];
    unsigned digest_len[2];

    /* -N, -R, -J, --xattr (transfer_files.c) */
    bool stamp_known;                 /* -N: FILE exists: ask only if it changed */
    struct filemeta_stamp stamp;
    char stamp_date[64];              /* its time as an HTTP-date */
    time_t remote_mtime;              /* Last-Modified of the answer written, -1 */
    char *content_type;               /* of the answer written, or NULL */
    char *cd_name;                    /* -J: the name the answer gave, or NULL */

    /* Progress rate: a sliding sample. */
    uint64_t rate_ms;
    uint64_t rate_bytes;
    double rate_bps;
    uint64_t events_progress_ms;
};

/* transfer.c */
uint64_t transfer_now(const struct transfer *t);
/* Notes in the journal on disk how far the file is written, once enough
 * was written since the last note (cheap; see output_note_written). */
void transfer_note_written(struct transfer *t);
/* The journal that names what is held now (its strings are borrowed). */
struct journal *transfer_journal(const struct transfer *t, struct journal *j);
/* Bytes of the resource on hand: the own part's and the parts'. */
uint64_t transfer_held(const struct transfer *t);
/* Saves the journal in the thread pool, if a save is not running. */
void transfer_checkpoint(struct transfer *t);
/* The output starts over from byte 0 (parts, bytes held, journal,
 * version: all dropped).  0 or an errno.  Not inside libcurl's callbacks
 * while parts exist: ending them removes their easy handles. */
int transfer_start_over(struct transfer *t);
/* -x: the first answer gave the total; splits it into parts if worth it. */
void transfer_split(struct transfer *t);
/* Whether the file has several sources (--mirror). */
bool transfer_mirrored(const struct transfer *t);
/* Ends the own attempt quietly (failing, starting over, freed). */
void transfer_drop_attempt(struct transfer *t);

/* transfer_body.c: the attempt's callbacks */
bool transfer_on_response(void *owner, const struct head *h, struct response_decision *d);
size_t transfer_on_body(void *owner, const char *data, size_t len);
void transfer_on_head_line(void *owner, const char *line, size_t len);
/* -c without a journal: the overlap came back equal.  0 or an errno. */
int transfer_verify_passed(struct transfer *t);
/* Copies the last `len` bytes written (keep_tail) into buf; false when
 * fewer were kept. */
bool transfer_tail_copy(const struct transfer *t, char *buf, size_t len);
/* Feeds the digests of what stdout and its kind are given. */
void transfer_hash_update(struct transfer *t, const char *data, size_t len);

/* transfer_files.c: what -N, -R, --no-clobber, --create-dirs, -J,
 * --max-filesize and --xattr add to a transfer's life */
/* Before the output is made: directories, --no-clobber, -N's stamp.  False
 * when the job is finished already (skipped, or failed). */
bool transfer_files_prepare(struct transfer *t, const char *path);
/* -N: the conditions of a request from byte 0. */
void transfer_files_request(struct transfer *t, struct attempt_request *req);
/* The answer, before anything is written: a stop reason (304, too large,
 * -J's name taken) or STOP_NONE. */
enum stop_reason transfer_files_response(struct transfer *t, const struct head *h,
                                         const struct response_decision *d);
/* --max-filesize: false when `len` more bytes would pass it (stop set). */
bool transfer_files_body_fits(struct transfer *t, size_t len);
/* The attempt ended for one of transfer_files_response's reasons: carries
 * it out and returns true. */
bool transfer_files_stopped(struct transfer *t);
/* Just before FILE.part becomes FILE: its time and attributes. */
void transfer_files_commit(struct transfer *t);
/* Frees what transfer_files.c added to the transfer. */
void transfer_files_free(struct transfer *t);

/* transfer_end.c */
/* The job succeeded without writing anything (-N's 304, -J's skip). */
void transfer_end_untouched(struct transfer *t);
/* Every byte is here: flush, checksum, commit, done. */
void transfer_finish(struct transfer *t);
/* The sink finished a flush asked for by the end. */
void transfer_end_flushed(struct transfer *t);
/*
 * Fails the transfer: stops its attempts, prints its one line (unless
 * said), then saves the last journal and delivers what a pipe was given
 * before the job is marked finished.
 */
void transfer_fail(struct transfer *t, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The output failed: `code` is haul_exit_for_errno() of its error, or
 * INTERNAL; said: the line naming the file is printed already. */
void transfer_fail_output(struct transfer *t, int code, bool said);
/* Stop waiting for a reader that may be gone (signals, stdout closed),
 * once the last journal is on disk. */
void transfer_stop_draining(struct transfer *t);
/* A digest job may still hold the transfer: detach it (transfer_free). */
void transfer_end_free(struct transfer *t);

#endif
