/*
 * Edges of src/journal.c that test_journal.c leaves out: every field a
 * journal must have, every limit on its parts on both sides, cJSON running
 * out of memory at each of its allocations in turn, and each step of the
 * crash-safe save failing.  Most failures come from the file system itself
 * (a missing directory, /dev/full, /dev/null, which fsync refuses); the few
 * it cannot produce (close() failing, a write interrupted, the directory
 * unopenable after the rename) come from the fault-injection build
 * (src/fault.c), and are skipped, with a note, in a build without it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "journal.h"
#include "mem.h"
#ifdef HAUL_FAULTS
#include "fault.h"
#endif

/* cJSON's allocator: fails the fail_at-th call (0: never), counts blocks. */
static long calls, fail_at, live;

static void *
t_malloc(size_t n)
{
    if (fail_at != 0 && ++calls == fail_at)
        return NULL;
    void *p = malloc(n);
    live += p != NULL;
    return p;
}

static void
t_free(void *p)
{
    live -= p != NULL;
    free(p);
}

/* A journal text with one field replaced: fmt has one %s for it. */
static bool
decodes(const char *text)
{
    struct journal j;
    bool ok = journal_decode(text, &j);
    if (!ok)
        CHECK(j.url == NULL && j.nsegments == 0 && !j.total_known);
    journal_clear(&j);
    return ok;
}

#define HEAD(total) "{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\"," \
                    "\"last_modified\":\"\",\"total\":\"" total "\",\"segments\":["
#define SEG(s, e, n) "{\"start\":\"" s "\",\"end\":\"" e "\",\"next\":\"" n "\"}"

