/*
 * report_mail.c - the quarantine digest and recipient notice, as mail
 *
 * DESCRIPTION
 *     lw_digest_build() makes one digest for one reviewer: every message
 *     held since the last digest (when, from, to, subject, score, the
 *     reasons in plain words, the indicators, and the exact commands to
 *     release or delete it), then the messages still held past
 *     report_expire_days. The mail is multipart/alternative, text/plain
 *     then text/html, in Traditional Chinese, English, or both
 *     (report_language). With report_attach_original = yes the whole is
 *     wrapped in multipart/mixed with each held message as a
 *     message/rfc822 attachment (Content-Disposition: attachment).
 *     lw_notice_build() makes the short text/plain notice to a recipient.
 *
 * SECURITY
 *     Every value in a report comes from an attacker. It is made printable
 *     (control characters removed, UTF-8 repaired, capped), then defanged
 *     (lw_defang: hxxp://, hxxps://, fxp://, and [.] in every host-like
 *     token, so no client turns it into a link), then, for HTML, escaped
 *     with g_markup_escape_text. The HTML has no links, no images, no
 *     scripts, and a Content-Security-Policy of default-src 'none' with
 *     its own style sheet only, so even a mistake here cannot fetch anything.
 *     Nothing from the held message is attached unless configured.
 *
 * LIMITS
 *     Host names written with ideographic full stops (。) are not defanged.
 */
#include "config.h"

#include <string.h>

#include "util/log.h"
#include "review/report_mail.h"

#define MAX_VALUE 400
#define MAX_EVIDENCE 200

/* ---- text safety ---- */

static int run_char(unsigned char c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c >= 0x80;
}

/* host_like - a run "a.b" whose last label looks like a TLD or file extension, or an IPv4 */
static int host_like(const char *run, size_t n)
{
    size_t end = n, dot, digits = 0, dots = 0;

    while (end > 0 && run[end - 1] == '.')
        end--;
    for (size_t i = 0; i < end; i++) {
        dots += run[i] == '.';
        digits += g_ascii_isdigit(run[i]) != 0;
    }
    if (dots == 0)
        return 0;
    if (dots == 3 && digits + dots == end)
        return 1;       /* 192.0.2.1 */
    for (dot = end; dot > 0 && run[dot - 1] != '.'; dot--)
        ;
    if (end - dot < 2)
        return 0;
    for (size_t i = dot; i < end; i++)
        if (g_ascii_isdigit(run[i]))
            return 0;   /* "v2.0", "3.14" */
    return 1;
}

