/*
 * filemeta.c - a file's time, its recorded ETag, its origin attributes and
 * its directories; see filemeta.h.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "filemeta.h"
#include "mem.h"
#include "msg.h"
#include "text.h"

#define ETAG_ATTR "user.haul.etag"

bool
filemeta_stamp_read(const char *path, struct filemeta_stamp *s)
{
    struct stat st;
    char buf[FILEMETA_ETAG_MAX + 64];
    memset(s, 0, sizeof *s);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    s->mtime = st.st_mtime;
    ssize_t n = getxattr(path, ETAG_ATTR, buf, sizeof buf - 1);
    if (n <= 0)
        return true;
    buf[n] = '\0';
    /* "SIZE MTIME ETAG": the ETag names the file only as haul left it. */
    char *end;
    errno = 0;
    uintmax_t size = strtoumax(buf, &end, 10);
    if (errno != 0 || *end != ' ' || size != (uintmax_t)st.st_size)
        return true;
    intmax_t mtime = strtoimax(end + 1, &end, 10);
    if (errno != 0 || *end != ' ' || mtime != (intmax_t)st.st_mtime)
        return true;
    size_t len = strlen(end + 1);
    if (len > 0 && len < sizeof s->etag && text_is_clean(end + 1, len))
        memcpy(s->etag, end + 1, len + 1);
    return true;
}

void
filemeta_http_date(time_t t, char out[64])
{
    static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    struct tm tm;
    /* Not strftime(): its names follow the locale. */
    if (gmtime_r(&t, &tm) == NULL) {
        out[0] = '\0';
        return;
    }
    snprintf(out, 64, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7],
             tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
}

/* One warning per run for a file system without user attributes. */
static void
attr_failed(const char *name, const char *attr, int err)
{
    if (err == ENOTSUP) {
        static bool told;
        if (!told)
            msg_warn("%s: the file system does not support extended attributes; not "
                     "recording them", name);
        told = true;
        return;
    }
    msg_warn("%s: cannot set %s: %s", name, attr, strerror(err));
}

static void
set_attr(int fd, const char *name, const char *attr, const char *value)
{
    if (value == NULL || value[0] == '\0' || !text_is_clean(value, strlen(value)))
        return;
    if (fsetxattr(fd, attr, value, strlen(value), 0) != 0)
        attr_failed(name, attr, errno);
}

void
filemeta_apply(int fd, const char *name, const struct filemeta_set *m)
{
    struct stat st;
    if (m->mtime >= 0) {
        /* atime: now, as when the file was written. */
        struct timespec ts[2] = { { .tv_nsec = UTIME_NOW }, { .tv_sec = m->mtime } };
        if (futimens(fd, ts) != 0)
            msg_warn("%s: cannot set its time: %s", name, strerror(errno));
    }
    set_attr(fd, name, "user.xdg.origin.url", m->origin_url);
    set_attr(fd, name, "user.mime_type", m->mime_type);
    if (!m->record_etag)
        return;
    if (m->etag == NULL || m->etag[0] == '\0' || fstat(fd, &st) != 0) {
        if (fremovexattr(fd, ETAG_ATTR) != 0 && errno != ENODATA && errno != ENOTSUP)
            msg_warn("%s: cannot remove %s: %s", name, ETAG_ATTR, strerror(errno));
        return;
    }
    char *v = xasprintf("%jd %jd %s", (intmax_t)st.st_size, (intmax_t)st.st_mtime, m->etag);
    set_attr(fd, name, ETAG_ATTR, v);
    xfree(v);
}

int
filemeta_make_dirs(const char *path, char **failed)
{
    char *dir = xstrdup(path);
    int err = 0;
    char *slash = strrchr(dir, '/');
    *failed = NULL;
    if (slash == NULL || slash == dir) {
        xfree(dir);
        return 0;
    }
    *slash = '\0';
    /* Each prefix in turn, from the root down. */
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            err = errno;
            *failed = xstrdup(dir);
            break;
        }
        *p = c;
        if (c == '\0')
            break;
    }
    if (err == 0) {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            err = stat(dir, &st) != 0 ? errno : ENOTDIR;
            *failed = xstrdup(dir);
        }
    }
    xfree(dir);
    return err;
}
