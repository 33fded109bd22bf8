/*
 * log.c - writes the request log (see log.h).  Each line is one object:
 *
 * {"ev":"req", ...} written when a request head has been parsed, before
 * any byte of the response is sent:
 *   n        global request number, from 1, in arrival order
 *   conn     connection id, from 1 (equal for requests on one connection)
 *   t        milliseconds since the server started
 *   method   request method, or null when the request line was unusable
 *   target   request target as sent (path and query), or null
 *   http     "1.0" or "1.1", or null
 *   path     target up to '?', or null
 *   key      resource key: path without a /redirect/N prefix, or null
 *   headers  object: lowercased header name -> value (repeated headers
 *            joined with ", ")
 *   status   status code the server planned to answer
 *   version  resource version served (v= / newv_at=), or null
 *   first    first body offset the response carries, or null (no body of
 *            the resource: HEAD, errors, redirects, SSE)
 *   last     last body offset (inclusive), or null (also for endless bodies)
 *   body     the request body read (by its Content-Length), "" when none,
 *            null when it holds a NUL byte
 *   body_len its length in bytes
 *
 * {"ev":"end", ...} written when the response ends:
 *   n, conn  as in the matching req record
 *   sent     body bytes sent (without chunked framing)
 *   how      complete      every byte was handed to the socket (written
 *                          just before the last write, so it is on disk
 *                          before the client can see the end)
 *            fin           cut by fin=/every= with a graceful close
 *            rst           cut by rst=/every= with a reset
 *            stall-closed  the client closed during a stall= hold
 *            hold-closed   the client closed during a hold= hold
 *            client-closed the client closed or reset the connection
 *            shutdown      the server was stopped (SIGTERM/SIGINT)
 *            error         a local error (out of memory, socket error)
 *
 * {"ev":"stall", ...} when a response stops at its stall= offset, and
 * {"ev":"hold", ...} when it stops at a hold= offset (until released):
 *   n, conn  as in the matching req record
 *   t        milliseconds since the server started
 *   offset   the body offset of the next byte (every byte before it was
 *            handed to the socket)
 *   name     (hold only) the hold name that releases it
 *
 * Offsets and counters are printed as exact integers (cJSON raw values),
 * not through doubles.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "msg.h"

struct tsrv_log {
	int fd;                 /* -1: disabled */
	uint64_t start_ms;
	int failed;             /* a write failed; reported once */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int log_open(struct tsrv_log **out, const char *path)
{
	struct tsrv_log *log = calloc(1, sizeof(*log));

	*out = NULL;
	if (!log)
		return -ENOMEM;
	log->fd = -1;
	log->start_ms = now_ms();
	if (path) {
		log->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
		               O_CLOEXEC, 0644);
		if (log->fd < 0) {
			int err = -errno;

			free(log);
			return err;
		}
	}
	*out = log;
	return 0;
}

/* Adds an exact unsigned integer (cJSON numbers are doubles). */
static int add_u64(cJSON *obj, const char *name, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	return cJSON_AddRawToObject(obj, name, num) ? 0 : -1;
}

static int add_str_or_null(cJSON *obj, const char *name, const char *s)
{
	if (s)
		return cJSON_AddStringToObject(obj, name, s) ? 0 : -1;
	return cJSON_AddNullToObject(obj, name) ? 0 : -1;
}

static int add_opt_u64(cJSON *obj, const char *name, int has, uint64_t v)
{
	if (has)
		return add_u64(obj, name, v);
	return cJSON_AddNullToObject(obj, name) ? 0 : -1;
}

static int add_headers(cJSON *obj, const struct request *req)
{
	cJSON *h = cJSON_AddObjectToObject(obj, "headers");
	size_t i;

	if (!h)
		return -1;
	for (i = 0; req && i < req->nhdrs; i++) {
		const char *name = req->hdrs[i].name;
		const char *value = req->hdrs[i].value;
		cJSON *old = cJSON_GetObjectItemCaseSensitive(h, name);

		if (old && cJSON_IsString(old)) {
			size_t len = strlen(old->valuestring) + strlen(value) + 3;
			char *joined = malloc(len);
			cJSON *item;

			if (!joined)
				return -1;
			snprintf(joined, len, "%s, %s", old->valuestring, value);
			item = cJSON_CreateString(joined);
			free(joined);
			if (!item ||
			    !cJSON_ReplaceItemInObjectCaseSensitive(h, name, item)) {
				cJSON_Delete(item);
				return -1;
			}
		} else if (!cJSON_AddStringToObject(h, name, value)) {
			return -1;
		}
	}
	return 0;
}

