/* campaign.h - what the relay farm has seen, as signals on one message: an engine step, not an analyzer */
#ifndef LW_CAMPAIGN_H
#define LW_CAMPAIGN_H

#include "util/conf.h"
#include "model/message.h"
#include "model/verdict.h"

struct lw_cache_session;

/* lw_campaign_want - queue msg's counters and first-contact lookups into s, before its round trip */
void lw_campaign_want(const struct lw_config *cfg, const struct lw_message *msg, struct lw_cache_session *s);

/*
 * lw_campaign_scan - LW_CAMPAIGN_* and LW_FIRST_CONTACT* hits from what s
 * fetched; on every message, also a cached verdict, after the analyzers.
 */
void lw_campaign_scan(const struct lw_config *cfg, const struct lw_message *msg, struct lw_cache_session *s,
                      struct lw_verdict *v);

#endif
