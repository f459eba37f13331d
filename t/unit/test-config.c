/* test-config.c - unit tests of conf.c: defaults, values, files with line numbers */
#include "config.h"

#include <unistd.h>
#include <glib/gstdio.h>

#include "util/conf.h"
#include "tap.h"

static char *write_tmp(const char *text)
{
    char *path = NULL;
    int fd = g_file_open_tmp("lw-conf-XXXXXX", &path, NULL);

    g_assert(fd >= 0);
    g_assert(write(fd, text, strlen(text)) == (ssize_t) strlen(text));
    close(fd);
    g_chmod(path, 0644);
    return path;
}

static void test_defaults(void)
{
    struct lw_config *cfg = lw_config_new();

    tap_check(cfg->tag_score == 3 && cfg->quarantine_score == 4 && cfg->reject_score == 15,
              "default thresholds are 5/10/20");
    tap_check_int(cfg->failure_policy, ==, LW_FAIL_TEMPFAIL, "default failure policy is tempfail");
    tap_check_int(cfg->max_message_size, ==, 50LL * 1024 * 1024, "default max_message_size is 50M");
    lw_config_free(cfg);
}

static void test_values(void)
{
    struct lw_config *cfg = lw_config_new();
    struct lw_error err = { "" };

    tap_check(lw_config_set(cfg, "max_header_length", "8k", &err) == 0 && cfg->max_header_length == 8192,
              "sizes take a k suffix");
    tap_check(lw_config_set(cfg, "socket_mode", "0640", &err) == 0 && cfg->socket_mode == 0640,
              "modes are octal");
    tap_check(lw_config_set(cfg, "failure_policy", "accept", &err) == 0
              && cfg->failure_policy == LW_FAIL_ACCEPT, "enums take their names");
    tap_check(lw_config_set(cfg, "tag_score", "1e999", &err) < 0, "an infinite score is refused");
    tap_check(lw_config_set(cfg, "max_parts", "-1", &err) < 0 && strstr(err.text, "out of range"),
              "a negative count is out of range");
    tap_check(lw_config_set(cfg, "score.LW_X", "2.5", &err) == 0
              && lw_config_rule_score(cfg, "LW_X", 9) == 2.5, "score.RULE sets a rule score");
    tap_check(lw_config_rule_score(cfg, "LW_Y", 9) == 9, "an unset rule keeps its score");
    tap_check(lw_config_set(cfg, "score.bad id", "1", &err) < 0, "a bad rule id is refused");
    lw_config_free(cfg);
}

static void test_file_errors(void)
{
    char *path = write_tmp("# ok\ntag_score = 2\n\nbogus = 1\n");
    struct lw_config *cfg = lw_config_new();
    struct lw_error err = { "" };
    char *want = g_strdup_printf("%s:4: unknown key \"bogus\"", path);

    tap_check(lw_config_load(cfg, path, &err) < 0, "a file with an unknown key is refused");
    tap_check_str(err.text, want, "the error names file and line");
    g_unlink(path);
    g_free(path);
    g_free(want);
    lw_config_free(cfg);
}

static void test_override(void)
{
    struct lw_config *cfg = lw_config_new();
    struct lw_error err = { "" };

    tap_check(lw_config_override(cfg, "reject_score=30", &err) == 0 && cfg->reject_score == 30,
              "-o key=value sets a key");
    tap_check(lw_config_override(cfg, "tag_score=40", &err) == 0 && lw_config_check(cfg, &err) < 0
              && strstr(err.text, "tag_score <= quarantine_score"), "thresholds out of order are refused");
    tap_check(lw_config_override(cfg, "quarantine_score=50", &err) == 0
              && lw_config_override(cfg, "reject_score=60", &err) == 0 && lw_config_check(cfg, &err) == 0,
              "overrides are checked together, in any order");
    lw_config_free(cfg);
}

int main(void)
{
    test_defaults();
    test_values();
    test_file_errors();
    test_override();
    return tap_done();
}
