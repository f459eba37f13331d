/*
 * warninglist.c - MISP warninglists: values that show up in bad mail but must never block
 *
 * NAME
 *     lw_warninglists_load, lw_warninglists_configured, lw_warninglists_match,
 *     lw_warninglists_free
 *
 * DESCRIPTION
 *     A warninglist (the JSON of MISP/misp-warninglists: name, type, list,
 *     matching_attributes) names values that are not malicious although
 *     they appear in malicious mail: the most visited sites, public mail
 *     providers, URL shorteners, banks' real sites. lurewatch never uses
 *     such a value to block (exports, imported feeds).
 *
 *     lw_warninglists_load() reads every *.json file of a directory, in
 *     name order, into one immutable set. A list applies to the indicator
 *     types its matching_attributes name (MISP attribute types: domain and
 *     hostname cover domain, sender-domain and message-id-domain; url;
 *     ip-src/ip-dst; email-src...; md5, sha1, sha256 and filename|HASH;
 *     filename; email-subject; email-x-mailer); a list without them
 *     applies to every type. How each list type matches:
 *       hostname   the name and every name below it (suffix walk)
 *       string     the exact value, case-insensitively; an entry with a
 *                  leading dot (".google.ad", as MISP's google and
 *                  microsoft lists write them) also covers the names below
 *       substring  any value containing the entry
 *       cidr       addresses (and networks) inside the range; the ranges
 *                  of all lists are merged into sorted, disjoint intervals
 *       regex      a PCRE (GRegex) match; "/re/i" delimiters are accepted
 *     Host names are compared lower case, as A-labels, without a trailing dot.
 *
 *     A URL is matched as a whole by string, substring and regex lists; a
 *     hostname or string list names a URL by its host only when the URL
 *     is the bare site (no path beyond "/", no query; userinfo and a
 *     fragment, which no server sees, do not count). A URL names one
 *     object on its host: blocking docs.google.com/forms/d/X hurts nobody
 *     else, blocking docs.google.com would. An e-mail address is matched
 *     whole, and its domain is walked only by lists that name e-mail
 *     attribute types (a list of free-mail domains that names only domain
 *     keeps user@gmail.com an indicator while gmail.com is not one).
 *
 *     Lookups cost a few hash lookups (one per label of the host), a
 *     binary search for addresses, and one pass over the substring and
 *     regex entries that apply to the type.
 *
 * DIAGNOSTICS
 *     "FILE: reason" (with the JSON line when the file does not parse).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "indicators/warninglist.h"
#include "util/digest.h"
#include "util/sort.h"

#define T(x) (1u << (x))
#define HOST_TYPES (T(LW_IOC_DOMAIN) | T(LW_IOC_SENDER_DOMAIN) | T(LW_IOC_MSGID_DOMAIN))
#define IP_TYPES (T(LW_IOC_IPV4) | T(LW_IOC_IPV6))
#define ALL_TYPES ((1u << LW_IOC_NTYPES) - 1)

enum wl_kind { WL_STRING, WL_HOSTNAME, WL_SUBSTRING, WL_CIDR, WL_REGEX };

static const char *const kind_names[] = { "string", "hostname", "substring", "cidr", "regex" };

/* MISP attribute types (each part of a composite like filename|sha256) -> indicator types */
static const struct {
    const char *attr;
    guint32 types;
} attr_map[] = {
    { "domain", HOST_TYPES }, { "hostname", HOST_TYPES },
    { "ip", IP_TYPES }, { "ip-src", IP_TYPES }, { "ip-dst", IP_TYPES },
    { "url", T(LW_IOC_URL) }, { "uri", T(LW_IOC_URL) }, { "link", T(LW_IOC_URL) },
    { "email", T(LW_IOC_EMAIL) }, { "email-src", T(LW_IOC_EMAIL) }, { "email-dst", T(LW_IOC_EMAIL) },
    { "email-reply-to", T(LW_IOC_EMAIL) }, { "target-email", T(LW_IOC_EMAIL) },
    { "md5", T(LW_IOC_MD5) }, { "malware-sample", T(LW_IOC_MD5) | T(LW_IOC_FILENAME) },
    { "sha1", T(LW_IOC_SHA1) }, { "sha256", T(LW_IOC_SHA256) },
    { "filename", T(LW_IOC_FILENAME) }, { "email-attachment", T(LW_IOC_FILENAME) },
    { "email-subject", T(LW_IOC_SUBJECT) }, { "email-x-mailer", T(LW_IOC_X_MAILER) },
};

