/*
 * export_run.c - one run of lurewatch-ioc export: read the hits stream, write, push, acknowledge
 *
 * NAME
 *     lw_export_run - exactly-once export of the hits stream
 *
 * DESCRIPTION
 *     A run (from cron or a systemd timer) does, in this order:
 *       1. takes the exporters' lock: SET redis_prefix+"export:lock:"+group
 *          "HOST PID TOKEN" NX PX export_lock_ttl; when another exporter
 *          holds it the run stops at once (LW_EXPORT_BUSY) and touches
 *          nothing; a lock whose holder was a process of this host that is
 *          gone (killed run) is taken over at once;
 *       2. creates the consumer group export_group (XGROUP CREATE ... 0
 *          MKSTREAM; BUSYGROUP is fine) and loads the state file
 *          export_dir/.export-state.json;
 *       3. reads, as consumer export_consumer: first its own pending
 *          entries (XREADGROUP ... 0: entries a killed run read and never
 *          acknowledged), then entries other consumers left pending longer
 *          than export_claim_idle (XAUTOCLAIM), then new ones (>);
 *       4. applies them to the state (idempotent by event id; release
 *          entries remove messages, and the indicators no message left
 *          supports are re-emitted revoked: STIX revoked, MISP deleted),
 *          drops what is older than export_retention_days;
 *       5. writes every configured output (misp-feed: the MISP feed
 *          directory export_dir/misp-feed), then the state file, each
 *          atomically (tmp, fsync, rename, fsync of the directory);
 *       6. pushes (TAXII 2.1, MISP) when configured;
 *       7. only then XACKs the entries it read, and releases the lock.
 *
 *     Exactly once: the outputs are always rebuilt from the whole state,
 *     never appended to. A run killed before step 5 completes leaves its
 *     entries pending; the next run re-reads them (step 3) and applies them
 *     again, which changes nothing for entries already in the state. So
 *     after any kill and a rerun, every indicator is there once, with the
 *     counts of a clean run. The state file (not Redis) is the durable
 *     aggregate: it sits beside the outputs it produced and is written in
 *     the same commit step, so outputs and state can never disagree after a
 *     completed run, and a lost Redis loses no exported indicator.
 *
 *     Two exporters: the lock keeps a second run from starting while one
 *     is active; the consumer group gives each entry to one consumer, so
 *     even exporters with different consumer names never both take the
 *     same new entry.
 *
 *     Stream entries: hit entries as analyzers/cache/hits.c writes them (no
 *     "type" field, or type = hit). Release entries (written when an
 *     operator releases a quarantined message as a false positive):
 *       type      release
 *       event_id  the event id of the released message's hit entry, or
 *       queue_id  its queue id (and optionally instance) when the event
 *                 id is not known
 *       time      ISO 8601 UTC (optional)
 *     Entries of other types are acknowledged and ignored; malformed
 *     entries are acknowledged and counted (res->bad), never retried forever.
 *
 *     Fault injection for tests: crash_at names a step at which the
 *     process kills itself with SIGKILL: read, output (after the first
 *     output), outputs (after all outputs, before the state), state (after
 *     the state), pushed, ack (after half the acknowledgements), acked.
 *
 * LIMITS
 *     An exporter that takes over another's entries (XAUTOCLAIM) writes
 *     them to its own export_dir; keep export_claim_idle longer than any
 *     run. The lock is not renewed: keep export_lock_ttl longer than a run.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "export_run.h"
#include "util/redis.h"

#define STATE_FILE ".export-state.json"
#define STIX_FILE "lurewatch-stix.json"
#define MISP_FILE "lurewatch-misp.json"

static const char steal_script[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])"
    " return 1 end return 0";
static const char unlock_script[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

struct run {
    const struct lw_config *cfg;
    const char *crash_at;
    struct lw_redis *redis;
    char *stream, *group, *consumer, *lock_key, *token;
    char count[24], idle[24];
    GPtrArray *ids;             /* stream ids read (char *) */
    struct lw_export_state *state;
    struct lw_export_result *res;
};

/* crash - the fault injection point named step */
static void crash(const struct run *r, const char *step)
{
    if (r->crash_at && strcmp(r->crash_at, step) == 0)
        raise(SIGKILL);
}

