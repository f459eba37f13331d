/*
 * lurewatch-scan - scan .eml files with the same core the milter uses
 *
 * SYNOPSIS
 *     lurewatch-scan [-c CONF] [-o key=value]... [--json] FILE|DIR|-...
 *     lurewatch-scan [-c CONF] --lint-rules FILE
 *     lurewatch-scan [-c CONF] [-o key=value]... --dump-config
 *     lurewatch-scan [-c CONF] [-o key=value]... --stats PHISH_DIR HAM_DIR
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
 *     --stats measures detection: it scans a directory of known phishing
 *     and one of known legitimate mail (both recursively) and prints the
 *     detection rate (phishing at quarantine or reject), the false-positive
 *     rate (legitimate mail at quarantine or reject) at the configured
 *     thresholds, the rate at every threshold from 1 to 20, a table of rule
 *     id -> hits in each set, and the worst false positives. Use it to set
 *     scores and thresholds from measurement (try them with -o).
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

#include "conf.h"
#include "engine.h"
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
    char **inputs;
};

#define STATS_SETS 2            /* 0: phishing, 1: legitimate */
#define STATS_MAX_SCORE 20
#define STATS_WORST 15

/* What --stats accumulates for each set. */
struct stats {
    unsigned messages[STATS_SETS];
    unsigned by_action[STATS_SETS][LW_ACTION_REJECT + 1];
    unsigned at_least[STATS_SETS][STATS_MAX_SCORE + 1];    /* score >= i */
    GHashTable *rules;          /* rule id -> unsigned[STATS_SETS] */
    GPtrArray *worst;           /* struct worst of the legitimate set */
};

struct worst {
    double score;
    char *line;
};

