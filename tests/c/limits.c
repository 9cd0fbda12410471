/* The sandbox's limits through the C ABI, under whatever execution
 * strategy the engine defaults to on this target (native code, or Pulley
 * where Cranelift has no backend): an endless loop and a slow host wait
 * time out, a CPU burner runs out of fuel, a memory hog and unbounded
 * recursion fault, a panic faults, a running call is cancelled; after
 * each, the next call works. And an instance pool too large for the
 * process's address space is refused by name when the engine opens. `make test-c` runs it natively under the
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

#include "outcome.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define HOSTILE "bex.hostile"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
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
        CHECK(wait_for(&o), "%s: no outcome within %d s", query, OUTCOME_WAIT_S)) {
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
    while (!running && now_s() - started < OUTCOME_WAIT_S) {
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

/* A pool that cannot fit is INVALID_ARGUMENT naming the settings: on a
 * 32-bit target 12 and 16 slots of 256 MiB (more than the 1 GiB a 32-bit
 * process gives plugins), on a 64-bit one more than 1 TiB. */
static void oversized_pool(const char *work_dir) {
    int slots[2] = {12, 16};
    if (sizeof(void *) > 4) {
        slots[0] = 5000;
        slots[1] = 100000;
    }
    for (int i = 0; i < 2; i++) {
        char data[4096], config[256];
        snprintf(data, sizeof data, "%s/pool-data", work_dir);
        snprintf(config, sizeof config,
                 "{\"max_executions\": %d, \"ceilings\": {\"memory_mb\": 256}}", slots[i]);
        BexEngine *e = bex_engine_new_with_config(data, config);
        int code = bex_engine_last_error_code(NULL);
        char *message = bex_engine_last_error(NULL);
        CHECK(e == NULL, "%d slots of 256 MiB opened", slots[i]);
        CHECK(code == BEX_ERROR_CODE_INVALID_ARGUMENT, "%d slots: %s", slots[i],
              bex_error_code_name(code));
        CHECK(message != NULL && strstr(message, "max_executions") != NULL,
              "%d slots: the refusal does not name max_executions: %s", slots[i],
              message ? message : "(none)");
        printf("  %d slots of 256 MiB  refused: %.100s\n", slots[i], message ? message : "");
        bex_string_free(message);
        bex_engine_free(e);
    }
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
    oversized_pool(argv[1]);
    printf("c-limits: %s\n", g_failed ? "FAILED" : "all passed");
    return g_failed ? 1 : 0;
}
