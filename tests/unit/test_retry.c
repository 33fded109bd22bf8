/*
 * Unit tests of src/retry.c: what follows an attempt, for a whole file and
 * for a part of one (-x) alike.  The cases where the two used to differ
 * (the TLS hint, --max-time, "again and again; giving up") are checked on
 * both.
 */
#include "config.h"

#include <errno.h>

#include <curl/curl.h>

#include "check.h"
#include "exitcodes.h"
#include "options.h"
#include "retry.h"

#define MiB (UINT64_C(1) << 20)

static struct retry_config cfg;
static struct retry_state st;
static struct retry_verdict v;

static void
reset(void)
{
    memset(&cfg, 0, sizeof cfg);
    cfg.retry = 10;
    cfg.backoff = (struct backoff_policy){ .base_ms = 1000, .max_ms = 30000 };
    cfg.stall_timeout_ms = 30000;
    cfg.deadline_ms = UINT64_MAX;
    memset(&st, 0, sizeof st);
}

/* A file of 4 MiB holding `have` bytes. */
static struct retry_held
file(uint64_t have)
{
    return (struct retry_held){
        .have = have, .part_end = UINT64_MAX, .total_known = true,
        .total = 4 * MiB, .can_restart = true, .path = "f.part", .stream_retry_ms = -1,
    };
}

/* Segment 2 of an 8 MiB file, [4 MiB, 6 MiB), at `next`. */
static struct retry_held
part(uint64_t next)
{
    struct retry_held h = file(next);
    h.part = 2;
    h.part_end = 6 * MiB;
    h.total = 8 * MiB;
    return h;
}

static struct retry_outcome
curl_end(int code, const char *what, uint64_t received)
{
    return (struct retry_outcome){
        .end = RETRY_END_CURL, .curl_code = code, .what = what, .decided = true,
        .retry_after_ms = -1, .received = received, .now_ms = 1000,
    };
}

static struct retry_outcome
refused(enum response_action action, const char *why, int status)
{
    struct retry_outcome o = curl_end(CURLE_WRITE_ERROR, "", 0);
    o.end = RETRY_END_REFUSED;
    o.dec.action = action;
    o.dec.why = why;
    o.status = status;
    return o;
}

static enum retry_action
decide(const struct retry_outcome *o, const struct retry_held *h)
{
    retry_decide(o, h, &st, &cfg, 0.5, &v);
    return v.action;
}

