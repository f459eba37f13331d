/*
 * attachments.c - analyzer: what the files of a message are, and what libclamav says of them
 *
 * DESCRIPTION
 *     Every leaf part of the message (decoded) is scanned from memory by the
 *     engine's one libclamav engine (clamav_engine.c, with clamav = yes),
 *     which unpacks archives and documents itself and reports what it meets
 *     (struct lw_clam_events). Its matches and limits become hits of the
 *     analyzer "clamav":
 *
 *       LW_ATT_CLAMAV_SIGNATURE  a signature matched (malware-name indicator)
 *       LW_ATT_YARA_HEURISTIC    one of lurewatch's own technique YARA rules
 *                                (names Lurewatch_Heur_*, contrib/signatures)
 *       LW_ATT_CLAMAV_HEURISTIC  another Heuristics.* alert of libclamav
 *       LW_ATT_SCAN_INCOMPLETE   a limit stopped the scan ("scan incomplete:
 *                                clamav_max_filesize"), one hit per limit
 *
 *     and the file-type policy, needing no signatures (it runs with
 *     clamav = no too, then on the parts alone), hits of "attachments",
 *     each with its own rule id and score:
 *
 *       LW_ATT_OFFICE_MACRO      OLE2 VBA project or OOXML vbaProject.bin
 *       LW_ATT_ENCRYPTED_ARCHIVE an archive the filter cannot look into
 *       LW_ATT_ENCRYPTED_ARCHIVE_PASSWORD  ... (or encrypted document) and
 *                                its password is in the mail text
 *                                ("password: 1234", 密碼：1234); ZipCrypto
 *                                candidates are verified against the
 *                                archive's encryption header, and what a
 *                                verified password opens is scanned too
 *                                (zipcrypto.c)
 *       LW_ATT_ENCRYPTED_DOCUMENT an encrypted PDF or Office file (OOXML
 *                                EncryptedPackage; legacy RC4 .doc is not
 *                                recognized)
 *       LW_ATT_EXECUTABLE        PE, ELF or Mach-O anywhere in the tree, or
 *                                an executable extension (.xll: an Excel
 *                                add-in, a DLL that Excel loads and runs)
 *       LW_ATT_SCRIPT            .js .jse .vbs .vbe .wsf .wsh .hta .ps1 .bat
 *                                .cmd .scr .cpl .jar ...
 *       LW_ATT_DISK_IMAGE        .iso .img .vhd .vhdx (used to escape MOTW)
 *       LW_ATT_SHORTCUT          .lnk .url .library-ms .searchConnector-ms
 *                                .search-ms .settingcontent-ms .appref-ms:
 *                                Windows files that open a remote folder,
 *                                run a command or a ClickOnce application
 *       LW_ATT_ONENOTE           .one (embedded-script lures since 2023)
 *       LW_ATT_HTML_PASSWORD_FORM, LW_ATT_HTML_FORM, LW_ATT_HTML_SCRIPT,
 *       LW_ATT_HTML_SMUGGLING,   HTML/SVG attachments that harvest
 *       LW_ATT_HTML_REDIRECT     credentials, assemble a download locally,
 *                                or send the browser to a phishing site
 *                                (meta refresh, script or event handler
 *                                navigation, a frame showing a remote page)
 *       LW_ATT_DOUBLE_EXTENSION  invoice.pdf.exe
 *       LW_ATT_NAME_BIDI         Unicode bidi controls (RTLO) in a name
 *       LW_ATT_NAME_PADDING      runs of spaces pushing the real extension
 *                                out of view
 *       LW_ATT_NAME_INVISIBLE    zero-width and other invisible characters
 *                                that split words a name filter looks for
 *       LW_ATT_TYPE_MISMATCH     extension or declared type disagrees with
 *                                the content
 *
 *     Names and contents inside archives count too: libclamav reports
 *     each unpacked file with its name and bytes. One hit per rule (and per limit or signature name) per message;
 *     every further file that triggers it adds its indicators: SHA-256, MD5,
 *     SHA-1 and file name of each flagged attachment or embedded file.
 *
 *     All parts are scanned, text bodies included: they are small (bounded
 *     by max_message_size), ClamAV normalizes HTML bodies for signatures,
 *     and "text/plain" is only what the sender declared. Only
 *     message/rfc822 containers are skipped, since their leaves are parts of
 *     their own. A message GMime could not parse is scanned raw.
 *
 *     A part whose bytes were scanned clean before under the same signature
 *     version (the engine's attachment cache, shared through Redis when
 *     configured) is not given to libclamav again; see scan_part().
 *
 * THREADS
 *     The state is read-only after init; per-message scratch is the struct
 *     scan on the stack, passed to libclamav's callbacks as the scan context.
 */
#define _GNU_SOURCE 1  /* memmem */
#include "config.h"

#include <string.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "analyzer.h"
#include "cache/cache.h"
#include "clamav_engine.h"
#include "model/html.h"
#include "util/log.h"
#include "model/sniff.h"
#include "model/zipcrypto.h"
#include "util/unicode.h"

#define ANALYZER "attachments"
#define ANALYZER_CLAMAV "clamav"     /* the hits of what libclamav matched or could not finish */
#define MAX_EMBEDDED 1000           /* embedded files examined per message */
#define MAX_ENCRYPTED 8             /* encrypted zips kept for password trials */
#define MAX_CANDIDATES 16           /* password candidates tried */
#define MAX_ZIP_COPY (16 * 1024 * 1024)   /* embedded encrypted zips copied per message */

struct rule_info {
    const char *id;
    double score;               /* -1: limit_score */
    const char *description;
};

