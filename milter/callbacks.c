/*
 * callbacks.c - libmilter callbacks: collect the message, scan it at the end
 *
 * State lives only behind smfi_getpriv(): libmilter runs the callbacks of
 * one connection on different threads, so nothing per-connection may sit in
 * thread-local or global storage. The connection context is created at
 * connect and freed at close (which may be the only callback, with no
 * context); the message context is created at MAIL FROM and freed at end of
 * message, at abort, or at the next MAIL FROM, whichever comes first, by
 * one function (msg_free) that tolerates NULL.
 *
 * Headers and body chunks are rebuilt into one buffer ("Name:value\n" with
 * the leading space kept by SMFIP_HDR_LEADSPC, a blank line, the body), up
 * to max_message_size + 1 bytes: one byte more than the limit so the core
 * sees that the limit was passed and flags it. The buffer comes from the
 * process's pool of warm buffers (msgbuf.c) and goes back to it when the
 * message is done. At end of message the pinned engine parses and scans
 * the buffer, in its turn when scan_concurrency scans are already in
 * progress (gate.c), and actions.c applies the verdict. One log line per
 * message.
 *
 * Every callback returns CONTINUE (or NOREPLY where that was negotiated) on
 * internal trouble; only eom decides the message's fate, so an error can
 * never silently drop mail: it becomes the failure policy.
 *
 * COST. Only eom ever answers anything but "continue", so every earlier
 * step is negotiated without a reply (SMFIP_NR_CONN, _HELO, _MAIL, _RCPT,
 * _HDR, _BODY): each reply is a round trip the MTA waits for, and they were
 * most of the milter's own cost per message. The end-of-header step is
 * not needed at all (SMFIP_NOEOH): the blank line after the header goes
 * in with the first body chunk, or at end of message.
 */
#include "config.h"

#include <string.h>
#include <gmime/gmime.h>

#include "callbacks.h"
#include "actions.h"
#include "engine_slot.h"
#include "gate.h"
#include "cache/hits.h"
#include "cache/key.h"
#include "model/score.h"
#include "util/log.h"
#include "stats.h"

#define MAX_RCPTS 10000

static char *dup_macro(SMFICTX *ctx, const char *name)
{
    const char *v = smfi_getsymval(ctx, (char *) name);

    return v ? g_strdup(v) : NULL;
}

/* strip_brackets - "<a@b>" -> "a@b" (g_free) */
static char *strip_brackets(const char *s)
{
    size_t n = strlen(s);

    if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
        return g_strndup(s + 1, n - 2);
    return g_strdup(s);
}

static struct lw_msgbuf_pool *buffers;  /* set once at start-up; NULL: a new buffer each message */

void lw_callbacks_set_buffers(struct lw_msgbuf_pool *pool)
{
    buffers = pool;
}

static void msg_free(struct lw_msgctx *m)
{
    if (m == NULL)
        return;
    lw_engine_unref(m->engine);
    lw_envelope_free(m->env);
    lw_msgbuf_put(buffers, m->raw);
    g_free(m->subject);
    g_free(m->message_id);
    lw_sha256_free(m->body_sum);
    if (m->forged)
        g_hash_table_unref(m->forged);
    g_free(m);
}

static struct lw_connctx *conn_get(SMFICTX *ctx)
{
    return smfi_getpriv(ctx);
}

/* reply - CONTINUE, or NOREPLY when the MTA agreed not to wait for this step's answer */
static sfsistat reply(const struct lw_connctx *c, unsigned long nr_bit)
{
    return c && (c->proto & nr_bit) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                               unsigned long f2, unsigned long f3, unsigned long *pf0,
                               unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
    unsigned long want = SMFIP_HDR_LEADSPC | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NOEOH
        | SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_BODY;
    struct lw_connctx *c = g_new0(struct lw_connctx, 1);

    *pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE);
    *pf1 = f1 & want;
    *pf2 = *pf3 = 0;
    c->proto = *pf1;
    c->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
    smfi_setpriv(ctx, c);
    smfi_setsymlist(ctx, SMFIM_CONNECT, "{client_addr} {client_name} j");
    smfi_setsymlist(ctx, SMFIM_ENVFROM, "{auth_authen} i");
    smfi_setsymlist(ctx, SMFIM_EOM, "i");
    return SMFIS_CONTINUE;
}

