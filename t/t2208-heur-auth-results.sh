#!/bin/sh
test_description='authentication stamps: versioned authserv-ids, Exchange Online id-less results, compauth, top ARC instance'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-heuristics.sh"

# heur.conf trusts mx.agency.gov.tw; these also trust Exchange Online
MS="-o trust_microsoft_auth_results=yes"
ARC="-o trusted_authserv_ids=mx.agency.gov.tw,mx.microsoft.com"

# the stamps as Exchange Online writes them (folded like the real ones)
ms_fail='Authentication-Results: spf=none (sender IP is 203.0.113.9)
 smtp.mailfrom=mailer.example; dkim=none (message not signed)
 header.d=none;dmarc=none action=none
 header.from=example.com;compauth=fail reason=001'
ms_pass='Authentication-Results: spf=pass (sender IP is 198.51.100.4)
 smtp.mailfrom=example.com; dkim=pass (signature was verified)
 header.d=example.com;dmarc=pass action=none
 header.from=example.com;compauth=pass reason=100'

no_auth_hit() { # FILE [-o ...]: no LW_HDR_AUTH_* hit
	scan_rules "$@" >"$1.rules" && ! grep -q "^LW_HDR_AUTH_FAIL" "$1.rules"
}

test_expect_success 'Exchange Online compauth=fail fires LW_HDR_AUTH_FAIL even with spf/dmarc none' '
	mkmail m "$ms_fail" "From: A <a@example.com>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL m $MS &&
	grep -q "\"evidence\":\"Authentication-Results from Exchange Online (no authserv-id): From a@example.com (example.com): spf=none dkim=none dmarc=none compauth=fail reason=001\"" m.json
'
test_expect_success 'near miss: the id-less stamp is ignored unless trust_microsoft_auth_results = yes' '
	mkmail m "$ms_fail" "From: A <a@example.com>" "Subject: x" &&
	no_auth_hit m
'
test_expect_success 'near miss: compauth=softpass or pass overrules a failed DMARC' '
	mkmail s "Authentication-Results: spf=softfail smtp.mailfrom=example.com; dkim=none; dmarc=fail action=none header.from=example.com; compauth=softpass reason=201" \
		"From: A <a@example.com>" "Subject: x" &&
	no_auth_hit s $MS &&
	mkmail p "Authentication-Results: spf=none; dkim=pass header.d=example.com; dmarc=fail action=none header.from=example.com; compauth=pass reason=130" \
		"From: A <a@example.com>" "Subject: x" &&
	no_auth_hit p $MS
'
test_expect_success 'without compauth the components decide: dmarc=fail action=oreject fires' '
	mkmail m "Authentication-Results: spf=fail smtp.mailfrom=example.com; dkim=none; dmarc=fail action=oreject header.from=example.com" \
		"From: A <a@example.com>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL m $MS
'
test_expect_success 'a protected From scores the higher tier, a brand the middle one' '
	mkmail p "Authentication-Results: spf=none; dkim=none; dmarc=none action=none header.from=agency.gov.tw;compauth=fail reason=001" \
		"From: IT <it@agency.gov.tw>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL_PROTECTED p $MS &&
	expect_no_rule LW_HDR_AUTH_FAIL p $MS &&
	grep -q "\"rule\":\"LW_HDR_AUTH_FAIL_PROTECTED\",\"score\":10" p.json &&
	mkmail b "Authentication-Results: spf=fail; dkim=none; dmarc=fail action=quarantine header.from=dhl.com;compauth=fail reason=000" \
		"From: DHL <noreply@dhl.com>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL_BRAND b $MS
'
test_expect_success 'a forged id-less stamp lower in the header is ignored: only the topmost counts' '
	mkmail p "$ms_pass" "Received: from mx.example.com (mx.example.com [198.51.100.4]) by mail.example.net; $(LC_ALL=C date -R)" \
		"$ms_fail" "From: A <a@example.com>" "Subject: x" &&
	no_auth_hit p $MS &&
	mkmail f "$ms_fail" "Received: from x (x [203.0.113.9]) by mail.example.net; $(LC_ALL=C date -R)" \
		"$ms_pass" "From: A <a@example.com>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL f $MS &&
	mkmail n "Authentication-Results: spf=pass smtp.mailfrom=example.com; dkim=none; dmarc=pass action=none header.from=example.com" \
		"Received: from x (x [203.0.113.9]) by mail.example.net; $(LC_ALL=C date -R)" \
		"$ms_fail" "From: A <a@example.com>" "Subject: x" &&
	no_auth_hit n $MS
