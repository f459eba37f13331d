/* preflight.h - socket specification, user and directories checked before serving */
#ifndef LW_PREFLIGHT_H
#define LW_PREFLIGHT_H

#include <pwd.h>
#include <sys/types.h>

#include "util/conf.h"
#include "util/error.h"
#include "util/privileges.h"

int lw_socket_spec_check(const char *spec, struct lw_error *err);
const char *lw_socket_unix_path(const char *spec);
int lw_score_keys_check(const struct lw_config *cfg, struct lw_error *err);
int lw_dir_writable_as(const char *dir, const struct passwd *pw, struct lw_error *err);

#endif
