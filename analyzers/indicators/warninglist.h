/* warninglist.h - MISP warninglists: values that show up in bad mail but must never block */
#ifndef LW_WARNINGLIST_H
#define LW_WARNINGLIST_H

#include <stddef.h>
#include "util/conf.h"
#include "util/error.h"
#include "model/indicator.h"

struct lw_warninglists;

/*
 * lw_warninglists_load - every *.json file of dir (MISP/misp-warninglists
 * format) into one immutable set, shared read-only by any number of
 * threads; NULL and err ("FILE: reason") when dir or a file is unreadable
 * or malformed. Never logs.
 */
struct lw_warninglists *lw_warninglists_load(const char *dir, struct lw_error *err);
void lw_warninglists_free(struct lw_warninglists *wl);
/*
 * lw_warninglists_configured - load the lists of warninglists_dir, or of
 * the installed set when the key is empty and the set exists: 0 and *out
 * (NULL when there are none), or -1 and err.
 */
int lw_warninglists_configured(const struct lw_config *cfg, struct lw_warninglists **out, struct lw_error *err);

/*
 * lw_warninglists_match - the name of a list that names value as an
 * indicator of type, or NULL (also when wl is NULL). The name lives as
 * long as wl.
 */
const char *lw_warninglists_match(const struct lw_warninglists *wl, enum lw_ioc_type type, const char *value);

/* lw_warninglists_sha256 - a digest of the names and texts of the lists as loaded */
const char *lw_warninglists_sha256(const struct lw_warninglists *wl);
/* lw_warninglists_size - how many lists and values were loaded */
void lw_warninglists_size(const struct lw_warninglists *wl, size_t *lists, size_t *values);

#endif
