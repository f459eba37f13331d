/*
 * hits.c - publish scored messages to the shared hits stream, spooling while Redis is down
 *
 * NAME
 *     lw_hits - the durable hand-off to the IOC exporter and the reports
 *
 * DESCRIPTION
 *     Every message with a non-zero score becomes one entry of the Redis
 *     Stream redis_prefix + hits_stream, with the fields
 *       event_id  a random UUID, unique per message and instance
 *       time      ISO 8601 UTC
 *       instance  instance_name (or the host name)
 *       queue_id  message_id  sender  rcpt_count  [rcpts]  subject
 *       score  action  rules (comma separated ids)  cached
 *       indicators  all indicators of the verdict as a JSON array of
 *                   {type, value, role}: role (model/indicator.h) says why
 *                   the message carries it; entries written before roles
 *                   have none, and readers treat those conservatively
 *       feeds     the partner feeds whose indicators the message matched
 *                 (comma separated; only when some did)
 *       feed_values  which values each of those feeds named, as a JSON
 *                 object {"FEED": [{type, value, role}...]} (only when
 *                 some did): a partner saw the values its feed holds,
 *                 not every value of the message
 *     rcpts (comma separated) only with hits_recipients = yes.
 *
 *     lw_hits_publish() builds the entry and puts it on a GAsyncQueue; one
 *     publisher thread owns the Redis connection (redis.c) and sends what
 *     it finds on the queue in pipelined batches. Scanning threads never
 *     wait for Redis.
 *
 *     Each entry goes through a small Lua script that appends it
 *     (XADD ... MAXLEN ~ hits_maxlen *) only if "SET hitid:<event_id> NX"
 *     succeeds, so sending an entry twice stores it once: an entry whose
 *     reply was lost (timeout) and is sent again is not doubled.
 *
 *     SPOOL. When Redis cannot be reached the batch is appended to
 *     spool_dir/hits.spool (one JSON object per line, written and fsynced
 *     per batch, under flock so several processes may share the
 *     directory). From then on new entries are appended behind it, so
 *     order is kept; every 200 ms the thread probes Redis and, once it
 *     answers, replays the whole spool in order and truncates it. A replay
 *     that fails part way is simply redone: the event ids make it
 *     idempotent. A spool left by a crash or by an exit while Redis was
 *     down is replayed when the next process starts. A torn last line
 *     (crash mid-write) is skipped.
 *
 *     A spool write that fails (disk full) is cut back to where it began
 *     (no torn line), its events are counted in spool_errors, and the
 *     first failure and the first good write after it are logged: with
 *     redis.c's two lines, the only lines this library code logs (the
 *     publisher thread has no caller to return an error to).
 *
 * LIMITS
 *     An event is lost only if the spool cannot be written (counted in
 *     spool_errors) or if it is published after lw_hits_stop(); it is
 *     doubled only if its dedupe key expired (hits_dedupe_ttl) before a
 *     replay of an entry that had in fact reached Redis. The stream is only
 *     as durable as Redis is configured to be (appendonly). The publisher
 *     waits up to max(redis_timeout_ms, 1 s) for a batch: it delays no mail.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "cache/hits.h"
#include "model/json.h"
#include "model/score.h"
#include "util/log.h"
#include "util/redis.h"

#define BATCH 256
#define PROBE_US (200 * 1000)
#define PUBLISH_TIMEOUT_MS 1000

static const char publish_script[] =
    "if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then return false end\n"
    "return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))\n";

struct lw_hits {
    struct lw_redis *redis;
    char *stream;               /* full key */
    char *id_prefix;            /* full key prefix of event ids */
    char *maxlen, *dedupe_ttl;
    char *instance;
    int with_rcpts;
    char *spool_path;
    int spool_fd;
    int spool_pending;          /* publisher thread only */
    int spool_broken;           /* the last spool write failed (publisher thread only) */

    GAsyncQueue *queue;         /* of GPtrArray (name, value, ...) or the stop mark */
    GThread *thread;
    struct lw_hits_stats st;    /* atomic */
};

static char stop_mark;

#define COUNT(h, field, n) __atomic_add_fetch(&(h)->st.field, (n), __ATOMIC_RELAXED)

int lw_hits_configured(const struct lw_config *cfg)
{
    return lw_redis_configured(cfg) && *cfg->hits_stream != '\0';
}