static void
drops(void)
{
    struct retry_outcome o;
    struct retry_held h;

    /* A reset after progress: retry at once-ish, the count starts again. */
    reset();
    o = curl_end(CURLE_RECV_ERROR, "Recv failure: Connection reset by peer", 1000);
    o.os_errno = 104;    /* ECONNRESET */
    h = file(MiB);
    CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK_STR(v.message, "connection reset at 1.0 MiB of 4.0 MiB; retry 1 of 10 in 0.5s");
    CHECK(v.disconnect == DISC_RST);
    CHECK_STR(v.disconnect_message, "Recv failure: Connection reset by peer");
    CHECK_STR(v.reason, "connection reset");
    CHECK_U64(v.delay_ms, 500);
    CHECK_U64(st.failures, 0);

    /* The same on a part: the same words, its own position. */
    reset();
    h = part(5 * MiB);
    CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK_STR(v.message, "segment 2: connection reset at byte 5242880; retry 1 of 10 in 0.5s");
    CHECK(v.disconnect == DISC_RST);

    /* Nothing held yet: no position in the message. */
    reset();
    h = file(0);
    h.total_known = false;
    o = curl_end(CURLE_GOT_NOTHING, "Empty reply from server", 0);
    CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK_STR(v.message, "connection closed early; retry 1 of 10 in 1.0s");
    CHECK(v.disconnect == DISC_FIN);
    CHECK_U64(st.failures, 1);

    /* --retry 0: the first drop is final, exit 11, with the position. */
    reset();
    cfg.retry = 0;
    h = file(256 * 1024);
    o = curl_end(CURLE_RECV_ERROR, "Recv failure", 10);
    o.os_errno = 104;
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK(v.exit_code == HAUL_EXIT_PARTIAL);
    CHECK_STR(v.message, "connection reset at 256.0 KiB of 4.0 MiB");

    /* Failures without progress run out: --retry 2 allows two. */
    reset();
    cfg.retry = 2;
    o = curl_end(CURLE_COULDNT_CONNECT, "Failed to connect", 0);
    h = file(0);
    h.total_known = false;
    CHECK(decide(&o, &h) == RETRY_LATER && st.failures == 1);
    CHECK_STR(v.message, "Failed to connect; retry 1 of 2 in 1.0s");
    CHECK(v.disconnect == DISC_REFUSED);
    CHECK(decide(&o, &h) == RETRY_LATER && st.failures == 2);
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK(v.exit_code == HAUL_EXIT_CONNECT);
    CHECK_STR(v.message, "Failed to connect; gave up after 2 retries without progress");
    /* ... and a part runs out the same way. */
    reset();
    cfg.retry = 1;
    h = part(4 * MiB);
    CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK_STR(v.message, "segment 2: Failed to connect at byte 4194304; "
              "gave up after 1 retries without progress");

    /* --retry inf: no "of N". */
    reset();
    cfg.retry = RETRY_FOREVER;
    h = file(0);
    h.total_known = false;
    CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK_STR(v.message, "Failed to connect; retry 1 in 1.0s");

    /* DNS failures are tried a few times only, even with progress. */
    reset();
    o = curl_end(CURLE_COULDNT_RESOLVE_HOST, "Could not resolve host: x", 0);
    for (int i = 0; i < 3; i++)
        CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK(v.exit_code == HAUL_EXIT_RESOLVE);
    CHECK_STR(v.message, "Could not resolve host: x (gave up after 4 tries)");
}

static void
drift(void)
{
    struct retry_outcome o;
    struct retry_held h;

    /* An untrusted certificate: no retry, and the hint, for a file ... */
    reset();
    o = curl_end(CURLE_PEER_FAILED_VERIFICATION, "SSL certificate problem", 0);
    h = file(0);
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK(v.exit_code == HAUL_EXIT_TLS);
    CHECK_STR(v.message, "SSL certificate problem; to trust the server's CA use "
              "--cacert FILE, or -k to skip the check (insecure)");
    CHECK(v.disconnect == DISC_NONE);
    /* ... and for a part. */
    h = part(4 * MiB);
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK(v.exit_code == HAUL_EXIT_TLS);
    CHECK_STR(v.message, "segment 2: SSL certificate problem; to trust the "
              "server's CA use --cacert FILE, or -k to skip the check (insecure)");
    /* A wrong --pinnedpubkey: no retry, and no hint at the CA. */
    h = file(0);
    o = curl_end(CURLE_SSL_PINNEDPUBKEYNOTMATCH,
                 "SSL: public key does not match pinned public key", 0);
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK(v.exit_code == HAUL_EXIT_TLS);
    CHECK_STR(v.message, "SSL: public key does not match pinned public key");

    /* --max-time leaves no time for the delay: exit 9, file and part. */
    reset();
    cfg.deadline_ms = 1500;    /* now is 1000, the delay 1000 */
    o = curl_end(CURLE_COULDNT_CONNECT, "Failed to connect", 0);
    h = file(0);
    h.total_known = false;
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK(v.exit_code == HAUL_EXIT_TIMEOUT);
    CHECK_STR(v.message, "Failed to connect; --max-time leaves no time to retry");
    reset();
    cfg.deadline_ms = 1500;
    h = part(4 * MiB);
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK(v.exit_code == HAUL_EXIT_TIMEOUT);
    CHECK_STR(v.message, "segment 2: Failed to connect at byte 4194304; "
              "--max-time leaves no time to retry");
    /* A delay that ends before the deadline is fine. */
    reset();
    cfg.deadline_ms = 2001;
    h = file(0);
    CHECK(decide(&o, &h) == RETRY_LATER);

    /* A resource that keeps changing: the start-overs count, for the
     * transfer's own answers and for its parts' alike. */
    reset();
    cfg.retry = 1;
    o = refused(RESP_RESTART, "the length changed: a new version", 206);
    o.dec.refetch = true;
    h = file(MiB);
    CHECK(decide(&o, &h) == RETRY_START_OVER && v.counted);
    retry_start_over(&st, &cfg, MiB, &v);
    CHECK(v.action == RETRY_START_OVER);
    CHECK_STR(v.note, "the length changed: a new version; starting over");
    CHECK(decide(&o, &h) == RETRY_START_OVER);
    retry_start_over(&st, &cfg, MiB, &v);
    CHECK(v.action == RETRY_FAIL && v.exit_code == HAUL_EXIT_CHANGED);
    CHECK_STR(v.message, "the length changed: a new version, again and again; "
              "giving up");
    reset();
    cfg.retry = 1;
    o = refused(RESP_CHANGED, "the resource changed: a new version", 206);
    h = part(5 * MiB);
    CHECK(decide(&o, &h) == RETRY_START_OVER && v.counted);
    retry_start_over(&st, &cfg, MiB, &v);
    CHECK_STR(v.note, "the resource changed while its segments were fetched; "
              "starting over");
    CHECK(decide(&o, &h) == RETRY_START_OVER);
    retry_start_over(&st, &cfg, MiB, &v);
    CHECK(v.action == RETRY_FAIL && v.exit_code == HAUL_EXIT_CHANGED);
    CHECK_STR(v.message, "the resource changed while its segments were fetched, "
              "again and again; giving up");
}

