/*
 * http.c - one HTTP/1.1 connection from accept to close: reads request
 * heads, asks faults.c for a plan, logs the request, and sends the plan
 * with fault injection (cuts, stalls, rate limits).
 *
 * Each connection is one struct conn that owns its tcp and timer handles,
 * its input buffer, its output chunk buffer and the plan of the response
 * in progress.  conn_close() is the only way out; the memory is freed in
 * the last close callback.  At most one uv_write is in flight per
 * connection and the next chunk (CHUNK bytes at most) is produced from its
 * callback, so a slow client holds at most one chunk plus the kernel's
 * socket buffer.  Reading goes on while a response is sent, so a client
 * that goes away during a stall is noticed at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>

#include "body.h"
#include "faults.h"
#include "log.h"
#include "msg.h"
#include "request.h"
#include "server.h"
#include "state.h"
#include "util.h"

#define CHUNK (256u * 1024u)     /* bytes per write */
#define LINGER_MS 1000u          /* wait for the client's FIN after ours */
#define RST_DRAIN_MAX_MS 2000u   /* wait for our bytes to be acked before RST */
#define RATE_TICK_MIN_MS 10u
#define RATE_TICK_MAX_MS 50u

enum phase {
	PH_IDLE,        /* waiting for (the rest of) a request head */
	PH_HDR_STALL,   /* hdr_stall_ms timer before the head */
	PH_SEND,        /* sending; pump() runs from the write callback */
	PH_STALL,       /* stall= hold; timer armed when stall_ms given */
	PH_HOLD,        /* hold= hold until GET /_release?name=NAME */
	PH_RATE,        /* rate= wait for the next tick */
	PH_RST_DRAIN,   /* cut with rst: waiting until our data was acked */
	PH_LINGER       /* FIN sent; waiting for the client's FIN */
};

struct conn {
	union {                    /* by the listener: TCP or --unix */
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} sock;
	int via_unix;
	char peer[64];             /* TCP: the client's address, for the log */
	uv_timer_t timer;          /* the one timer of the current phase */
	uv_write_t wreq;
	uv_shutdown_t sreq;
	struct server *srv;        /* borrowed */
	struct conn *prev, *next;  /* srv->conns */
	uint64_t id;
	int open_handles;          /* freed when the last close callback ran */
	int closing;
	enum phase phase;
	int reading, writing;

	/* Current response. */
	int resp_active;
	int end_logged;
	uint64_t n;                /* global request number */
	struct plan plan;          /* owned while resp_active */
	struct res_state *res;     /* borrowed from srv->state; NULL for errors */
	uint64_t pos;              /* absolute offset of the next body byte */
	uint64_t sent;             /* body bytes sent by this response */
	int head_pending, final_write;
	uint64_t rate_t0;          /* ms, loop time the rate window started */
	uint64_t rate_sent0;       /* sent when it started */
	uint64_t drain_deadline;   /* ms */
	char ev[192];              /* SSE event being sent */
	size_t ev_len, ev_off;
	int sse_started;

	uint8_t *obuf;             /* owned, CHUNK bytes, allocated on first use */
	char chunk_hdr[24];
	size_t rlen;
	char rbuf[REQ_HEAD_MAX + 1];   /* one over the limit detects 431 */
};

static void pump(struct conn *c);
static void try_parse(struct conn *c);
static void reset_now(struct conn *c);
static void graceful_close(struct conn *c);
static void on_timer(uv_timer_t *t);

/* ---- teardown ---------------------------------------------------------- */

static void on_close(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (--c->open_handles > 0)
		return;
	free(c->obuf);
	free(c);
}

static void log_end_once(struct conn *c, const char *how)
{
	if (c->end_logged)
		return;
	c->end_logged = 1;
	log_end(c->srv->log, c->n, c->id, c->sent, how);
}

static void release_response(struct conn *c)
{
	plan_free(&c->plan);
	c->res = NULL;
	c->resp_active = 0;
}

/* The only way a connection ends.  how: for the end record of a response
 * still in progress (NULL when there is none to report). */
