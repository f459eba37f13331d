/*
 * lurewatch-scan - scan .eml files with the same core the milter uses
 *
 * SYNOPSIS
 *     lurewatch-scan [-c CONF] [-o key=value]... [--json] [--counters] [--publish] FILE|DIR|-...
 *     lurewatch-scan [-c CONF] [-o key=value]... --explain FILE|DIR|-...
 *     lurewatch-scan [-c CONF] [-o key=value]... --urls FILE|DIR|-...
 *     lurewatch-scan [-c CONF] --lint-rules FILE
 *     lurewatch-scan [-c CONF] [-o key=value]... --dump-config | --sample-config | --man-config
 *     lurewatch-scan [-c CONF] [-o key=value]... --stats PHISH_DIR HAM_DIR
 *
 * DESCRIPTION
 *     Each FILE is one message; a DIR is scanned recursively in name order;
 *     "-" reads one message from standard input. Without --json a short
 *     report per message is printed; with --json one JSON object per
 *     message, one per line (see analyzers/model/json.c for the fields).
 *
 *     A file that cannot be read, or that is not a parseable message, gets
 *     an error line on standard error (and, with --json, an object with an
 *     "error" field); the remaining files are still scanned and the exit
 *     status is 1 at the end. Inside a scanned directory, what is neither
 *     a directory nor a regular file (a FIFO, a socket, a device) is such
 *     an error, never opened for reading, so that a FIFO there cannot
 *     stall the scan; a path named on the command line is read whatever it
 *     is (a FIFO feeding mails, like "-").
 *
 *     --stats measures detection: it scans a directory of known phishing
 *     and one of known legitimate mail (both recursively) and prints the
 *     detection rate (phishing at quarantine or reject), the false-positive
 *     rate (legitimate mail at quarantine or reject) at the configured
 *     thresholds, the rate at every threshold from 1 to 20, a table of rule
 *     id -> hits in each set, and the worst false positives. Use it to set
 *     scores and thresholds from measurement (try them with -o).
 *
 *     --explain prints, for each message, every hit with its class, score,
 *     description and evidence, the score of each class, and why the action
 *     was chosen: which hit is the evidence of a technique (or that there is
 *     none, and the signals were capped below quarantine) and which
 *     threshold the score reached (lw_verdict_explain, model/score.c: the
 *     text the report mails use too).
 *
 *     --urls prints, instead of the verdict, one JSON object per message
 *     with every URL found: {"file", "urls": [{url, raw, source, scheme,
 *     host, host_unicode, domain, userinfo, display, target, flags}],
 *     "qr": {images, skipped, codes: [{path, text}]}}: pictures decoded
 *     looking for QR codes, pictures skipped, and the payloads found.
 *     Verdicts are cached (see analyzers/cache/cache.c): a second copy of a
 *     message in one run, or in any run sharing the configured Redis, is
 *     served from the cache and shows "cached": true. --counters prints the
 *     cache counters to standard error at the end, as one line
 *     "cache: hits=N misses=N errors=N redis_round_trips=N redis_commands=N
 *     attachment_hits=N attachment_misses=N scanned=N" (hits and misses
 *     are message verdicts; attachment_* the antivirus results), then
 *     "rules: rule_limits=N", the messages on which a rule hit a PCRE2
 *     limit (LW_RULE_MATCH_LIMIT, analyzers/rules.c).
 *     --publish appends every scored message to the hits stream (Redis
 *     configured; spooled under spool_dir while Redis is down; its
 *     queue_id is "scan-" and the first 16 hex digits of the SHA-256 of
 *     the file's bytes, the same in every run, for a release) and, with
 *     --counters, prints "hits: queued=N published=N spooled=N replayed=N ...".
 *
 *     --lint-rules checks a rules file and lists every bad rule with its
 *     line; the exit status is 1 if any rule is bad. It also says how many
 *     pattern rules have a prefilter (a literal every match contains, so
 *     the pattern runs only on texts that have it: analyzers/prefilter.c)
 *     and lists the rules without one, which run on every text.
 *
 *     --sample-config prints every key commented out at its default under
 *     its help (contrib/lurewatch.conf.sample); --man-config prints
 *     lurewatch.conf(5), every key with its help, bounds and default, as
 *     roff (man/lurewatch.conf.5.in is made from it: make update-man).
 *
 * EXIT STATUS
 *     0 all scanned, 1 some file failed or bad rules (--lint-rules), 64
 *     (EX_USAGE) for a bad command line, 78 (EX_CONFIG) for a bad
 *     configuration, rules or data file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signal.h>

#include "cache/cache.h"
#include "util/conf.h"
#include "util/digest.h"
#include "engine.h"
#include "cache/hits.h"
#include "model/json.h"
#include "model/score.h"
#include "util/log.h"
#include "util/options.h"
#include "man-config.h"
#include "prefilter.h"
#include "rulefile.h"
#include "util/sort.h"

#define SAMPLE_HEADER \
    "# lurewatch.conf - configuration of lurewatch-milter, lurewatch-scan and the other tools\n" \
    "#\n" \
    "# Every key is shown commented out at its built-in default, under what it does.\n" \
    "# Format: \"key = value\"; values may be quoted to keep spaces; sizes take k, M, G.\n" \
    "# \"score.RULE_ID = N\" changes the score of one rule (0 disables it).\n" \
    "# Any key can be overridden for one run with -o key=value.\n" \
    "# Generated by lurewatch-scan --sample-config from the built-in key table.\n"

struct options {
    char *config;
    char **overrides;
    gboolean json;
    gboolean urls;
    gboolean explain;
    char *lint;
    gboolean dump;
    gboolean stats;
    gboolean sample;
    gboolean man;
    gboolean counters;
    gboolean publish;
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
    struct lw_hits *hits;       /* NULL unless --publish */
    int failures;
    unsigned scanned;
    unsigned rule_limits;       /* messages with LW_RULE_MATCH_LIMIT */
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

