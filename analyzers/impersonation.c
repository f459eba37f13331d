/*
 * impersonation.c - analyzer: display names that claim someone the sender is not
 *
 * DESCRIPTION
 *     Mail clients show the From display name and hide the address, so the
 *     cheapest impersonation is a display name: "財政部 <x@gmail.com>". This
 *     analyzer compares the display name of From with the real address:
 *
 *     LW_IMP_PROTECTED_NAME    one of protected_names, sender outside the
 *                              organization (protected_domains); this and
 *                              the VIP and brand names below are found also
 *                              when spelled to only look like them
 *                              (identity.c, spelled_in)
 *     LW_IMP_PROTECTED_DOMAIN  one of protected_domains written in the name,
 *                              sender outside them
 *     LW_IMP_VIP_EXTERNAL      a vip_names person writing from outside
 *     LW_IMP_NAME_ADDR_DIFFERS an address in the display name whose domain
 *                              is not the sender's (nor, for a list post
 *                              whose From the list rewrote, the poster's)
 *     LW_IMP_BRAND_NAME        a brand of brands_file in the display name,
 *                              also spelled to only look like it (PayPaI,
 *                              Micr0soft, "Pay Pal": the same confusable
 *                              skeleton, or the name split into words),
 *                              sent from a domain that is not the brand's,
 *                              by a sender that does not name itself too
 *                              ("Amazon Benefits at Fidelity" from
 *                              fidelity.com names a partner, it does not
 *                              pose as Amazon)
 *     LW_IMP_BRAND_ADDRESS     a brand spelled in the address's local part
 *                              (deutsche-bank@mailer.example), sent from a
 *                              domain that is not the brand's: clients that
 *                              show only the address show the brand
 *     LW_IMP_FREEMAIL          any of the above from a free-mail address
 *     LW_IMP_BRAND_SUBJECT     the Subject speaks to the reader for a brand
 *                              ("Your Netflix payment", "您的蝦皮訂單"), the
 *                              sender is not the brand, and it is not a reply
 *                              or list traffic (news about brands is not)
 *     LW_IMP_ON_BEHALF         "on behalf of" / "代表寄件" written into the name:
 *                              clients write that themselves from Sender,
 *                              so a sender that types it imitates it
 *
 *     Scores are built in (see the table); "score.RULE = N" overrides them.
 *
 * LIMITS
 *     Only the first From mailbox is examined (structure.c flags several).
 *     Brand names are matched as whole words on casefolded, NFKC text;
 *     names that are ordinary words belong in brands_file only as full
 *     names ("Chase Bank"), never as keywords.
 */
#include "config.h"

#include <string.h>

#include "analyzer.h"
#include "identity.h"
#include "model/url.h"

#define A "impersonation"

/* What the reader sees and who really sent it. */
struct sender {
    const char *name;       /* display name as a client shows it */
    char *addr;             /* owned */
    char *domain;           /* owned, lowercase */
};

/*
 * sender_of - the display name and real address of From. A malformed From
 * ("Brand ,_<x@evil.example>") parses as a domainless first mailbox; the
 * reader then sees the whole field and mail goes to the last address in it.
 */
static void sender_of(const struct lw_message *msg, struct sender *s)
{
    static GRegex *last_addr;
    const char *raw = lw_message_header(msg, "From");
    char *addr;

    s->name = msg->from->name;
    s->addr = g_strdup(msg->from->addr);
    s->domain = g_strdup(msg->from->domain);
    if ((*s->domain == '\0' || msg->from_count > 1) && raw
        && (addr = lw_regex_group1(lw_regex_once(&last_addr, "([^\\s<>(),;\"]+@[A-Za-z0-9.-]+)[^@]*$", 0), raw)) != NULL) {
        s->name = raw;
        g_free(s->addr);
        g_free(s->domain);
        s->addr = addr;
        s->domain = g_ascii_strdown(strrchr(addr, '@') + 1, -1);
    }
}

/* add - one hit with the sender as indicator */
static void add(struct lw_verdict *v, const struct sender *s, const char *rule, double score,
                const char *desc, const char *claim)
{
    char *ev = g_strdup_printf("From: \"%s\" <%s> (claims %s)", s->name, s->addr, claim);
    struct lw_hit *hit = lw_verdict_add_hit(v, A, rule, score, desc, ev);

    lw_hit_add_indicator(v, hit, LW_ROLE_SENDER, LW_IOC_EMAIL, s->addr);
    g_free(ev);
}

