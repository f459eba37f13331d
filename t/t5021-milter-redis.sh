#!/bin/sh
# t5021-milter-redis.sh - the milter with Redis behind a real Postfix: Redis killed mid-run
test_description='lurewatch-milter + redis: verdicts unchanged while Redis is down, hits spooled and replayed exactly'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"
. "$top_srcdir/t/lib-redis.sh"

postfix_require_or_skip
test_have_prereq REDIS || test_skip_all "redis-server is not installed"

PF=$TRASH/pf
MPORT=$(free_port)
SPORT=$(free_port)
CONF=$TRASH/lurewatch.conf
test_at_exit 'milter_stop; postfix_stop "$PF"'

# msg NAME BODY: one message with its own Message-ID (so the stream shows each)
msg() {
	printf 'From: Sender <sender@example.org>\nTo: user@example.net\nSubject: %s\nMessage-ID: <%s@example.org>\n\n%s\n' \
		"$1" "$1" "$2" >"$1"
}

# batch TAG: one clean, one tagged, one held, one rejected message; counts what happened
batch() {
	msg "$1-clean" "lunch at noon" && postfix_send "$PF" "$1-clean" >/dev/null &&
	msg "$1-tag" "TAG-ME please" && postfix_send "$PF" "$1-tag" >/dev/null &&
	msg "$1-held" "QUARANTINE-ME now" && postfix_send "$PF" "$1-held" >"$1-held.out" &&
	msg "$1-rej" "LUREWATCH-TEST-REJECT-7f3c9e2a" &&
	test_must_fail postfix_send "$PF" "$1-rej" >"$1-rej.out" 2>&1 &&
	grep -q "550 5.7.1" "$1-rej.out"
}

test_expect_success 'start Redis, the milter publishing hits, and Postfix' '
	redis_start srv &&
	cat >"$CONF" <<-EOF &&
	rules_file = $TEST_DATA/test.rules
	redis_server = 127.0.0.1:$(redis_port srv)
	redis_timeout_ms = 1000
	spool_dir = $TRASH/spool
	instance_name = t5020
	hits_recipients = yes
	score.LW_FIRST_CONTACT = 0
	score.LW_FIRST_CONTACT_DOMAIN = 0
	EOF
	milter_start milter -c "$CONF" -p inet:$MPORT@127.0.0.1 &&
	postfix_setup "$PF" $SPORT inet:127.0.0.1:$MPORT &&
	postfix_start "$PF"
'

test_expect_success 'with Redis up: each scored message is one stream entry' '
	batch a &&
	wait_for hits_is srv 3 &&
	redis-cli --raw -p "$(redis_port srv)" xrange lw:hits - + >entries &&
	grep -qx "a-tag@example.org" entries && grep -qx "a-held@example.org" entries &&
	grep -qx "a-rej@example.org" entries && ! grep -qx "a-clean@example.org" entries &&
	grep -qx "user@example.net" entries &&
	grep -qx "t5020" entries
'

test_expect_success 'Redis killed: mail is still delivered, held or rejected as scored' '
	redis_stop srv &&
	batch b && batch c &&
	postfix_wait_delivered "$PF" 6 &&
	postfix_hold_ids "$PF" >held && test_line_count = 3 held &&
	wait_for test -s spool/hits.spool &&
	test_grep "redis unreachable \(hits\)" "$MILTER_LOG" &&
	test_grep "verdict=reject" "$MILTER_LOG"
'

test_expect_success 'Redis restarted: the spool is replayed, the stream count is exact' '
	redis_start srv "$(redis_port srv)" &&
	batch d &&
	wait_for hits_is srv 12 &&
	wait_for test ! -s spool/hits.spool &&
	test_grep "redis back \(hits\)" "$MILTER_LOG" &&
	redis-cli --raw -p "$(redis_port srv)" xrange lw:hits - + | grep -x "[a-d]-[a-z]*@example.org" >ids &&
	printf "%s@example.org\n" a-tag a-held a-rej b-tag b-held b-rej c-tag c-held c-rej d-tag d-held d-rej >expect &&
	test_cmp expect ids
'

test_expect_success 'the milter logs its hits counters at exit' '
	milter_stop &&
	test_grep "hits: queued=12 published=12 " "$MILTER_LOG"
'

test_done
