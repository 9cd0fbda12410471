/* Links libbex_engine.a from C and checks the stable parts of the ABI.
 * Built with -Wall -Wextra -Werror under AddressSanitizer and
 * UndefinedBehaviorSanitizer by `make test-c`. */
#include "bex_engine.h"
#include "bex_engine.h" /* the header survives double inclusion */

#include <stdio.h>
#include <string.h>

static int failures = 0;

static void expect_str(const char *what, const char *got, const char *want) {
    if (got == NULL || strcmp(got, want) != 0) {
        fprintf(stderr, "FAIL %s: got \"%s\", want \"%s\"\n", what, got ? got : "(null)", want);
        failures++;
    }
}

int main(void) {
    expect_str("OK", bex_error_code_name(BEX_ERROR_CODE_OK), "OK");
    expect_str("NOT_FOUND", bex_error_code_name(BEX_ERROR_CODE_NOT_FOUND), "NOT_FOUND");
    expect_str("DOWNGRADE", bex_error_code_name(BEX_ERROR_CODE_DOWNGRADE), "DOWNGRADE");
    expect_str("unknown", bex_error_code_name(-1), "UNKNOWN");
    expect_str("unknown", bex_error_code_name(100000), "UNKNOWN");
    expect_str("abi", bex_abi_version(), "1.0.0");
    if (BEX_ERROR_CODE_ABI_MISMATCH != 1 || BEX_ERROR_CODE_INTERNAL != 16) {
        fprintf(stderr, "FAIL: published code numbers changed\n");
        failures++;
    }
    if (strlen(bex_version()) == 0) {
        fprintf(stderr, "FAIL: empty version\n");
        failures++;
    }
    if (failures == 0) {
        printf("c abi: ok (bex %s, abi %s)\n", bex_version(), bex_abi_version());
    }
    return failures == 0 ? 0 : 1;
}
