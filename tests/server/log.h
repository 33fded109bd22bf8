/*
 * log.h - the request log (--log FILE): one JSON object per line, written
 * with a single write(2) each, so a test that reads the file after its
 * client finished sees every record the server wrote before answering.
 * The record fields are documented at the top of log.c and in README.
 */
#ifndef TESTSRV_LOG_H
#define TESTSRV_LOG_H

#include <stdint.h>

#include "request.h"

struct tsrv_log;

struct log_req_rec {
	uint64_t n;                  /* global request number, from 1 */
	uint64_t conn;               /* connection id, from 1 */
	int via_unix;                /* came through the --unix listener */
	const char *peer;            /* TCP: the client's address, or NULL */
	const struct request *req;   /* method/target/path may be NULL */
	const char *key;             /* resource key or NULL */
	int status;                  /* planned status */
	int has_version;
	uint64_t version;
	int has_first, has_last;
	uint64_t first, last;        /* body offsets, inclusive */
	const char *body;            /* the request body read, body_len bytes */
	size_t body_len;
};

/* Opens (truncates) path; path NULL gives a log that writes nothing.
 * Returns 0 or -errno; *out is owned by the caller (log_close). */
int log_open(struct tsrv_log **out, const char *path);

void log_req(struct tsrv_log *log, const struct log_req_rec *rec);
void log_end(struct tsrv_log *log, uint64_t n, uint64_t conn, uint64_t sent,
             const char *how);

/* A record of something that happened to response n: ev "stall" or
 * "hold", with the body offset and (name non-NULL) the hold name. */
void log_mark(struct tsrv_log *log, const char *ev, uint64_t n,
              uint64_t conn, uint64_t offset, const char *name);

/* Closes and frees; accepts NULL. */
void log_close(struct tsrv_log *log);

#endif
