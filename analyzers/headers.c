/*
 * headers.c - analyzer: header fields that contradict each other
 *
 * DESCRIPTION
 *     A forged or impersonating message has to get the visible From right,
 *     but the rest of the header tells where it really came from and where
 *     answers go. Rules:
 *
 *     LW_HDR_REPLYTO_OTHER         Reply-To in another registrable domain than From
 *                                  (not the poster of a list post whose From
 *                                  the list rewrote: message.h, struct lw_list)
 *     LW_HDR_REPLYTO_FREEMAIL      ... and that domain is free mail
 *     LW_HDR_REPLYTO_FREEMAIL_CLAIM ... while the display name claims the
 *                                  organization, a VIP or a brand
 *     LW_HDR_FROM_FREEMAIL_LURE    a lure (any lure-class hit before this
 *                                  analyzer: it runs per message, after the
 *                                  rules) sent from a free-mail address, not
 *                                  through a mailing list: the pretext's
 *                                  channel is a mailbox anyone can open, not
 *                                  an organization's. Personal mail comes from
 *                                  free mail every day, so alone it is nothing
 *                                  (it never fires alone); with the lure it is
 *                                  evidence (the class fold: a lure joined to
 *                                  a link hit), and its 0.5 says that the
 *                                  sender contradicts the pretext: a bank,
 *                                  a claims office or an investor's lawyer
 *                                  writes from its own domain
 *     LW_HDR_BCC_FREEMAIL          undisclosed recipients (LW_HDR_BCC_BLAST, or
 *                                  To naming only the sender itself) and
 *                                  answers going to free mail
 *                                  (LW_HDR_REPLYTO_FREEMAIL or _CLAIM, or
 *                                  LW_HDR_FROM_FREEMAIL_LURE): the fraud
 *                                  teaser's kit fingerprint (evasion, 1.0)
 *     LW_HDR_BRAND_RETURNPATH      From a protected or brand domain, bounces
 *                                  (Return-Path) to an unrelated domain; not
 *                                  when a trusted stamp authenticates the From
 *                                  domain (see from_authenticated: an aligned
 *                                  DMARC pass, or without DMARC an aligned
 *                                  DKIM pass)
 *     LW_HDR_SPOOFED_INTERNAL      From one of protected_domains, but the
 *                                  message arrived from outside: the client
 *                                  (envelope, or the top Received field when
 *                                  there is no envelope) is not in
 *                                  internal_networks and did not authenticate
 *     LW_HDR_AUTH_FAIL             a trusted authentication stamp (below)
 *                                  says the From domain is forged: Microsoft's
 *                                  compauth=fail, else DMARC failed, or SPF
 *                                  failed with no DKIM pass
 *     LW_HDR_AUTH_FAIL_BRAND       ... for a brand's domain
 *     LW_HDR_AUTH_FAIL_PROTECTED   ... for one of the organization's domains
 *     LW_HDR_AUTH_FAIL_CLAIM       ... for another domain, while the display
 *                                  name claims the organization, a VIP or
 *                                  a brand
 *     LW_HDR_MSGID_UNRELATED       a brand or protected From whose Message-ID
 *                                  was made by an unrelated domain; not when
 *                                  a trusted stamp authenticates the From
 *                                  domain (as LW_HDR_BRAND_RETURNPATH), nor
 *                                  when bounces go to the From's own
 *                                  organization: a brand sending through a
 *                                  mailing service sets its own bounce
 *                                  domain (for SPF alignment) and the
 *                                  service writes the Message-ID. Whether
 *                                  such an envelope is forged is SPF's
 *                                  question, answered by the stamps
 *     LW_HDR_FROM_MALFORMED        From that parsers and mail clients read
 *                                  differently: several addresses, a group
 *                                  (a name and a colon: ":Brand <a@b>"),
 *                                  a quoted name a comma cuts off from the
 *                                  address ('"Brand", <x@y>'), or no
 *                                  mailbox that can be read at all
 *                                  ("Brand,(<x@y>)", "<>", "N <a@<b@c>")
 *     LW_HDR_FROM_NAME_COMMA       a display name with a comma outside
 *                                  quotes ("Offer, x <a@b>"): the standard
 *                                  reads a first mailbox without an
 *                                  address, GMime one name or two; weak
 *                                  alone (a careless "Doe, John" too), a
 *                                  kit's habit beside other evidence
 *     LW_HDR_FROM_BAD_DOMAIN       From domain that cannot exist: no public
 *                                  suffix, bad characters (mail@correios)
 *     LW_HDR_FROM_FREEHOST         From a free web-hosting service's domain
 *                                  (site builders send forms as mail)
 *     LW_HDR_FROM_RANDOM_LOCAL     a sender mailbox name of random mixed case
 *                                  (afAbPcZ@, DanvlIyBH@, DgcPUJUlz@): kits
 *                                  generate one per message to defeat
 *                                  sender reputation
 *     LW_HDR_RCPT_IN_SUBJECT       the recipient's address in the Subject, the
 *                                  mass-personalization of phishing kits
 *     LW_HDR_DATE_FUTURE / _PAST   Date later than receipt by date_future_hours
 *                                  or older by date_past_days; receipt time
 *                                  is the date of the top Received field
 *
 *     Authentication stamps are read in this order, the first one that
 *     reports a failure gives the one LW_HDR_AUTH_* hit (the evidence names
 *     the header, the results and compauth's reason code):
 *     1. every Authentication-Results (RFC 8601: "authserv-id [version];
 *        results") whose authserv-id is in trusted_authserv_ids, merged;
 *     2. with trust_microsoft_auth_results = yes, the topmost
 *        Authentication-Results without authserv-id, the form Exchange
 *        Online writes ("spf=none ...;dmarc=none action=none
 *        header.from=x;compauth=fail reason=001");
 *     3. the ARC-Authentication-Results ("i=N; mx.microsoft.com 1; ...")
 *        of the highest instance, when that instance is unique and its
 *        authserv-id is in trusted_authserv_ids.
 *     compauth is Microsoft's verdict on the From domain: fail counts even
 *     when SPF and DMARC say none (no DMARC record: "implicit"
 *     authentication failed), pass and softpass overrule a failed DMARC
 *     (ARC of a trusted forwarder, for one). Results about a header.from
 *     domain the From field does not show are about another message.
 *
 * LIMITS/SECURITY
 *     Without an envelope or Received field the origin is unknown and
 *     LW_HDR_SPOOFED_INTERNAL does not fire.
 *
 *     Anyone can write any authentication header into a message. A forged
 *     failure only hurts the forger's own message; a forged "pass" would
 *     take away the two guesses about brand mail (LW_HDR_BRAND_RETURNPATH,
 *     LW_HDR_MSGID_UNRELATED, 1.5 each) and make the sender's indicators
 *     the domain owner's, never a failure or an impersonation hit. What
 *     must not happen is that a forgery hides the failure our side
 *     reported, or that a legitimate message is scored on someone else's
 *     stale failure. Hence:
 *     - fields are added on top, so ours are the topmost: only the topmost
 *       id-less field is read (the sender's are lower), and only the
 *       highest ARC instance, which the last sealer (ours) numbers above
 *       every earlier one. A duplicate highest instance (a twin forged to
 *       collide with ours) makes ARC unread. RFC 8617 sealers stop at
 *       i=50, so a forged i=50 leaves ours out and is read instead: it can
 *       only hide ARC's report, not the Authentication-Results read before
 *       it, and i= above 50 is never read;
 *     - header fields below Exchange Online's first X-IncomingTopHeaderMarker
 *       came with the message it received and are never read (in the
 *       corpus every X-MS-Exchange-Authentication-Results is down there: it
 *       is the sending tenant's stamp, so that header is not read at all);
 *     - trust_microsoft_auth_results trusts a field that carries no name to
 *       check: it is right only when every message passes through our own
 *       Exchange Online tenant before lurewatch. If mail can reach the relay
 *       directly, the topmost id-less field is the sender's: a forged
 *       failure still only hurts its author, but a message forwarded from
 *       another tenant brings that tenant's stamp (same From, so the
 *       header.from check passes) and is scored on its verdict;
 *     - trusted_authserv_ids assumes our relays remove incoming fields that
 *       carry their own id (RFC 8601 section 5): lurewatch cannot tell a
 *       forged copy lower down from the real one.
 *     ARC seals are not verified: the instance number and the authserv-id
 *     are believed because they are the topmost and ours.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <gio/gio.h>

#include "analyzer.h"
#include "identity.h"
#include "model/score.h"

#define A "headers"

struct hdr_state {
    const struct lw_config *cfg;        /* borrowed from the engine */
    const struct lw_identity *id;       /* borrowed from the engine (struct lw_shared) */
    GPtrArray *networks;                /* GInetAddressMask */
};

