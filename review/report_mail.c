/*
 * report_mail.c - the quarantine digest and recipient notice, as mail
 *
 * DESCRIPTION
 *     lw_digest_build() makes one digest for one reviewer: the summary
 *     first (counts, the commonest reasons, how to act), then one compact
 *     row per message held since the last digest (score, the sender's
 *     display name and address, subject, reasons in plain words, first
 *     recipient, when, queue id, and in the text part the exact release
 *     and delete commands), then the messages still held past
 *     report_expire_days. A row never shows internal rule ids: a reason
 *     is the rule's description from the rules file, or its class in
 *     words. row_init() decides a row's contents, text_row() and
 *     html_row() lay it out. The mail is multipart/alternative, text/plain
 *     then text/html, in Traditional Chinese, English, or both
 *     (report_language). With report_attach_original = yes the whole is
 *     wrapped in multipart/mixed with each held message as a
 *     message/rfc822 attachment (Content-Disposition: attachment).
 *     lw_notice_build() makes the short text/plain notice to a recipient.
 *
 * SECURITY
 *     Every value in a report comes from an attacker. It is made printable
 *     (lw_printable: control characters, line and paragraph separators
 *     U+2028/U+2029 and bidi controls replaced, UTF-8 repaired, capped),
 *     then defanged (lw_defang: hxxp://, hxxps://, fxp://, and [.] in
 *     every host-like token; the dots IDNA maps to a dot, 。 ． ｡, count
 *     as dots and are bracketed, [。], so no client turns it into a
 *     link), then, for HTML, escaped
 *     with g_markup_escape_text. The HTML has no links (but, with
 *     review_base_url set, the signed links to lurewatch-review: each row's
 *     release, delete, block sender and not phishing, and the reviewer's
 *     review page; a link opens a confirmation page, never acts), no images, no
 *     scripts, and a Content-Security-Policy of default-src 'none' with
 *     its own style sheet only, so even a mistake here cannot fetch anything.
 *     Nothing from the held message is attached unless configured.
 *
 * LIMITS
 *     Chinese prose with a full stop between two words ("異常。請") looks
 *     like an IDN host and is shown bracketed ("異常[。]請"): safe, if odd.
 */
#include "config.h"

#include <string.h>

#include "util/log.h"
#include "review/actions.h"
#include "review/report_mail.h"
#include "review/review_token.h"

#define MAX_VALUE 400
#define MAX_EVIDENCE 200

/* ---- text safety ---- */

static int run_char(unsigned char c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c >= 0x80;
}

/*
 * dot_at - the length of the dot at p (left bytes remain): 1 for '.', 3 for
 * the dots IDNA maps to '.' (U+3002 。, U+FF0E ．, U+FF61 ｡), else 0
 */
static size_t dot_at(const char *p, size_t left)
{
    static const char *const idna_dots[] = { "\xe3\x80\x82", "\xef\xbc\x8e", "\xef\xbd\xa1" };

    if (left >= 1 && *p == '.')
        return 1;
    for (size_t i = 0; left >= 3 && i < G_N_ELEMENTS(idna_dots); i++)
        if (memcmp(p, idna_dots[i], 3) == 0)
            return 3;
    return 0;
}

/* trailing_dots - n without the dots that end the run */
static size_t trailing_dots(const char *run, size_t n)
{
    for (;;) {
        if (n >= 1 && run[n - 1] == '.')
            n--;
        else if (n >= 3 && dot_at(run + n - 3, 3) == 3)
            n -= 3;
        else
            return n;
    }
}

/*
 * host_like - a run "a.b" whose last label looks like a TLD or file
 * extension, or an IPv4 address; any dot IDNA maps to '.' counts as one
 */
static int host_like(const char *run, size_t n)
{
    size_t end = trailing_dots(run, n), last = 0, dots = 0, plain = 0;

    for (size_t i = 0; i < end;) {
        size_t k = dot_at(run + i, end - i);

        if (k) {
            dots++;
            last = i + k;
        }
        plain += k ? k : g_ascii_isdigit(run[i]) != 0;
        i += k ? k : 1;
    }
    if (dots == 0)
        return 0;
    if (dots == 3 && plain == end)
        return 1;       /* 192.0.2.1 */
    if (end - last < 2)
        return 0;
    for (size_t i = last; i < end; i++)
        if (g_ascii_isdigit(run[i]))
            return 0;   /* "v2.0", "3.14" */
    return 1;
}

/*
 * defang_run - copy a run; when host-like, each dot between label characters
 * becomes [.], and each IDNA dot is bracketed as written ([。]), so that no
 * client (and no IDNA-aware linkifier) sees a host name in it
 */
