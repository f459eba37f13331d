/*
 * lookalike.c - analyzer: domains and words built to look like someone else's
 *
 * DESCRIPTION
 *     Every host name the message shows or uses (From, Sender, Reply-To,
 *     Return-Path, the Message-ID domain and every link host from url.c) is
 *     tested with lw_identity_lookalike() against the protected domains and
 *     the brands file:
 *
 *     LW_LOOKALIKE_CONFUSABLE   same ICU skeleton as a real domain (paypa1,
 *                               Cyrillic а in apple), after lowercase+NFKC
 *     LW_LOOKALIKE_TYPO         one edit or transposition from a real label
 *                               of 6+ letters (two from 9+): micorsoft;
 *                               not a site a loaded warninglist knows
 *                               (swagbucks.com is two letters from
 *                               starbucks.com and someone's own site: a
 *                               typosquat is new, not among the most
 *                               visited sites)
 *     LW_LOOKALIKE_COMBO        a brand or organization name plus other
 *                               words: paypal-secure-login.com, gov-tw-tax.com;
 *                               or a protected domain written as one name,
 *                               alone too: gov-tw.net, govtw.com (the
 *                               organization's own names keep their dots)
 *     LW_LOOKALIKE_SUBDOMAIN    a real domain as subdomain: www.gov.tw.evil.net
 *     LW_LOOKALIKE_FREEHOST     a brand name on a free hosting site
 *     LW_LOOKALIKE_MIXED_SCRIPT a label mixing scripts (ICU restriction level)
 *     LW_LOOKALIKE_PUNYCODE     an internationalized (xn--) sender or link
 *                               host outside the organization, weak alone
 *
 *     Text built to dodge filters while looking normal to a reader:
 *     LW_TEXT_MIXED_SCRIPT      a word in the subject or display name mixing
 *                               Latin with look-alike letters of another
 *                               script (Cyrillic, Greek, Armenian, Cherokee)
 *                               that ICU rejects, or that reads as all Latin
 *     LW_TEXT_MIXED_SCRIPT_BODY the same inside words of the body text
 *                               ("Gоod аfternoоn", Cyrillic о and а): lure
 *                               words spelled so that no keyword matches
 *                               (the rules read them whole: lw_text_read)
 *     LW_TEXT_FANCY_LETTERS     mathematical, enclosed or full-width letters
 *                               in the subject, display name or address
 *                               (𝐏𝐚𝐲𝐏𝐚𝐥, team@𝗹𝗶𝗱𝗹-𝗴𝗲𝗿𝗺𝗮𝗻𝘆.𝗱𝗲)
 *     LW_TEXT_INVISIBLE_CHARS   zero-width or other invisible characters
 *                               (lw_is_invisible: Default_Ignorable_Code_Point)
 *                               between letters of the subject, display name
 *                               or body text (A\u200bTENÇÃO): invisible to the
 *                               reader, they break every keyword filter;
 *                               so do marks on Latin letters that compose
 *                               with nothing, and marks of another script
 *                               than the letter's (lw_is_stray_mark);
 *                               variation selectors after Latin letters
 *                               (Mi\U000E0139crosoft) count too, as they change
 *                               nothing a reader sees
 *
 *     LW_TEXT_ACCENTED_LURE     English lure words written with accents no
 *                               English word has ("Ýour wállet re-válidation",
 *                               "pảyment"): two different such words in the
 *                               subject or text; still readable, but no
 *                               keyword filter matches them
 *
 *     Each rule hits once per message; the evidence lists up to three hosts
 *     with where each was seen and what it imitates. Hits carry domain
 *     indicators: a link host as the lure, a header host as the sender.
 */
#include "config.h"

#include <string.h>

#include "analyzer.h"
#include "cache/key.h"
#include "identity.h"
#include "indicators/warninglist.h"
#include "model/url.h"
#include "util/unicode.h"

#define A "lookalike"
#define MAX_EVIDENCE 3

struct rule_info {
    const char *rule;
    double score;
    const char *desc;
};

