#!/bin/sh
test_description='display-name impersonation: protected names and domains, VIPs, brands, free mail'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-heuristics.sh"

test_expect_success 'organization name from an outside address fires LW_IMP_PROTECTED_NAME' '
	mkmail m "From: 數位發展部 資訊處 <notice@mail-service.example.com>" "Subject: 公告" &&
	expect_rule LW_IMP_PROTECTED_NAME m
'
test_expect_success 'near miss: the same name from the organization itself' '
	mkmail m "From: 數位發展部 資訊處 <notice@agency.gov.tw>" "Subject: 公告" &&
	expect_no_rule LW_IMP_PROTECTED_NAME m
'
test_expect_success 'English organization name is matched case-insensitively as words' '
	mkmail m "From: MINISTRY OF DIGITAL AFFAIRS <it@example.net>" "Subject: x" &&
	expect_rule LW_IMP_PROTECTED_NAME m &&
	mkmail n "From: Ministry of Digital Affairsx Fans <it@example.net>" "Subject: x" &&
	expect_no_rule LW_IMP_PROTECTED_NAME n
'
test_expect_success 'protected domain written in the display name fires LW_IMP_PROTECTED_DOMAIN' '
	mkmail m "From: \"hr.agency.gov.tw\" <hr@example.com>" "Subject: x" &&
	expect_rule LW_IMP_PROTECTED_DOMAIN m &&
	mkmail n "From: \"hr.example.com\" <hr@example.com>" "Subject: x" &&
	expect_no_rule LW_IMP_PROTECTED_DOMAIN n
'
test_expect_success 'VIP name from outside fires LW_IMP_VIP_EXTERNAL (and LW_IMP_FREEMAIL from gmail)' '
	mkmail m "From: 王大明 <wang.daming.office@gmail.com>" "Subject: 在嗎" &&
	expect_rule LW_IMP_VIP_EXTERNAL m &&
	expect_rule LW_IMP_FREEMAIL m
'
test_expect_success 'near miss: the VIP writing from the organization' '
	mkmail m "From: David Wang <dwang@agency.gov.tw>" "Subject: hi" &&
	expect_no_rule LW_IMP_VIP_EXTERNAL m &&
	expect_no_rule LW_IMP_FREEMAIL m
'
test_expect_success 'address of another domain in the display name fires LW_IMP_NAME_ADDR_DIFFERS' '
	mkmail m "From: \"service@paypal.com\" <bounce@mailer.example.net>" "Subject: x" &&
	expect_rule LW_IMP_NAME_ADDR_DIFFERS m &&
	mkmail n "From: \"jane@example.net\" <jane@mail.example.net>" "Subject: x" &&
	expect_no_rule LW_IMP_NAME_ADDR_DIFFERS n
'
test_expect_success 'brand display name from elsewhere fires LW_IMP_BRAND_NAME' '
	mkmail m "From: Microsoft account team <no-reply@access-accsecurity.com>" "Subject: x" &&
	expect_rule LW_IMP_BRAND_NAME m &&
	mkmail c "From: 中華郵政 <notice@post-tw.example.com>" "Subject: 包裹" &&
	expect_rule LW_IMP_BRAND_NAME c
'
test_expect_success 'near miss: the brand from its own domain, or a word merely containing the keyword' '
	mkmail m "From: Microsoft account team <account-security-noreply@accountprotection.microsoft.com>" "Subject: x" &&
	expect_no_rule LW_IMP_BRAND_NAME m &&
	mkmail n "From: Pineapple Express <deals@example.com>" "Subject: x" &&
	expect_no_rule LW_IMP_BRAND_NAME n
'
test_expect_success 'a display name of two letters is found too (shorter than the brand index searches)' '
	echo "brand hewlett hp.com HP" >short.brands &&
	mkmail m "From: HP Support <help@printer-care.example>" "Subject: x" &&
	expect_rule LW_IMP_BRAND_NAME m -o brands_file=$PWD/short.brands &&
	mkmail n "From: HP Support <help@support.hp.com>" "Subject: x" &&
	expect_no_rule LW_IMP_BRAND_NAME n -o brands_file=$PWD/short.brands
'
test_expect_success 'near miss: a sender that names itself beside the brand names a partner' '
	mkmail m "From: Amazon Benefits at Fidelity <benefits@mail.fidelity.example>" "Subject: x" &&
	expect_no_rule LW_IMP_BRAND_NAME m &&
	mkmail n "From: Amazon Benefits <benefits@mail.fidelity.example>" "Subject: x" &&
	expect_rule LW_IMP_BRAND_NAME n &&
	mkmail o "From: Amazon <support@amazon-fidelity.example>" "Subject: x" &&
	expect_rule LW_IMP_BRAND_NAME o
