/*
 * html.c - read HTML the way a mail client renders it
 *
 * lw_html_parse() parses HTML once with gumbo, an HTML5 parser (the WHATWG
 * tree construction rules and all 2,231 named character references);
 * lw_html_walk_doc() walks the tree in document order: every element with
 * its decoded attributes, its end, and its text. Comments, <head> text, <script> and <style> are not
 * text: a reader does not see them. Attackers rely on the corners of HTML
 * (split tags, entity-encoded links, &ZeroWidthSpace; inside words), so
 * everything that reads HTML shares this one reading.
 *
 * Hidden text. A mail client shows no text inside an element hidden by
 *     display:none, visibility:hidden or collapse, the hidden attribute
 *     (no box is drawn), an opacity under 0.1 (drawn all but transparent), a zero
 *     height, max-height, width or max-width with overflow:hidden (the box
 *     clips its content away), or a class or id rule of a <style> block
 *     outside @media that does one of these (LW_HTML_HIDDEN_BOX: nothing
 *     inside can show). Nor can a reader see text whose font size in effect
 *     is 0, or at most 1px/1pt, or whose colour is transparent (an alpha
 *     under 0.1: "#fefefe01", rgba(0,0,0,0)) or the background colour in
 *     effect, give or take 8 of 255 per channel (white on a page whose
 *     background is not set counts, unless a style sheet sets backgrounds
 *     we do not follow) (LW_HTML_HIDDEN_TEXT:
 *     an element inside may set a readable size or colour again, as the
 *     font-size:0 wrappers of responsive layouts do). A box hidden inline
 *     but whose class or id a rule shows again (in @media, on :checked, with
 *     !important) is not hidden: that is a newsletter's layout for phones,
 *     or a menu, not a secret. mso-hide:all only hides from Outlook, so it
 *     hides nothing. Hidden text goes to hidden_text(), never to text(), so
 *     the rendered text is the one the reader sees, and words split by
 *     hidden junk ("pass<span style=display:none>x</span>word") read whole.
 *
 * The label a button or filled-in field draws from its value attribute is
 * text too (input_label), and so are the strings a style sheet's ::before
 * and ::after rules draw with the content property (css_content).
 *
 * Text drawn right to left letter by letter (<bdo dir=rtl>,
 * unicode-bidi:bidi-override with direction:rtl) is reported in the order
 * the reader sees it: "dednepsus" so drawn reads "suspended".
 *
 * lw_html_render() renders the visible text (and may hand every event of the
 * same walk to a second handler, so that one walk serves both):
 * block elements become line breaks, table cells spaces, white space is
 * collapsed. Only what is needed to read the words is done; layout is not.
 *
 * LIMITS. gumbo 0.10.1 needs bounded input (upstream #387-#393: recursive
 * free, quadratic time and memory on deep trees; ../shared/notes/api-notes.md
 * section 9.5): callers cap the size (max_text_size), errors are not
 * recorded, and HTML whose nesting a linear pre-scan estimates deeper than
 * MAX_DEPTH is read with its layout tags stripped (links, images, forms and
 * the text kept), which no reader's renderer would nest either. CSS escapes,
 * and selectors other than a class or an id, are not followed.
 *
 * All results are UTF-8 (gumbo replaces invalid bytes; numeric references
 * past U+10FFFF, which its int would wrap, are made U+FFFD first). Thread-safe.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <gumbo.h>

#include "model/html.h"
#include "util/unicode.h"

#define MAX_DEPTH 512
#define MAX_NAME 64
#define COLOR_LEN 16

/* ---- inline CSS ---- */

/* compact_css - lowercased, without white space, comments and "!important" (g_free) */
static char *compact_css(const char *css, size_t len)
{
    GString *out = g_string_sized_new(len);

    for (size_t i = 0; i < len; i++) {
        if (css[i] == '/' && i + 1 < len && css[i + 1] == '*') {
            const char *e = g_strstr_len(css + i + 2, (gssize) (len - i - 2), "*/");

            i = e ? (size_t) (e - css) + 1 : len;
        } else if (css[i] == '!' && i + 10 <= len && g_ascii_strncasecmp(css + i, "!important", 10) == 0) {
            i += 9;
        } else if (!g_ascii_isspace(css[i])) {
            g_string_append_c(out, g_ascii_tolower(css[i]));
        }
    }
    return g_string_free(out, FALSE);
}

/* css_value - the value of the last declaration of prop in compact CSS, NUL-terminated into buf, or NULL */
static const char *css_value(const char *css, const char *prop, char *buf, size_t size)
{
    size_t n = strlen(prop);
    const char *found = NULL;

    for (const char *p = css; p && *p; p = strchr(p, ';'), p = p ? p + 1 : NULL)
        if (strncmp(p, prop, n) == 0 && p[n] == ':')
            found = p + n + 1;
    if (found == NULL)
        return NULL;
    n = strcspn(found, ";");
    if (n >= size)
        n = size - 1;
    memcpy(buf, found, n);
    buf[n] = '\0';
    return buf;
}

/* is_zero - "0", "0px", "0.0em", "0%"... */
static int is_zero(const char *v)
{
    return v && (v[0] == '0' || (v[0] == '.' && v[1] == '0')) && g_ascii_strtod(v, NULL) == 0.0;
}

