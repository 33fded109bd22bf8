/*
 * range.c - single byte-range parsing and clamping (see range.h).  Kept
 * apart from the response logic so its corner cases (suffix ranges,
 * clamping past the end, zero-length bodies) are easy to read and test.
 */
#include "range.h"

#include <string.h>

#include "util.h"

/* Parses digits at *p (at least one), advancing *p.  -1 on none/overflow. */
static int digits(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return 0;
}

static void skip_ows(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

enum range_result range_parse(const char *value, uint64_t total,
                              uint64_t *first, uint64_t *last)
{
	const char *p = value;
	uint64_t a, b;
	int endless = total == RANGE_OPEN;

	if (!p)
		return RANGE_NONE;
	skip_ows(&p);
	if (!util_strncaseeq(p, "bytes", 5))
		return RANGE_NONE;
	p += 5;
	skip_ows(&p);
	if (*p++ != '=')
		return RANGE_NONE;
	skip_ows(&p);
	if (strchr(p, ','))
		return RANGE_NONE;

	if (*p == '-') {   /* suffix range: the last N bytes */
		p++;
		if (digits(&p, &b) < 0)
			return RANGE_NONE;
		skip_ows(&p);
		if (*p || endless)
			return RANGE_NONE;
		if (b == 0 || total == 0)
			return RANGE_UNSATISFIABLE;
		*first = b >= total ? 0 : total - b;
		*last = total - 1;
		return RANGE_OK;
	}

	if (digits(&p, &a) < 0 || *p++ != '-')
		return RANGE_NONE;
	if (*p >= '0' && *p <= '9') {
		if (digits(&p, &b) < 0 || b < a)
			return RANGE_NONE;
	} else {
		b = RANGE_OPEN;
	}
	skip_ows(&p);
	if (*p)
		return RANGE_NONE;
	if (endless) {
		*first = a;
		*last = b;
		return RANGE_OK;
	}
	if (a >= total)
		return RANGE_UNSATISFIABLE;
	*first = a;
	*last = b >= total ? total - 1 : b;
	return RANGE_OK;
}
