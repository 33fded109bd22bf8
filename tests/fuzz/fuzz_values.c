/*
 * fuzz_values.c - option values and the command line: parse_size,
 * parse_duration_ms, parse_uint, parse_checksum on each NUL-separated piece
 * of the input, then options_parse() on all the pieces as argv.
 *
 * --input-file (-i) is left out of the argv part: it would read whatever
 * path the fuzzer names (fuzz_input.c covers the reader).  options_parse()
 * prints usage errors on stderr; they are sent to /dev/null meanwhile (a
 * sanitizer report is written to fd 2 directly, so nothing is hidden).
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "mem.h"
#include "options.h"
#include "parse.h"

#define MAX_ARGS 64

static FILE *devnull;

static void
check_value(const char *s)
{
    uint64_t v, w;
    const char *why = NULL;

    if (parse_size(s, &v, &why)) {
        /* A plain number of bytes is that number. */
        if (parse_uint(s, 0, UINT64_MAX, &w, &why))
            FUZZ_ASSERT(v == w);
    } else {
        FUZZ_ASSERT(why != NULL);
    }
    why = NULL;
    if (parse_duration_ms(s, &v, &why))
        FUZZ_ASSERT(v <= (uint64_t)DURATION_MAX_S * 1000);
    else
        FUZZ_ASSERT(why != NULL);
    why = NULL;
    if (parse_uint(s, 1, 10000, &v, &why))
        FUZZ_ASSERT(v >= 1 && v <= 10000);
    else
        FUZZ_ASSERT(why != NULL);

    int algo = 0;
    unsigned char digest[64];
    size_t len = 0;
    why = NULL;
    if (parse_checksum(s, &algo, digest, &len, &why)) {
        FUZZ_ASSERT((algo == 1 && len == 32) || (algo == 2 && len == 64));
        const char *hex = s + 7;
        FUZZ_ASSERT(strlen(hex) == 2 * len);
        for (size_t i = 0; i < len; i++) {
            char b[3];
            snprintf(b, sizeof b, "%02x", digest[i]);
            FUZZ_ASSERT(tolower((unsigned char)hex[2 * i]) == b[0]);
            FUZZ_ASSERT(tolower((unsigned char)hex[2 * i + 1]) == b[1]);
        }
    } else {
        FUZZ_ASSERT(why != NULL);
    }
}

/* Whether an argument may name --input-file (or -i in a cluster). */
static bool
names_input_file(const char *a)
{
    if (strncmp(a, "--input-file", 12) == 0)
        return true;
    return a[0] == '-' && a[1] != '-' && strchr(a, 'i') != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_strndup(data, size);
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    bool usable = true;

    if (devnull == NULL)
        devnull = fopen("/dev/null", "w");
    argv[argc++] = (char *)"haul";
    for (size_t i = 0; i < size && argc <= MAX_ARGS; ) {
        char *s = buf + i;
        check_value(s);
        if (names_input_file(s))
            usable = false;
        argv[argc++] = s;
        i += strlen(s) + 1;
    }
    argv[argc] = NULL;

    if (usable && devnull != NULL) {
        struct config cfg;
        FILE *saved = stderr;
        stderr = devnull;
        int rc = options_parse(argc, argv, &cfg);
        stderr = saved;
        if (rc == 0) {
            FUZZ_ASSERT(cfg.help || cfg.version || cfg.njobs >= 1 || cfg.input_name != NULL);
            for (size_t i = 0; i < cfg.njobs; i++)
                FUZZ_ASSERT(cfg.jobs[i].url != NULL && cfg.jobs[i].input_ok);
            FUZZ_ASSERT(cfg.parallel >= 1 && cfg.segments >= 1);
            FUZZ_ASSERT(cfg.checksum_len == 0 || cfg.checksum_len == 32 ||
                        cfg.checksum_len == 64);
            config_free(&cfg);
        } else {
            /* A usage error leaves nothing for the caller to free. */
            FUZZ_ASSERT(cfg.jobs == NULL && cfg.njobs == 0 && cfg.headers == NULL);
        }
    }
    free(buf);
    fuzz_mem_check();
    return 0;
}
