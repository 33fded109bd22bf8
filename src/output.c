/*
 * output.c - stdout, FILE.part + journal, or a file written in place; see
 * output.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "mem.h"
#include "msg.h"
#include "output.h"

struct save_job;
struct output;
static int drop_journal(struct output *o);

struct output {
    uv_loop_t *loop;
    struct mem_account *acct;
    enum output_kind kind;
    bool append;
    size_t buffer;
    char *path;            /* "-" for stdout */
    char *part;            /* PARTFILE: FILE.part; INPLACE: == path */
    char *journal;         /* PARTFILE: FILE.part.haul */
    char *verify_file;     /* RESUME_VERIFY: the partial file found */
    bool verify_foreign;   /* it is FILE itself (from another tool) */
    struct sink *sink;
    struct sink_callbacks cb;
    void *cb_ctx;
    struct save_job *saving;
    bool save_warned;
    void (*idle_cb)(void *);
    void *idle_ctx;
    uint64_t last_save_ms;
    /* PARTFILE: */
    bool part_ours;        /* an existing FILE.part may be written: -c, or
                            * its journal is this URL's */
    bool no_journal;       /* output_check() found no FILE.part.haul, or
                            * did not look (a fresh download), and no save
                            * began since: nothing of this run to remove */
    bool part_absent;      /* output_check() found no FILE.part */
    struct journal_file jf;    /* the journal on disk, open for in-place
                                * updates of "written"; fd -1: none */
    struct journal *pending;   /* the first journal, waiting for an
                                * obsolete save to end */
    char boot_id[JOURNAL_BOOT_ID_MAX];
    int path_mode;         /* FILE's permission bits when it was looked at
                            * (a regular file, not followed), -1: none,
                            * -2: not looked at */
    char *problem;         /* why the output was refused, for messages */
    bool noreplace;        /* -J: the commit never replaces an existing file */
    bool unnamed;          /* the sink's file has no name yet (O_TMPFILE):
                            * see may_be_unnamed */
    struct dirlist *dirs;  /* the run's, or NULL: see output_new */
};

struct save_job {
    uv_work_t req;
    struct output *owner;  /* NULL once the output is freed */
    char *path;
    struct journal j;
    int fd;
    int rc;
    struct journal_file jf;    /* the saved journal, kept open */
    uint64_t took_ms;
    /* Set (under lock) when the output starts over: this save names bytes
     * of a version that is gone, and must not be published. */
    uv_mutex_t lock;
    bool obsolete;
};

struct output *
output_new(uv_loop_t *loop, struct mem_account *acct, const char *path, bool append,
           size_t buffer, const struct sink_callbacks *cb, void *cb_ctx, struct dirlist *dirs,
           int *code)
{
    struct output *o = xcalloc_in(acct, 1, sizeof *o);
    struct stat st;

    o->loop = loop;
    o->acct = acct;
    o->append = append;
    o->buffer = buffer;
    o->cb = *cb;
    o->cb_ctx = cb_ctx;
    o->jf.fd = -1;
    o->path_mode = -2;
    o->dirs = dirs;
    if (path == NULL || strcmp(path, "-") == 0) {
        o->kind = OUTPUT_STDOUT;
        o->path = xstrdup_in(acct, "-");
        return o;
    }
    o->path = xstrdup_in(acct, path);
    /* One lstat for the common case (nothing there, or a regular file);
     * a symbolic link is followed to see what it names.  None when the
     * directory's listing shows nothing there. */
    bool there = !dirlist_absent(dirs, path, uv_now(loop)) && lstat(path, &st) == 0;
    o->path_mode = there && S_ISREG(st.st_mode) ? (int)(st.st_mode & 0777) : -1;
    if (there && S_ISLNK(st.st_mode))
        there = stat(path, &st) == 0;
    if (there && S_ISDIR(st.st_mode)) {
        msg_error("%s: is a directory; name a file with -o", path);
        *code = HAUL_EXIT_WRITE;
        output_free(o);
        return NULL;
    }
    if (append || (there && !S_ISREG(st.st_mode))) {
        o->kind = OUTPUT_INPLACE;
        o->part = xstrdup_in(acct, path);
        return o;
    }
    /* The journal's temporary file FILE.part.haul.tmp must fit in a
     * directory entry too: refuse before anything is created rather than
     * leave a FILE.part without journal. */
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    if (strlen(base) + strlen(".part.haul.tmp") > NAME_MAX) {
        msg_error("%.40s...: file name too long (%zu bytes; at most %d, so that "
                  "FILE.part.haul.tmp fits)", base, strlen(base), NAME_MAX - 14);
        *code = HAUL_EXIT_WRITE;
        output_free(o);
        return NULL;
    }
    o->kind = OUTPUT_PARTFILE;
    journal_boot_id(o->boot_id);
    o->part = xconcat_in(acct, path, ".part");
    o->journal = xconcat_in(acct, path, ".part.haul");
    return o;
}