/* address_in_name - the domain of an address written in the display name, or NULL (g_free) */
static char *address_in_name(const char *name)
{
    static GRegex *re;
    char *d = lw_regex_group1(lw_regex_once(&re, "[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+)", 0), name);
    char *low = d ? g_ascii_strdown(d, -1) : NULL;

    g_free(d);
    return low;
}

/*
 * poster_named - the address in the display name is the author's, written
 * there by a mailing list that rewrote From ("'a@b.example' via Group")
 */
static int poster_named(const struct lw_identity *id, const struct lw_message *msg, const char *named)
{
    const struct lw_address *p = msg->list ? msg->list->poster : NULL;

    return p != NULL && lw_identity_same_org(id, named, p->domain);
}

/* on_behalf - the display name spells out a delegation */
static int on_behalf(const char *name)
{
    char *f = lw_identity_fold(name);
    int yes = strstr(f, "on behalf of") != NULL || strstr(f, "代表寄件") != NULL || strstr(f, "代发") != NULL;

    g_free(f);
    return yes;
}

/* imp_init - the state is the engine's identity (brands, protected names, VIPs), borrowed */
static int imp_init(const struct lw_config *cfg, const struct lw_shared *shared, const void *previous,
                    void **state, struct lw_error *err)
{
    *state = shared->id;
    return 0;
}

/* check_org - protected names, domains and VIPs claimed by an outside sender */
static int check_org(const struct lw_identity *id, const struct sender *s, struct lw_verdict *v)
{
    const char *name = s->name, *claim;
    int hits = 0;

    if (lw_identity_is_protected(id, s->domain))
        return 0;
    if ((claim = lw_identity_protected_name_in(id, name)) != NULL && ++hits)
        add(v, s, "LW_IMP_PROTECTED_NAME", 6.0,
            "Display name carries the organization's name but the sender is outside it", claim);
    if ((claim = lw_identity_protected_domain_in(id, name)) != NULL && ++hits)
        add(v, s, "LW_IMP_PROTECTED_DOMAIN", 6.0,
            "Display name shows one of the organization's domains but the sender is outside it", claim);
    if ((claim = lw_identity_vip_in(id, name)) != NULL && ++hits)
        add(v, s, "LW_IMP_VIP_EXTERNAL", 5.0,
            "Display name is a VIP of the organization but the mail comes from outside", claim);
    return hits;
}

/* is_conversation - replies, forwards and mailing-list traffic talk about brands innocently */
static int is_conversation(const struct lw_message *msg)
{
    static GRegex *reply_prefix;

    return msg->list != NULL || lw_message_header(msg, "In-Reply-To")
           || (msg->subject && (strchr(msg->subject, ':') || strstr(msg->subject, "："))  /* cheap first */
               && g_regex_match(lw_regex_once(&reply_prefix, "^\\s*(re|fwd?|aw|wg|sv|vs|tr|答覆|回覆|转发|轉寄)\\s*[:：]",
                                              G_REGEX_CASELESS), msg->subject, 0, NULL));
}

/* addresses_reader - "you", "your", 您, 你的 in s (the regex runs only when a cheap search finds one) */
static int addresses_reader(const char *s)
{
    static GRegex *re;
    gchar *low = g_ascii_strdown(s, -1);
    int maybe = strstr(low, "you") || strstr(s, "您") || strstr(s, "你的");

    g_free(low);
    return maybe && g_regex_match(lw_regex_once(&re, "\\b(your|you|you're|you've|you have)\\b|您|你的", G_REGEX_CASELESS),
                                  s, 0, NULL);
}

/* check_subject_brand - a brand named in the Subject of mail the brand did not send */
static void check_subject_brand(const struct lw_identity *id, const struct lw_message *msg,
                                const struct sender *s, struct lw_verdict *v)
{
    const struct lw_brand *brand = NULL;
    const char *claim;
    char *ev;

    if (msg->subject == NULL || is_conversation(msg)
        || !addresses_reader(msg->subject)
        || (claim = lw_identity_brand_in(id, msg->subject, &brand)) == NULL
        || lw_identity_host_of_brand(id, s->domain, brand) || lw_identity_is_protected(id, s->domain))
        return;
    ev = g_strdup_printf("Subject: %.80s; From: %s (claims %s)", msg->subject, s->addr, claim);
    lw_verdict_add_hit(v, A, "LW_IMP_BRAND_SUBJECT", 2.5,
                       "The subject speaks for a well-known brand or service that did not send the mail", ev);
    g_free(ev);
}