/* hdr_init - internal networks parsed; the engine's identity borrowed */
static int hdr_init(const struct lw_config *cfg, const struct lw_shared *shared, const void *previous,
                    void **state, struct lw_error *err)
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
    s->id = shared->id;
    *state = s;
    return 0;
}

/* hdr_fini - free the analyzer state */
static void hdr_fini(void *state)
{
    struct hdr_state *s = state;

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
    static GRegex *re;

    return lw_regex_group1(lw_regex_once(&re, "\\[(?:IPv6:)?([0-9A-Fa-f:.]+)\\]", 0), received);
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
                  || lw_identity_vip_in(id, n) || lw_identity_brand_named_in(id, n, &b));
}

/*
 * replies_to_poster - a mailing list rewrote From to its own address and
 * left the author in Reply-To: replies go to the author, as they should
 */
static int replies_to_poster(const struct lw_message *msg)
{
    const struct lw_address *p = msg->list ? msg->list->poster : NULL;

    return p != NULL && g_ascii_strcasecmp(p->addr, msg->reply_to->addr) == 0;
}

/* check_reply_to - where replies go, compared with the sender; 1 if to an unrelated free-mail mailbox */
static int check_reply_to(const struct hdr_state *s, const struct lw_message *msg, struct lw_verdict *v)
{
    const char *rd = msg->reply_to ? msg->reply_to->domain : NULL;
    int freemail;
    char *ev;

    if (rd == NULL || *rd == '\0' || *msg->from->domain == '\0'
        || lw_identity_same_org(s->id, rd, msg->from->domain)
        || (replies_to_poster(msg) && !claims_identity(s->id, msg)))
        return 0;
    freemail = (lw_identity_kind(s->id, rd) & LW_KIND_FREEMAIL) != 0;
    ev = g_strdup_printf("From %s, Reply-To %s", msg->from->addr, msg->reply_to->addr);
    if (!freemail)
        lw_verdict_add_hit(v, A, "LW_HDR_REPLYTO_OTHER", 0.5,
                           "Replies go to another domain than the sender's", ev);
    else if (!claims_identity(s->id, msg))
        lw_verdict_add_hit(v, A, "LW_HDR_REPLYTO_FREEMAIL", 2.5,
                           "Replies go to a free-mail address unrelated to the sender", ev);
    else
        lw_verdict_add_hit(v, A, "LW_HDR_REPLYTO_FREEMAIL_CLAIM", 5.0,
                           "Sender name claims an organization or brand but replies go to a free-mail address", ev);
    lw_hit_add_indicator(v, g_ptr_array_index(v->hits, v->hits->len - 1), LW_ROLE_SENDER, LW_IOC_EMAIL, msg->reply_to->addr);
    g_free(ev);
    return freemail;
}

/*
 * check_from_freemail - a lure whose sender is a free-mail mailbox
 * (LW_HDR_FROM_FREEMAIL_LURE); 1 if so. The callback receipt counts as a
 * lure here: its pretext is a shop's receipt, which no shop sends from free
 * mail, and it is classed as deception only because its phone number is
 * its channel.
 */
static int check_from_freemail(const struct hdr_state *s, const struct lw_message *msg, struct lw_verdict *v)
{
    char *ev;

    if (msg->list != NULL || *msg->from->domain == '\0'
        || !(lw_identity_kind(s->id, msg->from->domain) & LW_KIND_FREEMAIL)
        || !(lw_verdict_has_lure(v) || lw_verdict_has_rule(v, "LW_EN_CALLBACK_PHISH")))
        return 0;
    ev = g_strdup_printf("From %s", msg->from->addr);
    lw_verdict_add_hit(v, A, "LW_HDR_FROM_FREEMAIL_LURE", 0.5,
                       "A lure sent from a free-mail address: the pretext's channel is a mailbox anyone can open", ev);
    g_free(ev);
    return 1;
}

