/*
 * digest.c - message digests (SHA-256, SHA-1, MD5) as hex, through OpenSSL's libcrypto
 *
 *     Every digest lurewatch takes of data goes through libcrypto's EVP
 *     interface, which uses the CPU's SHA instructions where it has them:
 *     GLib's GChecksum, portable C, is four to eight times slower, and the
 *     SHA-256 of every message body and part is a good share of a scan.
 *     lw_digest_hex() and lw_sha256_hex() hash one buffer; lw_sha256_new(),
 *     lw_sha256_update() and lw_sha256_end() hash data that comes in pieces
 *     (a body as the milter receives it, files read one after another).
 *
 * DIAGNOSTICS
 *     libcrypto fails here only when it cannot allocate: that aborts, as
 *     g_malloc does.
 */
#include "config.h"

#include <glib.h>
#include <openssl/evp.h>

#include "util/digest.h"

struct lw_sha256 {
    EVP_MD_CTX *ctx;
};

/*
 * digest_md - the algorithm, fetched from the default provider once per
 * process and kept: EVP_sha256() and the like make libcrypto look the
 * implementation up again on every digest, a sixth of the time of
 * hashing a small part. Set once (g_once), never changed nor freed.
 */
static const EVP_MD *digest_md(enum lw_digest d)
{
    static const char *const names[] = {
        [LW_DIGEST_SHA256] = "SHA2-256", [LW_DIGEST_SHA1] = "SHA1", [LW_DIGEST_MD5] = "MD5",
    };
    static gsize fetched[G_N_ELEMENTS(names)];

    if (g_once_init_enter(&fetched[d])) {
        EVP_MD *md = EVP_MD_fetch(NULL, names[d], NULL);

        if (md == NULL)
            g_error("digest_md: OpenSSL has no %s", names[d]);
        g_once_init_leave(&fetched[d], (gsize) md);
    }
    return (const EVP_MD *) fetched[d];
}

/* to_hex - n bytes of md as lowercase hex in out (2n + 1 bytes) */
static char *to_hex(const unsigned char *md, unsigned int n, char *out)
{
    static const char hex[] = "0123456789abcdef";

    for (unsigned int i = 0; i < n; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * n] = '\0';
    return out;
}

char *lw_digest_hex(enum lw_digest d, const void *data, size_t len, char out[LW_DIGEST_HEX_SIZE])
{
    unsigned char bin[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (EVP_Digest(len > 0 ? data : "", len, bin, &n, digest_md(d), NULL) != 1 || 2 * n >= LW_DIGEST_HEX_SIZE)
        g_error("lw_digest_hex: OpenSSL digest unavailable");
    return to_hex(bin, n, out);
}

char *lw_sha256_hex(const void *data, size_t len)
{
    char out[LW_DIGEST_HEX_SIZE];

    return g_strdup(lw_digest_hex(LW_DIGEST_SHA256, data, len, out));
}

struct lw_sha256 *lw_sha256_new(void)
{
    struct lw_sha256 *h = g_new0(struct lw_sha256, 1);

    if ((h->ctx = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(h->ctx, digest_md(LW_DIGEST_SHA256), NULL) != 1)
        g_error("lw_sha256_new: OpenSSL SHA-256 unavailable");
    return h;
}

void lw_sha256_update(struct lw_sha256 *h, const void *data, size_t len)
{
    if (len > 0)
        EVP_DigestUpdate(h->ctx, data, len);
}

void lw_sha256_free(struct lw_sha256 *h)
{
    if (h == NULL)
        return;
    EVP_MD_CTX_free(h->ctx);
    g_free(h);
}

char *lw_sha256_end(struct lw_sha256 *h)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char *out = g_malloc(LW_DIGEST_HEX_SIZE);

    EVP_DigestFinal_ex(h->ctx, md, &n);
    lw_sha256_free(h);
    return to_hex(md, MIN(n, 32u), out);
}
