/* message.h - the parsed message every analyzer reads */
#ifndef LW_MESSAGE_H
#define LW_MESSAGE_H

#include <glib.h>
#include <gmime/gmime.h>
#include "util/conf.h"
#include "util/error.h"

/* What the MTA told us before the message itself; all fields may be NULL. */
struct lw_envelope {
    char *client_addr;
    char *client_name;
    char *helo;
    char *mail_from;
    char *queue_id;
    char *auth_user;
    GPtrArray *rcpts;           /* of char*, owned */
};

struct lw_address {
    char *name;                 /* decoded display name, may be "" */
    char *addr;                 /* addr-spec as written, may be "" */
    char *domain;               /* lowercased domain of addr, may be "" */
};

struct lw_header {
    char *name;
    char *value;                /* decoded (RFC 2047), UTF-8 */
    char *raw;                  /* as received, unfolded is not applied */
};

struct lw_html;                 /* html.h */

struct lw_text {
    char *path;                 /* MIME path, "0" for a single-part body */
    int is_html;
    char *html;                 /* raw HTML as UTF-8, or NULL for text/plain */
    struct lw_html *doc;        /* html parsed (html.h), or NULL */
    char *text;                 /* decoded UTF-8 (for HTML: the text a reader sees, html.c) */
    char *norm;                 /* text as read (lw_text_read): NFKC, invisible removed, spaces collapsed, disguised words whole */
    int truncated;              /* cut at max_text_size */
    int in_attached_message;    /* from a message/rfc822 part, shown inline by mail clients */
    int in_attachment;          /* a text or HTML file attached (msg->attached_texts) */
};

struct lw_part {
    char *path;                 /* "1.2" style; "0" for a single-part body */
    int depth;                  /* nesting depth, 1 for top-level children */
    char *filename;             /* RFC 2231/2047 decoded, or NULL */
    char **other_names;         /* further names the part gives itself (a second filename,
                                   filename* beside filename, a Content-Type name that
                                   differs), which some mail client shows; NULL if none */
    char *declared_type;        /* "type/subtype" from Content-Type */
    const char *true_type;      /* from magic bytes (static string) */
    char *disposition;          /* "attachment", "inline" or NULL */
    int is_message;             /* a message/rfc822 part (data = the message) */
    int in_attached_message;    /* below a message/rfc822 part */
    GBytes *data;               /* decoded content */
    char sha256[65];
};

/*
 * Mailing-list traffic, as the list server marks it (List-Id, List-Post,
 * X-BeenThere, Mailing-List). A list that rewrites From to its own address
 * so that the poster's DMARC policy does not bounce the copies ("Name via
 * List" <list@lists.example>, Mailman, Google Groups, Sympa) keeps the
 * author in X-Original-From, X-Original-Sender or Reply-To: that is the
 * poster.
 */
struct lw_list {
    char *address;              /* posting address, lowercase (List-Post mailto:, X-BeenThere), or NULL */
    char *id;                   /* List-Id identifier without <>, lowercase, or NULL */
    struct lw_address *poster;  /* the author of a post whose From the list rewrote, else NULL */
};

struct lw_warning {
    int code;                   /* GMimeParserWarning, or 0 for our own */
    char *text;
};

struct lw_message {
    const struct lw_envelope *env;  /* borrowed, may be NULL */
    const char *raw;                /* borrowed raw bytes */
    size_t raw_len;
    GMimeMessage *mime;             /* owned, NULL when unparseable */
    GByteArray *raw_view;           /* owned wrapper of raw (not its bytes) that GMime reads */
    int unparseable;
    int from_archive;               /* read from inside an archive attachment (url-extract.c):
                                       its own archives are not opened */
    int header_only;                /* lw_message_parse_header: no body was read */

    GPtrArray *headers;             /* struct lw_header, top-level message */
    struct lw_address *from;        /* first From mailbox, or NULL */
    unsigned from_count;
    struct lw_address *sender, *reply_to, *return_path;
    unsigned to_count, cc_count;
    int to_self;                    /* To names only the From mailbox, no Cc: recipients in Bcc */
    char *subject;                  /* decoded, or NULL */
    char *message_id;               /* without <>, or NULL */
    char *date_raw;
    gint64 date;                    /* unix time, valid when date_valid */
    int date_valid;
    char *x_mailer;                 /* X-Mailer or User-Agent */
    struct lw_list *list;           /* mailing-list traffic, or NULL */
    GPtrArray *received;            /* char*, top first */
    GPtrArray *auth_results;        /* char* Authentication-Results values */

    GPtrArray *texts;               /* struct lw_text: the readable body */
    GPtrArray *attached_texts;      /* struct lw_text: text and HTML attachments, which the reader
                                     * opens; read by body and html rules, not by the layout checks */
    GPtrArray *parts;               /* struct lw_part: every leaf and attached message */
    GPtrArray *urls;                /* struct lw_url (url.h), every URL found */
    GPtrArray *qr;                  /* struct lw_qr (qrcode.h), QR codes decoded from pictures */
    unsigned qr_images;             /* pictures decoded looking for QR codes */
    unsigned qr_skipped;            /* pictures not decoded: over a qr_* limit or damaged */
    GPtrArray *warnings;            /* struct lw_warning from the parser */
    GPtrArray *limits;              /* char* names of limits exceeded */
};

struct lw_envelope *lw_envelope_new(void);
void lw_envelope_free(struct lw_envelope *env);

struct lw_message *lw_message_parse(const char *raw, size_t len, const struct lw_envelope *env,
                                    const struct lw_config *cfg);
void lw_message_free(struct lw_message *msg);
/* lw_message_header_length - where the body of raw starts: after the first empty line, or len */
size_t lw_message_header_length(const char *raw, size_t len);
/*
 * lw_message_parse_header - the model of the header of raw alone (headers,
 * addresses, mailing list, the header's own limits and warnings; no text,
 * part or URL): what the per-message analyzers read, for a message whose
 * content verdict comes from the cache. raw_len is the header's length.
 */
struct lw_message *lw_message_parse_header(const char *raw, size_t len, const struct lw_envelope *env,
                                           const struct lw_config *cfg);

/*
 * What the campaign counters know a message by, kept with its cached
 * verdict so that a copy served from the cache is counted without being
 * parsed: the content fingerprint (cache.c, lw_fingerprint) and the
 * SHA-256 and name of each attachment.
 */
struct lw_attachment_ref {
    char sha256[65];
    char *filename;             /* or NULL */
};

struct lw_summary {
    char *fingerprint;
    GPtrArray *attachments;     /* struct lw_attachment_ref, owned */
};

struct lw_summary *lw_summary_new(const char *fingerprint);
void lw_summary_add(struct lw_summary *sum, const char *sha256, const char *filename);
void lw_summary_free(struct lw_summary *sum);

/* lw_message_header - first header NAME (decoded), or NULL */
const char *lw_message_header(const struct lw_message *msg, const char *name);

/* lw_message_header_raw - first header NAME as received (encoded words and all), or NULL */
const char *lw_message_header_raw(const struct lw_message *msg, const char *name);

void lw_gmime_init(void);

#endif
