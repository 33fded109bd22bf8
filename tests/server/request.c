/*
 * request.c - the HTTP/1.x request-head parser (see request.h).  It is
 * strict where a lenient server would hide client bugs (no whitespace
 * before the colon, no obsolete line folding, only HTTP/1.0 and 1.1) and
 * lenient where clients differ harmlessly (bare LF line ends, leading
 * empty lines).
 */
#include "request.h"

#include <stdlib.h>
#include <string.h>

static int is_tchar(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Length of the head at buf (through the empty line), 0 if incomplete. */
static size_t head_length(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Cuts the line at *p (ending in LF or CRLF), advances *p past it. */
static char *next_line(char **p)
{
	char *line = *p;
	char *nl = strchr(line, '\n');

	if (!nl) {
		*p = line + strlen(line);
		return line;
	}
	*nl = '\0';
	if (nl > line && nl[-1] == '\r')
		nl[-1] = '\0';
	*p = nl + 1;
	return line;
}

static enum req_result parse_request_line(char *line, struct request *req)
{
	char *sp1, *sp2;
	const char *q, *t;

	for (sp1 = line; is_tchar(*sp1); sp1++)
		;
	if (sp1 == line || *sp1 != ' ')
		return REQ_BAD;
	*sp1 = '\0';
	req->method = line;
	t = sp1 + 1;
	sp2 = strchr(t, ' ');
	if (!sp2 || sp2 == t)
		return REQ_BAD;
	*sp2 = '\0';
	for (q = t; *q; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f)
			return REQ_BAD;
	req->target = strdup(t);
	if (!req->target)
		return REQ_NOMEM;
	if (strcmp(sp2 + 1, "HTTP/1.1") == 0)
		req->http_minor = 1;
	else if (strcmp(sp2 + 1, "HTTP/1.0") == 0)
		req->http_minor = 0;
	else
		return REQ_BAD;

	/* Absolute form (a proxy request): drop scheme and authority. */
	if (strncmp(t, "http://", 7) == 0 || strncmp(t, "https://", 8) == 0) {
		t = strchr(strstr(t, "//") + 2, '/');
		if (!t)
			t = "/";
	}
	if (t[0] != '/' && strcmp(req->method, "OPTIONS") != 0)
		return REQ_BAD;
	q = strchr(t, '?');
	req->path = q ? strndup(t, (size_t)(q - t)) : strdup(t);
	req->query = strdup(q ? q + 1 : "");
	if (!req->path || !req->query)
		return REQ_NOMEM;
	return REQ_OK;
}

static enum req_result parse_header_line(char *line, struct request *req)
{
	char *colon, *v, *end, *q;
	struct req_header *h;

	for (colon = line; is_tchar(*colon); colon++)
		*colon = (char)(*colon >= 'A' && *colon <= 'Z' ?
		                *colon + 32 : *colon);
	if (colon == line || *colon != ':')
		return REQ_BAD;
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	for (q = v; *q; q++)
		if (((unsigned char)*q < ' ' && *q != '\t') || *q == 0x7f)
			return REQ_BAD;
	h = realloc(req->hdrs, (req->nhdrs + 1) * sizeof(*h));
	if (!h)
		return REQ_NOMEM;
	req->hdrs = h;
	h[req->nhdrs].name = line;
	h[req->nhdrs].value = v;
	req->nhdrs++;
	return REQ_OK;
}

enum req_result request_parse(const char *buf, size_t len,
                              struct request *req)
{
	enum req_result rc = REQ_BAD;
	size_t skip = 0, hlen;
	char *p, *line;

	memset(req, 0, sizeof(*req));
	/* RFC 9112 2.2: ignore empty lines before the request line. */
	while (skip < len && (buf[skip] == '\r' || buf[skip] == '\n'))
		skip++;
	hlen = head_length(buf + skip, len - skip);
	if (hlen == 0)
		return len - skip > REQ_HEAD_MAX ? REQ_TOO_LARGE : REQ_INCOMPLETE;
	if (hlen > REQ_HEAD_MAX)
		return REQ_TOO_LARGE;
	if (memchr(buf + skip, '\0', hlen))
		return REQ_BAD;
	req->head = strndup(buf + skip, hlen);
	if (!req->head)
		return REQ_NOMEM;

	p = req->head;
	line = next_line(&p);
	rc = parse_request_line(line, req);
	if (rc != REQ_OK)
		return rc;
	for (;;) {
		line = next_line(&p);
		if (*line == '\0')
			break;
		if (*line == ' ' || *line == '\t')
			return REQ_BAD;   /* obsolete line folding */
		rc = parse_header_line(line, req);
		if (rc != REQ_OK)
			return rc;
	}
	req->consumed = skip + hlen;
	return REQ_OK;
}

const char *request_header(const struct request *req, const char *lname)
{
	size_t i;

	for (i = 0; i < req->nhdrs; i++)
		if (strcmp(req->hdrs[i].name, lname) == 0)
			return req->hdrs[i].value;
	return NULL;
}

void request_free(struct request *req)
{
	if (!req)
		return;
	free(req->head);
	free(req->target);
	free(req->path);
	free(req->query);
	free(req->hdrs);
	memset(req, 0, sizeof(*req));
}

