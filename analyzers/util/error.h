/* error.h - a caller-owned error buffer, filled by library code that never logs */
#ifndef LW_ERROR_H
#define LW_ERROR_H

#include <stdio.h>
#include <stdarg.h>

struct lw_error {
    char text[512];
};

/* lw_error_set - fill err (which may be NULL) and return -1 for "return lw_error_set(...)" */
static inline int lw_error_set(struct lw_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline int lw_error_set(struct lw_error *err, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        va_start(ap, fmt);
        vsnprintf(err->text, sizeof(err->text), fmt, ap);
        va_end(ap);
    }
    return -1;
}

#endif
