#!/bin/sh
test_description='QR codes in pictures: decoded links join the URLs (links rules, IOC feeds), near misses, hostile pictures, limits'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-heuristics.sh"
. "$top_srcdir/t/lib-ioc.sh"

command -v qrencode >/dev/null && "$PYTHON" -c 'import PIL' 2>/dev/null && test_set_prereq QRENCODE
MKQR="$PYTHON $top_srcdir/t/mkqr.py"
PHISH=https://phish.example.net/login/verify?u=7
LURE='Your mailbox password expires today. Scan the QR code with your phone to keep your account.'
make_feeds feeds
LW_OPTS="$LW_OPTS -o feeds_dir=$TRASH/feeds"

# qr_info WHAT MAIL [-o ...]: from lurewatch-scan --urls of MAIL,
#   counts  "IMAGES SKIPPED CODES": pictures decoded, skipped, QR codes found
#   codes   the payloads, one per line
#   urls    "URL SOURCE FLAGS" of each URL flagged qr, one per line
qr_info() {
	local what=$1 file=$2
	shift 2
	"$LW_SCAN" $LW_OPTS "$@" --urls "$file" >"$file.urls" &&
	"$PYTHON" -c 'import json,sys
o=json.loads(open(sys.argv[2]).read()); q=o["qr"]
if sys.argv[1]=="counts": print(q["images"], q["skipped"], len(q["codes"]))
if sys.argv[1]=="codes": [print(c["text"]) for c in q["codes"]]
if sys.argv[1]=="urls": [print(u["url"], u["source"], u["flags"]) for u in o["urls"] if "qr" in u["flags"].split(",")]' "$what" "$file.urls"
}

test_expect_success QRENCODE 'a QR code to a phishing URL fires LW_QR_URL, LW_QR_CREDENTIAL, LW_QR_LURE and the IOC feed' '
	$MKQR picture png qr.png "$PHISH" &&
	$MKQR mail m "$LURE" --attach qr.png &&
	expect_rule LW_QR_URL m &&
	expect_rule LW_QR_CREDENTIAL m &&
	expect_rule LW_QR_LURE m &&
	expect_rule IOC_URL m &&
	test_grep "\"id\":\"mixed:3\"" m.json &&
	test_grep "\"evidence\":\"picture 2: https://phish.example.net/login/verify" m.json &&
	test_grep "\"evidence\":\"QR link https://phish.example.net/login/verify.u=7; wording" m.json &&
	test_grep "\"type\":\"url\",\"value\":\"https://phish.example.net/login/verify.u=7\"" m.json
'

test_expect_success QRENCODE 'the decoded link is in the URL list, flagged qr, with the picture as its source' '
	qr_info urls m >got &&
	echo "$PHISH 2:qr qr" >want &&
	test_cmp want got &&
	test_is = "1 0 1" "$(qr_info counts m)" "qr_info counts m" &&
	test_is = "$PHISH" "$(qr_info codes m)" "qr_info codes m"
'

test_expect_success QRENCODE 'JPEG, GIF and interlaced grey-alpha PNG codes are read too' '
	for k in jpeg gif png-interlaced; do
		$MKQR picture $k qr.$k "$PHISH" &&
		$MKQR mail m-$k "$LURE" --attach qr.$k &&
		expect_rule LW_QR_URL m-$k &&
		test_grep "phish.example.net/login/verify" m-$k.json || return 1
	done
'

test_expect_success QRENCODE 'an image-only HTML body: inline cid picture and data: picture' '
	$MKQR mail m-inline "" --html "<a href=\"https://www.example.com/\"><img src=\"cid:img0\"></a>" --inline qr.png &&
	expect_rule LW_QR_URL m-inline &&
	expect_rule LW_HTML_IMAGE_ONLY m-inline &&
	$MKQR mail m-data "" --html "<p>Mailbox full</p>" --data-uri qr.png &&
	expect_rule LW_QR_URL m-data &&
	test_grep "picture 0:data: https://phish.example.net" m-data.json
