/*
 * export_cmd.c - the "export" and "correlate" subcommands of lurewatch-ioc
 *
 * NAME
 *     lurewatch-ioc export - write STIX 2.1, MISP and blocklists from the hits stream
 *     lurewatch-ioc correlate - campaigns seen by several agencies
 *
 * SYNOPSIS
 *     lurewatch-ioc export [-c CONF] [-o key=value]... [-q]
 *     lurewatch-ioc correlate [-w MERGED.json] [-m MIN_AGENCIES] FILE...
 *
 * DESCRIPTION
 *     export runs once (cron or a systemd timer: contrib/lurewatch-ioc-export.*)
 *     and writes the formats of export_formats into export_dir; see
 *     ioc/export_run.c for the exactly-once protocol. It prints one summary
 *     line unless -q. Exit status: 0 done (also when another exporter held
 *     the lock: "busy"), 1 Redis, write or push failure (the entries stay
 *     pending and the next run retries them), 64 (EX_USAGE) for a bad
 *     command line, 78 (EX_CONFIG) for a bad configuration.
 *     LW_EXPORT_CRASH_AT=STEP (testing) kills the run at STEP.
 *
 *     correlate reads STIX 2.1 bundles and MISP events (one agency per
 *     file: its identity or Orgc), groups indicators into campaigns (shared
 *     attachment hash, sender, link domain, subject skeleton, sending
 *     infrastructure, joined through indicators seen in the same message)
 *     and prints the campaigns seen by at least MIN_AGENCIES (default 2)
 *     agencies; -w writes the merged STIX bundle. Exit status 0, 64
 *     (EX_USAGE) for a bad command line or no file, 65 (EX_DATAERR) when a
 *     file cannot be read, 73 (EX_CANTCREAT) when -w cannot be written.
 */
#include "util/options.h"
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <curl/curl.h>

#include "util/conf.h"
#include "correlate.h"
#include "export.h"
#include "export_cmd.h"
#include "export_run.h"

int lw_ioc_cmd_export(int argc, char **argv)
{
    char *conf = NULL, **overrides = NULL;
    gboolean quiet = FALSE;
    GOptionEntry entries[] = {
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &conf, "configuration file", "CONF" },
        { "option", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &overrides, "override a configuration key", "KEY=VALUE" },
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "no summary line", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL }
    };
    struct lw_config *cfg;
    struct lw_export_result res;
    struct lw_error err;
    int rc;

    if (lw_options_parse("lurewatch-ioc export", "- export indicators from the hits stream", NULL,
                         entries, &argc, &argv) < 0)
        return EX_USAGE;
    if ((cfg = lw_config_setup(conf, overrides, &err)) == NULL) {
        fprintf(stderr, "lurewatch-ioc export: %s\n", err.text);
        rc = EX_CONFIG;
        goto out;
    }
    {
        struct lw_export_opts o;

        if (lw_export_opts_init(&o, cfg, &err) < 0) {
            fprintf(stderr, "lurewatch-ioc export: %s\n", err.text);
            lw_config_free(cfg);
            rc = EX_CONFIG;
            goto out;
        }
        lw_export_opts_clear(&o);
    }
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = lw_export_run(cfg, getenv("LW_EXPORT_CRASH_AT"), &res, &err);
    curl_global_cleanup();
    if (rc == LW_EXPORT_BUSY) {
        if (!quiet)
            printf("export: busy: another exporter holds the lock, nothing done\n");
        rc = 0;
    } else if (rc < 0) {
        fprintf(stderr, "lurewatch-ioc export: %s\n", err.text);
        rc = 1;
    } else {
        if (res.bad)
            fprintf(stderr, "lurewatch-ioc export: %u malformed entries skipped (first: %s)\n", res.bad,
                    res.first_bad);
        if (!quiet && res.stole_lock)
            printf("export: took over the lock of a killed run\n");
        if (!quiet)
            printf("export: read=%u claimed=%u bad=%u acked=%u pushed=%u messages=%u indicators=%u\n",
                   res.read, res.claimed, res.bad, res.acked, res.pushed, res.msgs, res.iocs);
    }
    lw_config_free(cfg);
out:
    g_free(conf);
    g_strfreev(overrides);
    return rc;
}

int lw_ioc_cmd_correlate(int argc, char **argv)
{
    char *merged = NULL;
    gint min_agencies = 2;
    GOptionEntry entries[] = {
        { "write", 'w', 0, G_OPTION_ARG_FILENAME, &merged, "write the merged STIX bundle here", "FILE" },
        { "min-agencies", 'm', 0, G_OPTION_ARG_INT, &min_agencies, "agencies a campaign needs (2)", "N" },
        { NULL, 0, 0, 0, NULL, NULL, NULL }
    };
    struct lw_corr_input *in;
    struct lw_error err;
    GPtrArray *campaigns;
    int rc = 0;

    if (lw_options_parse("lurewatch-ioc correlate", "FILE... - campaigns across agencies' STIX and MISP exports",
                         NULL, entries, &argc, &argv) < 0 || argc < 2) {
        if (argc < 2)
            fprintf(stderr, "lurewatch-ioc correlate: no input files\n");
        g_free(merged);
        return EX_USAGE;
    }
    in = lw_corr_input_new();
    for (int i = 1; i < argc && rc == 0; i++) {
        if (lw_corr_load(in, argv[i], &err) < 0) {
            fprintf(stderr, "lurewatch-ioc correlate: %s: %s\n", argv[i], err.text);
            rc = EX_DATAERR;
        }
    }
    if (rc == 0) {
        campaigns = lw_corr_campaigns(in, (guint) MAX(min_agencies, 1));
        lw_corr_print(stdout, campaigns);
        if (merged) {
            GPtrArray *all = lw_corr_campaigns(in, 2);
            char *bundle = lw_corr_bundle(in, all);

            if (lw_write_atomic(merged, bundle, strlen(bundle), &err) < 0) {
                fprintf(stderr, "lurewatch-ioc correlate: %s\n", err.text);
                rc = EX_CANTCREAT;
            }
            g_free(bundle);
            g_ptr_array_unref(all);
        }
        g_ptr_array_unref(campaigns);
    }
    lw_corr_input_free(in);
    g_free(merged);
    return rc;
}
