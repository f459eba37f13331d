/* test-privsep.c - unit tests of the review service's privileged helper: only its four operations, only on checked arguments */
#include "config.h"

#include <sys/stat.h>
#include <glib/gstdio.h>

#include "review/service/privsep.h"
#include "tap.h"

#define QID "4F2A31C0B9"

/* fake_command - DIR/NAME: a script that appends its arguments to DIR/ran and says what postsuper says */
static void fake_command(const char *dir, const char *name, const char *said)
{
    char *path = g_build_filename(dir, name, NULL);
    char *text = g_strdup_printf("#!/bin/sh\necho \"%s $*\" >>'%s/ran'\necho '%s' >&2\n", name, dir, said);

    g_file_set_contents(path, text, -1, NULL);
    g_chmod(path, 0755);
    g_free(text);
    g_free(path);
}

/* ran - what the fake commands recorded, "" when nothing ran (g_free) */
static char *ran(const char *dir)
{
    char *path = g_build_filename(dir, "ran", NULL), *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        text = g_strdup("");
    g_free(path);
    return text;
}

static struct lw_config *config(const char *dir)
{
    struct lw_config *cfg = lw_config_new();

    g_free(cfg->postfix_command_dir);
    cfg->postfix_command_dir = g_strdup(dir);
    g_free(cfg->review_block_file);
    cfg->review_block_file = g_build_filename(dir, "blocked.txt", NULL);
    return cfg;
}

static void test_operations(void)
{
    char *dir = g_dir_make_tmp("lw-privsep-XXXXXX", NULL), *text, *block;
    struct lw_config *cfg = config(dir);
    struct lw_error err = { "" };
    struct lw_privsep *p;
    struct lw_privileged via;
    GString *out = g_string_new(NULL);

    fake_command(dir, "postsuper", "postsuper: " QID ": released from hold\npostsuper: Released from hold: 1 message");
    fake_command(dir, "postqueue", "");
    fake_command(dir, "postcat", "postcat: fatal: open queue file " QID ": No such file or directory");
    p = lw_privsep_start(cfg, &err);
    tap_check(p != NULL, "the helper starts (%s)", err.text);
    via = lw_privsep_via(p);

    tap_check(via.run(via.ctx, LW_PRIV_RELEASE, QID, out, &err) == 0, "a release of a queue id succeeds (%s)", err.text);
    text = ran(dir);
    tap_check_str(text, "postsuper -H " QID "\npostqueue -i " QID "\n", "it ran postsuper -H, then postqueue -i, on that id");
    g_free(text);

    text = g_build_filename(dir, "ran", NULL);
    g_unlink(text);
    g_free(text);
    tap_check(via.run(via.ctx, LW_PRIV_RELEASE, "ALL", out, &err) < 0 && strstr(err.text, "not a Postfix queue id"),
              "ALL is refused by the helper itself (%s)", err.text);
    tap_check(via.run(via.ctx, LW_PRIV_DELETE, "-c /tmp/x " QID, out, &err) < 0,
              "an option smuggled before a queue id is refused (%s)", err.text);
    tap_check(via.run(via.ctx, LW_PRIV_SHOW, "../../etc/shadow", out, &err) < 0, "a path is not a queue id (%s)", err.text);
    tap_check(via.run(via.ctx, LW_PRIV_RELEASE, QID "\n0 ALL", out, &err) < 0 && strstr(err.text, "one short line"),
              "a second request hidden after a newline is refused before it is sent (%s)", err.text);
    tap_check(via.run(via.ctx, (enum lw_privileged_op) 99, QID, out, &err) < 0 && strstr(err.text, "malformed"),
              "an operation the helper does not know is refused (%s)", err.text);
    text = ran(dir);
    tap_check_str(text, "", "none of those ran a command");
    g_free(text);

    tap_check(via.run(via.ctx, LW_PRIV_BLOCK, "mallory@evil.example", out, &err) == 0, "a plain address is blocked (%s)", err.text);
    tap_check(via.run(via.ctx, LW_PRIV_BLOCK, "x@y.example>, admin@agency.gov.tw", out, &err) < 0,
              "an address with header syntax is refused (%s)", err.text);
    g_file_get_contents(cfg->review_block_file, &block, NULL, NULL);
    tap_check_str(block, "mallory@evil.example\n", "the block list holds the plain address alone");
    g_free(block);

    tap_check(via.run(via.ctx, LW_PRIV_SHOW, QID, out, &err) < 0 && strstr(err.text, "No such file or directory"),
              "a message postcat cannot show is an error, in postcat's words (%s)", err.text);
    lw_privsep_stop(p);
    g_string_free(out, TRUE);
    lw_config_free(cfg);
    text = g_strdup_printf("rm -rf '%s'", dir);
    g_spawn_command_line_sync(text, NULL, NULL, NULL, NULL);
    g_free(text);
    g_free(dir);
}

int main(void)
{
    test_operations();
    return tap_done();
}
