#!/bin/sh
test_description='lookalike domains and filter-dodging text: skeletons, typos, combos, subdomains, scripts'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-heuristics.sh"

test_expect_success 'digit for letter (paypa1.com) fires LW_LOOKALIKE_CONFUSABLE' '
	mkmail m "From: Service <service@paypa1.com>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_CONFUSABLE m
'
test_expect_success 'Cyrillic letter in a brand domain (аpple.com, as punycode) fires LW_LOOKALIKE_CONFUSABLE' '
	mkmail m "From: Support <id@xn--pple-43d.com>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_CONFUSABLE m
'
test_expect_success 'near miss: the real domain and an unrelated one' '
	mkmail m "From: Service <service@paypal.com>" "Subject: x" &&
	expect_no_rule LW_LOOKALIKE_CONFUSABLE m &&
	mkmail n "From: Shop <shop@example-shop.com>" "Subject: x" &&
	scan_rules n >rules && ! grep -q LW_LOOKALIKE rules
'
test_expect_success 'transposition and one-letter typos fire LW_LOOKALIKE_TYPO' '
	mkmail m "From: Team <team@micorsoft.com>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_TYPO m &&
	mkmail n "From: Team <team@netfllix.com>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_TYPO n
'
test_expect_success 'near miss: short labels are not typo-matched (apply.com vs apple.com)' '
	mkmail m "From: Jobs <jobs@apply.com>" "Subject: x" &&
	expect_no_rule LW_LOOKALIKE_TYPO m
'
# A typosquat is a new name; a site a warninglist knows (the most visited
# sites) that happens to be two letters from a brand is someone's own.
mkdir lists empty &&
cat >lists/known.json <<\EOF
{"name": "test: known sites", "version": 1, "description": "t2202",
 "matching_attributes": ["domain", "hostname"], "type": "hostname", "list": ["swagbucks.com", "sytes.net"]}
EOF
test_expect_success 'near miss: a known site near a brand name (swagbucks.com, starbucks.com) is no typosquat' '
	mkmail m "From: Rewards <rewards@swagbucks.com>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_TYPO m -o warninglists_dir=$PWD/empty &&
	expect_no_rule LW_LOOKALIKE_TYPO m -o warninglists_dir=$PWD/lists
'
test_expect_success 'a name a customer chose on a known platform is still judged (google-mail.sytes.net)' '
	mkmail m "From: Mail <alert@google-mail.sytes.net>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_TYPO m -o warninglists_dir=$PWD/lists
'
test_expect_success 'brand or organization plus words fires LW_LOOKALIKE_COMBO' '
	mkmail m "From: Security <alert@paypal-secure-login.com>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_COMBO m &&
	mkmail n "From: 稅務 <tax@gov-tw-refund.com>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_COMBO n
'
test_expect_success 'the organization'"'"'s zone written as one name (gov-tw.net, govtw.com) imitates it' '
	mkmail m "From: 稅務 <tax@gov-tw.net>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_COMBO m &&
	mkmail n "From: Notice <notice@govtw.com>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_COMBO n &&
	mkmail o "From: Notice <notice@agency-gov-tw.org>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_COMBO o &&
	mkmail p "From: Notice <notice@govtw.web.app>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_FREEHOST p
'
test_expect_success 'near miss: the zone itself, and names that only contain its letters' '
	mkmail m "From: 公告 <notice@moda.gov.tw>" "Subject: x" &&
	mkmail n "From: Shop <shop@govtwist.com>" "Subject: x" &&
	mkmail o "From: Town <town@mygov.com>" "Subject: x" &&
	for f in m n o; do scan_rules $f >rules && ! grep LW_LOOKALIKE rules || return 1; done
'
test_expect_success 'near miss: keyword inside a longer word is not a combo (mypaypalshop)' '
	mkmail m "From: Shop <a@mypaypalshop.com>" "Subject: x" &&
	expect_no_rule LW_LOOKALIKE_COMBO m
