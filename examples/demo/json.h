/* A small JSON reader for the demo player (C99): parses a document into a
 * tree, with lookups by key and index. Each value also keeps the span of
 * its source text, so a sub-object (a server) can be handed back to BEX
 * as JSON without re-serializing it. Not a general-purpose library: no
 * writer, numbers as double. */
#ifndef BEX_DEMO_JSON_H
#define BEX_DEMO_JSON_H

#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json json;

/* Parses `text` (`len` bytes). Returns NULL on malformed input, with a
 * static description in `*error` if `error` is not NULL. */
json *json_parse(const char *text, size_t len, const char **error);
void json_free(json *value);

json_type json_kind(const json *value);
/* The member `key` of an object; NULL if absent or not an object. */
const json *json_get(const json *object, const char *key);
/* Element `i` of an array (or the value of member `i` of an object). */
const json *json_at(const json *value, size_t i);
/* Elements of an array or members of an object; 0 otherwise. */
size_t json_len(const json *value);
/* The decoded UTF-8 text of a string; NULL otherwise. */
const char *json_str(const json *value);
/* A number's value, or `fallback` when `value` is not a number. */
double json_num(const json *value, double fallback);
int json_bool(const json *value);
/* The source text of `value` (not NUL-terminated) and its length. */
const char *json_raw(const json *value, size_t *len);

/* Shorthands: the string/number at `object.key`. */
const char *json_get_str(const json *object, const char *key);
double json_get_num(const json *object, const char *key, double fallback);

#endif
