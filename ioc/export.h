/* export.h - IOC export: the state of exported messages, the indicator view, the writers */
#ifndef LW_EXPORT_H
#define LW_EXPORT_H

#include <glib.h>
#include "util/conf.h"
#include "util/error.h"
#include "model/indicator.h"
#include "indicators/store.h"
#include "indicators/warninglist.h"

/* Output formats (bits of lw_export_opts.formats). */
enum {
    LW_EXPORT_STIX = 1 << 0,
    LW_EXPORT_MISP = 1 << 1,
    LW_EXPORT_CSV = 1 << 2,
    LW_EXPORT_POSTFIX = 1 << 3,
    LW_EXPORT_DOMAINS = 1 << 4,
    LW_EXPORT_RPZ = 1 << 5,
    LW_EXPORT_HASHES = 1 << 6,
    LW_EXPORT_MISP_FEED = 1 << 7,
};

/* The fixed namespace of lurewatch's UUIDv5 object ids. Never change it. */
#define LW_EXPORT_NAMESPACE "0dc0b310-3f33-41b3-86d0-91def1e9ef4e"

/* One scored message of the hits stream, as the export state keeps it. All owned. */
struct lw_export_msg {
    char *event_id;
    char *time;                 /* ISO 8601 UTC as in the stream */
    gint64 when;                /* the same, Unix seconds */
    char *instance, *queue_id, *message_id, *sender, *subject;
    long long rcpt_count;
    double score;
    char *action;
    GPtrArray *rules;           /* of char * */
    GPtrArray *indicators;      /* of struct lw_indicator * */
    GPtrArray *rcpts;           /* of char *; empty unless hits_recipients = yes */
    GPtrArray *feeds;           /* of char *: partner feeds whose indicators the message matched */
    GPtrArray *feed_values;     /* of struct lw_export_feed_value *: which values each feed named;
                                 * NULL for an entry written before the stream carried them
                                 * (then each feed of feeds counts for every value) */
};

/* One value a partner feed named in a message: that partner saw it. */
struct lw_export_feed_value {
    char *feed;
    struct lw_indicator *ind;
};

/*
 * The durable state: every message still exported, by event id, and the
 * release signals seen ("e:EVENT_ID" or "q:QUEUE_ID" -> Unix seconds).
 * Outputs are rebuilt from it on every run, so applying an entry twice
 * changes nothing.
 */
struct lw_export_state {
    GHashTable *msgs;           /* event_id -> struct lw_export_msg * (owned) */
    GHashTable *released;       /* key -> gint64 * (owned) */
    GHashTable *revoked;        /* "type:value" -> struct lw_export_revoked * (owned) */
    gint64 misp_pushed;         /* the timestamp of the last MISP event pushed (0: none) */
};

/*
 * An indicator a release took away: a released message named it. The view
 * revokes it (STIX revoked, MISP deleted) while no message left supports it.
 */
struct lw_export_revoked {
    struct lw_indicator *ind;   /* owned, with the role the message gave it */
    gint64 first, last;         /* as that message saw it */
    gint64 when;                /* the release */
};

/* Options that shape the outputs (from the configuration, plus "now"). */
struct lw_export_opts {
    unsigned formats;
    char *org_name;
    enum lw_tlp tlp;            /* never LW_TLP_NONE */
    double min_score;
    char **allowlist;           /* lower case domains: export_allowlist and protected_domains */
    struct lw_warninglists *wl; /* owned, may be NULL: values never shared as blocking */
    int hash_recipients;
    long long valid_days;
    char *rpz_zone;
    const char *period;         /* borrowed, NULL: the MISP event of one period ("2026-11") of the feed */
    gint64 modified;            /* 0, or the MISP event's timestamp when later than its messages (a push) */
};

/*
 * One indicator aggregated over the exported messages. Its role merges the
 * roles the messages gave it (lw_ioc_role_merge); bystanders are not in
 * the view. Only a blocking aggregate may go to a block list, MISP to_ids
 * or a STIX indicator meant for detection.
 */
