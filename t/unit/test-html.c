/* test-html.c - unit tests of html.c: the text a reader sees, what is hidden from them, attributes */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "model/html.h"
#include "tap.h"

static void check_render(const char *html, const char *want, const char *what)
{
    char *text = lw_html_to_text(html, strlen(html));

    g_strstrip(text);
    tap_check_str(text, want, "%s", what);
    g_free(text);
}

/* A handler that writes what it is told: hrefs, hidden text, and the balance of starts and ends. */
struct seen {
    GString *hrefs;
    GString *hidden;
    GString *names;
    int open;
};

static void on_start(void *ud, const char *name, const struct lw_html_attr *attrs, int hidden)
{
    struct seen *s = ud;

    s->open++;
    g_string_append_printf(s->names, "<%s>", name);
    for (int i = 0; attrs[i].name; i++)
        if (strcmp(attrs[i].name, "href") == 0)
            g_string_append_printf(s->hrefs, "%s%s=%s;", hidden ? "hidden " : "", name, attrs[i].value);
}

static void on_end(void *ud, const char *name, int hidden)
{
    ((struct seen *) ud)->open--;
}

static void on_hidden(void *ud, const char *text, size_t len)
{
    g_string_append_len(((struct seen *) ud)->hidden, text, (gssize) len);
}

static const struct lw_html_handler handler = { on_start, on_end, NULL, on_hidden };

/* walk - what the handler saw of html; the caller frees with seen_free */
static struct seen walk(const char *html)
{
    struct seen s = { g_string_new(NULL), g_string_new(NULL), g_string_new(NULL), 0 };

    lw_html_walk(html, strlen(html), &handler, &s);
    g_strstrip(s.hidden->str);
    s.hidden->len = strlen(s.hidden->str);
    return s;
}

static void seen_free(struct seen *s)
{
    g_string_free(s->hrefs, TRUE);
    g_string_free(s->hidden, TRUE);
    g_string_free(s->names, TRUE);
}

/* check_hidden - the text html hides, with a visible "seen" beside it */
static void check_hidden(const char *html, const char *want, const char *what)
{
    struct seen s = walk(html);

    tap_check_str(s.hidden->str, want, "hidden: %s", what);
    seen_free(&s);
}

struct case_ {
    const char *html, *want, *what;
};

/* What a reader sees: blocks, tables, entities (all of HTML5's named references). */
static const struct case_ renders[] = {
    { "<p>Hello&nbsp;<b>world</b></p><p>next</p>", "Hello world\nnext", "blocks become lines" },
    { "<style>p{}</style><script>alert(1)</script>seen", "seen", "script and style are not text" },
    { "<title>Title</title><p>body</p>", "body", "the title is not shown in a mail" },
    { "a &lt;b&gt; &#x5E33;&#34399;", "a <b> 帳號", "entities decode, numeric and named" },
    { "visible <!-- hidden --> too", "visible too", "comments are skipped" },
    { "a > b", "a > b", "a lone > is text" },
    { "<div>pay</div><div>pal</div>", "pay\npal", "block boundaries separate words" },
    { "<table><tr><td>a</td><td>b</td></tr></table>", "a b", "table cells are spaced" },
    { "pass&ZeroWidthSpace;word", "pass\xe2\x80\x8bword", "&ZeroWidthSpace; is U+200B" },
    { "ver&NoBreak;ify", "ver\xe2\x81\xa0ify", "&NoBreak; is U+2060" },
    { "ac&InvisibleTimes;count", "ac\xe2\x81\xa2" "count", "&InvisibleTimes; is U+2062" },
    { "&Lambda;&rarr;&frac12;&hearts;", "Λ→½♥", "the rest of HTML5's 2,231 names" },
    { "&copy 2026", "© 2026", "a legacy name without ';' in text" },
    { "&InvisiblePlus; stays", "&InvisiblePlus; stays", "a name HTML does not define stays as written" },
    { "it&#8666666666666666666666;s", "it\xef\xbf\xbds", "a decimal reference past U+10FFFF is U+FFFD (gumbo's int would wrap)" },
    { "<a title=\"&#x10000000000000041;\">x&#X7FFFFFFF1</a>", "x\xef\xbf\xbd", "a hex one too, without ';', also in an attribute" },
    { "a &amp; b &#99999999999; c & d &#1111111111111", "a & b \xef\xbf\xbd c & d \xef\xbf\xbd",
      "the text around such references, other '&' among it, stays" },
    { "&#00000000000000000065;&#x10FFFD;", "A\xf4\x8f\xbf\xbd", "leading zeros and the last code point are not past it" },
    { "it&#8666666aaaa it&#9999999;bb", "it\xef\xbf\xbd" "aaaa it\xef\xbf\xbd" "bb",
      "hex-digit letters after such a reference stay letters (fuzz-html found them read as its digits)" },
    { "been <bdo dir=\"rtl\">dednepsus</bdo>", "been suspended", "<bdo dir=rtl> is drawn right to left" },
    { "<span style=\"unicode-bidi: bidi-override; direction: rtl\">yfirev</span> it", "verify it",
      "so is bidi-override with direction:rtl" },
    { "<span style=\"direction:rtl\">plain</span>", "plain", "direction:rtl alone keeps Latin letters in order" },
    { "Notice<input type=\"submit\" value=\"Verify your account\">now", "Notice Verify your account now",
      "a button draws its value" },
    { "<input value=\"filled in\"><input type=\"hidden\" value=\"token\"><input type=checkbox value=on>", "filled in",
      "a text field shows its value; hidden fields and check boxes draw none" },
    { "<style>p.n::before { content: \"Verify \" 'your' }</style><p class=\"n\">!</p>", "Verify your\n!",
      "a ::before rule draws its content strings, one after the other" },
    { "<style>a:after{content:\"\\70 assword \\\"now\\\"\"}</style>x", "password \"now\" x",
      "CSS escapes in them are decoded: a hex one ends at one blank, a quote stands for itself" },
    { "<style>.x { content: \"not drawn\" } li:before{content:counter(n)}</style>y", "y",
      "content without ::before or ::after draws nothing, nor do counters" },
};

