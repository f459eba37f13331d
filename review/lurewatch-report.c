/*
 * lurewatch-report - review held messages: digest mail, release, delete, list
 *
 * SYNOPSIS
 *     lurewatch-report [-c CONF] [-o key=value]... digest [--stdout]
 *     lurewatch-report [-c CONF] [-o key=value]... list [QUEUEID...]
 *     lurewatch-report [-c CONF] [-o key=value]... release QUEUEID...
 *     lurewatch-report [-c CONF] [-o key=value]... delete QUEUEID...
 *     lurewatch-report [-c CONF] [-o key=value]... stats
 *     lurewatch-report [-c CONF] [-o key=value]... apply
 *
 * DESCRIPTION
 *     Without a command the usage is printed (exit 64): a mistyped command
 *     line never mails a digest.
 *
 *     digest (run it from cron or a systemd timer) mails one
 *     digest per reviewer: every message the milter held since the last
 *     digest, and every message still held after report_expire_days. The
 *     reviewer is report_to, or per recipient domain the address
 *     report_domain_reviewers names ("a.gov.tw:rev@a.gov.tw, ..."), with
 *     report_to getting what no domain reviewer covers. Each entry carries
 *     the exact release and delete commands. An entry is marked reported
 *     in the quarantine store once every digest listing it was handed to
 *     report_sendmail (a failed send lists it again next time), so a
 *     message recorded while a digest runs is never skipped; the last
 *     digest time is kept there too. With report_notify_recipients = yes each recipient of a newly
 *     held message gets a short notice. --stdout prints the mails instead
 *     of sending them and leaves the state alone (a preview).
 *
 *     An old entry whose message is no longer in the hold queue (handled
 *     with postsuper directly, or expired) is marked "gone" instead of
 *     being reported as expiring again and again.
 *
 *     release runs postsuper -H (and postqueue -i to deliver at once),
 *     delete runs postsuper -d ... hold (with mta = sendmail: sendmail -v
 *     -qQ -Q -qIQUEUEID, and the envelope's queue files removed: actions.c);
 *     both record the decision with
 *     who (SUDO_USER, USER, or the uid's name) and when. A release is a
 *     false positive: it goes to lw_qstore_false_positive_hook() so that
 *     exports stop sharing the message's indicators as malicious.
 *     list prints the store's entries, one line each; list QUEUEID...
 *     prints each named entry whole (every reason with its rule, class,
 *     score and evidence, the indicators, and why the score acted): the
 *     full explanation the compact digest row leaves out.
 *
 *     With quarantine_store = redis the store holds every relay's
 *     messages: release and delete record the decision and queue it for
 *     the relay holding the message (then carry out this relay's own at
 *     once); apply, run every minute on each relay, carries out the
 *     decisions queued for this relay (quarantine_redis.c says how none
 *     runs twice and how a relay that was down catches up). The digest
 *     lists every relay's new messages; only this relay's old ones are
 *     checked against its hold queue and reported as expiring.
 *
 *     stats lists the rules with the most released messages (a release,
 *     or "not phishing", is a reviewer saying the message was legitimate):
 *     for each, how many released messages it hit, how many held ones,
 *     the share released, its class and description. The rules at the top
 *     are the ones an administrator should fix first.
 *
 * SECURITY
 *     Options are parsed only before the command; after it every argument
 *     must be a queue id in the configured MTA's form (lw_queue_id_valid,
 *     then lw_mta_queue_id_valid: never "ALL", never an option) or nothing
 *     is done (exit 64), so the sudo
 *     rule "lurewatch-report release *" grants release and nothing more.
 *     Commands (report_sendmail, postsuper, postqueue, postcat) are run
 *     with execv, never through a shell; the only value from mail that
 *     reaches an argument is a queue id checked that way.
 *     Report contents are defanged and escaped (report_mail.c).
 *
 * EXIT STATUS
 *     0 success; 1 when some message or mail failed (each reason on
 *     standard error); 64 (EX_USAGE) for a bad command line, or none
 *     (the usage is printed); 78 (EX_CONFIG) for a bad configuration.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "util/conf.h"
#include "util/log.h"
#include "model/message.h"
#include "util/options.h"
#include "review/quarantine_store.h"
#include "review/actions.h"
#include "review/report_mail.h"
#include "review/reviewers.h"
#include "review/review_token.h"

#define LAST_DIGEST "last-digest"

struct options {
    char *config;
    char **overrides;
    gboolean to_stdout;
};

/* send_mail - hand one message to report_sendmail; 0 or -1 with the reason on stderr */
static int send_mail(const struct lw_config *cfg, GMimeMessage *m, const char *what)
{
    GMimeStream *mem = g_mime_stream_mem_new();
    GByteArray *bytes;
    GString *out = g_string_new(NULL), *errs = g_string_new(NULL);
    GError *gerr = NULL;
    char **argv = NULL;
    int rc = -1, status;

    g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, mem);
    bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    if (!g_shell_parse_argv(cfg->report_sendmail, NULL, &argv, &gerr)) {
        fprintf(stderr, "lurewatch-report: report_sendmail: %s\n", gerr->message);
        g_error_free(gerr);
    } else if (argv[0][0] != '/') {
        fprintf(stderr, "lurewatch-report: report_sendmail must start with an absolute path\n");
    } else if ((status = lw_run(argv, (const char *) bytes->data, bytes->len, out, errs)) != 0) {
        fprintf(stderr, "lurewatch-report: %s: %s exited with %d: %s\n", what, argv[0], status,
                g_strstrip(errs->str));
    } else {
        rc = 0;
    }
    g_strfreev(argv);
    g_string_free(out, TRUE);
    g_string_free(errs, TRUE);
    g_object_unref(mem);
    return rc;
}

