/* See script.h. */
#include "script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) {
        s[--n] = '\0';
    }
    return s;
}

static const char *const NAMES[] = {"secret", "query", "info", "servers",
                                    "subtitles", "article-query", "expect"};

int script_load(struct script *s, const char *path) {
    char line[4096];
    int number = 0;
    FILE *f = fopen(path, "r");
    memset(s, 0, sizeof *s);
    if (f == NULL) {
        fprintf(stderr, "demo: %s: cannot read the demo script\n", path);
        return 0;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        number++;
        char *text = trim(line);
        if (*text == '\0' || *text == '#') continue;
        char *space = strpbrk(text, " \t");
        if (space == NULL) goto bad;
        *space = '\0';
        char *arg = trim(space + 1), *rest = NULL;
        int known = 0;
        for (size_t i = 0; i < sizeof NAMES / sizeof *NAMES; i++) known |= strcmp(text, NAMES[i]) == 0;
        if (!known || *arg == '\0' || s->len == SCRIPT_MAX) goto bad;
        if (strcmp(text, "secret") == 0 || strcmp(text, "expect") == 0) {
            char *gap = strpbrk(arg, " \t");
            if (gap == NULL) goto bad;
            *gap = '\0';
            rest = trim(gap + 1);
            if (*rest == '\0') goto bad;
        }
        struct directive *d = &s->items[s->len++];
        d->name = strdup(text);
        d->arg = strdup(arg);
        d->rest = rest ? strdup(rest) : NULL;
        continue;
    bad:
        fprintf(stderr, "demo: %s:%d: not a directive (see examples/demo/script.h)\n", path, number);
        fclose(f);
        script_free(s);
        return 0;
    }
    fclose(f);
    return 1;
}

void script_free(struct script *s) {
    for (int i = 0; i < s->len; i++) {
        free(s->items[i].name);
        free(s->items[i].arg);
        free(s->items[i].rest);
    }
    s->len = 0;
}

const char *script_get(const struct script *s, const char *name) {
    for (int i = 0; i < s->len; i++) {
        if (strcmp(s->items[i].name, name) == 0) return s->items[i].arg;
    }
    return NULL;
}
