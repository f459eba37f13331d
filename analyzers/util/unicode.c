/*
 * unicode.c - what a reader sees of a character
 *
 * DESCRIPTION
 *     lw_is_invisible() answers whether a character renders as nothing,
 *     lw_is_stray_mark() whether a combining mark only decorates text (a
 *     Latin letter, or a character of another script than the mark's), and
 *     lw_text_normalize() gives the text a filter should read:
 *     NFKC, without either, white space collapsed. lw_text_read() also
 *     writes the words a sender disguised for filters as the reader reads
 *     them: a Latin word with look-alike letters of another script
 *     ("Verify your аccount"), a word spelt out letter by letter
 *     ("m a i l b o x", "V.e.r.i.f.y"), a Chinese sentence spelt out
 *     character by character ("帳 號 停 用") and letters a right-to-left
 *     override draws backwards. Rules that read words as written
 *     would let the disguised lure score less than its plain twin; a host
 *     name is read as written (аpple.com is not apple.com). The message model, the
 *     URL extractor and the analyzers share this one set of answers.
 *     Character properties come from ICU and GLib; nothing here knows mail.
 */
#include "config.h"

#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>

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
 * lw_is_stray_mark - a nonspacing mark that decorates text for the eye and
 * breaks it for a filter: on a Latin letter a mark that does not compose
 * with it (a dot above an "l"), anywhere a mark of one script on a
 * character of another ("amzn\u073F.\u073Fcom": a Syriac mark on Latin
 * letters and dots). A mark that composes (e + U+0301 = é) is an ordinary
 * accent; the marks every script shares (Unicode's script Inherited: the
 * combining accents, Arabic vowel signs, kana voicing marks) and a
 * script's own marks on its own letters are writing.
 */
