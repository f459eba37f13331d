/*
 * quarantine_store.c - the record of every held message, behind one interface
 *
 * DESCRIPTION
 *     The milter records each message it puts on hold (lw_qstore_record);
 *     lurewatch-report lists them for the digest, reads one for release or
 *     delete, marks the decision with who and when, and keeps its last
 *     digest time here. Callers see only struct lw_qstore_ops.
 *
 *     The spool backend (the only one today, and the fallback once Redis
 *     exists) keeps one JSON file per held message:
 *
 *         QUARANTINE_DIR/records/QUEUEID.json        the entry (see entry_to_json)
 *         QUARANTINE_DIR/false-positives/QUEUEID.json  released: not malicious
 *         QUARANTINE_DIR/reported/QUEUEID            listed by a digest (its time)
 *         QUARANTINE_DIR/state/NAME                  one integer (last-digest)
 *
 *     A digest marker is a file of its own, not a field rewritten in the
 *     record, so a digest run never overwrites a decision a reviewer made
 *     at the same moment (each record has one writer at a time: the milter
 *     creates it, a release or delete marks it).
 *
 *     Every file is written atomically: a temporary file in the same
 *     directory, fsync, rename over the final name, fsync of the directory.
 *     A crash leaves either the old file or the new one, never half.
 *
 *     All JSON of lurewatch-report and of the milter's quarantine records
 *     is in this file (jansson). Strings from mail are made valid UTF-8
 *     before they reach jansson, which refuses invalid UTF-8.
 *
 * REDIS SEAM
 *     lw_qstore_open() is where the Redis backend plugs in: a second
 *     struct lw_qstore_ops ("redis") whose record/mark also XADD to the hits
 *     stream and whose false_positive writes the release signal there,
 *     with this spool as fallback when Redis is unreachable.
 *
 * LIMITS
 *     Postfix may reuse a queue id long after the first message is gone; a
 *     new record then replaces the old one. list() reads every record file:
 *     fine for the thousands of held messages a relay has, not for millions.
 *
 * SECURITY
 *     Queue ids become file names only after lw_queue_id_valid() (Postfix's
 *     own short or long format: hex, or base-52 letters and digits; "ALL"
 *     and anything starting with '-' are not ids). Files are created 0640
 *     in directories created 0750.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "review/quarantine_store.h"
#include "model/score.h"

#define MAX_RECORD_BYTES (4 * 1024 * 1024)

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

/* lw_queue_id_valid - a Postfix queue id, short or long; never "ALL", never an option */
int lw_queue_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;

    return n <= QID_MAX && (short_id(id, n) || long_id(id, n));
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
static char *entry_to_json(const struct lw_qentry *e)
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
static struct lw_qentry *entry_from_json(const char *text, size_t len, const char *where,
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

/* ---- the spool backend ---- */

struct spool {
    char *dir;
};

/* ensure_dir - create DIR (and parents) 0750 if missing */
static int ensure_dir(const char *dir, struct lw_error *err)
{
    if (g_mkdir_with_parents(dir, 0750) < 0)
        return lw_error_set(err, "cannot create %s: %s", dir, g_strerror(errno));
    return 0;
}

/* fsync_dir - make a rename in DIR durable */
static int fsync_dir(const char *dir, struct lw_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;

    if (fd < 0)
        return lw_error_set(err, "open %s: %s", dir, g_strerror(errno));
    if (fsync(fd) < 0)
        rc = lw_error_set(err, "fsync %s: %s", dir, g_strerror(errno));
    close(fd);
    return rc;
}

/* write_atomic - DIR/NAME gets DATA whole or not at all: tmp + fsync + rename + fsync(dir) */
static int write_atomic(const char *dir, const char *name, const char *data, size_t len,
                        struct lw_error *err)
{
    char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, name);
    char *path = g_build_filename(dir, name, NULL);
    const char *p = data;
    size_t left = len;
    int fd, rc = -1;

    if (ensure_dir(dir, err) < 0)
        goto out;
    if ((fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0640)) < 0) {
        lw_error_set(err, "cannot create a file in %s: %s", dir, g_strerror(errno));
        goto out;
    }
    while (left > 0) {
        ssize_t n = write(fd, p, left);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        left -= (size_t) n;
    }
    if (left > 0 || fsync(fd) < 0) {
        lw_error_set(err, "write %s: %s", tmp, g_strerror(errno));
        close(fd);
        g_unlink(tmp);
        goto out;
    }
    close(fd);
    if (g_rename(tmp, path) < 0) {
        lw_error_set(err, "rename %s to %s: %s", tmp, path, g_strerror(errno));
        g_unlink(tmp);
        goto out;
    }
    rc = fsync_dir(dir, err);
out:
    g_free(tmp);
    g_free(path);
    return rc;
}

static char *subdir(const struct lw_qstore *s, const char *name)
{
    return g_build_filename(((const struct spool *) s->priv)->dir, name, NULL);
}

