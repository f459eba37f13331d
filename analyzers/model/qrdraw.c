/*
 * qrdraw.c - QR codes drawn without a picture: HTML table cells, block characters
 *
 * DESCRIPTION
 *     A QR code need not be a picture. Phishing kits draw it as an HTML
 *     table whose cells are painted dark or light, one cell a module, or as
 *     lines of Unicode block characters (a full block, an upper and a lower
 *     half block, spaces: each character one module wide and two tall). A
 *     mail client shows a code the reader's phone opens; a filter that looks
 *     for QR codes in pictures sees none, and the link reaches no check.
 *     This file finds such drawings and hands back their modules;
 *     qrcode.c paints each into a picture and reads it like any other, so
 *     the links in them are the message's.
 *
 *     A table counts when every row has as many cells (a colspan counts
 *     its columns), there are 21 to 200 of them a side, and its cells
 *     paint their own backgrounds (bgcolor, or a style's background or
 *     background-color as a plain colour); a cell that paints nothing is
 *     light, as the page behind it. Colours a style sheet gives by class
 *     are not known here. Block drawings are runs of lines holding only
 *     those characters and spaces, at least 11 lines of 21 characters.
 *
 * LIMITS
 *     The callers bound the drawings read per text; a drawing has at most
 *     200 x 200 modules.
 */
#include "config.h"

#include <string.h>

#include "model/html.h"
#include "model/qrdraw.h"

#define MIN_MODULES 21          /* a version 1 code */
#define MAX_MODULES 200         /* version 40 is 177, and a drawn quiet zone */

/* drawing - w x h modules (1 dark; g_malloc'd, taken) as a drawing, appended to out */
static void drawing(guint8 *dark, unsigned w, unsigned h, GPtrArray *out)
{
    struct lw_qr_drawing *d = g_new(struct lw_qr_drawing, 1);

    d->dark = dark;
    d->width = w;
    d->height = h;
    g_ptr_array_add(out, d);
}

void lw_qr_drawing_free(struct lw_qr_drawing *d)
{
    if (d == NULL)
        return;
    g_free(d->dark);
    g_free(d);
}

/* ---- tables ---- */

/* one table being read: its cells row by row */
struct grid {
    GByteArray *dark;           /* one byte a module, row-major */
    unsigned width;             /* modules in a row, from the first row */
    unsigned rows, in_row;
    unsigned painted, darks;    /* cells that paint themselves, and dark ones */
    int ragged;                 /* a row of another width, a row too wide, too many rows */
    int row_open;
};

struct tables {
    GPtrArray *stack;           /* struct grid *, the innermost table last */
    GPtrArray *out;
    unsigned left;              /* tables that may still be handed back */
};

static void grid_free(struct grid *g)
{
    g_byte_array_unref(g->dark);
    g_free(g);
}

/* end_row - the current row is complete: every row must be as wide as the first */
static void end_row(struct grid *g)
{
    if (!g->row_open)
        return;
    g->row_open = 0;
    if (g->rows++ == 0)
        g->width = g->in_row;
    else if (g->in_row != g->width)
        g->ragged = 1;
    if (g->rows > MAX_MODULES)
        g->ragged = 1;
}

/* add_cell - a cell of shade (lw_html_cell_shade) spanning colspan columns */
static void add_cell(struct grid *g, int shade, const struct lw_html_attr *attrs)
{
    guint8 d = shade == 1;
    unsigned span = 1;

    for (; attrs && attrs->name; attrs++)
        if (strcmp(attrs->name, "colspan") == 0)
            span = (unsigned) CLAMP(g_ascii_strtoull(attrs->value ? attrs->value : "1", NULL, 10), 1, MAX_MODULES);
    if (!g->row_open || g->in_row + span > MAX_MODULES) {
        g->ragged = 1;
        return;
    }
    g->in_row += span;
    g->painted += shade >= 0 ? span : 0;
    g->darks += d ? span : 0;
    for (unsigned i = 0; i < span; i++)
        g_byte_array_append(g->dark, &d, 1);
}

/* drawn - could the table be a drawn code: square enough, painted, with dark and light modules */
static int drawn(const struct grid *g)
{
    unsigned cells = g->rows * g->width;

    return !g->ragged && g->rows >= MIN_MODULES && g->width >= MIN_MODULES
           && g->painted >= g->darks && g->darks * 10 >= cells && g->darks * 10 <= cells * 9;
}

static void table_start(void *ud, const char *name, const struct lw_html_attr *attrs, int hidden)
{
    struct tables *t = ud;
    struct grid *g = t->stack->len ? g_ptr_array_index(t->stack, t->stack->len - 1) : NULL;

    (void) hidden;
    if (strcmp(name, "table") == 0) {
        g = g_new0(struct grid, 1);
        g->dark = g_byte_array_new();
        g_ptr_array_add(t->stack, g);
    } else if (g != NULL && strcmp(name, "tr") == 0) {
        end_row(g);
        g->row_open = 1;
        g->in_row = 0;
    } else if (g != NULL && (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)) {
        add_cell(g, lw_html_cell_shade(attrs), attrs);
    }
}

static void table_end(void *ud, const char *name, int hidden)
{
    struct tables *t = ud;
    struct grid *g;

    (void) hidden;
    if (t->stack->len == 0)
        return;
    g = g_ptr_array_index(t->stack, t->stack->len - 1);
    if (strcmp(name, "tr") == 0) {
        end_row(g);
    } else if (strcmp(name, "table") == 0) {
        end_row(g);
        if (t->left > 0 && drawn(g)) {
            gsize n;

            t->left--;
            drawing(g_byte_array_steal(g->dark, &n), g->width, g->rows, t->out);
        }
        g_ptr_array_remove_index(t->stack, t->stack->len - 1);
    }
}

