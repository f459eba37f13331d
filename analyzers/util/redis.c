/*
 * redis.c - the one Redis client of lurewatch: a small pool, pipelines, Sentinel
 *
 * NAME
 *     lw_redis - talk to the shared Redis (or to the master a Sentinel names)
 *
 * DESCRIPTION
 *     This is the only file that includes hiredis. Callers build a pipeline
 *     (lw_redis_pipe_add), send it with lw_redis_exec() in one round trip,
 *     and read copied replies; no hiredis type leaves this file.
 *
 *     A pool holds a few connections (hiredis contexts are not thread-safe:
 *     a context is used by one thread at a time, taken from the pool under
 *     a mutex and given back). Connections are made lazily, with
 *     redis_connect_timeout_ms, and every new context gets the command
 *     timeout (redis_timeout_ms) set, then AUTH and SELECT. After any error
 *     a context is dead: it is freed, never reused (hiredis keeps no
 *     timeout across redisReconnect, so we never call it).
 *
 *     Addresses: redis_server is host:port, [v6]:port, /path or unix:/path.
 *     With redis_sentinels (host:port list) and redis_master_name, every
 *     new connection first asks the Sentinels, in order, for the master's
 *     address; after a failover the old connection fails (or answers
 *     READONLY), is dropped, and the next one goes to the new master.
 *
 *     When Redis cannot be reached, further attempts wait for a backoff
 *     (100 ms doubling to 2 s), so a Redis outage costs each message
 *     nothing more than a failed call. The worst single exchange is a
 *     reply timeout on a pooled connection, then one fresh connection (the
 *     Sentinels first, each within the connect timeout) and one more reply
 *     timeout; after that the backoff answers at once. The first failure after a working
 *     period logs "redis unreachable", the first success after that logs
 *     "redis back": the only two lines this library code logs.
 *
 * LIMITS
 *     hiredis 0.14: no TLS (use a unix socket or a tunnel), RESP2 only, no
 *     Cluster. The program must ignore SIGPIPE (a write to a connection the
 *     server closed raises it).
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <hiredis/hiredis.h>

#include "util/log.h"
#include "util/redis.h"

#define BACKOFF_MIN_US (100 * 1000)
#define BACKOFF_MAX_US (2 * 1000 * 1000)

struct addr {
    char *host;                 /* host, or NULL for a unix socket */
    int port;
    char *path;                 /* unix socket path */
};

struct lw_redis {
    char *purpose;
    struct addr server;         /* used when there are no sentinels */
    GArray *sentinels;          /* of struct addr */
    char *master_name;
    char *password, *username;
    long long db;
    struct timeval connect_tv, cmd_tv;

    GMutex lock;                /* guards everything below */
    GCond freed;
    redisContext **slots;       /* pool; NULL = not connected */
    gboolean *busy;
    guint n_slots;
    gint64 retry_at;            /* monotonic us: no attempt before */
    gint64 backoff;
    int up;                     /* -1 unknown, 0 down, 1 up */
    char *where;                /* last master address, for logs */

    guint64 round_trips, commands, errors;  /* atomic */
};

struct lw_redis_pipe {
    GPtrArray *argvs;           /* of GPtrArray of GBytes */
    GPtrArray *replies;         /* of struct lw_redis_reply, after exec */
};

/* parse_addr - "host:port", "[v6]:port", "/path" or "unix:/path" */
static int parse_addr(const char *s, struct addr *a, struct lw_error *err)
{
    const char *colon;
    char *end;
    long port;

    memset(a, 0, sizeof(*a));
    if (g_str_has_prefix(s, "unix:"))
        s += 5;
    if (s[0] == '/') {
        a->path = g_strdup(s);
        return 0;
    }
    if (s[0] == '[') {
        const char *close = strchr(s, ']');

        if (close == NULL || close[1] != ':')
            return lw_error_set(err, "bad Redis address \"%s\" (want [v6addr]:port)", s);
        a->host = g_strndup(s + 1, close - s - 1);
        colon = close + 1;
    } else {
        if ((colon = strrchr(s, ':')) == NULL || colon == s)
            return lw_error_set(err, "bad Redis address \"%s\" (want host:port or /socket)", s);
        a->host = g_strndup(s, colon - s);
    }
    port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || port < 1 || port > 65535) {
        g_free(a->host);
        a->host = NULL;
        return lw_error_set(err, "bad port in Redis address \"%s\"", s);
    }
    a->port = (int) port;
    return 0;
}

