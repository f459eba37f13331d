/*
 * fuzz-feed - libFuzzer harness: feed text -> lw_feed_load_data -> store
 *
 * DESCRIPTION
 *     Indicator feeds come from partners and public sources: plain lists,
 *     CSV, STIX 2.1 bundles and MISP events. Each input is one feed file's
 *     content, read through lw_feed_load_data(), the entry point
 *     lw_feeds_load() uses for every file, so the format is picked as the
 *     loader picks it. A first byte below 8 is not content but the file
 *     name (the loader also reads the format and the default type from
 *     the name): feed.txt, feed.csv, feed.json, feed.domain.txt,
 *     feed.url.csv, feed.ip.list, feed.sha256.txt, feed.email-addr.csv.
 *     Any other first byte is content, named "fuzz-feed", so real feed
 *     files are seeds as they are and the format comes from the content
 *     ("# format:" line, '{' or '[' for JSON, else a list).
 *
 *     The builder is then finished into a store, the reload path copies
 *     the feed into a second store (what happens when the next version of
 *     the feed is malformed), and the first line of the input is looked
 *     up as every indicator type. The report must agree with the return
 *     value: an error exactly when the feed was refused.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "indicators/feed.h"

#define FUZZ_NOW 1767225600     /* 2026-01-01: fixed, so expiry is reproducible */

static const char *const names[] = {
    "feed.txt", "feed.csv", "feed.json", "feed.domain.txt",
    "feed.url.csv", "feed.ip.list", "feed.sha256.txt", "feed.email-addr.csv",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    return 0;
}

/* count_hit - a lookup callback that reads every field of the hit */
static void count_hit(void *ud, const struct lw_ioc_hit *hit)
{
    size_t *n = ud;

    *n += strlen(hit->value) + strlen(hit->id) + strlen(hit->feed) + strlen(hit->why)
        + (hit->description ? strlen(hit->description) : 0) + strlen(lw_tlp_name(hit->tlp));
}

/* look_up - the input's first line (at most 256 bytes) as every indicator type */
static void look_up(const struct lw_ioc_store *s, const uint8_t *data, size_t size)
{
    size_t n = 0, len = 0;
    char *key;

    while (len < size && len < 256 && data[len] != '\n')
        len++;
    key = g_strndup((const char *) data, len);
    if (g_utf8_validate(key, -1, NULL))
        for (int t = 0; t < LW_IOC_NTYPES; t++)
            lw_ioc_store_match(s, (enum lw_ioc_type) t, key, FUZZ_NOW, count_hit, &n);
    g_free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lw_feed_report rep = { 0 };
    struct lw_ioc_builder *b = lw_ioc_builder_new();
    struct lw_ioc_store *store, *again;
    struct lw_feed_ctx c = { b, 0, &rep, FUZZ_NOW, NULL };
    const char *path = "fuzz-feed";
    char *text;
    unsigned kept;
    int rc;

    if (size > 0 && data[0] < G_N_ELEMENTS(names)) {
        path = names[data[0]];
        data++, size--;
    }
    text = g_malloc(size + 1);      /* the loader's buffer: NUL-terminated, cut in place */
    memcpy(text, data, size);
    text[size] = '\0';
    rep.path = (char *) path;
    rep.problems = g_ptr_array_new_with_free_func(g_free);
    c.feed = lw_ioc_builder_feed(b, "fuzz");
    rc = lw_feed_load_data(&c, path, text, size);
    g_free(text);
    if ((rc < 0) != (rep.error != NULL) || rep.problems->len > LW_FEED_MAX_PROBLEMS) {
        fprintf(stderr, "fuzz-feed: returned %d with error %s, %u problems\n", rc,
                rep.error ? rep.error : "(none)", rep.problems->len);
        abort();
    }
    store = lw_ioc_builder_finish(b);
    look_up(store, data, size);
    b = lw_ioc_builder_new();
    lw_ioc_builder_feed(b, "other");
    kept = lw_ioc_builder_copy_feed(b, store, "fuzz");
    again = lw_ioc_builder_finish(b);
    if (kept != lw_ioc_store_total(store) || lw_ioc_store_total(again) != lw_ioc_store_total(store)) {
        fprintf(stderr, "fuzz-feed: %zu indicators, %u copied, %zu after the copy\n",
                lw_ioc_store_total(store), kept, lw_ioc_store_total(again));
        abort();
    }
    look_up(again, data, size);
    lw_ioc_store_free(again);
    lw_ioc_store_free(store);
    g_ptr_array_unref(rep.problems);
    g_free(rep.error);
    return 0;
}
