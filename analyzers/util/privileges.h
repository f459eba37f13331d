/* privileges.h - a daemon's start as root: directories given to its user, then that user for good */
#ifndef LW_PRIVILEGES_H
#define LW_PRIVILEGES_H

#include <pwd.h>
#include <sys/types.h>

#include "util/error.h"

/*
 * lw_dir_prepare - make path (absolute) and its missing parents, never
 * through a symbolic link (lw_dir_open_path), the last one given to pw
 * (NULL: nobody). Only a directory owned by root or already by pw is
 * given: one that some other user made (planted) is refused, never chowned.
 */
int lw_dir_prepare(const char *path, mode_t mode, const struct passwd *pw, struct lw_error *err);

/*
 * lw_drop_privileges - become user (and its groups) for good; nothing for
 * NULL or "". -1 and err when the user is unknown, a change fails, or root
 * could be regained.
 */
int lw_drop_privileges(const char *user, struct lw_error *err);

#endif
