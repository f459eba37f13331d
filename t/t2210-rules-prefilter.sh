#!/bin/sh
test_description='rules prefilter: a pattern runs only where its literal is, and every hit is the same as without it'
. "$(dirname "$0")/test-lib.sh"

# rule_hits JSON - "file rule evidence" of every hit of the rules analyzer, sorted
rule_hits() {
	"$PYTHON" -c '
import json, sys
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    m = json.loads(line)
    for h in m.get("hits", []):
        if h["analyzer"] == "rules":
            out.append("%s %s %s" % (m["file"], h["rule"], h["evidence"]))
for l in sorted(out):
    print(l)
' "$1"
}

# both_ways DIR OPTS... - scan DIR with the prefilter on and off; on.hits and off.hits
both_ways() {
	local dir=$1
	shift
	"$LW_SCAN" "$@" --json "$dir" >on.json 2>on.err
	"$LW_SCAN" "$@" -o rules_prefilter=no --json "$dir" >off.json 2>off.err
	rule_hits on.json >on.hits && rule_hits off.json >off.hits
}

test_expect_success 'set up rules on every target, with case, Unicode and syntax traps' '
	kelvin=$(printf "\342\204\252") && long_s=$(printf "\305\277") &&
	cat >p.rules <<-EOF &&
	P_KELVIN   body     1 /kelvin scale/i             the Kelvin sign matches k under /i
	P_LONGS    subject  1 /\bstop now\b/i             the subject is read NFKC-normalized: long s reads s
	P_KELVIN2  subject  1 /kelvin/i                   ... and the Kelvin sign K
	P_LONGS3   header:X-Note 1 /\bstop now\b/i        a header is read as written: long s matches s under /i
	P_KELVIN3  header:X-Note 1 /kelvin/i             ... and the Kelvin sign stays, matching k under /i
	P_SIGMA    body     1 /σοφία/i                    Greek, final and capital sigma
	P_ZH       body     1 /(帳[號户戶]|信箱).{0,16}(停用|凍結)/  Chinese, one class and alternatives
	P_ALT      body     1 /\b(colou?r|e-?mail) (change|update)d?\b/i  optional letters inside alternatives
	P_EMPTY    body     1 /(abc|)defg/                an empty branch
	P_EXT      body     1 /pass \  word # a comment/xi  extended mode: spaces ignored, escaped space kept
	P_QUOTE    body     1 /\Qa.b*\E+x/                a quantifier after \E applies to the last quoted character
	P_NOLIT    body     1 /\d{6}/                     no literal: always runs
	P_LOOK     body     1 /(?<!not )urgent/i          a lookbehind adds nothing
	P_CASE     body     1 /MixedCase/                 no /i: folded for the prefilter, exact for PCRE2
	P_HTML     html     1 /<form[^>]+action/i         HTML
	P_HTML2    html     1 /display\s*:\s*none/i       HTML
	P_FILE     filename 1 /\.(exe|scr)$/i             file name
	P_FILE2    filename 1 /invoice/i                  file name
	P_HDR      header:X-Mailer 1 /phpmailer/i         header
	P_HDR2     header:x-mailer 1 /python/i            the same header, named in another case
	P_URI      uri      1 /login\.php/i               URL
	P_URI2     uri      1 /\/wp-admin\//i             URL
	P_FROMN    from-name 1 /paypal/i                  display name
	P_FROMN2   from-name 1 /security team/i           display name
	P_META     meta     1 /P_KELVIN && P_ZH/          meta over prefiltered rules
	EOF
	"$LW_SCAN" --lint-rules p.rules >lint &&
	mkdir mail &&
	cat >mail/1.eml <<-EOF &&
	From: "PayPal Security Team" <a@example.com>
	To: b@example.org
	Subject: ${long_s}TOP NOW, ${kelvin}ELVIN
	X-Note: ${long_s}TOP NOW, ${kelvin}ELVIN
	X-Mailer: PHPMailer 6.1
	MIME-Version: 1.0
	Content-Type: text/plain; charset=utf-8

	The ${kelvin}ELVIN SCALE is used. 您的帳戶 已被 停用 123456 MixedCase
	E-MAIL UPDATED, abcdefg, PASS WORD, a.b**x, URGENT.
	Log in at http://example.net/login.php
	EOF
	cat >mail/2.eml <<-EOF &&
	From: Someone <c@example.com>
	To: b@example.org
	Subject: nothing special
	X-Mailer: Python smtplib
	MIME-Version: 1.0
	Content-Type: multipart/mixed; boundary=B

	--B
	Content-Type: text/html; charset=utf-8

	<div style="DISPLAY: none"></div><p>ΣΟΦΊΑ mixedcase not urgent color changed defg password</p>
	<form method=post ACTION="http://example.net/wp-admin/x">信箱 即將 凍結</form>
	<a href="http://example.net/wp-admin/y">here</a>
	--B
	Content-Type: application/octet-stream
	Content-Disposition: attachment; filename="Invoice.PDF.SCR"

	MZ
	--B--
	EOF
	cat >mail/3.eml <<-EOF
	From: Nobody <d@example.com>
	To: b@example.org
	Subject: lunch
	MIME-Version: 1.0
	Content-Type: text/plain; charset=utf-8

	kelvin, stop, email, abc, pass, word, a.b, urge, form, invoice: words of the rules, never in their order.
	EOF