enum output_kind output_kind(const struct output *o) { return o->kind; }
const char *output_path(const struct output *o) { return o->path; }
const char *output_part_path(const struct output *o) { return o->part ? o->part : o->path; }
bool output_is_open(const struct output *o) { return o->sink != NULL; }
struct sink *output_sink(struct output *o) { return o->sink; }

const char *output_problem(const struct output *o) { return o->problem; }

static void set_problem(struct output *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_problem(struct output *o, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    xfree(o->problem);
    o->problem = xstrdup_in(o->acct, text);
}

/* A regular file of one link, not followed if a symbolic link: the only
 * kind of file haul writes as its own (FILE.part, its journal). */
static bool
file_size(const char *path, uint64_t *size)
{
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink > 1)
        return false;
    *size = (uint64_t)st.st_size;
    return true;
}

/* Why haul must not write through what is at `path` (NULL: nothing there,
 * or a regular file of one link). */
static const char *
kind_problem(const struct stat *st)
{
    if (S_ISLNK(st->st_mode))
        return "is a symbolic link";
    if (!S_ISREG(st->st_mode))
        return "is not a regular file";
    if (st->st_nlink > 1)
        return "has other hard links";
    return NULL;
}

/* Refuses what is at `path` (lstat'ed into *st, when st is not NULL and
 * something is there: *there says so). */
static bool
refuse_kind_st(struct output *o, const char *path, struct stat *st, bool *there)
{
    struct stat own;
    if (st == NULL)
        st = &own;
    bool found = lstat(path, st) == 0;
    if (there != NULL)
        *there = found;
    const char *why = found ? kind_problem(st) : NULL;
    if (why == NULL)
        return false;
    set_problem(o, "%s %s; haul does not write through it: remove it", path, why);
    return true;
}

static bool
refuse_kind(struct output *o, const char *path)
{
    return refuse_kind_st(o, path, NULL, NULL);
}

