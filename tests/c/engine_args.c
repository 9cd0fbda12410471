/* Test 1 of the engine test (see engine.c): every function of the C ABI
 * given NULL and invalid arguments fails the documented way and sets the
 * last error, and the no-ops leave it alone. */
#define _XOPEN_SOURCE 700

#include "engine_tests.h"
#include "support.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

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
    if (!check_(refused, __FILE__, line, "%s: not the documented failure", what)) {
        print_last_error(what);
    }
    int code = bex_engine_last_error_code(NULL);
    check_(code == BEX_ERROR_CODE_INVALID_ARGUMENT, __FILE__, line,
           "%s: last error code %d (%s), want %s", what, code, bex_error_code_name(code),
           "INVALID_ARGUMENT");
    char *msg = bex_engine_last_error(NULL);
    check_(msg != NULL && strncmp(msg, "INVALID_ARGUMENT: ", 18) == 0 && strlen(msg) > 18,
           __FILE__, line, "%s: last error message \"%s\"", what, msg ? msg : "(null)");
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

void test_invalid_arguments(void) {
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
    EXPECT_INVALID(bex_engine_install_with(NULL, path, 0) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_install_with(e, NULL, 0) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    /* Unknown flag bits are refused before anything is read. */
    EXPECT_INVALID(bex_engine_install_with(e, path, 8) == BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_install_with(e, path, 0x80000000u) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    CHECK(bex_engine_install_with(e, path,
                                  BEX_INSTALL_FLAG_FORCE | BEX_INSTALL_FLAG_ACCEPT_PERMISSIONS |
                                      BEX_INSTALL_FLAG_ACCEPT_UNVERIFIED) == 0,
          "install with every flag");
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
    size_t len = sizeof buf;
    EXPECT_INVALID(bex_engine_secret_get(NULL, HOSTILE, "api-key", buf, &len) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_get(e, NULL, "api-key", buf, &len) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_get(e, BAD_UTF8, "api-key", buf, &len) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_get(e, HOSTILE, NULL, buf, &len) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_get(e, HOSTILE, BAD_UTF8, buf, &len) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_INVALID(bex_engine_secret_get(e, HOSTILE, "api-key", buf, NULL) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    /* NULL buffer, zero length: asks for the size ("v" and its NUL). */
    len = 0;
    EXPECT_INVALID(bex_engine_secret_get(e, HOSTILE, "api-key", NULL, &len) ==
                   BEX_ERROR_CODE_INVALID_ARGUMENT);
    CHECK(len == 2, "the size needed is %zu, want 2", len);
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
