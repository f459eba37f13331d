/* html.h - a forgiving HTML tokenizer and an HTML-to-text renderer */
#ifndef LW_HTML_H
#define LW_HTML_H

#include <stddef.h>

struct lw_html_attr {
    const char *name;       /* lowercased */
    const char *value;      /* entities decoded */
};

struct lw_html_handler {
    /* a start tag; name lowercased; attrs NULL-name terminated */
    void (*start)(void *ud, const char *name, const struct lw_html_attr *attrs, int self_closing);
    void (*end)(void *ud, const char *name);
    /* character data outside script/style, entities decoded; text[len] is NUL */
    void (*text)(void *ud, const char *text, size_t len);
};

/* lw_html_walk - tokenize html, calling the handler; never fails */
void lw_html_walk(const char *html, size_t len, const struct lw_html_handler *h, void *ud);

/* lw_html_to_text - what a reader sees, as UTF-8 text (g_free) */
char *lw_html_to_text(const char *html, size_t len);

/* lw_html_to_text_tee - lw_html_to_text, also calling `also` (may be NULL) for every event */
char *lw_html_to_text_tee(const char *html, size_t len, const struct lw_html_handler *also, void *ud);

/* lw_html_decode_entities - decode &name; &#N; &#xN; (g_free) */
char *lw_html_decode_entities(const char *s, size_t len);

#endif
