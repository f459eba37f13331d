/*
 * fuzz-rules - libFuzzer harness: rules file text -> lw_ruleset_parse
 *
 * DESCRIPTION
 *     The rules file is operator input, but it is also what a shared rule
 *     feed or a careless edit produces: the parser must report bad lines
 *     and never crash. Each input is parsed as a whole rules file; every
 *     rule that compiles is then matched once against the input itself
 *     with the analyzer's match limits, so PCRE2 JIT code built from
 *     hostile patterns runs too, and every meta rule is evaluated over
 *     those results (lw_meta_eval), as the analyzer does. The prefilter is
 *     checked on the way: its literals are extracted from every pattern,
 *     and a PCRE2 match on an input where none of them occurs aborts (the
 *     prefilter would have skipped a rule that matches).
 */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"
#include "prefilter.h"
#include "rulefile.h"

/* check_prefilter - abort if r matched (rc >= 0) data that holds none of its literals */
static void check_prefilter(const struct lw_rule *r, int rc, const uint8_t *data, size_t size)
{
    uint32_t options = 0;
    GPtrArray *lits;
    struct lw_litset *ls;
    guint8 hit = 0;

    (void) pcre2_pattern_info(r->re, PCRE2_INFO_ARGOPTIONS, &options);
    if ((lits = lw_prefilter_literals(r->pattern, options)) == NULL)
        return;
    ls = lw_litset_new(1);
    lw_litset_add(ls, lits, 0);
    lw_litset_compile(ls);
    lw_litset_scan(ls, (const char *) data, size, &hit);
    if (rc >= 0 && !hit)
        abort();
    lw_litset_free(ls);
    g_ptr_array_unref(lits);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
    struct lw_ruleset *set = lw_ruleset_parse((const char *) data, size, "fuzz.rules", errors);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    gboolean *matched = g_new0(gboolean, set ? set->rules->len : 0);

    pcre2_set_match_limit(mc, 100000);
    pcre2_set_depth_limit(mc, 10000);
    for (guint i = 0; set != NULL && i < set->rules->len; i++) {
        const struct lw_rule *r = g_ptr_array_index(set->rules, i);
        pcre2_match_data *md;
        int rc;

        (void) lw_rule_target_name(r->target);
        if (r->re == NULL) {    /* a meta rule: its expression over the rules before it */
            matched[i] = lw_meta_eval(r, matched);
            continue;
        }
        md = pcre2_match_data_create_from_pattern(r->re, NULL);
        rc = pcre2_match(r->re, data, size, 0, 0, md, mc);
        check_prefilter(r, rc, data, size);
        matched[i] = rc >= 0;
        pcre2_match_data_free(md);
    }
    g_free(matched);
    pcre2_match_context_free(mc);
    lw_ruleset_free(set);
    g_ptr_array_unref(errors);
    return 0;
}