/* print_mail - --stdout: the message as it would be sent */
static void print_mail(GMimeMessage *m)
{
    GMimeStream *out = g_mime_stream_file_new(stdout);

    g_mime_stream_file_set_owner(GMIME_STREAM_FILE(out), FALSE);
    g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, out);
    g_mime_stream_flush(out);
    g_object_unref(out);
    fputs("\n", stdout);
}

/* ---- the held message itself ---- */

/* fetch_original - the held message from the queue (postcat -bh -q), or NULL */
static GMimeMessage *fetch_original(const struct lw_config *cfg, const char *queue_id)
{
    struct lw_error err;
    GString *raw = lw_held_message(cfg, NULL, queue_id, &err);
    GMimeMessage *m = NULL;

    if (raw != NULL) {
        GMimeStream *s = g_mime_stream_mem_new_with_buffer(raw->str, raw->len);
        GMimeParser *p = g_mime_parser_new_with_stream(s);

        m = g_mime_parser_construct_message(p, NULL);
        g_object_unref(p);
        g_object_unref(s);
        g_string_free(raw, TRUE);
        if (m == NULL)
            lw_error_set(&err, "%s: cannot read the held message: not a message", queue_id);
    }
    if (m == NULL)
        fprintf(stderr, "lurewatch-report: %s\n", err.text);
    return m;
}

/* ---- digest ---- */

static void unref_or_null(gpointer p)
{
    if (p)
        g_object_unref(p);
}

struct group {
    char *to;
    GPtrArray *fresh, *expiring;    /* borrowed entries */
};

static void group_free(gpointer p)
{
    struct group *g = p;

    g_free(g->to);
    g_ptr_array_unref(g->fresh);
    g_ptr_array_unref(g->expiring);
    g_free(g);
}

static struct group *group_for(GPtrArray *groups, const char *to)
{
    struct group *g;

    for (guint i = 0; i < groups->len; i++) {
        g = g_ptr_array_index(groups, i);
        if (g_ascii_strcasecmp(g->to, to) == 0)
            return g;
    }
    g = g_new0(struct group, 1);
    g->to = g_strdup(to);
    g->fresh = g_ptr_array_new();
    g->expiring = g_ptr_array_new();
    g_ptr_array_add(groups, g);
    return g;
}

/* parse_reviewers - report_domain_reviewers into domain -> address; -1 (said on stderr) on a bad item */
static int parse_reviewers(const char *spec, GHashTable *map)
{
    struct lw_error err;

    if (lw_reviewers_parse(spec, map, &err) == 0)
        return 0;
    fprintf(stderr, "lurewatch-report: %s\n", err.text);
    return -1;
}

/* assign - put e in the group of every reviewer of its recipients' domains (or report_to); 0 if none */
static int assign(GPtrArray *groups, GHashTable *reviewers, const char *report_to,
                   struct lw_qentry *e, int expiring)
{
    int placed = 0;

    for (guint i = 0; i < e->rcpts->len; i++) {
        const char *at = strrchr(g_ptr_array_index(e->rcpts, i), '@');
        char *dom = at ? g_ascii_strdown(at + 1, -1) : NULL;
        const char *rev = dom ? g_hash_table_lookup(reviewers, dom) : NULL;

        if (rev) {
            GPtrArray *list = expiring ? group_for(groups, rev)->expiring : group_for(groups, rev)->fresh;

            if (list->len == 0 || g_ptr_array_index(list, list->len - 1) != e)
                g_ptr_array_add(list, e);
            placed = 1;
        }
        g_free(dom);
    }
    if (!placed && *report_to) {
        g_ptr_array_add(expiring ? group_for(groups, report_to)->expiring
                                 : group_for(groups, report_to)->fresh, e);
        placed = 1;
    }
    return placed;
}

