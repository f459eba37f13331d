/* review_token.h - signed, expiring, single-use review links (HMAC-SHA-256) */
#ifndef LW_REVIEW_TOKEN_H
#define LW_REVIEW_TOKEN_H

#include <glib.h>

#include "util/conf.h"
#include "util/error.h"

#define LW_REVIEW_VIEW "review"     /* the action of a link to the review page */

/* What a token says. Every string is owned. */
struct lw_review_claim {
    char *action;           /* "release", "delete", "block", "notphish" or LW_REVIEW_VIEW */
    char *relay;            /* instance_name of the relay holding the message */
    char *queue_id;         /* "-" for LW_REVIEW_VIEW */
    char *reviewer;         /* the digest's recipient */
    gint64 expires;         /* seconds since the epoch */
};

void lw_review_claim_clear(struct lw_review_claim *c);

struct lw_review_key;

/*
 * lw_review_key_load - the secret of review_key_file: a regular file (no
 * symlink) of 32 to 4096 bytes that neither its group nor others may read
 * or write. NULL with err otherwise.
 */
struct lw_review_key *lw_review_key_load(const char *path, struct lw_error *err);
void lw_review_key_free(struct lw_review_key *k);

/*
 * lw_review_token_make - "PAYLOAD.MAC", both base64url: the fields of c
 * and an HMAC-SHA-256 over them. NULL when a field is empty, longer than
 * 320 bytes or holds a control character (g_free).
 */
char *lw_review_token_make(const struct lw_review_key *k, const struct lw_review_claim *c);

/*
 * lw_review_token_check - fill c from a token whose MAC is right and whose
 * expiry has not passed at now (seconds); -1 with err (c left empty)
 * when it is malformed, forged or expired.
 */
int lw_review_token_check(const struct lw_review_key *k, const char *token, gint64 now,
                          struct lw_review_claim *c, struct lw_error *err);

/*
 * lw_review_link - the URL of a signed link for reviewer: review_base_url
 * "/a?t=TOKEN" for an action on queue_id, "/r?t=TOKEN" for the review page
 * (action LW_REVIEW_VIEW, queue_id NULL); valid review_token_ttl seconds
 * from now, for this relay (instance_name, else the host name). NULL when
 * review_base_url is empty or a field cannot go in a token. (g_free)
 */
char *lw_review_link(const struct lw_config *cfg, const struct lw_review_key *k, const char *action,
                     const char *queue_id, const char *reviewer, gint64 now);

/* lw_review_relay - this relay's name in tokens: instance_name, else the host name */
const char *lw_review_relay(const struct lw_config *cfg);

/* lw_review_csrf - the form secret bound to a token or to a proxy-authenticated reviewer (hex, g_free) */
char *lw_review_csrf(const struct lw_review_key *k, const char *bound_to);
/* lw_review_csrf_ok - csrf is lw_review_csrf(k, bound_to), compared in constant time */
int lw_review_csrf_ok(const struct lw_review_key *k, const char *bound_to, const char *csrf);

/*
 * lw_review_token_claim - record in dir that the token was used, once:
 * 1 when this call recorded it, 0 when it was used before, -1 with err.
 * lw_review_token_unclaim gives it back (the action it was for failed).
 * lw_review_token_used says whether it was (1) or not (0).
 * lw_review_tokens_prune removes the records of tokens expired before now.
 */
int lw_review_token_claim(const char *dir, const char *token, gint64 expires, struct lw_error *err);
void lw_review_token_unclaim(const char *dir, const char *token);
int lw_review_token_used(const char *dir, const char *token);
void lw_review_tokens_prune(const char *dir, gint64 now);

#endif
