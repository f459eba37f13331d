/*
 * quarantine_record.c - one held message's record: what the milter copies out of the scan, and its JSON
 *
 * DESCRIPTION
 *     struct lw_qentry is what both quarantine stores keep of a held
 *     message (quarantine_store.c, the spool; quarantine_redis.c, Redis);
 *     this file makes it from a scan, writes and reads its JSON (version
 *     1, the same in both stores), and checks queue ids. All JSON of the
 *     quarantine records is here (jansson). Strings from mail are made
 *     valid UTF-8 before they reach jansson, which refuses invalid UTF-8.
 */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "review/quarantine_store.h"
#include "model/score.h"

static void qhit_free(gpointer p)
{
    struct lw_qhit *h = p;

    g_free(h->rule);
    g_free(h->cls);
    g_free(h->description);
    g_free(h->evidence);
    g_free(h);
}

/* lw_qentry_new - an empty entry with empty arrays */
struct lw_qentry *lw_qentry_new(void)
{
    struct lw_qentry *e = g_new0(struct lw_qentry, 1);

    e->rcpts = g_ptr_array_new_with_free_func(g_free);
    e->hits = g_ptr_array_new_with_free_func(qhit_free);
    e->indicators = g_ptr_array_new_with_free_func((GDestroyNotify) lw_indicator_free);
    return e;
}

void lw_qentry_free(struct lw_qentry *e)
{
    if (e == NULL)
        return;
    g_free(e->queue_id);
    g_free(e->message_id);
    g_free(e->sender);
    g_free(e->from);
    g_free(e->from_name);
    g_ptr_array_unref(e->rcpts);
    g_free(e->subject);
    g_free(e->date);
    g_free(e->why);
    g_free(e->instance);
    g_ptr_array_unref(e->hits);
    g_ptr_array_unref(e->indicators);
    g_free(e->decision);
    g_free(e->decided_by);
    g_free(e->outcome);
    g_free(e);
}

int lw_qentry_is_held(const struct lw_qentry *e)
{
    return e->decision == NULL || *e->decision == '\0';
}

/* valid - a valid UTF-8 copy of s, "" for NULL (g_free) */
static char *valid(const char *s)
{
    return s ? g_utf8_make_valid(s, -1) : g_strdup("");
}

/* lw_qentry_from_scan - copy what a reviewer needs out of the scan */
struct lw_qentry *lw_qentry_from_scan(const char *queue_id, const struct lw_envelope *env,
                                      const struct lw_message *msg, const struct lw_verdict *v,
                                      const struct lw_config *cfg)
{
    struct lw_qentry *e = lw_qentry_new();

    e->queue_id = valid(queue_id);
    e->held_at = g_get_real_time();
    e->score = v->score;
    e->why = lw_verdict_explain_why(v, cfg);
    e->instance = valid(*cfg->instance_name ? cfg->instance_name : g_get_host_name());
    e->sender = valid(env ? env->mail_from : NULL);
    for (guint i = 0; env && i < env->rcpts->len; i++)
        g_ptr_array_add(e->rcpts, valid(g_ptr_array_index(env->rcpts, i)));
    e->message_id = valid(msg ? msg->message_id : NULL);
    e->from = valid(msg && msg->from ? msg->from->addr : NULL);
    e->from_name = valid(msg && msg->from ? msg->from->name : NULL);
    e->subject = valid(msg ? msg->subject : NULL);
    e->date = valid(msg ? msg->date_raw : NULL);
    for (guint i = 0; i < v->hits->len; i++) {
        const struct lw_hit *hit = g_ptr_array_index(v->hits, i);
        struct lw_qhit *h = g_new0(struct lw_qhit, 1);

        h->rule = valid(hit->rule);
        h->cls = g_strdup(lw_class_name(hit->cls));
        h->score = hit->score;
        h->description = valid(hit->description);
        h->evidence = hit->evidence ? valid(hit->evidence) : NULL;
        g_ptr_array_add(e->hits, h);
    }
    for (guint i = 0; i < v->indicators->len; i++)
        g_ptr_array_add(e->indicators, lw_indicator_dup(g_ptr_array_index(v->indicators, i)));
    return e;
}

/*
 * Postfix's queue ids (src/global/mail_queue.h). Short: the microseconds
 * as 5 upper-case hex digits, then the inode number in hex. Long
 * (enable_long_queue_ids): seconds (6+) and microseconds (4) in base 52 over
 * digits and consonants, a 'z', then the inode in base 51 (no 'z').
 */
