/*
 * lurewatch-ioc - check indicator feeds and ask what an indicator store matches
 *
 * SYNOPSIS
 *     lurewatch-ioc [-c CONF] [-o key=value]... load [--check] [FEED|DIR...]
 *     lurewatch-ioc [-c CONF] [-o key=value]... match [-f FEED|DIR]... [-t TYPE] VALUE...
 *     lurewatch-ioc export [-c CONF] [-o key=value]...      (see ioc/export_cmd.c)
 *     lurewatch-ioc correlate [-w OUT] FILES...             (see ioc/export_cmd.c)
 *
 * DESCRIPTION
 *     load reads the feeds the way the milter does (analyzers/indicators/feed.c) and prints,
 *     per feed, its format, the indicators loaded by type, and every value
 *     rejected, every STIX pattern or MISP type not supported and every
 *     expired or revoked indicator skipped, and every entry a warninglist
 *     names (warninglists_dir: not loaded, nobody should block on it), with
 *     file and position; a malformed feed is named with the reason. Then
 *     the total by type.
 *     Without FEED, the feeds_dir of the configuration is loaded: run it
 *     before (re)starting the milter, which cannot print these reports.
 *
 *     match loads the feeds of -f (default: feeds_dir of the configuration)
 *     and, for each VALUE, prints every indicator that matches and why:
 *         VALUE: TYPE INDICATOR (WHY) id=ID feed=FEED [confidence=N] [tlp=T]
 *                [valid_until=TIME] [description]
 *     The type of VALUE is guessed unless -t gives it. A URL is also looked
 *     up by its host (domain or IP), an address by its domain (sender-domain
 *     and domain), a domain also as sender and Message-ID domain, the way
 *     the scanner looks at messages.
 *
 * EXIT STATUS
 *     load: 0, or 1 if a feed is malformed (with --check, also if any value
 *     was rejected, unsupported or warninglisted). match: 0 if some VALUE matched, 1 if
 *     none did. 64 (EX_USAGE) for a bad command line, 78 (EX_CONFIG) for
 *     a bad configuration; export and correlate: see ioc/export_cmd.c.
 */
#include "export_cmd.h"
#include "util/options.h"
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "util/conf.h"
#include "indicators/feed.h"
#include "model/url.h"

struct options {
    char *config;
    char **overrides;
    gboolean check;
    char **feeds;
    char *type;
    char **args;
};

/* print_counts - " (domain 3, url 2)" */
static void print_counts(const size_t counts[LW_IOC_NTYPES])
{
    int first = 1;

    for (int t = 0; t < LW_IOC_NTYPES; t++) {
        if (counts[t] == 0)
            continue;
        printf("%s%s %zu", first ? " (" : ", ", lw_ioc_type_name((enum lw_ioc_type) t), counts[t]);
        first = 0;
    }
    if (!first)
        printf(")");
}

/* print_report - one feed: summary line, then its problems */
static void print_report(const struct lw_feed_report *r)
{
    if (r->error) {
        printf("%s: MALFORMED, not loaded: %s\n", r->name, r->error);
        return;
    }
    printf("%s: %s, %zu loaded", r->name, r->format ? r->format : "?", r->loaded);
    print_counts(r->counts);
    printf(", %zu rejected, %zu unsupported, %zu expired, %zu revoked, %zu warninglisted\n", r->rejected,
           r->unsupported, r->expired, r->revoked, r->warninglisted);
    for (guint i = 0; i < r->problems->len; i++)
        printf("  %s\n", (char *) g_ptr_array_index(r->problems, i));
    if (r->more_problems)
        printf("  ... and %zu more\n", r->more_problems);
}

/* load - the feeds of paths without the entries cfg's warninglists name; NULL (said why) when the lists are bad */
static struct lw_ioc_store *load(const struct lw_config *cfg, char *const *paths, GPtrArray *reports)
{
    struct lw_warninglists *wl;
    struct lw_ioc_store *s;
    struct lw_error err;

    if (lw_warninglists_configured(cfg, &wl, &err) < 0) {
        fprintf(stderr, "lurewatch-ioc: %s\n", err.text);
        return NULL;
    }
    s = lw_feeds_load(paths, NULL, reports, g_get_real_time() / G_USEC_PER_SEC, wl);
    lw_warninglists_free(wl);
    return s;
}