static void addr_clear(struct addr *a)
{
    g_free(a->host);
    g_free(a->path);
}

int lw_redis_configured(const struct lw_config *cfg)
{
    return *cfg->redis_server != '\0' || *cfg->redis_sentinels != '\0';
}

static struct timeval ms_tv(long long ms)
{
    struct timeval tv = { (time_t) (ms / 1000), (suseconds_t) (ms % 1000) * 1000 };

    return tv;
}

/* lw_redis_new - a pool for cfg; nothing is connected yet */
struct lw_redis *lw_redis_new(const struct lw_config *cfg, const char *purpose, guint pool_size,
                              long long timeout_ms, struct lw_error *err)
{
    struct lw_redis *r = g_new0(struct lw_redis, 1);
    gchar **list;

    r->purpose = g_strdup(purpose);
    r->sentinels = g_array_new(FALSE, TRUE, sizeof(struct addr));
    g_array_set_clear_func(r->sentinels, (GDestroyNotify) addr_clear);
    r->master_name = g_strdup(cfg->redis_master_name);
    r->password = g_strdup(cfg->redis_password);
    r->username = g_strdup(cfg->redis_username);
    r->db = cfg->redis_db;
    r->connect_tv = ms_tv(cfg->redis_connect_timeout_ms);
    r->cmd_tv = ms_tv(timeout_ms > 0 ? timeout_ms : cfg->redis_timeout_ms);
    r->n_slots = pool_size ? pool_size : 1;
    r->slots = g_new0(redisContext *, r->n_slots);
    r->busy = g_new0(gboolean, r->n_slots);
    r->up = -1;
    r->backoff = BACKOFF_MIN_US;
    g_mutex_init(&r->lock);
    g_cond_init(&r->freed);

    list = g_strsplit_set(cfg->redis_sentinels, ", ", -1);
    for (int i = 0; list[i]; i++) {
        struct addr a;

        if (*list[i] == '\0')
            continue;
        if (parse_addr(list[i], &a, err) < 0) {
            g_strfreev(list);
            lw_redis_free(r);
            return NULL;
        }
        g_array_append_val(r->sentinels, a);
    }
    g_strfreev(list);
    if (r->sentinels->len == 0 && parse_addr(cfg->redis_server, &r->server, err) < 0) {
        lw_redis_free(r);
        return NULL;
    }
    if (r->sentinels->len > 0 && *r->master_name == '\0') {
        lw_error_set(err, "redis_sentinels needs redis_master_name");
        lw_redis_free(r);
        return NULL;
    }
    return r;
}

void lw_redis_free(struct lw_redis *r)
{
    if (r == NULL)
        return;
    for (guint i = 0; i < r->n_slots; i++)
        if (r->slots[i])
            redisFree(r->slots[i]);
    g_free(r->slots);
    g_free(r->busy);
    addr_clear(&r->server);
    g_array_unref(r->sentinels);
    g_free(r->master_name);
    g_free(r->password);
    g_free(r->username);
    g_free(r->purpose);
    g_free(r->where);
    g_mutex_clear(&r->lock);
    g_cond_clear(&r->freed);
    g_free(r);
}

void lw_redis_get_stats(struct lw_redis *r, struct lw_redis_stats *st)
{
    st->round_trips = __atomic_load_n(&r->round_trips, __ATOMIC_RELAXED);
    st->commands = __atomic_load_n(&r->commands, __ATOMIC_RELAXED);
    st->errors = __atomic_load_n(&r->errors, __ATOMIC_RELAXED);
}

int lw_redis_up(struct lw_redis *r)
{
    int up;

    g_mutex_lock(&r->lock);
    up = r->up;
    g_mutex_unlock(&r->lock);
    return up;
}

void lw_redis_retry_now(struct lw_redis *r)
{
    g_mutex_lock(&r->lock);
    r->retry_at = 0;
    g_mutex_unlock(&r->lock);
}

