/* The BEX demo player (C99, `make demo`): everything a player does, through
 * the C ABI only.
 *
 *   demo DATA_DIR PLUGINS_DIR PACKAGE...
 *   demo DATA_DIR PLUGINS_DIR --repo REPO_DIR
 *
 * Installs every package (plugins/dist/NAME.bex) into a fresh DATA_DIR, or,
 * with --repo, every plugin of the signed repository `make repo` builds,
 * served from a loopback port and listed as a player's catalogue (repo.c);
 * then, for each, opens an engine that replays the plugin's recorded
 * responses (PLUGINS_DIR/NAME/fixtures: no network) and walks what the
 * plugin provides the way a player's screens would: home -> category;
 * search -> info -> servers -> stream; subtitles -> download; articles ->
 * search. Each step prints a short summary; PLUGINS_DIR/NAME/demo.txt
 * gives the inputs (queries, secrets) and what each step must show
 * (`expect STEP TEXT`). Exits 0 only if every step succeeded and showed
 * what the fixtures promise. */
#include "bex_engine.h"
#include "repo.h"
#include "walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_log(void *user_data, int32_t level, const char *plugin_id,
                   const char *request_id, const char *message) {
    (void)user_data;
    (void)request_id;
    if (level >= 3) { /* warnings and errors only: the summary is the output */
        fprintf(stderr, "  [%s] %s: %s\n", level == 3 ? "warn" : "error", plugin_id, message);
    }
}

static void print_error(const BexEngine *engine, const char *what) {
    char *message = bex_engine_last_error(engine);
    fprintf(stderr, "demo: %s: %s\n", what, message ? message : "unknown failure");
    bex_string_free(message);
}

/* `dir/name` in a new buffer. */
static char *join(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *out = malloc(n);
    if (out != NULL) {
        snprintf(out, n, "%s/%s", dir, name);
    }
    return out;
}

/* NAME of ".../NAME.bex". */
static char *package_name(const char *path) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".bex") == 0) {
        n -= 4;
    }
    char *out = malloc(n + 1);
    if (out != NULL) {
        memcpy(out, base, n);
        out[n] = '\0';
    }
    return out;
}

/* Installs the packages; fills `ids` with each one's plugin id. */
static int install_all(const char *data_dir, int count, char **packages, char **ids) {
    BexEngine *engine = bex_engine_new(data_dir);
    if (engine == NULL) {
        fprintf(stderr, "demo: cannot open %s\n", data_dir);
        return 0;
    }
    int ok = 1;
    BexPluginInfoList before = bex_engine_list_plugins(engine);
    size_t had = before.len;
    bex_plugin_info_list_free(before);
    if (had != 0) {
        fprintf(stderr, "demo: %s is not a fresh data directory\n", data_dir);
        ok = 0;
    }
    for (int i = 0; ok && i < count; i++) {
        if (bex_engine_install(engine, packages[i]) != 0) {
            print_error(engine, packages[i]);
            ok = 0;
            break;
        }
        /* The newest install is the one not yet named. */
        BexPluginInfoList list = bex_engine_list_plugins(engine);
        for (size_t j = 0; j < list.len; j++) {
            int known = 0;
            for (int k = 0; k < i; k++) {
                known |= strcmp(ids[k], list.items[j].id) == 0;
            }
            if (!known) {
                ids[i] = strdup(list.items[j].id);
                printf("installed %-22s %s %s\n", list.items[j].id, list.items[j].version,
                       list.items[j].name);
            }
        }
        bex_plugin_info_list_free(list);
        if (ids[i] == NULL) {
            fprintf(stderr, "demo: %s installed no new plugin\n", packages[i]);
            ok = 0;
        }
    }
    if (bex_engine_free(engine) != 0) {
        ok = 0;
    }
    return ok;
}

/* A JSON string literal of `s` (paths are passed inside the config). */
static char *json_quote(const char *s) {
    char *out = malloc(strlen(s) * 6 + 3), *o = out;
    if (out == NULL) {
        return NULL;
    }
    *o++ = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20) {
            o += sprintf(o, "\\u%04x", c);
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* Opens an engine replaying `fixtures` and walks plugin `id`. */
static int walk_plugin(const char *data_dir, const char *plugin_dir, const char *id,
                       struct totals *totals) {
    char *fixtures = join(plugin_dir, "fixtures");
    char *script = join(plugin_dir, "demo.txt");
    char *quoted = fixtures ? json_quote(fixtures) : NULL;
    char config[4096];
    int ok = 0;
    if (quoted == NULL || script == NULL) {
        goto out;
    }
    snprintf(config, sizeof config, "{\"replay_dir\": %s}", quoted);
    BexEngine *engine = bex_engine_new_with_config(data_dir, config);
    if (engine == NULL) {
        fprintf(stderr, "demo: cannot open %s with %s\n", data_dir, config);
        goto out;
    }
    bex_engine_set_log_callback(engine, on_log, NULL);
    ok = walk(engine, id, script, totals);
    if (bex_engine_free(engine) != 0) {
        ok = 0;
    }
out:
    free(quoted);
    free(fixtures);
    free(script);
    return ok;
}

int main(int argc, char **argv) {
    int from_repo = argc == 5 && strcmp(argv[3], "--repo") == 0;
    if (argc < 4) {
        fprintf(stderr, "usage: %s DATA_DIR PLUGINS_DIR (PACKAGE... | --repo REPO_DIR)\n", argv[0]);
        return 2;
    }
    const char *data_dir = argv[1], *plugins_dir = argv[2];
    int count = 0;
    char **ids = NULL, **names = NULL;
    struct totals totals = {0, 0, 0};
    int ok;

    printf("BEX %s (C ABI %s)\n\n", bex_version(), bex_abi_version());
    if (from_repo) {
        count = install_from_repo(data_dir, argv[4], &ids, &names);
        ok = count > 0;
    } else {
        count = argc - 3;
        char **packages = argv + 3;
        ids = calloc((size_t)count, sizeof *ids);
        names = calloc((size_t)count, sizeof *names);
        ok = ids != NULL && names != NULL && install_all(data_dir, count, packages, ids);
        for (int i = 0; names != NULL && i < count; i++) {
            names[i] = package_name(packages[i]);
        }
    }
    /* A failing plugin does not stop the walk of the others. */
    for (int i = 0; ok && i < count; i++) {
        char *dir = names[i] ? join(plugins_dir, names[i]) : NULL;
        printf("\n");
        if (dir == NULL || !walk_plugin(data_dir, dir, ids[i], &totals)) {
            ok = 0;
        }
        free(dir);
    }
    printf("\n%s: %d plugin%s, %d steps, %d failed\n", ok ? "demo passed" : "DEMO FAILED", count,
           count == 1 ? "" : "s", totals.steps, totals.failed);
    for (int i = 0; i < count; i++) {
        free(ids ? ids[i] : NULL);
        free(names ? names[i] : NULL);
    }
    free(ids);
    free(names);
    return ok && totals.failed == 0 ? 0 : 1;
}
