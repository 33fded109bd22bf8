/*
 * request.h - parses one HTTP/1.x request head out of a connection's input
 * buffer.  Pure: it looks only at the bytes it is given and returns an
 * owned struct, so http.c can keep reading into its buffer meanwhile.
 */
#ifndef TESTSRV_REQUEST_H
#define TESTSRV_REQUEST_H

#include <stddef.h>

#define REQ_HEAD_MAX 32768u   /* bytes; a longer head gets 431 */

enum req_result {
	REQ_INCOMPLETE,   /* need more bytes */
	REQ_OK,
	REQ_BAD,          /* malformed: answer 400 and close */
	REQ_TOO_LARGE,    /* head over REQ_HEAD_MAX: answer 431 and close */
	REQ_NOMEM
};

struct req_header {
	char *name;    /* lowercased; points into request.head */
	char *value;   /* trimmed; points into request.head */
};

struct request {
	char *head;              /* owned copy of the head, split in place */
	size_t consumed;         /* input bytes the head took, final CRLF incl. */
	char *method;            /* points into head */
	char *target;            /* owned copy of the request target */
	char *path;              /* owned: target up to '?' (origin form) */
	char *query;             /* owned: after '?', "" when none */
	int http_minor;          /* 0 or 1 (HTTP/1.0 or HTTP/1.1) */
	struct req_header *hdrs; /* owned array */
	size_t nhdrs;
};

/*
 * Parses the head at the start of buf[0..len).  On REQ_OK *req owns its
 * fields (free with request_free) and req->consumed says how much input to
 * drop.  On REQ_BAD and REQ_TOO_LARGE, req->consumed is 0 and whatever
 * fields could be parsed (method, target) may be set for the log; call
 * request_free in every case.
 */
enum req_result request_parse(const char *buf, size_t len,
                              struct request *req);

/* First header called lname (lowercase), or NULL. */
const char *request_header(const struct request *req, const char *lname);

/* Frees the fields of req (not req itself); accepts a zeroed struct. */
void request_free(struct request *req);

#endif
