/*
 * options_table.h - the row type of haul's option table (options.def).
 *
 * Each row says what one option takes and where its value goes: its type,
 * its field in struct config, its limits, default and allowed values, and
 * what the shell completions offer for it.  options.c parses the command
 * line and prints --help from the rows; src/optgen.c writes the bash, zsh
 * and fish completions and the list tests/docs.bats holds the man page
 * against; tests/unit/test_options.c checks every row.  The rest of haul
 * reads only the parsed struct config (options.h).
 */
#ifndef HAUL_OPTIONS_TABLE_H
#define HAUL_OPTIONS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"

/* What a value is, and so how options.c parses, checks and stores it. */
enum opt_type {
    OT_FLAG,        /* no value: the bool field becomes true */
    OT_SET,         /* no value: the field becomes .value (-q, -v) */
    OT_IGNORED,     /* no value and no effect (accepted for curl habits) */
    OT_STRING,      /* a copy of the value (.nonempty, .check); the last counts */
    OT_LIST,        /* repeatable: each value (.check) is appended to the list */
    OT_COUNT,       /* a whole number in [.min, .max], or the word "inf" */
    OT_SIZE,        /* parse_size(): bytes in [.min, .max] */
    OT_DURATION,    /* parse_duration_ms(): milliseconds in [.min, .max] */
    OT_CHOICE,      /* one of .choices: its value is stored */
    OT_SPECIAL,     /* code of its own in options.c: apply_special(); last */
};

/* Whether an option takes a value, derived from the row (opt_arg_kind). */
enum opt_arg {
    ARG_NONE,
    ARG_REQUIRED,   /* --opt VALUE, --opt=VALUE, -o VALUE, -oVALUE */
    ARG_OPTIONAL,   /* --opt or --opt=VALUE: only taken after "=" */
};

/* The --help and man page sections, in their order. */
enum opt_group { GROUP_OUTPUT, GROUP_REQUEST, GROUP_RETRY, GROUP_REPORT, GROUP_COUNT };

/* What the completions offer for a value, besides the row's words. */
enum opt_comp {
    COMP_NONE,      /* nothing: numbers, sizes, durations, free text */
    COMP_FILE,      /* file names */
    COMP_DIR,       /* directory names */
    COMP_URL,       /* a URL (zsh has a completer for them) */
    COMP_PREFIX,    /* the words are beginnings of a value: no space after */
};

/* The C type of a config field, found by OPT_FIELD with _Generic: a field
 * of any other type does not compile. */
enum opt_store {
    ST_NONE,        /* the option has no field */
    ST_BOOL,
    ST_INT,
    ST_UINT,        /* unsigned int, and enums whose values are not negative */
    ST_LONG,
    ST_ULONG,
    ST_ULLONG,
    ST_STR,         /* char *, owned by the config */
    ST_STRV,        /* char **, owned, with a size_t count at .count_off */
};

#define OPT_STORE_OF(x) _Generic((x), \
    bool: ST_BOOL, int: ST_INT, unsigned int: ST_UINT, long: ST_LONG, \
    unsigned long: ST_ULONG, unsigned long long: ST_ULLONG, \
    char *: ST_STR, char **: ST_STRV)
/* The field of struct config an option writes. */
#define OPT_FIELD(f) \
    .off = offsetof(struct config, f), \
    .store = OPT_STORE_OF(((struct config *)0)->f)
/* A repeatable option's list and its count. */
#define OPT_LIST_FIELD(f, n) OPT_FIELD(f), .count_off = offsetof(struct config, n)

/* An allowed value of an OT_CHOICE option and what it stores; for other
 * types a word the completions offer (--help topics, --checksum's ALGO:). */
struct opt_choice {
    const char *name;
    int value;
};
/* A row's choices: OPT_CHOICES({"a", A}, {"b", B}). */
#define OPT_CHOICES(...) ((const struct opt_choice[]){ __VA_ARGS__, { NULL, 0 } })

struct opt_def {
    const char *lname;          /* long name, without "--" */
    char sname;                 /* short letter, or 0 */
    enum opt_type type;
    enum opt_group group;
    const char *arg;            /* the value's name in --help and the man
                                 * page; NULL: N, SIZE or SECS by type */
    bool optional;              /* the value may be left out; it is only
                                 * taken after "=" (--stream[=MODE]) */
    bool next_word;             /* an optional value may also be the next
                                 * word (--help TOPIC); special code takes it */
    bool secret;                /* OT_STRING: a password after its first ':'
                                 * is blanked in argv once copied (ps) */
    const char *implicit;       /* an optional value left out means this */
    bool repeat;                /* each use counts (-o, -H); else the last */
    bool at_file;               /* OT_LIST: "@FILE" adds each line of FILE
                                 * (blank lines skipped), so that secrets
                                 * stay out of the process list */
    bool alone;                 /* the run does only this (--help, --version) */
    size_t off;                 /* the field (OPT_FIELD), if .store */
    enum opt_store store;
    size_t count_off;           /* OT_LIST: its size_t count */
    uint64_t min, max;          /* OT_COUNT, OT_SIZE (bytes), OT_DURATION
                                 * (ms); for sizes and durations max 0 is
                                 * no limit */
    uint64_t inf;               /* OT_COUNT: the value of the word "inf";
                                 * 0: "inf" is not allowed */
    int value;                  /* OT_SET: the value stored */
    const struct opt_choice *choices;
    const char *def;            /* the default, as a user would write it: it
                                 * is parsed like a given value before argv,
                                 * and --help shows it as "(default DEF)";
                                 * NULL: the field's zero, or a default the
                                 * code picks at run time (say so in .help) */
    bool nonempty;              /* OT_STRING: "" is refused */
    const char *(*check)(const char *value); /* OT_STRING, OT_LIST: the
                                 * reason a value is refused, or NULL */
    enum opt_comp comp;
    const char *help;           /* the --help line; "{choices}" becomes the
                                 * choices: "a, b or c" */
};

/* The table, indexed by enum opt_id. */
extern const struct opt_def options_table[OPT_COUNT];
extern const char *const options_group_titles[GROUP_COUNT];

enum opt_arg opt_arg_kind(const struct opt_def *o);
/* .arg, or the type's usual name (N, SIZE, SECS); NULL without a value. */
const char *opt_arg_name(const struct opt_def *o);
/* "64K", "1G": v bytes in the largest unit that divides them, else a number. */
void opt_size_text(uint64_t v, char *buf, size_t len);
/* "0.01", "30", "1.5": milliseconds as seconds. */
void opt_seconds_text(uint64_t ms, char *buf, size_t len);
/* The limits of a number as the man page states them: "1 to 64", "64K to
 * 1G", "more than 0", "at least 0.01".  False (and "") when it has none. */
bool opt_limits_text(const struct opt_def *o, char *buf, size_t len);
/* Writes "a, b or c", the names of `o`'s choices, into buf ("" without
 * choices).  Returns false when they did not fit. */
bool opt_choice_list(const struct opt_def *o, char *buf, size_t len);
/* Writes the --help text of `o` into buf: .help with {choices} expanded and
 * the default appended.  Returns false when it did not fit. */
bool opt_help_text(const struct opt_def *o, char *buf, size_t len);
/* The words the completions offer for `o`'s value, one per call with
 * i = 0, 1, ...; NULL after the last: the choices, then "inf". */
const char *opt_word(const struct opt_def *o, size_t i);

#endif
