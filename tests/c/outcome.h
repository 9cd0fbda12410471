/* What the small C test programs (limits.c, runtime_only.c, soak.c) share: a check
 * that counts failures, and one request's outcome with a callback that
 * fills it and a bounded wait. Header-only: each program includes it once. */
#ifndef BEX_C_TEST_OUTCOME_H
#define BEX_C_TEST_OUTCOME_H

#include "bex_engine.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The longest one outcome may take before it counts as a failure. */
#define OUTCOME_WAIT_S 120

static int g_failed;

#define CHECK(cond, ...)                                                                           \
    ((cond) ? 1                                                                                    \
            : (g_failed++, fprintf(stderr, "FAILED %s:%d: ", __FILE__, __LINE__),                  \
               fprintf(stderr, __VA_ARGS__), fputc('\n', stderr), 0))

/* One request's outcome; the payload is copied (truncated to fit). */
struct outcome {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int done, success;
    char payload[1 << 16];
};

static inline void outcome_init(struct outcome *o) {
    memset(o, 0, sizeof *o);
    pthread_mutex_init(&o->lock, NULL);
    pthread_cond_init(&o->changed, NULL);
}

static inline void outcome_destroy(struct outcome *o) {
    pthread_mutex_destroy(&o->lock);
    pthread_cond_destroy(&o->changed);
}

/* A BexResultCallback whose user_data is a struct outcome. */
static inline void on_result(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
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

/* Waits for `o`; returns 0 if it did not arrive within OUTCOME_WAIT_S. */
static inline int wait_for(struct outcome *o) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += OUTCOME_WAIT_S;
    pthread_mutex_lock(&o->lock);
    int rc = 0;
    while (!o->done && rc == 0) {
        rc = pthread_cond_timedwait(&o->changed, &o->lock, &until);
    }
    int done = o->done;
    pthread_mutex_unlock(&o->lock);
    return done;
}

#endif
