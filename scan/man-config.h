/* man-config.h - lurewatch.conf(5) from the configuration table */
#ifndef LW_MAN_CONFIG_H
#define LW_MAN_CONFIG_H

#include <stdio.h>

void lw_man_config(FILE *fp);

#endif
