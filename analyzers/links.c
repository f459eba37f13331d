/*
 * links.c - analyzer: links and HTML built to deceive the reader
 *
 * DESCRIPTION
 *     Link rules read the URLs url.c extracted (msg->urls); each hits once
 *     per message with up to three URLs as evidence and URL indicators:
 *
 *     LW_LINK_TEXT_MISMATCH  the anchor text is a web address (scheme or www.)
 *                            of another site than the link's real target, and
 *                            the link does not carry it (trackers encode the
 *                            destination in the query), nor is the text a
 *                            gateway's rewritten link (SafeLinks, urldefense)
 *                            to the link's own site: "https://bank.com.tw" → evil
 *                            (3.5: alone it tags, with any other sign it
 *                            holds; an opaque tracker of the brand's own
 *                            under a sister site's name, or a poster's
 *                            gateway rewriting every link, looks the same)
 *     LW_LINK_IP_HOST        a web link to a bare IP address (or an IP in
 *                            decimal/hex/octal disguise); not a private,
 *                            loopback or link-local one written plainly
 *                            (http://192.168.10.2/ in a technical thread),
 *                            which no one outside the reader's network serves
 *     LW_LINK_USERINFO       "https://paypal.com@evil.example/": what precedes
 *                            '@' looks like the host but is not
 *     LW_LINK_SHORTENER      a URL shortener hides the destination
 *     LW_LINK_DATA_URI       a data: URI link (a page carried in the link);
 *                            a data:image picture shown inline is not one,
 *                            nor a data:text/plain link, shown as text
 *     LW_LINK_JAVASCRIPT     a javascript: link
 *     LW_LINK_FILESHARE      file-sharing or cloud-storage links
 *     LW_LINK_FORM_SERVICE   a form-builder link (credential harvesting)
 *     LW_LINK_FREEHOST       a page on a free hosting service
 *     LW_LINK_UNKNOWN_SITE   a message with a lure (a lure-class hit of the
 *                            rules, which run before this analyzer) sends
 *                            the reader to a site nothing vouches for: not
 *                            the sender's organization or a sister name of
 *                            it, not the organization's or a brand's site,
 *                            not a mail provider's tracker or a shared
 *                            service (their own rules judge those), not an
 *                            unsubscribe or list link, and on no loaded
 *                            warninglist (the most visited sites, mail
 *                            providers, banks, universities). Most of the
 *                            web is such a site, so alone it says nothing
 *                            and it never fires without a lure; its small
 *                            score only joins the lure to its channel (the
 *                            class fold). Without warninglists nothing can
 *                            be told known, and it never fires. A page in
 *                            a platform's customer namespace (an S3
 *                            bucket, a Cloud Run or Cloud Functions app:
 *                            below a private-section public suffix) is
 *                            unknown whatever lists or brands name the
 *                            platform.
 *     LW_LINK_FREEMAIL_CONTACT a lure whose mailto: link goes to a free-mail
 *                            mailbox other than the From or Reply-To
 *                            address: the advance-fee letter's channel
 *                            ("write to my private email"); like the
 *                            unknown site, it only joins the lure (0.1)
 *     LW_LINK_BRAND_ELSEWHERE mail From a brand's own domain (not free mail,
 *                            not a list post, not a suffix such as gov.br),
 *                            DKIM-signed by other domains only, with a
 *                            link to such an unknown site: a spoof that
 *                            signs with its own throwaway domain; or
 *                            unsigned, with a link to a rented page (a
 *                            customer namespace, a server's generic name:
 *                            see check_brand_elsewhere). The signatures are
 *                            left out of the cache key, so links_key adds
 *                            whether one is the brand's, or none is there.
 *
 *     HTML rules walk the HTML of each body part (html.c, gumbo's HTML5 tree):
 *
 *     LW_HTML_CREDENTIAL_FORM a form with a password field inside the mail
 *     LW_HTML_HIDDEN_DECOY    text or links the reader cannot see (html.c
 *                             decides what is hidden) planted for filters
 *                             alone: junk splitting a visible word, hidden
 *                             links to where no visible link goes. No sender
 *                             does that for a reader: evasion
 *     LW_HTML_HIDDEN_TEXT     other hidden text that is more than a preview
 *                             line: hidden lure wording or filler (see "HTML
 *                             rules"). A bulk signal: a newsletter's
 *                             template may hide a whole block of its own
 *     LW_HTML_IMAGE_ONLY      a body that is images and one or two links,
 *                             with almost no text for a filter to read:
 *                             the words travel as a picture (image spam),
 *                             a filter-evasion technique (evasion class).
 *                             Scored below the quarantine score: a retailer
 *                             may send a banner alone, so it needs one more
 *                             sign beside it
 *     LW_HTML_ONLY_SHORTENER  that HTML-only mail sends the reader through a
 *                             public URL shortener (LW_LINK_SHORTENER): a
 *                             mass-mailing kit hiding the destination from
 *                             reader and filters. Mail clients send a text
 *                             version; bulk-mail providers link through
 *                             their own or the sender's tracking domain
 *     LW_HTML_ONLY_FREEHOST   that HTML-only mail sends the reader to a page
 *                             on a free host or a cloud storage bucket
 *                             (LW_LINK_FREEHOST: storage.googleapis.com,
 *                             web.app, 000webhostapp): the kit's landing
 *                             page costs nothing and is gone tomorrow,
 *                             where a bulk-mail provider's customer links
 *                             its own site. With the host's own 2.0 it
 *                             stays below the quarantine score alone (a
 *                             club's letter may link its free site)
 *     LW_HTML_ONLY_IP_HOST    that HTML-only mail sends the reader to a bare
 *                             public IP address (LW_LINK_IP_HOST): a kit
 *                             mailing from rented servers, whose links have
 *                             no name a reputation list or a reader could
 *                             judge. Bulk-mail providers link through a
 *                             named tracking domain, and private and
 *                             loopback addresses (a technical thread's
 *                             192.168.x.y) never fire LW_LINK_IP_HOST
 *     LW_HTML_ONLY_BCC_BLAST  that HTML-only mail sent to undisclosed
 *                             recipients (LW_HDR_BCC_BLAST, rules file): a
 *                             mass-mailing tool, neither a mail client nor
 *                             a bulk-mail provider (they address each
 *                             recipient). The four are evasion (kit
 *                             fingerprints) scored 1.0; the shortener, IP
 *                             and blast ones reach the quarantine score with
 *                             the two hits they join
 *     LW_HTML_ONLY            an HTML body with links and no plain-text
 *                             alternative, as bulk kits send (weak alone)
 *     LW_QR_LURE              "scan the QR code" text plus an image: the
 *                             link travels as a picture no filter reads
 *                             (evidence names the decoded link, if any)
 *
 *     QR rules read the links qrcode.c decoded from the message's pictures
 *     (msg->urls entries flagged LW_URL_QR; the link rules above and the
 *     IOC analyzer see the same entries):
 *
 *     LW_QR_URL               a picture holds a QR code to a web link: a
 *                             link meant for the phone, out of reach of
 *                             the desktop's protections (alone it is weak:
 *                             event tickets and payment slips carry codes)
 *     LW_QR_CREDENTIAL        that QR link plus wording about passwords,
 *                             accounts, verification, expiry or urgency,
 *                             in English or Chinese: the "quishing" lure
 *
 *     Roles (model/indicator.h). A link the reader follows (anchor, form,
 *     plain text, QR code, a link of an attachment) is the lure, except an
 *     unsubscribe link or one to the organization's or a brand's own site;
 *     a picture or style sheet the client loads by itself (a tracking
 *     pixel) is a bystander. Once the score is final, a message judged
 *     malicious (quarantine_score) names up to ten lures as URL indicators,
 *     with their hosts as domain (or IP) indicators unless the host is a
 *     shared service (shortener, file sharing, forms, free hosting, mail)
 *     or a redirector; the list's own links (List-* fields) and private
 *     addresses are left out.
 *
 * LIMITS
 *     QR codes are only seen in PNG, JPEG and GIF pictures within the
 *     qr_max_* limits (qrcode.c). What is hidden is what html.c can tell
 *     from inline styles, attributes and class or id rules (no full
 *     cascade); the filler test compares words, so it says little about
 *     scripts written without spaces (Chinese, Japanese).
 */
#include "config.h"

#include <string.h>
#include <libpsl.h>

#include "analyzer.h"
#include "model/html.h"
#include "identity.h"
#include "model/url.h"
#include "model/score.h"
#include "cache/key.h"
#include "indicators/warninglist.h"
#include "util/unicode.h"

