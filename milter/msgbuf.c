/*
 * msgbuf.c - the buffers messages are collected in, kept warm from one message to the next
 *
 * The milter copies each message's header and body chunks into one buffer
 * for the parser. The copy itself is cheap; what costs is memory the
 * process has not touched yet (malloc maps a large buffer anew, or gets
 * back pages an arena gave to the kernel): the first write to each 4 KB
 * page is a page fault, about 16 us each on the benchmark's virtual
 * machine, so a 5 MB message paid some 20 ms of kernel time before it
 * was parsed. Measured with perf on contrib/bench/run (300 mails, 34 MB),
 * 4,760 of the milter's 8,500 page faults while scanning were that copy,
 * the largest cost of the milter beyond what lurewatch-scan does for the
 * same mail. Two remedies:
 *
 *   - a message gives its buffer back here when it is done, and the next
 *     message, on any connection, writes into pages already mapped. One
 *     pool for the process, not a spare per connection: a relay's inbound
 *     SMTP sessions mostly carry a single message.
 *   - a buffer of 2 MB or more is in transparent huge pages
 *     (util/bulk.c): a fault maps 2 MB at once, not 4 KB.
 *
 * The pool is bounded: a buffer larger than keep_one is freed, and when
 * keeping one would pass keep_total (or MAX_KEPT buffers), the smallest
 * kept buffers go first, since a large buffer serves any message. A buffer
 * is taken best fit: the smallest kept one with room enough, so a small
 * message does not hold on to a large buffer. The mutex is held only to
 * push or pop a pointer.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "util/bulk.h"
#include "msgbuf.h"

#define MAX_KEPT 64

struct lw_msgbuf_pool {
    GMutex lock;
    GPtrArray *kept;            /* struct lw_msgbuf *, emptied */
    size_t bytes;               /* the sum of their room */
    size_t keep_total, keep_one;
};

static struct lw_msgbuf *buffer_new(size_t want)
{
    struct lw_msgbuf *buf = g_new0(struct lw_msgbuf, 1);

    buf->room = MAX(want, 1);
    buf->data = lw_bulk_alloc(&buf->room);
    return buf;
}

/* buffer_free - g_free releases lw_bulk_alloc's memory */
static void buffer_free(gpointer p)
{
    struct lw_msgbuf *buf = p;

    g_free(buf->data);
    g_free(buf);
}

void lw_msgbuf_append(struct lw_msgbuf *buf, const void *data, size_t len)
{
    if (len > buf->room - buf->len) {
        size_t room = MAX(2 * buf->room, buf->len + len);
        char *bigger = lw_bulk_alloc(&room);

        memcpy(bigger, buf->data, buf->len);
        g_free(buf->data);
        buf->data = bigger;
        buf->room = room;
    }
    memcpy(buf->data + buf->len, data, len);
    buf->len += len;
}

struct lw_msgbuf_pool *lw_msgbuf_pool_new(size_t keep_total, size_t keep_one)
{
    struct lw_msgbuf_pool *pool = g_new0(struct lw_msgbuf_pool, 1);

    g_mutex_init(&pool->lock);
    pool->kept = g_ptr_array_new_with_free_func(buffer_free);
    pool->keep_total = keep_total;
    pool->keep_one = keep_one;
    return pool;
}

void lw_msgbuf_pool_free(struct lw_msgbuf_pool *pool)
{
    if (pool == NULL)
        return;
    g_ptr_array_unref(pool->kept);
    g_mutex_clear(&pool->lock);
    g_free(pool);
}

/* take - remove kept buffer i (lock held) */
static struct lw_msgbuf *take(struct lw_msgbuf_pool *pool, guint i)
{
    struct lw_msgbuf *buf = g_ptr_array_steal_index_fast(pool->kept, i);

    pool->bytes -= buf->room;
    return buf;
}

static size_t room_of(const struct lw_msgbuf_pool *pool, guint i)
{
    return ((const struct lw_msgbuf *) g_ptr_array_index(pool->kept, i))->room;
}

/* smallest - the index of the kept buffer with the least room of at least want bytes; -1 if none */
static int smallest(const struct lw_msgbuf_pool *pool, size_t want)
{
    int best = -1;

    for (guint i = 0; i < pool->kept->len; i++)
        if (room_of(pool, i) >= want && (best < 0 || room_of(pool, i) < room_of(pool, (guint) best)))
            best = (int) i;
    return best;
}

struct lw_msgbuf *lw_msgbuf_get(struct lw_msgbuf_pool *pool, size_t want)
{
    struct lw_msgbuf *buf = NULL;
    int i;

    if (pool != NULL) {
        g_mutex_lock(&pool->lock);
        if ((i = smallest(pool, want)) >= 0)
            buf = take(pool, (guint) i);
        g_mutex_unlock(&pool->lock);
    }
    return buf ? buf : buffer_new(want);
}

/* full - could the pool not keep one more buffer of room bytes? (lock held) */
static int full(const struct lw_msgbuf_pool *pool, size_t room)
{
    return pool->bytes + room > pool->keep_total || pool->kept->len >= MAX_KEPT;
}

void lw_msgbuf_put(struct lw_msgbuf_pool *pool, struct lw_msgbuf *buf)
{
    int i;

    if (buf == NULL)
        return;
    if (pool == NULL || buf->room > pool->keep_one) {
        buffer_free(buf);
        return;
    }
    buf->len = 0;
    g_mutex_lock(&pool->lock);
    /* make room by the smallest kept buffers, if they are smaller than this one (rare: freed under the lock) */
    while (full(pool, buf->room) && (i = smallest(pool, 0)) >= 0 && room_of(pool, (guint) i) < buf->room)
        buffer_free(take(pool, (guint) i));
    if (!full(pool, buf->room)) {
        g_ptr_array_add(pool->kept, buf);
        pool->bytes += buf->room;
        buf = NULL;
    }
    g_mutex_unlock(&pool->lock);
    if (buf)
        buffer_free(buf);
}

void lw_msgbuf_kept(struct lw_msgbuf_pool *pool, unsigned *buffers, size_t *bytes)
{
    g_mutex_lock(&pool->lock);
    *buffers = pool->kept->len;
    *bytes = pool->bytes;
    g_mutex_unlock(&pool->lock);
}
