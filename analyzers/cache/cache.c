/*
 * cache.c - verdict cache and shared counters: Redis, or an in-process LRU
 *
 * NAME
 *     lw_cache - what this relay farm has already learned about a message
 *
 * DESCRIPTION
 *     The cache is a key/value memory with expiry, used for three things:
 *     message verdicts (by key, key.c and engine.c), attachment antivirus
 *     results (by SHA-256 and signature version, for the antivirus
 *     analyzer) and counters (campaign.c). With redis_server or
 *     redis_sentinels it lives in Redis and is shared by every instance;
 *     without, or while Redis is unreachable, an in-process LRU bounded to
 *     cache_entries does the same job for this process alone.
 *
 *     Work is done per message through a session: lookups and counter
 *     increments are gathered (lw_cache_want*), sent in one pipelined round
 *     trip (lw_cache_fetch), and writes are gathered (lw_cache_put) and sent
 *     in a second one (lw_cache_store), so a message costs at most two
 *     round trips, and a cached message without writes costs one.
 *
 *     Redis commands: GET; a counter is "SET k 0 EX ttl NX" then
 *     "INCRBY k n" (a fixed window from its first increment); a write is
 *     "SET k v EX ttl". If a Redis exchange fails the session goes on with
 *     the in-process memory, and the error is counted; Redis down never
 *     fails a message.
 *
 *     Counters (verdict and attachment hits and misses, errors) are atomic
 *     and read with lw_cache_get_stats().
 *
 * LIMITS
 *     The in-process LRU is per process: a restart forgets it, and it
 *     cannot see other instances. Values are text (verdicts are JSON).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "cache/key.h"
#include "model/message.h"
#include "util/redis.h"
#include "model/url.h"
#include "model/verdict.h"

/* ---- the in-process LRU ---- */

struct entry {
    char *key;
    char *value;
    gint64 expires;             /* monotonic us; 0 = never */
    GList link;                 /* in lru, most recent first */
};

struct local {
    GMutex lock;
    GHashTable *map;            /* key -> struct entry (owned) */
    GQueue lru;
    guint max;
};

static void entry_free(gpointer p)
{
    struct entry *e = p;

    g_free(e->key);
    g_free(e->value);
    g_free(e);
}

static struct local *local_new(guint max)
{
    struct local *l = g_new0(struct local, 1);

    g_mutex_init(&l->lock);
    l->map = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
    g_queue_init(&l->lru);
    l->max = max;
    return l;
}

static void local_free(struct local *l)
{
    if (l == NULL)
        return;
    g_hash_table_unref(l->map);
    g_mutex_clear(&l->lock);
    g_free(l);
}

/* local_find - the live entry for key, moved to the front; NULL if absent or expired */
static struct entry *local_find(struct local *l, const char *key)
{
    struct entry *e = g_hash_table_lookup(l->map, key);

    if (e == NULL)
        return NULL;
    g_queue_unlink(&l->lru, &e->link);
    if (e->expires && g_get_monotonic_time() >= e->expires) {
        g_hash_table_remove(l->map, key);
        return NULL;
    }
    g_queue_push_head_link(&l->lru, &e->link);
    return e;
}

/* local_insert - a new entry at the front, evicting the least recent past the bound */
static struct entry *local_insert(struct local *l, const char *key, const char *value, long long ttl)
{
    struct entry *e = g_new0(struct entry, 1);

    e->key = g_strdup(key);
    e->value = g_strdup(value);
    e->expires = ttl > 0 ? g_get_monotonic_time() + ttl * G_USEC_PER_SEC : 0;
    e->link.data = e;
    g_hash_table_replace(l->map, e->key, e);
    g_queue_push_head_link(&l->lru, &e->link);
    while (l->lru.length > l->max) {
        GList *old = g_queue_pop_tail_link(&l->lru);

        g_hash_table_remove(l->map, ((struct entry *) old->data)->key);
    }
    return e;
}

static char *local_get(struct local *l, const char *key)
{
    struct entry *e;
    char *v = NULL;

    g_mutex_lock(&l->lock);
    if ((e = local_find(l, key)) != NULL)
        v = g_strdup(e->value);
    g_mutex_unlock(&l->lock);
    return v;
}

