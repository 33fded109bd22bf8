/*
 * config_file.c - reads config files line by line and hands each option to
 * the caller; see config_file.h for the syntax.
 *
 * Only long names are read: a config file is read months after it was
 * written, and "--retry 5" says what "-r 5" would not.  A line that is not
 * an option is an error naming the file and the line, never skipped: a
 * setting that silently does not apply is worse than a failed start.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_file.h"
#include "exitcodes.h"
#include "mem.h"
#include "msg.h"

static char *
skip_blanks(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* A quoted value from s (just after the opening quote), unescaped in
 * place.  NULL and *why on a missing quote or text after it. */
static char *
unquote(char *s, const char **why)
{
    char *out = s, *p = s;

    for (;;) {
        if (*p == '\0') {
            *why = "no closing quote";
            return NULL;
        }
        if (*p == '"')
            break;
        if (*p == '\\' && p[1] != '\0') {
            p++;
            switch (*p) {
            case 'n': *out++ = '\n'; break;
            case 't': *out++ = '\t'; break;
            case 'r': *out++ = '\r'; break;
            default: *out++ = *p; break;     /* \" \\ and the rest: itself */
            }
            p++;
            continue;
        }
        *out++ = *p++;
    }
    p = skip_blanks(p + 1);
    if (*p != '\0' && *p != '#') {
        *why = "text after the closing quote";
        return NULL;
    }
    *out = '\0';
    return s;
}

/* An unquoted value: up to a '#' after white space, trailing blanks cut. */
static char *
plain_value(char *s)
{
    for (char *c = s; (c = strchr(c, '#')) != NULL; c++) {
        if (c == s || c[-1] == ' ' || c[-1] == '\t') {
            *c = '\0';
            break;
        }
    }
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

enum config_line
config_file_parse_line(char *line, char **name, char **value, const char **why)
{
    size_t n = strcspn(line, "\r\n");
    char *p;

    line[n] = '\0';
    *name = *value = NULL;
    p = skip_blanks(line);
    if (*p == '\0' || *p == '#')
        return CONFIG_LINE_EMPTY;
    if (strncmp(p, "--", 2) == 0)
        p += 2;
    if (!isalnum((unsigned char)*p)) {
        *why = *p == '-' ? "expected a long option name (--name or name)"
                         : "expected an option name";
        return CONFIG_LINE_BAD;
    }
    *name = p;
    p += strcspn(p, " \t=:");
    bool sep = *p == '=' || *p == ':';
    char *end = p;
    p = skip_blanks(p);
    if (!sep && (*p == '=' || *p == ':')) {
        sep = true;
        p++;
    } else if (sep) {
        p++;
    }
    *end = '\0';
    p = skip_blanks(p);
    if (*p == '"') {
        if ((*value = unquote(p + 1, why)) == NULL)
            return CONFIG_LINE_BAD;
        return CONFIG_LINE_OPTION;
    }
    p = plain_value(p);
    if (*p != '\0' || sep)
        *value = p;
    return CONFIG_LINE_OPTION;
}

/* The lines of f, each option to fn; `shown` names the file in messages. */
static int
read_lines(FILE *f, const char *shown, config_file_fn *fn, void *ctx)
{
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    int rc = 0;

    while (rc == 0) {
        char *name, *value, *s;
        const char *why = NULL;
        errno = 0;
        ssize_t len = getline(&line, &cap, f);
        if (len == -1)
            break;
        lineno++;
        bool has_nul = strlen(line) != (size_t)len;
        s = line;
        if (lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
            s += 3;    /* a UTF-8 byte order mark */
        enum config_line kind = config_file_parse_line(s, &name, &value, &why);
        if (has_nul) {
            kind = CONFIG_LINE_BAD;    /* the text after it would be lost */
            why = "a NUL byte in the line";
        }
        switch (kind) {
        case CONFIG_LINE_EMPTY:
            break;
        case CONFIG_LINE_BAD:
            msg_usage_error("config file %s:%u: %s", shown, lineno, why);
            rc = HAUL_EXIT_USAGE;
            break;
        case CONFIG_LINE_OPTION:
            rc = fn(ctx, shown, lineno, name, value);
            break;
        }
    }
    free(line);    /* getline allocates with libc malloc */
    if (rc == 0 && errno == ENOMEM) {
        msg_error("out of memory reading config file %s at line %u", shown, lineno + 1);
        rc = HAUL_EXIT_INTERNAL;
    } else if (rc == 0 && ferror(f)) {
        msg_usage_error("config file %s: %s", shown, errno != 0 ? strerror(errno) : "read error");
        rc = HAUL_EXIT_USAGE;
    }
    return rc;
}

int
config_file_read(const char *path, bool must_exist, config_file_fn *fn, void *ctx)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *shown = is_stdin ? "(standard input)" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "re");
    struct stat st;
    int rc;

    if (f == NULL) {
        if (!must_exist && (errno == ENOENT || errno == ENOTDIR))
            return 0;
        msg_usage_error("config file %s: %s", shown, strerror(errno));
        return HAUL_EXIT_USAGE;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        msg_usage_error("config file %s: is a directory", shown);
        rc = HAUL_EXIT_USAGE;
    } else {
        rc = read_lines(f, shown, fn, ctx);
    }
    if (!is_stdin)
        fclose(f);
    return rc;
}

char *
config_file_default_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");

    /* The XDG base directory rule: a relative value is ignored. */
    if (xdg != NULL && xdg[0] == '/')
        return xasprintf("%s/haul/config", xdg);
    if (home != NULL && home[0] != '\0')
        return xasprintf("%s/.config/haul/config", home);
    return NULL;
}
