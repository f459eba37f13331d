/*
 * json.c - serialize a verdict (and what identifies its message) as JSON
 *
 * One object per message, as lurewatch-scan --json prints it:
 *   file, message_id, from, subject, score, action, cached,
 *   signature_version, elapsed_ms, error (when the scan failed),
 *   hits: [{analyzer, rule, score, description, evidence, indicators,
 *           sighting_of: {id, feed} (IOC hits only)}],
 *   indicators: [{type, value}]  (the message's, de-duplicated)
 * jansson rejects invalid UTF-8, so every string from mail is made valid
 * first (the model already does this; json.c does it again for safety).
 *
 * Also here, so that all JSON of the core is in one file:
 *   lw_cache_entry_*, lw_verdict_cache_decode  a verdict as the verdict
 *                                   cache stores it (cache.c, engine.c)
 *   lw_urls_json                    the URLs of a message and its QR codes
 *                                   (lurewatch-scan --urls)
 *   lw_indicators_json              an indicator list, for the hits stream,
 *   lw_indicators_parse             and back (lurewatch-ioc export reads it)
 *   lw_feed_values_json             which message values each partner feed
 *   lw_feed_values_parse            named, for the hits stream, and back
 *   lw_fields_json/lw_fields_parse  a flat list of name/value strings, one
 *                                   hits-stream entry as its spool line
 */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "model/json.h"
#include "model/url.h"
#include "model/qrcode.h"
#include "model/score.h"

static json_t *jstr(const char *s)
{
    gchar *valid;
    json_t *j;

    if (s == NULL)
        return json_null();
    valid = g_utf8_make_valid(s, -1);
    j = json_string(valid);
    g_free(valid);
    return j ? j : json_null();
}

/* dump - serialize and release o; the text is g_malloc'ed (dflt if jansson fails) */
static char *dump(json_t *o, size_t flags, const char *dflt)
{
    char *text = json_dumps(o, flags), *out = g_strdup(text ? text : dflt);

    free(text);
    json_decref(o);
    return out;
}

