/* The demo's repository (see repo.h): a loopback file server, and the C
 * ABI calls a player makes to list and install plugins from a repository:
 * bex_engine_repo_add, bex_submit_repo_refresh, bex_engine_available,
 * bex_submit_repo_install, each request waited on with a condition
 * variable (the callback runs on a BEX worker thread). */
#include "repo.h"

#include "bex_engine.h"
#include "json.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- a loopback server of the repository's files ------------------------ */

struct server {
    int fd;
    const char *dir;
    volatile int stop; /* set by the main thread, read by the server's */
    pthread_mutex_t mu;
};

static int stopped(struct server *s) {
    pthread_mutex_lock(&s->mu);
    int stop = s->stop;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

static void respond(int fd, const char *dir, const char *path) {
    char file[4096];
    FILE *f = NULL;
    /* Only plain names in the repository directory. */
    if (path[0] == '/' && strchr(path + 1, '/') == NULL && strstr(path, "..") == NULL) {
        snprintf(file, sizeof file, "%s%s", dir, path);
        f = fopen(file, "rb");
    }
    if (f == NULL) {
        const char *nf = "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        (void)!write(fd, nf, strlen(nf));
        return;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char head[128];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\ncontent-length: %ld\r\nconnection: close\r\n\r\n", len);
    (void)!write(fd, head, (size_t)n);
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0 && write(fd, buf, got) == (ssize_t)got) {
    }
    fclose(f);
}

static void *serve(void *arg) {
    struct server *s = arg;
    while (!stopped(s)) {
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) {
            continue;
        }
        int fd = accept(s->fd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        char req[2048], path[1024] = "/";
        ssize_t n = read(fd, req, sizeof req - 1);
        req[n > 0 ? n : 0] = '\0';
        if (sscanf(req, "GET %1023s", path) == 1) {
            respond(fd, s->dir, path);
        }
        close(fd);
    }
    return NULL;
}

/* ---- one request, waited on ------------------------------------------- */

struct reply {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, success;
    char *payload;
};

static void on_reply(void *user_data, uint64_t id, bool success, const uint8_t *payload,
                     size_t len) {
    (void)id;
    struct reply *r = user_data;
    pthread_mutex_lock(&r->mu);
    r->payload = malloc(len + 1);
    if (r->payload != NULL) {
        memcpy(r->payload, payload, len);
        r->payload[len] = '\0';
    }
    r->success = success;
    r->done = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* Waits for the reply of request `id` (0: refused at submit). */
static int wait_reply(BexEngine *e, uint64_t id, struct reply *r, const char *what) {
    if (id == 0) {
        char *m = bex_engine_last_error(e);
        fprintf(stderr, "demo: %s refused: %s\n", what, m ? m : "?");
        bex_string_free(m);
        return 0;
    }
    pthread_mutex_lock(&r->mu);
    while (!r->done) {
        pthread_cond_wait(&r->cv, &r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    if (!r->success) {
        fprintf(stderr, "demo: %s: %s\n", what, r->payload ? r->payload : "?");
    }
    return r->success;
}

static void reply_init(struct reply *r) {
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
}

static void reply_free(struct reply *r) {
    free(r->payload);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
}

/* ---- the player's side ------------------------------------------------- */

/* The repository's public key: the first line of REPO_DIR/repository.pub. */
static int read_key(const char *repo_dir, char *key, size_t len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/repository.pub", repo_dir);
    FILE *f = fopen(path, "r");
    int ok = f != NULL && fgets(key, (int)len, f) != NULL;
    if (f != NULL) {
        fclose(f);
    }
    key[strcspn(key, "\r\n")] = '\0';
    if (!ok) {
        fprintf(stderr, "demo: cannot read %s (make repo writes it)\n", path);
    }
    return ok;
}

/* Prints the catalogue; fills ids and names (caller frees). */
static int catalogue(BexEngine *e, char ***ids, char ***names) {
    char *text = bex_engine_available(e, NULL);
    json *doc = text ? json_parse(text, strlen(text), NULL) : NULL;
    int n = doc ? (int)json_len(doc) : 0;
    *ids = calloc((size_t)n + 1, sizeof **ids);
    *names = calloc((size_t)n + 1, sizeof **names);
    printf("catalogue (%d plugins):\n", n);
    for (int i = 0; i < n && *ids && *names; i++) {
        const json *p = json_at(doc, (size_t)i);
        const char *url = json_get_str(json_at(json_get(p, "versions"), 0), "url");
        const char *caps = "";
        size_t caps_len = 0;
        const json *c = json_get(p, "capabilities");
        if (c != NULL) {
            caps = json_raw(c, &caps_len);
        }
        printf("  %-20s %-26s %-6s %.*s\n", json_get_str(p, "id"), json_get_str(p, "name"),
               json_get_str(p, "latest"), (int)caps_len, caps);
        (*ids)[i] = strdup(json_get_str(p, "id"));
        /* NAME of NAME.bex */
        (*names)[i] = strdup(url ? url : "");
        char *dot = strstr((*names)[i], ".bex");
        if (dot != NULL) {
            *dot = '\0';
        }
    }
    json_free(doc);
    bex_string_free(text);
    return n;
}

int install_from_repo(const char *data_dir, const char *repo_dir, char ***ids, char ***names) {
    char key[256];
    if (!read_key(repo_dir, key, sizeof key)) {
        return 0;
    }
    struct server s = {socket(AF_INET, SOCK_STREAM, 0), repo_dir, 0, PTHREAD_MUTEX_INITIALIZER};
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    if (s.fd < 0 || bind(s.fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s.fd, 8) != 0 ||
        getsockname(s.fd, (struct sockaddr *)&addr, &alen) != 0) {
        fprintf(stderr, "demo: no loopback listener\n");
        return 0;
    }
    pthread_t thread;
    pthread_create(&thread, NULL, serve, &s);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/index.json", ntohs(addr.sin_port));

    /* A player's engine: signed packages only (the default); plain http
     * and loopback only because this repository is local. */
    int count = 0;
    BexEngine *e = bex_engine_new_with_config(data_dir, "{\"allow_private_networks\": true}");
    if (e != NULL && bex_engine_repo_add(e, url, key) == 0) {
        struct reply r;
        reply_init(&r);
        int ok = wait_reply(e, bex_submit_repo_refresh(e, url, on_reply, &r), &r, "refresh");
        reply_free(&r);
        printf("repository %s (key %.20s...)\n", url, key);
        int n = ok ? catalogue(e, ids, names) : 0;
        for (int i = 0; i < n && ok; i++) {
            reply_init(&r);
            ok = wait_reply(e, bex_submit_repo_install(e, (*ids)[i], 0, on_reply, &r), &r,
                            (*ids)[i]);
            if (ok) {
                printf("installed %-22s from the repository\n", (*ids)[i]);
            }
            reply_free(&r);
        }
        count = ok ? n : 0;
    } else {
        char *m = bex_engine_last_error(NULL);
        fprintf(stderr, "demo: repository: %s\n", m ? m : "?");
        bex_string_free(m);
    }
    if (e != NULL && bex_engine_free(e) != 0) {
        count = 0;
    }
    pthread_mutex_lock(&s.mu);
    s.stop = 1;
    pthread_mutex_unlock(&s.mu);
    pthread_join(thread, NULL);
    close(s.fd);
    return count;
}
