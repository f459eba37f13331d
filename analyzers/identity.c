/*
 * identity.c - protected identities, brands and abused services, and lookalike tests
 *
 * DESCRIPTION
 *     An lw_identity is built once per analyzer at engine start-up from the
 *     configuration (protected_domains, protected_names, vip_names) and the
 *     brands file (brands_file, format in contrib/brands.txt), and is then
 *     only read, by any number of threads. It answers the questions the
 *     social-engineering analyzers ask: is this host ours, or a brand's own;
 *     is it a free-mail, shortener, free-hosting, file-sharing or form
 *     service; does a display name carry a protected or brand name; does a
 *     host imitate a protected domain or brand (lw_identity_lookalike).
 *
 *     Host names are compared in Unicode form, lowercased and NFKC-folded
 *     (GLib IDN), registrable domains come from libpsl's built-in list
 *     (private suffixes included, so foo.github.io is its own site) and
 *     confusable characters are judged by ICU skeletons (uspoof), always
 *     comparing a skeleton with a skeleton.
 *
 * LIMITS
 *     Edit distance is only used on labels of 6 or more characters (1 edit;
 *     2 edits from 9 characters): shorter brand labels have too many honest
 *     neighbours (apple/apply). Skeletons catch the short ones.
 *
 * SECURITY
 *     Every input string is attacker-controlled; nothing here keeps a
 *     pointer into it, and work is bounded by label length (MAX_LABEL).
 */
#include "config.h"

#include <string.h>
#include <libpsl.h>
#include <unicode/uspoof.h>
#include <unicode/utrans.h>

#include "identity.h"
#include "prefilter.h"
#include "model/message.h"
#include "util/digest.h"
#include "util/unicode.h"

#define MAX_LABEL 63
#define SKEL_MAX 512

struct target {
    char *label;            /* registrable label of a real domain: "paypal" */
    gunichar *chars;        /* its code points, for the edit distance */
    glong len;              /* how many */
    char *skeleton;         /* its ICU skeleton */
    char *owner;            /* the real domain, for evidence */
};

/*
 * Names found however they are spelled (spelled_in): by their compact
 * form (spellings_add), the longest one's length in bytes.
 */
struct spellings {
    GHashTable *names;      /* compact form -> value */
    gsize longest;
};

struct lw_identity {
    const psl_ctx_t *psl;           /* libpsl built-in list: static, not freed */
    USpoofChecker *spoof;
    char **protected_domains;       /* folded; "*.x" kept as ".x" */
    char **protected_names;         /* folded */
    char **vip_names;               /* folded */
    GPtrArray *brands;              /* struct lw_brand */
    GHashTable *brand_domains;      /* domain -> struct lw_brand* (borrowed) */
    int brand_labels;               /* the most labels a brand domain has */
    GHashTable *kinds;              /* domain -> GUINT_TO_POINTER(LW_KIND_*) */
    GPtrArray *targets;             /* struct target */
    GPtrArray *keywords;            /* char*: brand keywords, protected labels */
    GPtrArray *zone_names;          /* struct zone_name: protected domains spelled as one label */
    struct lw_litset *brand_names;  /* every brand's names of 3 bytes or more, by brand index */
    guint8 *brand_always;           /* per brand: it has a shorter name, so it is always tried */
    struct spellings brands_spelled;        /* brand names -> brand index + 1 */
    struct spellings protected_spelled;     /* protected_names -> the folded name */
    struct spellings vips_spelled;          /* vip_names -> the folded name */
    UTransliterator *to_simplified;         /* Han characters, Traditional to Simplified */
    GMutex *translit_lock;                  /* a transliterator is used by one thread at a time; a
                                               pointer, so lookups on a const identity can take it */
    char *brands_sha256;            /* of the brands file as loaded; NULL without one */
};

/* fold - casefold + NFKC, invisible characters removed, spaces collapsed; disguised words read whole if asked (g_free) */
static char *fold(const char *s, int undisguise)
{
    gchar *valid = g_utf8_make_valid(s ? s : "", -1);
    char *norm = undisguise ? lw_text_read(valid) : lw_text_normalize(valid);
    char *low = g_utf8_strdown(norm, -1);

    g_free(valid);
    g_free(norm);
    return low;
}

/*
 * lw_identity_fold - a name, subject or other text as the reader reads it:
 * casefold + NFKC, invisible characters removed, spaces collapsed, and
 * words disguised with look-alike letters or spelt apart read whole
 * ("P а y P а l", Cyrillic а, names PayPal) (g_free)
 */
char *lw_identity_fold(const char *s)
{
    return fold(s, 1);
}

/*
 * fold_unaccented - lw_identity_fold without the accents of Latin letters
 * (g_free): brand names are matched so, because "PayPȧl" (a dot above the
 * a) names PayPal to every reader. Other scripts keep their marks.
 */
static char *fold_unaccented(const char *s)
{
    char *folded = lw_identity_fold(s), *plain = lw_text_unaccented(folded);

    if (plain == NULL)
        return folded;
    g_free(folded);
    return plain;
}

GRegex *lw_regex_once(GRegex **slot, const char *pattern, GRegexCompileFlags flags)
{
    if (g_once_init_enter(slot)) {
        GError *error = NULL;
        GRegex *re = g_regex_new(pattern, flags, 0, &error);

        if (re == NULL)
            g_error("built-in pattern %s: %s", pattern, error->message);
        g_once_init_leave(slot, re);
    }
    return *slot;
}

char *lw_regex_group1(const GRegex *re, const char *subject)
{
    GMatchInfo *mi = NULL;
    char *group = NULL;

    if (subject && g_regex_match(re, subject, 0, &mi))
        group = g_match_info_fetch(mi, 1);
    if (mi)
        g_match_info_free(mi);
    return group;
}

/*
 * fold_host - a host name in folded Unicode form, no trailing dot (g_free);
 * its letters as written: аpple.com (Cyrillic а) is a look-alike, not Apple
 */
