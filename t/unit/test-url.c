/* test-url.c - URL normalization, redirector unwrapping and extraction from messages */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "util/conf.h"
#include "model/message.h"
#include "model/url.h"

/* norm - the normalized form of one URL, checked with its flags */
static void norm(const char *raw, const char *want, unsigned want_flags)
{
    struct lw_url *u = lw_url_parse(raw, -1, 0);

    tap_check_str(u ? u->url : NULL, want, "normalize %s", raw);
    if (want_flags)
        tap_check(u && (u->flags & want_flags) == want_flags, "flags %#x of %s (have %#x)",
                  want_flags, raw, u ? u->flags : 0);
    lw_url_free(u);
}

static void test_normalize(void)
{
    struct lw_url *u;

    norm("HTTP://WWW.Example.COM:80/", "http://www.example.com", 0);
    norm("https://example.com:443/a/b?x=1#f", "https://example.com/a/b?x=1#f", 0);
    norm("https://example.com:8443/", "https://example.com:8443", 0);
    norm("http://example.com./login", "http://example.com/login", 0);
    norm("http://%65vil.com/", "http://evil.com", LW_URL_PERCENT_HOST);
    norm("http://3232235777/x", "http://192.168.1.1/x", LW_URL_IP_HOST | LW_URL_NUMERIC_OBFUSCATED);
    norm("http://0xC0.0250.1.1/", "http://192.168.1.1", LW_URL_NUMERIC_OBFUSCATED);
    norm("http://0x7f.1/", "http://127.0.0.1", LW_URL_NUMERIC_OBFUSCATED);
    norm("http://10.1.2.3/", "http://10.1.2.3", LW_URL_IP_HOST);
    norm("http://[2001:DB8:0:0::1]:8080/p", "http://[2001:db8::1]:8080/p", LW_URL_IP_HOST);
    norm("hxxps://evil[.]example[.]com/pay", "https://evil.example.com/pay", LW_URL_DEFANGED);
    norm("hxxp[:]//bad[.]cn", "http://bad.cn", LW_URL_DEFANGED);
    norm("www.example.org/path", "http://www.example.org/path", LW_URL_NO_SCHEME);
    norm("http:\\\\evil.com\\x", "http://evil.com/x", 0);
    norm("  http://a.com/\n", "http://a.com", 0);
    norm("http://例子.台灣/", "http://xn--fsqu00a.xn--kpry57d", LW_URL_IDN);
    norm("mailto:Bob@EXAMPLE.com?subject=hi", "mailto:Bob@example.com?subject=hi", 0);

    u = lw_url_parse("https://www.paypal.com@evil.example.cn/login", -1, 0);
    tap_check_str(u->host, "evil.example.cn", "userinfo: host is after @");
    tap_check_str(u->userinfo, "www.paypal.com", "userinfo kept");
    tap_check_str(u->domain, "example.cn", "registrable domain of the real host");
    tap_check(u->flags & LW_URL_USERINFO, "userinfo flagged");
    lw_url_free(u);

    u = lw_url_parse("http://аpple.com/", -1, 0);       /* Cyrillic а */
    tap_check_str(u->host, "xn--pple-43d.com", "homograph: punycode host");
    tap_check_str(u->host_unicode, "аpple.com", "homograph: unicode host kept");
    tap_check_str(u->domain, "xn--pple-43d.com", "homograph: domain");
    tap_check(u->flags & LW_URL_IDN, "homograph flagged IDN");
    lw_url_free(u);

    u = lw_url_parse("http://ＰＡＹＰＡＬ.com/", -1, 0);
    tap_check_str(u->host, "paypal.com", "full-width host folded");
    lw_url_free(u);

    u = lw_url_parse("https://a.b.foo.github.io/x", -1, 0);
    tap_check_str(u->domain, "foo.github.io", "private suffix: github.io");
    lw_url_free(u);

    /* every S3 endpoint is a customer namespace, also in regions libpsl's built-in list (2023) lacks */
    {
        static const char *const s3[][2] = {
            { "https://wallet-restore.s3.eu-north-1.amazonaws.com/r.html", "wallet-restore.s3.eu-north-1.amazonaws.com" },
            { "https://my.s3-backup.s3-website.ap-southeast-2.amazonaws.com/", "s3-backup.s3-website.ap-southeast-2.amazonaws.com" },
            { "https://b.s3.dualstack.sa-east-1.amazonaws.com/", "b.s3.dualstack.sa-east-1.amazonaws.com" },
            { "https://console.amazonaws.com/", "amazonaws.com" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(s3); i++) {
            u = lw_url_parse(s3[i][0], -1, 0);
            tap_check_str(u->domain, s3[i][1], "registrable domain of %s", s3[i][0]);
            tap_check(lw_url_customer_domain(u->domain) == (i < 3), "%s a customer's namespace",
                      i < 3 ? "is" : "is not");
            lw_url_free(u);
        }
    }

    u = lw_url_parse("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", -1, 0);
    tap_check(u->flags & LW_URL_DATA, "data: flagged");
    tap_check_int(strlen(u->url), <=, 64, "data: URL kept short");
    lw_url_free(u);

    u = lw_url_parse("JavaScript:alert(1)", -1, 0);
    tap_check(u->flags & LW_URL_JAVASCRIPT, "javascript: flagged");
    lw_url_free(u);

    u = lw_url_parse("http://exa mple.com/", -1, 0);
    tap_check(u && (u->flags & LW_URL_UNPARSED) && u->host == NULL, "space in host: unparsed, kept");
    lw_url_free(u);

    u = lw_url_parse("http://a.com:99999/", -1, 0);
    tap_check(u && (u->flags & LW_URL_UNPARSED), "bad port: unparsed, kept");
    lw_url_free(u);

    tap_check(lw_url_parse("   ", -1, 0) == NULL, "blank is no URL");
}

static void unwrap(const char *raw, const char *want)
{
    struct lw_url *u = lw_url_parse(raw, -1, 0);
    char *t = lw_url_unwrap(u);

    tap_check_str(t, want, "unwrap %s", raw);
    g_free(t);
    lw_url_free(u);
}

static void test_unwrap(void)
{
    struct lw_url *u;
    char *t;

    unwrap("https://www.google.com/url?sa=t&url=https%3A%2F%2Fevil.example.cn%2Flogin&usg=x",
           "https://evil.example.cn/login");
    unwrap("https://www.google.com.tw/url?q=http://evil.example.cn/&sa=D", "http://evil.example.cn");
    unwrap("https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevil.example.cn%2Fa%3Fb%3D1&data=05%7C01",
           "https://evil.example.cn/a?b=1");
    unwrap("https://urldefense.proofpoint.com/v2/url?u=https-3A__evil.example.cn_login-3Fid-3D1&d=DwMF&c=x",
           "https://evil.example.cn/login?id=1");
    unwrap("https://urldefense.com/v3/__https://evil.example.cn/login__;!!ABC!xyz$",
           "https://evil.example.cn/login");
    /* '*' marks characters carried in the base64 tail: "?" and "=" -> "Pz0" */
    unwrap("https://urldefense.com/v3/__https://evil.example.cn/a*id*1__;Pz0!!x$",
           "https://evil.example.cn/a?id=1");
    unwrap("https://click.example.net/track?id=5&redirect=https%3A%2F%2Fevil.example.cn%2F",
           "https://evil.example.cn");
    /* search engines in front of any site: Google's AMP viewer, Bing's click redirect */
    unwrap("https://www.google.ro/amp/s/evil.example.cn/login?id=1", "https://evil.example.cn/login?id=1");
    unwrap("https://google.com/amp/evil.example.cn/", "http://evil.example.cn");
    unwrap("https://www.bing.com/ck/a?!&&p=9d68f7c6&ptn=3&hsh=3&u=a1aHR0cHM6Ly9ldmlsLmV4YW1wbGUuY24vbG9naW4_aWQ9MQ&ntb=1",
           "https://evil.example.cn/login?id=1");
    /* a bulk-mail provider's click tracking, the target encoded whole in one path segment */
    unwrap("http://abc123.r.us-east-1.awstrack.me/L0/https:%2F%2Fevil.example.cn%2Flogin%3Fid=1/1/0100-ab/sig=380",
           "https://evil.example.cn/login?id=1");
    /* a tracker that carries its target base64-encoded: Mailjet's last path segment, and
     * ActiveCampaign's parameter (the URL percent-encoded first, the padding as %3D) */
    unwrap("https://1s513.mjt.lu/lnk/AVIAAIQj/1/lH0LPsL9TUXZq1b5/aHR0cHM6Ly9ldmlsLmV4YW1wbGUuY24vbG9naW4_aWQ9MQ",
           "https://evil.example.cn/login?id=1");
    unwrap("https://shop.lt.acemlnc.com/Prod/link-tracker?redirectUrl=aHR0cHMlM0ElMkYlMkZldmlsLmV4YW1wbGUuY24%3D&sig=x",
           "https://evil.example.cn");
    /* wrapped twice */
    unwrap("https://www.google.com/url?q=https%3A%2F%2Fnam02.safelinks.protection.outlook.com%2F%3Furl%3Dhttps%253A%252F%252Fdeep.example.cn%252F",
           "https://deep.example.cn");

    u = lw_url_parse("https://www.example.com/search?q=https://x.cn/", -1, 0);
    t = lw_url_unwrap(u);
    tap_check(t == NULL, "q= outside Google is a search, not a redirect");
    g_free(t);
    lw_url_free(u);
    u = lw_url_parse("https://www.google.com/amp/", -1, 0);
    t = lw_url_unwrap(u);
    tap_check(t == NULL, "Google's AMP viewer with no site after it leads nowhere else (got %s)", t ? t : "NULL");
    g_free(t);
    lw_url_free(u);
    u = lw_url_parse("https://www.bing.com/ck/a?u=a1bm90IGEgVVJM", -1, 0);
    t = lw_url_unwrap(u);
    tap_check(t == NULL, "a Bing click whose target is no web URL is not unwrapped (got %s)", t ? t : "NULL");
    g_free(t);
    lw_url_free(u);
    u = lw_url_parse("https://x.r.us-east-1.awstrack.me/L0/not-a-url/1/m/s", -1, 0);
    t = lw_url_unwrap(u);
    tap_check(t == NULL, "an SES click whose target is no web URL is not unwrapped (got %s)", t ? t : "NULL");
    g_free(t);
    lw_url_free(u);
    u = lw_url_parse("https://cdn.example.com/img/aHR0cHgxMjM0NTY3ODk.png?v=aHR0cDFhYmNkZWZnaA", -1, 0);
    t = lw_url_unwrap(u);
    tap_check(t == NULL, "tokens that start like base64 of \"http\" but decode to no web URL are not a redirect (got %s)",
              t ? t : "NULL");
    g_free(t);
    lw_url_free(u);
    u = lw_url_parse("https://example.com/?u=hello", -1, 0);
    t = lw_url_unwrap(u);
    tap_check(t == NULL, "a parameter that is no URL is not a redirect");
    g_free(t);
    lw_url_free(u);
}

static const struct lw_url *find(const struct lw_message *msg, const char *url, unsigned flags)
{
    for (guint i = 0; i < msg->urls->len; i++) {
        const struct lw_url *u = g_ptr_array_index(msg->urls, i);

        if (strcmp(u->url, url) == 0 && (u->flags & flags) == flags)
            return u;
    }
    return NULL;
}

static const char mail[] =
    "From: a@example.com\r\nTo: b@example.com\r\nSubject: t\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
    "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    "請點選https://login.example.cn/verify登入, or www.example.org/help.\r\n"
    "請至https://www.mail-verify.com.tw登入，或至www.pin365.com欢迎光临；中文.tw網域\r\n"
    "Defanged: hxxp://bad[.]example[.]net/x and evil.example.com/path (see e.g. file.pdf/x).\r\n"
    "Also (http://paren.example.com/a_(b)) and an address bob@www.mail.example.com\r\n"
    "--XX\r\nContent-Type: text/html\r\n\r\n"
    "<html><head><base href=\"https://base.example.com/dir/\"><style>body{background:url('https://css.example.com/bg.png')}</style>"
    "<meta http-equiv=\"refresh\" content=\"5; URL='https://refresh.example.com/'\"></head><body>"
    "<a href=\"https://www.google.com/url?q=https%3A%2F%2Fphish.example.cn%2F\">https://www.paypal.com/</a>"
    "<a href=\"relative/page\">rel</a><a href=\"#top\">top</a><a href=\"cid:img1\">x</a>"
    "<form action=\"http://3232235777/post\"></form><img src=\"https://img.example.com/p.png\" srcset=\"https://img.example.com/a.png 1x, https://img.example.com/b.png 2x\">"
    "<iframe src=\"https://frame.example.com/\"></iframe><area href=\"https://area.example.com/\" alt=\"map\">"
    "<div style=\"background-image:URL(https://inline.example.com/i.gif)\">Visit www.visible.example.com today</div>"
    "</body></html>\r\n"
    "--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=a.htm\r\n\r\n"
    "<html><body><a href=\"https://attached.example.com/x\">go</a></body></html>\r\n"
    "--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n"
    "%PDF-1.4\n1 0 obj << /Type /Annot /Subtype /Link /A << /S /URI /URI (https://pdf.example.com/a\\)b) >> >>\nendobj\n%%EOF\r\n"
    "--XX--\r\n";

static void test_extract(void)
{
    struct lw_config *cfg = lw_config_new();
    struct lw_message *msg = lw_message_parse(mail, sizeof(mail) - 1, NULL, cfg);
    const struct lw_url *u;

    tap_check(find(msg, "https://login.example.cn/verify", LW_URL_TEXT) != NULL, "text: URL glued to Chinese text");
    tap_check(find(msg, "http://www.example.org/help", LW_URL_NO_SCHEME) != NULL, "text: bare www., trailing dot dropped");
    tap_check(find(msg, "https://www.mail-verify.com.tw", LW_URL_TEXT) != NULL,
              "text: Chinese glued after the TLD ends the host (not www.mail-verify.com.xn--tw-...)");
    tap_check(find(msg, "http://www.pin365.com", LW_URL_NO_SCHEME) != NULL, "text: the same after a bare www. host");
    tap_check(find(msg, "http://bad.example.net/x", LW_URL_DEFANGED) != NULL, "text: defanged");
    tap_check(find(msg, "http://evil.example.com/path", LW_URL_NO_SCHEME) != NULL, "text: bare host.tld/path");
    tap_check(find(msg, "http://file.pdf/x", 0) == NULL, "text: file.pdf/x is no host");
    tap_check(find(msg, "http://paren.example.com/a_(b)", 0) != NULL, "text: balanced parentheses kept");
    tap_check(find(msg, "http://www.mail.example.com", 0) == NULL, "text: no URL inside an e-mail address");
    u = find(msg, "https://www.google.com/url?q=https%3A%2F%2Fphish.example.cn%2F", LW_URL_HTML_HREF | LW_URL_REDIRECTOR);
    tap_check(u != NULL, "html: a href through a redirector");
    tap_check_str(u ? u->display : NULL, "https://www.paypal.com/", "html: anchor text as display");
    tap_check_str(u ? u->target : NULL, "https://phish.example.cn", "html: redirector target");
    tap_check(find(msg, "https://phish.example.cn", LW_URL_UNWRAPPED | LW_URL_HTML_HREF) != NULL, "html: target listed too");
    tap_check(find(msg, "https://base.example.com/dir/relative/page", LW_URL_HTML_HREF) != NULL, "html: relative link resolved by base");
    tap_check(find(msg, "http://192.168.1.1/post", LW_URL_FORM_ACTION | LW_URL_NUMERIC_OBFUSCATED) != NULL, "html: form action, decimal IP");
    tap_check(find(msg, "https://img.example.com/p.png", LW_URL_EMBEDDED) != NULL, "html: img src");
    tap_check(find(msg, "https://img.example.com/b.png", LW_URL_EMBEDDED) != NULL, "html: srcset");
    tap_check(find(msg, "https://frame.example.com", LW_URL_EMBEDDED) != NULL, "html: iframe");
    tap_check(find(msg, "https://area.example.com", LW_URL_HTML_HREF) != NULL, "html: area");
    tap_check(find(msg, "https://css.example.com/bg.png", LW_URL_EMBEDDED) != NULL, "html: CSS url() in <style>");
    tap_check(find(msg, "https://inline.example.com/i.gif", LW_URL_EMBEDDED) != NULL, "html: CSS url() in style=");
    tap_check(find(msg, "https://refresh.example.com", LW_URL_EMBEDDED) != NULL, "html: meta refresh");
    tap_check(find(msg, "http://www.visible.example.com", LW_URL_TEXT) != NULL, "html: URL in visible text");
    tap_check(find(msg, "https://www.paypal.com", 0) == NULL, "html: anchor text is display, not a URL");
    tap_check(find(msg, "https://attached.example.com/x", LW_URL_ATTACHMENT | LW_URL_HTML_HREF) != NULL, "attachment: HTML");
    tap_check(find(msg, "https://pdf.example.com/a)b", LW_URL_PDF) != NULL, "attachment: PDF /URI");
    for (guint i = 0; i < msg->urls->len; i++) {
        u = g_ptr_array_index(msg->urls, i);
        if (u->source == NULL || u->raw == NULL)
            break;
    }
    tap_check(u && u->source && u->raw, "every URL has raw and source");
    lw_message_free(msg);

    lw_config_set(cfg, "max_urls", "3", NULL);
    msg = lw_message_parse(mail, sizeof(mail) - 1, NULL, cfg);
    tap_check_int(msg->urls->len, ==, 3, "max_urls bounds the list");
    tap_check(msg->limits->len > 0 && strcmp(g_ptr_array_index(msg->limits, 0), "max_urls") == 0, "max_urls recorded");
    lw_message_free(msg);
    lw_config_free(cfg);
}

int main(void)
{
    lw_gmime_init();
    test_normalize();
    test_unwrap();
    test_extract();
    return tap_done();
}
