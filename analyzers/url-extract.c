/*
 * url-extract.c - find every URL a message shows or hides (msg->urls)
 *
 * lw_urls_extract() runs at the end of lw_message_parse() and fills
 * msg->urls with struct lw_url entries (url.h), each normalized by
 * lw_url_parse() and labelled with where it was found:
 *
 *   text parts     scheme URLs (http, https, ftp and defanged hxxp/fxp,
 *                  "[:]//"), bare "www." hosts and bare "host.tld/path"
 *                  (the TLD must be a public suffix), "[.]" dots
 *   HTML parts     a/area href with the anchor text as `display`, form
 *                  action, img/iframe/frame/embed/script/input src, srcset,
 *                  link href, td/body background, meta refresh, base href
 *                  (which also resolves relative links), CSS url() in
 *                  style attributes and <style> blocks, and URLs written as
 *                  visible text outside links
 *   attachments    parts sniffed as text/html or text/plain that are not
 *                  already readable body text (including attached messages)
 *   PDF parts      /URI (...) link actions, by a plain scan of the bytes
 *                  (links inside compressed object streams are not seen)
 *
 * A URL behind a known redirector keeps its wrapper (LW_URL_REDIRECTOR,
 * `target` set) and is also listed on its own, flagged LW_URL_UNWRAPPED,
 * so every consumer sees the real destination. Entries are de-duplicated by
 * (url, display, kind of place).
 *
 * LIMITS. At most max_urls entries (then "max_urls" goes to msg->limits);
 * a URL longer than max_url_length is cut to it and "max_url_length" is
 * recorded. Attachments are scanned up to max_text_size bytes.
 */
#include "config.h"

#include <string.h>
#include <libpsl.h>

#include "html.h"
#include "message.h"
#include "url.h"

#define DISPLAY_MAX 256

struct extract {
    struct lw_message *msg;
    const struct lw_config *cfg;
    GHashTable *seen;           /* dedupe keys */
    int full;                   /* max_urls reached */
};

static void add_limit(struct lw_message *msg, const char *name)
{
    for (guint i = 0; i < msg->limits->len; i++)
        if (strcmp(g_ptr_array_index(msg->limits, i), name) == 0)
            return;
    g_ptr_array_add(msg->limits, g_strdup(name));
}

/* push - store u (taken) unless it is a duplicate or the list is full */
static int push(struct extract *x, struct lw_url *u)
{
    char *key;

    if (x->full || x->msg->urls->len >= (guint) x->cfg->max_urls) {
        if (!x->full)
            add_limit(x->msg, "max_urls");
        x->full = 1;
        lw_url_free(u);
        return -1;
    }
    key = g_strdup_printf("%s\x01%s\x01%x", u->url, u->display ? u->display : "",
                          u->flags & (LW_URL_HTML_HREF | LW_URL_FORM_ACTION | LW_URL_EMBEDDED
                                      | LW_URL_TEXT | LW_URL_ATTACHMENT | LW_URL_PDF | LW_URL_UNWRAPPED));
    if (!g_hash_table_add(x->seen, key)) {
        lw_url_free(u);
        return -1;
    }
    g_ptr_array_add(x->msg->urls, u);
    return 0;
}

/* add_url - normalize one URL as written and store it, with its unwrapped target */
static void add_url(struct extract *x, const char *text, size_t len, unsigned flags,
                    const char *source, const char *display)
{
    struct lw_url *u;
    char *target;

    if (x->full || len == 0)
        return;
    if ((long long) len > x->cfg->max_url_length) {
        add_limit(x->msg, "max_url_length");
        len = (size_t) x->cfg->max_url_length;
    }
    if ((u = lw_url_parse(text, (gssize) len, flags)) == NULL)
        return;
    u->source = g_strdup(source);
    u->display = display && *display ? g_strdup(display) : NULL;
    target = lw_url_unwrap(u);
    if (target != NULL) {
        struct lw_url *t = lw_url_parse(target, -1, (flags & ~LW_URL_DEFANGED) | LW_URL_UNWRAPPED);

        u->flags |= LW_URL_REDIRECTOR;
        u->target = target;
        if (push(x, u) == 0 && t != NULL) {
            t->source = g_strdup(source);
            t->display = display && *display ? g_strdup(display) : NULL;
            push(x, t);
        } else {
            lw_url_free(t);
        }
        return;
    }
    push(x, u);
}

