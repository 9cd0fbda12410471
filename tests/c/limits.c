/* The sandbox's limits through the C ABI, under whatever execution
 * strategy the engine defaults to on this target (native code, or Pulley
 * where Cranelift has no backend): an endless loop and a slow host wait
 * time out, a CPU burner runs out of fuel, a memory hog and unbounded
 * recursion fault, a panic faults, a running call is cancelled; after
 * each, the next call works. `make test-c` runs it natively under the
 * sanitizers, `make test-cross` under qemu:
 *
 *     c-limits-test WORK_DIR     (WORK_DIR holds hostile.bex)
 *
 * The budgets are chosen so each outcome is the same however slow the
 * machine (an emulator included): the fuel budget runs out in well under
 * a second even interpreted and emulated, the deadline is 30 s, and the
 * loop that must time out gets an unbounded fuel budget. Each case's time
 * is printed, never checked. Nothing sleeps: waits are condition
 * variables with deadlines. */
#define _XOPEN_SOURCE 700

#include "bex_engine.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HOSTILE "bex.hostile"
#define WAIT_S 120

static int g_failed;

#define CHECK(cond, ...)                                                                           \
    ((cond) ? 1                                                                                    \
            : (g_failed++, fprintf(stderr, "FAILED %s:%d: ", __FILE__, __LINE__),                  \
               fprintf(stderr, __VA_ARGS__), fputc('\n', stderr), 0))

struct outcome {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int done, success;
    char payload[4096];
};

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void on_result(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
                      size_t len) {
    struct outcome *o = user_data;
    (void)request_id;
    pthread_mutex_lock(&o->lock);
    size_t n = len < sizeof o->payload - 1 ? len : sizeof o->payload - 1;
    memcpy(o->payload, payload, n);
    o->payload[n] = '\0';
    o->success = success;
    o->done = 1;
    pthread_cond_broadcast(&o->changed);
    pthread_mutex_unlock(&o->lock);
}

/* Waits for `o`; returns 0 if it did not arrive within WAIT_S. */
static int wait_for(struct outcome *o) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_S;
    pthread_mutex_lock(&o->lock);
    int rc = 0;
    while (!o->done && rc == 0) {
        rc = pthread_cond_timedwait(&o->changed, &o->lock, &until);
    }
    int done = o->done;
    pthread_mutex_unlock(&o->lock);
    return done;
}

static void outcome_init(struct outcome *o) {
    memset(o, 0, sizeof *o);
    pthread_mutex_init(&o->lock, NULL);
    pthread_cond_init(&o->changed, NULL);
}

static void outcome_destroy(struct outcome *o) {
    pthread_mutex_destroy(&o->lock);
    pthread_cond_destroy(&o->changed);
}

/* Searches `query` and waits; returns the request id (0: refused). */
static uint64_t search(BexEngine *e, const char *query, uint32_t timeout_ms, struct outcome *o) {
    char args[256];
    snprintf(args, sizeof args, "{\"query\": \"%s\"}", query);
    BexRequestOptions options = {.timeout_ms = timeout_ms};
    outcome_init(o);
    return bex_submit(e, HOSTILE, "search", args, &options, on_result, o);
}

/* `query` fails with `code`, then "ok" succeeds. */
static void expect(BexEngine *e, const char *query, uint32_t timeout_ms, const char *code) {
    struct outcome o, ok;
    char want[64];
    double started = now_s();
    snprintf(want, sizeof want, "\"code\":\"%s\"", code);
    if (CHECK(search(e, query, timeout_ms, &o) != 0, "%s: submit refused", query) &&
        CHECK(wait_for(&o), "%s: no outcome within %d s", query, WAIT_S)) {
        CHECK(!o.success && strstr(o.payload, want) != NULL, "%s: want %s, got %s", query, code,
              o.payload);
    }
    printf("  %-16s %-15s %7.0f ms\n", query, code, (now_s() - started) * 1000);
    outcome_destroy(&o);
    if (CHECK(search(e, "ok", 0, &ok) != 0, "ok after %s: refused", query) &&
        CHECK(wait_for(&ok), "ok after %s: no outcome", query)) {
        CHECK(ok.success, "ok after %s: %s", query, ok.payload);
    }
    outcome_destroy(&ok);
}

