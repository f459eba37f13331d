/*
 * actions.c - turn a verdict into what the MTA does with the message
 *
 * This is the only file that changes a message or its fate through
 * libmilter (smfi_addheader, smfi_chgheader, smfi_quarantine,
 * smfi_setreply), so what lurewatch can do to mail is all here:
 *
 *   accept      deliver; headers according to add_headers
 *   tag         deliver with X-Lurewatch-* headers and the subject prefix
 *   quarantine  headers, then hold in the MTA (Postfix: hold queue)
 *   reject      550 5.7.1 <reject_message> (ref ID); the client keeps the mail
 *
 * X-Lurewatch-* headers that arrived with the message, whatever follows
 * the prefix, are removed first: an attacker must not be able to pre-stamp
 * a "clean" verdict or the marker of lurewatch-report's notices.
 *
 * On an internal failure, lw_apply_failure() applies failure_policy:
 * tempfail (451 4.7.1, the client retries later; nothing is lost) or
 * accept (delivered with X-Lurewatch-Verdict: unscanned).
 *
 * A failed smfi_* modification is logged and the message still goes on
 * with the decided fate: a header we could not add must not lose mail.
 *
 * A held message is recorded in the quarantine store (quarantine_store.c)
 * for lurewatch-report; a failure to record is logged and the message
 * stays held (it is still in the MTA's hold queue, just not in the digest).
 */
#include "config.h"

#include <string.h>

#include "actions.h"
#include "model/score.h"
#include "util/log.h"
#include "review/quarantine_store.h"
#include "stats.h"

static const char *const lw_our_headers[3] = {
    "X-Lurewatch-Verdict", "X-Lurewatch-Score", "X-Lurewatch-Hits",
};

#define MAX_HITS_IN_HEADER 10

/* header_value - with SMFIP_HDR_LEADSPC the MTA adds no space after the colon (g_free) */
static char *header_value(const struct lw_msgctx *m, const char *value)
{
    return g_strconcat(m->leadspc ? " " : "", value, NULL);
}

static void add_header(SMFICTX *ctx, const struct lw_msgctx *m, const char *ref, const char *name,
                       const char *value)
{
    char *v = header_value(m, value);

    if (smfi_addheader(ctx, (char *) name, v) != MI_SUCCESS)
        lw_log_warn("%s: could not add header %s", ref, name);
    g_free(v);
}

/*
 * remove_spoofed - delete every X-Lurewatch-* field the message arrived
 * with, not only the verdict fields: X-Lurewatch-Report marks
 * lurewatch-report's own notices, and a phisher must not borrow it
 */
static void remove_spoofed(SMFICTX *ctx, const struct lw_msgctx *m, const char *ref)
{
    GHashTableIter it;
    gpointer name, count;

    if (m->forged == NULL)
        return;
    g_hash_table_iter_init(&it, m->forged);
    while (g_hash_table_iter_next(&it, &name, &count))
        for (unsigned i = GPOINTER_TO_UINT(count); i > 0; i--)
            if (smfi_chgheader(ctx, name, (int) i, NULL) != MI_SUCCESS)
                lw_log_warn("%s: could not remove header %s", ref, (char *) name);
}

static void add_verdict_headers(SMFICTX *ctx, const struct lw_msgctx *m, const struct lw_verdict *v,
                                const char *ref)
{
    char *hits = lw_verdict_hits_summary(v, MAX_HITS_IN_HEADER);
    char *verdict = g_strdup_printf("%s ref=%s", lw_action_name(v->action), ref);
    char score[32];

    g_snprintf(score, sizeof(score), "%.1f", v->score);
    add_header(ctx, m, ref, lw_our_headers[0], verdict);
    add_header(ctx, m, ref, lw_our_headers[1], score);
    if (*hits)
        add_header(ctx, m, ref, lw_our_headers[2], hits);
    g_free(verdict);
    g_free(hits);
}

static void prefix_subject(SMFICTX *ctx, const struct lw_config *cfg, const struct lw_msgctx *m,
                           const char *ref)
{
    char *subject;

    if (*cfg->subject_prefix == '\0')
        return;
    subject = g_strdup_printf("%s%s%s", m->leadspc ? " " : "", cfg->subject_prefix,
                              m->subject ? m->subject : "");
    if (m->subject ? smfi_chgheader(ctx, "Subject", 1, subject) != MI_SUCCESS
                   : smfi_addheader(ctx, "Subject", subject) != MI_SUCCESS)
        lw_log_warn("%s: could not change the Subject", ref);
    g_free(subject);
}

