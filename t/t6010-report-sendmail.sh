#!/bin/sh
test_description='mta = sendmail: release and delete act on Sendmail'\''s quarantine, through lurewatch-report and lurewatch-review'
. "$(dirname "$0")/test-lib.sh"

# Debian's sendmail and postfix packages exclude each other, so Sendmail
# itself is not run: a stand-in at sendmail_program records its arguments
# and does what Sendmail 8.13+ does for "sendmail -v -qQ -Q -qIID" (op.me,
# "Quarantined Queue Items"; queue.c, quarantine_queue): every quarantined
# envelope whose id contains ID gets its hf control file renamed to qf, and
# with -v it says so and counts the changes.
test_have_prereq PYTHON || test_skip_all "python3 is not installed"
command -v curl >/dev/null || test_skip_all "curl is not installed"
: "${LW_REPORT:=$top_builddir/review/lurewatch-report}"
: "${LW_REVIEW:=$top_builddir/review/service/lurewatch-review}"

Q=$TRASH/quarantine
MQ=$TRASH/mqueue
RPORT=$(free_port)
BASE=http://127.0.0.1:$RPORT
CONF=$TRASH/lurewatch.conf
cat >"$CONF" <<EOF_CONF
mta = sendmail
sendmail_program = $TRASH/bin/sendmail
sendmail_queue_dir = $MQ
postfix_command_dir = $TRASH/bin
quarantine_dir = $Q
instance_name = relay-test
report_to = secteam@agency.test
review_listen = 127.0.0.1:$RPORT
review_base_url = $BASE/
review_key_file = $TRASH/review.key
review_state_dir = $TRASH/review-state
EOF_CONF
head -c 32 /dev/urandom >review.key && chmod 600 review.key
mkdir -p bin "$MQ/qf" "$MQ/df" "$MQ/xf"