static void
http(void)
{
    struct retry_outcome o;
    struct retry_held h;

    /* 503 with Retry-After: obeyed (capped by --retry-max-delay). */
    reset();
    o = refused(RESP_HTTP_ERROR, "HTTP error", 503);
    o.retry_after_ms = 7000;
    h = file(0);
    CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK_U64(v.delay_ms, 7000);
    CHECK_STR(v.message, "HTTP 503 at 0 B of 4.0 MiB; retry 1 of 10 in 7.0s");
    CHECK(v.disconnect == DISC_HTTP);
    CHECK_STR(v.disconnect_message, "HTTP 503");
    /* The same for a part. */
    reset();
    h = part(4 * MiB);
    CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK_U64(v.delay_ms, 7000);
    /* A 500's Retry-After is not a promise: backoff. */
    reset();
    o.status = 500;
    CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK_U64(v.delay_ms, 1000);

    /* 404: no retry, the same words for a file and a part. */
    reset();
    o = refused(RESP_HTTP_ERROR, "HTTP error", 404);
    h = file(0);
    CHECK(decide(&o, &h) == RETRY_FAIL && v.exit_code == HAUL_EXIT_HTTP);
    CHECK_STR(v.message, "server answered HTTP 404");
    h = part(4 * MiB);
    CHECK(decide(&o, &h) == RETRY_FAIL && v.exit_code == HAUL_EXIT_HTTP);
    CHECK_STR(v.message, "segment 2: server answered HTTP 404");

    /* 404 from where a redirect led last time: back to the URL as given. */
    reset();
    o.used_final = true;
    o.final_url = "http://cdn/f";
    h = file(MiB);
    CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK(v.forget_final_url);
    CHECK_STR(v.note, "HTTP 404 from http://cdn/f; trying the original URL");
    CHECK_STR(v.reason, "HTTP 404 from the redirect target");
    CHECK(v.disconnect == DISC_NONE);
    CHECK_U64(st.failures, 1);
}