'
test_expect_success 'stamps below X-IncomingTopHeaderMarker came with the message and are ignored' '
	mkmail m "Received: from mx (mx [203.0.113.9]) by eop.outlook.com; $(LC_ALL=C date -R)" \
		"X-IncomingTopHeaderMarker: OriginalChecksum:0;UpperCasedChecksum:0;SizeAsReceived:1;Count:9" \
		"$ms_fail" "From: A <a@example.com>" "Subject: x" &&
	no_auth_hit m $MS $ARC &&
	mkmail n "Received: from mx (mx [203.0.113.9]) by eop.outlook.com; $(LC_ALL=C date -R)" \
		"X-IncomingTopHeaderMarker: OriginalChecksum:0;UpperCasedChecksum:0;SizeAsReceived:1;Count:9" \
		"Authentication-Results: mx.agency.gov.tw; dmarc=fail header.from=example.com" \
		"From: A <a@example.com>" "Subject: x" &&
	no_auth_hit n
'
test_expect_success 'results about another header.from than the From field shows are not counted' '
	mkmail m "Authentication-Results: spf=none; dkim=none; dmarc=none action=none header.from=lists.example.org;compauth=fail reason=001" \
		"From: A <a@example.com>" "Subject: x" &&
	no_auth_hit m $MS &&
	mkmail w "Authentication-Results: spf=none; dkim=none; dmarc=none action=none header.from=0xzg8rrvzc.com;compauth=fail reason=001" \
		"From: Walmart    ,_<g0kso@0xzg8rrvzc.com>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL w $MS
'
test_expect_success 'an authserv-id with a version number is read; an untrusted one is ignored' '
	mkmail m "Authentication-Results: mx.agency.gov.tw 1; dmarc=fail header.from=example.com" \
		"From: A <a@example.com>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL m &&
	mkmail u "Authentication-Results: mx.attacker.example 1; dmarc=fail header.from=agency.gov.tw" \
		"From: IT <it@agency.gov.tw>" "Subject: x" &&
	no_auth_hit u $MS $ARC &&
	mkmail b "Authentication-Results: mx.agency.gov.tw 1 junk; dmarc=fail header.from=example.com" \
		"From: A <a@example.com>" "Subject: x" &&
	no_auth_hit b
'
test_expect_success 'ARC: the trusted highest instance i=2 beats a forged i=1' '
	mkmail f "ARC-Authentication-Results: i=2; mx.microsoft.com 1; spf=fail (sender ip is 203.0.113.9) smtp.mailfrom=example.com; dkim=none; dmarc=fail action=oreject header.from=example.com" \
		"ARC-Authentication-Results: i=1; mx.microsoft.com 1; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com; dmarc=pass header.from=example.com" \
		"From: A <a@example.com>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL f $ARC &&
	grep -q "ARC-Authentication-Results i=2 from mx.microsoft.com: From a@example.com" f.json &&
	mkmail p "ARC-Authentication-Results: i=2; mx.microsoft.com 1; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com; dmarc=pass header.from=example.com" \
		"ARC-Authentication-Results: i=1; mx.microsoft.com 1; spf=fail smtp.mailfrom=example.com; dkim=none; dmarc=fail header.from=example.com" \
		"From: A <a@example.com>" "Subject: x" &&
	no_auth_hit p $ARC &&
	mkmail o "ARC-Authentication-Results: i=1; mx.microsoft.com 1; spf=pass smtp.mailfrom=example.com; dmarc=pass header.from=example.com" \
		"ARC-Authentication-Results: i=2; mx.microsoft.com 1; spf=fail smtp.mailfrom=example.com; dkim=none; dmarc=fail header.from=example.com" \
		"From: A <a@example.com>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL o $ARC
'
test_expect_success 'near miss ARC: untrusted top instance, a duplicate top instance, i= above 50' '
	mkmail u "ARC-Authentication-Results: i=2; mx.attacker.example; dmarc=fail header.from=example.com" \
		"ARC-Authentication-Results: i=1; mx.microsoft.com 1; dmarc=fail header.from=example.com" \
		"From: A <a@example.com>" "Subject: x" &&
	no_auth_hit u $ARC &&
	mkmail d "ARC-Authentication-Results: i=2; mx.microsoft.com 1; dmarc=fail header.from=example.com" \
		"ARC-Authentication-Results: i=2; mx.microsoft.com 1; dmarc=pass header.from=example.com" \
		"From: A <a@example.com>" "Subject: x" &&
	no_auth_hit d $ARC &&
	mkmail h "ARC-Authentication-Results: i=51; mx.microsoft.com 1; dmarc=fail header.from=example.com" \
		"From: A <a@example.com>" "Subject: x" &&
	no_auth_hit h $ARC
'
test_expect_success 'one hit per message although several stamps fail' '
	mkmail m "Authentication-Results: mx.agency.gov.tw; dmarc=fail header.from=example.com" "$ms_fail" \
		"ARC-Authentication-Results: i=1; mx.microsoft.com 1; dmarc=fail header.from=example.com" \
		"From: A <a@example.com>" "Subject: x" &&
	scan_rules m $MS $ARC >rules &&
	test_grep_count = 1 "^LW_HDR_AUTH_FAIL" rules &&
	grep -q "Authentication-Results from mx.agency.gov.tw: From" m.json
