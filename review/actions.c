/*
 * actions.c - acting on held messages: release, delete, block, not phishing
 *
 * DESCRIPTION
 *     The one place a reviewer's decision reaches the MTA, shared by
 *     lurewatch-report (release, delete from the command line) and
 *     lurewatch-review (the signed links and the review page).
 *
 *     lw_decide() runs postsuper -H (then postqueue -i to deliver at once)
 *     or postsuper -d QUEUEID hold, checks from postsuper's own words that
 *     exactly one message was acted on, and records the decision with who
 *     and when in the quarantine store. With mta = sendmail a release is
 *     sendmail -v -qQ -Q -qIQUEUEID (checked the same way from Sendmail's
 *     verbose words) and a delete removes the envelope's queue files, as
 *     Sendmail has no command for it. A release ("released", or
 *     "not-phishing") is a false positive: it goes to
 *     lw_qstore_false_positive_hook() and to the hits stream (type
 *     release), so that exports stop sharing the message's indicators as
 *     malicious. A block ("blocked") deletes the message and appends its
 *     sender's address to review_block_file, a plain-list feed the milter
 *     reads from feeds_dir; a delete or a block goes to the hits stream as
 *     a confirmation (type confirm), and exports keep the indicators.
 *
 * SECURITY
 *     What needs root goes through lw_privileged_do(): four operations,
 *     each checking its one argument itself, so that it can run in a
 *     privileged helper that trusts nothing from its caller
 *     (lurewatch-review -u, review/service/privsep.c).
 *     Commands are run with execv, never through a shell; the only value
 *     from mail that reaches an argument is a queue id checked by
 *     lw_mta_queue_id_valid() in the configured MTA's own form. The address appended to review_block_file is
 *     letters, digits and ._%+-@ only, so it cannot add a line of its own.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/hits.h"
#include "review/actions.h"

#define MAX_CAPTURE (256LL * 1024 * 1024)

static const struct {
    const char *name, *recorded;
    int release;
} decisions[] = {
    [LW_RELEASE] = { "release", "released", 1 },
    [LW_DELETE] = { "delete", "deleted", 0 },
    [LW_BLOCK] = { "block", "blocked", 0 },
    [LW_NOT_PHISHING] = { "notphish", "not-phishing", 1 },
};

const char *lw_decision_name(enum lw_decision d)
{
    return decisions[d].name;
}

const char *lw_decision_recorded(enum lw_decision d)
{
    return decisions[d].recorded;
}

int lw_decision_parse(const char *name, enum lw_decision *d)
{
    for (size_t i = 0; name && i < G_N_ELEMENTS(decisions); i++)
        if (strcmp(name, decisions[i].name) == 0) {
            *d = (enum lw_decision) i;
            return 0;
        }
    return -1;
}

/* lw_decision_is_release - does a recorded decision ("released", "not-phishing", ...) deliver the message? */
int lw_decision_is_release(const char *recorded)
{
    for (size_t i = 0; recorded && i < G_N_ELEMENTS(decisions); i++)
        if (strcmp(recorded, decisions[i].recorded) == 0)
            return decisions[i].release;
    return 0;
}

