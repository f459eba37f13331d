/* reviewers.h - who reviews which held message (report_to, report_domain_reviewers) */
#ifndef LW_REVIEWERS_H
#define LW_REVIEWERS_H

#include <glib.h>

#include "util/conf.h"
#include "util/error.h"
#include "review/quarantine_store.h"

/* lw_reviewers_parse - "dom:addr, dom:addr" into map (lowercase domain -> address); -1 with err on a bad item */
int lw_reviewers_parse(const char *spec, GHashTable *map, struct lw_error *err);

/*
 * lw_reviewer_covers - who may review e: report_to reviews every message,
 * a domain reviewer the messages to a recipient in its domain (addresses
 * compared without case).
 */
int lw_reviewer_covers(const struct lw_config *cfg, GHashTable *map, const struct lw_qentry *e, const char *who);

/* lw_reviewer_sees_all - is who report_to, the reviewer of every message? */
int lw_reviewer_sees_all(const struct lw_config *cfg, const char *who);

#endif