static json_t *indicators_json(const GPtrArray *inds)
{
    json_t *arr = json_array();

    for (guint i = 0; i < inds->len; i++) {
        const struct lw_indicator *ind = g_ptr_array_index(inds, i);
        json_t *o = json_object();

        json_object_set_new(o, "type", json_string(lw_ioc_type_name(ind->type)));
        json_object_set_new(o, "value", jstr(ind->value));
        if (ind->role != LW_ROLE_NONE)
            json_object_set_new(o, "role", json_string(lw_ioc_role_name(ind->role)));
        if (ind->warninglist)
            json_object_set_new(o, "warninglist", jstr(ind->warninglist));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *hits_json(const GPtrArray *hits)
{
    json_t *arr = json_array();

    for (guint i = 0; i < hits->len; i++) {
        const struct lw_hit *hit = g_ptr_array_index(hits, i);
        json_t *o = json_object();

        json_object_set_new(o, "analyzer", jstr(hit->analyzer));
        json_object_set_new(o, "rule", jstr(hit->rule));
        json_object_set_new(o, "score", json_real(round(hit->score * 100) / 100));
        json_object_set_new(o, "class", json_string(lw_class_name(hit->cls)));
        json_object_set_new(o, "description", jstr(hit->description));
        json_object_set_new(o, "evidence", jstr(hit->evidence));
        json_object_set_new(o, "indicators", indicators_json(hit->indicators));
        if (hit->ioc_id)
            json_object_set_new(o, "sighting_of", json_pack("{s:o, s:o}", "id", jstr(hit->ioc_id),
                                                            "feed", jstr(hit->ioc_feed)));
        json_array_append_new(arr, o);
    }
    return arr;
}

char *lw_verdict_json(const struct lw_verdict *v, const struct lw_message *msg, const char *file)
{
    json_t *o = json_object();

    json_object_set_new(o, "file", jstr(file));
    json_object_set_new(o, "message_id", jstr(msg ? msg->message_id : NULL));
    json_object_set_new(o, "from", jstr(msg && msg->from ? msg->from->addr : NULL));
    json_object_set_new(o, "subject", jstr(msg ? msg->subject : NULL));
    json_object_set_new(o, "score", json_real(round(v->score * 100) / 100));
    if (v->sum != v->score)     /* capped by the class fold (model/score.c) */
        json_object_set_new(o, "sum", json_real(round(v->sum * 100) / 100));
    json_object_set_new(o, "action", json_string(lw_action_name(v->action)));
    json_object_set_new(o, "cached", json_boolean(v->cached));
    json_object_set_new(o, "signature_version", jstr(v->signature_version));
    json_object_set_new(o, "elapsed_ms", json_real(round(v->elapsed_ms * 1000) / 1000));
    if (v->failed)
        json_object_set_new(o, "error", jstr(v->error));
    json_object_set_new(o, "hits", hits_json(v->hits));
    json_object_set_new(o, "indicators", indicators_json(v->indicators));
    return dump(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10), "{}");
}

/* lw_indicators_json - [{type, value}...] compact; g_free */
char *lw_indicators_json(const GPtrArray *inds)
{
    return dump(indicators_json(inds), JSON_COMPACT | JSON_PRESERVE_ORDER, "[]");
}

/*
 * lw_feed_values_json - {"FEED": [{type, value, role}...], ...}: for each
 * partner feed an IOC hit is a sighting of, the message values that feed
 * named (the hit's indicators); NULL when no feed matched. g_free
 */
char *lw_feed_values_json(const struct lw_verdict *v)
{
    json_t *o = json_object();

    for (guint i = 0; i < v->hits->len; i++) {
        const struct lw_hit *hit = g_ptr_array_index(v->hits, i);
        char *feed;
        json_t *arr, *more;

        if (hit->ioc_feed == NULL || *hit->ioc_feed == '\0' || hit->indicators->len == 0)
            continue;
        feed = g_utf8_make_valid(hit->ioc_feed, -1);
        if ((arr = json_object_get(o, feed)) == NULL)
            json_object_set_new(o, feed, arr = json_array());
        more = indicators_json(hit->indicators);
        json_array_extend(arr, more);
        json_decref(more);
        g_free(feed);
    }
    if (json_object_size(o) == 0) {
        json_decref(o);
        return NULL;
    }
    return dump(o, JSON_COMPACT | JSON_SORT_KEYS, "{}");
}

/* lw_feed_values_from_json - for each value of such an object, its feed (g_strdup) into feeds, the indicator into inds */
void lw_feed_values_from_json(struct json_t *o, GPtrArray *feeds, GPtrArray *inds)
{
    const char *feed;
    json_t *arr;

    json_object_foreach(o, feed, arr) {
        guint before = inds->len;

        lw_indicators_from_json(arr, inds);
        for (guint i = before; i < inds->len; i++)
            g_ptr_array_add(feeds, g_strdup(feed));
    }
}

/* lw_feed_values_parse - the same from text; -1 and err when it is not a JSON object */
int lw_feed_values_parse(const char *text, GPtrArray *feeds, GPtrArray *inds, struct lw_error *err)
{
    json_error_t je;
    json_t *o = json_loads(text, 0, &je);

    if (!json_is_object(o)) {
        json_decref(o);
        return lw_error_set(err, "feed_values: not a JSON object (%s)", o ? "another JSON value" : je.text);
    }
    lw_feed_values_from_json(o, feeds, inds);
    json_decref(o);
    return 0;
}

/*
 * lw_indicator_from_json - an indicator from {"type","value"[,"role"]
 * [,"warninglist"]}; NULL for an unknown type. No role (entries older than
 * roles) or an unknown one is LW_ROLE_NONE: not blocking unless a hash
 * (lw_indicator_blocking).
 */
struct lw_indicator *lw_indicator_from_json(struct json_t *o)
{
    const char *t = json_string_value(json_object_get(o, "type"));
    const char *v = json_string_value(json_object_get(o, "value"));
    const char *wl = json_string_value(json_object_get(o, "warninglist"));
    struct lw_indicator *ind;
    enum lw_ioc_type type;
    enum lw_ioc_role role = LW_ROLE_NONE;

    if (!t || !v || lw_ioc_type_parse(t, &type) < 0)
        return NULL;
    if (lw_ioc_role_parse(json_string_value(json_object_get(o, "role")), &role) < 0)
        role = LW_ROLE_NONE;
    ind = lw_indicator_new_role(type, v, role);
    lw_indicator_set_warninglist(ind, wl);
    return ind;
}

/* lw_indicators_from_json - append the indicators of arr with a known type to out */
void lw_indicators_from_json(struct json_t *arr, GPtrArray *out)
{
    size_t i;
    json_t *o;

    json_array_foreach(arr, i, o) {
        struct lw_indicator *ind = lw_indicator_from_json(o);

        if (ind)
            g_ptr_array_add(out, ind);
    }
}

/* lw_indicators_parse - the reverse of lw_indicators_json: append to out; -1 and err if not an array */
int lw_indicators_parse(const char *text, GPtrArray *out, struct lw_error *err)
{
    json_error_t je;
    json_t *arr = json_loads(text, 0, &je);

    if (!json_is_array(arr)) {
        json_decref(arr);
        return lw_error_set(err, "indicators: not a JSON array (%s)", je.text);
    }
    lw_indicators_from_json(arr, out);
    json_decref(arr);
    return 0;
}

/* summary_json - {"fp": fingerprint, "att": [[sha256, name or null], ...]} */
static json_t *summary_json(const struct lw_summary *sum)
{
    json_t *o = json_object(), *att = json_array();

    for (guint i = 0; i < sum->attachments->len; i++) {
        const struct lw_attachment_ref *a = g_ptr_array_index(sum->attachments, i);

        json_array_append_new(att, json_pack("[so]", a->sha256, jstr(a->filename)));
    }
    json_object_set_new(o, "fp", jstr(sum->fingerprint));
    json_object_set_new(o, "att", att);
    return o;
}

/* summary_parse - the summary of a cache entry, or NULL when it has none or a malformed one */
static struct lw_summary *summary_parse(json_t *o)
{
    json_t *fp = json_object_get(o, "fp"), *att = json_object_get(o, "att"), *a;
    struct lw_summary *sum;
    size_t i;

    if (!json_is_string(fp) || !json_is_array(att))
        return NULL;
    json_array_foreach(att, i, a) {
        json_t *name = json_array_get(a, 1);

        if (!json_is_string(json_array_get(a, 0)) || strlen(json_string_value(json_array_get(a, 0))) != 64
            || !(json_is_string(name) || json_is_null(name)))
            return NULL;
    }
    sum = lw_summary_new(json_string_value(fp));
    json_array_foreach(att, i, a)
        lw_summary_add(sum, json_string_value(json_array_get(a, 0)), json_string_value(json_array_get(a, 1)));
    return sum;
}

struct lw_cache_entry {
    json_t *o;
    json_t *finish;             /* analyzer name -> indicators its finish hook added */
    size_t indicators;          /* how many the entry holds */
};

/* lw_cache_entry_new - an entry of v's hits and indicators so far, and the summary of its message */
struct lw_cache_entry *lw_cache_entry_new(const struct lw_verdict *v, const struct lw_summary *sum)
{
    struct lw_cache_entry *ce = g_new0(struct lw_cache_entry, 1);

    ce->o = json_object();
    ce->finish = json_object();
    json_object_set_new(ce->o, "format", json_integer(LW_CACHE_FORMAT));
    json_object_set_new(ce->o, "signature_version", jstr(v->signature_version));
    json_object_set_new(ce->o, "hits", hits_json(v->hits));
    json_object_set_new(ce->o, "indicators", indicators_json(v->indicators));
    if (sum != NULL)
        json_object_set_new(ce->o, "campaign", summary_json(sum));
    ce->indicators = v->indicators->len;
    return ce;
}

void lw_cache_entry_add_finish(struct lw_cache_entry *ce, const char *analyzer, const GPtrArray *added)
{
    if (added->len == 0)
        return;
    json_object_set_new(ce->finish, analyzer, indicators_json(added));
    ce->indicators += added->len;
}

char *lw_cache_entry_dump(struct lw_cache_entry *ce, double finish_score)
{
    json_t *o = ce->o;

    if (ce->indicators > LW_CACHE_MAX_INDICATORS) {
        lw_cache_entry_free(ce);
        return NULL;
    }
    json_object_set_new(o, "finish", ce->finish);
    json_object_set_new(o, "finish_score", json_real(finish_score));
    g_free(ce);
    return dump(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17), "{}");
}