static void
refusals(void)
{
    struct retry_outcome o;
    struct retry_held h;

    reset();
    o = refused(RESP_PROTOCOL, "Content-Range does not start at the byte asked for", 206);
    h = file(MiB);
    CHECK(decide(&o, &h) == RETRY_FAIL && v.exit_code == HAUL_EXIT_PROTOCOL);
    CHECK_STR(v.message, "Content-Range does not start at the byte asked for; refused");
    h = part(5 * MiB);
    CHECK(decide(&o, &h) == RETRY_FAIL && v.exit_code == HAUL_EXIT_PROTOCOL);
    CHECK_STR(v.message, "segment 2: Content-Range does not start at the byte "
              "asked for; refused");

    o = refused(RESP_CHANGED, "the resource changed and the bytes already written cannot be "
                "taken back", 200);
    h = file(MiB);
    h.can_restart = false;
    CHECK(decide(&o, &h) == RETRY_FAIL && v.exit_code == HAUL_EXIT_CHANGED);

    /* A part answered with the whole file: one connection from now on. */
    o = refused(RESP_SKIP, "same resource", 200);
    h = part(5 * MiB);
    CHECK(decide(&o, &h) == RETRY_FALLBACK);
    CHECK_STR(v.reason, "the server answered a segment with the whole file");

    /* -c's comparison failed: a file starts over (not counted), stdout
     * can't take its bytes back. */
    reset();
    cfg.retry = 0;
    o = curl_end(CURLE_WRITE_ERROR, "", 0);
    o.end = RETRY_END_MISMATCH;
    h = file(0);
    CHECK(decide(&o, &h) == RETRY_START_OVER && !v.counted);
    retry_start_over(&st, &cfg, 0, &v);
    CHECK(v.action == RETRY_START_OVER);
    CHECK_STR(v.note, "f.part differs from the server's copy; starting over");
    h.can_restart = false;
    CHECK(decide(&o, &h) == RETRY_FAIL && v.exit_code == HAUL_EXIT_CHANGED);

    /* Limits of libcurl on what a server may send: not retried. */
    reset();
    o = curl_end(CURLE_OUT_OF_MEMORY, "", 0);
    o.in_head = true;
    h = file(0);
    CHECK(decide(&o, &h) == RETRY_FAIL && v.exit_code == HAUL_EXIT_PROTOCOL);
    CHECK_STR(v.message, "a response header line is too long (libcurl takes "
              "100 KiB at most)");

    /* A stall is a failure like a drop, for a file and a part. */
    reset();
    cfg.stall_timeout_ms = 1000;
    cfg.retry = 1;
    o = curl_end(CURLE_ABORTED_BY_CALLBACK, "", 0);
    o.end = RETRY_END_STALL;
    h = file(0);
    h.total_known = false;
    CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK(v.disconnect == DISC_STALL);
    CHECK_STR(v.disconnect_message, "no data for 1.0s");
    CHECK(decide(&o, &h) == RETRY_FAIL && v.exit_code == HAUL_EXIT_TIMEOUT);
    CHECK_STR(v.message, "no data for 1.0s; gave up after 1 retries without progress");
}