#define A "links"
#define MAX_EVIDENCE 3
#define IMAGE_ONLY_TEXT 60

#define MAX_LURES 10
#define SHARED_SERVICE (LW_KIND_SHORTENER | LW_KIND_FILESHARE | LW_KIND_FORM | LW_KIND_FREEHOST | LW_KIND_FREEMAIL)
#define UNSUBSCRIBE "(?i)unsubscri|opt[ -]?out|退訂|取消訂閱|descadastr|desinscri|abmelden|d[ée]sabonn|darse de baja"

struct links {
    const struct lw_config *cfg;        /* borrowed from the engine */
    const struct lw_identity *id;       /* borrowed from the engine (struct lw_shared) */
    double malicious;           /* quarantine_score: a message judged malicious names its lures */
    GRegex *unsubscribe;        /* UNSUBSCRIBE, compiled once */
    struct lw_warninglists *wl; /* sites known to be someone's, borrowed: NULL when none are installed */
};

/* links_init - the unsubscribe pattern compiled; the engine's identity and warninglists borrowed */
static int links_init(const struct lw_config *cfg, const struct lw_shared *shared, const void *previous,
                      void **state, struct lw_error *err)
{
    struct links *l = g_new0(struct links, 1);

    l->cfg = cfg;
    l->malicious = cfg->quarantine_score;
    l->unsubscribe = g_regex_new(UNSUBSCRIBE, G_REGEX_OPTIMIZE, 0, NULL);
    l->id = shared->id;
    l->wl = shared->wl;
    *state = l;
    return 0;
}

/* links_fini - free what links_init built */
static void links_fini(void *state)
{
    struct links *l = state;

    g_regex_unref(l->unsubscribe);
    g_free(l);
}

/* ---- link rules ---- */

struct link_rule {
    const char *rule;
    double score;
    const char *desc;
};

enum { R_MISMATCH, R_IP, R_USERINFO, R_SHORT, R_DATA, R_JS, R_FILE, R_FORM, R_FREEHOST, R_N };

static const struct link_rule link_rules[R_N] = {
    [R_MISMATCH] = { "LW_LINK_TEXT_MISMATCH", 3.5, "Link text shows one domain but the link goes to another" },
    [R_IP] = { "LW_LINK_IP_HOST", 3.0, "Link to a bare IP address instead of a named site" },
    [R_USERINFO] = { "LW_LINK_USERINFO", 3.0, "Link hides its real host after an '@' (https://trusted.com@evil.example)" },
    [R_SHORT] = { "LW_LINK_SHORTENER", 2.5, "Link through a URL shortener that hides the destination" },
    [R_DATA] = { "LW_LINK_DATA_URI", 4.0, "Link is a data: URI that carries a whole page inside the link" },
    [R_JS] = { "LW_LINK_JAVASCRIPT", 3.0, "Link runs javascript: instead of opening a page" },
    [R_FILE] = { "LW_LINK_FILESHARE", 1.0, "Link to a file-sharing or cloud-storage service" },
    [R_FORM] = { "LW_LINK_FORM_SERVICE", 2.5, "Link to a form-builder service, often used to collect passwords" },
    [R_FREEHOST] = { "LW_LINK_FREEHOST", 2.0, "Link to a page on a free web hosting service" },
};

/*
 * shown_domain - the host of a URL the anchor text shows, or NULL (g_free).
 * Only text that is itself a web address counts ("https://bank.example/x",
 * "www.bank.example", also in full-width letters or with ideographic full
 * stops: as_read): a bare name such as "Dilbert.com" in a newsletter is a
 * title, and click-tracking links behind titles are everyday mail.
 */
/*
 * as_read - anchor text as a reader reads an address in it: full-width
 * forms folded (NFKC: "www.ｐａｙｐａｌ.com") and the other full stops IDNA
 * takes for dots ("。", "｡") written as dots; ASCII text as it is (g_free)
 */
static char *as_read(const char *display)
{
    char *folded;
    GString *out;

    if (g_str_is_ascii(display) || (folded = g_utf8_normalize(display, -1, G_NORMALIZE_NFKC)) == NULL)
        return g_strdup(display);
    out = g_string_sized_new(strlen(folded));
    for (const char *p = folded; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        if (c == 0x3002 || c == 0xFF61)
            g_string_append_c(out, '.');
        else
            g_string_append_unichar(out, c);
    }
    g_free(folded);
    return g_string_free(out, FALSE);
}

static char *shown_domain(const char *display)
{
    static GRegex *re;
    char *text = g_strstrip(as_read(display));
    char *host = lw_regex_group1(lw_regex_once(&re, "^(?:https?://|(?=www\\.))((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,})"
                                               "(?:[/:?#]\\S*)?$", G_REGEX_CASELESS), text);
    char *low = host ? g_ascii_strdown(host, -1) : NULL;

    g_free(host);
    g_free(text);
    return low;
}

/* carries - does the link's URL carry the shown host (a tracker's encoded destination)? */
static int carries(const struct lw_url *u, const char *shown)
{
    char *unescaped = g_uri_unescape_string(u->url ? u->url : "", NULL);
    int yes = unescaped && strstr(unescaped + strcspn(unescaped, "?"), shown) != NULL;

    g_free(unescaped);
    return yes || (u->target && strstr(u->target, shown));
}

/*
 * shown_rewritten - the anchor text is a link a mail gateway rewrote
 * (SafeLinks, urldefense: a known redirector) that leads to the link's own
 * site: the gateway rewrote the text of a forwarded or quoted link and left
 * the href, or the other way round
 */
static int shown_rewritten(const struct lw_identity *id, const struct lw_url *u)
{
    char *text = g_strstrip(g_strdup(u->display));
    struct lw_url *s = lw_url_parse(text, -1, 0);
    char *target = s ? lw_url_unwrap(s) : NULL;
    struct lw_url *t = target ? lw_url_parse(target, -1, 0) : NULL;
    int same = t && t->host && lw_identity_same_org(id, t->host, u->host);

    lw_url_free(t);
    g_free(target);
    lw_url_free(s);
    g_free(text);
    return same;
}

/*
 * names_sender - does the shown host belong to the sender: the same
 * registrable domain as the From address, or one of its labels (of four
 * letters or more) is the sender's own name, in its domain or display name
 * ("www.britishairways.com" from "The British Airways Club" at crm.ba.com,
 * "torrid.cashstar.com" from mktg.torrid.com)?
 */
static int names_sender(const struct lw_identity *id, const struct lw_message *msg, const char *shown)
{
    char *org = lw_identity_registrable(id, msg->from->domain);
    char *name = msg->from->name ? lw_identity_fold(msg->from->name) : g_strdup("");
    GString *squeezed = g_string_new(NULL);
    gchar **labels = g_strsplit(shown, ".", -1);
    size_t org_label = strcspn(org, ".");
    int yes = lw_identity_same_org(id, msg->from->domain, shown);

    for (const char *p = name; *p; p++)
        if (g_ascii_isalnum(*p))
            g_string_append_c(squeezed, *p);
    for (int i = 0; !yes && labels[i] && labels[i + 1]; i++) {
        size_t n = strlen(labels[i]);

        if (n < 4 || strcmp(labels[i], "www") == 0)
            continue;
        yes = (n == org_label && strncmp(labels[i], org, n) == 0) || strstr(squeezed->str, labels[i]) != NULL;
    }
    g_strfreev(labels);
    g_string_free(squeezed, TRUE);
    g_free(name);
    g_free(org);
    return yes;
}

/*
 * senders_own - click tracking, not a lie: the text shows the sender's own
 * site (names_sender) and the link goes to the sender's own domain, or to a
 * mail provider's click tracker that redirects there ("Visit
 * britishairways.com" -> click.crm.ba.com, mailed from crm.ba.com). A
 * spoofer gains nothing from it: the link leads to the domain it spoofed.
 * A text naming a brand is judged by the brand's own domains alone, and a
 * text naming a third party's site ("billing.spotify.com" over a community
 * platform's tracker) stays a mismatch.
 */
static int senders_own(const struct lw_identity *id, const struct lw_message *msg, const struct lw_url *u,
                       const char *shown)
{
    if (msg->from == NULL || msg->from->domain == NULL || *msg->from->domain == '\0')
        return 0;
    if (!names_sender(id, msg, shown))
        return 0;
    return lw_identity_same_org(id, msg->from->domain, u->host)
           || (lw_identity_same_org(id, msg->from->domain, shown) && (lw_identity_kind(id, u->host) & LW_KIND_TRACKER));
}

