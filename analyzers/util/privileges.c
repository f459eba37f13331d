/*
 * privileges.c - what a daemon started as root does before it serves
 *
 * lw_dir_prepare() creates a directory the daemon's user owns (the
 * quarantine store, the hits spool, the review service's state) the way
 * the daemon does while still root: each missing component made with
 * mkdirat() under the one above it, opened with O_NOFOLLOW (util/safedir.c),
 * so a symbolic link planted anywhere in the path is refused rather than
 * followed; the last component is given to the user only when root or that
 * user owns it, never when another user made it.
 *
 * lw_drop_privileges() then takes the user's groups, gid and uid for good,
 * and checks that root cannot be regained. Nothing here logs.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "util/privileges.h"
#include "util/safedir.h"

int lw_dir_prepare(const char *path, mode_t mode, const struct passwd *pw, struct lw_error *err)
{
    struct stat st;
    int fd = lw_dir_open_path(path, mode, 1, err), rc = 0;

    if (fd < 0)
        return -1;
    if (pw != NULL) {
        if (fstat(fd, &st) < 0)
            rc = lw_error_set(err, "%s: %s", path, g_strerror(errno));
        else if (st.st_uid != 0 && st.st_uid != pw->pw_uid)
            rc = lw_error_set(err, "%s: owned by uid %u, neither root nor %s: not given to %s", path,
                              (unsigned) st.st_uid, pw->pw_name, pw->pw_name);
        else if (st.st_uid != pw->pw_uid && fchown(fd, pw->pw_uid, pw->pw_gid) < 0)
            rc = lw_error_set(err, "%s: cannot give it to %s: %s", path, pw->pw_name, g_strerror(errno));
    }
    close(fd);
    return rc;
}

int lw_drop_privileges(const char *user, struct lw_error *err)
{
    struct passwd *pw;

    if (user == NULL || *user == '\0')
        return 0;
    if ((pw = getpwnam(user)) == NULL)
        return lw_error_set(err, "unknown user \"%s\"", user);
    if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0
        || setuid(pw->pw_uid) < 0)
        return lw_error_set(err, "cannot drop privileges to %s: %s", user, strerror(errno));
    if (setuid(0) == 0)
        return lw_error_set(err, "privileges not dropped: could regain root");
    return 0;
}
