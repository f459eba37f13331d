/* test-rules.c - unit tests of the rules file format and of matching each target */
#include "config.h"

#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "engine.h"
#include "rulefile.h"
#include "tap.h"

static const char rules[] =
    "R_SUBJ subject 1 /invoice/i subject rule\n"
    "R_FROMN from-name 1 /paypal/i display name rule\n"
    "R_FROMA from-addr 1 /@evil\\.example$/ address rule\n"
    "R_HDR header:X-Mailer 1 /PHPMailer/ header rule\n"
    "R_BODY body 1 /密碼.{0,4}過期/ body rule on normalized text\n"
    "R_HTML html 1 /<form[^>]+action/i html rule\n"
    "R_FILE filename 1 /\\.exe$/ filename rule\n"
    "R_RAW raw 1 /X-Trace: 42/ raw rule\n"
    "R_SLASH body 1 /a\\/b/ slash escaped in pattern\n"
    "R_NEG body -2 /unsubscribe/ negative score\n";

static const char msg_text[] =
    "From: \"PayPal Service\" <alert@evil.example>\nSubject: Your INVOICE\nX-Mailer: PHPMailer 6\n"
    "X-Trace: 42\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
    "--B\nContent-Type: text/html; charset=utf-8\n\n<form method=post action=\"http://x\">密碼 即將 過期 a/b</form>\n"
    "--B\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"run.exe\"\n\nMZ\n"
    "--B--\n";

static void test_parse_errors(void)
{
    GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
    const char *text = "OK body 1 /x/ fine\nBAD body 1 /(/ broken\n\n# comment\nNODESC body 1 /y/\n";
    struct lw_ruleset *set = lw_ruleset_parse(text, strlen(text), "t.rules", errors);

    tap_check_int(set->rules->len, ==, 1, "one good rule kept");
    tap_check_int(errors->len, ==, 2, "two bad rules reported");
    tap_check(errors->len == 2 && g_str_has_prefix(g_ptr_array_index(errors, 0), "t.rules:2: bad pattern"),
              "bad pattern names file and line");
    tap_check(errors->len == 2 && strcmp(g_ptr_array_index(errors, 1), "t.rules:5: missing description") == 0,
              "missing description names its line");
    lw_ruleset_free(set);
    g_ptr_array_unref(errors);
}

static void test_targets(void)
{
    char *path = NULL;
    int fd = g_file_open_tmp("lw-rules-XXXXXX", &path, NULL);
    struct lw_config *cfg = lw_config_new();
    struct lw_error err = { "" };
    struct lw_engine *e;
    struct lw_message *msg;
    struct lw_verdict *v;
    static const char *const want[] = { "R_SUBJ", "R_FROMN", "R_FROMA", "R_HDR", "R_BODY", "R_HTML",
                                        "R_FILE", "R_RAW", "R_SLASH" };

    g_assert(write(fd, rules, sizeof(rules) - 1) == (ssize_t) sizeof(rules) - 1);
    close(fd);
    g_chmod(path, 0644);
    lw_config_set(cfg, "rules_file", path, &err);
    e = lw_engine_new(cfg, &err);
    tap_check(e != NULL, "engine with the test rules: %s", err.text);
    if (e == NULL)
        return;
    msg = lw_engine_parse(e, msg_text, sizeof(msg_text) - 1, NULL);
    v = lw_engine_scan(e, msg);
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
        tap_check(lw_verdict_has_rule(v, want[i]), "target of %s matched", want[i]);
    tap_check(!lw_verdict_has_rule(v, "R_NEG"), "a rule that does not match does not score");
    {
        double by_rules = 0, all = 0;

        for (guint i = 0; i < v->hits->len; i++) {
            const struct lw_hit *hit = g_ptr_array_index(v->hits, i);

            all += hit->score;
            if (strcmp(hit->analyzer, "rules") == 0)
                by_rules += hit->score;
        }
        tap_check(by_rules == 9.0, "the nine matching rules score 9 (%.1f)", by_rules);
        tap_check(v->score == all, "the message score is the sum of all hits (%.1f)", v->score);
    }
    lw_verdict_free(v);
    lw_message_free(msg);
    lw_engine_unref(e);
    g_unlink(path);
    g_free(path);
}

int main(void)
{
    lw_gmime_init();
    test_parse_errors();
    test_targets();
    return tap_done();
}
