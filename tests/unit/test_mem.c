/*
 * Unit tests of src/mem.c: the counters behind --memstats must see every
 * byte, so that a leak shows as live bytes.  This is the test that proves
 * the report *can* fail: it leaks on purpose and checks the counters say so.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <uv.h>

#include "check.h"
#include "mem.h"

static void *
churn(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10000; i++) {
        void *p = xmalloc(100);
        p = xrealloc(p, 200);
        xfree(p);
    }
    return NULL;
}

#define CHURN_LONG 200000
static pthread_barrier_t start;

static void *
churn_long(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start);
    for (int i = 0; i < CHURN_LONG; i++)
        xfree(xmalloc(50));
    return NULL;
}

static void *
free_it(void *p)
{
    xfree(p);
    return NULL;
}

int
main(void)
{
    struct mem_figures f;
    struct mem_account xfer, attempt;

    mem_init(true);
    CHECK(mem_counting());
    CHECK(mem_installed(MEM_HAUL) && mem_installed(MEM_UV) && mem_installed(MEM_CJSON));
    CHECK(mem_installed(MEM_OPENSSL));

    mem_owner_read(MEM_HAUL, &f);
    int64_t base = f.live;

    /* A deliberate leak is visible, to the byte. */
    char *leak = xmalloc(1234);
    mem_owner_read(MEM_HAUL, &f);
    CHECK(f.live == base + 1234);
    xfree(leak);
    mem_owner_read(MEM_HAUL, &f);
    CHECK(f.live == base);

    /* realloc and calloc keep the count right. */
    char *p = xcalloc(10, 10);
    p = xrealloc(p, 1000);
    mem_owner_read(MEM_HAUL, &f);
    CHECK(f.live == base + 1000);
    CHECK(f.peak >= base + 1000);
    xfree(p);

    /* Accounts: an attempt inside a transfer inside haul. */
    mem_account_init(&xfer, NULL);
    mem_account_init(&attempt, &xfer);
    char *a = xmalloc_in(&attempt, 300);
    char *t = xmalloc_in(&xfer, 700);
    mem_account_read(&attempt, &f);
    CHECK(f.live == 300 && f.allocs == 1);
    mem_account_read(&xfer, &f);
    CHECK(f.live == 1000 && f.peak == 1000);
    xfree(a);
    mem_account_read(&attempt, &f);
    CHECK(f.live == 0 && f.frees == 1);
    mem_account_read(&xfer, &f);
    CHECK(f.live == 700);
    /* An attempt that forgets a buffer is caught at its teardown. */
    char *forgotten = xmalloc_in(&attempt, 64);
    mem_account_read(&attempt, &f);
    CHECK(f.live == 64);
    xfree(forgotten);
    xfree(t);
    mem_account_read(&xfer, &f);
    CHECK(f.live == 0 && f.peak == 1000);

    /* Threads (libuv's pool allocates from them): no lost updates. */
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, churn, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    mem_owner_read(MEM_HAUL, &f);
    CHECK(f.live == base);

    /* The loop thread counts with plain stores, the others with atomic adds
     * on counters of their own: all at once, they lose nothing (counting a
     * worker's block on the loop thread's counters loses updates here). */
    mem_owner_read(MEM_HAUL, &f);
    uint64_t allocs0 = f.allocs, frees0 = f.frees;
    pthread_barrier_init(&start, NULL, 5);
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, churn_long, NULL);
    pthread_barrier_wait(&start);
    for (int i = 0; i < CHURN_LONG; i++)
        xfree(xmalloc(50));
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start);
    mem_owner_read(MEM_HAUL, &f);
    CHECK(f.live == base);
    CHECK(f.allocs == allocs0 + 5 * CHURN_LONG);
    CHECK(f.frees == frees0 + 5 * CHURN_LONG);

    /* A block allocated here and freed on another thread: the sum is right. */
    void *moved = xmalloc(4000);
    mem_owner_read(MEM_HAUL, &f);
    CHECK(f.live == base + 4000 && f.peak >= base + 4000);
    pthread_create(&th[0], NULL, free_it, moved);
    pthread_join(th[0], NULL);
    mem_owner_read(MEM_HAUL, &f);
    CHECK(f.live == base);

    /* cJSON and libuv allocations land in their own counters. */
    struct mem_figures c0, c1, u0, u1;
    mem_owner_read(MEM_CJSON, &c0);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "k", "v");
    mem_owner_read(MEM_CJSON, &c1);
    CHECK(c1.live > c0.live);
    cJSON_Delete(j);
    mem_owner_read(MEM_CJSON, &c1);
    CHECK(c1.live == c0.live);

    mem_owner_read(MEM_UV, &u0);
    uv_loop_t *loop = uv_loop_new();
    mem_owner_read(MEM_UV, &u1);
    CHECK(u1.live > u0.live);
    uv_loop_delete(loop);
    mem_owner_read(MEM_UV, &u1);
    CHECK(u1.live == u0.live);

    /* libcurl through curl_global_init_mem. */
    CHECK(mem_curl_global_init(0) == 0);
    CHECK(mem_installed(MEM_CURL));
    curl_global_cleanup();
    return check_done("test_mem");
}
