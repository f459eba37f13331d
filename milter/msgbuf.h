/* msgbuf.h - the buffers messages are collected in, kept warm from one message to the next */
#ifndef LW_MSGBUF_H
#define LW_MSGBUF_H

#include <stddef.h>

/* One message's bytes (they may contain NULs); data is not NUL-terminated. */
struct lw_msgbuf {
    char *data;
    size_t len;
    size_t room;                /* bytes allocated at data */
};

struct lw_msgbuf_pool;

/*
 * lw_msgbuf_pool_new - a pool that keeps, between messages, buffers of at
 * most keep_one bytes each and keep_total bytes together
 */
struct lw_msgbuf_pool *lw_msgbuf_pool_new(size_t keep_total, size_t keep_one);
void lw_msgbuf_pool_free(struct lw_msgbuf_pool *pool);

/*
 * lw_msgbuf_get - an empty buffer with room for at least want bytes: the
 * smallest kept one that has it, else a new one. pool may be NULL (always
 * new). Give it back with lw_msgbuf_put.
 */
struct lw_msgbuf *lw_msgbuf_get(struct lw_msgbuf_pool *pool, size_t want);

/* lw_msgbuf_append - add len bytes, growing the buffer when they do not fit */
void lw_msgbuf_append(struct lw_msgbuf *buf, const void *data, size_t len);

/*
 * lw_msgbuf_put - the message is done with buf: kept for the next one
 * when the bounds allow, else freed. NULL buf is nothing; NULL pool frees.
 */
void lw_msgbuf_put(struct lw_msgbuf_pool *pool, struct lw_msgbuf *buf);

/* lw_msgbuf_kept - the buffers and bytes kept now (for tests) */
void lw_msgbuf_kept(struct lw_msgbuf_pool *pool, unsigned *buffers, size_t *bytes);

#endif
