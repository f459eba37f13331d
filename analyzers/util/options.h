/* options.h - command-line parsing shared by every lurewatch program */
#ifndef LW_OPTIONS_H
#define LW_OPTIONS_H

#include <glib.h>

/*
 * lw_options_parse - parse argv with GOption against entries; on an error,
 * print "PROG: reason" on standard error and return -1. usage is the text
 * after the program name in --help; summary may be NULL.
 */
int lw_options_parse(const char *prog, const char *usage, const char *summary,
                     GOptionEntry *entries, int *argc, char ***argv);

#endif
