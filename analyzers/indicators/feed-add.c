/*
 * feed-add.c - what every feed reader calls: add a value, note a problem, read a time
 *
 * The readers (feed.c: lists and CSV; feed-json.c: STIX 2.1 and MISP) put
 * each value into the store builder through lw_feed_add(), which counts it
 * in the feed's report, leaves out what has already expired and reports a
 * value invalid for its type with its position. Kept apart from the
 * readers so that neither reader file calls the other back.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "indicators/feed.h"

void lw_feed_report_free(struct lw_feed_report *r)
{
    if (r == NULL)
        return;
    g_free(r->path);
    g_free(r->name);
    g_ptr_array_unref(r->problems);
    g_free(r->error);
    g_free(r->sha256);
    g_free(r);
}

void lw_feed_problem(struct lw_feed_report *r, const char *fmt, ...)
{
    va_list ap;

    if (r->problems->len >= LW_FEED_MAX_PROBLEMS) {
        r->more_problems++;
        return;
    }
    va_start(ap, fmt);
    g_ptr_array_add(r->problems, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

gint64 lw_feed_parse_time(const char *s)
{
    GDateTime *dt;
    GTimeZone *utc;
    char *full = NULL;
    gint64 t = 0;
    char *end;

    if (s == NULL || *s == '\0')
        return 0;
    if (g_ascii_isdigit(*s) && strlen(s) <= 11 && strchr(s, '-') == NULL) {
        t = g_ascii_strtoll(s, &end, 10);
        return *end == '\0' ? t : 0;
    }
    if (strlen(s) == 10)        /* a date alone: the start of that day, UTC */
        s = full = g_strconcat(s, "T00:00:00Z", NULL);
    utc = g_time_zone_new_utc();
    dt = g_date_time_new_from_iso8601(s, utc);
    if (dt) {
        t = g_date_time_to_unix(dt);
        g_date_time_unref(dt);
    }
    g_time_zone_unref(utc);
    g_free(full);
    return t;
}

int lw_feed_add(struct lw_feed_ctx *c, enum lw_ioc_type type, const char *value,
                const struct lw_ioc_meta *meta, const char *where)
{
    const char *list;
    char *why = NULL, *shown;

    if (meta->valid_until != 0 && meta->valid_until < c->now) {
        c->rep->expired++;
        return 0;
    }
    if ((list = lw_warninglists_match(c->wl, type, value)) != NULL) {
        c->rep->warninglisted++;
        shown = g_strescape(value, NULL);
        lw_feed_problem(c->rep, "%s: %s %s is on warninglist \"%s\": not loaded, it must never block", where,
                        lw_ioc_type_name(type), shown, list);
        g_free(shown);
        return 0;
    }
    if (lw_ioc_builder_add(c->b, c->feed, type, value, meta, &why) < 0) {
        c->rep->rejected++;
        lw_feed_problem(c->rep, "%s: %s: %s", where, lw_ioc_type_name(type), why ? why : "invalid");
        g_free(why);
        return -1;
    }
    c->rep->counts[type]++;
    c->rep->loaded++;
    return 0;
}
