/*
 * message.c - parse a message with GMime into the model analyzers read
 *
 * lw_message_parse() takes the raw bytes of one message (borrowed: they must
 * outlive the model) and the envelope the MTA reported (borrowed, may be
 * NULL), and builds a struct lw_message: decoded headers and addresses, the
 * readable text (every inline text part, also those of attached messages,
 * which mail clients show inline, decoded to UTF-8, HTML also rendered
 * to text, and a normalized copy for rules), the same of text and HTML
 * files attached (attached_texts: the rules read them, the checks of the
 * body's layout do not), every leaf part and attached
 * message with its decoded name, declared and sniffed type, size and
 * SHA-256, and the parser's own warnings. It never returns NULL: a message
 * GMime cannot parse at all comes back with `unparseable` set and only the
 * raw bytes, so the caller decides what that means.
 *
 * LIMITS. Untrusted input is bounded by the configuration: bytes parsed
 * (max_message_size), parts (max_parts), nesting (max_depth), header fields
 * (max_headers) and their length (max_header_length), decoded text per part
 * (max_text_size), pictures decoded for QR codes (qr_max_images,
 * qr_max_image_size, qr_max_pixels; see qrcode.c), copies of attached
 * messages (max_decoded_size). Going past one stops that part of the work
 * and records the limit's name in msg->limits; analyzers turn that into a
 * hit. The walk recurses at most max_depth levels. Because GMime allocates
 * per header field and per part, recurses per nested address group and
 * spends the square of a field's parameter count before the walk sees any
 * of them, a pre-pass (bound_input) cuts a message with absurdly many
 * fields or parts, or a field over max_address_groups or
 * max_mime_parameters, so memory, time and stack stay proportional to the
 * limits, not to the input (t/t1003-scan-limits.sh).
 *
 * THREADS. GMime objects are not thread-safe, but each message owns its own
 * parser and objects, so different threads may parse different messages.
 * lw_gmime_init() must be called once before any thread starts.
 *
 * lw_message_free() releases everything the model owns.
 */
#include "config.h"

#include <string.h>


#include "model/message.h"
#include "model/sniff.h"
#include "model/html.h"
#include "model/url.h"
#include "model/qrcode.h"
#include "model/rfc2047.h"
#include "util/bulk.h"
#include "util/digest.h"
#include "util/unicode.h"

#define MAX_UU_FILES 8          /* uuencoded files read from one plain-text body */

#define MAX_WARNINGS 64

static const char *fallback_charsets[] = { "UTF-8", "Big5", "GB18030", "windows-1252", NULL };

void lw_gmime_init(void)
{
    g_mime_init();
}

struct lw_envelope *lw_envelope_new(void)
{
    struct lw_envelope *env = g_new0(struct lw_envelope, 1);

    env->rcpts = g_ptr_array_new_with_free_func(g_free);
    return env;
}

void lw_envelope_free(struct lw_envelope *env)
{
    if (env == NULL)
        return;
    g_free(env->client_addr);
    g_free(env->client_name);
    g_free(env->helo);
    g_free(env->mail_from);
    g_free(env->queue_id);
    g_free(env->auth_user);
    g_ptr_array_unref(env->rcpts);
    g_free(env);
}

static void address_free(struct lw_address *a)
{
    if (a == NULL)
        return;
    g_free(a->name);
    g_free(a->addr);
    g_free(a->domain);
    g_free(a);
}

static void header_free(gpointer p)
{
    struct lw_header *h = p;

    g_free(h->name);
    g_free(h->value);
    g_free(h->raw);
    g_free(h);
}

static void text_free(gpointer p)
{
    struct lw_text *t = p;

    g_free(t->path);
    lw_html_free(t->doc);
    g_free(t->html);
    g_free(t->text);
    g_free(t->norm);
    g_free(t);
}

static void part_free(gpointer p)
{
    struct lw_part *part = p;

    g_free(part->path);
    g_free(part->filename);
    g_strfreev(part->other_names);
    g_free(part->declared_type);
    g_free(part->disposition);
    if (part->data)
        g_bytes_unref(part->data);
    g_free(part);
}

static void warning_free(gpointer p)
{
    struct lw_warning *w = p;

    g_free(w->text);
    g_free(w);
}

/* add_limit - record that a limit was hit, once per limit */
static void add_limit(struct lw_message *msg, const char *name)
{
    for (guint i = 0; i < msg->limits->len; i++)
        if (strcmp(g_ptr_array_index(msg->limits, i), name) == 0)
            return;
    g_ptr_array_add(msg->limits, g_strdup(name));
}

static void on_parser_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
                              gpointer user_data)
{
    struct lw_message *msg = user_data;
    struct lw_warning *w;

    if (msg->warnings->len >= MAX_WARNINGS)
        return;
    w = g_new(struct lw_warning, 1);
    w->code = (int) code;
    w->text = g_strdup_printf("offset %" G_GINT64_FORMAT ": code %d%s%s", offset, (int) code,
                              item ? ": " : "", item ? item : "");
    g_ptr_array_add(msg->warnings, w);
}

/* address_from_mailbox - our copy of one GMime mailbox */
static struct lw_address *address_from_mailbox(InternetAddress *ia)
{
    struct lw_address *a = g_new0(struct lw_address, 1);
    const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
    const char *at;

    a->name = g_utf8_make_valid(internet_address_get_name(ia) ? internet_address_get_name(ia) : "", -1);
    a->addr = g_utf8_make_valid(addr ? addr : "", -1);
    at = strrchr(a->addr, '@');
    a->domain = g_utf8_strdown(at ? at + 1 : "", -1);
    return a;
}

/* first_mailbox - the first mailbox of a list, descending into groups; counts all */
static InternetAddress *first_mailbox(InternetAddressList *list, unsigned *count)
{
    InternetAddress *first = NULL;
    int n = list ? internet_address_list_length(list) : 0;

    for (int i = 0; i < n; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);

        if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            InternetAddress *m = first_mailbox(internet_address_group_get_members(
                                                   INTERNET_ADDRESS_GROUP(ia)), count);
            if (first == NULL)
                first = m;
        } else {
            if (count)
                (*count)++;
            if (first == NULL)
                first = ia;
        }
    }
    return first;
}

static struct lw_address *address_from_list(InternetAddressList *list, unsigned *count)
{
    InternetAddress *ia = first_mailbox(list, count);

    return ia ? address_from_mailbox(ia) : NULL;
}

/*
 * repaired_value - raw (a field as received) unfolded, with its padded runs
 * of base64 encoded-words rewritten so that GMime reads them whole
 * (rfc2047.c); NULL when GMime's own reading is whole (g_free)
 */
static char *repaired_value(const char *raw)
{
    char *fixed = raw ? lw_rfc2047_coalesce(raw) : NULL, *unfolded;

    if (fixed == NULL)
        return NULL;
    unfolded = g_mime_utils_header_unfold(fixed);
    g_free(fixed);
    return unfolded;
}

/*
 * field_address - the first mailbox of address field NAME, as GMime parsed
 * it (list), or parsed again from the repaired value when GMime's reading
 * of a display name was cut short (repaired_value); count as
 * address_from_list
 */
static struct lw_address *field_address(const struct lw_message *msg, GMimeParserOptions *opts, const char *name,
                                        InternetAddressList *list, unsigned *count)
{
    char *fixed = repaired_value(lw_message_header_raw(msg, name));
    InternetAddressList *again = fixed ? internet_address_list_parse(opts, fixed) : NULL;
    struct lw_address *a = address_from_list(again ? again : list, count);

    if (again)
        g_object_unref(again);
    g_free(fixed);
    return a;
}