static void conn_close(struct conn *c, const char *how)
{
	if (c->closing)
		return;
	c->closing = 1;
	if (c->resp_active) {
		log_end_once(c, how ? how : "error");
		release_response(c);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		c->srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	uv_close((uv_handle_t *)&c->sock, on_close);
	uv_close((uv_handle_t *)&c->timer, on_close);
}

void http_close_all(struct server *srv)
{
	while (srv->conns)
		conn_close(srv->conns, "shutdown");
}

/* ---- reading ----------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = h->data;

	(void)suggested;
	buf->base = c->rbuf + c->rlen;
	buf->len = sizeof(c->rbuf) - c->rlen;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = s->data;

	(void)buf;
	if (c->closing || nread == 0)
		return;
	if (nread == UV_ENOBUFS) {
		/* Input buffer full while a response is in progress. */
		uv_read_stop(s);
		c->reading = 0;
		return;
	}
	if (nread < 0) {
		conn_close(c, c->phase == PH_STALL ? "stall-closed" :
		           c->phase == PH_HOLD ? "hold-closed" : "client-closed");
		return;
	}
	if (c->phase == PH_LINGER || c->phase == PH_RST_DRAIN) {
		c->rlen = 0;   /* the connection is ending: discard */
		return;
	}
	c->rlen += (size_t)nread;
	if (!c->resp_active)
		try_parse(c);
}

static void start_reading(struct conn *c)
{
	if (c->reading || c->closing)
		return;
	if (uv_read_start((uv_stream_t *)&c->sock, on_alloc, on_read) < 0) {
		conn_close(c, "error");
		return;
	}
	c->reading = 1;
}

/* ---- requests ---------------------------------------------------------- */

/* The request body that follows a head: its Content-Length, when all of
 * it is in rbuf (rlen bytes); BODY_WAIT until it is, BODY_TOO_LARGE when
 * it cannot fit (a 413).  No Content-Length, or chunked: 0 (a chunked
 * body is not read; the connection closes after the answer). */
#define BODY_WAIT (-1)
#define BODY_TOO_LARGE (-2)
static int64_t body_length(const struct request *req, size_t rlen)
{
	const char *cl = request_header(req, "content-length");
	uint64_t n;

	if (!cl || request_header(req, "transfer-encoding") ||
	    util_parse_u64(cl, &n) < 0)
		return 0;
	if (n > REQ_HEAD_MAX - req->consumed)
		return BODY_TOO_LARGE;
	return rlen - req->consumed < n ? BODY_WAIT : (int64_t)n;
}

static void log_request(struct conn *c, const struct request *req,
                        const char *key, const char *body, size_t body_len)
{
	struct log_req_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.body = body;
	rec.body_len = body_len;
	rec.n = c->n;
	rec.conn = c->id;
	rec.via_unix = c->via_unix;
	rec.peer = c->peer[0] ? c->peer : NULL;
	rec.req = req;
	rec.key = key;
	rec.status = c->plan.status;
	rec.has_version = c->plan.has_version;
	rec.version = c->plan.version;
	rec.has_first = c->plan.has_first;
	rec.first = c->plan.log_first;
	rec.has_last = c->plan.has_last;
	rec.last = c->plan.log_last;
	log_req(c->srv->log, &rec);
}

/* Plans the response to a parsed request; returns -1 when out of memory. */
static int plan_request(struct conn *c, const struct request *req,
                        char **key, time_t now)
{
	struct switches sw;
	struct plan_ctx ctx;
	char err[300];
	uint64_t hops;
	int rc;

	rc = switches_parse(req->query, &sw, err, sizeof(err));
	if (rc == -1) {
		switches_free(&sw);
		return plan_error(&c->plan, 400, err, now);
	}
	if (rc < 0 || faults_resource_key(req->path, key, &hops) < 0)
		goto nomem;
	c->res = state_get(&c->srv->state, *key);
	if (!c->res)
		goto nomem;
	if (hops == 0)
		c->res->requests++;
	ctx.hops = hops;
	ctx.reqno = c->res->requests;
	ctx.cuts_done = c->res->cuts_done;
	ctx.now = now;
	if (plan_build(&c->plan, req, &sw, &ctx) < 0)
		goto nomem;
	return 0;
nomem:
	switches_free(&sw);
	plan_free(&c->plan);
	c->res = NULL;
	return -1;
}

/* ---- holds ------------------------------------------------------------- */

/* The name that releases this response's holds: hold_name= or the key. */
static const char *hold_name(const struct conn *c)
{
	return c->plan.sw.hold_name ? c->plan.sw.hold_name : c->res->key;
}

