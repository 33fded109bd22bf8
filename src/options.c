/*
 * options.c - command-line parsing from the table in options.def.
 *
 * haul parses its own command line instead of using getopt_long: the order
 * of -o options and URLs matters (the k-th -o names the k-th URL, as in
 * curl), every error must be one "haul: ..." line with a --help hint, and
 * optional values (--memstats[=FILE]) must only be taken with "=".
 *
 * Each value is parsed, checked and stored by the handler of its row's type
 * (apply_count, apply_size, ...) into the row's field of struct config;
 * defaults go through the same handlers.  Only the options whose value is
 * more than one field keep code of their own (apply_special), and the rules
 * between options are checked once argv is read (finish).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_file.h"
#include "exitcodes.h"
#include "inputline.h"
#include "mem.h"
#include "msg.h"
#include "options.h"
#include "options_request.h"
#include "options_table.h"
#include "parse.h"
#include "secret.h"

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

struct parse_state {
    struct config *cfg;
    struct strlist urls;
    struct strlist outputs;      /* -o values, in order */
    struct strlist mirrors;      /* --mirror values, in order ... */
    size_t *mirror_of;           /* ... and the URL each follows (its index) */
    char *input_file;
    const char *next_word;       /* the word after the option being applied,
                                  * when it is not the option's value */
    const char *after_help;      /* the word after --help, if any */
    bool collect;                /* the first look at argv: only -K and
                                  * --no-config are taken (see options_parse) */
    struct strlist configs;      /* -K files, in order */
    bool no_config;
    bool alone;                  /* --help or --version: no config is read */
    bool input_stdin;            /* -i - */
};

/* Where the option being applied comes from, for messages: "" for the
 * command line, "config file FILE:LINE: " for a config file. */
static char where[512];

void
config_free(struct config *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < cfg->njobs; i++)
        job_clear(&cfg->jobs[i]);
    xfree(cfg->jobs);
    if (cfg->input_name != NULL && cfg->input_fd > STDIN_FILENO)
        close(cfg->input_fd);
    xfree(cfg->input_name);
    /* The strings and lists of the rows (each field once: two options may
     * share one), and those of the special options. */
    for (int id = 0; id < OPT_COUNT; id++) {
        const struct opt_def *o = &options_table[id];
        void *p = (char *)cfg + o->off;
        bool freed = false;
        for (int k = 0; k < id; k++)
            freed = freed || (options_table[k].store == o->store && options_table[k].off == o->off);
        if (freed)
            continue;
        if (o->store == ST_STR) {
            xfree(*(char **)p);
        } else if (o->store == ST_STRV) {
            char **v = *(char ***)p;
            size_t n = *(size_t *)(void *)((char *)cfg + o->count_off);
            for (size_t i = 0; i < n; i++)
                xfree(v[i]);
            xfree(v);
        }
    }
    xfree(cfg->memstats_file);
    xfree(cfg->help_topic);
    xfree(cfg->body);
    xfree(cfg->method);
    xfree(cfg->write_out);
    if (cfg->key_passwd != NULL) {
        memset(cfg->key_passwd, 0, strlen(cfg->key_passwd));
        xfree(cfg->key_passwd);
    }
    xfree(cfg->oauth2_bearer);
    memset(cfg, 0, sizeof *cfg);
}

/* Whether arg is --NAME or --NAME=VALUE for option id. */
static bool
is_long(const char *arg, enum opt_id id)
{
    size_t n = strlen(options_table[id].lname);
    return strncmp(arg, "--", 2) == 0 && strncmp(arg + 2, options_table[id].lname, n) == 0 &&
           (arg[2 + n] == '\0' || arg[2 + n] == '=');
}

bool
options_want_memstats(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (is_long(argv[i], OPT_MEMSTATS) || is_long(argv[i], OPT_MEMSTATS_INTERVAL))
            return true;
    }
    return false;
}

/* ---- values ---------------------------------------------------------- */

/* Display form of an option for messages: "-o/--output" or "--output-dir". */
static void
opt_display(enum opt_id id, char *buf, size_t len)
{
    const struct opt_def *o = &options_table[id];
    if (o->sname)
        snprintf(buf, len, "-%c/--%s", o->sname, o->lname);
    else
        snprintf(buf, len, "--%s", o->lname);
}

static int
bad_value(enum opt_id id, const char *value, const char *why)
{
    char name[64];
    opt_display(id, name, sizeof name);
    msg_usage_error("%s%s: bad value '%s': %s", where, name, value, why);
    return HAUL_EXIT_USAGE;
}

