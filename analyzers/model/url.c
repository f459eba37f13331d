/*
 * url.c - normalize one URL the way a mail client or browser reads it
 *
 * lw_url_parse() turns a URL as written (in a link, in text, in a PDF) into
 * a struct lw_url: the scheme and host lowercased, the host percent-decoded,
 * IDN hosts in both punycode and Unicode, IPv4 hosts written in decimal,
 * octal or hex (http://3232235777/, http://0x7f.1/) turned into dotted
 * quads, IPv6 in canonical form, userinfo (http://paypal.com@evil.cn/)
 * separated from the real host, trailing dots, default ports and an empty
 * path removed, and the registrable domain from libpsl's built-in list.
 * Defanged spellings analysts and attackers use (hxxp://, evil[.]com,
 * [:]//) are refanged and flagged. A URL GLib cannot parse still comes back,
 * flagged LW_URL_UNPARSED, so that nothing found is silently lost.
 *
 * lw_url_unwrap() decodes, offline, the redirectors mail is full of:
 * Google (/url?q=, and its AMP viewer /amp/s/HOST/...), Bing's click
 * redirect (/ck/a?u=a1 + base64url of the target: the search engine's name
 * in front of any site, a favourite of kits), Outlook SafeLinks (?url=), Proofpoint urldefense v2
 * (?u=, -/_ encoding) and v3 (__URL__;), and generic redirect parameters
 * (url, u, redirect, redirect_url, redir, target, dest, destination, goto,
 * link) whose value is itself an absolute URL.
 *
 * lw_url_extract_begin() and its steps (url-extract.c) find the URLs of a message.
 *
 * LIMITS. Hosts longer than 253 bytes or with characters outside a host
 * name are refused (LW_URL_UNPARSED). data: URIs are kept as their first
 * 64 bytes. Thread-safe: no state; psl_builtin() is static and read-only.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <libpsl.h>
#include <gio/gio.h>

#include "model/url.h"

#define DATA_URL_KEEP 64
#define MAX_HOST 253
#define MAX_UNWRAP_DEPTH 4
#define B64_ANY "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"

void lw_url_free(struct lw_url *u)
{
    if (u == NULL)
        return;
    g_free(u->raw);
    g_free(u->url);
    g_free(u->scheme);
    g_free(u->host);
    g_free(u->host_unicode);
    g_free(u->domain);
    g_free(u->userinfo);
    g_free(u->display);
    g_free(u->source);
    g_free(u->target);
    g_free(u);
}

/* lw_url_flag_names - the flags as comma-separated words, for JSON and reports */
char *lw_url_flag_names(unsigned flags)
{
    static const char *const names[] = {
        "href", "form", "embedded", "text", "attachment", "defanged", "no-scheme", "ip-host",
        "numeric-obfuscated", "idn", "userinfo", "redirector", "percent-host", "data",
        "javascript", "pdf", "unwrapped", "unparsed", "qr",
    };
    GString *out = g_string_new(NULL);

    for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
        if (flags & (1u << i))
            g_string_append_printf(out, "%s%s", out->len ? "," : "", names[i]);
    return g_string_free(out, FALSE);
}

/* ipv4_part - one dotted part in decimal, 0-octal or 0x-hex; -1 if not a number */
static int ipv4_part(const char *s, size_t n, guint64 *out, int *odd)
{
    int base = 10;
    guint64 v = 0;

    if (n == 0)
        return -1;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        n -= 2;
        *odd = 1;
    } else if (n >= 2 && s[0] == '0') {
        base = 8;
        s++;
        n--;
        *odd = 1;
    }
    for (size_t i = 0; i < n; i++) {
        int d = g_ascii_xdigit_value(s[i]);

        if (d < 0 || d >= base || v > 0xffffffffull)
            return -1;
        v = v * (guint64) base + (guint64) d;
    }
    *out = v;
    return 0;
}

/* lw_ipv4_parse - the WHATWG IPv4 parser: 1 to 4 parts, the last fills the rest */
int lw_ip_is_local(const char *ip)
{
    static const char *const nets[] = {
        "0.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
        "::1/128", "fc00::/7", "fe80::/10",
    };
    GInetAddress *a = g_inet_address_new_from_string(ip);
    int local = 0;

    for (size_t i = 0; a != NULL && !local && i < G_N_ELEMENTS(nets); i++) {
        GInetAddressMask *m = g_inet_address_mask_new_from_string(nets[i], NULL);

        local = m != NULL && g_inet_address_mask_matches(m, a);
        if (m != NULL)
            g_object_unref(m);
    }
    if (a != NULL)
        g_object_unref(a);
    return local;
}

