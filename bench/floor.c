/*
 * bench/floor.c - the least a libcurl multi program holds per slow stream,
 * for the slow-streams case of bench.sh: N easy handles on one multi
 * handle (libcurl's default receive buffer), each body written to a file
 * of its own in DIR (as the other tools do), curl_multi_poll, until
 * SIGTERM.  Whatever haul holds per stream above this is haul's; the rest
 * is libcurl's (and the kernel's).
 *
 * Usage: floor DIR LIST N   (LIST: one URL a line)
 * Built by bench.sh: cc -O2 -o floor floor.c $(pkg-config --cflags --libs libcurl)
 */
#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct stream {
    int fd;
    char path[600];
};

static volatile sig_atomic_t stop;

static void on_term(int sig) { (void)sig; stop = 1; }

static size_t
on_body(char *p, size_t s, size_t n, void *u)
{
    struct stream *st = u;
    if (st->fd < 0 && (st->fd = open(st->path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
        return 0;
    return write(st->fd, p, s * n) == (ssize_t)(s * n) ? s * n : 0;
}

int
main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: floor DIR LIST N\n");
        return 2;
    }
    int n = atoi(argv[3]), i = 0, running = 1;
    struct stream *st = calloc((size_t)n, sizeof *st);
    FILE *f = fopen(argv[2], "r");
    char u[512];
    if (st == NULL || f == NULL)
        return 1;
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    curl_global_init(CURL_GLOBAL_ALL);
    CURLM *m = curl_multi_init();
    for (; i < n && fgets(u, sizeof u, f) != NULL; i++) {
        u[strcspn(u, "\n")] = '\0';
        st[i].fd = -1;
        snprintf(st[i].path, sizeof st[i].path, "%s/f%05d", argv[1], i);
        CURL *e = curl_easy_init();
        curl_easy_setopt(e, CURLOPT_URL, u);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &st[i]);
        curl_multi_add_handle(m, e);
    }
    fclose(f);
    while (!stop && running) {
        curl_multi_perform(m, &running);
        curl_multi_poll(m, NULL, 0, 200, NULL);
    }
    return 0;
}
