/*
 * human.c - sizes for people to read; see human.h.
 */
#include "config.h"

#include <stdio.h>

#include "human.h"

const char *
human_size(double bytes, char *buf, size_t len)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    double v = bytes < 0 ? -bytes : bytes;
    int u = 0;

    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%.0f B", bytes);
    else
        snprintf(buf, len, "%s%.1f %s", bytes < 0 ? "-" : "", v, units[u]);
    return buf;
}