/* alpha_of - an opacity or alpha value as 0..1 ("0.05", "5%"); 1 when it is not a number */
static double alpha_of(const char *v)
{
    char *end;
    double a;

    if (v == NULL || !(g_ascii_isdigit(v[0]) || v[0] == '.'))
        return 1.0;
    a = g_ascii_strtod(v, &end);
    return *end == '%' ? a / 100 : a;
}

/*
 * faint - an opacity or alpha below 0.1: drawn so nearly transparent that
 * no reader makes out the text ("color:#fefefe01" carries a kit's filler)
 */
static int faint(double alpha)
{
    return alpha < 0.1;
}

/* tiny_font - a font size of at most 1px or 1pt, or zero in any unit */
static int tiny_font(const char *v)
{
    char *end;
    double size;

    if (v == NULL || !(g_ascii_isdigit(v[0]) || v[0] == '.'))
        return 0;
    size = g_ascii_strtod(v, &end);
    return size == 0.0 || (size <= 1.0 && (strcmp(end, "px") == 0 || strcmp(end, "pt") == 0));
}

/* css_hides - compact CSS that hides an element's box, and so everything inside it */
static int css_hides(const char *css)
{
    char v[32], o[32];

    if (css_value(css, "display", v, sizeof(v)) && strcmp(v, "none") == 0)
        return 1;
    if (css_value(css, "visibility", v, sizeof(v)) && (strcmp(v, "hidden") == 0 || strcmp(v, "collapse") == 0))
        return 1;
    if (css_value(css, "opacity", v, sizeof(v)) && faint(alpha_of(v)))
        return 1;
    if (css_value(css, "overflow", o, sizeof(o)) && strcmp(o, "hidden") == 0)
        return is_zero(css_value(css, "max-height", v, sizeof(v))) || is_zero(css_value(css, "height", v, sizeof(v)))
               || is_zero(css_value(css, "max-width", v, sizeof(v))) || is_zero(css_value(css, "width", v, sizeof(v)));
    return 0;
}

/* css_shows - compact CSS that makes a box visible again (a responsive @media rule) */
static int css_shows(const char *css)
{
    char v[32];

    return (css_value(css, "display", v, sizeof(v)) && strcmp(v, "none") != 0)
           || (css_value(css, "visibility", v, sizeof(v)) && strcmp(v, "visible") == 0)
           || (css_value(css, "max-height", v, sizeof(v)) && !is_zero(v))
           || (css_value(css, "font-size", v, sizeof(v)) && !tiny_font(v))
           || (css_value(css, "opacity", v, sizeof(v)) && !faint(alpha_of(v)));
}

/*
 * norm_color - a CSS or HTML colour as "#rrggbb" (or the lowercased name)
 * into out; "transparent" for a colour with a faint alpha (#rgba,
 * #rrggbbaa, rgba()) or the keyword; 0 if none or unknown
 */
static int norm_color(const char *c, char out[COLOR_LEN])
{
    unsigned r, g, b, a;
    double alpha;
    char pct;
    size_t n = c ? strspn(c + (*c == '#'), "0123456789abcdefABCDEF") : 0;

    if (c == NULL || *c == '\0' || g_ascii_strcasecmp(c, "inherit") == 0
        || g_ascii_strcasecmp(c, "currentcolor") == 0 || g_ascii_strcasecmp(c, "initial") == 0)
        return 0;
    if (g_ascii_strcasecmp(c, "transparent") == 0
        || (c[0] == '#' && n == 4 && c[5] == '\0' && sscanf(c + 4, "%1x", &a) == 1 && faint(a / 15.0))
        || (c[0] == '#' && n == 8 && c[9] == '\0' && sscanf(c + 7, "%2x", &a) == 1 && faint(a / 255.0))
        || (sscanf(c, "rgba(%u,%u,%u,%lf%c", &r, &g, &b, &alpha, &pct) == 5
            && faint(pct == '%' ? alpha / 100 : alpha)))
        g_strlcpy(out, "transparent", COLOR_LEN);
    else if (c[0] == '#' && (n == 3 || n == 4) && c[n + 1] == '\0')
        g_snprintf(out, COLOR_LEN, "#%c%c%c%c%c%c", c[1], c[1], c[2], c[2], c[3], c[3]);
    else if (c[0] == '#' && (n == 6 || n == 8) && c[n + 1] == '\0')
        g_snprintf(out, COLOR_LEN, "%.7s", c);
    else if ((sscanf(c, "rgb(%u,%u,%u)", &r, &g, &b) == 3 || sscanf(c, "rgba(%u,%u,%u,", &r, &g, &b) == 3)
             && r < 256 && g < 256 && b < 256)
        g_snprintf(out, COLOR_LEN, "#%02x%02x%02x", r, g, b);
    else if (g_ascii_strcasecmp(c, "white") == 0)
        g_strlcpy(out, "#ffffff", COLOR_LEN);
    else if (g_ascii_strcasecmp(c, "black") == 0)
        g_strlcpy(out, "#000000", COLOR_LEN);
    else
        g_strlcpy(out, c, COLOR_LEN);
    for (char *p = out; *p; p++)
        *p = g_ascii_tolower(*p);
    return 1;
}

/* shade - 1 for a dark "#rrggbb" colour (luminance below half), 0 for a light one, -1 for anything else */
static int shade(const char *color)
{
    unsigned r, g, b;

    if (sscanf(color, "#%2x%2x%2x", &r, &g, &b) != 3)
        return -1;
    return 299 * r + 587 * g + 114 * b < 128 * 1000;
}

