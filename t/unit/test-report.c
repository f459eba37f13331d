/* test-report.c - unit tests of the quarantine store (spool) and the report's safety functions */
#include "config.h"

#include <glib/gstdio.h>

#include "util/log.h"
#include "review/quarantine_store.h"
#include "review/report_mail.h"
#include "tap.h"

static void test_defang(void)
{
    static const struct { const char *in, *want; } cases[] = {
        { "http://evil.example.com/login", "hxxp://evil[.]example[.]com/login" },
        { "HTTPS://Evil.Example.COM/x?a=b.c", "hxxps://Evil[.]Example[.]COM/x?a=b.c" },
        { "ftp://files.example.org", "fxp://files[.]example[.]org" },
        { "visit www.example.com now", "visit www[.]example[.]com now" },
        { "bob@a.gov.tw", "bob@a[.]gov[.]tw" },
        { "server 192.0.2.10 said", "server 192[.]0[.]2[.]10 said" },
        { "version 2.0 and pi 3.14", "version 2.0 and pi 3.14" },
        { "end of sentence.", "end of sentence." },
        { "請點擊例子.台灣登入", "請點擊例子[.]台灣登入" },
        { "<script>x.example.com</script>", "<script>x[.]example[.]com</script>" },
        /* the dots IDNA maps to '.': U+3002, U+FF0E, U+FF61 */
        { "login.evil。com/x", "login[.]evil[。]com/x" },
        { "evil．example｡com", "evil[．]example[｡]com" },
        { "192．0.2.1", "192[．]0[.]2[.]1" },
        { "the end。", "the end。" },
        { "", "" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *out = lw_defang(cases[i].in);

        tap_check_str(out, cases[i].want, "defang \"%s\"", cases[i].in);
        g_free(out);
    }
}

/* test_queue_ids - Postfix's short and long queue ids, Sendmail's, and nothing else */
static void test_queue_ids(void)
{
    static const char *const postfix[] = { "2CEC5A742E3", "A1B2C3", "4bNqJx2rG9z1Hk", "4HkFqK0Qxcz5vpN" };
    /* Sendmail: year%60 month(0-11) day(1-31) hour(0-23) minute second, envelope (2), pid "%06d" */
    static const char *const sendmail[] = { "wB5Fv3Zt012345", "6B4Ck2Ab1234567", "60G00000000001",
                                            "xBVNzzxx2147483647" };
    static const char *const bad[] = { "ALL", "-d", "--", "../etc/passwd", "A1B2C", "2cec5a742e3", "",
                                       "4bNqJx2rGz1Hk", "4bNqJx2rG9z", "4bNqJx2rG9z1Hk-", "4bNqJx2rA9z1Hk",
                                       "2CEC5A742E3 ALL", "ABCDEF0123456789ABCDEF0123456789A",
                                       "wB5Fv3Zt01234", "wC5Fv3Zt012345", "wB0Fv3Zt012345", "wB5Ov3Zt012345",
                                       "wB5Fv3Zt01234x", "wB5Fv3Zt-12345", "wB5Fv3Zt012345678901", "-B5Fv3Zt012345" };

    for (size_t i = 0; i < G_N_ELEMENTS(postfix); i++)
        tap_check(lw_postfix_queue_id_valid(postfix[i]) && lw_queue_id_valid(postfix[i]),
                  "\"%s\" is a Postfix queue id", postfix[i]);
    for (size_t i = 0; i < G_N_ELEMENTS(sendmail); i++)
        tap_check(lw_sendmail_queue_id_valid(sendmail[i]) && lw_queue_id_valid(sendmail[i])
                  && !lw_postfix_queue_id_valid(sendmail[i]), "\"%s\" is a Sendmail queue id, not Postfix's", sendmail[i]);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        tap_check(!lw_queue_id_valid(bad[i]), "\"%s\" is not a queue id", bad[i]);
}

/* test_separators - text viewers must not see forged lines or reordered text in a digest value */
static void test_separators(void)
{
    char *out = lw_printable("Subject\u2028Score: 0.1\u2029ok \u202Eevil\u2066", 200);

    tap_check(strstr(out, "\xe2\x80\xa8") == NULL && strstr(out, "\xe2\x80\xa9") == NULL,
              "U+2028 and U+2029 are taken out (got \"%s\")", out);
    tap_check(strstr(out, "\xe2\x80\xae") == NULL && strstr(out, "\xe2\x81\xa6") == NULL,
              "bidi controls U+202E and U+2066 are taken out (got \"%s\")", out);
    tap_check_str(out, "Subject?Score: 0.1?ok ?evil?", "each becomes '?'");
    g_free(out);
}

static struct lw_qentry *entry(const char *id, gint64 held_at, const char *subject)
{
    struct lw_qentry *e = lw_qentry_new();
    struct lw_qhit *h = g_new0(struct lw_qhit, 1);

    e->queue_id = g_strdup(id);
    e->held_at = held_at;
    e->message_id = g_strdup("m@example.org");
    e->sender = g_strdup("s@example.org");
    e->from = g_strdup("f@example.org");
    e->subject = g_strdup(subject);
    e->date = g_strdup("");
    e->instance = g_strdup("relay");
    e->score = 12.5;
    g_ptr_array_add(e->rcpts, g_strdup("r@a.gov.tw"));
    h->rule = g_strdup("R1");
    h->score = 12.5;
    h->description = g_strdup("a reason");
    g_ptr_array_add(e->hits, h);
    g_ptr_array_add(e->indicators, lw_indicator_new(LW_IOC_URL, "http://evil.example.com/"));
    return e;
}

/* count_tmp - files left behind in DIR whose names start with '.' */
static int count_tmp(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    int n = 0;

    while (d && (name = g_dir_read_name(d)) != NULL)
        n += name[0] == '.';
    if (d)
        g_dir_close(d);
    return n;
}

/* rm_tree - remove the test's directory tree (two levels of files are all it makes) */
static void rm_tree(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d)) != NULL) {
        char *sub = g_build_filename(path, name, NULL);

        if (g_file_test(sub, G_FILE_TEST_IS_DIR))
            rm_tree(sub);
        else
            g_unlink(sub);
        g_free(sub);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(path);
}

