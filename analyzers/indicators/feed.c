/*
 * feed.c - read indicator feeds from files into a store
 *
 * A feeds directory (key feeds_dir) holds one file per feed; the feed's
 * name is the file name without its extensions. The format is declared by
 * the extension (.csv, .json, .txt/.list) or a "# format: NAME" line, and
 * otherwise detected from the content:
 *
 *   list   one value per line; '#' starts a comment line (and " #" a
 *          trailing comment). Directives in comment lines set the defaults
 *          of the lines after them:  # type: domain   # tlp: amber
 *          # confidence: 80   # valid_until: 2027-01-01   # description: ...
 *          The type may also be declared by the name, NAME.TYPE.txt
 *          (bad.domain.txt); without a type each value's type is guessed.
 *   csv    a header line naming the columns (value/indicator/ioc, type, id,
 *          confidence, tlp, valid_until/expires, description/comment),
 *          separated by ',', ';' or tabs, with "quoted" fields
 *   json   a STIX 2.1 bundle or MISP event JSON (feed-json.c)
 *
 * A value that is not valid for its type is rejected with "file:line:
 * reason" and the others load. A feed that cannot be read as its format at
 * all (bad JSON, a CSV without a value column, binary data) is malformed:
 * it is reported with its file and position and not loaded, and at reload
 * its previous version stays. Feed files writable by anyone are refused.
 *
 * Indicators already expired when loaded are counted, not added.
 *
 * LIMITS. A feed file is read whole; files over 1 GiB are refused.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/conf.h"
#include "util/digest.h"
#include "indicators/feed.h"
#include "util/sort.h"

#define MAX_FEED_SIZE (1024LL * 1024 * 1024)     /* a feed is read whole into memory */

/* lw_ioc_guess_type - URL, IP/CIDR, hash by length, address, else domain */
int lw_ioc_guess_type(const char *v, enum lw_ioc_type *type)
{
    size_t n = strlen(v), hex = strspn(v, "0123456789abcdefABCDEF");
    char *k;

    if (n == 0)
        return -1;
    if (strstr(v, "://") || g_ascii_strncasecmp(v, "hxxp", 4) == 0 || strstr(v, "[:]//")) {
        *type = LW_IOC_URL;
    } else if (hex == n && (n == 64 || n == 40 || n == 32)) {
        *type = n == 64 ? LW_IOC_SHA256 : n == 40 ? LW_IOC_SHA1 : LW_IOC_MD5;
    } else if ((k = lw_ioc_normalize(LW_IOC_IPV4, v, NULL)) != NULL) {
        g_free(k);
        *type = LW_IOC_IPV4;
    } else if ((k = lw_ioc_normalize(LW_IOC_IPV6, v, NULL)) != NULL) {
        g_free(k);
        *type = LW_IOC_IPV6;
    } else if (strchr(v, '@')) {
        *type = LW_IOC_EMAIL;
    } else if (strchr(v, '/')) {
        *type = LW_IOC_URL;
    } else {
        *type = LW_IOC_DOMAIN;
    }
    return 0;
}

/* parse_type - a type name or a feed alias; *guess for "ip", "hash", "auto" */
static int parse_type(const char *s, enum lw_ioc_type *type, int *guess)
{
    static const struct { const char *alias; enum lw_ioc_type type; } aliases[] = {
        { "domain-name", LW_IOC_DOMAIN }, { "hostname", LW_IOC_DOMAIN }, { "host", LW_IOC_DOMAIN },
        { "uri", LW_IOC_URL }, { "ipv4", LW_IOC_IPV4 }, { "ipv6", LW_IOC_IPV6 },
        { "email", LW_IOC_EMAIL }, { "sender", LW_IOC_EMAIL }, { "sha-256", LW_IOC_SHA256 },
        { "sha-1", LW_IOC_SHA1 }, { "file-name", LW_IOC_FILENAME }, { "file", LW_IOC_FILENAME },
        { "mailer", LW_IOC_X_MAILER }, { "msgid-domain", LW_IOC_MSGID_DOMAIN },
    };

    *guess = 0;
    if (g_ascii_strcasecmp(s, "ip") == 0 || g_ascii_strcasecmp(s, "hash") == 0
        || g_ascii_strcasecmp(s, "auto") == 0) {
        *guess = 1;
        return 0;
    }
    if (lw_ioc_type_parse(s, type) == 0)
        return 0;
    for (size_t i = 0; i < G_N_ELEMENTS(aliases); i++) {
        if (g_ascii_strcasecmp(s, aliases[i].alias) == 0) {
            *type = aliases[i].type;
            return 0;
        }
    }
    return -1;
}