int lw_html_cell_shade(const struct lw_html_attr *attrs)
{
    const char *bgcolor = NULL, *style = NULL;
    char v[64], color[COLOR_LEN];
    int found = -1;

    for (; attrs && attrs->name; attrs++) {
        if (strcmp(attrs->name, "bgcolor") == 0)
            bgcolor = attrs->value;
        else if (strcmp(attrs->name, "style") == 0)
            style = attrs->value;
    }
    if (style != NULL) {
        char *css = compact_css(style, strlen(style));

        if ((css_value(css, "background-color", v, sizeof(v)) || css_value(css, "background", v, sizeof(v)))
            && norm_color(v, color))
            found = shade(color);
        g_free(css);
        if (found >= 0)
            return found;
    }
    return bgcolor && norm_color(bgcolor, color) ? shade(color) : -1;
}

/*
 * unreadable - text of colour fg on background bg (both from norm_color,
 * bg "" when unknown): transparent, or no channel more than 8 of 255 away
 * from the background's (#fefefe on white): the eye cannot tell them apart
 */
static int unreadable(const char *fg, const char *bg)
{
    unsigned f[3], b[3];

    if (strcmp(fg, "transparent") == 0)
        return 1;
    if (*fg == '\0' || *bg == '\0')
        return 0;
    if (sscanf(fg, "#%2x%2x%2x", &f[0], &f[1], &f[2]) != 3 || sscanf(bg, "#%2x%2x%2x", &b[0], &b[1], &b[2]) != 3)
        return strcmp(fg, bg) == 0;
    for (int i = 0; i < 3; i++)
        if (f[i] > b[i] + 8 || b[i] > f[i] + 8)
            return 0;
    return 1;
}

/* ---- style sheets: which classes hide, which @media rules show again ---- */

struct sheet {
    GHashTable *hides;      /* classes and #ids hidden by a rule outside @media */
    GHashTable *shows;      /* classes and #ids a rule shows (in @media, on :checked, with !important) */
    GHashTable *backgrounds;    /* classes and #ids given a background */
    int sets_background;    /* some rule sets a background: white text may stand on it */
    GString *generated;     /* the strings ::before and ::after rules draw (css_content) */
};

#define MAX_GENERATED 4096

/* css_escape - one CSS escape at p (after the backslash) into out; the end of it */
static const char *css_escape(const char *p, const char *end, GString *out)
{
    size_t n = 0;
    gunichar c = 0;

    while (n < 6 && p + n < end && g_ascii_isxdigit(p[n]))
        c = c * 16 + (gunichar) g_ascii_xdigit_value(p[n++]);
    if (n == 0) {
        if (p < end && *p != '\n')
            g_string_append_c(out, *p);     /* an escaped quote or letter stands for itself */
        return p < end ? p + 1 : p;
    }
    g_string_append_unichar(out, c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) ? 0xFFFD : c);
    p += n;
    return p < end && g_ascii_isspace(*p) ? p + 1 : p;      /* one blank ends a hex escape */
}

/*
 * css_content - the quoted strings of the content property in the
 * declarations [decls, end): what a ::before or ::after rule draws ("a"
 * "b" is "ab"; counters, attr() and quotes are not followed). Kits write
 * the lure there, where a reader sees it and a filter reading the text of
 * the document does not.
 */
static void css_content(const char *decls, const char *end, GString *out)
{
    for (const char *p = decls; p < end && out->len < MAX_GENERATED; p++) {
        const char *v;

        if (g_ascii_strncasecmp(p, "content", 7) != 0 || (p > decls && (g_ascii_isalnum(p[-1]) || p[-1] == '-')))
            continue;
        for (v = p + 7; v < end && g_ascii_isspace(*v); v++)
            ;
        if (v >= end || *v != ':')
            continue;
        g_string_append_c(out, ' ');
        for (v++; v < end && *v != ';' && out->len < MAX_GENERATED; v++) {
            char q = *v;

            if (q != '"' && q != '\'')
                continue;
            for (v++; v < end && *v != q && *v != '\n' && out->len < MAX_GENERATED;)
                v = *v == '\\' ? css_escape(v + 1, end, out) : (g_string_append_c(out, *v), v + 1);
        }
        g_string_append_c(out, ' ');
        p = v < end ? v : end;
    }
}

/* pseudo_element - does a selector draw a ::before or ::after box? */
static int pseudo_element(const char *sel, size_t len)
{
    char *s = g_ascii_strdown(sel, (gssize) len);
    int yes = strstr(s, ":before") != NULL || strstr(s, ":after") != NULL;

    g_free(s);
    return yes;
}

/* add_selectors - the classes (as "name") and ids (as "#name") of the last compound of each selector in sel */
static void add_selectors(GHashTable *set, const char *sel, size_t len)
{
    char *s = g_strndup(sel, len);
    char **list = g_strsplit(s, ",", -1);

    for (int i = 0; list[i]; i++) {
        const char *last = g_strstrip(list[i]);

        for (const char *p = last; *p; p++)
            if (g_ascii_isspace(*p) || *p == '>' || *p == '+' || *p == '~')
                last = p + 1;
        for (const char *p = strpbrk(last, ".#"); p; p = strpbrk(p + 1, ".#")) {
            size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
            char *name = g_ascii_strdown(p + 1, (gssize) n);

            if (n > 0)
                g_hash_table_add(set, *p == '#' ? g_strconcat("#", name, NULL) : g_strdup(name));
            g_free(name);
        }
    }
    g_strfreev(list);
    g_free(s);
}

