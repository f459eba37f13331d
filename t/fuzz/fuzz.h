/*
 * fuzz.h - what every libFuzzer harness in t/fuzz/ shares
 *
 * DESCRIPTION
 *     A harness is one file t/fuzz/fuzz-NAME.c defining
 *     LLVMFuzzerTestOneInput() (and, if it needs set-up, calling
 *     fuzz_setup() from LLVMFuzzerInitialize()). To add one: write the file,
 *     add NAME to FUZZ_TARGETS in Makefile.am (two lines: the program and its
 *     sources), and give it seeds in t/fuzz/seed-corpus. `make fuzz` then
 *     runs it like the others.
 *
 *     fuzz_setup() makes GLib criticals fatal: a critical is an API misuse
 *     (a NULL where GMime wanted an object), which is a bug in lurewatch.
 *     fuzz_engine() is the engine the milter would run with the starter
 *     rules (contrib/rules/lurewatch.rules, or $LW_FUZZ_RULES), built once;
 *     every analyzer in the registry therefore gets fuzzed with no change
 *     here.
 *
 * LIMITS
 *     Harness state is built once per process. The engine is freed at exit
 *     (atexit, which runs before LeakSanitizer's final check): libclamav
 *     keeps its pointers in mmap'd memory pools that LeakSanitizer does not
 *     scan, so an engine still alive at exit reads as a leak of
 *     cl_engine_compile().
 */
#ifndef LW_FUZZ_H
#define LW_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/conf.h"
#include "engine.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_setup - once per process: GMime, fatal criticals */
static inline void fuzz_setup(void)
{
    g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
    lw_gmime_init();
}

static struct lw_engine *fuzz_engine_built;

/* fuzz_engine_free - at exit: the engine, so LeakSanitizer sees libclamav's pools freed */
static inline void fuzz_engine_free(void)
{
    lw_engine_unref(fuzz_engine_built);
    fuzz_engine_built = NULL;
}

/* fuzz_engine - the starter-rules engine, built on first use; aborts if it cannot be built */
static inline const struct lw_engine *fuzz_engine(void)
{
    struct lw_engine *engine = fuzz_engine_built;
    struct lw_config *cfg;
    struct lw_error err;
    const char *rules = getenv("LW_FUZZ_RULES");

    if (engine != NULL)
        return engine;
    cfg = lw_config_new();
    if (lw_config_set(cfg, "rules_file", rules ? rules : LW_FUZZ_RULES, &err) < 0
        || (engine = lw_engine_new(cfg, &err)) == NULL) {
        fprintf(stderr, "fuzz: cannot build the engine: %s\n", err.text);
        abort();
    }
    fuzz_engine_built = engine;
    atexit(fuzz_engine_free);
    return engine;
}

#endif
