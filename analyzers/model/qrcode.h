/* qrcode.h - QR codes in a message's pictures, decoded with zbar */
#ifndef LW_QRCODE_H
#define LW_QRCODE_H

#include <glib.h>
#include "util/conf.h"
#include "model/image.h"

struct lw_message;

/* One decoded QR code. */
struct lw_qr {
    char *path;                 /* where the picture was: MIME path ("1.2"), "1.1:data" for an HTML data: image */
    char *text;                 /* the payload, valid UTF-8, capped at max_url_length */
};

/*
 * lw_qr_decode - the payloads of the QR codes in one picture, appended to
 * out (char *, g_free) in zbar's order; returns how many. zbar's own
 * limits apply; pixels are only read.
 */
int lw_qr_decode(const struct lw_image *img, GPtrArray *out);

/*
 * lw_qr_scan_message - decode every picture of msg (image parts, wherever
 * they are, and data: images in HTML bodies) into msg->qr, each distinct
 * picture once, bounded by qr_max_images, qr_max_image_size and
 * qr_max_pixels; qr_max_images = 0 turns decoding off. Pictures that are
 * over a limit or cannot be decoded are counted in msg->qr_skipped.
 * Called by lw_message_parse() before URL extraction, which lists the
 * links in the payloads (LW_URL_QR).
 */
void lw_qr_scan_message(struct lw_message *msg, const struct lw_config *cfg);

void lw_qr_free(struct lw_qr *q);

#endif
