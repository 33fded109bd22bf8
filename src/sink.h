/*
 * sink.h - where a transfer's body bytes go: a file, stdout, a pipe.
 *
 * A sink moves bytes to one file descriptor without blocking the loop:
 *
 *  - SINK_DIRECT: regular files, block devices and /dev/null, which are
 *    always ready (POSIX poll semantics).  Bytes go at a position (pwrite)
 *    for files haul opened or at the shared offset (write) for an
 *    inherited stdout.  For regular files, the 16 KiB pieces libcurl
 *    hands over are gathered and written once per loop iteration (one
 *    copy, eight times fewer system calls); devices get them straight.
 *  - SINK_NONBLOCK: pipes, FIFOs and terminals.  For an inherited stdout the
 *    sink opens its own file description (/proc/self/fd/1) and makes only
 *    that one non-blocking, so the caller's shell, siblings and the terminal
 *    keep their flags.  Bytes the reader is not ready for wait in a bounded
 *    ring buffer; when it is full the transfer is paused.
 *  - SINK_SOCKET: stdout is a socket; send(MSG_DONTWAIT) needs no flag, but
 *    libuv's watcher sets O_NONBLOCK, so the sink restores the descriptor's
 *    flags when it closes.
 *
 * Bytes to one sink are written in order; short writes are completed.  The
 * ring is allocated when bytes first have to wait and released when it
 * drains, so an idle or fast sink costs no buffer.
 */
#ifndef HAUL_SINK_H
#define HAUL_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <uv.h>

#include "mem.h"

enum sink_mode { SINK_DIRECT, SINK_NONBLOCK, SINK_SOCKET };
enum sink_result { SINK_OK, SINK_PAUSE, SINK_FAIL };

struct sink_callbacks {
    /* The sink asked for a pause (SINK_PAUSE) and has room again. */
    void (*on_drained)(void *ctx);
    /* A queued write failed; sink_error() says why.  Not called again. */
    void (*on_error)(void *ctx);
    /* sink_flush() was asked and every queued byte is written. */
    void (*on_flushed)(void *ctx);
};

struct sink;

/*
 * A sink for haul's stdout.  `cap` is the most bytes that may wait in
 * memory.  Returns NULL and sets *err (an errno) on failure.  The sink
 * borrows fd 1 or owns a private description of it, as described above.
 */
struct sink *sink_new_stdout(uv_loop_t *loop, struct mem_account *acct, size_t cap,
                             const struct sink_callbacks *cb, void *ctx, int *err);
/*
 * A sink for a descriptor haul opened (a .part file, a FIFO, /dev/null).  The
 * sink takes ownership of fd and closes it.  `st`: the descriptor's fstat
 * when the caller has it (NULL: the sink asks).  `append`: fd was opened
 * with O_APPEND; bytes go at the end instead of at the sink's position.
 */
struct sink *sink_new_fd(uv_loop_t *loop, struct mem_account *acct, size_t cap, int fd,
                         const struct stat *st, bool append, const char *name,
                         const struct sink_callbacks *cb, void *ctx, int *err);

enum sink_mode sink_mode(const struct sink *s);
/*
 * Whether a write of `len` bytes would be taken now.  When not, the sink
 * calls on_drained once it has room again, as after SINK_PAUSE.
 */
bool sink_reserve(struct sink *s, size_t len);
/*
 * Writes len bytes.  SINK_OK: all taken (written or queued).  SINK_PAUSE:
 * nothing taken; on_drained follows.  SINK_FAIL: nothing more will be
 * taken; sink_error() says why.
 */
enum sink_result sink_write(struct sink *s, const char *data, size_t len);
/*
 * Writes len bytes at `offset` of a positional sink (a file haul opened),
 * without moving its position: the segments of -x write this way.
 */
enum sink_result sink_write_at(struct sink *s, const char *data, size_t len, uint64_t offset);
/* Moves the write position of a positional sink (files haul opened). */
int sink_seek(struct sink *s, uint64_t pos);
/* Truncates a positional sink to `size` and moves its position there. */
int sink_truncate(struct sink *s, uint64_t size);
/* The descriptor, for fdatasync of .part files. */
int sink_fd(const struct sink *s);
uint64_t sink_position(const struct sink *s);
/* The position up to which bytes are really written (gathered ones not). */
uint64_t sink_written_position(const struct sink *s);
/* Bytes given to the kernel so far. */
uint64_t sink_written(const struct sink *s);
/* Bytes waiting in memory now, and the most there ever were. */
size_t sink_queued(const struct sink *s);
size_t sink_queued_peak(const struct sink *s);
int sink_error(const struct sink *s);
const char *sink_name(const struct sink *s);
/* Writes bytes gathered for a file now (before its journal is saved).
 * 0 or an errno. */
int sink_flush_now(struct sink *s);
/* Asks for on_flushed once nothing waits; true if already flushed. */
bool sink_flush(struct sink *s);
/* Frees what all sinks shared (the gather buffer); at the end of a run. */
void sink_cleanup(void);
/* Puts back the flags of a socket on stdout that a sink still uses, for a
 * process about to _exit() without freeing it (a second signal). */
void sink_restore_stdout(void);
/* Closes the descriptor if owned, stops watching; NULL is fine.  Bytes still
 * queued are dropped: flush first when they matter. */
void sink_free(struct sink *s);

#endif
