/*
 * engine.c - the scanning engine: analyzers loaded once, shared, swapped whole
 *
 * An engine is an immutable snapshot: the configuration it was built from
 * and the state of every analyzer (compiled rules, signature databases,
 * indicator stores). lw_engine_new() takes ownership of the configuration
 * and initializes the analyzers in registry order; if any refuses, the
 * whole engine is refused with that analyzer's reason, and nothing leaks.
 *
 * Engines are reference counted. A scanner (a milter connection, a CLI run)
 * holds a reference while it works; a reload builds a new engine and
 * publishes it, and the old one is freed by whoever drops its last
 * reference. Nothing in an engine changes after lw_engine_new() returns, so
 * any number of threads may scan with it at once.
 *
 * lw_engine_scan() is the single entry point shared by the milter, the
 * command-line scanner, the tests, the benchmarks and the fuzzers.
 *
 * VERDICT CACHE. The engine owns a cache (cache.c: Redis, or an in-process
 * LRU). lw_engine_check() parses a message's header alone and looks its
 * verdict up by the key of its raw bytes (cache/key.c: the header fields
 * but those that differ per copy, the body's SHA-256, and what the cached
 * analyzers read of the fields left out, through their key hooks) under
 * this engine's tag, in one round trip. On a hit the message is never
 * parsed whole: the verdict is rebuilt from the cache (v->cached = 1) and
 * the per-message analyzers, the campaign step (with the content summary
 * cached with the verdict) and the finish hooks read the header; what the
 * content analyzers' finish hooks added from the body on the scanned copy
 * is kept in the entry and added again (finish()). On a miss
 * the message is parsed, the antivirus results of its parts and the
 * campaign counters fetched in a second round trip, the content analyzers
 * run, and their verdict is stored with the summary in a third. The
 * analyzers get the message's round trip as an argument of scan, never
 * through the verdict. The
 * engine tag hashes what else a verdict depends on: what the analyzers
 * loaded (rules, feeds, brands, the signature version) and the keys the
 * configuration table marks as changing verdicts, so new rules, feeds or
 * signatures never serve an old verdict, while instances that differ only
 * in keys acting after the cache (thresholds, actions) share their verdicts.
 */
#include "config.h"

#include <string.h>

#include "engine.h"
#include "analyzer.h"
#include "campaign.h"
#include "identity.h"
#include "cache/cache.h"
#include "cache/key.h"
#include "indicators/warninglist.h"
#include "model/json.h"
#include "model/message.h"
#include "model/score.h"
#include "util/redis.h"

/*
 * The registry: every analyzer, in the order it runs. A per-message one
 * judges more than the content the cache fingerprint covers, so it runs on
 * every message, also when the verdict of the others comes from the cache,
 * and its hits are never cached. After them all, the campaign step
 * (campaign.c), which reads their score.
 */
static const struct {
    const struct lw_analyzer *a;
    int per_message;
} registry[] = {
    { &lw_analyzer_structure, 0 },
    { &lw_analyzer_rules, 0 },
    { &lw_analyzer_attachments, 0 },
    { &lw_analyzer_ioc, 0 },
    /* social-engineering heuristics (issue 5) */
    { &lw_analyzer_impersonation, 0 },
    { &lw_analyzer_lookalike, 0 },
    { &lw_analyzer_headers, 1 },    /* the envelope, Received, authentication stamps */
    { &lw_analyzer_links, 0 },
};

#define N_ANALYZERS G_N_ELEMENTS(registry)

struct lw_engine {
    gint refcount;
    struct lw_config *cfg;
    struct lw_shared shared;    /* loaded once, lent to every analyzer (analyzer.h) */
    void *state[N_ANALYZERS];
    struct lw_cache *cache;     /* NULL when cache_entries = 0 and no Redis */
    char *signature_version;    /* the first analyzer version, or NULL */
    char tag[17];               /* hash of what verdicts depend on besides the message */
    GPtrArray *problems;        /* char *: what the analyzers met at init without refusing */
};

static void engine_destroy(struct lw_engine *e)
{
    for (size_t i = 0; i < N_ANALYZERS; i++)
        if (e->state[i] && registry[i].a->fini)
            registry[i].a->fini(e->state[i]);
    lw_identity_free(e->shared.id);
    lw_warninglists_free(e->shared.wl);
    lw_cache_free(e->cache);
    g_ptr_array_unref(e->problems);
    g_free(e->signature_version);
    lw_config_free(e->cfg);
    g_free(e);
}