static const struct rule_info rule_table[] = {
    { "LW_ATT_CLAMAV_SIGNATURE", 20, "A ClamAV signature matched an attachment" },
    { "LW_ATT_YARA_HEURISTIC", 6, "A lurewatch technique rule (YARA) matched an attachment" },
    { "LW_ATT_CLAMAV_HEURISTIC", 3, "ClamAV's heuristics flagged an attachment" },
    { "LW_ATT_SCAN_INCOMPLETE", -1, "scan incomplete" },    /* score: limit_score */
    { "LW_ATT_OFFICE_MACRO", 4,
      "Office document with a VBA macro project; macros are the classic first stage" },
    { "LW_ATT_ENCRYPTED_ARCHIVE", 4,
      "Encrypted archive: its content cannot be scanned, a common way to slip malware past filters" },
    { "LW_ATT_ENCRYPTED_ARCHIVE_PASSWORD", 8,
      "Encrypted archive or document whose password is given in the mail text: the classic evasion lure" },
    { "LW_ATT_ENCRYPTED_DOCUMENT", 2, "Encrypted document: its content cannot be scanned" },
    { "LW_ATT_EXECUTABLE", 8, "Executable program (PE, ELF or Mach-O, or an executable extension)" },
    { "LW_ATT_SCRIPT", 7, "Script file that Windows runs on a double click" },
    { "LW_ATT_DISK_IMAGE", 5,
      "Disk image attachment; images are mounted without the mark-of-the-web" },
    { "LW_ATT_SHORTCUT", 7, "Shortcut file (.lnk/.url/.library-ms) that can launch commands" },
    { "LW_ATT_ONENOTE", 5, "OneNote notebook attachment, used to embed clickable scripts" },
    { "LW_ATT_HTML_PASSWORD_FORM", 7,
      "HTML attachment with a password field: a local credential-harvesting page" },
    { "LW_ATT_HTML_FORM", 3, "HTML attachment with a form that submits data" },
    { "LW_ATT_HTML_SCRIPT", 2, "HTML attachment with script" },
    { "LW_ATT_HTML_REDIRECT", 5,
      "HTML attachment that sends the browser elsewhere (meta refresh, script navigation or a frame):"
      " a link the filter never saw as a link" },
    { "LW_ATT_HTML_SMUGGLING", 8,
      "HTML attachment that builds a download in the browser (data:/blob: HTML smuggling)" },
    { "LW_ATT_DOUBLE_EXTENSION", 6,
      "File name with a decoy document extension before an executable one, like invoice.pdf.exe" },
    { "LW_ATT_NAME_BIDI", 8,
      "File name with Unicode bidirectional controls (RTLO) that reverse the visible extension" },
    { "LW_ATT_NAME_PADDING", 5, "File name padded with spaces to push the real extension out of view" },
    { "LW_ATT_NAME_INVISIBLE", 3,
      "File name with invisible characters (zero-width, joiners, soft hyphen) that defeat name filters" },
    { "LW_ATT_TYPE_MISMATCH", 4, "The extension or declared type disagrees with the content" },
};

static const char *const exe_exts[] = {
    "exe", "dll", "xll", "com", "pif", "msi", "msp", "msix", "appx", "sys", "elf", NULL
};
static const char *const script_exts[] = {
    "js", "jse", "vbs", "vbe", "wsf", "wsh", "wsc", "hta", "ps1", "psm1", "bat", "cmd", "scr",
    "cpl", "jar", "reg", "msc", "sct", "chm", NULL
};
static const char *const image_exts[] = { "iso", "img", "vhd", "vhdx", "udf", NULL };
static const char *const shortcut_exts[] = {
    "lnk", "url", "library-ms", "searchconnector-ms", "search-ms", "settingcontent-ms", "appref-ms", "scf", NULL
};
static const char *const onenote_exts[] = { "one", "onepkg", NULL };
static const char *const html_exts[] = { "htm", "html", "shtml", "shtm", "xhtml", "svg", "mht", "mhtml", NULL };
static const char *const decoy_exts[] = {
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "rtf", "jpg", "jpeg", "png", "gif",
    "bmp", "tif", "tiff", "csv", "odt", "ods", "zip", "rar", "7z", "mp3", "mp4", "wav", "avi",
    "htm", "html", "xml", "eml", "msg", NULL
};

/*
 * extension -> acceptable sniffed types (prefix match), for LW_ATT_TYPE_MISMATCH.
 * A password-protected OOXML file is an OLE2 container (MS-OFFCRYPTO).
 * A raster picture in another raster format's name (a PNG pasted as
 * "blob.jpg") disguises nothing: viewers sniff and show it. SVG, which can
 * carry script, is not among them.
 */
#define RASTER "image/png", "image/jpeg", "image/gif"

struct ext_type {
    const char *ext;
    const char *types[4];
};

static const struct ext_type ext_types[] = {
    { "pdf", { "application/pdf" } },
    { "doc", { "application/x-ole-storage", "application/rtf", "application/vnd.openxml" } },
    { "xls", { "application/x-ole-storage", "application/vnd.openxml" } },
    { "ppt", { "application/x-ole-storage", "application/vnd.openxml" } },
    { "docx", { "application/vnd.openxml", "application/zip", "application/x-ole-storage" } },
    { "xlsx", { "application/vnd.openxml", "application/zip", "application/x-ole-storage" } },
    { "pptx", { "application/vnd.openxml", "application/zip", "application/x-ole-storage" } },
    { "zip", { "application/zip", "application/vnd.openxml", "application/java-archive",
               "application/vnd.oasis" } },
    { "rar", { "application/vnd.rar" } },
    { "7z", { "application/x-7z-compressed" } },
    { "gz", { "application/gzip" } },
    { "png", { RASTER } },
    { "jpg", { RASTER } },
    { "jpeg", { RASTER } },
    { "gif", { RASTER } },
    { "rtf", { "application/rtf" } },
};

/* declared Content-Type -> acceptable sniffed types */
static const struct ext_type declared_types[] = {
    { "application/pdf", { "application/pdf" } },
    { "image/png", { RASTER } },
    { "image/jpeg", { RASTER } },
    { "image/jpg", { RASTER } },
    { "image/gif", { RASTER } },
    { "application/msword", { "application/x-ole-storage", "application/rtf", "application/vnd.openxml" } },
    { "application/vnd.ms-excel", { "application/x-ole-storage", "application/vnd.openxml" } },
};

struct clam_state {
    struct lw_clam *clam;
    const struct lw_config *cfg;        /* borrowed: the engine owns it */
    pcre2_code *password_re;        /* read-only, shared; match data is per call */
};

struct encrypted_zip {
    char *where;
    GBytes *zip;
};

/* per-message scratch: the scan context handed to libclamav's callbacks */
struct scan {
    const struct clam_state *st;
    const struct lw_message *msg;
    struct lw_verdict *v;
    struct lw_cache_session *cache;     /* the message's cache round trip, or NULL */
    GHashTable *hits;                   /* key (rule or rule/detail) -> struct lw_hit* (borrowed) */
    GHashTable *flagged;                /* "key\nsha256" already given indicators */
    GPtrArray *encrypted;               /* struct encrypted_zip */
    int saw_encrypted_archive;
    int saw_encrypted_document;
    unsigned embedded;
    size_t copied;                      /* bytes of embedded encrypted zips kept */
    unsigned findings;                  /* findings so far: did a part's scan add any? */
    unsigned long long pixels;          /* what is left of clamav_max_message_pixels */
    /* the part being scanned */
    const char *label;
    const char *name;
    const unsigned char *data;
    size_t len;
    const char *data_sha256;            /* hex SHA-256 of data when already known (a part's), or NULL */
    /* hashes of the file last flagged; valid only while that buffer is (hashes_forget) */
    struct {
        const unsigned char *data;
        size_t len;
        char sha256[65], md5[33], sha1[41];
    } hashes;
};