/* mismatch - does the anchor text show a web address the link does not go to? */
static int mismatch(const struct lw_identity *id, const struct lw_message *msg, const struct lw_url *u)
{
    char *shown;
    int differs = 0;
    const struct lw_brand *b;

    if (u->display == NULL || u->host == NULL || !(u->flags & LW_URL_HTML_HREF))
        return 0;
    if ((shown = shown_domain(u->display)) == NULL)
        return 0;
    if (lw_identity_valid_hostname(shown) && !lw_identity_same_org(id, shown, u->host) && !carries(u, shown)
        && !shown_rewritten(id, u)) {
        b = lw_identity_brand_of_host(id, shown);
        if (b)
            differs = !lw_identity_host_of_brand(id, u->host, b);
        else
            differs = !senders_own(id, msg, u, shown);
    }
    g_free(shown);
    return differs;
}

/* is_embedded_picture - <img src="data:image/..."> shows a picture, it is not a page behind a link */
static int is_embedded_picture(const struct lw_url *u)
{
    return (u->flags & LW_URL_EMBEDDED) && !(u->flags & LW_URL_HTML_HREF) && u->url
           && g_ascii_strncasecmp(u->url, "data:image/", 11) == 0;
}

/*
 * is_plain_text - a data:text/plain link, or one with no type at all
 * ("data:,", which RFC 2397 reads as text/plain: an empty placeholder
 * link in a newsletter): a browser shows it as text (a code snippet pasted
 * through a list's web interface), with no form or script a page could carry
 */
static int is_plain_text(const struct lw_url *u)
{
    return u->url && ((g_ascii_strncasecmp(u->url, "data:text/plain", 15) == 0
                       && (u->url[15] == ',' || u->url[15] == ';'))
                      || (g_ascii_strncasecmp(u->url, "data:", 5) == 0
                          && (u->url[5] == ',' || u->url[5] == ';')));
}

/* is_web - an http or https link */
static int is_web(const struct lw_url *u)
{
    return u->scheme && (strcmp(u->scheme, "http") == 0 || strcmp(u->scheme, "https") == 0);
}

/*
 * classify - which link rules one URL triggers (bit per rule). The rules on
 * the kind of service behind a link (shortener, file sharing, forms, free
 * hosting) read followed links only: a newsletter's logo on a cloud bucket
 * sends no one anywhere.
 */
static unsigned classify(const struct lw_identity *id, const struct lw_message *msg, const struct lw_url *u)
{
    unsigned bits = 0, kind;
    int web = is_web(u);

    if ((u->flags & LW_URL_DATA) && !is_embedded_picture(u) && !is_plain_text(u))
        bits |= 1u << R_DATA;
    if ((u->flags & LW_URL_JAVASCRIPT) && (u->flags & LW_URL_HTML_HREF))
        bits |= 1u << R_JS;
    if (!web || u->host == NULL)
        return bits;
    if ((u->flags & LW_URL_IP_HOST)
        && ((u->flags & LW_URL_NUMERIC_OBFUSCATED) || !lw_ip_is_local(u->host)))
        bits |= 1u << R_IP;
    if ((u->flags & LW_URL_USERINFO) && u->userinfo && strchr(u->userinfo, '.'))
        bits |= 1u << R_USERINFO;
    if (mismatch(id, msg, u))
        bits |= 1u << R_MISMATCH;
    if (!(u->flags & LW_URL_FOLLOWED))
        return bits;
    kind = lw_identity_kind(id, u->host);
    if (lw_url_s3_bucket(u->host))     /* every region's endpoint is the one the brands file names */
        kind |= lw_identity_kind(id, "s3.amazonaws.com");
    if (kind & LW_KIND_SHORTENER)
        bits |= 1u << R_SHORT;
    if (kind & LW_KIND_FILESHARE)
        bits |= 1u << R_FILE;
    if (kind & LW_KIND_FORM)
        bits |= 1u << R_FORM;
    if (kind & LW_KIND_FREEHOST)
        bits |= 1u << R_FREEHOST;
    return bits;
}

/* ---- roles: which links are the lure ---- */


/* is_unsubscribe - the link (or its text) is a way out of a mailing list: the sender's list, not the lure */
static int is_unsubscribe(const struct links *l, const struct lw_url *u)
{
    return g_regex_match(l->unsubscribe, u->url, 0, NULL)
           || (u->display && g_regex_match(l->unsubscribe, u->display, 0, NULL));
}

/*
 * brand_site - is u on a brand's own site? Not when its registrable domain
 * (libpsl, the private section too) lies in a namespace the brand hands
 * out to customers: a public suffix below the brand's domain, such as a
 * regional storage endpoint (bucket.s3.us-east-1.amazonaws.com) or a
 * hosting platform's sites, is where anyone puts a kit.
 */
static int brand_site(const struct lw_identity *id, const struct lw_url *u)
{
    const char *suffix = u->domain ? strchr(u->domain, '.') : NULL;

    if (!lw_identity_brand_of_host(id, u->host))
        return 0;
    return suffix == NULL || !lw_identity_brand_of_host(id, suffix + 1);
}

/*
 * link_role - what a link is to the message. The reader follows a link
 * (anchor, form target, plain-text address, QR code, a link of an
 * attachment): that is the lure, unless it is an unsubscribe link or goes
 * to the organization's or a brand's own site (kits copy the brand's real
 * links around the one that matters). A picture or style sheet the client
 * loads by itself (tracking pixels, logos) is a bystander.
 */
static enum lw_ioc_role link_role(const struct links *l, const struct lw_url *u)
{
    const struct lw_identity *id = l->id;

    if (!(u->flags & LW_URL_FOLLOWED) || is_unsubscribe(l, u))
        return LW_ROLE_BYSTANDER;
    if (u->host && (lw_identity_is_protected(id, u->host)
                    || (brand_site(id, u) && !(lw_identity_kind(id, u->host) & SHARED_SERVICE))))
        return LW_ROLE_BYSTANDER;
    return LW_ROLE_LURE;
}

/*
 * add_lure - a lure link as a URL indicator, and its host as a domain (or
 * IP) indicator unless the host is a shared service (shortener, file
 * sharing, forms, free hosting or mail) or a redirector, where only the
 * URL is the attacker's
 */
static void add_lure(const struct lw_identity *id, const struct lw_url *u, struct lw_verdict *v)
{
    lw_verdict_add_indicator(v, LW_ROLE_LURE, LW_IOC_URL, u->url);
    if (u->flags & LW_URL_REDIRECTOR)
        return;
    if (u->flags & LW_URL_IP_HOST)
        lw_verdict_add_indicator(v, LW_ROLE_LURE, strchr(u->host, ':') ? LW_IOC_IPV6 : LW_IOC_IPV4, u->host);
    else if (u->domain && !(lw_identity_kind(id, u->host) & SHARED_SERVICE))
        lw_verdict_add_indicator(v, LW_ROLE_LURE, LW_IOC_DOMAIN, u->host);
}

/*
 * list_links - the mailing list's own links (RFC 2369 List-* fields): the
 * host of each list server address (List-Archive, -Help, -Subscribe,
 * -Post, -Owner: the footer a list adds links there) and each
 * List-Unsubscribe URL itself. Not the unsubscribe host: bulk senders, and
 * kits that copy them, serve the one-click unsubscribe from the same
 * tracking host as the lure, and that host is the attacker's. Keys
 * "host:H" and "url:U".
 */
static GHashTable *list_links(const struct lw_message *msg)
{
    static const char *const fields[] = { "List-Unsubscribe", "List-Archive", "List-Help", "List-Subscribe",
                                          "List-Post", "List-Owner" };
    static GRegex *field_url;
    GHashTable *links = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GRegex *re = lw_regex_once(&field_url, "<(https?://([A-Za-z0-9.-]+)[^>\\s]*)>", G_REGEX_CASELESS);

    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        const char *value = lw_message_header(msg, fields[i]);
        GMatchInfo *mi = NULL;

        for (g_regex_match(re, value ? value : "", 0, &mi); g_match_info_matches(mi); g_match_info_next(mi, NULL)) {
            char *u = g_match_info_fetch(mi, 1), *h = g_match_info_fetch(mi, 2), *lower = g_ascii_strdown(h, -1);

            g_hash_table_add(links, i == 0 ? g_strconcat("url:", u, NULL) : g_strconcat("host:", lower, NULL));
            g_free(lower);
            g_free(h);
            g_free(u);
        }
        g_match_info_free(mi);
    }
    return links;
}

