/* cache.h - verdict cache and shared counters: Redis, or an in-process LRU */
#ifndef LW_CACHE_H
#define LW_CACHE_H

#include <glib.h>
#include "util/conf.h"
#include "util/error.h"

struct lw_verdict;
struct lw_message;
struct lw_cache;
struct lw_cache_session;

struct lw_cache_stats {
    guint64 hits;               /* message verdicts served from the cache */
    guint64 misses;             /* message verdicts not found */
    guint64 attachment_hits;    /* antivirus results served from the cache */
    guint64 attachment_misses;
    guint64 errors;             /* Redis exchanges that failed (then served in-process) */
    guint64 round_trips;        /* Redis pipelines sent */
    guint64 commands;           /* Redis commands sent */
};

/* lw_cache_new - Redis when configured (plus the in-process LRU as fallback); NULL and err on bad keys */
struct lw_cache *lw_cache_new(const struct lw_config *cfg, struct lw_error *err);
void lw_cache_free(struct lw_cache *c);
void lw_cache_get_stats(struct lw_cache *c, struct lw_cache_stats *st);
/* lw_cache_stats_format - "hits=N misses=N errors=N redis_round_trips=N ..." (g_free) */
char *lw_cache_stats_format(const struct lw_cache_stats *st);
/*
 * lw_cache_redis_up - 1 when Redis answers, 0 when not, -1 without Redis.
 * When the last exchange worked that is the answer; otherwise (none yet,
 * or it failed) Redis is asked (PING, within redis_timeout_ms; at once 0
 * while the client backs off after a failure), so Redis back without
 * traffic is seen too.
 */
int lw_cache_redis_up(struct lw_cache *c);
/* lw_cache_shared - is the memory shared and persistent (Redis configured)? */
int lw_cache_shared(const struct lw_cache *c);

/*
 * A session gathers one message's lookups so they cost one round trip
 * (lw_cache_fetch) and its writes so they cost one more (lw_cache_store).
 * Keys are given without redis_prefix. A session is used by one thread.
 */
struct lw_cache_session *lw_cache_session_new(struct lw_cache *c);
void lw_cache_session_free(struct lw_cache_session *s);
void lw_cache_want(struct lw_cache_session *s, const char *key);
/* lw_cache_want_count - add n to a counter that expires ttl seconds after it was created */
void lw_cache_want_count(struct lw_cache_session *s, const char *key, long long n, long long ttl);
void lw_cache_fetch(struct lw_cache_session *s);
/* lw_cache_value - the value fetched for key (borrowed), or NULL */
const char *lw_cache_value(struct lw_cache_session *s, const char *key);
/* lw_cache_count - the counter after the increment, or 0 when unknown */
long long lw_cache_count(struct lw_cache_session *s, const char *key);
/* lw_cache_lookup - a value now, fetched at once when the key was not wanted before; g_free */
char *lw_cache_lookup(struct lw_cache_session *s, const char *key);
void lw_cache_put(struct lw_cache_session *s, const char *key, const char *value, long long ttl);
void lw_cache_store(struct lw_cache_session *s);
/* lw_cache_account - count a verdict lookup as a hit or a miss */
void lw_cache_account(struct lw_cache_session *s, int hit);
const struct lw_config *lw_cache_session_config(const struct lw_cache_session *s);
/* lw_cache_session_shared - is this message's memory shared and persistent (Redis working)? */
int lw_cache_session_shared(const struct lw_cache_session *s);

/*
 * The attachment cache, for the antivirus analyzer: the result of scanning
 * the attachment with this SHA-256 under this signature version ("clean" or
 * the signature name, as the analyzer chooses). The engine has already
 * fetched the entries of every part of the message for the engine's
 * signature version, so these cost no round trip during the scan; the put
 * goes out with the message's other writes. s may be NULL (no cache): get
 * then misses and put does nothing.
 */
void lw_cache_want_attachment(struct lw_cache_session *s, const char *sha256, const char *sigversion);
/* lw_cache_get_attachment - 1 and *result (g_free) on a hit, 0 on a miss */
int lw_cache_get_attachment(struct lw_cache_session *s, const char *sha256, const char *sigversion,
                            char **result);
void lw_cache_put_attachment(struct lw_cache_session *s, const char *sha256, const char *sigversion,
                             const char *result);

/*
 * lw_fingerprint - the content fingerprint the campaign step counts a
 * message by (the verdict cache has its own key, key.c): hex SHA-256 of
 * what the content analyzers read, minus what differs between copies of
 * one mailing: the header fields except the
 * per-delivery ones (Received, Date, Message-ID, To, Cc, DKIM/ARC
 * signatures...), the authentication results reduced to their verdicts
 * (spf=pass...), the normalized texts and HTML, the URLs, and each part's
 * SHA-256, file name and type. g_free.
 */
char *lw_fingerprint(const struct lw_message *msg);

#endif