static void
ends(void)
{
    struct retry_outcome o;
    struct retry_held h;

    /* The whole body: done. */
    reset();
    o = curl_end(CURLE_OK, "", 4 * MiB);
    h = file(4 * MiB);
    CHECK(decide(&o, &h) == RETRY_FINISH);
    /* No response at all. */
    o.decided = false;
    CHECK(decide(&o, &h) == RETRY_FAIL && v.exit_code == HAUL_EXIT_PROTOCOL);
    CHECK_STR(v.message, "no response");

    /* A body that ended before the known total: ask for the rest. */
    o = curl_end(CURLE_OK, "", MiB);
    h = file(MiB);
    CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK(v.disconnect == DISC_FIN);
    CHECK_STR(v.reason, "response ended early");
    /* The same for a part that ended before its end; at its end, done. */
    h = part(5 * MiB);
    CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK_STR(v.message, "segment 2: response ended early at byte 5242880; "
              "retry 1 of 10 in 0.5s");
    h = part(6 * MiB);
    CHECK(decide(&o, &h) == RETRY_PART_DONE);
    /* -x: the transfer's own first part is complete. */
    h = file(2 * MiB);
    h.part_end = 2 * MiB;
    CHECK(decide(&o, &h) == RETRY_PART_DONE);
    /* The first part's range ended, but the parts fell back meanwhile. */
    h.part_end = UINT64_MAX;
    o.bounded = true;
    CHECK(decide(&o, &h) == RETRY_AGAIN && !v.probe);

    /* A body without length that stopped: ask whether there is more. */
    o = curl_end(CURLE_OK, "", 1000);
    o.unframed = true;
    o.accept_ranges = true;
    h = file(1000);
    h.total_known = false;
    CHECK(decide(&o, &h) == RETRY_AGAIN && v.probe);
    o.http2 = true;    /* over HTTP/2 a cut is an error: this is the end */
    CHECK(decide(&o, &h) == RETRY_FINISH);

    /* A live stream that ended: reconnect; the event stream's retry:
     * field sets the delay. */
    o = curl_end(CURLE_OK, "", 1000);
    o.unframed = true;
    h = file(1000);
    h.total_known = false;
    h.stream = true;
    h.can_restart = false;
    CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK_STR(v.reason, "stream ended");
    h.sse = true;
    h.stream_retry_ms = 250;
    o.unframed = false;
    CHECK(decide(&o, &h) == RETRY_LATER);
    CHECK_U64(v.delay_ms, 250);

    /* -c compared every byte and the resource ends where the file does. */
    o = curl_end(CURLE_OK, "", 0);
    h = file(0);
    h.verifying = true;
    h.verify_size = 4 * MiB;
    o.body_end = 4 * MiB;
    CHECK(decide(&o, &h) == RETRY_FINISH && v.verified);
    /* It ended inside the overlap: the file is longer than the resource. */
    o.body_end = 3 * MiB;
    CHECK(decide(&o, &h) == RETRY_START_OVER && !v.counted);
    CHECK_STR(v.reason, "f.part is longer than the server's copy");
}

static void
no_progress(void)
{
    struct retry_outcome o;
    struct retry_held h;

    /* A server that says 4 MiB, sends 1 MiB, then says it is shorter:
     * bytes up to the mark are no progress, so --retry runs out. */
    reset();
    cfg.retry = 1;
    st.shorter_mark = MiB;
    o = curl_end(CURLE_OK, "", 1000);
    h = file(MiB);
    CHECK(decide(&o, &h) == RETRY_LATER && st.failures == 1);
    CHECK(decide(&o, &h) == RETRY_FAIL);
    /* Past the mark it is progress again. */
    reset();
    st.shorter_mark = MiB;
    st.failures = 5;
    h = file(MiB + 1);
    CHECK(decide(&o, &h) == RETRY_LATER && st.failures == 0);
    /* A start over after a 416 sets the mark. */
    reset();
    o = refused(RESP_RESTART, "the resource is shorter than the part already here", 416);
    o.dec.refetch = true;
    o.shrank = true;
    h = file(3 * MiB);
    CHECK(decide(&o, &h) == RETRY_START_OVER && v.shrank);
    retry_start_over(&st, &cfg, 3 * MiB, &v);
    CHECK_U64(st.shorter_mark, 3 * MiB);
}

static void
refusals_at_first_contact(void)
{
    struct retry_outcome o;
    struct retry_held h;

    /* Nothing listens and no server ever answered: not retried. */
    reset();
    o = curl_end(CURLE_COULDNT_CONNECT, "Failed to connect to h port 1: Connection refused", 0);
    o.os_errno = ECONNREFUSED;
    h = file(0);
    h.total_known = false;
    CHECK(decide(&o, &h) == RETRY_FAIL && v.exit_code == HAUL_EXIT_CONNECT);
    CHECK_STR(v.message, "connection refused (Failed to connect to h port 1: "
              "Connection refused); not retried at first contact: --retry-connrefused retries it");
    CHECK(v.disconnect == DISC_REFUSED);
    /* A server was there (or bytes are held): an outage, retried. */
    h.contacted = true;
    CHECK(decide(&o, &h) == RETRY_LATER);
    /* --retry-connrefused retries it anyway. */
    reset();
    cfg.retry_connrefused = true;
    h.contacted = false;
    CHECK(decide(&o, &h) == RETRY_LATER);
    /* A part comes after the transfer's first answer. */
    reset();
    h = part(5 * MiB);
    h.contacted = true;
    CHECK(decide(&o, &h) == RETRY_LATER);
    /* Other failures to connect are always retried. */
    reset();
    o.os_errno = EHOSTUNREACH;
    h = file(0);
    CHECK(decide(&o, &h) == RETRY_LATER);
}

