/*
 * main.c - testsrv's entry point: command line, the --gen mode that
 * prints a body for tests to checksum, and the server's life: listen,
 * write the port file, run the loop, and on SIGTERM/SIGINT close every
 * handle and check that uv_loop_close() succeeds.
 *
 * Exit status: 0 clean stop, 1 runtime error, 2 bad arguments.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/resource.h>
#include <sys/socket.h>

#include <uv.h>

#include "body.h"
#include "log.h"
#include "msg.h"
#include "server.h"
#include "state.h"
#include "util.h"

#define EXIT_USAGE 2
#define GEN_BUF (1024u * 1024u)

static const char usage_text[] =
	"Usage: testsrv --port-file FILE [--port N] [--bind ADDR] [--log FILE]"
	" [--quiet]\n"
	"               [--closed-port-file FILE] [--unix PATH]\n"
	"       testsrv --gen --size N [--seed S] [--version V] [--offset O]"
	" [--lines]\n"
	"\n"
	"A fault-injecting HTTP/1.1 test server; see tests/server/README.\n"
	"\n"
	"  --port-file FILE  write the listening port to FILE (atomically)\n"
	"  --port N          port to listen on (default 0: any free port)\n"
	"  --bind ADDR       address to listen on (default 127.0.0.1)\n"
	"  --log FILE        write the request log (JSON lines) to FILE\n"
	"  --quiet           no notes on stderr\n"
	"  --closed-port-file FILE\n"
	"                    also bind a port that never listens (connections\n"
	"                    to it are refused) and write it to FILE\n"
	"  --unix PATH       also listen on a Unix socket at PATH (new file)\n"
	"  --gen             print body bytes O..N-1 of resource (S, V) and exit\n"
	"  --size N          body size, K/M/G suffixes (with --gen)\n"
	"  --seed S          seed (default 1)\n"
	"  --version V       version (default 1)\n"
	"  --offset O        first offset (default 0)\n"
	"  --lines           the lines=1 text body instead of binary\n"
	"  --help            this text\n";

struct options {
	const char *port_file, *bind, *log, *closed_port_file, *unix_path;
	uint64_t port;
	int quiet, gen, lines, has_size;
	uint64_t size, seed, version, offset;
};

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* One line on stderr, exit status 2. */
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("testsrv: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try testsrv --help)\n", stderr);
	return EXIT_USAGE;
}

/* Returns -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, struct options *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->bind = "127.0.0.1";
	o->seed = 1;
	o->version = 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = 1;

		if (strcmp(a, "--help") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else if (strcmp(a, "--quiet") == 0) {
			o->quiet = 1;
			takes = 0;
		} else if (strcmp(a, "--gen") == 0) {
			o->gen = 1;
			takes = 0;
		} else if (strcmp(a, "--lines") == 0) {
			o->lines = 1;
			takes = 0;
		} else if (strcmp(a, "--port-file") != 0 &&
		           strcmp(a, "--closed-port-file") != 0 &&
		           strcmp(a, "--unix") != 0 &&
		           strcmp(a, "--port") != 0 && strcmp(a, "--bind") != 0 &&
		           strcmp(a, "--log") != 0 && strcmp(a, "--size") != 0 &&
		           strcmp(a, "--seed") != 0 &&
		           strcmp(a, "--version") != 0 &&
		           strcmp(a, "--offset") != 0) {
			return usage_error("unknown option %s", a);
		}
		if (!takes)
			continue;
		if (!v)
			return usage_error("option %s needs a value", a);
		i++;
		if (strcmp(a, "--port-file") == 0)
			o->port_file = v;
		else if (strcmp(a, "--closed-port-file") == 0)
			o->closed_port_file = v;
		else if (strcmp(a, "--bind") == 0)
			o->bind = v;
		else if (strcmp(a, "--unix") == 0)
			o->unix_path = v;
		else if (strcmp(a, "--log") == 0)
			o->log = v;
		else if (strcmp(a, "--port") == 0) {
			if (util_parse_u64(v, &o->port) < 0 || o->port > 65535)
				return usage_error("bad port %s", v);
		} else if (strcmp(a, "--size") == 0) {
			if (util_parse_size(v, &o->size) < 0)
				return usage_error("bad size %s", v);
			o->has_size = 1;
		} else if (strcmp(a, "--seed") == 0) {
			if (util_parse_u64(v, &o->seed) < 0)
				return usage_error("bad seed %s", v);
		} else if (strcmp(a, "--version") == 0) {
			if (util_parse_u64(v, &o->version) < 0)
				return usage_error("bad version %s", v);
		} else if (util_parse_size(v, &o->offset) < 0) {
			return usage_error("bad offset %s", v);
		}
	}
	if (o->gen) {
		if (!o->has_size)
			return usage_error("%s needs --size", "--gen");
		if (o->offset > o->size)
			return usage_error("%s is past --size", "--offset");
	} else if (!o->port_file) {
		return usage_error("%s is required", "--port-file");
	}
	return -1;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int run_gen(const struct options *o)
{
	struct body_id id = {
		o->lines ? BODY_STYLE_LINES : BODY_STYLE_BINARY, o->seed, o->version
	};
	uint8_t *buf = malloc(GEN_BUF);
	uint64_t pos = o->offset;
	int rc = 1;

	if (!buf) {
		msg_error("out of memory");
		goto out;
	}
	while (pos < o->size) {
		size_t n = o->size - pos < GEN_BUF ? (size_t)(o->size - pos)
		                                   : GEN_BUF;

		body_fill(&id, pos, buf, n);
		if (write_all(STDOUT_FILENO, buf, n) < 0) {
			msg_error("write to stdout: %s", strerror(errno));
			goto out;
		}
		pos += n;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			msg_note("cannot raise the open file limit: %s",
			         strerror(errno));
	}
}

static int write_port_file(const char *path, int port)
{
	size_t len = strlen(path) + 5;
	char *tmp = malloc(len);
	FILE *f = NULL;
	int rc = -1;

	if (!tmp)
		goto out;
	snprintf(tmp, len, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		goto out;
	if (fprintf(f, "%d\n", port) < 0) {
		fclose(f);
		goto out;
	}
	if (fclose(f) != 0)
		goto out;
	if (rename(tmp, path) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		msg_error("cannot write port file %s: %s", path, strerror(errno));
	free(tmp);
	return rc;
}

static void on_handle_closed(uv_handle_t *h)
{
	(void)h;   /* listener and signals are embedded in struct server */
}

