/*
 * human.c - sizes for people to read; see human.h.
 */
#include "config.h"

#include <stdio.h>

#include "human.h"

/* |bytes| in units of 1024 (0 B ... 4 TiB); *v is what is left. */
static int
scale(double bytes, double *v)
{
    int u = 0;
    *v = bytes < 0 ? -bytes : bytes;
    while (*v >= 1024 && u < 4) {
        *v /= 1024;
        u++;
    }
    return u;
}

const char *
human_size(double bytes, char *buf, size_t len)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    double v;
    int u = scale(bytes, &v);

    if (u == 0)
        snprintf(buf, len, "%.0f B", bytes);
    else
        snprintf(buf, len, "%s%.1f %s", bytes < 0 ? "-" : "", v, units[u]);
    return buf;
}

const char *
human_size_short(double bytes, char *buf, size_t len)
{
    double v;
    int u = scale(bytes, &v);

    if (u == 0)
        snprintf(buf, len, "%.0f", bytes);
    else
        snprintf(buf, len, "%s%.1f%c", bytes < 0 ? "-" : "", v, " KMGT"[u]);
    return buf;
}
