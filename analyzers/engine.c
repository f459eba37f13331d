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
 * LRU). For each message it gathers, in one round trip, the cached verdict
 * of the message's fingerprint (lw_fingerprint) under this engine's tag,
 * the cached antivirus results of its parts, and what the per-message
 * analyzers prepare (campaign counters). On a hit the content analyzers
 * are skipped and the verdict is rebuilt from the cache (v->cached = 1);
 * on a miss they run and their verdict is stored with the message's other
 * writes in a second round trip. Per-message analyzers always run. The
 * engine tag hashes what else a verdict depends on (analyzer versions such
 * as the signature version, the configuration, and the files it names:
 * rules, indicator feeds), so new rules, feeds or signatures never serve
 * an old verdict, while instances configured alike share their verdicts.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "analyzer.h"
#include "cache/cache.h"
#include "model/json.h"
#include "model/score.h"
#include "util/redis.h"
#include "util/sort.h"

/* The registry: every analyzer, in the order it runs. */
static const struct lw_analyzer *const registry[] = {
    &lw_analyzer_structure,
    &lw_analyzer_rules,
    &lw_analyzer_clamav,
    &lw_analyzer_ioc,
    /* social-engineering heuristics (issue 5) */
    &lw_analyzer_impersonation,
    &lw_analyzer_lookalike,
    &lw_analyzer_headers,
    &lw_analyzer_links,
    &lw_analyzer_campaign,      /* per-message: after the others, it reads their score */
};

#define N_ANALYZERS G_N_ELEMENTS(registry)

struct lw_engine {
    gint refcount;
    struct lw_config *cfg;
    void *state[N_ANALYZERS];
    struct lw_cache *cache;     /* NULL when cache_entries = 0 and no Redis */
    char *signature_version;    /* the first analyzer version, or NULL */
    char tag[17];               /* hash of what verdicts depend on besides the message */
    GPtrArray *problems;        /* char *: what the analyzers met at init without refusing */
};

static void engine_destroy(struct lw_engine *e)
{
    for (size_t i = 0; i < N_ANALYZERS; i++)
        if (e->state[i] && registry[i]->fini)
            registry[i]->fini(e->state[i]);
    lw_cache_free(e->cache);
    g_ptr_array_unref(e->problems);
    g_free(e->signature_version);
    lw_config_free(e->cfg);
    g_free(e);
}

/*
 * Keys that do not change what the content analyzers find: instances that
 * share Redis differ in these and must still share verdicts. ClamAV's
 * databases are stood for by the signature version (hashing them would
 * read hundreds of megabytes at every load). The report, export and
 * Postfix keys belong to other programs; their directories are never
 * read here (postfix_command_dir is /usr/sbin: hashing it cost 0.4 s of
 * CPU at every engine load).
 */
static const char *const tag_ignored[] = {
    "instance_name", "milter_socket", "user", "socket_mode", "log_target", "log_level",
    "spool_dir", "quarantine_dir", "clamav_db", "clamav_tmpdir", "cache_entries",
    "cache_verdict_ttl", "cache_attachment_ttl", "reload_check_interval", NULL,
};
static const char *const tag_ignored_prefixes[] = {
    "redis_", "hits_", "campaign_", "first_contact", "report_", "export_", "postfix_", NULL,
};

static int tag_ignores(const char *key)
{
    for (int i = 0; tag_ignored[i]; i++)
        if (strcmp(key, tag_ignored[i]) == 0)
            return 1;
    for (int i = 0; tag_ignored_prefixes[i]; i++)
        if (g_str_has_prefix(key, tag_ignored_prefixes[i]))
            return 1;
    return 0;
}

