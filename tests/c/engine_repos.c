/* Test 11: repositories from C (docs/distribution.md). A loopback server
 * serves WORK_DIR/repo (index.json signed by a throwaway repository key,
 * tvmaze.bex signed by the build's publisher key: `make c-packages`), and
 * /stall/index.json, which sends headers and then nothing. The engine adds
 * the repository, refreshes it, lists what it offers, installs from it and
 * updates, each refresh, install and update a Background request with
 * exactly one callback; a refresh stuck on the stalled server is cancelled
 * and reports CANCELLED; a second rollback finds nothing. */
#define _XOPEN_SOURCE 700

#include "engine_tests.h"
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
    int listen_fd;
    atomic_bool stop;
    atomic_int stalled; /* requests for /stall/ seen */
} repo_server_t;

static repo_server_t g_repo;
static ctx_t g_ctx11;

static void serve_file(int fd, const char *path) {
    char file[4096];
    snprintf(file, sizeof file, "%s/repo%s", g_work_dir, path);
    FILE *f = strstr(path, "..") == NULL ? fopen(file, "rb") : NULL;
    if (f == NULL) {
        const char *nf = "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        (void)!write(fd, nf, strlen(nf));
        return;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\ncontent-length: %ld\r\nconnection: close\r\n\r\n", len);
    (void)!write(fd, head, (size_t)n);
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        if (write(fd, buf, got) < 0) {
            break;
        }
    }
    fclose(f);
}

static void *repo_server(void *arg) {
    (void)arg;
    repo_server_t *s = &g_repo;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) {
            continue;
        }
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        char req[4096];
        ssize_t n = read(fd, req, sizeof req - 1);
        req[n > 0 ? n : 0] = '\0';
        char path[1024] = "/";
        sscanf(req, "GET %1023s", path);
        if (strncmp(path, "/stall/", 7) == 0) {
            const char *head = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\nconnection: close\r\n\r\n";
            (void)!write(fd, head, strlen(head));
            atomic_fetch_add(&s->stalled, 1);
            /* Nothing more until the client goes away (or the test ends). */
            char sink[64];
            struct pollfd q = {.fd = fd, .events = POLLIN};
            while (!atomic_load(&s->stop) && poll(&q, 1, 50) >= 0) {
                if ((q.revents & (POLLIN | POLLHUP)) && read(fd, sink, sizeof sink) <= 0) {
                    break;
                }
            }
        } else {
            serve_file(fd, path);
        }
        close(fd);
    }
    return NULL;
}

/* Submits with `submit` (which stores the id), waits for its one callback. */
static bool wait_one(ctx_t *c, slot_t *s, long before, const char *what) {
    if (!CHECK(atomic_load(&s->id) != 0, "%s refused", what)) {
        print_last_error(what);
        return false;
    }
    if (!CHECK(waiter_wait(&c->done, before + 1, WAIT_S), "no callback for %s", what)) {
        return false;
    }
    CHECK(atomic_load(&s->calls) == 1, "%s: %d callbacks", what, atomic_load(&s->calls));
    return atomic_load(&s->success);
}

