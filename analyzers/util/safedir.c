/*
 * safedir.c - directories and files opened without following symbolic links
 *
 * A directory that a less privileged user can write (the quarantine
 * store: the milter's user owns it, root's lurewatch-report reads and
 * writes it) may hold a symbolic link planted there, pointing at
 * /etc or at a file root should never write. Everything here opens with
 * openat() and O_NOFOLLOW, relative to a directory already opened the same
 * way, and checks what it opened with fstat(): a directory owned by the
 * expected user, a regular file with one link. A symbolic link is refused
 * with a message that says so; nothing is followed.
 *
 * lw_write_all writes a whole buffer to what was opened so (the one write
 * loop of the store, the export files and the review service's helper).
 *
 * Nothing here logs; errors fill struct lw_error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "util/safedir.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* refused - err for a failed open of shown; keeps errno */
static int refused(const char *shown, struct lw_error *err)
{
    int e = errno;

    if (e == ELOOP || e == ENOTDIR)
        lw_error_set(err, "%s: a symbolic link or not a directory: refused, not followed "
                          "(remove it, and find out who made it)", shown);
    else
        lw_error_set(err, "%s: %s", shown, g_strerror(e));
    errno = e;
    return -1;
}

/* open_dir - NAME in dirfd as a directory, made when missing and create is set */
static int open_dir(int dirfd, const char *name, mode_t mode, int create)
{
    int fd = openat(dirfd, name, DIR_FLAGS);

    if (fd < 0 && errno == ENOENT && create) {
        if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
            return -1;
        fd = openat(dirfd, name, DIR_FLAGS);
    }
    return fd;
}

int lw_dir_open_path(const char *path, mode_t mode, int create, struct lw_error *err)
{
    gchar **parts;
    int fd;

    if (path[0] != '/')
        return lw_error_set(err, "%s: must be an absolute path", path);
    if ((fd = open("/", DIR_FLAGS)) < 0)
        return refused("/", err);
    parts = g_strsplit(path + 1, "/", -1);
    for (int i = 0; parts[i] != NULL && fd >= 0; i++) {
        int next;

        if (*parts[i] == '\0' || strcmp(parts[i], ".") == 0)
            continue;
        if (strcmp(parts[i], "..") == 0) {
            lw_error_set(err, "%s: \"..\" is not allowed", path);
            next = -1;
        } else if ((next = open_dir(fd, parts[i], mode, create)) < 0) {
            refused(path, err);
        }
        {
            int e = errno;

            close(fd);
            errno = e;
        }
        fd = next;
    }
    g_strfreev(parts);
    return fd;
}

int lw_dir_openat(int dirfd, const char *name, const char *shown, mode_t mode, int create, uid_t owner,
                  struct lw_error *err)
{
    struct stat st;
    int fd = open_dir(dirfd, name, mode, create);

    if (fd < 0)
        return refused(shown, err);
    if (fstat(fd, &st) < 0) {
        refused(shown, err);
        close(fd);
        return -1;
    }
    if (st.st_uid != geteuid() && st.st_uid != owner) {
        lw_error_set(err, "%s: owned by uid %u, not by uid %u or %u: refused", shown, (unsigned) st.st_uid,
                     (unsigned) geteuid(), (unsigned) owner);
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

int lw_file_openat(int dirfd, const char *name, const char *shown, int flags, mode_t mode,
                   struct lw_error *err)
{
    struct stat st;
    int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, mode);

    if (fd < 0)
        return refused(shown, err);
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
        lw_error_set(err, "%s: not a plain file (a device, a FIFO, or a hard link to a file elsewhere): "
                          "refused", shown);
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

int lw_write_all(int fd, const char *data, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        done += (size_t) n;
    }
    return 0;
}
