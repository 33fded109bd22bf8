/*
 * Unit tests of the option table (src/options.def) and of the parsing that
 * comes from it (src/options.c): every row is well formed, every default
 * goes through its row's handler, and every typed option takes its limits
 * and refuses one past them, driven by the rows themselves, so a row added
 * later is tested the same way.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "exitcodes.h"
#include "options.h"
#include "options_table.h"

#define URL "http://127.0.0.1:1/"

/* options_parse() on argv[0] and the words up to NULL; usage errors go
 * to /dev/null when `quiet`. */
static int
parse_words(struct config *cfg, bool quiet, ...)
{
    char *argv[16] = { strdup("haul") };
    int argc = 1;
    int saved = -1;
    va_list ap;
    const char *w;

    va_start(ap, quiet);
    while (argc < 15 && (w = va_arg(ap, const char *)) != NULL)
        argv[argc++] = strdup(w);
    va_end(ap);
    if (quiet) {
        int null = open("/dev/null", O_WRONLY);
        (void)fflush(stderr);
        saved = dup(2);
        dup2(null, 2);
        close(null);
    }
    int rc = options_parse(argc, argv, cfg);
    if (quiet) {
        (void)fflush(stderr);
        dup2(saved, 2);
        close(saved);
    }
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return rc;
}

/* The same with one or two words and a URL. */
static int
parse(struct config *cfg, bool quiet, const char *a, const char *b)
{
    if (b == NULL)
        return parse_words(cfg, quiet, a, URL, (const char *)NULL);
    return parse_words(cfg, quiet, a, b, URL, (const char *)NULL);
}

/* A field's value, whatever the integer type of the row's store. */
static uint64_t
number_of(const struct config *cfg, const struct opt_def *o)
{
    const void *p = (const char *)cfg + o->off;
    switch (o->store) {
    case ST_BOOL: return *(const bool *)p;
    case ST_INT: return (uint64_t)*(const int *)p;
    case ST_UINT: return *(const unsigned *)p;
    case ST_LONG: return (uint64_t)*(const long *)p;
    case ST_ULONG: return *(const unsigned long *)p;
    case ST_ULLONG: return *(const unsigned long long *)p;
    default: return UINT64_MAX;
    }
}

static uint64_t
store_max(enum opt_store st)
{
    switch (st) {
    case ST_BOOL: return 1;
    case ST_INT: return INT32_MAX;
    case ST_UINT: return UINT32_MAX;
    case ST_LONG: return INT64_MAX;
    default: return UINT64_MAX;
    }
}

static bool
integer_store(enum opt_store st)
{
    return st != ST_NONE && st != ST_STR && st != ST_STRV && st != ST_BOOL;
}

