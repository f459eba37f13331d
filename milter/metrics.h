/* metrics.h - the milter's Prometheus endpoint (metrics_listen) */
#ifndef LW_METRICS_H
#define LW_METRICS_H

#include "util/error.h"

struct lw_hits;
struct lw_metrics;

/* lw_metrics_listen_check - is spec "IPv4:PORT" or "[IPv6]:PORT"? 0, or -1 and err */
int lw_metrics_listen_check(const char *spec, struct lw_error *err);
/* lw_metrics_bind - a listening socket on exactly that address; -1 and err */
int lw_metrics_bind(const char *spec, struct lw_error *err);
/*
 * lw_metrics_start - serve GET /metrics on fd (taken) from a thread of its
 * own; hits (may be NULL) is the hits stream whose counters are shown.
 * Call after fork and with the signals the milter handles blocked.
 */
struct lw_metrics *lw_metrics_start(int fd, struct lw_hits *hits, struct lw_error *err);
void lw_metrics_stop(struct lw_metrics *m);
/* lw_metrics_render - the exposition (text format 0.0.4) of every metric; g_free */
char *lw_metrics_render(struct lw_hits *hits);

#endif
