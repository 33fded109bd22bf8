/*
 * exitcodes.c - lookups in the exit status table of exitcodes.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "exitcodes.h"

const char *
haul_exit_text(int code)
{
    switch (code) {
#define X(name, num, text) case num: return text;
    HAUL_EXIT_CODES(X)
#undef X
    }
    return "unknown exit code";
}

const char *
haul_exit_name(int code)
{
    switch (code) {
#define X(name, num, text) case num: return #name;
    HAUL_EXIT_CODES(X)
#undef X
    }
    return "UNKNOWN";
}

int
haul_exit_for_errno(int err)
{
    switch (err) {
    case EPIPE:
        return HAUL_EXIT_PIPE;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return HAUL_EXIT_DISKFULL;
    default:
        return HAUL_EXIT_WRITE;
    }
}

void
haul_exit_print_table(FILE *out)
{
    fputs("haul exit status (with several URLs: the code of the first one that failed)\n", out);
#define X(name, num, text) fprintf(out, "  %3d  %s\n", num, text);
    HAUL_EXIT_CODES(X)
#undef X
}

bool
haul_exit_transient(int code, int http_status)
{
    switch (code) {
    case HAUL_EXIT_RESOLVE:
    case HAUL_EXIT_CONNECT:
    case HAUL_EXIT_TIMEOUT:
    case HAUL_EXIT_PARTIAL:
    case HAUL_EXIT_CHANGED:
        return true;
    case HAUL_EXIT_HTTP:
        return http_status == 408 || http_status == 429 || http_status >= 500;
    default:
        return false;
    }
}