/* The shape of each row: what its type needs, and nothing that clashes. */
static void
check_row(const struct opt_def *o)
{
    char help[512];

    if (o->lname == NULL || o->help == NULL) {
        CHECK(!"a row without a name or help");
        return;
    }
    CHECK(o->lname[0] != '\0' && o->lname[0] != '-');
    CHECK(o->help[0] != '\0');
    CHECK(o->group < GROUP_COUNT);
    /* A default value is the row's, never the help line's. */
    CHECK(strstr(o->help, "(default ") == NULL);
    CHECK(opt_help_text(o, help, sizeof help));
    if (o->type == OT_CHOICE) {
        char list[256];
        CHECK(opt_choice_list(o, list, sizeof list) && strstr(help, list) != NULL);
    }
    if (opt_arg_kind(o) != ARG_NONE)
        CHECK(opt_arg_name(o) != NULL && strcmp(opt_arg_name(o), "VALUE") != 0);
    else
        CHECK(opt_arg_name(o) == NULL && o->implicit == NULL);
    if (o->optional)
        CHECK(o->implicit != NULL || o->type == OT_SPECIAL);
    /* Words are values; only an optional value may be the next word (and
     * then special code takes it); a secret is copied from argv, never a
     * default. */
    if (opt_arg_kind(o) == ARG_NONE)
        CHECK(opt_word(o, 0) == NULL);
    if (o->next_word)
        CHECK(o->optional && o->type == OT_SPECIAL);
    if (o->secret)
        CHECK(o->type == OT_STRING && o->def == NULL);
    switch (o->type) {
    case OT_FLAG: CHECK(o->store == ST_BOOL); break;
    case OT_SET: CHECK(integer_store(o->store)); break;
    case OT_IGNORED:
    case OT_SPECIAL: CHECK(o->store == ST_NONE); break;
    case OT_STRING: CHECK(o->store == ST_STR); break;
    case OT_LIST: CHECK(o->store == ST_STRV && o->repeat); break;
    case OT_COUNT:
        CHECK(integer_store(o->store));
        CHECK(o->max > 0 && o->min <= o->max && o->max <= store_max(o->store));
        CHECK(o->inf == 0 || (o->inf > o->max && o->inf <= store_max(o->store)));
        break;
    case OT_SIZE:
    case OT_DURATION:
        CHECK(integer_store(o->store));
        CHECK(o->max == 0 || (o->min <= o->max && o->max <= store_max(o->store)));
        break;
    case OT_CHOICE:
        CHECK(integer_store(o->store));
        CHECK(o->choices != NULL && o->choices[0].name != NULL);
        break;
    }
    if (o->type != OT_CHOICE && o->type != OT_COUNT)
        CHECK(o->inf == 0);
    if (o->implicit != NULL && o->type == OT_CHOICE) {
        bool found = false;
        for (const struct opt_choice *c = o->choices; c->name != NULL; c++)
            found = found || strcmp(c->name, o->implicit) == 0;
        CHECK(found);
    }
    for (const struct opt_def *x = options_table; x < o; x++) {
        CHECK(strcmp(x->lname, o->lname) != 0);
        CHECK(o->sname == 0 || x->sname != o->sname);
    }
}

/* Parses "--NAME=value" and returns the field, or UINT64_MAX on an error. */
static uint64_t
value_of(const struct opt_def *o, const char *value)
{
    struct config cfg;
    char arg[128];
    uint64_t v = UINT64_MAX;

    /* --retry-max-delay may not be shorter than --retry-delay (default 1). */
    snprintf(arg, sizeof arg, "--%s=%s", o->lname, value);
    if (parse(&cfg, true, "--retry-delay=0", arg) == 0)
        v = number_of(&cfg, o);
    config_free(&cfg);
    return v;
}

/* Numbers take their limits and refuse one past them. */
static void
check_limits(const struct opt_def *o)
{
    const char *unit = o->type == OT_DURATION ? "ms" : "";
    char s[64];

    if (o->type != OT_COUNT && o->type != OT_SIZE && o->type != OT_DURATION)
        return;
    snprintf(s, sizeof s, "%llu%s", (unsigned long long)o->min, unit);
    CHECK_U64(value_of(o, s), o->min);
    if (o->min > 0) {
        snprintf(s, sizeof s, "%llu%s", (unsigned long long)o->min - 1, unit);
        CHECK_U64(value_of(o, s), UINT64_MAX);
    }
    if (o->max != 0) {
        snprintf(s, sizeof s, "%llu%s", (unsigned long long)o->max, unit);
        CHECK_U64(value_of(o, s), o->max);
        snprintf(s, sizeof s, "%llu%s", (unsigned long long)o->max + 1, unit);
        CHECK_U64(value_of(o, s), UINT64_MAX);
    }
    CHECK_U64(value_of(o, "inf"), o->inf != 0 ? o->inf : UINT64_MAX);
    CHECK_U64(value_of(o, "x"), UINT64_MAX);
}

