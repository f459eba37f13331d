/* hits.h - publish scored messages to the shared hits stream, spooling while Redis is down */
#ifndef LW_HITS_H
#define LW_HITS_H

#include <glib.h>
#include "util/conf.h"
#include "util/error.h"
#include "model/message.h"
#include "model/verdict.h"

struct lw_hits;

struct lw_hits_stats {
    guint64 queued;             /* events accepted by lw_hits_publish */
    guint64 published;          /* appended to the stream (live or replayed) */
    guint64 spooled;            /* written to the spool file */
    guint64 replayed;           /* spooled events later appended to the stream */
    guint64 duplicates;         /* events Redis already had (replays after a lost reply) */
    guint64 rejected;           /* refused by Redis with an error reply (not retried) */
    guint64 spool_errors;       /* spool writes that failed: those events are lost */
    guint64 spool_depth;        /* events in the spool, waiting for Redis (found at start,
                                 * plus spooled, until a replay empties it) */
};

/* lw_hits_configured - Redis and a hits_stream are configured */
int lw_hits_configured(const struct lw_config *cfg);

/*
 * lw_hits_new - start the publisher thread. It replays a spool left by an
 * earlier run first. Takes what it needs from cfg (which may be freed).
 * NULL and err on a bad address or an unusable spool_dir.
 */
struct lw_hits *lw_hits_new(const struct lw_config *cfg, struct lw_error *err);

/*
 * lw_hits_publish - queue one entry for a message with a non-zero score
 * (never blocks on Redis). Returns 1 when queued, 0 for an unscored
 * message. Thread-safe.
 */
int lw_hits_publish(struct lw_hits *h, const struct lw_message *msg, const struct lw_verdict *v);
/*
 * lw_hits_publish_as - the same, with queue_id in place of the envelope's:
 * a message that never had an MTA queue (lurewatch-scan --publish) gets an
 * id a release can name
 */
int lw_hits_publish_as(struct lw_hits *h, const struct lw_message *msg, const struct lw_verdict *v,
                       const char *queue_id);

/* lw_hits_publish_release - queue a release (false-positive) entry for a held message */
int lw_hits_publish_release(struct lw_hits *h, const char *queue_id, const char *instance,
                            const char *message_id, const char *released_by);
/*
 * lw_hits_publish_confirm - queue a confirm entry: a reviewer deleted a held
 * message or blocked its sender (decision "deleted" or "blocked"); exporters
 * keep its indicators
 */
int lw_hits_publish_confirm(struct lw_hits *h, const char *queue_id, const char *instance,
                            const char *message_id, const char *decision, const char *confirmed_by);

/*
 * lw_hits_stop - return once every queued event is in Redis or in the
 * spool, and stop the thread; lw_hits_publish must not be called after.
 */
void lw_hits_stop(struct lw_hits *h);
/* lw_hits_free - lw_hits_stop, then free; h may be NULL */
void lw_hits_free(struct lw_hits *h);
void lw_hits_get_stats(struct lw_hits *h, struct lw_hits_stats *st);
/* lw_hits_stats_format - "queued=N published=N spooled=N ... spool_errors=N spool_depth=N" (g_free) */
char *lw_hits_stats_format(const struct lw_hits_stats *st);

#endif
