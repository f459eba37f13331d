#!/bin/sh
# t9003-fault-feed-reload.sh - a feed corrupted on disk, reloads under load
test_description='faults: an indicator feed corrupt at reload while mail flows; its previous version
still matches, the problem is logged once per reload and counted, every mail accounted for
(t5020 proves one malformed rewrite keeps the indicators; this adds counted mail and the log)'
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

link_msg() { # link_msg FILE K: a link to the feed's domain, Message-ID <link-K@example.org>
	printf 'From: it@example.org\nTo: user@example.net\nSubject: mailbox\nMessage-ID: <link-%s@example.org>\n\nPlease sign in at https://portal.evil-login.example/owa today\n' "$2" >"$1"
}

reload_and_wait() { # reload_and_wait: SIGUSR1, then one more engine in service
	n=$(milter_log_count "new engine in service" || :) &&
	kill -USR1 $MILTER_PID &&
	wait_for_lines "$MILTER_LOG" "new engine in service" $((n + 1))
}

test_expect_success 'start the milter with a STIX feed naming evil-login.example, and Postfix' '
	mkdir feeds &&
	cat >feeds/cert.json <<-EOF &&
	{"type": "bundle", "id": "bundle--6a3f0c5e-1b61-4b0e-9e5b-2f8f2c1d0a01", "objects": [
	 {"type": "indicator", "spec_version": "2.1", "id": "indicator--0b8e1c1e-5a7e-4c1f-8f5e-9d6c2a3b4c5d",
	  "created": "2026-11-01T00:00:00Z", "modified": "2026-11-01T00:00:00Z",
	  "pattern": "[domain-name:value = '"'"'evil-login.example'"'"']", "pattern_type": "stix",
	  "valid_from": "2026-11-01T00:00:00Z", "confidence": 100}]}
	EOF
	milter_start milter -o rules_file="$TEST_DATA/test.rules" -o feeds_dir="$TRASH/feeds" \
		-o reload_check_interval=0 -p inet:$MPORT@127.0.0.1 &&
	postfix_setup "$PF" $SPORT inet:127.0.0.1:$MPORT &&
	postfix_start "$PF" &&
	link_msg link-1.eml 1 && postfix_send "$PF" link-1.eml >/dev/null &&
	test_grep "msgid=<link-1@example.org>.* verdict=quarantine .*IOC_DOMAIN" "$MILTER_LOG" &&
	milter_log_is "engine: feed" 0
'

test_expect_success 'the feed rewritten as malformed: the reload keeps its previous version and says so' '
	printf "{ \"type\": \"bundle\", \"objects\": [ {\"type\": \"indic" >feeds/.new &&
	mv feeds/.new feeds/cert.json &&
	reload_and_wait &&
	milter_log_is "engine: feed cert not loaded .*previous version stays in use \(1 indicators\)" 1
'

test_expect_success "$N counted mails and 4 feed-matching links flow while the bad feed is reloaded again and again" '
	fault_mails batch $N feed 20 &&
	for k in 2 3 4 5; do link_msg batch/link-$k.eml $k || return 1; done &&
	ls batch/*.eml >batch.list &&
	{ "$PYTHON" "$top_srcdir/contrib/bench/smtp-send" $SPORT batch.list 4 >send.out & sender=$!; } &&
	while kill -0 $sender 2>/dev/null; do kill -USR1 $MILTER_PID; sleep 0.2; done &&
	wait $sender && cat send.out &&
	test_grep "^sent $((N - N / 10 + 4)) rejected $((N / 10)) failed 0 retries 0 " send.out &&
	kill -USR2 $MILTER_PID && wait_for grep -q "stats: " "$MILTER_LOG" &&
	postfix_wait_idle "$PF" && fault_settle "$PF" feed $N && fault_settle "$PF" link 5 &&
	fault_account "$PF" feed $N "" "$MILTER_LOG" >fates && cat fates &&
	echo "$(fault_expect $N) missing 0 duplicated 0 tempfailed 0" >expect &&
	echo "milter $(fault_expect $N) missing 0 tempfailed 0" >>expect &&
	test_cmp expect fates &&
	fault_account "$PF" link 5 "" "$MILTER_LOG" >link.fates && cat link.fates &&
	test_grep "^delivered 0 held 5 rejected 0 missing 0 duplicated 0 tempfailed 0$" link.fates &&
	milter_log_is "msgid=<link-[2-5]@example.org>.* verdict=quarantine .*IOC_DOMAIN" 4 &&
	milter_log_is "verdict=failure" 0
'

test_expect_success 'each reload logged the bad feed once and counted it; none was refused' '
	milter_stop &&
	r=$(milter_log_count "new engine in service") &&
	test_is -ge 3 $r "reloads of the engine" &&
	milter_log_is "engine: feed cert not loaded" $r &&
	grep "stats: " "$MILTER_LOG" | tail -1 >stats && cat stats &&
	test_grep "stats: messages=$((N + 5)) .* failures=0 .* reloads=$r reload_failures=0 .* load_problems=$r" stats
'

test_done