'

test_expect_success QRENCODE 'Chinese credential wording with a QR link fires LW_QR_CREDENTIAL' '
	$MKQR mail m-zh "您的信箱密碼即將到期，請用手機掃描附件中的 QR Code 重新驗證。" --attach qr.png &&
	expect_rule LW_QR_CREDENTIAL m-zh &&
	expect_rule LW_QR_LURE m-zh
'

test_expect_success QRENCODE 'near miss: an ordinary picture with the same wording decodes no code' '
	$MKQR picture photo photo.png &&
	$MKQR mail n-photo "$LURE" --attach photo.png &&
	expect_no_rule LW_QR_URL n-photo &&
	expect_no_rule LW_QR_CREDENTIAL n-photo &&
	test_is = "1 0 0" "$(qr_info counts n-photo)" "qr_info counts n-photo"
'

test_expect_success QRENCODE 'near miss: a QR code of plain text is decoded but is no link' '
	$MKQR picture png text.png "MEETING ROOM 301 14:00" &&
	$MKQR mail n-text "$LURE" --attach text.png &&
	expect_no_rule LW_QR_URL n-text &&
	expect_no_rule LW_QR_CREDENTIAL n-text &&
	test_is = "MEETING ROOM 301 14:00" "$(qr_info codes n-text)" "qr_info codes n-text" &&
	test -z "$(qr_info urls n-text)"
'

test_expect_success QRENCODE 'near miss: a QR link with neutral wording is LW_QR_URL only' '
	$MKQR picture png ticket.png "https://events.example.org/t/8841" &&
	$MKQR mail n-ticket "Thank you for registering. Please bring this code to the seminar." --attach ticket.png &&
	expect_rule LW_QR_URL n-ticket &&
	expect_no_rule LW_QR_CREDENTIAL n-ticket &&
	expect_no_rule LW_QR_LURE n-ticket
'

test_expect_success QRENCODE 'hostile pictures: truncated, bomb dimensions, garbage named .png; the real code is still found' '
	for k in truncated bomb-png bomb-jpeg bomb-gif garbage; do
		$MKQR picture $k $k.png "$PHISH" || return 1
	done &&
	$MKQR mail h "$LURE" --attach truncated.png --attach bomb-png.png --attach bomb-jpeg.png \
		--attach bomb-gif.png --attach garbage.png --attach qr.png &&
	test_is = "1 5 1" "$(qr_info counts h)" "qr_info counts h" &&
	expect_rule LW_QR_URL h &&
	test_is != error "$(test_json_field h.json action)" "test_json_field h.json action"
'

test_expect_success QRENCODE 'each hostile picture alone: a verdict, no code, nothing decoded' '
	for k in truncated bomb-png bomb-jpeg bomb-gif garbage; do
		$MKQR mail h-$k "$LURE" --attach $k.png &&
		test_is = "0 1 0" "$(qr_info counts h-$k)" "qr_info counts h-$k" &&
		expect_no_rule LW_QR_URL h-$k || return 1
	done
'

test_expect_success 'floods: data:image/ prefixes with no picture, and one broken data: picture 30000 times' '
	"$PYTHON" -c "import sys; sys.stdout.write(\"data:image/\" * 150000)" >flood1.html &&
	mkmail flood1 "From: a@example.com" "Subject: x" "Content-Type: text/html; charset=utf-8" -- "$(cat flood1.html)" &&
	test_is = "0 0 0" "$(qr_info counts flood1)" "qr_info counts flood1" &&
	"$PYTHON" -c "import sys; sys.stdout.write(\"<img src=data:image/png;base64,iVBORw0KGgoAAAANSUhEUg>\" * 30000)" >flood2.html &&
	mkmail flood2 "From: a@example.com" "Subject: x" "Content-Type: text/html; charset=utf-8" -- "$(cat flood2.html)" &&
	test_is = "0 1 0" "$(qr_info counts flood2)" "qr_info counts flood2"
'