struct wl_list {
    char *name;
    guint32 types;              /* T(type) of the indicator types it applies to */
};

/* A chain of the lists naming one key of the exact or below tables. */
struct wl_entry {
    const struct wl_list *list;
    struct wl_entry *next;
};

struct wl_range {
    guint8 lo[16], hi[16];
    const struct wl_list *list;
};

struct wl_pattern {
    char *text;                 /* substring entry, lower case */
    GRegex *re;                 /* regex entry */
    const struct wl_list *list;
};

struct lw_warninglists {
    GPtrArray *lists;           /* struct wl_list * (owned) */
    GPtrArray *entries;         /* struct wl_entry * (owned): the chains' links */
    GHashTable *exact;          /* lower-case value -> struct wl_entry * */
    GHashTable *below;          /* host -> struct wl_entry *: the host and every name below it */
    GArray *v4, *v6;            /* struct wl_range, sorted, disjoint after load */
    GPtrArray *patterns;        /* struct wl_pattern * (owned): substrings and regexes */
    guint32 types;              /* every type some list applies to */
    size_t values;
    struct lw_sha256 *sum;      /* of the names and texts loaded, while loading */
    char *sha256;               /* the same, once loaded (the cache tag) */
};

/* ---- building ---- */

static void list_free(gpointer p)
{
    struct wl_list *l = p;

    g_free(l->name);
    g_free(l);
}

static void pattern_free(gpointer p)
{
    struct wl_pattern *pt = p;

    g_free(pt->text);
    if (pt->re)
        g_regex_unref(pt->re);
    g_free(pt);
}

static struct lw_warninglists *wl_new(void)
{
    struct lw_warninglists *wl = g_new0(struct lw_warninglists, 1);

    wl->lists = g_ptr_array_new_with_free_func(list_free);
    wl->entries = g_ptr_array_new_with_free_func(g_free);
    wl->exact = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    wl->below = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    wl->v4 = g_array_new(FALSE, FALSE, sizeof(struct wl_range));
    wl->v6 = g_array_new(FALSE, FALSE, sizeof(struct wl_range));
    wl->patterns = g_ptr_array_new_with_free_func(pattern_free);
    wl->sum = lw_sha256_new();
    return wl;
}

void lw_warninglists_free(struct lw_warninglists *wl)
{
    if (wl == NULL)
        return;
    g_hash_table_unref(wl->exact);
    g_hash_table_unref(wl->below);
    g_ptr_array_unref(wl->entries);
    g_array_unref(wl->v4);
    g_array_unref(wl->v6);
    g_ptr_array_unref(wl->patterns);
    g_ptr_array_unref(wl->lists);
    lw_sha256_free(wl->sum);
    g_free(wl->sha256);
    g_free(wl);
}

/* host_key - s as a host key: lower case A-labels, no leading "*." or ".", no trailing dot; g_free; NULL if none */
static char *host_key(const char *s, size_t len)
{
    char *raw = g_strndup(s, len), *h = raw, *ascii;
    size_t n;

    h += g_str_has_prefix(h, "*.") ? 2 : *h == '.';
    n = strlen(h);
    if (n && h[n - 1] == '.')
        h[n - 1] = '\0';
    if (!*h || g_hostname_is_non_ascii(h))     /* IDN: A-labels; ASCII names need only lower case */
        ascii = *h ? g_hostname_to_ascii(h) : NULL;
    else
        ascii = g_strdup(h);
    g_free(raw);
    if (ascii == NULL)
        return NULL;
    h = g_ascii_strdown(ascii, -1);
    g_free(ascii);
    return h;
}

