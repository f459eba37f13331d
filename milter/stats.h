/* stats.h - counters of what the milter did, for the log and operators */
#ifndef LW_STATS_H
#define LW_STATS_H

enum lw_stat {
    LW_STAT_MESSAGES,
    LW_STAT_ACCEPT,
    LW_STAT_TAG,
    LW_STAT_QUARANTINE,
    LW_STAT_REJECT,
    LW_STAT_FAILURES,       /* internal failures: failure_policy applied */
    LW_STAT_LIMITS,         /* messages that hit a parsing limit */
    LW_STAT_ABORTED,        /* transactions aborted by the MTA or client */
    LW_STAT_RELOADS,
    LW_STAT_RELOAD_FAILURES,
    LW_STAT_UNRECORDED,     /* held, but the quarantine record could not be written */
    LW_STAT_LOAD_PROBLEMS,  /* problems loading an engine that did not refuse it (bad feed) */
    LW_STAT_RULE_LIMITS,    /* messages on which a rule hit a PCRE2 limit (LW_RULE_MATCH_LIMIT) */
    LW_NSTATS
};

void lw_stat_inc(enum lw_stat s);
void lw_stats_log(void);

#endif
