/* verdict.h - the outcome of scanning one message: score, action, hits, indicators */
#ifndef LW_VERDICT_H
#define LW_VERDICT_H

#include <glib.h>
#include "model/indicator.h"

enum lw_action {
    LW_ACTION_ACCEPT,
    LW_ACTION_TAG,
    LW_ACTION_QUARANTINE,
    LW_ACTION_REJECT,
};

/*
 * What a hit is evidence of (model/score.c folds the score by class). The
 * technique classes, from LW_CLASS_EVASION on, can take a message to
 * quarantine or reject; the signal classes below them only tag, or add to a
 * message that has a technique hit (a lure counts as one when joined to a
 * link class hit).
 */
enum lw_class {
    LW_CLASS_BULK,              /* bulk and spam properties, commerce topics */
    LW_CLASS_LINK,              /* a channel: abused-service link, replies diverted */
    LW_CLASS_LURE,              /* social-engineering wording: credentials, money, threats */
    LW_CLASS_EVASION,           /* filter evasion, parser confusion, kit fingerprints, limits */
    LW_CLASS_DECEPTION,         /* deceptive links and forms */
    LW_CLASS_IMPERSONATION,     /* a sender posing as the organization, a VIP or a brand */
    LW_CLASS_MALWARE,           /* malicious or policy-violating attachments */
    LW_CLASS_INDICATOR,         /* an indicator feed matched */
};
#define LW_CLASS_COUNT (LW_CLASS_INDICATOR + 1)

struct lw_hit {
    char *analyzer;             /* owned: which analyzer produced it */
    char *rule;                 /* owned: stable rule id */
    double score;
    enum lw_class cls;          /* the rule's class: built-in table or rules file */
    char *description;          /* owned: one line a reviewer understands */
    char *evidence;             /* owned, may be NULL: where (header, part, URL) */
    GPtrArray *indicators;      /* of struct lw_indicator, owned */
    char *ioc_id;               /* owned, may be NULL: the feed indicator this hit is a sighting of */
    char *ioc_feed;             /* owned, may be NULL: that indicator's feed */
};

struct lw_verdict {
    double score;               /* after the class fold (model/score.c) */
    double sum;                 /* the hits' scores added up, before the fold */
    enum lw_action action;
    GPtrArray *hits;            /* of struct lw_hit, owned, in analyzer order */
    GPtrArray *indicators;      /* all indicators of the message, de-duplicated */
    int failed;                 /* an internal error made the verdict unusable */
    char *error;                /* owned: why, when failed */
    int cached;                 /* served from the verdict cache */
    int transient;              /* shaped by a local, passing problem (libclamav could not
                                 * write its temporary files): never put in the verdict cache */
    char *signature_version;    /* owned, may be NULL: ClamAV signature version */
    double elapsed_ms;
};

struct lw_verdict *lw_verdict_new(void);
void lw_verdict_free(struct lw_verdict *v);

struct lw_hit *lw_verdict_add_hit(struct lw_verdict *v, const char *analyzer,
                                  const char *rule, double score,
                                  const char *description, const char *evidence);
/* Indicators carry the role the adding analyzer gives them (indicator.h). */
void lw_verdict_add_indicator(struct lw_verdict *v, enum lw_ioc_role role, enum lw_ioc_type type,
                              const char *value);
void lw_hit_add_indicator(struct lw_verdict *v, struct lw_hit *hit, enum lw_ioc_role role,
                          enum lw_ioc_type type, const char *value);
/* lw_verdict_set_role - override the role of an indicator wherever the verdict carries it */
void lw_verdict_set_role(struct lw_verdict *v, enum lw_ioc_type type, const char *value, enum lw_ioc_role role);
/* lw_hit_set_sighting - the hit is a sighting of indicator id of feed */
void lw_hit_set_sighting(struct lw_hit *hit, const char *id, const char *feed);
/* lw_verdict_has_rule - did a rule with this id hit, whatever its score? */
int lw_verdict_has_rule(const struct lw_verdict *v, const char *rule);
/*
 * lw_verdict_fired - did the rule hit with a positive score? An
 * administrator's score.RULE = 0 turns a rule off: what depends on it must
 * not fire either.
 */
int lw_verdict_fired(const struct lw_verdict *v, const char *rule);
void lw_verdict_fail(struct lw_verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* lw_verdict_hits_summary - "RULE(3.0),RULE2(1.5)" of the top hits; g_free */
char *lw_verdict_hits_summary(const struct lw_verdict *v, unsigned max);

#endif