/* A POST is not sent again once it went out, but for a 4xx or 503 answer
 * and for --stream on an event stream; an idempotent method is. */
static void
requests_with_bodies(void)
{
    struct retry_outcome o;
    struct retry_held h;

    reset();
    h = file(1000);
    h.send_once = true;
    h.method = "POST";
    h.whole_only = true;
    o = curl_end(CURLE_RECV_ERROR, "Connection reset by peer", 1000);
    o.os_errno = ECONNRESET;
    o.sent = true;
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK(v.exit_code == HAUL_EXIT_PARTIAL);
    CHECK_STR(v.message, "connection reset at 1000 B of 4.0 MiB; a POST is not sent "
                         "again: it may have taken effect");
    CHECK(v.disconnect == DISC_RST);    /* still counted and reported */
    /* Never sent (a refused connection after an answer, a TLS
     * handshake): sent again. */
    o.sent = false;
    CHECK(decide(&o, &h) == RETRY_LATER);
    /* A stall, a body that ended early: the same rule, their own codes. */
    reset();
    o = curl_end(CURLE_OK, "", 0);
    o.end = RETRY_END_STALL;
    o.sent = true;
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK(v.exit_code == HAUL_EXIT_TIMEOUT);
    o = curl_end(CURLE_OK, "", 10);
    o.sent = true;
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK(v.exit_code == HAUL_EXIT_PARTIAL);
    /* 503 and 429 say the server did not act on it; 500 does not. */
    reset();
    o = refused(RESP_HTTP_ERROR, "HTTP 503", 503);
    o.sent = true;
    CHECK(decide(&o, &h) == RETRY_LATER);
    o = refused(RESP_HTTP_ERROR, "HTTP 429", 429);
    o.sent = true;
    CHECK(decide(&o, &h) == RETRY_LATER);
    o = refused(RESP_HTTP_ERROR, "HTTP 500", 500);
    o.sent = true;
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK(v.exit_code == HAUL_EXIT_HTTP);
    CHECK_STR(v.message, "HTTP 500 at 1000 B of 4.0 MiB; a POST is not sent again: "
                         "it may have taken effect");
    /* --stream on an event stream: re-sent (with Last-Event-ID). */
    reset();
    h.stream = true;
    h.sse = true;
    h.total_known = false;
    o = curl_end(CURLE_OK, "", 100);
    o.sent = true;
    CHECK(decide(&o, &h) == RETRY_LATER);
    /* --stream on lines is not an event stream: not re-sent. */
    h.sse = false;
    o = curl_end(CURLE_RECV_ERROR, "Connection reset by peer", 100);
    o.os_errno = ECONNRESET;
    o.sent = true;
    CHECK(decide(&o, &h) == RETRY_FAIL);
    /* An idempotent PUT is sent again. */
    reset();
    h = file(1000);
    h.whole_only = true;
    h.method = "PUT";
    o = curl_end(CURLE_RECV_ERROR, "Connection reset by peer", 1000);
    o.os_errno = ECONNRESET;
    o.sent = true;
    CHECK(decide(&o, &h) == RETRY_LATER);
    /* A close-delimited body is never probed with Range when the request
     * cannot be asked with one. */
    reset();
    h = file(1000);
    h.total_known = false;
    h.whole_only = true;
    o = curl_end(CURLE_OK, "", 1000);
    o.unframed = true;
    o.accept_ranges = true;
    CHECK(decide(&o, &h) == RETRY_FINISH);
    h.whole_only = false;
    CHECK(decide(&o, &h) == RETRY_AGAIN && v.probe);
}

/* A file with three sources, asking the second ("http://m/f"). */
static struct retry_held
mirrored(uint64_t have, unsigned left, unsigned ready)
{
    struct retry_held h = file(have);
    h.source = "http://m/f";
    h.sources_left = left;
    h.sources_ready = ready;
    return h;
}