/* Does another process hold FILE.part's lock (another haul at work)? */
static bool
locked_by_other(const char *part)
{
    int fd = open(part, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    bool busy = false;
    if (fd < 0)
        return false;
    if (flock(fd, LOCK_SH | LOCK_NB) != 0)
        busy = errno == EWOULDBLOCK;
    close(fd);    /* releases the probe */
    return busy;
}

bool
output_check(struct output *o, const char *url, bool cont, int *code)
{
    if (o->kind != OUTPUT_PARTFILE)
        return true;
    *code = HAUL_EXIT_WRITE;
    struct stat st;
    bool part_there = false, journal_there = true;
    if (!dirlist_absent(o->dirs, o->part, uv_now(o->loop)) &&
        refuse_kind_st(o, o->part, &st, &part_there))
        return false;
    o->part_ours = cont;
    o->part_absent = !part_there;
    /* No FILE.part and no -c: a fresh download, with nothing to continue
     * or start over.  A journal there (left by a crash or by hand) names
     * no file of this run: it is never read, the first save renames over
     * it (a link there is replaced, not followed) and the temporary file
     * is created with O_EXCL | O_NOFOLLOW.  Not looking for either saves
     * two directory lookups per file, a tenth of haul's CPU time per file
     * in a crawl of small ones. */
    if (!part_there && !cont) {
        o->no_journal = true;
        return true;
    }
    char *tmp = xconcat(o->journal, ".tmp");
    bool bad = refuse_kind_st(o, o->journal, NULL, &journal_there) || refuse_kind(o, tmp);
    o->no_journal = !journal_there;
    xfree(tmp);
    if (bad)
        return false;
    if (!part_there)
        return true;
    if (locked_by_other(o->part)) {
        set_problem(o, "%s %s", o->part, "is being written by another process; not touching it");
        return false;
    }
    if (!cont) {
        /* Only a FILE.part whose journal names this URL is haul's own to
         * start over; anything else may be someone's data. */
        struct journal j;
        if (journal_load(o->journal, &j) == 0) {
            o->part_ours = strcmp(j.url, url) == 0;
            journal_clear(&j);
        }
        if (!o->part_ours) {
            set_problem(o, "%s %s", o->part,
                        "exists and is not haul's partial download of this URL; "
                        "use -c to continue it, or remove it");
            return false;
        }
    }
    return true;
}

void
output_find_resume(struct output *o, const char *url, struct output_resume *r)
{
    uint64_t size = 0;

    memset(r, 0, sizeof *r);
    r->how = RESUME_NONE;
    if (o->kind != OUTPUT_PARTFILE)
        return;

    /* output_check() with -c looked a moment ago: no journal, no open. */
    int rc = o->no_journal ? ENOENT : journal_load(o->journal, &r->journal);
    bool holes = false;           /* FILE.part may hold unfetched ranges */
    uint64_t prefix = UINT64_MAX; /* bytes of FILE.part known contiguous */
    if (rc == 0) {
        bool usable = strcmp(r->journal.url, url) == 0 && file_size(o->part, &size);
        /* Bytes written but not yet synced survive a kill -9 (the page
         * cache has them), not a power cut: trusted on the same boot. */
        uint64_t gained = 0;
        for (unsigned i = 0; usable && i < r->journal.nsegments; i++) {
            struct journal_segment *g = &r->journal.seg[i];
            uint64_t at = journal_resume_at(&r->journal, i, o->boot_id, size);
            gained += at - g->next;
            g->next = at;
        }
        if (gained > 0)
            msg_verbose("%s: %" PRIu64 " bytes written after the last sync are kept (same boot)",
                        o->part, gained);
        /* A part that got no byte yet (next == start, e.g. -x stopped
         * before its last part began) needs nothing of the file. */
        for (unsigned i = 0; usable && i < r->journal.nsegments; i++)
            if (r->journal.seg[i].next > r->journal.seg[i].start &&
                r->journal.seg[i].next > size)
                usable = false;
        if (usable && (r->journal.etag[0] != '\0' || r->journal.last_modified[0] != '\0')) {
            r->how = RESUME_JOURNAL;
            return;
        }
        if (strcmp(r->journal.url, url) != 0)
            msg_warn("%s: journal is for another URL (%s); checking %s instead", o->journal,
                     r->journal.url, o->part);
        else if (!usable)
            msg_warn("%s: journal names more bytes than %s holds; checking the file instead",
                     o->journal, o->part);
        /* Without a usable journal only its first part is known to be
         * contiguous: -x leaves holes further on. */
        prefix = r->journal.seg[0].next;
        journal_clear(&r->journal);
        memset(&r->journal, 0, sizeof r->journal);
    } else if (rc == EINVAL) {
        /* A broken journal may belong to a -x download with holes: the
         * file can't be checked by its tail. */
        msg_warn("%s: not a valid journal; starting %s over", o->journal, o->part);
        holes = true;
    }
    if (holes)
        return;
    if (!o->part_absent && file_size(o->part, &size) && size > 0) {
        if (size > prefix)
            size = prefix;
        if (size == 0)
            return;
        o->verify_file = xstrdup_in(o->acct, o->part);
        o->verify_foreign = false;
    } else if (file_size(o->path, &size) && size > 0) {
        o->verify_file = xstrdup_in(o->acct, o->path);
        o->verify_foreign = true;
    } else {
        return;
    }
    r->how = RESUME_VERIFY;
    r->size = size;
}

int
output_read_tail(struct output *o, uint64_t end, char *buf, size_t len)
{
    const char *path = o->verify_file;
    if (path == NULL) {
        if (o->kind != OUTPUT_PARTFILE)
            return EINVAL;
        if (o->sink != NULL && sink_flush_now(o->sink) != 0)
            return sink_error(o->sink);
        path = o->part;
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    int rc = 0;
    if (fd < 0)
        return errno;
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, (off_t)(end - len + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? errno : EIO;
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    return rc;
}

int
output_adopt_partial(struct output *o)
{
    if (o->verify_file == NULL || !o->verify_foreign)
        return 0;
    if (rename(o->verify_file, o->part) != 0)
        return errno;
    msg_verbose("%s: verified against the server; continuing it as %s", o->path, o->part);
    return 0;
}

/* FILE.part's mode when created: never more open than an existing FILE
 * (whose mode the result keeps, see output_commit), and always readable
 * and writable by its owner, so that -c can continue it. */
static mode_t
part_mode(const struct output *o)
{
    struct stat st;
    int mode = o->path_mode;
    if (mode == -2)
        mode = lstat(o->path, &st) == 0 && S_ISREG(st.st_mode) ? (int)(st.st_mode & 0777) : -1;
    return mode >= 0 ? (mode_t)mode | 0600 : 0666;
}

/* What fstat would say of a file created now: empty, regular, one link. */
static void
stat_of_new(struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFREG;
    st->st_nlink = 1;
}

/*
 * Opens FILE.part for writing.  Created fresh with O_EXCL when absent;
 * otherwise opened without following a symbolic link and checked on the
 * descriptor to be a regular file of one link, so nothing else is ever
 * written through.  *fresh says it was created now.  -1 and *err (with
 * o->problem for a refusal) on failure.
 */
static int
open_part(struct output *o, bool *fresh, struct stat *stp, int *err)
{
    struct stat st;
    int fd = open(o->part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                  part_mode(o));
    *fresh = fd >= 0;
    /* O_NONBLOCK: a FIFO planted there must not hang the open. */
    if (fd < 0 && errno == EEXIST)
        fd = open(o->part, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        *err = errno;
        if (*err == ELOOP || *err == ENXIO || *err == EISDIR) {
            if (!refuse_kind(o, o->part))
                set_problem(o, "%s %s; haul does not write through it: remove it", o->part,
                            "is not a regular file");
            *err = EEXIST;
        }
        return -1;
    }
    /* Created now with O_EXCL: an empty regular file of one link, which
     * needs no fstat to say so. */
    if (*fresh) {
        stat_of_new(&st);
    } else if (fstat(fd, &st) != 0) {
        *err = errno;
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_nlink > 1) {
        set_problem(o, "%s %s; haul does not write through it: remove it", o->part,
                    !S_ISREG(st.st_mode) ? "is not a regular file" : "has other hard links");
        close(fd);
        *err = EEXIST;
        return -1;
    }
    /* Opened O_NONBLOCK (not created now): back to blocking writes. */
    int fl = *fresh ? 0 : fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK))
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    /* Two haul processes on one FILE.part would interleave their bytes:
     * the second one stops instead. */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        *err = errno == EWOULDBLOCK ? EBUSY : errno;
        if (*err == EBUSY)
            set_problem(o, "%s %s", o->part,
                        "is being written by another process; not touching it");
        close(fd);
        return -1;
    }
    /* It appeared after output_check() found none, and is not ours. */
    if (!*fresh && !o->part_ours) {
        set_problem(o, "%s %s", o->part,
                    "exists and is not haul's partial download of this URL; "
                    "use -c to continue it, or remove it");
        close(fd);
        *err = EEXIST;
        return -1;
    }
    *stp = st;
    return fd;
}

