/*
 * rulefile.c - read PCRE2 rules files
 *
 * FORMAT. One rule per line; blank lines and lines starting with '#' are
 * ignored. A rule is five fields separated by white space:
 *
 *     ID  TARGET  SCORE  /PATTERN/FLAGS  DESCRIPTION...
 *
 *   ID           letters, digits and '_', unique in the file
 *   TARGET       subject | from-name | from-addr | body | html | uri |
 *                filename | raw | header:NAME
 *   SCORE        a number from -100 to 100 (negative scores mark good signs)
 *   PATTERN      PCRE2 syntax between slashes; write a slash as \/.
 *                Always compiled as UTF with Unicode properties, tolerant
 *                of invalid UTF-8 in the subject (PCRE2_MATCH_INVALID_UTF).
 *   FLAGS        any of i (caseless), s (dot matches newline), m (multiline),
 *                x (extended)
 *   DESCRIPTION  the rest of the line: one sentence a reviewer understands
 *
 * Each pattern is compiled once and JIT-compiled; a compiled ruleset is
 * read-only and shared by all scanning threads.
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

static const char *const target_names[] = {
    [LW_TARGET_HEADER] = "header",
    [LW_TARGET_SUBJECT] = "subject",
    [LW_TARGET_FROM_NAME] = "from-name",
    [LW_TARGET_FROM_ADDR] = "from-addr",
    [LW_TARGET_BODY] = "body",
    [LW_TARGET_HTML] = "html",
    [LW_TARGET_URI] = "uri",
    [LW_TARGET_FILENAME] = "filename",
    [LW_TARGET_RAW] = "raw",
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
    g_free(r);
}

void lw_ruleset_free(struct lw_ruleset *set)
{
    if (set == NULL)
        return;
    g_ptr_array_unref(set->rules);
    g_free(set->source);
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
        snprintf(why, whylen, "expected: ID TARGET SCORE /PATTERN/FLAGS DESCRIPTION");
    } else if (!valid_id(id)) {
        snprintf(why, whylen, "bad rule id \"%s\" (letters, digits and _ only)", id);
    } else if (g_hash_table_contains(ids, id)) {
        snprintf(why, whylen, "duplicate rule id %s", id);
    } else if (parse_target(target, r) < 0) {
        snprintf(why, whylen, "unknown target \"%s\"", target);
    } else if (r->score = g_ascii_strtod(score, &end), *end != '\0' || r->score < -100 || r->score > 100) {
        snprintf(why, whylen, "bad score \"%s\" (a number from -100 to 100)", score);
    } else if (next_pattern(&p, pattern, &options, &perr) < 0) {
        snprintf(why, whylen, "%s", perr);
    } else if ((r->description = g_strdup(g_strstrip(p)))[0] == '\0') {
        snprintf(why, whylen, "missing description");
    } else if ((r->re = compile(pattern->str, options, why, whylen)) != NULL) {
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
        g_hash_table_add(ids, r->id);
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