/* address_from_header - parse header NAME as an address list and keep the first mailbox */
static struct lw_address *address_from_header(struct lw_message *msg, GMimeParserOptions *opts,
                                              const char *name)
{
    const char *value = lw_message_header(msg, name);
    InternetAddressList *list;
    struct lw_address *a;

    if (value == NULL)
        return NULL;
    if ((list = internet_address_list_parse(opts, value)) == NULL)
        return NULL;
    a = address_from_list(list, NULL);
    g_object_unref(list);
    return a;
}

/*
 * return_path - where bounces go. Given an envelope (the milter), its MAIL
 * FROM: that is what delivery writes as Return-Path (RFC 5321 4.4), and a
 * Return-Path field arriving over SMTP is the sender's word, which Postfix
 * drops (message_drop_headers). Without one (a delivered copy), the field.
 * The null sender <> gives an address with no domain.
 */
static struct lw_address *return_path(struct lw_message *msg, GMimeParserOptions *opts)
{
    InternetAddressList *list;
    struct lw_address *a = NULL;

    if (msg->env == NULL || msg->env->mail_from == NULL)
        return address_from_header(msg, opts, "Return-Path");
    if (*msg->env->mail_from && (list = internet_address_list_parse(opts, msg->env->mail_from)) != NULL) {
        a = address_from_list(list, NULL);
        g_object_unref(list);
    }
    if (a == NULL) {
        a = g_new0(struct lw_address, 1);
        a->name = g_strdup("");
        a->addr = g_utf8_make_valid(msg->env->mail_from, -1);
        a->domain = g_strdup("");
    }
    return a;
}

/*
 * addressed_to_self - the one To mailbox (TO, the first) is the From
 * mailbox and there is no Cc: the sender wrote to itself and put the real
 * recipients in Bcc, as a Bcc blast does when its mailer will not leave To
 * empty
 */
static int addressed_to_self(const struct lw_message *msg, InternetAddress *to)
{
    const char *addr = to ? internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(to)) : NULL;

    return msg->from && *msg->from->addr && msg->to_count == 1 && msg->cc_count == 0 && addr
        && g_ascii_strcasecmp(addr, msg->from->addr) == 0;
}

static unsigned address_count(GMimeMessage *m, GMimeAddressType type)
{
    unsigned n = 0;

    first_mailbox(g_mime_message_get_addresses(m, type), &n);
    return n;
}

/*
 * content_fields - how many header fields of the top-level header GMime
 * keeps with the message's body part rather than in the message's own list
 * (Content-Type, Content-Transfer-Encoding and any other Content-*)
 */
static int content_fields(GMimeMessage *m)
{
    GMimeObject *body = g_mime_message_get_mime_part(m);

    return body ? g_mime_header_list_get_count(g_mime_object_get_header_list(body)) : 0;
}

/* decoded_value - GMime's decoding of a field's value, whole (see repaired_value) (g_free) */
static char *decoded_value(GMimeParserOptions *opts, const char *raw, const char *value)
{
    char *fixed = repaired_value(raw), *text;

    if (fixed == NULL)
        return g_utf8_make_valid(value ? value : "", -1);
    text = g_mime_utils_header_decode_text(opts, fixed);
    g_free(fixed);
    fixed = g_utf8_make_valid(text, -1);
    g_free(text);
    return fixed;
}

/*
 * collect_headers - the top-level header fields, under the count and
 * length limits; the Content-* fields of the top-level header count
 * towards max_headers too, though GMime files them under the body part
 */
static void collect_headers(struct lw_message *msg, const struct lw_config *cfg, GMimeParserOptions *opts)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg->mime));
    int n = g_mime_header_list_get_count(hl);

    if (n + content_fields(msg->mime) > cfg->max_headers) {
        add_limit(msg, "max_headers");
        n = MIN(n, (int) cfg->max_headers);
    }
    for (int i = 0; i < n; i++) {
        GMimeHeader *gh = g_mime_header_list_get_header_at(hl, i);
        const char *raw = g_mime_header_get_raw_value(gh);
        const char *value = g_mime_header_get_value(gh);
        struct lw_header *h;

        if (raw && (long long) strlen(raw) > cfg->max_header_length) {
            add_limit(msg, "max_header_length");
            continue;
        }
        h = g_new(struct lw_header, 1);
        h->name = g_utf8_make_valid(g_mime_header_get_name(gh), -1);
        h->value = decoded_value(opts, raw, value);
        h->raw = g_utf8_make_valid(raw ? raw : "", -1);
        g_strstrip(h->raw);
        g_ptr_array_add(msg->headers, h);
        if (g_ascii_strcasecmp(h->name, "Received") == 0)
            g_ptr_array_add(msg->received, g_strdup(h->value));
        else if (g_ascii_strcasecmp(h->name, "Authentication-Results") == 0)
            g_ptr_array_add(msg->auth_results, g_strdup(h->value));
    }
}

/* Mailing lists. */

/* address_copy - a deep copy of A */
static struct lw_address *address_copy(const struct lw_address *a)
{
    struct lw_address *c = g_new(struct lw_address, 1);

    c->name = g_strdup(a->name);
    c->addr = g_strdup(a->addr);
    c->domain = g_strdup(a->domain);
    return c;
}

/* list_free - the list description and its poster */
static void list_free(struct lw_list *l)
{
    if (l == NULL)
        return;
    g_free(l->address);
    g_free(l->id);
    address_free(l->poster);
    g_free(l);
}

/* word_after - the lowercased address-like word after the first KEY in VALUE (g_free), or NULL */
static char *word_after(const char *value, const char *key)
{
    char *low = value ? g_ascii_strdown(value, -1) : NULL;
    const char *p = low ? strstr(low, key) : NULL;
    char *word = NULL;
    size_t n;

    if (p != NULL) {
        p += strlen(key);
        while (g_ascii_isspace(*p) || *p == '<')
            p++;
        n = strcspn(p, " \t\r\n<>,;?\"()");
        if (n > 0 && memchr(p, '@', n) != NULL)
            word = g_strndup(p, n);
    }
    g_free(low);
    return word;
}

/*
 * list_from - the From address is the list's own: its posting address, its
 * domain, or the domain the List-Id ("name.lists.example") ends with
 */
static int list_from(const struct lw_message *msg, const struct lw_list *l)
{
    const char *d = msg->from ? msg->from->domain : "";
    const char *at = l->address ? strrchr(l->address, '@') : NULL;
    size_t n = strlen(d), m = l->id ? strlen(l->id) : 0;

    if (*d == '\0')
        return 0;
    return (at && g_ascii_strcasecmp(at + 1, d) == 0)
           || (m > n && l->id[m - n - 1] == '.' && strcmp(l->id + m - n, d) == 0)
           || (l->id && strcmp(l->id, d) == 0);
}

/* says_via - the display name has the "Name via List" form lists give rewritten posts */
static int says_via(const char *name)
{
    char *low = g_utf8_strdown(name, -1);
    int via = strstr(low, " via ") != NULL;

    g_free(low);
    return via;
}

/*
 * list_poster - the author of a post whose From the list rewrote to its own
 * address: X-Original-From (Sympa, Google Groups), X-Original-Sender
 * (Google Groups), else Reply-To (Mailman). NULL when From was not
 * rewritten, or the candidate is the list itself.
 */
static struct lw_address *list_poster(struct lw_message *msg, GMimeParserOptions *opts, const struct lw_list *l)
{
    struct lw_address *p;
    int marked = lw_message_header(msg, "X-Original-From") || lw_message_header(msg, "X-Original-Sender");

