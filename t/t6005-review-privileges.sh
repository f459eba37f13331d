#!/bin/sh
test_description='lurewatch-review -u: serves as its user, and a root helper still releases through the private Postfix'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"
. "$top_srcdir/t/lib-review.sh"

milter_postfix_init
test_have_prereq PYTHON || test_skip_all "python3 is not installed"
command -v curl >/dev/null || test_skip_all "curl is not installed"
test "$(id -u)" = 0 || test_skip_all "-u needs the tests to run as root"

NOBODY_UID=$(id -u nobody) NOBODY_GID=$(id -g nobody)
review_setup
test_at_exit review_stop

# ids PID: the real, effective, saved and filesystem uids, then the gids, of process PID
ids() { sed -n "s/^Uid:[[:space:]]*//p; s/^Gid:[[:space:]]*//p" /proc/$1/status | tr -s "\t " "  "; }

test_expect_success 'an unknown user is refused before anything is served (71), and by -t' '
	{ "$LW_REVIEW" -f -c "$CONF" -u no-such-user-lw >out 2>&1; test $? = 71; } &&
	test_grep "unknown user \"no-such-user-lw\"" out &&
	{ "$LW_REVIEW" -t -c "$CONF" -u no-such-user-lw >out 2>&1; test $? = 71; } &&
	"$LW_REVIEW" -t -c "$CONF" -u nobody >out && test_grep "configuration OK" out &&
	test ! -e "$TRASH/review-state"
'

test_expect_success 'the milter as nobody holds a message; the digest carries its Release link' '
	milter_postfix_start -c "$CONF" -u nobody &&
	msg held1 bob@a.gov.tw "verify your mailbox" "QUARANTINE-ME sign in now" &&
	ID1=$(send_held held1 bob@a.gov.tw) &&
	report digest >out && wait_for digest_parts secteam@agency.test &&
	links secteam@agency.test.txt >links &&
	RELEASE=$(sed -n "s/^release $ID1 //p" links) && test -n "$RELEASE" &&
	VIEW=$(sed -n "s/^review - //p" links | head -1) && test -n "$VIEW"
'

test_expect_success 'with -u nobody the service runs as nobody, and only its helper keeps root' '
	review_start review -u nobody &&
	test_grep "listening on 127.0.0.1:$RPORT for relay relay-test as nobody" "$REVIEW_LOG" &&
	echo "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" >expect &&
	echo "$NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID" >>expect &&
	ids $REVIEW_PID >actual && test_cmp expect actual &&
	HELPER=$(pgrep -P $REVIEW_PID) && test -n "$HELPER" &&
	echo "0 0 0 0" >expect && ids $HELPER | head -1 >actual && test_cmp expect actual &&
	test_is = nobody "$(stat -c %U "$TRASH/review-state" "$TRASH/review-state/used-tokens" | sort -u)" "stat -c %U $TRASH/review-state $TRASH/review-state/used-tokens | sort -u"
'

test_expect_success 'the preview reads the held message through the helper' '
	test_is = 200 "$(http GET "$BASE/m?t=${VIEW#*t=}&q=$ID1")" "http GET $BASE/m?t=${VIEW#*t=}&q=$ID1" &&
	test_grep "QUARANTINE-ME sign in now" page
'

test_expect_success 'confirming the Release link releases through the helper: the message reaches the sink' '
	n=$(postfix_delivered "$PF" | wc -l) &&
	test_is = 200 "$(confirm_link "$RELEASE")" "confirm_link $RELEASE" &&
	test_grep "$ID1: released by secteam@agency.test" page &&
	postfix_wait_delivered "$PF" $((n + 1)) &&
	grep -l "^Message-ID: <held1@example.org>" $(postfix_delivered "$PF") >/dev/null &&
	test_is = released "$(decision_of "$ID1")" "decision_of $ID1" &&
	test ! -f "$PF/queue/hold/$ID1"
'

test_expect_success 'the helper ends with the service' '
	review_stop &&
	wait_for sh -c "! kill -0 $HELPER 2>/dev/null"
'

test_done
