/* campaign.h - what the relay farm has seen, as signals on one message: an engine step, not an analyzer */
#ifndef LW_CAMPAIGN_H
#define LW_CAMPAIGN_H

#include "util/conf.h"
#include "model/message.h"
#include "model/verdict.h"

struct lw_cache_session;

/*
 * lw_campaign_summary - what the counters know msg by (its content
 * fingerprint and attachments), cached with its verdict so that a copy
 * served from the cache counts the same without being parsed
 */
struct lw_summary *lw_campaign_summary(const struct lw_message *msg);

/*
 * lw_campaign_want - queue the counters and first-contact lookups of the
 * message (msg: its header at least; sum: its content) into s, before its
 * round trip
 */
void lw_campaign_want(const struct lw_config *cfg, const struct lw_message *msg, const struct lw_summary *sum,
                      struct lw_cache_session *s);

/*
 * lw_campaign_scan - LW_CAMPAIGN_* and LW_FIRST_CONTACT* hits from what s
 * fetched; on every message, also a cached verdict, after the analyzers.
 */
void lw_campaign_scan(const struct lw_config *cfg, const struct lw_message *msg, const struct lw_summary *sum,
                      struct lw_cache_session *s, struct lw_verdict *v);

#endif
