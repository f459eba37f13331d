#!/bin/sh
test_description='deceptive links and HTML: anchor mismatch, IP, userinfo, shorteners, data/javascript, services, forms, hidden text, image-only, QR'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-heuristics.sh"

# html FILE BODY: an HTML message from an unremarkable sender
html() {
	mkmail "$1" "From: News <news@example.com>" "Subject: Notice" \
		"Content-Type: text/html; charset=utf-8" -- "<html><body>$2</body></html>"
}

# alt FILE FROM TO TEXT HTML: a multipart/alternative message, a text
# version beside the HTML, as mail clients and bulk-mail providers send it
alt() {
	cat >"$1" <<-EOF
	From: $2
	To: $3
	Subject: x
	MIME-Version: 1.0
	Content-Type: multipart/alternative; boundary=b

	--b
	Content-Type: text/plain; charset=utf-8

	$4
	--b
	Content-Type: text/html; charset=utf-8

	$5
	--b--
	EOF
}

test_expect_success 'anchor text showing another site fires LW_LINK_TEXT_MISMATCH' '
	html m "<p>Log in at <a href=\"https://evil.example/x\">https://www.agency.gov.tw/login</a></p>" &&
	expect_rule LW_LINK_TEXT_MISMATCH m
'
test_expect_success 'an address in full-width letters or with ideographic full stops is the address it shows' '
	html fw "<p>Log in at <a href=\"https://evil.example/x\">ｗｗｗ.ａｇｅｎｃｙ.gov.tw</a></p>" &&
	expect_rule LW_LINK_TEXT_MISMATCH fw &&
	html dot "<p>Log in at <a href=\"https://evil.example/x\">www.agency。gov。tw/login</a></p>" &&
	expect_rule LW_LINK_TEXT_MISMATCH dot &&
	html same "<p>Log in at <a href=\"https://www.agency.gov.tw/login\">ｗｗｗ．ａｇｅｎｃｙ。gov.tw</a></p>" &&
	expect_no_rule LW_LINK_TEXT_MISMATCH same
'
test_expect_success 'a mismatch alone is tagged; beside one more sign (HTML only) it is held' '
	alt alt "News <news@shop-example.com>" "user@agency.gov.tw" \
		"Our terms: https://www.shop-partner.example.org/terms" \
		"<p>Our terms: <a href=\"https://t.mailer-example.net/f/a/Xy12\">https://www.shop-partner.example.org/terms</a></p>" &&
	expect_rule LW_LINK_TEXT_MISMATCH alt &&
	test_json_is alt.json action tag &&
	html m "<p>Our terms: <a href=\"https://t.mailer-example.net/f/a/Xy12\">https://www.shop-partner.example.org/terms</a></p>" &&
	expect_rule LW_LINK_TEXT_MISMATCH m &&
	expect_rule LW_HTML_ONLY m &&
	test_json_is m.json action quarantine
'
test_expect_success 'near miss: same site, brand sibling domain, or a file name as text' '
	html m "<a href=\"https://www.example.com/a\">www.example.com</a>
		<a href=\"https://login.live.com/\">account.microsoft.com</a>
		<a href=\"https://files.example.net/Invoice.pdf\">Invoice.pdf</a>" &&
	expect_no_rule LW_LINK_TEXT_MISMATCH m
'
test_expect_success 'IP-literal web link fires LW_LINK_IP_HOST; a named host does not' '
	html m "<a href=\"http://198.51.100.7/login\">login</a>" &&
	expect_rule LW_LINK_IP_HOST m &&
	html n "<a href=\"http://www.example.com/login\">login</a>" &&
	expect_no_rule LW_LINK_IP_HOST n
'
test_expect_success "host hidden after '@' fires LW_LINK_USERINFO; a mailto does not" '
	html m "<a href=\"https://paypal.com@evil.example/x\">PayPal</a>" &&
	expect_rule LW_LINK_USERINFO m &&
	html n "<a href=\"mailto:help@example.com\">help</a>" &&
	expect_no_rule LW_LINK_USERINFO n
'
test_expect_success 'shortener fires LW_LINK_SHORTENER (text URL too); a normal link does not' '
	mkmail m "From: A <a@example.com>" "Subject: x" -- "See https://bit.ly/3xYz12 now" &&
	expect_rule LW_LINK_SHORTENER m &&
	mkmail n "From: A <a@example.com>" "Subject: x" -- "See https://www.example.com/3xYz12 now" &&
	expect_no_rule LW_LINK_SHORTENER n
'
test_expect_success 'data: and javascript: links fire LW_LINK_DATA_URI and LW_LINK_JAVASCRIPT' '
	html m "<a href=\"data:text/html;base64,PGgxPmhpPC9oMT4=\">open</a> <a href=\"javascript:go()\">go</a>" &&
	expect_rule LW_LINK_DATA_URI m &&
	expect_rule LW_LINK_JAVASCRIPT m &&
	html n "<img src=\"https://www.example.com/logo.png\"><a href=\"https://www.example.com/\">home</a>" &&
	expect_no_rule LW_LINK_DATA_URI n &&
	expect_no_rule LW_LINK_JAVASCRIPT n
