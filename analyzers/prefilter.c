/*
 * prefilter.c - which literals a PCRE2 rule needs, and finding them all in one pass
 *
 * NAME
 *     lw_prefilter_literals, lw_fold, lw_litset_* - literal prefilter of the rules
 *
 * DESCRIPTION
 *     Running every rule's pattern over every text costs one PCRE2 pass per
 *     rule. Most patterns cannot match unless some literal is in the text
 *     (/\b(account|mailbox)\b.{0,40}\blocked/ needs "locked"), so the rules
 *     analyzer first finds, in one pass per text, which of all the rules'
 *     literals occur, and runs a pattern only when one of its literals did
 *     (the idea of RE2's FilteredRE2 and Hyperscan's literal prefilters).
 *
 *     lw_prefilter_literals() parses the pattern and computes, bottom up,
 *     for every sub-expression either its EXACT set (the strings it can
 *     match, while there are few: /e-?mail/ is {email, e-mail}) or a
 *     REQUIRED set (every match contains one of these). Concatenation
 *     multiplies exact sets (up to EXACT_MAX strings) and otherwise keeps
 *     the better of the required sets of its parts (longest shortest
 *     literal, then fewest); alternation unites them, and has none when
 *     one branch has none; an optional item (?, *, {0,n}) requires nothing;
 *     x+ requires what x requires; small classes ([號户戶]) are exact sets.
 *     Assertions (\b, ^, lookarounds) match the empty string; back
 *     references, \d, ., big classes match "anything". Each of those steps
 *     only widens the language, so a required literal is truly required.
 *     A construct the parser does not know (conditionals, recursion, verbs,
 *     an inline (?x), a '{' that is not a plain quantifier...) gives NULL:
 *     the rule always runs. A set whose shortest literal is under
 *     LW_PREFILTER_MIN_LITERAL bytes is no use and gives NULL too.
 *
 *     Literals and texts are compared case-folded: lw_fold maps every
 *     character to lower(upper(c)), so the Kelvin sign K and k, long s and
 *     s, final sigma and sigma fold alike; t/unit/test-prefilter.c checks
 *     against PCRE2 itself that every pair it matches caselessly folds to
 *     the same character. Patterns without /i are folded too: finding more
 *     literals than needed only runs a pattern for nothing.
 *
 *     A litset holds the literals of many rules. lw_litset_scan folds the
 *     text once and slides over it: a bitmap indexed by a hash of the next
 *     3 bytes says whether any literal starts so, and only then are the
 *     literals of that bucket compared with memcmp.
 *
 * LIMITS
 *     A rule gets one OR-set, not an AND of several (FilteredRE2 keeps
 *     both). Repeats {n,m} with n > 1 are treated like +. The result only
 *     decides whether the pattern runs: hits and evidence still come from
 *     PCRE2 on the original text.
 */
#include "config.h"

#include <string.h>

#include "prefilter.h"
#include "util/sort.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define EXACT_MAX 64        /* most strings an exact set keeps */
#define CLASS_MAX 8         /* most characters a class may expand to */
#define DEPTH_MAX 64        /* deepest group nesting parsed */
#define SCORE_LEN_MAX 8     /* literals longer than this are not "better" for being longer */
#define LITERALS_MAX 2000   /* a larger required set is given up (bounds the work on hostile patterns) */

/* ---- case folding ---- */

/* decode - one valid UTF-8 character at s (n bytes available); its length, or 0 if invalid */
static int decode(const unsigned char *s, size_t n, gunichar *c)
{
    gunichar u = g_utf8_get_char_validated((const gchar *) s, (gssize) n);

    if (u == (gunichar) -1 || u == (gunichar) -2)
        return 0;
    *c = u;
    return g_utf8_skip[s[0]];
}

/*
 * fold_char - the representative of c's caseless class. GLib maps only
 * letters; PCRE2 also matches the combining ypogegrammeni with iota.
 */
static gunichar fold_char(gunichar c)
{
    if (c == 0x0345)
        return 0x03B9;
    return g_unichar_tolower(g_unichar_toupper(c));
}