static void test_store(void)
{
    char *dir = g_dir_make_tmp("lw-qstore-XXXXXX", NULL), *records;
    struct lw_config *cfg = lw_config_new();
    struct lw_error err = { "" };
    struct lw_qstore *s;
    struct lw_qentry *a = entry("AAA111", 1000, "first \xff subject"), *b = entry("BBB222", 2000, "second"), *got;
    GPtrArray *list;
    gint64 v = -1;

    g_free(cfg->quarantine_dir);
    cfg->quarantine_dir = g_build_filename(dir, "q", NULL);
    s = lw_qstore_open(cfg, &err);
    tap_check(s != NULL, "the spool store opens on an absolute path");
    list = lw_qstore_list(s, 0, NULL, &err);
    tap_check(list && list->len == 0, "an empty (not yet created) store lists nothing");
    g_ptr_array_unref(list);
    tap_check(lw_qstore_record(s, b, &err) == 0 && lw_qstore_record(s, a, &err) == 0, "two records are written");
    records = g_build_filename(cfg->quarantine_dir, "records", NULL);
    tap_check_int(count_tmp(records), ==, 0, "atomic writes leave no temporary file");
    list = lw_qstore_list(s, 0, NULL, &err);
    tap_check(list && list->len == 2 && strcmp(((struct lw_qentry *) list->pdata[0])->queue_id, "AAA111") == 0,
              "list returns them oldest first");
    g_ptr_array_unref(list);
    list = lw_qstore_list(s, 1500, NULL, &err);
    tap_check(list && list->len == 1, "list(since) leaves out older entries");
    g_ptr_array_unref(list);
    got = lw_qstore_get(s, "AAA111", &err);
    tap_check(got && got->hits->len == 1 && got->indicators->len == 1 && got->score == 12.5
              && strcmp(((struct lw_qhit *) got->hits->pdata[0])->description, "a reason") == 0
              && g_utf8_validate(got->subject, -1, NULL) && lw_qentry_is_held(got),
              "a record reads back whole, with invalid UTF-8 repaired");
    lw_qentry_free(got);
    tap_check(lw_qstore_mark(s, "AAA111", "released", "alice", 3000, &err) == 0, "mark records a decision");
    got = lw_qstore_get(s, "AAA111", &err);
    tap_check(got && !lw_qentry_is_held(got) && strcmp(got->decided_by, "alice") == 0 && got->decided_at == 3000,
              "the decision reads back with who and when");
    tap_check(lw_qstore_false_positive_hook(s, got, &err) == 0, "the false-positive hook writes");
    lw_qentry_free(got);
    tap_check(lw_qstore_mark_reported(s, "BBB222", 4000, &err) == 0, "mark_reported writes a marker");
    got = lw_qstore_get(s, "BBB222", &err);
    tap_check(got && got->reported_at == 4000 && lw_qentry_is_held(got),
              "the entry reads back as reported, and still held");
    lw_qentry_free(got);
    list = lw_qstore_list(s, 0, NULL, &err);
    tap_check(list && list->len == 2 && ((struct lw_qentry *) list->pdata[0])->reported_at == 0
              && ((struct lw_qentry *) list->pdata[1])->reported_at == 4000, "list fills reported_at");
    g_ptr_array_unref(list);
    {
        char *bad = g_build_filename(records, "CCC333.json", NULL);
        GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);

        g_file_set_contents(bad, "{\"queue_id\": \"CCC333\", trunc", -1, NULL);
        list = lw_qstore_list(s, 0, problems, &err);
        tap_check(list && list->len == 2 && problems->len == 1 && strstr(problems->pdata[0], "CCC333.json"),
                  "a corrupt record is skipped and named in problems");
        g_ptr_array_unref(list);
        g_ptr_array_unref(problems);
        g_free(bad);
    }
    tap_check(lw_qstore_get(s, "../etc", &err) == NULL && strstr(err.text, "bad queue id") != NULL,
              "a queue id with a path in it is refused");
    tap_check(lw_qstore_mark(s, "ZZZ999", "deleted", "bob", 1, &err) < 0, "marking an unknown id fails");
    tap_check(lw_qstore_get_state(s, "last-digest", &v, &err) == 0 && v == 0, "unset state reads as 0");
    tap_check(lw_qstore_set_state(s, "last-digest", 1234567, &err) == 0
              && lw_qstore_get_state(s, "last-digest", &v, &err) == 0 && v == 1234567, "state round-trips");
    lw_qstore_close(s);
    lw_qentry_free(a);
    lw_qentry_free(b);
    g_free(records);
    g_free(cfg->quarantine_dir);
    cfg->quarantine_dir = g_strdup("relative/dir");
    tap_check(lw_qstore_open(cfg, &err) == NULL, "a relative quarantine_dir is refused");
    lw_config_free(cfg);
    rm_tree(dir);
    g_free(dir);
}

