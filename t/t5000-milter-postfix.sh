#!/bin/sh
test_description='lurewatch-milter behind a real Postfix: every verdict reaches the MTA'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

milter_postfix_init
CONF=$TRASH/lurewatch.conf
cat >"$CONF" <<EOF
rules_file = $TEST_DATA/test.rules
fault_inject_header = X-Test-Fail
subject_prefix = "[SUSPICIOUS] "
quarantine_dir = $TRASH/quarantine
failure_policy = tempfail
EOF

msg() { # msg FILE SUBJECT BODY [EXTRA-HEADER]
	{
		printf 'From: Sender <sender@example.org>\nTo: user@example.net\n'
		printf 'Subject: %s\nMessage-ID: <%s@example.org>\n' "$2" "$1"
		[ -n "$4" ] && printf '%s\n' "$4"
		printf '\n%s\n' "$3"
	} >"$1"
}

delivered_with() { # the delivered file whose Message-ID is $1
	grep -l "^Message-ID: <$1@example.org>" $(postfix_delivered "$PF") 2>/dev/null | head -1
}

test_expect_success 'start the milter and a private Postfix using it' '
	milter_postfix_start -c "$CONF"
'

test_expect_success 'a clean mail is delivered with the verdict headers' '
	msg clean "lunch" "see you at noon" &&
	postfix_send "$PF" clean >out &&
	postfix_wait_delivered "$PF" 1 &&
	f=$(delivered_with clean) && test -n "$f" &&
	test_grep "^X-Lurewatch-Verdict: accept ref=" "$f" &&
	test_grep "^X-Lurewatch-Score: 0.0" "$f" &&
	test_grep "^Subject: lunch$" "$f"
'

test_expect_success 'a tagged mail gets hits, the subject prefix, and loses every forged X-Lurewatch-* header' '
	msg tag "offer" "TAG-ME please" "$(printf "X-Lurewatch-Score: -100\nX-Lurewatch-Report: notice\nx-lurewatch-report: digest\nX-LUREWATCH-Other: 1")" &&
	postfix_send "$PF" tag >out &&
	postfix_wait_delivered "$PF" 2 &&
	f=$(delivered_with tag) && test -n "$f" &&
	test_grep "^X-Lurewatch-Verdict: tag ref=" "$f" &&
	test_grep "^X-Lurewatch-Hits: T_TAG\(3.5\)" "$f" &&
	test_grep "^Subject: \[SUSPICIOUS\] offer" "$f" &&
	test_grep -v "^X-Lurewatch-Score: -100" "$f" &&
	test_grep_count = 1 "^X-Lurewatch-Score:" "$f" &&
	test_grep -v "^(X-Lurewatch-Report|x-lurewatch-report|X-LUREWATCH-Other):" "$f"
'

test_expect_success 'a mail at reject score is refused with 550 and a reference id' '
	test_must_fail postfix_send "$PF" "$TEST_DATA/reject.eml" >out 2>&1 &&
	test_grep "550 5.7.1 Message rejected as malicious \(ref [0-9A-F]+\)" out &&
	ref=$(sed -n "s/.*(ref \([0-9A-F]*\)).*/\1/p" out | head -1) &&
	test_grep "$ref: .*verdict=reject score=100" "$MILTER_LOG"
'

test_expect_success 'a mail at quarantine score lands in the hold queue, not in the mailbox' '
	n=$(postfix_delivered "$PF" | wc -l) &&
	msg held "quota" "QUARANTINE-ME now" &&
	postfix_send "$PF" held >out &&
	id=$(sed -n "s/.*Ok: queued as \([0-9A-F]*\).*/\1/p" out) && test -n "$id" &&
	wait_for test -f "$PF/queue/hold/$id" &&
	postfix_wait_idle "$PF" &&
	postfix_delivered_is "$PF" $n &&
	test_grep "$id: .*verdict=quarantine score=12.0" "$MILTER_LOG"
'

test_expect_success 'an internal failure with failure_policy=tempfail answers 451: the client keeps the mail' '
	msg fail "broken" "anything" "X-Test-Fail: yes" &&
	test_must_fail postfix_send "$PF" fail >out 2>&1 &&
	test_grep "451 4.7.1 Temporary scanning failure" out &&
	test_grep "verdict=failure-tempfail .*error=fault injected" "$MILTER_LOG"
'

test_expect_success 'after SIGUSR1 a changed failure_policy=accept delivers unscanned mail' '
	sed -i "s/^failure_policy = tempfail/failure_policy = accept/" "$CONF" &&
	kill -USR1 $MILTER_PID &&
	wait_for grep -q "reload: new engine in service" "$MILTER_LOG" &&
	n=$(postfix_delivered "$PF" | wc -l) &&
	msg fail2 "broken" "anything" "X-Test-Fail: yes" &&
	postfix_send "$PF" fail2 >out &&
	postfix_wait_delivered "$PF" $((n + 1)) &&
	test_grep "^X-Lurewatch-Verdict: unscanned ref=" "$(delivered_with fail2)"
'

test_expect_success 'a reload with a broken rules file keeps the running engine' '
	cp "$TEST_DATA/bad.rules" broken.rules &&
	sed -i "s|^rules_file = .*|rules_file = $TRASH/broken.rules|" "$CONF" &&
	kill -USR1 $MILTER_PID &&
	wait_for grep -q "reload failed, keeping the current engine: rules: .*broken.rules:3" "$MILTER_LOG" &&
	test_must_fail postfix_send "$PF" "$TEST_DATA/reject.eml" >out 2>&1 &&
	test_grep "550 5.7.1" out
'

test_expect_success 'one log line per message, each with queue id, sender, verdict, score and time' '
	# a failed scan is the same line at err, "error: " first, as Postfix writes its errors
	n=$(milter_log_count "^lurewatch-milter: (error: )?[0-9A-F]+: msgid=<.*> from=<sender@example.org> rcpts=1 size=[0-9]+ verdict=[a-z-]+ score=[0-9.]+ hits=.* ms=[0-9.]+ sig=[^ ]+") &&
	test "$n" = 7 || { echo "expected 7 verdict lines, one per message sent; got $n:"; cat "$MILTER_LOG"; return 1; }
'

test_expect_success 'SIGUSR2 logs the counters' '
	kill -USR2 $MILTER_PID &&
	wait_for grep -q "stats: messages=7 accept=1 tag=1 quarantine=1 reject=2 failures=2" "$MILTER_LOG"
'

test_expect_success 'with the milter down Postfix tempfails (milter_default_action): nothing is lost' '
	milter_stop &&
	test_must_fail postfix_send "$PF" "$TEST_DATA/clean.eml" >out 2>&1 &&
	test_grep "451 4.7.1" out
'

test_expect_success 'a unix socket gets socket_mode, survives a kill -9 (stale socket) and is removed on stop' '
	echo "rules_file = $TEST_DATA/test.rules" >unix.conf &&
	milter_start unix -c unix.conf -o socket_mode=0600 -p unix:$TRASH/milter.sock &&
	test_is = 600 "$(stat -c %a "$TRASH/milter.sock")" "stat -c %a $TRASH/milter.sock" &&
	kill -9 $MILTER_PID && { wait $MILTER_PID; MILTER_PID=; } &&
	test -S "$TRASH/milter.sock" &&
	milter_start unix2 -c unix.conf -p unix:$TRASH/milter.sock &&
	milter_stop &&
	test ! -e "$TRASH/milter.sock"
'

test_done