/* tool_command - how the reviewer invokes us in the printed commands (g_free) */
static char *tool_command(const struct lw_config *cfg)
{
    char *q, *s;

    if (cfg->path == NULL || strcmp(cfg->path, LW_CONFIG_FILE) == 0)
        return g_strdup("lurewatch-report");
    q = g_shell_quote(cfg->path);
    s = g_strdup_printf("lurewatch-report -c %s", q);
    g_free(q);
    return s;
}

/* send_notices - one notice per recipient of each newly held message still held */
static int send_notices(const struct lw_config *cfg, GPtrArray *fresh, GHashTable *reviewers,
                        const struct options *opt)
{
    int failed = 0;

    for (guint i = 0; i < fresh->len; i++) {
        struct lw_qentry *e = g_ptr_array_index(fresh, i);

        if (!lw_qentry_is_held(e))
            continue;       /* already released or deleted: nothing to tell */
        for (guint r = 0; r < e->rcpts->len; r++) {
            const char *rcpt = g_ptr_array_index(e->rcpts, r), *at = strrchr(rcpt, '@');
            char *dom = at ? g_ascii_strdown(at + 1, -1) : NULL;
            const char *rev = dom ? g_hash_table_lookup(reviewers, dom) : NULL;
            GMimeMessage *m;

            if (!lw_plain_address(rcpt)) {
                char *shown = lw_printable(rcpt, 100);

                fprintf(stderr, "lurewatch-report: %s: no notice to unusual address \"%s\"\n", e->queue_id, shown);
                g_free(shown);
                g_free(dom);
                continue;
            }
            m = lw_notice_build(cfg, rcpt, e, rev ? rev : cfg->report_to);
            if (opt->to_stdout)
                print_mail(m);
            else if (send_mail(cfg, m, "notice") < 0)
                failed = 1;
            g_object_unref(m);
            g_free(dom);
        }
    }
    return failed;
}

/* send_group - build and send (or print) one reviewer's digest */
static int send_group(const struct lw_config *cfg, const struct group *g, gint64 since, gint64 now,
                      const struct lw_review_key *key, const struct options *opt)
{
    char *tool = tool_command(cfg);
    struct lw_digest d = { g->to, g->fresh, g->expiring, NULL, since, now, tool, key };
    GMimeMessage *m;
    int rc = 0;

    if (cfg->report_attach_original) {
        d.originals = g_ptr_array_new_with_free_func(unref_or_null);
        for (guint i = 0; i < g->fresh->len; i++) {
            const struct lw_qentry *e = g_ptr_array_index(g->fresh, i);

            g_ptr_array_add(d.originals, lw_qentry_is_held(e) ? fetch_original(cfg, e->queue_id) : NULL);
        }
    }
    m = lw_digest_build(cfg, &d);
    if (opt->to_stdout)
        print_mail(m);
    else if ((rc = send_mail(cfg, m, g->to)) == 0)
        printf("digest to %s: %u new, %u expiring\n", g->to, g->fresh->len, g->expiring->len);
    g_object_unref(m);
    if (d.originals)
        g_ptr_array_unref(d.originals);
    g_free(tool);
    return rc;
}

/* mark_reported - every fresh entry none of whose digests failed; -1 if one could not be marked */
static int mark_reported(struct lw_qstore *store, GPtrArray *fresh, GHashTable *unsent, gint64 now)
{
    struct lw_error err;
    int rc = 0;

    for (guint i = 0; i < fresh->len; i++) {
        const struct lw_qentry *e = g_ptr_array_index(fresh, i);

        if (g_hash_table_contains(unsent, e))
            continue;
        if (lw_qstore_mark_reported(store, e->queue_id, now, &err) < 0) {
            fprintf(stderr, "lurewatch-report: %s\n", err.text);
            rc = -1;
        }
    }
    return rc;
}

/* list_all - every record; each unreadable one named once on standard error */
static GPtrArray *list_all(struct lw_qstore *store, struct lw_error *err)
{
    GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *all = lw_qstore_list(store, 0, problems, err);

    for (guint i = 0; i < problems->len; i++)
        fprintf(stderr, "lurewatch-report: skipped: %s\n", (char *) g_ptr_array_index(problems, i));
    if (problems->len)
        fprintf(stderr, "lurewatch-report: %u record(s) could not be read; their messages may still be held "
                        "(postqueue -p)\n", problems->len);
    g_ptr_array_unref(problems);
    return all;
}