/* command - run one command; the reply (lw_redis_pipe_free the pipe) or NULL and err */
static const struct lw_redis_reply *command(struct run *r, struct lw_redis_pipe *p, struct lw_error *err)
{
    const struct lw_redis_reply *rep;

    if (lw_redis_exec(r->redis, p, err) < 0)
        return NULL;
    rep = lw_redis_pipe_reply(p, 0);
    if (rep->type == LW_REDIS_ERROR && strncmp(rep->str, "BUSYGROUP", 9) != 0) {
        lw_error_set(err, "redis: %s", rep->str);
        return NULL;
    }
    return rep;
}

static const struct lw_redis_reply *elem(const struct lw_redis_reply *a, guint i)
{
    return a && a->type == LW_REDIS_ARRAY && i < a->elements->len ? g_ptr_array_index(a->elements, i) : NULL;
}

/* take_entry - apply one [id, [f, v, ...]] entry; returns its id or NULL */
static const char *take_entry(struct run *r, const struct lw_redis_reply *e)
{
    const struct lw_redis_reply *id = elem(e, 0), *fv = elem(e, 1);
    struct lw_error err;

    if (!id || id->type != LW_REDIS_STRING)
        return NULL;
    g_ptr_array_add(r->ids, g_strdup(id->str));
    r->res->read++;
    if (!fv || fv->type != LW_REDIS_ARRAY) {       /* trimmed away while pending */
        r->res->bad++;
        return id->str;
    }
    {
        GPtrArray *fields = g_ptr_array_new();
        int ok = 1;

        for (guint i = 0; i < fv->elements->len; i++) {
            const struct lw_redis_reply *x = g_ptr_array_index(fv->elements, i);

            ok &= x->str != NULL;
            g_ptr_array_add(fields, x->str);
        }
        if (!ok ? lw_error_set(&err, "entry %s: a field that is not a string", id->str)
            : lw_export_state_apply(r->state, fields, &err) < 0) {
            r->res->bad++;
            if (!r->res->first_bad[0])
                g_strlcpy(r->res->first_bad, err.text, sizeof(r->res->first_bad));
        }
        g_ptr_array_unref(fields);
    }
    return id->str;
}

/* take_entries - apply every entry of an entry list; the number taken */
static guint take_entries(struct run *r, const struct lw_redis_reply *list, char **last)
{
    guint n = 0;

    for (guint i = 0; list && list->type == LW_REDIS_ARRAY && i < list->elements->len; i++) {
        const char *id = take_entry(r, g_ptr_array_index(list->elements, i));

        if (id) {
            g_free(*last);
            *last = g_strdup(id);
            n++;
        }
    }
    return n;
}

/* read_group - XREADGROUP from start ("0": own pending, ">": new) until nothing is left */
static int read_group(struct run *r, const char *start, struct lw_error *err)
{
    char *last = g_strdup(start);
    int rc = 0;

    for (;;) {
        struct lw_redis_pipe *p = lw_redis_pipe_new();
        const struct lw_redis_reply *rep;
        guint n;

        lw_redis_pipe_add(p, "XREADGROUP", "GROUP", r->group, r->consumer, "COUNT", r->count,
                          "STREAMS", r->stream, strcmp(start, ">") == 0 ? ">" : last, NULL);
        if ((rep = command(r, p, err)) == NULL) {
            lw_redis_pipe_free(p);
            rc = -1;
            break;
        }
        n = take_entries(r, elem(elem(rep, 0), 1), &last);
        lw_redis_pipe_free(p);
        if (n == 0)
            break;
    }
    g_free(last);
    return rc;
}

/* claim - XAUTOCLAIM entries idle longer than export_claim_idle from dead consumers */
static int claim(struct run *r, struct lw_error *err)
{
    char *cursor = g_strdup("0-0"), *last = NULL;
    int rc = 0;

    do {
        struct lw_redis_pipe *p = lw_redis_pipe_new();
        const struct lw_redis_reply *rep;
        guint before = r->res->read;

        lw_redis_pipe_add(p, "XAUTOCLAIM", r->stream, r->group, r->consumer, r->idle, cursor,
                          "COUNT", r->count, NULL);
        if ((rep = command(r, p, err)) == NULL || !elem(rep, 0)) {
            lw_redis_pipe_free(p);
            rc = rep ? lw_error_set(err, "XAUTOCLAIM: unexpected reply") : -1;
            break;
        }
        g_free(cursor);
        cursor = g_strdup(elem(rep, 0)->str ? elem(rep, 0)->str : "0-0");
        take_entries(r, elem(rep, 1), &last);
        r->res->claimed += r->res->read - before;
        lw_redis_pipe_free(p);
    } while (strcmp(cursor, "0-0") != 0);
    g_free(cursor);
    g_free(last);
    return rc;
}