/* The percent-decoded value of switch name in query (malloc'ed), or NULL
 * when it is absent, empty or badly escaped. */
static char *query_value(const char *query, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = query;

	while (p && *p) {
		size_t len = strcspn(p, "&");

		if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=')
			return len > nlen + 1 ?
			       util_pct_decode(p + nlen + 1, len - nlen - 1) : NULL;
		p += len;
		if (*p == '&')
			p++;
	}
	return NULL;
}

static int holding(const struct conn *c, const char *name)
{
	return !c->closing && c->resp_active && c->phase == PH_HOLD &&
	       strcmp(hold_name(c), name) == 0;
}

static size_t count_holding(const struct server *srv, const char *name)
{
	const struct conn *c;
	size_t n = 0;

	for (c = srv->conns; c; c = c->next)
		n += (size_t)holding(c, name);
	return n;
}

/* Lets every response held under name go on. */
static void resume_holding(struct server *srv, const char *name)
{
	struct conn *c, *next;

	for (c = srv->conns; c; c = next) {
		next = c->next;   /* pump may close c, which unlinks it */
		if (!holding(c, name))
			continue;
		c->phase = PH_SEND;
		c->rate_t0 = uv_now(&srv->loop);   /* no burst after a hold */
		c->rate_sent0 = c->sent;
		pump(c);
	}
}

/* GET /_release?name=NAME: marks NAME released (for good) and answers
 * "released K" with the number of responses it lets go on; *name is set
 * for the caller to resume them once the request is logged. */
static int plan_release(struct conn *c, const struct request *req,
                        char **name, time_t now)
{
	char text[64];
	size_t k;

	*name = query_value(req->query, "name");
	if (!*name)
		return plan_error(&c->plan, 400, "_release needs name=NAME", now);
	k = count_holding(c->srv, *name);
	if (state_release(&c->srv->state, *name) < 0)
		return -1;
	snprintf(text, sizeof(text), "released %zu", k);
	return plan_error(&c->plan, 200, text, now);
}

/* Parses a head from rbuf if complete and starts its response. */
static void try_parse(struct conn *c)
{
	struct request req;
	enum req_result rr;
	char *key = NULL, *release = NULL;
	time_t now = time(NULL);
	int rc = 0;
	int64_t body = 0;
	size_t body_at = 0, body_len = 0;

	if (c->closing || c->resp_active || c->phase != PH_IDLE)
		return;
	if (c->rlen > 0 && (unsigned char)c->rbuf[0] == 0x16) {
		/* A TLS handshake record (ClientHello) on this plain port:
		 * reset, so https:// URLs here test a reset during TLS. */
		reset_now(c);
		return;
	}
	rr = request_parse(c->rbuf, c->rlen, &req);
	if (rr == REQ_INCOMPLETE)
		goto out;
	if (rr == REQ_OK) {
		body = body_length(&req, c->rlen);
		if (body == BODY_WAIT) {
			/* Parsed again when the rest of the body came. */
			request_free(&req);
			return;
		}
	}

	c->n = ++c->srv->next_req_n;
	c->res = NULL;
	if (rr == REQ_OK && body == BODY_TOO_LARGE) {
		rc = plan_error(&c->plan, 413, "request body too large", now);
		c->plan.close_after = 1;
		c->rlen = 0;
	} else if (rr == REQ_OK) {
		/* The body is logged from rbuf, then dropped with the head. */
		body_at = req.consumed;
		body_len = (size_t)body;
		if (req.path && strcmp(req.path, "/_release") == 0)
			rc = plan_release(c, &req, &release, now);
		else
			rc = plan_request(c, &req, &key, now);
	} else if (rr == REQ_BAD) {
		rc = plan_error(&c->plan, 400, "bad request", now);
	} else if (rr == REQ_TOO_LARGE) {
		rc = plan_error(&c->plan, 431, "request head too large", now);
	} else {
		rc = -1;
	}
	if (rc < 0) {
		msg_error("out of memory answering request %" PRIu64, c->n);
		plan_free(&c->plan);
		c->res = NULL;
		if (plan_error(&c->plan, 500, "out of memory", now) < 0) {
			conn_close(c, NULL);
			goto out;
		}
	}

	/* Logged before any byte of the response leaves. */
	log_request(c, rr == REQ_OK || rr == REQ_BAD ? &req : NULL, key,
	            c->rbuf + body_at, body_len);
	if (rr == REQ_OK && body != BODY_TOO_LARGE) {
		c->rlen -= req.consumed + body_len;
		memmove(c->rbuf, c->rbuf + req.consumed + body_len, c->rlen);
	}
	if (release && c->plan.status == 200)
		resume_holding(c->srv, release);
	c->resp_active = 1;
	c->end_logged = 0;
	c->pos = c->plan.first;
	c->sent = 0;
	c->head_pending = 1;
	c->final_write = 0;
	c->ev_len = c->ev_off = 0;
	c->sse_started = 0;
	c->rate_t0 = uv_now(&c->srv->loop);
	c->rate_sent0 = 0;
	c->phase = c->plan.sw.hdr_stall_ms ? PH_HDR_STALL : PH_SEND;
out:
	free(key);
	free(release);
	request_free(&req);
	if (c->closing || !c->resp_active)
		return;
	if (c->phase == PH_HDR_STALL)
		uv_timer_start(&c->timer, on_timer, c->plan.sw.hdr_stall_ms, 0);
	else
		pump(c);
}

