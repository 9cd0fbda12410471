/* Drives the engine through its C ABI from C, the way a player does:
 * argument checking, lanes, cancellation, shutdown with requests and
 * callbacks in flight, callbacks that submit or free, the circuit breaker,
 * BUSY, a cancel inside a slow loopback HTTP response, and the TVmaze plugin
 * in replay mode. Built and run by `make test-c` under AddressSanitizer and
 * UndefinedBehaviorSanitizer:
 *
 *     c-engine-test WORK_DIR FIXTURES_DIR
 *
 * WORK_DIR holds hostile.bex, hostile2.bex and tvmaze.bex (packed and
 * signed by the Makefile), unsigned-tvmaze.bex and other-tvmaze.bex (signed
 * by another key), and repo/ (a signed repository index and tvmaze.bex); every engine gets a fresh data directory under WORK_DIR/data.
 * FIXTURES_DIR holds the TVmaze recordings. Nothing sleeps: waits are
 * condition variables with deadlines, or polling with deadlines, and an
 * expired deadline is a failure.
 *
 * The tests live in engine_args.c (1), engine_lifecycle.c (2-5) and
 * engine_calls.c (6-9), engine_trust.c (10) and engine_repos.c (11), listed in engine_tests.h; their shared helpers
 * in support.c. */
#define _XOPEN_SOURCE 700

#include "engine_tests.h"
#include "support.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the tests, in the order they run ---------------------------------- */

const engine_test_t ENGINE_TESTS[] = {
    {"invalid_arguments", test_invalid_arguments},
    {"mixed_submissions", test_mixed_submissions},
    {"free_in_flight", test_free_in_flight},
    {"free_from_other_thread", test_free_from_other_thread},
    {"callbacks_submit_and_free", test_callbacks_submit_and_free},
    {"circuit_breaker", test_circuit_breaker},
    {"busy_and_cancel", test_busy_and_cancel},
    {"cancel_slow_http", test_cancel_slow_http},
    {"tvmaze_and_management", test_tvmaze_and_management},
    {"signatures", test_signatures},
    {"repositories", test_repositories},
};
const size_t N_ENGINE_TESTS = sizeof ENGINE_TESTS / sizeof ENGINE_TESTS[0];

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s WORK_DIR FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    g_work_dir = argv[1];
    g_fixtures = argv[2];
    /* BEX_SEED replays a run's random cancels; BEX_C_TEST picks tests. */
    const char *seed = getenv("BEX_SEED");
    g_rng = seed ? strtoull(seed, NULL, 10) : (uint64_t)time(NULL);
    const char *only = getenv("BEX_C_TEST");
    printf("c-engine: bex %s, seed %llu\n", bex_version(), (unsigned long long)g_rng);
    for (size_t i = 0; i < N_ENGINE_TESTS; i++) {
        if (only != NULL && strstr(ENGINE_TESTS[i].name, only) == NULL) {
            continue;
        }
        int failed = atomic_load(&g_failed);
        double started = now_s();
        ENGINE_TESTS[i].run();
        printf("%-4s %s (%.2f s)\n", atomic_load(&g_failed) == failed ? "ok" : "FAIL",
               ENGINE_TESTS[i].name, now_s() - started);
        fflush(stdout);
    }
    int passed = atomic_load(&g_passed), failed = atomic_load(&g_failed);
    printf("c-engine: %d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
