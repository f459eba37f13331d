/*
 * blocklist.c - the plain-text exports: CSV, Postfix access map, domain list, DNS RPZ, hash list
 *
 * NAME
 *     lw_export_csv, lw_export_postfix, lw_export_domains, lw_export_rpz, lw_export_hashes
 *
 * DESCRIPTION
 *     Each function turns an export view (export.c) into the text of one
 *     file, g_malloc'ed, for lw_write_atomic():
 *       csv      type,value,first_seen,last_seen,count,recipients,max_score,
 *                rules,malware,recipient_hashes,warninglist,role,blocking (RFC 4180
 *                quoting; a cell that a spreadsheet would take for a
 *                formula, one starting with = + - @ TAB or CR, is prefixed
 *                with a single quote; recipient hashes only when the hits
 *                stream carries recipients, as SHA-256 of the lower-case
 *                address, or the addresses themselves with
 *                export_hash_recipients = no; warninglist names the list
 *                of a value that is shared as context, never to block;
 *                role and blocking: the indicator's role, export.h, and
 *                whether a consumer may block on it)
 *       postfix  a check_sender_access map: "sender@x REJECT ..." and
 *                "domain REJECT ..." lines (postmap it, or use texthash:)
 *       domains  one domain per line (domain indicators only: link hosts of
 *                URLs are not blocked wholesale)
 *       rpz      a DNS RPZ zone (origin export_rpz_zone): NXDOMAIN for
 *                every domain and its subdomains (IDNs as A-labels)
 *       hashes   "sha256 HEX" / "sha1 HEX" / "md5 HEX" lines
 *     The blocking formats (postfix, domains, rpz, hashes) hold only
 *     indicators a consumer may block on (lw_export_blocking: a lure,
 *     payload or sender role, and no warninglisted value); every value has passed lw_export_valid (no
 *     public suffix, no allowlisted or protected domain, DNS length
 *     limits). Values that cannot be written safely in a format (spaces,
 *     control characters, quotes in a map key, an RPZ owner name past 253
 *     octets with the zone's origin) are left out of that format.
 */
#include "config.h"

#include <string.h>

#include "export.h"
#include "util/sort.h"

/* plain - can s be a key of a line-based format (no space, control or quote)? */
static int plain(const char *s)
{
    if (!*s)
        return 0;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '\'' || *p == '#' || *p == ';')
            return 0;
    return 1;
}

static void csv_field(GString *out, const char *s, int last)
{
    int formula = *s && strchr("=+-@\t\r", *s);    /* CSV injection: a spreadsheet would evaluate it */

    if (formula || strpbrk(s, ",\"\r\n")) {
        g_string_append_c(out, '"');
        if (formula)
            g_string_append_c(out, '\'');
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                g_string_append_c(out, '"');
            g_string_append_c(out, *p);
        }
        g_string_append_c(out, '"');
    } else {
        g_string_append(out, s);
    }
    g_string_append_c(out, last ? '\n' : ',');
}

static char *join(const GPtrArray *a, const char *sep)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < a->len; i++)
        g_string_append_printf(s, "%s%s", i ? sep : "", (char *) g_ptr_array_index(a, i));
    return g_string_free(s, FALSE);
}

/* recipients - the recipients of the messages of x, hashed unless configured; "" when none */
static char *recipients(const struct lw_export_ioc *x, int hashed)
{
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GPtrArray *list;
    char *s;

    for (guint i = 0; i < x->msgs->len; i++) {
        const struct lw_export_msg *m = g_ptr_array_index(x->msgs, i);

        for (guint j = 0; j < m->rcpts->len; j++) {
            char *lower = g_utf8_strdown(g_ptr_array_index(m->rcpts, j), -1);

            g_hash_table_add(seen, hashed ? g_compute_checksum_for_string(G_CHECKSUM_SHA256, lower, -1)
                                          : g_strdup(lower));
            g_free(lower);
        }
    }
    list = lw_hash_keys(seen);
    g_ptr_array_sort(list, lw_cmp_strptr);
    s = join(list, ";");
    g_ptr_array_unref(list);
    g_hash_table_unref(seen);
    return s;
}

static void csv_row(GString *out, const struct lw_export_ioc *x, int hashed)
{
    char *first = lw_export_iso(x->first), *last = lw_export_iso(x->last);
    char *count = g_strdup_printf("%u", x->count), *rc = g_strdup_printf("%lld", x->rcpts);
    char *score = g_strdup_printf("%.2f", x->max_score);
    char *rules = join(x->rules, " "), *mal = join(x->malware, " "), *rcpts = recipients(x, hashed);

    csv_field(out, lw_ioc_type_name(x->ind->type), 0);
    csv_field(out, x->ind->value, 0);
    csv_field(out, first, 0);
    csv_field(out, last, 0);
    csv_field(out, count, 0);
    csv_field(out, rc, 0);
    csv_field(out, score, 0);
    csv_field(out, rules, 0);
    csv_field(out, mal, 0);
    csv_field(out, rcpts, 0);
    csv_field(out, x->warninglist ? x->warninglist : "", 0);
    csv_field(out, lw_ioc_role_name(x->role), 0);
    csv_field(out, lw_export_blocking(x) ? "yes" : "no", 1);
    g_free(first);
    g_free(last);
    g_free(count);
    g_free(rc);
    g_free(score);
    g_free(rules);
    g_free(mal);
    g_free(rcpts);
}

