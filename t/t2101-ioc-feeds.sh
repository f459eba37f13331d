#!/bin/sh
# t2101-ioc-feeds.sh - feeds in every format load; bad values and feeds are reported, not fatal
test_description='lurewatch-ioc load: plain lists, CSV, STIX 2.1, MISP; malformed feeds'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-ioc.sh"

test_expect_success 'every format loads, counted by type' '
	make_feeds feeds &&
	"$LW_IOC" load feeds >out &&
	test_grep "^cert: list, 3 loaded \(domain 3\), 1 rejected" out &&
	test_grep "^mixed: list, 5 loaded \(url 1, ipv4-addr 1, ipv6-addr 1, email-addr 1, sha256 1\)" out &&
	test_grep "^partners: csv, 2 loaded .*1 rejected, 0 unsupported, 1 expired" out &&
	test_grep "^stix: stix, 7 loaded \(domain 1, url 1, ipv6-addr 1, email-addr 1, sha256 1, filename 1, subject 1\), 0 rejected, 4 unsupported, 1 expired, 1 revoked" out &&
	test_grep "^misp: misp, 7 loaded .*x-mailer 1\), 0 rejected, 1 unsupported" out &&
	test_grep "^total: 24 indicators in 5 feeds" out
'

test_expect_success 'rejected values name file, line and reason' '
	"$LW_IOC" load feeds >out &&
	test_grep "feeds/cert.domain.txt:7: domain: not a domain name: \"bad value with spaces\"" out &&
	test_grep "feeds/partners.csv:5: sha256: not a sha256 \(64 hex digits\)" out
'

test_expect_success 'patterns outside the STIX subset are counted and reported with the indicator id' '
	"$LW_IOC" load feeds/stix.json >out &&
	test_grep "indicator--0a000000-0000-4000-8000-000000000003.*AND inside an observation" out &&
	test_grep "indicator--0a000000-0000-4000-8000-000000000004.*FOLLOWEDBY" out &&
	test_grep "indicator--0a000000-0000-4000-8000-000000000005.*MATCHES" out &&
	test_grep "indicator--0a000000-0000-4000-8000-000000000006.*pattern_type snort" out &&
	test_grep -v "revoked.example" out &&
	"$LW_IOC" load feeds/misp.json >out &&
	test_grep "1 attribute\(s\) of unsupported MISP type AS" out
'

test_expect_success 'load exits 0 with bad values, --check makes them fail' '
	"$LW_IOC" load feeds >/dev/null &&
	test_must_fail "$LW_IOC" load --check feeds >/dev/null &&
	printf "good.example\n" >ok.domain.txt &&
	"$LW_IOC" load --check ok.domain.txt >out &&
	test_grep "^ok: list, 1 loaded" out
'

test_expect_success 'a malformed feed is reported with its position; the others still load' '
	make_feeds f2 &&
	printf "{\"type\": \"bundle\", \"objects\": [\n  {\"type\": \"indicator\"},\n  oops ]}\n" >f2/broken.json &&
	printf "indicator;kind\n\"unterminated\n" >f2/badheader.csv &&
	printf "ioc,type\nevil.example,domain\n" >f2/fine.csv &&
	printf "[1, 2, 3]\n" >f2/other.json &&
	test_must_fail "$LW_IOC" load f2 >out &&
	test_grep "^broken: MALFORMED, not loaded: .*f2/broken.json:3:[0-9]+: invalid JSON" out &&
	test_grep "^other: MALFORMED, not loaded: .*neither a STIX 2.1 bundle nor a MISP event" out &&
	test_grep "^fine: csv, 1 loaded \(domain 1\)" out &&
	test_grep "^badheader: csv, 0 loaded, 1 rejected" out &&
	test_grep "^total: 25 indicators in 9 feeds" out
'

test_expect_success 'load without paths checks the configured feeds_dir' '
	"$LW_IOC" -o feeds_dir=$PWD/feeds load >out &&
	test_grep "^total: 24 indicators in 5 feeds" out &&
	test_must_fail "$LW_IOC" -o feeds_dir= load 2>err &&
	test_grep "feeds_dir is empty" err
'

test_expect_success 'a CSV without a value column is malformed' '
	printf "name,kind\nx,domain\n" >nocol.csv &&
	test_must_fail "$LW_IOC" load nocol.csv >out &&
	test_grep "nocol.csv:1: no value column in the CSV header" out