'
test_expect_success 'real domain as a subdomain fires LW_LOOKALIKE_SUBDOMAIN' '
	mkmail m "From: 公告 <notice@www.gov.tw.example.net>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_SUBDOMAIN m &&
	mkmail n "From: Pay <x@paypal.com.account-check.net>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_SUBDOMAIN n
'
test_expect_success 'near miss: an ordinary subdomain' '
	mkmail m "From: News <news@www.example.net>" "Subject: x" &&
	expect_no_rule LW_LOOKALIKE_SUBDOMAIN m
'
test_expect_success 'a brand domain deep inside a long subdomain fires LW_LOOKALIKE_SUBDOMAIN' '
	mkmail m "From: Pay <x@secure.a.b.paypal.com.c.d.login-check.net>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_SUBDOMAIN m
'
test_expect_success 'near miss: a brand domain cut inside a label (paypal.community) is no claim' '
	mkmail m "From: Pay <x@paypal.community.example.net>" "Subject: x" &&
	expect_no_rule LW_LOOKALIKE_SUBDOMAIN m
'
test_expect_success 'a host of 120 labels is judged like any other, and claims nothing' '
	host=$(printf "a%.0s." $(seq 120))example.net &&
	mkmail m "From: A <x@$host>" "Subject: x" &&
	expect_no_rule LW_LOOKALIKE_SUBDOMAIN m
'
test_expect_success 'brand on a free hosting site fires LW_LOOKALIKE_FREEHOST (Reply-To host)' '
	mkmail m "From: A <a@example.com>" "Reply-To: b@office365-verify.web.app" "Subject: x" &&
	expect_rule LW_LOOKALIKE_FREEHOST m &&
	mkmail n "From: A <a@example.com>" "Reply-To: b@my-garden-blog.web.app" "Subject: x" &&
	expect_no_rule LW_LOOKALIKE_FREEHOST n
'
test_expect_success 'mixed-script label fires LW_LOOKALIKE_MIXED_SCRIPT; a one-script IDN does not' '
	mkmail m "From: A <a@xn--shopbk-8nf.com>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_MIXED_SCRIPT m &&
	mkmail n "From: 台湾 <a@xn--kprw13d.tw>" "Subject: x" &&
	expect_no_rule LW_LOOKALIKE_MIXED_SCRIPT n &&
	expect_rule LW_LOOKALIKE_PUNYCODE n
'
test_expect_success 'near miss: ASCII domain has no punycode hit' '
	mkmail m "From: A <a@example.com>" "Subject: x" &&
	expect_no_rule LW_LOOKALIKE_PUNYCODE m
'
test_expect_success 'Latin word with Cyrillic letters in the subject fires LW_TEXT_MIXED_SCRIPT' '
	mkmail m "From: A <a@example.com>" "Subject: Impоrtant Infоrmation from your bank" &&
	expect_rule LW_TEXT_MIXED_SCRIPT m &&
	mkmail n "From: A <a@example.com>" "Subject: Привет from Moscow" &&
	expect_no_rule LW_TEXT_MIXED_SCRIPT n
'
test_expect_success 'mathematical letters in the subject fire LW_TEXT_FANCY_LETTERS' '
	mkmail m "From: A <a@example.com>" "Subject: 𝐘𝐨𝐮𝐫 𝐚𝐜𝐜𝐨𝐮𝐧𝐭 is on hold" &&
	expect_rule LW_TEXT_FANCY_LETTERS m &&
	mkmail n "From: A <a@example.com>" "Subject: Your account statement" &&
	expect_no_rule LW_TEXT_FANCY_LETTERS n
