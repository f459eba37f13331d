/*
 * rules.c - analyzer: the operator's PCRE2 rules (rules_file)
 *
 * Each rule names one target (see rulefile.c for the format) and scores
 * once per message, on its first match, with the matched text as evidence.
 * The ruleset is compiled once per engine and shared; each scan makes its
 * own match data and a match context whose limits (rules_match_limit,
 * rules_depth_limit) bound the work a hostile subject can cause.
 *
 * A pattern that cannot finish - PCRE2's match, depth or heap limit, the
 * JIT stack, memory - has not said "no match": padding a message until a
 * rule gives up would switch that rule off in silence. Any such error
 * gives one hit per message, LW_RULE_MATCH_LIMIT (score limit_score), whose
 * evidence names up to three rules, the target and PCRE2's reason; the
 * rule itself counts as not matched (meta rules see it so). The programs
 * count the messages with this hit (lurewatch-scan --counters, the
 * milter's rule_limits).
 *
 * Meta rules (target meta) are evaluated after the pattern rules above
 * them, on which rules matched; helper rules ("__ID") only feed meta rules
 * and never become hits.
 *
 * Body and HTML rules read the texts of attached messages too, as mail
 * clients show them inline; the evidence then names the part. Body,
 * subject and from-name rules read their text as the reader does
 * (lw_text_read: NFKC, invisible characters gone, words disguised with
 * look-alike letters or spelt apart read whole), and a body rule that
 * does not match a text also tries it without Latin accents ("Vérify your
 * áccount"); a subject rule's indicator is the subject as it came. File
 * name rules read the name as Windows saves it (trailing dots and spaces
 * dropped); the indicator is the name as it came.
 *
 * Hits on sender-identifying targets carry indicators: a subject rule adds
 * the subject, a From rule the sender address, a filename rule the name, a
 * URI rule the URL.
 *
 * PREFILTER. At load, each pattern's required literals are computed (see
 * prefilter.c): a set of literals one of which every match contains. The
 * rules of one target (body, subject, header:NAME...) that have such a set
 * share one literal set, used when at least PREFILTER_MIN_RULES of them
 * have one (for a lone rule, its PCRE2 pass costs no more than the literal
 * pass). Each text of that target is folded and searched once per scan,
 * lazily, and a pattern runs on the text only when one of its literals
 * occurs in it; rules without literals (lurewatch-scan --lint-rules lists
 * them) always run. Hits and evidence are those of PCRE2 on the original
 * text, as without the prefilter; rules_prefilter = no turns it off.
 */
#include "config.h"

#include <string.h>

#include "analyzer.h"
#include "util/unicode.h"
#include "cache/key.h"
#include "util/log.h"
#include "prefilter.h"
#include "rulefile.h"
#include "model/url.h"

#define EVIDENCE_MAX 80
#define ERRORS_SHOWN 3
#define PREFILTER_MIN_RULES 2

struct rules_state {
    struct lw_ruleset *set;
    const struct lw_config *cfg;        /* borrowed from the engine: limits and limit_score */
    int jit;
    GPtrArray *filters;         /* struct lw_litset, one per prefiltered target, owned */
    int *filter_of;             /* per rule: index in filters, or -1: the pattern always runs */
};

/* What one scan needs to match: PCRE2 data and the texts' literal hits so far. */
struct matcher {
    pcre2_match_data *md;
    pcre2_match_context *mc;
    uint32_t options;           /* PCRE2_NO_JIT when rules_jit = no */
    const struct rules_state *st;
    guint rule;                 /* the rule being matched */
    GHashTable **seen;          /* per filter: text pointer -> guint8 hit[rule], lazily */
    GString *errors;            /* evidence of rules that could not finish, up to ERRORS_SHOWN */
    guint error_rules;          /* how many rules could not finish */
    int rule_failed;            /* the current rule already counted there */
    char *subject;              /* the subject as read (lw_text_read), once a rule asks; g_free */
    char *subject_plain;        /* that without Latin accents, or NULL if the same; likewise */
    char *from_name;            /* the display name as read, likewise */
    GPtrArray *unaccented;      /* per text: its norm without Latin accents, NULL if the same; once asked */
    GPtrArray *names;           /* every name of every part (lw_part filename, other_names); once asked */
    GPtrArray *saved_names;     /* each of those as Windows saves it, NULL if the same */
};

