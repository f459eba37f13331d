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
 *         QUARANTINE_DIR/records/QUEUEID.json        the entry (quarantine_record.c)
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
 *     The record itself (struct lw_qentry, its JSON, queue ids) is
 *     quarantine_record.c; the Redis store is quarantine_redis.c.
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
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "review/quarantine_store.h"
#include "util/safedir.h"

#define MAX_RECORD_BYTES (4 * 1024 * 1024)

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
    } else if (lw_write_all(fd, data, len) != 0 || fsync(fd) < 0) {
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
    json = lw_qentry_to_json(e);
    rc = write_atomic(s, sub, name, json, strlen(json), err);
    g_free(json);
    g_free(name);
    return rc;
}

/* spool_record - a new record; a decided/ marker of an earlier message with this queue id goes */
static int spool_record(struct lw_qstore *s, const struct lw_qentry *e, struct lw_error *err)
{
    struct lw_error ignored;
    int dfd;

    if (spool_write_entry(s, "records", e, err) < 0)
        return -1;
    if ((dfd = sub_open(s, "decided", 0, &ignored)) >= 0) {
        if (unlinkat(dfd, e->queue_id, 0) < 0 && errno != ENOENT) {
            lw_error_set(err, "%s/decided/%s: %s", ((struct spool *) s->priv)->dir, e->queue_id, g_strerror(errno));
            close(dfd);
            return -1;
        }
        close(dfd);
    }
    return 0;
}

/* read_entry - NAME in the records directory rfd; NULL and err when unreadable or not a record */
static struct lw_qentry *read_entry(struct lw_qstore *s, int rfd, const char *name, struct lw_error *err)
{
    char *shown = g_build_filename(((struct spool *) s->priv)->dir, "records", name, NULL);
    size_t len = 0;
    char *text = read_at(rfd, name, shown, MAX_RECORD_BYTES, &len, err);
    struct lw_qentry *e = text ? lw_qentry_from_json(text, len, shown, err) : NULL;

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

/* spool_mark_decided - decided/QUEUEID: the page counts held records without reading them */
static int spool_mark_decided(struct lw_qstore *s, const char *queue_id, gint64 when, struct lw_error *err)
{
    char *text = g_strdup_printf("%" G_GINT64_FORMAT "\n", when);
    int rc = write_atomic(s, "decided", queue_id, text, strlen(text), err);

    g_free(text);
    return rc;
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
    e->decision = g_strdup(decision);
    e->decided_by = g_strdup(who);
    e->decided_at = when;
    rc = spool_write_entry(s, "records", e, err);
    lw_qentry_free(e);
    return rc < 0 ? -1 : spool_mark_decided(s, queue_id, when, err);
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

/* ---- the review page's data ---- */

/* A record's queue id and its file's time: sorted without reading the record. */
struct stamp {
    char *qid;
    gint64 t;                   /* modification time, microseconds */
};

static void stamp_clear(gpointer p)
{
    g_free(((struct stamp *) p)->qid);
}

static gint newest_stamp_first(gconstpointer a, gconstpointer b)
{
    const struct stamp *x = a, *y = b;

    if (x->t != y->t)
        return x->t < y->t ? 1 : -1;
    return -strcmp(x->qid, y->qid);
}

/* scan_stamps - QUEUEID+suffix in the open directory dfd, each with its time, into out */
static void scan_stamps(int dfd, const char *suffix, GArray *out)
{
    int fd = dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    size_t sl = strlen(suffix);
    struct dirent *de;

    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        struct stat st;
        struct stamp one;

        if (de->d_name[0] == '.' || n <= sl || strcmp(de->d_name + n - sl, suffix) != 0)
            continue;
        one.qid = g_strndup(de->d_name, n - sl);
        if (!lw_queue_id_valid(one.qid) || fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0
            || !S_ISREG(st.st_mode)) {
            g_free(one.qid);
            continue;
        }
        one.t = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
        g_array_append_val(out, one);
    }
    closedir(d);
}

/* stamps - the files of SUB, newest first (none when SUB is missing); NULL and err */
static GArray *stamps(struct lw_qstore *s, const char *sub, const char *suffix, struct lw_error *err)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(struct stamp));
    int dfd = sub_open(s, sub, 0, err);

    g_array_set_clear_func(out, stamp_clear);
    if (dfd < 0 && errno != ENOENT) {
        g_array_unref(out);
        return NULL;
    }
    if (dfd >= 0) {
        scan_stamps(dfd, suffix, out);
        close(dfd);
    }
    g_array_sort(out, newest_stamp_first);
    return out;
}

/*
 * spool_page - held records are those without a decided/ marker, and a
 * held record is never rewritten (a decision writes the marker), so its
 * file's time is its hold time: the page is one readdir and one fstatat
 * per record, then only its own rows are read. A record decided before
 * decided/ markers existed is found when read and left out of the rows.
 */
