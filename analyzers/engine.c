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
 */
#include "config.h"

#include <string.h>

#include "engine.h"
#include "analyzer.h"

/* The registry: every analyzer, in the order it runs. */
static const struct lw_analyzer *const registry[] = {
    &lw_analyzer_structure,
    &lw_analyzer_rules,
    &lw_analyzer_clamav,
    /* social-engineering heuristics (issue 5) */
    &lw_analyzer_impersonation,
    &lw_analyzer_lookalike,
    &lw_analyzer_headers,
    &lw_analyzer_links,
};

#define N_ANALYZERS G_N_ELEMENTS(registry)

struct lw_engine {
    gint refcount;
    struct lw_config *cfg;
    void *state[N_ANALYZERS];
};

static void engine_destroy(struct lw_engine *e)
{
    for (size_t i = 0; i < N_ANALYZERS; i++)
        if (e->state[i] && registry[i]->fini)
            registry[i]->fini(e->state[i]);
    lw_config_free(e->cfg);
    g_free(e);
}

/* lw_engine_new - initialize every analyzer; takes cfg; NULL and err on refusal */
struct lw_engine *lw_engine_new(struct lw_config *cfg, struct lw_error *err)
{
    struct lw_engine *e = g_new0(struct lw_engine, 1);
    struct lw_error why;

    e->refcount = 1;
    e->cfg = cfg;
    for (size_t i = 0; i < N_ANALYZERS; i++) {
        if (registry[i]->init && registry[i]->init(cfg, &e->state[i], &why) < 0) {
            lw_error_set(err, "%s", why.text);
            engine_destroy(e);
            return NULL;
        }
    }
    return e;
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
    if (score >= cfg->reject_score)
        return LW_ACTION_REJECT;
    if (score >= cfg->quarantine_score)
        return LW_ACTION_QUARANTINE;
    if (score >= cfg->tag_score)
        return LW_ACTION_TAG;
    return LW_ACTION_ACCEPT;
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
}

/* lw_engine_scan - run the analyzers over msg and decide the action */
struct lw_verdict *lw_engine_scan(const struct lw_engine *e, const struct lw_message *msg)
{
    struct lw_verdict *v = lw_verdict_new();
    gint64 t0 = g_get_monotonic_time();

    if (*e->cfg->fault_inject_header && lw_message_header(msg, e->cfg->fault_inject_header)) {
        lw_verdict_fail(v, "fault injected by header %s", e->cfg->fault_inject_header);
    } else {
        for (size_t i = 0; i < N_ANALYZERS; i++) {
            struct lw_error why = { "" };
            const char *version;

            if (registry[i]->scan(e->state[i], msg, v, &why) < 0)
                lw_verdict_fail(v, "%s: %s", registry[i]->name, why.text);
            if (registry[i]->version && (version = registry[i]->version(e->state[i])) != NULL
                && v->signature_version == NULL)
                v->signature_version = g_strdup(version);
        }
    }
    apply_score_overrides(e->cfg, v);
    v->action = lw_engine_action(e->cfg, v->score);
    v->elapsed_ms = (double) (g_get_monotonic_time() - t0) / 1000.0;
    return v;
}