/* target_key - rules sharing a key are matched on the same texts */
static char *target_key(const struct lw_rule *r)
{
    char *header = r->header ? g_ascii_strdown(r->header, -1) : NULL;
    char *key = g_strdup_printf("%s:%s", lw_rule_target_name(r->target), header ? header : "");

    g_free(header);
    return key;
}

/* rule_literals - the required literals of a pattern rule, or NULL */
static GPtrArray *rule_literals(const struct lw_rule *r)
{
    uint32_t options = 0;

    if (r->re == NULL || pcre2_pattern_info(r->re, PCRE2_INFO_ARGOPTIONS, &options) != 0)
        return NULL;
    return lw_prefilter_literals(r->pattern, options);
}

/*
 * build_prefilters - one literal set per target with enough rules that have
 * literals; with enabled = 0 none, and every pattern always runs
 */
static void build_prefilters(struct rules_state *st, int enabled)
{
    guint n = st->set->rules->len;
    GPtrArray **lits = g_new0(GPtrArray *, n);
    GHashTable *groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) g_array_unref);
    GHashTableIter it;
    gpointer value;

    st->filters = g_ptr_array_new_with_free_func((GDestroyNotify) lw_litset_free);
    st->filter_of = g_new(int, n);
    for (guint i = 0; i < n; i++) {
        const struct lw_rule *r = g_ptr_array_index(st->set->rules, i);
        GArray *members;
        char *key;

        st->filter_of[i] = -1;
        if (!enabled || (lits[i] = rule_literals(r)) == NULL)
            continue;
        key = target_key(r);
        if ((members = g_hash_table_lookup(groups, key)) == NULL) {
            members = g_array_new(FALSE, FALSE, sizeof(guint));
            g_hash_table_insert(groups, g_strdup(key), members);
        }
        g_array_append_val(members, i);
        g_free(key);
    }
    g_hash_table_iter_init(&it, groups);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        GArray *members = value;
        struct lw_litset *ls;

        if (members->len < PREFILTER_MIN_RULES)
            continue;
        ls = lw_litset_new(n);
        for (guint j = 0; j < members->len; j++) {
            guint i = g_array_index(members, guint, j);

            lw_litset_add(ls, lits[i], i);
            st->filter_of[i] = (int) st->filters->len;
        }
        lw_litset_compile(ls);
        g_ptr_array_add(st->filters, ls);
    }
    for (guint i = 0; i < n; i++)
        if (lits[i])
            g_ptr_array_unref(lits[i]);
    g_free(lits);
    g_hash_table_unref(groups);
}

static int rules_init(const struct lw_config *cfg, const struct lw_shared *shared, const void *previous,
                      void **state, struct lw_error *err)
{
    GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
    struct lw_ruleset *set = lw_ruleset_load(cfg->rules_file, errors);
    struct lw_error why;
    int rc = 0;

    if (set == NULL || errors->len > 0) {
        rc = lw_error_set(err, "rules: %s%s", (char *) g_ptr_array_index(errors, 0),
                          errors->len > 1 ? " (and more: run lurewatch-scan --lint-rules)" : "");
        lw_ruleset_free(set);
    } else if (lw_config_check_file_safety(cfg->rules_file, &why) < 0) {
        rc = lw_error_set(err, "rules: %s", why.text);
        lw_ruleset_free(set);
    } else {
        struct rules_state *st = g_new0(struct rules_state, 1);

        st->set = set;
        st->cfg = cfg;
        st->jit = cfg->rules_jit;
        build_prefilters(st, cfg->rules_prefilter);
        *state = st;
    }
    g_ptr_array_unref(errors);
    return rc;
}

static void rules_fini(void *state)
{
    struct rules_state *st = state;

    lw_ruleset_free(st->set);
    g_ptr_array_unref(st->filters);
    g_free(st->filter_of);
    g_free(st);
}