static char *fold_host(const char *host)
{
    gchar *uni = g_hostname_is_ascii_encoded(host) ? g_hostname_to_unicode(host) : NULL;
    char *folded = fold(uni ? uni : host, 0);
    size_t n = strlen(folded);

    while (n > 0 && folded[n - 1] == '.')
        folded[--n] = '\0';
    g_free(uni);
    return folded;
}

/* skeleton - the ICU confusable skeleton of s (g_free); s itself if ICU fails */
static char *skeleton(const struct lw_identity *id, const char *s)
{
    char buf[SKEL_MAX];
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = uspoof_getSkeletonUTF8(id->spoof, 0, s, -1, buf, sizeof(buf), &st);

    if (U_FAILURE(st) || n < 0 || n >= (int32_t) sizeof(buf))
        return g_strdup(s);
    return g_strndup(buf, (gsize) n);
}

/* fold_list - a folded copy of a configuration list (g_strfreev) */
static char **fold_list(char **list)
{
    GPtrArray *out = g_ptr_array_new();

    for (int i = 0; list && list[i]; i++)
        g_ptr_array_add(out, lw_identity_fold(list[i]));
    g_ptr_array_add(out, NULL);
    return (char **) g_ptr_array_free(out, FALSE);
}

/* brand_free - free one brand of the brands file */
static void brand_free(gpointer p)
{
    struct lw_brand *b = p;

    g_free(b->keyword);
    g_strfreev(b->domains);
    g_strfreev(b->names);
    g_free(b);
}

/* target_free - free one lookalike target */
static void target_free(gpointer p)
{
    struct target *t = p;

    g_free(t->label);
    g_free(t->chars);
    g_free(t->skeleton);
    g_free(t->owner);
    g_free(t);
}

/* registrable - registrable domain of a folded host, or NULL (public suffix, single label) */
static char *registrable(const struct lw_identity *id, const char *folded)
{
    const char *r = psl_registrable_domain(id->psl, folded);

    return r ? g_strdup(r) : NULL;
}

/* lw_identity_registrable - registrable domain of host, or host itself when it has none */
char *lw_identity_registrable(const struct lw_identity *id, const char *host)
{
    char *folded = fold_host(host ? host : ""), *r = registrable(id, folded);

    if (r == NULL)
        return folded;
    g_free(folded);
    return r;
}

/* lw_identity_same_org - 1 when a and b have the same registrable domain */
int lw_identity_same_org(const struct lw_identity *id, const char *a, const char *b)
{
    char *ra = lw_identity_registrable(id, a), *rb = lw_identity_registrable(id, b);
    int same = strcmp(ra, rb) == 0;

    g_free(ra);
    g_free(rb);
    return same;
}

/* add_target - remember the registrable label of a real domain for lookalike tests */
static void add_target(struct lw_identity *id, const char *domain)
{
    char *folded = fold_host(domain), *r = registrable(id, folded), *dot;
    struct target *t;

    if (r != NULL && (dot = strchr(r, '.')) != NULL && dot - r >= 3) {
        *dot = '\0';
        for (guint i = 0; i < id->targets->len; i++) {
            if (strcmp(((struct target *) g_ptr_array_index(id->targets, i))->label, r) == 0) {
                g_free(r);
                g_free(folded);
                return;
            }
        }
        t = g_new0(struct target, 1);
        t->label = r;
        t->chars = g_utf8_to_ucs4_fast(r, -1, &t->len);
        t->skeleton = skeleton(id, r);
        t->owner = folded;
        g_ptr_array_add(id->targets, t);
        return;
    }
    g_free(r);
    g_free(folded);
}

/* A protected domain written as one label (gov-tw, govtw for gov.tw), and the domain. */
struct zone_name {
    char *name;
    char *domain;
};

static void zone_name_free(gpointer p)
{
    struct zone_name *z = p;

    g_free(z->name);
    g_free(z->domain);
    g_free(z);
}

/* add_zone_name - remember name (3+ characters, once) as domain written as one label; takes name */
static void add_zone_name(struct lw_identity *id, char *name, const char *domain)
{
    struct zone_name *z;
    int known = strlen(name) < 3;

    for (guint i = 0; !known && i < id->zone_names->len; i++)
        known = strcmp(((struct zone_name *) g_ptr_array_index(id->zone_names, i))->name, name) == 0;
    if (known) {
        g_free(name);
        return;
    }
    z = g_new0(struct zone_name, 1);
    z->name = name;
    z->domain = g_strdup(domain);
    g_ptr_array_add(id->zone_names, z);
}

/* add_keyword - remember a combosquatting keyword (3+ characters, once) */
static void add_keyword(struct lw_identity *id, const char *kw)
{
    if (strlen(kw) < 3)
        return;
    for (guint i = 0; i < id->keywords->len; i++)
        if (strcmp(g_ptr_array_index(id->keywords, i), kw) == 0)
            return;
    g_ptr_array_add(id->keywords, g_strdup(kw));
}

/* label_count - how many labels a domain name has */
static int label_count(const char *domain)
{
    int n = 1;

    for (const char *p = strchr(domain, '.'); p; p = strchr(p + 1, '.'))
        n++;
    return n;
}

/* split_fields - at most max fields separated by runs of blanks; the last takes the rest */
static gchar **split_fields(const char *s, int max)
{
    GPtrArray *out = g_ptr_array_new();

    while (*s) {
        size_t n;

        s += strspn(s, " \t");
        if (*s == '\0')
            break;
        n = (int) out->len == max - 1 ? strlen(s) : strcspn(s, " \t");
        g_ptr_array_add(out, g_strstrip(g_strndup(s, n)));
        s += n;
    }
    g_ptr_array_add(out, NULL);
    return (gchar **) g_ptr_array_free(out, FALSE);
}