/* pump - feed input, collect output and errors until the child closes both */
static void pump(int in_fd, const char *input, size_t inlen, int out_fd, int err_fd,
                 GString *out, GString *errs)
{
    struct pollfd fds[3];
    size_t sent = 0;
    char buf[65536];

    if (in_fd >= 0 && inlen == 0) {
        close(in_fd);
        in_fd = -1;
    }
    while (in_fd >= 0 || out_fd >= 0 || err_fd >= 0) {
        int nfds = 0, in_i = -1, out_i = -1, err_i = -1;

        if (in_fd >= 0)
            fds[in_i = nfds++] = (struct pollfd) { in_fd, POLLOUT, 0 };
        if (out_fd >= 0)
            fds[out_i = nfds++] = (struct pollfd) { out_fd, POLLIN, 0 };
        if (err_fd >= 0)
            fds[err_i = nfds++] = (struct pollfd) { err_fd, POLLIN, 0 };
        if (poll(fds, (nfds_t) nfds, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (in_i >= 0 && fds[in_i].revents) {
            ssize_t n = write(in_fd, input + sent, MIN(inlen - sent, sizeof(buf)));

            if (n > 0)
                sent += (size_t) n;
            if (n < 0 || sent == inlen) {
                close(in_fd);
                in_fd = -1;
            }
        }
        for (int k = 0; k < 2; k++) {
            int i = k ? err_i : out_i, *fd = k ? &err_fd : &out_fd;
            GString *dst = k ? errs : out;
            ssize_t n;

            if (i < 0 || !fds[i].revents)
                continue;
            n = read(*fd, buf, sizeof(buf));
            if (n > 0 && (long long) dst->len < MAX_CAPTURE)
                g_string_append_len(dst, buf, n);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                close(*fd);
                *fd = -1;
            }
        }
    }
}

/* pipe_cloexec - a pipe whose ends do not leak into the child beyond stdin/stdout/stderr */
static int pipe_cloexec(int fds[2])
{
    if (pipe(fds) < 0)
        return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

/* lw_run - execv argv with input on stdin; stdout and stderr captured; exit status or -1 */
int lw_run(char *const *argv, const char *input, size_t inlen, GString *out, GString *errs)
{
    int pin[2], pout[2], perr[2], status;
    pid_t pid;

    if (pipe_cloexec(pin) < 0 || pipe_cloexec(pout) < 0 || pipe_cloexec(perr) < 0) {
        g_string_append_printf(errs, "pipe: %s", g_strerror(errno));
        return -1;
    }
    if ((pid = fork()) < 0) {
        g_string_append_printf(errs, "fork: %s", g_strerror(errno));
        return -1;
    }
    if (pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        dup2(perr[1], 2);
        execv(argv[0], argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    pump(pin[1], input, inlen, pout[0], perr[0], out, errs);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* lw_postfix_argv - DIR/CMD [-c CONFIG_DIR] ARGS... (g_strfreev) */
char **lw_postfix_argv(const struct lw_config *cfg, const char *cmd, ...)
{
    GPtrArray *a = g_ptr_array_new();
    const char *arg;
    va_list ap;

    g_ptr_array_add(a, g_build_filename(cfg->postfix_command_dir, cmd, NULL));
    if (*cfg->postfix_config_dir) {
        g_ptr_array_add(a, g_strdup("-c"));
        g_ptr_array_add(a, g_strdup(cfg->postfix_config_dir));
    }
    va_start(ap, cmd);
    while ((arg = va_arg(ap, const char *)) != NULL)
        g_ptr_array_add(a, g_strdup(arg));
    va_end(ap);
    g_ptr_array_add(a, NULL);
    return (char **) g_ptr_array_free(a, FALSE);
}


/* ---- the MTA's side of a decision ---- */

int lw_mta_queue_id_valid(const struct lw_config *cfg, const char *id)
{
    return cfg->mta == LW_MTA_SENDMAIL ? lw_sendmail_queue_id_valid(id) : lw_postfix_queue_id_valid(id);
}

/* postsuper - run postsuper and check that it acted on one message ("Released"/"Deleted") */
static int postsuper(const struct lw_config *cfg, const char *id, int release, struct lw_error *err)
{
    char **argv = release ? lw_postfix_argv(cfg, "postsuper", "-H", id, NULL)
                          : lw_postfix_argv(cfg, "postsuper", "-d", id, "hold", NULL);
    GString *out = g_string_new(NULL), *errs = g_string_new(NULL);
    int status = lw_run(argv, NULL, 0, out, errs), rc = 0;

    if (status != 0 || strstr(errs->str, release ? "Released from hold: 1 message"
                                                 : "Deleted: 1 message") == NULL)
        rc = lw_error_set(err, "%s: not %s: %s", id, release ? "released" : "deleted",
                          status != 0 ? g_strstrip(errs->str) : "not in the hold queue");
    g_strfreev(argv);
    g_string_free(out, TRUE);
    g_string_free(errs, TRUE);
    return rc;
}

/* deliver_now - postqueue -i: schedule the released message at once (best effort: the next queue run delivers it) */
static void deliver_now(const struct lw_config *cfg, const char *id)
{
    char **argv = lw_postfix_argv(cfg, "postqueue", "-i", id, NULL);
    GString *out = g_string_new(NULL), *errs = g_string_new(NULL);

    (void) lw_run(argv, NULL, 0, out, errs);
    g_strfreev(argv);
    g_string_free(out, TRUE);
    g_string_free(errs, TRUE);
}

/*
 * sendmail_release - sendmail -v -qQ -Q -qIID: an empty -Q reason takes the
 * quarantined envelopes -qI selects out of quarantine (op.me, "Quarantined
 * Queue Items"); the next queue run delivers them. -qI matches a substring
 * of the queue id, so Sendmail's own verbose words must say that exactly
 * one envelope, this one, changed.
 */
static int sendmail_release(const struct lw_config *cfg, const char *id, struct lw_error *err)
{
    char *select = g_strconcat("-qI", id, NULL), *said = g_strdup_printf("%s: Removed quarantine of ", id);
    char *argv[] = { cfg->sendmail_program, "-v", "-qQ", "-Q", select, NULL };
    GString *out = g_string_new(NULL), *errs = g_string_new(NULL);
    int status = lw_run(argv, NULL, 0, out, errs), rc = 0;
    const char *one = strstr(out->str, "\n1 change\n");

    if (status != 0)
        rc = lw_error_set(err, "%s: not released: %s", id, *errs->str ? g_strstrip(errs->str)
                                                                       : g_strstrip(out->str));
    else if (one == NULL || strstr(out->str, said) == NULL)
        rc = lw_error_set(err, "%s: not released: %s", id, strstr(out->str, "No changes")
                          ? "not in Sendmail's quarantine" : "Sendmail did not say it released exactly this one");
    g_free(select);
    g_free(said);
    g_string_free(out, TRUE);
    g_string_free(errs, TRUE);
    return rc;
}

/* lw_sendmail_queue_file - QUEUE_DIR[/Xf]/TfID: the Xf subdirectory (qf for q and h) when it exists (g_free) */
char *lw_sendmail_queue_file(const struct lw_config *cfg, char type, const char *id)
{
    char sub[3] = { type == 'h' ? 'q' : type, 'f', '\0' }, name[3] = { type, 'f', '\0' };
    char *dir = g_build_filename(cfg->sendmail_queue_dir, sub, NULL), *path, *file = g_strconcat(name, id, NULL);

    path = g_file_test(dir, G_FILE_TEST_IS_DIR) ? g_build_filename(dir, file, NULL)
                                                : g_build_filename(cfg->sendmail_queue_dir, file, NULL);
    g_free(dir);
    g_free(file);
    return path;
}

/* unlink_queue_file - remove one of the envelope's files; one that is not there is fine */
static int unlink_queue_file(const struct lw_config *cfg, char type, const char *id, struct lw_error *err)
{
    char *path = lw_sendmail_queue_file(cfg, type, id);
    int rc = 0;

    if (unlink(path) < 0 && errno != ENOENT)
        rc = lw_error_set(err, "%s: not deleted: %s: %s", id, path, g_strerror(errno));
    g_free(path);
    return rc;
}

/*
 * sendmail_delete - Sendmail has no command that removes a queued
 * envelope: remove its files as an administrator would, the data file (df)
 * and transcript (xf) first and the quarantined control file (hf) last, as
 * Sendmail itself drops an envelope. The hf file is locked first (Sendmail
 * locks a control file it works on, with fcntl or flock as it was built),
 * so an envelope a queue run holds is left alone ("busy").
 */
static int sendmail_delete(const struct lw_config *cfg, const char *id, struct lw_error *err)
{
    char *hf = lw_sendmail_queue_file(cfg, 'h', id);
    struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    struct stat st;
    int fd = open(hf, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK), rc = -1;

    if (fd < 0)
        lw_error_set(err, "%s: not deleted: %s", id, errno == ENOENT ? "not in Sendmail's quarantine"
                                                                     : g_strerror(errno));
    else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        lw_error_set(err, "%s: not deleted: %s is not a regular file", id, hf);
    else if (fcntl(fd, F_SETLK, &lk) < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
        lw_error_set(err, "%s: not deleted: Sendmail is working on it (try again): %s", id, g_strerror(errno));
    else if (unlink_queue_file(cfg, 'd', id, err) == 0 && unlink_queue_file(cfg, 'x', id, err) == 0
             && unlink_queue_file(cfg, 'h', id, err) == 0)
        rc = 0;
    if (fd >= 0)
        close(fd);
    g_free(hf);
    return rc;
}

/* mta_act - release or delete ID in the configured MTA's queue; -1 with err */
static int mta_act(const struct lw_config *cfg, const char *id, int release, struct lw_error *err)
{
    if (cfg->mta == LW_MTA_SENDMAIL)
        return release ? sendmail_release(cfg, id, err) : sendmail_delete(cfg, id, err);
    if (postsuper(cfg, id, release, err) < 0)
        return -1;
    if (release)
        deliver_now(cfg, id);
    return 0;
}

/* not_an_id - the error for a queue id that is not the configured MTA's */
static void not_an_id(const struct lw_config *cfg, const char *id, struct lw_error *err)
{
    lw_error_set(err, "\"%s\" is not a %s queue id", id, cfg->mta == LW_MTA_SENDMAIL ? "Sendmail" : "Postfix");
}

/*
 * publish_decision - put the decision on the hits stream (Redis, or its
 * spool while Redis is down): a release so that indicator exports drop the
 * message's indicators, a delete or block as a confirmation; without Redis
 * configured the store's record is the signal.
 */
static int publish_decision(const struct lw_config *cfg, const struct lw_qentry *e, enum lw_decision d,
                            const char *user, struct lw_error *err)
{
    struct lw_hits *h;

    if (!lw_hits_configured(cfg))
        return 0;
    if ((h = lw_hits_new(cfg, err)) == NULL)
        return -1;
    if (decisions[d].release)
        lw_hits_publish_release(h, e->queue_id, e->instance, e->message_id, user);
    else
        lw_hits_publish_confirm(h, e->queue_id, e->instance, e->message_id, decisions[d].recorded, user);
    lw_hits_free(h);    /* returns once the entry is in Redis or in the spool */
    return 0;
}

/* lw_plain_address - local@domain of letters, digits and ._%+- only: one line, no header syntax */
int lw_plain_address(const char *a)
{
    const char *at = strchr(a, '@');
    size_t n = strlen(a);

    return at && at != a && at[1] && n < 256 && !strchr(at + 1, '@')
        && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-@") == n;
}

/* block_append - addr on a line of its own at the end of review_block_file; -1 with err */
static int block_append(const struct lw_config *cfg, const char *addr, struct lw_error *err)
{
    char *line;
    int fd, rc = 0;

    if (*cfg->review_block_file == '\0' || !lw_plain_address(addr))
        return lw_error_set(err, "no review_block_file, or \"%s\" is not a plain address", addr);
    if ((fd = open(cfg->review_block_file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0)
        return lw_error_set(err, "%s: %s", cfg->review_block_file, g_strerror(errno));
    line = g_strdup_printf("%s\n", addr);
    if (write(fd, line, strlen(line)) != (ssize_t) strlen(line) || fsync(fd) < 0)
        rc = lw_error_set(err, "%s: %s", cfg->review_block_file, g_strerror(errno));
    close(fd);
    g_free(line);
    return rc;
}

/* read_queue_file - a queue file's bytes (no symbolic link followed, at most MAX_CAPTURE), or NULL with err */
static GString *read_queue_file(const struct lw_config *cfg, char type, const char *id, struct lw_error *err)
{
    char *path = lw_sendmail_queue_file(cfg, type, id), buf[65536];
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK), failed = fd < 0 ? errno : 0;
    GString *s = g_string_new(NULL);
    ssize_t n;

    while (!failed && (long long) s->len < MAX_CAPTURE && (n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno != EINTR)
            failed = errno;
        else if (n > 0)
            g_string_append_len(s, buf, n);
    }
    if (failed) {
        lw_error_set(err, "%s: cannot read the held message: %s", id,
                     failed == ENOENT ? "not in Sendmail's quarantine" : g_strerror(failed));
        g_string_free(s, TRUE);
        s = NULL;
    }
    if (fd >= 0)
        close(fd);
    g_free(path);
    return s;
}

/*
 * sendmail_message - the message as Sendmail keeps it: the header fields
 * from the control file's H lines (Sendmail's "?flags?" or "?${macro}?"
 * condition dropped; continuation lines kept), a blank line, the data file
 * (op.me, appendix B). Header fields Sendmail adds at delivery with macros
 * not yet expanded ($g) show as they are stored.
 */
static GString *sendmail_message(const struct lw_config *cfg, const char *queue_id, struct lw_error *err)
{
    GString *hf = read_queue_file(cfg, 'h', queue_id, err), *df, *msg;
    char **lines;
    int in_header = 0;

    if (hf == NULL)
        return NULL;
    if ((df = read_queue_file(cfg, 'd', queue_id, err)) == NULL) {
        g_string_free(hf, TRUE);
        return NULL;
    }
    msg = g_string_new(NULL);
    lines = g_strsplit(hf->str, "\n", -1);
    for (char **l = lines; *l && strcmp(*l, ".") != 0; l++) {
        const char *h = *l + 1, *end;

        if (**l == 'H' && *h == '?' && (end = strchr(h + 1, '?')) != NULL)
            h = end + 1;
        if (**l == 'H')
            g_string_append_printf(msg, "%s\n", h);
        else if (in_header && (**l == ' ' || **l == '\t'))
            g_string_append_printf(msg, "%s\n", *l);
        in_header = **l == 'H' || (in_header && (**l == ' ' || **l == '\t'));
    }
    g_string_append_c(msg, '\n');
    g_string_append_len(msg, df->str, (gssize) df->len);
    g_strfreev(lines);
    g_string_free(hf, TRUE);
    g_string_free(df, TRUE);
    return msg;
}

/* held_message - the held message's bytes as postcat -bh -q prints them (or from Sendmail's queue files), or NULL with err */
static GString *held_message(const struct lw_config *cfg, const char *queue_id, struct lw_error *err)
{
    char **argv;
    GString *out, *errs;

    if (!lw_mta_queue_id_valid(cfg, queue_id)) {
        not_an_id(cfg, queue_id, err);
        return NULL;
    }
    if (cfg->mta == LW_MTA_SENDMAIL)
        return sendmail_message(cfg, queue_id, err);
    out = g_string_new(NULL);
    errs = g_string_new(NULL);
    argv = lw_postfix_argv(cfg, "postcat", "-bh", "-q", queue_id, NULL);
    if (lw_run(argv, NULL, 0, out, errs) != 0 || out->len == 0) {
        lw_error_set(err, "%s: cannot read the held message: %s", queue_id,
                     *errs->str ? g_strstrip(errs->str) : "not in the queue");
        g_string_free(out, TRUE);
        out = NULL;
    }
    g_strfreev(argv);
    g_string_free(errs, TRUE);
    return out;
}

int lw_privileged_do(const struct lw_config *cfg, enum lw_privileged_op op, const char *arg, GString *out,
                     struct lw_error *err)
{
    GString *msg;

    switch (op) {
    case LW_PRIV_RELEASE:
    case LW_PRIV_DELETE:
        if (!lw_mta_queue_id_valid(cfg, arg)) {
            not_an_id(cfg, arg, err);
            return -1;
        }
        return mta_act(cfg, arg, op == LW_PRIV_RELEASE, err);
    case LW_PRIV_SHOW:
        if ((msg = held_message(cfg, arg, err)) == NULL)
            return -1;
        g_string_append_len(out, msg->str, (gssize) msg->len);
        g_string_free(msg, TRUE);
        return 0;
    case LW_PRIV_BLOCK:
        return block_append(cfg, arg, err);
    default:
        return lw_error_set(err, "no such operation");
    }
}

/* privileged - an operation here (via NULL: this process may) or through the privileged helper */
static int privileged(const struct lw_config *cfg, const struct lw_privileged *via, enum lw_privileged_op op,
                      const char *arg, GString *out, struct lw_error *err)
{
    return via ? via->run(via->ctx, op, arg, out, err) : lw_privileged_do(cfg, op, arg, out, err);
}

/* block_sender - append the From: address (or the envelope sender) to review_block_file */
static int block_sender(const struct lw_config *cfg, const struct lw_privileged *via, const struct lw_qentry *e,
                        struct lw_error *err)
{
    const char *addr = lw_plain_address(e->from) ? e->from : e->sender;

    if (*cfg->review_block_file == '\0')
        return 0;
    if (!lw_plain_address(addr))
        return lw_error_set(err, "%s: no plain sender address to block", e->queue_id);
    return privileged(cfg, via, LW_PRIV_BLOCK, addr, NULL, err);
}

/* record - the decision in the store, then what it signals; -1 with err */
static int record(const struct lw_config *cfg, const struct lw_privileged *via, struct lw_qstore *store,
                  struct lw_qentry *e, enum lw_decision d, const char *who, struct lw_error *err)
{
    g_free(e->decision);        /* a decision recorded before, when the MTA still had the message */
    g_free(e->decided_by);
    e->decision = g_strdup(decisions[d].recorded);
    e->decided_by = g_strdup(who);
    e->decided_at = g_get_real_time();
    if (lw_qstore_mark(store, e->queue_id, e->decision, who, e->decided_at, err) < 0)
        return -1;
    if (decisions[d].release && lw_qstore_false_positive_hook(store, e, err) < 0)
        return -1;
    if (d == LW_BLOCK && block_sender(cfg, via, e, err) < 0)
        return -1;
    return publish_decision(cfg, e, d, who, err);
}

enum lw_decide_result lw_execute(const struct lw_config *cfg, const struct lw_privileged *via,
                                 struct lw_qstore *store, const char *queue_id, enum lw_decision d, const char *who,
                                 struct lw_error *err)
{
    struct lw_error nothing;
    struct lw_qentry *e;
    enum lw_decide_result rc = LW_DECIDE_DONE;

    if (!lw_mta_queue_id_valid(cfg, queue_id)) {
        not_an_id(cfg, queue_id, err);
        return LW_DECIDE_FAILED;
    }
    e = lw_qstore_get(store, queue_id, &nothing);
    if (privileged(cfg, via, decisions[d].release ? LW_PRIV_RELEASE : LW_PRIV_DELETE, queue_id, NULL, err) < 0) {
        lw_qentry_free(e);
        return LW_DECIDE_FAILED;
    }
    if (e == NULL) {
        lw_error_set(err, "%s", nothing.text);
        rc = LW_DECIDE_NO_RECORD;
    } else if (record(cfg, via, store, e, d, who, err) < 0) {
        rc = LW_DECIDE_UNRECORDED;
    }
    lw_qentry_free(e);
    return rc;
}

/* lw_decide - at once (spool store), or recorded and queued for the relay that holds it (shared store) */
enum lw_decide_result lw_decide(const struct lw_config *cfg, const struct lw_privileged *via,
                                struct lw_qstore *store, const char *queue_id, enum lw_decision d, const char *who,
                                struct lw_error *err)
{
    if (!lw_qstore_shared(store))
        return lw_execute(cfg, via, store, queue_id, d, who, err);
    if (!lw_mta_queue_id_valid(cfg, queue_id)) {
        not_an_id(cfg, queue_id, err);
        return LW_DECIDE_FAILED;
    }
    switch (lw_qstore_request(store, queue_id, decisions[d].recorded, who, g_get_real_time(), err)) {
    case 0:
        lw_error_set(err, "%s: %s; the relay holding it carries it out", queue_id, decisions[d].recorded);
        return LW_DECIDE_QUEUED;
    case 1:
        return LW_DECIDE_TAKEN;
    default:
        return LW_DECIDE_FAILED;
    }
}

/* recorded_decision - the decision a recorded name ("released", ...) stands for; -1 when none */
static int recorded_decision(const char *recorded, enum lw_decision *d)
{
    for (size_t i = 0; recorded && i < G_N_ELEMENTS(decisions); i++)
        if (strcmp(recorded, decisions[i].recorded) == 0) {
            *d = (enum lw_decision) i;
            return 0;
        }
    return -1;
}

/* apply_one - claim, execute and record the outcome of one queued decision; a line for the log (g_free) */
static char *apply_one(const struct lw_config *cfg, struct lw_qstore *store, const struct lw_qdecision *q,
                       struct lw_apply_result *res)
{
    char *recorded = NULL, *who = NULL, *line, *outcome;
    struct lw_error why;
    enum lw_decision d;
    enum lw_decide_result r;
    int claimed = lw_qstore_claim(store, q, &recorded, &who, &why);

    if (claimed <= 0) {
        res->skipped++;
        return g_strdup_printf("decision %s skipped: %s", q->id, why.text);
    }
    if (recorded_decision(recorded, &d) < 0) {
        lw_error_set(&why, "%s: unknown decision \"%s\"", q->queue_id, recorded);
        r = LW_DECIDE_FAILED;
    } else {
        r = lw_execute(cfg, NULL, store, q->queue_id, d, who, &why);
    }
    if (r == LW_DECIDE_FAILED || r == LW_DECIDE_UNRECORDED) {
        /* nothing done on the queue: held again, for a reviewer to decide anew; done but unrecorded: not again */
        res->failed++;
        outcome = g_strdup_printf("failed: %s", why.text);
        line = g_strdup_printf("%s: %s by %s failed: %s%s", q->queue_id, recorded, who, why.text,
                               lw_qstore_outcome(store, q->queue_id, outcome, r == LW_DECIDE_FAILED, NULL) < 0
                               ? " (and the outcome was not recorded)" : "");
        g_free(outcome);
    } else {
        res->done++;
        line = g_strdup_printf("%s: %s by %s (decision %s)", q->queue_id, recorded, who, q->id);
    }
    g_free(recorded);
    g_free(who);
    return line;
}

int lw_apply_decisions(const struct lw_config *cfg, struct lw_qstore *store, struct lw_apply_result *res,
                       struct lw_error *err)
{
    GPtrArray *queued = lw_qstore_read_decisions(store, err);
    int rc = 0;

    memset(res, 0, sizeof(*res));
    res->lines = g_ptr_array_new_with_free_func(g_free);
    if (queued == NULL)
        return -1;
    for (guint i = 0; i < queued->len && rc == 0; i++) {
        const struct lw_qdecision *q = g_ptr_array_index(queued, i);

        res->read++;
        g_ptr_array_add(res->lines, apply_one(cfg, store, q, res));
        rc = lw_qstore_ack(store, q, err);
    }
    g_ptr_array_unref(queued);
    return rc;
}

void lw_apply_result_clear(struct lw_apply_result *res)
{
    if (res->lines)
        g_ptr_array_unref(res->lines);
    memset(res, 0, sizeof(*res));
}

/* lw_held_message - the held message's bytes as postcat -bh -q prints them, or NULL with err */
GString *lw_held_message(const struct lw_config *cfg, const struct lw_privileged *via, const char *queue_id,
                         struct lw_error *err)
{
    GString *out = g_string_new(NULL);

    if (privileged(cfg, via, LW_PRIV_SHOW, queue_id, out, err) < 0) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return out;
}