static sfsistat mlfi_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
    struct lw_connctx *c = conn_get(ctx);

    if (c == NULL) {    /* an MTA that does not negotiate */
        c = g_new0(struct lw_connctx, 1);
        smfi_setpriv(ctx, c);
    }
    c->client_addr = dup_macro(ctx, "{client_addr}");
    c->client_name = g_strdup(hostname ? hostname : "");
    return reply(c, SMFIP_NR_CONN);
}

static sfsistat mlfi_helo(SMFICTX *ctx, char *helo)
{
    struct lw_connctx *c = conn_get(ctx);

    if (c) {
        g_free(c->helo);
        c->helo = g_strdup(helo ? helo : "");
    }
    return reply(c, SMFIP_NR_HELO);
}

/*
 * size_hint - bytes to reserve for the message: the client's ESMTP SIZE
 * (argv[1...], "SIZE=N", a promise most MTAs keep) plus room for the
 * headers Postfix adds, within the limit; 16 KB without one. Reserving once
 * avoids growing a multi-megabyte buffer by doubling, a copy each time;
 * the buffer itself is a warm one from the pool when it has one that large.
 */
static guint size_hint(char **argv, long long max_raw)
{
    long long want = 16 * 1024;

    for (int i = 1; argv[0] && argv[i]; i++)
        if (g_ascii_strncasecmp(argv[i], "SIZE=", 5) == 0) {
            long long n = g_ascii_strtoll(argv[i] + 5, NULL, 10);

            if (n > 0)
                want = n + 4096;
        }
    return (guint) MIN(want, MIN(max_raw, 64LL * 1024 * 1024));
}

static sfsistat mlfi_envfrom(SMFICTX *ctx, char **argv)
{
    struct lw_connctx *c = conn_get(ctx);
    struct lw_msgctx *m;

    if (c == NULL)
        return SMFIS_CONTINUE;
    msg_free(c->msg);
    c->msg = m = g_new0(struct lw_msgctx, 1);
    m->engine = lw_slot_get();
    m->leadspc = c->leadspc;
    m->max_raw = lw_engine_config(m->engine)->max_message_size + 1;
    m->raw = lw_msgbuf_get(buffers, size_hint(argv, m->max_raw));
    m->env = lw_envelope_new();
    m->env->mail_from = strip_brackets(argv[0] ? argv[0] : "");
    m->env->client_addr = g_strdup(c->client_addr);
    m->env->client_name = g_strdup(c->client_name);
    m->env->helo = g_strdup(c->helo);
    m->env->auth_user = dup_macro(ctx, "{auth_authen}");
    return reply(c, SMFIP_NR_MAIL);
}

static sfsistat mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
    struct lw_connctx *c = conn_get(ctx);

    if (c && c->msg && argv[0] && c->msg->env->rcpts->len < MAX_RCPTS)
        g_ptr_array_add(c->msg->env->rcpts, strip_brackets(argv[0]));
    return reply(c, SMFIP_NR_RCPT);
}

/* append - add bytes to the message buffer, stopping one byte past the limit; the bytes added */
static size_t append(struct lw_msgctx *m, const void *data, size_t len)
{
    if ((long long) m->raw->len >= m->max_raw)
        return 0;
    if ((long long) (m->raw->len + len) > m->max_raw)
        len = (size_t) (m->max_raw - (long long) m->raw->len);
    lw_msgbuf_append(m->raw, data, len);
    return len;
}

/* note_header - count every X-Lurewatch-* field, ours or not, and keep the Subject */
static void note_header(struct lw_msgctx *m, const char *name, const char *value)
{
    if (g_ascii_strncasecmp(name, LW_HEADER_PREFIX, strlen(LW_HEADER_PREFIX)) == 0) {
        char *key = g_ascii_strdown(name, -1);

        if (m->forged == NULL)
            m->forged = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_hash_table_insert(m->forged, key,
                            GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(m->forged, key)) + 1));
    }
    if (m->subject == NULL && g_ascii_strcasecmp(name, "Subject") == 0)
        m->subject = g_strdup(value[0] == ' ' ? value + 1 : value);
    if (m->message_id == NULL && g_ascii_strcasecmp(name, "Message-ID") == 0)
        m->message_id = g_mime_utils_decode_message_id(value);     /* as GMime reads it when parsed */
}

static sfsistat mlfi_header(SMFICTX *ctx, char *name, char *value)
{
    struct lw_connctx *c = conn_get(ctx);

    if (c && c->msg) {
        note_header(c->msg, name, value);
        append(c->msg, name, strlen(name));
        append(c->msg, ":", 1);
        append(c->msg, value, strlen(value));
        append(c->msg, "\n", 1);
    }
    return reply(c, SMFIP_NR_HDR);
}

