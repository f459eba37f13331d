/* store.h - the indicator store: indicators from feeds, indexed for matching */
#ifndef LW_IOC_STORE_H
#define LW_IOC_STORE_H

#include <glib.h>
#include "model/indicator.h"

enum lw_tlp { LW_TLP_NONE, LW_TLP_CLEAR, LW_TLP_GREEN, LW_TLP_AMBER, LW_TLP_AMBER_STRICT, LW_TLP_RED };

#define LW_IOC_CONFIDENCE_UNKNOWN 255

/* What a feed says about one indicator, as the feed readers hand it over. */
struct lw_ioc_meta {
    const char *id;             /* NULL: "FEED:LINE" is made up */
    const char *description;    /* may be NULL */
    int confidence;             /* 0..100, or LW_IOC_CONFIDENCE_UNKNOWN */
    enum lw_tlp tlp;
    gint64 valid_until;         /* unix time, 0 = no expiry */
    unsigned line;              /* position in the feed (line, or object index) */
};

/* One match, as reported to a lw_ioc_match_fn; strings valid during the call. */
struct lw_ioc_hit {
    enum lw_ioc_type type;
    const char *value;          /* the indicator as stored (normalized) */
    const char *id;
    const char *feed;
    const char *description;    /* may be NULL */
    int confidence;
    enum lw_tlp tlp;
    gint64 valid_until;
    const char *why;            /* "exact", "parent domain", "URL prefix", "CIDR /24" */
};

typedef void (*lw_ioc_match_fn)(void *ud, const struct lw_ioc_hit *hit);

struct lw_ioc_builder;
struct lw_ioc_store;

/*
 * Building: lw_ioc_builder_new(), then lw_ioc_builder_add() per indicator
 * (the feed readers do it), then lw_ioc_builder_finish(), which consumes the
 * builder and returns the immutable store. A store is shared read-only by
 * any number of threads and freed with lw_ioc_store_free().
 */
struct lw_ioc_builder *lw_ioc_builder_new(void);
/* lw_ioc_builder_feed - start a feed; returns its index for _add */
unsigned lw_ioc_builder_feed(struct lw_ioc_builder *b, const char *name);
/*
 * lw_ioc_builder_add - normalize value for type and add it; -1 with err
 * (the reason the value was rejected) when it is not a valid value of type.
 */
int lw_ioc_builder_add(struct lw_ioc_builder *b, unsigned feed, enum lw_ioc_type type,
                       const char *value, const struct lw_ioc_meta *meta, char **err);
/* lw_ioc_builder_copy_feed - re-add every indicator of feed name from an older store */
unsigned lw_ioc_builder_copy_feed(struct lw_ioc_builder *b, const struct lw_ioc_store *old,
                                  const char *name);
struct lw_ioc_store *lw_ioc_builder_finish(struct lw_ioc_builder *b);
void lw_ioc_builder_free(struct lw_ioc_builder *b);

void lw_ioc_store_free(struct lw_ioc_store *s);
size_t lw_ioc_store_count(const struct lw_ioc_store *s, enum lw_ioc_type type);
size_t lw_ioc_store_total(const struct lw_ioc_store *s);
/* lw_ioc_store_has_type - any indicators of type? (to skip work, e.g. MD5 of parts) */
int lw_ioc_store_has_type(const struct lw_ioc_store *s, enum lw_ioc_type type);

/*
 * lw_ioc_normalize - the canonical text of value as an indicator of type,
 * the form lookups take (g_free), or NULL with *err (g_free) when value is
 * not valid for type. Domains: lowercase punycode without trailing dot;
 * URLs: lw_url_parse(), scheme dropped for http/https; IPs: canonical, CIDR
 * host bits cleared; hashes: lowercase hex of the right length; e-mail:
 * lowercased; filename, subject, x-mailer: NFKC, case-folded, spaces
 * collapsed.
 */
char *lw_ioc_normalize(enum lw_ioc_type type, const char *value, char **err);

/*
 * lw_ioc_store_lookup - call fn for every live indicator matching key (a
 * value already in lw_ioc_normalize form): domain types also match parent
 * domains, URLs also match indicators that are prefixes at a path, query or
 * fragment boundary, IPs match the longest CIDR containing them (and the
 * address itself). Indicators whose valid_until is before now are skipped.
 * Returns the number of matches.
 */
unsigned lw_ioc_store_lookup(const struct lw_ioc_store *s, enum lw_ioc_type type, const char *key,
                             gint64 now, lw_ioc_match_fn fn, void *ud);

struct lw_url;
/* lw_ioc_url_key - the lookup key of a parsed URL (g_free), NULL without a host */
char *lw_ioc_url_key(const struct lw_url *u);

/* lw_ioc_store_match - lw_ioc_normalize then lw_ioc_store_lookup; 0 when value is invalid */
unsigned lw_ioc_store_match(const struct lw_ioc_store *s, enum lw_ioc_type type, const char *value,
                            gint64 now, lw_ioc_match_fn fn, void *ud);

const char *lw_tlp_name(enum lw_tlp tlp);
int lw_tlp_parse(const char *s, enum lw_tlp *tlp);

#endif
