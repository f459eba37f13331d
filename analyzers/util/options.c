/*
 * options.c - command-line parsing shared by every lurewatch program
 *
 * Each program declares its GOption entries; lw_options_parse() parses
 * them and reports a bad command line the same way everywhere, once, and
 * gives every program --version (PACKAGE_VERSION from configure). Like
 * GLib's own --help, --version prints and exits 0 during parsing.
 *
 * lw_options_parse_command() stops at the first argument that is not an
 * option (the command): what follows is left to the program, which can
 * then refuse options after its command (a sudo rule "prog release *"
 * must not let "-o key=value" through).
 *
 * The locale is taken from the environment first, so that GLib prints its
 * usage lines in the terminal's character set ("[OPTION…]", not
 * "[OPTION?]"); LC_NUMERIC stays "C": configuration values, JSON and log
 * lines always write 2.5, never 2,5.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/options.h"

/* print_version - the --version callback: "PROG (lurewatch) VERSION", exit 0 */
static gboolean print_version(const gchar *name, const gchar *value, gpointer prog, GError **error)
{
    (void) name;
    (void) value;
    (void) error;
    printf("%s (%s) %s\n", (const char *) prog, PACKAGE_NAME, PACKAGE_VERSION);
    exit(0);
}

/* parse - lw_options_parse; strict: stop at the first argument that is not an option */
static int parse(const char *prog, const char *usage, const char *summary, GOptionEntry *entries,
                 int *argc, char ***argv, gboolean strict)
{
    GOptionEntry version[] = {
        { "version", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, (gpointer) print_version,
          "print the version and exit", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    GOptionContext *ctx = g_option_context_new(usage);
    GOptionGroup *main_group = g_option_group_new(NULL, NULL, NULL, (gpointer) prog, NULL);
    GError *gerr = NULL;
    int ok;

    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    if (summary)
        g_option_context_set_summary(ctx, summary);
    g_option_group_add_entries(main_group, entries);
    g_option_group_add_entries(main_group, version);
    g_option_context_set_main_group(ctx, main_group);
    g_option_context_set_strict_posix(ctx, strict);
    ok = g_option_context_parse(ctx, argc, argv, &gerr);
    if (!ok) {
        fprintf(stderr, "%s: %s\n", prog, gerr->message);
        g_error_free(gerr);
    }
    g_option_context_free(ctx);
    return ok ? 0 : -1;
}

int lw_options_parse(const char *prog, const char *usage, const char *summary,
                     GOptionEntry *entries, int *argc, char ***argv)
{
    return parse(prog, usage, summary, entries, argc, argv, FALSE);
}

int lw_options_parse_command(const char *prog, const char *usage, const char *summary,
                             GOptionEntry *entries, int *argc, char ***argv)
{
    return parse(prog, usage, summary, entries, argc, argv, TRUE);
}