/* chain_add - list names key in table */
static void chain_add(struct lw_warninglists *wl, GHashTable *table, char *key, const struct wl_list *list)
{
    struct wl_entry *e = g_new(struct wl_entry, 1);

    e->list = list;
    e->next = g_hash_table_lookup(table, key);
    g_ptr_array_add(wl->entries, e);
    g_hash_table_replace(table, key, e);
}

/* chain_find - the first list of key's chain that applies to the types in bit */
static const struct wl_list *chain_find(GHashTable *table, const char *key, guint32 bit)
{
    for (const struct wl_entry *e = g_hash_table_lookup(table, key); e; e = e->next)
        if (e->list->types & bit)
            return e->list;
    return NULL;
}

/* parse_range - "ADDR" or "ADDR/LEN" to [lo, hi] (16 bytes; 4 used for IPv4); the family or -1 */
static int parse_range(const char *s, guint8 lo[16], guint8 hi[16])
{
    char *addr = g_strdup(s), *slash = strchr(addr, '/'), *end;
    int family = strchr(addr, ':') ? AF_INET6 : AF_INET, bits = family == AF_INET6 ? 128 : 32;
    long len = bits;

    if (slash) {
        *slash = '\0';
        len = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || len < 0 || len > bits)
            family = -1;
    }
    memset(lo, 0, 16);
    if (family > 0 && inet_pton(family, g_strstrip(addr), lo) != 1)
        family = -1;
    g_free(addr);
    if (family < 0)
        return -1;
    memcpy(hi, lo, 16);
    for (int i = 0; i < bits; i++) {
        if (i >= len) {
            lo[i / 8] &= (guint8) ~(0x80 >> (i % 8));
            hi[i / 8] |= (guint8) (0x80 >> (i % 8));
        }
    }
    return family;
}

/* regex_new - a MISP regex entry ("re" or "/re/flags") compiled; NULL and *why */
static GRegex *regex_new(const char *s, GError **why)
{
    const char *end = strrchr(s, '/');
    GRegexCompileFlags flags = G_REGEX_OPTIMIZE;
    GRegex *re;
    char *body;

    if (s[0] != '/' || end == s || strspn(end + 1, "imsxu") != strlen(end + 1))
        return g_regex_new(s, flags, 0, why);
    if (strchr(end + 1, 'i'))
        flags |= G_REGEX_CASELESS;
    if (strchr(end + 1, 'm'))
        flags |= G_REGEX_MULTILINE;
    if (strchr(end + 1, 's'))
        flags |= G_REGEX_DOTALL;
    if (strchr(end + 1, 'x'))
        flags |= G_REGEX_EXTENDED;
    body = g_strndup(s + 1, (size_t) (end - s - 1));
    re = g_regex_new(body, flags, 0, why);
    g_free(body);
    return re;
}

