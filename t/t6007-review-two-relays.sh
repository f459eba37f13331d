#!/bin/sh
test_description='two relays share one Redis quarantine store: one review page, each relay releases only its own mail'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"
. "$top_srcdir/t/lib-redis.sh"

postfix_require_or_skip
test_have_prereq REDIS || test_skip_all "redis-server is not installed"
command -v curl >/dev/null || test_skip_all "curl is not installed"
: "${LW_REPORT:=$top_builddir/review/lurewatch-report}"
: "${LW_REVIEW:=$top_builddir/review/service/lurewatch-review}"

# Relay A and relay B: each a private Postfix with its own milter, both
# recording held mail in one Redis; one review service (on neither relay's
# queue) shows both. Queue ids are long (unique across relays).
redis_start shared || test_skip_all "redis-server did not start"
RPORT=$(free_port)
BASE=http://127.0.0.1:$RPORT
KEY=$TRASH/review.key
head -c 32 /dev/urandom >"$KEY" && chmod 600 "$KEY"
cat >rules <<'EOF_RULES'
T_QUARANTINE  body     12  evasion  /QUARANTINE-ME/      test string: quarantine
EOF_RULES
chmod 644 rules

conf() { # conf NAME RELAY POSTFIX_DIR: the configuration of one relay (or of the service)
	cat >"$TRASH/$1.conf" <<-EOF_CONF
	rules_file = $TRASH/rules
	quarantine_store = redis
	quarantine_dir = $TRASH/$1-quarantine
	redis_server = 127.0.0.1:$(redis_port shared)
	redis_timeout_ms = 1000
	instance_name = $2
	report_to = secteam@agency.test
	postfix_config_dir = $3/etc
	review_listen = 127.0.0.1:$RPORT
	review_base_url = $BASE/
	review_key_file = $KEY
	review_state_dir = $TRASH/$1-review-state
	review_trusted_proxy_header = X-Remote-User
	EOF_CONF
	chmod 644 "$TRASH/$1.conf"
}
PFA=$TRASH/pf-a PFB=$TRASH/pf-b
conf a relay-a "$PFA"
conf b relay-b "$PFB"
conf svc review-host "$TRASH/no-postfix"

MPIDS=
REVIEW_PID=
stop_all() {
	[ -z "$REVIEW_PID" ] || { kill -TERM "$REVIEW_PID"; wait "$REVIEW_PID"; }
	for p in $MPIDS; do kill -TERM "$p" 2>/dev/null; wait "$p"; done
	postfix_stop "$PFA"; postfix_stop "$PFB"
}
test_at_exit stop_all

relay_start() { # relay_start a|b DIR: its milter, then its Postfix
	mport=$(free_port) &&
	milter_start "milter-$1" -c "$TRASH/$1.conf" -o quarantine_dir="$TRASH/$1-quarantine" -p inet:$mport@127.0.0.1 &&
	MPIDS="$MPIDS $MILTER_PID" && MILTER_PID= &&
	postfix_setup "$2" "$(free_port)" inet:127.0.0.1:$mport "enable_long_queue_ids = yes" &&
	postfix_start "$2"
}

msg() { # msg FILE SUBJECT
	printf 'From: IT Helpdesk <helpdesk@it-support.example.com>\nTo: bob@a.gov.tw\nSubject: %s\nMessage-ID: <%s@example.org>\nDate: Wed, 25 Nov 2026 09:30:00 +0800\n\nQUARANTINE-ME sign in now\n' \
		"$2" "$1" >"$1"
}

held_on() { # held_on DIR FILE: submit FILE to that relay, wait for its hold queue and the shared record; print the id
	postfix_send "$1" "$2" sender@example.org bob@a.gov.tw >"$2.smtp" &&
	id=$(sed -n "s/.*Ok: queued as \([0-9A-Za-z]*\).*/\1/p" "$2.smtp") && test -n "$id" &&
	wait_for test -f "$1/queue/hold/$id" &&
	wait_for recorded "$id" && echo "$id"
}

recorded() { test -n "$(redis_cli shared HGET "lw:quarantine:rec:$1" relay)"; }

