/*
 * lurewatch-review - the review service: signed one-click actions and a review page
 *
 * SYNOPSIS
 *     lurewatch-review [-c CONF] [-o key=value]... [-u USER] [-f] [-t]
 *
 * DESCRIPTION
 *     An HTTP service (libmicrohttpd) on review_listen for the links of the
 *     quarantine digest and for reviewers' review pages:
 *
 *     GET  a?t=TOKEN     the confirmation page of a signed action link
 *                        (release, delete, block, notphish): what would
 *                        happen to which message, and one button. A GET
 *                        never acts, so mail gateways and link scanners
 *                        that open links change nothing.
 *     POST a             t=TOKEN and csrf=VALUE (the confirmation page's):
 *                        acts once (lw_decide, shared with lurewatch-report);
 *                        the token is then used up.
 *     GET  r?t=TOKEN     the reviewer's page: held messages they review as
 *                        compact rows, batch release and delete, the audit
 *                        trail. TOKEN is a review link of the digest (action
 *                        "review"); behind an authenticating proxy
 *                        (review_trusted_proxy_header) no token is needed.
 *     POST r             t (or the proxy's header), csrf, action=release|
 *                        delete and q_QUEUEID=1 for each message chosen.
 *     GET  m?[t=TOKEN&]q=QUEUEID  one message: the full explanation and a
 *                        text preview of its body.
 *
 *     A token names action, relay, queue id, reviewer and expiry, signed
 *     with review_key_file (review/review_token.c); with the spool store
 *     the service acts only on tokens for its own relay (instance_name);
 *     with quarantine_store = redis it sees every relay's messages and a
 *     decision is recorded and queued for the relay holding the message,
 *     which carries it out (lurewatch-report apply). Who decided is the
 *     reviewer named by the proxy's header when one is configured and
 *     present, else the token's reviewer; the decision is recorded in the
 *     quarantine store like lurewatch-report's and logged.
 *
 *     -u  serve as USER (started as root): the key, the TLS key and the
 *         listening socket are taken as root, review_state_dir is given to
 *         USER, and what needs root (postsuper, postqueue -i, postcat, the
 *         block list) is done by a helper forked before (privsep.c)
 *     -f  foreground, logging to standard error (else syslog)
 *     -t  check the configuration and the key, then exit
 *
 * SECURITY
 *     Every response carries Content-Security-Policy default-src 'none'
 *     (inline style only), no-referrer, nosniff, frame-ancestors 'none' and
 *     no-store. Request bodies are capped at 64 KiB. The trusted proxy
 *     header is believed only when configured: then review_listen must be
 *     reachable only by the proxy (loopback).
 *
 * EXIT STATUS
 *     0 after SIGTERM or SIGINT; 64 for a bad command line (or -u when not
 *     root); 78 for a bad configuration or key file; 73 when
 *     review_state_dir cannot be given to the user; 71 when it cannot
 *     listen, the user is unknown or privileges cannot be dropped.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <pwd.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <microhttpd.h>

#include "util/conf.h"
#include "util/log.h"
#include "util/options.h"
#include "util/privileges.h"
#include "model/message.h"
#include "review/actions.h"
#include "review/quarantine_store.h"
#include "review/review_token.h"
#include "review/reviewers.h"
#include "review/service/pages.h"
#include "review/service/privsep.h"

#define MAX_BODY (64 * 1024)
#define PAGE_SIZE 100
#define AUDIT_ROWS 50
#define USED_DIR "used-tokens"

struct service {
    const struct lw_config *cfg;
    struct lw_review_key *key;
    struct lw_qstore *store;
    GHashTable *reviewers;      /* domain -> reviewer address */
    char *relay;                /* this relay's name in tokens */
    char *used_dir;
    struct lw_privsep *helper;  /* with -u: what needs root */
    struct lw_privileged priv;  /* the helper's, when there is one */
    char *tls_cert, *tls_key;   /* PEM, read at start */
    int listen_fd;
};

/* via - how decisions reach the MTA: the helper's lw_privileged, or NULL (this process is root) */
static const struct lw_privileged *via(const struct service *svc)
{
    return svc->helper ? &svc->priv : NULL;
}

/* One request's state across the calls libmicrohttpd makes for it. */
struct request {
    GString *body;
    int too_big;
};

