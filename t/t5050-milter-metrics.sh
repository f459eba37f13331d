#!/bin/sh
# t5050-milter-metrics.sh - the Prometheus endpoint while mail flows through Postfix
test_description='lurewatch-milter metrics_listen: every counter moves by exactly the mail sent, the exposition parses'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"
. "$top_srcdir/t/lib-redis.sh"

milter_postfix_init
test_have_prereq REDIS || test_skip_all "redis-server is not installed"
command -v curl >/dev/null || test_skip_all "curl is not installed"

XPORT=$(free_port)
CONF=$TRASH/lurewatch.conf
VERSION=$("$LW_MILTER" --version | sed -n "s/^lurewatch-milter (lurewatch) //p")

# scrape FILE: GET /metrics into FILE (curl fails on anything but 2xx)
scrape() {
	curl -sf "http://127.0.0.1:$XPORT/metrics" >"$1"
}

# value FILE SAMPLE: the value of SAMPLE (name with its labels, as written) in FILE
value() {
	awk -v k="$2" '$1 == k { print $2; n++ } END { exit n != 1 }' "$1" ||
	{ echo "no single sample $2 in $1" >&2; return 1; }
}

# moved BEFORE AFTER SAMPLE N: SAMPLE went up by exactly N between the two scrapes
moved() {
	a=$(value "$1" "$3") && b=$(value "$2" "$3") || return 1
	test "$((b - a))" = "$4" || { echo "$3: expected +$4, went from $a to $b" >&2; return 1; }
}

# is FILE SAMPLE V: SAMPLE is V
is() {
	v=$(value "$1" "$2") || return 1
	test "$v" = "$3" || { echo "$2: expected $3, got $v" >&2; return 1; }
}

# scraped_is SAMPLE V: a fresh scrape shows SAMPLE at V (a command, for wait_for)
scraped_is() {
	scrape now.prom && test_is = "$2" "$(value now.prom "$1")" "value now.prom $1"
}

# msg NAME BODY [HEADER [SUBJECT]]: one message with its own Message-ID (subject: NAME)
msg() {
	{
		printf 'From: Sender <sender@example.org>\nTo: user@example.net\nSubject: %s\nMessage-ID: <%s@example.org>\n' "${4:-$1}" "$1"
		[ -n "$3" ] && printf '%s\n' "$3"
		printf '\n%s\n' "$2"
	} >"$1"
}

# sigversion: the signature version lurewatch-scan reports with the same signatures
sigversion() {
	msg probe.eml "probe" &&
	"$LW_SCAN" -o rules_file="$TEST_DATA/test.rules" -o clamav_db="$TRASH/sigs" --json probe.eml |
		"$PYTHON" -c 'import json,sys; print(json.loads(sys.stdin.readline())["signature_version"])'
}

test_expect_success 'the exposition checker refuses what a scraper would choke on' '
	printf "# HELP a_total A.\n# TYPE a_total counter\na_total 1\na_total 2\n" >dup.prom &&
	test_must_fail "$PYTHON" "$top_srcdir/t/metrics-check.py" dup.prom >out &&
	test_grep "appears twice" out &&
	printf "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n" >hist.prom &&
	test_must_fail "$PYTHON" "$top_srcdir/t/metrics-check.py" hist.prom >out &&
	test_grep "bucket counts decrease" out &&
	test_grep "_count is 3.0, the \+Inf bucket 2.0" out &&
	printf "# HELP g G.\n# TYPE g gauge\ng 1" >nonl.prom &&
	test_must_fail "$PYTHON" "$top_srcdir/t/metrics-check.py" nonl.prom >out &&
	test_grep "does not end in a newline" out
'

