/*
 * quarantine_redis.c - the quarantine store in Redis: every relay's held mail in one place
 *
 * DESCRIPTION
 *     quarantine_store = redis: the milters of every relay record their
 *     held messages in the one Redis (redis_server, or the Sentinels'
 *     master), so one lurewatch-review and one digest see them all. A
 *     reviewer's decision is recorded on the message's record (the first
 *     decision wins) and queued on the holding relay's decision stream;
 *     that relay carries it out with lurewatch-report apply (postsuper
 *     needs root and the relay's own queue) and records the outcome.
 *
 * DATA LAYOUT (P is redis_prefix, "lw:" by default)
 *     P quarantine:rec:QUEUEID        hash: entry (the record's JSON, as the
 *                                     spool writes it), relay, held_at,
 *                                     reported_at, decision, decided_by,
 *                                     decided_at, applied (the stream entry
 *                                     that claimed it), outcome, outcome_at
 *     P quarantine:all                sorted set: every queue id by held_at (us)
 *     P quarantine:held               sorted set: the undecided ones by held_at
 *     P quarantine:decided            sorted set: the decided ones by decided_at
 *     P quarantine:decisions:RELAY    stream: queue_id, decision, by; consumer
 *                                     group "apply", consumer RELAY
 *     P quarantine:state:NAME         a number (lurewatch-report's last digest)
 *     P quarantine:digest-lock        one digest at a time, for every relay
 *
 * NEVER TWICE, AND CATCHING UP
 *     A request is one MULTI: HSETNX of the decision (the first reviewer
 *     wins, a later one is told who decided) and the XADD to the relay's
 *     stream, so a decision is never recorded without its stream entry.
 *     The relay reads its stream in the consumer group: first the entries
 *     it read before and never acknowledged, then new ones, so a relay that
 *     was down or killed part way catches up on its next run. Before it
 *     acts it claims the record with HSETNX applied ENTRYID: only one
 *     entry (and one run) ever claims a record, and a run killed between
 *     the claim and the outcome leaves "interrupted" rather than acting
 *     again. Only then is the entry acknowledged (XACK). When the relay
 *     could do nothing (postsuper failed) the decision is taken off the
 *     record with the outcome, so the message is held again and a
 *     reviewer can decide anew.
 *
 * LIMITS
 *     Queue ids must be unique across the relays sharing Redis: set
 *     enable_long_queue_ids = yes in Postfix (a long id carries the
 *     second, microsecond and inode; a short one may repeat on another
 *     relay, and its record would replace the first). Records are not
 *     expired here. A record the milter cannot write while Redis is down
 *     goes to its spool (milter/actions.c), and lurewatch-report apply
 *     moves it here (lw_qstore_move).
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "review/quarantine_store.h"
#include "review/review_token.h"
#include "util/redis.h"

#define TIMEOUT_MS 2000
#define BATCH 500
#define STREAM_MAX "100000"
#define GROUP "apply"
#define LOCK_SECONDS "3600"

struct rstore {
    struct lw_redis *redis;
    char *prefix;               /* redis_prefix "quarantine:" */
    char *relay;                /* this relay's name (instance_name, else the host name) */
    char *lock_value;           /* the digest lock's value while this process holds it */
};

#define RS(s) ((struct rstore *) (s)->priv)

/* key - P quarantine:A B (g_free) */
static char *key(const struct lw_qstore *s, const char *a, const char *b)
{
    return g_strconcat(RS(s)->prefix, a, b, NULL);
}

static const struct lw_redis_reply *elem(const struct lw_redis_reply *a, guint i)
{
    return a && a->type == LW_REDIS_ARRAY && i < a->elements->len ? g_ptr_array_index(a->elements, i) : NULL;
}

/* str - the string of a reply, or NULL (nil, or not a string) */
static const char *str(const struct lw_redis_reply *r)
{
    return r && (r->type == LW_REDIS_STRING || r->type == LW_REDIS_STATUS) ? r->str : NULL;
}