#define QID_SHORT_MIN 6
#define QID_LONG_TIME 10
#define QID_MAX 32
#define QID_BASE52 "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"

/* short_id - [0-9A-F]{6,} */
static int short_id(const char *id, size_t n)
{
    return n >= QID_SHORT_MIN && strspn(id, "0123456789ABCDEF") == n;
}

/* long_id - base 52, the last 'z' after at least 10 characters and before at least one */
static int long_id(const char *id, size_t n)
{
    const char *z = strrchr(id, 'z');

    return strspn(id, QID_BASE52) == n && z != NULL && z - id >= QID_LONG_TIME && z[1] != '\0';
}

int lw_postfix_queue_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;

    return n <= QID_MAX && (short_id(id, n) || long_id(id, n));
}

/*
 * Sendmail's queue ids (sendmail/queue.c, assign_queueid): eight characters
 * of "0-9A-Za-z" (year % 60, month 0-11, day 1-31, hour, minute, second,
 * then the envelope number in base 60 as two characters), then the process
 * id printed "%06d". A pid_t has at most 10 digits.
 */
#define SM_QID_HEAD 8
#define SM_QID_PID_MIN 6
#define SM_QID_PID_MAX 10
#define SM_QID_CHARS "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

int lw_sendmail_queue_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0, pid = n - SM_QID_HEAD;

    return n >= SM_QID_HEAD + SM_QID_PID_MIN && pid <= SM_QID_PID_MAX
        && strspn(id, SM_QID_CHARS) >= SM_QID_HEAD
        && strchr("0123456789AB", id[1]) != NULL                /* month 0-11 */
        && strchr("123456789ABCDEFGHIJKLMNOPQRSTUV", id[2]) != NULL     /* day 1-31 */
        && strchr("0123456789ABCDEFGHIJKLMN", id[3]) != NULL    /* hour 0-23 */
        && strspn(id + SM_QID_HEAD, "0123456789") == pid;
}

/* lw_queue_id_valid - a Postfix or a Sendmail queue id; never "ALL", never an option */
int lw_queue_id_valid(const char *id)
{
    return lw_postfix_queue_id_valid(id) || lw_sendmail_queue_id_valid(id);
}

/* ---- JSON (the only JSON code of the quarantine records) ---- */

static json_t *jstr(const char *s)
{
    char *v;
    json_t *j;

    if (s == NULL)
        return json_null();
    v = g_utf8_make_valid(s, -1);
    j = json_string(v);
    g_free(v);
    return j ? j : json_null();
}