/* The reviewer a request speaks for, and what its forms are bound to. */
struct identity {
    char *reviewer;             /* who acts (proxy user, else the token's reviewer) */
    char *bound;                /* the token, or "proxy\n" + reviewer: what the CSRF value signs */
    const char *token;          /* the request's token, or NULL */
};

static void identity_clear(struct identity *id)
{
    g_free(id->reviewer);
    g_free(id->bound);
    memset(id, 0, sizeof(*id));
}

/* ---- responses ---- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, char *html)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(html), html, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result rc;

    MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                            "frame-ancestors 'none'; base-uri 'none'");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result refuse(const struct service *svc, struct MHD_Connection *c, unsigned status,
                              const char *why)
{
    return respond(c, status, lw_page_notice(svc->cfg, "lurewatch-review", why));
}

/* ---- who is asking ---- */

/* proxy_user - the reviewer the trusted proxy names, or NULL */
static const char *proxy_user(const struct service *svc, struct MHD_Connection *c)
{
    const char *v;

    if (*svc->cfg->review_trusted_proxy_header == '\0')
        return NULL;
    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, svc->cfg->review_trusted_proxy_header);
    return v && *v && strlen(v) < 256 ? v : NULL;
}

/* check_token - a valid token of this relay; -1 with why */
static int check_token(const struct service *svc, const char *token, struct lw_review_claim *claim,
                       struct lw_error *why)
{
    if (token == NULL || *token == '\0')
        return lw_error_set(why, "this page needs the link from your digest");
    if (lw_review_token_check(svc->key, token, g_get_real_time() / G_USEC_PER_SEC, claim, why) < 0)
        return -1;
    if (strcmp(claim->relay, svc->relay) != 0 && !lw_qstore_shared(svc->store)) {
        lw_error_set(why, "this link is for relay %s, not this one (%s)", claim->relay, svc->relay);
        lw_review_claim_clear(claim);
        return -1;
    }
    return 0;
}

/* reviewer_of - identity from a review token, else from the proxy; -1 with why */
static int reviewer_of(const struct service *svc, struct MHD_Connection *c, const char *token,
                       struct identity *id, struct lw_error *why)
{
    const char *proxied = proxy_user(svc, c);
    struct lw_review_claim claim;

    memset(id, 0, sizeof(*id));
    if (token && *token) {
        if (check_token(svc, token, &claim, why) < 0)
            return -1;
        if (strcmp(claim.action, LW_REVIEW_VIEW) != 0) {
            lw_review_claim_clear(&claim);
            return lw_error_set(why, "this link is not a review page link");
        }
        id->reviewer = g_strdup(proxied ? proxied : claim.reviewer);
        id->bound = g_strdup(token);
        id->token = token;
        lw_review_claim_clear(&claim);
        return 0;
    }
    if (proxied == NULL)
        return lw_error_set(why, "this page needs the link from your digest");
    id->reviewer = g_strdup(proxied);
    id->bound = g_strdup_printf("proxy\n%s", proxied);
    return 0;
}

/* ---- the confirmation page and the action ---- */

static enum MHD_Result confirm_page(const struct service *svc, struct MHD_Connection *c)
{
    const char *token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "t");
    struct lw_review_claim claim;
    struct lw_error why;
    struct lw_qentry *e;
    enum lw_decision d;
    char *csrf;
    enum MHD_Result rc;

    if (check_token(svc, token, &claim, &why) < 0)
        return refuse(svc, c, MHD_HTTP_FORBIDDEN, why.text);
    if (lw_decision_parse(claim.action, &d) < 0) {
        lw_review_claim_clear(&claim);
        return refuse(svc, c, MHD_HTTP_FORBIDDEN, "this link is not an action link");
    }
    if (lw_review_token_used(svc->used_dir, token)) {
        lw_review_claim_clear(&claim);
        return refuse(svc, c, MHD_HTTP_GONE, "this link was used already; nothing done");
    }
    e = lw_qstore_get(svc->store, claim.queue_id, &why);
    csrf = lw_review_csrf(svc->key, token);
    rc = respond(c, MHD_HTTP_OK, lw_page_confirm(svc->cfg, e, claim.queue_id, claim.action, token, csrf));
    g_free(csrf);
    lw_qentry_free(e);
    lw_review_claim_clear(&claim);
    return rc;
}

