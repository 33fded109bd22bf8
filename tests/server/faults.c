/*
 * faults.c - query switches and response plans (see faults.h).  The one
 * place that decides what a response looks like; http.c only sends what
 * the plan says and fires the cuts and stalls it describes.
 */
#include "faults.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "range.h"
#include "util.h"

#define LM_BASE 1609459200   /* 2021-01-01 00:00:00 GMT */
#define INF_LAST "9223372036854775806"   /* last-pos we claim for endless */
#define HOSTILE_HEAD_MAX (64u << 20)   /* hdrline=, nhdr= * 16: 64 MiB */
#define GZIP_MAX (64ull << 30)         /* gzip=: 64 GiB inflated, ~400 MB sent */

/* ---- switches ---------------------------------------------------------- */

static int parse_bool(const char *v, int *out)
{
	if (strcmp(v, "1") == 0 || strcmp(v, "") == 0)
		*out = 1;
	else if (strcmp(v, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int has_ctl(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < ' ' && *s != '\t') || *s == 0x7f)
			return 1;
	return 0;
}

/* Appends the comma-separated sizes of v to *arr.  -1 bad, -2 OOM. */
static int parse_offsets(const char *v, uint64_t **arr, size_t *n)
{
	const char *p = v;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[32];
		uint64_t *a;
		uint64_t o;

		if (len == 0 || len >= sizeof(item))
			return -1;
		memcpy(item, p, len);
		item[len] = '\0';
		if (util_parse_size(item, &o) < 0)
			return -1;
		a = realloc(*arr, (*n + 1) * sizeof(*a));
		if (!a)
			return -2;
		*arr = a;
		a[(*n)++] = o;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static int set_string(char **dst, const char *v)
{
	char *s;

	if (has_ctl(v))
		return -1;
	s = strdup(v);
	if (!s)
		return -2;
	free(*dst);
	*dst = s;
	return 0;
}

/* "Name:Value" -> "Name: Value". */
static int add_header(struct switches *sw, const char *v)
{
	const char *colon = strchr(v, ':');
	const char *val, *p;
	char **h;
	char *line;
	size_t len;

	if (!colon || colon == v || has_ctl(v))
		return -1;
	for (p = v; p < colon; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("()<>@,;\\\"/[]?={}", *p))
			return -1;
	for (val = colon + 1; *val == ' ' || *val == '\t'; val++)
		;
	len = (size_t)(colon - v) + 2 + strlen(val) + 1;
	line = malloc(len);
	if (!line)
		return -2;
	snprintf(line, len, "%.*s: %s", (int)(colon - v), v, val);
	h = realloc(sw->hdrs, (sw->nhdrs + 1) * sizeof(*h));
	if (!h) {
		free(line);
		return -2;
	}
	sw->hdrs = h;
	h[sw->nhdrs++] = line;
	return 0;
}

/* Applies one switch.  0 ok (or unknown name), -1 bad value, -2 OOM. */
static int apply(struct switches *sw, const char *name, const char *v)
{
	uint64_t n;

	if (strcmp(name, "size") == 0) {
		if (strcmp(v, "inf") == 0) {
			sw->size_inf = 1;
			return 0;
		}
		sw->size_inf = 0;
		return util_parse_size(v, &sw->size);
	}
	if (strcmp(name, "seed") == 0)
		return util_parse_u64(v, &sw->seed);
	if (strcmp(name, "v") == 0)
		return util_parse_u64(v, &sw->v) < 0 || sw->v == UINT64_MAX ?
		       -1 : 0;
	if (strcmp(name, "newv_at") == 0)
		return util_parse_u64(v, &sw->newv_at) < 0 || sw->newv_at == 0 ?
		       -1 : 0;
	if (strcmp(name, "etag") == 0) {
		if (strcmp(v, "strong") == 0)
			sw->etag = ETAG_STRONG;
		else if (strcmp(v, "weak") == 0)
			sw->etag = ETAG_WEAK;
		else if (strcmp(v, "none") == 0)
			sw->etag = ETAG_NONE;
		else
			return -1;
		return 0;
	}
	if (strcmp(name, "lm") == 0)
		return parse_bool(v, &sw->lm);
	if (strcmp(name, "norange") == 0)
		return parse_bool(v, &sw->norange);
	if (strcmp(name, "ignore_ifrange") == 0)
		return parse_bool(v, &sw->ignore_ifrange);
	if (strcmp(name, "cond") == 0)
		return parse_bool(v, &sw->cond);
	if (strcmp(name, "ignore_range_at") == 0)
		return util_parse_u64(v, &sw->ignore_range_at) < 0 ||
		       sw->ignore_range_at == 0 ? -1 : 0;
	if (strcmp(name, "chunked") == 0)
		return parse_bool(v, &sw->chunked);
	if (strcmp(name, "nolen") == 0)
		return parse_bool(v, &sw->nolen);
	if (strcmp(name, "lines") == 0)
		return parse_bool(v, &sw->lines);
	if (strcmp(name, "sse") == 0)
		return parse_bool(v, &sw->sse);
	if (strcmp(name, "badrange") == 0) {
		if (strcmp(v, "start") == 0)
			sw->badrange = BADRANGE_START;
		else if (strcmp(v, "total") == 0)
			sw->badrange = BADRANGE_TOTAL;
		else if (strcmp(v, "from0") == 0)
			sw->badrange = BADRANGE_FROM0;
		else
			return -1;
		return 0;
	}
	if (strcmp(name, "fin") == 0)
		return parse_offsets(v, &sw->fin, &sw->nfin);
	if (strcmp(name, "rst") == 0)
		return parse_offsets(v, &sw->rst, &sw->nrst);
	if (strcmp(name, "every") == 0)
		return util_parse_size(v, &sw->every) < 0 || sw->every == 0 ?
		       -1 : 0;
	if (strcmp(name, "kind") == 0) {
		if (strcmp(v, "fin") == 0)
			sw->kind = CUT_FIN;
		else if (strcmp(v, "rst") == 0)
			sw->kind = CUT_RST;
		else if (strcmp(v, "mix") == 0)
			sw->kind = CUT_MIX;
		else
			return -1;
		return 0;
	}
	if (strcmp(name, "cuts") == 0) {
		sw->has_cuts = 1;
		return util_parse_u64(v, &sw->cuts);
	}
	if (strcmp(name, "stall") == 0) {
		sw->has_stall = 1;
		return util_parse_size(v, &sw->stall);
	}
	if (strcmp(name, "stall_ms") == 0)
		return util_parse_u64(v, &sw->stall_ms);
	if (strcmp(name, "hdr_stall_ms") == 0)
		return util_parse_u64(v, &sw->hdr_stall_ms);
	if (strcmp(name, "hold") == 0)
		return parse_offsets(v, &sw->hold, &sw->nhold);
	if (strcmp(name, "hold_name") == 0)
		return *v ? set_string(&sw->hold_name, v) : -1;
	if (strcmp(name, "rate") == 0)
		return util_parse_size(v, &sw->rate) < 0 || sw->rate == 0 ?
		       -1 : 0;
	if (strcmp(name, "status") == 0) {
		if (util_parse_u64(v, &n) < 0 || n < 200 || n > 599)
			return -1;
		sw->status = (int)n;
		return 0;
	}
	if (strcmp(name, "status_n") == 0)
		return util_parse_u64(v, &sw->status_n);
	if (strcmp(name, "retry_after") == 0) {
		if (strncmp(v, "date+", 5) == 0) {
			sw->retry_after = RA_DATE;
			return util_parse_u64(v + 5, &sw->retry_after_s);
		}
		sw->retry_after = RA_SECONDS;
		return util_parse_u64(v, &sw->retry_after_s);
	}
	if (strcmp(name, "redir_code") == 0) {
		if (util_parse_u64(v, &n) < 0 ||
		    (n != 301 && n != 302 && n != 303 && n != 307 && n != 308))
			return -1;
		sw->redir_code = (int)n;
		return 0;
	}
	if (strcmp(name, "loc") == 0)
		return set_string(&sw->loc, v);
	if (strcmp(name, "loc_n") == 0)
		return util_parse_u64(v, &sw->loc_n);
	if (strcmp(name, "auth") == 0)
		return strchr(v, ':') ? set_string(&sw->auth, v) : -1;
	if (strcmp(name, "ctype") == 0)
		return *v ? set_string(&sw->ctype, v) : -1;
	if (strcmp(name, "hdr") == 0)
		return add_header(sw, v);
	if (strcmp(name, "sse_retry") == 0)
		return util_parse_u64(v, &sw->sse_retry);
	if (strcmp(name, "events") == 0) {
		sw->has_events = 1;
		return util_parse_u64(v, &sw->events);
	}
	if (strcmp(name, "hdrline") == 0)
		return util_parse_size(v, &sw->hdrline) < 0 ||
		       sw->hdrline > HOSTILE_HEAD_MAX ? -1 : 0;
	if (strcmp(name, "nhdr") == 0)
		return util_parse_u64(v, &sw->nhdr) < 0 ||
		       sw->nhdr > HOSTILE_HEAD_MAX / 16 ? -1 : 0;
	if (strcmp(name, "cl") == 0)
		return set_string(&sw->cl, v);
	if (strcmp(name, "crange") == 0)
		return set_string(&sw->crange, v);
	if (strcmp(name, "gzip") == 0) {
		sw->has_gzip = 1;
		return util_parse_size(v, &sw->gzip) < 0 || sw->gzip == 0 ||
		       sw->gzip > GZIP_MAX ? -1 : 0;
	}
	if (strcmp(name, "badchunk") == 0)
		return *v ? set_string(&sw->badchunk, v) : -1;
	if (strcmp(name, "hdr_endless") == 0)
		return parse_bool(v, &sw->hdr_endless);
	if (strcmp(name, "loop") == 0)
		return parse_bool(v, &sw->loop);
	if (strcmp(name, "cl_200") == 0)
		return parse_bool(v, &sw->cl_200);
	return 0;   /* unknown switches belong to someone else: ignore */
}

int switches_parse(const char *query, struct switches *sw, char *err,
                   size_t errlen)
{
	const char *p = query ? query : "";

	memset(sw, 0, sizeof(*sw));
	sw->size = 1024;
	sw->seed = 1;
	sw->v = 1;
	sw->etag = ETAG_STRONG;
	sw->lm = 1;
	sw->kind = CUT_FIN;
	sw->redir_code = 302;
	sw->sse_retry = 100;

	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t nlen = eq ? (size_t)(eq - p) : len;
		char *name = util_pct_decode(p, nlen);
		char *value = eq ? util_pct_decode(eq + 1, len - nlen - 1)
		                 : strdup("");
		int rc;

		if (!name || !value) {
			snprintf(err, errlen, "bad escape in query: %.*s",
			         (int)(len > 200 ? 200 : len), p);
			rc = -1;
		} else {
			rc = apply(sw, name, value);
			if (rc == -1)
				snprintf(err, errlen, "bad value for switch %s: %.200s",
				         name, value);
		}
		free(name);
		free(value);
		if (rc < 0)
			return rc;
		p += len;
		if (*p == '&')
			p++;
	}
	return 0;
}

void switches_free(struct switches *sw)
{
	size_t i;

	if (!sw)
		return;
	free(sw->fin);
	free(sw->rst);
	free(sw->hold);
	free(sw->hold_name);
	free(sw->loc);
	free(sw->auth);
	free(sw->ctype);
	free(sw->cl);
	free(sw->crange);
	free(sw->badchunk);
	for (i = 0; i < sw->nhdrs; i++)
		free(sw->hdrs[i]);
	free(sw->hdrs);
	memset(sw, 0, sizeof(*sw));
}

int faults_resource_key(const char *path, char **key, uint64_t *hops)
{
	static const char prefix[] = "/redirect/";
	const char *p = path;

	*hops = 0;
	if (strncmp(p, prefix, sizeof(prefix) - 1) == 0) {
		const char *rest;
		char digits[24];
		size_t nd = 0;

		p += sizeof(prefix) - 1;
		while (p[nd] >= '0' && p[nd] <= '9' && nd < sizeof(digits) - 1) {
			digits[nd] = p[nd];
			nd++;
		}
		digits[nd] = '\0';
		rest = p + nd;
		if (nd > 0 && (*rest == '/' || *rest == '\0') &&
		    util_parse_u64(digits, hops) == 0) {
			*key = strdup(*rest ? rest : "/");
			return *key ? 0 : -1;
		}
		*hops = 0;
	}
	*key = strdup(path);
	return *key ? 0 : -1;
}

/* ---- plans ------------------------------------------------------------- */

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 410: return "Gone";
	case 413: return "Content Too Large";
	case 416: return "Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

/* Status line, Date and Server. */
static void head_start(struct strbuf *sb, int status, time_t now)
{
	char date[30];

	util_http_date(now, date);
	sb_addf(sb, "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: testsrv\r\n",
	        status, reason(status), date);
}

/* hdr= extras, Connection and the empty line; moves the head into p. */
static int head_finish(struct strbuf *sb, struct plan *p,
                       const struct switches *sw)
{
	size_t i;

	if (sw && sw->hdrline) {
		char *v = malloc(sw->hdrline + 1);

		if (!v)
			return -1;
		memset(v, 'a', sw->hdrline);
		v[sw->hdrline] = '\0';
		sb_addf(sb, "X-Long: %s\r\n", v);
		free(v);
	}
	for (i = 0; sw && i < sw->nhdr; i++)
		sb_addf(sb, "X-Many: %zu\r\n", i);
	for (i = 0; sw && i < sw->nhdrs; i++)
		sb_addf(sb, "%s\r\n", sw->hdrs[i]);
	if (p->close_after)
		sb_addf(sb, "Connection: close\r\n");
	if (p->body != PLAN_HDRS)   /* endless heads never end */
		sb_addf(sb, "\r\n");
	if (sb->oom)
		return -1;
	p->head = sb->s;
	p->head_len = sb->len;
	sb->s = NULL;
	return 0;
}

/* A short text/plain body "<a><b>\n" with Content-Length. */
static int set_text(struct plan *p, struct strbuf *sb, const char *a,
                    const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;

	p->text = malloc(n + 1);
	if (!p->text)
		return -1;
	snprintf(p->text, n + 1, "%s%s\n", a, b);
	p->text_len = n;
	p->body = PLAN_TEXT;
	p->first = 0;
	p->end = n;
	sb_addf(sb, "Content-Type: text/plain\r\nContent-Length: %zu\r\n", n);
	return 0;
}

int plan_error(struct plan *p, int status, const char *text, time_t now)
{
	struct strbuf sb = { 0 };

	memset(p, 0, sizeof(*p));
	p->status = status;
	p->close_after = 1;
	head_start(&sb, status, now);
	if (set_text(p, &sb, text, "") < 0 ||
	    head_finish(&sb, p, NULL) < 0) {
		free(sb.s);
		return -1;
	}
	return 0;
}

static int wants_close(const struct request *req)
{
	const char *c = request_header(req, "connection");
	const char *cl = request_header(req, "content-length");

	if (req->http_minor == 0)
		return 1;
	/* A chunked request body is not read: close rather than parse it as
	 * a head.  (One with a Content-Length is read: http.c.) */
	(void)cl;
	if (request_header(req, "transfer-encoding"))
		return 1;
	if (c) {
		const char *t = c;

		while (*t) {
			size_t len;

			while (*t == ' ' || *t == '\t' || *t == ',')
				t++;
			len = strcspn(t, " \t,");
			if (len == 5 && util_strncaseeq(t, "close", 5))
				return 1;
			t += len;
		}
	}
	return 0;
}

static int auth_ok(const struct request *req, const char *userpass)
{
	const char *h = request_header(req, "authorization");
	char *want;
	int ok;

	if (!h || !util_strncaseeq(h, "basic ", 6))
		return 0;
	h += 6;
	while (*h == ' ')
		h++;
	want = util_base64(userpass, strlen(userpass));
	if (!want)
		return -1;
	ok = strcmp(h, want) == 0;
	free(want);
	return ok;
}

static void add_retry_after(struct strbuf *sb, const struct switches *sw,
                            time_t now)
{
	char date[30];

	if (sw->retry_after == RA_SECONDS) {
		sb_addf(sb, "Retry-After: %" PRIu64 "\r\n", sw->retry_after_s);
	} else if (sw->retry_after == RA_DATE) {
		util_http_date(now + (time_t)sw->retry_after_s, date);
		sb_addf(sb, "Retry-After: %s\r\n", date);
	}
}

/* Does If-Range let the Range apply?  RFC 9110 13.1.5. */
static int if_range_matches(const char *ir, const char *etag,
                            const char *lm)
{
	if (ir[0] == '"' || strncmp(ir, "W/", 2) == 0)
		return etag && etag[0] == '"' && strcmp(ir, etag) == 0;
	return lm && strcmp(ir, lm) == 0;
}

/* An HTTP-date as seconds since the epoch, -1 if it is not one. */
static time_t parse_http_date(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return -1;
	return timegm(&tm);
}

/* Does If-None-Match name this ETag?  Weak comparison, RFC 9110 13.1.2. */
static int inm_matches(const char *inm, const char *etag)
{
	const char *e = etag, *p = inm;
	size_t elen;

	if (strcmp(inm, "*") == 0)
		return etag != NULL;
	if (!etag)
		return 0;
	if (strncmp(e, "W/", 2) == 0)
		e += 2;
	elen = strlen(e);
	while (*p) {
		const char *q;

		while (*p == ' ' || *p == ',')
			p++;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		q = p;
		while (*q && *q != ',')
			q++;
		while (q > p && q[-1] == ' ')
			q--;
		if ((size_t)(q - p) == elen && strncmp(p, e, elen) == 0)
			return 1;
		p = q;
		while (*p && *p != ',')
			p++;
	}
	return 0;
}

/* cond=1: is this GET answered 304?  If-None-Match wins over
 * If-Modified-Since (RFC 9110 13.2.2). */
static int not_modified(const struct request *req, const char *etag,
                        const char *lm)
{
	const char *inm = request_header(req, "if-none-match");
	const char *ims = request_header(req, "if-modified-since");
	time_t since, last;

	if (inm)
		return inm_matches(inm, etag);
	if (!ims || !lm)
		return 0;
	since = parse_http_date(ims);
	last = parse_http_date(lm);
	return since >= 0 && last >= 0 && last <= since;
}

/* Text body with the resource headers, for redirects and 416. */
static int plan_redirect(struct plan *p, struct strbuf *sb, int code,
                         const char *location)
{
	p->status = code;
	sb_addf(sb, "Location: %s\r\n", location);
	return set_text(p, sb, "redirect to ", location);
}

static int plan_sse(struct plan *p, struct strbuf *sb,
                    const struct request *req, const struct switches *sw)
{
	const char *leid = request_header(req, "last-event-id");
	uint64_t last = 0;

	p->status = 200;
	p->body = PLAN_SSE;
	p->id.style = BODY_STYLE_BINARY;
	p->id.seed = sw->seed;
	p->id.version = p->version;
	if (leid && util_parse_u64(leid, &last) == 0 && last < UINT64_MAX)
		p->sse_next = last + 1;
	else
		p->sse_next = 1;
	p->sse_has_last = sw->has_events;
	p->sse_last = sw->events;
	p->first = 0;
	p->end = PLAN_ENDLESS;
	sb_addf(sb, "Content-Type: %s\r\nCache-Control: no-cache\r\n",
	        sw->ctype ? sw->ctype : "text/event-stream");
	if (sw->nolen)
		p->close_after = 1;
	else
		p->chunked = 1;
	if (p->chunked)
		sb_addf(sb, "Transfer-Encoding: chunked\r\n");
	return 0;
}

/* ---- hostile bodies ---------------------------------------------------- */

/* GF(2) helpers of zlib's crc32_combine: the CRC register is linear, so
 * running it over n zero bytes is a 32x32 matrix power. */
static uint32_t gf2_times(const uint32_t *mat, uint32_t vec)
{
	uint32_t sum = 0;

	for (; vec; vec >>= 1, mat++)
		if (vec & 1)
			sum ^= *mat;
	return sum;
}

static void gf2_square(uint32_t *sq, const uint32_t *mat)
{
	int n;

	for (n = 0; n < 32; n++)
		sq[n] = gf2_times(mat, mat[n]);
}

/* CRC-32 (gzip's) of n zero bytes, in O(log n). */
static uint32_t crc32_zeros(uint64_t n)
{
	uint32_t odd[32], even[32], row = 1, crc = 0xffffffffu;
	int i;

	odd[0] = 0xedb88320u;   /* one zero bit */
	for (i = 1; i < 32; i++, row <<= 1)
		odd[i] = row;
	gf2_square(even, odd);  /* two bits */
	gf2_square(odd, even);  /* four bits */
	while (n) {
		gf2_square(even, odd);
		if (n & 1)
			crc = gf2_times(even, crc);
		n >>= 1;
		if (!n)
			break;
		gf2_square(odd, even);
		if (n & 1)
			crc = gf2_times(odd, crc);
		n >>= 1;
	}
	return ~crc;
}

struct bitw {
	uint8_t *buf;
	size_t len;
	uint32_t acc;
	int nacc;
};

/* Appends the low n bits of v, least significant first (deflate order
 * for header fields; Huffman codes are passed bit-reversed). */
static void bits_put(struct bitw *w, uint32_t v, int n)
{
	w->acc |= v << w->nacc;
	w->nacc += n;
	while (w->nacc >= 8) {
		w->buf[w->len++] = (uint8_t)w->acc;
		w->acc >>= 8;
		w->nacc -= 8;
	}
}

static uint32_t bit_reverse(uint32_t code, int n)
{
	uint32_t r = 0;

	while (n--) {
		r = r << 1 | (code & 1);
		code >>= 1;
	}
	return r;
}

/*
 * gzip=N: a gzip member whose one fixed-Huffman deflate block inflates to
 * N zero bytes: a literal 0, then matches of length 258 at distance 1 (13
 * bits each, so about 159 times smaller than what it inflates to), the
 * rest as literals.  Built by hand, so testsrv needs no zlib.
 */
static int plan_gzip(struct plan *p, struct strbuf *sb, uint64_t n)
{
	uint64_t matches = (n - 1) / 258, lits = 1 + (n - 1) % 258, i;
	size_t cap = 10 + (size_t)((matches * 13 + lits * 8 + 7 + 3 + 7) / 8) + 8;
	uint32_t crc = crc32_zeros(n);
	struct bitw w = { 0 };
	static const uint8_t hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };

	w.buf = malloc(cap);
	if (!w.buf)
		return -1;
	memcpy(w.buf, hdr, sizeof(hdr));
	w.len = sizeof(hdr);
	bits_put(&w, 1, 1);   /* BFINAL */
	bits_put(&w, 1, 2);   /* BTYPE 01: fixed Huffman */
	for (i = 0; i < lits; i++)   /* literal 0: 8-bit code 0x30 */
		bits_put(&w, bit_reverse(0x30, 8), 8);
	for (i = 0; i < matches; i++) {
		bits_put(&w, bit_reverse(0xc5, 8), 8);   /* length 258: code 285 */
		bits_put(&w, 0, 5);                      /* distance 1: code 0 */
	}
	bits_put(&w, 0, 7);   /* end of block: code 256 */
	if (w.nacc)
		bits_put(&w, 0, 8 - w.nacc);
	for (i = 0; i < 4; i++)
		w.buf[w.len++] = (uint8_t)(crc >> (8 * i));
	for (i = 0; i < 4; i++)
		w.buf[w.len++] = (uint8_t)(n >> (8 * i));   /* ISIZE: n mod 2^32 */
	p->text = (char *)w.buf;
	p->text_len = w.len;
	p->body = PLAN_TEXT;
	p->first = 0;
	p->end = w.len;
	sb_addf(sb, "Content-Type: application/octet-stream\r\n"
	        "Content-Encoding: gzip\r\nContent-Length: %zu\r\n", w.len);
	return 0;
}

