/* test-export.c - IOC export: UUIDv5 ids, allowlist, idempotent state, releases, roles, revocations */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "util/conf.h"
#include "ioc/export.h"

/* entry - a hits-stream entry as (name, value, ...) pairs; g_ptr_array_unref */
static GPtrArray *entry(const char *first, ...)
{
    GPtrArray *f = g_ptr_array_new();
    va_list ap;

    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *))
        g_ptr_array_add(f, (char *) s);
    va_end(ap);
    return f;
}

static void test_uuid5(void)
{
    char *u = lw_uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org");

    tap_check_str(u, "886313e1-3b8a-5372-9b90-0c9aee199e5d", "UUIDv5 (RFC 4122 DNS namespace vector)");
    g_free(u);
    u = lw_uuid5("00abedb4-aa42-466c-9c01-fed23315a9b7", "{\"value\":\"example.com\"}");
    tap_check_str(u, "bedb4899-d24b-5401-bc86-8f6b4cc18ec7", "STIX SCO id of domain-name example.com");
    g_free(u);
}

static void test_allowlist(void)
{
    struct lw_config *cfg = lw_config_new();
    struct lw_export_opts o;
    struct lw_error err;
    struct lw_indicator d1 = { .type = LW_IOC_DOMAIN, .value = "mail.Gov.TW" };
    struct lw_indicator d2 = { .type = LW_IOC_DOMAIN, .value = "notgov.tw" };
    struct lw_indicator u1 = { .type = LW_IOC_URL, .value = "https://user@www.gov.tw:8443/x" };
    struct lw_indicator e1 = { .type = LW_IOC_EMAIL, .value = "a@gov.tw" };
    struct lw_indicator h1 = { .type = LW_IOC_SHA256, .value = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" };
    struct lw_indicator bare = { .type = LW_IOC_EMAIL, .value = "gov.tw" };
    struct lw_indicator ps = { .type = LW_IOC_DOMAIN, .value = "com.tw" };
    struct lw_indicator one = { .type = LW_IOC_SENDER_DOMAIN, .value = "pot" };
    struct lw_indicator ok = { .type = LW_IOC_EMAIL, .value = "x@bad.example" };
    struct lw_indicator nolocal = { .type = LW_IOC_EMAIL, .value = "@bad.example" };
    struct lw_indicator ipurl = { .type = LW_IOC_URL, .value = "http://[2001:db8::1]/x" };
    struct lw_indicator nohost = { .type = LW_IOC_URL, .value = "https:///x" };
    struct lw_indicator h2 = { .type = LW_IOC_SHA256, .value = "gov.tw" };
    char label63[64], label64[65], *long_name;

    lw_config_set(cfg, "export_allowlist", "*.gov.tw, .example.org", &err);
    tap_check(lw_export_opts_init(&o, cfg, &err) == 0, "options");
    tap_check(!lw_export_valid(&o, &d1), "subdomain of an allowlisted domain is kept out");
    tap_check(lw_export_valid(&o, &d2), "a domain merely ending in the same letters is exported");
    tap_check(!lw_export_valid(&o, &u1), "URL host with user info and port is checked");
    tap_check(!lw_export_valid(&o, &e1), "sender address domain is checked");
    tap_check(lw_export_valid(&o, &h1), "hashes are not domains");
    tap_check(!lw_export_valid(&o, &h2), "a hash is hex of its length");
    tap_check(!lw_export_valid(&o, &bare), "an address without @ (its host unknown) is not exported");
    tap_check(!lw_export_valid(&o, &nolocal), "an address without a local part is not exported");
    tap_check(lw_export_valid(&o, &ok), "local@domain is exported");
    tap_check(!lw_export_valid(&o, &ps), "a public suffix is not exported");
    tap_check(!lw_export_valid(&o, &one), "an unknown single label (a public suffix by libpsl's * rule) is not");
    tap_check(lw_export_valid(&o, &ipurl), "a URL may name an IP literal");
    tap_check(!lw_export_valid(&o, &nohost), "a URL without a host is not exported");
    memset(label63, 'a', 63);
    label63[63] = '\0';
    memset(label64, 'a', 64);
    label64[64] = '\0';
    {
        struct lw_indicator l63 = { .type = LW_IOC_DOMAIN, .value = g_strconcat(label63, ".example.com", NULL) };
        struct lw_indicator l64 = { .type = LW_IOC_DOMAIN, .value = g_strconcat(label64, ".example.com", NULL) };

        tap_check(lw_export_valid(&o, &l63), "a 63-octet label is a DNS label");
        tap_check(!lw_export_valid(&o, &l64), "a 64-octet label is not");
        long_name = g_strconcat(label63, ".", label63, ".", label63, ".", label63, ".com", NULL);  /* 259 */
        g_free(l63.value);
        g_free(l64.value);
        l63.value = long_name;
        tap_check(!lw_export_valid(&o, &l63), "a name of more than 253 octets is not");
        g_free(long_name);
    }
    lw_export_opts_clear(&o);
    lw_config_set(cfg, "export_formats", "stix,nope", &err);
    tap_check(lw_export_opts_init(&o, cfg, &err) < 0 && strstr(err.text, "nope"), "unknown format refused");
    lw_config_free(cfg);
}

static void test_state(void)
{
    struct lw_export_state *st = lw_export_state_new(), *back = lw_export_state_new();
    struct lw_config *cfg = lw_config_new();
    struct lw_export_opts o;
    struct lw_export_view *v;
    struct lw_error err;
    const char *inds = "[{\"type\":\"domain\",\"value\":\"bad.example\"},{\"type\":\"malware-name\",\"value\":\"X.Y\"}]";
    GPtrArray *e1 = entry("event_id", "e1", "time", "2026-11-20T08:00:00Z", "queue_id", "Q1", "score", "20",
                          "rcpt_count", "2", "rules", "R1,R2", "indicators", inds, NULL);
    GPtrArray *e2 = entry("event_id", "e2", "time", "2026-11-21T08:00:00Z", "queue_id", "Q2", "score", "9",
                          "rcpt_count", "1", "rules", "R3", "indicators", inds, NULL);
    GPtrArray *rel = entry("type", "release", "released_event_id", "e2", NULL);
    GPtrArray *bad = entry("event_id", "e3", "time", "yesterday", NULL);
    char *enc, *enc2;

    lw_config_set(cfg, "export_org_name", "Org", &err);
    lw_export_opts_init(&o, cfg, &err);
    tap_check(lw_export_state_apply(st, e1, &err) == 0, "hit applied");
    tap_check(lw_export_state_apply(st, e1, &err) == 0 && g_hash_table_size(st->msgs) == 1,
              "the same event twice is one message");
    lw_export_state_apply(st, e2, &err);
    v = lw_export_view_new(st, &o);
    tap_check_int(v->iocs->len, ==, 1, "one indicator");
    tap_check_int(v->malware->len, ==, 1, "one malware name");
    if (v->iocs->len) {
        struct lw_export_ioc *x = g_ptr_array_index(v->iocs, 0);

        tap_check_int(x->count, ==, 2, "seen in two messages");
        tap_check_int(x->rcpts, ==, 3, "three recipients");
        tap_check_int(x->rules->len, ==, 3, "rules of both messages");
        tap_check_str(x->malware->len ? g_ptr_array_index(x->malware, 0) : NULL, "X.Y", "malware name kept");
    }
    lw_export_view_free(v);
    tap_check(lw_export_state_apply(st, rel, &err) == 0 && g_hash_table_size(st->msgs) == 1, "release drops e2");
    tap_check(lw_export_state_apply(st, e2, &err) == 0 && g_hash_table_size(st->msgs) == 1,
              "a released event delivered again stays out");
    tap_check(lw_export_state_apply(st, bad, &err) < 0 && strstr(err.text, "bad time"), "bad time refused");
    enc = lw_export_state_encode(st);
    tap_check(lw_export_state_decode(back, enc, &err) == 0, "state decodes");
    enc2 = lw_export_state_encode(back);
    tap_check_str(enc2, enc, "state round trip");
    tap_check(lw_export_state_decode(back, "{\"version\":2}", &err) < 0, "other versions refused");
    lw_export_state_expire(st, 1893456000);
    tap_check_int(g_hash_table_size(st->msgs), ==, 0, "expiry drops old messages");
    g_free(enc);
    g_free(enc2);
    g_ptr_array_unref(e1);
    g_ptr_array_unref(e2);
    g_ptr_array_unref(rel);
    g_ptr_array_unref(bad);
    lw_export_state_free(st);
    lw_export_state_free(back);
    lw_export_opts_clear(&o);
    lw_config_free(cfg);
}

static void test_role_rules(void)
{
    struct lw_indicator hash = { .type = LW_IOC_SHA256, .value = "x", .role = LW_ROLE_NONE };
    struct lw_indicator dom = { .type = LW_IOC_DOMAIN, .value = "x", .role = LW_ROLE_NONE };
    enum lw_ioc_role r;

    tap_check_int(lw_ioc_role_merge(LW_ROLE_LURE, LW_ROLE_IMPERSONATED), ==, LW_ROLE_IMPERSONATED,
                  "an impersonated brand wins over a lure");
    tap_check_int(lw_ioc_role_merge(LW_ROLE_BYSTANDER, LW_ROLE_LURE), ==, LW_ROLE_LURE, "a lure wins over a bystander");
    tap_check_int(lw_ioc_role_merge(LW_ROLE_NONE, LW_ROLE_SENDER), ==, LW_ROLE_SENDER, "a role wins over none");
    tap_check_int(lw_ioc_role_merge(LW_ROLE_NONE, LW_ROLE_BYSTANDER), ==, LW_ROLE_BYSTANDER, "bystander over none");
    tap_check(lw_indicator_blocking(&hash) && !lw_indicator_blocking(&dom),
              "without a role only a hash may block (entries from before roles)");
    dom.role = LW_ROLE_LURE;
    tap_check(lw_indicator_blocking(&dom), "a lure may block");
    dom.role = LW_ROLE_IMPERSONATED;
    tap_check(!lw_indicator_blocking(&dom), "an impersonated domain never blocks");
    tap_check(lw_ioc_role_parse("payload", &r) == 0 && r == LW_ROLE_PAYLOAD && lw_ioc_role_parse(NULL, &r) == 0
              && r == LW_ROLE_NONE && lw_ioc_role_parse("victim", &r) < 0, "role names parse; unknown refused");
}

/* test_roles_view - roles merged over messages, bystanders left out, revocations of released support */
static void test_roles_view(void)
{
    struct lw_export_state *st = lw_export_state_new();
    struct lw_config *cfg = lw_config_new();
    struct lw_export_opts o;
    struct lw_export_view *v;
    struct lw_error err;
    GPtrArray *e1 = entry("event_id", "r1", "time", "2026-11-20T08:00:00Z", "queue_id", "Q1", "score", "20",
                          "indicators", "[{\"type\":\"domain\",\"value\":\"brand.example\",\"role\":\"lure\"},"
                          "{\"type\":\"domain\",\"value\":\"lure.example\",\"role\":\"lure\"},"
                          "{\"type\":\"domain\",\"value\":\"pixel.example\",\"role\":\"bystander\"}]", NULL);
    GPtrArray *e2 = entry("event_id", "r2", "time", "2026-11-20T09:00:00Z", "queue_id", "Q2", "score", "20",
                          "indicators", "[{\"type\":\"domain\",\"value\":\"brand.example\",\"role\":\"impersonated\"},"
                          "{\"type\":\"domain\",\"value\":\"only-r2.example\",\"role\":\"lure\"},"
                          "{\"type\":\"domain\",\"value\":\"lure.example\",\"role\":\"lure\"}]", NULL);
    GPtrArray *rel = entry("type", "release", "released_event_id", "r2", "time", "2026-11-21T00:00:00Z", NULL);

    lw_export_opts_init(&o, cfg, &err);
    lw_export_state_apply(st, e1, &err);
    lw_export_state_apply(st, e2, &err);
    v = lw_export_view_new(st, &o);
    tap_check_int(v->iocs->len, ==, 3, "three shared indicators: the bystander is left out");
    for (guint i = 0; i < v->iocs->len; i++) {
        const struct lw_export_ioc *x = g_ptr_array_index(v->iocs, i);

        if (strcmp(x->ind->value, "brand.example") == 0)
            tap_check(x->role == LW_ROLE_IMPERSONATED && !lw_export_blocking(x),
                      "a lure in one message, the impersonated brand in another: context, never blocking");
        if (strcmp(x->ind->value, "lure.example") == 0)
            tap_check(x->role == LW_ROLE_LURE && lw_export_blocking(x), "a lure blocks");
    }
    lw_export_view_free(v);
    lw_export_state_apply(st, rel, &err);
    v = lw_export_view_new(st, &o);
    tap_check_int(v->revoked->len, ==, 1, "the release revokes what only r2 supported");
    for (guint i = 0; i < v->revoked->len; i++) {
        const struct lw_export_revoked *r = g_ptr_array_index(v->revoked, i);

        tap_check_str(r->ind->value, "only-r2.example", "what r1 still supports is not revoked");
        tap_check_int(r->when, ==, lw_export_parse_time("2026-11-21T00:00:00Z"), "revoked at the release time");
    }
    lw_export_view_free(v);
    g_ptr_array_unref(e1);
    g_ptr_array_unref(e2);
    g_ptr_array_unref(rel);
    lw_export_state_free(st);
    lw_export_opts_clear(&o);
    lw_config_free(cfg);
}

int main(void)
{
    test_uuid5();
    test_allowlist();
    test_state();
    test_role_rules();
    test_roles_view();
    return tap_done();
}
