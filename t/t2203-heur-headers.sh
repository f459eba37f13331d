#!/bin/sh
test_description='header inconsistencies: Reply-To, Return-Path, origin, Authentication-Results, Message-ID, Date, From'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-heuristics.sh"

test_expect_success 'Reply-To in another domain fires LW_HDR_REPLYTO_OTHER' '
	mkmail m "From: A <a@example.com>" "Reply-To: b@other.example.net" "Subject: x" &&
	expect_rule LW_HDR_REPLYTO_OTHER m &&
	mkmail n "From: A <a@example.com>" "Reply-To: b@lists.example.com" "Subject: x" &&
	expect_no_rule LW_HDR_REPLYTO_OTHER n
'
test_expect_success 'Reply-To free mail fires LW_HDR_REPLYTO_FREEMAIL, with a claimed identity _CLAIM' '
	mkmail m "From: A <a@example.com>" "Reply-To: a.example@gmail.com" "Subject: x" &&
	expect_rule LW_HDR_REPLYTO_FREEMAIL m &&
	mkmail c "From: 數位發展部 <a@example.com>" "Reply-To: moda.tw@gmail.com" "Subject: x" &&
	expect_rule LW_HDR_REPLYTO_FREEMAIL_CLAIM c &&
	expect_no_rule LW_HDR_REPLYTO_FREEMAIL c
'
test_expect_success 'near miss: free-mail user replying to the same free-mail domain' '
	mkmail m "From: A <a@gmail.com>" "Reply-To: a.other@gmail.com" "Subject: x" &&
	scan_rules m >rules && ! grep -q LW_HDR_REPLYTO rules
'
test_expect_success 'brand From with bounces to an unrelated domain fires LW_HDR_BRAND_RETURNPATH' '
	mkmail m "Return-Path: <bounce@nisihfjoz.co.uk>" "From: Microsoft <no-reply@microsoft.com>" "Subject: x" &&
	expect_rule LW_HDR_BRAND_RETURNPATH m &&
	mkmail n "Return-Path: <bounce@email.microsoft.com>" "From: Microsoft <no-reply@microsoft.com>" "Subject: x" &&
	expect_no_rule LW_HDR_BRAND_RETURNPATH n
'
test_expect_success 'near miss: a brand sending through a bulk-mail provider (bounces and Message-ID are the provider'"'"'s)' '
	mkmail m "Return-Path: <msprvs1=2QA=bounces-3488@sparkpostmail.com>" \
		"Message-ID: <E8.DA.44240.DC7BFE96@i-0039.mta1vrest.sd.prd.sparkpost>" \
		"From: Microsoft <no-reply@microsoft.com>" "Subject: x" &&
	expect_no_rule LW_HDR_BRAND_RETURNPATH m &&
	expect_no_rule LW_HDR_MSGID_UNRELATED m
'
test_expect_success 'brand From with a foreign Message-ID fires LW_HDR_MSGID_UNRELATED' '
	mkmail m "From: PayPal <service@paypal.com>" "Message-ID: <abc.123@vps-4411.example.ru>" "Subject: x" &&
	expect_rule LW_HDR_MSGID_UNRELATED m &&
	mkmail n "From: PayPal <service@paypal.com>" "Message-ID: <abc.123@mx.paypal.com>" "Subject: x" &&
	expect_no_rule LW_HDR_MSGID_UNRELATED n
'
test_expect_success 'near miss: bounces to the brand'"'"'s own domain and a mailing service'"'"'s Message-ID (an aligned ESP set-up)' '
	mkmail m "Return-Path: <3360543@email.geico.com>" "From: GEICO <mgemails@geico.com>" \
		"Message-ID: <410299080.31709822@mta0201.messagegears.net>" "Subject: x" &&
	expect_no_rule LW_HDR_MSGID_UNRELATED m &&
	mkmail n "Return-Path: <3360543@bounce.example.ru>" "From: GEICO <mgemails@geico.com>" \
		"Message-ID: <410299080.31709822@mta0201.messagegears.net>" "Subject: x" &&
	expect_rule LW_HDR_MSGID_UNRELATED n
