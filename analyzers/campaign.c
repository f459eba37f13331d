/*
 * campaign.c - engine step: campaigns across recipients, and first contact
 *
 * NAME
 *     campaign - what the whole relay farm has seen, as signals on one message
 *
 * DESCRIPTION
 *     Campaign. A phishing or malware run sends one body or one attachment
 *     to many mailboxes within minutes, often spread across relays. Shared
 *     counters (cache.c: Redis, or in-process without it) add up the
 *     recipients of each message fingerprint, each attachment SHA-256 and
 *     each sender address over campaign_window seconds; past the
 *     threshold the message gets
 *       LW_CAMPAIGN_BODY        same fingerprint to >= campaign_threshold
 *       LW_CAMPAIGN_ATTACHMENT  same attachment to >= campaign_threshold
 *       LW_CAMPAIGN_SENDER      same sender to >= campaign_sender_threshold
 *     Scores are modest: legitimate bulk mail is also a "campaign", so
 *     these add weight to other signals rather than decide alone. Mailing
 *     list traffic (msg->list: List-Id, List-Post, X-BeenThere) is not
 *     counted at all: a list sends every post to all its members, from
 *     one address, by design.
 *
 *     First contact. Business e-mail compromise and impersonation come
 *     from addresses the organization has never received clean mail from.
 *     With Redis (a shared, persistent memory: an in-process one would call
 *     everyone new after each restart), a sender domain never seen gets
 *     LW_FIRST_CONTACT_DOMAIN and a new address of a known domain
 *     LW_FIRST_CONTACT. A sender becomes known when one of its messages
 *     scores below tag_score (so a phisher does not teach us to trust it),
 *     and stays known for first_contact_ttl seconds after its last clean
 *     message. The impersonation heuristics may read these hits to weigh
 *     display-name lookalikes more: this step runs after the
 *     analyzers, so they see them only through the verdict's score.
 *
 *     First contact adds the From address and domain as sender
 *     indicators; the headers analyzer's finish step (headers.c) gives
 *     them their final role once authentication is known: a real brand's
 *     or our own domain is impersonated, an unauthenticated one has no
 *     role, a free-mail domain is a bystander (its address stays).
 *
 *     Not an analyzer: it needs the message's cache round trip, which the
 *     engine owns. The engine queues the counters with lw_campaign_want()
 *     in the round trip that looks up the cached verdict, and calls
 *     lw_campaign_scan() on every message, also when the verdict comes from
 *     the cache, after the analyzers (it reads their score).
 *
 * LIMITS
 *     Recipients come from the envelope (the milter); lurewatch-scan has
 *     none and counts each message as one recipient. Counters use a fixed
 *     window from their first increment, not a sliding one.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "cache/cache.h"

#define SCORE_BODY 1.5
#define SCORE_ATTACHMENT 2.5
#define SCORE_SENDER 1.0
#define SCORE_FIRST_ADDR 0.5
#define SCORE_FIRST_DOMAIN 1.0

/* recipients - how many mailboxes this message reaches (1 without an envelope) */
static long long recipients(const struct lw_message *msg)
{
    return msg->env && msg->env->rcpts && msg->env->rcpts->len ? msg->env->rcpts->len : 1;
}

/* sender - the lowercased From address, or NULL */
static char *sender(const struct lw_message *msg)
{
    if (msg->from == NULL || msg->from->addr == NULL || strchr(msg->from->addr, '@') == NULL)
        return NULL;
    return g_ascii_strdown(msg->from->addr, -1);
}

/* attachment - a part counted as an attachment: a named or attached leaf */
static int attachment(const struct lw_part *p)
{
    return !p->is_message && (p->filename != NULL
                              || (p->disposition && strcmp(p->disposition, "attachment") == 0));
}

/* first_contact_want - ask for what is known of the sender (shared caches only) */
static void first_contact_want(struct lw_cache_session *s, const char *from)
{
    char *k;

    if (from == NULL || !lw_cache_session_shared(s))
        return;
    k = g_strconcat("fc:a:", from, NULL);
    lw_cache_want(s, k);
    g_free(k);
    k = g_strconcat("fc:d:", strchr(from, '@') + 1, NULL);
    lw_cache_want(s, k);
    g_free(k);
}

struct lw_summary *lw_campaign_summary(const struct lw_message *msg)
{
    char *fp = lw_fingerprint(msg);
    struct lw_summary *sum = lw_summary_new(fp);

    for (guint i = 0; i < msg->parts->len; i++) {
        const struct lw_part *p = g_ptr_array_index(msg->parts, i);

        if (attachment(p))
            lw_summary_add(sum, p->sha256, p->filename);
    }
    g_free(fp);
    return sum;
}

void lw_campaign_want(const struct lw_config *cfg, const struct lw_message *msg, const struct lw_summary *sum,
                      struct lw_cache_session *s)
{
    long long n = recipients(msg);
    char *from = sender(msg), *k;

    if (msg->list != NULL) {
        first_contact_want(s, from);
        g_free(from);
        return;
    }
    k = g_strconcat("c:fp:", sum->fingerprint, NULL);
    lw_cache_want_count(s, k, n, cfg->campaign_window);
    g_free(k);
    for (guint i = 0; i < sum->attachments->len; i++) {
        const struct lw_attachment_ref *p = g_ptr_array_index(sum->attachments, i);

        k = g_strconcat("c:att:", p->sha256, NULL);
        lw_cache_want_count(s, k, n, cfg->campaign_window);     /* once per hash: keys dedupe */
        g_free(k);
    }
    if (from != NULL) {
        k = g_strconcat("c:from:", from, NULL);
        lw_cache_want_count(s, k, n, cfg->campaign_window);
        g_free(k);
    }
    first_contact_want(s, from);
    g_free(from);
}