/* may_match - can the current rule match subject? false only if none of its literals is in it */
static int may_match(struct matcher *m, const char *subject, size_t len)
{
    int f = m->st->filter_of[m->rule];
    guint8 *hit;

    if (f < 0)
        return 1;
    if (m->seen[f] == NULL)
        m->seen[f] = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    if ((hit = g_hash_table_lookup(m->seen[f], subject)) == NULL) {
        hit = g_new0(guint8, m->st->set->rules->len);
        lw_litset_scan(g_ptr_array_index(m->st->filters, f), subject, len, hit);
        g_hash_table_insert(m->seen[f], (gpointer) subject, hit);
    }
    return hit[m->rule];
}

/* match_failed - the current rule stopped with a PCRE2 error (a limit): noted once per rule */
static void match_failed(const struct lw_rule *r, struct matcher *m, int rc)
{
    PCRE2_UCHAR why[120];

    if (m->rule_failed++)
        return;
    if (m->error_rules++ >= ERRORS_SHOWN)
        return;
    if (pcre2_get_error_message(rc, why, sizeof(why)) < 0)
        g_snprintf((char *) why, sizeof(why), "PCRE2 error %d", rc);
    g_string_append_printf(m->errors, "%s%s on %s%s%s: %s", m->errors->len ? "; " : "", r->id,
                           lw_rule_target_name(r->target), r->header ? ":" : "", r->header ? r->header : "",
                           (const char *) why);
}

/* match - does re match subject? fills the evidence snippet on a match; errors are noted */
static int match(const struct lw_rule *r, struct matcher *m, const char *subject, size_t len,
                 char **evidence)
{
    PCRE2_SIZE *ov;
    char *snip;
    int rc;

    if (subject == NULL || !may_match(m, subject, len))
        return 0;
    rc = pcre2_match(r->re, (PCRE2_SPTR) subject, len, 0, m->options, m->md, m->mc);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
        match_failed(r, m, rc);
    if (rc < 0)
        return 0;
    ov = pcre2_get_ovector_pointer(m->md);
    snip = g_strndup(subject + ov[0], ov[1] - ov[0] < 200 ? ov[1] - ov[0] : 200);
    *evidence = lw_printable(snip, EVIDENCE_MAX);
    g_free(snip);
    return 1;
}

static int match_str(const struct lw_rule *r, struct matcher *m, const char *s, char **evidence)
{
    return s ? match(r, m, s, strlen(s), evidence) : 0;
}

/* in_attached - say that the evidence comes from WHAT (an attached message or file) at PATH */
static void in_attached(char **evidence, const char *what, const char *path)
{
    char *e = g_strdup_printf("(%s, part %s) %s", what, path, *evidence);

    g_free(*evidence);
    *evidence = e;
}

/*
 * from_name - the sender's display name. When a mailing list rewrote From
 * ("Name via List", "'a@b.example' via Group") the list wrote that name,
 * so the author's own, as the list kept it, is read instead. A name that
 * is just the sender's own address ("a@b.example" <a@b.example>, as some
 * clients write it) names no one: "".
 */
static const char *from_name(const struct lw_message *msg)
{
    const struct lw_address *a = msg->list && msg->list->poster ? msg->list->poster : msg->from;

    return g_ascii_strcasecmp(a->name, a->addr) == 0 ? "" : a->name;
}

/*
 * Texts derived from the message (unaccented, saved_name) are made once per
 * scan and kept until matcher_end: the prefilter caches the literals it
 * found by the text's address, so a text must not move, nor its address be
 * reused for another, while rules are matched.
 */

/* text_count, text_at - what body and html rules read: the body's texts, then the attached files' */
static guint text_count(const struct lw_message *msg)
{
    return msg->texts->len + msg->attached_texts->len;
}

static const struct lw_text *text_at(const struct lw_message *msg, guint i)
{
    return i < msg->texts->len ? g_ptr_array_index(msg->texts, i)
                               : g_ptr_array_index(msg->attached_texts, i - msg->texts->len);
}

/*
 * unaccented - text i's norm with the accents of its Latin letters removed,
 * or NULL when it has none: "Vérify your áccount" disguises a lure from
 * rules written for the plain words (its evasion hit is lookalike.c's
 * LW_TEXT_ACCENTED_LURE), so body rules also read it so. Rules for
 * languages with accents match the text as written first.
 */
