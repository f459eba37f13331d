/* test-html.c - unit tests of html.c: rendering what a reader sees, decoding attributes */
#include "config.h"

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

struct hrefs {
    GString *out;
};

static void on_start(void *ud, const char *name, const struct lw_html_attr *attrs, int sc)
{
    struct hrefs *h = ud;

    for (int i = 0; attrs[i].name; i++)
        if (strcmp(attrs[i].name, "href") == 0)
            g_string_append_printf(h->out, "%s=%s;", name, attrs[i].value);
}

int main(void)
{
    static const struct lw_html_handler handler = { on_start, NULL, NULL };
    struct hrefs h = { g_string_new(NULL) };
    const char *html = "<a HREF=\"http://a.example/?x=1&amp;y=2\">x</a><a href='&#104;ttp://b.example'>"
                       "<a href=http://c.example/>";

    check_render("<p>Hello&nbsp;<b>world</b></p><p>next</p>", "Hello world\nnext", "blocks become lines");
    check_render("<style>p{}</style><script>alert(1)</script>seen", "seen", "script and style are not text");
    check_render("a &lt;b&gt; &#x5E33;&#34399;", "a <b> 帳號", "entities decode, numeric and named");
    check_render("visible <!-- hidden --> too", "visible too", "comments are skipped");
    check_render("text <a href=\"x", "text", "an unterminated tag ends the text");
    check_render("a > b", "a > b", "a lone > is text");
    lw_html_walk(html, strlen(html), &handler, &h);
    tap_check_str(h.out->str, "a=http://a.example/?x=1&y=2;a=http://b.example;a=http://c.example/;",
                  "attributes: any case, quotes or none, entities decoded");
    g_string_free(h.out, TRUE);
    return tap_done();
}
