/*
 * body.c - the byte generator described in body.h.  It has no state but a
 * table built once from a constant seed, so its output depends only on its
 * arguments.  Binary bodies are memcpy from the table plus an 8-byte stamp
 * per 4 KiB block, which keeps the server far faster than loopback TCP.
 */
#include "body.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define BODY_PRIME 1048573u   /* table length; prime, so never block aligned */

static uint8_t table[BODY_PRIME];
static int table_ready;

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

void body_init(void)
{
	uint64_t state = 0x7465737473727631ull;   /* "testsrv1" */
	size_t i;

	if (table_ready)
		return;
	for (i = 0; i < BODY_PRIME; i += 8) {
		uint64_t r = splitmix64(state++);
		size_t j;

		for (j = 0; j < 8 && i + j < BODY_PRIME; j++)
			table[i + j] = (uint8_t)(r >> (8 * j));
	}
	table_ready = 1;
}

static uint64_t body_mix(const struct body_id *id)
{
	return splitmix64(id->seed * 0x9E3779B97F4A7C15ull ^
	                  splitmix64(id->version));
}

static void fill_binary(const struct body_id *id, uint64_t offset,
                        uint8_t *dst, size_t len)
{
	uint64_t mix = body_mix(id);
	size_t idx = (size_t)((offset % BODY_PRIME + mix % BODY_PRIME) %
	                      BODY_PRIME);
	size_t done = 0;
	uint64_t b;

	while (done < len) {
		size_t n = BODY_PRIME - idx;

		if (n > len - done)
			n = len - done;
		memcpy(dst + done, table + idx, n);
		done += n;
		idx = 0;
	}

	/* Stamp every block whose 8-byte header overlaps [offset, offset+len). */
	for (b = offset / BODY_BLOCK; b * BODY_BLOCK < offset + len; b++) {
		uint64_t stamp = b ^ mix;
		uint64_t start = b * BODY_BLOCK;
		unsigned k;

		for (k = 0; k < 8; k++) {
			uint64_t o = start + k;

			if (o >= offset && o < offset + len)
				dst[o - offset] = (uint8_t)(stamp >> (8 * k));
		}
	}
}

/*
 * Line k into line[0..63].  suffix is " s=<seed> v=<version> " (computed
 * once per fill); the number is formatted by hand because snprintf per
 * line would make line bodies several times slower than binary ones.
 */
static void make_line(uint64_t k, const char *suffix, size_t suffix_len,
                      char line[BODY_LINE + 1])
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint64_t x = splitmix64(k ^ 0x6c696e6573ull);
	uint64_t v = k;
	size_t n = 18;
	int i;

	/* k <= 2^64 / 64 < 10^18, so 18 digits always hold it. */
	for (i = 17; i >= 0; i--) {
		line[i] = (char)('0' + v % 10);
		v /= 10;
	}
	if (n + suffix_len > BODY_LINE - 1)
		suffix_len = BODY_LINE - 1 - n;
	memcpy(line + n, suffix, suffix_len);
	for (n += suffix_len; n < BODY_LINE - 1; n++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		line[n] = alphabet[x >> 58];
	}
	line[BODY_LINE - 1] = '\n';
}

static void fill_lines(const struct body_id *id, uint64_t offset,
                       uint8_t *dst, size_t len)
{
	char line[BODY_LINE + 1];
	char suffix[64];
	size_t suffix_len;
	uint64_t k = offset / BODY_LINE;
	size_t skip = (size_t)(offset % BODY_LINE);
	size_t done = 0;
	int n;

	n = snprintf(suffix, sizeof(suffix), " s=%" PRIu64 " v=%" PRIu64 " ",
	             id->seed, id->version);
	suffix_len = n < 0 ? 0 : (size_t)n;
	while (done < len) {
		size_t c = BODY_LINE - skip;

		if (c > len - done)
			c = len - done;
		make_line(k++, suffix, suffix_len, line);
		memcpy(dst + done, line + skip, c);
		done += c;
		skip = 0;
	}
}

void body_fill(const struct body_id *id, uint64_t offset, uint8_t *dst,
               size_t len)
{
	body_init();
	if (id->style == BODY_STYLE_LINES)
		fill_lines(id, offset, dst, len);
	else
		fill_binary(id, offset, dst, len);
}

size_t body_sse_event(char *dst, size_t dstlen, uint64_t id, uint64_t seed,
                      uint64_t version, int with_retry, uint64_t retry_ms)
{
	char retry[48] = "";
	int n;

	if (with_retry)
		snprintf(retry, sizeof(retry), "retry: %" PRIu64 "\n", retry_ms);
	n = snprintf(dst, dstlen, "id: %" PRIu64 "\n%sdata: event %" PRIu64
	             " s=%" PRIu64 " v=%" PRIu64 "\n\n", id, retry, id, seed,
	             version);
	if (n < 0)
		return 0;
	return (size_t)n < dstlen ? (size_t)n : dstlen - 1;
}
