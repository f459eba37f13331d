/*
 * ioc.c - analyzer: the message against the indicator feeds (feeds_dir)
 *
 * init loads every feed of feeds_dir into one immutable store (ioc/); an
 * empty feeds_dir, or a directory that does not exist, means no IOC
 * matching. A malformed feed does not stop the others, and at a reload
 * (lw_engine_reload) it keeps the version the old engine had (see analyzers/indicators/feed.c;
 * `lurewatch-ioc load --check` shows what a feeds directory holds).
 *
 * scan looks up, each with its type's matching rule (analyzers/indicators/store.c):
 *   every URL found (msg->urls): the URL, its host as a domain or IP, and
 *     the address of mailto: links; redirector targets are URLs of their own
 *   From, Sender, Reply-To, Return-Path and the envelope sender: the
 *     address (email-addr), its domain (sender-domain and domain)
 *   the connecting client's IP (envelope)
 *   every part: SHA-256, and SHA-1/MD5 when a feed has such hashes; the
 *     file name
 *   Subject, X-Mailer/User-Agent, the domain of Message-ID
 *
 * stale (asked periodically by the milter) notices a feed added, removed
 * or rewritten in feeds_dir, so new indicators apply without a signal.
 *
 * Each indicator matched gives one hit (IOC_<TYPE>), whose score is the
 * type's weight times the indicator's confidence, whose description names
 * the indicator id, its feed and why it matched, and which is marked as a
 * sighting of that indicator (lw_hit_set_sighting) so exports can report it.
 * The message value that matched is added as an indicator.
 *
 * Warninglists (warninglists_dir, analyzers/indicators/warninglist.c) are
 * loaded once per engine; a malformed list refuses the engine with file and
 * reason. A feed entry a list names is not loaded and is reported (the
 * engine's problems): nobody should block on a free-mail domain or a bank's
 * real site, whoever published it. finish marks every indicator of the
 * verdict that a list names, for the hits stream and the exports.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "analyzer.h"
#include "cache/key.h"
#include "indicators/feed.h"
#include "model/url.h"
#include "util/digest.h"
#include "util/sort.h"

#define MAX_IOC_HITS 50

struct ioc_state {
    struct lw_warninglists *wl; /* borrowed from the engine (struct lw_shared); may be NULL: no lists */
    struct lw_ioc_store *store; /* NULL without feeds_dir */
    GPtrArray *reports;         /* struct lw_feed_report */
    char *dir;                  /* feeds_dir as loaded */
    char *fingerprint;          /* names, sizes and times of its files when loaded */
};

/*
 * dir_fingerprint - a digest of the names, sizes and modification times of
 * the files in dir: it changes when a feed is added, removed or rewritten
 * (feed updates are written by cron jobs, usually by rename).
 */
