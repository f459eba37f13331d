/* json.h - verdicts as JSON (all JSON of the scanning core lives in json.c) */
#ifndef LW_JSON_H
#define LW_JSON_H

#include "message.h"
#include "verdict.h"

/* lw_verdict_json - one compact JSON object (no newline); g_free */
char *lw_verdict_json(const struct lw_verdict *v, const struct lw_message *msg, const char *file);

/* lw_urls_json - {"file", "urls": [{url, raw, flags, source, host, ...}]} of msg; g_free */
char *lw_urls_json(const struct lw_message *msg, const char *file);

#endif
