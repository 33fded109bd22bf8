/*
 * secret.c - blanking a password in argv, and asking for one on the
 * terminal; see secret.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "mem.h"
#include "secret.h"

void
secret_blank_password(char *arg)
{
    char *colon = arg != NULL ? strchr(arg, ':') : NULL;
    if (colon != NULL)
        memset(colon + 1, ' ', strlen(colon + 1));
}

char *
secret_read_password(const char *prompt, int *err)
{
    struct termios old, quiet;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    *err = 0;
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &old) != 0) {
        *err = errno != 0 ? errno : ENOTTY;
        return NULL;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL;    /* the newline still shows: the cursor moves on */
    (void)fputs(prompt, stderr);
    (void)fflush(stderr);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
        *err = errno;
        return NULL;
    }
    errno = 0;
    n = getline(&line, &cap, stdin);
    *err = n < 0 ? errno : 0;
    (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    if (n < 0) {
        free(line);    /* getline's, libc malloc */
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    char *pw = xstrdup(line);
    memset(line, 0, (size_t)n);
    free(line);
    return pw;
}
