#!/bin/sh
test_description='the review service through a real Postfix: signed digest links, confirmation, POST, single use'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"
. "$top_srcdir/t/lib-review.sh"

milter_postfix_init
test_have_prereq PYTHON || test_skip_all "python3 is not installed"
command -v curl >/dev/null || test_skip_all "curl is not installed"

review_setup report_domain_reviewers=b.gov.tw:rev-b@b.gov.tw
test_at_exit review_stop

test_expect_success 'the service refuses a key file its group may read, and starts on a private one' '
	chmod 640 "$KEY" &&
	{ "$LW_REVIEW" -c "$CONF" -t 2>err; test $? = 78; } &&
	test_grep "only its owner can read" err &&
	chmod 600 "$KEY" &&
	"$LW_REVIEW" -c "$CONF" -t >out && test_grep "configuration OK" out &&
	review_start review
'

test_expect_success 'start the milter and a private Postfix using it' '
	milter_postfix_start -c "$CONF"
'

test_expect_success 'a held message: the digest carries its signed links in both parts' '
	msg held1 bob@a.gov.tw "verify your mailbox" "QUARANTINE-ME sign in now" &&
	ID1=$(send_held held1 bob@a.gov.tw) &&
	msg held2 carol@a.gov.tw "invoice" "QUARANTINE-ME invoice" &&
	ID2=$(send_held held2 carol@a.gov.tw) &&
	report digest >out && test_grep "^digest to secteam@agency.test: 2 new" out &&
	wait_for digest_parts secteam@agency.test &&
	links secteam@agency.test.txt >text-links && links secteam@agency.test.html >html-links &&
	for a in release delete block notphish; do
		test_grep "^$a $ID1 " text-links && test_grep "^$a $ID1 " html-links || return 1
	done &&
	test_grep "^review - " text-links &&
	RELEASE=$(sed -n "s/^release $ID1 //p" text-links) &&
	VIEW=$(sed -n "s/^review - //p" text-links | head -1) &&
	test -n "$RELEASE" && test -n "$VIEW"
'

test_expect_success 'opening the Release link (a GET, as a link scanner would) only shows a confirmation' '
	test_is = 200 "$(http GET "$RELEASE")" "http GET $RELEASE" &&
	test_grep "$ID1" page && test_grep "verify your mailbox" page &&
	test_grep "<form method=\"post\" action=\"a\">" page &&
	test -n "$(csrf_of page)" &&
	curl -s -I "$RELEASE" >/dev/null &&
	still_held "$ID1"
'

test_expect_success 'the confirmation page keeps the token out of its form URL and out of referrers and caches' '
	curl -s -D headers -o page "$RELEASE" &&
	test_grep "^Referrer-Policy: no-referrer" headers &&
	test_grep "^Cache-Control: no-store" headers &&
	test_grep "<meta name=\"referrer\" content=\"no-referrer\">" page &&
	test_grep "<input type=\"hidden\" name=\"t\" value=\"${RELEASE#*t=}\">" page &&
	! grep -E "<form[^>]*action=\"[^\"]*\?" page
'