static int scan_bytes(struct scan *s, const char *name, struct lw_error *err);

/* rule_analyzer - the analyzer a hit of the rule is reported by */
static const char *rule_analyzer(const char *id)
{
    static const char *const from_clamav[] = {
        "LW_ATT_CLAMAV_SIGNATURE", "LW_ATT_YARA_HEURISTIC", "LW_ATT_CLAMAV_HEURISTIC",
        "LW_ATT_SCAN_INCOMPLETE", NULL
    };

    for (size_t i = 0; from_clamav[i]; i++)
        if (strcmp(id, from_clamav[i]) == 0)
            return ANALYZER_CLAMAV;
    return ANALYZER;
}

/* rule_find - the table row of a rule id (always present: ids are literals here) */
static const struct rule_info *rule_find(const char *id)
{
    for (size_t i = 0; i < G_N_ELEMENTS(rule_table); i++)
        if (strcmp(rule_table[i].id, id) == 0)
            return &rule_table[i];
    return NULL;
}

/* in_list - is s (may be NULL) one of the NULL-terminated list? */
static int in_list(const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

/* hashes_forget - the buffer the cached hashes belong to is about to change or go away */
static void hashes_forget(struct scan *s)
{
    s->hashes.data = NULL;
}

/*
 * file_hashes - SHA-256, MD5 and SHA-1 of a buffer, computed once while it
 * stays current. libclamav's cl_hash_data (OpenSSL) is used rather than
 * GChecksum: SHA-256 measured 935 MB/s against 196 MB/s on this machine.
 */
static void file_hashes(struct scan *s, const unsigned char *data, size_t len)
{
    const struct { const char *alg; char *out; } sums[] = {
        { "sha256", s->hashes.sha256 }, { "md5", s->hashes.md5 }, { "sha1", s->hashes.sha1 },
    };

    size_t first = 0;

    if (s->hashes.data == data && s->hashes.len == len && data != NULL)
        return;
    if (data != NULL && data == s->data && len == s->len && s->data_sha256 != NULL) {
        g_strlcpy(s->hashes.sha256, s->data_sha256, sizeof(s->hashes.sha256));
        first = 1;              /* the parser hashed this part already */
    }
    for (size_t i = first; i < G_N_ELEMENTS(sums); i++) {
        unsigned char bin[32];
        unsigned int n = 0;

        sums[i].out[0] = '\0';
        if (cl_hash_data(sums[i].alg, data ? (const void *) data : "", len, bin, &n) == NULL)
            continue;
        for (unsigned int k = 0; k < n && k < sizeof(bin); k++)
            g_snprintf(sums[i].out + 2 * k, 3, "%02x", bin[k]);
    }
    s->hashes.data = data;
    s->hashes.len = len;
}

/* add_file_indicators - hashes and name of one flagged file */
static void add_file_indicators(struct scan *s, struct lw_hit *hit, const char *name,
                                const unsigned char *data, size_t len)
{
    file_hashes(s, data, len);
    lw_hit_add_indicator(s->v, hit, LW_ROLE_PAYLOAD, LW_IOC_SHA256, s->hashes.sha256);
    lw_hit_add_indicator(s->v, hit, LW_ROLE_PAYLOAD, LW_IOC_MD5, s->hashes.md5);
    lw_hit_add_indicator(s->v, hit, LW_ROLE_PAYLOAD, LW_IOC_SHA1, s->hashes.sha1);
    if (name != NULL) {
        char *base = g_path_get_basename(name);

        lw_hit_add_indicator(s->v, hit, LW_ROLE_PAYLOAD, LW_IOC_FILENAME, base);
        g_free(base);
    }
}

/*
 * finding - one rule fired on one file. The first file makes the hit
 * (description, evidence "where"); each further distinct file only adds
 * its indicators. key separates hits of one rule (a limit, a signature).
 */
static struct lw_hit *finding(struct scan *s, const char *rule, const char *key, const char *detail,
                              const char *where, const char *name, const unsigned char *data,
                              size_t len)
{
    const struct rule_info *ri = rule_find(rule);
    struct lw_hit *hit = g_hash_table_lookup(s->hits, key ? key : rule);
    gchar *flag;

    s->findings++;
    if (hit == NULL) {
        double score = ri->score < 0 ? s->st->cfg->limit_score : ri->score;
        gchar *desc = detail ? g_strdup_printf("%s: %s", ri->description, detail)
                             : g_strdup(ri->description);

        hit = lw_verdict_add_hit(s->v, rule_analyzer(rule), rule, score, desc, where);
        g_hash_table_insert(s->hits, g_strdup(key ? key : rule), hit);
        g_free(desc);
    }
    file_hashes(s, data, len);
    flag = g_strdup_printf("%s\n%s", key ? key : rule, s->hashes.sha256);
    if (!g_hash_table_contains(s->flagged, flag)) {
        g_hash_table_add(s->flagged, flag);
        add_file_indicators(s, hit, name, data, len);
    } else {
        g_free(flag);
    }
    return hit;
}

/* ---- what libclamav reports ---- */

/* scan_incomplete - a limit stopped the scan of the current part: one hit per limit */
static void scan_incomplete(struct scan *s, const char *limit)
{
    gchar *key = g_strdup_printf("LW_ATT_SCAN_INCOMPLETE/%s", limit);
    gchar *detail = g_strdup_printf("scan incomplete: %s", limit);
    struct lw_hit *hit = g_hash_table_lookup(s->hits, key);

    s->findings++;
    if (hit == NULL) {
        hit = lw_verdict_add_hit(s->v, ANALYZER_CLAMAV, "LW_ATT_SCAN_INCOMPLETE", s->st->cfg->limit_score,
                                 detail, s->label);
        g_hash_table_insert(s->hits, g_strdup(key), hit);
        add_file_indicators(s, hit, s->name, s->data, s->len);
    }
    g_free(detail);
    g_free(key);
}

/* on_incomplete - libclamav stopped short on the current part (lw_clam_events) */
static void on_incomplete(void *context, const char *why, int transient)
{
    struct scan *s = context;

    if (transient)
        s->v->transient = 1;    /* the next copy must be scanned again */
    scan_incomplete(s, why);
}

/* on_detected - one libclamav detection name made a finding on the current part (lw_clam_events) */
static void on_detected(void *context, const char *name)
{
    struct scan *s = context;
    gchar *key;
    struct lw_hit *hit;

    if (g_str_has_prefix(name, "Heuristics.Encrypted.")) {
        int doc = strstr(name, "PDF") != NULL || strstr(name, "Doc") != NULL
            || strstr(name, "OLE2") != NULL;

        if (doc)
            s->saw_encrypted_document = 1;
        else
            s->saw_encrypted_archive = 1;
        finding(s, doc ? "LW_ATT_ENCRYPTED_DOCUMENT" : "LW_ATT_ENCRYPTED_ARCHIVE", NULL, name,
                s->label, s->name, s->data, s->len);
    } else if (g_str_has_prefix(name, "Heuristics.OLE2.ContainsMacros")) {
        finding(s, "LW_ATT_OFFICE_MACRO", NULL, name, s->label, s->name, s->data, s->len);
    } else {
        const char *rule = g_str_has_prefix(name, "YARA.Lurewatch_Heur_") ? "LW_ATT_YARA_HEURISTIC"
            : g_str_has_prefix(name, "Heuristics.") ? "LW_ATT_CLAMAV_HEURISTIC"
            : "LW_ATT_CLAMAV_SIGNATURE";

        int seen;

        key = g_strdup_printf("%s/%s", rule, name);
        seen = g_hash_table_contains(s->hits, key);     /* ALLMATCHES repeats matches */
        hit = finding(s, rule, key, name, s->label, s->name, s->data, s->len);
        if (!seen)
            lw_hit_add_indicator(s->v, hit, LW_ROLE_PAYLOAD, LW_IOC_MALWARE, name);
        g_free(key);
    }
}

/* ---- file heuristics ---- */

/* file_ext - lowercased last extension, ignoring trailing dots and spaces Windows drops (g_free) */
static char *file_ext(const char *name)
{
    gchar *copy, *dot, *ext;

    if (name == NULL)
        return NULL;
    copy = g_strdup(name);
    g_strchomp(copy);
    while (*copy && copy[strlen(copy) - 1] == '.')
        copy[strlen(copy) - 1] = '\0';
    dot = strrchr(copy, '.');
    ext = dot && !strchr(dot, '/') && !strchr(dot, '\\') ? g_ascii_strdown(dot + 1, -1) : NULL;
    g_free(copy);
    return ext;
}

/* double_extension - "name.pdf.exe": a decoy extension right before a dangerous one */
static int double_extension(const char *name, const char *ext)
{
    gchar *copy = g_strdup(name), *last, *prev;
    int hit = 0;

    g_strchomp(copy);
    if ((last = strrchr(copy, '.')) != NULL) {
        *last = '\0';
        g_strchomp(copy);
        if ((prev = strrchr(copy, '.')) != NULL) {
            gchar *decoy = g_ascii_strdown(prev + 1, -1);

            hit = in_list(decoy, decoy_exts)
                && (in_list(ext, exe_exts) || in_list(ext, script_exts) || in_list(ext, shortcut_exts)
                    || in_list(ext, image_exts) || in_list(ext, html_exts));
            g_free(decoy);
        }
    }
    g_free(copy);
    return hit;
}

/* name_has_bidi - LRE/RLE/PDF/LRO/RLO, isolates, LRM/RLM, ALM */
static int name_has_bidi(const char *name)
{
    for (const char *p = name; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
            || c == 0x200e || c == 0x200f || c == 0x061c)
            return 1;
    }
    return 0;
}