'
test_expect_success 'our domain in From, arrived from an outside client: LW_HDR_SPOOFED_INTERNAL' '
	mkmail m "Received: from mx.evil.example (mx.evil.example [203.0.113.9]) by mx.agency.gov.tw with ESMTP id 1; $(LC_ALL=C date -R)" \
		"From: IT <it@agency.gov.tw>" "Subject: x" &&
	expect_rule LW_HDR_SPOOFED_INTERNAL m
'
test_expect_success 'near miss: from an internal client, or an authenticated submission' '
	mkmail m "Received: from pc1 (pc1 [10.1.2.3]) by mx.agency.gov.tw with ESMTP id 1; $(LC_ALL=C date -R)" \
		"From: IT <it@agency.gov.tw>" "Subject: x" &&
	expect_no_rule LW_HDR_SPOOFED_INTERNAL m &&
	mkmail n "Received: from laptop (home [198.51.100.7]) by mx.agency.gov.tw with ESMTPSA id 2; $(LC_ALL=C date -R)" \
		"From: IT <it@agency.gov.tw>" "Subject: x" &&
	expect_no_rule LW_HDR_SPOOFED_INTERNAL n
'
test_expect_success 'trusted Authentication-Results failure: plain, brand and protected variants' '
	mkmail m "Authentication-Results: mx.agency.gov.tw; spf=fail smtp.mailfrom=x.example; dkim=none; dmarc=fail header.from=example.com" \
		"From: A <a@example.com>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL m &&
	mkmail b "Authentication-Results: mx.agency.gov.tw; spf=softfail (not allowed) smtp.mailfrom=x.example; dkim=fail" \
		"From: DHL <noreply@dhl.com>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL_BRAND b &&
	mkmail p "Authentication-Results: mx.agency.gov.tw; dmarc=fail header.from=agency.gov.tw" \
		"From: IT <it@agency.gov.tw>" "Subject: x" &&
	expect_rule LW_HDR_AUTH_FAIL_PROTECTED p
'
test_expect_success 'near miss: untrusted authserv-id, and SPF fail rescued by a DKIM pass' '
	mkmail m "Authentication-Results: mx.attacker.example; dmarc=fail header.from=agency.gov.tw" \
		"From: IT <it@agency.gov.tw>" "Subject: x" &&
	scan_rules m >rules && ! grep -q LW_HDR_AUTH_FAIL rules &&
	mkmail n "Authentication-Results: mx.agency.gov.tw; spf=fail; dkim=pass header.d=example.com" \
		"From: A <a@example.com>" "Subject: x" &&
	scan_rules n >rules && ! grep -q LW_HDR_AUTH_FAIL rules
'
test_expect_success 'Date far from the receipt time fires LW_HDR_DATE_FUTURE / LW_HDR_DATE_PAST' '
	mkmail f "Received: from a (a [203.0.113.1]) by mx; Mon, 03 Nov 2025 10:00:00 +0800" \
		"Date: Fri, 07 Nov 2025 10:00:00 +0800" "From: A <a@example.com>" "Subject: x" &&
	expect_rule LW_HDR_DATE_FUTURE f &&
	mkmail p "Received: from a (a [203.0.113.1]) by mx; Mon, 03 Nov 2025 10:00:00 +0800" \
		"Date: Mon, 01 Sep 2025 10:00:00 +0800" "From: A <a@example.com>" "Subject: x" &&
	expect_rule LW_HDR_DATE_PAST p &&
	mkmail n "Received: from a (a [203.0.113.1]) by mx; Mon, 03 Nov 2025 10:00:00 +0800" \
		"Date: Mon, 03 Nov 2025 09:58:00 +0800" "From: A <a@example.com>" "Subject: x" &&
	scan_rules n >rules && ! grep -q LW_HDR_DATE rules
