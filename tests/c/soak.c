/* The soak: load, cancels and faults together, through the C ABI.
 *
 *   soak PACKAGES_DIR WORK_DIR N [--no-rss-check]
 *
 * N submissions across all three lanes, paced by a window of requests in
 * flight: fast calls, slow loopback HTTP (a server that answers after a
 * few milliseconds), timeouts, traps and fuel exhaustion, on two plugins;
 * a random third of the requests is cancelled at a random moment (a
 * recent request is picked: queued, running or finished); the second
 * plugin is disabled at 40% and enabled again at 60%; and the engine is
 * freed with requests in flight.
 *
 * It checks that every accepted request got exactly one callback, with an
 * outcome its kind allows; that no callback runs after bex_engine_free
 * returned; and (unless --no-rss-check, for sanitizer builds) that the
 * resident memory after the run is within 5% of what it was after the
 * first tenth. It prints the throughput and the memory curve.
 *
 * PACKAGES_DIR holds soak.bex (bex.hostile with a high request rate) and
 * hostile2.bex (make c-packages). */
#define _GNU_SOURCE

#include "outcome.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define WINDOW 48
#define RECENT 64
/* The loopback ports tests/c/hostile*.yaml allow. */
static const int PORTS[] = {41801, 41802, 41803, 41804};

enum kind { FAST, SLOW_HTTP, TIMEOUT, TRAP, FUEL, FAST2, KINDS };
static const char *KIND_NAMES[KINDS] = {"fast",  "slow http", "timeout",
                                        "trap",  "fuel",      "fast (plugin 2)"};

/* What one request saw. */
struct rec {
    atomic_int calls;
    int kind;
    bool accepted;
};

static struct rec *g_recs;
static atomic_long g_callbacks;
static atomic_bool g_freed;
static atomic_int g_late;
static atomic_int g_unexpected;
static atomic_long g_outcomes[KINDS][8];
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;

static const char *OUTCOMES[8] = {"ok",      "CANCELLED",      "TIMEOUT",  "PLUGIN_FAULT",
                                  "FUEL_EXHAUSTED", "DISABLED", "BUSY",     "other"};

static int outcome_index(bool success, const char *payload) {
    if (success) {
        return 0;
    }
    for (int i = 1; i < 7; i++) {
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\"%s\"", OUTCOMES[i]);
        if (strstr(payload, quoted) != NULL) {
            return i;
        }
    }
    return 7;
}

/* Whether a request of `kind` may end with outcome `o` (any may be
 * cancelled; the second plugin may be disabled). */
static bool allowed(int kind, int o) {
    if (o == 1) {
        return true;
    }
    switch (kind) {
    case FAST:
    case SLOW_HTTP:
        return o == 0;
    case TIMEOUT:
        /* Its 30 ms also bound the wait for an execution permit. */
        return o == 2 || o == 6;
    case TRAP:
        return o == 3;
    case FUEL:
        return o == 4;
    case FAST2:
        return o == 0 || o == 5;
    }
    return false;
}

static void on_soak_result(void *user_data, uint64_t request_id, bool success,
                           const uint8_t *payload, size_t len) {
    (void)request_id;
    struct rec *r = user_data;
    if (atomic_load(&g_freed)) {
        atomic_fetch_add(&g_late, 1);
    }
    atomic_fetch_add(&r->calls, 1);
    char text[512];
    size_t n = len < sizeof text - 1 ? len : sizeof text - 1;
    memcpy(text, payload, n);
    text[n] = '\0';
    int o = outcome_index(success, text);
    atomic_fetch_add(&g_outcomes[r->kind][o], 1);
    if (!allowed(r->kind, o) && atomic_fetch_add(&g_unexpected, 1) < 5) {
        fprintf(stderr, "unexpected outcome of a %s request: %s\n", KIND_NAMES[r->kind],
                success ? "ok" : text);
    }
    pthread_mutex_lock(&g_mu);
    atomic_fetch_add(&g_callbacks, 1);
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

/* ---- a loopback server that answers every request after 2 ms ------------ */

static int g_listen = -1;
static atomic_bool g_stop;
static atomic_long g_served;

static void *serve(void *arg) {
    (void)arg;
    while (!atomic_load(&g_stop)) {
        struct pollfd p = {.fd = g_listen, .events = POLLIN};
        if (poll(&p, 1, 50) != 1) {
            continue;
        }
        int fd = accept(g_listen, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        char buf[4096];
        size_t used = 0;
        buf[0] = '\0';
        while (strstr(buf, "\r\n\r\n") == NULL && used + 1 < sizeof buf) {
            struct pollfd q = {.fd = fd, .events = POLLIN};
            if (poll(&q, 1, 5000) != 1) {
                break;
            }
            ssize_t got = recv(fd, buf + used, sizeof buf - 1 - used, 0);
            if (got <= 0) {
                break;
            }
            used += (size_t)got;
            buf[used] = '\0';
        }
        if (strstr(buf, "\r\n\r\n") != NULL) {
            usleep(2000);
            const char *answer =
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
            if (send(fd, answer, strlen(answer), MSG_NOSIGNAL) > 0) {
                atomic_fetch_add(&g_served, 1);
            }
        }
        close(fd);
    }
    return NULL;
}

static int listen_loopback(void) {
    g_listen = socket(AF_INET, SOCK_STREAM, 0);
    for (size_t i = 0; g_listen >= 0 && i < sizeof PORTS / sizeof *PORTS; i++) {
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)PORTS[i])};
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(g_listen, (struct sockaddr *)&addr, sizeof addr) == 0 &&
            listen(g_listen, 128) == 0) {
            return PORTS[i];
        }
    }
    return 0;
}