int lw_qr_tables_maybe(const char *html)
{
    unsigned n = MIN_MODULES * MIN_MODULES;

    for (const char *p = html; n > 0 && p != NULL && (p = strchr(p, '<')) != NULL; p++)
        if ((p[1] == 't' || p[1] == 'T') && p[2] != '\0' && strchr("dDhH", p[2]))
            n--;
    return n == 0;
}

void lw_qr_tables(const struct lw_html *doc, unsigned max_tables, GPtrArray *out)
{
    const struct lw_html_handler h = { table_start, table_end, NULL, NULL };
    struct tables t = { g_ptr_array_new_with_free_func((GDestroyNotify) grid_free), out, max_tables };

    if (max_tables > 0)
        lw_html_walk_doc(doc, &h, &t);
    g_ptr_array_unref(t.stack);
}

/* ---- block characters ---- */

/* block - the two modules (top, bottom) a character draws; 0 if it is no part of a drawing */
static int block(gunichar c, guint8 *top, guint8 *bottom)
{
    switch (c) {
    case 0x2588:                /* FULL BLOCK */
        *top = *bottom = 1;
        return 1;
    case 0x2580:                /* UPPER HALF BLOCK */
        *top = 1, *bottom = 0;
        return 1;
    case 0x2584:                /* LOWER HALF BLOCK */
        *top = 0, *bottom = 1;
        return 1;
    case ' ':
    case 0xA0:                  /* NO-BREAK SPACE, as HTML keeps spaces */
        *top = *bottom = 0;
        return 1;
    default:
        return 0;
    }
}

/* drawing_line - the width of the line [p, end) if it holds only block characters, at least one not a space; else 0 */
static unsigned drawing_line(const char *p, const char *end)
{
    unsigned n = 0, inked = 0;
    guint8 top, bottom;

    if (end > p && end[-1] == '\r')
        end--;
    for (; p < end; p = g_utf8_next_char(p), n++) {
        if (!block(g_utf8_get_char(p), &top, &bottom) || n >= MAX_MODULES)
            return 0;
        inked |= top | bottom;
    }
    return inked ? n : 0;
}

/* paint_line - one line of a drawing into rows 2*row and 2*row+1 of dark (width w) */
static void paint_line(const char *p, const char *end, guint8 *dark, unsigned w, unsigned row)
{
    for (unsigned x = 0; p < end; p = g_utf8_next_char(p), x++)
        block(g_utf8_get_char(p), &dark[(gsize) 2 * row * w + x], &dark[(gsize) (2 * row + 1) * w + x]);
}

/* paint_lines - the drawing of lines [first, first + n) of the text's lines, w wide, onto out */
static void paint_lines(char **lines, unsigned first, unsigned n, unsigned w, GPtrArray *out)
{
    guint8 *dark = g_malloc0((gsize) 2 * n * w);

    for (unsigned i = 0; i < n; i++)
        paint_line(lines[first + i], lines[first + i] + strlen(lines[first + i]), dark, w, i);
    drawing(dark, w, 2 * n, out);
}

/*
 * laid-out text of an HTML document: a line ends at <br> and around
 * blocks, once (a drawing written one <div> or <p> a line keeps its lines
 * together)
 */
static void new_line(GString *text)
{
    if (text->len > 0 && text->str[text->len - 1] != '\n')
        g_string_append_c(text, '\n');
}

static void lines_start(void *ud, const char *name, const struct lw_html_attr *attrs, int hidden)
{
    (void) attrs;
    (void) hidden;
    if (strcmp(name, "br") == 0 || lw_html_is_block(name))
        new_line(ud);
}

static void lines_end(void *ud, const char *name, int hidden)
{
    (void) hidden;
    if (lw_html_is_block(name))
        new_line(ud);
}

static void lines_text(void *ud, const char *text, size_t len)
{
    g_string_append_len(ud, text, (gssize) len);
}

void lw_qr_html_blocks(const struct lw_html *doc, unsigned max_drawings, GPtrArray *out)
{
    const struct lw_html_handler h = { lines_start, lines_end, lines_text, NULL };
    GString *text = g_string_new(NULL);

    lw_html_walk_doc(doc, &h, text);
    lw_qr_blocks(text->str, max_drawings, out);
    g_string_free(text, TRUE);
}

int lw_qr_blocks_maybe(const char *text)
{
    return text && (strstr(text, "\xe2\x96\x88") || strstr(text, "\xe2\x96\x80") || strstr(text, "\xe2\x96\x84"));
}

void lw_qr_blocks(const char *text, unsigned max_drawings, GPtrArray *out)
{
    char **lines = g_strsplit(text, "\n", -1);
    unsigned first = 0, n = 0, w = 0, count = g_strv_length(lines);

    for (unsigned i = 0; i <= count && max_drawings > 0; i++) {
        unsigned width = i < count ? drawing_line(lines[i], lines[i] + strlen(lines[i])) : 0;

        if (width > 0) {
            first = n == 0 ? i : first;
            n++;
            w = MAX(w, width);
            continue;
        }
        if (2 * n >= MIN_MODULES && w >= MIN_MODULES && 2 * n <= MAX_MODULES) {
            max_drawings--;
            paint_lines(lines, first, n, w, out);
        }
        n = w = 0;
    }
    g_strfreev(lines);
}
