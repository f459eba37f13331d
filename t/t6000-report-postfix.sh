#!/bin/sh
test_description='quarantine review through a real Postfix: store, digest mail, release, delete'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

postfix_require_or_skip
test_have_prereq PYTHON || test_skip_all "python3 is not installed"
: "${LW_REPORT:=$top_builddir/review/lurewatch-report}"

PF=$TRASH/pf
Q=$TRASH/quarantine
MPORT=$(free_port)
SPORT=$(free_port)
CONF=$TRASH/lurewatch.conf
cat >rules <<'EOF'
T_QUARANTINE  body     12  evasion  /QUARANTINE-ME/      test string: quarantine
T_LINK        body      1  link     /https?:\S+/         test: a link in the text
T_SUBJ        subject 0.5  bulk     /script/             test: a subject rule
EOF
cat >"$CONF" <<EOF
rules_file = $TRASH/rules
quarantine_dir = $Q
instance_name = relay-test
report_to = secteam@agency.test
report_from = lurewatch@relay.lurewatch.test
report_sendmail = /usr/sbin/sendmail -C $PF/etc -t -i
postfix_config_dir = $PF/etc
EOF
chmod 644 "$CONF" rules
test_at_exit 'milter_stop; postfix_stop "$PF"'

report() { "$LW_REPORT" -c "$CONF" "$@"; }

msg() { # msg FILE TO SUBJECT BODY
	printf 'From: IT Helpdesk <helpdesk@it-support.example.com>\nTo: %s\nSubject: %s\nMessage-ID: <%s@example.org>\nDate: Wed, 25 Nov 2026 09:30:00 +0800\n\n%s\n' \
		"$2" "$3" "$1" "$4" >"$1"
}

send_held() { # send_held FILE TO: submit, wait for the hold queue, print the queue id
	postfix_send "$PF" "$1" sender@example.org "$2" >"$1.smtp" &&
	id=$(sed -n "s/.*Ok: queued as \([0-9A-F]*\).*/\1/p" "$1.smtp") && test -n "$id" &&
	wait_for test -f "$PF/queue/hold/$id" && echo "$id"
}

# part FILE plain|html|subject: one part of a delivered mail, decoded
part() {
	"$PYTHON" - "$1" "$2" <<-'EOF'
	import email, email.policy, sys
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
	if sys.argv[2] == "subject":
	    print(m["subject"])
	elif sys.argv[2] == "structure":
	    print(" ".join(p.get_content_type() for p in m.walk()))
	else:
	    print(m.get_body(preferencelist=(sys.argv[2],)).get_content())
	EOF
}

# digest_for ADDR [N]: the Nth (default last) delivered digest addressed to ADDR
digest_for() {
	grep -l "^X-Lurewatch-Report: digest" $(postfix_delivered "$PF") 2>/dev/null |
		xargs -r grep -l "^To: $1" | tail -${2:-1} | head -1
}

# have_digest_for ADDR [PATTERN]: a digest to ADDR (containing PATTERN) was delivered
have_digest_for() {
	f=$(digest_for "$1") && test -n "$f" && { test -z "$2" || part "$f" plain | grep -q "$2"; }
}

# notice_for ADDR: the delivered notice to ADDR
notice_for() {
	grep -l "^X-Lurewatch-Report: notice" $(postfix_delivered "$PF") 2>/dev/null |
		xargs -r grep -l "^To: $1" | tail -1
}
have_notice_for() { test -n "$(notice_for "$1")"; }

body_of() { sed '1,/^$/d' "$1"; }

# test_json_field_any FILE FIELD: a top-level field of a (multi-line) JSON file
test_json_field_any() {
	"$PYTHON" -c 'import json,sys
v=json.load(open(sys.argv[1])).get(sys.argv[2])
print(json.dumps(v) if isinstance(v,(list,dict,bool)) or v is None else v)' "$1" "$2"
}

