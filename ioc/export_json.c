/*
 * export_json.c - every JSON of the IOC export: state file, STIX 2.1, MISP, correlation input
 *
 * NAME
 *     lw_export_stix, lw_export_misp, lw_export_state_encode/decode, lw_corr_load
 *
 * DESCRIPTION
 *     All JSON of ioc/ export lives here (jansson; email-derived strings are
 *     made valid UTF-8 first). Object ids are UUIDv5 in the fixed namespace
 *     LW_EXPORT_NAMESPACE over "type:value" (indicators), so the same
 *     indicator gets the same id in every export and at every agency, and
 *     a re-export updates objects instead of adding new ones.
 *
 *     STIX 2.1 bundle (one object per line, written object by object so
 *     that no tree of the whole bundle is built): the TLP 2.0 marking definition (the OASIS objects
 *     and ids, extension-definition--60a3c5c5...), an identity for
 *     export_org_name, one indicator per indicator (pattern, valid_from =
 *     first seen, valid_until = last seen + export_valid_days,
 *     indicator_types, labels = rule ids, confidence), one sighting of it
 *     (count, first_seen, last_seen, where_sighted_refs -> the identity)
 *     and one per partner whose feed named the value (where_sighted_refs
 *     -> an identity named after that feed),
 *     observables (email-addr, domain-name, url, ipv4/ipv6-addr, file) with
 *     the STIX-defined deterministic ids, a malware object per ClamAV name
 *     with "indicates" relationships from the indicators of the same
 *     messages, and "related-to" relationships between indicators of the
 *     same messages (what correlation follows).
 *
 *     MISP event (as MISP imports it: {"Event": {...}}): one event per
 *     organization (uuid fixed by the org name, so pushes update it),
 *     attributes with MISP types and categories, to_ids, tags for TLP and
 *     rule ids, and an "email" object per message (from, subject,
 *     message-id, attachment names, x-mailer, send-date).
 *
 * LIMITS
 *     lw_corr_load reads what this exporter writes and plain third-party
 *     bundles with simple equality patterns; other patterns are skipped.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <glib/gstdio.h>
#include <jansson.h>

#include "correlate.h"
#include "export.h"
#include "model/json.h"
#include "util/sort.h"

#define STIX_SCO_NAMESPACE "00abedb4-aa42-466c-9c01-fed23315a9b7"
#define TLP2_EXTENSION "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#define MISP_EMAIL_TEMPLATE "a0c666e0-fc65-4be8-b48f-3423d788b552"

/* ---- small helpers ---- */

static json_t *jstr(const char *s)
{
    gchar *valid;
    json_t *j;

    if (s == NULL)
        s = "";
    if (g_utf8_validate(s, -1, NULL))      /* the usual case: no copy to make it valid */
        return json_string_nocheck(s);
    valid = g_utf8_make_valid(s, -1);
    j = json_string(valid);
    g_free(valid);
    return j ? j : json_string("");
}

/*
 * dump_into - serialize and release o at the end of out, in place (jansson
 * writes into the room made for it; a larger object is written again)
 */
static void dump_into(GString *out, json_t *o, size_t flags)
{
    gsize before = out->len, room = 8192, n;

    for (;;) {
        g_string_set_size(out, before + room);
        n = json_dumpb(o, out->str + before, room, flags | JSON_PRESERVE_ORDER);
        if (n <= room)
            break;
        room = n;
    }
    g_string_truncate(out, before + n);
    if (n == 0)
        g_string_append(out, "{}");
    json_decref(o);
}

/* dump - serialize and release o; g_malloc'ed text with a final newline */
static char *dump(json_t *o, size_t flags)
{
    GString *out = g_string_new(NULL);

    dump_into(out, o, flags);
    g_string_append_c(out, '\n');
    return g_string_free(out, FALSE);
}

/*
 * A JSON array written object by object (one compact object per line), so
 * that a bundle of 100,000 objects never exists as one jansson tree.
 */
struct sink {
    struct lw_out *out;
    guint n;
};

/* sink_add - serialize and release o */
static void sink_add(struct sink *sk, json_t *o)
{
    GString *buf = lw_out_buf(sk->out);

    g_string_append(buf, sk->n++ ? ",\n" : "\n");
    dump_into(buf, o, JSON_COMPACT);
    lw_out_flush(sk->out);
}

#define BUNDLE_HEAD "{\"type\": \"bundle\", \"id\": \""

/* uuid_text - 16 bytes in the 8-4-4-4-12 hex form; g_free */
static char *uuid_text(const guint8 b[16])
{
    static const char hex[] = "0123456789abcdef";
    char *s = g_malloc(37), *p = s;

    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[b[i] >> 4];
        *p++ = hex[b[i] & 15];
    }
    *p = '\0';
    return s;
}

char *lw_uuid5(const char *ns, const char *name)
{
    guint8 nsb[16], digest[20];
    gsize dlen = sizeof(digest);
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA1);
    int j = 0;

    for (const char *p = ns; *p && j < 16; p++) {
        if (*p == '-')
            continue;
        nsb[j++] = (guint8) (g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
        p++;
    }
    g_checksum_update(ck, nsb, 16);
    g_checksum_update(ck, (const guchar *) name, strlen(name));
    g_checksum_get_digest(ck, digest, &dlen);
    g_checksum_free(ck);
    digest[6] = (digest[6] & 0x0f) | 0x50;
    digest[8] = (digest[8] & 0x3f) | 0x80;
    return uuid_text(digest);
}

/* sid - a STIX id "TYPE--UUIDv5(lurewatch, KEY)"; g_free */
static char *sid(const char *type, const char *key)
{
    char *u = lw_uuid5(LW_EXPORT_NAMESPACE, key), *id = g_strconcat(type, "--", u, NULL);

    g_free(u);
    return id;
}

/* ind_key - "type:value"; g_free */
static char *ind_key(const struct lw_indicator *ind)
{
    return g_strconcat(lw_ioc_type_name(ind->type), ":", ind->value, NULL);
}

/* indicator_id - the STIX id of an indicator, the same at every agency; g_free */
static char *indicator_id(const struct lw_indicator *ind)
{
    char *k = ind_key(ind), *id = sid("indicator", k);

    g_free(k);
    return id;
}

/*
 * UTC_FORMAT - Unix seconds t in UTC as strftime's literal format fmt into
 * the char array buf ("" when t is out of range); gmtime_r, because
 * GDateTime's formatter costs more, and an export formats every timestamp
 */
#define UTC_FORMAT(buf, t, fmt) \
    do { \
        time_t tt_ = (time_t) (t); \
        struct tm tm_; \
        if (gmtime_r(&tt_, &tm_) == NULL || strftime(buf, sizeof(buf), fmt, &tm_) == 0) \
            buf[0] = '\0'; \
    } while (0)

char *lw_export_iso(gint64 t)
{
    char buf[64];

    UTC_FORMAT(buf, t, "%Y-%m-%dT%H:%M:%S.000Z");
    return g_strdup(buf);
}

/* jtime - a STIX timestamp as JSON */
static json_t *jtime(gint64 t)
{
    char *s = lw_export_iso(t);
    json_t *j = json_string(s);

    g_free(s);
    return j;
}

static json_t *str_array(const GPtrArray *a)
{
    json_t *arr = json_array();

    for (guint i = 0; i < a->len; i++)
        json_array_append_new(arr, jstr(g_ptr_array_index(a, i)));
    return arr;
}

/* ---- hits stream indicators and the state file ---- */

static json_t *indicator_json(const struct lw_indicator *ind)
{
    json_t *o = json_pack("{s:s, s:o}", "type", lw_ioc_type_name(ind->type), "value", jstr(ind->value));

    if (ind->role != LW_ROLE_NONE)
        json_object_set_new(o, "role", json_string(lw_ioc_role_name(ind->role)));
    if (ind->warninglist)
        json_object_set_new(o, "warninglist", jstr(ind->warninglist));
    return o;
}

static json_t *indicators_json(const GPtrArray *inds)
{
    json_t *arr = json_array();

    for (guint i = 0; i < inds->len; i++)
        json_array_append_new(arr, indicator_json(g_ptr_array_index(inds, i)));
    return arr;
}

/* feed_values_json - struct lw_export_feed_value * as {"FEED": [indicators]}, as the hits stream has them */
static json_t *feed_values_json(const GPtrArray *fvs)
{
    json_t *o = json_object();

    for (guint i = 0; i < fvs->len; i++) {
        const struct lw_export_feed_value *fv = g_ptr_array_index(fvs, i);
        json_t *arr = json_object_get(o, fv->feed);

        if (arr == NULL)
            json_object_set_new(o, fv->feed, arr = json_array());
        json_array_append_new(arr, indicator_json(fv->ind));
    }
    return o;
}

static int cmp_msg_id(gconstpointer a, gconstpointer b)
{
    return strcmp((*(const struct lw_export_msg *const *) a)->event_id,
                  (*(const struct lw_export_msg *const *) b)->event_id);
}

/* revoked_json - the revocations of the state, by key */
static json_t *revoked_json(const struct lw_export_state *st)
{
    GPtrArray *keys = lw_hash_keys(st->revoked);
    json_t *arr = json_array();

    g_ptr_array_sort(keys, lw_cmp_strptr);
    for (guint i = 0; i < keys->len; i++) {
        const struct lw_export_revoked *r = g_hash_table_lookup(st->revoked, g_ptr_array_index(keys, i));
        json_t *o = json_pack("{s:s, s:o, s:I, s:I, s:I}", "type", lw_ioc_type_name(r->ind->type),
                              "value", jstr(r->ind->value), "first", (json_int_t) r->first,
                              "last", (json_int_t) r->last, "when", (json_int_t) r->when);

        if (r->ind->role != LW_ROLE_NONE)
            json_object_set_new(o, "role", json_string(lw_ioc_role_name(r->ind->role)));
        json_array_append_new(arr, o);
    }
    g_ptr_array_unref(keys);
    return arr;
}

/*
 * lw_export_state_encode - the state file: a first line {"version":1,
 * "released":{...}}, then one message per line (written and read line by
 * line, so that a large state never exists as one jansson tree)
 */
