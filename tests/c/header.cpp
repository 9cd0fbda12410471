// The generated header must compile as C++ and survive double inclusion.
#include "bex_engine.h"
#include "bex_engine.h"

static_assert(BEX_ERROR_CODE_OK == 0, "OK is zero");

int main() {
    return bex_error_code_name(BEX_ERROR_CODE_OK) == nullptr ? 1 : 0;
}