static const struct rule_info rules[] = {
    { "LW_LOOKALIKE_CONFUSABLE", 6.0, "A domain spelled with look-alike characters imitates a protected domain or brand" },
    { "LW_LOOKALIKE_TYPO", 4.0, "A domain one or two letters away from a protected domain or brand (typosquatting)" },
    { "LW_LOOKALIKE_COMBO", 3.0, "A domain combines a brand or organization name with other words (combosquatting)" },
    { "LW_LOOKALIKE_SUBDOMAIN", 4.0, "A real domain name is used as a subdomain of an unrelated domain" },
    { "LW_LOOKALIKE_FREEHOST", 4.0, "A brand or organization name appears in a site on a free hosting service" },
    { "LW_LOOKALIKE_MIXED_SCRIPT", 4.0, "A domain name mixes letters of several scripts, a homograph trick" },
    { "LW_LOOKALIKE_PUNYCODE", 1.0, "An internationalized (punycode) domain from outside the organization" },
};

/* One hit being assembled: count and evidence for a rule. */
struct pending {
    int count;
    GString *evidence;
    GPtrArray *hosts;               /* of struct lw_indicator: the host and its role */
};

struct scan {
    const struct lw_identity *id;
    const struct lw_warninglists *wl;
    struct pending p[G_N_ELEMENTS(rules)];
    GHashTable *seen;               /* hosts already tested */
};

/* rule_index - index of a rule id in rules[] (0 if unknown) */
static size_t rule_index(const char *rule)
{
    for (size_t i = 0; i < G_N_ELEMENTS(rules); i++)
        if (strcmp(rules[i].rule, rule) == 0)
            return i;
    return 0;
}

/* note - count one host for rule r and keep it as evidence (up to MAX_EVIDENCE) */
static void note(struct scan *s, size_t r, const char *host, const char *where, const char *what)
{
    struct pending *p = &s->p[r];

    if (p->count++ < MAX_EVIDENCE) {
        g_string_append_printf(p->evidence, "%s%s %s%s%s", p->evidence->len ? "; " : "", where, host,
                               what ? " imitates " : "", what ? what : "");
        /* a link host is where the text sends the reader; a header host is the sender's */
        g_ptr_array_add(p->hosts, lw_indicator_new_role(LW_IOC_DOMAIN, host, strcmp(where, "link") == 0
                                                        ? LW_ROLE_LURE : LW_ROLE_SENDER));
    }
}

/*
 * known_site - is the host's registrable domain on a loaded warninglist?
 * Not when it lies in a platform's customer namespace (google-mail.sytes.net):
 * the platform being known says nothing about the name a customer chose.
 */
static int known_site(const struct scan *s, const char *host)
{
    char *reg = s->wl ? lw_url_registrable(host, NULL) : NULL;
    int known = reg && !lw_url_customer_domain(reg) && lw_warninglists_match(s->wl, LW_IOC_DOMAIN, reg) != NULL;

    g_free(reg);
    return known;
}

/* test_host - run the lookalike tests on one host, once per message */
static void test_host(struct scan *s, const char *host, const char *where)
{
    struct lw_lookalike la;
    int is_link = strcmp(where, "link") == 0;

    if (host == NULL || *host == '\0' || g_hash_table_contains(s->seen, host))
        return;
    g_hash_table_add(s->seen, g_strdup(host));
    if (lw_identity_lookalike(s->id, host, is_link, &la)) {
        if (!(strcmp(la.rule, "LW_LOOKALIKE_TYPO") == 0 && known_site(s, host)))
            note(s, rule_index(la.rule), host, where, la.target);
        g_free(la.target);
    } else if ((strstr(host, "xn--") || !g_str_is_ascii(host)) && !lw_identity_is_protected(s->id, host)) {
        note(s, rule_index("LW_LOOKALIKE_PUNYCODE"), host, where, NULL);
    }
}

/* msgid_domain - the part after the last @ of a Message-ID, or NULL */
static const char *msgid_domain(const char *mid)
{
    const char *at = mid ? strrchr(mid, '@') : NULL;

    return at ? at + 1 : NULL;
}

/* is_fancy - letters that NFKC folds to plain Latin: math alphanumerics, enclosed, full-width */
static int is_fancy(gunichar c)
{
    return (c >= 0x1d400 && c <= 0x1d7ff) || (c >= 0x24b6 && c <= 0x24e9)
        || (c >= 0x1f130 && c <= 0x1f189) || (c >= 0xff21 && c <= 0xff5a);
}

/* is_variation_selector - U+FE00..FE0F and U+E0100..E01EF */
static int is_variation_selector(gunichar c)
{
    return (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0xe0100 && c <= 0xe01ef);
}

