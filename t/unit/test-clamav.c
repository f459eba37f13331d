/*
 * test-clamav.c - unit tests: signature reload through whole-engine swaps
 *
 * A lurewatch engine's ClamAV engine never changes; a reload is a new
 * lw_engine. This checks what the milter relies on: lw_engine_stale()
 * notices a changed signature directory, a new engine sees the new
 * signature while the old one keeps scanning with the old set, a corrupt
 * signature file refuses the new engine with the file named, and scans on
 * several threads survive the swap and the last unref of the old engine.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>

#include "cache/cache.h"
#include "engine.h"
#include "tap.h"

#define MARKER_SIG "Lurewatch.Test.Reload:0:*:6c75726577617463682d72656c6f61642d6d61726b6572\n"
#define MESSAGE "From: a@example.org\r\nTo: b@example.org\r\nSubject: t\r\nMIME-Version: 1.0\r\n" \
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n" \
    "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=a.dat\r\n\r\n" \
    "xx lurewatch-reload-marker xx\r\n--b--\r\n"

static struct lw_engine *engine_for(const char *dir, struct lw_error *err)
{
    struct lw_config *cfg = lw_config_new();
    const char *top = g_getenv("top_srcdir") ? g_getenv("top_srcdir") : ".";
    gchar *rules = g_build_filename(top, "contrib", "rules", "lurewatch.rules", NULL);
    struct lw_error why;

    if (lw_config_set(cfg, "clamav_db", dir, &why) < 0 || lw_config_set(cfg, "rules_file", rules, &why) < 0) {
        g_free(rules);
        lw_config_free(cfg);
        lw_error_set(err, "%s", why.text);
        return NULL;
    }
    g_free(rules);
    return lw_engine_new(cfg, err);
}

/* detects - does engine e flag the marker attachment with a ClamAV signature? */
static int detects(const struct lw_engine *e)
{
    struct lw_message *msg = lw_engine_parse(e, MESSAGE, strlen(MESSAGE), NULL);
    struct lw_verdict *v = lw_engine_scan(e, msg);
    int hit = lw_verdict_has_rule(v, "LW_ATT_CLAMAV_SIGNATURE") && !v->failed;

    lw_verdict_free(v);
    lw_message_free(msg);
    return hit;
}

/* mail_with - a message with subject (also in its text) and one attachment holding content */
static char *mail_with(const char *subject, const char *content)
{
    return g_strdup_printf("From: a@example.org\r\nTo: b@example.org\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"
                           "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
                           "hi, %s\r\n--b\r\nContent-Type: application/octet-stream\r\n"
                           "Content-Disposition: attachment; filename=a.dat\r\n\r\n%s\r\n--b--\r\n",
                           subject, subject, content);
}

/* rules_of - scan raw with e: "RULE,RULE," of the clamav hits (g_free) */
static char *rules_of(const struct lw_engine *e, const char *raw)
{
    struct lw_message *msg = lw_engine_parse(e, raw, strlen(raw), NULL);
    struct lw_verdict *v = lw_engine_scan(e, msg);
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < v->hits->len; i++) {
        const struct lw_hit *hit = g_ptr_array_index(v->hits, i);

        if (strcmp(hit->analyzer, "clamav") == 0)
            g_string_append_printf(out, "%s,", hit->rule);
    }
    lw_verdict_free(v);
    lw_message_free(msg);
    return g_string_free(out, FALSE);
}

/* test_attachment_cache - a clean attachment is scanned once; a detected one every time */
static void test_attachment_cache(struct lw_engine *e)
{
    struct lw_cache_stats before, after;
    char *m1 = mail_with("one", "plain clean content"), *m2 = mail_with("two", "plain clean content");
    char *d1 = mail_with("three", "xx lurewatch-reload-marker xx"), *d2 = mail_with("four", "xx lurewatch-reload-marker xx");
    char *r1, *r2;

    lw_cache_get_stats(lw_engine_cache(e), &before);
    g_free(rules_of(e, m1));
    lw_cache_get_stats(lw_engine_cache(e), &after);
    tap_check_int(after.attachment_hits - before.attachment_hits, ==, 0, "a first clean attachment is not in the cache");
    g_free(rules_of(e, m2));
    lw_cache_get_stats(lw_engine_cache(e), &before);
    tap_check_int(before.attachment_hits - after.attachment_hits, ==, 1, "the same bytes in another message come from the cache");
    r1 = rules_of(e, d1);
    r2 = rules_of(e, d2);
    tap_check(strstr(r1, "LW_ATT_CLAMAV_SIGNATURE") && strcmp(r1, r2) == 0,
              "a detected attachment is scanned again and hits the same way (%s / %s)", r1, r2);
    g_free(r1);
    g_free(r2);
    g_free(m1);
    g_free(m2);
    g_free(d1);
    g_free(d2);
}