'
test_expect_success 'near miss: a data:text/plain link (a pasted snippet, shown as text) is no data: page' '
	html n "<a href=\"data:text/plain;base64,I2luY2x1ZGUgPHN0ZGlvLmg+Cg==\">main.c</a>" &&
	expect_no_rule LW_LINK_DATA_URI n &&
	html o "<a href=\"data:,\">View this mail in your browser</a>" &&
	expect_no_rule LW_LINK_DATA_URI o &&
	html m "<a href=\"data:text/plain-html;base64,PGgxPmhpPC9oMT4=\">x</a> <a href=\"DATA:TEXT/HTML,<form>\">y</a>" &&
	expect_rule LW_LINK_DATA_URI m
'
test_expect_success 'an inline data:image picture is neither a data: link nor an over-long URL' '
	pic=$(head -c 12000 /dev/zero | base64 -w0) &&
	html m "<p>Our new office:</p><img src=\"data:image/png;base64,$pic\">" &&
	expect_no_rule LW_LINK_DATA_URI m &&
	expect_no_rule LW_LIMIT_MAX_URL_LENGTH m &&
	html n "<a href=\"data:image/svg+xml;base64,$pic\">open the invoice</a>" &&
	expect_rule LW_LINK_DATA_URI n
'
test_expect_success 'file-sharing, form-builder and free-hosting links fire their rules' '
	html m "<a href=\"https://www.dropbox.com/s/abc/x.pdf\">doc</a>
		<a href=\"https://forms.gle/abcdef\">form</a>
		<a href=\"https://my-site.weebly.com/\">site</a>" &&
	expect_rule LW_LINK_FILESHARE m &&
	expect_rule LW_LINK_FORM_SERVICE m &&
	expect_rule LW_LINK_FREEHOST m &&
	html n "<a href=\"https://www.example.org/docs/\">docs</a>" &&
	scan_rules n >rules && ! grep -E "LW_LINK_(FILESHARE|FORM_SERVICE|FREEHOST)" rules
'
test_expect_success 'a logo on a cloud bucket is no free-hosting link; a link to a page there is' '
	html m "<img src=\"https://s3.amazonaws.com/news.example.com/logo.png\"> <a href=\"https://www.example.com/\">home</a>" &&
	expect_no_rule LW_LINK_FREEHOST m &&
	html n "<a href=\"https://s3.amazonaws.com/bucket/login.html\">sign in</a>" &&
	expect_rule LW_LINK_FREEHOST n
'
test_expect_success 'a page on a bucket at a regional S3 endpoint is as free-hosted as one at the global endpoint' '
	html m "<a href=\"https://claims-2291.s3.us-east-2.amazonaws.com/s09823.html\">claim</a>" &&
	expect_rule LW_LINK_FREEHOST m &&
	html n "<a href=\"https://claims-2291.s3-website-eu-west-1.amazonaws.com/\">claim</a>" &&
	expect_rule LW_LINK_FREEHOST n &&
	html o "<img src=\"https://news-assets.s3.us-west-2.amazonaws.com/logo.png\"> <a href=\"https://www.example.com/\">home</a>" &&
	expect_no_rule LW_LINK_FREEHOST o &&
	html p "<a href=\"https://console.aws.amazon.com/ec2/\">console</a>" &&
	expect_no_rule LW_LINK_FREEHOST p
'
# pdf_mail FILE URI: a short note with a PDF whose one link annotation goes to URI
pdf_mail() {
	printf '%s\n' "From: Billing <billing@example.com>" "Subject: statement" "MIME-Version: 1.0" \
		"Content-Type: multipart/mixed; boundary=B" "" "--B" "Content-Type: text/plain" "" "See the attached statement." \
		"--B" "Content-Type: application/pdf" "Content-Disposition: attachment; filename=statement.pdf" "" \
		"%PDF-1.4" "1 0 obj << /Type /Annot /Subtype /Link /A << /S /URI /URI ($2) >> >> endobj" "%%EOF" "--B--" >"$1"
}
test_expect_success 'a PDF'"'"'s link to a page on a storage service'"'"'s static website is a free-hosting link' '
	pdf_mail m "https://cartoes7.z13.web.core.windows.net/" &&
	expect_rule LW_LINK_FREEHOST m &&
	pdf_mail f "https://firebasestorage.googleapis.com/v0/b/x.appspot.com/o/login.html?alt=media" &&
	expect_rule LW_LINK_FREEHOST f &&
	pdf_mail n "https://www.example.com/statements/" &&
	expect_no_rule LW_LINK_FREEHOST n
'
# shop FILE HREF TEXT: a shop'"'"'s newsletter, mailed from its mail subdomain
shop() {
	mkmail "$1" "From: The Example Shop Club <news@mail.exampleshop.com>" "Subject: Offers" \
		"Content-Type: text/html; charset=utf-8" -- "<html><body><a href=\"$2\">$3</a></body></html>"
}
test_expect_success 'click tracking: the sender'"'"'s site shown over its own or its mail provider'"'"'s tracker is no mismatch' '
	shop own "https://click.mail.exampleshop.com/c/8f2a91" "https://www.exampleshop.com/sale" &&
	expect_no_rule LW_LINK_TEXT_MISMATCH own &&
	shop named "https://click.mail.exampleshop.com/c/8f2a91" "www.theexampleshopclub.net/rewards" &&
	expect_no_rule LW_LINK_TEXT_MISMATCH named &&
	shop esp "https://u1234.ct.sendgrid.net/ls/click?upn=abc" "https://www.exampleshop.com/account" &&
	expect_no_rule LW_LINK_TEXT_MISMATCH esp
