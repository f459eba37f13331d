/* test-ioc-store.c - the indicator store: matching rules, expiry at lookup, reload carry-over */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "tap.h"
#include "engine.h"
#include "indicators/feed.h"
#include "indicators/store.h"

static const struct lw_ioc_meta plain = { NULL, NULL, LW_IOC_CONFIDENCE_UNKNOWN, LW_TLP_NONE, 0, 1 };

struct seen {
    GString *ids;               /* "id(why) " for each hit */
};

static void collect(void *ud, const struct lw_ioc_hit *h)
{
    struct seen *s = ud;

    g_string_append_printf(s->ids, "%s(%s) ", h->id, h->why);
}

/* hits - what a lookup of value (normalized first) reports, as "id(why) ..." (g_free) */
static char *hits(const struct lw_ioc_store *st, enum lw_ioc_type type, const char *value, gint64 now)
{
    struct seen s = { g_string_new(NULL) };

    lw_ioc_store_match(st, type, value, now, collect, &s);
    if (s.ids->len)
        g_string_truncate(s.ids, s.ids->len - 1);
    return g_string_free(s.ids, FALSE);
}

static void add(struct lw_ioc_builder *b, unsigned feed, enum lw_ioc_type type, const char *value,
                const char *id, gint64 valid_until)
{
    struct lw_ioc_meta m = plain;
    char *err = NULL;

    m.id = id;
    m.valid_until = valid_until;
    if (lw_ioc_builder_add(b, feed, type, value, &m, &err) < 0) {
        printf("# add %s: %s\n", value, err);
        g_free(err);
    }
}

static void check(const struct lw_ioc_store *st, enum lw_ioc_type type, const char *value, gint64 now,
                  const char *want)
{
    char *got = hits(st, type, value, now);

    tap_check_str(got, want, "%s %s", lw_ioc_type_name(type), value);
    g_free(got);
}

