/* url.h - every URL a message shows or hides, normalized the way a client sees it */
#ifndef LW_URL_H
#define LW_URL_H

#include <glib.h>

struct lw_message;
struct lw_config;

/* Flags: what was unusual about how the URL was written or where it was. */
#define LW_URL_HTML_HREF       0x0001u  /* <a href> or <area href> */
#define LW_URL_FORM_ACTION     0x0002u  /* <form action> */
#define LW_URL_EMBEDDED        0x0004u  /* img/iframe src, srcset, CSS url(), meta refresh, base */
#define LW_URL_TEXT            0x0008u  /* found in plain text */
#define LW_URL_ATTACHMENT      0x0010u  /* found in an HTML/text attachment */
#define LW_URL_DEFANGED        0x0020u  /* written hxxp:// or with [.] */
#define LW_URL_NO_SCHEME       0x0040u  /* bare www.host or host.tld/path */
#define LW_URL_IP_HOST         0x0080u  /* host is an IP literal */
#define LW_URL_NUMERIC_OBFUSCATED 0x0100u /* IPv4 in decimal, octal or hex form */
#define LW_URL_IDN             0x0200u  /* host has non-ASCII or xn-- labels */
#define LW_URL_USERINFO        0x0400u  /* user@host: what precedes @ is not the host */
#define LW_URL_REDIRECTOR      0x0800u  /* a known redirector; target holds where it goes */
#define LW_URL_PERCENT_HOST    0x1000u  /* percent-encoded bytes in the host */
#define LW_URL_DATA            0x2000u  /* data: URI */
#define LW_URL_JAVASCRIPT      0x4000u  /* javascript: URI */
#define LW_URL_PDF             0x8000u  /* a PDF link annotation */
#define LW_URL_UNWRAPPED      0x10000u  /* the target of a redirector, listed as a URL of its own */
#define LW_URL_UNPARSED       0x20000u  /* not parseable: only raw, url (= raw), source, display set */
#define LW_URL_QR             0x40000u  /* the payload of a QR code in a picture (qrcode.c) */

/* LW_URL_FOLLOWED - found where a reader follows it; pictures and style sheets the client loads are not pages one visits */
#define LW_URL_FOLLOWED (LW_URL_HTML_HREF | LW_URL_FORM_ACTION | LW_URL_TEXT | LW_URL_ATTACHMENT | LW_URL_QR | LW_URL_PDF)

/*
 * One URL. Every string is owned by the struct (lw_url_free), valid UTF-8,
 * and may be NULL unless said otherwise. `raw` and `url` are never NULL.
 * For LW_URL_UNPARSED entries scheme/host/domain are NULL.
 */
struct lw_url {
    char *raw;              /* as written (capped) */
    char *url;              /* normalized: scheme and host lowercased, host ASCII */
    char *scheme;           /* lowercased, e.g. "https", "mailto", "data" */
    char *host;             /* ASCII (punycode) host, IP in canonical form, or NULL */
    char *host_unicode;     /* Unicode form of host (differs for IDN), or NULL */
    char *domain;           /* registrable domain (libpsl), NULL for IPs and unknown */
    char *userinfo;         /* the part before '@' in the authority, or NULL */
    char *display;          /* anchor text (links), or NULL */
    char *source;           /* where: MIME path and element, e.g. "1.2:a" */
    char *target;           /* for redirectors: the normalized URL it points to */
    unsigned flags;
    int port;               /* explicit non-default port, or -1 */
};

void lw_url_free(struct lw_url *u);