/* report_error - the error line, and with --json an object {"file", "error"} (JSON through jansson) */
static void report_error(struct run *run, const char *file, const char *why)
{
    fprintf(stderr, "lurewatch-scan: %s: %s\n", file, why);
    if (run->opt->json) {
        GPtrArray *fields = g_ptr_array_new();
        char *line;

        g_ptr_array_add(fields, "file");
        g_ptr_array_add(fields, (gpointer) file);
        g_ptr_array_add(fields, "error");
        g_ptr_array_add(fields, (gpointer) why);
        line = lw_fields_json(fields);
        printf("%s\n", line);
        g_free(line);
        g_ptr_array_unref(fields);
    }
    run->failures++;
}

static void scan_path(struct run *run, const char *path, int named);

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
    return lw_cmp_strptr(a, b);
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

/* run_stats - scan both sets and print the report; EX_USAGE on bad arguments */
static int run_stats(struct run *run, const struct lw_config *cfg)
{
    struct stats st;

    if (run->opt->inputs == NULL || g_strv_length(run->opt->inputs) != 2) {
        fprintf(stderr, "lurewatch-scan: --stats wants two directories: PHISH_DIR HAM_DIR\n");
        return EX_USAGE;
    }
    memset(&st, 0, sizeof(st));
    st.rules = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    st.worst = g_ptr_array_new_with_free_func(worst_free);
    run->stats = &st;
    for (run->set = 0; run->set < STATS_SETS; run->set++)
        scan_path(run, run->opt->inputs[run->set], 1);
    stats_print(&st, cfg);
    g_hash_table_unref(st.rules);
    g_ptr_array_unref(st.worst);
    return 0;
}

/*
 * publish - a hits entry for a scanned file: its queue id is "scan-" and
 * the first 16 hex digits of the SHA-256 of the message's bytes, the same
 * for the same file in every run, so that a release can name it
 */
static void publish(struct lw_hits *hits, const struct lw_message *msg, const struct lw_verdict *v,
                    const char *data, size_t len)
{
    char sha[LW_DIGEST_HEX_SIZE];
    char *qid = g_strdup_printf("scan-%.16s", lw_digest_hex(LW_DIGEST_SHA256, data, len, sha));

    lw_hits_publish_as(hits, msg, v, qid);
    g_free(qid);
}

/*
 * scan_buffer - judge one message already in memory: the verdict cache is
 * looked up before parsing (on a hit only the header is parsed), except
 * for --urls, which lists what only the whole message has
 */