char *lw_fold(const char *s, size_t len, size_t *outlen)
{
    const unsigned char *p = (const unsigned char *) s, *end = p + len;
    size_t cap = len + len / 2 + 8, o = 0;
    char *out = g_malloc(cap);
    gunichar c;
    int n;

    while (p < end) {
        if (o + 8 > cap)
            out = g_realloc(out, cap *= 2);
        if (*p < 0x80) {
            out[o++] = *p >= 'A' && *p <= 'Z' ? *p + ('a' - 'A') : *p;
            p++;
        } else if ((n = decode(p, end - p, &c)) == 0) {
            out[o++] = *p++;        /* PCRE2 matches nothing in invalid UTF-8 */
        } else {
            o += g_unichar_to_utf8(fold_char(c), out + o);
            p += n;
        }
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

/* ---- string sets ---- */

static GPtrArray *strset_new(void)
{
    return g_ptr_array_new_with_free_func(g_free);
}

/* strset_add - add a copy of s unless it is there already */
static void strset_add(GPtrArray *set, const char *s)
{
    for (guint i = 0; i < set->len; i++)
        if (strcmp(g_ptr_array_index(set, i), s) == 0)
            return;
    g_ptr_array_add(set, g_strdup(s));
}

static GPtrArray *strset_of(const char *s)
{
    GPtrArray *set = strset_new();

    g_ptr_array_add(set, g_strdup(s));
    return set;
}

static void strset_free(GPtrArray *set)
{
    if (set)
        g_ptr_array_unref(set);
}

/* strset_merge - add b's strings to a; frees b */
static void strset_merge(GPtrArray *a, GPtrArray *b)
{
    for (guint i = 0; i < b->len; i++)
        strset_add(a, g_ptr_array_index(b, i));
    strset_free(b);
}

static gint by_length(gconstpointer a, gconstpointer b)
{
    size_t la = strlen(*(char *const *) a), lb = strlen(*(char *const *) b);

    return la < lb ? -1 : la > lb ? 1 : lw_cmp_strptr(a, b);
}

/* orset - an exact set as a required set: NULL if a string is too short; frees set */
static GPtrArray *orset(GPtrArray *set)
{
    GPtrArray *out;

    if (set == NULL)
        return NULL;
    for (guint i = 0; i < set->len; i++) {
        if (strlen(g_ptr_array_index(set, i)) < LW_PREFILTER_MIN_LITERAL) {
            strset_free(set);
            return NULL;
        }
    }
    /* A literal containing a shorter one of the set adds nothing to the OR. */
    g_ptr_array_sort(set, by_length);
    out = strset_new();
    for (guint i = 0; i < set->len; i++) {
        const char *s = g_ptr_array_index(set, i);
        guint j;

        for (j = 0; j < out->len && strstr(s, g_ptr_array_index(out, j)) == NULL; j++)
            ;
        if (j == out->len)
            g_ptr_array_add(out, g_strdup(s));
    }
    strset_free(set);
    return out;
}

/* score - how selective a required set is: longer shortest literal, then fewer */
static long score(const GPtrArray *set)
{
    size_t shortest = strlen(g_ptr_array_index(set, 0));   /* orset sorted by length */

    return (long) MIN(shortest, SCORE_LEN_MAX) * 100000 - (long) MIN(set->len, 99999);
}

/* best - a match needs both a and b: keep the more selective; frees the other */
static GPtrArray *best(GPtrArray *a, GPtrArray *b)
{
    if (a == NULL || b == NULL)
        return a ? a : b;
    if (score(b) > score(a)) {
        strset_free(a);
        return b;
    }
    strset_free(b);
    return a;
}

/*
 * cross - every string of a followed by every string of b. Sets hold
 * distinct strings, and distinct strings given one common prefix or suffix
 * stay distinct, so only a product of two sets of several strings is
 * searched for repeats (a pattern is parsed one character at a time: most
 * products are a run times one character).
 */
static GPtrArray *cross(const GPtrArray *a, const GPtrArray *b)
{
    GPtrArray *out = g_ptr_array_new_full(a->len * b->len, g_free);
    int distinct = a->len == 1 || b->len == 1;

    for (guint i = 0; i < a->len; i++) {
        for (guint j = 0; j < b->len; j++) {
            char *s = g_strconcat(g_ptr_array_index(a, i), g_ptr_array_index(b, j), NULL);

            if (distinct) {
                g_ptr_array_add(out, s);
            } else {
                strset_add(out, s);
                g_free(s);
            }
        }
    }
    return out;
}

/* ---- what a sub-expression matches ---- */

struct info {
    GPtrArray *exact;       /* it matches exactly one of these (folded) strings; or NULL */
    GPtrArray *match;       /* exact == NULL: every match contains one of these; NULL: nothing known */
};

static struct info info_exact(GPtrArray *set)
{
    struct info in = { set, NULL };

    return in;
}

static struct info info_any(void)
{
    struct info in = { NULL, NULL };

    return in;
}

static void info_free(struct info *in)
{
    strset_free(in->exact);
    strset_free(in->match);
    in->exact = in->match = NULL;
}

/* required - what every match of in contains, as a required set; consumes in */
static GPtrArray *required(struct info *in)
{
    GPtrArray *r = in->exact ? orset(in->exact) : in->match;

    in->exact = in->match = NULL;
    return r;
}

/* Concatenation, item by item: a run of exact items, and what is required so far. */
struct concat {
    GPtrArray *run;         /* exact strings of the items since the last inexact one */
    GPtrArray *match;
    int exact;              /* nothing inexact seen: the whole is run */
};

static void concat_init(struct concat *c)
{
    c->run = strset_of("");
    c->match = NULL;
    c->exact = 1;
}

static void concat_add(struct concat *c, struct info *in)
{
    if (in->exact && c->run->len * in->exact->len <= EXACT_MAX) {
        GPtrArray *run = cross(c->run, in->exact);

        strset_free(c->run);
        c->run = run;
        info_free(in);
        return;
    }
    c->match = best(c->match, orset(c->run));
    c->exact = 0;
    if (in->exact) {
        c->run = in->exact;
        in->exact = NULL;
    } else {
        c->run = strset_of("");
        c->match = best(c->match, required(in));
    }
    info_free(in);
}

static struct info concat_end(struct concat *c)
{
    if (c->exact)
        return info_exact(c->run);
    c->match = best(c->match, orset(c->run));
    return (struct info) { NULL, c->match };
}

/* alternate - union of two branches' infos; consumes both */
static struct info alternate(struct info *a, struct info *b)
{
    GPtrArray *ra, *rb;

    if (a->exact && b->exact && a->exact->len + b->exact->len <= EXACT_MAX) {
        strset_merge(a->exact, b->exact);
        return info_exact(a->exact);
    }
    ra = required(a);
    rb = required(b);
    if (ra == NULL || rb == NULL) {
        strset_free(ra);
        strset_free(rb);
        return info_any();
    }
    if (ra->len + rb->len > LITERALS_MAX) {
        strset_free(ra);
        strset_free(rb);
        return info_any();
    }
    strset_merge(ra, rb);
    return (struct info) { NULL, orset(ra) };
}

/* repeat - in repeated min to max times (max < 0: unbounded); consumes in */
static struct info repeat(struct info *in, long min, long max)
{
    if (min == 1 && max == 1)
        return *in;
    if (min == 0 && max == 1 && in->exact && in->exact->len < EXACT_MAX) {
        strset_add(in->exact, "");
        return *in;
    }
    if (min == 0) {
        info_free(in);
        return info_any();
    }
    return (struct info) { NULL, required(in) };
}

/* ---- the pattern parser ---- */

struct parser {
    const char *p, *end;
    int extended;           /* /x: white space and # comments are ignored */
    int quoted;             /* inside \Q...\E: every character is literal */
    int transparent;        /* the last item was \Q, \E or (?#...): a quantifier after it
                             * applies to the item before, so it is refused */
    int depth;
    int bad;                /* something not understood: no literals for this pattern */
};

static struct info parse_alt(struct parser *ps);

static int at(const struct parser *ps, const char *s)
{
    size_t n = strlen(s);

    return (size_t) (ps->end - ps->p) >= n && memcmp(ps->p, s, n) == 0;
}

/* skip_space - in extended mode, white space (PCRE2's list) and # comments */
static void skip_space(struct parser *ps)
{
    static const char *const uspace[] = { "\xc2\x85", "\xe2\x80\x8e", "\xe2\x80\x8f", "\xe2\x80\xa8",
                                          "\xe2\x80\xa9" };

    while (ps->extended && !ps->quoted && ps->p < ps->end) {
        size_t i;

        if (strchr(" \t\n\v\f\r", *ps->p) != NULL && *ps->p != '\0') {
            ps->p++;
            continue;
        }
        if (*ps->p == '#') {
            while (ps->p < ps->end && *ps->p != '\n')
                ps->p++;
            continue;
        }
        for (i = 0; i < G_N_ELEMENTS(uspace) && !at(ps, uspace[i]); i++)
            ;
        if (i == G_N_ELEMENTS(uspace))
            return;
        ps->p += strlen(uspace[i]);
    }
}

/* char_len - bytes of the (valid, the rules file is checked) UTF-8 character at p */
static int char_len(const struct parser *ps)
{
    gunichar c;
    int n = decode((const unsigned char *) ps->p, ps->end - ps->p, &c);

    return n ? n : 1;
}

/* folded - the folded string of the n bytes at s */
static char *folded(const char *s, size_t n)
{
    size_t len;

    return lw_fold(s, n, &len);
}

/* literal_info - an exact set of the one character of n bytes at s */
static struct info literal_info(const char *s, size_t n)
{
    char *f = folded(s, n);
    struct info in = info_exact(strset_of(f));

    g_free(f);
    return in;
}

/* skip_braced - at "{...}": past the closing brace; 0 if there is none */
static int skip_braced(struct parser *ps)
{
    const char *close = memchr(ps->p, '}', ps->end - ps->p);

    if (*ps->p != '{' || close == NULL)
        return 0;
    ps->p = close + 1;
    return 1;
}

static void skip_while(struct parser *ps, const char *set, int most)
{
    while (most-- > 0 && ps->p < ps->end && *ps->p && strchr(set, *ps->p))
        ps->p++;
}

#define DIGITS "0123456789"
#define HEX "0123456789abcdefABCDEF"

/* control_char - the character of \n \r \t \f \e \a, or 0 */
static char control_char(char e)
{
    switch (e) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'f': return '\f';
    case 'e': return '\033';
    case 'a': return '\a';
    default: return 0;
    }
}

/*
 * skip_code_escape - past the rest of \x \o \c \digits \p \P (the letter
 * already read): characters whose value this parser does not compute.
 */
static int skip_code_escape(struct parser *ps, char e, int in_class)
{
    switch (e) {
    case 'x':
        if (ps->p < ps->end && *ps->p == '{')
            return skip_braced(ps);
        skip_while(ps, HEX, 2);
        return 1;
    case 'o':
        return skip_braced(ps);
    case 'c':
        if (ps->p >= ps->end || (unsigned char) *ps->p >= 0x80)
            return 0;
        ps->p++;
        return 1;
    case 'p':
    case 'P':
        if (ps->p < ps->end && *ps->p == '{')
            return skip_braced(ps);
        if (ps->p >= ps->end)
            return 0;
        ps->p++;
        return 1;
    default:
        if (e >= '0' && e <= '9') {
            /* outside a class a back reference or octal; either way "anything" */
            skip_while(ps, in_class ? "01234567" : DIGITS, in_class ? 2 : 100);
            return 1;
        }
        return 0;
    }
}

/* parse_escape - after a backslash, outside a class */
static struct info parse_escape(struct parser *ps)
{
    char e, ctl;
    int n;

    if (ps->p >= ps->end)
        return (ps->bad = 1), info_any();
    e = *ps->p;
    if ((unsigned char) e >= 0x80 || !g_ascii_isalnum(e)) {
        n = char_len(ps);
        ps->p += n;
        return literal_info(ps->p - n, n);
    }
    ps->p++;
    if ((ctl = control_char(e)) != 0)
        return literal_info(&ctl, 1);
    if (strchr("bBAZzGK", e))
        return info_exact(strset_of(""));
    if (strchr("dDwWsShHvVRXCN", e)) {
        if (e == 'N' && ps->p < ps->end && *ps->p == '{' && !skip_braced(ps))
            ps->bad = 1;
        return info_any();
    }
    if (e == 'Q' || e == 'E') {
        ps->quoted = e == 'Q';      /* parse_atom reads the quoted characters one by one */
        ps->transparent = 1;
        return info_exact(strset_of(""));
    }
    if (e == 'g' || e == 'k') {
        /* back reference or subroutine call: \g{..} \g<..> \g'..' \g-1 \g1 \k<..> \k'..' \k{..} */
        const char *close = NULL;

        if (ps->p < ps->end && strchr("{<'", *ps->p) && *ps->p)
            close = memchr(ps->p + 1, *ps->p == '{' ? '}' : *ps->p == '<' ? '>' : '\'', ps->end - ps->p - 1);
        if (close)
            ps->p = close + 1;
        else if (e == 'g') {
            skip_while(ps, "+-", 1);
            skip_while(ps, DIGITS, 100);
        } else
            ps->bad = 1;
        return info_any();
    }
    if (!skip_code_escape(ps, e, 0))
        ps->bad = 1;
    return info_any();
}

/* class_member - one member of a class: its bytes at *s, *n; 0 for a non-literal member */
static int class_member(struct parser *ps, const char **s, int *n)
{
    static const char controls[] = "\n\r\t\f\033\a";
    char e, ctl;

    if (*ps->p != '\\') {
        *s = ps->p;
        *n = char_len(ps);
        ps->p += *n;
        return 1;
    }
    if (++ps->p >= ps->end)
        return (ps->bad = 1), 0;
    e = *ps->p;
    if ((unsigned char) e >= 0x80 || !g_ascii_isalnum(e)) {
        *s = ps->p;
        *n = char_len(ps);
        ps->p += *n;
        return 1;
    }
    ps->p++;
    if ((ctl = control_char(e)) != 0) {
        *s = strchr(controls, ctl);
        *n = 1;
        return 1;
    }
    if (strchr("dDwWsShHvVb", e))
        return 0;
    if (!skip_code_escape(ps, e, 1))
        ps->bad = 1;
    return 0;
}

/* parse_class - after '[': a small set of characters, else "any one character" */
static struct info parse_class(struct parser *ps)
{
    GPtrArray *set = strset_new();
    int negated = 0, unknown = 0, first = 1, prev_literal = 0;
    gunichar prev = 0;

    if (ps->p < ps->end && *ps->p == '^')
        negated = 1, ps->p++;
    while (!ps->bad) {
        const char *s;
        int n;

        if (ps->p >= ps->end) {
            ps->bad = 1;
            break;
        }
        if (*ps->p == ']' && !first) {
            ps->p++;
            break;
        }
        first = 0;
        if (*ps->p == '[') {
            ps->bad = 1;        /* POSIX classes and nested brackets: not parsed here */
            break;
        }
        if (*ps->p == '-' && prev_literal && ps->p + 1 < ps->end && ps->p[1] != ']') {
            gunichar hi;

            ps->p++;
            if (*ps->p == '\\' && ps->p + 1 < ps->end && g_ascii_isalpha(ps->p[1])) {
                ps->bad = 1;    /* range to an escape: leave it to PCRE2 */
                break;
            }
            if (!class_member(ps, &s, &n) || !decode((const unsigned char *) s, n, &hi) || hi < prev) {
                ps->bad = 1;
                break;
            }
            if (hi - prev >= CLASS_MAX) {
                unknown = 1;
            } else {
                for (gunichar c = prev + 1; c <= hi; c++) {
                    char buf[8];
                    char *f = folded(buf, g_unichar_to_utf8(c, buf));

                    strset_add(set, f);
                    g_free(f);
                }
            }
            prev_literal = 0;
            continue;
        }
        if (*ps->p == '-' && !prev_literal && !(ps->p + 1 < ps->end && ps->p[1] == ']') && set->len + unknown > 0) {
            ps->bad = 1;        /* [\d-z]: a hyphen after a class escape */
            break;
        }
        if (class_member(ps, &s, &n)) {
            char *f = folded(s, n);

            strset_add(set, f);
            g_free(f);
            prev_literal = decode((const unsigned char *) s, n, &prev) > 0;
        } else {
            unknown = 1;
            prev_literal = 0;
        }
    }
    if (negated || unknown || ps->bad || set->len > CLASS_MAX) {
        strset_free(set);
        return info_any();
    }
    return info_exact(set);
}

/* parse_number - decimal digits at p; -1 if none */
static long parse_number(struct parser *ps)
{
    long v = 0;

    if (ps->p >= ps->end || !g_ascii_isdigit(*ps->p))
        return -1;
    while (ps->p < ps->end && g_ascii_isdigit(*ps->p) && v < 100000)
        v = v * 10 + (*ps->p++ - '0');
    return v;
}

/*
 * parse_quantifier - ? * + {n} {n,} {n,m} and a lazy or possessive suffix;
 * 0 if there is none. A '{' that is not a plain quantifier is "bad": PCRE2
 * versions differ on {,m} and on spaces inside.
 */
static int parse_quantifier(struct parser *ps, long *min, long *max)
{
    if (ps->quoted) {
        if (!at(ps, "\\E"))
            return 0;
        ps->p += 2;         /* \Qab\E? : the ? applies to the b */
        ps->quoted = 0;
    }
    skip_space(ps);
    if (ps->p >= ps->end)
        return 0;
    switch (*ps->p) {
    case '?': *min = 0, *max = 1; ps->p++; break;
    case '*': *min = 0, *max = -1; ps->p++; break;
    case '+': *min = 1, *max = -1; ps->p++; break;
    case '{':
        ps->p++;
        if ((*min = parse_number(ps)) < 0)
            return (ps->bad = 1), 0;
        *max = *min;
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            *max = ps->p < ps->end && *ps->p == '}' ? -1 : parse_number(ps);
            if (*max == -1 && !(ps->p < ps->end && *ps->p == '}'))
                return (ps->bad = 1), 0;
        }
        if (ps->p >= ps->end || *ps->p != '}')
            return (ps->bad = 1), 0;
        ps->p++;
        break;
    default:
        return 0;
    }
    if (ps->p < ps->end && (*ps->p == '?' || *ps->p == '+'))
        ps->p++;
    skip_space(ps);
    if (ps->p < ps->end && strchr("?*+{", *ps->p) && *ps->p)
        ps->bad = 1;    /* a quantifier after a quantifier */
    return 1;
}

