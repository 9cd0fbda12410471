/* Tests 6-9 of the engine test (see engine.c): what calls meet. The
 * circuit breaker, BUSY and the cancel answers, a cancel inside a slow
 * loopback HTTP response, and the TVmaze plugin in replay mode with plugin
 * management, the log callback and secrets. */
#define _XOPEN_SOURCE 700

#include "engine_tests.h"
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* tests/c/hostile.yaml allows api.bex.test on 80 and 443 and on these
 * loopback ports (a host pattern names the one port it allows). */
#define HTTP_TEST_PORTS 41801, 41802, 41803, 41804
#define HTTP_TEST_PORTS_TEXT "41801-41804"
#define HOSTILE_HOSTS                                                                          \
    "api.bex.test,api.bex.test:41801,api.bex.test:41802,api.bex.test:41803,api.bex.test:41804"

/* ---- 6. the circuit breaker ------------------------------------------- */

#define COOLDOWN_MS 1000

static ctx_t g_ctx6;

void test_circuit_breaker(void) {
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

void test_busy_and_cancel(void) {
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

void test_cancel_slow_http(void) {
    atomic_store(&g_test, "cancel_slow_http");
    ctx_t *c = &g_ctx8;
    ctx_init(c);
    slow_server_t *srv = &g_slow;
    memset(srv, 0, sizeof *srv);
    waiter_init(&srv->events);
    srv->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    /* The manifest names the ports it may reach: the first free one. */
    static const int ports[] = {HTTP_TEST_PORTS};
    int port = 0;
    for (size_t i = 0; srv->listen_fd >= 0 && port == 0 && i < sizeof ports / sizeof *ports; i++) {
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)ports[i])};
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(srv->listen_fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
            port = ports[i];
        }
    }
    if (!CHECK(srv->listen_fd >= 0 && port != 0 && listen(srv->listen_fd, 4) == 0,
               "loopback listener on one of " HTTP_TEST_PORTS_TEXT ": %s", strerror(errno))) {
        if (srv->listen_fd >= 0) {
            close(srv->listen_fd);
        }
        return;
    }
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

void test_tvmaze_and_management(void) {
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
        CHECK(list.items[0].capabilities == 255 && str_is(list.items[0].hosts, HOSTILE_HOSTS),
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
    /* Exactly as the spec's C example calls it: the length in and out. */
    char buf[4096];
    size_t buf_len = sizeof(buf);
    CHECK(bex_engine_secret_get(e, HOSTILE, "api-key", buf, &buf_len) == 0 && str_is(buf, value) &&
              buf_len == 12,
          "secret_get: %s (%zu bytes)", buf, buf_len);
    char exact[13];
    size_t exact_len = sizeof exact;
    CHECK(bex_engine_secret_get(e, HOSTILE, "api-key", exact, &exact_len) == 0 &&
              str_is(exact, value) && exact_len == 12,
          "secret_get into a buffer of exactly the size");
    char small[12];
    size_t small_len = sizeof small;
    memset(small, 'X', sizeof small);
    int rc = bex_engine_secret_get(e, HOSTILE, "api-key", small, &small_len);
    char *msg = bex_engine_last_error(NULL);
    CHECK(rc == BEX_ERROR_CODE_INVALID_ARGUMENT &&
              bex_engine_last_error_code(NULL) == BEX_ERROR_CODE_INVALID_ARGUMENT,
          "secret_get into a small buffer: %d", rc);
    CHECK(small_len == 13, "the size needed came back as %zu, want 13", small_len);
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
    buf_len = sizeof buf;
    CHECK(bex_engine_secret_get(e, HOSTILE, "api-key", buf, &buf_len) ==
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