static const char *unaccented(struct matcher *m, const struct lw_message *msg, guint i)
{
    if (m->unaccented == NULL) {
        m->unaccented = g_ptr_array_new_full(text_count(msg), g_free);
        for (guint k = 0; k < text_count(msg); k++)
            g_ptr_array_add(m->unaccented, lw_text_unaccented(text_at(msg, k)->norm));
    }
    return g_ptr_array_index(m->unaccented, i);
}

/* saved_form - name as Windows saves it: trailing dots and spaces dropped (g_free); NULL when the same */
static char *saved_form(const char *name)
{
    size_t n = strlen(name);

    while (n > 0 && (name[n - 1] == '.' || name[n - 1] == ' '))
        n--;
    return name[n] ? g_strndup(name, n) : NULL;
}

/* add_name - one part name, and its saved form, to the matcher's lists */
static void add_name(struct matcher *m, const char *name)
{
    g_ptr_array_add(m->names, (gpointer) name);
    g_ptr_array_add(m->saved_names, saved_form(name));
}

/*
 * part_names - every name the parts give themselves, in part order: each
 * name a mail client may show or save the file as (message.h other_names),
 * so "invoice.exe. " is invoice.exe to the rules; once per message
 */
static void part_names(struct matcher *m, const struct lw_message *msg)
{
    if (m->names != NULL)
        return;
    m->names = g_ptr_array_new();
    m->saved_names = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < msg->parts->len; i++) {
        const struct lw_part *p = g_ptr_array_index(msg->parts, i);

        if (p->filename)
            add_name(m, p->filename);
        for (char **o = p->other_names; o && *o; o++)
            add_name(m, *o);
    }
}

/*
 * followed - a URL the reader is sent to: a link, a form's target, an
 * address written in the text, a QR code's or an attachment's link. Not
 * a picture or a style sheet the client loads, not an address written
 * defanged (hxxp://) or without its scheme, which nobody clicks.
 */
static int followed(const struct lw_url *u)
{
    return (u->flags & LW_URL_FOLLOWED) && !(u->flags & (LW_URL_DEFANGED | LW_URL_NO_SCHEME | LW_URL_UNPARSED));
}

/* match_rule - try one rule on every string of its target */
static int match_rule(const struct lw_rule *r, struct matcher *m, const struct lw_message *msg,
                      char **evidence, const char **what)
{
    *what = NULL;
    switch (r->target) {
    case LW_TARGET_SUBJECT:
        if (m->subject == NULL && msg->subject) {
            m->subject = lw_text_read(msg->subject);
            m->subject_plain = lw_text_unaccented(m->subject);
        }
        return match_str(r, m, m->subject, evidence)
               || (m->subject_plain && match_str(r, m, m->subject_plain, evidence)) ? (*what = msg->subject, 1) : 0;
    case LW_TARGET_FROM_NAME:
        if (m->from_name == NULL && msg->from)
            m->from_name = lw_text_read(from_name(msg));
        return msg->from && match_str(r, m, m->from_name, evidence) ? (*what = msg->from->addr, 1) : 0;
    case LW_TARGET_FROM_ADDR:
        return msg->from && match_str(r, m, msg->from->addr, evidence) ? (*what = msg->from->addr, 1) : 0;
    case LW_TARGET_RAW:
        return match(r, m, msg->raw, msg->raw_len, evidence);
    case LW_TARGET_HEADER:
        for (guint i = 0; i < msg->headers->len; i++) {
            const struct lw_header *h = g_ptr_array_index(msg->headers, i);

            if (g_ascii_strcasecmp(h->name, r->header) == 0 && match_str(r, m, h->value, evidence))
                return 1;
        }
        return 0;
    case LW_TARGET_BODY:
    case LW_TARGET_HTML:
        for (guint i = 0; i < text_count(msg); i++) {
            const struct lw_text *t = text_at(msg, i);

            if (match_str(r, m, r->target == LW_TARGET_BODY ? t->norm : t->html, evidence)
                || (r->target == LW_TARGET_BODY && match_str(r, m, unaccented(m, msg, i), evidence))) {
                if (t->in_attachment)
                    in_attached(evidence, "attached file", t->path);
                else if (t->in_attached_message)
                    in_attached(evidence, "attached message", t->path);
                return 1;
            }
        }
        return 0;
    case LW_TARGET_FILENAME:
        part_names(m, msg);
        for (guint i = 0; i < m->names->len; i++) {
            const char *saved = g_ptr_array_index(m->saved_names, i);

            if (match_str(r, m, saved ? saved : g_ptr_array_index(m->names, i), evidence))
                return (*what = g_ptr_array_index(m->names, i), 1);
        }
        return 0;
    case LW_TARGET_URI:
    case LW_TARGET_LINK:
        for (guint i = 0; i < msg->urls->len; i++) {
            const struct lw_url *u = g_ptr_array_index(msg->urls, i);

            if ((r->target == LW_TARGET_URI || followed(u)) && match_str(r, m, u->url, evidence))
                return (*what = u->url, 1);
        }
        return 0;
    case LW_TARGET_META:
        return 0;   /* evaluated by rules_scan */
    }
    return 0;
}

