/* See json.h. A recursive-descent parser with a depth limit. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

struct json {
    json_type type;
    double number;
    int boolean;
    char *string;      /* JSON_STRING: decoded text */
    json **items;      /* JSON_ARRAY / JSON_OBJECT values */
    char **keys;       /* JSON_OBJECT keys */
    size_t len, cap;
    const char *raw;   /* source span */
    size_t raw_len;
};

struct parser {
    const char *p, *end;
    const char *error;
};

static json *parse_value(struct parser *ps, int depth);

static void skip_ws(struct parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
        ps->p++;
    }
}

static json *fail(struct parser *ps, const char *why, json *partial) {
    if (ps->error == NULL) {
        ps->error = why;
    }
    json_free(partial);
    return NULL;
}

static json *new_value(json_type type, const char *start) {
    json *v = calloc(1, sizeof *v);
    if (v != NULL) {
        v->type = type;
        v->raw = start;
    }
    return v;
}

static int push(json *v, char *key, json *item) {
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        json **items = realloc(v->items, cap * sizeof *items);
        if (items == NULL) {
            return 0;
        }
        v->items = items;
        if (v->type == JSON_OBJECT) {
            char **keys = realloc(v->keys, cap * sizeof *keys);
            if (keys == NULL) {
                return 0;
            }
            v->keys = keys;
        }
        v->cap = cap;
    }
    v->items[v->len] = item;
    if (v->type == JSON_OBJECT) {
        v->keys[v->len] = key;
    }
    v->len++;
    return 1;
}

static int hex4(const char *s, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

static size_t put_utf8(char *out, unsigned cp) {
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

/* Parses a string at ps->p (on the opening quote) into a new buffer. */
static char *parse_string(struct parser *ps) {
    const char *s = ++ps->p;
    /* Decoded text is never longer than its source. */
    char *out = malloc((size_t)(ps->end - s) + 1), *o = out;
    if (out == NULL) { ps->error = "out of memory"; return NULL; }
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p;
        if (c < 0x20) { ps->error = "control character in string"; free(out); return NULL; }
        if (c != '\\') { *o++ = (char)c; ps->p++; continue; }
        if (ps->end - ps->p < 2) break;
        char e = ps->p[1];
        ps->p += 2;
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (ps->end - ps->p < 4 || !hex4(ps->p, &cp)) { ps->error = "bad \\u escape"; free(out); return NULL; }
            ps->p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
                ps->p[1] == 'u' && hex4(ps->p + 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                ps->p += 6;
            } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD; /* a lone surrogate */
            }
            o += put_utf8(o, cp);
            break;
        }
        default: ps->error = "bad escape"; free(out); return NULL;
        }
    }
    if (ps->p >= ps->end) { ps->error = "unterminated string"; free(out); return NULL; }
    ps->p++; /* closing quote */
    *o = '\0';
    return out;
}

static json *parse_container(struct parser *ps, int depth, int object) {
    json *v = new_value(object ? JSON_OBJECT : JSON_ARRAY, ps->p);
    char close = object ? '}' : ']';
    if (v == NULL) return fail(ps, "out of memory", NULL);
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) { ps->p++; return v; }
    for (;;) {
        char *key = NULL;
        skip_ws(ps);
        if (object) {
            if (ps->p >= ps->end || *ps->p != '"') return fail(ps, "expected a key", v);
            key = parse_string(ps);
            if (key == NULL) return fail(ps, "bad key", v);
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') { free(key); return fail(ps, "expected ':'", v); }
            ps->p++;
        }
        json *item = parse_value(ps, depth + 1);
        if (item == NULL || !push(v, key, item)) {
            free(key);
            json_free(item);
            return fail(ps, "bad value", v);
        }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
        if (ps->p < ps->end && *ps->p == close) { ps->p++; return v; }
        return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'", v);
    }
}