'
test_expect_success 'near miss: a third party'"'"'s site shown over the sender'"'"'s tracker, or a brand over anything but its own site' '
	shop third "https://click.mail.exampleshop.com/c/8f2a91" "https://billing.streaming-example.net/payment/update" &&
	expect_rule LW_LINK_TEXT_MISMATCH third &&
	shop esp "https://u1234.ct.sendgrid.net/ls/click?upn=abc" "https://billing.streaming-example.net/payment/update" &&
	expect_rule LW_LINK_TEXT_MISMATCH esp &&
	shop brand "https://click.mail.exampleshop.com/c/8f2a91" "https://www.paypal.com/signin" &&
	expect_rule LW_LINK_TEXT_MISMATCH brand
'
test_expect_success 'a password form inside the mail fires LW_HTML_CREDENTIAL_FORM' '
	html m "<form action=\"https://evil.example/p\"><input name=u><input type=\"password\" name=p><input type=submit></form>" &&
	expect_rule LW_HTML_CREDENTIAL_FORM m &&
	html n "<form action=\"https://www.example.com/search\"><input name=q><input type=submit></form>" &&
	expect_no_rule LW_HTML_CREDENTIAL_FORM n
'
# What the reader sees of a store's mail, and 300 letters of text about something else.
SHOWN="<p>Our spring sale starts today: garden tools and seeds are 20% off until Sunday.</p>"
FILLER="The committee reviewed the minutes of the previous meeting and agreed that the harbour
	survey, the orchestra rehearsal schedule and the library renovation budget would be discussed
	again in autumn, after the volunteers have reported on the museum archive and the river
	festival, and after the treasurer has circulated the accounts of the chess tournament."
PAD=$(printf '&#847;&zwnj;&nbsp;%.0s' $(seq 60))

test_expect_success 'a preheader previewing the mail stays quiet, as newsletters send it' '
	html m "<div style=\"display:none;font-size:1px;color:#ffffff;max-height:0;overflow:hidden;mso-hide:all\">
		Spring sale: 20% off garden tools $PAD</div>$SHOWN" &&
	expect_no_rule LW_HTML_HIDDEN_TEXT m &&
	expect_no_rule LW_HTML_HIDDEN_DECOY m
'
test_expect_success 'near miss: white on a dark background, a responsive twin, a hidden twin of a button, one scanner trap' '
	html m "<style>@media (max-width:600px) { .mob { display:block !important; max-height:none !important } }</style>
		<table bgcolor=\"#003366\"><tr><td style=\"color:#ffffff\">Welcome to the spring sale of our garden club</td></tr></table>
		$SHOWN
		<div class=\"mob\" style=\"display:none;max-height:0;overflow:hidden\">$FILLER
			<a href=\"https://shop.example/m1\">Shop</a> <a href=\"https://shop.example/m2\">Deals</a></div>
		<a href=\"https://shop.example/sale\">Shop the sale</a>
		<div style=\"display:none\"><a href=\"https://shop.example/sale\">Shop the sale</a></div>
		<a href=\"https://shop.example/trap\" style=\"color:#ffffff;font-size:1px\">Terms</a>" &&
	expect_no_rule LW_HTML_HIDDEN_TEXT m &&
	expect_no_rule LW_HTML_HIDDEN_DECOY m
'
test_expect_success 'hidden filler fires LW_HTML_HIDDEN_TEXT (a bulk signal), whatever hides it' '
	for style in "display:none" "visibility:hidden" "font-size:0" "opacity:0" \
		"max-height:0;overflow:hidden" "color:#fff;background-color:#fff" \
		"opacity:0.04" "color:#fefefe01" "color:rgba(0,0,0,0)" "color:transparent" "color:#fcfcfc"
	do
		html m "$SHOWN<div style=\"$style\">$FILLER</div>" &&
		expect_rule LW_HTML_HIDDEN_TEXT m || return 1
	done &&
	html m "$SHOWN<p hidden>$FILLER</p>" &&
	expect_rule LW_HTML_HIDDEN_TEXT m &&
	html m "<style>.x { display: none }</style>$SHOWN<p class=\"x\">$FILLER</p>" &&
	expect_rule LW_HTML_HIDDEN_TEXT m &&
	html m "$SHOWN<font color=\"white\">$FILLER</font>" &&
	expect_rule LW_HTML_HIDDEN_TEXT m
'
test_expect_success 'near miss: pale grey or half-transparent text still reads' '
	for style in "color:#e8e8e8" "opacity:0.5" "color:rgba(0,0,0,0.6)" "color:#33333399"
	do
		html m "$SHOWN<div style=\"$style\">$FILLER</div>" &&
		expect_no_rule LW_HTML_HIDDEN_TEXT m || return 1
	done
'
test_expect_success 'near miss: the same text hidden twice over (a mobile version) is no filler' '
	html m "$SHOWN<p>$FILLER</p><div style=\"display:none\">$FILLER</div>" &&
	expect_no_rule LW_HTML_HIDDEN_TEXT m
