/* privsep.h - the review service's privileged helper: the MTA's commands as root, nothing else */
#ifndef LW_REVIEW_PRIVSEP_H
#define LW_REVIEW_PRIVSEP_H

#include <glib.h>

#include "util/conf.h"
#include "util/error.h"
#include "review/actions.h"

struct lw_privsep;

/*
 * lw_privsep_start - fork the helper (call as root, before any thread
 * starts and before secrets are loaded). It keeps cfg as it is now and
 * serves lw_privileged_do() over a socket pair until the service closes it.
 * NULL with err when it cannot be started.
 */
struct lw_privsep *lw_privsep_start(const struct lw_config *cfg, struct lw_error *err);

/* lw_privsep_via - the lw_privileged that reaches the helper (valid while p is) */
struct lw_privileged lw_privsep_via(struct lw_privsep *p);

/* lw_privsep_stop - close the socket, reap the helper, free; p may be NULL */
void lw_privsep_stop(struct lw_privsep *p);

#endif
