/*
 * Unit tests of the scheduler's per-host counts (src/hosts.c): ids stay
 * the same while a host is held, the last release frees its entry (so a
 * list of many hosts holds only those of its held jobs), the running
 * counts against the limit, and the hash index after many removals,
 * checked against a plain model of the same sequence.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "hosts.h"
#include "mem.h"

static void
check_counts(void)
{
    struct hosts h;
    hosts_init(&h, 2);
    CHECK(hosts_all_full(&h));    /* no host held: nothing can start */
    uint32_t a = hosts_hold(&h, "http://a:80");
    uint32_t b = hosts_hold(&h, "http://b:80");
    CHECK(a != b);
    CHECK(hosts_hold(&h, "http://a:80") == a);
    CHECK_U64(hosts_count(&h), 2);
    CHECK(hosts_room(&h, a) && !hosts_all_full(&h));
    hosts_run(&h, a, +1);
    hosts_run(&h, a, +1);
    CHECK(!hosts_room(&h, a) && hosts_room(&h, b) && !hosts_all_full(&h));
    hosts_run(&h, b, +1);
    hosts_run(&h, b, +1);
    CHECK(hosts_all_full(&h));
    hosts_run(&h, b, -1);
    CHECK(hosts_room(&h, b) && !hosts_all_full(&h));
    hosts_run(&h, b, -1);
    hosts_release(&h, b);
    CHECK_U64(hosts_count(&h), 1);
    /* Only a is held, and it is full. */
    CHECK(hosts_all_full(&h));
    hosts_run(&h, a, -1);
    hosts_run(&h, a, -1);
    hosts_release(&h, a);
    CHECK(hosts_hold(&h, "http://a:80") == a);    /* one of two jobs is still held */
    hosts_release(&h, a);
    hosts_release(&h, a);
    CHECK_U64(hosts_count(&h), 0);
    /* The freed ids are used again. */
    uint32_t c = hosts_hold(&h, "http://c:80");
    CHECK(c == a || c == b);
    hosts_release(&h, c);
    hosts_free(&h);
}

/* A window of 100 held jobs sliding over 100,000 hosts: the table never
 * grows past what is held at once; every id found again while held. */
static void
check_bounded(void)
{
    enum { WINDOW = 100, HOSTS = 100000 };
    struct hosts h;
    uint32_t ids[WINDOW];
    char key[64];
    hosts_init(&h, 6);
    for (unsigned i = 0; i < HOSTS; i++) {
        if (i >= WINDOW)
            hosts_release(&h, ids[i % WINDOW]);
        snprintf(key, sizeof key, "http://h%u.example:80", i);
        ids[i % WINDOW] = hosts_hold(&h, key);
        if (i % 997 == 0 && i >= WINDOW) {
            /* Every held host is found at its id. */
            for (unsigned k = i - WINDOW + 1; k <= i; k++) {
                snprintf(key, sizeof key, "http://h%u.example:80", k);
                uint32_t id = hosts_hold(&h, key);
                CHECK(id == ids[k % WINDOW]);
                hosts_release(&h, id);
            }
        }
    }
    CHECK_U64(hosts_count(&h), WINDOW);
    CHECK(hosts_capacity(&h) <= 2 * WINDOW);
    hosts_free(&h);
}

/* Random holds and releases over a few hundred keys against a model:
 * each held key keeps its id and its count, and a key held after its
 * release may get any free id (checked to be no other held key's). */
static void
check_model(void)
{
    enum { KEYS = 300, STEPS = 200000 };
    static unsigned held[KEYS];
    static uint32_t id[KEYS];
    struct hosts h;
    char key[32];
    unsigned long seed = 12345;
    hosts_init(&h, 3);
    for (unsigned step = 0; step < STEPS; step++) {
        seed = seed * 6364136223846793005ul + 1442695040888963407ul;
        unsigned k = (unsigned)(seed >> 33) % KEYS;
        bool hold = held[k] == 0 || ((seed >> 20) & 1) != 0;
        snprintf(key, sizeof key, "https://k%u:443", k);
        if (hold) {
            uint32_t got = hosts_hold(&h, key);
            if (held[k] > 0)
                CHECK(got == id[k]);
            id[k] = got;
            held[k]++;
        } else {
            hosts_release(&h, id[k]);
            held[k]--;
        }
    }
    size_t n = 0;
    for (unsigned k = 0; k < KEYS; k++) {
        if (held[k] == 0)
            continue;
        n++;
        for (unsigned j = 0; j < k; j++)
            if (held[j] > 0)
                CHECK(id[j] != id[k]);
        snprintf(key, sizeof key, "https://k%u:443", k);
        CHECK(hosts_hold(&h, key) == id[k]);
        hosts_release(&h, id[k]);
    }
    CHECK_U64(hosts_count(&h), n);
    for (unsigned k = 0; k < KEYS; k++)
        while (held[k] > 0) {
            hosts_release(&h, id[k]);
            held[k]--;
        }
    CHECK_U64(hosts_count(&h), 0);
    hosts_free(&h);
}

int
main(void)
{
    mem_init(false);
    check_counts();
    check_bounded();
    check_model();
    return check_done("test_hosts");
}
