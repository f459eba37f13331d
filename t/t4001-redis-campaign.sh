#!/bin/sh
# t4001-redis-campaign.sh - campaign counters and first-contact memory in a real redis-server
test_description='campaign counters cross the threshold; first contact fires once'
. "${top_srcdir:-$(dirname "$0")/..}/t/test-lib.sh"
. "$top_srcdir/t/lib-redis.sh"

RULES=$top_srcdir/contrib/rules/lurewatch.rules

# copy FILE N: FILE as delivered to mailbox N
copy() {
	sed -e "s/^To: .*/To: user$2@agency.example.gov.tw/" \
	    -e "s/^Message-ID: .*/Message-ID: <copy-$2@example.net>/" "$1" >"$(basename "$1" .eml)-$2.eml"
}

scan() {
	"$LW_SCAN" -o rules_file="$RULES" $(lw_redis_opts srv) -o campaign_threshold=3 \
		-o campaign_sender_threshold=4 --json "$@"
}

test_expect_success REDIS 'start redis-server' '
	redis_start srv
'

test_expect_success REDIS 'campaign counters cross the threshold and the score rises' '
	for i in 1 2 3 4 5; do copy "$TEST_DATA/multipart.eml" $i || return 1; done &&
	scan multipart-1.eml multipart-2.eml >out12 &&
	scan multipart-3.eml multipart-4.eml >out34 &&
	test_json_rules out12 1 >r1 && test_json_rules out12 2 >r2 &&
	test_json_rules out34 1 >r3 && test_json_rules out34 2 >r4 &&
	test_grep -v LW_CAMPAIGN r1 && test_grep -v LW_CAMPAIGN r2 &&
	test_grep LW_CAMPAIGN_BODY r3 && test_grep LW_CAMPAIGN_ATTACHMENT r3 &&
	test_grep -v LW_CAMPAIGN_SENDER r3 &&
	test_grep LW_CAMPAIGN_SENDER r4 &&
	s2=$(test_json_field out12 score 2) && s3=$(test_json_field out34 score 1) &&
	"$PYTHON" -c "import sys; sys.exit(not float(sys.argv[2]) >= float(sys.argv[1]) + 4)" "$s2" "$s3"
'

test_expect_success REDIS 'the campaign hit names the attachment as indicators' '
	"$PYTHON" -c "import json,sys
o=json.loads(open(\"out34\").readline())
h=[h for h in o[\"hits\"] if h[\"rule\"]==\"LW_CAMPAIGN_ATTACHMENT\"][0]
t=set(i[\"type\"] for i in h[\"indicators\"])
sys.exit(not {\"sha256\"} <= t)"
'

test_expect_success REDIS 'the counters are Redis keys with an expiry (the window)' '
	redis_cli srv --scan --pattern "lw:c:att:*" >keys && test_line_count -ge 1 keys &&
	k=$(head -1 keys) &&
	test_is = 4 "$(redis_cli srv get "$k")" "counter $k" &&
	ttl=$(redis_cli srv ttl "$k") && test_is -gt 0 "$ttl" "the TTL of $k" && test_is -le 3600 "$ttl" "the TTL of $k"
'

test_expect_success REDIS 'a cached copy still counts (the counter runs on every message)' '
	scan multipart-5.eml >out5 &&
	test_json_is out5 cached true &&
	k=$(redis_cli srv --scan --pattern "lw:c:att:*" | head -1) &&
	test_is = 5 "$(redis_cli srv get "$k")" "counter $k"
'

test_expect_success REDIS 'first contact fires once for a new clean sender, then not' '
	copy "$TEST_DATA/clean.eml" 1 && copy "$TEST_DATA/clean.eml" 2 &&
	scan clean-1.eml >c1 && scan clean-2.eml >c2 &&
	test_json_rules c1 >r1 && test_grep "^LW_FIRST_CONTACT_DOMAIN$" r1 &&
	test_json_rules c2 >r2 && test_grep -v LW_FIRST_CONTACT r2 &&
	test_json_is c2 score 0.0
'

test_expect_success REDIS 'a new address of a known domain is LW_FIRST_CONTACT' '
	sed "s/^From: .*/From: Carol <carol@example.org>/" clean-1.eml >carol.eml &&
	scan carol.eml >c3 && test_json_rules c3 >r3 &&
	test_grep "^LW_FIRST_CONTACT$" r3 && test_grep -v LW_FIRST_CONTACT_DOMAIN r3 &&
	scan carol.eml >c4 && test_json_rules c4 >r4 && test_grep -v LW_FIRST_CONTACT r4
'

test_expect_success REDIS 'a sender of scored mail is not learned' '
	copy "$TEST_DATA/phish-zh.eml" 1 &&
	scan phish-zh-1.eml >p1 && scan phish-zh-1.eml >p2 &&
	test_json_rules p1 >r1 && test_grep LW_FIRST_CONTACT_DOMAIN r1 &&
	test_json_rules p2 >r2 && test_grep LW_FIRST_CONTACT_DOMAIN r2
'

test_expect_success 'without Redis there is no first contact (no persistent memory)' '
	"$LW_SCAN" -o rules_file="$RULES" --json "$TEST_DATA/clean.eml" >c &&
	test_json_is c score 0.0
'

test_done
