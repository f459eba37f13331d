/*
 * lurewatch-scan - scan .eml files with the same core the milter uses
 *
 * SYNOPSIS
 *     lurewatch-scan [-c CONF] [-o key=value]... [--json] FILE|DIR|-...
 *     lurewatch-scan [-c CONF] [-o key=value]... --urls FILE|DIR|-...
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
 *     --urls prints, instead of the verdict, one JSON object per message
 *     with every URL found: {"file", "urls": [{url, raw, source, scheme,
 *     host, host_unicode, domain, userinfo, display, target, flags}]}.
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
    gboolean urls;
    char *lint;
    gboolean dump;
    char **inputs;
};

struct run {
    const struct options *opt;
    struct lw_engine *engine;
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
    if (run->opt->urls) {
        char *line = lw_urls_json(msg, file);

        puts(line);
        g_free(line);
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
        { "urls", 0, 0, G_OPTION_ARG_NONE, &opt->urls, "print the URLs found (JSON) instead of the verdict", NULL },
        { "lint-rules", 0, 0, G_OPTION_ARG_FILENAME, &opt->lint, "check a rules file", "FILE" },
        { "dump-config", 0, 0, G_OPTION_ARG_NONE, &opt->dump, "print the effective configuration", NULL },
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
    struct run run = { &opt, NULL, 0, 0 };

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
    for (int i = 0; opt.inputs[i]; i++)
        scan_path(&run, opt.inputs[i]);
    lw_engine_unref(run.engine);
    g_mime_shutdown();
    g_strfreev(opt.inputs);
    g_strfreev(opt.overrides);
    g_free(opt.config);
    g_free(opt.lint);
    return run.failures ? 1 : 0;
}
