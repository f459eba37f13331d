/* feed.h - indicator feeds: plain lists, CSV, STIX 2.1 bundles, MISP events */
#ifndef LW_IOC_FEED_H
#define LW_IOC_FEED_H

#include <glib.h>
#include "indicators/store.h"
#include "indicators/warninglist.h"

#define LW_FEED_MAX_PROBLEMS 50     /* problems listed per feed; the rest are counted */

/* What loading one feed file did. */
struct lw_feed_report {
    char *path;
    char *name;                 /* feed name: file name without extensions */
    const char *format;         /* "list", "csv", "stix", "misp" or NULL if unknown */
    size_t counts[LW_IOC_NTYPES];   /* indicators loaded, by type */
    size_t loaded;
    size_t rejected;            /* values refused (bad value for its type) */
    size_t unsupported;         /* STIX patterns / MISP types outside what lurewatch matches */
    size_t expired;             /* past valid_until when loaded: not added */
    size_t revoked;             /* STIX revoked: not added */
    size_t warninglisted;       /* on a warninglist: reported, not added (never blocks) */
    GPtrArray *problems;        /* char*: "file:position: reason", at most LW_FEED_MAX_PROBLEMS */
    size_t more_problems;       /* problems not listed */
    char *error;                /* the feed is malformed and was not loaded: "file:position: reason" */
    size_t kept;                /* malformed at reload: indicators kept from the previous version */
    char *sha256;               /* of the text loaded; NULL when malformed (the loader of a kept
                                   version may fill in that version's) */
};

void lw_feed_report_free(struct lw_feed_report *r);
/* lw_feed_problem - note one problem (printf-style) */
void lw_feed_problem(struct lw_feed_report *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/*
 * lw_feeds_load - load every feed in paths (files, or directories whose
 * regular files not starting with '.' are loaded in name order) into a new
 * store. A malformed feed is reported (its report's `error`) and skipped;
 * when `previous` (the store being replaced, may be NULL) had that feed,
 * its indicators are kept. Feeds that anyone may write are refused. One
 * report per file is appended to reports (struct lw_feed_report, with
 * lw_feed_report_free as the array's free function). now decides expiry.
 * An entry that a warninglist of wl (may be NULL) names is not added: it
 * is counted and reported as a problem, since nobody should block on it.
 * Never NULL; never logs.
 */
struct lw_ioc_store *lw_feeds_load(char *const *paths, const struct lw_ioc_store *previous,
                                   GPtrArray *reports, gint64 now, const struct lw_warninglists *wl);

/* lw_ioc_guess_type - the type a bare value most likely is; 0 on success */
int lw_ioc_guess_type(const char *value, enum lw_ioc_type *type);

/* lw_feed_parse_time - ISO 8601 (date, or date and time) or unix seconds; 0 if unparseable */
gint64 lw_feed_parse_time(const char *s);

/* Used by the readers (feed.c, feed-json.c). */
struct lw_feed_ctx {
    struct lw_ioc_builder *b;
    unsigned feed;
    struct lw_feed_report *rep;
    gint64 now;
    const struct lw_warninglists *wl;   /* may be NULL */
};

/* lw_feed_add - add one value, counting and reporting; where says the position */
int lw_feed_add(struct lw_feed_ctx *c, enum lw_ioc_type type, const char *value,
                const struct lw_ioc_meta *meta, const char *where);

/*
 * lw_feed_load_data - one feed's text, as lw_feeds_load() reads a file:
 * refuses NUL bytes and invalid UTF-8, picks the format from path (its
 * extension, NAME.TYPE.EXT) or the content and reads it into c->b. data
 * holds len bytes plus a NUL at data[len] and is modified (lines are cut in
 * place); the caller frees it. -1 with c->rep->error when malformed.
 */
int lw_feed_load_data(struct lw_feed_ctx *c, const char *path, char *data, size_t len);

/* lw_feed_json - a STIX 2.1 bundle or MISP event(s); -1 and rep->error when malformed */
int lw_feed_json(struct lw_feed_ctx *c, const char *data, size_t len);

#endif