'
test_expect_success 'hidden lure words fire LW_HTML_HIDDEN_TEXT, even in the preview line' '
	html m "<div style=\"display:none\">Your mailbox password expires today, sign in to keep it</div>
		<img src=\"https://evil.example/notice.png\"><p>Notice 4471</p>" &&
	expect_rule LW_HTML_HIDDEN_TEXT m &&
	grep -q "hidden wording" m.json
'
test_expect_success 'hidden links to where no visible link goes are a decoy for filters: LW_HTML_HIDDEN_DECOY, evasion' '
	html m "$SHOWN<div style=\"display:none\"><a href=\"https://news.example/a\">a</a>
		<a href=\"https://weather.example/b\">b</a></div><a href=\"https://evil.example/x\">Open</a>" &&
	expect_rule LW_HTML_HIDDEN_DECOY m &&
	grep -q "\"rule\":\"LW_HTML_HIDDEN_DECOY\",[^}]*\"class\":\"evasion\"" m.json &&
	grep -q "2 hidden link" m.json &&
	expect_no_rule LW_HTML_HIDDEN_TEXT m
'
test_expect_success 'hidden junk inside a word fires LW_HTML_HIDDEN_DECOY, and the word reads whole' '
	html m "<p>Your pass<span style=\"display:none\">zq</span>word will expire today</p>" &&
	expect_rule LW_HTML_HIDDEN_DECOY m &&
	grep -q "inside 1 word" m.json &&
	expect_rule LW_EN_PASSWORD_EXPIRE m &&
	html n "<p>Confirm your pass <span style=\"display:none\">zq</span> word now</p>" &&
	expect_no_rule LW_HTML_HIDDEN_DECOY n &&
	expect_no_rule LW_HTML_HIDDEN_TEXT n
'
test_expect_success 'a picture and a link with no text fires LW_HTML_IMAGE_ONLY' '
	html m "<a href=\"https://evil.example/\"><img src=\"https://evil.example/big.png\" width=600></a>" &&
	expect_rule LW_HTML_IMAGE_ONLY m &&
	html n "<img src=\"https://www.example.com/logo.png\"><p>Dear members, the meeting moves to Thursday at 10:00 in room 3; the agenda follows below.</p><a href=\"https://www.example.com/\">site</a>" &&
	expect_no_rule LW_HTML_IMAGE_ONLY n
'
test_expect_success 'image spam is evasion: a picture alone is tagged, with one more sign it is held' '
	html m "<a href=\"https://promo-deals-now.top/\"><img src=\"https://promo-deals-now.top/big.png\" width=600></a>" &&
	scan_rules m >/dev/null &&
	grep -q "\"rule\":\"LW_HTML_IMAGE_ONLY\",[^}]*\"class\":\"evasion\"" m.json &&
	echo tag >expect && test_json_field m.json action >action && test_cmp expect action &&
	html n "<a href=\"https://promo-deals-now.top/\"><img src=\"https://promo-deals-now.top/big.png\" width=600></a><a href=\"https://promo-deals-now.top/u\">unsubscribe</a>" &&
	expect_rule LW_BULK_NO_LIST_UNSUB n &&
	echo quarantine >expect && test_json_field n.json action >action && test_cmp expect action
'
test_expect_success 'scan-the-QR-code text plus an image fires LW_QR_LURE; either alone does not' '
	cat >qr <<-\EOF &&
	From: IT <it@example.com>
	To: user@agency.gov.tw
	Subject: =?UTF-8?B?5biz6Jmf6amX6K2J?=
	MIME-Version: 1.0
	Content-Type: multipart/mixed; boundary=b

	--b
	Content-Type: text/plain; charset=utf-8

	請用手機掃描附件中的 QR Code 完成帳號驗證。
	--b
	Content-Type: image/png; name=qr.png
	Content-Disposition: attachment; filename=qr.png
	Content-Transfer-Encoding: base64

	iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==
	--b--
	EOF
	expect_rule LW_QR_LURE qr &&
	mkmail t "From: IT <it@example.com>" "Subject: x" -- "請用手機掃描 QR Code 完成報到。" &&
	expect_no_rule LW_QR_LURE t
'
test_expect_success 'HTML with links and no plain text fires LW_HTML_ONLY; multipart/alternative does not' '
	html m "<a href=\"https://www.example.com/\">site</a>" &&
	expect_rule LW_HTML_ONLY m &&
	alt alt "A <a@example.com>" "user@agency.gov.tw" \
		"See https://www.example.com/" \
		"<a href=\"https://www.example.com/\">site</a>" &&
	expect_no_rule LW_HTML_ONLY alt
'
# Mail clients send a text version beside the HTML; bulk-mail providers
# address every recipient and link through a tracking domain. HTML-only
# mail through a public shortener, or to undisclosed recipients, is a kit.
OFFER="<p>Our autumn offer is here.</p>"
test_expect_success 'HTML-only mail through a public shortener is a kit (LW_HTML_ONLY_SHORTENER), and held' '
	mkmail m "From: Deals <deals@news.shop-example.com>" "Subject: Autumn" "Content-Type: text/html; charset=utf-8" -- \
		"<html><body>$OFFER<a href=\"https://bit.ly/3xYz\">See it</a></body></html>" &&
	expect_rule LW_HTML_ONLY_SHORTENER m &&
	test_json_field m.json action >action &&
	echo quarantine >expect && test_cmp expect action
