/*
 * zipcrypto.c - encrypted ZIP members: find them, check a password, decrypt
 *
 * DESCRIPTION
 *     The "password: 1234" lure sends a ZIP encrypted with PKWARE's
 *     traditional cipher (ZipCrypto, what zip -P and Windows make) and gives
 *     the password in the mail text, so no filter can look inside. With the
 *     password a filter can: lw_zip_password_opens() checks a candidate
 *     against each member's 12-byte encryption header (APPNOTE 6.1), and
 *     lw_zip_decrypt() decrypts and inflates a member so it can be scanned
 *     like any attachment. The central-directory iterator lists members,
 *     and lw_zip_extract() inflates one that is not encrypted (url-extract.c
 *     reads the links of zipped web pages and messages).
 *     AES-encrypted members (method 99) are recognized as encrypted but not
 *     opened.
 *
 * SECURITY
 *     Input is hostile. Every offset is checked against the buffer length
 *     as a size before it is used; the central directory is found only in
 *     the last 64 KB + 22 bytes; decryption and inflation stop at the
 *     caller's max (a ZIP bomb ends as NULL, never as a large buffer).
 */
#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "model/zipcrypto.h"

#define LOCAL_SIG "PK\x03\x04"
#define CENTRAL_SIG "PK\x01\x02"
#define END_SIG "PK\x05\x06"
#define METHOD_AES 99

static guint32 le32(const unsigned char *p)
{
    return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static unsigned le16(const unsigned char *p)
{
    return p[0] | p[1] << 8;
}

static guint32 crc32_byte(guint32 crc, unsigned char b)
{
    crc ^= b;
    for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    return crc;
}

struct keys {
    guint32 k0, k1, k2;
};

static void keys_update(struct keys *z, unsigned char c)
{
    z->k0 = crc32_byte(z->k0, c);
    z->k1 = (z->k1 + (z->k0 & 0xff)) * 134775813u + 1;
    z->k2 = crc32_byte(z->k2, (unsigned char) (z->k1 >> 24));
}

/* keys_init - the cipher state after the password */
static void keys_init(struct keys *z, const char *password)
{
    z->k0 = 0x12345678u;
    z->k1 = 0x23456789u;
    z->k2 = 0x34567890u;
    for (const char *c = password; *c; c++)
        keys_update(z, (unsigned char) *c);
}

static unsigned char decrypt_byte(struct keys *z, unsigned char c)
{
    guint16 t = (guint16) ((z->k2 & 0xffff) | 2);
    unsigned char plain = c ^ (unsigned char) (((guint32) t * (t ^ 1)) >> 8);

    keys_update(z, plain);
    return plain;
}

/*
 * next_local - the next local header at or after off, or -1 (as size_t).
 * Compressed data is scanned whole, so the search runs on memchr (vector
 * code, ~10x glibc's memmem for a 4-byte needle): 'P' is one byte in 256
 * of it, and only those are compared further.
 */
static size_t next_local(const unsigned char *data, size_t len, size_t off)
{
    while (off + 30 <= len) {
        const unsigned char *p = memchr(data + off, 'P', len - 30 + 1 - off);

        if (p == NULL)
            break;
        off = (size_t) (p - data);
        if (memcmp(p, LOCAL_SIG, 4) == 0)
            return off;
        off++;
    }
    return (size_t) -1;
}

int lw_zip_encrypted(const unsigned char *data, size_t len)
{
    size_t off = 0;

    for (unsigned n = 0; n < 1000 && (off = next_local(data, len, off)) != (size_t) -1; n++, off += 4)
        if (data[off + 6] & 1)
            return 1;
    return 0;
}

int lw_zip_password_opens(const unsigned char *data, size_t len, const char *password)
{
    size_t off = 0;
    int tried = 0;

    for (unsigned n = 0; n < 1000 && tried < 8 && (off = next_local(data, len, off)) != (size_t) -1;
         n++, off += 4) {
        const unsigned char *h = data + off;
        unsigned flags = le16(h + 6);
        size_t enc = off + 30 + le16(h + 26) + le16(h + 28);
        unsigned char check = 0, want = (flags & 8) ? h[11] : h[17];  /* time or CRC, high byte */
        struct keys z;

        if (!(flags & 1) || le16(h + 8) == METHOD_AES || enc + 12 > len)
            continue;
        keys_init(&z, password);
        for (int i = 0; i < 12; i++)
            check = decrypt_byte(&z, data[enc + i]);
        if (check != want)
            return 0;
        tried++;
    }
    return tried ? 1 : -1;
}

int lw_zip_iter_init(struct lw_zip_iter *it, const unsigned char *zip, size_t len)
{
    size_t lowest = len > 22 + 65535 ? len - 22 - 65535 : 0;

    memset(it, 0, sizeof(*it));
    if (len < 22)
        return -1;
    for (size_t off = len - 22;; off--) {
        if (memcmp(zip + off, END_SIG, 4) == 0) {
            it->zip = zip;
            it->len = len;
            it->next = le32(zip + off + 16);
            it->left = le16(zip + off + 10);
            return it->next < len ? 0 : -1;
        }
        if (off == lowest)
            return -1;
    }
}

const struct lw_zip_entry *lw_zip_iter_next(struct lw_zip_iter *it)
{
    const unsigned char *c;
    size_t nlen, off = it->next;

    g_free(it->entry.name);
    it->entry.name = NULL;
    if (it->left == 0 || off + 46 > it->len || memcmp(it->zip + off, CENTRAL_SIG, 4) != 0)
        return NULL;
    c = it->zip + off;
    nlen = le16(c + 28);
    it->left--;
    it->next = off + 46 + nlen + le16(c + 30) + le16(c + 32);
    it->entry.name = off + 46 + nlen <= it->len ? g_strndup((const char *) c + 46, nlen) : g_strdup("?");
    it->entry.flags = le16(c + 8);
    it->entry.size = le32(c + 24);
    it->entry.offset = off;
    return &it->entry;
}

void lw_zip_iter_clear(struct lw_zip_iter *it)
{
    g_free(it->entry.name);
    it->entry.name = NULL;
}

/* inflate_raw - a deflate stream to at most max bytes; NULL on error or overflow */
static GBytes *inflate_raw(const unsigned char *in, size_t in_len, size_t max)
{
    GConverter *z = G_CONVERTER(g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_RAW));
    GByteArray *out = g_byte_array_new();
    unsigned char buf[65536];
    GConverterResult r = G_CONVERTER_CONVERTED;

    while (r != G_CONVERTER_FINISHED) {
        gsize rd = 0, wr = 0;

        r = g_converter_convert(z, in, in_len, buf, sizeof(buf), G_CONVERTER_INPUT_AT_END, &rd, &wr, NULL);
        if (r == G_CONVERTER_ERROR || out->len + wr > max || (rd == 0 && wr == 0 && r != G_CONVERTER_FINISHED)) {
            g_byte_array_unref(out);
            g_object_unref(z);
            return NULL;
        }
        g_byte_array_append(out, buf, (guint) wr);
        in += rd;
        in_len -= rd;
    }
    g_object_unref(z);
    return g_byte_array_free_to_bytes(out);
}

