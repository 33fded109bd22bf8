/*
 * fault.c - make chosen library and system calls fail, for tests.
 *
 * Linked only into builds configured with --enable-fault-injection (the
 * default of --enable-debug, never of a release build).  Such a build links
 * haul (and the unit tests that want it) with ld's --wrap=NAME for each
 * function below: haul's own calls to NAME go to __wrap_NAME here, which
 * calls the real one (__real_NAME) unless a rule says that this call fails.
 * Nothing in the rest of src/ knows about it, so the code under test is the
 * code that ships; and the calls libcurl, libuv or OpenSSL make inside
 * themselves are never touched (--wrap applies to haul's objects only).
 *
 * Rules come from the environment variable HAUL_FAULT, read once at start
 * (or from fault_configure() in a unit test):
 *
 *     HAUL_FAULT=RULE[,RULE...]
 *     RULE = FUNCTION[:FILTER][@N[+]][=ERROR]
 *
 *   FUNCTION  one of the wrapped functions (the table at the end).
 *   FILTER    for calls on a descriptor: the kind of file it is, one of
 *             file, dir, pipe, socket, tty, chr (a character device that is
 *             not a terminal); for calls on a path (open, rename, unlink,
 *             linkat: the name it makes; lstat: the name it looks up): how
 *             the path ends (e.g. ".part", ".haul.tmp").  Only the calls
 *             that match count.  Calls on neither never match a filter.
 *   @N        only the N-th matching call fails (counted from 1); @N+ the
 *             N-th and every later one.  Without @, every matching call.
 *   =ERROR    the errno the failing call reports, by name (EIO, ENOSPC,
 *             EINTR, ... see errno_names) or number; the default is the
 *             function's (ENOMEM for allocations, EIO for I/O).  Functions
 *             that report no errno (curl_easy_init, EVP_*, cJSON_Print)
 *             just fail.
 *
 * Examples: "pwritev:file@3=ENOSPC" (the third positional write to a regular
 * file: a disk that fills up), "malloc@200" (haul's 200th allocation),
 * "rename:.part.haul=EXDEV,fsync:file@2+" (two rules).
 * HAUL_FAULT_TRACE=1 prints a line on stderr for each call made to fail.
 * A malformed HAUL_FAULT is one line on stderr and exit status 2.
 *
 * The same build measures coverage (make coverage): gcov writes its
 * counters at exit(), so a haul that ends with _exit() (out of memory, a
 * second Ctrl-C) or raise(SIGPIPE) would lose them.  _exit and raise are
 * wrapped too, to write them first.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <uv.h>

#include "fault.h"

#define MAX_RULES 16

struct rule {
    char func[32];
    char filter[64];            /* "" when none */
    unsigned long first, last;  /* matching calls that fail, counted from 1 */
    int err;                    /* 0: the function's default */
    _Atomic unsigned long calls;
};

static struct rule rules[MAX_RULES];
static _Atomic int nrules;
static _Atomic unsigned long fired;
static bool trace;