/* A field's bytes, whatever its C type (the row's store). */
static void *
field_of(struct config *cfg, const struct opt_def *o)
{
    return (char *)cfg + o->off;
}

static void
store_number(struct config *cfg, const struct opt_def *o, uint64_t v)
{
    void *p = field_of(cfg, o);
    switch (o->store) {
    case ST_BOOL: *(bool *)p = v != 0; break;
    case ST_INT: *(int *)p = (int)v; break;
    case ST_UINT: *(unsigned *)p = (unsigned)v; break;
    case ST_LONG: *(long *)p = (long)v; break;
    case ST_ULONG: *(unsigned long *)p = (unsigned long)v; break;
    case ST_ULLONG: *(unsigned long long *)p = v; break;
    case ST_NONE:
    case ST_STR:
    case ST_STRV:
        break;      /* tests/unit/test_options.c refuses such rows */
    }
}

/* [min, max] of a size or a duration; the messages name the unit. */
static int
check_range(enum opt_id id, const char *value, uint64_t v, bool ms)
{
    const struct opt_def *o = &options_table[id];
    char lim[32], why[64];

    if (v < o->min) {
        if (o->min == 1)
            return bad_value(id, value, "must be more than 0");
        if (ms)
            opt_seconds_text(o->min, lim, sizeof lim);
        else
            snprintf(lim, sizeof lim, "%llu", (unsigned long long)o->min);
        snprintf(why, sizeof why, "at least %s %s", lim, ms ? "seconds" : "bytes");
        return bad_value(id, value, why);
    }
    if (o->max != 0 && v > o->max) {
        if (ms) {
            opt_seconds_text(o->max, lim, sizeof lim);
            snprintf(why, sizeof why, "at most %s seconds", lim);
        } else {
            opt_size_text(o->max, lim, sizeof lim);
            snprintf(why, sizeof why, "at most %s", lim);
        }
        return bad_value(id, value, why);
    }
    return 0;
}

/* ---- one handler per type ---------------------------------------------- */

static int
apply_flag(struct parse_state *st, enum opt_id id, const char *value)
{
    (void)value;
    store_number(st->cfg, &options_table[id], 1);
    return 0;
}

static int
apply_set(struct parse_state *st, enum opt_id id, const char *value)
{
    (void)value;
    store_number(st->cfg, &options_table[id], (uint64_t)options_table[id].value);
    return 0;
}

static int
apply_ignored(struct parse_state *st, enum opt_id id, const char *value)
{
    (void)st;
    (void)id;
    (void)value;
    return 0;
}

static int
apply_string(struct parse_state *st, enum opt_id id, const char *value)
{
    const struct opt_def *o = &options_table[id];
    const char *why = o->check != NULL ? o->check(value) : NULL;
    char **field = field_of(st->cfg, o);

    if (o->nonempty && *value == '\0')
        return bad_value(id, value, "empty");
    if (why != NULL)
        return bad_value(id, value, why);
    xfree(*field);
    *field = xstrdup(value);
    if (o->secret)
        secret_blank_password((char *)value);     /* argv memory: see the row */
    return 0;
}

static void
list_push(struct config *cfg, const struct opt_def *o, const char *value)
{
    char ***list = field_of(cfg, o);
    size_t *n = (void *)((char *)cfg + o->count_off);

    *list = xrealloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = xstrdup(value);
}

/* "@FILE" of an .at_file list: each line that is not blank, checked.  A
 * message names the file and line but never shows the line (a secret). */
static int
apply_list_file(struct parse_state *st, enum opt_id id, const char *path)
{
    const struct opt_def *o = &options_table[id];
    char name[64], *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    int rc = 0;
    FILE *f = fopen(path, "re");

    opt_display(id, name, sizeof name);
    if (f == NULL) {
        msg_usage_error("%s%s: @%s: %s", where, name, path, strerror(errno));
        return HAUL_EXIT_USAGE;
    }
    while (rc == 0 && getline(&line, &cap, f) != -1) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[strspn(line, " \t")] == '\0')
            continue;
        const char *why = o->check != NULL ? o->check(line) : NULL;
        if (why != NULL) {
            msg_usage_error("%s%s: @%s:%u: %s", where, name, path, lineno, why);
            rc = HAUL_EXIT_USAGE;
        } else {
            list_push(st->cfg, o, line);
        }
    }
    if (rc == 0 && ferror(f)) {
        msg_usage_error("%s%s: @%s: %s", where, name, path, strerror(errno));
        rc = HAUL_EXIT_USAGE;
    }
    free(line);    /* getline allocates with libc malloc */
    fclose(f);
    return rc;
}

