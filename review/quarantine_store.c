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
 *         QUARANTINE_DIR/digest.lock                 one digest at a time (lw_qstore_lock)
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
 *     own short or long format: hex, or base-52 letters and digits; or
 *     Sendmail's: letters and digits; "ALL" and anything starting with '-'
 *     are not ids). Files are created 0640
 *     in directories created 0750. QUARANTINE_DIR belongs to the milter's
 *     user while lurewatch-report runs as root, so nothing below it is
 *     reached through a symbolic link: every directory and file is opened
 *     with openat() and O_NOFOLLOW relative to QUARANTINE_DIR's descriptor
 *     (util/safedir.c), a subdirectory must belong to this process's user
 *     or QUARANTINE_DIR's owner, a file read or locked must be a regular
 *     file with one link, and a file is written as a new temporary file
 *     (O_EXCL) renamed over the old name (which replaces a link, never
 *     follows it). A planted link is refused with an error that says so.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "review/quarantine_store.h"
#include "model/score.h"
#include "util/safedir.h"

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

/*
 * Every path below QUARANTINE_DIR is opened relative to a directory
 * descriptor, never through a symbolic link (util/safedir.c): the milter's
 * user owns the directory, and root's lurewatch-report must not be led to
 * write or read elsewhere by a link planted there.
 */
struct spool {
    char *dir;
    int fd;                     /* QUARANTINE_DIR, -1 until first opened */
    uid_t owner;                /* its owner: subdirectories may be theirs or ours */
    int lock_fd;                /* digest.lock while held, else -1 */
};

/* base - QUARANTINE_DIR's descriptor (made when create); -1 and err (errno ENOENT: missing) */
static int base(struct spool *sp, int create, struct lw_error *err)
{
    struct stat st;

    if (sp->fd >= 0)
        return sp->fd;
    if ((sp->fd = lw_dir_open_path(sp->dir, 0750, create, err)) < 0)
        return -1;
    sp->owner = fstat(sp->fd, &st) == 0 ? st.st_uid : geteuid();
    return sp->fd;
}

/* sub_open - QUARANTINE_DIR/NAME (made when create); caller closes; -1 and err (errno ENOENT: missing) */
static int sub_open(struct lw_qstore *s, const char *name, int create, struct lw_error *err)
{
    struct spool *sp = s->priv;
    char *shown;
    int fd;

    if (base(sp, create, err) < 0)
        return -1;
    shown = g_build_filename(sp->dir, name, NULL);
    fd = lw_dir_openat(sp->fd, name, shown, 0750, create, sp->owner, err);
    g_free(shown);
    return fd;
}

/* write_all - the whole buffer to fd; -1 on error */
static int write_all(int fd, const char *p, size_t left)
{
    while (left > 0) {
        ssize_t n = write(fd, p, left);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        left -= (size_t) n;
    }
    return 0;
}

/* write_atomic - SUB/NAME gets DATA whole or not at all: tmp + fsync + rename + fsync(dir) */
static int write_atomic(struct lw_qstore *s, const char *sub, const char *name, const char *data, size_t len,
                        struct lw_error *err)
{
    int dfd = sub_open(s, sub, 1, err), fd = -1, rc = -1;
    char *tmp = NULL;

    if (dfd < 0)
        return -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        g_free(tmp);
        tmp = g_strdup_printf(".%s.%08x", name, g_random_int());
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        lw_error_set(err, "cannot create a file in %s/%s: %s", ((struct spool *) s->priv)->dir, sub,
                     g_strerror(errno));
    } else if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        lw_error_set(err, "write %s/%s: %s", sub, tmp, g_strerror(errno));
        unlinkat(dfd, tmp, 0);
    } else if (renameat(dfd, tmp, dfd, name) < 0) {
        lw_error_set(err, "rename %s/%s to %s: %s", sub, tmp, name, g_strerror(errno));
        unlinkat(dfd, tmp, 0);
    } else if (fsync(dfd) < 0) {
        lw_error_set(err, "fsync %s: %s", sub, g_strerror(errno));
    } else {
        rc = 0;
    }
    if (fd >= 0)
        close(fd);
    close(dfd);
    g_free(tmp);
    return rc;
}