    if (!list_from(msg, l) || !(marked || says_via(msg->from->name)))
        return NULL;
    if ((p = address_from_header(msg, opts, "X-Original-From")) == NULL
        && (p = address_from_header(msg, opts, "X-Original-Sender")) == NULL
        && msg->reply_to != NULL)
        p = address_copy(msg->reply_to);
    if (p != NULL && (*p->domain == '\0' || strcmp(p->domain, msg->from->domain) == 0)) {
        address_free(p);
        p = NULL;
    }
    return p;
}

/*
 * collect_list - what the list server wrote: the list's address and id, and
 * the poster of a post whose From it rewrote; NULL without List-Id,
 * List-Post, X-BeenThere or Mailing-List
 */
static struct lw_list *collect_list(struct lw_message *msg, GMimeParserOptions *opts)
{
    const char *id = lw_message_header(msg, "List-Id");
    const char *post = lw_message_header(msg, "List-Post");
    const char *been = lw_message_header(msg, "X-BeenThere");
    const char *ml = lw_message_header(msg, "Mailing-List");
    struct lw_list *l;
    const char *lt, *gt;

    if (!id && !post && !been && !ml)
        return NULL;
    l = g_new0(struct lw_list, 1);
    if ((l->address = word_after(post, "mailto:")) == NULL && (l->address = word_after(been, "")) == NULL)
        l->address = word_after(ml, "list ");
    if (id && (lt = strrchr(id, '<')) != NULL && (gt = strchr(lt, '>')) != NULL && gt > lt + 1)
        l->id = g_ascii_strdown(lt + 1, gt - lt - 1);
    if (msg->from != NULL)
        l->poster = list_poster(msg, opts, l);
    return l;
}

/* collect_fields - addresses, subject, ids, dates and mailing list */
static void collect_fields(struct lw_message *msg, GMimeParserOptions *opts)
{
    GMimeMessage *m = msg->mime;
    GDateTime *date = g_mime_message_get_date(m);
    InternetAddress *to;
    const char *s;

    msg->from = field_address(msg, opts, "From", g_mime_message_get_from(m), &msg->from_count);
    msg->sender = field_address(msg, opts, "Sender", g_mime_message_get_sender(m), NULL);
    msg->reply_to = field_address(msg, opts, "Reply-To", g_mime_message_get_reply_to(m), NULL);
    msg->return_path = return_path(msg, opts);
    to = first_mailbox(g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_TO), &msg->to_count);
    msg->cc_count = address_count(m, GMIME_ADDRESS_TYPE_CC);
    msg->to_self = addressed_to_self(msg, to);
    if ((s = g_mime_message_get_subject(m)) != NULL)
        msg->subject = decoded_value(opts, lw_message_header_raw(msg, "Subject"), s);
    if ((s = g_mime_message_get_message_id(m)) != NULL)
        msg->message_id = g_utf8_make_valid(s, -1);
    if ((s = lw_message_header(msg, "Date")) != NULL)
        msg->date_raw = g_strdup(s);
    if (date != NULL) {
        msg->date = g_date_time_to_unix(date);
        msg->date_valid = 1;
    }
    if ((s = lw_message_header(msg, "X-Mailer")) != NULL
        || (s = lw_message_header(msg, "User-Agent")) != NULL)
        msg->x_mailer = g_strdup(s);
    msg->list = collect_list(msg, opts);
}

/*
 * decoded_size_hint - about how many bytes a leaf decodes to, so the buffer
 * is allocated once instead of doubling through realloc (each doubling a
 * copy and fresh pages: 7% of a scan of mail with large attachments)
 */
static gsize decoded_size_hint(GMimeDataWrapper *content)
{
    GMimeStream *raw = g_mime_data_wrapper_get_stream(content);
    gint64 n = raw ? g_mime_stream_length(raw) : -1;

    if (n <= 0)
        return 4096;
    if (n > 64 * 1024 * 1024)
        n = 64 * 1024 * 1024;   /* a hint, not a limit */
    switch (g_mime_data_wrapper_get_encoding(content)) {
    case GMIME_CONTENT_ENCODING_BASE64:
        return (gsize) n / 4 * 3 + 16;
    default:
        return (gsize) n + 16;
    }
}

/*
 * base64_strict - decode well-formed base64 (the alphabet in groups of 4,
 * line breaks anywhere, the last group padded with '=' if short) into out; -1 for
 * anything else, which the caller leaves to GMime's lenient decoder. For
 * well-formed input both give the same bytes; this one is about four times
 * faster, and attachments are most of the bytes a relay sees. out gets 3
 * bytes of room beyond the decoded size, which the whole groups' 4-byte
 * stores use (a third faster than three byte stores).
 */
static int base64_strict(const unsigned char *in, size_t len, GByteArray *out)
{
    static const signed char val[256] = {   /* A-Z a-z 0-9 + / -> 0..63, others -1 */
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
        52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
        -1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
        15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
        -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
        41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    };
    unsigned char *o;
    guint32 acc = 0;
    size_t n = 0, pad = 0;

    g_byte_array_set_size(out, (guint) (len / 4 * 3 + 3));
    o = out->data;
    for (size_t i = 0; i < len; i++) {
        int v;

        while (pad == 0 && n % 4 == 0 && i + 4 <= len) {   /* whole groups: the common case */
            int a = val[in[i]], b = val[in[i + 1]], c = val[in[i + 2]], d = val[in[i + 3]];
            guint32 x;

            if ((a | b | c | d) < 0)
                break;
            x = GUINT32_TO_BE((guint32) a << 26 | (guint32) b << 20 | (guint32) c << 14 | (guint32) d << 8);
            memcpy(o, &x, 4);       /* one store: 3 bytes and one the next group overwrites */
            o += 3;
            i += 4;
        }
        if (i >= len)
            break;
        v = val[in[i]];

        if (v >= 0 && pad == 0) {
            acc = acc << 6 | (guint32) v;
            if (++n % 4 == 0) {
                *o++ = (unsigned char) (acc >> 16);
                *o++ = (unsigned char) (acc >> 8);
                *o++ = (unsigned char) acc;
            }
        } else if (in[i] == '=' && n % 4 >= 2 && n % 4 + pad < 4) {
            pad++;
        } else if (in[i] != '\n' && in[i] != '\r') {
            return -1;
        }
    }
    if (n % 4 + pad != 4 && n % 4 + pad != 0)
        return -1;      /* a group cut short without its padding: GMime decides */
    if (n % 4 == 2) {
        *o++ = (unsigned char) (acc >> 4);
    } else if (n % 4 == 3) {
        *o++ = (unsigned char) (acc >> 10);
        *o++ = (unsigned char) (acc >> 2);
    }
    g_byte_array_set_size(out, (guint) (o - out->data));
    return 0;
}

/*
 * bulk_array - an empty byte array with room for n bytes, in huge pages
 * when that is 2 MB or more (util/bulk.c: a decoded attachment is written
 * whole into fresh memory, a page fault per 4 KB otherwise)
 */
static GByteArray *bulk_array(size_t n)
{
    GByteArray *a;

    n = MIN(n, G_MAXUINT);
    a = g_byte_array_new_take(lw_bulk_alloc(&n), MIN(n, G_MAXUINT));
    g_byte_array_set_size(a, 0);    /* keeps the room */
    return a;
}

/*
 * base64_in_place - a base64 leaf parsed from our in-memory stream: its
 * encoded bytes are a slice of the message buffer, decoded without GMime's
 * stream and filter layers; NULL when not (or not well formed)
 */
