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

/*
 * Roles: why a message carries the indicator, set by the analyzer that
 * knows it. Only lure, payload and sender may block anything; the others
 * are context (impersonated) or not shared (bystander). LW_ROLE_NONE is an
 * indicator whose analyzer said nothing (or an old hits-stream entry).
 */
enum lw_ioc_role {
    LW_ROLE_NONE,
    LW_ROLE_LURE,           /* "lure"          the link the text asks to click, a form or QR target */
    LW_ROLE_PAYLOAD,        /* "payload"       attachment hashes and names, malware names */
    LW_ROLE_SENDER,         /* "sender"        the attacker's own sender: address, domain, IP, Reply-To */
    LW_ROLE_IMPERSONATED,   /* "impersonated"  a real brand's or agency's domain in a forged From */
    LW_ROLE_BYSTANDER,      /* "bystander"     tracking pixels, images, unsubscribe, the brand's own links */
    LW_ROLE_N
};

struct lw_indicator {
    enum lw_ioc_type type;
    char *value;            /* owned, UTF-8 */
    enum lw_ioc_role role;
    char *warninglist;      /* owned, or NULL: the warninglist naming the value (it never blocks) */
};

const char *lw_ioc_type_name(enum lw_ioc_type type);
int lw_ioc_type_parse(const char *name, enum lw_ioc_type *type);

/* lw_ioc_role_name - "lure" ...; "" for LW_ROLE_NONE */
const char *lw_ioc_role_name(enum lw_ioc_role role);
/* lw_ioc_role_parse - a role name ("" or NULL: LW_ROLE_NONE); 0, or -1 when unknown */
int lw_ioc_role_parse(const char *name, enum lw_ioc_role *role);
/* lw_ioc_role_merge - the role of an indicator two analyzers (or messages) gave a and b */
enum lw_ioc_role lw_ioc_role_merge(enum lw_ioc_role a, enum lw_ioc_role b);
/*
 * lw_indicator_blocking - may ind become a blocking indicator (block list,
 * MISP to_ids, detection)? Only lure, payload and sender; without a role
 * (old entries) only a hash, which names nothing but the file.
 */
int lw_indicator_blocking(const struct lw_indicator *ind);

/*
 * lw_ioc_role_of_type - the role a message value of this type plays when a
 * feed names it malicious: a link (URL, domain) is the lure, an address or
 * IP the sender, a hash or file name the payload; NONE for the others
 */
enum lw_ioc_role lw_ioc_role_of_type(enum lw_ioc_type type);

/* lw_indicator_new - an indicator without a role (lw_indicator_new_role to give one) */
struct lw_indicator *lw_indicator_new(enum lw_ioc_type type, const char *value);
struct lw_indicator *lw_indicator_new_role(enum lw_ioc_type type, const char *value, enum lw_ioc_role role);
struct lw_indicator *lw_indicator_dup(const struct lw_indicator *ind);
void lw_indicator_free(struct lw_indicator *ind);
/* lw_indicator_set_warninglist - note that warninglist list (NULL: none) names ind */
void lw_indicator_set_warninglist(struct lw_indicator *ind, const char *list);
int lw_indicator_equal(const struct lw_indicator *a, const struct lw_indicator *b);

#endif