void lw_export_state_write(const struct lw_export_state *st, struct lw_out *o)
{
    json_t *rel = json_object();
    GPtrArray *list = g_ptr_array_new();
    GString *out = lw_out_buf(o);
    GHashTableIter it;
    gpointer k, v;

    g_hash_table_iter_init(&it, st->released);
    while (g_hash_table_iter_next(&it, &k, &v))
        json_object_set_new(rel, k, json_integer(*(gint64 *) v));
    dump_into(out, json_pack("{s:i, s:o, s:o, s:I}", "version", 1, "released", rel, "revoked", revoked_json(st),
                             "misp_pushed", (json_int_t) st->misp_pushed),
              JSON_COMPACT | JSON_SORT_KEYS);
    g_string_append_c(out, '\n');
    g_hash_table_iter_init(&it, st->msgs);
    while (g_hash_table_iter_next(&it, &k, &v))
        g_ptr_array_add(list, v);
    g_ptr_array_sort(list, cmp_msg_id);
    for (guint i = 0; i < list->len; i++) {
        const struct lw_export_msg *m = g_ptr_array_index(list, i);
        json_t *j = json_object();

        json_object_set_new(j, "event_id", jstr(m->event_id));
        json_object_set_new(j, "time", jstr(m->time));
        json_object_set_new(j, "instance", jstr(m->instance));
        json_object_set_new(j, "queue_id", jstr(m->queue_id));
        json_object_set_new(j, "message_id", jstr(m->message_id));
        json_object_set_new(j, "sender", jstr(m->sender));
        json_object_set_new(j, "subject", jstr(m->subject));
        json_object_set_new(j, "rcpt_count", json_integer(m->rcpt_count));
        json_object_set_new(j, "score", json_real(m->score));
        json_object_set_new(j, "action", jstr(m->action));
        json_object_set_new(j, "rules", str_array(m->rules));
        json_object_set_new(j, "rcpts", str_array(m->rcpts));
        if (m->feeds->len)
            json_object_set_new(j, "feeds", str_array(m->feeds));
        if (m->feed_values)
            json_object_set_new(j, "feed_values", feed_values_json(m->feed_values));
        json_object_set_new(j, "indicators", indicators_json(m->indicators));
        dump_into(out, j, JSON_COMPACT);
        g_string_append_c(out, '\n');
        lw_out_flush(o);
    }
    g_ptr_array_unref(list);
}

char *lw_export_state_encode(const struct lw_export_state *st)
{
    struct lw_out *o = lw_out_mem();

    lw_export_state_write(st, o);
    return lw_out_steal(o);
}

/* jget - a string member or "" */
static const char *jget(json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));

    return s ? s : "";
}

static GPtrArray *str_list(json_t *arr)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    json_t *x;
    size_t i;

    json_array_foreach(arr, i, x)
        if (json_is_string(x))
            g_ptr_array_add(a, g_strdup(json_string_value(x)));
    return a;
}

/* msg_decode - one state message; NULL when malformed */
static struct lw_export_msg *msg_decode(json_t *j)
{
    struct lw_export_msg *m;

    if (!*jget(j, "event_id") || lw_export_parse_time(jget(j, "time")) < 0)
        return NULL;
    m = g_new0(struct lw_export_msg, 1);
    m->event_id = g_strdup(jget(j, "event_id"));
    m->time = g_strdup(jget(j, "time"));
    m->when = lw_export_parse_time(m->time);
    m->instance = g_strdup(jget(j, "instance"));
    m->queue_id = g_strdup(jget(j, "queue_id"));
    m->message_id = g_strdup(jget(j, "message_id"));
    m->sender = g_strdup(jget(j, "sender"));
    m->subject = g_strdup(jget(j, "subject"));
    m->action = g_strdup(jget(j, "action"));
    m->rcpt_count = json_integer_value(json_object_get(j, "rcpt_count"));
    m->score = json_number_value(json_object_get(j, "score"));
    m->rules = str_list(json_object_get(j, "rules"));
    m->rcpts = str_list(json_object_get(j, "rcpts"));
    m->feeds = str_list(json_object_get(j, "feeds"));
    m->indicators = g_ptr_array_new_with_free_func((GDestroyNotify) lw_indicator_free);
    lw_indicators_from_json(json_object_get(j, "indicators"), m->indicators);
    if (json_is_object(json_object_get(j, "feed_values"))) {
        GPtrArray *feeds = g_ptr_array_new(), *inds = g_ptr_array_new();

        lw_feed_values_from_json(json_object_get(j, "feed_values"), feeds, inds);
        m->feed_values = lw_export_feed_values(feeds, inds);
    }
    return m;
}

/* state_msg - add one message line of the state file; -1 when it is not JSON */
static int state_msg(struct lw_export_state *st, const char *line, size_t len, struct lw_error *err)
{
    json_error_t je;
    json_t *x = json_loadb(line, len, 0, &je);
    struct lw_export_msg *m = x ? msg_decode(x) : NULL;

    json_decref(x);
    if (x == NULL)
        return lw_error_set(err, "a message line is not JSON: %s", je.text);
    if (m)
        g_hash_table_replace(st->msgs, m->event_id, m);
    return 0;
}

