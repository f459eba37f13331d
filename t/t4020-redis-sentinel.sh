#!/bin/sh
# t4020-redis-sentinel.sh - Sentinel: find the master, follow a failover within one process
test_description='redis_sentinels: master discovery and failover (two redis-servers, one redis-sentinel)'
. "${top_srcdir:-$(dirname "$0")/..}/t/test-lib.sh"
. "$top_srcdir/t/lib-redis.sh"

test_have_prereq REDIS,SENTINEL || test_skip_all 'redis-server and redis-sentinel needed'

RULES=$top_srcdir/contrib/rules/lurewatch.rules

# mail N: a scored message with its own Message-ID and subject
mail() {
	sed -e "s/^Message-ID: .*/Message-ID: <fo-$1@example.net>/" \
	    -e "s/^\(Subject: .*\)/\1 $1/" "$TEST_DATA/phish-zh.eml"
}

master_port() {
	redis-cli --raw -p "$(redis_port sen)" sentinel get-master-addr-by-name lwmaster | sed -n 2p
}

test_expect_success 'start a master, a replica and a sentinel' '
	redis_start m &&
	redis_start r "" --replicaof 127.0.0.1 "$(redis_port m)" &&
	sentinel_start sen "$(redis_port m)" 1 &&
	wait_for sh -c "redis-cli -p $(redis_port sen) sentinel replicas lwmaster | grep -q $(redis_port r)" &&
	test_is = "$(redis_port m)" "$(master_port)" "the port of the master the Sentinel names"
'

test_expect_success 'the Sentinel names the master; the process follows the failover' '
	mkfifo fifo &&
	lw_bg scan "$LW_SCAN" -o rules_file="$RULES" -o brands_file="$top_srcdir/contrib/brands.txt" -o redis_sentinels=127.0.0.1:$(redis_port sen) \
		-o redis_master_name=lwmaster -o redis_timeout_ms=1000 -o spool_dir="$PWD/spool" \
		--publish --counters --json fifo fifo fifo fifo &&
	mail 1 >fifo && wait_for lines scan.out 1 &&
	mail 2 >fifo && wait_for lines scan.out 2 &&
	wait_for sh -c "test \"\$(redis-cli -p $(redis_port r) xlen lw:hits)\" = 2" &&
	redis_stop m &&
	wait_for sh -c "test \"\$(redis-cli --raw -p $(redis_port sen) sentinel get-master-addr-by-name lwmaster | sed -n 2p)\" = $(redis_port r)" &&
	mail 3 >fifo && wait_for lines scan.out 3 &&
	mail 4 >fifo &&
	wait_for test -s scan.rc &&
	cat scan.err &&
	test_is = 0 "$(cat scan.rc)" "the exit status of the scan" &&
	hits_is r 4 &&
	redis_cli r xrange lw:hits - + | grep "^fo-" >ids &&
	printf "fo-%s@example.net\n" 1 2 3 4 >expect && test_cmp expect ids &&
	test ! -s spool/hits.spool
'

test_expect_success 'the cache also lives on the new master' '
	redis_cli r --scan --pattern "lw:v:*" >keys && test_line_count -ge 1 keys &&
	test_grep_count = 4 "\"action\":\"reject\"" scan.out
'

test_expect_success 'an unknown master name: no Redis, messages still scanned' '
	mail 5 >m5.eml &&
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$top_srcdir/contrib/brands.txt" -o redis_sentinels=127.0.0.1:$(redis_port sen) \
		-o redis_master_name=nosuch --json --counters m5.eml >out 2>err &&
	test_json_is out action reject &&
	test_grep "does not know master" err
'

test_done