/* parse_confidence - a whole number 0-100 into *conf; -1 (and *conf unchanged) otherwise */
static int parse_confidence(const char *s, int *conf)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (end == s || *end != '\0' || v < 0 || v > 100)
        return -1;
    *conf = (int) v;
    return 0;
}

/* Plain lists. */

struct list_defaults {
    enum lw_ioc_type type;
    int guess;
    struct lw_ioc_meta meta;
    char *description;
};

/* list_directive - "# key: value" in a comment line; -1 with *why for a bad one */
static int list_directive(struct list_defaults *d, const char *line, char **why)
{
    const char *p = line + 1, *colon;
    char *key, *val;
    int rc = 0;

    while (*p == ' ' || *p == '\t')
        p++;
    colon = strchr(p, ':');
    if (colon == NULL || colon == p || strspn(p, "abcdefghijklmnopqrstuvwxyz_-") != (size_t) (colon - p))
        return 0;   /* an ordinary comment */
    key = g_strndup(p, (gsize) (colon - p));
    val = g_strstrip(g_strdup(colon + 1));
    if (strcmp(key, "type") == 0) {
        if (parse_type(val, &d->type, &d->guess) < 0)
            rc = -1, *why = g_strdup_printf("unknown type \"%s\"", val);
    } else if (strcmp(key, "tlp") == 0) {
        if (lw_tlp_parse(val, &d->meta.tlp) < 0)
            rc = -1, *why = g_strdup_printf("unknown TLP \"%s\"", val);
    } else if (strcmp(key, "confidence") == 0) {
        if (parse_confidence(val, &d->meta.confidence) < 0)
            rc = -1, *why = g_strdup_printf("confidence must be 0-100, not \"%s\"", val);
    } else if (strcmp(key, "valid_until") == 0 || strcmp(key, "expires") == 0) {
        if ((d->meta.valid_until = lw_feed_parse_time(val)) == 0 && *val)
            rc = -1, *why = g_strdup_printf("bad time \"%s\" (use ISO 8601)", val);
    } else if (strcmp(key, "description") == 0) {
        g_free(d->description);
        d->description = g_strdup(val);
        d->meta.description = d->description;
    }
    g_free(key);
    g_free(val);
    return rc;
}

/* read_list - one value per line */
static int read_list(struct lw_feed_ctx *c, char *data, struct list_defaults *d)
{
    char *line = data, *next;
    unsigned lineno = 0;

    for (; line != NULL; line = next) {
        char *hash, *where;
        enum lw_ioc_type type = d->type;
        char *why = NULL;

        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        g_strstrip(line);
        if (*line == '#') {
            if (list_directive(d, line, &why) < 0) {
                lw_feed_problem(c->rep, "%s:%u: %s", c->rep->path, lineno, why);
                c->rep->rejected++;
                g_free(why);
            }
            continue;
        }
        if ((hash = strstr(line, " #")) != NULL || (hash = strstr(line, "\t#")) != NULL)
            *hash = '\0';
        g_strstrip(line);
        if (*line == '\0')
            continue;
        if (d->guess && lw_ioc_guess_type(line, &type) < 0)
            continue;
        d->meta.line = lineno;
        where = g_strdup_printf("%s:%u", c->rep->path, lineno);
        lw_feed_add(c, type, line, &d->meta, where);
        g_free(where);
    }
    return 0;
}

/* CSV. */

enum col { COL_VALUE, COL_TYPE, COL_ID, COL_CONFIDENCE, COL_TLP, COL_VALID_UNTIL, COL_DESC, NCOLS };

