/*
 * score.c - how hits combine into a verdict: rule classes, the class fold,
 * the explanation
 *
 * CLASSES. Every rule is labelled with what its hit is evidence of. Five
 * classes are phishing or malware TECHNIQUES:
 *
 *     evasion        filter evasion, parser confusion, kit fingerprints,
 *                    parse limits (invisible characters, malformed From)
 *     deception      a link or form that lies (anchor text naming another
 *                    site, user@host, data: pages, a password form)
 *     impersonation  a sender posing as the organization, a VIP or a brand
 *                    (lookalike domains, authentication failures)
 *     malware        a malicious or policy-violating attachment
 *     indicator      a match in an indicator feed
 *
 * and three are SIGNALS, common in legitimate mail too:
 *
 *     lure           social-engineering wording: credential, payment,
 *                    account-threat, prize and advance-fee pretexts
 *     link           a channel the reader is sent to: a link to an abused
 *                    service (shortener, free hosting, file sharing, form
 *                    builder, a QR-code link) or replies diverted to another
 *                    domain (the channel of invoice fraud)
 *     bulk           bulk and spam properties (HTML only, hidden preview
 *                    text, no List-Unsubscribe, urgency, sums of money) and
 *                    commerce topics (gambling, pharmacy, dating)
 *
 * Rules of the rules file carry their class there (rulefile.c); the rules
 * the analyzers define in C are classed in the table below, which
 * lurewatch-scan --lint-rules prints.
 *
 * THE FOLD. The hits' scores add up (v->sum). If the message has EVIDENCE
 * of a technique - a hit of a technique class, or a lure hit joined to a
 * link hit (the pretext and the channel it sends the reader to) - the score is that
 * sum, and bulk and lure signals add to it. Without evidence the score is
 * capped just below quarantine_score: marketing, a real security alert or
 * a receipt can be tagged but is never held or rejected for its wording and
 * layout alone. Only hits with a positive score count as evidence.
 */
#include "config.h"

#include <string.h>

#include "model/score.h"

static const char *const class_names[LW_CLASS_COUNT] = {
    [LW_CLASS_BULK] = "bulk",
    [LW_CLASS_LINK] = "link",
    [LW_CLASS_LURE] = "lure",
    [LW_CLASS_EVASION] = "evasion",
    [LW_CLASS_DECEPTION] = "deception",
    [LW_CLASS_IMPERSONATION] = "impersonation",
    [LW_CLASS_MALWARE] = "malware",
    [LW_CLASS_INDICATOR] = "indicator",
};

/* How far below quarantine_score a message without evidence stays. */
#define CAP_MARGIN 0.1

const char *lw_class_name(enum lw_class cls)
{
    return class_names[cls];
}

int lw_class_parse(const char *name, enum lw_class *cls)
{
    for (int i = 0; i < LW_CLASS_COUNT; i++) {
        if (strcmp(name, class_names[i]) == 0) {
            *cls = (enum lw_class) i;
            return 0;
        }
    }
    return -1;
}

int lw_class_is_technique(enum lw_class cls)
{
    return cls >= LW_CLASS_EVASION;
}

/*
 * The rules defined in C. An id ending in '*' is a prefix (the structure
 * analyzer names one LW_LIMIT_<KEY> per limit, the ioc analyzer one IOC_<TYPE>
 * per indicator type). Each analyzer's file header explains the technique.
 */
