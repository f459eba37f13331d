#!/bin/sh
# t2103-ioc-scan.sh - messages are checked against the feeds: hits name indicator and feed
test_description='IOC analyzer through lurewatch-scan --json, with every obfuscation of issue 4'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-ioc.sh"

make_feeds feeds
SCAN="$LW_SCAN -o rules_file=$TEST_DATA/test.rules -o feeds_dir=$PWD/feeds --json"

# sighting FILE ID: the hits of FILE include a sighting of indicator ID; prints its rule
sighting() {
	"$PYTHON" -c 'import json,sys
o=json.loads(open(sys.argv[1]).read())
for h in o["hits"]:
    s=h.get("sighting_of")
    if s and s["id"]==sys.argv[2]:
        print(h["rule"], s["feed"], h["score"], h["description"]); sys.exit(0)
print("no sighting of", sys.argv[2], "in", [h["rule"] for h in o["hits"]], file=sys.stderr); sys.exit(1)' "$@"
}

ioc_hits() {
	"$PYTHON" -c 'import json,sys
o=json.loads(open(sys.argv[1]).read())
print(len([h for h in o["hits"] if h["analyzer"]=="ioc"]))' "$1"
}

msg() {
	printf 'From: %s\nTo: victim@agency.example\nSubject: %s\nMessage-ID: <1@mx.example>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n' "$1" "$2"
	cat
}

test_expect_success 'IDN homograph link matches the punycode indicator' '
	msg it@agency.example "Account" >m.eml <<-\EOM &&
	<a href="https://secure.аpple.com/id">Apple ID</a>
	EOM
	$SCAN m.eml >out &&
	sighting out cert:5 >hit &&
	test_grep "^IOC_DOMAIN cert " hit &&
	test_grep "\"type\":\"domain\",\"value\":\"secure.xn--pple-43d.com\"" out
'

test_expect_success 'decimal IP link matches the CIDR indicator' '
	msg it@agency.example "Notice" >m.eml <<-\EOM &&
	<a href="http://3405803976/owa">Outlook Web Access</a>
	EOM
	$SCAN m.eml >out &&
	sighting out mixed:4 >hit &&
	test_grep "^IOC_IP mixed 6" hit &&
	test_grep "CIDR /24" hit
'

test_expect_success 'userinfo trick: the host after @ is what matches' '
	msg it@agency.example "Login" >m.eml <<-\EOM &&
	<a href="https://www.gov.tw@login.evil.example.cn/sso">https://www.gov.tw/</a>
	EOM
	$SCAN m.eml >out &&
	sighting out cert:4 >hit &&
	test_grep "^IOC_DOMAIN cert 7.2" hit
'

test_expect_success 'redirector: the unwrapped target matches the URL indicator' '
	msg it@agency.example "Docs" >m.eml <<-\EOM &&
	<a href="https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fkit.example%2Fpay%2Finvoice&amp;data=05">Open</a>
	EOM
	$SCAN m.eml >out &&
	sighting out indicator--0a000000-0000-4000-8000-000000000001 >hit &&
	test_grep "^IOC_URL stix 7" hit &&
	test_grep "TLP:amber" hit
'

test_expect_success 'defanged text URL matches' '
	printf "From: it@agency.example\nTo: v@agency.example\nSubject: fwd\n\nSee hxxp://phish[.]example[.]net/login/reset for details\n" >m.eml &&
	$SCAN m.eml >out &&
	sighting out mixed:3 >hit &&
	test_grep "^IOC_URL mixed 10" hit
'

test_expect_success 'HTML anchor showing one URL and linking another: the real link matches' '
	msg it@agency.example "Bank" >m.eml <<-\EOM &&
	<a href="http://redir.example.org/a,b/login">https://www.bank.example/</a>
	EOM
	$SCAN m.eml >out &&
	sighting out P-1 >hit &&
	test_grep "^IOC_URL partners 8" hit &&
	test_grep -v "bank.example" hit
'

test_expect_success 'sender address, sender domain, subject, x-mailer, attachment name and hash' '
	cat >m.eml <<-\EOM &&
	From: "Tax Office" <refund@tax-refund.example>
	To: v@agency.example
	Subject: Urgent   wire transfer
	X-Mailer: PhishMailer 2.0
	MIME-Version: 1.0
	Content-Type: multipart/mixed; boundary=B

	--B
	Content-Type: text/plain

	see attachment
	--B
	Content-Type: application/octet-stream
	Content-Disposition: attachment; filename="Invoice_2024.pdf.exe"

	EOM
	printf "%s\n" "--B--" >>m.eml &&
	$SCAN m.eml >out &&
	sighting out 5e0f7a3c-0000-4000-8000-0000000000a2 >hit && test_grep "^IOC_EMAIL misp" hit &&
	sighting out 5e0f7a3c-0000-4000-8000-0000000000a1 >hit && test_grep "^IOC_DOMAIN misp" hit &&
	sighting out 5e0f7a3c-0000-4000-8000-0000000000a5 >hit && test_grep "^IOC_X_MAILER misp" hit &&
	sighting out indicator--0a000000-0000-4000-8000-000000000002 >hit &&
	test_grep "(IOC_SUBJECT|IOC_FILENAME)" hit &&
	test_is = 5 "$(ioc_hits out)" "indicator hits in out"
'

test_expect_success 'the empty attachment hash matches the sha256 indicator' '
	$SCAN m.eml >out &&
	sighting out mixed:6 >hit &&
	test_grep "^IOC_HASH mixed 15" hit
'

test_expect_success 'expired, revoked and non-matching indicators give no hit' '
	msg it@agency.example "Hello" >m.eml <<-\EOM &&
	<a href="https://expired.example.com/">a</a> <a href="https://stale.example/">b</a>
	<a href="https://revoked.example/">c</a> <a href="https://apple.com/">d</a>
	<a href="https://not-for-detection.example/">e</a> <a href="http://203.0.114.1/">f</a>
	EOM
	$SCAN m.eml >out &&
	test_is = 0 "$(ioc_hits out)" "indicator hits in out"
'

test_expect_success 'one hit per indicator, however many links point at it' '
	msg it@agency.example "x" >m.eml <<-\EOM &&
	<a href="https://a.evil.example.cn/">1</a><a href="https://b.evil.example.cn/">2</a>
	<img src="https://c.evil.example.cn/t.gif">
	EOM
	$SCAN m.eml >out &&
	test_is = 1 "$(ioc_hits out)" "indicator hits in out"
'

test_expect_success 'a malformed feed leaves the others working' '
	printf "{ not json\n" >feeds/zz-broken.json &&
	msg it@agency.example "x" >m.eml <<-\EOM &&
	<a href="https://a.evil.example.cn/">1</a>
	EOM
	$SCAN m.eml >out &&
	sighting out cert:4 >/dev/null &&
	rm feeds/zz-broken.json
'

test_expect_success 'no feeds_dir, no IOC hits, no error' '
	$LW_SCAN -o rules_file=$TEST_DATA/test.rules -o feeds_dir= --json m.eml >out &&
	test_is = 0 "$(ioc_hits out)" "indicator hits in out" &&
	$LW_SCAN -o rules_file=$TEST_DATA/test.rules -o feeds_dir=$PWD/none --json m.eml >out &&
	test_is = 0 "$(ioc_hits out)" "indicator hits in out"
'

test_done