/* What each way of hiding hides (and near misses that hide nothing). */
static const struct case_ hides[] = {
    { "seen<div style=\"display: none\">gone</div>", "gone", "display:none" },
    { "seen<div style=\"DISPLAY : None !important\">gone</div>", "gone", "any case, spaces, !important" },
    { "seen<span style=\"visibility:hidden\">gone</span>", "gone", "visibility:hidden" },
    { "seen<span style=\"opacity:0\">gone</span>", "gone", "opacity:0" },
    { "seen<span style=\"opacity:0.05\">gone</span>", "gone", "an opacity under 0.1 is as good as none" },
    { "seen<span style=\"opacity:4%\">gone</span>", "gone", "... also as a percentage" },
    { "seen<span style=\"opacity:0.6\">shown</span>", "", "a faded opacity still reads: shown" },
    { "seen<span style=\"color: #fefefe01\">gone</span>", "gone", "a colour with an alpha of 1/255" },
    { "seen<span style=\"color:rgba(20, 20, 20, 0)\">gone</span>", "gone", "rgba() with an alpha of 0" },
    { "seen<span style=\"color:#0000\">gone</span>", "gone", "#rgba with an alpha of 0" },
    { "seen<span style=\"color:transparent\">gone</span>", "gone", "the keyword transparent" },
    { "<style>body{background:#fff}</style>seen<span style=\"color:#fefefe01\">gone</span>", "gone",
      "a transparent colour hides on any background, also one a style sheet sets" },
    { "seen<span style=\"color:#333333cc\">shown</span>", "", "an opaque alpha reads: shown" },
    { "seen<span style=\"color:rgba(0,0,0,0.8)\">shown</span>", "", "... in rgba() too" },
    { "seen<span style=\"color:#fafafa\">gone</span>", "gone", "#fafafa on a white page: the eye cannot tell them apart" },
    { "seen<span style=\"color:#eeeeee\">shown</span>", "", "#eeeeee on white is pale but readable: shown" },
    { "<div style=\"background:#003366\"><span style=\"background:transparent;color:#013467\">gone</span></div>",
      "gone", "a transparent background shows the one behind it" },
    { "seen<span style=\"font-size:0px\">gone</span>", "gone", "font-size:0" },
    { "seen<span style=\"font-size:1px\">gone</span>", "gone", "font-size:1px" },
    { "seen<div style=\"max-height:0;overflow:hidden\">gone</div>", "gone", "max-height:0 + overflow:hidden" },
    { "seen<div style=\"max-height:0\">shown</div>", "", "max-height:0 alone overflows: shown" },
    { "seen<p hidden>gone</p>", "gone", "the hidden attribute" },
    { "seen<font color=\"#FFF\">gone</font>", "gone", "white on a mail client's white page" },
    { "seen<div style=\"background:#003366\"><span style=\"color:#003366\">gone</span></div>",
      "gone", "text the colour of its background" },
    { "<table bgcolor=\"#003366\"><tr><td style=\"color:#ffffff\">shown</td></tr></table>",
      "", "white on a dark table: shown" },
    { "<style>.hdr{background:#000}</style><td class=\"hdr\" style=\"color:#fff\">shown</td>",
      "", "white on a background a style sheet sets: shown" },
    { "<td style=\"font-size:0\"><span style=\"font-size:14px\">shown</span></td>",
      "", "a zero font on a wrapper, reset inside: shown" },
    { "seen<div style=\"mso-hide:all\">shown</div>", "", "mso-hide:all hides only from Outlook" },
    { "<style>.pre { display:none }</style>seen<div class=\"x pre\">gone</div>",
      "gone", "a style-sheet class that hides" },
    { "<style>@media (max-width:600px) { .mob { display:block !important } }</style>"
      "<div class=\"mob\" style=\"display:none\">shown</div>",
      "", "shown again by @media: responsive" },
    { "<style>#m:checked ~ #menu { display:block }</style><div id=\"menu\" style=\"display:none\">shown</div>",
      "", "shown again by an id rule: a menu" },
};