/* name_has_invisible - a character that renders as nothing (lw_is_invisible: zero-width, Hangul fillers...) */
static int name_has_invisible(const char *name)
{
    for (const char *p = name; *p; p = g_utf8_next_char(p))
        if (lw_is_invisible(g_utf8_get_char(p)))
            return 1;
    return 0;
}

/* name_has_padding - five or more white-space characters in a row */
static int name_has_padding(const char *name)
{
    int run = 0;

    for (const char *p = name; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        run = g_unichar_isspace(c) || c == 0x3000 || c == 0x2800 ? run + 1 : 0;
        if (run >= 5)
            return 1;
    }
    return 0;
}

/* type_allowed - is the sniffed type one the extension or declared type allows? */
static int type_allowed(const struct ext_type *et, const char *true_type)
{
    for (int i = 0; i < 4 && et->types[i]; i++)
        if (g_str_has_prefix(true_type, et->types[i]))
            return 1;
    return 0;
}

/*
 * type_mismatch - extension or declared type says one thing, the bytes
 * another; detail or NULL. PDF readers accept "%PDF-" anywhere in the first
 * 1024 bytes, so leading junk there is named as the evasion it is.
 */
static char *type_mismatch(const char *ext, const char *declared, const char *true_type,
                           const unsigned char *data, size_t len)
{
    const unsigned char *pdf;

    if (ext && strcmp(ext, "pdf") == 0 && strcmp(true_type, "application/pdf") != 0
        && (pdf = memmem(data, len < 1024 ? len : 1024, "%PDF-", 5)) != NULL)
        return g_strdup_printf("PDF header at offset %zu behind leading junk", (size_t) (pdf - data));
    for (size_t i = 0; ext && i < G_N_ELEMENTS(ext_types); i++)
        if (strcmp(ext, ext_types[i].ext) == 0 && !type_allowed(&ext_types[i], true_type))
            return g_strdup_printf(".%s file whose content is %s", ext, true_type);
    for (size_t i = 0; declared && i < G_N_ELEMENTS(declared_types); i++)
        if (g_ascii_strcasecmp(declared, declared_types[i].ext) == 0
            && !type_allowed(&declared_types[i], true_type))
            return g_strdup_printf("declared %s, content is %s", declared, true_type);
    return NULL;
}