'
test_expect_success 'HTML-only mail to undisclosed recipients is a mass-mailing tool (LW_HTML_ONLY_BCC_BLAST)' '
	mkmail m "From: Deals <deals@news.shop-example.com>" "To: undisclosed-recipients:;" "Subject: Autumn" \
		"Content-Type: text/html; charset=utf-8" -- \
		"<html><body>$OFFER<a href=\"https://www.shop-example.com/autumn\">See it</a></body></html>" &&
	expect_rule LW_HTML_ONLY_BCC_BLAST m &&
	expect_no_rule LW_HTML_ONLY_SHORTENER m
'
test_expect_success 'HTML-only mail to a page in a cloud bucket is a kit (LW_HTML_ONLY_FREEHOST), held beside a bulk sign' '
	page="https://storage.googleapis.com/offers-7731/index.html" &&
	mkmail m "From: Deals <deals@news.shop-example.com>" "Subject: Autumn" "Content-Type: text/html; charset=utf-8" -- \
		"<html><body>$OFFER<a href=\"$page\">See it</a></body></html>" &&
	expect_rule LW_HTML_ONLY_FREEHOST m &&
	grep -q "\"rule\":\"LW_HTML_ONLY_FREEHOST\",[^}]*\"class\":\"evasion\"" m.json &&
	test_json_is m.json action tag &&
	mkmail u "From: Deals <deals@news.shop-example.com>" "Subject: Autumn" "Content-Type: text/html; charset=utf-8" -- \
		"<html><body>$OFFER<a href=\"$page\">See it</a> <a href=\"$page#u\">Unsubscribe</a></body></html>" &&
	expect_rule LW_BULK_NO_LIST_UNSUB u &&
	test_json_is u.json action quarantine
'
test_expect_success 'HTML-only mail whose links go to a bare public IP is a kit (LW_HTML_ONLY_IP_HOST), and held' '
	mkmail m "From: Deals <deals@news.shop-example.com>" "Subject: Autumn" "Content-Type: text/html; charset=utf-8" -- \
		"<html><body>$OFFER<a href=\"http://203.0.113.40/track/3xYzQ\">See it</a></body></html>" &&
	expect_rule LW_LINK_IP_HOST m &&
	expect_rule LW_HTML_ONLY_IP_HOST m &&
	grep -q "\"rule\":\"LW_HTML_ONLY_IP_HOST\",[^}]*\"class\":\"evasion\"" m.json &&
	test_json_is m.json action quarantine
'
test_expect_success 'near miss: the IP link beside a text version is tagged, a private address in HTML-only mail is no kit' '
	alt alt "A <a@example.com>" "user@agency.gov.tw" \
		"See http://203.0.113.40/track/3xYzQ" \
		"<a href=\"http://203.0.113.40/track/3xYzQ\">site</a>" &&
	expect_rule LW_LINK_IP_HOST alt &&
	expect_no_rule LW_HTML_ONLY_IP_HOST alt &&
	test_json_is alt.json action tag &&
	mkmail m "From: Ops <ops@example.com>" "Subject: Router" "Content-Type: text/html; charset=utf-8" -- \
		"<html><body><p>The new console:</p><a href=\"http://192.168.10.2/admin\">console</a></body></html>" &&
	expect_no_rule LW_LINK_IP_HOST m &&
	expect_no_rule LW_HTML_ONLY_IP_HOST m
'
test_expect_success 'near miss: the free-hosted page in a message with a text version is no kit' '
	alt alt "Club <news@club-example.org>" "user@agency.gov.tw" \
		"Our autumn meeting: https://club-example.web.app/autumn" \
		"<p>Our autumn meeting: <a href=\"https://club-example.web.app/autumn\">details</a></p>" &&
	expect_rule LW_LINK_FREEHOST alt &&
	expect_no_rule LW_HTML_ONLY_FREEHOST alt
'
test_expect_success 'near miss: the same offers addressed to the reader, through the sender'"'"'s own site' '
	mkmail m "From: Deals <deals@news.shop-example.com>" "Subject: Autumn" "Content-Type: text/html; charset=utf-8" -- \
		"<html><body>$OFFER<a href=\"https://www.shop-example.com/autumn\">See it</a></body></html>" &&
	scan_rules m >rules &&
	! grep -q "LW_HTML_ONLY_" rules &&
	test_json_field m.json action >action &&
	echo accept >expect && test_cmp expect action
'
test_expect_success 'near miss: a shortened link in a message with a text version, or to undisclosed recipients as text' '
	alt alt "A <a@example.com>" "undisclosed-recipients:;" \
		"See https://bit.ly/3xYz" \
		"<a href=\"https://bit.ly/3xYz\">site</a>" &&
	scan_rules alt >rules &&
	! grep -q "LW_HTML_ONLY" rules
'
test_expect_success 'near miss: a tracker that carries the shown address is not a mismatch' '
	html m "<a href=\"https://click.example.net/t?u=https%3A%2F%2Fwww.shop.example.com%2F\">https://www.shop.example.com/</a>" &&
	expect_no_rule LW_LINK_TEXT_MISMATCH m &&
	html n "<a href=\"https://click.example.net/t?id=1234\">Shop.example.com</a>" &&
	expect_no_rule LW_LINK_TEXT_MISMATCH n
