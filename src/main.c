/*
 * main.c - haul's entry point: the order in which everything is set up and
 * torn down.
 *
 *  0. Put /dev/null on any of descriptors 0, 1, 2 that is closed, so that
 *     nothing haul or its libraries open lands there (libuv asserts on it,
 *     and an --events file would catch every message).
 *  1. Decide whether allocations are counted and install the counting
 *     allocators before any library allocates (src/README.md, "Counting
 *     memory").
 *  2. Parse the command line; --help and --version answer and leave.
 *  3. Initialise libcurl, refuse outputs that collide (outputs.c), run
 *     every transfer on one loop (run.c).
 *  4. Write --summary, clean up every library, then report --memstats, so
 *     the report shows what each library really left behind.
 *  5. Exit with the status of exitcodes.h; for a closed output pipe, die
 *     of SIGPIPE as other filters in a pipeline do.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <uv.h>

#include "cookies.h"
#include "events.h"
#include "exitcodes.h"
#include "mem.h"
#include "memstats.h"
#include "msg.h"
#include "options.h"
#include "outputs.h"
#include "run.h"
#include "setup.h"
#include "summary.h"

static void
print_version(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

    printf("haul %s\n", PACKAGE_VERSION);
    printf("libcurl %s", v->version);
    if (v->ssl_version != NULL)
        printf(" (%s", v->ssl_version);
    if (v->libz_version != NULL)
        printf(", zlib/%s", v->libz_version);
    if (v->nghttp2_version != NULL)
        printf(", nghttp2/%s", v->nghttp2_version);
    printf("%s\n", v->ssl_version != NULL ? ")" : "");
    printf("libuv %s\n", uv_version_string());
    printf("cJSON %s\n", cJSON_Version());
    printf("protocols: http https%s\n",
           (v->features & CURL_VERSION_HTTP2) ? " (HTTP/2 over TLS)" : "");
}

static int
print_help(const struct config *cfg)
{
    if (cfg->help_topic == NULL) {
        options_print_help(stdout);
        return HAUL_EXIT_OK;
    }
    if (strcmp(cfg->help_topic, "exit-codes") == 0) {
        haul_exit_print_table(stdout);
        return HAUL_EXIT_OK;
    }
    msg_usage_error("no help topic '%s' (topics: exit-codes)", cfg->help_topic);
    return HAUL_EXIT_USAGE;
}

/* Step 0: a closed descriptor 0-2 gets /dev/null.  open() returns the
 * lowest free number, so each open fills the hole being looked at. */
static void
fill_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int nfd = open("/dev/null", O_RDWR);
        if (nfd >= 0 && nfd != fd)
            close(nfd);    /* not the hole: leave it be */
    }
}

/* --sha256 lines go to stdout (in sha256sum's format) when stdout carries
 * nothing else: no body and no --summary or --events there. */
static bool
stdout_is_free(const struct config *cfg)
{
    if ((cfg->summary != NULL && strcmp(cfg->summary, "-") == 0) ||
        (cfg->events != NULL && strcmp(cfg->events, "1") == 0))
        return false;
    for (size_t i = 0; i < cfg->njobs; i++) {
        const char *o = cfg->jobs[i].output;
        if (o != NULL ? strcmp(o, "-") == 0 : !cfg->remote_name)
            return false;
    }
    /* The list is read later: a line without a name goes to stdout. */
    return cfg->input_name == NULL || cfg->remote_name;
}

static double
seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Step 3, once libcurl is up: outputs that collide, the cookie store, and
 * the --events file.  0, or an exit status after a message.
 */
static int
prepare(struct config *cfg, struct events **ev)
{
    /* Before any file is opened: names from -O need libcurl's URL parser,
     * so after its initialisation, which opens no descriptor. */
    int code = outputs_check(cfg);
    if (code == 0)
        code = cookies_open(cfg);
    if (code != 0 || cfg->events == NULL)
        return code;
    /* Before libuv and the transfers open descriptors of their own, so
     * that a number given to --events can only be one the caller opened. */
    int err = 0;
    *ev = events_open(cfg->events, &err);
    if (*ev == NULL) {
        msg_error("--events %s: %s", cfg->events, strerror(err));
        return HAUL_EXIT_WRITE;
    }
    return 0;
}

/*
 * After the run: --summary, then every library's cleanup, then --memstats
 * (which reads the counters last, so it shows what each library really
 * left behind).  Frees the summary, the configuration and ms; returns the
 * exit status, which a report that could not be written may change.
 */
static int
report(struct config *cfg, struct summary *sum, struct memstats *ms, int code,
       double duration_s)
{
    if (sum != NULL) {
        int rc = summary_finish(sum, code, duration_s);
        if (rc != 0 && code == HAUL_EXIT_OK)
            code = rc;
    }
    int jar_rc = cookies_close(true);
    if (jar_rc != 0 && code == HAUL_EXIT_OK)
        code = jar_rc;
    config_free(cfg);
    curl_global_cleanup();
    if (ms != NULL) {
        /* Let OpenSSL and libuv release their global state now, so the
         * report shows what is really left. */
        OPENSSL_cleanup();
        uv_library_shutdown();
        int rc = memstats_report(ms);
        if (rc != 0 && code == HAUL_EXIT_OK)
            code = rc;
        memstats_free(ms);
    }
    return code;
}

int
main(int argc, char **argv)
{
    struct config cfg;
    struct run_result res = { 0 };
    struct memstats *ms = NULL;
    struct events *ev = NULL;
    double started = seconds_now();
    int code;

    fill_std_fds();
    mem_init(options_want_memstats(argc, argv));
    /* Write errors come back as EPIPE and EFBIG, handled where they happen. */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);

    code = options_parse(argc, argv, &cfg);
    if (code != 0)
        return code;
    msg_set_level(cfg.level);
    msg_set_silent(cfg.silent);
    msg_set_checksum_stdout(cfg.sha256 && stdout_is_free(&cfg));
    if (cfg.help) {
        code = print_help(&cfg);
        config_free(&cfg);
        return code;
    }

    if (cfg.version) {
        /* curl_version_info() needs no curl_global_init(). */
        print_version();
        config_free(&cfg);
        return HAUL_EXIT_OK;
    }
    /* Setup mistakes fail here, before an --events file is made. */
    setup_url_charset();
    code = setup_check(&cfg);
    if (code != 0) {
        config_free(&cfg);
        return code;
    }
    if (mem_curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        msg_error("cannot initialise libcurl");
        config_free(&cfg);
        return HAUL_EXIT_INTERNAL;
    }
    code = prepare(&cfg, &ev);
    if (code != 0) {
        cookies_close(false);
        config_free(&cfg);
        curl_global_cleanup();
        return code;
    }

    ms = memstats_new(&cfg);
    struct summary *sum = summary_new(&cfg);
    code = run_main(&cfg, ms, ev, sum, &res);
    events_free(ev);
    code = report(&cfg, sum, ms, code, seconds_now() - started);

    if (code == HAUL_EXIT_PIPE) {
        /* The reader is gone: this flush fails with EPIPE, and that is why
         * haul now ends as its SIGPIPE. */
        (void)fflush(stdout);
        signal(SIGPIPE, SIG_DFL);
        raise(SIGPIPE);
    }
    return code;
}