static void test_matching(void)
{
    struct lw_ioc_builder *b = lw_ioc_builder_new();
    unsigned f = lw_ioc_builder_feed(b, "t");
    struct lw_ioc_store *st;
    char *err = NULL;

    add(b, f, LW_IOC_DOMAIN, "Evil.Example.", "d1", 0);
    add(b, f, LW_IOC_DOMAIN, "sub.evil.example", "d2", 0);
    add(b, f, LW_IOC_URL, "http://x.example/a/", "u1", 0);
    add(b, f, LW_IOC_URL, "https://x.example/a/b", "u2", 0);
    add(b, f, LW_IOC_IPV4, "10.0.0.0/8", "i1", 0);
    add(b, f, LW_IOC_IPV4, "10.1.0.0/16", "i2", 0);
    add(b, f, LW_IOC_IPV4, "10.1.2.3", "i3", 1000);           /* expires at t=1000 */
    add(b, f, LW_IOC_IPV6, "2001:db8::/32", "v1", 0);
    add(b, f, LW_IOC_MD5, "D41D8CD98F00B204E9800998ECF8427E", "h1", 0);
    add(b, f, LW_IOC_SUBJECT, "Ｕｒｇｅｎｔ  Payment", "s1", 0);
    add(b, f, LW_IOC_EMAIL, "Boss@EXAMPLE.org", "e1", 0);
    add(b, f, LW_IOC_EMAIL, "a@b.example", "e2", 0);
    add(b, f, LW_IOC_EMAIL, "a@b.example", "e3", 0);            /* same value, another id */
    tap_check(lw_ioc_builder_add(b, f, LW_IOC_IPV4, "10.0.0.0/33", &plain, &err) < 0 && err != NULL,
              "a bad CIDR is refused with a reason");
    g_free(err);
    st = lw_ioc_builder_finish(b);

    check(st, LW_IOC_DOMAIN, "evil.example", 0, "d1(exact)");
    check(st, LW_IOC_DOMAIN, "a.sub.EVIL.example", 0, "d2(parent domain) d1(parent domain)");
    check(st, LW_IOC_DOMAIN, "notevil.example", 0, "");
    check(st, LW_IOC_DOMAIN, "example", 0, "");
    check(st, LW_IOC_URL, "https://x.example/a/", 0, "u1(exact)");
    check(st, LW_IOC_URL, "http://x.example/a/c?d#e", 0, "u1(URL prefix)");
    check(st, LW_IOC_URL, "http://x.example/a/b/c", 0, "u2(URL prefix) u1(URL prefix)");
    check(st, LW_IOC_URL, "http://x.example/a/bc", 0, "u1(URL prefix)");
    check(st, LW_IOC_URL, "http://x.example/ab", 0, "");
    check(st, LW_IOC_URL, "http://me@x.example/a/b", 0, "u2(exact) u1(URL prefix)");
    check(st, LW_IOC_IPV4, "10.1.2.3", 999, "i3(exact)");
    check(st, LW_IOC_IPV4, "10.1.2.3", 1001, "i2(CIDR /16)");
    check(st, LW_IOC_IPV4, "10.200.0.1", 0, "i1(CIDR /8)");
    check(st, LW_IOC_IPV4, "11.0.0.1", 0, "");
    check(st, LW_IOC_IPV6, "2001:DB8:1::1", 0, "v1(CIDR /32)");
    check(st, LW_IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e", 0, "h1(exact)");
    check(st, LW_IOC_SUBJECT, "urgent payment", 0, "s1(exact)");
    check(st, LW_IOC_EMAIL, "boss@example.ORG", 0, "e1(exact)");
    check(st, LW_IOC_EMAIL, "A@B.example", 0, "e2(exact) e3(exact)");
    tap_check_int(lw_ioc_store_total(st), ==, 13, "13 indicators stored");
    tap_check_int(lw_ioc_store_count(st, LW_IOC_IPV4), ==, 3, "3 IPv4 indicators");
    tap_check(!lw_ioc_store_has_type(st, LW_IOC_SHA1), "no SHA-1 indicators");
    lw_ioc_store_free(st);
}

static void test_carry_over(void)
{
    struct lw_ioc_builder *b = lw_ioc_builder_new();
    unsigned f = lw_ioc_builder_feed(b, "cert"), g = lw_ioc_builder_feed(b, "other");
    struct lw_ioc_store *old, *new;

    add(b, f, LW_IOC_DOMAIN, "kept.example", "k1", 0);
    add(b, f, LW_IOC_IPV4, "192.0.2.0/24", "k2", 0);
    add(b, g, LW_IOC_DOMAIN, "other.example", "o1", 0);
    old = lw_ioc_builder_finish(b);

    /* reload: "cert" is malformed now, so its previous version is carried over */
    b = lw_ioc_builder_new();
    tap_check_int(lw_ioc_builder_copy_feed(b, old, "cert"), ==, 2, "two indicators carried over");
    new = lw_ioc_builder_finish(b);
    check(new, LW_IOC_DOMAIN, "www.kept.example", 0, "k1(parent domain)");
    check(new, LW_IOC_IPV4, "192.0.2.9", 0, "k2(CIDR /24)");
    check(new, LW_IOC_DOMAIN, "other.example", 0, "");
    lw_ioc_store_free(old);
    lw_ioc_store_free(new);
}

static void test_normalize(void)
{
    char *err = NULL, *k;

    k = lw_ioc_normalize(LW_IOC_URL, "HXXPS://Evil[.]Example/A?b=1", &err);
    tap_check_str(k, "//evil.example/A?b=1", "URL key: refanged, no scheme, path case kept");
    g_free(k);
    k = lw_ioc_normalize(LW_IOC_IPV4, "10.1.2.3/8", &err);
    tap_check_str(k, "10.0.0.0/8", "CIDR host bits cleared");
    g_free(k);
    k = lw_ioc_normalize(LW_IOC_DOMAIN, "例子.台灣", &err);
    tap_check_str(k, "xn--fsqu00a.xn--kpry57d", "IDN domain to punycode");
    g_free(k);
    tap_check(lw_ioc_normalize(LW_IOC_SHA256, "abc", &err) == NULL && err && strstr(err, "64 hex"),
              "a short hash is refused: %s", err ? err : "");
    g_free(err);
    tap_check(lw_ioc_normalize(LW_IOC_DOMAIN, "10.0.0.1", &err) == NULL, "an IP is no domain");
    g_free(err);
}

/* test_reload - a feed broken between two loads keeps its previous version */
static void test_reload(void)
{
    char tmpl[] = "/tmp/test-ioc-reload.XXXXXX", *dir = g_mkdtemp(tmpl), *paths[2] = { dir, NULL };
    char *good = g_build_filename(dir, "cert.domain.txt", NULL), *other = g_build_filename(dir, "b.domain.txt", NULL);
    char *json = g_build_filename(dir, "cert.json", NULL);
    const char mail[] = "From: a@x.example\nTo: b@example.org\nSubject: hi\n\nsee https://login.kept.example/\n";
    GPtrArray *reports = g_ptr_array_new_with_free_func((GDestroyNotify) lw_feed_report_free);
    struct lw_ioc_store *v1, *v2;
    struct lw_config *cfg;
    struct lw_engine *e1, *e2;
    struct lw_message *msg;
    struct lw_verdict *v;
    struct lw_error err;
    const struct lw_feed_report *r;

    g_file_set_contents(good, "kept.example\n", -1, NULL);
    g_file_set_contents(other, "b.example\n", -1, NULL);
    v1 = lw_feeds_load(paths, NULL, reports, 0, NULL);
    g_file_set_contents(good, "\001binary now\n\000", 13, NULL);
    g_file_set_contents(other, "c.example\n", -1, NULL);
    g_ptr_array_set_size(reports, 0);
    v2 = lw_feeds_load(paths, v1, reports, 0, NULL);
    r = g_ptr_array_index(reports, 1);
    tap_check(r->error != NULL && r->kept == 1, "the broken feed is reported, its indicator kept");
    check(v2, LW_IOC_DOMAIN, "www.kept.example", 0, "cert:1(parent domain)");
    check(v2, LW_IOC_DOMAIN, "b.example", 0, "");
    check(v2, LW_IOC_DOMAIN, "c.example", 0, "b:1(exact)");
    lw_ioc_store_free(v1);
    lw_ioc_store_free(v2);

    /* the same through engines: lw_engine_reload hands the old state over */
    g_file_set_contents(good, "kept.example\n", -1, NULL);
    cfg = lw_config_new();
    lw_config_set(cfg, "rules_file", LW_TEST_RULES, &err);
    lw_config_set(cfg, "feeds_dir", dir, &err);
    e1 = lw_engine_new(cfg, &err);
    g_unlink(good);
    g_file_set_contents(json, "{ not json", -1, NULL);     /* feed "cert" again, now malformed */
    cfg = lw_config_new();
    lw_config_set(cfg, "rules_file", LW_TEST_RULES, &err);
    lw_config_set(cfg, "feeds_dir", dir, &err);
    e2 = e1 ? lw_engine_reload(cfg, e1, &err) : NULL;
    tap_check(e1 && e2, "engines built");
    if (e2) {
        msg = lw_engine_parse(e2, mail, sizeof(mail) - 1, NULL);
        v = lw_engine_scan(e2, msg);
        tap_check(lw_verdict_has_rule(v, "IOC_DOMAIN"), "after a bad reload the old indicator still matches");
        lw_verdict_free(v);
        lw_message_free(msg);
    }
    lw_engine_unref(e1);
    lw_engine_unref(e2);
    g_ptr_array_unref(reports);
    g_unlink(json);
    g_unlink(other);
    g_rmdir(dir);
    g_free(good);
    g_free(other);
    g_free(json);
}

/* test_warninglisted - the engine leaves warninglisted feed entries out and says so in its problems */
static void test_warninglisted(void)
{
    char tmpl[] = "/tmp/test-ioc-wl.XXXXXX", *dir = g_mkdtemp(tmpl);
    char *feed = g_build_filename(dir, "partner.domain.txt", NULL);
    const char mail[] = "From: a@x.example\nTo: b@example.org\nSubject: hi\n\n"
                        "see https://mail.gmail.com/x and https://login.evil-feed.example/\n";
    struct lw_config *cfg = lw_config_new();
    struct lw_engine *e;
    struct lw_message *msg;
    struct lw_verdict *v;
    struct lw_error err;
    int said = 0, gmail_hit = 0;

    g_file_set_contents(feed, "gmail.com\nevil-feed.example\n", -1, NULL);
    lw_config_set(cfg, "rules_file", LW_TEST_RULES, &err);
    lw_config_set(cfg, "feeds_dir", dir, &err);
    lw_config_set(cfg, "warninglists_dir", LW_TEST_WARNINGLISTS, &err);
    e = lw_engine_new(cfg, &err);
    if (!tap_check(e != NULL, "engine with warninglists built")) {
        printf("#   %s\n", err.text);
        return;
    }
    for (guint i = 0; i < lw_engine_problems(e)->len; i++)
        said |= strstr(g_ptr_array_index(lw_engine_problems(e), i), "partner: 1 entries on warninglists") != NULL;
    tap_check(said, "the engine's problems name the feed and its warninglisted entry");
    msg = lw_engine_parse(e, mail, sizeof(mail) - 1, NULL);
    v = lw_engine_scan(e, msg);
    for (guint i = 0; i < v->hits->len; i++) {
        const struct lw_hit *h = g_ptr_array_index(v->hits, i);

        gmail_hit |= h->description && strstr(h->description, "gmail.com") != NULL;
    }
    tap_check(lw_verdict_has_rule(v, "IOC_DOMAIN"), "the feed's other entry still matches");
    tap_check(!gmail_hit, "the warninglisted entry matches nothing");
    lw_verdict_free(v);
    lw_message_free(msg);
    lw_engine_unref(e);
    g_unlink(feed);
    g_rmdir(dir);
    g_free(feed);
}

int main(void)
{
    lw_gmime_init();
    test_reload();
    test_matching();
    test_carry_over();
    test_normalize();
    test_warninglisted();
    return tap_done();
}
