#!/bin/sh
test_description='lurewatch-milter matches indicator feeds and follows their changes on disk
(thresholds raised so every message is delivered and its hits can be read)'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

milter_postfix_init

link_msg() { # link_msg FILE ID
	printf 'From: it@example.org\nTo: user@example.net\nSubject: mailbox\nMessage-ID: <%s@example.org>\nContent-Type: text/html\n\n<p>Please <a href="https://portal.evil-login.example/owa">sign in</a></p>\n' "$2" >"$1"
}

hits_of() { # the X-Lurewatch-Hits header of the delivered message with Message-ID $1
	grep -h -A0 "^X-Lurewatch-Hits:" $(grep -l "^Message-ID: <$1@example.org>" $(postfix_delivered "$PF")) 2>/dev/null
}

stix_feed() { # stix_feed DOMAIN
	cat <<-EOF
	{"type": "bundle", "id": "bundle--6a3f0c5e-1b61-4b0e-9e5b-2f8f2c1d0a01", "objects": [
	 {"type": "indicator", "spec_version": "2.1", "id": "indicator--0b8e1c1e-5a7e-4c1f-8f5e-9d6c2a3b4c5d",
	  "created": "2026-11-01T00:00:00Z", "modified": "2026-11-01T00:00:00Z",
	  "pattern": "[domain-name:value = '$1']", "pattern_type": "stix",
	  "valid_from": "2026-11-01T00:00:00Z", "confidence": 100}]}
	EOF
}

test_expect_success 'start the milter with an empty feeds directory, checked every second' '
	mkdir feeds &&
	milter_postfix_start -o rules_file="$TEST_DATA/test.rules" -o feeds_dir="$TRASH/feeds" \
		-o clamav_db="$top_srcdir/contrib/signatures" -o reload_check_interval=1 \
		-o quarantine_score=1000 -o reject_score=1000
'

test_expect_success 'without an indicator the link is not flagged' '
	link_msg m1 m1 && postfix_send "$PF" m1 >out &&
	postfix_wait_delivered "$PF" 1 &&
	test_must_fail grep -q IOC_ "$(postfix_delivered "$PF" | tail -1)"
'

test_expect_success 'a new STIX feed is loaded by the periodic check and the next link is a sighting' '
	stix_feed evil-login.example >feeds/cert.json &&
	wait_for grep -q "reload: signatures or feeds changed on disk" "$MILTER_LOG" &&
	wait_for grep -q "reload: new engine in service" "$MILTER_LOG" &&
	link_msg m2 m2 && postfix_send "$PF" m2 >out &&
	postfix_wait_delivered "$PF" 2 &&
	hits_of m2 >hits && test_grep "IOC_DOMAIN" hits
'

test_expect_success 'a feed rewritten as malformed keeps its previous indicators' '
	n=$(grep -c "new engine in service" "$MILTER_LOG") &&
	echo "{ this is not json" >feeds/cert.json.tmp && mv feeds/cert.json.tmp feeds/cert.json &&
	wait_for_lines "$MILTER_LOG" "reload: signatures or feeds changed on disk" 2 &&
	wait_for_lines "$MILTER_LOG" "new engine in service" $((n + 1)) &&
	link_msg m3 m3 && postfix_send "$PF" m3 >out &&
	postfix_wait_delivered "$PF" 3 &&
	hits_of m3 >hits && test_grep "IOC_DOMAIN" hits
'

test_done
