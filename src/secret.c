/*
 * secret.c - blanking a password in argv; see secret.h.
 */
#include "config.h"

#include <string.h>

#include "secret.h"

void
secret_blank_password(char *arg)
{
    char *colon = arg != NULL ? strchr(arg, ':') : NULL;
    if (colon != NULL)
        memset(colon + 1, ' ', strlen(colon + 1));
}