/*
 * check_bcc_freemail - mail to undisclosed recipients whose answers go to a
 * free-mail mailbox: a fraud mass-mailing (LW_HDR_BCC_FREEMAIL). A person
 * writing from free mail who Bccs friends sends no lure and takes replies
 * where they wrote from; a bulk-mail provider addresses each recipient and
 * takes replies at the sender's domain. Recipients are undisclosed when To
 * is empty (LW_HDR_BCC_BLAST, rules file, scored 1.0 by itself) or names
 * only the sender ("To: Recipients <me@example.org>", the hijacked
 * mailbox's own address, the others in Bcc). Writing to oneself is
 * ordinary and scores nothing alone, so in that form this rule carries
 * the blast's 1.0 too: both forms add up alike.
 */
static void check_bcc_freemail(const struct lw_message *msg, struct lw_verdict *v)
{
    const struct lw_address *to = msg->reply_to && *msg->reply_to->domain ? msg->reply_to : msg->from;
    int blast = lw_verdict_fired(v, "LW_HDR_BCC_BLAST");
    char *ev;

    if (!blast && !(msg->to_self && msg->list == NULL))
        return;
    ev = g_strdup_printf("%s; answers to %s", blast ? "undisclosed recipients" : "addressed to the sender itself",
                         to->addr);
    lw_verdict_add_hit(v, A, "LW_HDR_BCC_FREEMAIL", blast ? 1.0 : 2.0,
                       "Sent to undisclosed recipients with answers going to a free-mail mailbox: "
                       "a fraud mass-mailing, neither a person writing nor a bulk-mail provider", ev);
    g_free(ev);
}

/* is_official - the organization's or a brand's own domain, not a free-mail one anyone can use */
static int is_official(const struct lw_identity *id, const char *domain)
{
    return *domain && (lw_identity_is_protected(id, domain)
                       || (lw_identity_brand_of_host(id, domain) && !(lw_identity_kind(id, domain) & LW_KIND_FREEMAIL)));
}

/*
 * names_domain - does a Message-ID's right side name a domain? A host's
 * own name ("mailsj-v1", "ccg13mail08") or an address literal names no
 * other organization, so it cannot show an unrelated one.
 */
static int names_domain(const char *right)
{
    const char *dot = strrchr(right, '.');

    return *right != '[' && dot && dot != right && g_ascii_isalpha(dot[1]);
}

/*
 * check_origin - internal From from outside; official From with foreign
 * bounces or Message-ID. The last two guess whether mail from a brand's or
 * the organization's domain really is theirs; when a trusted stamp says the
 * From domain authenticated (AUTHENTIC: an aligned DMARC or DKIM pass), it
 * is, and sending through a mailing service is how such mail is sent.
 */
static void check_origin(const struct hdr_state *s, const struct lw_message *msg, int authentic,
                         struct lw_verdict *v)
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
    if (authentic || !is_official(s->id, msg->from->domain) || (rp && (lw_identity_kind(s->id, rp) & LW_KIND_TRACKER)))
        return;
    if (rp && *rp && !lw_identity_same_org(s->id, rp, msg->from->domain) && !is_official(s->id, rp)) {
        ev = g_strdup_printf("From %s, Return-Path %s", msg->from->addr, msg->return_path->addr);
        lw_verdict_add_hit(v, A, "LW_HDR_BRAND_RETURNPATH", 1.5,
                           "Mail from an official or brand domain whose bounces go to an unrelated domain", ev);
        g_free(ev);
    }
    if (rp && *rp && lw_identity_same_org(s->id, rp, msg->from->domain))
        return;                 /* the brand's own bounce domain: a mailing service's Message-ID is expected */
    if (mid && names_domain(mid + 1) && !lw_identity_same_org(s->id, mid + 1, msg->from->domain) && !is_official(s->id, mid + 1)
        && !(rp && *rp && lw_identity_same_org(s->id, mid + 1, rp))) {
        ev = g_strdup_printf("From %s, Message-ID <%s>", msg->from->addr, msg->message_id);
        lw_verdict_add_hit(v, A, "LW_HDR_MSGID_UNRELATED", 1.5,
                           "Mail from an official or brand domain whose Message-ID was made by an unrelated domain", ev);
        g_free(ev);
    }
}

/* The results of one authentication source, lowercased; NULL: not reported. */
struct auth_res {
    char *spf, *dkim, *dmarc;   /* first result; dkim "pass" when any signature passed */
    char *compauth, *reason;    /* Microsoft's composite result and its reason code */
    char *header_from;          /* domain the results are about (header.from), if named */
    GPtrArray *dkim_pass_d;     /* signing domains (header.d) of the DKIM signatures that passed, or NULL */
};

/* auth_res_clear - free the results */
static void auth_res_clear(struct auth_res *r)
{
    g_free(r->spf);
    g_free(r->dkim);
    g_free(r->dmarc);
    g_free(r->compauth);
    g_free(r->reason);
    g_free(r->header_from);
    if (r->dkim_pass_d)
        g_ptr_array_unref(r->dkim_pass_d);
    memset(r, 0, sizeof *r);
}

/* strip_comments - a header value without (comments), quoted strings kept (g_free) */
static char *strip_comments(const char *s)
{
    GString *out = g_string_new(NULL);
    int depth = 0, quoted = 0;

    for (; *s; s++) {
        if (depth == 0 && *s == '"')
            quoted = !quoted;
        if (!quoted && *s == '(')
            depth++;
        else if (!quoted && *s == ')' && depth > 0)
            depth--;
        else if (depth == 0)
            g_string_append_c(out, *s);
    }
    return g_string_free(out, FALSE);
}

/* token_len - length of the word at S: up to white space or ';' outside quotes */
static size_t token_len(const char *s)
{
    size_t n = 0;
    int quoted = 0;

    for (; s[n] && (quoted || (!g_ascii_isspace(s[n]) && s[n] != ';')); n++)
        if (s[n] == '"')
            quoted = !quoted;
    return n;
}