static void defang_run(GString *out, const char *run, size_t n)
{
    int host = host_like(run, n), prev_dot = 1;

    for (size_t i = 0; i < n;) {
        size_t k = dot_at(run + i, n - i);

        if (k && host && !prev_dot && i + k < n && !dot_at(run + i + k, n - i - k)) {
            g_string_append_c(out, '[');
            g_string_append_len(out, k == 1 ? "." : run + i, (gssize) k);
            g_string_append_c(out, ']');
        } else {
            g_string_append_len(out, run + i, (gssize) (k ? k : 1));
        }
        prev_dot = k != 0;
        i += k ? k : 1;
    }
}

/* lw_defang - hxxp:// for schemes, [.] in host names and IPv4 addresses */
char *lw_defang(const char *s)
{
    static const struct { const char *from, *to; } schemes[] = {
        { "https://", "hxxps://" }, { "http://", "hxxp://" }, { "ftp://", "fxp://" },
        { "https:", "hxxps:" }, { "http:", "hxxp:" },
    };
    GString *out = g_string_new(NULL);
    const char *p = s ? s : "";

    while (*p) {
        size_t n = 0;
        int done = 0;

        for (size_t i = 0; i < G_N_ELEMENTS(schemes) && !done; i++) {
            size_t len = strlen(schemes[i].from);

            if (g_ascii_strncasecmp(p, schemes[i].from, len) == 0) {
                g_string_append(out, schemes[i].to);
                p += len;
                done = 1;
            }
        }
        if (done)
            continue;
        while (run_char((unsigned char) p[n]))
            n++;
        if (n == 0) {
            g_string_append_c(out, *p++);
            continue;
        }
        defang_run(out, p, n);
        p += n;
    }
    return g_string_free(out, FALSE);
}

/* lw_safe_text - printable (no controls, line separators or bidi controls), capped, defanged (g_free) */
char *lw_safe_text(const char *s, size_t max)
{
    char *printable = lw_printable(s ? s : "", max);
    char *out = lw_defang(printable);

    g_free(printable);
    return out;
}

/* ---- words ---- */

/* L - the label in the configured language(s) */
static const char *L(const struct lw_config *cfg, const char *zh, const char *en, char **keep)
{
    if (cfg->report_language == LW_LANG_ZH_TW)
        return zh;
    if (cfg->report_language == LW_LANG_EN)
        return en;
    g_free(*keep);
    *keep = g_strdup_printf("%s %s", zh, en);
    return *keep;
}

struct words {
    char *keep[15];
    const char *to, *subject, *score, *reasons, *release, *delete, *queue_id, *held, *held_days,
        *decided, *from, *show, *block, *notphish, *review;
};

static void words_init(struct words *w, const struct lw_config *cfg)
{
    memset(w, 0, sizeof(*w));
    w->to = L(cfg, "收件者", "To", &w->keep[0]);
    w->subject = L(cfg, "主旨", "Subject", &w->keep[1]);
    w->score = L(cfg, "分數", "Score", &w->keep[2]);
    w->reasons = L(cfg, "原因", "Reasons", &w->keep[3]);
    w->release = L(cfg, "放行", "Release", &w->keep[4]);
    w->delete = L(cfg, "刪除", "Delete", &w->keep[5]);
    w->queue_id = L(cfg, "佇列編號", "Queue ID", &w->keep[6]);
    w->held = L(cfg, "隔離時間", "Held", &w->keep[7]);
    w->held_days = L(cfg, "已隔離天數", "Days held", &w->keep[8]);
    w->decided = L(cfg, "已處理", "Already decided", &w->keep[9]);
    w->from = L(cfg, "寄件者", "From", &w->keep[10]);
    w->show = L(cfg, "完整說明", "Full explanation", &w->keep[11]);
    w->block = L(cfg, "封鎖寄件者", "Block sender", &w->keep[12]);
    w->notphish = L(cfg, "非釣魚郵件", "Not phishing", &w->keep[13]);
    w->review = L(cfg, "審查頁面（所有待處理郵件）", "Review page (every held message)", &w->keep[14]);
}

static void words_free(struct words *w)
{
    for (size_t i = 0; i < G_N_ELEMENTS(w->keep); i++)
        g_free(w->keep[i]);
}

/* ---- plain reasons ---- */

