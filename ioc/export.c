/*
 * export.c - the export state (messages by event id) and the indicator view built from it
 *
 * NAME
 *     lw_export_state, lw_export_view - what lurewatch-ioc export keeps and writes
 *
 * DESCRIPTION
 *     The exporter keeps every exported message, keyed by its event id, in
 *     a state (lw_export_state). Applying a hits-stream entry is idempotent:
 *     the same event id twice stores one message. A release entry (field
 *     type = release, with released_event_id, or queue_id [and instance];
 *     lurewatch-report release writes the latter) removes the
 *     message and is remembered, so a hit delivered after its release (a
 *     claimed entry, a re-read after a crash) stays out.
 *
 *     lw_export_view_new() turns a state into what every output shows:
 *     messages scored at least export_min_score, and one aggregate per
 *     indicator (first/last seen, message count, recipients, rule ids,
 *     malware names of the same messages, related indicators, the
 *     warninglist naming it, the role the messages gave it), without
 *     bystanders (a tracking pixel, the brand's own links: nothing to
 *     share), of valid indicators only (lw_export_valid:
 *     failing closed, no public suffix, no name past DNS limits, no
 *     undeterminable host, nothing on export_allowlist or protected_domains,
 *     the organization's own domains and their subdomains, checked on
 *     domains, URL hosts, sender addresses and domains, message-id
 *     domains). Everything is sorted, so the same state gives
 *     byte-identical outputs whatever the order in which the entries
 *     arrived.
 *
 *     lw_write_atomic() writes an output: PATH.tmp, fsync, rename, fsync
 *     of the directory.
 *
 * LIMITS
 *     related indicators are capped at 20 per indicator.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpsl.h>

#include "export.h"
#include "model/json.h"
#include "util/safedir.h"
#include "util/sort.h"

#define MAX_RELATED 20

static void free_ind(gpointer p)
{
    lw_indicator_free(p);
}

void lw_export_msg_free(struct lw_export_msg *m)
{
    if (m == NULL)
        return;
    g_free(m->event_id);
    g_free(m->time);
    g_free(m->instance);
    g_free(m->queue_id);
    g_free(m->message_id);
    g_free(m->sender);
    g_free(m->subject);
    g_free(m->action);
    g_ptr_array_unref(m->rules);
    g_ptr_array_unref(m->indicators);
    g_ptr_array_unref(m->rcpts);
    g_ptr_array_unref(m->feeds);
    if (m->feed_values)
        g_ptr_array_unref(m->feed_values);
    g_free(m);
}

static void msg_free_cb(gpointer p)
{
    lw_export_msg_free(p);
}

struct lw_export_state *lw_export_state_new(void)
{
    struct lw_export_state *st = g_new0(struct lw_export_state, 1);

    st->msgs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, msg_free_cb);
    st->released = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    st->revoked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) lw_export_revoked_free);
    return st;
}

void lw_export_revoked_free(struct lw_export_revoked *r)
{
    if (r == NULL)
        return;
    lw_indicator_free(r->ind);
    g_free(r);
}

/* lw_export_revoke - remember that a release took ind away (the latest release wins) */
void lw_export_revoke(struct lw_export_state *st, const struct lw_indicator *ind, gint64 first, gint64 last,
                      gint64 when)
{
    char *key = g_strconcat(lw_ioc_type_name(ind->type), ":", ind->value, NULL);
    struct lw_export_revoked *r = g_hash_table_lookup(st->revoked, key);

    if (r == NULL) {
        r = g_new0(struct lw_export_revoked, 1);
        r->ind = lw_indicator_dup(ind);
        r->first = first;
        g_hash_table_insert(st->revoked, key, r);
    } else {
        r->ind->role = lw_ioc_role_merge(r->ind->role, ind->role);
        r->first = MIN(r->first, first);
        g_free(key);
    }
    r->last = MAX(r->last, last);
    r->when = MAX(r->when, when);
}

void lw_export_state_free(struct lw_export_state *st)
{
    if (st == NULL)
        return;
    g_hash_table_unref(st->msgs);
    g_hash_table_unref(st->released);
    g_hash_table_unref(st->revoked);
    g_free(st);
}

/* field - the value of name in a (name, value, ...) list, or NULL */
static const char *field(const GPtrArray *f, const char *name)
{
    for (guint i = 0; i + 1 < f->len; i += 2)
        if (strcmp(g_ptr_array_index(f, i), name) == 0)
            return g_ptr_array_index(f, i + 1);
    return NULL;
}