/* sheet_read - the rules of one <style> block */
static void sheet_read(struct sheet *sh, const char *css)
{
    const char *sel = css;
    int media = 0;          /* open @-blocks */

    for (const char *p = css; *p; p++) {
        if (*p == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");

            if (e == NULL)
                return;
            p = e + 1;
            sel = p + 1;
        } else if (*p == '{') {
            const char *body = p + 1, *e;
            char *decls;

            while (g_ascii_isspace(*sel))
                sel++;
            if (*sel == '@') {
                media++;
                sel = body;
                continue;
            }
            e = strchr(body, '}');
            if (e == NULL)
                return;
            if (pseudo_element(sel, (size_t) (p - sel)))
                css_content(body, e, sh->generated);
            decls = compact_css(body, (size_t) (e - body));
            if (strstr(decls, "background")) {
                sh->sets_background = 1;
                add_selectors(sh->backgrounds, sel, (size_t) (p - sel));
            }
            if (media == 0 && css_hides(decls))
                add_selectors(sh->hides, sel, (size_t) (p - sel));
            else if (css_shows(decls))
                add_selectors(sh->shows, sel, (size_t) (p - sel));
            g_free(decls);
            p = e;
            sel = p + 1;
        } else if (*p == '}') {
            media -= media > 0;
            sel = p + 1;
        } else if (*p == ';' && media >= 0) {
            sel = p + 1;    /* after @import ...; or @charset ...; */
        }
    }
}

/* selected - does the element's class or id name one of set */
static int selected(GHashTable *set, const char *classes, const char *id)
{
    char **list;
    int found = 0;

    if (g_hash_table_size(set) == 0 || (classes == NULL && id == NULL))
        return 0;
    if (id != NULL) {
        char *key = g_strconcat("#", id, NULL), *low = g_ascii_strdown(key, -1);

        found = g_hash_table_contains(set, low);
        g_free(low);
        g_free(key);
    }
    list = g_strsplit_set(classes ? classes : "", " \t\r\n\f", -1);
    for (int i = 0; list[i] && !found; i++) {
        char *low = g_ascii_strdown(list[i], -1);

        found = *low && g_hash_table_contains(set, low);
        g_free(low);
    }
    g_strfreev(list);
    return found;
}

/* ---- the walk ---- */

struct frame {
    const GumboNode *node;
    guint next;             /* next child to visit */
    const char *name;       /* gumbo's name, or NULL: then unknown holds it */
    char unknown[MAX_NAME];
    int box_hidden;         /* no box: nothing inside can be seen */
    int tiny;               /* the font size in effect is too small to read */
    int hidden;             /* LW_HTML_HIDDEN_BOX, LW_HTML_HIDDEN_TEXT (tiny, or the colour of the background) */
    int no_text;            /* script, style, title, head: no reader sees their text */
    int reversed;           /* drawn right to left, letter by letter (bidi override) */
    char fg[COLOR_LEN];     /* text colour, "" if unknown */
    char bg[COLOR_LEN];     /* background colour, "" if unknown (a picture, a style sheet) */
};

struct walk {
    const struct lw_html_handler *h;
    void *ud;
    struct sheet sheet;
    GArray *frames;         /* struct frame */
    GArray *attrs;          /* struct lw_html_attr for the current element */
};

/* element_name - the lowercased name; an unknown element's written name goes to f->unknown */
static void element_name(const GumboElement *el, struct frame *f)
{
    GumboStringPiece s = el->original_tag;
    size_t n;

    if (el->tag != GUMBO_TAG_UNKNOWN) {
        f->name = gumbo_normalized_tagname(el->tag);
        return;
    }
    f->name = NULL;
    if (s.data == NULL)
        return;
    gumbo_tag_from_original_text(&s);
    n = MIN(s.length, sizeof(f->unknown) - 1);
    for (size_t i = 0; i < n; i++)
        f->unknown[i] = g_ascii_tolower(s.data[i]);
    f->unknown[n] = '\0';
}

/* frame_name - the element's name */
static const char *frame_name(const struct frame *f)
{
    return f->name ? f->name : f->unknown;
}

static const char *attr(const GumboElement *el, const char *name)
{
    GumboAttribute *a = gumbo_get_attribute(&el->attributes, name);

    return a ? a->value : NULL;
}

/* set_background - a background colour set: a transparent one lets the one behind show */
static void set_background(const char *c, char bg[COLOR_LEN])
{
    char v[COLOR_LEN];

    if (norm_color(c, v) && strcmp(v, "transparent") != 0)
        memcpy(bg, v, COLOR_LEN);
}

/* style_colors - colour and background an element sets inline, by attribute or (unknown to us) by a class */
static void style_colors(struct walk *w, const GumboElement *el, const char *css, struct frame *f)
{
    char v[64];
    const char *bg = attr(el, "bgcolor"), *fg = el->tag == GUMBO_TAG_FONT ? attr(el, "color") : NULL;

    if (selected(w->sheet.backgrounds, attr(el, "class"), attr(el, "id")))
        f->bg[0] = '\0';
    if (css && css_value(css, "color", v, sizeof(v)))
        fg = v;
    if (fg && !norm_color(fg, f->fg))
        f->fg[0] = '\0';
    if (css && (css_value(css, "background-color", v, sizeof(v)) || css_value(css, "background", v, sizeof(v)))) {
        if (strstr(v, "url("))
            f->bg[0] = '\0';
        else
            set_background(v, f->bg);
    } else if (bg) {
        set_background(bg, f->bg);
    }
    if (attr(el, "background") || (css && css_value(css, "background-image", v, sizeof(v))))
        f->bg[0] = '\0';    /* text over a picture: its colours are unknown */
}

