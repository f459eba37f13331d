/*
 * image.c - PNG, JPEG and GIF bytes to 8-bit grey pixels, for the QR decoder
 *
 * DESCRIPTION
 *     lw_image_grey() decodes the first picture of a PNG (libpng), JPEG
 *     (libjpeg-turbo) or GIF (giflib) held in memory into one byte of
 *     luminance per pixel, the form zbar reads. Transparent pixels are
 *     painted on white, as a mail client shows them. The format comes from
 *     the magic bytes (lw_image_format), never from a file name or a
 *     declared type.
 *
 *     These three libraries are the reference decoders every Linux
 *     distribution maintains and patches, they decode from memory with no
 *     other dependency, and libpng and libjpeg are already in the closure
 *     of the libraries lurewatch links. GdkPixbuf would add a loader
 *     module system and shared MIME data for no gain here.
 *
 *     lw_image_pixels() reads the size a picture declares without decoding
 *     it, for the formats above and for those libclamav's image parsers
 *     decode besides (BMP, TIFF in either byte order and BigTIFF, WebP:
 *     VP8, VP8L, VP8X), so that a small file declaring a huge picture is
 *     kept from its decoders (clamav_engine.c, clamav_max_image_pixels).
 *
 * SECURITY
 *     Images come from strangers. Dimensions are read from the header and
 *     width * height is checked against max_pixels before any pixel buffer
 *     is allocated, so a decompression bomb (a tiny PNG declaring 100000 x
 *     100000 pixels) costs nothing. libpng is also told to refuse ancillary
 *     chunks that decompress past 1 MiB and to keep at most 128 of them;
 *     libjpeg-turbo is held to 100 progressive scans (a known CPU bomb) and
 *     to a memory budget proportional to max_pixels. Damaged or truncated
 *     data ends the decode with an error from the library's own checks; no
 *     partial picture is returned. Checksums (chunk CRCs, the zlib
 *     Adler-32) are not verified: mail clients show such pictures, as
 *     browsers do, so a deliberately broken checksum must not hide a code
 *     from us. The decoders report errors through setjmp/longjmp:
 *     everything allocated on the way is reachable from a heap context that
 *     outlives the jump, so nothing leaks.
 *
 * LIMITS
 *     Only the first frame of an animated GIF and the first image of a
 *     file; CMYK JPEGs (rare in mail) are refused. 16-bit PNG samples are
 *     reduced to 8 bits.
 */
#include "config.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <png.h>
#include <jpeglib.h>
#include <gif_lib.h>

#include "model/image.h"

#define PNG_CHUNK_MALLOC_MAX (1024 * 1024)
#define PNG_CHUNK_CACHE_MAX 128
#define JPEG_MAX_SCANS 100

