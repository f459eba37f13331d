/* stats.h - counters of what the milter did, for the log and the metrics endpoint */
#ifndef LW_STATS_H
#define LW_STATS_H

#include <glib.h>

enum lw_stat {
    LW_STAT_MESSAGES,
    LW_STAT_ACCEPT,
    LW_STAT_TAG,
    LW_STAT_QUARANTINE,     /* held (smfi_quarantine succeeded) */
    LW_STAT_REJECT,
    LW_STAT_FAILURES,       /* internal failures: failure_policy applied */
    LW_STAT_LIMITS,         /* messages that hit a parsing limit */
    LW_STAT_ABORTED,        /* transactions aborted by the MTA or client */
    LW_STAT_RELOADS,
    LW_STAT_RELOAD_FAILURES,
    LW_STAT_UNRECORDED,     /* held, but the quarantine record could not be written */
    LW_STAT_LOAD_PROBLEMS,  /* problems loading an engine that did not refuse it (bad feed) */
    LW_STAT_RULE_LIMITS,    /* messages on which a rule hit a PCRE2 limit (LW_RULE_MATCH_LIMIT) */
    LW_STAT_TEMPFAIL,       /* answered 451: failure_policy tempfail, or a hold that failed */
    LW_STAT_UNSCANNED,      /* delivered unscanned: failure_policy accept */
    LW_STAT_SCAN_WAITS,     /* messages that waited for their turn to be analysed (gate.c) */
    LW_STAT_SCAN_WAIT_TIMEOUTS, /* ... and did not get it within scan_wait_timeout: failure_policy */
    LW_NSTATS
};

/* Upper bounds (seconds) of the scan time histogram's buckets; +Inf is implied. */
#define LW_SCAN_BUCKETS 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
#define LW_NSCAN_BUCKETS 13

struct lw_stats_snapshot {
    guint64 counters[LW_NSTATS];
    guint64 buckets[LW_NSCAN_BUCKETS + 1];  /* cumulative: messages at most bound i; last: all */
    double scan_seconds;                    /* sum of the observed scan times */
};

extern const double lw_scan_bounds[LW_NSCAN_BUCKETS];

void lw_stat_inc(enum lw_stat s);
/* lw_stat_scan_time - one message took ms milliseconds from end of data to its verdict */
void lw_stat_scan_time(double ms);
void lw_stats_get(struct lw_stats_snapshot *snap);
void lw_stats_log(void);

#endif
