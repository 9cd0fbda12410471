/* Tests 2-5 of the engine test (see engine.c): the life of requests and
 * engines. Many mixed submissions with random cancels, bex_engine_free with
 * requests in flight or from another thread while callbacks run, and
 * callbacks that submit or try to free their engine. */
#define _XOPEN_SOURCE 700

#include "engine_tests.h"
#include "support.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

/* ---- 2. many mixed submissions with random cancels ------------------- */

#define MIXED 2000

uint64_t g_rng;
static uint32_t rnd(uint32_t n) {
    g_rng = g_rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(g_rng >> 33) % n;
}

/* Cancels slot S, checking the answer against what earlier cancels of it
 * said. */
static void cancel_slot(BexEngine *e, slot_t *s) {
    uint64_t id = atomic_load(&s->id);
    int r = bex_cancel_request(e, id);
    CHECK(r >= BEX_CANCEL_RESULT_NOT_FOUND && r <= BEX_CANCEL_RESULT_RUNNING,
          "cancel %llu: answer %d", (unsigned long long)id, r);
    if (s->cancel_first < 0) {
        s->cancel_first = r;
    } else if (s->cancel_first == BEX_CANCEL_RESULT_RUNNING) {
        CHECK(r != BEX_CANCEL_RESULT_QUEUED, "cancel %llu again: QUEUED after RUNNING",
              (unsigned long long)id);
    } else {
        CHECK(r == BEX_CANCEL_RESULT_NOT_FOUND, "cancel %llu again: %d after %d, want NOT_FOUND",
              (unsigned long long)id, r, s->cancel_first);
    }
}

static ctx_t g_ctx2;

void test_mixed_submissions(void) {
    atomic_store(&g_test, "mixed_submissions");
    ctx_t *c = &g_ctx2;
    ctx_init(c);
    c->engine = open_engine("mixed", "{\"limits\": {\"timeout_ms\": 20000}, \"lanes\": {"
                                     "\"control\": {\"capacity\": 4096},"
                                     "\"user\": {\"capacity\": 4096},"
                                     "\"background\": {\"capacity\": 4096}}}");
    if (c->engine == NULL || !install(c->engine, "hostile")) {
        bex_engine_free(c->engine);
        return;
    }
    BexEngine *e = c->engine;
    slot_t *s = slots_new(c, MIXED);
    long accepted = 0;
    static const int32_t lanes[] = {BEX_LANE_CONTROL, BEX_LANE_USER, BEX_LANE_BACKGROUND,
                                    BEX_LANE_DEFAULT};
    for (int i = 0; i < MIXED; i++) {
        uint64_t id;
        int kind = i % 6;
        char request_id[32];
        snprintf(request_id, sizeof request_id, "c-%d", i);
        if (kind < 4) {
            BexRequestOptions o = {.lane = lanes[kind],
                                   .locale = i % 2 ? "en-US" : NULL,
                                   .request_id = i % 3 ? request_id : NULL};
            id = bex_submit(e, HOSTILE, "search", "{\"query\":\"ok\"}", &o, on_result, &s[i]);
        } else if (kind == 4) {
            id = bex_submit_search(e, HOSTILE, "ok", on_result, &s[i]);
        } else {
            id = bex_submit_home(e, HOSTILE, on_result, &s[i]);
        }
        atomic_store(&s[i].id, id);
        if (id == 0) {
            s[i].refused_code = bex_engine_last_error_code(NULL);
            CHECK(false, "submit %d refused", i);
            print_last_error("submit");
            continue;
        }
        accepted++;
        uint32_t dice = rnd(8);
        if (dice < 2) { /* cancel at once, and sometimes twice */
            cancel_slot(e, &s[i]);
            if (dice == 0) {
                cancel_slot(e, &s[i]);
            }
        } else if (dice == 2 && i > 0) { /* cancel an earlier one */
            slot_t *earlier = &s[rnd((uint32_t)i)];
            if (atomic_load(&earlier->id) != 0) {
                cancel_slot(e, earlier);
            }
        }
    }
    CHECK(waiter_wait(&c->done, accepted, WAIT_S), "%ld of %ld callbacks within %.0f s",
          waiter_count(&c->done), accepted, WAIT_S);
    /* A cancel after the callback finds nothing. */
    CHECK(bex_cancel_request(e, atomic_load(&s[0].id)) == BEX_CANCEL_RESULT_NOT_FOUND,
          "cancel after the callback");
    free_engine(c);
    check_exactly_once("mixed", s, MIXED);
    int queued = 0, running = 0, late = 0, wrong = 0;
    for (int i = 0; i < MIXED; i++) {
        slot_t *x = &s[i];
        if (atomic_load(&x->calls) == 0) {
            continue;
        }
        bool ok = atomic_load(&x->success);
        const char *title = i % 6 == 5 ? "\"title\":\"home\"" : "\"title\":\"ok\"";
        bool succeeded = ok && contains(x->payload, title);
        bool cancelled = failed_with(x, "CANCELLED");
        bool right;
        switch (x->cancel_first) {
        case BEX_CANCEL_RESULT_QUEUED: /* dropped before it ran */
            queued++;
            right = cancelled;
            break;
        case BEX_CANCEL_RESULT_RUNNING: /* either, depending on who won */
            running++;
            right = cancelled || succeeded;
            break;
        case BEX_CANCEL_RESULT_NOT_FOUND: /* already finished */
            late++;
            right = succeeded;
            break;
        default: /* never cancelled */
            right = succeeded;
        }
        if (!right && wrong++ < 5) {
            fprintf(stderr, "     request %d (cancel answer %d): %s\n", i, x->cancel_first,
                    outcome(x));
        }
    }
    CHECK(wrong == 0, "%d requests had the wrong outcome for their cancel answer", wrong);
    CHECK(queued > 0, "no cancel found its request queued (of %d submits)", MIXED);
    printf("  mixed: %ld accepted; cancels answered queued %d, running %d, too late %d\n",
           accepted, queued, running, late);
    check_ctx_clean("mixed", c);
    slots_free(s, MIXED);
    waiter_destroy(&c->done);
}

