/*
 * engine_slot.c - publish the current scanning engine to milter threads
 *
 * lw_slot_config() reads the configuration as the daemon takes it, at
 * start and at every reload: the file and the -o overrides, then every
 * "score.RULE" checked against the rules the engine will load, so that a
 * typo is refused instead of silently leaving the rule at its score.
 *
 * lw_slot_get() returns a new reference to the current engine (the caller
 * unrefs it when its message is done); scans in flight keep the engine they
 * started with. lw_slot_reload() reads the configuration again (same file,
 * same -o overrides) and builds a complete new engine outside the lock,
 * then swaps the pointer; the old engine is freed by whoever drops its
 * last reference. A reload that fails keeps the current engine and logs
 * why, once. What an engine met without refusing it (a malformed feed
 * kept at its previous version) is logged once per engine and counted
 * (load_problems).
 *
 * The mutex only guards the pointer swap and the reference taken under it:
 * building an engine (seconds with full signature databases) never blocks
 * a message.
 */
#include "config.h"

#include <pthread.h>

#include "engine_slot.h"
#include "preflight.h"
#include "util/log.h"
#include "stats.h"

static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lw_engine *slot_engine;
static char *slot_config_path;
static char **slot_overrides;

/* lw_slot_log_problems - each problem met building e that did not refuse it: logged once, counted */
void lw_slot_log_problems(const struct lw_engine *e)
{
    const GPtrArray *problems = lw_engine_problems(e);

    for (guint i = 0; i < problems->len; i++) {
        lw_stat_inc(LW_STAT_LOAD_PROBLEMS);
        lw_log_warn("engine: %s", (const char *) g_ptr_array_index(problems, i));
    }
}

/* lw_slot_config - configuration with checked score.RULE keys; NULL and err on refusal */
struct lw_config *lw_slot_config(const char *config_path, char *const *overrides, struct lw_error *err)
{
    struct lw_config *cfg = lw_config_setup(config_path, overrides, err);

    if (cfg != NULL && lw_score_keys_check(cfg, err) < 0) {
        lw_config_free(cfg);
        return NULL;
    }
    return cfg;
}

/* lw_slot_init - publish the first engine (takes the reference) */
void lw_slot_init(struct lw_engine *e, const char *config_path, char **overrides)
{
    slot_engine = e;
    lw_slot_log_problems(e);
    slot_config_path = g_strdup(config_path);
    slot_overrides = g_strdupv(overrides);
}

/* lw_slot_get - a reference to the current engine; lw_engine_unref() it */
struct lw_engine *lw_slot_get(void)
{
    struct lw_engine *e;

    pthread_mutex_lock(&slot_lock);
    e = lw_engine_ref(slot_engine);
    pthread_mutex_unlock(&slot_lock);
    return e;
}

/* lw_slot_reload - build a new engine from the configuration; 0 when swapped */
int lw_slot_reload(void)
{
    struct lw_error err;
    struct lw_config *cfg = lw_slot_config(slot_config_path, slot_overrides, &err);
    struct lw_engine *fresh, *old = lw_slot_get();

    /* lw_engine_reload keeps parts of the old engine where their reload
     * fails (a feed that became malformed keeps its previous version). */
    if (cfg == NULL || (fresh = lw_engine_reload(cfg, old, &err)) == NULL) {
        lw_log_warn("reload failed, keeping the current engine: %s", err.text);
        lw_engine_unref(old);
        return -1;
    }
    lw_slot_log_problems(fresh);
    pthread_mutex_lock(&slot_lock);
    lw_engine_unref(slot_engine);   /* the slot's reference; ours is dropped below */
    slot_engine = fresh;
    pthread_mutex_unlock(&slot_lock);
    lw_engine_unref(old);
    lw_log_info("reload: new engine in service");
    return 0;
}

/* lw_slot_stale - has what the current engine loaded changed on disk? */
int lw_slot_stale(void)
{
    struct lw_engine *e = lw_slot_get();
    int stale = lw_engine_stale(e);

    lw_engine_unref(e);
    return stale;
}

void lw_slot_shutdown(void)
{
    pthread_mutex_lock(&slot_lock);
    lw_engine_unref(slot_engine);
    slot_engine = NULL;
    pthread_mutex_unlock(&slot_lock);
    g_free(slot_config_path);
    g_strfreev(slot_overrides);
}
