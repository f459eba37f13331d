/* clamav_engine.h - one compiled libclamav engine: its version, staleness, and scans through it */
#ifndef LW_CLAMAV_ENGINE_H
#define LW_CLAMAV_ENGINE_H

#include <clamav.h>
#include <glib.h>

#include "util/conf.h"
#include "util/error.h"

struct lw_clam {
    struct cl_engine *engine;       /* owned, compiled, never changed after lw_clam_new */
    struct cl_scan_options opts;    /* the one option set of this engine (clean-cache pitfall) */
    unsigned long long max_image_pixels;    /* clamav_max_image_pixels */
    unsigned long long max_message_pixels;  /* clamav_max_message_pixels: the start of each message's budget */
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
 * install the callbacks of lw_clam_scan (set before compile: a live engine
 * is never changed) and compile. NULL and err, naming the bad file, on any
 * failure.
 */
struct lw_clam *lw_clam_new(const struct lw_config *cfg, struct lw_error *err);
void lw_clam_free(struct lw_clam *c);

/* lw_clam_changed - 1 when a signature directory changed since the engine loaded it */
int lw_clam_changed(struct lw_clam *c);

/*
 * What one scan meets, told to the caller while it runs (ctx is the
 * caller's). A caller decides what each means for the verdict.
 *
 * detected    a signature or heuristic matched: its name, ".UNOFFICIAL"
 *             cut (every match: ALLMATCHES); limits never come here
 * incomplete  the scan stopped short: the configuration key of the limit
 *             (clamav_max_filesize ...), or "libclamav error (...)" with
 *             transient 1 (a full clamav_tmpdir: scan the next copy again)
 * unpacked    a file libclamav unpacked: where ("LABEL > outer > name"),
 *             its name in the container or NULL, and its bytes, valid only
 *             during the call
 */
struct lw_clam_events {
    void (*detected)(void *ctx, const char *name);
    void (*incomplete)(void *ctx, const char *why, int transient);
    void (*unpacked)(void *ctx, const char *where, const char *name,
                     const unsigned char *data, size_t len);
};

/*
 * lw_clam_scan - one buffer through the engine, labelled label in what
 * unpacked reports, named name (may be NULL) for libclamav's type
 * detection. *pixels (may be NULL: no budget) is what is left of the
 * message's picture budget (start it at max_message_pixels); each picture
 * libclamav is let decode is taken from it. 0 when scanned (whatever it
 * found), -1 with err only when out of memory.
 */
int lw_clam_scan(const struct lw_clam *c, const unsigned char *data, size_t len, const char *name,
                 const char *label, const struct lw_clam_events *ev, void *ctx, unsigned long long *pixels,
                 struct lw_error *err);

#endif