/* ---- 3. free with 100 requests in flight -------------------------------- */

static ctx_t g_ctx3;

void test_free_in_flight(void) {
    atomic_store(&g_test, "free_in_flight");
    ctx_t *c = &g_ctx3;
    ctx_init(c);
    c->engine = open_engine("in-flight", "{\"limits\": {\"timeout_ms\": 20000},"
                                         "\"lanes\": {\"user\": {\"workers\": 4}}}");
    if (c->engine == NULL || !install(c->engine, "hostile")) {
        bex_engine_free(c->engine);
        return;
    }
    enum { N = 100 };
    slot_t *s = slots_new(c, N);
    for (int i = 0; i < N; i++) {
        uint64_t id = bex_submit_search(c->engine, HOSTILE, "loop", on_result, &s[i]);
        atomic_store(&s[i].id, id);
        CHECK(id != 0, "submit loop %d refused", i);
    }
    /* Every worker is inside a loop; the rest wait in the queue. */
    CHECK(wait_lane_stat(c->engine, "user", "in_flight", 4), "the 4 user workers never all ran");
    CHECK(waiter_count(&c->done) == 0, "a loop finished before the free");
    free_engine(c);
    long delivered = waiter_count(&c->done);
    CHECK(delivered == N, "%ld of %d callbacks delivered when bex_engine_free returned", delivered,
          N);
    check_exactly_once("free_in_flight", s, N);
    int not_cancelled = 0;
    for (int i = 0; i < N; i++) {
        not_cancelled += !failed_with(&s[i], "CANCELLED");
    }
    CHECK(not_cancelled == 0, "%d requests not reported CANCELLED (first: %s)", not_cancelled,
          outcome(&s[0]));
    check_ctx_clean("free_in_flight", c);
    slots_free(s, N);
    waiter_destroy(&c->done);
}

/* ---- 4. free from another thread while callbacks run -------------------- */

#define RACE_SLOTS 20000

typedef struct {
    ctx_t ctx;
    slot_t *slots;
    atomic_long next;        /* next free slot */
    atomic_bool stop_a;      /* thread A stops submitting */
    atomic_int bad_refusal;  /* refusals that were not NOT_READY */
    atomic_int resubmitted;  /* accepted from callbacks */
    atomic_int not_ready;    /* refused from callbacks with NOT_READY */
    atomic_long work;        /* the callbacks' "little work" */
} race_t;

static race_t g_race;

static slot_t *race_slot(void) {
    long i = atomic_fetch_add(&g_race.next, 1);
    return i < RACE_SLOTS ? &g_race.slots[i] : NULL;
}

