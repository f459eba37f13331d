/*
 * store.c - the indicator store: every indicator of every feed, indexed
 *
 * A store holds the indicators of the loaded feeds (domain, url, ipv4/ipv6
 * address or CIDR, e-mail address, sender domain, sha256/sha1/md5, file
 * name, subject, x-mailer, message-id domain, malware name), each with its
 * id, feed, confidence, TLP, valid-until and description, and answers "what
 * matches this value" the way each type needs:
 *
 *   domain types   the name and every parent: an indicator evil.example
 *                  matches login.evil.example (sender and message-id
 *                  domains likewise)
 *   url            exact, or an indicator that is a prefix of the URL at a
 *                  path, query or fragment boundary; http and https are the
 *                  same resource, userinfo is not part of the key
 *   ipv4/ipv6      the longest CIDR prefix containing the address (a /32 or
 *                  /128 is an address); only the longest live prefix reports
 *   others         exact, after the type's case rule (see lw_ioc_normalize)
 *
 * Indicators whose valid_until has passed are skipped at lookup, so a store
 * stays right for as long as it is used. Revoked STIX indicators are never
 * added (feed-json.c).
 *
 * A store is built once (lw_ioc_builder_*) and then never changes, so any
 * number of threads may look up at once; a reload builds a new store and
 * the engine that owns it is swapped whole (engine.c).
 *
 * MEMORY. Records are 48 bytes; keys, ids and descriptions live in string
 * arenas (descriptions interned); the index is open addressing on 64-bit
 * slots (hash and record number) at most half full, behind a one-hash
 * filter of 16 bits per indicator that answers most misses from cache.
 * About 100 bytes per indicator for a mixed million (contrib/bench/bench-ioc
 * prints the figure).
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "indicators/store.h"
#include "model/url.h"

#define V4_KEY_LEN 5            /* 4 address bytes + prefix length */
#define V6_KEY_LEN 17
#define MAX_KEY_TEXT 8192
#define MAX_PREFIX_TRIES 64     /* URL prefixes tried per lookup */

struct rec {
    const char *key;            /* arena: normalized text, or binary for IPs */
    const char *id;             /* arena, or NULL for "FEED:LINE" */
    const char *desc;           /* arena (interned), or NULL */
    gint64 valid_until;
    guint32 next;               /* next record with the same key, + 1; 0 ends */
    guint32 line;
    guint16 feed;
    guint8 type;
    guint8 confidence;
    guint8 tlp;
};

struct lw_ioc_store {
    GArray *recs;               /* struct rec */
    GStringChunk *keys, *strings;
    GPtrArray *feeds;           /* char* names */
    guint64 *slots;             /* hash << 32 | record index + 1; 0 is empty */
    guint32 mask;
    size_t counts[LW_IOC_NTYPES];
    guint64 v4_lengths;         /* bit n: some IPv4 indicator has prefix n */
    guint64 dots[LW_IOC_NTYPES];    /* domain types: bit n: some indicator has n dots */
    guint64 *filter;            /* bit set of the hashes of all keys: most misses stop here */
    guint32 filter_mask;
    guint64 *url_hosts;         /* bit set of the hashes of hosts that have URL indicators */
    guint32 url_hosts_mask;
    guint64 v6_lengths[3];
};

struct lw_ioc_builder {
    struct lw_ioc_store *s;
};

static guint32 hash_words(guint8 type, const char *key, size_t len);

/* hash_final - the last mixing step of both hashes */
static guint32 hash_final(guint64 h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (guint32) h;
}

#define FNV_BASIS 1469598103934665603ull
#define FNV_PRIME 1099511628211ull

/*
 * hash_key - a multiply-xorshift hash over 8-byte words of the type and
 * key; URLs use byte-wise FNV-1a instead, so that every prefix of a URL is
 * hashed in one pass (lookup_url).
 */
static guint32 hash_key(guint8 type, const char *key, size_t len)
{
    if (type == LW_IOC_URL) {
        guint64 f = FNV_BASIS;

        for (size_t i = 0; i < len; i++)
            f = (f ^ (guchar) key[i]) * FNV_PRIME;
        return hash_final(f ^ len);
    }
    return hash_words(type, key, len);
}

