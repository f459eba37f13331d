/* test-warninglist.c - MISP warninglists: every list type, the type mapping, the shipped set, errors */
#include "config.h"

#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "tap.h"
#include "indicators/warninglist.h"

/* write_list - one warninglist file in dir */
static void write_list(const char *dir, const char *file, const char *json)
{
    char *path = g_build_filename(dir, file, NULL);

    g_file_set_contents(path, json, -1, NULL);
    g_free(path);
}

/* is - does the set name value (of type) on list want (NULL: on none)? */
static void is(const struct lw_warninglists *wl, enum lw_ioc_type type, const char *value, const char *want)
{
    const char *got = lw_warninglists_match(wl, type, value);

    if (want)
        tap_check_str(got, want, "%s %s is on %s", lw_ioc_type_name(type), value, want);
    else if (!tap_check(got == NULL, "%s %s is on no list", lw_ioc_type_name(type), value))
        printf("#   it is on %s\n", got);
}

static void test_kinds(void)
{
    char tmpl[] = "/tmp/test-warninglist.XXXXXX", *dir = g_mkdtemp(tmpl);
    struct lw_warninglists *wl;
    struct lw_error err;
    size_t lists, values;

    write_list(dir, "a-hosts.json", "{\"name\": \"hosts\", \"type\": \"hostname\","
               " \"matching_attributes\": [\"domain\", \"hostname\", \"url\"],"
               " \"list\": [\"gmail.com\", \".Shared-CDN.example.\", \"*.wild.example\", \"例子.example\"]}");
    write_list(dir, "b-strings.json", "{\"name\": \"strings\", \"type\": \"string\","
               " \"matching_attributes\": [\"domain\", \"url\", \"email-src\", \"filename|sha256\"],"
               " \"list\": [\"exact.example\", \".dotted.example\", \"nobody@mail.example\","
               " \"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\"]}");
    write_list(dir, "c-cidr.json", "{\"name\": \"nets\", \"type\": \"cidr\", \"matching_attributes\": [\"ip-src\"],"
               " \"list\": [\"192.0.2.0/24\", \"192.0.2.128/25\", \"198.51.100.7\", \"2001:db8::/32\"]}");
    write_list(dir, "d-sub.json", "{\"name\": \"subs\", \"type\": \"substring\","
               " \"matching_attributes\": [\"url\"], \"list\": [\"/unsubscribe?\"]}");
    write_list(dir, "e-re.json", "{\"name\": \"res\", \"type\": \"regex\","
               " \"matching_attributes\": [\"email-subject\"], \"list\": [\"/^out of office/i\"]}");
    write_list(dir, "notes.txt", "not a list: ignored");
    wl = lw_warninglists_load(dir, &err);
    tap_check(wl != NULL, "five lists load");
    if (wl == NULL) {
        printf("#   %s\n", err.text);
        return;
    }
    lw_warninglists_size(wl, &lists, &values);
    tap_check_int(lists, ==, 5, "five lists (the .txt file is not one)");
    tap_check_int(values, ==, 14, "their fourteen values");

    is(wl, LW_IOC_DOMAIN, "gmail.com", "hosts");
    is(wl, LW_IOC_DOMAIN, "mail.GMAIL.com.", "hosts");
    is(wl, LW_IOC_SENDER_DOMAIN, "gmail.com", "hosts");
    is(wl, LW_IOC_DOMAIN, "notgmail.com", NULL);
    is(wl, LW_IOC_DOMAIN, "img.shared-cdn.example", "hosts");
    is(wl, LW_IOC_DOMAIN, "wild.example", "hosts");
    is(wl, LW_IOC_DOMAIN, "xn--fsqu00a.example", "hosts");
    is(wl, LW_IOC_DOMAIN, "a.例子.example", "hosts");
    is(wl, LW_IOC_EMAIL, "attacker@gmail.com", NULL);          /* a free-mail address stays an indicator */
    is(wl, LW_IOC_URL, "https://gmail.com/", "hosts");
    is(wl, LW_IOC_URL, "https://www.gmail.com:443", "hosts");
    is(wl, LW_IOC_URL, "https://gmail.com/phish/form", NULL);  /* one object on the host */
    is(wl, LW_IOC_URL, "https://user@gmail.com/", "hosts");    /* no server sees userinfo */
    is(wl, LW_IOC_URL, "https://gmail.com#r3cipient-t0ken", "hosts");  /* nor a fragment */
    is(wl, LW_IOC_URL, "https://www.bank.example@gmail.com/#x", "hosts");
    is(wl, LW_IOC_URL, "https://gmail.com/?next=%23", NULL);
    is(wl, LW_IOC_URL, "https://gmail.com@evil.example/", NULL);

    is(wl, LW_IOC_DOMAIN, "exact.example", "strings");
    is(wl, LW_IOC_DOMAIN, "www.exact.example", NULL);
    is(wl, LW_IOC_URL, "https://exact.example#t0ken", "strings");   /* the bare site is the host */
    is(wl, LW_IOC_URL, "https://exact.example/login", NULL);
    is(wl, LW_IOC_DOMAIN, "www.dotted.example", "strings");
    is(wl, LW_IOC_DOMAIN, "dotted.example", "strings");
    is(wl, LW_IOC_EMAIL, "Nobody@mail.example", "strings");
    is(wl, LW_IOC_EMAIL, "somebody@mail.example", NULL);
    is(wl, LW_IOC_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "strings");
    is(wl, LW_IOC_FILENAME, "exact.example", "strings");      /* filename|sha256 names filenames too */
    is(wl, LW_IOC_SUBJECT, "exact.example", NULL);

    is(wl, LW_IOC_IPV4, "192.0.2.200", "nets");
    is(wl, LW_IOC_IPV4, "192.0.2.0/26", "nets");
    is(wl, LW_IOC_IPV4, "192.0.3.1", NULL);
    is(wl, LW_IOC_IPV4, "192.0.2.0/23", NULL);                 /* wider than the range */
    is(wl, LW_IOC_IPV4, "198.51.100.7", "nets");
    is(wl, LW_IOC_IPV4, "198.51.100.8", NULL);
    is(wl, LW_IOC_IPV6, "2001:db8:1::5", "nets");
    is(wl, LW_IOC_IPV6, "2001:db9::5", NULL);
    is(wl, LW_IOC_IPV4, "not an address", NULL);

    is(wl, LW_IOC_URL, "https://news.example/Unsubscribe?id=1", "subs");
    is(wl, LW_IOC_SUBJECT, "Out of Office: back Monday", "res");
    is(wl, LW_IOC_SUBJECT, "Re: out of office", NULL);
    is(wl, LW_IOC_MALWARE, "gmail.com", NULL);
    lw_warninglists_free(wl);
    tap_check(lw_warninglists_match(NULL, LW_IOC_DOMAIN, "gmail.com") == NULL, "no lists: nothing listed");
    write_list(dir, "a-hosts.json", "");
    write_list(dir, "b-strings.json", "");
    write_list(dir, "c-cidr.json", "");
    write_list(dir, "d-sub.json", "");
    write_list(dir, "e-re.json", "");
    g_rmdir(dir);
}

