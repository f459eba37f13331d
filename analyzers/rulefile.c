/*
 * rulefile.c - read PCRE2 rules files
 *
 * FORMAT. One rule per line; blank lines and lines starting with '#' are
 * ignored. A rule is six fields separated by white space:
 *
 *     ID  TARGET  SCORE  CLASS  /PATTERN/FLAGS  DESCRIPTION...
 *
 *   ID           letters, digits and '_', unique in the file
 *   TARGET       subject | from-name | from-addr | body | html | uri |
 *                filename | raw | header:NAME | meta
 *   SCORE        a number from -100 to 100 (negative scores mark good signs)
 *   CLASS        what a hit is evidence of (model/score.c): the techniques
 *                evasion | deception | impersonation | malware | indicator,
 *                which can take a message to quarantine, or the signals
 *                lure | link | bulk, which cannot on their own. It may be
 *                left out (helpers have none; an older file has none): the
 *                rule is then a lure, and --lint-rules says so.
 *   PATTERN      PCRE2 syntax between slashes; write a slash as \/.
 *                Always compiled as UTF with Unicode properties, tolerant
 *                of invalid UTF-8 in the subject (PCRE2_MATCH_INVALID_UTF).
 *   FLAGS        any of i (caseless), s (dot matches newline), m (multiline),
 *                x (extended)
 *   DESCRIPTION  the rest of the line: one sentence a reviewer understands
 *
 * META RULES. With TARGET meta, the PATTERN is a boolean expression over
 * the ids of rules defined EARLIER in the file: ids, !, && and ||, with
 * parentheses; && binds tighter than ||. A meta rule matches when its
 * expression is true for the message, so combinations of independent signs
 * can score more than the signs alone:
 *
 *     LW_META_X  meta  4  /(URGENT_A || URGENT_B) && CRED_ASK && __HAS_LINK/  ...
 *
 * HELPER RULES. A rule whose id starts with "__" is evaluated for meta
 * rules only: it never becomes a hit and its score is ignored (write 0).
 *
 * Each pattern is compiled once and JIT-compiled; a compiled ruleset is
 * read-only and shared by all scanning threads.
 *
 * PREFILTER. The rules analyzer runs a pattern on a text only when one of
 * the literals every match needs is in it (prefilter.c reads the pattern
 * as written here, with its flags, to find them). Patterns need not be
 * written for it, but a rule with no literal of 3 bytes or more runs on
 * every text: --lint-rules lists those.
 *
 * DIAGNOSTICS. Every bad line is reported as "file:line: reason" (for a bad
 * pattern, with the offset PCRE2 gives), so --lint-rules can list them all;
 * the engine refuses a rules file with any bad line.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "rulefile.h"
#include "model/score.h"
#include "util/digest.h"

static const char *const target_names[] = {
    [LW_TARGET_HEADER] = "header",
    [LW_TARGET_SUBJECT] = "subject",
    [LW_TARGET_FROM_NAME] = "from-name",
    [LW_TARGET_FROM_ADDR] = "from-addr",
    [LW_TARGET_BODY] = "body",
    [LW_TARGET_HTML] = "html",
    [LW_TARGET_URI] = "uri",
    [LW_TARGET_LINK] = "link",
    [LW_TARGET_FILENAME] = "filename",
    [LW_TARGET_RAW] = "raw",
    [LW_TARGET_META] = "meta",
};

const char *lw_rule_target_name(enum lw_rule_target t)
{
    return target_names[t];
}

static void rule_free(gpointer p)
{
    struct lw_rule *r = p;

    g_free(r->id);
    g_free(r->header);
    g_free(r->pattern);
    g_free(r->description);
    if (r->re)
        pcre2_code_free(r->re);
    if (r->meta)
        g_array_unref(r->meta);
    g_free(r);
}

void lw_ruleset_free(struct lw_ruleset *set)
{
    if (set == NULL)
        return;
    g_ptr_array_unref(set->rules);
    g_free(set->source);
    g_free(set->sha256);
    g_free(set);
}

/* next_field - the next white-space-delimited field of *p; NULL at end of line */
static char *next_field(char **p)
{
    char *s = *p, *start;

    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return NULL;
    start = s;
    while (*s && *s != ' ' && *s != '\t')
        s++;
    if (*s)
        *s++ = '\0';
    *p = s;
    return start;
}

