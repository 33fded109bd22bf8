/*
 * config_file.h - reading haul's config files: options kept in a file
 * instead of on every command line (curl's .curlrc, wget's .wgetrc).
 *
 * A config file holds one long option per line, in the command line's
 * syntax or curl's: "--retry 5", "retry 5", "retry = 5", "retry=5" and
 * "retry: 5" are the same line; an option without a value stands alone
 * ("insecure").  A value in double quotes may hold spaces and '#', with
 * \" \\ \n \t \r escapes; an unquoted value is the rest of the line, up to
 * a '#' after white space (a comment, as in --input-file).  Blank lines and
 * lines whose first non-blank character is '#' are skipped.
 *
 * This file only reads lines and hands each option to a callback: the
 * caller (options.c) looks the name up in the option table and applies the
 * value with the same code as a command-line option.
 */
#ifndef HAUL_CONFIG_FILE_H
#define HAUL_CONFIG_FILE_H

#include <stdbool.h>
#include <stdio.h>

/* What config_file_parse_line() found on one line. */
enum config_line {
    CONFIG_LINE_EMPTY,      /* blank or a comment */
    CONFIG_LINE_OPTION,     /* *name, and *value (NULL: none given) */
    CONFIG_LINE_BAD,        /* a syntax error: *why */
};

/*
 * Splits one line (its newline and any CR before it already gone or not)
 * in place: *name and *value point into `line`, whose escapes are undone.
 * Pure; unit-tested in tests/unit/test_config_file.c.
 */
enum config_line config_file_parse_line(char *line, char **name, char **value,
                                        const char **why);

/*
 * Called for each option of a file: `file` and `line` name where it was
 * (for messages), `value` is NULL when none was given.  0 goes on; any
 * other value stops the reading and is returned.
 */
typedef int config_file_fn(void *ctx, const char *file, unsigned line, const char *name,
                           const char *value);

/*
 * Reads the config file `path` ("-": standard input) and calls fn for each
 * option, in order.  A missing file is skipped when !must_exist (the
 * default file).  0, or an exit status after one message naming the file
 * (and line): 2 for a file that cannot be read or a syntax error, or fn's.
 */
int config_file_read(const char *path, bool must_exist, config_file_fn *fn, void *ctx);

/*
 * The default config file: $XDG_CONFIG_HOME/haul/config when that variable
 * is an absolute path, else $HOME/.config/haul/config; NULL without either.
 * Owned by the caller (xfree).
 */
char *config_file_default_path(void);

#endif