/*
 * parse_flags - the letters of (?imnsJU-^ ... ; 0 if unknown, or x (which
 * changes how the rest parses), or ^ under /x (which turns x off)
 */
static int parse_flags(struct parser *ps)
{
    for (; ps->p < ps->end && *ps->p && strchr("imnsJU-^", *ps->p); ps->p++)
        if (*ps->p == '^' && ps->extended)
            return 0;
    return ps->p < ps->end && (*ps->p == ')' || *ps->p == ':');
}

/* parse_group - after '(' */
static struct info parse_group(struct parser *ps)
{
    int lookaround = 0;
    struct info in;

    if (at(ps, "?#")) {
        const char *close = memchr(ps->p, ')', ps->end - ps->p);

        if (close == NULL)
            return (ps->bad = 1), info_any();
        ps->p = close + 1;
        ps->transparent = 1;
        return info_exact(strset_of(""));
    }
    if (at(ps, "?=") || at(ps, "?!"))
        ps->p += 2, lookaround = 1;
    else if (at(ps, "?<=") || at(ps, "?<!"))
        ps->p += 3, lookaround = 1;
    else if (at(ps, "?:") || at(ps, "?|") || at(ps, "?>"))
        ps->p += 2;
    else if (at(ps, "?<") || at(ps, "?'") || at(ps, "?P<")) {
        const char *close;

        ps->p += at(ps, "?P<") ? 3 : 2;
        close = memchr(ps->p, ps->p[-1] == '\'' ? '\'' : '>', ps->end - ps->p);
        if (close == NULL)
            return (ps->bad = 1), info_any();
        ps->p = close + 1;
    } else if (at(ps, "?P=")) {
        const char *close = memchr(ps->p, ')', ps->end - ps->p);

        if (close == NULL)
            return (ps->bad = 1), info_any();
        ps->p = close + 1;
        return info_any();              /* a back reference */
    } else if (at(ps, "?")) {
        ps->p++;
        if (!parse_flags(ps))
            return (ps->bad = 1), info_any();   /* (?x) (?R) (?1) (?&n) (?( (?C ... */
        if (*ps->p++ == ')')
            return info_exact(strset_of(""));
    } else if (at(ps, "*")) {
        return (ps->bad = 1), info_any();       /* verbs, (*pla: ...) */
    }
    if (++ps->depth > DEPTH_MAX)
        return (ps->bad = 1), info_any();
    in = parse_alt(ps);
    ps->depth--;
    if (ps->p >= ps->end || *ps->p != ')') {
        ps->bad = 1;
        info_free(&in);
        return info_any();
    }
    ps->p++;
    if (lookaround) {
        info_free(&in);
        return info_exact(strset_of(""));
    }
    return in;
}