static const char *const col_names[NCOLS][5] = {
    [COL_VALUE] = { "value", "indicator", "ioc", "observable", NULL },
    [COL_TYPE] = { "type", "ioc_type", "indicator_type", NULL },
    [COL_ID] = { "id", "uuid", NULL },
    [COL_CONFIDENCE] = { "confidence", NULL },
    [COL_TLP] = { "tlp", NULL },
    [COL_VALID_UNTIL] = { "valid_until", "expires", "expiration", "expiry", NULL },
    [COL_DESC] = { "description", "comment", "desc", "name", NULL },
};

/* csv_fields - split one line; "quoted" fields with "" for a quote. NULL if a quote is open */
static GPtrArray *csv_fields(const char *line, char sep)
{
    GPtrArray *f = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);
    int quoted = 0;

    for (const char *p = line;; p++) {
        if (quoted) {
            if (*p == '\0') {
                g_string_free(cur, TRUE);
                g_ptr_array_unref(f);
                return NULL;
            }
            if (*p == '"' && p[1] == '"')
                g_string_append_c(cur, *p++);
            else if (*p == '"')
                quoted = 0;
            else
                g_string_append_c(cur, *p);
        } else if (*p == '"' && cur->len == 0) {
            quoted = 1;
        } else if (*p == sep || *p == '\0') {
            g_ptr_array_add(f, g_strstrip(g_string_free(cur, FALSE)));
            if (*p == '\0')
                break;
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
    return f;
}

/* csv_header - map column names to positions; -1 without a value column */
static int csv_header(GPtrArray *h, int pos[NCOLS])
{
    for (int c = 0; c < NCOLS; c++) {
        pos[c] = -1;
        for (guint i = 0; i < h->len && pos[c] < 0; i++)
            for (int k = 0; col_names[c][k]; k++)
                if (g_ascii_strcasecmp(g_ptr_array_index(h, i), col_names[c][k]) == 0)
                    pos[c] = (int) i;
    }
    return pos[COL_VALUE] >= 0 ? 0 : -1;
}

static const char *field(GPtrArray *f, int pos)
{
    return pos >= 0 && (guint) pos < f->len ? g_ptr_array_index(f, pos) : NULL;
}

/* csv_row - one data row into an indicator */
static void csv_row(struct lw_feed_ctx *c, GPtrArray *f, const int pos[NCOLS], unsigned lineno,
                    const struct list_defaults *d)
{
    struct lw_ioc_meta m = d->meta;
    enum lw_ioc_type type = d->type;
    const char *value = field(f, pos[COL_VALUE]), *s;
    int guess = d->guess;
    char *where = g_strdup_printf("%s:%u", c->rep->path, lineno);

    m.line = lineno;
    if (value == NULL || *value == '\0') {
        lw_feed_problem(c->rep, "%s: empty value", where);
        c->rep->rejected++;
        goto out;
    }
    if ((s = field(f, pos[COL_TYPE])) != NULL && *s && parse_type(s, &type, &guess) < 0) {
        lw_feed_problem(c->rep, "%s: unknown type \"%s\"", where, s);
        c->rep->rejected++;
        goto out;
    }
    if (guess && lw_ioc_guess_type(value, &type) < 0)
        goto out;
    if ((s = field(f, pos[COL_ID])) != NULL && *s)
        m.id = s;
    if ((s = field(f, pos[COL_CONFIDENCE])) != NULL && *s && parse_confidence(s, &m.confidence) < 0)
        lw_feed_problem(c->rep, "%s: confidence must be 0-100, not \"%s\" (ignored)", where, s);
    if ((s = field(f, pos[COL_TLP])) != NULL && *s && lw_tlp_parse(s, &m.tlp) < 0)
        lw_feed_problem(c->rep, "%s: unknown TLP \"%s\" (ignored)", where, s);
    if ((s = field(f, pos[COL_VALID_UNTIL])) != NULL && *s && (m.valid_until = lw_feed_parse_time(s)) == 0)
        lw_feed_problem(c->rep, "%s: bad valid_until \"%s\" (ignored)", where, s);
    if ((s = field(f, pos[COL_DESC])) != NULL && *s)
        m.description = s;
    lw_feed_add(c, type, value, &m, where);
out:
    g_free(where);
}

/* read_csv - header line, then rows; -1 (malformed) without a usable header */
static int read_csv(struct lw_feed_ctx *c, char *data, const struct list_defaults *d)
{
    gchar **lines = g_strsplit(data, "\n", -1);
    int pos[NCOLS], header = 0, rc = 0;
    char sep = ',';

    for (unsigned i = 0; lines[i] != NULL; i++) {
        char *line = g_strchomp(lines[i]);
        GPtrArray *f;

        if (*line == '\0' || *line == '#')
            continue;
        if (!header) {
            sep = strchr(line, '\t') ? '\t' : strchr(line, ';') && !strchr(line, ',') ? ';' : ',';
        }
        if ((f = csv_fields(line, sep)) == NULL) {
            if (!header) {
                c->rep->error = g_strdup_printf("%s:%u: unterminated quote in the header", c->rep->path, i + 1);
                rc = -1;
                break;
            }
            lw_feed_problem(c->rep, "%s:%u: unterminated quote", c->rep->path, i + 1);
            c->rep->rejected++;
            continue;
        }
        if (!header) {
            header = 1;
            if (csv_header(f, pos) < 0) {
                c->rep->error = g_strdup_printf("%s:%u: no value column in the CSV header"
                                                " (want one of: value, indicator, ioc, observable)",
                                                c->rep->path, i + 1);
                rc = -1;
                g_ptr_array_unref(f);
                break;
            }
        } else {
            csv_row(c, f, pos, i + 1, d);
        }
        g_ptr_array_unref(f);
    }
    g_strfreev(lines);
    return rc;
}

/* Files. */

/* feed_name - "cert-tw" from ".../cert-tw.domain.txt" */
static char *feed_name(const char *path)
{
    char *base = g_path_get_basename(path), *dot = strchr(base + (base[0] == '.'), '.');

    if (dot && dot != base)
        *dot = '\0';
    return base;
}

/* declared_type - TYPE in NAME.TYPE.EXT, if it names a type */
static void declared_type(const char *path, struct list_defaults *d)
{
    char *base = g_path_get_basename(path);
    gchar **parts = g_strsplit(base, ".", -1);
    guint n = g_strv_length(parts);
    enum lw_ioc_type t;
    int guess;

    if (n >= 3 && parse_type(parts[n - 2], &t, &guess) == 0) {
        d->type = t;
        d->guess = guess;
    }
    g_strfreev(parts);
    g_free(base);
}

/* detect_format - by extension, "# format:" line, or content */
static const char *detect_format(const char *path, const char *data)
{
    const char *p = data, *f;

    if (g_str_has_suffix(path, ".json"))
        return "json";
    if (g_str_has_suffix(path, ".csv"))
        return "csv";
    if ((f = strstr(data, "# format:")) != NULL) {
        f += 9;
        while (*f == ' ')
            f++;
        if (g_ascii_strncasecmp(f, "csv", 3) == 0)
            return "csv";
        if (g_ascii_strncasecmp(f, "json", 4) == 0)
            return "json";
        if (g_ascii_strncasecmp(f, "list", 4) == 0)
            return "list";
    }
    while (g_ascii_isspace(*p))
        p++;
    if (*p == '{' || *p == '[')
        return "json";
    return "list";
}

int lw_feed_load_data(struct lw_feed_ctx *c, const char *path, char *data, size_t len)
{
    struct list_defaults d = { LW_IOC_DOMAIN, 1, { NULL, NULL, LW_IOC_CONFIDENCE_UNKNOWN, LW_TLP_NONE, 0, 0 }, NULL };
    const char *fmt;
    int rc;

    if (memchr(data, '\0', len) != NULL) {
        c->rep->error = g_strdup_printf("%s:%zu: binary data (a NUL byte) in a feed",
                                        path, (size_t) ((char *) memchr(data, '\0', len) - data));
        return -1;
    }
    if (!g_utf8_validate(data, (gssize) len, NULL)) {
        const char *end;
        unsigned line = 1;

        g_utf8_validate(data, (gssize) len, &end);
        for (const char *p = data; p < end; p++)
            line += *p == '\n';
        c->rep->error = g_strdup_printf("%s:%u: not UTF-8 text", path, line);
        return -1;
    }
    fmt = detect_format(path, data);
    declared_type(path, &d);
    if (strcmp(fmt, "json") == 0) {
        rc = lw_feed_json(c, data, len);
    } else if (strcmp(fmt, "csv") == 0) {
        c->rep->format = "csv";
        rc = read_csv(c, data, &d);
    } else {
        c->rep->format = "list";
        rc = read_list(c, data, &d);
    }
    g_free(d.description);
    return rc;
}

/* load_file - one feed file into the builder; -1 when malformed (rep->error) */
static int load_file(struct lw_feed_ctx *c, const char *path)
{
    struct lw_error why;
    struct stat st;
    GError *gerr = NULL;
    gchar *data = NULL;
    gsize len;
    int rc;

    if (lw_config_check_file_safety(path, &why) < 0) {
        c->rep->error = g_strdup(why.text);
        return -1;
    }
    if (stat(path, &st) == 0 && st.st_size > MAX_FEED_SIZE) {
        c->rep->error = g_strdup_printf("%s: %lld bytes is more than a feed may have (%lld)", path,
                                        (long long) st.st_size, MAX_FEED_SIZE);
        return -1;
    }
    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        c->rep->error = g_strdup_printf("%s: %s", path, gerr->message);
        g_error_free(gerr);
        return -1;
    }
    c->rep->sha256 = lw_sha256_hex(data, len);
    rc = lw_feed_load_data(c, path, data, len);
    if (rc < 0)
        g_clear_pointer(&c->rep->sha256, g_free);
    g_free(data);
    return rc;
}