/* add_value - one value of list l of kind k; -1 and err */
static int add_value(struct lw_warninglists *wl, const struct wl_list *l, enum wl_kind k, const char *v,
                     const char *file, size_t i, struct lw_error *err)
{
    struct wl_pattern *pt;
    struct wl_range r;
    GError *why = NULL;
    int family;
    char *key;

    switch (k) {
    case WL_HOSTNAME:
    case WL_STRING:
        if (k == WL_HOSTNAME || (v[0] == '.' && v[1])) {
            if ((key = host_key(v, strlen(v))) == NULL)
                return lw_error_set(err, "%s: list[%zu] \"%s\" is not a host name", file, i, v);
            chain_add(wl, wl->below, key, l);
        } else {
            chain_add(wl, wl->exact, g_ascii_strdown(v, -1), l);
        }
        return 0;
    case WL_SUBSTRING:
        pt = g_new0(struct wl_pattern, 1);
        pt->text = g_ascii_strdown(v, -1);
        pt->list = l;
        g_ptr_array_add(wl->patterns, pt);
        return 0;
    case WL_REGEX:
        pt = g_new0(struct wl_pattern, 1);
        pt->list = l;
        if ((pt->re = regex_new(v, &why)) == NULL) {
            lw_error_set(err, "%s: list[%zu]: bad regular expression: %s", file, i, why->message);
            g_error_free(why);
            g_free(pt);
            return -1;
        }
        g_ptr_array_add(wl->patterns, pt);
        return 0;
    case WL_CIDR:
        if ((family = parse_range(v, r.lo, r.hi)) < 0)
            return lw_error_set(err, "%s: list[%zu] \"%s\" is not an address or CIDR range", file, i, v);
        r.list = l;
        g_array_append_val(family == AF_INET ? wl->v4 : wl->v6, r);
        return 0;
    }
    return 0;
}

/* list_types - the indicator types of a matching_attributes array; -1 and err if malformed */
static int list_types(json_t *attrs, guint32 *types, const char *file, struct lw_error *err)
{
    size_t i;
    json_t *a;

    *types = 0;
    if (attrs == NULL || (json_is_array(attrs) && json_array_size(attrs) == 0)) {
        *types = ALL_TYPES;
        return 0;
    }
    if (!json_is_array(attrs))
        return lw_error_set(err, "%s: matching_attributes is not an array", file);
    json_array_foreach(attrs, i, a) {
        char **parts;

        if (!json_is_string(a))
            return lw_error_set(err, "%s: matching_attributes[%zu] is not a string", file, i);
        parts = g_strsplit(json_string_value(a), "|", -1);
        for (int p = 0; parts[p]; p++)
            for (size_t m = 0; m < G_N_ELEMENTS(attr_map); m++)
                if (strcmp(parts[p], attr_map[m].attr) == 0)
                    *types |= attr_map[m].types;
        g_strfreev(parts);
    }
    return 0;
}

/* load_file - one warninglist file into wl; -1 and err */
static int load_file(struct lw_warninglists *wl, const char *path, struct lw_error *err)
{
    json_error_t jerr;
    json_t *root, *list, *v;
    const char *name, *type;
    struct wl_list *l;
    int kind = -1, rc = 0;
    guint32 types = 0;
    size_t i;
    gchar *text = NULL;
    gsize len = 0;
    GError *why = NULL;

    if (!g_file_get_contents(path, &text, &len, &why)) {
        lw_error_set(err, "%s: %s", path, why->message);
        g_error_free(why);
        return -1;
    }
    name = strrchr(path, '/');
    name = name ? name + 1 : path;
    lw_sha256_update(wl->sum, name, strlen(name));
    lw_sha256_update(wl->sum, text, len);
    root = json_loadb(text, len, 0, &jerr);
    g_free(text);
    if (root == NULL)
        return lw_error_set(err, "%s:%d: %s", path, jerr.line, jerr.text);
    name = json_string_value(json_object_get(root, "name"));
    type = json_string_value(json_object_get(root, "type"));
    list = json_object_get(root, "list");
    for (size_t k = 0; type && k < G_N_ELEMENTS(kind_names); k++)
        if (strcmp(type, kind_names[k]) == 0)
            kind = (int) k;
    if (name == NULL || !*name)
        rc = lw_error_set(err, "%s: no \"name\"", path);
    else if (kind < 0)
        rc = lw_error_set(err, "%s: \"type\" is \"%s\", not string, hostname, substring, cidr or regex",
                          path, type ? type : "(none)");
    else if (!json_is_array(list))
        rc = lw_error_set(err, "%s: \"list\" is not an array", path);
    else
        rc = list_types(json_object_get(root, "matching_attributes"), &types, path, err);
    if (rc == 0) {
        l = g_new0(struct wl_list, 1);
        l->name = g_strdup(name);
        l->types = types;
        g_ptr_array_add(wl->lists, l);
        wl->types |= types;
        json_array_foreach(list, i, v) {
            if (!json_is_string(v) || !*json_string_value(v))
                rc = lw_error_set(err, "%s: list[%zu] is not a non-empty string", path, i);
            else
                rc = add_value(wl, l, (enum wl_kind) kind, json_string_value(v), path, i, err);
            if (rc < 0)
                break;
            wl->values++;
        }
    }
    json_decref(root);
    return rc;
}