/*
 * Finding and normalizing every URL of msg into msg->urls (bounded by
 * max_urls and max_url_length), in steps, so that HTML is walked once for
 * rendering and URLs: lw_url_extract_begin(), then lw_url_extract_render()
 * for each HTML body part (its parsed document and its source; returns the
 * rendered text, g_free), then lw_url_extract_end(), which does the rest
 * (plain text, attachments) and frees the extractor. lw_message_parse()
 * drives it.
 *
 * archived gives the URLs of a mail message stored in a ZIP attachment
 * (raw bytes, borrowed), as a GPtrArray of struct lw_url the extractor
 * takes; the message parser passes it, so that this file, which the parser
 * calls, never calls the parser back. NULL: such messages are not opened.
 */
typedef GPtrArray *(*lw_archived_urls_fn)(const char *raw, size_t len, const struct lw_config *cfg);
struct lw_url_extractor;
struct lw_url_extractor *lw_url_extract_begin(struct lw_message *msg, const struct lw_config *cfg,
                                              lw_archived_urls_fn archived);
struct lw_html;
char *lw_url_extract_render(struct lw_url_extractor *x, const struct lw_html *doc, const char *html, const char *path);
void lw_url_extract_end(struct lw_url_extractor *x);

/*
 * lw_url_parse - normalize one URL as written (len bytes, or -1 for a C
 * string). flags are or-ed into the result (where it was found). Text that
 * is no URL at all gives NULL; a URL that cannot be parsed comes back with
 * LW_URL_UNPARSED. The caller owns the result (lw_url_free).
 */
struct lw_url *lw_url_parse(const char *text, gssize len, unsigned flags);

/*
 * lw_url_parse_cached - lw_url_parse with a cache of registrable domains
 * (host -> domain, "" for none; g_str_hash table owning keys and values,
 * g_free) that one caller, one thread, fills as it goes.
 */
struct lw_url *lw_url_parse_cached(const char *text, gssize len, unsigned flags, GHashTable *cache);

/*
 * lw_url_customer_domain - does a registrable domain lie in a namespace a
 * platform hands out to its customers: below a public suffix of the
 * list's private section (bucket.s3.us-east-1.amazonaws.com, x.a.run.app,
 * y.sytes.net)? The platform's reputation says nothing about such a site.
 */
int lw_url_customer_domain(const char *registrable);

/*
 * lw_url_s3_bucket - is host a bucket's name at an Amazon S3 endpoint of any
 * region (BUCKET.s3.REGION.amazonaws.com, BUCKET.s3-website-REGION...)?
 */
int lw_url_s3_bucket(const char *host);
/* lw_url_registrable - the registrable domain of an ASCII host, through cache (may be NULL); g_free */
char *lw_url_registrable(const char *host, GHashTable *cache);

/* lw_url_unwrap - where a known redirector sends u (normalized, g_free), or NULL */
char *lw_url_unwrap(const struct lw_url *u);

/*
 * lw_host_normalize - a host name as lw_url_parse gives it: percent-decoded,
 * lowercased, IDN as punycode, no trailing dot, IPs canonical (IPv6 without
 * brackets). *flags (may be NULL) gets LW_URL_IP_HOST, _NUMERIC_OBFUSCATED,
 * _IDN. NULL when the host is not a valid name. g_free.
 */
char *lw_host_normalize(const char *host, unsigned *flags);

/* lw_url_strip_tabs_newlines - remove ASCII tab, CR and LF, in place, as browsers do (WHATWG URL) */
void lw_url_strip_tabs_newlines(char *s);

/* lw_url_flag_names - "href,redirector,..." for the flags set (g_free) */
char *lw_url_flag_names(unsigned flags);

/* lw_ipv4_parse - an IPv4 address in any form a browser accepts; 0 on success */
int lw_ipv4_parse(const char *s, guint32 *addr, int *obfuscated);

/*
 * lw_ip_is_local - IP (canonical text, as lw_host_normalize gives it) is a
 * private, loopback or link-local address, one no Internet host can serve:
 * 0/8 ("this host"), 10/8, 172.16/12, 192.168/16, 127/8, 169.254/16,
 * ::1, fc00::/7, fe80::/10
 */
int lw_ip_is_local(const char *ip);

#endif