/* decide_one - one decision by who, logged; the text for the page (g_free) */
static char *decide_one(const struct service *svc, const char *queue_id, enum lw_decision d, const char *who,
                        const char *how, int *ok)
{
    struct lw_qentry *e = lw_qstore_get(svc->store, queue_id, NULL);
    struct lw_error err;
    char *text;

    if (e && !lw_qentry_is_held(e)) {
        char *at = lw_qtime_format(e->decided_at, 1), *by = lw_printable(e->decided_by, 100);

        text = g_strdup_printf("%s: already %s by %s at %s; nothing done", queue_id, e->decision, by, at);
        *ok = 0;
        g_free(at);
        g_free(by);
        lw_qentry_free(e);
        return text;
    }
    lw_qentry_free(e);
    switch (lw_decide(svc->cfg, via(svc), svc->store, queue_id, d, who, &err)) {
    case LW_DECIDE_FAILED:
    case LW_DECIDE_TAKEN:
        lw_log_warn("%s: %s by %s (%s) failed: %s", queue_id, lw_decision_name(d), who, how, err.text);
        *ok = 0;
        return g_strdup(err.text);
    case LW_DECIDE_QUEUED:
        lw_log_info("%s: %s by %s (%s), queued for the relay holding it", queue_id, lw_decision_recorded(d),
                    who, how);
        *ok = 1;
        return g_strdup_printf("%s: %s by %s; the relay holding it carries it out within a minute", queue_id,
                               lw_decision_recorded(d), who);
    case LW_DECIDE_NO_RECORD:
    case LW_DECIDE_UNRECORDED:
        lw_log_err("%s: %s by %s (%s), but: %s", queue_id, lw_decision_recorded(d), who, how, err.text);
        break;
    case LW_DECIDE_DONE:
        lw_log_info("%s: %s by %s (%s)", queue_id, lw_decision_recorded(d), who, how);
        break;
    }
    *ok = 1;
    return g_strdup_printf("%s: %s by %s", queue_id, lw_decision_recorded(d), who);
}

static enum MHD_Result act(const struct service *svc, struct MHD_Connection *c, GHashTable *form)
{
    const char *token = g_hash_table_lookup(form, "t"), *proxied = proxy_user(svc, c);
    struct lw_review_claim claim;
    struct lw_error why;
    enum lw_decision d;
    char *text;
    int ok = 0, claimed;
    enum MHD_Result rc;

    if (check_token(svc, token, &claim, &why) < 0)
        return refuse(svc, c, MHD_HTTP_FORBIDDEN, why.text);
    if (lw_decision_parse(claim.action, &d) < 0 || !lw_review_csrf_ok(svc->key, token, g_hash_table_lookup(form, "csrf"))) {
        lw_review_claim_clear(&claim);
        return refuse(svc, c, MHD_HTTP_FORBIDDEN, "this form did not come from the confirmation page");
    }
    if ((claimed = lw_review_token_claim(svc->used_dir, token, claim.expires, &why)) <= 0) {
        lw_review_claim_clear(&claim);
        if (claimed < 0)
            lw_log_err("%s", why.text);
        return refuse(svc, c, claimed < 0 ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_GONE,
                      claimed < 0 ? "the service cannot record the use of links; nothing done"
                                  : "this link was used already; nothing done");
    }
    text = decide_one(svc, claim.queue_id, d, proxied ? proxied : claim.reviewer, "signed link", &ok);
    if (!ok)
        lw_review_token_unclaim(svc->used_dir, token);
    rc = refuse(svc, c, ok ? MHD_HTTP_OK : MHD_HTTP_CONFLICT, text);
    g_free(text);
    lw_review_claim_clear(&claim);
    return rc;
}

/* ---- the review page ---- */

/* A reviewer's filter for lw_qstore_page. */
struct coverage {
    const struct service *svc;
    const char *reviewer;
};

static int covers(const struct lw_qentry *e, void *data)
{
    const struct coverage *c = data;

    return lw_reviewer_covers(c->svc->cfg, c->svc->reviewers, e, c->reviewer);
}

