/* rulefile.h - PCRE2 rules files: parse, compile with JIT, report bad lines */
#ifndef LW_RULEFILE_H
#define LW_RULEFILE_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <glib.h>

#include "model/verdict.h"

enum lw_rule_target {
    LW_TARGET_HEADER,       /* header:NAME, every field NAME, decoded */
    LW_TARGET_SUBJECT,
    LW_TARGET_FROM_NAME,    /* display name of From */
    LW_TARGET_FROM_ADDR,    /* address of From */
    LW_TARGET_BODY,         /* readable text, normalized (HTML rendered) */
    LW_TARGET_HTML,         /* raw HTML of HTML body parts */
    LW_TARGET_URI,          /* every URL found in the message */
    LW_TARGET_LINK,         /* the URLs a reader follows: not pictures, not defanged */
    LW_TARGET_FILENAME,     /* every part's file name */
    LW_TARGET_RAW,          /* the raw message bytes */
    LW_TARGET_META,         /* a boolean expression over earlier rule ids */
};

/* One step of a meta expression in postfix order. */
enum lw_meta_kind { LW_META_RULE, LW_META_NOT, LW_META_AND, LW_META_OR };
struct lw_meta_op {
    enum lw_meta_kind kind;
    guint rule;             /* LW_META_RULE: index in the ruleset */
};

struct lw_rule {
    char *id;
    enum lw_rule_target target;
    char *header;           /* for LW_TARGET_HEADER */
    char *pattern;          /* as written, for --lint-rules and logs */
    pcre2_code *re;         /* NULL for meta rules */
    GArray *meta;           /* meta rules: struct lw_meta_op, postfix; else NULL */
    double score;
    enum lw_class cls;      /* what a hit is evidence of (model/score.c) */
    int classed;            /* the line named the class (else: lure) */
    char *description;
    int line;
};

struct lw_ruleset {
    char *source;           /* file name, for messages */
    char *sha256;           /* of the text the rules were parsed from (the cache tag) */
    GPtrArray *rules;       /* struct lw_rule, owned */
};

/*
 * lw_ruleset_parse - rules from text; every bad line adds "source:line: reason"
 * to errors (char*, caller-owned array). Returns the good rules even when
 * some lines were bad: the caller decides whether that is acceptable.
 */
struct lw_ruleset *lw_ruleset_parse(const char *text, size_t len, const char *source,
                                    GPtrArray *errors);
/* lw_ruleset_load - read and parse a file; NULL with one error if unreadable */
struct lw_ruleset *lw_ruleset_load(const char *path, GPtrArray *errors);
void lw_ruleset_free(struct lw_ruleset *set);

const char *lw_rule_target_name(enum lw_rule_target t);

/* lw_rule_is_helper - "__ID" rules only feed meta rules and never score */
int lw_rule_is_helper(const struct lw_rule *r);

/* lw_meta_eval - a meta rule's value given which rules matched (indexed like set->rules) */
int lw_meta_eval(const struct lw_rule *r, const gboolean *matched);

#endif
