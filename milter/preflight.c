/*
 * preflight.c - what lurewatch-milter needs from the system, checked
 * before it serves (and by -t, so that "configuration OK" is true)
 *
 * lw_socket_spec_check() parses a milter socket specification as libmilter
 * reads it: unix:/path or local:/path (or a bare /path), inet:PORT@HOST,
 * inet6:PORT@HOST (HOST may be omitted: every address). Anything else is
 * refused with the reason, instead of libmilter failing at start-up.
 *
 * lw_dir_writable_as() proves that the user the daemon runs as can create
 * a file in a directory: a child process takes that user's ids and
 * creates and removes a temporary file there. That catches what mode bits
 * do not show: a read-only mount (systemd's ProtectSystem=strict), ACLs.
 *
 * lw_score_keys_check() refuses "score.RULE = N" for a RULE that neither
 * the rules file nor the analyzers define (a typo would leave the noisy
 * rule at its score, silently), suggesting the closest known id.
 *
 * Nothing here logs; errors fill struct lw_error.
 */
#define _GNU_SOURCE 1  /* O_PATH */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "model/score.h"
#include "rulefile.h"
#include "preflight.h"

#define SOCKET_FORMS "unix:/path, local:/path, inet:PORT@HOST or inet6:PORT@HOST"

/* check_port_host - "PORT@HOST" or "PORT" for inet (family AF_INET) or inet6 */
static int check_port_host(const char *spec, const char *rest, int family, struct lw_error *err)
{
    struct addrinfo hints = { 0 }, *ai = NULL;
    const char *at = strchr(rest, '@');
    char *port = g_strndup(rest, at ? (size_t) (at - rest) : strlen(rest));
    char *end;
    long n = strtol(port, &end, 10);
    int rc = 0;

    if (*port == '\0' || *end != '\0' || n < 1 || n > 65535)
        rc = lw_error_set(err, "milter socket %s: \"%s\" is not a port number (1-65535)", spec, port);
    else if (at != NULL) {
        hints.ai_family = family;
        hints.ai_socktype = SOCK_STREAM;
        if (at[1] == '\0' || getaddrinfo(at + 1, NULL, &hints, &ai) != 0)
            rc = lw_error_set(err, "milter socket %s: \"%s\" is not an %s address or host name",
                              spec, at + 1, family == AF_INET6 ? "IPv6" : "IPv4");
        if (ai)
            freeaddrinfo(ai);
    }
    g_free(port);
    return rc;
}

/* lw_socket_spec_check - 0 when libmilter will understand spec */
int lw_socket_spec_check(const char *spec, struct lw_error *err)
{
    const char *colon = strchr(spec, ':');
    const char *path = lw_socket_unix_path(spec);

    if (path != NULL) {
        if (path[0] != '/')
            return lw_error_set(err, "milter socket %s: the path must be absolute", spec);
        return 0;
    }
    if (g_str_has_prefix(spec, "inet:"))
        return check_port_host(spec, spec + 5, AF_INET, err);
    if (g_str_has_prefix(spec, "inet6:"))
        return check_port_host(spec, spec + 6, AF_INET6, err);
    if (colon == NULL)
        return lw_error_set(err, "milter socket \"%s\": no type; use " SOCKET_FORMS, spec);
    return lw_error_set(err, "milter socket %s: unknown type \"%.*s\"; use " SOCKET_FORMS,
                        spec, (int) (colon - spec), spec);
}

/* lw_socket_unix_path - the file of a unix:/local: socket spec, or NULL */
const char *lw_socket_unix_path(const char *spec)
{
    if (g_str_has_prefix(spec, "unix:"))
        return spec + 5;
    if (g_str_has_prefix(spec, "local:"))
        return spec + 6;
    if (spec[0] == '/')
        return spec;
    return NULL;
}

