/*
 * rcvlowat.h - how many bytes a download's socket gathers before it wakes
 * haul (its SO_RCVLOWAT), chosen again after each drive of libcurl.
 *
 * A client that keeps up with a fast body is woken for every burst the
 * sender writes, and reads each burst as it comes.  Measured against one
 * nginx worker on loopback (1 GiB to /dev/null, 12 alternating runs each),
 * a mark of 256 KiB took nginx's CPU from 0.37 s to 0.29 s per GiB over
 * http and from 1.39 s to 1.29 s over https (HTTP/1.1), and haul's wall
 * time from 0.395 s to 0.305 s and from 1.425 s to 1.325 s: where the
 * server is the limit, its CPU is the download's speed.  Over http 64 KiB
 * did as well and 1 MiB worse (0.370 s); over https both did about as
 * well (1.35 s, 1.335 s).
 *
 * It must never hold back a byte that is the last to come.  So a batch is
 * asked for only when both hold:
 *  - the body's remaining length is known and at least RCVLOWAT_TAIL: that
 *    many bytes are still to come, more than a batch plus what OpenSSL may
 *    have read ahead (one record), so every batch fills (TLS adds bytes to
 *    the body, never removes any), and the end of the body is read at
 *    every byte again;
 *  - the body arrived at RCVLOWAT_FAST bytes per second or more over the
 *    last sample: a batch then fills within 4 ms.  A sample spans
 *    RCVLOWAT_SAMPLE_NS or RCVLOWAT_BATCH bytes, whichever comes first: a
 *    look after one TLS record, a few microseconds after the last, times
 *    nothing.  Between samples the mark stays as it is.
 * And the caller sets a socket back to 1 byte when its body has not moved
 * for RCVLOWAT_IDLE_MS (a body that slows down or stops: what is queued
 * is read at once, as without a batch).  The kernel still wakes the reader
 * before a batch fills when its receive window is nearly closed.
 *
 * Pure: the caller measures, this decides (tests/unit/test_rcvlowat.c).
 */
#ifndef HAUL_RCVLOWAT_H
#define HAUL_RCVLOWAT_H

#include <stdbool.h>
#include <stdint.h>

#define RCVLOWAT_BATCH (256 * 1024)
#define RCVLOWAT_TAIL (4 * RCVLOWAT_BATCH)
#define RCVLOWAT_FAST (64ULL * 1024 * 1024)   /* bytes per second */
#define RCVLOWAT_IDLE_MS 10
#define RCVLOWAT_SAMPLE_NS 1000000ULL

/* Whether `bytes` received over `ns` nanoseconds make a speed sample. */
bool rcvlowat_is_sample(uint64_t bytes, uint64_t ns);

/*
 * The low-water mark for a socket whose body has `remaining` bytes still
 * to come (-1: unknown), whose mark is `current`, and which delivered
 * `bytes` of it in a sample of `ns` nanoseconds (bytes 0: no sample, keep
 * the mark unless the tail rule drops it): RCVLOWAT_BATCH or 1.
 */
int rcvlowat_choose(int64_t remaining, uint64_t bytes, uint64_t ns, int current);

#endif