/*
 * hold_dir - QUEUE_DIRECTORY/hold from postconf, or with mta = sendmail
 * sendmail_queue_dir; NULL when the MTA cannot tell (g_free)
 */
static char *hold_dir(const struct lw_config *cfg)
{
    char **argv = lw_postfix_argv(cfg, "postconf", "-h", "queue_directory", NULL);
    GString *out = g_string_new(NULL), *errs = g_string_new(NULL);
    char *dir = NULL;

    if (cfg->mta == LW_MTA_SENDMAIL)
        dir = g_strdup(cfg->sendmail_queue_dir);
    else if (lw_run(argv, NULL, 0, out, errs) == 0 && out->str[0] == '/')
        dir = g_build_filename(g_strstrip(out->str), "hold", NULL);
    if (dir && !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_free(dir);
        dir = NULL;
    }
    g_strfreev(argv);
    g_string_free(out, TRUE);
    g_string_free(errs, TRUE);
    return dir;
}

/*
 * gone - an old entry no longer in the hold queue (released or deleted with
 * postsuper directly, or expired): record that, so it stops coming back as
 * expiring. Only old entries are checked: a fresh record may be written
 * before Postfix has moved its message into the hold queue.
 */
static int gone(const struct lw_config *cfg, struct lw_qstore *store, const char *hold, struct lw_qentry *e,
                gint64 now)
{
    char *path;
    struct lw_error err;
    int missing;

    if (hold == NULL)
        return 0;
    path = cfg->mta == LW_MTA_SENDMAIL ? lw_sendmail_queue_file(cfg, 'h', e->queue_id)
                                       : g_build_filename(hold, e->queue_id, NULL);
    missing = !g_file_test(path, G_FILE_TEST_EXISTS);
    g_free(path);
    if (missing && lw_qstore_mark(store, e->queue_id, "gone", "lurewatch-report", now, &err) < 0)
        fprintf(stderr, "lurewatch-report: %s\n", err.text);
    return missing;
}

/* select_entries - fresh: never in a digest; the rest: still held past report_expire_days */
static GPtrArray *select_entries(const struct lw_config *cfg, struct lw_qstore *store, GPtrArray *all,
                                 GPtrArray *groups, GHashTable *reviewers, GHashTable *unsent, gint64 now)
{
    gint64 expire = now - cfg->report_expire_days * 86400LL * G_USEC_PER_SEC;
    GPtrArray *fresh = g_ptr_array_new();
    char *hold = NULL;
    int looked = 0;

    for (guint i = 0; i < all->len; i++) {
        struct lw_qentry *e = g_ptr_array_index(all, i);

        if (e->reported_at == 0) {
            if (!assign(groups, reviewers, cfg->report_to, e, 0)) {
                fprintf(stderr, "lurewatch-report: %s: no reviewer for its recipients; set report_to\n",
                        e->queue_id);
                g_hash_table_add(unsent, e);
            }
            g_ptr_array_add(fresh, e);
        } else if (lw_qentry_is_held(e) && e->held_at < expire
                   && (!lw_qstore_shared(store) || strcmp(e->instance, lw_review_relay(cfg)) == 0)) {
            if (!looked++)
                hold = hold_dir(cfg);
            if (!gone(cfg, store, hold, e, now))
                assign(groups, reviewers, cfg->report_to, e, 1);
        }
    }
    g_free(hold);
    return fresh;
}

/* digest_lock - the store's digest lock held for this run; -1 when another digest runs or it cannot be had */
static int digest_lock(struct lw_qstore *store)
{
    struct lw_error err;
    int rc = lw_qstore_lock(store, &err);

    if (rc < 0)
        fprintf(stderr, "lurewatch-report: %s\n", err.text);
    else if (rc > 0)
        fprintf(stderr, "lurewatch-report: another digest is running\n");
    return rc == 0 ? 0 : -1;     /* released when the store is closed */
}

/*
 * links_key - the key of the rows' signed review links when review_base_url
 * is set; a key that cannot be used is said, and the digest goes without
 * links (the commands are still in it) rather than not at all
 */
static struct lw_review_key *links_key(const struct lw_config *cfg)
{
    struct lw_review_key *key;
    struct lw_error err;

    if (*cfg->review_base_url == '\0')
        return NULL;
    if ((key = lw_review_key_load(cfg->review_key_file, &err)) == NULL)
        fprintf(stderr, "lurewatch-report: %s; the digest has no review links\n", err.text);
    return key;
}

