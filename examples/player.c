/* A minimal player over the BEX C ABI (C99): open an engine, install a
 * package, run a search and a title lookup concurrently, wait for both
 * results with a condition variable, print them, free everything.
 *
 *   player DATA_DIR CONFIG_JSON PACKAGE PLUGIN_ID QUERY MEDIA_ID
 *
 * e.g. player /tmp/bex '{"replay_dir":"plugins/tvmaze/fixtures"}' \
 *        tvmaze.bex bex.tvmaze girls show:139
 *
 * Results go to stdout, engine and plugin log lines to stderr. Exits 0
 * only when every call succeeded. */
#include "bex_engine.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One request's outcome, filled in by `on_result` on a BEX worker. */
struct outcome {
    int done;
    int success;
    char *payload; /* NUL-terminated copy: BEX's buffer dies with the callback */
};

/* Shared by the callbacks and the main thread. */
struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t changed;
};

struct request {
    struct waiter *waiter;
    struct outcome outcome;
};

static void on_result(void *user_data, uint64_t request_id, bool success,
                      const uint8_t *payload, size_t len) {
    struct request *r = user_data;
    char *copy = malloc(len + 1);
    (void)request_id;
    if (copy != NULL) {
        if (len > 0) {
            memcpy(copy, payload, len);
        }
        copy[len] = '\0';
    }
    pthread_mutex_lock(&r->waiter->lock);
    r->outcome.done = 1;
    r->outcome.success = success && copy != NULL;
    r->outcome.payload = copy;
    pthread_cond_broadcast(&r->waiter->changed);
    pthread_mutex_unlock(&r->waiter->lock);
}

static void on_log(void *user_data, int32_t level, const char *plugin_id,
                   const char *request_id, const char *message) {
    static const char *const names[] = {"trace", "debug", "info", "warn", "error"};
    (void)user_data;
    fprintf(stderr, "[%s] %s %s: %s\n", level >= 0 && level <= 4 ? names[level] : "log",
            plugin_id, request_id, message);
}

/* Prints the calling thread's last BEX failure. Its message reads
 * "CODE: text"; the code is printed separately, so skip it. */
static void print_last_error(const BexEngine *engine, const char *what) {
    const char *code = bex_error_code_name(bex_engine_last_error_code(engine));
    char *message = bex_engine_last_error(engine);
    const char *text = message ? message : "unknown failure";
    size_t n = strlen(code);
    if (strncmp(text, code, n) == 0 && text[n] == ':' && text[n + 1] == ' ') {
        text += n + 2;
    }
    fprintf(stderr, "%s: error[%s]: %s\n", what, code, text);
    bex_string_free(message);
}

/* Id 0 means the request was not accepted and no callback will come: say
 * why now, before another call on this thread replaces the last error. */
static uint64_t submitted(const BexEngine *engine, const char *what, uint64_t id) {
    if (id == 0) {
        print_last_error(engine, what);
    }
    return id;
}

/* Waits for a submitted request, prints its outcome, and returns whether
 * it succeeded. */
static int finish(const char *what, uint64_t id, struct request *r) {
    int ok;
    if (id == 0) {
        return 0;
    }
    pthread_mutex_lock(&r->waiter->lock);
    while (!r->outcome.done) {
        pthread_cond_wait(&r->waiter->changed, &r->waiter->lock);
    }
    pthread_mutex_unlock(&r->waiter->lock);
    ok = r->outcome.success;
    if (ok) {
        printf("%s: %s\n", what, r->outcome.payload);
    } else {
        /* The payload is {"code": ..., "number": ..., "message": ...}. */
        fprintf(stderr, "%s failed: %s\n", what,
                r->outcome.payload ? r->outcome.payload : "(out of memory)");
    }
    free(r->outcome.payload);
    r->outcome.payload = NULL;
    return ok;
}

int main(int argc, char **argv) {
    struct waiter waiter;
    struct request search, info;
    BexEngine *engine;
    BexPluginInfoList plugins;
    uint64_t search_id, info_id;
    size_t i;
    int ok = 1;

    if (argc != 7) {
        fprintf(stderr, "usage: %s DATA_DIR CONFIG_JSON PACKAGE PLUGIN_ID QUERY MEDIA_ID\n",
                argv[0]);
        return 2;
    }
    printf("bex %s (plugin abi %s)\n", bex_version(), bex_abi_version());

    engine = bex_engine_new_with_config(argv[1], argv[2]);
    if (engine == NULL) {
        print_last_error(NULL, "open");
        return 1;
    }
    bex_engine_set_log_callback(engine, on_log, NULL);

    if (bex_engine_install(engine, argv[3]) != 0) {
        print_last_error(engine, "install");
        bex_engine_free(engine);
        return 1;
    }
    plugins = bex_engine_list_plugins(engine);
    for (i = 0; i < plugins.len; i++) {
        printf("installed: %s %s (%s)\n", plugins.items[i].id, plugins.items[i].version,
               plugins.items[i].name);
    }
    bex_plugin_info_list_free(plugins);

    pthread_mutex_init(&waiter.lock, NULL);
    pthread_cond_init(&waiter.changed, NULL);
    memset(&search, 0, sizeof search);
    memset(&info, 0, sizeof info);
    search.waiter = &waiter;
    info.waiter = &waiter;

    /* Both requests are in flight at once; the engine runs them on its
     * User lane workers and calls back on those threads. */
    search_id = submitted(engine, "search",
                          bex_submit_search(engine, argv[4], argv[5], on_result, &search));
    info_id = submitted(engine, "info",
                        bex_submit_info(engine, argv[4], argv[6], on_result, &info));
    ok &= finish("search", search_id, &search);
    ok &= finish("info", info_id, &info);

    /* Every callback has run (or never will): safe to free. */
    if (bex_engine_free(engine) != 0) {
        ok = 0;
    }
    pthread_cond_destroy(&waiter.changed);
    pthread_mutex_destroy(&waiter.lock);
    return ok ? 0 : 1;
}
