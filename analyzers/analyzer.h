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
 * the engine's registry (engine.c), which also decides which of them are
 * cached with the verdict and which run on every message.
 *
 * What every analyzer has:
 *
 * init    builds the analyzer's read-only state from the configuration
 *         (compile rules, load databases). It runs once per engine, at
 *         start-up or reload, never on the scan path. shared is what the
 *         engine loaded once for every analyzer (struct lw_shared): state
 *         may point into it, never free it. previous is the
 *         state of the same analyzer in the engine being replaced (read-
 *         only, NULL at start-up or when it had none), for what could not
 *         be reloaded to be kept (the IOC analyzer keeps the previous
 *         version of a feed that has become malformed); most ignore it.
 *         -1 with err filled refuses the engine. *state may stay NULL.
 * scan    examines one message. The state is shared by all threads and
 *         must not be modified; per-message scratch lives on the stack or
 *         is allocated per call. cache is the message's cache round trip
 *         (cache/cache.h), lent for this call, or NULL without a cache:
 *         the attachments analyzer reads and stores libclamav results in
 *         it. -1 with err filled means an internal failure (not "the
 *         message is bad": that is a hit), and the milter then applies its
 *         failure policy.
 * fini    frees the state. May be NULL.
 *
 * And, for analyzers that load data or give indicators their last touch
 * (each may be NULL):
 *
 * loaded  tell the engine, once per engine, what init loaded
 *         (struct lw_loaded): the identity of data that changes verdicts
 *         beyond the configuration keys (the rules file's text, the feeds
 *         as loaded, the signature version; the engine tags what it shares,
 *         struct lw_shared, itself) for the tag of cached verdicts, a version every verdict carries (the ClamAV
 *         signature version), and the problems init met without refusing
 *         the engine (a malformed feed skipped, or kept at its previous
 *         version), which the owner logs and counts.
 * stale   1 when what init loaded changed on disk (signature directory,
 *         feeds), so the owner should build a new engine. Cheap (stat
 *         calls); may be called from any one thread while others scan.
 * finish  runs once the score is final (after every analyzer, also on a
 *         verdict-cache hit) to add what is only worth computing for a
 *         scored message, like the MD5 and SHA-1 of its attachments.
 *         Adds indicators only, never hits or score.
 * key     for an analyzer whose verdict is cached: the verdict cache key
 *         (cache/key.c) leaves out the header fields that differ between
 *         copies of a message (lw_key_left_out); an analyzer that reads
 *         any of them (or the envelope) appends to out what it reads of
 *         them, from msg, which may be the header alone
 *         (lw_message_parse_header), so that two messages it could judge
 *         differently never share a key. -1 (out of memory): the
 *         message has no key and is scanned without the cache.
 */
struct lw_cache_session;
struct lw_identity;
struct lw_warninglists;

/*
 * What the engine loads once, before any analyzer's init, and lends to each
 * of them read-only for the engine's life: the brand list (impersonation,
 * lookalike domains, header claims and links all ask who a name or a host
 * belongs to) and the warninglists (links, lookalike domains and the IOC
 * feeds ask which sites are someone's). Four copies of the one and three
 * of the other cost every engine build its start-up time twice over.
 */
struct lw_shared {
    struct lw_identity *id;         /* never NULL */
    struct lw_warninglists *wl;     /* NULL when none are installed */
};

/* What an analyzer's init loaded, gathered by the engine through the loaded hook. */
struct lw_loaded {
    GChecksum *tag;         /* add the identity of what was loaded (as loaded, not re-read) */
    const char *version;    /* set to a string owned by the state to put it in every verdict */
    GPtrArray *problems;    /* append (char *, g_free'd) one line per problem met */
};

struct lw_analyzer {
    const char *name;
    int (*init)(const struct lw_config *cfg, const struct lw_shared *shared, const void *previous, void **state,
                struct lw_error *err);
    int (*scan)(const void *state, const struct lw_message *msg, struct lw_cache_session *cache,
                struct lw_verdict *v, struct lw_error *err);
    void (*fini)(void *state);
    void (*loaded)(const void *state, struct lw_loaded *out);
    int (*stale)(void *state);
    void (*finish)(const void *state, const struct lw_message *msg, struct lw_verdict *v);
    int (*key)(const void *state, const struct lw_message *msg, GString *out);
};

extern const struct lw_analyzer lw_analyzer_structure;
extern const struct lw_analyzer lw_analyzer_rules;
extern const struct lw_analyzer lw_analyzer_attachments;
extern const struct lw_analyzer lw_analyzer_ioc;
/* social-engineering heuristics (issue 5) */
extern const struct lw_analyzer lw_analyzer_impersonation;
extern const struct lw_analyzer lw_analyzer_lookalike;
extern const struct lw_analyzer lw_analyzer_headers;
extern const struct lw_analyzer lw_analyzer_links;

/*
 * lw_headers_from_authenticated - does a trusted stamp (trusted_authserv_ids,
 * or Exchange Online's with trust_microsoft_auth_results) say the From
 * domain authenticated: DMARC or composite authentication passed, or an
 * aligned DKIM signature where no DMARC result is given (headers.c)
 */
int lw_headers_from_authenticated(const struct lw_config *cfg, const struct lw_identity *id, const struct lw_message *msg);

#endif
