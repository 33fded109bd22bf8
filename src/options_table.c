/*
 * options_table.c - the option table (options.def) and what is read from
 * it without parsing anything: the kind and name of each option's value,
 * its --help text, the words its completions offer, and --help itself.
 *
 * The value checks that are not a type's (a header line, USER:PASS,
 * --resolve and --connect-to entries, pins) are here too, because rows
 * name them.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "options_table.h"

/* --header: a line "Name: value" (a name before the colon, no line break,
 * which would smuggle a second header or a body into the request). */
static const char *
check_header(const char *value)
{
    if (strchr(value, ':') == NULL || value[0] == ':' || strpbrk(value, "\r\n") != NULL)
        return "expected \"Name: value\" on one line";
    return NULL;
}

/* --user: USER:PASS, or USER alone (options.c asks for the password). */
static const char *
check_user(const char *value)
{
    return value[0] == ':' ? "expected USER:PASS or USER" : NULL;
}

/* --cookie: a value with '=' is cookies, "NAME=VALUE[; NAME=VALUE...]"
 * (cookies.c splits them the same way); anything else names a file. */
static const char *
check_cookie(const char *value)
{
    if (strchr(value, '=') == NULL)
        return NULL;
    for (const char *p = value; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "a control character in the cookies";
    for (const char *p = value; *p != '\0';) {
        size_t n = strcspn(p, ";");
        while (n > 0 && *p == ' ') {
            p++;
            n--;
        }
        const char *eq = memchr(p, '=', n);
        if (n > 0 && (eq == NULL || eq == p))
            return "expected NAME=VALUE[; NAME=VALUE...] or a file name";
        p += n + (p[n] == ';');
    }
    return NULL;
}

/* A port: 1 to 65535 in decimal, the whole of [p, end). */
static bool
port_ok(const char *p, const char *end)
{
    unsigned long v = 0;
    if (p == end || end - p > 5)
        return false;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    return v >= 1 && v <= 65535;
}

/* A numeric address, IPv4 or IPv6 (bare or in brackets), [p, end). */
static bool
addr_ok(const char *p, const char *end)
{
    char buf[INET6_ADDRSTRLEN + 2];
    unsigned char bin[sizeof(struct in6_addr)];
    size_t n = (size_t)(end - p);

    if (n >= 2 && p[0] == '[' && end[-1] == ']') {
        p++;
        n -= 2;
        if (n >= sizeof buf)
            return false;
        memcpy(buf, p, n);
        buf[n] = '\0';
        return inet_pton(AF_INET6, buf, bin) == 1;
    }
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return inet_pton(AF_INET, buf, bin) == 1 || inet_pton(AF_INET6, buf, bin) == 1;
}

/* --resolve: [+]HOST:PORT:ADDR[,ADDR...].  libcurl skips an entry it
 * cannot read with no more than a line in -v, so haul reads it first. */
static const char *
check_resolve(const char *value)
{
    const char *host = value[0] == '+' ? value + 1 : value;
    const char *c1 = strchr(host, ':');
    const char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;

    if (c2 == NULL || c1 == host || strcspn(host, " \t\r\n[]") < (size_t)(c1 - host))
        return "expected HOST:PORT:ADDR[,ADDR...]";
    if (!port_ok(c1 + 1, c2))
        return "the port must be a number from 1 to 65535";
    for (const char *a = c2 + 1;;) {
        const char *comma = strchr(a, ',');
        const char *end = comma != NULL ? comma : a + strlen(a);
        if (!addr_ok(a, end))
            return "ADDR must be a numeric IPv4 or IPv6 address";
        if (comma == NULL)
            return NULL;
        a = comma + 1;
    }
}

/* The end of a --connect-to host at p: up to ':' or "[v6]"; NULL if bad. */
static const char *
connect_host_end(const char *p)
{
    if (*p == '[') {
        const char *close = strchr(p, ']');
        return close != NULL && addr_ok(p, close + 1) ? close + 1 : NULL;
    }
    const char *colon = strchr(p, ':');
    return colon != NULL ? colon : p + strlen(p);
}

/* --connect-to: HOST1:PORT1:HOST2:PORT2, each part may be empty. */
static const char *
check_connect_to(const char *value)
{
    static const char *const usage = "expected HOST1:PORT1:HOST2:PORT2 (a part may be empty)";
    const char *h1 = value, *e1, *p1, *h2, *e2, *p2;

    if (strpbrk(value, " \t\r\n") != NULL || (e1 = connect_host_end(h1)) == NULL || *e1 != ':')
        return usage;
    p1 = e1 + 1;
    h2 = strchr(p1, ':');
    if (h2 == NULL)
        return usage;
    h2++;
    if ((e2 = connect_host_end(h2)) == NULL || *e2 != ':')
        return usage;
    p2 = e2 + 1;
    if ((p1 != h2 - 1 && !port_ok(p1, h2 - 1)) || (*p2 != '\0' && !port_ok(p2, p2 + strlen(p2))))
        return "a port must be empty or a number from 1 to 65535";
    return NULL;
}

/* --pinnedpubkey: sha256//BASE64 hashes (a SHA-256 in base64 is 44
 * characters), ';' between them; anything else names a file, which
 * setup.c checks. */
static const char *
check_pin(const char *value)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (strncmp(value, "sha256//", 8) != 0)
        return NULL;
    for (const char *p = value;;) {
        const char *end = strchr(p, ';');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        if (n != 8 + 44 || strncmp(p, "sha256//", 8) != 0 || p[8 + 43] != '=' ||
            strspn(p + 8, b64) != 43)
            return "expected sha256//BASE64 (44 characters) [;sha256//...] or a file";
        if (end == NULL)
            return NULL;
        p = end + 1;
    }
}

