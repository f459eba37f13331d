/*
 * fuzz-message - libFuzzer harness: raw bytes -> message -> verdict -> JSON
 *
 * DESCRIPTION
 *     Each input is one message as the MTA would hand it over. It goes
 *     through the same path as a milter scan: lw_engine_check() with the
 *     default limits and the starter rules (every analyzer of the
 *     registry; the verdict cache's key of the raw bytes and, for an input
 *     seen before, its hit on the header alone), and the JSON report of
 *     lurewatch-scan.
 *     Anything that crashes, leaks, reads out of bounds or hits undefined
 *     behaviour here would do so on a mail relay.
 *
 *     Run: make fuzz FUZZ_TARGETS=fuzz-message, or directly
 *     t/fuzz/fuzz-message -max_len=262144 CORPUSDIR.
 */
#include "config.h"

#include "fuzz.h"
#include "model/json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    fuzz_engine();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct lw_engine *e = fuzz_engine();
    struct lw_message *msg = NULL;
    struct lw_verdict *v = lw_engine_check(e, (const char *) data, size, NULL, NULL, 0, &msg);
    char *json;

    json = lw_verdict_json(v, msg, "fuzz");
    g_free(json);
    lw_verdict_free(v);
    lw_message_free(msg);
    return 0;
}