static GBytes *base64_in_place(GMimeDataWrapper *content)
{
    GMimeStream *raw = g_mime_data_wrapper_get_stream(content);
    GByteArray *buf, *out;
    gint64 start, end;

    if (raw == NULL || !GMIME_IS_STREAM_MEM(raw)
        || g_mime_data_wrapper_get_encoding(content) != GMIME_CONTENT_ENCODING_BASE64
        || (buf = GMIME_STREAM_MEM(raw)->buffer) == NULL)
        return NULL;
    start = raw->bound_start;
    end = raw->bound_end < 0 || raw->bound_end > (gint64) buf->len ? (gint64) buf->len : raw->bound_end;
    if (start < 0 || start > end || end - start > G_MAXUINT / 2)
        return NULL;
    out = bulk_array((size_t) (end - start) / 4 * 3 + 3);
    if (base64_strict(buf->data + start, (size_t) (end - start), out) < 0) {
        g_byte_array_unref(out);
        return NULL;
    }
    return g_byte_array_free_to_bytes(out);
}

/* object_bytes - decoded content of a leaf, or the serialized attached message */
static GBytes *object_bytes(GMimeObject *obj)
{
    GMimeStream *mem;
    GByteArray *ba;
    GMimeDataWrapper *content = GMIME_IS_PART(obj) ? g_mime_part_get_content(GMIME_PART(obj)) : NULL;
    GBytes *fast = content ? base64_in_place(content) : NULL;

    if (fast != NULL)
        return fast;
    mem = content ? g_mime_stream_mem_new_with_byte_array(bulk_array(decoded_size_hint(content)))
                  : g_mime_stream_mem_new();
    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

        if (inner)
            g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, mem);
    } else if (content) {
        g_mime_data_wrapper_write_to_stream(content, mem);
    }
    ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
    g_object_unref(mem);
    return g_byte_array_free_to_bytes(ba);
}

/* decode_text - bytes in the part's charset to valid UTF-8 (g_free) */
static char *decode_text(GMimeObject *obj, GMimeParserOptions *opts, const char *data, gsize len)
{
    const char *charset = g_mime_object_get_content_type_parameter(obj, "charset");
    char *out = NULL, *valid;

    if (charset && g_ascii_strcasecmp(charset, "utf-8") != 0 && g_ascii_strcasecmp(charset, "us-ascii") != 0)
        out = g_convert_with_fallback(data, (gssize) len, "UTF-8",
                                      g_mime_charset_iconv_name(charset), "?", NULL, NULL, NULL);
    if (out == NULL && g_utf8_validate(data, (gssize) len, NULL))
        return g_strndup(data, len);        /* valid, and no NUL: validated with a length */
    if (out == NULL)
        out = g_mime_utils_decode_8bit(opts, data, len);
    valid = g_utf8_make_valid(out, -1);
    g_free(out);
    return valid;
}

/* cap_utf8 - cut s to at most max bytes on a character boundary; 1 if cut */
static int cap_utf8(char *s, long long max)
{
    char *end;

    if ((long long) strlen(s) <= max)
        return 0;
    end = g_utf8_find_prev_char(s, s + max + 1);
    *(end ? end : s) = '\0';
    return 1;
}

/*
 * How a mail client reads a leaf part. MIME types are case-insensitive
 * (RFC 2045 5.1); a Content-Type that is not "type/subtype" is read as
 * text/plain (RFC 2045 5.2), and so is any text subtype a client does not
 * know. A part with two Content-Type fields is read as text if any of them
 * says text: GMime keeps the last, Thunderbird shows the first, and the
 * filter must read what some client shows (the parser's warning about the
 * duplicate becomes a structure hit).
 */
enum text_kind { NOT_TEXT, TEXT_PLAIN, TEXT_HTML, TEXT_ENRICHED };

/* is_token_char - RFC 2045 token: any CHAR but SPACE, CTLs and tspecials */
static int is_token_char(char c)
{
    return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* skip_cfws - past white space and (nested) comments */
static const char *skip_cfws(const char *p)
{
    int depth = 0;

    for (; *p; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')' && depth > 0)
            depth--;
        else if (depth == 0 && !g_ascii_isspace(*p))
            break;
    }
    return p;
}

/* field_text_kind - what one Content-Type value makes of a part */
static enum text_kind field_text_kind(const char *value)
{
    const char *type = skip_cfws(value), *sub, *p = type;
    size_t type_len, sub_len;

    while (is_token_char(*p))
        p++;
    type_len = (size_t) (p - type);
    p = skip_cfws(p);
    if (type_len == 0 || *p != '/')
        return TEXT_PLAIN;                  /* not type/subtype: RFC 2045 says text/plain */
    for (sub = p = skip_cfws(p + 1); is_token_char(*p); p++)
        ;
    sub_len = (size_t) (p - sub);
    if (sub_len == 0)
        return TEXT_PLAIN;
    if (type_len != 4 || g_ascii_strncasecmp(type, "text", 4) != 0)
        return NOT_TEXT;
    if (sub_len == 4 && g_ascii_strncasecmp(sub, "html", 4) == 0)
        return TEXT_HTML;
    if ((sub_len == 8 && g_ascii_strncasecmp(sub, "enriched", 8) == 0)
        || (sub_len == 8 && g_ascii_strncasecmp(sub, "richtext", 8) == 0))
        return TEXT_ENRICHED;
    return TEXT_PLAIN;
}

/* text_kind - the first Content-Type field that makes the part text, or text/plain if none is given */
static enum text_kind text_kind(GMimeObject *obj)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
    int n = hl ? g_mime_header_list_get_count(hl) : 0, fields = 0;

    for (int i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *value = g_mime_header_get_raw_value(h);
        enum text_kind kind;

        if (g_ascii_strcasecmp(g_mime_header_get_name(h), "Content-Type") != 0)
            continue;
        fields++;
        if ((kind = field_text_kind(value ? value : "")) != NOT_TEXT)
            return kind;
    }
    return fields == 0 ? TEXT_PLAIN : NOT_TEXT;
}

/*
 * strip_enriched - text/enriched (RFC 1896) or text/richtext (RFC 1341) as
 * the words a client shows: formatting commands removed, <param> contents
 * dropped, "<<" and <lt> read as "<", <nl> as a line break. In place.
 */
static void strip_enriched(char *s)
{
    char *w = s;
    int param = 0;

    for (const char *p = s; *p;) {
        const char *close;

        if (*p != '<') {
            if (!param)
                *w++ = *p;
            p++;
        } else if (p[1] == '<') {
            *w++ = '<';
            p += 2;
        } else if ((close = strchr(p, '>')) == NULL) {
            break;
        } else {
            if (g_ascii_strncasecmp(p, "<param>", 7) == 0)
                param = 1;
            else if (g_ascii_strncasecmp(p, "</param>", 8) == 0)
                param = 0;
            else if (g_ascii_strncasecmp(p, "<lt>", 4) == 0)
                *w++ = '<';
            else if (g_ascii_strncasecmp(p, "<nl>", 4) == 0)
                *w++ = '\n';
            p = close + 1;
        }
    }
    *w = '\0';
}

/*
 * add_text - a readable part: decode, render HTML, normalize. URLS NULL: a
 * text or HTML file attached, the words the reader sees on opening it, for
 * the rules (msg->attached_texts); its links are url-extract.c's, as an
 * attachment's, and the checks of the layout judge the body alone.
 */
