/*
 * Unit tests of src/setup.c: which proxies libcurl would refuse (checked
 * here against libcurl's own parser, so a libcurl that changes its rules
 * fails this test) and which --cacert files cannot be used.
 * tests/setup.bats drives the same cases end to end.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "setup.h"

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

int
main(void)
{
    char why[256];
    char dir[] = "/tmp/test_setup.XXXXXX";
    char path[512];

    /* Proxies libcurl takes. */
    CHECK(setup_proxy_problem("", true) == NULL);
    CHECK(setup_proxy_problem("http://proxy.example:3128", true) == NULL);
    CHECK(setup_proxy_problem("HTTP://proxy.example", true) == NULL);
    CHECK(setup_proxy_problem("proxy.example:3128", true) == NULL);
    CHECK(setup_proxy_problem("http://user:pw@proxy.example:3128/", true) == NULL);
    CHECK(setup_proxy_problem("socks5h://127.0.0.1:1080", true) == NULL);
    CHECK(setup_proxy_problem("socks://127.0.0.1", true) == NULL);
    CHECK(setup_proxy_problem("socks4a://127.0.0.1", true) == NULL);
    CHECK(setup_proxy_problem("https://proxy.example", true) == NULL);
    CHECK(setup_proxy_problem("[::1]:3128", true) == NULL);
    /* ... and those it refuses when a transfer connects. */
    CHECK(setup_proxy_problem("https://proxy.example", false) != NULL);
    CHECK(setup_proxy_problem("ftp://proxy.example", true) != NULL);
    CHECK(setup_proxy_problem("file:///etc/passwd", true) != NULL);
    CHECK(setup_proxy_problem("ftp.example:3128", true) != NULL);   /* guessed ftp */
    CHECK(setup_proxy_problem("http://a b", true) != NULL);
    CHECK(setup_proxy_problem("http://[::1", true) != NULL);
    CHECK(setup_proxy_problem("127.0.0.1:99999", true) != NULL);
    CHECK(setup_proxy_problem("http://:8080", true) != NULL);

    /* CA files. */
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/missing.pem", dir);
    CHECK(setup_cafile_problem(path, why, sizeof why) != 0);
    CHECK(strcmp(why, "No such file or directory") == 0);
    CHECK(setup_cafile_problem(dir, why, sizeof why) != 0);
    CHECK(strstr(why, "directory") != NULL);
    snprintf(path, sizeof path, "%s/text.pem", dir);
    write_file(path, "not a certificate\n");
    CHECK(setup_cafile_problem(path, why, sizeof why) != 0);
    CHECK(strcmp(why, "no PEM certificate in it") == 0);
    unlink(path);
    CHECK(setup_cafile_problem("/dev/null", why, sizeof why) != 0);
    CHECK(strcmp(why, "not a regular file") == 0);
    rmdir(dir);
    /* A real bundle, where the system has one (ca-certificates). */
    if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0)
        CHECK(setup_cafile_problem("/etc/ssl/certs/ca-certificates.crt", why, sizeof why) == 0);
    return check_done("test_setup");
}
