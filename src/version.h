/*
 * version.h - which version of a resource the bytes held belong to: its
 * validators and its total length, as the responses so far gave them.
 *
 * A resume sends the validator in If-Range, and response_decide() compares
 * what comes back with all of it; -x parts ask with the same.  Pure;
 * unit-tested in tests/unit/test_version.c.
 */
#ifndef HAUL_VERSION_H
#define HAUL_VERSION_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "head.h"
#include "journal.h"
#include "response.h"

struct resource_version {
    char etag[VALIDATOR_MAX];            /* strong or weak, "" if none */
    char last_modified[VALIDATOR_MAX];   /* "" if none */
    bool lm_safe;                        /* Last-Modified is old enough for If-Range */
    bool total_known;
    uint64_t total;
};

/* Nothing is known: no validator, no total. */
void version_forget(struct resource_version *v);
/*
 * The version a final response announces.  Last-Modified is a usable
 * validator only if it is at least a second older than the response's
 * Date (`now` without one): RFC 9110 13.1.5 and 8.8.2.2.
 */
void version_adopt(struct resource_version *v, const struct head *h, time_t now);
/* The version a journal names (it only keeps validators that were safe). */
void version_restore(struct resource_version *v, const struct journal *j);
/* The validator for If-Range: a strong ETag, else a safe Last-Modified,
 * else NULL (nothing protects a range). */
const char *version_if_range(const struct resource_version *v);
/* Whether an ETag is held that can be compared byte for byte. */
bool version_strong(const struct resource_version *v);

#endif