/*
 * member_data - where a stored or deflated member's compressed bytes start
 * (*data) and how many there are (*csize, at most max); -1 if damaged
 */
static int member_data(const struct lw_zip_iter *it, const struct lw_zip_entry *e, size_t max,
                       unsigned *method, size_t *data, size_t *csize)
{
    const unsigned char *zip = it->zip, *c = zip + e->offset;
    size_t lho = le32(c + 42);

    *method = le16(c + 10);
    *csize = le32(c + 20);
    if ((*method != 0 && *method != 8) || *csize > max || lho + 30 > it->len
        || memcmp(zip + lho, LOCAL_SIG, 4) != 0)
        return -1;
    *data = lho + 30 + le16(zip + lho + 26) + le16(zip + lho + 28);
    return *data > it->len || *csize > it->len - *data ? -1 : 0;
}

GBytes *lw_zip_extract(const struct lw_zip_iter *it, const struct lw_zip_entry *e, size_t max)
{
    unsigned method;
    size_t data, csize;

    if ((e->flags & 1) || member_data(it, e, max, &method, &data, &csize) < 0)
        return NULL;
    return method == 0 ? g_bytes_new(it->zip + data, csize) : inflate_raw(it->zip + data, csize, max);
}

GBytes *lw_zip_decrypt(const struct lw_zip_iter *it, const struct lw_zip_entry *e, const char *password,
                       size_t max)
{
    const unsigned char *zip = it->zip;
    unsigned method;
    size_t csize, data;
    struct keys z;
    unsigned char *plain;
    GBytes *out;

    if (!(e->flags & 1) || member_data(it, e, max, &method, &data, &csize) < 0 || csize < 12)
        return NULL;
    keys_init(&z, password);
    plain = g_malloc(csize);
    for (size_t i = 0; i < csize; i++)
        plain[i] = decrypt_byte(&z, zip[data + i]);
    out = method == 0 ? g_bytes_new(plain + 12, csize - 12) : inflate_raw(plain + 12, csize - 12, max);
    g_free(plain);
    return out;
}
