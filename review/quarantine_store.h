/* quarantine_store.h - where held messages are recorded, listed and decided on */
#ifndef LW_QUARANTINE_STORE_H
#define LW_QUARANTINE_STORE_H

#include <glib.h>

#include "util/conf.h"
#include "util/error.h"
#include "model/message.h"
#include "model/verdict.h"

/* quarantine_store: where held messages are recorded */
enum lw_qstore_kind {
    LW_QSTORE_SPOOL,            /* quarantine_dir: one relay */
    LW_QSTORE_REDIS,            /* Redis: every relay sharing it (quarantine_redis.c) */
};

/* One reason a message was held: a hit as the reviewer reads it. */
struct lw_qhit {
    char *rule;
    char *cls;                  /* the rule's class (model/score.c), "" in older records */
    double score;
    char *description;
    char *evidence;             /* may be NULL */
};

/* One held message. Every string is owned and valid UTF-8 (may be ""). */
struct lw_qentry {
    char *queue_id;
    char *message_id;
    char *sender;               /* envelope MAIL FROM */
    char *from;                 /* From: header address */
    char *from_name;            /* From: display name, decoded ("" when none or in older records) */
    GPtrArray *rcpts;           /* char*, envelope recipients */
    char *subject;
    char *date;                 /* Date: header as written */
    gint64 held_at;             /* microseconds since the epoch */
    double score;
    char *why;                  /* lw_verdict_explain_why: the evidence and the threshold */
    char *instance;             /* the relay that held it */
    GPtrArray *hits;            /* struct lw_qhit */
    GPtrArray *indicators;      /* struct lw_indicator */
    char *decision;             /* NULL while held; "released" or "deleted" */
    char *decided_by;
    gint64 decided_at;          /* microseconds; 0 while held */
    gint64 reported_at;         /* when a digest first listed it; 0: not yet */
    char *outcome;              /* shared store: what the holding relay did with the decision
                                   ("" while nothing yet: "done", "failed: ...", "interrupted") */
};

struct lw_qentry *lw_qentry_new(void);
void lw_qentry_free(struct lw_qentry *e);

/* lw_qentry_from_scan - the record of a message just held (queue_id must not be NULL) */
struct lw_qentry *lw_qentry_from_scan(const char *queue_id, const struct lw_envelope *env,
                                      const struct lw_message *msg, const struct lw_verdict *v,
                                      const struct lw_config *cfg);

/* lw_qentry_is_held - no decision recorded yet */
int lw_qentry_is_held(const struct lw_qentry *e);

/* One page of the review page: held messages newest first, and the audit trail. */
struct lw_qpage {
    GPtrArray *held;            /* struct lw_qentry (owned): rows offset.. of the held, newest first */
    guint total_held;           /* every held message the filter keeps */
    GPtrArray *decided;         /* struct lw_qentry (owned): the latest decisions first */
};

/* lw_qfilter - does the page show e? (a reviewer's messages) */
typedef int (*lw_qfilter)(const struct lw_qentry *e, void *data);

/* A decision read from this relay's decision stream (shared store). */
struct lw_qdecision {
    char *id;                   /* the stream entry's id */
    char *queue_id;
};

void lw_qdecision_free(gpointer d);

/*
 * A store backend. Each operation returns 0, or -1 and fills err.
 *   record          store a new entry (replaces one with the same queue id)
 *   list            entries held at or after since (microseconds), oldest first;
 *                   a record that cannot be read adds one line to problems
 *                   (a GPtrArray of char*, or NULL) and is skipped
 *   get             one entry by queue id, or NULL with err
 *   mark            record a decision with who and when
 *   mark_reported   note that a digest listed the entry (list fills reported_at)
 *   false_positive  publish that a released message was legitimate, so its
 *                   indicators are not shared as malicious (the Redis
 *                   backend writes this to the hits stream)
 *   get_state / set_state  small named values (lurewatch-report's last digest time)
 *   lock            one digest at a time: 0 when taken (held until close),
 *                   1 when another process holds it, -1 on error
 *   page            (may be NULL) the review page without a filter: limit
 *                   held entries from offset, newest first, their count,
 *                   and the decided_limit latest decisions, without
 *                   reading every record
 * The shared (Redis) store has the decisions carried out by the relay that
 * holds the message; the spool store leaves these NULL (decide at once):
 *   request         record a reviewer's decision, first one wins (1 and err
 *                   when the message was decided already), and queue it
 *                   on the holding relay's decision stream
 *   read_decisions  this relay's decisions not yet acknowledged (ones read
 *                   before and left unacknowledged first), into out
 *   claim           1 when this relay is to carry out decision d now: the
 *                   record is this relay's, has a decision, and no entry
 *                   claimed it before (atomic: never twice); fills the
 *                   decision and who; 0 when not (and why, in err)
 *   outcome         what carrying it out did, on the record; reopen (nothing
 *                   was done) takes the decision off, so that the message
 *                   is held again and a reviewer can decide anew
 *   ack             the stream entry is done with
 * and the spool alone:
 *   forget          drop a record that moved to the shared store
 */
