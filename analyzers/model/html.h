/* html.h - HTML read as a mail client renders it (gumbo HTML5 parser) */
#ifndef LW_HTML_H
#define LW_HTML_H

#include <stddef.h>

struct lw_html_attr {
    const char *name;       /* lowercased */
    const char *value;      /* entities decoded */
};

/* how an element is hidden (the start and end callbacks' hidden argument) */
#define LW_HTML_HIDDEN_BOX 1    /* no box is drawn: nothing inside can be seen */
#define LW_HTML_HIDDEN_TEXT 2   /* its text is too small, or the colour of its background */

struct lw_html_handler {
    /* an element, in document order; name lowercased; attrs NULL-name terminated;
     * hidden: 0, or LW_HTML_HIDDEN_* bits: the reader cannot see its text (see
     * html.c; an element inside can set a readable font size or colour again) */
    void (*start)(void *ud, const char *name, const struct lw_html_attr *attrs, int hidden);
    /* the end of every element started, void elements included; hidden as at its start */
    void (*end)(void *ud, const char *name, int hidden);
    /* text the reader sees, entities decoded, outside script/style/head; text[len] is NUL */
    void (*text)(void *ud, const char *text, size_t len);
    /* text hidden from the reader (may be NULL: then it is not reported) */
    void (*hidden_text)(void *ud, const char *text, size_t len);
};

/* A parsed document: parse once, walk as often as needed (each walk reports the same). */
struct lw_html;

/* lw_html_parse - parse html (UTF-8, which must outlive the document); never fails */
struct lw_html *lw_html_parse(const char *html, size_t len);
void lw_html_free(struct lw_html *doc);

/* lw_html_flattened - was the HTML nested too deep to parse as a tree, and so
 * read with its layout tags stripped (links, forms, images and text are still
 * reported, nothing is hidden)? */
int lw_html_flattened(const struct lw_html *doc);

/* lw_html_walk_doc - report the document's elements and text to h */
void lw_html_walk_doc(const struct lw_html *doc, const struct lw_html_handler *h, void *ud);

/* lw_html_walk - parse, walk and free in one call */
void lw_html_walk(const char *html, size_t len, const struct lw_html_handler *h, void *ud);

/* lw_html_render - what a reader sees of doc, as UTF-8 text (g_free); also (may be
 * NULL) is handed every event of the same walk */
char *lw_html_render(const struct lw_html *doc, const struct lw_html_handler *also, void *ud);

/*
 * lw_html_cell_shade - what an element's own attributes paint its box with:
 * 1 dark, 0 light (bgcolor, or style background / background-color, as a
 * plain colour: luminance below or above half), -1 no plain colour set
 */
int lw_html_cell_shade(const struct lw_html_attr *attrs);

/* lw_html_is_block - does the element start a new line when rendered */
int lw_html_is_block(const char *name);

/* lw_html_to_text - parse, render and free in one call (g_free) */
char *lw_html_to_text(const char *html, size_t len);

#endif