'
# A lure sends the reader somewhere. A site nothing vouches for is most of
# the web, so LW_LINK_UNKNOWN_SITE fires only beside a lure, and only the
# warninglists can tell a known site from an unknown one.
mkdir lists &&
cat >lists/known.json <<\EOF
{"name": "test: sites known to be someone's", "version": 1, "description": "t2204",
 "matching_attributes": ["domain", "hostname"], "type": "hostname", "list": ["knownbank.com"]}
EOF
SUSPEND="Your account has been suspended. Verify your account within 24 hours or it will be closed."
# notice FILE FROM HREF [BODY]: an HTML notice with one link
notice() {
	mkmail "$1" "From: Service <$2>" "Subject: Notice" "Content-Type: text/html; charset=utf-8" -- \
		"<html><body><p>${4-$SUSPEND}</p><a href=\"$3\">Continue</a></body></html>"
}
test_expect_success 'a lure linking to an unknown site fires LW_LINK_UNKNOWN_SITE, and the pair is evidence' '
	notice m service@mailer.example-service.com "https://account-review-center.top/login" &&
	expect_rule LW_LINK_UNKNOWN_SITE m -o warninglists_dir=$PWD/lists &&
	test_json_field m.json action >action &&
	echo quarantine >expect && test_cmp expect action &&
	expect_no_rule LW_LINK_UNKNOWN_SITE m &&
	test_json_field m.json action >action &&
	echo tag >expect && test_cmp expect action
'
test_expect_success 'near miss: the sender'"'"'s own or sister site, a known site, no lure, an unsubscribe link' '
	notice own service@mail.shopexample.com "https://www.shopexample.com/account" &&
	expect_no_rule LW_LINK_UNKNOWN_SITE own -o warninglists_dir=$PWD/lists &&
	notice sister service@shopexample-mail.com "https://shopexample.com/account" &&
	expect_no_rule LW_LINK_UNKNOWN_SITE sister -o warninglists_dir=$PWD/lists &&
	notice known service@mailer.example-service.com "https://secure.knownbank.com/login" &&
	expect_no_rule LW_LINK_UNKNOWN_SITE known -o warninglists_dir=$PWD/lists &&
	notice calm service@mailer.example-service.com "https://account-review-center.top/" "Our spring catalogue is out." &&
	expect_no_rule LW_LINK_UNKNOWN_SITE calm -o warninglists_dir=$PWD/lists &&
	notice unsub service@mailer.example-service.com "https://account-review-center.top/unsubscribe?u=1" &&
	expect_no_rule LW_LINK_UNKNOWN_SITE unsub -o warninglists_dir=$PWD/lists
'
test_expect_success 'a search engine'"'"'s redirect in front of the site hides nothing: Google AMP, Bing click' '
	notice amp service@mailer.example-service.com "https://www.google.ro/amp/s/account-review-center.top/login" &&
	expect_rule LW_LINK_UNKNOWN_SITE amp -o warninglists_dir=$top_srcdir/contrib/warninglists &&
	test_grep "account-review-center.top" amp.json &&
	notice bing service@mailer.example-service.com \
		"https://www.bing.com/ck/a?!&&p=9d68f7c6&ptn=3&u=a1aHR0cHM6Ly9hY2NvdW50LXJldmlldy1jZW50ZXIudG9wL2xvZ2lu&ntb=1" &&
	expect_rule LW_LINK_UNKNOWN_SITE bing -o warninglists_dir=$top_srcdir/contrib/warninglists &&
	notice search service@mailer.example-service.com "https://www.google.com/search?q=account+review" &&
	expect_no_rule LW_LINK_UNKNOWN_SITE search -o warninglists_dir=$top_srcdir/contrib/warninglists
'
test_expect_success 'the shipped warninglists know the most visited sites' '
	notice big service@mailer.example-service.com "https://www.wikipedia.org/wiki/Account" &&
	expect_no_rule LW_LINK_UNKNOWN_SITE big -o warninglists_dir=$top_srcdir/contrib/warninglists &&
	notice unknown service@mailer.example-service.com "https://account-review-center.top/login" &&
	expect_rule LW_LINK_UNKNOWN_SITE unknown -o warninglists_dir=$top_srcdir/contrib/warninglists
'
test_expect_success 'a page in a platform'"'"'s customer namespace is unknown, whatever vouches for the platform' '
	notice bucket service@mailer.example-service.com "https://wallet-claims.s3.us-east-1.amazonaws.com/index.html" &&
	expect_rule LW_LINK_UNKNOWN_SITE bucket -o warninglists_dir=$top_srcdir/contrib/warninglists &&
	notice amazon service@mailer.example-service.com "https://www.amazon.com/gp/css/order-history" &&
	expect_no_rule LW_LINK_UNKNOWN_SITE amazon -o warninglists_dir=$top_srcdir/contrib/warninglists
