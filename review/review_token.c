/*
 * review_token.c - signed, expiring, single-use review links
 *
 * DESCRIPTION
 *     A token is PAYLOAD "." MAC, both base64url without padding (RFC 4648
 *     section 5: safe in a URL and in a form). PAYLOAD is the lines
 *
 *         lw1 / ACTION / RELAY / QUEUEID / REVIEWER / EXPIRES
 *
 *     joined with "\n"; MAC is HMAC-SHA-256 over PAYLOAD with the key of
 *     review_key_file. Nothing in the token is secret; it cannot be made or
 *     changed without the key. A form's CSRF value is HMAC-SHA-256 over
 *     "csrf\n" and the token (or the reviewer a trusted proxy named), so a
 *     POST proves that its sender read the confirmation page.
 *
 *     Single use: the SHA-256 of a used token is a file in the used-token
 *     directory (review_state_dir/used-tokens, root's, not the milter
 *     user's quarantine_dir), created with O_EXCL (two clicks at once: one
 *     wins) and holding the token's expiry, after which
 *     lw_review_tokens_prune removes it (an expired token is refused
 *     anyway). The directory is opened one component at a time without
 *     following a symbolic link (util/safedir.c).
 *
 * SECURITY
 *     MACs and CSRF values are compared with CRYPTO_memcmp (constant time).
 *     The key file is refused unless it is a regular file that only its
 *     owner can read; it is opened with O_NOFOLLOW.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <glib/gstdio.h>

#include "util/safedir.h"
#include "review/review_token.h"

#define KEY_MIN 32
#define KEY_MAX 4096
#define FIELD_MAX 320
#define MAC_LEN 32

struct lw_review_key {
    guint8 *bytes;
    gsize len;
};

void lw_review_claim_clear(struct lw_review_claim *c)
{
    g_free(c->action);
    g_free(c->relay);
    g_free(c->queue_id);
    g_free(c->reviewer);
    memset(c, 0, sizeof(*c));
}

/* ---- the key ---- */

struct lw_review_key *lw_review_key_load(const char *path, struct lw_error *err)
{
    struct lw_review_key *k;
    struct stat st;
    guint8 buf[KEY_MAX + 1];
    ssize_t n;
    int fd;

    if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        lw_error_set(err, "review_key_file %s: %s", path, g_strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
        lw_error_set(err, "review_key_file %s: must be a regular file only its owner can read (chmod 600)", path);
        close(fd);
        return NULL;
    }
    n = read(fd, buf, sizeof(buf));
    close(fd);
    if (n < KEY_MIN || n > KEY_MAX) {
        lw_error_set(err, "review_key_file %s: want %d to %d bytes of secret (head -c 32 /dev/urandom)",
                     path, KEY_MIN, KEY_MAX);
        return NULL;
    }
    k = g_new0(struct lw_review_key, 1);
    k->bytes = g_memdup2(buf, (gsize) n);
    k->len = (gsize) n;
    OPENSSL_cleanse(buf, sizeof(buf));
    return k;
}

void lw_review_key_free(struct lw_review_key *k)
{
    if (k == NULL)
        return;
    OPENSSL_cleanse(k->bytes, k->len);
    g_free(k->bytes);
    g_free(k);
}

/* ---- encoding ---- */

