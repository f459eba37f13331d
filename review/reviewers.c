/*
 * reviewers.c - who reviews which held message
 *
 * DESCRIPTION
 *     report_domain_reviewers names a reviewer per recipient domain;
 *     report_to is the security team. lurewatch-report sends each digest
 *     by this map; lurewatch-review shows each reviewer the messages the
 *     map gives them (report_to sees every message).
 */
#include "config.h"

#include <string.h>

#include "review/reviewers.h"

int lw_reviewers_parse(const char *spec, GHashTable *map, struct lw_error *err)
{
    gchar **items = g_strsplit_set(spec, ", \t", -1);
    int rc = 0;

    for (int i = 0; items[i] && rc == 0; i++) {
        char *colon;

        if (*items[i] == '\0')
            continue;
        if ((colon = strchr(items[i], ':')) == NULL || colon == items[i] || !strchr(colon + 1, '@')) {
            rc = lw_error_set(err, "report_domain_reviewers: bad item \"%s\" (want domain:address)", items[i]);
            continue;
        }
        *colon = '\0';
        g_hash_table_replace(map, g_ascii_strdown(items[i], -1), g_strdup(colon + 1));
    }
    g_strfreev(items);
    return rc;
}

int lw_reviewer_sees_all(const struct lw_config *cfg, const char *who)
{
    return *cfg->report_to && g_ascii_strcasecmp(cfg->report_to, who) == 0;
}

int lw_reviewer_covers(const struct lw_config *cfg, GHashTable *map, const struct lw_qentry *e, const char *who)
{
    if (lw_reviewer_sees_all(cfg, who))
        return 1;
    for (guint i = 0; i < e->rcpts->len; i++) {
        const char *at = strrchr(g_ptr_array_index(e->rcpts, i), '@');
        char *dom = at ? g_ascii_strdown(at + 1, -1) : NULL;
        const char *rev = dom ? g_hash_table_lookup(map, dom) : NULL;

        g_free(dom);
        if (rev && g_ascii_strcasecmp(rev, who) == 0)
            return 1;
    }
    return 0;
}
