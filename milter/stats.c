/*
 * stats.c - process-wide counters, updated atomically from any thread
 *
 * lw_stat_inc() counts an event; lw_stat_scan_time() adds one message's
 * scan time to the histogram; lw_stats_get() copies everything for the
 * metrics endpoint (metrics.c); lw_stats_log() writes the counters on one
 * log line ("stats: messages=... reject=..."), on SIGUSR2 and at exit.
 *
 * Each counter is a 64-bit atomic: no lock, and a reader sees every
 * counter some time between the start and the end of its copy. The
 * histogram keeps one non-cumulative count per bucket; the copy adds them
 * up, so its last (+Inf) bucket is always the count of its own buckets.
 */
#include "config.h"

#include "stats.h"
#include "util/log.h"

static guint64 counters[LW_NSTATS];
static guint64 scan_buckets[LW_NSCAN_BUCKETS + 1];  /* the last: above every bound */
static guint64 scan_us;                             /* sum of scan times, microseconds */

const double lw_scan_bounds[LW_NSCAN_BUCKETS] = { LW_SCAN_BUCKETS };

static const char *const names[LW_NSTATS] = {
    "messages", "accept", "tag", "quarantine", "reject", "failures", "limits",
    "aborted", "reloads", "reload_failures", "quarantine_unrecorded",
    "load_problems", "rule_limits", "tempfail", "unscanned", "scan_waits", "scan_wait_timeouts",
};

#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define ADD(p, n) __atomic_add_fetch((p), (n), __ATOMIC_RELAXED)

void lw_stat_inc(enum lw_stat s)
{
    ADD(&counters[s], 1);
}

void lw_stat_scan_time(double ms)
{
    int i = 0;

    while (i < LW_NSCAN_BUCKETS && ms / 1000.0 > lw_scan_bounds[i])
        i++;
    ADD(&scan_buckets[i], 1);
    ADD(&scan_us, (guint64) (ms > 0 ? ms * 1000.0 : 0));
}

void lw_stats_get(struct lw_stats_snapshot *snap)
{
    guint64 total = 0;

    for (int i = 0; i < LW_NSTATS; i++)
        snap->counters[i] = LOAD(&counters[i]);
    for (int i = 0; i <= LW_NSCAN_BUCKETS; i++)
        snap->buckets[i] = total += LOAD(&scan_buckets[i]);
    snap->scan_seconds = (double) LOAD(&scan_us) / 1e6;
}

void lw_stats_log(void)
{
    GString *line = g_string_new("stats:");

    for (int i = 0; i < LW_NSTATS; i++)
        g_string_append_printf(line, " %s=%" G_GUINT64_FORMAT, names[i], LOAD(&counters[i]));
    lw_log_info("%s", line->str);
    g_string_free(line, TRUE);
}