/* run - send p; -1 and err when Redis failed or any command answered an error */
static int run(struct lw_qstore *s, struct lw_redis_pipe *p, struct lw_error *err)
{
    if (lw_redis_exec(RS(s)->redis, p, err) < 0)
        return -1;
    for (guint i = 0; i < lw_redis_pipe_len(p); i++) {
        const struct lw_redis_reply *r = lw_redis_pipe_reply(p, i);

        if (r->type == LW_REDIS_ERROR && strncmp(r->str, "BUSYGROUP", 9) != 0)
            return lw_error_set(err, "redis (quarantine store): %s", r->str);
        for (guint k = 0; r->type == LW_REDIS_ARRAY && k < r->elements->len; k++)
            if (elem(r, k)->type == LW_REDIS_ERROR)
                return lw_error_set(err, "redis (quarantine store): %s", elem(r, k)->str);
    }
    return 0;
}

/* exec_one - p of one command (or one MULTI ... EXEC); its last reply, or NULL and err */
static const struct lw_redis_reply *exec_last(struct lw_qstore *s, struct lw_redis_pipe *p, struct lw_error *err)
{
    const struct lw_redis_reply *r;

    if (run(s, p, err) < 0)
        return NULL;
    r = lw_redis_pipe_reply(p, lw_redis_pipe_len(p) - 1);
    return r;
}

static char *usec(gint64 v)
{
    return g_strdup_printf("%" G_GINT64_FORMAT, v);
}

/* field - the value of name in an HGETALL reply, or NULL */
static const char *field(const struct lw_redis_reply *h, const char *name)
{
    for (guint i = 0; i + 1 < (h && h->type == LW_REDIS_ARRAY ? h->elements->len : 0); i += 2)
        if (g_strcmp0(str(elem(h, i)), name) == 0)
            return str(elem(h, i + 1));
    return NULL;
}

static gint64 field_int(const struct lw_redis_reply *h, const char *name)
{
    const char *v = field(h, name);

    return v ? g_ascii_strtoll(v, NULL, 10) : 0;
}

static void set_str(char **dst, const char *v)
{
    g_free(*dst);
    *dst = v && *v ? g_strdup(v) : NULL;
}

/* from_hash - the entry an HGETALL reply holds; NULL and err (no record, or not one) */
static struct lw_qentry *from_hash(const struct lw_redis_reply *h, const char *queue_id, struct lw_error *err)
{
    const char *json = field(h, "entry");
    char *where = g_strdup_printf("redis record %s", queue_id);
    struct lw_qentry *e = json ? lw_qentry_from_json(json, strlen(json), where, err) : NULL;

    if (json == NULL)
        lw_error_set(err, "%s: no quarantine record for this queue id", queue_id);
    g_free(where);
    if (e == NULL)
        return NULL;
    if (field(h, "relay")) {
        g_free(e->instance);
        e->instance = g_strdup(field(h, "relay"));
    }
    e->reported_at = field_int(h, "reported_at");
    set_str(&e->decision, field(h, "decision"));
    set_str(&e->decided_by, field(h, "decided_by"));
    e->decided_at = field_int(h, "decided_at");
    e->outcome = g_strdup(field(h, "outcome") ? field(h, "outcome") : "");
    return e;
}

/* get_many - the records of ids (char *), in order, in pipelines of BATCH; unreadable ones to problems */
static int get_many(struct lw_qstore *s, GPtrArray *ids, GPtrArray *out, GPtrArray *problems, struct lw_error *err)
{
    for (guint from = 0; from < ids->len; from += BATCH) {
        struct lw_redis_pipe *p = lw_redis_pipe_new();

        for (guint i = from; i < ids->len && i < from + BATCH; i++) {
            char *k = key(s, "quarantine:rec:", g_ptr_array_index(ids, i));

            lw_redis_pipe_add(p, "HGETALL", k, NULL);
            g_free(k);
        }
        if (run(s, p, err) < 0) {
            lw_redis_pipe_free(p);
            return -1;
        }
        for (guint i = 0; i < lw_redis_pipe_len(p); i++) {
            struct lw_error why;
            struct lw_qentry *e = from_hash(lw_redis_pipe_reply(p, i), g_ptr_array_index(ids, from + i), &why);

            if (e)
                g_ptr_array_add(out, e);
            else if (problems)
                g_ptr_array_add(problems, g_strdup(why.text));
        }
        lw_redis_pipe_free(p);
    }
    return 0;
}