field() { redis_cli shared HGET "lw:quarantine:rec:$1" "$2"; }
report() { "$LW_REPORT" -c "$TRASH/$1.conf" "$2"; }
page() { curl -s -o page -w "%{http_code}" -H "X-Remote-User: secteam@agency.test" "$@"; }
csrf_of() { sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$1" | head -1; }

test_expect_success 'two relays, each a Postfix with its own milter, share one Redis' '
	relay_start a "$PFA" && relay_start b "$PFB" &&
	{ "$LW_REVIEW" -f -c "$TRASH/svc.conf" >review.log 2>&1 & REVIEW_PID=$!; } &&
	wait_started "$REVIEW_PID" grep -q "listening on" review.log
'

test_expect_success 'mail held on each relay is recorded with the relay that holds it' '
	msg ma1 "A one" && A1=$(held_on "$PFA" ma1) &&
	msg ma2 "A two" && A2=$(held_on "$PFA" ma2) &&
	msg mb1 "B one" && B1=$(held_on "$PFB" mb1) &&
	test_is = relay-a "$(field "$A1" relay)" "field $A1 relay" && test_is = relay-a "$(field "$A2" relay)" "field $A2 relay" &&
	test_is = relay-b "$(field "$B1" relay)" "field $B1 relay" &&
	test_is = 3 "$(redis_cli shared ZCARD lw:quarantine:held)" "messages in lw:quarantine:held"
'

test_expect_success 'the one review page lists the messages of both relays, and counts them' '
	test_is = 200 "$(page "$BASE/r")" "page $BASE/r" &&
	test_grep "name=\"q_$A1\"" page && test_grep "name=\"q_$A2\"" page && test_grep "name=\"q_$B1\"" page &&
	test_grep "<p>3 " page
'

test_expect_success 'a release of relay A'"'"'s message on the page is queued for relay A, not done by the service' '
	C=$(csrf_of page) && test -n "$C" &&
	test_is = 200 "$(page --data "csrf=$C&action=release&q_$A1=1" "$BASE/r")" "page --data csrf=$C&action=release&q_$A1=1 $BASE/r" &&
	test_grep "$A1: released by secteam@agency.test" page &&
	test_is = released "$(field "$A1" decision)" "field $A1 decision" && test_is = "" "$(field "$A1" outcome)" "field $A1 outcome" &&
	test -f "$PFA/queue/hold/$A1" &&
	test_is = 1 "$(redis_cli shared XLEN lw:quarantine:decisions:relay-a)" "decisions for relay-a" &&
	test_is = 0 "$(redis_cli shared EXISTS lw:quarantine:decisions:relay-b)" "a stream of decisions for relay-b"
'

test_expect_success 'relay B applies its decisions: A'"'"'s message is not among them, and nothing moves' '
	report b apply >out-b &&
	test ! -s out-b &&
	test -f "$PFA/queue/hold/$A1" && test -f "$PFB/queue/hold/$B1" &&
	postfix_delivered_is "$PFB" 0
'

test_expect_success 'relay A applies it: the message reaches A'"'"'s sink and the outcome is on the record' '
	report a apply >out-a &&
	test_grep "^$A1: released by secteam@agency.test" out-a &&
	test_grep "1 decisions: 1 carried out, 0 failed, 0 skipped" out-a &&
	postfix_wait_delivered "$PFA" 1 &&
	grep -l "Subject: A one" $(postfix_delivered "$PFA") >/dev/null &&
	test ! -f "$PFA/queue/hold/$A1" &&
	test_is = done "$(field "$A1" outcome)" "field $A1 outcome" &&
	postfix_delivered_is "$PFB" 0
'

test_expect_success 'a second decision on the same message is refused, and nothing is released twice' '
	C=$(page "$BASE/r" >/dev/null; csrf_of page) &&
	test_is = 200 "$(page --data "csrf=$C&action=delete&q_$A1=1" "$BASE/r")" "page --data csrf=$C&action=delete&q_$A1=1 $BASE/r" &&
	test_grep "already released by secteam@agency.test" page &&
	redis_cli shared XADD lw:quarantine:decisions:relay-a "*" queue_id "$A1" decision released by replay >/dev/null &&
	report a apply >out-a2 &&
	test_grep "decision .* skipped: $A1: released was carried out" out-a2 &&
	test_grep "1 decisions: 0 carried out, 0 failed, 1 skipped" out-a2 &&
	postfix_delivered_is "$PFA" 1
'

test_expect_success 'a decision made while relay A is down is carried out when it comes back' '
	postfix_stop "$PFA" &&
	C=$(page "$BASE/r" >/dev/null; csrf_of page) &&
	test_is = 200 "$(page --data "csrf=$C&action=release&q_$A2=1" "$BASE/r")" "page --data csrf=$C&action=release&q_$A2=1 $BASE/r" &&
	report b apply >out-b2 && test ! -s out-b2 &&
	test_is = "" "$(field "$A2" outcome)" "field $A2 outcome" &&
	postfix_start "$PFA" &&
	report a apply >out-a3 &&
	test_grep "^$A2: released by secteam@agency.test" out-a3 &&
	postfix_wait_delivered "$PFA" 2 &&
	test_is = done "$(field "$A2" outcome)" "field $A2 outcome"
'

test_expect_success 'an entry a killed run had read but not acknowledged is taken up by the next run' '
	C=$(page "$BASE/r" >/dev/null; csrf_of page) &&
	test_is = 200 "$(page --data "csrf=$C&action=delete&q_$B1=1" "$BASE/r")" "page --data csrf=$C&action=delete&q_$B1=1 $BASE/r" &&
	# a run of relay B that read its stream and died before acting
	redis_cli shared XREADGROUP GROUP apply relay-b COUNT 10 STREAMS lw:quarantine:decisions:relay-b ">" >read &&
	test_grep "$B1" read &&
	test_is = 1 "$(redis_cli shared XPENDING lw:quarantine:decisions:relay-b apply | head -1)" "decisions for relay-b read and not acknowledged" &&
	test -f "$PFB/queue/hold/$B1" &&
	report b apply >out-b3 &&
	test_grep "^$B1: deleted by secteam@agency.test" out-b3 &&
	test ! -f "$PFB/queue/hold/$B1" &&
	test_is = 0 "$(redis_cli shared XPENDING lw:quarantine:decisions:relay-b apply | head -1)" "decisions for relay-b read and not acknowledged" &&
	postfix_delivered_is "$PFB" 0
'

test_expect_success 'a decision the relay cannot carry out is recorded as failed, and the message is held again' '
	msg mb2 "B two" && B2=$(held_on "$PFB" mb2) &&
	/usr/sbin/postsuper -c "$PFB/etc" -d "$B2" hold 2>/dev/null &&
	C=$(page "$BASE/r" >/dev/null; csrf_of page) &&
	test_is = 200 "$(page --data "csrf=$C&action=release&q_$B2=1" "$BASE/r")" "page --data csrf=$C&action=release&q_$B2=1 $BASE/r" &&
	{ report b apply >out-b4; test $? = 1; } &&
	test_grep "^$B2: released by secteam@agency.test failed: .*not in the hold queue" out-b4 &&
	test_grep "1 decisions: 0 carried out, 1 failed, 0 skipped" out-b4 &&
	case "$(field "$B2" outcome)" in "failed: "*) ;; *) false ;; esac &&
	test_is = "" "$(field "$B2" decision)" "field $B2 decision" &&
	test_is = 200 "$(page "$BASE/r")" "page $BASE/r" && test_grep "name=\"q_$B2\"" page &&
	postfix_delivered_is "$PFB" 0
