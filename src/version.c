/*
 * version.c - validators and total of the bytes held; see version.h.
 */
#include "config.h"

#include <string.h>

#include "http.h"
#include "version.h"

void
version_forget(struct resource_version *v)
{
    memset(v, 0, sizeof *v);
}

void
version_adopt(struct resource_version *v, const struct head *h, time_t now)
{
    const struct response_got *g = &h->got;

    memcpy(v->etag, g->etag, sizeof v->etag);
    memcpy(v->last_modified, g->last_modified, sizeof v->last_modified);
    v->lm_safe = false;
    if (g->last_modified[0] != '\0') {
        time_t lm = http_date(g->last_modified);
        time_t date = h->date != -1 ? h->date : now;
        v->lm_safe = lm != -1 && lm + 1 <= date;
    }
    v->total_known = false;
    v->total = 0;
    if (g->has_range && g->range.total_known) {
        v->total_known = true;
        v->total = g->range.total;
    } else if (g->status == 200 && g->has_length) {
        v->total_known = true;
        v->total = g->length;
    }
}

void
version_restore(struct resource_version *v, const struct journal *j)
{
    version_forget(v);
    memcpy(v->etag, j->etag, sizeof v->etag);
    memcpy(v->last_modified, j->last_modified, sizeof v->last_modified);
    v->lm_safe = v->last_modified[0] != '\0';
    v->total_known = j->total_known;
    v->total = j->total;
}

bool
version_strong(const struct resource_version *v)
{
    return v->etag[0] != '\0' && http_etag_is_strong(v->etag);
}

const char *
version_if_range(const struct resource_version *v)
{
    if (version_strong(v))
        return v->etag;
    if (v->last_modified[0] != '\0' && v->lm_safe)
        return v->last_modified;
    return NULL;
}
