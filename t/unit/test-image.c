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

/* put - n bytes of v at p, little- or big-endian */
static void put(guint8 *p, unsigned long long v, int n, int le)
{
    for (int i = 0; i < n; i++)
        p[le ? i : n - 1 - i] = (guint8) (v >> (8 * i));
}

/*
 * tiff - a classic TIFF header and, at offset 8, one directory: width
 * (tag 256, type wtype: 3 SHORT or 4 LONG) and length (257, LONG), then
 * the next directory's offset; 38 bytes
 */
static void tiff(guint8 *t, int le, unsigned long w, int wtype, unsigned long h, unsigned long next)
{
    memset(t, 0, 38);
    memcpy(t, le ? "II" : "MM", 2);
    put(t + 2, 42, 2, le);
    put(t + 4, 8, 4, le);
    put(t + 8, 2, 2, le);
    put(t + 10, 256, 2, le), put(t + 12, (unsigned) wtype, 2, le), put(t + 14, 1, 4, le);
    put(t + 18, w, wtype == 3 ? 2 : 4, le);
    put(t + 22, 257, 2, le), put(t + 24, 4, 2, le), put(t + 26, 1, 4, le), put(t + 30, h, 4, le);
    put(t + 34, next, 4, le);
}

static void tiff_checks(void)
{
    guint8 t[80], big[64] = { 0 };

    tiff(t, 1, 40000, 3, 50000, 0);
    tap_check_int(lw_image_pixels(t, 38), ==, 2000000000ULL, "TIFF little-endian: SHORT 40000 x LONG 50000");
    tiff(t, 0, 40000, 4, 50000, 0);
    tap_check_int(lw_image_pixels(t, 38), ==, 2000000000ULL, "TIFF big-endian: LONG 40000 x LONG 50000");
    tap_check_int(lw_image_pixels(t, 30), ==, 0, "TIFF cut inside its directory: 0");
    tiff(t, 1, 40000, 3, 50000, 8);
    tap_check_int(lw_image_pixels(t, 38), ==, 2000000000ULL, "TIFF whose directory chain loops on itself: ends");
    /* a 100 x 100 thumbnail first, then a 60000 x 60000 page at offset 38 */
    tiff(t, 1, 100, 3, 100, 38);
    memcpy(t + 38, t + 8, 30);
    put(t + 38 + 10, 60000, 2, 1), put(t + 38 + 22, 60000, 4, 1), put(t + 38 + 26, 0, 4, 1);
    tap_check_int(lw_image_pixels(t, 68), ==, 3600000000ULL, "TIFF: the largest directory of the chain counts");
    put(t + 4, 4000, 4, 1);
    tap_check_int(lw_image_pixels(t, 68), ==, 0, "TIFF whose directory lies past the end: 0");
    /* BigTIFF: version 43, 8-byte offsets, 20-byte entries, LONG8 values */
    memcpy(big, "II", 2), put(big + 2, 43, 2, 1), put(big + 4, 8, 2, 1), put(big + 8, 16, 8, 1);
    put(big + 16, 2, 8, 1);
    put(big + 24, 256, 2, 1), put(big + 26, 16, 2, 1), put(big + 28, 1, 8, 1), put(big + 36, 3000000, 8, 1);
    put(big + 44, 257, 2, 1), put(big + 46, 16, 2, 1), put(big + 48, 1, 8, 1), put(big + 56, 3000000, 8, 1);
    tap_check_int(lw_image_pixels(big, sizeof(big)), ==, 9000000000000ULL, "BigTIFF: LONG8 3000000 x 3000000");
    put(big + 36, 1ULL << 40, 8, 1), put(big + 56, 1ULL << 40, 8, 1);
    tap_check_int(lw_image_pixels(big, sizeof(big)), ==, ~0ULL, "BigTIFF past 64 bits of pixels: the most there is");
    tap_check_int(lw_image_pixels("II*\0 is how a TIFF starts", 26), ==, 0, "TIFF magic with no directory: 0");
}

/* webp - "RIFF" size "WEBP", then a chunk header fourcc and the 10 bytes given */
static void webp(guint8 *w, const char *fourcc, const guint8 data[10])
{
    memcpy(w, "RIFF\x16\0\0\0WEBP", 12);
    memcpy(w + 12, fourcc, 4);
    put(w + 16, 10, 4, 1);
    memcpy(w + 20, data, 10);
}

static void webp_checks(void)
{
    guint8 w[30];
    /* VP8X: flags, 3 reserved, canvas width - 1 and height - 1 in 24 bits */
    static const guint8 vp8x[10] = { 0x10, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    /* VP8L: 0x2f, then width - 1 and height - 1 in 14 bits each: 16384 x 16384 */
    static const guint8 vp8l[10] = { 0x2f, 0xff, 0xff, 0xff, 0x0f, 0 };
    /* VP8: a key frame's 3-byte tag, start code 9d 01 2a, 14-bit width and height (scale bits above) */
    static const guint8 vp8[10] = { 0x50, 0x0e, 0x00, 0x9d, 0x01, 0x2a, 0xff, 0xff, 0xff, 0x7f };

    webp(w, "VP8X", vp8x);
    tap_check_int(lw_image_pixels(w, 30), ==, 16777216ULL * 16777216ULL, "WebP VP8X: a 16777216 x 16777216 canvas");
    tap_check_int(lw_image_pixels(w, 29), ==, 0, "WebP VP8X cut short: 0");
    webp(w, "VP8L", vp8l);
    tap_check_int(lw_image_pixels(w, 30), ==, 16384ULL * 16384ULL, "WebP VP8L: 16384 x 16384");
    webp(w, "VP8 ", vp8);
    tap_check_int(lw_image_pixels(w, 30), ==, 16383ULL * 16383ULL, "WebP VP8: 16383 x 16383, scale bits ignored");
    w[23] = 0;
    tap_check_int(lw_image_pixels(w, 30), ==, 0, "WebP VP8 without the key frame's start code: 0");
    memcpy(w + 8, "WAVE", 4);
    tap_check_int(lw_image_pixels(w, 30), ==, 0, "a RIFF that is not WEBP: 0");
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
    tiff_checks();
    webp_checks();
    tap_check_int(lw_image_pixels("", 0), ==, 0, "no bytes: 0");
    refused("", 0, 100, "not a PNG, JPEG or GIF", "no bytes at all");

    g_byte_array_unref(bomb);
    g_byte_array_unref(small);
    g_ptr_array_unref(codes);
    g_free(tiny);
    return tap_done();
}
