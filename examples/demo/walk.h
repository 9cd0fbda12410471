/* One plugin's walk through the C ABI (see demo.c). */
#ifndef BEX_DEMO_WALK_H
#define BEX_DEMO_WALK_H

#include "bex_engine.h"

/* Steps run and failed, over every plugin. */
struct totals {
    int steps;
    int failed;
    int plugins;
};

/* Walks plugin `id` on `engine` (replaying its fixtures) with the inputs
 * and expectations of the demo script at `script_path`. Returns 1 when
 * every step succeeded and showed what the script expects. */
int walk(BexEngine *engine, const char *id, const char *script_path, struct totals *totals);

#endif
