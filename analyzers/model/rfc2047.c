/*
 * rfc2047.c - rewrite runs of base64 encoded-words that GMime 3.2.13 would cut short
 *
 * DESCRIPTION
 *     GMime joins the encoded text of adjacent encoded-words of one charset
 *     before decoding it, so that a character split between two words
 *     survives. Since its faster base64 decoder the padding of a word that
 *     is not the last ends the decoding there: "=?UTF-8?B?SGVsbG8=?=
 *     =?UTF-8?B?IHdvcmxk?=" reads "Hello" (gmime issue #133, fixed after
 *     3.2.13, the version Debian 12 ships). Mail clients decode each word
 *     on its own and show "Hello world". A sender could so hide the end of
 *     a subject, a brand in a display name or the ".js" of an attachment's
 *     name from the filter while the reader sees it, and ordinary mailers
 *     (Python's email package among them) write such padded runs too.
 *
 *     lw_rfc2047_coalesce rewrites each such run as one encoded-word whose
 *     base64 is that of the run's bytes, all words decoded on their own and
 *     concatenated, which is what RFC 2047 means and what GMime then decodes
 *     whole. Everything else of the value is copied as it came, so GMime's
 *     own decoding (charsets, Q words, quoting, address syntax) still reads
 *     the result. Values without such a run are not copied at all.
 */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "model/rfc2047.h"

/* one base64 encoded-word: =?charset?B?text?= */
struct word {
    const char *start, *end;        /* the whole word, end one past "?=" */
    const char *charset;            /* up to the '?' after it */
    size_t charset_len;
    const char *text;
    size_t text_len;
};

/* b_word - the base64 encoded-word starting at p ("=?"), or 0 */
static int b_word(const char *p, struct word *w)
{
    const char *q = p + 2, *t;

    w->charset = q;
    while (*q && *q != '?' && !g_ascii_isspace(*q))
        q++;
    if (*q != '?' || q == w->charset || (q[1] != 'B' && q[1] != 'b') || q[2] != '?')
        return 0;
    w->charset_len = (size_t) (q - w->charset);
    t = w->text = q + 3;
    while (*t && !(t[0] == '?' && t[1] == '=') && !g_ascii_isspace(*t))
        t++;
    if (t[0] != '?' || t[1] != '=')
        return 0;
    w->text_len = (size_t) (t - w->text);
    w->start = p;
    w->end = t + 2;
    return 1;
}

/* follows - b comes right after a (white space between) in the same charset */
static int follows(const struct word *a, const struct word *b)
{
    for (const char *p = a->end; p < b->start; p++)
        if (!g_ascii_isspace(*p))
            return 0;
    return a->charset_len == b->charset_len && g_ascii_strncasecmp(a->charset, b->charset, a->charset_len) == 0;
}

/* append_decoded - the bytes of w's base64 text onto out */
static void append_decoded(GByteArray *out, const struct word *w)
{
    char *text = g_strndup(w->text, w->text_len);
    gsize n = 0;
    guchar *bytes = g_base64_decode(text, &n);

    g_byte_array_append(out, bytes, (guint) n);
    g_free(bytes);
    g_free(text);
}

/* write_run - words[0..n) as one encoded-word onto out */
static void write_run(GString *out, const struct word *words, size_t n)
{
    GByteArray *bytes = g_byte_array_new();
    char *b64;

    for (size_t i = 0; i < n; i++)
        append_decoded(bytes, &words[i]);
    b64 = g_base64_encode(bytes->data, bytes->len);
    g_string_append(out, "=?");
    g_string_append_len(out, words[0].charset, (gssize) words[0].charset_len);
    g_string_append_printf(out, "?B?%s?=", b64);
    g_free(b64);
    g_byte_array_unref(bytes);
}

/* padded_inside - a word of the run but its last carries padding: GMime would stop there */
static int padded_inside(const struct word *words, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (memchr(words[i].text, '=', words[i].text_len) != NULL)
            return 1;
    return 0;
}

/* b_words - every base64 encoded-word of raw, in order */
static GArray *b_words(const char *raw)
{
    GArray *words = g_array_new(FALSE, FALSE, sizeof(struct word));
    const char *p = raw;
    struct word w;

    while ((p = strstr(p, "=?")) != NULL) {
        if (b_word(p, &w)) {
            g_array_append_val(words, w);
            p = w.end;
        } else {
            p += 2;
        }
    }
    return words;
}

char *lw_rfc2047_coalesce(const char *raw)
{
    GArray *words;
    GString *out = NULL;
    const char *copied = raw;

    if (strstr(raw, "=?") == NULL)
        return NULL;
    words = b_words(raw);
    for (guint i = 0, n; i < words->len; i += n) {
        const struct word *w = &g_array_index(words, struct word, i);

        for (n = 1; i + n < words->len && follows(&w[n - 1], &w[n]); n++)
            ;
        if (n > 1 && padded_inside(w, n)) {
            if (out == NULL)
                out = g_string_new(NULL);
            g_string_append_len(out, copied, w->start - copied);
            write_run(out, w, n);
            copied = w[n - 1].end;
        }
    }
    g_array_unref(words);
    if (out == NULL)
        return NULL;
    g_string_append(out, copied);
    return g_string_free(out, FALSE);
}
