/*
 * url-extract.c - find every URL a message shows or hides (msg->urls)
 *
 * lw_message_parse() fills msg->urls with struct lw_url entries (url.h),
 * each normalized by lw_url_parse() and labelled with where it was found.
 * It calls lw_url_extract_begin(), renders every HTML body part through
 * lw_url_extract_render() (one walk gives the text and the links), and
 * ends with lw_url_extract_end() for plain text and attachments. The
 * URLs of a message stored in a ZIP come from the parser through the
 * archived hook it hands to lw_url_extract_begin().
 *
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
 *   ZIP parts      the links of web pages (.htm .html .xhtml .shtml .svg)
 *                  and mail messages (.eml, parsed as messages) stored in a
 *                  ZIP attachment, as a reader who opens the archive sees
 *                  them; not in archives inside those zipped messages
 *   PDF parts      /URI (...) link actions, by a plain scan of the bytes
 *                  (links inside compressed object streams are not seen)
 *   QR codes       links in the payloads of QR codes decoded from pictures
 *                  (msg->qr, qrcode.c), as in plain text, flagged LW_URL_QR
 *
 * A URL behind a known redirector keeps its wrapper (LW_URL_REDIRECTOR,
 * `target` set) and is also listed on its own, flagged LW_URL_UNWRAPPED,
 * so every consumer sees the real destination. Entries are de-duplicated by
 * (url, display, kind of place).
 *
 * Each distinct URL is parsed once per message (mail repeats its links)
 * and registrable domains are cached per message.
 *
 * LIMITS. At most max_urls entries (then "max_urls" goes to msg->limits;
 * max_urls = 0 turns extraction off); a URL longer than max_url_length is
 * cut to it and "max_url_length" is recorded. Attachments are scanned up to
 * max_text_size bytes. Every scan is linear in the input.
 */
#include "config.h"

#include <string.h>
#include <libpsl.h>

#include "model/html.h"
#include "model/message.h"
#include "model/qrcode.h"
#include "model/url.h"
#include "model/zipcrypto.h"
#include "util/unicode.h"

#define DISPLAY_MAX 256
/* where a URL was found (the rest of the flags say how it was written) */
#define PLACE_FLAGS (LW_URL_HTML_HREF | LW_URL_FORM_ACTION | LW_URL_EMBEDDED | LW_URL_TEXT \
                     | LW_URL_ATTACHMENT | LW_URL_PDF | LW_URL_UNWRAPPED | LW_URL_QR)

struct lw_url_extractor {
    struct lw_message *msg;
    const struct lw_config *cfg;
    lw_archived_urls_fn archived;   /* the URLs of a zipped message, from the parser */
    GHashTable *seen;           /* dedupe keys */
    GHashTable *done;           /* paths of HTML texts already extracted while rendering */
    GHashTable *parsed;         /* URL as written -> its struct lw_url (owned), parsed once */
    GHashTable *domains;        /* host -> registrable domain ("" for none) */
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
static int push(struct lw_url_extractor *x, struct lw_url *u)
{
    char *key, place[16];

    if (x->full || x->msg->urls->len >= (guint) x->cfg->max_urls) {
        if (!x->full)
            add_limit(x->msg, "max_urls");
        x->full = 1;
        lw_url_free(u);
        return -1;
    }
    g_snprintf(place, sizeof(place), "%x", u->flags & PLACE_FLAGS);
    key = g_strconcat(u->url, "\x01", u->display ? u->display : "", "\x01", place, NULL);
    if (!g_hash_table_add(x->seen, key)) {
        lw_url_free(u);
        return -1;
    }
    g_ptr_array_add(x->msg->urls, u);
    return 0;
}

/* url_copy - a copy of u with where-found flags replaced by flags */
static struct lw_url *url_copy(const struct lw_url *u, unsigned flags)
{
    struct lw_url *c = g_new0(struct lw_url, 1);

    *c = *u;
    c->raw = g_strdup(u->raw);
    c->url = g_strdup(u->url);
    c->scheme = g_strdup(u->scheme);
    c->host = g_strdup(u->host);
    c->host_unicode = g_strdup(u->host_unicode);
    c->domain = g_strdup(u->domain);
    c->userinfo = g_strdup(u->userinfo);
    c->display = g_strdup(u->display);
    c->source = g_strdup(u->source);
    c->target = g_strdup(u->target);
    c->flags = (u->flags & ~PLACE_FLAGS) | flags;
    return c;
}

/*
 * parse_cached - lw_url_parse() and lw_url_unwrap() (into target) of a URL
 * as written, once per message: mail repeats its links.
 */
static struct lw_url *parse_cached(struct lw_url_extractor *x, const char *text, size_t len, unsigned flags)
{
    char *key = g_strndup(text, len);
    struct lw_url *u = g_hash_table_lookup(x->parsed, key);

