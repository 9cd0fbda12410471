/* demo.txt: a plugin's demo inputs and expectations, one directive per
 * line (`#` starts a comment):
 *
 *   secret NAME VALUE     a secret to set before the walk
 *   query TEXT            the search query
 *   info ID               the title for info (default: the first result)
 *   servers ID            the id for servers (default: info's play id, else
 *                         its first episode)
 *   subtitles JSON        a subtitle-query object
 *   article-query TEXT    the article search query
 *   expect STEP TEXT      TEXT must appear in STEP's summary or result */
#ifndef BEX_DEMO_SCRIPT_H
#define BEX_DEMO_SCRIPT_H

#define SCRIPT_MAX 64

struct directive {
    char *name;  /* secret, query, info, servers, subtitles, article-query, expect */
    char *arg;   /* the first word (secret name, expect step), or the rest */
    char *rest;  /* secret value, expect text; NULL otherwise */
    int used;    /* expect: checked by a step that ran */
};

struct script {
    struct directive items[SCRIPT_MAX];
    int len;
};

/* Reads `path`; returns 0 (after printing why) if it is missing or malformed. */
int script_load(struct script *s, const char *path);
void script_free(struct script *s);
/* The argument of the first directive `name`, or NULL. */
const char *script_get(const struct script *s, const char *name);

#endif
