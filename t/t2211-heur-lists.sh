#!/bin/sh
test_description='mailing lists: DMARC From-rewriting (Mailman, Google Groups, Sympa), the poster in Reply-To, list campaigns, private links, gateway-rewritten links'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-heuristics.sh"

# Mailman's list headers, for a list at lists.example.org
LIST_ID='List-Id: Radio users <radio-users.lists.example.org>'
LIST_POST='List-Post: <mailto:radio-users@lists.example.org>'
BEEN_THERE='X-BeenThere: radio-users@lists.example.org'

test_expect_success 'Mailman rewrote From and put the poster in Reply-To: no Reply-To hit' '
	mkmail m "From: Jeff S via Radio-users <radio-users@lists.example.org>" \
		"Reply-To: Jeff S <jeff.s@gmail.com>" "$LIST_ID" "$LIST_POST" "$BEEN_THERE" \
		"Subject: Re: [Radio-users] clock drift on the B210" &&
	expect_no_rule LW_HDR_REPLYTO_FREEMAIL m &&
	expect_no_rule LW_HDR_REPLYTO_OTHER m
'

test_expect_success 'near miss: the same header without the list fields fires LW_HDR_REPLYTO_FREEMAIL' '
	mkmail m "From: Jeff S via Radio-users <radio-users@lists.example.org>" \
		"Reply-To: Jeff S <jeff.s@gmail.com>" "Subject: clock drift on the B210" &&
	expect_rule LW_HDR_REPLYTO_FREEMAIL m
'

test_expect_success 'near miss: a list post that does not rewrite From keeps the Reply-To check' '
	mkmail m "From: Support <support@shop.example.com>" "Reply-To: <helpdesk.shop@gmail.com>" \
		"$LIST_ID" "$LIST_POST" "Subject: your order" &&
	expect_rule LW_HDR_REPLYTO_FREEMAIL m
'

test_expect_success 'a rewritten list post whose name claims a brand still fires LW_HDR_REPLYTO_FREEMAIL_CLAIM' '
	mkmail m "From: PayPal Service via Radio-users <radio-users@lists.example.org>" \
		"Reply-To: PayPal Service <paypal.service@gmail.com>" "$LIST_ID" "$LIST_POST" \
		"Subject: account limited" &&
	expect_rule LW_HDR_REPLYTO_FREEMAIL_CLAIM m
'

test_expect_success 'Google Groups: the address of a poster without a name is not a display-name lure' '
	mkmail m "From: \"'"'"'k.wong@univ.example.edu'"'"' via Radio Astronomers\" <radio-astro@googlegroups.com>" \
		"X-Original-From: k.wong@univ.example.edu" "X-Original-Sender: k.wong@univ.example.edu" \
		"Reply-To: k.wong@univ.example.edu" \
		"List-Id: <radio-astro.googlegroups.com>" "List-Post: <https://groups.google.com/group/radio-astro/post>, <mailto:radio-astro@googlegroups.com>" \
		"Mailing-list: list radio-astro@googlegroups.com; contact radio-astro+owners@googlegroups.com" \
		"Subject: pulsar timing" &&
	expect_no_rule LW_FROM_NAME_HAS_ADDR m &&
	expect_no_rule LW_IMP_NAME_ADDR_DIFFERS m &&
	expect_no_rule LW_HDR_REPLYTO_OTHER m
'

test_expect_success 'Mailman: a poster whose own name is his address is no display-name lure' '
	mkmail m "From: zcao--- via Radio-users <radio-users@lists.example.org>" \
		"Reply-To: \"zcao@radio.example.com\" <zcao@radio.example.com>" "$LIST_ID" "$LIST_POST" \
		"Subject: [Radio-users] FPGA build" &&
	expect_no_rule LW_FROM_NAME_HAS_ADDR m &&
	mkmail n "From: \"zcao@radio.example.com\" <zcao@radio.example.com>" "Subject: FPGA build" &&
	expect_no_rule LW_FROM_NAME_HAS_ADDR n
'

test_expect_success 'near miss: an address in the display name of a direct sender still fires' '
	mkmail m "From: \"k.wong@univ.example.edu\" <billing@invoices.example.net>" "Subject: pulsar timing" &&
	expect_rule LW_FROM_NAME_HAS_ADDR m &&
	expect_rule LW_IMP_NAME_ADDR_DIFFERS m
'

test_expect_success 'near miss: a list post naming an address that is not the poster'"'"'s still fires' '
	mkmail m "From: \"'"'"'billing@bank.example.com'"'"' via Radio Astronomers\" <radio-astro@googlegroups.com>" \
		"X-Original-From: k.wong@univ.example.edu" "List-Id: <radio-astro.googlegroups.com>" \
		"Subject: invoice" &&
	expect_rule LW_IMP_NAME_ADDR_DIFFERS m
'

test_expect_success 'Sympa: X-Original-From names the poster; Reply-To to the poster is no hit' '
	mkmail m "From: Anne Martin via physique-l <physique-l@listes.example.fr>" \
		"X-Original-From: Anne Martin <anne.martin@gmail.com>" "Reply-To: anne.martin@gmail.com" \
		"List-Id: <physique-l.listes.example.fr>" "List-Post: <mailto:physique-l@listes.example.fr>" \
		"Subject: séminaire jeudi" &&
	expect_no_rule LW_HDR_REPLYTO_FREEMAIL m
'

