/* sniff.h - the true type of a file from its first bytes */
#ifndef LW_SNIFF_H
#define LW_SNIFF_H

#include <stddef.h>

/*
 * lw_sniff - a MIME type for data judged by content, never by name:
 * a static string, "application/octet-stream" when nothing is recognized,
 * "text/plain" for text that is valid UTF-8 or mostly printable.
 */
const char *lw_sniff(const unsigned char *data, size_t len);

/* lw_sniff_is_executable - PE, ELF or Mach-O */
int lw_sniff_is_executable(const char *type);

#endif