/* defang_run - copy a run, with [.] for dots between label characters when host-like */
static void defang_run(GString *out, const char *run, size_t n)
{
    int host = host_like(run, n);

    for (size_t i = 0; i < n; i++) {
        if (host && run[i] == '.' && i > 0 && i + 1 < n && run[i - 1] != '.' && run[i + 1] != '.')
            g_string_append(out, "[.]");
        else
            g_string_append_c(out, run[i]);
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

/* safe_text - printable, capped, defanged (g_free) */
static char *safe_text(const char *s, size_t max)
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
    char *keep[17];
    const char *when, *from, *env_from, *to, *subject, *score, *reasons, *indicators,
        *release, *delete, *show, *queue_id, *held_days, *date, *decided, *why;
};

static void words_init(struct words *w, const struct lw_config *cfg)
{
    memset(w, 0, sizeof(*w));
    w->when = L(cfg, "隔離時間", "Held", &w->keep[0]);
    w->from = L(cfg, "寄件者", "From", &w->keep[1]);
    w->env_from = L(cfg, "信封寄件者", "Envelope sender", &w->keep[2]);
    w->to = L(cfg, "收件者", "To", &w->keep[3]);
    w->subject = L(cfg, "主旨", "Subject", &w->keep[4]);
    w->score = L(cfg, "分數", "Score", &w->keep[5]);
    w->reasons = L(cfg, "原因", "Reasons", &w->keep[6]);
    w->indicators = L(cfg, "指標", "Indicators", &w->keep[7]);
    w->release = L(cfg, "放行（確認為正常郵件）", "Release (legitimate mail)", &w->keep[8]);
    w->delete = L(cfg, "刪除（惡意或不需要）", "Delete (malicious or unwanted)", &w->keep[9]);
    w->show = L(cfg, "查看", "Show", &w->keep[10]);
    w->queue_id = L(cfg, "佇列編號", "Queue ID", &w->keep[11]);
    w->held_days = L(cfg, "已隔離天數", "Days held", &w->keep[12]);
    w->date = L(cfg, "郵件日期", "Date header", &w->keep[13]);
    w->decided = L(cfg, "已處理", "Already decided", &w->keep[14]);
    w->why = L(cfg, "判定依據", "Why", &w->keep[15]);
}

static void words_free(struct words *w)
{
    for (size_t i = 0; i < G_N_ELEMENTS(w->keep); i++)
        g_free(w->keep[i]);
}

/* intro - the paragraphs above the list, one per language */
static GPtrArray *intro(const struct lw_config *cfg, const struct lw_digest *d)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    guint fresh = d->fresh->len, old = d->expiring->len;
    long long days = cfg->report_expire_days;

    if (cfg->report_language != LW_LANG_EN) {
        g_ptr_array_add(lines, g_strdup_printf("自上次摘要以來有 %u 封郵件被隔離，%u 封已隔離超過 %lld 天仍待處理。",
                                               fresh, old, days));
        g_ptr_array_add(lines, g_strdup("被隔離的郵件仍在郵件伺服器的暫存佇列中，收件者尚未收到。"
                                        "請確認後放行正常郵件，刪除其餘郵件。"
                                        "網址已加以處理（hxxp、[.]），請勿開啟。"));
    }
    if (cfg->report_language != LW_LANG_ZH_TW) {
        g_ptr_array_add(lines, g_strdup_printf("%u message(s) held since the last digest; %u held for more than "
                                               "%lld days still await a decision.", fresh, old, days));
        g_ptr_array_add(lines, g_strdup("Held messages wait in the mail server's hold queue: the recipients "
                                        "have not received them. Release legitimate mail, delete the rest. "
                                        "Links are defanged (hxxp, [.]): do not visit them."));
    }
    return lines;
}

static char *join_rcpts(const struct lw_qentry *e)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < e->rcpts->len; i++)
        g_string_append_printf(s, "%s%s", i ? ", " : "", (char *) g_ptr_array_index(e->rcpts, i));
    return g_string_free(s, FALSE);
}

/* One entry's values, already made safe (printable + defanged), not yet HTML-escaped. */
struct entry_view {
    char *queue_id, *when, *from, *sender, *to, *subject, *date, *score, *release, *delete, *show;
    GPtrArray *why;         /* char*: the evidence and the threshold (lw_verdict_explain_why) */
    char *decided;          /* "released by X at T", or NULL while held */
    GPtrArray *reasons;     /* char* */
    GPtrArray *indicators;  /* char* */
    long long days;
};

/* safe_lines - the non-empty lines of text (may be NULL), each made safe (char*) */
static GPtrArray *safe_lines(const char *text)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    gchar **lines = g_strsplit(text ? text : "", "\n", -1);

    for (guint i = 0; lines[i]; i++)
        if (*lines[i])
            g_ptr_array_add(out, safe_text(lines[i], MAX_VALUE));
    g_strfreev(lines);
    return out;
}

