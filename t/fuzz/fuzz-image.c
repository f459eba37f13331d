/*
 * fuzz-image - libFuzzer harness: picture bytes -> header size readers, PNG/JPEG/GIF decoder -> zbar QR reader
 *
 * DESCRIPTION
 *     Every picture in a message is decoded by libpng, libjpeg-turbo or
 *     giflib through analyzers/model/image.c and read by zbar (qrcode.c): code
 *     that runs on attacker bytes, with setjmp/longjmp error paths. Each
 *     input goes through lw_image_grey() with a 1-megapixel limit; a
 *     picture it returns must have width * height within the limit and
 *     every pixel readable (ASan checks), and then goes to lw_qr_decode(),
 *     whose payloads must be valid UTF-8. Every input also goes through
 *     lw_image_pixels(), the header readers of every format (TIFF, WebP...).
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "model/image.h"
#include "model/qrcode.h"

#define MAX_PIXELS (1024 * 1024)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lw_image img;
    struct lw_error err;
    GPtrArray *codes;
    unsigned sum = 0;
    unsigned long long declared = lw_image_pixels(data, size);     /* the header readers, TIFF and WebP too */

    if (lw_image_grey(data, size, MAX_PIXELS, &img, &err) < 0)
        return declared == 0xdeadbeef;

    if (img.grey == NULL || (unsigned long long) img.width * img.height > MAX_PIXELS)
        abort();
    for (size_t i = 0; i < (size_t) img.width * img.height; i++)
        sum += img.grey[i];
    codes = g_ptr_array_new_with_free_func(g_free);
    lw_qr_decode(&img, codes);
    for (guint i = 0; i < codes->len; i++)
        if (!g_utf8_validate(g_ptr_array_index(codes, i), -1, NULL))
            abort();
    g_ptr_array_unref(codes);
    lw_image_clear(&img);
    return sum == 0xdeadbeef;   /* keep the read */
}