static enum MHD_Result review_page(const struct service *svc, struct MHD_Connection *c)
{
    const char *token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "t");
    const char *from = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
    struct lw_review_view v = { 0 };
    struct lw_qpage page;
    struct coverage cov;
    struct identity id;
    struct lw_error why;
    enum MHD_Result rc;
    guint offset = from ? (guint) MIN(g_ascii_strtoull(from, NULL, 10), G_MAXINT / 2) : 0;
    char *csrf;

    if (reviewer_of(svc, c, token, &id, &why) < 0)
        return refuse(svc, c, MHD_HTTP_FORBIDDEN, why.text);
    cov = (struct coverage) { svc, id.reviewer };
    /* the security team (report_to) sees every message: the store pages without reading every record */
    if (lw_qstore_page(svc->store, offset, PAGE_SIZE, AUDIT_ROWS,
                       lw_reviewer_sees_all(svc->cfg, id.reviewer) ? NULL : covers, &cov, &page, &why) < 0) {
        lw_log_err("%s", why.text);
        identity_clear(&id);
        return refuse(svc, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "the quarantine store cannot be read");
    }
    v.reviewer = id.reviewer;
    v.token = id.token;
    v.csrf = csrf = lw_review_csrf(svc->key, id.bound);
    v.total_held = page.total_held;
    v.page_size = PAGE_SIZE;
    v.offset = MIN(offset, page.total_held);
    v.held = page.held;
    v.decided = page.decided;
    rc = respond(c, MHD_HTTP_OK, lw_page_review(svc->cfg, &v));
    lw_qpage_clear(&page);
    g_free(csrf);
    identity_clear(&id);
    return rc;
}

/* batch - release or delete the messages ticked on the review page */
static enum MHD_Result batch(const struct service *svc, struct MHD_Connection *c, GHashTable *form)
{
    const char *action = g_hash_table_lookup(form, "action");
    GString *out = g_string_new(NULL);
    GHashTableIter it;
    gpointer k, val;
    struct identity id;
    struct lw_error why;
    enum lw_decision d;
    enum MHD_Result rc;

    if (reviewer_of(svc, c, g_hash_table_lookup(form, "t"), &id, &why) < 0) {
        g_string_free(out, TRUE);
        return refuse(svc, c, MHD_HTTP_FORBIDDEN, why.text);
    }
    if (!lw_review_csrf_ok(svc->key, id.bound, g_hash_table_lookup(form, "csrf"))
        || lw_decision_parse(action, &d) < 0 || (d != LW_RELEASE && d != LW_DELETE)) {
        identity_clear(&id);
        g_string_free(out, TRUE);
        return refuse(svc, c, MHD_HTTP_FORBIDDEN, "this form did not come from the review page");
    }
    g_hash_table_iter_init(&it, form);
    while (g_hash_table_iter_next(&it, &k, &val)) {
        const char *qid = (const char *) k + 2;
        struct lw_qentry *e;
        char *text;
        int ok;

        if (strncmp(k, "q_", 2) != 0)
            continue;
        if ((e = lw_qstore_get(svc->store, qid, NULL)) == NULL
            || !lw_reviewer_covers(svc->cfg, svc->reviewers, e, id.reviewer)) {
            text = g_strdup_printf("%s: not a message you review; nothing done", qid);
        } else {
            text = decide_one(svc, qid, d, id.reviewer, "review page", &ok);
        }
        g_string_append_printf(out, "%s%s", out->len ? " · " : "", text);
        g_free(text);
        lw_qentry_free(e);
    }
    rc = refuse(svc, c, MHD_HTTP_OK, out->len ? out->str : "nothing was selected");
    g_string_free(out, TRUE);
    identity_clear(&id);
    return rc;
}

/* ---- the preview ---- */

/* body_text - the readable text of the held message, as the message model extracted it (g_free) */
static char *body_text(const struct service *svc, const char *queue_id)
{
    struct lw_error err;
    GString *raw = lw_held_message(svc->cfg, via(svc), queue_id, &err), *text = g_string_new(NULL);
    struct lw_message *m;

    if (raw == NULL) {
        g_string_free(text, TRUE);
        return g_strdup(err.text);
    }
    m = lw_message_parse(raw->str, raw->len, NULL, svc->cfg);
    for (guint i = 0; m && i < m->texts->len; i++) {
        const struct lw_text *t = g_ptr_array_index(m->texts, i);

        g_string_append_printf(text, "%s%s", i ? "\n----\n" : "", t->text ? t->text : "");
    }
    lw_message_free(m);
    g_string_free(raw, TRUE);
    return g_string_free(text, FALSE);
}

