/* pages.h - the HTML pages of lurewatch-review: escaped, defanged, nothing remote, no script */
#ifndef LW_REVIEW_PAGES_H
#define LW_REVIEW_PAGES_H

#include <glib.h>

#include "util/conf.h"
#include "review/quarantine_store.h"

/* lw_page_notice - a page with a title and one paragraph (results, refusals) (g_free) */
char *lw_page_notice(const struct lw_config *cfg, const char *title, const char *text);

/*
 * lw_page_confirm - what the link would do to which message, and one
 * button: a POST of the token and its CSRF value to "a". e may be NULL
 * (no record of the message). (g_free)
 */
char *lw_page_confirm(const struct lw_config *cfg, const struct lw_qentry *e, const char *queue_id,
                      const char *action, const char *token, const char *csrf);

/* What one reviewer's page shows. Arrays borrow struct lw_qentry. */
struct lw_review_view {
    const char *reviewer;
    const char *token;          /* the review link's token, or NULL (identity from the proxy) */
    const char *csrf;
    GPtrArray *held;            /* this page of held messages, newest first */
    guint total_held;           /* every held message the reviewer sees */
    guint offset;               /* of held->pdata[0] among them */
    guint page_size;            /* rows a page shows */
    GPtrArray *decided;         /* the audit trail: latest decisions first */
};

/* lw_page_review - the review page: compact rows, batch release and delete, the audit trail (g_free) */
char *lw_page_review(const struct lw_config *cfg, const struct lw_review_view *v);

/*
 * lw_page_preview - one message in full: every reason with its evidence,
 * why the score acted, the indicators, and its text (text only, escaped,
 * defanged, capped; nothing fetched, nothing executed). (g_free)
 */
char *lw_page_preview(const struct lw_config *cfg, const struct lw_qentry *e, const char *text,
                      const char *back);

#endif