static const struct builtin {
    const char *rule;
    enum lw_class cls;
} builtin[] = {
    /* structure: parse limits and parser confusion */
    { "LW_LIMIT_*", LW_CLASS_EVASION },
    { "LW_MIME_*", LW_CLASS_EVASION },
    /* rules: a PCRE2 limit a padded message ran a rule into */
    { "LW_RULE_MATCH_LIMIT", LW_CLASS_EVASION },
    /* clamav: attachments */
    { "LW_ATT_SCAN_INCOMPLETE", LW_CLASS_EVASION },
    { "LW_ATT_*", LW_CLASS_MALWARE },
    /* ioc */
    { "IOC_*", LW_CLASS_INDICATOR },
    /* impersonation */
    { "LW_IMP_BRAND_SUBJECT", LW_CLASS_LURE },      /* a brand named in the subject only */
    { "LW_IMP_*", LW_CLASS_IMPERSONATION },
    /* lookalike: domains posing as others; text dodging filters */
    { "LW_LOOKALIKE_*", LW_CLASS_IMPERSONATION },
    { "LW_TEXT_MIXED_SCRIPT", LW_CLASS_EVASION },
    { "LW_TEXT_MIXED_SCRIPT_BODY", LW_CLASS_EVASION },
    { "LW_TEXT_FANCY_LETTERS", LW_CLASS_EVASION },
    { "LW_TEXT_INVISIBLE_CHARS", LW_CLASS_EVASION },
    { "LW_TEXT_ACCENTED_LURE", LW_CLASS_EVASION },
    /* headers */
    { "LW_HDR_REPLYTO_OTHER", LW_CLASS_LINK },      /* replies diverted: the BEC channel */
    { "LW_HDR_REPLYTO_FREEMAIL", LW_CLASS_LINK },
    { "LW_HDR_FROM_FREEMAIL_LURE", LW_CLASS_LINK }, /* the lure's channel: a free-mail sender */
    { "LW_HDR_REPLYTO_FREEMAIL_CLAIM", LW_CLASS_IMPERSONATION },
    { "LW_HDR_BRAND_RETURNPATH", LW_CLASS_IMPERSONATION },
    { "LW_HDR_SPOOFED_INTERNAL", LW_CLASS_IMPERSONATION },
    { "LW_HDR_AUTH_FAIL", LW_CLASS_IMPERSONATION },
    { "LW_HDR_AUTH_FAIL_BRAND", LW_CLASS_IMPERSONATION },
    { "LW_HDR_AUTH_FAIL_PROTECTED", LW_CLASS_IMPERSONATION },
    { "LW_HDR_AUTH_FAIL_CLAIM", LW_CLASS_IMPERSONATION },
    { "LW_HDR_MSGID_UNRELATED", LW_CLASS_IMPERSONATION },
    { "LW_HDR_DATE_FUTURE", LW_CLASS_BULK },
    { "LW_HDR_DATE_PAST", LW_CLASS_BULK },
    { "LW_HDR_FROM_MALFORMED", LW_CLASS_EVASION },
    { "LW_HDR_FROM_NAME_COMMA", LW_CLASS_EVASION },
    { "LW_HDR_BCC_FREEMAIL", LW_CLASS_EVASION },     /* a fraud mass-mailing tool */  /* parsers and clients read different senders */
    { "LW_HDR_FROM_BAD_DOMAIN", LW_CLASS_EVASION },
    { "LW_HDR_FROM_RANDOM_LOCAL", LW_CLASS_EVASION },
    { "LW_HDR_FROM_FREEHOST", LW_CLASS_EVASION },
    { "LW_HDR_RCPT_IN_SUBJECT", LW_CLASS_EVASION },
    /* links */
    { "LW_LINK_TEXT_MISMATCH", LW_CLASS_DECEPTION },
    { "LW_LINK_IP_HOST", LW_CLASS_DECEPTION },
    { "LW_LINK_USERINFO", LW_CLASS_DECEPTION },
    { "LW_LINK_DATA_URI", LW_CLASS_DECEPTION },
    { "LW_LINK_JAVASCRIPT", LW_CLASS_DECEPTION },
    { "LW_LINK_SHORTENER", LW_CLASS_LINK },
    { "LW_LINK_FILESHARE", LW_CLASS_LINK },
    { "LW_LINK_FORM_SERVICE", LW_CLASS_LINK },
    { "LW_LINK_FREEHOST", LW_CLASS_LINK },
    { "LW_LINK_UNKNOWN_SITE", LW_CLASS_LINK },      /* the lure's channel: a site nothing vouches for */
    { "LW_LINK_FREEMAIL_CONTACT", LW_CLASS_LINK },  /* the lure's channel: a free mailbox to write to */
    { "LW_LINK_BRAND_ELSEWHERE", LW_CLASS_IMPERSONATION },  /* a brand's domain signed by others, an unknown site */
    { "LW_HTML_CREDENTIAL_FORM", LW_CLASS_DECEPTION },
    { "LW_HTML_HIDDEN_TEXT", LW_CLASS_BULK },
    { "LW_HTML_HIDDEN_DECOY", LW_CLASS_EVASION },   /* planted for the filters alone */
    { "LW_HTML_IMAGE_ONLY", LW_CLASS_EVASION },     /* the words travel as a picture */
    { "LW_HTML_ONLY", LW_CLASS_BULK },
    { "LW_HTML_ONLY_SHORTENER", LW_CLASS_EVASION }, /* a mass-mailing kit hides the destination */
    { "LW_HTML_ONLY_FREEHOST", LW_CLASS_EVASION },  /* a kit's throwaway landing page */
    { "LW_HTML_ONLY_IP_HOST", LW_CLASS_EVASION },   /* a kit on rented servers, no name to judge */
    { "LW_HTML_ONLY_BCC_BLAST", LW_CLASS_EVASION }, /* a mass-mailing tool, not a client or provider */
    { "LW_QR_LURE", LW_CLASS_LURE },
    { "LW_QR_URL", LW_CLASS_LINK },
    { "LW_QR_CREDENTIAL", LW_CLASS_DECEPTION },
    /* campaign: volume and novelty, never a technique by themselves */
    { "LW_CAMPAIGN_*", LW_CLASS_BULK },
    { "LW_FIRST_CONTACT", LW_CLASS_BULK },
    { "LW_FIRST_CONTACT_DOMAIN", LW_CLASS_BULK },
};