/* ids_of - the strings of an array reply (borrowed) */
static GPtrArray *ids_of(const struct lw_redis_reply *a)
{
    GPtrArray *ids = g_ptr_array_new();

    for (guint i = 0; a && a->type == LW_REDIS_ARRAY && i < a->elements->len; i++)
        if (str(elem(a, i)) && lw_queue_id_valid(str(elem(a, i))))
            g_ptr_array_add(ids, (gpointer) str(elem(a, i)));
    return ids;
}

/* ---- the store operations ---- */

static int rs_record(struct lw_qstore *s, const struct lw_qentry *e, struct lw_error *err)
{
    struct lw_redis_pipe *p;
    char *rec, *json, *held, *all, *hq, *dec;
    int rc;

    if (!lw_queue_id_valid(e->queue_id))
        return lw_error_set(err, "bad queue id \"%s\"", e->queue_id ? e->queue_id : "");
    p = lw_redis_pipe_new();
    rec = key(s, "quarantine:rec:", e->queue_id);
    json = lw_qentry_to_json(e);
    held = usec(e->held_at);
    all = key(s, "quarantine:all", "");
    hq = key(s, "quarantine:held", "");
    dec = key(s, "quarantine:decided", "");
    lw_redis_pipe_add(p, "MULTI", NULL);
    lw_redis_pipe_add(p, "DEL", rec, NULL);     /* a reused queue id: the new message replaces the old */
    lw_redis_pipe_add(p, "HSET", rec, "entry", json, "relay", e->instance, "held_at", held, NULL);
    lw_redis_pipe_add(p, "ZADD", all, held, e->queue_id, NULL);
    lw_redis_pipe_add(p, "ZADD", hq, held, e->queue_id, NULL);
    lw_redis_pipe_add(p, "ZREM", dec, e->queue_id, NULL);
    lw_redis_pipe_add(p, "EXEC", NULL);
    rc = exec_last(s, p, err) ? 0 : -1;
    lw_redis_pipe_free(p);
    g_free(rec);
    g_free(json);
    g_free(held);
    g_free(all);
    g_free(hq);
    g_free(dec);
    return rc;
}

static struct lw_qentry *rs_get(struct lw_qstore *s, const char *queue_id, struct lw_error *err)
{
    GPtrArray *ids, *out;
    struct lw_qentry *e = NULL;

    if (!lw_queue_id_valid(queue_id)) {
        lw_error_set(err, "bad queue id \"%s\"", queue_id);
        return NULL;
    }
    ids = g_ptr_array_new();
    out = g_ptr_array_new();
    g_ptr_array_add(ids, (gpointer) queue_id);
    if (get_many(s, ids, out, NULL, err) == 0) {
        if (out->len == 0) {
            /* get_many says why only to problems: ask again for the reason */
            struct lw_redis_pipe *p = lw_redis_pipe_new();
            char *rec = key(s, "quarantine:rec:", queue_id);
            const struct lw_redis_reply *h;

            lw_redis_pipe_add(p, "HGETALL", rec, NULL);
            if ((h = exec_last(s, p, err)) != NULL)
                e = from_hash(h, queue_id, err);
            lw_redis_pipe_free(p);
            g_free(rec);
        } else {
            e = g_ptr_array_index(out, 0);
        }
    }
    g_ptr_array_unref(ids);
    g_ptr_array_unref(out);
    return e;
}

/* range - the queue ids of one sorted-set command, then their records into out */
static int range(struct lw_qstore *s, GPtrArray *out, GPtrArray *problems, struct lw_error *err,
                 const char *cmd, const char *set, const char *a, const char *b)
{
    struct lw_redis_pipe *p = lw_redis_pipe_new();
    char *k = key(s, set, "");
    const struct lw_redis_reply *r;
    int rc = -1;

    lw_redis_pipe_add(p, cmd, k, a, b, NULL);
    if ((r = exec_last(s, p, err)) != NULL) {
        GPtrArray *ids = ids_of(r);

        rc = get_many(s, ids, out, problems, err);
        g_ptr_array_unref(ids);
    }
    lw_redis_pipe_free(p);
    g_free(k);
    return rc;
}

