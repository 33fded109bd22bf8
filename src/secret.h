/*
 * secret.h - keeping a password given on the command line out of the
 * process list.
 *
 * The kernel shows a process's arguments (ps, /proc/PID/cmdline) from the
 * process's own argv memory, so overwriting that memory hides them from
 * then on, as curl does for -u.  It cannot hide them from whoever looked
 * before haul got this far: a file or the environment is the safe place
 * for a password.
 */
#ifndef HAUL_SECRET_H
#define HAUL_SECRET_H

/* Overwrites the password of "USER:PASS" (everything after the first ':')
 * with spaces, in place: `arg` must be argv memory, already copied. */
void secret_blank_password(char *arg);

/*
 * -u USER: prints `prompt` on stderr and reads one line from standard
 * input, a terminal, with its echo off (put back before returning).  The
 * line, without its newline, is returned (xmalloc); NULL when standard
 * input is not a terminal or nothing could be read (*err: errno, or 0 at
 * the end of input).
 */
char *secret_read_password(const char *prompt, int *err);

#endif