static int cmd_load(const struct options *opt, const struct lw_config *cfg)
{
    GPtrArray *reports = g_ptr_array_new_with_free_func((GDestroyNotify) lw_feed_report_free);
    char *dflt[2] = { cfg->feeds_dir, NULL };
    struct lw_ioc_store *store;
    size_t counts[LW_IOC_NTYPES];
    int rc = 0;

    if (opt->args[1] == NULL && *cfg->feeds_dir == '\0') {
        fprintf(stderr, "lurewatch-ioc: load: give feed files or directories (feeds_dir is empty)\n");
        g_ptr_array_unref(reports);
        return EX_USAGE;
    }
    if ((store = load(cfg, opt->args[1] ? opt->args + 1 : dflt, reports)) == NULL) {
        g_ptr_array_unref(reports);
        return EX_CONFIG;
    }
    for (guint i = 0; i < reports->len; i++) {
        const struct lw_feed_report *r = g_ptr_array_index(reports, i);

        print_report(r);
        if (r->error || (opt->check && (r->rejected || r->unsupported || r->warninglisted)))
            rc = 1;
    }
    for (int t = 0; t < LW_IOC_NTYPES; t++)
        counts[t] = lw_ioc_store_count(store, (enum lw_ioc_type) t);
    printf("total: %zu indicators in %u feeds", lw_ioc_store_total(store), reports->len);
    print_counts(counts);
    printf("\n");
    lw_ioc_store_free(store);
    g_ptr_array_unref(reports);
    return rc;
}

struct printer {
    const char *value;
};

static void print_hit(void *ud, const struct lw_ioc_hit *h)
{
    const struct printer *p = ud;

    printf("%s: %s %s (%s) id=%s feed=%s", p->value, lw_ioc_type_name(h->type), h->value, h->why,
           h->id, h->feed);
    if (h->confidence != LW_IOC_CONFIDENCE_UNKNOWN)
        printf(" confidence=%d", h->confidence);
    if (h->tlp != LW_TLP_NONE)
        printf(" tlp=%s", lw_tlp_name(h->tlp));
    if (h->valid_until) {
        GDateTime *dt = g_date_time_new_from_unix_utc(h->valid_until);
        char *iso = dt ? g_date_time_format_iso8601(dt) : NULL;

        printf(" valid_until=%s", iso ? iso : "?");
        g_free(iso);
        if (dt)
            g_date_time_unref(dt);
    }
    if (h->description)
        printf(" %s", h->description);
    printf("\n");
}

/* match_one - VALUE as type and as what it implies; number of matches */
static unsigned match_one(const struct lw_ioc_store *s, const char *value, enum lw_ioc_type type,
                          gint64 now)
{
    struct printer p = { value };
    char *target;
    unsigned n = lw_ioc_store_match(s, type, value, now, print_hit, &p);

    if (type == LW_IOC_URL) {
        struct lw_url *u = lw_url_parse(value, -1, 0);

        if (u && u->host && !(u->flags & LW_URL_UNPARSED))
            n += lw_ioc_store_match(s, (u->flags & LW_URL_IP_HOST)
                                    ? (strchr(u->host, ':') ? LW_IOC_IPV6 : LW_IOC_IPV4) : LW_IOC_DOMAIN,
                                    u->host, now, print_hit, &p);
        if (u && (target = lw_url_unwrap(u)) != NULL) {
            printf("%s: a redirector to %s\n", value, target);
            n += match_one(s, target, LW_IOC_URL, now);
            g_free(target);
        }
        lw_url_free(u);
    } else if (type == LW_IOC_EMAIL && strrchr(value, '@')) {
        n += lw_ioc_store_match(s, LW_IOC_SENDER_DOMAIN, strrchr(value, '@') + 1, now, print_hit, &p);
        n += lw_ioc_store_match(s, LW_IOC_DOMAIN, strrchr(value, '@') + 1, now, print_hit, &p);
    } else if (type == LW_IOC_DOMAIN) {
        n += lw_ioc_store_match(s, LW_IOC_SENDER_DOMAIN, value, now, print_hit, &p);
        n += lw_ioc_store_match(s, LW_IOC_MSGID_DOMAIN, value, now, print_hit, &p);
    }
    return n;
}