/* class_words - a rule class in plain words, for a hit recorded without a description */
static const char *class_words(const char *cls)
{
    static const struct { const char *cls, *words; } table[] = {
        { "evasion", "hides from mail filters" },
        { "deception", "a link or form that lies about where it goes" },
        { "impersonation", "pretends to be someone else" },
        { "malware", "a dangerous attachment" },
        { "indicator", "matches a known malicious indicator" },
        { "lure", "a pretext to make you act (account, payment, threat or prize)" },
        { "link", "a link to an often abused service" },
        { "bulk", "bulk or spam properties" },
    };

    for (size_t i = 0; cls && i < G_N_ELEMENTS(table); i++)
        if (strcmp(cls, table[i].cls) == 0)
            return table[i].words;
    return "a suspicious sign";
}

/* without_rule_ids - text with internal rule ids (LW_..., __LW_...), and remarks naming them, taken out (g_free) */
static char *without_rule_ids(const char *text)
{
    GRegex *ids = g_regex_new("\\s*\\([^()]*\\b_*LW_[A-Z0-9_]+\\b[^()]*\\)|\\b_*LW_[A-Z0-9_]+\\b",
                              G_REGEX_OPTIMIZE, 0, NULL);
    char *out = g_regex_replace_literal(ids, text, -1, 0, "", 0, NULL);

    g_regex_unref(ids);
    return out ? g_strstrip(out) : g_strdup("");
}

/* plain_reason - what one hit means to a reviewer: its description, or its class in words (g_free) */
static char *plain_reason(const struct lw_qhit *h)
{
    char *desc = without_rule_ids(h->description ? h->description : "");

    if (*desc == '\0') {
        g_free(desc);
        desc = g_strdup(class_words(h->cls));
    }
    return desc;
}

static gint by_score_desc(gconstpointer a, gconstpointer b)
{
    const struct lw_qhit *x = *(struct lw_qhit *const *) a, *y = *(struct lw_qhit *const *) b;

    return (x->score < y->score) - (x->score > y->score);
}

/* lw_reasons_plain - the entry's reasons in plain words, strongest first, each once (char*) */
GPtrArray *lw_reasons_plain(const struct lw_qentry *e)
{
    GPtrArray *hits = g_ptr_array_copy(e->hits, NULL, NULL), *out = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_set_free_func(hits, NULL);     /* the copy borrows e's hits */
    g_ptr_array_sort(hits, by_score_desc);
    for (guint i = 0; i < hits->len; i++) {
        char *r = plain_reason(g_ptr_array_index(hits, i));

        if (g_ptr_array_find_with_equal_func(out, r, g_str_equal, NULL))
            g_free(r);
        else
            g_ptr_array_add(out, r);
    }
    g_ptr_array_unref(hits);
    return out;
}

/* ---- one row per message ---- */

#define MAX_REASONS 4
#define MAX_REASON 140
#define MAX_SHOWN 160

/*
 * One message as a compact row: every value already made safe (printable
 * and defanged), not yet HTML-escaped. row_init() is the one place a row's
 * contents are decided; text_row() and html_row() only lay it out.
 */
struct row {
    unsigned n;
    int expiring;
    char *queue_id, *held, *score, *from_name, *from, *to, *subject, *reasons;
    char *release, *delete;     /* the commands; NULL when already decided */
    char *links[4];             /* signed links: release, delete, block, not phishing; NULL: none */
    char *decided;              /* "released, alice, 2026-..." or NULL while held */
    long long days;
};

/* rcpt_summary - the first recipient, and how many more (g_free) */
static char *rcpt_summary(const struct lw_qentry *e)
{
    const char *first = e->rcpts->len ? g_ptr_array_index(e->rcpts, 0) : "";

    if (e->rcpts->len <= 1)
        return g_strdup(first);
    return g_strdup_printf("%s (+%u)", first, e->rcpts->len - 1);
}

/* reasons_line - up to MAX_REASONS plain reasons joined by "; " (g_free) */
static char *reasons_line(const struct lw_qentry *e)
{
    GPtrArray *all = lw_reasons_plain(e);
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < all->len && i < MAX_REASONS; i++) {
        char *r = lw_safe_text(g_ptr_array_index(all, i), MAX_REASON);

        g_string_append_printf(s, "%s%s", i ? "; " : "", r);
        g_free(r);
    }
    if (all->len > MAX_REASONS)
        g_string_append_printf(s, " (+%u)", all->len - MAX_REASONS);
    g_ptr_array_unref(all);
    return g_string_free(s, FALSE);
}

/* the actions of a row's links, in the order of struct row's links */
static const enum lw_decision link_actions[] = { LW_RELEASE, LW_DELETE, LW_BLOCK, LW_NOT_PHISHING };