/* font_tiny - does the element set a font too small to read (else keep the inherited answer) */
static int font_tiny(const GumboElement *el, const char *css, int inherited)
{
    char v[32];
    const char *size;

    if (css && css_value(css, "font-size", v, sizeof(v)))
        return tiny_font(v);
    if (el->tag == GUMBO_TAG_FONT && (size = attr(el, "size")) != NULL)
        return strcmp(size, "0") == 0;
    return inherited;
}

/*
 * overrides_direction - is the element's text drawn right to left letter by
 * letter: <bdo dir=rtl>, or unicode-bidi:bidi-override (or
 * isolate-override) with direction:rtl? "dednepsus" so drawn reads
 * "suspended"; ltr sets it back. Else the inherited answer.
 */
static int overrides_direction(const GumboElement *el, const char *css, int inherited)
{
    char v[32], d[16];
    const char *dir = NULL;

    if (el->tag == GUMBO_TAG_BDO)
        dir = attr(el, "dir");
    if (css && css_value(css, "unicode-bidi", v, sizeof(v)) && strstr(v, "override")
        && css_value(css, "direction", d, sizeof(d)))
        dir = d;
    if (dir == NULL)
        return inherited;
    return g_ascii_strcasecmp(dir, "rtl") == 0;
}

/*
 * element_style - what an element hides (its parent's frame given). A box
 * hidden inline or by a style-sheet class, but shown again by an @media
 * rule for its class, is a responsive layout: not hidden. Font size and
 * colours are inherited and can be set again inside.
 */
static void element_style(struct walk *w, const GumboElement *el, const struct frame *up, struct frame *f)
{
    const char *style = attr(el, "style"), *classes = attr(el, "class"), *id = attr(el, "id");
    char *css = style ? compact_css(style, strlen(style)) : NULL;
    int shown = selected(w->sheet.shows, classes, id);

    style_colors(w, el, css, f);
    f->box_hidden = (up && up->box_hidden)
                    || (!shown && (attr(el, "hidden") != NULL || (css && css_hides(css))
                                   || selected(w->sheet.hides, classes, id)));
    f->tiny = !shown && font_tiny(el, css, up && up->tiny);
    f->reversed = overrides_direction(el, css, up && up->reversed);
    f->hidden = (f->box_hidden ? LW_HTML_HIDDEN_BOX : 0)
                | (f->tiny || unreadable(f->fg, f->bg) ? LW_HTML_HIDDEN_TEXT : 0);
    g_free(css);
}

/* attrs_of - the element's attributes as a NULL-terminated array */
static const struct lw_html_attr *attrs_of(struct walk *w, const GumboElement *el)
{
    g_array_set_size(w->attrs, 0);
    for (guint i = 0; i < el->attributes.length; i++) {
        const GumboAttribute *a = el->attributes.data[i];
        struct lw_html_attr x = { a->name, a->value };

        g_array_append_val(w->attrs, x);
    }
    g_array_set_size(w->attrs, w->attrs->len + 1);     /* zeroed terminator */
    return (const struct lw_html_attr *) (void *) w->attrs->data;
}

/* read_style - the rules of a <style> element */
static void read_style(struct walk *w, const GumboElement *el)
{
    for (guint i = 0; i < el->children.length; i++) {
        const GumboNode *c = el->children.data[i];

        if (c->type == GUMBO_NODE_TEXT)
            sheet_read(&w->sheet, c->v.text.text);
    }
}

/* report_text - text to the handler: the visible to text(), the hidden to hidden_text() */
static void report_text(struct walk *w, int hidden, const char *text)
{
    if (!hidden && w->h->text)
        w->h->text(w->ud, text, strlen(text));
    else if (hidden && w->h->hidden_text)
        w->h->hidden_text(w->ud, text, strlen(text));
}

/*
 * input_label - the text a form control draws from its value attribute:
 * the label of a button (<input type=submit value="Verify your account">)
 * or what a text field shows filled in. Reported as text of its own,
 * between blanks, as the box stands apart.
 */
static void input_label(struct walk *w, const GumboElement *el, const struct frame *f)
{
    static const char *const shown[] = { "button", "submit", "reset", "text", "search", "email", "url", "tel" };
    const char *type = attr(el, "type"), *value = attr(el, "value");
    char *label;
    int shows = type == NULL;

    if (el->tag != GUMBO_TAG_INPUT || value == NULL || *value == '\0')
        return;
    for (size_t i = 0; !shows && i < G_N_ELEMENTS(shown); i++)
        shows = g_ascii_strcasecmp(type, shown[i]) == 0;
    if (!shows)
        return;
    label = g_strconcat(" ", value, " ", NULL);
    report_text(w, f->hidden, label);
    g_free(label);
}

/*
 * draw_generated - the words the ::before and ::after rules of the <style>
 * element just read draw: text the reader sees, reported where the sheet is
 */