static const struct {
    const char *name;
    int value;
} errno_names[] = {
    { "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT }, { "EFBIG", EFBIG },
    { "EPIPE", EPIPE }, { "ENOMEM", ENOMEM }, { "EINTR", EINTR }, { "EAGAIN", EAGAIN },
    { "EACCES", EACCES }, { "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EXDEV", EXDEV },
    { "EINVAL", EINVAL }, { "EBADF", EBADF }, { "ENXIO", ENXIO }, { "EROFS", EROFS },
    { "EMFILE", EMFILE }, { "ECONNRESET", ECONNRESET }, { "ENOTSUP", ENOTSUP },
    { "EEXIST", EEXIST },
};

/* The names a rule may use: every function wrapped below. */
static const char *const wrapped[] = {
    "malloc", "calloc", "realloc",
    "write", "writev", "pwrite", "pwritev", "read",
    "fsync", "fdatasync", "ftruncate", "fallocate", "close", "fsetxattr",
    "open", "rename", "unlink", "linkat", "lstat",
    "uv_loop_init", "uv_poll_init", "uv_poll_init_socket", "uv_poll_start",
    "uv_queue_work",
    "curl_global_init", "curl_global_init_mem", "curl_multi_init", "curl_easy_init",
    "curl_multi_add_handle",
    "EVP_MD_CTX_new", "EVP_DigestInit_ex",
    "cJSON_Print", "cJSON_PrintUnformatted",
};

/* gcov's, in the build of make coverage (which defines HAUL_COVERAGE: a
 * weak reference would not pull it out of libgcov.a). */
#ifdef HAUL_COVERAGE
extern void __gcov_dump(void);    // NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): gcov's name
#define coverage_dump() __gcov_dump()
#else
#define coverage_dump() ((void)0)
#endif

static int
bad_spec(const char *rule, const char *why)
{
    dprintf(STDERR_FILENO, "haul: HAUL_FAULT: %s: %s\n", rule, why);
    atomic_store(&nrules, 0);
    return -1;
}

static int
parse_errno(const char *s)
{
    for (size_t i = 0; i < sizeof errno_names / sizeof errno_names[0]; i++)
        if (strcmp(s, errno_names[i].name) == 0)
            return errno_names[i].value;
    char *end;
    long v = strtol(s, &end, 10);
    return *s != '\0' && *end == '\0' && v > 0 && v < 4096 ? (int)v : -1;
}

/* One RULE (NUL-terminated, no comma) into *r. */
static int
parse_rule(char *text, struct rule *r)
{
    char *eq = strchr(text, '=');
    char *at = strchr(text, '@');
    char *colon = strchr(text, ':');

    memset(r, 0, sizeof *r);
    r->first = 1;
    r->last = ULONG_MAX;
    if (eq != NULL) {
        *eq = '\0';
        if ((r->err = parse_errno(eq + 1)) < 0)
            return bad_spec(eq + 1, "not an errno name or number");
    }
    if (at != NULL && (eq == NULL || at < eq)) {
        *at = '\0';
        char *end;
        unsigned long n = strtoul(at + 1, &end, 10);
        if (end == at + 1 || n == 0 || (*end != '\0' && strcmp(end, "+") != 0))
            return bad_spec(at + 1, "@ wants a call number from 1, or N+");
        r->first = n;
        r->last = *end == '+' ? ULONG_MAX : n;
    }
    if (colon != NULL && (at == NULL || colon < at) && (eq == NULL || colon < eq)) {
        *colon = '\0';
        if (strlen(colon + 1) >= sizeof r->filter || colon[1] == '\0')
            return bad_spec(colon + 1, "empty or too long a filter");
        snprintf(r->filter, sizeof r->filter, "%s", colon + 1);
    }
    bool known = false;
    for (size_t i = 0; i < sizeof wrapped / sizeof wrapped[0]; i++)
        known = known || strcmp(text, wrapped[i]) == 0;
    if (!known)
        return bad_spec(text, "not a function haul's fault build wraps");
    snprintf(r->func, sizeof r->func, "%s", text);    /* a name of wrapped[]: it fits */
    return 0;
}

int
fault_configure(const char *spec)
{
    char buf[1024];
    int n = 0;

    atomic_store(&nrules, 0);
    atomic_store(&fired, 0);
    if (spec == NULL || *spec == '\0')
        return 0;
    if (strlen(spec) >= sizeof buf)
        return bad_spec(spec, "too long");
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        if (n == MAX_RULES)
            return bad_spec(tok, "too many rules");
        if (parse_rule(tok, &rules[n]) != 0)
            return -1;
        n++;
    }
    atomic_store(&nrules, n);
    return 0;
}

unsigned long
fault_fired(void)
{
    return atomic_load(&fired);
}

/* Once the process ends no call fails: gcov writes its counters then, with
 * allocations of its own (an atexit function runs before the destructors
 * that write them). */
static void
disarm(void)
{
    atomic_store(&nrules, 0);
}

__attribute__((constructor)) static void
fault_from_environment(void)
{
    const char *t = getenv("HAUL_FAULT_TRACE");
    trace = t != NULL && *t != '\0' && strcmp(t, "0") != 0;
    if (fault_configure(getenv("HAUL_FAULT")) != 0)
        _exit(2);
    atexit(disarm);
}