/*
 * engine_loaded - gather what the analyzers loaded (their loaded hooks):
 * the problems they met, the version every verdict carries, and the tag of
 * cached verdicts: this program's version, the data the engine shares (brand
 * list, warninglists) and each analyzer's own as loaded (rules text, feeds,
 * signature version), and the configuration keys that change verdicts
 * (lw_config_tag). Nothing is re-read from disk here.
 */
static void engine_loaded(struct lw_engine *e)
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);

    g_checksum_update(sum, (const guchar *) PACKAGE_VERSION, -1);
    lw_identity_tag(e->shared.id, sum);
    if (e->shared.wl)
        g_checksum_update(sum, (const guchar *) lw_warninglists_sha256(e->shared.wl), -1);
    for (size_t i = 0; i < N_ANALYZERS; i++) {
        struct lw_loaded out = { sum, NULL, e->problems };

        g_checksum_update(sum, (const guchar *) registry[i].a->name, (gssize) strlen(registry[i].a->name) + 1);
        if (registry[i].a->loaded && e->state[i])
            registry[i].a->loaded(e->state[i], &out);
        if (out.version && e->signature_version == NULL)
            e->signature_version = g_strdup(out.version);
    }
    lw_config_tag(e->cfg, sum);
    g_strlcpy(e->tag, g_checksum_get_string(sum), sizeof(e->tag));
    g_checksum_free(sum);
}

/* lw_engine_new - initialize every analyzer; takes cfg; NULL and err on refusal */
struct lw_engine *lw_engine_new(struct lw_config *cfg, struct lw_error *err)
{
    return lw_engine_reload(cfg, NULL, err);
}

/*
 * lw_engine_reload - as lw_engine_new, but each analyzer's init is given
 * its state in prev (the engine being replaced, still in use and not
 * changed) and may keep part of it.
 */
struct lw_engine *lw_engine_reload(struct lw_config *cfg, const struct lw_engine *prev,
                                   struct lw_error *err)
{
    struct lw_engine *e = g_new0(struct lw_engine, 1);
    struct lw_error why;

    e->refcount = 1;
    e->cfg = cfg;
    e->problems = g_ptr_array_new_with_free_func(g_free);
    if ((e->shared.id = lw_identity_new(cfg, &why)) == NULL
        || lw_warninglists_configured(cfg, &e->shared.wl, &why) < 0) {
        lw_error_set(err, "%s", why.text);
        engine_destroy(e);
        return NULL;
    }
    for (size_t i = 0; i < N_ANALYZERS; i++) {
        const struct lw_analyzer *a = registry[i].a;
        int rc = 0;

        if (a->init)
            rc = a->init(cfg, &e->shared, prev ? prev->state[i] : NULL, &e->state[i], &why);
        if (rc < 0) {
            lw_error_set(err, "%s", why.text);
            engine_destroy(e);
            return NULL;
        }
    }
    if ((cfg->cache_entries > 0 || lw_redis_configured(cfg))
        && (e->cache = lw_cache_new(cfg, &why)) == NULL) {
        lw_error_set(err, "%s", why.text);
        engine_destroy(e);
        return NULL;
    }
    engine_loaded(e);
    return e;
}

/* lw_engine_problems - char *: problems met building e that did not refuse it (owned by e) */
const GPtrArray *lw_engine_problems(const struct lw_engine *e)
{
    return e->problems;
}

struct lw_cache *lw_engine_cache(const struct lw_engine *e)
{
    return e->cache;
}

const char *lw_engine_signature_version(const struct lw_engine *e)
{
    return e->signature_version;
}

struct lw_engine *lw_engine_ref(struct lw_engine *e)
{
    g_atomic_int_inc(&e->refcount);
    return e;
}

void lw_engine_unref(struct lw_engine *e)
{
    if (e && g_atomic_int_dec_and_test(&e->refcount))
        engine_destroy(e);
}

const struct lw_config *lw_engine_config(const struct lw_engine *e)
{
    return e->cfg;
}