/* is_ideograph - a CJK unified ideograph of the basic block: a letter of the Han script */
static int is_ideograph(gunichar c)
{
    return c >= 0x4e00 && c <= 0x9fff;
}

/*
 * is_padding - a character that shows nothing between two letters: an
 * invisible one (lw_is_invisible, util/unicode.c), a variation selector only
 * after a Latin letter (after an emoji or a CJK ideograph a selector picks
 * a glyph and is legitimate), or a stray mark on a Latin letter. ASCII and
 * the CJK ideographs, most of the text read, are none of these.
 */
static int is_padding(gunichar prev, gunichar c)
{
    if (c < 0x80 || is_ideograph(c))
        return 0;
    if (is_variation_selector(c))
        return g_unichar_get_script(prev) == G_UNICODE_SCRIPT_LATIN;
    return lw_is_invisible(c) || lw_is_stray_mark(prev, c);
}

/* is_homoglyph_script - scripts whose letters pass for Latin ones (as lw_text_read folds them) */
static int is_homoglyph_script(GUnicodeScript sc)
{
    return sc == G_UNICODE_SCRIPT_CYRILLIC || sc == G_UNICODE_SCRIPT_GREEK || sc == G_UNICODE_SCRIPT_ARMENIAN
           || sc == G_UNICODE_SCRIPT_CHEROKEE;
}

/* What a word is made of, as next_word reports it. */
#define W_LATIN     1u      /* a Latin letter */
#define W_HOMOGLYPH 2u      /* a Cyrillic, Greek, Armenian or Cherokee letter */
#define W_NONASCII  4u      /* a character outside ASCII (accents included) */
#define W_OTHER     8u      /* a letter of a script other than Latin */

/*
 * next_word - the next run of letters and marks at or after *p: its start,
 * length and W_ flags; *p moves past it. 0 when text has no more words.
 * The ideographs of a Chinese text, most of its characters, are known
 * letters of another script without asking GLib.
 */
static int next_word(const char **p, const char **start, size_t *len, unsigned *flags)
{
    const char *s = *p;

    while (*s && ((guchar) *s < 0x80 ? !g_ascii_isalpha(*s)
                  : !g_unichar_isalpha(g_utf8_get_char(s)) && !g_unichar_ismark(g_utf8_get_char(s))))
        s = g_utf8_next_char(s);
    *start = s;
    *flags = 0;
    for (; *s; s = g_utf8_next_char(s)) {
        gunichar c = g_utf8_get_char(s);
        int alpha;
        GUnicodeScript sc;

        if (c < 0x80) {         /* most letters read: no lookup in Unicode's tables */
            if (!g_ascii_isalpha(c))
                break;
            *flags |= W_LATIN;
            continue;
        }
        if (is_ideograph(c)) {
            *flags |= W_NONASCII | W_OTHER;
            continue;
        }
        alpha = g_unichar_isalpha(c);
        if (!alpha && !g_unichar_ismark(c))
            break;
        sc = g_unichar_get_script(c);
        *flags |= (sc == G_UNICODE_SCRIPT_LATIN ? W_LATIN : 0) | (is_homoglyph_script(sc) ? W_HOMOGLYPH : 0)
                  | (c >= 0x80 ? W_NONASCII : 0) | (alpha && sc != G_UNICODE_SCRIPT_LATIN ? W_OTHER : 0);
    }
    *len = (size_t) (s - *start);
    *p = s;
    return *len > 0;
}

/*
 * next_nonascii_word - next_word, passing over the words made only of
 * ASCII: the body tricks need a letter outside ASCII, so the walk jumps to
 * the next byte outside ASCII and reads the word that holds it (its ASCII
 * letters before it included). *p only ever stands between two words.
 */
static int next_nonascii_word(const char **p, const char **start, size_t *len, unsigned *flags)
{
    for (;;) {
        const char *q = *p, *w;

        while (*q && (guchar) *q < 0x80)
            q++;
        if (*q == '\0')
            return 0;
        for (w = q; w > *p && g_ascii_isalpha(w[-1]); w--)
            ;
        *p = w;
        if (!next_word(p, start, len, flags))
            return 0;
        if (*flags & W_NONASCII)
            return 1;           /* else the byte was no letter, and an ASCII word followed it */
    }
}

