/*
 * filemeta.h - what haul records about a file it wrote, beside its bytes:
 * its time (-R), the ETag it came with (-N) and where it came from
 * (--xattr), and the directories it needs (--create-dirs).
 *
 * The ETag of -N lives in the extended attribute user.haul.etag of the
 * file itself, as "SIZE MTIME ETAG": it goes wherever the file goes
 * (mv, cp -a, tar --xattrs), needs no file beside it that two outputs
 * could collide on, and is only believed while the file still has the size
 * and time it had when haul wrote it: a file changed since then is not
 * the one the ETag names.  Where the file system has no user attributes,
 * -N goes by the file's time alone (If-Modified-Since), as wget does.
 *
 * A leaf: the callers pass paths and descriptors.  Warnings go through
 * msg.h; an unsupported file system is named once per run.
 */
#ifndef HAUL_FILEMETA_H
#define HAUL_FILEMETA_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define FILEMETA_ETAG_MAX 256

/* What -N knows of an existing FILE. */
struct filemeta_stamp {
    time_t mtime;                       /* the file's modification time */
    char etag[FILEMETA_ETAG_MAX];       /* recorded by haul, "" if none or stale */
};

/* False when `path` is not an existing regular file (nothing to compare). */
bool filemeta_stamp_read(const char *path, struct filemeta_stamp *s);

/* An HTTP-date (RFC 9110 5.6.7) of t: "Sun, 06 Nov 1994 08:49:37 GMT". */
void filemeta_http_date(time_t t, char out[64]);

/* What to record on a finished file. */
struct filemeta_set {
    time_t mtime;              /* -R: the server's Last-Modified, -1: leave it */
    const char *etag;          /* -N: record it (NULL or "": remove a stale one) */
    bool record_etag;
    const char *origin_url;    /* --xattr: user.xdg.origin.url, NULL: none */
    const char *mime_type;     /* --xattr: user.mime_type, NULL or "": none */
};

/*
 * Records *m on the file open as `fd` (FILE.part, before its rename: the
 * file appears with its time and attributes).  `name` is for warnings.
 * Failures are warnings, never errors: the bytes are what was asked for.
 */
void filemeta_apply(int fd, const char *name, const struct filemeta_set *m);

/*
 * --create-dirs: creates the missing directories of path's parent (mode
 * 0777 less the umask), as mkdir -p.  0, or an errno with the directory
 * that failed in *failed (xmalloc'ed, the caller frees it).
 */
int filemeta_make_dirs(const char *path, char **failed);

#endif