/* memcasemem - ASCII case-insensitive memmem */
static const char *memcasemem(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);

    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (g_ascii_strncasecmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

struct html_seen {
    int form, password, script, smuggling, redirect, frame;
};

/* attr - value of attribute name of a tag, or NULL */
static const char *attr(const struct lw_html_attr *attrs, const char *name)
{
    for (; attrs && attrs->name; attrs++)
        if (strcmp(attrs->name, name) == 0)
            return attrs->value ? attrs->value : "";
    return NULL;
}

/* is_local_payload_url - data: and blob: URLs carry their content with them */
static int is_local_payload_url(const char *url)
{
    while (url && g_ascii_isspace(*url))
        url++;
    return url && (g_ascii_strncasecmp(url, "data:", 5) == 0 || g_ascii_strncasecmp(url, "blob:", 5) == 0);
}

/* is_remote_url - a page from the web: http(s), or scheme-relative (//host), which a local file opens over the web too */
static int is_remote_url(const char *url)
{
    while (url && g_ascii_isspace(*url))
        url++;
    return url && (g_ascii_strncasecmp(url, "http://", 7) == 0 || g_ascii_strncasecmp(url, "https://", 8) == 0
                   || strncmp(url, "//", 2) == 0);
}

/*
 * script_attrs - script carried in attributes: an event handler
 * (<body onload=...>, <img onerror=...>) or a javascript: URL runs like a
 * <script> element when the attachment is opened in a browser. Such a
 * snippet that names the location or opens a window navigates: in one
 * line of a handler there is nothing else to do with them
 * ("location='https://...'", no window. or document. needed).
 */
static void script_attrs(struct html_seen *h, const struct lw_html_attr *attrs)
{
    for (; attrs && attrs->name; attrs++) {
        const char *v = attrs->value ? attrs->value : "";
        size_t n;

        while (g_ascii_isspace(*v))
            v++;
        if (!(g_str_has_prefix(attrs->name, "on") && attrs->name[2] != '\0' && *v != '\0')
            && g_ascii_strncasecmp(v, "javascript:", 11) != 0)
            continue;
        h->script = 1;
        n = strlen(v);
        if (memcasemem(v, n, "location") || memcasemem(v, n, "window.open"))
            h->redirect = 1;
    }
}

/*
 * html_start - note forms, password fields, scripts, local downloads,
 * refresh redirects, and frames that show a remote page (the attachment is
 * then a window onto a website: the page the mail never linked to)
 */
static void html_start(void *ud, const char *name, const struct lw_html_attr *attrs, int self_closing)
{
    struct html_seen *h = ud;
    const char *type;

    script_attrs(h, attrs);
    if ((strcmp(name, "iframe") == 0 || strcmp(name, "frame") == 0 || strcmp(name, "embed") == 0)
        && is_remote_url(attr(attrs, "src")))
        h->frame = 1;
    else if (strcmp(name, "object") == 0 && is_remote_url(attr(attrs, "data")))
        h->frame = 1;
    if (strcmp(name, "form") == 0)
        h->form = 1;
    else if (strcmp(name, "input") == 0 && (type = attr(attrs, "type")) != NULL
             && g_ascii_strcasecmp(type, "password") == 0)
        h->password = 1;
    else if (strcmp(name, "script") == 0)
        h->script = 1;
    else if (strcmp(name, "a") == 0 && attr(attrs, "download") && is_local_payload_url(attr(attrs, "href")))
        h->smuggling = 1;
    else if ((strcmp(name, "iframe") == 0 || strcmp(name, "embed") == 0 || strcmp(name, "object") == 0)
             && (is_local_payload_url(attr(attrs, "src")) || is_local_payload_url(attr(attrs, "data"))))
        h->smuggling = 1;
    else if (strcmp(name, "meta") == 0 && (type = attr(attrs, "http-equiv")) != NULL
             && g_ascii_strcasecmp(type, "refresh") == 0 && attr(attrs, "content")
             && memcasemem(attr(attrs, "content"), strlen(attr(attrs, "content")), "url="))
        h->redirect = 1;
}

/* ascii_lower_copy - the bytes with ASCII letters lowercased, NULs kept (g_free) */
static char *ascii_lower_copy(const char *text, size_t len)
{
    char *low = g_malloc(len + 1);

    for (size_t i = 0; i < len; i++)
        low[i] = g_ascii_tolower(text[i]);
    low[len] = '\0';
    return low;
}

/*
 * html_checks - forms, password fields, scripts, smuggling and redirects in
 * an HTML/SVG file. Script text is searched in one lowercased copy (memmem
 * per needle), so a large page costs a few passes, not one per position.
 */
static void html_checks(struct scan *s, const char *where, const char *name,
                        const unsigned char *data, size_t len)
{
    static const char *const builders[] = { "createobjecturl", "mssaveoropenblob", "mssaveblob", NULL };
    static const char *const decoders[] = { "new blob", "atob(", "download", NULL };
    static const char *const navigations[] = {
        "location.href", "location.replace(", "location.assign(", "window.location", "document.location",
        "top.location", NULL
    };
    const struct lw_html_handler handler = { html_start, NULL, NULL, NULL };
    struct html_seen h = { 0 };
    const char *text = (const char *) data;

    /* the parser's tree costs about ten times the HTML: read as much as a body part */
    lw_html_walk(text, MIN(len, (size_t) s->st->cfg->max_text_size), &handler, &h);
    if (h.script) {
        char *low = ascii_lower_copy(text, len);
        int built = 0, decoded = 0;

        for (int i = 0; builders[i] && !built; i++)
            built = memmem(low, len, builders[i], strlen(builders[i])) != NULL;
        for (int i = 0; built && decoders[i] && !decoded; i++)
            decoded = memmem(low, len, decoders[i], strlen(decoders[i])) != NULL;
        h.smuggling |= built && decoded;
        for (int i = 0; navigations[i] && !h.redirect; i++)
            h.redirect = memmem(low, len, navigations[i], strlen(navigations[i])) != NULL;
        g_free(low);
    }
    if (h.redirect)
        finding(s, "LW_ATT_HTML_REDIRECT", NULL, NULL, where, name, data, len);
    else if (h.frame)
        finding(s, "LW_ATT_HTML_REDIRECT", NULL, "a frame shows a remote page", where, name, data, len);
    if (h.smuggling)
        finding(s, "LW_ATT_HTML_SMUGGLING", NULL, NULL, where, name, data, len);
    if (h.password)
        finding(s, "LW_ATT_HTML_PASSWORD_FORM", NULL, NULL, where, name, data, len);
    else if (h.form)
        finding(s, "LW_ATT_HTML_FORM", NULL, NULL, where, name, data, len);
    if (h.script)
        finding(s, "LW_ATT_HTML_SCRIPT", NULL, NULL, where, name, data, len);
}

static const char OLE_VBA[] = "_\0V\0B\0A\0_\0P\0R\0O\0J\0E\0C\0T\0";
/* the stream an Office password puts the whole OOXML document in (MS-OFFCRYPTO) */
static const char OLE_ENCRYPTED[] = "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0";

/*
 * name_checks - the heuristics a file's name decides, alone or with its
 * sniffed type: run for each name a part gives itself (lw_part
 * other_names), since mail clients differ in the one they save it as
 */
static void name_checks(struct scan *s, const char *where, const char *name, const char *true_type,
                        const unsigned char *data, size_t len)
{
    char *ext = file_ext(name), *base = name ? g_path_get_basename(name) : NULL;

    if (lw_sniff_is_executable(true_type) || in_list(ext, exe_exts))
        finding(s, "LW_ATT_EXECUTABLE", NULL, NULL, where, name, data, len);
    if (in_list(ext, script_exts))
        finding(s, "LW_ATT_SCRIPT", NULL, NULL, where, name, data, len);
    if (in_list(ext, image_exts) || g_str_has_prefix(true_type, "application/x-iso9660")
        || g_str_has_prefix(true_type, "application/x-vhd"))
        finding(s, "LW_ATT_DISK_IMAGE", NULL, NULL, where, name, data, len);
    if (in_list(ext, shortcut_exts) || strcmp(true_type, "application/x-ms-shortcut") == 0)
        finding(s, "LW_ATT_SHORTCUT", NULL, NULL, where, name, data, len);
    if (in_list(ext, onenote_exts) || strcmp(true_type, "application/onenote") == 0)
        finding(s, "LW_ATT_ONENOTE", NULL, NULL, where, name, data, len);
    if (base && name_has_bidi(base))
        finding(s, "LW_ATT_NAME_BIDI", NULL, NULL, where, name, data, len);
    if (base && name_has_padding(base))
        finding(s, "LW_ATT_NAME_PADDING", NULL, NULL, where, name, data, len);
    if (base && name_has_invisible(base))
        finding(s, "LW_ATT_NAME_INVISIBLE", NULL, NULL, where, name, data, len);
    if (base && ext && double_extension(base, ext))
        finding(s, "LW_ATT_DOUBLE_EXTENSION", NULL, NULL, where, name, data, len);
    g_free(base);
    g_free(ext);
}

/* file_checks - every name and content heuristic on one file (part or embedded) */
static void file_checks(struct scan *s, const char *where, const char *name, const char *declared,
                        const unsigned char *data, size_t len, int top)
{
    const char *true_type = lw_sniff(data, len);
    char *ext = file_ext(name), *mismatch, *base = name ? g_path_get_basename(name) : NULL;

    name_checks(s, where, name, true_type, data, len);
    if ((base && g_ascii_strcasecmp(base, "vbaProject.bin") == 0)
        || (strcmp(true_type, "application/x-ole-storage") == 0
            && memmem(data, len, OLE_VBA, sizeof(OLE_VBA) - 1) != NULL))
        finding(s, "LW_ATT_OFFICE_MACRO", NULL, NULL, where, name, data, len);
    if (strcmp(true_type, "application/x-ole-storage") == 0
        && memmem(data, len, OLE_ENCRYPTED, sizeof(OLE_ENCRYPTED) - 1) != NULL) {
        s->saw_encrypted_document = 1;
        finding(s, "LW_ATT_ENCRYPTED_DOCUMENT", NULL, "password-protected Office document", where, name,
                data, len);
    }
    if (g_str_has_prefix(true_type, "application/zip") && lw_zip_encrypted(data, len)) {
        s->saw_encrypted_archive = 1;
        finding(s, "LW_ATT_ENCRYPTED_ARCHIVE", NULL, NULL, where, name, data, len);
        /* a part's bytes live as long as the message; an embedded file's must be copied */
        if (s->encrypted->len < MAX_ENCRYPTED && (top || s->copied + len <= MAX_ZIP_COPY)) {
            struct encrypted_zip *z = g_new(struct encrypted_zip, 1);

            z->where = g_strdup(where);
            z->zip = top ? g_bytes_new_static(data, len) : g_bytes_new(data, len);
            s->copied += top ? 0 : len;
            g_ptr_array_add(s->encrypted, z);
        }
    }
    if (in_list(ext, html_exts) || (strcmp(true_type, "text/html") == 0 && (top || name)))
        html_checks(s, where, name, data, len);
    if (top && (mismatch = type_mismatch(ext, declared, true_type, data, len)) != NULL) {
        finding(s, "LW_ATT_TYPE_MISMATCH", NULL, mismatch, where, name, data, len);
        g_free(mismatch);
    }
    g_free(base);
    g_free(ext);
}

/* on_unpacked - a file libclamav unpacked from the current part: the file checks (lw_clam_events) */
static void on_unpacked(void *context, const char *where, const char *name, const unsigned char *data,
                        size_t len)
{
    struct scan *s = context;

    if (s->embedded >= MAX_EMBEDDED)
        return;
    s->embedded++;
    hashes_forget(s);           /* data is only valid during this call */
    file_checks(s, where, name, NULL, data, len, 0);
    hashes_forget(s);
}

static const struct lw_clam_events clam_events = { on_detected, on_incomplete, on_unpacked };

/* ---- encrypted archive + password in the text ---- */

/* scan_member - scan one decrypted member like an attachment, then restore the part */
static int scan_member(struct scan *s, const char *where, const char *name, GBytes *plain,
                       struct lw_error *err)
{
    gchar *label = g_strdup_printf("%s > %s (decrypted with the password from the text)", where, name);
    const char *saved_label = s->label, *saved_name = s->name;
    const unsigned char *saved_data = s->data;
    const char *saved_sha256 = s->data_sha256;
    size_t saved_len = s->len;
    int rc;

    hashes_forget(s);
    s->label = label;
    s->name = name;
    s->data = g_bytes_get_data(plain, &s->len);
    s->data_sha256 = NULL;
    rc = scan_bytes(s, name, err);
    if (rc == 0)
        file_checks(s, label, name, NULL, s->data, s->len, 0);
    hashes_forget(s);           /* plain is freed by the caller */
    s->label = saved_label;
    s->name = saved_name;
    s->data = saved_data;
    s->data_sha256 = saved_sha256;
    s->len = saved_len;
    g_free(label);
    return rc;
}

/*
 * scan_decrypted - the password opened the archive: scan what it hides.
 * Each ZipCrypto member (central directory order) is decrypted, inflated
 * within clamav_max_filesize, and scanned like an attachment, so a
 * signature or heuristic on the hidden file still hits. All members
 * together stay within clamav_max_scansize and clamav_max_files; past
 * either, the rest is a "scan incomplete" hit.
 */
static int scan_decrypted(struct scan *s, const struct encrypted_zip *ez, const char *password,
                          struct lw_error *err)
{
    gsize len;
    const unsigned char *zip = g_bytes_get_data(ez->zip, &len);
    size_t budget = (size_t) s->st->cfg->clamav_max_scansize;
    size_t max_file = (size_t) s->st->cfg->clamav_max_filesize;
    const struct lw_zip_entry *e;
    struct lw_zip_iter it;
    long long members = 0;
    int rc = 0;

    if (lw_zip_iter_init(&it, zip, len) < 0)
        return 0;
    while (rc == 0 && (e = lw_zip_iter_next(&it)) != NULL) {
        GBytes *plain;

        if (!(e->flags & 1))
            continue;           /* not encrypted: libclamav has scanned it */
        if (++members > s->st->cfg->clamav_max_files) {
            scan_incomplete(s, "clamav_max_files");
            break;
        }
        if (e->size > max_file) {
            scan_incomplete(s, "clamav_max_filesize");
        } else if (e->size > budget) {
            scan_incomplete(s, "clamav_max_scansize");
        } else if ((plain = lw_zip_decrypt(&it, e, password, MIN(max_file, budget))) != NULL) {
            budget -= g_bytes_get_size(plain);
            rc = scan_member(s, ez->where, e->name, plain, err);
            g_bytes_unref(plain);
        }
    }
    lw_zip_iter_clear(&it);
    return rc;
}

/* password_candidates - words the mail text offers as a password (g_ptr_array_unref) */
static GPtrArray *password_candidates(const struct clam_state *st, const struct lw_message *msg)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *texts = g_ptr_array_new();
    pcre2_match_data *md;

    if (msg->subject)
        g_ptr_array_add(texts, msg->subject);
    for (guint i = 0; i < msg->texts->len; i++)
        g_ptr_array_add(texts, ((struct lw_text *) g_ptr_array_index(msg->texts, i))->norm);
    md = pcre2_match_data_create_from_pattern(st->password_re, NULL);
    for (guint i = 0; i < texts->len && out->len < MAX_CANDIDATES; i++) {
        const char *t = g_ptr_array_index(texts, i);
        PCRE2_SIZE len = t ? strlen(t) : 0, start = 0;

        while (t && start < len && out->len < MAX_CANDIDATES
               && pcre2_match(st->password_re, (PCRE2_SPTR) t, len, start, 0, md, NULL) >= 2) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            gchar *w = g_strndup(t + ov[2], ov[3] - ov[2]);
            size_t n = strlen(w);

            while (n > 1 && strchr(".!)]>", w[n - 1]))
                w[--n] = '\0';
            g_ptr_array_add(out, w);
            start = ov[1] > start ? ov[1] : start + 1;
        }
    }
    pcre2_match_data_free(md);
    g_ptr_array_unref(texts);
    return out;
}