/* next_pattern - "/.../flags" at *p; the pattern (unescaped \/) and flags */
static int next_pattern(char **p, GString *pattern, uint32_t *options, const char **why)
{
    char *s = *p;

    while (*s == ' ' || *s == '\t')
        s++;
    if (*s != '/') {
        *why = "pattern must start with '/'";
        return -1;
    }
    for (s++; *s && *s != '/'; s++) {
        if (*s == '\\' && s[1] == '/') {
            g_string_append_c(pattern, '/');
            s++;
        } else {
            if (*s == '\\' && s[1] != '\0')
                g_string_append_c(pattern, *s++);
            g_string_append_c(pattern, *s);
        }
    }
    if (*s != '/') {
        *why = "pattern has no closing '/'";
        return -1;
    }
    for (s++; *s && *s != ' ' && *s != '\t'; s++) {
        switch (*s) {
        case 'i': *options |= PCRE2_CASELESS; break;
        case 's': *options |= PCRE2_DOTALL; break;
        case 'm': *options |= PCRE2_MULTILINE; break;
        case 'x': *options |= PCRE2_EXTENDED; break;
        default: *why = "unknown pattern flag (use i, s, m, x)"; return -1;
        }
    }
    *p = s;
    return pattern->len == 0 ? (*why = "empty pattern", -1) : 0;
}

static int parse_target(const char *field, struct lw_rule *r)
{
    if (g_str_has_prefix(field, "header:") && field[7] != '\0') {
        r->target = LW_TARGET_HEADER;
        r->header = g_strdup(field + 7);
        return 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(target_names); i++) {
        if (i != LW_TARGET_HEADER && strcmp(field, target_names[i]) == 0) {
            r->target = (enum lw_rule_target) i;
            return 0;
        }
    }
    return -1;
}

/* parse_class - the optional CLASS field before the pattern; lure when absent */
static int parse_class(char **p, struct lw_rule *r)
{
    char *s = *p;

    r->cls = LW_CLASS_LURE;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '/' || *s == '\0')
        return 0;
    r->classed = 1;
    return lw_class_parse(next_field(p), &r->cls);
}

static int valid_id(const char *id)
{
    return *id && strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == strlen(id);
}