static void add_text(struct lw_message *msg, const struct lw_config *cfg, GMimeParserOptions *opts,
                     struct lw_url_extractor *urls, struct lw_part *part, GMimeObject *obj,
                     enum text_kind kind)
{
    int is_html = kind == TEXT_HTML;

    struct lw_text *t = g_new0(struct lw_text, 1);
    gsize len;
    const char *data = g_bytes_get_data(part->data, &len);
    char *decoded = decode_text(obj, opts, data ? data : "", len);

    t->path = g_strdup(part->path);
    t->is_html = is_html;
    t->in_attached_message = part->in_attached_message;
    t->in_attachment = urls == NULL;
    if (cap_utf8(decoded, cfg->max_text_size)) {
        t->truncated = 1;
        add_limit(msg, "max_text_size");
    }
    if (is_html) {
        t->html = decoded;
        t->doc = lw_html_parse(decoded, strlen(decoded));     /* once, for every reader */
        t->text = urls ? lw_url_extract_render(urls, t->doc, decoded, part->path)   /* one walk: text and URLs */
                       : lw_html_render(t->doc, NULL, NULL);
    } else {
        if (kind == TEXT_ENRICHED)
            strip_enriched(decoded);
        t->text = decoded;
    }
    t->norm = lw_text_read(t->text);
    g_ptr_array_add(t->in_attachment ? msg->attached_texts : msg->texts, t);
}

/* attached_kind - how an attached part reads as text: its declared type, or a web page by its bytes */
static enum text_kind attached_kind(const struct lw_part *part, GMimeObject *obj)
{
    enum text_kind kind = text_kind(obj);

    if (kind == NOT_TEXT && part->true_type && strcmp(part->true_type, "text/html") == 0)
        return TEXT_HTML;
    return kind;
}

/* set_data - the part's content (owned; NULL: none) and what follows from it */
static void set_data(struct lw_part *part, GBytes *data)
{
    gsize len = 0;
    const guchar *bytes = data ? g_bytes_get_data(data, &len) : NULL;

    part->data = data;
    part->true_type = part->is_message ? "message/rfc822" : lw_sniff(bytes, len);
    lw_digest_hex(LW_DIGEST_SHA256, bytes, len, part->sha256);
}

/* part_field_repaired - repaired_value of the part's field NAME (g_free), or NULL */
static char *part_field_repaired(GMimeObject *obj, const char *name)
{
    GMimeHeader *h = g_mime_header_list_get_header(g_mime_object_get_header_list(obj), name);

    return h ? repaired_value(g_mime_header_get_raw_value(h)) : NULL;
}

/* add_names - every value of parameter NAME in params onto names, once each */
static void add_names(GPtrArray *names, GMimeParamList *params, const char *name)
{
    int n = params ? g_mime_param_list_length(params) : 0;

    for (int i = 0; i < n; i++) {
        GMimeParam *p = g_mime_param_list_get_parameter_at(params, i);
        const char *v = g_mime_param_get_value(p);
        gboolean seen = FALSE;

        if (g_ascii_strcasecmp(g_mime_param_get_name(p), name) != 0 || v == NULL || *v == '\0')
            continue;
        for (guint k = 0; k < names->len && !seen; k++)
            seen = strcmp(g_ptr_array_index(names, k), v) == 0;
        if (!seen)
            g_ptr_array_add(names, g_utf8_make_valid(v, -1));
    }
}

/*
 * part_names - the names the part gives itself, first the one GMime reads
 * (the disposition's filename, else the type's name), then any other:
 * filename twice, filename* beside filename, a type name that differs.
 * Mail clients do not agree which one they show and save the file as, so
 * every one is checked. Fields whose encoded words GMime would cut short
 * are read again repaired (repaired_value). NULL-terminated, NULL when the
 * part has no name (g_strfreev).
 */
static char **part_names(GMimeObject *obj, GMimeParserOptions *opts)
{
    GPtrArray *names = g_ptr_array_new();
    char *fixed_d = part_field_repaired(obj, "Content-Disposition");
    char *fixed_t = part_field_repaired(obj, "Content-Type");
    GMimeContentDisposition *d = fixed_d ? g_mime_content_disposition_parse(opts, fixed_d) : NULL;
    GMimeContentType *t = fixed_t ? g_mime_content_type_parse(opts, fixed_t) : NULL;
    GMimeContentDisposition *gd = d ? d : g_mime_object_get_content_disposition(obj);
    GMimeContentType *gt = t ? t : g_mime_object_get_content_type(obj);

    add_names(names, gd ? g_mime_content_disposition_get_parameters(gd) : NULL, "filename");
    add_names(names, gt ? g_mime_content_type_get_parameters(gt) : NULL, "name");
    g_clear_object(&d);
    g_clear_object(&t);
    g_free(fixed_d);
    g_free(fixed_t);
    if (names->len == 0) {
        g_ptr_array_free(names, TRUE);
        return NULL;
    }
    g_ptr_array_add(names, NULL);
    return (char **) g_ptr_array_free(names, FALSE);
}

/* new_part - a leaf, decoded, or an attached message, not yet copied (copy_message) */
static struct lw_part *new_part(GMimeObject *obj, GMimeParserOptions *opts, const char *path, int depth,
                                int in_msg)
{
    struct lw_part *part = g_new0(struct lw_part, 1);
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    const char *disp = g_mime_object_get_disposition(obj);
    char *type, **names;

    part->path = g_strdup(path);
    part->depth = depth;
    part->in_attached_message = in_msg;
    type = ct ? g_mime_content_type_get_mime_type(ct) : g_strdup("text/plain");
    part->declared_type = g_ascii_strdown(type, -1);   /* MIME types are case-insensitive */
    g_free(type);
    part->disposition = disp ? g_ascii_strdown(disp, -1) : NULL;
    part->is_message = GMIME_IS_MESSAGE_PART(obj);
    if (GMIME_IS_PART(obj) && (names = part_names(obj, opts)) != NULL) {
        part->filename = g_strdup(names[0]);
        part->other_names = names[1] ? g_strdupv(names + 1) : NULL;
        g_strfreev(names);
    }
    set_data(part, part->is_message ? NULL : object_bytes(obj));
    return part;
}

struct walk {
    struct lw_message *msg;
    const struct lw_config *cfg;
    GMimeParserOptions *opts;
    struct lw_url_extractor *urls;
    long long decoded;          /* bytes of every part's data so far */
    int no_copies;              /* max_decoded_size reached: no more attached-message copies */
};

/*
 * copy_message - an attached message's bytes, for its hashes, within
 * max_decoded_size. Every level of nested attached messages serializes all
 * the levels below it, so copying them all costs the depth times the size
 * (43 MB nested 18 deep: 827 MB). The walk copies after the levels below
 * are done, so the innermost are kept first and the first copy that does
 * not fit stops all further copies.
 */
static void copy_message(struct walk *w, struct lw_part *part, GMimeObject *obj)
{
    GBytes *copy = w->no_copies ? NULL : object_bytes(obj);
    long long len = copy ? (long long) g_bytes_get_size(copy) : 0;

    if (copy == NULL || w->decoded + len > w->cfg->max_decoded_size) {
        if (copy)
            g_bytes_unref(copy);
        w->no_copies = 1;
        add_limit(w->msg, "max_decoded_size");
        return;
    }
    w->decoded += len;
    set_data(part, copy);
}

/* uu_name - in "644 invoice.exe" (after "begin "), up to end: the file name (g_free), or NULL */
static char *uu_name(const char *p, const char *end)
{
    const char *q = p;

    while (q < end && *q >= '0' && *q <= '7')
        q++;
    if (q - p < 3 || q - p > 4 || q >= end || *q != ' ')
        return NULL;
    while (end > q && g_ascii_isspace(end[-1]))
        end--;
    return end > q + 1 ? g_utf8_make_valid(q + 1, end - q - 1) : NULL;
}

