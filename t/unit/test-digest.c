/* test-digest.c - unit tests of the digests (util/digest.c): known answers, pieces and one buffer agree */
#include "config.h"

#include <glib.h>

#include "util/digest.h"
#include "tap.h"

/* known_answers - FIPS 180 and RFC 1321 test vectors: "abc" and the empty input */
static void known_answers(void)
{
    char out[LW_DIGEST_HEX_SIZE];

    tap_check_str(lw_digest_hex(LW_DIGEST_SHA256, "abc", 3, out),
                  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "SHA-256 of \"abc\"");
    tap_check_str(lw_digest_hex(LW_DIGEST_SHA256, NULL, 0, out),
                  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "SHA-256 of nothing");
    tap_check_str(lw_digest_hex(LW_DIGEST_SHA1, "abc", 3, out),
                  "a9993e364706816aba3e25717850c26c9cd0d89d", "SHA-1 of \"abc\"");
    tap_check_str(lw_digest_hex(LW_DIGEST_MD5, "abc", 3, out),
                  "900150983cd24fb0d6963f7d28e17f72", "MD5 of \"abc\"");
}

/* pieces - the incremental SHA-256 over uneven pieces equals the one-buffer digest and GLib's */
static void pieces(void)
{
    GString *data = g_string_new(NULL);
    struct lw_sha256 *h = lw_sha256_new();
    char *one, *inc, *glib;

    for (int i = 0; i < 100000; i++)
        g_string_append_c(data, (char) (i * 7 + i / 13));
    for (gsize at = 0, n = 1; at < data->len; at += n, n = n * 3 + 1)
        lw_sha256_update(h, data->str + at, MIN(n, data->len - at));
    inc = lw_sha256_end(h);
    one = lw_sha256_hex(data->str, data->len);
    glib = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) data->str, data->len);
    tap_check_str(inc, one, "pieces of 1, 4, 13... bytes give the digest of the whole buffer");
    tap_check_str(one, glib, "the same digest as GLib's GChecksum, which it replaced");
    g_free(inc);
    g_free(one);
    g_free(glib);
    g_string_free(data, TRUE);
    lw_sha256_free(NULL);
    tap_check(1, "lw_sha256_free(NULL) is harmless");
}

int main(void)
{
    known_answers();
    pieces();
    return tap_done();
}