static void local_set(struct local *l, const char *key, const char *value, long long ttl)
{
    g_mutex_lock(&l->lock);
    if (local_find(l, key) != NULL) {
        struct entry *e = g_hash_table_lookup(l->map, key);

        g_queue_unlink(&l->lru, &e->link);
        g_hash_table_remove(l->map, key);
    }
    local_insert(l, key, value, ttl);
    g_mutex_unlock(&l->lock);
}

static long long local_incr(struct local *l, const char *key, long long n, long long ttl)
{
    struct entry *e;
    long long v;

    g_mutex_lock(&l->lock);
    if ((e = local_find(l, key)) == NULL)
        e = local_insert(l, key, "0", ttl);
    v = g_ascii_strtoll(e->value, NULL, 10) + n;
    g_free(e->value);
    e->value = g_strdup_printf("%lld", v);
    g_mutex_unlock(&l->lock);
    return v;
}

/* ---- the cache ---- */

struct lw_cache {
    const struct lw_config *cfg;    /* borrowed: the engine's */
    struct lw_redis *redis;         /* NULL without Redis */
    struct local *local;            /* NULL when cache_entries = 0 */
    guint64 hits, misses, errors;   /* atomic */
    guint64 att_hits, att_misses;
};

struct lw_cache *lw_cache_new(const struct lw_config *cfg, struct lw_error *err)
{
    struct lw_cache *c = g_new0(struct lw_cache, 1);

    c->cfg = cfg;
    if (lw_redis_configured(cfg)
        && (c->redis = lw_redis_new(cfg, "cache", (guint) cfg->redis_pool_size, 0, err)) == NULL) {
        g_free(c);
        return NULL;
    }
    if (cfg->cache_entries > 0)
        c->local = local_new((guint) cfg->cache_entries);
    return c;
}

void lw_cache_free(struct lw_cache *c)
{
    if (c == NULL)
        return;
    lw_redis_free(c->redis);
    local_free(c->local);
    g_free(c);
}

void lw_cache_get_stats(struct lw_cache *c, struct lw_cache_stats *st)
{
    struct lw_redis_stats rs = { 0 };

    if (c->redis)
        lw_redis_get_stats(c->redis, &rs);
    st->hits = __atomic_load_n(&c->hits, __ATOMIC_RELAXED);
    st->misses = __atomic_load_n(&c->misses, __ATOMIC_RELAXED);
    st->errors = __atomic_load_n(&c->errors, __ATOMIC_RELAXED);
    st->attachment_hits = __atomic_load_n(&c->att_hits, __ATOMIC_RELAXED);
    st->attachment_misses = __atomic_load_n(&c->att_misses, __ATOMIC_RELAXED);
    st->round_trips = rs.round_trips;
    st->commands = rs.commands;
}

char *lw_cache_stats_format(const struct lw_cache_stats *st)
{
    return g_strdup_printf("hits=%" G_GUINT64_FORMAT " misses=%" G_GUINT64_FORMAT " errors=%" G_GUINT64_FORMAT
                           " redis_round_trips=%" G_GUINT64_FORMAT " redis_commands=%" G_GUINT64_FORMAT
                           " attachment_hits=%" G_GUINT64_FORMAT " attachment_misses=%" G_GUINT64_FORMAT,
                           st->hits, st->misses, st->errors, st->round_trips, st->commands,
                           st->attachment_hits, st->attachment_misses);
}

int lw_cache_redis_up(struct lw_cache *c)
{
    struct lw_redis_pipe *p;
    int up;

    if (c->redis == NULL)
        return -1;
    if (lw_redis_up(c->redis) == 1)
        return 1;
    p = lw_redis_pipe_new();
    lw_redis_pipe_add(p, "PING", NULL);
    up = lw_redis_exec(c->redis, p, NULL) == 0;
    lw_redis_pipe_free(p);
    return up;
}

int lw_cache_shared(const struct lw_cache *c)
{
    return c->redis != NULL;
}

/* ---- sessions ---- */

enum op_kind { OP_GET, OP_COUNT, OP_PUT };

