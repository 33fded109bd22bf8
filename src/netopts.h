/*
 * netopts.h - how a request reaches its server: the address family (-4,
 * -6), --resolve, --connect-to, --interface, --unix-socket, and the TLS
 * client options (--capath, --cert, --key, --pass, --pinnedpubkey), set on
 * an easy handle through libcurl's own options.
 *
 * The lists libcurl takes for --resolve and --connect-to must live as long
 * as the easy handle: they are the attempt's, in a struct netopts_lists
 * that netopts_set() fills and netopts_free() empties.
 */
#ifndef HAUL_NETOPTS_H
#define HAUL_NETOPTS_H

#include <stdbool.h>

#include <curl/curl.h>

#include "options.h"

struct netopts_lists {
    struct curl_slist *resolve;
    struct curl_slist *connect_to;
};

/* Sets cfg's connection and TLS options on e.  False: out of memory (what
 * was made is in *nl all the same, for netopts_free()). */
bool netopts_set(CURL *e, const struct config *cfg, struct netopts_lists *nl);
void netopts_free(struct netopts_lists *nl);

/*
 * The host name of a --resolve or --connect-to entry as libcurl looks it
 * up: an international name (bücher.test) in its ASCII form
 * (xn--bcher-kva.test), which is what libcurl makes of the URL's host.
 * Needs the locale setup_url_charset() sets.  A copy to free with
 * curl_free(), or NULL when libcurl refuses the name.
 */
char *netopts_ascii_host(const char *host, size_t len);

#endif