/* b64url - base64url without padding (g_free) */
static char *b64url(const guint8 *data, gsize len)
{
    char *s = g_base64_encode(data, len), *p;

    for (p = s; *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    while (p > s && p[-1] == '=')
        *--p = '\0';
    return s;
}

/* unb64url - the bytes of a base64url text, or NULL when it is not one (g_free) */
static guint8 *unb64url(const char *s, size_t n, gsize *len)
{
    GString *t;
    guint8 *out;

    if (n == 0 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") < n || n % 4 == 1)
        return NULL;
    t = g_string_new_len(s, (gssize) n);
    for (gsize i = 0; i < t->len; i++)
        t->str[i] = t->str[i] == '-' ? '+' : t->str[i] == '_' ? '/' : t->str[i];
    while (t->len % 4)
        g_string_append_c(t, '=');
    out = g_base64_decode(t->str, len);
    g_string_free(t, TRUE);
    return out;
}

/* mac - HMAC-SHA-256 of "label" + data under k, into out[MAC_LEN] */
static void mac(const struct lw_review_key *k, const char *label, const void *data, gsize len,
                guint8 out[MAC_LEN])
{
    GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, k->bytes, k->len);
    gsize n = MAC_LEN;

    g_hmac_update(h, (const guchar *) label, (gssize) strlen(label));
    g_hmac_update(h, data, (gssize) len);
    g_hmac_get_digest(h, out, &n);
    g_hmac_unref(h);
}

static int field_ok(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > FIELD_MAX)
        return 0;
    for (; *s; s++)
        if ((unsigned char) *s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

/* ---- tokens ---- */

char *lw_review_token_make(const struct lw_review_key *k, const struct lw_review_claim *c)
{
    char *payload, *p64, *m64, *token;
    guint8 m[MAC_LEN];

    if (!field_ok(c->action) || !field_ok(c->relay) || !field_ok(c->queue_id) || !field_ok(c->reviewer))
        return NULL;
    payload = g_strdup_printf("lw1\n%s\n%s\n%s\n%s\n%" G_GINT64_FORMAT, c->action, c->relay, c->queue_id,
                              c->reviewer, c->expires);
    mac(k, "token\n", payload, strlen(payload), m);
    p64 = b64url((const guint8 *) payload, strlen(payload));
    m64 = b64url(m, sizeof(m));
    token = g_strdup_printf("%s.%s", p64, m64);
    g_free(payload);
    g_free(p64);
    g_free(m64);
    return token;
}

/* claim_parse - the fields of a payload whose MAC was checked; -1 if malformed */
static int claim_parse(const char *payload, struct lw_review_claim *c)
{
    gchar **f = g_strsplit(payload, "\n", -1);
    char *end;
    int ok = g_strv_length(f) == 6 && strcmp(f[0], "lw1") == 0;

    if (ok) {
        c->action = g_strdup(f[1]);
        c->relay = g_strdup(f[2]);
        c->queue_id = g_strdup(f[3]);
        c->reviewer = g_strdup(f[4]);
        errno = 0;
        c->expires = g_ascii_strtoll(f[5], &end, 10);
        ok = errno == 0 && *end == '\0' && end != f[5];
    }
    g_strfreev(f);
    if (!ok)
        lw_review_claim_clear(c);
    return ok ? 0 : -1;
}

/* token_verify - the payload (NUL-terminated) of a token whose MAC is right, or NULL with err (g_free) */
static char *token_verify(const struct lw_review_key *k, const char *token, struct lw_error *err)
{
    const char *dot = token ? strchr(token, '.') : NULL;
    guint8 *payload = NULL, *given = NULL, want[MAC_LEN];
    gsize plen = 0, glen = 0;

    if (dot == NULL || strlen(token) > 8 * FIELD_MAX
        || (payload = unb64url(token, (size_t) (dot - token), &plen)) == NULL
        || (given = unb64url(dot + 1, strlen(dot + 1), &glen)) == NULL || glen != MAC_LEN) {
        lw_error_set(err, "not a review token");
    } else {
        mac(k, "token\n", payload, plen, want);
        if (CRYPTO_memcmp(want, given, MAC_LEN) != 0)
            lw_error_set(err, "the token's signature is wrong");
        else if (memchr(payload, '\0', plen) != NULL)
            lw_error_set(err, "not a review token");
        else {
            g_free(given);
            payload = g_realloc(payload, plen + 1);
            payload[plen] = '\0';
            return (char *) payload;
        }
    }
    g_free(payload);
    g_free(given);
    return NULL;
}

int lw_review_token_check(const struct lw_review_key *k, const char *token, gint64 now,
                          struct lw_review_claim *c, struct lw_error *err)
{
    char *payload = token_verify(k, token, err);
    int rc = -1;

    memset(c, 0, sizeof(*c));
    if (payload == NULL)
        return -1;
    if (claim_parse(payload, c) < 0) {
        lw_error_set(err, "not a review token");
    } else if (c->expires <= now) {
        lw_error_set(err, "the token expired");
        lw_review_claim_clear(c);
    } else {
        rc = 0;
    }
    g_free(payload);
    return rc;
}

/* ---- links ---- */

const char *lw_review_relay(const struct lw_config *cfg)
{
    return *cfg->instance_name ? cfg->instance_name : g_get_host_name();
}

char *lw_review_link(const struct lw_config *cfg, const struct lw_review_key *k, const char *action,
                     const char *queue_id, const char *reviewer, gint64 now)
{
    int view = strcmp(action, LW_REVIEW_VIEW) == 0;
    struct lw_review_claim c = { (char *) action, (char *) lw_review_relay(cfg), (char *) (view ? "-" : queue_id),
                                 (char *) reviewer, now + cfg->review_token_ttl };
    const char *base = cfg->review_base_url;
    size_t n = strlen(base);
    char *token, *url;

    if (n == 0 || k == NULL || (token = lw_review_token_make(k, &c)) == NULL)
        return NULL;
    while (n > 0 && base[n - 1] == '/')
        n--;
    url = g_strdup_printf("%.*s/%s?t=%s", (int) n, base, view ? "r" : "a", token);
    g_free(token);
    return url;
}

/* ---- forms ---- */

char *lw_review_csrf(const struct lw_review_key *k, const char *bound_to)
{
    guint8 m[MAC_LEN];
    GString *hex = g_string_new(NULL);

    mac(k, "csrf\n", bound_to, strlen(bound_to), m);
    for (size_t i = 0; i < sizeof(m); i++)
        g_string_append_printf(hex, "%02x", m[i]);
    return g_string_free(hex, FALSE);
}

int lw_review_csrf_ok(const struct lw_review_key *k, const char *bound_to, const char *csrf)
{
    char *want = lw_review_csrf(k, bound_to);
    int ok = csrf && strlen(csrf) == strlen(want) && CRYPTO_memcmp(want, csrf, strlen(want)) == 0;

    g_free(want);
    return ok;
}

/* ---- single use ---- */

/* used_name - the record's name: the token's SHA-256 in hex (g_free) */
static char *used_name(const char *token)
{
    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, token, -1);
}

int lw_review_token_claim(const char *dir, const char *token, gint64 expires, struct lw_error *err)
{
    char *name, *text;
    int dfd, fd, rc = 1;

    if ((dfd = lw_dir_open_path(dir, 0700, 1, err)) < 0)
        return -1;
    name = used_name(token);
    if ((fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
        rc = errno == EEXIST ? 0 : lw_error_set(err, "%s/%s: %s", dir, name, g_strerror(errno));
    } else {
        text = g_strdup_printf("%" G_GINT64_FORMAT "\n", expires);
        if (write(fd, text, strlen(text)) != (ssize_t) strlen(text) || fsync(fd) < 0) {
            rc = lw_error_set(err, "%s/%s: %s", dir, name, g_strerror(errno));
            unlinkat(dfd, name, 0);
        }
        close(fd);
        g_free(text);
    }
    close(dfd);
    g_free(name);
    return rc;
}

void lw_review_token_unclaim(const char *dir, const char *token)
{
    char *name = used_name(token);
    int dfd = lw_dir_open_path(dir, 0700, 0, NULL);

    if (dfd >= 0) {
        unlinkat(dfd, name, 0);
        close(dfd);
    }
    g_free(name);
}

int lw_review_token_used(const char *dir, const char *token)
{
    char *name = used_name(token);
    int dfd = lw_dir_open_path(dir, 0700, 0, NULL), used = 0;
    struct stat st;

    if (dfd >= 0) {
        used = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
        close(dfd);
    }
    g_free(name);
    return used;
}

/* expiry_of - the expiry a used-token record holds, or 0 when it cannot be read */
static gint64 expiry_of(int dfd, const char *name)
{
    char buf[32];
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return g_ascii_strtoll(buf, NULL, 10);
}

void lw_review_tokens_prune(const char *dir, gint64 now)
{
    int dfd = lw_dir_open_path(dir, 0700, 0, NULL);
    GDir *d = dfd >= 0 ? g_dir_open(dir, 0, NULL) : NULL;
    const char *name;

    while (d && (name = g_dir_read_name(d)) != NULL)
        if (strlen(name) == 64 && expiry_of(dfd, name) < now)
            unlinkat(dfd, name, 0);
    if (d)
        g_dir_close(d);
    if (dfd >= 0)
        close(dfd);
}
