/* actions.h - apply a verdict to the message in the MTA: the only smfi_* modifier calls */
#ifndef LW_ACTIONS_H
#define LW_ACTIONS_H

#include "callbacks.h"
#include "model/message.h"
#include "model/verdict.h"

extern const char *const lw_our_headers[3];

sfsistat lw_apply_verdict(SMFICTX *ctx, const struct lw_config *cfg, struct lw_msgctx *m,
                          const struct lw_message *msg, const struct lw_verdict *v,
                          const char *ref);
sfsistat lw_apply_failure(SMFICTX *ctx, const struct lw_config *cfg, struct lw_msgctx *m,
                          const char *ref);

#endif
