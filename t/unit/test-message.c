/* test-message.c - unit tests of the message model on fixtures written for the project */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <gmime/gmime.h>

#include "model/message.h"
#include "model/rfc2047.h"
#include "model/sniff.h"
#include "util/unicode.h"
#include "tap.h"

static struct lw_message *parse_file(const char *name, const struct lw_config *cfg, gchar **buf)
{
    const char *top = getenv("top_srcdir");
    char *path = g_build_filename(top ? top : ".", "t", "data", name, NULL);
    gsize len;

    if (!g_file_get_contents(path, buf, &len, NULL)) {
        printf("Bail out! cannot read %s\n", path);
        exit(1);
    }
    g_free(path);
    return lw_message_parse(*buf, len, NULL, cfg);
}

static const struct lw_part *part_named(const struct lw_message *msg, const char *filename)
{
    for (guint i = 0; i < msg->parts->len; i++) {
        const struct lw_part *p = g_ptr_array_index(msg->parts, i);

        if (p->filename && strcmp(p->filename, filename) == 0)
            return p;
    }
    return NULL;
}

static void test_multipart(const struct lw_config *cfg)
{
    gchar *buf;
    struct lw_message *msg = parse_file("multipart.eml", cfg, &buf);
    const struct lw_part *pdf, *exe, *inner;
    const struct lw_text *html = NULL, *attached = NULL;

    tap_check(!msg->unparseable, "multipart.eml parses");
    tap_check_str(msg->from ? msg->from->name : NULL, "支付寶 客服", "From display name decoded from RFC 2047");
    tap_check_str(msg->from ? msg->from->domain : NULL, "alipay.example.com", "From domain");
    tap_check_str(msg->reply_to ? msg->reply_to->addr : NULL, "collect@freemail.example.com", "Reply-To address");
    tap_check_int(msg->to_count, ==, 2, "two To recipients");
    tap_check_int(msg->cc_count, ==, 1, "one Cc recipient");
    tap_check_str(msg->subject, "Quarterly report 報告", "Subject decoded");
    tap_check_str(msg->message_id, "multi-1@example.com", "Message-ID without brackets");
    tap_check_str(msg->x_mailer, "Microsoft Outlook 16.0", "X-Mailer");
    tap_check(msg->date_valid && msg->date == 1795138200, "Date parsed to unix time");
    pdf = part_named(msg, "報告 Q3.pdf");
    tap_check(pdf != NULL, "RFC 2231 filename decoded");
    tap_check_str(pdf ? pdf->true_type : NULL, "application/pdf", "PDF sniffed by magic");
    exe = part_named(msg, "invoice.pdf.exe");
    tap_check_str(exe ? exe->true_type : NULL, "application/x-dosexec", "executable sniffed under octet-stream");
    tap_check_str(exe ? exe->declared_type : NULL, "application/octet-stream", "declared type kept");
    inner = part_named(msg, "inner.txt");
    tap_check(inner && inner->in_attached_message, "a part inside an attached message is found and marked");
    tap_check(inner && strcmp(inner->sha256, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824") == 0,
              "SHA-256 of the decoded part");
    for (guint i = 0; i < msg->texts->len; i++) {
        const struct lw_text *t = g_ptr_array_index(msg->texts, i);

        if (t->is_html)
            html = t;
        if (t->in_attached_message)
            attached = t;
    }
    tap_check(html && strstr(html->text, "See the attached report.") && !strstr(html->text, "var x"),
              "HTML rendered to text without the script");
    tap_check_int(msg->texts->len, ==, 3, "inline text, html and the attached message's text are the readable body");
    tap_check(attached && strstr(attached->text, "inner body text") && strcmp(attached->path, "4.0.1") == 0,
              "the attached message's text is read, marked, and its attachment is not");
    lw_message_free(msg);
    g_free(buf);
}

static void test_charsets(const struct lw_config *cfg)
{
    /* "帳號" in Big5 is b1 62 b8 b9; declared in the part, quoted-printable. */
    const char *raw = "Subject: =?big5?B?sWK4uQ==?=\nContent-Type: text/plain; charset=big5\n"
                      "Content-Transfer-Encoding: quoted-printable\n\n=B1b=B8=B9 \n";
    struct lw_message *msg = lw_message_parse(raw, strlen(raw), NULL, cfg);
    const struct lw_text *t = msg->texts->len ? g_ptr_array_index(msg->texts, 0) : NULL;

    tap_check_str(msg->subject, "帳號", "Big5 RFC 2047 subject decoded");
    tap_check(t && strncmp(t->text, "帳號", strlen("帳號")) == 0, "Big5 quoted-printable body converted to UTF-8");
    lw_message_free(msg);
}

/*
 * Adjacent base64 encoded-words: GMime 3.2.13 joins their base64 and stops
 * at the first word's padding, so "=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?="
 * read "Hello". The subject, a display name, an attachment name and header
 * rule targets are read whole, as mail clients show them.
 */
static void test_encoded_word_runs(const struct lw_config *cfg)
{
    const char *raw = "From: =?UTF-8?B?UGF5UA==?= =?utf-8?b?YWw=?= <a@example.net>\n"
                      "Subject: =?UTF-8?B?SGVsbG8=?=\n =?UTF-8?B?IHdvcmxk?= and =?big5?B?sWI=?= =?big5?B?uLk=?=\n"
                      "X-Note: =?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=\n"
                      "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
                      "Content-Type: application/octet-stream\n"
                      "Content-Disposition: attachment; filename=\"=?utf-8?b?aW52b2ljZQ==?= =?utf-8?b?LmpzIA==?=\"\n\n"
                      "x\n--b\nContent-Type: application/octet-stream; name=\"=?utf-8?b?cmVwb3J0cw==?= =?utf-8?b?Lmh0YQ==?=\"\n\n"
                      "y\n--b--\n";
    struct lw_message *msg = lw_message_parse(raw, strlen(raw), NULL, cfg);
    char *same;

    tap_check_str(msg->subject, "Hello world and 帳號", "a padded run of encoded words in the subject is read whole");
    tap_check_str(msg->from ? msg->from->name : NULL, "PayPal", "and in a display name");
    tap_check_str(lw_message_header(msg, "X-Note"), "Hello world", "and in any field a header rule reads");
    tap_check(part_named(msg, "invoice.js ") != NULL, "and in an attachment's file name");
    tap_check(part_named(msg, "reports.hta") != NULL, "and in the name of the type, without a disposition");
    lw_message_free(msg);
    same = lw_rfc2047_coalesce("=?UTF-8?B?SGVs?= =?UTF-8?B?bG8=?= =?UTF-8?Q?x=3D?= =?utf-8?b?YQ==?= x =?utf-8?b?Yg==?=");
    tap_check(same == NULL, "runs GMime reads whole (no padding inside, one word, Q words) are left alone");
    g_free(same);
}

/* a part that names itself twice: the name GMime reads first, every other one kept for the checks */
static void test_other_names(const struct lw_config *cfg)
{
    const char *raw = "Subject: names\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
                      "Content-Type: application/octet-stream; name=\"c.hta\"\n"
                      "Content-Disposition: attachment; filename=\"a.pdf\"; filename*=utf-8''b.js; filename=a.pdf\n\n"
                      "x\n--b\nContent-Type: application/pdf; name=\"same.pdf\"\n"
                      "Content-Disposition: attachment; filename=\"same.pdf\"\n\ny\n--b--\n";
    struct lw_message *msg = lw_message_parse(raw, strlen(raw), NULL, cfg);
    const struct lw_part *p = part_named(msg, "a.pdf"), *q = part_named(msg, "same.pdf");
    char *others = p && p->other_names ? g_strjoinv(",", p->other_names) : NULL;

    tap_check_str(others, "b.js,c.hta", "other names: filename* beside filename, then the type's name, once each");
    tap_check(q && q->other_names == NULL, "a part whose names agree has no other name");
    g_free(others);
    lw_message_free(msg);
}

/* a plain-text body carrying a uuencoded file: Outlook shows it as an attachment, so the model makes it a part */
static void test_uuencoded(const struct lw_config *cfg)
{
    const char *raw = "Subject: uu\n\nSee the file.\n\nbegin 644 invoice.exe\n#35J0\n`\nend\n\n"
                      "We begin 644 new jobs today.\nbegin 600 notes.txt\nthat is all\n";
    struct lw_message *msg = lw_message_parse(raw, strlen(raw), NULL, cfg);
    const struct lw_part *p = part_named(msg, "invoice.exe");
    gsize n = 0;
    const char *bytes = p && p->data ? g_bytes_get_data(p->data, &n) : NULL;

    tap_check(p && p->disposition && strcmp(p->disposition, "attachment") == 0,
              "a uuencoded file in a plain-text body is an attachment part");
    tap_check(n == 3 && memcmp(bytes, "MZ\x90", 3) == 0, "its bytes are decoded (GMime's uudecoder)");
    tap_check_str(p ? p->path : NULL, "0.uu1", "its path names the body it came from");
    tap_check(part_named(msg, "notes.txt") == NULL, "a begin line before prose is no file");
    lw_message_free(msg);
}

/* MIME types are case-insensitive: the model keeps them lowercased, and reads TEXT/HTML as HTML */
static void test_type_case(const struct lw_config *cfg)
{
    const char *raw = "Subject: case\nMIME-Version: 1.0\nContent-Type: TEXT/HTML; charset=utf-8\n\n"
                      "<p>Hello <b>there</b></p>\n";
    struct lw_message *msg = lw_message_parse(raw, strlen(raw), NULL, cfg);
    const struct lw_part *p = msg->parts->len ? g_ptr_array_index(msg->parts, 0) : NULL;
    const struct lw_text *t = msg->texts->len ? g_ptr_array_index(msg->texts, 0) : NULL;

    tap_check_str(p ? p->declared_type : NULL, "text/html", "declared type lowercased");
    tap_check(t && t->is_html && strstr(t->text, "Hello there") && !strstr(t->text, "<b>"),
              "TEXT/HTML is read and rendered as HTML");
    lw_message_free(msg);
}

static void test_normalize(void)
{
    char *n = lw_text_normalize("ｐａｓｓ\xe2\x80\x8bword  \n\t expires");

    tap_check_str(n, "password expires", "NFKC folds full-width, zero-width removed, spaces collapsed");
    g_free(n);
}

/* every Default_Ignorable_Code_Point (and U+2800) is removed, stray marks too (on Latin letters, or of another script), accents stay */
static void test_normalize_invisible(void)
{
    static const struct { const char *in, *want, *what; } cases[] = {
        { "Pay\xe1\x9e\xb4Pal", "PayPal", "U+17B4 KHMER VOWEL INHERENT AQ" },
        { "Pay\xe1\x85\xa0Pal", "PayPal", "U+1160 HANGUL JUNGSEONG FILLER" },
        { "Pay\xe3\x85\xa4Pal", "PayPal", "U+3164 HANGUL FILLER" },
        { "Pay\xe2\xa0\x80Pal", "PayPal", "U+2800 BRAILLE PATTERN BLANK" },
        { "Pay\xcd\x8fPal", "PayPal", "U+034F COMBINING GRAPHEME JOINER" },
        { "Pay\xef\xb8\x8fPal", "PayPal", "U+FE0F VARIATION SELECTOR-16" },
        { "Pay\xf3\xa0\x81\x81Pal", "PayPal", "U+E0041 TAG LATIN CAPITAL LETTER A" },
        { "Pay\xd8\x9cPal", "PayPal", "U+061C ARABIC LETTER MARK" },
        { "Pay\xe2\x81\xa4Pal", "PayPal", "U+2064 INVISIBLE PLUS" },
        { "PayPal\xcc\x87", "PayPal", "U+0307 on l: composes with nothing, stray" },
        { "cafe\xcc\x81", "caf\xc3\xa9", "U+0301 on e composes: an accent, kept" },
        { "\xd8\xa8\xd9\x8e", "\xd8\xa8\xd9\x8e", "Arabic fatha on beh: kept" },
        { "services\xdc\xbf.\xdc\xbf" "amzn\xdc\xbf.\xdc\xbf" "com", "services.amzn.com",
          "U+073F SYRIAC RWAHA on Latin letters and dots: another script's mark, stray" },
        { "\xdc\x90\xdc\xbf", "\xdc\x90\xdc\xbf", "Syriac rwaha on Syriac alaph: kept" },
        { "\xe0\xa4\x95\xe0\xa5\x81", "\xe0\xa4\x95\xe0\xa5\x81", "Devanagari vowel sign u on ka: kept" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *n = lw_text_normalize(cases[i].in);

        tap_check_str(n, cases[i].want, "normalize removes or keeps: %s", cases[i].what);
        g_free(n);
    }
    tap_check(lw_is_invisible(0x200b) && lw_is_invisible(0xad) && lw_is_invisible(0xe0100),
              "zero-width space, soft hyphen and a supplementary variation selector are invisible");
    tap_check(!lw_is_invisible(' ') && !lw_is_invisible(0x3000) && !lw_is_invisible(0x4e00),
              "spaces and letters are not");
}

/* words disguised for filters read as the reader reads them; ordinary text stays as written */
static void test_normalize_disguised(void)
{
    char *n;
    static const struct { const char *in, *want, *what; } cases[] = {
        { "Verify your \xd0\xb0" "ccount", "Verify your account", "Cyrillic a in a Latin word" },
        { "Y\xce\xbfur mailb\xce\xbfx", "Your mailbox", "Greek omicron in Latin words" },
        { "P\xd0\xb0y\xd0\xa0\xd0\xb0l", "PayPal", "Cyrillic a and capital er" },
        { "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xd0\xbc\xd0\xb8\xd1\x80",
          "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xd0\xbc\xd0\xb8\xd1\x80", "a Russian text stays Russian" },
        { "\xce\x9a\xce\xb1\xce\xbb\xce\xb7\xce\xbc\xce\xad\xcf\x81\xce\xb1 kalimera",
          "\xce\x9a\xce\xb1\xce\xbb\xce\xb7\xce\xbc\xce\xad\xcf\x81\xce\xb1 kalimera", "a Greek word beside a Latin one stays" },
        { "m\xd0\xb4il", "m\xd0\xb4il", "a Cyrillic letter that passes for no Latin one: left alone" },
        { "y\xd6\x85ur \xd5\x8dnit", "your Unit", "Armenian o and capital se" },
        { "\xe1\x8e\xaa" "ccount \xea\xae\xaa" "ecure", "Account secure", "Cherokee capital and small letters" },
        { "\xd0\x86nvoice", "Invoice", "a capital that passes for I stays I (the skeleton says l)" },
        { "k\xc4\xb1z \xc9\x91", "k\xc4\xb1z \xc9\x91", "Latin letters of other languages (Turkish dotless i, IPA alpha) stay" },
        { "Your m a i l b o x has", "Your mailbox has", "a word spelt out with spaces" },
        { "V.e.r.i.f.y  y-o-u-r  a c c o u n t", "Verify your account", "dots, dashes; two spaces end a word" },
        { "C o i n b a s e", "Coinbase", "a display name spelt apart" },
        { "J. R. R. Tolkien, e.g. i.e. a b c", "J. R. R. Tolkien, e.g. i.e. a b c", "initials, abbreviations, three letters: kept" },
        { "U.S.A.F. and A B C D", "USAF. and ABCD", "four single letters make a word" },
        { "您的帳 號 將 於 2 4 小 時 內 停 用 ， 請", "您的帳號將於24小時內停用,請",
          "a Chinese sentence spelt out with spaces reads whole (digits and punctuation among it)" },
        { "帳*號*停*用 and 帳_號_停_用", "帳號停用 and 帳號停用", "... with stars or underscores" },
        { "公 告 事 項", "公告事項", "four characters are a run" },
        { "王 大 明", "王 大 明", "three are not: a spaced-out name stays" },
        { "帳 號  停 用", "帳 號 停 用", "a wider gap ends a run: two of two, and spaces collapse" },
        { "Your  m  a  i  l  b  o  x   has", "Your mailbox has", "a wider gap between letters, a wider one still between words" },
        { "been \xe2\x80\xae" "dednepsus\xe2\x80\xac now", "been suspended now", "a right-to-left override drawn as it is seen" },
        { "a \xe2\x80\xae" "cba\nnext", "a abc next", "... up to the line end" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *r = lw_text_read(cases[i].in);

        tap_check_str(r, cases[i].want, "lw_text_read reads disguised words: %s", cases[i].what);
        g_free(r);
    }
    n = lw_text_normalize("P\xd0\xb0y P a l");
    tap_check_str(n, "P\xd0\xb0y P a l", "lw_text_normalize keeps them as written (host names are read so)");
    g_free(n);
}

/* the fast path (text NFKC leaves alone) gives what the full normalization gives */
static void test_normalize_fast_path(void)
{
    static const struct { const char *in, *want; } cases[] = {
        { "  plain\tASCII \r\n text\f ", "plain ASCII text" },
        { "請 立即\n\n驗證「帳號」。", "請 立即 驗證「帳號」。" },
        { "帳號\xe3\x80\x80停用", "帳號 停用" },            /* U+3000 ideographic space: full path */
        { "密碼\xef\xbc\x9a" "1234", "密碼:1234" },           /* U+FF1A full-width colon: full path */
        { "\xe2\xbc\x80 radical", "\xe4\xb8\x80 radical" },  /* U+2F00 KANGXI ONE -> U+4E00 */
        { "cafe\xcc\x81", "caf\xc3\xa9" },                   /* e + combining acute composes */
        { "\xe4\xb8\x80\xe9\xbf\xbf", "\xe4\xb8\x80\xe9\xbf\xbf" },  /* U+4E00, U+9FFF */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *n = lw_text_normalize(cases[i].in);
        gchar *full = g_utf8_normalize(cases[i].in, -1, G_NORMALIZE_NFKC);
        char *again = lw_text_normalize(full);

        tap_check_str(n, cases[i].want, "normalize case %zu", i);
        tap_check_str(again, n, "case %zu: the same from NFKC input", i);
        g_free(n);
        g_free(full);
        g_free(again);
    }
}

/* gmime_decode - what GMime's own lenient decoder makes of base64 text (g_byte_array_unref) */
static GByteArray *gmime_decode(const char *b64)
{
    GByteArray *out = g_byte_array_sized_new((guint) strlen(b64) + 4);
    int state = 0;
    guint32 save = 0;

    g_byte_array_set_size(out, (guint) strlen(b64) + 4);
    g_byte_array_set_size(out, (guint) g_mime_encoding_base64_decode_step(
                              (const unsigned char *) b64, strlen(b64), out->data, &state, &save));
    return out;
}

/* base64 attachments decode to the bytes GMime's decoder gives, well formed or not */
static void test_base64(const struct lw_config *cfg)
{
    static const char *const bodies[] = {
        "UEsDBBQAAAAIAA==\r\n",                          /* padding == */
        "UEsDBBQAAAAIAAA=\r\n",                          /* padding = */
        "UEsDBBQA\r\nAAAIAAAA\r\nQUJD\r\n",              /* CRLF between groups */
        "UEsDB\nBQAAA\nAIAAAA\n",                        /* LF inside groups */
        "UEsDBBQAAAAIAA\r\n",                            /* no padding, 2 left over */
        "UEsDBBQAAAAIA\r\n",                             /* 1 left over: malformed */
        "UEsD BBQA\tAAAI\r\n",                          /* blanks: GMime's leniency */
        "UEs=DBBQ\r\n",                                  /* '=' in the middle */
        "QQ==QUJD\r\n",                                  /* data after padding */
        "UEsD!!BBQA*\r\n",                               /* junk characters */
        "",                                               /* empty */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bodies); i++) {
        char *raw = g_strdup_printf("From: a@example.org\r\nSubject: b64\r\nMIME-Version: 1.0\r\n"
                                    "Content-Type: application/octet-stream; name=\"x.bin\"\r\n"
                                    "Content-Transfer-Encoding: base64\r\n\r\n%s", bodies[i]);
        struct lw_message *msg = lw_message_parse(raw, strlen(raw), NULL, cfg);
        const struct lw_part *p = part_named(msg, "x.bin");
        GByteArray *want = gmime_decode(bodies[i]);
        gsize len = 0;
        const void *got = p && p->data ? g_bytes_get_data(p->data, &len) : NULL;

        tap_check(p != NULL && len == want->len && (len == 0 || memcmp(got, want->data, len) == 0),
                  "base64 body %zu decodes as GMime decodes it (%u bytes)", i, want->len);
        g_byte_array_unref(want);
        lw_message_free(msg);
        g_free(raw);
    }
}

static void test_sniff(void)
{
    tap_check_str(lw_sniff((const unsigned char *) "\x7f" "ELF\x02", 5), "application/x-executable", "ELF");
    tap_check_str(lw_sniff((const unsigned char *) "  <html><body>", 14), "text/html", "HTML after spaces");
    tap_check_str(lw_sniff((const unsigned char *) "plain words", 11), "text/plain", "text");
    tap_check_str(lw_sniff((const unsigned char *) "\x00\x01\x02\x03\xff\xfe\x00\x00", 8),
                  "application/octet-stream", "binary");
}

static void test_unparseable(const struct lw_config *cfg)
{
    struct lw_message *msg = lw_message_parse("", 0, NULL, cfg);

    tap_check(msg->unparseable && msg->parts->len == 0, "an empty message is unparseable, not NULL");
    lw_message_free(msg);
}

int main(void)
{
    struct lw_config *cfg = lw_config_new();

    lw_gmime_init();
    test_multipart(cfg);
    test_charsets(cfg);
    test_type_case(cfg);
    test_encoded_word_runs(cfg);
    test_other_names(cfg);
    test_uuencoded(cfg);
    test_normalize();
    test_normalize_fast_path();
    test_normalize_disguised();
    test_normalize_invisible();
    test_base64(cfg);
    test_sniff();
    test_unparseable(cfg);
    lw_config_free(cfg);
    return tap_done();
}
