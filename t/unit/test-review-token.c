/* test-review-token.c - unit tests of the signed review links: key file, tokens, CSRF, single use */
#include "config.h"

#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "review/review_token.h"
#include "tap.h"

#define NOW 1800000000

static char *write_key(const char *dir, const char *name, const char *text, int mode)
{
    char *path = g_build_filename(dir, name, NULL);

    g_file_set_contents(path, text, -1, NULL);
    g_chmod(path, mode);
    return path;
}

static void test_key_file(const char *dir)
{
    char *good = write_key(dir, "good.key", "0123456789abcdef0123456789abcdef", 0600);
    char *open_to_group = write_key(dir, "group.key", "0123456789abcdef0123456789abcdef", 0640);
    char *short_key = write_key(dir, "short.key", "too short", 0600);
    char *link = g_build_filename(dir, "link.key", NULL);
    struct lw_review_key *k;
    struct lw_error err = { "" };

    tap_check((k = lw_review_key_load(good, &err)) != NULL, "a 32-byte key readable by its owner only loads");
    lw_review_key_free(k);
    tap_check(lw_review_key_load(open_to_group, &err) == NULL && strstr(err.text, "chmod 600"),
              "a key file the group may read is refused, saying how to fix it (%s)", err.text);
    tap_check(lw_review_key_load(short_key, &err) == NULL && strstr(err.text, "32"),
              "a key shorter than 32 bytes is refused (%s)", err.text);
    symlink(good, link);
    tap_check(lw_review_key_load(link, &err) == NULL, "a symlink to the key is not followed");
    g_free(good);
    g_free(open_to_group);
    g_free(short_key);
    g_free(link);
}

static void test_tokens(const char *dir)
{
    char *path = write_key(dir, "k1", "0123456789abcdef0123456789abcdef", 0600);
    char *path2 = write_key(dir, "k2", "another secret of thirty-two bytes!", 0600);
    struct lw_review_key *k = lw_review_key_load(path, NULL), *k2 = lw_review_key_load(path2, NULL);
    struct lw_review_claim c = { "release", "relay-1", "4F2A31C0B9", "rev@a.gov.tw", NOW + 60 }, got;
    struct lw_review_claim bad = { "release", "relay-1", "4F2A31C0B9", "rev@a.gov.tw\nrelease", NOW + 60 };
    struct lw_error err = { "" };
    char *t = lw_review_token_make(k, &c), *forged, *csrf;

    tap_check(t && strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == strlen(t),
              "a token is base64url and a dot: safe in a URL as it is");
    tap_check(lw_review_token_check(k, t, NOW, &got, &err) == 0, "the key that made a token accepts it");
    tap_check_str(got.action, "release", "the action comes back");
    tap_check_str(got.relay, "relay-1", "the relay comes back");
    tap_check_str(got.queue_id, "4F2A31C0B9", "the queue id comes back");
    tap_check_str(got.reviewer, "rev@a.gov.tw", "the reviewer comes back");
    tap_check_int(got.expires, ==, NOW + 60, "the expiry comes back");
    lw_review_claim_clear(&got);

    tap_check(lw_review_token_check(k, t, NOW + 60, &got, &err) < 0 && strstr(err.text, "expired"),
              "at its expiry the token is refused (%s)", err.text);
    tap_check(lw_review_token_check(k2, t, NOW, &got, &err) < 0 && strstr(err.text, "signature"),
              "another key refuses it (%s)", err.text);

    /* change one character of the payload: the action, say */
    forged = g_strdup(t);
    forged[6] = forged[6] == 'A' ? 'B' : 'A';
    tap_check(lw_review_token_check(k, forged, NOW, &got, &err) < 0, "a token changed by one character is refused");
    g_free(forged);
    tap_check(lw_review_token_check(k, "abc", NOW, &got, &err) < 0, "text without a dot is not a token");
    tap_check(lw_review_token_check(k, "a$b.c", NOW, &got, &err) < 0, "text outside base64url is not a token");
    tap_check(lw_review_token_make(k, &bad) == NULL, "a field with a line break cannot make a token");

    csrf = lw_review_csrf(k, t);
    tap_check(lw_review_csrf_ok(k, t, csrf), "the CSRF value of a token checks");
    tap_check(!lw_review_csrf_ok(k2, t, csrf), "another key's CSRF check fails");
    tap_check(!lw_review_csrf_ok(k, "another token", csrf), "the CSRF value is bound to its token");
    tap_check(!lw_review_csrf_ok(k, t, ""), "an empty CSRF value fails");
    tap_check(!lw_review_csrf_ok(k, t, NULL), "a missing CSRF value fails");
    g_free(csrf);
    g_free(t);
    lw_review_key_free(k);
    lw_review_key_free(k2);
    g_free(path);
    g_free(path2);
}

static void test_single_use(const char *dir)
{
    char *used = g_build_filename(dir, "used", NULL), *planted = g_build_filename(dir, "planted", NULL);
    struct lw_error err = { "" };
    GDir *d;
    int n = 0;

    tap_check_int(lw_review_token_claim(used, "tok-1", NOW + 10, &err), ==, 1, "a fresh token is claimed");
    tap_check_int(lw_review_token_claim(used, "tok-1", NOW + 10, &err), ==, 0, "a used token is not claimed again");
    tap_check(lw_review_token_used(used, "tok-1") && !lw_review_token_used(used, "tok-9"),
              "a used token is known as used, another is not");
    lw_review_token_unclaim(used, "tok-1");
    tap_check_int(lw_review_token_claim(used, "tok-1", NOW + 10, &err), ==, 1, "a token given back can be claimed");
    tap_check_int(lw_review_token_claim(used, "tok-2", NOW + 100, &err), ==, 1, "a second token is claimed");
    lw_review_tokens_prune(used, NOW + 50);
    d = g_dir_open(used, 0, NULL);
    while (d && g_dir_read_name(d))
        n++;
    if (d)
        g_dir_close(d);
    tap_check_int(n, ==, 1, "pruning removes only the record of the token that expired");
    tap_check_int(lw_review_token_claim(used, "tok-2", NOW + 100, &err), ==, 0, "the unexpired one stays used");
    symlink(used, planted);
    tap_check_int(lw_review_token_claim(planted, "tok-3", NOW + 100, &err), ==, -1,
                  "a used-token directory reached through a symbolic link is refused (%s)", err.text);
    g_free(used);
    g_free(planted);
}

static void rm_tree(const char *dir)
{
    char *argv[] = { "rm", "-rf", (char *) dir, NULL };

    g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

int main(void)
{
    char *dir = g_dir_make_tmp("lw-token-XXXXXX", NULL);

    test_key_file(dir);
    test_tokens(dir);
    test_single_use(dir);
    rm_tree(dir);
    g_free(dir);
    return tap_done();
}