/*
 * check_address_brand - a brand written as the local part of an address the
 * brand does not own; the words of the local part are split at . _ + -
 */
static int check_address_brand(const struct lw_identity *id, const struct sender *s,
                               struct lw_verdict *v)
{
    const struct lw_brand *brand = NULL;
    const char *at = strrchr(s->addr, '@'), *claim;
    char *local;
    int hit = 0;

    if (at == NULL || at == s->addr || *s->domain == '\0')
        return 0;
    local = g_strndup(s->addr, (gsize) (at - s->addr));
    g_strdelimit(local, "._+-", ' ');
    if ((claim = lw_identity_brand_in(id, local, &brand)) != NULL
        && !lw_identity_host_of_brand(id, s->domain, brand)
        && !lw_identity_is_protected(id, s->domain) && ++hit)
        add(v, s, "LW_IMP_BRAND_ADDRESS", 2.5,
            "The sender's address spells a well-known brand, but its domain is not that brand's", claim);
    g_free(local);
    return hit;
}

/* word_or_host_char - a character that continues a word, a host name or an address */
static int word_or_host_char(char c)
{
    return g_ascii_isalnum(c) || c == '.' || c == '@' || c == '-' || c == '_';
}

/*
 * names_itself - does the display name also name the sender's own
 * organization: the first label of its registrable domain, 5 letters or
 * more, as a word of its own, not inside an address or host name written
 * there ("Lockergnome Apple Core" from lockergnome.com; not "Facebook
 * ,_<x@k0w75.com>")? A stranger's own name beside a brand's is a partner
 * or a topic: it gains an impostor nothing.
 */
static int names_itself(const struct sender *s)
{
    char *reg = *s->domain ? lw_url_registrable(s->domain, NULL) : NULL;
    size_t n = reg ? strcspn(reg, ".") : 0;
    char *name = g_utf8_casefold(s->name, -1);
    int yes = 0;

    for (const char *p = name; n >= 5 && *p; p++) {
        if (g_ascii_strncasecmp(p, reg, n) == 0 && (p == name || !word_or_host_char(p[-1]))
            && !word_or_host_char(p[n])) {
            yes = 1;
            break;
        }
    }
    g_free(name);
    g_free(reg);
    return yes;
}

/* imp_scan - compare what the From display name claims with who sent the mail */
static int imp_scan(const void *state, const struct lw_message *msg, struct lw_cache_session *cache,
                    struct lw_verdict *v, struct lw_error *err)
{
    const struct lw_identity *id = state;
    const struct lw_brand *brand = NULL;
    struct sender snd, *s = &snd;
    const char *claim;
    char *named;
    int hits;

    if (msg->from == NULL)
        return 0;
    sender_of(msg, s);
    if (*s->name == '\0') {
        check_address_brand(id, s, v);
        goto done;
    }
    hits = check_org(id, s, v);
    if ((named = address_in_name(s->name)) != NULL) {
        if (*s->domain && !lw_identity_same_org(id, named, s->domain) && !poster_named(id, msg, named) && ++hits)
            add(v, s, "LW_IMP_NAME_ADDR_DIFFERS", 3.0,
                "Display name shows an email address of another domain than the real sender", named);
        g_free(named);
    }
    if ((claim = lw_identity_brand_named_in(id, s->name, &brand)) != NULL
        && !lw_identity_host_of_brand(id, s->domain, brand)
        && !lw_identity_is_protected(id, s->domain) && !names_itself(s) && ++hits)
        add(v, s, "LW_IMP_BRAND_NAME", 4.0,
            "Display name names a well-known brand or service, but the address is not that brand's", claim);
    else
        hits += check_address_brand(id, s, v);
    if (hits && (lw_identity_kind(id, s->domain) & LW_KIND_FREEMAIL))
        add(v, s, "LW_IMP_FREEMAIL", 2.0,
            "The impersonating display name comes from a free-mail address anyone can register", s->domain);
    if (on_behalf(s->name))
        add(v, s, "LW_IMP_ON_BEHALF", 2.5,
            "Display name spells out \"on behalf of\", imitating what mail clients show for delegated mail",
            s->name);
    check_subject_brand(id, msg, s, v);
done:
    g_free(s->addr);
    g_free(s->domain);
    return 0;
}

const struct lw_analyzer lw_analyzer_impersonation = {
    .name = A,
    .init = imp_init,
    .scan = imp_scan,
};
