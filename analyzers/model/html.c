/*
 * html.c - tokenize HTML the way a lenient mail client does
 *
 * lw_html_walk() scans HTML once, left to right, and reports start tags
 * (with decoded attributes), end tags and text. It never fails: malformed
 * markup degrades to text, an unterminated tag ends the walk, comments and
 * <!...> declarations are skipped, and the content of <script> and <style>
 * is not reported as text (a reader does not see it). Attackers rely on
 * exactly these corners (split tags, entity-encoded links), so the
 * analyzers that look at links and at visible text share this tokenizer.
 *
 * lw_html_to_text() renders the visible text (lw_html_to_text_tee() also
 * hands every event to a second handler, so that one walk serves both): block elements become line
 * breaks, white space is collapsed. Only what is needed to read the words
 * is done; layout is not.
 *
 * All results are UTF-8 (invalid input bytes are repaired). Thread-safe.
 */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "model/html.h"

struct entity {
    const char *name;
    gunichar c;
};

/* The entities mail HTML actually uses; numeric references cover the rest. */
static const struct entity entities[] = {
    { "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
    { "nbsp", 0xa0 }, { "copy", 0xa9 }, { "reg", 0xae }, { "trade", 0x2122 },
    { "hellip", 0x2026 }, { "mdash", 0x2014 }, { "ndash", 0x2013 }, { "middot", 0xb7 },
    { "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "ldquo", 0x201c }, { "rdquo", 0x201d },
    { "bull", 0x2022 }, { "euro", 0x20ac }, { "pound", 0xa3 }, { "yen", 0xa5 },
    { "laquo", 0xab }, { "raquo", 0xbb }, { "zwnj", 0x200c }, { "zwj", 0x200d },
    { "shy", 0xad }, { "ensp", 0x2002 }, { "emsp", 0x2003 }, { "thinsp", 0x2009 },
    { "colon", ':' }, { "sol", '/' }, { "period", '.' }, { "commat", '@' },
    { "lpar", '(' }, { "rpar", ')' }, { "num", '#' }, { "percnt", '%' },
    { "quest", '?' }, { "equals", '=' }, { "excl", '!' }, { "Tab", '\t' }, { "NewLine", '\n' },
};

/* decode_entity - decode the reference at s (after '&'); returns chars consumed or 0 */
static size_t decode_entity(const char *s, size_t len, GString *out)
{
    size_t i = 0;

    if (len > 0 && s[0] == '#') {
        gunichar c = 0;
        int hex = len > 1 && (s[1] == 'x' || s[1] == 'X');
        size_t digits = 0;

        for (i = hex ? 2 : 1; i < len && digits < 8; i++, digits++) {
            int d = hex ? g_ascii_xdigit_value(s[i]) : g_ascii_digit_value(s[i]);

            if (d < 0)
                break;
            c = c * (hex ? 16 : 10) + (gunichar) d;
        }
        if (digits == 0)
            return 0;
        if (i < len && s[i] == ';')
            i++;
        if (c == 0 || !g_unichar_validate(c))
            c = 0xfffd;
        g_string_append_unichar(out, c);
        return i;
    }
    for (size_t k = 0; k < G_N_ELEMENTS(entities); k++) {
        size_t n = strlen(entities[k].name);

        if (len >= n && memcmp(s, entities[k].name, n) == 0) {
            g_string_append_unichar(out, entities[k].c);
            return n + (len > n && s[n] == ';');
        }
    }
    return 0;
}

char *lw_html_decode_entities(const char *s, size_t len)
{
    GString *out = g_string_sized_new(len);
    gchar *valid;

    for (size_t i = 0; i < len; i++) {
        size_t n;

        if (s[i] == '&' && (n = decode_entity(s + i + 1, len - i - 1, out)) > 0)
            i += n;
        else
            g_string_append_c(out, s[i]);
    }
    valid = g_utf8_make_valid(out->str, (gssize) out->len);
    g_string_free(out, TRUE);
    return valid;
}

/* parse_attrs - attributes between p and end into a GPtrArray of name,value pairs */
static void parse_attrs(const char *p, const char *end, GPtrArray *kv)
{
    while (p < end) {
        const char *n0, *v0 = NULL, *v1 = NULL;

        while (p < end && (g_ascii_isspace(*p) || *p == '/'))
            p++;
        n0 = p;
        while (p < end && !g_ascii_isspace(*p) && *p != '=' && *p != '/' && *p != '>')
            p++;
        if (p == n0) {
            p++;
            continue;
        }
        g_ptr_array_add(kv, g_ascii_strdown(n0, p - n0));
        while (p < end && g_ascii_isspace(*p))
            p++;
        if (p < end && *p == '=') {
            p++;
            while (p < end && g_ascii_isspace(*p))
                p++;
            if (p < end && (*p == '"' || *p == '\'')) {
                char q = *p++;

                v0 = p;
                while (p < end && *p != q)
                    p++;
                v1 = p;
                if (p < end)
                    p++;
            } else {
                v0 = p;
                while (p < end && !g_ascii_isspace(*p) && *p != '>')
                    p++;
                v1 = p;
            }
        }
        g_ptr_array_add(kv, v0 ? lw_html_decode_entities(v0, v1 - v0) : g_strdup(""));
    }
}

/* find_tag_end - the '>' closing a tag, honouring quoted attribute values */
static const char *find_tag_end(const char *p, const char *end)
{
    char q = 0;

    for (; p < end; p++) {
        if (q) {
            if (*p == q)
                q = 0;
        } else if (*p == '"' || *p == '\'') {
            /* a quote only opens after '=' (possibly with spaces) */
            const char *b = p - 1;

            while (g_ascii_isspace(*b))
                b--;
            if (*b == '=')
                q = *p;
        } else if (*p == '>') {
            return p;
        }
    }
    return NULL;
}

/* skip_raw_text - past the end tag of script/style, or to the end */
static const char *skip_raw_text(const char *p, const char *end, const char *tag)
{
    size_t tl = strlen(tag);

    for (; p + 2 + tl <= end; p++)
        if (p[0] == '<' && p[1] == '/' && g_ascii_strncasecmp(p + 2, tag, tl) == 0)
            return p;
    return end;
}

static void emit_text(const struct lw_html_handler *h, void *ud, const char *t, size_t n)
{
    gchar *dec;

    if (n == 0 || h->text == NULL)
        return;
    dec = lw_html_decode_entities(t, n);
    h->text(ud, dec, strlen(dec));
    g_free(dec);
}

/* emit_tag - report one tag between '<' and '>' (exclusive); returns its lowercased name (g_free) */
static char *emit_tag(const struct lw_html_handler *h, void *ud, const char *p, const char *gt)
{
    int closing = 0, self_closing = gt > p && gt[-1] == '/';
    const char *n0;
    char *name;

    if (*p == '/') {
        closing = 1;
        p++;
    }
    n0 = p;
    while (p < gt && (g_ascii_isalnum(*p) || *p == '-' || *p == ':'))
        p++;
    name = g_ascii_strdown(n0, p - n0);
    if (closing) {
        if (h->end)
            h->end(ud, name);
    } else if (h->start) {
        GPtrArray *kv = g_ptr_array_new_with_free_func(g_free);
        struct lw_html_attr *attrs;

        parse_attrs(p, gt, kv);
        attrs = g_new0(struct lw_html_attr, kv->len / 2 + 1);
        for (guint i = 0; i + 1 < kv->len; i += 2) {
            attrs[i / 2].name = g_ptr_array_index(kv, i);
            attrs[i / 2].value = g_ptr_array_index(kv, i + 1);
        }
        h->start(ud, name, attrs, self_closing);
        g_free(attrs);
        g_ptr_array_unref(kv);
    }
    if (closing) {
        g_free(name);
        return NULL;
    }
    return name;
}

void lw_html_walk(const char *html, size_t len, const struct lw_html_handler *h, void *ud)
{
    const char *p = html, *end = html + len, *text = html;

    while (p < end) {
        const char *gt;
        char *name;

        if (*p != '<' || p + 1 >= end
            || !(g_ascii_isalpha(p[1]) || p[1] == '/' || p[1] == '!' || p[1] == '?')) {
            p++;
            continue;
        }
        emit_text(h, ud, text, p - text);
        if (p + 3 < end && memcmp(p, "<!--", 4) == 0) {
            const char *c = g_strstr_len(p + 4, end - p - 4, "-->");

            p = text = c ? c + 3 : end;
            continue;
        }
        if ((gt = find_tag_end(p + 1, end)) == NULL) {
            text = end;     /* an unterminated tag: a browser would show nothing more */
            break;
        }
        if (p[1] == '!' || p[1] == '?') {
            p = text = gt + 1;
            continue;
        }
        name = emit_tag(h, ud, p + 1, gt);
        p = text = gt + 1;
        if (name && (strcmp(name, "script") == 0 || strcmp(name, "style") == 0
                     || strcmp(name, "title") == 0)) {
            p = text = skip_raw_text(p, end, name);
        }
        g_free(name);
    }
    emit_text(h, ud, text, end - text);
}

/* Rendering to text. */

struct render {
    GString *out;
    int space_pending;
};

static int is_block(const char *name)
{
    static const char *const blocks[] = {
        "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
        "ul", "ol", "blockquote", "hr", "pre", "section", "article", "header",
        "footer", "center", "dd", "dt", "form", "td", "th",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(blocks); i++)
        if (strcmp(name, blocks[i]) == 0)
            return 1;
    return 0;
}

static void render_break(struct render *r, const char *name)
{
    if (!is_block(name))
        return;
    if (r->out->len > 0 && r->out->str[r->out->len - 1] != '\n')
        g_string_append_c(r->out, strcmp(name, "td") == 0 || strcmp(name, "th") == 0 ? ' ' : '\n');
    r->space_pending = 0;
}

static void render_start(void *ud, const char *name, const struct lw_html_attr *attrs, int sc)
{
    render_break(ud, name);
}

static void render_end(void *ud, const char *name)
{
    render_break(ud, name);
}

static void render_text(void *ud, const char *t, size_t n)
{
    struct render *r = ud;
    const char *p = t, *end = t + n;

    while (p < end) {
        gunichar c = g_utf8_get_char_validated(p, end - p);
        const char *next = g_utf8_find_next_char(p, end);

        if (next == NULL)
            next = end;
        if (c == (gunichar) -1 || c == (gunichar) -2) {
            p++;
            continue;
        }
        if (g_unichar_isspace(c) || c == 0xa0) {
            r->space_pending = 1;
        } else {
            if (r->space_pending && r->out->len > 0
                && r->out->str[r->out->len - 1] != '\n' && r->out->str[r->out->len - 1] != ' ')
                g_string_append_c(r->out, ' ');
            r->space_pending = 0;
            g_string_append_len(r->out, p, next - p);
        }
        p = next;
    }
}

char *lw_html_to_text(const char *html, size_t len)
{
    return lw_html_to_text_tee(html, len, NULL, NULL);
}

/* A renderer that also forwards every event to a second handler. */
struct tee {
    struct render r;
    const struct lw_html_handler *also;
    void *ud;
};

static void tee_start(void *ud, const char *name, const struct lw_html_attr *attrs, int sc)
{
    struct tee *t = ud;

    render_start(&t->r, name, attrs, sc);
    if (t->also->start)
        t->also->start(t->ud, name, attrs, sc);
}

static void tee_end(void *ud, const char *name)
{
    struct tee *t = ud;

    render_end(&t->r, name);
    if (t->also->end)
        t->also->end(t->ud, name);
}

static void tee_text(void *ud, const char *text, size_t n)
{
    struct tee *t = ud;

    render_text(&t->r, text, n);
    if (t->also->text)
        t->also->text(t->ud, text, n);
}

/* lw_html_to_text_tee - render, and hand every event to also (may be NULL) in the same walk */
char *lw_html_to_text_tee(const char *html, size_t len, const struct lw_html_handler *also, void *ud)
{
    static const struct lw_html_handler render = { render_start, render_end, render_text };
    static const struct lw_html_handler tee = { tee_start, tee_end, tee_text };
    struct tee t = { { g_string_sized_new(len / 2 + 16), 0 }, also, ud };

    lw_html_walk(html, len, also ? &tee : &render, also ? (void *) &t : (void *) &t.r);
    return g_string_free(t.r.out, FALSE);
}
