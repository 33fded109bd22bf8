/*
 * options.c - command-line parsing from the table in options.def.
 *
 * haul parses its own command line instead of using getopt_long: the order
 * of -o options and URLs matters (the k-th -o names the k-th URL, as in
 * curl), every error must be one "haul: ..." line with a --help hint, and
 * optional values (--memstats[=FILE]) must only be taken with "=".
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "mem.h"
#include "msg.h"
#include "options.h"
#include "parse.h"

enum arg_kind { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };
enum opt_group { GROUP_OUTPUT, GROUP_REQUEST, GROUP_RETRY, GROUP_REPORT };

struct opt_def {
    const char *lname;
    char sname;
    enum arg_kind kind;
    const char *argname;
    enum opt_group group;
    const char *help;
};

static const struct opt_def opts[OPT_COUNT] = {
#define OPT(id, lname, sname, kind, argname, group, help) \
    [OPT_##id] = { lname, sname, kind, argname, group, help },
#include "options.def"
#undef OPT
};

static const char *const group_titles[] = {
    [GROUP_OUTPUT] = "Output",
    [GROUP_REQUEST] = "Request",
    [GROUP_RETRY] = "Retry and resume",
    [GROUP_REPORT] = "Reports and messages",
};

const char *
options_long_name(enum opt_id id)
{
    return opts[id].lname;
}

static void
config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->parallel = 8;
    cfg->parallel_host = 6;
    cfg->segments = 1;
    cfg->buffer_size = 1024 * 1024;
    cfg->max_redirs = 10;
    cfg->connect_timeout_ms = 30 * 1000;
    cfg->retry = 10;
    cfg->retry_delay_ms = 1000;
    cfg->retry_max_delay_ms = 30 * 1000;
    cfg->stall_timeout_ms = 30 * 1000;
    cfg->level = MSG_NORMAL;
}

void
config_free(struct config *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < cfg->njobs; i++) {
        xfree(cfg->jobs[i].url);
        xfree(cfg->jobs[i].output);
    }
    xfree(cfg->jobs);
    for (size_t i = 0; i < cfg->nheaders; i++)
        xfree(cfg->headers[i]);
    xfree(cfg->headers);
    xfree(cfg->output_dir);
    xfree(cfg->user_agent);
    xfree(cfg->user);
    xfree(cfg->referer);
    xfree(cfg->cacert);
    xfree(cfg->proxy);
    xfree(cfg->events);
    xfree(cfg->summary);
    xfree(cfg->memstats_file);
    xfree(cfg->help_topic);
    memset(cfg, 0, sizeof *cfg);
}

bool
options_want_memstats(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--memstats") == 0 ||
            strncmp(argv[i], "--memstats=", 11) == 0 ||
            strcmp(argv[i], "--memstats-interval") == 0 ||
            strncmp(argv[i], "--memstats-interval=", 20) == 0)
            return true;
    }
    return false;
}

/* Growing string lists used while parsing. */
struct strlist {
    char **v;
    size_t n, cap;
};

static void
strlist_push(struct strlist *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s != NULL ? xstrdup(s) : NULL;
}

static void
strlist_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        xfree(l->v[i]);
    xfree(l->v);
    memset(l, 0, sizeof *l);
}

static void
set_string(char **field, const char *value)
{
    xfree(*field);
    *field = xstrdup(value);
}

/* Display form of an option for messages: "-o/--output" or "--output-dir". */
static void
opt_display(enum opt_id id, char *buf, size_t len)
{
    if (opts[id].sname)
        snprintf(buf, len, "-%c/--%s", opts[id].sname, opts[id].lname);
    else
        snprintf(buf, len, "--%s", opts[id].lname);
}

static int
bad_value(enum opt_id id, const char *value, const char *why)
{
    char name[64];
    opt_display(id, name, sizeof name);
    msg_usage_error("%s: bad value '%s': %s", name, value, why);
    return HAUL_EXIT_USAGE;
}

static int
value_duration(enum opt_id id, const char *value, uint64_t *out)
{
    const char *why = NULL;
    if (!parse_duration_ms(value, out, &why))
        return bad_value(id, value, why);
    return 0;
}