struct lw_message *lw_engine_parse(const struct lw_engine *e, const char *raw, size_t len,
                                   const struct lw_envelope *env)
{
    return lw_message_parse(raw, len, env, e->cfg);
}

/* lw_engine_stale - ask every analyzer whether what it loaded changed */
int lw_engine_stale(const struct lw_engine *e)
{
    for (size_t i = 0; i < N_ANALYZERS; i++)
        if (registry[i].a->stale && e->state[i] && registry[i].a->stale(e->state[i]))
            return 1;
    return 0;
}

/* lw_engine_action - the action the thresholds give a score */
enum lw_action lw_engine_action(const struct lw_config *cfg, double score)
{
    return lw_score_action(cfg, score);
}

/* apply_score_overrides - "score.RULE = N" from the configuration wins over built-in scores */
static void apply_score_overrides(const struct lw_config *cfg, struct lw_verdict *v)
{
    if (g_hash_table_size(cfg->rule_scores) == 0)
        return;
    v->score = 0;
    for (guint i = 0; i < v->hits->len; i++) {
        struct lw_hit *hit = g_ptr_array_index(v->hits, i);

        hit->score = lw_config_rule_score(cfg, hit->rule, hit->score);
        v->score += hit->score;
    }
    v->sum = v->score;
}

/* run_analyzers - the content analyzers (per_message 0) or the per-message ones (1) */
static void run_analyzers(const struct lw_engine *e, const struct lw_message *msg,
                          struct lw_cache_session *s, struct lw_verdict *v, int per_message)
{
    for (size_t i = 0; i < N_ANALYZERS; i++) {
        struct lw_error why = { "" };

        if (registry[i].per_message != per_message)
            continue;
        if (registry[i].a->scan(e->state[i], msg, s, v, &why) < 0)
            lw_verdict_fail(v, "%s: %s", registry[i].a->name, why.text);
    }
}

/*
 * cache_key - the message's key in the verdict cache: the engine tag and
 * lw_key (cache/key.c) over the raw bytes, with what the cached analyzers
 * read of the fields it leaves out (their key hooks) and the header's own
 * limits and parser warnings (offsets dropped: a longer trace shifts
 * them), which the structure analyzer reads. hdr is the header model
 * (lw_message_parse_header); body_sha256, when not NULL, is the hex
 * SHA-256 of raw[body_offset..len), summed as the bytes came. NULL when an
 * analyzer could not say what it reads (out of memory).
 */
static char *cache_key(const struct lw_engine *e, const struct lw_message *hdr, const char *raw, size_t len,
                       const char *body_sha256, size_t body_offset)
{
    GString *read = g_string_new(NULL);
    char *body = NULL, *k, *key = NULL;
    size_t hlen = hdr->raw_len;

    for (size_t i = 0; i < N_ANALYZERS; i++)
        if (!registry[i].per_message && registry[i].a->key && e->state[i]
            && registry[i].a->key(e->state[i], hdr, read) < 0)
            goto out;
    for (guint i = 0; i < hdr->limits->len; i++)
        lw_key_add(read, "limit", g_ptr_array_index(hdr->limits, i));
    for (guint i = 0; i < hdr->warnings->len; i++) {
        const char *w = ((const struct lw_warning *) g_ptr_array_index(hdr->warnings, i))->text;
        const char *code = strstr(w, "code ");

        lw_key_add(read, "warning", code ? code : w);
    }
    if (body_sha256 == NULL || body_offset != hlen)
        body_sha256 = body = lw_sha256_hex(raw + hlen, len - hlen);
    k = lw_key(raw, hlen, body_sha256, read);
    key = g_strdup_printf("v:%s:%s", e->tag, k);
    g_free(k);
out:
    g_free(body);
    g_string_free(read, TRUE);
    return key;
}

/*
 * cache_use - rebuild the verdict, the message's summary and what the
 * finish hooks added from the cache; 1 on a hit
 */
static int cache_use(struct lw_cache_session *s, const char *key, struct lw_verdict *v, struct lw_summary **sum,
                     struct lw_cache_finish **fin)
{
    const char *cached = lw_cache_value(s, key);
    int hit = cached != NULL && lw_verdict_cache_decode(cached, v, sum, fin) == 0;

    lw_cache_account(s, hit);
    v->cached = hit;
    return hit;
}

