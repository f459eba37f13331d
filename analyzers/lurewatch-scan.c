/*
 * lurewatch-scan - scan .eml files with the same core the milter uses
 *
 * SYNOPSIS
 *     lurewatch-scan [-c CONF] [-o key=value]... [--json] [--stats] [--publish] FILE|DIR|-...
 *     lurewatch-scan [-c CONF] --lint-rules FILE
 *     lurewatch-scan [-c CONF] [-o key=value]... --dump-config
 *
 * DESCRIPTION
 *     Each FILE is one message; a DIR is scanned recursively in name order;
 *     "-" reads one message from standard input. Without --json a short
 *     report per message is printed; with --json one JSON object per
 *     message, one per line (see analyzers/json.c for the fields).
 *
 *     A file that cannot be read, or that is not a parseable message, gets
 *     an error line on standard error (and, with --json, an object with an
 *     "error" field); the remaining files are still scanned and the exit
 *     status is 1 at the end.
 *
 *     Verdicts are cached (see analyzers/cache.c): a second copy of a
 *     message in one run, or in any run sharing the configured Redis, is
 *     served from the cache and shows "cached": true. --stats prints the
 *     cache counters to standard error at the end, as one line
 *     "cache: hits=N misses=N errors=N redis_round_trips=N redis_commands=N".
 *     --publish appends every scored message to the hits stream (Redis
 *     configured; spooled under spool_dir while Redis is down) and, with
 *     --stats, prints "hits: queued=N published=N spooled=N replayed=N ...".
 *
 *     --lint-rules checks a rules file and lists every bad rule with its
 *     line; the exit status is 1 if any rule is bad.
 *
 * EXIT STATUS
 *     0 all scanned, 1 some file failed or bad rules, 2 usage or
 *     configuration error.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <signal.h>

#include "cache.h"
#include "conf.h"
#include "engine.h"
#include "hits.h"
#include "json.h"
#include "log.h"
#include "rulefile.h"

struct options {
    char *config;
    char **overrides;
    gboolean json;
    char *lint;
    gboolean dump;
    gboolean stats;
    gboolean publish;
    char **inputs;
};

struct run {
    const struct options *opt;
    struct lw_engine *engine;
    struct lw_hits *hits;       /* NULL unless --publish */
    int failures;
    unsigned scanned;
};

static void print_report(const char *file, const struct lw_message *msg, const struct lw_verdict *v)
{
    char *subject = lw_printable(msg->subject, 100);

    printf("%s: %s score=%.1f hits=%u%s%s\n", file, lw_action_name(v->action), v->score,
           v->hits->len, v->failed ? " error=" : "", v->failed ? v->error : "");
    printf("  subject: %s\n", subject);
    for (guint i = 0; i < v->hits->len; i++) {
        const struct lw_hit *hit = g_ptr_array_index(v->hits, i);

        printf("  %6.1f  %-32s %s\n", hit->score, hit->rule, hit->description);
        if (hit->evidence)
            printf("          %-32s [%s]\n", "", hit->evidence);
    }
    g_free(subject);
}

static void report_error(struct run *run, const char *file, const char *why)
{
    fprintf(stderr, "lurewatch-scan: %s: %s\n", file, why);
    if (run->opt->json) {
        gchar *valid = g_utf8_make_valid(file, -1), *quoted = g_strescape(valid, NULL);
        gchar *why_q = g_strescape(why, NULL);

        printf("{\"file\":\"%s\",\"error\":\"%s\"}\n", quoted, why_q);
        g_free(valid);
        g_free(quoted);
        g_free(why_q);
    }
    run->failures++;
}