static int spool_write_entry(struct lw_qstore *s, const char *sub, const struct lw_qentry *e,
                             struct lw_error *err)
{
    char *dir, *name, *json;
    int rc;

    if (!lw_queue_id_valid(e->queue_id))
        return lw_error_set(err, "bad queue id \"%s\"", e->queue_id ? e->queue_id : "");
    dir = subdir(s, sub);
    name = g_strconcat(e->queue_id, ".json", NULL);
    json = entry_to_json(e);
    rc = write_atomic(dir, name, json, strlen(json), err);
    g_free(json);
    g_free(name);
    g_free(dir);
    return rc;
}

static int spool_record(struct lw_qstore *s, const struct lw_qentry *e, struct lw_error *err)
{
    return spool_write_entry(s, "records", e, err);
}

/* read_entry - one record file; NULL and err when unreadable or not a record */
static struct lw_qentry *read_entry(const char *path, struct lw_error *err)
{
    char *text = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    struct lw_qentry *e;

    if (!g_file_get_contents(path, &text, &len, &gerr)) {
        lw_error_set(err, "%s", gerr->message);
        g_error_free(gerr);
        return NULL;
    }
    e = len > MAX_RECORD_BYTES ? NULL : entry_from_json(text, len, path, err);
    if (len > MAX_RECORD_BYTES)
        lw_error_set(err, "%s: record too large", path);
    g_free(text);
    return e;
}

/* read_number - the integer in PATH, 0 when missing or not a number */
static gint64 read_number(const char *path)
{
    char *text = NULL;
    gint64 v = 0;

    if (g_file_get_contents(path, &text, NULL, NULL))
        v = g_ascii_strtoll(text, NULL, 10);
    g_free(text);
    return v;
}

/* fill_reported - reported_at from the entry's digest marker */
static void fill_reported(struct lw_qstore *s, struct lw_qentry *e)
{
    char *dir = subdir(s, "reported"), *path = g_build_filename(dir, e->queue_id, NULL);

    e->reported_at = read_number(path);
    g_free(path);
    g_free(dir);
}

static struct lw_qentry *spool_get(struct lw_qstore *s, const char *queue_id, struct lw_error *err)
{
    char *dir, *path;
    struct lw_qentry *e;

    if (!lw_queue_id_valid(queue_id)) {
        lw_error_set(err, "bad queue id \"%s\"", queue_id);
        return NULL;
    }
    dir = subdir(s, "records");
    path = g_strdup_printf("%s/%s.json", dir, queue_id);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        lw_error_set(err, "%s: no quarantine record for this queue id", queue_id);
        e = NULL;
    } else if ((e = read_entry(path, err)) != NULL) {
        fill_reported(s, e);
    }
    g_free(path);
    g_free(dir);
    return e;
}

static gint by_held_at(gconstpointer a, gconstpointer b)
{
    const struct lw_qentry *x = *(struct lw_qentry *const *) a, *y = *(struct lw_qentry *const *) b;

    if (x->held_at != y->held_at)
        return x->held_at < y->held_at ? -1 : 1;
    return strcmp(x->queue_id, y->queue_id);
}

/* spool_list - every readable record held at or after since; unreadable ones go to problems */
static GPtrArray *spool_list(struct lw_qstore *s, gint64 since, GPtrArray *problems, struct lw_error *err)
{
    char *dir = subdir(s, "records");
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify) lw_qentry_free);
    GError *gerr = NULL;
    GDir *d = g_dir_open(dir, 0, &gerr);
    const char *name;

    if (d == NULL) {
        int missing = g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT);

        if (!missing)
            lw_error_set(err, "%s", gerr->message);
        g_error_free(gerr);
        g_free(dir);
        if (missing)
            return out;     /* nothing held yet */
        g_ptr_array_unref(out);
        return NULL;
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        char *path;
        struct lw_qentry *e;

        if (name[0] == '.' || !g_str_has_suffix(name, ".json"))
            continue;
        path = g_build_filename(dir, name, NULL);
        struct lw_error why;

        e = read_entry(path, &why);
        if (e == NULL && problems)
            g_ptr_array_add(problems, g_strdup(why.text));
        if (e && e->held_at >= since) {
            fill_reported(s, e);
            g_ptr_array_add(out, e);
        } else {
            lw_qentry_free(e);
        }
        g_free(path);
    }
    g_dir_close(d);
    g_free(dir);
    g_ptr_array_sort(out, by_held_at);
    return out;
}

static int spool_mark(struct lw_qstore *s, const char *queue_id, const char *decision,
                      const char *who, gint64 when, struct lw_error *err)
{
    struct lw_qentry *e = spool_get(s, queue_id, err);
    int rc;

    if (e == NULL)
        return -1;
    g_free(e->decision);
    g_free(e->decided_by);
    e->decision = valid(decision);
    e->decided_by = valid(who);
    e->decided_at = when;
    rc = spool_record(s, e, err);
    lw_qentry_free(e);
    return rc;
}

