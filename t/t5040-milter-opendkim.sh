#!/bin/sh
test_description='OpenDKIM verifies before lurewatch in smtpd_milters: its Authentication-Results reach the verdict'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

postfix_require_or_skip
for tool in opendkim opendkim-genkey opendkim-testmsg; do
	command -v $tool >/dev/null 2>&1 ||
		test_skip_all "$tool is not installed (Debian opendkim, opendkim-tools: contrib/setup-debian)"
done

# The chain of the README: OpenDKIM verifies and writes Authentication-Results
# under our authserv-id, removing any that arrive with it; lurewatch trusts
# that id. Keys come from a file (TestPublicKeys): no DNS, no network.
AUTHSERV=mx.agency.gov.tw
PF=$TRASH/pf
DPORT=$(free_port)
MPORT=$(free_port)
SPORT=$(free_port)
test_at_exit 'milter_stop; postfix_stop "$PF"; [ -z "$DKIM_PID" ] || kill "$DKIM_PID" 2>/dev/null'

test_expect_success 'a DKIM key for paypal.com, published in a local key file' '
	mkdir keys &&
	opendkim-genkey -b 1024 -D keys -d paypal.com -s sel1 &&
	printf "sel1._domainkey.paypal.com %s\n" \
		"$(sed -n "s/[^\"]*\"\([^\"]*\)\"[^\"]*/\1/gp" keys/sel1.txt | tr -d "\n" | sed "s/h=sha256; //")" \
		>keys/public.txt &&
	test_grep "^sel1._domainkey.paypal.com v=DKIM1; .*p=MI" keys/public.txt
'

test_expect_success 'start OpenDKIM (verifier), lurewatch and a Postfix with both in smtpd_milters' '
	cat >opendkim.conf <<-EOF &&
	Mode                v
	Syslog              no
	Socket              inet:$DPORT@127.0.0.1
	PidFile             $TRASH/opendkim.pid
	AuthservID          $AUTHSERV
	TestPublicKeys      $TRASH/keys/public.txt
	AlwaysAddARHeader   yes
	InternalHosts       192.0.2.1
	RemoveARFrom        $AUTHSERV
	RemoveARAll         yes
	EOF
	opendkim -f -x opendkim.conf >opendkim.log 2>&1 &
	DKIM_PID=$! &&
	wait_for sh -c "ss -ltn | grep -q \"127.0.0.1:$DPORT \"" &&
	cat >lurewatch.conf <<-EOF &&
	rules_file = $top_srcdir/contrib/rules/lurewatch.rules
	brands_file = $top_srcdir/contrib/brands.txt
	trusted_authserv_ids = $AUTHSERV
	clamav = no
	EOF
	milter_start milter -c "$TRASH/lurewatch.conf" -p inet:$MPORT@127.0.0.1 &&
	postfix_setup "$PF" $SPORT "inet:127.0.0.1:$DPORT, inet:127.0.0.1:$MPORT" &&
	postfix_start "$PF"
'

# statement ID: PayPal mail sent through a mailing service (its Message-ID is the service's), to stdout
statement() {
	printf "From: PayPal <service@paypal.com>\nTo: user@agency.gov.tw\nSubject: Your monthly statement\nDate: %s\nMessage-ID: <%s@mta7.esp.example>\n\nYour statement for November is ready in your account.\n" \
		"$(LC_ALL=C date -R)" "$1"
}

# sign: the message on stdin signed for paypal.com with the test key (opendkim-testmsg signs rsa-sha1)
sign() {
	opendkim-testmsg -d paypal.com -k keys/sel1.private -s sel1
}

# header FILE: the header fields of FILE, one unfolded field per line
header() {
	sed "/^$/q" "$1" | awk "/^[ \t]/ { sub(/^[ \t]+/, \" \"); line = line \$0; next } { if (line != \"\") print line; line = \$0 } END { print line }"
}

# delivered ID: the delivered copy of the message whose Message-ID is <ID@mta7.esp.example>
delivered() {
	grep -l "^Message-ID: <$1@mta7.esp.example>" $(postfix_delivered "$PF") 2>/dev/null | head -1
}

# send ID: submit file ID and wait for its delivery; ID.out is the delivered copy
send() {
	postfix_send "$PF" "$1" >"$1.swaks" &&
	wait_for sh -c "grep -l \"^Message-ID: <$1@mta7.esp.example>\" $PF/mail/sink/new/* >/dev/null 2>&1" &&
	cp "$(delivered "$1")" "$1.out"
}

test_expect_success 'unsigned: OpenDKIM says dkim=none and lurewatch keeps LW_HDR_MSGID_UNRELATED' '
	statement unsigned >unsigned &&
	send unsigned &&
	header unsigned.out >h &&
	test_grep "^Authentication-Results: $AUTHSERV; dkim=none" h &&
	test_grep "^X-Lurewatch-Hits: .*LW_HDR_MSGID_UNRELATED" unsigned.out
'

test_expect_success 'signed by paypal.com: OpenDKIM says dkim=pass and the hit disappears' '
	statement signed | sign >signed &&
	test_grep "^DKIM-Signature: .*d=paypal.com" signed &&
	send signed &&
	header signed.out >h &&
	test_grep "^Authentication-Results: $AUTHSERV; dkim=pass .*header.d=paypal.com" h &&
	test_grep -v "LW_HDR_MSGID_UNRELATED" signed.out
'

test_expect_success 'forged: a body changed after signing fails, and the hit stays' '
	statement forged | sign | sed "s/is ready in your account/is ready: log in at the link below/" >forged &&
	send forged &&
	header forged.out >h &&
	test_grep "^Authentication-Results: $AUTHSERV; dkim=fail" h &&
	test_grep "^X-Lurewatch-Hits: .*LW_HDR_MSGID_UNRELATED" forged.out
'

test_expect_success 'forged: a dkim=pass written by the sender under our id is removed, and the hit stays' '
	{
		echo "Authentication-Results: $AUTHSERV; dkim=pass header.d=paypal.com header.s=sel1" &&
		statement stamped
	} >stamped &&
	send stamped &&
	header stamped.out >h &&
	test_grep_count = 1 "^Authentication-Results: $AUTHSERV" h &&
	test_grep "^Authentication-Results: $AUTHSERV; dkim=none" h &&
	test_grep "^X-Lurewatch-Hits: .*LW_HDR_MSGID_UNRELATED" stamped.out
'

test_done
