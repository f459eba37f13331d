/*
 * verdict.c - building the verdict of one message
 *
 * Analyzers append hits with lw_verdict_add_hit(); the hit's score adds to
 * the message score at once, so until the engine folds it by class
 * (model/score.c) the score is the sum of the hits. A hit gets its rule's
 * class from the built-in table; the rules analyzer sets the class its
 * rules file gives.
 * Indicators attached to a hit are also collected, de-duplicated, on the
 * verdict, because exports and caches want the message's indicators as a
 * set. The action is decided by the engine from the score and thresholds
 * (engine.c), never by analyzers.
 *
 * A verdict owns everything it points to: lw_verdict_free() releases hits,
 * indicators and strings. A failed verdict (lw_verdict_fail) keeps its hits
 * for the log, but callers must apply the failure policy instead of the
 * action.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "model/verdict.h"
#include "model/score.h"

static void hit_free(gpointer p)
{
    struct lw_hit *hit = p;

    g_free(hit->analyzer);
    g_free(hit->rule);
    g_free(hit->description);
    g_free(hit->evidence);
    g_ptr_array_unref(hit->indicators);
    g_free(hit->ioc_id);
    g_free(hit->ioc_feed);
    g_free(hit);
}

/* lw_verdict_new - an empty verdict: score 0, accept */
struct lw_verdict *lw_verdict_new(void)
{
    struct lw_verdict *v = g_new0(struct lw_verdict, 1);

    v->hits = g_ptr_array_new_with_free_func(hit_free);
    v->indicators = g_ptr_array_new_with_free_func((GDestroyNotify) lw_indicator_free);
    v->action = LW_ACTION_ACCEPT;
    return v;
}

void lw_verdict_free(struct lw_verdict *v)
{
    if (v == NULL)
        return;
    g_ptr_array_unref(v->hits);
    g_ptr_array_unref(v->indicators);
    g_free(v->error);
    g_free(v->signature_version);
    g_free(v);
}

/* lw_verdict_add_hit - record a hit and add its score; returns the hit (borrowed) */
struct lw_hit *lw_verdict_add_hit(struct lw_verdict *v, const char *analyzer,
                                  const char *rule, double score,
                                  const char *description, const char *evidence)
{
    struct lw_hit *hit = g_new0(struct lw_hit, 1);

    hit->analyzer = g_strdup(analyzer);
    hit->rule = g_strdup(rule);
    hit->score = score;
    hit->cls = lw_rule_builtin_class(rule);
    hit->description = g_utf8_make_valid(description, -1);
    hit->evidence = evidence ? g_utf8_make_valid(evidence, -1) : NULL;
    hit->indicators = g_ptr_array_new_with_free_func((GDestroyNotify) lw_indicator_free);
    g_ptr_array_add(v->hits, hit);
    v->score += score;
    v->sum = v->score;
    return hit;
}

/*
 * lw_verdict_add_indicator - add to the message's indicator set, once; a
 * second analyzer naming the same value merges its role (lw_ioc_role_merge)
 */
void lw_verdict_add_indicator(struct lw_verdict *v, enum lw_ioc_role role, enum lw_ioc_type type,
                              const char *value)
{
    struct lw_indicator probe = { .type = type, .value = (char *) value, .role = role };

    if (value == NULL || *value == '\0')
        return;
    for (guint i = 0; i < v->indicators->len; i++) {
        struct lw_indicator *ind = g_ptr_array_index(v->indicators, i);

        if (lw_indicator_equal(ind, &probe)) {
            ind->role = lw_ioc_role_merge(ind->role, role);
            return;
        }
    }
    g_ptr_array_add(v->indicators, lw_indicator_new_role(type, value, role));
}