/* list_link - is u one of the list's own links (list_links)? */
static int list_link(GHashTable *links, const struct lw_url *u)
{
    char *h = g_strconcat("host:", u->host, NULL), *raw = g_strconcat("url:", u->raw ? u->raw : "", NULL),
         *norm = g_strconcat("url:", u->url, NULL);
    int yes = g_hash_table_contains(links, h) || g_hash_table_contains(links, raw) || g_hash_table_contains(links, norm);

    g_free(h);
    g_free(raw);
    g_free(norm);
    return yes;
}

/* public_host - a named host, or an IP of the Internet (not private, loopback or link-local) */
static int public_host(const struct lw_url *u)
{
    return (u->flags & LW_URL_IP_HOST) ? lw_identity_public_ip(u->host) : strchr(u->host, '.') != NULL;
}

/*
 * links_finish - a message judged malicious (quarantine or reject) names
 * its lures: up to MAX_LURES web links the reader is asked to follow
 * (neither the list's own links nor private addresses)
 */
static void links_finish(const void *state, const struct lw_message *msg, struct lw_verdict *v)
{
    const struct links *l = state;
    GHashTable *list;
    int n = 0;

    if (msg->unparseable || v->score < l->malicious || !msg->urls)
        return;
    list = list_links(msg);
    for (guint i = 0; i < msg->urls->len && n < MAX_LURES; i++) {
        const struct lw_url *u = g_ptr_array_index(msg->urls, i);

        if (!u->host || !is_web(u) || (u->flags & LW_URL_UNPARSED) || !public_host(u) || list_link(list, u)
            || link_role(l, u) != LW_ROLE_LURE)
            continue;
        add_lure(l->id, u, v);
        n++;
    }
    g_hash_table_unref(list);
}

/*
 * sister_names - do two registrable domains carry the same name in their
 * first label (four letters or more, one inside the other)? A company mails
 * from brand-mail.com and links to brand.com: a sister site, not a stranger.
 */
static int sister_names(const char *a, const char *b)
{
    size_t la = strcspn(a, "."), lb = strcspn(b, ".");
    char *x = g_strndup(a, la), *y = g_strndup(b, lb);
    int yes = la >= 4 && lb >= 4 && (strstr(x, y) != NULL || strstr(y, x) != NULL);

    g_free(x);
    g_free(y);
    return yes;
}

/* senders_site - the link's host belongs to the sender's organization or a sister name of it */
static int senders_site(const struct lw_identity *id, const struct lw_message *msg, const char *host)
{
    char *from, *link;
    int yes;

    if (msg->from == NULL || msg->from->domain == NULL || *msg->from->domain == '\0')
        return 0;
    if (lw_identity_same_org(id, msg->from->domain, host))
        return 1;
    from = lw_identity_registrable(id, msg->from->domain);
    link = lw_identity_registrable(id, host);
    yes = sister_names(from, link);
    g_free(from);
    g_free(link);
    return yes;
}

/*
 * customer_site - the link's site lies in a namespace a platform hands out
 * to its customers: its registrable domain sits below a public suffix of
 * the list's private section (bucket.s3.us-east-1.amazonaws.com,
 * x.a.run.app, y.cloudfunctions.net). The platform's reputation, on a
 * warninglist or as a brand, says nothing about the customer's page.
 */
static int customer_site(const struct lw_url *u)
{
    return lw_url_customer_domain(u->domain);
}

/*
 * machine_name - the labels of u's host before its registrable domain spell
 * an IPv4 address, dotted or dashed (212.224.205.92.host.secureserver.net,
 * ip-92-205-224-212.ip.secureserver.net): the generic name a hosting company
 * gives one rented server. A site has a name of its own; the provider's
 * reputation says nothing about the machine.
 */
static int machine_name(const struct lw_url *u)
{
    size_t hlen = strlen(u->host), dlen = strlen(u->domain);
    int run = 0;

    if (dlen >= hlen)
        return 0;
    for (const char *p = u->host, *end = u->host + (hlen - dlen); p < end;) {
        const char *q = p;
        unsigned value = 0;

        while (q < end && g_ascii_isdigit(*q) && q - p < 4)
            value = value * 10 + (unsigned) (*q++ - '0');
        if (q > p && q - p <= 3 && value <= 255 && q < end && (*q == '.' || *q == '-')) {
            if (++run == 4)
                return 1;
            p = q + 1;
            continue;
        }
        run = 0;
        while (p < end && *p != '.' && *p != '-')   /* skip to the next token */
            p++;
        p += p < end;
    }
    return 0;
}

/*
 * rented_page - a page on a platform's customer namespace or a rented
 * server's generic name (customer_site, machine_name): not a site of
 * anyone's own, where no brand sends its customers
 */
static int rented_page(const struct lw_url *u)
{
    return customer_site(u) || machine_name(u);
}

/* unknown_site - a followed web link to a named site nothing vouches for (LW_LINK_UNKNOWN_SITE) */
static int unknown_site(const struct links *l, const struct lw_message *msg, const struct lw_url *u, GHashTable *list)
{
    if (!(u->flags & LW_URL_FOLLOWED) || (u->flags & (LW_URL_UNPARSED | LW_URL_IP_HOST)) || !u->host || !u->domain
        || !is_web(u) || !strchr(u->host, '.') || list_link(list, u) || is_unsubscribe(l, u))
        return 0;
    if ((lw_identity_kind(l->id, u->host) & (SHARED_SERVICE | LW_KIND_TRACKER))
        || lw_identity_is_protected(l->id, u->host) || senders_site(l->id, msg, u->host))
        return 0;
    if (rented_page(u))
        return 1;
    return !lw_identity_brand_of_host(l->id, u->host)
           && lw_warninglists_match(l->wl, LW_IOC_DOMAIN, u->host) == NULL
           && lw_warninglists_match(l->wl, LW_IOC_DOMAIN, u->domain) == NULL;
}

/* check_unknown_site - a lure's links to sites nothing vouches for: one hit, up to three URLs */
static void check_unknown_site(const struct links *l, const struct lw_message *msg, struct lw_verdict *v)
{
    GString *ev;
    GHashTable *list;
    int n = 0;

    if (l->wl == NULL || msg->urls == NULL || !lw_verdict_has_lure(v))
        return;
    ev = g_string_new(NULL);
    list = list_links(msg);
    for (guint i = 0; i < msg->urls->len; i++) {
        const struct lw_url *u = g_ptr_array_index(msg->urls, i);

        if (unknown_site(l, msg, u, list) && n++ < MAX_EVIDENCE)
            g_string_append_printf(ev, "%s%.120s", ev->len ? "; " : "", u->url);
    }
    if (n > MAX_EVIDENCE)
        g_string_append_printf(ev, " (+%d more)", n - MAX_EVIDENCE);
    if (n > 0)
        lw_verdict_add_hit(v, A, "LW_LINK_UNKNOWN_SITE", 0.1,
                           "The lure sends the reader to a site that is neither the sender's nor a known one", ev->str);
    g_hash_table_unref(list);
    g_string_free(ev, TRUE);
}

/* same_addr - are the alen bytes at a (a mailto: address) the address b? */
static int same_addr(const char *a, size_t alen, const struct lw_address *b)
{
    return b != NULL && strlen(b->addr) == alen && g_ascii_strncasecmp(a, b->addr, alen) == 0;
}

/*
 * check_freemail_contact - a lure whose link writes to a free-mail mailbox
 * other than the sender's (LW_LINK_FREEMAIL_CONTACT): "write to my private
 * email", the advance-fee letter's channel, while the From is a mailbox
 * the fraudster borrowed. Like LW_LINK_UNKNOWN_SITE it only names the
 * lure's channel (0.1); the mailbox is the sender's own indicator.
 */
static void check_freemail_contact(const struct links *l, const struct lw_message *msg, struct lw_verdict *v)
{
    if (msg->urls == NULL || msg->list != NULL || !lw_verdict_has_lure(v))
        return;
    for (guint i = 0; i < msg->urls->len; i++) {
        const struct lw_url *u = g_ptr_array_index(msg->urls, i);
        const char *a;
        size_t alen;
        struct lw_hit *hit;
        char *addr, *ev;

        if (u->scheme == NULL || strcmp(u->scheme, "mailto") != 0 || u->host == NULL
            || !(lw_identity_kind(l->id, u->host) & LW_KIND_FREEMAIL))
            continue;
        a = u->url + strlen("mailto:");
        alen = strcspn(a, "?");
        if (same_addr(a, alen, msg->from) || same_addr(a, alen, msg->reply_to))
            continue;       /* the sender's own, or LW_HDR_REPLYTO_* judges it */
        addr = g_strndup(a, alen);
        ev = g_strdup_printf("mailto:%s, From %s", addr, msg->from ? msg->from->addr : "(none)");
        hit = lw_verdict_add_hit(v, A, "LW_LINK_FREEMAIL_CONTACT", 0.1, "The lure asks the reader to write to a"
                                 " free-mail mailbox that is not the sender's", ev);
        lw_hit_add_indicator(v, hit, LW_ROLE_SENDER, LW_IOC_EMAIL, addr);
        g_free(ev);
        g_free(addr);
        return;
    }
}

