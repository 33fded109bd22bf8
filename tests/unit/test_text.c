/* Unit tests of src/text.c: text from outside, for terminals, JSON, URLs
 * and -O names. */
#include "config.h"

#include <stdlib.h>

#include "check.h"
#include "mem.h"
#include "text.h"

static size_t
seq(const char *s)
{
    return text_utf8_seq(s, strlen(s));
}

/* text_escape_term() of s into a static buffer. */
static const char *
term(const char *s, size_t cap)
{
    static char buf[256];
    text_escape_term(s, strlen(s), buf, cap);
    return buf;
}

/* text_shorten_words() of s, as a string. */
static const char *
shorten(const char *s)
{
    static char buf[4096];
    size_t n = strlen(s);
    memcpy(buf, s, n);
    buf[text_shorten_words(buf, n)] = '\0';
    return buf;
}

static const char *
name(const char *seg, const char **why)
{
    static char buf[256];
    char *n = text_name_from_segment(seg, strlen(seg), why);
    if (n == NULL)
        return NULL;
    snprintf(buf, sizeof buf, "%s", n);
    xfree(n);
    return buf;
}

int
main(void)
{
    const char *why;
    char *s;

    mem_init(false);

    /* UTF-8 sequences, RFC 3629. */
    CHECK(seq("a") == 1);
    CHECK(seq("\xC3\xA9") == 2);
    CHECK(seq("\xE2\x82\xAC") == 3);
    CHECK(seq("\xF0\x9F\x98\x80") == 4);
    CHECK(seq("\xFF") == 0);
    CHECK(seq("\x80") == 0);               /* a lone continuation byte */
    CHECK(seq("\xC0\xAF") == 0);           /* overlong '/' */
    CHECK(seq("\xC1\xBF") == 0);
    CHECK(seq("\xE0\x80\xAF") == 0);       /* overlong */
    CHECK(seq("\xED\xA0\x80") == 0);       /* a surrogate */
    CHECK(seq("\xF4\x90\x80\x80") == 0);   /* past U+10FFFF */
    CHECK(seq("\xF5\x80\x80\x80") == 0);
    CHECK(seq("\xC3") == 0);               /* cut short */
    CHECK(seq("\xE2\x82") == 0);
    CHECK(seq("\xC3(") == 0);
    CHECK(text_utf8_seq("", 0) == 0);

    CHECK(text_is_control("\x1b", 1));
    CHECK(text_is_control("\x7f", 1));
    CHECK(text_is_control("\t", 1));
    CHECK(text_is_control("\xC2\x9B", 2));   /* C1 CSI */
    CHECK(!text_is_control("\xC2\xA0", 2));
    CHECK(!text_is_control(" ", 1));
    CHECK(text_is_clean("caf\xC3\xA9 ok", 8));
    CHECK(!text_is_clean("a\x1b", 2));
    CHECK(!text_is_clean("a\xFF", 2));

    /* Terminals: escapes, never a split one. */
    CHECK_STR(term("plain caf\xC3\xA9", 256), "plain caf\xC3\xA9");
    CHECK_STR(term("\x1b]0;title\x07", 256), "\\x1B]0;title\\x07");
    CHECK_STR(term("a\xFF" "b\xC2\x9B" "c", 256), "a\\xFFb\\xC2\\x9Bc");
    CHECK_STR(term("a\nb\r", 256), "a\\x0Ab\\x0D");
    CHECK_STR(term("ab\x1b", 6), "ab");        /* "\x1B" does not fit whole */
    CHECK_STR(term("ab\xC3\xA9", 4), "ab");    /* nor half of an e-acute */
    CHECK_STR(term("abc", 1), "");

    /* Long words shortened in the middle; the words around them stay. */
    char as[1001], url[1100];
    memset(as, 'a', 1000);
    as[1000] = '\0';
    snprintf(url, sizeof url, "http://h/%sz:", as);
    char msg[1200];
    snprintf(msg, sizeof msg, "%s server answered HTTP 404", url);
    const char *sh = shorten(msg);
    CHECK(strlen(sh) == 100 + 3 + 50 + strlen(" server answered HTTP 404"));
    CHECK(strncmp(sh, "http://h/aaa", 12) == 0);
    CHECK(strstr(sh, "aaa...aaa") != NULL);
    CHECK(strstr(sh, "aaz: server answered HTTP 404") != NULL);
    CHECK_STR(shorten("short words stay as they are"), "short words stay as they are");
    char edge[200];
    memset(edge, 'b', 160);
    edge[160] = '\0';
    CHECK_STR(shorten(edge), edge);            /* 160 characters: kept */
    /* Characters, not bytes: 161 e-acutes become 100 + "..." + 50. */
    char wide[400];
    for (int i = 0; i < 161; i++)
        memcpy(wide + 2 * i, "\xC3\xA9", 2);
    wide[322] = '\0';
    sh = shorten(wide);
    CHECK(text_width(sh) == 153);
    CHECK(strlen(sh) == 2 * 150 + 3);

    CHECK(text_width("caf\xC3\xA9") == 4);
    CHECK(text_width("a\xFF") == 2);

    /* JSON: U+FFFD per byte that is not UTF-8. */
    s = text_utf8_repair("a\xFF" "b\xC3\xA9\xC3");
    CHECK_STR(s, "a\xEF\xBF\xBD" "b\xC3\xA9\xEF\xBF\xBD");
    xfree(s);
    s = text_utf8_repair("\x1b ok");             /* cJSON escapes controls */
    CHECK_STR(s, "\x1b ok");
    xfree(s);
    CHECK(text_utf8_repair(NULL) == NULL);
    cJSON *o = cJSON_CreateObject();
    text_json_add(o, "k", "x\xFE");
    char *j = cJSON_PrintUnformatted(o);
    CHECK_STR(j, "{\"k\":\"x\xEF\xBF\xBD\"}");
    cJSON_free(j);
    cJSON_Delete(o);

    /* URLs: %HH for what may not stay raw. */
    s = text_url_clean("http://h/a\xFF\x1b" "b\xC3\xA9\x7f");
    CHECK_STR(s, "http://h/a%FF%1Bb\xC3\xA9%7F");
    xfree(s);

    /* -O names. */
    CHECK_STR(name("file.iso", &why), "file.iso");
    CHECK_STR(name("a%20b", &why), "a b");
    CHECK_STR(name("caf%C3%A9", &why), "caf\xC3\xA9");
    CHECK_STR(name("a%1B%5d0%3Bt%07", &why), "a%1B]0;t%07");
    CHECK_STR(name("%0A%0d%7F%c2%9b", &why), "%0A%0d%7F%c2%9b");
    CHECK_STR(name("x%FF%C3", &why), "x%FF%C3");
    CHECK_STR(name("x\xFFy", &why), "x%FFy");
    CHECK_STR(name("100%", &why), "100%");     /* not an escape */
    CHECK_STR(name("%zz%4", &why), "%zz%4");
    CHECK_STR(name("a%5Cb", &why), "a\\b");
    CHECK(name("a%2Fb", &why) == NULL);
    CHECK_STR(why, "%2F in the last part of the URL path would put a '/' in the file name");
    CHECK(name("", &why) == NULL);
    CHECK_STR(why, "no file name in the URL path");
    CHECK(name("%2e%2E", &why) == NULL);
    CHECK(name(".", &why) == NULL);
    CHECK(name("-", &why) == NULL);
    CHECK_STR(name("%2D-", &why), "--");
    return check_done("test_text");
}