/* lw_image_format - "png", "jpeg", "gif" from the magic bytes, or NULL */
const char *lw_image_format(const void *data, size_t len)
{
    const unsigned char *d = data;

    if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "png";
    if (len >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
        return "jpeg";
    if (len >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
        return "gif";
    return NULL;
}

static unsigned be16(const unsigned char *p) { return (unsigned) p[0] << 8 | p[1]; }
static unsigned le16(const unsigned char *p) { return (unsigned) p[1] << 8 | p[0]; }
static unsigned long be32(const unsigned char *p) { return (unsigned long) be16(p) << 16 | be16(p + 2); }
static unsigned long le32(const unsigned char *p) { return (unsigned long) le16(p + 2) << 16 | le16(p); }

/* jpeg_pixels - the size in the first start-of-frame marker (SOF0..SOF15 but DHT, JPG, DAC) */
static unsigned long long jpeg_pixels(const unsigned char *d, size_t len)
{
    size_t i = 2;

    while (i + 4 <= len) {
        unsigned m;

        if (d[i] != 0xff) {
            i++;                /* not a marker: garbage between segments, skipped as libjpeg does */
            continue;
        }
        m = d[i + 1];
        if (m == 0xff || m == 0x01 || (m >= 0xd0 && m <= 0xd8)) {
            i += m == 0xff ? 1 : 2;     /* fill byte, or a marker without a segment */
            continue;
        }
        if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc)
            return i + 9 <= len ? (unsigned long long) be16(d + i + 5) * be16(d + i + 7) : 0;
        if (m == 0xd9 || m == 0xda)
            return 0;           /* end of image, or entropy-coded data before any frame */
        i += 2 + be16(d + i + 2);
    }
    return 0;
}

/* gif_skip_blocks - past a chain of data sub-blocks at i; len when cut short */
static size_t gif_skip_blocks(const unsigned char *d, size_t len, size_t i)
{
    while (i < len && d[i] != 0)
        i += 1 + (size_t) d[i];
    return i < len ? i + 1 : len;
}

/* gif_pixels - the largest width and height of the logical screen and of every frame */
static unsigned long long gif_pixels(const unsigned char *d, size_t len)
{
    unsigned w, h;
    size_t i = 13;

    if (len < 13)
        return 0;
    w = le16(d + 6);
    h = le16(d + 8);
    if (d[10] & 0x80)
        i += 3u << ((d[10] & 7) + 1);  /* global colour table */
    while (i < len && d[i] != 0x3b) {
        if (d[i] == 0x21 && i + 1 < len) {              /* extension: label, sub-blocks */
            i = gif_skip_blocks(d, len, i + 2);
        } else if (d[i] == 0x2c && i + 10 <= len) {     /* image descriptor */
            w = MAX(w, le16(d + i + 1) + le16(d + i + 5));
            h = MAX(h, le16(d + i + 3) + le16(d + i + 7));
            if (d[i + 9] & 0x80)
                i += 3u << ((d[i + 9] & 7) + 1);      /* local colour table */
            i = gif_skip_blocks(d, len, i + 11);        /* past the LZW code size */
        } else {
            break;
        }
    }
    return (unsigned long long) w * h;
}

/*
 * bmp_pixels - the size in the DIB header: BITMAPCOREHEADER (12 bytes) or
 * a later one (40 to 124; a height below 0 is a top-down picture). "BM" is
 * common text, so the header size and its one colour plane must be right.
 */
static unsigned long long bmp_pixels(const unsigned char *d, size_t len)
{
    unsigned long dib = len >= 30 ? le32(d + 14) : 0;
    long h;

    if (dib == 12)
        return le16(d + 22) == 1 ? (unsigned long long) le16(d + 18) * le16(d + 20) : 0;
    if (!(dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124) || le16(d + 26) != 1)
        return 0;
    h = (long) (gint32) le32(d + 22);
    return (unsigned long long) le32(d + 18) * (unsigned long long) (h < 0 ? -h : h);
}

/* A TIFF's byte order, and whether it is a BigTIFF (64-bit offsets). */
struct tiff {
    const unsigned char *d;
    size_t len;
    int le, big;
};

#define TIFF_MAX_IFDS 64

/* tiff_uint - an n-byte (2, 4 or 8) unsigned integer at off in the file's byte order; 0 past the end */
static unsigned long long tiff_uint(const struct tiff *t, unsigned long long off, int n)
{
    unsigned long long v = 0;

    if (off > t->len || (unsigned long long) n > t->len - off)
        return 0;
    for (int i = 0; i < n; i++)
        v |= (unsigned long long) t->d[off + (t->le ? i : n - 1 - i)] << (8 * i);
    return v;
}

/* tiff_value - a SHORT, LONG or LONG8 entry's value, held in the entry itself (count 1) */
static unsigned long long tiff_value(const struct tiff *t, unsigned long long entry)
{
    unsigned type = (unsigned) tiff_uint(t, entry + 2, 2);
    unsigned long long value = entry + (t->big ? 12 : 8);

    return type == 3 ? tiff_uint(t, value, 2) : type == 4 ? tiff_uint(t, value, 4)
         : type == 16 && t->big ? tiff_uint(t, value, 8) : 0;
}

/*
 * tiff_pixels - the largest ImageWidth (tag 256) times ImageLength (257)
 * of the image file directories in the chain (at most TIFF_MAX_IFDS: each
 * is a page or a thumbnail a decoder may open), little- ("II*") or
 * big-endian ("MM*"), classic or BigTIFF ("II+", 64-bit offsets)
 */
static unsigned long long tiff_pixels(const unsigned char *d, size_t len)
{
    struct tiff t = { d, len, d[0] == 'I', 0 };
    unsigned long long ifd, most = 0;
    int osize, esize, csize;

    t.big = tiff_uint(&t, 2, 2) == 43;
    osize = t.big ? 8 : 4;
    esize = t.big ? 20 : 12;
    csize = t.big ? 8 : 2;
    ifd = tiff_uint(&t, t.big ? 8 : 4, osize);
    for (int n = 0; n < TIFF_MAX_IFDS && ifd >= 8 && ifd < len; n++) {
        unsigned long long entries = tiff_uint(&t, ifd, csize), w = 0, h = 0;

        for (unsigned long long i = 0; i < entries && i < 4096; i++) {
            unsigned long long entry = ifd + (unsigned long long) csize + i * (unsigned long long) esize;
            unsigned tag = (unsigned) tiff_uint(&t, entry, 2);

            if (entry + (unsigned long long) esize > len)
                break;
            if (tag == 256)
                w = tiff_value(&t, entry);
            else if (tag == 257)
                h = tiff_value(&t, entry);
        }
        if (w > 0 && h > 0 && w * h / h == w && w * h > most)
            most = w * h;
        else if (w > 0 && h > 0 && w * h / h != w)
            return ~0ULL;       /* past what 64 bits count: larger than any limit */
        ifd = tiff_uint(&t, ifd + (unsigned long long) csize + MIN(entries, 4096ULL) * (unsigned long long) esize,
                        osize);
    }
    return most;
}

/*
 * webp_pixels - the canvas of a WebP: VP8X (extended: 24-bit width and
 * height minus one), else the first bitstream's frame, VP8L (lossless:
 * 14-bit width and height minus one) or VP8 (lossy: 14-bit width and
 * height after the key frame's start code)
 */
static unsigned long long webp_pixels(const unsigned char *d, size_t len)
{
    const unsigned char *c = d + 20;    /* the first chunk's data, after "RIFF" size "WEBP" fourcc size */

    if (len >= 30 && memcmp(d + 12, "VP8X", 4) == 0)
        return (unsigned long long) ((c[4] | c[5] << 8 | (unsigned long) c[6] << 16) + 1)
               * ((c[7] | c[8] << 8 | (unsigned long) c[9] << 16) + 1);
    if (len >= 25 && memcmp(d + 12, "VP8L", 4) == 0 && c[0] == 0x2f) {
        unsigned long bits = le32(c + 1);

        return (unsigned long long) ((bits & 0x3fff) + 1) * (((bits >> 14) & 0x3fff) + 1);
    }
    if (len >= 30 && memcmp(d + 12, "VP8 ", 4) == 0 && c[3] == 0x9d && c[4] == 0x01 && c[5] == 0x2a)
        return (unsigned long long) (le16(c + 6) & 0x3fff) * (le16(c + 8) & 0x3fff);
    return 0;
}

/* lw_image_pixels - width times height from the headers, nothing decoded */
unsigned long long lw_image_pixels(const void *data, size_t len)
{
    const unsigned char *d = data;
    const char *format = lw_image_format(data, len);

    if (format == NULL && len >= 8 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0
                                       || memcmp(d, "II+\0", 4) == 0 || memcmp(d, "MM\0+", 4) == 0))
        return tiff_pixels(d, len);
    if (format == NULL && len >= 16 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
        return webp_pixels(d, len);
    if (format == NULL)
        return len >= 2 && d[0] == 'B' && d[1] == 'M' ? bmp_pixels(d, len) : 0;
    if (strcmp(format, "png") == 0)     /* IHDR is the first chunk */
        return len >= 24 && memcmp(d + 12, "IHDR", 4) == 0
               ? (unsigned long long) be32(d + 16) * be32(d + 20) : 0;
    if (strcmp(format, "jpeg") == 0)
        return jpeg_pixels(d, len);
    return gif_pixels(d, len);
}

/* lw_image_clear - free the pixels; out can be reused */
void lw_image_clear(struct lw_image *img)
{
    g_free(img->grey);
    img->grey = NULL;
    img->width = img->height = 0;
}

/* too_big - are w x h pixels empty or more than max_pixels? */
static int too_big(unsigned long w, unsigned long h, long long max_pixels)
{
    return w == 0 || h == 0 || (double) w * (double) h > (double) max_pixels;
}

/* luma - 8-bit luminance of an RGB colour (ITU-R BT.601 weights) */
static unsigned char luma(unsigned r, unsigned g, unsigned b)
{
    return (unsigned char) ((r * 77 + g * 150 + b * 29) >> 8);
}

/* ---- PNG ---- */

/* Everything a longjmp out of libpng must be able to free. */
struct png_ctx {
    const unsigned char *data;
    size_t len, pos;
    unsigned char *grey;
    unsigned char *rgba;
    png_bytep *rows;
    char msg[160];
};

/* png_read_mem - libpng's read callback over the buffer; running out is an error */
static void png_read_mem(png_structp png, png_bytep out, size_t n)
{
    struct png_ctx *c = png_get_io_ptr(png);

    if (n > c->len - c->pos)
        png_error(png, "truncated data");
    memcpy(out, c->data + c->pos, n);
    c->pos += n;
}

/* png_on_error - keep libpng's message and jump back to png_grey */
static void png_on_error(png_structp png, png_const_charp msg)
{
    struct png_ctx *c = png_get_error_ptr(png);

    g_strlcpy(c->msg, msg ? msg : "error", sizeof(c->msg));
    png_longjmp(png, 1);
}

/* png_on_warning - library code does not print: warnings are ignored */
static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void) png;
    (void) msg;
}