/* ---- sending ----------------------------------------------------------- */

static int body_done(const struct conn *c)
{
	const struct plan *p = &c->plan;

	switch (p->body) {
	case PLAN_NONE:
		return 1;
	case PLAN_SSE:
		return c->ev_off == c->ev_len && p->sse_has_last &&
		       p->sse_next > p->sse_last;
	default:
		return c->pos >= p->end;
	}
}

/* Produces up to limit body bytes at c->pos; *data points at them. */
static size_t fill(struct conn *c, size_t limit, const char **data)
{
	struct plan *p = &c->plan;
	size_t n = 0;

	if (p->body == PLAN_TEXT) {
		*data = p->text + c->pos;
		return limit;
	}
	if (!c->obuf) {
		c->obuf = malloc(CHUNK);
		if (!c->obuf)
			return 0;
	}
	*data = (const char *)c->obuf;
	if (p->body == PLAN_GEN) {
		body_fill(&p->id, c->pos, c->obuf, limit);
		return limit;
	}
	if (p->body == PLAN_HDRS) {
		static const char line[] = "X-Endless: "
			"hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh\r\n";

		for (n = 0; n < limit; n++)
			c->obuf[n] = (uint8_t)line[(c->pos + n) % (sizeof(line) - 1)];
		return limit;
	}
	while (n < limit) {   /* PLAN_SSE */
		size_t k;

		if (c->ev_off == c->ev_len) {
			if (p->sse_has_last && p->sse_next > p->sse_last)
				break;
			c->ev_len = body_sse_event(c->ev, sizeof(c->ev), p->sse_next,
			                           p->id.seed, p->id.version,
			                           !c->sse_started, p->sw.sse_retry);
			c->ev_off = 0;
			c->sse_started = 1;
			p->sse_next++;
		}
		k = c->ev_len - c->ev_off;
		if (k > limit - n)
			k = limit - n;
		memcpy(c->obuf + n, c->ev + c->ev_off, k);
		c->ev_off += k;
		n += k;
	}
	return n;
}

enum gate {
	GATE_GO,
	GATE_STALL,   /* at the stall= offset */
	GATE_HOLD,    /* at a hold= offset */
	GATE_CUT,     /* at a fin=/rst=/every= cut */
	GATE_RATE     /* rate= allowance used up */
};

struct gate_info {
	enum cut_kind kind;   /* GATE_CUT: CUT_FIN or CUT_RST */
	int offset_hit;       /* GATE_CUT: a fin=/rst= offset fires */
	int every_hit;        /* GATE_CUT: the every= cut fires */
	uint64_t delay_ms;    /* GATE_RATE */
};

/* a * b / d without overflowing for the values tests use. */
static uint64_t muldiv(uint64_t a, uint64_t b, uint64_t d)
{
	return a / d * b + a % d * b / d;
}

/* Consider one cut candidate at offset o. */
static void cut_candidate(uint64_t o, enum cut_kind kind, int is_offset,
                          int *found, uint64_t *at, struct gate_info *gi)
{
	if (!*found || o < *at) {
		*found = 1;
		*at = o;
		gi->kind = kind;
		gi->offset_hit = is_offset;
		gi->every_hit = !is_offset;
	} else if (o == *at) {
		if (kind == CUT_RST)
			gi->kind = CUT_RST;   /* rst wins a tie */
		if (is_offset)
			gi->offset_hit = 1;
		else
			gi->every_hit = 1;
	}
}