/*
 * reads_as_latin - does word, read as lw_text_read reads it, become plain
 * ASCII: every letter of another script in it passes for a Latin one
 * ("yօur", Armenian օ, which ICU's moderately restrictive level allows)?
 */
static int reads_as_latin(const char *word)
{
    char *read = lw_text_read(word);
    int yes = strcmp(read, word) != 0;

    for (const char *p = read; yes && *p; p++)
        yes = (guchar) *p < 0x80;
    g_free(read);
    return yes;
}

/*
 * mixed_word - the word, if it mixes Latin with look-alike letters of
 * another script and ICU rejects it or it reads as all Latin (g_free),
 * or NULL
 */
static char *mixed_word(const struct lw_identity *id, const char *w, size_t n, unsigned flags)
{
    char *word;

    if ((flags & (W_LATIN | W_HOMOGLYPH)) != (W_LATIN | W_HOMOGLYPH))
        return NULL;
    word = g_strndup(w, n);
    if (lw_identity_mixed_script(id, word) || reads_as_latin(word))
        return word;
    g_free(word);
    return NULL;
}

/* mixed_word_in - the first word of text that mixed_word() returns, or NULL */
static char *mixed_word_in(const struct lw_identity *id, const char *text)
{
    const char *p = text, *w;
    size_t n;
    unsigned flags;
    char *word = NULL;

    while (word == NULL && next_word(&p, &w, &n, &flags))
        word = mixed_word(id, w, n, flags);
    return word;
}

/* text_tricks - mixed-script words and fancy letters in a short header text */
static void text_tricks(const struct lw_identity *id, const char *text, const char *where,
                        int *mixed, int *fancy, GString *ev_mixed, GString *ev_fancy)
{
    char *word;

    if (text == NULL)
        return;
    for (const char *p = text; *p && !*fancy; p = g_utf8_next_char(p)) {
        if (is_fancy(g_utf8_get_char(p))) {
            *fancy = 1;
            g_string_append_printf(ev_fancy, "%s: %.60s", where, text);
        }
    }
    if (!*mixed && (word = mixed_word_in(id, text)) != NULL) {
        *mixed = 1;
        g_string_append_printf(ev_mixed, "%s: %s", where, word);
        g_free(word);
    }
}

/*
 * English words that lures are made of. A word of the text that is one of
 * these once its accents are stripped, but was written with accents, was
 * accented to dodge filters: no language writes them that way. Words that
 * other Latin-script languages spell with accents stay out ("bônus").
 */
static const char *const lure_words[] = {
    "access", "account", "bank", "card", "claim", "click", "confirm", "customer", "delivery",
    "email", "expired", "gift", "immediately", "invoice", "locked", "login", "mailbox", "order",
    "package", "password", "payment", "please", "prize", "refund", "reward", "secure", "security",
    "storage", "support", "suspended", "unlock", "update", "urgent", "validate", "validation",
    "verification", "verify", "wallet", "winner", "your",
};

/* unaccented_lure_word - the lure word that word is once its accents are stripped, or NULL */
static const char *unaccented_lure_word(const char *word, size_t len)
{
    char *nfd = g_utf8_normalize(word, (gssize) len, G_NORMALIZE_NFD);
    GString *plain = g_string_new(NULL);
    const char *found = NULL;

    for (const char *p = nfd; p && *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        if (g_unichar_ismark(c))
            continue;
        if (c >= 0x80)
            goto out;
        g_string_append_c(plain, g_ascii_tolower((char) c));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(lure_words) && !found; i++)
        if (strcmp(plain->str, lure_words[i]) == 0)
            found = lure_words[i];
out:
    g_free(nfd);
    g_string_free(plain, TRUE);
    return found;
}

/* Lure words of Chinese mail, found inside a run of ideographs (no spaces there). */
static const char *const han_lure_words[] = {
    "密碼", "密码", "帳號", "账号", "帳戶", "账户", "驗證", "验证", "登入", "登錄", "登录",
    "郵箱", "邮箱", "信箱", "付款", "發票", "发票", "停用", "過期", "过期", "凍結", "冻结",
};

