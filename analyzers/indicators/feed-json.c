/*
 * feed-json.c - STIX 2.1 bundles and MISP event JSON as indicator feeds
 *
 * All JSON of ioc/ is read here, with jansson (never include json-c
 * headers in this file: the two libraries declare the same names).
 *
 * STIX 2.1: a bundle ({"type":"bundle","objects":[...]}), an array of
 * objects, or one indicator. Each indicator with pattern_type "stix" (the
 * default) whose pattern is in the subset lurewatch can match is loaded:
 *
 *     [PATH = 'value' (OR PATH = 'value')*] (OR [...])*
 *
 * with PATH one of domain-name:value, url:value, ipv4-addr:value,
 * ipv6-addr:value, email-addr:value, email-message:from_ref.value,
 * email-message:subject, file:hashes.'SHA-256' / 'SHA-1' / 'MD5' (quoted
 * or not, any case), file:name. Every value becomes an indicator with the
 * STIX indicator's id, confidence, valid_until, description (or name) and
 * TLP (object_marking_refs to TLP marking definitions, the well-known ids
 * or ones defined in the bundle). AND, FOLLOWEDBY, qualifiers, other
 * operators and other object paths are counted as unsupported and
 * reported with the indicator's id. Revoked indicators are skipped.
 *
 * MISP: {"Event": {...}}, {"response": [{"Event": ...}]}, an array of
 * those, or a bare event. Attributes of the event and of its objects with
 * to_ids set are loaded by type (domain, hostname, url, ip-src/ip-dst and
 * their |port forms, domain|ip, email-src, email, email-reply-to,
 * email-subject, email-x-mailer, email-message-id (its domain),
 * filename, email-attachment, md5/sha1/sha256 and filename|hash,
 * malware-sample); other types are counted as unsupported. The id is the
 * attribute's uuid; TLP comes from tlp: tags of the attribute or event.
 *
 * A document that is not JSON, or JSON that is neither, is malformed:
 * reported with line and column and not loaded.
 */
#include "config.h"

#include <string.h>
#include <jansson.h>

#include "indicators/feed.h"

/* Well-known TLP 1.0 marking definitions of STIX 2.1 (section 7.2.1.4). */
static const struct { const char *id; enum lw_tlp tlp; } tlp_markings[] = {
    { "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", LW_TLP_CLEAR },
    { "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", LW_TLP_GREEN },
    { "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", LW_TLP_AMBER },
    { "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", LW_TLP_RED },
};

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* STIX patterns. */

struct pattern {
    const char *p;
    char *why;                  /* set when unsupported */
    GPtrArray *types;           /* GINT_TO_POINTER(type) */
    GPtrArray *values;          /* char* */
};

static void skip_ws(struct pattern *pt)
{
    while (g_ascii_isspace(*pt->p))
        pt->p++;
}

/* unsupported - note why the pattern is outside the subset (the first reason wins) */
static int unsupported(struct pattern *pt, const char *reason, const char *at)
{
    if (pt->why == NULL)
        pt->why = at ? g_strdup_printf("%s \"%.40s\"", reason, at) : g_strdup(reason);
    return -1;
}

/* map_path - the indicator type of an object path, or -1 */
static int map_path(const char *path, enum lw_ioc_type *type)
{
    static const struct { const char *path; enum lw_ioc_type type; } paths[] = {
        { "domain-name:value", LW_IOC_DOMAIN }, { "url:value", LW_IOC_URL },
        { "ipv4-addr:value", LW_IOC_IPV4 }, { "ipv6-addr:value", LW_IOC_IPV6 },
        { "email-addr:value", LW_IOC_EMAIL }, { "email-message:from_ref.value", LW_IOC_EMAIL },
        { "email-message:subject", LW_IOC_SUBJECT }, { "file:name", LW_IOC_FILENAME },
    };
    char *h;

    for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
        if (strcmp(path, paths[i].path) == 0) {
            *type = paths[i].type;
            return 0;
        }
    }
    if (!g_str_has_prefix(path, "file:hashes."))
        return -1;
    /* 'SHA-256', SHA256, sha256, "SHA-1", MD5 ... */
    h = g_ascii_strdown(path + 12, -1);
    for (char *r = h, *w = h;; r++) {
        if (g_ascii_isalnum(*r) || *r == '\0')
            *w++ = *r;      /* drop quotes and '-' */
        if (*r == '\0')
            break;
    }
    if (strcmp(h, "sha256") == 0)
        *type = LW_IOC_SHA256;
    else if (strcmp(h, "sha1") == 0)
        *type = LW_IOC_SHA1;
    else if (strcmp(h, "md5") == 0)
        *type = LW_IOC_MD5;
    g_free(h);
    return *type == LW_IOC_SHA256 || *type == LW_IOC_SHA1 || *type == LW_IOC_MD5 ? 0 : -1;
}