struct op {
    enum op_kind kind;
    char *key;                  /* without prefix */
    char *value;                /* OP_PUT: to write; OP_GET: what was found */
    long long n, ttl;
    long long count;            /* OP_COUNT result */
    int done;
};

struct lw_cache_session {
    struct lw_cache *cache;
    GPtrArray *wants;           /* of struct op: OP_GET and OP_COUNT */
    GHashTable *by_key;         /* key -> struct op (in wants) */
    GPtrArray *puts;            /* of struct op */
    int local_only;             /* Redis failed during this message */
};

static void op_free(gpointer p)
{
    struct op *o = p;

    g_free(o->key);
    g_free(o->value);
    g_free(o);
}

struct lw_cache_session *lw_cache_session_new(struct lw_cache *c)
{
    struct lw_cache_session *s = g_new0(struct lw_cache_session, 1);

    s->cache = c;
    s->wants = g_ptr_array_new_with_free_func(op_free);
    s->by_key = g_hash_table_new(g_str_hash, g_str_equal);
    s->puts = g_ptr_array_new_with_free_func(op_free);
    return s;
}

void lw_cache_session_free(struct lw_cache_session *s)
{
    if (s == NULL)
        return;
    g_hash_table_unref(s->by_key);
    g_ptr_array_unref(s->wants);
    g_ptr_array_unref(s->puts);
    g_free(s);
}

const struct lw_config *lw_cache_session_config(const struct lw_cache_session *s)
{
    return s->cache->cfg;
}

int lw_cache_session_shared(const struct lw_cache_session *s)
{
    return s->cache->redis != NULL && !s->local_only;
}

static struct op *want(struct lw_cache_session *s, enum op_kind kind, const char *key)
{
    struct op *o = g_hash_table_lookup(s->by_key, key);

    if (o != NULL)
        return o;
    o = g_new0(struct op, 1);
    o->kind = kind;
    o->key = g_strdup(key);
    g_ptr_array_add(s->wants, o);
    g_hash_table_insert(s->by_key, o->key, o);
    return o;
}

void lw_cache_want(struct lw_cache_session *s, const char *key)
{
    if (s != NULL)
        want(s, OP_GET, key);
}

void lw_cache_want_count(struct lw_cache_session *s, const char *key, long long n, long long ttl)
{
    struct op *o;

    if (s == NULL)
        return;
    o = want(s, OP_COUNT, key);
    o->n = n;
    o->ttl = ttl;
}

static char *full_key(const struct lw_cache *c, const char *key)
{
    return g_strconcat(c->cfg->redis_prefix, key, NULL);
}

/* add_op - the Redis commands of one operation; returns the index of the reply that matters */
static guint add_op(struct lw_redis_pipe *p, const struct lw_cache *c, const struct op *o)
{
    char *k = full_key(c, o->key), ttl[32], n[32];
    guint idx;

    g_snprintf(ttl, sizeof(ttl), "%lld", o->ttl);
    g_snprintf(n, sizeof(n), "%lld", o->n);
    switch (o->kind) {
    case OP_GET:
        idx = lw_redis_pipe_add(p, "GET", k, NULL);
        break;
    case OP_COUNT:
        lw_redis_pipe_add(p, "SET", k, "0", "EX", ttl, "NX", NULL);
        idx = lw_redis_pipe_add(p, "INCRBY", k, n, NULL);
        break;
    default:
        idx = lw_redis_pipe_add(p, "SET", k, o->value, "EX", ttl, NULL);
        break;
    }
    g_free(k);
    return idx;
}

/* run_local - do operations in the in-process memory */
static void run_local(struct lw_cache *c, GPtrArray *ops)
{
    for (guint i = 0; i < ops->len; i++) {
        struct op *o = g_ptr_array_index(ops, i);

        if (o->done || c->local == NULL)
            continue;
        if (o->kind == OP_GET) {
            g_free(o->value);
            o->value = local_get(c->local, o->key);
        } else if (o->kind == OP_COUNT) {
            o->count = local_incr(c->local, o->key, o->n, o->ttl);
        } else {
            local_set(c->local, o->key, o->value, o->ttl);
        }
        o->done = 1;
    }
}

