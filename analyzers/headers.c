/*
 * headers.c - analyzer: header fields that contradict each other
 *
 * DESCRIPTION
 *     A forged or impersonating message has to get the visible From right,
 *     but the rest of the header tells where it really came from and where
 *     answers go. Rules:
 *
 *     LW_HDR_REPLYTO_OTHER         Reply-To in another registrable domain than From
 *     LW_HDR_REPLYTO_FREEMAIL      ... and that domain is free mail
 *     LW_HDR_REPLYTO_FREEMAIL_CLAIM ... while the display name claims the
 *                                  organization, a VIP or a brand
 *     LW_HDR_BRAND_RETURNPATH      From a protected or brand domain, bounces
 *                                  (Return-Path) to an unrelated domain
 *     LW_HDR_SPOOFED_INTERNAL      From one of protected_domains, but the
 *                                  message arrived from outside: the client
 *                                  (envelope, or the top Received field when
 *                                  there is no envelope) is not in
 *                                  internal_networks and did not authenticate
 *     LW_HDR_AUTH_FAIL             Authentication-Results from a trusted
 *                                  authserv-id (trusted_authserv_ids only:
 *                                  anyone can write the header) say DMARC
 *                                  failed, or SPF failed with no DKIM pass
 *     LW_HDR_AUTH_FAIL_BRAND       ... for a brand's domain
 *     LW_HDR_AUTH_FAIL_PROTECTED   ... for one of the organization's domains
 *     LW_HDR_MSGID_UNRELATED       a brand or protected From whose Message-ID
 *                                  was made by an unrelated domain
 *     LW_HDR_FROM_MALFORMED        From that parsers and mail clients read
 *                                  differently: several mailboxes, or a first
 *                                  "mailbox" without a domain ("Brand ,_<x@y>")
 *     LW_HDR_FROM_BAD_DOMAIN       From domain that cannot exist: no public
 *                                  suffix, bad characters (mail@correios)
 *     LW_HDR_FROM_FREEHOST         From a free web-hosting service's domain
 *                                  (site builders send forms as mail)
 *     LW_HDR_FROM_RANDOM_LOCAL     a sender mailbox name of random mixed case
 *                                  (afAbPcZ@, DanvlIyBH@): kits generate one
 *                                  per message to defeat sender reputation
 *     LW_HDR_RCPT_IN_SUBJECT       the recipient's address in the Subject, the
 *                                  mass-personalization of phishing kits
 *     LW_HDR_DATE_FUTURE / _PAST   Date later than receipt by date_future_hours
 *                                  or older by date_past_days; receipt time
 *                                  is the date of the top Received field
 *
 * LIMITS
 *     Without an envelope or Received field the origin is unknown and
 *     LW_HDR_SPOOFED_INTERNAL does not fire. Authentication-Results without
 *     an authserv-id (RFC 8601 requires one) are ignored.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <gio/gio.h>

#include "analyzer.h"
#include "identity.h"

#define A "headers"

struct hdr_state {
    const struct lw_config *cfg;        /* borrowed from the engine */
    struct lw_identity *id;
    GPtrArray *networks;                /* GInetAddressMask */
};

/* hdr_init - internal networks parsed and the identity state built */
static int hdr_init(const struct lw_config *cfg, void **state, struct lw_error *err)
{
    struct hdr_state *s = g_new0(struct hdr_state, 1);

    s->cfg = cfg;
    s->networks = g_ptr_array_new_with_free_func(g_object_unref);
    for (int i = 0; cfg->internal_networks && cfg->internal_networks[i]; i++) {
        GError *gerr = NULL;
        GInetAddressMask *m = g_inet_address_mask_new_from_string(cfg->internal_networks[i], &gerr);

        if (m == NULL) {
            lw_error_set(err, "internal_networks: \"%s\": %s", cfg->internal_networks[i], gerr->message);
            g_error_free(gerr);
            g_ptr_array_unref(s->networks);
            g_free(s);
            return -1;
        }
        g_ptr_array_add(s->networks, m);
    }
    if ((s->id = lw_identity_new(cfg, err)) == NULL) {
        g_ptr_array_unref(s->networks);
        g_free(s);
        return -1;
    }
    *state = s;
    return 0;
}

