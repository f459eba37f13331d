#!/bin/sh
# t0008-test-servers.sh - the test library's own servers: free ports, and a
# server that answers on its port is the one the test started
test_description='free_port never hands one port out twice, nor one another running test reserved; redis_start and the milter and Postfix helpers notice a port someone else holds'
. "${top_srcdir:-$(dirname "$0")/..}/t/test-lib.sh"
. "$top_srcdir/t/lib-redis.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

# listen PORT: a process (not a server of this test's helpers) holding PORT; sets HOLDER
listen() {
	"$PYTHON" -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
open(sys.argv[2], "w").close(); time.sleep(3600)' "$1" "$TRASH/holding-$1" &
	HOLDER=$!
	test_at_exit "kill $HOLDER 2>/dev/null"
	wait_started $HOLDER test -f "$TRASH/holding-$1"
}

test_expect_success 'free_port: twenty calls, twenty ports, below the ephemeral range' '
	for i in $(seq 1 20); do free_port || return 1; done >ports &&
	sort -u ports >distinct && test_line_count = 20 distinct &&
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range) &&
	while read p; do test_is -lt "$low" "$p" "port" || return 1; done <ports
'

test_expect_success 'free_port skips a port another process holds' '
	p=$(free_port) && listen $((p + 1)) &&
	test_is != $((p + 1)) "$(free_port)" "the next port"
'

test_expect_success 'free_port skips a port another running test reserved, and takes over one whose test is gone' '
	p=$(free_port) &&
	{ sleep 600 & other=$!; } && test_at_exit "kill $other 2>/dev/null" &&
	echo $other >"$LW_TEST_PORTS/$((p + 1))" &&
	echo 999999 >"$LW_TEST_PORTS/$((p + 3))" &&
	test_is = $((p + 2)) "$(free_port)" "the port after the one reserved by pid $other" &&
	test_is = $((p + 3)) "$(free_port)" "the port whose test (pid 999999) is gone" &&
	test_is = $$ "$(cat "$LW_TEST_PORTS/$((p + 3))")" "the taker of $((p + 3))" &&
	kill $other && rm -f "$LW_TEST_PORTS/$((p + 1))"
'

test_expect_success 'a test gives its reservations back when it ends' '
	cat >child.sh <<-EOF &&
	. "$top_srcdir/t/test-lib.sh"
	free_port >"$TRASH/child-port"
	EOF
	(cd / && top_srcdir=$top_srcdir sh "$TRASH/child.sh") &&
	p=$(cat child-port) && test -n "$p" &&
	if test -e "$LW_TEST_PORTS/$p"; then
		echo "the reservation of port $p outlived its test: it holds $(cat "$LW_TEST_PORTS/$p")" >&2
		false
	fi
'

test_expect_success REDIS 'redis_start on a port another Redis holds fails, and says whose it is' '
	redis_start holder &&
	test_must_fail redis_start victim "$(redis_port holder)" 2>err &&
	test_grep "answering on port $(redis_port holder) is pid $(cat "$TRASH/holder/pid"), not victim" err
'

# squat_then_start NAME PORT: another Redis takes PORT first (the race
# between free_port and the bind), then NAME's server starts on it
squat_then_start() {
	if [ ! -d "$TRASH/squatter" ]; then
		redis_start squatter "$2" >/dev/null 2>&1 || return 1
	fi
	redis_server_ "$@"
}

test_expect_success REDIS 'redis_start on a port of its own choosing taken meanwhile moves to another one' '
	redis_launch_ mover "" squat_then_start 2>err &&
	test_grep "mover tries port" err &&
	test_is != "$(redis_port squatter)" "$(redis_port mover)" "the port of mover" &&
	got=$(redis_cli mover info server | tr -d "\r" | sed -n "s/^process_id://p") &&
	test_is = "$(cat "$TRASH/mover/pid")" "$got" "the pid answering on mover'"'"'s port"
'

test_expect_success 'the milter on a taken port exits, and milter_postfix_start'"'"'s start moves it' '
	MPORT=$(free_port) && listen $MPORT && taken=$MPORT &&
	test_must_fail milter_start held -o rules_file="$TEST_DATA/test.rules" -p inet:$MPORT@127.0.0.1 2>err &&
	test_grep "cannot open milter socket" err &&
	milter_start_on_free_port_ -o rules_file="$TEST_DATA/test.rules" 2>err &&
	test_is != "$taken" "$MPORT" "the milter port" &&
	test_grep "started: socket inet:$MPORT@127.0.0.1" "$MILTER_LOG" &&
	milter_stop
'

test_expect_success ROOT,POSTFIX 'Postfix on a taken SMTP port fails to start and says why' '
	p=$(free_port) && listen $p &&
	postfix_setup "$TRASH/pf" $p "" &&
	test_must_fail postfix_start "$TRASH/pf" 2>err &&
	test_grep "bind 127.0.0.1 port $p: Address already in use" err
'

test_done