/* sum_file - the content of a regular file, or of each regular file of a directory */
static void sum_file(GChecksum *sum, const char *path)
{
    gchar *text = NULL;
    gsize len = 0;
    GDir *dir;

    if (g_file_test(path, G_FILE_TEST_IS_REGULAR) && g_file_get_contents(path, &text, &len, NULL)) {
        g_checksum_update(sum, (const guchar *) text, (gssize) len);
        g_free(text);
    } else if (g_file_test(path, G_FILE_TEST_IS_DIR) && (dir = g_dir_open(path, 0, NULL)) != NULL) {
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
        const char *name;

        while ((name = g_dir_read_name(dir)) != NULL)
            g_ptr_array_add(names, g_strdup(name));
        g_dir_close(dir);
        g_ptr_array_sort(names, lw_cmp_strptr);
        for (guint i = 0; i < names->len; i++) {
            gchar *file = g_build_filename(path, (char *) g_ptr_array_index(names, i), NULL);

            if (g_file_test(file, G_FILE_TEST_IS_REGULAR)) {
                g_checksum_update(sum, (const guchar *) g_ptr_array_index(names, i), -1);
                sum_file(sum, file);
            }
            g_free(file);
        }
        g_ptr_array_unref(names);
    }
}

/*
 * engine_tag - hash what verdicts depend on besides the message: the
 * analyzer versions (the signature version), every key of the
 * configuration but the operational ones above (thresholds, limits, score
 * overrides), and the content of every file or directory a key names (the
 * rules file, the indicator feeds, lists added later).
 */
static void engine_tag(struct lw_engine *e)
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    char *dump = NULL;
    size_t dump_len = 0;
    FILE *fp = open_memstream(&dump, &dump_len);
    gchar **lines;

    g_checksum_update(sum, (const guchar *) PACKAGE_VERSION, -1);
    for (size_t i = 0; i < N_ANALYZERS; i++) {
        const char *version = registry[i]->version ? registry[i]->version(e->state[i]) : NULL;

        g_checksum_update(sum, (const guchar *) registry[i]->name, -1);
        g_checksum_update(sum, (const guchar *) (version ? version : "-"), -1);
        if (version && e->signature_version == NULL)
            e->signature_version = g_strdup(version);
    }
    if (fp != NULL) {
        lw_config_dump(e->cfg, fp, 0);
        fclose(fp);
    }
    lines = g_strsplit(dump ? dump : "", "\n", -1);
    for (int i = 0; lines[i]; i++) {
        char *eq = strstr(lines[i], " = "), *value;
        size_t n;

        if (eq == NULL)
            continue;
        *eq = '\0';
        value = eq + 3;
        if (tag_ignores(lines[i]))
            continue;
        g_checksum_update(sum, (const guchar *) lines[i], -1);
        g_checksum_update(sum, (const guchar *) value, -1);
        n = strlen(value);
        if (n > 2 && value[0] == '"' && value[n - 1] == '"') {
            value[n - 1] = '\0';
            if (g_file_test(value + 1, G_FILE_TEST_EXISTS))
                sum_file(sum, value + 1);
        }
    }
    g_strlcpy(e->tag, g_checksum_get_string(sum), sizeof(e->tag));
    g_strfreev(lines);
    free(dump);
    g_checksum_free(sum);
}

/* lw_engine_new - initialize every analyzer; takes cfg; NULL and err on refusal */
struct lw_engine *lw_engine_new(struct lw_config *cfg, struct lw_error *err)
{
    return lw_engine_reload(cfg, NULL, err);
}

