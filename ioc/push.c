/*
 * push.c - push exports to a TAXII 2.1 collection and to MISP's REST API (libcurl)
 *
 * NAME
 *     lw_push_taxii, lw_push_misp
 *
 * DESCRIPTION
 *     lw_push_taxii() POSTs the objects of the STIX bundle as a TAXII 2.1
 *     envelope to export_taxii_url (a collection's objects/ endpoint) with
 *     Content-Type and Accept application/taxii+json;version=2.1 and
 *     "Authorization: Bearer KEY". Any 2xx answer is success.
 *
 *     lw_push_misp() POSTs the event to export_misp_url/events/add with
 *     "Authorization: KEY"; when MISP answers that the event exists (it has
 *     a fixed uuid per organization), the event is sent again to
 *     /events/edit/UUID, so repeated pushes update one event. Then
 *     /events/publish/UUID publishes it, so that MISP syncs it to the
 *     partners' instances: new attributes and the deleted ones
 *     (retractions) alike. MISP applies an edit only when the event's
 *     timestamp is newer than its copy: the caller stamps each pushed
 *     event later than the last push (export_run.c).
 *
 *     Keys are read from export_*_key_file (first line, trimmed). TLS
 *     verification is always on (peer and host name); export_ca_file
 *     replaces the system CA store. A refusal (HTTP status >= 300, TLS or
 *     connection failure) returns -1 with the status and the start of the
 *     server's answer in err.
 *
 * SECURITY
 *     A key file readable by everyone is refused (it should be readable by
 *     the exporter's user or group only). Keys are never put in error
 *     messages.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <curl/curl.h>

#include "export.h"

struct answer {
    GString *body;
};

static size_t collect(char *ptr, size_t size, size_t n, void *data)
{
    struct answer *a = data;

    if (a->body->len < 65536)
        g_string_append_len(a->body, ptr, (gssize) (size * n));
    return size * n;
}

/* fail - err = what + ": " + err (err->text cannot be both source and target of vsnprintf) */
static int fail(struct lw_error *err, const char *what)
{
    char why[sizeof(err->text)];

    g_strlcpy(why, err->text, sizeof(why));
    return lw_error_set(err, "%s: %s", what, why);
}

/* read_key - the first line of path, trimmed; NULL and err */
static char *read_key(const char *path, struct lw_error *err)
{
    char *text = NULL, *key;
    GError *ge = NULL;
    struct stat st;

    if (!*path) {
        lw_error_set(err, "no key file configured");
        return NULL;
    }
    if (stat(path, &st) == 0 && (st.st_mode & S_IROTH)) {
        lw_error_set(err, "key file %s is readable by everyone: chmod o-r it", path);
        return NULL;
    }
    if (!g_file_get_contents(path, &text, NULL, &ge)) {
        lw_error_set(err, "key file: %s", ge->message);
        g_error_free(ge);
        return NULL;
    }
    text[strcspn(text, "\r\n")] = '\0';
    key = g_strdup(g_strstrip(text));
    g_free(text);
    if (!*key) {
        g_free(key);
        lw_error_set(err, "key file %s is empty", path);
        return NULL;
    }
    return key;
}

/* post - one POST; the HTTP status (0 when no answer) and the answer body (g_string_free) */
static long post(const struct lw_config *cfg, const char *url, const char *auth, const char *ctype,
                 const char *body, GString **answer, struct lw_error *err)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    struct answer a = { g_string_new(NULL) };
    char *hdr_auth = g_strconcat("Authorization: ", auth, NULL);
    char *hdr_type = g_strconcat("Content-Type: ", ctype, NULL), *hdr_acc = g_strconcat("Accept: ", ctype, NULL);
    long status = 0;
    CURLcode cc;

    if (c == NULL) {
        lw_error_set(err, "curl_easy_init failed");
        *answer = a.body;
        return 0;
    }
    h = curl_slist_append(h, hdr_auth);
    h = curl_slist_append(h, hdr_type);
    h = curl_slist_append(h, hdr_acc);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long) strlen(body));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long) cfg->export_push_timeout);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "lurewatch-ioc/" PACKAGE_VERSION);
    if (*cfg->export_ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, cfg->export_ca_file);
    if ((cc = curl_easy_perform(c)) != CURLE_OK)
        lw_error_set(err, "%s: %s", url, curl_easy_strerror(cc));
    else
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    g_free(hdr_auth);
    g_free(hdr_type);
    g_free(hdr_acc);
    *answer = a.body;
    return status;
}

/* refused - fill err with the status and the start of the answer */
static int refused(struct lw_error *err, const char *what, const char *url, long status, const GString *answer)
{
    char *start = g_strndup(answer->str, MIN(answer->len, 200));

    for (char *p = start; *p; p++)
        if ((unsigned char) *p < ' ')
            *p = ' ';
    lw_error_set(err, "%s push refused by %s: HTTP %ld %s", what, url, status, start);
    g_free(start);
    return -1;
}

int lw_push_taxii(const struct lw_config *cfg, const char *bundle, struct lw_error *err)
{
    char *key = read_key(cfg->export_taxii_key_file, err), *auth, *env;
    GString *answer;
    long status;
    int rc = 0;

    if (key == NULL)
        return fail(err, "TAXII push");
    auth = g_strconcat("Bearer ", key, NULL);
    env = lw_export_stix_envelope(bundle);
    status = post(cfg, cfg->export_taxii_url, auth, "application/taxii+json;version=2.1", env, &answer, err);
    if (status == 0)
        rc = fail(err, "TAXII push failed");
    else if (status < 200 || status >= 300)
        rc = refused(err, "TAXII", cfg->export_taxii_url, status, answer);
    g_string_free(answer, TRUE);
    g_free(env);
    g_free(auth);
    g_free(key);
    return rc;
}

int lw_push_misp(const struct lw_config *cfg, const char *event, const char *uuid, struct lw_error *err)
{
    char *key = read_key(cfg->export_misp_key_file, err), *base, *url;
    GString *answer;
    long status;
    int rc = 0;

    if (key == NULL)
        return fail(err, "MISP push");
    base = g_strdup(cfg->export_misp_url);
    while (*base && base[strlen(base) - 1] == '/')
        base[strlen(base) - 1] = '\0';
    url = g_strconcat(base, "/events/add", NULL);
    status = post(cfg, url, key, "application/json", event, &answer, err);
    if (status == 403 && strstr(answer->str, "already exists")) {
        g_free(url);
        g_string_free(answer, TRUE);
        url = g_strconcat(base, "/events/edit/", uuid, NULL);
        status = post(cfg, url, key, "application/json", event, &answer, err);
    }
    if (status >= 200 && status < 300) {
        g_free(url);
        g_string_free(answer, TRUE);
        url = g_strconcat(base, "/events/publish/", uuid, NULL);
        status = post(cfg, url, key, "application/json", "{}", &answer, err);
    }
    if (status == 0)
        rc = fail(err, "MISP push failed");
    else if (status < 200 || status >= 300)
        rc = refused(err, "MISP", url, status, answer);
    g_string_free(answer, TRUE);
    g_free(url);
    g_free(base);
    g_free(key);
    return rc;
}
