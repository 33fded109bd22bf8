/*
 * mem.c - counting allocators for haul, libcurl, OpenSSL, libuv and cJSON.
 *
 * See mem.h for the contract.  Each counted block is laid out as
 *
 *     [ struct block_header (16 bytes) ][ user bytes ... ]
 *
 * and the header names the account that was charged, so a free charges the
 * same account back whatever thread it happens on, without a lookup.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <uv.h>

#include "mem.h"

struct block_header {
    size_t size;
    struct mem_account *acct;
};

/* The header rounded up to malloc's alignment, so the user bytes keep it:
 * 16 bytes on x86-64 and most 64-bit targets. */
#define HDR_ALIGN _Alignof(max_align_t)
#define HDR_SIZE ((sizeof(struct block_header) + HDR_ALIGN - 1) / HDR_ALIGN * HDR_ALIGN)

static struct block_header *hdr_of(void *user) { return (struct block_header *)((char *)user - HDR_SIZE); }
static void *user_of(struct block_header *b) { return (char *)b + HDR_SIZE; }

static bool counting;
static struct mem_account owners[MEM_OWNER_COUNT];
static bool installed[MEM_OWNER_COUNT];
static const char *problems[MEM_OWNER_COUNT];

static void account_reset(struct mem_account *acct, struct mem_account *parent);

static const char *const owner_names[MEM_OWNER_COUNT] = {
    [MEM_HAUL] = "haul",
    [MEM_CURL] = "libcurl",
    [MEM_OPENSSL] = "openssl",
    [MEM_UV] = "libuv",
    [MEM_CJSON] = "cjson",
};

static _Noreturn void
out_of_memory(void)
{
    static const char msg[] = "haul: out of memory\n";
    ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)n;
    _exit(1);
}

/* True on the thread that called mem_init(): the loop thread. */
static _Thread_local bool loop_thread;

/* The hot path of every counted allocation: on the loop thread, a few adds
 * and a compare per account, on counters no other thread touches; on other
 * threads, relaxed atomic adds (and no peak). */
static inline __attribute__((always_inline)) void
charge(struct mem_account *acct, size_t size)
{
    if (loop_thread) {
        for (; acct != NULL; acct = acct->parent) {
            acct->own.allocs++;
            acct->own.bytes_total += size;
            acct->own.live += (int64_t)size;
            int64_t live = acct->own.live +
                           atomic_load_explicit(&acct->other.live, memory_order_relaxed);
            if (live > acct->peak)
                acct->peak = live;
        }
        return;
    }
    for (; acct != NULL; acct = acct->parent) {
        atomic_fetch_add_explicit(&acct->other.allocs, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&acct->other.bytes_total, size, memory_order_relaxed);
        atomic_fetch_add_explicit(&acct->other.live, (int64_t)size, memory_order_relaxed);
    }
}

static inline __attribute__((always_inline)) void
refund(struct mem_account *acct, size_t size)
{
    if (loop_thread) {
        for (; acct != NULL; acct = acct->parent) {
            acct->own.frees++;
            acct->own.live -= (int64_t)size;
        }
        return;
    }
    for (; acct != NULL; acct = acct->parent) {
        atomic_fetch_add_explicit(&acct->other.frees, 1, memory_order_relaxed);
        atomic_fetch_sub_explicit(&acct->other.live, (int64_t)size, memory_order_relaxed);
    }
}

/* Allocations a counting allocator could not make (any library's). */
static atomic_uint_fast64_t alloc_failures;

uint64_t
mem_alloc_failures(void)
{
    return atomic_load_explicit(&alloc_failures, memory_order_relaxed);
}

static void *
failed(void)
{
    atomic_fetch_add_explicit(&alloc_failures, 1, memory_order_relaxed);
    return NULL;
}

static void *
counted_malloc(struct mem_account *acct, size_t size)
{
    if (size > SIZE_MAX - HDR_SIZE)
        return failed();
    struct block_header *b = malloc(HDR_SIZE + size);
    if (b == NULL)
        return failed();
    b->size = size;
    b->acct = acct;
    charge(acct, size);
    return user_of(b);
}

static void *
counted_calloc(struct mem_account *acct, size_t n, size_t size)
{
    if (size != 0 && n > (SIZE_MAX - HDR_SIZE) / size)
        return failed();
    struct block_header *b = calloc(1, HDR_SIZE + n * size);
    if (b == NULL)
        return failed();
    b->size = n * size;
    b->acct = acct;
    charge(acct, n * size);
    return user_of(b);
}