static void
test_decode_fields(void)
{
    const char *full = HEAD("10") SEG("0", "10", "5") "]}";
    CHECK(decodes(full));
    /* Each field missing, or of the wrong type. */
    static const char *const bad[] = {
        "{\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\",\"last_modified\":\"\",\"total\":\"\","
        "\"segments\":[" SEG("0", "", "5") "]}",
        "{\"schema\":\"1\",\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\",\"last_modified\":\"\","
        "\"total\":\"\",\"segments\":[" SEG("0", "", "5") "]}",
        "{\"schema\":1.5,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\",\"last_modified\":\"\","
        "\"total\":\"\",\"segments\":[" SEG("0", "", "5") "]}",
        "{\"schema\":1,\"final_url\":\"\",\"etag\":\"\",\"last_modified\":\"\",\"total\":\"\","
        "\"segments\":[" SEG("0", "", "5") "]}",
        "{\"schema\":1,\"url\":\"u\",\"etag\":\"\",\"last_modified\":\"\",\"total\":\"\","
        "\"segments\":[" SEG("0", "", "5") "]}",
        "{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"last_modified\":\"\",\"total\":\"\","
        "\"segments\":[" SEG("0", "", "5") "]}",
        "{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\",\"total\":\"\","
        "\"segments\":[" SEG("0", "", "5") "]}",
        "{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\",\"last_modified\":\"\","
        "\"segments\":[" SEG("0", "", "5") "]}",
        "{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\",\"last_modified\":\"\","
        "\"total\":10,\"segments\":[" SEG("0", "", "5") "]}",
        "{\"schema\":1,\"url\":1,\"final_url\":\"\",\"etag\":\"\",\"last_modified\":\"\","
        "\"total\":\"\",\"segments\":[" SEG("0", "", "5") "]}",
        HEAD("") "]}",                                    /* no part */
        "{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\",\"last_modified\":\"\","
        "\"total\":\"\",\"segments\":{}}",
        "{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\",\"last_modified\":\"\","
        "\"total\":\"\"}",
        HEAD("") "{\"end\":\"\",\"next\":\"5\"}]}",
        HEAD("") "{\"start\":\"0\",\"next\":\"5\"}]}",
        HEAD("") "{\"start\":\"0\",\"end\":\"\"}]}",
        HEAD("") SEG("", "", "5") "]}",                   /* start unknown */
        HEAD("") SEG("0", "", "") "]}",                   /* next unknown */
        HEAD("") SEG("0", "", "5x") "]}",
        HEAD("") SEG("0", "", " 5") "]}",
        HEAD("") SEG("0", "", "18446744073709551616") "]}",
        HEAD("1x") SEG("0", "", "5") "]}",
        "[]",
        "{\"schema\":1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool ok = decodes(bad[i]);
        CHECK(!ok);
        if (ok)
            fprintf(stderr, "  accepted: %s\n", bad[i]);
    }
    CHECK(decodes(HEAD("") SEG("0", "", "18446744073709551609") "]}"));

    /* The sources: an array of strings and the index of one of them. */
    CHECK(decodes(HEAD("") SEG("0", "", "5") "],\"sources\":[\"a\",\"b\"],\"source\":1}"));
    CHECK(decodes(HEAD("") SEG("0", "", "5") "],\"sources\":[\"a\"],\"source\":-1}"));
    static const char *const bad_sources[] = {
        "\"sources\":[\"a\",1],\"source\":0",       /* a source that is not a string */
        "\"sources\":[1,\"a\"],\"source\":0",
        "\"sources\":[\"a\",\"b\"],\"source\":2",   /* no such source */
        "\"sources\":[\"a\"],\"source\":-2",
        "\"sources\":[\"a\"],\"source\":0.5",
        "\"sources\":[\"a\"]",                       /* index missing */
        "\"source\":0",                               /* array missing */
        "\"sources\":\"a\",\"source\":0",
        "\"sources\":[\"a\"],\"source\":1e300",  /* out of int's range */
        "\"sources\":[\"a\"],\"source\":-1e300",
        "\"sources\":[\"a\"],\"source\":1e999", /* cJSON reads infinity */
    };
    /* A boot id fills boot_id[] with its terminator at most: 39 characters. */
    char id[JOURNAL_BOOT_ID_MAX + 1];
    memset(id, 'a', sizeof id);
    id[JOURNAL_BOOT_ID_MAX - 1] = '\0';
    char *with_id = xasprintf(HEAD("") SEG("0", "", "5") "],\"boot_id\":\"%s\"}", id);
    CHECK(decodes(with_id));
    xfree(with_id);
    id[JOURNAL_BOOT_ID_MAX - 1] = 'a';
    id[JOURNAL_BOOT_ID_MAX] = '\0';
    with_id = xasprintf(HEAD("") SEG("0", "", "5") "],\"boot_id\":\"%s\"}", id);
    CHECK(!decodes(with_id));
    xfree(with_id);

    /* At most JOURNAL_MAX_SOURCES (16) of them. */
    char many[512];
    size_t used = 0;
    for (int i = 0; i < JOURNAL_MAX_SOURCES; i++)
        used += (size_t)snprintf(many + used, sizeof many - used, "%s\"s\"", i == 0 ? "" : ",");
    char *text = xasprintf(HEAD("") SEG("0", "", "5") "],\"sources\":[%s],\"source\":0}", many);
    CHECK(decodes(text));
    xfree(text);
    text = xasprintf(HEAD("") SEG("0", "", "5") "],\"sources\":[%s,\"s\"],\"source\":0}", many);
    CHECK(!decodes(text));
    xfree(text);
    for (size_t i = 0; i < sizeof bad_sources / sizeof bad_sources[0]; i++) {
        char *one = xasprintf(HEAD("") SEG("0", "", "5") "],%s}", bad_sources[i]);
        bool ok = decodes(one);
        CHECK(!ok);
        if (ok)
            fprintf(stderr, "  accepted: %s\n", one);
        xfree(one);
    }
}