/* Each choice stores its own value; anything else is refused. */
static void
check_choices(const struct opt_def *o)
{
    if (o->type != OT_CHOICE)
        return;
    for (const struct opt_choice *c = o->choices; c->name != NULL; c++)
        CHECK_U64(value_of(o, c->name), (uint64_t)c->value);
    CHECK_U64(value_of(o, "no-such-choice"), UINT64_MAX);
    if (o->implicit != NULL) {
        struct config cfg;
        char arg[128];
        snprintf(arg, sizeof arg, "--%s", o->lname);
        CHECK(parse(&cfg, false, arg, NULL) == 0);
        CHECK_U64(number_of(&cfg, o), value_of(o, o->implicit));
        config_free(&cfg);
    }
}

/* Strings and lists: stored, repeated, refused when empty. */
static void
check_strings(const struct opt_def *o)
{
    struct config cfg;
    char arg[128];

    if (o->type != OT_STRING && o->type != OT_LIST)
        return;
    /* A value every row's check takes: a header line, USER:PASS, a name;
     * the rows that take host entries get one. */
    const char *v = strcmp(o->lname, "resolve") == 0 ? "a:1:127.0.0.1" :
                    strcmp(o->lname, "connect-to") == 0 ? "a:1:b:2" : "a: b";
    snprintf(arg, sizeof arg, "--%s=%s", o->lname, v);
    CHECK(parse(&cfg, false, arg, arg) == 0);
    if (o->type == OT_STRING)
        CHECK_STR(*(char **)(void *)((char *)&cfg + o->off), v);
    else
        CHECK_U64(*(size_t *)(void *)((char *)&cfg + o->count_off), 2);
    config_free(&cfg);
    snprintf(arg, sizeof arg, "--%s=", o->lname);
    CHECK(parse(&cfg, true, arg, NULL) == (o->nonempty || o->check != NULL ? HAUL_EXIT_USAGE : 0));
    config_free(&cfg);
}

/* Values without a value: flags and settings. */
static void
check_flags(const struct opt_def *o)
{
    struct config cfg;
    char arg[128];

    if (o->type != OT_FLAG && o->type != OT_SET)
        return;
    snprintf(arg, sizeof arg, "--%s", o->lname);
    CHECK(parse(&cfg, false, arg, NULL) == 0);
    CHECK_U64(number_of(&cfg, o), o->type == OT_FLAG ? 1 : (uint64_t)o->value);
    config_free(&cfg);
    snprintf(arg, sizeof arg, "--%s=1", o->lname);
    CHECK(parse(&cfg, true, arg, NULL) == HAUL_EXIT_USAGE);
    config_free(&cfg);
}

static void
check_defaults(void)
{
    struct config cfg;

    CHECK(parse(&cfg, false, URL, NULL) == 0);
    CHECK_U64(cfg.parallel, 8);
    CHECK_U64(cfg.parallel_host, 6);
    CHECK_U64(cfg.segments, 1);
    CHECK_U64(cfg.buffer_size, 1024 * 1024);
    CHECK_U64(cfg.max_redirs, 10);
    CHECK_U64(cfg.connect_timeout_ms, 30000);
    CHECK_U64(cfg.retry, 10);
    CHECK_U64(cfg.retry_delay_ms, 1000);
    CHECK_U64(cfg.retry_max_delay_ms, 30000);
    CHECK_U64(cfg.stall_timeout_ms, 30000);
    CHECK_U64(cfg.level, MSG_NORMAL);
    CHECK_U64(cfg.stream, STREAM_OFF);
    CHECK_U64(cfg.progress, PROGRESS_DEFAULT);
    CHECK(!cfg.retry_fixed && !cfg.memstats && cfg.user_agent == NULL);
    CHECK_U64(cfg.njobs, 2);
    config_free(&cfg);
    /* Each row's default is what its field holds without the option. */
    for (const struct opt_def *o = options_table; o < options_table + OPT_COUNT; o++) {
        if (o->def == NULL)
            continue;
        CHECK(parse(&cfg, false, URL, NULL) == 0);
        CHECK_U64(number_of(&cfg, o), value_of(o, o->def));
        config_free(&cfg);
    }
}

