/* test-prefilter.c - unit tests of required-literal extraction, case folding and the literal search */
#include "config.h"

#include <string.h>
#include <glib.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "prefilter.h"
#include "util/sort.h"
#include "tap.h"

#define NONE NULL

/* describe - the literals sorted and joined with '|', or NULL; frees lits */
static char *describe(GPtrArray *lits)
{
    char *s;

    if (lits == NULL)
        return NULL;
    g_ptr_array_sort(lits, lw_cmp_strptr);
    g_ptr_array_add(lits, NULL);
    s = g_strjoinv("|", (char **) lits->pdata);
    g_ptr_array_unref(lits);
    return s;
}

struct extract_case {
    const char *pattern;
    uint32_t options;
    const char *want;           /* sorted, '|'-joined; NONE: the rule always runs */
};

static const struct extract_case cases[] = {
    /* literals, minimum length */
    { "abc", 0, "abc" },
    { "ab", 0, NONE },
    { "\\bpassword\\b", PCRE2_CASELESS, "password" },
    { "PayPal", 0, "paypal" },
    { "(?i)PayPal", 0, "paypal" },
    { "(?-i:ABC)def", PCRE2_CASELESS, "abcdef" },
    { "(?i:ABC)", 0, "abc" },
    { "$abc^", 0, "abc" },
    /* alternation, empty branches, optional items */
    { "foo|bar", 0, "bar|foo" },
    { "foo|ba", 0, NONE },
    { "a|b|cde", 0, NONE },
    { "(abc|)", 0, NONE },
    { "(a|)bcd", 0, "bcd" },
    { "x(a|)yz", 0, "xayz|xyz" },
    { "(foo|bar)baz", 0, "barbaz|foobaz" },
    { "(abc)?def", 0, "def" },
    { "(?:abc)?", 0, NONE },
    { "(?:abc)*xy", 0, NONE },
    { "colou?r", 0, "color|colour" },
    { "e-?mail", 0, "e-mail|email" },
    { "(?:ab|cd)(?:ef|gh)", 0, "abef|abgh|cdef|cdgh" },
    { "((abc|def)(ghi)?)+", 0, "abc|def" },
    { "\\b(account|mailbox|e-?mail)\\b.{0,40}\\b(suspend(ed)?|locked)\\b", PCRE2_CASELESS, "locked|suspend" },
    { "\\b(enter|re-?enter|submit)\\b.{0,20}\\b(your )?(password|pin)\\b", PCRE2_CASELESS, "enter|submit" },
    /* quantifiers, lazy and possessive forms */
    { "(?:x)+", 0, NONE },
    { "(?:abc)+", 0, "abc" },
    { "(?:abc){2,5}", 0, "abc" },
    { "(?:abc){0,16}", 0, NONE },
    { "a.{0,16}bcdef", 0, "bcdef" },
    { "abcd{0,16}", 0, "abc" },
    { "abc+", 0, NONE },
    { "abcd+", 0, "abc" },
    { "abc*?def", 0, "def" },
    { "abc++def", 0, "def" },
    { "ab?+cdef", 0, "abcdef|acdef" },
    { "a{2}bcd", 0, "bcd" },
    { "a{,3}bcd", 0, NONE },        /* PCRE2 versions differ on {,m} */
    { "a{b", 0, NONE },
    { "x{1}abc", 0, "xabc" },
    { "abc??", 0, NONE },
    /* escapes */
    { "\\.exe$", PCRE2_CASELESS, ".exe" },
    { "a/b\\/c", 0, "a/b/c" },
    { "\\(\\)\\[\\]\\{\\}\\*\\+\\?\\|\\^\\$\\.", 0, "()[]{}*+?|^$." },
    { "\\d{3}-abc", 0, "-abc" },
    { "\\s+abc\\S\\w\\W", 0, "abc" },
    { "\\x{41}bcd", 0, "bcd" },
    { "\\x4bcd", 0, NONE },         /* \x4b is K: only "cd" is left */
    { "\\0123abc", 0, "abc" },
    { "\\cAabc", 0, "abc" },
    { "\\p{L}abc\\pL", 0, "abc" },
    { "\\N{U+41}bcd", 0, "bcd" },
    { "\\Qa.b*c\\E+", 0, "a.b*" },           /* the + applies to the c */
    { "x\\Qab\\E?c", 0, "xabc|xac" },
    { "\\Qa|b)\\E", 0, "a|b)" },
    { "a\\Q\\Ebcd", 0, "abcd" },
    { "xa\\E?bcd", 0, NONE },             /* the ? applies to the a: refused */
    { "xa\\Q\\E?bcd", 0, NONE },
    { "ab(?#q)?cd", 0, NONE },
    { "ab # c\n?cd", PCRE2_EXTENDED, "abcd|acd" },   /* a comment is transparent: b? */
    { "\\Qa.b*c\\E", 0, "a.b*c" },
    { "\\Qa.b*c", 0, "a.b*c" },
    { "\\tabc\\n", 0, "\tabc\n" },
    { "\\Kabc\\G\\A\\z\\Z", 0, "abc" },
    /* back references, lookarounds, groups */
    { "(abc)\\1", 0, "abc" },
    { "(?<n>abc)\\k<n>\\g{-1}\\g1", 0, "abc" },
    { "(?'n'abc)", 0, "abc" },
    { "(?P<n>abc)(?P=n)", 0, "abc" },
    { "(?=abc)def", 0, "def" },
    { "(?<!xyz)abc(?!d)", 0, "abc" },
    { "(?!abc)", 0, NONE },
    { "(?|abc|def)", 0, "abc|def" },
    { "(?>abc)", 0, "abc" },
    { "ab(?#comment)cd", 0, "abcd" },
    { "(?R)abc", 0, NONE },
    { "(abc)(?1)", 0, NONE },
    { "(?(1)abc|def)", 0, NONE },
    { "(*UTF)abc", 0, NONE },
    { "(?C1)abc", 0, NONE },
    { "(((((abc)))))", 0, "abc" },
    /* classes */
    { "[abc]def", 0, "adef|bdef|cdef" },
    { "[a-c]def", 0, "adef|bdef|cdef" },
    { "[a-z]def", 0, "def" },
    { "[^a]bcd", 0, "bcd" },
    { "[]a]bcd", 0, "]bcd|abcd" },
    { "[\\d\\-]abc", 0, "abc" },
    { "[-.]abc", 0, "-abc|.abc" },
    { "[\\n]abc", 0, "\nabc" },
    { "[[:alpha:]]abc", 0, NONE },  /* POSIX classes are left to PCRE2 */
    { "[Kk]ab", 0, "kab" },
    { "[abcd][abcd][abcd][abcd]xyz", 0, "axyz|bxyz|cxyz|dxyz" },
    /* extended mode */
    { "a b c d", PCRE2_EXTENDED, "abcd" },
    { "a b # comment xyz", PCRE2_EXTENDED, NONE },
    { "a b c # comment xyz", PCRE2_EXTENDED, "abc" },
    { "a\\ b c", PCRE2_EXTENDED, "a bc" },
    { "[ ]ab", PCRE2_EXTENDED, " ab" },
    { "abc d +", PCRE2_EXTENDED, "abc" },
    { "(?x) a b c", 0, NONE },
    { "abc(?^)d e", PCRE2_EXTENDED, NONE },
    { "a b c", PCRE2_EXTENDED_MORE | PCRE2_EXTENDED, NONE },
    /* case folding, Unicode, CJK */
    { "\xe2\x84\xaa" "elvin", PCRE2_CASELESS, "kelvin" },          /* KELVIN SIGN */
    { "KELVIN", 0, "kelvin" },
    { "\xc5\xbftop", PCRE2_CASELESS, "stop" },                    /* LATIN SMALL LETTER LONG S */
    { "\xce\xa3\xce\x91\xcf\x82", 0, "\xcf\x83\xce\xb1\xcf\x83" }, /* ΣΑς -> σασ */
    { "\xc3\x89t\xc3\xa9", PCRE2_CASELESS, "\xc3\xa9t\xc3\xa9" },  /* Été */
    { "\xc3\xa9", 0, NONE },                                      /* 2 bytes */
    { "\xe5\x87\xbd", 0, "\xe5\x87\xbd" },                        /* 函: one CJK character is enough */
    { "\xe5\xb8\xb3[\xe8\x99\x9f\xe6\x88\xb6]", 0, "\xe5\xb8\xb3\xe6\x88\xb6|\xe5\xb8\xb3\xe8\x99\x9f" },
    { "(\xe5\xb8\xb3\xe6\x88\xb6|\xe8\xb3\xac\xe6\x88\xb6).{0,10}(\xe6\x9a\xab\xe5\x81\x9c)", 0,
      "\xe6\x9a\xab\xe5\x81\x9c" },    /* (帳戶|賬戶).{0,10}(暫停): as long, and fewer */
    { "(\xe5\xb8\xb3\xe6\x88\xb6|\xe8\xb3\xac\xe6\x88\xb6).{0,10}(\xe6\x9a\xab\xe5\x81\x9c|\xe5\x87\x8d\xe7\xb5\x90)", 0,
      "\xe5\xb8\xb3\xe6\x88\xb6|\xe8\xb3\xac\xe6\x88\xb6" },    /* equal: the first */
    { "\\\xe5\x87\xbd", 0, "\xe5\x87\xbd" },                      /* an escaped non-ASCII character */
    /* which factor wins */
    { "email.{0,40}locked", 0, "locked" },
    { "(pin|password).{0,9}(enter|submit)", 0, "enter|submit" },
    { "abc.{0,9}(abd|abe)", 0, "abc" },
};