/* lw_qtime_format - microseconds as "2026-11-25T04:10:00Z" (utc) or "2026-11-25 12:10:00 +0800" (g_free) */
char *lw_qtime_format(gint64 usec, int utc)
{
    GDateTime *dt = utc ? g_date_time_new_from_unix_utc(usec / G_USEC_PER_SEC)
                        : g_date_time_new_from_unix_local(usec / G_USEC_PER_SEC);
    char *s = dt ? g_date_time_format(dt, utc ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S %z") : g_strdup("?");

    if (dt)
        g_date_time_unref(dt);
    return s;
}

/* entry_to_json - the record format (version 1) */
char *lw_qentry_to_json(const struct lw_qentry *e)
{
    json_t *o = json_object(), *rcpts = json_array(), *hits = json_array(), *inds = json_array();
    char *held = lw_qtime_format(e->held_at, 1), *dump, *out;

    json_object_set_new(o, "version", json_integer(1));
    json_object_set_new(o, "queue_id", jstr(e->queue_id));
    json_object_set_new(o, "held_at", jstr(held));
    json_object_set_new(o, "held_at_us", json_integer(e->held_at));
    json_object_set_new(o, "instance", jstr(e->instance));
    json_object_set_new(o, "message_id", jstr(e->message_id));
    json_object_set_new(o, "sender", jstr(e->sender));
    json_object_set_new(o, "from", jstr(e->from));
    json_object_set_new(o, "from_name", jstr(e->from_name));
    for (guint i = 0; i < e->rcpts->len; i++)
        json_array_append_new(rcpts, jstr(g_ptr_array_index(e->rcpts, i)));
    json_object_set_new(o, "recipients", rcpts);
    json_object_set_new(o, "subject", jstr(e->subject));
    json_object_set_new(o, "date", jstr(e->date));
    json_object_set_new(o, "score", json_real(round(e->score * 100) / 100));
    json_object_set_new(o, "why", jstr(e->why));
    for (guint i = 0; i < e->hits->len; i++) {
        const struct lw_qhit *h = g_ptr_array_index(e->hits, i);

        json_array_append_new(hits, json_pack("{s:o, s:o, s:f, s:o, s:o}", "rule", jstr(h->rule),
                                              "class", jstr(h->cls),
                                              "score", round(h->score * 100) / 100,
                                              "description", jstr(h->description),
                                              "evidence", jstr(h->evidence)));
    }
    json_object_set_new(o, "hits", hits);
    for (guint i = 0; i < e->indicators->len; i++) {
        const struct lw_indicator *ind = g_ptr_array_index(e->indicators, i);

        json_array_append_new(inds, json_pack("{s:s, s:o}", "type", lw_ioc_type_name(ind->type),
                                              "value", jstr(ind->value)));
    }
    json_object_set_new(o, "indicators", inds);
    json_object_set_new(o, "decision", jstr(e->decision));
    json_object_set_new(o, "decided_by", jstr(e->decided_by));
    json_object_set_new(o, "decided_at_us", json_integer(e->decided_at));
    dump = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(o);
    out = g_strconcat(dump ? dump : "{}", "\n", NULL);
    free(dump);
    g_free(held);
    return out;
}

static char *get_str(json_t *o, const char *key)
{
    json_t *j = json_object_get(o, key);

    return json_is_string(j) ? g_strdup(json_string_value(j)) : NULL;
}

static gint64 get_int(json_t *o, const char *key)
{
    json_t *j = json_object_get(o, key);

    return json_is_integer(j) ? (gint64) json_integer_value(j) : 0;
}

static void hits_from_json(struct lw_qentry *e, json_t *arr)
{
    size_t i;
    json_t *h;

    json_array_foreach(arr, i, h) {
        struct lw_qhit *q = g_new0(struct lw_qhit, 1);

        q->rule = get_str(h, "rule");
        q->cls = get_str(h, "class");
        q->score = json_number_value(json_object_get(h, "score"));
        q->description = get_str(h, "description");
        q->evidence = get_str(h, "evidence");
        if (q->rule == NULL)
            q->rule = g_strdup("");
        if (q->cls == NULL)
            q->cls = g_strdup("");
        if (q->description == NULL)
            q->description = g_strdup("");
        g_ptr_array_add(e->hits, q);
    }
}

static void indicators_from_json(struct lw_qentry *e, json_t *arr)
{
    size_t i;
    json_t *j;

    json_array_foreach(arr, i, j) {
        enum lw_ioc_type type;
        const char *t = json_string_value(json_object_get(j, "type"));
        const char *val = json_string_value(json_object_get(j, "value"));

        if (t && val && lw_ioc_type_parse(t, &type) == 0)
            g_ptr_array_add(e->indicators, lw_indicator_new(type, val));
    }
}

/* entry_from_json - parse a record; NULL and err when it is not one */
struct lw_qentry *lw_qentry_from_json(const char *text, size_t len, const char *where,
                                         struct lw_error *err)
{
    json_error_t jerr;
    json_t *o = json_loadb(text, len, 0, &jerr), *j;
    struct lw_qentry *e;
    size_t i;

    if (o == NULL || !json_is_object(o)) {
        lw_error_set(err, "%s: not a quarantine record: %s", where, o ? "not an object" : jerr.text);
        json_decref(o);
        return NULL;
    }
    e = lw_qentry_new();
#define STR(f, k) do { e->f = get_str(o, k); if (e->f == NULL) e->f = g_strdup(""); } while (0)
    STR(queue_id, "queue_id");
    STR(instance, "instance");
    STR(message_id, "message_id");
    STR(sender, "sender");
    STR(from, "from");
    STR(from_name, "from_name");
    STR(subject, "subject");
    STR(date, "date");
    STR(why, "why");
#undef STR
    e->held_at = get_int(o, "held_at_us");
    e->score = json_number_value(json_object_get(o, "score"));
    json_array_foreach(json_object_get(o, "recipients"), i, j)
        if (json_is_string(j))
            g_ptr_array_add(e->rcpts, g_strdup(json_string_value(j)));
    hits_from_json(e, json_object_get(o, "hits"));
    indicators_from_json(e, json_object_get(o, "indicators"));
    e->decision = get_str(o, "decision");
    e->decided_by = get_str(o, "decided_by");
    e->decided_at = get_int(o, "decided_at_us");
    json_decref(o);
    if (!lw_queue_id_valid(e->queue_id)) {
        lw_error_set(err, "%s: record has no valid queue id", where);
        lw_qentry_free(e);
        return NULL;
    }
    return e;
}
