#!/bin/sh
# t4010-redis-hits-spool.sh - the hits stream: published, spooled while Redis is down, replayed exactly once
test_description='hits stream: entries, spool on outage, replay in order, nothing lost or doubled'
. "${top_srcdir:-$(dirname "$0")/..}/t/test-lib.sh"
. "$top_srcdir/t/lib-redis.sh"

RULES=$top_srcdir/contrib/rules/lurewatch.rules

# mails DIR FIRST LAST: scored copies with distinct Message-IDs (and bodies, so none is cached)
mails() {
	mkdir -p "$1" &&
	for i in $(seq "$2" "$3"); do
		sed -e "s/^Message-ID: .*/Message-ID: <hit-$i@example.net>/" \
		    -e "s/^\(Subject: .*\)/\1 $i/" "$TEST_DATA/phish-zh.eml" >"$1/m$(printf %05d "$i").eml" || return 1
	done
}

publish() {
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$top_srcdir/contrib/brands.txt" $(lw_redis_opts srv) -o spool_dir="$PWD/spool" \
		-o instance_name=t4010 -o score.LW_FIRST_CONTACT=0 -o score.LW_FIRST_CONTACT_DOMAIN=0 --publish --counters --json "$@"
}

test_expect_success REDIS 'start redis-server' '
	redis_start srv
'

test_expect_success REDIS 'a scored message is one stream entry with every field' '
	mails a 1 1 &&
	publish a "$TEST_DATA/clean.eml" >out 2>err &&
	hits_is srv 1 &&
	test_grep "hits: queued=1 published=1 spooled=0" err &&
	redis_cli srv xrange lw:hits - + >entry &&
	for f in event_id time instance queue_id message_id sender rcpt_count subject score action rules cached indicators; do
		grep -qx "$f" entry || { echo "no field $f"; return 1; }
	done &&
	grep -qx "hit-1@example.net" entry &&
	grep -qx "t4010" entry && grep -qx "reject" entry &&
	grep -q "^\[{\"type\":\"subject\"" entry &&
	test_grep -v "^rcpts$" entry
'

test_expect_success REDIS 'Redis down: entries go to the spool, the run is unharmed' '
	redis_stop srv &&
	mails b 2 11 &&
	publish b >out 2>err &&
	test_grep_count = 10 "\"action\":\"reject\"" out &&
	test_grep "spooled=10" err &&
	test_line_count = 10 spool/hits.spool
'

test_expect_success REDIS 'Redis back: the next run replays the spool first, in order, then its own' '
	redis_start srv "$(redis_port srv)" &&
	mails c 12 16 &&
	publish c >out 2>err &&
	test_grep "replayed=10" err &&
	hits_is srv 16 &&
	test ! -s spool/hits.spool &&
	redis_cli srv xrange lw:hits - + | grep "^hit-" >ids &&
	seq 1 16 | sed "s/.*/hit-&@example.net/" >expect && test_cmp expect ids
'

test_expect_success REDIS 'a replayed spool is never doubled (event ids are deduplicated)' '
	redis_cli srv xrange lw:hits - + >all &&
	"$PYTHON" - <<-\PY &&
	import json
	lines = open("all").read().split("\n")
	ents = []
	for i, l in enumerate(lines):
	    if l == "event_id":
	        ents.append(lines[i + 1])
	assert len(ents) == len(set(ents)) == 16, ents
	open("spool/hits.spool", "w").write("".join(
	    json.dumps({"event_id": e, "message_id": "dup"}) + "\n" for e in ents[:5]))
	PY
	publish "$TEST_DATA/clean.eml" >out 2>err &&
	test_grep "duplicates=5" err &&
	hits_is srv 16
'

test_expect_success REDIS 'a torn last spool line is skipped, the rest replayed' '
	printf "{\"event_id\":\"torn-1\",\"message_id\":\"t1\"}\n{\"event_id\":\"to" >spool/hits.spool &&
	publish "$TEST_DATA/clean.eml" >out 2>err &&
	test_grep "replayed=1" err &&
	hits_is srv 17
'

test_expect_success REDIS 'Redis killed in the middle of a run: stream count exact after replay' '
	redis_cli srv del lw:hits >/dev/null &&
	mails d 100 399 &&
	lw_bg run publish d &&
	wait_for sh -c "test \$(redis-cli -p $(redis_port srv) xlen lw:hits) -ge 20" &&
	redis_stop srv &&
	sleep 1 &&
	redis_start srv "$(redis_port srv)" &&
	wait_for test -s run.rc &&
	test_is = 0 "$(cat run.rc)" "the exit status of the run" &&
	test_grep_count = 300 "\"action\":\"reject\"" run.out &&
	cat run.err &&
	publish "$TEST_DATA/clean.eml" >out2 2>err2 &&
	cat err2 &&
	hits_is srv 300 &&
	redis_cli srv xrange lw:hits - + | grep "^hit-" | sort -u >ids &&
	test_line_count = 300 ids
'

test_done