# post N: the Nth post to the list, from another member each time
post() {
	mkmail "p$1" "From: Member $1 via Radio-users <radio-users@lists.example.org>" \
		"Reply-To: member$1@gmail.com" "$LIST_ID" "$LIST_POST" "Message-ID: <p$1@example.org>" \
		"Subject: [Radio-users] question $1" -- "Question number $1 about the FPGA image."
}

test_expect_success 'campaign counters do not count list posts' '
	for i in 1 2 3 4; do post $i || return 1; done &&
	"$LW_SCAN" $LW_OPTS -o campaign_sender_threshold=2 --json p1 p2 p3 p4 >out &&
	for i in 1 2 3 4; do test_json_rules out $i || return 1; done >rules &&
	test_grep -v LW_CAMPAIGN rules
'

test_expect_success 'near miss: the same sender without list fields reaches the sender threshold' '
	for i in 1 2 3 4; do
		mkmail "d$i" "From: Offers <offers@shop.example.com>" "Message-ID: <d$i@example.org>" \
			"Subject: offer $i" -- "Offer number $i." || return 1
	done &&
	"$LW_SCAN" $LW_OPTS -o campaign_sender_threshold=2 --json d1 d2 d3 d4 >out &&
	test_json_rules out 4 >rules &&
	test_grep LW_CAMPAIGN_SENDER rules
'

# weblink FILE URL: an HTML message linking to URL (an href: text extraction stops at "[")
weblink() {
	mkmail "$1" "From: A <a@example.com>" "Subject: build log" "Content-Type: text/html; charset=utf-8" -- \
		"<p>The device answers at <a href=\"$2\">its status page</a>.</p>"
}

test_expect_success 'private, loopback and link-local addresses in links are not IP-host lures' '
	for host in 192.168.10.2 10.1.2.3 172.20.0.1 127.0.0.1 169.254.1.1 0.0.0.0 "[::1]" "[fd12:3456::1]" "[fe80::1]"; do
		weblink m "http://$host:8080/status" &&
		expect_no_rule LW_LINK_IP_HOST m || return 1
	done
'

test_expect_success 'near miss: public addresses, and a private one in numeric disguise, still fire' '
	for host in 172.32.0.1 198.51.100.7 "[2001:db8::1]" 3232238082; do
		weblink m "http://$host/login" &&
		expect_rule LW_LINK_IP_HOST m || return 1
	done
'

# gateway_link FILE TEXT HREF: a list post with one link whose text is TEXT
gateway_link() {
	mkmail "$1" "From: Ann <ann@lab.example.edu>" "$LIST_ID" "$LIST_POST" "Subject: Re: [Radio-users] schematic" \
		"Content-Type: text/html; charset=utf-8" -- "<p>The schematic: <a href=\"$3\">$2</a></p>"
}
PP2='https://urldefense.proofpoint.com/v2/url?u=https-3A__www.vendor.example.com_docs_schematic.pdf&d=DwMF&c=x&r=y&m=z&s=w&e='
SAFE='https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.vendor.example.com%2Fdocs%2F&data=05%7C01'

test_expect_success 'a link whose text a gateway rewrote (urldefense, SafeLinks) to the same site is no text mismatch' '
	gateway_link m "$PP2" "https://www.vendor.example.com/docs/schematic.pdf" &&
	expect_no_rule LW_LINK_TEXT_MISMATCH m &&
	gateway_link n "$SAFE" "https://www.vendor.example.com/docs/" &&
	expect_no_rule LW_LINK_TEXT_MISMATCH n
'

test_expect_success 'near miss: a rewritten link shown over a link to another site still fires' '
	gateway_link m "$PP2" "https://login.evil.example.net/docs/schematic.pdf" &&
	expect_rule LW_LINK_TEXT_MISMATCH m &&
	gateway_link n "https://www.vendor.example.com/docs/" "https://login.evil.example.net/docs/" &&
	expect_rule LW_LINK_TEXT_MISMATCH n
'

test_expect_success 'an address split by a line wrap inside %40 is not a typo domain' '
	mkmail m "From: A <a@example.com>" "Subject: Re: pulsar" -- \
		"$(printf "> To view this discussion visit\n> https://groups.google.com/d/msgid/radio-astro/f16f93bf%%\n> 40googlegroups.com/x\n")" &&
	expect_no_rule LW_LOOKALIKE_TYPO m &&
	mkmail n "From: A <a@example.com>" "Subject: Re: pulsar" -- \
		"$(printf "> https://groups.google.com/d/msgid/radio-astro/f16f93bf=\n> 40googlegroups.com/x\n")" &&
	expect_no_rule LW_LOOKALIKE_TYPO n
'

test_expect_success 'near miss: a real typo domain of the same brand fires LW_LOOKALIKE_TYPO' '
	mkmail m "From: A <a@example.com>" "Subject: Re: pulsar" -- \
		"Join at https://googlegroupps.com/x today" &&
	expect_rule LW_LOOKALIKE_TYPO m
'

test_expect_success 'forum and list software mailing through PHPMailer is not a kit; the same mailer outside a list is' '
	mkmail m "From: Forum <forum@lists.example.org>" "X-Mailer: PHPMailer 6.8.1" \
		"$LIST_ID" "$LIST_POST" "Subject: [Radio-users] new reply in Antennas" &&
	expect_no_rule LW_XMAILER_SCRIPT m &&
	mkmail n "From: Support <support@shop.example.com>" "X-Mailer: PHPMailer 6.8.1" "Subject: your order" &&
	expect_rule LW_XMAILER_SCRIPT n
'

test_done