/*
 * lw_engine_reload - as lw_engine_new, but analyzers with a reinit hook
 * see the state of prev (the engine being replaced, still in use and not
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
    for (size_t i = 0; i < N_ANALYZERS; i++) {
        const struct lw_analyzer *a = registry[i];
        int rc = 0;

        if (a->reinit)
            rc = a->reinit(cfg, prev ? prev->state[i] : NULL, &e->state[i], &why);
        else if (a->init)
            rc = a->init(cfg, &e->state[i], &why);
        if (rc < 0) {
            lw_error_set(err, "%s", why.text);
            engine_destroy(e);
            return NULL;
        }
        if (a->problems && e->state[i])
            a->problems(e->state[i], e->problems);
    }
    if ((cfg->cache_entries > 0 || lw_redis_configured(cfg))
        && (e->cache = lw_cache_new(cfg, &why)) == NULL) {
        lw_error_set(err, "%s", why.text);
        engine_destroy(e);
        return NULL;
    }
    engine_tag(e);
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
        if (registry[i]->stale && e->state[i] && registry[i]->stale(e->state[i]))
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
                          struct lw_verdict *v, int per_message)
{
    for (size_t i = 0; i < N_ANALYZERS; i++) {
        struct lw_error why = { "" };

        if (registry[i]->per_message != per_message)
            continue;
        if (registry[i]->scan(e->state[i], msg, v, &why) < 0)
            lw_verdict_fail(v, "%s: %s", registry[i]->name, why.text);
    }
}

/* cache_begin - the message's session, with every lookup fetched in one round trip */
static struct lw_cache_session *cache_begin(const struct lw_engine *e, const struct lw_message *msg,
                                            char **key)
{
    struct lw_cache_session *s = lw_cache_session_new(e->cache);
    char *fp = lw_fingerprint(msg);

    *key = g_strdup_printf("v:%s:%s", e->tag, fp);
    g_free(fp);
    lw_cache_want(s, *key);
    for (guint i = 0; i < msg->parts->len; i++) {
        const struct lw_part *part = g_ptr_array_index(msg->parts, i);

        if (e->signature_version && !part->is_message)
            lw_cache_want_attachment(s, part->sha256, e->signature_version);
    }
    for (size_t i = 0; i < N_ANALYZERS; i++)
        if (registry[i]->prepare)
            registry[i]->prepare(e->state[i], msg, s);
    lw_cache_fetch(s);
    return s;
}

/* cache_use - rebuild the verdict from the cache; 1 on a hit */
static int cache_use(struct lw_cache_session *s, const char *key, struct lw_verdict *v)
{
    const char *cached = lw_cache_value(s, key);
    int hit = cached != NULL && lw_verdict_cache_decode(cached, v) == 0;

    lw_cache_account(s, hit);
    v->cached = hit;
    return hit;
}

/* lw_engine_scan - run the analyzers over msg (or use the cache) and decide the action */
struct lw_verdict *lw_engine_scan(const struct lw_engine *e, const struct lw_message *msg)
{
    struct lw_verdict *v = lw_verdict_new();
    gint64 t0 = g_get_monotonic_time();
    struct lw_cache_session *s = NULL;
    char *key = NULL;

    v->signature_version = g_strdup(e->signature_version);
    if (*e->cfg->fault_inject_header && lw_message_header(msg, e->cfg->fault_inject_header)) {
        lw_verdict_fail(v, "fault injected by header %s", e->cfg->fault_inject_header);
    } else {
        if (e->cache != NULL && !msg->unparseable)
            v->session = s = cache_begin(e, msg, &key);
        if (s == NULL || !cache_use(s, key, v)) {
            run_analyzers(e, msg, v, 0);
            if (s != NULL && !v->failed && !v->transient) {
                char *entry = lw_verdict_cache_encode(v);

                lw_cache_put(s, key, entry, e->cfg->cache_verdict_ttl);
                g_free(entry);
            }
        }
        run_analyzers(e, msg, v, 1);
    }
    apply_score_overrides(e->cfg, v);
    lw_verdict_fold(v, e->cfg);       /* score by class, and the action (model/score.c) */
    for (size_t i = 0; i < N_ANALYZERS && !v->failed; i++)
        if (registry[i]->finish)
            registry[i]->finish(e->state[i], msg, v);
    lw_cache_store(s);
    lw_cache_session_free(s);
    v->session = NULL;
    g_free(key);
    v->elapsed_ms = (double) (g_get_monotonic_time() - t0) / 1000.0;
    return v;
}
