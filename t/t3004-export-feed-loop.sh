#!/bin/sh
# t3004-export-feed-loop.sh - the loop closes: agency A's export, loaded as a feed by B, makes B catch the mail
test_description='A exports STIX/MISP; B reads it from feeds_dir and scores the same message'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-export.sh"

start_redis

# mail FROM LINK: a message as campaign c1 sends it
mail() {
	cat <<-EOF
	From: Account Team <$1>
	To: someone@agency-b.gov.example
	Subject: Account verification required
	Message-ID: <loop-$$@c1-mail.example>
	Date: Mon, 23 Nov 2026 09:00:00 +0800
	MIME-Version: 1.0
	Content-Type: text/plain; charset=utf-8

	Please verify your account at $2 today.
	EOF
}

test_expect_success 'agency A exports campaign c1' '
	hits_add --prefix a --count 4 --campaigns c1 &&
	export_conf a.conf "$TRASH/a" "Agency A" export_formats=stix,misp &&
	lw_ioc export -c a.conf >/dev/null &&
	test -s a/lurewatch-stix.json
'

for fmt in stix misp; do
	test_expect_success "agency B catches c1 through A's $fmt export in its feeds_dir" '
		rm -rf feeds-$fmt && mkdir feeds-$fmt &&
		cp a/lurewatch-$fmt.json feeds-$fmt/agency-a-$fmt.json &&
		mail user0@c1-mail.example https://c1-login.example/verify/0 >c1.eml &&
		mail friend@clean.example https://www.example.org/ >clean.eml &&
		cat >b-$fmt.conf <<-EOF &&
		feeds_dir = $TRASH/feeds-$fmt
		rules_file = $top_srcdir/contrib/rules/lurewatch.rules
		EOF
		"$LW_SCAN" -c b-$fmt.conf --json c1.eml >c1.json &&
		"$LW_SCAN" -c b-$fmt.conf --json clean.eml >clean.json &&
		"$PYTHON" - c1.json clean.json <<-\PY
		import json, sys
		hit = json.loads(open(sys.argv[1]).read().splitlines()[0])
		clean = json.loads(open(sys.argv[2]).read().splitlines()[0])
		ev = json.dumps(hit["hits"])
		assert "c1-login.example" in ev or "c1-mail.example" in ev, hit["hits"]
		assert hit["score"] > clean["score"], (hit["score"], clean["score"])
		assert "c1-" not in json.dumps(clean["hits"])
		PY
	'
done

# The same loop from a real scan: A's relay judges the spoofed-bank mail
# (t/data/roles) malicious, its analyzers name the lure, A exports it, and
# B catches a fresh mail that links elsewhere on the lure's host, while
# the bank's own site (impersonated, never blocking) stays harmless at B.
test_expect_success 'a lure found by the scanner at A catches a fresh mail at B' '
	cat >scan-a.conf <<-EOF &&
	redis_server = 127.0.0.1:$REDIS_PORT
	rules_file = $top_srcdir/contrib/rules/lurewatch.rules
	brands_file = $top_srcdir/contrib/brands.txt
	trusted_authserv_ids = mx.agency.gov.tw
	spool_dir = $TRASH/spool
	EOF
	"$LW_SCAN" -c scan-a.conf --publish "$TEST_DATA/roles/spoofed-bank.eml" >/dev/null &&
	lw_ioc export -c a.conf >/dev/null &&
	rm -rf feeds-scan && mkdir feeds-scan && cp a/lurewatch-stix.json feeds-scan/agency-a.json &&
	mail friend@fresh-sender.example https://bot-verify.example/renew/42 >fresh.eml &&
	mail friend@fresh-sender.example https://www.bot.com.tw/ >bank-site.eml &&
	printf "feeds_dir = $TRASH/feeds-scan\nrules_file = $top_srcdir/contrib/rules/lurewatch.rules\n" >b-scan.conf &&
	"$LW_SCAN" -c b-scan.conf --json fresh.eml >fresh.json &&
	"$LW_SCAN" -c b-scan.conf --json bank-site.eml >bank-site.json &&
	"$PYTHON" - fresh.json bank-site.json <<-\PY
	import json, sys
	fresh = json.loads(open(sys.argv[1]).read().splitlines()[0])
	site = json.loads(open(sys.argv[2]).read().splitlines()[0])
	ioc = [h for h in fresh["hits"] if h["analyzer"] == "ioc"]
	assert ioc and "bot-verify.example" in json.dumps(ioc), fresh["hits"]
	assert not [h for h in site["hits"] if h["analyzer"] == "ioc"], site["hits"]
	PY
'