static enum MHD_Result preview_page(const struct service *svc, struct MHD_Connection *c)
{
    const char *token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "t");
    const char *qid = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
    struct identity id;
    struct lw_error why;
    struct lw_qentry *e = NULL;
    enum MHD_Result rc;
    char *text, *back;

    if (reviewer_of(svc, c, token, &id, &why) < 0)
        return refuse(svc, c, MHD_HTTP_FORBIDDEN, why.text);
    if (qid == NULL || (e = lw_qstore_get(svc->store, qid, &why)) == NULL
        || !lw_reviewer_covers(svc->cfg, svc->reviewers, e, id.reviewer)) {
        lw_qentry_free(e);
        identity_clear(&id);
        return refuse(svc, c, MHD_HTTP_NOT_FOUND, "no such message among those you review");
    }
    text = body_text(svc, qid);
    back = id.token ? g_strdup_printf("r?t=%s", id.token) : g_strdup("r");
    rc = respond(c, MHD_HTTP_OK, lw_page_preview(svc->cfg, e, text, back));
    g_free(text);
    g_free(back);
    lw_qentry_free(e);
    identity_clear(&id);
    return rc;
}

/* ---- HTTP ---- */

/* form_of - the fields of an application/x-www-form-urlencoded body, or NULL */
static GHashTable *form_of(struct MHD_Connection *c, const GString *body)
{
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);

    if (type == NULL || g_ascii_strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0)
        return NULL;
    return g_uri_parse_params(body->str, (gssize) body->len, "&", G_URI_PARAMS_WWW_FORM, NULL);
}

static enum MHD_Result post(const struct service *svc, struct MHD_Connection *c, const char *url,
                            struct request *req)
{
    GHashTable *form;
    enum MHD_Result rc;

    if (req->too_big)
        return refuse(svc, c, MHD_HTTP_CONTENT_TOO_LARGE, "request too large");
    if ((form = form_of(c, req->body)) == NULL)
        return refuse(svc, c, MHD_HTTP_BAD_REQUEST, "not a form");
    if (strcmp(url, "/a") == 0)
        rc = act(svc, c, form);
    else if (strcmp(url, "/r") == 0)
        rc = batch(svc, c, form);
    else
        rc = refuse(svc, c, MHD_HTTP_NOT_FOUND, "no such page");
    g_hash_table_unref(form);
    return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    const struct service *svc = cls;
    struct request *req = *con_cls;