struct lw_export_ioc {
    const struct lw_indicator *ind;     /* borrowed from a message (its role is that message's) */
    enum lw_ioc_role role;              /* merged over the messages */
    int blocking;                       /* the merged role may block (lw_indicator_blocking);
                                         * lw_export_blocking also asks the warninglists */
    gint64 first, last;
    guint count;                /* messages */
    long long rcpts;            /* recipients of those messages */
    double max_score;
    const char *warninglist;    /* the warninglist naming it, or NULL (see lw_export_blocking) */
    GPtrArray *rules;           /* sorted unique char * (borrowed) */
    GPtrArray *malware;         /* sorted unique char * (borrowed): malware-name values */
    GPtrArray *related;         /* sorted unique const struct lw_indicator * (borrowed), capped; all in the view */
    GPtrArray *msgs;            /* const struct lw_export_msg * (borrowed), by time */
    GPtrArray *feeds;           /* sorted unique char * (borrowed): partner feeds that named it */
    guint agencies;             /* this organization + those feeds */
};

/* What the writers get: indicators and messages that pass the filters. */
struct lw_export_view {
    const struct lw_export_opts *opts;
    GPtrArray *iocs;            /* of struct lw_export_ioc * (owned), by type then value; no malware-name */
    GPtrArray *malware;         /* of struct lw_export_ioc * (owned): malware-name indicators */
    GPtrArray *msgs;            /* of const struct lw_export_msg * (borrowed), by time then id */
    gint64 last;                /* latest last-seen, 0 when empty */
    GHashTable *index;          /* indicator -> its struct lw_export_ioc * */
    GPtrArray *revoked;         /* of const struct lw_export_revoked * (borrowed): released and
                                 * supported by no message left, by type then value */
};

/* ---- export.c: state, view, the run ---- */
struct lw_export_state *lw_export_state_new(void);
void lw_export_state_free(struct lw_export_state *st);
void lw_export_msg_free(struct lw_export_msg *m);
/* lw_export_state_apply - one stream entry (name, value, ... pairs); 0, or -1 and err if malformed */
int lw_export_state_apply(struct lw_export_state *st, const GPtrArray *fields, struct lw_error *err);
/* lw_export_revoke - a release took ind (seen first..last) away at when; the state keeps it */
void lw_export_revoke(struct lw_export_state *st, const struct lw_indicator *ind, gint64 first, gint64 last,
                      gint64 when);
void lw_export_revoked_free(struct lw_export_revoked *r);
/* lw_export_state_expire - drop messages, releases and revocations older than cutoff (Unix seconds) */
void lw_export_state_expire(struct lw_export_state *st, gint64 cutoff);

int lw_export_opts_init(struct lw_export_opts *o, const struct lw_config *cfg, struct lw_error *err);
void lw_export_opts_clear(struct lw_export_opts *o);
/* lw_ioc_host - the domain an indicator names (domain, URL host, address domain), lower case; g_free; or NULL */
char *lw_ioc_host(const struct lw_indicator *ind);
/*
 * lw_export_valid - may ind leave at all? Failing closed: a value of its
 * type (an address is local@domain, an IP parses, a hash is hex of its
 * length), and whatever host it names (domain, URL host, address domain)
 * is a DNS name of labels <= 63 and <= 253 octets at or below a
 * registrable domain (never a public suffix, libpsl), outside
 * export_allowlist and protected_domains. A host that cannot be
 * determined is not valid.
 */
int lw_export_valid(const struct lw_export_opts *o, const struct lw_indicator *ind);
/* lw_export_host_allowed - is host (a DNS name) outside the allowlist? NULL or "" is not */
int lw_export_host_allowed(const struct lw_export_opts *o, const char *host);
/*
 * lw_export_blocking - may a consumer block on x (Postfix access map,
 * domain list, RPZ, hash list, MISP to_ids, a STIX indicator)? Only a
 * lure, payload or sender (or, without a role, a hash), and not when a
 * warninglist names it: then it is shared as context at most.
 */
int lw_export_blocking(const struct lw_export_ioc *x);

struct lw_export_view *lw_export_view_new(const struct lw_export_state *st, const struct lw_export_opts *o);
void lw_export_view_free(struct lw_export_view *v);

