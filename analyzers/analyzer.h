/* analyzer.h - the one interface every analyzer implements */
#ifndef LW_ANALYZER_H
#define LW_ANALYZER_H

#include "util/conf.h"
#include "util/error.h"
#include "model/message.h"
#include "model/verdict.h"

/*
 * An analyzer examines a parsed message and appends hits to the verdict.
 * Analyzers are independent of each other and run in the fixed order of
 * the registry (engine.c).
 *
 * init    builds the analyzer's read-only state from the configuration
 *         (compile rules, load databases). It runs once per engine, at
 *         start-up or reload, never on the scan path. -1 with err filled
 *         refuses the engine. May be NULL; *state may stay NULL.
 * scan    examines one message. The state is shared by all threads and
 *         must not be modified; per-message scratch lives on the stack or
 *         is allocated per call. -1 with err filled means an internal
 *         failure (not "the message is bad": that is a hit), and the
 *         milter then applies its failure policy.
 * reinit  optional: init at a reload, given the state of the engine being
 *         replaced (read-only, may be NULL), so that what could not be
 *         reloaded can be kept (the IOC analyzer keeps the previous version
 *         of a feed that has become malformed). NULL: init is used.
 * fini    frees the state. May be NULL.
 * loaded  optional: tell the engine, once per engine, what init loaded
 *         (struct lw_loaded): the identity of data that changes verdicts
 *         beyond the configuration keys (the rules file's text, the feeds
 *         as loaded, the brand list, the signature version) for the tag of
 *         cached verdicts, a version every verdict carries (the ClamAV
 *         signature version), and the problems init met without refusing
 *         the engine (a malformed feed skipped, or kept at its previous
 *         version), which the owner logs and counts.
 * stale   optional: 1 when what init loaded changed on disk (signature
 *         directory), so the owner should build a new engine. Cheap (stat
 *         calls); may be called from any one thread while others scan.
 * per_message
 *         1 when the result depends on more than the message's content
 *         (counters, memory of senders): such an analyzer runs on every
 *         message, also when the other analyzers' verdict comes from the
 *         verdict cache, and its hits are never cached. The others must
 *         depend only on the message and the engine.
 * prepare optional: queue the cache lookups and counter increments scan
 *         will read (lw_cache_want*, cache.h) into the message's session;
 *         the engine sends those of all analyzers in one round trip before
 *         any scan. s is never NULL here.
 * finish  optional: runs once the score is final (after every analyzer,
 *         also on a verdict-cache hit) to add what is only worth computing
 *         for a scored message, like the MD5 and SHA-1 of its attachments.
 *         Adds indicators only, never hits or score.
 */
struct lw_cache_session;

/* What an analyzer's init loaded, gathered by the engine through the loaded hook. */
struct lw_loaded {
    GChecksum *tag;         /* add the identity of what was loaded (as loaded, not re-read) */
    const char *version;    /* set to a string owned by the state to put it in every verdict */
    GPtrArray *problems;    /* append (char *, g_free'd) one line per problem met */
};

struct lw_analyzer {
    const char *name;
    int per_message;
    void (*prepare)(const void *state, const struct lw_message *msg, struct lw_cache_session *s);
    int (*init)(const struct lw_config *cfg, void **state, struct lw_error *err);
    int (*scan)(const void *state, const struct lw_message *msg, struct lw_verdict *v,
                struct lw_error *err);
    void (*fini)(void *state);
    void (*loaded)(const void *state, struct lw_loaded *out);
    int (*stale)(void *state);
    int (*reinit)(const struct lw_config *cfg, const void *old_state, void **state,
                  struct lw_error *err);
    void (*finish)(const void *state, const struct lw_message *msg, struct lw_verdict *v);
};

extern const struct lw_analyzer lw_analyzer_structure;
extern const struct lw_analyzer lw_analyzer_rules;
extern const struct lw_analyzer lw_analyzer_attachments;
extern const struct lw_analyzer lw_analyzer_campaign;
extern const struct lw_analyzer lw_analyzer_ioc;
/* social-engineering heuristics (issue 5) */
extern const struct lw_analyzer lw_analyzer_impersonation;
extern const struct lw_analyzer lw_analyzer_lookalike;
extern const struct lw_analyzer lw_analyzer_headers;
extern const struct lw_analyzer lw_analyzer_links;

#endif