/* parse_comparison - PATH = 'string' */
static int parse_comparison(struct pattern *pt)
{
    const char *s = pt->p;
    char *path;
    GString *val;
    enum lw_ioc_type type = LW_IOC_NTYPES;

    while (*pt->p && !g_ascii_isspace(*pt->p) && *pt->p != '=' && *pt->p != '!')
        pt->p++;
    path = g_strndup(s, (gsize) (pt->p - s));
    skip_ws(pt);
    if (*pt->p != '=') {
        g_free(path);
        return unsupported(pt, "an operator other than '=' at", pt->p);
    }
    pt->p++;
    skip_ws(pt);
    if (map_path(path, &type) < 0) {
        unsupported(pt, "the object path", path);
        g_free(path);
        return -1;
    }
    g_free(path);
    if (*pt->p != '\'')
        return unsupported(pt, "a value that is not a string at", pt->p);
    val = g_string_new(NULL);
    for (pt->p++; *pt->p && *pt->p != '\''; pt->p++) {
        if (*pt->p == '\\' && pt->p[1])
            pt->p++;
        g_string_append_c(val, *pt->p);
    }
    if (*pt->p != '\'') {
        g_string_free(val, TRUE);
        return unsupported(pt, "an unterminated string", NULL);
    }
    pt->p++;
    g_ptr_array_add(pt->types, GINT_TO_POINTER(type));
    g_ptr_array_add(pt->values, g_string_free(val, FALSE));
    return 0;
}

/* keyword - is the next word kw? consumes it */
static int keyword(struct pattern *pt, const char *kw)
{
    size_t n = strlen(kw);

    skip_ws(pt);
    if (g_ascii_strncasecmp(pt->p, kw, n) == 0 && !g_ascii_isalnum(pt->p[n]) && pt->p[n] != '_') {
        pt->p += n;
        return 1;
    }
    return 0;
}

/* parse_observation - [ comparison (OR comparison)* ] */
static int parse_observation(struct pattern *pt)
{
    skip_ws(pt);
    if (*pt->p != '[')
        return unsupported(pt, "expected '[' at", pt->p);
    pt->p++;
    do {
        skip_ws(pt);
        if (parse_comparison(pt) < 0)
            return -1;
    } while (keyword(pt, "OR"));
    skip_ws(pt);
    if (*pt->p != ']') {
        if (keyword(pt, "AND"))
            return unsupported(pt, "AND inside an observation", NULL);
        return unsupported(pt, "expected ']' at", pt->p);
    }
    pt->p++;
    return 0;
}

/* parse_pattern - observations joined by OR; anything else is unsupported */
static int parse_pattern(struct pattern *pt)
{
    do {
        if (parse_observation(pt) < 0)
            return -1;
    } while (keyword(pt, "OR"));
    skip_ws(pt);
    if (*pt->p != '\0')
        return unsupported(pt, "an operator or qualifier other than OR between observations:", pt->p);
    return 0;
}

/* stix_tlp - the TLP of an object from its marking refs */
static enum lw_tlp stix_tlp(const json_t *obj, GHashTable *markings)
{
    const json_t *refs = json_object_get(obj, "object_marking_refs"), *r;
    size_t i;

    json_array_foreach(refs, i, r) {
        const char *id = json_string_value(r);

        if (id == NULL)
            continue;
        for (size_t k = 0; k < G_N_ELEMENTS(tlp_markings); k++)
            if (strcmp(id, tlp_markings[k].id) == 0)
                return tlp_markings[k].tlp;
        if (g_hash_table_contains(markings, id))
            return (enum lw_tlp) GPOINTER_TO_INT(g_hash_table_lookup(markings, id));
    }
    return LW_TLP_NONE;
}

/* stix_markings - TLP marking definitions declared in the bundle */
static GHashTable *stix_markings(const json_t *objects)
{
    GHashTable *m = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    const json_t *o;
    size_t i;

    json_array_foreach(objects, i, o) {
        const char *type = str(o, "type"), *id = str(o, "id"), *name = str(o, "name");
        const char *tlp = json_string_value(json_object_get(json_object_get(o, "definition"), "tlp"));
        enum lw_tlp t;

        if (type == NULL || strcmp(type, "marking-definition") != 0 || id == NULL)
            continue;
        if ((tlp && lw_tlp_parse(tlp, &t) == 0) || (name && lw_tlp_parse(name, &t) == 0))
            g_hash_table_insert(m, g_strdup(id), GINT_TO_POINTER(t));
    }
    return m;
}