test_expect_success 'start the milter and a private Postfix using it' '
	milter_start milter -c "$CONF" -p inet:$MPORT@127.0.0.1 &&
	postfix_setup "$PF" $SPORT inet:127.0.0.1:$MPORT &&
	postfix_start "$PF"
'

test_expect_success 'a mail at quarantine score is in the hold queue and in the store' '
	msg held1 bob@a.gov.tw "<script>alert(1)</script> verify at http://login.evil-example.com/x" \
		"QUARANTINE-ME: sign in at https://login.evil-example.com/verify?u=bob now" &&
	ID1=$(send_held held1 bob@a.gov.tw) &&
	rec=$Q/records/$ID1.json && wait_for test -f "$rec" &&
	test_is = "$ID1" "$(test_json_field_any "$rec" queue_id)" "test_json_field_any $rec queue_id" &&
	test_is = sender@example.org "$(test_json_field_any "$rec" sender)" "test_json_field_any $rec sender" &&
	test_is = "[\"bob@a.gov.tw\"]" "$(test_json_field_any "$rec" recipients)" "test_json_field_any $rec recipients" &&
	test_is = held1@example.org "$(test_json_field_any "$rec" message_id)" "test_json_field_any $rec message_id" &&
	test_is = relay-test "$(test_json_field_any "$rec" instance)" "test_json_field_any $rec instance" &&
	test_is = 13.5 "$(test_json_field_any "$rec" score)" "test_json_field_any $rec score" &&
	test_grep "\"description\": \"test string: quarantine\"" "$rec" &&
	test_grep "\"type\": \"subject\"" "$rec" &&
	test_grep "\"decision\": null" "$rec" &&
	test -z "$(find "$Q" -name ".*")"
'

test_expect_success 'the digest reaches the reviewer mailbox and lists the message with its reasons' '
	report digest >out &&
	test_grep "^digest to secteam@agency.test: 1 new, 0 expiring" out &&
	wait_for have_digest_for secteam@agency.test &&
	D=$(digest_for secteam@agency.test) &&
	test_is = "multipart/alternative text/plain text/html" "$(part "$D" structure)" "part $D structure" &&
	part "$D" plain >text && part "$D" html >html && part "$D" subject >subject &&
	test_grep "Quarantine digest: 1 .*newly held \(relay-test\)" subject &&
	test_grep "$ID1" text && test_grep "$ID1" html &&
	test_grep "^    原因 Reasons: test string: quarantine; test: a link in the text; test: a subject rule$" text &&
	test_grep "test string: quarantine; test: a link in the text; test: a subject rule" html &&
	! grep -n "T_QUARANTINE\|T_LINK\|T_SUBJ" text html &&
	test_grep "^\[1\] 13.5  IT Helpdesk <helpdesk@it-support\[\.\]example\[\.\]com>$" text &&
	test_grep "<b>IT Helpdesk</b>" html &&
	test_grep "bob@a\[\.\]gov\[\.\]tw" html &&
	test_grep "13.5" text &&
	test_grep "lurewatch-report -c .*lurewatch.conf. release $ID1$" text &&
	test_grep "lurewatch-report -c .*lurewatch.conf. delete $ID1$" text &&
	test_grep "寄件者 From" html
'

test_expect_success 'in the digest the <script> subject is escaped and every URL defanged' '
	test_grep "&lt;script&gt;alert\(1\)&lt;/script&gt;" html &&
	! grep -q -E "<script" html &&
	test_grep "hxxp://login\[\.\]evil-example\[\.\]com/x" html &&
	! grep -i -E "https?://|evil-example\.com" html text &&
	! grep -q -E "<img|<a |src=|href=" html &&
	test_grep "Content-Security-Policy\" content=\"default-src .none." html
'

