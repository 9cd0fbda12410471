/* A runtime-only engine (built without the compiler) through the C ABI:
 * it refuses a package without a matching precompiled artifact with
 * NO_ARTIFACT, and runs one installed with its artifact. `make
 * test-runtime` builds it against the runtime-only library:
 *
 *     c-runtime-test WORK_DIR FIXTURES_DIR
 *
 * WORK_DIR holds tvmaze.bex (nothing beside it), good.bexa (precompiled
 * for this engine) and other.bexa (for the other execution strategy);
 * FIXTURES_DIR the TVmaze recordings. */
#define _XOPEN_SOURCE 700

#include "outcome.h"

#include <stdio.h>
#include <string.h>

/* `stats` JSON of `e` contains `text`. */
static int stats_has(BexEngine *e, const char *text) {
    char *stats = bex_engine_stats(e);
    int has = stats != NULL && strstr(stats, text) != NULL;
    bex_string_free(stats);
    return has;
}

/* The last error of `e` contains `text`. */
static int error_has(BexEngine *e, const char *text) {
    char *message = bex_engine_last_error(e);
    int has = message != NULL && strstr(message, text) != NULL;
    if (!has) {
        fprintf(stderr, "  last error: %s\n", message ? message : "(none)");
    }
    bex_string_free(message);
    return has;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s WORK_DIR FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    char data[4096], package[4096], good[4096], other[4096], config[8192];
    snprintf(data, sizeof data, "%s/data", argv[1]);
    snprintf(package, sizeof package, "%s/tvmaze.bex", argv[1]);
    snprintf(good, sizeof good, "%s/good.bexa", argv[1]);
    snprintf(other, sizeof other, "%s/other.bexa", argv[1]);
    snprintf(config, sizeof config, "{\"replay_dir\": \"%s\"}", argv[2]);

    BexEngine *e = bex_engine_new(data);
    if (!CHECK(e != NULL, "open %s", data)) {
        return 1;
    }
    CHECK(stats_has(e, "\"jit\":false"), "the engine says it can compile");
    int rc = bex_engine_install(e, package);
    CHECK(rc == BEX_ERROR_CODE_NO_ARTIFACT, "install without an artifact: %s",
          bex_error_code_name(rc));
    CHECK(error_has(e, "bex precompile"), "the refusal does not say how to make an artifact");
    rc = bex_engine_install_precompiled(e, package, other, 0);
    CHECK(rc == BEX_ERROR_CODE_NO_ARTIFACT, "install with another engine's artifact: %s",
          bex_error_code_name(rc));
    CHECK(error_has(e, "this engine needs"), "the refusal does not name the key wanted");
    BexPluginInfoList none = bex_engine_list_plugins(e);
    CHECK(none.len == 0, "a refused install left %zu plugins", none.len);
    bex_plugin_info_list_free(none);
    rc = bex_engine_install_precompiled(e, package, good, 0);
    CHECK(rc == 0, "install with its artifact: %s", bex_error_code_name(rc));
    CHECK(bex_engine_free(e) == 0, "free");

    e = bex_engine_new_with_config(data, config);
    if (!CHECK(e != NULL, "open %s with %s", data, config)) {
        return 1;
    }
    static struct outcome o;
    outcome_init(&o);
    uint64_t id = bex_submit_search(e, "bex.tvmaze", "girls", on_result, &o);
    if (CHECK(id != 0, "search refused") && CHECK(wait_for(&o), "search: no outcome")) {
        CHECK(o.success && strstr(o.payload, "\"title\":\"Girls\"") != NULL, "search: %.200s",
              o.payload);
    }
    outcome_destroy(&o);
    CHECK(stats_has(e, "\"compiles\":0"), "the runtime-only engine compiled");
    CHECK(bex_engine_free(e) == 0, "free");
    printf("c-runtime: bex %s runtime-only: %s\n", bex_version(),
           g_failed ? "FAILED" : "all passed");
    return g_failed ? 1 : 0;
}
