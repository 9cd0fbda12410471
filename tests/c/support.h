/* What the engine test's files share (see engine.c): checks and their
 * counters, a counter to wait on, and helpers for engines, requests and
 * their callbacks, lane stats and breaker states. Each .c file defines
 * _XOPEN_SOURCE before including it. */
#ifndef BEX_C_TEST_SUPPORT_H
#define BEX_C_TEST_SUPPORT_H

#include "bex_engine.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest any single wait may take before it counts as a failure. */
#define WAIT_S 60.0
#define BAD_UTF8 "\xff\xfe"
#define HOSTILE "bex.hostile"
#define HOSTILE2 "bex.hostile2"
#define TVMAZE "bex.tvmaze"

/* WORK_DIR and FIXTURES_DIR from the command line, set by main. */
extern const char *g_work_dir;
extern const char *g_fixtures;

/* ---- checks ------------------------------------------------------------ */

extern atomic_int g_passed, g_failed;
extern _Atomic(const char *) g_test; /* the running test's name */

__attribute__((format(printf, 4, 5))) bool check_(bool ok, const char *file, int line,
                                                  const char *fmt, ...);
#define CHECK(cond, ...) check_((cond), __FILE__, __LINE__, __VA_ARGS__)

void print_last_error(const char *what);
double now_s(void);

/* ---- a counter to wait on ---------------------------------------------- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long count;
} waiter_t;

void waiter_init(waiter_t *w);
void waiter_destroy(waiter_t *w);
void waiter_add(waiter_t *w);
long waiter_count(waiter_t *w);
bool waiter_wait(waiter_t *w, long target, double seconds);

/* ---- engines and requests ---------------------------------------------- */

/* What one group of tests shares with its callbacks. Static storage: a
 * callback arriving after its test (a bug) still finds it. */
typedef struct {
    BexEngine *engine;
    waiter_t done;         /* one count per callback */
    atomic_bool freed;     /* set once bex_engine_free returned */
    atomic_int late;       /* callbacks after that */
    atomic_int zero_id;    /* callbacks for request id 0 */
    atomic_int bad_payload;
} ctx_t;

/* One request: its id, and what its callback(s) saw. */
typedef struct {
    ctx_t *ctx;
    _Atomic uint64_t id;     /* what the submit returned (0: refused) */
    atomic_int calls;        /* callbacks received */
    _Atomic uint64_t got_id; /* the request id the first callback got */
    atomic_bool success;
    char *payload; /* NUL-terminated copy of the first callback's payload */
    double at;     /* when the first callback arrived */
    int cancel_first; /* the first bex_cancel_request answer, -1 if none */
    int refused_code; /* the error code when the submit returned 0 */
} slot_t;

void ctx_init(ctx_t *c);
void data_dir(const char *name, char *out, size_t len);
void package(const char *name, char *out, size_t len);
BexEngine *open_engine(const char *name, const char *config);
bool install(BexEngine *e, const char *name);
void free_engine(ctx_t *c);

bool contains(const char *s, const char *needle);
bool failed_with(const slot_t *s, const char *code);
const char *outcome(const slot_t *s);

slot_t *record(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
               size_t len);
void on_result(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
               size_t len);
/* on_forbidden counts its calls in g_forbidden_calls. */
extern atomic_int g_forbidden_calls;
void on_forbidden(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
                  size_t len);

slot_t *slots_new(ctx_t *c, size_t n);
void slots_free(slot_t *s, size_t n);
void check_exactly_once(const char *what, slot_t *s, size_t n);
void check_ctx_clean(const char *what, ctx_t *c);

bool call_search(ctx_t *c, const char *plugin, const char *query, slot_t *s);
void slot_release(slot_t *s);
void expect_title(ctx_t *c, const char *plugin, const char *query, const char *title);
void expect_error(ctx_t *c, const char *plugin, const char *query, const char *code);

long lane_stat(BexEngine *e, const char *lane, const char *field);
bool wait_lane_stat(BexEngine *e, const char *lane, const char *field, long want);
int breaker_of(BexEngine *e, const char *plugin);

#endif
