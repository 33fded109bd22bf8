/*
 * fuzz_input.c - the --input-file reader, options_read_input(), on any
 * file: "URL [OUTPUT]" lines, comments, blank lines, and whatever else a
 * user or a generating script may put there (NUL bytes, CRs, no final
 * newline, huge lines).
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "fuzz.h"
#include "mem.h"
#include "options.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config cfg;

    if (size == 0)
        return 0;    /* fmemopen() wants a buffer */
    void *copy = malloc(size);
    if (copy == NULL)
        abort();
    memcpy(copy, data, size);
    FILE *f = fmemopen(copy, size, "r");
    FUZZ_ASSERT(f != NULL);

    memset(&cfg, 0, sizeof cfg);
    int rc = options_read_input(&cfg, f, "fuzz");
    fclose(f);
    FUZZ_ASSERT(rc == 0);    /* memory is plenty, and fmemopen never fails a read */

    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    FUZZ_ASSERT(cfg.njobs <= lines);
    unsigned prev = 0;
    for (size_t i = 0; i < cfg.njobs; i++) {
        const struct job *j = &cfg.jobs[i];
        FUZZ_ASSERT(j->line > prev && j->line <= lines);
        prev = j->line;
        FUZZ_ASSERT(j->url != NULL && j->url[0] != '\0' && j->url[0] != '#');
        for (const char *p = j->url; *p; p++)
            FUZZ_ASSERT(!isspace((unsigned char)*p));
        if (j->output != NULL) {
            size_t n = strlen(j->output);
            FUZZ_ASSERT(n > 0);
            FUZZ_ASSERT(!isspace((unsigned char)j->output[0]));
            FUZZ_ASSERT(!isspace((unsigned char)j->output[n - 1]));
            if (strstr(j->output, "://") != NULL)
                FUZZ_ASSERT(!j->input_ok);
        }
        FUZZ_ASSERT(j->input_ok == (j->output == NULL || strstr(j->output, "://") == NULL));
    }
    config_free(&cfg);
    free(copy);
    fuzz_mem_check();
    return 0;
}