static void scan_buffer(struct run *run, const char *file, const char *data, size_t len)
{
    gint64 t0 = g_get_monotonic_time();
    struct lw_message *msg = NULL;
    struct lw_verdict *v;

    if (run->opt->urls) {
        msg = lw_engine_parse(run->engine, data, len, NULL);
        v = lw_engine_scan(run->engine, msg);
    } else {
        v = lw_engine_check(run->engine, data, len, NULL, NULL, 0, &msg);
    }

    v->elapsed_ms = (double) (g_get_monotonic_time() - t0) / 1000.0;
    run->scanned++;
    run->rule_limits += lw_verdict_has_rule(v, "LW_RULE_MATCH_LIMIT") != 0;
    if (msg->unparseable)
        lw_verdict_fail(v, len == 0 ? "empty file" : "not a parseable message");
    if (run->hits && !v->failed)
        publish(run->hits, msg, v, data, len);
    if (run->stats) {
        stats_add(run, file, msg, v);
    } else if (run->opt->explain) {
        char *text = lw_verdict_explain(v, lw_engine_config(run->engine));
        char *subject = lw_printable(msg->subject, 100);

        printf("%s\nsubject: %s\n%s\n", file, subject, text);
        g_free(subject);
        g_free(text);
    } else if (run->opt->urls) {
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
    fflush(stdout);             /* one result per message as it is done, also into a pipe */
    if (v->failed) {
        fprintf(stderr, "lurewatch-scan: %s: %s\n", file, v->error);
        run->failures++;
    }
    lw_verdict_free(v);
    lw_message_free(msg);
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
    g_ptr_array_sort(names, lw_cmp_strptr);
    for (guint i = 0; i < names->len; i++)
        scan_path(run, g_ptr_array_index(names, i), 0);
    g_ptr_array_unref(names);
}

/*
 * read_fd - all of fd (closed here) into *data (g_free, NUL-terminated
 * after *len bytes); the reason on failure. A regular file is read into
 * one buffer sized from fstat, never reallocated
 * (GIOChannel's 1 KB reads into a growing string cost more CPU than
 * judging a cached copy of a large message); anything else, or a file
 * that grew, doubles the buffer as it fills.
 */
static const char *read_fd(int fd, gchar **data, gsize *len, GError **gerr)
{
    struct stat st;
    gsize size = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < G_MAXINT32
                 ? (gsize) st.st_size + 1 : 65536;
    gchar *buf = g_malloc(size);
    gsize at = 0;
    const char *why = NULL;

    (void) gerr;
    for (;;) {
        ssize_t n;

        if (at == size)
            buf = g_realloc(buf, size *= 2);
        n = read(fd, buf + at, size - at);  /* the last byte too: a file's last read gets 0 */
        if (n > 0)
            at += (gsize) n;
        else if (n == 0)
            break;
        else if (errno != EINTR) {
            why = g_strerror(errno);
            break;
        }
    }
    if (fd != STDIN_FILENO)
        close(fd);
    if (at == size)
        buf = g_realloc(buf, size + 1);
    buf[at] = '\0';
    *len = at;
    *data = buf;
    if (why != NULL) {
        g_free(*data);
        *data = NULL;
    }
    return why;
}

/*
 * read_regular - a regular file's bytes (g_free), or why not. Anything else
 * is refused before it is opened; the open does not block and is checked
 * again on the descriptor, so a file swapped for a FIFO cannot stall us.
 * This is for what a directory walk finds; a path named on the command
 * line is read whatever it is (read_named), as "-" is.
 */
static const char *read_regular(const char *path, gchar **data, gsize *len, GError **gerr)
{
    struct stat st;
    int fd;

    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return "not a regular file, skipped";
    if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
        return g_strerror(errno);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return "not a regular file, skipped";
    }
    return read_fd(fd, data, len, gerr);
}

/* read_named - the bytes of a path the user named (a FIFO or device included: they asked) */
static const char *read_named(const char *path, gchar **data, gsize *len, GError **gerr)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    return fd < 0 ? g_strerror(errno) : read_fd(fd, data, len, gerr);
}

/* scan_path - scan a file, "-" or a directory; named: given on the command line */
static void scan_path(struct run *run, const char *path, int named)
{
    gchar *data = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    const char *why;

    if (strcmp(path, "-") != 0 && g_file_test(path, G_FILE_TEST_IS_DIR)) {
        scan_dir(run, path);
        return;
    }
    if (strcmp(path, "-") == 0)
        why = read_fd(STDIN_FILENO, &data, &len, &gerr);
    else
        why = named ? read_named(path, &data, &len, &gerr) : read_regular(path, &data, &len, &gerr);
    if (why != NULL)
        report_error(run, path, why);
    else
        scan_buffer(run, path, data, len);
    g_clear_error(&gerr);
    g_free(data);
}

