#!/bin/sh
# t2100-url-extract.sh - every URL a message shows or hides is found and normalized
test_description='URL extraction through lurewatch-scan --urls and the uri rule target'
. "$(dirname "$0")/test-lib.sh"

SCAN="$LW_SCAN -o rules_file=$TEST_DATA/test.rules"

# has_url FILE URL [FLAG...]: FILE (lurewatch-scan --urls output) lists URL with every FLAG
has_url() {
	"$PYTHON" - "$@" <<'PY'
import json, sys
f, url, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
for line in open(f):
    for u in json.loads(line).get("urls", []):
        if u["url"] == url and all(x in u["flags"].split(",") for x in flags):
            sys.exit(0)
print("no %s with %s in:" % (url, flags), file=sys.stderr)
for line in open(f):
    for u in json.loads(line).get("urls", []):
        print("  ", u["url"], u["flags"], u.get("display", ""), file=sys.stderr)
sys.exit(1)
PY
}

# url_field FILE URL FIELD: a field of the first entry for URL
url_field() {
	"$PYTHON" -c 'import json,sys
for line in open(sys.argv[1]):
    for u in json.loads(line).get("urls", []):
        if u["url"] == sys.argv[2]:
            print(u.get(sys.argv[3], "")); sys.exit(0)
sys.exit(1)' "$@"
}

mail() {
	printf 'From: a@example.com\nTo: b@example.com\nSubject: t\nMIME-Version: 1.0\nContent-Type: %s; charset=utf-8\n\n' "$1"
	cat
}

test_expect_success 'plain text: scheme URLs, bare www., host.tld/path, defanged' '
	mail text/plain >t.eml <<-\EOM &&
	請點選https://login.example.cn/verify登入。
	Or go to www.example.org/help, or evil.example.com/path.
	Analysts wrote hxxps://bad[.]example[.]net/x and hxxp[:]//worse[.]example[.]net
	Not links: e.g. file.pdf/x, bob@www.mail.example.com, 3.14/2
	EOM
	$SCAN --urls t.eml >out &&
	has_url out https://login.example.cn/verify text &&
	has_url out http://www.example.org/help no-scheme &&
	has_url out http://evil.example.com/path no-scheme &&
	has_url out https://bad.example.net/x defanged &&
	has_url out http://worse.example.net defanged &&
	! has_url out http://file.pdf/x 2>/dev/null &&
	! has_url out http://www.mail.example.com 2>/dev/null &&
	test_grep -v "3\.14" out
'

test_expect_success 'plain text: Chinese written straight after the TLD ends the host, an IDN does not' '
	mail text/plain >g.eml <<-\EOM &&
	您的信箱即將停用，請立即至https://www.mail-verify.com.tw登入驗證，或至www.pin365.com欢迎光临。
	政府入口：https://中文.tw/首頁
	EOM
	$SCAN --urls g.eml >out &&
	has_url out https://www.mail-verify.com.tw text &&
	has_url out http://www.pin365.com no-scheme &&
	test_grep "xn--fiq228c.tw" out &&
	test_grep -v "xn--(tw|com)-" out
'

test_expect_success 'plain text: a URL cut by a line wrap inside an escape is joined, not a new host' '
	mail text/plain >w.eml <<-\EOM &&
	> visit https://groups.example.com/d/msgid/astro/f16f%
	> 40lists.example.com/x
	and https://groups.example.com/d/msgid/astro/a1b2=
	40lists.example.com?utm=1
	but https://www.example.org/100%
	zz.example.net/path is another link
	EOM
	$SCAN --urls w.eml >out &&
	has_url out https://groups.example.com/d/msgid/astro/f16f%40lists.example.com/x text &&
	has_url out "https://groups.example.com/d/msgid/astro/a1b2=40lists.example.com?utm=1" text &&
	has_url out http://zz.example.net/path no-scheme &&
	test_grep -v "\"host\":\"40lists" out
'

test_expect_success 'plain text: an IPv6 literal host is part of the link; other brackets end it' '
	mail text/plain >v6.eml <<-\EOM &&
	Sign in at http://[2001:db8::7]/login or https://[2a00:1450:4001:80b::200e]:8443/x today.
	See https://www.example.org/a[1] and [https://www.example.net/b]
	EOM
	$SCAN --urls v6.eml >out &&
	has_url out "http://[2001:db8::7]/login" text ip-host &&
	has_url out "https://[2a00:1450:4001:80b::200e]:8443/x" text ip-host &&
	has_url out https://www.example.org/a text &&
	has_url out https://www.example.net/b text
'