const struct opt_def options_table[OPT_COUNT] = {
#define OPT(id, grp, l, s, t, ...) \
    [OPT_##id] = { .lname = l, .sname = s, .type = t, .group = grp, __VA_ARGS__ },
#include "options.def"
#undef OPT
};

const char *const options_group_titles[GROUP_COUNT] = {
    [GROUP_OUTPUT] = "Output",
    [GROUP_REQUEST] = "Request",
    [GROUP_RETRY] = "Retry and resume",
    [GROUP_REPORT] = "Reports and messages",
};

const char *
options_long_name(enum opt_id id)
{
    return options_table[id].lname;
}

enum opt_arg
opt_arg_kind(const struct opt_def *o)
{
    if (o->optional)
        return ARG_OPTIONAL;
    switch (o->type) {
    case OT_FLAG:
    case OT_SET:
    case OT_IGNORED:
        return ARG_NONE;
    case OT_SPECIAL:
        return o->arg != NULL ? ARG_REQUIRED : ARG_NONE;
    case OT_STRING:
    case OT_LIST:
    case OT_COUNT:
    case OT_SIZE:
    case OT_DURATION:
    case OT_CHOICE:
        break;
    }
    return ARG_REQUIRED;
}

const char *
opt_arg_name(const struct opt_def *o)
{
    if (opt_arg_kind(o) == ARG_NONE)
        return NULL;
    if (o->arg != NULL)
        return o->arg;
    switch (o->type) {
    case OT_COUNT: return "N";
    case OT_SIZE: return "SIZE";
    case OT_DURATION: return "SECS";
    default: return "VALUE";
    }
}

const char *
opt_word(const struct opt_def *o, size_t i)
{
    size_t n = 0;

    if (o->choices != NULL)
        while (o->choices[n].name != NULL)
            n++;
    if (i < n)
        return o->choices[i].name;
    if (i == n && o->inf != 0)
        return "inf";
    return NULL;
}

void
opt_size_text(uint64_t v, char *buf, size_t len)
{
    static const char units[] = "KMGT";
    int u = -1;
    while (u < 3 && v != 0 && v % 1024 == 0) {
        v /= 1024;
        u++;
    }
    if (u < 0)
        snprintf(buf, len, "%llu", (unsigned long long)v);
    else
        snprintf(buf, len, "%llu%c", (unsigned long long)v, units[u]);
}

void
opt_seconds_text(uint64_t ms, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%llu.%03u", (unsigned long long)(ms / 1000),
                     (unsigned)(ms % 1000));
    while (n > 0 && (size_t)n < len && buf[n - 1] == '0')
        buf[--n] = '\0';
    if (n > 0 && (size_t)n < len && buf[n - 1] == '.')
        buf[--n] = '\0';
}

bool
opt_limits_text(const struct opt_def *o, char *buf, size_t len)
{
    char lo[32], hi[32];

    buf[0] = '\0';
    switch (o->type) {
    case OT_COUNT:
        snprintf(lo, sizeof lo, "%llu", (unsigned long long)o->min);
        snprintf(hi, sizeof hi, "%llu", (unsigned long long)o->max);
        break;
    case OT_SIZE:
        opt_size_text(o->min, lo, sizeof lo);
        opt_size_text(o->max, hi, sizeof hi);
        break;
    case OT_DURATION:
        opt_seconds_text(o->min, lo, sizeof lo);
        opt_seconds_text(o->max, hi, sizeof hi);
        break;
    default:
        return false;
    }
    if (o->type == OT_COUNT || o->max != 0)
        snprintf(buf, len, "%s to %s", lo, hi);
    else if (o->min == 1)
        snprintf(buf, len, "more than 0");
    else if (o->min > 1)
        snprintf(buf, len, "at least %s", lo);
    return buf[0] != '\0';
}