'
test_expect_success 'From with several mailboxes fires LW_HDR_FROM_MALFORMED; one normal mailbox does not' '
	mkmail m "From: Bank <a@example.com>, <b@evil.example>" "Subject: x" &&
	expect_rule LW_HDR_FROM_MALFORMED m &&
	mkmail n "From: \"Bank, Customer Care\" <a@example.com>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_MALFORMED n
'
test_expect_success 'a From with no mailbox anyone can read fires LW_HDR_FROM_MALFORMED, and the subject check still runs' '
	mkmail a "From: Supermarket Team,(<newsletter@shop.example.com>)" "Subject: x" &&
	expect_rule LW_HDR_FROM_MALFORMED a &&
	mkmail b "From: \"Facebook\" <>" "Subject: x" &&
	expect_rule LW_HDR_FROM_MALFORMED b &&
	mkmail c "From: Tower of Fortuna <pHGYhwY@<noreply@example.nl>" "To: <bob@agency.gov.tw>" \
		"Subject: bob@agency.gov.tw, welcome to the tower" &&
	expect_rule LW_HDR_FROM_MALFORMED c &&
	grep -qx LW_HDR_RCPT_IN_SUBJECT c.rules &&
	mkmail d "From: \"Doe, Jane\" <jane.doe@example.com>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_MALFORMED d
'
test_expect_success 'an unquoted comma in the sender name fires LW_HDR_FROM_NAME_COMMA, which alone only notes it' '
	mkmail m "From: Your match, kq <service@example.com>" "Subject: x" &&
	expect_rule LW_HDR_FROM_NAME_COMMA m &&
	grep -q "\"rule\":\"LW_HDR_FROM_NAME_COMMA\",[^}]*\"class\":\"evasion\"" m.json &&
	test_json_is m.json action accept &&
	mkmail n "From: Doe, Jane <jane.doe@example.com>" "Subject: minutes" &&
	scan_rules n >/dev/null && test_json_is n.json action accept &&
	mkmail q "From: \"Doe, Jane\" <jane.doe@example.com>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_NAME_COMMA q &&
	mkmail e "From: =?utf-8?q?Doe_Jane?= (Sales, EMEA) <jane.doe@example.com>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_NAME_COMMA e &&
	mkmail w "From: =?utf-8?q?Doe=2C_Jane?= <jane.doe@example.com>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_NAME_COMMA w
'
test_expect_success 'a From in group syntax (a name and a colon) fires LW_HDR_FROM_MALFORMED; a colon quoted or encoded does not' '
	mkmail g1 "From: :Lloyds Pharmacy <info@shop.example.com>" "Subject: x" &&
	expect_rule LW_HDR_FROM_MALFORMED g1 &&
	mkmail g2 "From: PayPal: service@billing.example.net;" "Subject: x" &&
	expect_rule LW_HDR_FROM_MALFORMED g2 &&
	mkmail g3 "From: Immediate: Your Order <help@shop.example.com>" "Subject: x" &&
	expect_rule LW_HDR_FROM_MALFORMED g3 &&
	mkmail q1 "From: \"Re: Minutes\" <jane.doe@example.com>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_MALFORMED q1 &&
	mkmail q2 "From: =?utf-8?B?QmVzdGVsbGluZzogOThVSjE5?= <contact@example.com>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_MALFORMED q2 &&
	mkmail q3 "From: Jane (Sales: EMEA) <jane.doe@example.com>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_MALFORMED q3