test_expect_success 'HTML: anchor text is the display, the href is the URL' '
	mail text/html >h.eml <<-\EOM &&
	<p>Sign in at <a href="https://www.paypal.com.evil.example.cn/login">https://www.paypal.com/</a></p>
	EOM
	$SCAN --urls h.eml >out &&
	has_url out https://www.paypal.com.evil.example.cn/login href &&
	test_is = "https://www.paypal.com/" "$(url_field out https://www.paypal.com.evil.example.cn/login display)" "url_field out https://www.paypal.com.evil.example.cn/login display" &&
	test_is = "example.cn" "$(url_field out https://www.paypal.com.evil.example.cn/login domain)" "url_field out https://www.paypal.com.evil.example.cn/login domain" &&
	! has_url out https://www.paypal.com 2>/dev/null
'

test_expect_success 'HTML: form, img, srcset, iframe, area, meta refresh, base, CSS url()' '
	mail text/html >e.eml <<-\EOM &&
	<html><head><base href="https://base.example.com/d/">
	<meta http-equiv="refresh" content="0; url=https://refresh.example.com/go">
	<style>.x{background:url("https://css.example.com/a.png")}</style></head><body>
	<form action="https://form.example.com/post"></form>
	<img src="https://img.example.com/i.png" srcset="https://img.example.com/w_1,h_2/a.png 1x, https://img.example.com/b.png 2x">
	<iframe src="https://frame.example.com/"></iframe><map><area href="https://area.example.com/" alt="x"></map>
	<div style="background-image: url(https://inline.example.com/b.gif)"><a href="rel/page.html">rel</a></div>
	</body></html>
	EOM
	$SCAN --urls e.eml >out &&
	has_url out https://form.example.com/post form &&
	has_url out https://img.example.com/i.png embedded &&
	has_url out https://img.example.com/w_1,h_2/a.png embedded &&
	has_url out https://img.example.com/b.png embedded &&
	has_url out https://frame.example.com embedded &&
	has_url out https://area.example.com href &&
	has_url out https://refresh.example.com/go embedded &&
	has_url out https://base.example.com/d/rel/page.html href &&
	has_url out https://css.example.com/a.png embedded &&
	has_url out https://inline.example.com/b.gif embedded
'

test_expect_success 'obfuscated hosts: decimal/hex/octal IP, IDN homograph, userinfo, percent host' '
	mail text/html >o.eml <<-\EOM &&
	<a href="http://3405803783/a">1</a> <a href="http://0xCB.0x0.0161.7/b">2</a>
	<a href="https://аpple.com/id">3</a> <a href="https://www.gov.tw@evil.example.cn/x">4</a>
	<a href="http://%65vil.example.net/">5</a> <a href="HTTPS://Mixed.EXAMPLE.com:443/">6</a>
	EOM
	$SCAN --urls o.eml >out &&
	has_url out http://203.0.113.7/a ip-host numeric-obfuscated &&
	has_url out http://203.0.113.7/b ip-host numeric-obfuscated &&
	has_url out https://xn--pple-43d.com/id idn &&
	test_is = "аpple.com" "$(url_field out https://xn--pple-43d.com/id host_unicode)" "url_field out https://xn--pple-43d.com/id host_unicode" &&
	has_url out https://www.gov.tw@evil.example.cn/x userinfo &&
	test_is = "evil.example.cn" "$(url_field out https://www.gov.tw@evil.example.cn/x host)" "url_field out https://www.gov.tw@evil.example.cn/x host" &&
	has_url out http://evil.example.net percent-host &&
	has_url out https://mixed.example.com
'

test_expect_success 'redirectors are unwrapped and both URLs kept' '
	mail text/html >r.eml <<-\EOM &&
	<a href="https://www.google.com/url?q=https%3A%2F%2Fg.example.cn%2Fa&amp;sa=D">a</a>
	<a href="https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fsl.example.cn%2F&amp;data=x">b</a>
	<a href="https://urldefense.proofpoint.com/v2/url?u=https-3A__pp.example.cn_x-3Fa-3D1&amp;d=DwM">c</a>
	<a href="https://urldefense.com/v3/__https://pp3.example.cn/y__;!!A!b$">d</a>
	<a href="https://t.example.com/c?id=1&amp;redirect=https%3A%2F%2Fgen.example.cn%2F">e</a>
	EOM
	$SCAN --urls r.eml >out &&
	has_url out https://g.example.cn/a unwrapped &&
	has_url out https://sl.example.cn unwrapped &&
	has_url out https://pp.example.cn/x?a=1 unwrapped &&
	has_url out https://pp3.example.cn/y unwrapped &&
	has_url out https://gen.example.cn unwrapped &&
	test_is = "https://g.example.cn/a" "$(url_field out "https://www.google.com/url?q=https%3A%2F%2Fg.example.cn%2Fa&sa=D" target)" "url_field out https://www.google.com/url?q=https%3A%2F%2Fg.example.cn%2Fa&sa=D target"