/* read_at - the contents of NAME in dfd, at most max bytes; NULL and err (errno ENOENT: missing) */
static char *read_at(int dfd, const char *name, const char *shown, size_t max, size_t *len,
                     struct lw_error *err)
{
    int fd = lw_file_openat(dfd, name, shown, O_RDONLY, 0, err);
    GString *buf;
    char chunk[65536];
    ssize_t n;

    if (fd < 0)
        return NULL;
    buf = g_string_new(NULL);
    while ((n = read(fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
        if (n > 0 && buf->len <= max)
            g_string_append_len(buf, chunk, n);
    close(fd);
    if (n < 0 || buf->len > max) {
        lw_error_set(err, "%s: %s", shown, n < 0 ? g_strerror(errno) : "record too large");
        g_string_free(buf, TRUE);
        return NULL;
    }
    *len = buf->len;
    return g_string_free(buf, FALSE);
}

static int spool_write_entry(struct lw_qstore *s, const char *sub, const struct lw_qentry *e,
                             struct lw_error *err)
{
    char *name, *json;
    int rc;

    if (!lw_queue_id_valid(e->queue_id))
        return lw_error_set(err, "bad queue id \"%s\"", e->queue_id ? e->queue_id : "");
    name = g_strconcat(e->queue_id, ".json", NULL);
    json = entry_to_json(e);
    rc = write_atomic(s, sub, name, json, strlen(json), err);
    g_free(json);
    g_free(name);
    return rc;
}

static int spool_record(struct lw_qstore *s, const struct lw_qentry *e, struct lw_error *err)
{
    return spool_write_entry(s, "records", e, err);
}

/* read_entry - NAME in the records directory rfd; NULL and err when unreadable or not a record */
static struct lw_qentry *read_entry(struct lw_qstore *s, int rfd, const char *name, struct lw_error *err)
{
    char *shown = g_build_filename(((struct spool *) s->priv)->dir, "records", name, NULL);
    size_t len = 0;
    char *text = read_at(rfd, name, shown, MAX_RECORD_BYTES, &len, err);
    struct lw_qentry *e = text ? entry_from_json(text, len, shown, err) : NULL;

    g_free(text);
    g_free(shown);
    return e;
}

/* read_number - the integer in NAME of dfd (-1: no directory), 0 when missing or not a number */
static gint64 read_number(int dfd, const char *name)
{
    struct lw_error ignored;
    size_t len;
    char *text = dfd < 0 ? NULL : read_at(dfd, name, name, 64, &len, &ignored);
    gint64 v = text ? g_ascii_strtoll(text, NULL, 10) : 0;

    g_free(text);
    return v;
}

static struct lw_qentry *spool_get(struct lw_qstore *s, const char *queue_id, struct lw_error *err)
{
    struct lw_qentry *e = NULL;
    char *name;
    int rfd, dfd;

    if (!lw_queue_id_valid(queue_id)) {
        lw_error_set(err, "bad queue id \"%s\"", queue_id);
        return NULL;
    }
    if ((rfd = sub_open(s, "records", 0, err)) < 0) {
        if (errno == ENOENT)
            lw_error_set(err, "%s: no quarantine record for this queue id", queue_id);
        return NULL;
    }
    name = g_strconcat(queue_id, ".json", NULL);
    e = read_entry(s, rfd, name, err);
    if (e == NULL && errno == ENOENT)
        lw_error_set(err, "%s: no quarantine record for this queue id", queue_id);
    if (e != NULL && (dfd = sub_open(s, "reported", 0, err)) < 0 && errno != ENOENT) {
        lw_qentry_free(e);
        e = NULL;           /* a planted reported/: refused, and said so */
    } else if (e != NULL) {
        e->reported_at = read_number(dfd, queue_id);
        if (dfd >= 0)
            close(dfd);
    }
    close(rfd);
    g_free(name);
    return e;
}

static gint by_held_at(gconstpointer a, gconstpointer b)
{
    const struct lw_qentry *x = *(struct lw_qentry *const *) a, *y = *(struct lw_qentry *const *) b;

    if (x->held_at != y->held_at)
        return x->held_at < y->held_at ? -1 : 1;
    return strcmp(x->queue_id, y->queue_id);
}

/* list_dir - the records in rfd held at or after since, reported_at from the markers in dfd */
static void list_dir(struct lw_qstore *s, int rfd, int dfd, gint64 since, GPtrArray *out, GPtrArray *problems)
{
    int fd = dup(rfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        if (problems)
            g_ptr_array_add(problems, g_strdup_printf("records: %s", g_strerror(errno)));
        return;
    }
    while ((de = readdir(d)) != NULL) {
        struct lw_error why;
        struct lw_qentry *e;

        if (de->d_name[0] == '.' || !g_str_has_suffix(de->d_name, ".json"))
            continue;
        e = read_entry(s, rfd, de->d_name, &why);
        if (e == NULL && problems)
            g_ptr_array_add(problems, g_strdup(why.text));
        if (e && e->held_at >= since) {
            e->reported_at = read_number(dfd, e->queue_id);
            g_ptr_array_add(out, e);
        } else {
            lw_qentry_free(e);
        }
    }
    closedir(d);
}

/* spool_list - every readable record held at or after since; unreadable ones go to problems */
static GPtrArray *spool_list(struct lw_qstore *s, gint64 since, GPtrArray *problems, struct lw_error *err)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify) lw_qentry_free);
    int rfd = sub_open(s, "records", 0, err), dfd;