/* lw_hash_keys - the keys of h in a new array (borrowed pointers; g_ptr_array_unref) */
GPtrArray *lw_hash_keys(GHashTable *h);
/* lw_write_atomic - write data to path through path.tmp, fsync, rename, fsync the directory */
int lw_write_atomic(const char *path, const char *data, size_t len, struct lw_error *err);

/*
 * An output being written: to a file (atomically, as lw_write_atomic, but
 * through a bounded buffer) or into memory. Writers append to
 * lw_out_buf() and call lw_out_flush() after each piece; the buffer goes to
 * the file whenever it holds a megabyte.
 */
struct lw_out;
/* lw_out_file - path.tmp opened; NULL and err when it cannot be created */
struct lw_out *lw_out_file(const char *path, struct lw_error *err);
struct lw_out *lw_out_mem(void);
GString *lw_out_buf(struct lw_out *o);
void lw_out_flush(struct lw_out *o);
/* lw_out_commit - a file output: write the rest, fsync, rename, fsync the directory; frees o */
int lw_out_commit(struct lw_out *o, struct lw_error *err);
/* lw_out_steal - a memory output's text (g_free); frees o */
char *lw_out_steal(struct lw_out *o);
/* lw_out_abort - drop o (and its temporary file) */
void lw_out_abort(struct lw_out *o);

/* ---- export_json.c: every JSON of the export ---- */
/* lw_export_confidence - 0..100 from role, score, messages and agencies (at most 20 when not blocking) */
int lw_export_confidence(const struct lw_export_ioc *x);
/* lw_uuid5 - UUIDv5 of name in namespace ns (text form); g_free */
char *lw_uuid5(const char *ns, const char *name);
/* lw_export_parse_time - ISO 8601 to Unix seconds; -1 when unreadable */
gint64 lw_export_parse_time(const char *s);
/* lw_export_iso - Unix seconds as STIX timestamp (2026-11-25T04:16:00.000Z); g_free */
char *lw_export_iso(gint64 t);
/* lw_export_feed_values - feeds[i] (char *) and inds[i] (struct lw_indicator *) as a new array of
 * struct lw_export_feed_value *; takes both arrays (without free functions) and their elements */
GPtrArray *lw_export_feed_values(GPtrArray *feeds, GPtrArray *inds);
char *lw_export_state_encode(const struct lw_export_state *st);
void lw_export_state_write(const struct lw_export_state *st, struct lw_out *out);
int lw_export_state_decode(struct lw_export_state *st, const char *text, struct lw_error *err);
/* lw_export_stix - the STIX 2.1 bundle of a view; g_free */
char *lw_export_stix(const struct lw_export_view *v);
void lw_export_stix_write(const struct lw_export_view *v, struct lw_out *out);
/* lw_export_stix_envelope - the same objects as a TAXII 2.1 envelope; g_free */
char *lw_export_stix_envelope(const char *bundle);
/* lw_export_misp - the MISP event of a view; g_free */
char *lw_export_misp(const struct lw_export_view *v);
void lw_export_misp_write(const struct lw_export_view *v, struct lw_out *out);
/* lw_export_misp_uuid - the (deterministic) uuid of the MISP event of org (and period, or NULL); g_free */
char *lw_export_misp_uuid(const char *org, const char *period);
/* lw_export_misp_feed - write the MISP feed directory dir (manifest.json, hashes.csv, one event per month) */
int lw_export_misp_feed(const struct lw_export_view *v, const char *dir, struct lw_error *err);

/* ---- blocklist.c: plain text outputs ---- */
char *lw_export_csv(const struct lw_export_view *v);
char *lw_export_postfix(const struct lw_export_view *v);
char *lw_export_domains(const struct lw_export_view *v);
char *lw_export_rpz(const struct lw_export_view *v);
char *lw_export_hashes(const struct lw_export_view *v);

/* ---- push.c: libcurl ---- */
/* lw_push_taxii - POST the objects of bundle to a TAXII 2.1 collection; -1 and err when refused */
int lw_push_taxii(const struct lw_config *cfg, const char *bundle, struct lw_error *err);
/* lw_push_misp - add (or, when it exists, edit) the MISP event, then publish it; -1 and err when refused */
int lw_push_misp(const struct lw_config *cfg, const char *event, const char *uuid, struct lw_error *err);

#endif
