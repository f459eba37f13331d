#!/bin/sh
# t3001-export-exactly-once.sh - a killed export, rerun, equals a clean export; two exporters at once
test_description='exactly once: kill at every step and at random moments; concurrent exporters'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-export.sh"

start_redis

# scenario NAME [key=value]...: a configuration reading stream NAME:hits into out-NAME
scenario() {
	local name=$1
	shift
	export_conf $name.conf "$TRASH/out-$name" "Agency A" redis_prefix=$name: export_batch=7 "$@"
}

# add NAME BATCH: the same synthetic entries (event ids ev-B-*) into stream NAME:hits
add() {
	hits_add --stream $1:hits --prefix ev-$2 --count 30 --campaigns c1,c2,c3 --seed $2 \
		--start 2026-11-2${2}T08:00:00
}

# same NAME: the outputs of scenario NAME are byte-identical to the clean ones
same() {
	for f in lurewatch-stix.json lurewatch-misp.json lurewatch-iocs.csv lurewatch-senders.access \
		lurewatch-domains.txt lurewatch.rpz lurewatch-hashes.txt .export-state.json; do
		test_cmp out-clean/$f out-$1/$f || return 1
	done
	pending_is 0 "$1:hits"
}

test_expect_success 'clean export of two batches (the reference)' '
	scenario clean &&
	add clean 1 && lw_ioc export -c clean.conf >/dev/null &&
	add clean 2 && lw_ioc export -c clean.conf >clean.out &&
	test_grep "messages=60 " clean.out
'

for step in read output outputs state pushed ack acked; do
	test_expect_success "killed at step \"$step\", then rerun: same outputs as the clean export" '
		scenario $step &&
		add $step 1 && lw_ioc export -c $step.conf >/dev/null &&
		add $step 2 &&
		{ LW_EXPORT_CRASH_AT=$step lw_ioc export -c $step.conf >/dev/null 2>&1; test $? = 137; } &&
		lw_ioc export -c $step.conf >rerun.out &&
		test_grep "took over the lock of a killed run" rerun.out &&
		same $step
	'
done

# (the exporter itself is started in the background, not the lw_ioc shell
# function: killing the subshell of a function would leave the exporter running)
test_expect_success 'killed at a random moment, five times over, then rerun: same outputs' '
	scenario random &&
	for round in 1 2 3 4 5; do
		{ [ $round != 1 ] || add random 1; } &&
		{ [ $round != 3 ] || add random 2; } &&
		{ "$LW_IOC" export -c random.conf >/dev/null 2>&1 & pid=$!; } &&
		sleep "$("$PYTHON" -c "import random; print(random.random() * 0.05)")" &&
		kill -9 $pid 2>/dev/null; wait $pid; true
	done &&
	lw_ioc export -c random.conf >final.out &&
	test_grep -v busy final.out &&
	same random
'

test_expect_success 'the same killed step repeated three times still converges' '
	scenario repeat &&
	add repeat 1 && add repeat 2 &&
	for i in 1 2 3; do
		LW_EXPORT_CRASH_AT=state lw_ioc export -c repeat.conf >/dev/null 2>&1; test $? = 137 || return 1
	done &&
	lw_ioc export -c repeat.conf >/dev/null &&
	same repeat
'

test_expect_success 'entries a dead consumer left pending are claimed by another (XAUTOCLAIM)' '
	scenario claim export_consumer=dead export_claim_idle=0 &&
	add claim 1 && add claim 2 &&
	{ LW_EXPORT_CRASH_AT=read lw_ioc export -c claim.conf >/dev/null 2>&1; test $? = 137; } &&
	pending_is 60 claim:hits &&
	lw_ioc export -c claim.conf -o export_consumer=alive >claim.out &&
	test_grep "claimed=60 " claim.out &&
	same claim
'

test_expect_success 'two exporters at once never export the same entry' '
	hits_add --stream two:hits --prefix tw --count 300 --campaigns c1,c2,c3,c4 &&
	export_conf a.conf "$TRASH/out-a" "Agency A" redis_prefix=two: export_consumer=a export_batch=5 &&
	export_conf b.conf "$TRASH/out-b" "Agency A" redis_prefix=two: export_consumer=b export_batch=5 &&
	for round in 1 2 3; do
		lw_ioc export -c a.conf >a.$round.out & pa=$!
		lw_ioc export -c b.conf >b.$round.out & pb=$!
		wait $pa && wait $pb || return 1
	done &&
	cat a.*.out b.*.out &&
	"$PYTHON" - out-a/.export-state.json out-b/.export-state.json <<-\PY
	import json, os, sys
	ids = []
	for f in sys.argv[1:]:
	    if os.path.exists(f):
	        ids += [json.loads(l)["event_id"] for l in open(f).read().splitlines()[1:]]
	assert len(ids) == 300, len(ids)
	assert len(set(ids)) == 300, "an entry was exported twice"
	PY
'

test_expect_success 'a second exporter finds the lock held and does nothing' '
	scenario held &&
	add held 1 &&
	rcli SET held:export:lock:export "otherhost 1 token" PX 60000 >/dev/null &&
	lw_ioc export -c held.conf >held.out &&
	test_grep "busy" held.out &&
	! test -e out-held/.export-state.json &&
	test_is = 30 "$(rcli XLEN held:hits)" "entries in held:hits" &&
	rcli DEL held:export:lock:export >/dev/null &&
	lw_ioc export -c held.conf >held2.out &&
	test_grep "read=30 " held2.out
'

test_done