static void row_init(struct row *r, const struct lw_config *cfg, const struct lw_qentry *e,
                     const struct lw_digest *d, unsigned n, int expiring)
{
    char *to = rcpt_summary(e);

    memset(r, 0, sizeof(*r));
    r->n = n;
    r->expiring = expiring;
    r->queue_id = g_strdup(e->queue_id);    /* validated: a Postfix or Sendmail queue id */
    r->held = lw_qtime_format(e->held_at, 0);
    r->days = (d->now - e->held_at) / (G_USEC_PER_SEC * 86400LL);
    r->score = g_strdup_printf("%.1f", e->score);
    r->from_name = lw_safe_text(e->from_name, MAX_SHOWN);
    r->from = lw_safe_text(*e->from ? e->from : e->sender, MAX_SHOWN);
    r->to = lw_safe_text(to, MAX_SHOWN);
    r->subject = lw_safe_text(e->subject, MAX_SHOWN);
    r->reasons = reasons_line(e);
    if (lw_qentry_is_held(e)) {
        r->release = g_strdup_printf("%s release %s", d->tool, e->queue_id);
        r->delete = g_strdup_printf("%s delete %s", d->tool, e->queue_id);
        for (size_t i = 0; d->key && i < G_N_ELEMENTS(r->links); i++)
            r->links[i] = lw_review_link(cfg, d->key, lw_decision_name(link_actions[i]), e->queue_id, d->to,
                                         d->now / G_USEC_PER_SEC);
    } else {
        char *at = lw_qtime_format(e->decided_at, 0), *by = lw_safe_text(e->decided_by, 100);

        r->decided = g_strdup_printf("%s, %s, %s", e->decision, by, at);
        g_free(at);
        g_free(by);
    }
    g_free(to);
}

static void row_free(struct row *r)
{
    g_free(r->queue_id);
    g_free(r->held);
    g_free(r->score);
    g_free(r->from_name);
    g_free(r->from);
    g_free(r->to);
    g_free(r->subject);
    g_free(r->reasons);
    g_free(r->release);
    g_free(r->delete);
    g_free(r->decided);
    for (size_t i = 0; i < G_N_ELEMENTS(r->links); i++)
        g_free(r->links[i]);
}

/* ---- the summary ---- */

static char *title(const struct lw_config *cfg, const struct lw_digest *d)
{
    const char *inst = *cfg->instance_name ? cfg->instance_name : g_get_host_name();
    char *safe = lw_safe_text(inst, 100), *t;

    if (cfg->report_language == LW_LANG_ZH_TW)
        t = g_strdup_printf("隔離郵件摘要：%u 封新隔離（%s）", d->fresh->len, safe);
    else if (cfg->report_language == LW_LANG_EN)
        t = g_strdup_printf("Quarantine digest: %u newly held (%s)", d->fresh->len, safe);
    else
        t = g_strdup_printf("隔離郵件摘要 Quarantine digest: %u 封新隔離 newly held (%s)", d->fresh->len, safe);
    g_free(safe);
    return t;
}

/* top_reasons - the reasons given for two messages or more, "reason (N)", up to three, commonest first (g_free) */
static char *top_reasons(const struct lw_digest *d)
{
    GHashTable *count = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GList *keys, *l;
    GString *s = g_string_new(NULL);
    guint shown = 0;
    GPtrArray *sets[] = { d->fresh, d->expiring };

    for (size_t k = 0; k < G_N_ELEMENTS(sets); k++) {
        for (guint i = 0; i < sets[k]->len; i++) {
            GPtrArray *rs = lw_reasons_plain(g_ptr_array_index(sets[k], i));

            for (guint j = 0; j < rs->len; j++) {
                char *r = g_ptr_array_index(rs, j);
                guint c = GPOINTER_TO_UINT(g_hash_table_lookup(count, r));

                g_hash_table_replace(count, g_strdup(r), GUINT_TO_POINTER(c + 1));
            }
            g_ptr_array_unref(rs);
        }
    }
    keys = g_hash_table_get_keys(count);
    for (guint best = G_MAXUINT; shown < 3 && best > 1;) {
        guint next = 0;

        for (l = keys; l; l = l->next) {    /* the next lower count, then every reason with it */
            guint c = GPOINTER_TO_UINT(g_hash_table_lookup(count, l->data));

            if (c < best && c > next && c > 1)     /* a reason of one message is in its row */
                next = c;
        }
        for (l = keys; l && next > 0 && shown < 3; l = l->next) {
            if (GPOINTER_TO_UINT(g_hash_table_lookup(count, l->data)) == next) {
                char *r = lw_safe_text(l->data, MAX_REASON);

                g_string_append_printf(s, "%s%s (%u)", shown++ ? "; " : "", r, next);
                g_free(r);
            }
        }
        best = next ? next : 1;
    }
    g_list_free(keys);
    g_hash_table_unref(count);
    return g_string_free(s, FALSE);
}

