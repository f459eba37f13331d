#!/bin/sh
# t3006-export-roles.sh - indicator roles from lurewatch-scan --publish to every output of lurewatch-ioc export
test_description='the lure, payload and sender block; an impersonated bank, a tracking pixel, a free-mail domain never do'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-export.sh"

start_redis

# The two messages (t/data/roles):
#   spoofed-bank.eml    From service@bot.com.tw (the Bank of Taiwan's real domain, DMARC fail
#                       by our relay), sent from 203.0.113.7, a credential link to
#                       bot-verify.example, the bank's own link, a tracking pixel on
#                       px.tracker-example.net and an unsubscribe link on list.mailer-example.net
#   freemail-sender.eml a Gmail address claiming the ministry, Reply-To on outlook.com, sent
#                       through Google's relay, a link to mailbox-quota.example
test_expect_success 'both messages are scanned and published, then exported' '
	cat >scan.conf <<-EOF &&
	redis_server = 127.0.0.1:$REDIS_PORT
	rules_file = $top_srcdir/contrib/rules/lurewatch.rules
	brands_file = $top_srcdir/contrib/brands.txt
	protected_domains = agency.gov.tw, *.gov.tw
	protected_names = 數位發展部, Ministry of Digital Affairs
	trusted_authserv_ids = mx.agency.gov.tw
	internal_networks = 127.0.0.0/8, ::1/128, 10.0.0.0/8
	spool_dir = $TRASH/spool
	EOF
	"$LW_SCAN" -c scan.conf --publish --json "$TEST_DATA/roles/spoofed-bank.eml" \
		"$TEST_DATA/roles/freemail-sender.eml" >scan.json &&
	test_grep_count = 2 "\"action\":\"reject\"" scan.json &&
	export_conf a.conf "$TRASH/out" "Agency A" &&
	lw_ioc export -c a.conf >run.out &&
	test_grep "read=2 " run.out
'

test_expect_success 'the scan gives each indicator the role its analyzer knows' '
	"$PYTHON" - scan.json <<-\PY
	import json, sys
	bank, free = [json.loads(l) for l in open(sys.argv[1])]
	role = lambda r: {(i["type"], i["value"]): i.get("role", "") for i in r["indicators"]}
	b, f = role(bank), role(free)
	want = {("domain", "bot.com.tw"): "impersonated", ("domain", "bot-verify.example"): "lure",
	        ("url", "https://bot-verify.example/login"): "lure", ("ipv4-addr", "203.0.113.7"): "sender"}
	assert all(b.get(k) == v for k, v in want.items()), b
	assert not any("tracker-example" in v or "mailer-example" in v or v == "https://www.bot.com.tw/"
	               for t, v in b), b
	want = {("email-addr", "helpdesk.support2026@gmail.com"): "sender",
	        ("email-addr", "recovery-desk@outlook.com"): "sender", ("domain", "mailbox-quota.example"): "lure"}
	assert all(f.get(k) == v for k, v in want.items()), f
	# the free-mail domains and the Google relay: never more than bystanders
	assert all(r == "bystander" for (t, v), r in f.items() if v in ("gmail.com", "outlook.com")), f
	assert "198.51.100.23" not in [v for t, v in f], f
	PY
'

test_expect_success 'block lists hold the lures and the attacker senders, nothing else' '
	test_grep "^bot-verify.example$" out/lurewatch-domains.txt &&
	test_grep "^mailbox-quota.example$" out/lurewatch-domains.txt &&
	test_grep "^bot-verify.example CNAME \.$" out/lurewatch.rpz &&
	test_grep "^helpdesk.support2026@gmail.com REJECT " out/lurewatch-senders.access &&
	test_grep "^recovery-desk@outlook.com REJECT " out/lurewatch-senders.access &&
	for f in lurewatch-domains.txt lurewatch.rpz lurewatch-senders.access; do
		test_grep -v "bot\.com\.tw|^gmail\.com|^outlook\.com|tracker-example|mailer-example" out/$f ||
			return 1
	done &&
	test_grep "^ipv4-addr,203.0.113.7,.*,sender,yes$" out/lurewatch-iocs.csv &&
	test_grep "^domain,bot.com.tw,.*,impersonated,no$" out/lurewatch-iocs.csv
'

test_expect_success 'MISP: lures and senders for detection, the spoofed bank as context only' '
	"$PYTHON" - out/lurewatch-misp.json <<-\PY
	import json, sys
	e = json.load(open(sys.argv[1]))["Event"]
	at = {a["value"]: a for a in e["Attribute"]}
	tags = lambda a: [t["name"] for t in a["Tag"]]
	for v in ("bot-verify.example", "https://bot-verify.example/login", "mailbox-quota.example",
	          "helpdesk.support2026@gmail.com", "recovery-desk@outlook.com", "203.0.113.7"):
	    assert at[v]["to_ids"] is True, at[v]
	bank = at["bot.com.tw"]
	assert bank["to_ids"] is False and "lurewatch:role=\"impersonated\"" in tags(bank), bank
	assert "gmail.com" not in at and "outlook.com" not in at, sorted(at)
	assert not any("tracker-example" in v or "mailer-example" in v for v in at), sorted(at)
	assert all(s["Organisation"]["name"] == "Agency A" for a in at.values() for s in a["Sighting"][:1])
	for o in e["Object"]:
	    fr = [a for a in o["Attribute"] if a["object_relation"] == "from"]
	    if fr and fr[0]["value"] == "service@bot.com.tw":
	        assert fr[0]["to_ids"] is False, fr
	PY
