/* qrdraw.h - QR codes drawn without a picture: HTML table cells, block characters */
#ifndef LW_QRDRAW_H
#define LW_QRDRAW_H

#include <glib.h>

struct lw_html;

/* A drawing that may be a QR code: its modules, row-major, 1 dark. */
struct lw_qr_drawing {
    guint8 *dark;
    unsigned width, height;
};

void lw_qr_drawing_free(struct lw_qr_drawing *d);

/*
 * lw_qr_tables - the drawings made as HTML tables in doc (each table of 21
 * to 200 cells a side, every row as wide, whose cells paint their own
 * background: one cell a module), appended to out (struct lw_qr_drawing *,
 * lw_qr_drawing_free); at most max_tables.
 */
void lw_qr_tables(const struct lw_html *doc, unsigned max_tables, GPtrArray *out);

/* lw_qr_tables_maybe - has html the cells of the smallest code, 21 x 21 (a cheap test before lw_qr_tables) */
int lw_qr_tables_maybe(const char *html);

/*
 * lw_qr_blocks - the drawings made in text with Unicode block characters
 * (a full block, an upper and a lower half block and spaces: each
 * character one module wide and two tall, lines of one drawing in a row),
 * appended to out as lw_qr_tables does; at most max_drawings.
 */
void lw_qr_blocks(const char *text, unsigned max_drawings, GPtrArray *out);

/*
 * lw_qr_html_blocks - lw_qr_blocks over the text of an HTML document laid
 * out in lines as a mail client draws it (<pre>, <br>, blocks), spaces and
 * no-break spaces kept, which the reader's text (lw_html_render) collapses
 */
void lw_qr_html_blocks(const struct lw_html *doc, unsigned max_drawings, GPtrArray *out);

/* lw_qr_blocks_maybe - might text hold such a drawing (a cheap test before lw_qr_blocks) */
int lw_qr_blocks_maybe(const char *text);

#endif