static void draw_generated(struct walk *w, int hidden)
{
    GString *g = w->sheet.generated;
    const char *valid;

    g_utf8_validate(g->str, (gssize) g->len, &valid);     /* MAX_GENERATED may cut a character */
    g_string_truncate(g, (gsize) (valid - g->str));
    if (g->len > 0)
        report_text(w, hidden, g->str);
    g_string_truncate(g, 0);
}

/* enter - report an element and push its frame */
static void enter(struct walk *w, const GumboNode *node)
{
    const GumboElement *el = &node->v.element;
    const struct frame *up = w->frames->len ? &g_array_index(w->frames, struct frame, w->frames->len - 1) : NULL;
    struct frame f = { 0 };

    f.node = node;
    element_name(el, &f);
    if (up) {
        memcpy(f.fg, up->fg, sizeof(f.fg));
        memcpy(f.bg, up->bg, sizeof(f.bg));
    } else if (!w->sheet.sets_background) {
        g_strlcpy(f.bg, "#ffffff", sizeof(f.bg));    /* a mail client's page is white */
    }
    if (el->tag == GUMBO_TAG_STYLE)
        read_style(w, el);
    element_style(w, el, up, &f);
    f.no_text = (up && up->no_text) || el->tag == GUMBO_TAG_SCRIPT || el->tag == GUMBO_TAG_STYLE
                || el->tag == GUMBO_TAG_TITLE || el->tag == GUMBO_TAG_HEAD;
    if (w->h->start)
        w->h->start(w->ud, frame_name(&f), attrs_of(w, el), f.hidden);
    if (!f.no_text)
        input_label(w, el, &f);
    if (el->tag == GUMBO_TAG_STYLE)
        draw_generated(w, up ? up->hidden : 0);
    g_array_append_val(w->frames, f);
}

/* visit - report one child node of the frame f on top */
static void visit(struct walk *w, const GumboNode *c, const struct frame *f)
{
    const char *text;
    char *drawn = NULL;

    switch (c->type) {
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE:
        enter(w, c);
        break;
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_WHITESPACE:
    case GUMBO_NODE_CDATA:
        if (f->no_text)
            break;
        text = f->reversed ? (drawn = g_utf8_strreverse(c->v.text.text, -1)) : c->v.text.text;
        report_text(w, f->hidden, text);
        g_free(drawn);
        break;
    default:
        break;      /* comments and the document */
    }
}

/* walk_tree - every element and text below root, in document order, without recursion */
static void walk_tree(struct walk *w, const GumboNode *root)
{
    enter(w, root);
    while (w->frames->len > 0) {
        struct frame *f = &g_array_index(w->frames, struct frame, w->frames->len - 1);
        const GumboVector *kids = &f->node->v.element.children;

        if (f->next < kids->length) {
            const GumboNode *c = kids->data[f->next++];

            visit(w, c, f);     /* may grow frames: f is stale after it */
        } else {
            g_array_set_size(w->frames, w->frames->len - 1);    /* shrinking keeps *f in place */
            if (w->h->end)
                w->h->end(w->ud, frame_name(f), f->hidden);
        }
    }
}

/* ---- too deep to parse: strip the layout ---- */

/* nests - 0 for void elements and those whose end tag is optional, else 1 */
static int nests(const char *name, size_t n)
{
    static const char *const flat[] = {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
        "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "tbody", "thead", "tfoot",
        "colgroup", "rb", "rt", "rtc", "rp", "html", "head", "body", NULL
    };

    for (int i = 0; flat[i]; i++)
        if (strlen(flat[i]) == n && g_ascii_strncasecmp(flat[i], name, n) == 0)
            return 0;
    return 1;
}

/* tag_at - at p (just after '<'): the name (*name, *len) and the closing '>'; NULL if no tag starts there */
static const char *tag_at(const char *p, const char *end, const char **name, size_t *len)
{
    const char *n = p + (p < end && *p == '/');

    *name = n;
    *len = 0;
    if (n >= end || !g_ascii_isalpha(*n))
        return NULL;
    while (n + *len < end && (g_ascii_isalnum(n[*len]) || n[*len] == '-' || n[*len] == ':'))
        (*len)++;
    return memchr(n, '>', (size_t) (end - n));
}

/*
 * too_deep - a linear estimate of the nesting depth (start tags of elements
 * that nest minus their end tags) above MAX_DEPTH? Deep trees are how gumbo
 * 0.10.1 is made to take quadratic time or to overflow its recursive free.
 */
static int too_deep(const char *p, const char *end)
{
    long depth = 0;

    while (p < end && (p = memchr(p, '<', (size_t) (end - p))) != NULL) {
        const char *name, *gt;
        size_t len;

        if ((gt = tag_at(++p, end, &name, &len)) == NULL)
            continue;
        if (nests(name, len) && gt[-1] != '/') {
            depth = *p == '/' ? MAX(depth - 1, 0) : depth + 1;
            if (depth > MAX_DEPTH)
                return 1;
        }
        p = gt;
    }
    return 0;
}

/* keeps - tags kept when the layout is stripped: what links, forms and line breaks are made of */
static int keeps(const char *name, size_t n)
{
    static const char *const keep[] = { "a", "area", "img", "input", "form", "meta", "base", "link", "br", NULL };

    for (int i = 0; keep[i]; i++)
        if (strlen(keep[i]) == n && g_ascii_strncasecmp(keep[i], name, n) == 0)
            return 1;
    return 0;
}

