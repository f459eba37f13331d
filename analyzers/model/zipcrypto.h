/* zipcrypto.h - find encrypted ZIP members, check a password, decrypt (PKWARE traditional encryption) */
#ifndef LW_ZIPCRYPTO_H
#define LW_ZIPCRYPTO_H

#include <stddef.h>
#include <glib.h>

/* lw_zip_encrypted - 1 when a local header of the ZIP in data has the encryption flag */
int lw_zip_encrypted(const unsigned char *data, size_t len);

/*
 * lw_zip_password_opens - 1 when the check byte of every ZipCrypto member
 * (up to 8) agrees with password, 0 when one disagrees, -1 when there is no
 * ZipCrypto member (AES, or not a ZIP): cannot tell. One wrong password in
 * 256 passes the check of one member, 1 in 256^n for n members.
 */
int lw_zip_password_opens(const unsigned char *data, size_t len, const char *password);

/* one central-directory entry */
struct lw_zip_entry {
    char *name;                 /* owned by the iterator until the next call: valid UTF-8 or not */
    unsigned flags;             /* general purpose flags; bit 0: encrypted */
    size_t size;                /* uncompressed size the directory claims */
    size_t offset;              /* of the entry in the central directory */
};

struct lw_zip_iter {
    const unsigned char *zip;
    size_t len, next;
    unsigned left;
    struct lw_zip_entry entry;
};

/* lw_zip_iter_init - start at the central directory; -1 when there is none */
int lw_zip_iter_init(struct lw_zip_iter *it, const unsigned char *zip, size_t len);
/* lw_zip_iter_next - the next entry (borrowed, until the next call), or NULL at the end */
const struct lw_zip_entry *lw_zip_iter_next(struct lw_zip_iter *it);
void lw_zip_iter_clear(struct lw_zip_iter *it);

/*
 * lw_zip_extract - inflate (stored or deflate) one member that is not
 * encrypted to at most max bytes; NULL when it is encrypted, damaged, of
 * another method, or would exceed max.
 */
GBytes *lw_zip_extract(const struct lw_zip_iter *it, const struct lw_zip_entry *e, size_t max);

/*
 * lw_zip_decrypt - decrypt and inflate (stored or deflate) one ZipCrypto
 * member to at most max bytes; NULL when it is not ZipCrypto, is damaged,
 * or would exceed max. A wrong password gives garbage or NULL.
 */
GBytes *lw_zip_decrypt(const struct lw_zip_iter *it, const struct lw_zip_entry *e, const char *password,
                       size_t max);

#endif