/* compile - PCRE2 compile plus JIT; NULL and a message on a bad pattern */
static pcre2_code *compile(const char *pattern, uint32_t options, char *why, size_t whylen)
{
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *re;

    options |= PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
    re = pcre2_compile((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED, options, &errcode, &erroff, NULL);
    if (re == NULL) {
        PCRE2_UCHAR buf[256];

        pcre2_get_error_message(errcode, buf, sizeof(buf));
        snprintf(why, whylen, "bad pattern at offset %zu: %s", (size_t) erroff, (char *) buf);
        return NULL;
    }
    /* Without JIT the interpreter still matches correctly, only slower. */
    (void) pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return re;
}

/* A recursive-descent parser for meta expressions, emitting postfix ops. */
struct meta_parser {
    const char *p;
    GHashTable *ids;        /* id -> index + 1 of the rules defined so far */
    GArray *ops;
    const char *why;
    int depth;
};

static void meta_skip(struct meta_parser *mp)
{
    while (*mp->p == ' ' || *mp->p == '\t')
        mp->p++;
}

static void meta_emit(struct meta_parser *mp, enum lw_meta_kind kind, guint rule)
{
    struct lw_meta_op op = { kind, rule };

    g_array_append_val(mp->ops, op);
}

static int meta_or(struct meta_parser *mp);

/* meta_unary - ID | !unary | ( or ) */
static int meta_unary(struct meta_parser *mp)
{
    size_t n;
    char *id;
    gpointer idx;

    meta_skip(mp);
    if (++mp->depth > 50)
        return (mp->why = "meta expression nested too deeply", -1);
    if (*mp->p == '!') {
        mp->p++;
        if (meta_unary(mp) < 0)
            return -1;
        meta_emit(mp, LW_META_NOT, 0);
    } else if (*mp->p == '(') {
        mp->p++;
        if (meta_or(mp) < 0)
            return -1;
        meta_skip(mp);
        if (*mp->p++ != ')')
            return (mp->why = "meta expression: missing ')'", -1);
    } else {
        n = strspn(mp->p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
        if (n == 0)
            return (mp->why = "meta expression: expected a rule id, '!' or '('", -1);
        id = g_strndup(mp->p, n);
        idx = g_hash_table_lookup(mp->ids, id);
        g_free(id);
        if (idx == NULL)
            return (mp->why = "meta expression names a rule not defined above it", -1);
        meta_emit(mp, LW_META_RULE, GPOINTER_TO_UINT(idx) - 1);
        mp->p += n;
    }
    mp->depth--;
    return 0;
}

static int meta_and(struct meta_parser *mp)
{
    if (meta_unary(mp) < 0)
        return -1;
    for (meta_skip(mp); mp->p[0] == '&' && mp->p[1] == '&'; meta_skip(mp)) {
        mp->p += 2;
        if (meta_unary(mp) < 0)
            return -1;
        meta_emit(mp, LW_META_AND, 0);
    }
    return 0;
}

static int meta_or(struct meta_parser *mp)
{
    if (meta_and(mp) < 0)
        return -1;
    for (meta_skip(mp); mp->p[0] == '|' && mp->p[1] == '|'; meta_skip(mp)) {
        mp->p += 2;
        if (meta_and(mp) < 0)
            return -1;
        meta_emit(mp, LW_META_OR, 0);
    }
    return 0;
}

/* compile_meta - postfix ops of a meta expression; NULL and why on error */
static GArray *compile_meta(const char *expr, GHashTable *ids, char *why, size_t whylen)
{
    struct meta_parser mp = { expr, ids, g_array_new(FALSE, FALSE, sizeof(struct lw_meta_op)), NULL, 0 };

    if (meta_or(&mp) == 0) {
        meta_skip(&mp);
        if (*mp.p == '\0')
            return mp.ops;
        mp.why = "meta expression: unexpected text (use &&, || and !)";
    }
    snprintf(why, whylen, "%s at \"%.20s\"", mp.why, mp.p);
    g_array_unref(mp.ops);
    return NULL;
}

/* lw_meta_eval - run the postfix ops on a small stack */
int lw_meta_eval(const struct lw_rule *r, const gboolean *matched)
{
    gboolean stack[64];
    int sp = 0;

    for (guint i = 0; i < r->meta->len; i++) {
        const struct lw_meta_op *op = &g_array_index(r->meta, struct lw_meta_op, i);

        switch (op->kind) {
        case LW_META_RULE:
            if (sp == G_N_ELEMENTS(stack))
                return 0;
            stack[sp++] = matched[op->rule];
            break;
        case LW_META_NOT:
            stack[sp - 1] = !stack[sp - 1];
            break;
        case LW_META_AND:
            sp--;
            stack[sp - 1] = stack[sp - 1] && stack[sp];
            break;
        case LW_META_OR:
            sp--;
            stack[sp - 1] = stack[sp - 1] || stack[sp];
            break;
        }
    }
    return sp == 1 && stack[0];
}

int lw_rule_is_helper(const struct lw_rule *r)
{
    return r->id[0] == '_' && r->id[1] == '_';
}

/* parse_rule - one non-comment line; NULL and why on error */
static struct lw_rule *parse_rule(char *line, GHashTable *ids, char *why, size_t whylen)
{
    struct lw_rule *r = g_new0(struct lw_rule, 1);
    GString *pattern = g_string_new(NULL);
    char *p = line, *id, *target, *score, *end;
    const char *perr = NULL;
    uint32_t options = 0;

    id = next_field(&p);
    target = next_field(&p);
    score = next_field(&p);
    if (!id || !target || !score) {
        snprintf(why, whylen, "expected: ID TARGET SCORE CLASS /PATTERN/FLAGS DESCRIPTION");
    } else if (!valid_id(id)) {
        snprintf(why, whylen, "bad rule id \"%s\" (letters, digits and _ only)", id);
    } else if (g_hash_table_contains(ids, id)) {
        snprintf(why, whylen, "duplicate rule id %s", id);
    } else if (parse_target(target, r) < 0) {
        snprintf(why, whylen, "unknown target \"%s\"", target);
    } else if (r->score = g_ascii_strtod(score, &end), *end != '\0' || r->score < -100 || r->score > 100) {
        snprintf(why, whylen, "bad score \"%s\" (a number from -100 to 100)", score);
    } else if (parse_class(&p, r) < 0) {
        snprintf(why, whylen, "unknown class (use evasion, deception, impersonation, malware,"
                 " indicator, lure, link or bulk)");
    } else if (next_pattern(&p, pattern, &options, &perr) < 0) {
        snprintf(why, whylen, "%s", perr);
    } else if ((r->description = g_strdup(g_strstrip(p)))[0] == '\0') {
        snprintf(why, whylen, "missing description");
    } else if (r->target == LW_TARGET_META ? (r->meta = compile_meta(pattern->str, ids, why, whylen)) != NULL
               : (r->re = compile(pattern->str, options, why, whylen)) != NULL) {
        r->id = g_strdup(id);
        r->pattern = g_string_free(pattern, FALSE);
        return r;
    }
    g_string_free(pattern, TRUE);
    rule_free(r);
    return NULL;
}

struct lw_ruleset *lw_ruleset_parse(const char *text, size_t len, const char *source,
                                    GPtrArray *errors)
{
    struct lw_ruleset *set = g_new0(struct lw_ruleset, 1);
    GHashTable *ids = g_hash_table_new(g_str_hash, g_str_equal);
    gchar *copy = g_strndup(text, len), **lines;

    set->source = g_strdup(source);
    set->sha256 = lw_sha256_hex(text, len);
    set->rules = g_ptr_array_new_with_free_func(rule_free);
    lines = g_strsplit(copy, "\n", -1);
    for (int i = 0; lines[i] != NULL; i++) {
        char why[400];
        struct lw_rule *r;
        char *line = g_strstrip(lines[i]);

        if (*line == '\0' || *line == '#')
            continue;
        if (!g_utf8_validate(line, -1, NULL)) {
            g_ptr_array_add(errors, g_strdup_printf("%s:%d: line is not valid UTF-8", source, i + 1));
            continue;
        }
        if ((r = parse_rule(line, ids, why, sizeof(why))) == NULL) {
            g_ptr_array_add(errors, g_strdup_printf("%s:%d: %s", source, i + 1, why));
            continue;
        }
        r->line = i + 1;
        g_ptr_array_add(set->rules, r);
        g_hash_table_insert(ids, r->id, GUINT_TO_POINTER(set->rules->len));
    }
    g_strfreev(lines);
    g_free(copy);
    g_hash_table_unref(ids);
    return set;
}

struct lw_ruleset *lw_ruleset_load(const char *path, GPtrArray *errors)
{
    gchar *text;
    gsize len;
    GError *gerr = NULL;
    struct lw_ruleset *set;

    if (!g_file_get_contents(path, &text, &len, &gerr)) {
        g_ptr_array_add(errors, g_strdup_printf("%s: %s", path, gerr->message));
        g_error_free(gerr);
        return NULL;
    }
    set = lw_ruleset_parse(text, len, path, errors);
    g_free(text);
    return set;
}