test_expect_success QRENCODE 'limits: qr_max_images, qr_max_image_size, qr_max_pixels; 0 turns decoding off' '
	set -- &&
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		$MKQR picture png q$i.png "https://www.example.com/$i" && set -- "$@" --attach q$i.png || return 1
	done &&
	$MKQR mail many "" "$@" &&
	test_is = "10 2 10" "$(qr_info counts many)" "qr_info counts many" &&
	test_is = "3 9 3" "$(qr_info counts many -o qr_max_images=3)" "qr_info counts many -o qr_max_images=3" &&
	test_is = "0 1 0" "$(qr_info counts m-jpeg -o qr_max_image_size=1k)" "qr_info counts m-jpeg -o qr_max_image_size=1k" &&
	test_is = "0 1 0" "$(qr_info counts m -o qr_max_pixels=1024)" "qr_info counts m -o qr_max_pixels=1024" &&
	expect_no_rule LW_QR_URL m -o qr_max_images=0 &&
	expect_rule LW_QR_LURE m -o qr_max_images=0
'

test_expect_success QRENCODE 'the same picture twice is decoded once' '
	$MKQR mail twice "$LURE" --attach qr.png --attach q1.png --attach qr.png &&
	test_is = "2 0 2" "$(qr_info counts twice)" "qr_info counts twice"
'

# A QR code drawn without a picture: table cells or block characters (qrdraw.c)
test_expect_success QRENCODE 'a QR code drawn as an HTML table is read like a picture, by bgcolor or style, either way round' '
	for k in table-bgcolor table-style table-inverted; do
		$MKQR drawn $k "$PHISH" >$k.html &&
		$MKQR mail d-$k "" --html "<p>$LURE</p>$(cat $k.html)" &&
		expect_rule LW_QR_URL d-$k &&
		expect_rule LW_QR_CREDENTIAL d-$k &&
		test_is = "$PHISH 0:table:qr qr" "$(qr_info urls d-$k)" "qr_info urls d-$k" || return 1
	done
'

test_expect_success QRENCODE 'a QR code drawn with block characters: in plain text, and in HTML one <div> a line' '
	$MKQR drawn blocks "$PHISH" >blocks.txt &&
	$MKQR mail d-blocks "$LURE

$(cat blocks.txt)" &&
	expect_rule LW_QR_URL d-blocks &&
	test_is = "$PHISH 0:text:qr qr" "$(qr_info urls d-blocks)" "qr_info urls d-blocks" &&
	$MKQR drawn blocks-html "$PHISH" >blocks.html &&
	$MKQR mail d-blocks-html "" --html "<p>$LURE</p>$(cat blocks.html)" &&
	expect_rule LW_QR_CREDENTIAL d-blocks-html
'

test_expect_success QRENCODE 'near miss: a large painted layout table and a bar chart of blocks are no code' '
	"$PYTHON" -c "import sys
cells = lambda i: \"\".join(\"<td bgcolor=%s>x</td>\" % (\"#000000\" if (i * j) % 7 == 1 else \"#ffffff\") for j in range(30))
sys.stdout.write(\"<table>\" + \"\".join(\"<tr>\" + cells(i) + \"</tr>\" for i in range(30)) + \"</table>\")" >layout.html &&
	$MKQR mail n-layout "" --html "<p>$LURE</p>$(cat layout.html)" &&
	expect_no_rule LW_QR_URL n-layout &&
	test_is = "0 0 0" "$(qr_info counts n-layout)" "qr_info counts n-layout" &&
	"$PYTHON" -c "import sys
for n in (3, 9, 14, 22, 25, 17, 8, 12, 20, 24, 11, 5): sys.stdout.write(\"\u2588\" * n + \" \" * (30 - n) + \"\n\")" >chart.txt &&
	$MKQR mail n-chart "Sales by month:
$(cat chart.txt)" &&
	test_is = "0 0 0" "$(qr_info counts n-chart)" "qr_info counts n-chart"
'

test_done