/* unquote - VALUE without surrounding double quotes (g_free) */
static char *unquote(const char *value)
{
    size_t n = strlen(value);

    if (n >= 2 && value[0] == '"' && value[n - 1] == '"')
        return g_strndup(value + 1, n - 2);
    return g_strdup(value);
}

/*
 * auth_payload - split an uncommented RFC 8601 payload "authserv-id
 * [version]; results" at its results; *id gets the authserv-id (g_free), or
 * NULL when the payload starts with a result (Exchange Online's id-less
 * form). NULL when the payload is malformed.
 */
static const char *auth_payload(const char *p, char **id)
{
    char *word;
    size_t n;

    *id = NULL;
    while (g_ascii_isspace(*p))
        p++;
    n = token_len(p);
    if (n == 0)
        return NULL;
    if (*p != '"' && memchr(p, '=', n))
        return p;
    word = g_strndup(p, n);
    *id = unquote(word);
    g_free(word);
    for (p += n; g_ascii_isspace(*p); p++)
        ;
    if (g_ascii_isdigit(*p))                    /* authres-version */
        for (p += strspn(p, "0123456789"); g_ascii_isspace(*p); p++)
            ;
    if (*p == ';' || *p == '\0')
        return *p ? p + 1 : p;
    g_free(*id);
    *id = NULL;
    return NULL;
}

/* auth_set - record RESULT of METHOD: the first one counts, a DKIM pass beats a failure */
static void auth_set(struct auth_res *r, const char *method, const char *result)
{
    char **slot = strcmp(method, "spf") == 0 ? &r->spf : strcmp(method, "dkim") == 0 ? &r->dkim
                  : strcmp(method, "dmarc") == 0 ? &r->dmarc : strcmp(method, "compauth") == 0 ? &r->compauth : NULL;

    if (slot && (*slot == NULL || (slot == &r->dkim && strcmp(result, "pass") == 0))) {
        g_free(*slot);
        *slot = g_strdup(result);
    }
}

/* auth_prop - record a reason or property KEY=VALUE of METHOD's result (dkim_pass: that result was a DKIM pass) */
static void auth_prop(struct auth_res *r, const char *method, int dkim_pass, const char *key, const char *value)
{
    const char *at = strrchr(value, '@');

    if (dkim_pass && strcmp(key, "header.d") == 0 && *value) {
        if (r->dkim_pass_d == NULL)
            r->dkim_pass_d = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(r->dkim_pass_d, g_strdup(value));
    } else if (strcmp(method, "compauth") == 0 && strcmp(key, "reason") == 0 && r->reason == NULL)
        r->reason = g_strdup(value);
    else if (strcmp(key, "header.from") == 0 && r->header_from == NULL && *value)
        r->header_from = g_strdup(at ? at + 1 : value);
}

/* auth_parse - add the results "; method=result [reason=..] [ptype.prop=..]..." of P to R */
static void auth_parse(const char *p, struct auth_res *r)
{
    char *method = NULL;
    int first = 1;              /* the next word opens a result */
    int dkim_pass = 0;          /* the open result is dkim=pass */

    while (*p) {
        size_t n = token_len(p);
        char *word, *eq, *value;

        if (*p == ';' || g_ascii_isspace(*p)) {
            if (*p++ == ';') {
                first = 1;
                g_clear_pointer(&method, g_free);
            }
            continue;
        }
        word = g_ascii_strdown(p, n);
        p += n;
        if ((eq = strchr(word, '=')) != NULL) {
            *eq = '\0';
            value = unquote(eq + 1);
            if (first) {
                word[strcspn(word, "/")] = '\0';        /* method version */
                g_free(method);
                method = g_strdup(word);
                dkim_pass = strcmp(word, "dkim") == 0 && strcmp(value, "pass") == 0;
                auth_set(r, word, value);
            } else if (method) {
                auth_prop(r, method, dkim_pass, word, value);
            }
            g_free(value);
        }
        first = 0;
        g_free(word);
    }
    g_free(method);
}

/* id_trusted - ID is in trusted_authserv_ids */
static int id_trusted(const struct lw_config *cfg, const char *id)
{
    for (int i = 0; id && cfg->trusted_authserv_ids && cfg->trusted_authserv_ids[i]; i++)
        if (g_ascii_strcasecmp(id, cfg->trusted_authserv_ids[i]) == 0)
            return 1;
    return 0;
}

/* arc_instance - the i= of an uncommented ARC-Authentication-Results value (1-50), else -1; *rest after it */
static int arc_instance(const char *v, const char **rest)
{
    char *end;
    long i;

    while (g_ascii_isspace(*v))
        v++;
    if (g_ascii_tolower(*v) != 'i')
        return -1;
    for (v++; g_ascii_isspace(*v); v++)
        ;
    if (*v++ != '=')
        return -1;
    while (g_ascii_isspace(*v))
        v++;
    if (!g_ascii_isdigit(*v))
        return -1;
    i = strtol(v, &end, 10);
    while (g_ascii_isspace(*end))
        end++;
    if (*end != ';' || i < 1 || i > 50)         /* RFC 8617: at most 50 ARC sets */
        return -1;
    *rest = end + 1;
    return (int) i;
}

/* header_is - header I of the message is named NAME */
static int header_is(const struct lw_message *msg, guint i, const char *name)
{
    return g_ascii_strcasecmp(((const struct lw_header *) g_ptr_array_index(msg->headers, i))->name, name) == 0;
}

/* header_value - uncommented value of header I (g_free) */
static char *header_value(const struct lw_message *msg, guint i)
{
    return strip_comments(((const struct lw_header *) g_ptr_array_index(msg->headers, i))->value);
}

/*
 * our_headers - how many of the top header fields our side wrote: all, or
 * those above Exchange Online's X-IncomingTopHeaderMarker, which marks
 * where the header of the message it received began
 */
static guint our_headers(const struct lw_message *msg)
{
    for (guint i = 0; i < msg->headers->len; i++)
        if (header_is(msg, i, "X-IncomingTopHeaderMarker"))
            return i;
    return msg->headers->len;
}