/*
 * Decides whether the next body bytes may go now.  On GATE_GO *limit is
 * lowered so the write stops exactly at the next stall or cut offset and
 * within the rate allowance.
 */
static enum gate gate(struct conn *c, uint64_t *limit, struct gate_info *gi)
{
	struct plan *p = &c->plan;
	const struct switches *sw = &p->sw;
	struct res_state *r = c->res;
	uint64_t pos = c->pos, at = 0;
	int found = 0;
	size_t i;

	memset(gi, 0, sizeof(*gi));
	if (r && sw->has_stall && !r->stall_fired && sw->stall >= pos &&
	    sw->stall < p->end) {
		if (sw->stall == pos)
			return GATE_STALL;
		if (sw->stall - pos < *limit)
			*limit = sw->stall - pos;
	}
	if (r && sw->nhold > 0 &&
	    !state_is_released(&c->srv->state, hold_name(c))) {
		for (i = 0; i < sw->nhold; i++) {
			uint64_t o = sw->hold[i];

			if (o < pos || o >= p->end || state_offset_held(r, o))
				continue;
			if (o == pos)
				return GATE_HOLD;
			if (o - pos < *limit)
				*limit = o - pos;
		}
	}

	if (p->every_active && UINT64_MAX - p->first > sw->every) {
		uint64_t o = p->first + sw->every;

		if (o >= pos && o < p->end)
			cut_candidate(o, p->every_kind, 0, &found, &at, gi);
	}
	for (i = 0; r && i < sw->nfin; i++)
		if (sw->fin[i] >= pos && sw->fin[i] < p->end &&
		    !state_offset_fired(r, sw->fin[i]))
			cut_candidate(sw->fin[i], CUT_FIN, 1, &found, &at, gi);
	for (i = 0; r && i < sw->nrst; i++)
		if (sw->rst[i] >= pos && sw->rst[i] < p->end &&
		    !state_offset_fired(r, sw->rst[i]))
			cut_candidate(sw->rst[i], CUT_RST, 1, &found, &at, gi);
	if (found) {
		if (at == pos)
			return GATE_CUT;
		if (at - pos < *limit)
			*limit = at - pos;
	}

	if (sw->rate) {
		uint64_t el = uv_now(&c->srv->loop) - c->rate_t0;
		uint64_t allowed = muldiv(sw->rate, el, 1000);
		uint64_t spent = c->sent - c->rate_sent0;
		uint64_t avail = allowed > spent ? allowed - spent : 0;
		uint64_t want = sw->rate / 50;

		/* Wait for about 20 ms worth, so writes are not tiny. */
		if (want < 1)
			want = 1;
		if (want > *limit)
			want = *limit;
		if (avail < want) {
			uint64_t need_ms = muldiv(spent + want, 1000, sw->rate) + 1;
			uint64_t d = need_ms > el ? need_ms - el : 1;

			if (d < RATE_TICK_MIN_MS)
				d = RATE_TICK_MIN_MS;
			if (d > RATE_TICK_MAX_MS)
				d = RATE_TICK_MAX_MS;
			gi->delay_ms = d;
			return GATE_RATE;
		}
		if (avail < *limit)
			*limit = avail;
	}
	return GATE_GO;
}

static void start_rst(struct conn *c);

/* Carries out a gate that stops sending.  The head has been sent. */
static void act_on_gate(struct conn *c, enum gate g,
                        const struct gate_info *gi)
{
	switch (g) {
	case GATE_STALL:
		c->res->stall_fired = 1;
		c->phase = PH_STALL;
		log_mark(c->srv->log, "stall", c->n, c->id, c->pos, NULL);
		if (c->plan.sw.stall_ms)
			uv_timer_start(&c->timer, on_timer, c->plan.sw.stall_ms, 0);
		break;
	case GATE_HOLD:
		if (state_mark_held(c->res, c->pos) < 0) {
			conn_close(c, "error");
			return;
		}
		c->phase = PH_HOLD;
		log_mark(c->srv->log, "hold", c->n, c->id, c->pos, hold_name(c));
		break;
	case GATE_CUT:
		if (gi->offset_hit && state_mark_fired(c->res, c->pos) < 0) {
			conn_close(c, "error");
			return;
		}
		if (gi->every_hit)
			c->res->cuts_done++;
		log_end_once(c, gi->kind == CUT_RST ? "rst" : "fin");
		release_response(c);
		if (gi->kind == CUT_RST)
			start_rst(c);
		else
			graceful_close(c);
		break;
	case GATE_RATE:
		c->phase = PH_RATE;
		uv_timer_start(&c->timer, on_timer, gi->delay_ms, 0);
		break;
	case GATE_GO:
		break;
	}
}

