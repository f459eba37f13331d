#!/bin/sh
# t5010-milter-clamav.sh - attachments through lurewatch-milter behind a real Postfix, and signature reloads
test_description='clamav through the milter: same verdicts as lurewatch-scan, reload under load, bad reload'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"
. "$top_srcdir/t/lib-clamav.sh"

postfix_require_or_skip
test_have_prereq PYTHON || test_skip_all "python3 is needed to build the samples"

PF=$TRASH/pf
MPORT=$(free_port)
SPORT=$(free_port)
SIGS=$TRASH/sigs
mkdir "$SIGS" && cp "$LW_SIGS"/* "$SIGS"/
CONF=$TRASH/lurewatch.conf
printf '%s\n' "rules_file = $top_srcdir/contrib/rules/lurewatch.rules" "clamav_db = $SIGS" >"$CONF"
test_at_exit 'milter_stop; postfix_stop "$PF"'

# marker_mail FILE ID: a mail whose attachment only a signature added later detects
marker_mail() {
	printf '%s\n' "From: Sender <sender@example.org>" "To: user@example.net" "Subject: order $2" \
		"Message-ID: <$2@example.org>" "MIME-Version: 1.0" \
		"Content-Type: multipart/mixed; boundary=b" "" "--b" "Content-Type: text/plain" "" "order attached" \
		"--b" "Content-Type: application/octet-stream" \
		"Content-Disposition: attachment; filename=order.dat" "" "xx lurewatch-reload-marker xx" "--b--" >"$1"
}

# send_like_scan KIND: the milter's verdict for sample KIND is lurewatch-scan's action
send_like_scan() {
	clamav_scan "$1" &&
	want=$(test_json_field "$1.json" action) &&
	sed -i "s/^Message-ID: .*/Message-ID: <$1@example.org>/" "$1.eml" &&
	{ postfix_send "$PF" "$1.eml" >"$1.smtp" 2>&1 || true; } &&
	wait_for grep -q "msgid=<$1@example.org> .* verdict=$want " "$MILTER_LOG" &&
	case $want in
	reject) test_grep "550 5.7.1" "$1.smtp" ;;
	*) test_grep "250 .*queued as" "$1.smtp" ;;
	esac
}

test_expect_success 'start the milter and a private Postfix using it' '
	milter_start milter -c "$CONF" -p inet:$MPORT@127.0.0.1 &&
	postfix_setup "$PF" $SPORT inet:127.0.0.1:$MPORT &&
	postfix_start "$PF"
'

test_expect_success 'EICAR attachment, also in a zip in a zip: rejected with 550' '
	send_like_scan eicar &&
	test_json_is eicar.json action reject &&
	test_grep "msgid=<eicar@example.org> .*LW_ATT_CLAMAV_SIGNATURE" "$MILTER_LOG" &&
	send_like_scan eicar-zipzip
'

test_expect_success ZIP 'encrypted zip with the password in the body: what the password opens is scanned' '
	send_like_scan encrypted-zip &&
	send_like_scan encrypted-eicar &&
	test_json_is encrypted-eicar.json action reject
'

test_expect_success 'macro documents, shortcuts, images, double extensions, RTLO, HTML forms, text named .pdf' '
	for k in docm ole2-vba lnk iso-lnk double-ext rtlo html-form html-smuggling text-as-pdf; do
		send_like_scan $k || return 1
	done
'

test_expect_success 'clean documents are delivered' '
	send_like_scan clean &&
	test_json_is clean.json action accept
'

test_expect_success 'before the reload the marker attachment is not detected' '
	marker_mail m0 marker0 &&
	postfix_send "$PF" m0 >m0.smtp &&
	wait_for grep -q "msgid=<marker0@example.org> .* verdict=accept " "$MILTER_LOG"
'

# load_stream: send load.eml again and again until three mails have gone after
# "new engine in service" is logged (the reload overlaps the stream however
# slow either is; at most 500 as a guard); load.sent says how many went
load_stream() {
	i=0 after=0
	while [ $after -lt 3 ] && [ $i -lt 500 ]; do
		grep -q "reload: new engine in service" "$MILTER_LOG" && after=$((after + 1))
		postfix_send "$PF" load.eml >"load$i.smtp" 2>&1 || echo "load $i failed" >>load.failed
		i=$((i + 1))
	done
	echo $i >load.sent
}

test_expect_success 'a signature added during a stream of mail: nothing fails, later mail is detected' '
	"$PYTHON" "$top_srcdir/t/mkattach.py" clean load.eml &&
	{ load_stream & loader=$!; } &&
	wait_for grep -q "msgid=<clamav-test@example.org>" "$MILTER_LOG" &&
	echo "Lurewatch.Test.Reload:0:*:6c75726577617463682d72656c6f61642d6d61726b6572" >"$SIGS/reload.ndb" &&
	kill -USR1 $MILTER_PID &&
	wait_for grep -q "reload: new engine in service" "$MILTER_LOG" &&
	wait $loader &&
	if test -e load.failed; then cat load.failed; false; fi &&
	sent=$(cat load.sent) && queued=$(grep -l "250 .*queued as" load*.smtp | wc -l) &&
	if test $queued != $sent; then echo "expected all $sent load mails queued, $queued were"; false; fi &&
	sed -n "/reload: new engine in service/,\$p" "$MILTER_LOG" >after-reload &&
	test_grep "msgid=<clamav-test@example.org>" after-reload &&
	marker_mail m1 marker1 &&
	test_must_fail postfix_send "$PF" m1 >m1.smtp 2>&1 &&
	test_grep "550 5.7.1" m1.smtp &&
	test_grep "msgid=<marker1@example.org> .*LW_ATT_CLAMAV_SIGNATURE" "$MILTER_LOG"
'

test_expect_success 'a corrupt signature file at reload: the old engine stays, the log names the file' '
	echo "not a signature" >"$SIGS/zz-broken.ndb" &&
	kill -USR1 $MILTER_PID &&
	wait_for grep -q "reload failed, keeping the current engine: clamav_db: .*zz-broken.ndb: Malformed database" "$MILTER_LOG" &&
	marker_mail m2 marker2 &&
	test_must_fail postfix_send "$PF" m2 >m2.smtp 2>&1 &&
	test_grep "550 5.7.1" m2.smtp
'

test_done