/*
 * end_header - the blank line between header and body, once (eoh, first
 * chunk or eom); the body's SHA-256, the verdict cache key's largest part,
 * is summed from here as the chunks come, not at end of message, and only
 * when the pinned engine keeps a cache: without one nothing reads it
 */
static void end_header(struct lw_msgctx *m)
{
    if (!m->in_body) {
        append(m, "\n", 1);
        m->in_body = 1;
        m->body_offset = m->raw->len;
        m->body_sum = lw_engine_cache(m->engine) ? lw_sha256_new() : NULL;
    }
}

/* mlfi_eoh - only for an MTA that ignores SMFIP_NOEOH */
static sfsistat mlfi_eoh(SMFICTX *ctx)
{
    struct lw_connctx *c = conn_get(ctx);

    if (c && c->msg)
        end_header(c->msg);
    return SMFIS_CONTINUE;
}

static sfsistat mlfi_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct lw_connctx *c = conn_get(ctx);

    if (c && c->msg) {
        size_t kept;

        end_header(c->msg);
        kept = append(c->msg, chunk, len);
        if (c->msg->body_sum)
            lw_sha256_update(c->msg->body_sum, chunk, kept);
    }
    return reply(c, SMFIP_NR_BODY);
}

/* log_verdict - the one line per message: info, or err when the scan failed */
static void log_verdict(const struct lw_msgctx *m, const struct lw_message *msg,
                        const struct lw_verdict *v, const char *ref, const char *outcome)
{
    char *hits = lw_verdict_hits_summary(v, 5);
    char *from = lw_printable(m->env->mail_from, 120);
    /* a message never parsed (its turn never came, the engine failed) is named as it arrived */
    char *msgid = lw_printable(msg && msg->message_id ? msg->message_id : m->message_id ? m->message_id : "", 120);

    /* a scan that failed is a failure (err), whatever the message got */
    lw_log(v->failed ? LW_LOG_ERR : LW_LOG_INFO,
           "%s: msgid=<%s> from=<%s> rcpts=%u size=%zu verdict=%s score=%.1f hits=%s ms=%.1f"
           " sig=%s%s%s%s", ref, msgid, from, m->env->rcpts->len, (size_t) m->raw->len, outcome,
           v->score, *hits ? hits : "-", v->elapsed_ms,
           v->signature_version ? v->signature_version : "-", v->cached ? " cached" : "",
           v->failed ? " error=" : "", v->failed ? v->error : "");
    g_free(hits);
    g_free(from);
    g_free(msgid);
}

/*
 * count_outcome - what the MTA was told (accept, tag, quarantine, reject,
 * tempfail or unscanned: one of them per message), the scan time, and
 * what went wrong on the way (internal failures, limits hit).
 */
static void count_outcome(const struct lw_verdict *v, sfsistat rc)
{
    static const enum lw_stat by_action[] = {
        [LW_ACTION_ACCEPT] = LW_STAT_ACCEPT, [LW_ACTION_TAG] = LW_STAT_TAG,
        [LW_ACTION_QUARANTINE] = LW_STAT_QUARANTINE, [LW_ACTION_REJECT] = LW_STAT_REJECT,
    };

    lw_stat_inc(LW_STAT_MESSAGES);
    lw_stat_scan_time(v->elapsed_ms);
    if (v->failed)
        lw_stat_inc(LW_STAT_FAILURES);
    lw_stat_inc(rc == SMFIS_TEMPFAIL ? LW_STAT_TEMPFAIL : v->failed ? LW_STAT_UNSCANNED : by_action[v->action]);
    if (lw_verdict_has_rule(v, "LW_RULE_MATCH_LIMIT"))
        lw_stat_inc(LW_STAT_RULE_LIMITS);
    for (guint i = 0; i < v->hits->len; i++) {
        const struct lw_hit *hit = g_ptr_array_index(v->hits, i);

        if (g_str_has_prefix(hit->rule, "LW_LIMIT_")) {
            lw_stat_inc(LW_STAT_LIMITS);
            break;
        }
    }
}

static struct lw_hits *hits;    /* set once at start-up; NULL: no hits stream */

void lw_callbacks_set_hits(struct lw_hits *h)
{
    hits = h;
}

static struct lw_gate *gate;    /* set once at start-up; NULL: no limit on scans at once */

void lw_callbacks_set_gate(struct lw_gate *g)
{
    gate = g;
}

/*
 * analyse - the message's verdict, scanned in its turn (gate.c): a message
 * that waits past scan_wait_timeout gets a failed verdict saying so (the
 * failure policy then answers the MTA before the MTA gives up on us)
 */