static int
apply_list(struct parse_state *st, enum opt_id id, const char *value)
{
    const struct opt_def *o = &options_table[id];

    if (o->at_file && value[0] == '@')
        return apply_list_file(st, id, value + 1);
    const char *why = o->check != NULL ? o->check(value) : NULL;
    if (o->nonempty && *value == '\0')
        return bad_value(id, value, "empty");
    if (why != NULL)
        return bad_value(id, value, why);
    list_push(st->cfg, o, value);
    return 0;
}

static int
apply_count(struct parse_state *st, enum opt_id id, const char *value)
{
    const struct opt_def *o = &options_table[id];
    const char *why = NULL;
    uint64_t v;

    if (o->inf != 0 && strcmp(value, "inf") == 0) {
        v = o->inf;
    } else if (!parse_uint(value, o->min, o->max, &v, &why)) {
        char buf[96];
        snprintf(buf, sizeof buf, "%s (from %llu to %llu)", why,
                 (unsigned long long)o->min, (unsigned long long)o->max);
        return bad_value(id, value, buf);
    }
    store_number(st->cfg, o, v);
    return 0;
}

static int
apply_size(struct parse_state *st, enum opt_id id, const char *value)
{
    const char *why = NULL;
    uint64_t v;
    int rc;

    if (!parse_size(value, &v, &why))
        return bad_value(id, value, why);
    if ((rc = check_range(id, value, v, false)) != 0)
        return rc;
    store_number(st->cfg, &options_table[id], v);
    return 0;
}

static int
apply_duration(struct parse_state *st, enum opt_id id, const char *value)
{
    const char *why = NULL;
    uint64_t v;
    int rc;

    if (!parse_duration_ms(value, &v, &why))
        return bad_value(id, value, why);
    if ((rc = check_range(id, value, v, true)) != 0)
        return rc;
    store_number(st->cfg, &options_table[id], v);
    return 0;
}

static int
apply_choice(struct parse_state *st, enum opt_id id, const char *value)
{
    const struct opt_def *o = &options_table[id];
    char why[256];

    for (const struct opt_choice *c = o->choices; c->name != NULL; c++) {
        if (strcmp(value, c->name) == 0) {
            store_number(st->cfg, o, (uint64_t)c->value);
            return 0;
        }
    }
    memcpy(why, "expected ", sizeof "expected ");
    opt_choice_list(o, why + strlen(why), sizeof why - strlen(why));
    return bad_value(id, value, why);
}

/* --pass @FILE: the passphrase is FILE's first line, without its line
 * end; it never is on the command line (the process list shows argv). */
static int
read_pass(struct config *cfg, const char *value)
{
    char line[1024];
    FILE *f;

    if (value[0] != '@' || value[1] == '\0') {
        /* Not the value itself: it may be the passphrase. */
        msg_usage_error("--pass: expected @FILE (the passphrase is read from FILE, never "
                        "given on the command line)");
        return HAUL_EXIT_USAGE;
    }
    f = fopen(value + 1, "re");
    if (f == NULL)
        return bad_value(OPT_PASS, value, strerror(errno));
    if (fgets(line, sizeof line, f) == NULL)
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    if (cfg->key_passwd != NULL) {
        memset(cfg->key_passwd, 0, strlen(cfg->key_passwd));
        xfree(cfg->key_passwd);
    }
    cfg->key_passwd = xstrdup(line);
    memset(line, 0, sizeof line);
    return 0;
}

/* --oauth2-bearer TOKEN or @FILE (its first line).  A token given on the
 * command line is blanked there once copied, like -u's password. */
