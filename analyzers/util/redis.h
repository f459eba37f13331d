/* redis.h - the one Redis client of lurewatch: a small pool, pipelines, Sentinel */
#ifndef LW_REDIS_H
#define LW_REDIS_H

#include <glib.h>
#include "util/conf.h"
#include "util/error.h"

struct lw_redis;
struct lw_redis_pipe;

enum lw_redis_type {
    LW_REDIS_NIL,
    LW_REDIS_STRING,
    LW_REDIS_STATUS,
    LW_REDIS_ERROR,
    LW_REDIS_INTEGER,
    LW_REDIS_ARRAY,
};

/* A reply copied out of hiredis, so that no other file sees hiredis types. */
struct lw_redis_reply {
    enum lw_redis_type type;
    long long integer;          /* LW_REDIS_INTEGER */
    char *str;                  /* STRING, STATUS, ERROR: owned, NUL-terminated */
    size_t len;
    GPtrArray *elements;        /* ARRAY: of struct lw_redis_reply, owned */
};

struct lw_redis_stats {
    guint64 round_trips;        /* pipelines sent */
    guint64 commands;
    guint64 errors;             /* connection failures, timeouts, refused pipelines */
};

/* lw_redis_configured - does cfg name a Redis server or Sentinels? */
int lw_redis_configured(const struct lw_config *cfg);

/*
 * lw_redis_new - a pool of pool_size connections for cfg (nothing is
 * connected yet); purpose names the user in the outage log lines ("cache",
 * "hits"); timeout_ms is the reply timeout (0: redis_timeout_ms). NULL and
 * err on a bad address.
 */
struct lw_redis *lw_redis_new(const struct lw_config *cfg, const char *purpose, guint pool_size,
                              long long timeout_ms, struct lw_error *err);
void lw_redis_free(struct lw_redis *r);
void lw_redis_get_stats(struct lw_redis *r, struct lw_redis_stats *st);
/* lw_redis_up - 1 when the last exchange worked, 0 after a failure, -1 before any */
int lw_redis_up(struct lw_redis *r);

/* lw_redis_retry_now - forget the backoff: the next exec tries to connect at once */
void lw_redis_retry_now(struct lw_redis *r);

struct lw_redis_pipe *lw_redis_pipe_new(void);
void lw_redis_pipe_free(struct lw_redis_pipe *p);
/* lw_redis_pipe_add - append a command of NUL-terminated strings; returns its index */
guint lw_redis_pipe_add(struct lw_redis_pipe *p, const char *arg0, ...) G_GNUC_NULL_TERMINATED;
/* lw_redis_pipe_addv - append a command of counted (binary) arguments; copied */
guint lw_redis_pipe_addv(struct lw_redis_pipe *p, guint argc, const char *const *argv,
                         const size_t *lens);
guint lw_redis_pipe_len(const struct lw_redis_pipe *p);
/*
 * lw_redis_exec - send every command in one round trip and collect the
 * replies. -1 and err when Redis could not be reached or the exchange
 * failed part way (then no reply is usable; commands may or may not have
 * run). Error replies of single commands are not failures: look at them.
 */
int lw_redis_exec(struct lw_redis *r, struct lw_redis_pipe *p, struct lw_error *err);
/* lw_redis_pipe_reply - the reply of command i after a successful exec */
const struct lw_redis_reply *lw_redis_pipe_reply(const struct lw_redis_pipe *p, guint i);

#endif