char *lw_hits_stats_format(const struct lw_hits_stats *st)
{
    return g_strdup_printf("queued=%" G_GUINT64_FORMAT " published=%" G_GUINT64_FORMAT " spooled=%"
                           G_GUINT64_FORMAT " replayed=%" G_GUINT64_FORMAT " duplicates=%" G_GUINT64_FORMAT
                           " rejected=%" G_GUINT64_FORMAT " spool_errors=%" G_GUINT64_FORMAT
                           " spool_depth=%" G_GUINT64_FORMAT,
                           st->queued, st->published, st->spooled, st->replayed, st->duplicates,
                           st->rejected, st->spool_errors, st->spool_depth);
}

void lw_hits_get_stats(struct lw_hits *h, struct lw_hits_stats *st)
{
    st->queued = __atomic_load_n(&h->st.queued, __ATOMIC_RELAXED);
    st->published = __atomic_load_n(&h->st.published, __ATOMIC_RELAXED);
    st->spooled = __atomic_load_n(&h->st.spooled, __ATOMIC_RELAXED);
    st->replayed = __atomic_load_n(&h->st.replayed, __ATOMIC_RELAXED);
    st->duplicates = __atomic_load_n(&h->st.duplicates, __ATOMIC_RELAXED);
    st->rejected = __atomic_load_n(&h->st.rejected, __ATOMIC_RELAXED);
    st->spool_errors = __atomic_load_n(&h->st.spool_errors, __ATOMIC_RELAXED);
    st->spool_depth = __atomic_load_n(&h->st.spool_depth, __ATOMIC_RELAXED);
}

/* ---- sending ---- */

/* add_event - the EVAL of one event */
static void add_event(struct lw_hits *h, struct lw_redis_pipe *p, const GPtrArray *ev)
{
    GPtrArray *argv = g_ptr_array_new();
    char *id_key = NULL;

    for (guint i = 0; i + 1 < ev->len; i += 2)
        if (strcmp(g_ptr_array_index(ev, i), "event_id") == 0)
            id_key = g_strconcat(h->id_prefix, (char *) g_ptr_array_index(ev, i + 1), NULL);
    if (id_key == NULL)
        id_key = g_strconcat(h->id_prefix, "missing", NULL);
    g_ptr_array_add(argv, "EVAL");
    g_ptr_array_add(argv, (gpointer) publish_script);
    g_ptr_array_add(argv, "2");
    g_ptr_array_add(argv, h->stream);
    g_ptr_array_add(argv, id_key);
    g_ptr_array_add(argv, h->dedupe_ttl);
    g_ptr_array_add(argv, h->maxlen);
    for (guint i = 0; i < ev->len; i++)
        g_ptr_array_add(argv, g_ptr_array_index(ev, i));
    lw_redis_pipe_addv(p, argv->len, (const char *const *) argv->pdata, NULL);
    g_ptr_array_unref(argv);
    g_free(id_key);
}

/* send_events - events[from, to) in one round trip; -1 when Redis failed */
static int send_events(struct lw_hits *h, GPtrArray *events, guint from, guint to, int replay)
{
    struct lw_redis_pipe *p = lw_redis_pipe_new();
    int rc = 0;

    for (guint i = from; i < to; i++)
        add_event(h, p, g_ptr_array_index(events, i));
    if (lw_redis_exec(h->redis, p, NULL) < 0) {
        rc = -1;
    } else {
        for (guint i = 0; i < to - from; i++) {
            const struct lw_redis_reply *rep = lw_redis_pipe_reply(p, i);

            if (rep->type == LW_REDIS_ERROR) {
                COUNT(h, rejected, 1);
            } else if (rep->type == LW_REDIS_NIL) {
                COUNT(h, duplicates, 1);
            } else {
                COUNT(h, published, 1);
                if (replay)
                    COUNT(h, replayed, 1);
            }
        }
    }
    lw_redis_pipe_free(p);
    return rc;
}

/* ---- the spool ---- */

/* spool_failed - n events lost: counted, and logged once per period of failure */
static void spool_failed(struct lw_hits *h, guint n, int errnum)
{
    COUNT(h, spool_errors, n);
    if (!h->spool_broken)
        lw_log_err("hits spool %s unwritable (%s): hit events are lost until it is writable again",
                   h->spool_path, g_strerror(errnum));
    h->spool_broken = 1;
}

/* spool_works - the first good write after a failure says so */
static void spool_works(struct lw_hits *h)
{
    if (h->spool_broken)
        lw_log_info("hits spool %s writable again", h->spool_path);
    h->spool_broken = 0;
}

/*
 * spool_append - events as JSON lines, fsynced; counts what could not be
 * written. A write that fails part way (disk full) is cut back to where it
 * began, so the spool never holds a torn line that would swallow the next
 * entry appended behind it.
 */