/* lint_prefilter - how many pattern rules have required literals; list the others */
static void lint_prefilter(const struct lw_ruleset *set)
{
    GPtrArray *without = g_ptr_array_new();
    guint patterns = 0;

    for (guint i = 0; i < set->rules->len; i++) {
        const struct lw_rule *r = g_ptr_array_index(set->rules, i);
        uint32_t options = 0;
        GPtrArray *lits;

        if (r->re == NULL)
            continue;
        patterns++;
        (void) pcre2_pattern_info(r->re, PCRE2_INFO_ARGOPTIONS, &options);
        if ((lits = lw_prefilter_literals(r->pattern, options)) != NULL)
            g_ptr_array_unref(lits);
        else
            g_ptr_array_add(without, (gpointer) r);
    }
    printf("%s: prefilter: %u of %u pattern rules need a literal and run only when it occurs",
           set->source, patterns - without->len, patterns);
    printf("%s\n", without->len ? "; these run on every text:" : "");
    for (guint i = 0; i < without->len; i++) {
        const struct lw_rule *r = g_ptr_array_index(without, i);

        printf("%s:%d: %s: no required literal of %d bytes or more\n", set->source, r->line, r->id,
               LW_PREFILTER_MIN_LITERAL);
    }
    g_ptr_array_unref(without);
}

/* lint_classes - each scoring rule's class, and the classes of the rules defined in C */
static void lint_classes(const struct lw_ruleset *set)
{
    printf("classes (techniques: evasion, deception, impersonation, malware, indicator;"
           " signals: lure, link, bulk):\n");
    for (guint i = 0; i < set->rules->len; i++) {
        const struct lw_rule *r = g_ptr_array_index(set->rules, i);

        if (lw_rule_is_helper(r))
            continue;
        printf("%-32s %-13s %5.1f%s\n", r->id, lw_class_name(r->cls), r->score,
               r->classed ? "" : "  (no class given: counted as lure)");
    }
    printf("built-in rules (analyzers/*.c):\n");
    lw_rule_builtin_print(stdout);
}

/* lint_rules - list every bad rule of a file, the rules without a prefilter, the classes */
static int lint_rules(const char *path)
{
    GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
    struct lw_ruleset *set = lw_ruleset_load(path, errors);
    int rc = errors->len > 0;

    for (guint i = 0; i < errors->len; i++)
        printf("%s\n", (char *) g_ptr_array_index(errors, i));
    if (set) {
        lint_prefilter(set);
        lint_classes(set);
    }
    printf("%s: %u good rules, %u bad\n", path, set ? set->rules->len : 0, errors->len);
    lw_ruleset_free(set);
    g_ptr_array_unref(errors);
    return rc;
}

static int parse_options(int *argc, char ***argv, struct options *opt)
{
    GOptionEntry entries[] = {
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt->config, "configuration file", "CONF" },
        { "option", 'o', 0, G_OPTION_ARG_FILENAME_ARRAY, &opt->overrides, "override one key (UTF-8, whatever the locale)", "KEY=VALUE" },
        { "json", 'j', 0, G_OPTION_ARG_NONE, &opt->json, "one JSON object per message", NULL },
        { "urls", 0, 0, G_OPTION_ARG_NONE, &opt->urls, "print the URLs found (JSON) instead of the verdict", NULL },
        { "explain", 0, 0, G_OPTION_ARG_NONE, &opt->explain, "explain each verdict: hits by class, and why the action", NULL },
        { "lint-rules", 0, 0, G_OPTION_ARG_FILENAME, &opt->lint, "check a rules file", "FILE" },
        { "dump-config", 0, 0, G_OPTION_ARG_NONE, &opt->dump, "print the effective configuration", NULL },
        { "stats", 0, 0, G_OPTION_ARG_NONE, &opt->stats, "measure detection on PHISH_DIR and HAM_DIR", NULL },
        { "sample-config", 0, 0, G_OPTION_ARG_NONE, &opt->sample, "print a commented sample configuration", NULL },
        { "man-config", 0, 0, G_OPTION_ARG_NONE, &opt->man, "print lurewatch.conf(5), every key, as roff", NULL },
        { "counters", 0, 0, G_OPTION_ARG_NONE, &opt->counters, "print cache (and hits) counters to stderr", NULL },
        { "publish", 0, 0, G_OPTION_ARG_NONE, &opt->publish, "append scored messages to the hits stream", NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt->inputs, NULL, "FILE|DIR|-..." },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    return lw_options_parse("lurewatch-scan", "- scan messages for phishing and malware", NULL,
                            entries, argc, argv);
}

/* free_options - what GOption allocated */
static void free_options(struct options *opt)
{
    g_strfreev(opt->inputs);
    g_strfreev(opt->overrides);
    g_free(opt->config);
    g_free(opt->lint);
}