int lw_export_state_decode(struct lw_export_state *st, const char *text, struct lw_error *err)
{
    const char *nl = strchr(text, '\n'), *line;
    json_error_t je;
    json_t *o = json_loadb(text, nl ? (size_t) (nl - text) : strlen(text), 0, &je), *x;
    const char *k;
    size_t i;

    if (!json_is_object(o) || json_integer_value(json_object_get(o, "version")) != 1) {
        json_decref(o);
        return lw_error_set(err, "not an export state (version 1): %s", je.text);
    }
    st->misp_pushed = json_integer_value(json_object_get(o, "misp_pushed"));
    json_object_foreach(json_object_get(o, "released"), k, x) {
        gint64 *t = g_new(gint64, 1);

        *t = json_integer_value(x);
        g_hash_table_replace(st->released, g_strdup(k), t);
    }
    json_array_foreach(json_object_get(o, "revoked"), i, x) {
        struct lw_indicator *ind = lw_indicator_from_json(x);

        if (ind)
            lw_export_revoke(st, ind, json_integer_value(json_object_get(x, "first")),
                             json_integer_value(json_object_get(x, "last")),
                             json_integer_value(json_object_get(x, "when")));
        lw_indicator_free(ind);
    }
    json_array_foreach(json_object_get(o, "messages"), i, x) {     /* the first, one-object form */
        struct lw_export_msg *m = msg_decode(x);

        if (m)
            g_hash_table_replace(st->msgs, m->event_id, m);
    }
    json_decref(o);
    for (line = nl ? nl + 1 : ""; *line; line = nl ? nl + 1 : line + strlen(line)) {
        size_t len;

        nl = strchr(line, '\n');
        len = nl ? (size_t) (nl - line) : strlen(line);
        if (len && state_msg(st, line, len, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- STIX 2.1 ---- */

static const struct {
    const char *name, *id;
} tlp2[] = {
    [LW_TLP_CLEAR] = { "clear", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487" },
    [LW_TLP_GREEN] = { "green", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb" },
    [LW_TLP_AMBER] = { "amber", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421" },
    [LW_TLP_AMBER_STRICT] = { "amber+strict", "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003" },
    [LW_TLP_RED] = { "red", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1" },
};

/* Patterns: prefix + escaped value + suffix, per indicator type (NULL: no pattern). */
static const struct {
    const char *prefix, *suffix;
} patterns[LW_IOC_NTYPES] = {
    [LW_IOC_DOMAIN] = { "[domain-name:value = '", "']" },
    [LW_IOC_URL] = { "[url:value = '", "']" },
    [LW_IOC_IPV4] = { "[ipv4-addr:value = '", "']" },
    [LW_IOC_IPV6] = { "[ipv6-addr:value = '", "']" },
    [LW_IOC_EMAIL] = { "[email-message:from_ref.value = '", "']" },
    [LW_IOC_SENDER_DOMAIN] = { "[email-message:from_ref.value LIKE '%@", "']" },
    [LW_IOC_SHA256] = { "[file:hashes.'SHA-256' = '", "']" },
    [LW_IOC_SHA1] = { "[file:hashes.'SHA-1' = '", "']" },
    [LW_IOC_MD5] = { "[file:hashes.MD5 = '", "']" },
    [LW_IOC_FILENAME] = { "[file:name = '", "']" },
    [LW_IOC_SUBJECT] = { "[email-message:subject = '", "']" },
    [LW_IOC_X_MAILER] = { "[email-message:additional_header_fields.'X-Mailer' = '", "']" },
    [LW_IOC_MSGID_DOMAIN] = { "[email-message:message_id LIKE '%@", ">']" },
};

/* pattern_of - the STIX pattern of ind, quotes and backslashes escaped; g_free */
static char *pattern_of(const struct lw_indicator *ind)
{
    GString *s = g_string_new(patterns[ind->type].prefix);

    for (const char *p = ind->value; *p; p++) {
        if (*p == '\'' || *p == '\\')
            g_string_append_c(s, '\\');
        g_string_append_c(s, *p);
    }
    g_string_append(s, patterns[ind->type].suffix);
    return g_string_free(s, FALSE);
}

/* pattern_parse - the reverse of pattern_of; NULL when the pattern is of another shape */
static struct lw_indicator *pattern_parse(const char *pat)
{
    for (int t = 0; t < LW_IOC_NTYPES; t++) {
        size_t pl, sl, n = strlen(pat);
        GString *v;
        struct lw_indicator *ind;

        if (!patterns[t].prefix)
            continue;
        pl = strlen(patterns[t].prefix);
        sl = strlen(patterns[t].suffix);
        if (n < pl + sl || strncmp(pat, patterns[t].prefix, pl) != 0 || strcmp(pat + n - sl, patterns[t].suffix) != 0)
            continue;
        v = g_string_new(NULL);
        for (const char *p = pat + pl; p < pat + n - sl; p++) {
            if (*p == '\\' && p + 1 < pat + n - sl)
                p++;
            g_string_append_c(v, *p);
        }
        ind = lw_indicator_new((enum lw_ioc_type) t, v->str);
        g_string_free(v, TRUE);
        return ind;
    }
    return NULL;
}

static json_t *tlp_marking(enum lw_tlp tlp)
{
    char *name = g_ascii_strup(tlp2[tlp].name, -1), *full = g_strconcat("TLP:", name, NULL);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:{s:s, s:s}}}",
                          "type", "marking-definition", "spec_version", "2.1", "id", tlp2[tlp].id,
                          "created", "2022-10-01T00:00:00.000Z", "name", full,
                          "extensions", TLP2_EXTENSION, "extension_type", "property-extension",
                          "tlp_2_0", tlp2[tlp].name);

    g_free(name);
    g_free(full);
    return o;
}

/* sdo - the common properties of an object made by identity */
static json_t *sdo(const char *type, const char *id, gint64 created, gint64 modified,
                   const char *identity, enum lw_tlp tlp)
{
    json_t *o = json_object();

    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "spec_version", json_string("2.1"));
    json_object_set_new(o, "id", json_string(id));
    if (identity)
        json_object_set_new(o, "created_by_ref", json_string(identity));
    json_object_set_new(o, "created", jtime(created));
    json_object_set_new(o, "modified", jtime(MAX(created, modified)));
    if (tlp != LW_TLP_NONE)
        json_object_set_new(o, "object_marking_refs", json_pack("[s]", tlp2[tlp].id));
    return o;
}

static char *identity_id(const char *org)
{
    char *k = g_strconcat("identity:", org, NULL), *id = sid("identity", k);

    g_free(k);
    return id;
}

/*
 * lw_export_confidence - 0..100: what the role says of the value (a payload
 * hash names only the file, a lure link only the attacker's page, a sender
 * may be a hijacked mailbox), raised by how many messages and agencies saw
 * it and how high those messages scored; a value that may not block is
 * context, at most 20
 */
int lw_export_confidence(const struct lw_export_ioc *x)
{
    static const int base[LW_ROLE_N] = {
        [LW_ROLE_NONE] = 45, [LW_ROLE_LURE] = 55, [LW_ROLE_PAYLOAD] = 60, [LW_ROLE_SENDER] = 45,
        [LW_ROLE_IMPERSONATED] = 10, [LW_ROLE_BYSTANDER] = 0,
    };
    int c = base[x->role] + 8 * (int) MIN(x->count - 1, 3u) + 10 * (int) MIN(x->agencies - 1, 2u)
            + (x->max_score >= 20 ? 15 : x->max_score >= 10 ? 5 : 0) + (x->malware->len ? 10 : 0);

    return lw_export_blocking(x) ? MIN(c, 95) : MIN(c, 20);
}

/* sco - the observable of an indicator (STIX deterministic id) with its TLP marking, or NULL when none fits */
static json_t *sco(const struct lw_indicator *ind, enum lw_tlp tlp)
{
    const char *type = NULL, *hash = NULL;
    json_t *o, *contrib;
    char *text, *u, *id;

    switch (ind->type) {
    case LW_IOC_DOMAIN: type = "domain-name"; break;
    case LW_IOC_URL: type = "url"; break;
    case LW_IOC_IPV4: type = "ipv4-addr"; break;
    case LW_IOC_IPV6: type = "ipv6-addr"; break;
    case LW_IOC_EMAIL: type = "email-addr"; break;
    case LW_IOC_SHA256: type = "file"; hash = "SHA-256"; break;
    case LW_IOC_SHA1: type = "file"; hash = "SHA-1"; break;
    case LW_IOC_MD5: type = "file"; hash = "MD5"; break;
    default: return NULL;
    }
    contrib = hash ? json_pack("{s:{s:o}}", "hashes", hash, jstr(ind->value))
                   : json_pack("{s:o}", "value", jstr(ind->value));
    text = json_dumps(contrib, JSON_COMPACT | JSON_SORT_KEYS);
    u = lw_uuid5(STIX_SCO_NAMESPACE, text);
    id = g_strconcat(type, "--", u, NULL);
    o = json_pack("{s:s, s:s, s:s}", "type", type, "spec_version", "2.1", "id", id);
    json_object_update(o, contrib);
    json_object_set_new(o, "object_marking_refs", json_pack("[s]", tlp2[tlp].id));
    free(text);
    g_free(u);
    g_free(id);
    json_decref(contrib);
    return o;
}

/* relationship - a deterministic SRO */
static json_t *relationship(const char *type, const char *src, const char *dst, gint64 created,
                            gint64 modified, const char *identity, enum lw_tlp tlp)
{
    char *k = g_strconcat(type, ":", src, ":", dst, NULL), *id = sid("relationship", k);
    json_t *o = sdo("relationship", id, created, modified, identity, tlp);

    json_object_set_new(o, "relationship_type", json_string(type));
    json_object_set_new(o, "source_ref", json_string(src));
    json_object_set_new(o, "target_ref", json_string(dst));
    g_free(k);
    g_free(id);
    return o;
}

/* names_infrastructure - a value a block list could act on (a host, link, address or IP) */
static int names_infrastructure(enum lw_ioc_type t)
{
    return t == LW_IOC_DOMAIN || t == LW_IOC_URL || t == LW_IOC_IPV4 || t == LW_IOC_IPV6 || t == LW_IOC_EMAIL
           || t == LW_IOC_SENDER_DOMAIN;
}

/* stix_has_indicator - does x become a STIX indicator (else only its observable)? */
static int stix_has_indicator(const struct lw_export_ioc *x)
{
    return patterns[x->ind->type].prefix
           && (lw_export_blocking(x)
               || (!x->warninglist && !names_infrastructure(x->ind->type) && x->role != LW_ROLE_IMPERSONATED));
}

/* partner_id - the STIX id of the partner whose feed is named feed; g_free */
static char *partner_id(const char *feed)
{
    char *k = g_strconcat("partner-feed:", feed, NULL), *id = sid("identity", k);

    g_free(k);
    return id;
}

/* partner_identity - the identity of a partner, named by the feed of its indicators this organization loads */
static json_t *partner_identity(const char *feed)
{
    gint64 epoch = 1767225600;      /* 2026-01-01, as this organization's identity */
    char *id = partner_id(feed);
    json_t *o = sdo("identity", id, epoch, epoch, NULL, LW_TLP_NONE);

    json_object_set_new(o, "name", jstr(feed));
    json_object_set_new(o, "description", json_string("a partner whose indicator feed named this value"));
    json_object_set_new(o, "identity_class", json_string("organization"));
    g_free(id);
    return o;
}

/*
 * partner_sighting - the value was seen where a partner is: its feed named
 * it in mail that reached this organization (created by this organization)
 */
static json_t *partner_sighting(const struct lw_export_ioc *x, const char *indicator, const char *feed,
                                const char *identity, enum lw_tlp tlp)
{
    char *where = partner_id(feed);
    char *sk = g_strconcat("sighting:", where, ":", indicator, NULL), *id = sid("sighting", sk);
    json_t *o = sdo("sighting", id, x->first, x->last, identity, tlp);

    json_object_set_new(o, "first_seen", jtime(x->first));
    json_object_set_new(o, "last_seen", jtime(x->last));
    json_object_set_new(o, "sighting_of_ref", json_string(indicator));
    json_object_set_new(o, "where_sighted_refs", json_pack("[s]", where));
    g_free(where);
    g_free(sk);
    g_free(id);
    return o;
}

/*
 * stix_indicator - indicator, sighting, observable and relationships of one
 * aggregate. Infrastructure that may not block (an impersonated brand's
 * domain, a link or address without a role) is shared as its observable
 * only, never as an indicator; context that names no infrastructure
 * (subject, X-Mailer) is an indicator with x_opencti_detection false.
 */
static void stix_indicator(struct sink *objs, const struct lw_export_ioc *x, const char *identity,
                           const struct lw_export_view *v)
{
    const struct lw_export_opts *opts = v->opts;
    char *id, *pat, *name, *sight_key, *sight_id;
    json_t *o, *obs;

    if (!stix_has_indicator(x)) {
        if ((obs = sco(x->ind, opts->tlp)) != NULL)
            sink_add(objs, obs);
        return;
    }
    id = indicator_id(x->ind);
    pat = pattern_of(x->ind);
    o = sdo("indicator", id, x->first, x->last, identity, opts->tlp);

    name = g_strdup_printf("%s: %s", lw_ioc_type_name(x->ind->type), x->ind->value);
    json_object_set_new(o, "name", jstr(name));
    {
        GString *d = g_string_new(NULL);

        g_string_append_printf(d, "Seen by lurewatch in malicious mail%s%s; rules: ", *lw_ioc_role_name(x->role)
                               ? " as the " : "", lw_ioc_role_name(x->role));

        for (guint i = 0; i < x->rules->len; i++)
            g_string_append_printf(d, "%s%s", i ? ", " : "", (char *) g_ptr_array_index(x->rules, i));
        if (!x->rules->len)
            g_string_append(d, "none");
        json_object_set_new(o, "description", jstr(d->str));
        g_string_free(d, TRUE);
    }
    json_object_set_new(o, "indicator_types", json_pack("[s]", lw_export_blocking(x) ? "malicious-activity" : "unknown"));
    json_object_set_new(o, "pattern", jstr(pat));
    json_object_set_new(o, "pattern_type", json_string("stix"));
    json_object_set_new(o, "pattern_version", json_string("2.1"));
    json_object_set_new(o, "valid_from", jtime(x->first));
    json_object_set_new(o, "valid_until", jtime(x->last + opts->valid_days * 86400));
    if (x->rules->len)
        json_object_set_new(o, "labels", str_array(x->rules));
    json_object_set_new(o, "confidence", json_integer(lw_export_confidence(x)));
    /* OpenCTI: the score it shows, and whether its connectors may detect (block) on it */
    json_object_set_new(o, "x_opencti_score", json_integer(lw_export_confidence(x)));
    json_object_set_new(o, "x_opencti_detection", json_boolean(lw_export_blocking(x)));
    sink_add(objs, o);

    sight_key = g_strconcat("sighting:", identity, ":", id, NULL);
    sight_id = sid("sighting", sight_key);
    o = sdo("sighting", sight_id, x->first, x->last, identity, opts->tlp);
    json_object_set_new(o, "count", json_integer(MIN(x->count, 999999999u)));
    json_object_set_new(o, "first_seen", jtime(x->first));
    json_object_set_new(o, "last_seen", jtime(x->last));
    json_object_set_new(o, "sighting_of_ref", json_string(id));
    json_object_set_new(o, "where_sighted_refs", json_pack("[s]", identity));
    sink_add(objs, o);
    for (guint i = 0; i < x->feeds->len; i++)
        sink_add(objs, partner_sighting(x, id, g_ptr_array_index(x->feeds, i), identity, opts->tlp));

    if ((obs = sco(x->ind, opts->tlp)) != NULL) {
        sink_add(objs, relationship("based-on", id, json_string_value(json_object_get(obs, "id")),
                                                 x->first, x->last, identity, opts->tlp));
        sink_add(objs, obs);
    }
    for (guint i = 0; i < x->malware->len; i++) {
        char *mk = g_strconcat("malware:", (char *) g_ptr_array_index(x->malware, i), NULL);
        char *mid = sid("malware", mk);

        sink_add(objs, relationship("indicates", id, mid, x->first, x->last, identity, opts->tlp));
        g_free(mk);
        g_free(mid);
    }
    for (guint i = 0; i < x->related->len; i++) {
        const struct lw_indicator *r = g_ptr_array_index(x->related, i);
        const struct lw_export_ioc *rx = g_hash_table_lookup(v->index, r);
        char *rid;

        if (r->type == LW_IOC_MALWARE || !rx || !stix_has_indicator(rx))
            continue;
        rid = indicator_id(r);
        if (strcmp(id, rid) < 0)    /* one relationship per pair */
            sink_add(objs, relationship("related-to", id, rid, x->first, x->last, identity,
                                                     opts->tlp));
        g_free(rid);
    }
    g_free(sight_key);
    g_free(sight_id);
    g_free(name);
    g_free(pat);
    g_free(id);
}

/*
 * stix_revoked - an indicator a release took away: the same id, created as
 * before, modified at the release (later than any earlier version), and
 * revoked, so a partner's platform drops it
 */
static void stix_revoked(struct sink *objs, const struct lw_export_revoked *r, const char *identity,
                         const struct lw_export_opts *opts)
{
    char *id, *pat, *name;
    json_t *o;

    if (!patterns[r->ind->type].prefix || !(lw_indicator_blocking(r->ind) || !names_infrastructure(r->ind->type)))
        return;                 /* never shared as an indicator */
    id = indicator_id(r->ind);
    pat = pattern_of(r->ind);
    name = g_strdup_printf("%s: %s", lw_ioc_type_name(r->ind->type), r->ind->value);
    o = sdo("indicator", id, r->first, MAX(r->when, r->last + 1), identity, opts->tlp);
    json_object_set_new(o, "name", jstr(name));
    json_object_set_new(o, "description", jstr("Retracted: every message that named it was released as not phishing"));
    json_object_set_new(o, "indicator_types", json_pack("[s]", "unknown"));
    json_object_set_new(o, "pattern", jstr(pat));
    json_object_set_new(o, "pattern_type", json_string("stix"));
    json_object_set_new(o, "pattern_version", json_string("2.1"));
    json_object_set_new(o, "valid_from", jtime(r->first));
    json_object_set_new(o, "revoked", json_true());
    json_object_set_new(o, "x_opencti_detection", json_false());
    sink_add(objs, o);
    g_free(name);
    g_free(pat);
    g_free(id);
}

void lw_export_stix_write(const struct lw_export_view *v, struct lw_out *out)
{
    const struct lw_export_opts *opts = v->opts;
    char *identity = identity_id(opts->org_name);
    char *bkey = g_strdup_printf("bundle:%s:%" G_GINT64_FORMAT ":%u", opts->org_name, v->last, v->msgs->len);
    char *bid = sid("bundle", bkey);
    struct sink sk = { out, 0 }, *objs = &sk;
    GPtrArray *partners;
    json_t *o;
    gint64 epoch = 1767225600;      /* 2026-01-01: fixed creation time of the identity */

    g_string_append_printf(lw_out_buf(out), "%s%s\", \"objects\": [", BUNDLE_HEAD, bid);
    sink_add(objs, tlp_marking(opts->tlp));
    o = sdo("identity", identity, epoch, epoch, NULL, LW_TLP_NONE);
    json_object_set_new(o, "name", jstr(opts->org_name));
    json_object_set_new(o, "identity_class", json_string("organization"));
    sink_add(objs, o);
    partners = g_ptr_array_new();
    for (guint i = 0; i < v->iocs->len; i++) {
        const struct lw_export_ioc *x = g_ptr_array_index(v->iocs, i);

        for (guint j = 0; stix_has_indicator(x) && j < x->feeds->len; j++)
            if (!g_ptr_array_find_with_equal_func(partners, g_ptr_array_index(x->feeds, j), g_str_equal, NULL))
                g_ptr_array_add(partners, g_ptr_array_index(x->feeds, j));
    }
    g_ptr_array_sort(partners, lw_cmp_strptr);
    for (guint i = 0; i < partners->len; i++)
        sink_add(objs, partner_identity(g_ptr_array_index(partners, i)));
    g_ptr_array_unref(partners);
    for (guint i = 0; i < v->iocs->len; i++) {
        struct lw_export_ioc *x = g_ptr_array_index(v->iocs, i);

        if (!patterns[x->ind->type].prefix)
            continue;
        stix_indicator(objs, x, identity, v);
    }
    for (guint i = 0; i < v->revoked->len; i++)
        stix_revoked(objs, g_ptr_array_index(v->revoked, i), identity, opts);
    for (guint i = 0; i < v->malware->len; i++) {
        struct lw_export_ioc *x = g_ptr_array_index(v->malware, i);
        char *mk = g_strconcat("malware:", x->ind->value, NULL), *mid = sid("malware", mk);

        o = sdo("malware", mid, x->first, x->last, identity, opts->tlp);
        json_object_set_new(o, "name", jstr(x->ind->value));
        json_object_set_new(o, "description", jstr("ClamAV signature name of attachments lurewatch caught"));
        json_object_set_new(o, "malware_types", json_pack("[s]", "unknown"));
        json_object_set_new(o, "is_family", json_false());
        json_object_set_new(o, "first_seen", jtime(x->first));
        json_object_set_new(o, "last_seen", jtime(x->last));
        sink_add(objs, o);
        g_free(mk);
        g_free(mid);
    }
    g_string_append(lw_out_buf(out), "\n]}\n");
    g_free(bkey);
    g_free(bid);
    g_free(identity);
}

char *lw_export_stix(const struct lw_export_view *v)
{
    struct lw_out *o = lw_out_mem();

    lw_export_stix_write(v, o);
    return lw_out_steal(o);
}

char *lw_export_stix_envelope(const char *bundle)
{
    const char *objs = strstr(bundle, "\"objects\": [");
    json_t *b;

    if (g_str_has_prefix(bundle, BUNDLE_HEAD) && objs)      /* our own bundle: no parse needed */
        return g_strconcat("{", objs, NULL);
    b = json_loads(bundle, 0, NULL);
    json_t *env = json_pack("{s:O}", "objects", json_object_get(b, "objects") ? json_object_get(b, "objects")
                                                                            : json_array());

    json_decref(b);
    return dump(env, JSON_COMPACT);
}

/* ---- MISP ---- */

struct misp_type {
    const char *type, *category;
    int to_ids;
};

static const struct misp_type misp_types[LW_IOC_NTYPES] = {
    [LW_IOC_DOMAIN] = { "domain", "Network activity", 1 },
    [LW_IOC_URL] = { "url", "Network activity", 1 },
    [LW_IOC_IPV4] = { "ip-src", "Network activity", 1 },
    [LW_IOC_IPV6] = { "ip-src", "Network activity", 1 },
    [LW_IOC_EMAIL] = { "email-src", "Payload delivery", 1 },
    [LW_IOC_SENDER_DOMAIN] = { "domain", "Payload delivery", 1 },
    [LW_IOC_SHA256] = { "sha256", "Payload delivery", 1 },
    [LW_IOC_SHA1] = { "sha1", "Payload delivery", 1 },
    [LW_IOC_MD5] = { "md5", "Payload delivery", 1 },
    [LW_IOC_FILENAME] = { "email-attachment", "Payload delivery", 1 },
    [LW_IOC_SUBJECT] = { "email-subject", "Payload delivery", 0 },
    [LW_IOC_X_MAILER] = { "email-x-mailer", "Payload delivery", 0 },
    [LW_IOC_MSGID_DOMAIN] = { "domain", "Payload delivery", 0 },
    [LW_IOC_MALWARE] = { "text", "Antivirus detection", 0 },
};

/* misp_time - MISP's first_seen/last_seen form; g_free */
static char *misp_time(gint64 t)
{
    char buf[64];

    UTC_FORMAT(buf, t, "%Y-%m-%dT%H:%M:%S.000000+00:00");
    return g_strdup(buf);
}

static json_t *tag(const char *name)
{
    return json_pack("{s:o}", "name", jstr(name));
}

static json_t *misp_attr(const char *key, const char *type, const char *category, int to_ids,
                         const char *value, gint64 ts)
{
    char *u = lw_uuid5(LW_EXPORT_NAMESPACE, key), *t = g_strdup_printf("%" G_GINT64_FORMAT, ts);
    json_t *a = json_object();

    json_object_set_new(a, "uuid", json_string(u));
    json_object_set_new(a, "type", json_string(type));
    json_object_set_new(a, "category", json_string(category));
    json_object_set_new(a, "value", jstr(value));
    json_object_set_new(a, "to_ids", json_boolean(to_ids));
    json_object_set_new(a, "distribution", json_string("5"));
    json_object_set_new(a, "timestamp", json_string(t));
    g_free(u);
    g_free(t);
    return a;
}

/* misp_attr_uuid_key - what the uuid of the top-level attribute of ind is made from; g_free */
static char *misp_attr_key(const struct lw_indicator *ind)
{
    char *k = ind_key(ind), *mk = g_strconcat("misp-attribute:", k, NULL);

    g_free(k);
    return mk;
}

/*
 * misp_sightings - one sighting per agency that saw the indicator: this
 * organization, and (anonymised) each partner feed a message matched
 */
static json_t *misp_sightings(const struct lw_export_ioc *x, const char *attr_uuid, const char *org,
                              const char *org_uuid)
{
    char *ts = g_strdup_printf("%" G_GINT64_FORMAT, x->last);
    json_t *list = json_array();

    json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:{s:o, s:s}}", "type", "0", "date_sighting", ts,
                                          "uuid", attr_uuid, "source", "lurewatch", "Organisation",
                                          "name", jstr(org), "uuid", org_uuid));
    for (guint i = 0; i < x->feeds->len; i++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o}", "type", "0", "date_sighting", ts,
                                              "uuid", attr_uuid, "source", jstr(g_ptr_array_index(x->feeds, i))));
    g_free(ts);
    return list;
}