test_expect_success 'list QUEUEID gives the full explanation the row leaves out, defanged' '
	report list "$ID1" >detail &&
	test_grep "^  from: IT Helpdesk <helpdesk@it-support\[\.\]example\[\.\]com>$" detail &&
	test_grep "^   12.0 evasion       T_QUARANTINE: test string: quarantine \[body: QUARANTINE-ME\]$" detail &&
	test_grep "^  indicator url: hxxps://login\[\.\]evil-example\[\.\]com/verify" detail &&
	test_grep "^  evidence: T_QUARANTINE is evasion, a technique class" detail &&
	test_grep "^  why: score 13.5 reaches quarantine \\(4\\); reject needs 15: quarantine" detail &&
	! grep -i -E "https?://|evil-example\.com" detail
'

test_expect_success 'a second digest has nothing new to report' '
	report digest >out &&
	test_grep "nothing to report" out
'

test_expect_success 'the release command printed in the digest delivers the original unchanged' '
	n=$(postfix_delivered "$PF" | wc -l) &&
	cmd=$(sed -n "s/^ *放行 Release: lurewatch-report \(.* release $ID1\)$/\1/p" text) && test -n "$cmd" &&
	/usr/sbin/postcat -c "$PF/etc" -b -q "$ID1" >held.body &&
	body_of held1 >expect && sed "1d;\$d" held.body >held.core && test_cmp expect held.core &&
	eval "\"\$LW_REPORT\" $cmd" >out &&
	test_grep "^$ID1: released by " out &&
	postfix_wait_delivered "$PF" $((n + 1)) &&
	f=$(grep -l "^Message-ID: <held1@example.org>" $(postfix_delivered "$PF")) && test -n "$f" &&
	test_grep "^Delivered-To: bob@a.gov.tw" "$f" &&
	body_of "$f" >actual && sed 1d held.body >expect && test_cmp expect actual &&
	test ! -f "$PF/queue/hold/$ID1"
'

test_expect_success 'the release is recorded with who and when, and published as a false positive' '
	test_is = released "$(test_json_field_any "$Q/records/$ID1.json" decision)" "test_json_field_any $Q/records/$ID1.json decision" &&
	test_is = "${SUDO_USER:-${USER:-root}}" "$(test_json_field_any "$Q/records/$ID1.json" decided_by)" "test_json_field_any $Q/records/$ID1.json decided_by" &&
	test_is -gt 0 "$(test_json_field_any "$Q/records/$ID1.json" decided_at_us)" "test_json_field_any $Q/records/$ID1.json decided_at_us" &&
	test_is = released "$(test_json_field_any "$Q/false-positives/$ID1.json" decision)" "test_json_field_any $Q/false-positives/$ID1.json decision" &&
	report list "$ID1" >out && test_grep "^$ID1	.*	released	13.5	" out
'

test_expect_success 'delete removes a held message from the queue and records it' '
	msg held2 carol@b.gov.tw "mailbox quota" "QUARANTINE-ME please" &&
	ID2=$(send_held held2 carol@b.gov.tw) &&
	n=$(postfix_delivered "$PF" | wc -l) &&
	SUDO_USER=reviewer1 report delete "$ID2" >out &&
	test_grep "^$ID2: deleted by reviewer1" out &&
	test ! -f "$PF/queue/hold/$ID2" &&
	test -z "$(find "$PF/queue" -name "$ID2")" &&
	test_is = deleted "$(test_json_field_any "$Q/records/$ID2.json" decision)" "test_json_field_any $Q/records/$ID2.json decision" &&
	test ! -f "$Q/false-positives/$ID2.json" &&
	postfix_wait_idle "$PF" && postfix_delivered_is "$PF" $n
'

test_expect_success 'release and delete refuse what is not a held queue id, and record nothing' '
	test_must_fail report release "../../etc/passwd" 2>err &&
	test_grep "is not a queue id" err &&
	test_must_fail report delete "$ID2" 2>err &&
	test_grep "not deleted" err &&
	test_must_fail report release -- "-d" 2>err &&
	test_is = deleted "$(test_json_field_any "$Q/records/$ID2.json" decision)" "test_json_field_any $Q/records/$ID2.json decision"
