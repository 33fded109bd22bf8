/*
 * options.h - the parsed command line.
 *
 * options_parse() turns argv into a struct config that the caller owns and
 * frees with config_free().  Option values are checked here, so the rest of
 * haul works with values that are known to be valid.
 */
#ifndef HAUL_OPTIONS_H
#define HAUL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "msg.h"

#define RETRY_FOREVER UINT32_MAX

enum opt_id {
#define OPT(id, ...) OPT_##id,
#include "options.def"
#undef OPT
    OPT_COUNT
};

enum stream_mode { STREAM_OFF, STREAM_AUTO, STREAM_LINES, STREAM_EVENTS, STREAM_RAW };
enum progress_kind { PROGRESS_DEFAULT, PROGRESS_BAR, PROGRESS_DOTS, PROGRESS_NONE };
enum checksum_algo { CHECKSUM_NONE, CHECKSUM_SHA256, CHECKSUM_SHA512 };
enum ip_version { IP_ANY, IP_V4, IP_V6 };

/* One URL to download and where its body goes. */
struct job {
    char *url;          /* as given */
    char *output;       /* -o or input-file name; NULL: stdout or -O */
    unsigned line;      /* line in --input-file, 0 for the command line */
    bool input_ok;      /* false: a bad input-file line, reported, not run */
    char **mirrors;     /* other URLs of the same bytes (--mirror, or more
                         * URLs on the input-file line), in order */
    size_t nmirrors;
};

/* A job's one owner is whoever holds it (the config's list, or the run's
 * window); these make, extend and empty one. */
void job_init(struct job *j, const char *url, const char *output, unsigned line, bool ok);
void job_add_mirror(struct job *j, const char *url);
void job_clear(struct job *j);

struct config {
    struct job *jobs;               /* from the command line */
    size_t njobs;
    char *input_name;               /* --input-file as given, NULL: none */
    int input_fd;                   /* open for the run when input_name is set */
    unsigned shard_k, shard_n;      /* --shard K/N; shard_n 0: none */
    bool given[OPT_COUNT];          /* the options on the command line */

    /* Output */
    bool remote_name;
    char *output_dir;
    bool cont;
    unsigned parallel;
    unsigned parallel_host;
    unsigned segments;
    uint64_t buffer_size;           /* bytes */
    enum stream_mode stream;
    enum checksum_algo checksum_algo;
    unsigned char checksum[64];     /* expected digest */
    size_t checksum_len;            /* bytes */
    bool sha256;
    bool timestamping;              /* -N: implies remote_time */
    bool remote_time;
    bool no_clobber;
    bool create_dirs;
    bool content_disposition;
    uint64_t max_filesize;          /* bytes, 0: none */
    bool xattr;

    /* Request */
    char **headers;                 /* "Name: value" lines */
    size_t nheaders;
    char *user_agent;
    char *user;
    char *referer;
    bool compressed;
    long max_redirs;
    bool location_trusted;
    bool insecure;
    char *cacert;
    char *capath;
    char *cert;                     /* --cert: client certificate (PEM) */
    char *key;                      /* --key; NULL: in --cert's file */
    char *key_passwd;               /* --pass: read from its file; wiped */
    char *pinnedpubkey;
    char *proxy;
    bool http11;
    enum ip_version ip_version;     /* -4, -6 */
    char **resolve;                 /* --resolve HOST:PORT:ADDR[,ADDR] */
    size_t nresolve;
    char **connect_to;              /* --connect-to H1:P1:H2:P2 */
    size_t nconnect_to;
    char *iface;                    /* --interface */
    char *unix_socket;
    uint64_t connect_timeout_ms;
    uint64_t max_time_ms;           /* 0: none */
    uint64_t limit_rate;            /* bytes/s, 0: none */
    uint64_t limit_rate_total;      /* bytes/s, 0: none */
    char *method;                   /* -X, or NULL */
    char *body;                     /* -d, --data-binary, --json joined; NULL: none */
    size_t body_len;                /* bytes */
    bool json;                      /* --json: JSON Content-Type and Accept */
    bool head;                      /* -I: HEAD, the headers are the output */
    /* Derived once argv is read (options_request_finish). */
    const char *request_method;     /* what the request line says */
    bool send_once;                 /* a method that is not idempotent: once
                                     * sent, never sent again (but see retry.h) */
    bool whole_only;                /* no Range: a body or a method other than GET */
    char **cookies;                 /* --cookie: "N=V[; N=V]" or a file name */
    size_t ncookies;
    char *cookie_jar;
    bool netrc;                     /* netrc logins win over the URL's */
    bool netrc_optional;            /* the URL's win */
    char *netrc_file;               /* NULL: ~/.netrc */
    char *oauth2_bearer;            /* the token */

    /* Retry */
    uint32_t retry;                 /* RETRY_FOREVER: inf */
    uint64_t retry_delay_ms;
    uint64_t retry_max_delay_ms;
    bool retry_fixed;               /* --retry-delay given alone */
    uint64_t stall_timeout_ms;
    bool retry_connrefused;         /* a refusal at first contact is retried too */

    /* Reports */
    enum msg_level level;
    bool silent;                    /* -s (without -S): no error messages */
    bool show_error;
    enum progress_kind progress;
    char *events;
    char *summary;
    bool memstats;
    char *memstats_file;            /* NULL: table on stderr */
    uint64_t memstats_interval_ms;  /* 0: no samples */
    char *write_out;                /* -w, its @FILE read; NULL: none */
    bool help;
    char *help_topic;
    bool version;
};

/*
 * Parses argv into *cfg.  On a usage error prints one line and returns
 * HAUL_EXIT_USAGE (*cfg is then empty); otherwise returns 0.  --input-file is
 * opened here (input_fd) and read by the run as it goes (joblist.h).
 */
int options_parse(int argc, char **argv, struct config *cfg);
void config_free(struct config *cfg);

/*
 * Reads --input-file lines from f (not closed) and appends their jobs to
 * cfg->jobs; `name` is for messages.  0, or an exit code after a message.
 * The same line rules as the run's reader; for the fuzzer.
 */
int options_read_input(struct config *cfg, FILE *f, const char *name);

/* True when argv asks for --memstats or --memstats-interval (checked before
 * anything is allocated, to decide whether allocations are counted). */
bool options_want_memstats(int argc, char **argv);

/* --help text, from the option table. */
void options_print_help(FILE *out);

/* Long name and short letter of an option, for messages. */
const char *options_long_name(enum opt_id id);

#endif