static char *dir_fingerprint(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    const char *name;
    char *out;

    while (d && (name = g_dir_read_name(d)) != NULL) {
        char *path = g_build_filename(dir, name, NULL);
        GStatBuf st;

        if (g_stat(path, &st) == 0)
            g_ptr_array_add(lines, g_strdup_printf("%s\t%lld\t%lld.%09ld\n", name, (long long) st.st_size,
                                                   (long long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec));
        g_free(path);
    }
    if (d)
        g_dir_close(d);
    g_ptr_array_sort(lines, lw_cmp_strptr);
    for (guint i = 0; i < lines->len; i++)
        g_checksum_update(sum, g_ptr_array_index(lines, i), -1);
    out = g_strdup(g_checksum_get_string(sum));
    g_checksum_free(sum);
    g_ptr_array_unref(lines);
    return out;
}

/* Rule id and weight per indicator type. */
static const struct { const char *rule; double score; } weights[LW_IOC_NTYPES] = {
    [LW_IOC_DOMAIN] = { "IOC_DOMAIN", 8 },
    [LW_IOC_URL] = { "IOC_URL", 10 },
    [LW_IOC_IPV4] = { "IOC_IP", 6 },
    [LW_IOC_IPV6] = { "IOC_IP", 6 },
    [LW_IOC_EMAIL] = { "IOC_EMAIL", 8 },
    [LW_IOC_SENDER_DOMAIN] = { "IOC_SENDER_DOMAIN", 6 },
    [LW_IOC_SHA256] = { "IOC_HASH", 15 },
    [LW_IOC_SHA1] = { "IOC_HASH", 15 },
    [LW_IOC_MD5] = { "IOC_HASH", 15 },
    [LW_IOC_FILENAME] = { "IOC_FILENAME", 3 },
    [LW_IOC_SUBJECT] = { "IOC_SUBJECT", 3 },
    [LW_IOC_X_MAILER] = { "IOC_X_MAILER", 2 },
    [LW_IOC_MSGID_DOMAIN] = { "IOC_MSGID_DOMAIN", 4 },
    [LW_IOC_MALWARE] = { "IOC_MALWARE", 10 },
};

/* kept_sha256 - a feed kept at its previous version carries that version's digest */
static void kept_sha256(GPtrArray *reports, const struct ioc_state *old)
{
    for (guint i = 0; old && i < reports->len; i++) {
        struct lw_feed_report *r = g_ptr_array_index(reports, i);

        for (guint k = 0; r->kept > 0 && r->sha256 == NULL && k < old->reports->len; k++) {
            const struct lw_feed_report *o = g_ptr_array_index(old->reports, k);

            if (strcmp(o->name, r->name) == 0)
                r->sha256 = g_strdup(o->sha256);
        }
    }
}

/* ioc_init - load feeds_dir; a feed that is malformed now keeps its version from previous */
static int ioc_init(const struct lw_config *cfg, const struct lw_shared *shared, const void *previous,
                    void **state, struct lw_error *err)
{
    const struct ioc_state *old = previous;
    struct ioc_state *st;
    char *paths[2] = { cfg->feeds_dir, NULL };

    st = g_new0(struct ioc_state, 1);
    st->wl = shared->wl;
    st->reports = g_ptr_array_new_with_free_func((GDestroyNotify) lw_feed_report_free);
    *state = st;
    if (cfg->feeds_dir == NULL || *cfg->feeds_dir == '\0' || !g_file_test(cfg->feeds_dir, G_FILE_TEST_IS_DIR))
        return 0;
    st->dir = g_strdup(cfg->feeds_dir);
    st->fingerprint = dir_fingerprint(st->dir);
    st->store = lw_feeds_load(paths, old ? old->store : NULL, st->reports,
                              g_get_real_time() / G_USEC_PER_SEC, st->wl);
    kept_sha256(st->reports, old);
    return 0;
}

static void ioc_fini(void *state)
{
    struct ioc_state *st = state;

    lw_ioc_store_free(st->store);
    g_ptr_array_unref(st->reports);
    g_free(st->dir);
    g_free(st->fingerprint);
    g_free(st);
}

/*
 * left_out_problem - one line for the entries of a loaded feed that were
 * left out: values refused as invalid (a typo in a feed line) and entries
 * a warninglist names, with the first one's FILE:LINE and reason
 */
static char *left_out_problem(const struct lw_feed_report *r)
{
    GString *line = g_string_new(NULL);
    size_t listed = r->problems->len + r->more_problems;

    g_string_printf(line, "feed %s:", r->name);
    if (r->rejected > 0)
        g_string_append_printf(line, " %zu values refused as invalid%s", r->rejected,
                               r->warninglisted > 0 ? "," : "");
    if (r->warninglisted > 0)
        g_string_append_printf(line, " %zu entries on warninglists not loaded, they must never block",
                               r->warninglisted);
    if (r->problems->len > 0)
        g_string_append_printf(line, " (%s%s)", (char *) r->problems->pdata[0],
                               listed > 1 ? "; lurewatch-ioc load lists them all" : "");
    return g_string_free(line, FALSE);
}

/*
 * ioc_loaded - the feeds as loaded (name and text of each, a kept
 * version's for a malformed feed) for the cache tag (the warninglists it
 * filters them with are the engine's, tagged there); each
 * malformed feed, skipped or kept at its previous version, and each feed
 * with entries left out (invalid values, warninglisted ones), as a problem
 */
static void ioc_loaded(const void *state, struct lw_loaded *out)
{
    const struct ioc_state *st = state;

    for (guint i = 0; i < st->reports->len; i++) {
        const struct lw_feed_report *r = g_ptr_array_index(st->reports, i);

        g_checksum_update(out->tag, (const guchar *) r->name, (gssize) strlen(r->name) + 1);
        g_checksum_update(out->tag, (const guchar *) (r->sha256 ? r->sha256 : "-"), -1);
        if (r->error != NULL)
            g_ptr_array_add(out->problems, r->kept > 0
                            ? g_strdup_printf("feed %s not loaded (%s); its previous version stays"
                                              " in use (%zu indicators)", r->name, r->error, r->kept)
                            : g_strdup_printf("feed %s not loaded (%s); it matches nothing",
                                              r->name, r->error));
        else if (r->rejected > 0 || r->warninglisted > 0)
            g_ptr_array_add(out->problems, left_out_problem(r));
    }
}

/* ioc_stale - did a feed change since this state was loaded? */
static int ioc_stale(void *state)
{
    const struct ioc_state *st = state;
    char *now;
    int changed;

    if (st->dir == NULL)
        return 0;
    now = dir_fingerprint(st->dir);
    changed = strcmp(now, st->fingerprint) != 0;

    g_free(now);
    return changed;
}

/* One scan. */

struct scan {
    const struct ioc_state *st;
    struct lw_verdict *v;
    GHashTable *seen;           /* "feed\x01id" of indicators already hit */
    gint64 now;
    enum lw_ioc_type what_type; /* the message value being looked up */
    const char *what;
    const char *where;
};

/* on_match - one hit per indicator */
static void on_match(void *ud, const struct lw_ioc_hit *h)
{
    struct scan *s = ud;
    char *key = g_strdup_printf("%s\x01%s", h->feed, h->id), *desc, *evidence;
    double score = weights[h->type].score;
    struct lw_hit *hit;

    if (g_hash_table_size(s->seen) >= MAX_IOC_HITS || !g_hash_table_add(s->seen, key))
        return;
    if (h->confidence != LW_IOC_CONFIDENCE_UNKNOWN)
        score = score * h->confidence / 100.0;
    desc = g_strdup_printf("%s matches %s indicator %s of feed %s (%s%s%s)%s%s",
                           s->where, lw_ioc_type_name(h->type), h->value, h->feed, h->why,
                           *lw_tlp_name(h->tlp) ? ", TLP:" : "", lw_tlp_name(h->tlp),
                           h->description ? ": " : "", h->description ? h->description : "");
    evidence = g_strdup_printf("%s: %s [indicator %s]", s->where, s->what, h->id);
    hit = lw_verdict_add_hit(s->v, "ioc", weights[h->type].rule, score, desc, evidence);
    lw_hit_set_sighting(hit, h->id, h->feed);
    lw_hit_add_indicator(s->v, hit, lw_ioc_role_of_type(s->what_type), s->what_type, s->what);
    g_free(desc);
    g_free(evidence);
}

/* look - look key (normalized) up as type; `what` is the message value reported */
static void look(struct scan *s, enum lw_ioc_type type, const char *key, enum lw_ioc_type what_type,
                 const char *what, const char *where)
{
    if (key == NULL || *key == '\0' || !lw_ioc_store_has_type(s->st->store, type))
        return;
    s->what_type = what_type;
    s->what = what;
    s->where = where;
    lw_ioc_store_lookup(s->st->store, type, key, s->now, on_match, s);
}

/* look_value - normalize value for type, then look it up */
static void look_value(struct scan *s, enum lw_ioc_type type, const char *value, const char *where)
{
    char *key;

    if (value == NULL || *value == '\0' || !lw_ioc_store_has_type(s->st->store, type))
        return;
    if ((key = lw_ioc_normalize(type, value, NULL)) != NULL)
        look(s, type, key, type, value, where);
    g_free(key);
}

static void scan_urls(struct scan *s, const struct lw_message *msg)
{
    for (guint i = 0; i < msg->urls->len; i++) {
        const struct lw_url *u = g_ptr_array_index(msg->urls, i);
        char *where, *key;

        if ((u->flags & LW_URL_UNPARSED) || u->host == NULL)
            continue;
        where = g_strdup_printf("URL in %s", u->source ? u->source : "message");
        if (u->scheme && strcmp(u->scheme, "mailto") == 0) {
            char *addr = g_strndup(u->url + 7, strcspn(u->url + 7, "?"));

            look_value(s, LW_IOC_EMAIL, addr, where);
            g_free(addr);
        } else if ((key = lw_ioc_url_key(u)) != NULL) {
            look(s, LW_IOC_URL, key, LW_IOC_URL, u->url, where);
            g_free(key);
        }
        if (u->flags & LW_URL_IP_HOST)
            look(s, strchr(u->host, ':') ? LW_IOC_IPV6 : LW_IOC_IPV4, u->host,
                 strchr(u->host, ':') ? LW_IOC_IPV6 : LW_IOC_IPV4, u->host, where);
        else
            look(s, LW_IOC_DOMAIN, u->host, LW_IOC_DOMAIN, u->host, where);
        g_free(where);
    }
}

/* scan_address - an address: itself, and its domain as sender and as domain */
static void scan_address(struct scan *s, const char *addr, const char *where)
{
    const char *at;
    char *dom;

    if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
        return;
    look_value(s, LW_IOC_EMAIL, addr, where);
    if ((dom = lw_host_normalize(at + 1, NULL)) == NULL)
        return;
    look(s, LW_IOC_SENDER_DOMAIN, dom, LW_IOC_SENDER_DOMAIN, dom, where);
    look(s, LW_IOC_DOMAIN, dom, LW_IOC_SENDER_DOMAIN, dom, where);
    g_free(dom);
}

static void scan_parts(struct scan *s, const struct lw_message *msg)
{
    int want_sha1 = lw_ioc_store_has_type(s->st->store, LW_IOC_SHA1);
    int want_md5 = lw_ioc_store_has_type(s->st->store, LW_IOC_MD5);

    for (guint i = 0; i < msg->parts->len; i++) {
        const struct lw_part *p = g_ptr_array_index(msg->parts, i);
        char *where = g_strdup_printf("part %s%s%s", p->path, p->filename ? " " : "",
                                      p->filename ? p->filename : "");
        gsize len;
        const guchar *data = p->data ? g_bytes_get_data(p->data, &len) : NULL;
        char h[LW_DIGEST_HEX_SIZE];

        look(s, LW_IOC_SHA256, p->sha256, LW_IOC_SHA256, p->sha256, where);
        if (data && want_sha1)
            look(s, LW_IOC_SHA1, lw_digest_hex(LW_DIGEST_SHA1, data, len, h), LW_IOC_SHA1, h, where);
        if (data && want_md5)
            look(s, LW_IOC_MD5, lw_digest_hex(LW_DIGEST_MD5, data, len, h), LW_IOC_MD5, h, where);
        look_value(s, LW_IOC_FILENAME, p->filename, where);
        g_free(where);
    }
}

static int ioc_scan(const void *state, const struct lw_message *msg, struct lw_cache_session *cache,
                    struct lw_verdict *v, struct lw_error *err)
{
    const struct ioc_state *st = state;
    struct scan s = { st, v, NULL, g_get_real_time() / G_USEC_PER_SEC, LW_IOC_URL, NULL, NULL };
    const char *at;

    if (st == NULL || st->store == NULL || lw_ioc_store_total(st->store) == 0)
        return 0;
    s.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    scan_urls(&s, msg);
    scan_address(&s, msg->from ? msg->from->addr : NULL, "From");
    scan_address(&s, msg->sender ? msg->sender->addr : NULL, "Sender");
    scan_address(&s, msg->reply_to ? msg->reply_to->addr : NULL, "Reply-To");
    scan_address(&s, msg->return_path ? msg->return_path->addr : NULL, "Return-Path");
    if (msg->env) {
        scan_address(&s, msg->env->mail_from, "envelope sender");
        if (msg->env->client_addr) {
            look_value(&s, LW_IOC_IPV4, msg->env->client_addr, "client address");
            look_value(&s, LW_IOC_IPV6, msg->env->client_addr, "client address");
        }
    }
    scan_parts(&s, msg);
    look_value(&s, LW_IOC_SUBJECT, msg->subject, "Subject");
    look_value(&s, LW_IOC_X_MAILER, msg->x_mailer, "X-Mailer");
    if (msg->message_id && (at = strrchr(msg->message_id, '@')) != NULL)
        look_value(&s, LW_IOC_MSGID_DOMAIN, at + 1, "Message-ID");
    g_hash_table_unref(s.seen);
    return 0;
}

/*
 * ioc_finish - mark the message's indicators that a warninglist names, so
 * that the verdict, the hits stream and every exporter know they must
 * never block (a few hash lookups per indicator)
 */
static void ioc_finish(const void *state, const struct lw_message *msg, struct lw_verdict *v)
{
    const struct ioc_state *st = state;

    (void) msg;
    if (st == NULL || st->wl == NULL)
        return;
    for (guint i = 0; i < v->indicators->len; i++) {
        struct lw_indicator *ind = g_ptr_array_index(v->indicators, i);
        const char *list = lw_warninglists_match(st->wl, ind->type, ind->value);

        if (list)
            lw_indicator_set_warninglist(ind, list);
    }
}

/*
 * ioc_key - of what the cache key leaves out, the Return-Path address, the
 * Message-ID domain and the envelope (sender, client address) are looked
 * up; nothing is, without indicators
 */
static int ioc_key(const void *state, const struct lw_message *msg, GString *out)
{
    const struct ioc_state *st = state;
    const char *at = msg->message_id ? strrchr(msg->message_id, '@') : NULL;

    if (st == NULL || st->store == NULL || lw_ioc_store_total(st->store) == 0)
        return 0;
    lw_key_add(out, "ioc.return-path", msg->return_path ? msg->return_path->addr : NULL);
    lw_key_add(out, "ioc.message-id", at ? at + 1 : NULL);
    lw_key_add(out, "ioc.mail-from", msg->env ? msg->env->mail_from : NULL);
    lw_key_add(out, "ioc.client", msg->env ? msg->env->client_addr : NULL);
    return 0;
}

const struct lw_analyzer lw_analyzer_ioc = {
    .name = "ioc",
    .key = ioc_key,
    .finish = ioc_finish,
    .init = ioc_init,
    .scan = ioc_scan,
    .fini = ioc_fini,
    .stale = ioc_stale,
    .loaded = ioc_loaded,
};
