/*
 * msg.h - testsrv's diagnostics on stderr, always prefixed "testsrv: ".
 * msg_note is silenced by --quiet; msg_error never is.
 */
#ifndef TESTSRV_MSG_H
#define TESTSRV_MSG_H

void msg_set_quiet(int quiet);
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