/* A bounded string being built; `full` once something did not fit. */
struct text {
    char *buf;
    size_t len, pos;
    bool full;
};

static void
text_add(struct text *t, const char *s, size_t n)
{
    if (t->pos + n >= t->len) {
        t->full = true;
        n = t->pos < t->len ? t->len - 1 - t->pos : 0;
    }
    memcpy(t->buf + t->pos, s, n);
    t->pos += n;
    t->buf[t->pos] = '\0';
}

static void
text_puts(struct text *t, const char *s)
{
    text_add(t, s, strlen(s));
}

bool
opt_choice_list(const struct opt_def *o, char *buf, size_t len)
{
    struct text t = { buf, len, 0, false };
    size_t n = 0;

    buf[0] = '\0';
    while (o->choices != NULL && o->choices[n].name != NULL)
        n++;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            text_puts(&t, i + 1 == n ? " or " : ", ");
        text_puts(&t, o->choices[i].name);
    }
    return !t.full;
}

bool
opt_help_text(const struct opt_def *o, char *buf, size_t len)
{
    static const char token[] = "{choices}";
    struct text t = { buf, len, 0, false };
    const char *h = o->help;
    const char *p;
    char choices[256];

    buf[0] = '\0';
    if (!opt_choice_list(o, choices, sizeof choices))
        t.full = true;
    while ((p = strstr(h, token)) != NULL) {
        text_add(&t, h, (size_t)(p - h));
        text_puts(&t, choices);
        h = p + sizeof token - 1;
    }
    text_puts(&t, h);
    if (o->def != NULL) {
        text_puts(&t, " (default ");
        text_puts(&t, o->def);
        text_puts(&t, ")");
    }
    return !t.full;
}

/* Prints text wrapped at `width` columns, continuation lines at `indent`. */
static void
print_wrapped(FILE *out, const char *text, int col, int indent, int width)
{
    const char *p = text;
    while (*p != '\0') {
        int room = width - col;
        size_t len = strlen(p);
        size_t take = len;
        if ((int)len > room) {
            take = (size_t)room;
            while (take > 0 && p[take] != ' ')
                take--;
            if (take == 0)
                take = (size_t)room;
        }
        fprintf(out, "%.*s\n", (int)take, p);
        p += take;
        while (*p == ' ')
            p++;
        if (*p != '\0') {
            fprintf(out, "%*s", indent, "");
            col = indent;
        }
    }
}

/* "  -o, --output FILE", "      --stream[=MODE]": the left column. */
static void
print_option(FILE *out, const struct opt_def *o)
{
    char left[64];
    char help[512];
    const char *arg = opt_arg_name(o);
    int n;

    if (o->sname)
        n = snprintf(left, sizeof left, "  -%c, --%s", o->sname, o->lname);
    else
        n = snprintf(left, sizeof left, "      --%s", o->lname);
    if (opt_arg_kind(o) == ARG_REQUIRED)
        snprintf(left + n, sizeof left - (size_t)n, " %s", arg);
    else if (opt_arg_kind(o) == ARG_OPTIONAL)
        snprintf(left + n, sizeof left - (size_t)n, "[=%s]", arg);
    if ((int)strlen(left) >= 29)
        fprintf(out, "%s\n%*s", left, 30, "");
    else
        fprintf(out, "%-30s", left);
    opt_help_text(o, help, sizeof help);
    print_wrapped(out, help, 30, 30, 80);
}

void
options_print_help(FILE *out)
{
    fputs("Usage: haul [OPTIONS] URL...\n"
          "Download HTTP(S) URLs to stdout or files; resume by itself after drops.\n"
          "\n"
          "  haul URL | consumer        stream a body to stdout\n"
          "  haul -o FILE URL           write FILE (as FILE.part until complete)\n"
          "  haul -c -o FILE URL        continue an interrupted download\n"
          "  haul -O URL1 URL2 ...      several at once, named after the URLs\n",
          out);
    for (int g = 0; g < GROUP_COUNT; g++) {
        fprintf(out, "\n%s:\n", options_group_titles[g]);
        for (int i = 0; i < OPT_COUNT; i++)
            if ((int)options_table[i].group == g)
                print_option(out, &options_table[i]);
    }
    fputs("\nSizes take K, M, G (1024-based); durations are seconds and may have\n"
          "fractions (0.5) or a unit (ms, s, m, h).  `haul --help exit-codes` lists\n"
          "the exit status.  Options are read from ~/.config/haul/config first\n"
          "(see CONFIG FILE in the manual).  More in the manual: man haul.\n", out);
}