/*
 * A small body is written to a file without a name (O_TMPFILE) and linked
 * as FILE when whole: one directory entry made per file instead of three
 * (FILE.part made, FILE made, FILE.part removed), and no lock, which nobody
 * could take on a file they cannot open.  In a crawl of small files that
 * is about a seventh of haul's CPU time per file.
 *
 * The file gets its name FILE.part (output_name_part) on the first
 * scheduler tick after bytes arrive (0.1 s, transfer_tick), and before
 * anything that needs a name: a journal save, a retry, the end of a
 * failed or interrupted transfer, a checksum that reads it back.  From
 * then on it is any other FILE.part.  What a kill -9 (or a crash, or a
 * power cut) can lose is therefore at most one tick of a body of at most
 * UNNAMED_MAX bytes, where a named FILE.part keeps it; -c then starts
 * from byte 0.  FILE.part taken by then is another haul's: this one
 * stops, as open_part() would have.  A link refused for another reason
 * (a policy against hard links) costs a copy, once (name_by_copy).
 */
#define UNNAMED_MAX (1024 * 1024)

/* 1: unnamed files can be linked here; 0: not (no /proc, or a link
 * failed for another reason than a name taken); -1: not known yet. */
static int unnamed_works = -1;

/* Whether a fresh download may begin unnamed: one part from byte 0 of a
 * body of known, small length, into a directory with no FILE.part. */
static bool
may_be_unnamed(const struct output *o, uint64_t at, const struct journal *j)
{
    if (at != 0 || !o->part_absent || o->part_ours || j == NULL || j->nsegments != 1 ||
        !j->total_known || j->total > UNNAMED_MAX)
        return false;
    /* Linking needs the descriptor's name in /proc. */
    if (unnamed_works < 0)
        unnamed_works = access("/proc/self/fd", X_OK) == 0;
    return unnamed_works == 1;
}

/* An unnamed regular file in FILE.part's directory, or -1 (the file
 * system has no O_TMPFILE, ...: the caller creates FILE.part instead). */
static int
open_unnamed(struct output *o)
{
    const char *slash = strrchr(o->part, '/');
    char *dir = slash == NULL ? xstrdup(".")
                : xstrndup(o->part, slash == o->part ? 1 : (size_t)(slash - o->part));
    /* Readable too: name_by_copy() may have to read it back. */
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC | O_NOCTTY, part_mode(o));
    xfree(dir);
    o->unnamed = fd >= 0;
    return fd;
}

