/*
 * fuzz.c - set-up shared by the harnesses; see fuzz.h.
 */
#include "config.h"

#include <string.h>

#include <curl/curl.h>

#include "fuzz.h"
#include "mem.h"

static struct mem_figures base[MEM_OWNER_COUNT];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    mem_init(true);
    if (mem_curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        fprintf(stderr, "fuzz: curl_global_init failed\n");
        abort();
    }
    for (int i = 0; i < MEM_OWNER_COUNT; i++)
        mem_owner_read((enum mem_owner)i, &base[i]);
    return 0;
}

void
fuzz_mem_check(void)
{
    static const enum mem_owner checked[] = { MEM_HAUL, MEM_CURL, MEM_CJSON };
    for (size_t i = 0; i < sizeof checked / sizeof checked[0]; i++) {
        struct mem_figures now;
        mem_owner_read(checked[i], &now);
        if (now.live != base[checked[i]].live) {
            fprintf(stderr, "fuzz: %s holds %lld bytes after the input, %lld before\n",
                    mem_owner_name(checked[i]), (long long)now.live,
                    (long long)base[checked[i]].live);
            abort();
        }
    }
}

char *
fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}