static void
test_decode_limits(void)
{
    struct journal j;

    /* next at the end of its part and at the total is allowed, one more is not. */
    CHECK(decodes(HEAD("10") SEG("0", "10", "10") "]}"));
    CHECK(!decodes(HEAD("10") SEG("0", "9", "10") "]}"));
    CHECK(decodes(HEAD("10") SEG("0", "", "10") "]}"));
    CHECK(!decodes(HEAD("10") SEG("0", "", "11") "]}"));
    CHECK(decodes(HEAD("") SEG("0", "", "0") "]}"));
    CHECK(decodes(HEAD("") SEG("0", "0", "0") "]}"));
    /* A part's end at the total is allowed, past it not. */
    CHECK(!decodes(HEAD("10") SEG("0", "11", "5") "]}"));
    /* Each part starts where the one before ends, or later. */
    CHECK(decodes(HEAD("100") SEG("0", "50", "50") "," SEG("50", "100", "50") "]}"));
    CHECK(decodes(HEAD("100") SEG("0", "50", "50") "," SEG("51", "100", "51") "]}"));
    CHECK(!decodes(HEAD("100") SEG("0", "50", "50") "," SEG("49", "100", "49") "]}"));
    CHECK(!decodes(HEAD("100") SEG("0", "50", "50") "," SEG("60", "100", "59") "]}"));
    CHECK(decodes(HEAD("100") SEG("0", "50", "50") "," SEG("50", "", "50") "]}"));
    CHECK(!decodes(HEAD("") SEG("1", "", "1") "]}"));    /* the first starts at 0 */

    /* 64 parts are a journal, 65 are not. */
    char text[16384];
    for (int parts = 64; parts <= 65; parts++) {
        size_t n = (size_t)snprintf(text, sizeof text, "%s", HEAD(""));
        for (int i = 0; i < parts; i++)
            n += (size_t)snprintf(text + n, sizeof text - n,
                                  "%s{\"start\":\"%d\",\"end\":\"%d\",\"next\":\"%d\"}",
                                  i ? "," : "", i * 10, i * 10 + 10, i * 10 + 5);
        snprintf(text + n, sizeof text - n, "]}");
        bool ok = journal_decode(text, &j);
        CHECK(ok == (parts == JOURNAL_MAX_SEGMENTS));
        if (ok)
            CHECK(j.nsegments == JOURNAL_MAX_SEGMENTS && j.seg[63].next == 635);
        journal_clear(&j);
    }

    /* Validators: one that fills VALIDATOR_MAX with its NUL is refused. */
    char etag[VALIDATOR_MAX + 1];
    for (int len = VALIDATOR_MAX - 1; len <= VALIDATOR_MAX; len++) {
        memset(etag, 'e', (size_t)len);
        etag[len] = '\0';
        snprintf(text, sizeof text,
                 "{\"schema\":1,\"url\":\"u\",\"final_url\":\"f\",\"etag\":\"%s\","
                 "\"last_modified\":\"\",\"total\":\"\",\"segments\":[" SEG("0", "", "5") "]}",
                 etag);
        bool ok = journal_decode(text, &j);
        CHECK(ok == (len < VALIDATOR_MAX));
        if (ok)
            CHECK(strlen(j.etag) == (size_t)len && strcmp(j.final_url, "f") == 0);
        journal_clear(&j);
    }
}

static void
test_copy_and_encode(void)
{
    struct journal j, k;

    memset(&j, 0, sizeof j);
    j.url = NULL;    /* encoded as "" */
    j.nsegments = 2;
    j.seg[0] = (struct journal_segment){ .start = 0, .end = 10, .end_known = true, .next = 10 };
    j.seg[1] = (struct journal_segment){ .start = 10, .next = 12 };
    char *text = journal_encode(&j);
    CHECK(text != NULL);
    if (text == NULL)
        return;    /* the rest reads it */
    CHECK(strstr(text, "\"total\":\t\"\"") != NULL);
    bool ok = journal_decode(text, &k);
    xfree(text);
    CHECK(ok);
    if (!ok)
        return;
    CHECK(strcmp(k.url, "") == 0 && k.final_url == NULL && !k.total_known &&
          k.nsegments == 2 && !k.seg[1].end_known && k.seg[1].next == 12);

    struct journal c;
    journal_copy(&c, &k);
    CHECK(c.url != k.url && strcmp(c.url, k.url) == 0 && c.final_url == NULL &&
          c.nsegments == 2);
    journal_clear(&c);
    CHECK(c.url == NULL && c.final_url == NULL);
    k.final_url = xstrdup("http://f/");
    journal_copy(&c, &k);
    CHECK(c.final_url != k.final_url && strcmp(c.final_url, "http://f/") == 0);
    journal_clear(&c);
    /* The most sources a journal holds: each copied, nothing past them. */
    for (unsigned i = 0; i < JOURNAL_MAX_SOURCES; i++)
        k.sources[i] = xasprintf("http://m%u/", i);
    k.nsources = JOURNAL_MAX_SOURCES;
    k.source = 7;
    journal_copy(&c, &k);
    CHECK(c.nsources == JOURNAL_MAX_SOURCES && c.source == 7);
    for (unsigned i = 0; i < JOURNAL_MAX_SOURCES; i++)
        CHECK(c.sources[i] != k.sources[i] && strcmp(c.sources[i], k.sources[i]) == 0);
    journal_clear(&c);
    journal_clear(&k);
    journal_clear(&k);    /* twice is harmless */
}