void test_repositories(void) {
    atomic_store(&g_test, "repositories");
    ctx_t *c = &g_ctx11;
    ctx_init(c);
    repo_server_t *srv = &g_repo;
    srv->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    if (!CHECK(srv->listen_fd >= 0 && bind(srv->listen_fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
                   listen(srv->listen_fd, 8) == 0 &&
                   getsockname(srv->listen_fd, (struct sockaddr *)&addr, &alen) == 0,
               "loopback listener: %s", strerror(errno))) {
        return;
    }
    pthread_t server;
    pthread_create(&server, NULL, repo_server, NULL);
    char url[128], stall[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/index.json", ntohs(addr.sin_port));
    snprintf(stall, sizeof stall, "http://127.0.0.1:%d/stall/index.json", ntohs(addr.sin_port));

    /* Signed packages only (the default); loopback allowed for the test. */
    BexEngine *e = c->engine = open_engine("repositories", "{\"allow_private_networks\": true}");
    if (e == NULL) {
        goto out;
    }
    CHECK(bex_engine_repo_add(e, url, "ed25519:nothex") == BEX_ERROR_CODE_INVALID_ARGUMENT,
          "a malformed key is refused");
    CHECK(bex_engine_repo_add(e, NULL, NULL) == BEX_ERROR_CODE_INVALID_ARGUMENT, "NULL url");
    CHECK(bex_engine_repo_add(e, "ftp://example.org/index.json", NULL) ==
              BEX_ERROR_CODE_INVALID_ARGUMENT,
          "ftp url");
    CHECK(bex_engine_repo_remove(e, url) == BEX_ERROR_CODE_NOT_FOUND, "remove before add");
    CHECK(bex_engine_repo_add(e, url, NULL) == 0, "repo_add");
    CHECK(bex_engine_repo_add(e, stall, NULL) == 0, "repo_add (stalling)");

    slot_t *s = slots_new(c, 5);
    long before = waiter_count(&c->done);
    atomic_store(&s[0].id, bex_submit_repo_refresh(e, url, on_result, &s[0]));
    if (wait_one(c, &s[0], before, "refresh")) {
        CHECK(contains(s[0].payload, "\"version\":1") && contains(s[0].payload, "\"plugins\":1"),
              "refresh: %s", s[0].payload);
    } else {
        CHECK(false, "refresh failed: %s", outcome(&s[0]));
    }
    char *offers = bex_engine_available(e, "tvmaze");
    CHECK(contains(offers, "\"id\":\"bex.tvmaze\"") && contains(offers, "\"installed\":null"),
          "available: %s", offers);
    bex_string_free(offers);

    before = waiter_count(&c->done);
    atomic_store(&s[1].id, bex_submit_repo_install(e, TVMAZE, 0, on_result, &s[1]));
    bool ok = wait_one(c, &s[1], before, "install");
    CHECK(ok && contains(s[1].payload, "\"action\":\"installed\""), "install: %s", outcome(&s[1]));
    before = waiter_count(&c->done);
    atomic_store(&s[2].id, bex_submit_repo_update(e, NULL, 0, on_result, &s[2]));
    ok = wait_one(c, &s[2], before, "update");
    CHECK(ok && contains(s[2].payload, "\"updated\":[]") && contains(s[2].payload, "\"refused\":[]"),
          "update: %s", outcome(&s[2]));
    CHECK(bex_engine_rollback(e, TVMAZE) == BEX_ERROR_CODE_NOT_FOUND, "nothing to roll back to");
    CHECK(bex_submit_repo_install(e, TVMAZE, 8, on_result, &s[4]) == 0 &&
              bex_engine_last_error_code(NULL) == BEX_ERROR_CODE_INVALID_ARGUMENT,
          "unknown flag bits are refused at submit");

    /* A refresh stuck on a server that never sends its body: cancelled. */
    before = waiter_count(&c->done);
    uint64_t id = bex_submit_repo_refresh(e, stall, on_result, &s[3]);
    atomic_store(&s[3].id, id);
    double start = now_s();
    while (atomic_load(&srv->stalled) == 0 && now_s() - start < WAIT_S) {
        struct pollfd none;
        poll(&none, 0, 5);
    }
    CHECK(atomic_load(&srv->stalled) == 1, "the stalled request never arrived");
    int answer = bex_cancel_request(e, id);
    CHECK(answer == BEX_CANCEL_RESULT_RUNNING, "cancel answered %d", answer);
    ok = wait_one(c, &s[3], before, "stalled refresh");
    CHECK(!ok && failed_with(&s[3], "CANCELLED"), "stalled refresh: %s", outcome(&s[3]));

    char *repos = bex_engine_repos(e);
    CHECK(contains(repos, url) && contains(repos, "\"version\":1"), "repos: %s", repos);
    bex_string_free(repos);
    CHECK(bex_engine_repo_remove(e, stall) == 0, "repo_remove");
    check_exactly_once("repositories", s, 4);
    free_engine(c);
    check_ctx_clean("repositories", c);
    slots_free(s, 5);
out:
    atomic_store(&srv->stop, true);
    pthread_join(server, NULL);
    close(srv->listen_fd);
}