/* password_check - the encrypted archive's password is in the text: flag, verify, look inside */
static int password_check(struct scan *s, struct lw_error *err)
{
    GPtrArray *cands;
    const char *where = NULL, *verified = NULL, *first;
    const struct encrypted_zip *opened = NULL;
    gchar *detail;
    int rc = 0;

    if (!s->saw_encrypted_archive && !s->saw_encrypted_document)
        return 0;
    cands = password_candidates(s->st, s->msg);
    if (cands->len == 0) {
        g_ptr_array_unref(cands);
        return 0;
    }
    first = g_ptr_array_index(cands, 0);
    for (guint c = 0; c < cands->len && !verified; c++)
        for (guint z = 0; z < s->encrypted->len && !verified; z++) {
            struct encrypted_zip *ez = g_ptr_array_index(s->encrypted, z);

            if (lw_zip_password_opens(g_bytes_get_data(ez->zip, NULL), g_bytes_get_size(ez->zip),
                                      g_ptr_array_index(cands, c)) == 1) {
                verified = g_ptr_array_index(cands, c);
                where = ez->where;
                opened = ez;
            }
        }
    detail = verified ? g_strdup_printf("password \"%s\" from the text opens the archive", verified)
                      : g_strdup_printf("candidate password \"%s\" in the text (not verified)", first);
    lw_verdict_add_hit(s->v, ANALYZER, "LW_ATT_ENCRYPTED_ARCHIVE_PASSWORD",
                       rule_find("LW_ATT_ENCRYPTED_ARCHIVE_PASSWORD")->score, detail,
                       where ? where : "message text");
    if (opened != NULL)
        rc = scan_decrypted(s, opened, verified, err);
    g_free(detail);
    g_ptr_array_unref(cands);
    return rc;
}

