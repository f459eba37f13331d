#!/bin/sh
# t3005-export-valid.sh - only valid, non-warninglisted values reach the blocking outputs
test_description='crafted attacks and bystanders through lurewatch-scan --publish and lurewatch-ioc export'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-export.sh"

start_redis
WL=$top_srcdir/contrib/warninglists
LONG=$(printf "a%.0s" $(seq 80))

# hit EVENT INDICATORS [SUBJECT] - one entry as the scanner writes it
hit() {
	rcli XADD lw:hits "*" event_id "$1" time 2026-11-25T08:00:00Z instance r1 queue_id "Q$1" \
		sender attacker@micros0ft-login.example rcpt_count 1 subject "${3:-hi}" score 30 action reject \
		rules LW_X indicators "$2" >/dev/null
}

test_expect_success 'crafted mails are scanned and published with protected_domains = *.gov.tw' '
	cat >scan.conf <<-EOF &&
	redis_server = 127.0.0.1:$REDIS_PORT
	rules_file = $top_srcdir/contrib/rules/lurewatch.rules
	spool_dir = $TRASH/spool
	protected_domains = *.gov.tw
	warninglists_dir = $WL
	EOF
	"$LW_SCAN" -c scan.conf --publish "$TEST_DATA/export-bare-from.eml" "$TEST_DATA/export-freemail.eml" >scan.out &&
	test_is = 2 "$(rcli XLEN lw:hits)" "entries in lw:hits"
'

test_expect_success 'the scanner marks a warninglisted indicator in the stream (first contact from gmail.com)' '
	rcli XRANGE lw:hits - + >stream.txt &&
	"$PYTHON" - stream.txt <<-\PY
	import json, sys
	lines = open(sys.argv[1]).read().split("\n")
	inds = [i for k, v in zip(lines, lines[1:]) if k == "indicators" for i in json.loads(v)]
	marked = {(i["type"], i["value"]): i.get("warninglist") for i in inds}
	assert marked.get(("sender-domain", "gmail.com")), marked
	assert not any(w for (t, v), w in marked.items() if t == "subject"), marked
	PY
'

# What analyzers may hand over for such mails, whatever they decide today,
# each with the blocking role an analyzer could give it (lure, sender,
# payload), so that only validity and the warninglists keep them out:
# the bare From as an address and a domain, the long-label lookalike, the
# tracking pixel, the free-mail sender, a protected link, public suffixes,
# the corpus's single-label recipient domain, and the real lure.
test_expect_success 'the indicators of the traps are in the stream too' '
	hit t-bare "[{\"type\":\"email-addr\",\"value\":\"gov.tw\",\"role\":\"sender\"},{\"type\":\"sender-domain\",\"value\":\"gov.tw\",\"role\":\"sender\"}]" &&
	hit t-long "[{\"type\":\"domain\",\"value\":\"login.$LONG.example\",\"role\":\"lure\"},{\"type\":\"url\",\"value\":\"https://login.$LONG.example/owa\",\"role\":\"lure\"}]" &&
	hit t-pixel "[{\"type\":\"domain\",\"value\":\"www.google-analytics.com\",\"role\":\"lure\"}]" &&
	hit t-free "[{\"type\":\"sender-domain\",\"value\":\"gmail.com\",\"role\":\"sender\"},{\"type\":\"email-addr\",\"value\":\"ms.account.security.team@gmail.com\",\"role\":\"sender\"}]" &&
	hit t-prot "[{\"type\":\"domain\",\"value\":\"www.moea.gov.tw\",\"role\":\"lure\"},{\"type\":\"url\",\"value\":\"https://www.moea.gov.tw/notice\",\"role\":\"lure\"}]" &&
	hit t-suffix "[{\"type\":\"domain\",\"value\":\"com.br\",\"role\":\"lure\"},{\"type\":\"domain\",\"value\":\"pot\",\"role\":\"lure\"},{\"type\":\"sender-domain\",\"value\":\"github.io\",\"role\":\"sender\"}]" &&
	hit t-lure "[{\"type\":\"domain\",\"value\":\"micros0ft-login.example\",\"role\":\"lure\"},{\"type\":\"email-addr\",\"value\":\"attacker@micros0ft-login.example\",\"role\":\"sender\"},{\"type\":\"url\",\"value\":\"https://bit.ly/3xYzAbc\",\"role\":\"lure\"}]" &&
	hit t-formula "[{\"type\":\"subject\",\"value\":\"=HYPERLINK(\\\"https://x.example\\\",\\\"open\\\")\"},{\"type\":\"filename\",\"value\":\"@SUM(1+1)*cmd|x.xlsx\",\"role\":\"payload\"}]" \
		"=HYPERLINK(\"https://x.example\",\"open\")" &&
	export_conf a.conf "$TRASH/out" "Agency A" "protected_domains=*.gov.tw" "warninglists_dir=$WL" &&
	lw_ioc export -c a.conf >run.out &&
	test_grep "read=10 " run.out
'

# blocking - every value of the blocking outputs, one per line
blocking() {
	grep -v "^[#;$@]" out/lurewatch-senders.access | cut -d" " -f1
	grep -v "^#" out/lurewatch-domains.txt
	grep " CNAME " out/lurewatch.rpz | cut -d" " -f1
}

test_expect_success 'the real lure is in every blocking output (the checks below can fail)' '
	test_grep "^micros0ft-login.example$" out/lurewatch-domains.txt &&
	test_grep "^\*\.micros0ft-login.example CNAME \.$" out/lurewatch.rpz &&
	test_grep "^attacker@micros0ft-login.example REJECT" out/lurewatch-senders.access
'

