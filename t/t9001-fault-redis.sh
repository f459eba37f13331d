#!/bin/sh
# t9001-fault-redis.sh - Redis slow (stopped: connects, never answers) and Redis down, each while Postfix sends counted mail
test_description='faults: Redis stops answering, then is killed and restarted, while mail flows; none lost
(t5021 proves the hits spool and its replay batch by batch; this adds a stopped Redis, the
verdict cache falling back to the in-process memory, and counted mail through both outages)'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"
. "$top_srcdir/t/lib-redis.sh"
. "$top_srcdir/t/lib-fault.sh"

postfix_require_or_skip
test_have_prereq REDIS || test_skip_all "redis-server is not installed"
test_have_prereq PYTHON || test_skip_all "python3 is needed"

PF=$TRASH/pf
MPORT=$(free_port)
SPORT=$(free_port)
CONF=$TRASH/lurewatch.conf
N=40
test_at_exit 'milter_stop; postfix_stop "$PF"'

scored() { # scored DIR: how many mails of DIR the test rules score
	grep -l -E "QUARANTINE-ME|LUREWATCH-TEST-REJECT|TAG-ME" "$1"/*.eml | wc -l
}

# outage PREFIX: send N counted mails in the background (lw_bg PREFIX)
outage_send() {
	fault_mails "$1" $N "$1" 20 &&
	lw_bg "$1" fault_send $SPORT "$1" 4
}

# settle PREFIX: the sender is done, Postfix idle; PREFIX.fates is the accounting
settle() {
	wait_for test -s "$1.rc" && cat "$1.out" "$1.err" &&
	test_is = 0 "$(cat "$1.rc")" "the exit status of sender $1" &&
	test_grep "^sent $((N - N / 10)) rejected $((N / 10)) failed 0 retries 0 " "$1.out" &&
	postfix_wait_idle "$PF" && fault_settle "$PF" "$1" $N &&
	fault_account "$PF" "$1" $N "" "$MILTER_LOG" >"$1.fates" && cat "$1.fates"
}

# exact PREFIX: every mail delivered, held or rejected per its content, on both sides
exact() {
	echo "$(fault_expect $N) missing 0 duplicated 0 tempfailed 0" >expect &&
	echo "milter $(fault_expect $N) missing 0 tempfailed 0" >>expect &&
	test_cmp expect "$1.fates"
}

# poke: one more mail, then "redis back (cache)" is logged for the Nth time ($1)?
# (the cache only learns that Redis answers again when a message asks it;
# the pause lets its reconnection backoff, at most 2 s, run out)
poke() {
	postfix_send "$PF" poke.eml >/dev/null &&
	{ test "$(milter_log_count "redis back \(cache\)")" -ge "$1" || { sleep 0.5; false; }; }
}

counters() { # counters: SIGUSR2, then the newest "cache:" line of the log
	n=$(milter_log_count "cache: hits=" || :) &&
	kill -USR2 $MILTER_PID &&
	wait_for_lines "$MILTER_LOG" "cache: hits=" $((n + 1)) &&
	grep "cache: hits=" "$MILTER_LOG" | tail -1
}

test_expect_success 'start Redis, the milter with the Redis cache and hits stream, and Postfix' '
	redis_start srv &&
	cat >"$CONF" <<-EOF &&
	rules_file = $TEST_DATA/test.rules
	redis_server = 127.0.0.1:$(redis_port srv)
	redis_timeout_ms = 1000
	spool_dir = $TRASH/spool
	score.LW_FIRST_CONTACT = 0
	score.LW_FIRST_CONTACT_DOMAIN = 0
	EOF
	milter_start milter -c "$CONF" -p inet:$MPORT@127.0.0.1 &&
	postfix_setup "$PF" $SPORT inet:127.0.0.1:$MPORT &&
	postfix_start "$PF"
'

test_expect_success "Redis stopped (accepts, never answers) while $N mails flow: every one delivered, held or rejected" '
	# SIGSTOP: the kernel still completes connections, nobody answers them
	# (CLIENT PAUSE blocked our own CLIENT UNPAUSE on a loaded machine)
	kill -STOP "$(cat srv/pid)" &&
	outage_send slow &&
	wait_for grep -q "redis unreachable (cache)" "$MILTER_LOG" &&
	postfix_wait_delivered "$PF" 10 &&
	# a message scanned twice while Redis is silent: the in-process memory serves the second
	printf "From: a@example.org\nTo: user@example.net\nSubject: again\nMessage-ID: <again@example.org>\n\nsame text\n" >again.eml &&
	postfix_send "$PF" again.eml >/dev/null && postfix_send "$PF" again.eml >/dev/null &&
	kill -CONT "$(cat srv/pid)" &&
	settle slow && exact slow &&
	grep "msgid=<again@example.org>" "$MILTER_LOG" >again.log &&
	test_line_count = 2 again.log && test_grep_count = 1 " cached" again.log
'

test_expect_success 'the stall was logged once, counted, and Redis is used again once it answers' '
	milter_log_is "redis unreachable \(cache\)" 1 &&
	printf "From: a@example.org\nTo: user@example.net\nSubject: poke\nMessage-ID: <poke@example.org>\n\npoke\n" >poke.eml &&
	wait_for poke 1 &&
	milter_log_is "redis back \(cache\)" 1 &&
	counters >cache.line && cat cache.line &&
	test_grep " errors=[1-9]" cache.line &&
	milter_log_is "verdict=failure" 0 &&
	wait_for hits_is srv $(scored slow)
'

test_expect_success "Redis killed, then restarted, while $N more mails flow: none lost, the stream exact" '
	redis_stop srv &&
	outage_send down &&
	wait_for_lines "$MILTER_LOG" "redis unreachable \(cache\)" 2 &&
	postfix_wait_delivered "$PF" $((N - N / 5 + 2 + 10)) &&
	redis_start srv "$(redis_port srv)" &&
	settle down && exact down &&
	wait_for poke 2 &&
	milter_log_is "redis unreachable \(cache\)" 2 &&
	milter_log_is "verdict=failure" 0 &&
	wait_for hits_is srv $(($(scored slow) + $(scored down)))
'

test_expect_success 'at exit the counters agree with the mail: every scored message published once' '
	milter_stop &&
	grep "stats: " "$MILTER_LOG" | tail -1 >stats && cat stats &&
	test_grep "stats: messages=$((2 * N + 2 + $(milter_log_count "msgid=<poke@")))" stats &&
	test_grep " failures=0 " stats &&
	s=$(($(scored slow) + $(scored down))) &&
	grep "hits: " "$MILTER_LOG" | tail -1 >hits && cat hits &&
	# A write that Redis applied while the milter timed out is spooled and,
	# at replay, found already in the stream: counted as a duplicate, not
	# published twice (the stream length was checked exact above).
	test_grep "hits: queued=$s .* rejected=0 spool_errors=0" hits &&
	published=$(sed -n "s/.* published=\([0-9]*\) .*/\1/p" hits) &&
	duplicates=$(sed -n "s/.* duplicates=\([0-9]*\) .*/\1/p" hits) &&
	if test $((published + duplicates)) != $s; then
		echo "expected published + duplicates = $s scored messages, got $published + $duplicates" >&2
		false
	fi
'

test_done