static int cmd_match(const struct options *opt, const struct lw_config *cfg)
{
    GPtrArray *reports = g_ptr_array_new_with_free_func((GDestroyNotify) lw_feed_report_free);
    char *dflt[2] = { cfg->feeds_dir, NULL };
    struct lw_ioc_store *store;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    enum lw_ioc_type forced = LW_IOC_NTYPES;
    int any = 0;

    if (opt->type && lw_ioc_type_parse(opt->type, &forced) < 0) {
        fprintf(stderr, "lurewatch-ioc: unknown type \"%s\"\n", opt->type);
        g_ptr_array_unref(reports);
        return EX_USAGE;
    }
    if (opt->args[1] == NULL) {
        fprintf(stderr, "lurewatch-ioc: match: give values to look up\n");
        g_ptr_array_unref(reports);
        return EX_USAGE;
    }
    if ((store = load(cfg, opt->feeds ? opt->feeds : dflt, reports)) == NULL) {
        g_ptr_array_unref(reports);
        return EX_CONFIG;
    }
    for (guint i = 0; i < reports->len; i++) {
        const struct lw_feed_report *r = g_ptr_array_index(reports, i);

        if (r->error)
            fprintf(stderr, "lurewatch-ioc: feed %s not loaded: %s\n", r->name, r->error);
    }
    for (int i = 1; opt->args[i]; i++) {
        enum lw_ioc_type type = forced;

        if (type == LW_IOC_NTYPES && lw_ioc_guess_type(opt->args[i], &type) < 0)
            continue;
        if (match_one(store, opt->args[i], type, now) > 0)
            any = 1;
        else
            printf("%s: no match (as %s)\n", opt->args[i], lw_ioc_type_name(type));
    }
    lw_ioc_store_free(store);
    g_ptr_array_unref(reports);
    return any ? 0 : 1;
}

static int parse_options(int *argc, char ***argv, struct options *opt)
{
    GOptionEntry entries[] = {
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt->config, "configuration file", "CONF" },
        { "option", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &opt->overrides, "override one key", "KEY=VALUE" },
        { "check", 0, 0, G_OPTION_ARG_NONE, &opt->check, "load: fail on any rejected or unsupported value", NULL },
        { "feeds", 'f', 0, G_OPTION_ARG_FILENAME_ARRAY, &opt->feeds, "match: feed file or directory (default feeds_dir)", "PATH" },
        { "type", 't', 0, G_OPTION_ARG_STRING, &opt->type, "match: the type of the values", "TYPE" },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt->args, NULL, "load|match ..." },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    return lw_options_parse("lurewatch-ioc", "COMMAND ...",
                            "Commands:\n"
                            "  load [--check] [FEED|DIR...]   check indicator feeds as the milter loads them\n"
                            "  match [-f FEED] [-t TYPE] VALUE...   what the feeds match, and why\n"
                            "  export [-c CONF] [-q]          export indicators from the hits stream"
                            " (lurewatch-ioc export --help)\n"
                            "  correlate [-w OUT] FILE...     campaigns across agencies' exports"
                            " (lurewatch-ioc correlate --help)",
                            entries, argc, argv);
}

int main(int argc, char **argv)
{
    struct options opt = { 0 };
    struct lw_config *cfg;
    struct lw_error err;
    int rc = EX_USAGE;

    /* export and correlate parse their own options (ioc/export_cmd.c) */
    if (argc >= 2 && strcmp(argv[1], "export") == 0)
        return lw_ioc_cmd_export(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "correlate") == 0)
        return lw_ioc_cmd_correlate(argc - 1, argv + 1);
    if (parse_options(&argc, &argv, &opt) < 0)
        return EX_USAGE;
    if (opt.args == NULL || (strcmp(opt.args[0], "load") != 0 && strcmp(opt.args[0], "match") != 0)) {
        fprintf(stderr, "lurewatch-ioc: give a command: load, match, export or correlate (see --help)\n");
    } else if ((cfg = lw_config_setup(opt.config, opt.overrides, &err)) == NULL) {
        fprintf(stderr, "lurewatch-ioc: %s\n", err.text);
        rc = EX_CONFIG;
    } else {
        rc = strcmp(opt.args[0], "load") == 0 ? cmd_load(&opt, cfg) : cmd_match(&opt, cfg);
        lw_config_free(cfg);
    }
    g_strfreev(opt.args);
    g_strfreev(opt.feeds);
    g_strfreev(opt.overrides);
    g_free(opt.config);
    g_free(opt.type);
    return rc;
}
