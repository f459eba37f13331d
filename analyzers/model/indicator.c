/*
 * indicator.c - indicator (IOC) values: type names and ownership
 *
 * An indicator is a typed value that something else can act on: a domain to
 * block, a hash to look up, a sender to refuse. Analyzers attach indicators
 * to their hits; the verdict collects them; exports and the IOC store use the
 * same type names, so one catch can be shared and matched elsewhere.
 *
 * Each indicator has a role (indicator.h): the analyzer that adds it says
 * why the message carries it, and only lure, payload and sender roles may
 * block. When two analyzers (or two messages) disagree, a real brand's or
 * agency's domain (impersonated) wins over everything, so that no lure can
 * make a partner block the brand it imitates; a blocking role wins over a
 * bystander, as the attacker's own tracker is also the attacker's.
 *
 * lw_indicator_new() copies the value (invalid UTF-8 is repaired) and the
 * caller owns the result, to be released with lw_indicator_free(). An
 * indicator may carry the name of a warninglist that names its value
 * (analyzers/indicators/warninglist.c): such a value is shared as context,
 * never to block.
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

static const char *const role_names[LW_ROLE_N] = {
    [LW_ROLE_NONE] = "",
    [LW_ROLE_LURE] = "lure",
    [LW_ROLE_PAYLOAD] = "payload",
    [LW_ROLE_SENDER] = "sender",
    [LW_ROLE_IMPERSONATED] = "impersonated",
    [LW_ROLE_BYSTANDER] = "bystander",
};

const char *lw_ioc_role_name(enum lw_ioc_role role)
{
    return (unsigned) role < LW_ROLE_N ? role_names[role] : "";
}

int lw_ioc_role_parse(const char *name, enum lw_ioc_role *role)
{
    for (int i = 0; i < LW_ROLE_N; i++) {
        if (g_ascii_strcasecmp(name ? name : "", role_names[i]) == 0) {
            *role = (enum lw_ioc_role) i;
            return 0;
        }
    }
    return -1;
}

static int role_blocks(enum lw_ioc_role r)
{
    return r == LW_ROLE_LURE || r == LW_ROLE_PAYLOAD || r == LW_ROLE_SENDER;
}

enum lw_ioc_role lw_ioc_role_merge(enum lw_ioc_role a, enum lw_ioc_role b)
{
    if (a == LW_ROLE_IMPERSONATED || b == LW_ROLE_IMPERSONATED)
        return LW_ROLE_IMPERSONATED;
    if (role_blocks(a) || role_blocks(b))
        return role_blocks(a) ? a : b;
    return a == LW_ROLE_BYSTANDER || b == LW_ROLE_BYSTANDER ? LW_ROLE_BYSTANDER : LW_ROLE_NONE;
}

int lw_indicator_blocking(const struct lw_indicator *ind)
{
    if (ind->role == LW_ROLE_NONE)
        return ind->type == LW_IOC_SHA256 || ind->type == LW_IOC_SHA1 || ind->type == LW_IOC_MD5;
    return role_blocks(ind->role);
}

enum lw_ioc_role lw_ioc_role_of_type(enum lw_ioc_type type)
{
    switch (type) {
    case LW_IOC_URL:
    case LW_IOC_DOMAIN:
        return LW_ROLE_LURE;
    case LW_IOC_EMAIL:
    case LW_IOC_SENDER_DOMAIN:
    case LW_IOC_IPV4:
    case LW_IOC_IPV6:
        return LW_ROLE_SENDER;
    case LW_IOC_SHA256:
    case LW_IOC_SHA1:
    case LW_IOC_MD5:
    case LW_IOC_FILENAME:
    case LW_IOC_MALWARE:
        return LW_ROLE_PAYLOAD;
    default:
        return LW_ROLE_NONE;
    }
}

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
struct lw_indicator *lw_indicator_new_role(enum lw_ioc_type type, const char *value, enum lw_ioc_role role)
{
    struct lw_indicator *ind = g_new(struct lw_indicator, 1);

    ind->type = type;
    ind->value = g_utf8_make_valid(value ? value : "", -1);
    ind->role = role;
    ind->warninglist = NULL;
    return ind;
}

struct lw_indicator *lw_indicator_new(enum lw_ioc_type type, const char *value)
{
    return lw_indicator_new_role(type, value, LW_ROLE_NONE);
}

struct lw_indicator *lw_indicator_dup(const struct lw_indicator *ind)
{
    struct lw_indicator *d = lw_indicator_new_role(ind->type, ind->value, ind->role);

    lw_indicator_set_warninglist(d, ind->warninglist);
    return d;
}

void lw_indicator_set_warninglist(struct lw_indicator *ind, const char *list)
{
    g_free(ind->warninglist);
    ind->warninglist = list ? g_utf8_make_valid(list, -1) : NULL;
}

void lw_indicator_free(struct lw_indicator *ind)
{
    if (ind == NULL)
        return;
    g_free(ind->value);
    g_free(ind->warninglist);
    g_free(ind);
}

int lw_indicator_equal(const struct lw_indicator *a, const struct lw_indicator *b)
{
    return a->type == b->type && strcmp(a->value, b->value) == 0;
}
