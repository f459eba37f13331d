/* clamav_engine.h - one compiled libclamav engine, its version and staleness */
#ifndef LW_CLAMAV_ENGINE_H
#define LW_CLAMAV_ENGINE_H

#include <clamav.h>
#include <glib.h>

#include "util/conf.h"
#include "util/error.h"

struct lw_clam {
    struct cl_engine *engine;       /* owned, compiled, never changed after lw_clam_new */
    struct cl_scan_options opts;    /* the one option set of this engine (clean-cache pitfall) */
    char *version;                  /* "daily-27123+local-1a2b3c4d5e6f", "none" without signatures */
    unsigned signatures;            /* signatures loaded */
    GPtrArray *dirs;                /* char*: signature directories loaded */
    struct cl_stat *stats;          /* one per directory, for lw_clam_changed */
    GMutex stat_lock;               /* cl_statchkdir walks the directory: one caller at a time */
};

/* lw_clam_dirs - the signature directories clamav_db names (or the defaults); g_ptr_array_unref */
GPtrArray *lw_clam_dirs(const struct lw_config *cfg, struct lw_error *err);

/*
 * lw_clam_new - load every signature directory, apply the configured limits,
 * install the callbacks (set before compile: a live engine is never changed)
 * and compile. NULL and err, naming the bad file, on any failure.
 */
struct lw_clam *lw_clam_new(const struct lw_config *cfg, clcb_virus_found on_virus,
                            clcb_file_inspection on_file, struct lw_error *err);
void lw_clam_free(struct lw_clam *c);

/* lw_clam_changed - 1 when a signature directory changed since the engine loaded it */
int lw_clam_changed(struct lw_clam *c);

#endif