'

test_expect_success 'per-domain reviewers each get their domain; report_to gets the rest' '
	msg held3 dave@a.gov.tw "invoice" "QUARANTINE-ME invoice" &&
	ID3=$(send_held held3 dave@a.gov.tw) &&
	msg held4 erin@c.gov.tw "salary" "QUARANTINE-ME salary" &&
	ID4=$(send_held held4 erin@c.gov.tw) &&
	report -o "report_domain_reviewers=a.gov.tw:rev-a@a.gov.tw, b.gov.tw:rev-b@b.gov.tw" digest >out &&
	test_grep "^digest to rev-a@a.gov.tw: 1 new" out &&
	test_grep "^digest to secteam@agency.test: 1 new" out &&
	test_grep "^digest to rev-b@b.gov.tw: 1 new" out &&
	wait_for have_digest_for rev-a@a.gov.tw &&
	part "$(digest_for rev-a@a.gov.tw)" plain >a.txt &&
	test_grep "$ID3" a.txt && ! grep -q -E "$ID4" a.txt &&
	wait_for have_digest_for secteam@agency.test "$ID4" &&
	part "$(digest_for secteam@agency.test)" plain >s.txt && ! grep -q "$ID3" s.txt &&
	wait_for have_digest_for rev-b@b.gov.tw &&
	part "$(digest_for rev-b@b.gov.tw)" plain >b.txt &&
	test_grep "$ID2" b.txt && test_grep "已處理 Already decided: deleted, reviewer1, " b.txt &&
	! grep -q "delete $ID2" b.txt
'

# exit_status CMD...: run it; its exit status on standard output
exit_status() { "$@" >/dev/null 2>>err; echo $?; }

test_expect_success 'release ALL and delete ALL are refused (64) and nothing leaves the hold queue' '
	msg held9 ivan@c.gov.tw "all" "QUARANTINE-ME all" &&
	ID9=$(send_held held9 ivan@c.gov.tw) &&
	ls "$PF/queue/hold" >hold.before && test -s hold.before &&
	: >err &&
	test_is = 64 "$(exit_status report release ALL)" "exit_status report release ALL" &&
	test_is = 64 "$(exit_status report delete ALL)" "exit_status report delete ALL" &&
	test_is = 64 "$(exit_status report release "$ID9" ALL)" "exit_status report release $ID9 ALL" &&
	test_grep "\"ALL\" is not a queue id .*nothing done" err &&
	ls "$PF/queue/hold" >hold.after && test_cmp hold.before hold.after &&
	test_is = null "$(test_json_field_any "$Q/records/$ID9.json" decision)" "test_json_field_any $Q/records/$ID9.json decision"
'

test_expect_success 'options after the command are refused (64): a sudo rule "release *" gives no more' '
	mkdir -p fake && printf "#!/bin/sh\ntouch \"$TRASH/fake-ran\"\n" >fake/postsuper && chmod +x fake/postsuper &&
	: >err &&
	test_is = 64 "$(exit_status report release -o postfix_command_dir="$TRASH/fake" "$ID9")" "exit_status report release -o postfix_command_dir=$TRASH/fake $ID9" &&
	test_is = 64 "$(exit_status report release "$ID9" -o postfix_command_dir="$TRASH/fake")" "exit_status report release $ID9 -o postfix_command_dir=$TRASH/fake" &&
	test_is = 64 "$(exit_status report delete -c /dev/null "$ID9")" "exit_status report delete -c /dev/null $ID9" &&
	test_is = 64 "$(exit_status report release -- "$ID9")" "exit_status report release -- $ID9" &&
	test_is = 64 "$(exit_status report list --stdout)" "exit_status report list --stdout" &&
	test_grep "\"-o\" after the command: options go before it" err &&
	test ! -e fake-ran && test -f "$PF/queue/hold/$ID9" &&
	report delete "$ID9" >out && test_grep "^$ID9: deleted by " out
