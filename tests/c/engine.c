/* Drives the engine through its C ABI from C, the way a player does:
 * argument checking, lanes, cancellation, shutdown with requests and
 * callbacks in flight, callbacks that submit or free, the circuit breaker,
 * BUSY, a cancel inside a slow loopback HTTP response, and the TVmaze plugin
 * in replay mode. Built and run by `make test-c` under AddressSanitizer and
 * UndefinedBehaviorSanitizer:
 *
 *     c-engine-test WORK_DIR FIXTURES_DIR
 *
 * WORK_DIR holds hostile.bex, hostile2.bex and tvmaze.bex (packed by the
 * Makefile); every engine gets a fresh data directory under WORK_DIR/data.
 * FIXTURES_DIR holds the TVmaze recordings. Nothing sleeps: waits are
 * condition variables with deadlines, or polling with deadlines, and an
 * expired deadline is a failure. */
#define _XOPEN_SOURCE 700

#include "bex_engine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The longest any single wait may take before it counts as a failure. */
#define WAIT_S 60.0
#define BAD_UTF8 "\xff\xfe"
#define HOSTILE "bex.hostile"
#define HOSTILE2 "bex.hostile2"
#define TVMAZE "bex.tvmaze"

static const char *g_work_dir;
static const char *g_fixtures;

/* ---- checks ------------------------------------------------------------ */

static atomic_int g_passed, g_failed;
static _Atomic(const char *) g_test = "";

__attribute__((format(printf, 3, 4))) static bool check_(bool ok, int line, const char *fmt, ...) {
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
    fprintf(stderr, "FAIL %s (engine.c:%d): %s\n", atomic_load(&g_test), line, msg);
    return false;
}
#define CHECK(cond, ...) check_((cond), __LINE__, __VA_ARGS__)

/* Prints the calling thread's last BEX error under a FAIL line. */
static void print_last_error(const char *what) {
    char *msg = bex_engine_last_error(NULL);
    fprintf(stderr, "     %s: last error %d %s\n", what, bex_engine_last_error_code(NULL),
            msg ? msg : "(none)");
    bex_string_free(msg);
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- a counter to wait on ---------------------------------------------- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long count;
} waiter_t;

static void waiter_init(waiter_t *w) {
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &a);
    pthread_condattr_destroy(&a);
    pthread_mutex_init(&w->mu, NULL);
    w->count = 0;
}

static void waiter_destroy(waiter_t *w) {
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
}