/* parse_atom - one item before its quantifier */
static struct info parse_atom(struct parser *ps)
{
    char c = *ps->p;
    int n;

    if (ps->quoted) {
        if (at(ps, "\\E")) {
            ps->p += 2;
            ps->quoted = 0;
            ps->transparent = 1;
            return info_exact(strset_of(""));
        }
        n = char_len(ps);
        ps->p += n;
        return literal_info(ps->p - n, n);
    }
    switch (c) {
    case '(': ps->p++; return parse_group(ps);
    case '[': ps->p++; return parse_class(ps);
    case '\\': ps->p++; return parse_escape(ps);
    case '.': ps->p++; return info_any();
    case '^':
    case '$': ps->p++; return info_exact(strset_of(""));
    case '?':
    case '*':
    case '+':
    case '{':
        ps->bad = 1;
        return info_any();
    default:
        n = char_len(ps);
        ps->p += n;
        return literal_info(ps->p - n, n);
    }
}

/* parse_concat - items up to '|', ')' or the end */
static struct info parse_concat(struct parser *ps)
{
    struct concat c;

    concat_init(&c);
    for (;;) {
        struct info in;
        long min, max;

        skip_space(ps);
        if (ps->bad || ps->p >= ps->end || (!ps->quoted && (*ps->p == '|' || *ps->p == ')')))
            break;
        in = parse_atom(ps);
        if (ps->transparent) {
            ps->transparent = 0;
            if (ps->quoted && at(ps, "\\E")) {
                ps->p += 2;     /* an empty \Q\E */
                ps->quoted = 0;
            }
            skip_space(ps);
            if (!ps->quoted && ps->p < ps->end && *ps->p && strchr("?*+{", *ps->p))
                ps->bad = 1;
        } else if (parse_quantifier(ps, &min, &max)) {
            in = repeat(&in, min, max);
        }
        concat_add(&c, &in);
    }
    return concat_end(&c);
}

