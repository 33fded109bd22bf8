/*
 * cookies.h - --cookie and --cookie-jar: libcurl's cookie engine, one for
 * the whole run.
 *
 * Every request of a run shares one cookie store (a libcurl share handle):
 * the cookies of --cookie files, the NAME=VALUE cookies of --cookie, and
 * those servers set.  So a retry, a resume and a part of -x send the same
 * cookies as the first request, plus what the server set since, as a
 * browser would.  The store is one object of the process, as libcurl's
 * global state is: main.c opens it after curl_global_init() and closes it
 * (writing --cookie-jar) before curl_global_cleanup(); attempts only
 * attach to it.
 */
#ifndef HAUL_COOKIES_H
#define HAUL_COOKIES_H

#include <stdbool.h>

#include <curl/curl.h>

#include "options.h"

/*
 * Creates the store when cfg asks for cookies, and loads the --cookie
 * files into it.  A file that is missing is an empty jar (curl's rule, for
 * `--cookie jar --cookie-jar jar` on a first run); one that exists but
 * cannot be read, or a --cookie-jar that cannot be written, is a usage
 * error: 0, or exit status 2 after one message.
 */
int cookies_open(const struct config *cfg);

/*
 * Attaches an attempt's easy handle to the store.  With `credentials`
 * (the request goes to the URL's own origin, or --location-trusted), the
 * NAME=VALUE cookies are set for url's host first, so that every attempt
 * sends them; libcurl's engine never sends them to another host.  False
 * when libcurl refused.
 */
bool cookies_attach(CURL *easy, const char *url, bool credentials);

/* With `save`, writes --cookie-jar (libcurl's Netscape format); then frees
 * the store.  0, or HAUL_EXIT_WRITE after a message when the jar could not
 * be written.  Does nothing without a store. */
int cookies_close(bool save);

#endif
