#!/bin/sh
test_description='Block sender and Not phishing through the review service: the MTA, the block list, the hits stream, the exports'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"
. "$top_srcdir/t/lib-redis.sh"
. "$top_srcdir/t/lib-review.sh"

milter_postfix_init
test_have_prereq PYTHON || test_skip_all "python3 is not installed"
test_have_prereq REDIS || test_skip_all "redis-server is not installed"
command -v curl >/dev/null || test_skip_all "curl is not installed"

BLOCKED=$TRASH/feeds/review-blocked.txt
mkdir feeds
redis_start srv || test_skip_all "redis-server did not start"
review_setup redis_server=127.0.0.1:$(redis_port srv) spool_dir=$TRASH/spool feeds_dir=$TRASH/feeds \
	review_block_file=$BLOCKED export_dir=$TRASH/export "export_org_name=Agency Test"
test_at_exit review_stop

# entry_of TYPE QUEUEID: the hits stream's TYPE entry for QUEUEID as "field=value" lines
entry_of() {
	redis_cli srv xrange lw:hits - + | "$PYTHON" -c '
import re, sys
lines, out = sys.stdin.read().split("\n"), []
e = {}
for l in lines:
    if re.fullmatch(r"[0-9]+-[0-9]+", l):
        e = {}; out.append(e); k = None
    elif out:
        if k is None: k = l
        else: e[k] = l; k = None
for e in out:
    if e.get("type", "hit") == sys.argv[1] and e.get("queue_id") == sys.argv[2]:
        print("\n".join("%s=%s" % kv for kv in sorted(e.items()))); sys.exit(0)
sys.exit(1)' "$1" "$2"
}

# exported DOMAIN: the domain is in the CSV export
exported() { grep -q ",$1," "$TRASH/export/lurewatch-iocs.csv"; }

test_expect_success 'three held messages, each with its own sender and link, are in the export' '
	review_start review &&
	milter_postfix_start -c "$CONF" &&
	msg block1 bob@a.gov.tw "mailbox full" "QUARANTINE-ME https://block-me.example.net/login" \
		"Mail Admin <admin@block-me.example.net>" &&
	BID=$(send_held block1 bob@a.gov.tw) &&
	msg notphish1 carol@a.gov.tw "board minutes" "QUARANTINE-ME https://not-phish.example.org/minutes" \
		"Board Office <office@not-phish.example.org>" &&
	NID=$(send_held notphish1 carol@a.gov.tw) &&
	msg release1 dave@a.gov.tw "travel" "QUARANTINE-ME https://released.example.org/trip" \
		"Travel Desk <desk@released.example.org>" &&
	RID=$(send_held release1 dave@a.gov.tw) &&
	wait_for entry_of hit "$RID" &&
	"$LW_IOC" export -c "$CONF" >out &&
	for d in block-me.example.net not-phish.example.org released.example.org; do
		exported $d || { echo "expected $d in the first export:"; cat export/lurewatch-iocs.csv; return 1; }
	done &&
	report digest >out && wait_for digest_parts secteam@agency.test &&
	links secteam@agency.test.txt >links &&
	BLOCK=$(sed -n "s/^block $BID //p" links) && NOTPHISH=$(sed -n "s/^notphish $NID //p" links) &&
	RELEASE=$(sed -n "s/^release $RID //p" links) &&
	test -n "$BLOCK" && test -n "$NOTPHISH" && test -n "$RELEASE"
'

test_expect_success 'opening Block sender shows a confirmation, and blocks nothing' '
	test_is = 200 "$(http GET "$BLOCK")" "http GET $BLOCK" && test_grep "$BID" page &&
	still_held "$BID" && test ! -s "$BLOCKED"
'

test_expect_success 'confirming Block sender deletes the message and puts its From address on the block list' '
	n=$(postfix_delivered "$PF" | wc -l) &&
	test_is = 200 "$(confirm_link "$BLOCK")" "confirm_link $BLOCK" &&
	test_grep "$BID: blocked by secteam@agency.test" page &&
	test ! -f "$PF/queue/hold/$BID" && test_is = blocked "$(decision_of "$BID")" "decision_of $BID" &&
	echo admin@block-me.example.net >expect && test_cmp expect "$BLOCKED" &&
	postfix_delivered_is "$PF" "$n"
'

test_expect_success 'the block list is a feed: the next message from that sender is an IOC_EMAIL hit' '
	msg again "x@a.gov.tw" "hello" "no test string here" "Mail Admin <admin@block-me.example.net>" &&
	"$LW_SCAN" -c "$CONF" --json again >scan.json &&
	"$PYTHON" -c "import json,sys; r=[h[\"rule\"] for h in json.load(open(\"scan.json\"))[\"hits\"]]; print(r); sys.exit(\"IOC_EMAIL\" not in r)"
'

test_expect_success 'Block sender is a confirmation on the hits stream' '
	wait_for entry_of confirm "$BID" &&
	entry_of confirm "$BID" >entry &&
	test_grep "^decision=blocked$" entry && test_grep "^confirmed_by=secteam@agency.test$" entry &&
	test_grep "^instance=relay-test$" entry && test_grep "^message_id=block1@example.org$" entry
'

test_expect_success 'confirming Not phishing delivers the message and records it as a false positive' '
	n=$(postfix_delivered "$PF" | wc -l) &&
	test_is = 200 "$(confirm_link "$NOTPHISH")" "confirm_link $NOTPHISH" &&
	test_grep "$NID: not-phishing by secteam@agency.test" page &&
	postfix_wait_delivered "$PF" $((n + 1)) &&
	grep -l "^Message-ID: <notphish1@example.org>" $(postfix_delivered "$PF") >/dev/null &&
	test_is = not-phishing "$(decision_of "$NID")" "decision_of $NID" &&
	test -f "$Q/false-positives/$NID.json" &&
	wait_for entry_of release "$NID" && entry_of release "$NID" >entry &&
	test_grep "^released_by=secteam@agency.test$" entry &&
	! grep -q not-phish "$BLOCKED"
'

test_expect_success 'confirming Release is a false positive on the hits stream too' '
	test_is = 200 "$(confirm_link "$RELEASE")" "confirm_link $RELEASE" &&
	test_grep "$RID: released by secteam@agency.test" page &&
	wait_for entry_of release "$RID"
'

test_expect_success 'the next export retracts what was released or not phishing, and keeps what was blocked' '
	"$LW_IOC" export -c "$CONF" >out &&
	exported block-me.example.net &&
	! exported not-phish.example.org && ! exported released.example.org
'

test_done