static void view_init(struct entry_view *v, const struct lw_qentry *e, const struct lw_digest *d)
{
    char *to = join_rcpts(e);

    memset(v, 0, sizeof(*v));
    v->queue_id = g_strdup(e->queue_id);    /* validated: letters and digits */
    v->when = lw_qtime_format(e->held_at, 0);
    v->from = safe_text(e->from, MAX_VALUE);
    v->sender = safe_text(e->sender, MAX_VALUE);
    v->to = safe_text(to, MAX_VALUE);
    v->subject = safe_text(e->subject, MAX_VALUE);
    v->date = safe_text(e->date, 100);
    v->score = g_strdup_printf("%.1f", e->score);
    v->why = safe_lines(e->why);
    v->release = g_strdup_printf("%s release %s", d->tool, e->queue_id);
    v->delete = g_strdup_printf("%s delete %s", d->tool, e->queue_id);
    v->show = g_strdup_printf("%s list %s", d->tool, e->queue_id);
    v->days = (d->now - e->held_at) / (G_USEC_PER_SEC * 86400LL);
    if (!lw_qentry_is_held(e)) {
        char *at = lw_qtime_format(e->decided_at, 0), *by = safe_text(e->decided_by, 100);

        v->decided = g_strdup_printf("%s, %s, %s", e->decision, by, at);
        g_free(at);
        g_free(by);
    }
    v->reasons = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < e->hits->len; i++) {
        const struct lw_qhit *h = g_ptr_array_index(e->hits, i);
        char *desc = safe_text(h->description, MAX_VALUE);
        char *ev = h->evidence && *h->evidence ? safe_text(h->evidence, MAX_EVIDENCE) : NULL;

        g_ptr_array_add(v->reasons, g_strdup_printf("%s [%s%s%s %.1f]%s%s", desc, h->rule,
                                                    h->cls && *h->cls ? " " : "", h->cls ? h->cls : "",
                                                    h->score, ev ? " — " : "", ev ? ev : ""));
        g_free(desc);
        g_free(ev);
    }
    v->indicators = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < e->indicators->len; i++) {
        const struct lw_indicator *ind = g_ptr_array_index(e->indicators, i);
        char *val = safe_text(ind->value, MAX_VALUE);

        g_ptr_array_add(v->indicators, g_strdup_printf("%s: %s", lw_ioc_type_name(ind->type), val));
        g_free(val);
    }
    g_free(to);
}

static void view_free(struct entry_view *v)
{
    g_free(v->queue_id);
    g_free(v->when);
    g_free(v->from);
    g_free(v->sender);
    g_free(v->to);
    g_free(v->subject);
    g_free(v->date);
    g_free(v->score);
    g_free(v->release);
    g_free(v->delete);
    g_free(v->show);
    g_free(v->decided);
    g_ptr_array_unref(v->reasons);
    g_ptr_array_unref(v->why);
    g_ptr_array_unref(v->indicators);
}

/* ---- text/plain ---- */

static void text_entry(GString *s, const struct words *w, const struct lw_qentry *e,
                       const struct lw_digest *d, unsigned n, int expiring)
{
    struct entry_view v;

    view_init(&v, e, d);
    g_string_append_printf(s, "[%u] %s %s\n", n, w->queue_id, v.queue_id);
    g_string_append_printf(s, "    %s: %s\n", w->when, v.when);
    if (expiring)
        g_string_append_printf(s, "    %s: %lld\n", w->held_days, v.days);
    g_string_append_printf(s, "    %s: %s\n", w->from, v.from);
    g_string_append_printf(s, "    %s: %s\n", w->env_from, v.sender);
    g_string_append_printf(s, "    %s: %s\n", w->to, v.to);
    g_string_append_printf(s, "    %s: %s\n", w->subject, v.subject);
    g_string_append_printf(s, "    %s: %s\n", w->date, v.date);
    g_string_append_printf(s, "    %s: %s\n", w->score, v.score);
    if (v.why->len)
        g_string_append_printf(s, "    %s:\n", w->why);
    for (guint i = 0; i < v.why->len; i++)
        g_string_append_printf(s, "      %s\n", (char *) g_ptr_array_index(v.why, i));
    g_string_append_printf(s, "    %s:\n", w->reasons);
    for (guint i = 0; i < v.reasons->len; i++)
        g_string_append_printf(s, "      - %s\n", (char *) g_ptr_array_index(v.reasons, i));
    if (v.indicators->len)
        g_string_append_printf(s, "    %s:\n", w->indicators);
    for (guint i = 0; i < v.indicators->len; i++)
        g_string_append_printf(s, "      - %s\n", (char *) g_ptr_array_index(v.indicators, i));
    if (v.decided) {
        g_string_append_printf(s, "    %s: %s\n\n", w->decided, v.decided);
    } else {
        g_string_append_printf(s, "    %s:\n        %s\n", w->release, v.release);
        g_string_append_printf(s, "    %s:\n        %s\n\n", w->delete, v.delete);
    }
    view_free(&v);
}