static int spool_page(struct lw_qstore *s, guint offset, guint limit, guint decided_limit,
                      struct lw_qpage *page, struct lw_error *err)
{
    GArray *recs = stamps(s, "records", ".json", err), *dec = recs ? stamps(s, "decided", "", err) : NULL;
    GHashTable *decided;

    if (dec == NULL) {
        if (recs)
            g_array_unref(recs);
        return -1;
    }
    decided = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < dec->len; i++)
        g_hash_table_add(decided, g_array_index(dec, struct stamp, i).qid);
    for (guint i = 0; i < recs->len; i++) {
        const char *qid = g_array_index(recs, struct stamp, i).qid;
        struct lw_qentry *e;

        if (g_hash_table_contains(decided, qid))
            continue;
        if (page->total_held++ < offset || page->held->len >= limit)
            continue;
        if ((e = spool_get(s, qid, NULL)) != NULL && lw_qentry_is_held(e)) {
            g_ptr_array_add(page->held, e);
        } else {
            lw_qentry_free(e);
            page->total_held--;
        }
    }
    for (guint i = 0; i < dec->len && page->decided->len < decided_limit; i++) {
        struct lw_qentry *e = spool_get(s, g_array_index(dec, struct stamp, i).qid, NULL);

        if (e && !lw_qentry_is_held(e))
            g_ptr_array_add(page->decided, e);
        else
            lw_qentry_free(e);
    }
    g_hash_table_unref(decided);
    g_array_unref(dec);
    g_array_unref(recs);
    return 0;
}