/* ---- the analyzer ---- */

/*
 * "password", in the languages agency mail arrives in, then up to three
 * filler words ("password for the zip file:", "Senha PDF:", 解壓縮密碼),
 * then the candidate: 3 to 64 characters up to white space or quotes.
 */
static const char PASSWORD_RE[] =
    "(?:password|passwd|pass\\s?word|passcode|pwd|pw|密碼|密码|口令|パスワード|비밀번호|contraseña|senha"
    "|mot de passe|kennwort|passwort)"
    "(?:\\s+(?:for|of|to|the|this|your|de|do|da|del|du|pdf|zip|rar|7z|file|archive|document|attachment"
    "|arquivo|archivo|fichier|datei)(?=[\\s:=])|\\s*(?:附件|檔案|档案|文件|壓縮檔|压缩包)){0,3}"
    "\\s*(?:is|為|为|是|:|=)?\\s*[:=]?\\s*[\"'「『“]?([^\\s\"'「」『』“”,;，。、]{3,64})";

/* attachments_init - compile the password pattern and build the libclamav engine */
static int attachments_init(const struct lw_config *cfg, const struct lw_shared *shared, const void *previous,
                            void **state, struct lw_error *err)
{
    struct clam_state *st = g_new0(struct clam_state, 1);
    int code;
    PCRE2_SIZE off;

    st->cfg = cfg;
    st->password_re = pcre2_compile((PCRE2_SPTR) PASSWORD_RE, PCRE2_ZERO_TERMINATED,
                                    PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_MATCH_INVALID_UTF,
                                    &code, &off, NULL);
    if (st->password_re == NULL) {
        PCRE2_UCHAR msg[256];

        pcre2_get_error_message(code, msg, sizeof(msg));
        lw_error_set(err, "attachments: password pattern at %zu: %s", (size_t) off, (char *) msg);
        g_free(st);
        return -1;
    }
    pcre2_jit_compile(st->password_re, PCRE2_JIT_COMPLETE);   /* on failure: the interpreter */
    if (cfg->clamav && (st->clam = lw_clam_new(cfg, err)) == NULL) {
        pcre2_code_free(st->password_re);
        g_free(st);
        return -1;
    }
    *state = st;
    return 0;
}

/* attachments_fini - free the engine's state (last user of the lurewatch engine) */
static void attachments_fini(void *state)
{
    struct clam_state *st = state;

    lw_clam_free(st->clam);
    pcre2_code_free(st->password_re);
    g_free(st);
}