void lw_cache_entry_free(struct lw_cache_entry *ce)
{
    if (ce == NULL)
        return;
    json_decref(ce->o);
    json_decref(ce->finish);
    g_free(ce);
}

void lw_cache_finish_free(struct lw_cache_finish *f)
{
    if (f == NULL)
        return;
    g_hash_table_unref(f->added);
    g_free(f);
}

/* indicators_valid - is inds an array of indicators with a known type and role? */
static int indicators_valid(json_t *inds)
{
    size_t i;
    json_t *ind;

    if (!json_is_array(inds))
        return 0;
    json_array_foreach(inds, i, ind) {
        enum lw_ioc_type type;
        enum lw_ioc_role role;
        json_t *t = json_object_get(ind, "type"), *r = json_object_get(ind, "role");

        if (!json_is_string(t) || lw_ioc_type_parse(json_string_value(t), &type) < 0
            || !json_is_string(json_object_get(ind, "value"))
            || (r && (!json_is_string(r) || lw_ioc_role_parse(json_string_value(r), &role) < 0)))
            return 0;
    }
    return 1;
}

/* hit_valid - does a cached hit have the fields a hit needs? */
static int hit_valid(json_t *h)
{
    return json_is_string(json_object_get(h, "analyzer")) && json_is_string(json_object_get(h, "rule"))
        && json_is_number(json_object_get(h, "score")) && json_is_string(json_object_get(h, "description"))
        && indicators_valid(json_object_get(h, "indicators"));
}