'
test_expect_success 'zero-width characters inside words fire LW_TEXT_INVISIBLE_CHARS' '
	mkmail m "From: A <a@example.com>" "Subject: $(printf "A\342\200\213TEN\342\200\214\303\207\303\203O: CPF bloqueado")" &&
	expect_rule LW_TEXT_INVISIBLE_CHARS m &&
	mkmail b "From: A <a@example.com>" "Subject: hi" -- "$(printf "Pass\342\200\213word expires today")" &&
	expect_rule LW_TEXT_INVISIBLE_CHARS b
'
test_expect_success 'invisible characters sprinkled through a whole text fire LW_TEXT_INVISIBLE_CHARS' '
	body=$(for w in Our new offer for the home arrives today and every reader gets the best price on it; do printf "%s\342\200\214\342\200\214%s " "${w%?}" "${w#"${w%?}"}"; done) &&
	mkmail m "From: A <a@example.com>" "Subject: hi" -- "$body" &&
	expect_rule LW_TEXT_INVISIBLE_CHARS m
'
test_expect_success 'near miss: zero-width characters keeping dates and addresses from becoming links, Persian ZWNJ' '
	mkmail m "From: Shop <news@shop.example>" "Subject: Last day" -- \
		"$(printf "Order by Dec\357\273\277ember 24. Visit Shop\357\273\277ping.example or 25\357\273\2770 Pac\357\273\277ific Hwy, Med\357\273\277ford.")" &&
	expect_no_rule LW_TEXT_INVISIBLE_CHARS m &&
	mkmail p "From: A <a@example.com>" "Subject: hi" -- "$(printf "\331\205\342\200\214\332\251\331\206\331\205 \330\250\330\261\330\247\333\214 \330\264\331\205\330\247")" &&
	expect_no_rule LW_TEXT_INVISIBLE_CHARS p
'
test_expect_success 'near miss: an emoji ZWJ sequence is not between letters' '
	mkmail m "From: A <a@example.com>" "Subject: $(printf "Family \360\237\221\250\342\200\215\360\237\221\251 photos")" &&
	expect_no_rule LW_TEXT_INVISIBLE_CHARS m
'
test_expect_success 'link hosts count a brand only as a whole token; sender domains also inside words' '
	mkmail m "From: A <a@example.com>" "Subject: x" -- "see https://www.outlooksecure.example/ for tips" &&
	expect_no_rule LW_LOOKALIKE_COMBO m &&
	mkmail n "From: A <a@example.com>" "Subject: x" -- "see https://outlook-secure.example/ now" &&
	expect_rule LW_LOOKALIKE_COMBO n &&
	mkmail o "From: Bradesco <sac@clientesbradescoprime.example>" "Subject: x" &&
	expect_rule LW_LOOKALIKE_COMBO o
'
test_expect_success 'English lure words written with accents fire LW_TEXT_ACCENTED_LURE' '
	mkmail m "From: A <a@example.com>" "Subject: Ýour wállet re-válidation" \
		-- "Pleáse válidate your wállet." &&
	expect_rule LW_TEXT_ACCENTED_LURE m &&
	mkmail n "From: A <a@example.com>" "Subject: notice" -- "Your pảyment is due, update your ǎccount." &&
	expect_rule LW_TEXT_ACCENTED_LURE n &&
	mkmail o "From: A <a@example.com>" "Subject: Bônus" -- "Você ganhou um bônus. Café e crème brûlée no résumé." &&
	expect_no_rule LW_TEXT_ACCENTED_LURE o &&
	mkmail p "From: A <a@example.com>" "Subject: notice" -- "Only one wállet word here." &&
	expect_no_rule LW_TEXT_ACCENTED_LURE p
'
test_expect_success 'accented lure words are found after long ASCII text and after punctuation outside ASCII' '
	text=$(printf "Plain words for a while. %.0s" $(seq 200)) &&
	mkmail m "From: A <a@example.com>" "Subject: notice" \
		-- "$text Don’t wait – “update” your ǎccount, your pảyment is due." &&
	expect_rule LW_TEXT_ACCENTED_LURE m
'
test_done
