/*
 * fuzz-config - libFuzzer harness: configuration text -> lw_config_parse_text
 *
 * DESCRIPTION
 *     Each input is a whole lurewatch.conf applied over the built-in
 *     defaults, exactly as lw_config_load() applies a file (the file-safety
 *     checks aside). An accepted configuration is then printed with
 *     lw_config_dump() (as --dump-config does), which reads back every
 *     value the parser stored.
 */
#include "config.h"

#include "fuzz.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    if ((devnull = fopen("/dev/null", "w")) == NULL)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lw_config *cfg = lw_config_new();
    struct lw_error err;

    if (lw_config_parse_text(cfg, (const char *) data, size, "fuzz.conf", &err) == 0)
        lw_config_dump(cfg, devnull, 0);
    lw_config_free(cfg);
    return 0;
}