/* parse_alt - branches separated by '|' */
static struct info parse_alt(struct parser *ps)
{
    struct info in = parse_concat(ps);

    while (!ps->bad && ps->p < ps->end && *ps->p == '|') {
        struct info next;

        ps->p++;
        next = parse_concat(ps);
        in = alternate(&in, &next);
    }
    return in;
}

GPtrArray *lw_prefilter_literals(const char *pattern, uint32_t options)
{
    struct parser ps = { pattern, pattern + strlen(pattern), (options & PCRE2_EXTENDED) != 0, 0, 0, 0, 0 };
    struct info in;
    GPtrArray *lits;

    if (options & (PCRE2_EXTENDED_MORE | PCRE2_LITERAL | PCRE2_ALT_BSUX | PCRE2_EXTRA_ALT_BSUX))
        return NULL;
    in = parse_alt(&ps);
    if (ps.bad || ps.p != ps.end) {
        info_free(&in);
        return NULL;
    }
    lits = required(&in);
    if (lits && lits->len == 0) {
        strset_free(lits);
        lits = NULL;
    }
    return lits;
}

/* ---- finding many literals in one pass ---- */

struct literal {
    char *s;
    guint len;
    GArray *ids;            /* guint: who needs this literal */
};

struct lw_litset {
    guint nids;
    guint nwanted;          /* distinct ids with literals: a scan can stop when all are hit */
    guint8 *wanted;
    GHashTable *index;      /* literal string -> struct literal (build time) */
    GPtrArray *lits;        /* struct literal, owned */
    int bits;               /* the prefix hash has 2^bits buckets */
    guint64 *bloom;         /* bucket b holds a literal: bit b */
    guint32 *start;         /* bucket b's literals: order[start[b] .. start[b + 1]) */
    guint32 *order;
};