static guint32 hash_words(guint8 type, const char *key, size_t len)
{
    guint64 h = 0x9e3779b97f4a7c15ull ^ ((guint64) type << 56) ^ len, w;
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        memcpy(&w, key + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    if (i < len) {
        w = 0;
        memcpy(&w, key + i, len - i);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 29;
    }
    return hash_final(h);
}

static size_t key_len(guint8 type, const char *key)
{
    if (type == LW_IOC_IPV4)
        return V4_KEY_LEN;
    if (type == LW_IOC_IPV6)
        return V6_KEY_LEN;
    return strlen(key);
}

static struct rec *rec_at(const struct lw_ioc_store *s, guint32 i)
{
    return &g_array_index(s->recs, struct rec, i);
}

/*
 * find_slot - the slot holding (type, key), or the empty slot where it
 * would go. Slots carry the key's hash, so a probe touches a record only
 * when the hashes are equal: a miss usually costs one cache line.
 */
static guint32 find_slot(const struct lw_ioc_store *s, guint32 h, guint8 type, const char *key, size_t len)
{
    guint32 i = h & s->mask;

    for (;;) {
        guint64 slot = s->slots[i];
        const struct rec *rec;

        if (slot == 0)
            return i;
        if ((guint32) (slot >> 32) == h) {
            rec = rec_at(s, (guint32) slot - 1);
            if (rec->type == type && key_len(type, rec->key) == len && memcmp(rec->key, key, len) == 0)
                return i;
        }
        i = (i + 1) & s->mask;
    }
}

/* filter_bit - where hash h lives in the filter (other bits than the table index) */
static guint32 filter_bit(const struct lw_ioc_store *s, guint32 h)
{
    return ((h >> 16) | (h << 16)) & s->filter_mask;
}

/* slot_rec - the record index + 1 of a slot, 0 when empty */
static guint32 slot_rec(guint64 slot)
{
    return (guint32) slot;
}

struct lw_ioc_builder *lw_ioc_builder_new(void)
{
    struct lw_ioc_builder *b = g_new0(struct lw_ioc_builder, 1);

    b->s = g_new0(struct lw_ioc_store, 1);
    b->s->recs = g_array_new(FALSE, FALSE, sizeof(struct rec));
    b->s->keys = g_string_chunk_new(1 << 16);
    b->s->strings = g_string_chunk_new(1 << 14);
    b->s->feeds = g_ptr_array_new_with_free_func(g_free);
    return b;
}

void lw_ioc_builder_free(struct lw_ioc_builder *b)
{
    if (b == NULL)
        return;
    lw_ioc_store_free(b->s);
    g_free(b);
}

unsigned lw_ioc_builder_feed(struct lw_ioc_builder *b, const char *name)
{
    for (guint i = 0; i < b->s->feeds->len; i++)
        if (strcmp(g_ptr_array_index(b->s->feeds, i), name) == 0)
            return i;
    g_ptr_array_add(b->s->feeds, g_strdup(name));
    return b->s->feeds->len - 1;
}

/* parse_ip - address or CIDR text into the binary key; -1 if invalid */
static int parse_ip(const char *text, enum lw_ioc_type *type, guchar key[V6_KEY_LEN], size_t *klen)
{
    char buf[64];
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t) (slash - text) : strlen(text);
    long plen;
    char *end;
    int v6, max, bytes;

    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    v6 = strchr(buf, ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, key) != 1)
        return -1;
    max = v6 ? 128 : 32;
    bytes = v6 ? 16 : 4;
    plen = max;
    if (slash) {
        plen = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end != '\0' || plen < 0 || plen > max)
            return -1;
    }
    for (int i = 0; i < bytes; i++) {
        int keep = (int) plen - 8 * i;

        if (keep <= 0)
            key[i] = 0;
        else if (keep < 8)
            key[i] &= (guchar) (0xff << (8 - keep));
    }
    key[bytes] = (guchar) plen;
    *type = v6 ? LW_IOC_IPV6 : LW_IOC_IPV4;
    *klen = (size_t) bytes + 1;
    return 0;
}