/* misp_ioc_attr - the attribute of one aggregate, with its rule, role and kind tags and sightings */
static json_t *misp_ioc_attr(const struct lw_export_ioc *x, const char *org, const char *org_uuid)
{
    char *k = ind_key(x->ind), *mk = misp_attr_key(x->ind), *fs = misp_time(x->first);
    char *ls = misp_time(x->last), *kind = g_strdup_printf("lurewatch:indicator=\"%s\"",
                                                          lw_ioc_type_name(x->ind->type));
    char *comment = g_strdup_printf("seen in %u message(s) to %lld recipient(s)%s%s%s%s%s; confidence %d",
                                    x->count, x->rcpts, x->warninglist ? "; on warninglist \"" : "",
                                    x->warninglist ? x->warninglist : "", x->warninglist ? "\": not to block" : "",
                                    *lw_ioc_role_name(x->role) ? "; role " : "", lw_ioc_role_name(x->role),
                                    lw_export_confidence(x));
    const struct misp_type *mt = &misp_types[x->ind->type];
    json_t *a = misp_attr(mk, mt->type, mt->category, mt->to_ids && lw_export_blocking(x), x->ind->value, x->last);
    json_t *tags = json_array();

    if (x->role != LW_ROLE_NONE) {
        char *role = g_strdup_printf("lurewatch:role=\"%s\"", lw_ioc_role_name(x->role));

        json_array_append_new(tags, tag(role));
        g_free(role);
    }
    json_object_set_new(a, "comment", jstr(comment));
    json_object_set_new(a, "first_seen", json_string(fs));
    json_object_set_new(a, "last_seen", json_string(ls));
    json_array_append_new(tags, tag(kind));
    if (x->warninglist) {
        char *t = g_strdup_printf("lurewatch:warninglist=\"%s\"", x->warninglist);

        json_array_append_new(tags, tag(t));
        g_free(t);
    }
    for (guint i = 0; i < x->rules->len; i++) {
        char *t = g_strdup_printf("lurewatch:rule=\"%s\"", (char *) g_ptr_array_index(x->rules, i));

        json_array_append_new(tags, tag(t));
        g_free(t);
    }
    json_object_set_new(a, "Tag", tags);
    json_object_set_new(a, "Sighting", misp_sightings(x, jget(a, "uuid"), org, org_uuid));
    g_free(k);
    g_free(mk);
    g_free(fs);
    g_free(ls);
    g_free(kind);
    g_free(comment);
    return a;
}

