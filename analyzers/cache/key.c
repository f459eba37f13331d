/*
 * key.c - the verdict cache key of a message, from its raw bytes before parsing
 *
 * Copies of one message differ in what the relays on the way add and in
 * what names each recipient: a copy resent, relayed by another MX or sent
 * to another mailbox must find the verdict of the first, and the key must
 * be cheap enough to look up before the message is parsed. So the key is
 * the SHA-256 of the header fields as written except those left out
 * (lw_key_left_out), the SHA-256 of the body bytes (the milter sums them
 * as they arrive), and a projection: what the analyzers whose verdict is
 * cached read of the fields left out (the analyzers' key hooks and the
 * header's own limits and warnings, engine.c). A field is either in the
 * key as written or read by no cached analyzer except through the
 * projection, so two messages that any cached analyzer could tell apart
 * never share a key: a clean message cannot lend its verdict to a
 * malicious one (t/t4000-redis-cache.sh).
 */
#include "config.h"

#include <string.h>

#include "cache/key.h"

/*
 * The fields left out: those relays add on the way (trace fields,
 * authentication stamps and signatures, lurewatch's own verdict fields)
 * and those that differ per recipient or per copy. The headers analyzer,
 * which reads most of them, is not cached: it runs on every message.
 */
static const char *const left_out[] = {
    "Received", "X-Received", "Delivered-To", "X-Original-To", "Return-Path",
    "To", "Cc", "Bcc", "Date", "Message-ID",
    "DKIM-Signature", "X-Google-DKIM-Signature", "ARC-Seal", "ARC-Message-Signature",
    "ARC-Authentication-Results", "Authentication-Results", "Received-SPF",
    "X-Google-Smtp-Source", "X-Gm-Message-State",
    "X-Lurewatch-Verdict", "X-Lurewatch-Score", "X-Lurewatch-Hits", NULL,
};

int lw_key_left_out(const char *name, size_t len)
{
    for (int i = 0; left_out[i]; i++)
        if (strlen(left_out[i]) == len && g_ascii_strncasecmp(name, left_out[i], len) == 0)
            return 1;
    return 0;
}

/* field_end - the end of the field starting at p: past its last folded line */
static const char *field_end(const char *p, const char *end)
{
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));

        if (nl == NULL)
            return end;
        p = nl + 1;
        if (p >= end || (*p != ' ' && *p != '\t'))
            return p;
    }
}

char *lw_key(const char *raw, size_t header_len, const char *body_sha256, const GString *projection)
{
    struct lw_sha256 *h = lw_sha256_new();
    const char *p = raw, *end = raw + header_len;

    while (p < end) {
        const char *e = field_end(p, end);
        const char *colon = memchr(p, ':', (size_t) (e - p));

        /* a line without a colon (not a field) is kept too: it is in the key as written */
        if (colon == NULL || !lw_key_left_out(p, (size_t) (colon - p)))
            lw_sha256_update(h, p, (size_t) (e - p));
        p = e;
    }
    lw_sha256_update(h, "\nbody:", 6);
    lw_sha256_update(h, body_sha256, strlen(body_sha256));
    lw_sha256_update(h, "\nread:", 6);
    if (projection != NULL)
        lw_sha256_update(h, projection->str, projection->len);
    return lw_sha256_end(h);
}

void lw_key_add(GString *out, const char *label, const char *value)
{
    if (value == NULL)
        g_string_append_printf(out, "%s:-\n", label);
    else
        g_string_append_printf(out, "%s:%zu:%s\n", label, strlen(value), value);
}