/* spool_forget - a record moved elsewhere: its file and markers go (a missing one is fine) */
static int spool_forget(struct lw_qstore *s, const char *queue_id, struct lw_error *err)
{
    static const char *const subs[] = { "decided", "reported", "records" };

    if (!lw_queue_id_valid(queue_id))
        return lw_error_set(err, "bad queue id \"%s\"", queue_id);
    for (guint i = 0; i < G_N_ELEMENTS(subs); i++) {
        char *name = i == 2 ? g_strconcat(queue_id, ".json", NULL) : g_strdup(queue_id);
        int dfd = sub_open(s, subs[i], 0, err), rc = 0;

        if (dfd < 0 && errno != ENOENT)
            rc = -1;
        else if (dfd >= 0 && unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
            rc = lw_error_set(err, "%s/%s/%s: %s", ((struct spool *) s->priv)->dir, subs[i], name,
                              g_strerror(errno));
        if (dfd >= 0)
            close(dfd);
        g_free(name);
        if (rc < 0)
            return -1;
    }
    return 0;
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
    .page = spool_page,
    .forget = spool_forget,
};

/* lw_qstore_open - the spool directory, or Redis (quarantine_store = redis) */
struct lw_qstore *lw_qstore_open(const struct lw_config *cfg, struct lw_error *err)
{
    return cfg->quarantine_store == LW_QSTORE_REDIS ? lw_qstore_redis_open(cfg, err) : lw_qstore_spool_open(cfg, err);
}

/* lw_qstore_spool_open - the spool directory quarantine_dir, whatever quarantine_store says */
struct lw_qstore *lw_qstore_spool_open(const struct lw_config *cfg, struct lw_error *err)
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

int lw_qstore_shared(const struct lw_qstore *s)
{
    return s->ops->request != NULL;
}

static gint newest_first(gconstpointer a, gconstpointer b)
{
    const struct lw_qentry *x = *(struct lw_qentry *const *) a, *y = *(struct lw_qentry *const *) b;

    if (x->held_at != y->held_at)
        return x->held_at < y->held_at ? 1 : -1;
    return -strcmp(x->queue_id, y->queue_id);
}

static gint latest_decision_first(gconstpointer a, gconstpointer b)
{
    const struct lw_qentry *x = *(struct lw_qentry *const *) a, *y = *(struct lw_qentry *const *) b;

    return x->decided_at < y->decided_at ? 1 : x->decided_at > y->decided_at ? -1 : 0;
}

/* page_filtered - the page from every record: for a filter (a reviewer of some domains) */
static int page_filtered(struct lw_qstore *s, guint offset, guint limit, guint decided_limit, lw_qfilter keep,
                         void *data, struct lw_qpage *page, struct lw_error *err)
{
    GPtrArray *all = lw_qstore_list(s, 0, NULL, err), *held;

    if (all == NULL)
        return -1;
    held = g_ptr_array_new();
    g_ptr_array_set_free_func(all, NULL);     /* each entry goes to page or is freed here */
    for (guint i = 0; i < all->len; i++) {
        struct lw_qentry *e = g_ptr_array_index(all, i);

        if (keep != NULL && !keep(e, data))
            lw_qentry_free(e);
        else
            g_ptr_array_add(lw_qentry_is_held(e) ? held : page->decided, e);
    }
    g_ptr_array_unref(all);
    g_ptr_array_sort(held, newest_first);
    g_ptr_array_sort(page->decided, latest_decision_first);
    page->total_held = held->len;
    for (guint i = 0; i < held->len; i++) {
        if (i >= offset && page->held->len < limit)
            g_ptr_array_add(page->held, g_ptr_array_index(held, i));
        else
            lw_qentry_free(g_ptr_array_index(held, i));
    }
    if (page->decided->len > decided_limit)
        g_ptr_array_set_size(page->decided, decided_limit);
    g_ptr_array_unref(held);
    return 0;
}

int lw_qstore_page(struct lw_qstore *s, guint offset, guint limit, guint decided_limit, lw_qfilter keep,
                   void *data, struct lw_qpage *page, struct lw_error *err)
{
    int rc;

    page->held = g_ptr_array_new_with_free_func((GDestroyNotify) lw_qentry_free);
    page->decided = g_ptr_array_new_with_free_func((GDestroyNotify) lw_qentry_free);
    page->total_held = 0;
    rc = keep == NULL && s->ops->page ? s->ops->page(s, offset, limit, decided_limit, page, err)
                                      : page_filtered(s, offset, limit, decided_limit, keep, data, page, err);
    if (rc < 0)
        lw_qpage_clear(page);
    return rc;
}

void lw_qpage_clear(struct lw_qpage *page)
{
    if (page->held)
        g_ptr_array_unref(page->held);
    if (page->decided)
        g_ptr_array_unref(page->decided);
    memset(page, 0, sizeof(*page));
}

/* no_shared - the error of a decision operation on a store of one relay */
static int no_shared(struct lw_qstore *s, struct lw_error *err)
{
    return lw_error_set(err, "the %s quarantine store carries out decisions at once: "
                        "there is no decision stream (quarantine_store = redis has one)", s->ops->name);
}

int lw_qstore_request(struct lw_qstore *s, const char *queue_id, const char *decision, const char *who,
                      gint64 when, struct lw_error *err)
{
    return s->ops->request ? s->ops->request(s, queue_id, decision, who, when, err) : no_shared(s, err);
}

GPtrArray *lw_qstore_read_decisions(struct lw_qstore *s, struct lw_error *err)
{
    GPtrArray *out;

    if (s->ops->read_decisions == NULL) {
        no_shared(s, err);
        return NULL;
    }
    out = g_ptr_array_new_with_free_func(lw_qdecision_free);
    if (s->ops->read_decisions(s, out, err) < 0) {
        g_ptr_array_unref(out);
        return NULL;
    }
    return out;
}

int lw_qstore_claim(struct lw_qstore *s, const struct lw_qdecision *d, char **decision, char **who,
                    struct lw_error *err)
{
    *decision = *who = NULL;
    return s->ops->claim ? s->ops->claim(s, d, decision, who, err) : no_shared(s, err);
}

int lw_qstore_outcome(struct lw_qstore *s, const char *queue_id, const char *outcome, int reopen,
                      struct lw_error *err)
{
    return s->ops->outcome ? s->ops->outcome(s, queue_id, outcome, reopen, err) : no_shared(s, err);
}

int lw_qstore_ack(struct lw_qstore *s, const struct lw_qdecision *d, struct lw_error *err)
{
    return s->ops->ack ? s->ops->ack(s, d, err) : no_shared(s, err);
}

void lw_qdecision_free(gpointer p)
{
    struct lw_qdecision *d = p;

    g_free(d->id);
    g_free(d->queue_id);
    g_free(d);
}

/*
 * lw_qstore_move - every record of from into to, then forgotten in from:
 * the records the milter kept in the spool while Redis was down. The
 * number moved, or -1 and err (the ones moved before stay moved).
 */
int lw_qstore_move(struct lw_qstore *from, struct lw_qstore *to, struct lw_error *err)
{
    GPtrArray *all;
    int n = 0;

    if (from->ops->forget == NULL)
        return lw_error_set(err, "the %s store cannot give its records away", from->ops->name);
    if ((all = lw_qstore_list(from, 0, NULL, err)) == NULL)
        return -1;
    for (guint i = 0; i < all->len && n >= 0; i++) {
        const struct lw_qentry *e = g_ptr_array_index(all, i);

        if (lw_qstore_record(to, e, err) < 0 || from->ops->forget(from, e->queue_id, err) < 0)
            n = -1;
        else
            n++;
    }
    g_ptr_array_unref(all);
    return n;
}
