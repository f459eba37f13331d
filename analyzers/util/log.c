/*
 * log.c - logging for lurewatch daemons and tools
 *
 * lw_log_open() chooses syslog (facility log_facility, mail by default) or
 * standard error, the highest level written and the format; lw_log()
 * writes one line. Until lw_log_open() is called, messages go to standard
 * error at INFO level as text, which is what the command-line tools want.
 *
 * Priorities: info for verdicts and what the daemon does, warning for
 * degraded operation (Redis unreachable, a header not added, a feed kept
 * at its previous version), err for failures (a scan that failed, a held
 * message not recorded). Text lines carry "warning: " or "error: ".
 *
 * The JSON format writes each line as one object: {"time": ISO 8601 UTC
 * with milliseconds, "level": "err"|"warning"|"info"|"debug", "program",
 * "pid", "message"}; to syslog the object is the message text.
 *
 * On standard error under systemd (JOURNAL_STREAM names our standard
 * error) each line starts with the "<N>" level prefix journald reads
 * (SyslogLevelPrefix=), so that the journal keeps the priority; the
 * facility is then the unit's SyslogFacility=.
 *
 * lw_printable() is the only way attacker-controlled text (subjects,
 * addresses, file names) may reach a log line or a header we add: control
 * characters, the line and paragraph separators U+2028 and U+2029 (which
 * some viewers show as line breaks) and format characters (bidi controls,
 * zero-width) become '?', invalid UTF-8 is repaired, and the result is capped.
 * The caller g_free()s the copy.
 *
 * The level and target are set once at start-up, before threads exist.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>
#include <jansson.h>

#include "util/log.h"

/* syslog facility names as syslog.conf spells them, and their codes */
const char *const lw_log_facility_names[] = {
    "mail", "daemon", "user", "local0", "local1", "local2", "local3",
    "local4", "local5", "local6", "local7", NULL
};
static const int facility_codes[] = {
    LOG_MAIL, LOG_DAEMON, LOG_USER, LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
    LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7,
};
G_STATIC_ASSERT(G_N_ELEMENTS(facility_codes) + 1 == G_N_ELEMENTS(lw_log_facility_names));

static int log_syslog;
static int log_json;
static int log_journal;         /* standard error is a journald stream: "<N>" prefixes */
static enum lw_log_level log_max = LW_LOG_INFO;
static const char *log_ident = "lurewatch";

/* on_journal_stream - is standard error the stream systemd named in JOURNAL_STREAM ("dev:ino")? */
static int on_journal_stream(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0
        && (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

/* lw_log_open - choose the log target, verbosity, syslog facility (an index of lw_log_facility_names) and format */
void lw_log_open(const char *ident, int use_syslog, enum lw_log_level max, int facility,
                 enum lw_log_format format)
{
    log_ident = ident;
    log_syslog = use_syslog;
    log_max = max;
    log_json = format == LW_LOG_JSON;
    log_journal = !use_syslog && on_journal_stream();
    if (use_syslog)
        openlog(ident, LOG_PID | LOG_NDELAY,
                facility >= 0 && (size_t) facility < G_N_ELEMENTS(facility_codes)
                ? facility_codes[facility] : LOG_MAIL);
}

/* json_line - the JSON object of one line (g_free it) */
static char *json_line(enum lw_log_level level, const char *text)
{
    static const char *const name[] = { "err", "warning", "info", "debug" };
    GDateTime *now = g_date_time_new_now_utc();
    gchar *when = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ");
    gchar *valid = g_utf8_make_valid(text, -1);
    json_t *o;
    char *dumped, *out;

    /* %f is microseconds: keep milliseconds */
    memmove(when + 23, when + 26, strlen(when + 26) + 1);
    o = json_pack("{s:s, s:s, s:s, s:I, s:s}", "time", when, "level", name[level],
                  "program", log_ident, "pid", (json_int_t) getpid(), "message", valid);
    dumped = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    out = g_strdup(dumped ? dumped : "{}");
    free(dumped);
    json_decref(o);
    g_free(valid);
    g_free(when);
    g_date_time_unref(now);
    return out;
}

/* lw_log - write one line at the given level */
void lw_log(enum lw_log_level level, const char *fmt, ...)
{
    static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
    static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
    char line[2048], pfx[8] = "", *json = NULL;
    va_list ap;

    if (level > log_max)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (log_json)
        json = json_line(level, line);
    if (log_journal)
        snprintf(pfx, sizeof(pfx), "<%d>", prio[level]);
    /* One syslog() or fprintf() per line keeps lines from different threads whole. */
    if (log_syslog && json)
        syslog(prio[level], "%s", json);
    else if (log_syslog)
        syslog(prio[level], "%s%s", tag[level], line);
    else if (json)
        fprintf(stderr, "%s%s\n", pfx, json);
    else
        fprintf(stderr, "%s%s: %s%s\n", pfx, log_ident, tag[level], line);
    g_free(json);
}

/* lw_printable - sanitized, capped copy of untrusted text */
char *lw_printable(const char *s, size_t max)
{
    gchar *valid, *p;
    GString *out;

    if (s == NULL)
        return g_strdup("");
    valid = g_utf8_make_valid(s, -1);
    out = g_string_sized_new(strlen(valid) < max ? strlen(valid) : max);
    for (p = valid; *p != '\0' && out->len < max; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        GUnicodeType t = g_unichar_type(c);

        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || t == G_UNICODE_FORMAT
            || t == G_UNICODE_LINE_SEPARATOR || t == G_UNICODE_PARAGRAPH_SEPARATOR)
            g_string_append_c(out, '?');
        else
            g_string_append_len(out, p, g_utf8_next_char(p) - p);
    }
    if (*p != '\0')
        g_string_append(out, "...");
    g_free(valid);
    return g_string_free(out, FALSE);
}