struct slot {
    GMutex lock;
    struct lw_engine *current;
    gint scans, wrong;
};

static struct lw_engine *slot_get(struct slot *s)
{
    struct lw_engine *e;

    g_mutex_lock(&s->lock);
    e = lw_engine_ref(s->current);
    g_mutex_unlock(&s->lock);
    return e;
}

static gpointer scanner(gpointer data)
{
    struct slot *s = data;

    for (int i = 0; i < 40; i++) {
        struct lw_engine *e = slot_get(s);

        if (!detects(e))
            g_atomic_int_inc(&s->wrong);
        g_atomic_int_inc(&s->scans);
        lw_engine_unref(e);
    }
    return NULL;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    gchar *path = g_build_filename(dir, name, NULL);

    g_file_set_contents(path, text, -1, NULL);
    g_chmod(path, 0644);
    g_free(path);
}

int main(void)
{
    gchar *dir = g_dir_make_tmp("lw-clamav-XXXXXX", NULL);
    struct lw_engine *old, *fresh, *bad;
    struct lw_error err = { "" };
    struct slot s = { 0 };
    GThread *threads[3];

    lw_gmime_init();
    write_file(dir, "base.ndb", "Lurewatch.Test.Unused:0:*:6c75726577617463682d756e75736564\n");
    old = engine_for(dir, &err);
    tap_check(old != NULL, "engine from a directory with one signature (%s)", err.text);
    if (old == NULL)
        return tap_done();
    tap_check(!detects(old), "the marker is not detected before the reload");
    tap_check(!lw_engine_stale(old), "a fresh engine is not stale");

    /* a new file is noticed at once; cl_statchkdir compares a changed file's mtime in seconds */
    write_file(dir, "reload.ndb", MARKER_SIG);
    tap_check(lw_engine_stale(old), "a new signature file makes the engine stale");
    fresh = engine_for(dir, &err);
    tap_check(fresh != NULL && detects(fresh), "the new engine detects with the new signature");
    tap_check(!detects(old), "the old engine still scans with the old set");
    tap_check(fresh && !lw_engine_stale(fresh), "the new engine is not stale");
    if (fresh && lw_engine_cache(fresh))
        test_attachment_cache(fresh);
    else
        tap_skip("no cache configured");

    write_file(dir, "zz-broken.ndb", "not a signature\n");
    bad = engine_for(dir, &err);
    tap_check(bad == NULL, "a corrupt signature file refuses the new engine");
    tap_check(strstr(err.text, "zz-broken.ndb") != NULL, "the reason names the file: %s", err.text);
    tap_check(fresh && detects(fresh), "the engine in use keeps working after a failed reload");

    /* scans in flight on three threads while the engine is swapped under them */
    g_mutex_init(&s.lock);
    s.current = fresh;
    for (int i = 0; i < 3; i++)
        threads[i] = g_thread_new("scan", scanner, &s);
    {
        gchar *path = g_build_filename(dir, "zz-broken.ndb", NULL);
        struct lw_engine *next, *prev;

        g_unlink(path);
        g_free(path);
        next = engine_for(dir, &err);
        tap_check(next != NULL, "rebuilt engine after removing the broken file (%s)", err.text);
        g_mutex_lock(&s.lock);
        prev = s.current;
        s.current = next ? next : prev;
        g_mutex_unlock(&s.lock);
        if (next)
            lw_engine_unref(prev);     /* freed by whichever scanner drops it last */
    }
    for (int i = 0; i < 3; i++)
        g_thread_join(threads[i]);
    tap_check_int(s.scans, ==, 120, "every scan finished across the swap");
    tap_check_int(s.wrong, ==, 0, "every scan detected the marker, old or new engine");

    lw_engine_unref(s.current);
    lw_engine_unref(old);
    {
        GDir *d = g_dir_open(dir, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d)) != NULL) {
            gchar *p = g_build_filename(dir, name, NULL);

            g_unlink(p);
            g_free(p);
        }
        if (d)
            g_dir_close(d);
        g_rmdir(dir);
    }
    g_free(dir);
    return tap_done();
}
