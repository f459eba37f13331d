#!/bin/sh
# t2102-ioc-match.sh - lurewatch-ioc match: what matches, and why, per indicator type
test_description='lurewatch-ioc match: domain walk, URL prefix, CIDR, case rules, expiry'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-ioc.sh"

make_feeds feeds
M="$LW_IOC match -f feeds"

test_expect_success 'a domain matches itself and its subdomains, not look-alikes' '
	$M evil.example.cn >out &&
	test_grep "^evil.example.cn: domain evil.example.cn \(exact\) id=cert:4 feed=cert confidence=90 tlp=amber" out &&
	$M a.b.EVIL.example.cn. >out &&
	test_grep "domain evil.example.cn \(parent domain\) id=cert:4" out &&
	test_must_fail $M notevil.example.cn example.cn evil.example.cn.other.example >out &&
	test_grep "^notevil.example.cn: no match" out &&
	test_grep "^example.cn: no match" out &&
	test_grep "^evil.example.cn.other.example: no match" out
'

test_expect_success 'IDN: the homograph matches in either form, the real name does not' '
	$M "аpple.com" >out &&
	test_grep "domain xn--pple-43d.com \(exact\) id=cert:5" out &&
	$M "https://login.xn--pple-43d.com/" >out &&
	test_grep "parent domain" out &&
	test_must_fail $M apple.com
'

test_expect_success 'URLs match exactly and by prefix at path boundaries; http and https alike' '
	$M "HTTPS://Phish.Example.NET/login" >out &&
	test_grep "url //phish.example.net/login \(exact\) id=mixed:3 feed=mixed" out &&
	$M "http://phish.example.net/login/step2?x=1" >out &&
	test_grep "URL prefix" out &&
	test_must_fail $M "http://phish.example.net/loginpage" >out &&
	$M "http://redir.example.org/a,b" >out &&
	test_grep "id=P-1 feed=partners confidence=80 tlp=green valid_until=2099-01-01T00:00:00Z comma, in a URL" out
'

test_expect_success 'URLs behind redirectors and obfuscations match' '
	$M "https://www.google.com/url?q=https%3A%2F%2Fkit.example%2Fpay%2Fnow" >out &&
	test_grep "a redirector to https://kit.example/pay/now" out &&
	test_grep "url //kit.example/pay \(URL prefix\) id=indicator--0a000000-0000-4000-8000-000000000001 feed=stix confidence=70 tlp=amber credential phishing kit" out &&
	$M "hxxp://phish[.]example[.]net/login" >out &&
	test_grep "id=mixed:3" out &&
	$M "http://user:pw@phish.example.net/login" >out &&
	test_grep "id=mixed:3" out
'

test_expect_success 'IPs: longest CIDR prefix, v4 in any notation, v6' '
	$M 203.0.113.200 >out &&
	test_grep "ipv4-addr 203.0.113.0/24 \(CIDR /24\) id=mixed:4" out &&
	$M http://3405803976/ >out &&
	test_grep "203.0.113.0/24" out &&
	$M 2001:db8:bad:ffff::1 2001:DB8:FEED:0::1 >out &&
	test_grep "ipv6-addr 2001:db8:bad::/48 \(CIDR /48\)" out &&
	test_grep "ipv6-addr 2001:db8:feed::1 \(exact\)" out &&
	test_must_fail $M 203.0.114.1
'

test_expect_success 'longest prefix wins when CIDRs nest' '
	printf "10.0.0.0/8\n10.1.0.0/16\n" >nest.ipv4-addr.txt &&
	$LW_IOC match -f nest.ipv4-addr.txt 10.1.2.3 10.9.9.9 >out &&
	test_grep "^10.1.2.3: ipv4-addr 10.1.0.0/16 \(CIDR /16\)" out &&
	test_grep -v "^10.1.2.3: ipv4-addr 10.0.0.0/8" out &&
	test_grep "^10.9.9.9: ipv4-addr 10.0.0.0/8 \(CIDR /8\)" out
'

test_expect_success 'addresses and hashes exact, case-insensitive' '
	$M attacker@example.com CEO@Spoof.Example e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 >out &&
	test_grep "email-addr attacker@example.com \(exact\) id=mixed:7" out &&
	test_grep "email-addr ceo@spoof.example \(exact\)" out &&
	test_grep "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 \(exact\) id=mixed:6" out &&
	test_must_fail $M other@example.com
'

test_expect_success 'file names, subjects and x-mailer: case and width folded, forced type' '
	$M -t filename "invoice_2024.pdf.EXE" >out &&
	test_grep "filename invoice_2024.pdf.exe" out &&
	$M -t subject "URGENT  wire transfer" >out &&
	test_grep "subject urgent wire transfer" out &&
	$M -t x-mailer "phishmailer 2.0" >out &&
	test_grep "id=5e0f7a3c-0000-4000-8000-0000000000a5 feed=misp tlp=green Tax refund phishing wave" out
'

test_expect_success 'expired and revoked indicators never match; unknown ones do not either' '
	test_must_fail $M expired.example.com stale.example revoked.example not-for-detection.example >out &&
	test_grep "^expired.example.com: no match" out &&
	test_grep "^stale.example: no match" out
'

test_expect_success 'a MISP composite attribute gives both halves' '
	$M -t filename refund.zip >out &&
	test_grep "filename refund.zip" out &&
	$M 1111111111111111111111111111111111111111111111111111111111111111 >out &&
	test_grep "sha256 1111" out &&
	$M 192.0.2.55 >out &&
	test_grep "ipv4-addr 192.0.2.55 \(exact\) id=5e0f7a3c-0000-4000-8000-0000000000a3" out
'

test_done
