/* A small player over BEX and libmpv (C99): what a player team embeds.
 *
 *   mpv-player DATA_DIR CONFIG_JSON PACKAGE QUERY [--map FROM=TO]... [--no-headers]
 *
 * Installs PACKAGE, then through the C ABI: search QUERY, info of the first
 * result, its servers, the first server's streams; then plays each stream
 * with libmpv, passing the stream's headers (one list entry per
 * header: a comma inside a value never splits it), its subtitle tracks and
 * its audio tracks. mpv runs headless and untimed (no video or audio
 * output, no config files, no youtube-dl, no proxy from the environment).
 * Prints what it played: duration, frames decoded, tracks loaded.
 *
 * --map FROM=TO rewrites urls starting with FROM (tests serve the fixture
 * hosts from a loopback server; a real player has no use for it).
 * --no-headers withholds the stream's headers (the check's negative case).
 * Exits 0 only if playback of every stream reached the end of the file. */
#include "bex_engine.h"
#include "json.h"

#include <mpv/client.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- one BEX request, waited on ---------------------------------------- */

struct reply {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, success;
    char *payload;
};

static void on_result(void *user_data, uint64_t id, bool success, const uint8_t *payload,
                      size_t len) {
    (void)id;
    struct reply *r = user_data;
    pthread_mutex_lock(&r->mu);
    r->payload = malloc(len + 1);
    if (r->payload != NULL) {
        memcpy(r->payload, payload, len);
        r->payload[len] = '\0';
    }
    r->success = success;
    r->done = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* The payloads parsed so far: a parsed value points into its text (a
 * server is handed back to BEX as its own JSON text). Freed at exit. */
static char *g_texts[8];
static int g_n_texts;

/* Waits for request `id`'s result; the parsed JSON or NULL (printed). */
static json *await(uint64_t id, struct reply *r, const char *what) {
    json *doc = NULL;
    if (id == 0) {
        char *m = bex_engine_last_error(NULL);
        fprintf(stderr, "%s: refused: %s\n", what, m ? m : "?");
        bex_string_free(m);
        return NULL;
    }
    pthread_mutex_lock(&r->mu);
    while (!r->done) {
        pthread_cond_wait(&r->cv, &r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    if (r->success && r->payload != NULL) {
        doc = json_parse(r->payload, strlen(r->payload), NULL);
    } else {
        fprintf(stderr, "%s: %s\n", what, r->payload ? r->payload : "failed");
    }
    if (doc != NULL && g_n_texts < 8) {
        g_texts[g_n_texts++] = r->payload;
    } else {
        free(r->payload);
    }
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    return doc;
}

/* ---- urls --------------------------------------------------------------- */

static const char *g_map_from[8], *g_map_to[8];
static int g_maps;

/* `url` with a --map prefix rewritten, in a new buffer. */
static char *mapped(const char *url) {
    for (int i = 0; i < g_maps; i++) {
        size_t n = strlen(g_map_from[i]);
        if (strncmp(url, g_map_from[i], n) == 0) {
            char *out = malloc(strlen(g_map_to[i]) + strlen(url + n) + 1);
            sprintf(out, "%s%s", g_map_to[i], url + n);
            return out;
        }
    }
    return strdup(url);
}

/* ---- playing ------------------------------------------------------------ */

/* Sets a string-list option from `strings`, one entry each (mpv's node
 * API: no separator parsing, so commas in values are safe). */
static int set_list(mpv_handle *mpv, const char *name, char **strings, int n) {
    mpv_node *items = calloc((size_t)n + 1, sizeof *items);
    for (int i = 0; i < n; i++) {
        items[i].format = MPV_FORMAT_STRING;
        items[i].u.string = strings[i];
    }
    mpv_node_list list = {n, items, NULL};
    mpv_node node = {.format = MPV_FORMAT_NODE_ARRAY, .u.list = &list};
    int rc = mpv_set_option(mpv, name, MPV_FORMAT_NODE, &node);
    free(items);
    return rc;
}

/* Each url of `tracks` (subtitles or audio tracks), mapped. */
static int track_urls(const json *tracks, char **out, int max) {
    int n = 0;
    for (size_t i = 0; i < json_len(tracks) && n < max; i++) {
        const char *url = json_get_str(json_at(tracks, i), "url");
        if (url != NULL) {
            out[n++] = mapped(url);
        }
    }
    return n;
}

/* "Name: value" for each of the stream's headers and its tracks' headers
 * (mpv sends one header set for the file and its external tracks). */
static int header_fields(const json *stream, char **out, int max) {
    const json *groups[3] = {json_get(stream, "headers"), NULL, NULL};
    int n = 0;
    for (int g = 0; g < 3; g++) {
        const json *tracks = g == 0 ? NULL : json_get(stream, g == 1 ? "subtitles" : "audio_tracks");
        size_t count = g == 0 ? 1 : json_len(tracks);
        for (size_t t = 0; t < count; t++) {
            const json *h = g == 0 ? groups[0] : json_get(json_at(tracks, t), "headers");
            for (size_t i = 0; i < json_len(h) && n < max; i++) {
                const char *k = json_str(json_at(json_at(h, i), 0));
                const char *v = json_str(json_at(json_at(h, i), 1));
                char *field = malloc(strlen(k) + strlen(v) + 3);
                sprintf(field, "%s: %s", k, v);
                int dup = 0;
                for (int j = 0; j < n; j++) {
                    dup |= strcmp(out[j], field) == 0;
                }
                if (dup) {
                    free(field);
                } else {
                    out[n++] = field;
                }
            }
        }
    }
    return n;
}

static int play(const json *stream, int with_headers) {
    char *url = mapped(json_get_str(stream, "url"));
    char *subs[16], *audio[16], *headers[64];
    int n_subs = track_urls(json_get(stream, "subtitles"), subs, 16);
    int n_audio = track_urls(json_get(stream, "audio_tracks"), audio, 16);
    int n_headers = with_headers ? header_fields(stream, headers, 64) : 0;
    mpv_handle *mpv = mpv_create();
    if (mpv == NULL) {
        fprintf(stderr, "mpv_create failed\n");
        return 0;
    }
    /* Headless, as fast as decoding goes, nothing from the environment. */
    const char *opts[][2] = {{"vo", "null"},       {"ao", "null"},        {"untimed", "yes"},
                             {"ytdl", "no"},       {"ao-null-untimed", "yes"},       {"config", "no"},      {"load-scripts", "no"},
                             {"terminal", "no"},   {"http-proxy", ""},    {"sid", "auto"},
                             {"audio-display", "no"}, {"cache", "no"}};
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++) {
        mpv_set_option_string(mpv, opts[i][0], opts[i][1]);
    }
    set_list(mpv, "http-header-fields", headers, n_headers);
    set_list(mpv, "sub-files", subs, n_subs);
    set_list(mpv, "audio-files", audio, n_audio);
    int ok = mpv_initialize(mpv) == 0;
    mpv_request_log_messages(mpv, getenv("MPV_PLAYER_LOG") ? getenv("MPV_PLAYER_LOG") : "warn");
    /* At each new position: the frame shown, and how many the file has
     * (HLS knows only once frames flow). */
    mpv_observe_property(mpv, 1, "time-pos", MPV_FORMAT_DOUBLE);
    const char *load[] = {"loadfile", url, NULL};
    ok = ok && mpv_command(mpv, load) == 0;
    double duration = 0;
    int64_t last = -1, shown = 0, frames = 0, decoder_dropped = 0, video = 0, audios = 0, subtitles = 0, dropped = 0;
    int reached_end = 0;
    while (ok) {
        mpv_event *ev = mpv_wait_event(mpv, 60);
        if (ev->event_id == MPV_EVENT_NONE) {
            fprintf(stderr, "no event from mpv in 60 s\n");
            break;
        }
        if (ev->event_id == MPV_EVENT_LOG_MESSAGE) {
            mpv_event_log_message *m = ev->data;
            fprintf(stderr, "mpv [%s] %s: %s", m->level, m->prefix, m->text);
        } else if (ev->event_id == MPV_EVENT_PROPERTY_CHANGE) {
            int64_t number = -1, count = -1;
            mpv_get_property(mpv, "estimated-frame-number", MPV_FORMAT_INT64, &number);
            mpv_get_property(mpv, "estimated-frame-count", MPV_FORMAT_INT64, &count);
            last = number > last ? number : last;
            frames = count > frames ? count : frames;
        } else if (ev->event_id == MPV_EVENT_FILE_LOADED) {
            mpv_get_property(mpv, "duration", MPV_FORMAT_DOUBLE, &duration);
            int64_t count = 0;
            mpv_get_property(mpv, "track-list/count", MPV_FORMAT_INT64, &count);
            for (int64_t i = 0; i < count; i++) {
                char name[64];
                snprintf(name, sizeof name, "track-list/%lld/type", (long long)i);
                char *type = mpv_get_property_string(mpv, name);
                video += type && strcmp(type, "video") == 0;
                audios += type && strcmp(type, "audio") == 0;
                subtitles += type && strcmp(type, "sub") == 0;
                mpv_free(type);
            }
        } else if (ev->event_id == MPV_EVENT_END_FILE) {
            mpv_event_end_file *end = ev->data;
            /* The frames decoded: up to the last one shown (mpv numbers
             * them from 0), less any the decoder or the output dropped. */
            mpv_get_property(mpv, "frame-drop-count", MPV_FORMAT_INT64, &dropped);
            mpv_get_property(mpv, "decoder-frame-drop-count", MPV_FORMAT_INT64, &decoder_dropped);
            dropped += decoder_dropped;
            shown = last + 1 - dropped;
            reached_end = end->reason == MPV_END_FILE_REASON_EOF;
            if (!reached_end) {
                fprintf(stderr, "playback ended early: %s\n", mpv_error_string(end->error));
            }
            break;
        }
    }
    printf("played %s\n  duration %.2f s, frames decoded %lld of %lld (%lld dropped), tracks: video "
           "%lld, audio %lld (%d separate given), subtitles %lld (of %d given), headers %d\n",
           url, duration, (long long)shown, (long long)frames, (long long)dropped, (long long)video,
           (long long)audios, n_audio, (long long)subtitles, n_subs, n_headers);
    mpv_terminate_destroy(mpv);
    for (int i = 0; i < n_subs; i++) free(subs[i]);
    for (int i = 0; i < n_audio; i++) free(audio[i]);
    for (int i = 0; i < n_headers; i++) free(headers[i]);
    free(url);
    return ok && reached_end;
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr,
                "usage: %s DATA_DIR CONFIG_JSON PACKAGE QUERY [--map FROM=TO]... [--no-headers]\n",
                argv[0]);
        return 2;
    }
    int with_headers = 1;
    for (int i = 5; i < argc; i++) {
        if (strcmp(argv[i], "--no-headers") == 0) {
            with_headers = 0;
        } else if (strcmp(argv[i], "--map") == 0 && i + 1 < argc && g_maps < 8) {
            char *eq = strchr(argv[++i], '=');
            if (eq == NULL) {
                return 2;
            }
            *eq = '\0';
            g_map_from[g_maps] = argv[i];
            g_map_to[g_maps++] = eq + 1;
        }
    }
    BexEngine *e = bex_engine_new_with_config(argv[1], argv[2]);
    if (e == NULL || bex_engine_install(e, argv[3]) != 0) {
        char *m = bex_engine_last_error(NULL);
        fprintf(stderr, "engine: %s\n", m ? m : "?");
        bex_string_free(m);
        return 1;
    }
    BexPluginInfoList list = bex_engine_list_plugins(e);
    char *id = list.len == 1 ? strdup(list.items[0].id) : NULL;
    bex_plugin_info_list_free(list);
    struct reply r;
    memset(&r, 0, sizeof r);
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cv, NULL);
    int ok = 0;
    json *page = id ? await(bex_submit_search(e, id, argv[4], on_result, &r), &r, "search") : NULL;
    const char *first = json_get_str(json_at(json_get(page, "items"), 0), "id");
    json *info = first ? await(bex_submit_info(e, id, first, on_result, &r), &r, "info") : NULL;
    const char *play_id = json_get_str(info, "play_id");
    json *servers = play_id ? await(bex_submit_servers(e, id, play_id, on_result, &r), &r, "servers") : NULL;
    char *server = NULL;
    if (json_len(servers) > 0) {
        size_t len;
        const char *raw = json_raw(json_at(servers, 0), &len);
        server = malloc(len + 1);
        memcpy(server, raw, len);
        server[len] = '\0';
    }
    json *streams = server ? await(bex_submit_stream(e, id, server, on_result, &r), &r, "stream") : NULL;
    if (json_len(streams) > 0) {
        printf("%s: %s -> %s -> %s: %zu streams\n", id, argv[4], first, play_id, json_len(streams));
        ok = 1;
        for (size_t i = 0; i < json_len(streams); i++) {
            ok &= play(json_at(streams, i), with_headers);
        }
    } else {
        fprintf(stderr, "no stream to play\n");
    }
    json_free(page);
    json_free(info);
    json_free(servers);
    json_free(streams);
    free(server);
    free(id);
    for (int i = 0; i < g_n_texts; i++) {
        free(g_texts[i]);
    }
    bex_engine_free(e);
    return ok ? 0 : 1;
}