/* A segment's "source": an index among the sources, or -1 (none named);
 * written for every part whose source is known, 0 included. */
static void
test_segment_sources(void)
{
#define SRC_SEG(src) "{\"start\":\"0\",\"end\":\"\",\"next\":\"5\",\"source\":" src "}"
#define SOURCES "],\"sources\":[\"a\",\"b\"],\"source\":0}"
    static const struct {
        const char *text;
        bool ok;
        int source;
    } cases[] = {
        { HEAD("") SRC_SEG("-1") SOURCES, true, -1 },
        { HEAD("") SRC_SEG("0") SOURCES, true, 0 },
        { HEAD("") SRC_SEG("1") SOURCES, true, 1 },
        { HEAD("") SRC_SEG("2") SOURCES, false, 0 },     /* no such source */
        { HEAD("") SRC_SEG("16") SOURCES, false, 0 },    /* past JOURNAL_MAX_SOURCES */
        { HEAD("") SRC_SEG("-2") SOURCES, false, 0 },
        { HEAD("") SRC_SEG("0.5") SOURCES, false, 0 },
        { HEAD("") SRC_SEG("\"0\"") SOURCES, false, 0 },
        { HEAD("") SRC_SEG("1e300") SOURCES, false, 0 }, /* out of int's range */
        { HEAD("") SRC_SEG("1e999") SOURCES, false, 0 }, /* infinity */
        { HEAD("") SRC_SEG("0") "]}", false, 0 },        /* a source, and no sources */
    };
#undef SRC_SEG
#undef SOURCES
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct journal j;
        bool ok = journal_decode(cases[i].text, &j);
        CHECK(ok == cases[i].ok);
        if (ok != cases[i].ok)
            fprintf(stderr, "  %s: %s\n", ok ? "accepted" : "refused", cases[i].text);
        if (ok && cases[i].ok)
            CHECK(j.nsegments == 1 && j.seg[0].source == cases[i].source);
        journal_clear(&j);
    }

    /* Encoded and read back: each part's source, 0 as well as 1. */
    struct journal k, back;
    memset(&k, 0, sizeof k);
    k.url = xstrdup("http://a/f");
    k.nsources = 2;
    k.sources[0] = xstrdup("http://a/f");
    k.sources[1] = xstrdup("http://b/f");
    k.source = 1;
    k.nsegments = 3;
    k.seg[0] = (struct journal_segment){ .end = 10, .end_known = true, .next = 4, .source = 0 };
    k.seg[1] = (struct journal_segment){ .start = 10, .end = 20, .end_known = true, .next = 15,
                                         .source = 1 };
    k.seg[2] = (struct journal_segment){ .start = 20, .next = 20, .source = -1 };
    char *text = journal_encode(&k);
    CHECK(text != NULL);
    if (text != NULL && journal_decode(text, &back)) {
        CHECK(back.nsources == 2 && back.source == 1 && back.nsegments == 3);
        CHECK(back.seg[0].source == 0 && back.seg[1].source == 1 && back.seg[2].source == -1);
        journal_clear(&back);
    } else {
        CHECK(!"the encoded journal reads back");
    }
    xfree(text);
    journal_clear(&k);
}

/* Every cJSON allocation in turn fails: no text, nothing leaked. */
static void
test_encode_out_of_memory(void)
{
    struct journal j;
    memset(&j, 0, sizeof j);
    j.url = xstrdup("http://example.org/f");
    j.final_url = xstrdup("http://cdn.example.org/f");
    strcpy(j.etag, "\"e\"");
    j.total_known = true;
    j.total = 100;
    j.nsegments = 2;
    j.seg[0] = (struct journal_segment){ .start = 0, .end = 50, .end_known = true, .next = 50 };
    j.seg[1] = (struct journal_segment){ .start = 50, .end = 100, .end_known = true, .next = 70 };
    /* Several sources: their array and index are allocations too. */
    j.nsources = 2;
    j.sources[0] = xstrdup("http://a.example/f");
    j.sources[1] = xstrdup("http://b.example/f");
    j.source = 1;

    cJSON_Hooks hooks = { .malloc_fn = t_malloc, .free_fn = t_free };
    cJSON_InitHooks(&hooks);
    long n;
    for (n = 1; n < 10000; n++) {
        calls = 0;
        fail_at = n;
        char *text = journal_encode(&j);
        bool hit = calls >= n;
        fail_at = 0;
        CHECK(live == 0);
        CHECK(hit == (text == NULL));
        xfree(text);
        if (!hit)
            break;
    }
    CHECK(n > 20 && n < 10000);    /* every object and string was tried */
    cJSON_InitHooks(NULL);
    journal_clear(&j);
}