'

test_expect_success 'held messages older than report_expire_days are reported as expiring' '
	old=$(( $(date +%s) - 9 * 86400 ))000000 &&
	sed -i "s/\"held_at_us\": [0-9]*/\"held_at_us\": $old/" "$Q/records/$ID3.json" &&
	report -o report_expire_days=7 -o report_language=en digest --stdout >out &&
	! grep -q -E "^digest to" out &&
	part out plain >t && test_grep "Held too long: expiring, please decide" t &&
	test_grep "^\[[0-9]*\] 12.0  IT Helpdesk <helpdesk@" t && ! grep -q "寄件者" t &&
	test_grep "Days held: 9" t && test_grep "release $ID3" t &&
	report -o report_expire_days=10 -o report_language=en digest --stdout >out &&
	! grep -q "expiring, please decide" out
'

test_expect_success 'an old entry removed from the queue behind our back is marked gone, not expiring' '
	/usr/sbin/postsuper -c "$PF/etc" -d "$ID3" hold 2>/dev/null &&
	report -o report_expire_days=7 -o report_language=en digest --stdout >out &&
	! grep -q "expiring, please decide" out &&
	test_is = gone "$(test_json_field_any "$Q/records/$ID3.json" decision)" "test_json_field_any $Q/records/$ID3.json decision" &&
	test_is = lurewatch-report "$(test_json_field_any "$Q/records/$ID3.json" decided_by)" "test_json_field_any $Q/records/$ID3.json decided_by"
'

test_expect_success 'report_attach_original attaches the held message as message/rfc822, never inline' '
	rm -rf "$Q/reported" &&
	report -o report_attach_original=yes -o report_language=zh-TW digest --stdout >out 2>err &&
	test_grep "^Content-Type: message/rfc822" out &&
	test_grep "^Content-Disposition: attachment; filename=held-$ID4.eml" out &&
	test_grep "^Message-ID: <held4@example.org>" out &&
	part out plain >z && test_grep "^    主旨: " z && ! grep -q "Subject" z &&
	"$PYTHON" -c "import email,sys; m=email.message_from_file(open(sys.argv[1])); print(m.get_content_type(), [p.get_content_type() for p in m.get_payload()])" out >s &&
	test_grep "^multipart/mixed \[.multipart/alternative., .message/rfc822.\]$" s &&
	! grep -q -E "cannot read" err && cp out "$TRASH/../attach.out"
'

test_expect_success 'report_notify_recipients tells each recipient a message to them is held' '
	msg held8 "odd@c.gov.tw" "odd" "QUARANTINE-ME odd" &&
	ID8=$(send_held held8 "\"odd x\"@c.gov.tw") &&
	rm -rf "$Q/reported" &&
	report -o report_notify_recipients=yes digest >out 2>err &&
	test_grep "$ID8: no notice to unusual address" err &&
	wait_for have_notice_for erin@c.gov.tw &&
	part "$(notice_for erin@c.gov.tw)" plain >notice && test_grep "Reference: $ID4" notice && test_grep "參考編號：$ID4" notice
'

test_expect_success 'a failing report_sendmail leaves the last digest time alone' '
	msg held5 frank@c.gov.tw "tax" "QUARANTINE-ME tax" &&
	ID5=$(send_held held5 frank@c.gov.tw) &&
	before=$(cat "$Q/state/last-digest") &&
	test_must_fail report -o "report_sendmail=/bin/false" digest 2>err &&
	test_grep "exited with 1" err &&
	test_is = "$before" "$(cat "$Q/state/last-digest")" "cat $Q/state/last-digest" &&
	report digest >out && test_grep "^digest to secteam@agency.test: 1 new" out