static int cmp_range(gconstpointer a, gconstpointer b)
{
    return memcmp(((const struct wl_range *) a)->lo, ((const struct wl_range *) b)->lo, 16);
}

/* merge_ranges - sort a and join overlapping ranges (the earlier one's list names the union) */
static void merge_ranges(GArray *a)
{
    guint out = 0;

    g_array_sort(a, cmp_range);
    for (guint i = 0; i < a->len; i++) {
        struct wl_range *cur = &g_array_index(a, struct wl_range, i);
        struct wl_range *last = out ? &g_array_index(a, struct wl_range, out - 1) : NULL;

        if (last && memcmp(cur->lo, last->hi, 16) <= 0) {
            if (memcmp(cur->hi, last->hi, 16) > 0)
                memcpy(last->hi, cur->hi, 16);
        } else {
            g_array_index(a, struct wl_range, out++) = *cur;
        }
    }
    g_array_set_size(a, out);
}

struct lw_warninglists *lw_warninglists_load(const char *dir, struct lw_error *err)
{
    GError *why = NULL;
    GDir *d = g_dir_open(dir, 0, &why);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    struct lw_warninglists *wl;
    const char *n;
    int rc = 0;

    if (d == NULL) {
        lw_error_set(err, "warninglists_dir %s: %s", dir, why->message);
        g_error_free(why);
        g_ptr_array_unref(names);
        return NULL;
    }
    while ((n = g_dir_read_name(d)) != NULL)
        if (n[0] != '.' && g_str_has_suffix(n, ".json"))
            g_ptr_array_add(names, g_strdup(n));
    g_dir_close(d);
    g_ptr_array_sort(names, lw_cmp_strptr);
    wl = wl_new();
    for (guint i = 0; i < names->len && rc == 0; i++) {
        char *path = g_build_filename(dir, (char *) g_ptr_array_index(names, i), NULL);

        rc = load_file(wl, path, err);
        g_free(path);
    }
    g_ptr_array_unref(names);
    if (rc < 0) {
        lw_warninglists_free(wl);
        return NULL;
    }
    merge_ranges(wl->v4);
    merge_ranges(wl->v6);
    wl->sha256 = lw_sha256_end(wl->sum);
    wl->sum = NULL;
    return wl;
}

int lw_warninglists_configured(const struct lw_config *cfg, struct lw_warninglists **out, struct lw_error *err)
{
    const char *dir = cfg->warninglists_dir && *cfg->warninglists_dir ? cfg->warninglists_dir : NULL;

    *out = NULL;
    if (dir == NULL && !g_file_test(LW_WARNINGLISTS_DIR, G_FILE_TEST_IS_DIR))
        return 0;
    *out = lw_warninglists_load(dir ? dir : LW_WARNINGLISTS_DIR, err);
    return *out ? 0 : -1;
}

/* lw_warninglists_sha256 - of the names and texts of the lists as loaded (the cache tag) */
const char *lw_warninglists_sha256(const struct lw_warninglists *wl)
{
    return wl->sha256;
}

void lw_warninglists_size(const struct lw_warninglists *wl, size_t *lists, size_t *values)
{
    *lists = wl ? wl->lists->len : 0;
    *values = wl ? wl->values : 0;
}

/* ---- matching ---- */