/*
 * event_time - the MISP event's timestamp: its latest message or
 * retraction. MISP (an edit, a feed fetch) takes an event only when its
 * timestamp is newer than the copy it holds, so a retraction must make the
 * event newer even when no message came since, and even when it came in
 * the same second as the latest message (timestamps count seconds): the
 * copy before it said the latest message's time, so one second past it.
 */
static gint64 event_time(const struct lw_export_view *v)
{
    gint64 t = v->last;

    for (guint i = 0; i < v->revoked->len; i++) {
        const struct lw_export_revoked *r = g_ptr_array_index(v->revoked, i);

        t = MAX(t, MAX(r->when, r->last + 1));    /* as its deleted attribute says */
    }
    return v->revoked->len > 0 ? MAX(t, v->last + 1) : t;
}

/*
 * misp_revoked_attr - the attribute of a revoked indicator, same uuid as
 * when it was shared: deleted, to_ids false, saying why
 */
static json_t *misp_revoked_attr(const struct lw_export_revoked *r)
{
    char *mk = misp_attr_key(r->ind), *when = lw_export_iso(r->when);
    char *comment = g_strdup_printf("retracted %s: every message that named it was released as not phishing", when);
    const struct misp_type *mt = &misp_types[r->ind->type];
    json_t *a = misp_attr(mk, mt->type, mt->category, 0, r->ind->value, MAX(r->when, r->last + 1));

    json_object_set_new(a, "comment", jstr(comment));
    json_object_set_new(a, "deleted", json_true());
    g_free(mk);
    g_free(when);
    g_free(comment);
    return a;
}

/* email_attr - one attribute of the email object of message m */
static void email_attr(json_t *attrs, const struct lw_export_msg *m, const char *relation, const char *type,
                       const char *category, int to_ids, const char *value)
{
    char *key;
    json_t *a;

    if (!value || !*value)
        return;
    key = g_strconcat("misp-email:", m->event_id, ":", relation, ":", value, NULL);
    a = misp_attr(key, type, category, to_ids, value, m->when);
    json_object_set_new(a, "object_relation", json_string(relation));
    json_array_append_new(attrs, a);
    g_free(key);
}

/* email_refs - references from an email object to the attributes of its message's indicators */
static json_t *email_refs(const char *obj_uuid, const struct lw_export_msg *m, GHashTable *exported)
{
    json_t *refs = json_array();
    GHashTable *done = g_hash_table_new(g_direct_hash, g_direct_equal);

    for (guint i = 0; i < m->indicators->len; i++) {
        const char *u = g_hash_table_lookup(exported, g_ptr_array_index(m->indicators, i));

        if (u && g_hash_table_add(done, (gpointer) u))
            json_array_append_new(refs, json_pack("{s:s, s:s, s:s}", "object_uuid", obj_uuid,
                                                  "referenced_uuid", u, "relationship_type", "related-to"));
    }
    g_hash_table_unref(done);
    return refs;
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

/* msgid_allowed - may a Message-ID leave (it has a domain, not one of the organization's)? */
static int msgid_allowed(const struct lw_export_opts *opts, const char *msgid)
{
    const char *at = strrchr(msgid, '@');
    char *dom = g_strndup(at ? at + 1 : "", at ? strcspn(at + 1, ">") : 0);
    int ok = lw_export_host_allowed(opts, dom);

    g_free(dom);
    return ok;
}

/* msg_blocks - does message m carry ind with a role that may block? */
static int msg_blocks(const struct lw_export_msg *m, const struct lw_indicator *ind)
{
    for (guint i = 0; i < m->indicators->len; i++) {
        const struct lw_indicator *x = g_ptr_array_index(m->indicators, i);

        if (lw_indicator_equal(x, ind))
            return lw_indicator_blocking(x);
    }
    return 0;
}

/* misp_email - the "email" object of one message, referring to the attributes of its indicators */
static json_t *misp_email(const struct lw_export_msg *m, const struct lw_export_opts *opts, GHashTable *exported)
{
    char *key = g_strconcat("misp-email:", m->event_id, NULL), *u = lw_uuid5(LW_EXPORT_NAMESPACE, key);
    char *ts = g_strdup_printf("%" G_GINT64_FORMAT, m->when), *sent = misp_time(m->when);
    json_t *attrs = json_array(), *o;
    struct lw_indicator from = { .type = LW_IOC_EMAIL, .value = m->sender, .role = LW_ROLE_NONE };

    if (lw_export_valid(opts, &from))       /* to_ids only for the attacker's own address, never warninglisted */
        email_attr(attrs, m, "from", "email-src", "Payload delivery",
                   msg_blocks(m, &from) && lw_warninglists_match(opts->wl, LW_IOC_EMAIL, m->sender) == NULL, m->sender);
    email_attr(attrs, m, "subject", "email-subject", "Payload delivery", 0, m->subject);
    if (msgid_allowed(opts, m->message_id))
        email_attr(attrs, m, "message-id", "email-message-id", "Payload delivery", 0, m->message_id);
    for (guint i = 0; i < m->indicators->len; i++) {
        const struct lw_indicator *ind = g_ptr_array_index(m->indicators, i);

        if (ind->type == LW_IOC_FILENAME)
            email_attr(attrs, m, "attachment", "email-attachment", "Payload delivery", 1, ind->value);
        else if (ind->type == LW_IOC_X_MAILER)
            email_attr(attrs, m, "x-mailer", "email-x-mailer", "Payload delivery", 0, ind->value);
    }
    if (!opts->hash_recipients)
        for (guint i = 0; i < m->rcpts->len; i++)
            email_attr(attrs, m, "to", "email-dst", "Payload delivery", 0, g_ptr_array_index(m->rcpts, i));
    email_attr(attrs, m, "send-date", "datetime", "Other", 0, sent);
    o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}",
                  "name", "email", "meta-category", "network",
                  "description", "Email object describing an email with meta-information",
                  "template_uuid", MISP_EMAIL_TEMPLATE, "template_version", "19", "uuid", u,
                  "distribution", "5", "timestamp", ts, "Attribute", attrs,
                  "ObjectReference", email_refs(u, m, exported));
    g_free(key);
    g_free(u);
    g_free(ts);
    g_free(sent);
    return o;
}

char *lw_export_misp_uuid(const char *org, const char *period)
{
    char *k = g_strconcat("misp-event:", org, period ? ":" : NULL, period, NULL), *u = lw_uuid5(LW_EXPORT_NAMESPACE, k);

    g_free(k);
    return u;
}

/*
 * lw_export_misp - the event, its attributes and objects written one by one
 * (one per line), so that no tree of the whole event is built
 */
/* org_uuid_of - the (deterministic) MISP uuid of organization org; g_free */
static char *org_uuid_of(const char *org)
{
    char *k = g_strconcat("org:", org, NULL), *u = lw_uuid5(LW_EXPORT_NAMESPACE, k);

    g_free(k);
    return u;
}