/* auth_native - results of every Authentication-Results with a trusted authserv-id; *src names them */
static int auth_native(const struct hdr_state *s, const struct lw_message *msg, guint top,
                       struct auth_res *r, char **src)
{
    for (guint i = 0; i < top; i++) {
        char *value, *id;
        const char *res;

        if (!header_is(msg, i, "Authentication-Results"))
            continue;
        value = header_value(msg, i);
        if ((res = auth_payload(value, &id)) != NULL && id_trusted(s->cfg, id)) {
            auth_parse(res, r);
            if (*src == NULL)
                *src = g_strdup_printf("Authentication-Results from %s", id);
        }
        g_free(id);
        g_free(value);
    }
    return *src != NULL;
}

/* auth_microsoft - results of the topmost id-less Authentication-Results (Exchange Online), if trusted */
static int auth_microsoft(const struct hdr_state *s, const struct lw_message *msg, guint top,
                          struct auth_res *r, char **src)
{
    for (guint i = 0; s->cfg->trust_microsoft_auth_results && i < top && *src == NULL; i++) {
        char *value, *id;
        const char *res;

        if (!header_is(msg, i, "Authentication-Results"))
            continue;
        value = header_value(msg, i);
        if ((res = auth_payload(value, &id)) != NULL && id == NULL) {
            auth_parse(res, r);
            *src = g_strdup("Authentication-Results from Exchange Online (no authserv-id)");
        }
        g_free(id);
        g_free(value);
    }
    return *src != NULL;
}

/* auth_arc - results of the highest ARC-Authentication-Results instance, if it is unique and trusted */
static int auth_arc(const struct hdr_state *s, const struct lw_message *msg, guint top,
                    struct auth_res *r, char **src)
{
    int best = -1, copies = 0;
    guint at = 0;
    char *value, *id = NULL;
    const char *rest, *res;

    for (guint i = 0; i < top; i++) {
        int n;

        if (!header_is(msg, i, "ARC-Authentication-Results"))
            continue;
        value = header_value(msg, i);
        n = arc_instance(value, &rest);
        g_free(value);
        if (n > best) {
            best = n;
            at = i;
            copies = 1;
        } else if (n == best) {
            copies++;
        }
    }
    if (best < 0 || copies != 1)                /* none, or a forged twin: ambiguous */
        return 0;
    value = header_value(msg, at);
    if (arc_instance(value, &rest) == best && (res = auth_payload(rest, &id)) != NULL && id_trusted(s->cfg, id)) {
        auth_parse(res, r);
        *src = g_strdup_printf("ARC-Authentication-Results i=%d from %s", best, id);
    }
    g_free(id);
    g_free(value);
    return *src != NULL;
}

/* is_result - RESULT is one of the space-separated WORDS */
static int is_result(const char *result, const char *words)
{
    char **w = g_strsplit(words, " ", -1);
    int found = result && g_strv_contains((const char *const *) w, result);

    g_strfreev(w);
    return found;
}

/* domain_char - C may continue a domain name */
static int domain_char(char c)
{
    return g_ascii_isalnum(c) || c == '-';
}

/*
 * shown_in_from - DOMAIN is the From domain, or an address domain written
 * in the From field (a malformed From such as "Brand ,_<x@evil.example>"
 * shows several; the results name the one the relay authenticated)
 */
static int shown_in_from(const struct lw_message *msg, const char *domain)
{
    const char *raw = lw_message_header(msg, "From");
    char *hay, *needle;
    const char *p;
    int found = 0;

    if (g_ascii_strcasecmp(domain, msg->from->domain) == 0)
        return 1;
    if (raw == NULL || *domain == '\0')
        return 0;
    hay = g_ascii_strdown(raw, -1);
    needle = g_strconcat("@", domain, NULL);
    for (p = hay; !found && (p = strstr(p, needle)) != NULL; p++) {
        const char *end = p + strlen(needle);

        found = !domain_char(*end) && !(*end == '.' && domain_char(end[1]));
    }
    g_free(needle);
    g_free(hay);
    return found;
}

/*
 * auth_failed - the results say the From domain is forged. Microsoft's
 * composite result (compauth) is its verdict on the From domain, made from
 * these and other signals (ARC of trusted sealers, implicit authentication):
 * fail is a failure even when SPF and DMARC say none; pass and softpass
 * overrule a failed DMARC. Without it: DMARC failed, or SPF failed without a
 * DKIM pass. Results about a header.from the From field does not show are
 * about another message.
 */
static int auth_failed(const struct lw_message *msg, const struct auth_res *r)
{
    if (r->header_from && !shown_in_from(msg, r->header_from))
        return 0;
    if (is_result(r->compauth, "fail pass softpass"))
        return is_result(r->compauth, "fail");
    return is_result(r->dmarc, "fail") || (is_result(r->spf, "fail softfail") && !is_result(r->dkim, "pass"));
}

/* auth_hit - one failure hit, tiered by whose domain was forged */
static void auth_hit(const struct hdr_state *s, const struct lw_message *msg, const struct auth_res *r,
                     const char *src, struct lw_verdict *v)
{
    const char *domain = r->header_from ? r->header_from : msg->from->domain;
    char *ev = g_strdup_printf("%s: From %.100s (%.100s): spf=%.20s dkim=%.20s dmarc=%.20s%s%.20s%s%.20s", src,
                               msg->from->addr, domain,
                               r->spf ? r->spf : "-", r->dkim ? r->dkim : "-", r->dmarc ? r->dmarc : "-",
                               r->compauth ? " compauth=" : "", r->compauth ? r->compauth : "",
                               r->reason ? " reason=" : "", r->reason ? r->reason : "");

    if (lw_identity_is_protected(s->id, domain))
        lw_verdict_add_hit(v, A, "LW_HDR_AUTH_FAIL_PROTECTED", 10.0,
                           "Our relay found the organization's own From domain forged (SPF/DKIM/DMARC or composite authentication failed)", ev);
    else if (lw_identity_brand_of_host(s->id, domain))
        lw_verdict_add_hit(v, A, "LW_HDR_AUTH_FAIL_BRAND", 6.0,
                           "Our relay found a brand's From domain forged (SPF/DKIM/DMARC or composite authentication failed)", ev);
    else if (claims_identity(s->id, msg))
        lw_verdict_add_hit(v, A, "LW_HDR_AUTH_FAIL_CLAIM", 6.0,
                           "The sender's name claims the organization, a VIP or a brand, and our relay found its From domain forged", ev);
    else
        lw_verdict_add_hit(v, A, "LW_HDR_AUTH_FAIL", 3.0,
                           "Our relay could not authenticate the From domain (SPF/DKIM/DMARC or composite authentication failed)", ev);
    g_free(ev);
}

