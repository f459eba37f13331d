/*
 * lurewatch-ioc-export.c - TEMPORARY main of lurewatch-ioc with only export and correlate
 *
 * NAME
 *     lurewatch-ioc - indicator tool (export, correlate)
 *
 * DESCRIPTION
 *     The real main (ioc/lurewatch-ioc.c, with load and match) is written
 *     on the ioc branch. Until the two are joined, this dispatches the
 *     subcommands of ioc/export_cmd.c. When merging: add "export" and
 *     "correlate" to the command table of lurewatch-ioc.c and delete this
 *     file.
 *
 *     lurewatch-ioc export [-c CONF] [-o key=value]... [-q]
 *     lurewatch-ioc correlate [-w MERGED.json] [-m N] FILE...
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "export_cmd.h"

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "export") == 0)
        return lw_ioc_cmd_export(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "correlate") == 0)
        return lw_ioc_cmd_correlate(argc - 1, argv + 1);
    fprintf(stderr, "usage: lurewatch-ioc export [-c CONF] [-o key=value]... [-q]\n"
            "       lurewatch-ioc correlate [-w MERGED.json] [-m N] FILE...\n");
    return 2;
}