static GPtrArray *rs_list(struct lw_qstore *s, gint64 since, GPtrArray *problems, struct lw_error *err)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify) lw_qentry_free);
    char *from = usec(since);
    int rc = range(s, out, problems, err, "ZRANGEBYSCORE", "quarantine:all", from, "+inf");

    g_free(from);
    if (rc < 0) {
        g_ptr_array_unref(out);
        return NULL;
    }
    return out;
}

/* rs_page - ZREVRANGE of the held and the decided, ZCARD, then only those records */
static int rs_page(struct lw_qstore *s, guint offset, guint limit, guint decided_limit,
                   struct lw_qpage *page, struct lw_error *err)
{
    struct lw_redis_pipe *p = lw_redis_pipe_new();
    char *held = key(s, "quarantine:held", ""), *first = g_strdup_printf("%u", offset);
    char *last = g_strdup_printf("%d", (int) (offset + limit) - 1);
    char *dlast = g_strdup_printf("%d", (int) decided_limit - 1);
    int rc = -1;

    if (limit == 0) {
        g_free(last);
        last = g_strdup("-1");      /* ZREVRANGE 0 -1 is every one: no rows is an empty range */
        g_free(first);
        first = g_strdup("1");
    }
    lw_redis_pipe_add(p, "ZCARD", held, NULL);
    if (run(s, p, err) == 0) {
        page->total_held = (guint) MAX(lw_redis_pipe_reply(p, 0)->integer, 0);
        rc = (limit == 0 ? 0 : range(s, page->held, NULL, err, "ZREVRANGE", "quarantine:held", first, last)) < 0
             || (decided_limit == 0 ? 0 : range(s, page->decided, NULL, err, "ZREVRANGE", "quarantine:decided",
                                                 "0", dlast)) < 0 ? -1 : 0;
    }
    lw_redis_pipe_free(p);
    g_free(held);
    g_free(first);
    g_free(last);
    g_free(dlast);
    return rc;
}

/* decide_pipe - MULTI; the decision on the record (HSET, or HSETNX: the first wins); the index moves */
static void decide_pipe(struct lw_qstore *s, struct lw_redis_pipe *p, const char *queue_id, const char *decision,
                        const char *who, const char *when, int first_wins)
{
    const char *set = first_wins ? "HSETNX" : "HSET";
    char *rec = key(s, "quarantine:rec:", queue_id), *hq = key(s, "quarantine:held", "");
    char *dec = key(s, "quarantine:decided", "");

    lw_redis_pipe_add(p, "MULTI", NULL);
    lw_redis_pipe_add(p, set, rec, "decision", decision, NULL);
    lw_redis_pipe_add(p, set, rec, "decided_by", who, NULL);
    lw_redis_pipe_add(p, set, rec, "decided_at", when, NULL);
    lw_redis_pipe_add(p, "ZREM", hq, queue_id, NULL);
    if (first_wins)
        lw_redis_pipe_add(p, "ZADD", dec, "NX", when, queue_id, NULL);
    else
        lw_redis_pipe_add(p, "ZADD", dec, when, queue_id, NULL);
    g_free(rec);
    g_free(hq);
    g_free(dec);
}

/* holder - the fields names of a record (HMGET) into fields; -1 and err, 1 (and err) when there is none */
static int holder(struct lw_qstore *s, const char *queue_id, const char *const *names, char **fields,
                  struct lw_error *err)
{
    struct lw_redis_pipe *p = lw_redis_pipe_new();
    char *rec = key(s, "quarantine:rec:", queue_id);
    guint n = g_strv_length((char **) names);
    const char **argv = g_new0(const char *, n + 2);
    size_t *lens = g_new0(size_t, n + 2);
    const struct lw_redis_reply *r;
    int rc = -1;

