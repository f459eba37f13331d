/*
 * bench-ioc - how fast the indicator store loads and answers, and what URL
 * extraction and IOC matching add to the scan of a message
 *
 * SYNOPSIS
 *     bench-ioc [-n INDICATORS] [-q LOOKUPS] [MAILDIR]
 *
 * DESCRIPTION
 *     Writes INDICATORS (default 1,000,000) mixed indicators as plain-list
 *     feeds in a temporary directory (40% domains, 25% URLs, 15% IPv4 with
 *     a tenth as /24 CIDRs, 5% IPv6 /64 and /128, 15% SHA-256), then loads
 *     them the way the milter does (lw_feeds_load) and prints:
 *       load time, resident memory per indicator (VmRSS before and after),
 *       lookups per second on one core for: domains with a subdomain walk
 *       (a.b.<indicator> and misses), URLs (exact, deeper paths, misses),
 *       IPv4 inside CIDRs and misses, SHA-256 hits and misses.
 *     With MAILDIR (e.g. ../shared/corpus/phish) each message is parsed and
 *     scanned with and without the store, and the share of URL extraction
 *     plus IOC matching in the scan time is printed.
 *
 *     It prints figures and never fails on them: goals are the issue's
 *     (load < 3 s, < 120 bytes per indicator, > 2M lookups/s, < 5%).
 *     Run with `make bench-ioc`.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "indicators/feed.h"
#include "model/url.h"

static long rss_kb(void)
{
    char *status = NULL, *p;
    long kb = -1;

    if (g_file_get_contents("/proc/self/status", &status, NULL, NULL) && (p = strstr(status, "VmRSS:")))
        kb = strtol(p + 6, NULL, 10);
    g_free(status);
    return kb;
}

static double now_s(void)
{
    return (double) g_get_monotonic_time() / 1e6;
}

/* cpu_s - CPU time of this thread: rates stay meaningful on a busy machine */
static double cpu_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static const char *const tlds[] = { "com", "net", "org", "cn", "tw", "com.tw", "info", "xyz" };

/* The i-th indicator of each kind; queries for hits are made from the same i. */
static char *domain_of(long i)
{
    return g_strdup_printf("d%ld-x%ld.%s", i, (i * 7919) % 1000, tlds[i % 8]);
}

static char *url_of(long i, const char *scheme)
{
    return g_strdup_printf("%su%ld.example.%s/p/%ld/login", scheme, i, tlds[i % 8], i % 100);
}

static char *ipv4_of(long i, int as_feed)
{
    long a = 11 + (i >> 16) % 200, b = (i >> 8) & 255, c = i & 255;

    if (i % 10 == 0)    /* a tenth are /24 networks */
        return as_feed ? g_strdup_printf("%ld.%ld.%ld.0/24", a, b, c) : g_strdup_printf("%ld.%ld.%ld.77", a, b, c);
    return g_strdup_printf("%ld.%ld.%ld.%ld", a, b, c, 1 + i % 254);
}

static char *sha256_of(long i)
{
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) &i, sizeof(i));
}

/* write_feeds - n mixed indicators as plain-list feeds in dir */
static void write_feeds(const char *dir, long n)
{
    const char *names[] = { "domain", "url", "ipv4-addr", "ipv6-addr", "sha256" };
    const double share[] = { 0.40, 0.25, 0.15, 0.05, 0.15 };

    for (int t = 0; t < 5; t++) {
        char *path = g_strdup_printf("%s/bench.%s.txt", dir, names[t]);
        FILE *fp = fopen(path, "w");
        long count = (long) (n * share[t]);

        if (fp == NULL) {
            perror(path);
            exit(1);
        }
        fprintf(fp, "# type: %s\n", names[t]);
        for (long i = 0; i < count; i++) {
            char *v = NULL;

            switch (t) {
            case 0: v = domain_of(i); break;
            case 1: v = url_of(i, "https://"); break;
            case 2: v = ipv4_of(i, 1); break;
            case 3: v = i % 2 ? g_strdup_printf("2001:db8:%lx:%lx::/64", (i >> 16) & 0xffff, i & 0xffff)
                              : g_strdup_printf("2001:db8:%lx:%lx::1", (i >> 16) & 0xffff, i & 0xffff); break;
            default: v = sha256_of(i); break;
            }
            fprintf(fp, "%s\n", v);
            g_free(v);
        }
        fclose(fp);
        g_free(path);
    }
}