'
test_expect_success 'a quoted name a comma cuts off from the address fires LW_HDR_FROM_MALFORMED, and alone holds' '
	mkmail d "From: \"Promotions@Norauto\", <eglantine@news.example.com>" "Subject: x" &&
	expect_rule LW_HDR_FROM_MALFORMED d &&
	expect_no_rule LW_HDR_FROM_NAME_COMMA d &&
	test_json_is d.json action quarantine &&
	mkmail n "From: \"Ukrainian beauty\", jehd <service@example.com>" "Subject: x" &&
	expect_rule LW_HDR_FROM_MALFORMED n &&
	mkmail q "From: \"Doe, Jane\" <jane.doe@example.com>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_MALFORMED q &&
	mkmail t "From: \"Shop\" Team, x <team@example.com>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_MALFORMED t &&
	expect_rule LW_HDR_FROM_NAME_COMMA t
'
test_expect_success 'casino spam is tagged; the same spam whose sender name hides a second sender is held' '
	spam="Play at our online casino today: 100 free spins and a 400% deposit bonus." &&
	mkmail q "From: \"Casino Bonus, kq\" <offers@promo-club.example.com>" \
		"Subject: Your 400% Bonus + 100 Free Spins are waiting" -- "$spam" &&
	scan_rules q >/dev/null && test_json_is q.json action tag &&
	mkmail m "From: Casino Bonus, kq <offers@promo-club.example.com>" \
		"Subject: Your 400% Bonus + 100 Free Spins are waiting" -- "$spam" &&
	expect_rule LW_HDR_FROM_NAME_COMMA m &&
	test_json_is m.json action quarantine
'
# teaser FILE [FIELD]...: the advance-fee opener ("Project Funding") from a
# company mailbox, answers to free mail, with FIELDs (a To) added
teaser() {
	local file=$1
	shift
	mkmail "$file" "From: Dr Andrew Hale <office@trading-partners.example.com>" "$@" \
		"Reply-To: andrew.hale.private@gmail.com" "Subject: Project Funding" -- \
		"Kindly get back to me for more details on the funding of your project."
}
test_expect_success 'a teaser to undisclosed recipients whose answers go to free mail is held (LW_HDR_BCC_FREEMAIL)' '
	teaser m "To: undisclosed-recipients:;" &&
	expect_rule LW_HDR_BCC_FREEMAIL m &&
	grep -q "\"rule\":\"LW_HDR_BCC_FREEMAIL\",[^}]*\"class\":\"evasion\"" m.json &&
	test_json_is m.json action quarantine
'
test_expect_success 'near miss: answers to free mail without a Bcc blast, a Bcc blast from free mail without a lure' '
	teaser m &&
	expect_no_rule LW_HDR_BCC_FREEMAIL m &&
	test_json_is m.json action accept &&
	mkmail n "From: Ann <ann.example@gmail.com>" "To: undisclosed-recipients:;" "Subject: Saturday" -- \
		"Barbecue at ours on Saturday from 4, bring a chair." &&
	expect_no_rule LW_HDR_BCC_FREEMAIL n &&
	test_json_is n.json action accept