/* Prints obj as one line and writes it with one write(2). */
static void emit(struct tsrv_log *log, cJSON *obj)
{
	char *text = cJSON_PrintUnformatted(obj);
	char *line = NULL;
	size_t len, off = 0;

	if (!text)
		goto fail;
	len = strlen(text);
	line = malloc(len + 1);
	if (!line)
		goto fail;
	memcpy(line, text, len);
	line[len++] = '\n';
	while (off < len) {
		ssize_t w = write(log->fd, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	goto out;
fail:
	if (!log->failed)
		msg_error("cannot write the request log record");
	log->failed = 1;
out:
	free(line);
	cJSON_free(text);
}

/* "body": the request body as a string (null when it holds a NUL byte,
 * which a JSON string from cJSON cannot), "body_len": its bytes. */
static int add_body(cJSON *obj, const struct log_req_rec *rec)
{
	char *text;
	int rc = 0;

	if (add_u64(obj, "body_len", rec->body_len) < 0)
		return -1;
	if (rec->body_len > 0 && memchr(rec->body, '\0', rec->body_len))
		return cJSON_AddNullToObject(obj, "body") ? 0 : -1;
	text = malloc(rec->body_len + 1);
	if (!text)
		return -1;
	if (rec->body_len > 0)
		memcpy(text, rec->body, rec->body_len);
	text[rec->body_len] = '\0';
	if (!cJSON_AddStringToObject(obj, "body", text))
		rc = -1;
	free(text);
	return rc;
}

void log_req(struct tsrv_log *log, const struct log_req_rec *rec)
{
	const struct request *req = rec->req;
	const char *http = NULL;
	cJSON *obj = NULL;

	if (!log || log->fd < 0)
		return;
	if (req && req->target)
		http = req->http_minor ? "1.1" : "1.0";
	obj = cJSON_CreateObject();
	if (!obj ||
	    !cJSON_AddStringToObject(obj, "ev", "req") ||
	    add_u64(obj, "n", rec->n) < 0 ||
	    add_u64(obj, "conn", rec->conn) < 0 ||
	    (rec->via_unix && !cJSON_AddStringToObject(obj, "via", "unix")) ||
	    (rec->peer && !cJSON_AddStringToObject(obj, "peer", rec->peer)) ||
	    add_u64(obj, "t", now_ms() - log->start_ms) < 0 ||
	    add_str_or_null(obj, "method", req ? req->method : NULL) < 0 ||
	    add_str_or_null(obj, "target", req ? req->target : NULL) < 0 ||
	    add_str_or_null(obj, "http", http) < 0 ||
	    add_str_or_null(obj, "path", req ? req->path : NULL) < 0 ||
	    add_str_or_null(obj, "key", rec->key) < 0 ||
	    add_headers(obj, req) < 0 ||
	    add_u64(obj, "status", (uint64_t)rec->status) < 0 ||
	    add_opt_u64(obj, "version", rec->has_version, rec->version) < 0 ||
	    add_opt_u64(obj, "first", rec->has_first, rec->first) < 0 ||
	    add_opt_u64(obj, "last", rec->has_last, rec->last) < 0 ||
	    add_body(obj, rec) < 0) {
		if (!log->failed)
			msg_error("out of memory building a log record");
		log->failed = 1;
		goto out;
	}
	emit(log, obj);
out:
	cJSON_Delete(obj);
}

void log_end(struct tsrv_log *log, uint64_t n, uint64_t conn, uint64_t sent,
             const char *how)
{
	cJSON *obj = NULL;

	if (!log || log->fd < 0)
		return;
	obj = cJSON_CreateObject();
	if (!obj ||
	    !cJSON_AddStringToObject(obj, "ev", "end") ||
	    add_u64(obj, "n", n) < 0 ||
	    add_u64(obj, "conn", conn) < 0 ||
	    add_u64(obj, "sent", sent) < 0 ||
	    !cJSON_AddStringToObject(obj, "how", how)) {
		if (!log->failed)
			msg_error("out of memory building a log record");
		log->failed = 1;
		goto out;
	}
	emit(log, obj);
out:
	cJSON_Delete(obj);
}

void log_mark(struct tsrv_log *log, const char *ev, uint64_t n,
              uint64_t conn, uint64_t offset, const char *name)
{
	cJSON *obj = NULL;

	if (!log || log->fd < 0)
		return;
	obj = cJSON_CreateObject();
	if (!obj ||
	    !cJSON_AddStringToObject(obj, "ev", ev) ||
	    add_u64(obj, "n", n) < 0 ||
	    add_u64(obj, "conn", conn) < 0 ||
	    add_u64(obj, "t", now_ms() - log->start_ms) < 0 ||
	    add_u64(obj, "offset", offset) < 0 ||
	    (name && !cJSON_AddStringToObject(obj, "name", name))) {
		if (!log->failed)
			msg_error("out of memory building a log record");
		log->failed = 1;
		goto out;
	}
	emit(log, obj);
out:
	cJSON_Delete(obj);
}

void log_close(struct tsrv_log *log)
{
	if (!log)
		return;
	if (log->fd >= 0)
		close(log->fd);
	free(log);
}