/* entry_valid - is o a cache entry of this format, with valid hits and indicators? */
static int entry_valid(json_t *o)
{
    json_t *hits = json_object_get(o, "hits"), *finish = json_object_get(o, "finish"), *h;
    const char *name;
    size_t i;

    if (json_integer_value(json_object_get(o, "format")) != LW_CACHE_FORMAT || !json_is_array(hits)
        || !indicators_valid(json_object_get(o, "indicators")) || !json_is_object(finish)
        || !json_is_number(json_object_get(o, "finish_score")))
        return 0;
    json_array_foreach(hits, i, h)
        if (!hit_valid(h))
            return 0;
    json_object_foreach(finish, name, h)
        if (!indicators_valid(h))
            return 0;
    return 1;
}

/* add_indicators - each indicator of arr (valid) to hit, or when NULL to the message's set only */
static void add_indicators(struct lw_verdict *v, struct lw_hit *hit, json_t *arr)
{
    size_t i;
    json_t *ind;

    json_array_foreach(arr, i, ind) {
        enum lw_ioc_type type;
        enum lw_ioc_role role = LW_ROLE_NONE;

        lw_ioc_type_parse(json_string_value(json_object_get(ind, "type")), &type);
        lw_ioc_role_parse(json_string_value(json_object_get(ind, "role")), &role);
        if (hit != NULL)
            lw_hit_add_indicator(v, hit, role, type, json_string_value(json_object_get(ind, "value")));
        else
            lw_verdict_add_indicator(v, role, type, json_string_value(json_object_get(ind, "value")));
    }
}

/* finish_parse - what the finish hooks of an entry (valid) added */
static struct lw_cache_finish *finish_parse(json_t *o)
{
    struct lw_cache_finish *f = g_new0(struct lw_cache_finish, 1);
    const char *name;
    json_t *arr;

    f->score = json_number_value(json_object_get(o, "finish_score"));
    f->added = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
    json_object_foreach(json_object_get(o, "finish"), name, arr) {
        GPtrArray *inds = g_ptr_array_new_with_free_func((GDestroyNotify) lw_indicator_free);

        lw_indicators_from_json(arr, inds);
        g_hash_table_insert(f->added, g_strdup(name), inds);
    }
    return f;
}

/* lw_verdict_cache_decode - an entry back: indicators, hits, summary and what the finish hooks added */
int lw_verdict_cache_decode(const char *s, struct lw_verdict *v, struct lw_summary **sum,
                            struct lw_cache_finish **fin)
{
    json_t *o = json_loads(s, 0, NULL), *h, *sv;
    size_t i;