/* Plain text. */

/* is_host_char - may c (ASCII) appear in a host as written, defanged or not? */
static int is_host_char(char c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '.' || c == '_';
}

/* url_stop - does the character at p end a URL written in text? */
static int url_stop(const char *p, const char *end, int in_host)
{
    unsigned char c = (unsigned char) *p;

    if (c < 0x80)
        return c <= ' ' || c == 0x7f || strchr("<>\"'`{}|^\\[]", c) != NULL;
    if (in_host) {
        gunichar u = g_utf8_get_char_validated(p, end - p);

        /* an IDN host may be written in any script, but CJK punctuation and spaces end it */
        return u == (gunichar) -1 || u == (gunichar) -2 || !g_unichar_isalnum(u);
    }
    return 1;   /* paths are ASCII as written; "登入" after a link is text */
}

/* scan_url_end - from the start of the authority, the end of a URL in text */
static const char *scan_url_end(const char *p, const char *end)
{
    int in_host = 1;
    int parens = 0;

    while (p < end) {
        if (end - p >= 3 && memcmp(p, "[.]", 3) == 0) {
            p += 3;     /* a defanged dot */
            continue;
        }
        if (url_stop(p, end, in_host))
            break;
        if (*p == '/' || *p == '?' || *p == '#')
            in_host = 0;
        if (*p == '(')
            parens++;
        else if (*p == ')' && --parens < 0)
            break;
        p = (unsigned char) *p < 0x80 ? p + 1 : g_utf8_next_char(p);
    }
    return p;
}

/* trim_trailing - drop sentence punctuation after a URL */
static const char *trim_trailing(const char *s, const char *e)
{
    while (e > s && strchr(".,;:!?*", e[-1]) != NULL)
        e--;
    return e;
}

/* at_word_start - may a bare www./host URL start at p? */
static int at_word_start(const char *text, const char *p)
{
    char c;

    if (p == text)
        return 1;
    c = p[-1];
    return !(is_host_char(c) || strchr("@/:%=&", c) != NULL);
}

/* scheme_before - start of the scheme (http, hxxps, ...) that ends at p, or NULL */
static const char *scheme_before(const char *text, const char *p)
{
    static const char *const schemes[] = { "https", "http", "ftp", "hxxps", "hxxp", "fxp", "h**ps", "h**p", NULL };
    const char *s = p;

    while (s > text && g_ascii_isalpha(s[-1]) | (s[-1] == '*'))
        s--;
    if (s == p)
        return NULL;
    for (int i = 0; schemes[i]; i++) {
        size_t n = strlen(schemes[i]);

        /* the scheme may be glued to preceding text: "請點選https://" */
        if ((size_t) (p - s) >= n && g_ascii_strncasecmp(p - n, schemes[i], n) == 0)
            return p - n;
    }
    return NULL;
}

/* separator_len - "://", "[:]//", "[://]" or ":\\\\" at p, or 0 */
static size_t separator_len(const char *p, const char *end)
{
    static const char *const seps[] = { "://", "[:]//", "[://]", ":\\\\", NULL };

    for (int i = 0; seps[i]; i++) {
        size_t n = strlen(seps[i]);

        if ((size_t) (end - p) >= n && memcmp(p, seps[i], n) == 0)
            return n;
    }
    return 0;
}