/* names_lure - is the word (lowercase, invisible characters removed) a lure word or a brand's name? */
static int names_lure(const struct lw_identity *id, const char *word)
{
    const struct lw_brand *b;

    for (size_t i = 0; i < G_N_ELEMENTS(lure_words); i++)
        if (strcmp(word, lure_words[i]) == 0)
            return 1;
    for (size_t i = 0; i < G_N_ELEMENTS(han_lure_words); i++)
        if (strstr(word, han_lure_words[i]))
            return 1;
    return lw_identity_brand_in(id, word, &b) != NULL;
}

/* What breakage() found in a text. */
struct breakage {
    int words;                  /* words of letters */
    int broken;                 /* words an invisible character stands inside */
    int lure;                   /* a broken word is a lure word or a brand's name (looked up with an identity only) */
};

/* is_letter - a letter a word is made of (ASCII, a CJK ideograph, any alphabetic) */
static int is_letter(gunichar c)
{
    return c < 0x80 ? g_ascii_isalpha(c) : is_ideograph(c) || g_unichar_isalpha(c);
}

/*
 * broken_word_lure - does the word [start, end) that invisible characters
 * broke name a lure or a brand? Its letters are read again without the
 * padding (prev: the character before start), lowercased. Only broken words
 * are copied: most words are whole, and copying every word of every text
 * cost more than all the rest of breakage().
 */
static int broken_word_lure(const struct lw_identity *id, const char *start, const char *end, gunichar prev)
{
    GString *word = g_string_sized_new((gsize) (end - start));
    int lure;

    for (const char *p = start; p < end; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        if (is_padding(prev, c))
            continue;
        if (c < 0x80)
            g_string_append_c(word, g_ascii_tolower((gchar) c));
        else if (is_ideograph(c))
            g_string_append_len(word, p, 3);    /* caseless, and 3 bytes of UTF-8 */
        else
            g_string_append_unichar(word, g_unichar_tolower(c));
        prev = c;
    }
    lure = names_lure(id, word->str);
    g_string_free(word, TRUE);
    return lure;
}

/*
 * breakage - the words of text that invisible characters break: an
 * invisible character between two letters (is_padding). With an identity,
 * stops at the first broken word that names a lure or a brand. Every
 * padding character is outside ASCII, so an ASCII text (most English
 * bodies) has no broken word and its words are not counted.
 */
static void breakage(const struct lw_identity *id, const char *text, struct breakage *b)
{
    const char *start = NULL;   /* the word being read */
    gunichar prev = 0, before = 0;  /* before: the character before start */
    int pending = 0, broken = 0;

    memset(b, 0, sizeof(*b));
    if (text == NULL || g_str_is_ascii(text))
        return;
    for (const char *p = text; p && !b->lure; p = *p ? g_utf8_next_char(p) : NULL) {
        gunichar c = g_utf8_get_char(p);

        if (*p && is_padding(prev, c)) {
            pending = g_unichar_isalpha(prev);
            continue;
        }
        if (*p && is_letter(c)) {
            broken |= pending;
            if (start == NULL) {
                start = p;
                before = prev;
            }
        } else if (start != NULL) {
            b->words++;
            b->broken += broken;
            b->lure = broken && id && broken_word_lure(id, start, p, before);
            start = NULL;
            broken = 0;
        }
        pending = 0;
        prev = c;
    }
}

/* invisible_inside - an invisible character inside a word of text */
static int invisible_inside(const char *text)
{
    struct breakage b;

    breakage(NULL, text, &b);
    return b.broken > 0;
}

/*
 * Words a text must have broken, in number and as a share of its words, for
 * the breaking itself to be the trick: a kit sprinkles invisible characters
 * through the whole text so that no keyword or fuzzy hash matches it.
 */
#define SPRINKLED_MIN       10
#define SPRINKLED_PER_100   3

/*
 * hides_lure - is the text's breaking of words by invisible characters a
 * keyword evasion: a lure word or a brand name broken ("pass<ZWSP>word",
 * "Pay<U+2064>Pal"), or words broken throughout the text? Newsletters break
 * a few other words for another reason: a zero-width character inside a
 * date, a street address or a printed web address keeps the reader's mail
 * client from turning it into a link ("Dec<BOM>ember 24",
 * "Wolfe<BOM>rmans.com"), and a pasted document leaves stray ones; Persian
 * and Indic scripts need ZWNJ inside words. The subject and the display name
 * are short and typed for the occasion: any broken word counts there.
 */
