/* See walk.h. Every call goes through the C ABI's submit functions; the
 * result arrives on a BEX worker thread and is handed to the walking
 * thread with a condition variable, as a player's UI thread would. */
#include "walk.h"
#include "json.h"
#include "script.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One request's outcome. */
struct call {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int done, success;
    char *payload; /* NUL-terminated copy: BEX's buffer dies with the callback */
    size_t len;
};

struct walk {
    BexEngine *engine;
    const char *id;
    struct script script;
    struct totals *totals;
    const char *step;
    char summary[16384];
    size_t summary_len;
    char *payload; /* the current step's result JSON */
    int ok;
    int step_failed;
};

static void on_result(void *user_data, uint64_t request_id, bool success, const uint8_t *payload,
                      size_t len) {
    struct call *c = user_data;
    char *copy = malloc(len + 1);
    (void)request_id;
    if (copy != NULL) {
        memcpy(copy, payload, len);
        copy[len] = '\0';
    }
    pthread_mutex_lock(&c->lock);
    c->done = 1;
    c->success = success && copy != NULL;
    c->payload = copy;
    c->len = len;
    pthread_cond_broadcast(&c->changed);
    pthread_mutex_unlock(&c->lock);
}

static void call_init(struct call *c) {
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->changed, NULL);
}

/* Appends to the step's summary and prints it. */
static void say(struct walk *w, const char *format, ...) {
    va_list args;
    size_t room = sizeof w->summary - w->summary_len;
    va_start(args, format);
    int n = vsnprintf(w->summary + w->summary_len, room, format, args);
    va_end(args);
    if (n > 0) {
        fputs(w->summary + w->summary_len, stdout);
        w->summary_len += (size_t)n < room ? (size_t)n : room - 1;
    }
}

static void fail(struct walk *w, const char *format, ...) {
    va_list args;
    va_start(args, format);
    printf("\n    FAILED: ");
    vprintf(format, args);
    va_end(args);
    w->ok = 0;
    w->step_failed = 1;
}

/* Starts step `step`, waits for request `id` and returns its result, or
 * NULL after reporting the failure. */
static json *await(struct walk *w, const char *step, const char *label, uint64_t id,
                   struct call *c) {
    json *result = NULL;
    w->step = step;
    w->step_failed = 0;
    w->summary_len = 0;
    w->summary[0] = '\0';
    free(w->payload);
    w->payload = NULL;
    w->totals->steps++;
    /* A long label puts its summary on the next line, in the column. */
    printf(strlen(label) > 15 ? "  %s\n                  " : "  %-15s ", label);
    if (id == 0) {
        char *message = bex_engine_last_error(w->engine);
        fail(w, "not accepted: %s", message ? message : "?");
        bex_string_free(message);
        goto out;
    }
    pthread_mutex_lock(&c->lock);
    while (!c->done) pthread_cond_wait(&c->changed, &c->lock);
    pthread_mutex_unlock(&c->lock);
    w->payload = c->payload;
    result = c->payload ? json_parse(c->payload, c->len, NULL) : NULL;
    if (!c->success) {
        fail(w, "%s: %s", json_get_str(result, "code"), json_get_str(result, "message"));
        json_free(result);
        result = NULL;
    } else if (result == NULL) {
        fail(w, "the result is not JSON");
    }
out:
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->changed);
    return result;
}

/* Ends the step: every `expect STEP TEXT` must appear in its summary or
 * its result. */
static void done(struct walk *w, const json *result) {
    for (int i = 0; i < w->script.len; i++) {
        struct directive *d = &w->script.items[i];
        if (strcmp(d->name, "expect") != 0 || strcmp(d->arg, w->step) != 0) continue;
        d->used = 1;
        if (result == NULL) continue; /* already failed */
        if (strstr(w->summary, d->rest) == NULL && (w->payload == NULL || strstr(w->payload, d->rest) == NULL)) {
            fail(w, "expected \"%s\" in %s", d->rest, w->step);
        }
    }
    if (w->step_failed) w->totals->failed++;
    printf("\n");
}