/* badchunk=S: chunked, and the first chunk-size line is S, followed by 64
 * bytes and the end of the connection. */
static int plan_badchunk(struct plan *p, struct strbuf *sb, const char *size)
{
	size_t n = strlen(size) + 2 + 64 + 2;

	p->text = malloc(n + 1);
	if (!p->text)
		return -1;
	snprintf(p->text, n + 1, "%s\r\n%064d\r\n", size, 0);
	p->text_len = n;
	p->body = PLAN_TEXT;
	p->first = 0;
	p->end = n;
	sb_addf(sb, "Content-Type: application/octet-stream\r\n"
	        "Transfer-Encoding: chunked\r\n");
	return 0;
}

static int plan_body(struct plan *p, struct strbuf *sb,
                     const struct request *req, const struct switches *sw,
                     int ignore_range)
{
	char size_str[24], etag[64] = "", lm[30] = "";
	const char *etag_h = NULL, *lm_h = NULL;
	uint64_t total = sw->size_inf ? RANGE_OPEN : sw->size;
	uint64_t a = 0, b = 0;
	enum range_result rr = RANGE_NONE;
	const char *range = request_header(req, "range");
	const char *ir = request_header(req, "if-range");

	p->id.style = sw->lines ? BODY_STYLE_LINES : BODY_STYLE_BINARY;
	p->id.seed = sw->seed;
	p->id.version = p->version;

	if (sw->size_inf)
		snprintf(size_str, sizeof(size_str), "inf");
	else
		snprintf(size_str, sizeof(size_str), "%" PRIu64, sw->size);
	if (sw->etag != ETAG_NONE) {
		snprintf(etag, sizeof(etag), "%s\"s%" PRIu64 "-v%" PRIu64 "-%s\"",
		         sw->etag == ETAG_WEAK ? "W/" : "", sw->seed, p->version,
		         size_str);
		etag_h = etag;
	}
	if (sw->lm) {
		util_http_date((time_t)(LM_BASE + p->version * 3600u), lm);
		lm_h = lm;
	}

	if (!sw->norange && !ignore_range && range &&
	    (!ir || sw->ignore_ifrange || if_range_matches(ir, etag_h, lm_h)))
		rr = range_parse(range, total, &a, &b);

	if (!sw->norange)
		sb_addf(sb, "Accept-Ranges: bytes\r\n");
	if (etag_h)
		sb_addf(sb, "ETag: %s\r\n", etag_h);
	if (lm_h)
		sb_addf(sb, "Last-Modified: %s\r\n", lm_h);
	if (sw->cond && not_modified(req, etag_h, lm_h)) {
		p->status = 304;
		p->body = PLAN_NONE;
		return 0;
	}

	if (rr == RANGE_UNSATISFIABLE) {
		p->status = 416;
		sb_addf(sb, "Content-Range: bytes */%s\r\n", size_str);
		return set_text(p, sb, "range not satisfiable", "");
	}

	p->body = PLAN_GEN;
	if (sw->crange && rr == RANGE_OK)   /* raw claim, the bytes asked for */
		sb_addf(sb, "Content-Range: %s\r\n", sw->crange);
	sb_addf(sb, "Content-Type: %s\r\n", sw->ctype ? sw->ctype :
	        sw->lines ? "text/plain" : "application/octet-stream");
	if (rr == RANGE_OK) {
		int open = b == RANGE_OPEN;
		char last_str[24];
		char total_str[24];

		p->status = 206;
		p->first = a;
		p->end = open ? PLAN_ENDLESS : b + 1;    /* b < RANGE_OPEN */
		if (open)
			snprintf(last_str, sizeof(last_str), INF_LAST);
		else
			snprintf(last_str, sizeof(last_str), "%" PRIu64, b);
		if (sw->size_inf)
			snprintf(total_str, sizeof(total_str), "*");
		else
			snprintf(total_str, sizeof(total_str), "%" PRIu64, total);

		switch (sw->crange ? BADRANGE_NONE : sw->badrange) {
		case BADRANGE_NONE:
			if (sw->crange)
				break;
			sb_addf(sb, "Content-Range: bytes %" PRIu64 "-%s/%s\r\n",
			        a, last_str, total_str);
			break;
		case BADRANGE_START:
			/* Claims a+1.. but sends from a, as many bytes as claimed. */
			if (!open && b == a)
				snprintf(last_str, sizeof(last_str), "%" PRIu64, a + 1);
			if (!open && p->end != PLAN_ENDLESS && b > a)
				p->end = b;   /* b - a bytes: (a+1)..b */
			else if (!open)
				p->end = a + 1;
			sb_addf(sb, "Content-Range: bytes %" PRIu64 "-%s/%s\r\n",
			        a + 1, last_str, total_str);
			break;
		case BADRANGE_TOTAL:
			if (!sw->size_inf)
				snprintf(total_str, sizeof(total_str), "%" PRIu64,
				         total + 1);
			sb_addf(sb, "Content-Range: bytes %" PRIu64 "-%s/%s\r\n",
			        a, last_str, total_str);
			break;
		case BADRANGE_FROM0:
			p->first = 0;
			if (sw->size_inf) {
				p->end = PLAN_ENDLESS;
				sb_addf(sb, "Content-Range: bytes 0-" INF_LAST "/*\r\n");
			} else {
				p->end = total;
				sb_addf(sb, "Content-Range: bytes 0-%" PRIu64 "/%s\r\n",
				        total - 1, total_str);
			}
			break;
		}
	} else {
		p->status = 200;
		p->first = 0;
		p->end = sw->size_inf ? PLAN_ENDLESS : total;
	}

	if (sw->cl && (!sw->cl_200 || p->status == 200)) {
		/* A raw claim: send the real bytes, then close, so that a client
		 * that believed a larger length sees the end. */
		sb_addf(sb, "Content-Length: %s\r\n", sw->cl);
		p->close_after = 1;
	} else if (sw->nolen) {
		p->close_after = 1;
	} else if (sw->chunked || p->end == PLAN_ENDLESS) {
		p->chunked = 1;
		sb_addf(sb, "Transfer-Encoding: chunked\r\n");
	} else {
		sb_addf(sb, "Content-Length: %" PRIu64 "\r\n", p->end - p->first);
	}
	if (!p->head_only) {
		p->has_first = 1;
		p->log_first = p->first;
		p->has_last = p->end != PLAN_ENDLESS;
		p->log_last = p->end - 1;
	}
	return 0;
}

