/* The engine test's tests (see engine.c), which main runs through
 * ENGINE_TESTS. */
#ifndef BEX_C_TEST_ENGINE_TESTS_H
#define BEX_C_TEST_ENGINE_TESTS_H

#include <stddef.h>
#include <stdint.h>

/* engine_args.c */
void test_invalid_arguments(void);

/* engine_lifecycle.c */
void test_mixed_submissions(void);
void test_free_in_flight(void);
void test_free_from_other_thread(void);
void test_callbacks_submit_and_free(void);

/* engine_calls.c */
void test_circuit_breaker(void);
void test_busy_and_cancel(void);
void test_cancel_slow_http(void);
void test_tvmaze_and_management(void);

/* engine_trust.c */
void test_signatures(void);

/* engine_repos.c */
void test_repositories(void);

/* The state of test 2's random cancels; main seeds it (BEX_SEED). */
extern uint64_t g_rng;

typedef struct {
    const char *name;
    void (*run)(void);
} engine_test_t;

/* Every test, in the order they run (defined in engine.c). */
extern const engine_test_t ENGINE_TESTS[];
extern const size_t N_ENGINE_TESTS;

#endif