/* misp_event - the event without its arrays; its tags name every rule of the view */
static json_t *misp_event(const struct lw_export_view *v, const char *org_uuid)
{
    const struct lw_export_opts *opts = v->opts;
    static const char *const distribution[] = {      /* by TLP */
        [LW_TLP_CLEAR] = "3", [LW_TLP_GREEN] = "2", [LW_TLP_AMBER] = "1", [LW_TLP_AMBER_STRICT] = "1", [LW_TLP_RED] = "0",
    };
    GDateTime *dt = g_date_time_new_from_unix_utc(v->last ? v->last : 1767225600);
    GHashTable *rules = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *rule_list;
    json_t *ev = json_object(), *tags = json_array();
    char *info, *ts, *date, *tlp, *uuid = lw_export_misp_uuid(opts->org_name, opts->period);

    for (guint i = 0; i < v->iocs->len + v->malware->len; i++) {
        struct lw_export_ioc *x = i < v->iocs->len ? g_ptr_array_index(v->iocs, i)
                                                   : g_ptr_array_index(v->malware, i - v->iocs->len);

        for (guint j = 0; j < x->rules->len; j++)
            g_hash_table_add(rules, g_ptr_array_index(x->rules, j));
    }
    tlp = g_strconcat("tlp:", tlp2[opts->tlp].name, NULL);
    json_array_append_new(tags, tag(tlp));
    rule_list = lw_hash_keys(rules);
    g_ptr_array_sort(rule_list, lw_cmp_strptr);
    for (guint i = 0; i < rule_list->len; i++) {
        char *t = g_strdup_printf("lurewatch:rule=\"%s\"", (char *) g_ptr_array_index(rule_list, i));

        json_array_append_new(tags, tag(t));
        g_free(t);
    }
    info = g_strdup_printf("lurewatch: indicators of malicious mail seen by %s%s%s%s", opts->org_name,
                           opts->period ? " (" : "", opts->period ? opts->period : "", opts->period ? ")" : "");
    ts = g_strdup_printf("%" G_GINT64_FORMAT, MAX(event_time(v), opts->modified));
    date = g_date_time_format(dt, "%Y-%m-%d");
    json_object_set_new(ev, "uuid", json_string(uuid));
    json_object_set_new(ev, "info", jstr(info));
    json_object_set_new(ev, "date", json_string(date));
    json_object_set_new(ev, "threat_level_id", json_string("2"));
    json_object_set_new(ev, "analysis", json_string("1"));
    json_object_set_new(ev, "distribution", json_string(distribution[opts->tlp]));
    json_object_set_new(ev, "published", json_boolean(opts->period != NULL));     /* a feed's events are */
    json_object_set_new(ev, "timestamp", json_string(ts));
    json_object_set_new(ev, "Orgc", json_pack("{s:o, s:s}", "name", jstr(opts->org_name), "uuid", org_uuid));
    json_object_set_new(ev, "Tag", tags);
    g_ptr_array_unref(rule_list);
    g_hash_table_unref(rules);
    g_date_time_unref(dt);
    g_free(info);
    g_free(ts);
    g_free(date);
    g_free(tlp);
    g_free(uuid);
    return ev;
}

/*
 * lw_export_misp - the event, its attributes and objects written one by one
 * (one per line), so that no tree of the whole event is built
 */
void lw_export_misp_write(const struct lw_export_view *v, struct lw_out *out)
{
    const struct lw_export_opts *opts = v->opts;
    char *org_uuid = org_uuid_of(opts->org_name);
    GHashTable *exported = g_hash_table_new_full(ind_hash, ind_equal, NULL, g_free);   /* indicator -> uuid */
    struct sink sk = { out, 0 };
    json_t *ev = misp_event(v, org_uuid);
    GString *buf = lw_out_buf(out);

    g_string_append(buf, "{\"Event\": ");
    dump_into(buf, ev, JSON_COMPACT);       /* {...}: reopened for the arrays */
    g_string_truncate(buf, buf->len - 1);
    g_string_append(buf, ", \"Attribute\": [");
    for (guint i = 0; i < v->iocs->len + v->malware->len; i++) {
        struct lw_export_ioc *x = i < v->iocs->len ? g_ptr_array_index(v->iocs, i)
                                                   : g_ptr_array_index(v->malware, i - v->iocs->len);
        json_t *a = misp_ioc_attr(x, opts->org_name, org_uuid);

        g_hash_table_insert(exported, (gpointer) x->ind, g_strdup(jget(a, "uuid")));
        sink_add(&sk, a);
    }
    for (guint i = 0; i < v->revoked->len; i++)
        sink_add(&sk, misp_revoked_attr(g_ptr_array_index(v->revoked, i)));
    g_string_append(lw_out_buf(out), "\n], \"Object\": [");
    sk.n = 0;
    for (guint i = 0; i < v->msgs->len; i++)
        sink_add(&sk, misp_email(g_ptr_array_index(v->msgs, i), opts, exported));
    g_string_append(lw_out_buf(out), "\n]}}\n");
    g_hash_table_unref(exported);
    g_free(org_uuid);
}

char *lw_export_misp(const struct lw_export_view *v)
{
    struct lw_out *o = lw_out_mem();

    lw_export_misp_write(v, o);
    return lw_out_steal(o);
}

/* ---- the MISP feed directory ---- */

/* period_of - "YYYY-MM" of t (g_free) */
static char *period_of(gint64 t)
{
    char buf[64];

    UTC_FORMAT(buf, t, "%Y-%m");
    return g_strdup(buf);
}

/*
 * period_view - the part of view v one period's event shows: its messages,
 * the indicators they named (with their aggregate over every period) and
 * the revocations of indicators last seen then; arrays borrowed from v
 * (free with period_view_free)
 */
static struct lw_export_view *period_view(const struct lw_export_view *v, GHashTable *period_of_msg,
                                          const struct lw_export_opts *po)
{
    struct lw_export_view *pv = g_new0(struct lw_export_view, 1);
    GPtrArray *sources[] = { v->iocs, v->malware }, *targets[2];

    pv->opts = po;
    pv->index = v->index;
    pv->msgs = g_ptr_array_new();
    pv->revoked = g_ptr_array_new();
    targets[0] = pv->iocs = g_ptr_array_new();
    targets[1] = pv->malware = g_ptr_array_new();
    for (guint i = 0; i < v->msgs->len; i++) {
        const struct lw_export_msg *m = g_ptr_array_index(v->msgs, i);

        if (strcmp(g_hash_table_lookup(period_of_msg, m), po->period) == 0) {
            g_ptr_array_add(pv->msgs, (gpointer) m);
            pv->last = MAX(pv->last, m->when);
        }
    }
    for (int k = 0; k < 2; k++) {
        for (guint i = 0; i < sources[k]->len; i++) {
            const struct lw_export_ioc *x = g_ptr_array_index(sources[k], i);
            guint j = 0;

            while (j < x->msgs->len && strcmp(g_hash_table_lookup(period_of_msg, g_ptr_array_index(x->msgs, j)),
                                              po->period) != 0)
                j++;
            if (j < x->msgs->len)
                g_ptr_array_add(targets[k], (gpointer) x);
        }
    }
    for (guint i = 0; i < v->revoked->len; i++) {
        const struct lw_export_revoked *r = g_ptr_array_index(v->revoked, i);
        char *p = period_of(r->last);

        if (strcmp(p, po->period) == 0) {
            g_ptr_array_add(pv->revoked, (gpointer) r);
            pv->last = MAX(pv->last, r->when);
        }
        g_free(p);
    }
    return pv;
}

static void period_view_free(struct lw_export_view *pv)
{
    g_ptr_array_unref(pv->msgs);
    g_ptr_array_unref(pv->iocs);
    g_ptr_array_unref(pv->malware);
    g_ptr_array_unref(pv->revoked);
    g_free(pv);
}

/*
 * feed_periods - every period with a message or a revocation, sorted;
 * period_of_msg gets each message's period. The strings are owned by
 * strings.
 */
static GPtrArray *feed_periods(const struct lw_export_view *v, GHashTable *period_of_msg, GPtrArray *strings)
{
    GHashTable *set = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *out;

    for (guint i = 0; i < v->msgs->len + v->revoked->len; i++) {
        const struct lw_export_msg *m = i < v->msgs->len ? g_ptr_array_index(v->msgs, i) : NULL;
        const struct lw_export_revoked *r = m ? NULL : g_ptr_array_index(v->revoked, i - v->msgs->len);
        char *p = period_of(m ? m->when : r->last);

        g_ptr_array_add(strings, p);
        if (m)
            g_hash_table_insert(period_of_msg, (gpointer) m, p);
        g_hash_table_add(set, p);
    }
    out = lw_hash_keys(set);
    g_ptr_array_sort(out, lw_cmp_strptr);
    g_hash_table_unref(set);
    return out;
}

/*
 * feed_event - write one period's event; its manifest entry (from the
 * event's head, the part before its attributes) into manifest, and a
 * hashes.csv line per attribute the view shares into hashes
 */
static int feed_event(const char *dir, const struct lw_export_view *v, json_t *manifest, GString *hashes,
                      struct lw_error *err)
{
    static const char *const keys[] = { "Orgc", "Tag", "info", "date", "analysis", "threat_level_id", "timestamp" };
    char *org_uuid = org_uuid_of(v->opts->org_name);
    char *uuid = lw_export_misp_uuid(v->opts->org_name, v->opts->period), *name, *path;
    json_t *ev = misp_event(v, org_uuid), *entry = json_object();
    struct lw_out *out;
    int rc = -1;

    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        if (json_object_get(ev, keys[i]))
            json_object_set(entry, keys[i], json_object_get(ev, keys[i]));
    json_object_set_new(manifest, uuid, entry);
    json_decref(ev);
    for (guint i = 0; i < v->iocs->len + v->malware->len; i++) {
        const struct lw_export_ioc *x = i < v->iocs->len ? g_ptr_array_index(v->iocs, i)
                                                         : g_ptr_array_index(v->malware, i - v->iocs->len);
        char *md5 = g_compute_checksum_for_string(G_CHECKSUM_MD5, x->ind->value, -1);

        g_string_append_printf(hashes, "%s,%s\n", md5, uuid);
        g_free(md5);
    }
    name = g_strconcat(uuid, ".json", NULL);
    path = g_build_filename(dir, name, NULL);
    if ((out = lw_out_file(path, err)) != NULL) {
        lw_export_misp_write(v, out);
        rc = lw_out_commit(out, err);
    }
    g_free(name);
    g_free(path);
    g_free(uuid);
    g_free(org_uuid);
    return rc;
}

