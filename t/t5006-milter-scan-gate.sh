#!/bin/sh
# t5006-milter-scan-gate.sh - scan_concurrency: a message waits its turn behind one being analysed, and a wait past scan_wait_timeout gets the failure policy
test_description='lurewatch-milter behind a real Postfix with scan_concurrency = 1: while one message is
being analysed (held there by a stopped Redis, which its verdict cache asks and which never
answers), a second waits at end of message; both are delivered with their verdicts once Redis
answers again. With scan_wait_timeout = 1 the second is answered 451 (failure_policy tempfail)
instead, logged once and counted, and the first is still delivered.'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"
. "$top_srcdir/t/lib-redis.sh"

milter_postfix_init
test_have_prereq REDIS || test_skip_all "redis-server is not installed"

CONF=$TRASH/lurewatch.conf

msg() { # msg NAME: a mail of its own (its own body: never a cached verdict)
	printf 'From: a@example.org\nTo: user@example.net\nSubject: %s\nMessage-ID: <%s@example.org>\n\nbody of %s\n' \
		"$1" "$1" "$1" >"$1.eml"
}

stats() { # stats: SIGUSR2, then the newest "stats:" line of the log
	n=$(milter_log_count "stats: messages=" || :) &&
	kill -USR2 $MILTER_PID &&
	wait_for_lines "$MILTER_LOG" "stats: messages=" $((n + 1)) &&
	grep "stats: messages=" "$MILTER_LOG" | tail -1
}

one_waits() { # one_waits: the counters say a message is waiting (or waited) for its turn
	stats | grep -q " scan_waits=1 "
}

answered() { # answered: the name of the one of third and fourth whose SMTP client is done
	for m in third fourth; do test -s $m.rc && echo $m && return 0; done
	return 1
}

# stall A B: Redis stopped, A and B sent at once in the background (A.rc, B.rc when done);
# whichever reaches end of message first is analysed and stays so, asking Redis
stall() {
	kill -STOP "$(cat srv/pid)" &&
	msg "$1" && msg "$2" &&
	lw_bg "$1" postfix_send "$PF" "$1.eml" &&
	lw_bg "$2" postfix_send "$PF" "$2.eml"
}

test_expect_success 'start Redis, the milter analysing one message at a time, and Postfix' '
	redis_start srv &&
	cat >"$CONF" <<-EOF &&
	rules_file = $TEST_DATA/test.rules
	redis_server = 127.0.0.1:$(redis_port srv)
	redis_timeout_ms = 60000
	scan_concurrency = 1
	scan_wait_timeout = 3600
	failure_policy = tempfail
	EOF
	milter_postfix_start -c "$CONF"
'

test_expect_success 'while one message is being analysed, the next waits for its turn' '
	stall first second &&
	wait_for one_waits &&
	stats >during && cat during &&
	test_grep " messages=0 " during
'

test_expect_success 'once the first is done, both are delivered with their verdicts, and neither failed' '
	kill -CONT "$(cat srv/pid)" &&
	wait_for test -s first.rc && wait_for test -s second.rc &&
	echo 0 >expect && test_cmp expect first.rc && test_cmp expect second.rc &&
	postfix_wait_delivered "$PF" 2 &&
	for m in first second; do
		f=$(grep -l "^Message-ID: <$m@example.org>" $(postfix_delivered "$PF")) && test -n "$f" &&
		test_grep "^X-Lurewatch-Verdict: accept ref=" "$f" || return 1
	done &&
	milter_log_is "msgid=<(first|second)@example.org> .*verdict=accept" 2 &&
	stats >after && cat after &&
	test_grep " messages=2 .* scan_waits=1 scan_wait_timeouts=0" after
'

test_expect_success 'restart with scan_wait_timeout = 1' '
	milter_stop && postfix_stop "$PF" &&
	echo "scan_wait_timeout = 1" >>"$CONF" &&
	milter_postfix_start -c "$CONF"
'

test_expect_success 'a message that waits past scan_wait_timeout is answered 451 (failure_policy), logged once' '
	stall third fourth &&
	wait_for_lines "$MILTER_LOG" "verdict=failure-tempfail" 1 &&
	milter_log_is "verdict=failure-tempfail .*error=not analysed: waited 1s for a turn" 1 &&
	# the one answered is the one that waited: the other still waits for Redis
	wait_for answered &&
	late=$(answered) && echo "answered: $late" &&
	test_grep "451 4.7.1 Temporary scanning failure" $late.out &&
	# never parsed, yet named in its log line by the Message-ID it arrived with
	milter_log_is "msgid=<$late@example.org> .*verdict=failure-tempfail" 1
'

test_expect_success 'the one being analysed is still delivered, and the counters show the timeout' '
	kill -CONT "$(cat srv/pid)" &&
	case $late in third) early=fourth ;; *) early=third ;; esac &&
	wait_for test -s $early.rc &&
	echo 0 >expect && test_cmp expect $early.rc &&
	milter_log_is "msgid=<$early@example.org> .*verdict=accept" 1 &&
	stats >after && cat after &&
	test_grep " messages=2 .* tempfail=1 .* scan_waits=1 scan_wait_timeouts=1" after
'

test_done