/*
 * check_auth - a forged From reported by a trusted stamp, one hit per
 * message: our relays' own Authentication-Results first, then Exchange
 * Online's id-less one, then the top ARC instance
 */
static void check_auth(const struct hdr_state *s, const struct lw_message *msg, struct lw_verdict *v)
{
    int (*const sources[])(const struct hdr_state *, const struct lw_message *, guint, struct auth_res *, char **) = {
        auth_native, auth_microsoft, auth_arc,
    };
    guint top = our_headers(msg);

    for (size_t i = 0; i < G_N_ELEMENTS(sources); i++) {
        struct auth_res r = { 0 };
        char *src = NULL;
        int fail = sources[i](s, msg, top, &r, &src) && auth_failed(msg, &r);

        if (fail)
            auth_hit(s, msg, &r, src, v);
        auth_res_clear(&r);
        g_free(src);
        if (fail)
            return;
    }
}

/* ---- sender roles: which sender indicators are the attacker's ---- */

/*
 * dkim_aligned - a DKIM signature that passed was made by the From
 * domain's organization (DMARC's relaxed alignment)
 */
static int dkim_aligned(const struct hdr_state *s, const struct lw_message *msg, const struct auth_res *r)
{
    for (guint i = 0; r->dkim_pass_d && i < r->dkim_pass_d->len; i++)
        if (lw_identity_same_org(s->id, g_ptr_array_index(r->dkim_pass_d, i), msg->from->domain))
            return 1;
    return 0;
}

/*
 * from_authenticated - a trusted stamp says the From domain passed DMARC
 * (or Microsoft's composite authentication), or, where no DMARC result is
 * given (no DMARC verifier, or no policy: dmarc=none), a DKIM signature
 * aligned with it passed: whoever sent the message controls that domain
 */
static int from_authenticated(const struct hdr_state *s, const struct lw_message *msg)
{
    int (*const sources[])(const struct hdr_state *, const struct lw_message *, guint, struct auth_res *, char **) = {
        auth_native, auth_microsoft, auth_arc,
    };
    guint top = our_headers(msg);
    int pass = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(sources) && !pass; i++) {
        struct auth_res r = { 0 };
        char *src = NULL;

        if (sources[i](s, msg, top, &r, &src) && (!r.header_from || shown_in_from(msg, r.header_from)))
            pass = is_result(r.compauth, "pass softpass")
                   || (!r.compauth && (is_result(r.dmarc, "pass")
                                       || ((!r.dmarc || is_result(r.dmarc, "none")) && dkim_aligned(s, msg, &r))));
        auth_res_clear(&r);
        g_free(src);
    }
    return pass;
}

int lw_headers_from_authenticated(const struct lw_config *cfg, const struct lw_identity *id, const struct lw_message *msg)
{
    struct hdr_state s = { .cfg = cfg, .id = id };

    return msg->from != NULL && from_authenticated(&s, msg);
}

/* is_lookalike_host - a lookalike rule named host: a domain registered to imitate, the attacker's own */
static int is_lookalike_host(const struct lw_verdict *v, const char *host)
{
    for (guint i = 0; i < v->hits->len; i++) {
        const struct lw_hit *hit = g_ptr_array_index(v->hits, i);

        if (!g_str_has_prefix(hit->rule, "LW_LOOKALIKE_"))
            continue;
        for (guint j = 0; j < hit->indicators->len; j++)
            if (g_ascii_strcasecmp(((const struct lw_indicator *) g_ptr_array_index(hit->indicators, j))->value,
                                   host) == 0)
                return 1;
    }
    return 0;
}

/*
 * from_role - the role of the From domain and address: impersonated for a
 * real brand's or the organization's domain; sender when the sender owns
 * the domain (a lookalike, or authenticated); unknown (LW_ROLE_NONE, never
 * blocking, but another message may still show it is a lure) when anyone
 * may have written it. A free-mail domain: *domain_too = 0 and the address
 * keeps the role its analyzer gave it.
 */
static enum lw_ioc_role from_role(const struct hdr_state *s, const struct lw_message *msg,
                                  const struct lw_verdict *v, int *domain_too)
{
    const char *d = msg->from->domain;

    *domain_too = 1;
    if (is_official(s->id, d))
        return LW_ROLE_IMPERSONATED;        /* a real brand's or our own: shared as context only */
    if (lw_identity_kind(s->id, d) & LW_KIND_FREEMAIL) {
        *domain_too = 0;                    /* the address is the attacker's, never the provider */
        return LW_ROLE_SENDER;
    }
    if (is_lookalike_host(v, d) || from_authenticated(s, msg))
        return LW_ROLE_SENDER;              /* the sender owns the domain */
    return LW_ROLE_NONE;                    /* anyone may have written this From: unknown, not blocking */
}

/* set_from_roles - what the analyzers added about the From address and domain gets its role */
static void set_from_roles(const struct hdr_state *s, const struct lw_message *msg, struct lw_verdict *v)
{
    int domain_too;
    enum lw_ioc_role role = from_role(s, msg, v, &domain_too);
    const char *d = msg->from->domain;

    if (!domain_too) {
        lw_verdict_set_role(v, LW_IOC_SENDER_DOMAIN, d, LW_ROLE_BYSTANDER);
        lw_verdict_set_role(v, LW_IOC_DOMAIN, d, LW_ROLE_BYSTANDER);
        return;
    }
    if (role == LW_ROLE_SENDER)
        return;                             /* as the analyzers said */
    lw_verdict_set_role(v, LW_IOC_SENDER_DOMAIN, d, role);
    lw_verdict_set_role(v, LW_IOC_DOMAIN, d, role);
    lw_verdict_set_role(v, LW_IOC_EMAIL, msg->from->addr, role);
    if (role == LW_ROLE_IMPERSONATED && is_official(s->id, d))     /* the brand's own domain, as context */
        lw_verdict_add_indicator(v, role, LW_IOC_DOMAIN, d);
}

