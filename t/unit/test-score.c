/* test-score.c - unit tests of rule classes, the class fold, the explanation (model/score.c) and which rules fired (model/verdict.c) */
#include "config.h"

#include <glib.h>

#include "model/score.h"
#include "rulefile.h"
#include "tap.h"

/* verdict - a verdict with hits "RULE:score" (class from the built-in table) or "RULE:score:class" */
static struct lw_verdict *verdict(const char *const *hits)
{
    struct lw_verdict *v = lw_verdict_new();

    for (; *hits; hits++) {
        gchar **f = g_strsplit(*hits, ":", 3);
        struct lw_hit *hit = lw_verdict_add_hit(v, "test", f[0], g_ascii_strtod(f[1], NULL), "a test hit", NULL);

        if (f[2])
            lw_class_parse(f[2], &hit->cls);
        g_strfreev(f);
    }
    return v;
}

/* folded - the action of those hits at the default thresholds (tag 3, quarantine 4, reject 15) */
static struct lw_verdict *folded(const struct lw_config *cfg, const char *const *hits)
{
    struct lw_verdict *v = verdict(hits);

    lw_verdict_fold(v, cfg);
    return v;
}

static void test_builtin_classes(void)
{
    tap_check_str(lw_class_name(lw_rule_builtin_class("LW_HTML_HIDDEN_TEXT")), "bulk",
                  "hidden text is a bulk signal");
    tap_check_str(lw_class_name(lw_rule_builtin_class("LW_LINK_TEXT_MISMATCH")), "deception",
                  "a link whose text names another site is deception");
    tap_check_str(lw_class_name(lw_rule_builtin_class("LW_LIMIT_MAX_PARTS")), "evasion",
                  "a prefix entry classes every parse limit");
    tap_check_str(lw_class_name(lw_rule_builtin_class("LW_ATT_SCAN_INCOMPLETE")), "evasion",
                  "an exact entry wins over the LW_ATT_* prefix below it");
    tap_check_str(lw_class_name(lw_rule_builtin_class("LW_ATT_OFFICE_MACRO")), "malware",
                  "attachments are malware");
    tap_check_str(lw_class_name(lw_rule_builtin_class("IOC_URL")), "indicator", "feed matches are indicators");
    tap_check(!lw_rule_builtin_known("LW_NOT_A_RULE") && lw_rule_builtin_class("LW_NOT_A_RULE") == LW_CLASS_BULK,
              "an id the table does not know is a bulk signal, and is reported as unknown");
}

static void test_fold(const struct lw_config *cfg)
{
    static const char *const marketing[] = { "LW_HTML_HIDDEN_TEXT:3.5", "LW_BULK_NO_LIST_UNSUB:1.5",
                                             "LW_HTML_ONLY:0.5", NULL };
    static const char *const deceptive[] = { "LW_HTML_HIDDEN_TEXT:3.5", "LW_LINK_TEXT_MISMATCH:4",
                                             "LW_HTML_ONLY:0.5", NULL };
    static const char *const lure_link[] = { "LW_EN_VERIFY_ACCOUNT:3:lure", "LW_LINK_SHORTENER:2.5", NULL };
    static const char *const lure_only[] = { "LW_EN_VERIFY_ACCOUNT:3:lure", "LW_EN_CREDENTIAL_ASK:2.5:lure", NULL };
    static const char *const link_only[] = { "LW_LINK_SHORTENER:2.5", "LW_LINK_FREEHOST:2",
                                             "LW_HTML_ONLY:0.5", NULL };
    static const char *const lifted_by_zero[] = { "LW_HTML_HIDDEN_TEXT:3.5", "LW_HTML_ONLY:3",
                                                  "LW_LINK_IP_HOST:0", NULL };
    static const char *const malware[] = { "LW_ATT_CLAMAV_SIGNATURE:15", NULL };
    struct lw_verdict *v;

    v = folded(cfg, marketing);
    tap_check(v->sum == 5.5 && v->score < cfg->quarantine_score && v->action == LW_ACTION_TAG,
              "bulk signals alone are capped below quarantine: tag (sum %.1f, score %.1f, %s)", v->sum,
              v->score, lw_action_name(v->action));
    lw_verdict_free(v);
    v = folded(cfg, deceptive);
    tap_check(v->score == 8.0 && v->action == LW_ACTION_QUARANTINE,
              "a deceptive link lifts the cap and the signals add to it (score %.1f, %s)", v->score,
              lw_action_name(v->action));
    lw_verdict_free(v);
    v = folded(cfg, lure_link);
    tap_check(v->score == 5.5 && v->action == LW_ACTION_QUARANTINE,
              "a lure joined to a link to an abused service is evidence (score %.1f)", v->score);
    lw_verdict_free(v);
    v = folded(cfg, lure_only);
    tap_check(v->action == LW_ACTION_TAG, "lure wording without a channel only tags (%s)",
              lw_action_name(v->action));
    lw_verdict_free(v);
    v = folded(cfg, link_only);
    tap_check(v->action == LW_ACTION_TAG, "links to abused services without a lure only tag (%s)",
              lw_action_name(v->action));
    lw_verdict_free(v);
    v = folded(cfg, lifted_by_zero);
    tap_check(v->action == LW_ACTION_TAG,
              "a technique rule scored 0 (disabled with score.RULE = 0) is no evidence (%s)",
              lw_action_name(v->action));
    lw_verdict_free(v);
    v = folded(cfg, malware);
    tap_check(v->action == LW_ACTION_REJECT, "a signature alone rejects (%s)", lw_action_name(v->action));
    lw_verdict_free(v);
}

