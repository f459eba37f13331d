/* actions.h - acting on held messages: commands run without a shell, release, delete */
#ifndef LW_REVIEW_ACTIONS_H
#define LW_REVIEW_ACTIONS_H

#include <glib.h>

#include "util/conf.h"
#include "util/error.h"
#include "review/quarantine_store.h"

/* What a reviewer decides on one held message. */
enum lw_decision {
    LW_RELEASE,             /* deliver it: a false positive */
    LW_DELETE,              /* remove it from the hold queue */
    LW_BLOCK,               /* delete it and block its sender (review_block_file) */
    LW_NOT_PHISHING,        /* release it, saying the rules were wrong */
};

/* lw_decision_name - "release", "delete", "block", "notphish" (token and URL spelling) */
const char *lw_decision_name(enum lw_decision d);
/* lw_decision_parse - the decision a name spells; -1 when none */
int lw_decision_parse(const char *name, enum lw_decision *d);
/* lw_decision_recorded - what the store records: "released", "deleted", "blocked", "not-phishing" */
const char *lw_decision_recorded(enum lw_decision d);

/* lw_decision_is_release - a recorded decision that delivered the message (a false positive) */
int lw_decision_is_release(const char *recorded);

/* lw_run - execv argv with input on stdin; stdout and stderr captured; exit status or -1 */
int lw_run(char *const *argv, const char *input, size_t inlen, GString *out, GString *errs);

/* lw_postfix_argv - DIR/CMD [-c CONFIG_DIR] ARGS..., NULL-terminated (g_strfreev) */
char **lw_postfix_argv(const struct lw_config *cfg, const char *cmd, ...) G_GNUC_NULL_TERMINATED;

/* lw_mta_queue_id_valid - a queue id in the form of the configured MTA (mta = postfix or sendmail) */
int lw_mta_queue_id_valid(const struct lw_config *cfg, const char *id);

/* lw_sendmail_queue_file - Sendmail's file of TYPE ('h', 'd', 'x') for ID in sendmail_queue_dir (g_free) */
char *lw_sendmail_queue_file(const struct lw_config *cfg, char type, const char *id);

/* What needs root on the relay: the MTA's commands on one queue id, and the block list. */
enum lw_privileged_op {
    LW_PRIV_RELEASE,        /* postsuper -H QUEUEID, postqueue -i QUEUEID (or Sendmail's release) */
    LW_PRIV_DELETE,         /* postsuper -d QUEUEID hold (or Sendmail's queue files removed) */
    LW_PRIV_SHOW,           /* postcat -bh -q QUEUEID (or Sendmail's hf and df files) into out */
    LW_PRIV_BLOCK,          /* ADDRESS appended to review_block_file */
    LW_PRIV_NOPS
};

/*
 * lw_privileged_do - one operation in this process. arg must be a queue id
 * in the configured MTA's form or, for LW_PRIV_BLOCK, a plain address, else
 * nothing runs. 0 (LW_PRIV_SHOW: the message appended to out), or -1 with err.
 */
int lw_privileged_do(const struct lw_config *cfg, enum lw_privileged_op op, const char *arg, GString *out,
                     struct lw_error *err);

/*
 * How a decision reaches what needs root: NULL when this process may do it
 * (lurewatch-report, as root); else run, with lw_privileged_do's contract,
 * in a privileged helper (lurewatch-review -u, review/service/privsep.c).
 */
struct lw_privileged {
    int (*run)(void *ctx, enum lw_privileged_op op, const char *arg, GString *out, struct lw_error *err);
    void *ctx;
};

/* lw_held_message - the held message's bytes (postcat -bh -q, or Sendmail's hf and df files), or NULL with err (g_string_free) */
GString *lw_held_message(const struct lw_config *cfg, const struct lw_privileged *via, const char *queue_id,
                         struct lw_error *err);

/* lw_plain_address - local@domain of letters, digits and ._%+- only (safe on one line, in To:) */
int lw_plain_address(const char *a);

/* What lw_decide did. */
enum lw_decide_result {
    LW_DECIDE_FAILED = -1,      /* nothing done (err says why) */
    LW_DECIDE_DONE = 0,         /* done and recorded */
    LW_DECIDE_NO_RECORD = 1,    /* done on the queue; the store had no record of it (err) */
    LW_DECIDE_UNRECORDED = 2,   /* done on the queue, but the decision not recorded (err) */
    LW_DECIDE_QUEUED = 3,       /* shared store: recorded, the holding relay carries it out (err: which) */
    LW_DECIDE_TAKEN = 4,        /* shared store: decided before by someone else; nothing done (err: who) */
};

/*
 * lw_decide - release or delete one held message with postsuper (and
 * postqueue -i after a release), or with mta = sendmail with sendmail -qQ
 * -Q and by removing its queue files (through via when not NULL), then
 * record who decided what and when in the quarantine store. A release (and "not phishing") is a false positive:
 * it goes to lw_qstore_false_positive_hook and the hits stream (release).
 * A block also appends the sender to review_block_file; a delete or block
 * is a confirmation on the hits stream. Never logs.
 */
enum lw_decide_result lw_decide(const struct lw_config *cfg, const struct lw_privileged *via,
                                struct lw_qstore *store, const char *queue_id, enum lw_decision d, const char *who,
                                struct lw_error *err);

/*
 * With the shared (Redis) store lw_decide only records the decision and
 * queues it for the relay holding the message (LW_DECIDE_QUEUED); that
 * relay's lw_apply_decisions carries it out with lw_execute.
 */
enum lw_decide_result lw_execute(const struct lw_config *cfg, const struct lw_privileged *via,
                                 struct lw_qstore *store, const char *queue_id, enum lw_decision d, const char *who,
                                 struct lw_error *err);

/* What one lw_apply_decisions run did. */
struct lw_apply_result {
    guint read, done, failed, skipped;
    GPtrArray *lines;           /* char*: one line per decision, for the log (owned) */
};

/*
 * lw_apply_decisions - carry out this relay's queued decisions: each one
 * claimed on its record first (never twice), executed with lw_execute,
 * its outcome recorded, then acknowledged. Run as root on the relay
 * (lurewatch-report apply): nothing goes through a helper. -1 and err
 * when the store cannot be read (res holds what was done before).
 */
int lw_apply_decisions(const struct lw_config *cfg, struct lw_qstore *store, struct lw_apply_result *res,
                       struct lw_error *err);
void lw_apply_result_clear(struct lw_apply_result *res);

#endif