/*
 * uu_line - does the line at p (to end or a newline) look like uuencoded
 * data: a length character (' ' to '`') and about as many characters as it
 * announces (encoders may drop trailing spaces)? A "begin 644 name" in prose
 * is then not read as a file.
 */
static int uu_line(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t) (end - p));
    size_t len = (size_t) ((nl ? nl : end) - p), want;

    while (len > 0 && p[len - 1] == '\r')
        len--;
    if (len < 2 || p[0] < ' ' || p[0] > '`')
        return 0;
    want = (((size_t) (p[0] - ' ') & 63) + 2) / 3 * 4 + 1;
    return len + 2 >= want && len <= want + 2;
}

/* uu_part - the file a uuencoded block of text carries, from the line after its "begin" line */
static void uu_part(struct walk *w, const struct lw_part *text, int n, char *name, const char *from, const char *end)
{
    int state = GMIME_UUDECODE_STATE_BEGIN;
    guint32 save = 0;
    guchar *out = g_malloc((gsize) (end - from) + 3);
    size_t len = g_mime_encoding_uudecode_step((const guchar *) from, (size_t) (end - from), out, &state, &save);
    const char *limit = w->msg->parts->len >= (guint) w->cfg->max_parts ? "max_parts"
                        : w->decoded + (long long) len > w->cfg->max_decoded_size ? "max_decoded_size" : NULL;
    struct lw_part *part;

    if (len == 0 || limit != NULL) {
        if (len > 0)
            add_limit(w->msg, limit);
        g_free(out);
        g_free(name);
        return;
    }
    part = g_new0(struct lw_part, 1);
    part->path = g_strdup_printf("%s.uu%d", text->path, n);
    part->depth = text->depth + 1;
    part->in_attached_message = text->in_attached_message;
    part->filename = name;
    part->declared_type = g_strdup("application/octet-stream");
    part->disposition = g_strdup("attachment");
    set_data(part, g_bytes_new_take(out, len));
    g_ptr_array_add(w->msg->parts, part);
    w->decoded += (long long) len;
}

/*
 * uuencoded_files - the files a plain-text body carries uuencoded ("begin
 * 644 invoice.exe" ... "end"), which Outlook shows as attachments of the
 * message: each becomes a part of its own (PATH.uuN, an attachment), so
 * the attachment checks and the filename rules see it. At most
 * MAX_UU_FILES a body, within max_parts and max_decoded_size; GMime's
 * uudecoder reads each.
 */
static void uuencoded_files(struct walk *w, const struct lw_part *text)
{
    gsize len = 0;
    const char *data = text->data ? g_bytes_get_data(text->data, &len) : NULL;
    const char *end = data + len, *p, *nl;
    char *name;
    int n = 0;

    for (p = data; p != NULL && p < end && n < MAX_UU_FILES; p = nl ? nl + 1 : end) {
        nl = memchr(p, '\n', (size_t) (end - p));
        if (nl != NULL && nl - p > 10 && memcmp(p, "begin ", 6) == 0 && uu_line(nl + 1, end)
            && (name = uu_name(p + 6, nl)) != NULL)
            uu_part(w, text, ++n, name, nl + 1, end);
    }
}

/* walk_object - visit one MIME object and, within limits, everything below it */
static void walk_object(struct walk *w, GMimeObject *obj, const char *path, int depth, int in_msg)
{
    struct lw_message *msg = w->msg;

    if (depth > w->cfg->max_depth) {
        add_limit(msg, "max_depth");
        return;
    }
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);

        for (int i = 0; i < n; i++) {
            char *sub = *path ? g_strdup_printf("%s.%d", path, i + 1) : g_strdup_printf("%d", i + 1);

            walk_object(w, g_mime_multipart_get_part(mp, i), sub, depth + 1, in_msg);
            g_free(sub);
        }
        return;
    }
    if (msg->parts->len >= (guint) w->cfg->max_parts) {
        add_limit(msg, "max_parts");
        return;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        struct lw_part *part = new_part(obj, w->opts, *path ? path : "0", depth, in_msg);

        g_ptr_array_add(msg->parts, part);
        if (inner && g_mime_message_get_mime_part(inner)) {
            char *sub = g_strdup_printf("%s.0", *path ? path : "0");

            walk_object(w, g_mime_message_get_mime_part(inner), sub, depth + 1, 1);
            g_free(sub);
        }
        copy_message(w, part, obj);
        return;
    }
    if (GMIME_IS_PART(obj)) {
        struct lw_part *part = new_part(obj, w->opts, *path ? path : "0", depth, in_msg);
        int attachment = part->disposition && strcmp(part->disposition, "attachment") == 0;
        enum text_kind kind = attachment ? NOT_TEXT : text_kind(obj);

        g_ptr_array_add(msg->parts, part);
        w->decoded += (long long) g_bytes_get_size(part->data);
        if (kind != NOT_TEXT)
            add_text(msg, w->cfg, w->opts, w->urls, part, obj, kind);
        else if (attachment && (kind = attached_kind(part, obj)) != NOT_TEXT)
            add_text(msg, w->cfg, w->opts, NULL, part, obj, kind);
        if (kind == TEXT_PLAIN && !attachment && msg->parts->len < (guint) w->cfg->max_parts)
            uuencoded_files(w, part);
    }
}

static GMimeParserOptions *new_options(struct lw_message *msg)
{
    GMimeParserOptions *opts = g_mime_parser_options_new();

    g_mime_parser_options_set_rfc2047_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_allow_addresses_without_domain(opts, TRUE);
    g_mime_parser_options_set_fallback_charsets(opts, fallback_charsets);
    g_mime_parser_options_set_warning_callback(opts, on_parser_warning, msg);
    return opts;
}

/* field_like - does the line at p start like a header field ("Name:")? */
static int field_like(const char *p, const char *end)
{
    const char *q = p;

    while (q < end && (g_ascii_isalnum(*q) || *q == '-' || *q == '_'))
        q++;
    return q > p && q < end && *q == ':';
}

/*
 * Declared boundaries: GMime opens a part only at a line that starts with
 * "--" and a boundary some Content-Type declared, so only such lines are
 * counted. A list post full of "-- comment" lines (code, signatures, logs)
 * opens no part and must not look like a part flood. Slices point into the
 * raw message; past LW_MAX_DECLARED boundaries, or with an RFC 2231
 * continued boundary we do not decode here, every "--x" line counts again
 * (the old, conservative rule).
 */
#define LW_MAX_DECLARED 64

struct declared {
    const char *b[LW_MAX_DECLARED];
    size_t len[LW_MAX_DECLARED];
    int n;
    int any;                    /* too many or unreadable: count every "--x" line */
};

/* line_end - the end of the line at p, without its CR LF */
static const char *line_end(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t) (end - p));
    const char *e = nl ? nl : end;

    return e > p && e[-1] == '\r' ? e - 1 : e;
}