/* stix_indicator - one indicator object */
static void stix_indicator(struct lw_feed_ctx *c, const json_t *o, size_t index, GHashTable *markings)
{
    const char *id = str(o, "id"), *ptype = str(o, "pattern_type"), *pattern = str(o, "pattern");
    struct pattern pt = { pattern, NULL, g_ptr_array_new(), g_ptr_array_new_with_free_func(g_free) };
    struct lw_ioc_meta m = { id, str(o, "description"), LW_IOC_CONFIDENCE_UNKNOWN, LW_TLP_NONE, 0,
                             (unsigned) index };
    char *where = g_strdup_printf("%s: objects[%zu] (%s)", c->rep->path, index, id ? id : "no id");

    if (m.description == NULL)
        m.description = str(o, "name");
    if (json_is_true(json_object_get(o, "revoked"))) {
        c->rep->revoked++;
    } else if (ptype && strcmp(ptype, "stix") != 0) {
        c->rep->unsupported++;
        lw_feed_problem(c->rep, "%s: unsupported pattern_type %s", where, ptype);
    } else if (pattern == NULL) {
        c->rep->rejected++;
        lw_feed_problem(c->rep, "%s: indicator without a pattern", where);
    } else if (parse_pattern(&pt) < 0) {
        c->rep->unsupported++;
        lw_feed_problem(c->rep, "%s: unsupported pattern (%s): %s", where, pt.why, pattern);
    } else {
        if (json_is_integer(json_object_get(o, "confidence"))) {
            json_int_t conf = json_integer_value(json_object_get(o, "confidence"));

            if (conf >= 0 && conf <= 100)   /* range first: (int) of 4294967346 is 50 */
                m.confidence = (int) conf;
            else
                lw_feed_problem(c->rep, "%s: confidence %" JSON_INTEGER_FORMAT " is not 0-100 (ignored)",
                                where, conf);
        }
        if (str(o, "valid_until"))
            m.valid_until = lw_feed_parse_time(str(o, "valid_until"));
        m.tlp = stix_tlp(o, markings);
        for (guint i = 0; i < pt.values->len; i++)
            lw_feed_add(c, (enum lw_ioc_type) GPOINTER_TO_INT(g_ptr_array_index(pt.types, i)),
                        g_ptr_array_index(pt.values, i), &m, where);
    }
    g_free(pt.why);
    g_ptr_array_unref(pt.types);
    g_ptr_array_unref(pt.values);
    g_free(where);
}

static void read_stix(struct lw_feed_ctx *c, const json_t *objects)
{
    GHashTable *markings = stix_markings(objects);
    const json_t *o;
    size_t i;

    c->rep->format = "stix";
    json_array_foreach(objects, i, o) {
        const char *type = str(o, "type");

        if (type && strcmp(type, "indicator") == 0)
            stix_indicator(c, o, i, markings);
    }
    g_hash_table_unref(markings);
}

/* MISP. */

struct misp_type {
    const char *name;
    enum lw_ioc_type first;     /* LW_IOC_NTYPES: guess (ip) */
    enum lw_ioc_type second;    /* for "a|b" types; LW_IOC_NTYPES: ignore b */
};

static const struct misp_type misp_types[] = {
    { "domain", LW_IOC_DOMAIN, LW_IOC_NTYPES }, { "hostname", LW_IOC_DOMAIN, LW_IOC_NTYPES },
    { "hostname|port", LW_IOC_DOMAIN, LW_IOC_NTYPES }, { "url", LW_IOC_URL, LW_IOC_NTYPES },
    { "uri", LW_IOC_URL, LW_IOC_NTYPES },
    { "ip-src", LW_IOC_NTYPES, LW_IOC_NTYPES }, { "ip-dst", LW_IOC_NTYPES, LW_IOC_NTYPES },
    { "ip-src|port", LW_IOC_NTYPES, LW_IOC_NTYPES }, { "ip-dst|port", LW_IOC_NTYPES, LW_IOC_NTYPES },
    { "domain|ip", LW_IOC_DOMAIN, LW_IOC_IPV4 },
    { "email", LW_IOC_EMAIL, LW_IOC_NTYPES }, { "email-src", LW_IOC_EMAIL, LW_IOC_NTYPES },
    { "email-reply-to", LW_IOC_EMAIL, LW_IOC_NTYPES },
    { "email-subject", LW_IOC_SUBJECT, LW_IOC_NTYPES }, { "email-x-mailer", LW_IOC_X_MAILER, LW_IOC_NTYPES },
    { "email-message-id", LW_IOC_MSGID_DOMAIN, LW_IOC_NTYPES },
    { "filename", LW_IOC_FILENAME, LW_IOC_NTYPES }, { "email-attachment", LW_IOC_FILENAME, LW_IOC_NTYPES },
    { "md5", LW_IOC_MD5, LW_IOC_NTYPES }, { "sha1", LW_IOC_SHA1, LW_IOC_NTYPES },
    { "sha256", LW_IOC_SHA256, LW_IOC_NTYPES },
    { "filename|md5", LW_IOC_FILENAME, LW_IOC_MD5 }, { "filename|sha1", LW_IOC_FILENAME, LW_IOC_SHA1 },
    { "filename|sha256", LW_IOC_FILENAME, LW_IOC_SHA256 }, { "malware-sample", LW_IOC_FILENAME, LW_IOC_MD5 },
};

