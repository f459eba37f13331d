/* safedir.h - directories and files opened without following symbolic links */
#ifndef LW_SAFEDIR_H
#define LW_SAFEDIR_H

#include <sys/types.h>

#include "util/error.h"

/*
 * lw_dir_open_path - an absolute directory path opened one component at a
 * time from "/" (openat, O_NOFOLLOW | O_DIRECTORY), so a symbolic link
 * anywhere in it is refused, never followed. With create, a missing
 * component is made with mode. The directory's descriptor, or -1 with err
 * (and errno: ENOENT when it is missing and create is 0).
 */
int lw_dir_open_path(const char *path, mode_t mode, int create, struct lw_error *err);

/*
 * lw_dir_openat - the directory NAME in dirfd, made with mode when missing
 * and create is set, never through a symbolic link, and owned by this
 * process's user or by owner (its parent's owner, say). shown names it in
 * err. A descriptor, or -1 with err (errno ENOENT: missing, create 0).
 */
int lw_dir_openat(int dirfd, const char *name, const char *shown, mode_t mode, int create, uid_t owner,
                  struct lw_error *err);

/*
 * lw_file_openat - the file NAME in dirfd opened with flags (O_CREAT
 * allowed, with mode), never through a symbolic link, and only when it
 * is a regular file with one link (no hard link to a file elsewhere).
 * A descriptor, or -1 with err (errno ENOENT: missing).
 */
int lw_file_openat(int dirfd, const char *name, const char *shown, int flags, mode_t mode,
                   struct lw_error *err);

/*
 * lw_write_all - all len bytes of data to fd, retrying on EINTR and after a
 * short write: 0, or an errno (EIO when write wrote nothing)
 */
int lw_write_all(int fd, const char *data, size_t len);

#endif
