#!/bin/sh
test_description='the milter envelope as Postfix reports it: client address and SMTP AUTH (LW_HDR_SPOOFED_INTERNAL), MAIL FROM as the Return-Path'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

milter_postfix_init

# Postfix's XCLIENT (allowed from loopback only) sets the client address and
# the SASL login that smtpd reports to the milter ({client_addr},
# {auth_authen}), so one loopback client can play an Internet host, a host
# on the internal network and an authenticated user.
cat >lurewatch.conf <<EOF
rules_file = $top_srcdir/contrib/rules/lurewatch.rules
brands_file = $top_srcdir/contrib/brands.txt
protected_domains = agency.gov.tw
internal_networks = 10.0.0.0/8
EOF

msg() { # msg FILE FROM: a plain message; Message-ID <FILE@lurewatch.test>
	printf 'From: %s\nTo: user@agency.gov.tw\nSubject: meeting\nDate: %s\nMessage-ID: <%s@lurewatch.test>\n\nSee you at ten.\n' \
		"$2" "$(LC_ALL=C date -R)" "$1" >"$1"
}

send() { # send FILE ADDR [LOGIN]: submit as client ADDR (authenticated as LOGIN); prints the queue id
	swaks --server 127.0.0.1 --port $SPORT --from it@agency.gov.tw --to user@agency.gov.tw \
		--xclient-addr "$2" --xclient-name "[UNAVAILABLE]" ${3:+--xclient-login "$3"} \
		--data "@$1" --timeout 150 >"$1.out" 2>&1 &&
	sed -n "s/.*Ok: queued as \([0-9A-F]*\).*/\1/p" "$1.out"
}

hits_of() { # the milter's hits= for queue id $1
	wait_for grep -q "^lurewatch-milter: $1: " "$MILTER_LOG" &&
	sed -n "s/^lurewatch-milter: $1: .* hits=\([^ ]*\) .*/\1/p" "$MILTER_LOG"
}

send_from() { # send_from FILE SENDER: submit from an Internet client with MAIL FROM SENDER; prints the queue id
	swaks --server 127.0.0.1 --port $SPORT --from "$2" --to user@agency.gov.tw \
		--xclient-addr 203.0.113.9 --xclient-name "[UNAVAILABLE]" \
		--data "@$1" --timeout 150 >"$1.out" 2>&1 &&
	sed -n "s/.*Ok: queued as \([0-9A-F]*\).*/\1/p" "$1.out"
}

brand_msg() { # brand_msg FILE: a Microsoft notice
	printf 'From: Microsoft <no-reply@microsoft.com>\nTo: user@agency.gov.tw\nSubject: notice\nDate: %s\nMessage-ID: <%s@microsoft.com>\n\nYour notice.\n' \
		"$(LC_ALL=C date -R)" "$1" >"$1"
}

test_expect_success 'start the milter and a Postfix that accepts XCLIENT from loopback' '
	milter_postfix_start -m "smtpd_authorized_xclient_hosts = 127.0.0.0/8" -c lurewatch.conf
'

test_expect_success 'protected From from an external client without AUTH fires, the evidence names the envelope' '
	msg ext "IT <it@agency.gov.tw>" &&
	id=$(send ext 203.0.113.9) && test -n "$id" &&
	hits_of $id >hits &&
	test_grep "LW_HDR_SPOOFED_INTERNAL" hits &&
	wait_for grep -rq "client 203.0.113.9 (envelope)" "$TRASH/quarantine"
'

test_expect_success 'near miss: the same From from a client on internal_networks' '
	msg int "IT <it@agency.gov.tw>" &&
	id=$(send int 10.1.2.3) && test -n "$id" &&
	hits_of $id >hits &&
	! grep -q LW_HDR_SPOOFED_INTERNAL hits
'

test_expect_success 'near miss: the same From from an external client that authenticated (SMTP AUTH)' '
	msg auth "IT <it@agency.gov.tw>" &&
	id=$(send auth 203.0.113.9 alice) && test -n "$id" &&
	hits_of $id >hits &&
	! grep -q LW_HDR_SPOOFED_INTERNAL hits
'

test_expect_success 'near miss: an external client with a From outside the organization' '
	msg other "A <a@example.com>" &&
	id=$(send other 203.0.113.9) && test -n "$id" &&
	hits_of $id >hits &&
	! grep -q LW_HDR_SPOOFED_INTERNAL hits
'

# Delivery writes MAIL FROM as Return-Path (RFC 5321 4.4), so the milter
# judges the envelope sender, as lurewatch-scan judges the delivered copy.
test_expect_success 'brand From, unrelated MAIL FROM: LW_HDR_BRAND_RETURNPATH, as on the delivered copy' '
	brand_msg env &&
	id=$(send_from env bounce@nisihfjoz.co.uk) && test -n "$id" &&
	hits_of $id >hits &&
	test_grep "LW_HDR_BRAND_RETURNPATH" hits
'

test_expect_success 'near miss: MAIL FROM in the brand'"'"'s own domain' '
	brand_msg own &&
	id=$(send_from own bounce@email.microsoft.com) && test -n "$id" &&
	hits_of $id >hits &&
	! grep -q LW_HDR_BRAND_RETURNPATH hits
'

test_done
