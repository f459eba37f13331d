/*
 * correlate.c - group indicators from several agencies' exports into campaigns
 *
 * NAME
 *     lw_corr_campaigns - campaigns seen by two or more agencies
 *
 * DESCRIPTION
 *     Every indicator gets a campaign key when it can tie messages of one
 *     campaign together: an attachment hash, a sender address or sender
 *     domain, a link domain (URL host or domain), a subject skeleton (the
 *     subject case-folded and NFKC-normalized, letters only, so that
 *     "Invoice 4411 overdue!" and "INVOICE 9273 overdue" meet), a sending
 *     IP or message-id domain (sending infrastructure). Keys are nodes of a
 *     union-find; indicators an agency saw in the same message (MISP email
 *     objects, STIX related-to and indicates relationships) join their
 *     nodes. A campaign is a connected group; it is seen by every agency
 *     that reported one of its keyed indicators.
 *
 *     Weak indicators (file names, X-Mailer, malware names) get no key: they
 *     are listed with the campaign of the indicators they came with, but
 *     never join two campaigns, since unrelated mail shares them.
 *
 *     lw_corr_print() writes the campaigns for a person at a terminal:
 *     every name and value in it comes from other agencies' files, so
 *     control characters (C0, DEL, C1, the bidirectional overrides and
 *     isolates that reorder a line) and invalid UTF-8 are written as
 *     \xNN or \u{NNNN}, and backslashes doubled.
 *
 * LIMITS
 *     A shared link host of a big hosting service joins unrelated
 *     campaigns; allowlist such hosts at the exporting agencies.
 *     Subject skeletons shorter than 6 letters are ignored.
 */
#include "config.h"

#include <string.h>

#include "correlate.h"
#include "export.h"
#include "util/sort.h"

#define MIN_SKELETON 6

struct lw_corr_input *lw_corr_input_new(void)
{
    struct lw_corr_input *in = g_new0(struct lw_corr_input, 1);

    in->items = g_ptr_array_new();
    in->links = g_array_new(FALSE, FALSE, sizeof(guint));
    return in;
}

void lw_corr_input_free(struct lw_corr_input *in)
{
    if (in == NULL)
        return;
    for (guint i = 0; i < in->items->len; i++) {
        struct lw_corr_item *it = g_ptr_array_index(in->items, i);

        g_free(it->agency);
        lw_indicator_free(it->ind);
        g_free(it);
    }
    g_ptr_array_unref(in->items);
    g_array_unref(in->links);
    g_free(in);
}

