/* engine.h - a loaded, immutable scanning engine and the scan entry point */
#ifndef LW_ENGINE_H
#define LW_ENGINE_H

#include "util/conf.h"
#include "util/error.h"
#include "model/message.h"
#include "model/verdict.h"

struct lw_engine;

struct lw_engine *lw_engine_new(struct lw_config *cfg, struct lw_error *err);
/* lw_engine_reload - a new engine from cfg, keeping what prev (may be NULL) had where reloading fails */
struct lw_engine *lw_engine_reload(struct lw_config *cfg, const struct lw_engine *prev,
                                   struct lw_error *err);
struct lw_engine *lw_engine_ref(struct lw_engine *e);
void lw_engine_unref(struct lw_engine *e);
const struct lw_config *lw_engine_config(const struct lw_engine *e);

/* lw_engine_parse - parse raw (borrowed) with the engine's limits */
struct lw_message *lw_engine_parse(const struct lw_engine *e, const char *raw, size_t len,
                                   const struct lw_envelope *env);
/* lw_engine_scan - run every analyzer over a parsed message (or use the cache); the caller owns the verdict */
struct lw_verdict *lw_engine_scan(const struct lw_engine *e, const struct lw_message *msg);
/*
 * lw_engine_check - judge the raw message (borrowed: it must outlive *msg)
 * as lw_engine_scan judges it parsed, but with the verdict cache looked up
 * before parsing: on a hit only the header is parsed. *msg gets the model
 * the verdict was made from (the caller frees it): the whole message, or
 * its header alone on a cache hit (lw_message_parse_header), enough for
 * logs, headers, the hits stream and the quarantine. body_sha256 (or NULL)
 * is the hex SHA-256 of raw[body_offset..len) if the caller summed the
 * body as it came (cache/key.h); it is used when body_offset is where the
 * body starts (lw_message_header_length), else summed again.
 */
struct lw_verdict *lw_engine_check(const struct lw_engine *e, const char *raw, size_t len,
                                   const struct lw_envelope *env, const char *body_sha256, size_t body_offset,
                                   struct lw_message **msg);

/*
 * lw_engine_stale - 1 when an analyzer's on-disk input (ClamAV signature
 * directories) changed since this engine was built: the caller should build
 * a new engine with lw_engine_new and swap it in. Cheap (a stat per file).
 */
int lw_engine_stale(const struct lw_engine *e);
/*
 * lw_engine_problems - one line (char *) per problem met building the
 * engine that did not refuse it: a malformed feed skipped or kept at its
 * previous version. Owned by the engine; the caller logs them.
 */
const GPtrArray *lw_engine_problems(const struct lw_engine *e);
/* lw_engine_signature_version - the ClamAV signature version every verdict carries, or NULL */
const char *lw_engine_signature_version(const struct lw_engine *e);
/* lw_engine_cache - the engine's verdict cache (for its counters), or NULL */
struct lw_cache *lw_engine_cache(const struct lw_engine *e);

enum lw_action lw_engine_action(const struct lw_config *cfg, double score);

#endif