/* parse_brand - "KEYWORD DOMAINS [NAMES...]" of a brand line */
static int parse_brand(struct lw_identity *id, char *rest, const char **why)
{
    struct lw_brand *b = g_new0(struct lw_brand, 1);
    gchar **f = split_fields(rest, 3);
    GPtrArray *names = g_ptr_array_new();
    int nf = (int) g_strv_length(f);

    if (nf < 2 || strlen(f[0]) < 3 || strspn(f[0], "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(f[0])) {
        *why = "expected: brand KEYWORD DOMAIN[,DOMAIN...] [NAME, ...] (keyword: >= 3 lowercase letters/digits)";
        g_strfreev(f);
        g_ptr_array_free(names, TRUE);
        brand_free(b);
        return -1;
    }
    b->keyword = g_strdup(f[0]);
    b->domains = strcmp(f[1], "-") == 0 ? g_new0(char *, 1) : g_strsplit(f[1], ",", -1);
    g_ptr_array_add(names, g_strdup(b->keyword));
    if (nf == 3) {
        gchar **extra = g_strsplit(f[2], ",", -1);

        for (int i = 0; extra[i]; i++)
            if (*g_strstrip(extra[i]))
                g_ptr_array_add(names, fold_unaccented(extra[i]));
        g_strfreev(extra);
    }
    g_ptr_array_add(names, NULL);
    b->names = (char **) g_ptr_array_free(names, FALSE);
    for (int i = 0; b->domains[i]; i++) {
        g_strstrip(b->domains[i]);
        if (!g_hash_table_contains(id->brand_domains, b->domains[i])) {
            g_hash_table_insert(id->brand_domains, g_strdup(b->domains[i]), b);
            id->brand_labels = MAX(id->brand_labels, label_count(b->domains[i]));
        }
        add_target(id, b->domains[i]);
    }
    if (b->domains[0] != NULL)
        add_keyword(id, b->keyword);
    g_ptr_array_add(id->brands, b);
    g_strfreev(f);
    return 0;
}

/* parse_service - "KIND DOMAIN..." of a service line */
static void parse_service(struct lw_identity *id, unsigned kind, const char *rest)
{
    gchar **f = g_strsplit_set(rest, " \t", -1);

    for (int i = 0; f[i]; i++) {
        if (*f[i] == '\0')
            continue;
        g_hash_table_replace(id->kinds, g_ascii_strdown(f[i], -1),
                             GUINT_TO_POINTER(kind | GPOINTER_TO_UINT(g_hash_table_lookup(id->kinds, f[i]))));
    }
    g_strfreev(f);
}

static const struct { const char *name; unsigned kind; } service_kinds[] = {
    { "freemail", LW_KIND_FREEMAIL }, { "shortener", LW_KIND_SHORTENER },
    { "freehost", LW_KIND_FREEHOST }, { "fileshare", LW_KIND_FILESHARE }, { "form", LW_KIND_FORM },
    { "tracker", LW_KIND_TRACKER },
};

/* load_brands - read the brands file; -1 and err at the first bad line */
static int load_brands(struct lw_identity *id, const char *path, struct lw_error *err)
{
    gchar *text, **lines;
    GError *gerr = NULL;
    int rc = 0;

    if (!g_file_get_contents(path, &text, NULL, &gerr)) {
        lw_error_set(err, "%s", gerr->message);
        g_error_free(gerr);
        return -1;
    }
    id->brands_sha256 = lw_sha256_hex(text, strlen(text));
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i] && rc == 0; i++) {
        char *line = g_strstrip(lines[i]), *sp;
        const char *why = NULL;
        size_t k;

        if (*line == '\0' || *line == '#')
            continue;
        sp = line + strcspn(line, " \t");
        if (*sp)
            *sp++ = '\0';
        if (!g_utf8_validate(sp, -1, NULL))
            why = "not valid UTF-8";
        else if (strcmp(line, "brand") == 0)
            parse_brand(id, sp, &why);
        else {
            for (k = 0; k < G_N_ELEMENTS(service_kinds); k++)
                if (strcmp(line, service_kinds[k].name) == 0)
                    break;
            if (k == G_N_ELEMENTS(service_kinds))
                why = "unknown entry kind (brand, freemail, shortener, freehost, fileshare, form)";
            else
                parse_service(id, service_kinds[k].kind, sp);
        }
        if (why)
            rc = lw_error_set(err, "%s:%d: %s", path, i + 1, why);
    }
    g_strfreev(lines);
    g_free(text);
    return rc;
}

/* add_protected - index the organization's domains for lookalike tests */
static void add_protected(struct lw_identity *id)
{
    for (int i = 0; id->protected_domains[i]; i++) {
        char *d = id->protected_domains[i];
        gchar **labels;

        if (g_str_has_prefix(d, "*.")) {
            memmove(d, d + 1, strlen(d));       /* "*.gov.tw" -> ".gov.tw" */
            d++;
        } else {
            add_target(id, d);
        }
        labels = g_strsplit(d, ".", -1);
        add_zone_name(id, g_strjoinv("-", labels), d);     /* gov-tw */
        add_zone_name(id, g_strjoinv("", labels), d);      /* govtw */
        g_strfreev(labels);
    }
    for (guint i = 0; i < id->targets->len; i++) {
        const struct target *t = g_ptr_array_index(id->targets, i);

        for (int j = 0; id->protected_domains[j]; j++)
            if (strcmp(t->owner, id->protected_domains[j]) == 0)
                add_keyword(id, t->label);
    }
}

#define SPELLED_MIN 5       /* letters of a Latin name worth finding however it is spelled */
#define SPELLED_MIN_HAN 2   /* characters of a name in Chinese, likewise */

/*
 * simplified - s with its Han characters in Simplified form (ICU's
 * Traditional-Simplified transliterator), so that 数位发展部 and 數位發展部
 * compare equal as a reader takes them; s itself without any (g_free)
 */