/* run_redis - do pending operations in one round trip; -1 when Redis failed */
static int run_redis(struct lw_cache_session *s, GPtrArray *ops)
{
    struct lw_redis_pipe *p = lw_redis_pipe_new();
    guint *idx = g_new0(guint, ops->len + 1);
    int rc = 0;

    for (guint i = 0; i < ops->len; i++) {
        const struct op *o = g_ptr_array_index(ops, i);

        if (!o->done)
            idx[i] = add_op(p, s->cache, o);
    }
    if (lw_redis_pipe_len(p) > 0 && lw_redis_exec(s->cache->redis, p, NULL) < 0) {
        __atomic_add_fetch(&s->cache->errors, 1, __ATOMIC_RELAXED);
        rc = -1;
    }
    for (guint i = 0; i < ops->len && rc == 0; i++) {
        struct op *o = g_ptr_array_index(ops, i);
        const struct lw_redis_reply *rep;

        if (o->done)
            continue;
        rep = lw_redis_pipe_reply(p, idx[i]);
        if (o->kind == OP_GET && rep && rep->type == LW_REDIS_STRING)
            o->value = g_strdup(rep->str);
        else if (o->kind == OP_COUNT && rep && rep->type == LW_REDIS_INTEGER)
            o->count = rep->integer;
        o->done = 1;
    }
    g_free(idx);
    lw_redis_pipe_free(p);
    return rc;
}

/* run - Redis when there is one and it works, else the in-process memory */
static void run(struct lw_cache_session *s, GPtrArray *ops)
{
    if (s->cache->redis != NULL && !s->local_only && run_redis(s, ops) < 0)
        s->local_only = 1;
    if (s->cache->redis == NULL || s->local_only)
        run_local(s->cache, ops);
}

void lw_cache_fetch(struct lw_cache_session *s)
{
    if (s != NULL)
        run(s, s->wants);
}

void lw_cache_store(struct lw_cache_session *s)
{
    if (s == NULL || s->puts->len == 0)
        return;
    run(s, s->puts);
    g_ptr_array_set_size(s->puts, 0);
}

const char *lw_cache_value(struct lw_cache_session *s, const char *key)
{
    struct op *o = s ? g_hash_table_lookup(s->by_key, key) : NULL;

    return o && o->kind == OP_GET ? o->value : NULL;
}

long long lw_cache_count(struct lw_cache_session *s, const char *key)
{
    struct op *o = s ? g_hash_table_lookup(s->by_key, key) : NULL;

    return o && o->kind == OP_COUNT ? o->count : 0;
}

char *lw_cache_lookup(struct lw_cache_session *s, const char *key)
{
    struct op *o;

    if (s == NULL)
        return NULL;
    if ((o = g_hash_table_lookup(s->by_key, key)) == NULL || !o->done) {
        GPtrArray *one = g_ptr_array_new();

        o = want(s, OP_GET, key);
        g_ptr_array_add(one, o);
        run(s, one);
        g_ptr_array_unref(one);
    }
    return o->kind == OP_GET ? g_strdup(o->value) : NULL;
}

void lw_cache_put(struct lw_cache_session *s, const char *key, const char *value, long long ttl)
{
    struct op *o;

    if (s == NULL)
        return;
    o = g_new0(struct op, 1);
    o->kind = OP_PUT;
    o->key = g_strdup(key);
    o->value = g_strdup(value);
    o->ttl = ttl;
    g_ptr_array_add(s->puts, o);
}

void lw_cache_account(struct lw_cache_session *s, int hit)
{
    if (s != NULL)
        __atomic_add_fetch(hit ? &s->cache->hits : &s->cache->misses, 1, __ATOMIC_RELAXED);
}

/* ---- attachments ---- */

static char *attachment_key(const char *sha256, const char *sigversion)
{
    return g_strdup_printf("av:%s:%s", sigversion ? sigversion : "none", sha256);
}

void lw_cache_want_attachment(struct lw_cache_session *s, const char *sha256, const char *sigversion)
{
    char *k = attachment_key(sha256, sigversion);

    lw_cache_want(s, k);
    g_free(k);
}