/* misp_tlp - the first tlp: tag of tags, or dflt */
static enum lw_tlp misp_tlp(const json_t *tags, enum lw_tlp dflt)
{
    const json_t *t;
    size_t i;
    enum lw_tlp tlp;

    json_array_foreach(tags, i, t) {
        const char *name = str(t, "name");

        if (name && g_ascii_strncasecmp(name, "tlp:", 4) == 0 && lw_tlp_parse(name, &tlp) == 0)
            return tlp;
    }
    return dflt;
}

static int to_ids(const json_t *a)
{
    const json_t *v = json_object_get(a, "to_ids");
    const char *s = json_string_value(v);

    return json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0)
        || (s && (strcmp(s, "1") == 0 || g_ascii_strcasecmp(s, "true") == 0));
}

/* misp_value - add one part of an attribute value as type t (t may be "guess") */
static void misp_value(struct lw_feed_ctx *c, enum lw_ioc_type t, const char *v,
                       const struct lw_ioc_meta *m, const char *where)
{
    char *copy = g_strdup(v), *p;

    if (t == LW_IOC_NTYPES || t == LW_IOC_IPV4) {
        if ((p = strchr(copy, '|')) != NULL)    /* ip|port */
            *p = '\0';
        t = strchr(copy, ':') ? LW_IOC_IPV6 : LW_IOC_IPV4;
    } else if (t == LW_IOC_MSGID_DOMAIN) {
        char *at = strrchr(copy, '@');

        if (at) {
            memmove(copy, at + 1, strlen(at + 1) + 1);
            copy[strcspn(copy, ">")] = '\0';
        }
    } else if (t == LW_IOC_DOMAIN && (p = strchr(copy, '|')) != NULL) {
        *p = '\0';      /* hostname|port */
    }
    lw_feed_add(c, t, copy, m, where);
    g_free(copy);
}

/* misp_attribute - one attribute, if it is for detection and of a type we match */
static void misp_attribute(struct lw_feed_ctx *c, const json_t *a, const char *info, enum lw_tlp tlp,
                           const char *where, GHashTable *unsupported_types)
{
    const char *type = str(a, "type"), *value = str(a, "value"), *comment = str(a, "comment");
    const struct misp_type *mt = NULL;
    struct lw_ioc_meta m = { str(a, "uuid"), NULL, LW_IOC_CONFIDENCE_UNKNOWN, misp_tlp(json_object_get(a, "Tag"), tlp), 0, 0 };
    char *desc, *wid = g_strdup_printf("%s (%s)", where, m.id ? m.id : "no uuid");

    if (!to_ids(a) || json_is_true(json_object_get(a, "deleted")) || type == NULL || value == NULL) {
        g_free(wid);
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(misp_types); i++)
        if (strcmp(type, misp_types[i].name) == 0)
            mt = &misp_types[i];
    if (mt == NULL) {
        c->rep->unsupported++;
        g_hash_table_replace(unsupported_types, g_strdup(type),
                             GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(unsupported_types, type)) + 1));
        g_free(wid);
        return;
    }
    desc = comment && *comment ? g_strdup_printf("%s: %s", info ? info : "MISP event", comment)
                               : g_strdup(info);
    m.description = desc;
    if (mt->second != LW_IOC_NTYPES && strchr(value, '|')) {
        char *first = g_strndup(value, strcspn(value, "|"));

        misp_value(c, mt->first, first, &m, wid);
        misp_value(c, mt->second, strchr(value, '|') + 1, &m, wid);
        g_free(first);
    } else {
        misp_value(c, mt->first, value, &m, wid);
    }
    g_free(desc);
    g_free(wid);
}