/* find_ci - the first needle (ASCII, any case) in [p, end), or NULL */
static const char *find_ci(const char *p, const char *end, const char *needle)
{
    size_t n = strlen(needle);

    for (; p + n <= end; p++)
        if (g_ascii_strncasecmp(p, needle, n) == 0)
            return p;
    return NULL;
}

/* skip_to - just past the first needle (any case) in [p, end), or end */
static const char *skip_to(const char *p, const char *end, const char *needle)
{
    const char *at = find_ci(p, end, needle);

    return at ? at + strlen(needle) : end;
}

/* flatten - html without comments, script and style, and every tag but those keeps() names (g_free) */
static char *flatten(const char *p, const char *end)
{
    GString *out = g_string_sized_new((gsize) (end - p));

    while (p < end) {
        const char *lt = memchr(p, '<', (size_t) (end - p)), *gt, *name;
        size_t len;

        if (lt == NULL) {
            g_string_append_len(out, p, end - p);
            break;
        }
        g_string_append_len(out, p, lt - p);
        if (end - lt >= 4 && memcmp(lt, "<!--", 4) == 0) {
            p = skip_to(lt + 4, end, "-->");
            continue;
        }
        if ((gt = tag_at(lt + 1, end, &name, &len)) == NULL) {
            g_string_append_c(out, '<');
            p = lt + 1;
            continue;
        }
        if (keeps(name, len))
            g_string_append_len(out, lt, gt + 1 - lt);
        p = gt + 1;
        if (lt[1] != '/' && len == 5 && g_ascii_strncasecmp(name, "style", 5) == 0)
            p = skip_to(skip_to(p, end, "</style"), end, ">");
        else if (lt[1] != '/' && len == 6 && g_ascii_strncasecmp(name, "script", 6) == 0)
            p = skip_to(skip_to(p, end, "</script"), end, ">");
    }
    return g_string_free(out, FALSE);
}

/* ---- numeric references past Unicode ---- */

/*
 * ref_end - at p (just after "&#"): the end of the digits of a numeric
 * character reference, and in *big whether its value passes U+10FFFF
 */
static const char *ref_end(const char *p, const char *end, int *big)
{
    int hex = p < end && (*p == 'x' || *p == 'X');
    unsigned long v = 0;

    *big = 0;
    for (p += hex; p < end && (hex ? g_ascii_isxdigit(*p) : g_ascii_isdigit(*p)); p++) {
        v = v * (hex ? 16 : 10) + (unsigned long) (hex ? g_ascii_xdigit_value(*p) : *p - '0');
        if (v > 0x10FFFF) {
            *big = 1;
            v = 0x10FFFF + 1;       /* stays above the limit without overflowing */
        }
    }
    return p;
}

/*
 * fix_refs - html with every numeric reference past U+10FFFF written as
 * &#xFFFD; (g_free; its length in *fixed_len), or NULL if there is none.
 * The semicolon closes it: "&#8666666aaaa" must not become the hex
 * reference "&#xFFFDaaaa", itself past U+10FFFF.
 * gumbo 0.10.1 sums the digits in an int: &#8666666666666666; wraps
 * negative, passes its range check and comes out as a single byte that is
 * not UTF-8. HTML5 reads any reference past U+10FFFF as U+FFFD, which is
 * what gumbo does when the sum does not wrap.
 */
static char *fix_refs(const char *html, size_t len, size_t *fixed_len)
{
    const char *p = html, *end = html + len, *copied = html, *amp;
    GString *out = NULL;

    while ((amp = memchr(p, '&', (size_t) (end - p))) != NULL) {
        int big = 0;

        p = amp + 1;
        if (p < end && *p == '#')
            p = ref_end(p + 1, end, &big);
        if (!big)
            continue;
        if (out == NULL)
            out = g_string_sized_new(len);
        g_string_append_len(out, copied, amp - copied);
        g_string_append(out, "&#xFFFD;");   /* closed: hex digits after it must not extend it */
        copied = p < end && *p == ';' ? p + 1 : p;
    }
    if (out == NULL)
        return NULL;
    g_string_append_len(out, copied, end - copied);
    *fixed_len = out->len;
    return g_string_free(out, FALSE);
}

/* ---- parse ---- */

struct lw_html {
    GumboOptions opts;
    GumboOutput *out;
    char *flat;             /* the stripped text, if too deep */
    char *fixed;            /* the text gumbo parsed, if references had to be fixed */
};

struct lw_html *lw_html_parse(const char *html, size_t len)
{
    struct lw_html *doc = g_new0(struct lw_html, 1);
    size_t fixed_len;

    if (too_deep(html, html + len)) {
        doc->flat = flatten(html, html + len);
        html = doc->flat;
        len = strlen(doc->flat);
    }
    if ((doc->fixed = fix_refs(html, len, &fixed_len)) != NULL) {
        html = doc->fixed;
        len = fixed_len;
    }
    doc->opts = kGumboDefaultOptions;
    doc->opts.max_errors = 0;       /* each recorded error copies the stack of open elements */
    doc->out = gumbo_parse_with_options(&doc->opts, html, len);
    return doc;
}

void lw_html_free(struct lw_html *doc)
{
    if (doc == NULL)
        return;
    gumbo_destroy_output(&doc->opts, doc->out);
    g_free(doc->flat);
    g_free(doc->fixed);
    g_free(doc);
}

int lw_html_flattened(const struct lw_html *doc)
{
    return doc->flat != NULL;
}