static void finish_response(struct conn *c)
{
	int close_after = c->plan.close_after;

	release_response(c);
	if (close_after) {
		graceful_close(c);
		return;
	}
	c->phase = PH_IDLE;
	start_reading(c);
	try_parse(c);
}

static void on_write(uv_write_t *req, int status)
{
	struct conn *c = req->data;

	c->writing = 0;
	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c, status == UV_EPIPE || status == UV_ECONNRESET ?
		           "client-closed" : "error");
		return;
	}
	if (c->final_write)
		finish_response(c);
	else
		pump(c);
}

/* Sends the next piece of the response: the head, the next chunk of the
 * body, or both; or stops at a stall, cut or rate limit. */
static void pump(struct conn *c)
{
	static char crlf[] = "\r\n";
	static char crlf_last[] = "\r\n0\r\n\r\n";
	static char last_chunk[] = "0\r\n\r\n";
	struct plan *p = &c->plan;
	uv_buf_t bufs[4];
	unsigned nb = 0;
	int final = 0, rc;

	if (c->closing || c->writing || !c->resp_active || c->phase != PH_SEND)
		return;
	if (c->head_pending)
		bufs[nb++] = uv_buf_init(p->head, (unsigned)p->head_len);

	if (body_done(c)) {
		final = 1;
		if (p->chunked)
			bufs[nb++] = uv_buf_init(last_chunk, sizeof(last_chunk) - 1);
	} else {
		uint64_t limit = CHUNK;
		struct gate_info gi;
		const char *data = NULL;
		size_t n;

		if (p->end != PLAN_ENDLESS && p->end - c->pos < limit)
			limit = p->end - c->pos;
		if (p->body != PLAN_TEXT) {
			enum gate g = gate(c, &limit, &gi);

			if (g != GATE_GO) {
				if (nb == 0) {
					act_on_gate(c, g, &gi);
					return;
				}
				goto write;   /* the head first; the gate acts next time */
			}
		}
		n = fill(c, (size_t)limit, &data);
		if (n == 0) {
			msg_error("out of memory for the output buffer");
			conn_close(c, "error");
			return;
		}
		if (p->chunked) {
			snprintf(c->chunk_hdr, sizeof(c->chunk_hdr), "%zx\r\n", n);
			bufs[nb++] = uv_buf_init(c->chunk_hdr,
			                         (unsigned)strlen(c->chunk_hdr));
		}
		bufs[nb++] = uv_buf_init((char *)data, (unsigned)n);
		c->pos += n;
		c->sent += n;
		final = body_done(c);
		if (p->chunked) {
			if (final)
				bufs[nb++] = uv_buf_init(crlf_last, sizeof(crlf_last) - 1);
			else
				bufs[nb++] = uv_buf_init(crlf, sizeof(crlf) - 1);
		}
	}

write:
	/* Logged before the last write, so it is on disk before the client
	 * can see the end of the response. */
	if (final)
		log_end_once(c, "complete");
	c->head_pending = 0;
	if (nb == 0) {
		finish_response(c);
		return;
	}
	c->writing = 1;
	c->final_write = final;
	c->wreq.data = c;
	rc = uv_write(&c->wreq, (uv_stream_t *)&c->sock, bufs, nb, on_write);
	if (rc < 0) {
		c->writing = 0;
		conn_close(c, "error");
	}
}

/* ---- ending a connection ----------------------------------------------- */

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct conn *c = req->data;

	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c, NULL);
		return;
	}
	uv_timer_start(&c->timer, on_timer, LINGER_MS, 0);
}

/* FIN after the queued data, then wait (bounded) for the client's FIN so
 * that closing with unread input never turns into a reset. */
