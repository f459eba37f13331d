#!/bin/sh
# t4002-redis-attachment-cache.sh - the cache API unit test again, against a real redis-server
test_description='attachment results keyed with the signature version, counters, in Redis'
. "${top_srcdir:-$(dirname "$0")/..}/t/test-lib.sh"
. "$top_srcdir/t/lib-redis.sh"

UNIT=$top_builddir/t/unit/test-cache

test_expect_success REDIS 'start redis-server' '
	redis_start srv
'

test_expect_success REDIS 'the cache API behaves the same with Redis' '
	LW_TEST_REDIS=127.0.0.1:$(redis_port srv) "$UNIT" >out &&
	cat out &&
	test_grep "^# cache: redis" out &&
	test_grep -v "^not ok" out
'

test_expect_success REDIS 'the entries are Redis keys with the signature version in the name' '
	redis_cli srv --scan --pattern "t*:av:sig-1:*" >keys && test_line_count = 1 keys &&
	redis_cli srv --scan --pattern "t*:av:sig-2:*" >keys2 && test ! -s keys2 &&
	test_is -gt 80000 "$(redis_cli srv ttl "$(cat keys)")" "the TTL of $(cat keys)"
'

test_done
