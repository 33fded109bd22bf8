/*
 * Unit tests of one --input-file line (src/inputline.c): the URL, its
 * mirrors and the output name, comments, the byte order mark, and the
 * shard hash.  Every line is parsed from a buffer of exactly its own size,
 * as getline() may hand one over, so that under AddressSanitizer a read
 * one byte past the line's end fails here (the fuzzer once found such a
 * read after the last mirror).
 */
#include "config.h"

#include <stdlib.h>

#include "check.h"
#include "inputline.h"

/* The words of one parsed line, in order: URL, mirrors, then the output
 * name (or "-" when none), and whether the line is well formed. */
struct parsed {
    bool job;
    const char *words[8];
    size_t nwords;
    bool ok;
};

static struct parsed
parse_exact(const char *text, unsigned lineno, char **buf)
{
    struct parsed p = { 0 };
    size_t n = strlen(text) + 1;
    *buf = malloc(n);
    if (*buf == NULL)
        abort();
    memcpy(*buf, text, n);
    struct inputline in;
    p.job = inputline_parse(*buf, lineno, &in);
    if (!p.job)
        return p;
    p.words[p.nwords++] = in.url;
    for (char *m; inputline_take_mirror(&in, &m) && p.nwords < 7;)
        p.words[p.nwords++] = m;
    CHECK(!inputline_take_mirror(&in, &(char *){ NULL }));
    p.words[p.nwords++] = in.output != NULL ? in.output : "-";
    p.ok = in.ok;
    return p;
}

static void
check_line(const char *text, unsigned lineno, bool ok, const char *const *want)
{
    char *buf;
    struct parsed p = parse_exact(text, lineno, &buf);
    if (want == NULL) {    /* no job on this line */
        CHECK(!p.job);
        free(buf);
        return;
    }
    size_t nwant = 0;
    while (want[nwant] != NULL)
        nwant++;
    CHECK(p.job);
    CHECK_U64(p.nwords, nwant);
    for (size_t i = 0; i < p.nwords && i < nwant; i++)
        CHECK_STR(p.words[i], want[i]);
    CHECK(p.ok == ok);
    free(buf);
}

#define WORDS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void
check_lines(void)
{
    check_line("http://a/x", 2, true, WORDS("http://a/x", "-"));
    check_line("http://a/x out", 2, true, WORDS("http://a/x", "out"));
    /* The last mirror ends at the line's own NUL. */
    check_line("http://a/x http://b/x", 2, true, WORDS("http://a/x", "http://b/x", "-"));
    check_line("http://a/x http://b/x http://c/x", 2, true,
               WORDS("http://a/x", "http://b/x", "http://c/x", "-"));
    check_line("  http://a/x \t http://b/x   http://c/x \t", 2, true,
               WORDS("http://a/x", "http://b/x", "http://c/x", "-"));
    check_line("http://a/x http://b/x my file.iso", 2, true,
               WORDS("http://a/x", "http://b/x", "my file.iso"));
    check_line("http://a/x http://b/x  out  # a comment", 2, true,
               WORDS("http://a/x", "http://b/x", "out"));
    check_line("http://a/x#frag out", 2, true, WORDS("http://a/x#frag", "out"));
    /* A URL where the name goes: reported, not guessed at. */
    check_line("http://a/x out http://b/x", 2, false, WORDS("http://a/x", "out http://b/x"));
    check_line("", 2, true, NULL);
    check_line("   \t", 2, true, NULL);
    check_line("# http://a/x", 2, true, NULL);
    check_line("\xEF\xBB\xBFhttp://a/x", 1, true, WORDS("http://a/x", "-"));
    check_line("\xEF\xBB\xBF# comment", 1, true, NULL);
}

static void
check_shards(void)
{
    /* FNV-1a 64: the published test vectors. */
    CHECK_U64(inputline_hash(""), UINT64_C(0xcbf29ce484222325));
    CHECK_U64(inputline_hash("a"), UINT64_C(0xaf63dc4c8601ec8c));
    CHECK_U64(inputline_hash("foobar"), UINT64_C(0x85944171f73967e8));
    CHECK(inputline_in_shard("http://a/x", 0, 0));
    CHECK(inputline_in_shard("http://a/x", 0, 1));
    /* Each URL in exactly one of N shards. */
    static const char *const urls[] = { "http://a/1", "http://a/2", "https://b/c?d", "" };
    for (size_t i = 0; i < sizeof urls / sizeof *urls; i++) {
        unsigned in = 0;
        for (unsigned k = 0; k < 7; k++)
            in += inputline_in_shard(urls[i], k, 7);
        CHECK_U64(in, 1);
        CHECK(inputline_in_shard(urls[i], (unsigned)(inputline_hash(urls[i]) % 7), 7));
    }
}

int
main(void)
{
    check_lines();
    check_shards();
    return check_done("test_inputline");
}