'
test_expect_success 'the same teaser addressed to its own sender, recipients in Bcc, is held alike' '
	teaser m "To: Recipients <office@trading-partners.example.com>" &&
	expect_rule LW_HDR_BCC_FREEMAIL m &&
	grep -q "addressed to the sender itself; answers to andrew.hale.private@gmail.com" m.json &&
	test_json_is m.json action quarantine &&
	teaser u "To: undisclosed-recipients:;" &&
	scan_rules u >/dev/null &&
	test_is = "$(test_json_field u.json score)" "$(test_json_field m.json score)" \
		"the to-self form'"'"'s score (the undisclosed form'"'"'s)"
'
test_expect_success 'near miss: writing to oneself is no blast without free-mail answers, nor with a Cc or through a list' '
	mkmail a "From: Shop News <news@shop.example.com>" "To: news@shop.example.com" \
		"Subject: This week at the shop" &&
	expect_no_rule LW_HDR_BCC_FREEMAIL a &&
	test_json_is a.json action accept &&
	mkmail c "From: A <office@trading-partners.example.com>" "To: office@trading-partners.example.com" \
		"Cc: bob@agency.gov.tw" "Reply-To: andrew.hale.private@gmail.com" "Subject: x" &&
	expect_no_rule LW_HDR_BCC_FREEMAIL c &&
	mkmail l "From: A <office@trading-partners.example.com>" "To: office@trading-partners.example.com" \
		"List-Id: <partners.lists.example.org>" "Reply-To: andrew.hale.private@gmail.com" "Subject: x" &&
	expect_no_rule LW_HDR_BCC_FREEMAIL l
'
test_expect_success 'impossible sender domain fires LW_HDR_FROM_BAD_DOMAIN; a private-suffix domain does not' '
	mkmail m "From: Correios <contato@correios>" "Subject: x" &&
	expect_rule LW_HDR_FROM_BAD_DOMAIN m &&
	mkmail u "From: X <x@ubuntu-s-1vcpu-512mb-10gb-nyc1-02>" "Subject: x" &&
	expect_rule LW_HDR_FROM_BAD_DOMAIN u &&
	mkmail n "From: Ville <ville@iki.fi>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_BAD_DOMAIN n
'
test_expect_success 'sender on a free hosting service fires LW_HDR_FROM_FREEHOST' '
	mkmail m "From: Prize <noreply@korolui-58091.firebaseapp.com>" "Subject: x" &&
	expect_rule LW_HDR_FROM_FREEHOST m &&
	mkmail n "From: Firebase <noreply@firebase.google.com>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_FREEHOST n
'
test_expect_success 'recipient address in the subject fires LW_HDR_RCPT_IN_SUBJECT' '
	mkmail m "From: A <a@example.com>" "To: user@agency.gov.tw" "Subject: user@agency.gov.tw, your mailbox is full" &&
	expect_rule LW_HDR_RCPT_IN_SUBJECT m &&
	mkmail n "From: A <a@example.com>" "To: user@agency.gov.tw" "Subject: your mailbox is full" &&
	expect_no_rule LW_HDR_RCPT_IN_SUBJECT n
'
test_expect_success 'random mixed-case mailbox names fire LW_HDR_FROM_RANDOM_LOCAL' '
	mkmail m "From: Offer <afAbPcZ@deck.example.com>" "Subject: x" &&
	expect_rule LW_HDR_FROM_RANDOM_LOCAL m &&
	mkmail n "From: John <JohnSmith@example.com>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_RANDOM_LOCAL n &&
	mkmail o "From: News <newsletter.team@example.com>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_RANDOM_LOCAL o &&
	mkmail p "From: Club <TheTravelClubNews@crm.example.com>" "Subject: x" &&
	expect_no_rule LW_HDR_FROM_RANDOM_LOCAL p &&
	mkmail q "From: Offer <DanvlIyBH@deck.example.com>" "Subject: x" &&
	expect_rule LW_HDR_FROM_RANDOM_LOCAL q
'
test_expect_success 'a run of capitals inside the mailbox name is generated too; acronyms, initials and McNames are not' '
	# kits also draw runs of capitals: no word starts at "RTY" or "BVC"
	for l in QwRTYuk mnBVCxz; do
		mkmail $l "From: Offer <$l@deck.example.com>" "Subject: x" &&
		expect_rule LW_HDR_FROM_RANDOM_LOCAL $l || return 1
	done &&
	# an acronym before a word, a name with an initial at its end, a McName
	for l in UPSMyChoice IBMSupport maryK McDonald GHSclassof1980; do
		mkmail $l "From: Someone <$l@example.com>" "Subject: x" &&
		expect_no_rule LW_HDR_FROM_RANDOM_LOCAL $l || return 1
	done
'
test_expect_success 'invoice fraud: a payment-change pretext with replies diverted to another domain is held' '
	mkmail m "From: Accounts <ap@supplier.example.com>" "Reply-To: <finance@settlement-desk.example.net>" \
		"Subject: updated bank details" -- "Our bank account details have changed. Please update your records immediately and pay the open invoice to the new account." &&
	scan_rules m >m.rules &&
	action=$(test_json_field m.json action) &&
	case "$action" in quarantine|reject) ;; *) echo "expected quarantine or reject, got $action:"; cat m.rules; false ;; esac
