/*
 * replay.c - main() for the harnesses when libFuzzer is not linked in.
 *
 * Runs LLVMFuzzerTestOneInput() once on each file named, or on each file
 * of each directory named (sorted, dot files and README skipped).  With no
 * argument it runs the harness's seed corpus and its regression inputs,
 * found under $HAUL_SRCDIR (set by `make check`) or the configured source
 * directory: tests/fuzz/corpus/NAME/ must hold at least one input,
 * tests/fuzz/regress/NAME/ may be missing.  Each input is copied into a
 * block of its exact size, so ASan and valgrind see any read past its end.
 */
#include "config.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error "FUZZ_NAME must name the harness"
#endif

static int
run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = -1;

    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *nb = realloc(buf, cap);
            if (nb == NULL)
                goto out;
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "%s: read error\n", path);
        goto out;
    }
    uint8_t *exact = malloc(len ? len : 1);
    if (exact == NULL)
        goto out;
    if (len > 0)
        memcpy(exact, buf, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    rc = 0;
out:
    free(buf);
    fclose(f);
    return rc;
}

static int
skip_name(const struct dirent *d)
{
    return d->d_name[0] != '.' && strcmp(d->d_name, "README") != 0;
}

/* Runs a file, or the files of a directory; the number run, or -1. */
static long
run_path(const char *path, bool must_exist)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (!must_exist && errno == ENOENT)
            return 0;
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path) == 0 ? 1 : -1;

    struct dirent **names = NULL;
    int n = scandir(path, &names, skip_name, alphasort);
    if (n < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    long done = 0;
    for (int i = 0; i < n; i++) {
        size_t plen = strlen(path) + strlen(names[i]->d_name) + 2;
        char *p = malloc(plen);
        if (p == NULL || done < 0) {
            free(p);
            free(names[i]);
            continue;
        }
        snprintf(p, plen, "%s/%s", path, names[i]->d_name);
        done = run_file(p) == 0 ? done + 1 : -1;
        free(p);
        free(names[i]);
    }
    free(names);
    return done;
}

int
main(int argc, char **argv)
{
    long total = 0;

    LLVMFuzzerInitialize(&argc, &argv);
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            long n = run_path(argv[i], true);
            if (n < 0)
                return 1;
            total += n;
        }
        printf("fuzz_%s: %ld inputs replayed\n", FUZZ_NAME, total);
        return 0;
    }

    const char *src = getenv("HAUL_SRCDIR");
    if (src == NULL || *src == '\0')
        src = FUZZ_SRCDIR;
    char corpus[4096], regress[4096];
    snprintf(corpus, sizeof corpus, "%s/tests/fuzz/corpus/%s", src, FUZZ_NAME);
    snprintf(regress, sizeof regress, "%s/tests/fuzz/regress/%s", src, FUZZ_NAME);
    long c = run_path(corpus, true);
    long r = c < 0 ? -1 : run_path(regress, false);
    if (c <= 0 || r < 0) {
        fprintf(stderr, "fuzz_%s: %s\n", FUZZ_NAME,
                c == 0 ? "empty seed corpus" : "could not replay");
        return 1;
    }
    printf("fuzz_%s: %ld seed inputs and %ld regression inputs replayed\n", FUZZ_NAME, c, r);
    return 0;
}