/* skeleton - letters of a subject, case-folded and NFKC-normalized; g_free */
static char *skeleton(const char *subject)
{
    char *norm = g_utf8_normalize(subject, -1, G_NORMALIZE_NFKC), *fold = g_utf8_casefold(norm ? norm : "", -1);
    GString *s = g_string_new(NULL);
    glong n = 0;

    for (const char *p = fold; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        if (g_unichar_isalpha(c)) {
            g_string_append_unichar(s, c);
            n++;
        }
    }
    g_free(norm);
    g_free(fold);
    if (n < MIN_SKELETON) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

char *lw_corr_key(const struct lw_indicator *ind)
{
    char *v, *k;

    switch (ind->type) {
    case LW_IOC_SHA256:
    case LW_IOC_SHA1:
    case LW_IOC_MD5:
        v = g_ascii_strdown(ind->value, -1);
        k = g_strconcat("hash:", v, NULL);
        break;
    case LW_IOC_EMAIL:
        v = g_ascii_strdown(ind->value, -1);
        k = g_strconcat("sender:", v, NULL);
        break;
    case LW_IOC_SENDER_DOMAIN:
        v = g_ascii_strdown(ind->value, -1);
        k = g_strconcat("sender-domain:", v, NULL);
        break;
    case LW_IOC_DOMAIN:
    case LW_IOC_URL:
        if ((v = lw_ioc_host(ind)) == NULL || !*v) {
            g_free(v);
            return NULL;
        }
        k = g_strconcat("link-domain:", v, NULL);
        break;
    case LW_IOC_SUBJECT:
        if ((v = skeleton(ind->value)) == NULL)
            return NULL;
        k = g_strconcat("subject:", v, NULL);
        break;
    case LW_IOC_IPV4:
    case LW_IOC_IPV6:
    case LW_IOC_MSGID_DOMAIN:
        v = g_ascii_strdown(ind->value, -1);
        k = g_strconcat("infrastructure:", v, NULL);
        break;
    default:
        return NULL;
    }
    g_free(v);
    return k;
}

/* find - union-find root with path halving */
static guint find(GArray *parent, guint i)
{
    while (g_array_index(parent, guint, i) != i) {
        guint gp = g_array_index(parent, guint, g_array_index(parent, guint, i));

        g_array_index(parent, guint, i) = gp;
        i = gp;
    }
    return i;
}

static void unite(GArray *parent, guint a, guint b)
{
    a = find(parent, a);
    b = find(parent, b);
    if (a != b)
        g_array_index(parent, guint, MAX(a, b)) = MIN(a, b);
}

static void campaign_free(gpointer p)
{
    struct lw_corr_campaign *c = p;

    g_free(c->id);
    g_free(c->name);
    g_ptr_array_unref(c->items);
    g_ptr_array_unref(c->agencies);
    g_free(c);
}

/* campaign_first - the earliest sighting of a campaign */
static gint64 campaign_first(const struct lw_corr_campaign *c)
{
    gint64 t = G_MAXINT64;

    for (guint i = 0; i < c->items->len; i++)
        t = MIN(t, ((const struct lw_corr_item *) g_ptr_array_index(c->items, i))->first);
    return t;
}

static int cmp_campaign(gconstpointer a, gconstpointer b)
{
    const struct lw_corr_campaign *x = *(const struct lw_corr_campaign *const *) a;
    const struct lw_corr_campaign *y = *(const struct lw_corr_campaign *const *) b;
    gint64 fx = campaign_first(x), fy = campaign_first(y);

    if (x->agencies->len != y->agencies->len)
        return x->agencies->len > y->agencies->len ? -1 : 1;
    return fx != fy ? (fx < fy ? -1 : 1) : strcmp(x->id, y->id);
}

/* item_nodes - the union-find node of each item (G_MAXUINT for weak ones); keys maps key -> node */
static GArray *item_nodes(const struct lw_corr_input *in, GHashTable *keys, GPtrArray *key_names)
{
    GArray *node = g_array_sized_new(FALSE, FALSE, sizeof(guint), in->items->len);

    for (guint i = 0; i < in->items->len; i++) {
        const struct lw_corr_item *it = g_ptr_array_index(in->items, i);
        char *k = lw_corr_key(it->ind);
        guint n = G_MAXUINT;
        gpointer v;

        if (k && g_hash_table_lookup_extended(keys, k, NULL, &v)) {
            n = GPOINTER_TO_UINT(v);
            g_free(k);
        } else if (k) {
            n = key_names->len;
            g_ptr_array_add(key_names, k);
            g_hash_table_insert(keys, k, GUINT_TO_POINTER(n));
        }
        g_array_append_val(node, n);
    }
    return node;
}

GPtrArray *lw_corr_campaigns(const struct lw_corr_input *in, guint min_agencies)
{
    GHashTable *keys = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *key_names = g_ptr_array_new_with_free_func(g_free), *out;
    GArray *node = item_nodes(in, keys, key_names), *parent = g_array_new(FALSE, FALSE, sizeof(guint));
    GHashTable *by_root = g_hash_table_new(g_direct_hash, g_direct_equal);
    GPtrArray *all = g_ptr_array_new_with_free_func(campaign_free);

    for (guint i = 0; i < key_names->len; i++)
        g_array_append_val(parent, i);
    for (guint i = 0; i + 1 < in->links->len; i += 2) {
        guint a = g_array_index(node, guint, g_array_index(in->links, guint, i));
        guint b = g_array_index(node, guint, g_array_index(in->links, guint, i + 1));

        if (a != G_MAXUINT && b != G_MAXUINT)
            unite(parent, a, b);
    }
    /* weak items join the node of an item they are linked with */
    for (guint i = 0; i + 1 < in->links->len; i += 2) {
        guint ia = g_array_index(in->links, guint, i), ib = g_array_index(in->links, guint, i + 1);

        if (g_array_index(node, guint, ia) == G_MAXUINT)
            g_array_index(node, guint, ia) = g_array_index(node, guint, ib);
        else if (g_array_index(node, guint, ib) == G_MAXUINT)
            g_array_index(node, guint, ib) = g_array_index(node, guint, ia);
    }
    for (guint i = 0; i < in->items->len; i++) {
        struct lw_corr_item *it = g_ptr_array_index(in->items, i);
        guint n = g_array_index(node, guint, i), root;
        struct lw_corr_campaign *c;
        char *k;

        if (n == G_MAXUINT)
            continue;
        root = find(parent, n);
        if ((c = g_hash_table_lookup(by_root, GUINT_TO_POINTER(root + 1))) == NULL) {
            c = g_new0(struct lw_corr_campaign, 1);
            c->items = g_ptr_array_new();
            c->agencies = g_ptr_array_new();
            c->name = g_strdup(g_ptr_array_index(key_names, root));
            g_hash_table_insert(by_root, GUINT_TO_POINTER(root + 1), c);
            g_ptr_array_add(all, c);
        }
        g_ptr_array_add(c->items, it);
        if ((k = lw_corr_key(it->ind)) != NULL) {     /* only keyed indicators make an agency a witness */
            gboolean seen = FALSE;

            for (guint j = 0; j < c->agencies->len && !seen; j++)
                seen = strcmp(g_ptr_array_index(c->agencies, j), it->agency) == 0;
            if (!seen)
                g_ptr_array_add(c->agencies, it->agency);
            if (strcmp(k, c->name) < 0) {
                g_free(c->name);
                c->name = g_strdup(k);
            }
            g_free(k);
        }
    }
    out = g_ptr_array_new_with_free_func(campaign_free);
    for (guint i = 0; i < all->len; i++) {
        struct lw_corr_campaign *c = g_ptr_array_index(all, i);
        char *k;

        if (c->agencies->len < min_agencies)
            continue;
        k = g_strconcat("campaign:", c->name, NULL);
        c->id = lw_uuid5(LW_EXPORT_NAMESPACE, k);
        g_free(k);
        k = g_strconcat("campaign--", c->id, NULL);
        g_free(c->id);
        c->id = k;
        g_ptr_array_sort(c->agencies, lw_cmp_strptr);
        all->pdata[i] = NULL;
        g_ptr_array_add(out, c);
    }
    g_ptr_array_set_free_func(all, NULL);
    for (guint i = 0; i < all->len; i++)
        if (all->pdata[i])
            campaign_free(all->pdata[i]);
    g_ptr_array_unref(all);
    g_ptr_array_sort(out, cmp_campaign);
    g_hash_table_unref(by_root);
    g_hash_table_unref(keys);
    g_ptr_array_unref(key_names);
    g_array_unref(node);
    g_array_unref(parent);
    return out;
}

/* terminal_safe - may c be written to a terminal as it is? */
static int terminal_safe(gunichar c)
{
    return !(c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
             || c == 0x200e || c == 0x200f || c == 0x061c || c == 0x2028 || c == 0x2029);
}

/* printable - s with control characters and invalid bytes escaped, backslashes doubled; g_free */
static char *printable(const char *s)
{
    GString *out = g_string_new(NULL);
    const char *end = s + strlen(s);

    while (s < end) {
        gunichar c = g_utf8_get_char_validated(s, end - s);

        if (c == (gunichar) -1 || c == (gunichar) -2) {
            g_string_append_printf(out, "\\x%02X", (unsigned char) *s++);
            continue;
        }
        if (c == '\\')
            g_string_append(out, "\\\\");
        else if (c < 0x100 && !terminal_safe(c))
            g_string_append_printf(out, "\\x%02X", c);
        else if (!terminal_safe(c))
            g_string_append_printf(out, "\\u{%04X}", c);
        else
            g_string_append_len(out, s, g_utf8_next_char(s) - s);
        s = g_utf8_next_char(s);
    }
    return g_string_free(out, FALSE);
}

/* print_agency - one agency's part of a campaign */
static void print_agency(FILE *fp, const struct lw_corr_campaign *c, const char *agency)
{
    gint64 first = G_MAXINT64, last = 0;
    long long count = 0;
    guint n = 0;
    char *f, *l, *a;

    for (guint i = 0; i < c->items->len; i++) {
        const struct lw_corr_item *it = g_ptr_array_index(c->items, i);
        char *k;

        if (strcmp(it->agency, agency) != 0 || (k = lw_corr_key(it->ind)) == NULL)
            continue;       /* weak indicators may be shared with other campaigns */
        g_free(k);
        first = MIN(first, it->first);
        last = MAX(last, it->last);
        count = MAX(count, it->count);
        n++;
    }
    f = lw_export_iso(first);
    l = lw_export_iso(last);
    a = printable(agency);
    fprintf(fp, "  agency %s: first %s last %s, %u campaign indicators, up to %lld messages\n", a, f, l, n,
            count);
    g_free(a);
    g_free(f);
    g_free(l);
}

void lw_corr_print(FILE *fp, const GPtrArray *campaigns)
{
    fprintf(fp, "%u campaign(s)\n", campaigns->len);
    for (guint i = 0; i < campaigns->len; i++) {
        const struct lw_corr_campaign *c = g_ptr_array_index(campaigns, i);
        GHashTable *shown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        char *name = printable(c->name);

        fprintf(fp, "campaign %s (%s): %u agencies:", c->id, name, c->agencies->len);
        g_free(name);
        for (guint j = 0; j < c->agencies->len; j++) {
            char *a = printable(g_ptr_array_index(c->agencies, j));

            fprintf(fp, " %s", a);
            g_free(a);
        }
        fputc('\n', fp);
        for (guint j = 0; j < c->agencies->len; j++)
            print_agency(fp, c, g_ptr_array_index(c->agencies, j));
        for (guint j = 0; j < c->items->len; j++) {
            const struct lw_corr_item *it = g_ptr_array_index(c->items, j);
            char *value = printable(it->ind->value);
            char *line = g_strdup_printf("  indicator %s %s", lw_ioc_type_name(it->ind->type), value);

            g_free(value);
            if (g_hash_table_add(shown, line))
                fprintf(fp, "%s\n", line);
        }
        g_hash_table_unref(shown);
    }
}