/* hdr_fini - free the analyzer state */
static void hdr_fini(void *state)
{
    struct hdr_state *s = state;

    lw_identity_free(s->id);
    g_ptr_array_unref(s->networks);
    g_free(s);
}

/* is_internal - is the address text inside internal_networks? */
static int is_internal(const struct hdr_state *s, const char *addr)
{
    GInetAddress *ia = g_inet_address_new_from_string(addr);
    int inside = 0;

    if (ia == NULL)
        return 0;
    for (guint i = 0; !inside && i < s->networks->len; i++)
        inside = g_inet_address_mask_matches(g_ptr_array_index(s->networks, i), ia);
    g_object_unref(ia);
    return inside;
}

/* received_client - the bracketed client IP of a Received field (g_free), or NULL */
static char *received_client(const char *received)
{
    return lw_regex_group1("\\[(?:IPv6:)?([0-9A-Fa-f:.]+)\\]", 0, received);
}

/* from_outside - 1 outside, 0 inside or unknown; *why says which client */
static int from_outside(const struct hdr_state *s, const struct lw_message *msg, char **why)
{
    const char *top;
    char *ip;
    int outside;

    if (msg->env && msg->env->client_addr) {
        if (msg->env->auth_user || is_internal(s, msg->env->client_addr))
            return 0;
        *why = g_strdup_printf("client %s (envelope)", msg->env->client_addr);
        return 1;
    }
    if (msg->received->len == 0)
        return 0;
    top = g_ptr_array_index(msg->received, 0);
    if (strstr(top, "ESMTPA") || strstr(top, "ESMTPSA") || strstr(top, "LMTPA"))
        return 0;
    if ((ip = received_client(top)) == NULL)
        return 0;
    outside = !is_internal(s, ip);
    if (outside)
        *why = g_strdup_printf("client [%s] (top Received)", ip);
    g_free(ip);
    return outside;
}

/* claims_identity - the display name claims the organization, a VIP or a brand */
static int claims_identity(const struct lw_identity *id, const struct lw_message *msg)
{
    const struct lw_brand *b = NULL;
    const char *n = msg->from->name;

    return *n && (lw_identity_protected_name_in(id, n) || lw_identity_protected_domain_in(id, n)
                  || lw_identity_vip_in(id, n) || lw_identity_brand_in(id, n, &b));
}

/* check_reply_to - where replies go, compared with the sender */
static void check_reply_to(const struct hdr_state *s, const struct lw_message *msg, struct lw_verdict *v)
{
    const char *rd = msg->reply_to ? msg->reply_to->domain : NULL;
    char *ev;

    if (rd == NULL || *rd == '\0' || *msg->from->domain == '\0'
        || lw_identity_same_org(s->id, rd, msg->from->domain))
        return;
    ev = g_strdup_printf("From %s, Reply-To %s", msg->from->addr, msg->reply_to->addr);
    if (!(lw_identity_kind(s->id, rd) & LW_KIND_FREEMAIL))
        lw_verdict_add_hit(v, A, "LW_HDR_REPLYTO_OTHER", 0.5,
                           "Replies go to another domain than the sender's", ev);
    else if (!claims_identity(s->id, msg))
        lw_verdict_add_hit(v, A, "LW_HDR_REPLYTO_FREEMAIL", 2.5,
                           "Replies go to a free-mail address unrelated to the sender", ev);
    else
        lw_verdict_add_hit(v, A, "LW_HDR_REPLYTO_FREEMAIL_CLAIM", 5.0,
                           "Sender name claims an organization or brand but replies go to a free-mail address", ev);
    lw_hit_add_indicator(v, g_ptr_array_index(v->hits, v->hits->len - 1), LW_IOC_EMAIL, msg->reply_to->addr);
    g_free(ev);
}

