/* score.h - how hits combine into a verdict: rule classes, the class fold, the explanation */
#ifndef LW_SCORE_H
#define LW_SCORE_H

#include <stdio.h>
#include "model/verdict.h"
#include "util/conf.h"

const char *lw_class_name(enum lw_class cls);
int lw_class_parse(const char *name, enum lw_class *cls);
/* lw_class_is_technique - can hits of this class alone take a message to quarantine? */
int lw_class_is_technique(enum lw_class cls);

/* lw_rule_builtin_class - the class of a rule the analyzers define in C (bulk if unknown) */
enum lw_class lw_rule_builtin_class(const char *rule);
/* lw_rule_builtin_known - is the rule (or its prefix) in the built-in table? */
int lw_rule_builtin_known(const char *rule);
/* lw_rule_builtin_print - the built-in table, one "ID class" a line */
void lw_rule_builtin_print(FILE *out);

/*
 * lw_verdict_has_lure - does v already hold a lure-class hit with a positive
 * score? The channel rules (a lure's unknown site, a lure from free mail)
 * fire only then: alone they describe most of the web and most personal mail.
 */
int lw_verdict_has_lure(const struct lw_verdict *v);

/* lw_action_name - "accept", "tag", "quarantine" or "reject" */
const char *lw_action_name(enum lw_action action);

/* lw_score_action - the action the thresholds give a score */
enum lw_action lw_score_action(const struct lw_config *cfg, double score);

/*
 * lw_verdict_fold - v->sum folded by class into v->score: the whole sum when
 * a technique-class hit, or a lure joined to a link-class hit, is present;
 * otherwise at most just below quarantine_score. Sets the action.
 */
void lw_verdict_fold(struct lw_verdict *v, const struct lw_config *cfg);

/* lw_verdict_explain - each hit with class, score and evidence, and why the action; g_free */
char *lw_verdict_explain(const struct lw_verdict *v, const struct lw_config *cfg);
/* lw_verdict_explain_why - only its last two lines, "evidence: ..." and "why: ..."; g_free */
char *lw_verdict_explain_why(const struct lw_verdict *v, const struct lw_config *cfg);

#endif
