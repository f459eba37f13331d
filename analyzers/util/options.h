/* options.h - command-line parsing shared by every lurewatch program */
#ifndef LW_OPTIONS_H
#define LW_OPTIONS_H

#include <glib.h>

/*
 * lw_options_parse - parse argv with GOption against entries (plus
 * --version, which prints "PROG (lurewatch) VERSION" and exits 0, as
 * --help does); on an error, print "PROG: reason" on standard error and
 * return -1: the caller exits 64 (EX_USAGE). usage is the text after the
 * program name in --help; summary (the commands, say) may be NULL. Sets
 * the locale from the environment, LC_NUMERIC excepted.
 */
int lw_options_parse(const char *prog, const char *usage, const char *summary,
                     GOptionEntry *entries, int *argc, char ***argv);

/*
 * lw_options_parse_command - the same, for "PROG [OPTION]... COMMAND ARG...":
 * parsing stops at COMMAND, and every argument from it on is left in argv
 * as written (options after it included: the caller refuses them).
 */
int lw_options_parse_command(const char *prog, const char *usage, const char *summary,
                             GOptionEntry *entries, int *argc, char ***argv);

#endif
