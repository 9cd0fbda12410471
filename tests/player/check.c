/* The playback check (`make test-player`): every shipped plugin that
 * resolves streams is played by examples/mpv (libmpv, headless) from its
 * replayed fixtures, its stream urls mapped to this loopback server, which
 * serves media ffmpeg generated at test time and refuses (403) any request
 * missing a header the stream requires, logging every request.
 *
 *   player-check PLAYER MEDIA_DIR WORK_DIR
 *
 * A case passes when the player reached the end of the file with every
 * frame decoded and every subtitle and separate audio track loaded, and
 * the log shows the required headers on every request (video, HLS
 * playlist and segments, subtitles, audio); the negative case
 * (headers withheld) must fail with 403s in the log. */
#define _XOPEN_SOURCE 700

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *g_media;
static int g_listen;
static atomic_bool g_stop;

/* The header every request must carry in the running case ("" for none),
 * and what the server saw. */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_required[256];
static int g_requests, g_refused, g_video, g_subs;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The value of header `name` (case-insensitive) in the request head, or
 * NULL; it runs to the line's CR. */
static const char *header_value(const char *head, const char *name, size_t name_len) {
    for (const char *line = strstr(head, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
        const char *l = line + 2;
        if (strncasecmp(l, name, name_len) == 0 && l[name_len] == ':') {
            const char *v = l + name_len + 1;
            while (*v == ' ') v++;
            return v;
        }
    }
    return NULL;
}

/* Whether the request head carries `header` ("Name: value") exactly. */
static int has_header(const char *head, const char *header) {
    const char *colon = strchr(header, ':');
    const char *v = header_value(head, header, (size_t)(colon - header));
    const char *want = colon + 1;
    while (*want == ' ') want++;
    size_t len = strlen(want);
    return v != NULL && strncmp(v, want, len) == 0 && (v[len] == '\r' || v[len] == '\0');
}

static void serve(int fd) {
    char head[8192] = "";
    size_t got = 0;
    while (got < sizeof head - 1 && strstr(head, "\r\n\r\n") == NULL) {
        ssize_t n = read(fd, head + got, sizeof head - 1 - got);
        if (n <= 0) break;
        got += (size_t)n;
        head[got] = '\0';
    }
    head[got] = '\0';
    char path[1024] = "/";
    if (got == 0) {
        return; /* a connection closed without a request */
    }
    sscanf(head, "GET %1023s", path);
    /* HLS: the playlist and its segments (relative urls) from hls/. */
    char hls[256];
    const char *base = strrchr(path, '/') + 1;
    snprintf(hls, sizeof hls, "hls/%.200s", base);
    const char *file = strstr(path, "/hls/") != NULL && strchr(base, '%') == NULL ? hls
                       : ends_with(path, ".mp4")                          ? "video.mp4"
                       : ends_with(path, ".srt")                          ? "subs.srt"
                       : ends_with(path, ".vtt")                          ? "subs.vtt"
                       : ends_with(path, ".m4a")                          ? "audio.m4a"
                                                                          : NULL;
    pthread_mutex_lock(&g_mu);
    int allowed = g_required[0] == '\0' || has_header(head, g_required);
    g_requests++;
    g_refused += !allowed;
    int sub = file && (ends_with(file, ".srt") || ends_with(file, ".vtt"));
    g_video += allowed && file && !sub;
    g_subs += allowed && sub;
    printf("    %s %s%s\n", allowed ? "200" : "403", path,
           g_required[0] && allowed ? " (with the required header)" : "");
    pthread_mutex_unlock(&g_mu);
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", g_media, file ? file : "missing");
    FILE *f = allowed && file ? fopen(full, "rb") : NULL;
    if (f == NULL) {
        const char *r = allowed ? "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                                : "HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        (void)!write(fd, r, strlen(r));
        return;
    }
    struct stat st;
    fstat(fileno(f), &st);
    long size = (long)st.st_size, from = 0;
    const char *range = header_value(head, "range", 5);
    if (range != NULL && strncmp(range, "bytes=", 6) == 0) {
        from = strtol(range + 6, NULL, 10);
        from = from < size ? from : size;
    } else {
        range = NULL;
    }
    char out[256];
    int n = range ? snprintf(out, sizeof out,
                             "HTTP/1.1 206 Partial Content\r\ncontent-length: %ld\r\ncontent-range: "
                             "bytes %ld-%ld/%ld\r\naccept-ranges: bytes\r\nconnection: close\r\n\r\n",
                             size - from, from, size - 1, size)
                  : snprintf(out, sizeof out,
                             "HTTP/1.1 200 OK\r\ncontent-length: %ld\r\naccept-ranges: "
                             "bytes\r\nconnection: close\r\n\r\n",
                             size);
    (void)!write(fd, out, (size_t)n);
    fseek(f, from, SEEK_SET);
    char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0 && write(fd, buf, k) == (ssize_t)k) {
    }
    fclose(f);
}

