#!/bin/sh
# t3007-export-retract.sh - a release revokes what only released messages supported, at our files and at the partners
test_description='STIX revoked and pushed to TAXII, MISP deleted and republished, the MISP feed directory'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-export.sh"

start_redis

# standin DIR: the TAXII and MISP stand-in (t/push-standin.py); sets SPORT
standin() {
	mkdir -p $1 && rm -f $1/port &&
	{ "$PYTHON" "$top_srcdir/t/push-standin.py" "$TRASH/$1" s3cret-key & } &&
	test_at_exit "kill $! 2>/dev/null" &&
	wait_for test -s $1/port &&
	SPORT=$(cat $1/port)
}

# event_of FILE - the event id the scanner published for that fixture
event_of() {
	rcli --raw XRANGE lw:hits - + | "$PYTHON" -c 'import sys
lines = sys.stdin.read().split("\n")
ids = [lines[i + 1] for i, l in enumerate(lines) if l == "event_id"]
subj = [lines[i + 1] for i, l in enumerate(lines) if l == "subject"]
print([e for e, s in zip(ids, subj) if sys.argv[1] in s][int(sys.argv[2])])' "$1" "${2:-0}"
}

# next_second - return once the clock has passed into the next second
next_second() {
	local s=$(date +%s)
	while [ "$(date +%s)" = "$s" ]; do sleep 0.1; done
}

# The spoofed bank once (its lure bot-verify.example), the free-mail lure
# twice (mailbox-quota.example, two messages), a second later: the event's
# latest message is not the one whose indicators the release retracts, and
# the event must still become newer (MISP timestamps count seconds).
test_expect_success 'three messages scanned and published, exported and pushed' '
	standin srv &&
	echo s3cret-key >key && chmod 600 key &&
	cat >scan.conf <<-EOF &&
	redis_server = 127.0.0.1:$REDIS_PORT
	rules_file = $top_srcdir/contrib/rules/lurewatch.rules
	brands_file = $top_srcdir/contrib/brands.txt
	protected_domains = agency.gov.tw, *.gov.tw
	trusted_authserv_ids = mx.agency.gov.tw
	spool_dir = $TRASH/spool
	EOF
	"$LW_SCAN" -c scan.conf --publish "$TEST_DATA/roles/spoofed-bank.eml" >/dev/null &&
	next_second &&
	"$LW_SCAN" -c scan.conf --publish "$TEST_DATA/roles/freemail-sender.eml" \
		"$TEST_DATA/roles/freemail-sender.eml" >/dev/null &&
	export_conf a.conf "$TRASH/out" "Agency A" \
		export_taxii_url=http://127.0.0.1:$SPORT/taxii2/collections/91a7b528/objects/ \
		export_taxii_key_file=$TRASH/key \
		export_misp_url=http://127.0.0.1:$SPORT/ export_misp_key_file=$TRASH/key \
		export_formats=stix,misp,misp-feed,csv,postfix,domains,rpz,hashes &&
	lw_ioc export -c a.conf >run1.out &&
	test_grep "read=3 .*pushed=2 " run1.out &&
	test_grep "^POST /events/publish/[0-9a-f-]{36} 200$" srv/requests.log &&
	test_grep "bot-verify.example" out/lurewatch-domains.txt &&
	cp out/lurewatch-stix.json before.json &&
	cp out/misp-feed/manifest.json before-manifest.json
'

# The stand-in must refuse what MISP refuses, or this script could not fail
# on an exporter that calls the wrong path, method or body.
test_expect_success 'the MISP stand-in refuses a wrong path, method, header, body or an edit not newer' '
	"$PYTHON" - "$SPORT" srv/misp-*.json <<-\PY
	import json, sys, urllib.request, urllib.error
	port, stored = sys.argv[1], json.load(open(sys.argv[2]))["Event"]
	def call(path, body=None, method="POST", key="s3cret-key", accept="application/json"):
	    req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path), method=method,
	                                 data=None if body is None else json.dumps(body).encode())
	    req.add_header("Authorization", key)
	    req.add_header("Accept", accept)
	    req.add_header("Content-Type", "application/json")
	    try:
	        return urllib.request.urlopen(req).status, {}
	    except urllib.error.HTTPError as e:
	        return e.code, json.loads(e.read() or b"{}")
	u = stored["uuid"]
	ev = {"Event": dict(stored, timestamp=str(int(stored["timestamp"]) + 10))}
	cases = [
	    ("wrong path", call("/events/update/" + u, ev), 404),
	    ("attribute API not used", call("/attributes/delete/" + u, {}), 404),
	    ("GET", call("/events/publish/" + u, method="GET"), 405),
	    ("wrong key", call("/events/publish/" + u, {}, key="wrong"), 403),
	    ("no JSON Accept", call("/events/publish/" + u, {}, accept="text/html"), 406),
	    ("body without Event", call("/events/edit/" + u, {"event": stored}), 400),
	    ("event without info", call("/events/edit/" + u, {"Event": dict(stored, info="")}), 400),
	    ("uuid of another event", call("/events/edit/" + u, {"Event": dict(stored, uuid="0" * 8 + u[8:])}), 400),
	    ("unknown event", call("/events/publish/" + "0" * 8 + u[8:], {}), 404),
	    ("edit not newer", call("/events/edit/" + u, {"Event": stored}), 403),
	]
	for what, (status, body), want in cases:
	    assert status == want, "%s: HTTP %s, expected %s (%s)" % (what, status, want, body)
	assert "not newer than the local copy" in cases[-1][1][1]["errors"], cases[-1]
	assert json.load(open(sys.argv[2]))["Event"] == stored, "a refused call changed the stored event"
	PY