    argv[0] = "HMGET";
    argv[1] = rec;
    for (guint i = 0; i < n; i++)
        argv[i + 2] = names[i];
    for (guint i = 0; i < n + 2; i++)
        lens[i] = strlen(argv[i]);
    lw_redis_pipe_addv(p, n + 2, argv, lens);
    if ((r = exec_last(s, p, err)) != NULL) {
        for (guint i = 0; i < n; i++)
            fields[i] = g_strdup(str(elem(r, i)));
        rc = fields[0] ? 0 : 1;
        if (rc)
            lw_error_set(err, "%s: no quarantine record for this queue id", queue_id);
    }
    lw_redis_pipe_free(p);
    g_free(argv);
    g_free(lens);
    g_free(rec);
    return rc;
}

static const char *const RELAY_ONLY[] = { "relay", NULL };

static void free_fields(char **f, guint n)
{
    for (guint i = 0; i < n; i++)
        g_free(f[i]);
}

/* rs_mark - a decision carried out (or found done) on this relay: the record says so, with its outcome */
static int rs_mark(struct lw_qstore *s, const char *queue_id, const char *decision,
                   const char *who, gint64 when, struct lw_error *err)
{
    char *f[1] = { NULL }, *at = usec(when), *now = usec(g_get_real_time()), *rec;
    struct lw_redis_pipe *p;
    int rc;

    if ((rc = holder(s, queue_id, RELAY_ONLY, f, err)) != 0) {
        g_free(at);
        g_free(now);
        return -1;
    }
    p = lw_redis_pipe_new();
    rec = key(s, "quarantine:rec:", queue_id);
    decide_pipe(s, p, queue_id, decision, who, at, 0);
    lw_redis_pipe_add(p, "HSET", rec, "outcome", "done", "outcome_at", now, NULL);
    lw_redis_pipe_add(p, "EXEC", NULL);
    rc = exec_last(s, p, err) ? 0 : -1;
    lw_redis_pipe_free(p);
    free_fields(f, 1);
    g_free(rec);
    g_free(at);
    g_free(now);
    return rc;
}

/* set_fields - HSET f1 v1 [f2 v2] on a record that exists (never makes one) */
static int set_fields(struct lw_qstore *s, const char *queue_id, const char *f1, const char *v1,
                      const char *f2, const char *v2, struct lw_error *err)
{
    char *f[1] = { NULL }, *rec;
    struct lw_redis_pipe *p;
    int rc;

    if (holder(s, queue_id, RELAY_ONLY, f, err) != 0)
        return -1;
    p = lw_redis_pipe_new();
    rec = key(s, "quarantine:rec:", queue_id);
    lw_redis_pipe_add(p, "HSET", rec, f1, v1, f2, v2, NULL);
    rc = exec_last(s, p, err) ? 0 : -1;
    lw_redis_pipe_free(p);
    free_fields(f, 1);
    g_free(rec);
    return rc;
}

static int rs_mark_reported(struct lw_qstore *s, const char *queue_id, gint64 when, struct lw_error *err)
{
    char *at = usec(when);
    int rc = set_fields(s, queue_id, "reported_at", at, NULL, NULL, err);

    g_free(at);
    return rc;
}

/* rs_false_positive - the record's decision is the signal; actions.c puts it on the hits stream */
static int rs_false_positive(struct lw_qstore *s, const struct lw_qentry *e, struct lw_error *err)
{
    (void) s;
    (void) e;
    (void) err;
    return 0;
}

static int rs_get_state(struct lw_qstore *s, const char *name, gint64 *value, struct lw_error *err)
{
    struct lw_redis_pipe *p = lw_redis_pipe_new();
    char *k = key(s, "quarantine:state:", name);
    const struct lw_redis_reply *r;

    *value = 0;
    lw_redis_pipe_add(p, "GET", k, NULL);
    if ((r = exec_last(s, p, err)) != NULL && str(r))
        *value = g_ascii_strtoll(str(r), NULL, 10);
    lw_redis_pipe_free(p);
    g_free(k);
    return r ? 0 : -1;
}

static int rs_set_state(struct lw_qstore *s, const char *name, gint64 value, struct lw_error *err)
{
    struct lw_redis_pipe *p = lw_redis_pipe_new();
    char *k = key(s, "quarantine:state:", name), *v = usec(value);
    int rc;

    lw_redis_pipe_add(p, "SET", k, v, NULL);
    rc = exec_last(s, p, err) ? 0 : -1;
    lw_redis_pipe_free(p);
    g_free(k);
    g_free(v);
    return rc;
}

