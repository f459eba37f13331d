/* indicator.h - the indicator (IOC) model shared by analyzers, feeds and exports */
#ifndef LW_INDICATOR_H
#define LW_INDICATOR_H

/*
 * Indicator types. The names are what JSON output, feeds and exports use;
 * they follow STIX cyber-observable names where one exists.
 */
enum lw_ioc_type {
    LW_IOC_DOMAIN,          /* "domain"        registrable or full host name */
    LW_IOC_URL,             /* "url" */
    LW_IOC_IPV4,            /* "ipv4-addr"     address or CIDR */
    LW_IOC_IPV6,            /* "ipv6-addr"     address or CIDR */
    LW_IOC_EMAIL,           /* "email-addr"    a sender or reply address */
    LW_IOC_SENDER_DOMAIN,   /* "sender-domain" domain of a sender address */
    LW_IOC_SHA256,          /* "sha256" */
    LW_IOC_SHA1,            /* "sha1" */
    LW_IOC_MD5,             /* "md5" */
    LW_IOC_FILENAME,        /* "filename" */
    LW_IOC_SUBJECT,         /* "subject" */
    LW_IOC_X_MAILER,        /* "x-mailer" */
    LW_IOC_MSGID_DOMAIN,    /* "message-id-domain" */
    LW_IOC_MALWARE,         /* "malware-name"  a signature name */
    LW_IOC_NTYPES
};

struct lw_indicator {
    enum lw_ioc_type type;
    char *value;            /* owned, UTF-8 */
};

const char *lw_ioc_type_name(enum lw_ioc_type type);
int lw_ioc_type_parse(const char *name, enum lw_ioc_type *type);

struct lw_indicator *lw_indicator_new(enum lw_ioc_type type, const char *value);
struct lw_indicator *lw_indicator_dup(const struct lw_indicator *ind);
void lw_indicator_free(struct lw_indicator *ind);
int lw_indicator_equal(const struct lw_indicator *a, const struct lw_indicator *b);

#endif