static const struct builtin *builtin_find(const char *rule)
{
    for (size_t i = 0; i < G_N_ELEMENTS(builtin); i++) {
        size_t n = strlen(builtin[i].rule);

        if (builtin[i].rule[n - 1] == '*' ? strncmp(rule, builtin[i].rule, n - 1) == 0
            : strcmp(rule, builtin[i].rule) == 0)
            return &builtin[i];
    }
    return NULL;
}

enum lw_class lw_rule_builtin_class(const char *rule)
{
    const struct builtin *b = builtin_find(rule);

    return b ? b->cls : LW_CLASS_BULK;
}

int lw_rule_builtin_known(const char *rule)
{
    return builtin_find(rule) != NULL;
}

void lw_rule_builtin_print(FILE *out)
{
    for (size_t i = 0; i < G_N_ELEMENTS(builtin); i++)
        fprintf(out, "%-32s %s\n", builtin[i].rule, class_names[builtin[i].cls]);
}

/* evidence - the hit that makes the message evidence of a technique, or NULL */
static const struct lw_hit *evidence(const struct lw_verdict *v, const struct lw_hit **link)
{
    const struct lw_hit *lure = NULL;

    *link = NULL;
    for (guint i = 0; i < v->hits->len; i++) {
        const struct lw_hit *hit = g_ptr_array_index(v->hits, i);

        if (hit->score <= 0)
            continue;
        if (lw_class_is_technique(hit->cls))
            return hit;
        if (hit->cls == LW_CLASS_LURE && lure == NULL)
            lure = hit;
        if (hit->cls == LW_CLASS_LINK && *link == NULL)
            *link = hit;
    }
    return *link ? lure : NULL;
}

int lw_verdict_has_lure(const struct lw_verdict *v)
{
    for (guint i = 0; i < v->hits->len; i++) {
        const struct lw_hit *hit = g_ptr_array_index(v->hits, i);

        if (hit->cls == LW_CLASS_LURE && hit->score > 0)
            return 1;
    }
    return 0;
}

static double cap(const struct lw_config *cfg)
{
    return cfg->quarantine_score - CAP_MARGIN;
}

const char *lw_action_name(enum lw_action action)
{
    static const char *const names[] = {
        [LW_ACTION_ACCEPT] = "accept",
        [LW_ACTION_TAG] = "tag",
        [LW_ACTION_QUARANTINE] = "quarantine",
        [LW_ACTION_REJECT] = "reject",
    };

    return names[action];
}