/* one_line - s with its newlines and tabs written as \n and \t, for a TAP line */
static char *one_line(const char *s)
{
    GString *out = g_string_new(NULL);

    for (; *s; s++) {
        if (*s == '\n' || *s == '\t')
            g_string_append(out, *s == '\n' ? "\\n" : "\\t");
        else
            g_string_append_c(out, *s);
    }
    return g_string_free(out, FALSE);
}

static void test_extraction(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *got = describe(lw_prefilter_literals(cases[i].pattern, cases[i].options));
        char *name = one_line(cases[i].pattern);

        if (cases[i].want)
            tap_check_str(got, cases[i].want, "/%s/ needs one of its literals", name);
        else
            tap_check(got == NULL, "/%s/ has no required literal (got %s)", name, got ? got : "none");
        g_free(name);
        g_free(got);
    }
}

static void check_fold(const char *in, size_t len, const char *want, size_t want_len, const char *what)
{
    size_t n;
    char *got = lw_fold(in, len, &n);

    tap_check(n == want_len && memcmp(got, want, n) == 0, "fold: %s", what);
    g_free(got);
}

static void test_fold(void)
{
    check_fold("AbC 123", 7, "abc 123", 7, "ASCII lowered");
    check_fold("\xe2\x84\xaa", 3, "k", 1, "Kelvin sign folds to k");
    check_fold("\xc5\xbf", 2, "s", 1, "long s folds to s");
    check_fold("\xcf\x82\xce\xa3", 4, "\xcf\x83\xcf\x83", 4, "final sigma and capital sigma fold to sigma");
    check_fold("\xe1\xba\x9e", 3, "\xc3\x9f", 2, "capital sharp s folds to sharp s");
    check_fold("\xcd\x85", 2, "\xce\xb9", 2, "combining ypogegrammeni folds to iota, as PCRE2 matches it");
    check_fold("\xe5\xaf\x86\xe7\xa2\xbc", 6, "\xe5\xaf\x86\xe7\xa2\xbc", 6, "CJK unchanged");
    check_fold("A\xff" "B\xe5\xaf", 5, "a\xff" "b\xe5\xaf", 5, "invalid UTF-8 bytes copied");
    check_fold("\xed\xa0\x80Z", 4, "\xed\xa0\x80z", 4, "a surrogate is invalid and copied");
    check_fold("A\0B", 3, "a\0b", 3, "NUL kept");
}