/* Gives the unnamed file behind fd the name `path`; never replaces. */
static int
link_fd(int fd, const char *path)
{
    char proc[40];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 ? 0 : errno;
}

/*
 * The file system or a policy refuses the link (not a name taken): the
 * bytes are copied into FILE.part, created as open_part() does, and its
 * descriptor takes the unnamed one's number, so the sink goes on with it.
 * No later output of this run begins unnamed.
 */
static int
name_by_copy(struct output *o, int fd)
{
    char buf[16384];
    off_t at = 0;
    int err = 0;
    unnamed_works = 0;
    int to = open(o->part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                  part_mode(o));
    if (to < 0)
        return errno;
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof buf, at);
        if (n <= 0) {
            err = n < 0 ? errno : 0;
            break;
        }
        for (ssize_t done = 0, w; done < n && err == 0; done += w)
            if ((w = pwrite(to, buf + done, (size_t)(n - done), at + done)) <= 0)
                err = w < 0 ? errno : EIO;
        if (err != 0)
            break;
        at += n;
    }
    if (err == 0 && dup3(to, fd, O_CLOEXEC) < 0)
        err = errno;
    close(to);
    if (err != 0)
        unlink(o->part);
    return err;
}

bool output_unnamed(const struct output *o) { return o->unnamed; }

int
output_name_part(struct output *o)
{
    if (!o->unnamed || o->sink == NULL)
        return 0;
    int fd = sink_fd(o->sink);
    int err = link_fd(fd, o->part);
    if (err == EEXIST) {
        set_problem(o, "%s %s", o->part,
                    "appeared while this download was starting, and is not its own (another "
                    "haul?); not touching it");
        return err;
    }
    if (err != 0 && (err = name_by_copy(o, fd)) != 0)
        return err;
    o->unnamed = false;
    /* As open_part: a second haul that comes for it now sees the lock. */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
        msg_warn("%s: another process locked it as soon as it was named", o->part);
    return 0;
}

/* Whether the journal names bytes already held (a -c), or more than one
 * part (-x, whose FILE.part has holes from the start). */
static bool
journal_needed_now(const struct journal *j)
{
    if (j->nsegments > 1)
        return true;
    for (unsigned i = 0; i < j->nsegments; i++)
        if (j->seg[i].next > j->seg[i].start)
            return true;
    return false;
}

/*
 * Saves the first journal of a FILE.part just opened (or started over)
 * when it must be there from the start: when it names bytes already held
 * (a -c; saved crash-safe) or the parts of -x (the file has holes that
 * only the journal describes; naming no byte yet, it needs no sync).  A
 * fresh FILE.part of one part gets its first journal from the first
 * checkpoint instead, and a body that completes before that never has
 * one: a kill -9 in between leaves a FILE.part without journal, which -c
 * continues after comparing its tail with the server, losing nothing.
 * After an obsolete save still in flight, it waits for it (save_done).
 */
static int
begin_journal(struct output *o, const struct journal *j)
{
    if (o->kind != OUTPUT_PARTFILE || o->jf.fd >= 0 || j == NULL || !journal_needed_now(j))
        return 0;
    if (o->saving != NULL) {
        if (o->pending != NULL)
            journal_clear(o->pending);
        else
            o->pending = xcalloc(1, sizeof *o->pending);
        journal_copy(o->pending, j);
        return 0;
    }
    int rc = output_name_part(o);
    if (rc != 0)
        return rc;
    struct journal c = *j;    /* shallow: only boot_id and written change */
    bool held = false;
    memcpy(c.boot_id, o->boot_id, sizeof c.boot_id);
    for (unsigned i = 0; i < c.nsegments; i++) {
        c.seg[i].written = c.seg[i].next;
        held |= c.seg[i].next > c.seg[i].start;
    }
    o->no_journal = false;
    rc = sink_flush_now(o->sink);
    if (rc == 0)
        rc = journal_save(o->journal, &c, sink_fd(o->sink), NULL, held, &o->jf);
    if (rc != 0) {
        char *tmp = xconcat(o->journal, ".tmp");
        if (!refuse_kind(o, tmp))
            set_problem(o, "cannot save the resume journal %s: %s", o->journal, strerror(rc));
        xfree(tmp);
    }
    return rc;
}

/* The smallest body whose space is reserved before it is written. */
#define RESERVE_MIN (1024 * 1024)

/*
 * A body of known length: reserve its blocks before the first byte, so
 * that a disk too small fails now, not at 90 %, and the file is laid out
 * in one piece.  FALLOC_FL_KEEP_SIZE leaves the file's size alone: it
 * still says how much arrived (the resume rules read it).  A file system
 * that cannot reserve (EOPNOTSUPP, ...) is written as before.  `held`:
 * FILE.part holds bytes to continue with -c.
 */
