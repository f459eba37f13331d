#!/bin/sh
# t3000-export-formats.sh - lurewatch-ioc export: STIX 2.1, MISP and blocklists from the hits stream
test_description='every output of one export, validated against the official schemas'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-export.sh"

start_redis

test_expect_success 'export of 12 messages from two campaigns writes every format' '
	hits_add --prefix a --count 12 --campaigns c1,c2 &&
	export_conf a.conf "$TRASH/out" "Agency A" &&
	lw_ioc export -c a.conf >run.out &&
	test_grep "read=12 .*acked=12 .*messages=12" run.out &&
	for f in lurewatch-stix.json lurewatch-misp.json lurewatch-iocs.csv lurewatch-senders.access \
		lurewatch-domains.txt lurewatch.rpz lurewatch-hashes.txt .export-state.json; do
		test -s out/$f || { echo "missing $f"; return 1; }
	done &&
	pending_is 0
'

test_expect_success SCHEMAS 'the STIX bundle validates against the official STIX 2.1 schemas' '
	"$PYTHON" "$top_srcdir/t/stix-validate.py" "$STIX_SCHEMAS" out/lurewatch-stix.json
'

test_expect_success SCHEMAS 'the validator rejects a broken bundle (it can fail)' '
	sed "s/\"sighting_of_ref\"/\"sighted\"/" out/lurewatch-stix.json >broken.json &&
	test_must_fail "$PYTHON" "$top_srcdir/t/stix-validate.py" "$STIX_SCHEMAS" broken.json
'