int lw_ipv4_parse(const char *s, guint32 *addr, int *obfuscated)
{
    guint64 parts[4];
    int n = 0, odd = 0;
    const char *p = s;
    size_t len = strlen(s);

    if (len == 0 || len > 64)
        return -1;
    if (s[len - 1] == '.')
        len--;
    while (p < s + len) {
        const char *dot = memchr(p, '.', (size_t) (s + len - p));
        size_t plen = dot ? (size_t) (dot - p) : (size_t) (s + len - p);

        if (n == 4 || ipv4_part(p, plen, &parts[n], &odd) < 0)
            return -1;
        n++;
        p += plen + (dot ? 1 : 0);
        if (dot && p == s + len)
            return -1;
    }
    if (n == 0)
        return -1;
    for (int i = 0; i < n - 1; i++)
        if (parts[i] > 255)
            return -1;
    if (parts[n - 1] >= (1ull << (8 * (5 - n))))
        return -1;
    *addr = (guint32) parts[n - 1];
    for (int i = 0; i < n - 1; i++)
        *addr |= (guint32) parts[i] << (24 - 8 * i);
    if (obfuscated)
        *obfuscated = odd || n != 4;
    return 0;
}

/* valid_ascii_host - only letters, digits, '-', '_' and '.', no empty label */
static int valid_ascii_host(const char *h)
{
    size_t n = strlen(h);

    if (n == 0 || n > MAX_HOST || h[0] == '.' || strstr(h, "..") != NULL)
        return 0;
    for (const char *p = h; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.' && *p != '_')
            return 0;
    return 1;
}

/* lw_host_normalize - canonical ASCII host, or NULL when it is not a host name */
char *lw_host_normalize(const char *host, unsigned *flags)
{
    char *dec, *ascii, *lower;
    struct in6_addr a6;
    guint32 a4;
    int odd = 0;
    size_t n;
    unsigned dummy = 0;

    if (flags == NULL)
        flags = &dummy;
    if (host == NULL || *host == '\0')
        return NULL;
    dec = strchr(host, '%') ? g_uri_unescape_string(host, NULL) : g_strdup(host);
    if (dec == NULL || !g_utf8_validate(dec, -1, NULL)) {
        g_free(dec);
        return NULL;
    }
    n = strlen(dec);
    if (n >= 2 && dec[0] == '[' && dec[n - 1] == ']') {
        memmove(dec, dec + 1, n - 2);
        dec[n - 2] = '\0';
    }
    if (strchr(dec, ':') != NULL) {
        char buf[INET6_ADDRSTRLEN];

        if (inet_pton(AF_INET6, dec, &a6) != 1) {
            g_free(dec);
            return NULL;
        }
        g_free(dec);
        *flags |= LW_URL_IP_HOST;
        return g_strdup(inet_ntop(AF_INET6, &a6, buf, sizeof(buf)));
    }
    while ((n = strlen(dec)) > 1 && dec[n - 1] == '.')
        dec[n - 1] = '\0';
    if (lw_ipv4_parse(dec, &a4, &odd) == 0) {
        g_free(dec);
        *flags |= LW_URL_IP_HOST | (odd ? LW_URL_NUMERIC_OBFUSCATED : 0);
        return g_strdup_printf("%u.%u.%u.%u", a4 >> 24, (a4 >> 16) & 255, (a4 >> 8) & 255, a4 & 255);
    }
    if (!g_str_is_ascii(dec))
        *flags |= LW_URL_IDN;
    /* plain ASCII only needs lowercasing; IDNA (NFKC, punycode) is for the rest */
    ascii = g_str_is_ascii(dec) ? g_strdup(dec) : g_hostname_to_ascii(dec);
    g_free(dec);
    if (ascii == NULL)
        return NULL;
    lower = g_ascii_strdown(ascii, -1);
    g_free(ascii);
    while ((n = strlen(lower)) > 1 && lower[n - 1] == '.')
        lower[n - 1] = '\0';
    if (!valid_ascii_host(lower)) {
        g_free(lower);
        return NULL;
    }
    if (g_hostname_is_ascii_encoded(lower))
        *flags |= LW_URL_IDN;
    /* NFKC may have produced a numeric host from full-width digits */
    if (lw_ipv4_parse(lower, &a4, &odd) == 0) {
        g_free(lower);
        *flags |= LW_URL_IP_HOST | LW_URL_NUMERIC_OBFUSCATED;
        return g_strdup_printf("%u.%u.%u.%u", a4 >> 24, (a4 >> 16) & 255, (a4 >> 8) & 255, a4 & 255);
    }
    return lower;
}

/* refang - undo the defanging conventions; sets *defanged when anything changed */
static char *refang(const char *s, size_t len, int *defanged)
{
    static const struct { const char *from, *to; } subst[] = {
        { "[.]", "." }, { "(.)", "." }, { "{.}", "." }, { "[dot]", "." }, { "(dot)", "." },
        { "[:]", ":" }, { "[://]", "://" }, { "[/]", "/" }, { "[@]", "@" },
    };
    GString *out = g_string_sized_new(len);
    size_t i = 0;

    *defanged = 0;
    /* scheme: hxxp, hXXp, h**p, hxxps; fxp */
    if (len >= 4 && (s[0] == 'h' || s[0] == 'H') && strchr("xX*", s[1]) && strchr("xX*", s[2])
        && (s[3] == 'p' || s[3] == 'P')) {
        g_string_append(out, "http");
        i = 4;
        *defanged = 1;
    } else if (len >= 3 && (s[0] == 'f' || s[0] == 'F') && (s[1] == 'x' || s[1] == 'X')
               && (s[2] == 'p' || s[2] == 'P')) {
        g_string_append(out, "ftp");
        i = 3;
        *defanged = 1;
    }
    while (i < len) {
        size_t k = 0;

        if (s[i] != '[' && s[i] != '(' && s[i] != '{') {
            g_string_append_c(out, s[i++]);
            continue;
        }
        for (k = 0; k < G_N_ELEMENTS(subst); k++) {
            size_t fl = strlen(subst[k].from);

            if (len - i >= fl && g_ascii_strncasecmp(s + i, subst[k].from, fl) == 0) {
                g_string_append(out, subst[k].to);
                i += fl;
                *defanged = 1;
                break;
            }
        }
        if (k == G_N_ELEMENTS(subst))
            g_string_append_c(out, s[i++]);
    }
    return g_string_free(out, FALSE);
}

/* scheme_len - length of a leading "scheme:" (without ':'), or 0 */
static size_t scheme_len(const char *s)
{
    size_t i = 0;

    if (!g_ascii_isalpha(s[0]))
        return 0;
    while (g_ascii_isalnum(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
        i++;
    if (s[i] != ':' || i > 32)
        return 0;
    /* "host.tld:8080/x" is a host and port, not a scheme */
    if (strchr(s, '.') && strchr(s, '.') < s + i && g_ascii_isdigit(s[i + 1]))
        return 0;
    return i;
}

static int default_port(const char *scheme)
{
    if (strcmp(scheme, "http") == 0 || strcmp(scheme, "ws") == 0)
        return 80;
    if (strcmp(scheme, "https") == 0 || strcmp(scheme, "wss") == 0)
        return 443;
    if (strcmp(scheme, "ftp") == 0)
        return 21;
    return -1;
}

/* default_port_of - default_port() of the scheme written in the first n bytes of s */
static int default_port_of(const char *s, size_t n)
{
    char *scheme = g_ascii_strdown(s, (gssize) n);
    int port = default_port(scheme);

    g_free(scheme);
    return port;
}

/* lw_url_strip_tabs_newlines - browsers drop ASCII tab, CR and LF anywhere in a URL (WHATWG URL) */
void lw_url_strip_tabs_newlines(char *s)
{
    char *w = s;

    for (char *r = s; *r; r++)
        if (*r != '\t' && *r != '\r' && *r != '\n')
            *w++ = *r;
    *w = '\0';
}

/* unparsed - the entry for a URL GLib or our host check refused */
static struct lw_url *unparsed(struct lw_url *u, const char *fixed)
{
    g_clear_pointer(&u->url, g_free);
    g_clear_pointer(&u->scheme, g_free);
    g_clear_pointer(&u->host, g_free);
    g_clear_pointer(&u->host_unicode, g_free);
    g_clear_pointer(&u->domain, g_free);
    g_clear_pointer(&u->userinfo, g_free);
    u->url = g_utf8_make_valid(fixed, -1);
    u->flags |= LW_URL_UNPARSED;
    u->port = -1;
    return u;
}

/*
 * s3_suffix - in the virtual-hosted name of an Amazon S3 bucket
 * (BUCKET.s3.REGION.amazonaws.com, and s3-REGION, s3.dualstack.REGION,
 * s3-website-REGION, s3-website.REGION), where the endpoint's suffix
 * starts, with at least one label before it; else NULL. The public suffix
 * list has listed every region's endpoints as private suffixes since 2023,
 * but the copy built into Debian 12's libpsl (February 2023) only some:
 * elsewhere a bucket read as amazonaws.com, a site everyone knows, and a
 * wallet-drainer page in its own bucket went unseen.
 */
static const char *s3_suffix(const char *host)
{
    size_t n = strlen(host);
    const char *suffix = NULL;

    if (n <= 14 || strcmp(host + n - 14, ".amazonaws.com") != 0)
        return NULL;
    for (const char *p = strchr(host, '.'); p && p < host + n - 14; p = strchr(p + 1, '.'))
        if (strncmp(p + 1, "s3.", 3) == 0 || strncmp(p + 1, "s3-", 3) == 0)
            suffix = p + 1;         /* the last such label: bucket names may hold "s3-" */
    return suffix;
}

/*
 * registrable - the registrable domain of an ASCII host (g_free), or NULL;
 * through cache (host -> domain, "" for none) when the caller has one
 */
static char *registrable(const char *host, GHashTable *cache)
{
    const char *d, *hit, *s3;
    char *own;

    if (cache && (hit = g_hash_table_lookup(cache, host)) != NULL)
        return *hit ? g_strdup(hit) : NULL;
    d = psl_registrable_domain(psl_builtin(), host);
    if (d && strcmp(d, "amazonaws.com") == 0 && (s3 = s3_suffix(host)) != NULL) {
        const char *label = s3 - 1;     /* the '.' before the suffix */

        while (label > host && label[-1] != '.')
            label--;
        d = label;                      /* the bucket's last label and the endpoint */
    }
    own = d ? g_strdup(d) : NULL;
    if (cache)
        g_hash_table_insert(cache, g_strdup(host), g_strdup(own ? own : ""));
    return own;
}

/* set_domain - the registrable domain and Unicode form of u->host */
static void set_domain(struct lw_url *u, GHashTable *cache)
{
    if (u->host == NULL || (u->flags & LW_URL_IP_HOST))
        return;
    u->domain = registrable(u->host, cache);
    u->host_unicode = strstr(u->host, "xn--") ? g_hostname_to_unicode(u->host) : g_strdup(u->host);
}

/* authority_has_percent - is there a %-escape between "//" (or '@') and the path? */
static int authority_has_percent(const char *s)
{
    const char *a = strstr(s, "//"), *end, *at;

    if (a == NULL)
        return 0;
    a += 2;
    end = a + strcspn(a, "/?#");
    for (at = a; at < end; at++)
        if (*at == '@')
            a = at + 1;
    return memchr(a, '%', (size_t) (end - a)) != NULL;
}

/* parse_mailto - mailto:user@host: host and domain of the address */
static struct lw_url *parse_mailto(struct lw_url *u, const char *s, GHashTable *cache)
{
    char *dec = g_uri_unescape_segment(s + 7, s + 7 + strcspn(s + 7, "?"), NULL);
    char *addr = dec ? dec : (char *) s + 7, *host, *end;
    const char *at;
    size_t n = strlen(addr);

    /* mailto:<a@b> is written often enough */
    if (dec && n >= 2 && addr[0] == '<' && addr[n - 1] == '>') {
        addr[n - 1] = '\0';
        addr++;
    }
    at = strrchr(addr, '@');

    u->scheme = g_strdup("mailto");
    if (at == NULL || !g_utf8_validate(addr, -1, NULL)) {
        g_free(dec);
        return unparsed(u, s);
    }
    host = g_strdup(at + 1);
    end = lw_host_normalize(host, &u->flags);
    g_free(host);
    if (end == NULL) {
        g_free(dec);
        return unparsed(u, s);
    }
    u->host = end;
    u->url = g_strdup_printf("mailto:%.*s@%s%s", (int) (at - addr), addr, u->host, s + 7 + strcspn(s + 7, "?"));
    g_free(dec);
    set_domain(u, cache);
    return u;
}

/* build - the normalized URL text from a parsed GUri and the normalized host */
static char *build(const struct lw_url *u, GUri *g)
{
    GString *out = g_string_new(u->scheme);
    const char *path = g_uri_get_path(g), *q = g_uri_get_query(g), *f = g_uri_get_fragment(g);

    g_string_append(out, "://");
    if (u->userinfo)
        g_string_append_printf(out, "%s@", u->userinfo);
    if (strchr(u->host, ':'))
        g_string_append_printf(out, "[%s]", u->host);
    else
        g_string_append(out, u->host);
    if (u->port >= 0)
        g_string_append_printf(out, ":%d", u->port);
    if (path && strcmp(path, "/") != 0)
        g_string_append(out, path);
    if (q)
        g_string_append_printf(out, "?%s", q);
    if (f)
        g_string_append_printf(out, "#%s", f);
    return g_string_free(out, FALSE);
}

/* parse_hierarchical - scheme://authority/path URLs through GUri */
static struct lw_url *parse_hierarchical(struct lw_url *u, const char *s, GHashTable *cache)
{
    GUri *g = g_uri_parse(s, G_URI_FLAGS_PARSE_RELAXED | G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS, NULL);
    const char *host, *ui;
    int port;

    if (g == NULL)
        return unparsed(u, s);
    u->scheme = g_ascii_strdown(g_uri_get_scheme(g), -1);
    if ((host = g_uri_get_host(g)) == NULL || *host == '\0') {
        g_uri_unref(g);
        if (default_port(u->scheme) > 0)
            return unparsed(u, s);
        u->url = g_strdup(s);      /* file:///C:/x and the like: no host to speak of */
        return u;
    }
    if (authority_has_percent(s))
        u->flags |= LW_URL_PERCENT_HOST;
    if ((u->host = lw_host_normalize(host, &u->flags)) == NULL) {
        g_uri_unref(g);
        return unparsed(u, s);
    }
    if ((ui = g_uri_get_userinfo(g)) != NULL && *ui != '\0') {
        u->userinfo = g_utf8_make_valid(ui, -1);
        u->flags |= LW_URL_USERINFO;
    }
    port = g_uri_get_port(g);
    u->port = port == default_port(u->scheme) ? -1 : port;
    u->url = build(u, g);
    g_uri_unref(g);
    set_domain(u, cache);
    return u;
}

struct lw_url *lw_url_parse(const char *text, gssize len, unsigned flags)
{
    return lw_url_parse_cached(text, len, flags, NULL);
}

/* lw_url_parse_cached - normalize one URL as written; NULL if there is nothing */
struct lw_url *lw_url_parse_cached(const char *text, gssize len, unsigned flags, GHashTable *cache)
{
    struct lw_url *u;
    char *trimmed, *s, *abs;
    int defanged;
    size_t sl;

    if (text == NULL)
        return NULL;
    trimmed = g_strstrip(g_utf8_make_valid(text, len));
    if (*trimmed == '\0') {
        g_free(trimmed);
        return NULL;
    }
    u = g_new0(struct lw_url, 1);
    u->raw = trimmed;
    u->flags = flags;
    u->port = -1;
    s = refang(trimmed, strlen(trimmed), &defanged);
    if (defanged)
        u->flags |= LW_URL_DEFANGED;
    lw_url_strip_tabs_newlines(s);
    /* browsers read http:\\host\path as http://host/path */
    for (char *p = s; *p && *p != '?' && *p != '#'; p++)
        if (*p == '\\')
            *p = '/';
    sl = scheme_len(s);
    if (sl >= 3 && sl <= 5 && s[sl + 1] == '/' && s[sl + 2] != '/' && default_port_of(s, sl) > 0) {
        /* browsers read http:/host as http://host */
        abs = g_strdup_printf("%.*s://%s", (int) sl, s, s + sl + 2);
        g_free(s);
        s = abs;
    }
    if (sl == 0) {
        abs = g_strconcat(g_str_has_prefix(s, "//") ? "http:" : "http://", s, NULL);
        g_free(s);
        s = abs;
        u->flags |= LW_URL_NO_SCHEME;
        sl = 4;
    }
    if (g_ascii_strncasecmp(s, "data:", 5) == 0) {
        u->scheme = g_strdup("data");
        u->url = g_strndup(s, strlen(s) > DATA_URL_KEEP ? DATA_URL_KEEP : strlen(s));
        u->flags |= LW_URL_DATA;
    } else if (g_ascii_strncasecmp(s, "javascript:", 11) == 0 || g_ascii_strncasecmp(s, "vbscript:", 9) == 0) {
        u->scheme = g_ascii_strdown(s, (gssize) sl);
        u->url = g_strdup(s);
        u->flags |= LW_URL_JAVASCRIPT;
    } else if (g_ascii_strncasecmp(s, "mailto:", 7) == 0) {
        parse_mailto(u, s, cache);
    } else if (strncmp(s + sl, "://", 3) == 0 || strncmp(s + sl, ":/", 2) == 0) {
        parse_hierarchical(u, s, cache);
    } else {
        u->scheme = g_ascii_strdown(s, (gssize) sl);
        u->url = g_strdup(s);
    }
    g_free(s);
    return u;
}

/* Redirectors. */

/* query_param - the decoded value of parameter name in u's query, or NULL (g_free) */
static char *query_param(const char *url, const char *name)
{
    const char *q = strchr(url, '?');
    char *frag_free, *val = NULL;
    gchar **pairs;

    if (q == NULL)
        return NULL;
    frag_free = g_strndup(q + 1, strcspn(q + 1, "#"));
    pairs = g_strsplit_set(frag_free, "&;", -1);
    for (int i = 0; pairs[i] && val == NULL; i++) {
        char *eq = strchr(pairs[i], '=');

        if (eq == NULL || (size_t) (eq - pairs[i]) != strlen(name)
            || g_ascii_strncasecmp(pairs[i], name, strlen(name)) != 0)
            continue;
        for (char *p = eq + 1; *p; p++)
            if (*p == '+')
                *p = ' ';
        val = g_uri_unescape_string(eq + 1, NULL);
    }
    g_strfreev(pairs);
    g_free(frag_free);
    return val;
}

/* looks_absolute - does a parameter value name a web URL of its own? */
static int looks_absolute(const char *v)
{
    return v && (g_ascii_strncasecmp(v, "http://", 7) == 0 || g_ascii_strncasecmp(v, "https://", 8) == 0
                 || g_ascii_strncasecmp(v, "hxxp", 4) == 0 || g_ascii_strncasecmp(v, "www.", 4) == 0);
}

/* proofpoint_v2 - urldefense v2 ?u=: '-' stands for '%' and '_' for '/' */
static char *proofpoint_v2(const char *url)
{
    char *u = query_param(url, "u"), *dec;

    if (u == NULL)
        return NULL;
    for (char *p = u; *p; p++)
        *p = *p == '-' ? '%' : *p == '_' ? '/' : *p;
    dec = g_uri_unescape_string(u, NULL);
    g_free(u);
    return dec;
}

/* b64url_decode - the first len bytes of s, unpadded base64url, decoded (g_free; *n its length) */
static guchar *b64url_decode(const char *s, size_t len, gsize *n)
{
    static const char *const pads[] = { "", "=", "==", "" };
    char *t = g_strdup_printf("%.*s%s", (int) len, s, pads[(4 - len % 4) % 4]);
    guchar *raw;

    for (char *p = t; *p; p++)
        *p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
    raw = g_base64_decode(t, n);
    g_free(t);
    return raw;
}

/* proofpoint_v3 - urldefense v3: /v3/__URL__;BASE64!!...; '*' marks bytes moved to BASE64 */
static char *proofpoint_v3(const char *url)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const char *s = strstr(url, "/v3/__"), *e, *tok;
    GString *out;
    guchar *repl = NULL;
    gsize rlen = 0, ri = 0;

    if (s == NULL || (e = strstr(s + 6, "__;")) == NULL)
        return NULL;
    s += 6;
    tok = e + 3;
    if (memchr(s, '*', (size_t) (e - s)))
        repl = b64url_decode(tok, strcspn(tok, "!"), &rlen);   /* the token comes unpadded */
    out = g_string_sized_new((gsize) (e - s));
    for (const char *p = s; p < e; p++) {
        size_t run = 1;

        if (*p != '*') {
            g_string_append_c(out, *p);
            continue;
        }
        if (p + 2 < e && p[1] == '*' && strchr(b64, p[2])) {
            run = (size_t) (strchr(b64, p[2]) - b64) + 2;
            p += 2;
        }
        /* each replaced character is one UTF-8 character of the token */
        for (size_t k = 0; k < run && ri < rlen; k++) {
            gsize clen = 1;

            while (ri + clen < rlen && (repl[ri + clen] & 0xc0) == 0x80)
                clen++;
            g_string_append_len(out, (const char *) repl + ri, (gssize) clen);
            ri += clen;
        }
    }
    g_free(repl);
    return g_string_free(out, FALSE);
}

/* has_embedded_url - could the query hold a URL ("http", "www.", encoded or not)? */
static int has_embedded_url(const char *q)
{
    if (q == NULL)
        return 0;
    for (; *q; q++)
        if ((*q == 'h' || *q == 'H' || *q == 'w' || *q == 'W')
            && (g_ascii_strncasecmp(q, "http", 4) == 0 || g_ascii_strncasecmp(q, "www.", 4) == 0))
            return 1;
    return 0;
}

/* google_amp - Google's AMP viewer: /amp/s/HOST/PATH is https://HOST/PATH, /amp/HOST/PATH http:// */
static char *google_amp(const char *path)
{
    const char *rest = path + 5, *scheme = "http://";

    if (g_str_has_prefix(rest, "s/")) {
        rest += 2;
        scheme = "https://";
    }
    if (strchr(rest, '.') == NULL || strcspn(rest, "./?#") == 0)
        return NULL;
    return g_strconcat(scheme, rest, NULL);
}

/* bing_ck - Bing's click redirect: u=a1 followed by the target in unpadded base64url */
static char *bing_ck(const char *url)
{
    char *u = query_param(url, "u"), *target = NULL;
    guchar *raw;
    gsize n = 0;

    if (u == NULL || !g_str_has_prefix(u, "a1")) {
        g_free(u);
        return NULL;
    }
    raw = b64url_decode(u + 2, strlen(u + 2), &n);
    if (n > 0 && memchr(raw, '\0', n) == NULL && g_utf8_validate((const char *) raw, (gssize) n, NULL))
        target = g_strndup((const char *) raw, n);
    if (!looks_absolute(target)) {
        g_free(target);
        target = NULL;
    }
    g_free(raw);
    g_free(u);
    return target;
}

/*
 * ses_click - Amazon SES click tracking: /L0/TARGET/N/MESSAGE/SIGNATURE on
 * awstrack.me, TARGET percent-encoded whole (its slashes are %2F)
 */
static char *ses_click(const char *path)
{
    const char *t = path + 4;
    char *enc = g_strndup(t, strcspn(t, "/?#")), *target = g_uri_unescape_string(enc, NULL);

    g_free(enc);
    if (!looks_absolute(target)) {
        g_free(target);
        target = NULL;
    }
    return target;
}

/*
 * b64_target - a web URL carried base64-encoded in s (len bytes), or NULL
 * (g_free). Base64 of "http" always begins "aHR0c", so only such a token
 * is decoded: "https://" as "aHR0cHM6Ly", "https%3A%2F%2F" (encoded
 * first, as ActiveCampaign does) as "aHR0cHMlM0El". Either alphabet,
 * padded or not.
 */
static char *b64_target(const char *s, size_t len)
{
    char *text, *target = NULL;
    guchar *raw;
    gsize n = 0;

    while (len > 0 && s[len - 1] == '=')
        len--;
    if (len < 12 || strncmp(s, "aHR0c", 5) != 0 || strspn(s, B64_ANY) < len)
        return NULL;
    raw = b64url_decode(s, len, &n);
    text = n > 0 && memchr(raw, '\0', n) == NULL ? g_strndup((const char *) raw, n) : NULL;
    g_free(raw);
    if (text && g_ascii_strncasecmp(text, "http%3A", 7) != 0 && g_ascii_strncasecmp(text, "https%3A", 8) != 0)
        target = text;
    else if (text) {
        target = g_uri_unescape_string(text, NULL);
        g_free(text);
    }
    if (target && (!g_utf8_validate(target, -1, NULL) || !looks_absolute(target))) {
        g_free(target);
        target = NULL;
    }
    return target;
}

/*
 * carried_target - a click tracker or open redirect that carries its
 * target base64-encoded, in a parameter's value ("redirectUrl=aHR0c...")
 * or as the last segment of the path (Mailjet's /lnk/.../aHR0c...):
 * encoding the target is a choice to send the reader there, whoever runs
 * the host. NULL when neither holds one (g_free).
 */
static char *carried_target(const char *path)
{
    const char *q = path + strcspn(path, "?#"), *seg = q;
    char *target = NULL;

    while (seg > path && seg[-1] != '/')
        seg--;
    if (q > seg && (target = b64_target(seg, (size_t) (q - seg))) != NULL)
        return target;
    if (*q != '?')
        return NULL;
    for (const char *v = strchr(q, '='); v && target == NULL; v = strchr(v, '=')) {
        char *val, *dec;

        if (strncmp(++v, "aHR0c", 5) != 0)     /* letters and digits are never percent-encoded */
            continue;
        val = g_strndup(v, strcspn(v, "&;#"));
        dec = g_uri_unescape_string(val, NULL);     /* "=" padding arrives as %3D */
        target = dec ? b64_target(dec, strlen(dec)) : NULL;
        g_free(dec);
        g_free(val);
    }
    return target;
}

/* unwrap_once - the raw target of one redirector layer, or NULL */
static char *unwrap_once(const struct lw_url *u)
{
    static const char *const generic[] = {
        "url", "u", "redirect", "redirect_url", "redirect_uri", "redir", "target", "dest",
        "destination", "goto", "link", "q", NULL,
    };
    const char *h = u->host, *path;
    char *v;

    if (h == NULL || u->url == NULL || (u->flags & LW_URL_UNPARSED))
        return NULL;
    path = strstr(u->url, "://");
    path = path ? path + 3 + strcspn(path + 3, "/?#") : u->url;
    if (u->domain && g_str_has_prefix(u->domain, "google.") && g_str_has_prefix(path, "/url?")) {
        if (looks_absolute(v = query_param(u->url, "q")) || (g_free(v), looks_absolute(v = query_param(u->url, "url"))))
            return v;
        g_free(v);
        return NULL;
    }
    if (u->domain && g_str_has_prefix(u->domain, "google.") && g_str_has_prefix(path, "/amp/"))
        return google_amp(path);
    if (u->domain && strcmp(u->domain, "bing.com") == 0 && g_str_has_prefix(path, "/ck/a?"))
        return bing_ck(u->url);
    if (u->domain && strcmp(u->domain, "awstrack.me") == 0 && g_str_has_prefix(path, "/L0/"))
        return ses_click(path);
    if (g_str_has_suffix(h, "safelinks.protection.outlook.com"))
        return query_param(u->url, "url");
    if (strcmp(h, "urldefense.proofpoint.com") == 0 && g_str_has_prefix(path, "/v2/"))
        return proofpoint_v2(u->url);
    if ((strcmp(h, "urldefense.com") == 0 || strcmp(h, "urldefense.proofpoint.com") == 0)
        && g_str_has_prefix(path, "/v3/__"))
        return proofpoint_v3(u->url);
    if ((v = carried_target(path)) != NULL)
        return v;
    if (!has_embedded_url(strchr(u->url, '?')))
        return NULL;
    for (int i = 0; generic[i]; i++) {
        if (strcmp(generic[i], "q") == 0)
            break;      /* q is Google's; elsewhere it is a search query */
        v = query_param(u->url, generic[i]);
        if (looks_absolute(v))
            return v;
        g_free(v);
    }
    return NULL;
}

int lw_url_customer_domain(const char *registrable)
{
    const char *suffix = registrable ? strchr(registrable, '.') : NULL;

    return suffix != NULL && (psl_is_public_suffix2(psl_builtin(), suffix + 1, PSL_TYPE_PRIVATE | PSL_TYPE_NO_STAR_RULE)
                              || s3_suffix(registrable) == suffix + 1);
}

int lw_url_s3_bucket(const char *host)
{
    return host != NULL && s3_suffix(host) != NULL;
}

char *lw_url_registrable(const char *host, GHashTable *cache)
{
    return registrable(host, cache);
}

/* lw_url_unwrap - follow redirector layers, offline, to the final target */
char *lw_url_unwrap(const struct lw_url *u)
{
    char *result = NULL, *raw;
    struct lw_url *cur = NULL;

    for (int depth = 0; depth < MAX_UNWRAP_DEPTH; depth++) {
        struct lw_url *next;

        if ((raw = unwrap_once(cur ? cur : u)) == NULL)
            break;
        next = lw_url_parse(raw, -1, 0);
        g_free(raw);
        if (next == NULL || (next->flags & LW_URL_UNPARSED)) {
            lw_url_free(next);
            break;
        }
        lw_url_free(cur);
        cur = next;
        g_free(result);
        result = g_strdup(cur->url);
    }
    lw_url_free(cur);
    return result;
}