/* rgba_to_grey - one row of RGBA pixels onto white, as grey */
static void rgba_to_grey(const unsigned char *rgba, unsigned w, unsigned char *out)
{
    for (unsigned x = 0; x < w; x++, rgba += 4) {
        unsigned a = rgba[3], l = luma(rgba[0], rgba[1], rgba[2]);

        out[x] = (unsigned char) ((l * a + 255 * (255 - a) + 127) / 255);
    }
}

/* png_pixels - read the rows of an opened PNG as RGBA into c->grey (longjmps on error) */
static void png_pixels(png_structp png, png_infop info, struct png_ctx *c, long long max_pixels,
                       unsigned *wp, unsigned *hp)
{
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int passes;

    if (too_big(w, h, max_pixels))
        png_error(png, "picture larger than qr_max_pixels");
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_gray_to_rgb(png);
    png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
    passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t) w * 4)
        png_error(png, "unexpected row size");
    c->grey = g_malloc((size_t) w * h);
    if (passes == 1) {          /* row by row: one row of RGBA */
        c->rgba = g_malloc((size_t) w * 4);
        for (png_uint_32 y = 0; y < h; y++) {
            png_read_row(png, c->rgba, NULL);
            rgba_to_grey(c->rgba, w, c->grey + (size_t) y * w);
        }
    } else {                    /* interlaced: the passes need the whole picture */
        c->rgba = g_malloc((size_t) w * h * 4);
        c->rows = g_new(png_bytep, h);
        for (png_uint_32 y = 0; y < h; y++)
            c->rows[y] = c->rgba + (size_t) y * w * 4;
        png_read_image(png, c->rows);
        for (png_uint_32 y = 0; y < h; y++)
            rgba_to_grey(c->rows[y], w, c->grey + (size_t) y * w);
    }
    *wp = w;
    *hp = h;
}