static void literal_free(gpointer p)
{
    struct literal *l = p;

    g_free(l->s);
    g_array_unref(l->ids);
    g_free(l);
}

struct lw_litset *lw_litset_new(guint nids)
{
    struct lw_litset *ls = g_new0(struct lw_litset, 1);

    ls->nids = nids;
    ls->wanted = g_new0(guint8, nids + 1);
    ls->index = g_hash_table_new(g_str_hash, g_str_equal);
    ls->lits = g_ptr_array_new_with_free_func(literal_free);
    return ls;
}

void lw_litset_add(struct lw_litset *ls, const GPtrArray *literals, guint id)
{
    if (id >= ls->nids)
        return;                 /* a caller's bug; a library never aborts for it */
    for (guint i = 0; i < literals->len; i++) {
        const char *s = g_ptr_array_index(literals, i);
        struct literal *l = g_hash_table_lookup(ls->index, s);

        if (strlen(s) < LW_PREFILTER_MIN_LITERAL)
            continue;           /* cannot happen with lw_prefilter_literals */
        if (l == NULL) {
            l = g_new0(struct literal, 1);
            l->s = g_strdup(s);
            l->len = strlen(s);
            l->ids = g_array_new(FALSE, FALSE, sizeof(guint));
            g_ptr_array_add(ls->lits, l);
            g_hash_table_insert(ls->index, l->s, l);
        }
        g_array_append_val(l->ids, id);
        if (!ls->wanted[id]) {
            ls->wanted[id] = 1;
            ls->nwanted++;
        }
    }
}