struct run {
    const struct options *opt;
    struct lw_engine *engine;
    int failures;
    unsigned scanned;
    struct stats *stats;        /* non-NULL in --stats mode */
    int set;                    /* which set is being scanned */
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

static void scan_path(struct run *run, const char *path);

static void worst_free(gpointer p)
{
    struct worst *w = p;

    g_free(w->line);
    g_free(w);
}

static gint worst_cmp(gconstpointer a, gconstpointer b)
{
    const struct worst *x = *(struct worst *const *) a, *y = *(struct worst *const *) b;

    return x->score < y->score ? 1 : x->score > y->score ? -1 : 0;
}

/* stats_add - count one verdict in the set being scanned */
static void stats_add(struct run *run, const char *file, const struct lw_message *msg,
                      const struct lw_verdict *v)
{
    struct stats *st = run->stats;
    int set = run->set;

    st->messages[set]++;
    st->by_action[set][v->action]++;
    for (int i = 0; i <= STATS_MAX_SCORE && v->score >= i; i++)
        st->at_least[set][i]++;
    for (guint i = 0; i < v->hits->len; i++) {
        const struct lw_hit *hit = g_ptr_array_index(v->hits, i);
        unsigned *n = g_hash_table_lookup(st->rules, hit->rule);
        int dup = 0;

        for (guint j = 0; j < i && !dup; j++)
            dup = strcmp(((struct lw_hit *) g_ptr_array_index(v->hits, j))->rule, hit->rule) == 0;
        if (dup)
            continue;
        if (n == NULL)
            g_hash_table_insert(st->rules, g_strdup(hit->rule), n = g_new0(unsigned, STATS_SETS));
        n[set]++;
    }
    if (set == 1 && v->action >= LW_ACTION_TAG) {
        struct worst *w = g_new(struct worst, 1);
        char *subject = lw_printable(msg->subject, 50), *hits = lw_verdict_hits_summary(v, 6);

        w->score = v->score;
        w->line = g_strdup_printf("%5.1f %-10s %s\n        subject: %s\n        %s", v->score,
                                  lw_action_name(v->action), file, subject, hits);
        g_ptr_array_add(st->worst, w);
        g_free(subject);
        g_free(hits);
    }
}

static double pct(unsigned n, unsigned of)
{
    return of ? 100.0 * n / of : 0.0;
}

static gint rule_cmp(gconstpointer a, gconstpointer b, gpointer table)
{
    const unsigned *x = g_hash_table_lookup(table, *(char *const *) a);
    const unsigned *y = g_hash_table_lookup(table, *(char *const *) b);

    if (x[0] != y[0])
        return x[0] < y[0] ? 1 : -1;
    if (x[1] != y[1])
        return x[1] < y[1] ? -1 : 1;
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* stats_print - the report of --stats */
static void stats_print(const struct stats *st, const struct lw_config *cfg)
{
    unsigned p = st->messages[0], h = st->messages[1];
    unsigned pd = st->by_action[0][LW_ACTION_QUARANTINE] + st->by_action[0][LW_ACTION_REJECT];
    unsigned hd = st->by_action[1][LW_ACTION_QUARANTINE] + st->by_action[1][LW_ACTION_REJECT];
    GPtrArray *ids = g_ptr_array_new();
    GHashTableIter it;
    gpointer key;

    printf("thresholds: tag %g, quarantine %g, reject %g\n", cfg->tag_score, cfg->quarantine_score,
           cfg->reject_score);
    printf("phishing:   %u messages: detection rate %.1f%% (%u at quarantine or reject; %u reject, %u tag, %u accept)\n",
           p, pct(pd, p), pd, st->by_action[0][LW_ACTION_REJECT], st->by_action[0][LW_ACTION_TAG],
           st->by_action[0][LW_ACTION_ACCEPT]);
    printf("legitimate: %u messages: false-positive rate %.2f%% (%u at quarantine or reject; %u reject, %u tag)\n",
           h, pct(hd, h), hd, st->by_action[1][LW_ACTION_REJECT], st->by_action[1][LW_ACTION_TAG]);
    printf("\nscore >=  phishing  legitimate\n");
    for (int i = 1; i <= STATS_MAX_SCORE; i++)
        printf("%8d  %7.1f%%  %9.2f%%\n", i, pct(st->at_least[0][i], p), pct(st->at_least[1][i], h));
    g_hash_table_iter_init(&it, st->rules);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_ptr_array_add(ids, key);
    g_ptr_array_sort_with_data(ids, rule_cmp, st->rules);
    printf("\n%-34s %8s %10s\n", "rule", "phishing", "legitimate");
    for (guint i = 0; i < ids->len; i++) {
        const unsigned *n = g_hash_table_lookup(st->rules, g_ptr_array_index(ids, i));

        printf("%-34s %8u %10u\n", (char *) g_ptr_array_index(ids, i), n[0], n[1]);
    }
    g_ptr_array_sort(st->worst, worst_cmp);
    printf("\nworst false positives (legitimate mail tagged or worse):\n");
    for (guint i = 0; i < st->worst->len && i < STATS_WORST; i++)
        printf("%s\n", ((struct worst *) g_ptr_array_index(st->worst, i))->line);
    g_ptr_array_unref(ids);
}

/* run_stats - scan both sets and print the report; 2 on bad arguments */
static int run_stats(struct run *run, const struct lw_config *cfg)
{
    struct stats st;

    if (run->opt->inputs == NULL || g_strv_length(run->opt->inputs) != 2) {
        fprintf(stderr, "lurewatch-scan: --stats wants two directories: PHISH_DIR HAM_DIR\n");
        return 2;
    }
    memset(&st, 0, sizeof(st));
    st.rules = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    st.worst = g_ptr_array_new_with_free_func(worst_free);
    run->stats = &st;
    for (run->set = 0; run->set < STATS_SETS; run->set++)
        scan_path(run, run->opt->inputs[run->set]);
    stats_print(&st, cfg);
    g_hash_table_unref(st.rules);
    g_ptr_array_unref(st.worst);
    return 0;
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
    if (run->stats) {
        stats_add(run, file, msg, v);
    } else if (run->opt->json) {
        char *line = lw_verdict_json(v, msg, file);

        puts(line);
        g_free(line);
    } else {
        print_report(file, msg, v);
    }
    if (v->failed) {
        fprintf(stderr, "lurewatch-scan: %s: %s\n", file, v->error);
        run->failures++;
    }
    lw_verdict_free(v);
    lw_message_free(msg);
}

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
        { "stats", 0, 0, G_OPTION_ARG_NONE, &opt->stats, "measure detection on PHISH_DIR and HAM_DIR", NULL },
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

int main(int argc, char **argv)
{
    struct options opt = { 0 };
    struct lw_error err;
    struct lw_config *cfg;
    struct run run = { &opt, NULL, 0, 0, NULL, 0 };
    int rc;

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
    if (opt.stats) {
        rc = run_stats(&run, lw_engine_config(run.engine));
    } else {
        for (int i = 0; opt.inputs[i]; i++)
            scan_path(&run, opt.inputs[i]);
        rc = run.failures ? 1 : 0;
    }
    lw_engine_unref(run.engine);
    g_mime_shutdown();
    g_strfreev(opt.inputs);
    g_strfreev(opt.overrides);
    g_free(opt.config);
    g_free(opt.lint);
    return rc;
}