static int
apply_bearer(struct parse_state *st, enum opt_id id, const char *value)
{
    char *token = NULL;

    if (value[0] == '@') {
        FILE *f = fopen(value + 1, "re");
        char *line = NULL;
        size_t cap = 0;
        if (f == NULL || getline(&line, &cap, f) == -1) {
            const char *why = f == NULL || ferror(f) ? strerror(errno) : "empty file";
            msg_usage_error("%s--oauth2-bearer: %s: %s", where, value, why);
            if (f != NULL)
                fclose(f);
            free(line);
            return HAUL_EXIT_USAGE;
        }
        fclose(f);
        line[strcspn(line, "\r\n")] = '\0';
        token = xstrdup(line);
        free(line);    /* getline's, libc malloc */
    } else {
        token = xstrdup(value);
        memset((char *)value, ' ', strlen(value));    /* argv memory: see secret.h */
    }
    const char *why = token[0] == '\0' ? "no token" : NULL;
    for (const char *p = token; *p != '\0' && why == NULL; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            why = "white space or a control character in the token";
    if (why != NULL) {
        msg_usage_error("%s--oauth2-bearer: %s", where, why);    /* never the token */
        xfree(token);
        return HAUL_EXIT_USAGE;
    }
    (void)id;
    xfree(st->cfg->oauth2_bearer);
    st->cfg->oauth2_bearer = token;
    return 0;
}

/* The options whose value is more than one field of the config. */
/* --shard K/N: N from 1, K from 0 to N-1, both decimal. */
static int
parse_shard(enum opt_id id, const char *value, struct config *cfg)
{
    unsigned long k, n;
    char *end;
    const char *slash = strchr(value, '/');

    if (!isdigit((unsigned char)value[0]) || slash == NULL ||
        !isdigit((unsigned char)slash[1]))
        return bad_value(id, value, "expected K/N, as in 0/4");
    errno = 0;
    k = strtoul(value, &end, 10);
    if (end != slash || errno != 0)
        return bad_value(id, value, "expected K/N, as in 0/4");
    n = strtoul(slash + 1, &end, 10);
    if (*end != '\0')
        return bad_value(id, value, "expected K/N, as in 0/4");
    if (errno != 0 || n == 0 || n > UINT32_MAX)
        return bad_value(id, value, "N must be a number from 1 to 4294967295");
    if (k >= n)
        return bad_value(id, value, "K counts from 0 and must be below N");
    cfg->shard_k = (unsigned)k;
    cfg->shard_n = (unsigned)n;
    return 0;
}

static int
apply_special(struct parse_state *st, enum opt_id id, const char *value)
{
    struct config *cfg = st->cfg;

    switch (id) {
    case OPT_OUTPUT:
        /* Paired with the URLs by position once argv is read. */
        if (*value == '\0')
            return bad_value(id, value, "empty (-o - is standard output)");
        strlist_push(&st->outputs, value);
        return 0;
    case OPT_MIRROR:
        /* Another source of the URL before it: paired once argv is read. */
        if (st->urls.n == 0)
            return bad_value(id, value, "no URL before it (--mirror follows its URL)");
        if (*value == '\0')
            return bad_value(id, value, "empty URL");
        strlist_push(&st->mirrors, value);
        st->mirror_of = xrealloc(st->mirror_of, st->mirrors.n * sizeof *st->mirror_of);
        st->mirror_of[st->mirrors.n - 1] = st->urls.n - 1;
        return 0;
    case OPT_INPUT_FILE:
        /* Read once argv is read, so its URLs come after the others. */
        if (st->input_file != NULL)
            return bad_value(id, value, "only one --input-file");
        st->input_file = xstrdup(value);
        return 0;
    case OPT_SHARD:
        return parse_shard(id, value, cfg);
    case OPT_CHECKSUM: {
        const char *why = NULL;
        int algo = 0;
        if (!parse_checksum(value, &algo, cfg->checksum, &cfg->checksum_len, &why))
            return bad_value(id, value, why);
        cfg->checksum_algo = algo == 1 ? CHECKSUM_SHA256 : CHECKSUM_SHA512;
        return 0;
    }
    case OPT_HELP:
        /* --help=TOPIC, else perhaps the next word (see finish). */
        cfg->help = true;
        if (value != NULL) {
            xfree(cfg->help_topic);
            cfg->help_topic = xstrdup(value);
        }
        st->after_help = st->next_word;
        return 0;
    case OPT_PASS:
        return read_pass(cfg, value);
    case OPT_OAUTH2_BEARER:
        return apply_bearer(st, id, value);
    case OPT_SILENT:
        cfg->level = MSG_QUIET;
        cfg->silent = true;
        return 0;
    case OPT_CONFIG:
    case OPT_NO_CONFIG:
        return 0;    /* taken in the first look at argv */
    case OPT_MEMSTATS:
        cfg->memstats = true;
        if (value != NULL) {
            if (*value == '\0')
                return bad_value(id, value, "empty file name");
            xfree(cfg->memstats_file);
            cfg->memstats_file = xstrdup(value);
        }
        return 0;
    case OPT_DATA:
    case OPT_DATA_BINARY:
    case OPT_JSON:
    case OPT_REQUEST:
    case OPT_WRITE_OUT: {
        /* Read now, once: a body from a pipe could not be read again. */
        const char *why = options_request_apply(cfg, id, value);
        return why != NULL ? bad_value(id, value, why) : 0;
    }
    default:
        msg_error("--%s has no parser", options_table[id].lname);
        return HAUL_EXIT_INTERNAL;
    }
}

typedef int apply_fn(struct parse_state *st, enum opt_id id, const char *value);

static apply_fn *const handlers[] = {
    [OT_FLAG] = apply_flag,
    [OT_SET] = apply_set,
    [OT_IGNORED] = apply_ignored,
    [OT_STRING] = apply_string,
    [OT_LIST] = apply_list,
    [OT_COUNT] = apply_count,
    [OT_SIZE] = apply_size,
    [OT_DURATION] = apply_duration,
    [OT_CHOICE] = apply_choice,
    [OT_SPECIAL] = apply_special,
};
_Static_assert(sizeof handlers / sizeof handlers[0] == OT_SPECIAL + 1, "a handler per type");

/* One option with its value (NULL: none given) from the command line. */
static int
apply(struct parse_state *st, enum opt_id id, const char *value)
{
    const struct opt_def *o = &options_table[id];

    if (st->collect) {
        if (id == OPT_CONFIG)
            strlist_push(&st->configs, value);
        st->no_config = st->no_config || id == OPT_NO_CONFIG;
        st->alone = st->alone || o->alone;
        st->input_stdin = st->input_stdin || (id == OPT_INPUT_FILE && strcmp(value, "-") == 0);
        return 0;
    }
    if (value == NULL && o->implicit != NULL)
        value = o->implicit;
    st->cfg->given[id] = true;
    return handlers[o->type](st, id, value);
}

/* The rows' defaults, through the same handlers as given values. */
static int
config_defaults(struct parse_state *st)
{
    memset(st->cfg, 0, sizeof *st->cfg);
    st->cfg->level = MSG_NORMAL;
    for (int id = 0; id < OPT_COUNT; id++) {
        const struct opt_def *o = &options_table[id];
        int rc;
        if (o->def != NULL && (rc = handlers[o->type](st, (enum opt_id)id, o->def)) != 0)
            return rc;
    }
    return 0;
}

/* ---- argv ------------------------------------------------------------ */

static int
find_long(const char *name, size_t len)
{
    for (int i = 0; i < OPT_COUNT; i++)
        if (strlen(options_table[i].lname) == len &&
            strncmp(options_table[i].lname, name, len) == 0)
            return i;
    return -1;
}

static int
find_short(char c)
{
    for (int i = 0; i < OPT_COUNT; i++)
        if (options_table[i].sname == c)
            return i;
    return -1;
}

/* ---- config files ------------------------------------------------------ */

/*
 * What a config file may not set: what pairs with the command line's URLs
 * or reads other files (-o, -i, -K), what is a run of its own (--help,
 * --version), and --memstats, which main.c must know from argv before
 * anything is allocated.
 */
static bool
config_allows(enum opt_id id)
{
    switch (id) {
    case OPT_OUTPUT:
    case OPT_INPUT_FILE:
    case OPT_CONFIG:
    case OPT_NO_CONFIG:
    case OPT_HELP:
    case OPT_VERSION:
    case OPT_MEMSTATS:
    case OPT_MEMSTATS_INTERVAL:
        return false;
    default:
        return true;
    }
}

/* One option of a config file (config_file_fn). */
static int
on_config_option(void *ctx, const char *file, unsigned line, const char *name,
                 const char *value)
{
    struct parse_state *st = ctx;
    int id = find_long(name, strlen(name));

    snprintf(where, sizeof where, "config file %s:%u: ", file, line);
    if (id < 0) {
        msg_usage_error("%sunknown option '%s'", where, name);
        return HAUL_EXIT_USAGE;
    }
    const struct opt_def *o = &options_table[id];
    if (!config_allows((enum opt_id)id)) {
        msg_usage_error("%s--%s cannot be set in a config file", where, o->lname);
        return HAUL_EXIT_USAGE;
    }
    if (opt_arg_kind(o) == ARG_NONE && value != NULL) {
        msg_usage_error("%soption --%s takes no value", where, o->lname);
        return HAUL_EXIT_USAGE;
    }
    if (opt_arg_kind(o) == ARG_REQUIRED && value == NULL) {
        msg_usage_error("%soption --%s needs a value (%s)", where, o->lname, opt_arg_name(o));
        return HAUL_EXIT_USAGE;
    }
    return apply(st, (enum opt_id)id, value);
}

/* The default config file (unless --no-config), then each -K in order.
 * None for --help and --version, which a broken file must not stop. */
static int
read_configs(struct parse_state *st)
{
    int rc = 0;

    if (st->alone)
        return 0;
    for (size_t i = 0; i < st->configs.n; i++) {
        if (st->input_stdin && strcmp(st->configs.v[i], "-") == 0) {
            msg_usage_error("-K - and -i - cannot both read standard input");
            return HAUL_EXIT_USAGE;
        }
    }
    if (!st->no_config) {
        char *path = config_file_default_path();
        if (path != NULL)
            rc = config_file_read(path, false, on_config_option, st);
        xfree(path);
    }
    for (size_t i = 0; i < st->configs.n && rc == 0; i++)
        rc = config_file_read(st->configs.v[i], true, on_config_option, st);
    where[0] = '\0';
    return rc;
}

/* "--name", "--name=value" or "--name value" at argv[*i]. */
static int
take_long(struct parse_state *st, int argc, char **argv, int *i)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    int id = find_long(name, len);
    const char *value = NULL;

    if (id < 0) {
        msg_usage_error("unknown option --%.*s", (int)len, name);
        return HAUL_EXIT_USAGE;
    }
    const struct opt_def *o = &options_table[id];
    st->next_word = *i + 1 < argc ? argv[*i + 1] : NULL;
    switch (opt_arg_kind(o)) {
    case ARG_NONE:
        if (eq != NULL) {
            msg_usage_error("option --%s takes no value", o->lname);
            return HAUL_EXIT_USAGE;
        }
        break;
    case ARG_OPTIONAL:
        value = eq ? eq + 1 : NULL;
        break;
    case ARG_REQUIRED:
        if (eq != NULL) {
            value = eq + 1;
        } else if (*i + 1 < argc) {
            value = argv[++*i];
        } else {
            msg_usage_error("option --%s needs a value (%s)", o->lname, opt_arg_name(o));
            return HAUL_EXIT_USAGE;
        }
        break;
    }
    return apply(st, (enum opt_id)id, value);
}