static void on_race(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
                    size_t len) {
    slot_t *s = record(user_data, request_id, success, payload, len);
    long sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum += payload[i];
    }
    atomic_fetch_add(&g_race.work, sum);
    slot_t *next = race_slot();
    if (next != NULL) {
        /* The engine may be shutting down: this races bex_engine_free. */
        uint64_t id = bex_submit_search(g_race.ctx.engine, HOSTILE, "ok", on_race, next);
        atomic_store(&next->id, id);
        if (id != 0) {
            atomic_fetch_add(&g_race.resubmitted, 1);
        } else {
            next->refused_code = bex_engine_last_error_code(NULL);
            if (next->refused_code == BEX_ERROR_CODE_NOT_READY) {
                atomic_fetch_add(&g_race.not_ready, 1);
            } else {
                atomic_fetch_add(&g_race.bad_refusal, 1);
            }
        }
    }
    waiter_add(&s->ctx->done);
}

/* Thread A: keeps about 64 requests outstanding until told to stop. */
static void *race_submitter(void *arg) {
    (void)arg;
    long accepted = 0;
    while (!atomic_load(&g_race.stop_a)) {
        if (accepted - waiter_count(&g_race.ctx.done) > 64) {
            sched_yield();
            continue;
        }
        slot_t *s = race_slot();
        if (s == NULL) {
            break;
        }
        uint64_t id = bex_submit_search(g_race.ctx.engine, HOSTILE, "ok", on_race, s);
        atomic_store(&s->id, id);
        if (id == 0) {
            s->refused_code = bex_engine_last_error_code(NULL);
            atomic_fetch_add(&g_race.bad_refusal, 1);
        } else {
            accepted++;
        }
    }
    return NULL;
}

static pthread_t g_thread_a;

/* Thread B: once callbacks are flowing, stops A and frees the engine. */
static void *race_freer(void *arg) {
    (void)arg;
    CHECK(waiter_wait(&g_race.ctx.done, 200, WAIT_S), "only %ld callbacks before the free",
          waiter_count(&g_race.ctx.done));
    /* The header forbids any other call once bex_engine_free began, so A
     * stops right before it; the callbacks keep submitting through it. */
    atomic_store(&g_race.stop_a, true);
    pthread_join(g_thread_a, NULL);
    free_engine(&g_race.ctx);
    return NULL;
}

void test_free_from_other_thread(void) {
    atomic_store(&g_test, "free_from_other_thread");
    race_t *r = &g_race;
    ctx_init(&r->ctx);
    r->ctx.engine = open_engine("race", "{\"limits\": {\"timeout_ms\": 20000}, \"lanes\": {"
                                        "\"user\": {\"capacity\": 4096}}}");
    if (r->ctx.engine == NULL || !install(r->ctx.engine, "hostile")) {
        bex_engine_free(r->ctx.engine);
        return;
    }
    r->slots = slots_new(&r->ctx, RACE_SLOTS);
    pthread_t b;
    pthread_create(&g_thread_a, NULL, race_submitter, NULL);
    pthread_create(&b, NULL, race_freer, NULL);
    pthread_join(b, NULL);
    long used = atomic_load(&r->next);
    size_t n = used < RACE_SLOTS ? (size_t)used : RACE_SLOTS;
    check_exactly_once("free_from_other_thread", r->slots, n);
    long accepted = 0, wrong = 0;
    for (size_t i = 0; i < n; i++) {
        slot_t *s = &r->slots[i];
        if (atomic_load(&s->id) == 0) {
            continue;
        }
        accepted++;
        bool ok = atomic_load(&s->success) && contains(s->payload, "\"title\":\"ok\"");
        if (!ok && !failed_with(s, "CANCELLED") && wrong++ < 5) {
            fprintf(stderr, "     request %zu: %s\n", i, outcome(s));
        }
    }
    CHECK(wrong == 0, "%ld requests neither succeeded nor were CANCELLED", wrong);
    CHECK(atomic_load(&r->bad_refusal) == 0, "%d submits refused with another code than NOT_READY",
          atomic_load(&r->bad_refusal));
    CHECK(accepted == waiter_count(&r->ctx.done), "%ld accepted, %ld callbacks", accepted,
          waiter_count(&r->ctx.done));
    printf("  race: %ld accepted (%d from callbacks), %d refused NOT_READY during shutdown\n",
           accepted, atomic_load(&r->resubmitted), atomic_load(&r->not_ready));
    check_ctx_clean("free_from_other_thread", &r->ctx);
    slots_free(r->slots, RACE_SLOTS);
    waiter_destroy(&r->ctx.done);
}