/* dial - connect to one address with the connect timeout, then set the command timeout */
static redisContext *dial(const struct lw_redis *r, const struct addr *a, struct lw_error *err)
{
    redisContext *c = a->path ? redisConnectUnixWithTimeout(a->path, r->connect_tv)
                              : redisConnectWithTimeout(a->host, a->port, r->connect_tv);

    if (c == NULL || c->err) {
        lw_error_set(err, "%s%s%d: %s", a->path ? a->path : a->host, a->path ? "" : ":",
                     a->path ? 0 : a->port, c ? c->errstr : "out of memory");
        if (c)
            redisFree(c);
        return NULL;
    }
    if (redisSetTimeout(c, r->cmd_tv) != REDIS_OK) {
        lw_error_set(err, "cannot set the Redis timeout: %s", c->errstr);
        redisFree(c);
        return NULL;
    }
    return c;
}

/* ask_sentinels - the master's address from the first Sentinel that knows it */
static int ask_sentinels(const struct lw_redis *r, struct addr *master, struct lw_error *err)
{
    for (guint i = 0; i < r->sentinels->len; i++) {
        const struct addr *s = &g_array_index(r->sentinels, struct addr, i);
        redisContext *c = dial(r, s, err);
        redisReply *rep;
        int ok = 0;

        if (c == NULL)
            continue;
        rep = redisCommand(c, "SENTINEL get-master-addr-by-name %s", r->master_name);
        if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2
            && rep->element[0]->type == REDIS_REPLY_STRING && rep->element[1]->type == REDIS_REPLY_STRING) {
            memset(master, 0, sizeof(*master));
            master->host = g_strdup(rep->element[0]->str);
            master->port = atoi(rep->element[1]->str);
            ok = 1;
        } else {
            lw_error_set(err, "sentinel %s:%d does not know master \"%s\"", s->host ? s->host : s->path,
                         s->port, r->master_name);
        }
        if (rep)
            freeReplyObject(rep);
        redisFree(c);
        if (ok)
            return 0;
    }
    return -1;
}

/* hello - AUTH and SELECT on a new connection; -1 and err when refused */
static int hello(const struct lw_redis *r, redisContext *c, struct lw_error *err)
{
    redisReply *rep = NULL;

    if (*r->password) {
        rep = *r->username ? redisCommand(c, "AUTH %s %s", r->username, r->password)
                           : redisCommand(c, "AUTH %s", r->password);
        if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
            lw_error_set(err, "AUTH: %s", rep ? rep->str : c->errstr);
            goto fail;
        }
        freeReplyObject(rep);
    }
    if (r->db != 0) {
        rep = redisCommand(c, "SELECT %lld", r->db);
        if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
            lw_error_set(err, "SELECT %lld: %s", r->db, rep ? rep->str : c->errstr);
            goto fail;
        }
        freeReplyObject(rep);
    }
    return 0;
fail:
    if (rep)
        freeReplyObject(rep);
    return -1;
}

/* connect_master - a ready context to the server, or the master the Sentinels name */
static redisContext *connect_master(struct lw_redis *r, char **where, struct lw_error *err)
{
    struct addr master = { 0 };
    const struct addr *a = &r->server;
    redisContext *c;

    if (r->sentinels->len > 0) {
        if (ask_sentinels(r, &master, err) < 0)
            return NULL;
        a = &master;
    }
    c = dial(r, a, err);
    if (c != NULL && hello(r, c, err) < 0) {
        redisFree(c);
        c = NULL;
    }
    if (c != NULL)
        *where = a->path ? g_strdup(a->path) : g_strdup_printf("%s:%d", a->host, a->port);
    addr_clear(&master);
    return c;
}

/* mark - record success or failure; logs only the transitions */
static void mark(struct lw_redis *r, int ok, const char *why, char *where)
{
    g_mutex_lock(&r->lock);
    if (ok) {
        if (r->up == 0)
            lw_log_info("redis back (%s): %s", r->purpose, where ? where : r->where ? r->where : "");
        r->up = 1;
        r->backoff = BACKOFF_MIN_US;
        r->retry_at = 0;
        if (where) {
            g_free(r->where);
            r->where = where;
        }
    } else {
        __atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED);
        if (r->up != 0)
            lw_log_warn("redis unreachable (%s): %s", r->purpose, why);
        r->up = 0;
        r->retry_at = g_get_monotonic_time() + r->backoff;
        r->backoff = MIN(r->backoff * 2, BACKOFF_MAX_US);
        g_free(where);
    }
    g_mutex_unlock(&r->lock);
}