/* expand - files of paths (directories listed in name order, dot files skipped) */
static void expand(char *const *paths, GPtrArray *files, GPtrArray *reports)
{
    for (int i = 0; paths && paths[i]; i++) {
        GDir *dir;
        const char *name;
        GPtrArray *names;

        if (!g_file_test(paths[i], G_FILE_TEST_IS_DIR)) {
            g_ptr_array_add(files, g_strdup(paths[i]));
            continue;
        }
        if ((dir = g_dir_open(paths[i], 0, NULL)) == NULL) {
            struct lw_feed_report *r = g_new0(struct lw_feed_report, 1);

            r->path = g_strdup(paths[i]);
            r->name = g_strdup(paths[i]);
            r->problems = g_ptr_array_new_with_free_func(g_free);
            r->error = g_strdup_printf("%s: cannot open the directory", paths[i]);
            g_ptr_array_add(reports, r);
            continue;
        }
        names = g_ptr_array_new_with_free_func(g_free);
        while ((name = g_dir_read_name(dir)) != NULL) {
            char *full = g_build_filename(paths[i], name, NULL);

            if (name[0] != '.' && !g_str_has_suffix(name, "~") && g_file_test(full, G_FILE_TEST_IS_REGULAR))
                g_ptr_array_add(names, full);
            else
                g_free(full);
        }
        g_dir_close(dir);
        g_ptr_array_sort(names, lw_cmp_strptr);
        for (guint k = 0; k < names->len; k++)
            g_ptr_array_add(files, g_strdup(g_ptr_array_index(names, k)));
        g_ptr_array_unref(names);
    }
}

struct lw_ioc_store *lw_feeds_load(char *const *paths, const struct lw_ioc_store *previous,
                                   GPtrArray *reports, gint64 now, const struct lw_warninglists *wl)
{
    struct lw_ioc_builder *b = lw_ioc_builder_new();
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);

    expand(paths, files, reports);
    for (guint i = 0; i < files->len; i++) {
        const char *path = g_ptr_array_index(files, i);
        struct lw_feed_report *r = g_new0(struct lw_feed_report, 1);
        struct lw_feed_ctx c = { b, 0, r, now, wl };

        r->path = g_strdup(path);
        r->name = feed_name(path);
        r->problems = g_ptr_array_new_with_free_func(g_free);
        c.feed = lw_ioc_builder_feed(b, r->name);
        if (load_file(&c, path) < 0)
            r->kept = lw_ioc_builder_copy_feed(b, previous, r->name);
        g_ptr_array_add(reports, r);
    }
    g_ptr_array_unref(files);
    return lw_ioc_builder_finish(b);
}