/* summary - the lines above the rows: counts, the commonest reasons, how to act (char*) */
static GPtrArray *summary(const struct lw_config *cfg, const struct lw_digest *d)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    guint fresh = d->fresh->len, old = d->expiring->len;
    long long days = cfg->report_expire_days;
    char *top = top_reasons(d);

    if (cfg->report_language != LW_LANG_EN) {
        g_ptr_array_add(lines, g_strdup_printf("新隔離 %u 封；隔離超過 %lld 天仍待處理 %u 封。", fresh, days, old));
        if (*top)
            g_ptr_array_add(lines, g_strdup_printf("常見原因：%s", top));
        g_ptr_array_add(lines, g_strdup("收件者尚未收到這些郵件。請放行正常郵件，刪除其餘郵件。"
                                        "網址已加以處理（hxxp、[.]），請勿開啟。"));
    }
    if (cfg->report_language != LW_LANG_ZH_TW) {
        g_ptr_array_add(lines, g_strdup_printf("%u newly held; %u held for more than %lld days still await "
                                               "a decision.", fresh, old, days));
        if (*top)
            g_ptr_array_add(lines, g_strdup_printf("Commonest reasons: %s", top));
        g_ptr_array_add(lines, g_strdup("The recipients have not received these messages. Release legitimate "
                                        "mail, delete the rest. Links are defanged (hxxp, [.]): do not visit them."));
    }
    g_free(top);
    return lines;
}

/* how_to - one line: the release, delete and explanation commands with QUEUEID (g_free) */
static char *how_to(const struct words *w, const struct lw_digest *d)
{
    return g_strdup_printf("%s: %s release QUEUEID · %s: %s delete QUEUEID · %s: %s list QUEUEID",
                           w->release, d->tool, w->delete, d->tool, w->show, d->tool);
}

/* review_link - the signed link to the reviewer's review page, or NULL without review links (g_free) */
static char *review_link(const struct lw_config *cfg, const struct lw_digest *d)
{
    return d->key ? lw_review_link(cfg, d->key, LW_REVIEW_VIEW, NULL, d->to, d->now / G_USEC_PER_SEC) : NULL;
}

static const char *expiring_heading(const struct lw_config *cfg, char **keep)
{
    return L(cfg, "隔離過久、即將逾期的郵件（請儘速決定）", "Held too long: expiring, please decide", keep);
}

static const char *fresh_heading(const struct lw_config *cfg, char **keep)
{
    return L(cfg, "新隔離的郵件", "Newly held messages", keep);
}

/* ---- text/plain ---- */

/* text_row - one message in five short lines */
static void text_row(GString *s, const struct words *w, const struct row *r)
{
    g_string_append_printf(s, "[%u] %s  %s%s<%s>\n", r->n, r->score, r->from_name,
                           *r->from_name ? " " : "", r->from);
    g_string_append_printf(s, "    %s: %s\n", w->subject, r->subject);
    g_string_append_printf(s, "    %s: %s\n", w->reasons, r->reasons);
    g_string_append_printf(s, "    %s: %s · %s: %s", w->to, r->to, w->held, r->held);
    if (r->expiring)
        g_string_append_printf(s, " · %s: %lld", w->held_days, r->days);
    g_string_append_printf(s, " · %s: %s\n", w->queue_id, r->queue_id);
    if (r->decided) {
        g_string_append_printf(s, "    %s: %s\n\n", w->decided, r->decided);
    } else if (r->links[0]) {
        const char *label[] = { w->release, w->delete, w->block, w->notphish };

        for (size_t i = 0; i < G_N_ELEMENTS(r->links); i++)
            g_string_append_printf(s, "    %s: %s\n", label[i], r->links[i]);
        g_string_append_c(s, '\n');
    } else {
        g_string_append_printf(s, "    %s: %s\n", w->release, r->release);
        g_string_append_printf(s, "    %s: %s\n\n", w->delete, r->delete);
    }
}

/* text_rows - a heading and the rows of one list; n counts across lists */
static void text_rows(GString *s, const struct lw_config *cfg, const struct words *w,
                      const struct lw_digest *d, GPtrArray *entries,
                      const char *heading, unsigned *n, int expiring)
{
    g_string_append_printf(s, "== %s ==\n\n", heading);
    for (guint i = 0; i < entries->len; i++) {
        struct row r;

        row_init(&r, cfg, g_ptr_array_index(entries, i), d, ++*n, expiring);
        text_row(s, w, &r);
        row_free(&r);
    }
}

