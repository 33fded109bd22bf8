/*
 * options_request.h - the options that give a request its body and method
 * (-d, --data-binary, --json, -X, -I) and the -w format: their values are
 * read once, when the command line is, and kept in the config, so that a
 * request can be sent again with the same bytes (a body read from a pipe
 * could not be read twice).
 */
#ifndef HAUL_OPTIONS_REQUEST_H
#define HAUL_OPTIONS_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"

/*
 * Appends one -d/--data-binary/--json value to cfg->body (DATA, or the
 * contents of FILE for @FILE, of stdin for @-; -d drops CR and LF from a
 * file, as curl does; pieces are joined with '&', two --json pieces with
 * nothing), or reads -w's FORMAT (@FILE, @-).  Returns NULL, or why the
 * value is refused (a static text or strerror's).
 */
const char *options_request_apply(struct config *cfg, enum opt_id id, const char *value);

/*
 * Once argv is read: the method the request line says (-X; else HEAD for
 * -I, POST with a body, GET), whether it may be sent again after it went
 * out (idempotent methods only: RFC 9110 9.2.2), and whether a drop may be
 * resumed with Range (GET without a body only).  Returns NULL, or the
 * usage error of a combination that makes no sense.
 */
const char *options_request_finish(struct config *cfg);

#endif