/* A cluster of short options at argv[*i]: -qc, -o FILE, -oFILE. */
static int
take_short(struct parse_state *st, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];

    for (const char *p = arg + 1; *p != '\0'; p++) {
        int id = find_short(*p);
        int rc;
        if (id < 0) {
            if (isprint((unsigned char)*p))
                msg_usage_error("unknown option -%c", *p);
            else
                msg_usage_error("unknown option in '%s'", arg);
            return HAUL_EXIT_USAGE;
        }
        const struct opt_def *o = &options_table[id];
        if (opt_arg_kind(o) == ARG_REQUIRED) {
            const char *value;
            if (p[1] != '\0') {
                value = p + 1;
            } else if (*i + 1 < argc) {
                value = argv[++*i];
            } else {
                msg_usage_error("option -%c needs a value (%s)", *p, opt_arg_name(o));
                return HAUL_EXIT_USAGE;
            }
            return apply(st, (enum opt_id)id, value);
        }
        st->next_word = p[1] == '\0' && *i + 1 < argc ? argv[*i + 1] : NULL;
        if ((rc = apply(st, (enum opt_id)id, NULL)) != 0)
            return rc;
    }
    return 0;
}

void
job_init(struct job *j, const char *url, const char *output, unsigned line, bool ok)
{
    j->url = xstrdup(url);
    j->output = output != NULL ? xstrdup(output) : NULL;
    j->line = line;
    j->input_ok = ok;
    j->mirrors = NULL;
    j->nmirrors = 0;
}

