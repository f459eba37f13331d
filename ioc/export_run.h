/* export_run.h - one exactly-once run of the IOC exporter over the hits stream */
#ifndef LW_EXPORT_RUN_H
#define LW_EXPORT_RUN_H

#include <glib.h>
#include "util/conf.h"
#include "util/error.h"

#define LW_EXPORT_BUSY 1        /* another exporter holds the lock: nothing done */

struct lw_export_result {
    guint read;                 /* stream entries read (own pending + claimed + new) */
    guint claimed;              /* of which taken over from other consumers */
    guint bad;                  /* malformed entries (acknowledged, not exported) */
    guint acked;
    guint pushed;               /* pushes accepted */
    guint iocs, msgs;           /* in the outputs */
    int stole_lock;             /* took over the lock of a killed run */
    char first_bad[256];        /* why the first malformed entry was refused */
};

/*
 * lw_export_run - read, write, push, acknowledge (see export_run.c).
 * 0 done, LW_EXPORT_BUSY, or -1 and err (entries stay pending for the next run).
 * crash_at: fault injection step name, or NULL.
 */
int lw_export_run(const struct lw_config *cfg, const char *crash_at, struct lw_export_result *res,
                  struct lw_error *err);

#endif