static void graceful_close(struct conn *c)
{
	c->phase = PH_LINGER;
	c->rlen = 0;
	uv_timer_stop(&c->timer);
	start_reading(c);
	if (c->closing)
		return;
	c->sreq.data = c;
	if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->sock, on_shutdown) < 0)
		conn_close(c, NULL);
}

static int send_queue_empty(struct conn *c)
{
	uv_os_fd_t fd;
	int queued = 0;

	if (uv_fileno((uv_handle_t *)&c->sock, &fd) < 0 ||
	    ioctl(fd, SIOCOUTQ, &queued) < 0)
		return 1;
	return queued == 0;
}

/* Closes with SO_LINGER {1, 0}: the kernel sends RST, the client's recv
 * fails with ECONNRESET. */
static void reset_now(struct conn *c)
{
	struct linger lg = { 1, 0 };
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)&c->sock, &fd) == 0)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	conn_close(c, NULL);
}

/* A reset discards unacked data, so first wait until the client has every
 * byte we sent: then it reads them all before it sees the reset. */
static void start_rst(struct conn *c)
{
	if (send_queue_empty(c)) {
		reset_now(c);
		return;
	}
	c->phase = PH_RST_DRAIN;
	c->drain_deadline = uv_now(&c->srv->loop) + RST_DRAIN_MAX_MS;
	uv_timer_start(&c->timer, on_timer, 1, 1);
}

static void on_timer(uv_timer_t *t)
{
	struct conn *c = t->data;

	if (c->closing)
		return;
	switch (c->phase) {
	case PH_HDR_STALL:
		c->phase = PH_SEND;
		c->rate_t0 = uv_now(&c->srv->loop);
		pump(c);
		break;
	case PH_STALL:
		c->phase = PH_SEND;
		c->rate_t0 = uv_now(&c->srv->loop);   /* no burst after a stall */
		c->rate_sent0 = c->sent;
		pump(c);
		break;
	case PH_RATE:
		c->phase = PH_SEND;
		pump(c);
		break;
	case PH_RST_DRAIN:
		if (send_queue_empty(c) ||
		    uv_now(&c->srv->loop) >= c->drain_deadline)
			reset_now(c);
		break;
	case PH_LINGER:
		conn_close(c, NULL);
		break;
	case PH_IDLE:
	case PH_SEND:
	case PH_HOLD:
		break;
	}
}

/* ---- accepting --------------------------------------------------------- */

void http_on_connection(uv_stream_t *listener, int status)
{
	struct server *srv = listener->data;
	struct conn *c;

	if (status < 0) {
		msg_error("accept: %s", uv_strerror(status));
		return;
	}
	if (srv->stopping)
		return;
	c = calloc(1, sizeof(*c));
	if (!c) {
		msg_error("out of memory accepting a connection");
		return;
	}
	c->srv = srv;
	c->via_unix = listener->type == UV_NAMED_PIPE;
	if ((c->via_unix ? uv_pipe_init(&srv->loop, &c->sock.pipe, 0)
	                 : uv_tcp_init(&srv->loop, &c->sock.tcp)) < 0) {
		free(c);
		return;
	}
	c->sock.tcp.data = c;
	c->open_handles = 1;
	if (uv_timer_init(&srv->loop, &c->timer) == 0)
		c->open_handles = 2;
	c->timer.data = c;
	c->id = ++srv->next_conn_id;
	c->next = srv->conns;
	if (c->next)
		c->next->prev = c;
	srv->conns = c;
	if (c->open_handles != 2) {
		c->closing = 1;   /* close only the tcp handle */
		uv_close((uv_handle_t *)&c->sock, on_close);
		srv->conns = c->next;
		if (c->next)
			c->next->prev = NULL;
		return;
	}
	if (uv_accept(listener, (uv_stream_t *)&c->sock) < 0) {
		conn_close(c, NULL);
		return;
	}
	if (!c->via_unix) {
		struct sockaddr_storage ss;
		int len = (int)sizeof(ss);

		uv_tcp_nodelay(&c->sock.tcp, 1);
		if (uv_tcp_getpeername(&c->sock.tcp, (struct sockaddr *)&ss,
		                       &len) == 0)
			uv_ip_name((struct sockaddr *)&ss, c->peer,
			           sizeof(c->peer));
	}
	start_reading(c);
}
