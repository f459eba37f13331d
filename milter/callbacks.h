/* callbacks.h - libmilter callbacks and the per-connection/per-message state */
#ifndef LW_CALLBACKS_H
#define LW_CALLBACKS_H

#include <libmilter/mfapi.h>
#include <glib.h>

#include "engine.h"
#include "msgbuf.h"

/* Per message: created at MAIL FROM, freed at end of message or abort. */
struct lw_msgctx {
    struct lw_engine *engine;       /* pinned for this message */
    struct lw_envelope *env;
    struct lw_msgbuf *raw;          /* rebuilt header + body (msgbuf.h: given back at the end) */
    long long max_raw;              /* stop collecting past this */
    GHashTable *forged;             /* X-Lurewatch-* fields that arrived, to remove: lowercased
                                       name -> count, created at the first one (or NULL) */
    char *subject;                  /* first Subject value as received, for the prefix */
    char *message_id;               /* first Message-ID as received, for the log line of a message never parsed */
    int leadspc;                    /* copied from the connection */
    int in_body;                    /* the blank line after the header is in raw */
    size_t body_offset;             /* where the body starts in raw, once in_body */
    struct lw_sha256 *body_sum;     /* SHA-256 of the body bytes in raw so far (cache/key.h) */
};

/* Per connection: created at connect, freed at close. */
struct lw_connctx {
    char *client_addr;
    char *client_name;
    char *helo;
    unsigned long proto;            /* negotiated SMFIP_* bits: NR_* callbacks return NOREPLY */
    int leadspc;                    /* negotiated SMFIP_HDR_LEADSPC: values carry their space */
    struct lw_msgctx *msg;
};

extern struct smfiDesc lw_milter_desc;

struct lw_hits;
/* lw_callbacks_set_hits - at start-up, before smfi_main: publish scored messages there (hits.h) */
void lw_callbacks_set_hits(struct lw_hits *h);

struct lw_gate;
/* lw_callbacks_set_gate - at start-up, before smfi_main: analyse messages only inside it (gate.h; NULL: no limit) */
void lw_callbacks_set_gate(struct lw_gate *gate);

struct lw_msgbuf_pool;
/* lw_callbacks_set_buffers - at start-up, before smfi_main: collect messages in buffers from there (msgbuf.h) */
void lw_callbacks_set_buffers(struct lw_msgbuf_pool *pool);

#endif