static char *simplified(const struct lw_identity *id, const char *s)
{
    UChar *u;
    glong n = 0;
    int32_t len, limit;
    UErrorCode st = U_ZERO_ERROR;
    char *out = NULL;
    int han = 0;

    for (const char *p = s; *p && !han; p = g_utf8_next_char(p))
        han = (guchar) *p >= 0x80 && g_unichar_get_script(g_utf8_get_char(p)) == G_UNICODE_SCRIPT_HAN;
    if (!han || id->to_simplified == NULL || (u = g_utf8_to_utf16(s, -1, NULL, &n, NULL)) == NULL)
        return g_strdup(s);
    u = g_renew(UChar, u, n * 2 + 1);       /* a transliteration may lengthen */
    len = limit = (int32_t) n;
    g_mutex_lock(id->translit_lock);
    utrans_transUChars(id->to_simplified, u, &len, (int32_t) (n * 2 + 1), 0, &limit, &st);
    g_mutex_unlock(id->translit_lock);
    if (U_SUCCESS(st))
        out = g_utf16_to_utf8(u, len, NULL, NULL, NULL);
    g_free(u);
    return out ? out : g_strdup(s);
}

/*
 * look_alike - the skeleton of the casefolded skeleton of s (g_free): the
 * skeleton tells a capital I from a small i (I and l look alike) but
 * treats cases apart (m reads rn, M stays M), so it is taken before and
 * after folding the case: PayPaI, Micr0soft and microsoft compare right
 */
static char *look_alike(const struct lw_identity *id, const char *s)
{
    char *skel = skeleton(id, s), *low = g_utf8_casefold(skel, -1), *again = skeleton(id, low);

    g_free(skel);
    g_free(low);
    return again;
}

/*
 * seen_form - s as a reader takes it, in a form that compares spellings
 * (g_free): disguised words read whole (lw_text_read), Han characters
 * Simplified, then ICU's confusable skeleton (UTS #39: PayPaI, PayPa1 and
 * PayPal look alike, so do Arnazon and Amazon, Micr0soft and Microsoft),
 * casefolded
 */
static char *seen_form(const struct lw_identity *id, const char *s)
{
    gchar *valid = g_utf8_make_valid(s ? s : "", -1);
    char *read = lw_text_read(valid), *simple = simplified(id, read), *seen = look_alike(id, simple);

    g_free(valid);
    g_free(read);
    g_free(simple);
    return seen;
}

/* is_han - a Han character: in Chinese every character is a word for spelling's sake */
static int is_han(gunichar c)
{
    return c >= 0x2e80 && g_unichar_get_script(c) == G_UNICODE_SCRIPT_HAN;
}

/*
 * seen_words - the words of a seen form: runs of letters and digits, each
 * Han character one word ("Pay-Pal" two, "數位發展部" five)
 */
static GPtrArray *seen_words(const char *seen)
{
    GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
    const char *p = seen;

    while (*p) {
        const char *w;

        while (*p && !g_unichar_isalnum(g_utf8_get_char(p)))
            p = g_utf8_next_char(p);
        w = p;
        if (*p && is_han(g_utf8_get_char(p)))
            p = g_utf8_next_char(p);
        else
            while (*p && g_unichar_isalnum(g_utf8_get_char(p)) && !is_han(g_utf8_get_char(p)))
                p = g_utf8_next_char(p);
        if (p > w)
            g_ptr_array_add(words, g_strndup(w, (gsize) (p - w)));
    }
    return words;
}

/* spellings_add - name under its compact form (its seen words joined), if long enough to be told apart */
static void spellings_add(struct lw_identity *id, struct spellings *sp, const char *name, gpointer value)
{
    char *seen = seen_form(id, name);
    GPtrArray *words = seen_words(seen);
    GString *compact = g_string_new(NULL);
    int han = 0;

    for (guint i = 0; i < words->len; i++) {
        const char *w = g_ptr_array_index(words, i);

        han |= is_han(g_utf8_get_char(w));
        g_string_append(compact, w);
    }
    if (sp->names == NULL)
        sp->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (g_utf8_strlen(compact->str, -1) >= (han ? SPELLED_MIN_HAN : SPELLED_MIN)
        && !g_hash_table_contains(sp->names, compact->str)) {
        sp->longest = MAX(sp->longest, compact->len);
        g_hash_table_insert(sp->names, g_string_free(compact, FALSE), value);
    } else {
        g_string_free(compact, TRUE);
    }
    g_ptr_array_unref(words);
    g_free(seen);
}

/*
 * spelled_in - the value of a name of sp that display spells, whatever the
 * look-alike letters, the words it is split into or the script of its Han
 * characters: display's seen words, from each one on, joined while no
 * longer than the longest name. Whole words only: a name inside a longer
 * word ("Snapple") is none. NULL if none.
 */
static gpointer spelled_in(const struct lw_identity *id, const struct spellings *sp, const char *display)
{
    char *seen;
    GPtrArray *words;
    gpointer found = NULL;

    if (sp->names == NULL || g_hash_table_size(sp->names) == 0)
        return NULL;
    seen = seen_form(id, display);
    words = seen_words(seen);
    for (guint i = 0; !found && i < words->len; i++) {
        GString *joined = g_string_new(NULL);

        for (guint k = i; !found && k < words->len; k++) {
            g_string_append(joined, g_ptr_array_index(words, k));
            if (joined->len > sp->longest)
                break;
            found = g_hash_table_lookup(sp->names, joined->str);
        }
        g_string_free(joined, TRUE);
    }
    g_ptr_array_unref(words);
    g_free(seen);
    return found;
}

static void spellings_free(struct spellings *sp)
{
    if (sp->names)
        g_hash_table_destroy(sp->names);
}