/* try_create - create and remove a file in dir; 0, or errno */
static int try_create(const char *dir)
{
    char *name = g_build_filename(dir, ".lurewatch-check-XXXXXX", NULL);
    int fd = g_mkstemp_full(name, O_RDWR | O_CLOEXEC, 0600);
    int e = fd < 0 ? errno : 0;

    if (fd >= 0) {
        close(fd);
        unlink(name);
    }
    g_free(name);
    return e;
}

/* become - the user's groups, gid and uid, for good (in a child) */
static int become(const struct passwd *pw)
{
    return initgroups(pw->pw_name, pw->pw_gid) == 0 && setgid(pw->pw_gid) == 0
        && setuid(pw->pw_uid) == 0 ? 0 : -1;
}

/* lw_dir_writable_as - 0 when pw (NULL, or not root: this process) can create a file in dir */
int lw_dir_writable_as(const char *dir, const struct passwd *pw, struct lw_error *err)
{
    int e, status;
    pid_t pid;

    if (pw == NULL || geteuid() != 0 || pw->pw_uid == 0) {
        pw = NULL;
        e = try_create(dir);
    } else if ((pid = fork()) < 0) {
        return lw_error_set(err, "%s: cannot check: fork: %s", dir, g_strerror(errno));
    } else if (pid == 0) {
        _exit(become(pw) < 0 ? 255 : try_create(dir));
    } else if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)
               || (e = WEXITSTATUS(status)) == 255) {
        return lw_error_set(err, "%s: cannot check as user %s", dir, pw->pw_name);
    }
    if (e != 0)
        return lw_error_set(err, "%s: not writable by %s: %s", dir,
                            pw ? pw->pw_name : "the user running this check", g_strerror(e));
    return 0;
}

/* distance - Levenshtein distance of a and b, for "did you mean" */
static guint distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    guint *row = g_new(guint, lb + 1), d;

    for (size_t j = 0; j <= lb; j++)
        row[j] = (guint) j;
    for (size_t i = 1; i <= la; i++) {
        guint diag = row[0];

        row[0] = (guint) i;
        for (size_t j = 1; j <= lb; j++) {
            guint up = row[j];

            row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + (a[i - 1] != b[j - 1]));
            diag = up;
        }
    }
    d = row[lb];
    g_free(row);
    return d;
}

/* closest - the rule id of set nearest to id, when near enough to be a typo */
static const char *closest(const struct lw_ruleset *set, const char *id)
{
    const char *best = NULL;
    guint best_d = 3;       /* a typo: at most two edits */

    for (guint i = 0; set && i < set->rules->len; i++) {
        const struct lw_rule *r = g_ptr_array_index(set->rules, i);
        guint d = distance(id, r->id);

        if (d < best_d) {
            best_d = d;
            best = r->id;
        }
    }
    return best;
}

/* lw_score_keys_check - every score.RULE names a rule of the rules file or a built-in one */
int lw_score_keys_check(const struct lw_config *cfg, struct lw_error *err)
{
    GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
    struct lw_ruleset *set = *cfg->rules_file ? lw_ruleset_load(cfg->rules_file, errors) : NULL;
    GHashTable *ids = g_hash_table_new(g_str_hash, g_str_equal);
    GHashTableIter it;
    gpointer rule;
    int rc = 0;

    for (guint i = 0; set && i < set->rules->len; i++)
        g_hash_table_add(ids, ((struct lw_rule *) g_ptr_array_index(set->rules, i))->id);
    g_hash_table_iter_init(&it, cfg->rule_scores);
    while (rc == 0 && g_hash_table_iter_next(&it, &rule, NULL)) {
        const char *near;

        if (g_hash_table_contains(ids, rule) || lw_rule_builtin_known(rule))
            continue;
        near = closest(set, rule);
        rc = lw_error_set(err, "score.%s: no rule \"%s\" in %s or built in%s%s%s", (char *) rule,
                          (char *) rule, *cfg->rules_file ? cfg->rules_file : "the rules",
                          near ? " (did you mean score." : "", near ? near : "", near ? "?)" : "");
    }
    g_hash_table_unref(ids);
    lw_ruleset_free(set);
    g_ptr_array_unref(errors);
    return rc;
}