static int
reserve_space(struct output *o, int fd, const struct journal *j, bool held)
{
    /* A small body is written in a few writes anyway, and the first one
     * finds a full disk as soon: the call would be one more per file of a
     * crawl, for nothing. */
    if (j == NULL || !j->total_known || j->total <= RESERVE_MIN || j->total > INT64_MAX)
        return 0;
    if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)j->total) == 0)
        return 0;
    /* EFBIG (past the file system's largest file: a length no server
     * really sends, see hostile.bats) is left to the writes, as before. */
    int err = errno;
    if (err != ENOSPC && err != EDQUOT)
        return 0;
    set_problem(o, "%s: %s: the body's %" PRIu64 " bytes do not fit; run again%s once there "
                "is space", o->part, strerror(err), j->total, held ? " with -c to continue" : "");
    return err;
}

int
output_open(struct output *o, uint64_t at, uint64_t keep, const struct journal *j, int *code)
{
    int fd = -1, err = 0;
    bool fresh = false;
    struct stat st, *stp = NULL;

    if (o->sink != NULL) {
        if ((err = begin_journal(o, j)) != 0)
            goto fail;
        return 0;
    }
    switch (o->kind) {
    case OUTPUT_STDOUT:
        o->sink = sink_new_stdout(o->loop, o->acct, o->buffer, &o->cb, o->cb_ctx, &err);
        if (o->sink == NULL)
            goto fail;
        return 0;
    case OUTPUT_INPLACE:
        fd = open(o->part, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
                  (o->append ? O_APPEND : 0), 0666);
        if (fd < 0) {
            err = errno == ENXIO ? EPIPE : errno;
            goto fail;
        }
        break;
    case OUTPUT_PARTFILE:
        fd = may_be_unnamed(o, at, j) ? open_unnamed(o) : -1;
        if (fd >= 0) {
            fresh = true;
            stat_of_new(&st);
        } else if ((fd = open_part(o, &fresh, &st, &err)) < 0) {
            goto fail;
        }
        stp = &st;
        /* Bytes past `keep` are not known good: a journal names fewer.
         * Only cut a file that is longer: on ext4, a truncate to 0 makes
         * close() write the whole file out (auto_da_alloc), half a second
         * per GiB, for nothing when the file is new. */
        if ((uint64_t)st.st_size > keep && ftruncate(fd, (off_t)keep) != 0) {
            err = errno;
            close(fd);
            goto fail;
        }
        /* Starting from nothing: an old journal must not outlive the bytes
         * it named until the first new save. */
        if (keep == 0 && !fresh && (err = drop_journal(o)) != 0) {
            close(fd);
            goto fail;
        }
        if ((err = reserve_space(o, fd, j, !fresh && keep > 0 && st.st_size > 0)) != 0) {
            close(fd);
            if (fresh && !o->unnamed)
                unlink(o->part);    /* nothing in it: a plain run starts again */
            o->unnamed = false;
            goto fail;
        }
        break;
    }
    o->sink = sink_new_fd(o->loop, o->acct, o->buffer, fd, stp, o->append, o->part, &o->cb,
                          o->cb_ctx, &err);
    if (o->sink == NULL) {
        o->unnamed = false;
        goto fail;
    }
    if (o->kind == OUTPUT_PARTFILE) {
        sink_seek(o->sink, at);
        if ((err = begin_journal(o, j)) != 0) {
            sink_free(o->sink);
            o->sink = NULL;
            if (fresh && !o->unnamed)
                unlink(o->part);
            o->unnamed = false;
            goto fail;
        }
    }
    return 0;
fail:
    *code = haul_exit_for_errno(err);
    return err;
}

/* The journal names bytes that are gone: drop it, and keep a save still
 * in the thread pool from bringing it back. */
static int
drop_journal(struct output *o)
{
    /* Unnamed, the output has no journal: one there is not its own. */
    if (o->kind != OUTPUT_PARTFILE || o->unnamed)
        return 0;
    if (o->saving != NULL) {
        uv_mutex_lock(&o->saving->lock);
        o->saving->obsolete = true;
    }
    int rc = unlink(o->journal) != 0 && errno != ENOENT ? errno : 0;
    if (o->saving != NULL)
        uv_mutex_unlock(&o->saving->lock);
    journal_file_close(&o->jf);
    if (o->pending != NULL) {
        journal_clear(o->pending);
        xfree(o->pending);
        o->pending = NULL;
    }
    return rc;
}