/* rs_lock - one digest for every relay: SET NX with an expiry (a killed run frees it within the hour) */
static int rs_lock(struct lw_qstore *s, struct lw_error *err)
{
    struct lw_redis_pipe *p = lw_redis_pipe_new();
    char *k = key(s, "quarantine:digest-lock", "");
    char *v = g_strdup_printf("%s %d %08x", RS(s)->relay, (int) getpid(), g_random_int());
    const struct lw_redis_reply *r;
    int rc = -1;

    lw_redis_pipe_add(p, "SET", k, v, "NX", "EX", LOCK_SECONDS, NULL);
    if ((r = exec_last(s, p, err)) != NULL) {
        rc = str(r) ? 0 : 1;
        if (rc == 0)
            RS(s)->lock_value = g_strdup(v);
    }
    lw_redis_pipe_free(p);
    g_free(k);
    g_free(v);
    return rc;
}

/* unlock - drop the digest lock if it is still ours */
static void unlock(struct lw_qstore *s)
{
    struct lw_redis_pipe *p = lw_redis_pipe_new();
    char *k = key(s, "quarantine:digest-lock", "");
    const struct lw_redis_reply *r;
    struct lw_error ignored;

    lw_redis_pipe_add(p, "GET", k, NULL);
    if ((r = exec_last(s, p, &ignored)) != NULL && g_strcmp0(str(r), RS(s)->lock_value) == 0) {
        lw_redis_pipe_free(p);
        p = lw_redis_pipe_new();
        lw_redis_pipe_add(p, "DEL", k, NULL);
        (void) exec_last(s, p, &ignored);
    }
    lw_redis_pipe_free(p);
    g_free(k);
}

static void rs_close(struct lw_qstore *s)
{
    struct rstore *rs = s->priv;

    if (rs->lock_value)
        unlock(s);
    lw_redis_free(rs->redis);
    g_free(rs->prefix);
    g_free(rs->relay);
    g_free(rs->lock_value);
    g_free(rs);
}

/* ---- decisions ---- */

/*
 * rs_request - the reviewer's decision on the record (first wins) and on
 * the holding relay's stream, in one MULTI; 1 and err when it was decided
 */
static int rs_request(struct lw_qstore *s, const char *queue_id, const char *decision, const char *who,
                      gint64 when, struct lw_error *err)
{
    char *f[3] = { NULL, NULL, NULL }, *at, *stream;
    struct lw_redis_pipe *p;
    const struct lw_redis_reply *r;
    int rc;

    static const char *const names[] = { "relay", "decision", "decided_by", NULL };

    if ((rc = holder(s, queue_id, names, f, err)) != 0)
        return -1;
    if (f[1] && *f[1]) {
        lw_error_set(err, "%s: already %s by %s", queue_id, f[1], f[2] ? f[2] : "?");
        free_fields(f, 3);
        return 1;
    }
    p = lw_redis_pipe_new();
    at = usec(when);
    stream = key(s, "quarantine:decisions:", f[0]);
    decide_pipe(s, p, queue_id, decision, who, at, 1);
    lw_redis_pipe_add(p, "XADD", stream, "MAXLEN", "~", STREAM_MAX, "*", "queue_id", queue_id,
                      "decision", decision, "by", who, NULL);
    lw_redis_pipe_add(p, "EXEC", NULL);
    if ((r = exec_last(s, p, err)) == NULL || r->type != LW_REDIS_ARRAY) {
        rc = r ? lw_error_set(err, "%s: the decision was not recorded (MULTI aborted)", queue_id) : -1;
    } else if (elem(r, 0)->integer == 0) {
        /* another reviewer won the race; the stream entry is a duplicate the relay never acts on */
        lw_error_set(err, "%s: decided by another reviewer a moment ago", queue_id);
        rc = 1;
    }
    lw_redis_pipe_free(p);
    free_fields(f, 3);
    g_free(at);
    g_free(stream);
    return rc;
}