/* index_spellings - every brand, protected and VIP name by its compact form */
static void index_spellings(struct lw_identity *id)
{
    UErrorCode st = U_ZERO_ERROR;
    UChar tid[] = { 'T', 'r', 'a', 'd', 'i', 't', 'i', 'o', 'n', 'a', 'l', '-',
                    'S', 'i', 'm', 'p', 'l', 'i', 'f', 'i', 'e', 'd', 0 };

    id->to_simplified = utrans_openU(tid, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
    if (U_FAILURE(st))
        id->to_simplified = NULL;   /* ICU without its transliteration data: Traditional stays apart */
    for (guint i = 0; i < id->brands->len; i++) {
        const struct lw_brand *b = g_ptr_array_index(id->brands, i);

        for (int j = 0; b->names[j]; j++)
            spellings_add(id, &id->brands_spelled, b->names[j], GUINT_TO_POINTER(i + 1));
    }
    for (int i = 0; id->protected_names[i]; i++)
        spellings_add(id, &id->protected_spelled, id->protected_names[i], id->protected_names[i]);
    for (int i = 0; id->vip_names[i]; i++)
        spellings_add(id, &id->vips_spelled, id->vip_names[i], id->vip_names[i]);
}

/*
 * add_domain_names - a brand's own domains name it too: a display name
 * "ssa.gov" or "SSA.gov Notices" claims the Social Security Administration
 * as surely as its full name does, though the keyword (socialsecurity) is
 * not in it. Not a public suffix (gov.uk names no one agency), and not a
 * free-mail domain: "hotmail.com" in a display name or subject is
 * someone's address there, not a claim to be Microsoft. The keyword
 * already names domains that contain it (paypal.com).
 */
static void add_domain_names(struct lw_identity *id)
{
    for (guint i = 0; i < id->brands->len; i++) {
        struct lw_brand *b = g_ptr_array_index(id->brands, i);
        GPtrArray *names = g_ptr_array_new();

        for (int j = 0; b->names[j]; j++)
            g_ptr_array_add(names, b->names[j]);
        for (int j = 0; b->domains[j]; j++) {
            const char *d = b->domains[j];

            if (*d && !psl_is_public_suffix(id->psl, d) && !(lw_identity_kind(id, d) & LW_KIND_FREEMAIL))
                g_ptr_array_add(names, g_strdup(d));
        }
        g_ptr_array_add(names, NULL);
        g_free(b->names);
        b->names = (char **) g_ptr_array_free(names, FALSE);
    }
}

/*
 * index_brand_names - one literal search (prefilter.c) over a display name,
 * subject or address tells which brands may be named there, instead of a
 * substring search for every name of every brand each time
 * lw_identity_brand_in is asked (two or three times a message). A brand
 * with a name shorter than the search's shortest literal is always tried.
 */
static void index_brand_names(struct lw_identity *id)
{
    id->brand_names = lw_litset_new(id->brands->len);
    id->brand_always = g_new0(guint8, id->brands->len + 1);
    for (guint i = 0; i < id->brands->len; i++) {
        const struct lw_brand *b = g_ptr_array_index(id->brands, i);
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

        for (int j = 0; b->names[j]; j++) {
            size_t n;
            char *f = lw_fold(b->names[j], strlen(b->names[j]), &n);

            if (n < LW_PREFILTER_MIN_LITERAL)
                id->brand_always[i] = 1;
            g_ptr_array_add(names, f);      /* too short a literal is left out by lw_litset_add */
        }
        lw_litset_add(id->brand_names, names, i);
        g_ptr_array_unref(names);
    }
    lw_litset_compile(id->brand_names);
}

/* lw_identity_new - build the read-only identity state (see identity.h) */
struct lw_identity *lw_identity_new(const struct lw_config *cfg, struct lw_error *err)
{
    struct lw_identity *id = g_new0(struct lw_identity, 1);
    UErrorCode st = U_ZERO_ERROR;
    const char *path = NULL;
    struct lw_error why;

    id->translit_lock = g_new0(GMutex, 1);
    g_mutex_init(id->translit_lock);
    id->psl = psl_builtin();
    id->spoof = uspoof_open(&st);
    if (U_SUCCESS(st)) {
        uspoof_setChecks(id->spoof, USPOOF_RESTRICTION_LEVEL | USPOOF_INVISIBLE, &st);
        uspoof_setRestrictionLevel(id->spoof, USPOOF_MODERATELY_RESTRICTIVE);
    }
    id->brands = g_ptr_array_new_with_free_func(brand_free);
    id->brand_domains = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    id->kinds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    id->targets = g_ptr_array_new_with_free_func(target_free);
    id->keywords = g_ptr_array_new_with_free_func(g_free);
    id->zone_names = g_ptr_array_new_with_free_func(zone_name_free);
    id->protected_names = fold_list(cfg->protected_names);
    id->vip_names = fold_list(cfg->vip_names);
    id->protected_domains = fold_list(cfg->protected_domains);
    if (id->psl == NULL || U_FAILURE(st)) {
        lw_error_set(err, "identity: %s", id->psl ? u_errorName(st) : "libpsl has no built-in list");
        lw_identity_free(id);
        return NULL;
    }
    if (*cfg->brands_file) {
        path = cfg->brands_file;
    } else if (g_file_test(LW_BRANDS_FILE, G_FILE_TEST_EXISTS)) {
        path = LW_BRANDS_FILE;
    }
    if (path && (lw_config_check_file_safety(path, &why) < 0 || load_brands(id, path, &why) < 0)) {
        lw_error_set(err, "brands_file: %s", why.text);
        lw_identity_free(id);
        return NULL;
    }
    add_protected(id);
    add_domain_names(id);
    index_brand_names(id);
    index_spellings(id);
    return id;
}

/* lw_identity_free - free everything lw_identity_new built */
void lw_identity_free(struct lw_identity *id)
{
    if (id == NULL)
        return;
    if (id->spoof)
        uspoof_close(id->spoof);
    g_strfreev(id->protected_domains);
    g_strfreev(id->protected_names);
    g_strfreev(id->vip_names);
    g_ptr_array_unref(id->brands);
    g_hash_table_unref(id->brand_domains);
    g_hash_table_unref(id->kinds);
    g_ptr_array_unref(id->targets);
    g_ptr_array_unref(id->keywords);
    g_ptr_array_unref(id->zone_names);
    lw_litset_free(id->brand_names);
    g_free(id->brand_always);
    spellings_free(&id->brands_spelled);
    spellings_free(&id->protected_spelled);
    spellings_free(&id->vips_spelled);
    if (id->to_simplified)
        utrans_close(id->to_simplified);
    g_mutex_clear(id->translit_lock);
    g_free(id->translit_lock);
    g_free(id->brands_sha256);
    g_free(id);
}

/*
 * lw_identity_tag - the brand list as loaded, for the cache tag of the
 * analyzers that use an identity (the protected names and domains are
 * configuration keys, tagged by value)
 */
void lw_identity_tag(const struct lw_identity *id, GChecksum *sum)
{
    g_checksum_update(sum, (const guchar *) (id->brands_sha256 ? id->brands_sha256 : "-"), -1);
}

/* host_matches - is folded host equal to or below domain ("" never matches) */
static int host_matches(const char *host, const char *domain)
{
    size_t h = strlen(host), d = strlen(domain);

    if (d == 0 || h < d)
        return 0;
    if (domain[0] == '.')           /* wildcard form ".gov.tw": strictly below */
        return strcmp(host + h - d, domain) == 0;
    return strcmp(host + h - d, domain) == 0 && (h == d || host[h - d - 1] == '.');
}

/*
 * lw_identity_valid_hostname - lowercase LDH labels below a suffix the ICANN
 * section of the PSL lists (some ccTLDs are listed only as "co.za", never
 * "za", so every proper suffix is tried), and not itself such a suffix.
 */
int lw_identity_valid_hostname(const char *host)
{
    const psl_ctx_t *psl = psl_builtin();
    int known = 0;

    if (*host == '\0' || strspn(host, "abcdefghijklmnopqrstuvwxyz0123456789-.") != strlen(host)
        || host[0] == '.' || host[0] == '-' || strstr(host, "..") || strchr(host, '.') == NULL)
        return 0;
    for (const char *p = strchr(host, '.'); p && !known; p = strchr(p + 1, '.'))
        known = p[1] && psl_is_public_suffix2(psl, p + 1, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE);
    return known && !psl_is_public_suffix2(psl, host, PSL_TYPE_ICANN);
}

/* lw_identity_is_protected - host is, or is below, one of protected_domains */
int lw_identity_is_protected(const struct lw_identity *id, const char *host)
{
    char *f = fold_host(host ? host : "");
    int yes = 0;

    for (int i = 0; !yes && id->protected_domains[i]; i++)
        yes = host_matches(f, id->protected_domains[i]);
    g_free(f);
    return yes;
}

/* suffix_lookup - value of host or of the nearest domain above it in table */
static gpointer suffix_lookup(GHashTable *table, const char *folded)
{
    for (const char *p = folded; p && *p; ) {
        gpointer v = g_hash_table_lookup(table, p);

        if (v)
            return v;
        p = strchr(p, '.');
        if (p)
            p++;
    }
    return NULL;
}

/* lw_identity_brand_of_host - the first brand listing host (or a domain above it) */
const struct lw_brand *lw_identity_brand_of_host(const struct lw_identity *id, const char *host)
{
    char *f = fold_host(host ? host : "");
    const struct lw_brand *b = suffix_lookup(id->brand_domains, f);

    g_free(f);
    return b;
}

/* lw_identity_host_of_brand - host is one of brand b's domains or below one */
int lw_identity_host_of_brand(const struct lw_identity *id, const char *host, const struct lw_brand *b)
{
    char *f = fold_host(host ? host : "");
    int yes = 0;

    for (int i = 0; !yes && b->domains[i]; i++)
        yes = host_matches(f, b->domains[i]);
    g_free(f);
    return yes;
}

/* lw_identity_kind - the LW_KIND_* bits of host or of the nearest listed domain above it */
unsigned lw_identity_kind(const struct lw_identity *id, const char *host)
{
    char *f = fold_host(host ? host : "");
    unsigned k = GPOINTER_TO_UINT(suffix_lookup(id->kinds, f));

    g_free(f);
    return k;
}

/* is_word_char - a letter or digit that makes a word boundary (not CJK) */
static int is_word_char(gunichar c)
{
    return g_unichar_isalnum(c) && c < 0x2e80;     /* CJK has no word boundaries */
}

/* lw_identity_name_match - needle as a whole word of hay (both folded) */
int lw_identity_name_match(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    if (n == 0)
        return 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        const char *prev = p > hay ? g_utf8_find_prev_char(hay, p) : NULL;
        const char *next = p + n;
        int left_ok = !is_word_char(g_utf8_get_char(needle)) || prev == NULL
                      || !is_word_char(g_utf8_get_char(prev));
        int right_ok = !is_word_char(g_utf8_get_char(g_utf8_find_prev_char(needle, needle + n)))
                       || *next == '\0' || !is_word_char(g_utf8_get_char(next));

        if (left_ok && right_ok)
            return 1;
    }
    return 0;
}