'

test_expect_success 'a reviewer releases the bank message and one of the two free-mail messages' '
	rcli XADD lw:hits "*" type release released_event_id "$(event_of 帳戶異常)" time 2026-12-01T10:00:00Z >/dev/null &&
	rcli XADD lw:hits "*" type release released_event_id "$(event_of quota 1)" time 2026-12-01T10:00:00Z >/dev/null &&
	: >srv/requests.log &&
	lw_ioc export -c a.conf >run2.out &&
	test_grep "read=2 .*pushed=2 " run2.out &&
	test_grep -v "bot-verify" out/lurewatch-domains.txt &&
	test_grep "^mailbox-quota.example$" out/lurewatch-domains.txt
'

test_expect_success 'STIX: the same indicator, modified later, revoked; the one still supported is not' '
	"$PYTHON" - before.json out/lurewatch-stix.json <<-\PY
	import json, sys
	ind = lambda f: {o["pattern"]: o for o in json.load(open(f))["objects"] if o["type"] == "indicator"}
	a, b = ind(sys.argv[1]), ind(sys.argv[2])
	p = "[domain-name:value = \x27bot-verify.example\x27]"
	assert b[p]["revoked"] is True and b[p]["id"] == a[p]["id"], b[p]
	assert b[p]["created"] == a[p]["created"] and b[p]["modified"] > a[p]["modified"], (a[p], b[p])
	assert b[p]["x_opencti_detection"] is False
	q = "[domain-name:value = \x27mailbox-quota.example\x27]"
	assert "revoked" not in b[q] and b[q]["x_opencti_detection"] is True, b[q]
	# exactly what only the bank message named: its lure, its sending IP, its subject
	revoked = sorted(k for k, o in b.items() if o.get("revoked"))
	assert len(revoked) == 4 and all(w in " ".join(revoked) for w in
	                                 ("bot-verify.example/login", "203.0.113.7", "\u5e33\u6236")), revoked
	PY
'

test_expect_success SCHEMAS 'the bundle with revoked objects validates' '
	"$PYTHON" "$top_srcdir/t/stix-validate.py" "$STIX_SCHEMAS" out/lurewatch-stix.json
'

test_expect_success 'TAXII: the revoked object reached the collection' '
	test_grep "^POST /taxii2/collections/91a7b528/objects/ 202$" srv/requests.log &&
	"$PYTHON" - srv <<-\PY
	import json, os, sys
	n = max(int(f[6:-5]) for f in os.listdir(sys.argv[1]) if f.startswith("taxii-"))
	objs = json.load(open(os.path.join(sys.argv[1], "taxii-%d.json" % n)))["objects"]
	assert any(o.get("revoked") and "bot-verify.example" in o.get("pattern", "") for o in objs), n
	PY
'

test_expect_success 'MISP: the attribute deleted with to_ids false at the server, the event republished after the edit' '
	test_grep "^POST /events/edit/[0-9a-f-]{36} 200$" srv/requests.log &&
	test "$(grep -n "/events/edit/" srv/requests.log | cut -d: -f1)" -lt \
		"$(grep -n "/events/publish/" srv/requests.log | cut -d: -f1)" &&
	"$PYTHON" - srv/misp-*.json <<-\PY
	import json, sys
	e = json.load(open(sys.argv[1]))["Event"]
	assert e["published"] is True
	at = {a["value"]: a for a in e["Attribute"]}
	gone = at["bot-verify.example"]
	assert gone["deleted"] is True and gone["to_ids"] is False and "retracted" in gone["comment"], gone
	assert at["mailbox-quota.example"]["to_ids"] is True and not at["mailbox-quota.example"].get("deleted")
	PY
'

test_expect_success SCHEMAS 'MISP event and feed events pass the MISP checks' '
	"$PYTHON" "$top_srcdir/t/misp-check.py" "$MISP_SCHEMAS" out/lurewatch-misp.json out/misp-feed/*-*-*-*-*.json
'

test_expect_success 'the MISP feed: manifest lists each event file, hashes.csv matches the live attributes' '
	"$PYTHON" - out/misp-feed <<-\PY
	import hashlib, json, os, sys
	d = sys.argv[1]
	man = json.load(open(os.path.join(d, "manifest.json")))
	files = sorted(f[:-5] for f in os.listdir(d) if f.endswith(".json") and f != "manifest.json")
	assert sorted(man) == files and files, (sorted(man), files)
	want = set()
	for u in files:
	    e = json.load(open(os.path.join(d, u + ".json")))["Event"]
	    assert e["uuid"] == u and e["published"] is True
	    assert man[u]["info"] == e["info"] and man[u]["timestamp"] == e["timestamp"]
	    assert "(2026-" in e["info"], e["info"]
	    want |= {(hashlib.md5(a["value"].encode()).hexdigest(), u) for a in e["Attribute"] if not a.get("deleted")}
	have = {tuple(l.split(",")) for l in open(os.path.join(d, "hashes.csv")).read().splitlines()}
	assert have == want, (have ^ want)
	# a partner MISP fetching the feed takes an event only when its timestamp is newer
	before = json.load(open("before-manifest.json"))
	assert all(int(man[u]["timestamp"]) > int(before[u]["timestamp"]) for u in before if u in man), (before, man)
	assert (hashlib.md5(b"mailbox-quota.example").hexdigest(), files[0]) in have or len(files) > 1
	assert not any(h == hashlib.md5(b"bot-verify.example").hexdigest() for h, u in have)
	PY
'

test_done
