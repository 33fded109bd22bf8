/*
 * range.h - the Range header arithmetic of RFC 9110 section 14, for one
 * byte range.  Pure.  Multiple ranges and anything malformed count as "no
 * range" (the server then answers 200 with the full body, which RFC 9110
 * allows).
 */
#ifndef TESTSRV_RANGE_H
#define TESTSRV_RANGE_H

#include <stdint.h>

#define RANGE_OPEN UINT64_MAX   /* last offset of "A-" on an endless body */

enum range_result {
	RANGE_NONE,            /* absent, malformed or multiple: send 200 */
	RANGE_OK,              /* *first..*last (inclusive) */
	RANGE_UNSATISFIABLE    /* send 416 */
};

/*
 * value: the Range header or NULL.  total: the representation length, or
 * RANGE_OPEN for an endless body (then "A-" yields last = RANGE_OPEN,
 * "A-B" yields A..B and "-N" is ignored).
 */
enum range_result range_parse(const char *value, uint64_t total,
                              uint64_t *first, uint64_t *last);

#endif