/*
 * cmd_digest - one digest per reviewer group. An entry counts as reported
 * once every digest that lists it was handed to report_sendmail; one that
 * failed is listed again next time.
 */
static int cmd_digest(const struct lw_config *cfg, struct lw_qstore *store, const struct options *opt)
{
    GHashTable *reviewers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    GHashTable *unsent = g_hash_table_new(g_direct_hash, g_direct_equal);
    GPtrArray *all, *fresh, *groups = g_ptr_array_new_with_free_func(group_free);
    gint64 since = 0, now = g_get_real_time();
    struct lw_review_key *key;
    struct lw_error err;
    int failed = 0;

    if (parse_reviewers(cfg->report_domain_reviewers, reviewers) < 0) {
        failed = EX_CONFIG;
    } else if (!opt->to_stdout && digest_lock(store) < 0) {
        failed = 1;
    } else if (*cfg->report_to == '\0' && g_hash_table_size(reviewers) == 0) {
        fprintf(stderr, "lurewatch-report: set report_to or report_domain_reviewers\n");
        failed = EX_CONFIG;
    } else if (lw_qstore_get_state(store, LAST_DIGEST, &since, &err) < 0
               || (all = list_all(store, &err)) == NULL) {
        fprintf(stderr, "lurewatch-report: %s\n", err.text);
        failed = 1;
    }
    if (failed) {
        g_hash_table_unref(reviewers);
        g_hash_table_unref(unsent);
        g_ptr_array_unref(groups);
        return failed;
    }
    fresh = select_entries(cfg, store, all, groups, reviewers, unsent, now);
    key = links_key(cfg);
    for (guint i = 0; i < groups->len; i++) {
        const struct group *g = g_ptr_array_index(groups, i);

        if (send_group(cfg, g, since, now, key, opt) < 0) {
            failed = 1;
            for (guint k = 0; k < g->fresh->len; k++)
                g_hash_table_add(unsent, g_ptr_array_index(g->fresh, k));
        }
    }
    if (cfg->report_notify_recipients)
        failed |= send_notices(cfg, fresh, reviewers, opt);
    if (groups->len == 0)
        printf("nothing to report\n");
    if (!opt->to_stdout) {
        failed |= mark_reported(store, fresh, unsent, now) < 0;
        if (!failed && lw_qstore_set_state(store, LAST_DIGEST, now, &err) < 0) {
            fprintf(stderr, "lurewatch-report: %s\n", err.text);
            failed = 1;
        }
    }
    lw_review_key_free(key);
    g_ptr_array_unref(fresh);
    g_ptr_array_unref(groups);
    g_ptr_array_unref(all);
    g_hash_table_unref(reviewers);
    g_hash_table_unref(unsent);
    return failed;
}

/* ---- release, delete, list ---- */

/* who - the person deciding (g_free) */
static char *who(void)
{
    const char *s = g_getenv("SUDO_USER");
    struct passwd *pw;

    if (s == NULL || *s == '\0')
        s = g_getenv("USER");
    if (s && *s)
        return g_strdup(s);
    pw = getpwuid(getuid());
    return pw ? g_strdup(pw->pw_name) : g_strdup_printf("uid %u", (unsigned) getuid());
}

/* decide - release or delete one held message (lw_decide) and say what happened; -1 on failure */
static int decide(const struct lw_config *cfg, struct lw_qstore *store, const char *id, int release)
{
    enum lw_decision d = release ? LW_RELEASE : LW_DELETE;
    char *user = who();
    struct lw_error err;
    enum lw_decide_result r = lw_decide(cfg, NULL, store, id, d, user, &err);

    if (r == LW_DECIDE_FAILED || r == LW_DECIDE_TAKEN)
        fprintf(stderr, "lurewatch-report: %s\n", err.text);
    else if (r == LW_DECIDE_NO_RECORD)
        fprintf(stderr, "lurewatch-report: warning: %s (acted on the queue anyway)\n", err.text);
    else if (r == LW_DECIDE_UNRECORDED)
        fprintf(stderr, "lurewatch-report: %s: %s, but not recorded: %s\n", id, lw_decision_recorded(d), err.text);
    if (r == LW_DECIDE_QUEUED)
        printf("%s: %s by %s (queued for the relay holding it)\n", id, lw_decision_recorded(d), user);
    else if (r != LW_DECIDE_FAILED && r != LW_DECIDE_TAKEN)
        printf("%s: %s by %s\n", id, lw_decision_recorded(d), user);
    g_free(user);
    return r == LW_DECIDE_FAILED || r == LW_DECIDE_UNRECORDED || r == LW_DECIDE_TAKEN ? -1 : 0;
}