/* name_in_list - the first folded list entry found as a word in display */
static const char *name_in_list(char **list, const char *display)
{
    char *f = lw_identity_fold(display);
    const char *found = NULL;

    for (int i = 0; !found && list[i]; i++)
        if (lw_identity_name_match(f, list[i]))
            found = list[i];
    g_free(f);
    return found;
}

/* lw_identity_protected_name_in - a protected name in display, also spelled to only look like it, or NULL */
const char *lw_identity_protected_name_in(const struct lw_identity *id, const char *display)
{
    const char *found = name_in_list(id->protected_names, display);

    return found ? found : spelled_in(id, &id->protected_spelled, display);
}

/* lw_identity_vip_in - a VIP name in display, also spelled to only look like it, or NULL */
const char *lw_identity_vip_in(const struct lw_identity *id, const char *display)
{
    const char *found = name_in_list(id->vip_names, display);

    return found ? found : spelled_in(id, &id->vips_spelled, display);
}

/* lw_identity_protected_domain_in - a protected domain written in display, or NULL */
const char *lw_identity_protected_domain_in(const struct lw_identity *id, const char *display)
{
    char *f = lw_identity_fold(display);
    const char *found = NULL;

    for (int i = 0; !found && id->protected_domains[i]; i++) {
        const char *d = id->protected_domains[i];

        if (lw_identity_name_match(f, d[0] == '.' ? d + 1 : d))
            found = d[0] == '.' ? d + 1 : d;
    }
    g_free(f);
    return found;
}