/* feed_prune - remove event files of dir the manifest no longer lists (expired periods) */
static void feed_prune(const char *dir, json_t *manifest)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *n;

    while (d && (n = g_dir_read_name(d)) != NULL) {
        char *uuid = g_strndup(n, strlen(n) > 5 ? strlen(n) - 5 : 0);

        if (g_str_has_suffix(n, ".json") && strcmp(n, "manifest.json") != 0 && !json_object_get(manifest, uuid)) {
            char *path = g_build_filename(dir, n, NULL);

            g_unlink(path);
            g_free(path);
        }
        g_free(uuid);
    }
    if (d)
        g_dir_close(d);
}

/*
 * lw_export_misp_feed - the MISP output as a feed a partner's MISP pulls
 * without a key (Sync Actions > Feeds, format "MISP Feed"): one published
 * event per month of messages (uuid fixed by organization and month) with
 * the indicators its messages named, hashes.csv (MD5 of each shared
 * attribute value, event uuid) and manifest.json (each event's metadata),
 * written last
 */
int lw_export_misp_feed(const struct lw_export_view *v, const char *dir, struct lw_error *err)
{
    GHashTable *period_of_msg = g_hash_table_new(g_direct_hash, g_direct_equal);
    GPtrArray *strings = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *periods = feed_periods(v, period_of_msg, strings);
    json_t *manifest = json_object();
    GString *hashes = g_string_new(NULL);
    char *text, *path;
    int rc = 0;

    if (g_mkdir_with_parents(dir, 0750) < 0)
        rc = lw_error_set(err, "%s: %s", dir, g_strerror(errno));
    for (guint i = 0; i < periods->len && rc == 0; i++) {
        struct lw_export_opts po = *v->opts;
        struct lw_export_view *pv;

        po.period = g_ptr_array_index(periods, i);
        pv = period_view(v, period_of_msg, &po);
        rc = feed_event(dir, pv, manifest, hashes, err);
        period_view_free(pv);
    }
    if (rc == 0) {
        path = g_build_filename(dir, "hashes.csv", NULL);
        rc = lw_write_atomic(path, hashes->str, hashes->len, err);
        g_free(path);
    }
    if (rc == 0) {
        feed_prune(dir, manifest);
        text = dump(manifest, JSON_INDENT(1) | JSON_SORT_KEYS);    /* releases manifest */
        manifest = NULL;
        path = g_build_filename(dir, "manifest.json", NULL);
        rc = lw_write_atomic(path, text, strlen(text), err);
        g_free(text);
        g_free(path);
    }
    json_decref(manifest);
    g_string_free(hashes, TRUE);
    g_ptr_array_unref(periods);
    g_ptr_array_unref(strings);
    g_hash_table_unref(period_of_msg);
    return rc;
}

/* ---- correlation input and the merged bundle ---- */

struct loader {
    struct lw_corr_input *in;
    GHashTable *index;          /* "agency\ntype:value" -> item index + 1 */
    GHashTable *by_ref;         /* STIX id -> item index + 1 */
};

/* item - the item of (agency, ind) in this input, made on first use; takes ind */
static guint item(struct loader *l, const char *agency, struct lw_indicator *ind, gint64 first, gint64 last,
                  long long count)
{
    char *k = ind_key(ind), *full = g_strconcat(agency, "\n", k, NULL);
    guint idx = GPOINTER_TO_UINT(g_hash_table_lookup(l->index, full));
    struct lw_corr_item *it;

    g_free(k);
    if (idx) {
        it = g_ptr_array_index(l->in->items, idx - 1);
        it->first = MIN(it->first, first);
        it->last = MAX(it->last, last);
        it->count = MAX(it->count, count);
        lw_indicator_free(ind);
        g_free(full);
        return idx - 1;
    }
    it = g_new0(struct lw_corr_item, 1);
    it->agency = g_strdup(agency);
    it->ind = ind;
    it->first = first;
    it->last = last;
    it->count = count;
    g_ptr_array_add(l->in->items, it);
    g_hash_table_insert(l->index, full, GUINT_TO_POINTER(l->in->items->len));
    return l->in->items->len - 1;
}

static void link_items(struct lw_corr_input *in, guint a, guint b)
{
    if (a != b) {
        g_array_append_val(in->links, a);
        g_array_append_val(in->links, b);
    }
}

/* stix_time - a timestamp member, or dflt */
static gint64 stix_time(json_t *o, const char *name, gint64 dflt)
{
    gint64 t = lw_export_parse_time(json_string_value(json_object_get(o, name)));

    return t < 0 ? dflt : t;
}

/* load_stix - indicators, sightings and relationships of a bundle */
static int load_stix(struct loader *l, json_t *objs, const char *fallback)
{
    GHashTable *names = g_hash_table_new(g_str_hash, g_str_equal);     /* identity / malware id -> name */
    const char *agency = NULL;
    json_t *o;
    size_t i;

    json_array_foreach(objs, i, o) {
        const char *type = jget(o, "type");

        if (strcmp(type, "identity") == 0 || strcmp(type, "malware") == 0)
            g_hash_table_insert(names, (char *) jget(o, "id"), (char *) jget(o, "name"));
    }
    json_array_foreach(objs, i, o) {            /* the agency: who sighted, or who created */
        json_t *w = json_array_get(json_object_get(o, "where_sighted_refs"), 0);
        const char *ref = w ? json_string_value(w) : json_string_value(json_object_get(o, "created_by_ref"));

        if (!agency && ref && g_hash_table_lookup(names, ref))
            agency = g_hash_table_lookup(names, ref);
    }
    if (!agency)
        agency = fallback;
    json_array_foreach(objs, i, o) {
        struct lw_indicator *ind;
        gint64 first, last;

        if (strcmp(jget(o, "type"), "indicator") != 0 || (ind = pattern_parse(jget(o, "pattern"))) == NULL)
            continue;
        first = stix_time(o, "valid_from", stix_time(o, "created", 0));
        last = stix_time(o, "modified", first);
        g_hash_table_insert(l->by_ref, (char *) jget(o, "id"),
                            GUINT_TO_POINTER(item(l, agency, ind, first, last, 1) + 1));
    }
    json_array_foreach(objs, i, o) {
        const char *type = jget(o, "type");
        guint a, b;

        if (strcmp(type, "sighting") == 0
            && (a = GPOINTER_TO_UINT(g_hash_table_lookup(l->by_ref, jget(o, "sighting_of_ref"))))) {
            struct lw_corr_item *it = g_ptr_array_index(l->in->items, a - 1);

            it->first = stix_time(o, "first_seen", it->first);
            it->last = stix_time(o, "last_seen", it->last);
            it->count = MAX(it->count, json_integer_value(json_object_get(o, "count")));
        } else if (strcmp(type, "relationship") == 0
                   && (a = GPOINTER_TO_UINT(g_hash_table_lookup(l->by_ref, jget(o, "source_ref"))))) {
            const char *dst = jget(o, "target_ref"), *mal = g_hash_table_lookup(names, dst);
            const struct lw_corr_item *src = g_ptr_array_index(l->in->items, a - 1);

            if ((b = GPOINTER_TO_UINT(g_hash_table_lookup(l->by_ref, dst))))
                link_items(l->in, a - 1, b - 1);
            else if (mal && g_str_has_prefix(dst, "malware--"))
                link_items(l->in, a - 1, item(l, agency, lw_indicator_new(LW_IOC_MALWARE, mal), src->first,
                                               src->last, src->count));
        }
    }
    g_hash_table_unref(names);
    return 0;
}

/* misp_indicator - the indicator of a MISP attribute (NULL for types we do not use) */
static struct lw_indicator *misp_indicator(json_t *a)
{
    const char *type = jget(a, "type"), *value = jget(a, "value"), *rel = jget(a, "object_relation");
    json_t *t;
    size_t i;

    if (!*value || strcmp(rel, "message-id") == 0 || strcmp(rel, "send-date") == 0 || strcmp(rel, "to") == 0)
        return NULL;
    json_array_foreach(json_object_get(a, "Tag"), i, t) {      /* our own kind tag wins */
        const char *name = jget(t, "name");
        enum lw_ioc_type it;
        char *kind;

        if (!g_str_has_prefix(name, "lurewatch:indicator=\""))
            continue;
        name = strchr(name, '"') + 1;
        kind = g_strndup(name, strcspn(name, "\""));
        if (lw_ioc_type_parse(kind, &it) == 0) {
            g_free(kind);
            return lw_indicator_new(it, value);
        }
        g_free(kind);
    }
    if (strcmp(type, "text") == 0 && strcmp(jget(a, "category"), "Antivirus detection") != 0)
        return NULL;
    for (int it = 0; it < LW_IOC_NTYPES; it++) {
        if (misp_types[it].type && strcmp(misp_types[it].type, type) == 0 && it != LW_IOC_SENDER_DOMAIN
            && it != LW_IOC_MSGID_DOMAIN && it != LW_IOC_IPV6)
            return lw_indicator_new(it == LW_IOC_IPV4 && strchr(value, ':') ? LW_IOC_IPV6 : (enum lw_ioc_type) it,
                                    value);
    }
    if (strcmp(type, "ip-dst") == 0)
        return lw_indicator_new(strchr(value, ':') ? LW_IOC_IPV6 : LW_IOC_IPV4, value);
    if (strcmp(type, "filename") == 0)
        return lw_indicator_new(LW_IOC_FILENAME, value);
    if (strcmp(type, "hostname") == 0)
        return lw_indicator_new(LW_IOC_DOMAIN, value);
    return NULL;
}