static const char *
fd_kind(int fd)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return "";
    if (S_ISREG(st.st_mode)) return "file";
    if (S_ISDIR(st.st_mode)) return "dir";
    if (S_ISFIFO(st.st_mode)) return "pipe";
    if (S_ISSOCK(st.st_mode)) return "socket";
    if (S_ISCHR(st.st_mode)) return isatty(fd) ? "tty" : "chr";
    return "";
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/*
 * Whether this call of func fails; if so *err is the errno to report.  fd
 * (or -1) and the paths (or NULL) are what a filter looks at.
 */
static bool
fails(const char *func, int fd, const char *path, const char *path2, int dflt, int *err)
{
    int n = atomic_load(&nrules);
    bool fail = false;

    for (int i = 0; i < n; i++) {
        struct rule *r = &rules[i];
        if (strcmp(r->func, func) != 0)
            continue;
        if (r->filter[0] != '\0') {
            bool match = fd >= 0 ? strcmp(fd_kind(fd), r->filter) == 0 :
                         (path != NULL && ends_with(path, r->filter)) ||
                         (path2 != NULL && ends_with(path2, r->filter));
            if (!match)
                continue;
        }
        unsigned long call = atomic_fetch_add(&r->calls, 1) + 1;
        if (call >= r->first && call <= r->last && !fail) {
            fail = true;
            *err = r->err != 0 ? r->err : dflt;
            atomic_fetch_add(&fired, 1);
            if (trace)
                dprintf(STDERR_FILENO, "haul: fault: %s call %lu fails (%s)\n", func, call,
                        strerror(*err));
        }
    }
    return fail;
}

/* Each wrapped function: its prototype, the real one's, and the wrapper. */
#define WRAP_DECL(ret, name, params)                                          \
    ret __real_##name params;                                                 \
    ret __wrap_##name params

WRAP_DECL(void *, malloc, (size_t size));
void *
__wrap_malloc(size_t size)
{
    int err;
    if (fails("malloc", -1, NULL, NULL, ENOMEM, &err)) {
        errno = err;
        return NULL;
    }
    return __real_malloc(size);
}

WRAP_DECL(void *, calloc, (size_t n, size_t size));
void *
__wrap_calloc(size_t n, size_t size)
{
    int err;
    if (fails("calloc", -1, NULL, NULL, ENOMEM, &err)) {
        errno = err;
        return NULL;
    }
    return __real_calloc(n, size);
}

WRAP_DECL(void *, realloc, (void *p, size_t size));
void *
__wrap_realloc(void *p, size_t size)
{
    int err;
    if (fails("realloc", -1, NULL, NULL, ENOMEM, &err)) {
        errno = err;
        return NULL;
    }
    return __real_realloc(p, size);
}

/* Calls on a descriptor that return -1 and set errno. */
#define WRAP_FD(ret, name, params, fd, args)                                  \
    WRAP_DECL(ret, name, params);                                             \
    ret __wrap_##name params                                                  \
    {                                                                         \
        int err;                                                              \
        if (fails(#name, fd, NULL, NULL, EIO, &err)) {                        \
            errno = err;                                                      \
            return -1;                                                        \
        }                                                                     \
        return __real_##name args;                                            \
    }

WRAP_FD(ssize_t, write, (int fd, const void *buf, size_t n), fd, (fd, buf, n))
WRAP_FD(ssize_t, writev, (int fd, const struct iovec *iov, int cnt), fd, (fd, iov, cnt))
WRAP_FD(ssize_t, pwrite, (int fd, const void *buf, size_t n, off_t at), fd, (fd, buf, n, at))
WRAP_FD(ssize_t, pwritev, (int fd, const struct iovec *iov, int cnt, off_t at), fd,
        (fd, iov, cnt, at))
WRAP_FD(ssize_t, read, (int fd, void *buf, size_t n), fd, (fd, buf, n))
WRAP_FD(int, fsync, (int fd), fd, (fd))
WRAP_FD(int, fdatasync, (int fd), fd, (fd))
WRAP_FD(int, ftruncate, (int fd, off_t size), fd, (fd, size))
WRAP_FD(int, fallocate, (int fd, int mode, off_t at, off_t len), fd, (fd, mode, at, len))
WRAP_FD(int, fsetxattr, (int fd, const char *name, const void *v, size_t n, int flags), fd,
        (fd, name, v, n, flags))

/* Linux closes the descriptor even when close() reports an error. */
WRAP_DECL(int, close, (int fd));
int
__wrap_close(int fd)
{
    int err;
    bool fail = fails("close", fd, NULL, NULL, EIO, &err);
    int rc = __real_close(fd);
    if (fail) {
        errno = err;
        return -1;
    }
    return rc;
}

WRAP_DECL(int, open, (const char *path, int flags, ...));
int
__wrap_open(const char *path, int flags, ...)
{
    int err;
    mode_t mode = 0;
    /* As glibc's open: a mode comes with O_CREAT and with O_TMPFILE. */
    if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);    /* mode_t is promoted to int */
        va_end(ap);
    }
    if (fails("open", -1, path, NULL, EACCES, &err)) {
        errno = err;
        return -1;
    }
    return __real_open(path, flags, mode);
}

