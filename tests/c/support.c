/* The engine test's shared helpers, declared in support.h: checks and
 * their counters, a counter to wait on, engines, requests and their
 * callbacks, lane stats and breaker states. */
#define _XOPEN_SOURCE 700

#include "support.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

const char *g_work_dir;
const char *g_fixtures;

/* ---- checks ------------------------------------------------------------ */

atomic_int g_passed, g_failed;
_Atomic(const char *) g_test = "";

__attribute__((format(printf, 4, 5))) bool check_(bool ok, const char *file, int line,
                                                  const char *fmt, ...) {
    if (ok) {
        atomic_fetch_add(&g_passed, 1);
        return true;
    }
    atomic_fetch_add(&g_failed, 1);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Only the file name: __FILE__ carries the directory it was built from. */
    const char *base = strrchr(file, '/');
    fprintf(stderr, "FAIL %s (%s:%d): %s\n", atomic_load(&g_test), base ? base + 1 : file,
            line, msg);
    return false;
}

/* Prints the calling thread's last BEX error under a FAIL line. */
void print_last_error(const char *what) {
    char *msg = bex_engine_last_error(NULL);
    fprintf(stderr, "     %s: last error %d %s\n", what, bex_engine_last_error_code(NULL),
            msg ? msg : "(none)");
    bex_string_free(msg);
}

double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- a counter to wait on ---------------------------------------------- */

void waiter_init(waiter_t *w) {
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &a);
    pthread_condattr_destroy(&a);
    pthread_mutex_init(&w->mu, NULL);
    w->count = 0;
}

void waiter_destroy(waiter_t *w) {
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
}