char *lw_export_csv(const struct lw_export_view *v)
{
    GString *out = g_string_new("type,value,first_seen,last_seen,count,recipients,max_score,rules,malware,"
                                "recipient_hashes,warninglist,role,blocking\n");

    for (guint i = 0; i < v->iocs->len; i++)
        csv_row(out, g_ptr_array_index(v->iocs, i), v->opts->hash_recipients);
    for (guint i = 0; i < v->malware->len; i++)
        csv_row(out, g_ptr_array_index(v->malware, i), v->opts->hash_recipients);
    return g_string_free(out, FALSE);
}

/* header - the comment every list starts with */
static GString *header(const struct lw_export_view *v, const char *what, const char *comment)
{
    GString *out = g_string_new(NULL);
    char *last = lw_export_iso(v->last);

    g_string_append_printf(out, "%s %s from lurewatch (%s), last seen %s\n", comment, what,
                           v->opts->org_name, last);
    g_free(last);
    return out;
}

char *lw_export_postfix(const struct lw_export_view *v)
{
    GString *out = header(v, "sender access map (check_sender_access)", "#");

    for (guint i = 0; i < v->iocs->len; i++) {
        const struct lw_export_ioc *x = g_ptr_array_index(v->iocs, i);

        if ((x->ind->type == LW_IOC_EMAIL || x->ind->type == LW_IOC_SENDER_DOMAIN) && lw_export_blocking(x)
            && plain(x->ind->value))
            g_string_append_printf(out, "%s REJECT malicious sender reported by %s\n", x->ind->value,
                                   plain(v->opts->org_name) ? v->opts->org_name : "lurewatch");
    }
    return g_string_free(out, FALSE);
}

char *lw_export_domains(const struct lw_export_view *v)
{
    GString *out = header(v, "malicious domains", "#");

    for (guint i = 0; i < v->iocs->len; i++) {
        const struct lw_export_ioc *x = g_ptr_array_index(v->iocs, i);

        if (x->ind->type == LW_IOC_DOMAIN && lw_export_blocking(x) && plain(x->ind->value))
            g_string_append_printf(out, "%s\n", x->ind->value);
    }
    return g_string_free(out, FALSE);
}

char *lw_export_rpz(const struct lw_export_view *v)
{
    GString *out = header(v, "response policy zone", ";");
    size_t origin = strlen(v->opts->rpz_zone) - g_str_has_suffix(v->opts->rpz_zone, ".");  /* "*.NAME.ORIGIN" */

    g_string_append_printf(out, "$ORIGIN %s\n$TTL 300\n", v->opts->rpz_zone);
    g_string_append_printf(out, "@ IN SOA localhost. hostmaster.localhost. %lld"
                           " 3600 600 86400 300\n@ IN NS localhost.\n", (long long) (v->last % 4294967296LL));
    for (guint i = 0; i < v->iocs->len; i++) {
        const struct lw_export_ioc *x = g_ptr_array_index(v->iocs, i);
        char *d;

        if (x->ind->type != LW_IOC_DOMAIN || !lw_export_blocking(x) || !plain(x->ind->value))
            continue;
        d = g_hostname_to_ascii(x->ind->value);     /* IDN: the zone holds the A-label */
        if (d && *d && strspn(d, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") == strlen(d)
            && strlen("*.") + strlen(d) + 1 + origin <= 253)
            g_string_append_printf(out, "%s CNAME .\n*.%s CNAME .\n", d, d);
        g_free(d);
    }
    return g_string_free(out, FALSE);
}

char *lw_export_hashes(const struct lw_export_view *v)
{
    GString *out = header(v, "malicious attachment hashes", "#");

    for (guint i = 0; i < v->iocs->len; i++) {
        const struct lw_export_ioc *x = g_ptr_array_index(v->iocs, i);

        if ((x->ind->type == LW_IOC_SHA256 || x->ind->type == LW_IOC_SHA1 || x->ind->type == LW_IOC_MD5)
            && lw_export_blocking(x) && plain(x->ind->value))
            g_string_append_printf(out, "%s %s\n", lw_ioc_type_name(x->ind->type), x->ind->value);
    }
    return g_string_free(out, FALSE);
}