/* public_ip - an address of the Internet outside our networks */
static int public_ip(const struct hdr_state *s, const char *addr)
{
    return lw_identity_public_ip(addr) && !is_internal(s, addr);
}

/* received_name - the verified host name of the client of a Received field, "(NAME [IP])" (g_free), or NULL */
static char *received_name(const char *received)
{
    static GRegex *re;

    return lw_regex_group1(lw_regex_once(&re, "\\(([A-Za-z0-9.-]+\\.[A-Za-z]{2,})\\s+\\[", 0), received);
}

/* shared_relay - a host name of a provider many senders share (free mail, a brand's own servers) */
static int shared_relay(const struct hdr_state *s, const char *name)
{
    return name && (lw_identity_kind(s->id, name) || lw_identity_brand_of_host(s->id, name));
}

/*
 * sending_ip - the connecting client, else the first Received from outside
 * our networks (g_free), or NULL. Not when it is a shared provider's relay
 * (its host name is a free-mail provider's or a brand's): that address
 * sends everybody's mail.
 */
static char *sending_ip(const struct hdr_state *s, const struct lw_message *msg)
{
    if (msg->env && msg->env->client_addr)
        return !msg->env->auth_user && public_ip(s, msg->env->client_addr)
               && !shared_relay(s, msg->env->client_name) ? g_strdup(msg->env->client_addr) : NULL;
    for (guint i = 0; i < msg->received->len; i++) {
        const char *rcvd = g_ptr_array_index(msg->received, i);
        char *ip = received_client(rcvd), *name;

        if (ip && public_ip(s, ip)) {
            name = received_name(rcvd);
            if (shared_relay(s, name))
                g_clear_pointer(&ip, g_free);
            g_free(name);
            return ip;
        }
        g_free(ip);
    }
    return NULL;
}

/*
 * hdr_finish - for every scored message, the From domain and address keep
 * the sender role only when the sender owns the domain (from_role); for a
 * message judged malicious (quarantine or reject), the sending IP and the
 * Reply-To address as the attacker's sender
 */
static void hdr_finish(const void *state, const struct lw_message *msg, struct lw_verdict *v)
{
    const struct hdr_state *s = state;
    char *ip = NULL;

    if (msg->unparseable || v->score <= 0)
        return;
    if (msg->from && *msg->from->domain)
        set_from_roles(s, msg, v);
    if (msg->reply_to && msg->reply_to->domain && is_official(s->id, msg->reply_to->domain))
        lw_verdict_set_role(v, LW_IOC_EMAIL, msg->reply_to->addr, LW_ROLE_IMPERSONATED);
    if (v->score < s->cfg->quarantine_score)
        return;
    if (!(msg->from && (lw_identity_kind(s->id, msg->from->domain) & LW_KIND_FREEMAIL))
        && (ip = sending_ip(s, msg)) != NULL)
        lw_verdict_add_indicator(v, LW_ROLE_SENDER, strchr(ip, ':') ? LW_IOC_IPV6 : LW_IOC_IPV4, ip);
    g_free(ip);
    if (msg->reply_to && msg->reply_to->domain && strchr(msg->reply_to->addr, '@'))
        lw_verdict_add_indicator(v, is_official(s->id, msg->reply_to->domain) ? LW_ROLE_IMPERSONATED
                                 : LW_ROLE_SENDER, LW_IOC_EMAIL, msg->reply_to->addr);
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
 * word_capital - 1 if the capital at a[i] starts a word: at least two small
 * letters follow it ("JohnSmith", "McDonald", "NoReply")
 */
static int word_capital(const char *a, size_t n, size_t i)
{
    return i + 2 < n && g_ascii_islower(a[i + 1]) && g_ascii_islower(a[i + 2]);
}

/*
 * inner_caps_end - 1 if the small letter at a[i] ends a run of two or more
 * capitals that does not start the name: "PUJU" in "DgcPUJUlz". A run at the
 * start is an acronym before a word ("IBMSupport").
 */
static int inner_caps_end(const char *a, size_t i)
{
    size_t run = i;

    while (run > 0 && g_ascii_isupper(a[run - 1]))
        run--;
    return run > 0 && i - run >= 2;
}

/*
 * random_local - a local part of 5-24 letters and digits, no separator, small
 * letters in it, and case that no writing of words explains: two changes of
 * case no word starts (a capital that starts no word, word_capital; or a run
 * of capitals inside the name, inner_caps_end), or one beside two capitals
 * inside the name. These are the per-message mailbox names of mailing kits
 * ("WkOhQAg", "afAbPcZ", "DgcPUJUlz", "hxJXOMee"), generated to defeat
 * sender reputation. "jsmith", "John.Smith", "JohnSmith", "McDonald",
 * "IBMSupport" and "TheBritishAirwaysClub" have none; a name with one
 * initial at its end ("maryK", "ARVYlpD") has one.
 */
static int random_local(const char *addr)
{
    const char *at = strrchr(addr, '@');
    size_t n = at ? (size_t) (at - addr) : 0;
    int lower = 0, inner = 0, odd = 0;

    if (n < 5 || n > 24)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!g_ascii_isalnum(addr[i]))
            return 0;
        lower += g_ascii_islower(addr[i]);
        if (i == 0)
            continue;
        if (g_ascii_isupper(addr[i]) && !g_ascii_isupper(addr[i - 1])) {
            inner++;
            odd += !word_capital(addr, n, i);
        } else if (g_ascii_islower(addr[i]) && g_ascii_isupper(addr[i - 1])) {
            odd += inner_caps_end(addr, i);
        }
    }
    return lower > 0 && (odd >= 2 || (odd >= 1 && inner >= 2));
}

/* from_hit - one hit about the From address */
static void from_hit(struct lw_verdict *v, const char *rule, double score, const char *desc, const char *from)
{
    char *ev = g_strdup_printf("From: %.100s", from);

    lw_verdict_add_hit(v, A, rule, score, desc, ev);
    g_free(ev);
}

/*
 * check_unreadable_from - a From field is there but no mailbox can be read
 * from it ("Brand,(<a@b>)", "<>", "Name <x@<y@z>", a bare name): each mail
 * client guesses a sender of its own, and no filter can check the one the
 * reader sees (LW_HDR_FROM_MALFORMED)
 */