/* cased - a character GLib gives any case mapping or case property */
static int cased(gunichar c)
{
    return g_unichar_toupper(c) != c || g_unichar_tolower(c) != c || g_unichar_totitle(c) != c ||
           g_unichar_isupper(c) || g_unichar_islower(c) || g_unichar_istitle(c);
}

/*
 * test_fold_matches_pcre2 - every character PCRE2 (UTF, UCP, caseless)
 * matches for a cased character folds to the same string: the prefilter
 * never misses a literal that PCRE2's /i would match.
 */
static void test_fold_matches_pcre2(void)
{
    GString *subject = g_string_new(NULL);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    unsigned patterns = 0, matches = 0, bad = 0;

    /* every character but surrogates and the big caseless blocks (CJK, Hangul) */
    for (gunichar c = 1; c <= 0x1FFFF; c++)
        if ((c < 0xD800 || c > 0xDFFF) && (c < 0x3400 || c > 0x9FFF) && (c < 0xAC00 || c > 0xD7AF))
            g_string_append_unichar(subject, c);
    for (gunichar c = 1; c <= 0x1FFFF; c++) {
        char pat[32], buf[8];
        int errcode, n;
        PCRE2_SIZE erroff, start = 0, *ov;
        pcre2_code *re;
        size_t flen;
        char *want;

        if ((c >= 0xD800 && c <= 0xDFFF) || !cased(c))
            continue;
        g_snprintf(pat, sizeof(pat), "\\x{%x}", c);
        re = pcre2_compile((PCRE2_SPTR) pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS,
                           &errcode, &erroff, NULL);
        if (re == NULL)
            continue;
        (void) pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
        patterns++;
        n = g_unichar_to_utf8(c, buf);
        want = lw_fold(buf, n, &flen);
        while (pcre2_match(re, (PCRE2_SPTR) subject->str, subject->len, start, 0, md, NULL) > 0) {
            size_t glen;
            char *got;

            ov = pcre2_get_ovector_pointer(md);
            got = lw_fold(subject->str + ov[0], ov[1] - ov[0], &glen);
            matches++;
            if (glen != flen || memcmp(got, want, flen) != 0) {
                if (bad++ < 10)
                    printf("# U+%04X matches U+%04X caselessly but they fold differently\n", c,
                           g_utf8_get_char(subject->str + ov[0]));
            }
            g_free(got);
            start = ov[1];
        }
        g_free(want);
        pcre2_code_free(re);
    }
    tap_check(patterns > 2000, "%u cased characters tried", patterns);
    tap_check(matches > patterns, "%u caseless matches found", matches);
    tap_check_int(bad, ==, 0, "every caseless match folds like its pattern character");
    pcre2_match_data_free(md);
    g_string_free(subject, TRUE);
}