/* format_ip - binary key back to "addr" or "addr/len" */
static void format_ip(guint8 type, const char *key, char *out, size_t cap)
{
    char buf[INET6_ADDRSTRLEN];
    int v6 = type == LW_IOC_IPV6, plen = (guchar) key[v6 ? 16 : 4];

    inet_ntop(v6 ? AF_INET6 : AF_INET, key, buf, sizeof(buf));
    if (plen == (v6 ? 128 : 32))
        g_snprintf(out, cap, "%s", buf);
    else
        g_snprintf(out, cap, "%s/%d", buf, plen);
}

static int is_hex(const char *s, size_t want)
{
    size_t n = 0;

    for (; s[n]; n++)
        if (!g_ascii_isxdigit(s[n]))
            return 0;
    return n == want;
}

/* fold_text - NFKC, case-folded, spaces collapsed and trimmed (g_free) */
static char *fold_text(const char *s)
{
    char *nfkc = g_utf8_normalize(s, -1, G_NORMALIZE_NFKC), *fold;
    GString *out;
    int space = 0;

    if (nfkc == NULL)
        return NULL;
    fold = g_utf8_casefold(nfkc, -1);
    g_free(nfkc);
    out = g_string_sized_new(strlen(fold));
    for (const char *p = fold; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        if (g_unichar_isspace(c) || c == 0xa0) {
            space = out->len > 0;
            continue;
        }
        if (space)
            g_string_append_c(out, ' ');
        space = 0;
        g_string_append_unichar(out, c);
    }
    g_free(fold);
    return g_string_free(out, FALSE);
}

/* lw_ioc_url_key - the matching key of a parsed URL: no userinfo, no http(s) scheme */
char *lw_ioc_url_key(const struct lw_url *u)
{
    const char *rest, *sep;
    GString *k;

    if (u->host == NULL || (u->flags & LW_URL_UNPARSED) || (sep = strstr(u->url, "://")) == NULL)
        return NULL;
    rest = sep + 3 + strcspn(sep + 3, "/?#");
    k = g_string_new(NULL);
    if (strcmp(u->scheme, "http") != 0 && strcmp(u->scheme, "https") != 0)
        g_string_append(k, u->scheme);
    g_string_append(k, "//");
    g_string_append(k, strchr(u->host, ':') ? "[" : "");
    g_string_append(k, u->host);
    g_string_append(k, strchr(u->host, ':') ? "]" : "");
    if (u->port >= 0)
        g_string_append_printf(k, ":%d", u->port);
    g_string_append(k, rest);
    return g_string_free(k, FALSE);
}

/* fail - NULL, with *err = reason, and the value when there is one */
static char *fail(char **err, const char *reason, const char *value)
{
    if (err)
        *err = value ? g_strdup_printf("%s: \"%s\"", reason, value) : g_strdup(reason);
    return NULL;
}

/* lw_ioc_normalize - canonical text of value for type, or NULL and *err */
char *lw_ioc_normalize(enum lw_ioc_type type, const char *value, char **err)
{
    char *v, *out = NULL;

    if (err)
        *err = NULL;
    if (value == NULL || !g_utf8_validate(value, -1, NULL))
        return fail(err, "not valid UTF-8", NULL);
    v = g_strstrip(g_strdup(value));
    if (*v == '\0') {
        g_free(v);
        return fail(err, "empty value", NULL);
    }
    if (strlen(v) > MAX_KEY_TEXT) {
        g_free(v);
        return fail(err, "value too long", NULL);
    }
    switch (type) {
    case LW_IOC_DOMAIN:
    case LW_IOC_SENDER_DOMAIN:
    case LW_IOC_MSGID_DOMAIN: {
        unsigned flags = 0;

        out = lw_host_normalize(v, &flags);
        if (out == NULL || (flags & LW_URL_IP_HOST) || strchr(out, '.') == NULL) {
            g_free(out);
            out = fail(err, "not a domain name", v);
        }
        break;
    }
    case LW_IOC_URL: {
        struct lw_url *u = lw_url_parse(v, -1, 0);

        out = u ? lw_ioc_url_key(u) : NULL;
        if (out == NULL)
            fail(err, "not a URL with a host", v);
        lw_url_free(u);
        break;
    }
    case LW_IOC_IPV4:
    case LW_IOC_IPV6: {
        guchar key[V6_KEY_LEN];
        char buf[INET6_ADDRSTRLEN + 8];
        enum lw_ioc_type t;
        size_t kl;

        if (parse_ip(v, &t, key, &kl) < 0 || t != type) {
            out = fail(err, type == LW_IOC_IPV4 ? "not an IPv4 address or CIDR"
                       : "not an IPv6 address or CIDR", v);
        } else {
            format_ip((guint8) t, (const char *) key, buf, sizeof(buf));
            out = g_strdup(buf);
        }
        break;
    }
    case LW_IOC_SHA256:
    case LW_IOC_SHA1:
    case LW_IOC_MD5: {
        size_t want = type == LW_IOC_SHA256 ? 64 : type == LW_IOC_SHA1 ? 40 : 32;

        if (is_hex(v, want))
            out = g_ascii_strdown(v, -1);
        else if (err)
            *err = g_strdup_printf("not a %s (%zu hex digits): \"%s\"", lw_ioc_type_name(type), want, v);
        break;
    }
    case LW_IOC_EMAIL: {
        char *at = strrchr(v, '@'), *host, *local;

        if (g_ascii_strncasecmp(v, "mailto:", 7) == 0) {
            memmove(v, v + 7, strlen(v + 7) + 1);
            at = strrchr(v, '@');
        }
        if (at == NULL || at == v || (host = lw_host_normalize(at + 1, NULL)) == NULL) {
            out = fail(err, "not an e-mail address", v);
            break;
        }
        local = g_utf8_strdown(v, at - v);
        out = g_strdup_printf("%s@%s", local, host);
        g_free(local);
        g_free(host);
        break;
    }
    default:
        out = fold_text(v);
        break;
    }
    g_free(v);
    return out;
}