static char *digest_text(const struct lw_config *cfg, const struct lw_digest *d)
{
    GString *s = g_string_new(NULL);
    GPtrArray *lines = summary(cfg, d);
    char *t = title(cfg, d), *keep = NULL, *how, *review;
    struct words w;
    unsigned n = 0;

    words_init(&w, cfg);
    how = how_to(&w, d);
    g_string_append_printf(s, "%s\n\n", t);
    for (guint i = 0; i < lines->len; i++)
        g_string_append_printf(s, "%s\n", (char *) g_ptr_array_index(lines, i));
    g_string_append_printf(s, "%s\n", how);
    if ((review = review_link(cfg, d)) != NULL)
        g_string_append_printf(s, "%s: %s\n", w.review, review);
    g_string_append_c(s, '\n');
    if (d->fresh->len)
        text_rows(s, cfg, &w, d, d->fresh, fresh_heading(cfg, &keep), &n, 0);
    if (d->expiring->len)
        text_rows(s, cfg, &w, d, d->expiring, expiring_heading(cfg, &keep), &n, 1);
    g_string_append(s, "-- \nlurewatch-report\n");
    words_free(&w);
    g_ptr_array_unref(lines);
    g_free(how);
    g_free(review);
    g_free(t);
    g_free(keep);
    return g_string_free(s, FALSE);
}

/* ---- text/html ---- */

/* add_esc - append s HTML-escaped */
static void add_esc(GString *s, const char *text)
{
    char *e = g_markup_escape_text(text, -1);

    g_string_append(s, e);
    g_free(e);
}

/* add_tag - OPEN, text HTML-escaped, CLOSE (the markup is ours, never from mail) */
static void add_tag(GString *s, const char *open, const char *text, const char *close)
{
    g_string_append(s, open);
    add_esc(s, text);
    g_string_append(s, close);
}

/*
 * html_row - one message as one table row: score; display name over the
 * address; subject over the reasons; recipient and time; queue id (and the
 * decision, when one was made)
 */
static void html_row(GString *s, const struct words *w, const struct row *r)
{
    char num[64];

    g_string_append_printf(s, "<tr class=\"%s\"><td class=\"n\">%u</td>", r->expiring ? "old" : "new", r->n);
    add_tag(s, "<td class=\"score\">", r->score, "</td>");
    add_tag(s, "<td class=\"from\"><b>", *r->from_name ? r->from_name : r->from, "</b>");
    add_tag(s, "<br><span class=\"addr\">", *r->from_name ? r->from : "", "</span></td>");
    add_tag(s, "<td><div class=\"subj\">", r->subject, "</div>");
    add_tag(s, "<div class=\"why\">", r->reasons, "</div></td>");
    add_tag(s, "<td class=\"to\">", r->to, "<br>");
    add_esc(s, r->held);
    if (r->expiring) {
        g_snprintf(num, sizeof(num), " (%lld d)", r->days);
        add_esc(s, num);
    }
    add_tag(s, "</td><td class=\"id\"><code>", r->queue_id, "</code>");
    if (r->decided) {
        add_tag(s, "<br><span class=\"done\">", w->decided, ": ");
        add_tag(s, "", r->decided, "</span>");
    } else if (r->links[0]) {
        const char *label[] = { w->release, w->delete, w->block, w->notphish };

        for (size_t i = 0; i < G_N_ELEMENTS(r->links); i++) {
            add_tag(s, "<br><a class=\"act\" href=\"", r->links[i], "\">");
            add_tag(s, "", label[i], "</a>");
        }
    }
    g_string_append(s, "</td></tr>\n");
}

/* html_rows - a heading and a table of the rows of one list */
static void html_rows(GString *s, const struct lw_config *cfg, const struct words *w,
                      const struct lw_digest *d, GPtrArray *entries,
                      const char *heading, unsigned *n, int expiring)
{
    add_tag(s, "<h2>", heading, "</h2>\n<table>\n<tr><th></th>");
    add_tag(s, "<th>", w->score, "</th>");
    add_tag(s, "<th>", w->from, "</th>");
    add_tag(s, "<th>", w->subject, " / ");
    add_tag(s, "", w->reasons, "</th>");
    add_tag(s, "<th>", w->to, " / ");
    add_tag(s, "", w->held, "</th>");
    add_tag(s, "<th>", w->queue_id, "</th></tr>\n");
    for (guint i = 0; i < entries->len; i++) {
        struct row r;

        row_init(&r, cfg, g_ptr_array_index(entries, i), d, ++*n, expiring);
        html_row(s, w, &r);
        row_free(&r);
    }
    g_string_append(s, "</table>\n");
}

