/*
 * privsep.c - the review service's privileged helper
 *
 * DESCRIPTION
 *     lurewatch-review -u USER serves HTTP as USER; what needs root -
 *     postsuper -H and -d on a held message, postqueue -i, postcat of a
 *     held message, and appending an address to review_block_file - is done
 *     by a helper forked while the service is still root, before the key
 *     is loaded and before any thread starts. The two talk over a socket
 *     pair; a request is one line, "OP ARGUMENT\n" (OP a number of enum
 *     lw_privileged_op); the answer is "STATUS OUTLEN ERRLEN\n", the output
 *     (a held message) and the error's text. The helper runs
 *     lw_privileged_do(), which checks the argument itself (a queue id in
 *     the configured MTA's form, or a plain address),
 *     with the configuration read at start: a service taken over can
 *     release, delete or read held messages and add to the block list, and
 *     nothing more. The helper exits when the service closes its end.
 *
 *     Requests are serialized by the handle's own lock.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "review/service/privsep.h"
#include "util/safedir.h"

#define MAX_REQUEST 512
#define MAX_ANSWER (256LL * 1024 * 1024)

struct lw_privsep {
    int fd;
    pid_t pid;
    GMutex lock;
};

/* read_all - n bytes from fd appended to s; -1 on error or end of file */
static int read_all(int fd, GString *s, size_t n)
{
    char buf[65536];

    while (n > 0) {
        ssize_t r = read(fd, buf, MIN(n, sizeof(buf)));

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        g_string_append_len(s, buf, r);
        n -= (size_t) r;
    }
    return 0;
}

/* read_line - one line (without its newline) of at most max bytes; -1 on error, end of file or too long */
static int read_line(int fd, GString *line, size_t max)
{
    char c;

    g_string_truncate(line, 0);
    for (;;) {
        ssize_t r = read(fd, &c, 1);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || line->len >= max)
            return -1;
        if (c == '\n')
            return 0;
        g_string_append_c(line, c);
    }
}

/* serve_one - read one request, do it, answer; -1 when the service is gone */
static int serve_one(const struct lw_config *cfg, int fd)
{
    GString *req = g_string_new(NULL), *out = g_string_new(NULL);
    struct lw_error err = { { 0 } };
    char *arg, *head;
    guint64 op;
    int status = -1, rc = -1;

    if (read_line(fd, req, MAX_REQUEST) == 0) {
        if ((arg = strchr(req->str, ' ')) != NULL)
            *arg++ = '\0';
        if (arg == NULL || !g_ascii_string_to_unsigned(req->str, 10, 0, LW_PRIV_NOPS - 1, &op, NULL))
            lw_error_set(&err, "malformed request");
        else
            status = lw_privileged_do(cfg, (enum lw_privileged_op) op, arg, out, &err);
        head = g_strdup_printf("%d %" G_GSIZE_FORMAT " %" G_GSIZE_FORMAT "\n", status, out->len,
                               status < 0 ? strlen(err.text) : 0);
        if (lw_write_all(fd, head, strlen(head)) == 0 && lw_write_all(fd, out->str, out->len) == 0
            && (status == 0 || lw_write_all(fd, err.text, strlen(err.text)) == 0))
            rc = 0;
        g_free(head);
    }
    g_string_free(req, TRUE);
    g_string_free(out, TRUE);
    return rc;
}

/* privsep_run - lw_privileged's run: one request to the helper and its answer */
static int privsep_run(void *ctx, enum lw_privileged_op op, const char *arg, GString *out, struct lw_error *err)
{
    struct lw_privsep *p = ctx;
    GString *head = g_string_new(NULL), *got = g_string_new(NULL), *why = g_string_new(NULL);
    char *req = g_strdup_printf("%d %s\n", (int) op, arg);
    guint64 outlen = 0, errlen = 0;
    int status = -1;

    g_mutex_lock(&p->lock);
    if (strchr(arg, '\n') != NULL || strlen(req) > MAX_REQUEST) {
        lw_error_set(err, "request refused: not one short line");
    } else if (lw_write_all(p->fd, req, strlen(req)) != 0 || read_line(p->fd, head, 64) < 0
               || sscanf(head->str, "%d %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &status, &outlen, &errlen) != 3
               || outlen > MAX_ANSWER || errlen >= sizeof(err->text)
               || read_all(p->fd, got, outlen) < 0 || read_all(p->fd, why, errlen) < 0) {
        lw_error_set(err, "the privileged helper does not answer");
        status = -1;
    } else if (status < 0) {
        lw_error_set(err, "%s", why->str);
    } else if (out) {
        g_string_append_len(out, got->str, (gssize) got->len);
    }
    g_mutex_unlock(&p->lock);
    g_string_free(head, TRUE);
    g_string_free(got, TRUE);
    g_string_free(why, TRUE);
    g_free(req);
    return status;
}

struct lw_privsep *lw_privsep_start(const struct lw_config *cfg, struct lw_error *err)
{
    struct lw_privsep *p;
    int sv[2];
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        lw_error_set(err, "privileged helper: socketpair: %s", g_strerror(errno));
        return NULL;
    }
    fflush(NULL);
    if ((pid = fork()) < 0) {
        lw_error_set(err, "privileged helper: fork: %s", g_strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return NULL;
    }
    if (pid == 0) {
        close(sv[0]);
        while (serve_one(cfg, sv[1]) == 0)
            continue;
        _exit(0);
    }
    close(sv[1]);
    p = g_new0(struct lw_privsep, 1);
    p->fd = sv[0];
    p->pid = pid;
    g_mutex_init(&p->lock);
    return p;
}

struct lw_privileged lw_privsep_via(struct lw_privsep *p)
{
    return (struct lw_privileged) { privsep_run, p };
}

void lw_privsep_stop(struct lw_privsep *p)
{
    if (p == NULL)
        return;
    close(p->fd);
    while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
        continue;
    g_mutex_clear(&p->lock);
    g_free(p);
}
