/* export_cmd.h - entry points of the "export" and "correlate" subcommands of lurewatch-ioc */
#ifndef LW_EXPORT_CMD_H
#define LW_EXPORT_CMD_H

/* argv[0] is the subcommand name; the result is the exit status */
int lw_ioc_cmd_export(int argc, char **argv);
int lw_ioc_cmd_correlate(int argc, char **argv);

#endif