void waiter_add(waiter_t *w) {
    pthread_mutex_lock(&w->mu);
    w->count++;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

long waiter_count(waiter_t *w) {
    pthread_mutex_lock(&w->mu);
    long n = w->count;
    pthread_mutex_unlock(&w->mu);
    return n;
}

/* Waits until the count reaches `target`; false if `seconds` ran out. */
bool waiter_wait(waiter_t *w, long target, double seconds) {
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    double whole = (double)(long)seconds;
    deadline.tv_sec += (time_t)whole;
    deadline.tv_nsec += (long)((seconds - whole) * 1e9);
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (w->count < target) {
        if (pthread_cond_timedwait(&w->cv, &w->mu, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    bool reached = w->count >= target;
    pthread_mutex_unlock(&w->mu);
    return reached;
}

/* ---- engines and requests ---------------------------------------------- */

void ctx_init(ctx_t *c) {
    memset(c, 0, sizeof *c);
    waiter_init(&c->done);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* A fresh data directory WORK_DIR/data/NAME (removed first). */
void data_dir(const char *name, char *out, size_t len) {
    snprintf(out, len, "%s/data", g_work_dir);
    mkdir(out, 0777);
    snprintf(out, len, "%s/data/%s", g_work_dir, name);
    nftw(out, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void package(const char *name, char *out, size_t len) {
    snprintf(out, len, "%s/%s.bex", g_work_dir, name);
}

/* Opens an engine over a fresh data directory; NULL (a failure) if it
 * cannot. */
BexEngine *open_engine(const char *name, const char *config) {
    char dir[4096];
    data_dir(name, dir, sizeof dir);
    BexEngine *e = bex_engine_new_with_config(dir, config);
    if (!CHECK(e != NULL, "bex_engine_new_with_config(%s, %s) failed", dir, config)) {
        print_last_error("open");
    }
    return e;
}

bool install(BexEngine *e, const char *name) {
    char path[4096];
    package(name, path, sizeof path);
    int rc = bex_engine_install(e, path);
    if (!CHECK(rc == 0, "install %s: %d", path, rc)) {
        print_last_error("install");
        return false;
    }
    return true;
}

/* Frees the engine: it must return 0, and no callback may arrive later. */
void free_engine(ctx_t *c) {
    int rc = bex_engine_free(c->engine);
    atomic_store(&c->freed, true);
    CHECK(rc == 0, "bex_engine_free returned %d", rc);
    c->engine = NULL;
}

bool contains(const char *s, const char *needle) {
    return s != NULL && strstr(s, needle) != NULL;
}

/* Whether the slot's outcome is the error `code` (the payload's "code"). */
bool failed_with(const slot_t *s, const char *code) {
    char want[64];
    snprintf(want, sizeof want, "\"code\":\"%s\"", code);
    return !atomic_load(&s->success) && contains(s->payload, want);
}

const char *outcome(const slot_t *s) {
    return s->payload ? s->payload : "(no callback)";
}

/* Records a callback in its slot; every result callback starts here. */
slot_t *record(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
               size_t len) {
    slot_t *s = user_data;
    ctx_t *c = s->ctx;
    if (atomic_load(&c->freed)) {
        atomic_fetch_add(&c->late, 1);
    }
    if (request_id == 0) {
        atomic_fetch_add(&c->zero_id, 1);
    }
    if (payload == NULL || len == 0 || (payload[0] != '{' && payload[0] != '[')) {
        atomic_fetch_add(&c->bad_payload, 1);
    }
    if (atomic_fetch_add(&s->calls, 1) == 0) {
        s->at = now_s();
        s->payload = malloc(len + 1);
        if (s->payload != NULL) {
            if (len > 0) {
                memcpy(s->payload, payload, len);
            }
            s->payload[len] = '\0';
        }
        atomic_store(&s->got_id, request_id);
        atomic_store(&s->success, success);
    }
    return s;
}

void on_result(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
               size_t len) {
    slot_t *s = record(user_data, request_id, success, payload, len);
    waiter_add(&s->ctx->done);
}

/* A callback that must never run (its submit was refused). */
atomic_int g_forbidden_calls;
void on_forbidden(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
                  size_t len) {
    (void)user_data, (void)request_id, (void)success, (void)payload, (void)len;
    atomic_fetch_add(&g_forbidden_calls, 1);
}

slot_t *slots_new(ctx_t *c, size_t n) {
    slot_t *s = calloc(n, sizeof *s);
    if (s == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    for (size_t i = 0; i < n; i++) {
        s[i].ctx = c;
        s[i].cancel_first = -1;
    }
    return s;
}

void slots_free(slot_t *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(s[i].payload);
    }
    free(s);
}

/* Every accepted request got exactly one callback, with its own id; no
 * refused one got any. */
void check_exactly_once(const char *what, slot_t *s, size_t n) {
    size_t missing = 0, doubled = 0, wrong_id = 0, refused_called = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t id = atomic_load(&s[i].id);
        int calls = atomic_load(&s[i].calls);
        if (id == 0) {
            refused_called += calls != 0;
            continue;
        }
        missing += calls == 0;
        doubled += calls > 1;
        wrong_id += calls >= 1 && atomic_load(&s[i].got_id) != id;
    }
    CHECK(missing == 0, "%s: %zu accepted requests got no callback", what, missing);
    CHECK(doubled == 0, "%s: %zu requests got more than one callback", what, doubled);
    CHECK(wrong_id == 0, "%s: %zu callbacks got another request's id", what, wrong_id);
    CHECK(refused_called == 0, "%s: %zu refused submits (id 0) got a callback", what,
          refused_called);
}

void check_ctx_clean(const char *what, ctx_t *c) {
    CHECK(atomic_load(&c->late) == 0, "%s: %d callbacks after bex_engine_free returned", what,
          atomic_load(&c->late));
    CHECK(atomic_load(&c->zero_id) == 0, "%s: %d callbacks for request id 0", what,
          atomic_load(&c->zero_id));
    CHECK(atomic_load(&c->bad_payload) == 0, "%s: %d callbacks without a JSON payload", what,
          atomic_load(&c->bad_payload));
}

/* Submits `search` QUERY on PLUGIN and waits for its outcome. The slot is
 * the caller's (zeroed; freed with slot_release). */
bool call_search(ctx_t *c, const char *plugin, const char *query, slot_t *s) {
    memset(s, 0, sizeof *s);
    s->ctx = c;
    s->cancel_first = -1;
    long before = waiter_count(&c->done);
    uint64_t id = bex_submit_search(c->engine, plugin, query, on_result, s);
    atomic_store(&s->id, id);
    if (!CHECK(id != 0, "submit search %s on %s refused", query, plugin)) {
        print_last_error("submit");
        return false;
    }
    if (!CHECK(waiter_wait(&c->done, before + 1, WAIT_S),
               "no callback for search %s on %s in %.0f s", query, plugin, WAIT_S)) {
        return false;
    }
    CHECK(atomic_load(&s->calls) == 1 && atomic_load(&s->got_id) == id,
          "search %s: %d callbacks, id %llu (want 1, %llu)", query, atomic_load(&s->calls),
          (unsigned long long)atomic_load(&s->got_id), (unsigned long long)id);
    return atomic_load(&s->success);
}

void slot_release(slot_t *s) {
    free(s->payload);
    s->payload = NULL;
}

/* `search` QUERY must succeed with a first card titled TITLE. */
void expect_title(ctx_t *c, const char *plugin, const char *query, const char *title) {
    slot_t s;
    char want[256];
    snprintf(want, sizeof want, "\"title\":\"%s\"", title);
    bool ok = call_search(c, plugin, query, &s);
    CHECK(ok && contains(s.payload, want), "search %s on %s: want title %s, got %s", query, plugin,
          title, outcome(&s));
    slot_release(&s);
}

/* `search` QUERY must fail with CODE. */
void expect_error(ctx_t *c, const char *plugin, const char *query, const char *code) {
    slot_t s;
    call_search(c, plugin, query, &s);
    CHECK(failed_with(&s, code), "search %s on %s: want %s, got %s", query, plugin, code,
          outcome(&s));
    slot_release(&s);
}

/* A number field of one lane in bex_engine_stats, or -1. */
long lane_stat(BexEngine *e, const char *lane, const char *field) {
    char *json = bex_engine_stats(e);
    if (json == NULL) {
        return -1;
    }
    long value = -1;
    char key[64];
    snprintf(key, sizeof key, "\"lane\":\"%s\"", lane);
    const char *obj = strstr(json, key);
    if (obj != NULL) {
        const char *end = strchr(obj, '}');
        snprintf(key, sizeof key, "\"%s\":", field);
        const char *f = strstr(obj, key);
        if (f != NULL && end != NULL && f < end) {
            value = strtol(f + strlen(key), NULL, 10);
        }
    }
    bex_string_free(json);
    return value;
}

/* Polls the lane's FIELD until it equals WANT; false if the deadline
 * passed. */
bool wait_lane_stat(BexEngine *e, const char *lane, const char *field, long want) {
    double deadline = now_s() + WAIT_S;
    while (now_s() < deadline) {
        if (lane_stat(e, lane, field) == want) {
            return true;
        }
        sched_yield();
    }
    return false;
}

/* The breaker state of PLUGIN per bex_engine_plugin_info, or -1. */
int breaker_of(BexEngine *e, const char *plugin) {
    BexPluginInfo info;
    if (bex_engine_plugin_info(e, plugin, &info) != 0) {
        return -1;
    }
    int state = (int)info.breaker;
    bex_plugin_info_free(&info);
    return state;
}
