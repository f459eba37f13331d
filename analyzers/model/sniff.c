/*
 * sniff.c - recognize file types by magic bytes
 *
 * Attackers choose the name and the declared Content-Type of an attachment;
 * they cannot choose what a program opening it will see. lw_sniff() looks
 * at the first bytes only (no libmagic: its database is large, its handles
 * are not thread-safe, and a filter needs a few dozen types it can name
 * exactly). The table lists each signature with its offset; the first match
 * wins, so more specific signatures come first (OOXML before ZIP).
 *
 * Thread-safe: the table is constant.
 */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "model/sniff.h"

struct magic {
    size_t offset;
    const char *bytes;
    size_t len;
    const char *type;
};

#define M(off, lit, type) { off, lit, sizeof(lit) - 1, type }

static const struct magic magics[] = {
    M(0, "MZ", "application/x-dosexec"),
    M(0, "\x7f" "ELF", "application/x-executable"),
    M(0, "\xfe\xed\xfa\xce", "application/x-mach-binary"),
    M(0, "\xfe\xed\xfa\xcf", "application/x-mach-binary"),
    M(0, "\xce\xfa\xed\xfe", "application/x-mach-binary"),
    M(0, "\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    M(0, "\xca\xfe\xba\xbe", "application/x-mach-binary"),
    M(0, "%PDF-", "application/pdf"),
    M(0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    M(0, "PK\x03\x04", "application/zip"),
    M(0, "PK\x05\x06", "application/zip"),
    M(0, "Rar!\x1a\x07", "application/vnd.rar"),
    M(0, "7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    M(0, "\x1f\x8b", "application/gzip"),
    M(0, "BZh", "application/x-bzip2"),
    M(0, "\xfd" "7zXZ\x00", "application/x-xz"),
    M(257, "ustar", "application/x-tar"),
    M(0x8001, "CD001", "application/x-iso9660-image"),
    M(0x8801, "CD001", "application/x-iso9660-image"),
    M(0x9001, "CD001", "application/x-iso9660-image"),
    M(0, "conectix", "application/x-vhd"),
    M(0, "vhdxfile", "application/x-vhdx"),
    M(0, "L\x00\x00\x00\x01\x14\x02\x00", "application/x-ms-shortcut"),
    M(0, "\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d", "application/onenote"),
    M(0, "{\\rtf", "application/rtf"),
    M(0, "\x89PNG\r\n\x1a\n", "image/png"),
    M(0, "\xff\xd8\xff", "image/jpeg"),
    M(0, "GIF87a", "image/gif"),
    M(0, "GIF89a", "image/gif"),
    M(0, "MSCF", "application/vnd.ms-cab-compressed"),
    M(0, "#!", "text/x-shellscript"),
};

/* sniff_zip - tell OOXML, ODF and JAR from a plain ZIP by the first member name */
static const char *sniff_zip(const unsigned char *data, size_t len)
{
    size_t name_len;
    const char *name;

    if (len < 30)
        return "application/zip";
    name_len = data[26] | (data[27] << 8);
    name = (const char *) data + 30;
    if (30 + name_len > len)
        return "application/zip";
    if ((name_len == 19 && memcmp(name, "[Content_Types].xml", 19) == 0)
        || (name_len > 5 && (memcmp(name, "word/", 5) == 0 || memcmp(name, "xl/", 3) == 0
                             || memcmp(name, "ppt/", 4) == 0 || memcmp(name, "_rels/", 6) == 0)))
        return "application/vnd.openxmlformats-officedocument";
    if (name_len == 8 && memcmp(name, "mimetype", 8) == 0)
        return "application/vnd.oasis.opendocument";
    if (name_len >= 9 && memcmp(name, "META-INF/", 9) == 0)
        return "application/java-archive";
    return "application/zip";
}

/* looks_like_html - markup near the start, after optional BOM and white space */
static int looks_like_html(const unsigned char *data, size_t len)
{
    static const char *const starts[] = {
        "<!doctype html", "<html", "<head", "<body", "<script", "<svg", "<form",
        "<meta", "<iframe", "<title", "<div", "<table", "<p>", "<a ", "<!--",
    };
    size_t i = 0, n = len < 1024 ? len : 1024;

    if (n >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < n && g_ascii_isspace(data[i]))
        i++;
    for (size_t k = 0; k < G_N_ELEMENTS(starts); k++) {
        size_t sl = strlen(starts[k]);

        if (n - i >= sl && g_ascii_strncasecmp((const char *) data + i, starts[k], sl) == 0)
            return 1;
    }
    return 0;
}

/* looks_like_text - valid UTF-8, or at most 5% control bytes in the first 4 KB */
static int looks_like_text(const unsigned char *data, size_t len)
{
    size_t n = len < 4096 ? len : 4096, bad = 0;

    if (g_utf8_validate((const char *) data, (gssize) n, NULL))
        return memchr(data, 0, n) == NULL;
    for (size_t i = 0; i < n; i++)
        if ((data[i] < 0x20 && !g_ascii_isspace(data[i])) || data[i] == 0x7f)
            bad++;
    return bad * 20 <= n;
}

const char *lw_sniff(const unsigned char *data, size_t len)
{
    for (size_t i = 0; i < G_N_ELEMENTS(magics); i++) {
        const struct magic *m = &magics[i];

        if (len >= m->offset + m->len && memcmp(data + m->offset, m->bytes, m->len) == 0)
            return strcmp(m->type, "application/zip") == 0 ? sniff_zip(data, len) : m->type;
    }
    if (len == 0)
        return "application/x-empty";
    if (looks_like_html(data, len))
        return "text/html";
    if (looks_like_text(data, len))
        return "text/plain";
    return "application/octet-stream";
}

int lw_sniff_is_executable(const char *type)
{
    return strcmp(type, "application/x-dosexec") == 0
        || strcmp(type, "application/x-executable") == 0
        || strcmp(type, "application/x-mach-binary") == 0;
}