void
job_add_mirror(struct job *j, const char *url)
{
    j->mirrors = xrealloc(j->mirrors, (j->nmirrors + 1) * sizeof *j->mirrors);
    j->mirrors[j->nmirrors++] = xstrdup(url);
}

void
job_clear(struct job *j)
{
    xfree(j->url);
    xfree(j->output);
    for (size_t k = 0; k < j->nmirrors; k++)
        xfree(j->mirrors[k]);
    xfree(j->mirrors);
    memset(j, 0, sizeof *j);
}

static void
add_job(struct config *cfg, const char *url, const char *output, unsigned line, bool ok)
{
    cfg->jobs = xrealloc(cfg->jobs, (cfg->njobs + 1) * sizeof *cfg->jobs);
    job_init(&cfg->jobs[cfg->njobs++], url, output, line, ok);
}

/* Another source of the last job's bytes. */
static void
add_mirror(struct config *cfg, const char *url)
{
    job_add_mirror(&cfg->jobs[cfg->njobs - 1], url);
}

/*
 * The whole of an input file at once, with the line rules of
 * inputline_parse() (several URLs on a line: one file and its mirrors);
 * the run reads its list line by line instead (joblist.c).  For the fuzzer
 * and the unit tests.
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
        struct inputline in;
        if (!inputline_parse(line, lineno, &in))
            continue;
        add_job(cfg, in.url, in.output, lineno, in.ok);
        for (char *m; inputline_take_mirror(&in, &m);)
            add_mirror(cfg, m);
    }
    free(line);    /* getline allocates with libc malloc */
    if (errno == ENOMEM) {
        /* Not the end of the list: never run half of it silently. */
        msg_error("out of memory reading --input-file %s at line %u", name, lineno + 1);
        return HAUL_EXIT_INTERNAL;
    }
    if (ferror(f)) {
        msg_usage_error("--input-file %s: %s", name,
                        errno != 0 ? strerror(errno) : "read error");
        return HAUL_EXIT_USAGE;
    }
    return 0;
}

