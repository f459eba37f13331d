/*
 * test-zipcrypto.c - unit tests: ZipCrypto members found, passwords checked, members decrypted,
 * open members inflated
 *
 * The archive below was made with "zip -P s3cret t.zip a.txt" (Info-ZIP,
 * deflated, data descriptor); a.txt is "hello lurewatch, " three times.
 * Every truncation of it is also fed to every function: no crash, no read
 * past the end (run under valgrind or --enable-sanitizers to see the latter).
 */
#include "config.h"

#include "model/zipcrypto.h"
#include "tap.h"

static const unsigned char ZIP[] =
    "\x50\x4b\x03\x04\x14\x00\x09\x00\x08\x00\x50\x22\x79\x5d\xdb\xf1"
    "\x5b\x1d\x23\x00\x00\x00\x32\x00\x00\x00\x05\x00\x1c\x00\x61\x2e"
    "\x74\x78\x74\x55\x54\x09\x00\x03\x98\x61\x06\x6b\x98\x61\x06\x6b"
    "\x75\x78\x0b\x00\x01\x04\x00\x00\x00\x00\x04\x00\x00\x00\x00\x9b"
    "\x53\x29\x13\xb8\xfa\xb3\xc1\x23\xb8\xb8\xcc\x98\x1d\x81\x8d\x87"
    "\xd4\xd5\x70\xac\x8e\xf8\x2e\x60\x73\xd1\x06\x36\xf7\x4f\xec\xfb"
    "\x3d\x56\x50\x4b\x07\x08\xdb\xf1\x5b\x1d\x23\x00\x00\x00\x32\x00"
    "\x00\x00\x50\x4b\x01\x02\x1e\x03\x14\x00\x09\x00\x08\x00\x50\x22"
    "\x79\x5d\xdb\xf1\x5b\x1d\x23\x00\x00\x00\x32\x00\x00\x00\x05\x00"
    "\x18\x00\x00\x00\x00\x00\x01\x00\x00\x00\xa4\x81\x00\x00\x00\x00"
    "\x61\x2e\x74\x78\x74\x55\x54\x05\x00\x03\x98\x61\x06\x6b\x75\x78"
    "\x0b\x00\x01\x04\x00\x00\x00\x00\x04\x00\x00\x00\x00\x50\x4b\x05"
    "\x06\x00\x00\x00\x00\x01\x00\x01\x00\x4b\x00\x00\x00\x72\x00\x00"
    "\x00\x00\x00"
    ;

/* The same file, deflated and not encrypted (Python's zipfile). */
static const unsigned char OPEN_ZIP[] =
    "\x50\x4b\x03\x04\x14\x00\x00\x00\x08\x00\xc0\x4b\x74\x5d\xdb\xf1"
    "\x5b\x1d\x17\x00\x00\x00\x32\x00\x00\x00\x05\x00\x00\x00\x61\x2e"
    "\x74\x78\x74\xcb\x48\xcd\xc9\xc9\x57\xc8\x29\x2d\x4a\x2d\x4f\x2c"
    "\x49\xce\xd0\x51\xc8\x20\x20\xc0\x05\x00\x50\x4b\x01\x02\x14\x03"
    "\x14\x00\x00\x00\x08\x00\xc0\x4b\x74\x5d\xdb\xf1\x5b\x1d\x17\x00"
    "\x00\x00\x32\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x80\x01\x00\x00\x00\x00\x61\x2e\x74\x78\x74\x50\x4b\x05"
    "\x06\x00\x00\x00\x00\x01\x00\x01\x00\x33\x00\x00\x00\x3a\x00\x00"
    "\x00\x00\x00"
    ;

static const char PLAIN[] = "hello lurewatch, hello lurewatch, hello lurewatch\n";

/* first_entry - the archive's first central-directory entry, or NULL */
static const struct lw_zip_entry *first_entry(struct lw_zip_iter *it, const unsigned char *zip, size_t len)
{
    return lw_zip_iter_init(it, zip, len) == 0 ? lw_zip_iter_next(it) : NULL;
}

int main(void)
{
    size_t len = sizeof(ZIP) - 1;
    struct lw_zip_iter it;
    const struct lw_zip_entry *e;
    GBytes *plain;
    unsigned survived = 0;

    tap_check(lw_zip_encrypted(ZIP, len) == 1, "the member is flagged encrypted");
    tap_check(lw_zip_password_opens(ZIP, len, "s3cret") == 1, "the right password passes the check byte");
    tap_check(lw_zip_password_opens(ZIP, len, "secret") == 0, "a wrong password fails it");
    tap_check(lw_zip_password_opens((const unsigned char *) "not a zip", 9, "x") == -1,
              "no ZipCrypto member: cannot tell");
    e = first_entry(&it, ZIP, len);
    tap_check(e != NULL && strcmp(e->name, "a.txt") == 0 && (e->flags & 1) && e->size == strlen(PLAIN),
              "the central directory lists a.txt, encrypted, with its size");
    plain = e ? lw_zip_decrypt(&it, e, "s3cret", 1024) : NULL;
    tap_check(plain && g_bytes_get_size(plain) == strlen(PLAIN)
              && memcmp(g_bytes_get_data(plain, NULL), PLAIN, strlen(PLAIN)) == 0,
              "decrypting and inflating gives the file back");
    if (plain)
        g_bytes_unref(plain);
    plain = e ? lw_zip_decrypt(&it, e, "s3cret", 10) : NULL;
    tap_check(plain == NULL, "a member larger than max is refused, not cut");
    tap_check(lw_zip_iter_next(&it) == NULL, "one member only");
    lw_zip_iter_clear(&it);

    for (size_t n = 0; n < len; n++) {
        unsigned char *cut = g_memdup2(ZIP, n);

        lw_zip_encrypted(cut, n);
        lw_zip_password_opens(cut, n, "s3cret");
        if ((e = first_entry(&it, cut, n)) != NULL && (plain = lw_zip_decrypt(&it, e, "s3cret", 1024)) != NULL)
            g_bytes_unref(plain);
        lw_zip_iter_clear(&it);
        g_free(cut);
        survived++;
    }
    tap_check(survived == len, "every truncation of the archive is handled (%u)", survived);

    e = first_entry(&it, ZIP, len);
    tap_check(e && lw_zip_extract(&it, e, 1024) == NULL, "an encrypted member is not extracted as open");
    lw_zip_iter_clear(&it);
    len = sizeof(OPEN_ZIP) - 1;
    e = first_entry(&it, OPEN_ZIP, len);
    plain = e ? lw_zip_extract(&it, e, 1024) : NULL;
    tap_check(plain && g_bytes_get_size(plain) == strlen(PLAIN)
              && memcmp(g_bytes_get_data(plain, NULL), PLAIN, strlen(PLAIN)) == 0,
              "an open deflated member is inflated");
    if (plain)
        g_bytes_unref(plain);
    tap_check(e && lw_zip_extract(&it, e, 10) == NULL, "an open member larger than max is refused, not cut");
    lw_zip_iter_clear(&it);
    for (size_t n = survived = 0; n < len; n++) {
        unsigned char *cut = g_memdup2(OPEN_ZIP, n);

        if ((e = first_entry(&it, cut, n)) != NULL && (plain = lw_zip_extract(&it, e, 1024)) != NULL)
            g_bytes_unref(plain);
        lw_zip_iter_clear(&it);
        g_free(cut);
        survived++;
    }
    tap_check(survived == len, "every truncation of the open archive is handled (%u)", survived);
    return tap_done();
}