static json *parse_value(struct parser *ps, int depth) {
    json *v = NULL;
    const char *start;
    if (depth > MAX_DEPTH) return fail(ps, "nested too deeply", NULL);
    skip_ws(ps);
    start = ps->p;
    if (ps->p >= ps->end) return fail(ps, "unexpected end", NULL);
    switch (*ps->p) {
    case '{': v = parse_container(ps, depth, 1); break;
    case '[': v = parse_container(ps, depth, 0); break;
    case '"': {
        char *s = parse_string(ps);
        if (s == NULL) return fail(ps, "bad string", NULL);
        v = new_value(JSON_STRING, start);
        if (v == NULL) { free(s); return fail(ps, "out of memory", NULL); }
        v->string = s;
        break;
    }
    default: {
        static const struct { const char *word; json_type type; int boolean; } words[] = {
            {"null", JSON_NULL, 0}, {"true", JSON_BOOL, 1}, {"false", JSON_BOOL, 0}};
        for (size_t i = 0; i < 3; i++) {
            size_t n = strlen(words[i].word);
            if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, words[i].word, n) == 0) {
                v = new_value(words[i].type, start);
                if (v == NULL) return fail(ps, "out of memory", NULL);
                v->boolean = words[i].boolean;
                ps->p += n;
                break;
            }
        }
        if (v == NULL) {
            char buf[64];
            size_t n = 0;
            while (ps->p + n < ps->end && n < sizeof buf - 1 && strchr("+-0123456789.eE", ps->p[n]) != NULL) {
                buf[n] = ps->p[n];
                n++;
            }
            char *endp;
            buf[n] = '\0';
            double d = strtod(buf, &endp);
            if (n == 0 || endp != buf + n) return fail(ps, "bad number or literal", NULL);
            v = new_value(JSON_NUMBER, start);
            if (v == NULL) return fail(ps, "out of memory", NULL);
            v->number = d;
            ps->p += n;
        }
    }
    }
    if (v != NULL) v->raw_len = (size_t)(ps->p - start);
    return v;
}

json *json_parse(const char *text, size_t len, const char **error) {
    struct parser ps = {text, text + len, NULL};
    json *v = parse_value(&ps, 0);
    skip_ws(&ps);
    if (v != NULL && ps.p != ps.end) {
        v = fail(&ps, "trailing data", v);
    }
    if (error != NULL) *error = ps.error;
    return v;
}

void json_free(json *v) {
    if (v == NULL) return;
    for (size_t i = 0; i < v->len; i++) {
        json_free(v->items[i]);
        if (v->keys != NULL) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

json_type json_kind(const json *v) { return v ? v->type : JSON_NULL; }

const json *json_get(const json *v, const char *key) {
    if (v == NULL || v->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < v->len; i++) {
        if (strcmp(v->keys[i], key) == 0) return v->items[i];
    }
    return NULL;
}

const json *json_at(const json *v, size_t i) {
    if (v == NULL || (v->type != JSON_ARRAY && v->type != JSON_OBJECT) || i >= v->len) return NULL;
    return v->items[i];
}

size_t json_len(const json *v) {
    return v != NULL && (v->type == JSON_ARRAY || v->type == JSON_OBJECT) ? v->len : 0;
}

const char *json_str(const json *v) { return v != NULL && v->type == JSON_STRING ? v->string : NULL; }

double json_num(const json *v, double fallback) {
    return v != NULL && v->type == JSON_NUMBER ? v->number : fallback;
}

int json_bool(const json *v) { return v != NULL && v->type == JSON_BOOL && v->boolean; }

const char *json_raw(const json *v, size_t *len) {
    *len = v ? v->raw_len : 0;
    return v ? v->raw : "";
}

const char *json_get_str(const json *o, const char *key) { return json_str(json_get(o, key)); }

double json_get_num(const json *o, const char *key, double fallback) {
    return json_num(json_get(o, key), fallback);
}