/* declare_boundary - note the boundary parameter a header line declares, if any */
static void declare_boundary(struct declared *d, const char *p, const char *end)
{
    const char *e = line_end(p, end), *v, *q;

    for (v = p; v + 8 <= e && g_ascii_strncasecmp(v, "boundary", 8) != 0; v++)
        ;
    if (v + 8 > e)
        return;
    for (v += 8; v < e && (*v == ' ' || *v == '\t'); v++)
        ;
    if (v < e && *v == '*') {
        d->any = 1;             /* boundary*0=, boundary*=: encoded, not read here */
        return;
    }
    if (v >= e || *v++ != '=')
        return;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    if (v < e && *v == '"')
        for (q = ++v; q < e && *q != '"'; q++)
            ;
    else
        for (q = v; q < e && *q != ';' && *q != ' ' && *q != '\t'; q++)
            ;
    if (q == v)
        return;
    if (d->n == LW_MAX_DECLARED) {
        d->any = 1;
        return;
    }
    d->b[d->n] = v;
    d->len[d->n++] = (size_t) (q - v);
}

/* boundary_like - "--" and a declared boundary (or, see struct declared, anything but a rule) */
static int boundary_like(const struct declared *d, const char *p, const char *end)
{
    if (end - p < 3 || p[0] != '-' || p[1] != '-')
        return 0;
    p += 2;
    for (int i = 0; i < d->n && !d->any; i++)
        if ((size_t) (end - p) >= d->len[i] && memcmp(p, d->b[i], d->len[i]) == 0)
            return 1;
    if (!d->any)
        return 0;
    for (; p < end && *p != '\n' && *p != '\r'; p++)
        if (*p != '-' && *p != '=' && *p != ' ' && *p != '\t')
            return 1;
    return 0;
}

/*
 * The header field the pre-pass is reading. GMime parses two kinds of
 * field into structures as it builds the message, before the walk below can
 * apply any limit: address fields, whose parser recurses once per group
 * ("name:") it finds inside another, so 42,000 "a:" overflow the stack;
 * and Content-Type/Content-Disposition parameters, whose list costs the
 * square of its length (200,000 parameters: minutes). Both are counted as
 * the field is read, across its folded lines: group openings are the colons
 * outside quoted strings, comments, angle brackets (routes) and domain
 * literals (IPv6); parameters are the semicolons outside quoted strings and
 * comments.
 */
enum field_kind { FIELD_OTHER, FIELD_ADDRESS, FIELD_PARAMS };

struct field_scan {
    enum field_kind kind;
    const char *start;          /* the field's first line: where the input is cut */
    long long count;            /* group openings or parameters so far */
    int quoted, escaped, comment, angle, literal;
    int want_type;              /* a Content-Type whose type is not read yet */
    int message_type;           /* ... which is message/rfc822, news or global */
};

static const char *const address_fields[] = {
    "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Return-Path",
    "X-Original-From", "X-Original-Sender", NULL
};

/* field_begin - the field whose name starts the line at p (field_like); returns the text after its colon */
static const char *field_begin(struct field_scan *f, const char *p)
{
    size_t n = 0;

    while (p[n] != ':')         /* field_like found one on this line */
        n++;
    memset(f, 0, sizeof(*f));
    f->start = p;
    if ((n == 12 && g_ascii_strncasecmp(p, "Content-Type", n) == 0)
        || (n == 19 && g_ascii_strncasecmp(p, "Content-Disposition", n) == 0)) {
        f->kind = FIELD_PARAMS;
        f->want_type = n == 12;
    } else if (n > 7 && g_ascii_strncasecmp(p, "Resent-", 7) == 0) {
        f->kind = FIELD_ADDRESS;
    }
    for (int i = 0; address_fields[i] && f->kind == FIELD_OTHER; i++)
        if (strlen(address_fields[i]) == n && g_ascii_strncasecmp(p, address_fields[i], n) == 0)
            f->kind = FIELD_ADDRESS;
    return p + n + 1;
}

/* is_message_type - does the type at p name an attached message, whose body GMime parses as one? */
static int is_message_type(const char *p, const char *e)
{
    static const char *const types[] = { "message/rfc822", "message/news", "message/global", NULL };

    for (int i = 0; types[i]; i++) {
        size_t n = strlen(types[i]);

        if ((size_t) (e - p) >= n && g_ascii_strncasecmp(p, types[i], n) == 0
            && (p + n == e || !is_token_char(p[n])))
            return 1;
    }
    return 0;
}

/* field_read - count what the text p..e of the current field adds */
static void field_read(struct field_scan *f, const char *p, const char *e)
{
    for (; p < e && f->kind != FIELD_OTHER; p++) {
        char c = *p;

        if (f->want_type && c != ' ' && c != '\t') {
            f->want_type = 0;
            f->message_type = is_message_type(p, e);
        }
        if (f->escaped) {
            f->escaped = 0;
        } else if (c == '\\' && (f->quoted || f->comment)) {
            f->escaped = 1;
        } else if (f->quoted) {
            f->quoted = c != '"';
        } else if (f->comment) {
            f->comment += c == '(' ? 1 : c == ')' ? -1 : 0;
        } else if (c == '"') {
            f->quoted = 1;
        } else if (c == '(') {
            f->comment = 1;
        } else if (f->kind == FIELD_PARAMS) {
            f->count += c == ';';
        } else if (c == '<' || c == '>') {
            f->angle = c == '<';
        } else if (c == '[' || c == ']') {
            f->literal = c == '[';
        } else if (c == ':' && !f->angle && !f->literal) {
            f->count++;
        }
    }
}

/* field_over - the limit the current field exceeds, or NULL */
static const char *field_over(const struct field_scan *f, const struct lw_config *cfg)
{
    if (f->kind == FIELD_ADDRESS && f->count > cfg->max_address_groups)
        return "max_address_groups";
    if (f->kind == FIELD_PARAMS && f->count > cfg->max_mime_parameters)
        return "max_mime_parameters";
    return NULL;
}

/*
 * bound_input - how many bytes of raw GMime may parse. GMime builds an
 * object for every header field and every part before the walk below can
 * apply max_headers and max_parts, at about 0.7 KB per field and 1.4 KB per
 * part: 2 MB of "X: y" lines cost 140 MB. One pass over the bytes counts
 * the lines that open a part (a declared boundary) and the field-like
 * lines of header blocks (the message's own, those after a boundary line,
 * and those of an attached message, up to the blank line); past a generous
 * multiple of the limits the input is cut at that line and the limit
 * recorded. In the same pass each address and MIME-parameter field is
 * counted (struct field_scan) and the input cut before the first field
 * over max_address_groups or max_mime_parameters. Real mail never comes
 * near (the shared corpus: no cut), only the tail of a message built to
 * exhaust memory, time or stack is lost, and flagged.
 */
static size_t bound_input(struct lw_message *msg, const struct lw_config *cfg,
                          const char *raw, size_t len)
{
    long long fields = 0, boundaries = 0;
    long long max_fields = cfg->max_headers * 8 + 256;
    long long max_boundaries = (cfg->max_parts + cfg->max_depth) * 2 + 16;
    const char *p = raw, *end = raw + len, *over;
    struct declared declared = { .n = 0 };
    struct field_scan field = { .kind = FIELD_OTHER };
    int in_header = 1, message_follows = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));

        if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
            in_header = message_follows;    /* an attached message's own header follows */
            message_follows = 0;
            field.kind = FIELD_OTHER;
        } else if (boundary_like(&declared, p, end)) {
            in_header = 1;
            message_follows = 0;
            field.kind = FIELD_OTHER;
            if (++boundaries > max_boundaries) {
                add_limit(msg, "max_parts");
                return (size_t) (p - raw);
            }
        } else if (in_header) {
            const char *text = p;

            declare_boundary(&declared, p, end);
            if (field_like(p, end)) {
                if (++fields > max_fields) {
                    add_limit(msg, "max_headers");
                    return (size_t) (p - raw);
                }
                text = field_begin(&field, p);
            } else if (*p != ' ' && *p != '\t') {
                field.kind = FIELD_OTHER;
            }
            field_read(&field, text, line_end(p, end));
            message_follows |= field.message_type;
            if ((over = field_over(&field, cfg)) != NULL) {
                add_limit(msg, over);
                return (size_t) (field.start - raw);
            }
        }
        p = nl ? nl + 1 : end;
    }
    return len;
}

