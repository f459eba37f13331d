#!/bin/sh
# t4000-redis-cache.sh - the verdict cache, with a real redis-server and without Redis
test_description='verdict cache: second copy cached, shared across runs, invalidated by new rules'
. "${top_srcdir:-$(dirname "$0")/..}/t/test-lib.sh"
. "$top_srcdir/t/lib-redis.sh"

RULES=$top_srcdir/contrib/rules/lurewatch.rules
BRANDS=$top_srcdir/contrib/brands.txt     # the sample impersonates a mail administrator: held for that

# copy N: the phishing sample as delivered to another mailbox (new To, Message-ID, Date)
make_copies() {
	for i in $(seq 1 "$1"); do
		sed -e "s/^To: .*/To: user$i@agency.example.gov.tw/" \
		    -e "s/^Message-ID: .*/Message-ID: <copy-$i@mail-gov-tw.example.net>/" \
		    -e "s/^Date: .*/Date: Fri, 20 Nov 2026 09:3$((i % 10)):00 +0800/" \
		    "$TEST_DATA/phish-zh.eml" >"copy-$i.eml" || return 1
	done
}

test_expect_success 'without Redis, the in-process cache serves the second copy' '
	make_copies 2 &&
	"$LW_SCAN" -o rules_file="$RULES" --json --counters copy-1.eml copy-2.eml >out 2>err &&
	test "$(test_json_field out cached 1)" = false &&
	test "$(test_json_field out cached 2)" = true &&
	test "$(test_json_field out score 1)" = "$(test_json_field out score 2)" &&
	test_json_rules out 1 >rules1 && test_json_rules out 2 >rules2 && test_cmp rules1 rules2 &&
	test_grep "cache: hits=1 misses=1 errors=0 redis_round_trips=0" err
'

test_expect_success 'cache_entries = 0 turns the in-process cache off' '
	"$LW_SCAN" -o rules_file="$RULES" -o cache_entries=0 --json copy-1.eml copy-2.eml >out &&
	test "$(test_json_field out cached 2)" = false
'

test_expect_success REDIS 'start redis-server' '
	redis_start r1
'

test_expect_success REDIS 'with Redis, the second copy in one run is cached, one round trip' '
	"$LW_SCAN" -o rules_file="$RULES" $(lw_redis_opts r1) --json --counters copy-1.eml copy-2.eml >out 2>err &&
	test "$(test_json_field out cached 1)" = false &&
	test "$(test_json_field out cached 2)" = true &&
	test_grep "cache: hits=1 misses=1 errors=0" err &&
	redis_cli r1 --scan --pattern "lw:v:*" >keys &&
	test $(wc -l <keys) = 1 &&
	redis_cli r1 ttl "$(cat keys)" >ttl && test "$(cat ttl)" -gt 3000
'

test_expect_success REDIS 'the cache is shared: another run (another instance) hits at once' '
	make_copies 3 &&
	"$LW_SCAN" -o rules_file="$RULES" $(lw_redis_opts r1) --json --counters copy-3.eml >out 2>err &&
	test "$(test_json_field out cached 1)" = true &&
	test_grep "cache: hits=1 misses=0 errors=0" err
'

test_expect_success REDIS 'keys of the report, export and Postfix tools do not change the tag' '
	"$LW_SCAN" -o rules_file="$RULES" $(lw_redis_opts r1) -o postfix_command_dir=$PWD \
		-o quarantine_dir=$PWD/q -o export_dir=$PWD/e -o report_to=soc@agency.example.gov.tw \
		--json copy-3.eml >out &&
	test "$(test_json_field out cached 1)" = true
'

test_expect_success REDIS 'a new quarantine_score acts after the cache: the shared verdict is still found' '
	"$LW_SCAN" -o rules_file="$RULES" $(lw_redis_opts r1) --json copy-3.eml >before &&
	"$LW_SCAN" -o rules_file="$RULES" $(lw_redis_opts r1) -o quarantine_score=9 --json copy-3.eml >out &&
	test "$(test_json_field out cached 1)" = true &&
	test_json_rules before >rules-before && test_json_rules out >rules-after &&
	test_cmp rules-before rules-after
'

test_expect_success REDIS 'a rule changed in the rules file (not its comments) misses' '
	sed "s/^\(LW_ZH_URGENT  *body  *\)1\.5 /\12.5 /" "$RULES" >changed.rules &&
	test_must_fail cmp -s "$RULES" changed.rules &&
	"$LW_SCAN" -o rules_file="$PWD/changed.rules" $(lw_redis_opts r1) --json copy-3.eml >out &&
	test "$(test_json_field out cached 1)" = false