test_expect_success 'a POST without the confirmation page CSRF value, or with a wrong one, changes nothing' '
	T=${RELEASE#*t=} &&
	test_is = 403 "$(http POST "$BASE/a" "t=$T")" "http POST $BASE/a t=$T" &&
	test_is = 403 "$(http POST "$BASE/a" "t=$T&csrf=00")" "http POST $BASE/a t=$T&csrf=00" &&
	test_grep "did not come from the confirmation page" page &&
	still_held "$ID1"
'

test_expect_success 'a forged token (one character changed) and a token signed with another key change nothing' '
	T=${RELEASE#*t=} &&
	F=$(echo "$T" | sed "s/^\(.....\)./\1A/") && test "$F" != "$T" || F=$(echo "$T" | sed "s/^\(.....\)./\1B/") &&
	test_is = 403 "$(http GET "$BASE/a?t=$F")" "http GET $BASE/a?t=$F" &&
	test_is = 403 "$(http POST "$BASE/a" "t=$F&csrf=$(csrf_of page)")" "http POST $BASE/a t=$F&csrf=..." &&
	head -c 32 /dev/urandom >other.key &&
	O=$(mint other.key release "$ID1" secteam@agency.test $(( $(date +%s) + 3600 ))) &&
	test_is = 403 "$(http GET "$BASE/a?t=$O")" "http GET $BASE/a?t=$O" && test_grep "signature is wrong" page &&
	still_held "$ID1"
'

test_expect_success 'an expired token and one for another relay change nothing' '
	E=$(mint "$KEY" release "$ID1" secteam@agency.test $(( $(date +%s) - 1 ))) &&
	test_is = 403 "$(http GET "$BASE/a?t=$E")" "http GET $BASE/a?t=$E" && test_grep "expired" page &&
	R=$(mint "$KEY" release "$ID1" secteam@agency.test $(( $(date +%s) + 3600 )) relay-other) &&
	test_is = 403 "$(http GET "$BASE/a?t=$R")" "http GET $BASE/a?t=$R" && test_grep "relay relay-other" page &&
	still_held "$ID1"
'

test_expect_success 'confirming with the page CSRF value releases the message: it reaches the sink' '
	n=$(postfix_delivered "$PF" | wc -l) &&
	http GET "$RELEASE" >/dev/null && C=$(csrf_of page) &&
	test_is = 200 "$(http POST "$BASE/a" "t=${RELEASE#*t=}&csrf=$C")" "http POST $BASE/a t=${RELEASE#*t=}&csrf=$C" &&
	test_grep "$ID1: released by secteam@agency.test" page &&
	postfix_wait_delivered "$PF" $((n + 1)) &&
	f=$(grep -l "^Message-ID: <held1@example.org>" $(postfix_delivered "$PF")) && test -n "$f" &&
	test_grep "^Delivered-To: bob@a.gov.tw" "$f" &&
	test_is = released "$(decision_of "$ID1")" "decision_of $ID1" &&
	test_grep "$ID1: released by secteam@agency.test \(signed link\)" "$REVIEW_LOG"
'

test_expect_success 'the used link is refused on GET and on POST, and nothing is done twice' '
	test_is = 410 "$(http GET "$RELEASE")" "http GET $RELEASE" && test_grep "used already" page &&
	test_is = 410 "$(http POST "$BASE/a" "t=${RELEASE#*t=}&csrf=$C")" "http POST $BASE/a t=${RELEASE#*t=}&csrf=$C" &&
	test_grep_count = 1 "$ID1: released" "$REVIEW_LOG"
'

test_expect_success 'another valid link for a decided message says so and acts on nothing' '
	DEL=$(sed -n "s/^delete $ID1 //p" text-links) &&
	http GET "$DEL" >/dev/null && C=$(csrf_of page) &&
	test_is = 409 "$(http POST "$BASE/a" "t=${DEL#*t=}&csrf=$C")" "http POST $BASE/a t=${DEL#*t=}&csrf=$C" &&
	test_grep "already released by secteam@agency.test" page &&
	test_is = released "$(decision_of "$ID1")" "decision_of $ID1"
'

test_expect_success 'the review page lists the held message, links its preview, and shows the audit trail' '
	test_is = 200 "$(http GET "$VIEW")" "http GET $VIEW" &&
	test_grep "name=\"q_$ID2\"" page && ! grep -q "name=\"q_$ID1\"" page &&
	test_grep "^<p>1 .*held messages await a decision" page &&
	test_grep "<td>secteam@agency.test</td><td>released</td><td><code>$ID1</code>" page &&
	test_grep "helpdesk@it-support\[\.\]example\[\.\]com" page &&
	test_grep "m?t=${VIEW#*t=}&amp;q=$ID2" page
'

test_expect_success 'the preview shows the body as escaped text, nothing from the message as markup' '
	msg held3 dave@a.gov.tw "<b>html</b>" "QUARANTINE-ME <script>alert(1)</script> visit https://evil.example.com/x" &&
	ID3=$(send_held held3 dave@a.gov.tw) &&
	test_is = 200 "$(http GET "$BASE/m?t=${VIEW#*t=}&q=$ID3")" "http GET $BASE/m?t=${VIEW#*t=}&q=$ID3" &&
	test_grep "&lt;script&gt;alert\(1\)&lt;/script&gt;" page &&
	test_grep "hxxps://evil\[\.\]example\[\.\]com/x" page &&
	! grep -q -E "<script|<b>html|https://evil" page
'

test_expect_success 'batch delete from the review page needs its CSRF value, then deletes what was ticked' '
	http GET "$VIEW" >/dev/null && C=$(csrf_of page) &&
	test_is = 403 "$(http POST "$BASE/r" "t=${VIEW#*t=}&action=delete&q_$ID2=1")" "http POST $BASE/r t=${VIEW#*t=}&action=delete&q_$ID2=1" &&
	still_held "$ID2" &&
	test_is = 200 "$(http POST "$BASE/r" "t=${VIEW#*t=}&csrf=$C&action=delete&q_$ID2=1&q_$ID3=1")" "http POST $BASE/r t=${VIEW#*t=}&csrf=$C&action=delete&q_$ID2=1&q_$ID3=1" &&
	test_grep "$ID2: deleted by secteam@agency.test" page &&
	test_grep "$ID3: deleted by secteam@agency.test" page &&
	test ! -f "$PF/queue/hold/$ID2" && test_is = deleted "$(decision_of "$ID2")" "decision_of $ID2" &&
	test ! -f "$PF/queue/hold/$ID3" && test_is = deleted "$(decision_of "$ID3")" "decision_of $ID3"
'

test_expect_success 'a domain reviewer sees only their domain, and cannot act on another' '
	msg held4 erin@b.gov.tw "salary" "QUARANTINE-ME salary" &&
	ID4=$(send_held held4 erin@b.gov.tw) &&
	msg held5 frank@a.gov.tw "tax" "QUARANTINE-ME tax" &&
	ID5=$(send_held held5 frank@a.gov.tw) &&
	V=$(mint "$KEY" review - rev-b@b.gov.tw $(( $(date +%s) + 3600 ))) &&
	test_is = 200 "$(http GET "$BASE/r?t=$V")" "http GET $BASE/r?t=$V" &&
	test_grep "name=\"q_$ID4\"" page && ! grep -q "q_$ID5" page &&
	C=$(csrf_of page) &&
	test_is = 200 "$(http POST "$BASE/r" "t=$V&csrf=$C&action=release&q_$ID5=1")" "http POST $BASE/r t=$V&csrf=$C&action=release&q_$ID5=1" &&
	test_grep "$ID5: not a message you review" page && still_held "$ID5" &&
	test_is = 404 "$(http GET "$BASE/m?t=$V&q=$ID5")" "http GET $BASE/m?t=$V&q=$ID5"
'

test_expect_success 'a plain GET of the review page without a link, or with a proxy header nobody trusts, is refused' '
	test_is = 403 "$(http GET "$BASE/r")" "http GET $BASE/r" &&
	test_is = 403 "$(curl -s -o page -w "%{http_code}" -H "X-Remote-User: secteam@agency.test" "$BASE/r")" "curl -s -o page -w %{http_code} -H X-Remote-User: secteam@agency.test $BASE/r" &&
	still_held "$ID5"
'

test_expect_success 'behind a trusted proxy the header names the reviewer, and decisions are recorded under that name' '
	review_stop &&
	review_start review-proxied -o review_trusted_proxy_header=X-Remote-User &&
	test_is = 200 "$(curl -s -o page -w "%{http_code}" -H "X-Remote-User: secteam@agency.test" "$BASE/r")" "curl -s -o page -w %{http_code} -H X-Remote-User: secteam@agency.test $BASE/r" &&
	test_grep "name=\"q_$ID5\"" page && C=$(csrf_of page) &&
	test "$(curl -s -o page -w "%{http_code}" -H "X-Remote-User: secteam@agency.test" \
		--data "csrf=$C&action=release&q_$ID5=1" "$BASE/r")" = 200 &&
	test_grep "$ID5: released by secteam@agency.test" page &&
	test "$(curl -s -o page -w "%{http_code}" -H "X-Remote-User: mallory@agency.test" \
		--data "csrf=$C&action=release&q_$ID4=1" "$BASE/r")" = 403 &&
	still_held "$ID4"
'

test_expect_success 'every page forbids scripts, framing and referrers' '
	curl -s -D headers -o /dev/null "$VIEW" &&
	test_grep "^Content-Security-Policy: default-src .none.; style-src .unsafe-inline.; form-action .self.; frame-ancestors .none." headers &&
	test_grep "^Referrer-Policy: no-referrer" headers &&
	test_grep "^Cache-Control: no-store" headers
'

test_done
