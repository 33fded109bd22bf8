/*
 * outputs.c - the files one run writes, and the check that no two are the
 * same file; see outputs.h.
 *
 * Two names are the same file when they are the same entry of the same
 * directory: the directory is compared by device and inode (so "a", "./a",
 * "d/../a", a symbolic link to the directory, a bind mount and
 * --output-dir all agree), the last component byte for byte.  An output
 * FILE is replaced by rename, so a symbolic link named as an output is an
 * entry of its own; the report files are written through symbolic links,
 * so theirs are resolved first.  A name whose directory does not exist is
 * compared as a path with "." components and repeated slashes removed (it
 * fails on its own anyway).
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "http.h"
#include "mem.h"
#include "msg.h"
#include "outputs.h"

enum role { ROLE_OUTPUT, ROLE_PART, ROLE_JOURNAL, ROLE_TMP, ROLE_EVENTS, ROLE_SUMMARY,
            ROLE_MEMSTATS };

/* One file the run writes. */
struct name {
    bool in_dir;         /* dev/ino are the directory's, key its entry */
    dev_t dev;
    ino_t ino;
    char *key;           /* the entry, or the whole path when !in_dir */
    char *shown;         /* as the user will see it */
    size_t job;          /* index of its URL (SIZE_MAX for report files) */
    enum role role;
};

struct names {
    struct name *v;
    size_t n, cap;
    char *last_dir;      /* the directory stat'ed last, and what it was */
    bool last_ok;
    struct stat last_st;
};

static char *
join(const char *dir, const char *name)
{
    if (dir == NULL || name[0] == '/')
        return xstrdup(name);
    size_t n = strlen(dir);
    return xasprintf("%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", name);
}

char *
outputs_path(const struct config *cfg, const struct job *job, const char **no_name)
{
    *no_name = NULL;
    if (job->output != NULL)
        return strcmp(job->output, "-") == 0 ? NULL : join(cfg->output_dir, job->output);
    if (!cfg->remote_name)
        return NULL;
    char *name = url_remote_name(job->url, no_name);
    if (name == NULL)
        return NULL;
    char *path = join(cfg->output_dir, name);
    xfree(name);
    return path;
}

/* An absolute path without "." components or repeated slashes ("..", which
 * symbolic links give another meaning, stays). */