/* Methods answered like GET (the request body is read and logged, and
 * plays no part in the answer): a client's POST event stream or upload is
 * tested with the same switches. */
static int method_served(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0 ||
	       strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0 ||
	       strcmp(m, "DELETE") == 0;
}

int plan_build(struct plan *p, const struct request *req,
               struct switches *swin, const struct plan_ctx *ctx)
{
	struct strbuf sb = { 0 };
	struct switches *sw;
	int ok, rc = -1;

	memset(p, 0, sizeof(*p));
	p->sw = *swin;
	memset(swin, 0, sizeof(*swin));
	sw = &p->sw;
	p->head_only = strcmp(req->method, "HEAD") == 0;
	p->close_after = wants_close(req);

	if (!p->head_only && !method_served(req->method)) {
		p->status = 405;
		head_start(&sb, 405, ctx->now);
		sb_addf(&sb, "Allow: GET, HEAD, POST, PUT, PATCH, DELETE\r\n");
		rc = set_text(p, &sb, "method not allowed", "");
		goto finish;
	}
	if (sw->auth) {
		ok = auth_ok(req, sw->auth);
		if (ok < 0)
			goto out;
		if (!ok) {
			p->status = 401;
			head_start(&sb, 401, ctx->now);
			sb_addf(&sb, "WWW-Authenticate: Basic realm=\"testsrv\"\r\n");
			rc = set_text(p, &sb, "authentication required", "");
			goto finish;
		}
	}
	if (ctx->hops > 0) {
		const char *rest = strchr(req->path + strlen("/redirect/"), '/');
		struct strbuf loc = { 0 };

		sb_addf(&loc, "/redirect/%" PRIu64 "%s%s%s", ctx->hops - 1,
		        rest ? rest : "", *req->query ? "?" : "", req->query);
		if (loc.oom)
			goto out;
		head_start(&sb, sw->redir_code, ctx->now);
		rc = plan_redirect(p, &sb, sw->redir_code, loc.s);
		free(loc.s);
		goto finish;
	}

