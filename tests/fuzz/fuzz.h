/*
 * fuzz.h - what the libFuzzer harnesses in tests/fuzz/ share.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput() for one family of
 * parsers.  Built with --enable-fuzzing they link with libFuzzer; otherwise
 * with replay.c, whose main() runs them over their seed corpus and every
 * crash ever found (tests/fuzz/corpus/<name>/, tests/fuzz/regress/<name>/)
 * as part of `make check`.
 */
#ifndef HAUL_FUZZ_H
#define HAUL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test: a failure is a finding, so it
 * aborts, which libFuzzer reports as a crash with the input saved. */
#define FUZZ_ASSERT(cond)                                                     \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,        \
                    __LINE__, #cond);                                         \
            abort();                                                          \
        }                                                                     \
    } while (0)

/* haul's counting allocators, as with --memstats: fuzz_mem_check() asserts
 * that every owner (haul, libcurl, cJSON) holds what it held before the
 * input, so an input that leaks on some path is a finding even without
 * LeakSanitizer (valgrind and gcc builds of the replay). */
void fuzz_mem_check(void);

/* A NUL-terminated copy of data[0..size), in a block of exactly size + 1
 * bytes so that ASan sees any read past it.  Free with free(). */
char *fuzz_strndup(const uint8_t *data, size_t size);

#endif