/*
 * brand_sender - the brand whose own domain the From address is in, or
 * NULL: not free mail (anyone has an address there), not a list post (the
 * list signs and sends it), and the brand's listed domain is the sender's
 * registrable domain or below it, never a suffix many organizations share
 * (gov.br, listed for a tax office's portal)
 */
static const struct lw_brand *brand_sender(const struct links *l, const struct lw_message *msg)
{
    const char *d = msg->from ? msg->from->domain : NULL;
    const struct lw_brand *b, *owner = NULL;
    char *reg;
    size_t r;

    if (d == NULL || *d == '\0' || msg->list != NULL || (lw_identity_kind(l->id, d) & LW_KIND_FREEMAIL)
        || (b = lw_identity_brand_of_host(l->id, d)) == NULL)
        return NULL;
    reg = lw_identity_registrable(l->id, d);
    r = strlen(reg);
    for (int i = 0; b->domains[i] && owner == NULL; i++) {
        size_t n = strlen(b->domains[i]);

        if (n >= r && strcmp(b->domains[i] + n - r, reg) == 0 && (n == r || b->domains[i][n - r - 1] == '.'))
            owner = b;
    }
    g_free(reg);
    return owner;
}

/* dkim_domain - the d= tag of a DKIM-Signature value (g_free), or NULL */
static char *dkim_domain(const char *value)
{
    for (const char *p = value; p && *p; p = strchr(p, ';'), p = p ? p + 1 : NULL) {
        p += strspn(p, " \t\r\n");
        if ((p[0] == 'd' || p[0] == 'D') && p[1 + strspn(p + 1, " \t\r\n")] == '=') {
            p = strchr(p, '=') + 1;
            p += strspn(p, " \t\r\n");
            return g_ascii_strdown(p, (gssize) strcspn(p, "; \t\r\n"));
        }
    }
    return NULL;
}

/* What a brand's mail says of itself in its DKIM signatures (signature_claim). */
enum sig { SIG_BRAND, SIG_OTHER, SIG_NONE };

/*
 * signature_claim - SIG_BRAND when a DKIM signature claims a domain of the
 * sender's organization or of brand b; SIG_OTHER when there are signatures
 * and none does (the sender signed with a domain of its own; *signer, if
 * asked, is the first one's domain); SIG_NONE when the message carries
 * none. Only the claim is read; whether a signature verifies is a
 * verifier's answer (OpenDKIM or a trusted stamp before lurewatch).
 */
static enum sig signature_claim(const struct links *l, const struct lw_message *msg, const struct lw_brand *b,
                                char **signer)
{
    int brands = 0;
    char *first = NULL;

    for (guint i = 0; i < msg->headers->len && !brands; i++) {
        const struct lw_header *h = g_ptr_array_index(msg->headers, i);
        char *d;

        if (g_ascii_strcasecmp(h->name, "DKIM-Signature") != 0 || (d = dkim_domain(h->value)) == NULL)
            continue;
        brands += *d && (lw_identity_same_org(l->id, d, msg->from->domain) || lw_identity_host_of_brand(l->id, d, b));
        if (*d && first == NULL)
            first = d;
        else
            g_free(d);
    }
    if (first == NULL || brands > 0) {
        g_free(first);
        return brands > 0 ? SIG_BRAND : SIG_NONE;
    }
    if (signer)
        *signer = first;
    else
        g_free(first);
    return SIG_OTHER;
}

/*
 * brand_unvouched - the sender side of LW_LINK_BRAND_ELSEWHERE: mail From a
 * brand's own domain that no trusted stamp says authenticated (a brand may
 * send through a provider that signs with its own domain, aligned by its
 * bounce address: DMARC passes) and that no signature claims for the
 * brand: SIG_OTHER (signed by others only) or SIG_NONE (unsigned); else
 * SIG_BRAND, also when the From is no brand's
 */
static enum sig brand_unvouched(const struct links *l, const struct lw_message *msg, const struct lw_brand **b,
                                char **signer)
{
    if ((*b = brand_sender(l, msg)) == NULL || lw_headers_from_authenticated(l->cfg, l->id, msg))
        return SIG_BRAND;
    return signature_claim(l, msg, *b, signer);
}

/*
 * check_brand_elsewhere - mail From a brand's own domain that sends the
 * reader to a site nothing vouches for, signed by someone else's domain
 * only, or unsigned with the site a rented page (LW_LINK_BRAND_ELSEWHERE).
 * A brand's mail is signed by the brand (for DMARC; mail providers have
 * required it of bulk senders since 2024) and links to its own sites or
 * through its mail provider's tracker. A kit spoofing a bank whose DMARC
 * policy is "none" signs with its own throwaway domain, so that receivers
 * see a valid signature, and links to its page: mail clients show it "via"
 * that domain. Or it signs nothing and links to a cloud function or a
 * rented server. Mail from before DKIM (2007) is unsigned too, which is why
 * unsigned mail needs the rented page: an unknown site alone is not enough.
 */
static void check_brand_elsewhere(const struct links *l, const struct lw_message *msg, struct lw_verdict *v)
{
    const struct lw_brand *b;
    GHashTable *list;
    const struct lw_url *away = NULL;
    struct lw_hit *hit;
    char *ev, *signer = NULL;
    enum sig sig;

    if (l->wl == NULL || msg->urls == NULL || (sig = brand_unvouched(l, msg, &b, &signer)) == SIG_BRAND)
        return;
    list = list_links(msg);
    for (guint i = 0; i < msg->urls->len && away == NULL; i++) {
        const struct lw_url *u = g_ptr_array_index(msg->urls, i);

        if (unknown_site(l, msg, u, list) && (sig == SIG_OTHER || rented_page(u)))
            away = u;
    }
    g_hash_table_unref(list);
    if (away == NULL) {
        g_free(signer);
        return;
    }
    if (sig == SIG_OTHER)
        ev = g_strdup_printf("From %s (%s), signed by %.80s, not the brand; link %.120s", msg->from->addr, b->keyword,
                             signer, away->url);
    else
        ev = g_strdup_printf("From %s (%s), unsigned; link to a rented page %.120s", msg->from->addr, b->keyword,
                             away->url);
    g_free(signer);
    hit = lw_verdict_add_hit(v, A, "LW_LINK_BRAND_ELSEWHERE", 3.5, "Mail from a brand's own domain, not signed by"
                             " the brand, sends the reader to a site nothing vouches for", ev);
    lw_hit_add_indicator(v, hit, link_role(l, away), LW_IOC_URL, away->url);
    g_free(ev);
}

/*
 * links_key - what the brand rule reads of the fields the cache key leaves
 * out (the signatures and the stamps): that they do not vouch for the
 * brand, when so (its absence says they do, or the From is no brand's)
 */
static int links_key(const void *state, const struct lw_message *msg, GString *out)
{
    const struct links *l = state;
    const struct lw_brand *b;
    enum sig sig;

    if (!msg->unparseable && (sig = brand_unvouched(l, msg, &b, NULL)) != SIG_BRAND)
        lw_key_add(out, "links.brand_unvouched", sig == SIG_OTHER ? "signed by another" : "unsigned");
    return 0;
}