/* prefix_hash - bucket of the 3 bytes packed in x */
static inline guint32 prefix_hash(guint32 x, int bits)
{
    return (guint32) (x * 2654435761u) >> (32 - bits);
}

static guint32 prefix_of(const char *s)
{
    const unsigned char *u = (const unsigned char *) s;

    return u[0] | (guint32) u[1] << 8 | (guint32) u[2] << 16;
}

void lw_litset_compile(struct lw_litset *ls)
{
    guint nb;
    guint32 *fill;

    /* about 16 buckets per literal keeps the bitmap sparse and small */
    for (ls->bits = 10; ls->bits < 16 && (1u << ls->bits) < ls->lits->len * 16; ls->bits++)
        ;
    nb = 1u << ls->bits;
    ls->bloom = g_new0(guint64, nb / 64);
    ls->start = g_new0(guint32, nb + 1);
    ls->order = g_new0(guint32, ls->lits->len + 1);
    for (guint i = 0; i < ls->lits->len; i++) {
        const struct literal *l = g_ptr_array_index(ls->lits, i);
        guint32 h = prefix_hash(prefix_of(l->s), ls->bits);

        ls->bloom[h / 64] |= (guint64) 1 << (h % 64);
        ls->start[h + 1]++;
    }
    for (guint b = 0; b < nb; b++)
        ls->start[b + 1] += ls->start[b];
    fill = g_memdup2(ls->start, sizeof(guint32) * nb);
    for (guint i = 0; i < ls->lits->len; i++) {
        const struct literal *l = g_ptr_array_index(ls->lits, i);

        ls->order[fill[prefix_hash(prefix_of(l->s), ls->bits)]++] = i;
    }
    g_free(fill);
    g_hash_table_destroy(ls->index);
    ls->index = NULL;
}