/* is_official - the organization's or a brand's own domain, not a free-mail one anyone can use */
static int is_official(const struct lw_identity *id, const char *domain)
{
    return *domain && (lw_identity_is_protected(id, domain)
                       || (lw_identity_brand_of_host(id, domain) && !(lw_identity_kind(id, domain) & LW_KIND_FREEMAIL)));
}

/* check_origin - internal From from outside; official From with foreign bounces or Message-ID */
static void check_origin(const struct hdr_state *s, const struct lw_message *msg, struct lw_verdict *v)
{
    const char *rp = msg->return_path ? msg->return_path->domain : NULL;
    const char *mid = msg->message_id ? strrchr(msg->message_id, '@') : NULL;
    char *why = NULL, *ev;

    if (lw_identity_is_protected(s->id, msg->from->domain) && from_outside(s, msg, &why)) {
        ev = g_strdup_printf("From %s, %s", msg->from->addr, why);
        lw_verdict_add_hit(v, A, "LW_HDR_SPOOFED_INTERNAL", 6.0,
                           "From claims the organization's own domain but the message came from outside", ev);
        g_free(ev);
        g_free(why);
    }
    if (!is_official(s->id, msg->from->domain))
        return;
    if (rp && *rp && !lw_identity_same_org(s->id, rp, msg->from->domain) && !is_official(s->id, rp)) {
        ev = g_strdup_printf("From %s, Return-Path %s", msg->from->addr, msg->return_path->addr);
        lw_verdict_add_hit(v, A, "LW_HDR_BRAND_RETURNPATH", 1.5,
                           "Mail from an official or brand domain whose bounces go to an unrelated domain", ev);
        g_free(ev);
    }
    if (mid && mid[1] && !lw_identity_same_org(s->id, mid + 1, msg->from->domain) && !is_official(s->id, mid + 1)
        && !(rp && *rp && lw_identity_same_org(s->id, mid + 1, rp))) {
        ev = g_strdup_printf("From %s, Message-ID <%s>", msg->from->addr, msg->message_id);
        lw_verdict_add_hit(v, A, "LW_HDR_MSGID_UNRELATED", 1.5,
                           "Mail from an official or brand domain whose Message-ID was made by an unrelated domain", ev);
        g_free(ev);
    }
}

/* ar_result - "fail", "pass", ... of METHOD in one Authentication-Results value, or NULL (g_free) */
static char *ar_result(const char *value, const char *method)
{
    char *pat = g_strdup_printf("(?:^|[;\\s])%s\\s*=\\s*([a-z]+)", method);
    char *res = lw_regex_group1(pat, G_REGEX_CASELESS, value), *low = res ? g_ascii_strdown(res, -1) : NULL;

    g_free(pat);
    g_free(res);
    return low;
}

/* strip_comments - an Authentication-Results value without (comments) (g_free) */
static char *strip_comments(const char *s)
{
    GString *out = g_string_new(NULL);
    int depth = 0;

    for (; *s; s++) {
        if (*s == '(')
            depth++;
        else if (*s == ')' && depth > 0)
            depth--;
        else if (depth == 0)
            g_string_append_c(out, *s);
    }
    return g_string_free(out, FALSE);
}

/* trusted_id - the authserv-id of one Authentication-Results value is in trusted_authserv_ids */
static int trusted_id(const struct lw_config *cfg, const char *value)
{
    size_t n = strcspn(value, "; \t\r\n");

    if (n == 0 || memchr(value, '=', n))
        return 0;
    for (int i = 0; cfg->trusted_authserv_ids && cfg->trusted_authserv_ids[i]; i++)
        if (strlen(cfg->trusted_authserv_ids[i]) == n && g_ascii_strncasecmp(value, cfg->trusted_authserv_ids[i], n) == 0)
            return 1;
    return 0;
}