/* check_urls - every URL classified; one hit per rule with up to three URLs */
static void check_urls(const struct links *l, const struct lw_message *msg, struct lw_verdict *v)
{
    GString *ev[R_N];
    GPtrArray *urls[R_N];
    int count[R_N] = { 0 };

    if (msg->urls == NULL || msg->urls->len == 0)
        return;
    for (int r = 0; r < R_N; r++) {
        ev[r] = g_string_new(NULL);
        urls[r] = g_ptr_array_new();
    }
    for (guint i = 0; i < msg->urls->len; i++) {
        const struct lw_url *u = g_ptr_array_index(msg->urls, i);
        unsigned bits = classify(l->id, msg, u);

        for (int r = 0; r < R_N; r++) {
            if (!(bits & (1u << r)) || count[r]++ >= MAX_EVIDENCE)
                continue;
            if (r == R_MISMATCH)
                g_string_append_printf(ev[r], "%stext \"%.60s\" -> %.100s", ev[r]->len ? "; " : "", u->display, u->url);
            else
                g_string_append_printf(ev[r], "%s%.120s", ev[r]->len ? "; " : "", u->url ? u->url : u->raw);
            g_ptr_array_add(urls[r], (gpointer) u);
        }
    }
    for (int r = 0; r < R_N; r++) {
        if (count[r] > 0) {
            struct lw_hit *hit;

            if (count[r] > MAX_EVIDENCE)
                g_string_append_printf(ev[r], " (+%d more)", count[r] - MAX_EVIDENCE);
            hit = lw_verdict_add_hit(v, A, link_rules[r].rule, link_rules[r].score, link_rules[r].desc, ev[r]->str);
            for (guint j = 0; j < urls[r]->len; j++) {
                const struct lw_url *u = g_ptr_array_index(urls[r], j);

                if (r != R_DATA && r != R_JS)
                    lw_hit_add_indicator(v, hit, link_role(l, u), LW_IOC_URL, u->url ? u->url : u->raw);
            }
        }
        g_string_free(ev[r], TRUE);
        g_ptr_array_unref(urls[r]);
    }
}

/* ---- HTML rules ---- */

/*
 * What html.c reports as hidden is judged by what it hides. A newsletter's
 * preheader (the first hidden block, near the top, short: the line a mail
 * client shows as the preview) is normal. These are not:
 *   a split word   hidden text between two letters of a visible word
 *                  ("pass<span style=display:none>x</span>word"): only a
 *                  filter reads the junk, the reader reads the word
 *   hidden links   HIDDEN_LINKS_MIN or more links the reader cannot see,
 *                  to where no visible link goes: they are there for the
 *                  filters (benign links to dilute the bad one). A hidden
 *                  twin of a visible button is not one, and neither is a
 *                  single hidden link: senders plant one as a trap that
 *                  tells a security scanner's clicks from a person's
 *   lure wording   credential wording hidden, which the visible text does
 *                  not show: it speaks to the preview pane or the filter,
 *                  not to the reader of the mail
 *   filler         hidden text besides the preheader, FILLER_MIN letters
 *                  or more, whose words are mostly not the visible text's:
 *                  text stuffed to make the mail look like something else
 *                  to a filter (a mobile twin of the visible text is not)
 */
#define PREHEADER_LEAD 200  /* visible letters that may precede a preheader ("View online") */
#define PREHEADER_MAX 250   /* letters of a preheader at most */
#define FILLER_MIN 100      /* hidden letters besides the preheader worth judging */
#define HIDDEN_LINKS_MIN 2
#define HIDDEN_CAP 65536    /* bytes of hidden text kept */
#define HIDDEN_LURE "\\b(password|passcode|passwort|credentials?|sign[ -]?in|log[ -]?in|verify your|unusual (sign|log)" \
                    "|(account|mailbox) (is|has been|will be) (suspended|locked|disabled|deactivated|restricted|limited))\\b" \
                    "|密码|密碼|登录|登錄|登入|验证|驗證"

struct html_scan {
    int password_fields;
    int forms;
    int images;
    int links;
    GPtrArray *hidden_hrefs;    /* links the reader cannot see */
    GHashTable *shown_hrefs;    /* links the reader can see */
    const char *href;       /* the open link's */
    int splits;             /* hidden text inside a visible word */
    int after_letter;       /* the last visible character was a letter or digit */
    int in_block;           /* hidden text since the last visible text */
    int block_after_letter; /* ... and it came right after a letter */
    int blocks;             /* hidden blocks with letters */
    int in_anchor;          /* inside <a href> */
    int anchor_shown;       /* ... which showed a picture or visible letters */
    size_t anchor_hidden;   /* ... letters of hidden text in it */
    size_t visible_letters;
    size_t block_lead;      /* visible letters before the open block */
    size_t block_start;     /* offset of the open block in hidden */
    size_t block_letters;
    gssize pre_start, pre_end;  /* the preheader in hidden, or -1 */
    GString *hidden;        /* the hidden text, one line per block */
};

/* attr - the value of attribute name, or NULL */
static const char *attr(const struct lw_html_attr *attrs, const char *name)
{
    for (int i = 0; attrs && attrs[i].name; i++)
        if (strcmp(attrs[i].name, name) == 0)
            return attrs[i].value;
    return NULL;
}

/* letters - letters and digits in s[0..len) (padding, spaces and invisible characters are not) */
static size_t letters(const char *s, size_t len, int *last_letter)
{
    size_t n = 0;

    for (const char *p = s, *end = s + len; p < end; p = g_utf8_next_char(p)) {
        gunichar c = (guchar) *p < 0x80 ? (gunichar) *p : g_utf8_get_char(p);
        int is = c < 0x80 ? g_ascii_isalnum(c) : g_unichar_isalnum(c);    /* ASCII: no table lookup */

        n += is;
        if (last_letter && (is || g_unichar_isspace(c) || c == 0xa0))
            *last_letter = is;
    }
    return n;
}

/* close_block - the hidden text since the last visible text ends: the first with letters, near the top and short, is the preheader */
static void close_block(struct html_scan *h)
{
    if (!h->in_block)
        return;
    h->in_block = 0;
    if (h->block_letters == 0)
        return;
    if (h->blocks++ == 0 && h->block_lead <= PREHEADER_LEAD && h->block_letters <= PREHEADER_MAX) {
        h->pre_start = (gssize) h->block_start;
        h->pre_end = (gssize) h->hidden->len;
    }
    if (h->hidden->len < HIDDEN_CAP)
        g_string_append_c(h->hidden, '\n');
}

/* on_start - count forms, password fields, images, links (and hidden ones) */
static void on_start(void *ud, const char *name, const struct lw_html_attr *attrs, int hidden)
{
    struct html_scan *h = ud;
    const char *type;

    if (strcmp(name, "form") == 0)
        h->forms++;
    else if (strcmp(name, "input") == 0 && (type = attr(attrs, "type")) && g_ascii_strcasecmp(type, "password") == 0)
        h->password_fields++;
    else if (strcmp(name, "img") == 0) {
        h->images++;
        h->anchor_shown |= !hidden;
    } else if (strcmp(name, "a") == 0 && attr(attrs, "href")) {
        h->links++;
        h->in_anchor = 1;
        h->href = attr(attrs, "href");
        h->anchor_shown = 0;
        h->anchor_hidden = (hidden & LW_HTML_HIDDEN_BOX) != 0;    /* nothing inside can show */
    }
    if (!hidden && lw_html_is_block(name))
        h->after_letter = h->block_after_letter = 0;    /* a new line: no word goes on */
}

/* on_end - a visible block element ends a line; a link whose only text was hidden is a hidden link */
static void on_end(void *ud, const char *name, int hidden)
{
    struct html_scan *h = ud;

    if (h->in_anchor && strcmp(name, "a") == 0) {
        char *href = g_strstrip(g_strdup(h->href));

        if (h->anchor_shown || h->anchor_hidden == 0)
            g_hash_table_add(h->shown_hrefs, href);
        else
            g_ptr_array_add(h->hidden_hrefs, href);
        h->in_anchor = 0;
    }
    if (!hidden && lw_html_is_block(name))
        h->after_letter = h->block_after_letter = 0;
}

/* on_text - visible text: it closes a hidden block, which split a word if letters touch it on both sides */
static void on_text(void *ud, const char *text, size_t len)
{
    struct html_scan *h = ud;
    size_t n;

    if (len == 0)
        return;
    if (h->in_block && h->block_letters > 0 && h->block_after_letter && g_unichar_isalnum(g_utf8_get_char(text)))
        h->splits++;
    h->block_after_letter = 0;
    n = letters(text, len, &h->after_letter);
    if (n == 0)
        return;     /* white space between hidden runs keeps them one block */
    h->anchor_shown = 1;
    close_block(h);
    h->visible_letters += n;
}

/* on_hidden_text - keep the hidden text, in blocks between visible text */
static void on_hidden_text(void *ud, const char *text, size_t len)
{
    struct html_scan *h = ud;
    size_t n;

    if (!h->in_block) {
        h->in_block = 1;
        h->block_lead = h->visible_letters;
        h->block_start = h->hidden->len;
        h->block_letters = 0;
        h->block_after_letter = h->after_letter;
    }
    n = letters(text, len, NULL);
    h->block_letters += n;
    h->anchor_hidden += n;
    if (h->hidden->len < HIDDEN_CAP)
        g_string_append_len(h->hidden, text, (gssize) MIN(len, HIDDEN_CAP - h->hidden->len));
}

