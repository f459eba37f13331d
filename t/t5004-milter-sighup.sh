#!/bin/sh
test_description='SIGHUP reloads lurewatch-milter as it does any mail daemon: it keeps serving and loses no mail'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

milter_postfix_init
CONF=$TRASH/lurewatch.conf

msg() { # msg FILE ID BODY
	printf 'From: sender@example.org\nTo: user@example.net\nSubject: notice\nMessage-ID: <%s@example.org>\n\n%s\n' \
		"$2" "$3" >"$1"
}

test_expect_success 'start with rules that know nothing of the new campaign' '
	cp "$TEST_DATA/test.rules" rules &&
	printf "rules_file = %s\nquarantine_dir = %s\n" "$TRASH/rules" "$TRASH/quarantine" >"$CONF" &&
	milter_postfix_start -c "$CONF" &&
	version=$(sed -n "s/^#define PACKAGE_VERSION \"\(.*\)\"$/\1/p" "$top_builddir/config.h") &&
	test_grep "started: socket inet:$MPORT@127.0.0.1, config .*, version $version$" "$MILTER_LOG" &&
	msg before.eml before "HUP-CAMPAIGN-0001 click here" &&
	postfix_send "$PF" before.eml >out &&
	postfix_wait_delivered "$PF" 1
'

test_expect_success 'SIGHUP reloads: a rule added to the rules file takes effect' '
	echo "T_HUP_NEW  body  100  malware  /HUP-CAMPAIGN-0001/  test string: added before SIGHUP" >>rules &&
	kill -HUP $MILTER_PID &&
	wait_for grep -q "reload: SIGHUP" "$MILTER_LOG" &&
	wait_for grep -q "reload: new engine in service" "$MILTER_LOG" &&
	msg after.eml after "HUP-CAMPAIGN-0001 click here" &&
	test_must_fail postfix_send "$PF" after.eml >out 2>&1 &&
	test_grep "550 5.7.1" out &&
	test_grep "msgid=<after@example.org>.* verdict=reject .*T_HUP_NEW" "$MILTER_LOG"
'

test_expect_success 'after SIGHUP the milter is still running (libmilter would have stopped it)' '
	kill -0 $MILTER_PID &&
	test_grep -v "stopped" "$MILTER_LOG"
'

test_expect_success 'a reload with an unknown score.RULE keeps the running engine and says why' '
	cp "$CONF" good.conf &&
	echo "score.T_HUP_NWE = 0" >>"$CONF" &&
	kill -HUP $MILTER_PID &&
	wait_for grep -q "reload failed, keeping the current engine: score.T_HUP_NWE: no rule" "$MILTER_LOG" &&
	test_grep "did you mean score.T_HUP_NEW\\?" "$MILTER_LOG" &&
	msg kept.eml kept "HUP-CAMPAIGN-0001 click here" &&
	test_must_fail postfix_send "$PF" kept.eml >out 2>&1 &&
	test_grep "550 5.7.1" out &&
	cp good.conf "$CONF"
'

test_expect_success 'a reload with a bad regular expression keeps the running engine and names FILE:LINE' '
	cp rules good.rules &&
	echo "T_BROKEN  body  1  /(unclosed/  a pattern that does not compile" >>rules &&
	n=$(wc -l <rules) &&
	kill -HUP $MILTER_PID &&
	wait_for grep -q "reload failed, keeping the current engine: rules: .*rules:$n: bad pattern" "$MILTER_LOG" &&
	cp good.rules rules
'

test_expect_success 'a reload that meets a bad feed line warns with FILE:LINE and loads the rest' '
	mkdir feeds &&
	printf "hup-feed.example\nnot a domain!\n" >feeds/typo.domain.txt && chmod -R go-w feeds &&
	cp "$CONF" good.conf && echo "feeds_dir = $TRASH/feeds" >>"$CONF" &&
	r=$(milter_log_count "reload: new engine in service") &&
	kill -HUP $MILTER_PID &&
	wait_for_lines "$MILTER_LOG" "reload: new engine in service" $((r + 1)) &&
	test_grep "warning: engine: feed typo: 1 values refused as invalid \\(.*feeds/typo.domain.txt:2: domain: not a domain name" "$MILTER_LOG" &&
	cp good.conf "$CONF"
'

test_expect_success 'SIGHUP every 0.1 s while 100 mails stream: none tempfailed, all delivered, still running' '
	mkdir load &&
	i=0 && while [ $i -lt 100 ]; do
		i=$((i + 1)); msg load/$i.eml load$i "ordinary mail number $i"
	done &&
	ls load/*.eml >list &&
	n0=$(postfix_delivered "$PF" | wc -l) &&
	r0=$(milter_log_count "reload: new engine in service") &&
	{ "$PYTHON" "$top_srcdir/contrib/bench/smtp-send" $(postfix_port "$PF") list 8 >send.out & sender=$!; } &&
	milter_signal_while $sender HUP && hups=$MILTER_SIGNALS_SENT &&
	wait $sender && cat send.out && echo "SIGHUPs sent: $hups" &&
	test_is -ge 3 $hups "SIGHUPs sent during the run" &&
	test_grep "^sent 100 rejected 0 failed 0 retries 0 " send.out &&
	postfix_wait_delivered "$PF" $((n0 + 100)) &&
	wait_for_lines "$MILTER_LOG" "reload: new engine in service" $((r0 + 3)) &&
	milter_log_is "verdict=failure" 0 &&
	kill -0 $MILTER_PID
'

test_expect_success 'SIGTERM still stops it cleanly, with exit 0' '
	milter_stop &&
	test_grep "stopped" "$MILTER_LOG"
'

test_done