    if (!entry_valid(o) || (sum != NULL && (*sum = summary_parse(json_object_get(o, "campaign"))) == NULL)) {
        json_decref(o);
        return -1;
    }
    add_indicators(v, NULL, json_object_get(o, "indicators"));
    json_array_foreach(json_object_get(o, "hits"), i, h) {
        json_t *ev = json_object_get(h, "evidence");
        struct lw_hit *hit = lw_verdict_add_hit(v, json_string_value(json_object_get(h, "analyzer")),
                                                json_string_value(json_object_get(h, "rule")),
                                                json_number_value(json_object_get(h, "score")),
                                                json_string_value(json_object_get(h, "description")),
                                                json_is_string(ev) ? json_string_value(ev) : NULL);

        json_t *cls = json_object_get(h, "class");

        if (json_is_string(cls))
            lw_class_parse(json_string_value(cls), &hit->cls);
        add_indicators(v, hit, json_object_get(h, "indicators"));
    }
    sv = json_object_get(o, "signature_version");
    if (json_is_string(sv) && v->signature_version == NULL)
        v->signature_version = g_strdup(json_string_value(sv));
    if (fin != NULL)
        *fin = finish_parse(o);
    json_decref(o);
    return 0;
}

/* lw_fields_json - {"name":"value",...} of alternating names and values; g_free */
char *lw_fields_json(const GPtrArray *pairs)
{
    json_t *o = json_object();

    for (guint i = 0; i + 1 < pairs->len; i += 2)
        json_object_set_new(o, g_ptr_array_index(pairs, i), jstr(g_ptr_array_index(pairs, i + 1)));
    return dump(o, JSON_COMPACT | JSON_PRESERVE_ORDER, "{}");
}

/* lw_fields_parse - back to alternating names and values (g_ptr_array_unref); NULL if not such an object */
GPtrArray *lw_fields_parse(const char *line)
{
    json_t *o = json_loads(line, 0, NULL), *val;
    GPtrArray *pairs;
    const char *name;

    if (!json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    pairs = g_ptr_array_new_with_free_func(g_free);
    json_object_foreach(o, name, val) {
        if (!json_is_string(val)) {
            g_ptr_array_unref(pairs);
            json_decref(o);
            return NULL;
        }
        g_ptr_array_add(pairs, g_strdup(name));
        g_ptr_array_add(pairs, g_strdup(json_string_value(val)));
    }
    json_decref(o);
    return pairs;
}

/* url_json - one URL with every field that is set */
static json_t *url_json(const struct lw_url *u)
{
    json_t *o = json_object();
    char *flags = lw_url_flag_names(u->flags);
    const struct { const char *name, *value; } fields[] = {
        { "url", u->url }, { "raw", u->raw }, { "source", u->source }, { "scheme", u->scheme },
        { "host", u->host }, { "host_unicode", u->host_unicode }, { "domain", u->domain },
        { "userinfo", u->userinfo }, { "display", u->display }, { "target", u->target },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
        if (fields[i].value != NULL)
            json_object_set_new(o, fields[i].name, jstr(fields[i].value));
    json_object_set_new(o, "flags", jstr(flags));
    g_free(flags);
    return o;
}

/* qr_json - pictures decoded and skipped, and the QR payloads found */
static json_t *qr_json(const struct lw_message *msg)
{
    json_t *codes = json_array();

    for (guint i = 0; i < msg->qr->len; i++) {
        const struct lw_qr *q = g_ptr_array_index(msg->qr, i);

        json_array_append_new(codes, json_pack("{s:o, s:o}", "path", jstr(q->path), "text", jstr(q->text)));
    }
    return json_pack("{s:I, s:I, s:o}", "images", (json_int_t) msg->qr_images,
                     "skipped", (json_int_t) msg->qr_skipped, "codes", codes);
}

char *lw_urls_json(const struct lw_message *msg, const char *file)
{
    json_t *o = json_object(), *arr = json_array();
    char *dump, *out;

    for (guint i = 0; i < msg->urls->len; i++)
        json_array_append_new(arr, url_json(g_ptr_array_index(msg->urls, i)));
    json_object_set_new(o, "file", jstr(file));
    json_object_set_new(o, "urls", arr);
    json_object_set_new(o, "qr", qr_json(msg));
    dump = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    out = g_strdup(dump ? dump : "{}");
    free(dump);
    return out;
}