	p->has_version = 1;
	p->version = sw->v + (sw->newv_at && ctx->reqno >= sw->newv_at);
	if (sw->status && (sw->status_n == 0 || ctx->reqno <= sw->status_n)) {
		char code[8];

		p->status = sw->status;
		head_start(&sb, sw->status, ctx->now);
		add_retry_after(&sb, sw, ctx->now);
		if (sw->status == 204 || sw->status == 304) {
			p->body = PLAN_NONE;
			rc = 0;
		} else {
			snprintf(code, sizeof(code), "%d", sw->status);
			rc = set_text(p, &sb, "error ", code);
		}
		goto finish;
	}
	if (sw->loc && (sw->loc_n == 0 || ctx->reqno <= sw->loc_n)) {
		head_start(&sb, sw->redir_code, ctx->now);
		rc = plan_redirect(p, &sb, sw->redir_code, sw->loc);
		goto finish;
	}

	if (sw->loop) {
		struct strbuf loc = { 0 };

		sb_addf(&loc, "%s%s%s", req->path, *req->query ? "?" : "",
		        req->query);
		if (loc.oom)
			goto out;
		head_start(&sb, sw->redir_code, ctx->now);
		rc = plan_redirect(p, &sb, sw->redir_code, loc.s);
		free(loc.s);
		goto finish;
	}
	if (sw->has_gzip || sw->badchunk || sw->hdr_endless) {
		p->status = 200;
		p->close_after = 1;
		head_start(&sb, 200, ctx->now);
		if (sw->hdr_endless) {
			p->body = PLAN_HDRS;
			p->first = 0;
			p->end = PLAN_ENDLESS;
			rc = 0;
		} else if (sw->badchunk) {
			rc = plan_badchunk(p, &sb, sw->badchunk);
		} else {
			rc = plan_gzip(p, &sb, sw->gzip);
		}
		goto finish;
	}

