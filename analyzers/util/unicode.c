/*
 * unicode.c - what a reader sees of a character
 *
 * DESCRIPTION
 *     lw_is_invisible() answers whether a character renders as nothing,
 *     lw_is_stray_mark() whether a combining mark only decorates a Latin
 *     letter, and lw_text_normalize() gives the text a filter should read:
 *     NFKC, without either, white space collapsed. The message model, the
 *     URL extractor and the analyzers share this one set of answers.
 *     Character properties come from ICU and GLib; nothing here knows mail.
 */
#include "config.h"

#include <string.h>

#include <unicode/uchar.h>

#include "util/unicode.h"

/*
 * lw_is_invisible - a character that renders as nothing: Unicode's
 * Default_Ignorable_Code_Point (from ICU: zero-width characters, joiners,
 * bidi controls, soft hyphen, variation selectors, tag characters, Hangul
 * fillers, U+17B4/5, U+061C...), and U+2800 BRAILLE PATTERN BLANK, an
 * empty cell that means nothing in mail text. One set, for every reader.
 */
int lw_is_invisible(gunichar c)
{
    return c == 0x2800 || u_hasBinaryProperty((UChar32) c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

/*
 * lw_is_stray_mark - a nonspacing mark on a Latin letter that does not
 * compose with it (a dot above an "l"): it decorates a word for the eye and
 * breaks it for a filter. A mark that composes (e + U+0301 = é) is an
 * ordinary accent, as is every mark on other scripts.
 */
int lw_is_stray_mark(gunichar base, gunichar c)
{
    gunichar composed;

    return g_unichar_type(c) == G_UNICODE_NON_SPACING_MARK
        && g_unichar_get_script(base) == G_UNICODE_SCRIPT_LATIN && g_unichar_isalpha(base)
        && !g_unichar_compose(base, c, &composed);
}

/*
 * nfkc_stable - is s made only of characters NFKC leaves alone and that
 * compose with nothing: ASCII, the CJK Unified Ideographs (U+4E00-U+9FFF)
 * and the ideographic comma, full stop and brackets (U+3001-U+3002,
 * U+3008-U+3011)? Most English and Chinese bodies are, and for them
 * g_utf8_normalize, a sixth of the parse, can be skipped. Invalid UTF-8
 * answers no.
 */
static int nfkc_stable(const char *s)
{
    const unsigned char *p = (const unsigned char *) s;

    while (*p) {
        if (*p < 0x80) {
            p++;
        } else if (p[0] >= 0xe4 && p[0] <= 0xe9 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80
                   && !(p[0] == 0xe4 && p[1] < 0xb8)) {
            p += 3;
        } else if (p[0] == 0xe3 && p[1] == 0x80 && ((p[2] >= 0x81 && p[2] <= 0x82)
                                                     || (p[2] >= 0x88 && p[2] <= 0x91))) {
            p += 3;
        } else {
            return 0;
        }
    }
    return 1;
}

/*
 * lw_text_normalize - NFKC, invisible characters and stray marks removed,
 * white space collapsed (g_free). After NFKC every mark that composes with
 * its letter has composed, so a mark left on a Latin letter is stray.
 * Every character is kept as its own bytes or dropped, and a run of white
 * space becomes one blank: the result is never longer than the NFKC text,
 * so it is written into one buffer of that size.
 */
char *lw_text_normalize(const char *text)
{
    gchar *nfkc = nfkc_stable(text) ? g_strdup(text) : g_utf8_normalize(text, -1, G_NORMALIZE_NFKC);
    char *out, *w;
    int space = 0;
    gunichar base = 0;          /* the last character kept that is not a mark */

    if (nfkc == NULL)
        return g_strdup(text);
    out = w = g_malloc(strlen(nfkc) + 1);
    for (const char *p = nfkc, *next; *p; p = next) {
        gunichar c;

        next = p + 1;
        if ((unsigned char) *p < 0x80) {
            if (lw_is_ascii_space(*p)) {
                space = 1;
                continue;
            }
            if (space && w > out)
                *w++ = ' ';
            space = 0;
            *w++ = *p;
            base = (gunichar) *p;
            continue;
        }
        next = g_utf8_next_char(p);
        c = g_utf8_get_char(p);
        if (lw_is_invisible(c) || (!space && lw_is_stray_mark(base, c)))
            continue;
        if (g_unichar_isspace(c)) {
            space = 1;
            continue;
        }
        if (space && w > out)
            *w++ = ' ';
        space = 0;
        memcpy(w, p, (size_t) (next - p));
        w += next - p;
        if (g_unichar_type(c) != G_UNICODE_NON_SPACING_MARK)
            base = c;
    }
    *w = '\0';
    g_free(nfkc);
    return out;
}
