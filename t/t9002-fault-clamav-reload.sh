#!/bin/sh
# t9002-fault-clamav-reload.sh - the signature database corrupted on disk, reloads under load
test_description='faults: the ClamAV database corrupt at reload while mail flows; the old engine keeps
scanning (EICAR still caught), every mail accounted for
(t5001 proves one corrupt file is refused; this corrupts the file holding the EICAR signature
itself and reloads repeatedly while counted mail flows)'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"
. "$top_srcdir/t/lib-fault.sh"

postfix_require_or_skip
test_have_prereq PYTHON || test_skip_all "python3 is needed"

PF=$TRASH/pf
MPORT=$(free_port)
SPORT=$(free_port)
N=40
test_at_exit 'milter_stop; postfix_stop "$PF"'

eicar_mail() { # eicar_mail FILE K: the EICAR attachment with Message-ID <eicar-K@example.org>
	"$PYTHON" "$top_srcdir/t/mkattach.py" eicar "$1.tmp" &&
	sed "s/^Message-ID: <clamav-test@example.org>/Message-ID: <eicar-$2@example.org>/" "$1.tmp" >"$1" &&
	rm "$1.tmp" && grep -q "^Message-ID: <eicar-$2@" "$1"
}

eicar_rejected() { # eicar_rejected K: EICAR mail K sent alone is refused by the signature
	eicar_mail eicar-$1.eml $1 &&
	test_must_fail postfix_send "$PF" eicar-$1.eml >eicar-$1.out 2>&1 &&
	test_grep "550 5.7.1" eicar-$1.out &&
	test_grep "msgid=<eicar-$1@example.org>.* verdict=reject .*LW_ATT_CLAMAV_SIGNATURE" "$MILTER_LOG"
}

reload_failures_are() { # reload_failures_are N: N reloads refused so far
	milter_log_is "reload failed, keeping the current engine" "$1"
}

test_expect_success 'start the milter on a copy of the project signatures, and Postfix' '
	mkdir sigs && cp "$top_srcdir"/contrib/signatures/* sigs/ &&
	milter_start milter -o rules_file="$TEST_DATA/test.rules" -o clamav_db="$TRASH/sigs" \
		-o reload_check_interval=0 -p inet:$MPORT@127.0.0.1 &&
	postfix_setup "$PF" $SPORT inet:127.0.0.1:$MPORT &&
	postfix_start "$PF" &&
	eicar_rejected 1
'

test_expect_success 'the file with the EICAR signature is corrupted on disk: the reload is refused' '
	cp sigs/lurewatch-test.ndb good.ndb &&
	{ head -c 40 good.ndb; printf "\n\001\377garbage:not:a:signature\n"; } >sigs/.new &&
	mv sigs/.new sigs/lurewatch-test.ndb &&
	kill -USR1 $MILTER_PID &&
	wait_for reload_failures_are 1 &&
	test_grep "reload failed, keeping the current engine: .*lurewatch-test.ndb" "$MILTER_LOG"
'

test_expect_success "$N counted mails and 4 EICAR mails flow while reloads keep failing: none lost, EICAR still caught" '
	fault_mails batch $N clam 20 &&
	for k in 2 3 4 5; do eicar_mail batch/eicar-$k.eml $k || return 1; done &&
	ls batch/*.eml >batch.list &&
	{ "$PYTHON" "$top_srcdir/contrib/bench/smtp-send" $SPORT batch.list 4 >send.out & sender=$!; } &&
	n=1 && while kill -0 $sender 2>/dev/null; do
		kill -USR1 $MILTER_PID && n=$((n + 1)); sleep 0.2
	done &&
	wait $sender && cat send.out && echo "reloads asked: $n" &&
	test_grep "^sent $((N - N / 10)) rejected $((N / 10 + 4)) failed 0 retries 0 " send.out &&
	# signals sent during a reload merge into one: count what the log says, at least 3
	postfix_wait_idle "$PF" && fault_settle "$PF" clam $N && fault_settle "$PF" eicar 5 &&
	fault_account "$PF" clam $N "" "$MILTER_LOG" >fates && cat fates &&
	echo "$(fault_expect $N) missing 0 duplicated 0 tempfailed 0" >expect &&
	echo "milter $(fault_expect $N) missing 0 tempfailed 0" >>expect &&
	test_cmp expect fates &&
	fault_account "$PF" eicar 5 "" "$MILTER_LOG" >eicar.fates && cat eicar.fates &&
	test_grep "^delivered 0 held 0 rejected 5 missing 0 duplicated 0 tempfailed 0$" eicar.fates &&
	milter_log_is "msgid=<eicar-[2-5]@example.org>.* verdict=reject .*LW_ATT_CLAMAV_SIGNATURE" 4 &&
	milter_log_is "verdict=failure" 0 &&
	# the signal thread takes SIGUSR1 before SIGUSR2: once the counters are
	# logged, every reload asked has been tried
	kill -USR2 $MILTER_PID && wait_for grep -q "stats: " "$MILTER_LOG" &&
	milter_log_count "reload failed, keeping the current engine" >reloads_failed &&
	test_is -ge 3 "$(cat reloads_failed)" "reloads refused" &&
	milter_log_is "new engine in service" 0
'

test_expect_success 'after the bad reloads a lone EICAR mail is still refused' '
	eicar_rejected 6
'

test_expect_success 'the database repaired: the next reload succeeds and EICAR is caught by the new engine' '
	cp good.ndb sigs/.new && mv sigs/.new sigs/lurewatch-test.ndb &&
	kill -USR1 $MILTER_PID &&
	wait_for grep -q "reload: new engine in service" "$MILTER_LOG" &&
	eicar_rejected 7
'

test_expect_success 'the counters agree: every refused reload counted, every message decided' '
	milter_stop &&
	grep "stats: " "$MILTER_LOG" | tail -1 >stats && cat stats &&
	test_grep "stats: messages=$((N + 7)) .* failures=0 .* reloads=1 reload_failures=$(cat reloads_failed) " stats
'

test_done
