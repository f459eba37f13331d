#!/bin/sh
test_description='lurewatch-milter through Postfix: a QR code link in a picture is decoded, matched against a feed and rejected
(one milter with thresholds raised so the hits can be read, then the defaults)'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

postfix_require_or_skip
command -v qrencode >/dev/null && "$PYTHON" -c 'import PIL' 2>/dev/null || test_skip_all "qrencode or python3-pil is not installed"

PF=$TRASH/pf
MPORT=$(free_port)
SPORT=$(free_port)
MKQR="$PYTHON $top_srcdir/t/mkqr.py"
LURE='Your mailbox password expires today. Scan the QR code with your phone to keep your account.'
test_at_exit 'milter_stop; postfix_stop "$PF"'

hits_of() { # the X-Lurewatch-Hits header of the delivered message with Message-ID $1
	grep -h "^X-Lurewatch-Hits:" $(grep -l "^Message-ID: <$1@mail-service.example>" $(postfix_delivered "$PF")) 2>/dev/null
}

test_expect_success 'start Postfix and the milter with a feed naming the phishing URL' '
	mkdir feeds &&
	echo "https://qr-phish.example.net/owa" >feeds/soc.url.txt &&
	$MKQR picture png qr.png "https://qr-phish.example.net/owa/login?u=3" &&
	$MKQR picture photo photo.png &&
	$MKQR mail qr1 "$LURE" --attach qr.png &&
	$MKQR mail photo1 "$LURE" --attach photo.png &&
	$MKQR mail qr2 "$LURE" --attach qr.png &&
	milter_start milter -o rules_file="$top_srcdir/contrib/rules/lurewatch.rules" \
		-o brands_file="$top_srcdir/contrib/brands.txt" -o feeds_dir="$TRASH/feeds" \
		-o quarantine_score=1000 -o reject_score=1000 -o tag_score=1000 \
		-p inet:$MPORT@127.0.0.1 &&
	postfix_setup "$PF" $SPORT inet:127.0.0.1:$MPORT &&
	postfix_start "$PF"
'

test_expect_success 'the QR link is decoded in the milter: LW_QR_URL, LW_QR_CREDENTIAL and the feed sighting' '
	postfix_send "$PF" qr1 >out &&
	postfix_wait_delivered "$PF" 1 &&
	hits_of qr1 >hits &&
	test_grep "LW_QR_URL" hits &&
	test_grep "LW_QR_CREDENTIAL" hits &&
	test_grep "IOC_URL" hits
'

test_expect_success 'near miss: the same wording with a photo has the old lure rule only' '
	postfix_send "$PF" photo1 >out &&
	postfix_wait_delivered "$PF" 2 &&
	hits_of photo1 >hits &&
	test_grep "LW_QR_LURE" hits &&
	test_grep -v "LW_QR_URL" hits &&
	test_grep -v "IOC_URL" hits
'

test_expect_success 'at the default thresholds the QR phish is rejected' '
	milter_stop &&
	milter_start milter2 -o rules_file="$top_srcdir/contrib/rules/lurewatch.rules" \
		-o brands_file="$top_srcdir/contrib/brands.txt" -o feeds_dir="$TRASH/feeds" \
		-p inet:$MPORT@127.0.0.1 &&
	test_must_fail postfix_send "$PF" qr2 >out &&
	test_grep "550" out &&
	test_grep "msgid=<qr2@mail-service.example> .*verdict=reject .*IOC_URL.*LW_QR_CREDENTIAL" "$MILTER_LOG"
'

test_done
