/*
 * bench/smallfloor.c - the least CPU a libcurl program spends per small
 * file, for the small-files case of bench.sh: the URLs of LIST fetched P at
 * once on one multi handle (connections reused, curl_multi_poll, libcurl's
 * default receive buffer), each body written to DIR/<basename> with one of
 * two file patterns and nothing else: no progress, no retry, no journal,
 * no message.
 *
 *   curl  open(O_CREAT|O_TRUNC), write, close: curl's own pattern, which
 *         shows a partial file under its final name while it is written;
 *   haul  haul's pattern for a fresh small body: an lstat of FILE and of
 *         FILE.part for the first 8 files, and then one listing of DIR
 *         instead (src/dirlist.c); an unnamed file (O_TMPFILE) in DIR,
 *         pwrite, and a linkat as FILE once the body is whole, then close.
 *
 * The "haul" figure is the floor under haul's CPU per file: what any
 * libcurl program that never shows a partial file, and never overlooks a
 * FILE.part, cannot avoid.  Whatever haul spends above it is haul's own.
 *
 * Usage: smallfloor curl|haul DIR LIST P
 * Built by bench.sh: cc -O2 -o smallfloor smallfloor.c $(pkg-config --cflags --libs libcurl)
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct job {
    int fd;
    long long at;
    char path[600];
};

static bool haul_pattern;
static const char *dir;
static int looked;    /* files whose names were looked up */

/* Names looked up one by one, and after 8 files one listing instead; both
 * expect an empty directory, as the bench makes. */
static bool
names_free(const char *path)
{
    if (looked > 8)
        return true;
    if (looked++ == 8) {
        DIR *d = opendir(dir);
        size_t n = 0;
        if (d == NULL)
            return false;
        while (readdir(d) != NULL)
            n++;
        closedir(d);
        return n <= 2 + 8;    /* ".", "..", and the first 8 (or fewer) */
    }
    struct stat st;
    char part[620];
    snprintf(part, sizeof part, "%s.part", path);
    return lstat(path, &st) != 0 && lstat(part, &st) != 0;
}

static int
open_output(struct job *j)
{
    if (!haul_pattern)
        return open(j->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (!names_free(j->path))
        return -1;
    return open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0666);
}

static size_t
on_body(char *p, size_t s, size_t n, void *u)
{
    struct job *j = u;
    if (j->fd < 0 && (j->fd = open_output(j)) < 0)
        return 0;
    ssize_t w = haul_pattern ? pwrite(j->fd, p, s * n, j->at) : write(j->fd, p, s * n);
    if (w != (ssize_t)(s * n))
        return 0;
    j->at += w;
    return s * n;
}

static int
finish(struct job *j, CURLcode rc)
{
    int bad = rc != CURLE_OK || j->fd < 0;
    if (!bad && haul_pattern) {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", j->fd);
        bad = linkat(AT_FDCWD, proc, AT_FDCWD, j->path, AT_SYMLINK_FOLLOW) != 0;
    }
    if (j->fd >= 0)
        close(j->fd);
    free(j);
    return bad;
}

static bool
add_next(CURLM *m, FILE *list)
{
    char u[512];
    if (fgets(u, sizeof u, list) == NULL)
        return false;
    u[strcspn(u, "\n")] = '\0';
    const char *base = strrchr(u, '/');
    struct job *j = calloc(1, sizeof *j);
    if (j == NULL)
        return false;
    j->fd = -1;
    snprintf(j->path, sizeof j->path, "%s/%s", dir, base != NULL ? base + 1 : u);
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, u);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(e, CURLOPT_PRIVATE, j);
    curl_multi_add_handle(m, e);
    return true;
}

int
main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[1], "curl") != 0 && strcmp(argv[1], "haul") != 0)) {
        fprintf(stderr, "usage: smallfloor curl|haul DIR LIST P\n");
        return 2;
    }
    haul_pattern = strcmp(argv[1], "haul") == 0;
    dir = argv[2];
    FILE *list = fopen(argv[3], "r");
    int p = atoi(argv[4]), running = 1, failed = 0, left;
    if (list == NULL || p < 1)
        return 2;
    curl_global_init(CURL_GLOBAL_ALL);
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)p);
    for (int i = 0; i < p && add_next(m, list); i++)
        ;
    while (running) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *e = msg->easy_handle;
            struct job *j;
            curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
            failed += finish(j, msg->data.result);
            curl_multi_remove_handle(m, e);
            curl_easy_cleanup(e);
            if (add_next(m, list))
                running = 1;
        }
        if (running)
            curl_multi_poll(m, NULL, 0, 1000, NULL);
    }
    curl_multi_cleanup(m);
    curl_global_cleanup();
    fclose(list);
    if (failed > 0)
        fprintf(stderr, "smallfloor: %d downloads failed\n", failed);
    return failed > 0;
}