static const char *or(const char *s, const char *fallback) { return s ? s : fallback; }

/* "Title (2012)" of a card. */
static void say_card(struct walk *w, const json *card, const char *separator) {
    double year = json_get_num(card, "year", -1);
    say(w, "%s%s", separator, or(json_get_str(card, "title"), "?"));
    if (year >= 0) say(w, " (%.0f)", year);
}

/* The first `max` cards of a list, then how many more. */
static void say_cards(struct walk *w, const json *items, size_t max) {
    size_t n = json_len(items);
    for (size_t i = 0; i < n && i < max; i++) say_card(w, json_at(items, i), i ? ", " : ": ");
    if (n > max) say(w, ", +%zu more", n - max);
}

static void say_headers(struct walk *w, const json *headers) {
    for (size_t i = 0; i < json_len(headers); i++) {
        const json *h = json_at(headers, i);
        say(w, "%s%s: %s", i ? ", " : "\n                  headers: ", or(json_str(json_at(h, 0)), "?"),
            or(json_str(json_at(h, 1)), "?"));
    }
}

/* home -> the first section with more -> category. */
static void browse(struct walk *w, uint32_t caps) {
    const char *more = NULL;
    json *home = NULL;
    if (caps & 1) {
        struct call c;
        call_init(&c);
        home = await(w, "home", "home", bex_submit_home(w->engine, w->id, on_result, &c), &c);
        const json *sections = json_get(home, "sections");
        if (home != NULL) say(w, "%zu sections", json_len(sections));
        for (size_t i = 0; i < json_len(sections); i++) {
            const json *s = json_at(sections, i);
            const json *items = json_get(s, "items");
            say(w, "\n                  %s (%zu)", or(json_get_str(s, "title"), "?"), json_len(items));
            say_cards(w, items, 3);
            if (more == NULL) more = json_get_str(s, "more");
        }
        if (home != NULL && json_len(sections) == 0) fail(w, "no sections");
        done(w, home);
    }
    if ((caps & 2) && more != NULL) {
        struct call c;
        char label[64];
        call_init(&c);
        snprintf(label, sizeof label, "category %.40s", more);
        json *page = await(w, "category", label,
                           bex_submit_category(w->engine, w->id, more, NULL, on_result, &c), &c);
        const json *items = json_get(page, "items");
        if (page != NULL) {
            say(w, "%zu titles", json_len(items));
            if (json_get_str(page, "next_page")) say(w, " (next page \"%s\")", json_get_str(page, "next_page"));
            say_cards(w, items, 3);
            if (json_len(items) == 0) fail(w, "an empty category");
        }
        done(w, page);
        json_free(page);
    } else if (caps & 2) {
        printf("  %-15s (no home section leads to a category)\n", "category");
    }
    json_free(home);
}

/* The episode to play: the first of the lowest season numbered 1 or more
 * (specials, season 0, last). */
static const json *first_episode(const json *info) {
    const json *seasons = json_get(info, "seasons"), *best = NULL;
    double best_number = 1e9;
    for (size_t i = 0; i < json_len(seasons); i++) {
        const json *s = json_at(seasons, i);
        double n = json_get_num(s, "number", 0);
        if (n < 1) n = 1e8;
        if (json_len(json_get(s, "episodes")) > 0 && n < best_number) {
            best = s;
            best_number = n;
        }
    }
    return json_at(json_get(best, "episodes"), 0);
}