/* Stops accepting and closes everything; the loop then runs dry. */
static void stop_server(struct server *srv)
{
	srv->stopping = 1;
	if (srv->listener_open) {
		uv_close((uv_handle_t *)&srv->listener, on_handle_closed);
		srv->listener_open = 0;
	}
	if (srv->unix_open) {
		uv_close((uv_handle_t *)&srv->unix_listener, on_handle_closed);
		srv->unix_open = 0;
	}
	if (srv->closed_fd >= 0) {
		close(srv->closed_fd);
		srv->closed_fd = -1;
	}
	if (srv->signals_open) {
		uv_close((uv_handle_t *)&srv->sigterm, on_handle_closed);
		uv_close((uv_handle_t *)&srv->sigint, on_handle_closed);
		srv->signals_open = 0;
	}
	http_close_all(srv);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct server *srv = h->data;

	msg_note("signal %d: stopping", signum);
	stop_server(srv);
}

static void close_leftover(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h)) {
		msg_error("closing a leftover handle of type %s",
		          uv_handle_type_name(uv_handle_get_type(h)));
		uv_close(h, NULL);
	}
}

/* The port a bound handle got. */
static int port_of(uv_tcp_t *h, int *port)
{
	struct sockaddr_storage bound;
	int len = (int)sizeof(bound);
	int rc = uv_tcp_getsockname(h, (struct sockaddr *)&bound, &len);

	if (rc < 0)
		return rc;
	if (bound.ss_family == AF_INET6)
		*port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
	else
		*port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	return 0;
}

/*
 * --closed-port-file: a socket bound to a free port of the listening
 * address that never listens, so a connection to it is refused (RST) for
 * as long as the server runs.  A plain socket without SO_REUSEADDR (which
 * libuv would set): then no other socket can bind the port meanwhile, not
 * even one with SO_REUSEADDR.  A dependable "nothing listens here".
 */