/* check_auth - SPF/DKIM/DMARC failure reported by a trusted relay, once per message */
static void check_auth(const struct hdr_state *s, const struct lw_message *msg, struct lw_verdict *v)
{
    for (guint i = 0; i < msg->auth_results->len; i++) {
        char *value = g_strstrip(strip_comments(g_ptr_array_index(msg->auth_results, i)));
        char *spf = NULL, *dkim = NULL, *dmarc = NULL, *ev;
        int fail;

        if (!trusted_id(s->cfg, value)) {
            g_free(value);
            continue;
        }
        spf = ar_result(value, "spf");
        dkim = ar_result(value, "dkim");
        dmarc = ar_result(value, "dmarc");
        fail = (dmarc && strcmp(dmarc, "fail") == 0)
               || (spf && (strcmp(spf, "fail") == 0 || strcmp(spf, "softfail") == 0)
                   && !(dkim && strcmp(dkim, "pass") == 0));
        if (fail) {
            ev = g_strdup_printf("From %s: spf=%s dkim=%s dmarc=%s", msg->from->addr,
                                 spf ? spf : "-", dkim ? dkim : "-", dmarc ? dmarc : "-");
            if (lw_identity_is_protected(s->id, msg->from->domain))
                lw_verdict_add_hit(v, A, "LW_HDR_AUTH_FAIL_PROTECTED", 10.0,
                                   "Our relay found the organization's own From domain forged (SPF/DKIM/DMARC failed)", ev);
            else if (lw_identity_brand_of_host(s->id, msg->from->domain))
                lw_verdict_add_hit(v, A, "LW_HDR_AUTH_FAIL_BRAND", 6.0,
                                   "Our relay found a brand's From domain forged (SPF/DKIM/DMARC failed)", ev);
            else
                lw_verdict_add_hit(v, A, "LW_HDR_AUTH_FAIL", 3.0,
                                   "Our relay could not authenticate the From domain (SPF/DKIM/DMARC failed)", ev);
            g_free(ev);
        }
        g_free(spf);
        g_free(dkim);
        g_free(dmarc);
        g_free(value);
        if (fail)
            return;
    }
}

/* receipt_time - when our side received the message: top Received date, else now */
static gint64 receipt_time(const struct lw_message *msg)
{
    const char *semi = msg->received->len ? strrchr(g_ptr_array_index(msg->received, 0), ';') : NULL;
    GDateTime *dt = semi ? g_mime_utils_header_decode_date(semi + 1) : NULL;
    gint64 t;

    if (dt == NULL)
        return g_get_real_time() / G_USEC_PER_SEC;
    t = g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    return t;
}

/* check_date - Date far after or before receipt */
static void check_date(const struct hdr_state *s, const struct lw_message *msg, struct lw_verdict *v)
{
    gint64 now, delta;
    char *ev;

    if (!msg->date_valid)
        return;
    now = receipt_time(msg);
    delta = msg->date - now;
    if (delta > (gint64) (s->cfg->date_future_hours * 3600)) {
        ev = g_strdup_printf("Date: %s (%.1f days after receipt)", msg->date_raw ? msg->date_raw : "?", delta / 86400.0);
        lw_verdict_add_hit(v, A, "LW_HDR_DATE_FUTURE", 1.5,
                           "The Date is far in the future, a trick to stay at the top of the inbox", ev);
        g_free(ev);
    } else if (-delta > (gint64) (s->cfg->date_past_days * 86400)) {
        ev = g_strdup_printf("Date: %s (%.0f days before receipt)", msg->date_raw ? msg->date_raw : "?", -delta / 86400.0);
        lw_verdict_add_hit(v, A, "LW_HDR_DATE_PAST", 0.5,
                           "The Date is long before the message arrived (forged or replayed mail)", ev);
        g_free(ev);
    }
}

/*
 * random_local - a local part of 5-24 letters (digits allowed) with at
 * least two capitals after the first character, both cases present, and no
 * separator: people and services write "jsmith", "John.Smith", "JohnSmith",
 * "NoReply"; generators write "WkOhQAg".
 */