WRAP_DECL(int, rename, (const char *from, const char *to));
int
__wrap_rename(const char *from, const char *to)
{
    int err;
    if (fails("rename", -1, from, to, EIO, &err)) {
        errno = err;
        return -1;
    }
    return __real_rename(from, to);
}

WRAP_DECL(int, linkat, (int olddir, const char *from, int newdir, const char *to, int flags));
int
__wrap_linkat(int olddir, const char *from, int newdir, const char *to, int flags)
{
    int err;
    if (fails("linkat", -1, to, NULL, EIO, &err)) {
        errno = err;
        return -1;
    }
    return __real_linkat(olddir, from, newdir, to, flags);
}

WRAP_DECL(int, lstat, (const char *path, struct stat *st));
int
__wrap_lstat(const char *path, struct stat *st)
{
    int err;
    if (fails("lstat", -1, path, NULL, EIO, &err)) {
        errno = err;
        return -1;
    }
    return __real_lstat(path, st);
}

WRAP_DECL(int, unlink, (const char *path));
int
__wrap_unlink(const char *path)
{
    int err;
    if (fails("unlink", -1, path, NULL, EIO, &err)) {
        errno = err;
        return -1;
    }
    return __real_unlink(path);
}

/* libuv reports errors as negative errno values (UV_E*) on Unix. */
WRAP_DECL(int, uv_loop_init, (uv_loop_t *loop));
int
__wrap_uv_loop_init(uv_loop_t *loop)
{
    int err;
    if (fails("uv_loop_init", -1, NULL, NULL, ENOMEM, &err))
        return -err;
    return __real_uv_loop_init(loop);
}

WRAP_DECL(int, uv_poll_init, (uv_loop_t *loop, uv_poll_t *h, int fd));
int
__wrap_uv_poll_init(uv_loop_t *loop, uv_poll_t *h, int fd)
{
    int err;
    if (fails("uv_poll_init", fd, NULL, NULL, ENOMEM, &err))
        return -err;
    return __real_uv_poll_init(loop, h, fd);
}

WRAP_DECL(int, uv_poll_init_socket, (uv_loop_t *loop, uv_poll_t *h, uv_os_sock_t s));
int
__wrap_uv_poll_init_socket(uv_loop_t *loop, uv_poll_t *h, uv_os_sock_t s)
{
    int err;
    if (fails("uv_poll_init_socket", s, NULL, NULL, ENOMEM, &err))
        return -err;
    return __real_uv_poll_init_socket(loop, h, s);
}

WRAP_DECL(int, uv_poll_start, (uv_poll_t *h, int events, uv_poll_cb cb));
int
__wrap_uv_poll_start(uv_poll_t *h, int events, uv_poll_cb cb)
{
    int err;
    uv_os_fd_t fd = -1;
    if (uv_fileno((const uv_handle_t *)h, &fd) != 0)
        fd = -1;
    if (fails("uv_poll_start", fd, NULL, NULL, EBADF, &err))
        return -err;
    return __real_uv_poll_start(h, events, cb);
}

WRAP_DECL(int, uv_queue_work, (uv_loop_t *loop, uv_work_t *req, uv_work_cb work,
                               uv_after_work_cb after));