test_expect_success 'start Redis, the milter with metrics_listen, and Postfix' '
	redis_start srv &&
	mkdir sigs && cp "$top_srcdir"/contrib/signatures/* sigs/ &&
	cat >"$CONF" <<-EOF &&
	rules_file = $TEST_DATA/test.rules
	clamav_db = $TRASH/sigs
	reload_check_interval = 0
	fault_inject_header = X-Test-Fail
	failure_policy = tempfail
	redis_server = 127.0.0.1:$(redis_port srv)
	redis_timeout_ms = 1000
	spool_dir = $TRASH/spool
	score.LW_FIRST_CONTACT = 0
	score.LW_FIRST_CONTACT_DOMAIN = 0
	metrics_listen = 127.0.0.1:$XPORT
	EOF
	milter_postfix_start -c "$CONF"
'

test_expect_success 'before any mail: a well-formed exposition, Redis up, nothing spooled' '
	scrape before.prom &&
	"$PYTHON" "$top_srcdir/t/metrics-check.py" before.prom &&
	is before.prom lurewatch_redis_up 1 &&
	is before.prom lurewatch_hits_spool_depth 0 &&
	is before.prom "lurewatch_messages_total{action=\"accept\"}" 0
'

test_expect_success 'the endpoint is bound to 127.0.0.1 only' '
	ss -Hltn "sport = :$XPORT" >listen &&
	test "$(awk "{print \$4}" listen)" = "127.0.0.1:$XPORT" ||
	{ echo "expected one listener on 127.0.0.1:$XPORT, got:"; cat listen; false; }
'

test_expect_success 'anything but GET /metrics is 404' '
	for req in "GET /" "GET /metricsx" "GET /metrics/" "POST /metrics" "PUT /metrics" "HEAD /metrics"; do
		set -- $req &&
		how="-X $1" && { test $1 != HEAD || how=--head; } &&
		code=$(curl -s -o /dev/null -w "%{http_code}" $how "http://127.0.0.1:$XPORT$2") &&
		{ test "$code" = 404 || { echo "$req: expected 404, got $code"; return 1; }; } || return 1
	done
'

# Seven mails: two copies of one clean mail (the second is a cache hit),
# one tagged, one held, two different rejects, one whose scan fails (451).
# The hits stream gets the four that scored.
test_expect_success 'seven mails through Postfix move every counter by exactly what was sent' '
	scrape before.prom &&
	msg clean1 "lunch at noon" "" lunch && postfix_send "$PF" clean1 >/dev/null &&
	msg clean2 "lunch at noon" "" lunch && postfix_send "$PF" clean2 >/dev/null &&
	msg tag1 "TAG-ME please" && postfix_send "$PF" tag1 >/dev/null &&
	msg held1 "QUARANTINE-ME now" && postfix_send "$PF" held1 >/dev/null &&
	test_must_fail postfix_send "$PF" "$TEST_DATA/reject.eml" >rej1.out 2>&1 &&
	test_grep "550 5.7.1" rej1.out &&
	msg rej2 "LUREWATCH-TEST-REJECT-7f3c9e2a" &&
	test_must_fail postfix_send "$PF" rej2 >rej2.out 2>&1 &&
	test_grep "550 5.7.1" rej2.out &&
	msg fail1 "anything" "X-Test-Fail: yes" &&
	test_must_fail postfix_send "$PF" fail1 >fail1.out 2>&1 &&
	test_grep "451 4.7.1" fail1.out &&
	wait_for scraped_is lurewatch_hits_published_total 4 &&
	scrape after.prom &&
	"$PYTHON" "$top_srcdir/t/metrics-check.py" after.prom &&
	moved before.prom after.prom "lurewatch_messages_total{action=\"accept\"}" 2 &&
	moved before.prom after.prom "lurewatch_messages_total{action=\"tag\"}" 1 &&
	moved before.prom after.prom "lurewatch_messages_total{action=\"quarantine\"}" 1 &&
	moved before.prom after.prom "lurewatch_messages_total{action=\"reject\"}" 2 &&
	moved before.prom after.prom "lurewatch_messages_total{action=\"tempfail\"}" 1 &&
	moved before.prom after.prom "lurewatch_messages_total{action=\"unscanned\"}" 0 &&
	moved before.prom after.prom lurewatch_scan_seconds_count 7 &&
	moved before.prom after.prom "lurewatch_scan_seconds_bucket{le=\"+Inf\"}" 7 &&
	moved before.prom after.prom lurewatch_scan_failures_total 1 &&
	moved before.prom after.prom lurewatch_cache_hits_total 1 &&
	moved before.prom after.prom lurewatch_cache_misses_total 5 &&
	moved before.prom after.prom lurewatch_hits_published_total 4 &&
	moved before.prom after.prom lurewatch_held_unrecorded_total 0 &&
	moved before.prom after.prom lurewatch_limit_messages_total 0 &&
	moved before.prom after.prom lurewatch_aborted_total 0 &&
	is after.prom lurewatch_hits_spool_depth 0 &&
	is after.prom lurewatch_redis_up 1
'

test_expect_success 'the SIGUSR2 log line counts the same messages' '
	kill -USR2 $MILTER_PID &&
	wait_for grep -q "stats: messages=7 accept=2 tag=1 quarantine=1 reject=2 failures=1 .* tempfail=1 unscanned=0" "$MILTER_LOG"
'

test_expect_success 'with Redis down, a hit event waits in the spool and Redis is reported down' '
	scrape before.prom &&
	redis_stop srv &&
	msg down1 "TAG-ME at eight" && postfix_send "$PF" down1 >/dev/null &&
	wait_for scraped_is lurewatch_hits_spool_depth 1 &&
	scrape after.prom &&
	is after.prom lurewatch_redis_up 0 &&
	moved before.prom after.prom "lurewatch_messages_total{action=\"tag\"}" 1 &&
	moved before.prom after.prom lurewatch_hits_published_total 0
'

test_expect_success 'Redis back: the spool is replayed and Redis is reported up, without more mail' '
	redis_start srv "$(redis_port srv)" &&
	wait_for scraped_is lurewatch_hits_spool_depth 0 &&
	wait_for scraped_is lurewatch_redis_up 1 &&
	scrape after2.prom &&
	moved after.prom after2.prom lurewatch_hits_published_total 1
'

test_expect_success 'the engine info carries the signature version the scanner reports, before and after a reload' '
	scrape before.prom &&
	v1=$(sigversion) && test -n "$v1" &&
	is before.prom "lurewatch_engine_info{version=\"$VERSION\",signature_version=\"$v1\"}" 1 &&
	echo "Lurewatch.Test.Metrics:0:*:4c5552455741544348" >sigs/metrics.ndb &&
	v2=$(sigversion) && test "$v2" != "$v1" &&
	kill -USR1 $MILTER_PID &&
	wait_for scraped_is "lurewatch_reloads_total{result=\"ok\"}" "$(($(value before.prom "lurewatch_reloads_total{result=\"ok\"}") + 1))" &&
	scrape after.prom &&
	is after.prom "lurewatch_engine_info{version=\"$VERSION\",signature_version=\"$v2\"}" 1 &&
	moved before.prom after.prom "lurewatch_reloads_total{result=\"failed\"}" 0
'

test_expect_success 'a reload that fails is counted as failed, and the engine in service stays' '
	scrape before.prom &&
	cp "$CONF" good.conf &&
	echo "rules_file = $TRASH/no-such.rules" >>"$CONF" &&
	kill -USR1 $MILTER_PID &&
	wait_for scraped_is "lurewatch_reloads_total{result=\"failed\"}" "$(($(value before.prom "lurewatch_reloads_total{result=\"failed\"}") + 1))" &&
	cp good.conf "$CONF" &&
	scrape after.prom &&
	moved before.prom after.prom "lurewatch_reloads_total{result=\"ok\"}" 0 &&
	test "$(grep "^lurewatch_engine_info" after.prom)" = "$(grep "^lurewatch_engine_info" before.prom)"
'

test_expect_success 'the exposition still parses after all of it' '
	scrape last.prom &&
	"$PYTHON" "$top_srcdir/t/metrics-check.py" last.prom
'

test_expect_success 'a metrics_listen that is not a literal address and port is refused with 78' '
	for bad in localhost:9187 127.0.0.1 127.0.0.1:0 127.0.0.1:70000 ::1:9187 "[::1]"; do
		"$LW_MILTER" -t -c "$CONF" -o metrics_listen="$bad" -p inet:$(free_port)@127.0.0.1 >out 2>err
		rc=$? &&
		{ test $rc = 78 && grep -q "metrics_listen" err || { echo "$bad: exit $rc"; cat err; return 1; }; } || return 1
	done
'

test_expect_success 'a metrics port already taken stops the daemon at start with 71, naming the address' '
	"$LW_MILTER" -f -c "$CONF" -p inet:$(free_port)@127.0.0.1 >out 2>&1
	rc=$? && test $rc = 71 &&
	test_grep "metrics_listen 127.0.0.1:$XPORT: Address already in use" out
'

test_expect_success 'an IPv6 loopback address serves the same endpoint' '
	if ! "$PYTHON" -c "import socket; socket.socket(socket.AF_INET6).bind((\"::1\", 0))" 2>/dev/null; then
		say "no IPv6 loopback here: [::1] not tried"
	else
		milter_stop && port6=$(free_port) &&
		milter_start milter6 -c "$CONF" -o metrics_listen="[::1]:$port6" -p inet:$MPORT@127.0.0.1 &&
		curl -sfg "http://[::1]:$port6/metrics" >v6.prom &&
		"$PYTHON" "$top_srcdir/t/metrics-check.py" v6.prom &&
		test "$(ss -Hltn "sport = :$port6" | awk "{print \$4}")" = "[::1]:$port6"
	fi
'

test_done
