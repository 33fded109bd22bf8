/*
 * mem.h - haul's allocation functions and the counting allocators behind
 * --memstats.
 *
 * Every allocation haul makes goes through xmalloc() and friends.  When
 * counting is on (mem_init(true), before any library is initialised), the
 * same counting allocator is also installed into libcurl (and zlib through
 * it), OpenSSL, libuv and cJSON, each under its own name, so the report can
 * say who holds what.  When counting is off, these are thin wrappers over
 * malloc and nothing is installed into the libraries.
 *
 * Counted blocks carry a 16-byte header (size and account), so free() and
 * realloc() know what to subtract.  The loop thread counts on plain
 * integers that only it touches, other threads (libuv's pool, libcurl's
 * resolver) with relaxed atomic adds on counters of their own: see struct
 * mem_account.
 *
 * Out-of-memory policy: haul's own allocations never return NULL; on failure
 * haul prints "haul: out of memory" and exits with status 1.  Library
 * allocations return NULL as the libraries expect.
 */
#ifndef HAUL_MEM_H
#define HAUL_MEM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mem_owner {
    MEM_HAUL,
    MEM_CURL,
    MEM_OPENSSL,
    MEM_UV,
    MEM_CJSON,
    MEM_OWNER_COUNT
};

/*
 * Counters for a group of allocations: one per allocator, and one per
 * transfer and per attempt for haul's own allocations made on their behalf.
 * An account may have a parent; every change is applied to it too.
 *
 * Each account has two sets of counters.  `own` belongs to the thread that
 * called mem_init() (the loop thread, where nearly every allocation
 * happens): plain integers that no other thread reads or writes, so
 * counting there is a few adds, no locked instruction, no lock.  `other`
 * takes the allocations and frees of every other thread (libuv's pool,
 * libcurl's resolver) with relaxed atomic adds.  A reader sums the two; a
 * block freed on another thread than it was allocated on leaves one `live`
 * above and the other below zero, and the sum right.  Read the figures
 * with mem_account_read() only, and only on the loop thread.
 */
struct mem_counters {
    uint64_t allocs;
    uint64_t frees;
    uint64_t bytes_total;            /* bytes ever allocated */
    int64_t live;                    /* bytes allocated and not freed */
};

struct mem_shared_counters {
    _Atomic uint64_t allocs;
    _Atomic uint64_t frees;
    _Atomic uint64_t bytes_total;
    _Atomic int64_t live;
};

struct mem_account {
    struct mem_counters own;         /* the loop thread's */
    int64_t peak;                    /* highest own.live + other.live seen
                                      * by the loop thread */
    struct mem_shared_counters other; /* every other thread's */
    struct mem_account *parent;
};

/* Snapshot of an account, plain values. */
struct mem_figures {
    uint64_t allocs, frees, bytes_total;
    int64_t live, peak;
};

/*
 * Decides whether allocations are counted.  Must be called once, first thing
 * in main(), before any allocation.  With counting on, also installs the
 * counting allocators into OpenSSL, libuv and cJSON (libcurl's go in
 * through mem_curl_global_init()).  Whether each install worked is kept for
 * the report.
 */
void mem_init(bool counting);
bool mem_counting(void);
/* How many allocations the counting allocators could not make so far (0
 * when not counting): libcurl says "out of memory" both for that and for a
 * header line over its limit, and only this tells them apart. */
uint64_t mem_alloc_failures(void);
/* curl_global_init() or, when counting, curl_global_init_mem(). */
int mem_curl_global_init(long flags);
/* Whether the allocator of `owner` is counted (false: not installed). */
bool mem_installed(enum mem_owner owner);
const char *mem_owner_name(enum mem_owner owner);
/* Why an allocator could not be counted, or NULL. */
const char *mem_install_problem(enum mem_owner owner);

void mem_account_init(struct mem_account *acct, struct mem_account *parent);
void mem_account_read(const struct mem_account *acct, struct mem_figures *out);
void mem_owner_read(enum mem_owner owner, struct mem_figures *out);

/* haul's own allocations, counted in MEM_HAUL. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
void xfree(void *ptr);

/* The same, also counted in `acct` (and its parents); acct may be NULL. */
void *xmalloc_in(struct mem_account *acct, size_t size);
void *xcalloc_in(struct mem_account *acct, size_t n, size_t size);
void *xrealloc_in(struct mem_account *acct, void *ptr, size_t size);
char *xstrdup_in(struct mem_account *acct, const char *s);
char *xstrndup_in(struct mem_account *acct, const char *s, size_t n);
/* a followed by b, in one allocation: xasprintf("%s%s") without its two
 * formatting passes (FILE.part and its journal's names, for every file). */
char *xconcat_in(struct mem_account *acct, const char *a, const char *b);
char *xconcat(const char *a, const char *b);

/* Process figures from /proc/self/status, in bytes (0 when unknown). */
void mem_rss(uint64_t *current, uint64_t *peak);

#endif
