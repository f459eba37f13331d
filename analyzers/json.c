/*
 * json.c - serialize a verdict (and what identifies its message) as JSON
 *
 * One object per message, as lurewatch-scan --json prints it:
 *   file, message_id, from, subject, score, action, cached,
 *   signature_version, elapsed_ms, error (when the scan failed),
 *   hits: [{analyzer, rule, score, description, evidence, indicators}],
 *   indicators: [{type, value}]  (the message's, de-duplicated)
 * jansson rejects invalid UTF-8, so every string from mail is made valid
 * first (the model already does this; json.c does it again for safety).
 */
#include "config.h"

#include <jansson.h>
#include <math.h>

#include "json.h"
#include "url.h"

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

static json_t *indicators_json(const GPtrArray *inds)
{
    json_t *arr = json_array();

    for (guint i = 0; i < inds->len; i++) {
        const struct lw_indicator *ind = g_ptr_array_index(inds, i);
        json_t *o = json_object();

        json_object_set_new(o, "type", json_string(lw_ioc_type_name(ind->type)));
        json_object_set_new(o, "value", jstr(ind->value));
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
        json_object_set_new(o, "description", jstr(hit->description));
        json_object_set_new(o, "evidence", jstr(hit->evidence));
        json_object_set_new(o, "indicators", indicators_json(hit->indicators));
        json_array_append_new(arr, o);
    }
    return arr;
}

char *lw_verdict_json(const struct lw_verdict *v, const struct lw_message *msg, const char *file)
{
    json_t *o = json_object();
    char *dump, *out;

    json_object_set_new(o, "file", jstr(file));
    json_object_set_new(o, "message_id", jstr(msg ? msg->message_id : NULL));
    json_object_set_new(o, "from", jstr(msg && msg->from ? msg->from->addr : NULL));
    json_object_set_new(o, "subject", jstr(msg ? msg->subject : NULL));
    json_object_set_new(o, "score", json_real(round(v->score * 100) / 100));
    json_object_set_new(o, "action", json_string(lw_action_name(v->action)));
    json_object_set_new(o, "cached", json_boolean(v->cached));
    json_object_set_new(o, "signature_version", jstr(v->signature_version));
    json_object_set_new(o, "elapsed_ms", json_real(round(v->elapsed_ms * 1000) / 1000));
    if (v->failed)
        json_object_set_new(o, "error", jstr(v->error));
    json_object_set_new(o, "hits", hits_json(v->hits));
    json_object_set_new(o, "indicators", indicators_json(v->indicators));
    dump = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(o);
    out = g_strdup(dump ? dump : "{}");
    free(dump);
    return out;
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

char *lw_urls_json(const struct lw_message *msg, const char *file)
{
    json_t *o = json_object(), *arr = json_array();
    char *dump, *out;

    for (guint i = 0; i < msg->urls->len; i++)
        json_array_append_new(arr, url_json(g_ptr_array_index(msg->urls, i)));
    json_object_set_new(o, "file", jstr(file));
    json_object_set_new(o, "urls", arr);
    dump = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    out = g_strdup(dump ? dump : "{}");
    free(dump);
    return out;
}