/* take - the [id, [field, value...]] entries of an XREADGROUP reply into out; the last id (borrowed) */
static const char *take(const struct lw_redis_reply *r, GPtrArray *out)
{
    const struct lw_redis_reply *list = elem(elem(r, 0), 1);
    const char *last = NULL;

    for (guint i = 0; list && i < list->elements->len; i++) {
        const struct lw_redis_reply *e = elem(list, i), *fv = elem(e, 1);
        struct lw_qdecision *d;

        if (str(elem(e, 0)) == NULL)
            continue;
        last = str(elem(e, 0));
        d = g_new0(struct lw_qdecision, 1);
        d->id = g_strdup(last);
        d->queue_id = g_strdup(field(fv, "queue_id") ? field(fv, "queue_id") : "");   /* "": trimmed away */
        g_ptr_array_add(out, d);
    }
    return last;
}

/* read_from - XREADGROUP from start ("0": this relay's unacknowledged entries, ">": new ones) until none */
static int read_from(struct lw_qstore *s, const char *stream, const char *start, GPtrArray *out,
                     struct lw_error *err)
{
    char *after = g_strdup(start);
    int rc = 0;

    for (;;) {
        struct lw_redis_pipe *p = lw_redis_pipe_new();
        const struct lw_redis_reply *r;
        const char *last;

        lw_redis_pipe_add(p, "XREADGROUP", "GROUP", GROUP, RS(s)->relay, "COUNT", "100",
                          "STREAMS", stream, after, NULL);
        if ((r = exec_last(s, p, err)) == NULL) {
            lw_redis_pipe_free(p);
            rc = -1;
            break;
        }
        last = take(r, out);
        if (last && strcmp(start, ">") != 0) {
            g_free(after);
            after = g_strdup(last);
        }
        lw_redis_pipe_free(p);
        if (last == NULL)
            break;
    }
    g_free(after);
    return rc;
}

static int rs_read_decisions(struct lw_qstore *s, GPtrArray *out, struct lw_error *err)
{
    struct lw_redis_pipe *p = lw_redis_pipe_new();
    char *stream = key(s, "quarantine:decisions:", RS(s)->relay);
    int rc;

    lw_redis_pipe_add(p, "XGROUP", "CREATE", stream, GROUP, "0", "MKSTREAM", NULL);
    rc = run(s, p, err);
    lw_redis_pipe_free(p);
    if (rc == 0)
        rc = read_from(s, stream, "0", out, err) < 0 || read_from(s, stream, ">", out, err) < 0 ? -1 : 0;
    g_free(stream);
    return rc;
}

/* rs_outcome - the outcome on the record; reopen: the decision taken off, the message held again */
static int rs_outcome(struct lw_qstore *s, const char *queue_id, const char *outcome, int reopen,
                      struct lw_error *err)
{
    static const char *const names[] = { "relay", "held_at", NULL };
    char *f[2] = { NULL, NULL }, *now, *rec, *hq, *dec;
    struct lw_redis_pipe *p;
    int rc;

    if (holder(s, queue_id, names, f, err) != 0)
        return -1;
    p = lw_redis_pipe_new();
    now = usec(g_get_real_time());
    rec = key(s, "quarantine:rec:", queue_id);
    hq = key(s, "quarantine:held", "");
    dec = key(s, "quarantine:decided", "");
    lw_redis_pipe_add(p, "MULTI", NULL);
    lw_redis_pipe_add(p, "HSET", rec, "outcome", outcome, "outcome_at", now, NULL);
    if (reopen) {
        lw_redis_pipe_add(p, "HDEL", rec, "decision", "decided_by", "decided_at", "applied", NULL);
        lw_redis_pipe_add(p, "ZREM", dec, queue_id, NULL);
        lw_redis_pipe_add(p, "ZADD", hq, f[1] ? f[1] : "0", queue_id, NULL);
    }
    lw_redis_pipe_add(p, "EXEC", NULL);
    rc = exec_last(s, p, err) ? 0 : -1;
    lw_redis_pipe_free(p);
    free_fields(f, 2);
    g_free(now);
    g_free(rec);
    g_free(hq);
    g_free(dec);
    return rc;
}

/*
 * rs_claim - 1 when this relay carries out d now: its record, decided,
 * and claimed by no entry before (HSETNX applied: never twice)
 */