/* Opens --input-file for the run, which reads it as it goes (joblist.c). */
static int
open_input_file(struct config *cfg, const char *path)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;

    if (fd < 0) {
        msg_usage_error("--input-file %s: %s", path, strerror(errno));
        return HAUL_EXIT_USAGE;
    }
    /* open() takes a directory; say so rather than "read error". */
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        msg_usage_error("--input-file %s: is a directory, not a list of URLs", path);
        if (fd != STDIN_FILENO)
            close(fd);
        return HAUL_EXIT_USAGE;
    }
    cfg->input_fd = fd;
    cfg->input_name = xstrdup(path);
    return 0;
}

/* `haul --help TOPIC`: the word after --help names a topic when it looks
 * like one (letters, digits, '-'); a URL there, or anywhere else on the
 * line, does not turn --help into an error. */
static void
help_topic(struct parse_state *st)
{
    const char *w = st->after_help;
    if (st->cfg->help_topic != NULL || w == NULL || w[0] == '-' || w[0] == '\0' ||
        w[strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")] != '\0')
        return;
    st->cfg->help_topic = xstrdup(w);
}

/* The rules between the options that decide how files are written. */
static int
file_rules(struct config *cfg)
{
    /* If-Modified-Since is sent from the file's time: it must be the
     * server's (wget does the same). */
    if (cfg->timestamping)
        cfg->remote_time = true;
    if (cfg->timestamping && cfg->no_clobber) {
        msg_usage_error("--timestamping and --no-clobber exclude each other: one replaces "
                        "a changed file, the other never replaces one");
        return HAUL_EXIT_USAGE;
    }
    /* -J names the files -O would name (as wget, not curl, where -J alone
     * does nothing). */
    if (cfg->content_disposition)
        cfg->remote_name = true;
    return 0;
}

/* -u USER: the password from the terminal, or a usage error without one. */
static int
ask_password(struct config *cfg)
{
    int err = 0;
    char *prompt = xasprintf("Enter the password for user '%s': ", cfg->user);
    char *pw = secret_read_password(prompt, &err);

    xfree(prompt);
    if (pw == NULL) {
        if (err == ENOTTY)
            msg_usage_error("-u/--user: bad value '%s': expected USER:PASS (standard input is "
                            "not a terminal to ask for the password)", cfg->user);
        else
            msg_usage_error("-u/--user: no password read: %s",
                            err != 0 ? strerror(err) : "end of input");
        return HAUL_EXIT_USAGE;
    }
    char *user = xasprintf("%s:%s", cfg->user, pw);
    memset(pw, 0, strlen(pw));
    xfree(pw);
    xfree(cfg->user);
    cfg->user = user;
    return 0;
}

/* The rules between options and the jobs, once argv is read. */
static int
finish(struct parse_state *st)
{
    struct config *cfg = st->cfg;

    if (cfg->given[OPT_MEMSTATS_INTERVAL])
        cfg->memstats = true;
    /* -s then -v: verbose; -s with -S: errors only, as with curl. */
    cfg->silent = cfg->silent && cfg->level == MSG_QUIET && !cfg->show_error;
    if (cfg->help) {
        help_topic(st);
        return 0;
    }
    if (cfg->version)
        return 0;
    if (st->outputs.n > st->urls.n) {
        msg_usage_error("-o %s has no URL to go with it", st->outputs.v[st->urls.n]);
        return HAUL_EXIT_USAGE;
    }
    if (file_rules(cfg) != 0)
        return HAUL_EXIT_USAGE;
    cfg->retry_fixed = cfg->given[OPT_RETRY_DELAY] && !cfg->given[OPT_RETRY_MAX_DELAY];
    /* --retry-max-delay alone, below the default base delay: the base
     * comes down to it (the user never gave one to contradict). */
    if (cfg->given[OPT_RETRY_MAX_DELAY] && !cfg->given[OPT_RETRY_DELAY] &&
        cfg->retry_max_delay_ms < cfg->retry_delay_ms)
        cfg->retry_delay_ms = cfg->retry_max_delay_ms;
    if (!cfg->retry_fixed && cfg->retry_max_delay_ms < cfg->retry_delay_ms) {
        msg_usage_error("--retry-max-delay is shorter than --retry-delay");
        return HAUL_EXIT_USAGE;
    }
    const char *why = options_request_finish(cfg);
    if (why != NULL) {
        msg_usage_error("%s", why);
        return HAUL_EXIT_USAGE;
    }
    if (cfg->user != NULL && cfg->oauth2_bearer != NULL) {
        msg_usage_error("-u/--user and --oauth2-bearer: give one of them");
        return HAUL_EXIT_USAGE;
    }
    for (size_t k = 0; k < st->urls.n; k++) {
        add_job(cfg, st->urls.v[k], k < st->outputs.n ? st->outputs.v[k] : NULL, 0, true);
        for (size_t m = 0; m < st->mirrors.n; m++)
            if (st->mirror_of[m] == k)
                add_mirror(cfg, st->mirrors.v[m]);
    }
    if (st->input_file != NULL) {
        int rc = open_input_file(cfg, st->input_file);
        if (rc != 0)
            return rc;
    } else if (cfg->njobs == 0) {
        msg_usage_error("no URL given");
        return HAUL_EXIT_USAGE;
    }
    /* Last: a mistake above is reported before anyone is asked. */
    if (cfg->user != NULL && strchr(cfg->user, ':') == NULL)
        return ask_password(cfg);
    return 0;
}

/* The words of argv: options and URLs.  In the first look (st->collect)
 * only -K and --no-config are taken. */
static int
scan_argv(struct parse_state *st, int argc, char **argv)
{
    bool only_urls = false;
    int rc = 0;

    for (int i = 1; i < argc && rc == 0; i++) {
        const char *arg = argv[i];

        if (only_urls || arg[0] != '-' || arg[1] == '\0') {
            if (!st->collect)
                strlist_push(&st->urls, arg);
        } else if (strcmp(arg, "--") == 0) {
            only_urls = true;
        } else if (arg[1] == '-') {
            rc = take_long(st, argc, argv, &i);
        } else {
            rc = take_short(st, argc, argv, &i);
        }
    }
    return rc;
}

/*
 * The command line is looked at twice: first for -K and --no-config, then
 * the config files are applied (the default one, then each -K in order),
 * then the command line's options, so that these win: a value given twice
 * keeps the last, and repeatable options (-H) add the command line's after
 * the files'.
 */
int
options_parse(int argc, char **argv, struct config *cfg)
{
    struct parse_state st = { .cfg = cfg, .collect = true };
    int rc = config_defaults(&st);

    if (rc == 0)
        rc = scan_argv(&st, argc, argv);
    st.collect = false;
    if (rc == 0)
        rc = read_configs(&st);
    if (rc == 0)
        rc = scan_argv(&st, argc, argv);
    if (rc == 0)
        rc = finish(&st);
    strlist_free(&st.urls);
    strlist_free(&st.outputs);
    strlist_free(&st.configs);
    strlist_free(&st.mirrors);
    xfree(st.mirror_of);
    xfree(st.input_file);
    if (rc != 0)
        config_free(cfg);
    return rc;
}
