/* test-image.c - unit tests of image.c and qrcode.c: hostile pictures are refused before allocation,
 * and their declared size is read without decoding */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "model/image.h"
#include "model/qrcode.h"
#include "tap.h"

/* a 1 x 1 RGBA PNG, one opaque black pixel, whose IDAT CRC is wrong (browsers show it anyway) */
#define TINY_PNG "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="

/* crc32 - the CRC of PNG chunks (ISO 3309), bit by bit */
static guint32 crc32(const guint8 *p, size_t n)
{
    guint32 c = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}

static void put32(GByteArray *b, guint32 v)
{
    guint8 x[4] = { v >> 24, v >> 16, v >> 8, v };

    g_byte_array_append(b, x, 4);
}

/* png_chunk - append a chunk with its length and CRC */
static void png_chunk(GByteArray *b, const char *type, const guint8 *data, guint32 len)
{
    guint8 *typed = g_malloc(4 + len);

    memcpy(typed, type, 4);
    if (len)
        memcpy(typed + 4, data, len);
    put32(b, len);
    g_byte_array_append(b, typed, 4 + len);
    put32(b, crc32(typed, 4 + len));
    g_free(typed);
}

/* bomb_png - a well-formed PNG header declaring w x h grey pixels, then a tiny IDAT */
static GByteArray *bomb_png(guint32 w, guint32 h)
{
    GByteArray *b = g_byte_array_new();
    guint8 ihdr[13] = { w >> 24, w >> 16, w >> 8, w, h >> 24, h >> 16, h >> 8, h, 8, 0, 0, 0, 0 };
    static const guint8 idat[] = { 0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01 };

    g_byte_array_append(b, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
    png_chunk(b, "IHDR", ihdr, sizeof(ihdr));
    png_chunk(b, "IDAT", idat, sizeof(idat));
    png_chunk(b, "IEND", NULL, 0);
    return b;
}

/* refused - decoding fails, names why, and leaves no pixels */
static void refused(const void *data, size_t len, long long max_pixels, const char *why, const char *what)
{
    struct lw_image img = { (unsigned char *) "x", 7, 7 };
    struct lw_error err = { "" };
    int rc = lw_image_grey(data, len, max_pixels, &img, &err);

    tap_check(rc == -1 && img.grey == NULL && img.width == 0, "%s: refused (%s)", what, err.text);
    tap_check(strstr(err.text, why) != NULL, "%s: error says \"%s\"", what, why);
}

int main(void)
{
    gsize tiny_len;
    guchar *tiny = g_base64_decode(TINY_PNG, &tiny_len);
    struct lw_image img;
    struct lw_error err = { "" };
    GByteArray *bomb = bomb_png(100000, 100000), *small = bomb_png(64, 64);
    /* baseline JPEG: SOI, SOF0 60000 x 60000 grey, SOS: the header read needs nothing more */
    static const guint8 jpeg_bomb[] = {
        0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0xea, 0x60, 0xea, 0x60, 0x01, 0x01, 0x11, 0x00,
        0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x00, 0xff, 0xd9,
    };
    /* GIF: 65535 x 65535 screen and frame, a 2-colour palette, LZW code size 2 */
    static const guint8 gif_bomb[] = {
        'G', 'I', 'F', '8', '9', 'a', 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0, 0, 0, 255, 255, 255,
        0x2c, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
    };
    GPtrArray *codes = g_ptr_array_new_with_free_func(g_free);

    tap_check_str(lw_image_format(tiny, tiny_len), "png", "PNG is known by its magic bytes");
    tap_check(lw_image_format("GIF89a", 6) && lw_image_format("\xff\xd8\xff", 3), "GIF and JPEG too");
    tap_check(lw_image_format("<svg", 4) == NULL, "an SVG is not a picture zbar can read");

    tap_check(lw_image_grey(tiny, tiny_len, 100, &img, &err) == 0 && img.width == 1 && img.height == 1,
              "a 1x1 PNG with a bad CRC decodes, as browsers show it (%s)", err.text);
    tap_check(img.grey && img.grey[0] == 0, "its black pixel is grey 0 (got %d)", img.grey ? img.grey[0] : -1);
    tap_check(lw_qr_decode(&img, codes) == 0 && codes->len == 0, "no QR code in one pixel");
    lw_image_clear(&img);
    tap_check(img.grey == NULL && img.width == 0, "lw_image_clear empties the picture");

    refused(bomb->data, bomb->len, 4194304, "larger than qr_max_pixels", "PNG declaring 100000x100000");
    refused(bomb->data, bomb->len, 100000000, "larger than qr_max_pixels", "... also at the highest qr_max_pixels");
    refused(small->data, small->len, 1024, "larger than qr_max_pixels", "PNG of 64x64 with qr_max_pixels 1024");
    refused(small->data, small->len, 4194304, "PNG:", "PNG of 64x64 whose data stops after one byte");
    refused(tiny, tiny_len / 2, 100, "PNG:", "truncated PNG");
    refused(tiny, 8, 100, "PNG:", "PNG signature alone");
    refused("\x89PNG\r\n\x1a\ngarbage garbage garbage garbage", 40, 100, "PNG:", "garbage after a PNG signature");
    refused(jpeg_bomb, sizeof(jpeg_bomb), 4194304, "larger than qr_max_pixels", "JPEG declaring 60000x60000");
    refused(jpeg_bomb, 12, 4194304, "JPEG:", "truncated JPEG header");
    refused(gif_bomb, sizeof(gif_bomb), 4194304, "larger than qr_max_pixels", "GIF declaring 65535x65535");
    refused(gif_bomb, 16, 4194304, "GIF:", "truncated GIF");
    refused("PK\x03\x04", 4, 100, "not a PNG, JPEG or GIF", "a ZIP is not a picture");

    /* lw_image_pixels: the declared size, read before anything is decoded */
    tap_check_int(lw_image_pixels(bomb->data, bomb->len), ==, 10000000000ULL, "PNG: IHDR's 100000 x 100000");
    tap_check_int(lw_image_pixels(tiny, tiny_len), ==, 1, "PNG: 1 x 1");
    tap_check_int(lw_image_pixels(bomb->data, 20), ==, 0, "PNG cut inside IHDR: unknown, 0");
    tap_check_int(lw_image_pixels(jpeg_bomb, sizeof(jpeg_bomb)), ==, 3600000000ULL, "JPEG: SOF0's 60000 x 60000");
    tap_check_int(lw_image_pixels(jpeg_bomb, 8), ==, 0, "JPEG cut inside SOF0: 0");
    {
        /* APP1 before SOF2 (progressive): the frame comes after a skipped segment */
        static const guint8 jpeg_app[] = {
            0xff, 0xd8, 0xff, 0xe1, 0x00, 0x06, 'E', 'x', 'i', 'f', 0xff, 0xc2, 0x00, 0x0b, 0x08,
            0x00, 0x10, 0x00, 0x20, 0x01, 0x01, 0x11, 0x00, 0xff, 0xd9,
        };
        tap_check_int(lw_image_pixels(jpeg_app, sizeof(jpeg_app)), ==, 16 * 32, "JPEG: SOF2 after APP1: 32 x 16");
    }
    tap_check_int(lw_image_pixels(gif_bomb, sizeof(gif_bomb)), ==, 65535ULL * 65535ULL, "GIF: 65535 x 65535");
    {
        /* a 1 x 1 screen whose one frame sits at 60000,60000: the frame counts */
        static const guint8 gif_frame[] = {
            'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0,
            0x21, 0xf9, 0x04, 0, 0, 0, 0, 0x00,
            0x2c, 0x60, 0xea, 0x60, 0xea, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
        };
        tap_check_int(lw_image_pixels(gif_frame, sizeof(gif_frame)), ==, 60001ULL * 60001ULL,
                      "GIF: a frame far outside a 1 x 1 screen counts (after an extension block)");
    }
    {
        /* BMP with a 40-byte DIB header, 30000 x -30000 (top-down) */
        guint8 bmp[54] = { 'B', 'M' };

        bmp[14] = 40;
        bmp[18] = 0x30, bmp[19] = 0x75;                                 /* 30000 */
        bmp[22] = 0xd0, bmp[23] = 0x8a, bmp[24] = 0xff, bmp[25] = 0xff; /* -30000 */
        bmp[26] = 1;
        tap_check_int(lw_image_pixels(bmp, sizeof(bmp)), ==, 900000000ULL, "BMP: 30000 x -30000 (top-down)");
        bmp[26] = 0;
        tap_check_int(lw_image_pixels(bmp, sizeof(bmp)), ==, 0, "\"BM\" with no colour plane is not a BMP");
    }
    tap_check_int(lw_image_pixels("BMW owners club\n", 16), ==, 0, "text starting with BM is not a BMP");
    tap_check_int(lw_image_pixels("", 0), ==, 0, "no bytes: 0");
    refused("", 0, 100, "not a PNG, JPEG or GIF", "no bytes at all");

    g_byte_array_unref(bomb);
    g_byte_array_unref(small);
    g_ptr_array_unref(codes);
    g_free(tiny);
    return tap_done();
}