static char *
lexical(const char *path)
{
    char cwd[PATH_MAX];
    char *full = path[0] == '/' || getcwd(cwd, sizeof cwd) == NULL ? xstrdup(path)
                                                                  : xasprintf("%s/%s", cwd, path);
    char *out = full, *w = full;
    for (const char *r = full; *r != '\0';) {
        if (*r == '/' && (r[1] == '/' || (r[1] == '.' && (r[2] == '/' || r[2] == '\0')))) {
            r += r[1] == '/' ? 1 : 2;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
    return out;
}

/* Adds the directory entry `entry` names, shown as `shown`.  A name that
 * can only be a directory (empty last component, "." or "..") is left out:
 * writing it fails on its own. */
static void
add_as(struct names *ns, const char *entry, const char *shown, size_t job, enum role role)
{
    const char *slash = strrchr(entry, '/');
    const char *base = slash != NULL ? slash + 1 : entry;
    if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return;
    char *dir = slash == NULL ? xstrdup(".") : slash == entry ? xstrdup("/")
                                                              : xstrndup(entry, (size_t)(slash - entry));
    if (ns->last_dir == NULL || strcmp(ns->last_dir, dir) != 0) {
        xfree(ns->last_dir);
        ns->last_dir = dir;
        ns->last_ok = stat(dir, &ns->last_st) == 0 && S_ISDIR(ns->last_st.st_mode);
    } else {
        xfree(dir);
    }
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? ns->cap * 2 : 16;
        ns->v = xrealloc(ns->v, ns->cap * sizeof *ns->v);
    }
    struct name *n = &ns->v[ns->n++];
    memset(n, 0, sizeof *n);
    n->in_dir = ns->last_ok;
    if (n->in_dir) {
        n->dev = ns->last_st.st_dev;
        n->ino = ns->last_st.st_ino;
        n->key = xstrdup(base);
    } else {
        n->key = lexical(entry);
    }
    n->shown = xstrdup(shown);
    n->job = job;
    n->role = role;
}

static void
add(struct names *ns, const char *path, size_t job, enum role role)
{
    add_as(ns, path, path, job, role);
}

/*
 * A file written through symbolic links: its target is what it names, also
 * when the target does not exist yet (the open creates it).
 */
static void
add_resolved(struct names *ns, const char *path, size_t job, enum role role)
{
    char *cur = xstrdup(path);
    for (int hops = 0; hops < 40; hops++) {
        char *real = realpath(cur, NULL);    /* libc's malloc: free() */
        if (real != NULL) {
            xfree(cur);
            cur = xstrdup(real);
            free(real);
            break;
        }
        char target[PATH_MAX];
        ssize_t n = readlink(cur, target, sizeof target - 1);
        if (n <= 0)
            break;    /* not a link: a file to be created */
        target[n] = '\0';
        const char *slash = strrchr(cur, '/');
        char *next = target[0] == '/' || slash == NULL
                         ? xstrdup(target)
                         : xasprintf("%.*s/%s", (int)(slash - cur), cur, target);
        xfree(cur);
        cur = next;
    }
    add_as(ns, cur, path, job, role);
    xfree(cur);
}

static int
compare(const void *pa, const void *pb)
{
    const struct name *a = pa, *b = pb;
    if (a->in_dir != b->in_dir)
        return a->in_dir ? -1 : 1;
    if (a->in_dir && a->dev != b->dev)
        return a->dev < b->dev ? -1 : 1;
    if (a->in_dir && a->ino != b->ino)
        return a->ino < b->ino ? -1 : 1;
    int c = strcmp(a->key, b->key);
    if (c != 0)
        return c;
    if (a->job != b->job)
        return a->job < b->job ? -1 : 1;
    return (int)a->role - (int)b->role;
}

static bool
same(const struct name *a, const struct name *b)
{
    return a->in_dir == b->in_dir && (!a->in_dir || (a->dev == b->dev && a->ino == b->ino)) &&
           strcmp(a->key, b->key) == 0;
}

static char *
describe(const struct name *n)
{
    static const char *const what[] = {
        [ROLE_OUTPUT] = "the output",
        [ROLE_PART] = "the partial file",
        [ROLE_JOURNAL] = "the resume journal",
        [ROLE_TMP] = "the journal's temporary file",
        [ROLE_EVENTS] = "the --events file",
        [ROLE_SUMMARY] = "the --summary file",
        [ROLE_MEMSTATS] = "the --memstats file",
    };
    if (n->job == SIZE_MAX)
        return xasprintf("%s (%s)", what[n->role], n->shown);
    return xasprintf("%s of URL %zu (%s)", what[n->role], n->job + 1, n->shown);
}

static bool
is_number(const char *s)
{
    return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

int
outputs_check(const struct config *cfg)
{
    struct names ns = { 0 };
    int code = 0;

    for (size_t i = 0; i < cfg->njobs; i++) {
        const struct job *job = &cfg->jobs[i];
        const char *no_name;
        if (!job->input_ok || url_problem(job->url) != NULL)
            continue;
        char *path = outputs_path(cfg, job, &no_name);
        if (path == NULL)
            continue;
        struct stat st;
        /* /dev/null, a FIFO, a terminal: written in place, as often as
         * asked.  A directory fails on its own. */
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
            xfree(path);
            continue;
        }
        if (cfg->stream != STREAM_OFF) {
            add_resolved(&ns, path, i, ROLE_OUTPUT);    /* appended to in place */
        } else {
            char *part = xconcat(path, ".part");
            char *journal = xconcat(path, ".part.haul");
            char *tmp = xconcat(path, ".part.haul.tmp");
            add(&ns, path, i, ROLE_OUTPUT);
            add(&ns, part, i, ROLE_PART);
            add(&ns, journal, i, ROLE_JOURNAL);
            add(&ns, tmp, i, ROLE_TMP);
            xfree(part);
            xfree(journal);
            xfree(tmp);
        }
        xfree(path);
    }
    /* "-" is a standard stream and a number an open descriptor, not files. */
    if (cfg->events != NULL && strcmp(cfg->events, "-") != 0 && !is_number(cfg->events))
        add_resolved(&ns, cfg->events, SIZE_MAX, ROLE_EVENTS);
    if (cfg->summary != NULL && strcmp(cfg->summary, "-") != 0)
        add_resolved(&ns, cfg->summary, SIZE_MAX, ROLE_SUMMARY);
    if (cfg->memstats_file != NULL)
        add_resolved(&ns, cfg->memstats_file, SIZE_MAX, ROLE_MEMSTATS);

    if (ns.n > 1)
        qsort(ns.v, ns.n, sizeof *ns.v, compare);
    /* Of all the clashes, name the one that involves the earliest URL. */
    const struct name *a = NULL, *b = NULL;
    for (size_t i = 1; i < ns.n; i++) {
        if (!same(&ns.v[i - 1], &ns.v[i]))
            continue;
        const struct name *first = &ns.v[i - 1];
        while (first > ns.v && same(first - 1, &ns.v[i]))
            first--;
        if (a == NULL || first->job < a->job) {
            a = first;
            b = &ns.v[i];
        }
    }
    if (a != NULL) {
        char *da = describe(a), *db = describe(b);
        msg_usage_error("%s and %s are the same file; give each its own name", da, db);
        xfree(da);
        xfree(db);
        code = HAUL_EXIT_USAGE;
    }
    for (size_t i = 0; i < ns.n; i++) {
        xfree(ns.v[i].key);
        xfree(ns.v[i].shown);
    }
    xfree(ns.v);
    xfree(ns.last_dir);
    return code;
}

/* The key of the one name in ns (freed with ns), or NULL. */
static char *
key_of(struct names *ns)
{
    char *key = NULL;
    if (ns->n == 1) {
        const struct name *n = &ns->v[0];
        key = n->in_dir ? xasprintf("%ju:%ju/%s", (uintmax_t)n->dev, (uintmax_t)n->ino, n->key)
                        : xasprintf("=%s", n->key);
        xfree(ns->v[0].key);
        xfree(ns->v[0].shown);
    }
    xfree(ns->v);
    xfree(ns->last_dir);
    return key;
}

/* The key of a job's output.  No stat(2) of the output itself: whether it
 * is a special file only matters when two keys are equal, and the caller
 * asks outputs_is_special() then; the directory's comes from the memo. */
char *
outputs_job_key(const struct config *cfg, const struct job *job, struct outputs_dir_memo *memo)
{
    const char *no_name;
    struct names ns = { .last_dir = memo->dir, .last_ok = memo->ok, .last_st = memo->st };
    char *path = outputs_path(cfg, job, &no_name);
    if (path != NULL) {
        if (cfg->stream != STREAM_OFF)
            add_resolved(&ns, path, 0, ROLE_OUTPUT);
        else
            add(&ns, path, 0, ROLE_OUTPUT);
        xfree(path);
    }
    /* add() may have looked up another directory: that is the memo now. */
    memo->dir = ns.last_dir;
    memo->ok = ns.last_ok;
    memo->st = ns.last_st;
    ns.last_dir = NULL;
    return key_of(&ns);
}

bool
outputs_is_special(const struct config *cfg, const struct job *job)
{
    const char *no_name;
    struct stat st;
    char *path = outputs_path(cfg, job, &no_name);
    bool special = path != NULL && stat(path, &st) == 0 && !S_ISREG(st.st_mode);
    xfree(path);
    return special;
}

void
outputs_dir_memo_clear(struct outputs_dir_memo *memo)
{
    xfree(memo->dir);
    memset(memo, 0, sizeof *memo);
}

char *
outputs_report_key(const char *path, bool events)
{
    struct names ns = { 0 };
    if (path == NULL || strcmp(path, "-") == 0 || (events && is_number(path)))
        return NULL;
    add_resolved(&ns, path, SIZE_MAX, ROLE_SUMMARY);
    return key_of(&ns);
}