static int hides_lure(const struct lw_identity *id, const char *text)
{
    struct breakage b;

    breakage(id, text, &b);
    return b.lure || (b.broken >= SPRINKLED_MIN && b.broken * 100 >= b.words * SPRINKLED_PER_100);
}

/*
 * add_lure - note the word if it is an accented lure word (seen: lure word
 * -> word as written). A word with a letter of another script is none: no
 * such letter decomposes to ASCII (checked over all of Unicode), and a run
 * of Chinese ideographs is one long word that NFD would copy for nothing.
 */
static void add_lure(GHashTable *seen, const char *w, size_t n, unsigned flags)
{
    const char *lure;

    if ((flags & (W_NONASCII | W_OTHER)) == W_NONASCII && (lure = unaccented_lure_word(w, n)) != NULL
        && !g_hash_table_contains(seen, lure))
        g_hash_table_insert(seen, (gpointer) lure, g_strndup(w, n));
}

/*
 * check_body_words - one pass over the words of each body text for both
 * body tricks: a word mixing Latin with look-alike letters of another
 * script (the first one found), and accented lure words (added to lures,
 * which already holds the subject's). Stops once both are settled.
 */
static void check_body_words(const struct lw_identity *id, const struct lw_message *msg,
                             GHashTable *lures, struct lw_verdict *v)
{
    char *mixed = NULL, *ev;

    for (guint i = 0; i < msg->texts->len && (!mixed || g_hash_table_size(lures) < 2); i++) {
        const struct lw_text *t = g_ptr_array_index(msg->texts, i);
        const char *p = t->text, *w;
        size_t n;
        unsigned flags;

        while (p && (!mixed || g_hash_table_size(lures) < 2) && next_nonascii_word(&p, &w, &n, &flags)) {
            if (!mixed && (mixed = mixed_word(id, w, n, flags)) != NULL) {
                ev = g_strdup_printf("body part %s: %.60s", t->path, mixed);
                lw_verdict_add_hit(v, A, "LW_TEXT_MIXED_SCRIPT_BODY", 3.0,
                                   "A word of the text mixes Latin with look-alike letters of another script (Cyrillic, Greek, Armenian, Cherokee) to dodge filters",
                                   ev);
                g_free(ev);
            }
            if (g_hash_table_size(lures) < 2)
                add_lure(lures, w, n, flags);
        }
    }
    g_free(mixed);
}

/* report_lures - two or more lure words disguised with accents in the subject or text */
static void report_lures(GHashTable *lures, struct lw_verdict *v)
{
    GList *words;
    GString *ev;

    if (g_hash_table_size(lures) < 2)
        return;
    words = g_hash_table_get_values(lures);
    ev = g_string_new(NULL);
    for (GList *w = words; w; w = w->next)
        g_string_append_printf(ev, "%s%s", ev->len ? ", " : "", (const char *) w->data);
    lw_verdict_add_hit(v, A, "LW_TEXT_ACCENTED_LURE", 3.0,
                       "English lure words are written with accents no English word has, to dodge filters",
                       ev->str);
    g_string_free(ev, TRUE);
    g_list_free(words);
}

/* check_words - the word tricks of the subject and the body texts */
static void check_words(const struct lw_identity *id, const struct lw_message *msg, struct lw_verdict *v)
{
    GHashTable *lures = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    const char *p = msg->subject, *w;
    size_t n;
    unsigned flags;

    while (p && next_word(&p, &w, &n, &flags))
        add_lure(lures, w, n, flags);
    check_body_words(id, msg, lures, v);
    report_lures(lures, v);
    g_hash_table_unref(lures);
}

