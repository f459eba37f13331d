#!/bin/sh
test_description='a release by a reviewer reaches the hits stream as a false-positive signal'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"
. "$top_srcdir/t/lib-redis.sh"

postfix_require_or_skip
test_have_prereq REDIS || test_skip_all "redis-server is not installed"
: "${LW_REPORT:=$top_builddir/review/lurewatch-report}"

PF=$TRASH/pf
MPORT=$(free_port)
SPORT=$(free_port)
CONF=$TRASH/lurewatch.conf
test_at_exit 'milter_stop; postfix_stop "$PF"'

entries() { # the stream as "field=value" lines, one entry per line
	redis-cli --raw -p "$(redis_port srv)" xrange lw:hits - + |
	awk 'NR > 0 { if ($0 ~ /^[0-9]+-[0-9]+$/) { if (e) print e; e = "" } else if (k == "") k = $0; else { e = e " " k "=" $0; k = "" } } END { print e }'
}

test_expect_success 'a held message is published to the stream' '
	redis_start srv &&
	cat >"$CONF" <<-EOF &&
	rules_file = $TEST_DATA/test.rules
	redis_server = 127.0.0.1:$(redis_port srv)
	spool_dir = $TRASH/spool
	quarantine_dir = $TRASH/quarantine
	instance_name = relay-a
	postfix_config_dir = $PF/etc
	EOF
	milter_start milter -c "$CONF" -p inet:$MPORT@127.0.0.1 &&
	postfix_setup "$PF" $SPORT inet:127.0.0.1:$MPORT &&
	postfix_start "$PF" &&
	printf "From: a@example.org\nTo: user@example.net\nSubject: held\nMessage-ID: <held-1@example.org>\n\nQUARANTINE-ME\n" >held &&
	postfix_send "$PF" held >out &&
	id=$(sed -n "s/.*Ok: queued as \([0-9A-F]*\).*/\1/p" out) && test -n "$id" &&
	wait_for test -f "$PF/queue/hold/$id" &&
	wait_for sh -c "redis-cli -p $(redis_port srv) xlen lw:hits | grep -qx 1"
'

test_expect_success 'lurewatch-report release delivers it and appends a release entry naming it' '
	"$LW_REPORT" -c "$CONF" release "$id" >out &&
	test_grep "$id: released by" out &&
	postfix_wait_delivered "$PF" 1 &&
	entries >stream &&
	test_line_count = 2 stream &&
	tail -1 stream >release &&
	test_grep " type=release" release &&
	test_grep " queue_id=$id( |$)" release &&
	test_grep " instance=relay-a( |$)" release &&
	test_grep " message_id=held-1@example.org( |$)" release &&
	test_grep " event_id=[0-9a-f-]{36}" release
'

test_done
