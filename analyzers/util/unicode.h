/* unicode.h - what a reader sees of a character: invisible ones, stray marks, normalized text */
#ifndef LW_UNICODE_H
#define LW_UNICODE_H

#include <glib.h>

/* lw_text_normalize - NFKC, invisible characters and stray marks removed, spaces collapsed (g_free) */
char *lw_text_normalize(const char *text);

/* lw_text_read - lw_text_normalize, and words disguised with look-alike letters or spelt apart read whole (g_free) */
char *lw_text_read(const char *text);

/* lw_text_unaccented - text without the marks of its Latin letters (vérify -> verify); NULL if it has none (g_free) */
char *lw_text_unaccented(const char *text);

/* lw_is_invisible - renders as nothing: Default_Ignorable_Code_Point (ICU) and U+2800 */
int lw_is_invisible(gunichar c);

/* lw_is_stray_mark - a nonspacing mark C that decorates BASE: composes with no Latin letter, or is of another script */
int lw_is_stray_mark(gunichar base, gunichar c);

/* lw_is_ascii_space - g_unichar_isspace's answer for an ASCII character, without Unicode's tables */
static inline int lw_is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

#endif
