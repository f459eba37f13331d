/* rfc2047.h - rewrite runs of base64 encoded-words that GMime 3.2.13 would cut short */
#ifndef LW_RFC2047_H
#define LW_RFC2047_H

/*
 * lw_rfc2047_coalesce - raw (a header value as received) with each run of
 * adjacent base64 encoded-words of one charset, one of which but the last
 * carries padding, rewritten as a single encoded-word of the concatenated
 * bytes (g_free); NULL when raw has no such run and GMime reads it whole.
 */
char *lw_rfc2047_coalesce(const char *raw);

#endif