/* move_spooled - records the milter kept in quarantine_dir while Redis was down, into Redis */
static int move_spooled(const struct lw_config *cfg, struct lw_qstore *shared)
{
    struct lw_error err;
    struct lw_qstore *spool = lw_qstore_spool_open(cfg, &err);
    int n = spool ? lw_qstore_move(spool, shared, &err) : -1;

    if (n < 0)
        fprintf(stderr, "lurewatch-report: records kept in %s: %s\n", cfg->quarantine_dir, err.text);
    else if (n > 0)
        printf("%d records kept in %s while Redis was unreachable moved to Redis\n", n, cfg->quarantine_dir);
    lw_qstore_close(spool);
    return n < 0 ? -1 : 0;
}

/*
 * cmd_apply - shared store: carry out the decisions queued for this relay
 * (run it every minute from the timer; a relay that was down catches up)
 */
static int cmd_apply(const struct lw_config *cfg, struct lw_qstore *store)
{
    struct lw_apply_result res;
    struct lw_error err;
    int rc, moved;

    if (!lw_qstore_shared(store))
        return 0;       /* the spool store carries out decisions at once: nothing is ever queued */
    moved = move_spooled(cfg, store);
    rc = lw_apply_decisions(cfg, store, &res, &err);

    for (guint i = 0; i < res.lines->len; i++)
        printf("%s\n", (const char *) g_ptr_array_index(res.lines, i));
    if (rc < 0)
        fprintf(stderr, "lurewatch-report: %s\n", err.text);
    if (res.read > 0)
        printf("%u decisions: %u carried out, %u failed, %u skipped\n", res.read, res.done, res.failed,
               res.skipped);
    rc = rc < 0 || res.failed > 0 || moved < 0;
    lw_apply_result_clear(&res);
    return rc;
}

static void print_entry(const struct lw_qentry *e)
{
    char *held = lw_qtime_format(e->held_at, 1);
    char *from = lw_safe_text(e->from, 100), *subj = lw_safe_text(e->subject, 100);

    printf("%s\t%s\t%s\t%.1f\t%s\t%s\n", e->queue_id, held,
           lw_qentry_is_held(e) ? "held" : e->decision, e->score, from, subj);
    g_free(held);
    g_free(from);
    g_free(subj);
}

/* print_detail - list QUEUEID: the whole record, for the reviewer who wants the full explanation */
static void print_detail(const struct lw_qentry *e)
{
    char **why = g_strsplit(e->why ? e->why : "", "\n", -1), *name = lw_safe_text(e->from_name, 200);
    char *from = lw_safe_text(e->from, 200);
    char *sender = lw_safe_text(e->sender, 200), *subj = lw_safe_text(e->subject, 400);

    print_entry(e);
    printf("  from: %s <%s>\n  envelope sender: %s\n  subject: %s\n", name, from, sender, subj);
    for (guint i = 0; i < e->rcpts->len; i++) {
        char *r = lw_safe_text(g_ptr_array_index(e->rcpts, i), 200);

        printf("  recipient: %s\n", r);
        g_free(r);
    }
    for (guint i = 0; i < e->hits->len; i++) {
        const struct lw_qhit *h = g_ptr_array_index(e->hits, i);
        char *desc = lw_safe_text(h->description, 400), *ev = lw_safe_text(h->evidence, 400);

        printf("  %5.1f %-13s %s: %s%s%s%s\n", h->score, h->cls, h->rule, desc, *ev ? " [" : "", ev,
               *ev ? "]" : "");
        g_free(desc);
        g_free(ev);
    }
    for (guint i = 0; i < e->indicators->len; i++) {
        const struct lw_indicator *ind = g_ptr_array_index(e->indicators, i);
        char *v = lw_safe_text(ind->value, 400);

        printf("  indicator %s: %s\n", lw_ioc_type_name(ind->type), v);
        g_free(v);
    }
    for (guint i = 0; why[i]; i++) {
        char *line = lw_safe_text(why[i], 400);

        if (*line)
            printf("  %s\n", line);
        g_free(line);
    }
    g_strfreev(why);
    g_free(name);
    g_free(from);
    g_free(sender);
    g_free(subj);
}