/* ack - XACK every id read, in two halves (so that a kill between them can be tested) */
static int ack(struct run *r, struct lw_error *err)
{
    guint half = r->ids->len / 2;

    for (int part = 0; part < 2; part++) {
        guint from = part ? half : 0, to = part ? r->ids->len : half;

        for (guint i = from; i < to; i += 500) {
            struct lw_redis_pipe *p = lw_redis_pipe_new();
            const char **argv = g_new(const char *, 503);
            size_t *lens = g_new(size_t, 503);
            guint argc = 0;

            argv[argc++] = "XACK";
            argv[argc++] = r->stream;
            argv[argc++] = r->group;
            for (guint j = i; j < to && j < i + 500; j++)
                argv[argc++] = g_ptr_array_index(r->ids, j);
            for (guint j = 0; j < argc; j++)
                lens[j] = strlen(argv[j]);
            lw_redis_pipe_addv(p, argc, argv, lens);
            if (command(r, p, err) == NULL) {
                lw_redis_pipe_free(p);
                g_free(argv);
                g_free(lens);
                return -1;
            }
            r->res->acked += argc - 3;
            lw_redis_pipe_free(p);
            g_free(argv);
            g_free(lens);
        }
        if (part == 0)
            crash(r, "ack");
    }
    return 0;
}

/* holder_dead - does the lock value name a process of this host that no longer runs? */
static int holder_dead(const char *value)
{
    char **f = g_strsplit(value, " ", 3);
    int dead = 0;

    if (g_strv_length(f) == 3 && strcmp(f[0], g_get_host_name()) == 0) {
        long long pid = g_ascii_strtoll(f[1], NULL, 10);

        dead = pid > 0 && kill((pid_t) pid, 0) < 0 && errno == ESRCH;
    }
    g_strfreev(f);
    return dead;
}

/*
 * lock - SET NX PX; 1 taken, 0 held by another exporter, -1 error. The value
 * is "HOST PID TOKEN": a lock left by a killed run on this host is taken
 * over at once (compare-and-set), not after export_lock_ttl.
 */
static int lock(struct run *r, struct lw_error *err)
{
    struct lw_redis_pipe *p = lw_redis_pipe_new();
    char ttl[24];
    const struct lw_redis_reply *rep;
    int rc;

    g_snprintf(ttl, sizeof(ttl), "%lld", r->cfg->export_lock_ttl * 1000);
    lw_redis_pipe_add(p, "SET", r->lock_key, r->token, "NX", "PX", ttl, NULL);
    lw_redis_pipe_add(p, "GET", r->lock_key, NULL);
    rep = command(r, p, err);
    rc = rep == NULL ? -1 : rep->type == LW_REDIS_STATUS ? 1 : 0;
    rep = rc == 0 ? lw_redis_pipe_reply(p, 1) : NULL;
    if (rep && rep->type == LW_REDIS_STRING && holder_dead(rep->str)) {
        char *old = g_strdup(rep->str);

        lw_redis_pipe_free(p);
        p = lw_redis_pipe_new();
        lw_redis_pipe_add(p, "EVAL", steal_script, "1", r->lock_key, old, r->token, ttl, NULL);
        rep = command(r, p, err);
        rc = rep == NULL ? -1 : rep->type == LW_REDIS_INTEGER && rep->integer == 1;
        if (rc == 1)
            r->res->stole_lock = 1;
        g_free(old);
    }
    lw_redis_pipe_free(p);
    return rc;
}

static void unlock(struct run *r)
{
    struct lw_redis_pipe *p = lw_redis_pipe_new();
    struct lw_error err;

    lw_redis_pipe_add(p, "EVAL", unlock_script, "1", r->lock_key, r->token, NULL);
    lw_redis_exec(r->redis, p, &err);  /* if it fails, the lock expires by itself */
    lw_redis_pipe_free(p);
}