static void test_walk(void)
{
    const char *links = "<a HREF=\"http://a.example/?x=1&amp;y=2\">x</a><a href='&#104;ttp://b.example'>"
                        "<a href=http://c.example/>c</a><div style=\"display:none\"><a href=\"http://d.example/\">d</a></div>";
    struct seen s = walk(links);
    GString *deep = g_string_new("<p>");
    struct lw_html *doc;
    char *text;

    tap_check_str(s.hrefs->str, "a=http://a.example/?x=1&y=2;a=http://b.example;a=http://c.example/;"
                  "hidden a=http://d.example/;", "attributes: any case, quotes or none, entities decoded; hidden links");
    tap_check_int(s.open, ==, 0, "every element started is ended");
    seen_free(&s);
    s = walk("<x-Custom data-a=1>t</x-Custom><svg><a href=\"https://s.example/\">s</a></svg>");
    tap_check_str(s.names->str, "<html><head><body><x-custom><svg><a>", "unknown and foreign elements keep their names");
    seen_free(&s);
    for (int i = 0; i < 20000; i++)
        g_string_append(deep, "<div><font>");
    g_string_append(deep, "deep <a href=\"https://deep.example/\">link</a>");
    doc = lw_html_parse(deep->str, deep->len);
    tap_check_int(lw_html_flattened(doc), ==, 1, "HTML nested 20,000 deep is read flat (gumbo would take quadratic time)");
    s = (struct seen) { g_string_new(NULL), g_string_new(NULL), g_string_new(NULL), 0 };
    lw_html_walk_doc(doc, &handler, &s);
    tap_check_str(s.hrefs->str, "a=https://deep.example/;", "... its links are still reported");
    seen_free(&s);
    lw_html_free(doc);
    text = lw_html_to_text(deep->str, deep->len);
    tap_check_str(g_strstrip(text), "deep link", "... and its text is still read");
    g_free(text);
    g_string_free(deep, TRUE);
}

/* A sheet that draws more than the bound: the text is cut, on a whole character. */
static void test_generated_bound(void)
{
    GString *html = g_string_new("<style>p::before{content:\"");
    char *text;

    for (int i = 0; i < 3000; i++)
        g_string_append(html, "\xe5\xad\x97");       /* U+5B57, three bytes each: 9,000 bytes */
    g_string_append(html, "\"}</style><p>x</p>");
    text = lw_html_to_text(html->str, html->len);
    tap_check(strlen(text) <= 4096 + 8, "generated text is cut at its bound (got %zu bytes)", strlen(text));
    tap_check(strlen(text) > 4000, "... not dropped (got %zu bytes)", strlen(text));
    tap_check(g_utf8_validate(text, -1, NULL), "... on a whole character");
    g_free(text);
    g_string_free(html, TRUE);
}

int main(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(renders); i++)
        check_render(renders[i].html, renders[i].want, renders[i].what);
    for (size_t i = 0; i < G_N_ELEMENTS(hides); i++)
        check_hidden(hides[i].html, hides[i].want, hides[i].what);
    test_walk();
    test_generated_bound();
    return tap_done();
}
