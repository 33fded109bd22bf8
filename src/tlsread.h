/*
 * tlsread.h - OpenSSL read-ahead for libcurl's TLS connections, and the
 * check for records it holds that no socket event will announce.
 *
 * Without read-ahead OpenSSL makes two recv() calls per TLS record (its
 * 5-byte header, then the rest).  With it, one recv() fills its buffer
 * (one record's room) with the rest of a record and the start of the
 * next, or with several small records.  But libcurl 7.88 asks OpenSSL whether data is
 * waiting with SSL_pending(), which counts only the record being read, not
 * the whole records behind it already taken from the socket: libcurl stops
 * after one record, the socket stays quiet, and the rest of the body would
 * wait for haul's stall timer.  So the curl glue asks tlsread_held() after
 * each read event and drives libcurl again while records are held and the
 * last drive read one (tlsread_records() moved): a partial record, or a
 * paused transfer, stops it.
 */
#ifndef HAUL_TLSREAD_H
#define HAUL_TLSREAD_H

#include <stdbool.h>

#include <curl/curl.h>

/*
 * Turns read-ahead on for the TLS connections `easy` makes, where it is
 * safe: libcurl's TLS is OpenSSL, no TLS proxy sits in between (its layer
 * would hold records this module does not see), and libcurl's own TLS
 * trace (-v) does not need OpenSSL's message callback.
 */
void tlsread_setup(CURL *easy, const char *proxy, bool verbose);
/* The OpenSSL connection (an SSL *) of `easy`'s TLS connection, NULL when
 * it has none yet or it is not OpenSSL's. */
void *tlsread_ssl(CURL *easy);
/* Whether `easy` is an https transfer (its connection may carry TLS). */
bool tlsread_is_tls(CURL *easy);
/* Whether `ssl` holds bytes read from its socket but not yet handed to
 * libcurl (whole records, or the start of one). */
bool tlsread_held(void *ssl);
/* TLS records read so far, by every connection set up by tlsread_setup():
 * compared before and after a drive to see whether it read one. */
unsigned long tlsread_records(void);

#endif