const char *lw_identity_brand_in(const struct lw_identity *id, const char *display,
                                 const struct lw_brand **brand)
{
    char *f = fold_unaccented(display);
    guint8 *may = g_new0(guint8, id->brands->len + 1);     /* brands with a name somewhere in f */
    const char *found = NULL;

    lw_litset_scan(id->brand_names, f, strlen(f), may);
    for (guint i = 0; !found && i < id->brands->len; i++) {
        const struct lw_brand *b = g_ptr_array_index(id->brands, i);

        if (!may[i] && !id->brand_always[i])
            continue;
        for (int j = 0; !found && b->names[j]; j++) {
            if (lw_identity_name_match(f, b->names[j])) {
                found = b->names[j];
                *brand = b;
            }
        }
    }
    g_free(may);
    g_free(f);
    return found;
}

/*
 * lw_identity_brand_named_in - a brand the display name names: as written
 * (lw_identity_brand_in), or spelled so that it only looks like it:
 * look-alike letters or digits (PayPaI, PayPa1, Micr0soft, Arnazon: the
 * same confusable skeleton) or split into words ("Pay Pal", "Pay-Pal"),
 * names of SPELLED_MIN letters or more, whole words only (spelled_in).
 * The name or the brand's keyword, or NULL.
 */
const char *lw_identity_brand_named_in(const struct lw_identity *id, const char *display,
                                       const struct lw_brand **brand)
{
    const char *found = lw_identity_brand_in(id, display, brand);
    gpointer at;

    if (found || (at = spelled_in(id, &id->brands_spelled, display)) == NULL)
        return found;
    *brand = g_ptr_array_index(id->brands, GPOINTER_TO_UINT(at) - 1);
    return (*brand)->keyword;
}

/*
 * osa_distance - optimal string alignment distance of two code-point
 * strings, or cap + 1 once it must exceed cap. Every alignment passes
 * through one of any two consecutive rows (a transposition skips one) and
 * never gets cheaper, so two rows over cap settle it: most labels compared
 * with a target differ from it in their first letters.
 */
static int osa_distance(const gunichar *a, glong la, const gunichar *b, glong lb, int cap)
{
    int d[MAX_LABEL + 2][MAX_LABEL + 2];
    int over = 0;           /* consecutive rows whose every cell exceeds cap */

    if (la > MAX_LABEL || lb > MAX_LABEL)
        return cap + 1;
    for (glong i = 0; i <= la; i++)
        d[i][0] = (int) i;
    for (glong j = 0; j <= lb; j++)
        d[0][j] = (int) j;
    for (glong i = 1; i <= la; i++) {
        int low = d[i][0];

        for (glong j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1], v = d[i - 1][j] + 1;

            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
            low = MIN(low, v);
        }
        over = low > cap ? over + 1 : 0;
        if (over == 2)
            return cap + 1;
    }
    return MIN(d[la][lb], cap + 1);
}

/*
 * near_label - label (code points a, la long) within the allowed edit
 * distance of the target, by the target's length. Most pairs are decided
 * by the lengths alone: every host is compared with every target.
 */
static int near_label(const gunichar *a, glong la, const struct target *t)
{
    int allowed = t->len >= 9 ? 2 : t->len >= 6 ? 1 : 0;

    if (allowed == 0 || ABS(la - t->len) > allowed)
        return 0;
    return osa_distance(a, la, t->chars, t->len, allowed) <= allowed;
}

/* has_token - is kw one of the '-'/'.'-separated tokens of s (or, when long and !strict, inside it)? */
static int has_token(const char *s, const char *kw, int strict)
{
    size_t n = strlen(kw);

    for (const char *p = strstr(s, kw); p; p = strstr(p + 1, kw)) {
        int left = p == s || p[-1] == '-' || p[-1] == '.';
        int right = p[n] == '\0' || p[n] == '-' || p[n] == '.';

        if ((left && right) || (!strict && n >= 7))
            return 1;
    }
    return 0;
}

/* found - fill a lookalike result; returns 1 for "hit = found(...)" */
static int found(struct lw_lookalike *out, const char *rule, const char *how, const char *target)
{
    out->rule = rule;
    out->how = how;
    out->target = g_strdup(target);
    return 1;
}

/* has_labels - is name (a dotted domain) whole labels of dotted (".a.b.c.")? */
static int has_labels(const char *dotted, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = dotted + 1; (p = strstr(p, name)) != NULL; p++)
        if (p[-1] == '.' && p[n] == '.')
            return 1;
    return 0;
}

/*
 * brand_in_labels - a brand domain of two labels or more written as whole
 * labels of sub. Every host of every message is asked: rather than search
 * sub for each of the many brand domains, each run of sub's labels no
 * longer than the longest brand domain is looked up (a host has few labels).
 */
static const char *brand_in_labels(const struct lw_identity *id, const char *sub)
{
    char buf[256];
    size_t n = strlen(sub);
    gpointer key = NULL;

    if (n >= sizeof(buf))
        return NULL;            /* not a host name (253 at most) */
    memcpy(buf, sub, n + 1);
    for (size_t end = 0; end <= n; end++) {
        size_t start = end;
        int found = 0;

        if (end < n && buf[end] != '.')
            continue;
        buf[end] = '\0';
        for (int labels = 1; !found && labels <= id->brand_labels; labels++, start--) {
            while (start > 0 && buf[start - 1] != '.')
                start--;        /* to the first letter of the label before */
            found = labels >= 2 && g_hash_table_lookup_extended(id->brand_domains, buf + start, &key, NULL);
            if (start == 0)
                break;
        }
        buf[end] = end < n ? '.' : '\0';
        if (found)
            return key;
    }
    return NULL;
}