'

test_expect_success 'mail held while Redis is down is kept in the relay'"'"'s spool, and moved to Redis by its next apply' '
	port=$(redis_port shared) &&
	redis_stop shared &&
	msg mb3 "B three" &&
	postfix_send "$PFB" mb3 sender@example.org bob@a.gov.tw >mb3.smtp &&
	B3=$(sed -n "s/.*Ok: queued as \([0-9A-Za-z]*\).*/\1/p" mb3.smtp) && test -n "$B3" &&
	wait_for test -f "$PFB/queue/hold/$B3" &&
	wait_for test -f "$TRASH/b-quarantine/records/$B3.json" &&
	test_grep "$B3: held; recorded in $TRASH/b-quarantine until the shared store answers" "$TRASH/milter-b.log" &&
	redis_start shared "$port" &&
	report b apply >out-b5 &&
	test_grep "^1 records kept in $TRASH/b-quarantine while Redis was unreachable moved to Redis" out-b5 &&
	test_is = relay-b "$(field "$B3" relay)" "field $B3 relay" &&
	test ! -f "$TRASH/b-quarantine/records/$B3.json" &&
	test_is = 200 "$(page "$BASE/r")" "page $BASE/r" && test_grep "name=\"q_$B3\"" page
'

test_expect_success 'the audit trail of the page shows every decision; only the failed one and the late one are held' '
	test_is = 200 "$(page "$BASE/r")" "page $BASE/r" &&
	test "$(redis_cli shared ZRANGE lw:quarantine:held 0 -1 | sort)" = "$(printf "%s\n" "$B2" "$B3" | sort)" &&
	test_grep "$A1" page && test_grep "$A2" page && test_grep "$B1" page &&
	postfix_delivered_is "$PFA" 2 && postfix_delivered_is "$PFB" 0
'

test_done