'

ADVANCE="I am a bank manager with a business proposal: an inheritance of 10.5 million dollars is waiting. Reply with your full name and phone number."
test_expect_success 'a lure from a free-mail address fires LW_HDR_FROM_FREEMAIL_LURE, and the pair is evidence' '
	mkmail m "From: Mr. James <james.bank.manager@gmail.com>" "Subject: proposal" -- "$ADVANCE" &&
	expect_rule LW_HDR_FROM_FREEMAIL_LURE m &&
	action=$(test_json_field m.json action) &&
	case "$action" in quarantine|reject) ;; *) echo "expected quarantine or reject, got $action:"; cat m.rules; false ;; esac
'
OPENER="My name is Mr. John Walker. I need your urgent assistance in a private matter."
test_expect_success 'an advance-fee opener is held from free mail, only tagged from a company (the sender contradicts the pretext)' '
	mkmail m "From: John Walker <john.walker1960@gmail.com>" "Subject: private matter" -- "$OPENER" &&
	expect_rule LW_HDR_FROM_FREEMAIL_LURE m &&
	action=$(test_json_field m.json action) &&
	case "$action" in quarantine|reject) ;; *) echo "expected quarantine or reject from free mail, got $action:"; cat m.rules; false ;; esac &&
	mkmail b "From: John Walker <john.walker@walker-partners.example.com>" "Subject: private matter" -- "$OPENER" &&
	expect_no_rule LW_HDR_FROM_FREEMAIL_LURE b &&
	action=$(test_json_field b.json action) &&
	case "$action" in quarantine|reject) echo "expected at most tag from a company domain, got $action:"; cat b.rules; false ;; esac
'
test_expect_success 'near miss: free mail without a lure, a lure from a company, a list post' '
	mkmail a "From: Ann <ann.lee@gmail.com>" "Subject: lunch" -- "See you at noon on Friday." &&
	expect_no_rule LW_HDR_FROM_FREEMAIL_LURE a &&
	mkmail b "From: Mr. James <james@bank.example.com>" "Subject: proposal" -- "$ADVANCE" &&
	expect_no_rule LW_HDR_FROM_FREEMAIL_LURE b &&
	mkmail c "From: Mr. James <james.bank.manager@gmail.com>" "List-Id: <users.lists.example.org>" \
		"Subject: proposal" -- "$ADVANCE" &&
	expect_no_rule LW_HDR_FROM_FREEMAIL_LURE c
'

# Callback phishing: a receipt for a charge the reader never made and a
# number to call; the mail has no link to judge. No shop sends its receipts
# from free mail, so that sender contradicts the pretext.
RECEIPT="Your order is confirmed. Amount: \$523.00 was charged to your account. If you did not authorize this, call our support at 1-855-596-2198."
test_expect_success 'a callback receipt from free mail is held; the same receipt from a shop'"'"'s domain is tagged' '
	mkmail m "From: Billing <orders.dept.7731@gmail.com>" "Subject: Order 441243 confirmation" -- "$RECEIPT" &&
	expect_rule LW_EN_CALLBACK_PHISH m &&
	expect_rule LW_HDR_FROM_FREEMAIL_LURE m &&
	action=$(test_json_field m.json action) &&
	test_is = quarantine "$action" "action of a callback receipt from gmail.com" &&
	mkmail n "From: Billing <orders@shop.example.com>" "Subject: Order 441243 confirmation" -- "$RECEIPT" &&
	expect_rule LW_EN_CALLBACK_PHISH n &&
	expect_no_rule LW_HDR_FROM_FREEMAIL_LURE n &&
	action=$(test_json_field n.json action) &&
	test_is = tag "$action" "action of the same receipt from a shop domain"
'

test_done