/* One style sheet in the head (a digest of hundreds of rows stays small); no external resource. */
#define STYLE "<style>\n" \
    "body{font-family:'Noto Sans CJK TC','Microsoft JhengHei','PingFang TC',Arial,sans-serif;" \
    "background:#f6f6f6;color:#222;margin:0;padding:12px}\n" \
    ".page{max-width:1200px;margin:auto} h1{font-size:20px;margin:2px 0 8px 0} p{margin:3px 0;font-size:14px}\n" \
    "h2{font-size:16px;margin:14px 0 6px 0} .foot{color:#777;font-size:12px} .how{color:#555;font-size:13px}\n" \
    "table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}\n" \
    "th{text-align:left;color:#555;font-weight:normal;border-bottom:2px solid #c62828;padding:3px 6px}\n" \
    "td{vertical-align:top;padding:3px 6px;border-bottom:1px solid #e4e4e4}\n" \
    "tr.old td{background:#fff8e1} td.n{color:#999} td.score{font-weight:bold;color:#c62828}\n" \
    ".addr,.why,.to{color:#666;font-size:12px} .subj{font-weight:bold}\n" \
    "td.from{max-width:260px} td.to{white-space:nowrap} .done{color:#2e7d32;font-size:12px}\n" \
    "code{background:#f3f3f3;padding:1px 3px;font-size:12px}\n" \
    "</style>\n"

/* lw_digest_html - a self-contained page: one style sheet, no links, no images, CSP none */
char *lw_digest_html(const struct lw_config *cfg, const struct lw_digest *d)
{
    GString *s = g_string_new(NULL);
    GPtrArray *lines = summary(cfg, d);
    char *t = title(cfg, d), *keep = NULL, *how, *review;
    struct words w;
    unsigned n = 0;

    words_init(&w, cfg);
    how = how_to(&w, d);
    g_string_append(s, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
                       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                       "style-src 'unsafe-inline'\">\n<title>");
    add_esc(s, t);
    g_string_append(s, "</title>\n");
    g_string_append(s, STYLE);
    g_string_append(s, "</head>\n<body>\n<div class=\"page\">\n<h1>");
    add_esc(s, t);
    g_string_append(s, "</h1>\n");
    for (guint i = 0; i < lines->len; i++)
        add_tag(s, "<p>", g_ptr_array_index(lines, i), "</p>\n");
    add_tag(s, "<p class=\"how\"><code>", how, "</code></p>\n");
    if ((review = review_link(cfg, d)) != NULL) {
        add_tag(s, "<p class=\"how\"><a href=\"", review, "\">");
        add_tag(s, "", w.review, "</a></p>\n");
    }
    if (d->fresh->len)
        html_rows(s, cfg, &w, d, d->fresh, fresh_heading(cfg, &keep), &n, 0);
    if (d->expiring->len)
        html_rows(s, cfg, &w, d, d->expiring, expiring_heading(cfg, &keep), &n, 1);
    g_string_append(s, "<p class=\"foot\">lurewatch-report</p>\n</div></body></html>\n");
    words_free(&w);
    g_ptr_array_unref(lines);
    g_free(how);
    g_free(review);
    g_free(t);
    g_free(keep);
    return g_string_free(s, FALSE);
}

/* ---- MIME ---- */

static GMimeTextPart *text_part(const char *subtype, const char *text)
{
    GMimeTextPart *p = g_mime_text_part_new_with_subtype(subtype);

    g_mime_text_part_set_text(p, text);
    g_mime_text_part_set_charset(p, "utf-8");
    g_mime_part_set_content_encoding(GMIME_PART(p), GMIME_CONTENT_ENCODING_BASE64);
    return p;
}

/* new_message - headers common to every report mail */
static GMimeMessage *new_message(const struct lw_config *cfg, const char *to, const char *subject)
{
    GMimeMessage *m = g_mime_message_new(TRUE);
    GDateTime *now = g_date_time_new_now_local();
    char *id = g_mime_utils_generate_message_id(g_get_host_name());

    g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, "lurewatch", cfg->report_from);
    g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, NULL, to);
    g_mime_message_set_subject(m, subject, "utf-8");
    g_mime_message_set_date(m, now);
    g_mime_message_set_message_id(m, id);
    g_mime_object_set_header(GMIME_OBJECT(m), "Auto-Submitted", "auto-generated", NULL);
    g_mime_object_set_header(GMIME_OBJECT(m), "X-Lurewatch-Report", "digest", NULL);
    g_date_time_unref(now);
    g_free(id);
    return m;
}