static int rs_claim(struct lw_qstore *s, const struct lw_qdecision *d, char **decision, char **who,
                    struct lw_error *err)
{
    char *f[5] = { NULL, NULL, NULL, NULL, NULL }, *rec;
    struct lw_redis_pipe *p;
    const struct lw_redis_reply *r;
    int rc = 0;

    static const char *const names[] = { "relay", "decision", "decided_by", "applied", "outcome", NULL };

    if (!lw_queue_id_valid(d->queue_id)) {
        lw_error_set(err, "decision %s: no queue id (trimmed from the stream?)", d->id);
        return 0;
    }
    if ((rc = holder(s, d->queue_id, names, f, err)) != 0)
        return rc < 0 ? -1 : 0;
    if (strcmp(f[0], RS(s)->relay) != 0) {
        lw_error_set(err, "%s: held by relay %s, not this one (%s)", d->queue_id, f[0], RS(s)->relay);
    } else if (f[1] == NULL || *f[1] == '\0') {
        lw_error_set(err, "%s: no decision on the record", d->queue_id);
    } else if (f[3] != NULL) {
        lw_error_set(err, "%s: %s was carried out (or begun) before, by stream entry %s; not again",
                     d->queue_id, f[1], f[3]);
        if (strcmp(f[3], d->id) == 0 && (f[4] == NULL || *f[4] == '\0'))
            (void) rs_outcome(s, d->queue_id, "interrupted: not carried out twice", 0, NULL);
    } else {
        p = lw_redis_pipe_new();
        rec = key(s, "quarantine:rec:", d->queue_id);
        lw_redis_pipe_add(p, "HSETNX", rec, "applied", d->id, NULL);
        if ((r = exec_last(s, p, err)) == NULL) {
            rc = -1;
        } else if (r->integer == 1) {
            *decision = g_strdup(f[1]);
            *who = g_strdup(f[2] ? f[2] : "?");
            rc = 1;
        } else {
            lw_error_set(err, "%s: claimed by another run a moment ago; not again", d->queue_id);
        }
        lw_redis_pipe_free(p);
        g_free(rec);
    }
    free_fields(f, 5);
    return rc;
}

static int rs_ack(struct lw_qstore *s, const struct lw_qdecision *d, struct lw_error *err)
{
    struct lw_redis_pipe *p = lw_redis_pipe_new();
    char *stream = key(s, "quarantine:decisions:", RS(s)->relay);
    int rc;

    lw_redis_pipe_add(p, "XACK", stream, GROUP, d->id, NULL);
    rc = exec_last(s, p, err) ? 0 : -1;
    lw_redis_pipe_free(p);
    g_free(stream);
    return rc;
}

static const struct lw_qstore_ops redis_ops = {
    .name = "redis",
    .record = rs_record,
    .list = rs_list,
    .get = rs_get,
    .mark = rs_mark,
    .mark_reported = rs_mark_reported,
    .false_positive = rs_false_positive,
    .get_state = rs_get_state,
    .set_state = rs_set_state,
    .lock = rs_lock,
    .close = rs_close,
    .page = rs_page,
    .request = rs_request,
    .read_decisions = rs_read_decisions,
    .claim = rs_claim,
    .outcome = rs_outcome,
    .ack = rs_ack,
};

/* lw_qstore_redis_open - the shared store; nothing is connected until the first operation */
struct lw_qstore *lw_qstore_redis_open(const struct lw_config *cfg, struct lw_error *err)
{
    struct lw_qstore *s;
    struct rstore *rs;
    struct lw_redis *redis;

    if (!lw_redis_configured(cfg)) {
        lw_error_set(err, "quarantine_store = redis needs redis_server (or redis_sentinels)");
        return NULL;
    }
    if ((redis = lw_redis_new(cfg, "quarantine", 1, MAX(cfg->redis_timeout_ms, TIMEOUT_MS), err)) == NULL)
        return NULL;
    rs = g_new0(struct rstore, 1);
    rs->redis = redis;
    rs->prefix = g_strconcat(cfg->redis_prefix, NULL);
    rs->relay = g_strdup(lw_review_relay(cfg));
    s = g_new0(struct lw_qstore, 1);
    s->ops = &redis_ops;
    s->priv = rs;
    return s;
}
