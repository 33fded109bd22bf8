/*
 * setup.h - mistakes in haul's setup, found before any transfer starts.
 *
 * A proxy or a CA file is used by libcurl only when a transfer connects,
 * and what libcurl reports then looks like an outage: an unsupported proxy
 * scheme comes back as "could not connect" and is retried ten times, an
 * unreadable CA file as a TLS failure.  setup_check() applies libcurl's own
 * rules to them at once instead, so a setup mistake is one line and exit
 * status 2 (a bad option value) before anything is downloaded.
 */
#ifndef HAUL_SETUP_H
#define HAUL_SETUP_H

#include <stdbool.h>

#include "options.h"

/*
 * Why libcurl would refuse `proxy` as a proxy (--proxy or a *_proxy
 * variable), or NULL when it takes it.  The rules are libcurl's: the value
 * is parsed as a URL whose scheme is guessed when it has none (a name
 * starting "ftp." guesses ftp), and the scheme must be http, https (when
 * https_ok: libcurl can talk TLS to a proxy), socks, socks4, socks4a,
 * socks5 or socks5h.  "" is no proxy and fine.  Pure; returns static text.
 */
const char *setup_proxy_problem(const char *proxy, bool https_ok);

/*
 * Why a --cacert FILE cannot be used (not there, not readable, not a
 * regular file, no PEM certificate in it), written into why; 0 when it can.
 * Reads the file as libcurl would (OpenSSL's X509_STORE_load_file).
 */
int setup_cafile_problem(const char *path, char *why, size_t len);

/*
 * Checks the option values above and the environment's proxies for the
 * URLs' schemes (unless --proxy is given, or no_proxy is set: haul does not
 * repeat libcurl's host matching), then prints the notes about the command
 * line as a whole (-P beyond --parallel-host for one host).  Returns 0, or
 * HAUL_EXIT_USAGE after one line on stderr.
 */
int setup_check(const struct config *cfg);

/*
 * The connection and TLS options (setup_net.c): --resolve and --connect-to
 * host names libcurl takes, an --interface that exists, a --unix-socket
 * that is a socket, a --capath directory, a --pinnedpubkey file, and a
 * --cert whose key (--key, --pass) loads and belongs to it.  0, or
 * HAUL_EXIT_USAGE after one line on stderr.  After setup_url_charset().
 */
int setup_net_check(const struct config *cfg);

/*
 * URLs are UTF-8 whatever the locale says (RFC 3987, the WHATWG URL
 * standard).  libcurl turns a non-ASCII host name into its ASCII form
 * (IDNA, "bücher.example" -> "xn--bcher-kva.example") with libidn2, which
 * reads the name in the character set of LC_CTYPE: in the "C" locale every
 * non-ASCII name fails as a bad URL.  So LC_CTYPE is C.UTF-8 (or the
 * environment's, where C.UTF-8 is missing).  Called once, before libcurl
 * is used.
 */
void setup_url_charset(void);

#endif