static int random_local(const char *addr)
{
    const char *at = strrchr(addr, '@');
    size_t n = at ? (size_t) (at - addr) : 0;
    int inner_upper = 0, lower = 0;

    if (n < 5 || n > 24)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!g_ascii_isalnum(addr[i]))
            return 0;
        lower += g_ascii_islower(addr[i]);
        inner_upper += i > 0 && g_ascii_isupper(addr[i]) && !g_ascii_isupper(addr[i - 1]);
    }
    return lower > 0 && inner_upper >= 2;
}

/* from_hit - one hit about the From address */
static void from_hit(struct lw_verdict *v, const char *rule, double score, const char *desc, const char *from)
{
    char *ev = g_strdup_printf("From: %.100s", from);

    lw_verdict_add_hit(v, A, rule, score, desc, ev);
    g_free(ev);
}

/* check_from - From fields that are malformed, impossible, generated, or on free hosting */
static void check_from(const struct hdr_state *s, const struct lw_message *msg, struct lw_verdict *v)
{
    const char *raw = lw_message_header(msg, "From");

    if (msg->from_count > 1 || strchr(msg->from->addr, '@') == NULL)
        from_hit(v, "LW_HDR_FROM_MALFORMED", 4.0,
                 "The From field is built so that filters and mail clients read different senders", raw ? raw : "");
    else if (!lw_identity_valid_hostname(msg->from->domain) && g_str_is_ascii(msg->from->domain))
        from_hit(v, "LW_HDR_FROM_BAD_DOMAIN", 3.5,
                 "The sender's domain cannot exist on the Internet (forged sender)", msg->from->addr);
    else if (random_local(msg->from->addr))
        from_hit(v, "LW_HDR_FROM_RANDOM_LOCAL", 2.5,
                 "The sender's mailbox name is random mixed-case letters, generated per message by a mailing kit",
                 msg->from->addr);
    if (lw_identity_kind(s->id, msg->from->domain) & LW_KIND_FREEHOST)
        from_hit(v, "LW_HDR_FROM_FREEHOST", 3.5,
                 "Sent from a free web-hosting service's domain, not a mail provider", msg->from->addr);
}

/* check_subject_rcpt - the first To address, or its mailbox name, in the Subject */
static void check_subject_rcpt(const struct lw_message *msg, struct lw_verdict *v)
{
    const char *to = lw_message_header(msg, "To");
    char *addr = to ? lw_regex_group1("([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+)", 0, to) : NULL;
    char *subj, *low, *ev;

    if (addr == NULL || msg->subject == NULL) {
        g_free(addr);
        return;
    }
    subj = lw_identity_fold(msg->subject);
    low = g_ascii_strdown(addr, -1);
    if (strstr(subj, low)) {
        ev = g_strdup_printf("Subject: %.100s", msg->subject);
        lw_verdict_add_hit(v, A, "LW_HDR_RCPT_IN_SUBJECT", 3.5,
                           "The recipient's own address is pasted into the Subject, as mass phishing kits do", ev);
        g_free(ev);
    }
    g_free(subj);
    g_free(low);
    g_free(addr);
}

/* hdr_scan - every header consistency test */
static int hdr_scan(const void *state, const struct lw_message *msg, struct lw_verdict *v,
                    struct lw_error *err)
{
    const struct hdr_state *s = state;

    if (msg->unparseable)
        return 0;
    check_date(s, msg, v);
    if (msg->from == NULL)
        return 0;
    check_from(s, msg, v);
    check_subject_rcpt(msg, v);
    check_reply_to(s, msg, v);
    check_origin(s, msg, v);
    check_auth(s, msg, v);
    return 0;
}

const struct lw_analyzer lw_analyzer_headers = {
    .name = A,
    .init = hdr_init,
    .scan = hdr_scan,
    .fini = hdr_fini,
};
