/* json.h - verdicts as JSON (all JSON of the scanning core lives in json.c) */
#ifndef LW_JSON_H
#define LW_JSON_H

#include "model/message.h"
#include "model/verdict.h"

/* lw_verdict_json - one compact JSON object (no newline); g_free */
char *lw_verdict_json(const struct lw_verdict *v, const struct lw_message *msg, const char *file);

/* lw_urls_json - {"file", "urls": [{url, raw, flags, source, host, ...}], "qr": {images, skipped, codes}} of msg; g_free */
char *lw_urls_json(const struct lw_message *msg, const char *file);
/* lw_verdict_cache_encode - the hits of v and its message's summary (may be NULL) as the cache stores them; g_free */
char *lw_verdict_cache_encode(const struct lw_verdict *v, const struct lw_summary *sum);
/*
 * lw_verdict_cache_decode - add cached hits to an empty verdict and, when
 * sum is not NULL, give the entry's summary (lw_summary_free); -1 if s is
 * not a cache entry or lacks the summary asked for
 */
int lw_verdict_cache_decode(const char *s, struct lw_verdict *v, struct lw_summary **sum);
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