'

test_expect_success '--lint-rules says how many rules have a prefilter and lists the others' '
	test_grep "p.rules: prefilter: 23 of 24 pattern rules need a literal" lint &&
	test_grep "p.rules:[0-9]*: P_NOLIT: no required literal" lint &&
	test_grep -v "P_KELVIN: no required" lint &&
	test_grep " 0 bad$" lint
'

test_expect_success 'the hits are the expected ones, evidence included, with the prefilter' '
	both_ways mail -o rules_file=p.rules &&
	cut -d" " -f1,2 on.hits >on.ids &&
	cat >expect <<-\EOF &&
	mail/1.eml P_ALT
	mail/1.eml P_CASE
	mail/1.eml P_EMPTY
	mail/1.eml P_EXT
	mail/1.eml P_FROMN
	mail/1.eml P_FROMN2
	mail/1.eml P_HDR
	mail/1.eml P_KELVIN
	mail/1.eml P_KELVIN2
	mail/1.eml P_KELVIN3
	mail/1.eml P_LONGS
	mail/1.eml P_LONGS3
	mail/1.eml P_LOOK
	mail/1.eml P_META
	mail/1.eml P_NOLIT
	mail/1.eml P_QUOTE
	mail/1.eml P_URI
	mail/1.eml P_ZH
	mail/2.eml P_ALT
	mail/2.eml P_EMPTY
	mail/2.eml P_FILE
	mail/2.eml P_FILE2
	mail/2.eml P_HDR2
	mail/2.eml P_HTML
	mail/2.eml P_HTML2
	mail/2.eml P_SIGMA
	mail/2.eml P_URI2
	mail/2.eml P_ZH
	EOF
	test_cmp expect on.ids &&
	test_grep "P_KELVIN body: KELVIN SCALE$" on.hits &&
	test_grep "P_KELVIN2 subject: KELVIN$" on.hits &&
	test_grep "P_LONGS subject: sTOP NOW$" on.hits &&
	test_grep "P_KELVIN3 header:X-Note: $kelvin" on.hits &&
	test_grep "P_LONGS3 header:X-Note: ${long_s}TOP NOW$" on.hits &&
	test_grep "P_EXT body: PASS WORD$" on.hits &&
	test_grep "P_QUOTE body: a.b\*\*x$" on.hits
'

test_expect_success 'without the prefilter the hits and evidence are the same' '
	test_cmp off.hits on.hits
'

test_expect_success SHARED 'over the shared corpus every rule hits the same messages, with the same evidence' '
	both_ways "$SHARED/corpus" -o rules_file="$top_srcdir/contrib/rules/lurewatch.rules" \
		-o brands_file="$top_srcdir/contrib/brands.txt" &&
	test_cmp off.hits on.hits &&
	hits=$(wc -l <on.hits) && rules=$(cut -d" " -f2 on.hits | sort -u | wc -l) &&
	say "$hits rule hits of $rules rules in $(wc -l <on.json) messages, identical both ways" &&
	test_is -gt 1000 "$hits" "rule hits in on.hits" && test_is -gt 40 "$rules" "rules that hit"
'

# Two things in a verdict follow the clock, not the rules: the scan time, and
# LW_HDR_DATE_PAST's "(N days before receipt)", whose rounded N steps up when
# the clock crosses a half-day mark of the Date header between the two runs.
test_expect_success SHARED 'and so is the rest of each verdict' '
	sed -e "s/\"elapsed_ms\":[0-9.]*,//" -e "s/([0-9]* days before receipt)/(N days before receipt)/g" on.json >on.v &&
	sed -e "s/\"elapsed_ms\":[0-9.]*,//" -e "s/([0-9]* days before receipt)/(N days before receipt)/g" off.json >off.v &&
	test_cmp off.v on.v
'

test_done