/* The info summary; returns the id servers should be asked for. */
static char *say_info(struct walk *w, const json *info) {
    const json *seasons = json_get(info, "seasons"), *cast = json_get(info, "cast");
    size_t episodes = 0;
    say(w, "%s", or(json_get_str(info, "title"), "?"));
    if (json_get_num(info, "year", -1) >= 0) {
        say(w, " (%.0f", json_get_num(info, "year", 0));
        if (json_get_num(info, "end_year", -1) >= 0) say(w, "-%.0f", json_get_num(info, "end_year", 0));
        say(w, ")");
    }
    if (json_get_str(info, "kind")) say(w, ", %s", json_get_str(info, "kind"));
    if (json_get_num(info, "rating", -1) >= 0) say(w, ", rated %g", json_get_num(info, "rating", 0));
    if (json_get_num(info, "runtime_minutes", -1) >= 0) say(w, ", %.0f min", json_get_num(info, "runtime_minutes", 0));
    for (size_t i = 0; i < json_len(seasons); i++) episodes += json_len(json_get(json_at(seasons, i), "episodes"));
    if (json_len(seasons) > 0) say(w, ", %zu seasons, %zu episodes", json_len(seasons), episodes);
    for (size_t i = 0; i < json_len(cast) && i < 3; i++) {
        say(w, "%s%s", i ? ", " : "\n                  cast: ", or(json_get_str(json_at(cast, i), "name"), "?"));
    }
    const char *play = json_get_str(info, "play_id");
    if (play != NULL) {
        say(w, "\n                  plays as %s", play);
        return strdup(play);
    }
    const json *episode = first_episode(info);
    const char *id = json_get_str(episode, "id");
    if (id == NULL) return NULL;
    say(w, "\n                  chosen episode: S%.0fE%g \"%s\" (%s)", json_get_num(episode, "season", 0),
        json_get_num(episode, "number", 0), or(json_get_str(episode, "title"), "?"), id);
    return strdup(id);
}

static void say_stream(struct walk *w, const json *streams) {
    const json *s = json_at(streams, 0), *subtitles = json_get(s, "subtitles");
    say(w, "%zu stream%s\n                  %s", json_len(streams), json_len(streams) == 1 ? "" : "s",
        or(json_get_str(s, "url"), "?"));
    say(w, "\n                  %s", or(json_get_str(s, "container"), "?"));
    if (json_get_num(s, "quality", -1) >= 0) say(w, ", %.0fp", json_get_num(s, "quality", 0));
    if (json_get_str(s, "mime_type")) say(w, ", %s", json_get_str(s, "mime_type"));
    if (json_get_str(s, "label")) say(w, ", \"%s\"", json_get_str(s, "label"));
    say_headers(w, json_get(s, "headers"));
    for (size_t i = 0; i < json_len(subtitles); i++) {
        const json *t = json_at(subtitles, i);
        say(w, "%s%s", i ? ", " : "\n                  subtitles: ",
            or(json_get_str(t, "language"), or(json_get_str(t, "label"), "?")));
    }
}

/* search -> info -> servers -> stream. */
static void watch(struct walk *w, uint32_t caps) {
    const char *query = script_get(&w->script, "query");
    char *info_id = script_get(&w->script, "info") ? strdup(script_get(&w->script, "info")) : NULL;
    char *servers_id = script_get(&w->script, "servers") ? strdup(script_get(&w->script, "servers")) : NULL;
    char *server = NULL;
    char label[64];
    if ((caps & 4) && query != NULL) {
        struct call c;
        call_init(&c);
        snprintf(label, sizeof label, "search \"%.30s\"", query);
        json *page = await(w, "search", label, bex_submit_search(w->engine, w->id, query, on_result, &c), &c);
        const json *items = json_get(page, "items");
        if (page != NULL) {
            say(w, "%zu results", json_len(items));
            if (json_get_num(page, "total", -1) >= 0) say(w, " of %.0f", json_get_num(page, "total", 0));
            say_cards(w, items, 4);
            if (json_len(items) == 0) fail(w, "no results");
            if (info_id == NULL && json_get_str(json_at(items, 0), "id")) info_id = strdup(json_get_str(json_at(items, 0), "id"));
        }
        done(w, page);
        json_free(page);
    }
    if ((caps & 8) && info_id != NULL) {
        struct call c;
        call_init(&c);
        snprintf(label, sizeof label, "info %.30s", info_id);
        json *info = await(w, "info", label, bex_submit_info(w->engine, w->id, info_id, on_result, &c), &c);
        if (info != NULL) {
            char *next = say_info(w, info);
            if (servers_id == NULL) servers_id = next; else free(next);
        }
        done(w, info);
        json_free(info);
    }
    if ((caps & 16) && servers_id != NULL) {
        struct call c;
        call_init(&c);
        snprintf(label, sizeof label, "servers");
        json *list = await(w, "servers", label, bex_submit_servers(w->engine, w->id, servers_id, on_result, &c), &c);
        if (list != NULL) {
            say(w, "%zu for %s", json_len(list), servers_id);
            for (size_t i = 0; i < json_len(list) && i < 4; i++) {
                const json *s = json_at(list, i);
                say(w, "\n                  %s", or(json_get_str(s, "name"), "?"));
                if (json_get_num(s, "quality", -1) >= 0) say(w, " (%.0fp)", json_get_num(s, "quality", 0));
                if (json_get_str(s, "language")) say(w, " [%s]", json_get_str(s, "language"));
            }
            if (json_len(list) == 0) fail(w, "no servers");
            size_t n;
            const char *raw = json_raw(json_at(list, 0), &n);
            if (json_len(list) > 0 && (server = malloc(n + 1)) != NULL) {
                memcpy(server, raw, n);
                server[n] = '\0';
            }
        }
        done(w, list);
        json_free(list);
    }
    if ((caps & 32) && server != NULL) {
        struct call c;
        call_init(&c);
        json *streams = await(w, "stream", "stream", bex_submit_stream(w->engine, w->id, server, on_result, &c), &c);
        if (streams != NULL) {
            say_stream(w, streams);
            if (json_len(streams) == 0) fail(w, "no streams");
        }
        done(w, streams);
        json_free(streams);
    }
    free(info_id);
    free(servers_id);
    free(server);
}

