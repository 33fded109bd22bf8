/*
 * msg.c - the only place testsrv writes diagnostics to stderr (see msg.h).
 */
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>

static int quiet;

void msg_set_quiet(int q)
{
	quiet = q;
}

static void emit(const char *fmt, va_list ap)
{
	fputs("testsrv: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void msg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
}

void msg_note(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
}
