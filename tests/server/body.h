/*
 * body.h - the byte generator: every body testsrv sends is a pure function
 * of (seed, version, offset), so a test can recompute any slice of it
 * (`testsrv --gen`) instead of storing files, and any shift, splice of two
 * versions, duplicated or missing block changes the checksum.
 *
 * Binary bodies (the default).  Let P = 1048573 (a prime) and T[0..P) a
 * fixed table of pseudo-random bytes (splitmix64 with a constant seed,
 * identical in every build).  For a resource (seed s, version v):
 *
 *     mix   = splitmix64(s * 0x9E3779B97F4A7C15 ^ splitmix64(v))
 *     start = mix % P
 *     byte(o) = T[(o + start) % P]
 *
 * except that the first 8 bytes of every 4096-byte block b (offsets
 * b*4096 .. b*4096+7) hold the little-endian 64-bit value (b XOR mix).
 * The table gives the bytes a period of P (not a power of two, so not
 * aligned with blocks); the block stamps make every block unique.
 *
 * Line bodies (`lines=1`): line k (k = 0, 1, 2, ...) covers offsets
 * 64k .. 64k+63.  It is "%018llu s=<seed> v=<version> " (k, zero padded),
 * cut to 63 bytes if longer, then filled up to 63 bytes with characters
 * from [A-Za-z0-9+/] derived from k, then "\n".  A reader checks "no gap,
 * no repeat, no torn line" by checking 64-byte lines with consecutive
 * numbers.
 *
 * Server-sent events (`sse=1`) are not offset addressable; body_sse_event()
 * formats one event.
 */
#ifndef TESTSRV_BODY_H
#define TESTSRV_BODY_H

#include <stddef.h>
#include <stdint.h>

#define BODY_BLOCK 4096u   /* bytes per stamped block */
#define BODY_LINE  64u     /* bytes per line of a lines=1 body */

enum body_style {
	BODY_STYLE_BINARY,
	BODY_STYLE_LINES
};

struct body_id {
	enum body_style style;
	uint64_t seed;
	uint64_t version;
};

/* Builds the shared table; call once before body_fill (idempotent). */
void body_init(void);

/* Writes bytes offset .. offset+len-1 of the body `id` into dst. */
void body_fill(const struct body_id *id, uint64_t offset, uint8_t *dst,
               size_t len);

/*
 * Formats event `id` of an SSE stream into dst (at most dstlen bytes,
 * 160 is always enough) and returns its length:
 *     "id: K\n" ["retry: MS\n" when with_retry] "data: event K s=S v=V\n\n"
 */
size_t body_sse_event(char *dst, size_t dstlen, uint64_t id, uint64_t seed,
                      uint64_t version, int with_retry, uint64_t retry_ms);

#endif