struct lw_qstore;

struct lw_qstore_ops {
    const char *name;
    int (*record)(struct lw_qstore *s, const struct lw_qentry *e, struct lw_error *err);
    GPtrArray *(*list)(struct lw_qstore *s, gint64 since, GPtrArray *problems, struct lw_error *err);
    struct lw_qentry *(*get)(struct lw_qstore *s, const char *queue_id, struct lw_error *err);
    int (*mark)(struct lw_qstore *s, const char *queue_id, const char *decision,
                const char *who, gint64 when, struct lw_error *err);
    int (*mark_reported)(struct lw_qstore *s, const char *queue_id, gint64 when, struct lw_error *err);
    int (*false_positive)(struct lw_qstore *s, const struct lw_qentry *e, struct lw_error *err);
    int (*get_state)(struct lw_qstore *s, const char *name, gint64 *value, struct lw_error *err);
    int (*set_state)(struct lw_qstore *s, const char *name, gint64 value, struct lw_error *err);
    int (*lock)(struct lw_qstore *s, struct lw_error *err);     /* may be NULL: nothing to lock */
    void (*close)(struct lw_qstore *s);
    int (*page)(struct lw_qstore *s, guint offset, guint limit, guint decided_limit,
                struct lw_qpage *page, struct lw_error *err);
    int (*request)(struct lw_qstore *s, const char *queue_id, const char *decision, const char *who,
                   gint64 when, struct lw_error *err);
    int (*read_decisions)(struct lw_qstore *s, GPtrArray *out, struct lw_error *err);
    int (*claim)(struct lw_qstore *s, const struct lw_qdecision *d, char **decision, char **who,
                 struct lw_error *err);
    int (*outcome)(struct lw_qstore *s, const char *queue_id, const char *outcome, int reopen,
                   struct lw_error *err);
    int (*ack)(struct lw_qstore *s, const struct lw_qdecision *d, struct lw_error *err);
    int (*forget)(struct lw_qstore *s, const char *queue_id, struct lw_error *err);  /* spool only */
};

struct lw_qstore {
    const struct lw_qstore_ops *ops;
    void *priv;                 /* the backend's own state */
};

/*
 * lw_qstore_open - the store quarantine_store names: the spool directory
 * quarantine_dir (one relay), or Redis (quarantine_redis.c: every relay
 * sharing one Redis); callers only use the ops.
 */
struct lw_qstore *lw_qstore_open(const struct lw_config *cfg, struct lw_error *err);
/* lw_qstore_spool_open - the spool directory quarantine_dir, whatever quarantine_store says */
struct lw_qstore *lw_qstore_spool_open(const struct lw_config *cfg, struct lw_error *err);
/* lw_qstore_redis_open - the shared store in Redis (quarantine_redis.c) */
struct lw_qstore *lw_qstore_redis_open(const struct lw_config *cfg, struct lw_error *err);

/* lw_qstore_shared - does the store hold every relay's messages (decisions go through request)? */
int lw_qstore_shared(const struct lw_qstore *s);

/*
 * lw_qstore_page - one page of held messages that keep accepts (NULL:
 * all), newest first, their count, and the decided_limit latest decisions
 * it accepts. Without a filter the backend's page does it without reading
 * every record; with one, every record is read. lw_qpage_clear frees it.
 */