/* acquire - a pool slot (waits at most the command timeout); -1 when none or backing off */
static int acquire(struct lw_redis *r, struct lw_error *err)
{
    gint64 deadline = g_get_monotonic_time() + r->cmd_tv.tv_sec * G_USEC_PER_SEC + r->cmd_tv.tv_usec;
    int slot = -1;

    g_mutex_lock(&r->lock);
    for (;;) {
        /* a free connected slot first, else any free slot */
        for (guint i = 0; i < r->n_slots; i++) {
            if (r->busy[i])
                continue;
            if (r->slots[i] != NULL) {
                slot = (int) i;
                break;
            }
            if (slot < 0)
                slot = (int) i;
        }
        if (slot >= 0)
            break;
        if (!g_cond_wait_until(&r->freed, &r->lock, deadline)) {
            g_mutex_unlock(&r->lock);
            return lw_error_set(err, "all %u Redis connections busy", r->n_slots);
        }
    }
    if (r->slots[slot] == NULL && r->retry_at && g_get_monotonic_time() < r->retry_at) {
        g_mutex_unlock(&r->lock);
        return lw_error_set(err, "redis unreachable (waiting before the next attempt)");
    }
    r->busy[slot] = TRUE;
    g_mutex_unlock(&r->lock);
    return slot;
}

/* release - give a slot back; c NULL means its context died */
static void release(struct lw_redis *r, int slot, redisContext *c)
{
    g_mutex_lock(&r->lock);
    r->slots[slot] = c;
    r->busy[slot] = FALSE;
    g_cond_signal(&r->freed);
    g_mutex_unlock(&r->lock);
}

static struct lw_redis_reply *copy_reply(const redisReply *rep)
{
    struct lw_redis_reply *out = g_new0(struct lw_redis_reply, 1);

    switch (rep->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        out->type = rep->type == REDIS_REPLY_STRING ? LW_REDIS_STRING
                  : rep->type == REDIS_REPLY_STATUS ? LW_REDIS_STATUS : LW_REDIS_ERROR;
        out->str = g_strndup(rep->str, rep->len);
        out->len = rep->len;
        break;
    case REDIS_REPLY_INTEGER:
        out->type = LW_REDIS_INTEGER;
        out->integer = rep->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out->type = LW_REDIS_ARRAY;
        out->elements = g_ptr_array_new_full(rep->elements, NULL);
        for (size_t i = 0; i < rep->elements; i++)
            g_ptr_array_add(out->elements, copy_reply(rep->element[i]));
        break;
    default:
        out->type = LW_REDIS_NIL;
        break;
    }
    return out;
}

static void reply_free(gpointer p)
{
    struct lw_redis_reply *rep = p;

    if (rep->elements) {
        g_ptr_array_set_free_func(rep->elements, reply_free);
        g_ptr_array_unref(rep->elements);
    }
    g_free(rep->str);
    g_free(rep);
}

struct lw_redis_pipe *lw_redis_pipe_new(void)
{
    struct lw_redis_pipe *p = g_new0(struct lw_redis_pipe, 1);

    p->argvs = g_ptr_array_new_with_free_func((GDestroyNotify) g_ptr_array_unref);
    p->replies = g_ptr_array_new_with_free_func(reply_free);
    return p;
}

void lw_redis_pipe_free(struct lw_redis_pipe *p)
{
    if (p == NULL)
        return;
    g_ptr_array_unref(p->argvs);
    g_ptr_array_unref(p->replies);
    g_free(p);
}

guint lw_redis_pipe_addv(struct lw_redis_pipe *p, guint argc, const char *const *argv,
                         const size_t *lens)
{
    GPtrArray *cmd = g_ptr_array_new_full(argc, (GDestroyNotify) g_bytes_unref);

    for (guint i = 0; i < argc; i++)
        g_ptr_array_add(cmd, g_bytes_new(argv[i], lens ? lens[i] : strlen(argv[i])));
    g_ptr_array_add(p->argvs, cmd);
    return p->argvs->len - 1;
}