enum lw_action lw_score_action(const struct lw_config *cfg, double score)
{
    if (score >= cfg->reject_score)
        return LW_ACTION_REJECT;
    if (score >= cfg->quarantine_score)
        return LW_ACTION_QUARANTINE;
    if (score >= cfg->tag_score)
        return LW_ACTION_TAG;
    return LW_ACTION_ACCEPT;
}

void lw_verdict_fold(struct lw_verdict *v, const struct lw_config *cfg)
{
    const struct lw_hit *link;

    v->score = v->sum;
    if (evidence(v, &link) == NULL && v->score > cap(cfg))
        v->score = cap(cfg);
    v->action = lw_score_action(cfg, v->score);
}

/* explain_why - the two lines that say what the evidence is and which threshold the score reached */
static void explain_why(GString *out, const struct lw_verdict *v, const struct lw_config *cfg)
{
    const struct lw_hit *link, *ev = evidence(v, &link);
    static const char *const level[] = { "no threshold", "tag", "quarantine", "reject" };
    const double at[] = { 0, cfg->tag_score, cfg->quarantine_score, cfg->reject_score };

    if (ev && link)
        g_string_append_printf(out, "evidence: the lure %s is joined to the link %s (%s)",
                               ev->rule, link->rule, lw_class_name(link->cls));
    else if (ev)
        g_string_append_printf(out, "evidence: %s is %s, a technique class", ev->rule,
                               lw_class_name(ev->cls));
    else
        g_string_append(out, "evidence: none (no evasion, deception, impersonation, malware or"
                        " indicator hit, and no lure joined to a link)");
    if (ev == NULL && v->sum > v->score)
        g_string_append_printf(out, "; the signals' %.1f is capped at %.1f, just below"
                               " quarantine (%g)", v->sum, v->score, cfg->quarantine_score);
    g_string_append_printf(out, "\nwhy: score %.1f reaches %s", v->score, level[v->action]);
    if (v->action != LW_ACTION_ACCEPT)
        g_string_append_printf(out, " (%g)", at[v->action]);
    if (v->action < LW_ACTION_REJECT)
        g_string_append_printf(out, "; %s needs %g", level[v->action + 1], at[v->action + 1]);
    g_string_append_printf(out, ": %s\n", lw_action_name(v->action));
}

char *lw_verdict_explain(const struct lw_verdict *v, const struct lw_config *cfg)
{
    GString *out = g_string_new(NULL);
    double by_class[LW_CLASS_COUNT] = { 0 };
    const char *sep = "";

    g_string_append_printf(out, "action: %s, score %.1f (tag %g, quarantine %g, reject %g)\n",
                           lw_action_name(v->action), v->score, cfg->tag_score,
                           cfg->quarantine_score, cfg->reject_score);
    for (guint i = 0; i < v->hits->len; i++) {
        const struct lw_hit *hit = g_ptr_array_index(v->hits, i);

        by_class[hit->cls] += hit->score;
        g_string_append_printf(out, "  %5.1f  %-13s %s: %s\n", hit->score, lw_class_name(hit->cls),
                               hit->rule, hit->description);
        if (hit->evidence)
            g_string_append_printf(out, "                       [%s]\n", hit->evidence);
    }
    g_string_append(out, "by class:");
    for (int c = LW_CLASS_COUNT - 1; c >= 0; c--) {
        if (by_class[c] != 0) {
            g_string_append_printf(out, "%s %s %.1f", sep, class_names[c], by_class[c]);
            sep = ",";
        }
    }
    g_string_append_printf(out, "%s (sum %.1f)\n", *sep ? "" : " none", v->sum);
    explain_why(out, v, cfg);
    return g_string_free(out, FALSE);
}

char *lw_verdict_explain_why(const struct lw_verdict *v, const struct lw_config *cfg)
{
    GString *out = g_string_new(NULL);

    explain_why(out, v, cfg);
    return g_string_free(out, FALSE);
}