static char *title(const struct lw_config *cfg, const struct lw_digest *d)
{
    const char *inst = *cfg->instance_name ? cfg->instance_name : g_get_host_name();
    char *safe = safe_text(inst, 100), *t;

    if (cfg->report_language == LW_LANG_ZH_TW)
        t = g_strdup_printf("隔離郵件摘要：%u 封新隔離（%s）", d->fresh->len, safe);
    else if (cfg->report_language == LW_LANG_EN)
        t = g_strdup_printf("Quarantine digest: %u newly held (%s)", d->fresh->len, safe);
    else
        t = g_strdup_printf("隔離郵件摘要 Quarantine digest: %u 封新隔離 newly held (%s)", d->fresh->len, safe);
    g_free(safe);
    return t;
}

static const char *expiring_heading(const struct lw_config *cfg, char **keep)
{
    return L(cfg, "隔離過久、即將逾期的郵件（請儘速決定）", "Held too long: expiring, please decide", keep);
}

static const char *fresh_heading(const struct lw_config *cfg, char **keep)
{
    return L(cfg, "新隔離的郵件", "Newly held messages", keep);
}

static char *digest_text(const struct lw_config *cfg, const struct lw_digest *d)
{
    GString *s = g_string_new(NULL);
    GPtrArray *lines = intro(cfg, d);
    char *t = title(cfg, d), *keep = NULL;
    struct words w;
    unsigned n = 0;

    words_init(&w, cfg);
    g_string_append_printf(s, "%s\n\n", t);
    for (guint i = 0; i < lines->len; i++)
        g_string_append_printf(s, "%s\n", (char *) g_ptr_array_index(lines, i));
    g_string_append_printf(s, "\n== %s ==\n\n", fresh_heading(cfg, &keep));
    for (guint i = 0; i < d->fresh->len; i++)
        text_entry(s, &w, g_ptr_array_index(d->fresh, i), d, ++n, 0);
    if (d->expiring->len) {
        g_string_append_printf(s, "== %s ==\n\n", expiring_heading(cfg, &keep));
        for (guint i = 0; i < d->expiring->len; i++)
            text_entry(s, &w, g_ptr_array_index(d->expiring, i), d, ++n, 1);
    }
    g_string_append(s, "-- \nlurewatch-report\n");
    words_free(&w);
    g_ptr_array_unref(lines);
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

static void html_row(GString *s, const char *label, const char *value, int code)
{
    add_tag(s, "<tr><th>", label, code ? "</th><td><code>" : "</th><td>");
    add_tag(s, "", value, code ? "</code></td></tr>\n" : "</td></tr>\n");
}

static void html_list_row(GString *s, const char *label, GPtrArray *items)
{
    if (items->len == 0)
        return;
    add_tag(s, "<tr><th>", label, "</th><td><ul>");
    for (guint i = 0; i < items->len; i++)
        add_tag(s, "<li>", g_ptr_array_index(items, i), "</li>");
    g_string_append(s, "</ul></td></tr>\n");
}

static void html_entry(GString *s, const struct words *w, const struct lw_qentry *e,
                       const struct lw_digest *d, unsigned n, int expiring)
{
    struct entry_view v;
    char num[64];

    view_init(&v, e, d);
    g_string_append_printf(s, "<div class=\"entry%s\">\n<h3>[%u] ", expiring ? " expiring" : "", n);
    add_esc(s, v.subject);
    g_string_append(s, "</h3>\n<table>\n");
    html_row(s, w->queue_id, v.queue_id, 1);
    html_row(s, w->when, v.when, 0);
    if (expiring) {
        g_snprintf(num, sizeof(num), "%lld", v.days);
        html_row(s, w->held_days, num, 0);
    }
    html_row(s, w->from, v.from, 0);
    html_row(s, w->env_from, v.sender, 0);
    html_row(s, w->to, v.to, 0);
    html_row(s, w->subject, v.subject, 0);
    html_row(s, w->date, v.date, 0);
    html_row(s, w->score, v.score, 0);
    if (v.why->len)
        html_list_row(s, w->why, v.why);
    html_list_row(s, w->reasons, v.reasons);
    html_list_row(s, w->indicators, v.indicators);
    if (v.decided) {
        html_row(s, w->decided, v.decided, 0);
    } else {
        html_row(s, w->release, v.release, 1);
        html_row(s, w->delete, v.delete, 1);
    }
    g_string_append(s, "</table>\n</div>\n");
    view_free(&v);
}

/* One style sheet in the head (a digest of hundreds of entries stays small); no external resource. */
#define STYLE "<style>\n" \
    "body{font-family:'Noto Sans CJK TC','Microsoft JhengHei','PingFang TC',Arial,sans-serif;" \
    "background:#f6f6f6;color:#222;margin:0;padding:16px}\n" \
    ".page{max-width:1000px;margin:auto} h1{font-size:22px;margin:4px 0 10px 0} p{margin:4px 0}\n" \
    "h2{font-size:18px;margin-top:18px} .foot{color:#777;font-size:12px}\n" \
    ".entry{border:1px solid #c62828;border-left:6px solid #c62828;margin:14px 0;padding:10px 14px;background:#fff}\n" \
    ".entry.expiring{border-color:#e0b000} h3{margin:0 0 8px 0;font-size:16px}\n" \
    "table{border-collapse:collapse;font-size:14px}\n" \
    "th{text-align:left;vertical-align:top;padding:3px 10px 3px 0;color:#555;font-weight:normal;white-space:nowrap}\n" \
    "td{padding:3px 0} ul{margin:0;padding-left:18px} code{background:#f3f3f3;padding:2px 4px;font-size:13px}\n" \
    "</style>\n"

/* lw_digest_html - a self-contained page: one style sheet, no links, no images, CSP none */
char *lw_digest_html(const struct lw_config *cfg, const struct lw_digest *d)
{
    GString *s = g_string_new(NULL);
    GPtrArray *lines = intro(cfg, d);
    char *t = title(cfg, d), *keep = NULL;
    struct words w;
    unsigned n = 0;

    words_init(&w, cfg);
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
    add_tag(s, "<h2>", fresh_heading(cfg, &keep), "</h2>\n");
    for (guint i = 0; i < d->fresh->len; i++)
        html_entry(s, &w, g_ptr_array_index(d->fresh, i), d, ++n, 0);
    if (d->expiring->len) {
        add_tag(s, "<h2>", expiring_heading(cfg, &keep), "</h2>\n");
        for (guint i = 0; i < d->expiring->len; i++)
            html_entry(s, &w, g_ptr_array_index(d->expiring, i), d, ++n, 1);
    }
    g_string_append(s, "<p class=\"foot\">lurewatch-report</p>\n</div></body></html>\n");
    words_free(&w);
    g_ptr_array_unref(lines);
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
    char *from = safe_text(e->from, MAX_VALUE), *subj = safe_text(e->subject, MAX_VALUE);
    char *when = lw_qtime_format(e->held_at, 0), *who = safe_text(reviewer ? reviewer : "", 200);
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