static void check_unreadable_from(const struct lw_message *msg, struct lw_verdict *v)
{
    const char *raw = lw_message_header(msg, "From");

    if (raw != NULL)
        from_hit(v, "LW_HDR_FROM_MALFORMED", 4.0,
                 "The From field is built so that filters and mail clients read different senders", raw);
}

/* a walk over the characters of a field that stand outside quoted strings and comments */
struct bare {
    const char *p;
    int quoted, comment;
};

/* bare_next - the next such character (escapes inside quotes and comments skipped), or NULL */
static const char *bare_next(struct bare *b)
{
    for (; *b->p; b->p++) {
        const char *c = b->p;

        if (*c == '\\' && c[1] != '\0' && (b->quoted || b->comment))
            b->p++;
        else if (*c == '"' && !b->comment)
            b->quoted = !b->quoted;
        else if (*c == '(' && !b->quoted)
            b->comment++;
        else if (*c == ')' && !b->quoted && b->comment > 0)
            b->comment--;
        else if (!b->quoted && !b->comment) {
            b->p++;
            return c;
        }
    }
    return NULL;
}

/*
 * name_comma - is the From field a name, a comma outside quotes, and then
 * one sender with an address ("Your match, jehd <a@b.example>", "Doe, Jane
 * <jd@example.com>")? RFC 5322 reads two mailboxes there, the first one
 * without an address; GMime reads either that or one sender whose name
 * holds the comma, and mail clients show either. A comma inside quotes, a
 * comment or an encoded word is not one; a second address, or none that
 * can be read, is LW_HDR_FROM_MALFORMED's.
 */
static int name_comma(const char *raw)
{
    struct bare b = { raw ? raw : "", 0, 0 };
    int commas = 0, angle = 0, at_in_angle = 0;
    const char *p;

    while ((p = bare_next(&b)) != NULL) {
        if (*p == ',' && (angle || commas++ > 0))
            return 0;
        else if (*p == '<' && commas == 1 && !angle)
            angle = 1;
        else if (*p == '@' && (commas == 0 || !angle))
            return 0;       /* an address before the comma, or one outside <>: a list */
        else if (*p == '@')
            at_in_angle = 1;
        else if (*p == '>' && angle == 1)
            angle = 2;
    }
    return commas == 1 && angle == 2 && at_in_angle;
}

/*
 * quoted_then_comma - does the From field open with a quoted name that a
 * comma ends ('"Promotions@Norauto", <a@b>', '"Ukrainian beauty", jehd
 * <a@b>')? The quotes close a name that belongs to no address: a careless
 * "Doe, Jane" is never quoted before its comma, and clients show the quoted
 * name as the sender of a mailbox it is not part of.
 */
static int quoted_then_comma(const char *raw)
{
    struct bare b = { raw ? raw : "", 0, 0 };
    const char *c;

    while (g_ascii_isspace(*b.p))
        b.p++;
    if (*b.p != '"')
        return 0;
    while ((c = bare_next(&b)) != NULL && *c != ',')
        if (!g_ascii_isspace(*c))
            return 0;
    return c != NULL;
}

/*
 * group_syntax - does the From field name a group ("Name: a@b;", ":Name
 * <a@b>", "Urgent: Name <a@b>")? RFC 5322 (3.6.2) allows no group in From;
 * a parser reads the group's name or the mailbox's, or none, and mail
 * clients show either, so a kit's colon moves the name a filter checks
 * away from the one the reader sees. A colon inside quotes, a comment, an
 * angle address (a source route) or an encoded word is not one.
 */
static int group_syntax(const char *raw)
{
    struct bare b = { raw ? raw : "", 0, 0 };
    int angle = 0;
    const char *p, *end;

    while ((p = bare_next(&b)) != NULL) {
        if (*p == '<')
            angle = 1;
        else if (*p == '>')
            angle = 0;
        else if (angle)
            continue;
        else if (p[0] == '=' && p[1] == '?' && (end = strstr(p + 2, "?=")) != NULL)
            b.p = end + 2;
        else if (*p == ':')
            return 1;
    }
    return 0;
}

/* check_from - From fields that are malformed, impossible, generated, or on free hosting */
static void check_from(const struct hdr_state *s, const struct lw_message *msg, struct lw_verdict *v)
{
    const char *raw = lw_message_header(msg, "From"), *as_sent = lw_message_header_raw(msg, "From");
    int quoted = quoted_then_comma(as_sent);

    if (name_comma(as_sent) && !quoted)
        from_hit(v, "LW_HDR_FROM_NAME_COMMA", 1.0,
                 "The sender's name holds a comma outside quotes: the standard reads two senders there, "
                 "the first without an address, and mail clients disagree on the name they show", raw);
    else if (msg->from_count > 1 || strchr(msg->from->addr, '@') == NULL
             || group_syntax(as_sent) || quoted)
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
    static GRegex *re;
    const char *to = lw_message_header(msg, "To");
    char *addr = to ? lw_regex_group1(lw_regex_once(&re, "([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+)", 0), to) : NULL;
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
static int hdr_scan(const void *state, const struct lw_message *msg, struct lw_cache_session *cache,
                    struct lw_verdict *v, struct lw_error *err)
{
    const struct hdr_state *s = state;

    if (msg->unparseable)
        return 0;
    check_date(s, msg, v);
    check_subject_rcpt(msg, v);
    if (msg->from == NULL) {
        check_unreadable_from(msg, v);
        return 0;
    }
    check_from(s, msg, v);
    if (check_reply_to(s, msg, v) | check_from_freemail(s, msg, v))
        check_bcc_freemail(msg, v);
    check_origin(s, msg, from_authenticated(s, msg), v);
    check_auth(s, msg, v);
    return 0;
}

/*
 * Per message (the engine's registry runs it on every message, uncached):
 * the verdict depends on more than the content the cache
 * fingerprint covers - the envelope (client address, SMTP AUTH), the top
 * Received field (receipt time, client), the authserv-ids and compauth of
 * the stamps - so a copy from another client or with another stamp must
 * not get a cached verdict. The tests are cheap.
 */
const struct lw_analyzer lw_analyzer_headers = {
    .name = A,
    .init = hdr_init,
    .scan = hdr_scan,
    .fini = hdr_fini,
    .finish = hdr_finish,
};