/* lw_hit_add_indicator - attach an indicator to a hit and to the message set */
void lw_hit_add_indicator(struct lw_verdict *v, struct lw_hit *hit, enum lw_ioc_role role,
                          enum lw_ioc_type type, const char *value)
{
    if (value == NULL || *value == '\0')
        return;
    g_ptr_array_add(hit->indicators, lw_indicator_new_role(type, value, role));
    lw_verdict_add_indicator(v, role, type, value);
}

/* set_role - give every indicator of inds equal to probe the role of probe */
static void set_role(GPtrArray *inds, const struct lw_indicator *probe)
{
    for (guint i = 0; i < inds->len; i++) {
        struct lw_indicator *ind = g_ptr_array_index(inds, i);

        if (lw_indicator_equal(ind, probe))
            ind->role = probe->role;
    }
}

/* lw_verdict_set_role - the role of an indicator, wherever the verdict carries it, is now role */
void lw_verdict_set_role(struct lw_verdict *v, enum lw_ioc_type type, const char *value, enum lw_ioc_role role)
{
    struct lw_indicator probe = { .type = type, .value = (char *) value, .role = role };

    if (value == NULL)
        return;
    set_role(v->indicators, &probe);
    for (guint i = 0; i < v->hits->len; i++)
        set_role(((struct lw_hit *) g_ptr_array_index(v->hits, i))->indicators, &probe);
}

void lw_hit_set_sighting(struct lw_hit *hit, const char *id, const char *feed)
{
    g_free(hit->ioc_id);
    g_free(hit->ioc_feed);
    hit->ioc_id = id ? g_utf8_make_valid(id, -1) : NULL;
    hit->ioc_feed = feed ? g_utf8_make_valid(feed, -1) : NULL;
}

/* find_hit - is there a hit of rule (with a positive score, if positive)? */
static int find_hit(const struct lw_verdict *v, const char *rule, int positive)
{
    for (guint i = 0; i < v->hits->len; i++) {
        const struct lw_hit *hit = g_ptr_array_index(v->hits, i);

        if ((!positive || hit->score > 0) && strcmp(hit->rule, rule) == 0)
            return 1;
    }
    return 0;
}

/* lw_verdict_has_rule - did a rule with this id hit? */
int lw_verdict_has_rule(const struct lw_verdict *v, const char *rule)
{
    return find_hit(v, rule, 0);
}

/* lw_verdict_fired - did the rule hit with a positive score? */
int lw_verdict_fired(const struct lw_verdict *v, const char *rule)
{
    return find_hit(v, rule, 1);
}

/* lw_verdict_fail - mark the verdict as failed, keeping the first reason */
void lw_verdict_fail(struct lw_verdict *v, const char *fmt, ...)
{
    va_list ap;

    v->failed = 1;
    if (v->error != NULL)
        return;
    va_start(ap, fmt);
    v->error = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

static gint hit_cmp_score(gconstpointer a, gconstpointer b)
{
    const struct lw_hit *ha = *(const struct lw_hit *const *) a;
    const struct lw_hit *hb = *(const struct lw_hit *const *) b;

    return (hb->score > ha->score) - (hb->score < ha->score);
}

/* lw_verdict_hits_summary - the highest-scoring hits as RULE(score),... */
char *lw_verdict_hits_summary(const struct lw_verdict *v, unsigned max)
{
    GPtrArray *sorted = g_ptr_array_sized_new(v->hits->len);   /* borrows the hits */
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < v->hits->len; i++)
        g_ptr_array_add(sorted, g_ptr_array_index(v->hits, i));

    g_ptr_array_sort(sorted, hit_cmp_score);
    for (guint i = 0; i < sorted->len && i < max; i++) {
        const struct lw_hit *hit = g_ptr_array_index(sorted, i);

        g_string_append_printf(out, "%s%s(%.1f)", i ? "," : "", hit->rule, hit->score);
    }
    if (sorted->len > max)
        g_string_append_printf(out, ",+%u", sorted->len - max);
    g_ptr_array_unref(sorted);
    return g_string_free(out, FALSE);
}