static int spool_mark_reported(struct lw_qstore *s, const char *queue_id, gint64 when,
                               struct lw_error *err)
{
    char *dir, *text;
    int rc;

    if (!lw_queue_id_valid(queue_id))
        return lw_error_set(err, "bad queue id \"%s\"", queue_id);
    dir = subdir(s, "reported");
    text = g_strdup_printf("%" G_GINT64_FORMAT "\n", when);
    rc = write_atomic(dir, queue_id, text, strlen(text), err);
    g_free(text);
    g_free(dir);
    return rc;
}

/* spool_false_positive - the released entry, where an exporter reads it */
static int spool_false_positive(struct lw_qstore *s, const struct lw_qentry *e, struct lw_error *err)
{
    return spool_write_entry(s, "false-positives", e, err);
}

static int state_name_ok(const char *name)
{
    return *name && strspn(name, "abcdefghijklmnopqrstuvwxyz-") == strlen(name);
}

static int spool_get_state(struct lw_qstore *s, const char *name, gint64 *value, struct lw_error *err)
{
    char *dir, *path;

    *value = 0;
    if (!state_name_ok(name))
        return lw_error_set(err, "bad state name \"%s\"", name);
    dir = subdir(s, "state");
    path = g_build_filename(dir, name, NULL);
    *value = read_number(path);
    g_free(path);
    g_free(dir);
    return 0;
}

static int spool_set_state(struct lw_qstore *s, const char *name, gint64 value, struct lw_error *err)
{
    char *dir = subdir(s, "state");
    char *text = g_strdup_printf("%" G_GINT64_FORMAT "\n", value);
    int rc = state_name_ok(name) ? write_atomic(dir, name, text, strlen(text), err)
                                 : lw_error_set(err, "bad state name \"%s\"", name);

    g_free(text);
    g_free(dir);
    return rc;
}

static void spool_close(struct lw_qstore *s)
{
    struct spool *sp = s->priv;

    g_free(sp->dir);
    g_free(sp);
}

static const struct lw_qstore_ops spool_ops = {
    .name = "spool",
    .record = spool_record,
    .list = spool_list,
    .get = spool_get,
    .mark = spool_mark,
    .mark_reported = spool_mark_reported,
    .false_positive = spool_false_positive,
    .get_state = spool_get_state,
    .set_state = spool_set_state,
    .close = spool_close,
};

/* lw_qstore_open - REDIS SEAM: choose the Redis backend here once it exists */
struct lw_qstore *lw_qstore_open(const struct lw_config *cfg, struct lw_error *err)
{
    struct lw_qstore *s;
    struct spool *sp;

    if (cfg->quarantine_dir == NULL || cfg->quarantine_dir[0] != '/') {
        lw_error_set(err, "quarantine_dir must be an absolute path");
        return NULL;
    }
    sp = g_new0(struct spool, 1);
    sp->dir = g_strdup(cfg->quarantine_dir);
    s = g_new0(struct lw_qstore, 1);
    s->ops = &spool_ops;
    s->priv = sp;
    return s;
}

void lw_qstore_close(struct lw_qstore *s)
{
    if (s == NULL)
        return;
    s->ops->close(s);
    g_free(s);
}

int lw_qstore_record(struct lw_qstore *s, const struct lw_qentry *e, struct lw_error *err)
{
    return s->ops->record(s, e, err);
}

GPtrArray *lw_qstore_list(struct lw_qstore *s, gint64 since, GPtrArray *problems, struct lw_error *err)
{
    return s->ops->list(s, since, problems, err);
}

struct lw_qentry *lw_qstore_get(struct lw_qstore *s, const char *queue_id, struct lw_error *err)
{
    return s->ops->get(s, queue_id, err);
}

int lw_qstore_mark(struct lw_qstore *s, const char *queue_id, const char *decision,
                   const char *who, gint64 when, struct lw_error *err)
{
    return s->ops->mark(s, queue_id, decision, who, when, err);
}

int lw_qstore_mark_reported(struct lw_qstore *s, const char *queue_id, gint64 when, struct lw_error *err)
{
    return s->ops->mark_reported(s, queue_id, when, err);
}

int lw_qstore_get_state(struct lw_qstore *s, const char *name, gint64 *value, struct lw_error *err)
{
    return s->ops->get_state(s, name, value, err);
}

int lw_qstore_set_state(struct lw_qstore *s, const char *name, gint64 value, struct lw_error *err)
{
    return s->ops->set_state(s, name, value, err);
}

/* lw_qstore_false_positive_hook - a release: tell whoever exports indicators */
int lw_qstore_false_positive_hook(struct lw_qstore *s, const struct lw_qentry *e,
                                  struct lw_error *err)
{
    return s->ops->false_positive(s, e, err);
}