/* ---- the run -------------------------------------------------------------- */

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &size, &resident) != 2) {
            resident = 0;
        }
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t g_rng = 0x9e3779b97f4a7c15u;

static uint32_t next_random(void) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng >> 16);
}

/* Waits until fewer than `window` accepted requests await their callback. */
static bool wait_window(long accepted, long window) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += OUTCOME_WAIT_S;
    pthread_mutex_lock(&g_mu);
    int rc = 0;
    while (accepted - atomic_load(&g_callbacks) >= window && rc == 0) {
        rc = pthread_cond_timedwait(&g_cv, &g_mu, &until);
    }
    bool ok = accepted - atomic_load(&g_callbacks) < window;
    pthread_mutex_unlock(&g_mu);
    return ok;
}

static bool install(BexEngine *e, const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.bex", dir, name);
    if (bex_engine_install_force(e, path, true) != 0) {
        char *err = bex_engine_last_error(e);
        fprintf(stderr, "install %s: %s\n", path, err ? err : "?");
        bex_string_free(err);
        return false;
    }
    return true;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s PACKAGES_DIR WORK_DIR N [--no-rss-check]\n", argv[0]);
        return 2;
    }
    const char *packages = argv[1];
    long total = atol(argv[3]);
    bool rss_check = !(argc > 4 && strcmp(argv[4], "--no-rss-check") == 0);
    if (total < 10) {
        fprintf(stderr, "N must be at least 10\n");
        return 2;
    }
    char data[4096];
    snprintf(data, sizeof data, "%s/soak-data", argv[2]);
    int port = listen_loopback();
    if (!CHECK(port != 0, "a loopback listener on 41801-41804: %s", strerror(errno))) {
        return 1;
    }
    pthread_t server;
    pthread_create(&server, NULL, serve, NULL);

    /* Fuel small enough that a burner runs out in milliseconds, no
     * circuit breaker (faults are the point), room in every lane. */
    BexEngine *e = bex_engine_new_with_config(
        data, "{\"allow_private_networks\": true,"
              " \"resolve\": {\"api.bex.test\": [\"127.0.0.1\"]},"
              " \"limits\": {\"fuel\": 20000000, \"timeout_ms\": 30000},"
              " \"max_rate_per_minute\": 600000,"
              " \"breaker\": {\"threshold\": 0}}");
    if (!CHECK(e != NULL, "engine open") || !install(e, packages, "soak") ||
        !install(e, packages, "hostile2")) {
        return 1;
    }
    g_recs = calloc((size_t)total, sizeof *g_recs);
    char http_query[128];
    snprintf(http_query, sizeof http_query, "fetch:http://api.bex.test:%d/soak", port);

    uint64_t recent[RECENT] = {0};
    long accepted = 0, refused = 0, cancels = 0, cancelled_something = 0;
    long tenth = total / 10, rss_first = 0, rss_end = 0;
    double started = now();
    printf("soak: %ld submissions, window %d, loopback port %d\n", total, WINDOW, port);
    for (long i = 0; i < total; i++) {
        if (i == total * 4 / 10) {
            CHECK(bex_engine_disable(e, "bex.hostile2") == 0, "disable hostile2");
        }
        if (i == total * 6 / 10) {
            CHECK(bex_engine_enable(e, "bex.hostile2") == 0, "enable hostile2");
        }
        uint32_t r = next_random() % 100;
        int kind = r < 40 ? FAST : r < 55 ? SLOW_HTTP : r < 65 ? TIMEOUT : r < 75 ? TRAP
                   : r < 85 ? FUEL : FAST2;
        static const char *queries[KINDS] = {"ok", NULL, "sleep:5000", "panic:soak", "burn",
                                             "ok"};
        const char *query = kind == SLOW_HTTP ? http_query : queries[kind];
        char args[256];
        snprintf(args, sizeof args, "{\"query\": \"%s\"}", query);
        BexRequestOptions options = {.lane = 1 + (int32_t)(next_random() % 3),
                                     .timeout_ms = kind == TIMEOUT ? 30 : 0};
        g_recs[i].kind = kind;
        uint64_t id = bex_submit(e, kind == FAST2 ? "bex.hostile2" : "bex.hostile", "search", args,
                                 &options, on_soak_result, &g_recs[i]);
        if (id == 0) {
            refused++;
        } else {
            g_recs[i].accepted = true;
            accepted++;
            recent[accepted % RECENT] = id;
        }
        /* A third: cancel a recent request, whatever it is doing now. */
        if (next_random() % 3 == 0) {
            uint64_t victim = recent[next_random() % RECENT];
            if (victim != 0) {
                cancels++;
                cancelled_something += bex_cancel_request(e, victim) != 0;
            }
        }
        if (!CHECK(wait_window(accepted, WINDOW), "no progress for %d s at request %ld",
                   OUTCOME_WAIT_S, i)) {
            break;
        }
        if (tenth > 0 && (i + 1) % tenth == 0) {
            long rss = rss_kib();
            if (i + 1 == tenth) {
                rss_first = rss;
            }
            rss_end = rss;
            printf("  %3ld%%: %7ld requests, %6.0f/s, resident %ld KiB\n", (i + 1) * 100 / total,
                   i + 1, (double)(i + 1) / (now() - started), rss);
            fflush(stdout);
        }
    }
    double took = now() - started;
    long in_flight = accepted - atomic_load(&g_callbacks);
    /* Free with requests in flight: every one must still call back, once,
     * before free returns. */
    CHECK(bex_engine_free(e) == 0, "free");
    atomic_store(&g_freed, true);
    long missing = 0, twice = 0, refused_called = 0;
    for (long i = 0; i < total; i++) {
        int calls = atomic_load(&g_recs[i].calls);
        if (g_recs[i].accepted) {
            missing += calls == 0;
            twice += calls > 1;
        } else {
            refused_called += calls != 0;
        }
    }
    long calls = atomic_load(&g_callbacks);
    atomic_store(&g_stop, true);
    pthread_join(server, NULL);
    close(g_listen);

    printf("soak: %ld accepted, %ld refused (BUSY), %ld in flight at free; %.1f s, %.0f "
           "requests/s\n",
           accepted, refused, in_flight, took, (double)accepted / took);
    printf("  cancels: %ld asked, %ld found a request queued or running\n", cancels,
           cancelled_something);
    printf("  loopback responses served: %ld\n", atomic_load(&g_served));
    for (int k = 0; k < KINDS; k++) {
        printf("  %-16s", KIND_NAMES[k]);
        for (int o = 0; o < 8; o++) {
            long n = atomic_load(&g_outcomes[k][o]);
            if (n > 0) {
                printf(" %s %ld", OUTCOMES[o], n);
            }
        }
        printf("\n");
    }
    printf("  resident: %ld KiB after the first tenth, %ld KiB at the end (%+.1f%%)\n", rss_first,
           rss_end, rss_first > 0 ? 100.0 * (double)(rss_end - rss_first) / (double)rss_first : 0);

    CHECK(accepted > total / 2, "only %ld of %ld submissions accepted", accepted, total);
    CHECK(calls == accepted && missing == 0 && twice == 0 && refused_called == 0,
          "%ld accepted requests, %ld callbacks: %ld never called back, %ld twice, %ld refused "
          "ones called back",
          accepted, calls, missing, twice, refused_called);
    CHECK(atomic_load(&g_late) == 0, "%d callbacks after bex_engine_free returned",
          atomic_load(&g_late));
    CHECK(atomic_load(&g_unexpected) == 0, "%d outcomes their kind does not allow",
          atomic_load(&g_unexpected));
    for (int k = 0; k < KINDS; k++) {
        int expected = k == FAST ? 0 : k == SLOW_HTTP ? 0 : k == TIMEOUT ? 2 : k == TRAP ? 3
                       : k == FUEL ? 4 : 0;
        CHECK(atomic_load(&g_outcomes[k][expected]) > 0, "no %s request ended %s", KIND_NAMES[k],
              OUTCOMES[expected]);
    }
    CHECK(atomic_load(&g_outcomes[FAST2][5]) > 0, "no call reached the disabled plugin");
    if (rss_check) {
        CHECK(rss_end <= rss_first + rss_first / 20,
              "resident memory grew from %ld KiB to %ld KiB (more than 5%%)", rss_first,
              rss_end);
    }
    free(g_recs);
    if (g_failed) {
        fprintf(stderr, "soak: %d checks failed\n", g_failed);
        return 1;
    }
    printf("soak: passed\n");
    return 0;
}