    if (u != NULL) {
        g_free(key);
        return url_copy(u, flags);
    }
    if ((u = lw_url_parse_cached(text, (gssize) len, 0, x->domains)) == NULL) {
        g_free(key);
        return NULL;
    }
    u->target = lw_url_unwrap(u);
    g_hash_table_insert(x->parsed, key, u);
    return url_copy(u, flags);
}

/* add_url - normalize one URL as written and store it, with its unwrapped target */
static void add_url(struct lw_url_extractor *x, const char *text, size_t len, unsigned flags,
                    const char *source, const char *display)
{
    struct lw_url *u, *t;

    if (x->full || len == 0)
        return;
    /* a data: URI carries content, not an address: url.c keeps only its head */
    if ((long long) len > x->cfg->max_url_length && g_ascii_strncasecmp(text, "data:", 5) != 0) {
        add_limit(x->msg, "max_url_length");
        len = (size_t) x->cfg->max_url_length;
    }
    if ((u = parse_cached(x, text, len, flags)) == NULL)
        return;
    u->source = g_strdup(source);
    u->display = display && *display ? g_strdup(display) : NULL;
    if (u->target == NULL) {
        push(x, u);
        return;
    }
    u->flags |= LW_URL_REDIRECTOR;
    t = parse_cached(x, u->target, strlen(u->target), (flags & PLACE_FLAGS) | LW_URL_UNWRAPPED);
    if (push(x, u) == 0 && t != NULL) {
        t->source = g_strdup(source);
        t->display = display && *display ? g_strdup(display) : NULL;
        push(x, t);
    } else {
        lw_url_free(t);
    }
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

/*
 * ipv6_literal_end - past "[2001:db8::7]" at p (RFC 3986 IP-literal: hex
 * digits, colons and dots, a zone after '%'), or NULL: brackets otherwise
 * end a URL written in text
 */
static const char *ipv6_literal_end(const char *p, const char *end)
{
    const char *q = p + 1;
    int colons = 0;

    while (q < end && q - p <= 64 && (g_ascii_isxdigit(*q) || *q == ':' || *q == '.' || *q == '%')) {
        colons += *q == ':';
        q++;
    }
    return q < end && *q == ']' && colons >= 2 ? q + 1 : NULL;
}

/*
 * glued_after_tld - is the host's label that ends at p an ASCII top-level
 * domain with text glued after it? Chinese is written without spaces, so
 * "至www.mail-verify.com.tw登入" puts the word after the address: an IDN
 * label may be written in any script, but none starts with a TLD such as
 * "tw" or "com" followed by ideographs ("com.tw登入" would be the TLD
 * "xn--tw-..."). The address ends at the TLD.
 */
static int glued_after_tld(const char *label, const char *p)
{
    char *tld;
    int yes;

    if (label == NULL || p - label < 2 || p - label > 24)
        return 0;
    for (const char *q = label; q < p; q++)
        if (!g_ascii_isalpha(*q))
            return 0;
    tld = g_ascii_strdown(label, (gssize) (p - label));
    yes = psl_is_public_suffix2(psl_builtin(), tld, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE);
    g_free(tld);
    return yes;
}

/* scan_url_end - from the start of the authority, the end of a URL in text */
static const char *scan_url_end(const char *p, const char *end)
{
    int in_host = 1;
    int parens = 0;
    const char *v6, *label = NULL;     /* the host's current label, after its first dot */

    while (p < end) {
        if (end - p >= 3 && memcmp(p, "[.]", 3) == 0) {
            p += 3;     /* a defanged dot */
            label = p;
            continue;
        }
        if (in_host && *p == '[' && (v6 = ipv6_literal_end(p, end)) != NULL) {
            p = v6;
            continue;
        }
        if (url_stop(p, end, in_host) || (in_host && (unsigned char) *p >= 0x80 && glued_after_tld(label, p)))
            break;
        if (in_host && *p == '.')
            label = p + 1;
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
static const char *bare_host_end(struct lw_url_extractor *x, const char *p, const char *end)
{
    const char *q = p, *last_dot = NULL;
    char *host, *w, *dom = NULL;
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
        && (dom = lw_url_registrable(host, x->domains)) != NULL;
    g_free(dom);
    g_free(host);
    return ok ? q : NULL;
}

/* host_before - start of the host-like run ("a.b", "a[.]b") that ends at p, at a word start, or NULL */
static const char *host_before(const char *text, const char *p)
{
    const char *q = p;

    while (q > text) {
        if (q - text >= 3 && memcmp(q - 3, "[.]", 3) == 0)
            q -= 3;
        else if (is_host_char(q[-1]))
            q--;
        else
            break;
    }
    if (q == p || !g_ascii_isalnum(*q) || !at_word_start(text, q))
        return NULL;
    return q;
}

/* xdigits - how many hex digits start p, up to max */
static size_t xdigits(const char *p, const char *end, size_t max)
{
    size_t n = 0;

    while (n < max && p + n < end && g_ascii_isxdigit(p[n]))
        n++;
    return n;
}

/*
 * wrapped_escape - where the next line continues a URL [s, e) that a line
 * break cut inside an escape: "...%" or "...%4" (percent-encoding) or
 * "...=" (a quoted-printable soft break left undecoded), the next line,
 * after quote marks ("> "), starting with the hex digits that complete it
 * ("%\n40googlegroups.com" is "%40googlegroups.com", an address in a
 * path, not a site "40googlegroups.com"). NULL when the URL is whole.
 */
static const char *wrapped_escape(const char *s, const char *e, const char *end)
{
    size_t need;
    const char *c = e;

    if (e - s >= 2 && e[-1] == '%')
        need = 2;
    else if (e - s >= 3 && e[-2] == '%' && g_ascii_isxdigit(e[-1]))
        need = 1;
    else if (e - s >= 2 && e[-1] == '=')
        need = 2;
    else
        return NULL;
    if (c < end && *c == '\r')
        c++;
    if (c >= end || *c != '\n')
        return NULL;
    for (c++; c < end && (*c == '>' || *c == ' '); c++)
        ;
    return xdigits(c, end, need) == need ? c : NULL;
}

/*
 * add_wrapped - the URL [s, e) joined with its continuation at c (see
 * wrapped_escape); returns where the continuation ends
 */
static const char *add_wrapped(struct lw_url_extractor *x, const char *s, const char *e, const char *c,
                               const char *end, unsigned flags, const char *source)
{
    const char *ce = trim_trailing(c, scan_url_end(c, end));
    GString *joined = g_string_new_len(s, e - s);

    g_string_append_len(joined, c, ce - c);
    add_url(x, joined->str, joined->len, flags, source, NULL);
    g_string_free(joined, TRUE);
    return ce;
}

/*
 * extract_text - URLs written in text. Only the characters that can be
 * part of how a URL starts are looked at: ':' and '[' (scheme separators),
 * 'w' (www.) and '/' (a bare host.tld/ before it).
 */
static void extract_text(struct lw_url_extractor *x, const char *text, unsigned flags, const char *source)
{
    const char *p = text, *end = text + strlen(text);

    while (!x->full && (p = strpbrk(p, ":[/wW")) != NULL) {
        const char *s = NULL, *e;
        size_t sep;

        if ((*p == ':' || *p == '[') && (sep = separator_len(p, end)) > 0
            && (s = scheme_before(text, p)) != NULL) {
            const char *c;

            e = trim_trailing(s, scan_url_end(p + sep, end));
            if (e > p + sep && (c = wrapped_escape(s, e, end)) != NULL)
                e = add_wrapped(x, s, e, c, end, flags, source);
            else if (e > p + sep)
                add_url(x, s, (size_t) (e - s), flags, source, NULL);
            p = e > p + sep ? e : p + sep;
            continue;
        }
        if ((*p == 'w' || *p == 'W') && at_word_start(text, p)
            && (g_ascii_strncasecmp(p, "www.", 4) == 0 || g_ascii_strncasecmp(p, "www[.]", 6) == 0))
            s = p;
        else if (*p == '/' && (s = host_before(text, p)) != NULL && bare_host_end(x, s, end) != p)
            s = NULL;
        if (s != NULL) {
            e = trim_trailing(s, scan_url_end(s, end));
            if (e - s > 4 && memchr(s + 4, '.', (size_t) (e - s - 4)) != NULL)
                add_url(x, s, (size_t) (e - s), flags | LW_URL_NO_SCHEME, source, NULL);
            p = e > p ? e : p + 1;
            continue;
        }
        p++;
    }
}

/* HTML. */

struct html_ctx {
    struct lw_url_extractor *x;
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
 * ASCII tab, CR and LF are removed first, anywhere, as browsers do
 * (WHATWG URL): "ht<TAB>tp://host" is an absolute http link.
 */
static void html_url(struct html_ctx *c, const char *value, unsigned flags, const char *elem,
                     const char *display)
{
    char *source, *resolved = NULL, *clean;
    const char *v;

    if (value == NULL)
        return;
    lw_url_strip_tabs_newlines(clean = g_strdup(value));
    if (skip_link(clean)) {
        g_free(clean);
        return;
    }
    v = clean;
    while (g_ascii_isspace(*v))
        v++;
    if (!has_scheme(v) && !g_str_has_prefix(v, "//") && g_ascii_strncasecmp(v, "www.", 4) != 0) {
        if (c->base == NULL || (resolved = g_uri_resolve_relative(c->base, v, G_URI_FLAGS_PARSE_RELAXED,
                                                                   NULL)) == NULL) {
            g_free(clean);
            return;
        }
        v = resolved;
    }
    source = g_strconcat(c->path, ":", elem, NULL);
    add_url(c->x, v, strlen(v), flags | c->flags, source, display);
    g_free(source);
    g_free(resolved);
    g_free(clean);
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

/* find_css_url - the next "url(" (any case) in CSS text, or NULL */
static const char *find_css_url(const char *p)
{
    const char *start = p;

    while ((p = strchr(p, '(')) != NULL) {
        if (p - start >= 3 && g_ascii_strncasecmp(p - 3, "url", 3) == 0)
            return p - 3;
        p++;
    }
    return NULL;
}

/* find_style_tag - the next "<style" (any case), or NULL */
static const char *find_style_tag(const char *p)
{
    while ((p = strchr(p, '<')) != NULL) {
        if (g_ascii_strncasecmp(p + 1, "style", 5) == 0)
            return p;
        p++;
    }
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

    while ((p = find_css_url(p)) != NULL) {
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

/* collapse_spaces - text with runs of white space made one space, trimmed (g_free) */
static char *collapse_spaces(const char *text)
{
    GString *out = g_string_sized_new(strlen(text));
    int space = 0;

    for (const char *p = text; *p; p = g_utf8_next_char(p)) {
        gunichar c = (guchar) *p < 0x80 ? (gunichar) *p : g_utf8_get_char(p);

        if (c >= 0x80 && lw_is_invisible(c))
            continue;               /* renders as nothing: the reader sees the halves joined */
        if (g_unichar_isspace(c) || c == 0xa0) {
            space = out->len > 0;
            continue;
        }
        if (space)
            g_string_append_c(out, ' ');
        space = 0;
        if (c < 0x80)
            g_string_append_c(out, *p);
        else
            g_string_append_len(out, p, g_utf8_next_char(p) - p);
    }
    return g_string_free(out, FALSE);
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
        display = collapse_spaces(c->anchor_text->str);
        if (strlen(display) > DISPLAY_MAX) {
            char *cut = g_utf8_find_prev_char(display, display + DISPLAY_MAX + 1);

            *(cut ? cut : display) = '\0';
        }
    }
    html_url(c, c->href, LW_URL_HTML_HREF, "a", display);
    g_free(display);
    g_clear_pointer(&c->href, g_free);
}

/* The attributes that can hold a URL, found in one pass over a tag. */
struct url_attrs {
    const char *href, *src, *srcset, *action, *formaction, *background, *style, *alt;
};

static void scan_attrs(const struct lw_html_attr *attrs, struct url_attrs *ua)
{
    memset(ua, 0, sizeof(*ua));
    for (; attrs && attrs->name; attrs++) {
        const char *n = attrs->name;

        switch (n[0]) {
        case 'h': if (strcmp(n, "href") == 0) ua->href = attrs->value; break;
        case 's':
            if (strcmp(n, "src") == 0)
                ua->src = attrs->value;
            else if (strcmp(n, "srcset") == 0)
                ua->srcset = attrs->value;
            else if (strcmp(n, "style") == 0)
                ua->style = attrs->value;
            break;
        case 'a':
            if (strcmp(n, "action") == 0)
                ua->action = attrs->value;
            else if (strcmp(n, "alt") == 0)
                ua->alt = attrs->value;
            break;
        case 'f': if (strcmp(n, "formaction") == 0) ua->formaction = attrs->value; break;
        case 'b': if (strcmp(n, "background") == 0) ua->background = attrs->value; break;
        default: break;
        }
    }
}

/* is_src_element - elements whose src (and srcset) load something */
static int is_src_element(const char *name)
{
    static const char *const src_elems[] = { "img", "iframe", "frame", "embed", "script",
                                             "input", "source", "video", "audio", NULL };

    for (int i = 0; src_elems[i]; i++)
        if (strcmp(name, src_elems[i]) == 0)
            return 1;
    return 0;
}

static void html_start(void *ud, const char *name, const struct lw_html_attr *attrs, int sc)
{
    struct html_ctx *c = ud;
    struct url_attrs ua;

    if (strcmp(name, "meta") == 0) {
        meta_refresh(c, attrs);
        return;
    }
    scan_attrs(attrs, &ua);
    if (ua.style && strchr(ua.style, '(') != NULL)
        css_urls(c, ua.style, "style");
    if (strcmp(name, "a") == 0) {
        close_anchor(c);
        c->in_anchor = 1;
        g_string_truncate(c->anchor_text, 0);
        c->href = g_strdup(ua.href);
    } else if (strcmp(name, "area") == 0) {
        html_url(c, ua.href, LW_URL_HTML_HREF, "area", ua.alt);
    } else if (strcmp(name, "form") == 0) {
        html_url(c, ua.action, LW_URL_FORM_ACTION, "form", NULL);
    } else if (strcmp(name, "base") == 0) {
        if (ua.href != NULL && strstr(ua.href, "://") && c->base == NULL)
            c->base = g_strdup(ua.href);
        html_url(c, ua.href, LW_URL_EMBEDDED, "base", NULL);
    } else if (strcmp(name, "link") == 0) {
        html_url(c, ua.href, LW_URL_EMBEDDED, "link", NULL);
    } else if (ua.src || ua.srcset || ua.formaction || ua.background) {
        if (is_src_element(name)) {
            html_url(c, ua.src, LW_URL_EMBEDDED, name, NULL);
            html_srcset(c, ua.srcset, name);
        }
        html_url(c, ua.formaction, LW_URL_FORM_ACTION, name, NULL);
        html_url(c, ua.background, LW_URL_EMBEDDED, name, NULL);
    }
}

static void html_end(void *ud, const char *name, int hidden)
{
    struct html_ctx *c = ud;

    if (strcmp(name, "a") == 0)
        close_anchor(c);
}

/* html_text_urls - URLs written as text (visible or hidden: both are in the message) */
static void html_text_urls(void *ud, const char *text, size_t len)
{
    struct html_ctx *c = ud;
    char *s, *source;

    if (memchr(text, '.', len) == NULL && memchr(text, ':', len) == NULL)
        return;     /* no URL without a dot (or a defanged "[.]", which has one) */
    s = text[len] == '\0' ? NULL : g_strndup(text, len);     /* the walker's text is a C string */
    source = g_strconcat(c->path, ":text", NULL);
    extract_text(c->x, s ? s : text, LW_URL_TEXT | c->flags, source);
    g_free(source);
    g_free(s);
}

/* html_text - what the reader sees: a link's display text, or URLs written as text */
static void html_text(void *ud, const char *text, size_t len)
{
    struct html_ctx *c = ud;

    if (!c->in_anchor) {
        html_text_urls(ud, text, len);
        return;
    }
    if (c->anchor_text->len < 4 * DISPLAY_MAX)
        g_string_append_len(c->anchor_text, text, (gssize) len);
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

/* needs_qp - HTML still quoted-printable encoded (a part that did not declare it)? */
static int needs_qp(const char *html)
{
    for (const char *p = html; (p = strstr(p, "=3D")) != NULL; p += 3)
        if (p[3] == '"' || p[3] == '\'')
            return 1;
    return 0;
}

static const struct lw_html_handler html_handler = { html_start, html_end, html_text, html_text_urls };

static void html_begin(struct html_ctx *c, struct lw_url_extractor *x, const char *path, unsigned flags)
{
    memset(c, 0, sizeof(*c));
    c->x = x;
    c->path = path;
    c->flags = flags;
    c->anchor_text = g_string_new(NULL);
}

/* html_finish - the last open link, CSS of <style> blocks (the walker skips them); frees c */
static void html_finish(struct html_ctx *c, const char *html)
{
    const char *st = html;

    close_anchor(c);
    while ((st = find_style_tag(st)) != NULL) {
        const char *e = strstr(st, "</");
        char *css = g_strndup(st, e ? (gsize) (e - st) : strlen(st));

        css_urls(c, css, "style");
        g_free(css);
        if (e == NULL)
            break;
        st = e;
    }
    g_free(c->base);
    g_free(c->href);
    g_string_free(c->anchor_text, TRUE);
}

/* extract_html - URLs of one HTML document, in a walk of its own */
static void extract_html(struct lw_url_extractor *x, const char *html, const char *path, unsigned flags)
{
    struct html_ctx c;
    char *qp = NULL;

    if (needs_qp(html))
        html = qp = qp_decode(html);
    html_begin(&c, x, path, flags);
    lw_html_walk(html, strlen(html), &html_handler, &c);
    html_finish(&c, html);
    g_free(qp);
}

/* lw_url_extract_render - render an HTML body part and collect its URLs in one walk (g_free) */
char *lw_url_extract_render(struct lw_url_extractor *x, const struct lw_html *doc, const char *html, const char *path)
{
    struct html_ctx c;
    char *text;

    g_hash_table_add(x->done, g_strdup(path));
    if (x->full)
        return lw_html_render(doc, NULL, NULL);
    if (needs_qp(html)) {
        extract_html(x, html, path, 0);
        return lw_html_render(doc, NULL, NULL);
    }
    html_begin(&c, x, path, 0);
    text = lw_html_render(doc, &html_handler, &c);
    html_finish(&c, html);
    return text;
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
static void extract_pdf(struct lw_url_extractor *x, const char *data, size_t len, const char *path)
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

/*
 * valid_copy - data as a C string of valid UTF-8, each byte that is not
 * part of a valid character replaced by '?' (URLs are ASCII; a Latin-1
 * attachment must not cost one allocation per accented letter). g_free.
 */
static char *valid_copy(const char *data, size_t len)
{
    char *out = g_malloc(len + 1), *w = out;
    const char *p = data, *end = data + len, *bad;

    while (p < end) {
        if (g_utf8_validate_len(p, (gsize) (end - p), &bad)) {
            bad = end;
        }
        memcpy(w, p, (size_t) (bad - p));
        w += bad - p;
        p = bad;
        if (p < end) {
            *w++ = *p ? '?' : ' ';
            p++;
        }
    }
    *w = '\0';
    return out;
}

#define ZIP_MAX_MEMBERS 256     /* members of one ZIP looked at */

/* zip_member_kind - by its name: 1 a web page, 2 a mail message, 0 neither */
static int zip_member_kind(const char *name)
{
    static const char *const pages[] = { ".htm", ".html", ".xhtml", ".shtml", ".svg", NULL };
    const char *dot = name ? strrchr(name, '.') : NULL;

    for (int i = 0; dot && pages[i]; i++)
        if (g_ascii_strcasecmp(dot, pages[i]) == 0)
            return 1;
    return dot && g_ascii_strcasecmp(dot, ".eml") == 0 ? 2 : 0;
}

/* extract_zipped_message - the URLs of a message stored in a ZIP, labelled with where it was */
static void extract_zipped_message(struct lw_url_extractor *x, GBytes *raw, const char *source)
{
    gsize len;
    const char *data = g_bytes_get_data(raw, &len);
    GPtrArray *urls = x->archived(data, len, x->cfg);

    for (guint i = 0; i < urls->len && !x->full; i++) {
        struct lw_url *u = g_ptr_array_index(urls, i);
        char *where = g_strdup_printf("%s:%s", source, u->source ? u->source : "");

        g_free(u->source);
        u->source = where;
        u->flags |= LW_URL_ATTACHMENT;
        g_ptr_array_index(urls, i) = NULL;
        push(x, u);
    }
    g_ptr_array_unref(urls);
}

/*
 * extract_zip - the links of the web pages and messages in a ZIP part,
 * each member inflated to at most max_text_size. Messages found so are not
 * searched for ZIPs again, which bounds the recursion at one level.
 */
static void extract_zip(struct lw_url_extractor *x, const unsigned char *zip, size_t len, const char *path)
{
    struct lw_zip_iter it;
    const struct lw_zip_entry *e;
    unsigned n = 0;

    if (x->msg->from_archive || x->archived == NULL || lw_zip_iter_init(&it, zip, len) < 0)
        return;
    while (!x->full && n++ < ZIP_MAX_MEMBERS && (e = lw_zip_iter_next(&it)) != NULL) {
        int kind = zip_member_kind(e->name);
        GBytes *member;
        char *name, *source;

        if (kind == 0 || (member = lw_zip_extract(&it, e, (size_t) x->cfg->max_text_size)) == NULL)
            continue;
        name = g_utf8_make_valid(e->name, -1);
        source = g_strdup_printf("%s:zip:%s", path, name);
        if (kind == 1) {
            char *text = valid_copy(g_bytes_get_data(member, NULL), g_bytes_get_size(member));

            extract_html(x, text, source, LW_URL_ATTACHMENT);
            g_free(text);
        } else {
            extract_zipped_message(x, member, source);
        }
        g_bytes_unref(member);
        g_free(source);
        g_free(name);
    }
    lw_zip_iter_clear(&it);
}

/* extract_attachment - text/html/PDF/ZIP parts that are not body text */
static void extract_attachment(struct lw_url_extractor *x, const struct lw_part *part)
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
    if (g_str_has_prefix(part->true_type, "application/zip")) {
        extract_zip(x, (const unsigned char *) data, len, part->path);
        return;
    }
    if (strcmp(part->true_type, "text/html") != 0 && strcmp(part->true_type, "text/plain") != 0)
        return;
    if ((long long) len > x->cfg->max_text_size)
        len = (gsize) x->cfg->max_text_size;
    text = valid_copy(data, len);
    if (strcmp(part->true_type, "text/html") == 0) {
        extract_html(x, text, part->path, LW_URL_ATTACHMENT);
    } else {
        char *source = g_strdup_printf("%s:attachment", part->path);

        extract_text(x, text, LW_URL_TEXT | LW_URL_ATTACHMENT, source);
        g_free(source);
    }
    g_free(text);
}

/* lw_url_extract_begin - start collecting the URLs of msg (msg->urls gets lw_url_free) */
struct lw_url_extractor *lw_url_extract_begin(struct lw_message *msg, const struct lw_config *cfg,
                                              lw_archived_urls_fn archived)
{
    struct lw_url_extractor *x = g_new0(struct lw_url_extractor, 1);

    x->msg = msg;
    x->cfg = cfg;
    x->archived = archived;
    x->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    x->done = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    x->parsed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) lw_url_free);
    x->domains = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    x->full = cfg->max_urls == 0;      /* extraction turned off */
    g_ptr_array_set_free_func(msg->urls, (GDestroyNotify) lw_url_free);
    return x;
}

/* lw_url_extract_end - the texts not yet seen, and the attachments; frees x */
void lw_url_extract_end(struct lw_url_extractor *x)
{
    struct lw_message *msg = x->msg;

    for (guint i = 0; i < msg->texts->len && !x->full; i++) {
        const struct lw_text *t = g_ptr_array_index(msg->texts, i);

        if (t->is_html) {
            if (!g_hash_table_contains(x->done, t->path))
                extract_html(x, t->html, t->path, 0);
        } else {
            char *source = g_strdup_printf("%s:text", t->path);

            extract_text(x, t->text, LW_URL_TEXT, source);
            g_free(source);
        }
    }
    for (guint i = 0; i < msg->parts->len && !x->full; i++)
        extract_attachment(x, g_ptr_array_index(msg->parts, i));
    for (guint i = 0; msg->qr && i < msg->qr->len && !x->full; i++) {
        const struct lw_qr *q = g_ptr_array_index(msg->qr, i);
        char *source = g_strdup_printf("%s:qr", q->path);

        extract_text(x, q->text, LW_URL_QR, source);
        g_free(source);
    }
    g_hash_table_unref(x->seen);
    g_hash_table_unref(x->done);
    g_hash_table_unref(x->parsed);
    g_hash_table_unref(x->domains);
    g_free(x);
}