static void spool_append(struct lw_hits *h, GPtrArray *events)
{
    GString *buf = g_string_new(NULL);
    ssize_t off = 0, n = 0;
    struct stat st;
    int ok;

    for (guint i = 0; i < events->len; i++) {
        char *line = lw_fields_json(g_ptr_array_index(events, i));

        g_string_append(buf, line);
        g_string_append_c(buf, '\n');
        g_free(line);
    }
    if (h->spool_fd < 0 || flock(h->spool_fd, LOCK_EX) < 0) {
        spool_failed(h, events->len, h->spool_fd < 0 ? EBADF : errno);
        g_string_free(buf, TRUE);
        return;
    }
    if (fstat(h->spool_fd, &st) < 0)
        st.st_size = -1;        /* cannot cut back: never truncate blindly */
    while (off < (ssize_t) buf->len && ((n = write(h->spool_fd, buf->str + off, buf->len - off)) > 0
                                        || (n < 0 && errno == EINTR)))
        off += n > 0 ? n : 0;
    ok = off == (ssize_t) buf->len && fsync(h->spool_fd) == 0;
    if (ok) {
        COUNT(h, spooled, events->len);
        COUNT(h, spool_depth, events->len);
        spool_works(h);
    } else {
        int e = n == 0 ? ENOSPC : errno;

        if (st.st_size >= 0 && ftruncate(h->spool_fd, st.st_size) == 0)
            fsync(h->spool_fd);
        spool_failed(h, events->len, e);
    }
    flock(h->spool_fd, LOCK_UN);
    h->spool_pending = 1;
    g_string_free(buf, TRUE);
}

/* probe - does Redis answer now? */
static int probe(struct lw_hits *h)
{
    struct lw_redis_pipe *p = lw_redis_pipe_new();
    int rc;

    lw_redis_pipe_add(p, "PING", NULL);
    rc = lw_redis_exec(h->redis, p, NULL);
    lw_redis_pipe_free(p);
    return rc;
}

/*
 * spool_replay - send the whole spool in order, BATCH entries per round
 * trip, and empty it; -1 when Redis failed again (the spool is kept whole:
 * the entries already sent are deduplicated next time). A line without its
 * newline (torn by a crash) or not an entry is skipped.
 */
static int spool_replay(struct lw_hits *h)
{
    GPtrArray *batch = g_ptr_array_new_with_free_func((GDestroyNotify) g_ptr_array_unref);
    FILE *fp;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;

    if (h->spool_fd < 0 || probe(h) < 0 || flock(h->spool_fd, LOCK_EX) < 0) {
        g_ptr_array_unref(batch);
        return -1;
    }
    if ((fp = fopen(h->spool_path, "re")) != NULL) {
        while (rc == 0 && (n = getline(&line, &cap, fp)) > 0) {
            GPtrArray *ev;

            if (line[n - 1] != '\n')
                continue;
            line[n - 1] = '\0';
            if ((ev = lw_fields_parse(line)) != NULL)
                g_ptr_array_add(batch, ev);
            if (batch->len == BATCH) {
                rc = send_events(h, batch, 0, batch->len, 1);
                g_ptr_array_set_size(batch, 0);
            }
        }
        if (rc == 0 && batch->len > 0)
            rc = send_events(h, batch, 0, batch->len, 1);
        fclose(fp);
    }
    if (rc == 0) {
        if (ftruncate(h->spool_fd, 0) == 0)
            fsync(h->spool_fd);
        __atomic_store_n(&h->st.spool_depth, 0, __ATOMIC_RELAXED);
        h->spool_pending = 0;
    }
    flock(h->spool_fd, LOCK_UN);
    free(line);
    g_ptr_array_unref(batch);
    return rc;
}

/* spool_lines - complete lines (events) in a spool left by an earlier process */
static guint64 spool_lines(const char *path)
{
    FILE *fp = fopen(path, "re");
    guint64 n = 0;
    int c;

    if (fp == NULL)
        return 0;
    while ((c = getc(fp)) != EOF)
        n += c == '\n';
    fclose(fp);
    return n;
}

/* ---- the publisher thread ---- */

/* handle - send a batch, or spool it behind what is already spooled */
static void handle(struct lw_hits *h, GPtrArray *batch)
{
    if (batch->len == 0)
        return;
    if (!h->spool_pending && send_events(h, batch, 0, batch->len, 0) == 0)
        return;
    spool_append(h, batch);
    spool_replay(h);
}