'

test_expect_success 'a confidence outside 0-100 is reported and left unknown, not wrapped' '
	printf "value,confidence\nwrap.example,4294967346\npct.example,80%%\nok.example,60\n" >conf.csv &&
	printf "{\"type\": \"indicator\", \"spec_version\": \"2.1\", \"id\": \"indicator--c\", \"confidence\": 4294967346, \"pattern\": \"[domain-name:value = '"'"'wrapstix.example'"'"']\"}" >conf.json &&
	"$LW_IOC" load conf.csv conf.json >out &&
	test_grep "conf.csv:2: confidence must be 0-100, not \"4294967346\"" out &&
	test_grep "conf.csv:3: confidence must be 0-100, not \"80%\"" out &&
	test_grep "indicator--c.*confidence 4294967346 is not 0-100" out &&
	"$LW_IOC" match -f conf.csv -f conf.json wrap.example ok.example wrapstix.example >out &&
	test_grep "^wrap.example: domain wrap.example .*feed=conf$" out &&
	test_grep "^ok.example: domain ok.example .* confidence=60" out &&
	test_grep -v "confidence=50" out
'

test_expect_success 'binary and non-UTF-8 feeds are malformed, not half-read' '
	printf "evil.example\n\000\001\002\n" >bin.txt &&
	printf "evil.example\n\377\376bad\n" >latin.txt &&
	test_must_fail "$LW_IOC" load bin.txt latin.txt >out &&
	test_grep "bin.txt:13: binary data" out &&
	test_grep "latin.txt:2: not UTF-8 text" out &&
	test_grep "^total: 0 indicators" out
'

test_expect_success 'a world-writable feed is refused' '
	printf "evil.example\n" >ww.domain.txt &&
	chmod 666 ww.domain.txt &&
	test_must_fail "$LW_IOC" load ww.domain.txt >out &&
	test_grep "refusing a world-writable file" out
'

test -d "$SHARED/schemas" && test_set_prereq SCHEMAS

test_expect_success SCHEMAS 'the official STIX and MISP examples load' '
	"$LW_IOC" load "$SHARED/schemas/stix2.1/examples/threat-reports/poisonivy.json" \
		"$SHARED/schemas/misp/examples/existing_event.json" >out &&
	test_grep "^poisonivy: stix, [1-9][0-9]* loaded" out &&
	test_grep "^existing_event: misp, [1-9][0-9]* loaded" out
'

test_expect_success 'warninglisted feed entries are reported, not loaded; --check fails on them' '
	mkdir -p wfeeds &&
	printf "gmail.com\nwww.google-analytics.com\nbit.ly\nevil-login.example\n" >wfeeds/partner.domain.txt &&
	printf "https://bit.ly/3xYzAbc\nhttps://bit.ly/\n" >wfeeds/links.url.txt &&
	"$LW_IOC" -o warninglists_dir="$top_srcdir/contrib/warninglists" load wfeeds >out &&
	test_grep "^partner: list, 1 loaded \(domain 1\), 0 rejected, 0 unsupported, 0 expired, 0 revoked, 3 warninglisted" out &&
	test_grep "wfeeds/partner.domain.txt:1: domain gmail.com is on warninglist \".+\": not loaded" out &&
	test_grep "^links: list, 1 loaded \(url 1\), .* 1 warninglisted" out &&
	test_must_fail "$LW_IOC" -o warninglists_dir="$top_srcdir/contrib/warninglists" load --check wfeeds >/dev/null &&
	"$LW_IOC" -o warninglists_dir="$top_srcdir/contrib/warninglists" match -f wfeeds gmail.com evil-login.example >out ||
		true &&
	test_grep "^gmail.com: no match" out &&
	test_grep "^evil-login.example: domain evil-login.example" out
'

test_expect_success 'a malformed warninglist is a configuration error naming the file' '
	mkdir -p badwl && printf "{\"name\": \"x\", \"type\": \"glob\", \"list\": []}\n" >badwl/mine.json &&
	"$LW_IOC" -o warninglists_dir="$PWD/badwl" load wfeeds 2>err; test $? = 78 &&
	test_grep "badwl/mine.json: \"type\" is \"glob\"" err
'

test_done