static void test_litset(void)
{
    struct lw_litset *ls = lw_litset_new(5);
    GPtrArray *a = g_ptr_array_new(), *b = g_ptr_array_new(), *c = g_ptr_array_new();
    guint8 hit[5];

    g_ptr_array_add(a, "account");
    g_ptr_array_add(a, "kelvin");
    g_ptr_array_add(b, "\xe5\xaf\x86\xe7\xa2\xbc");     /* 密碼 */
    g_ptr_array_add(b, "account");                      /* shared with id 0 */
    g_ptr_array_add(c, "acc");                          /* same prefix as "account" */
    lw_litset_add(ls, a, 0);
    lw_litset_add(ls, b, 2);
    lw_litset_add(ls, c, 3);
    lw_litset_compile(ls);

    memset(hit, 0, sizeof(hit));
    lw_litset_scan(ls, "Your ACCOUNT", 12, hit);
    tap_check(hit[0] && hit[2] && hit[3] && !hit[1] && !hit[4], "folded literal at the end of the text, shared by ids");
    memset(hit, 0, sizeof(hit));
    lw_litset_scan(ls, "ACC", 3, hit);
    tap_check(!hit[0] && !hit[2] && hit[3], "a text exactly as long as a literal");
    memset(hit, 0, sizeof(hit));
    lw_litset_scan(ls, "ac", 2, hit);
    tap_check(!hit[0] && !hit[2] && !hit[3], "a text shorter than any literal");
    memset(hit, 0, sizeof(hit));
    lw_litset_scan(ls, "\xff\xe2\x84\xaa" "ELVIN\xfe", 10, hit);
    tap_check(hit[0] && !hit[2] && !hit[3], "Kelvin sign in the text, invalid bytes around");
    memset(hit, 0, sizeof(hit));
    lw_litset_scan(ls, "x\xe5\xaf\x86\xe7\xa2\xbc\xe9\x81\x8e\xe6\x9c\x9f", 13, hit);
    tap_check(!hit[0] && hit[2] && !hit[3], "CJK literal");
    memset(hit, 0, sizeof(hit));
    lw_litset_scan(ls, "nothing here at all", 19, hit);
    tap_check(!hit[0] && !hit[1] && !hit[2] && !hit[3] && !hit[4], "no literal, no hit");
    lw_litset_free(ls);
    g_ptr_array_unref(a);
    g_ptr_array_unref(b);
    g_ptr_array_unref(c);
}

