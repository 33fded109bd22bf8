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
#include "options.h"
#include "output.h"
#include "records.h"
#include "response.h"
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
};

/*
 * One request and its response.  Owned by its transfer (t->att); created by
 * attempt_new() and released by attempt_free() as soon as the request ends,
 * whatever the reason, so nothing of a dead connection outlives it: no error
 * buffer, header list, response state or buffered bytes.  Its memory is
 * charged to stats->attempt_acct, which must read 0 after attempt_free().
 */
struct attempt {
    struct transfer *t;            /* borrowed: the owner */
    CURL *easy;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    char *url;                     /* the URL asked */

    struct response_ask ask;
    struct response_got got;       /* the response being read */
    bool has_location;             /* the response being read has a Location */
    bool decided;
    struct response_decision dec;
    bool chunked;                  /* Transfer-Encoding: chunked */
    bool encoded;                  /* a Content-Encoding other than identity */
    bool accept_ranges;
    int64_t retry_after_ms;        /* -1: none */
    time_t date;                   /* Date header, -1 if none */
    char content_type[128];
    bool sent_last_event_id;
    bool used_final;               /* asked the URL redirects led to last time */

    uint64_t received;             /* body bytes of this response */
    uint64_t skip_left;            /* RESP_SKIP: bytes still to drop */
    char *verify;                  /* -c overlap: the bytes on disk */
    size_t verify_len, verify_pos;
    bool paused;                   /* the write callback returned PAUSE */
    uint64_t started_ms;
    uint64_t last_byte_ms;
    enum abort_reason abort;
    int abort_code;                /* exit code for ABORT_RESPONSE/WRITE */
};

enum xfer_state {
    XS_NEW,        /* not started */
    XS_ACTIVE,     /* an attempt is in flight */
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
    bool verify_pending;              /* -c without journal: check an overlap first */
    uint64_t verify_size;             /* size of the partial file */
    bool probe_pending;               /* close-delimited end: ask if there is more */

    /* --stream */
    bool stream;
    bool sse;
    struct records rec;
    bool rec_on;

    /* Retries */
    uint32_t failures;                /* consecutive attempts without progress */
    uint32_t limited_failures;        /* of the DNS/TLS kind */
    uint64_t retry_at_ms;
    uint64_t deadline_ms;             /* --max-time, or UINT64_MAX */
    uint64_t rate_limit;              /* current per-transfer cap, bytes/s */

    struct attempt *att;              /* in-flight request, or NULL */

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

/* attempt.c */
struct attempt *attempt_new(struct transfer *t, uint64_t now_ms, int *code);
void attempt_free(struct attempt *a);
/* Reads response figures libcurl keeps (final URL, status) into t. */
void attempt_collect(struct attempt *a);

/* transfer.c, called by attempt.c's callbacks */
bool transfer_on_response(struct transfer *t, struct attempt *a);
size_t transfer_on_body(struct transfer *t, struct attempt *a, const char *data, size_t len);

#endif