/* png_grey - decode a PNG (the context is on the heap: it is written between setjmp and longjmp) */
static int png_grey(const unsigned char *data, size_t len, long long max_pixels, struct lw_image *out,
                    struct lw_error *err)
{
    struct png_ctx *c = g_new0(struct png_ctx, 1);
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    int rc = 0;

    c->data = data;
    c->len = len;
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        g_free(c);
        return lw_error_set(err, "PNG: out of memory");
    }
    if (setjmp(png_jmpbuf(png))) {
        g_free(c->grey);
        rc = lw_error_set(err, "PNG: %s", c->msg);
    } else {
        png_set_read_fn(png, c, png_read_mem);
        png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
#ifdef PNG_IGNORE_ADLER32
        png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
        png_set_chunk_malloc_max(png, PNG_CHUNK_MALLOC_MAX);
        png_set_chunk_cache_max(png, PNG_CHUNK_CACHE_MAX);
        png_read_info(png, info);
        png_pixels(png, info, c, max_pixels, &out->width, &out->height);
        out->grey = c->grey;
    }
    png_destroy_read_struct(&png, &info, NULL);
    g_free(c->rgba);
    g_free(c->rows);
    g_free(c);
    return rc;
}

/* ---- JPEG ---- */

struct jpeg_ctx {
    struct jpeg_error_mgr pub;          /* first: libjpeg casts cinfo->err to this */
    struct jpeg_progress_mgr progress;
    struct jpeg_decompress_struct cinfo;
    jmp_buf jump;
    unsigned char *grey;
    char msg[JMSG_LENGTH_MAX];
};