static int cmd_list(struct lw_qstore *store, char **ids, int n)
{
    struct lw_error err;
    GPtrArray *all;
    int rc = 0;

    if (n > 0) {
        for (int i = 0; i < n; i++) {
            struct lw_qentry *e = lw_qstore_get(store, ids[i], &err);

            if (e == NULL) {
                fprintf(stderr, "lurewatch-report: %s\n", err.text);
                rc = 1;
                continue;
            }
            print_detail(e);
            lw_qentry_free(e);
        }
        return rc;
    }
    if ((all = list_all(store, &err)) == NULL) {
        fprintf(stderr, "lurewatch-report: %s\n", err.text);
        return 1;
    }
    for (guint i = 0; i < all->len; i++)
        print_entry(g_ptr_array_index(all, i));
    g_ptr_array_unref(all);
    return 0;
}

/* ---- stats ---- */

/* One rule's record: in how many held messages it hit, and how many of those were released. */
struct rule_stat {
    const char *rule, *cls, *description;   /* borrowed from the entries */
    guint held, released;
};

/* by_released - most released first; then the higher share of its messages released; then by id */
static gint by_released(gconstpointer a, gconstpointer b)
{
    const struct rule_stat *x = *(struct rule_stat *const *) a, *y = *(struct rule_stat *const *) b;
    double rx = (double) x->released / x->held, ry = (double) y->released / y->held;

    if (x->released != y->released)
        return x->released > y->released ? -1 : 1;
    if (rx != ry)
        return rx > ry ? -1 : 1;
    return strcmp(x->rule, y->rule);
}

/* rule_stats - a rule_stat per rule that hit any entry, most released first (g_free'd elements) */
static GPtrArray *rule_stats(GPtrArray *entries, guint *released)
{
    GHashTable *by_rule = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    *released = 0;
    for (guint i = 0; i < entries->len; i++) {
        const struct lw_qentry *e = g_ptr_array_index(entries, i);
        int rel = lw_decision_is_release(e->decision);

        *released += rel;
        for (guint k = 0; k < e->hits->len; k++) {
            const struct lw_qhit *h = g_ptr_array_index(e->hits, k);
            struct rule_stat *st = g_hash_table_lookup(by_rule, h->rule);

            if (st == NULL) {
                st = g_new0(struct rule_stat, 1);
                *st = (struct rule_stat) { h->rule, h->cls, h->description, 0, 0 };
                g_hash_table_insert(by_rule, (gpointer) h->rule, st);
                g_ptr_array_add(out, st);
            }
            st->held++;     /* a rule hits a message once (rules.c) */
            st->released += rel;
        }
    }
    g_hash_table_unref(by_rule);
    g_ptr_array_sort(out, by_released);
    return out;
}

/*
 * cmd_stats - the rules with the most released messages: a release is a
 * reviewer saying the message was legitimate, so the rules at the top are
 * the ones to fix (or to score lower) first
 */
static int cmd_stats(struct lw_qstore *store)
{
    struct lw_error err;
    GPtrArray *all, *stats;
    guint released, shown = 0;

    if ((all = list_all(store, &err)) == NULL) {
        fprintf(stderr, "lurewatch-report: %s\n", err.text);
        return 1;
    }
    stats = rule_stats(all, &released);
    printf("%u held, %u released by a reviewer (false positives)\n", all->len, released);
    for (guint i = 0; i < stats->len; i++) {
        const struct rule_stat *st = g_ptr_array_index(stats, i);
        char *desc = lw_safe_text(st->description, 100);

        if (st->released == 0)
            break;
        if (shown++ == 0)
            printf("%-32s %8s %6s %5s  %-13s %s\n", "RULE", "RELEASED", "HELD", "RATE", "CLASS", "DESCRIPTION");
        printf("%-32s %8u %6u %4.0f%%  %-13s %s\n", st->rule, st->released, st->held,
               100.0 * st->released / st->held, *st->cls ? st->cls : "-", desc);
        g_free(desc);
    }
    if (shown == 0)
        printf("no released message: no rule to fix\n");
    g_ptr_array_unref(stats);
    g_ptr_array_unref(all);
    return 0;
}

/* ---- main ---- */

#define USAGE "usage: lurewatch-report [-c CONF] [-o KEY=VALUE]... " COMMANDS "\n"
#define COMMANDS "digest [--stdout] | list [QUEUEID...] | release QUEUEID... | delete QUEUEID... | stats | apply"

/*
 * command - the command of a well-formed command line, or NULL. Options
 * come before the command (parsing stops there); after it only queue ids
 * in Postfix's format (never "ALL"), and digest's own --stdout, are taken:
 * a sudo rule "release *" must not let "-o postfix_command_dir=/tmp/x",
 * "-c" or "ALL" through. One bad argument and nothing is done.
 */