static gpointer publisher(gpointer data)
{
    struct lw_hits *h = data;
    int stop = 0;

    if (h->spool_pending)
        spool_replay(h);
    while (!stop) {
        GPtrArray *batch = g_ptr_array_new_with_free_func((GDestroyNotify) g_ptr_array_unref);
        gpointer item = g_async_queue_timeout_pop(h->queue, h->spool_pending ? PROBE_US : G_USEC_PER_SEC);

        while (item != NULL) {
            if (item == &stop_mark) {
                stop = 1;
                break;
            }
            g_ptr_array_add(batch, item);
            if (batch->len >= BATCH)
                break;
            item = g_async_queue_try_pop(h->queue);
        }
        handle(h, batch);
        if (batch->len == 0 && h->spool_pending)
            spool_replay(h);
        g_ptr_array_unref(batch);
    }
    if (h->spool_pending) {
        /* last chance before exit: Redis may be back within the backoff */
        lw_redis_retry_now(h->redis);
        spool_replay(h);
    }
    return NULL;
}

/* ---- the API ---- */

struct lw_hits *lw_hits_new(const struct lw_config *cfg, struct lw_error *err)
{
    struct lw_hits *h = g_new0(struct lw_hits, 1);
    struct stat st;

    h->spool_fd = -1;
    /* The publisher delays no message: give Redis time for a batch of 256 entries. */
    if ((h->redis = lw_redis_new(cfg, "hits", 1, MAX(cfg->redis_timeout_ms, PUBLISH_TIMEOUT_MS), err)) == NULL) {
        g_free(h);
        return NULL;
    }
    h->stream = g_strconcat(cfg->redis_prefix, cfg->hits_stream, NULL);
    h->id_prefix = g_strconcat(cfg->redis_prefix, "hitid:", NULL);
    h->maxlen = g_strdup_printf("%lld", cfg->hits_maxlen);
    h->dedupe_ttl = g_strdup_printf("%lld", cfg->hits_dedupe_ttl);
    h->instance = g_strdup(*cfg->instance_name ? cfg->instance_name : g_get_host_name());
    h->with_rcpts = cfg->hits_recipients;
    h->spool_path = g_build_filename(cfg->spool_dir, "hits.spool", NULL);
    h->queue = g_async_queue_new();
    if (g_mkdir_with_parents(cfg->spool_dir, 0750) < 0
        || (h->spool_fd = open(h->spool_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        lw_error_set(err, "hits spool %s: %s", h->spool_path, g_strerror(errno));
        lw_hits_free(h);
        return NULL;
    }
    h->spool_pending = fstat(h->spool_fd, &st) == 0 && st.st_size > 0;
    if (h->spool_pending)
        h->st.spool_depth = spool_lines(h->spool_path);
    h->thread = g_thread_new("lw-hits", publisher, h);
    return h;
}

void lw_hits_stop(struct lw_hits *h)
{
    if (h == NULL || h->thread == NULL)
        return;
    g_async_queue_push(h->queue, &stop_mark);
    g_thread_join(h->thread);
    h->thread = NULL;
}

void lw_hits_free(struct lw_hits *h)
{
    if (h == NULL)
        return;
    lw_hits_stop(h);
    if (h->spool_fd >= 0)
        close(h->spool_fd);
    g_async_queue_unref(h->queue);
    lw_redis_free(h->redis);
    g_free(h->stream);
    g_free(h->id_prefix);
    g_free(h->maxlen);
    g_free(h->dedupe_ttl);
    g_free(h->instance);
    g_free(h->spool_path);
    g_free(h);
}

static void field(GPtrArray *ev, const char *name, const char *value)
{
    g_ptr_array_add(ev, g_strdup(name));
    g_ptr_array_add(ev, g_strdup(value ? value : ""));
}

/* rule_ids - "RULE1,RULE2" */
static char *rule_ids(const struct lw_verdict *v)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < v->hits->len; i++)
        g_string_append_printf(s, "%s%s", i ? "," : "", ((struct lw_hit *) g_ptr_array_index(v->hits, i))->rule);
    return g_string_free(s, FALSE);
}

/* feed_names - "FEED1,FEED2" of the sightings among the hits, each once (g_free), or NULL when none */
static char *feed_names(const struct lw_verdict *v)
{
    GPtrArray *seen = g_ptr_array_new();
    char *out;

    for (guint i = 0; i < v->hits->len; i++) {
        const struct lw_hit *hit = g_ptr_array_index(v->hits, i);

        if (hit->ioc_feed && *hit->ioc_feed && !strchr(hit->ioc_feed, ',')
            && !g_ptr_array_find_with_equal_func(seen, hit->ioc_feed, g_str_equal, NULL))
            g_ptr_array_add(seen, hit->ioc_feed);
    }
    g_ptr_array_add(seen, NULL);
    out = seen->len > 1 ? g_strjoinv(",", (char **) seen->pdata) : NULL;
    g_ptr_array_unref(seen);
    return out;
}

