/* Unit tests of src/journal.c: encode, decode, save, load, the "written"
 * offsets updated in place, and which offset -c trusts. */
#include "config.h"

#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "journal.h"
#include "mem.h"

int
main(void)
{
    struct journal j, k;
    char dir[] = "/tmp/haul-journal-XXXXXX";

    mem_init(false);
    /* This machine's boot id, as the kernel gives it: a 36-character
     * UUID, kept (only what is not one is dropped). */
    char boot[JOURNAL_BOOT_ID_MAX];
    journal_boot_id(boot);
    if (access("/proc/sys/kernel/random/boot_id", R_OK) == 0)
        CHECK(strlen(boot) == 36 && strspn(boot, "0123456789abcdef-") == 36);
    memset(&j, 0, sizeof j);
    j.url = xstrdup("http://example.org/f");
    j.final_url = xstrdup("http://cdn.example.org/f");
    strcpy(j.etag, "\"abc\"");
    strcpy(j.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
    j.total_known = true;
    j.total = UINT64_C(9007199254740993);    /* beyond a double's precision */
    j.nsegments = 1;
    j.seg[0] = (struct journal_segment){ .start = 0, .end = j.total, .end_known = true,
                                         .next = UINT64_C(9007199254740991) };

    char *text = journal_encode(&j);
    CHECK(text != NULL);
    if (text == NULL)
        return check_done("test_journal");    /* the rest reads text */
    CHECK(strstr(text, "\"9007199254740993\"") != NULL);
    CHECK(journal_decode(text, &k));
    CHECK_STR(k.url, j.url);
    CHECK_STR(k.final_url, j.final_url);
    CHECK_STR(k.etag, j.etag);
    CHECK(k.total_known && k.total == j.total);
    CHECK(k.nsegments == 1 && k.seg[0].next == j.seg[0].next && k.seg[0].end_known);
    /* One source: no segment names one. */
    CHECK(k.seg[0].source == -1 && strstr(text, "\"source\"") == NULL);
    journal_clear(&k);
    xfree(text);

    /* Several sources: recorded with the one the bytes came from. */
    j.nsources = 2;
    j.sources[0] = xstrdup("http://a.example/f");
    j.sources[1] = xstrdup("http://b.example/f");
    j.source = 1;
    j.seg[0].source = 1;    /* -x: the source each part is fetched from */
    text = journal_encode(&j);
    CHECK(text != NULL && journal_decode(text, &k));
    CHECK(k.nsources == 2 && k.source == 1 && k.seg[0].source == 1);
    if (k.nsources == 2)
        CHECK_STR(k.sources[1], "http://b.example/f");
    journal_clear(&k);
    xfree(text);
    xfree(j.sources[0]);
    xfree(j.sources[1]);
    /* One source is the URL itself: no list, the journal of one URL. */
    j.nsources = 1;
    j.sources[0] = xstrdup("http://a.example/f");
    j.source = 0;
    text = journal_encode(&j);
    CHECK(text != NULL && strstr(text, "\"sources\"") == NULL && strstr(text, "\"source\"") == NULL);
    xfree(text);
    xfree(j.sources[0]);
    j.nsources = 0;
    /* An index outside the list, or a list without an index: refused. */
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"\",\"next\":\"5\"}],\"sources\":[\"a\",\"b\"],\"source\":2}", &k));
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"\",\"next\":\"5\"}],\"sources\":[\"a\",\"b\"]}", &k));

    /* A segment's source outside the list: refused (and nothing leaks). */
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"\",\"next\":\"5\",\"source\":2}],\"sources\":[\"a\",\"b\"],"
                          "\"source\":1}", &k));

    /* Invalid journals are refused, not half-read. */
    CHECK(!journal_decode("", &k));
    CHECK(!journal_decode("{}", &k));
    CHECK(!journal_decode("{\"schema\":2,\"url\":\"\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"\",\"next\":\"5\"}]}", &k));
    CHECK(journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                         "\"last_modified\":\"\",\"total\":\"\",\"segments\":[{\"start\":\"0\","
                         "\"end\":\"\",\"next\":\"5\"}]}", &k));
    CHECK(k.final_url == NULL && !k.total_known && k.seg[0].next == 5);
    journal_clear(&k);
    /* next beyond end, a number instead of a string, a negative string. */
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"10\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"10\",\"next\":\"11\"}]}", &k));
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"\",\"next\":5}]}", &k));
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"\",\"next\":\"-5\"}]}", &k));
    /* A first part that does not start at 0: -c would take [0, 100) as held. */
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\\\"e\\\"\","
                          "\"last_modified\":\"\",\"total\":\"\",\"segments\":[{\"start\":\"100\","
                          "\"end\":\"\",\"next\":\"200\"}]}", &k));
    /* next beyond the total; parts that overlap or come out of order. */
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"10\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"\",\"next\":\"11\"}]}", &k));
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"100\",\"segments\":["
                          "{\"start\":\"0\",\"end\":\"50\",\"next\":\"10\"},"
                          "{\"start\":\"40\",\"end\":\"100\",\"next\":\"60\"}]}", &k));
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"\",\"total\":\"100\",\"segments\":["
                          "{\"start\":\"0\",\"end\":\"\",\"next\":\"10\"},"
                          "{\"start\":\"50\",\"end\":\"100\",\"next\":\"60\"}]}", &k));
    CHECK(journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                         "\"last_modified\":\"\",\"total\":\"100\",\"segments\":["
                         "{\"start\":\"0\",\"end\":\"50\",\"next\":\"10\"},"
                         "{\"start\":\"50\",\"end\":\"100\",\"next\":\"60\"}]}", &k));
    journal_clear(&k);
    /* A validator with a control character: haul never writes one, and it
     * would go back to the server in If-Range. */
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\","
                          "\"last_modified\":\"Sun, 06 Nov 1994 08:49:37 GMT\\rX-A: b\","
                          "\"total\":\"\",\"segments\":[{\"start\":\"0\","
                          "\"end\":\"\",\"next\":\"5\"}]}", &k));

    /* A journal of an older haul: no boot_id, no written (== next). */
    CHECK(journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\",\"last_modified\""
                         ":\"\",\"total\":\"100\",\"segments\":[{\"start\":\"0\",\"end\":\"50\","
                         "\"next\":\"10\"},{\"start\":\"50\",\"end\":\"100\",\"next\":\"60\"}]}", &k));
    CHECK(k.boot_id[0] == '\0');
    CHECK_U64(k.seg[0].written, 10);
    CHECK_U64(k.seg[1].written, 60);
    CHECK_U64(journal_resume_at(&k, 1, "", 100), 60);
    journal_clear(&k);
    /* written: at least next, within the part and the total; boot_id: a
     * boot id's characters only. */