'
test_expect_success 'a brand'"'"'s own domain as the display name names the brand; a free-mail domain or a public suffix does not' '
	cat >dom.brands <<-\EOF &&
	brand socialsecurity ssa.gov  Social Security Administration
	brand hmrc hmrc.gov.uk,gov.uk  HM Revenue
	brand microsoft microsoft.com,live.com
	freemail live.com
	EOF
	mkmail m "From: SSA.gov Notices <statement@mg.mailer-example.com>" "Subject: x" &&
	expect_rule LW_IMP_BRAND_NAME m -o brands_file=$PWD/dom.brands &&
	grep -q "claims ssa.gov" m.json &&
	mkmail own "From: SSA.gov Notices <statement@info.ssa.gov>" "Subject: x" &&
	expect_no_rule LW_IMP_BRAND_NAME own -o brands_file=$PWD/dom.brands &&
	mkmail free "From: Jane (live.com) <jane@mailer-example.com>" "Subject: x" &&
	expect_no_rule LW_IMP_BRAND_NAME free -o brands_file=$PWD/dom.brands &&
	mkmail gov "From: GOV.UK Notify <notify@council-example.org.uk>" "Subject: x" &&
	expect_no_rule LW_IMP_BRAND_NAME gov -o brands_file=$PWD/dom.brands
'
test_expect_success 'malformed From ("Brand ,_<addr>") is read as the reader sees it' '
	mkmail m "From: Facebook ,_<ks8ik@huq3yyxxbe.com>" "Subject: x" &&
	expect_rule LW_IMP_BRAND_NAME m &&
	expect_rule LW_HDR_FROM_NAME_COMMA m &&
	mkmail n "From: Facebook <support@facebook.com>, <ks8ik@huq3yyxxbe.com>" "Subject: x" &&
	expect_rule LW_IMP_BRAND_NAME n &&
	expect_rule LW_HDR_FROM_MALFORMED n
'
test_expect_success '"on behalf of" typed into the name fires LW_IMP_ON_BEHALF' '
	mkmail m "From: \"HR Department on behalf of Payroll\" <x@example.com>" "Subject: x" &&
	expect_rule LW_IMP_ON_BEHALF m &&
	mkmail n "From: \"Behalf Consulting\" <x@example.com>" "Subject: x" &&
	expect_no_rule LW_IMP_ON_BEHALF n
'
test_expect_success 'score.RULE overrides a built-in heuristic score' '
	mkmail m "From: Microsoft account team <no-reply@access-accsecurity.com>" "Subject: x" &&
	"$LW_SCAN" $LW_OPTS -o score.LW_IMP_BRAND_NAME=7.5 --json m >out &&
	"$PYTHON" -c "import json,sys; o=json.load(open(\"out\")); print([h[\"score\"] for h in o[\"hits\"] if h[\"rule\"]==\"LW_IMP_BRAND_NAME\"][0])" >actual &&
	echo 7.5 >expect &&
	test_cmp expect actual
'
test_expect_success 'subject speaking for a brand to the reader fires LW_IMP_BRAND_SUBJECT' '
	mkmail m "From: Billing <billing@stream-help.example>" "Subject: Your Netflix payment was declined" &&
	expect_rule LW_IMP_BRAND_SUBJECT m
'
test_expect_success 'near miss: news about a brand, a reply, and the brand itself' '
	mkmail m "From: Feeds <rss@example.org>" "Subject: Microsoft redesign" &&
	expect_no_rule LW_IMP_BRAND_SUBJECT m &&
	mkmail n "From: Bob <bob@example.org>" "In-Reply-To: <a@example.org>" "Subject: Re: your Netflix account" &&
	expect_no_rule LW_IMP_BRAND_SUBJECT n &&
	mkmail o "From: Netflix <info@mailer.netflix.com>" "Subject: Your Netflix payment" &&
	expect_no_rule LW_IMP_BRAND_SUBJECT o
'
test_expect_success 'a brand spelled as the address fires LW_IMP_BRAND_ADDRESS; the brand itself does not' '
	mkmail m "From: deutsche-bank-ag@email.salon.example" "Subject: news" &&
	expect_rule LW_IMP_BRAND_ADDRESS m &&
	mkmail n "From: Service <paypal.service@mailer.example>" "Subject: news" &&
	expect_rule LW_IMP_BRAND_ADDRESS n &&
	mkmail o "From: paypal@mail.paypal.com" "Subject: news" &&
	expect_no_rule LW_IMP_BRAND_ADDRESS o &&
	mkmail p "From: PayPal <paypal@evil.example>" "Subject: news" &&
	expect_rule LW_IMP_BRAND_NAME p &&
	expect_no_rule LW_IMP_BRAND_ADDRESS p &&
	mkmail q "From: Anna <paypalooza@fair.example>" "Subject: news" &&
	expect_no_rule LW_IMP_BRAND_ADDRESS q
'
test_done