/* count_of - a counter fetched with lw_campaign_want */
static long long count_of(struct lw_cache_session *s, const char *prefix, const char *id)
{
    char *k = g_strconcat(prefix, id, NULL);
    long long n = lw_cache_count(s, k);

    g_free(k);
    return n;
}

static void campaign_hits(const struct lw_config *cfg, const struct lw_summary *sum,
                          struct lw_cache_session *s, struct lw_verdict *v, const char *from)
{
    const char *fp = sum->fingerprint;
    char *desc;
    long long n;

    if ((n = count_of(s, "c:fp:", fp)) >= cfg->campaign_threshold) {
        desc = g_strdup_printf("The same message reached %lld recipients within %llds: a mass mailing",
                               n, cfg->campaign_window);
        lw_verdict_add_hit(v, "campaign", "LW_CAMPAIGN_BODY", SCORE_BODY, desc, fp);
        g_free(desc);
    }
    for (guint i = 0; i < sum->attachments->len; i++) {
        const struct lw_attachment_ref *p = g_ptr_array_index(sum->attachments, i);
        struct lw_hit *hit;

        if ((n = count_of(s, "c:att:", p->sha256)) < cfg->campaign_threshold)
            continue;
        desc = g_strdup_printf("The same attachment reached %lld recipients within %llds:"
                               " one file sent to many mailboxes", n, cfg->campaign_window);
        hit = lw_verdict_add_hit(v, "campaign", "LW_CAMPAIGN_ATTACHMENT", SCORE_ATTACHMENT, desc,
                                 p->filename ? p->filename : p->sha256);
        lw_hit_add_indicator(v, hit, LW_ROLE_PAYLOAD, LW_IOC_SHA256, p->sha256);
        lw_hit_add_indicator(v, hit, LW_ROLE_PAYLOAD, LW_IOC_FILENAME, p->filename);
        g_free(desc);
        break;                  /* once per message */
    }
    if (from != NULL && (n = count_of(s, "c:from:", from)) >= cfg->campaign_sender_threshold) {
        struct lw_hit *hit;

        desc = g_strdup_printf("The sender reached %lld recipients within %llds", n, cfg->campaign_window);
        hit = lw_verdict_add_hit(v, "campaign", "LW_CAMPAIGN_SENDER", SCORE_SENDER, desc, from);
        lw_hit_add_indicator(v, hit, LW_ROLE_SENDER, LW_IOC_EMAIL, from);
        g_free(desc);
    }
}

/* content_score - the score so far, with the configured overrides */
static double content_score(const struct lw_config *cfg, const struct lw_verdict *v)
{
    double score = 0;

    for (guint i = 0; i < v->hits->len; i++) {
        const struct lw_hit *hit = g_ptr_array_index(v->hits, i);

        score += lw_config_rule_score(cfg, hit->rule, hit->score);
    }
    return score;
}

/* learn - remember a clean sender, refreshing at most every tenth of the ttl */
static void learn(const struct lw_config *cfg, struct lw_cache_session *s, const char *key)
{
    const char *seen = lw_cache_value(s, key);
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    char stamp[32];

    if (seen != NULL && now - g_ascii_strtoll(seen, NULL, 10) < cfg->first_contact_ttl / 10)
        return;
    g_snprintf(stamp, sizeof(stamp), "%" G_GINT64_FORMAT, now);
    lw_cache_put(s, key, stamp, cfg->first_contact_ttl);
}

static void first_contact(const struct lw_config *cfg, struct lw_cache_session *s, struct lw_verdict *v,
                          const char *from)
{
    const char *domain = strchr(from, '@') + 1;
    char *ka = g_strconcat("fc:a:", from, NULL), *kd = g_strconcat("fc:d:", domain, NULL);
    int clean = content_score(cfg, v) < cfg->tag_score;
    struct lw_hit *hit;

    if (lw_cache_value(s, kd) == NULL) {
        hit = lw_verdict_add_hit(v, "campaign", "LW_FIRST_CONTACT_DOMAIN", SCORE_FIRST_DOMAIN,
                                 "First message from a sender domain never seen sending clean mail here",
                                 domain);
        lw_hit_add_indicator(v, hit, LW_ROLE_SENDER, LW_IOC_SENDER_DOMAIN, domain);
    } else if (lw_cache_value(s, ka) == NULL) {
        hit = lw_verdict_add_hit(v, "campaign", "LW_FIRST_CONTACT", SCORE_FIRST_ADDR,
                                 "First message from a sender address never seen sending clean mail here",
                                 from);
        lw_hit_add_indicator(v, hit, LW_ROLE_SENDER, LW_IOC_EMAIL, from);
    }
    if (clean) {
        learn(cfg, s, ka);
        learn(cfg, s, kd);
    }
    g_free(ka);
    g_free(kd);
}

void lw_campaign_scan(const struct lw_config *cfg, const struct lw_message *msg, const struct lw_summary *sum,
                      struct lw_cache_session *s, struct lw_verdict *v)
{
    char *from = sender(msg);

    if (from != NULL && lw_cache_session_shared(s))
        first_contact(cfg, s, v, from);
    if (msg->list == NULL)
        campaign_hits(cfg, sum, s, v, from);
    g_free(from);
}