/* empty_dir - DIR has no entry */
static int empty_dir(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    int empty = d && g_dir_read_name(d) == NULL;

    if (d)
        g_dir_close(d);
    return empty;
}

/*
 * test_links - the milter's user owns QUARANTINE_DIR; a symbolic link it
 * plants there must never lead root's lurewatch-report to write or read
 * elsewhere: each is refused with a message that says so.
 */
static void test_links(void)
{
    char *dir = g_dir_make_tmp("lw-qlinks-XXXXXX", NULL);
    char *q = g_build_filename(dir, "q", NULL), *victim = g_build_filename(dir, "victim", NULL);
    char *secret = g_build_filename(dir, "secret.json", NULL), *path;
    struct lw_config *cfg = lw_config_new();
    struct lw_error err = { "" };
    struct lw_qentry *a = entry("AAA111", 1000, "first");
    struct lw_qstore *s;
    GPtrArray *list, *problems = g_ptr_array_new_with_free_func(g_free);

    g_free(cfg->quarantine_dir);
    cfg->quarantine_dir = g_strdup(q);
    g_mkdir(victim, 0700);
    s = lw_qstore_open(cfg, &err);
    lw_qstore_record(s, a, &err);

    path = g_build_filename(q, "reported", NULL);
    tap_check(symlink(victim, path) == 0, "plant reported -> victim");
    tap_check(lw_qstore_mark_reported(s, "AAA111", 5, &err) < 0
              && strstr(err.text, "reported: a symbolic link or not a directory: refused, not followed"),
              "marking reported through a planted reported/ is refused (%s)", err.text);
    tap_check(lw_qstore_list(s, 0, NULL, &err) == NULL && strstr(err.text, "reported: a symbolic link"),
              "listing refuses it too, rather than report everything again");
    tap_check(empty_dir(victim), "nothing was written where the link points");
    g_unlink(path);
    g_free(path);

    path = g_build_filename(q, "state", NULL);
    symlink(victim, path);
    tap_check(lw_qstore_set_state(s, "last-digest", 7, &err) < 0 && strstr(err.text, "state: a symbolic link"),
              "a planted state/ is refused (%s)", err.text);
    tap_check(empty_dir(victim), "nothing was written there either");
    g_unlink(path);
    g_free(path);

    path = g_build_filename(q, "digest.lock", NULL);
    {
        char *target = g_build_filename(victim, "lock", NULL);

        symlink(target, path);
        tap_check(lw_qstore_lock(s, &err) < 0 && strstr(err.text, "digest.lock: a symbolic link"),
                  "a planted digest.lock is refused (%s)", err.text);
        tap_check(!g_file_test(target, G_FILE_TEST_EXISTS), "and the file it names is not created");
        g_unlink(path);
        tap_check(lw_qstore_lock(s, &err) == 0, "once removed, the lock is taken");
        g_free(target);
    }
    g_free(path);

    g_file_set_contents(secret, "{\"queue_id\": \"BBB222\", \"subject\": \"root only\"}", -1, NULL);
    path = g_build_filename(q, "records", "BBB222.json", NULL);
    symlink(secret, path);
    tap_check(lw_qstore_get(s, "BBB222", &err) == NULL && strstr(err.text, "BBB222.json: a symbolic link"),
              "a record that is a link is not read (%s)", err.text);
    list = lw_qstore_list(s, 0, problems, &err);
    tap_check(list && list->len == 1 && problems->len == 1
              && strstr(g_ptr_array_index(problems, 0), "BBB222.json: a symbolic link"),
              "listing skips it and names it");
    g_ptr_array_unref(list);
    g_free(path);

    lw_qstore_close(s);
    lw_qentry_free(a);
    g_ptr_array_unref(problems);
    lw_config_free(cfg);
    rm_tree(dir);
    g_free(dir);
    g_free(q);
    g_free(victim);
    g_free(secret);
}