static unsigned count_dots(const char *s, size_t len)
{
    unsigned n = 0;

    for (size_t i = 0; i < len; i++)
        n += s[i] == '.';
    return n;
}

/* url_host_len - length of "scheme//host[:port]" at the start of a URL key */
static size_t url_host_len(const char *key, size_t len)
{
    const char *sl = strstr(key, "//");
    size_t auth = sl ? (size_t) (sl - key) + 2 : 0;

    return auth + strcspn(key + auth, "/?#") <= len ? auth + strcspn(key + auth, "/?#") : len;
}

/* add_record - store one normalized key; chains records that share a key */
static void add_record(struct lw_ioc_store *s, unsigned feed, guint8 type, const char *key,
                       size_t klen, const struct lw_ioc_meta *m)
{
    struct rec r = { 0 };

    r.key = g_string_chunk_insert_len(s->keys, key, (gssize) klen);
    r.id = m->id ? g_string_chunk_insert(s->strings, m->id) : NULL;
    r.desc = m->description && *m->description ? g_string_chunk_insert_const(s->strings, m->description) : NULL;
    r.valid_until = m->valid_until;
    r.line = m->line;
    r.feed = (guint16) feed;
    r.type = type;
    r.confidence = (guint8) (m->confidence < 0 || m->confidence > 100 ? LW_IOC_CONFIDENCE_UNKNOWN : m->confidence);
    r.tlp = (guint8) m->tlp;
    g_array_append_val(s->recs, r);
    s->counts[type]++;
    if (type == LW_IOC_DOMAIN || type == LW_IOC_SENDER_DOMAIN || type == LW_IOC_MSGID_DOMAIN)
        s->dots[type] |= 1ull << MIN(count_dots(key, klen), 63);
    if (type == LW_IOC_IPV4)
        s->v4_lengths |= 1ull << (guchar) key[4];
    else if (type == LW_IOC_IPV6)
        s->v6_lengths[(guchar) key[16] / 64] |= 1ull << ((guchar) key[16] % 64);
}

int lw_ioc_builder_add(struct lw_ioc_builder *b, unsigned feed, enum lw_ioc_type type,
                       const char *value, const struct lw_ioc_meta *meta, char **err)
{
    char *key;

    if ((unsigned) type >= LW_IOC_NTYPES) {
        if (err)
            *err = g_strdup("unknown indicator type");
        return -1;
    }
    if (type == LW_IOC_IPV4 || type == LW_IOC_IPV6) {
        guchar bin[V6_KEY_LEN];
        enum lw_ioc_type t;
        size_t kl;

        if (parse_ip(value, &t, bin, &kl) < 0 || t != type) {
            g_free(lw_ioc_normalize(type, value, err));     /* for the message */
            return -1;
        }
        add_record(b->s, feed, (guint8) type, (const char *) bin, kl, meta);
        return 0;
    }
    if ((key = lw_ioc_normalize(type, value, err)) == NULL)
        return -1;
    add_record(b->s, feed, (guint8) type, key, strlen(key), meta);
    g_free(key);
    return 0;
}