/* ---- 5. callbacks that submit, and one that tries to free --------------- */

#define CHAIN 20

typedef struct {
    ctx_t ctx;
    slot_t slots[CHAIN];
    atomic_int links; /* submitted so far */
    atomic_int chain_refused;
    slot_t self;      /* the request whose callback frees the engine */
    int free_rc;      /* what bex_engine_free returned inside it */
    int free_code;    /* the callback thread's last error code then */
} chain_t;

static chain_t g_chain;

static void on_chain(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
                     size_t len) {
    slot_t *s = record(user_data, request_id, success, payload, len);
    int n = atomic_load(&g_chain.links);
    if (n < CHAIN) {
        slot_t *next = &g_chain.slots[n];
        atomic_store(&g_chain.links, n + 1);
        uint64_t id = bex_submit_search(g_chain.ctx.engine, HOSTILE, "ok", on_chain, next);
        atomic_store(&next->id, id);
        if (id == 0) {
            atomic_fetch_add(&g_chain.chain_refused, 1);
        }
    }
    waiter_add(&s->ctx->done);
}

static void on_self_free(void *user_data, uint64_t request_id, bool success,
                         const uint8_t *payload, size_t len) {
    slot_t *s = record(user_data, request_id, success, payload, len);
    g_chain.free_rc = bex_engine_free(g_chain.ctx.engine);
    g_chain.free_code = bex_engine_last_error_code(NULL);
    waiter_add(&s->ctx->done);
}

void test_callbacks_submit_and_free(void) {
    atomic_store(&g_test, "callbacks_submit_and_free");
    chain_t *ch = &g_chain;
    ctx_t *c = &ch->ctx;
    ctx_init(c);
    c->engine = open_engine("chain", "{\"limits\": {\"timeout_ms\": 20000}}");
    if (c->engine == NULL || !install(c->engine, "hostile")) {
        bex_engine_free(c->engine);
        return;
    }
    for (int i = 0; i < CHAIN; i++) {
        ch->slots[i].ctx = c;
        ch->slots[i].cancel_first = -1;
    }
    atomic_store(&ch->links, 1);
    uint64_t first = bex_submit_search(c->engine, HOSTILE, "ok", on_chain, &ch->slots[0]);
    atomic_store(&ch->slots[0].id, first);
    CHECK(first != 0, "first link refused");
    CHECK(waiter_wait(&c->done, CHAIN, WAIT_S), "chain: %ld of %d links called back",
          waiter_count(&c->done), CHAIN);
    CHECK(atomic_load(&ch->links) == CHAIN && atomic_load(&ch->chain_refused) == 0,
          "chain: %d links submitted, %d refused", atomic_load(&ch->links),
          atomic_load(&ch->chain_refused));
    int ok = 0;
    for (int i = 0; i < CHAIN; i++) {
        ok += atomic_load(&ch->slots[i].success) &&
              contains(ch->slots[i].payload, "\"title\":\"ok\"");
    }
    CHECK(ok == CHAIN, "chain: %d of %d links succeeded", ok, CHAIN);

    /* A callback freeing its own engine is refused; the engine lives on. */
    ch->self.ctx = c;
    long before = waiter_count(&c->done);
    uint64_t id = bex_submit_search(c->engine, HOSTILE, "ok", on_self_free, &ch->self);
    atomic_store(&ch->self.id, id);
    CHECK(id != 0, "self-free request refused");
    CHECK(waiter_wait(&c->done, before + 1, WAIT_S), "no callback for the self-free request");
    CHECK(ch->free_rc == BEX_ERROR_CODE_NOT_READY && ch->free_code == BEX_ERROR_CODE_NOT_READY,
          "bex_engine_free inside a callback: %d, last error %d, want NOT_READY", ch->free_rc,
          ch->free_code);
    expect_title(c, HOSTILE, "ok", "ok");
    BexPluginInfoList list = bex_engine_list_plugins(c->engine);
    CHECK(list.len == 1, "list after the refused free: %zu plugins", list.len);
    bex_plugin_info_list_free(list);
    free_engine(c);
    check_exactly_once("chain", ch->slots, CHAIN);
    check_exactly_once("self-free", &ch->self, 1);
    check_ctx_clean("callbacks_submit_and_free", c);
    for (int i = 0; i < CHAIN; i++) {
        slot_release(&ch->slots[i]);
    }
    slot_release(&ch->self);
    waiter_destroy(&c->done);
}