/*
 * decision_entry - a reviewer's decision on a held message, as a stream
 * entry of type TYPE: its own event_id (so replays stay idempotent), the
 * message by queue_id and the instance that held it, and who decided
 * (under BY_FIELD), plus one more field when extra is not NULL.
 */
static int decision_entry(struct lw_hits *h, const char *type, const char *queue_id, const char *instance,
                          const char *message_id, const char *extra, const char *extra_value,
                          const char *by_field, const char *by)
{
    GPtrArray *ev = g_ptr_array_new_with_free_func(g_free);
    GDateTime *now = g_date_time_new_now_utc();
    char *s;

    field(ev, "event_id", s = g_uuid_string_random());
    g_free(s);
    field(ev, "type", type);
    field(ev, "time", s = g_date_time_format_iso8601(now));
    g_free(s);
    g_date_time_unref(now);
    field(ev, "instance", instance && *instance ? instance : h->instance);
    field(ev, "queue_id", queue_id);
    field(ev, "message_id", message_id);
    if (extra)
        field(ev, extra, extra_value);
    field(ev, by_field, by);
    COUNT(h, queued, 1);
    g_async_queue_push(h->queue, ev);
    return 1;
}

/*
 * lw_hits_publish_release - a reviewer released a held message: it was a
 * false positive, and exporters must not share its indicators (type
 * release, released_by).
 */
int lw_hits_publish_release(struct lw_hits *h, const char *queue_id, const char *instance,
                            const char *message_id, const char *released_by)
{
    return decision_entry(h, "release", queue_id, instance, message_id, NULL, NULL, "released_by", released_by);
}

/*
 * lw_hits_publish_confirm - a reviewer deleted a held message or blocked
 * its sender: the verdict was right (type confirm, decision, confirmed_by).
 */
int lw_hits_publish_confirm(struct lw_hits *h, const char *queue_id, const char *instance,
                            const char *message_id, const char *decision, const char *confirmed_by)
{
    return decision_entry(h, "confirm", queue_id, instance, message_id, "decision", decision,
                          "confirmed_by", confirmed_by);
}

int lw_hits_publish(struct lw_hits *h, const struct lw_message *msg, const struct lw_verdict *v)
{
    return lw_hits_publish_as(h, msg, v, msg && msg->env ? msg->env->queue_id : NULL);
}

int lw_hits_publish_as(struct lw_hits *h, const struct lw_message *msg, const struct lw_verdict *v,
                       const char *queue_id)
{
    GPtrArray *ev;
    const struct lw_envelope *env = msg ? msg->env : NULL;
    GDateTime *now;
    char *s, num[64];
    guint n_rcpts = env && env->rcpts ? env->rcpts->len : 0;

    if (v->score == 0)
        return 0;
    ev = g_ptr_array_new_with_free_func(g_free);
    field(ev, "event_id", s = g_uuid_string_random());
    g_free(s);
    now = g_date_time_new_now_utc();
    field(ev, "time", s = g_date_time_format_iso8601(now));
    g_free(s);
    g_date_time_unref(now);
    field(ev, "instance", h->instance);
    field(ev, "queue_id", queue_id);
    field(ev, "message_id", msg ? msg->message_id : NULL);
    field(ev, "sender", env && env->mail_from ? env->mail_from
                        : msg && msg->from ? msg->from->addr : NULL);
    g_snprintf(num, sizeof(num), "%u", n_rcpts);
    field(ev, "rcpt_count", num);
    if (h->with_rcpts && n_rcpts > 0) {
        GString *all = g_string_new(NULL);

        for (guint i = 0; i < n_rcpts; i++)
            g_string_append_printf(all, "%s%s", i ? "," : "", (char *) g_ptr_array_index(env->rcpts, i));
        field(ev, "rcpts", all->str);
        g_string_free(all, TRUE);
    }
    field(ev, "subject", msg ? msg->subject : NULL);
    g_snprintf(num, sizeof(num), "%.2f", v->score);
    field(ev, "score", num);
    field(ev, "action", lw_action_name(v->action));
    field(ev, "rules", s = rule_ids(v));
    g_free(s);
    field(ev, "cached", v->cached ? "1" : "0");
    field(ev, "indicators", s = lw_indicators_json(v->indicators));
    g_free(s);
    if ((s = feed_names(v)) != NULL)
        field(ev, "feeds", s);
    g_free(s);
    if ((s = lw_feed_values_json(v)) != NULL)
        field(ev, "feed_values", s);
    g_free(s);
    COUNT(h, queued, 1);
    g_async_queue_push(h->queue, ev);
    return 1;
}