/* jpeg_on_error - keep libjpeg's message and jump back to jpeg_grey */
static void jpeg_on_error(j_common_ptr cinfo)
{
    struct jpeg_ctx *c = (struct jpeg_ctx *) cinfo->err;

    (*cinfo->err->format_message)(cinfo, c->msg);
    longjmp(c->jump, 1);
}

/* jpeg_on_message - library code does not print: warnings are ignored */
static void jpeg_on_message(j_common_ptr cinfo, int level)
{
    (void) cinfo;
    (void) level;
}

/* jpeg_on_progress - refuse progressive JPEGs with absurdly many scans (a CPU bomb) */
static void jpeg_on_progress(j_common_ptr cinfo)
{
    struct jpeg_ctx *c = (struct jpeg_ctx *) cinfo->err;

    if (cinfo->is_decompressor && ((j_decompress_ptr) cinfo)->input_scan_number > JPEG_MAX_SCANS) {
        g_strlcpy(c->msg, "too many progressive scans", sizeof(c->msg));
        longjmp(c->jump, 1);
    }
}

/* jpeg_grey - decode a JPEG straight to greyscale (context on the heap, as for PNG) */
static int jpeg_grey(const unsigned char *data, size_t len, long long max_pixels, struct lw_image *out,
                     struct lw_error *err)
{
    struct jpeg_ctx *c = g_new0(struct jpeg_ctx, 1);
    j_decompress_ptr cinfo = &c->cinfo;
    int rc = 0;

    cinfo->err = jpeg_std_error(&c->pub);
    c->pub.error_exit = jpeg_on_error;
    c->pub.emit_message = jpeg_on_message;
    if (setjmp(c->jump)) {
        g_free(c->grey);
        rc = lw_error_set(err, "JPEG: %s", c->msg);
    } else {
        jpeg_create_decompress(cinfo);     /* jpeg_destroy_decompress copes if this failed */
        c->progress.progress_monitor = jpeg_on_progress;
        cinfo->progress = &c->progress;
        cinfo->mem->max_memory_to_use = (long) MIN(max_pixels * 8 + 16 * 1024 * 1024, (long long) G_MAXLONG);
        jpeg_mem_src(cinfo, data, (unsigned long) len);
        jpeg_read_header(cinfo, TRUE);
        if (too_big(cinfo->image_width, cinfo->image_height, max_pixels)) {
            g_strlcpy(c->msg, "picture larger than qr_max_pixels", sizeof(c->msg));
            longjmp(c->jump, 1);
        }
        cinfo->out_color_space = JCS_GRAYSCALE;
        jpeg_start_decompress(cinfo);
        c->grey = g_malloc((size_t) cinfo->output_width * cinfo->output_height);
        while (cinfo->output_scanline < cinfo->output_height) {
            JSAMPROW row = c->grey + (size_t) cinfo->output_scanline * cinfo->output_width;

            jpeg_read_scanlines(cinfo, &row, 1);
        }
        out->grey = c->grey;
        out->width = cinfo->output_width;
        out->height = cinfo->output_height;
    }
    jpeg_destroy_decompress(cinfo);
    g_free(c);
    return rc;
}

/* ---- GIF ---- */

struct gif_src {
    const unsigned char *data;
    size_t len, pos;
};

/* gif_read_mem - giflib's read callback over the buffer */
static int gif_read_mem(GifFileType *gif, GifByteType *buf, int n)
{
    struct gif_src *s = gif->UserData;
    size_t k = n > 0 ? MIN((size_t) n, s->len - s->pos) : 0;

    memcpy(buf, s->data + s->pos, k);
    s->pos += k;
    return (int) k;
}

/* gif_palette - the grey of every palette entry; the transparent one (or -1) white */
static void gif_palette(const ColorMapObject *map, int transparent, unsigned char grey[256])
{
    memset(grey, 255, 256);
    for (int i = 0; i < map->ColorCount && i < 256; i++)
        if (i != transparent)
            grey[i] = luma(map->Colors[i].Red, map->Colors[i].Green, map->Colors[i].Blue);
}