/* word_set - the lowercased words of three letters or more in s */
static GHashTable *word_set(const char *s)
{
    GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    const char *w = NULL;

    for (const char *p = s;; p = g_utf8_next_char(p)) {
        int in = *p && g_unichar_isalnum(g_utf8_get_char(p));

        if (in && w == NULL)
            w = p;
        if (!in && w != NULL) {
            if (g_utf8_strlen(w, p - w) >= 3)
                g_hash_table_add(set, g_utf8_strdown(w, p - w));
            w = NULL;
        }
        if (*p == '\0')
            break;
    }
    return set;
}

/* unlike_visible - most words of hidden not in the visible text */
static int unlike_visible(const char *hidden, const char *visible)
{
    GHashTable *seen = word_set(visible), *words = word_set(hidden);
    GHashTableIter it;
    gpointer key;
    guint found = 0, total = g_hash_table_size(words);

    g_hash_table_iter_init(&it, words);
    while (g_hash_table_iter_next(&it, &key, NULL))
        found += g_hash_table_contains(seen, key);
    g_hash_table_unref(seen);
    g_hash_table_unref(words);
    return total > 0 && found * 2 < total;
}

/* sample - the first 60 readable characters of s, invisible padding gone (g_free) */
static char *sample(const char *s)
{
    char *norm = lw_text_normalize(s), *cut = g_utf8_substring(norm, 0, MIN(g_utf8_strlen(norm, -1), 60));

    g_free(norm);
    return cut;
}

/* hidden_lure - credential wording in hidden that visible does not show (g_free), or NULL */
static char *hidden_lure(const char *hidden, const char *visible)
{
    static GRegex *lure;
    GRegex *re = lw_regex_once(&lure, HIDDEN_LURE, G_REGEX_CASELESS | G_REGEX_OPTIMIZE);
    GMatchInfo *mi = NULL;
    char *found = NULL;

    g_regex_match(re, hidden, 0, &mi);
    while (found == NULL && g_match_info_matches(mi)) {
        char *m = g_match_info_fetch(mi, 0), *low = g_utf8_strdown(m, -1), *vis = g_utf8_strdown(visible, -1);

        if (strstr(vis, low) == NULL)
            found = g_strdup(m);
        g_free(vis);
        g_free(low);
        g_free(m);
        g_match_info_next(mi, NULL);
    }
    g_match_info_free(mi);
    return found;
}

/* unseen_links - hidden links whose target no visible link shows (a hidden twin of a button is not one) */
static size_t unseen_links(const struct html_scan *h)
{
    size_t n = 0;

    for (guint i = 0; i < h->hidden_hrefs->len; i++)
        n += !g_hash_table_contains(h->shown_hrefs, g_ptr_array_index(h->hidden_hrefs, i));
    return n;
}

/*
 * hidden_reasons - what the hidden text of one part does, or NULL if it is
 * only a preheader (g_free); *decoy is set when it is planted for filters
 * alone (junk inside words, hidden links), which no sender does for a reader
 */
static char *hidden_reasons(const struct html_scan *h, const char *visible, int *decoy)
{
    GString *why = g_string_new(NULL);
    char *other, *lure, *text;
    size_t n;

    *decoy = 0;
    if (h->splits) {
        g_string_append_printf(why, "; hidden text inside %d word(s)", h->splits);
        *decoy = 1;
    }
    if ((n = unseen_links(h)) >= HIDDEN_LINKS_MIN) {
        g_string_append_printf(why, "; %zu hidden link(s) to where no visible link goes", n);
        *decoy = 1;
    }
    if ((lure = hidden_lure(h->hidden->str, visible)) != NULL)
        g_string_append_printf(why, "; hidden wording \"%.40s\" the visible text lacks", lure);
    other = g_strdup(h->hidden->str);
    if (h->pre_start >= 0)      /* the preheader blanked out */
        memset(other + h->pre_start, ' ', (size_t) (h->pre_end - h->pre_start));
    if ((n = letters(other, strlen(other), NULL)) >= FILLER_MIN && unlike_visible(other, visible))
        g_string_append_printf(why, "; %zu hidden letters unlike the visible text", n);
    if (why->len > 0) {
        text = sample(lure ? h->hidden->str : other);
        g_string_append_printf(why, ": \"%s\"", text);
        g_free(text);
    }
    g_free(other);
    g_free(lure);
    if (why->len == 0) {
        g_string_free(why, TRUE);
        return NULL;
    }
    g_string_erase(why, 0, 2);
    return g_string_free(why, FALSE);
}

/* nonspace_chars - characters that are not white space, counted up to cap (a body can be long) */
static size_t nonspace_chars(const char *s, size_t cap)
{
    size_t n = 0;

    for (const char *p = s; p && *p && n < cap; p = g_utf8_next_char(p))
        n += !g_unichar_isspace(g_utf8_get_char(p));
    return n;
}

/* has_image_part - any part declared or sniffed as an image */
static int has_image_part(const struct lw_message *msg)
{
    for (guint i = 0; i < msg->parts->len; i++) {
        const struct lw_part *p = g_ptr_array_index(msg->parts, i);

        if ((p->true_type && g_str_has_prefix(p->true_type, "image/"))
            || (p->declared_type && g_str_has_prefix(p->declared_type, "image/")))
            return 1;
    }
    return 0;
}

/* "scan the QR code" wording */
#define QR_WORDING "(scan|掃描|扫描|掃一掃|扫一扫|掃碼|扫码).{0,30}(qr|二維碼|二维码|條碼|条码|行動條碼)" \
                   "|\\bqr[ -]?code\\b.{0,40}\\b(scan|camera|phone)"
/* what a credential lure says around its link: sign-in, account, verification, expiry, urgency */
#define QR_CREDENTIAL "\\b(password|passcode|log[ -]?in|sign[ -]?in|verif(y|ication)|authenticat\\w*|mfa|2fa" \
                      "|(two|multi)[ -]factor|account|mailbox|expir(e|es|ed|ing|ation)|suspend\\w*|deactivat\\w*" \
                      "|urgent|immediately|within 24 ?hours)\\b" \
                      "|密碼|密码|登入|登錄|登录|驗證|验证|帳號|帐号|账号|帳戶|账户|信箱|郵箱|邮箱|過期|过期|到期" \
                      "|停用|凍結|冻结|緊急|紧急|立即|24 ?小時|24 ?小时|多因素|雙重驗證|双重验证"

/* text_match - what re matches first in the subject or the body texts, or NULL (g_free) */
static char *text_match(const struct lw_message *msg, const GRegex *re)
{
    GMatchInfo *mi = NULL;
    char *found = NULL;

    for (guint i = 0; found == NULL && i <= msg->texts->len; i++) {
        const char *s = i < msg->texts->len ? ((const struct lw_text *) g_ptr_array_index(msg->texts, i))->norm
                                            : msg->subject;

        if (s && g_regex_match(re, s, 0, &mi))
            found = g_match_info_fetch(mi, 0);
        g_match_info_free(mi);
        mi = NULL;
    }
    return found;
}

/*
 * may_name_qr - does s hold a word every qr_text match needs ("qr", 碼 or
 * 码)? A memchr-speed test that spares the regex, which costs more than
 * the rest of this analyzer on long bodies.
 */
static int may_name_qr(const char *s)
{
    if (s == NULL)
        return 0;
    if (strstr(s, "碼") || strstr(s, "码"))
        return 1;
    for (const char *p = strpbrk(s, "qQ"); p; p = strpbrk(p + 1, "qQ"))
        if (p[1] == 'r' || p[1] == 'R')
            return 1;
    return 0;
}

/* qr_text - "scan the QR code" wording in the body or subject */
static int qr_text(const struct lw_message *msg)
{
    static GRegex *wording;
    int maybe = may_name_qr(msg->subject);
    char *m;
    int found;

    for (guint i = 0; !maybe && i < msg->texts->len; i++)
        maybe = may_name_qr(((const struct lw_text *) g_ptr_array_index(msg->texts, i))->norm);
    if (!maybe)
        return 0;
    m = text_match(msg, lw_regex_once(&wording, QR_WORDING, G_REGEX_CASELESS | G_REGEX_OPTIMIZE));
    found = m != NULL;

    g_free(m);
    return found;
}

/* is_qr_web_link - a web link read from a QR code (the unwrapped twin of a redirector excluded) */
static int is_qr_web_link(const struct lw_url *u)
{
    return (u->flags & LW_URL_QR) && !(u->flags & LW_URL_UNWRAPPED) && is_web(u);
}

