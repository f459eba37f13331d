/* tap.h - Test Anything Protocol for C unit tests (after git's t/unit-tests/test-lib.h) */
#ifndef LW_TAP_H
#define LW_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define tap_check(cond, ...) tap_report_(!!(cond), __FILE__, __LINE__, #cond, __VA_ARGS__)

#define tap_check_str(a, b, ...) do { \
        const char *tap_a_ = (a), *tap_b_ = (b); \
        if (!tap_report_(tap_a_ && tap_b_ && strcmp(tap_a_, tap_b_) == 0, __FILE__, __LINE__, \
                         #a " == " #b, __VA_ARGS__)) \
            printf("#   got \"%s\", want \"%s\"\n", tap_a_ ? tap_a_ : "(null)", tap_b_ ? tap_b_ : "(null)"); \
    } while (0)

#define tap_check_int(a, op, b, ...) do { \
        long long tap_a_ = (long long) (a), tap_b_ = (long long) (b); \
        if (!tap_report_(tap_a_ op tap_b_, __FILE__, __LINE__, #a " " #op " " #b, __VA_ARGS__)) \
            printf("#   got %lld, want " #op " %lld\n", tap_a_, tap_b_); \
    } while (0)

__attribute__((format(printf, 5, 6)))
static int tap_report_(int ok, const char *file, int line, const char *expr, const char *fmt, ...)
{
    va_list ap;

    printf("%s %d - ", ok ? "ok" : "not ok", ++tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!ok) {
        tap_failed++;
        printf("#   %s:%d: check failed: %s\n", file, line, expr);
    }
    return ok;
}

static inline void tap_skip(const char *why)
{
    printf("ok %d # SKIP %s\n", ++tap_n, why);
}

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