test_expect_success 'STIX: identity, TLP:AMBER 2.0 marking, indicators, sightings, malware, relationships' '
	"$PYTHON" - out/lurewatch-stix.json <<-\PY
	import json, sys, collections
	b = json.load(open(sys.argv[1])); objs = b["objects"]
	by = collections.defaultdict(list)
	for o in objs: by[o["type"]].append(o)
	md = by["marking-definition"]
	assert [m["id"] for m in md] == ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"], md
	assert md[0]["name"] == "TLP:AMBER"
	assert md[0]["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]["tlp_2_0"] == "amber"
	ident = by["identity"][0]
	assert ident["name"] == "Agency A" and ident["identity_class"] == "organization"
	pats = {i["pattern"]: i for i in by["indicator"]}
	for p in ["[domain-name:value = \x27c1-login.example\x27]",
	          "[email-message:from_ref.value LIKE \x27%@c2-mail.example\x27]",
	          "[file:name = \x27c1-invoice.zip\x27]",
	          "[email-message:additional_header_fields.\x27X-Mailer\x27 = \x27Microsoft Outlook 16.0\x27]"]:
	    assert p in pats, p
	assert any(p.startswith("[file:hashes.\x27SHA-256\x27 = ") for p in pats)
	assert any(p.startswith("[ipv4-addr:value = ") for p in pats)
	assert any(p.startswith("[email-message:subject = ") for p in pats)
	assert not any("gov.tw" in p for p in pats), "allowlisted domain exported"
	for i in by["indicator"]:
	    assert i["valid_until"] > i["valid_from"] and i["created_by_ref"] == ident["id"]
	    assert i["object_marking_refs"] == [md[0]["id"]] and 0 <= i["confidence"] <= 100
	    assert i["x_opencti_score"] == i["confidence"] and i["labels"]
	    # lure, payload and sender values are for detection; subject and X-Mailer are context
	    context = i["pattern"].startswith("[email-message:subject") or "X-Mailer" in i["pattern"]
	    assert i["x_opencti_detection"] is not context, i
	    assert i["indicator_types"] == (["unknown"] if context else ["malicious-activity"]), i
	    assert (i["confidence"] <= 20) is context, i
	for o in objs:      # observables carry the TLP marking too
	    if o["type"] in ("domain-name", "url", "email-addr", "file", "ipv4-addr"):
	        assert o["object_marking_refs"] == [md[0]["id"]], o
	dom = pats["[domain-name:value = \x27c1-login.example\x27]"]
	s = [x for x in by["sighting"] if x["sighting_of_ref"] == dom["id"]]
	assert len(s) == 1 and s[0]["count"] == 6 and s[0]["where_sighted_refs"] == [ident["id"]], s
	assert s[0]["first_seen"] == "2026-11-20T08:00:00.000Z" and s[0]["last_seen"] == "2026-11-20T08:10:00.000Z"
	names = sorted(m["name"] for m in by["malware"])
	assert names == ["Lurewatch.Test.C1", "Lurewatch.Test.C2"], names
	rels = collections.Counter(r["relationship_type"] for r in by["relationship"])
	assert rels["indicates"] and rels["related-to"] and rels["based-on"], rels
	assert {"domain-name", "url", "email-addr", "file", "ipv4-addr"} <= set(by), set(by)
	# no recipient, body or internal host name leaves
	text = open(sys.argv[1]).read()
	assert "relay-internal-7" not in text and "@agency" not in text
	PY
'

test_expect_success SCHEMAS 'MISP event has the fields, types and categories MISP requires' '
	"$PYTHON" "$top_srcdir/t/misp-check.py" "$MISP_SCHEMAS" out/lurewatch-misp.json
'

test_expect_success 'MISP: attributes, to_ids, email objects per message, TLP and rule tags' '
	"$PYTHON" - out/lurewatch-misp.json <<-\PY
	import json, sys
	e = json.load(open(sys.argv[1]))["Event"]
	tags = [t["name"] for t in e["Tag"]]
	assert "tlp:amber" in tags and any(t.startswith("lurewatch:rule=") for t in tags), tags
	at = {(a["type"], a["value"]): a for a in e["Attribute"]}
	assert at[("domain", "c1-login.example")]["to_ids"] is True
	assert at[("domain", "c1-login.example")]["category"] == "Network activity"
	assert at[("email-attachment", "c2-invoice.zip")]["category"] == "Payload delivery"
	assert any(t == "sha256" for t, v in at) and any(t == "email-src" for t, v in at)
	assert any(t == "email-subject" and not a["to_ids"] for (t, v), a in at.items())
	assert any(t == "ip-src" for t, v in at) and any(t == "email-x-mailer" for t, v in at)
	assert not any("gov.tw" in v for t, v in at)
	objs = e["Object"]
	assert len(objs) == 12 and all(o["name"] == "email" for o in objs)
	rel = {a["object_relation"] for o in objs for a in o["Attribute"]}
	assert {"from", "subject", "message-id", "attachment", "x-mailer", "send-date"} <= rel, rel
	assert "to" not in rel
	PY
'

test_expect_success 'blocklists: Postfix access map, domains, RPZ, hashes, CSV' '
	test_grep "^user[0-9]@c1-mail.example REJECT " out/lurewatch-senders.access &&
	test_grep "^c2-mail.example REJECT " out/lurewatch-senders.access &&
	test_grep "^c1-login.example$" out/lurewatch-domains.txt &&
	test_grep -v "gov.tw" out/lurewatch-domains.txt &&
	test_grep "^c2-login.example CNAME \.$" out/lurewatch.rpz &&
	test_grep "^\*\.c2-login.example CNAME \.$" out/lurewatch.rpz &&
	test_grep "^\\\$ORIGIN rpz.lurewatch.$" out/lurewatch.rpz &&
	test_grep "^sha256 [0-9a-f]{64}$" out/lurewatch-hashes.txt &&
	test_grep_count = 2 "^sha256 " out/lurewatch-hashes.txt &&
	test_grep "^type,value,first_seen,last_seen,count,recipients" out/lurewatch-iocs.csv &&
	test_grep "^domain,c1-login.example,2026-11-20T08:00:00.000Z,2026-11-20T08:10:00.000Z,6," out/lurewatch-iocs.csv
'

test_expect_success 'an IDN domain is in the RPZ zone as its A-label' '
	rcli XADD lw:hits "*" event_id idn-1 time 2026-11-20T09:00:00Z instance r1 queue_id QIDN \
		sender x@idn.example rcpt_count 1 subject hi score 30 action reject rules LW_X \
		indicators "[{\"type\":\"domain\",\"value\":\"郵件-驗證.example\",\"role\":\"lure\"}]" >/dev/null &&
	lw_ioc export -c a.conf >/dev/null &&
	test_grep "^xn--[a-z0-9-]+\.example CNAME \.$" out/lurewatch.rpz &&
	test_grep "^郵件-驗證.example$" out/lurewatch-domains.txt
'

test_expect_success 'a re-export with new messages updates objects, never duplicates them' '
	cp out/lurewatch-stix.json first.json &&
	hits_add --prefix b --count 4 --campaigns c1 --start 2026-11-22T08:00:00 &&
	lw_ioc export -c a.conf >run2.out &&
	test_grep "read=4 " run2.out &&
	"$PYTHON" "$top_srcdir/t/stix-validate.py" "$STIX_SCHEMAS" out/lurewatch-stix.json 2>/dev/null ||
		! test_have_prereq SCHEMAS &&
	"$PYTHON" - first.json out/lurewatch-stix.json <<-\PY
	import json, sys
	a = {o["id"]: o for o in json.load(open(sys.argv[1]))["objects"]}
	b = {o["id"]: o for o in json.load(open(sys.argv[2]))["objects"]}
	assert set(a) <= set(b), "an id changed between exports"
	dom = [o for o in b.values() if o.get("pattern") == "[domain-name:value = \x27c1-login.example\x27]"][0]
	s = [o for o in b.values() if o.get("sighting_of_ref") == dom["id"]][0]
	assert s["count"] == 10 and s["last_seen"] == "2026-11-22T08:03:00.000Z", s
	assert a[dom["id"]]["created"] == dom["created"] and dom["modified"] > a[dom["id"]]["modified"]
	PY
'

test_expect_success 'an export with nothing new rewrites the same outputs' '
	cp out/lurewatch-stix.json before.json && cp out/lurewatch-misp.json before-misp.json &&
	lw_ioc export -c a.conf >run3.out &&
	test_grep "read=0 " run3.out &&
	test_cmp before.json out/lurewatch-stix.json &&
	test_cmp before-misp.json out/lurewatch-misp.json
'

test_expect_success 'a release entry removes that message and its indicators' '
	hits_add --prefix r --count 1 --campaigns c9 --start 2026-11-23T08:00:00 &&
	lw_ioc export -c a.conf >/dev/null &&
	test_grep "c9-login.example" out/lurewatch-domains.txt &&
	hits_add --prefix x --count 0 --release r-0 &&
	lw_ioc export -c a.conf >run4.out &&
	test_grep "read=1 " run4.out &&
	test_grep -v "(^|[^0-9a-f-])c9-" out/lurewatch-domains.txt &&
	test_grep "c1-login.example" out/lurewatch-domains.txt &&
	"$PYTHON" - out/lurewatch-stix.json out/lurewatch-misp.json <<-\PY
	import json, re, sys
	# what remains of c9 is its retraction (t3007): revoked indicators, deleted attributes
	names_c9 = lambda o: re.search("(^|[^0-9a-f-])c9-", json.dumps(o, ensure_ascii=False))
	objs = json.load(open(sys.argv[1]))["objects"]
	c9 = [o for o in objs if names_c9(o)]
	assert c9 and all(o["type"] == "indicator" and o["revoked"] is True for o in c9), c9
	e = json.load(open(sys.argv[2]))["Event"]
	c9 = [a for a in e["Attribute"] if names_c9(a)]
	assert c9 and all(a["deleted"] is True and a["to_ids"] is False for a in c9), c9
	assert not any(names_c9(o) for o in e["Object"])
	PY
'

test_expect_success 'a hit delivered after its release (by queue id) stays out' '
	rcli XADD lw:hits "*" type release queue_id QLATE0 >/dev/null &&
	hits_add --prefix late --count 1 --campaigns c8 &&
	lw_ioc export -c a.conf >/dev/null &&
	test_grep -v "c8-" out/lurewatch-domains.txt
'

test_expect_success 'malformed entries are counted, acknowledged and do not stop the export' '
	hits_add --prefix m --count 1 --campaigns c7 --malformed &&
	lw_ioc export -c a.conf >run5.out 2>run5.err &&
	test_grep "bad=1 " run5.out &&
	test_grep "malformed" run5.err &&
	test_grep "c7-login.example" out/lurewatch-domains.txt &&
	pending_is 0
'

test_expect_success 'export_min_score, export_tlp and export_formats are honoured' '
	export_conf b.conf "$TRASH/out-b" "Agency B" export_min_score=13 export_tlp=clear \
		export_formats=stix,csv export_group=other &&
	lw_ioc export -c b.conf >/dev/null &&
	test -s out-b/lurewatch-stix.json && test -s out-b/lurewatch-iocs.csv &&
	! test -e out-b/lurewatch-misp.json &&
	test_grep "94868c89-83c2-464b-929b-a1a8aa3c8487" out-b/lurewatch-stix.json &&
	test_grep "TLP:CLEAR" out-b/lurewatch-stix.json &&
	"$PYTHON" -c "import json,sys
msgs=[json.loads(l) for l in open(\"out-b/.export-state.json\").read().splitlines()[1:]]
low=[m for m in msgs if m[\"score\"]<13]
assert low
import csv
n=[r for r in csv.DictReader(open(\"out-b/lurewatch-iocs.csv\")) if float(r[\"max_score\"])<13]
assert not n, n"
'

test_expect_success 'recipients leave only hashed; Message-IDs of own domains stay in' '
	rcli XADD lw:hits "*" event_id rc-1 time 2026-11-24T08:00:00Z instance r1 queue_id QR1 \
		sender spam@rc.example rcpt_count 2 rcpts "Alice@agency.gov.example,bob@agency.gov.example" \
		subject hi score 30 action reject rules LW_X \
		indicators "[{\"type\":\"domain\",\"value\":\"rc.example\"}]" >/dev/null &&
	lw_ioc export -c a.conf >/dev/null &&
	test_grep -v "agency.gov.example" out/lurewatch-iocs.csv &&
	test_grep -v "agency.gov.example" out/lurewatch-misp.json &&
	test_grep -v "agency.gov.example" out/lurewatch-stix.json &&
	rcli XADD lw:hits "*" event_id int-1 time 2026-11-24T08:01:00Z instance r1 queue_id QI1 \
		message_id "<abc@mail.gov.tw>" sender spoof@evil-int.example rcpt_count 1 subject hi score 30 \
		action reject rules LW_X indicators "[{\"type\":\"domain\",\"value\":\"evil-int.example\"}]" >/dev/null &&
	lw_ioc export -c a.conf >/dev/null &&
	test_grep "evil-int.example" out/lurewatch-misp.json &&
	test_grep -v "mail.gov.tw" out/lurewatch-misp.json &&
	hash=$(printf %s alice@agency.gov.example | sha256sum | cut -d" " -f1) &&
	test_grep "^domain,rc.example,.*$hash" out/lurewatch-iocs.csv
'

test_expect_success 'entries written by lurewatch-scan --publish are exported' '
	cat >scan.conf <<-EOF &&
	redis_server = 127.0.0.1:$REDIS_PORT
	rules_file = $top_srcdir/contrib/rules/lurewatch.rules
	brands_file = $top_srcdir/contrib/brands.txt
	spool_dir = $TRASH/spool
	EOF
	"$LW_SCAN" -c scan.conf --publish "$top_srcdir/contrib/samples/02-phish-credential-zh.eml" >/dev/null &&
	lw_ioc export -c a.conf >run6.out &&
	test_grep "read=1 " run6.out &&
	# the sample'"'"'s own subject: the synthetic campaign c1 has a near one, "請於N小時內驗證"
	test_grep "【緊急】您的信箱帳號即將停用，請立即驗證" out/lurewatch-misp.json
'

test_expect_success 'a scanned file gets a stable queue id (scan- and its SHA-256) that a release can name' '
	sample="$top_srcdir/contrib/samples/02-phish-credential-zh.eml" &&
	want="scan-$(sha256sum <"$sample" | cut -c1-16)" &&
	rcli XRANGE lw:hits - + | grep -A1 -x queue_id | grep "^scan-" >qid &&
	echo "$want" >expect &&
	test_cmp expect qid &&
	"$LW_SCAN" -c scan.conf --publish "$sample" >/dev/null &&
	rcli XRANGE lw:hits - + | grep -A1 -x queue_id | grep "^scan-" >qid2 &&
	printf "%s\n%s\n" "$want" "$want" >expect2 &&
	test_cmp expect2 qid2 &&
	# any score is exported here, whatever the rules and brands make of the sample
	export_conf s.conf "$TRASH/out-s" "Agency A" export_min_score=1 export_group=scan &&
	lw_ioc export -c s.conf >/dev/null &&
	test_grep "a81f2c@mail-gov-tw.example.net" out-s/lurewatch-misp.json &&
	rcli XADD lw:hits "*" type release queue_id "$want" >/dev/null &&
	lw_ioc export -c s.conf >/dev/null &&
	test_grep -v "a81f2c@mail-gov-tw.example.net" out-s/lurewatch-misp.json
'

test_expect_success 'no Redis: clear error, non-zero exit, outputs untouched' '
	cp out/lurewatch-stix.json keep.json &&
	export_conf dead.conf "$TRASH/out" "Agency A" redis_server=127.0.0.1:1 &&
	test_must_fail lw_ioc export -c dead.conf 2>dead.err &&
	test_grep "lurewatch-ioc export: " dead.err &&
	test_cmp keep.json out/lurewatch-stix.json
'

test_expect_success 'a bad export_formats is a configuration error (exit 78, EX_CONFIG)' '
	lw_ioc export -c a.conf -o export_formats=stix,pdf 2>fmt.err; test $? = 78 &&
	test_grep "unknown format" fmt.err
'

test_done