/* attach_original - message/rfc822, never inline */
static void attach_original(GMimeMultipart *mixed, GMimeMessage *orig, const char *queue_id)
{
    GMimeMessagePart *mp = g_mime_message_part_new_with_message("rfc822", orig);
    char *name = g_strdup_printf("held-%s.eml", queue_id);
    GMimeContentDisposition *disp = g_mime_content_disposition_new();

    g_mime_content_disposition_set_disposition(disp, GMIME_DISPOSITION_ATTACHMENT);
    g_mime_content_disposition_set_parameter(disp, "filename", name);
    g_mime_object_set_content_disposition(GMIME_OBJECT(mp), disp);
    g_mime_multipart_add(mixed, GMIME_OBJECT(mp));
    g_object_unref(disp);
    g_object_unref(mp);
    g_free(name);
}

/* lw_digest_build - the digest mail to d->to */
GMimeMessage *lw_digest_build(const struct lw_config *cfg, const struct lw_digest *d)
{
    char *subject = title(cfg, d), *text = digest_text(cfg, d), *html = lw_digest_html(cfg, d);
    GMimeMessage *m = new_message(cfg, d->to, subject);
    GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
    GMimeTextPart *tp = text_part("plain", text), *hp = text_part("html", html);
    int attach = 0;

    g_mime_multipart_add(alt, GMIME_OBJECT(tp));
    g_mime_multipart_add(alt, GMIME_OBJECT(hp));
    for (guint i = 0; d->originals && i < d->originals->len; i++)
        attach |= g_ptr_array_index(d->originals, i) != NULL;
    if (attach) {
        GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");

        g_mime_multipart_add(mixed, GMIME_OBJECT(alt));
        for (guint i = 0; i < d->originals->len; i++) {
            GMimeMessage *orig = g_ptr_array_index(d->originals, i);

            if (orig)
                attach_original(mixed, orig,
                                ((struct lw_qentry *) g_ptr_array_index(d->fresh, i))->queue_id);
        }
        g_mime_message_set_mime_part(m, GMIME_OBJECT(mixed));
        g_object_unref(mixed);
    } else {
        g_mime_message_set_mime_part(m, GMIME_OBJECT(alt));
    }
    g_object_unref(tp);
    g_object_unref(hp);
    g_object_unref(alt);
    g_free(subject);
    g_free(text);
    g_free(html);
    return m;
}

/* lw_notice_build - tell one recipient that a message to them is held */
GMimeMessage *lw_notice_build(const struct lw_config *cfg, const char *rcpt,
                              const struct lw_qentry *e, const char *reviewer)
{
    char *from = lw_safe_text(e->from, MAX_VALUE), *subj = lw_safe_text(e->subject, MAX_VALUE);
    char *when = lw_qtime_format(e->held_at, 0), *who = lw_safe_text(reviewer ? reviewer : "", 200);
    GString *s = g_string_new(NULL);
    const char *subject;
    GMimeMessage *m;
    GMimeTextPart *tp;

    if (cfg->report_language != LW_LANG_EN)
        g_string_append_printf(s, "一封寄給您的郵件因疑似惡意而被暫時隔離，等待資安人員審查。\n"
                                  "寄件者：%s\n主旨：%s\n隔離時間：%s\n參考編號：%s\n"
                                  "若您正在等待這封郵件，請聯絡 %s 並告知參考編號。\n\n",
                               from, subj, when, e->queue_id, *who ? who : "資安人員");
    if (cfg->report_language != LW_LANG_ZH_TW)
        g_string_append_printf(s, "A message addressed to you was held as suspicious and awaits review.\n"
                                  "From: %s\nSubject: %s\nHeld: %s\nReference: %s\n"
                                  "If you expect this message, contact %s with the reference.\n",
                               from, subj, when, e->queue_id, *who ? who : "your security team");
    subject = cfg->report_language == LW_LANG_ZH_TW ? "郵件隔離通知"
            : cfg->report_language == LW_LANG_EN ? "A message to you was held for review"
            : "郵件隔離通知 A message to you was held for review";
    m = new_message(cfg, rcpt, subject);
    g_mime_object_set_header(GMIME_OBJECT(m), "X-Lurewatch-Report", "notice", NULL);
    tp = text_part("plain", s->str);
    g_mime_message_set_mime_part(m, GMIME_OBJECT(tp));
    g_object_unref(tp);
    g_string_free(s, TRUE);
    g_free(from);
    g_free(subj);
    g_free(when);
    g_free(who);
    return m;
}