unsigned lw_ioc_builder_copy_feed(struct lw_ioc_builder *b, const struct lw_ioc_store *old,
                                  const char *name)
{
    unsigned feed = lw_ioc_builder_feed(b, name), n = 0;

    if (old == NULL)
        return 0;
    for (guint i = 0; i < old->recs->len; i++) {
        const struct rec *r = rec_at(old, i);
        struct lw_ioc_meta m = { r->id, r->desc, r->confidence, r->tlp, r->valid_until, r->line };

        if (strcmp(g_ptr_array_index(old->feeds, r->feed), name) != 0)
            continue;
        add_record(b->s, feed, r->type, r->key, key_len(r->type, r->key), &m);
        n++;
    }
    return n;
}

/* lw_ioc_builder_finish - index the records; the builder is consumed */
struct lw_ioc_store *lw_ioc_builder_finish(struct lw_ioc_builder *b)
{
    struct lw_ioc_store *s = b->s;
    guint32 cap = 16;

    g_free(b);
    while (cap < 2 * s->recs->len + 2)
        cap <<= 1;
    s->slots = g_new0(guint64, cap);
    s->mask = cap - 1;
    s->filter = g_new0(guint64, cap * 8 / 64);     /* 16 bits per indicator */
    s->filter_mask = cap * 8 - 1;
    /* about 32 bits per URL indicator: a host without any is skipped at once */
    cap = 64;
    while (cap < 32 * s->counts[LW_IOC_URL])
        cap <<= 1;
    s->url_hosts = g_new0(guint64, cap / 64);
    s->url_hosts_mask = cap - 1;
    for (guint32 i = 0; i < s->recs->len; i++) {
        struct rec *r = rec_at(s, i);
        size_t len = key_len(r->type, r->key);
        guint32 h = hash_key(r->type, r->key, len), slot = find_slot(s, h, r->type, r->key, len);
        guint32 fb = filter_bit(s, h);

        /* a key seen before: chain behind the first record, keep feed order */
        if (s->slots[slot] != 0) {
            struct rec *head = rec_at(s, slot_rec(s->slots[slot]) - 1);

            while (head->next != 0)
                head = rec_at(s, head->next - 1);
            head->next = i + 1;
        } else {
            s->slots[slot] = (guint64) h << 32 | (i + 1);
        }
        s->filter[fb / 64] |= 1ull << (fb % 64);
        if (r->type == LW_IOC_URL) {
            guint32 hb = hash_key(LW_IOC_URL, r->key, url_host_len(r->key, len)) & s->url_hosts_mask;

            s->url_hosts[hb / 64] |= 1ull << (hb % 64);
        }
    }
    return s;
}

void lw_ioc_store_free(struct lw_ioc_store *s)
{
    if (s == NULL)
        return;
    g_array_free(s->recs, TRUE);
    g_string_chunk_free(s->keys);
    g_string_chunk_free(s->strings);
    g_ptr_array_unref(s->feeds);
    g_free(s->slots);
    g_free(s->url_hosts);
    g_free(s->filter);
    g_free(s);
}

size_t lw_ioc_store_count(const struct lw_ioc_store *s, enum lw_ioc_type type)
{
    return s && (unsigned) type < LW_IOC_NTYPES ? s->counts[type] : 0;
}

size_t lw_ioc_store_total(const struct lw_ioc_store *s)
{
    return s ? s->recs->len : 0;
}

int lw_ioc_store_has_type(const struct lw_ioc_store *s, enum lw_ioc_type type)
{
    return lw_ioc_store_count(s, type) > 0;
}

struct lookup {
    const struct lw_ioc_store *s;
    gint64 now;
    lw_ioc_match_fn fn;
    void *ud;
    unsigned n;
};

