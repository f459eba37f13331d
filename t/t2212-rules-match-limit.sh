#!/bin/sh
test_description='a rule that hits a PCRE2 limit gives LW_RULE_MATCH_LIMIT and is counted, instead of silently not matching'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

# LW_T_PAD backtracks on runs of "a" (each run of n letters costs about
# fib(n) steps before it fails); LW_T_WORD is an ordinary rule.
cat >pad.rules <<'EOF_RULES'
LW_T_PAD   body 1.0 /(a|aa)+b/  a pattern that backtracks on padding
LW_T_WORD  body 1.0 /meeting/   an ordinary word
EOF_RULES

# mail FILE TEXT: a plain message with body TEXT
mail() {
	printf 'From: A <a@example.com>\nTo: user@example.net\nSubject: notes\nMessage-ID: <%s@example.com>\n\n%s\n' \
		"$1" "$2" >"$1"
}
mail padded "meeting notes aaaaaaaaaaaa b"
mail plain "meeting notes"

scan() {
	"$LW_SCAN" -o rules_file=pad.rules --json "$@"
}

test_expect_success 'a rule over a small match limit gives LW_RULE_MATCH_LIMIT naming the rule (JIT)' '
	scan -o rules_match_limit=20 padded >out &&
	test_json_rules out >rules &&
	test_grep "^LW_RULE_MATCH_LIMIT$" rules &&
	test_grep "LW_T_PAD on body: match limit exceeded" out &&
	test_grep "^LW_T_WORD$" rules
'

test_expect_success 'the same with the interpreter, and for its depth limit' '
	scan -o rules_jit=no -o rules_match_limit=20 padded >out &&
	test_grep "LW_T_PAD on body: match limit exceeded" out &&
	scan -o rules_jit=no -o rules_depth_limit=5 padded >out &&
	test_grep "LW_T_PAD on body: matching depth limit exceeded" out
'

test_expect_success 'the hit scores limit_score' '
	scan -o rules_match_limit=20 -o limit_score=7 padded >out &&
	"$PYTHON" -c "import json,sys
o=json.loads(open(\"out\").readline())
s=[h[\"score\"] for h in o[\"hits\"] if h[\"rule\"]==\"LW_RULE_MATCH_LIMIT\"]
sys.exit(0 if s==[7] else \"expected one LW_RULE_MATCH_LIMIT of 7, got %r\" % s)"
'

test_expect_success 'near miss: within the default limits the rule finishes and no limit hit appears' '
	scan padded plain >out &&
	test_json_rules out 1 >rules1 && test_json_rules out 2 >rules2 &&
	test_grep -v LW_RULE_MATCH_LIMIT rules1 &&
	test_grep -v LW_RULE_MATCH_LIMIT rules2 &&
	test_grep "^LW_T_WORD$" rules1
'

test_expect_success 'near miss: a message without padding stays within the small limit' '
	scan -o rules_match_limit=20 plain >out &&
	test_json_rules out >rules &&
	test_grep -v LW_RULE_MATCH_LIMIT rules
'

test_expect_success 'lurewatch-scan --counters counts the messages with a rule over its limit' '
	scan -o rules_match_limit=20 --counters padded plain padded >out 2>err &&
	test_grep "^rules: rule_limits=2$" err
'

test_expect_success 'the limits are configuration keys with bounds' '
	"$LW_SCAN" -o rules_match_limit=5000 --dump-config >dump &&
	test_grep "^rules_match_limit = 5000$" dump &&
	test_grep "^rules_depth_limit = 10000$" dump &&
	test_must_fail "$LW_SCAN" -o rules_match_limit=0 --dump-config 2>err &&
	test_grep rules_match_limit err
'

postfix_require_or_skip

PF=$TRASH/pf
MPORT=$(free_port)
SPORT=$(free_port)
test_at_exit 'milter_stop; postfix_stop "$PF"'

test_expect_success 'the milter counts it in the SIGUSR2 dump (rule_limits)' '
	milter_start milter -o rules_file="$PWD/pad.rules" -o rules_match_limit=20 -o clamav=no \
		-p inet:$MPORT@127.0.0.1 &&
	postfix_setup "$PF" $SPORT inet:127.0.0.1:$MPORT &&
	postfix_start "$PF" &&
	postfix_send "$PF" padded >swaks.out &&
	postfix_send "$PF" plain >>swaks.out &&
	postfix_wait_idle "$PF" &&
	kill -USR2 "$MILTER_PID" &&
	wait_for grep -q "stats: messages=2 .* rule_limits=1" "$MILTER_LOG"
'

test_done
