/* Test 10: signatures and publisher pins from C (docs/distribution.md).
 * An engine with default settings (a player's) refuses an unsigned
 * package; a plugin signed by one key is not replaced by a package signed
 * by another, whatever the flags; the pinned key shows in the plugin's
 * info; the flag for new code over an unsigned plugin is accepted. */
#define _XOPEN_SOURCE 700

#include "engine_tests.h"
#include "support.h"

#include <stdio.h>
#include <string.h>

/* Whether this thread's last error mentions `needle`; prints it if not. */
static bool last_error_has(const char *needle) {
    char *msg = bex_engine_last_error(NULL);
    bool found = msg != NULL && strstr(msg, needle) != NULL;
    if (!found) {
        fprintf(stderr, "  last error: %s\n", msg != NULL ? msg : "(none)");
    }
    bex_string_free(msg);
    return found;
}

static int list_len(BexEngine *e) {
    BexPluginInfoList list = bex_engine_list_plugins(e);
    int n = (int)list.len;
    bex_plugin_info_list_free(list);
    return n;
}

void test_signatures(void) {
    atomic_store(&g_test, "signatures");
    BexEngine *e = open_engine("signatures", NULL);
    if (e == NULL) {
        return;
    }
    char unsigned_pkg[4096], other_pkg[4096];
    package("unsigned-tvmaze", unsigned_pkg, sizeof unsigned_pkg);
    package("other-tvmaze", other_pkg, sizeof other_pkg);

    const unsigned all = BEX_INSTALL_FLAG_FORCE | BEX_INSTALL_FLAG_ACCEPT_PERMISSIONS |
                         BEX_INSTALL_FLAG_ACCEPT_UNVERIFIED;
    int rc = bex_engine_install_with(e, unsigned_pkg, all);
    CHECK(rc == BEX_ERROR_CODE_SIGNATURE_REQUIRED, "unsigned package: %s",
          bex_error_code_name(rc));
    CHECK(last_error_has("not signed"), "the message says why");
    CHECK(list_len(e) == 0, "a refused install left a plugin");

    if (!install(e, "tvmaze")) {
        bex_engine_free(e);
        return;
    }
    BexPluginInfo info;
    char pinned[128] = "";
    if (CHECK(bex_engine_plugin_info(e, TVMAZE, &info) == 0, "plugin_info")) {
        CHECK(strncmp(info.publisher, "ed25519:", 8) == 0 && strlen(info.publisher) == 72,
              "publisher: %s", info.publisher);
        snprintf(pinned, sizeof pinned, "%s", info.publisher);
        bex_plugin_info_free(&info);
    }
    rc = bex_engine_install_with(e, other_pkg, all);
    CHECK(rc == BEX_ERROR_CODE_PUBLISHER_MISMATCH, "another publisher: %s",
          bex_error_code_name(rc));
    CHECK(pinned[0] != '\0' && last_error_has(pinned), "the message names the pinned key");
    CHECK(strcmp(bex_error_code_name(BEX_ERROR_CODE_PUBLISHER_MISMATCH), "PUBLISHER_MISMATCH") ==
              0,
          "code name");
    if (CHECK(bex_engine_plugin_info(e, TVMAZE, &info) == 0, "plugin_info after")) {
        CHECK(strcmp(info.publisher, pinned) == 0, "the pin changed to %s", info.publisher);
        bex_plugin_info_free(&info);
    }
    CHECK(bex_engine_free(e) == 0, "free");
}