void lw_litset_scan(const struct lw_litset *ls, const char *text, size_t len, guint8 *hit)
{
    size_t flen;
    char *f;
    const unsigned char *u;
    guint found = 0;
    guint32 x = 0;

    if (ls->nwanted == 0 || len < 1)
        return;
    f = lw_fold(text, len, &flen);
    u = (const unsigned char *) f;
    if (flen >= LW_PREFILTER_MIN_LITERAL)
        x = u[0] | (guint32) u[1] << 8;
    for (size_t i = 0; i + LW_PREFILTER_MIN_LITERAL <= flen && found < ls->nwanted; i++) {
        guint32 h;

        x = (x & 0xFFFF) | (guint32) u[i + 2] << 16;
        h = prefix_hash(x, ls->bits);
        x >>= 8;
        if (!(ls->bloom[h / 64] >> (h % 64) & 1))
            continue;
        for (guint32 k = ls->start[h]; k < ls->start[h + 1]; k++) {
            const struct literal *l = g_ptr_array_index(ls->lits, ls->order[k]);

            if (l->len > flen - i || memcmp(f + i, l->s, l->len) != 0)
                continue;
            for (guint j = 0; j < l->ids->len; j++) {
                guint id = g_array_index(l->ids, guint, j);

                if (!hit[id]) {
                    hit[id] = 1;
                    found++;
                }
            }
        }
    }
    g_free(f);
}

void lw_litset_free(struct lw_litset *ls)
{
    if (ls == NULL)
        return;
    if (ls->index)
        g_hash_table_destroy(ls->index);
    g_ptr_array_unref(ls->lits);
    g_free(ls->wanted);
    g_free(ls->bloom);
    g_free(ls->start);
    g_free(ls->order);
    g_free(ls);
}