/* test_litset_many - many literals in few buckets still each found */
static void test_litset_many(void)
{
    struct lw_litset *ls = lw_litset_new(2000);
    GString *text = g_string_new(NULL);
    guint8 *hit = g_new0(guint8, 2000);
    unsigned found = 0;

    for (guint i = 0; i < 2000; i++) {
        GPtrArray *l = g_ptr_array_new_with_free_func(g_free);

        g_ptr_array_add(l, g_strdup_printf("w%uz", i));
        lw_litset_add(ls, l, i);
        g_ptr_array_unref(l);
        if (i % 2 == 0)
            g_string_append_printf(text, "W%uZ ", i);
    }
    lw_litset_compile(ls);
    lw_litset_scan(ls, text->str, text->len, hit);
    for (guint i = 0; i < 2000; i++)
        found += hit[i] == (i % 2 == 0);
    tap_check_int(found, ==, 2000, "2000 literals: the even ones found, the odd ones not");
    g_free(hit);
    g_string_free(text, TRUE);
    lw_litset_free(ls);
}

/* ---- random patterns: whenever PCRE2 matches, a required literal is in the text ---- */

static const char *const atoms[] = {
    "a", "b", "c", "ab", "K", "k", "\xe2\x84\xaa", "S", "\xc5\xbf", "\xe5\xb8\xb3", "\xe6\x88\xb6", ".", "\\w", "\\b",
    "[ab]", "[^a]", "[Kk\xe5\xb8\xb3]", "[a-c]", "\\.", "(?=a)", "(?!b)", "\\s", "-", "\\Qa.\\E", "\\x{61}",
    "abc", "kab", "\xe5\xb8\xb3\xe6\x88\xb6", "(?#c)", "\\Q\\E",
};
static const char *const quantifiers[] = { "", "", "", "", "?", "*", "+", "{0,2}", "{1,3}", "{2}", "??", "+?", "*+" };