/* cache_lookup - the message's session, its key and the cached verdict in one round trip; 1 on a hit */
static int cache_lookup(const struct lw_engine *e, const struct lw_message *hdr, const char *raw, size_t len,
                        const char *body_sha256, size_t body_offset, struct lw_cache_session **s, char **key,
                        struct lw_cache_finish **fin, struct lw_verdict *v, struct lw_summary **sum)
{
    if (hdr->unparseable || (*key = cache_key(e, hdr, raw, len, body_sha256, body_offset)) == NULL)
        return 0;
    *s = lw_cache_session_new(e->cache);
    lw_cache_want(*s, *key);
    lw_cache_fetch(*s);
    return cache_use(*s, *key, v, sum, fin);
}

/*
 * content_scan - a miss: the antivirus results of the parts and the
 * campaign counters in a second round trip, and the content analyzers;
 * the cache entry of their verdict with the message's summary, when the
 * verdict is to be cached (finish() completes it, lw_cache_entry_dump)
 */
static struct lw_cache_entry *content_scan(const struct lw_engine *e, const struct lw_message *msg,
                                           struct lw_cache_session *s, const char *key,
                                           struct lw_summary *sum, struct lw_verdict *v)
{
    if (s != NULL) {
        for (guint i = 0; i < msg->parts->len; i++) {
            const struct lw_part *part = g_ptr_array_index(msg->parts, i);

            if (e->signature_version && !part->is_message)
                lw_cache_want_attachment(s, part->sha256, e->signature_version);
        }
        lw_campaign_want(e->cfg, msg, sum, s);
        lw_cache_fetch(s);
    }
    run_analyzers(e, msg, s, v, 0);
    if (s != NULL && key != NULL && !msg->unparseable && !v->failed && !v->transient)
        return lw_cache_entry_new(v, sum);
    return NULL;
}

/* finish_added - the indicators a finish hook added, or whose role it changed (roles: each one's before) */
static GPtrArray *finish_added(const GArray *roles, const GPtrArray *inds)
{
    GPtrArray *added = g_ptr_array_new();

    for (guint i = 0; i < inds->len; i++) {
        const struct lw_indicator *ind = g_ptr_array_index(inds, i);

        if (i >= roles->len || g_array_index(roles, enum lw_ioc_role, i) != ind->role)
            g_ptr_array_add(added, (gpointer) ind);
    }
    return added;
}

/* indicator_roles - the role of each of v's indicators */
static GArray *indicator_roles(const struct lw_verdict *v)
{
    GArray *roles = g_array_sized_new(FALSE, FALSE, sizeof(enum lw_ioc_role), v->indicators->len);

    for (guint i = 0; i < v->indicators->len; i++)
        g_array_append_val(roles, ((const struct lw_indicator *) g_ptr_array_index(v->indicators, i))->role);
    return roles;
}

/*
 * finish - the analyzers' finish hooks, in order. A content analyzer's hook
 * reads the body, which a cache hit never parses: on a miss, what it added
 * goes into the cache entry ce; on a hit, what it added then (fin) is added
 * again where it ran, when the verdict scores at least what it scored then
 * (each hook acts above a score: never more than a scan would add)
 */
static void finish(const struct lw_engine *e, const struct lw_message *msg, struct lw_verdict *v,
                   struct lw_cache_entry *ce, const struct lw_cache_finish *fin)
{
    for (size_t i = 0; i < N_ANALYZERS && !v->failed; i++) {
        const struct lw_analyzer *a = registry[i].a;
        GArray *roles = a->finish && ce && !registry[i].per_message ? indicator_roles(v) : NULL;

        if (a->finish)
            a->finish(e->state[i], msg, v);
        if (roles != NULL) {
            GPtrArray *added = finish_added(roles, v->indicators);

            lw_cache_entry_add_finish(ce, a->name, added);
            g_ptr_array_unref(added);
            g_array_unref(roles);
        }
        if (fin != NULL && !registry[i].per_message && v->score >= fin->score) {
            const GPtrArray *again = g_hash_table_lookup(fin->added, a->name);

            for (guint j = 0; again && j < again->len; j++) {
                const struct lw_indicator *ind = g_ptr_array_index(again, j);

                lw_verdict_add_indicator(v, ind->role, ind->type, ind->value);
            }
        }
    }
}