    (void) version;
    if (req == NULL) {
        *con_cls = req = g_new0(struct request, 1);
        req->body = g_string_new(NULL);
        return MHD_YES;
    }
    if (*upload_size) {
        if (req->body->len + *upload_size > MAX_BODY)
            req->too_big = 1;
        else
            g_string_append_len(req->body, upload, (gssize) *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST") == 0)
        return post(svc, c, url, req);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return refuse(svc, c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
    if (strcmp(url, "/a") == 0)
        return confirm_page(svc, c);
    if (strcmp(url, "/r") == 0 || strcmp(url, "/") == 0)
        return review_page(svc, c);
    if (strcmp(url, "/m") == 0)
        return preview_page(svc, c);
    return refuse(svc, c, MHD_HTTP_NOT_FOUND, "no such page");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode why)
{
    struct request *req = *con_cls;

    (void) cls;
    (void) c;
    (void) why;
    if (req) {
        g_string_free(req->body, TRUE);
        g_free(req);
        *con_cls = NULL;
    }
}

/* listen_addr - review_listen ("host:port", "[v6]:port", numeric) as a socket address; -1 with err */
static int listen_addr(const char *spec, struct sockaddr_storage *ss, struct lw_error *err)
{
    const char *colon = strrchr(spec, ':');
    char *host;
    struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM }, *ai;
    int rc;

    if (colon == NULL || colon == spec || colon[1] == '\0')
        return lw_error_set(err, "review_listen \"%s\": want ADDRESS:PORT, e.g. 127.0.0.1:8470", spec);
    host = spec[0] == '[' && colon[-1] == ']' ? g_strndup(spec + 1, (gsize) (colon - spec - 2))
                                              : g_strndup(spec, (gsize) (colon - spec));
    if ((rc = getaddrinfo(host, colon + 1, &hints, &ai)) != 0) {
        lw_error_set(err, "review_listen \"%s\": %s", spec, gai_strerror(rc));
        g_free(host);
        return -1;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    g_free(host);
    return 0;
}

/* listen_socket - a socket bound and listening on review_listen; -1 with err */
static int listen_socket(const char *spec, struct lw_error *err)
{
    struct sockaddr_storage ss;
    int fd, on = 1;

    if (listen_addr(spec, &ss, err) < 0)
        return -1;
    if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0
        || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0
        || bind(fd, (struct sockaddr *) &ss, ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                                     : sizeof(struct sockaddr_in)) < 0
        || listen(fd, 64) < 0) {
        lw_error_set(err, "cannot listen on %s: %s", spec, g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* read_tls - review_tls_cert and review_tls_key into svc, when configured; -1 with err */
static int read_tls(struct service *svc, struct lw_error *err)
{
    GError *gerr = NULL;

    if (*svc->cfg->review_tls_cert == '\0')
        return 0;
    if (!g_file_get_contents(svc->cfg->review_tls_cert, &svc->tls_cert, NULL, &gerr)
        || !g_file_get_contents(svc->cfg->review_tls_key, &svc->tls_key, NULL, &gerr)) {
        lw_error_set(err, "review TLS: %s", gerr->message);
        g_error_free(gerr);
        return -1;
    }
    return 0;
}

/* start - the daemon on the listening socket, with TLS when configured; NULL with err */
static struct MHD_Daemon *start(struct service *svc, struct lw_error *err)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | (svc->tls_cert ? MHD_USE_TLS : 0);
    struct MHD_Daemon *d;

    d = MHD_start_daemon(flags, 0, NULL, NULL, handle, svc,
                         MHD_OPTION_LISTEN_SOCKET, svc->listen_fd,
                         MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                         MHD_OPTION_CONNECTION_LIMIT, 64u,
                         MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                         svc->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, svc->tls_cert,
                         MHD_OPTION_HTTPS_MEM_KEY, svc->tls_key,
                         MHD_OPTION_END);
    if (d == NULL)
        lw_error_set(err, "cannot serve on %s%s", svc->cfg->review_listen,
                     svc->tls_cert && !MHD_is_feature_supported(MHD_FEATURE_TLS) ? " (libmicrohttpd without TLS)" : "");
    else
        svc->listen_fd = -1;    /* the daemon's now */
    if (svc->tls_key)
        memset(svc->tls_key, 0, strlen(svc->tls_key));
    return d;
}

/* ---- main ---- */

struct options {
    char *config, *user;
    char **overrides;
    gboolean foreground, test;
};

static int parse_options(int *argc, char ***argv, struct options *opt)
{
    GOptionEntry entries[] = {
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt->config, "configuration file", "CONF" },
        { "option", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &opt->overrides, "override one key", "KEY=VALUE" },
        { "user", 'u', 0, G_OPTION_ARG_STRING, &opt->user, "serve as USER; a helper keeps root for the MTA", "USER" },
        { "foreground", 'f', 0, G_OPTION_ARG_NONE, &opt->foreground, "log to standard error", NULL },
        { "test", 't', 0, G_OPTION_ARG_NONE, &opt->test, "check the configuration and the key, then exit", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    return lw_options_parse("lurewatch-review", "", NULL, entries, argc, argv);
}

/*
 * as_user - with -u, as root: the helper forked (before the key is read),
 * review_state_dir and its used-tokens directory given to the user; an
 * EX_ code, 0 when all is well
 */
static int as_user(const struct options *opt, struct service *svc, struct lw_error *err)
{
    struct passwd *pw;

    if (opt->user == NULL)
        return 0;
    if ((pw = getpwnam(opt->user)) == NULL) {
        lw_error_set(err, "unknown user \"%s\"", opt->user);
        return EX_OSERR;
    }
    if (geteuid() != 0) {
        lw_error_set(err, "-u %s needs to start as root", opt->user);
        return EX_USAGE;
    }
    if (opt->test)
        return 0;
    if (lw_dir_prepare(svc->cfg->review_state_dir, 0700, pw, err) < 0
        || lw_dir_prepare(svc->used_dir, 0700, pw, err) < 0)
        return EX_CANTCREAT;
    if ((svc->helper = lw_privsep_start(svc->cfg, err)) == NULL)
        return EX_OSERR;
    svc->priv = lw_privsep_via(svc->helper);
    return 0;
}

/*
 * setup - configuration, the helper, key, reviewers, TLS, the listening
 * socket; then the user (-u), and the store as that user. An EX_ code, 0
 * when all is well.
 */
static int setup(const struct options *opt, struct lw_config **cfg, struct service *svc, struct lw_error *err)
{
    int rc;

    memset(svc, 0, sizeof(*svc));
    svc->listen_fd = -1;
    if ((*cfg = lw_config_setup(opt->config, opt->overrides, err)) == NULL)
        return EX_CONFIG;
    svc->cfg = *cfg;
    svc->reviewers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    svc->relay = g_strdup(lw_review_relay(*cfg));
    svc->used_dir = g_build_filename((*cfg)->review_state_dir, USED_DIR, NULL);
    if (!g_path_is_absolute((*cfg)->review_state_dir)) {
        lw_error_set(err, "review_state_dir must be an absolute path");
        return EX_CONFIG;
    }
    if ((rc = as_user(opt, svc, err)) != 0)
        return rc;
    if (lw_reviewers_parse((*cfg)->report_domain_reviewers, svc->reviewers, err) < 0
        || (svc->key = lw_review_key_load((*cfg)->review_key_file, err)) == NULL || read_tls(svc, err) < 0)
        return EX_CONFIG;
    if (!opt->test && (svc->listen_fd = listen_socket((*cfg)->review_listen, err)) < 0)
        return EX_OSERR;
    if (!opt->test && lw_drop_privileges(opt->user, err) < 0)
        return EX_OSERR;
    if (opt->user)
        prctl(PR_SET_DUMPABLE, 0);      /* the key in memory: no ptrace by the user, no core */
    if ((svc->store = lw_qstore_open(*cfg, err)) == NULL)
        return EX_CONFIG;
    return 0;
}

static void teardown(struct service *svc, struct lw_config *cfg, struct options *opt)
{
    if (svc->store)
        lw_qstore_close(svc->store);
    lw_privsep_stop(svc->helper);
    lw_review_key_free(svc->key);
    if (svc->reviewers)
        g_hash_table_unref(svc->reviewers);
    if (svc->listen_fd >= 0)
        close(svc->listen_fd);
    g_free(svc->relay);
    g_free(svc->used_dir);
    g_free(svc->tls_cert);
    g_free(svc->tls_key);
    lw_config_free(cfg);
    g_free(opt->config);
    g_free(opt->user);
    g_strfreev(opt->overrides);
}

/* serve - until SIGTERM or SIGINT; expired used-token records pruned hourly */
static void serve(struct service *svc)
{
    sigset_t set;
    struct timespec hour = { 3600, 0 };
    int sig;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    do {
        lw_review_tokens_prune(svc->used_dir, g_get_real_time() / G_USEC_PER_SEC);
        sig = sigtimedwait(&set, NULL, &hour);
    } while (sig < 0 && (errno == EAGAIN || errno == EINTR));
}

int main(int argc, char **argv)
{
    struct options opt = { 0 };
    struct lw_config *cfg = NULL;
    struct service svc;
    struct MHD_Daemon *d;
    struct lw_error err;
    sigset_t set;
    int rc;

    signal(SIGPIPE, SIG_IGN);
    if (parse_options(&argc, &argv, &opt) < 0 || argc > 1) {
        if (argc > 1)
            fprintf(stderr, "lurewatch-review: unexpected argument \"%s\"\n", argv[1]);
        g_free(opt.config);
        g_free(opt.user);
        g_strfreev(opt.overrides);
        return EX_USAGE;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);     /* before the daemon's thread starts: it inherits the mask */
    if ((rc = setup(&opt, &cfg, &svc, &err)) != 0) {
        fprintf(stderr, "lurewatch-review: %s\n", err.text);
    } else if (opt.test) {
        printf("configuration OK\n");
    } else {
        lw_log_open("lurewatch-review", !opt.foreground, (enum lw_log_level) cfg->log_level,
                    cfg->log_facility, (enum lw_log_format) cfg->log_format);
        lw_gmime_init();
        if ((d = start(&svc, &err)) == NULL) {
            lw_log_err("%s", err.text);
            rc = EX_OSERR;
        } else {
            lw_log_info("listening on %s for relay %s%s%s", cfg->review_listen, svc.relay,
                        opt.user ? " as " : "", opt.user ? opt.user : "");
            serve(&svc);
            MHD_stop_daemon(d);
            lw_log_info("stopped");
        }
        g_mime_shutdown();
    }
    teardown(&svc, cfg, &opt);
    return rc;
}
