/*
 * inputline.c - one --input-file line and its shard; see inputline.h.
 *
 * The shard of a URL is FNV-1a 64 of the URL exactly as the line (or the
 * command line) writes it, modulo N: stable across machines, runs and
 * versions of haul, so N processes given the same list take every line
 * once without talking to each other.  The output name is left out of the
 * hash on purpose: two lines with one URL land in the same shard.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "inputline.h"

static char *
trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Ends the word at s (with a NUL) and returns the start of the next one
 * (the end of the string when there is none). */
static char *
next_word(char *s)
{
    while (*s != '\0' && !isspace((unsigned char)*s))
        s++;
    if (*s != '\0')
        *s++ = '\0';
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

/* Whether the word at s (up to white space) holds "://". */
static bool
word_is_url(const char *s)
{
    const char *p = strstr(s, "://");
    return p != NULL && p < s + strcspn(s, " \t\n\v\f\r");
}

bool
inputline_parse(char *s, unsigned lineno, struct inputline *out)
{
    if (lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    for (char *c = s; (c = strchr(c, '#')) != NULL; c++) {
        if (c == s || isspace((unsigned char)c[-1])) {
            *c = '\0';
            break;
        }
    }
    s = trim(s);
    if (*s == '\0')
        return false;
    char *rest = next_word(s);
    out->url = s;
    out->mirrors = rest;
    out->nmirrors = 0;
    /* More words with "://": other sources of the same file. */
    while (*rest != '\0' && word_is_url(rest)) {
        rest = next_word(rest);
        out->nmirrors++;
    }
    out->output = *rest != '\0' ? rest : NULL;
    /* An output name may hold spaces, but not another URL. */
    out->ok = strstr(rest, "://") == NULL;
    return true;
}

bool
inputline_take_mirror(struct inputline *in, char **mirror)
{
    if (in->nmirrors == 0)
        return false;
    *mirror = in->mirrors;
    /*
     * Step to the next mirror only when there is one: the last may end at
     * the line's own terminating NUL, and a byte past it can lie past the
     * buffer.  Between two mirrors next_word() wrote the NUL and left the
     * white space after it as it was.
     */
    if (--in->nmirrors > 0) {
        char *w = in->mirrors + strlen(in->mirrors) + 1;
        while (isspace((unsigned char)*w))
            w++;
        in->mirrors = w;
    }
    return true;
}

uint64_t
inputline_hash(const char *url)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++) {
        h ^= *p;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

bool
inputline_in_shard(const char *url, unsigned k, unsigned n)
{
    return n <= 1 || inputline_hash(url) % n == k;
}
