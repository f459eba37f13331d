/*
 * stats.c - process-wide counters, updated atomically from any thread
 *
 * lw_stat_inc() counts an event; lw_stats_log() writes all counters on one
 * log line ("stats: messages=... reject=..."), on SIGUSR2 and at exit.
 */
#include "config.h"

#include <glib.h>

#include "stats.h"
#include "util/log.h"

static gint counters[LW_NSTATS];

static const char *const names[LW_NSTATS] = {
    "messages", "accept", "tag", "quarantine", "reject", "failures", "limits",
    "aborted", "reloads", "reload_failures", "quarantine_unrecorded",
    "load_problems", "rule_limits",
};

void lw_stat_inc(enum lw_stat s)
{
    g_atomic_int_inc(&counters[s]);
}

void lw_stats_log(void)
{
    GString *line = g_string_new("stats:");

    for (int i = 0; i < LW_NSTATS; i++)
        g_string_append_printf(line, " %s=%d", names[i], g_atomic_int_get(&counters[i]));
    lw_log_info("%s", line->str);
    g_string_free(line, TRUE);
}