/* report - every live record of the chain at slot */
static unsigned report(struct lookup *l, guint32 head, const char *why)
{
    unsigned n = 0;

    for (guint32 i = head; i != 0;) {
        const struct rec *r = rec_at(l->s, i - 1);
        char idbuf[160], valbuf[INET6_ADDRSTRLEN + 8];
        struct lw_ioc_hit hit;

        i = r->next;
        if (r->valid_until != 0 && r->valid_until < l->now)
            continue;
        n++;
        if (l->fn == NULL)
            continue;
        hit.type = (enum lw_ioc_type) r->type;
        hit.feed = g_ptr_array_index(l->s->feeds, r->feed);
        if (r->id == NULL)
            g_snprintf(idbuf, sizeof(idbuf), "%s:%u", hit.feed, r->line);
        hit.id = r->id ? r->id : idbuf;
        if (r->type == LW_IOC_IPV4 || r->type == LW_IOC_IPV6)
            format_ip(r->type, r->key, valbuf, sizeof(valbuf));
        hit.value = r->type == LW_IOC_IPV4 || r->type == LW_IOC_IPV6 ? valbuf : r->key;
        hit.description = r->desc;
        hit.confidence = r->confidence;
        hit.tlp = (enum lw_tlp) r->tlp;
        hit.valid_until = r->valid_until;
        hit.why = why;
        l->fn(l->ud, &hit);
    }
    l->n += n;
    return n;
}

static guint32 head_of_hashed(const struct lw_ioc_store *s, guint32 h, guint8 type, const char *key,
                              size_t len);

/* head_of - the first record with (type, key), + 1; 0 when none */
static guint32 head_of(const struct lw_ioc_store *s, guint8 type, const char *key, size_t len)
{
    return head_of_hashed(s, hash_key(type, key, len), type, key, len);
}

static guint32 head_of_hashed(const struct lw_ioc_store *s, guint32 h, guint8 type, const char *key, size_t len)
{
    guint32 fb = filter_bit(s, h);

    if (!(s->filter[fb / 64] & (1ull << (fb % 64))))
        return 0;
    return slot_rec(s->slots[find_slot(s, h, type, key, len)]);
}

/* lookup_domain - the name and each parent */
static void lookup_domain(struct lookup *l, guint8 type, const char *key)
{
    size_t len = strlen(key);
    unsigned dots = count_dots(key, len);

    for (const char *d = key; d != NULL && *d; dots--) {
        guint32 h;

        /* only names with as many labels as some indicator has can match */
        if ((l->s->dots[type] >> MIN(dots, 63)) & 1
            && (h = head_of(l->s, type, d, len - (size_t) (d - key))) != 0)
            report(l, h, d == key ? "exact" : "parent domain");
        d = strchr(d, '.');
        if (d == NULL)
            break;
        d++;
    }
}

/*
 * lookup_url - the URL, then its prefixes at path ('/', with and without
 * it), query and fragment boundaries: FNV states of every prefix come from
 * one pass, so each candidate costs a final mix and a filter probe.
 */
static void lookup_url(struct lookup *l, const char *key)
{
    size_t len = strlen(key), auth = (size_t) (strstr(key, "//") - key) + 2;
    guint64 stack[512], *state, f = FNV_BASIS;
    unsigned tries = 0;
    guint32 h, hb = hash_key(LW_IOC_URL, key, url_host_len(key, len)) & l->s->url_hosts_mask;

    if (!(l->s->url_hosts[hb / 64] & (1ull << (hb % 64))))
        return;     /* no URL indicator on this host */
    state = len < G_N_ELEMENTS(stack) ? stack : g_new(guint64, len + 1);  /* state[i]: FNV of i bytes */
    state[0] = f;
    for (size_t i = 0; i < len; i++)
        state[i + 1] = f = (f ^ (guchar) key[i]) * FNV_PRIME;
    if ((h = head_of_hashed(l->s, hash_final(state[len] ^ len), LW_IOC_URL, key, len)) != 0)
        report(l, h, "exact");
    auth += strcspn(key + auth, "/?#");
    for (size_t i = len; i-- > auth && tries < MAX_PREFIX_TRIES;) {
        if (key[i] != '/' && key[i] != '?' && key[i] != '#')
            continue;
        tries++;
        if (key[i] == '/' && i + 1 < len
            && (h = head_of_hashed(l->s, hash_final(state[i + 1] ^ (i + 1)), LW_IOC_URL, key, i + 1)) != 0)
            report(l, h, "URL prefix");
        if ((h = head_of_hashed(l->s, hash_final(state[i] ^ i), LW_IOC_URL, key, i)) != 0)
            report(l, h, "URL prefix");
    }
    if (state != stack)
        g_free(state);
}