static BexEngine *open_engine(const char *data_dir, const char *config, const char *package) {
    BexEngine *e = bex_engine_new_with_config(data_dir, config);
    if (!CHECK(e != NULL, "opening %s with %s", data_dir, config)) {
        return NULL;
    }
    int rc = bex_engine_install_force(e, package, true);
    if (!CHECK(rc == 0, "install %s: %s", package, bex_error_code_name(rc))) {
        bex_engine_free(e);
        return NULL;
    }
    return e;
}

/* The strategy the stats report. */
static void print_execution(BexEngine *e) {
    char *stats = bex_engine_stats(e);
    const char *at = stats ? strstr(stats, "\"execution\":\"") : NULL;
    CHECK(at != NULL, "the stats name no execution");
    if (at != NULL) {
        at += strlen("\"execution\":\"");
        printf("c-limits: bex %s, execution %.*s\n", bex_version(), (int)strcspn(at, "\""), at);
    }
    bex_string_free(stats);
}

/* A running endless loop, cancelled once it holds its permit. */
static void cancel_running(BexEngine *e) {
    struct outcome o;
    double started = now_s();
    uint64_t id = search(e, "loop", 0, &o);
    if (!CHECK(id != 0, "loop: submit refused")) {
        return;
    }
    /* Bounded polling until the call runs. */
    int running = 0;
    while (!running && now_s() - started < WAIT_S) {
        char *stats = bex_engine_stats(e);
        running = stats != NULL && strstr(stats, "\"executions\":{\"in_use\":1") != NULL;
        bex_string_free(stats);
    }
    CHECK(running, "the loop never started");
    CHECK(bex_cancel_request(e, id) != 0, "cancel found nothing");
    if (CHECK(wait_for(&o), "cancelled loop: no outcome")) {
        CHECK(!o.success && strstr(o.payload, "\"code\":\"CANCELLED\"") != NULL,
              "cancelled loop: %s", o.payload);
    }
    printf("  %-16s %-15s %7.0f ms\n", "loop, cancelled", "CANCELLED", (now_s() - started) * 1000);
    outcome_destroy(&o);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s WORK_DIR\n", argv[0]);
        return 2;
    }
    char data[4096], package[4096];
    snprintf(data, sizeof data, "%s/limits-data", argv[1]);
    snprintf(package, sizeof package, "%s/hostile.bex", argv[1]);

    /* A small fuel budget: burning and endless loops run out of it. */
    BexEngine *e = open_engine(data,
                               "{\"limits\": {\"fuel\": 20000000, \"timeout_ms\": 30000, "
                               "\"memory_mb\": 16}, \"breaker\": {\"threshold\": 0}}",
                               package);
    if (e != NULL) {
        print_execution(e);
        expect(e, "burn", 0, "FUEL_EXHAUSTED");
        expect(e, "grow", 0, "PLUGIN_FAULT");
        expect(e, "recurse", 0, "PLUGIN_FAULT");
        expect(e, "panic:limits", 0, "PLUGIN_FAULT");
        expect(e, "sleep:60000", 300, "TIMEOUT");
        CHECK(bex_engine_free(e) == 0, "free");
    }
    /* Unbounded fuel: only the deadline (or a cancel) stops a loop. */
    e = open_engine(data,
                    "{\"limits\": {\"fuel\": 10000000000000, \"timeout_ms\": 30000}, "
                    "\"ceilings\": {\"fuel\": 10000000000000}, \"breaker\": {\"threshold\": 0}}",
                    package);
    if (e != NULL) {
        expect(e, "loop", 500, "TIMEOUT");
        cancel_running(e);
        CHECK(bex_engine_free(e) == 0, "free");
    }
    printf("c-limits: %s\n", g_failed ? "FAILED" : "all passed");
    return g_failed ? 1 : 0;
}
