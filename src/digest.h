/*
 * digest.h - SHA-256 / SHA-512 of what was written (--sha256, --checksum).
 *
 * Through OpenSSL's EVP interface: libcurl already links OpenSSL, and its
 * SHA code uses the CPU's SHA extensions where there are any.
 */
#ifndef HAUL_DIGEST_H
#define HAUL_DIGEST_H

#include <stddef.h>

#include <openssl/evp.h>

#include "options.h"

const EVP_MD *digest_md(enum checksum_algo algo);
/* Hashes a whole file (blocking: run it in the thread pool).  0 or an errno. */
int digest_file(const char *path, enum checksum_algo algo, unsigned char *out,
                unsigned *outlen);
/* Lowercase hex of len bytes into hex (2*len+1 bytes). */
void digest_hex(const unsigned char *d, size_t len, char *hex);

#endif