/* walk - a list whose host entries cover host or a name above it */
static const struct wl_list *walk(const struct lw_warninglists *wl, const char *host, guint32 bit)
{
    const struct wl_list *l = NULL;

    for (const char *p = host; p && *p && l == NULL; p = strchr(p, '.'), p = p ? p + 1 : NULL)
        l = chain_find(wl->below, p, bit);
    return l;
}

/*
 * url_site - the host of a URL that is only a site ("https://[user@]host[:port][/][#frag]");
 * g_free; or NULL. Neither userinfo nor a fragment selects an object on the
 * server (a browser sends neither), so a per-recipient "#token" or a
 * deceptive "www.bank.example@" in front of the host still names the
 * whole site.
 */
static char *url_site(const char *url)
{
    const char *s = strstr(url, "://"), *e, *rest, *at;

    if (s == NULL)
        return NULL;
    s += 3;
    e = s + strcspn(s, "/?#");
    rest = *e == '/' ? e + 1 : e;
    if (*rest && *rest != '#')
        return NULL;
    while ((at = memchr(s, '@', (size_t) (e - s))) != NULL)
        s = at + 1;
    for (const char *c = s; c < e; c++)
        if (*c == ':')
            e = c;
    return host_key(s, (size_t) (e - s));
}

/* in_ranges - is the address or network v inside one range of the table of its family? */
static const struct wl_list *in_ranges(const struct lw_warninglists *wl, const char *v)
{
    guint8 lo[16], hi[16];
    int family = parse_range(v, lo, hi);
    GArray *a = family == AF_INET ? wl->v4 : family == AF_INET6 ? wl->v6 : NULL;
    guint l = 0, h = a ? a->len : 0;

    while (l < h) {             /* the first range starting after lo */
        guint m = (l + h) / 2;

        if (memcmp(g_array_index(a, struct wl_range, m).lo, lo, 16) <= 0)
            l = m + 1;
        else
            h = m;
    }
    if (l == 0)
        return NULL;
    return memcmp(hi, g_array_index(a, struct wl_range, l - 1).hi, 16) <= 0
           ? g_array_index(a, struct wl_range, l - 1).list : NULL;
}

/* host_match - the host-shaped part of a value: a domain, a bare URL's site, an address's domain */
static const struct wl_list *host_match(const struct lw_warninglists *wl, enum lw_ioc_type type,
                                        const char *lower, guint32 bit)
{
    const struct wl_list *l = NULL;
    const char *at;
    char *host = NULL;

    if (bit & HOST_TYPES)
        host = host_key(lower, strlen(lower));
    else if (type == LW_IOC_URL)
        host = url_site(lower);
    else if (type == LW_IOC_EMAIL && (at = strrchr(lower, '@')) != NULL)
        host = host_key(at + 1, strlen(at + 1));
    if (host) {                 /* a bare URL is its site: a string list naming the host names it */
        l = walk(wl, host, bit);
        if (l == NULL)
            l = chain_find(wl->exact, host, bit);
    }
    g_free(host);
    return l;
}

const char *lw_warninglists_match(const struct lw_warninglists *wl, enum lw_ioc_type type, const char *value)
{
    guint32 bit = (unsigned) type < LW_IOC_NTYPES ? T(type) : 0;
    const struct wl_list *l;
    char *lower;

    if (wl == NULL || value == NULL || !(wl->types & bit))
        return NULL;
    lower = g_ascii_strdown(value, -1);
    l = chain_find(wl->exact, lower, bit);
    if (l == NULL)
        l = host_match(wl, type, lower, bit);
    if (l == NULL && (bit & IP_TYPES))
        l = in_ranges(wl, value);
    for (guint i = 0; l == NULL && i < wl->patterns->len; i++) {
        const struct wl_pattern *pt = g_ptr_array_index(wl->patterns, i);

        if (!(pt->list->types & bit))
            continue;
        if (pt->text ? strstr(lower, pt->text) != NULL : g_regex_match(pt->re, value, 0, NULL))
            l = pt->list;
    }
    g_free(lower);
    return l ? l->name : NULL;
}