/*
 * record_in_spool - the shared store (Redis) failed with err: keep the
 * record in quarantine_dir, from where lurewatch-report apply moves it to
 * Redis; -1 with err (both reasons) when that fails too
 */
static int record_in_spool(const struct lw_config *cfg, struct lw_qstore *shared, const struct lw_qentry *e,
                           struct lw_error *err)
{
    struct lw_error why;
    struct lw_qstore *spool;
    int rc;

    if (!lw_qstore_shared(shared))
        return -1;
    if ((spool = lw_qstore_spool_open(cfg, &why)) == NULL)
        return lw_error_set(err, "%.200s; and %.200s", err->text, why.text);
    rc = lw_qstore_record(spool, e, &why);
    lw_qstore_close(spool);
    if (rc < 0)
        return lw_error_set(err, "%.200s; and %.200s", err->text, why.text);
    lw_log_warn("%s: held; recorded in %s until the shared store answers (%s)", e->queue_id,
                cfg->quarantine_dir, err->text);
    return 0;
}

/* record_held - the store entry for lurewatch-report; never changes the message's fate */
static void record_held(const struct lw_config *cfg, const struct lw_msgctx *m,
                        const struct lw_message *msg, const struct lw_verdict *v, const char *ref)
{
    struct lw_error err;
    struct lw_qstore *store = lw_qstore_open(cfg, &err);
    struct lw_qentry *e;

    if (store == NULL) {
        lw_stat_inc(LW_STAT_UNRECORDED);
        lw_log_err("%s: held, but not recorded for review: %s", ref, err.text);
        return;
    }
    e = lw_qentry_from_scan(ref, m->env, msg, v, cfg);
    if (lw_qstore_record(store, e, &err) < 0 && record_in_spool(cfg, store, e, &err) < 0) {
        lw_stat_inc(LW_STAT_UNRECORDED);
        lw_log_err("%s: held, but not recorded for review: %s", ref, err.text);
    }
    lw_qentry_free(e);
    lw_qstore_close(store);
}

/* lw_apply_verdict - headers, then accept, hold or reject */
sfsistat lw_apply_verdict(SMFICTX *ctx, const struct lw_config *cfg, struct lw_msgctx *m,
                          const struct lw_message *msg, const struct lw_verdict *v,
                          const char *ref)
{
    char *reply;

    remove_spoofed(ctx, m, ref);
    if (v->action == LW_ACTION_REJECT) {
        reply = g_strdup_printf("%s (ref %s)", cfg->reject_message, ref);
        if (smfi_setreply(ctx, "550", "5.7.1", reply) != MI_SUCCESS)
            lw_log_warn("%s: could not set the reject reply", ref);
        g_free(reply);
        return SMFIS_REJECT;
    }
    if (cfg->add_headers == LW_HEADERS_ALWAYS
        || (cfg->add_headers == LW_HEADERS_SCORED && v->action != LW_ACTION_ACCEPT))
        add_verdict_headers(ctx, m, v, ref);
    if (v->action == LW_ACTION_TAG || v->action == LW_ACTION_QUARANTINE)
        prefix_subject(ctx, cfg, m, ref);
    if (v->action == LW_ACTION_QUARANTINE) {
        reply = g_strdup_printf("lurewatch score %.1f ref %s", v->score, ref);
        if (smfi_quarantine(ctx, reply) != MI_SUCCESS) {
            /* Not held is worse than not delivered: keep the mail and let the client retry. */
            lw_log_err("%s: quarantine failed; tempfailing so the message is not lost", ref);
            g_free(reply);
            return SMFIS_TEMPFAIL;
        }
        g_free(reply);
        record_held(cfg, m, msg, v, ref);
    }
    return SMFIS_ACCEPT;
}

/* lw_apply_failure - the configured failure policy */
sfsistat lw_apply_failure(SMFICTX *ctx, const struct lw_config *cfg, struct lw_msgctx *m,
                          const char *ref)
{
    char *reply;

    if (cfg->failure_policy == LW_FAIL_ACCEPT) {
        char *verdict = g_strdup_printf("unscanned ref=%s", ref);

        remove_spoofed(ctx, m, ref);
        add_header(ctx, m, ref, lw_our_headers[0], verdict);
        g_free(verdict);
        return SMFIS_ACCEPT;
    }
    reply = g_strdup_printf("Temporary scanning failure, please try again later (ref %s)", ref);
    if (smfi_setreply(ctx, "451", "4.7.1", reply) != MI_SUCCESS)
        lw_log_warn("%s: could not set the tempfail reply", ref);
    g_free(reply);
    return SMFIS_TEMPFAIL;
}