'

test_expect_success REDIS 'feeds are tagged as loaded: a feed added to feeds_dir misses' '
	mkdir feeds &&
	"$LW_SCAN" -o rules_file="$RULES" -o feeds_dir="$PWD/feeds" $(lw_redis_opts r1) --json copy-3.eml >out0 &&
	"$LW_SCAN" -o rules_file="$RULES" -o feeds_dir="$PWD/feeds" $(lw_redis_opts r1) --json copy-3.eml >out1 &&
	test "$(test_json_field out1 cached 1)" = true &&
	echo "unrelated.example" >feeds/extra.txt &&
	"$LW_SCAN" -o rules_file="$RULES" -o feeds_dir="$PWD/feeds" $(lw_redis_opts r1) --json copy-3.eml >out &&
	test "$(test_json_field out cached 1)" = false
'

test_expect_success REDIS 'the cached path costs at most 2 round trips per message' '
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$BRANDS" $(lw_redis_opts r1) --json --counters copy-1.eml copy-2.eml copy-3.eml >out 2>err &&
	sed -n "s/.*redis_round_trips=\([0-9]*\).*/\1/p" err >rt &&
	test "$(cat rt)" -le 6
'

test_expect_success REDIS 'an edited rules file (new engine tag) does not reuse old verdicts' '
	cp "$RULES" my.rules &&
	"$LW_SCAN" -o rules_file="$PWD/my.rules" $(lw_redis_opts r1) --json copy-1.eml >out0 &&
	"$LW_SCAN" -o rules_file="$PWD/my.rules" $(lw_redis_opts r1) --json copy-1.eml >out1 &&
	test "$(test_json_field out1 cached 1)" = true &&
	echo "# the same rules, edited" >>my.rules &&
	"$LW_SCAN" -o rules_file="$PWD/my.rules" $(lw_redis_opts r1) --json --counters copy-1.eml >out 2>err &&
	test "$(test_json_field out cached 1)" = false &&
	test_grep "cache: hits=0 misses=1" err
'

test_expect_success REDIS 'a score override also changes the tag' '
	"$LW_SCAN" -o rules_file="$RULES" -o score.LW_ZH_URGENT=4 $(lw_redis_opts r1) --json copy-1.eml >out &&
	test "$(test_json_field out cached 1)" = false
'

test_expect_success REDIS 'a corrupt cache entry is a miss, not a failure' '
	for k in $(redis_cli r1 --scan --pattern "lw:v:*"); do redis_cli r1 set "$k" "{not json" >/dev/null; done &&
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$BRANDS" $(lw_redis_opts r1) --json copy-1.eml >out &&
	test "$(test_json_field out cached 1)" = false &&
	test "$(test_json_field out action 1)" = reject
'

test_expect_success REDIS 'Redis down: every message still scanned, errors counted, logged once' '
	redis_stop r1 &&
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$BRANDS" $(lw_redis_opts r1) --json --counters copy-1.eml copy-2.eml copy-3.eml >out 2>err &&
	test $(wc -l <out) = 3 &&
	test "$(test_json_field out action 3)" = reject &&
	test $(grep -c "redis unreachable" err) = 1 &&
	test "$(test_json_field out cached 2)" = true &&
	test_grep "errors=[1-9]" err
'

test_expect_success REDIS 'one process logs "redis unreachable" once and "redis back" once' '
	redis_start r1 "$(redis_port r1)" &&
	mkfifo fifo &&
	lw_bg scan "$LW_SCAN" -o rules_file="$RULES" $(lw_redis_opts r1) --json --counters \
		fifo fifo fifo fifo &&
	cat copy-1.eml >fifo && wait_for lines scan.out 1 &&
	redis_stop r1 &&
	cat copy-2.eml >fifo && wait_for lines scan.out 2 &&
	cat copy-3.eml >fifo && wait_for lines scan.out 3 &&
	redis_start r1 "$(redis_port r1)" &&
	sleep 2.5 &&
	cat copy-1.eml >fifo &&
	wait_for test -s scan.rc &&
	cat scan.err &&
	test "$(cat scan.rc)" = 0 && test $(wc -l <scan.out) = 4 &&
	test $(grep -c "redis unreachable (cache)" scan.err) = 1 &&
	test $(grep -c "redis back (cache)" scan.err) = 1
'

test_done