/*
 * subdomain_claims - the labels left of the registrable domain name a
 * real domain: a protected one or a brand's
 */
static const char *subdomain_claims(const struct lw_identity *id, const char *sub)
{
    char *dotted = g_strconcat(".", sub, ".", NULL);
    const char *claim = NULL;

    for (int i = 0; !claim && id->protected_domains[i]; i++) {
        const char *d = id->protected_domains[i];

        if (has_labels(dotted, d[0] == '.' ? d + 1 : d))
            claim = d[0] == '.' ? d + 1 : d;
    }
    g_free(dotted);
    return claim ? claim : brand_in_labels(id, sub);
}

/* lw_identity_mixed_script - ICU says word fails the moderately restrictive level */
int lw_identity_mixed_script(const struct lw_identity *id, const char *word)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t r = uspoof_checkUTF8(id->spoof, word, -1, NULL, &st);

    return U_SUCCESS(st) && (r & USPOOF_RESTRICTION_LEVEL);
}

/* check_label - skeleton, edit distance and combosquatting tests on a registrable label */
static int check_label(const struct lw_identity *id, const char *label, int strict, struct lw_lookalike *out)
{
    char *skel = skeleton(id, label);
    glong len;
    gunichar *chars = g_utf8_to_ucs4_fast(label, -1, &len);
    int hit = 0;

    for (guint i = 0; !hit && i < id->targets->len; i++) {
        const struct target *t = g_ptr_array_index(id->targets, i);

        if (strcmp(label, t->label) == 0)
            continue;
        if (strcmp(skel, t->skeleton) == 0)
            hit = found(out, "LW_LOOKALIKE_CONFUSABLE", "confusable characters", t->owner);
        else if (near_label(chars, len, t))
            hit = found(out, "LW_LOOKALIKE_TYPO", "one or two letters changed", t->owner);
    }
    for (guint i = 0; !hit && i < id->keywords->len; i++) {
        const char *kw = g_ptr_array_index(id->keywords, i);

        if (strcmp(label, kw) != 0 && has_token(label, kw, strict))
            hit = found(out, "LW_LOOKALIKE_COMBO", "brand or organization name combined with other words", kw);
    }
    /*
     * The organization's domains keep their dots, so a registrable name
     * that is one of them with the dots turned to dashes or left out
     * (gov-tw.net, govtw.com, moda-gov-tw.com for *.gov.tw) is never its
     * own: unlike a brand keyword (paypal.de may be PayPal's), the whole
     * label counts too.
     */
    for (guint i = 0; !hit && i < id->zone_names->len; i++) {
        const struct zone_name *z = g_ptr_array_index(id->zone_names, i);

        if (has_token(label, z->name, strict))     /* the whole label is a token too */
            hit = found(out, "LW_LOOKALIKE_COMBO", "the organization's domain written as one name", z->domain);
    }
    g_free(chars);
    g_free(skel);
    return hit;
}

int lw_identity_lookalike(const struct lw_identity *id, const char *host, int strict,
                          struct lw_lookalike *out)
{
    char *f = fold_host(host ? host : ""), *r = NULL, *label = NULL, *dot;
    int hit = 0;

    memset(out, 0, sizeof(*out));
    if (*f == '\0' || strlen(f) > 253 || lw_identity_is_protected(id, f)
        || suffix_lookup(id->brand_domains, f) != NULL
        || (GPOINTER_TO_UINT(suffix_lookup(id->kinds, f)) & LW_KIND_FREEMAIL))
        goto done;
    if ((r = registrable(id, f)) == NULL || (dot = strchr(r, '.')) == NULL)
        goto done;
    label = g_strndup(r, (gsize) (dot - r));
    if (strlen(f) > strlen(r)) {
        char *sub = g_strndup(f, strlen(f) - strlen(r) - 1);
        const char *claim = subdomain_claims(id, sub);

        if (claim)
            hit = found(out, "LW_LOOKALIKE_SUBDOMAIN", "a real domain name used as a subdomain", claim);
        g_free(sub);
    }
    if (!hit && (lw_identity_kind(id, f) & LW_KIND_FREEHOST)) {
        for (guint i = 0; !hit && i < id->keywords->len; i++)
            if (has_token(f, g_ptr_array_index(id->keywords, i), 1))
                hit = found(out, "LW_LOOKALIKE_FREEHOST", "brand name on a free hosting site",
                            g_ptr_array_index(id->keywords, i));
        for (guint i = 0; !hit && i < id->zone_names->len; i++) {
            const struct zone_name *z = g_ptr_array_index(id->zone_names, i);

            if (has_token(f, z->name, 1))
                hit = found(out, "LW_LOOKALIKE_FREEHOST", "the organization's domain on a free hosting site", z->domain);
        }
    }
    if (!hit)
        hit = check_label(id, label, strict, out);
    if (!hit && lw_identity_mixed_script(id, label))
        hit = found(out, "LW_LOOKALIKE_MIXED_SCRIPT", "letters from several scripts in one name", label);
done:
    g_free(label);
    g_free(r);
    g_free(f);
    return hit;
}

int lw_identity_public_ip(const char *addr)
{
    GInetAddress *ia = addr ? g_inet_address_new_from_string(addr) : NULL;
    int pub = ia && !g_inet_address_get_is_loopback(ia) && !g_inet_address_get_is_site_local(ia)
              && !g_inet_address_get_is_link_local(ia) && !g_inet_address_get_is_any(ia);

    if (ia)
        g_object_unref(ia);
    return pub;
}