int
output_restart(struct output *o)
{
    int rc = drop_journal(o);
    if (rc == 0 && o->sink != NULL)
        rc = sink_truncate(o->sink, 0);
    return rc;
}

static void
save_work(uv_work_t *req)
{
    struct save_job *job = req->data;
    uint64_t start = uv_hrtime();
    struct journal_gate gate = { &job->lock, &job->obsolete };
    job->rc = journal_save(job->path, &job->j, job->fd, &gate, true, &job->jf);
    job->took_ms = (uv_hrtime() - start) / 1000000;
}

static void
save_done(uv_work_t *req, int status)
{
    struct save_job *job = req->data;
    struct output *o = job->owner;

    if (job->fd >= 0)
        close(job->fd);
    if (o != NULL) {
        o->saving = NULL;
        o->last_save_ms = job->took_ms;
        if (job->rc != 0 && job->rc != ECANCELED && !o->save_warned) {
            o->save_warned = true;
            msg_warn("%s: cannot save the resume journal: %s", o->journal, strerror(job->rc));
        }
        /* Published and still wanted (a start-over since would have
         * removed it): the journal to update in place from now on. */
        if (job->rc == 0 && !job->obsolete) {
            journal_file_close(&o->jf);
            o->jf = job->jf;
            job->jf.fd = -1;
            job->jf.seg = NULL;
        }
        if (o->jf.fd < 0 && o->pending != NULL) {
            struct journal *p = o->pending;
            o->pending = NULL;
            int rc = o->sink != NULL ? begin_journal(o, p) : 0;
            if (rc != 0 && !o->save_warned) {
                o->save_warned = true;
                msg_warn("%s: cannot save the resume journal: %s", o->journal, strerror(rc));
            }
            journal_clear(p);
            xfree(p);
        }
    }
    journal_file_close(&job->jf);
    (void)status;
    uv_mutex_destroy(&job->lock);
    journal_clear(&job->j);
    xfree(job->path);
    xfree(job);
    if (o != NULL && o->idle_cb != NULL) {
        void (*cb)(void *) = o->idle_cb;
        o->idle_cb = NULL;
        cb(o->idle_ctx);
    }
}

void
output_checkpoint(struct output *o, const struct journal *j)
{
    if (o->kind != OUTPUT_PARTFILE || o->sink == NULL || o->saving != NULL)
        return;
    /* The journal may only name bytes that are written (and then synced),
     * in a file with a name. */
    if (sink_flush_now(o->sink) != 0 || output_name_part(o) != 0)
        return;
    /* Not in the transfer's account: the job may outlive the transfer. */
    struct save_job *job = xcalloc(1, sizeof *job);
    job->owner = o;
    job->path = xstrdup(o->journal);
    journal_copy(&job->j, j);
    memcpy(job->j.boot_id, o->boot_id, sizeof job->j.boot_id);
    job->jf.fd = -1;
    job->fd = dup(sink_fd(o->sink));    /* the sink may close its own */
    job->req.data = job;
    uv_mutex_init(&job->lock);
    o->no_journal = false;
    if (uv_queue_work(o->loop, &job->req, save_work, save_done) != 0) {
        uv_mutex_destroy(&job->lock);
        if (job->fd >= 0)
            close(job->fd);
        journal_clear(&job->j);
        xfree(job->path);
        xfree(job);
        return;
    }
    o->saving = job;
}

int
output_checkpoint_now(struct output *o, const struct journal *j)
{
    if (o->kind != OUTPUT_PARTFILE || o->sink == NULL)
        return 0;
    /* After a write error the journal names only what is written; the
     * caller has cut its offset to sink_written_position(). */
    if (sink_error(o->sink) == 0) {
        int rc = sink_flush_now(o->sink);
        if (rc != 0)
            return rc;
    }
    int named = output_name_part(o);
    if (named != 0)
        return named;
    struct journal c = *j;    /* shallow: only boot_id changes */
    struct journal_file jf;
    memcpy(c.boot_id, o->boot_id, sizeof c.boot_id);
    o->no_journal = false;
    int rc = journal_save(o->journal, &c, sink_fd(o->sink), NULL, true, &jf);
    if (rc == 0) {
        journal_file_close(&o->jf);
        o->jf = jf;
    }
    return rc;
}

void
output_note_written(struct output *o, const struct journal *j)
{
    if (o->kind == OUTPUT_PARTFILE && o->jf.fd >= 0)
        (void)journal_patch_written(&o->jf, j);    /* a hint only: saves say what is sure */
}

bool output_checkpoint_busy(const struct output *o) { return o->saving != NULL; }
uint64_t output_last_save_ms(const struct output *o) { return o->last_save_ms; }