struct queries {
    enum lw_ioc_type type;
    const char *label;
    GPtrArray *keys;
};

/* make_queries - per lookups in lw_ioc_normalize form for each kind; even ones hit, odd ones miss */
static void make_queries(struct queries q[4], long n, long per, GRand *r)
{
    static const struct { enum lw_ioc_type type; const char *label; double share; } kinds[4] = {
        { LW_IOC_DOMAIN, "domain (subdomain walk)", 0.40 }, { LW_IOC_URL, "URL (exact + prefix)", 0.25 },
        { LW_IOC_IPV4, "IPv4 (longest CIDR)", 0.15 }, { LW_IOC_SHA256, "SHA-256", 0.15 },
    };

    for (int t = 0; t < 4; t++) {
        q[t].type = kinds[t].type;
        q[t].label = kinds[t].label;
        q[t].keys = g_ptr_array_new_with_free_func(g_free);
        for (long k = 0; k < per; k++) {
            long i = (long) (g_rand_int(r) % (guint32) (n * kinds[t].share));
            int hit = k % 2 == 0;
            char *v, *key = NULL;

            switch (t) {
            case 0:
                v = hit ? domain_of(i) : g_strdup_printf("miss%ld.example.%s", i, tlds[i % 8]);
                key = g_strdup_printf("mail.login.%s", v);
                break;
            case 1:
                v = url_of(hit ? i : i + n, "//");
                key = g_strdup_printf("%s/step%ld?id=%ld", v, k % 5, k);
                break;
            case 2:
                v = hit ? ipv4_of(i, 0) : g_strdup_printf("250.%ld.%ld.%ld", i & 255, (i >> 8) & 255, k & 255);
                break;
            default:
                v = sha256_of(hit ? i : -i - 1);
                break;
            }
            g_ptr_array_add(q[t].keys, key ? key : v);
            if (key)
                g_free(v);
        }
    }
}

static void bench_lookups(const struct lw_ioc_store *s, struct queries *q, long per)
{
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    double total_t = 0;
    long total_n = 0;

    for (int t = 0; t < 4; t++) {
        unsigned found = 0;
        double t0 = cpu_s(), dt;

        for (long k = 0; k < per; k++)
            found += lw_ioc_store_lookup(s, q[t].type, g_ptr_array_index(q[t].keys, k), now, NULL, NULL) > 0;
        dt = cpu_s() - t0;
        total_t += dt;
        total_n += per;
        printf("  %-26s %10.0f lookups/s  (%ld lookups, %u matched)\n", q[t].label, per / dt, per, found);
    }
    printf("  %-26s %10.0f lookups/s\n", "all four, mixed", total_n / total_t);
}

/* engine - an engine with the shipped rules and the given URL and feed settings */
static struct lw_engine *engine(const char *max_urls, const char *feeds)
{
    struct lw_config *cfg = lw_config_new();
    struct lw_engine *e;
    struct lw_error err;

    if (lw_config_set(cfg, "rules_file", LW_BENCH_RULES, &err) < 0
        || lw_config_set(cfg, "max_urls", max_urls, &err) < 0
        || lw_config_set(cfg, "feeds_dir", feeds, &err) < 0
        || (e = lw_engine_new(cfg, &err)) == NULL) {
        fprintf(stderr, "bench-ioc: %s\n", err.text);
        exit(1);
    }
    return e;
}

/* scan_time - seconds to parse and scan data with e; *urls gets the URL count */
static double scan_time(const struct lw_engine *e, const char *data, gsize len, unsigned *urls)
{
    double t0 = cpu_s();
    struct lw_message *m = lw_engine_parse(e, data, len, NULL);
    struct lw_verdict *v = lw_engine_scan(e, m);
    double dt = cpu_s() - t0;

    *urls += m->urls->len;
    lw_verdict_free(v);
    lw_message_free(m);
    return dt;
}

/*
 * bench_mail - what URL extraction and IOC matching add to the scan of
 * each message: the same parse+scan with max_urls = 0 and no feeds (none),
 * with extraction (urls), and with extraction and the store (ioc).
 */