test_expect_success 'no bare-domain From, protected, public-suffix or single-label name blocks' '
	blocking >blocking.txt &&
	test_grep -v "gov\.tw" blocking.txt &&
	test_grep -v "^(com\.br|pot|github\.io|\*\.com\.br|\*\.pot)$" blocking.txt &&
	test_grep -v "gov\.tw" out/lurewatch-misp.json &&
	test_grep -v "gov\.tw" out/lurewatch-stix.json &&
	test_grep -v "(^|,)(com\.br|pot|github\.io)," out/lurewatch-iocs.csv
'

test_expect_success 'a long label never reaches any output, and the zone loads in BIND' '
	test_grep -v "$LONG" out/lurewatch.rpz &&
	test_grep -v "$LONG" out/lurewatch-iocs.csv &&
	if command -v named-checkzone >/dev/null 2>&1; then
		named-checkzone rpz.lurewatch out/lurewatch.rpz >checkzone.out ||
			{ cat checkzone.out; false; }
	else
		say "named-checkzone (bind9-utils) not installed: zone not loaded"
	fi
'

test_expect_success POSTFIX 'the access map builds with postmap and answers as check_sender_access would' '
	mkdir -p pfconf && : >pfconf/main.cf &&
	cp out/lurewatch-senders.access map &&
	/usr/sbin/postmap -c pfconf hash:map &&
	test_is = REJECT "$(/usr/sbin/postmap -c pfconf -q attacker@micros0ft-login.example hash:map | cut -d" " -f1)" "/usr/sbin/postmap -c pfconf -q attacker@micros0ft-login.example hash:map | cut -d  -f1" &&
	test_must_fail /usr/sbin/postmap -c pfconf -q gmail.com hash:map &&
	test_must_fail /usr/sbin/postmap -c pfconf -q gov.tw hash:map
'

test_expect_success 'warninglisted tracking pixel and free-mail domain: context, never blocking' '
	test_grep -v "google-analytics|^gmail\.com|\.gmail\.com" blocking.txt &&
	test_grep "^ms.account.security.team@gmail.com REJECT" out/lurewatch-senders.access &&
	"$PYTHON" - out/lurewatch-iocs.csv <<-\PY
	import csv, sys
	rows = {(r["type"], r["value"]): r for r in csv.DictReader(open(sys.argv[1], newline=""))}
	for k in [("domain", "www.google-analytics.com"), ("sender-domain", "gmail.com")]:
	    assert rows[k]["warninglist"], (k, rows[k])
	for k in [("domain", "micros0ft-login.example"), ("email-addr", "ms.account.security.team@gmail.com")]:
	    assert rows[k]["warninglist"] == "", (k, rows[k])
	PY
'

test_expect_success 'a shortener link stays an indicator; its host does not' '
	"$PYTHON" - out/lurewatch-iocs.csv <<-\PY
	import csv, sys
	rows = {(r["type"], r["value"]): r for r in csv.DictReader(open(sys.argv[1], newline=""))}
	assert rows[("url", "https://bit.ly/3xYzAbc")]["warninglist"] == "", rows[("url", "https://bit.ly/3xYzAbc")]
	PY
'

test_expect_success SCHEMAS 'MISP: warninglisted attributes have to_ids false and say why' '
	"$PYTHON" "$top_srcdir/t/misp-check.py" "$MISP_SCHEMAS" out/lurewatch-misp.json &&
	"$PYTHON" - out/lurewatch-misp.json <<-\PY
	import json, sys
	e = json.load(open(sys.argv[1]))["Event"]
	at = {(a["type"], a["value"]): a for a in e["Attribute"]}
	for k in [("domain", "gmail.com"), ("domain", "www.google-analytics.com")]:
	    a = at[k]
	    assert a["to_ids"] is False, (k, a)
	    assert any(t["name"].startswith("lurewatch:warninglist=") for t in a["Tag"]), a["Tag"]
	assert at[("domain", "micros0ft-login.example")]["to_ids"] is True
	assert at[("email-src", "ms.account.security.team@gmail.com")]["to_ids"] is True
	froms = [a["value"] for o in e["Object"] for a in o["Attribute"] if a["object_relation"] == "from"]
	assert "gov.tw" not in froms and "attacker@micros0ft-login.example" in froms, froms
	PY
'

test_expect_success SCHEMAS 'STIX: warninglisted values are observables only, never indicators' '
	"$PYTHON" "$top_srcdir/t/stix-validate.py" "$STIX_SCHEMAS" out/lurewatch-stix.json &&
	"$PYTHON" - out/lurewatch-stix.json <<-\PY
	import json, sys
	objs = json.load(open(sys.argv[1]))["objects"]
	pats = [o["pattern"] for o in objs if o["type"] == "indicator"]
	assert not any("%@gmail.com" in p for p in pats), pats
	assert not any("google-analytics" in p for p in pats), pats
	assert any("micros0ft-login.example" in p for p in pats), pats
	assert any("ms.account.security.team@gmail.com" in p for p in pats), pats
	doms = [o["value"] for o in objs if o["type"] == "domain-name"]
	assert "www.google-analytics.com" in doms, doms
	ids = {o["id"] for o in objs}
	for o in objs:
	    if o["type"] == "relationship":
	        assert o["source_ref"] in ids and o["target_ref"] in ids, o
	PY
'

test_expect_success 'CSV: cells a spreadsheet would evaluate are neutralized' '
	"$PYTHON" - out/lurewatch-iocs.csv <<-\PY
	import csv, sys
	rows = list(csv.reader(open(sys.argv[1], newline="")))
	cells = [c for r in rows for c in r]
	bad = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
	assert not bad, bad
	assert "\x27=HYPERLINK(\"https://x.example\",\"open\")" in cells, [c for c in cells if "HYPERLINK" in c]
	assert "\x27@SUM(1+1)*cmd|x.xlsx" in cells
	PY
'

test_done
