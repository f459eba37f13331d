/*
 * indicator.c - indicator (IOC) values: type names and ownership
 *
 * An indicator is a typed value that something else can act on: a domain to
 * block, a hash to look up, a sender to refuse. Analyzers attach indicators
 * to their hits; the verdict collects them; exports and the IOC store use the
 * same type names, so one catch can be shared and matched elsewhere.
 *
 * lw_indicator_new() copies the value (invalid UTF-8 is repaired) and the
 * caller owns the result, to be released with lw_indicator_free().
 */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "model/indicator.h"

static const char *const type_names[LW_IOC_NTYPES] = {
    [LW_IOC_DOMAIN] = "domain",
    [LW_IOC_URL] = "url",
    [LW_IOC_IPV4] = "ipv4-addr",
    [LW_IOC_IPV6] = "ipv6-addr",
    [LW_IOC_EMAIL] = "email-addr",
    [LW_IOC_SENDER_DOMAIN] = "sender-domain",
    [LW_IOC_SHA256] = "sha256",
    [LW_IOC_SHA1] = "sha1",
    [LW_IOC_MD5] = "md5",
    [LW_IOC_FILENAME] = "filename",
    [LW_IOC_SUBJECT] = "subject",
    [LW_IOC_X_MAILER] = "x-mailer",
    [LW_IOC_MSGID_DOMAIN] = "message-id-domain",
    [LW_IOC_MALWARE] = "malware-name",
};

/* lw_ioc_type_name - the external name of a type */
const char *lw_ioc_type_name(enum lw_ioc_type type)
{
    return (unsigned) type < LW_IOC_NTYPES ? type_names[type] : "unknown";
}

/* lw_ioc_type_parse - map an external name back to a type; 0 on success */
int lw_ioc_type_parse(const char *name, enum lw_ioc_type *type)
{
    for (int i = 0; i < LW_IOC_NTYPES; i++) {
        if (g_ascii_strcasecmp(name, type_names[i]) == 0) {
            *type = (enum lw_ioc_type) i;
            return 0;
        }
    }
    return -1;
}

/* lw_indicator_new - a new indicator owning a valid-UTF-8 copy of value */
struct lw_indicator *lw_indicator_new(enum lw_ioc_type type, const char *value)
{
    struct lw_indicator *ind = g_new(struct lw_indicator, 1);

    ind->type = type;
    ind->value = g_utf8_make_valid(value ? value : "", -1);
    return ind;
}

struct lw_indicator *lw_indicator_dup(const struct lw_indicator *ind)
{
    return lw_indicator_new(ind->type, ind->value);
}

void lw_indicator_free(struct lw_indicator *ind)
{
    if (ind == NULL)
        return;
    g_free(ind->value);
    g_free(ind);
}

int lw_indicator_equal(const struct lw_indicator *a, const struct lw_indicator *b)
{
    return a->type == b->type && strcmp(a->value, b->value) == 0;
}
