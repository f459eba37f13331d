#!/bin/sh
test_description='milter log lines through Postfix: a verdict is info, degraded operation warning, a failure err; log_format = json writes one JSON object per line; under systemd each line carries its journald priority; syslog gets log_facility'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

test_have_prereq PYTHON || test_skip_all "no python3: the JSON lines cannot be parsed"
milter_postfix_init

msg() { # msg FILE [EXTRA-HEADER]
	{
		printf 'From: Sender <sender@example.org>\nTo: user@example.net\n'
		printf 'Subject: meeting\nMessage-ID: <%s@example.org>\n' "$1"
		[ -n "$2" ] && printf '%s\n' "$2"
		printf '\nSee you at ten.\n'
	} >"$1"
}

# A malformed feed is loaded around (warning: degraded); a message with the
# fault header fails its scan (err: a failure); a plain one gets its verdict (info).
mkdir feeds && printf '{"type": "bundle", "objects": [' >feeds/broken.json && chmod -R go-w feeds
OPTS="-o rules_file=$TEST_DATA/test.rules -o feeds_dir=$TRASH/feeds -o fault_inject_header=X-Test-Fail -o clamav=no"

test_expect_success 'start the milter with log_format = json behind Postfix; send a plain and a failing message' '
	milter_postfix_start $OPTS -o log_format=json &&
	msg plain && postfix_send "$PF" plain >out &&
	postfix_wait_delivered "$PF" 1 &&
	msg fails "X-Test-Fail: yes" &&
	test_must_fail postfix_send "$PF" fails >out 2>&1 &&
	test_grep "451 4.7.1" out &&
	wait_for grep -q "fails@example.org" "$MILTER_LOG" &&
	kill -USR2 $MILTER_PID && wait_for grep -q "stats: messages=2" "$MILTER_LOG" &&
	milter_stop && cp "$MILTER_LOG" json.log
'

# check_json LOG PID: every line one object with exactly the documented fields
cat >check-json.py <<'EOF'
import json, re, sys
log, pid = sys.argv[1], int(sys.argv[2])
lines = open(log, encoding="utf-8").read().splitlines()
assert len(lines) >= 5, "only %d lines" % len(lines)
for n, line in enumerate(lines, 1):
    try:
        o = json.loads(line)
    except ValueError as e:
        sys.exit("line %d is not JSON (%s): %s" % (n, e, line))
    if list(o) != ["time", "level", "program", "pid", "message"]:
        sys.exit("line %d: fields %s, expected time, level, program, pid, message" % (n, list(o)))
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o["time"]):
        sys.exit("line %d: time %r is not ISO 8601 UTC with milliseconds" % (n, o["time"]))
    if o["level"] not in ("err", "warning", "info", "debug") or o["program"] != "lurewatch-milter" \
            or o["pid"] != pid:
        sys.exit("line %d: level %r, program %r, pid %r (expected pid %d)" % (n, o["level"], o["program"], o["pid"], pid))
    print("%s %s" % (o["level"], o["message"]))
EOF

test_expect_success 'every line is one JSON object: time, level, program, pid, message' '
	pid=$(sed -n "1s/.*\"pid\":\([0-9]*\).*/\1/p" json.log) && test -n "$pid" &&
	"$PYTHON" check-json.py json.log "$pid" >levels
'

test_expect_success 'a verdict is info, a failed scan err, a feed loaded around warning, start and counters info' '
	test_grep "^info started: socket inet:$MPORT@127.0.0.1" levels &&
	test_grep "^info [0-9A-Z]*: msgid=<plain@example.org> .*verdict=accept" levels &&
	test_grep "^err [0-9A-Z]*: msgid=<fails@example.org> .*verdict=failure-tempfail .*error=fault injected" levels &&
	test_grep "^warning engine: feed broken not loaded \\(.*broken.json:1:" levels &&
	test_grep "^info stats: messages=2 " levels
'