/* check_text - mixed scripts, fancy letters and invisible characters in short texts and the body */
static void check_text(const struct lw_identity *id, const struct lw_message *msg, struct lw_verdict *v)
{
    int mixed = 0, fancy = 0;
    GString *em = g_string_new(NULL), *ef = g_string_new(NULL);

    text_tricks(id, msg->subject, "Subject", &mixed, &fancy, em, ef);
    if (msg->from) {
        text_tricks(id, msg->from->name, "From name", &mixed, &fancy, em, ef);
        text_tricks(id, msg->from->addr, "From address", &mixed, &fancy, em, ef);
    }
    if (mixed)
        lw_verdict_add_hit(v, A, "LW_TEXT_MIXED_SCRIPT", 3.0,
                           "A word mixes Latin with look-alike letters of another script (Cyrillic, Greek, Armenian, Cherokee) to dodge filters",
                           em->str);
    if (invisible_inside(msg->subject) || (msg->from && invisible_inside(msg->from->name))) {
        lw_verdict_add_hit(v, A, "LW_TEXT_INVISIBLE_CHARS", 3.0,
                           "Invisible characters inside words of the subject or sender name break keyword filters",
                           "Subject or From name");
    } else {
        for (guint i = 0; i < msg->texts->len; i++) {
            const struct lw_text *t = g_ptr_array_index(msg->texts, i);

            if (hides_lure(id, t->text)) {
                char *ev = g_strdup_printf("body part %s", t->path);

                lw_verdict_add_hit(v, A, "LW_TEXT_INVISIBLE_CHARS", 3.0,
                                   "Invisible characters break a lure word or a brand name of the text, to dodge keyword filters", ev);
                g_free(ev);
                break;
            }
        }
    }
    if (fancy)
        lw_verdict_add_hit(v, A, "LW_TEXT_FANCY_LETTERS", 3.0,
                           "Subject or sender written in decorative Unicode letters to dodge filters",
                           ef->str);
    g_string_free(em, TRUE);
    g_string_free(ef, TRUE);
}

/*
 * la_init - the state is what the engine loaded for all analyzers, borrowed:
 * the identity, and the warninglists that tell a typosquat from a known site
 */
static int la_init(const struct lw_config *cfg, const struct lw_shared *shared, const void *previous,
                   void **state, struct lw_error *err)
{
    *state = (void *) shared;
    return 0;
}

/* la_scan - test every host the message names, then its short texts */
static int la_scan(const void *state, const struct lw_message *msg, struct lw_cache_session *cache,
                   struct lw_verdict *v, struct lw_error *err)
{
    const struct lw_shared *st = state;
    struct scan s = { st->id, st->wl, { { 0, NULL, NULL } }, NULL };

    s.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (size_t r = 0; r < G_N_ELEMENTS(rules); r++) {
        s.p[r].evidence = g_string_new(NULL);
        s.p[r].hosts = g_ptr_array_new_with_free_func((GDestroyNotify) lw_indicator_free);
    }
    test_host(&s, msg->from ? msg->from->domain : NULL, "From");
    test_host(&s, msg->sender ? msg->sender->domain : NULL, "Sender");
    test_host(&s, msg->reply_to ? msg->reply_to->domain : NULL, "Reply-To");
    test_host(&s, msg->return_path ? msg->return_path->domain : NULL, "Return-Path");
    test_host(&s, msgid_domain(msg->message_id), "Message-ID");
    for (guint i = 0; msg->urls && i < msg->urls->len; i++)
        test_host(&s, ((const struct lw_url *) g_ptr_array_index(msg->urls, i))->host, "link");
    for (size_t r = 0; r < G_N_ELEMENTS(rules); r++) {
        if (s.p[r].count > 0) {
            struct lw_hit *hit;

            if (s.p[r].count > MAX_EVIDENCE)
                g_string_append_printf(s.p[r].evidence, " (+%d more)", s.p[r].count - MAX_EVIDENCE);
            hit = lw_verdict_add_hit(v, A, rules[r].rule, rules[r].score, rules[r].desc, s.p[r].evidence->str);
            for (guint j = 0; j < s.p[r].hosts->len; j++) {
                const struct lw_indicator *h = g_ptr_array_index(s.p[r].hosts, j);

                lw_hit_add_indicator(v, hit, h->role, h->type, h->value);
            }
        }
        g_string_free(s.p[r].evidence, TRUE);
        g_ptr_array_unref(s.p[r].hosts);
    }
    g_hash_table_unref(s.seen);
    check_text(st->id, msg, v);
    check_words(st->id, msg, v);
    return 0;
}

/* la_key - of the fields the cache key leaves out, the Return-Path and Message-ID domains are tested */
static int la_key(const void *state, const struct lw_message *msg, GString *out)
{
    (void) state;
    lw_key_add(out, "lookalike.return-path", msg->return_path ? msg->return_path->domain : NULL);
    lw_key_add(out, "lookalike.message-id", msgid_domain(msg->message_id));
    return 0;
}

const struct lw_analyzer lw_analyzer_lookalike = {
    .name = A,
    .key = la_key,
    .init = la_init,
    .scan = la_scan,
};