'
test_expect_success 'a rented server'"'"'s generic name is unknown, whatever vouches for its provider' '
	W=warninglists_dir=$top_srcdir/contrib/warninglists &&
	notice dotted service@mailer.example-service.com "http://212.224.205.92.host.secureserver.net/?id=1" &&
	expect_rule LW_LINK_UNKNOWN_SITE dotted -o $W &&
	notice dashed service@mailer.example-service.com "http://ip-92-205-224-212.ip.secureserver.net/login" &&
	expect_rule LW_LINK_UNKNOWN_SITE dashed -o $W &&
	notice provider service@mailer.example-service.com "https://www.secureserver.net/help" &&
	expect_no_rule LW_LINK_UNKNOWN_SITE provider -o $W &&
	notice version service@mailer.example-service.com "https://img.secureserver.net/v1.2.3/help" &&
	expect_no_rule LW_LINK_UNKNOWN_SITE version -o $W &&
	notice three service@mailer.example-service.com "https://10-2-3.cdn.secureserver.net/help" &&
	expect_no_rule LW_LINK_UNKNOWN_SITE three -o $W
'
# A brand signs its own mail and links to its own sites or through its
# mail provider; a kit spoofing a bank with a DMARC policy of "none" signs
# with a throwaway domain of its own and links to its page.
# spoof FILE FROM DKIM-DOMAIN HREF [HEADER...]: an offer in a brand's name
spoof() {
	local file=$1 from=$2 d=$3 href=$4
	shift 4
	mkmail "$file" "From: Bradesco Prime <$from>" "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=$d; s=default; h=from:subject; bh=x; b=y" \
		"$@" "Subject: Rodrigo, agora voce e Bradesco Prime" "Content-Type: text/html; charset=utf-8" -- \
		"<html><body><p>Seu novo cartao esta disponivel.</p><a href=\"$href\">Acessar</a></body></html>"
}
test_expect_success 'a brand'"'"'s From signed by another domain only, linking to an unknown site, is held (LW_LINK_BRAND_ELSEWHERE)' '
	spoof m contato@bradesco.com.br villagezlowxh.com "https://b-a4qxna7jwq-rj.a.run.app/" &&
	expect_rule LW_LINK_BRAND_ELSEWHERE m -o warninglists_dir=$top_srcdir/contrib/warninglists &&
	test_grep "signed by villagezlowxh.com, not the brand" m.json &&
	action=$(test_json_field m.json action) &&
	case "$action" in quarantine|reject) ;; *) echo "expected quarantine or reject, got $action:"; cat m.rules; false ;; esac
'
test_expect_success 'near miss: signed by the brand, unsigned, a link to the brand, a list post, a shared suffix, free mail' '
	W=warninglists_dir=$top_srcdir/contrib/warninglists &&
	spoof signed contato@bradesco.com.br bradesco.com.br "https://b-a4qxna7jwq-rj.a.run.app/" &&
	expect_no_rule LW_LINK_BRAND_ELSEWHERE signed -o $W &&
	mkmail unsigned "From: Bradesco Prime <contato@bradesco.com.br>" "Content-Type: text/html; charset=utf-8" -- \
		"<html><body><a href=\"https://account-review-center.top/\">Acessar</a></body></html>" &&
	expect_no_rule LW_LINK_BRAND_ELSEWHERE unsigned -o $W &&
	spoof own contato@bradesco.com.br mailer.example-esp.com "https://banco.bradesco.com.br/cartoes" &&
	expect_no_rule LW_LINK_BRAND_ELSEWHERE own -o $W &&
	spoof list contato@bradesco.com.br lists.example.org "https://b-a4qxna7jwq-rj.a.run.app/" "List-Id: <clientes.lists.example.org>" &&
	expect_no_rule LW_LINK_BRAND_ELSEWHERE list -o $W &&
	spoof suffix prefeitura@pederneiras.sp.gov.br villagezlowxh.com "https://b-a4qxna7jwq-rj.a.run.app/" &&
	expect_no_rule LW_LINK_BRAND_ELSEWHERE suffix -o $W &&
	spoof free someone@gmail.com villagezlowxh.com "https://b-a4qxna7jwq-rj.a.run.app/" &&
	expect_no_rule LW_LINK_BRAND_ELSEWHERE free -o $W
'
# unsigned FILE FROM HREF: a brand'"'"'s offer without any DKIM signature
unsigned() {
	mkmail "$1" "From: Bradesco Prime <$2>" "Subject: Rodrigo, agora voce e Bradesco Prime" \
		"Content-Type: text/html; charset=utf-8" -- \
		"<html><body><p>Seu novo cartao esta disponivel.</p><a href=\"$3\">Acessar</a></body></html>"
}
test_expect_success 'unsigned mail from a brand'"'"'s domain linking to a rented page (a cloud function, a server'"'"'s generic name) is held' '
	W=warninglists_dir=$top_srcdir/contrib/warninglists &&
	unsigned fn contato@bradesco.com.br "https://us-east1-decisive-plasma-381522.cloudfunctions.net/nubank1" &&
	expect_rule LW_LINK_BRAND_ELSEWHERE fn -o $W &&
	test_grep "unsigned; link to a rented page" fn.json &&
	test_json_field fn.json action >action && echo quarantine >expect && test_cmp expect action &&
	unsigned box contato@bradesco.com.br "http://33.132.167.72.host.secureserver.net/red.php" &&
	expect_rule LW_LINK_BRAND_ELSEWHERE box -o $W &&
	unsigned named contato@bradesco.com.br "https://account-review-center.top/" &&
	expect_no_rule LW_LINK_BRAND_ELSEWHERE named -o $W &&
	unsigned stranger contato@shop.example.com "https://us-east1-decisive-plasma-381522.cloudfunctions.net/nubank1" &&
	expect_no_rule LW_LINK_BRAND_ELSEWHERE stranger -o $W
