/* engine_slot.h - the milter's current engine, swapped whole on reload */
#ifndef LW_ENGINE_SLOT_H
#define LW_ENGINE_SLOT_H

#include "engine.h"

struct lw_config *lw_slot_config(const char *config_path, char *const *overrides, struct lw_error *err);
void lw_slot_log_problems(const struct lw_engine *e);
void lw_slot_init(struct lw_engine *e, const char *config_path, char **overrides);
struct lw_engine *lw_slot_get(void);
int lw_slot_reload(void);
int lw_slot_stale(void);
void lw_slot_shutdown(void);

#endif