/* attachments_loaded - the signature version, for every verdict and the cache tag; none with clamav = no */
static void attachments_loaded(const void *state, struct lw_loaded *out)
{
    const struct clam_state *st = state;

    if (st->clam != NULL) {
        out->version = st->clam->version;
        g_checksum_update(out->tag, (const guchar *) st->clam->version, -1);
    }
}

/* attachments_stale - did a signature directory change since this engine loaded it? */
static int attachments_stale(void *state)
{
    struct clam_state *st = state;

    return st->clam != NULL && lw_clam_changed(st->clam);
}

/*
 * attachment_indicators - every attachment's SHA-256 and name belong to the
 * message's indicators, flagged or not: when the message itself is judged
 * malicious, its attachments are what other agencies will want to block.
 * The parser computed the SHA-256 already; MD5 and SHA-1 are added by
 * attachments_finish, only for a message that scores.
 */
static void attachment_indicators(struct scan *s, const struct lw_part *part)
{
    lw_verdict_add_indicator(s->v, LW_ROLE_PAYLOAD, LW_IOC_SHA256, part->sha256);
    lw_verdict_add_indicator(s->v, LW_ROLE_PAYLOAD, LW_IOC_FILENAME, part->filename);
}

/* is_attachment - a part a user would open as a file, not the readable body */
static int is_attachment(const struct lw_part *part)
{
    return part->filename != NULL
        || (part->disposition && strcmp(part->disposition, "attachment") == 0)
        || !(g_str_has_prefix(part->declared_type, "text/")
             || g_str_has_prefix(part->declared_type, "multipart/"));
}

/* scan_bytes - libclamav over the current buffer (none with clamav = no); -1 only when out of memory */
static int scan_bytes(struct scan *s, const char *name, struct lw_error *err)
{
    if (s->st->clam == NULL)
        return 0;
    return lw_clam_scan(s->st->clam, s->data, s->len, name, s->label, &clam_events, s, &s->pixels, err);
}

/*
 * scan_part - libclamav over one part, unless the attachment cache says
 * these bytes were clean under this signature version. Only "clean" is
 * cached: nothing from libclamav and nothing from the files it unpacked.
 * Anything found is scanned again each time, so every hit, indicator and
 * encrypted archive is rebuilt exactly. The name checks of the part run
 * either way (a name is not part of the key).
 */
static int scan_part(struct scan *s, const struct lw_part *part, struct lw_error *err)
{
    const char *version;
    char *cached = NULL;
    unsigned before = s->findings;
    int rc;

    if (s->st->clam == NULL)
        return 0;
    version = s->st->clam->version;
    if (lw_cache_get_attachment(s->cache, part->sha256, version, &cached) && strcmp(cached, "clean") == 0) {
        g_free(cached);
        return 0;
    }
    g_free(cached);
    rc = scan_bytes(s, part->filename, err);
    if (rc == 0 && s->findings == before)
        lw_cache_put_attachment(s->cache, part->sha256, version, "clean");
    return rc;
}

/* encrypted_zip_free - one kept copy of an encrypted zip */
static void encrypted_zip_free(gpointer p)
{
    struct encrypted_zip *z = p;

    g_free(z->where);
    g_bytes_unref(z->zip);
    g_free(z);
}

/* attachments_scan - every part through libclamav and the file heuristics, then the password check */
static int attachments_scan(const void *state, const struct lw_message *msg, struct lw_cache_session *cache,
                            struct lw_verdict *v, struct lw_error *err)
{
    struct scan s = { .st = state, .msg = msg, .v = v, .cache = cache };
    int rc = 0;

    if (s.st->clam != NULL)
        s.pixels = s.st->clam->max_message_pixels;
    s.hits = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    s.flagged = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    s.encrypted = g_ptr_array_new_with_free_func(encrypted_zip_free);
    if (msg->unparseable && msg->raw_len > 0) {
        s.label = "raw message";
        s.data = (const unsigned char *) msg->raw;
        s.len = msg->raw_len;
        rc = scan_bytes(&s, NULL, err);
    }
    for (guint i = 0; rc == 0 && i < msg->parts->len; i++) {
        const struct lw_part *part = g_ptr_array_index(msg->parts, i);
        gchar *label;

        if (part->is_message || part->data == NULL || g_bytes_get_size(part->data) == 0)
            continue;
        label = part->filename ? g_strdup_printf("part %s (%s)", part->path, part->filename)
                               : g_strdup_printf("part %s", part->path);
        hashes_forget(&s);
        s.label = label;
        s.name = part->filename;
        s.data = g_bytes_get_data(part->data, &s.len);
        s.data_sha256 = part->sha256;
        rc = scan_part(&s, part, err);
        if (rc == 0 && is_attachment(part)) {
            file_checks(&s, label, part->filename, part->declared_type, s.data, s.len, 1);
            for (char **other = part->other_names; other && *other; other++)
                name_checks(&s, label, *other, part->true_type, s.data, s.len);
            attachment_indicators(&s, part);
        }
        g_free(label);
        s.label = NULL;
    }
    if (rc == 0)
        rc = password_check(&s, err);
    g_ptr_array_unref(s.encrypted);
    g_hash_table_unref(s.flagged);
    g_hash_table_unref(s.hits);
    return rc;
}

/*
 * attachments_finish - MD5 and SHA-1 of every attachment of a message that
 * scored (what other agencies' blocklists use). Two digests over every
 * attachment of every clean message were a sixth of a scan's CPU; nothing
 * reads a clean message's indicators but the command-line JSON.
 */
static void attachments_finish(const void *state, const struct lw_message *msg, struct lw_verdict *v)
{
    struct scan s = { .st = state, .msg = msg, .v = v };

    if (v->score <= 0)
        return;
    for (guint i = 0; i < msg->parts->len; i++) {
        const struct lw_part *part = g_ptr_array_index(msg->parts, i);

        if (part->is_message || part->data == NULL || g_bytes_get_size(part->data) == 0
            || !is_attachment(part))
            continue;
        s.data = g_bytes_get_data(part->data, &s.len);
        s.data_sha256 = part->sha256;
        hashes_forget(&s);
        file_hashes(&s, s.data, s.len);
        lw_verdict_add_indicator(v, LW_ROLE_PAYLOAD, LW_IOC_MD5, s.hashes.md5);
        lw_verdict_add_indicator(v, LW_ROLE_PAYLOAD, LW_IOC_SHA1, s.hashes.sha1);
    }
}

const struct lw_analyzer lw_analyzer_attachments = {
    .name = ANALYZER,
    .init = attachments_init,
    .scan = attachments_scan,
    .fini = attachments_fini,
    .loaded = attachments_loaded,
    .stale = attachments_stale,
    .finish = attachments_finish,
};