'

test_expect_success 'HTML and text attachments, and PDF link annotations' '
	cat >a.eml <<-\EOM &&
	From: a@example.com
	To: b@example.com
	Subject: invoice
	MIME-Version: 1.0
	Content-Type: multipart/mixed; boundary=B

	--B
	Content-Type: text/plain

	see attached
	--B
	Content-Type: application/octet-stream
	Content-Disposition: attachment; filename=invoice.html

	<html><a href="https://attached.example.cn/pay">pay</a></html>
	--B
	Content-Type: application/pdf
	Content-Disposition: attachment; filename=invoice.pdf

	%PDF-1.4
	1 0 obj << /Type /Annot /Subtype /Link /A << /S /URI /URI (https://pdf.example.cn/open) >> >> endobj
	%%EOF
	--B--
	EOM
	$SCAN --urls a.eml >out &&
	has_url out https://attached.example.cn/pay attachment href &&
	has_url out https://pdf.example.cn/open pdf
'

test_expect_success 'max_urls and max_url_length bound the work and are reported' '
	"$PYTHON" -c "print(\" \".join(\"https://h%d.example.com/\" % i for i in range(50)))" | mail text/plain >many.eml &&
	$SCAN -o max_urls=10 --urls many.eml >out &&
	test_is = 10 "$("$PYTHON" -c "import json; print(len(json.loads(open(\"out\").read())[\"urls\"]))")" "URLs in out" &&
	$SCAN -o max_urls=10 -o rules_file=$TEST_DATA/test.rules --json many.eml >verdict &&
	test_grep max_urls verdict &&
	"$PYTHON" -c "print(\"https://long.example.com/\" + \"a\" * 300)" | mail text/plain >long.eml &&
	$SCAN -o max_url_length=64 --urls long.eml >out &&
	"$PYTHON" -c "import json,sys; u=json.loads(open(\"out\").read())[\"urls\"]; sys.exit(not (len(u) == 1 and len(u[0][\"raw\"]) == 64))" &&
	$SCAN -o max_url_length=64 --json long.eml >verdict &&
	test_grep max_url_length verdict
'

test_expect_success 'a uri rule matches a normalized URL' '
	cat >uri.rules <<-\EOM &&
	T_URI_IP  uri  4  /^https?:\/\/203\.0\.113\./  link to a test-net address
	EOM
	$LW_SCAN -o rules_file=$PWD/uri.rules --json o.eml >out &&
	test_json_rules out >rules &&
	test_grep "^T_URI_IP$" rules &&
	test_grep "203.0.113.7" out
'

test_expect_success 'a link rule reads the URLs a reader follows, however the HTML spells them, and no picture' '
	cat >link.rules <<-\EOM &&
	T_LINK  link  4  /^https:\/\/go\.example\.net\//  a followed link to the test site
	EOM
	mail text/html >entity.eml <<-\EOM &&
	<p>Open <a href="&#104;&#116;&#116;&#112;&#115;&#58;//go.example.net/x">this</a></p>
	EOM
	mail text/html >area.eml <<-\EOM &&
	<img src="cid:m" usemap="#m"><map name="m"><area href="https://go.example.net/y" coords="0,0,9,9"></map>
	EOM
	mail text/html >picture.eml <<-\EOM &&
	<p>Our logo</p><img src="https://go.example.net/logo.png">
	EOM
	mail text/plain >defanged.eml <<-\EOM &&
	The phishing site was hxxps://go[.]example[.]net/z
	EOM
	for f in entity area; do
		$LW_SCAN -o rules_file=$PWD/link.rules --json $f.eml >$f.json &&
		test_json_rules $f.json >rules && test_grep "^T_LINK$" rules || return 1
	done &&
	for f in picture defanged; do
		$LW_SCAN -o rules_file=$PWD/link.rules --json $f.eml >$f.json &&
		test_json_rules $f.json >rules && test_must_fail grep "^T_LINK$" rules || return 1
	done &&
	cp link.rules uri.rules && sed -i "s/T_LINK  link/T_URI   uri /" uri.rules &&
	$LW_SCAN -o rules_file=$PWD/uri.rules --json picture.eml >picture.json &&
	test_json_rules picture.json >rules && test_grep "^T_URI$" rules
'

test_done
