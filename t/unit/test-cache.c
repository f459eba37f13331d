/*
 * test-cache.c - the verdict cache API: attachment results keyed with the
 * signature version, counters, the LRU bound, and the message fingerprint
 *
 * Runs against the in-process cache; with LW_TEST_REDIS=host:port (set by
 * t/t4002-redis-attachment-cache.sh, which starts a redis-server) the same
 * checks run against Redis.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "model/message.h"
#include "model/verdict.h"
#include "tap.h"

#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static struct lw_config *config(const char *entries)
{
    struct lw_config *cfg = lw_config_new();
    const char *redis = getenv("LW_TEST_REDIS");
    char prefix[64];

    lw_config_set(cfg, "cache_entries", entries, NULL);
    if (redis && *redis) {
        lw_config_set(cfg, "redis_server", redis, NULL);
        lw_config_set(cfg, "redis_timeout_ms", "1000", NULL);
        g_snprintf(prefix, sizeof(prefix), "t%u:", g_random_int());  /* fresh keys per run */
        lw_config_set(cfg, "redis_prefix", prefix, NULL);
    }
    return cfg;
}

/* attachments - a result is found only under the signature version it was stored with */
static void attachments(struct lw_cache *c)
{
    struct lw_cache_session *s;
    struct lw_cache_stats st;
    char *result = NULL;

    s = lw_cache_session_new(c);
    lw_cache_want_attachment(s, SHA, "sig-1");
    lw_cache_fetch(s);
    tap_check(lw_cache_get_attachment(s, SHA, "sig-1", &result) == 0 && result == NULL,
              "an attachment never seen is a miss");
    lw_cache_put_attachment(s, SHA, "sig-1", "Win.Trojan.Test");
    lw_cache_store(s);
    lw_cache_session_free(s);

    s = lw_cache_session_new(c);
    lw_cache_want_attachment(s, SHA, "sig-1");
    lw_cache_fetch(s);
    tap_check(lw_cache_get_attachment(s, SHA, "sig-1", &result) == 1, "the next message finds it");
    tap_check_str(result, "Win.Trojan.Test", "with the stored result");
    g_free(result);
    tap_check(lw_cache_get_attachment(s, SHA, "sig-2", &result) == 0,
              "new signatures (another version) do not see the old result");
    lw_cache_session_free(s);

    s = lw_cache_session_new(c);
    tap_check(lw_cache_get_attachment(s, SHA, "sig-1", &result) == 1,
              "a key not prefetched is looked up at once");
    g_free(result);
    lw_cache_session_free(s);

    s = NULL;
    tap_check(lw_cache_get_attachment(s, SHA, "sig-1", &result) == 0, "no session: a miss");
    lw_cache_put_attachment(s, SHA, "sig-1", "x");  /* no session: nothing happens */
    lw_cache_get_stats(c, &st);
    tap_check_int(st.attachment_hits, ==, 2, "hits counted");
    tap_check_int(st.attachment_misses, ==, 2, "misses counted");
    tap_check_int(st.errors, ==, 0, "no errors");
}

/* counters - increments add up within the window */
static void counters(struct lw_cache *c)
{
    long long n[2];

    for (int i = 0; i < 2; i++) {
        struct lw_cache_session *s = lw_cache_session_new(c);

        lw_cache_want_count(s, "c:test", 3, 60);
        lw_cache_fetch(s);
        n[i] = lw_cache_count(s, "c:test");
        lw_cache_session_free(s);
    }
    tap_check_int(n[0], ==, 3, "a counter starts at its first increment");
    tap_check_int(n[1], ==, 6, "and adds the next");
}

/* lru_bound - past cache_entries the least recently used entry goes */
static void lru_bound(void)
{
    struct lw_config *cfg = lw_config_new();
    struct lw_cache *c;
    struct lw_cache_session *s;
    char *a, *b;

    lw_config_set(cfg, "cache_entries", "2", NULL);
    c = lw_cache_new(cfg, NULL);
    s = lw_cache_session_new(c);
    lw_cache_put(s, "k1", "1", 60);
    lw_cache_put(s, "k2", "2", 60);
    lw_cache_store(s);
    g_free(lw_cache_lookup(s, "k1"));      /* k1 is now the most recent */
    lw_cache_put(s, "k3", "3", 60);
    lw_cache_store(s);
    lw_cache_session_free(s);
    s = lw_cache_session_new(c);
    a = lw_cache_lookup(s, "k1");
    b = lw_cache_lookup(s, "k2");
    tap_check(a != NULL && b == NULL, "the LRU keeps 2 entries and evicts the least recent");
    g_free(a);
    g_free(b);
    lw_cache_session_free(s);
    lw_cache_free(c);
    lw_config_free(cfg);
}

static char *fp_of(const struct lw_config *cfg, const char *text)
{
    struct lw_message *msg = lw_message_parse(text, strlen(text), NULL, cfg);
    char *fp = lw_fingerprint(msg);

    lw_message_free(msg);
    return fp;
}

/* fingerprint - per-copy headers do not count, the body and sender do */
static void fingerprint(void)
{
    struct lw_config *cfg = lw_config_new();
    char *a = fp_of(cfg, "From: a@example.org\nTo: x@example.net\nMessage-ID: <1@x>\nSubject: s\n\nbody\n");
    char *b = fp_of(cfg, "From: a@example.org\nTo: y@example.net\nMessage-ID: <2@x>\n"
                    "Received: from x by y\nSubject: s\n\nbody\n");
    char *c = fp_of(cfg, "From: a@example.org\nTo: x@example.net\nMessage-ID: <1@x>\nSubject: s\n\nbody!\n");
    char *d = fp_of(cfg, "From: b@example.org\nTo: x@example.net\nMessage-ID: <1@x>\nSubject: s\n\nbody\n");

    tap_check_str(a, b, "copies to other mailboxes share the fingerprint");
    tap_check(strcmp(a, c) != 0, "another body changes it");
    tap_check(strcmp(a, d) != 0, "another sender changes it");
    g_free(a);
    g_free(b);
    g_free(c);
    g_free(d);
    lw_config_free(cfg);
}

int main(void)
{
    struct lw_config *cfg = config("100");
    struct lw_error err;
    struct lw_cache *c = lw_cache_new(cfg, &err);

    lw_gmime_init();
    printf("# cache: %s\n", lw_cache_shared(c) ? "redis" : "in-process");
    attachments(c);
    counters(c);
    lru_bound();
    fingerprint();
    lw_cache_free(c);
    lw_config_free(cfg);
    return tap_done();
}