/* misp_event - the attributes of an event and of its objects */
static void misp_event(struct lw_feed_ctx *c, const json_t *ev, size_t index, GHashTable *unsup)
{
    const char *info = str(ev, "info");
    enum lw_tlp tlp = misp_tlp(json_object_get(ev, "Tag"), LW_TLP_NONE);
    const json_t *a, *obj;
    size_t i, k;

    json_array_foreach(json_object_get(ev, "Attribute"), i, a) {
        char *where = g_strdup_printf("%s: event %zu Attribute[%zu]", c->rep->path, index, i);

        misp_attribute(c, a, info, tlp, where, unsup);
        g_free(where);
    }
    json_array_foreach(json_object_get(ev, "Object"), k, obj) {
        json_array_foreach(json_object_get(obj, "Attribute"), i, a) {
            char *where = g_strdup_printf("%s: event %zu Object[%zu].Attribute[%zu]", c->rep->path, index, k, i);

            misp_attribute(c, a, info, tlp, where, unsup);
            g_free(where);
        }
    }
}

/* is_event - does o look like a MISP event? */
static int is_event(const json_t *o)
{
    return json_is_object(o) && (json_object_get(o, "Attribute") || json_object_get(o, "Object")
                                 || json_object_get(o, "info") || json_object_get(o, "uuid"));
}

/* misp_events - every event in the document, in the shapes MISP exports */
static int misp_events(struct lw_feed_ctx *c, const json_t *root)
{
    GHashTable *unsup = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GPtrArray *events = g_ptr_array_new();
    const json_t *list = json_is_array(root) ? root : json_object_get(root, "response"), *e;
    GHashTableIter it;
    gpointer key, val;
    size_t i;

    if (json_is_object(root) && json_object_get(root, "Event"))
        g_ptr_array_add(events, json_object_get(root, "Event"));
    json_array_foreach(list, i, e)
        g_ptr_array_add(events, json_object_get(e, "Event") ? json_object_get(e, "Event") : (json_t *) e);
    if (events->len == 0 && is_event(root))
        g_ptr_array_add(events, (json_t *) root);
    for (guint n = 0; n < events->len; n++)
        if (!is_event(g_ptr_array_index(events, n)))
            g_ptr_array_set_size(events, 0);
    if (events->len > 0)
        c->rep->format = "misp";
    if (c->rep->format == NULL) {
        g_ptr_array_unref(events);
        g_hash_table_unref(unsup);
        return -1;
    }
    for (guint n = 0; n < events->len; n++)
        misp_event(c, g_ptr_array_index(events, n), n, unsup);
    g_hash_table_iter_init(&it, unsup);
    while (g_hash_table_iter_next(&it, &key, &val))
        lw_feed_problem(c->rep, "%s: %d attribute(s) of unsupported MISP type %s", c->rep->path,
                        GPOINTER_TO_INT(val), (char *) key);
    g_ptr_array_unref(events);
    g_hash_table_unref(unsup);
    return 0;
}

/* lw_feed_json - detect STIX or MISP and read it; -1 with rep->error when malformed */
int lw_feed_json(struct lw_feed_ctx *c, const char *data, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_DECODE_ANY, &jerr);
    const char *type;
    const json_t *objects = NULL;
    int rc = 0;

    if (root == NULL) {
        c->rep->error = g_strdup_printf("%s:%d:%d: invalid JSON: %s", c->rep->path, jerr.line,
                                        jerr.column, jerr.text);
        return -1;
    }
    type = json_is_object(root) ? str(root, "type") : NULL;
    if (type && strcmp(type, "bundle") == 0) {
        objects = json_object_get(root, "objects");
        if (json_is_array(objects)) {
            read_stix(c, objects);
        } else {
            c->rep->error = g_strdup_printf("%s:1:1: STIX bundle without an \"objects\" array", c->rep->path);
            rc = -1;
        }
    } else if (type && (strcmp(type, "indicator") == 0 || str(root, "spec_version"))) {
        json_t *one = json_array();     /* a single STIX object */

        json_array_append(one, root);
        read_stix(c, one);
        json_decref(one);
    } else if (json_is_array(root) && str(json_array_get(root, 0), "type")
               && str(json_array_get(root, 0), "spec_version")) {
        read_stix(c, root);
    } else if (misp_events(c, root) < 0) {
        c->rep->error = g_strdup_printf("%s:1:1: JSON that is neither a STIX 2.1 bundle nor a MISP event",
                                        c->rep->path);
        rc = -1;
    }
    json_decref(root);
    return rc;
}