/* The options with code of their own, and the rules between options. */
static void
check_special(void)
{
    struct config cfg;
    CHECK(parse_words(&cfg, false, "-o", "a", URL "1", "-qo", "b", URL "2", (const char *)NULL) == 0);
    CHECK(cfg.njobs == 2 && cfg.level == MSG_QUIET);
    CHECK_STR(cfg.jobs[0].output, "a");
    CHECK_STR(cfg.jobs[1].output, "b");
    config_free(&cfg);
    CHECK(parse_words(&cfg, true, "-o", "a", "-o", "b", URL, (const char *)NULL) == HAUL_EXIT_USAGE);
    CHECK(parse(&cfg, false, "--memstats", NULL) == 0);
    CHECK(cfg.memstats && cfg.memstats_file == NULL);
    config_free(&cfg);
    CHECK(parse(&cfg, false, "--memstats=m.json", NULL) == 0);
    CHECK_STR(cfg.memstats_file, "m.json");
    config_free(&cfg);
    CHECK(parse(&cfg, true, "--memstats=", NULL) == HAUL_EXIT_USAGE);
    CHECK(parse(&cfg, false, "--memstats-interval", "1") == 0);
    CHECK(cfg.memstats && cfg.memstats_interval_ms == 1000);
    config_free(&cfg);
    CHECK(parse(&cfg, false, "--checksum",
                "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
    CHECK(cfg.checksum_algo == CHECKSUM_SHA256 && cfg.checksum_len == 32);
    config_free(&cfg);
    CHECK(parse_words(&cfg, true, "-i", "a", "-i", "b", URL, (const char *)NULL) == HAUL_EXIT_USAGE);
    CHECK(parse(&cfg, false, "--retry-delay", "2") == 0);
    CHECK(cfg.retry_fixed && cfg.retry_delay_ms == 2000);
    config_free(&cfg);
    CHECK(parse_words(&cfg, true, "--retry-delay=1", "--retry-max-delay=0.5", URL,
                      (const char *)NULL) == HAUL_EXIT_USAGE);
    CHECK(parse(&cfg, false, "--help", "exit-codes") == 0);
    CHECK(cfg.help);
    CHECK_STR(cfg.help_topic, "exit-codes");
    config_free(&cfg);
    CHECK(parse(&cfg, false, "--help=exit-codes", NULL) == 0);
    CHECK_STR(cfg.help_topic, "exit-codes");
    config_free(&cfg);
    CHECK(parse(&cfg, false, "-qh", "exit-codes") == 0);
    CHECK_STR(cfg.help_topic, "exit-codes");
    config_free(&cfg);
    CHECK(parse(&cfg, false, "-hq", "exit-codes") == 0);      /* not after -h */
    CHECK(cfg.help && cfg.help_topic == NULL);
    config_free(&cfg);
    CHECK(parse(&cfg, false, "--help", NULL) == 0);           /* "--help URL" */
    CHECK(cfg.help && cfg.help_topic == NULL);
    config_free(&cfg);
    /* --retry-max-delay alone below the default base brings the base down. */
    CHECK(parse(&cfg, false, "--retry-max-delay", "0.5") == 0);
    CHECK(!cfg.retry_fixed && cfg.retry_delay_ms == 500 && cfg.retry_max_delay_ms == 500);
    config_free(&cfg);
    /* -u's password is blanked in argv once copied. */
    char user[] = "-uname:pw", url[] = URL, prog[] = "haul";
    char *argv_u[] = { prog, user, url, NULL };
    CHECK(options_parse(3, argv_u, &cfg) == 0);
    CHECK_STR(cfg.user, "name:pw");
    CHECK_STR(user, "-uname:  ");
    config_free(&cfg);
    CHECK(parse(&cfg, false, "-L", NULL) == 0);
    config_free(&cfg);
    char want[] = "--memstats-interval=1", dashes[] = "--", plain[] = "--memstats",
         longer[] = "--memstatsx";
    char *with[] = { plain, want, NULL };
    CHECK(options_want_memstats(2, with));
    char *after[] = { plain, dashes, plain, NULL };
    CHECK(!options_want_memstats(3, after));
    char *prefix[] = { plain, longer, NULL };
    CHECK(!options_want_memstats(2, prefix));
}

static void
check_texts(void)
{
    char buf[64];

    opt_size_text(64 * 1024, buf, sizeof buf);
    CHECK_STR(buf, "64K");
    opt_size_text(UINT64_C(1) << 30, buf, sizeof buf);
    CHECK_STR(buf, "1G");
    opt_size_text(1000, buf, sizeof buf);
    CHECK_STR(buf, "1000");
    opt_seconds_text(10, buf, sizeof buf);
    CHECK_STR(buf, "0.01");
    opt_seconds_text(30000, buf, sizeof buf);
    CHECK_STR(buf, "30");
    opt_seconds_text(1500, buf, sizeof buf);
    CHECK_STR(buf, "1.5");
    CHECK(opt_limits_text(&options_table[OPT_BUFFER_SIZE], buf, sizeof buf));
    CHECK_STR(buf, "64K to 1G");
    CHECK(opt_limits_text(&options_table[OPT_MEMSTATS_INTERVAL], buf, sizeof buf));
    CHECK_STR(buf, "at least 0.01");
    CHECK(!opt_limits_text(&options_table[OPT_RETRY_DELAY], buf, sizeof buf));
    CHECK(opt_help_text(&options_table[OPT_PROGRESS], buf, sizeof buf));
    CHECK_STR(buf, "bar, dots or none (default: bar on a terminal)");
    CHECK(opt_help_text(&options_table[OPT_PARALLEL], buf, sizeof buf));
    CHECK_STR(buf, "download up to N URLs at once (default 8)");
    CHECK(!opt_help_text(&options_table[OPT_PARALLEL], buf, 10));
    CHECK_STR(buf, "download ");
}

/* The checks of --resolve, --connect-to and --pinnedpubkey values. */
static void
check_net_values(void)
{
    static const char *const good[] = {
        "--resolve=h:80:127.0.0.1", "--resolve=+h:1:::1", "--resolve=h:65535:[::1],10.0.0.1",
        "--resolve=*:443:127.0.0.1", "--connect-to=h:80:[::1]:8080", "--connect-to=:::",
        "--connect-to=[::1]::b:", "--pinnedpubkey=key.pem",
        "--pinnedpubkey=sha256//+/+/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    };
    static const char *const bad[] = {
        "--resolve=h", "--resolve=h:80", "--resolve=h:80:", "--resolve=:80:127.0.0.1",
        "--resolve=h:0:127.0.0.1", "--resolve=h:65536:127.0.0.1", "--resolve=h:8 0:127.0.0.1",
        "--resolve=h:80:127.0.0.1,", "--resolve=h:80:name", "--resolve=[::1]:80:127.0.0.1",
        "--resolve=h:80:[::1", "--connect-to=h:80:b", "--connect-to=h:80:b:x",
        "--connect-to=h:0:b:1", "--connect-to=[::1:80:b:1", "--connect-to=h:80:b:1:2",
        "--pinnedpubkey=sha256//", "--pinnedpubkey=sha256//AAAA",
        "--pinnedpubkey=sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;",
        "--pinnedpubkey=sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*=",
    };
    struct config cfg;
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        CHECK(parse(&cfg, false, good[i], NULL) == 0);
        config_free(&cfg);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = parse(&cfg, true, bad[i], NULL);
        if (rc != HAUL_EXIT_USAGE)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK(rc == HAUL_EXIT_USAGE);
        config_free(&cfg);
    }
}

int
main(void)
{
    for (const struct opt_def *o = options_table; o < options_table + OPT_COUNT; o++) {
        check_row(o);
        check_limits(o);
        check_choices(o);
        check_strings(o);
        check_flags(o);
    }
    check_defaults();
    check_special();
    check_net_values();
    check_texts();
    return check_done("test_options");
}