/* bare_host_end - if p starts "host.tld/" (ASCII, maybe with [.]), where the host ends */
static const char *bare_host_end(const char *p, const char *end)
{
    const char *q = p, *last_dot = NULL;
    char *host, *w;
    int ok;

    while (q < end) {
        if (end - q >= 3 && memcmp(q, "[.]", 3) == 0) {
            last_dot = q;
            q += 3;
        } else if (is_host_char(*q)) {
            if (*q == '.')
                last_dot = q;
            q++;
        } else {
            break;
        }
    }
    if (q >= end || *q != '/' || last_dot == NULL || q - p > 253)
        return NULL;
    /* the last label must be a public suffix (a TLD) and the host registrable */
    host = g_ascii_strdown(p, (gssize) (q - p));
    while ((w = strstr(host, "[.]")) != NULL) {
        *w = '.';
        memmove(w + 1, w + 3, strlen(w + 3) + 1);
    }
    w = strrchr(host, '.');
    ok = w != NULL && w[1] != '\0'
        && psl_is_public_suffix2(psl_builtin(), w + 1, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE)
        && psl_registrable_domain(psl_builtin(), host) != NULL;
    g_free(host);
    return ok ? q : NULL;
}

/* extract_text - URLs written in text */
static void extract_text(struct extract *x, const char *text, unsigned flags, const char *source)
{
    const char *p = text, *end = text + strlen(text);

    while (p < end && !x->full) {
        size_t sep = separator_len(p, end);
        const char *s = NULL, *e;

        if (sep > 0 && (s = scheme_before(text, p)) != NULL) {
            e = trim_trailing(s, scan_url_end(p + sep, end));
            if (e > p + sep)
                add_url(x, s, (size_t) (e - s), flags, source, NULL);
            p = e > p + sep ? e : p + sep;
            continue;
        }
        if (g_ascii_isalnum(*p) && at_word_start(text, p)) {
            if (end - p > 4 && g_ascii_strncasecmp(p, "www.", 4) == 0) {
                s = p;
            } else if (end - p > 6 && g_ascii_strncasecmp(p, "www[.]", 6) == 0) {
                s = p;
            } else if (bare_host_end(p, end) != NULL) {
                s = p;
            }
            if (s != NULL) {
                e = trim_trailing(s, scan_url_end(s, end));
                if (e - s > 4 && memchr(s + 4, '.', (size_t) (e - s - 4)) != NULL)
                    add_url(x, s, (size_t) (e - s), flags | LW_URL_NO_SCHEME, source, NULL);
                p = e > s ? e : s + 1;
                continue;
            }
            /* skip the rest of this word */
            while (p < end && is_host_char(*p))
                p++;
            continue;
        }
        p++;
    }
}

/* HTML. */

struct html_ctx {
    struct extract *x;
    const char *path;           /* MIME path of the part */
    unsigned flags;             /* LW_URL_ATTACHMENT or 0 */
    char *base;                 /* <base href>, for relative links */
    char *href;                 /* the open <a>'s href, or NULL */
    GString *anchor_text;       /* what the open <a> shows */
    int in_anchor;
};

static const char *attr(const struct lw_html_attr *attrs, const char *name)
{
    for (; attrs && attrs->name; attrs++)
        if (strcmp(attrs->name, name) == 0)
            return attrs->value;
    return NULL;
}

/* skip_link - fragments, relative links without a base, and schemes that go nowhere */
static int skip_link(const char *v)
{
    static const char *const none[] = { "#", "cid:", "tel:", "sms:", "about:", "mid:", NULL };

    while (g_ascii_isspace(*v))
        v++;
    if (*v == '\0')
        return 1;
    for (int i = 0; none[i]; i++)
        if (g_ascii_strncasecmp(v, none[i], strlen(none[i])) == 0)
            return 1;
    return 0;
}