static int
value_size(enum opt_id id, const char *value, uint64_t min, uint64_t *out)
{
    const char *why = NULL;
    if (!parse_size(value, out, &why))
        return bad_value(id, value, why);
    if (*out < min) {
        char buf[64];
        snprintf(buf, sizeof buf, "at least %llu bytes", (unsigned long long)min);
        return bad_value(id, value, buf);
    }
    return 0;
}

static int
value_uint(enum opt_id id, const char *value, uint64_t min, uint64_t max, uint64_t *out)
{
    const char *why = NULL;
    if (!parse_uint(value, min, max, out, &why)) {
        char buf[96];
        snprintf(buf, sizeof buf, "%s (from %llu to %llu)", why,
                 (unsigned long long)min, (unsigned long long)max);
        return bad_value(id, value, buf);
    }
    return 0;
}

struct parse_state {
    struct config *cfg;
    struct strlist urls;
    struct strlist outputs;      /* -o values, in order */
    char *input_file;
    bool retry_delay_set;
    bool retry_max_delay_set;
};

/*
 * One case per row of options.def: the table's other half, best read as
 * one switch (and so longer than a function should be).
 */
static int
apply(struct parse_state *st, enum opt_id id,  // NOLINT(readability-function-size): above
      const char *value)
{
    struct config *cfg = st->cfg;
    uint64_t v;
    int rc = 0;

    switch (id) {
    case OPT_OUTPUT:
        strlist_push(&st->outputs, value);
        break;
    case OPT_REMOTE_NAME: cfg->remote_name = true; break;
    case OPT_OUTPUT_DIR:
        if (*value == '\0')
            return bad_value(id, value, "empty");
        set_string(&cfg->output_dir, value);
        break;
    case OPT_CONTINUE: cfg->cont = true; break;
    case OPT_INPUT_FILE:
        if (st->input_file != NULL)
            return bad_value(id, value, "only one --input-file");
        st->input_file = xstrdup(value);
        break;
    case OPT_PARALLEL:
        if ((rc = value_uint(id, value, 1, 10000, &v)) == 0)
            cfg->parallel = (unsigned)v;
        cfg->parallel_given = true;
        break;
    case OPT_PARALLEL_HOST:
        if ((rc = value_uint(id, value, 1, 10000, &v)) == 0)
            cfg->parallel_host = (unsigned)v;
        cfg->parallel_host_given = true;
        break;
    case OPT_SEGMENTS:
        if ((rc = value_uint(id, value, 1, 64, &v)) == 0)
            cfg->segments = (unsigned)v;
        break;
    case OPT_BUFFER_SIZE:
        /* At least 64K: a --stream record tail (up to half of it) and a
         * 16 KiB libcurl chunk must fit together. */
        if ((rc = value_size(id, value, 64 * 1024, &v)) == 0) {
            if (v > (UINT64_C(1) << 30))
                return bad_value(id, value, "at most 1G");
            cfg->buffer_size = v;
        }
        break;
    case OPT_STREAM:
        if (value == NULL || strcmp(value, "auto") == 0)
            cfg->stream = STREAM_AUTO;
        else if (strcmp(value, "lines") == 0)
            cfg->stream = STREAM_LINES;
        else if (strcmp(value, "events") == 0)
            cfg->stream = STREAM_EVENTS;
        else if (strcmp(value, "raw") == 0)
            cfg->stream = STREAM_RAW;
        else
            return bad_value(id, value, "expected auto, lines, events or raw");
        break;
    case OPT_CHECKSUM: {
        const char *why = NULL;
        int algo = 0;
        if (!parse_checksum(value, &algo, cfg->checksum, &cfg->checksum_len, &why))
            return bad_value(id, value, why);
        cfg->checksum_algo = algo == 1 ? CHECKSUM_SHA256 : CHECKSUM_SHA512;
        break;
    }
    case OPT_SHA256: cfg->sha256 = true; break;
    case OPT_HEADER:
        if (strchr(value, ':') == NULL || value[0] == ':' ||
            strpbrk(value, "\r\n") != NULL)
            return bad_value(id, value, "expected \"Name: value\" on one line");
        cfg->headers = xrealloc(cfg->headers, (cfg->nheaders + 1) * sizeof *cfg->headers);
        cfg->headers[cfg->nheaders++] = xstrdup(value);
        break;
    case OPT_USER_AGENT: set_string(&cfg->user_agent, value); break;
    case OPT_USER:
        if (strchr(value, ':') == NULL)
            return bad_value(id, value, "expected USER:PASS");
        set_string(&cfg->user, value);
        break;
    case OPT_REFERER: set_string(&cfg->referer, value); break;
    case OPT_COMPRESSED: cfg->compressed = true; break;
    case OPT_LOCATION: break;   /* redirects are followed by default */
    case OPT_MAX_REDIRS:
        if ((rc = value_uint(id, value, 0, 1000, &v)) == 0)
            cfg->max_redirs = (long)v;
        break;
    case OPT_LOCATION_TRUSTED: cfg->location_trusted = true; break;
    case OPT_INSECURE: cfg->insecure = true; break;
    case OPT_CACERT: set_string(&cfg->cacert, value); break;
    case OPT_PROXY: set_string(&cfg->proxy, value); break;
    case OPT_HTTP1_1: cfg->http11 = true; break;
    case OPT_CONNECT_TIMEOUT:
        if ((rc = value_duration(id, value, &cfg->connect_timeout_ms)) == 0 &&
            cfg->connect_timeout_ms == 0)
            return bad_value(id, value, "must be more than 0");
        break;
    case OPT_MAX_TIME:
        if ((rc = value_duration(id, value, &cfg->max_time_ms)) == 0 &&
            cfg->max_time_ms == 0)
            return bad_value(id, value, "must be more than 0");
        break;
    case OPT_LIMIT_RATE:
        rc = value_size(id, value, 1, &cfg->limit_rate);
        break;
    case OPT_LIMIT_RATE_TOTAL:
        rc = value_size(id, value, 1, &cfg->limit_rate_total);
        break;
    case OPT_RETRY:
        if (strcmp(value, "inf") == 0)
            cfg->retry = RETRY_FOREVER;
        else if ((rc = value_uint(id, value, 0, 1000000, &v)) == 0)
            cfg->retry = (uint32_t)v;
        break;
    case OPT_RETRY_DELAY:
        rc = value_duration(id, value, &cfg->retry_delay_ms);
        st->retry_delay_set = true;
        break;
    case OPT_RETRY_MAX_DELAY:
        rc = value_duration(id, value, &cfg->retry_max_delay_ms);
        st->retry_max_delay_set = true;
        break;
    case OPT_STALL_TIMEOUT:
        rc = value_duration(id, value, &cfg->stall_timeout_ms);
        break;
    case OPT_RETRY_CONNREFUSED: cfg->retry_connrefused = true; break;
    case OPT_QUIET: cfg->level = MSG_QUIET; break;
    case OPT_VERBOSE: cfg->level = MSG_VERBOSE; break;
    case OPT_PROGRESS:
        if (strcmp(value, "bar") == 0)
            cfg->progress = PROGRESS_BAR;
        else if (strcmp(value, "dots") == 0)
            cfg->progress = PROGRESS_DOTS;
        else if (strcmp(value, "none") == 0)
            cfg->progress = PROGRESS_NONE;
        else
            return bad_value(id, value, "expected bar, dots or none");
        break;
    case OPT_EVENTS:
        if (*value == '\0')
            return bad_value(id, value, "empty");
        set_string(&cfg->events, value);
        break;
    case OPT_SUMMARY:
        if (*value == '\0')
            return bad_value(id, value, "empty");
        set_string(&cfg->summary, value);
        break;
    case OPT_MEMSTATS:
        cfg->memstats = true;
        if (value != NULL) {
            if (*value == '\0')
                return bad_value(id, value, "empty file name");
            set_string(&cfg->memstats_file, value);
        }
        break;
    case OPT_MEMSTATS_INTERVAL:
        if ((rc = value_duration(id, value, &cfg->memstats_interval_ms)) == 0 &&
            cfg->memstats_interval_ms < 10)
            return bad_value(id, value, "at least 0.01 seconds");
        cfg->memstats = true;
        break;
    case OPT_HELP: cfg->help = true; break;
    case OPT_VERSION: cfg->version = true; break;
    case OPT_COUNT: break;
    }
    return rc;
}