/* picture_len - how much of a QR link's source names the picture ("1.2:qr" -> "1.2") */
static int picture_len(const char *source)
{
    size_t n = source ? strlen(source) : 0;

    return (int) (n >= 3 && strcmp(source + n - 3, ":qr") == 0 ? n - 3 : n);
}

/* check_qr - QR links, QR links with credential wording, and the QR lure wording */
static void check_qr(const struct lw_message *msg, struct lw_verdict *v)
{
    static GRegex *credential;
    GString *ev = g_string_new(NULL);
    GPtrArray *shown = g_ptr_array_new();
    const char *first = NULL;
    int n = 0;
    struct lw_hit *hit;
    char *words, *text;

    for (guint i = 0; msg->urls && i < msg->urls->len; i++) {
        const struct lw_url *u = g_ptr_array_index(msg->urls, i);

        if (!is_qr_web_link(u) || n++ >= MAX_EVIDENCE)
            continue;
        g_string_append_printf(ev, "%spicture %.*s: %.120s", ev->len ? "; " : "", picture_len(u->source),
                               u->source ? u->source : "", u->url);
        first = first ? first : u->url;
        g_ptr_array_add(shown, u->url);
    }
    if (n > MAX_EVIDENCE)
        g_string_append_printf(ev, " (+%d more)", n - MAX_EVIDENCE);
    if (n > 0) {
        hit = lw_verdict_add_hit(v, A, "LW_QR_URL", 2.0,
                                 "A picture in the message is a QR code to a web link, for the reader's phone", ev->str);
        for (guint i = 0; i < shown->len; i++)
            lw_hit_add_indicator(v, hit, LW_ROLE_LURE, LW_IOC_URL, g_ptr_array_index(shown, i));
        if ((words = text_match(msg, lw_regex_once(&credential, QR_CREDENTIAL, G_REGEX_CASELESS | G_REGEX_OPTIMIZE)))
            != NULL) {
            text = g_strdup_printf("QR link %.120s; wording \"%.40s\"", first, words);
            lw_verdict_add_hit(v, A, "LW_QR_CREDENTIAL", 3.0,
                               "A QR-code link comes with wording about passwords, accounts or urgency", text);
            g_free(text);
            g_free(words);
        }
    }
    if ((n > 0 || has_image_part(msg)) && qr_text(msg)) {
        text = n > 0 ? g_strdup_printf("QR-code wording plus a QR code to %.120s", first)
                     : g_strdup("QR-code wording plus an image part");
        lw_verdict_add_hit(v, A, "LW_QR_LURE", 4.0,
                           "Asks the reader to scan a QR code sent as an image: a link no filter can read", text);
        g_free(text);
    }
    g_string_free(ev, TRUE);
    g_ptr_array_unref(shown);
}

/* check_html - password forms, hidden text and image-only bodies in each HTML part */
static void check_html(const struct lw_message *msg, struct lw_verdict *v)
{
    for (guint i = 0; i < msg->texts->len; i++) {
        const struct lw_text *t = g_ptr_array_index(msg->texts, i);
        struct lw_html_handler hd = { on_start, on_end, on_text, on_hidden_text };
        struct html_scan h = { 0 };
        char *ev, *why;
        int decoy;
        size_t chars;

        if (!t->is_html || t->html == NULL)
            continue;
        h.pre_start = h.pre_end = -1;
        h.hidden = g_string_new(NULL);
        h.hidden_hrefs = g_ptr_array_new_with_free_func(g_free);
        h.shown_hrefs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        if (t->doc)
            lw_html_walk_doc(t->doc, &hd, &h);
        else
            lw_html_walk(t->html, strlen(t->html), &hd, &h);
        close_block(&h);
        if (h.forms && h.password_fields) {
            ev = g_strdup_printf("part %s: %d form(s), %d password field(s)", t->path, h.forms, h.password_fields);
            lw_verdict_add_hit(v, A, "LW_HTML_CREDENTIAL_FORM", 6.0,
                               "The mail itself contains a form asking for a password", ev);
            g_free(ev);
        }
        if ((h.hidden->len > 0 || h.hidden_hrefs->len > 0) && (why = hidden_reasons(&h, t->text, &decoy)) != NULL) {
            ev = g_strdup_printf("part %s: %s", t->path, why);
            if (decoy)
                lw_verdict_add_hit(v, A, "LW_HTML_HIDDEN_DECOY", 3.5,
                                   "Text or links hidden for the filters alone: junk inside visible words, "
                                   "or links the reader cannot see", ev);
            else
                lw_verdict_add_hit(v, A, "LW_HTML_HIDDEN_TEXT", 3.5,
                                   "Text hidden from the reader that is not a preview line: "
                                   "lure wording or filler", ev);
            g_free(ev);
            g_free(why);
        }
        if (h.images > 0 && h.links >= 1 && h.links <= 2
            && (chars = nonspace_chars(t->text, IMAGE_ONLY_TEXT)) < IMAGE_ONLY_TEXT) {
            ev = g_strdup_printf("part %s: %d image(s), %d link(s), %zu characters of text", t->path,
                                 h.images, h.links, chars);
            lw_verdict_add_hit(v, A, "LW_HTML_IMAGE_ONLY", 3.0,
                               "The message is a picture with a link and almost no text for a filter to read", ev);
            g_free(ev);
        }
        g_string_free(h.hidden, TRUE);
        g_ptr_array_unref(h.hidden_hrefs);
        g_hash_table_unref(h.shown_hrefs);
    }
}

/* html_only - readable body exists only as HTML, and it has links */
static int html_only(const struct lw_message *msg)
{
    int html = 0, plain = 0;

    for (guint i = 0; i < msg->texts->len; i++) {
        const struct lw_text *t = g_ptr_array_index(msg->texts, i);

        html |= t->is_html;
        plain |= !t->is_html && nonspace_chars(t->text, 1) > 0;
    }
    return html && !plain && msg->urls && msg->urls->len > 0;
}

/* check_bulk_kit - HTML-only mail sent the way mass-mailing kits send it, not clients or providers */
static void check_bulk_kit(struct lw_verdict *v)
{
    if (lw_verdict_fired(v, "LW_LINK_SHORTENER"))
        lw_verdict_add_hit(v, A, "LW_HTML_ONLY_SHORTENER", 1.0,
                           "HTML-only bulk mail whose links go through a public URL shortener: a mass-mailing kit "
                           "hiding where the reader is sent", "no text/plain part; links through a URL shortener");
    if (lw_verdict_fired(v, "LW_LINK_FREEHOST"))
        lw_verdict_add_hit(v, A, "LW_HTML_ONLY_FREEHOST", 1.0,
                           "HTML-only bulk mail whose links go to a free host or a cloud storage bucket: a "
                           "mass-mailing kit's throwaway landing page", "no text/plain part; links to a free host");
    if (lw_verdict_fired(v, "LW_LINK_IP_HOST"))
        lw_verdict_add_hit(v, A, "LW_HTML_ONLY_IP_HOST", 1.0,
                           "HTML-only bulk mail whose links go to a bare IP address: a mass-mailing kit on rented "
                           "servers with no name to look up", "no text/plain part; links to a bare IP address");
    if (lw_verdict_fired(v, "LW_HDR_BCC_BLAST"))
        lw_verdict_add_hit(v, A, "LW_HTML_ONLY_BCC_BLAST", 1.0,
                           "HTML-only mail sent to undisclosed recipients: a mass-mailing tool, "
                           "neither a mail client nor a bulk-mail provider", "no text/plain part; undisclosed recipients");
}

/* links_scan - link rules, HTML rules, HTML-only and QR lures */
static int links_scan(const void *state, const struct lw_message *msg, struct lw_cache_session *cache,
                      struct lw_verdict *v, struct lw_error *err)
{
    const struct links *l = state;

    if (msg->unparseable)
        return 0;
    check_urls(l, msg, v);
    check_unknown_site(l, msg, v);
    check_freemail_contact(l, msg, v);
    check_brand_elsewhere(l, msg, v);
    check_html(msg, v);
    if (html_only(msg)) {
        lw_verdict_add_hit(v, A, "LW_HTML_ONLY", 0.5,
                           "HTML with links and no plain-text version, as bulk-mailing kits send it", "no text/plain part");
        check_bulk_kit(v);
    }
    check_qr(msg, v);
    return 0;
}

const struct lw_analyzer lw_analyzer_links = {
    .name = A,
    .init = links_init,
    .scan = links_scan,
    .fini = links_fini,
    .finish = links_finish,
    .key = links_key,
};
