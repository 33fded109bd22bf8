/*
 * setup_net.c - setup mistakes in the connection and TLS options, found
 * before any request; see setup.h.
 *
 * libcurl reads a client certificate, a key file or a CA directory only
 * when a transfer connects, and reports a missing one as a TLS failure, a
 * missing Unix socket or interface as a failed connection (retried as an
 * outage).  Here they are one line and exit status 2 at once.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "exitcodes.h"
#include "msg.h"
#include "netopts.h"
#include "setup.h"

/* What `path` is (stat), or why it cannot be opened: 0 and *mode, or an
 * errno after the reason in why. */
static int
stat_path(const char *path, mode_t *mode, char *why, size_t len)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int err = errno;
        snprintf(why, len, "%s", strerror(err));
        return err;
    }
    *mode = st.st_mode;
    return 0;
}

/* A readable regular file (O_NONBLOCK: a FIFO must not hang haul). */
static bool
regular_file_ok(const char *opt, const char *path)
{
    char why[128] = "";
    mode_t mode = 0;
    int fd;

    if (stat_path(path, &mode, why, sizeof why) == 0 && !S_ISREG(mode))
        snprintf(why, sizeof why, "not a regular file");
    else if (why[0] == '\0' && (fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
        snprintf(why, sizeof why, "%s", strerror(errno));
    else if (why[0] == '\0') {
        close(fd);
        return true;
    }
    if (strcmp(opt, "--cert") == 0 && strchr(path, ':') != NULL)
        msg_usage_error("%s %s: %s (a passphrase goes in --pass @FILE, not after ':')", opt,
                        path, why);
    else
        msg_usage_error("%s %s: %s", opt, path, why);
    return false;
}

/* OpenSSL asks for a passphrase: --pass's, or none (noted in *asked). */
static int
pass_cb(char *buf, int size, int rwflag, void *u)
{
    const char *pass = ((const char **)u)[0];
    (void)rwflag;
    ((const char **)u)[1] = "asked";
    if (pass == NULL)
        return 0;
    int n = (int)strlen(pass);
    if (n > size)
        return -1;
    memcpy(buf, pass, (size_t)n);
    return n;
}

/* The key of `path` as libcurl will load it (PEM, --pass), or NULL after
 * a message. */
static EVP_PKEY *
load_key(const char *opt, const char *path, const char *pass)
{
    const char *u[2] = { pass, NULL };
    EVP_PKEY *key = NULL;
    FILE *f = fopen(path, "re");

    if (f != NULL) {
        key = PEM_read_PrivateKey(f, NULL, pass_cb, (void *)u);
        fclose(f);
    }
    if (key != NULL)
        return key;
    if (u[1] != NULL && pass == NULL)
        msg_usage_error("%s %s: the key is encrypted: give its passphrase with --pass @FILE",
                        opt, path);
    else if (u[1] != NULL)
        msg_usage_error("%s %s: the passphrase of --pass does not decrypt the key", opt, path);
    else if (strcmp(opt, "--cert") == 0)
        msg_usage_error("--cert %s: no PEM private key in it (name the key with --key FILE)",
                        path);
    else
        msg_usage_error("%s %s: no PEM private key in it", opt, path);
    return NULL;
}

/* --cert, --key, --pass: a certificate and the key that belongs to it. */
static bool
client_cert_ok(const struct config *cfg)
{
    const char *keyopt = cfg->key != NULL ? "--key" : "--cert";
    const char *keyfile = cfg->key != NULL ? cfg->key : cfg->cert;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    bool ok = false;

    if (cfg->cert == NULL) {
        if (cfg->key != NULL)
            msg_usage_error("--key needs --cert (the certificate the key belongs to)");
        return cfg->key == NULL;
    }
    if (!regular_file_ok("--cert", cfg->cert) || (cfg->key != NULL && !regular_file_ok("--key", cfg->key)))
        return false;
    FILE *f = fopen(cfg->cert, "re");
    if (f != NULL) {
        cert = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
    }
    if (cert == NULL)
        msg_usage_error("--cert %s: no PEM certificate in it", cfg->cert);
    else if ((key = load_key(keyopt, keyfile, cfg->key_passwd)) == NULL)
        ;
    else if (X509_check_private_key(cert, key) != 1)
        msg_usage_error("%s %s: this key does not belong to the certificate of --cert %s",
                        keyopt, keyfile, cfg->cert);
    else
        ok = true;
    EVP_PKEY_free(key);
    X509_free(cert);
    ERR_clear_error();    /* nothing of this may show in libcurl's messages */
    return ok;
}

/* --interface: an interface's name, or an address of this machine. */
static bool
interface_ok(const char *value)
{
    struct sockaddr_storage ss = { 0 };
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    socklen_t len = 0;

    if (strchr(value, '!') != NULL)
        return true;    /* libcurl's "if!NAME" and "host!NAME" */
    if (inet_pton(AF_INET, value, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        len = sizeof *in4;
    } else if (inet_pton(AF_INET6, value, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        len = sizeof *in6;
    } else if (if_nametoindex(value) == 0) {
        msg_usage_error("--interface %s: no such network interface", value);
        return false;
    } else {
        return true;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = fd >= 0 && bind(fd, (struct sockaddr *)&ss, len) == 0 ? 0 : errno;
    if (fd >= 0)
        close(fd);
    if (rc == EADDRNOTAVAIL)
        msg_usage_error("--interface %s: no network interface has this address", value);
    return rc != EADDRNOTAVAIL;
}

/* The host names of --resolve and --connect-to entries (up to the first
 * ':'): libcurl must take them, international ones too. */
static bool
hosts_ok(const char *opt, char *const *entries, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *host = entries[i][0] == '+' ? entries[i] + 1 : entries[i];
        size_t len = strcspn(host, ":");
        if (len == 0 || host[0] == '[' || host[0] == '*')
            continue;
        char *ascii = netopts_ascii_host(host, len);
        if (ascii == NULL) {
            msg_usage_error("%s: bad value '%s': '%.*s' is not a host name", opt, entries[i],
                            (int)len, host);
            return false;
        }
        curl_free(ascii);
    }
    return true;
}

/* --unix-socket: there, and a socket (else libcurl's failure to connect
 * would be retried as an outage). */
static bool
unix_socket_ok(const char *path)
{
    char why[128] = "";
    mode_t mode = 0;
    if (stat_path(path, &mode, why, sizeof why) == 0 && !S_ISSOCK(mode))
        snprintf(why, sizeof why, "not a socket");
    else if (why[0] == '\0')
        return true;
    msg_usage_error("--unix-socket %s: %s", path, why);
    return false;
}

int
setup_net_check(const struct config *cfg)
{
    char why[128] = "";
    mode_t mode = 0;

    if (!hosts_ok("--resolve", cfg->resolve, cfg->nresolve) ||
        !hosts_ok("--connect-to", cfg->connect_to, cfg->nconnect_to))
        return HAUL_EXIT_USAGE;
    if (cfg->iface != NULL && !interface_ok(cfg->iface))
        return HAUL_EXIT_USAGE;
    if (cfg->unix_socket != NULL && !unix_socket_ok(cfg->unix_socket))
        return HAUL_EXIT_USAGE;
    if (cfg->capath != NULL && (stat_path(cfg->capath, &mode, why, sizeof why) != 0 ||
                                !S_ISDIR(mode))) {
        msg_usage_error("--capath %s: %s", cfg->capath, why[0] != '\0' ? why : "not a directory");
        return HAUL_EXIT_USAGE;
    }
    if (cfg->pinnedpubkey != NULL && strncmp(cfg->pinnedpubkey, "sha256//", 8) != 0 &&
        !regular_file_ok("--pinnedpubkey", cfg->pinnedpubkey))
        return HAUL_EXIT_USAGE;
    return client_cert_ok(cfg) ? 0 : HAUL_EXIT_USAGE;
}
