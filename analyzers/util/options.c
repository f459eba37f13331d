/*
 * options.c - command-line parsing shared by every lurewatch program
 *
 * Each program declares its GOption entries; lw_options_parse() parses
 * them and reports a bad command line the same way everywhere, once.
 */
#include "config.h"

#include <stdio.h>

#include "util/options.h"

int lw_options_parse(const char *prog, const char *usage, const char *summary,
                     GOptionEntry *entries, int *argc, char ***argv)
{
    GOptionContext *ctx = g_option_context_new(usage);
    GError *gerr = NULL;
    int ok;

    if (summary)
        g_option_context_set_summary(ctx, summary);
    g_option_context_add_main_entries(ctx, entries, NULL);
    ok = g_option_context_parse(ctx, argc, argv, &gerr);
    if (!ok) {
        fprintf(stderr, "%s: %s\n", prog, gerr->message);
        g_error_free(gerr);
    }
    g_option_context_free(ctx);
    return ok ? 0 : -1;
}