#define SEG1(w) "{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\",\"last_modified\":\"\"," \
                "\"total\":\"100\",\"boot_id\":\"ab-1\",\"segments\":[{\"start\":\"0\",\"end\":\"50\"," \
                "\"next\":\"10\",\"written\":\"" w "\"}]}"
    CHECK(journal_decode(SEG1("00000000000000000042"), &k));
    CHECK_U64(k.seg[0].written, 42);
    CHECK_STR(k.boot_id, "ab-1");
    journal_clear(&k);
    CHECK(journal_decode(SEG1("10"), &k));
    journal_clear(&k);
    CHECK(!journal_decode(SEG1("9"), &k));
    CHECK(!journal_decode(SEG1("51"), &k));
    CHECK(!journal_decode(SEG1(""), &k));
    CHECK(!journal_decode(SEG1("-1"), &k));
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\",\"last_modified\":"
                          "\"\",\"total\":\"\",\"boot_id\":\"\\u001b]0;x\\u0007\",\"segments\":[{\"start\":"
                          "\"0\",\"end\":\"\",\"next\":\"5\"}]}", &k));
    CHECK(!journal_decode("{\"schema\":1,\"url\":\"u\",\"final_url\":\"\",\"etag\":\"\",\"last_modified\":"
                          "\"\",\"total\":\"\",\"boot_id\":5,\"segments\":[{\"start\":"
                          "\"0\",\"end\":\"\",\"next\":\"5\"}]}", &k));

    /* Encoded: written zero-padded to a fixed width, found where it is. */
    struct journal w;
    memset(&w, 0, sizeof w);
    w.url = xstrdup("http://example.org/\"written\": \"segments\":");    /* keys in a value */
    w.total_known = true;
    w.total = 100;
    strcpy(w.boot_id, "0c3f2f4e-1b8b-4a47-9d4f-0123456789ab");
    w.nsegments = 2;
    w.seg[0] = (struct journal_segment){ .start = 0, .end = 50, .end_known = true, .next = 10,
                                         .written = 20 };
    w.seg[1] = (struct journal_segment){ .start = 50, .end = 100, .end_known = true, .next = 60,
                                         .written = 55 };    /* below next: next is written */
    size_t at[2];
    text = journal_encode_at(&w, at);
    CHECK(text != NULL);
    if (text != NULL) {
        CHECK(strncmp(text + at[0], "00000000000000000020", 20) == 0);
        CHECK(strncmp(text + at[1], "00000000000000000060", 20) == 0);
        CHECK(journal_decode(text, &k));
        CHECK_STR(k.boot_id, w.boot_id);
        CHECK_U64(k.seg[0].written, 20);
        CHECK_U64(k.seg[1].written, 60);
        /* Same boot: written, if the file holds it; another boot, or none
         * known: next. */
        CHECK_U64(journal_resume_at(&k, 0, w.boot_id, 100), 20);
        CHECK_U64(journal_resume_at(&k, 0, w.boot_id, 19), 10);
        CHECK_U64(journal_resume_at(&k, 0, w.boot_id, 20), 20);    /* exactly what it holds */
        CHECK_U64(journal_resume_at(&k, 0, "0c3f2f4e-1b8b-4a47-9d4f-0123456789ac", 100), 10);
        CHECK_U64(journal_resume_at(&k, 0, "", 100), 10);
        CHECK_U64(journal_resume_at(&k, 0, NULL, 100), 10);
        journal_clear(&k);
        xfree(text);
    }

    /* Save and load through a file. */
    CHECK(mkdtemp(dir) != NULL);
    char *path = xasprintf("%s/f.part.haul", dir);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == 0);
    /* An obsolete save does not land, and leaves no temporary file. */
    uv_mutex_t m;
    bool obsolete = true;
    uv_mutex_init(&m);
    struct journal_gate gate = { &m, &obsolete };
    unlink(path);
    CHECK(journal_save(path, &j, -1, &gate, true, NULL) == ECANCELED);
    CHECK(access(path, F_OK) != 0);
    obsolete = false;
    CHECK(journal_save(path, &j, -1, &gate, true, NULL) == 0);
    uv_mutex_destroy(&m);
    CHECK(journal_load(path, &k) == 0);
    CHECK(k.seg[0].next == j.seg[0].next);
    journal_clear(&k);
    char *tmp = xasprintf("%s.tmp", path);
    CHECK(access(tmp, F_OK) != 0);    /* the temporary file was renamed */
    unlink(path);
    CHECK(journal_load(path, &k) == ENOENT);

    /* Kept open, "written" is updated in place: up only, never below
     * next, never past the part, nothing for another layout. */
    struct journal_file jf;
    CHECK(journal_save(path, &w, -1, NULL, false, &jf) == 0);
    CHECK(jf.fd >= 0);
    struct journal u = w;
    u.seg[0].written = 45;
    u.seg[1].written = 58;    /* below next (60): left as it is */
    CHECK(journal_patch_written(&jf, &u) == 0);
    CHECK(journal_load(path, &k) == 0);
    CHECK_U64(k.seg[0].written, 45);
    CHECK_U64(k.seg[0].next, 10);
    CHECK_U64(k.seg[1].written, 60);
    journal_clear(&k);
    u.seg[0].written = 30;     /* backwards */
    u.seg[1].written = 101;    /* past the part */
    CHECK(journal_patch_written(&jf, &u) == 0);
    u.seg[1].written = 100;
    CHECK(journal_patch_written(&jf, &u) == 0);
    CHECK(journal_load(path, &k) == 0);
    CHECK_U64(k.seg[0].written, 45);
    CHECK_U64(k.seg[1].written, 100);
    journal_clear(&k);
    u.nsegments = 1;
    CHECK(journal_patch_written(&jf, &u) == ESTALE);
    u.nsegments = 2;
    u.seg[1].start = 40;
    CHECK(journal_patch_written(&jf, &u) == ESTALE);
    journal_file_close(&jf);
    CHECK(jf.fd == -1);
    CHECK(journal_patch_written(&jf, &w) == EBADF);

    /* The most parts a journal holds: each one's written offset is kept
     * and updated in place, none of them past the last. */
    struct journal most;
    memset(&most, 0, sizeof most);
    most.url = xstrdup("http://example.org/m");
    most.total_known = true;
    most.total = 100 * JOURNAL_MAX_SEGMENTS;
    most.nsegments = JOURNAL_MAX_SEGMENTS;
    for (unsigned i = 0; i < JOURNAL_MAX_SEGMENTS; i++)
        most.seg[i] = (struct journal_segment){ .start = 100 * i, .end = 100 * i + 100,
                                             .end_known = true, .next = 100 * i + 10,
                                             .written = 100 * i + 20 };
    CHECK(journal_save(path, &most, -1, NULL, false, &jf) == 0);
    for (unsigned i = 0; i < JOURNAL_MAX_SEGMENTS; i++)
        most.seg[i].written = 100 * i + 30 + i % 7;
    CHECK(journal_patch_written(&jf, &most) == 0);
    CHECK(journal_load(path, &k) == 0);
    CHECK(k.nsegments == JOURNAL_MAX_SEGMENTS);
    for (unsigned i = 0; i < k.nsegments && i < JOURNAL_MAX_SEGMENTS; i++)
        CHECK(k.seg[i].start == 100 * i && k.seg[i].written == 100 * i + 30 + i % 7);
    journal_clear(&k);
    journal_file_close(&jf);
    xfree(most.url);

    /* The temporary file's name: a stale regular file is replaced; a
     * symbolic link or a directory is refused and left alone, and what a
     * link points to is never written. */
    char *victim = xasprintf("%s/victim", dir);
    int vfd = open(victim, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(vfd >= 0 && write(vfd, "victim\n", 7) == 7);
    if (vfd >= 0)
        close(vfd);
    vfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(vfd >= 0 && write(vfd, "stale", 5) == 5);
    if (vfd >= 0)
        close(vfd);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == 0);
    CHECK(access(tmp, F_OK) != 0);
    CHECK(symlink(victim, tmp) == 0);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == ELOOP);
    struct stat st;
    CHECK(lstat(tmp, &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(stat(victim, &st) == 0 && st.st_size == 7);
    unlink(tmp);
    CHECK(mkdir(tmp, 0700) == 0);
    CHECK(journal_save(path, &j, -1, NULL, true, NULL) == EEXIST);
    rmdir(tmp);
    /* A journal's own name as a symbolic link is not followed when read. */
    unlink(path);
    CHECK(symlink(victim, path) == 0);
    CHECK(journal_load(path, &k) == ELOOP);
    unlink(path);
    CHECK(mkfifo(path, 0600) == 0);
    CHECK(journal_load(path, &k) == EINVAL);
    unlink(path);
    unlink(victim);
    rmdir(dir);
    xfree(victim);
    xfree(tmp);
    xfree(path);
    journal_clear(&w);
    journal_clear(&j);
    return check_done("test_journal");
}