static char *
path_in(const char *dir, const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

static void
test_save_failures(const char *dir)
{
    struct journal j, k;
    memset(&j, 0, sizeof j);
    j.url = xstrdup("http://example.org/f");
    j.nsegments = 1;
    j.seg[0] = (struct journal_segment){ .start = 0, .next = 7 };
    char *path = path_in(dir, "j");
    char *tmp = path_in(dir, "j.tmp");

    /* The data file cannot be synced (a descriptor that is not open). */
    CHECK(journal_save(path, &j, 1000, NULL, true, NULL) == EBADF);
    CHECK(access(tmp, F_OK) != 0 && access(path, F_OK) != 0);
    /* A data descriptor fdatasync() does not apply to (a pipe) is fine. */
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK(journal_save(path, &j, p[1], NULL, true, NULL) == 0);
    close(p[0]);
    close(p[1]);
    CHECK(journal_load(path, &k) == 0 && k.seg[0].next == 7);
    journal_clear(&k);
    unlink(path);

    /* The text cannot be made (cJSON out of memory): nothing is written. */
    cJSON_Hooks hooks = { .malloc_fn = t_malloc, .free_fn = t_free };
    cJSON_InitHooks(&hooks);
    calls = 0;
    fail_at = 1;
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == ENOMEM);
    fail_at = 0;
    cJSON_InitHooks(NULL);
    CHECK(live == 0 && access(tmp, F_OK) != 0 && access(path, F_OK) != 0);

    /* The directory does not exist. */
    char *nodir = path_in(dir, "missing/j");
    CHECK(journal_save(nodir, &j, -1, NULL, true, NULL) == ENOENT);
    xfree(nodir);
    /* A symbolic link at the temporary file's name (to /dev/full here) is
     * never written through nor removed: ELOOP, nothing saved. */
    CHECK(symlink("/dev/full", tmp) == 0);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == ELOOP);
    struct stat lst;
    CHECK(lstat(tmp, &lst) == 0 && S_ISLNK(lst.st_mode) && access(path, F_OK) != 0);
    unlink(tmp);
    /* A stale regular file there (a save cut short) is replaced. */
    int stale = open(tmp, O_WRONLY | O_CREAT, 0600);
    CHECK(stale >= 0);
    if (stale >= 0)
        close(stale);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == 0);
    CHECK(access(tmp, F_OK) != 0 && journal_load(path, &k) == 0 && k.seg[0].next == 7);
    journal_clear(&k);
    unlink(path);
    /* The rename fails (a directory is in the way); the old one stays. */
    CHECK(mkdir(path, 0700) == 0);
    char *in = path_in(path, "x");
    int fd0 = open(in, O_WRONLY | O_CREAT, 0600);
    CHECK(fd0 >= 0);
    if (fd0 >= 0)
        close(fd0);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == EISDIR);
    CHECK(access(tmp, F_OK) != 0);
    unlink(in);
    rmdir(path);
    xfree(in);

    /* journal_load() reads 16383 bytes at most: a journal padded to that
     * length loads, one a byte longer does not. */
    char *text = journal_encode(&j);
    CHECK(text != NULL);
    for (size_t size = 16382; text != NULL && size <= 16384; size++) {
        FILE *f = fopen(path, "w");
        CHECK(f != NULL && fputs(text, f) >= 0);
        for (size_t i = strlen(text); f != NULL && i < size; i++)
            fputc(' ', f);
        CHECK(f != NULL && fclose(f) == 0);
        int rc = journal_load(path, &k);
        CHECK(rc == (size <= 16383 ? 0 : EINVAL));
        CHECK(rc != 0 || k.seg[0].next == 7);
        journal_clear(&k);
    }
    xfree(text);
    unlink(path);
    /* A relative path: the directory to sync is ".". */
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(dir) == 0);
    CHECK(journal_save("rel", &j, -1, NULL, true, NULL) == 0);
    CHECK(journal_load("rel", &k) == 0 && k.seg[0].next == 7);
    journal_clear(&k);
    unlink("rel");
    CHECK(chdir(cwd) == 0);