int lw_cache_get_attachment(struct lw_cache_session *s, const char *sha256, const char *sigversion,
                            char **result)
{
    char *k = attachment_key(sha256, sigversion);

    *result = lw_cache_lookup(s, k);
    g_free(k);
    if (s != NULL)
        __atomic_add_fetch(*result ? &s->cache->att_hits : &s->cache->att_misses, 1, __ATOMIC_RELAXED);
    return *result != NULL;
}

void lw_cache_put_attachment(struct lw_cache_session *s, const char *sha256, const char *sigversion,
                             const char *result)
{
    char *k;

    if (s == NULL)
        return;
    k = attachment_key(sha256, sigversion);
    lw_cache_put(s, k, result, lw_cache_session_config(s)->cache_attachment_ttl);
    g_free(k);
}

/* ---- fingerprint ---- */

/* Header fields that differ between copies of one mailing, left out of the fingerprint. */
static const char *const per_copy_headers[] = {
    "received", "date", "message-id", "to", "cc", "bcc", "delivered-to", "x-original-to",
    "return-path", "dkim-signature", "arc-seal", "arc-message-signature",
    "arc-authentication-results", "authentication-results", "received-spf", "x-received",
    "x-google-dkim-signature", "x-gm-message-state", "x-google-smtp-source", "x-lurewatch-score",
    "x-lurewatch-action", "x-lurewatch-hits", "x-lurewatch-id", NULL,
};

static int per_copy(const char *name)
{
    for (int i = 0; per_copy_headers[i]; i++)
        if (g_ascii_strcasecmp(name, per_copy_headers[i]) == 0)
            return 1;
    return 0;
}

static void sum_str(struct lw_sha256 *sum, const char *tag, const char *s)
{
    lw_sha256_update(sum, tag, strlen(tag));
    if (s != NULL)
        lw_sha256_update(sum, s, strlen(s));
    lw_sha256_update(sum, "\n", 1);
}

/* sum_auth - only the method=result words of Authentication-Results */
static void sum_auth(struct lw_sha256 *sum, const char *value)
{
    static const char *const methods[] = { "spf=", "dkim=", "dmarc=", "arc=", NULL };
    gchar *low = g_ascii_strdown(value, -1);

    for (int m = 0; methods[m]; m++) {
        for (const char *p = strstr(low, methods[m]); p; p = strstr(p + 1, methods[m])) {
            size_t n = strcspn(p, " \t\r\n;()");

            lw_sha256_update(sum, p, n);
            lw_sha256_update(sum, " ", 1);
        }
    }
    g_free(low);
}

char *lw_fingerprint(const struct lw_message *msg)
{
    struct lw_sha256 *sum = lw_sha256_new();

    if (msg->env)
        sum_str(sum, "env-from:", msg->env->mail_from);
    for (guint i = 0; i < msg->headers->len; i++) {
        const struct lw_header *h = g_ptr_array_index(msg->headers, i);

        if (g_ascii_strcasecmp(h->name, "authentication-results") == 0)
            sum_auth(sum, h->value);
        else if (!per_copy(h->name)) {
            sum_str(sum, "h:", h->name);
            sum_str(sum, ":", h->value);
        }
    }
    for (guint i = 0; i < msg->texts->len; i++) {
        const struct lw_text *t = g_ptr_array_index(msg->texts, i);

        sum_str(sum, "text:", t->norm);
        sum_str(sum, "html:", t->html);
    }
    for (guint i = 0; msg->urls && i < msg->urls->len; i++) {
        const struct lw_url *u = g_ptr_array_index(msg->urls, i);

        sum_str(sum, "url:", u->raw);
        sum_str(sum, "in:", u->source);
    }
    for (guint i = 0; i < msg->parts->len; i++) {
        const struct lw_part *p = g_ptr_array_index(msg->parts, i);

        sum_str(sum, "part:", p->sha256);
        sum_str(sum, "name:", p->filename);
        sum_str(sum, "type:", p->declared_type);
        sum_str(sum, "disp:", p->disposition);
    }
    for (guint i = 0; i < msg->limits->len; i++)
        sum_str(sum, "limit:", g_ptr_array_index(msg->limits, i));
    for (guint i = 0; i < msg->warnings->len; i++)
        sum_str(sum, "warning:", ((struct lw_warning *) g_ptr_array_index(msg->warnings, i))->text);
    return lw_sha256_end(sum);
}