/* refused - a directory holding only json is refused with a message containing want */
static void refused(const char *json, const char *want)
{
    char tmpl[] = "/tmp/test-warninglist.XXXXXX", *dir = g_mkdtemp(tmpl), *path;
    struct lw_warninglists *wl;
    struct lw_error err = { { 0 } };

    write_list(dir, "bad.json", json);
    wl = lw_warninglists_load(dir, &err);
    if (!tap_check(wl == NULL && strstr(err.text, "bad.json") && strstr(err.text, want),
                   "refused with file and reason: %s", want))
        printf("#   got \"%s\"\n", wl ? "(loaded)" : err.text);
    lw_warninglists_free(wl);
    path = g_build_filename(dir, "bad.json", NULL);
    g_unlink(path);
    g_free(path);
    g_rmdir(dir);
}

static void test_errors(void)
{
    struct lw_error err;

    refused("{\"name\": \"x\", \"type\": \"hostname\",", "bad.json:1");
    refused("{\"name\": \"x\", \"type\": \"glob\", \"list\": []}", "not string, hostname");
    refused("{\"type\": \"string\", \"list\": []}", "no \"name\"");
    refused("{\"name\": \"x\", \"type\": \"string\", \"list\": \"a\"}", "\"list\" is not an array");
    refused("{\"name\": \"x\", \"type\": \"string\", \"list\": [\"a\", 3]}", "list[1]");
    refused("{\"name\": \"x\", \"type\": \"cidr\", \"list\": [\"10.0.0.0/33\"]}", "not an address");
    refused("{\"name\": \"x\", \"type\": \"regex\", \"list\": [\"(open\"]}", "bad regular expression");
    refused("{\"name\": \"x\", \"type\": \"string\", \"matching_attributes\": \"url\", \"list\": []}",
            "matching_attributes");
    tap_check(lw_warninglists_load("/nonexistent/warninglists", &err) == NULL
              && strstr(err.text, "/nonexistent/warninglists"), "a missing directory is an error naming it");
}

/* test_shipped - the default set loads, and names what the issue found exported */
static void test_shipped(void)
{
    struct lw_warninglists *wl;
    struct lw_error err;

    wl = lw_warninglists_load(LW_TEST_WARNINGLISTS, &err);
    if (!tap_check(wl != NULL, "contrib/warninglists loads"))
        printf("#   %s\n", err.text);
    tap_check(lw_warninglists_match(wl, LW_IOC_DOMAIN, "www.google-analytics.com") != NULL, "a tracking pixel host");
    tap_check(lw_warninglists_match(wl, LW_IOC_SENDER_DOMAIN, "hotmail.com") != NULL, "a free-mail domain");
    tap_check(lw_warninglists_match(wl, LW_IOC_DOMAIN, "qq.com") != NULL, "a Chinese free-mail domain");
    tap_check(lw_warninglists_match(wl, LW_IOC_DOMAIN, "o1.ptr1234.sendgrid.net") != NULL, "an ESP's sending host");
    tap_check(lw_warninglists_match(wl, LW_IOC_DOMAIN, "bradesco.com.br") != NULL, "a bank's real site");
    tap_check(lw_warninglists_match(wl, LW_IOC_DOMAIN, "bit.ly") != NULL, "a URL shortener");
    tap_check(lw_warninglists_match(wl, LW_IOC_URL, "https://bit.ly/3xYzAbc") == NULL,
              "a shortener link still names one object");
    tap_check(lw_warninglists_match(wl, LW_IOC_EMAIL, "attacker@gmail.com") == NULL, "a free-mail address is not");
    tap_check(lw_warninglists_match(wl, LW_IOC_DOMAIN, "secure-bradesco-login.example") == NULL, "a lookalike is not");
    lw_warninglists_free(wl);
}

int main(void)
{
    test_kinds();
    test_errors();
    test_shipped();
    return tap_done();
}