static struct lw_verdict *analyse(struct lw_msgctx *m, const char *body, gint64 t0,
                                  struct lw_message **msg)
{
    const struct lw_config *cfg = lw_engine_config(m->engine);
    struct lw_verdict *v;

    *msg = NULL;
    if (!lw_gate_try(gate)) {
        lw_stat_inc(LW_STAT_SCAN_WAITS);    /* counted as it starts: the counters show a queue */
        if (!lw_gate_wait(gate, t0 + cfg->scan_wait_timeout * G_USEC_PER_SEC)) {
            lw_stat_inc(LW_STAT_SCAN_WAIT_TIMEOUTS);
            v = lw_verdict_new();
            lw_verdict_fail(v, "not analysed: waited %llds for a turn (scan_concurrency, scan_wait_timeout)",
                            cfg->scan_wait_timeout);
            return v;
        }
    }
    v = lw_engine_check(m->engine, m->raw->data, m->raw->len, m->env, body, m->body_offset, msg);
    lw_gate_leave(gate);
    return v;
}

static sfsistat mlfi_eom(SMFICTX *ctx)
{
    struct lw_connctx *c = conn_get(ctx);
    struct lw_msgctx *m = c ? c->msg : NULL;
    const struct lw_config *cfg;
    struct lw_message *msg;
    struct lw_verdict *v;
    gint64 t0 = g_get_monotonic_time();
    char *ref, *body;
    sfsistat rc;

    if (m == NULL)      /* no MAIL FROM seen: nothing of ours to decide */
        return SMFIS_CONTINUE;
    cfg = lw_engine_config(m->engine);
    end_header(m);              /* a message without a body */
    m->env->queue_id = dup_macro(ctx, "i");
    ref = m->env->queue_id ? g_strdup(m->env->queue_id)
                           : g_strdup_printf("%08x%04x", g_random_int(), g_random_int() & 0xffff);
    body = m->body_sum ? lw_sha256_end(m->body_sum) : NULL;
    m->body_sum = NULL;
    v = analyse(m, body, t0, &msg);
    g_free(body);
    v->elapsed_ms = (double) (g_get_monotonic_time() - t0) / 1000.0;
    if (v->failed) {
        rc = lw_apply_failure(ctx, cfg, m, ref);
        log_verdict(m, msg, v, ref, cfg->failure_policy == LW_FAIL_ACCEPT ? "failure-accept"
                                                                          : "failure-tempfail");
    } else {
        rc = lw_apply_verdict(ctx, cfg, m, msg, v, ref);
        log_verdict(m, msg, v, ref, rc == SMFIS_TEMPFAIL ? "quarantine-failed-tempfail"
                                                         : lw_action_name(v->action));
        if (hits && rc != SMFIS_TEMPFAIL)   /* queued; never waits for Redis */
            lw_hits_publish(hits, msg, v);
    }
    count_outcome(v, rc);
    lw_verdict_free(v);
    lw_message_free(msg);
    g_free(ref);
    msg_free(m);
    c->msg = NULL;
    return rc;
}

static sfsistat mlfi_abort(SMFICTX *ctx)
{
    struct lw_connctx *c = conn_get(ctx);

    if (c && c->msg) {
        lw_stat_inc(LW_STAT_ABORTED);
        msg_free(c->msg);
        c->msg = NULL;
    }
    return SMFIS_CONTINUE;
}

static sfsistat mlfi_close(SMFICTX *ctx)
{
    struct lw_connctx *c = conn_get(ctx);

    if (c == NULL)
        return SMFIS_CONTINUE;
    msg_free(c->msg);
    g_free(c->client_addr);
    g_free(c->client_name);
    g_free(c->helo);
    g_free(c);
    smfi_setpriv(ctx, NULL);
    return SMFIS_CONTINUE;
}

struct smfiDesc lw_milter_desc = {
    .xxfi_name = "lurewatch",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
    .xxfi_connect = mlfi_connect,
    .xxfi_helo = mlfi_helo,
    .xxfi_envfrom = mlfi_envfrom,
    .xxfi_envrcpt = mlfi_envrcpt,
    .xxfi_header = mlfi_header,
    .xxfi_eoh = mlfi_eoh,
    .xxfi_body = mlfi_body,
    .xxfi_eom = mlfi_eom,
    .xxfi_abort = mlfi_abort,
    .xxfi_close = mlfi_close,
    .xxfi_negotiate = mlfi_negotiate,
};
