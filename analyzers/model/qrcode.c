/*
 * qrcode.c - QR codes in a message's pictures, decoded with zbar
 *
 * DESCRIPTION
 *     Mail that wants a link past a filter sends it as a QR code: the
 *     reader's phone opens it, outside every protection of the desktop.
 *     lw_qr_scan_message() runs once per message, from lw_message_parse(),
 *     before URL extraction: each picture (found by its magic bytes, so a
 *     PNG named invoice.pdf counts too) is decoded to grey pixels
 *     (image.c) and given to zbar's QR reader; the payloads go to msg->qr,
 *     and url-extract.c lists the links in them as URLs flagged LW_URL_QR,
 *     so link rules, IOC feeds and the JSON output see them like any link.
 *     Pictures are the image parts at any depth (attachments, inline
 *     images of an HTML body, pictures in attached messages) and then the
 *     data:image/...;base64 pictures written inside HTML bodies. A picture
 *     that appears twice (same SHA-256) is decoded once.
 *
 *     lw_qr_decode() reads one decoded picture; it is the reusable step.
 *
 * LIMITS
 *     qr_max_images pictures per message (0: no decoding), each at most
 *     qr_max_image_size bytes encoded and qr_max_pixels pixels decoded;
 *     pictures past a limit or that fail to decode are counted in
 *     msg->qr_skipped, not recorded as message limits (a newsletter with
 *     many pictures is not suspicious). Pictures inside PDFs or other
 *     documents are not looked at. zbar needs the usual quiet zone around
 *     a code and a few pixels per module; codes in vector formats are not
 *     seen. Codes drawn as HTML tables or with block characters are
 *     painted into pictures by qrdraw.c, each such text a picture of the
 *     qr_max_images budget.
 *
 * SECURITY
 *     image.c refuses oversized and damaged pictures before it allocates
 *     their pixels; zbar only reads the pixel buffer. Each call has its own
 *     zbar scanner, so threads do not share decoder state.
 */
#include "config.h"

#include <string.h>
#include <zbar.h>

#include "util/error.h"
#include "util/digest.h"
#include "model/message.h"
#include "model/qrcode.h"
#include "model/qrdraw.h"

#define DATA_URI "data:image/"
#define MAX_CODES_PER_IMAGE 8
#define MEDIA_TYPE_MAX 64       /* "png;base64" and parameters, before the comma */

/* lw_qr_free - free one decoded code */
void lw_qr_free(struct lw_qr *q)
{
    if (q == NULL)
        return;
    g_free(q->path);
    g_free(q->text);
    g_free(q);
}