/* subtitles -> download the first. */
static void subtitles(struct walk *w, uint32_t caps) {
    const char *query = script_get(&w->script, "subtitles");
    char *chosen = NULL;
    if (!(caps & 64) || query == NULL) return;
    struct call c;
    call_init(&c);
    json *list = await(w, "subtitles", "subtitles", bex_submit_subtitles(w->engine, w->id, query, on_result, &c), &c);
    if (list != NULL) {
        say(w, "%zu found", json_len(list));
        for (size_t i = 0; i < json_len(list) && i < 3; i++) {
            const json *s = json_at(list, i);
            say(w, "\n                  [%s] %s (%s", or(json_get_str(s, "language"), "?"),
                or(json_get_str(s, "title"), "?"), or(json_get_str(s, "format"), "?"));
            if (json_get_num(s, "downloads", -1) >= 0) say(w, ", %.0f downloads", json_get_num(s, "downloads", 0));
            say(w, ")");
        }
        if (json_len(list) == 0) fail(w, "no subtitles");
        if (json_get_str(json_at(list, 0), "id")) chosen = strdup(json_get_str(json_at(list, 0), "id"));
    }
    done(w, list);
    json_free(list);
    if (chosen == NULL) return;
    call_init(&c);
    json *file = await(w, "subtitle", "subtitle", bex_submit_subtitle_download(w->engine, w->id, chosen, on_result, &c), &c);
    if (file != NULL) {
        const char *content = or(json_get_str(file, "content"), "");
        size_t lines = 0;
        for (const char *p = content; *p; p++) lines += *p == '\n';
        say(w, "%s (%s, %s), %zu lines, %zu bytes", or(json_get_str(file, "file_name"), "?"),
            or(json_get_str(file, "format"), "?"), or(json_get_str(file, "language"), "?"), lines, strlen(content));
        if (*content == '\0') fail(w, "an empty subtitle file");
    }
    done(w, file);
    json_free(file);
    free(chosen);
}

static void say_articles(struct walk *w, const json *page) {
    const json *sections = json_get(page, "sections");
    say(w, "%zu section%s", json_len(sections), json_len(sections) == 1 ? "" : "s");
    for (size_t i = 0; i < json_len(sections); i++) {
        const json *s = json_at(sections, i), *items = json_get(s, "items");
        say(w, "\n                  %s (%zu)", or(json_get_str(s, "title"), "?"), json_len(items));
        for (size_t j = 0; j < json_len(items) && j < 3; j++) {
            say(w, "%s%s", j ? "; " : ": ", or(json_get_str(json_at(items, j), "title"), "?"));
        }
    }
    if (json_len(sections) == 0) fail(w, "no sections");
}

