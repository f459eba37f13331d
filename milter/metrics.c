/*
 * metrics.c - the milter's counters as a Prometheus endpoint (metrics_listen)
 *
 * lw_metrics_listen_check() accepts "IPv4:PORT" or "[IPv6]:PORT" with a
 * literal address: the endpoint is for a scraper on the relay or a
 * management network, so it binds exactly the address named, never every
 * address of a host name. lw_metrics_bind() makes the listening socket;
 * the milter calls it while still root, beside its milter socket, so a
 * taken port is an error at start-up. lw_metrics_start() serves it with
 * libmicrohttpd from one thread (epoll: the milter's own descriptors may
 * pass FD_SETSIZE) after the milter has become a daemon.
 *
 * Only GET /metrics is answered (200, text format 0.0.4); any other method
 * or path gets 404. A connection idle for CONN_TIMEOUT seconds is closed,
 * and at most MAX_CONNS are served at once.
 *
 * lw_metrics_render() writes every metric from what already counts it:
 * stats.c (messages by what the MTA was told, the scan time histogram,
 * failures, limits, reloads, held messages not recorded), the current
 * engine (its verdict cache's counters, Redis, its signature version) and
 * the hits stream (its spool). Nothing is counted twice: the SIGUSR2 log
 * line reads the same counters. Each read is atomic or under the engine
 * slot's lock, so the handler may run while milter threads count.
 *
 * The cache counters belong to the engine's cache, which a reload builds
 * afresh: they restart from zero after a reload, as after a restart
 * (Prometheus' rate() and increase() allow for counter resets).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>
#include <microhttpd.h>

#include "cache/cache.h"
#include "cache/hits.h"
#include "engine_slot.h"
#include "metrics.h"
#include "stats.h"

#define MAX_CONNS 16
#define CONN_TIMEOUT 10             /* seconds */
#define CONN_MEMORY (32 * 1024)     /* bytes per connection for the request */

struct lw_metrics {
    struct MHD_Daemon *daemon;
};

/* ---- the address ---- */

/* listen_address - spec as a socket address (g_object_unref), or NULL and err */
static GSocketAddress *listen_address(const char *spec, struct lw_error *err)
{
    const char *colon = strrchr(spec, ':');
    char *host, *end;
    GInetAddress *addr;
    GSocketAddress *sa;
    long port;

    if (colon == NULL)
        return lw_error_set(err, "metrics_listen \"%s\": no port; use 127.0.0.1:PORT or [::1]:PORT", spec), NULL;
    if (spec[0] == '[' && colon > spec && colon[-1] == ']')
        host = g_strndup(spec + 1, (gsize) (colon - spec - 2));
    else
        host = g_strndup(spec, (gsize) (colon - spec));
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    addr = strchr(host, ':') && spec[0] != '[' ? NULL : g_inet_address_new_from_string(host);
    if (addr == NULL) {
        lw_error_set(err, "metrics_listen \"%s\": \"%s\" is not an IPv4 address or a bracketed IPv6"
                     " address; use 127.0.0.1:PORT or [::1]:PORT", spec, host);
        g_free(host);
        return NULL;
    }
    g_free(host);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || port < 1 || port > 65535) {
        g_object_unref(addr);
        return lw_error_set(err, "metrics_listen \"%s\": \"%s\" is not a port number", spec, colon + 1), NULL;
    }
    sa = g_inet_socket_address_new(addr, (guint16) port);
    g_object_unref(addr);
    return sa;
}

int lw_metrics_listen_check(const char *spec, struct lw_error *err)
{
    GSocketAddress *sa = listen_address(spec, err);

    if (sa == NULL)
        return -1;
    g_object_unref(sa);
    return 0;
}