cat >bin/sendmail <<EOF_SM
#!/bin/sh
echo "sendmail \$*" >>"$TRASH/commands"
test "\$1 \$2 \$3" = "-v -qQ -Q" || { echo "stand-in: unexpected arguments: \$*" >&2; exit 64; }
id=\${4#-qI} n=0
echo "Processing $MQ/qf:"
for hf in "$MQ"/qf/hf*"\$id"*; do
	test -f "\$hf" || continue
	q=\${hf##*/hf}
	echo "\$q: Removed quarantine of \"\$(sed -n 's/^q//p' "\$hf")\""
	mv "\$hf" "$MQ/qf/qf\$q" && n=\$((n + 1))
done
if test \$n = 0; then echo "No changes"; elif test \$n = 1; then echo "1 change"; else echo "\$n changes"; fi
EOF_SM
for cmd in postsuper postqueue postcat; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/commands"\n' $cmd "$TRASH" >bin/$cmd
done
chmod 755 bin/*

report() { "$LW_REPORT" -c "$CONF" "$@"; }

# quarantined ID: an envelope as smfi_quarantine leaves it (hf, df, xf) and the milter's record of it
quarantined() {
	printf 'V8\nT%s\nqlurewatch score 9.0 ref %s\nSsender@example.org\nRPFD:bob@agency.test\nH?P?Return-Path: <$g>\nH??Received: from mx.example.org\n\tby relay.agency.test\nH??Subject: verify your mailbox\n.\n' \
		"$(date +%s)" "$1" >"$MQ/qf/hf$1" &&
	echo "sign in now" >"$MQ/df/df$1" && : >"$MQ/xf/xf$1" &&
	mkdir -p "$Q/records" && chmod 750 "$Q" "$Q/records" &&
	printf '{"version": 1, "queue_id": "%s", "held_at_us": %s000000, "instance": "relay-test", "sender": "sender@example.org", "from": "helpdesk@it-support.example.com", "recipients": ["bob@agency.test"], "subject": "verify your mailbox", "score": 9.0, "why": "", "hits": [], "indicators": [], "decision": null}\n' \
		"$1" "$(date +%s)" >"$Q/records/$1.json"
}
decision_of() { "$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["decision"] or "null")' "$Q/records/$1.json"; }
no_commands() { test ! -s commands || { echo "commands were run:" >&2; cat commands >&2; return 1; }; }

# Sendmail 8.12+ ids: 8 base-60 characters (year, month, day, hour, minute, second, envelope) and the pid "%06d"
ID1=wB5Fv3Zt012345
ID2=wB5Fv3Zu012345
ID3=wB5Fv40a1234567

test_expect_success 'release runs sendmail -v -qQ -Q -qIID: the envelope leaves the quarantine and the release is recorded' '
	quarantined $ID1 && : >commands &&
	report release $ID1 >out 2>err &&
	test_grep "^$ID1: released by " out &&
	echo "sendmail -v -qQ -Q -qI$ID1" >expect && test_cmp expect commands &&
	test -f "$MQ/qf/qf$ID1" && test ! -f "$MQ/qf/hf$ID1" &&
	test_is = released "$(decision_of $ID1)" "decision_of $ID1"
'

test_expect_success 'an envelope no longer quarantined is not released: Sendmail said "No changes"' '
	: >commands &&
	test_exit_in 1 report release $ID1 >out 2>err &&
	test_grep "$ID1: not released: not in Sendmail.s quarantine" err &&
	test_grep -v "released by" out
'

test_expect_success 'delete removes the hf, df and xf files and runs no command; other envelopes stay' '
	quarantined $ID2 && quarantined $ID3 && : >commands &&
	report delete $ID2 >out 2>err &&
	test_grep "^$ID2: deleted by " out &&
	no_commands &&
	test ! -e "$MQ/qf/hf$ID2" && test ! -e "$MQ/df/df$ID2" && test ! -e "$MQ/xf/xf$ID2" &&
	test -f "$MQ/qf/hf$ID3" && test -f "$MQ/df/df$ID3" && test -f "$MQ/qf/qf$ID1" &&
	test_is = deleted "$(decision_of $ID2)" "decision_of $ID2"
'

test_expect_success 'delete leaves an envelope Sendmail holds locked alone, and says it is busy' '
	flock "$MQ/qf/hf$ID3" "$LW_REPORT" -c "$CONF" delete $ID3 >out 2>err; rc=$? &&
	test $rc = 1 &&
	test_grep "$ID3: not deleted: Sendmail is working on it" err &&
	test -f "$MQ/qf/hf$ID3" && test -f "$MQ/df/df$ID3" &&
	test_is = null "$(decision_of $ID3)" "decision_of $ID3"
'

test_expect_success 'delete of an envelope that is not quarantined fails and removes nothing' '
	test_exit_in 1 report delete $ID1 >out 2>err &&
	test_grep "$ID1: not deleted: not in Sendmail.s quarantine" err &&
	test -f "$MQ/qf/qf$ID1"
'

test_expect_success 'with the files in the queue directory itself (no qf/, df/, xf/ subdirectories) delete finds them' '
	flat=$TRASH/flat && mkdir -p "$flat" &&
	echo hf >"$flat/hf$ID1" && echo df >"$flat/df$ID1" && echo qf >"$flat/qf$ID2" &&
	report -o sendmail_queue_dir="$flat" delete $ID1 >out 2>err &&
	test ! -e "$flat/hf$ID1" && test ! -e "$flat/df$ID1" && test -f "$flat/qf$ID2"
'

test_expect_success 'the digest attaches a held envelope as Sendmail keeps it: hf'\''s header fields, df'\''s body' '
	report -o report_attach_original=yes digest --stdout >attached.eml &&
	"$PYTHON" - attached.eml $ID3 <<-'EOF_PY'
	import email, email.policy, sys
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
	held = [p.get_payload(0) for p in m.walk() if p.get_content_type() == "message/rfc822"]
	assert len(held) == 1, "attached: %d messages" % len(held)
	h = held[0]
	assert str(h["Subject"]) == "verify your mailbox", h.as_string()
	assert " ".join(h["Received"].split()) == "from mx.example.org by relay.agency.test", h["Received"]
	assert "$g" in str(h["Return-Path"]), h["Return-Path"]
	assert h.get_content().strip() == "sign in now", h.get_content()
	EOF_PY
'

test_expect_success 'a digest marks an old entry whose envelope left the quarantine by other means "gone", and keeps listing one still there' '
	ID5=wB5Fv41c012345 ID6=wB5Fv41d012345 old=$(( $(date +%s) - 30 * 86400 )) &&
	mkdir -p "$Q/reported" &&
	for id in $ID5 $ID6; do
		quarantined $id && sed -i "s/\"held_at_us\": [0-9]*/\"held_at_us\": ${old}000000/" "$Q/records/$id.json" &&
		echo "${old}000000" >"$Q/reported/$id" || return 1
	done &&
	rm "$MQ/qf/hf$ID5" "$MQ/df/df$ID5" &&
	printf "#!/bin/sh\ncat >>\"%s/sent\"\n" "$TRASH" >bin/mailsink && chmod 755 bin/mailsink &&
	report -o report_sendmail="$TRASH/bin/mailsink" digest >out 2>err &&
	test_is = gone "$(decision_of $ID5)" "decision_of $ID5" && test_is = null "$(decision_of $ID6)" "decision_of $ID6" &&
	"$PYTHON" -c "import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], \"rb\"), policy=email.policy.default)
t = m.get_body(preferencelist=(\"plain\",)).get_content()
sys.exit(not (sys.argv[2] in t and sys.argv[3] not in t))" sent $ID6 $ID5
'

test_expect_success 'an argument that is not a Sendmail queue id is refused with 64 before anything runs' '
	: >commands &&
	for bad in ALL -qQ "" wB5Fv3Zt01234 wB5Fv3Zt01234x "wB5Fv3Zt012345 x" ../qf/hf$ID3 wC5Fv3Zt012345 3F9A21B0C4; do
		test_exit_in 64 report release "$bad" 2>err &&
		test_exit_in 64 report delete "$bad" 2>>err || return 1
	done &&
	no_commands &&
	test -f "$MQ/qf/hf$ID3" &&
	test_grep "\"3F9A21B0C4\" is not a queue id of mta = sendmail; nothing done" err
'

test_expect_success 'with mta = postfix a Sendmail id is refused the same way and postsuper is not run' '
	: >commands &&
	test_exit_in 64 report -o mta=postfix release $ID3 2>err &&
	test_grep "is not a queue id of mta = postfix" err &&
	no_commands
'

# With -u the service serves as that user and a root helper it forked runs
# the release (review/service/privsep.c): the store belongs to the user, as
# the milter leaves it. The queue directory is root's: only the helper can
# move the envelope out of quarantine.
test_expect_success ROOT 'lurewatch-review -u nobody releases through the same path: its helper runs the same sendmail command' '
	ID4=wB5Fv41b012345 && quarantined $ID4 && : >commands &&
	chmod 644 "$CONF" && chown -R nobody "$Q" &&
	{ "$LW_REVIEW" -f -c "$CONF" -u nobody >review.log 2>&1 & } && pid=$! &&
	test_at_exit "kill $pid 2>/dev/null" &&
	wait_started $pid grep -q "listening on" review.log &&
	test_grep "listening on .* as nobody" review.log &&
	report digest --stdout >digest.eml &&
	url=$("$PYTHON" - digest.eml "$BASE" $ID4 <<-'EOF_PY'
	import base64, email, email.policy, re, sys
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
	text = m.get_body(preferencelist=("plain",)).get_content()
	for url in re.findall(re.escape(sys.argv[2]) + r"/a\?t=[A-Za-z0-9_.-]+", text):
	    p = url.split("t=", 1)[1].split(".")[0]
	    f = base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode().split("\n")
	    if f[1] == "release" and f[3] == sys.argv[3]:
	        print(url)
	        break
	EOF_PY
	) && test -n "$url" &&
	curl -s -o page "$url" &&
	csrf=$(sed -n "s/.*name=\"csrf\" value=\"\([0-9a-f]*\)\".*/\1/p" page | head -1) && test -n "$csrf" &&
	test_is = 200 "$(curl -s -o page -w "%{http_code}" -X POST --data "t=${url#*t=}&csrf=$csrf" "$BASE/a")" "curl -s -o page -w %{http_code} -X POST --data t=${url#*t=}&csrf=$csrf $BASE/a" &&
	test_grep "$ID4: released by secteam@agency.test" page &&
	echo "sendmail -v -qQ -Q -qI$ID4" >expect && test_cmp expect commands &&
	test -f "$MQ/qf/qf$ID4" && test_is = released "$(decision_of $ID4)" "decision_of $ID4"
'

test_done