void lw_html_walk_doc(const struct lw_html *doc, const struct lw_html_handler *h, void *ud)
{
    struct walk w = { h, ud, { NULL, NULL, NULL, 0, NULL }, NULL, NULL };

    w.sheet.hides = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    w.sheet.shows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    w.sheet.backgrounds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    w.sheet.generated = g_string_new(NULL);
    w.frames = g_array_new(FALSE, FALSE, sizeof(struct frame));
    w.attrs = g_array_new(FALSE, TRUE, sizeof(struct lw_html_attr));
    walk_tree(&w, doc->out->root);
    g_array_free(w.attrs, TRUE);
    g_array_free(w.frames, TRUE);
    g_hash_table_destroy(w.sheet.hides);
    g_hash_table_destroy(w.sheet.shows);
    g_hash_table_destroy(w.sheet.backgrounds);
    g_string_free(w.sheet.generated, TRUE);
}

void lw_html_walk(const char *html, size_t len, const struct lw_html_handler *h, void *ud)
{
    struct lw_html *doc = lw_html_parse(html, len);

    lw_html_walk_doc(doc, h, ud);
    lw_html_free(doc);
}

/* ---- rendering to text ---- */

struct render {
    GString *out;
    int space_pending;
};

int lw_html_is_block(const char *name)
{
    static const char *const blocks[] = {
        "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
        "ul", "ol", "blockquote", "hr", "pre", "section", "article", "header",
        "footer", "center", "dd", "dt", "form", "td", "th",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(blocks); i++)
        if (strcmp(name, blocks[i]) == 0)
            return 1;
    return 0;
}

static void render_break(struct render *r, const char *name)
{
    if (!lw_html_is_block(name))
        return;
    char last = r->out->len > 0 ? r->out->str[r->out->len - 1] : '\n';
    int cell = strcmp(name, "td") == 0 || strcmp(name, "th") == 0;

    r->space_pending = 0;
    if (last == '\n' || (last == ' ' && cell))
        return;
    if (last == ' ')
        g_string_truncate(r->out, r->out->len - 1);
    g_string_append_c(r->out, cell ? ' ' : '\n');
}

/* render_start, render_end - a hidden element draws nothing, so it breaks no line */
static void render_start(void *ud, const char *name, const struct lw_html_attr *attrs, int hidden)
{
    if (!hidden)
        render_break(ud, name);
}

static void render_end(void *ud, const char *name, int hidden)
{
    if (!hidden)
        render_break(ud, name);
}

/* blank_at - the character at p renders as white space (U+00A0 too); *next gets the one after it */
static int blank_at(const char *p, const char *end, const char **next)
{
    gunichar c;

    if ((guchar) *p < 0x80) {
        *next = p + 1;
        return lw_is_ascii_space(*p);
    }
    c = g_utf8_get_char(p);
    *next = MIN(g_utf8_next_char(p), end);
    return c == 0xa0 || g_unichar_isspace(c);
}

/* render_text - visible text: each run of white space one blank, a run of the rest copied whole */
static void render_text(void *ud, const char *t, size_t n)
{
    struct render *r = ud;
    const char *p = t, *end = t + n, *next;

    while (p < end) {
        const char *run = p;

        while (p < end && !blank_at(p, end, &next))
            p = next;
        if (p > run) {
            if (r->space_pending && r->out->len > 0
                && r->out->str[r->out->len - 1] != '\n' && r->out->str[r->out->len - 1] != ' ')
                g_string_append_c(r->out, ' ');
            r->space_pending = 0;
            g_string_append_len(r->out, run, p - run);
        }
        while (p < end && blank_at(p, end, &next)) {
            r->space_pending = 1;
            p = next;
        }
    }
}

/* A renderer that also forwards every event to a second handler. */
struct tee {
    struct render r;
    const struct lw_html_handler *also;
    void *ud;
};

static void tee_start(void *ud, const char *name, const struct lw_html_attr *attrs, int hidden)
{
    struct tee *t = ud;

    render_start(&t->r, name, attrs, hidden);
    if (t->also->start)
        t->also->start(t->ud, name, attrs, hidden);
}

static void tee_end(void *ud, const char *name, int hidden)
{
    struct tee *t = ud;

    render_end(&t->r, name, hidden);
    if (t->also->end)
        t->also->end(t->ud, name, hidden);
}

static void tee_text(void *ud, const char *text, size_t n)
{
    struct tee *t = ud;

    render_text(&t->r, text, n);
    if (t->also->text)
        t->also->text(t->ud, text, n);
}

static void tee_hidden_text(void *ud, const char *text, size_t n)
{
    struct tee *t = ud;

    if (t->also->hidden_text)
        t->also->hidden_text(t->ud, text, n);
}

char *lw_html_render(const struct lw_html *doc, const struct lw_html_handler *also, void *ud)
{
    static const struct lw_html_handler render = { render_start, render_end, render_text, NULL };
    static const struct lw_html_handler tee = { tee_start, tee_end, tee_text, tee_hidden_text };
    struct tee t = { { g_string_new(NULL), 0 }, also, ud };

    lw_html_walk_doc(doc, also ? &tee : &render, also ? (void *) &t : (void *) &t.r);
    return g_string_free(t.r.out, FALSE);
}

char *lw_html_to_text(const char *html, size_t len)
{
    struct lw_html *doc = lw_html_parse(html, len);
    char *text = lw_html_render(doc, NULL, NULL);

    lw_html_free(doc);
    return text;
}