/* hit - add a hit to e */
static void hit(struct lw_qentry *e, const char *rule, const char *cls, double score, const char *desc)
{
    struct lw_qhit *h = g_new0(struct lw_qhit, 1);

    h->rule = g_strdup(rule);
    h->cls = g_strdup(cls);
    h->score = score;
    h->description = g_strdup(desc);
    g_ptr_array_add(e->hits, h);
}

/* test_compact - one short row per message, display name shown, reasons in plain words */
static void test_compact(void)
{
    struct lw_config *cfg = lw_config_new();
    struct lw_qentry *e = entry("B7C2D41A9F", 1000, "Pay\u2028Score: 0.1 invoice at pay．example。com");
    GPtrArray *fresh = g_ptr_array_new(), *none = g_ptr_array_new();
    struct lw_digest d = { "rev@a.gov.tw", fresh, none, NULL, 0, 2000, "lurewatch-report", NULL };
    char *html, *text;
    GMimeMessage *m;
    GMimeObject *alt;

    lw_gmime_init();
    cfg->report_language = LW_LANG_EN;
    e->from_name = g_strdup("Chief Executive Officer");
    hit(e, "LW_META_PAY", "deception", 5, "Asks to pay a changed account (see LW_EN_BANK_CHANGE)");
    hit(e, "LW_NO_DESC", "impersonation", 3, "");
    g_ptr_array_add(fresh, e);
    html = lw_digest_html(cfg, &d);
    tap_check(strstr(html, "<b>Chief Executive Officer</b>") && strstr(html, "f@example[.]org"),
              "the display name is shown, over the address");
    tap_check(strstr(html, "LW_") == NULL, "no internal rule id (LW_..., __LW_...) in the HTML");
    tap_check(strstr(html, "a reason; Asks to pay a changed account; pretends to be someone else") != NULL,
              "reasons in plain words, strongest first; a hit without a description gives its class in words");
    tap_check(strstr(html, "pay[．]example[。]com") && !strstr(html, "\xe2\x80\xa8"),
              "the subject's IDNA dots are defanged and its line separator taken out");
    tap_check(strstr(html, "1 newly held") < strstr(html, "<table>"), "the summary comes before the rows");
    {
        char **rows = g_strsplit(html, "<tr class=", -1);

        tap_check_int((int) g_strv_length(rows) - 1, ==, 1, "the message is one table row");
        g_strfreev(rows);
    }
    m = lw_digest_build(cfg, &d);
    alt = g_mime_message_get_mime_part(m);
    text = g_mime_text_part_get_text(GMIME_TEXT_PART(g_mime_multipart_get_part(GMIME_MULTIPART(alt), 0)));
    tap_check(strstr(text, "[1] 12.5  Chief Executive Officer <f@example[.]org>\n") != NULL,
              "the text row starts with score, display name and address");
    tap_check(strstr(text, "LW_") == NULL && strstr(text, "Release: lurewatch-report release B7C2D41A9F\n"),
              "the text part has no rule id and the release command on a line of its own");
    g_free(text);
    g_object_unref(m);
    g_free(html);
    g_ptr_array_unref(fresh);
    g_ptr_array_unref(none);
    lw_qentry_free(e);
    lw_config_free(cfg);
}

int main(void)
{
    test_defang();
    test_separators();
    test_queue_ids();
    test_compact();
    test_store();
    test_links();
    return tap_done();
}