'

test_expect_success 'STIX: no indicator for the bank, the pixel or a free-mail domain; the bank as an observable' '
	"$PYTHON" - out/lurewatch-stix.json <<-\PY
	import json, sys
	objs = json.load(open(sys.argv[1]))["objects"]
	pats = [o["pattern"] for o in objs if o["type"] == "indicator"]
	assert "[domain-name:value = \x27bot-verify.example\x27]" in pats, pats
	assert not any("bot.com.tw" in p or "tracker-example" in p or "\x27gmail.com\x27" in p for p in pats), pats
	assert any(o["type"] == "domain-name" and o["value"] == "bot.com.tw" for o in objs)
	for o in objs:
	    if o["type"] == "indicator" and "bot-verify" in o["pattern"]:
	        assert o["x_opencti_detection"] is True and o["confidence"] > 50, o
	PY
'

test_expect_success SCHEMAS 'the outputs still validate (STIX schemas, MISP lax schema)' '
	"$PYTHON" "$top_srcdir/t/stix-validate.py" "$STIX_SCHEMAS" out/lurewatch-stix.json &&
	"$PYTHON" "$top_srcdir/t/misp-check.py" "$MISP_SCHEMAS" out/lurewatch-misp.json
'

test_expect_success 'an entry from before roles: its link domain is context, its hash still blocks' '
	hash=$(printf old | sha256sum | cut -d" " -f1) &&
	rcli XADD lw:hits "*" event_id old-1 time 2026-11-24T08:00:00Z instance r1 queue_id QOLD \
		sender x@old-style.example rcpt_count 1 subject hi score 30 action reject rules LW_X \
		indicators "[{\"type\":\"domain\",\"value\":\"old-style.example\"},{\"type\":\"sha256\",\"value\":\"$hash\"}]" \
		>/dev/null &&
	lw_ioc export -c a.conf >/dev/null &&
	test_grep -v "old-style" out/lurewatch-domains.txt &&
	test_grep "^sha256 $hash$" out/lurewatch-hashes.txt &&
	test_grep "^domain,old-style.example,.*,,no$" out/lurewatch-iocs.csv
'

test_expect_success 'a domain one message names as an impersonated brand never blocks, whatever others say' '
	rcli XADD lw:hits "*" event_id mix-1 time 2026-11-24T09:00:00Z instance r1 queue_id QMIX \
		sender x@mix.example rcpt_count 1 subject hi score 30 action reject rules LW_X \
		indicators "[{\"type\":\"domain\",\"value\":\"bot-verify.example\",\"role\":\"impersonated\"}]" \
		>/dev/null &&
	lw_ioc export -c a.conf >/dev/null &&
	test_grep -v "bot-verify" out/lurewatch-domains.txt &&
	test_grep "^domain,bot-verify.example,.*,impersonated,no$" out/lurewatch-iocs.csv
'

test_expect_success 'a kit in a brand-owned customer namespace and a lure behind its own List-Unsubscribe host are lures' '
	# bucket-kit.eml  a credential page on a regional storage endpoint
	#                 (acct-verify.s3.us-east-1.amazonaws.com: below a public suffix of the
	#                 private section, so a customer of the brand, not the brand) beside the
	#                 real Amazon link; esp-kit.eml  the lure on the tracking host its
	#                 List-Unsubscribe field also names, as bulk kits send it
	"$LW_SCAN" -c scan.conf --publish --json "$TEST_DATA/roles/bucket-kit.eml" \
		"$TEST_DATA/roles/esp-kit.eml" >kits.json &&
	"$PYTHON" - kits.json <<-\PY &&
	import json, sys
	bucket, esp = [json.loads(l) for l in open(sys.argv[1])]
	role = lambda r: {(i["type"], i["value"]): i.get("role", "") for i in r["indicators"]}
	b, e = role(bucket), role(esp)
	assert b.get(("url", "https://acct-verify.s3.us-east-1.amazonaws.com/login.html")) == "lure", b
	assert b.get(("domain", "acct-verify.s3.us-east-1.amazonaws.com")) == "lure", b
	assert not any("www.amazon.com" in v for t, v in b), b      # the brand\x27s own link
	assert e.get(("url", "https://click.promo-relay.example/c/T0JyNHlHaGRmQ25T")) == "lure", e
	assert ("url", "https://click.promo-relay.example/u/Zi94M3p3YVdIOUJT") not in e, e  # the unsubscribe link
	PY
	lw_ioc export -c a.conf >/dev/null &&
	test_grep "^click.promo-relay.example$" out/lurewatch-domains.txt &&
	test_grep "^url,https://acct-verify.s3.us-east-1.amazonaws.com/login.html,.*,lure,yes$" out/lurewatch-iocs.csv &&
	test_grep -v "amazon.com" out/lurewatch-domains.txt
'

test_done