static void test_explain(const struct lw_config *cfg)
{
    static const char *const marketing[] = { "LW_HTML_HIDDEN_TEXT:3.5", "LW_BULK_NO_LIST_UNSUB:1.5", NULL };
    static const char *const deceptive[] = { "LW_LINK_TEXT_MISMATCH:4", "LW_HTML_ONLY:0.5", NULL };
    struct lw_verdict *v = folded(cfg, marketing);
    char *text = lw_verdict_explain(v, cfg);

    tap_check(strstr(text, "3.5  bulk          LW_HTML_HIDDEN_TEXT: a test hit") != NULL,
              "each hit with its score, class and description");
    tap_check(strstr(text, "evidence: none") && strstr(text, "capped at 3.9, just below quarantine (4)"),
              "a capped verdict says there is no evidence and where the cap is");
    tap_check(strstr(text, "why: score 3.9 reaches tag (3); quarantine needs 4: tag") != NULL,
              "and which threshold the score reached");
    if (!strstr(text, "why: score 3.9"))
        printf("# %s", text);
    g_free(text);
    lw_verdict_free(v);
    v = folded(cfg, deceptive);
    text = lw_verdict_explain(v, cfg);
    tap_check(strstr(text, "evidence: LW_LINK_TEXT_MISMATCH is deception, a technique class")
              && strstr(text, "why: score 4.5 reaches quarantine (4); reject needs 15: quarantine"),
              "an uncapped verdict names the technique hit that allowed quarantine");
    tap_check(strstr(text, "by class: deception 4.0, bulk 0.5 (sum 4.5)") != NULL, "the sum by class");
    g_free(text);
    lw_verdict_free(v);
}

static void test_rules_file_classes(void)
{
    GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
    const char *text = "A body 1 deception /a/ labelled\n"
                       "B body 1 /b/ no class: a lure\n"
                       "C body 1 sneaky /c/ unknown class\n"
                       "__H body 0 /h/ helper\n";
    struct lw_ruleset *set = lw_ruleset_parse(text, strlen(text), "c.rules", errors);
    const struct lw_rule *a = set->rules->len > 0 ? g_ptr_array_index(set->rules, 0) : NULL;
    const struct lw_rule *b = set->rules->len > 1 ? g_ptr_array_index(set->rules, 1) : NULL;

    tap_check(a && a->cls == LW_CLASS_DECEPTION && a->classed, "a CLASS field before the pattern is read");
    tap_check(b && b->cls == LW_CLASS_LURE && !b->classed, "a rule without one counts as a lure");
    tap_check(errors->len == 1 && g_str_has_prefix(g_ptr_array_index(errors, 0), "c.rules:3: unknown class"),
              "an unknown class is reported with its line");
    lw_ruleset_free(set);
    g_ptr_array_unref(errors);
}

/* a rule an administrator scored 0 (score.RULE = 0) is off: it hit, but did not fire */
static void test_fired(void)
{
    static const char *const hits[] = { "LW_LINK_SHORTENER:0", "LW_HDR_BCC_BLAST:1.5", "LW_X:0", "LW_X:2", NULL };
    struct lw_verdict *v = verdict(hits);

    tap_check(lw_verdict_has_rule(v, "LW_LINK_SHORTENER") && !lw_verdict_fired(v, "LW_LINK_SHORTENER"),
              "a hit scored 0 is a hit that did not fire");
    tap_check(lw_verdict_fired(v, "LW_HDR_BCC_BLAST"), "a hit with a positive score fired");
    tap_check(lw_verdict_fired(v, "LW_X"), "a rule that hit twice fired if either hit scored");
    tap_check(!lw_verdict_has_rule(v, "LW_NONE") && !lw_verdict_fired(v, "LW_NONE"), "a rule that did not hit");
    lw_verdict_free(v);
}

int main(void)
{
    struct lw_config *cfg = lw_config_new();

    test_builtin_classes();
    test_fold(cfg);
    test_explain(cfg);
    test_rules_file_classes();
    test_fired();
    lw_config_free(cfg);
    return tap_done();
}