/* gif_frame - the first frame's pixels, after its image descriptor was read */
static int gif_frame(GifFileType *gif, int transparent, long long max_pixels, struct lw_image *out,
                     struct lw_error *err)
{
    static const int start[] = { 0, 4, 2, 1 }, step[] = { 8, 8, 4, 2 };
    int w = gif->Image.Width, h = gif->Image.Height;
    const ColorMapObject *map = gif->Image.ColorMap ? gif->Image.ColorMap : gif->SColorMap;
    unsigned char palette[256], *line, *grey;

    if (w <= 0 || h <= 0 || too_big((unsigned long) w, (unsigned long) h, max_pixels))
        return lw_error_set(err, "GIF: picture larger than qr_max_pixels");
    if (map == NULL)
        return lw_error_set(err, "GIF: no colour table");
    gif_palette(map, transparent, palette);
    line = g_malloc((size_t) w);
    grey = g_malloc((size_t) w * h);
    for (int pass = 0; pass < (gif->Image.Interlace ? 4 : 1); pass++) {
        for (int y = gif->Image.Interlace ? start[pass] : 0; y < h; y += gif->Image.Interlace ? step[pass] : 1) {
            if (DGifGetLine(gif, line, w) != GIF_OK) {
                g_free(line);
                g_free(grey);
                return lw_error_set(err, "GIF: %s", GifErrorString(gif->Error));
            }
            for (int x = 0; x < w; x++)
                grey[(size_t) y * w + x] = palette[line[x]];
        }
    }
    g_free(line);
    out->grey = grey;
    out->width = (unsigned) w;
    out->height = (unsigned) h;
    return 0;
}

/* gif_extension - read one extension block; a graphic control block may name a transparent colour */
static int gif_extension(GifFileType *gif, int *transparent)
{
    GifByteType *ext;
    int code;

    if (DGifGetExtension(gif, &code, &ext) != GIF_OK)
        return -1;
    if (code == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] >= 4)
        *transparent = (ext[1] & 1) ? ext[4] : -1;
    while (ext != NULL)
        if (DGifGetExtensionNext(gif, &ext) != GIF_OK)
            return -1;
    return 0;
}

/* gif_grey - decode the first frame of a GIF */
static int gif_grey(const unsigned char *data, size_t len, long long max_pixels, struct lw_image *out,
                    struct lw_error *err)
{
    struct gif_src s = { data, len, 0 };
    int code = 0, transparent = -1, rc = 1;
    GifRecordType type;
    GifFileType *gif = DGifOpen(&s, gif_read_mem, &code);

    if (gif == NULL)
        return lw_error_set(err, "GIF: %s", GifErrorString(code));
    while (rc == 1) {
        if (DGifGetRecordType(gif, &type) != GIF_OK)
            rc = lw_error_set(err, "GIF: %s", GifErrorString(gif->Error));
        else if (type == EXTENSION_RECORD_TYPE && gif_extension(gif, &transparent) < 0)
            rc = lw_error_set(err, "GIF: %s", GifErrorString(gif->Error));
        else if (type == IMAGE_DESC_RECORD_TYPE)
            rc = DGifGetImageDesc(gif) == GIF_OK ? gif_frame(gif, transparent, max_pixels, out, err)
                                                 : lw_error_set(err, "GIF: %s", GifErrorString(gif->Error));
        else if (type == TERMINATE_RECORD_TYPE)
            rc = lw_error_set(err, "GIF: no picture");
    }
    DGifCloseFile(gif, &code);
    return rc;
}

/* lw_image_grey - decode data (PNG, JPEG or GIF) into out; -1 with err if not possible */
int lw_image_grey(const void *data, size_t len, long long max_pixels, struct lw_image *out,
                  struct lw_error *err)
{
    const char *format = lw_image_format(data, len);

    memset(out, 0, sizeof(*out));
    if (format == NULL)
        return lw_error_set(err, "not a PNG, JPEG or GIF picture");
    if (strcmp(format, "png") == 0)
        return png_grey(data, len, max_pixels, out, err);
    if (strcmp(format, "jpeg") == 0)
        return jpeg_grey(data, len, max_pixels, out, err);
    return gif_grey(data, len, max_pixels, out, err);
}