/* scan_buffer - parse and scan one message already in memory */
static void scan_buffer(struct run *run, const char *file, const char *data, size_t len)
{
    gint64 t0 = g_get_monotonic_time();
    struct lw_message *msg = lw_engine_parse(run->engine, data, len, NULL);
    struct lw_verdict *v = lw_engine_scan(run->engine, msg);

    v->elapsed_ms = (double) (g_get_monotonic_time() - t0) / 1000.0;
    run->scanned++;
    if (msg->unparseable)
        lw_verdict_fail(v, len == 0 ? "empty file" : "not a parseable message");
    if (run->hits && !v->failed)
        lw_hits_publish(run->hits, msg, v);
    if (run->opt->json) {
        char *line = lw_verdict_json(v, msg, file);

        puts(line);
        g_free(line);
    } else {
        print_report(file, msg, v);
    }
    fflush(stdout);             /* one result per message as it is done, also into a pipe */
    if (v->failed) {
        fprintf(stderr, "lurewatch-scan: %s: %s\n", file, v->error);
        run->failures++;
    }
    lw_verdict_free(v);
    lw_message_free(msg);
}

static void scan_path(struct run *run, const char *path);

static gint cmp_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static void scan_dir(struct run *run, const char *path)
{
    GError *gerr = NULL;
    GDir *dir = g_dir_open(path, 0, &gerr);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (dir == NULL) {
        report_error(run, path, gerr->message);
        g_error_free(gerr);
        g_ptr_array_unref(names);
        return;
    }
    while ((name = g_dir_read_name(dir)) != NULL)
        g_ptr_array_add(names, g_build_filename(path, name, NULL));
    g_dir_close(dir);
    g_ptr_array_sort(names, cmp_strings);
    for (guint i = 0; i < names->len; i++)
        scan_path(run, g_ptr_array_index(names, i));
    g_ptr_array_unref(names);
}

static void scan_path(struct run *run, const char *path)
{
    gchar *data = NULL;
    gsize len = 0;
    GError *gerr = NULL;

    if (strcmp(path, "-") == 0) {
        GIOChannel *in = g_io_channel_unix_new(STDIN_FILENO);

        g_io_channel_set_encoding(in, NULL, NULL);
        if (g_io_channel_read_to_end(in, &data, &len, &gerr) != G_IO_STATUS_NORMAL) {
            report_error(run, "-", gerr ? gerr->message : "read error");
            g_clear_error(&gerr);
        } else {
            scan_buffer(run, "-", data, len);
        }
        g_io_channel_unref(in);
    } else if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
        scan_dir(run, path);
    } else if (!g_file_get_contents(path, &data, &len, &gerr)) {
        report_error(run, path, gerr->message);
        g_error_free(gerr);
    } else {
        scan_buffer(run, path, data, len);
    }
    g_free(data);
}

/* lint_rules - list every bad rule of a file */
static int lint_rules(const char *path)
{
    GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
    struct lw_ruleset *set = lw_ruleset_load(path, errors);
    int rc = errors->len > 0;

    for (guint i = 0; i < errors->len; i++)
        printf("%s\n", (char *) g_ptr_array_index(errors, i));
    printf("%s: %u good rules, %u bad\n", path, set ? set->rules->len : 0, errors->len);
    lw_ruleset_free(set);
    g_ptr_array_unref(errors);
    return rc;
}

static int parse_options(int *argc, char ***argv, struct options *opt)
{
    GOptionEntry entries[] = {
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt->config, "configuration file", "CONF" },
        { "option", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &opt->overrides, "override one key", "KEY=VALUE" },
        { "json", 'j', 0, G_OPTION_ARG_NONE, &opt->json, "one JSON object per message", NULL },
        { "lint-rules", 0, 0, G_OPTION_ARG_FILENAME, &opt->lint, "check a rules file", "FILE" },
        { "dump-config", 0, 0, G_OPTION_ARG_NONE, &opt->dump, "print the effective configuration", NULL },
        { "stats", 0, 0, G_OPTION_ARG_NONE, &opt->stats, "print cache (and hits) counters to stderr", NULL },
        { "publish", 0, 0, G_OPTION_ARG_NONE, &opt->publish, "append scored messages to the hits stream", NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt->inputs, NULL, "FILE|DIR|-..." },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    GOptionContext *ctx = g_option_context_new("- scan messages for phishing and malware");
    GError *gerr = NULL;
    int ok;

    g_option_context_add_main_entries(ctx, entries, NULL);
    ok = g_option_context_parse(ctx, argc, argv, &gerr);
    if (!ok) {
        fprintf(stderr, "lurewatch-scan: %s\n", gerr->message);
        g_error_free(gerr);
    }
    g_option_context_free(ctx);
    return ok ? 0 : -1;
}

