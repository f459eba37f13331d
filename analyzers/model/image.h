/* image.h - PNG, JPEG and GIF bytes to 8-bit grey pixels, bounded for hostile input */
#ifndef LW_IMAGE_H
#define LW_IMAGE_H

#include <stddef.h>
#include "util/error.h"

/* One decoded picture: width * height bytes, row after row, 0 black, 255 white. */
struct lw_image {
    unsigned char *grey;        /* owned (lw_image_clear) */
    unsigned width, height;
};

/* lw_image_format - "png", "jpeg", "gif" from the magic bytes, or NULL */
const char *lw_image_format(const void *data, size_t len);

/*
 * lw_image_pixels - width times height a PNG, JPEG, GIF, BMP, TIFF or
 * WebP declares, read from its headers without decoding anything (for a
 * GIF: the largest width and height of its screen and every frame; for a
 * TIFF: its largest image in the directory chain; for a WebP: the canvas
 * or the first frame); 0 for other data or a header cut short.
 */
unsigned long long lw_image_pixels(const void *data, size_t len);

/*
 * lw_image_grey - decode data into out. An image whose declared width times
 * height exceeds max_pixels is refused before its pixels are allocated.
 * -1 with err filled for anything not decodable (unknown format, damaged,
 * truncated, too large); out is then empty.
 */
int lw_image_grey(const void *data, size_t len, long long max_pixels, struct lw_image *out,
                  struct lw_error *err);

/* lw_image_clear - free the pixels; out can be reused */
void lw_image_clear(struct lw_image *img);

#endif