void
output_on_checkpoint_idle(struct output *o, void (*cb)(void *), void *ctx)
{
    o->idle_cb = cb;
    o->idle_ctx = ctx;
}

/*
 * An unnamed body, whole: linked as FILE when nothing was there when the
 * download began (and nothing is now: linkat never replaces).  0: done;
 * else it is named FILE.part for the usual way (*again), or the error.
 */
static int
commit_unnamed(struct output *o, bool *again)
{
    *again = false;
    if (o->path_mode < 0) {
        int err = link_fd(sink_fd(o->sink), o->path);
        if (err == 0) {
            o->unnamed = false;
            sink_free(o->sink);
            o->sink = NULL;
            return 0;
        }
        /* -J never replaces: the bytes are kept as FILE.part. */
        if (err == EEXIST && o->noreplace) {
            (void)output_name_part(o);
            return err;
        }
    }
    /* Something is at FILE, or the link was refused (and naming copies
     * the bytes then): FILE.part, and the rename. */
    int err = output_name_part(o);
    *again = err == 0;
    return err;
}

int
output_commit(struct output *o, int *code)
{
    struct stat st;
    if (o->kind == OUTPUT_PARTFILE && o->unnamed && o->sink != NULL) {
        bool again;
        int err = commit_unnamed(o, &again);
        if (!again) {
            if (err != 0)
                *code = HAUL_EXIT_WRITE;
            return err;
        }
    }
    /* An existing FILE is replaced, not written through: the result keeps
     * its permission bits (not set-id bits), so a private file stays
     * private.  A symbolic link is replaced by the file, its target left
     * as it is.  FILE is looked at again only if it was a regular file
     * when the download began (its mode may have changed since): one
     * created during the download is replaced like any other, with the
     * mode FILE.part was created with. */
    if (o->kind == OUTPUT_PARTFILE && o->sink != NULL && o->path_mode != -1 &&
        lstat(o->path, &st) == 0 && S_ISREG(st.st_mode) &&
        fchmod(sink_fd(o->sink), st.st_mode & 0777) != 0)
        msg_warn("%s: cannot give it the mode of %s: %s", o->part, o->path, strerror(errno));
    sink_free(o->sink);
    o->sink = NULL;
    if (o->kind != OUTPUT_PARTFILE)
        return 0;
    journal_file_close(&o->jf);
    /* -J: the name came from the server; whatever took it meanwhile (another
     * URL of this run) stays. */
    if (o->noreplace ? renameat2(AT_FDCWD, o->part, AT_FDCWD, o->path, RENAME_NOREPLACE) != 0
                     : rename(o->part, o->path) != 0) {
        int err = errno;
        *code = HAUL_EXIT_WRITE;
        return err;
    }
    if (!o->no_journal && unlink(o->journal) != 0 && errno != ENOENT)
        msg_warn("%s: cannot remove: %s", o->journal, strerror(errno));
    return 0;
}

int
output_fd(const struct output *o)
{
    return o->sink != NULL && o->kind == OUTPUT_PARTFILE ? sink_fd(o->sink) : -1;
}

void
output_rename_target(struct output *o, const char *name)
{
    const char *slash = strrchr(o->path, '/');
    char *path = slash != NULL ? xasprintf("%.*s/%s", (int)(slash - o->path), o->path, name)
                               : xstrdup(name);
    xfree(o->path);
    o->path = xstrdup_in(o->acct, path);
    xfree(path);
    o->noreplace = true;
    o->path_mode = -2;
}

void
output_discard(struct output *o)
{
    sink_free(o->sink);
    o->sink = NULL;
    /* Unnamed: closing it was all; a FILE.part there is not this run's. */
    if (o->kind != OUTPUT_PARTFILE || o->unnamed) {
        o->unnamed = false;
        return;
    }
    journal_file_close(&o->jf);
    unlink(o->part);
    unlink(o->journal);
}

void
output_free(struct output *o)
{
    if (o == NULL)
        return;
    if (o->saving != NULL)
        o->saving->owner = NULL;
    /* Bytes nobody discarded are kept, as in any FILE.part. */
    if (o->unnamed && o->sink != NULL && sink_flush_now(o->sink) == 0)
        (void)output_name_part(o);
    sink_free(o->sink);
    journal_file_close(&o->jf);
    if (o->pending != NULL) {
        journal_clear(o->pending);
        xfree(o->pending);
    }
    xfree(o->problem);
    xfree(o->path);
    xfree(o->part);
    xfree(o->journal);
    xfree(o->verify_file);
    xfree(o);
}
