/* prefilter.h - required literals of PCRE2 rules and a one-pass multi-literal search */
#ifndef LW_PREFILTER_H
#define LW_PREFILTER_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#define LW_PREFILTER_MIN_LITERAL 3     /* shortest useful literal, in bytes (one CJK character) */

/*
 * lw_prefilter_literals - an "OR-set" of case-folded literals such that every
 * match of pattern (PCRE2 syntax, compiled with options) contains at least
 * one of them; NULL when none can be proven and the rule must always run.
 * The caller owns the array (it frees its strings).
 */
GPtrArray *lw_prefilter_literals(const char *pattern, uint32_t options);

/*
 * lw_fold - s case-folded character by character (invalid UTF-8 bytes are
 * copied as they are), NUL-terminated, caller frees; *outlen its length.
 * Any two characters PCRE2 matches caselessly fold to the same string.
 */
char *lw_fold(const char *s, size_t len, size_t *outlen);

/* A set of literals, each owned by one or more ids (rule indexes). */
struct lw_litset;

/* lw_litset_new - an empty set for ids 0 .. nids-1 */
struct lw_litset *lw_litset_new(guint nids);
/* lw_litset_add - literals (from lw_prefilter_literals) that let id run */
void lw_litset_add(struct lw_litset *ls, const GPtrArray *literals, guint id);
/* lw_litset_compile - build the search tables; the set is read-only afterwards */
void lw_litset_compile(struct lw_litset *ls);
/*
 * lw_litset_scan - fold text once and set hit[id] = 1 for every id with a
 * literal in it; hit has nids entries, zeroed by the caller.
 */
void lw_litset_scan(const struct lw_litset *ls, const char *text, size_t len, guint8 *hit);
void lw_litset_free(struct lw_litset *ls);

#endif