static void *connection(void *arg) {
    int fd = (int)(intptr_t)arg;
    serve(fd);
    close(fd);
    return NULL;
}

static void *server(void *arg) {
    (void)arg;
    while (!atomic_load(&g_stop)) {
        struct pollfd p = {g_listen, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        int fd = accept(g_listen, NULL, NULL);
        if (fd < 0) continue;
        pthread_t t;
        pthread_create(&t, NULL, connection, (void *)(intptr_t)fd);
        pthread_detach(t);
    }
    return NULL;
}

struct play_case {
    const char *name, *query, *required, *extra;
    int expect_ok, streams; /* streams: how many the plugin resolves */
};

/* Runs the player on one plugin; returns 1 if the case behaved. */
static int run(const char *player, const char *work, int port, const struct play_case *c) {
    char cmd[8192], out[32768] = "";
    pthread_mutex_lock(&g_mu);
    snprintf(g_required, sizeof g_required, "%s", c->required);
    g_requests = g_refused = g_video = g_subs = 0;
    pthread_mutex_unlock(&g_mu);
    snprintf(cmd, sizeof cmd,
             "env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY "
             "%s %s/%s-data-%s '{\"replay_dir\": \"plugins/%s/fixtures\"}' plugins/dist/%s.bex '%s' "
             "--map https://archive.org=http://127.0.0.1:%d "
             "--map https://player.example.org=http://127.0.0.1:%d %s 2>&1",
             player, work, c->name, c->expect_ok ? "ok" : "neg", c->name, c->name, c->query, port,
             port, c->extra);
    double start = now_s();
    FILE *p = popen(cmd, "r");
    size_t used = 0;
    char line[1024];
    while (p && fgets(line, sizeof line, p)) {
        printf("  | %s", line);
        used += (size_t)snprintf(out + used, sizeof out - used, "%s", line);
        if (used >= sizeof out) used = sizeof out - 1;
    }
    int status = p ? pclose(p) : -1;
    double took = now_s() - start;
    /* Each stream played: every frame decoded, none dropped, every
     * subtitle track loaded. */
    int played = 0, complete = 0;
    long long given = 0;
    for (const char *at = strstr(out, "frames decoded"); at != NULL; at = strstr(at + 1, "frames decoded")) {
        long long decoded = -1, total = -2, dropped = -1, subs = -1, of = -2, audio = -1, separate = -2;
        sscanf(at, "frames decoded %lld of %lld (%lld dropped)", &decoded, &total, &dropped);
        const char *tracks = strstr(at, "subtitles ");
        if (tracks) sscanf(tracks, "subtitles %lld (of %lld given)", &subs, &of);
        const char *audios = strstr(at, "audio ");
        if (audios) sscanf(audios, "audio %lld (%lld separate given)", &audio, &separate);
        played++;
        /* The media's own audio and every separate track given. */
        complete += total > 0 && decoded == total && dropped == 0 && subs == of && audio == separate + 1;
        given = of > given ? of : given;
    }
    pthread_mutex_lock(&g_mu);
    int requests = g_requests, refused = g_refused, video = g_video, subtitle = g_subs;
    pthread_mutex_unlock(&g_mu);
    int ok;
    if (c->expect_ok) {
        ok = status == 0 && played >= c->streams && complete == played && refused == 0 &&
             video >= played && subtitle >= given;
    } else {
        ok = status != 0 && refused > 0;
    }
    printf("%s %s%s: %d of %d streams played whole, %d requests (%d refused), %.2f s\n",
           ok ? "ok  " : "FAIL", c->name, c->expect_ok ? "" : " without its headers (must fail)",
           complete, played, requests, refused, took);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s PLAYER MEDIA_DIR WORK_DIR\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    g_media = argv[2];
    g_listen = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    if (bind(g_listen, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(g_listen, 16) != 0 ||
        getsockname(g_listen, (struct sockaddr *)&addr, &alen) != 0) {
        perror("listen");
        return 1;
    }
    pthread_t t;
    pthread_create(&t, NULL, server, NULL);
    const struct play_case cases[] = {
        {"archive", "night of the living dead", "", "", 1, 1},
        {"packed-player", "night", "Referer: https://player.example.org/", "", 1, 2},
        {"packed-player", "night", "Referer: https://player.example.org/", "--no-headers", 0, 2},
    };
    int failed = 0;
    double start = now_s();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        failed += !run(argv[1], argv[3], ntohs(addr.sin_port), &cases[i]);
    }
    atomic_store(&g_stop, 1);
    pthread_join(t, NULL);
    printf("player check: %zu cases, %d failed, %.1f s\n", sizeof cases / sizeof *cases, failed,
           now_s() - start);
    return failed == 0 ? 0 : 1;
}