int
__wrap_uv_queue_work(uv_loop_t *loop, uv_work_t *req, uv_work_cb work, uv_after_work_cb after)
{
    int err;
    if (fails("uv_queue_work", -1, NULL, NULL, ENOMEM, &err))
        return -err;
    return __real_uv_queue_work(loop, req, work, after);
}

WRAP_DECL(CURLcode, curl_global_init, (long flags));
CURLcode
__wrap_curl_global_init(long flags)
{
    int err;
    if (fails("curl_global_init", -1, NULL, NULL, ENOMEM, &err))
        return CURLE_FAILED_INIT;
    return __real_curl_global_init(flags);
}

WRAP_DECL(CURLcode, curl_global_init_mem, (long flags, curl_malloc_callback m,
                                           curl_free_callback f, curl_realloc_callback r,
                                           curl_strdup_callback s, curl_calloc_callback c));
CURLcode
__wrap_curl_global_init_mem(long flags, curl_malloc_callback m, curl_free_callback f,
                            curl_realloc_callback r, curl_strdup_callback s,
                            curl_calloc_callback c)
{
    int err;
    if (fails("curl_global_init_mem", -1, NULL, NULL, ENOMEM, &err))
        return CURLE_FAILED_INIT;
    return __real_curl_global_init_mem(flags, m, f, r, s, c);
}

WRAP_DECL(CURLM *, curl_multi_init, (void));
CURLM *
__wrap_curl_multi_init(void)
{
    int err;
    if (fails("curl_multi_init", -1, NULL, NULL, ENOMEM, &err))
        return NULL;
    return __real_curl_multi_init();
}

WRAP_DECL(CURL *, curl_easy_init, (void));
CURL *
__wrap_curl_easy_init(void)
{
    int err;
    if (fails("curl_easy_init", -1, NULL, NULL, ENOMEM, &err))
        return NULL;
    return __real_curl_easy_init();
}

WRAP_DECL(CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *e));
CURLMcode
__wrap_curl_multi_add_handle(CURLM *m, CURL *e)
{
    int err;
    if (fails("curl_multi_add_handle", -1, NULL, NULL, ENOMEM, &err))
        return CURLM_OUT_OF_MEMORY;
    return __real_curl_multi_add_handle(m, e);
}

WRAP_DECL(EVP_MD_CTX *, EVP_MD_CTX_new, (void));
EVP_MD_CTX *
__wrap_EVP_MD_CTX_new(void)
{
    int err;
    if (fails("EVP_MD_CTX_new", -1, NULL, NULL, ENOMEM, &err))
        return NULL;
    return __real_EVP_MD_CTX_new();
}

WRAP_DECL(int, EVP_DigestInit_ex, (EVP_MD_CTX *ctx, const EVP_MD *md, ENGINE *e));
int
__wrap_EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *md, ENGINE *e)
{
    int err;
    if (fails("EVP_DigestInit_ex", -1, NULL, NULL, ENOMEM, &err))
        return 0;
    return __real_EVP_DigestInit_ex(ctx, md, e);
}

WRAP_DECL(char *, cJSON_Print, (const cJSON *item));
char *
__wrap_cJSON_Print(const cJSON *item)
{
    int err;
    if (fails("cJSON_Print", -1, NULL, NULL, ENOMEM, &err))
        return NULL;
    return __real_cJSON_Print(item);
}

WRAP_DECL(char *, cJSON_PrintUnformatted, (const cJSON *item));
char *
__wrap_cJSON_PrintUnformatted(const cJSON *item)
{
    int err;
    if (fails("cJSON_PrintUnformatted", -1, NULL, NULL, ENOMEM, &err))
        return NULL;
    return __real_cJSON_PrintUnformatted(item);
}

/* Not fault points: coverage counters written before the process ends
 * without exit() (see the first comment). */
WRAP_DECL(_Noreturn void, _exit, (int status));
_Noreturn void
__wrap__exit(int status)
{
    disarm();
    coverage_dump();
    __real__exit(status);
}

WRAP_DECL(int, raise, (int sig));
int
__wrap_raise(int sig)
{
    disarm();
    coverage_dump();
    return __real_raise(sig);
}