static int bind_closed(struct server *srv, const struct options *o,
                       int *port)
{
	struct sockaddr_storage ss;
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	int rc, fd;

	memset(&ss, 0, sizeof(ss));
	memset(&bound, 0, sizeof(bound));
	if (strchr(o->bind, ':'))
		rc = uv_ip6_addr(o->bind, 0, (struct sockaddr_in6 *)&ss);
	else
		rc = uv_ip4_addr(o->bind, 0, (struct sockaddr_in *)&ss);
	if (rc < 0) {
		msg_error("bad bind address %s", o->bind);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	srv->closed_fd = fd;
	if (bind(fd, (struct sockaddr *)&ss, ss.ss_family == AF_INET6 ?
	         sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &len) < 0)
		goto fail;
	if (bound.ss_family == AF_INET6)
		*port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
	else
		*port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	return 0;
fail:
	msg_error("cannot bind a closed port on %s: %s", o->bind,
	          strerror(errno));
	return -1;
}

static int listen_on(struct server *srv, const struct options *o,
                     int *port)
{
	struct sockaddr_storage ss;
	int rc;

	if (strchr(o->bind, ':'))
		rc = uv_ip6_addr(o->bind, (int)o->port, (struct sockaddr_in6 *)&ss);
	else
		rc = uv_ip4_addr(o->bind, (int)o->port, (struct sockaddr_in *)&ss);
	if (rc < 0) {
		msg_error("bad bind address %s", o->bind);
		return -1;
	}
	rc = uv_tcp_init(&srv->loop, &srv->listener);
	if (rc < 0)
		goto fail;
	srv->listener_open = 1;
	srv->listener.data = srv;
	rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&ss, 0);
	if (rc < 0)
		goto fail;
	rc = uv_listen((uv_stream_t *)&srv->listener, 1024, http_on_connection);
	if (rc < 0)
		goto fail;
	rc = port_of(&srv->listener, port);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	msg_error("cannot listen on %s:%" PRIu64 ": %s", o->bind, o->port,
	          uv_strerror(rc));
	return -1;
}

/* --unix PATH: a second listener, on a Unix socket (libuv removes the
 * file when it closes the listener).  An existing file is an error. */
static int listen_unix(struct server *srv, const char *path)
{
	int rc = uv_pipe_init(&srv->loop, &srv->unix_listener, 0);

	if (rc < 0)
		goto fail;
	srv->unix_open = 1;
	srv->unix_listener.data = srv;
	rc = uv_pipe_bind(&srv->unix_listener, path);
	if (rc < 0)
		goto fail;
	rc = uv_listen((uv_stream_t *)&srv->unix_listener, 1024,
	               http_on_connection);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	msg_error("cannot listen on %s: %s", path, uv_strerror(rc));
	return -1;
}

static int start_signals(struct server *srv)
{
	if (uv_signal_init(&srv->loop, &srv->sigterm) < 0)
		return -1;
	if (uv_signal_init(&srv->loop, &srv->sigint) < 0) {
		uv_close((uv_handle_t *)&srv->sigterm, on_handle_closed);
		return -1;
	}
	srv->signals_open = 1;
	srv->sigterm.data = srv;
	srv->sigint.data = srv;
	if (uv_signal_start(&srv->sigterm, on_signal, SIGTERM) < 0 ||
	    uv_signal_start(&srv->sigint, on_signal, SIGINT) < 0)
		return -1;
	return 0;
}

static int run_server(const struct options *o)
{
	struct server *srv = calloc(1, sizeof(*srv));
	int rc = 1, port = 0, cport = 0, err;

	if (!srv) {
		msg_error("out of memory");
		return 1;
	}
	srv->closed_fd = -1;
	raise_fd_limit();
	body_init();
	err = uv_loop_init(&srv->loop);
	if (err < 0) {
		msg_error("uv_loop_init: %s", uv_strerror(err));
		free(srv);
		return 1;
	}
	err = log_open(&srv->log, o->log);
	if (err < 0) {
		msg_error("cannot open log %s: %s", o->log, strerror(-err));
		goto stop;
	}
	if (start_signals(srv) < 0) {
		msg_error("cannot install signal handlers");
		goto stop;
	}
	/* The closed port's file first: a test waits for the port file. */
	if (o->closed_port_file &&
	    (bind_closed(srv, o, &cport) < 0 ||
	     write_port_file(o->closed_port_file, cport) < 0))
		goto stop;
	if (listen_on(srv, o, &port) < 0)
		goto stop;
	/* Before the port file: a test waits for that. */
	if (o->unix_path && listen_unix(srv, o->unix_path) < 0)
		goto stop;
	if (write_port_file(o->port_file, port) < 0)
		goto stop;
	msg_note("listening on %s port %d", o->bind, port);
	rc = 0;
	uv_run(&srv->loop, UV_RUN_DEFAULT);
stop:
	if (!srv->stopping)
		stop_server(srv);
	uv_run(&srv->loop, UV_RUN_DEFAULT);
	uv_walk(&srv->loop, close_leftover, NULL);
	uv_run(&srv->loop, UV_RUN_DEFAULT);
	err = uv_loop_close(&srv->loop);
	if (err != 0) {
		msg_error("uv_loop_close: %s", uv_strerror(err));
		rc = 1;
	}
	state_clear(&srv->state);
	log_close(srv->log);
	free(srv);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	/* For the analyzer, which cannot see that usage_error() (variadic, so
	 * never inlined) returns EXIT_USAGE: a server run has its port file. */
	assert(o.gen || o.port_file != NULL);
	msg_set_quiet(o.quiet);
	if (o.gen)
		return run_gen(&o);
	return run_server(&o);
}