/* lw_export_parse_time - ISO 8601 to Unix seconds; -1 when unreadable */
gint64 lw_export_parse_time(const char *s)
{
    GTimeZone *utc = g_time_zone_new_utc();
    GDateTime *dt = s ? g_date_time_new_from_iso8601(s, utc) : NULL;
    gint64 t = dt ? g_date_time_to_unix(dt) : -1;

    if (dt)
        g_date_time_unref(dt);
    g_time_zone_unref(utc);
    return t;
}

/* split_list - comma separated, trimmed, non-empty items as a new array of char * */
static GPtrArray *split_list(const char *s)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    char **v = g_strsplit(s ? s : "", ",", -1);

    for (int i = 0; v[i]; i++) {
        char *item = g_strstrip(v[i]);

        if (*item)
            g_ptr_array_add(a, g_utf8_make_valid(item, -1));
    }
    g_strfreev(v);
    return a;
}

static char *dup_valid(const char *s)
{
    return g_utf8_make_valid(s ? s : "", -1);
}

/* release_mark - remember a release under key (Unix seconds) */
static void release_mark(struct lw_export_state *st, const char *kind, const char *id, gint64 when)
{
    gint64 *t = g_new(gint64, 1);

    *t = when;
    g_hash_table_replace(st->released, g_strconcat(kind, id, NULL), t);
}

/* release_msg - drop one released message; its indicators become candidates for revocation */
static void release_msg(struct lw_export_state *st, const struct lw_export_msg *m, gint64 when)
{
    for (guint i = 0; i < m->indicators->len; i++) {
        const struct lw_indicator *ind = g_ptr_array_index(m->indicators, i);

        if (ind->role != LW_ROLE_BYSTANDER)
            lw_export_revoke(st, ind, m->when, m->when, when);
    }
}

/* apply_release - drop the released message(s) and remember the release */
static int apply_release(struct lw_export_state *st, const GPtrArray *f, struct lw_error *err)
{
    /* A release entry's own event_id only makes its stream entry unique;
     * the released message is released_event_id, or queue_id + instance. */
    const char *ev = field(f, "released_event_id"), *qid = field(f, "queue_id"), *inst = field(f, "instance");
    gint64 when = lw_export_parse_time(field(f, "time"));
    GHashTableIter it;
    gpointer k, v;

    if (when < 0)
        when = g_get_real_time() / G_USEC_PER_SEC;
    if (ev && *ev) {
        if ((v = g_hash_table_lookup(st->msgs, ev)) != NULL)
            release_msg(st, v, when);
        g_hash_table_remove(st->msgs, ev);
        release_mark(st, "e:", ev, when);
        return 0;
    }
    if (!qid || !*qid)
        return lw_error_set(err, "release entry without event_id or queue_id");
    g_hash_table_iter_init(&it, st->msgs);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const struct lw_export_msg *m = v;

        if (strcmp(m->queue_id, qid) == 0 && (!inst || !*inst || strcmp(m->instance, inst) == 0)) {
            release_msg(st, m, when);
            g_hash_table_iter_remove(&it);
        }
    }
    release_mark(st, "q:", qid, when);
    return 0;
}

/* is_released - was a release seen for m (by event id or queue id)? */
static int is_released(const struct lw_export_state *st, const struct lw_export_msg *m)
{
    char *ek = g_strconcat("e:", m->event_id, NULL), *qk = g_strconcat("q:", m->queue_id, NULL);
    int r = g_hash_table_contains(st->released, ek) || (*m->queue_id && g_hash_table_contains(st->released, qk));

    g_free(ek);
    g_free(qk);
    return r;
}

static void feed_value_free(gpointer p)
{
    struct lw_export_feed_value *fv = p;

    g_free(fv->feed);
    lw_indicator_free(fv->ind);
    g_free(fv);
}

GPtrArray *lw_export_feed_values(GPtrArray *feeds, GPtrArray *inds)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(feed_value_free);

    for (guint i = 0; i < inds->len; i++) {
        struct lw_export_feed_value *fv = g_new0(struct lw_export_feed_value, 1);

        fv->feed = g_ptr_array_index(feeds, i);
        fv->ind = g_ptr_array_index(inds, i);
        g_ptr_array_add(out, fv);
    }
    g_ptr_array_unref(feeds);
    g_ptr_array_unref(inds);
    return out;
}

