/*
 * human.h - sizes for people to read: "512 B", "1.5 KiB", "3.0 GiB".
 *
 * The one place byte counts and rates are written for people: messages,
 * the progress display, the --memstats table.  Pure; unit-tested in
 * tests/unit/test_human.c.
 */
#ifndef HAUL_HUMAN_H
#define HAUL_HUMAN_H

#include <stddef.h>

/*
 * Formats `bytes` (1024-based units up to TiB; under 1 KiB as a whole
 * number of bytes, else with one decimal; negative values with a "-")
 * into buf and returns buf.  A double, so that rates (bytes/s) and signed
 * memory figures use it too; byte counts are exact up to 2^53.
 */
const char *human_size(double bytes, char *buf, size_t len);
/* The same in 6 columns or fewer, for tables: "123", "1.2K", "45.6M". */
const char *human_size_short(double bytes, char *buf, size_t len);

#endif