'

test_expect_success 'a second digest run while one holds the lock sends nothing' '
	flock "$Q/digest.lock" -c "\"$LW_REPORT\" -c \"$CONF\" digest" >out 2>err;
	test $? = 1 && test_grep "another digest is running" err && ! grep -q "^digest to" out
'

test_expect_success 'a record that appears late (held before the last digest ran) is still reported' '
	msg held7 hank@c.gov.tw "late" "QUARANTINE-ME late" &&
	ID7=$(send_held held7 hank@c.gov.tw) &&
	wait_for test -f "$Q/records/$ID7.json" &&
	early=$(( $(cat "$Q/state/last-digest") - 3600000000 )) &&
	sed -i "s/\"held_at_us\": [0-9]*/\"held_at_us\": $early/" "$Q/records/$ID7.json" &&
	report digest >out && test_grep "^digest to secteam@agency.test: 1 new" out &&
	test -f "$Q/reported/$ID7"
'

test_expect_success 'a corrupt record is named on standard error; the others are still listed' '
	printf "{\"queue_id\": " >"$Q/records/BAD0001.json" &&
	report list >out 2>err &&
	test_grep "skipped: .*BAD0001.json" err &&
	test_grep "1 record\(s\) could not be read" err &&
	test_grep "^$ID1	" out && test_grep "^$ID7	" out &&
	rm "$Q/records/BAD0001.json"
'

test_expect_success 'stats ranks the rules by released messages: the rules to fix come first' '
	report stats >stats &&
	held=$(ls "$Q/records" | wc -l) &&
	test_grep "^$held held, 1 released by a reviewer \(false positives\)$" stats &&
	sed -n 2p stats >header && test_grep "^RULE  *RELEASED  *HELD  *RATE  *CLASS  *DESCRIPTION$" header &&
	sed -n "3,\$p" stats | awk "{ print \$1, \$2, \$3, \$4 }" >actual &&
	cat >expect <<-EOF &&
	T_LINK 1 1 100%
	T_SUBJ 1 1 100%
	T_QUARANTINE 1 $held $(awk "BEGIN { printf \"%.0f\", 100 / $held }")%
	EOF
	test_cmp expect actual &&
	test_grep "T_LINK .* link  *test: a link in the text$" stats &&
	: >err && test_is = 64 "$(exit_status report stats extra)" "exit_status report stats extra"
'

test_expect_success 'links planted in the quarantine directory are refused by name, never followed' '
	mkdir elsewhere &&
	for name in state reported digest.lock; do
		mv "$Q/$name" "$TRASH/$name.real" &&
		ln -s "$TRASH/elsewhere" "$Q/$name" &&
		test_must_fail report digest >out 2>err &&
		test_grep "quarantine/$name: a symbolic link or not a directory: refused, not followed" err &&
		! grep -q "^digest to" out &&
		rm "$Q/$name" && mv "$TRASH/$name.real" "$Q/$name" || return 1
	done &&
	test -z "$(ls elsewhere)"
'

test_expect_success 'a quarantine store that cannot be written loses no mail: the message is still held' '
	kill -TERM $MILTER_PID && wait $MILTER_PID; MILTER_PID= &&
	milter_start milter2 -c "$CONF" -o quarantine_dir=/proc/lurewatch-cannot-write -p inet:$MPORT@127.0.0.1 &&
	msg held6 gina@c.gov.tw "broken store" "QUARANTINE-ME store" &&
	ID6=$(send_held held6 gina@c.gov.tw) &&
	wait_for grep -q "$ID6: held, but not recorded for review" "$MILTER_LOG" &&
	test -f "$PF/queue/hold/$ID6" &&
	kill -USR2 $MILTER_PID &&
	wait_for grep -q "stats: .* quarantine=1 .* quarantine_unrecorded=1" "$MILTER_LOG"
'

test_done
