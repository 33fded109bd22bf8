/*
 * digest.c - message digests of output; see digest.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "digest.h"
#include "mem.h"

const EVP_MD *
digest_md(enum checksum_algo algo)
{
    return algo == CHECKSUM_SHA512 ? EVP_sha512() : EVP_sha256();
}

int
digest_file(const char *path, enum checksum_algo algo, unsigned char *out, unsigned *outlen)
{
    enum { CHUNK = 1 << 20 };
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = 0;
    char *buf = NULL;
    EVP_MD_CTX *ctx = NULL;

    if (fd < 0)
        return errno;
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    buf = xmalloc(CHUNK);
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || !EVP_DigestInit_ex(ctx, digest_md(algo), NULL)) {
        rc = ENOMEM;
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = errno;
            goto out;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(ctx, buf, (size_t)n);
    }
    if (!EVP_DigestFinal_ex(ctx, out, outlen))
        rc = EIO;
out:
    EVP_MD_CTX_free(ctx);
    xfree(buf);
    close(fd);
    return rc;
}

void
digest_hex(const unsigned char *d, size_t len, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[2 * len] = '\0';
}