static void
sources(void)
{
    struct retry_outcome o;
    struct retry_held h;

    /* A failure without progress sets the source aside; another is ready:
     * now. */
    reset();
    o = curl_end(CURLE_COULDNT_CONNECT, "Failed to connect", 0);
    o.os_errno = ECONNREFUSED;
    h = mirrored(MiB, 2, 1);
    h.contacted = true;
    CHECK(decide(&o, &h) == RETRY_SWITCH);
    CHECK(!v.drop);
    CHECK_U64(v.delay_ms, 0);
    CHECK_STR(v.message, "source http://m/f: Failed to connect at 1.0 MiB of 4.0 MiB; "
              "set aside");

    /* None ready (every other one set aside): after the backoff. */
    reset();
    h.sources_ready = 0;
    CHECK(decide(&o, &h) == RETRY_SWITCH);
    CHECK(v.delay_ms > 0);

    /* A drop that brought bytes: retried on the same source first ... */
    reset();
    o = curl_end(CURLE_RECV_ERROR, "Recv failure", 1000);
    o.os_errno = 104;
    h = mirrored(MiB, 2, 2);
    CHECK(decide(&o, &h) == RETRY_LATER);
    /* ... its second failure sets it aside. */
    h.source_failures = 1;
    CHECK(decide(&o, &h) == RETRY_SWITCH);
    CHECK(!v.drop);

    /* An HTTP error no retry mends drops the source. */
    reset();
    o = refused(RESP_HTTP_ERROR, "HTTP error", 404);
    h = mirrored(0, 1, 1);
    CHECK(decide(&o, &h) == RETRY_SWITCH);
    CHECK(v.drop);
    CHECK_STR(v.message, "source http://m/f: server answered HTTP 404; dropped for "
              "this file");
    /* With no other source left, as with one. */
    h.sources_left = h.sources_ready = 0;
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK_U64(v.exit_code, HAUL_EXIT_HTTP);

    /* Another source's overlap differs: dropped, never a start-over. */
    reset();
    o = curl_end(CURLE_WRITE_ERROR, "", 0);
    o.end = RETRY_END_MISMATCH;
    h = mirrored(0, 1, 1);
    h.foreign = true;
    h.verifying = true;
    h.verify_size = MiB;
    CHECK(decide(&o, &h) == RETRY_SWITCH);
    CHECK(v.drop);
    CHECK_STR(v.reason, "its bytes before byte 1048576 differ from those held from another "
              "source");
    /* ... and with no other source left, the file fails (12), kept. */
    h.sources_left = h.sources_ready = 0;
    CHECK(decide(&o, &h) == RETRY_FAIL);
    CHECK_U64(v.exit_code, HAUL_EXIT_CHANGED);

    /* Another length from another source: dropped too. */
    reset();
    o = refused(RESP_RESTART, "the length changed: a new version", 206);
    h = mirrored(MiB, 1, 1);
    h.foreign = true;
    CHECK(decide(&o, &h) == RETRY_SWITCH);
    CHECK(v.drop);
    CHECK_U64(v.delay_ms, 0);
    CHECK_STR(v.note, "");
    /* The source whose bytes are held changed: a start-over, as with one. */
    h.foreign = false;
    CHECK(decide(&o, &h) == RETRY_START_OVER);

    /* --retry ran out: a final failure, whatever sources are left. */
    reset();
    cfg.retry = 1;
    st.failures = 1;
    o = curl_end(CURLE_COULDNT_CONNECT, "Failed to connect", 0);
    o.os_errno = ECONNREFUSED;
    h = mirrored(MiB, 2, 0);
    h.contacted = true;
    h.source_failures = 1;
    CHECK(decide(&o, &h) == RETRY_FAIL);
}

int
main(void)
{
    drops();
    drift();
    http();
    refusals();
    ends();
    no_progress();
    refusals_at_first_contact();
    requests_with_bodies();
    sources();
    return check_done("test_retry");
}
