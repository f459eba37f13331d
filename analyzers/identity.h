/* identity.h - who may be impersonated: protected domains and names, brands, abused services */
#ifndef LW_IDENTITY_H
#define LW_IDENTITY_H

#include <glib.h>
#include "util/conf.h"
#include "util/error.h"

/* Service kinds of brands.txt; a host may be several. */
#define LW_KIND_FREEMAIL   0x01u
#define LW_KIND_SHORTENER  0x02u
#define LW_KIND_FREEHOST   0x04u
#define LW_KIND_FILESHARE  0x08u
#define LW_KIND_FORM       0x10u
#define LW_KIND_TRACKER    0x20u   /* a mail provider's click tracker (redirects to the sender's links) */

struct lw_brand {
    char *keyword;          /* lowercase ASCII word naming the brand */
    char **domains;         /* the brand's own domains (NULL-terminated, may be empty) */
    char **names;           /* display names: keyword and extra names, casefolded + NFKC */
};

/* What lw_identity_lookalike() found: a rule id, a reason and the target. */
struct lw_lookalike {
    const char *rule;       /* static rule id, e.g. "LW_LOOKALIKE_CONFUSABLE" */
    const char *how;        /* static: "confusable characters", ... */
    char *target;           /* owned: the domain or brand imitated */
};

struct lw_identity;

/*
 * lw_identity_new - protected identities from the configuration plus the
 * brands file (brands_file; empty: the installed LW_BRANDS_FILE when it
 * exists, else none). NULL and err on a bad or unsafe file.
 */
struct lw_identity *lw_identity_new(const struct lw_config *cfg, struct lw_error *err);
void lw_identity_free(struct lw_identity *id);
/* lw_identity_tag - add the brand list as loaded to an analyzer's cache tag */
void lw_identity_tag(const struct lw_identity *id, GChecksum *sum);

/* lw_identity_fold - a name or subject as read: casefold + NFKC, invisible removed, disguised words whole (g_free) */
char *lw_identity_fold(const char *s);
/*
 * lw_regex_once - the compiled regex of a constant pattern: the first caller
 * compiles it into the call site's static slot, every thread shares it
 * read-only after (GRegex matching is thread-safe). A constant pattern that
 * does not compile is a programming error: g_error.
 */
GRegex *lw_regex_once(GRegex **slot, const char *pattern, GRegexCompileFlags flags);
/* lw_regex_group1 - the first capture group of re in subject, or NULL (g_free) */
char *lw_regex_group1(const GRegex *re, const char *subject);
/* lw_identity_registrable - registrable domain of host (lowercase), or a copy of host (g_free) */
char *lw_identity_registrable(const struct lw_identity *id, const char *host);
/* lw_identity_valid_hostname - ASCII host name that can exist: LDH labels below an ICANN TLD */
int lw_identity_valid_hostname(const char *host);
/* lw_identity_same_org - do two hosts share a registrable domain? */
int lw_identity_same_org(const struct lw_identity *id, const char *a, const char *b);
/* lw_identity_is_protected - host is one of the organization's domains */
int lw_identity_is_protected(const struct lw_identity *id, const char *host);
/* lw_identity_brand_of_host - the brand owning host, or NULL */
const struct lw_brand *lw_identity_brand_of_host(const struct lw_identity *id, const char *host);
/* lw_identity_host_of_brand - is host one of brand b's own domains (or below one)? */
int lw_identity_host_of_brand(const struct lw_identity *id, const char *host, const struct lw_brand *b);
/* lw_identity_public_ip - addr is an IP address of the Internet (not private, loopback, link-local, any) */
int lw_identity_public_ip(const char *addr);
/* lw_identity_kind - LW_KIND_* bits of host (or of a domain it is below) */
unsigned lw_identity_kind(const struct lw_identity *id, const char *host);

/*
 * Names in a display name (matched on folded text, as whole words when the
 * name starts or ends with a letter or digit). Each returns the name found
 * (borrowed) or NULL.
 */
const char *lw_identity_protected_name_in(const struct lw_identity *id, const char *display);
const char *lw_identity_protected_domain_in(const struct lw_identity *id, const char *display);
const char *lw_identity_vip_in(const struct lw_identity *id, const char *display);
const char *lw_identity_brand_in(const struct lw_identity *id, const char *display,
                                 const struct lw_brand **brand);
/* lw_identity_brand_named_in - lw_identity_brand_in, or a brand spelled to only look like it (PayPaI, "Pay Pal") */
const char *lw_identity_brand_named_in(const struct lw_identity *id, const char *display,
                                       const struct lw_brand **brand);
/* lw_identity_name_match - is the folded needle a word of the folded haystack? */
int lw_identity_name_match(const char *hay_folded, const char *needle_folded);

/*
 * lw_identity_lookalike - does host imitate a protected domain or a brand?
 * 1 with out filled (free out->target), 0 when not (or when host is the
 * real thing). Checks: confusable skeleton, edit distance, combosquatting,
 * subdomain impersonation, brand on free hosting, mixed scripts. With
 * strict, a brand name counts in combinations only as a whole '-'-token
 * (paypal-login), never inside a longer word (for link hosts, which name
 * brands innocently far more often than sender domains do).
 */
int lw_identity_lookalike(const struct lw_identity *id, const char *host, int strict,
                          struct lw_lookalike *out);

/* lw_identity_mixed_script - a word mixing scripts (Latin with Cyrillic/Greek), as ICU judges */
int lw_identity_mixed_script(const struct lw_identity *id, const char *word);

#endif