static const char *command(int argc, char **argv, struct options *opt)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    for (int i = 2; i < argc; i++) {
        if (argv[i][0] == '-' && !(strcmp(cmd, "digest") == 0 && strcmp(argv[i], "--stdout") == 0)) {
            fprintf(stderr, "lurewatch-report: \"%s\" after the command: options go before it\n", argv[i]);
            return NULL;
        }
    }
    if (cmd == NULL)
        return NULL;
    if (strcmp(cmd, "digest") == 0) {
        opt->to_stdout |= argc == 3;
        return argc == 2 || argc == 3 ? cmd : NULL;
    }
    if (strcmp(cmd, "stats") == 0 || strcmp(cmd, "apply") == 0)
        return argc == 2 ? cmd : NULL;
    if (strcmp(cmd, "list") != 0 && strcmp(cmd, "release") != 0 && strcmp(cmd, "delete") != 0)
        return NULL;
    for (int i = 2; i < argc; i++) {
        if (!lw_queue_id_valid(argv[i])) {
            fprintf(stderr, "lurewatch-report: \"%s\" is not a queue id (Postfix's or Sendmail's form); "
                            "nothing done\n", argv[i]);
            return NULL;
        }
    }
    return strcmp(cmd, "list") == 0 || argc > 2 ? cmd : NULL;
}

static int parse_options(int *argc, char ***argv, struct options *opt)
{
    GOptionEntry entries[] = {
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt->config, "configuration file", "CONF" },
        { "option", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &opt->overrides, "override one key", "KEY=VALUE" },
        { "stdout", 0, 0, G_OPTION_ARG_NONE, &opt->to_stdout, "digest: print the mails, send nothing", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    return lw_options_parse_command("lurewatch-report", COMMANDS, "Commands:\n"
                            "  digest    mail the reviewers what was held since the last digest\n"
                            "  list      print the quarantine store's entries (all, or the ones named)\n"
                            "  release   deliver held messages (a false positive)\n"
                            "  delete    delete held messages\n"
                            "  stats     the rules with the most released messages: the ones to fix\n"
                            "  apply     carry out the decisions queued for this relay (quarantine_store = redis)",
                            entries, argc, argv);
}

/* options_done - free what parse_options allocated; passes rc through */
static int options_done(struct options *opt, int rc)
{
    g_free(opt->config);
    g_strfreev(opt->overrides);
    return rc;
}

int main(int argc, char **argv)
{
    struct options opt = { 0 };
    struct lw_config *cfg;
    struct lw_qstore *store;
    struct lw_error err;
    const char *cmd;
    int rc = 0;

    signal(SIGPIPE, SIG_IGN);
    if (parse_options(&argc, &argv, &opt) < 0)
        return options_done(&opt, EX_USAGE);
    if ((cmd = command(argc, argv, &opt)) == NULL) {
        fputs(USAGE, stderr);
        return options_done(&opt, EX_USAGE);
    }
    if ((cfg = lw_config_setup(opt.config, opt.overrides, &err)) == NULL
        || (store = lw_qstore_open(cfg, &err)) == NULL) {
        fprintf(stderr, "lurewatch-report: %s\n", err.text);
        lw_config_free(cfg);
        return options_done(&opt, EX_CONFIG);
    }
    if (strcmp(cmd, "release") == 0 || strcmp(cmd, "delete") == 0)
        for (int i = 2; i < argc && rc == 0; i++)
            if (!lw_mta_queue_id_valid(cfg, argv[i])) {
                fprintf(stderr, "lurewatch-report: \"%s\" is not a queue id of mta = %s; nothing done\n",
                        argv[i], cfg->mta == LW_MTA_SENDMAIL ? "sendmail" : "postfix");
                rc = EX_USAGE;
            }
    if (rc != 0) {
        lw_qstore_close(store);
        lw_config_free(cfg);
        return options_done(&opt, rc);
    }
    lw_gmime_init();
    if (strcmp(cmd, "digest") == 0) {
        rc = cmd_digest(cfg, store, &opt);
    } else if (strcmp(cmd, "list") == 0) {
        rc = cmd_list(store, argv + 2, argc - 2);
    } else if (strcmp(cmd, "stats") == 0) {
        rc = cmd_stats(store);
    } else if (strcmp(cmd, "apply") == 0) {
        rc = cmd_apply(cfg, store);
    } else {
        for (int i = 2; i < argc; i++)
            rc |= decide(cfg, store, argv[i], strcmp(cmd, "release") == 0) < 0;
        if (lw_qstore_shared(store))
            rc |= cmd_apply(cfg, store);   /* this relay's own at once; other relays' on their next apply */
    }
    lw_qstore_close(store);
    lw_config_free(cfg);
    g_mime_shutdown();
    return options_done(&opt, rc);
}
