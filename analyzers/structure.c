/*
 * structure.c - analyzer: what the shape of the message itself says
 *
 * Reports, as hits, what the parser saw rather than what the message says:
 * a message that is not MIME at all, every limit the parse hit (so a mail
 * built to exhaust the filter is flagged, never passed unexamined), and the
 * parser's critical findings that mail clients disagree on (two Subject or
 * From fields, MIME built to confuse parsers). Scores are deliberately
 * modest except for limits, whose score is the configured limit_score:
 * odd structure alone is common in legitimate bulk mail.
 */
#include "config.h"

#include <string.h>

#include "analyzer.h"

struct parser_rule {
    int code;
    const char *rule;
    double score;
    const char *description;
};

static const struct parser_rule parser_rules[] = {
    { GMIME_CRIT_CONFLICTING_HEADER, "LW_MIME_CONFLICTING_HEADER", 1.0,
      "A header that must appear once appears with different values; mail clients disagree which one to show" },
    { GMIME_CRIT_NESTING_OVERFLOW, "LW_MIME_NESTING_OVERFLOW", 3.0,
      "MIME nesting deeper than the parser allows, a known way to hide content from filters" },
    { GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT, "LW_MIME_EMPTY_PART", 1.0,
      "A MIME part with neither headers nor content, typical of parser-confusion attempts" },
    { GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY, "LW_MIME_NO_BOUNDARY", 1.0,
      "A multipart without a boundary; clients may show content the filter did not see" },
};

static void limit_hit(struct lw_verdict *v, const struct lw_config *cfg, const char *limit)
{
    char *rule = g_ascii_strup(limit, -1);
    char *id = g_strdup_printf("LW_LIMIT_%s", rule);
    char *desc = g_strdup_printf("Message exceeds %s; the part beyond it was not examined", limit);

    lw_verdict_add_hit(v, "structure", id, cfg->limit_score, desc, limit);
    g_free(desc);
    g_free(id);
    g_free(rule);
}

static int structure_init(const struct lw_config *cfg, const struct lw_shared *shared, const void *previous,
                          void **state, struct lw_error *err)
{
    *state = (void *) cfg;      /* borrowed: the engine owns the configuration */
    return 0;
}

static int structure_scan(const void *state, const struct lw_message *msg, struct lw_cache_session *cache,
                          struct lw_verdict *v, struct lw_error *err)
{
    const struct lw_config *cfg = state;

    if (msg->unparseable) {
        lw_verdict_add_hit(v, "structure", "LW_MIME_UNPARSEABLE", cfg->limit_score,
                           "The message could not be parsed as MIME; only raw rules examined it",
                           msg->raw_len == 0 ? "empty message" : "parser returned no message");
        return 0;
    }
    for (guint i = 0; i < msg->limits->len; i++)
        limit_hit(v, cfg, g_ptr_array_index(msg->limits, i));
    for (size_t r = 0; r < G_N_ELEMENTS(parser_rules); r++) {
        for (guint i = 0; i < msg->warnings->len; i++) {
            const struct lw_warning *w = g_ptr_array_index(msg->warnings, i);

            if (w->code == parser_rules[r].code) {
                lw_verdict_add_hit(v, "structure", parser_rules[r].rule, parser_rules[r].score,
                                   parser_rules[r].description, w->text);
                break;
            }
        }
    }
    return 0;
}

const struct lw_analyzer lw_analyzer_structure = {
    .name = "structure",
    .init = structure_init,
    .scan = structure_scan,
};