/* print_stats - the cache and hits counters, one line each, on stderr */
static void print_stats(struct run *run)
{
    struct lw_cache *cache = lw_engine_cache(run->engine);
    struct lw_cache_stats cs = { 0 };
    struct lw_hits_stats hs = { 0 };

    if (cache)
        lw_cache_get_stats(cache, &cs);
    fprintf(stderr, "cache: hits=%" G_GUINT64_FORMAT " misses=%" G_GUINT64_FORMAT " errors=%" G_GUINT64_FORMAT
            " redis_round_trips=%" G_GUINT64_FORMAT " redis_commands=%" G_GUINT64_FORMAT " scanned=%u\n",
            cs.hits, cs.misses, cs.errors, cs.round_trips, cs.commands, run->scanned);
    if (run->hits) {
        lw_hits_get_stats(run->hits, &hs);
        fprintf(stderr, "hits: queued=%" G_GUINT64_FORMAT " published=%" G_GUINT64_FORMAT " spooled=%"
                G_GUINT64_FORMAT " replayed=%" G_GUINT64_FORMAT " duplicates=%" G_GUINT64_FORMAT
                " rejected=%" G_GUINT64_FORMAT " spool_errors=%" G_GUINT64_FORMAT "\n",
                hs.queued, hs.published, hs.spooled, hs.replayed, hs.duplicates, hs.rejected,
                hs.spool_errors);
    }
}

int main(int argc, char **argv)
{
    struct options opt = { 0 };
    struct lw_error err;
    struct lw_config *cfg;
    struct run run = { &opt, NULL, NULL, 0, 0 };

    signal(SIGPIPE, SIG_IGN);   /* a write to a Redis connection the server closed */
    if (parse_options(&argc, &argv, &opt) < 0)
        return 2;
    if (opt.lint)
        return lint_rules(opt.lint);
    if ((cfg = lw_config_setup(opt.config, opt.overrides, &err)) == NULL) {
        fprintf(stderr, "lurewatch-scan: %s\n", err.text);
        return 2;
    }
    if (opt.dump) {
        lw_config_dump(cfg, stdout, 0);
        lw_config_free(cfg);
        return 0;
    }
    if (opt.inputs == NULL) {
        fprintf(stderr, "lurewatch-scan: no input; give FILE, DIR or - (see --help)\n");
        lw_config_free(cfg);
        return 2;
    }
    lw_gmime_init();
    if ((run.engine = lw_engine_new(cfg, &err)) == NULL) {
        fprintf(stderr, "lurewatch-scan: %s\n", err.text);
        return 2;
    }
    if (opt.publish) {
        const struct lw_config *ecfg = lw_engine_config(run.engine);

        if (!lw_hits_configured(ecfg)) {
            fprintf(stderr, "lurewatch-scan: --publish needs redis_server or redis_sentinels, and hits_stream\n");
            lw_engine_unref(run.engine);
            return 2;
        }
        if ((run.hits = lw_hits_new(ecfg, &err)) == NULL) {
            fprintf(stderr, "lurewatch-scan: %s\n", err.text);
            lw_engine_unref(run.engine);
            return 2;
        }
    }
    for (int i = 0; opt.inputs[i]; i++)
        scan_path(&run, opt.inputs[i]);
    lw_hits_stop(run.hits);     /* drains: every event is in Redis or the spool */
    if (opt.stats)
        print_stats(&run);
    lw_hits_free(run.hits);
    lw_engine_unref(run.engine);
    g_mime_shutdown();
    g_strfreev(opt.inputs);
    g_strfreev(opt.overrides);
    g_free(opt.config);
    g_free(opt.lint);
    return run.failures ? 1 : 0;
}
