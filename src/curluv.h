/*
 * curluv.h - drives one libcurl multi handle from a libuv loop.
 *
 * The glue in one place (src/README.md, "libcurl on libuv"): a uv_poll_t
 * per socket that libcurl asks to watch (kept while the socket is open),
 * one uv_timer_t for libcurl's
 * timeout, and after every curl_multi_socket_action() a full drain of
 * curl_multi_info_read().  Finished easy handles are removed from the multi
 * handle and handed to the `on_done` callback with their result code.
 */
#ifndef HAUL_CURLUV_H
#define HAUL_CURLUV_H

#include <curl/curl.h>
#include <uv.h>

struct curluv;

/* Called for each finished transfer, after curl_multi_remove_handle(). */
typedef void curluv_done_cb(void *ctx, CURL *easy, CURLcode result);

/* Creates the multi handle and its timer on `loop`; NULL on failure. */
struct curluv *curluv_new(uv_loop_t *loop, curluv_done_cb *on_done, void *ctx);
CURLM *curluv_multi(struct curluv *cu);
uv_loop_t *curluv_loop(struct curluv *cu);
/* Adds an easy handle (setting its CURLOPT_OPENSOCKETFUNCTION and
 * CURLOPT_CLOSESOCKETFUNCTION); libcurl starts it from the loop. */
CURLMcode curluv_add(struct curluv *cu, CURL *easy);
/* Removes an easy handle that has not finished (an abort); no on_done. */
void curluv_remove(struct curluv *cu, CURL *easy);
/*
 * Reports the transfers libcurl has finished meanwhile (drains
 * curl_multi_info_read), unless called from inside
 * curl_multi_socket_action, whose own drain follows.  For after
 * curl_easy_pause(CURLPAUSE_CONT): it may deliver data and end a transfer
 * without any socket event.  (curl_easy_pause updates libcurl's timers
 * itself; this does not touch them.)
 */
void curluv_kick(struct curluv *cu);
/*
 * curl_multi_cleanup(), then closes the timer and every socket watcher.
 * The memory is released in the close callbacks: run the loop afterwards.
 * Every easy handle must have been removed first.
 */
void curluv_free(struct curluv *cu);

#endif