	/* The status line depends on Range, so build the rest first. */
	{
		struct strbuf rest = { 0 };

		if (sw->sse)
			rc = plan_sse(p, &rest, req, sw);
		else
			rc = plan_body(p, &rest, req, sw,
			               sw->ignore_range_at && ctx->reqno >= sw->ignore_range_at);
		if (rc < 0 || rest.oom) {
			free(rest.s);
			rc = -1;
			goto out;
		}
		head_start(&sb, p->status, ctx->now);
		sb_addf(&sb, "%s", rest.s ? rest.s : "");
		free(rest.s);
	}
	if ((p->body == PLAN_GEN || p->body == PLAN_SSE) && sw->every &&
	    (!sw->has_cuts || ctx->cuts_done < sw->cuts)) {
		p->every_active = 1;
		p->every_kind = sw->kind == CUT_MIX ?
		                (ctx->reqno % 2 ? CUT_FIN : CUT_RST) : sw->kind;
	}

finish:
	if (rc < 0)
		goto out;
	if (p->head_only && p->body != PLAN_NONE) {
		p->body = PLAN_NONE;
		p->has_first = p->has_last = 0;
	}
	if (p->body == PLAN_NONE)
		p->chunked = 0;
	rc = head_finish(&sb, p, sw);
out:
	free(sb.s);
	return rc;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	free(p->head);
	free(p->text);
	switches_free(&p->sw);
	memset(p, 0, sizeof(*p));
}