static void add_indicator(struct lw_verdict *v, struct lw_hit *hit, const struct lw_rule *r,
                          const char *what)
{
    switch (r->target) {
    case LW_TARGET_SUBJECT: lw_hit_add_indicator(v, hit, LW_ROLE_NONE, LW_IOC_SUBJECT, what); break;
    case LW_TARGET_FROM_NAME:
    case LW_TARGET_FROM_ADDR: lw_hit_add_indicator(v, hit, LW_ROLE_SENDER, LW_IOC_EMAIL, what); break;
    case LW_TARGET_FILENAME: lw_hit_add_indicator(v, hit, LW_ROLE_PAYLOAD, LW_IOC_FILENAME, what); break;
    case LW_TARGET_URI:
    case LW_TARGET_LINK: lw_hit_add_indicator(v, hit, LW_ROLE_LURE, LW_IOC_URL, what); break;
    default: break;
    }
}

/* report_errors - the one LW_RULE_MATCH_LIMIT hit for the rules that could not finish */
static void report_errors(const struct rules_state *st, const struct matcher *m, struct lw_verdict *v)
{
    char *ev;

    if (m->error_rules == 0)
        return;
    ev = m->error_rules > ERRORS_SHOWN
         ? g_strdup_printf("%s (+%u more)", m->errors->str, m->error_rules - ERRORS_SHOWN)
         : g_strdup(m->errors->str);
    lw_verdict_add_hit(v, "rules", "LW_RULE_MATCH_LIMIT", st->cfg->limit_score,
                       "A rule could not finish on this message (PCRE2 limit): text padded to switch rules off", ev);
    g_free(ev);
}

/* matcher_begin - what one message's matching needs; -1 when out of memory */
static int matcher_begin(struct matcher *m, const struct rules_state *st)
{
    m->md = pcre2_match_data_create(1, NULL);
    m->mc = pcre2_match_context_create(NULL);
    if (m->md == NULL || m->mc == NULL) {
        pcre2_match_data_free(m->md);
        pcre2_match_context_free(m->mc);
        return -1;
    }
    m->options = st->jit ? 0 : PCRE2_NO_JIT;
    m->st = st;
    m->seen = g_new0(GHashTable *, st->filters->len + 1);
    m->errors = g_string_new(NULL);
    m->error_rules = 0;
    m->subject = m->subject_plain = m->from_name = NULL;
    m->unaccented = m->saved_names = m->names = NULL;
    pcre2_set_match_limit(m->mc, (uint32_t) st->cfg->rules_match_limit);
    pcre2_set_depth_limit(m->mc, (uint32_t) st->cfg->rules_depth_limit);
    return 0;
}

static void matcher_end(struct matcher *m)
{
    g_free(m->subject);
    g_free(m->subject_plain);
    g_free(m->from_name);
    if (m->unaccented)
        g_ptr_array_unref(m->unaccented);
    if (m->saved_names)
        g_ptr_array_unref(m->saved_names);
    if (m->names)
        g_ptr_array_unref(m->names);
    g_string_free(m->errors, TRUE);
    for (guint f = 0; f < m->st->filters->len; f++)
        if (m->seen[f])
            g_hash_table_unref(m->seen[f]);
    g_free(m->seen);
    pcre2_match_data_free(m->md);
    pcre2_match_context_free(m->mc);
}