/* fault_injected - does msg carry the fault_inject_header (tests of the failure policy)? */
static int fault_injected(const struct lw_engine *e, const struct lw_message *msg)
{
    return *e->cfg->fault_inject_header && lw_message_header(msg, e->cfg->fault_inject_header) != NULL;
}

/*
 * judge - the analyzers over the message (or its verdict from the cache)
 * and the action. raw (len bytes) is the message; given, when not NULL,
 * is its model already parsed. With a cache the header alone is parsed
 * first and the verdict looked up by the raw bytes' key; on a hit the
 * message is never parsed whole: the per-message analyzers, the campaign
 * step (with the cached summary) and the finish hooks read the header
 * model. *out (when out is not NULL) gets the model the verdict was made
 * from: the whole message, or its header on a hit.
 */
static struct lw_verdict *judge(const struct lw_engine *e, const char *raw, size_t len,
                                const struct lw_envelope *env, const char *body_sha256, size_t body_offset,
                                const struct lw_message *given, struct lw_message **out)
{
    struct lw_verdict *v = lw_verdict_new();
    gint64 t0 = g_get_monotonic_time();
    struct lw_cache_session *s = NULL;
    struct lw_message *hdr = NULL, *parsed = NULL;
    const struct lw_message *msg;
    struct lw_summary *sum = NULL;
    struct lw_cache_entry *ce = NULL;
    struct lw_cache_finish *fin = NULL;
    char *key = NULL, *entry;
    double score;
    int hit = 0;

    v->signature_version = g_strdup(e->signature_version);
    if (e->cache != NULL && raw != NULL)
        hdr = lw_message_parse_header(raw, len, env, e->cfg);
    if (hdr != NULL && !fault_injected(e, hdr))
        hit = cache_lookup(e, hdr, raw, len, body_sha256, body_offset, &s, &key, &fin, v, &sum);
    msg = given ? given : hit ? hdr : (parsed = lw_message_parse(raw, len, env, e->cfg));
    if (fault_injected(e, msg)) {
        lw_verdict_fail(v, "fault injected by header %s", e->cfg->fault_inject_header);
    } else {
        if (s == NULL && e->cache != NULL && !msg->unparseable)
            s = lw_cache_session_new(e->cache);
        if (hit) {
            lw_campaign_want(e->cfg, msg, sum, s);
            lw_cache_fetch(s);
        } else {
            sum = s != NULL ? lw_campaign_summary(msg) : NULL;
            ce = content_scan(e, msg, s, key, sum, v);
        }
        run_analyzers(e, msg, s, v, 1);
        if (s != NULL)
            lw_campaign_scan(e->cfg, msg, sum, s, v);  /* counters need the cache */
    }
    apply_score_overrides(e->cfg, v);
    lw_verdict_fold(v, e->cfg);       /* score by class, and the action (model/score.c) */
    score = v->score;                 /* what the finish hooks act on */
    finish(e, msg, v, ce, fin);
    if (ce != NULL && (entry = lw_cache_entry_dump(ce, score)) != NULL) {
        lw_cache_put(s, key, entry, e->cfg->cache_verdict_ttl);
        g_free(entry);
    }
    lw_cache_store(s);
    lw_cache_finish_free(fin);
    lw_cache_session_free(s);
    lw_summary_free(sum);
    g_free(key);
    if (out != NULL) {
        *out = hit ? hdr : parsed;
        hdr = hit ? NULL : hdr;
        parsed = NULL;
    }
    lw_message_free(hdr);
    lw_message_free(parsed);
    v->elapsed_ms = (double) (g_get_monotonic_time() - t0) / 1000.0;
    return v;
}

/* lw_engine_check - judge raw bytes, parsing no more than the verdict needs */
struct lw_verdict *lw_engine_check(const struct lw_engine *e, const char *raw, size_t len,
                                   const struct lw_envelope *env, const char *body_sha256, size_t body_offset,
                                   struct lw_message **msg)
{
    return judge(e, raw, len, env, body_sha256, body_offset, NULL, msg);
}

/* lw_engine_scan - run the analyzers over msg (or use the cache) and decide the action */
struct lw_verdict *lw_engine_scan(const struct lw_engine *e, const struct lw_message *msg)
{
    return judge(e, msg->raw, msg->raw_len, msg->env, NULL, 0, msg, NULL);
}
