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
 *     those results (lw_meta_eval), as the analyzer does.
 */
#include "config.h"

#include "fuzz.h"
#include "rulefile.h"

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

        (void) lw_rule_target_name(r->target);
        if (r->re == NULL) {    /* a meta rule: its expression over the rules before it */
            matched[i] = lw_meta_eval(r, matched);
            continue;
        }
        md = pcre2_match_data_create_from_pattern(r->re, NULL);
        matched[i] = pcre2_match(r->re, data, size, 0, 0, md, mc) >= 0;
        pcre2_match_data_free(md);
    }
    g_free(matched);
    pcre2_match_context_free(mc);
    lw_ruleset_free(set);
    g_ptr_array_unref(errors);
    return 0;
}
