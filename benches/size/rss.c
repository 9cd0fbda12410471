/* Memory of a player at rest and under load (`make size`): the resident
 * set of a program that links BEX statically, finds the shipped plugins
 * installed (by an earlier run: a child process installs them, as a
 * player installs once and starts many times), walks each once through
 * the C ABI, then
 *   - idles: VmRSS with every plugin warm;
 *   - searches four plugins at once (four calls in flight): VmHWM, the
 *     peak, reset just before.
 *
 *   rss DATA_DIR PLUGINS_DIR PACKAGE...
 *
 * One engine serves every plugin, each replaying its own recordings
 * (`replay_plugins`), as a player with six providers would. Prints the
 * walks' summaries, then `idle_rss_kib N` (and its anonymous and
 * file-backed parts) and `peak_rss_kib N`, on stdout.
 * Linux only (/proc/self/status). */
#include "bex_engine.h"
#include "../../examples/demo/script.h"
#include "../../examples/demo/walk.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PLUGINS 16
#define CONCURRENT 4

/* A field of /proc/self/status in KiB, or -1. */
static long status_kib(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    size_t n = strlen(field);
    if (f == NULL) {
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kib = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

/* Restarts VmHWM from the current resident set (Linux 4.0+). */
static int reset_peak(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f == NULL) {
        return 0;
    }
    int ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

/* NAME of ".../NAME.bex" into `out`. */
static void package_name(const char *path, char *out, size_t size) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".bex") == 0) {
        n -= 4;
    }
    if (n >= size) {
        n = size - 1;
    }
    memcpy(out, base, n);
    out[n] = '\0';
}

struct plugin {
    char id[128];
    char dir[1024];
    char script[1100];
};

/* The concurrent searches: outcomes counted under one lock. */
struct searches {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int done, ok;
};