    if (rfd < 0) {
        if (errno == ENOENT)
            return out;     /* nothing held yet */
        g_ptr_array_unref(out);
        return NULL;
    }
    if ((dfd = sub_open(s, "reported", 0, err)) < 0 && errno != ENOENT) {
        close(rfd);
        g_ptr_array_unref(out);
        return NULL;        /* a planted reported/: refused, and said so */
    }
    list_dir(s, rfd, dfd, since, out, problems);
    if (dfd >= 0)
        close(dfd);
    close(rfd);
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
    char *text;
    int rc;

    if (!lw_queue_id_valid(queue_id))
        return lw_error_set(err, "bad queue id \"%s\"", queue_id);
    text = g_strdup_printf("%" G_GINT64_FORMAT "\n", when);
    rc = write_atomic(s, "reported", queue_id, text, strlen(text), err);
    g_free(text);
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
    int dfd;

    *value = 0;
    if (!state_name_ok(name))
        return lw_error_set(err, "bad state name \"%s\"", name);
    if ((dfd = sub_open(s, "state", 0, err)) < 0)
        return errno == ENOENT ? 0 : -1;
    *value = read_number(dfd, name);
    close(dfd);
    return 0;
}

static int spool_set_state(struct lw_qstore *s, const char *name, gint64 value, struct lw_error *err)
{
    char *text = g_strdup_printf("%" G_GINT64_FORMAT "\n", value);
    int rc = state_name_ok(name) ? write_atomic(s, "state", name, text, strlen(text), err)
                                 : lw_error_set(err, "bad state name \"%s\"", name);

    g_free(text);
    return rc;
}

/* spool_lock - QUARANTINE_DIR/digest.lock, flocked until the store is closed; 1 when another holds it */
static int spool_lock(struct lw_qstore *s, struct lw_error *err)
{
    struct spool *sp = s->priv;
    char *shown = g_build_filename(sp->dir, "digest.lock", NULL);
    int fd = base(sp, 1, err) < 0 ? -1 : lw_file_openat(sp->fd, "digest.lock", shown, O_RDWR | O_CREAT, 0600, err);
    int rc = 0;

    if (fd < 0) {
        rc = -1;
    } else if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        rc = errno == EWOULDBLOCK ? 1 : lw_error_set(err, "%s: %s", shown, g_strerror(errno));
        close(fd);
    } else {
        sp->lock_fd = fd;
    }
    g_free(shown);
    return rc;
}

static void spool_close(struct lw_qstore *s)
{
    struct spool *sp = s->priv;

    if (sp->fd >= 0)
        close(sp->fd);
    if (sp->lock_fd >= 0)
        close(sp->lock_fd);
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
    .lock = spool_lock,
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
    sp->fd = -1;
    sp->lock_fd = -1;
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

/* lw_qstore_lock - one digest at a time: 0 held until lw_qstore_close, 1 busy, -1 error */
int lw_qstore_lock(struct lw_qstore *s, struct lw_error *err)
{
    return s->ops->lock ? s->ops->lock(s, err) : 0;
}

/* lw_qstore_false_positive_hook - a release: tell whoever exports indicators */
int lw_qstore_false_positive_hook(struct lw_qstore *s, const struct lw_qentry *e,
                                  struct lw_error *err)
{
    return s->ops->false_positive(s, e, err);
}