test_expect_success 'B shares the lure on: one MISP sighting by B, one by A (the feed it matched)' '
	printf "redis_server = 127.0.0.1:$REDIS_PORT\nhits_stream = b-hits\nspool_dir = $TRASH/spool-b\n" >>b-scan.conf &&
	"$LW_SCAN" -c b-scan.conf --publish fresh.eml >/dev/null &&
	export_conf b.conf "$TRASH/b" "Agency B" hits_stream=b-hits export_formats=stix,misp &&
	lw_ioc export -c b.conf >/dev/null &&
	"$PYTHON" - b/lurewatch-misp.json <<-\PY
	import json, sys
	e = json.load(open(sys.argv[1]))["Event"]
	a = [x for x in e["Attribute"] if x["value"] == "bot-verify.example"][0]
	src = sorted(s.get("source") for s in a["Sighting"])
	assert src == ["agency-a", "lurewatch"] and a["Sighting"][0]["Organisation"]["name"] == "Agency B", src
	assert a["to_ids"] is True and "confidence" in a["comment"], a
	PY
'

# Agencies per value: at B, partners C and D both list one lure domain, E
# lists the other lure of the same mail. Each value counts the partners
# whose feeds named it, not every partner the message matched.
test_expect_success 'each value carries the partners whose feeds named it: C and D one domain, E another' '
	rm -rf feeds-3 && mkdir feeds-3 &&
	printf "# type: auto\nshared-lure.example\n" >feeds-3/agency-c.txt &&
	printf "# type: auto\nshared-lure.example\n198.51.100.99\n" >feeds-3/agency-d.txt &&
	printf "# type: auto\nsecond-lure.example\n" >feeds-3/agency-e.txt &&
	mail wire-desk@e-sender.example "https://shared-lure.example/pay/7 or https://second-lure.example/pay/7" >three.eml &&
	cat >b3.conf <<-EOF &&
	feeds_dir = $TRASH/feeds-3
	rules_file = $top_srcdir/contrib/rules/lurewatch.rules
	redis_server = 127.0.0.1:$REDIS_PORT
	hits_stream = b3-hits
	spool_dir = $TRASH/spool-b3
	EOF
	"$LW_SCAN" -c b3.conf --publish --json three.eml >three.json &&
	export_conf b3x.conf "$TRASH/b3" "Agency B" hits_stream=b3-hits export_formats=stix,misp &&
	lw_ioc export -c b3x.conf >/dev/null &&
	cp -r b3 b3-first &&
	lw_ioc export -c b3x.conf >/dev/null &&    # the second run rebuilds from the state file
	cat >per-value.py <<-\PY &&
	import json, sys
	e = json.load(open(sys.argv[1]))["Event"]
	attrs = {a["value"]: a for a in e["Attribute"]}
	src = lambda v: sorted(s.get("source") for s in attrs[v]["Sighting"])
	assert src("shared-lure.example") == ["agency-c", "agency-d", "lurewatch"], src("shared-lure.example")
	assert src("second-lure.example") == ["agency-e", "lurewatch"], src("second-lure.example")
	objs = json.load(open(sys.argv[2]))["objects"]
	names = {o["id"]: o["name"] for o in objs if o["type"] == "identity"}
	ind = {o["id"]: o for o in objs if o["type"] == "indicator"}
	seen = {}
	for o in objs:
	    if o["type"] == "sighting" and o["sighting_of_ref"] in ind:
	        seen.setdefault(ind[o["sighting_of_ref"]]["pattern"], []).extend(names[r] for r in o["where_sighted_refs"])
	dom = "[domain-name:value = \x27shared-lure.example\x27]"
	other = "[domain-name:value = \x27second-lure.example\x27]"
	assert sorted(seen[dom]) == ["Agency B", "agency-c", "agency-d"], seen
	assert sorted(seen[other]) == ["Agency B", "agency-e"], seen
	conf = {ind[k]["pattern"]: ind[k]["confidence"] for k in ind}
	assert conf[dom] == conf[other] + 10, conf    # a third agency saw it
	PY
	"$PYTHON" per-value.py b3-first/lurewatch-misp.json b3-first/lurewatch-stix.json &&
	"$PYTHON" per-value.py b3/lurewatch-misp.json b3/lurewatch-stix.json
'

test_expect_success SCHEMAS 'the export with partner sightings still validates' '
	"$PYTHON" "$top_srcdir/t/stix-validate.py" "$STIX_SCHEMAS" b3/lurewatch-stix.json &&
	"$PYTHON" "$top_srcdir/t/misp-check.py" "$MISP_SCHEMAS" b3/lurewatch-misp.json
'

test_done