int lw_metrics_bind(const char *spec, struct lw_error *err)
{
    GSocketAddress *sa = listen_address(spec, err);
    struct sockaddr_storage native;
    int fd = -1, one = 1;

    if (sa == NULL)
        return -1;
    if (!g_socket_address_to_native(sa, &native, sizeof(native), NULL)
        || (fd = socket(native.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0
        || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0
        || (native.ss_family == AF_INET6
            && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
        || bind(fd, (struct sockaddr *) &native, (socklen_t) g_socket_address_get_native_size(sa)) < 0
        || listen(fd, MAX_CONNS) < 0) {
        lw_error_set(err, "metrics_listen %s: %s", spec, g_strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    g_object_unref(sa);
    return fd;
}

/* ---- the exposition ---- */

/* family - the HELP and TYPE lines of one metric */
static void family(GString *out, const char *name, const char *type, const char *help)
{
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(GString *out, const char *name, const char *labels, guint64 value)
{
    g_string_append_printf(out, "%s%s %" G_GUINT64_FORMAT "\n", name, labels, value);
}

/* label_value - text escaped for a label value: backslash, quote and newline */
static void label_value(GString *out, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\' || *s == '"')
            g_string_append_c(out, '\\');
        if (*s == '\n')
            g_string_append(out, "\\n");
        else
            g_string_append_c(out, *s);
    }
}

/* What the MTA was told about each message; the labels of lurewatch_messages_total. */
static const struct {
    enum lw_stat stat;
    const char *action;
} actions[] = {
    { LW_STAT_ACCEPT, "accept" }, { LW_STAT_TAG, "tag" }, { LW_STAT_QUARANTINE, "quarantine" },
    { LW_STAT_REJECT, "reject" }, { LW_STAT_TEMPFAIL, "tempfail" }, { LW_STAT_UNSCANNED, "unscanned" },
};

/* The other counters of stats.c, one metric each. */
static const struct {
    enum lw_stat stat;
    const char *name;
    const char *help;
} counters[] = {
    { LW_STAT_FAILURES, "lurewatch_scan_failures_total",
      "Messages whose scan failed (an analyzer error, a dependency gone): failure_policy applied." },
    { LW_STAT_LIMITS, "lurewatch_limit_messages_total",
      "Messages that reached a parsing limit (an LW_LIMIT_* hit)." },
    { LW_STAT_RULE_LIMITS, "lurewatch_rule_limit_messages_total",
      "Messages on which a rule reached a PCRE2 limit (LW_RULE_MATCH_LIMIT)." },
    { LW_STAT_ABORTED, "lurewatch_aborted_total",
      "Transactions the MTA or the client aborted before the end of the message." },
    { LW_STAT_UNRECORDED, "lurewatch_held_unrecorded_total",
      "Held messages whose review record could not be written (missing from the digest)." },
    { LW_STAT_LOAD_PROBLEMS, "lurewatch_load_problems_total",
      "Problems met loading an engine that did not refuse it (a malformed feed kept at its previous version)." },
    { LW_STAT_SCAN_WAITS, "lurewatch_scan_waits_total",
      "Messages that waited for their turn to be analysed (scan_concurrency scans were in progress)." },
    { LW_STAT_SCAN_WAIT_TIMEOUTS, "lurewatch_scan_wait_timeouts_total",
      "Messages that waited longer than scan_wait_timeout for their turn: failure_policy applied." },
};

static void render_stats(GString *out, const struct lw_stats_snapshot *s)
{
    family(out, "lurewatch_messages_total", "counter",
           "Messages decided, by what the MTA was told (tempfail: 451; unscanned: delivered under failure_policy accept).");
    for (size_t i = 0; i < G_N_ELEMENTS(actions); i++) {
        char *labels = g_strdup_printf("{action=\"%s\"}", actions[i].action);

        sample(out, "lurewatch_messages_total", labels, s->counters[actions[i].stat]);
        g_free(labels);
    }
    family(out, "lurewatch_scan_seconds", "histogram",
           "Time from the end of a message to its verdict (parse, cache, analyzers).");
    for (int i = 0; i <= LW_NSCAN_BUCKETS; i++) {
        char *labels = i < LW_NSCAN_BUCKETS ? g_strdup_printf("{le=\"%g\"}", lw_scan_bounds[i])
                                            : g_strdup("{le=\"+Inf\"}");

        sample(out, "lurewatch_scan_seconds_bucket", labels, s->buckets[i]);
        g_free(labels);
    }
    g_string_append_printf(out, "lurewatch_scan_seconds_sum %.6f\n", s->scan_seconds);
    sample(out, "lurewatch_scan_seconds_count", "", s->buckets[LW_NSCAN_BUCKETS]);
    for (size_t i = 0; i < G_N_ELEMENTS(counters); i++) {
        family(out, counters[i].name, "counter", counters[i].help);
        sample(out, counters[i].name, "", s->counters[counters[i].stat]);
    }
    family(out, "lurewatch_reloads_total", "counter",
           "Engine reloads (SIGHUP, SIGUSR1, signatures or feeds changed), by result; failed: the running engine was kept.");
    sample(out, "lurewatch_reloads_total", "{result=\"ok\"}", s->counters[LW_STAT_RELOADS]);
    sample(out, "lurewatch_reloads_total", "{result=\"failed\"}", s->counters[LW_STAT_RELOAD_FAILURES]);
}

/* render_engine - the engine in service: its versions, its cache, Redis */
static void render_engine(GString *out, struct lw_engine *e)
{
    struct lw_cache *cache = lw_engine_cache(e);
    struct lw_cache_stats cs;
    int up;

    family(out, "lurewatch_engine_info", "gauge",
           "The engine in service: lurewatch's version and the ClamAV signature version its verdicts carry.");
    g_string_append(out, "lurewatch_engine_info{version=\"");
    label_value(out, PACKAGE_VERSION);
    g_string_append(out, "\",signature_version=\"");
    label_value(out, lw_engine_signature_version(e));
    g_string_append(out, "\"} 1\n");
    if (cache == NULL)
        return;
    lw_cache_get_stats(cache, &cs);
    family(out, "lurewatch_cache_hits_total", "counter", "Verdicts served from the verdict cache (since the last reload).");
    sample(out, "lurewatch_cache_hits_total", "", cs.hits);
    family(out, "lurewatch_cache_misses_total", "counter", "Verdict cache lookups that found nothing (since the last reload).");
    sample(out, "lurewatch_cache_misses_total", "", cs.misses);
    family(out, "lurewatch_cache_errors_total", "counter",
           "Redis exchanges of the cache that failed; the in-process cache served (since the last reload).");
    sample(out, "lurewatch_cache_errors_total", "", cs.errors);
    if ((up = lw_cache_redis_up(cache)) >= 0) {
        family(out, "lurewatch_redis_up", "gauge", "1 when Redis answers, 0 when not.");
        sample(out, "lurewatch_redis_up", "", (guint64) up);
    }
}

/* render_hits - the hits stream's spool */
static void render_hits(GString *out, struct lw_hits *hits)
{
    struct lw_hits_stats hs;

    lw_hits_get_stats(hits, &hs);
    family(out, "lurewatch_hits_published_total", "counter", "Hit events appended to the Redis stream (live or replayed).");
    sample(out, "lurewatch_hits_published_total", "", hs.published);
    family(out, "lurewatch_hits_spool_depth", "gauge", "Hit events in the spool, waiting for Redis.");
    sample(out, "lurewatch_hits_spool_depth", "", hs.spool_depth);
    family(out, "lurewatch_hits_spool_errors_total", "counter", "Hit events lost: the spool could not be written.");
    sample(out, "lurewatch_hits_spool_errors_total", "", hs.spool_errors);
}

char *lw_metrics_render(struct lw_hits *hits)
{
    GString *out = g_string_new(NULL);
    struct lw_stats_snapshot snap;
    struct lw_engine *e = lw_slot_get();

    lw_stats_get(&snap);
    render_stats(out, &snap);
    if (e != NULL) {
        render_engine(out, e);
        lw_engine_unref(e);
    }
    if (hits != NULL)
        render_hits(out, hits);
    return g_string_free(out, FALSE);
}

/* ---- the server ---- */

/* respond - queue status and body (copied) as text/plain */
static enum MHD_Result respond(struct MHD_Connection *c, unsigned int status, const char *body,
                               const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *) body,
                                                             MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc;

    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

/* answer - GET /metrics, or 404; no request body is ever read */
static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **con_cls)
{
    char *text;
    enum MHD_Result rc;

    (void) version;
    (void) upload_data;
    (void) con_cls;
    *upload_data_size = 0;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 || strcmp(url, "/metrics") != 0)
        return respond(c, MHD_HTTP_NOT_FOUND, "not found: only GET /metrics\n", "text/plain; charset=utf-8");
    text = lw_metrics_render(cls);
    rc = respond(c, MHD_HTTP_OK, text, "text/plain; version=0.0.4; charset=utf-8");
    g_free(text);
    return rc;
}

struct lw_metrics *lw_metrics_start(int fd, struct lw_hits *hits, struct lw_error *err)
{
    struct lw_metrics *m = g_new0(struct lw_metrics, 1);

    m->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL,
                                 answer, hits,
                                 MHD_OPTION_LISTEN_SOCKET, (MHD_socket) fd,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned int) MAX_CONNS,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) CONN_TIMEOUT,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) CONN_MEMORY,
                                 MHD_OPTION_END);
    if (m->daemon == NULL) {
        lw_error_set(err, "metrics: cannot start the HTTP server");
        close(fd);
        g_free(m);
        return NULL;
    }
    return m;
}

void lw_metrics_stop(struct lw_metrics *m)
{
    if (m == NULL)
        return;
    MHD_stop_daemon(m->daemon);
    g_free(m);
}