int lw_qstore_page(struct lw_qstore *s, guint offset, guint limit, guint decided_limit, lw_qfilter keep,
                   void *data, struct lw_qpage *page, struct lw_error *err);
void lw_qpage_clear(struct lw_qpage *page);

/* The decisions of the shared store (see struct lw_qstore_ops); -1 and err on a spool store. */
int lw_qstore_request(struct lw_qstore *s, const char *queue_id, const char *decision, const char *who,
                      gint64 when, struct lw_error *err);
GPtrArray *lw_qstore_read_decisions(struct lw_qstore *s, struct lw_error *err);
int lw_qstore_claim(struct lw_qstore *s, const struct lw_qdecision *d, char **decision, char **who,
                    struct lw_error *err);
int lw_qstore_outcome(struct lw_qstore *s, const char *queue_id, const char *outcome, int reopen,
                      struct lw_error *err);
int lw_qstore_ack(struct lw_qstore *s, const struct lw_qdecision *d, struct lw_error *err);

/*
 * lw_qstore_move - every record of from recorded in to, then forgotten in
 * from (a spool store): what the milter kept in its spool while the shared
 * store was unreachable. The number moved, or -1 and err.
 */
int lw_qstore_move(struct lw_qstore *from, struct lw_qstore *to, struct lw_error *err);

/* The record format both stores keep (version 1 JSON), for quarantine_redis.c. */
char *lw_qentry_to_json(const struct lw_qentry *e);
struct lw_qentry *lw_qentry_from_json(const char *text, size_t len, const char *where, struct lw_error *err);
void lw_qstore_close(struct lw_qstore *s);

/* Convenience wrappers over s->ops. list returns a GPtrArray that frees its entries. */
int lw_qstore_record(struct lw_qstore *s, const struct lw_qentry *e, struct lw_error *err);
GPtrArray *lw_qstore_list(struct lw_qstore *s, gint64 since, GPtrArray *problems, struct lw_error *err);
struct lw_qentry *lw_qstore_get(struct lw_qstore *s, const char *queue_id, struct lw_error *err);
int lw_qstore_mark(struct lw_qstore *s, const char *queue_id, const char *decision,
                   const char *who, gint64 when, struct lw_error *err);
int lw_qstore_mark_reported(struct lw_qstore *s, const char *queue_id, gint64 when, struct lw_error *err);
int lw_qstore_get_state(struct lw_qstore *s, const char *name, gint64 *value, struct lw_error *err);
int lw_qstore_set_state(struct lw_qstore *s, const char *name, gint64 value, struct lw_error *err);
int lw_qstore_lock(struct lw_qstore *s, struct lw_error *err);

/*
 * lw_qstore_false_positive_hook - called by lurewatch-report after a
 * release: the one place a false-positive signal leaves lurewatch.
 */
int lw_qstore_false_positive_hook(struct lw_qstore *s, const struct lw_qentry *e,
                                  struct lw_error *err);

/* lw_qtime_format - a store time for people: ISO 8601 UTC, or local with offset (g_free) */
char *lw_qtime_format(gint64 usec, int utc);

/*
 * lw_postfix_queue_id_valid - a Postfix queue id as Postfix writes it:
 * short ([0-9A-F]{6,}) or long (base 52 over digits and consonants, a 'z'
 * after the 10-character time; enable_long_queue_ids); at most 32 characters.
 */
int lw_postfix_queue_id_valid(const char *id);

/*
 * lw_sendmail_queue_id_valid - a Sendmail 8.12+ queue id as assign_queueid()
 * writes it: year, month, day, hour, minute, second and a two-character
 * envelope number in base 60/62 ([0-9A-Za-z]), then the process id as at
 * least 6 decimal digits ("%06d"): "wB5Fv3Zt012345", 14 to 18 characters.
 */
int lw_sendmail_queue_id_valid(const char *id);

/*
 * lw_queue_id_valid - a queue id of either MTA (the store keeps both).
 * "ALL", "-d" and paths are not ids: safe as a file name and an argument.
 */
int lw_queue_id_valid(const char *id);

#endif