guint lw_redis_pipe_add(struct lw_redis_pipe *p, const char *arg0, ...)
{
    GPtrArray *args = g_ptr_array_new();
    va_list ap;
    const char *a;
    guint idx;

    va_start(ap, arg0);
    for (a = arg0; a != NULL; a = va_arg(ap, const char *))
        g_ptr_array_add(args, (gpointer) a);
    va_end(ap);
    idx = lw_redis_pipe_addv(p, args->len, (const char *const *) args->pdata, NULL);
    g_ptr_array_unref(args);
    return idx;
}

guint lw_redis_pipe_len(const struct lw_redis_pipe *p)
{
    return p->argvs->len;
}

const struct lw_redis_reply *lw_redis_pipe_reply(const struct lw_redis_pipe *p, guint i)
{
    return i < p->replies->len ? g_ptr_array_index(p->replies, i) : NULL;
}

/* exchange - send every command on c, read every reply; -1 when c died */
static int exchange(redisContext *c, struct lw_redis_pipe *p, struct lw_error *err)
{
    for (guint i = 0; i < p->argvs->len; i++) {
        GPtrArray *cmd = g_ptr_array_index(p->argvs, i);
        const char **argv = g_new(const char *, cmd->len);
        size_t *lens = g_new(size_t, cmd->len);
        int rc;

        for (guint j = 0; j < cmd->len; j++) {
            gsize n;

            argv[j] = g_bytes_get_data(g_ptr_array_index(cmd, j), &n);
            argv[j] = argv[j] ? argv[j] : "";
            lens[j] = n;
        }
        rc = redisAppendCommandArgv(c, (int) cmd->len, argv, lens);
        g_free(argv);
        g_free(lens);
        if (rc != REDIS_OK)
            return lw_error_set(err, "%s", c->errstr);
    }
    g_ptr_array_set_size(p->replies, 0);
    for (guint i = 0; i < p->argvs->len; i++) {
        void *rep = NULL;

        if (redisGetReply(c, &rep) != REDIS_OK || rep == NULL)
            return lw_error_set(err, "%s", c->errstr[0] ? c->errstr : "no reply");
        g_ptr_array_add(p->replies, copy_reply(rep));
        freeReplyObject(rep);
    }
    return 0;
}

/* failover_reply - an error reply that means we talk to a former master */
static const char *failover_reply(const struct lw_redis_pipe *p)
{
    for (guint i = 0; i < p->replies->len; i++) {
        const struct lw_redis_reply *rep = g_ptr_array_index(p->replies, i);

        if (rep->type == LW_REDIS_ERROR
            && (g_str_has_prefix(rep->str, "READONLY") || g_str_has_prefix(rep->str, "MASTERDOWN")))
            return rep->str;
    }
    return NULL;
}

/* lw_redis_exec - one round trip for the whole pipeline */
int lw_redis_exec(struct lw_redis *r, struct lw_redis_pipe *p, struct lw_error *err)
{
    struct lw_error why = { "" };
    int slot, reused;
    redisContext *c;
    char *where = NULL;

    if (p->argvs->len == 0)
        return 0;
    if ((slot = acquire(r, err)) < 0) {
        __atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED);
        return -1;
    }
    c = r->slots[slot];
    reused = c != NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (c == NULL && (c = connect_master(r, &where, &why)) == NULL)
            break;
        __atomic_add_fetch(&r->round_trips, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&r->commands, p->argvs->len, __ATOMIC_RELAXED);
        if (exchange(c, p, &why) == 0) {
            const char *ro = failover_reply(p);

            if (ro == NULL) {
                release(r, slot, c);
                mark(r, 1, NULL, where);
                return 0;
            }
            lw_error_set(&why, "%s", ro);
        }
        redisFree(c);
        c = NULL;
        g_free(where);
        where = NULL;
        /* A pooled connection may have gone stale while idle (server
         * restart): try once with a fresh one before calling Redis down. */
        if (!reused)
            break;
        reused = 0;
    }
    release(r, slot, NULL);
    g_ptr_array_set_size(p->replies, 0);
    mark(r, 0, why.text, NULL);
    return lw_error_set(err, "redis: %s", why.text);
}
