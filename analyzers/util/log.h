/* log.h - one logging front end for the milter and the tools */
#ifndef LW_LOG_H
#define LW_LOG_H

#include <stddef.h>

enum lw_log_level { LW_LOG_ERR, LW_LOG_WARN, LW_LOG_INFO, LW_LOG_DEBUG };
enum lw_log_format { LW_LOG_TEXT, LW_LOG_JSON };

/* syslog facility names (mail, daemon, user, local0..local7), NULL-terminated */
extern const char *const lw_log_facility_names[];

/* facility: an index of lw_log_facility_names */
void lw_log_open(const char *ident, int use_syslog, enum lw_log_level max, int facility,
                 enum lw_log_format format);
void lw_log(enum lw_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define lw_log_err(...)   lw_log(LW_LOG_ERR, __VA_ARGS__)
#define lw_log_warn(...)  lw_log(LW_LOG_WARN, __VA_ARGS__)
#define lw_log_info(...)  lw_log(LW_LOG_INFO, __VA_ARGS__)
#define lw_log_debug(...) lw_log(LW_LOG_DEBUG, __VA_ARGS__)

/* lw_printable - copy attacker text into a log/header-safe string (g_free it) */
char *lw_printable(const char *s, size_t max);

#endif
