/*
 * pages.c - the HTML of lurewatch-review
 *
 * DESCRIPTION
 *     Four pages: a notice (a result or a refusal), the confirmation a
 *     signed link opens (what would happen to which message, and a button
 *     that POSTs), the review page of one reviewer (held messages as
 *     compact rows with batch release and delete, then the audit trail),
 *     and the preview of one message (the full explanation and its text).
 *     Words follow report_language (zh-TW, en, or both), as the digest's.
 *
 * SECURITY
 *     Every value from mail is made printable (lw_printable), defanged
 *     (lw_defang: hxxp://, [.]) and HTML-escaped. The body preview is the
 *     text the message model extracted (HTML reduced to what a reader
 *     sees), never the HTML itself. Pages carry no script, no image, no
 *     link off the service; the HTTP layer adds a Content-Security-Policy
 *     of default-src 'none'. Links and forms are relative, so the service
 *     works behind a reverse proxy at any path.
 */
#include "config.h"

#include <string.h>

#include "util/log.h"
#include "review/report_mail.h"
#include "review/service/pages.h"

#define MAX_VALUE 300
#define MAX_PREVIEW 20000

/* ---- building blocks ---- */

static void esc(GString *s, const char *text)
{
    char *e = g_markup_escape_text(text, -1);

    g_string_append(s, e);
    g_free(e);
}

/* add_safe - attacker text, made safe, then escaped */
static void add_safe(GString *s, const char *text, size_t max)
{
    char *v = lw_safe_text(text, max);

    esc(s, v);
    g_free(v);
}

/* add_printable - a reviewer's name (from a signed link or the proxy: ours, not defanged), escaped */
static void add_printable(GString *s, const char *text, size_t max)
{
    char *v = lw_printable(text, max);

    esc(s, v);
    g_free(v);
}

/* add_lines - a text of many lines, each made safe and escaped, up to max bytes in all */
static void add_lines(GString *s, const char *text, size_t max)
{
    gchar **lines = g_strsplit(text ? text : "", "\n", -1);
    size_t used = 0;

    for (guint i = 0; lines[i] && used < max; i++) {
        add_safe(s, g_strchomp(lines[i]), max - used);
        g_string_append_c(s, '\n');
        used += strlen(lines[i]) + 1;
    }
    if (lines[0] && used >= max)
        g_string_append(s, "...\n");
    g_strfreev(lines);
}

/* word - a label in report_language ("zh en" for both), escaped */
static void word(GString *s, const struct lw_config *cfg, const char *zh, const char *en)
{
    if (cfg->report_language != LW_LANG_EN)
        esc(s, zh);
    if (cfg->report_language == LW_LANG_BOTH)
        g_string_append_c(s, ' ');
    if (cfg->report_language != LW_LANG_ZH_TW)
        esc(s, en);
}

/* A column heading in both languages; zh NULL: an empty heading. */
struct heading {
    const char *zh, *en;
};

/* heading_row - a table's row of column headings */
static void heading_row(GString *s, const struct lw_config *cfg, const struct heading *h, size_t n)
{
    g_string_append(s, "<tr>");
    for (size_t i = 0; i < n; i++) {
        g_string_append(s, "<th>");
        if (h[i].zh)
            word(s, cfg, h[i].zh, h[i].en);
        g_string_append(s, "</th>");
    }
    g_string_append(s, "</tr>\n");
}