static void bench_mail(const char *maildir, const char *feeds)
{
    struct lw_engine *none = engine("0", ""), *urls = engine("1000", ""), *ioc = engine("1000", feeds);
    GDir *dir = g_dir_open(maildir, 0, NULL);
    const char *name;
    double t_none = 0, t_urls = 0, t_ioc = 0;
    unsigned msgs = 0, n_none = 0, n_urls = 0, n_ioc = 0;

    if (dir == NULL) {
        fprintf(stderr, "bench-ioc: cannot open %s\n", maildir);
        return;
    }
    while ((name = g_dir_read_name(dir)) != NULL) {
        char *path = g_build_filename(maildir, name, NULL), *data;
        gsize len;

        if (g_file_get_contents(path, &data, &len, NULL)) {
            /* interleaved, so that caches and frequency changes hit all three alike */
            t_none += scan_time(none, data, len, &n_none);
            t_urls += scan_time(urls, data, len, &n_urls);
            t_ioc += scan_time(ioc, data, len, &n_ioc);
            msgs++;
            g_free(data);
        }
        g_free(path);
    }
    g_dir_close(dir);
    if (msgs == 0)
        return;
    printf("mail: %u messages from %s, %.1f URLs each\n", msgs, maildir, (double) n_urls / msgs);
    printf("  parse+scan without URL extraction %.3f ms/message\n", 1000 * t_none / msgs);
    printf("  with URL extraction               %.3f ms/message (+%.1f%%)\n", 1000 * t_urls / msgs,
           100 * (t_urls - t_none) / t_none);
    printf("  with URL extraction + IOC match   %.3f ms/message (+%.1f%%, store of the load above)\n",
           1000 * t_ioc / msgs, 100 * (t_ioc - t_none) / t_none);
    lw_engine_unref(none);
    lw_engine_unref(urls);
    lw_engine_unref(ioc);
}

int main(int argc, char **argv)
{
    long n = 1000000, per = 1000000;
    char tmpl[] = "/tmp/bench-ioc.XXXXXX", *dir, *paths[2];
    GPtrArray *reports = g_ptr_array_new_with_free_func((GDestroyNotify) lw_feed_report_free);
    GRand *r = g_rand_new_with_seed(42);
    struct queries q[4];
    struct lw_ioc_store *s;
    long rss0, rss1;
    double t0, t1, c0, c1;
    int opt;

    while ((opt = getopt(argc, argv, "n:q:")) != -1) {
        if (opt == 'n')
            n = atol(optarg);
        else if (opt == 'q')
            per = atol(optarg);
        else
            return 2;
    }
    if ((dir = g_mkdtemp(tmpl)) == NULL)
        return 1;
    lw_gmime_init();
    write_feeds(dir, n);
    make_queries(q, n, per, r);
    paths[0] = dir;
    paths[1] = NULL;
    rss0 = rss_kb();
    t0 = now_s();
    c0 = cpu_s();
    s = lw_feeds_load(paths, NULL, reports, g_get_real_time() / G_USEC_PER_SEC, NULL);
    c1 = cpu_s();
    t1 = now_s();
    g_ptr_array_set_size(reports, 0);
    rss1 = rss_kb();
    printf("load: %zu indicators in %.2f s (%.2f s CPU); resident %.1f MB, %.0f bytes per indicator\n",
           lw_ioc_store_total(s), t1 - t0, c1 - c0,
           (rss1 - rss0) / 1024.0, (rss1 - rss0) * 1024.0 / (double) lw_ioc_store_total(s));
    printf("lookups, one core (thread CPU time), normalized keys, half hits:\n");
    bench_lookups(s, q, per);
    lw_ioc_store_free(s);
    if (optind < argc)
        bench_mail(argv[optind], dir);
    for (int t = 0; t < 4; t++)
        g_ptr_array_unref(q[t].keys);
    {
        GDir *d = g_dir_open(dir, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d)) != NULL) {
            char *p = g_build_filename(dir, name, NULL);

            unlink(p);
            g_free(p);
        }
        if (d)
            g_dir_close(d);
        rmdir(dir);
    }
    g_ptr_array_unref(reports);
    g_rand_free(r);
    return 0;
}