/* feed_values_of - a hits entry's feed_values field; NULL and err when malformed */
static GPtrArray *feed_values_of(const char *text, struct lw_error *err)
{
    GPtrArray *feeds = g_ptr_array_new(), *inds = g_ptr_array_new();

    if (lw_feed_values_parse(text, feeds, inds, err) < 0) {
        g_ptr_array_unref(feeds);
        g_ptr_array_unref(inds);
        return NULL;
    }
    return lw_export_feed_values(feeds, inds);
}

/* msg_from_fields - a message from a hits entry; NULL and err if malformed */
static struct lw_export_msg *msg_from_fields(const GPtrArray *f, struct lw_error *err)
{
    const char *ev = field(f, "event_id"), *inds = field(f, "indicators"), *fv = field(f, "feed_values");
    struct lw_export_msg *m;

    if (!ev || !*ev) {
        lw_error_set(err, "hits entry without event_id");
        return NULL;
    }
    m = g_new0(struct lw_export_msg, 1);
    m->event_id = dup_valid(ev);
    m->time = dup_valid(field(f, "time"));
    m->when = lw_export_parse_time(m->time);
    m->instance = dup_valid(field(f, "instance"));
    m->queue_id = dup_valid(field(f, "queue_id"));
    m->message_id = dup_valid(field(f, "message_id"));
    m->sender = dup_valid(field(f, "sender"));
    m->subject = dup_valid(field(f, "subject"));
    m->action = dup_valid(field(f, "action"));
    m->rcpt_count = g_ascii_strtoll(field(f, "rcpt_count") ? field(f, "rcpt_count") : "0", NULL, 10);
    m->score = g_ascii_strtod(field(f, "score") ? field(f, "score") : "0", NULL);
    m->rules = split_list(field(f, "rules"));
    m->rcpts = split_list(field(f, "rcpts"));
    m->feeds = split_list(field(f, "feeds"));
    m->indicators = g_ptr_array_new_with_free_func(free_ind);
    if (m->when < 0) {
        lw_error_set(err, "hits entry %s: bad time \"%s\"", m->event_id, m->time);
        lw_export_msg_free(m);
        return NULL;
    }
    if ((inds && lw_indicators_parse(inds, m->indicators, err) < 0)
        || (fv && (m->feed_values = feed_values_of(fv, err)) == NULL)) {
        lw_export_msg_free(m);
        return NULL;
    }
    return m;
}

int lw_export_state_apply(struct lw_export_state *st, const GPtrArray *fields, struct lw_error *err)
{
    const char *type = field(fields, "type");
    struct lw_export_msg *m;

    if (type && strcmp(type, "release") == 0)
        return apply_release(st, fields, err);
    if (type && *type && strcmp(type, "hit") != 0)
        return 0;               /* a kind of entry we do not export */
    if ((m = msg_from_fields(fields, err)) == NULL)
        return -1;
    if (is_released(st, m)) {
        lw_export_msg_free(m);
        return 0;
    }
    g_hash_table_replace(st->msgs, m->event_id, m);
    return 0;
}

void lw_export_state_expire(struct lw_export_state *st, gint64 cutoff)
{
    GHashTableIter it;
    gpointer k, v;

    g_hash_table_iter_init(&it, st->msgs);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (((struct lw_export_msg *) v)->when < cutoff)
            g_hash_table_iter_remove(&it);
    g_hash_table_iter_init(&it, st->released);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (*(gint64 *) v < cutoff)
            g_hash_table_iter_remove(&it);
    g_hash_table_iter_init(&it, st->revoked);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (((struct lw_export_revoked *) v)->when < cutoff)
            g_hash_table_iter_remove(&it);
}

/* ---- options ---- */

static const unsigned format_bits[] = {
    LW_EXPORT_STIX, LW_EXPORT_MISP, LW_EXPORT_CSV, LW_EXPORT_POSTFIX,
    LW_EXPORT_DOMAINS, LW_EXPORT_RPZ, LW_EXPORT_HASHES, LW_EXPORT_MISP_FEED,
};
static const char *const format_names[] = { "stix", "misp", "csv", "postfix", "domains", "rpz", "hashes",
                                            "misp-feed" };