/* lw_qr_decode - the payloads of the QR codes in img, appended to out; how many */
int lw_qr_decode(const struct lw_image *img, GPtrArray *out)
{
    zbar_image_scanner_t *scanner;
    zbar_image_t *zimg;
    const zbar_symbol_t *sym;
    int found = 0;

    if (img->grey == NULL || img->width == 0 || img->height == 0)
        return 0;
    scanner = zbar_image_scanner_create();
    zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    zimg = zbar_image_create();
    zbar_image_set_format(zimg, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(zimg, img->width, img->height);
    zbar_image_set_data(zimg, img->grey, (unsigned long) img->width * img->height, NULL);
    if (zbar_scan_image(scanner, zimg) > 0) {
        for (sym = zbar_image_first_symbol(zimg); sym && found < MAX_CODES_PER_IMAGE; sym = zbar_symbol_next(sym)) {
            if (zbar_symbol_get_type(sym) != ZBAR_QRCODE || zbar_symbol_get_data(sym) == NULL)
                continue;
            g_ptr_array_add(out, g_utf8_make_valid(zbar_symbol_get_data(sym),
                                                   (gssize) zbar_symbol_get_data_length(sym)));
            found++;
        }
    }
    zbar_image_destroy(zimg);
    zbar_image_scanner_destroy(scanner);
    return found;
}

/* Per-message state of the scan. */
struct qr_scan {
    struct lw_message *msg;
    const struct lw_config *cfg;
    GHashTable *seen;           /* sha256 of the pictures already decoded */
    long long decoded;          /* pictures given to the decoder */
};

/* cap_text - cut a payload to max bytes at a character boundary */
static void cap_text(char *text, long long max)
{
    if ((long long) strlen(text) > max) {
        const char *end = text + max;

        g_utf8_validate(text, max, &end);
        text[end - text] = '\0';
    }
}

/* keep_codes - the payloads in codes (taken, and the array freed) as the message's QR codes found at path */
static void keep_codes(struct qr_scan *s, const char *path, GPtrArray *codes)
{
    for (guint i = 0; i < codes->len; i++) {
        struct lw_qr *q = g_new0(struct lw_qr, 1);

        q->path = g_strdup(path);
        q->text = g_ptr_array_index(codes, i);
        cap_text(q->text, s->cfg->max_url_length);
        g_ptr_array_add(s->msg->qr, q);
    }
    g_ptr_array_unref(codes);
}

/* scan_picture - decode one picture (bytes borrowed) and keep its codes */
static void scan_picture(struct qr_scan *s, const char *path, const void *data, size_t len,
                         const char *sha256)
{
    struct lw_image img;
    struct lw_error err;
    GPtrArray *codes;

    if (lw_image_format(data, len) == NULL)
        return;
    if (sha256 != NULL && !g_hash_table_add(s->seen, g_strdup(sha256)))
        return;
    if (s->decoded >= s->cfg->qr_max_images || (long long) len > s->cfg->qr_max_image_size) {
        s->msg->qr_skipped++;
        return;
    }
    s->decoded++;
    if (lw_image_grey(data, len, s->cfg->qr_max_pixels, &img, &err) < 0) {
        s->msg->qr_skipped++;
        return;
    }
    s->msg->qr_images++;
    codes = g_ptr_array_new();
    lw_qr_decode(&img, codes);
    keep_codes(s, path, codes);
    lw_image_clear(&img);
}

/*
 * base64_run - length of the base64 text at p: letters, digits, + / = and
 * white space (mailers wrap long attribute values; the decoder skips it)
 */
static size_t base64_run(const char *p)
{
    size_t n = 0;

    while (g_ascii_isalnum(p[n]) || p[n] == '+' || p[n] == '/' || p[n] == '=' || g_ascii_isspace(p[n]))
        n++;
    return n;
}

/* scan_data_uris - data:image/...;base64, pictures written in one HTML body */
static void scan_data_uris(struct qr_scan *s, const struct lw_text *t)
{
    char *path = g_strdup_printf("%s:data", t->path);
    const char *p = t->html;

    while ((p = strstr(p, DATA_URI)) != NULL) {
        const char *comma;
        size_t n;

        p += strlen(DATA_URI);
        comma = memchr(p, ',', strnlen(p, MEDIA_TYPE_MAX));   /* bounded: the scan stays linear */
        if (comma == NULL || g_strstr_len(p, comma - p, ";base64") == NULL)
            continue;
        n = base64_run(comma + 1);
        if ((long long) n / 4 * 3 > s->cfg->qr_max_image_size) {
            s->msg->qr_skipped++;
        } else if (n >= 16) {
            gsize len;
            char *b64 = g_strndup(comma + 1, n);
            guchar *bytes = g_base64_decode(b64, &len);
            char sum[LW_DIGEST_HEX_SIZE];

            scan_picture(s, path, bytes, len, lw_digest_hex(LW_DIGEST_SHA256, bytes, len, sum));
            g_free(bytes);
            g_free(b64);
        }
        p = comma + 1 + n;
    }
    g_free(path);
}

#define SCALE 4                 /* pixels a module of a drawn code */
#define QUIET 4                 /* modules of light border around it */

/*
 * read_drawing - a drawn code (qrdraw.c) painted as a picture, four pixels a
 * module inside a quiet zone, and read by zbar as drawn and, if nothing is
 * found, with dark and light swapped (terminal tools draw light modules as
 * blocks for a dark screen); payloads appended to codes
 */
static void read_drawing(const struct lw_qr_drawing *d, GPtrArray *codes)
{
    struct lw_image img;
    int found = 0;

    img.width = (d->width + 2 * QUIET) * SCALE;
    img.height = (d->height + 2 * QUIET) * SCALE;
    img.grey = g_malloc((gsize) img.width * img.height);
    for (unsigned swap = 0; swap < 2 && found == 0; swap++) {
        memset(img.grey, 255, (gsize) img.width * img.height);
        for (unsigned y = 0; y < d->height; y++)
            for (unsigned x = 0; x < d->width; x++)
                if (d->dark[(gsize) y * d->width + x] ^ swap)
                    for (unsigned py = 0; py < SCALE; py++)
                        memset(img.grey + ((gsize) (y + QUIET) * SCALE + py) * img.width + (x + QUIET) * SCALE,
                               0, SCALE);
        found = lw_qr_decode(&img, codes);
    }
    g_free(img.grey);
}

/*
 * drawings_left - how many drawings the text being read may hand back (at
 * most 4, within what qr_max_images leaves), and that text counted as one
 * picture of the budget
 */
static unsigned drawings_left(struct qr_scan *s)
{
    return (unsigned) MIN(s->cfg->qr_max_images - s->decoded++, 4);
}

/* keep_drawn - the codes of the drawings (freed) of one text, found at path */
static void keep_drawn(struct qr_scan *s, const struct lw_text *t, const char *where, GPtrArray *drawings)
{
    GPtrArray *codes = g_ptr_array_new();
    char *path = g_strdup_printf("%s:%s", t->path, where);

    for (guint i = 0; i < drawings->len; i++)
        read_drawing(g_ptr_array_index(drawings, i), codes);
    keep_codes(s, path, codes);
    g_ptr_array_unref(drawings);
    g_free(path);
}

/*
 * scan_drawings - QR codes drawn without a picture in one text (qrdraw.c):
 * as an HTML table (only when the HTML has the 441 cells of the smallest
 * code), or with block characters; each drawing read counts as a picture
 */
static void scan_drawings(struct qr_scan *s, const struct lw_text *t)
{
    GPtrArray *drawings;

    if (s->decoded < s->cfg->qr_max_images && t->doc != NULL && lw_qr_tables_maybe(t->html)) {
        drawings = g_ptr_array_new_with_free_func((GDestroyNotify) lw_qr_drawing_free);
        lw_qr_tables(t->doc, drawings_left(s), drawings);
        keep_drawn(s, t, "table", drawings);
    }
    if (s->decoded < s->cfg->qr_max_images && t->text != NULL && lw_qr_blocks_maybe(t->text)) {
        drawings = g_ptr_array_new_with_free_func((GDestroyNotify) lw_qr_drawing_free);
        if (t->doc != NULL)
            lw_qr_html_blocks(t->doc, drawings_left(s), drawings);
        else
            lw_qr_blocks(t->text, drawings_left(s), drawings);
        keep_drawn(s, t, "text", drawings);
    }
}

/* lw_qr_scan_message - the QR codes of every picture of msg into msg->qr */
void lw_qr_scan_message(struct lw_message *msg, const struct lw_config *cfg)
{
    struct qr_scan s = { msg, cfg, NULL, 0 };

    if (cfg->qr_max_images == 0)
        return;
    s.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < msg->parts->len; i++) {
        const struct lw_part *p = g_ptr_array_index(msg->parts, i);
        gsize len;
        const void *data;

        if (p->data == NULL || p->is_message)
            continue;
        data = g_bytes_get_data(p->data, &len);
        if (data != NULL)
            scan_picture(&s, p->path, data, len, p->sha256);
    }
    for (guint i = 0; i < msg->texts->len; i++) {
        const struct lw_text *t = g_ptr_array_index(msg->texts, i);

        if (t->is_html && t->html != NULL)
            scan_data_uris(&s, t);
        scan_drawings(&s, t);
    }
    g_hash_table_unref(s.seen);
}