int lw_is_stray_mark(gunichar base, gunichar c)
{
    gunichar composed;
    GUnicodeScript own, under;

    if (g_unichar_type(c) != G_UNICODE_NON_SPACING_MARK)
        return 0;
    under = g_unichar_get_script(base);
    if (under == G_UNICODE_SCRIPT_LATIN && g_unichar_isalpha(base) && !g_unichar_compose(base, c, &composed))
        return 1;
    own = g_unichar_get_script(c);
    return base != 0 && own != G_UNICODE_SCRIPT_INHERITED && own != G_UNICODE_SCRIPT_COMMON && own != under
           && under != G_UNICODE_SCRIPT_INHERITED;
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

/* ---- disguised words ---- */

#define SPACED_MIN 4            /* letters spelt apart that make a word */

/*
 * The blocks whose letters pass for Latin ones in phishing: Greek,
 * Cyrillic and Armenian (U+0370-U+058F: а, ο, օ, ս), Cherokee capitals
 * and small letters (Ꭺ, Ᏼ, ꮪ). Other Latin look-alikes (ı, ɑ) are Latin
 * letters of other languages, and NFKC already folds full-width and
 * mathematical letters.
 */
static const struct { gunichar first, last; } homoglyph_blocks[] = {
    { 0x370, 0x58f }, { 0x13a0, 0x13ff }, { 0xab70, 0xabbf },
};

/*
 * homoglyph_of - the ASCII letter c passes for: its skeleton in Unicode's
 * confusables data (UTS #39, through ICU's spoof checker) when that is one
 * ASCII letter (а -> a, ο -> o, і -> i; д has none), else 0. The skeleton
 * writes a capital I as l; a capital keeps its I.
 */
static char homoglyph_of(const USpoofChecker *sc, UChar32 c)
{
    UChar in[2] = { (UChar) c, 0 }, out[8];
    UErrorCode e = U_ZERO_ERROR;
    int32_t n;

    if (!u_isalpha(c) || u_getIntPropertyValue(c, UCHAR_SCRIPT) == USCRIPT_LATIN)
        return 0;
    n = uspoof_getSkeleton(sc, 0, in, 1, out, G_N_ELEMENTS(out), &e);
    if (U_FAILURE(e) || n != 1 || out[0] >= 0x80 || !g_ascii_isalpha((char) out[0]))
        return 0;
    return out[0] == 'l' && u_isupper(c) ? 'I' : (char) out[0];
}

/* homoglyph_table - homoglyph_of for every letter of homoglyph_blocks, in their order. Built once, read-only after. */
static const char *homoglyph_table(void)
{
    static gsize built;

    if (g_once_init_enter(&built)) {
        size_t size = 0, at = 0;
        UErrorCode err = U_ZERO_ERROR;
        USpoofChecker *sc = uspoof_open(&err);
        char *table;

        for (size_t b = 0; b < G_N_ELEMENTS(homoglyph_blocks); b++)
            size += homoglyph_blocks[b].last - homoglyph_blocks[b].first + 1;
        table = g_malloc0(size);
        for (size_t b = 0; U_SUCCESS(err) && b < G_N_ELEMENTS(homoglyph_blocks); b++)
            for (gunichar c = homoglyph_blocks[b].first; c <= homoglyph_blocks[b].last; c++)
                table[at++] = homoglyph_of(sc, (UChar32) c);
        uspoof_close(sc);
        g_once_init_leave(&built, (gsize) table);
    }
    return (const char *) built;
}

/* latin_lookalike - the ASCII letter a Greek, Cyrillic, Armenian or Cherokee letter passes for, or 0 (also for every other character) */
static char latin_lookalike(gunichar c)
{
    size_t at = 0;

    if (c < homoglyph_blocks[0].first)
        return 0;
    for (size_t b = 0; b < G_N_ELEMENTS(homoglyph_blocks); b++) {
        if (c >= homoglyph_blocks[b].first && c <= homoglyph_blocks[b].last)
            return homoglyph_table()[at + c - homoglyph_blocks[b].first];
        at += homoglyph_blocks[b].last - homoglyph_blocks[b].first + 1;
    }
    return 0;
}

/*
 * word_end - the end of the word at s (letters, marks and digits), and
 * whether it holds an ASCII letter and letters of homoglyph_blocks, every
 * one of which passes for an ASCII letter: such a word was disguised
 */
static const char *word_end(const char *s, int *disguised)
{
    int latin = 0, homoglyph = 0, foreign = 0;

    for (; *s; s = g_utf8_next_char(s)) {
        gunichar c = g_utf8_get_char(s);

        if (c < 0x80) {
            if (!g_ascii_isalnum(*s))
                break;
            latin |= g_ascii_isalpha(*s);
        } else if (latin_lookalike(c)) {
            homoglyph = 1;
        } else if (g_unichar_isalnum(c) || g_unichar_ismark(c)) {
            foreign |= g_unichar_get_script(c) != G_UNICODE_SCRIPT_LATIN;
        } else {
            break;
        }
    }
    *disguised = latin && homoglyph && !foreign;
    return s;
}

/*
 * fold_homoglyph_words - in place: in every disguised word (word_end), the
 * Greek, Cyrillic, Armenian or Cherokee letters become the ASCII letters
 * they pass for. Words of one script (Russian, Greek) are left as they
 * are. Shortens or keeps.
 */
static void fold_homoglyph_words(char *s)
{
    char *w = s;

    for (const char *p = s; *p;) {
        const char *end;
        int disguised;

        if ((guchar) *p < 0x80 && !g_ascii_isalnum(*p)) {
            *w++ = *p++;
            continue;
        }
        end = word_end(p, &disguised);
        if (end == p) {         /* a character outside ASCII that is no letter */
            end = g_utf8_next_char(p);
            disguised = 0;
        }
        if (!disguised) {
            memmove(w, p, (size_t) (end - p));
            w += end - p;
        } else {
            for (const char *next; p < end; p = next) {
                gunichar c = g_utf8_get_char(p);
                char ascii = c < 0x80 ? *p : latin_lookalike(c);

                next = g_utf8_next_char(p);     /* before w, which may stand on p, is written */
                if (ascii) {
                    *w++ = ascii;
                } else {
                    memmove(w, p, (size_t) (next - p));
                    w += next - p;
                }
            }
        }
        p = end;
    }
    *w = '\0';
}

/* is_spacer - what a sender puts between the letters of a word spelt apart */
static int is_spacer(char c)
{
    return c == ' ' || c == '.' || c == '-' || c == '_' || c == '*';
}

#define SPACED_GAP_MAX 3        /* spacers between two letters of a word spelt apart */

/*
 * spaced_run - the number of single ASCII letters from s on, each but the
 * last followed by the same gap (1 to SPACED_GAP_MAX of one spacer, the
 * gap after the first letter) and another letter; *gap is its length
 */
static int spaced_run(const char *s, int *gap)
{
    char spacer = s[1];
    int n = 0, k = 0;

    while (k < SPACED_GAP_MAX && s[1 + k] == spacer && is_spacer(spacer))
        k++;
    *gap = k;
    while (k > 0 && g_ascii_isalpha(s[0]) && !g_ascii_isalnum(s[1])) {
        int i = 0;

        n++;
        while (i < k && s[1 + i] == spacer)
            i++;
        if (i < k || !g_ascii_isalpha(s[1 + k]))
            break;
        s += 1 + k;
    }
    return n;
}

/*
 * fold_spaced_letters - in place: SPACED_MIN or more single letters, each
 * set apart from the next by the same gap of one to three spaces, dots,
 * dashes, underscores or stars ("m a i l b o x", "V.e.r.i.f.y",
 * "m  a  i  l"), become the word they spell. Run on the text before its
 * white space is collapsed, so that a wider gap ends a word ("V e r i f y
 * y o u r" with two spaces between the words). Initials ("J. R. R.") are
 * set apart by two different characters and stay. Shortens or keeps.
 */
static void fold_spaced_letters(char *s)
{
    char *w = s;
    const char *p = s;

    while (*p) {
        int gap = 0, n = (p == s || !g_ascii_isalnum(p[-1])) && g_ascii_isalpha(*p) ? spaced_run(p, &gap) : 0;

        if (n < SPACED_MIN) {
            *w++ = *p++;
            continue;
        }
        for (int i = 0; i < n; i++, p += 1 + gap)
            *w++ = *p;
        p -= gap;               /* onto what followed the last letter */
    }
    *w = '\0';
}

/* is_han - a Chinese character (Han script: also kanji and hanja) */
static int is_han(gunichar c)
{
    UErrorCode err = U_ZERO_ERROR;

    return c >= 0x2E80 && uscript_getScript((UChar32) c, &err) == USCRIPT_HAN && U_SUCCESS(err);
}

/*
 * han_item - the character at p if it may stand in a spaced-out Chinese
 * sentence (a Han character, a digit, punctuation other than the spacer),
 * with *next after it and *han set for a Han one; 0 if not
 */
static int han_item(const char *p, char spacer, const char **next, int *han)
{
    gunichar c = g_utf8_get_char(p);

    if (c == 0 || (c < 0x80 && (c == (gunichar) spacer || g_ascii_isspace((char) c) || g_ascii_isalpha((char) c))))
        return 0;
    *han = is_han(c);
    if (!*han && !g_unichar_isdigit(c) && !g_unichar_ispunct(c))
        return 0;
    *next = g_utf8_next_char(p);
    return 1;
}

/*
 * han_run - from the Han character at s, the items of a spaced-out
 * sentence: each but the last followed by the same gap (1 to
 * SPACED_GAP_MAX of one spacer, the gap after the first item); *end is
 * where the last item ends, *gap the gap's length; the number of Han
 * characters among them
 */
static int han_run(const char *s, const char **end, int *gap)
{
    const char *p = s, *next;
    char spacer;
    int han, n = 0, k = 0;

    if (!han_item(p, 0, &next, &han) || !han)
        return 0;
    spacer = *next;
    while (k < SPACED_GAP_MAX && next[k] == spacer && is_spacer(spacer))
        k++;
    *gap = k;
    while (k > 0 && han_item(p, spacer, &next, &han)) {
        int i = 0;

        n += han;
        *end = next;
        while (i < k && next[i] == spacer)
            i++;
        if (i < k || next[k] == spacer || !han_item(next + k, spacer, &p, &han))
            break;
        p = next + k;
    }
    return n;
}

/*
 * fold_spaced_han - in place: a Chinese sentence spelt out with a gap
 * between its characters ("帳 號 將 於 2 4 小 時 內 停 用", "帳*號*停*用"),
 * SPACED_MIN Han characters or more, each item set apart from the next by
 * the same gap of one to three spaces, dots, dashes, underscores or stars,
 * is written without the gaps: Chinese puts no space between words, so
 * the reader reads it whole, and the rules should too. Shortens or keeps.
 */
static void fold_spaced_han(char *s)
{
    char *w = s;
    const char *p = s;

    while (*p) {
        const char *end = NULL, *q;
        int gap = 0, n = (unsigned char) *p >= 0xE2 ? han_run(p, &end, &gap) : 0;

        if (n < SPACED_MIN) {
            *w++ = *p++;
            continue;
        }
        for (q = p; q < end;) {
            const char *next = g_utf8_next_char(q);

            while (q < next)
                *w++ = *q++;
            if (q < end)
                q += gap;
        }
        p = end;
    }
    *w = '\0';
}

#define RLO "\xe2\x80\xae"      /* U+202E RIGHT-TO-LEFT OVERRIDE */
#define PDF "\xe2\x80\xac"      /* U+202C POP DIRECTIONAL FORMATTING */

/*
 * unreverse_overrides - in place: the characters between a right-to-left
 * override and the end of its run (a pop, a line end, the text's end) in
 * the order a reader sees them: "\u202Ededneps\u202C" is drawn
 * "suspended". Lengths stay; the controls themselves are invisible and go
 * later.
 */
static void unreverse_overrides(char *s)
{
    for (char *p = strstr(s, RLO); p; p = strstr(p, RLO)) {
        char *start = p + 3, *end = start, *drawn;

        while (*end && *end != '\n' && strncmp(end, PDF, 3) != 0 && strncmp(end, RLO, 3) != 0)
            end++;
        drawn = g_utf8_strreverse(start, end - start);
        memcpy(start, drawn, (size_t) (end - start));
        g_free(drawn);
        p = end;
    }
}

/*
 * normalize - NFKC, invisible characters and stray marks removed, white
 * space collapsed, and with undisguise the disguised words folded (g_free).
 * After NFKC every mark that composes with its letter has composed, so a
 * mark left on a Latin letter is stray. Every character is kept as its
 * own bytes or dropped, a run of white space becomes one blank, and the
 * folds only shorten: the result is never longer than the NFKC text, so
 * it is written into one buffer of that size.
 */
static char *normalize(const char *text, int undisguise)
{
    int stable = nfkc_stable(text);     /* also: no letter to fold, no override to undo */
    gchar *nfkc = stable ? g_strdup(text) : g_utf8_normalize(text, -1, G_NORMALIZE_NFKC);
    char *out, *w;
    int space = 0;
    gunichar base = 0;          /* the last character kept that is not a mark */

    if (nfkc == NULL)
        return g_strdup(text);
    if (undisguise && !stable)
        unreverse_overrides(nfkc);
    if (undisguise) {
        fold_spaced_letters(nfkc);
        fold_spaced_han(nfkc);
    }
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
    if (undisguise && !stable)
        fold_homoglyph_words(out);
    return out;
}

/* lw_text_normalize - NFKC, invisible characters and stray marks removed, white space collapsed (g_free) */
char *lw_text_normalize(const char *text)
{
    return normalize(text, 0);
}

/* lw_text_read - lw_text_normalize, and the words disguised for filters as the reader reads them (g_free) */
char *lw_text_read(const char *text)
{
    return normalize(text, 1);
}

/*
 * lw_text_unaccented - text with the marks on its Latin letters removed
 * (NFD, marks dropped, NFC: "vérify" reads "verify"); other scripts keep
 * theirs. NULL when text has no such mark (g_free).
 */
char *lw_text_unaccented(const char *text)
{
    gchar *nfd, *plain;
    GString *out;
    gunichar base = 0;
    int dropped = 0;

    if (nfkc_stable(text) || (nfd = g_utf8_normalize(text, -1, G_NORMALIZE_NFD)) == NULL)
        return NULL;
    out = g_string_sized_new(strlen(nfd));
    for (const char *p = nfd; *p; p = g_utf8_next_char(p)) {
        gunichar c = (guchar) *p < 0x80 ? (gunichar) *p : g_utf8_get_char(p);

        if (c < 0x80 || g_unichar_type(c) != G_UNICODE_NON_SPACING_MARK)
            base = c;
        else if (base < 0x80 ? g_ascii_isalpha((char) base) : g_unichar_get_script(base) == G_UNICODE_SCRIPT_LATIN) {
            dropped = 1;
            continue;
        }
        g_string_append_unichar(out, c);
    }
    g_free(nfd);
    if (!dropped) {
        g_string_free(out, TRUE);
        return NULL;
    }
    plain = g_utf8_normalize(out->str, (gssize) out->len, G_NORMALIZE_NFC);
    g_string_free(out, TRUE);
    return plain;
}
