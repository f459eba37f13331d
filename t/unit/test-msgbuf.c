/* test-msgbuf.c - unit tests of the milter's message buffers: bytes kept whole, buffers reused, the pool bounded */
#include "config.h"

#include <glib.h>

#include "milter/msgbuf.h"
#include "tap.h"

#define KB ((size_t) 1024)
#define MB (1024 * KB)

/* fill - append len bytes of pattern (NULs included) in chunks of chunk bytes, as libmilter hands them */
static void fill(struct lw_msgbuf *buf, size_t len, size_t chunk)
{
    char *bytes = g_malloc(chunk);

    for (size_t i = 0; i < chunk; i++)
        bytes[i] = (char) (i % 251);
    for (size_t done = 0; done < len; done += chunk)
        lw_msgbuf_append(buf, bytes, MIN(chunk, len - done));
    g_free(bytes);
}

/* intact - does buf hold len bytes of fill's pattern? */
static int intact(const struct lw_msgbuf *buf, size_t len, size_t chunk)
{
    if (buf->len != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (buf->data[i] != (char) (i % chunk % 251))
            return 0;
    return 1;
}

static void test_bytes(void)
{
    struct lw_msgbuf *small = lw_msgbuf_get(NULL, 16 * KB);
    struct lw_msgbuf *large = lw_msgbuf_get(NULL, 3 * MB);

    fill(small, 200 * KB, 65535);       /* no SIZE given: grows past its 16 KB */
    tap_check(intact(small, 200 * KB, 65535), "a buffer that grew holds every byte in order (%zu of %zu)",
              small->len, small->room);
    fill(large, 3 * MB, 65535);
    tap_check(intact(large, 3 * MB, 65535), "a huge-page buffer holds every byte in order (%zu)", large->len);
    tap_check_int(large->room % (2 * MB), ==, 0, "a buffer of 2 MB or more is whole huge pages");
    tap_check_int(((guintptr) large->data) % (2 * MB), ==, 0, "and starts on one");
    lw_msgbuf_put(NULL, small);
    lw_msgbuf_put(NULL, large);
}

static void test_reuse(void)
{
    struct lw_msgbuf_pool *pool = lw_msgbuf_pool_new(16 * MB, 4 * MB);
    struct lw_msgbuf *a = lw_msgbuf_get(pool, 100 * KB), *b = lw_msgbuf_get(pool, 1 * MB), *c;
    char *a_data = a->data, *b_data = b->data;
    unsigned n;
    size_t bytes;

    fill(a, 100 * KB, 4096);
    lw_msgbuf_put(pool, a);
    lw_msgbuf_put(pool, b);
    lw_msgbuf_kept(pool, &n, &bytes);
    tap_check_int(n, ==, 2, "two messages done: both buffers kept");

    c = lw_msgbuf_get(pool, 50 * KB);
    tap_check(c->data == a_data, "the next small message gets the smallest kept buffer that fits, not the 1 MB one");
    tap_check_int(c->len, ==, 0, "and it comes back empty");
    lw_msgbuf_put(pool, c);
    c = lw_msgbuf_get(pool, 500 * KB);
    tap_check(c->data == b_data, "a 500 KB message gets the 1 MB buffer");
    lw_msgbuf_put(pool, c);
    c = lw_msgbuf_get(pool, 2 * MB);
    tap_check(c->data != a_data && c->data != b_data, "a message larger than every kept buffer gets a new one");
    lw_msgbuf_put(pool, c);
    lw_msgbuf_pool_free(pool);
}

static void test_bounds(void)
{
    struct lw_msgbuf_pool *pool = lw_msgbuf_pool_new(5 * MB, 2 * MB);
    struct lw_msgbuf *bufs[4];
    unsigned n;
    size_t bytes;

    bufs[0] = lw_msgbuf_get(pool, 3 * MB);
    lw_msgbuf_put(pool, bufs[0]);
    lw_msgbuf_kept(pool, &n, &bytes);
    tap_check_int(n, ==, 0, "a buffer larger than keep_one is freed, not kept");

    for (int i = 0; i < 4; i++)
        bufs[i] = lw_msgbuf_get(pool, i == 3 ? 2 * MB : 1 * MB);
    for (int i = 0; i < 4; i++)
        lw_msgbuf_put(pool, bufs[i]);
    lw_msgbuf_kept(pool, &n, &bytes);
    tap_check_int(bytes, <=, 5 * MB, "the kept bytes never pass keep_total");
    tap_check_int(n, ==, 4, "three 1 MB buffers and the 2 MB one fit in 5 MB");

    bufs[0] = lw_msgbuf_get(pool, 2 * MB);
    bufs[1] = lw_msgbuf_get(pool, 2 * MB);  /* none kept that large: a new one */
    lw_msgbuf_put(pool, bufs[0]);
    lw_msgbuf_put(pool, bufs[1]);
    lw_msgbuf_kept(pool, &n, &bytes);
    tap_check_int(bytes, <=, 5 * MB, "a second 2 MB buffer given back still leaves at most keep_total kept");
    tap_check(n == 3 && bytes == 4 * MB + 1 * MB, "it evicted the smaller buffers, keeping both 2 MB ones (%u buffers, %zu bytes)",
              n, bytes);
    lw_msgbuf_pool_free(pool);
}

int main(void)
{
    test_bytes();
    test_reuse();
    test_bounds();
    return tap_done();
}