/* articles -> search. */
static void read_articles(struct walk *w, uint32_t caps) {
    const char *query = script_get(&w->script, "article-query");
    if (!(caps & 128)) return;
    struct call c;
    call_init(&c);
    json *page = await(w, "articles", "articles", bex_submit_articles(w->engine, w->id, NULL, on_result, &c), &c);
    if (page != NULL) say_articles(w, page);
    done(w, page);
    json_free(page);
    if (query == NULL) return;
    char label[64];
    snprintf(label, sizeof label, "search \"%.25s\"", query);
    call_init(&c);
    page = await(w, "search-articles", label, bex_submit_article_search(w->engine, w->id, query, NULL, on_result, &c), &c);
    if (page != NULL) say_articles(w, page);
    done(w, page);
    json_free(page);
}

/* The plugin's line of the engine stats. */
static void print_stats(struct walk *w) {
    char *text = bex_engine_stats(w->engine);
    json *stats = text ? json_parse(text, strlen(text), NULL) : NULL;
    const json *calls = json_get(stats, "calls");
    for (size_t i = 0; i < json_len(calls); i++) {
        const json *c = json_at(calls, i);
        if (json_get_str(c, "id") == NULL || strcmp(json_get_str(c, "id"), w->id) != 0) continue;
        printf("  stats           %.0f calls, %.0f ok, p50 %.1f ms, p99 %.1f ms, fuel %.0f M; %.0f HTTP requests (replayed)\n",
               json_get_num(c, "calls", 0), json_get_num(c, "ok", 0), json_get_num(c, "p50_us", 0) / 1000,
               json_get_num(c, "p99_us", 0) / 1000, json_get_num(c, "fuel_used", 0) / 1e6,
               json_get_num(json_get(stats, "http"), "requests", 0));
    }
    if (stats == NULL) fail(w, "no engine stats\n");
    json_free(stats);
    bex_string_free(text);
}

static const char *const CAPABILITIES[] = {"home", "category", "search", "info",
                                           "servers", "stream", "subtitles", "articles"};

int walk(BexEngine *engine, const char *id, const char *script_path, struct totals *totals) {
    struct walk w;
    BexPluginInfo info;
    memset(&w, 0, sizeof w);
    w.engine = engine;
    w.id = id;
    w.totals = totals;
    w.ok = 1;
    if (!script_load(&w.script, script_path)) return 0;
    if (bex_engine_plugin_info(engine, id, &info) != 0) {
        fprintf(stderr, "demo: %s is not installed\n", id);
        script_free(&w.script);
        return 0;
    }
    printf("== %s (%s %s):", info.name, info.id, info.version);
    for (int i = 0; i < 8; i++) {
        if (info.capabilities & (1u << i)) printf(" %s", CAPABILITIES[i]);
    }
    printf("\n");
    uint32_t caps = info.capabilities;
    bex_plugin_info_free(&info);
    for (int i = 0; i < w.script.len; i++) {
        struct directive *d = &w.script.items[i];
        if (strcmp(d->name, "secret") == 0 && bex_engine_secret_set(engine, id, d->arg, d->rest) != 0) {
            char *message = bex_engine_last_error(engine);
            fprintf(stderr, "demo: secret %s: %s\n", d->arg, message ? message : "?");
            bex_string_free(message);
            w.ok = 0;
        }
    }
    browse(&w, caps);
    watch(&w, caps);
    subtitles(&w, caps);
    read_articles(&w, caps);
    for (int i = 0; i < w.script.len; i++) {
        const struct directive *d = &w.script.items[i];
        if (strcmp(d->name, "expect") == 0 && !d->used) {
            printf("  FAILED: expected \"%s\" in %s, but that step did not run\n", d->rest, d->arg);
            w.ok = 0;
            totals->failed++;
        }
    }
    print_stats(&w);
    free(w.payload);
    script_free(&w.script);
    totals->plugins++;
    return w.ok;
}
