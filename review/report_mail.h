/* report_mail.h - the digest and notice mails of lurewatch-report, built with GMime */
#ifndef LW_REPORT_MAIL_H
#define LW_REPORT_MAIL_H

#include <gmime/gmime.h>

#include "util/conf.h"
#include "review/quarantine_store.h"
#include "review/review_token.h"

/* What one digest covers; arrays are borrowed (of struct lw_qentry). */
struct lw_digest {
    const char *to;             /* reviewer address */
    GPtrArray *fresh;           /* held since the last digest */
    GPtrArray *expiring;        /* still held, older than report_expire_days */
    GPtrArray *originals;       /* GMimeMessage* or NULL, parallel to fresh; NULL: none */
    gint64 since;               /* last digest, microseconds (0: never) */
    gint64 now;
    const char *tool;           /* how the reviewer runs lurewatch-report, e.g. "lurewatch-report -c /etc/x.conf" */
    const struct lw_review_key *key;    /* signs each row's review links (review_base_url); NULL: commands only */
};

/* lw_digest_build - multipart/alternative (text + HTML), mixed when originals are attached */
GMimeMessage *lw_digest_build(const struct lw_config *cfg, const struct lw_digest *d);

/* lw_digest_html - the HTML body alone (g_free), as the digest carries it */
char *lw_digest_html(const struct lw_config *cfg, const struct lw_digest *d);

/* lw_notice_build - the short text/plain notice to one recipient of a held message */
GMimeMessage *lw_notice_build(const struct lw_config *cfg, const char *rcpt,
                              const struct lw_qentry *e, const char *reviewer);

/*
 * lw_reasons_plain - why e was held, for people: each rule's description
 * with internal rule ids taken out (or its class in words), strongest
 * first, each once; not yet made safe (char*, g_ptr_array_unref)
 */
GPtrArray *lw_reasons_plain(const struct lw_qentry *e);

/* lw_safe_text - untrusted text for people: lw_printable (capped at max), then lw_defang (g_free) */
char *lw_safe_text(const char *s, size_t max);

/* lw_defang - URLs and host names made non-clickable: hxxp://, [.] (g_free) */
char *lw_defang(const char *s);

#endif
