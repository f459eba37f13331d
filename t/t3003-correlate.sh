#!/bin/sh
# t3003-correlate.sh - lurewatch-ioc correlate: campaigns across three agencies' STIX and MISP exports
test_description='cross-agency correlation with overlapping campaigns'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-export.sh"

start_redis

# Agency A sees campaigns c1 and c2; B sees c2 (from other infrastructure:
# only the subject pattern is shared) and c3; C sees c1 and c4 and shares MISP.
test_expect_success 'three agencies export' '
	hits_add --stream a:hits --prefix a --count 8 --campaigns c1,c2 --seed 1 &&
	hits_add --stream b:hits --prefix b --count 8 --campaigns c2,c3 --seed 2 --salt B --salted c2 \
		--start 2026-11-21T09:00:00 &&
	hits_add --stream c:hits --prefix c --count 6 --campaigns c1,c4 --seed 3 --start 2026-11-22T10:00:00 &&
	export_conf a.conf "$TRASH/a" "Agency A" redis_prefix=a: &&
	export_conf b.conf "$TRASH/b" "Agency B" redis_prefix=b: &&
	export_conf c.conf "$TRASH/c" "Agency C" redis_prefix=c: export_formats=misp &&
	lw_ioc export -c a.conf >/dev/null && lw_ioc export -c b.conf >/dev/null && lw_ioc export -c c.conf >/dev/null &&
	test -s a/lurewatch-stix.json && test -s b/lurewatch-stix.json && test -s c/lurewatch-misp.json
'

test_expect_success 'two campaigns are seen by two or more agencies' '
	lw_ioc correlate -w merged.json a/lurewatch-stix.json b/lurewatch-stix.json c/lurewatch-misp.json >corr.out &&
	cat corr.out &&
	test_grep "^2 campaign\(s\)$" corr.out &&
	test_grep_count = 2 "^campaign " corr.out
'

test_expect_success 'c1 (shared hash, link domain, senders) joins A and C, with when and how many' '
	sed -n "/^campaign .*: 2 agencies: Agency A Agency C$/,/^campaign /p" corr.out >c1.out &&
	test_grep "indicator domain c1-login.example" c1.out &&
	test_grep "indicator sha256 " c1.out &&
	test_grep "agency Agency A: first 2026-11-20T08:00:00.000Z last 2026-11-20T08:06:00.000Z, [0-9]+ campaign indicators, up to 4 messages" c1.out &&
	test_grep "agency Agency C: first 2026-11-22T10:00:00.000Z last 2026-11-22T10:04:00.000Z" c1.out &&
	test_grep -v "c2-login|c4-login" c1.out
'

test_expect_success 'c2 joins A and B through the subject skeleton alone' '
	sed -n "/^campaign .*: 2 agencies: Agency A Agency B$/,/^campaign /p" corr.out >c2.out &&
	test_grep "indicator domain c2-login.example" c2.out &&
	test_grep "indicator domain c2B-login.example" c2.out &&
	test_grep -v "c1-login|c3-login" c2.out
'

test_expect_success 'campaigns of one agency only, and the shared X-Mailer, join nothing' '
	test_grep -v "c3-login|c4-login" corr.out &&
	lw_ioc correlate -m 1 a/lurewatch-stix.json b/lurewatch-stix.json c/lurewatch-misp.json >all.out &&
	test_grep "^4 campaign\(s\)$" all.out
'

test_expect_success SCHEMAS 'the merged bundle validates and holds campaigns, identities and sightings' '
	"$PYTHON" "$top_srcdir/t/stix-validate.py" "$STIX_SCHEMAS" merged.json &&
	"$PYTHON" - merged.json <<-\PY
	import json, sys, collections
	objs = json.load(open(sys.argv[1]))["objects"]
	by = collections.defaultdict(list)
	for o in objs: by[o["type"]].append(o)
	assert sorted(i["name"] for i in by["identity"]) == ["Agency A", "Agency B", "Agency C"]
	assert len(by["campaign"]) == 2, by["campaign"]
	ind = {i["pattern"]: i["id"] for i in by["indicator"]}
	dom = ind["[domain-name:value = \x27c1-login.example\x27]"]
	sight = [s for s in by["sighting"] if s["sighting_of_ref"] == dom]
	assert len(sight) == 2, sight     # one per agency, one indicator object
	camp = {c["id"] for c in by["campaign"]}
	ind_rel = [r for r in by["relationship"] if r["relationship_type"] == "indicates" and r["target_ref"] in camp]
	assert any(r["source_ref"] == dom for r in ind_rel)
	PY
'

test_expect_success 'correlate refuses a file that is neither STIX nor MISP (exit 65, EX_DATAERR)' '
	echo "{\"x\": 1}" >junk.json &&
	lw_ioc correlate a/lurewatch-stix.json junk.json 2>junk.err; test $? = 65 &&
	test_grep "neither a STIX 2.1 bundle nor a MISP event" junk.err
'

test_expect_success 'other agencies'"'"' names and values are printed with control characters escaped' '
	"$PYTHON" - b/lurewatch-stix.json hostile.json <<-\PY &&
	import json, sys
	b = json.load(open(sys.argv[1]))
	for o in b["objects"]:
	    if o["type"] == "identity":
	        o["name"] = "Agency \x1b[2J\x1b]0;owned\x07B\u202e"
	    if o.get("pattern") == "[domain-name:value = \x27c2B-login.example\x27]":
	        o["pattern"] = "[domain-name:value = \x27c2B-login.example\x1b[8m\r\x27]"
	json.dump(b, open(sys.argv[2], "w"))
	PY
	lw_ioc correlate a/lurewatch-stix.json hostile.json >hostile.out &&
	grep -F "agency Agency \\x1B[2J\\x1B]0;owned\\x07B\\u{202E}: first" hostile.out &&
	grep -F "indicator domain c2B-login.example\\x1B[8m\\x0D" hostile.out &&
	"$PYTHON" -c "import sys; d=open(sys.argv[1],\"rb\").read(); sys.exit(any(c < 32 and c != 10 for c in d) or b\"\xe2\x80\xae\" in d)" hostile.out
'

test_done