static void random_pattern(GRand *rng, GString *p, int depth)
{
    int items = g_rand_int_range(rng, 1, 6);

    for (int i = 0; i < items; i++) {
        if (depth < 3 && g_rand_int_range(rng, 0, 5) == 0) {
            static const char *const opens[] = { "(", "(?:", "(?i:", "(?>" };
            int branches = g_rand_int_range(rng, 1, 4);

            g_string_append(p, opens[g_rand_int_range(rng, 0, G_N_ELEMENTS(opens))]);
            for (int b = 0; b < branches; b++) {
                if (b)
                    g_string_append_c(p, '|');
                if (g_rand_int_range(rng, 0, 6))
                    random_pattern(rng, p, depth + 1);
            }
            g_string_append_c(p, ')');
        } else {
            g_string_append(p, atoms[g_rand_int_range(rng, 0, G_N_ELEMENTS(atoms))]);
        }
        g_string_append(p, quantifiers[g_rand_int_range(rng, 0, G_N_ELEMENTS(quantifiers))]);
    }
    if (depth == 0 && g_rand_int_range(rng, 0, 4) == 0) {
        g_string_append_c(p, '|');
        random_pattern(rng, p, 1);
    }
}

static void random_subject(GRand *rng, GString *s)
{
    static const char *const pieces[] = { "a", "A", "b", "B", "c", "k", "K", "\xe2\x84\xaa", "s", "S", "\xc5\xbf",
                                          "\xe5\xb8\xb3", "\xe6\x88\xb6", " ", ".", "-", "\xff", "ab", "abc" };
    int n = g_rand_int_range(rng, 0, 14);

    g_string_truncate(s, 0);
    for (int i = 0; i < n; i++)
        g_string_append(s, pieces[g_rand_int_range(rng, 0, G_N_ELEMENTS(pieces))]);
}

static void test_random_patterns(void)
{
    GRand *rng = g_rand_new_with_seed(20261125);
    GString *p = g_string_new(NULL), *s = g_string_new(NULL);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    unsigned with_literals = 0, matched = 0, missed = 0;

    for (int i = 0; i < 3000; i++) {
        uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | (i % 2 ? PCRE2_CASELESS : 0);
        GPtrArray *lits;
        pcre2_code *re;
        int errcode;
        PCRE2_SIZE erroff;

        g_string_truncate(p, 0);
        random_pattern(rng, p, 0);
        re = pcre2_compile((PCRE2_SPTR) p->str, p->len, options, &errcode, &erroff, NULL);
        if (re == NULL)
            continue;
        if ((lits = lw_prefilter_literals(p->str, options)) != NULL) {
            struct lw_litset *ls = lw_litset_new(1);

            with_literals++;
            lw_litset_add(ls, lits, 0);
            lw_litset_compile(ls);
            for (int j = 0; j < 200; j++) {
                guint8 hit = 0;

                random_subject(rng, s);
                if (pcre2_match(re, (PCRE2_SPTR) s->str, s->len, 0, 0, md, NULL) < 0)
                    continue;
                matched++;
                lw_litset_scan(ls, s->str, s->len, &hit);
                if (!hit && missed++ < 5)
                    printf("# /%s/%s matches \"%s\" but the prefilter would skip it\n", p->str,
                           i % 2 ? "i" : "", s->str);
            }
            lw_litset_free(ls);
            g_ptr_array_unref(lits);
        }
        pcre2_code_free(re);
    }
    tap_check(with_literals > 300, "%u random patterns have required literals", with_literals);
    tap_check(matched > 1000, "%u matches of them", matched);
    tap_check_int(missed, ==, 0, "no match where the prefilter found no literal");
    pcre2_match_data_free(md);
    g_string_free(p, TRUE);
    g_string_free(s, TRUE);
    g_rand_free(rng);
}

int main(void)
{
    test_extraction();
    test_fold();
    test_fold_matches_pcre2();
    test_litset();
    test_litset_many();
    test_random_patterns();
    return tap_done();
}
