# lib-review.sh - drive lurewatch-review and its digest links in the t6xxx tests
#
# Source after test-lib.sh and lib-milter.sh (milter_postfix_init sets PF).
#
#   review_setup [KEY=VALUE]... a rules file (QUARANTINE-ME holds a message), a
#                               private key (KEY) and a configuration (CONF) for
#                               relay-test: quarantine_dir Q, report_to
#                               secteam@agency.test, the service on BASE; more keys
#   review_start NAME ARGS...   the service in the background, logging to NAME.log
#   review_stop                 stop it (SIGTERM) and wait
#   report ARGS...              lurewatch-report -c $CONF ARGS
#   msg FILE TO SUBJECT BODY [FROM]   a message (from helpdesk@it-support.example.com)
#   send_held FILE TO           submit it, wait for the hold queue and the record; its queue id
#   digest_parts ADDR           the last digest to ADDR: ADDR.txt and ADDR.html
#   links FILE                  the service's links in FILE: "ACTION QUEUEID URL" lines
#   mint KEY ACTION QID REVIEWER EXPIRES [RELAY]   a token signed with KEY
#   csrf_of PAGE                the CSRF value of the form in PAGE
#   http METHOD URL [DATA]      the body into "page", the status printed (CA: --cacert)
#   confirm_link URL            GET the link's confirmation page, then POST its form: the status
#   still_held QUEUEID          in the hold queue and undecided
#   decision_of QUEUEID         the decision recorded (or "null")

: "${LW_REPORT:=$top_builddir/review/lurewatch-report}"
: "${LW_REVIEW:=$top_builddir/review/service/lurewatch-review}"

review_setup() {
	Q=$TRASH/quarantine
	RPORT=$(free_port)
	BASE=http://127.0.0.1:$RPORT
	CONF=$TRASH/lurewatch.conf
	KEY=$TRASH/review.key
	echo "T_QUARANTINE  body     12  evasion  /QUARANTINE-ME/      test string: quarantine" >"$TRASH/rules" &&
	cat >"$CONF" <<-EOF_CONF &&
	rules_file = $TRASH/rules
	quarantine_dir = $Q
	instance_name = relay-test
	report_to = secteam@agency.test
	report_from = lurewatch@relay.lurewatch.test
	report_sendmail = /usr/sbin/sendmail -C $PF/etc -t -i
	postfix_config_dir = $PF/etc
	review_listen = 127.0.0.1:$RPORT
	review_base_url = $BASE/
	review_key_file = $KEY
	review_state_dir = $TRASH/review-state
	EOF_CONF
	for kv in "$@"; do echo "$kv" | sed 's/=/ = /'; done >>"$CONF" &&
	chmod 644 "$CONF" "$TRASH/rules" &&
	head -c 32 /dev/urandom >"$KEY" && chmod 600 "$KEY"
}

report() { "$LW_REPORT" -c "$CONF" "$@"; }

REVIEW_PID=
REVIEW_LOG=
review_start() { # review_start NAME ARGS...: the service in the background, logging to NAME.log
	REVIEW_LOG=$TRASH/$1.log; shift
	"$LW_REVIEW" -f -c "$CONF" "$@" >"$REVIEW_LOG" 2>&1 &
	REVIEW_PID=$!
	wait_started "$REVIEW_PID" grep -q "listening on" "$REVIEW_LOG"
}
review_stop() {
	[ -n "$REVIEW_PID" ] || return 0
	kill -TERM "$REVIEW_PID" 2>/dev/null; wait "$REVIEW_PID"; REVIEW_PID=
}

msg() { # msg FILE TO SUBJECT BODY [FROM]
	printf 'From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s@example.org>\nDate: Wed, 25 Nov 2026 09:30:00 +0800\n\n%s\n' \
		"${5:-IT Helpdesk <helpdesk@it-support.example.com>}" "$2" "$3" "$1" "$4" >"$1"
}

send_held() { # send_held FILE TO: submit, wait for the hold queue and the record, print the queue id
	postfix_send "$PF" "$1" sender@example.org "$2" >"$1.smtp" &&
	id=$(sed -n "s/.*Ok: queued as \([0-9A-F]*\).*/\1/p" "$1.smtp") && test -n "$id" &&
	wait_for test -f "$PF/queue/hold/$id" && wait_for test -f "$Q/records/$id.json" && echo "$id"
}

# the last digest delivered to ADDR, its text and HTML parts into ADDR.txt and ADDR.html
digest_parts() {
	f=$(grep -l "^X-Lurewatch-Report: digest" $(postfix_delivered "$PF") 2>/dev/null |
		xargs -r grep -l "^To: $1" | tail -1) && test -n "$f" &&
	"$PYTHON" - "$f" "$1" <<-'EOF_PY'
	import email, email.policy, sys
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
	open(sys.argv[2] + ".txt", "w").write(m.get_body(preferencelist=("plain",)).get_content())
	open(sys.argv[2] + ".html", "w").write(m.get_body(preferencelist=("html",)).get_content())
	EOF_PY
}

# links FILE: every link of the service in FILE, one per line as "ACTION QUEUEID URL"
# (the token's payload is readable; only its signature is secret)
links() {
	grep -o -E "$BASE/[ar]\?t=[A-Za-z0-9_.-]+" "$1" | sort -u | "$PYTHON" -c '
import base64, sys
for url in sys.stdin.read().split():
    p = url.split("t=", 1)[1].split(".")[0]
    f = base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode().split("\n")
    print(f[1], f[3], url)'
}

# mint KEYFILE ACTION QUEUEID REVIEWER EXPIRES [RELAY]: a token signed with the service's key (as a forger with the key would)
mint() {
	"$PYTHON" - "$@" <<-'EOF_PY'
	import base64, hashlib, hmac, sys
	key = open(sys.argv[1], "rb").read()
	action, qid, reviewer, expires = sys.argv[2:6]
	relay = sys.argv[6] if len(sys.argv) > 6 else "relay-test"
	payload = "\n".join(["lw1", action, relay, qid, reviewer, expires]).encode()
	mac = hmac.new(key, b"token\n" + payload, hashlib.sha256).digest()
	b = lambda x: base64.urlsafe_b64encode(x).decode().rstrip("=")
	print(b(payload) + "." + b(mac))
	EOF_PY
}

# csrf_of PAGE: the CSRF value of the form in PAGE
csrf_of() { sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$1" | head -1; }

# http METHOD URL [DATA]: body into "page", status printed (CA: the CA file for https)
http() {
	if test "$1" = POST; then
		curl -s ${CA:+--cacert "$CA"} -o page -w "%{http_code}" -X POST --data "$3" "$2"
	else
		curl -s ${CA:+--cacert "$CA"} -o page -w "%{http_code}" "$2"
	fi
}

confirm_link() { # confirm_link URL: the confirmation page, then its form posted (t and csrf in the body)
	http GET "$1" >/dev/null &&
	http POST "$BASE/a" "t=$(sed -n 's/.*name="t" value="\([^"]*\)".*/\1/p' page | head -1)&csrf=$(csrf_of page)"
}

still_held() { test -f "$PF/queue/hold/$1" && test "$(decision_of "$1")" = null; }
decision_of() { "$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["decision"] or "null")' "$Q/records/$1.json"; }

