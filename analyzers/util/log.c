/*
 * log.c - logging for lurewatch daemons and tools
 *
 * lw_log_open() chooses syslog (mail facility) or standard error and the
 * highest level written; lw_log() writes one line. Until lw_log_open() is
 * called, messages go to standard error at INFO level, which is what the
 * command-line tools want.
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
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <glib.h>

#include "util/log.h"

static int log_syslog;
static enum lw_log_level log_max = LW_LOG_INFO;
static const char *log_ident = "lurewatch";

/* lw_log_open - choose the log target and verbosity */
void lw_log_open(const char *ident, int use_syslog, enum lw_log_level max)
{
    log_ident = ident;
    log_syslog = use_syslog;
    log_max = max;
    if (use_syslog)
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* lw_log - write one line at the given level */
void lw_log(enum lw_log_level level, const char *fmt, ...)
{
    static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
    static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
    char line[2048];
    va_list ap;

    if (level > log_max)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (log_syslog) {
        syslog(prio[level], "%s%s", tag[level], line);
    } else {
        /* One fprintf per line keeps lines from different threads whole. */
        fprintf(stderr, "%s: %s%s\n", log_ident, tag[level], line);
    }
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
