#!/bin/sh
test_description='faults: the milter killed and restarted, and reloaded, while Postfix sends; no mail lost'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"
. "$top_srcdir/t/lib-fault.sh"

postfix_require_or_skip
test_have_prereq PYTHON || test_skip_all "python3 is needed"

# Two private Postfix instances: HOP (no milter) relays every mail to EDGE,
# which runs lurewatch-milter with milter_default_action=tempfail. When the
# milter is gone EDGE answers 451 and HOP keeps the mail and retries, as a
# real sending MTA does. Every mail must end up delivered (EDGE's Maildir),
# held (EDGE's hold queue) or rejected (bounced by HOP): none lost.
HOP=$TRASH/hop EDGE=$TRASH/edge SOCK=$TRASH/milter.sock
N=120
CONF=$TRASH/lurewatch.conf
echo "rules_file = $TEST_DATA/test.rules" >"$CONF"
test_at_exit 'milter_stop; postfix_stop "$HOP"; postfix_stop "$EDGE"'

# account N: what became of fault-1..N (lib-fault.sh)
account() {
	fault_account "$EDGE" fault "$1" "$HOP/maillog"
}

settled() { # settled: HOP has nothing left to send and every mail has a fate
	hop_queue_empty && [ "$(account $N | cut -d" " -f8)" = 0 ]
}

edge_has() { # edge_has N: at least N mails delivered by EDGE
	[ "$(postfix_delivered "$EDGE" | wc -l)" -ge "$1" ]
}

hop_queue_empty() {
	[ -z "$(find "$HOP/queue/incoming" "$HOP/queue/active" "$HOP/queue/deferred" "$HOP/queue/maildrop" -type f | head -1)" ]
}

test_expect_success 'set up: milter on a unix socket, EDGE with the milter, HOP relaying to EDGE' '
	milter_start m0 -c "$CONF" -o socket_mode=0666 -p unix:$SOCK &&
	EPORT=$(free_port) && HPORT=$(free_port) &&
	postfix_setup "$EDGE" $EPORT unix:$SOCK &&
	postfix_setup "$HOP" $HPORT "" "virtual_mailbox_domains =
relayhost = [127.0.0.1]:$EPORT
smtp_dns_support_level = disabled
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
default_destination_concurrency_limit = 2
bounce_size_limit = 1" &&
	postfix_start "$EDGE" && postfix_start "$HOP" &&
	fault_mails mails $N
'

test_expect_success "kill -9 and restart the milter three times while $N mails flow: every one delivered, held or rejected" '
	ls mails/*.eml >list &&
	{ "$PYTHON" "$top_srcdir/contrib/bench/smtp-send" $HPORT list 4 >send.out & sender=$!; } &&
	for round in 1 2 3; do
		wait_for edge_has $((round * 20)) &&
		kill -9 $MILTER_PID && { wait $MILTER_PID; MILTER_PID=; } &&
		sleep 1 &&
		milter_start m$round -c "$CONF" -o socket_mode=0666 -p unix:$SOCK ||
		{ echo "round $round failed"; return 1; }
	done &&
	wait $sender && cat send.out &&
	test_grep "^sent $N rejected 0 failed 0" send.out &&
	# the milter is killed at 20, 40 and 60 delivered mails: HOP still has mail to send
	{ wait_for settled || true; } &&
	account $N >fates && cat fates &&
	test_grep "^delivered 96 held 12 rejected 12 missing 0 duplicated 0 " fates || {
		grep -v -e smtpd -e cleanup -e qmgr "$HOP/maillog" | tail -15; tail -5 "$EDGE/maillog"; false
	}
'

test_expect_success 'the kills really hit mail in flight: EDGE tempfailed and HOP retried' '
	test_grep_count -gt 0 "milter.*[Tt]emporary|451 4.7.1|4.7.1 Service unavailable" "$EDGE/maillog" &&
	test_grep "status=deferred" "$HOP/maillog"
'

test_expect_success 'each restart removed the stale socket and started cleanly' '
	cat "$TRASH"/m[123].log >started.log &&
	test_grep_count = 3 "started: socket unix:$SOCK" started.log &&
	test -S "$SOCK"
'

test_expect_success 'SIGUSR1 reloads under load: 200 mails straight to EDGE, zero failures' '
	fault_mails more 200 &&
	ls more/*.eml >list2 &&
	{ "$PYTHON" "$top_srcdir/contrib/bench/smtp-send" $EPORT list2 8 >send2.out & sender=$!; } &&
	milter_signal_while $sender USR1 && n=$MILTER_SIGNALS_SENT &&
	wait $sender && cat send2.out && echo "reloads sent: $n" &&
	test_is -ge 3 $n "SIGUSR1s sent during the run" &&
	test_grep "^sent 180 rejected 20 failed 0 retries 0 " send2.out &&
	wait_for_lines "$MILTER_LOG" "reload: new engine in service" 3 &&
	milter_log_is "reload failed" 0 &&
	milter_log_is "verdict=failure" 0
'

test_expect_success 'the milter still stops cleanly after all that' '
	milter_stop && test ! -e "$SOCK"
'

test_done
