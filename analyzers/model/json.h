/* json.h - verdicts as JSON (all JSON of the scanning core lives in json.c) */
#ifndef LW_JSON_H
#define LW_JSON_H

#include "model/message.h"
#include "model/verdict.h"

/* lw_verdict_json - one compact JSON object (no newline); g_free */
char *lw_verdict_json(const struct lw_verdict *v, const struct lw_message *msg, const char *file);

/* lw_urls_json - {"file", "urls": [{url, raw, flags, source, host, ...}], "qr": {images, skipped, codes}} of msg; g_free */
char *lw_urls_json(const struct lw_message *msg, const char *file);
/*
 * A verdict cache entry (format LW_CACHE_FORMAT; an entry of another
 * format is a miss): the hits of the content analyzers, the message's
 * campaign summary, the indicators the message had after the content
 * analyzers (an attachment's SHA-256 and name belong to no hit), and what
 * each content analyzer's finish hook added to them (MD5 and SHA-1 of a
 * scored message's attachments, its lure links) with the score the verdict
 * had then. At most LW_CACHE_MAX_INDICATORS indicators: a message with more
 * is not cached (each copy is scanned).
 */
#define LW_CACHE_FORMAT 2
#define LW_CACHE_MAX_INDICATORS 1000
struct lw_cache_entry;
/* lw_cache_entry_new - an entry of v's hits and indicators so far, and the summary (may be NULL) */
struct lw_cache_entry *lw_cache_entry_new(const struct lw_verdict *v, const struct lw_summary *sum);
/* lw_cache_entry_add_finish - what analyzer's finish hook added (struct lw_indicator *, borrowed) */
void lw_cache_entry_add_finish(struct lw_cache_entry *ce, const char *analyzer, const GPtrArray *added);
/* lw_cache_entry_dump - the entry as the cache stores it, the finish hooks having run at finish_score;
 * NULL when it holds too many indicators; g_free. Frees ce. */
char *lw_cache_entry_dump(struct lw_cache_entry *ce, double finish_score);
void lw_cache_entry_free(struct lw_cache_entry *ce);

/* lw_cache_finish - what the finish hooks added, from an entry: analyzer name -> GPtrArray of struct lw_indicator */
struct lw_cache_finish {
    double score;               /* the verdict's score when they ran */
    GHashTable *added;
};
void lw_cache_finish_free(struct lw_cache_finish *f);
/*
 * lw_verdict_cache_decode - add an entry's indicators and hits to an empty
 * verdict, in the order the content analyzers made them; when sum is not
 * NULL, give the entry's summary (lw_summary_free); when fin is not NULL,
 * what the finish hooks added (lw_cache_finish_free). -1 if s is not an
 * entry of this format, or lacks the summary asked for.
 */
int lw_verdict_cache_decode(const char *s, struct lw_verdict *v, struct lw_summary **sum,
                            struct lw_cache_finish **fin);
/* lw_indicators_json - an indicator list as a compact JSON array; g_free */
char *lw_indicators_json(const GPtrArray *inds);
/* lw_feed_values_json - {"FEED": [indicators]}: the values each partner feed named; NULL when none; g_free */
char *lw_feed_values_json(const struct lw_verdict *v);
/* lw_feed_values_parse - the reverse: each value's feed (g_strdup) into feeds, its indicator into inds
 * (parallel arrays); -1 and err when text is not such an object */
int lw_feed_values_parse(const char *text, GPtrArray *feeds, GPtrArray *inds, struct lw_error *err);
/* lw_indicators_parse - such an array back into out (struct lw_indicator *); -1 and err if not one */
int lw_indicators_parse(const char *text, GPtrArray *out, struct lw_error *err);
/* lw_indicators_from_json - the same from a jansson array (unknown types skipped) */
struct json_t;
void lw_indicators_from_json(struct json_t *arr, GPtrArray *out);
/* lw_feed_values_from_json - lw_feed_values_parse from a jansson object */
void lw_feed_values_from_json(struct json_t *o, GPtrArray *feeds, GPtrArray *inds);
/* lw_indicator_from_json - one {type, value[, role, warninglist]} object; NULL for an unknown type */
struct lw_indicator *lw_indicator_from_json(struct json_t *o);
/* lw_fields_json - alternating names and values (char *) as one JSON object; g_free */
char *lw_fields_json(const GPtrArray *pairs);
/* lw_fields_parse - the reverse (g_ptr_array_unref); NULL if line is not such an object */
GPtrArray *lw_fields_parse(const char *line);

#endif