static int
find_long(const char *name, size_t len)
{
    for (int i = 0; i < OPT_COUNT; i++)
        if (strlen(opts[i].lname) == len && strncmp(opts[i].lname, name, len) == 0)
            return i;
    return -1;
}

static int
find_short(char c)
{
    for (int i = 0; i < OPT_COUNT; i++)
        if (opts[i].sname == c)
            return i;
    return -1;
}

/* Trims spaces at both ends, in place. */
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

static void
add_job(struct config *cfg, const char *url, const char *output, unsigned line, bool ok)
{
    cfg->jobs = xrealloc(cfg->jobs, (cfg->njobs + 1) * sizeof *cfg->jobs);
    struct job *j = &cfg->jobs[cfg->njobs++];
    j->url = xstrdup(url);
    j->output = output != NULL ? xstrdup(output) : NULL;
    j->line = line;
    j->input_ok = ok;
}

/*
 * --input-file: "URL [OUTPUT]" per line; blank lines and lines starting with
 * '#' are skipped.  A line that is not of that form becomes a job marked
 * !input_ok, reported when the run starts, so the other lines still run.
 */
int
options_read_input(struct config *cfg, FILE *f, const char *name)
{
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;

    for (;;) {
        errno = 0;
        if (getline(&line, &cap, f) == -1)
            break;
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *url = s;
        char *rest = s;
        while (*rest != '\0' && !isspace((unsigned char)*rest))
            rest++;
        if (*rest != '\0')
            *rest++ = '\0';
        rest = trim(rest);
        bool ok = true;
        /* An output name may hold spaces, but not a second URL. */
        if (strstr(rest, "://") != NULL)
            ok = false;
        add_job(cfg, url, *rest != '\0' ? rest : NULL, lineno, ok);
    }
    free(line);    /* getline allocates with libc malloc */
    if (errno == ENOMEM) {
        /* Not the end of the list: never run half of it silently. */
        msg_error("out of memory reading --input-file %s at line %u", name, lineno + 1);
        return HAUL_EXIT_INTERNAL;
    }
    if (ferror(f)) {
        msg_usage_error("--input-file %s: read error", name);
        return HAUL_EXIT_USAGE;
    }
    return 0;
}