/* misp_seen - first/last seen of an attribute (first_seen, last_seen, else timestamp) */
static void misp_seen(json_t *a, gint64 dflt, gint64 *first, gint64 *last)
{
    const char *ts = jget(a, "timestamp");
    gint64 t = *ts ? g_ascii_strtoll(ts, NULL, 10) : dflt;

    *first = stix_time(a, "first_seen", t);
    *last = stix_time(a, "last_seen", t);
}

/* load_misp - attributes and email objects of an event */
static int load_misp(struct loader *l, json_t *ev, const char *fallback)
{
    const char *agency = jget(json_object_get(ev, "Orgc"), "name");
    gint64 evt = g_ascii_strtoll(jget(ev, "timestamp"), NULL, 10);
    json_t *a, *o;
    size_t i, j;

    if (!*agency)
        agency = fallback;
    json_array_foreach(json_object_get(ev, "Attribute"), i, a) {
        struct lw_indicator *ind = misp_indicator(a);
        const char *c = jget(a, "comment");
        long long count = g_str_has_prefix(c, "seen in ") ? g_ascii_strtoll(c + 8, NULL, 10) : 1;
        gint64 first, last;

        if (ind) {
            misp_seen(a, evt, &first, &last);
            g_hash_table_insert(l->by_ref, (char *) jget(a, "uuid"),
                                GUINT_TO_POINTER(item(l, agency, ind, first, last, MAX(count, 1)) + 1));
        }
    }
    json_array_foreach(json_object_get(ev, "Object"), i, o) {
        GArray *members = g_array_new(FALSE, FALSE, sizeof(guint));

        json_array_foreach(json_object_get(o, "Attribute"), j, a) {
            struct lw_indicator *ind = misp_indicator(a);
            gint64 first, last;
            guint idx;

            if (ind) {
                misp_seen(a, evt, &first, &last);
                idx = item(l, agency, ind, first, last, 1);
                g_array_append_val(members, idx);
            }
        }
        json_array_foreach(json_object_get(o, "ObjectReference"), j, a) {
            guint idx = GPOINTER_TO_UINT(g_hash_table_lookup(l->by_ref, jget(a, "referenced_uuid")));

            if (idx--)
                g_array_append_val(members, idx);
        }
        for (guint k = 1; k < members->len; k++)
            link_items(l->in, g_array_index(members, guint, 0), g_array_index(members, guint, k));
        g_array_unref(members);
    }
    return 0;
}

int lw_corr_load(struct lw_corr_input *in, const char *path, struct lw_error *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je), *ev;
    struct loader l = { in, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
                        g_hash_table_new(g_str_hash, g_str_equal) };
    char *base = g_path_get_basename(path);
    int rc;

    if (root == NULL)
        rc = lw_error_set(err, "not JSON: %s (line %d)", je.text, je.line);
    else if (strcmp(jget(root, "type"), "bundle") == 0 && json_is_array(json_object_get(root, "objects")))
        rc = load_stix(&l, json_object_get(root, "objects"), base);
    else if (json_is_object(ev = json_object_get(root, "Event")) || json_is_array(json_object_get(ev = root, "Attribute")))
        rc = load_misp(&l, ev, base);
    else
        rc = lw_error_set(err, "neither a STIX 2.1 bundle nor a MISP event");
    json_decref(root);
    g_hash_table_unref(l.index);
    g_hash_table_unref(l.by_ref);
    g_free(base);
    return rc;
}

/* merged_indicator - the merged indicator object of all items with this indicator */
static json_t *merged_indicator(const struct lw_corr_input *in, const struct lw_indicator *ind)
{
    char *id = indicator_id(ind), *pat = pattern_of(ind), *name;
    gint64 first = G_MAXINT64, last = 0;
    json_t *o;

    for (guint i = 0; i < in->items->len; i++) {
        const struct lw_corr_item *it = g_ptr_array_index(in->items, i);

        if (lw_indicator_equal(it->ind, ind)) {
            first = MIN(first, it->first);
            last = MAX(last, it->last);
        }
    }
    o = sdo("indicator", id, first, last, NULL, LW_TLP_AMBER);
    name = g_strdup_printf("%s: %s", lw_ioc_type_name(ind->type), ind->value);
    json_object_set_new(o, "name", jstr(name));
    json_object_set_new(o, "indicator_types", json_pack("[s]", "malicious-activity"));
    json_object_set_new(o, "pattern", jstr(pat));
    json_object_set_new(o, "pattern_type", json_string("stix"));
    json_object_set_new(o, "pattern_version", json_string("2.1"));
    json_object_set_new(o, "valid_from", jtime(first));
    g_free(name);
    g_free(pat);
    g_free(id);
    return o;
}

/* add_once - append o unless an object with its id is there already (else release it) */
static void add_once(json_t *objs, GHashTable *ids, json_t *o)
{
    const char *id = jget(o, "id");

    if (g_hash_table_contains(ids, id)) {
        json_decref(o);
        return;
    }
    g_hash_table_add(ids, g_strdup(id));
    json_array_append_new(objs, o);
}

/* merged_item - identity, indicator (or malware) and sighting of one item */
static void merged_item(json_t *objs, GHashTable *ids, const struct lw_corr_input *in,
                        const struct lw_corr_item *it)
{
    char *ident = identity_id(it->agency), *target, *k, *sight;
    json_t *o = sdo("identity", ident, 1767225600, 1767225600, NULL, LW_TLP_NONE);

    json_object_set_new(o, "name", jstr(it->agency));
    json_object_set_new(o, "identity_class", json_string("organization"));
    add_once(objs, ids, o);
    if (it->ind->type == LW_IOC_MALWARE) {
        k = g_strconcat("malware:", it->ind->value, NULL);
        target = sid("malware", k);
        g_free(k);
        o = sdo("malware", target, it->first, it->last, NULL, LW_TLP_AMBER);
        json_object_set_new(o, "name", jstr(it->ind->value));
        json_object_set_new(o, "is_family", json_false());
        add_once(objs, ids, o);
    } else if (patterns[it->ind->type].prefix) {
        target = indicator_id(it->ind);
        add_once(objs, ids, merged_indicator(in, it->ind));
    } else {
        g_free(ident);
        return;
    }
    k = g_strconcat("sighting:", ident, ":", target, NULL);
    sight = sid("sighting", k);
    o = sdo("sighting", sight, it->first, it->last, ident, LW_TLP_AMBER);
    json_object_set_new(o, "count", json_integer(MIN(MAX(it->count, 1), 999999999)));
    json_object_set_new(o, "first_seen", jtime(it->first));
    json_object_set_new(o, "last_seen", jtime(it->last));
    json_object_set_new(o, "sighting_of_ref", json_string(target));
    json_object_set_new(o, "where_sighted_refs", json_pack("[s]", ident));
    add_once(objs, ids, o);
    g_free(k);
    g_free(sight);
    g_free(target);
    g_free(ident);
}

/* merged_campaign - a campaign object and "indicates" relationships from its indicators */
static void merged_campaign(json_t *objs, GHashTable *ids, const struct lw_corr_campaign *c)
{
    gint64 first = G_MAXINT64, last = 0;
    GString *desc = g_string_new("Seen by:");
    json_t *o;

    for (guint i = 0; i < c->items->len; i++) {
        const struct lw_corr_item *it = g_ptr_array_index(c->items, i);

        first = MIN(first, it->first);
        last = MAX(last, it->last);
    }
    for (guint i = 0; i < c->agencies->len; i++)
        g_string_append_printf(desc, " %s", (char *) g_ptr_array_index(c->agencies, i));
    o = sdo("campaign", c->id, first, last, NULL, LW_TLP_AMBER);
    json_object_set_new(o, "name", jstr(c->name));
    json_object_set_new(o, "description", jstr(desc->str));
    json_object_set_new(o, "first_seen", jtime(first));
    json_object_set_new(o, "last_seen", jtime(last));
    add_once(objs, ids, o);
    for (guint i = 0; i < c->items->len; i++) {
        const struct lw_corr_item *it = g_ptr_array_index(c->items, i);
        char *src;

        if (it->ind->type == LW_IOC_MALWARE || !patterns[it->ind->type].prefix)
            continue;
        src = indicator_id(it->ind);
        add_once(objs, ids, relationship("indicates", src, c->id, first, last, NULL, LW_TLP_AMBER));
        g_free(src);
    }
    g_string_free(desc, TRUE);
}

char *lw_corr_bundle(const struct lw_corr_input *in, const GPtrArray *campaigns)
{
    json_t *objs = json_array();
    GHashTable *ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    char *bid = g_uuid_string_random(), *full = g_strconcat("bundle--", bid, NULL);

    add_once(objs, ids, tlp_marking(LW_TLP_AMBER));
    for (guint i = 0; i < in->items->len; i++)
        merged_item(objs, ids, in, g_ptr_array_index(in->items, i));
    for (guint i = 0; i + 1 < in->links->len; i += 2) {
        const struct lw_corr_item *a = g_ptr_array_index(in->items, g_array_index(in->links, guint, i));
        const struct lw_corr_item *b = g_ptr_array_index(in->items, g_array_index(in->links, guint, i + 1));
        char *ia, *ib;

        if (!patterns[a->ind->type].prefix || !patterns[b->ind->type].prefix
            || a->ind->type == LW_IOC_MALWARE || b->ind->type == LW_IOC_MALWARE)
            continue;
        ia = indicator_id(a->ind);
        ib = indicator_id(b->ind);
        if (strcmp(ia, ib) != 0)
            add_once(objs, ids, relationship("related-to", strcmp(ia, ib) < 0 ? ia : ib,
                                             strcmp(ia, ib) < 0 ? ib : ia, MIN(a->first, b->first),
                                             MAX(a->last, b->last), NULL, LW_TLP_AMBER));
        g_free(ia);
        g_free(ib);
    }
    for (guint i = 0; i < campaigns->len; i++)
        merged_campaign(objs, ids, g_ptr_array_index(campaigns, i));
    g_hash_table_unref(ids);
    g_free(bid);
    {
        json_t *b = json_pack("{s:s, s:s, s:o}", "type", "bundle", "id", full, "objects", objs);

        g_free(full);
        return dump(b, JSON_INDENT(1));
    }
}