'
test_expect_success 'near miss: a trusted stamp says the brand'"'"'s domain passed DMARC (a provider signs, the bounce address aligns)' '
	spoof stamped contato@bradesco.com.br sendgrid.net "https://b-a4qxna7jwq-rj.a.run.app/" \
		"Authentication-Results: mx.agency.gov.tw; spf=pass smtp.mailfrom=bounces.bradesco.com.br; dkim=pass header.d=sendgrid.net; dmarc=pass header.from=bradesco.com.br" &&
	expect_no_rule LW_LINK_BRAND_ELSEWHERE stamped -o warninglists_dir=$top_srcdir/contrib/warninglists &&
	spoof unstamped contato@bradesco.com.br sendgrid.net "https://b-a4qxna7jwq-rj.a.run.app/" \
		"Authentication-Results: mx.agency.gov.tw; spf=fail smtp.mailfrom=bradesco.com.br; dkim=pass header.d=sendgrid.net; dmarc=fail header.from=bradesco.com.br" &&
	expect_rule LW_LINK_BRAND_ELSEWHERE unstamped -o warninglists_dir=$top_srcdir/contrib/warninglists
'
test_expect_success 'the cache tells a brand'"'"'s signature from another'"'"'s: a spoof never borrows a signed copy'"'"'s verdict' '
	spoof brand contato@bradesco.com.br bradesco.com.br "https://b-a4qxna7jwq-rj.a.run.app/" &&
	spoof other contato@bradesco.com.br villagezlowxh.com "https://b-a4qxna7jwq-rj.a.run.app/" &&
	"$LW_SCAN" $LW_OPTS -o warninglists_dir=$top_srcdir/contrib/warninglists --json brand other >out &&
	test_json_is out cached false 2 &&
	test_json_rules out 2 >rules && test_grep "^LW_LINK_BRAND_ELSEWHERE$" rules &&
	"$LW_SCAN" $LW_OPTS -o warninglists_dir=$top_srcdir/contrib/warninglists --json other other >out &&
	test_json_is out cached true 2 &&
	spoof signed contato@bradesco.com.br bradesco.com.br "https://us-east1-decisive-plasma-381522.cloudfunctions.net/x" &&
	unsigned bare contato@bradesco.com.br "https://us-east1-decisive-plasma-381522.cloudfunctions.net/x" &&
	"$LW_SCAN" $LW_OPTS -o warninglists_dir=$top_srcdir/contrib/warninglists --json signed bare >out &&
	test_json_is out cached false 2 &&
	test_json_rules out 2 >rules && test_grep "^LW_LINK_BRAND_ELSEWHERE$" rules
'
# An advance-fee letter sent from a borrowed mailbox asks to be answered at
# a free mailbox of the fraudster's, written as a mailto: link.
# letter FILE FROM MAILTO [HEADER...]
letter() {
	local file=$1 from=$2 to=$3
	shift 3
	mkmail "$file" "From: Barrister Jan Jensen <$from>" "$@" \
		"Subject: EMAIL BARRISTER JAN JENSEN FOR YOUR AWARDED FUND" "Content-Type: text/html; charset=utf-8" -- \
		"<html><body><p>You are the beneficiary of US\$ 10,500,000.00. Contact me on my private email <a href=\"mailto:$to\">$to</a></p></body></html>"
}
test_expect_success 'a lure that asks to be answered at another free mailbox names its channel (LW_LINK_FREEMAIL_CONTACT) and is held' '
	letter m office@lawfirm.example.com jj7291634@gmail.com &&
	expect_rule LW_LINK_FREEMAIL_CONTACT m &&
	test_grep "jj7291634@gmail.com" m.json &&
	action=$(test_json_field m.json action) &&
	case "$action" in quarantine|reject) ;; *) echo "expected quarantine or reject, got $action:"; cat m.rules; false ;; esac
'
test_expect_success 'near miss: the sender'"'"'s own free mailbox, the Reply-To, a company mailbox, no lure, a list post' '
	letter own jj7291634@gmail.com jj7291634@gmail.com &&
	expect_no_rule LW_LINK_FREEMAIL_CONTACT own &&
	letter rt office@lawfirm.example.com jj7291634@gmail.com "Reply-To: jj7291634@gmail.com" &&
	expect_no_rule LW_LINK_FREEMAIL_CONTACT rt &&
	letter company office@lawfirm.example.com claims@lawfirm.example.com &&
	expect_no_rule LW_LINK_FREEMAIL_CONTACT company &&
	mkmail calm "From: Ann <ann@example.com>" "Content-Type: text/html; charset=utf-8" -- \
		"<html><body>Lunch on Friday? Write to <a href=\"mailto:ann.lee@gmail.com\">my gmail</a>.</body></html>" &&
	expect_no_rule LW_LINK_FREEMAIL_CONTACT calm &&
	letter list office@lawfirm.example.com jj7291634@gmail.com "List-Id: <legal.lists.example.org>" &&
	expect_no_rule LW_LINK_FREEMAIL_CONTACT list
'
test_done