#ifdef HAUL_FAULTS
    /* What the file system will not do on request. */
    CHECK(fault_configure("write:file@1=EINTR") == 0);    /* retried */
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == 0 && fault_fired() == 1);
    CHECK(fault_configure("close:file=EIO") == 0);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == EIO && fault_fired() == 1);
    CHECK(access(tmp, F_OK) != 0);
    CHECK(fault_configure("open:/j.tmp=EACCES") == 0);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == EACCES);
    CHECK(fault_configure("fsync:file=EIO") == 0);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == EIO);
    /* The disk is full, or fsync is refused: the temporary file goes. */
    CHECK(fault_configure("write:file=ENOSPC") == 0);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == ENOSPC && fault_fired() == 1);
    CHECK(access(tmp, F_OK) != 0);
    CHECK(fault_configure("fsync:file=EINVAL") == 0);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == EINVAL && fault_fired() == 1);
    CHECK(access(tmp, F_OK) != 0);
    /* The directory: cannot be opened, or its fsync fails (not EINVAL). */
    char *spec = xasprintf("open:%s=EMFILE", dir);    /* the path ends so */
    CHECK(fault_configure(spec) == 0);
    xfree(spec);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == EMFILE && fault_fired() == 1);
    CHECK(fault_configure("fsync:dir=EIO") == 0);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == EIO && fault_fired() == 1);
    CHECK(fault_configure("fsync:dir=EINVAL") == 0);    /* some file systems */
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == 0 && fault_fired() == 1);
    /* "written" patched in place: an interrupted pwrite is retried; a
     * value already there is not written again (a failing pwrite shows
     * whether it was tried); a failing write is the error. */
    CHECK(fault_configure(NULL) == 0);
    struct journal_file jf;
    CHECK(journal_save(path, &j, -1, NULL, false, &jf) == 0);
    struct journal pj = j;
    pj.seg[0].written = 9;
    CHECK(fault_configure("pwrite:file@1=EINTR") == 0);
    CHECK(journal_patch_written(&jf, &pj) == 0 && fault_fired() == 1);
    CHECK(journal_load(path, &k) == 0 && k.seg[0].written == 9);
    journal_clear(&k);
    CHECK(fault_configure("pwrite:file=EIO") == 0);
    CHECK(journal_patch_written(&jf, &pj) == 0 && fault_fired() == 0);
    pj.seg[0].written = 11;
    CHECK(journal_patch_written(&jf, &pj) == EIO && fault_fired() == 1);
    CHECK(fault_configure(NULL) == 0);
    CHECK(journal_load(path, &k) == 0 && k.seg[0].written == 9);
    journal_clear(&k);
    journal_file_close(&jf);
    /* journal_load(): an interrupted read is retried. */
    CHECK(fault_configure("read:file@1=EINTR") == 0);
    CHECK(journal_load(path, &k) == 0 && fault_fired() == 1 && k.seg[0].written == 9);
    journal_clear(&k);
    /* The temporary file: two tries at most when its name stays taken
     * (EEXIST with nothing there: gone meanwhile, each time)... */
    CHECK(fault_configure("open:/j.tmp=EEXIST") == 0);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == EEXIST && fault_fired() == 2);
    /* ... and a stale one that cannot be removed is the error. */
    CHECK(fault_configure(NULL) == 0);
    int left = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(left >= 0 && close(left) == 0);
    CHECK(fault_configure("unlink:/j.tmp=EACCES") == 0);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == EACCES && fault_fired() == 1);
    CHECK(fault_configure(NULL) == 0);
    unlink(tmp);
    unlink(path);
#else
    printf("test_journal_edges: not a fault-injection build; close(), EINTR and the "
           "directory's failures are not tried\n");
#endif
    xfree(tmp);
    xfree(path);
    journal_clear(&j);
}

int
main(void)
{
    char dir[] = "/tmp/haul-journal-edges-XXXXXX";

    /* A retry loop gone wrong hangs: fail instead. */
    alarm(120);
    mem_init(false);
    test_decode_fields();
    test_decode_limits();
    test_copy_and_encode();
    test_segment_sources();
    test_encode_out_of_memory();
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_save_failures(dir);
    rmdir(dir);
    return check_done("test_journal_edges");
}