static int rules_scan(const void *state, const struct lw_message *msg, struct lw_cache_session *cache,
                      struct lw_verdict *v, struct lw_error *err)
{
    const struct rules_state *st = state;
    const struct lw_ruleset *set = st->set;
    gboolean *matched;
    struct matcher m;

    if (matcher_begin(&m, st) < 0)
        return lw_error_set(err, "out of memory for match data");
    matched = g_new0(gboolean, set->rules->len + 1);
    for (guint i = 0; i < set->rules->len; i++) {
        const struct lw_rule *r = g_ptr_array_index(set->rules, i);
        char *evidence = NULL, *where;
        const char *what;
        struct lw_hit *hit;

        if (r->target == LW_TARGET_META) {
            if (!(matched[i] = lw_meta_eval(r, matched)))
                continue;
            what = NULL;
            evidence = g_strdup(r->pattern);
        } else if (m.rule = i, m.rule_failed = 0, !(matched[i] = match_rule(r, &m, msg, &evidence, &what))) {
            continue;
        }
        if (lw_rule_is_helper(r)) {
            g_free(evidence);
            continue;
        }
        where = g_strdup_printf("%s%s%s: %s", lw_rule_target_name(r->target),
                                r->header ? ":" : "", r->header ? r->header : "", evidence);
        hit = lw_verdict_add_hit(v, "rules", r->id, r->score, r->description, where);
        hit->cls = r->cls;
        add_indicator(v, hit, r, what);
        g_free(where);
        g_free(evidence);
    }
    report_errors(st, &m, v);
    matcher_end(&m);
    g_free(matched);
    return 0;
}

/* left_out_text - "Name: value" lines of the fields the cache key leaves out, as received */
static GString *left_out_text(const struct lw_message *msg)
{
    GString *text = g_string_new(NULL);

    for (guint i = 0; i < msg->headers->len; i++) {
        const struct lw_header *h = g_ptr_array_index(msg->headers, i);

        if (lw_key_left_out(h->name, strlen(h->name)))
            g_string_append_printf(text, "%s: %s\n", h->name, h->raw);
    }
    return text;
}

/*
 * rules_key - what the rules read of the fields the cache key leaves out:
 * whether each header:NAME rule on such a field matches (matched as scan
 * matches it), and whether each raw rule matches their text. A raw match
 * that would span such a field and the next is not seen.
 */
static int rules_key(const void *state, const struct lw_message *msg, GString *out)
{
    const struct rules_state *st = state;
    GString *text = NULL;
    struct matcher m;

    if (matcher_begin(&m, st) < 0)
        return -1;
    for (guint i = 0; i < st->set->rules->len; i++) {
        const struct lw_rule *r = g_ptr_array_index(st->set->rules, i);
        char *evidence = NULL;
        const char *what;
        int hit;

        m.rule = i;
        m.rule_failed = 0;
        if (r->target == LW_TARGET_HEADER && lw_key_left_out(r->header, strlen(r->header))) {
            hit = match_rule(r, &m, msg, &evidence, &what);
        } else if (r->target == LW_TARGET_RAW) {
            if (text == NULL)
                text = left_out_text(msg);
            hit = match(r, &m, text->str, text->len, &evidence);
        } else {
            continue;
        }
        g_string_append_printf(out, "rules.%s:%c\n", r->id, hit ? '1' : m.rule_failed ? 'e' : '0');
        g_free(evidence);
    }
    if (text != NULL)
        g_string_free(text, TRUE);
    matcher_end(&m);
    return 0;
}

/* rules_loaded - the rules file's text as parsed, for the cache tag */
static void rules_loaded(const void *state, struct lw_loaded *out)
{
    const struct rules_state *st = state;

    g_checksum_update(out->tag, (const guchar *) st->set->sha256, -1);
}

const struct lw_analyzer lw_analyzer_rules = {
    .name = "rules",
    .key = rules_key,
    .loaded = rules_loaded,
    .init = rules_init,
    .scan = rules_scan,
    .fini = rules_fini,
};