/* load_state - the state file, or an empty state when there is none yet */
static int load_state(struct run *r, const char *path, struct lw_error *err)
{
    char *text = NULL;
    GError *ge = NULL;
    int rc = 0;

    r->state = lw_export_state_new();
    if (!g_file_get_contents(path, &text, NULL, &ge)) {
        if (g_error_matches(ge, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            rc = 0;
        else
            rc = lw_error_set(err, "%s", ge->message);
        g_error_free(ge);
        return rc;
    }
    if (lw_export_state_decode(r->state, text, err) < 0) {
        char why[sizeof(err->text)];

        g_strlcpy(why, err->text, sizeof(why));
        rc = lw_error_set(err, "%s: %s (move it away to start from an empty state)", path, why);
    }
    g_free(text);
    return rc;
}

/* write_json - one JSON output, streamed into its file */
static int write_json(const char *path, const struct lw_export_view *v,
                      void (*write)(const struct lw_export_view *, struct lw_out *), struct lw_error *err)
{
    struct lw_out *out = lw_out_file(path, err);

    if (out == NULL)
        return -1;
    write(v, out);
    return lw_out_commit(out, err);
}

/* write_outputs - every configured output, then the state; each atomically */
static int write_outputs(struct run *r, const struct lw_export_opts *o, struct lw_error *err)
{
    static const struct {
        unsigned bit;
        const char *file;
        char *(*make)(const struct lw_export_view *);
        void (*write)(const struct lw_export_view *, struct lw_out *);
    } outputs[] = {
        { LW_EXPORT_STIX, STIX_FILE, NULL, lw_export_stix_write },
        { LW_EXPORT_MISP, MISP_FILE, NULL, lw_export_misp_write },
        { LW_EXPORT_CSV, "lurewatch-iocs.csv", lw_export_csv, NULL },
        { LW_EXPORT_POSTFIX, "lurewatch-senders.access", lw_export_postfix, NULL },
        { LW_EXPORT_DOMAINS, "lurewatch-domains.txt", lw_export_domains, NULL },
        { LW_EXPORT_RPZ, "lurewatch.rpz", lw_export_rpz, NULL },
        { LW_EXPORT_HASHES, "lurewatch-hashes.txt", lw_export_hashes, NULL },
    };
    struct lw_export_view *v = lw_export_view_new(r->state, o);
    struct lw_out *out;
    int rc = 0, written = 0;
    char *path, *text;

    r->res->iocs = v->iocs->len + v->malware->len;
    r->res->msgs = v->msgs->len;
    for (guint i = 0; i < G_N_ELEMENTS(outputs) && rc == 0; i++) {
        if (!(o->formats & outputs[i].bit))
            continue;
        path = g_build_filename(r->cfg->export_dir, outputs[i].file, NULL);
        if (outputs[i].write) {
            rc = write_json(path, v, outputs[i].write, err);
        } else {
            text = outputs[i].make(v);
            rc = lw_write_atomic(path, text, strlen(text), err);
            g_free(text);
        }
        g_free(path);
        if (rc == 0 && written++ == 0)
            crash(r, "output");
    }
    if (rc == 0 && (o->formats & LW_EXPORT_MISP_FEED)) {
        path = g_build_filename(r->cfg->export_dir, "misp-feed", NULL);
        rc = lw_export_misp_feed(v, path, err);
        g_free(path);
    }
    lw_export_view_free(v);
    if (rc < 0)
        return -1;
    crash(r, "outputs");
    path = g_build_filename(r->cfg->export_dir, STATE_FILE, NULL);
    if ((out = lw_out_file(path, err)) != NULL) {
        lw_export_state_write(r->state, out);
        rc = lw_out_commit(out, err);
    } else {
        rc = -1;
    }
    g_free(path);
    return rc;
}

/*
 * pushed_text - what a push sends: the output file this run wrote, or
 * (when that format is not written) the text built from the state now
 */
static char *pushed_text(struct run *r, const struct lw_export_opts *o, unsigned bit, const char *file,
                         char *(*make)(const struct lw_export_view *))
{
    char *path, *text = NULL;
    struct lw_export_view *v;

    if (o->formats & bit) {
        path = g_build_filename(r->cfg->export_dir, file, NULL);
        g_file_get_contents(path, &text, NULL, NULL);
        g_free(path);
        if (text)
            return text;
    }
    v = lw_export_view_new(r->state, o);
    text = make(v);
    lw_export_view_free(v);
    return text;
}

/* push - the configured pushes, of the outputs just written */
static int push(struct run *r, const struct lw_export_opts *o, struct lw_error *err)
{
    const struct lw_config *cfg = r->cfg;
    int rc = 0;

    if (*cfg->export_taxii_url) {
        char *stix = pushed_text(r, o, LW_EXPORT_STIX, STIX_FILE, lw_export_stix);

        rc = lw_push_taxii(cfg, stix, err);
        r->res->pushed += rc == 0;
        g_free(stix);
    }
    if (rc == 0 && *cfg->export_misp_url) {
        struct lw_export_opts pushed = *o;
        char *uuid = lw_export_misp_uuid(o->org_name, NULL), *misp;
        struct lw_export_view *v;

        pushed.modified = r->state->misp_pushed;       /* MISP takes an edit only when it is newer */
        v = lw_export_view_new(r->state, &pushed);
        misp = lw_export_misp(v);
        lw_export_view_free(v);

        rc = lw_push_misp(cfg, misp, uuid, err);
        r->res->pushed += rc == 0;
        g_free(uuid);
        g_free(misp);
    }
    return rc;
}

/* commit - steps 4 to 7 once the entries are read */
static int commit(struct run *r, struct lw_error *err)
{
    struct lw_export_opts o;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    int rc;

    if (lw_export_opts_init(&o, r->cfg, err) < 0)
        return -1;
    lw_export_state_expire(r->state, now - r->cfg->export_retention_days * 86400);
    if (*r->cfg->export_misp_url)   /* each push newer than the last, whatever its messages' times */
        r->state->misp_pushed = MAX(now, r->state->misp_pushed + 1);
    rc = write_outputs(r, &o, err);
    if (rc == 0) {
        crash(r, "state");
        rc = push(r, &o, err);
    }
    if (rc == 0) {
        crash(r, "pushed");
        rc = ack(r, err);
    }
    if (rc == 0)
        crash(r, "acked");
    lw_export_opts_clear(&o);
    return rc;
}

/* run_setup - names, Redis, lock; 1 ready, 0 busy, -1 error */
static int run_setup(struct run *r, struct lw_error *err)
{
    const struct lw_config *cfg = r->cfg;
    struct lw_export_opts o;

    if (!lw_redis_configured(cfg) || !*cfg->hits_stream)
        return lw_error_set(err, "export needs redis_server (or redis_sentinels) and hits_stream");
    if (lw_export_opts_init(&o, cfg, err) < 0)
        return -1;
    lw_export_opts_clear(&o);
    if (g_mkdir_with_parents(cfg->export_dir, 0750) < 0)
        return lw_error_set(err, "export_dir %s: %s", cfg->export_dir, g_strerror(errno));
    /* An exporter reads large batches: a longer reply timeout than a milter's. */
    if ((r->redis = lw_redis_new(cfg, "export", 1, MAX(cfg->redis_timeout_ms, 10000), err)) == NULL)
        return -1;
    r->stream = g_strconcat(cfg->redis_prefix, cfg->hits_stream, NULL);
    r->group = g_strdup(cfg->export_group);
    r->consumer = g_strdup(*cfg->export_consumer ? cfg->export_consumer
                           : *cfg->instance_name ? cfg->instance_name : g_get_host_name());
    r->lock_key = g_strconcat(cfg->redis_prefix, "export:lock:", cfg->export_group, NULL);
    {
        char *u = g_uuid_string_random();

        r->token = g_strdup_printf("%s %ld %s", g_get_host_name(), (long) getpid(), u);
        g_free(u);
    }
    g_snprintf(r->count, sizeof(r->count), "%lld", cfg->export_batch);
    g_snprintf(r->idle, sizeof(r->idle), "%lld", cfg->export_claim_idle * 1000);
    r->ids = g_ptr_array_new_with_free_func(g_free);
    return lock(r, err);
}

int lw_export_run(const struct lw_config *cfg, const char *crash_at, struct lw_export_result *res,
                  struct lw_error *err)
{
    struct run r = { .cfg = cfg, .crash_at = crash_at, .res = res };
    char *state_path = g_build_filename(cfg->export_dir, STATE_FILE, NULL);
    int rc;

    memset(res, 0, sizeof(*res));
    rc = run_setup(&r, err);
    if (rc == 1) {
        struct lw_redis_pipe *p = lw_redis_pipe_new();

        lw_redis_pipe_add(p, "XGROUP", "CREATE", r.stream, r.group, "0", "MKSTREAM", NULL);
        rc = command(&r, p, err) && load_state(&r, state_path, err) == 0
             && read_group(&r, "0", err) == 0 && claim(&r, err) == 0 && read_group(&r, ">", err) == 0
             ? 0 : -1;
        lw_redis_pipe_free(p);
        if (rc == 0) {
            crash(&r, "read");
            rc = commit(&r, err);
        }
        unlock(&r);
    } else if (rc == 0) {
        rc = LW_EXPORT_BUSY;
    }
    lw_export_state_free(r.state);
    if (r.ids)
        g_ptr_array_unref(r.ids);
    lw_redis_free(r.redis);
    g_free(r.stream);
    g_free(r.group);
    g_free(r.consumer);
    g_free(r.lock_key);
    g_free(r.token);
    g_free(state_path);
    return rc;
}