/* hidden - a hidden form field */
static void hidden(GString *s, const char *name, const char *value)
{
    g_string_append_printf(s, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    esc(s, value);
    g_string_append(s, "\">\n");
}

#define STYLE "<style>\n" \
    "body{font-family:'Noto Sans CJK TC','Microsoft JhengHei','PingFang TC',Arial,sans-serif;" \
    "background:#f6f6f6;color:#222;margin:0;padding:16px}\n" \
    ".page{max-width:1100px;margin:auto} h1{font-size:21px;margin:4px 0 10px 0} h2{font-size:17px;margin-top:20px}\n" \
    "table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}\n" \
    "th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid #e4e4e4}\n" \
    "th{color:#555;font-weight:normal;white-space:nowrap} .score{font-weight:bold;color:#b71c1c}\n" \
    ".who{color:#555} .why{color:#444;font-size:13px} .box{background:#fff;border:1px solid #ccc;padding:12px 16px}\n" \
    "pre{white-space:pre-wrap;word-break:break-word;background:#fafafa;border:1px solid #ddd;padding:10px;font-size:13px}\n" \
    "button{font-size:15px;padding:6px 14px;margin:8px 8px 0 0} .danger{background:#c62828;color:#fff;border:0}\n" \
    ".foot{color:#777;font-size:12px;margin-top:18px}\n" \
    "</style>\n"

static GString *page_open(const char *title)
{
    GString *s = g_string_new("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
                              "<meta name=\"referrer\" content=\"no-referrer\">\n<title>");

    esc(s, title);
    g_string_append(s, "</title>\n" STYLE "</head>\n<body><div class=\"page\">\n<h1>");
    esc(s, title);
    g_string_append(s, "</h1>\n");
    return s;
}

static char *page_close(GString *s)
{
    g_string_append(s, "<p class=\"foot\">lurewatch-review</p>\n</div></body></html>\n");
    return g_string_free(s, FALSE);
}

/* action_words - what an action does, in words */
static void action_words(GString *s, const struct lw_config *cfg, const char *action)
{
    if (strcmp(action, "release") == 0)
        word(s, cfg, "放行：將郵件送達收件者", "Release: deliver the message to its recipients");
    else if (strcmp(action, "delete") == 0)
        word(s, cfg, "刪除：自暫存佇列移除", "Delete: remove the message from the hold queue");
    else if (strcmp(action, "block") == 0)
        word(s, cfg, "封鎖寄件者：刪除郵件並封鎖寄件者地址", "Block sender: delete the message and block its sender");
    else if (strcmp(action, "notphish") == 0)
        word(s, cfg, "非釣魚郵件：放行並回報誤判", "Not phishing: deliver it and report the rules were wrong");
    else
        esc(s, action);
}

/* reasons - up to max of the reasons in plain words (lw_reasons_plain), "; "-joined */
static void reasons(GString *s, const struct lw_qentry *e, guint max)
{
    GPtrArray *all = lw_reasons_plain(e);

    for (guint i = 0; i < all->len && i < max; i++) {
        if (i)
            g_string_append(s, "; ");
        add_safe(s, g_ptr_array_index(all, i), MAX_VALUE);
    }
    if (all->len > max)
        g_string_append_printf(s, " (+%u)", all->len - max);
    g_ptr_array_unref(all);
}

/* row_cells - score; display name over address (and envelope sender when another); subject over reasons */
static void row_cells(GString *s, const struct lw_qentry *e)
{
    g_string_append_printf(s, "<td class=\"score\">%.1f</td><td><b>", e->score);
    add_safe(s, *e->from_name ? e->from_name : e->from, MAX_VALUE);
    g_string_append(s, "</b><br><span class=\"who\">");
    add_safe(s, *e->from_name ? e->from : "", MAX_VALUE);
    if (strcmp(e->sender, e->from) != 0) {
        g_string_append(s, *e->from_name ? " (" : "(");
        add_safe(s, e->sender, MAX_VALUE);
        g_string_append(s, ")");
    }
    g_string_append(s, "</span></td><td>");
    add_safe(s, e->subject, MAX_VALUE);
    g_string_append(s, "<br><span class=\"why\">");
    reasons(s, e, 4);
    g_string_append(s, "</span></td>");
}

/* ---- pages ---- */

char *lw_page_notice(const struct lw_config *cfg, const char *title, const char *text)
{
    GString *s = page_open(title);

    (void) cfg;
    g_string_append(s, "<p class=\"box\">");
    esc(s, text);
    g_string_append(s, "</p>\n");
    return page_close(s);
}

static const struct heading confirm_headings[] = {
    { "佇列編號", "Queue ID" }, { "分數", "Score" }, { "寄件者", "From" }, { "主旨與原因", "Subject and reasons" },
};

char *lw_page_confirm(const struct lw_config *cfg, const struct lw_qentry *e, const char *queue_id,
                      const char *action, const char *token, const char *csrf)
{
    GString *title = g_string_new(NULL), *s;

    word(title, cfg, "確認", "Confirm");
    s = page_open(title->str);
    g_string_append(s, "<p class=\"box\"><b>");
    action_words(s, cfg, action);
    g_string_append(s, "</b></p>\n<table>\n");
    heading_row(s, cfg, confirm_headings, G_N_ELEMENTS(confirm_headings));
    g_string_append(s, "<tr><td><code>");
    esc(s, queue_id);
    g_string_append(s, "</code></td>");
    if (e)
        row_cells(s, e);
    else
        g_string_append(s, "<td colspan=\"3\">(no record of this message)</td>");
    g_string_append(s, "</tr>\n</table>\n<form method=\"post\" action=\"a\">\n");
    hidden(s, "t", token);
    hidden(s, "csrf", csrf);
    g_string_append(s, "<button type=\"submit\" class=\"danger\">");
    word(s, cfg, "確認執行", "Confirm");
    g_string_append(s, "</button>\n</form>\n<p class=\"why\">");
    word(s, cfg, "開啟此頁不會做任何變更；只有按下按鈕才會執行。",
         "Opening this page changed nothing; only the button acts.");
    g_string_append(s, "</p>\n");
    g_string_free(title, TRUE);
    return page_close(s);
}

/* identity_query - "t=TOKEN&" for links of a token-identified reviewer, "" behind the proxy (g_free) */
static char *identity_query(const struct lw_review_view *v)
{
    return v->token ? g_strdup_printf("t=%s&", v->token) : g_strdup("");
}

static void held_rows(GString *s, const struct lw_config *cfg, const struct lw_review_view *v)
{
    char *idq = identity_query(v);

    static const struct heading headings[] = {
        { NULL, NULL }, { "分數", "Score" }, { "寄件者", "From" }, { "主旨與原因", "Subject and reasons" },
        { "隔離時間", "Held" },
    };

    g_string_append(s, "<table>\n");
    heading_row(s, cfg, headings, G_N_ELEMENTS(headings));
    for (guint i = 0; i < v->held->len; i++) {
        const struct lw_qentry *e = g_ptr_array_index(v->held, i);
        char *when = lw_qtime_format(e->held_at, 0);

        g_string_append(s, "<tr><td><input type=\"checkbox\" name=\"q_");
        esc(s, e->queue_id);
        g_string_append(s, "\" value=\"1\"></td>");
        row_cells(s, e);
        g_string_append(s, "<td>");
        esc(s, when);
        g_string_append(s, "<br><a href=\"m?");
        esc(s, idq);
        g_string_append(s, "q=");
        esc(s, e->queue_id);
        g_string_append(s, "\">");
        word(s, cfg, "預覽", "Preview");
        g_string_append(s, "</a></td></tr>\n");
        g_free(when);
    }
    g_string_append(s, "</table>\n");
    g_free(idq);
}

/* page_link - a link to the review page from the held message at offset from */
static void page_link(GString *s, const struct lw_config *cfg, const char *idq, guint from, const char *zh,
                      const char *en)
{
    g_string_append(s, "<p><a href=\"r?");
    esc(s, idq);
    g_string_append_printf(s, "from=%u\">", from);
    word(s, cfg, zh, en);
    g_string_append(s, "</a></p>\n");
}

/* page_links - the previous and next pages of held messages, when there are more than one page */
static void page_links(GString *s, const struct lw_config *cfg, const struct lw_review_view *v)
{
    char *idq = identity_query(v);
    guint shown = v->held->len;

    if (v->offset > 0)
        page_link(s, cfg, idq, v->offset > v->page_size ? v->offset - v->page_size : 0, "上一頁", "Previous");
    if (v->offset + shown < v->total_held)
        page_link(s, cfg, idq, v->offset + shown, "下一頁", "Next");
    g_free(idq);
}

static void audit_rows(GString *s, const struct lw_config *cfg, GPtrArray *decided)
{
    static const struct heading headings[] = {
        { "時間", "When" }, { "處理人", "Who" }, { "決定", "Decision" }, { "佇列編號", "Queue ID" },
        { "主旨", "Subject" },
    };

    g_string_append(s, "<h2>");
    word(s, cfg, "處理紀錄", "Audit trail");
    g_string_append(s, "</h2>\n<table>\n");
    heading_row(s, cfg, headings, G_N_ELEMENTS(headings));
    for (guint i = 0; i < decided->len; i++) {
        const struct lw_qentry *e = g_ptr_array_index(decided, i);
        char *when = lw_qtime_format(e->decided_at, 0);

        g_string_append(s, "<tr><td>");
        esc(s, when);
        g_string_append(s, "</td><td>");
        add_printable(s, e->decided_by, 100);
        g_string_append(s, "</td><td>");
        add_safe(s, e->decision, 40);
        g_string_append(s, "</td><td><code>");
        esc(s, e->queue_id);
        g_string_append(s, "</code></td><td>");
        add_safe(s, e->subject, MAX_VALUE);
        g_string_append(s, "</td></tr>\n");
        g_free(when);
    }
    g_string_append(s, "</table>\n");
}

char *lw_page_review(const struct lw_config *cfg, const struct lw_review_view *v)
{
    GString *title = g_string_new(NULL), *s;

    word(title, cfg, "隔離郵件審查", "Quarantine review");
    g_string_append(title, ": ");
    g_string_append(title, v->reviewer);
    s = page_open(title->str);
    g_string_append_printf(s, "<p>%u ", v->total_held);
    word(s, cfg, "封郵件待處理", "held messages await a decision");
    if (v->total_held > v->held->len)
        g_string_append_printf(s, " (%u&#8211;%u)", v->offset + 1, v->offset + v->held->len);
    g_string_append(s, ".</p>\n<form method=\"post\" action=\"r\">\n");
    if (v->token)
        hidden(s, "t", v->token);
    hidden(s, "csrf", v->csrf);
    held_rows(s, cfg, v);
    g_string_append(s, "<button type=\"submit\" name=\"action\" value=\"release\">");
    word(s, cfg, "放行所選", "Release selected");
    g_string_append(s, "</button><button type=\"submit\" name=\"action\" value=\"delete\" class=\"danger\">");
    word(s, cfg, "刪除所選", "Delete selected");
    g_string_append(s, "</button>\n</form>\n");
    page_links(s, cfg, v);
    audit_rows(s, cfg, v->decided);
    g_string_free(title, TRUE);
    return page_close(s);
}

static void preview_list(GString *s, const struct lw_config *cfg, const char *zh, const char *en, GPtrArray *items)
{
    g_string_append(s, "<h2>");
    word(s, cfg, zh, en);
    g_string_append(s, "</h2>\n<ul>\n");
    for (guint i = 0; i < items->len; i++) {
        g_string_append(s, "<li>");
        esc(s, g_ptr_array_index(items, i));
        g_string_append(s, "</li>\n");
    }
    g_string_append(s, "</ul>\n");
}

char *lw_page_preview(const struct lw_config *cfg, const struct lw_qentry *e, const char *text,
                      const char *back)
{
    GPtrArray *hits = g_ptr_array_new_with_free_func(g_free), *why = g_ptr_array_new_with_free_func(g_free);
    gchar **lines = g_strsplit(e->why ? e->why : "", "\n", -1);
    GString *s;
    char *subject = lw_safe_text(e->subject, MAX_VALUE);

    for (guint i = 0; i < e->hits->len; i++) {
        const struct lw_qhit *h = g_ptr_array_index(e->hits, i);
        char *d = lw_safe_text(h->description, MAX_VALUE), *ev = lw_safe_text(h->evidence, 200);

        g_ptr_array_add(hits, g_strdup_printf("%s (%s, %.1f)%s%s", d, h->rule, h->score, *ev ? " — " : "", ev));
        g_free(d);
        g_free(ev);
    }
    for (guint i = 0; lines[i]; i++)
        if (*lines[i])
            g_ptr_array_add(why, lw_safe_text(lines[i], MAX_VALUE));
    s = page_open(subject);
    g_string_append(s, "<table>\n<tr>");
    row_cells(s, e);
    g_string_append(s, "</tr>\n</table>\n");
    preview_list(s, cfg, "原因", "Reasons", hits);
    preview_list(s, cfg, "判定依據", "Why", why);
    g_string_append(s, "<h2>");
    word(s, cfg, "內文（純文字，網址已處理）", "Text (plain text only, links defanged)");
    g_string_append(s, "</h2>\n<pre>");
    add_lines(s, text, MAX_PREVIEW);
    g_string_append(s, "</pre>\n<p><a href=\"");
    esc(s, back);
    g_string_append(s, "\">");
    word(s, cfg, "返回", "Back");
    g_string_append(s, "</a></p>\n");
    g_strfreev(lines);
    g_ptr_array_unref(hits);
    g_ptr_array_unref(why);
    g_free(subject);
    return page_close(s);
}