static GPtrArray *archived_urls(const char *raw, size_t len, const struct lw_config *cfg);

/* parse - the model of raw (borrowed); never NULL */
static struct lw_message *parse(const char *raw, size_t len, const struct lw_envelope *env,
                                const struct lw_config *cfg, int from_archive)
{
    struct lw_message *msg = g_new0(struct lw_message, 1);
    GMimeParserOptions *opts;
    GMimeStream *stream;
    GMimeParser *parser;

    msg->env = env;
    msg->from_archive = from_archive;
    msg->raw = raw;
    msg->raw_len = len;
    msg->headers = g_ptr_array_new_with_free_func(header_free);
    msg->received = g_ptr_array_new_with_free_func(g_free);
    msg->auth_results = g_ptr_array_new_with_free_func(g_free);
    msg->texts = g_ptr_array_new_with_free_func(text_free);
    msg->attached_texts = g_ptr_array_new_with_free_func(text_free);
    msg->parts = g_ptr_array_new_with_free_func(part_free);
    msg->urls = g_ptr_array_new_with_free_func((GDestroyNotify) lw_url_free);
    msg->qr = g_ptr_array_new_with_free_func((GDestroyNotify) lw_qr_free);
    msg->warnings = g_ptr_array_new_with_free_func(warning_free);
    msg->limits = g_ptr_array_new_with_free_func(g_free);

    if ((long long) len > cfg->max_message_size) {
        add_limit(msg, "max_message_size");
        len = (size_t) cfg->max_message_size;
    }
    len = bound_input(msg, cfg, raw, len);
    opts = new_options(msg);
    /*
     * GMime reads raw in place (g_mime_stream_mem_new_with_buffer would
     * copy it): the stream does not own the array, raw outlives msg, and
     * parsed parts keep offsets into the stream, so the wrapper is freed
     * (without the bytes) only after the message in lw_message_free.
     */
    msg->raw_view = g_byte_array_new_take((guint8 *) raw, len);
    stream = g_mime_stream_mem_new_with_byte_array(msg->raw_view);
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
    parser = g_mime_parser_new_with_stream(stream);
    g_object_unref(stream);
    msg->mime = len > 0 ? g_mime_parser_construct_message(parser, opts) : NULL;
    g_object_unref(parser);

    if (msg->mime == NULL) {
        msg->unparseable = 1;
    } else {
        struct walk w = { msg, cfg, opts, lw_url_extract_begin(msg, cfg, archived_urls), 0, 0 };
        GMimeObject *body = g_mime_message_get_mime_part(msg->mime);

        collect_headers(msg, cfg, opts);
        collect_fields(msg, opts);
        if (body)
            walk_object(&w, body, "", 0, 0);
        lw_qr_scan_message(msg, cfg);   /* QR codes in pictures: msg->qr (qrcode.c) */
        lw_url_extract_end(w.urls);     /* every URL: msg->urls (url-extract.c) */
    }
    /* The callback must not outlive this call: it points at msg. */
    g_mime_parser_options_free(opts);
    return msg;
}

/*
 * archived_urls - the URLs of a message stored in an archive attachment
 * (the extractor's archived hook): parsed as a message that opens no
 * archive itself, its URLs taken, the rest freed.
 */
static GPtrArray *archived_urls(const char *raw, size_t len, const struct lw_config *cfg)
{
    struct lw_message *inner = parse(raw, len, NULL, cfg, 1);
    GPtrArray *urls = inner->urls;

    inner->urls = g_ptr_array_new();
    lw_message_free(inner);
    return urls;
}

struct lw_message *lw_message_parse(const char *raw, size_t len, const struct lw_envelope *env,
                                    const struct lw_config *cfg)
{
    return parse(raw, len, env, cfg, 0);
}

size_t lw_message_header_length(const char *raw, size_t len)
{
    const char *p = raw, *end = raw + len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));

        if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))
            return nl ? (size_t) (nl + 1 - raw) : len;
        p = nl ? nl + 1 : end;
    }
    return len;
}

struct lw_message *lw_message_parse_header(const char *raw, size_t len, const struct lw_envelope *env,
                                           const struct lw_config *cfg)
{
    struct lw_message *msg = parse(raw, lw_message_header_length(raw, len), env, cfg, 0);

    msg->header_only = 1;
    return msg;
}


void lw_message_free(struct lw_message *msg)
{
    if (msg == NULL)
        return;
    if (msg->mime)
        g_object_unref(msg->mime);
    if (msg->raw_view)
        g_byte_array_free(msg->raw_view, FALSE);    /* the bytes are the caller's */
    g_ptr_array_unref(msg->headers);
    address_free(msg->from);
    address_free(msg->sender);
    address_free(msg->reply_to);
    address_free(msg->return_path);
    g_free(msg->subject);
    g_free(msg->message_id);
    g_free(msg->date_raw);
    g_free(msg->x_mailer);
    list_free(msg->list);
    g_ptr_array_unref(msg->received);
    g_ptr_array_unref(msg->auth_results);
    g_ptr_array_unref(msg->texts);
    g_ptr_array_unref(msg->attached_texts);
    g_ptr_array_unref(msg->parts);
    g_ptr_array_unref(msg->urls);
    g_ptr_array_unref(msg->qr);
    g_ptr_array_unref(msg->warnings);
    g_ptr_array_unref(msg->limits);
    g_free(msg);
}

/* header_named - the first header field NAME, or NULL */
static const struct lw_header *header_named(const struct lw_message *msg, const char *name)
{
    for (guint i = 0; i < msg->headers->len; i++) {
        const struct lw_header *h = g_ptr_array_index(msg->headers, i);

        if (g_ascii_strcasecmp(h->name, name) == 0)
            return h;
    }
    return NULL;
}

const char *lw_message_header(const struct lw_message *msg, const char *name)
{
    const struct lw_header *h = header_named(msg, name);

    return h ? h->value : NULL;
}

const char *lw_message_header_raw(const struct lw_message *msg, const char *name)
{
    const struct lw_header *h = header_named(msg, name);

    return h ? h->raw : NULL;
}


/* ---- what the campaign counters know a message by ---- */

static void attachment_ref_free(gpointer p)
{
    struct lw_attachment_ref *a = p;

    g_free(a->filename);
    g_free(a);
}

struct lw_summary *lw_summary_new(const char *fingerprint)
{
    struct lw_summary *sum = g_new0(struct lw_summary, 1);

    sum->fingerprint = g_strdup(fingerprint);
    sum->attachments = g_ptr_array_new_with_free_func(attachment_ref_free);
    return sum;
}

void lw_summary_add(struct lw_summary *sum, const char *sha256, const char *filename)
{
    struct lw_attachment_ref *a = g_new0(struct lw_attachment_ref, 1);

    g_strlcpy(a->sha256, sha256, sizeof(a->sha256));
    a->filename = g_strdup(filename);
    g_ptr_array_add(sum->attachments, a);
}

void lw_summary_free(struct lw_summary *sum)
{
    if (sum == NULL)
        return;
    g_free(sum->fingerprint);
    g_ptr_array_unref(sum->attachments);
    g_free(sum);
}