'
test_expect_success 'copies that differ only in their stamps never share a cached verdict' '
	mkdir copies &&
	mkmail copies/1 "$ms_fail" "From: A <a@example.com>" "Message-ID: <same@example.com>" "Subject: x" &&
	sed "s/compauth=fail reason=001/compauth=pass reason=100/" copies/1 >copies/2 &&
	sed "s/^Authentication-Results: spf=none/Authentication-Results: mx.attacker.example; spf=none/" copies/1 >copies/3 &&
	"$LW_SCAN" $LW_OPTS $MS --json copies/1 copies/2 copies/3 >copies.json &&
	test_grep_count = 2 "\"cached\":true" copies.json &&
	test_grep_count = 1 "LW_HDR_AUTH_FAIL" copies.json &&
	grep "LW_HDR_AUTH_FAIL" copies.json | grep -q "\"file\":\"copies/1\""
'
test_expect_success 'malformed stamps are ignored without harm' '
	mkmail m "Authentication-Results: ;;; = ; \"unterminated" "Authentication-Results: (only a comment" \
		"ARC-Authentication-Results: i=; x" "ARC-Authentication-Results: i=99999999999999999999; mx.microsoft.com; dmarc=fail" \
		"Authentication-Results: =fail; spf= ; compauth" \
		"From: A <a@example.com>" "Subject: x" &&
	no_auth_hit m $MS $ARC
'
# brand mail sent through a mailing service: the Message-ID is the service's
esp_mail() { # FILE [A-R FIELD]
	mkmail "$1" ${2:+"$2"} "From: PayPal <service@paypal.com>" "Message-ID: <x1@mta7.esp.example>" \
		"Subject: your statement"
}
test_expect_success 'an aligned DKIM pass from our verifier: brand mail via a mailing service is not flagged' '
	esp_mail n "Authentication-Results: mx.agency.gov.tw; dkim=pass header.d=paypal.com header.s=s1; dkim-atps=neutral" &&
	expect_no_rule LW_HDR_MSGID_UNRELATED n &&
	esp_mail d "Authentication-Results: mx.agency.gov.tw; spf=pass smtp.mailfrom=esp.example; dkim=pass header.d=esp.example; dkim=pass header.d=e.paypal.com; dmarc=none header.from=paypal.com" &&
	expect_no_rule LW_HDR_MSGID_UNRELATED d &&
	esp_mail p "Authentication-Results: mx.agency.gov.tw; dmarc=pass header.from=paypal.com" &&
	expect_no_rule LW_HDR_MSGID_UNRELATED p
'
test_expect_success 'near miss: no stamp, an unaligned or failed signature, a failed DMARC or an untrusted id keep the hit' '
	esp_mail a &&
	expect_rule LW_HDR_MSGID_UNRELATED a &&
	esp_mail b "Authentication-Results: mx.agency.gov.tw; dkim=pass header.d=esp.example" &&
	expect_rule LW_HDR_MSGID_UNRELATED b &&
	esp_mail c "Authentication-Results: mx.agency.gov.tw; dkim=fail reason=\"signature verification failed\" header.d=paypal.com" &&
	expect_rule LW_HDR_MSGID_UNRELATED c &&
	esp_mail e "Authentication-Results: mx.agency.gov.tw; dkim=pass header.d=paypal.com; dmarc=fail header.from=paypal.com" &&
	expect_rule LW_HDR_MSGID_UNRELATED e &&
	esp_mail f "Authentication-Results: mx.attacker.example; dkim=pass header.d=paypal.com" &&
	expect_rule LW_HDR_MSGID_UNRELATED f
'
test_expect_success 'a forged From under a brand or agency name fires LW_HDR_AUTH_FAIL_CLAIM' '
	mkmail b "Authentication-Results: mx.agency.gov.tw; dmarc=fail header.from=shop.example" \
		"From: PayPal Service <notice@shop.example>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL_CLAIM b &&
	grep -q "\"rule\":\"LW_HDR_AUTH_FAIL_CLAIM\",\"score\":6" b.json &&
	mkmail g "Authentication-Results: mx.agency.gov.tw; dmarc=fail header.from=shop.example" \
		"From: Ministry of Digital Affairs <notice@shop.example>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL_CLAIM g
'
test_expect_success 'near miss: a forged From under an ordinary name is the plain LW_HDR_AUTH_FAIL' '
	mkmail m "Authentication-Results: mx.agency.gov.tw; dmarc=fail header.from=shop.example" \
		"From: Anna Lee <anna@shop.example>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL m &&
	expect_no_rule LW_HDR_AUTH_FAIL_CLAIM m
'
test_done