static void on_search(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
                      size_t len) {
    struct searches *s = user_data;
    (void)request_id;
    if (!success) {
        fprintf(stderr, "rss: search failed: %.*s\n", (int)len, (const char *)payload);
    }
    pthread_mutex_lock(&s->lock);
    s->done++;
    s->ok += success;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

/* Submits a search to each of the first CONCURRENT plugins whose demo
 * script has a query, all at once, and waits for every outcome. Returns
 * 1 when CONCURRENT searches ran and all succeeded. */
static int search_at_once(BexEngine *engine, const struct plugin *plugins, int count) {
    struct searches s = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    struct script scripts[CONCURRENT];
    int submitted = 0;
    for (int i = 0; i < count && submitted < CONCURRENT; i++) {
        if (!script_load(&scripts[submitted], plugins[i].script)) {
            return 0;
        }
        const char *query = script_get(&scripts[submitted], "query");
        if (query == NULL) {
            script_free(&scripts[submitted]);
            continue;
        }
        if (bex_submit_search(engine, plugins[i].id, query, on_search, &s) == 0) {
            fprintf(stderr, "rss: submitting a search to %s failed\n", plugins[i].id);
            script_free(&scripts[submitted]);
            break;
        }
        submitted++;
    }
    pthread_mutex_lock(&s.lock);
    while (s.done < submitted) {
        pthread_cond_wait(&s.changed, &s.lock);
    }
    pthread_mutex_unlock(&s.lock);
    for (int i = 0; i < submitted; i++) {
        script_free(&scripts[i]);
    }
    return submitted == CONCURRENT && s.ok == CONCURRENT;
}

/* Installs each package in a child process, which reports the plugin id
 * each added, one per line, through a pipe. Returns 1 when all installed. */
static int install_all(const char *data_dir, int count, char **packages, struct plugin *plugins) {
    int fds[2];
    if (pipe(fds) != 0) {
        return 0;
    }
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        return 0;
    }
    if (child == 0) {
        close(fds[0]);
        FILE *out = fdopen(fds[1], "w");
        BexEngine *engine = bex_engine_new(data_dir);
        int ok = engine != NULL && out != NULL;
        for (int i = 0; ok && i < count; i++) {
            BexPluginInfoList before = bex_engine_list_plugins(engine);
            if (bex_engine_install(engine, packages[i]) != 0) {
                char *message = bex_engine_last_error(engine);
                fprintf(stderr, "rss: %s: %s\n", packages[i], message ? message : "?");
                bex_string_free(message);
                ok = 0;
            }
            BexPluginInfoList after = bex_engine_list_plugins(engine);
            int found = 0;
            for (size_t j = 0; ok && j < after.len; j++) {
                int known = 0;
                for (size_t k = 0; k < before.len; k++) {
                    known |= strcmp(before.items[k].id, after.items[j].id) == 0;
                }
                if (!known) {
                    fprintf(out, "%s\n", after.items[j].id);
                    found = 1;
                }
            }
            ok = ok && found;
            bex_plugin_info_list_free(before);
            bex_plugin_info_list_free(after);
        }
        ok = engine != NULL && bex_engine_free(engine) == 0 && ok;
        if (out != NULL) {
            fclose(out);
        }
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    int read_ids = 0;
    while (in != NULL && read_ids < count &&
           fgets(plugins[read_ids].id, sizeof plugins[read_ids].id, in) != NULL) {
        plugins[read_ids].id[strcspn(plugins[read_ids].id, "\n")] = '\0';
        read_ids++;
    }
    if (in != NULL) {
        fclose(in);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 && read_ids == count;
}

int main(int argc, char **argv) {
    if (argc < 4 || argc - 3 > MAX_PLUGINS) {
        fprintf(stderr, "usage: %s DATA_DIR PLUGINS_DIR PACKAGE... (at most %d)\n", argv[0],
                MAX_PLUGINS);
        return 2;
    }
    const char *data_dir = argv[1], *plugins_dir = argv[2];
    int count = argc - 3;
    struct plugin plugins[MAX_PLUGINS];
    char config[16384];
    size_t used = (size_t)snprintf(config, sizeof config, "{\"replay_plugins\": {");

    if (!install_all(data_dir, count, argv + 3, plugins)) {
        return 1;
    }
    for (int i = 0; i < count; i++) {
        char name[256];
        package_name(argv[3 + i], name, sizeof name);
        snprintf(plugins[i].dir, sizeof plugins[i].dir, "%s/%s", plugins_dir, name);
        snprintf(plugins[i].script, sizeof plugins[i].script, "%s/demo.txt", plugins[i].dir);
        /* Paths from `make size` need no JSON escaping; refuse any that would. */
        if (strpbrk(plugins[i].dir, "\"\\") != NULL) {
            fprintf(stderr, "rss: %s: quotes and backslashes are not supported\n", plugins[i].dir);
            return 2;
        }
        used += (size_t)snprintf(config + used, sizeof config - used, "%s\"%s\": \"%s/fixtures\"",
                                 i ? ", " : "", plugins[i].id, plugins[i].dir);
        if (used >= sizeof config) {
            return 2;
        }
    }
    snprintf(config + used, sizeof config - used, "}}");

    BexEngine *engine = bex_engine_new_with_config(data_dir, config);
    if (engine == NULL) {
        fprintf(stderr, "rss: cannot open %s with %s\n", data_dir, config);
        return 1;
    }
    int ok = 1;
    struct totals totals = {0, 0, 0};
    for (int i = 0; i < count; i++) {
        ok &= walk(engine, plugins[i].id, plugins[i].script, &totals);
    }
    long idle = status_kib("VmRSS"), idle_anon = status_kib("RssAnon");
    long idle_file = status_kib("RssFile");

    ok &= reset_peak();
    ok &= search_at_once(engine, plugins, count);
    long peak = status_kib("VmHWM");
    ok &= bex_engine_free(engine) == 0;
    ok &= totals.failed == 0;
    if (idle < 0 || peak < 0) {
        fprintf(stderr, "rss: /proc/self/status has no VmRSS or VmHWM\n");
        return 1;
    }
    printf("idle_rss_kib %ld\nidle_anon_kib %ld\nidle_file_kib %ld\npeak_rss_kib %ld\n", idle,
           idle_anon, idle_file, peak);
    return ok ? 0 : 1;
}