static void waiter_add(waiter_t *w) {
    pthread_mutex_lock(&w->mu);
    w->count++;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static long waiter_count(waiter_t *w) {
    pthread_mutex_lock(&w->mu);
    long n = w->count;
    pthread_mutex_unlock(&w->mu);
    return n;
}

/* Waits until the count reaches `target`; false if `seconds` ran out. */
static bool waiter_wait(waiter_t *w, long target, double seconds) {
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

/* What one group of tests shares with its callbacks. Static storage: a
 * callback arriving after its test (a bug) still finds it. */
typedef struct {
    BexEngine *engine;
    waiter_t done;         /* one count per callback */
    atomic_bool freed;     /* set once bex_engine_free returned */
    atomic_int late;       /* callbacks after that */
    atomic_int zero_id;    /* callbacks for request id 0 */
    atomic_int bad_payload;
} ctx_t;

/* One request: its id, and what its callback(s) saw. */
typedef struct {
    ctx_t *ctx;
    _Atomic uint64_t id;     /* what the submit returned (0: refused) */
    atomic_int calls;        /* callbacks received */
    _Atomic uint64_t got_id; /* the request id the first callback got */
    atomic_bool success;
    char *payload; /* NUL-terminated copy of the first callback's payload */
    double at;     /* when the first callback arrived */
    int cancel_first; /* the first bex_cancel_request answer, -1 if none */
    int refused_code; /* the error code when the submit returned 0 */
} slot_t;

static void ctx_init(ctx_t *c) {
    memset(c, 0, sizeof *c);
    waiter_init(&c->done);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* A fresh data directory WORK_DIR/data/NAME (removed first). */
static void data_dir(const char *name, char *out, size_t len) {
    snprintf(out, len, "%s/data", g_work_dir);
    mkdir(out, 0777);
    snprintf(out, len, "%s/data/%s", g_work_dir, name);
    nftw(out, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void package(const char *name, char *out, size_t len) {
    snprintf(out, len, "%s/%s.bex", g_work_dir, name);
}

/* Opens an engine over a fresh data directory; NULL (a failure) if it
 * cannot. */
static BexEngine *open_engine(const char *name, const char *config) {
    char dir[4096];
    data_dir(name, dir, sizeof dir);
    BexEngine *e = bex_engine_new_with_config(dir, config);
    if (!CHECK(e != NULL, "bex_engine_new_with_config(%s, %s) failed", dir, config)) {
        print_last_error("open");
    }
    return e;
}

static bool install(BexEngine *e, const char *name) {
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
static void free_engine(ctx_t *c) {
    int rc = bex_engine_free(c->engine);
    atomic_store(&c->freed, true);
    CHECK(rc == 0, "bex_engine_free returned %d", rc);
    c->engine = NULL;
}

static bool contains(const char *s, const char *needle) {
    return s != NULL && strstr(s, needle) != NULL;
}

/* Whether the slot's outcome is the error `code` (the payload's "code"). */
static bool failed_with(const slot_t *s, const char *code) {
    char want[64];
    snprintf(want, sizeof want, "\"code\":\"%s\"", code);
    return !atomic_load(&s->success) && contains(s->payload, want);
}

static const char *outcome(const slot_t *s) {
    return s->payload ? s->payload : "(no callback)";
}

/* Records a callback in its slot; every result callback starts here. */
static slot_t *record(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
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

static void on_result(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
                      size_t len) {
    slot_t *s = record(user_data, request_id, success, payload, len);
    waiter_add(&s->ctx->done);
}

/* A callback that must never run (its submit was refused). */
static atomic_int g_forbidden_calls;
static void on_forbidden(void *user_data, uint64_t request_id, bool success,
                         const uint8_t *payload, size_t len) {
    (void)user_data, (void)request_id, (void)success, (void)payload, (void)len;
    atomic_fetch_add(&g_forbidden_calls, 1);
}

static slot_t *slots_new(ctx_t *c, size_t n) {
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

static void slots_free(slot_t *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(s[i].payload);
    }
    free(s);
}

/* Every accepted request got exactly one callback, with its own id; no
 * refused one got any. */
static void check_exactly_once(const char *what, slot_t *s, size_t n) {
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

static void check_ctx_clean(const char *what, ctx_t *c) {
    CHECK(atomic_load(&c->late) == 0, "%s: %d callbacks after bex_engine_free returned", what,
          atomic_load(&c->late));
    CHECK(atomic_load(&c->zero_id) == 0, "%s: %d callbacks for request id 0", what,
          atomic_load(&c->zero_id));
    CHECK(atomic_load(&c->bad_payload) == 0, "%s: %d callbacks without a JSON payload", what,
          atomic_load(&c->bad_payload));
}

/* Submits `search` QUERY on PLUGIN and waits for its outcome. The slot is
 * the caller's (zeroed; freed with slot_release). */
static bool call_search(ctx_t *c, const char *plugin, const char *query, slot_t *s) {
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

static void slot_release(slot_t *s) {
    free(s->payload);
    s->payload = NULL;
}

/* `search` QUERY must succeed with a first card titled TITLE. */
static void expect_title(ctx_t *c, const char *plugin, const char *query, const char *title) {
    slot_t s;
    char want[256];
    snprintf(want, sizeof want, "\"title\":\"%s\"", title);
    bool ok = call_search(c, plugin, query, &s);
    CHECK(ok && contains(s.payload, want), "search %s on %s: want title %s, got %s", query, plugin,
          title, outcome(&s));
    slot_release(&s);
}

/* `search` QUERY must fail with CODE. */
static void expect_error(ctx_t *c, const char *plugin, const char *query, const char *code) {
    slot_t s;
    call_search(c, plugin, query, &s);
    CHECK(failed_with(&s, code), "search %s on %s: want %s, got %s", query, plugin, code,
          outcome(&s));
    slot_release(&s);
}

/* A number field of one lane in bex_engine_stats, or -1. */
static long lane_stat(BexEngine *e, const char *lane, const char *field) {
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
static bool wait_lane_stat(BexEngine *e, const char *lane, const char *field, long want) {
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
static int breaker_of(BexEngine *e, const char *plugin) {
    BexPluginInfo info;
    if (bex_engine_plugin_info(e, plugin, &info) != 0) {
        return -1;
    }
    int state = (int)info.breaker;
    bex_plugin_info_free(&info);
    return state;
}

/* ---- 1. NULL and invalid arguments -------------------------------------- */

static BexEngine *g_prime;

/* Sets the thread's last error to NOT_FOUND, so a check that then reads
 * INVALID_ARGUMENT knows the call under test set it. */
static void prime(void) {
    int rc = bex_engine_uninstall(g_prime, "bex.no-such-plugin");
    if (rc != BEX_ERROR_CODE_NOT_FOUND ||
        bex_engine_last_error_code(NULL) != BEX_ERROR_CODE_NOT_FOUND) {
        CHECK(false, "priming the last error: uninstall of an unknown plugin gave %d", rc);
    }
}

static void expect_invalid(const char *what, int line, bool refused) {
    if (!check_(refused, line, "%s: not the documented failure", what)) {
        print_last_error(what);
    }
    int code = bex_engine_last_error_code(NULL);
    check_(code == BEX_ERROR_CODE_INVALID_ARGUMENT, line, "%s: last error code %d (%s), want %s",
           what, code, bex_error_code_name(code), "INVALID_ARGUMENT");
    char *msg = bex_engine_last_error(NULL);
    check_(msg != NULL && strncmp(msg, "INVALID_ARGUMENT: ", 18) == 0 && strlen(msg) > 18, line,
           "%s: last error message \"%s\"", what, msg ? msg : "(null)");
    bex_string_free(msg);
}

/* COND is the call under test compared with its documented failure. */
#define EXPECT_INVALID(cond)                                                                       \
    do {                                                                                           \
        prime();                                                                                   \
        bool refused_ = (cond);                                                                    \
        expect_invalid(#cond, __LINE__, refused_);                                                 \
    } while (0)

/* A function that must not touch the last error (a no-op). */
#define EXPECT_NOOP(stmt)                                                                          \
    do {                                                                                           \
        prime();                                                                                   \
        stmt;                                                                                      \
        CHECK(bex_engine_last_error_code(NULL) == BEX_ERROR_CODE_NOT_FOUND,                        \
              "%s set the last error", #stmt);                                                     \
    } while (0)

typedef uint64_t (*submit_fn)(BexEngine *, const char *, BexResultCallback, void *);

static uint64_t sub_home(BexEngine *e, const char *p, BexResultCallback cb, void *ud) {
    return bex_submit_home(e, p, cb, ud);
}
static uint64_t sub_search(BexEngine *e, const char *p, BexResultCallback cb, void *ud) {
    return bex_submit_search(e, p, "ok", cb, ud);
}
static uint64_t sub_info(BexEngine *e, const char *p, BexResultCallback cb, void *ud) {
    return bex_submit_info(e, p, "m1", cb, ud);
}
static uint64_t sub_servers(BexEngine *e, const char *p, BexResultCallback cb, void *ud) {
    return bex_submit_servers(e, p, "ep1", cb, ud);
}
static const char *SERVER_JSON =
    "{\"id\":\"s1\",\"name\":\"n\",\"url\":\"https://media.example.org/1\",\"language\":null,"
    "\"dub_status\":[],\"quality\":720,\"extra\":[]}";
static uint64_t sub_stream(BexEngine *e, const char *p, BexResultCallback cb, void *ud) {
    return bex_submit_stream(e, p, SERVER_JSON, cb, ud);
}
static uint64_t sub_category(BexEngine *e, const char *p, BexResultCallback cb, void *ud) {
    return bex_submit_category(e, p, "all", NULL, cb, ud);
}
static uint64_t sub_search_page(BexEngine *e, const char *p, BexResultCallback cb, void *ud) {
    return bex_submit_search_page(e, p, "ok", NULL, NULL, cb, ud);
}
static const char *SUBTITLE_QUERY = "{\"title\":\"t\",\"languages\":[\"en\"]}";
static uint64_t sub_subtitles(BexEngine *e, const char *p, BexResultCallback cb, void *ud) {
    return bex_submit_subtitles(e, p, SUBTITLE_QUERY, cb, ud);
}
static uint64_t sub_subtitle_download(BexEngine *e, const char *p, BexResultCallback cb, void *ud) {
    return bex_submit_subtitle_download(e, p, "t:en", cb, ud);
}
static uint64_t sub_articles(BexEngine *e, const char *p, BexResultCallback cb, void *ud) {
    return bex_submit_articles(e, p, NULL, cb, ud);
}
static uint64_t sub_article_search(BexEngine *e, const char *p, BexResultCallback cb, void *ud) {
    return bex_submit_article_search(e, p, "q", NULL, cb, ud);
}
static uint64_t sub_any(BexEngine *e, const char *p, BexResultCallback cb, void *ud) {
    return bex_submit(e, p, "search", "{\"query\":\"ok\"}", NULL, cb, ud);
}

static const struct {
    const char *name;
    submit_fn fn;
    bool succeeds; /* on the hostile plugin */
} SUBMITS[] = {
    {"bex_submit_home", sub_home, true},
    {"bex_submit_search", sub_search, true},
    {"bex_submit_info", sub_info, false}, /* the plugin answers not_found */
    {"bex_submit_servers", sub_servers, true},
    {"bex_submit_stream", sub_stream, true},
    {"bex_submit_category", sub_category, true},
    {"bex_submit_search_page", sub_search_page, true},
    {"bex_submit_subtitles", sub_subtitles, true},
    {"bex_submit_subtitle_download", sub_subtitle_download, true},
    {"bex_submit_articles", sub_articles, true},
    {"bex_submit_article_search", sub_article_search, true},
    {"bex_submit", sub_any, true},
};
#define N_SUBMITS (sizeof SUBMITS / sizeof SUBMITS[0])

/* A thread that never called BEX has no last error. */
static void *fresh_thread_last_error(void *arg) {
    (void)arg;
    char *msg = bex_engine_last_error(NULL);
    int code = bex_engine_last_error_code(NULL);
    CHECK(msg == NULL && code == 0, "a fresh thread's last error: %d %s", code,
          msg ? msg : "(null)");
    bex_string_free(msg);
    return NULL;
}

static ctx_t g_ctx1;

static void test_invalid_arguments(void) {
    atomic_store(&g_test, "invalid_arguments");
    ctx_t *c = &g_ctx1;
    ctx_init(c);
    BexEngine *e = c->engine = g_prime = open_engine("invalid", NULL);
    if (e == NULL || !install(e, "hostile")) {
        bex_engine_free(e);
        return;
    }
    char dir[4096];
    data_dir("invalid-other", dir, sizeof dir);
    char path[4096];
    package("hostile", path, sizeof path);
    void *ud = &g_forbidden_calls;

    pthread_t fresh;
    pthread_create(&fresh, NULL, fresh_thread_last_error, NULL);
    pthread_join(fresh, NULL);

    /* Engine lifecycle. */
    EXPECT_INVALID(bex_engine_new(NULL) == NULL);
    EXPECT_INVALID(bex_engine_new(BAD_UTF8) == NULL);
    EXPECT_INVALID(bex_engine_new("") == NULL);
    EXPECT_INVALID(bex_engine_new_with_config(NULL, "{}") == NULL);
    EXPECT_INVALID(bex_engine_new_with_config(BAD_UTF8, "{}") == NULL);
    EXPECT_INVALID(bex_engine_new_with_config(dir, BAD_UTF8) == NULL);
    EXPECT_INVALID(bex_engine_new_with_config(dir, "{") == NULL);
    EXPECT_INVALID(bex_engine_new_with_config(dir, "[]") == NULL);
    EXPECT_INVALID(bex_engine_new_with_config(dir, "{\"max_executionz\": 3}") == NULL);
    EXPECT_INVALID(bex_engine_new_with_config(dir, "{\"lanes\": {\"turbo\": {}}}") == NULL);
    EXPECT_INVALID(bex_engine_new_with_config(dir, "{\"lanes\": {\"user\": {\"workerz\": 1}}}") ==
                   NULL);
    EXPECT_INVALID(bex_engine_new_with_config(dir, "{\"breaker\": {\"threshold\": -1}}") == NULL);
    /* NULL config means defaults. */
    BexEngine *other = bex_engine_new_with_config(dir, NULL);
    CHECK(other != NULL, "bex_engine_new_with_config(dir, NULL) failed");
    CHECK(bex_engine_free(other) == 0, "freeing the default-config engine");
    EXPECT_NOOP(CHECK(bex_engine_free(NULL) == 0, "bex_engine_free(NULL) != 0"));
    EXPECT_NOOP(bex_string_free(NULL));
    EXPECT_NOOP(bex_plugin_info_free(NULL));
    EXPECT_NOOP(bex_plugin_info_list_free((BexPluginInfoList){NULL, 0}));

    /* Log callback, stats. */
    EXPECT_INVALID(bex_engine_set_log_callback(NULL, NULL, NULL) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    CHECK(bex_engine_set_log_callback(e, NULL, NULL) == 0, "removing the log callback");
    EXPECT_INVALID(bex_engine_stats(NULL) == NULL);

    /* Plugin management. */
    EXPECT_INVALID(bex_engine_install(NULL, path) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_install(e, NULL) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_install(e, BAD_UTF8) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_install_force(NULL, path, true) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_install_force(e, NULL, true) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_install_force(e, BAD_UTF8, true) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_uninstall(NULL, HOSTILE) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_uninstall(e, NULL) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_uninstall(e, BAD_UTF8) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    BexPluginInfoList list;
    EXPECT_INVALID((list = bex_engine_list_plugins(NULL), list.len == 0 && list.items == NULL));
    EXPECT_INVALID(bex_engine_enable(NULL, HOSTILE) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_enable(e, NULL) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_enable(e, BAD_UTF8) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_disable(NULL, HOSTILE) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_disable(e, NULL) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_disable(e, BAD_UTF8) == BEX_ERROR_CODE_INVALID_ARGUMENT);

    /* plugin_info writes `out` only on success. */
    BexPluginInfo info;
    memset(&info, 0x5a, sizeof info);
    BexPluginInfo untouched = info;
    EXPECT_INVALID(bex_engine_plugin_info(NULL, HOSTILE, &info) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_plugin_info(e, NULL, &info) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_plugin_info(e, BAD_UTF8, &info) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_plugin_info(e, "Not An Id!", &info) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_plugin_info(e, HOSTILE, NULL) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    CHECK(memcmp(&info, &untouched, sizeof info) == 0, "plugin_info wrote out on a failure");
    CHECK(bex_engine_plugin_info(e, "bex.no-such", &info) == BEX_ERROR_CODE_NOT_FOUND,
          "plugin_info of an unknown plugin is not NOT_FOUND");
    CHECK(memcmp(&info, &untouched, sizeof info) == 0, "plugin_info wrote out on NOT_FOUND");
    if (CHECK(bex_engine_plugin_info(e, HOSTILE, &info) == 0, "plugin_info " HOSTILE)) {
        bex_plugin_info_free(&info);
        CHECK(info.id == NULL && info.name == NULL && info.hosts == NULL,
              "bex_plugin_info_free left a string set");
        bex_plugin_info_free(&info); /* a second free is a no-op */
    }

    /* Secrets. */
    EXPECT_INVALID(bex_engine_secret_set(NULL, HOSTILE, "api-key", "v") ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_set(e, NULL, "api-key", "v") ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_set(e, BAD_UTF8, "api-key", "v") ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_set(e, HOSTILE, NULL, "v") ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_set(e, HOSTILE, BAD_UTF8, "v") ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_set(e, HOSTILE, "api-key", NULL) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_set(e, HOSTILE, "api-key", BAD_UTF8) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    CHECK(bex_engine_secret_set(e, HOSTILE, "api-key", "v") == 0, "secret_set");
    char buf[16];
    EXPECT_INVALID(bex_engine_secret_get(NULL, HOSTILE, "api-key", buf, sizeof buf) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_get(e, NULL, "api-key", buf, sizeof buf) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_get(e, BAD_UTF8, "api-key", buf, sizeof buf) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_get(e, HOSTILE, NULL, buf, sizeof buf) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_get(e, HOSTILE, BAD_UTF8, buf, sizeof buf) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_get(e, HOSTILE, "api-key", NULL, 16) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_delete(NULL, HOSTILE, "api-key") ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_delete(e, NULL, "api-key") ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_delete(e, BAD_UTF8, "api-key") ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_delete(e, HOSTILE, NULL) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_delete(e, HOSTILE, BAD_UTF8) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_keys(NULL, HOSTILE) == NULL);
    EXPECT_INVALID(bex_engine_secret_keys(e, NULL) == NULL);
    EXPECT_INVALID(bex_engine_secret_keys(e, BAD_UTF8) == NULL);

    /* Every submit function: the arguments they share. A valid submit of
     * each first, so the refusals below are about the argument alone. */
    slot_t *valid = slots_new(c, N_SUBMITS);
    for (size_t i = 0; i < N_SUBMITS; i++) {
        uint64_t id = SUBMITS[i].fn(e, HOSTILE, on_result, &valid[i]);
        atomic_store(&valid[i].id, id);
        if (!CHECK(id != 0, "%s with valid arguments was refused", SUBMITS[i].name)) {
            print_last_error(SUBMITS[i].name);
        }
        EXPECT_INVALID(SUBMITS[i].fn(NULL, HOSTILE, on_forbidden, ud) == 0);
        EXPECT_INVALID(SUBMITS[i].fn(e, NULL, on_forbidden, ud) == 0);
        EXPECT_INVALID(SUBMITS[i].fn(e, BAD_UTF8, on_forbidden, ud) == 0);
        EXPECT_INVALID(SUBMITS[i].fn(e, "Not An Id!", on_forbidden, ud) == 0);
        EXPECT_INVALID(SUBMITS[i].fn(e, HOSTILE, NULL, ud) == 0);
    }
    /* Their own arguments. */
    BexResultCallback cb = on_forbidden;
    EXPECT_INVALID(bex_submit_search(e, HOSTILE, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_search(e, HOSTILE, BAD_UTF8, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_info(e, HOSTILE, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_info(e, HOSTILE, BAD_UTF8, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_servers(e, HOSTILE, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_servers(e, HOSTILE, BAD_UTF8, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_stream(e, HOSTILE, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_stream(e, HOSTILE, BAD_UTF8, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_stream(e, HOSTILE, "{\"id\":", cb, ud) == 0);
    EXPECT_INVALID(bex_submit_category(e, HOSTILE, NULL, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_category(e, HOSTILE, BAD_UTF8, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_category(e, HOSTILE, "all", BAD_UTF8, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_search_page(e, HOSTILE, NULL, NULL, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_search_page(e, HOSTILE, BAD_UTF8, NULL, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_search_page(e, HOSTILE, "ok", BAD_UTF8, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_search_page(e, HOSTILE, "ok", "{", NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_search_page(e, HOSTILE, "ok", NULL, BAD_UTF8, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_subtitles(e, HOSTILE, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_subtitles(e, HOSTILE, BAD_UTF8, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_subtitles(e, HOSTILE, "{\"title\"", cb, ud) == 0);
    EXPECT_INVALID(bex_submit_subtitle_download(e, HOSTILE, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_subtitle_download(e, HOSTILE, BAD_UTF8, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_articles(e, HOSTILE, BAD_UTF8, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_article_search(e, HOSTILE, NULL, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_article_search(e, HOSTILE, BAD_UTF8, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit_article_search(e, HOSTILE, "q", BAD_UTF8, cb, ud) == 0);
    const char *args = "{\"query\":\"ok\"}";
    EXPECT_INVALID(bex_submit(e, HOSTILE, NULL, args, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit(e, HOSTILE, BAD_UTF8, args, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit(e, HOSTILE, "no_such_operation", args, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit(e, HOSTILE, "search", BAD_UTF8, NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit(e, HOSTILE, "search", "{\"query\":", NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit(e, HOSTILE, "search", "[]", NULL, cb, ud) == 0);
    EXPECT_INVALID(bex_submit(e, HOSTILE, "search", "{\"query\":\"ok\",\"x\":1}", NULL, cb, ud) ==
                   0);
    EXPECT_INVALID(bex_submit(e, HOSTILE, "search", NULL, NULL, cb, ud) == 0); /* no query */
    BexRequestOptions bad = {0};
    const int32_t bad_lanes[] = {99, -1, 4, INT32_MIN};
    for (size_t i = 0; i < sizeof bad_lanes / sizeof bad_lanes[0]; i++) {
        bad.lane = bad_lanes[i];
        EXPECT_INVALID(bex_submit(e, HOSTILE, "search", args, &bad, cb, ud) == 0);
    }
    bad = (BexRequestOptions){.lane = BEX_LANE_USER, .locale = BAD_UTF8};
    EXPECT_INVALID(bex_submit(e, HOSTILE, "search", args, &bad, cb, ud) == 0);
    bad = (BexRequestOptions){.lane = BEX_LANE_USER, .region = BAD_UTF8};
    EXPECT_INVALID(bex_submit(e, HOSTILE, "search", args, &bad, cb, ud) == 0);
    bad = (BexRequestOptions){.lane = BEX_LANE_USER, .request_id = BAD_UTF8};
    EXPECT_INVALID(bex_submit(e, HOSTILE, "search", args, &bad, cb, ud) == 0);

    /* Cancelling: a NULL engine or an unknown id cancels nothing. */
    CHECK(bex_cancel_request(NULL, 1) == BEX_CANCEL_RESULT_NOT_FOUND, "cancel with NULL engine");
    CHECK(bex_cancel_request(e, 0) == BEX_CANCEL_RESULT_NOT_FOUND, "cancel of id 0");
    CHECK(bex_cancel_request(e, UINT64_MAX) == BEX_CANCEL_RESULT_NOT_FOUND,
          "cancel of an unknown id");

    /* The valid submits all complete, the refused ones never call back. */
    CHECK(waiter_wait(&c->done, (long)N_SUBMITS, WAIT_S), "valid submits: %ld of %zu callbacks",
          waiter_count(&c->done), N_SUBMITS);
    free_engine(c);
    g_prime = NULL;
    check_exactly_once("valid submits", valid, N_SUBMITS);
    for (size_t i = 0; i < N_SUBMITS; i++) {
        bool ok = atomic_load(&valid[i].success);
        CHECK(ok == SUBMITS[i].succeeds, "%s: success %d, want %d: %s", SUBMITS[i].name, ok,
              SUBMITS[i].succeeds, outcome(&valid[i]));
    }
    CHECK(failed_with(&valid[2], "PLUGIN_ERROR") && contains(valid[2].payload, "not_found"),
          "bex_submit_info: want PLUGIN_ERROR not_found, got %s", outcome(&valid[2]));
    CHECK(atomic_load(&g_forbidden_calls) == 0, "%d refused submits got a callback",
          atomic_load(&g_forbidden_calls));
    check_ctx_clean("invalid_arguments", c);
    slots_free(valid, N_SUBMITS);
    waiter_destroy(&c->done);
}

/* ---- 2. many mixed submissions with random cancels ------------------- */

#define MIXED 2000

static uint64_t g_rng;
static uint32_t rnd(uint32_t n) {
    g_rng = g_rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(g_rng >> 33) % n;
}

/* Cancels slot S, checking the answer against what earlier cancels of it
 * said. */
static void cancel_slot(BexEngine *e, slot_t *s) {
    uint64_t id = atomic_load(&s->id);
    int r = bex_cancel_request(e, id);
    CHECK(r >= BEX_CANCEL_RESULT_NOT_FOUND && r <= BEX_CANCEL_RESULT_RUNNING,
          "cancel %llu: answer %d", (unsigned long long)id, r);
    if (s->cancel_first < 0) {
        s->cancel_first = r;
    } else if (s->cancel_first == BEX_CANCEL_RESULT_RUNNING) {
        CHECK(r != BEX_CANCEL_RESULT_QUEUED, "cancel %llu again: QUEUED after RUNNING",
              (unsigned long long)id);
    } else {
        CHECK(r == BEX_CANCEL_RESULT_NOT_FOUND, "cancel %llu again: %d after %d, want NOT_FOUND",
              (unsigned long long)id, r, s->cancel_first);
    }
}

static ctx_t g_ctx2;

static void test_mixed_submissions(void) {
    atomic_store(&g_test, "mixed_submissions");
    ctx_t *c = &g_ctx2;
    ctx_init(c);
    c->engine = open_engine("mixed", "{\"limits\": {\"timeout_ms\": 20000}, \"lanes\": {"
                                     "\"control\": {\"capacity\": 4096},"
                                     "\"user\": {\"capacity\": 4096},"
                                     "\"background\": {\"capacity\": 4096}}}");
    if (c->engine == NULL || !install(c->engine, "hostile")) {
        bex_engine_free(c->engine);
        return;
    }
    BexEngine *e = c->engine;
    slot_t *s = slots_new(c, MIXED);
    long accepted = 0;
    static const int32_t lanes[] = {BEX_LANE_CONTROL, BEX_LANE_USER, BEX_LANE_BACKGROUND,
                                    BEX_LANE_DEFAULT};
    for (int i = 0; i < MIXED; i++) {
        uint64_t id;
        int kind = i % 6;
        char request_id[32];
        snprintf(request_id, sizeof request_id, "c-%d", i);
        if (kind < 4) {
            BexRequestOptions o = {.lane = lanes[kind],
                                   .locale = i % 2 ? "en-US" : NULL,
                                   .request_id = i % 3 ? request_id : NULL};
            id = bex_submit(e, HOSTILE, "search", "{\"query\":\"ok\"}", &o, on_result, &s[i]);
        } else if (kind == 4) {
            id = bex_submit_search(e, HOSTILE, "ok", on_result, &s[i]);
        } else {
            id = bex_submit_home(e, HOSTILE, on_result, &s[i]);
        }
        atomic_store(&s[i].id, id);
        if (id == 0) {
            s[i].refused_code = bex_engine_last_error_code(NULL);
            CHECK(false, "submit %d refused", i);
            print_last_error("submit");
            continue;
        }
        accepted++;
        uint32_t dice = rnd(8);
        if (dice < 2) { /* cancel at once, and sometimes twice */
            cancel_slot(e, &s[i]);
            if (dice == 0) {
                cancel_slot(e, &s[i]);
            }
        } else if (dice == 2 && i > 0) { /* cancel an earlier one */
            slot_t *earlier = &s[rnd((uint32_t)i)];
            if (atomic_load(&earlier->id) != 0) {
                cancel_slot(e, earlier);
            }
        }
    }
    CHECK(waiter_wait(&c->done, accepted, WAIT_S), "%ld of %ld callbacks within %.0f s",
          waiter_count(&c->done), accepted, WAIT_S);
    /* A cancel after the callback finds nothing. */
    CHECK(bex_cancel_request(e, atomic_load(&s[0].id)) == BEX_CANCEL_RESULT_NOT_FOUND,
          "cancel after the callback");
    free_engine(c);
    check_exactly_once("mixed", s, MIXED);
    int queued = 0, running = 0, late = 0, wrong = 0;
    for (int i = 0; i < MIXED; i++) {
        slot_t *x = &s[i];
        if (atomic_load(&x->calls) == 0) {
            continue;
        }
        bool ok = atomic_load(&x->success);
        const char *title = i % 6 == 5 ? "\"title\":\"home\"" : "\"title\":\"ok\"";
        bool succeeded = ok && contains(x->payload, title);
        bool cancelled = failed_with(x, "CANCELLED");
        bool right;
        switch (x->cancel_first) {
        case BEX_CANCEL_RESULT_QUEUED: /* dropped before it ran */
            queued++;
            right = cancelled;
            break;
        case BEX_CANCEL_RESULT_RUNNING: /* either, depending on who won */
            running++;
            right = cancelled || succeeded;
            break;
        case BEX_CANCEL_RESULT_NOT_FOUND: /* already finished */
            late++;
            right = succeeded;
            break;
        default: /* never cancelled */
            right = succeeded;
        }
        if (!right && wrong++ < 5) {
            fprintf(stderr, "     request %d (cancel answer %d): %s\n", i, x->cancel_first,
                    outcome(x));
        }
    }
    CHECK(wrong == 0, "%d requests had the wrong outcome for their cancel answer", wrong);
    CHECK(queued > 0, "no cancel found its request queued (of %d submits)", MIXED);
    printf("  mixed: %ld accepted; cancels answered queued %d, running %d, too late %d\n",
           accepted, queued, running, late);
    check_ctx_clean("mixed", c);
    slots_free(s, MIXED);
    waiter_destroy(&c->done);
}

/* ---- 3. free with 100 requests in flight -------------------------------- */

static ctx_t g_ctx3;

static void test_free_in_flight(void) {
    atomic_store(&g_test, "free_in_flight");
    ctx_t *c = &g_ctx3;
    ctx_init(c);
    c->engine = open_engine("in-flight", "{\"limits\": {\"timeout_ms\": 20000},"
                                         "\"lanes\": {\"user\": {\"workers\": 4}}}");
    if (c->engine == NULL || !install(c->engine, "hostile")) {
        bex_engine_free(c->engine);
        return;
    }
    enum { N = 100 };
    slot_t *s = slots_new(c, N);
    for (int i = 0; i < N; i++) {
        uint64_t id = bex_submit_search(c->engine, HOSTILE, "loop", on_result, &s[i]);
        atomic_store(&s[i].id, id);
        CHECK(id != 0, "submit loop %d refused", i);
    }
    /* Every worker is inside a loop; the rest wait in the queue. */
    CHECK(wait_lane_stat(c->engine, "user", "in_flight", 4), "the 4 user workers never all ran");
    CHECK(waiter_count(&c->done) == 0, "a loop finished before the free");
    free_engine(c);
    long delivered = waiter_count(&c->done);
    CHECK(delivered == N, "%ld of %d callbacks delivered when bex_engine_free returned", delivered,
          N);
    check_exactly_once("free_in_flight", s, N);
    int not_cancelled = 0;
    for (int i = 0; i < N; i++) {
        not_cancelled += !failed_with(&s[i], "CANCELLED");
    }
    CHECK(not_cancelled == 0, "%d requests not reported CANCELLED (first: %s)", not_cancelled,
          outcome(&s[0]));
    check_ctx_clean("free_in_flight", c);
    slots_free(s, N);
    waiter_destroy(&c->done);
}

/* ---- 4. free from another thread while callbacks run -------------------- */

#define RACE_SLOTS 20000

typedef struct {
    ctx_t ctx;
    slot_t *slots;
    atomic_long next;        /* next free slot */
    atomic_bool stop_a;      /* thread A stops submitting */
    atomic_int bad_refusal;  /* refusals that were not NOT_READY */
    atomic_int resubmitted;  /* accepted from callbacks */
    atomic_int not_ready;    /* refused from callbacks with NOT_READY */
    atomic_long work;        /* the callbacks' "little work" */
} race_t;

static race_t g_race;

static slot_t *race_slot(void) {
    long i = atomic_fetch_add(&g_race.next, 1);
    return i < RACE_SLOTS ? &g_race.slots[i] : NULL;
}

static void on_race(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
                    size_t len) {
    slot_t *s = record(user_data, request_id, success, payload, len);
    long sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum += payload[i];
    }
    atomic_fetch_add(&g_race.work, sum);
    slot_t *next = race_slot();
    if (next != NULL) {
        /* The engine may be shutting down: this races bex_engine_free. */
        uint64_t id = bex_submit_search(g_race.ctx.engine, HOSTILE, "ok", on_race, next);
        atomic_store(&next->id, id);
        if (id != 0) {
            atomic_fetch_add(&g_race.resubmitted, 1);
        } else {
            next->refused_code = bex_engine_last_error_code(NULL);
            if (next->refused_code == BEX_ERROR_CODE_NOT_READY) {
                atomic_fetch_add(&g_race.not_ready, 1);
            } else {
                atomic_fetch_add(&g_race.bad_refusal, 1);
            }
        }
    }
    waiter_add(&s->ctx->done);
}

/* Thread A: keeps about 64 requests outstanding until told to stop. */
static void *race_submitter(void *arg) {
    (void)arg;
    long accepted = 0;
    while (!atomic_load(&g_race.stop_a)) {
        if (accepted - waiter_count(&g_race.ctx.done) > 64) {
            sched_yield();
            continue;
        }
        slot_t *s = race_slot();
        if (s == NULL) {
            break;
        }
        uint64_t id = bex_submit_search(g_race.ctx.engine, HOSTILE, "ok", on_race, s);
        atomic_store(&s->id, id);
        if (id == 0) {
            s->refused_code = bex_engine_last_error_code(NULL);
            atomic_fetch_add(&g_race.bad_refusal, 1);
        } else {
            accepted++;
        }
    }
    return NULL;
}

static pthread_t g_thread_a;

/* Thread B: once callbacks are flowing, stops A and frees the engine. */
static void *race_freer(void *arg) {
    (void)arg;
    CHECK(waiter_wait(&g_race.ctx.done, 200, WAIT_S), "only %ld callbacks before the free",
          waiter_count(&g_race.ctx.done));
    /* The header forbids any other call once bex_engine_free began, so A
     * stops right before it; the callbacks keep submitting through it. */
    atomic_store(&g_race.stop_a, true);
    pthread_join(g_thread_a, NULL);
    free_engine(&g_race.ctx);
    return NULL;
}

static void test_free_from_other_thread(void) {
    atomic_store(&g_test, "free_from_other_thread");
    race_t *r = &g_race;
    ctx_init(&r->ctx);
    r->ctx.engine = open_engine("race", "{\"limits\": {\"timeout_ms\": 20000}, \"lanes\": {"
                                        "\"user\": {\"capacity\": 4096}}}");
    if (r->ctx.engine == NULL || !install(r->ctx.engine, "hostile")) {
        bex_engine_free(r->ctx.engine);
        return;
    }
    r->slots = slots_new(&r->ctx, RACE_SLOTS);
    pthread_t b;
    pthread_create(&g_thread_a, NULL, race_submitter, NULL);
    pthread_create(&b, NULL, race_freer, NULL);
    pthread_join(b, NULL);
    long used = atomic_load(&r->next);
    size_t n = used < RACE_SLOTS ? (size_t)used : RACE_SLOTS;
    check_exactly_once("free_from_other_thread", r->slots, n);
    long accepted = 0, wrong = 0;
    for (size_t i = 0; i < n; i++) {
        slot_t *s = &r->slots[i];
        if (atomic_load(&s->id) == 0) {
            continue;
        }
        accepted++;
        bool ok = atomic_load(&s->success) && contains(s->payload, "\"title\":\"ok\"");
        if (!ok && !failed_with(s, "CANCELLED") && wrong++ < 5) {
            fprintf(stderr, "     request %zu: %s\n", i, outcome(s));
        }
    }
    CHECK(wrong == 0, "%ld requests neither succeeded nor were CANCELLED", wrong);
    CHECK(atomic_load(&r->bad_refusal) == 0, "%d submits refused with another code than NOT_READY",
          atomic_load(&r->bad_refusal));
    CHECK(accepted == waiter_count(&r->ctx.done), "%ld accepted, %ld callbacks", accepted,
          waiter_count(&r->ctx.done));
    printf("  race: %ld accepted (%d from callbacks), %d refused NOT_READY during shutdown\n",
           accepted, atomic_load(&r->resubmitted), atomic_load(&r->not_ready));
    check_ctx_clean("free_from_other_thread", &r->ctx);
    slots_free(r->slots, RACE_SLOTS);
    waiter_destroy(&r->ctx.done);
}

/* ---- 5. callbacks that submit, and one that tries to free --------------- */

#define CHAIN 20

typedef struct {
    ctx_t ctx;
    slot_t slots[CHAIN];
    atomic_int links; /* submitted so far */
    atomic_int chain_refused;
    slot_t self;      /* the request whose callback frees the engine */
    int free_rc;      /* what bex_engine_free returned inside it */
    int free_code;    /* the callback thread's last error code then */
} chain_t;

static chain_t g_chain;

static void on_chain(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
                     size_t len) {
    slot_t *s = record(user_data, request_id, success, payload, len);
    int n = atomic_load(&g_chain.links);
    if (n < CHAIN) {
        slot_t *next = &g_chain.slots[n];
        atomic_store(&g_chain.links, n + 1);
        uint64_t id = bex_submit_search(g_chain.ctx.engine, HOSTILE, "ok", on_chain, next);
        atomic_store(&next->id, id);
        if (id == 0) {
            atomic_fetch_add(&g_chain.chain_refused, 1);
        }
    }
    waiter_add(&s->ctx->done);
}

static void on_self_free(void *user_data, uint64_t request_id, bool success,
                         const uint8_t *payload, size_t len) {
    slot_t *s = record(user_data, request_id, success, payload, len);
    g_chain.free_rc = bex_engine_free(g_chain.ctx.engine);
    g_chain.free_code = bex_engine_last_error_code(NULL);
    waiter_add(&s->ctx->done);
}

static void test_callbacks_submit_and_free(void) {
    atomic_store(&g_test, "callbacks_submit_and_free");
    chain_t *ch = &g_chain;
    ctx_t *c = &ch->ctx;
    ctx_init(c);
    c->engine = open_engine("chain", "{\"limits\": {\"timeout_ms\": 20000}}");
    if (c->engine == NULL || !install(c->engine, "hostile")) {
        bex_engine_free(c->engine);
        return;
    }
    for (int i = 0; i < CHAIN; i++) {
        ch->slots[i].ctx = c;
        ch->slots[i].cancel_first = -1;
    }
    atomic_store(&ch->links, 1);
    uint64_t first = bex_submit_search(c->engine, HOSTILE, "ok", on_chain, &ch->slots[0]);
    atomic_store(&ch->slots[0].id, first);
    CHECK(first != 0, "first link refused");
    CHECK(waiter_wait(&c->done, CHAIN, WAIT_S), "chain: %ld of %d links called back",
          waiter_count(&c->done), CHAIN);
    CHECK(atomic_load(&ch->links) == CHAIN && atomic_load(&ch->chain_refused) == 0,
          "chain: %d links submitted, %d refused", atomic_load(&ch->links),
          atomic_load(&ch->chain_refused));
    int ok = 0;
    for (int i = 0; i < CHAIN; i++) {
        ok += atomic_load(&ch->slots[i].success) &&
              contains(ch->slots[i].payload, "\"title\":\"ok\"");
    }
    CHECK(ok == CHAIN, "chain: %d of %d links succeeded", ok, CHAIN);

    /* A callback freeing its own engine is refused; the engine lives on. */
    ch->self.ctx = c;
    long before = waiter_count(&c->done);
    uint64_t id = bex_submit_search(c->engine, HOSTILE, "ok", on_self_free, &ch->self);
    atomic_store(&ch->self.id, id);
    CHECK(id != 0, "self-free request refused");
    CHECK(waiter_wait(&c->done, before + 1, WAIT_S), "no callback for the self-free request");
    CHECK(ch->free_rc == BEX_ERROR_CODE_NOT_READY && ch->free_code == BEX_ERROR_CODE_NOT_READY,
          "bex_engine_free inside a callback: %d, last error %d, want NOT_READY", ch->free_rc,
          ch->free_code);
    expect_title(c, HOSTILE, "ok", "ok");
    BexPluginInfoList list = bex_engine_list_plugins(c->engine);
    CHECK(list.len == 1, "list after the refused free: %zu plugins", list.len);
    bex_plugin_info_list_free(list);
    free_engine(c);
    check_exactly_once("chain", ch->slots, CHAIN);
    check_exactly_once("self-free", &ch->self, 1);
    check_ctx_clean("callbacks_submit_and_free", c);
    for (int i = 0; i < CHAIN; i++) {
        slot_release(&ch->slots[i]);
    }
    slot_release(&ch->self);
    waiter_destroy(&c->done);
}

/* ---- 6. the circuit breaker ------------------------------------------- */

#define COOLDOWN_MS 1000

static ctx_t g_ctx6;

static void test_circuit_breaker(void) {
    atomic_store(&g_test, "circuit_breaker");
    ctx_t *c = &g_ctx6;
    ctx_init(c);
    char config[256];
    snprintf(config, sizeof config,
             "{\"breaker\": {\"threshold\": 2, \"cooldown_ms\": %d},"
             " \"limits\": {\"timeout_ms\": 20000}}",
             COOLDOWN_MS);
    BexEngine *e = c->engine = open_engine("breaker", config);
    if (e == NULL || !install(e, "hostile") || !install(e, "hostile2")) {
        bex_engine_free(e);
        return;
    }
    /* Both loaded first, so the timed part below only runs calls. */
    expect_title(c, HOSTILE, "ok", "ok");
    expect_title(c, HOSTILE2, "ok", "ok");

    expect_error(c, HOSTILE, "panic:one", "PLUGIN_FAULT");
    CHECK(breaker_of(e, HOSTILE) == BEX_BREAKER_STATE_CLOSED, "breaker open after one fault");
    expect_error(c, HOSTILE, "panic:two", "PLUGIN_FAULT");
    double opened = now_s();
    expect_error(c, HOSTILE, "ok", "CIRCUIT_OPEN");
    int state = breaker_of(e, HOSTILE);
    double elapsed_ms = (now_s() - opened) * 1000;
    CHECK(elapsed_ms < COOLDOWN_MS, "the open checks took %.0f ms, longer than the cooldown",
          elapsed_ms);
    CHECK(state == BEX_BREAKER_STATE_OPEN, "breaker state %d after two faults, want OPEN", state);
    expect_title(c, HOSTILE2, "ok", "ok");
    CHECK(breaker_of(e, HOSTILE2) == BEX_BREAKER_STATE_CLOSED, HOSTILE2 " breaker not CLOSED");

    /* After the cooldown: half open, and one good call closes it. */
    double deadline = now_s() + WAIT_S;
    while ((state = breaker_of(e, HOSTILE)) == BEX_BREAKER_STATE_OPEN && now_s() < deadline) {
        sched_yield();
    }
    elapsed_ms = (now_s() - opened) * 1000;
    CHECK(state == BEX_BREAKER_STATE_HALF_OPEN, "breaker state %d after the cooldown", state);
    CHECK(elapsed_ms >= COOLDOWN_MS / 2, "half open after %.0f ms, cooldown %d ms", elapsed_ms,
          COOLDOWN_MS);
    expect_title(c, HOSTILE, "ok", "ok");
    CHECK(breaker_of(e, HOSTILE) == BEX_BREAKER_STATE_CLOSED, "breaker not CLOSED after the probe");

    /* Disable then enable closes an open breaker at once. */
    expect_error(c, HOSTILE, "panic:3", "PLUGIN_FAULT");
    expect_error(c, HOSTILE, "panic:4", "PLUGIN_FAULT");
    opened = now_s();
    CHECK(breaker_of(e, HOSTILE) == BEX_BREAKER_STATE_OPEN, "breaker not OPEN again");
    CHECK(bex_engine_disable(e, HOSTILE) == 0, "disable");
    expect_error(c, HOSTILE, "ok", "DISABLED");
    BexPluginInfo info;
    if (CHECK(bex_engine_plugin_info(e, HOSTILE, &info) == 0, "plugin_info")) {
        CHECK(!info.enabled, "disabled plugin reported enabled");
        bex_plugin_info_free(&info);
    }
    CHECK(bex_engine_enable(e, HOSTILE) == 0, "enable");
    CHECK(breaker_of(e, HOSTILE) == BEX_BREAKER_STATE_CLOSED, "breaker not CLOSED after enable");
    expect_title(c, HOSTILE, "ok", "ok");
    elapsed_ms = (now_s() - opened) * 1000;
    CHECK(elapsed_ms < COOLDOWN_MS, "the reset checks took %.0f ms, longer than the cooldown",
          elapsed_ms);
    free_engine(c);
    check_ctx_clean("circuit_breaker", c);
    waiter_destroy(&c->done);
}

/* ---- 7. BUSY, and cancel answers --------------------------------------- */

static ctx_t g_ctx7;

static void test_busy_and_cancel(void) {
    atomic_store(&g_test, "busy_and_cancel");
    ctx_t *c = &g_ctx7;
    ctx_init(c);
    BexEngine *e = c->engine =
        open_engine("busy", "{\"limits\": {\"timeout_ms\": 20000}, \"lanes\": {"
                            "\"background\": {\"workers\": 1, \"capacity\": 2}}}");
    if (e == NULL || !install(e, "hostile")) {
        bex_engine_free(e);
        return;
    }
    slot_t *s = slots_new(c, 5);
    BexRequestOptions bg = {.lane = BEX_LANE_BACKGROUND};
    const char *loop = "{\"query\":\"loop\"}";
    uint64_t id;
    id = bex_submit(e, HOSTILE, "search", loop, &bg, on_result, &s[0]);
    atomic_store(&s[0].id, id);
    CHECK(id != 0, "first loop refused");
    CHECK(wait_lane_stat(e, "background", "in_flight", 1), "the first loop never ran");
    for (int i = 1; i <= 2; i++) {
        id = bex_submit(e, HOSTILE, "search", loop, &bg, on_result, &s[i]);
        atomic_store(&s[i].id, id);
        CHECK(id != 0, "loop %d refused", i + 1);
    }
    CHECK(lane_stat(e, "background", "queued") == 2, "background queued %ld, want 2",
          lane_stat(e, "background", "queued"));
    /* Primed with another code, so BUSY below comes from this submit. */
    CHECK(bex_engine_uninstall(e, "bex.no-such-plugin") == BEX_ERROR_CODE_NOT_FOUND, "priming");
    id = bex_submit(e, HOSTILE, "search", loop, &bg, on_forbidden, &s[3]);
    int code = bex_engine_last_error_code(NULL);
    char *msg = bex_engine_last_error(NULL);
    CHECK(id == 0 && code == BEX_ERROR_CODE_BUSY, "4th background submit: id %llu, code %d",
          (unsigned long long)id, code);
    CHECK(contains(msg, "BUSY: "), "BUSY message: %s", msg ? msg : "(null)");
    bex_string_free(msg);
    CHECK(lane_stat(e, "background", "rejected") == 1, "background rejected %ld, want 1",
          lane_stat(e, "background", "rejected"));
    /* Other lanes are not affected. */
    expect_title(c, HOSTILE, "ok", "ok");
    long before = waiter_count(&c->done);

    CHECK(bex_cancel_request(e, atomic_load(&s[2].id)) == BEX_CANCEL_RESULT_QUEUED,
          "cancel of a queued request");
    CHECK(bex_cancel_request(e, atomic_load(&s[1].id)) == BEX_CANCEL_RESULT_QUEUED,
          "cancel of a queued request");
    CHECK(bex_cancel_request(e, atomic_load(&s[2].id)) == BEX_CANCEL_RESULT_NOT_FOUND,
          "cancel of a dropped request again");
    /* Cancelled requests give their place in the lane back at once, while
     * the worker is still busy with the running one. */
    CHECK(lane_stat(e, "background", "queued") == 0, "queued %ld after the cancels, want 0",
          lane_stat(e, "background", "queued"));
    id = bex_submit(e, HOSTILE, "search", "{\"query\":\"ok\"}", &bg, on_result, &s[4]);
    atomic_store(&s[4].id, id);
    if (!CHECK(id != 0, "background submit after the cancels refused")) {
        print_last_error("submit");
    }
    CHECK(bex_cancel_request(e, atomic_load(&s[0].id)) == BEX_CANCEL_RESULT_RUNNING,
          "cancel of the running request");
    CHECK(waiter_wait(&c->done, before + 4, WAIT_S), "%ld of 4 callbacks",
          waiter_count(&c->done) - before);
    for (int i = 0; i < 3; i++) {
        CHECK(failed_with(&s[i], "CANCELLED"), "loop %d: %s", i + 1, outcome(&s[i]));
        CHECK(bex_cancel_request(e, atomic_load(&s[i].id)) == BEX_CANCEL_RESULT_NOT_FOUND,
              "cancel of loop %d after its callback", i + 1);
    }
    CHECK(atomic_load(&s[4].success) && contains(s[4].payload, "\"title\":\"ok\""),
          "background ok: %s", outcome(&s[4]));
    free_engine(c);
    check_exactly_once("busy", s, 5);
    check_ctx_clean("busy_and_cancel", c);
    slots_free(s, 5);
    waiter_destroy(&c->done);
}

/* ---- 8. cancel inside a slow loopback HTTP response -------------------- */

/* A server that reads one request and never answers. */
typedef struct {
    int listen_fd;
    waiter_t events; /* 1: the request's headers arrived; 2: the client left */
    char request[4096];
    int error;       /* where it gave up, 0 if it did not */
} slow_server_t;

static slow_server_t g_slow;

static bool wait_readable(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, (int)(WAIT_S * 1000)) == 1;
}

static void *slow_server(void *arg) {
    (void)arg;
    slow_server_t *s = &g_slow;
    int fd = -1;
    if (!wait_readable(s->listen_fd) || (fd = accept(s->listen_fd, NULL, NULL)) < 0) {
        s->error = 1;
        goto out;
    }
    size_t used = 0;
    while (strstr(s->request, "\r\n\r\n") == NULL) {
        if (used + 1 >= sizeof s->request || !wait_readable(fd)) {
            s->error = 2;
            goto out;
        }
        ssize_t n = recv(fd, s->request + used, sizeof s->request - 1 - used, 0);
        if (n <= 0) {
            s->error = 3;
            goto out;
        }
        used += (size_t)n;
        s->request[used] = '\0';
    }
    waiter_add(&s->events);
    /* Never answer: block until the client goes away. */
    for (;;) {
        char sink[512];
        if (!wait_readable(fd)) {
            s->error = 4;
            break;
        }
        if (recv(fd, sink, sizeof sink, 0) <= 0) {
            break;
        }
    }
out:
    if (fd >= 0) {
        close(fd);
    }
    while (waiter_count(&s->events) < 2) {
        waiter_add(&s->events);
    }
    return NULL;
}

static ctx_t g_ctx8;

static void test_cancel_slow_http(void) {
    atomic_store(&g_test, "cancel_slow_http");
    ctx_t *c = &g_ctx8;
    ctx_init(c);
    slow_server_t *srv = &g_slow;
    memset(srv, 0, sizeof *srv);
    waiter_init(&srv->events);
    srv->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t addr_len = sizeof addr;
    if (!CHECK(srv->listen_fd >= 0 &&
                   bind(srv->listen_fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
                   listen(srv->listen_fd, 4) == 0 &&
                   getsockname(srv->listen_fd, (struct sockaddr *)&addr, &addr_len) == 0,
               "loopback listener: %s", strerror(errno))) {
        return;
    }
    int port = ntohs(addr.sin_port);
    BexEngine *e = c->engine =
        open_engine("slow-http", "{\"allow_private_networks\": true,"
                                 " \"resolve\": {\"api.bex.test\": [\"127.0.0.1\"]},"
                                 " \"limits\": {\"timeout_ms\": 20000}}");
    if (e == NULL || !install(e, "hostile")) {
        bex_engine_free(e);
        close(srv->listen_fd);
        return;
    }
    pthread_t server;
    pthread_create(&server, NULL, slow_server, NULL);
    char query[128];
    snprintf(query, sizeof query, "fetch:http://api.bex.test:%d/slow", port);
    slot_t s = {.ctx = c, .cancel_first = -1};
    uint64_t id = bex_submit_search(e, HOSTILE, query, on_result, &s);
    atomic_store(&s.id, id);
    CHECK(id != 0, "fetch refused");
    CHECK(waiter_wait(&srv->events, 1, WAIT_S) && srv->error == 0,
          "the request never reached the server (error %d)", srv->error);
    CHECK(contains(srv->request, "GET /slow HTTP/1.1\r\n"), "request: %s", srv->request);
    CHECK(waiter_count(&c->done) == 0, "the fetch called back before the server answered: %s",
          outcome(&s));

    double cancelled_at = now_s();
    int r = bex_cancel_request(e, id);
    CHECK(r == BEX_CANCEL_RESULT_RUNNING, "cancel of the fetch: %d, want RUNNING", r);
    CHECK(waiter_wait(&c->done, 1, WAIT_S), "no callback after the cancel");
    double took_ms = (s.at - cancelled_at) * 1000;
    CHECK(failed_with(&s, "CANCELLED"), "cancelled fetch: %s", outcome(&s));
    CHECK(took_ms <= 100.0, "the cancelled fetch called back after %.1f ms (limit 100)", took_ms);
    printf("  slow http: CANCELLED %.1f ms after the cancel\n", took_ms);
    free_engine(c);
    CHECK(waiter_wait(&srv->events, 2, WAIT_S), "the engine never closed the connection");
    pthread_join(server, NULL);
    close(srv->listen_fd);
    check_exactly_once("slow http", &s, 1);
    check_ctx_clean("cancel_slow_http", c);
    slot_release(&s);
    waiter_destroy(&srv->events);
    waiter_destroy(&c->done);
}

/* ---- 9. TVmaze, plugin management, log callback, secrets ---------------- */

static struct {
    atomic_int lines; /* "line N" messages of bex.hostile */
    atomic_int bad;   /* calls with a bad level or a NULL string */
} g_log;

static void on_log(void *user_data, int32_t level, const char *plugin_id, const char *request_id,
                   const char *message) {
    if (user_data != &g_log || level < 0 || level > 4 || plugin_id == NULL ||
        request_id == NULL || message == NULL) {
        atomic_fetch_add(&g_log.bad, 1);
        return;
    }
    if (strcmp(plugin_id, HOSTILE) == 0 && strstr(message, "line ") != NULL) {
        atomic_fetch_add(&g_log.lines, 1);
    }
}

static bool str_is(const char *got, const char *want) {
    return got != NULL && strcmp(got, want) == 0;
}

static void check_tvmaze_info(const char *what, const BexPluginInfo *p) {
    CHECK(str_is(p->id, TVMAZE) && str_is(p->name, "TVmaze") && str_is(p->version, "1.0.0"),
          "%s: id %s name %s version %s", what, p->id, p->name, p->version);
    CHECK(p->capabilities == (1 | 2 | 4 | 8), "%s: capabilities %u, want 15", what,
          p->capabilities);
    CHECK(p->enabled && p->breaker == BEX_BREAKER_STATE_CLOSED, "%s: enabled %d breaker %d", what,
          p->enabled, (int)p->breaker);
    CHECK(str_is(p->hosts, "api.tvmaze.com"), "%s: hosts %s", what, p->hosts);
    CHECK(p->description != NULL && strncmp(p->description, "TV show metadata", 16) == 0,
          "%s: description %s", what, p->description);
    CHECK(p->component_bytes > 0 && p->installed_at_ms > 1600000000000ULL &&
              p->updated_at_ms >= p->installed_at_ms,
          "%s: %llu bytes, installed %llu, updated %llu", what,
          (unsigned long long)p->component_bytes, (unsigned long long)p->installed_at_ms,
          (unsigned long long)p->updated_at_ms);
}

static ctx_t g_ctx9;

static void test_tvmaze_and_management(void) {
    atomic_store(&g_test, "tvmaze_and_management");
    ctx_t *c = &g_ctx9;
    ctx_init(c);
    char config[4096];
    if (strpbrk(g_fixtures, "\"\\") != NULL) {
        CHECK(false, "the fixtures path needs JSON escaping: %s", g_fixtures);
        return;
    }
    snprintf(config, sizeof config, "{\"replay_dir\": \"%s\", \"limits\": {\"timeout_ms\": 20000}}",
             g_fixtures);
    BexEngine *e = c->engine = open_engine("tvmaze", config);
    if (e == NULL || !install(e, "tvmaze") || !install(e, "hostile")) {
        bex_engine_free(e);
        return;
    }

    BexPluginInfoList list = bex_engine_list_plugins(e);
    if (CHECK(list.len == 2 && list.items != NULL, "list: %zu plugins, want 2", list.len)) {
        CHECK(str_is(list.items[0].id, HOSTILE), "list[0] is %s, want " HOSTILE,
              list.items[0].id);
        CHECK(list.items[0].capabilities == 255 && str_is(list.items[0].hosts, "api.bex.test"),
              "hostile: capabilities %u hosts %s", list.items[0].capabilities,
              list.items[0].hosts);
        check_tvmaze_info("list[1]", &list.items[1]);
    }
    bex_plugin_info_list_free(list);
    BexPluginInfo info;
    if (CHECK(bex_engine_plugin_info(e, TVMAZE, &info) == 0, "plugin_info " TVMAZE)) {
        check_tvmaze_info("plugin_info", &info);
        bex_plugin_info_free(&info);
    }

    /* Offline TVmaze calls, served from the recordings. */
    slot_t s;
    bool ok = call_search(c, TVMAZE, "girls", &s);
    CHECK(ok && contains(s.payload, "\"title\":\"Girls\""), "search girls: %s", outcome(&s));
    slot_release(&s);
    memset(&s, 0, sizeof s);
    s.ctx = c;
    long before = waiter_count(&c->done);
    uint64_t id = bex_submit_info(e, TVMAZE, "show:139", on_result, &s);
    atomic_store(&s.id, id);
    CHECK(id != 0, "submit info refused");
    CHECK(waiter_wait(&c->done, before + 1, WAIT_S), "no callback for info show:139");
    CHECK(atomic_load(&s.success) && contains(s.payload, "Girls") &&
              atomic_load(&s.got_id) == id,
          "info show:139: %s", outcome(&s));
    check_exactly_once("info", &s, 1);
    slot_release(&s);

    char *stats = bex_engine_stats(e);
    CHECK(contains(stats, "\"lanes\"") && contains(stats, "\"uptime_ms\"") &&
              contains(stats, "\"p50_us\"") && contains(stats, "\"" TVMAZE "\""),
          "stats: %s", stats ? stats : "(null)");
    bex_string_free(stats);

    /* Plugin log lines reach the log callback until it is removed. */
    CHECK(bex_engine_set_log_callback(e, on_log, &g_log) == 0, "set_log_callback");
    expect_title(c, HOSTILE, "log:3", "logged");
    CHECK(atomic_load(&g_log.lines) == 3, "%d log lines, want 3", atomic_load(&g_log.lines));
    CHECK(bex_engine_set_log_callback(e, NULL, NULL) == 0, "removing the log callback");
    expect_title(c, HOSTILE, "log:2", "logged");
    CHECK(atomic_load(&g_log.lines) == 3, "%d log lines after removing the callback",
          atomic_load(&g_log.lines));
    CHECK(atomic_load(&g_log.bad) == 0, "%d log calls with bad arguments",
          atomic_load(&g_log.bad));

    /* Secrets: bex.hostile declares api-key. */
    const char *value = "s3cret-value"; /* 12 bytes and a NUL */
    CHECK(bex_engine_secret_set(e, HOSTILE, "api-key", value) == 0, "secret_set");
    CHECK(bex_engine_secret_set(e, HOSTILE, "undeclared", value) != 0,
          "secret_set of an undeclared key succeeded");
    char buf[64];
    CHECK(bex_engine_secret_get(e, HOSTILE, "api-key", buf, sizeof buf) == 0 &&
              str_is(buf, value),
          "secret_get: %s", buf);
    char exact[13];
    CHECK(bex_engine_secret_get(e, HOSTILE, "api-key", exact, sizeof exact) == 0 &&
              str_is(exact, value),
          "secret_get into a buffer of exactly the size");
    char small[12];
    memset(small, 'X', sizeof small);
    int rc = bex_engine_secret_get(e, HOSTILE, "api-key", small, sizeof small);
    char *msg = bex_engine_last_error(NULL);
    CHECK(rc == BEX_ERROR_CODE_INVALID_ARGUMENT &&
              bex_engine_last_error_code(NULL) == BEX_ERROR_CODE_INVALID_ARGUMENT,
          "secret_get into a small buffer: %d", rc);
    CHECK(contains(msg, "13"), "the small-buffer message does not give the size: %s",
          msg ? msg : "(null)");
    bex_string_free(msg);
    bool untouched = true;
    for (size_t i = 0; i < sizeof small; i++) {
        untouched = untouched && small[i] == 'X';
    }
    CHECK(untouched, "secret_get wrote into a buffer that was too small");
    expect_title(c, HOSTILE, "secret:api-key", value);
    char *keys = bex_engine_secret_keys(e, HOSTILE);
    CHECK(str_is(keys, "api-key"), "secret_keys: %s", keys ? keys : "(null)");
    bex_string_free(keys);
    CHECK(bex_engine_secret_delete(e, HOSTILE, "api-key") == 0, "secret_delete");
    CHECK(bex_engine_secret_get(e, HOSTILE, "api-key", buf, sizeof buf) ==
              BEX_ERROR_CODE_NOT_FOUND,
          "secret_get after delete is not NOT_FOUND");
    CHECK(bex_engine_secret_delete(e, HOSTILE, "api-key") == BEX_ERROR_CODE_NOT_FOUND,
          "second secret_delete is not NOT_FOUND");
    keys = bex_engine_secret_keys(e, HOSTILE);
    CHECK(str_is(keys, ""), "secret_keys after delete: %s", keys ? keys : "(null)");
    bex_string_free(keys);

    /* Uninstall. */
    CHECK(bex_engine_uninstall(e, TVMAZE) == 0, "uninstall");
    CHECK(bex_engine_plugin_info(e, TVMAZE, &info) == BEX_ERROR_CODE_NOT_FOUND,
          "plugin_info after uninstall");
    CHECK(bex_engine_uninstall(e, TVMAZE) == BEX_ERROR_CODE_NOT_FOUND, "second uninstall");
    expect_error(c, TVMAZE, "girls", "NOT_FOUND");
    list = bex_engine_list_plugins(e);
    CHECK(list.len == 1 && str_is(list.items[0].id, HOSTILE), "list after uninstall: %zu",
          list.len);
    bex_plugin_info_list_free(list);
    free_engine(c);
    check_ctx_clean("tvmaze_and_management", c);
    waiter_destroy(&c->done);
}

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
    printf("c engine: bex %s, seed %llu\n", bex_version(), (unsigned long long)g_rng);
    static const struct {
        const char *name;
        void (*run)(void);
    } tests[] = {
        {"invalid_arguments", test_invalid_arguments},
        {"mixed_submissions", test_mixed_submissions},
        {"free_in_flight", test_free_in_flight},
        {"free_from_other_thread", test_free_from_other_thread},
        {"callbacks_submit_and_free", test_callbacks_submit_and_free},
        {"circuit_breaker", test_circuit_breaker},
        {"busy_and_cancel", test_busy_and_cancel},
        {"cancel_slow_http", test_cancel_slow_http},
        {"tvmaze_and_management", test_tvmaze_and_management},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (only != NULL && strstr(tests[i].name, only) == NULL) {
            continue;
        }
        int failed = atomic_load(&g_failed);
        double started = now_s();
        tests[i].run();
        printf("%-4s %s (%.2f s)\n", atomic_load(&g_failed) == failed ? "ok" : "FAIL",
               tests[i].name, now_s() - started);
        fflush(stdout);
    }
    int passed = atomic_load(&g_passed), failed = atomic_load(&g_failed);
    printf("c engine: %d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