static int
read_input_file(struct config *cfg, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");

    if (f == NULL) {
        msg_usage_error("--input-file %s: %s", path, strerror(errno));
        return HAUL_EXIT_USAGE;
    }
    int rc = options_read_input(cfg, f, path);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* One scan of argv, its long and short forms side by side: split, the
 * order in which URLs, -o and -- are met would be harder to follow. */
int
options_parse(int argc, char **argv,  // NOLINT(readability-function-size): above
              struct config *cfg)
{
    struct parse_state st = { .cfg = cfg };
    bool only_urls = false;
    int rc = HAUL_EXIT_USAGE;

    config_defaults(cfg);

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (only_urls || arg[0] != '-' || arg[1] == '\0') {
            strlist_push(&st.urls, arg);
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_urls = true;
            continue;
        }
        if (arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            int id = find_long(name, len);
            if (id < 0) {
                msg_usage_error("unknown option --%.*s", (int)len, name);
                goto out;
            }
            const char *value = NULL;
            switch (opts[id].kind) {
            case ARG_NONE:
                if (eq != NULL) {
                    msg_usage_error("option --%s takes no value", opts[id].lname);
                    goto out;
                }
                break;
            case ARG_OPTIONAL:
                value = eq ? eq + 1 : NULL;
                break;
            case ARG_REQUIRED:
                if (eq != NULL) {
                    value = eq + 1;
                } else if (i + 1 < argc) {
                    value = argv[++i];
                } else {
                    msg_usage_error("option --%s needs a value (%s)", opts[id].lname,
                                    opts[id].argname);
                    goto out;
                }
                break;
            }
            if (apply(&st, (enum opt_id)id, value) != 0)
                goto out;
            continue;
        }
        /* A cluster of short options: -qc, -o FILE, -oFILE. */
        for (const char *p = arg + 1; *p != '\0'; p++) {
            int id = find_short(*p);
            if (id < 0) {
                if (isprint((unsigned char)*p))
                    msg_usage_error("unknown option -%c", *p);
                else
                    msg_usage_error("unknown option in '%s'", arg);
                goto out;
            }
            if (opts[id].kind == ARG_REQUIRED) {
                const char *value;
                if (p[1] != '\0') {
                    value = p + 1;
                } else if (i + 1 < argc) {
                    value = argv[++i];
                } else {
                    msg_usage_error("option -%c needs a value (%s)", *p, opts[id].argname);
                    goto out;
                }
                if (apply(&st, (enum opt_id)id, value) != 0)
                    goto out;
                break;
            }
            if (apply(&st, (enum opt_id)id, NULL) != 0)
                goto out;
        }
    }

    if (cfg->help) {
        if (st.urls.n > 0)
            cfg->help_topic = xstrdup(st.urls.v[0]);
        rc = 0;
        goto out;
    }
    if (cfg->version) {
        rc = 0;
        goto out;
    }
    if (st.outputs.n > st.urls.n) {
        msg_usage_error("-o %s has no URL to go with it", st.outputs.v[st.urls.n]);
        goto out;
    }
    if (st.retry_delay_set && !st.retry_max_delay_set)
        cfg->retry_fixed = true;
    if (!cfg->retry_fixed && cfg->retry_max_delay_ms < cfg->retry_delay_ms) {
        msg_usage_error("--retry-max-delay is shorter than --retry-delay");
        goto out;
    }
    for (size_t k = 0; k < st.urls.n; k++)
        add_job(cfg, st.urls.v[k], k < st.outputs.n ? st.outputs.v[k] : NULL, 0, true);
    if (st.input_file != NULL) {
        int r = read_input_file(cfg, st.input_file);
        if (r != 0) {
            rc = r;
            goto out;
        }
    }
    if (cfg->njobs == 0) {
        msg_usage_error(st.input_file ? "no URL in --input-file %s" : "no URL given%s",
                        st.input_file ? st.input_file : "");
        goto out;
    }
    rc = 0;
out:
    strlist_free(&st.urls);
    strlist_free(&st.outputs);
    xfree(st.input_file);
    if (rc != 0)
        config_free(cfg);
    return rc;
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
    for (int g = GROUP_OUTPUT; g <= GROUP_REPORT; g++) {
        fprintf(out, "\n%s:\n", group_titles[g]);
        for (int i = 0; i < OPT_COUNT; i++) {
            const struct opt_def *o = &opts[i];
            char left[64];
            int n;
            if ((int)o->group != g)
                continue;
            if (o->sname)
                n = snprintf(left, sizeof left, "  -%c, --%s", o->sname, o->lname);
            else
                n = snprintf(left, sizeof left, "      --%s", o->lname);
            if (o->kind == ARG_REQUIRED)
                snprintf(left + n, sizeof left - (size_t)n, " %s", o->argname);
            else if (o->kind == ARG_OPTIONAL)
                snprintf(left + n, sizeof left - (size_t)n, "[=%s]", o->argname);
            if ((int)strlen(left) >= 29) {
                fprintf(out, "%s\n%*s", left, 30, "");
            } else {
                fprintf(out, "%-30s", left);
            }
            print_wrapped(out, o->help, 30, 30, 80);
        }
    }
    fputs("\nSizes take K, M, G (1024-based); durations are seconds and may have\n"
          "fractions (0.5) or a unit (ms, s, m, h).  `haul --help exit-codes` lists\n"
          "the exit status.  More in the manual: man haul.\n", out);
}
