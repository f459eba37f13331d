/* digest.h - message digests (SHA-256, SHA-1, MD5) as hex, through OpenSSL's libcrypto */
#ifndef LW_DIGEST_H
#define LW_DIGEST_H

#include <stddef.h>

enum lw_digest {
    LW_DIGEST_SHA256,
    LW_DIGEST_SHA1,
    LW_DIGEST_MD5,
};

/* Room for the hex of any lw_digest and its NUL. */
#define LW_DIGEST_HEX_SIZE 65

/* lw_digest_hex - the hex digest of one buffer in out, which it returns */
char *lw_digest_hex(enum lw_digest d, const void *data, size_t len, char out[LW_DIGEST_HEX_SIZE]);

/* lw_sha256_hex - the hex SHA-256 of one buffer (g_free) */
char *lw_sha256_hex(const void *data, size_t len);

/* An incremental SHA-256, for data that comes in pieces. */
struct lw_sha256;

struct lw_sha256 *lw_sha256_new(void);
void lw_sha256_update(struct lw_sha256 *h, const void *data, size_t len);
void lw_sha256_free(struct lw_sha256 *h);
/* lw_sha256_end - the hex digest (g_free); frees h */
char *lw_sha256_end(struct lw_sha256 *h);

#endif