int lw_export_opts_init(struct lw_export_opts *o, const struct lw_config *cfg, struct lw_error *err)
{
    GPtrArray *fmts = split_list(cfg->export_formats), *allow = split_list(cfg->export_allowlist);
    int rc = 0;

    /* The organization's own domains are never exported as malicious. */
    for (int i = 0; cfg->protected_domains && cfg->protected_domains[i]; i++)
        g_ptr_array_add(allow, g_strdup(cfg->protected_domains[i]));

    memset(o, 0, sizeof(*o));
    for (guint i = 0; i < fmts->len && rc == 0; i++) {
        guint j;

        for (j = 0; j < G_N_ELEMENTS(format_names); j++)
            if (g_ascii_strcasecmp(g_ptr_array_index(fmts, i), format_names[j]) == 0)
                break;
        if (j == G_N_ELEMENTS(format_names))
            rc = lw_error_set(err, "export_formats: unknown format \"%s\" (stix, misp, misp-feed, csv, postfix,"
                              " domains, rpz, hashes)", (char *) g_ptr_array_index(fmts, i));
        else
            o->formats |= format_bits[j];
    }
    o->org_name = g_strdup(*cfg->export_org_name ? cfg->export_org_name : g_get_host_name());
    o->tlp = (enum lw_tlp) (LW_TLP_CLEAR + cfg->export_tlp);   /* the conf choices start at clear */
    o->min_score = cfg->export_min_score;
    o->hash_recipients = cfg->export_hash_recipients;
    o->valid_days = cfg->export_valid_days;
    o->rpz_zone = g_strdup(cfg->export_rpz_zone);
    o->allowlist = g_new0(char *, allow->len + 1);
    for (guint i = 0; i < allow->len; i++) {
        const char *d = g_ptr_array_index(allow, i);

        d += g_str_has_prefix(d, "*.") ? 2 : *d == '.';    /* "*.gov.tw", ".gov.tw": subdomains are always in */
        o->allowlist[i] = g_ascii_strdown(d, -1);
    }
    g_ptr_array_unref(fmts);
    g_ptr_array_unref(allow);
    if (rc == 0)
        rc = lw_warninglists_configured(cfg, &o->wl, err);
    if (rc < 0)
        lw_export_opts_clear(o);
    return rc;
}

void lw_export_opts_clear(struct lw_export_opts *o)
{
    g_free(o->org_name);
    g_free(o->rpz_zone);
    g_strfreev(o->allowlist);
    lw_warninglists_free(o->wl);
    memset(o, 0, sizeof(*o));
}

/* url_host - the host of a URL (user info and port dropped, IPv6 brackets too); g_free; NULL if none */
static char *url_host(const char *v)
{
    const char *s = strstr(v, "://"), *e;

    s = s ? s + 3 : v;
    e = s + strcspn(s, "/?#");
    for (const char *at = s; at < e; at++)      /* user info */
        if (*at == '@')
            s = at + 1;
    if (*s == '[') {
        const char *close = memchr(s, ']', (size_t) (e - s));

        return close ? g_ascii_strdown(s + 1, close - s - 1) : NULL;
    }
    for (const char *c = s; c < e; c++)
        if (*c == ':')
            e = c;
    return e > s ? g_ascii_strdown(s, e - s) : NULL;
}

char *lw_ioc_host(const struct lw_indicator *ind)
{
    const char *v = ind->value, *s;

    switch (ind->type) {
    case LW_IOC_DOMAIN:
    case LW_IOC_SENDER_DOMAIN:
    case LW_IOC_MSGID_DOMAIN:
        return g_ascii_strdown(v, -1);
    case LW_IOC_EMAIL:
        s = strrchr(v, '@');
        return s ? g_ascii_strdown(s + 1, -1) : NULL;
    case LW_IOC_URL:
        return url_host(v);
    default:
        return NULL;
    }
}

int lw_export_host_allowed(const struct lw_export_opts *o, const char *host)
{
    size_t hl = host ? strlen(host) : 0;

    if (hl && host[hl - 1] == '.')
        hl--;
    if (hl == 0)
        return 0;
    for (int i = 0; o->allowlist[i]; i++) {
        size_t al = strlen(o->allowlist[i]);

        if (hl == al ? g_ascii_strncasecmp(host, o->allowlist[i], hl) == 0
            : hl > al && host[hl - al - 1] == '.' && g_ascii_strncasecmp(host + hl - al, o->allowlist[i], al) == 0)
            return 0;
    }
    return 1;
}

/*
 * dns_name_ok - is host (U- or A-labels, no trailing dot) a DNS name of
 * letters, digits, hyphens (and underscores), labels of 1..63 octets and
 * at most 253 in all as A-labels, at or below a registrable domain?
 */