/* has_scheme - does v start with "scheme:"? */
static int has_scheme(const char *v)
{
    const char *p = v;

    if (!g_ascii_isalpha(*p))
        return 0;
    while (g_ascii_isalnum(*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    return *p == ':' && p - v <= 32;
}

/*
 * html_url - one URL from an attribute. Absolute URLs, "//host" and bare
 * "www." are taken as they are; other relative links are resolved against
 * <base href>, and without one they point nowhere outside the message.
 */
static void html_url(struct html_ctx *c, const char *value, unsigned flags, const char *elem,
                     const char *display)
{
    char *source, *resolved = NULL;
    const char *v = value;

    if (value == NULL || skip_link(value))
        return;
    while (g_ascii_isspace(*v))
        v++;
    if (!has_scheme(v) && !g_str_has_prefix(v, "//") && g_ascii_strncasecmp(v, "www.", 4) != 0) {
        if (c->base == NULL)
            return;
        resolved = g_uri_resolve_relative(c->base, v, G_URI_FLAGS_PARSE_RELAXED, NULL);
        if (resolved == NULL)
            return;
        v = resolved;
    }
    source = g_strdup_printf("%s:%s", c->path, elem);
    add_url(c->x, v, strlen(v), flags | c->flags, source, display);
    g_free(source);
    g_free(resolved);
}

/* html_srcset - "url 1x, url 2x": a URL may itself contain commas */
static void html_srcset(struct html_ctx *c, const char *value, const char *elem)
{
    const char *p = value;

    while (p && *p) {
        const char *s, *e;
        char *item;

        while (*p == ',' || g_ascii_isspace(*p))
            p++;
        if (*p == '\0')
            break;
        s = p;
        while (*p && !g_ascii_isspace(*p))
            p++;
        e = p;
        while (e > s && e[-1] == ',')
            e--;
        item = g_strndup(s, (gsize) (e - s));
        html_url(c, item, LW_URL_EMBEDDED, elem, NULL);
        g_free(item);
        /* skip the descriptor ("2x", "300w") up to the next comma */
        if (p[-1] != ',')
            while (*p && *p != ',')
                p++;
    }
}

/* find_ci - first case-insensitive occurrence of needle (ASCII) in hay, or NULL */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay; hay++)
        if (g_ascii_strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

/* find_bytes - memmem for binary data */
static const char *find_bytes(const char *p, const char *end, const char *needle, size_t n)
{
    for (; p + n <= end && (p = memchr(p, needle[0], (size_t) (end - p))) != NULL; p++)
        if (p + n <= end && memcmp(p, needle, n) == 0)
            return p;
    return NULL;
}

/* css_urls - every url(...) in CSS text */
static void css_urls(struct html_ctx *c, const char *css, const char *elem)
{
    const char *p = css;

    while ((p = find_ci(p, "url(")) != NULL) {
        const char *s = p + 4, *e;
        char *v;

        while (*s == ' ' || *s == '"' || *s == '\'')
            s++;
        e = s + strcspn(s, "\"')");
        v = g_strndup(s, (gsize) (e - s));
        html_url(c, g_strstrip(v), LW_URL_EMBEDDED, elem, NULL);
        g_free(v);
        p = e;
    }
}

/* meta_refresh - <meta http-equiv=refresh content="5; url=..."> */
static void meta_refresh(struct html_ctx *c, const struct lw_html_attr *attrs)
{
    const char *he = attr(attrs, "http-equiv"), *content = attr(attrs, "content"), *u;

    if (he == NULL || g_ascii_strcasecmp(he, "refresh") != 0 || content == NULL)
        return;
    for (u = content; *u; u++) {
        if (g_ascii_strncasecmp(u, "url", 3) == 0) {
            const char *v = u + 3;

            while (*v == ' ')
                v++;
            if (*v != '=')
                continue;
            v++;
            while (*v == ' ' || *v == '"' || *v == '\'')
                v++;
            {
                char *val = g_strndup(v, strcspn(v, "\"'"));

                html_url(c, val, LW_URL_EMBEDDED, "meta", NULL);
                g_free(val);
            }
            return;
        }
    }
}

/* close_anchor - store the pending <a href> with the text it showed */
static void close_anchor(struct html_ctx *c)
{
    char *display = NULL;

    if (!c->in_anchor)
        return;
    c->in_anchor = 0;
    if (c->href == NULL)
        return;
    if (c->anchor_text->len > 0) {
        display = lw_text_normalize(c->anchor_text->str);
        if (strlen(display) > DISPLAY_MAX) {
            char *cut = g_utf8_find_prev_char(display, display + DISPLAY_MAX + 1);

            *(cut ? cut : display) = '\0';
        }
    }
    html_url(c, c->href, LW_URL_HTML_HREF, "a", display);
    g_free(display);
    g_clear_pointer(&c->href, g_free);
}

static void html_start(void *ud, const char *name, const struct lw_html_attr *attrs, int sc)
{
    struct html_ctx *c = ud;
    const char *v;

    if ((v = attr(attrs, "style")) != NULL)
        css_urls(c, v, "style");
    if (strcmp(name, "a") == 0) {
        close_anchor(c);
        c->in_anchor = 1;
        g_string_truncate(c->anchor_text, 0);
        c->href = g_strdup(attr(attrs, "href"));
    } else if (strcmp(name, "area") == 0) {
        html_url(c, attr(attrs, "href"), LW_URL_HTML_HREF, "area", attr(attrs, "alt"));
    } else if (strcmp(name, "form") == 0) {
        html_url(c, attr(attrs, "action"), LW_URL_FORM_ACTION, "form", NULL);
    } else if (strcmp(name, "base") == 0) {
        if ((v = attr(attrs, "href")) != NULL && strstr(v, "://") && c->base == NULL)
            c->base = g_strdup(v);
        html_url(c, v, LW_URL_EMBEDDED, "base", NULL);
    } else if (strcmp(name, "meta") == 0) {
        meta_refresh(c, attrs);
    } else if (strcmp(name, "link") == 0) {
        html_url(c, attr(attrs, "href"), LW_URL_EMBEDDED, "link", NULL);
    } else {
        static const char *const src_elems[] = { "img", "iframe", "frame", "embed", "script",
                                                 "input", "source", "video", "audio", NULL };

        for (int i = 0; src_elems[i]; i++) {
            if (strcmp(name, src_elems[i]) == 0) {
                html_url(c, attr(attrs, "src"), LW_URL_EMBEDDED, name, NULL);
                html_srcset(c, attr(attrs, "srcset"), name);
            }
        }
        if (strcmp(name, "button") == 0 || strcmp(name, "input") == 0)
            html_url(c, attr(attrs, "formaction"), LW_URL_FORM_ACTION, name, NULL);
        html_url(c, attr(attrs, "background"), LW_URL_EMBEDDED, name, NULL);
    }
}

static void html_end(void *ud, const char *name)
{
    struct html_ctx *c = ud;

    if (strcmp(name, "a") == 0)
        close_anchor(c);
}

static void html_text(void *ud, const char *text, size_t len)
{
    struct html_ctx *c = ud;
    char *s, *source;

    if (c->in_anchor) {
        if (c->anchor_text->len < 4 * DISPLAY_MAX)
            g_string_append_len(c->anchor_text, text, (gssize) len);
        return;
    }
    s = g_strndup(text, len);
    source = g_strdup_printf("%s:text", c->path);
    extract_text(c->x, s, LW_URL_TEXT | c->flags, source);
    g_free(source);
    g_free(s);
}

/* qp_decode - undo quoted-printable encoding (g_free) */
static char *qp_decode(const char *s)
{
    GMimeEncoding state;
    size_t len = strlen(s);
    char *out = g_malloc(len + 16), *valid;     /* decoding never grows */
    size_t n;

    g_mime_encoding_init_decode(&state, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    n = g_mime_encoding_flush(&state, s, len, out);
    valid = g_utf8_make_valid(out, (gssize) n);
    g_free(out);
    return valid;
}

/* extract_html - URLs of one HTML document */
static void extract_html(struct extract *x, const char *html, const char *path, unsigned flags)
{
    static const struct lw_html_handler h = { html_start, html_end, html_text };
    struct html_ctx c = { x, path, flags, NULL, NULL, g_string_new(NULL), 0 };
    const char *st;
    char *qp = NULL;

    /* HTML still quoted-printable encoded (a part that did not declare it) */
    if (strstr(html, "=3D\"") != NULL || strstr(html, "=3D'") != NULL)
        html = qp = qp_decode(html);
    st = html;
    lw_html_walk(html, strlen(html), &h, &c);
    close_anchor(&c);
    /* <style> blocks are not reported by the walker */
    while ((st = find_ci(st, "<style")) != NULL) {
        const char *e = strstr(st, "</");
        char *css = g_strndup(st, e ? (gsize) (e - st) : strlen(st));

        css_urls(&c, css, "style");
        g_free(css);
        if (e == NULL)
            break;
        st = e;
    }
    g_free(c.base);
    g_free(c.href);
    g_free(qp);
    g_string_free(c.anchor_text, TRUE);
}

/* PDF. */

/* looks_like_link - printable text with a scheme or www.: not bytes of a compressed stream */
static int looks_like_link(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] >= 0x7f)
            return 0;
    return n > 4 && (has_scheme(s) || g_ascii_strncasecmp(s, "www.", 4) == 0);
}

/* extract_pdf - /URI (...) link actions in the uncompressed bytes of a PDF */
static void extract_pdf(struct extract *x, const char *data, size_t len, const char *path)
{
    const char *p = data, *end = data + len;
    char *source = g_strdup_printf("%s:pdf", path);

    while (p < end && !x->full) {
        const char *u = find_bytes(p, end, "/URI", 4), *s;
        GString *v;

        if (u == NULL)
            break;
        s = u + 4;
        while (s < end && (*s == ' ' || *s == '\r' || *s == '\n'))
            s++;
        if (s >= end || *s != '(') {
            p = u + 4;
            continue;
        }
        v = g_string_new(NULL);
        for (s++; s < end && *s != ')' && v->len < 8192; s++) {
            if (*s == '\\' && s + 1 < end)
                s++;
            g_string_append_c(v, *s);
        }
        if (looks_like_link(v->str, v->len))
            add_url(x, v->str, v->len, LW_URL_PDF | LW_URL_ATTACHMENT, source, NULL);
        g_string_free(v, TRUE);
        p = s;
    }
    g_free(source);
}

/* is_body_text - is this part already one of the readable texts? */
static int is_body_text(const struct lw_message *msg, const char *path)
{
    for (guint i = 0; i < msg->texts->len; i++)
        if (strcmp(((const struct lw_text *) g_ptr_array_index(msg->texts, i))->path, path) == 0)
            return 1;
    return 0;
}

/* extract_attachment - text/html/PDF parts that are not body text */
static void extract_attachment(struct extract *x, const struct lw_part *part)
{
    gsize len;
    const char *data;
    char *text;

    if (part->data == NULL || part->is_message || is_body_text(x->msg, part->path))
        return;
    data = g_bytes_get_data(part->data, &len);
    if (data == NULL || len == 0)
        return;
    if (strcmp(part->true_type, "application/pdf") == 0) {
        extract_pdf(x, data, len, part->path);
        return;
    }
    if (strcmp(part->true_type, "text/html") != 0 && strcmp(part->true_type, "text/plain") != 0)
        return;
    if ((long long) len > x->cfg->max_text_size)
        len = (gsize) x->cfg->max_text_size;
    text = g_utf8_make_valid(data, (gssize) len);
    if (strcmp(part->true_type, "text/html") == 0) {
        extract_html(x, text, part->path, LW_URL_ATTACHMENT);
    } else {
        char *source = g_strdup_printf("%s:attachment", part->path);

        extract_text(x, text, LW_URL_TEXT | LW_URL_ATTACHMENT, source);
        g_free(source);
    }
    g_free(text);
}

/* lw_urls_extract - every URL of the message into msg->urls */
void lw_urls_extract(struct lw_message *msg, const struct lw_config *cfg)
{
    struct extract x = { msg, cfg, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), 0 };

    g_ptr_array_set_free_func(msg->urls, (GDestroyNotify) lw_url_free);
    for (guint i = 0; i < msg->texts->len && !x.full; i++) {
        const struct lw_text *t = g_ptr_array_index(msg->texts, i);

        if (t->is_html) {
            extract_html(&x, t->html, t->path, 0);
        } else {
            char *source = g_strdup_printf("%s:text", t->path);

            extract_text(&x, t->text, LW_URL_TEXT, source);
            g_free(source);
        }
    }
    for (guint i = 0; i < msg->parts->len && !x.full; i++)
        extract_attachment(&x, g_ptr_array_index(msg->parts, i));
    g_hash_table_unref(x.seen);
}