static void
counted_free(void *ptr)
{
    if (ptr == NULL)
        return;
    struct block_header *b = hdr_of(ptr);
    refund(b->acct, b->size);
    free(b);
}

/* realloc keeps the block in the account it was first charged to. */
static void *
counted_realloc(struct mem_account *acct, void *ptr, size_t size)
{
    if (ptr == NULL)
        return counted_malloc(acct, size);
    if (size == 0) {
        counted_free(ptr);
        return NULL;
    }
    if (size > SIZE_MAX - HDR_SIZE)
        return failed();
    struct block_header *b = hdr_of(ptr);
    struct mem_account *owner = b->acct;
    size_t old = b->size;
    struct block_header *nb = realloc(b, HDR_SIZE + size);
    if (nb == NULL)
        return failed();
    nb->size = size;
    /* Counted as one free and one allocation of the new size. */
    refund(owner, old);
    charge(owner, size);
    return user_of(nb);
}

static char *
counted_strdup(struct mem_account *acct, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = counted_malloc(acct, n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

/* Per-library entry points, with the signatures each library wants. */
static void *curl_malloc_cb(size_t n) { return counted_malloc(&owners[MEM_CURL], n); }
static void curl_free_cb(void *p) { counted_free(p); }
static void *curl_realloc_cb(void *p, size_t n) { return counted_realloc(&owners[MEM_CURL], p, n); }
static char *curl_strdup_cb(const char *s) { return counted_strdup(&owners[MEM_CURL], s); }
static void *curl_calloc_cb(size_t n, size_t s) { return counted_calloc(&owners[MEM_CURL], n, s); }

static void *uv_malloc_cb(size_t n) { return counted_malloc(&owners[MEM_UV], n); }
static void *uv_realloc_cb(void *p, size_t n) { return counted_realloc(&owners[MEM_UV], p, n); }
static void *uv_calloc_cb(size_t n, size_t s) { return counted_calloc(&owners[MEM_UV], n, s); }
static void uv_free_cb(void *p) { counted_free(p); }

static void *cjson_malloc_cb(size_t n) { return counted_malloc(&owners[MEM_CJSON], n); }
static void cjson_free_cb(void *p) { counted_free(p); }

static void *ssl_malloc_cb(size_t n, const char *file, int line)
{
    (void)file; (void)line;
    return counted_malloc(&owners[MEM_OPENSSL], n);
}
static void *ssl_realloc_cb(void *p, size_t n, const char *file, int line)
{
    (void)file; (void)line;
    return counted_realloc(&owners[MEM_OPENSSL], p, n);
}
static void ssl_free_cb(void *p, const char *file, int line)
{
    (void)file; (void)line;
    counted_free(p);
}

void
mem_init(bool count)
{
    loop_thread = true;
    counting = count;
    installed[MEM_HAUL] = count;
    if (!count) {
        for (int i = 0; i < MEM_OWNER_COUNT; i++)
            problems[i] = "counting is off";
        return;
    }
    for (int i = 0; i < MEM_OWNER_COUNT; i++)
        account_reset(&owners[i], NULL);

    /* OpenSSL refuses once it has allocated anything: it must come first. */
    if (CRYPTO_set_mem_functions(ssl_malloc_cb, ssl_realloc_cb, ssl_free_cb))
        installed[MEM_OPENSSL] = true;
    else
        problems[MEM_OPENSSL] = "CRYPTO_set_mem_functions refused: OpenSSL had already allocated";

    if (uv_replace_allocator(uv_malloc_cb, uv_realloc_cb, uv_calloc_cb, uv_free_cb) == 0)
        installed[MEM_UV] = true;
    else
        problems[MEM_UV] = "uv_replace_allocator failed";

    cJSON_Hooks hooks = { .malloc_fn = cjson_malloc_cb, .free_fn = cjson_free_cb };
    cJSON_InitHooks(&hooks);
    installed[MEM_CJSON] = true;
    problems[MEM_CURL] = "curl_global_init_mem not called yet";
}

int
mem_curl_global_init(long flags)
{
    if (!counting)
        return curl_global_init(flags);
    CURLcode rc = curl_global_init_mem(flags, curl_malloc_cb, curl_free_cb,
                                       curl_realloc_cb, curl_strdup_cb,
                                       curl_calloc_cb);
    if (rc == CURLE_OK) {
        installed[MEM_CURL] = true;
        problems[MEM_CURL] = NULL;
    } else {
        problems[MEM_CURL] = "curl_global_init_mem failed";
    }
    return rc;
}

bool mem_counting(void) { return counting; }
bool mem_installed(enum mem_owner owner) { return installed[owner]; }
const char *mem_owner_name(enum mem_owner owner) { return owner_names[owner]; }
const char *mem_install_problem(enum mem_owner owner)
{
    return installed[owner] ? NULL : problems[owner];
}

static void
account_reset(struct mem_account *acct, struct mem_account *parent)
{
    acct->own = (struct mem_counters){ 0 };
    acct->peak = 0;
    atomic_init(&acct->other.allocs, 0);
    atomic_init(&acct->other.frees, 0);
    atomic_init(&acct->other.bytes_total, 0);
    atomic_init(&acct->other.live, 0);
    acct->parent = parent;
}

void
mem_account_init(struct mem_account *acct, struct mem_account *parent)
{
    account_reset(acct, parent != NULL ? parent : &owners[MEM_HAUL]);
}

void
mem_account_read(const struct mem_account *acct, struct mem_figures *out)
{
    const struct mem_shared_counters *x = &acct->other;
    out->allocs = acct->own.allocs + atomic_load_explicit(&x->allocs, memory_order_relaxed);
    out->frees = acct->own.frees + atomic_load_explicit(&x->frees, memory_order_relaxed);
    out->bytes_total = acct->own.bytes_total +
                       atomic_load_explicit(&x->bytes_total, memory_order_relaxed);
    out->live = acct->own.live + atomic_load_explicit(&x->live, memory_order_relaxed);
    /* Other threads do not keep the peak: a high point reached between two
     * of the loop thread's allocations shows here at the latest. */
    out->peak = acct->peak > out->live ? acct->peak : out->live;
}

void
mem_owner_read(enum mem_owner owner, struct mem_figures *out)
{
    mem_account_read(&owners[owner], out);
}

void *
xmalloc_in(struct mem_account *acct, size_t size)
{
    void *p;
    if (!counting)
        p = malloc(size ? size : 1);
    else
        p = counted_malloc(acct != NULL ? acct : &owners[MEM_HAUL], size);
    if (p == NULL)
        out_of_memory();
    return p;
}

void *
xcalloc_in(struct mem_account *acct, size_t n, size_t size)
{
    void *p;
    if (!counting)
        p = calloc(n ? n : 1, size ? size : 1);
    else
        p = counted_calloc(acct != NULL ? acct : &owners[MEM_HAUL], n, size);
    if (p == NULL)
        out_of_memory();
    return p;
}

void *
xrealloc_in(struct mem_account *acct, void *ptr, size_t size)
{
    void *p;
    if (size == 0)
        size = 1;
    if (!counting)
        p = realloc(ptr, size);
    else
        p = counted_realloc(acct != NULL ? acct : &owners[MEM_HAUL], ptr, size);
    if (p == NULL)
        out_of_memory();
    return p;
}

char *
xstrndup_in(struct mem_account *acct, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xmalloc_in(acct, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *
xstrdup_in(struct mem_account *acct, const char *s)
{
    return xstrndup_in(acct, s, SIZE_MAX);
}

char *
xconcat_in(struct mem_account *acct, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = xmalloc_in(acct, la + lb + 1);
    memcpy(p, a, la);
    memcpy(p + la, b, lb);
    p[la + lb] = '\0';
    return p;
}

void *xmalloc(size_t size) { return xmalloc_in(NULL, size); }
char *xconcat(const char *a, const char *b) { return xconcat_in(NULL, a, b); }
void *xcalloc(size_t n, size_t size) { return xcalloc_in(NULL, n, size); }
void *xrealloc(void *ptr, size_t size) { return xrealloc_in(NULL, ptr, size); }
char *xstrdup(const char *s) { return xstrdup_in(NULL, s); }
char *xstrndup(const char *s, size_t n) { return xstrndup_in(NULL, s, n); }

char *
xvasprintf(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        out_of_memory();
    char *p = xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *
xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void
xfree(void *ptr)
{
    if (!counting)
        free(ptr);
    else
        counted_free(ptr);
}

static uint64_t
status_kib(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    if (p == NULL)
        return 0;
    return strtoull(p + strlen(key), NULL, 10) * 1024;
}

void
mem_rss(uint64_t *current, uint64_t *peak)
{
    char buf[4096];
    size_t n = 0;
    *current = *peak = 0;
    /* read(2), not stdio: no FILE to allocate and free (counted, with
     * --memstats) for one small read. */
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    while (n < sizeof buf - 1) {
        ssize_t got = read(fd, buf + n, sizeof buf - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    buf[n] = '\0';
    *current = status_kib(buf, "\nVmRSS:");
    *peak = status_kib(buf, "\nVmHWM:");
}
