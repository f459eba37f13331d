/* actions.h - apply a verdict to the message in the MTA: the only smfi_* modifier calls */
#ifndef LW_ACTIONS_H
#define LW_ACTIONS_H

#include "callbacks.h"
#include "model/message.h"
#include "model/verdict.h"

/* The prefix of every header lurewatch writes; fields with it that arrive are removed. */
#define LW_HEADER_PREFIX "X-Lurewatch-"

sfsistat lw_apply_verdict(SMFICTX *ctx, const struct lw_config *cfg, struct lw_msgctx *m,
                          const struct lw_message *msg, const struct lw_verdict *v,
                          const char *ref);
sfsistat lw_apply_failure(SMFICTX *ctx, const struct lw_config *cfg, struct lw_msgctx *m,
                          const char *ref);

#endif