/* print_counters - the cache and hits counters, one line each, on stderr */
static void print_counters(struct run *run)
{
    struct lw_cache *cache = lw_engine_cache(run->engine);
    struct lw_cache_stats cs = { 0 };
    struct lw_hits_stats hs = { 0 };
    char *line;

    if (cache)
        lw_cache_get_stats(cache, &cs);
    line = lw_cache_stats_format(&cs);
    fprintf(stderr, "cache: %s scanned=%u\n", line, run->scanned);
    fprintf(stderr, "rules: rule_limits=%u\n", run->rule_limits);
    g_free(line);
    if (run->hits) {
        lw_hits_get_stats(run->hits, &hs);
        line = lw_hits_stats_format(&hs);
        fprintf(stderr, "hits: %s\n", line);
        g_free(line);
    }
}

/* start_publish - the hits stream for --publish; -1 after saying why */
static int start_publish(struct run *run)
{
    const struct lw_config *ecfg = lw_engine_config(run->engine);
    struct lw_error err;

    if (!lw_hits_configured(ecfg)) {
        fprintf(stderr, "lurewatch-scan: --publish needs redis_server or redis_sentinels, and hits_stream\n");
        return -1;
    }
    if ((run->hits = lw_hits_new(ecfg, &err)) == NULL) {
        fprintf(stderr, "lurewatch-scan: %s\n", err.text);
        return -1;
    }
    return 0;
}

/*
 * keep_freed_memory - judging a message allocates buffers the size of its
 * raw bytes and of each decoded part. By default glibc maps each large one
 * on its own and unmaps it when freed, so every message faults its pages
 * in afresh: a tenth of the scanner's CPU over the benchmark corpus, page
 * faults being dear in a virtual machine. Up to 32 MB a buffer comes from
 * the heap instead, and up to 128 MB freed stays there for the next
 * message (glibc's own adjustment raises the first limit only to the
 * largest buffer freed so far, and keeps trimming the heap): 6,700 page
 * faults over the 300 mails of contrib/bench/run -q became 4,100.
 */
static void keep_freed_memory(void)
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

int main(int argc, char **argv)
{
    struct options opt = { 0 };
    struct lw_error err;
    struct lw_config *cfg = NULL;
    struct run run = { .opt = &opt };
    int rc = EX_USAGE;

    signal(SIGPIPE, SIG_IGN);   /* a write to a Redis connection the server closed */
    keep_freed_memory();
    if (parse_options(&argc, &argv, &opt) < 0)
        goto out;
    if (opt.lint) {
        rc = lint_rules(opt.lint);
        goto out;
    }
    if ((cfg = lw_config_setup(opt.config, opt.overrides, &err)) == NULL) {
        fprintf(stderr, "lurewatch-scan: %s\n", err.text);
        rc = EX_CONFIG;
        goto out;
    }
    if (opt.sample) {
        struct lw_config *dflt = lw_config_new();

        fputs(SAMPLE_HEADER, stdout);
        lw_config_dump(dflt, stdout, 1);
        lw_config_free(dflt);
        rc = 0;
        goto out;
    }
    if (opt.man) {
        lw_man_config(stdout);
        rc = 0;
        goto out;
    }
    if (opt.dump) {
        lw_config_dump(cfg, stdout, 0);
        rc = 0;
        goto out;
    }
    if (opt.inputs == NULL) {
        fprintf(stderr, "lurewatch-scan: no input; give FILE, DIR or - (see --help)\n");
        goto out;
    }
    lw_gmime_init();
    run.engine = lw_engine_new(cfg, &err);      /* takes cfg, even on failure */
    cfg = NULL;
    rc = EX_CONFIG;
    if (run.engine == NULL) {
        fprintf(stderr, "lurewatch-scan: %s\n", err.text);
    } else if (opt.publish && start_publish(&run) < 0) {
        rc = EX_CONFIG;
    } else if (opt.stats) {
        rc = run_stats(&run, lw_engine_config(run.engine));
    } else {
        for (int i = 0; opt.inputs[i]; i++)
            scan_path(&run, opt.inputs[i], 1);
        lw_hits_stop(run.hits);     /* drains: every event is in Redis or the spool */
        if (opt.counters)
            print_counters(&run);
        rc = run.failures ? 1 : 0;
    }
    lw_hits_free(run.hits);
    lw_engine_unref(run.engine);
    g_mime_shutdown();
out:
    lw_config_free(cfg);
    free_options(&opt);
    return rc;
}