/* lookup_ip - the longest prefix present with a live indicator */
static void lookup_ip(struct lookup *l, const char *key)
{
    guchar addr[V6_KEY_LEN], masked[V6_KEY_LEN];
    enum lw_ioc_type t;
    size_t kl;
    char why[32];

    if (parse_ip(key, &t, addr, &kl) < 0)
        return;
    for (int plen = addr[kl - 1]; plen >= 0; plen--) {
        int bytes = (int) kl - 1;
        guint32 h;

        if (t == LW_IOC_IPV4 ? !(l->s->v4_lengths & (1ull << plen))
                             : !(l->s->v6_lengths[plen / 64] & (1ull << (plen % 64))))
            continue;
        for (int i = 0; i < bytes; i++) {
            int keep = plen - 8 * i;

            masked[i] = keep <= 0 ? 0 : keep < 8 ? (guchar) (addr[i] & (0xff << (8 - keep))) : addr[i];
        }
        masked[bytes] = (guchar) plen;
        if ((h = head_of(l->s, (guint8) t, (const char *) masked, kl)) == 0)
            continue;
        g_snprintf(why, sizeof(why), plen == bytes * 8 ? "exact" : "CIDR /%d", plen);
        if (report(l, h, why) > 0)
            return;
    }
}

unsigned lw_ioc_store_lookup(const struct lw_ioc_store *s, enum lw_ioc_type type, const char *key,
                             gint64 now, lw_ioc_match_fn fn, void *ud)
{
    struct lookup l = { s, now, fn, ud, 0 };
    guint32 h;

    if (s == NULL || key == NULL || (unsigned) type >= LW_IOC_NTYPES || s->counts[type] == 0)
        return 0;
    switch (type) {
    case LW_IOC_DOMAIN:
    case LW_IOC_SENDER_DOMAIN:
    case LW_IOC_MSGID_DOMAIN:
        lookup_domain(&l, (guint8) type, key);
        break;
    case LW_IOC_URL:
        if (strstr(key, "//") != NULL)
            lookup_url(&l, key);
        break;
    case LW_IOC_IPV4:
    case LW_IOC_IPV6:
        lookup_ip(&l, key);
        break;
    default:
        if ((h = head_of(s, (guint8) type, key, strlen(key))) != 0)
            report(&l, h, "exact");
        break;
    }
    return l.n;
}

unsigned lw_ioc_store_match(const struct lw_ioc_store *s, enum lw_ioc_type type, const char *value,
                            gint64 now, lw_ioc_match_fn fn, void *ud)
{
    char *key;
    unsigned n;

    if (lw_ioc_store_count(s, type) == 0 || (key = lw_ioc_normalize(type, value, NULL)) == NULL)
        return 0;
    n = lw_ioc_store_lookup(s, type, key, now, fn, ud);
    g_free(key);
    return n;
}

static const char *const tlp_names[] = {
    [LW_TLP_NONE] = "", [LW_TLP_CLEAR] = "clear", [LW_TLP_GREEN] = "green",
    [LW_TLP_AMBER] = "amber", [LW_TLP_AMBER_STRICT] = "amber+strict", [LW_TLP_RED] = "red",
};

const char *lw_tlp_name(enum lw_tlp tlp)
{
    return (unsigned) tlp < G_N_ELEMENTS(tlp_names) ? tlp_names[tlp] : "";
}

/* lw_tlp_parse - "amber", "TLP:AMBER", "tlp:white" (= clear); 0 on success */
int lw_tlp_parse(const char *s, enum lw_tlp *tlp)
{
    if (g_ascii_strncasecmp(s, "tlp:", 4) == 0)
        s += 4;
    if (g_ascii_strcasecmp(s, "white") == 0) {
        *tlp = LW_TLP_CLEAR;
        return 0;
    }
    for (unsigned i = 1; i < G_N_ELEMENTS(tlp_names); i++) {
        if (g_ascii_strcasecmp(s, tlp_names[i]) == 0) {
            *tlp = (enum lw_tlp) i;
            return 0;
        }
    }
    return -1;
}