static int dns_name_ok(const char *host)
{
    char *ascii = g_hostname_to_ascii(host);
    const char *label;
    size_t n;
    int ok;

    if (ascii == NULL)
        return 0;
    n = strlen(ascii);
    ok = n > 0 && n <= 253 && strspn(ascii, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") == n;
    for (label = ascii; ok && label; label = strchr(label, '.'), label = label ? label + 1 : NULL) {
        size_t len = strcspn(label, ".");

        ok = len >= 1 && len <= 63 && label[0] != '-' && label[len - 1] != '-';
    }
    /* libpsl: with its '*' rule an unknown top-level label (the corpus's "pot") is a public suffix too */
    ok = ok && psl_builtin() != NULL && psl_registrable_domain(psl_builtin(), ascii) != NULL;
    g_free(ascii);
    return ok;
}

/* ip_ok - an IPv4 (type LW_IOC_IPV4) or IPv6 address, or a network in CIDR notation */
static int ip_ok(const char *v, enum lw_ioc_type type)
{
    int family = type == LW_IOC_IPV4 ? AF_INET : AF_INET6;
    char *addr = g_strdup(v), *slash = strchr(addr, '/'), *end = NULL;
    unsigned char buf[16];
    long len = 0;
    int ok;

    if (slash) {
        *slash = '\0';
        len = strtol(slash + 1, &end, 10);
    }
    ok = inet_pton(family, addr, buf) == 1
         && (!slash || (end != slash + 1 && *end == '\0' && len >= 0 && len <= (family == AF_INET ? 32 : 128)));
    g_free(addr);
    return ok;
}

/* host_ok - the host of ind: a valid DNS name outside the allowlist (a URL may name an IP) */
static int host_ok(const struct lw_export_opts *o, const struct lw_indicator *ind)
{
    char *host = lw_ioc_host(ind);
    int ok;

    if (host == NULL)
        return 0;
    if (ind->type == LW_IOC_URL && (ip_ok(host, LW_IOC_IPV4) || ip_ok(host, LW_IOC_IPV6)))
        ok = 1;
    else
        ok = dns_name_ok(host) && lw_export_host_allowed(o, host);
    g_free(host);
    return ok;
}

/* address_ok - local@domain, with a local part of no space, control, quote or bracket */
static int address_ok(const char *v)
{
    const char *at = strrchr(v, '@');

    if (at == NULL || at == v)
        return 0;
    for (const unsigned char *p = (const unsigned char *) v; p < (const unsigned char *) at; p++)
        if (*p <= ' ' || *p == 0x7f || strchr("\"<>@,;", *p))
            return 0;
    return 1;
}

int lw_export_valid(const struct lw_export_opts *o, const struct lw_indicator *ind)
{
    size_t want = ind->type == LW_IOC_SHA256 ? 64 : ind->type == LW_IOC_SHA1 ? 40 : ind->type == LW_IOC_MD5 ? 32 : 0;

    if (!*ind->value)
        return 0;
    switch (ind->type) {
    case LW_IOC_SHA256:
    case LW_IOC_SHA1:
    case LW_IOC_MD5:
        return strlen(ind->value) == want && strspn(ind->value, "0123456789abcdefABCDEF") == want;
    case LW_IOC_IPV4:
        return ip_ok(ind->value, LW_IOC_IPV4);
    case LW_IOC_IPV6:
        return ip_ok(ind->value, LW_IOC_IPV6);
    case LW_IOC_EMAIL:
        return address_ok(ind->value) && host_ok(o, ind);
    case LW_IOC_DOMAIN:
    case LW_IOC_SENDER_DOMAIN:
    case LW_IOC_MSGID_DOMAIN:
    case LW_IOC_URL:
        return host_ok(o, ind);
    default:
        return 1;
    }
}

int lw_export_blocking(const struct lw_export_ioc *x)
{
    return x->blocking && x->warninglist == NULL;
}

/* ---- the view ---- */

static void ioc_free(gpointer p)
{
    struct lw_export_ioc *x = p;

    g_ptr_array_unref(x->rules);
    g_ptr_array_unref(x->malware);
    g_ptr_array_unref(x->related);
    g_ptr_array_unref(x->msgs);
    g_ptr_array_unref(x->feeds);
    g_free(x);
}

static int ind_cmp(const struct lw_indicator *a, const struct lw_indicator *b)
{
    return a->type != b->type ? (a->type < b->type ? -1 : 1) : strcmp(a->value, b->value);
}

static int cmp_ind(gconstpointer a, gconstpointer b)
{
    return ind_cmp(*(const struct lw_indicator *const *) a, *(const struct lw_indicator *const *) b);
}

static int cmp_ioc(gconstpointer a, gconstpointer b)
{
    return ind_cmp((*(struct lw_export_ioc *const *) a)->ind, (*(struct lw_export_ioc *const *) b)->ind);
}

static int cmp_msg(gconstpointer a, gconstpointer b)
{
    const struct lw_export_msg *x = *(const struct lw_export_msg *const *) a;
    const struct lw_export_msg *y = *(const struct lw_export_msg *const *) b;

    return x->when != y->when ? (x->when < y->when ? -1 : 1) : strcmp(x->event_id, y->event_id);
}

/* add_unique - append p unless an equal element is there (linear: lists are short) */
static void add_unique(GPtrArray *a, gpointer p, GCompareFunc eq)
{
    for (guint i = 0; i < a->len; i++)
        if (eq(&a->pdata[i], &p) == 0)
            return;
    g_ptr_array_add(a, p);
}

static guint ind_hash(gconstpointer p)
{
    const struct lw_indicator *i = p;

    return g_str_hash(i->value) * 31 + i->type;
}

static gboolean ind_equal(gconstpointer a, gconstpointer b)
{
    return lw_indicator_equal(a, b);
}

/*
 * valid - lw_export_valid, remembered in memo (indicator -> 1 + answer): a
 * view asks about every pair of indicators of a message, and the checks
 * (IDN, libpsl) cost more than a lookup
 */
static int valid(GHashTable *memo, const struct lw_export_opts *o, const struct lw_indicator *ind)
{
    gpointer known = g_hash_table_lookup(memo, ind);
    int ok;

    if (known)
        return GPOINTER_TO_INT(known) - 1;
    ok = lw_export_valid(o, ind);
    g_hash_table_insert(memo, (gpointer) ind, GINT_TO_POINTER(ok + 1));
    return ok;
}

/*
 * add_feeds - the partner feeds that saw ind in m: those that named it
 * (feed_values); for an entry from before feed_values, every feed the
 * message matched
 */
static void add_feeds(struct lw_export_ioc *x, const struct lw_export_msg *m, const struct lw_indicator *ind)
{
    if (m->feed_values == NULL) {
        for (guint i = 0; i < m->feeds->len; i++)
            add_unique(x->feeds, g_ptr_array_index(m->feeds, i), lw_cmp_strptr);
        return;
    }
    for (guint i = 0; i < m->feed_values->len; i++) {
        const struct lw_export_feed_value *fv = g_ptr_array_index(m->feed_values, i);

        if (lw_indicator_equal(fv->ind, ind))
            add_unique(x->feeds, fv->feed, lw_cmp_strptr);
    }
}

/* ioc_add - count message m for indicator ind */
static void ioc_add(GHashTable *by_ind, const struct lw_indicator *ind, const struct lw_export_msg *m,
                    const struct lw_export_opts *o, GHashTable *memo)
{
    struct lw_export_ioc *x = g_hash_table_lookup(by_ind, ind);

    if (x == NULL) {
        x = g_new0(struct lw_export_ioc, 1);
        x->ind = ind;
        x->first = x->last = m->when;
        x->warninglist = lw_warninglists_match(o->wl, ind->type, ind->value);
        x->rules = g_ptr_array_new();
        x->malware = g_ptr_array_new();
        x->related = g_ptr_array_new();
        x->msgs = g_ptr_array_new();
        x->feeds = g_ptr_array_new();
        g_hash_table_insert(by_ind, (gpointer) ind, x);
    }
    x->role = x->count ? lw_ioc_role_merge(x->role, ind->role) : ind->role;
    if (x->warninglist == NULL)        /* the scanner's lists count as well as ours: failing closed */
        x->warninglist = ind->warninglist;
    x->first = MIN(x->first, m->when);
    x->last = MAX(x->last, m->when);
    x->count++;
    x->rcpts += m->rcpt_count;
    x->max_score = MAX(x->max_score, m->score);
    g_ptr_array_add(x->msgs, (gpointer) m);
    for (guint i = 0; i < m->rules->len; i++)
        add_unique(x->rules, g_ptr_array_index(m->rules, i), lw_cmp_strptr);
    add_feeds(x, m, ind);
    for (guint i = 0; i < m->indicators->len; i++) {
        const struct lw_indicator *other = g_ptr_array_index(m->indicators, i);

        if (other->type == LW_IOC_MALWARE)
            add_unique(x->malware, other->value, lw_cmp_strptr);
        else if (!lw_indicator_equal(other, ind) && valid(memo, o, other)
                 && x->related->len < MAX_RELATED)
            add_unique(x->related, (gpointer) other, cmp_ind);
    }
}

static int cmp_revoked(gconstpointer a, gconstpointer b)
{
    return ind_cmp((*(const struct lw_export_revoked *const *) a)->ind,
                   (*(const struct lw_export_revoked *const *) b)->ind);
}

/*
 * revoked_of - what releases took away and no message left supports: each
 * is re-emitted revoked (STIX) or deleted (MISP) until it expires
 */
static GPtrArray *revoked_of(const struct lw_export_state *st, const struct lw_export_opts *o, GHashTable *by_ind)
{
    GPtrArray *out = g_ptr_array_new();
    GHashTableIter it;
    gpointer k, val;

    g_hash_table_iter_init(&it, st->revoked);
    while (g_hash_table_iter_next(&it, &k, &val)) {
        const struct lw_export_revoked *r = val;

        if (!g_hash_table_contains(by_ind, r->ind) && r->ind->type != LW_IOC_MALWARE && lw_export_valid(o, r->ind))
            g_ptr_array_add(out, val);
    }
    g_ptr_array_sort(out, cmp_revoked);
    return out;
}

struct lw_export_view *lw_export_view_new(const struct lw_export_state *st, const struct lw_export_opts *o)
{
    struct lw_export_view *v = g_new0(struct lw_export_view, 1);
    GHashTable *by_ind = g_hash_table_new(ind_hash, ind_equal), *memo = g_hash_table_new(ind_hash, ind_equal);
    GHashTableIter it;
    gpointer k, val;

    v->opts = o;
    v->msgs = g_ptr_array_new();
    v->iocs = g_ptr_array_new_with_free_func(ioc_free);
    v->malware = g_ptr_array_new_with_free_func(ioc_free);
    g_hash_table_iter_init(&it, st->msgs);
    while (g_hash_table_iter_next(&it, &k, &val)) {
        const struct lw_export_msg *m = val;

        if (m->score >= o->min_score)
            g_ptr_array_add(v->msgs, val);
    }
    g_ptr_array_sort(v->msgs, cmp_msg);    /* first/last and the message lists come out in order */
    for (guint i = 0; i < v->msgs->len; i++) {
        const struct lw_export_msg *m = g_ptr_array_index(v->msgs, i);

        v->last = MAX(v->last, m->when);
        for (guint j = 0; j < m->indicators->len; j++) {
            const struct lw_indicator *ind = g_ptr_array_index(m->indicators, j);

            if (valid(memo, o, ind))
                ioc_add(by_ind, ind, m, o, memo);
        }
    }
    g_hash_table_iter_init(&it, by_ind);
    while (g_hash_table_iter_next(&it, &k, &val)) {
        struct lw_export_ioc *x = val;
        struct lw_indicator merged = { .type = x->ind->type, .value = x->ind->value, .role = x->role };

        if (x->role == LW_ROLE_BYSTANDER) {    /* not shared at all */
            g_hash_table_iter_remove(&it);
            ioc_free(x);
            continue;
        }
        x->blocking = lw_indicator_blocking(&merged);
        x->agencies = 1 + x->feeds->len;
        g_ptr_array_sort(x->rules, lw_cmp_strptr);
        g_ptr_array_sort(x->feeds, lw_cmp_strptr);
        g_ptr_array_sort(x->malware, lw_cmp_strptr);
        g_ptr_array_sort(x->related, cmp_ind);
        g_ptr_array_add(x->ind->type == LW_IOC_MALWARE ? v->malware : v->iocs, x);
    }
    g_hash_table_unref(memo);
    v->index = by_ind;
    for (guint i = 0; i < v->iocs->len; i++) {     /* related: only indicators exported themselves */
        struct lw_export_ioc *x = g_ptr_array_index(v->iocs, i);

        for (guint j = x->related->len; j-- > 0;)
            if (!g_hash_table_contains(by_ind, g_ptr_array_index(x->related, j)))
                g_ptr_array_remove_index(x->related, j);
    }
    g_ptr_array_sort(v->iocs, cmp_ioc);
    g_ptr_array_sort(v->malware, cmp_ioc);
    v->revoked = revoked_of(st, o, by_ind);
    return v;
}

void lw_export_view_free(struct lw_export_view *v)
{
    if (v == NULL)
        return;
    g_ptr_array_unref(v->iocs);
    g_ptr_array_unref(v->malware);
    g_ptr_array_unref(v->msgs);
    g_ptr_array_unref(v->revoked);
    g_hash_table_unref(v->index);
    g_free(v);
}


GPtrArray *lw_hash_keys(GHashTable *h)
{
    GPtrArray *a = g_ptr_array_sized_new(g_hash_table_size(h));
    GHashTableIter it;
    gpointer k;

    g_hash_table_iter_init(&it, h);
    while (g_hash_table_iter_next(&it, &k, NULL))
        g_ptr_array_add(a, k);
    return a;
}

/* ---- atomic files ---- */

/* fsync_dir - make a rename in dir durable */
static int fsync_dir(const char *path, struct lw_error *err)
{
    char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

    if (fd < 0 || fsync(fd) < 0)
        rc = lw_error_set(err, "fsync %s: %s", dir, g_strerror(errno));
    if (fd >= 0)
        close(fd);
    g_free(dir);
    return rc;
}

/*
 * An output file written through a buffer of at most OUT_FLUSH bytes: the
 * writers append to out->buf, lw_out_flush hands it to the kernel when it
 * is large, so that no output of tens of megabytes exists in memory.
 */
#define OUT_FLUSH (1 << 20)

struct lw_out {
    GString *buf;
    char *path, *tmp;           /* NULL: in memory only */
    int fd;
    int errnum;                 /* the first write error */
};

struct lw_out *lw_out_mem(void)
{
    struct lw_out *o = g_new0(struct lw_out, 1);

    o->buf = g_string_new(NULL);
    o->fd = -1;
    return o;
}

struct lw_out *lw_out_file(const char *path, struct lw_error *err)
{
    struct lw_out *o = lw_out_mem();

    o->path = g_strdup(path);
    o->tmp = g_strconcat(path, ".tmp", NULL);
    o->buf = g_string_set_size(o->buf, OUT_FLUSH + OUT_FLUSH / 4);
    g_string_truncate(o->buf, 0);
    if ((o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0) {
        lw_error_set(err, "%s: %s", o->tmp, g_strerror(errno));
        lw_out_abort(o);
        return NULL;
    }
    return o;
}

GString *lw_out_buf(struct lw_out *o)
{
    return o->buf;
}

void lw_out_flush(struct lw_out *o)
{
    if (o->fd < 0 || o->buf->len < OUT_FLUSH)
        return;
    if (o->errnum == 0)
        o->errnum = lw_write_all(o->fd, o->buf->str, o->buf->len);
    g_string_truncate(o->buf, 0);
}

void lw_out_abort(struct lw_out *o)
{
    if (o == NULL)
        return;
    if (o->fd >= 0) {
        close(o->fd);
        unlink(o->tmp);
    }
    g_string_free(o->buf, TRUE);
    g_free(o->path);
    g_free(o->tmp);
    g_free(o);
}

char *lw_out_steal(struct lw_out *o)
{
    char *text = g_string_free(o->buf, FALSE);

    o->buf = g_string_new(NULL);
    lw_out_abort(o);
    return text;
}

int lw_out_commit(struct lw_out *o, struct lw_error *err)
{
    int rc = -1, e = o->errnum ? o->errnum : lw_write_all(o->fd, o->buf->str, o->buf->len), closed;

    if (e == 0 && fsync(o->fd) < 0)
        e = errno;
    if (e != 0) {
        lw_error_set(err, "write %s: %s", o->tmp, g_strerror(e));
        lw_out_abort(o);        /* closes and removes the temporary file */
        return -1;
    }
    closed = close(o->fd);
    o->fd = -1;
    if (closed < 0)
        lw_error_set(err, "close %s: %s", o->tmp, g_strerror(errno));
    else if (rename(o->tmp, o->path) < 0)
        lw_error_set(err, "rename %s: %s", o->tmp, g_strerror(errno));
    else
        rc = fsync_dir(o->path, err);
    if (rc < 0)
        unlink(o->tmp);
    lw_out_abort(o);
    return rc;
}

int lw_write_atomic(const char *path, const char *data, size_t len, struct lw_error *err)
{
    struct lw_out *o = lw_out_file(path, err);

    if (o == NULL)
        return -1;
    o->errnum = lw_write_all(o->fd, data, len);
    return lw_out_commit(o, err);
}
