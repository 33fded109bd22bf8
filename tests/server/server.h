/*
 * server.h - the server object shared by main.c (which creates it, owns
 * the loop and stops it) and http.c (which serves the connections it
 * accepts).
 */
#ifndef TESTSRV_SERVER_H
#define TESTSRV_SERVER_H

#include <stdint.h>

#include <uv.h>

#include "log.h"
#include "state.h"

struct conn;

struct server {
	uv_loop_t loop;           /* our own loop, never the default one */
	uv_tcp_t listener;        /* listener.data points back here */
	uv_pipe_t unix_listener;  /* --unix; data points back here too */
	int unix_open;
	int closed_fd;            /* --closed-port-file: bound, never listens;
	                           * -1 when none */
	uv_signal_t sigterm, sigint;
	int listener_open, signals_open;
	int stopping;             /* SIGTERM/SIGINT seen */
	struct state_table state; /* per-resource counters */
	struct tsrv_log *log;     /* owned; may write nothing */
	uint64_t next_conn_id;    /* last connection id handed out */
	uint64_t next_req_n;      /* last global request number */
	struct conn *conns;       /* open connections (http.c's list) */
};

/* uv_listen callback; listener->data is the struct server. */
void http_on_connection(uv_stream_t *listener, int status);

/* Closes every connection (their end records say "shutdown"); the memory
 * goes in the close callbacks, so run the loop afterwards. */
void http_close_all(struct server *srv);

#endif