test_expect_success 'log_format = text (the default) keeps the plain lines' '
	milter_start text $OPTS -p inet:$MPORT@127.0.0.1 &&
	msg plain2 && postfix_send "$PF" plain2 >out &&
	wait_for grep -q "plain2@example.org" "$MILTER_LOG" &&
	milter_stop &&
	test_grep "^lurewatch-milter: warning: engine: feed broken not loaded" text.log &&
	test_grep "^lurewatch-milter: [0-9A-Z]*: msgid=<plain2@example.org> .*verdict=accept" text.log &&
	test_grep -v "^{" text.log
'

test_expect_success 'under systemd (JOURNAL_STREAM names standard error) each line starts with its priority for the journal' '
	: >journal.log &&
	JOURNAL_STREAM=$(stat -c %d:%i journal.log) && export JOURNAL_STREAM &&
	milter_start journal $OPTS -p inet:$MPORT@127.0.0.1 &&
	unset JOURNAL_STREAM &&
	msg fails2 "X-Test-Fail: yes" &&
	test_must_fail postfix_send "$PF" fails2 >out 2>&1 &&
	wait_for grep -q "fails2@example.org" "$MILTER_LOG" &&
	milter_stop &&
	test_grep "^<6>lurewatch-milter: started:" journal.log &&
	test_grep "^<4>lurewatch-milter: warning: engine: feed broken not loaded" journal.log &&
	test_grep "^<3>lurewatch-milter: error: [0-9A-Z]*: msgid=<fails2@example.org> .*verdict=failure" journal.log &&
	test_grep -v "^lurewatch-milter" journal.log
'

# syslog-run.sh DIR ARGS...: in a mount namespace of its own (unshare -m), a
# private /dev whose /dev/log is a socket python reads into DIR/syslog.out;
# the milter starts as a daemon there with ARGS, logs "started", and is
# stopped with SIGTERM (its pid from its own syslog line).
cat >syslog-listen.py <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
with open(sys.argv[1], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b"\n")
EOF
cat >syslog-run.sh <<'EOF'
dir=$1; shift
until_logged() {
	i=0
	while ! grep -q "$1" "$dir/syslog.out" 2>/dev/null && [ $i -lt $((LW_TEST_WAIT * 10)) ]; do sleep 0.1; i=$((i + 1)); done
}
mount --make-rprivate / && : >"$dir/null" && mount --bind /dev/null "$dir/null" &&
mount -t tmpfs lw-dev /dev && : >/dev/null && mount --bind "$dir/null" /dev/null || exit 1
"$PYTHON" "$dir/syslog-listen.py" "$dir/syslog.out" &
listener=$!
i=0; while [ ! -S /dev/log ] && [ $i -lt $((LW_TEST_WAIT * 10)) ]; do sleep 0.1; i=$((i + 1)); done
"$LW_MILTER" "$@"; rc=$?
until_logged "started:"
pid=$(sed -n 's/.*lurewatch-milter\[\([0-9]*\)\]: started:.*/\1/p' "$dir/syslog.out")
[ -n "$pid" ] && kill "$pid" && until_logged "stopped"
kill $listener
exit $rc
EOF

test_expect_success ROOT 'log_target = syslog: each line reaches /dev/log with facility log_facility and its priority' '
	port=$(free_port) &&
	unshare -m sh syslog-run.sh "$TRASH" $OPTS -o quarantine_dir="$TRASH/quarantine" \
		-p inet:$port@127.0.0.1 -o log_facility=local3 &&
	test_grep "^<158>.* lurewatch-milter\[[0-9]*\]: started: socket inet:$port@127.0.0.1" syslog.out &&
	test_grep "^<156>.* lurewatch-milter\[[0-9]*\]: warning: engine: feed broken not loaded" syslog.out &&
	test_grep "^<158>.* lurewatch-milter\[[0-9]*\]: stopped" syslog.out
'

test_expect_success 'an unknown facility or format is refused with the choices' '
	"$LW_MILTER" -t $OPTS -o log_facility=kern 2>err; test $? = 78 &&
	test_grep "log_facility: \"kern\" is not one of: mail, daemon, user, local0" err &&
	"$LW_MILTER" -t $OPTS -o log_format=xml 2>err; test $? = 78 &&
	test_grep "log_format: \"xml\" is not one of: text, json" err
'

test_done
