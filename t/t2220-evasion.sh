#!/bin/sh
test_description='evasion: a lure disguised by one changed byte is judged like its plain twin'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-heuristics.sh"

# The plain twin: a credential lure with a link, which the rules do not accept.
LURE='Dear valued customer, your account will be suspended within 24 hours. Please verify your account now: https://verify.example.net/login'

# action FILE: the action lurewatch-scan gives FILE
action() {
	"$LW_SCAN" $LW_OPTS --json "$1" >"$1.json" &&
	test_json_field "$1.json" action
}

# rank ACTION: accept < tag < quarantine < reject
rank() {
	case $1 in accept) echo 0 ;; tag) echo 1 ;; quarantine) echo 2 ;; reject) echo 3 ;; *) echo -1 ;; esac
}

# as_strong_as TWIN FILE: FILE gets at least the action of its plain TWIN
as_strong_as() {
	want=$(action "$1") && got=$(action "$2") || return 1
	if [ "$(rank "$got")" -lt "$(rank "$want")" ]; then
		echo "expected $2 to reach $want like $1; got $got:" >&2
		sed 's/^/    /' "$2.json" >&2
		return 1
	fi
}

# top CONTENT-TYPE...: a message's header with these Content-Type fields, and the blank line
top() {
	printf 'From: Support <support@example.com>\nTo: user@agency.gov.tw\nSubject: notice\n'
	printf 'Date: %s\nMessage-ID: <t%s@example.com>\nMIME-Version: 1.0\n' "$(LC_ALL=C date -R)" "$$"
	for ct in "$@"; do printf 'Content-Type: %s\n' "$ct"; done
	echo
}

# body_with_type FILE CONTENT-TYPE...: the lure as the body of a single part with these Content-Type fields
body_with_type() {
	local file=$1
	shift
	{ top "$@" && printf '%s\n' "$LURE"; } >"$file"
}

test_expect_success 'the plain twin is not accepted, so each twin below has something to reach' '
	body_with_type plain "text/plain; charset=utf-8" &&
	test_is != accept "$(action plain)" "action plain" || { cat plain.json >&2; false; }
'
test_expect_success 'MIME types are case-insensitive (RFC 2045 5.1)' '
	body_with_type upper "TEXT/PLAIN; charset=utf-8" &&
	as_strong_as plain upper &&
	body_with_type mixed "Text/Html; charset=utf-8" &&
	as_strong_as plain mixed
'
test_expect_success 'an unparseable Content-Type or a type without subtype is text/plain (RFC 2045 5.2)' '
	body_with_type semis ";;;" &&
	as_strong_as plain semis &&
	body_with_type nosub "text" &&
	as_strong_as plain nosub
'
test_expect_success 'unknown text subtypes are read as plain text' '
	body_with_type unknown "text/x-unknown" &&
	as_strong_as plain unknown
'
test_expect_success 'text/enriched is read without its formatting commands' '
	body_with_type enriched "text/enriched" &&
	as_strong_as plain enriched &&
	{ top text/enriched && cat <<-EOF; } >split &&
	Dear valued customer, your <bold>acc</bold>ount will be <param>x</param>suspended within 24 hours.
	Please <italic>verify</italic> your account now: https://verify.example.net/login
	EOF
	as_strong_as plain split &&
	grep -q "account will be suspended" split.json
'
test_expect_success 'a duplicated Content-Type is read as text if one says text, and flagged' '
	body_with_type dup "text/plain; charset=utf-8" "application/octet-stream" &&
	as_strong_as plain dup &&
	test_json_rules dup.json >dup.rules &&
	test_grep LW_MIME_CONFLICTING_HEADER dup.rules
'
test_expect_success 'a Text/Plain part inside an upper-case multipart' '
	{ top "MULTIPART/ALTERNATIVE; BOUNDARY=\"b1\"" && cat <<-EOF; } >multi &&
	--b1
	Content-Type: Text/Plain; charset=utf-8

	$LURE
	--b1--
	EOF
	as_strong_as plain multi
'
test_expect_success 'non-text parts stay unread: the lure as application/octet-stream is not body text' '
	body_with_type octet "application/octet-stream" &&
	action octet >/dev/null &&
	test_json_rules octet.json >octet.rules &&
	! grep -q LW_EN_ACCOUNT_SUSPEND octet.rules
'
test_expect_success 'lure text inside an attached message is read, and the evidence names the part' '
	{ top "multipart/mixed; boundary=\"b1\"" && cat <<-EOF; } >attached &&
	--b1
	Content-Type: text/plain

	See the message below.
	--b1
	Content-Type: message/rfc822
	Content-Disposition: attachment; filename="notice.eml"

	From: Support <support@example.com>
	Subject: notice
	Content-Type: text/plain; charset=utf-8

	$LURE
	--b1--
	EOF
	as_strong_as plain attached &&
	grep -q "attached message, part 2.0" attached.json
'
test_expect_success 'lure text in an attached text or HTML file is read, and the evidence names the file'"'"'s part' '
	for kind in "text/plain; name=notice.txt" "application/octet-stream; name=notice.html"
	do
		body=$LURE &&
		case $kind in *html*) body="<html><body><p>$LURE</p></body></html>" ;; esac &&
		{ top "multipart/mixed; boundary=\"b1\"" && cat <<-EOF; } >file &&
		--b1
		Content-Type: text/plain

		See the attached notice.
		--b1
		Content-Type: $kind
		Content-Disposition: attachment

		$body
		--b1--
		EOF
		as_strong_as plain file &&
		grep -q "attached file, part 2" file.json || return 1
	done
'
# Chinese puts no space between words: a sentence spelt out with a gap
# between its characters reads whole to its reader.
ZH_LURE='您的公務信箱帳號將於24小時內停用，請立即點擊下方連結驗證您的帳號密碼：https://verify.example.net/login'
test_expect_success 'a Chinese lure spelt out character by character reads whole' '
	{ top "text/plain; charset=utf-8" && printf "%s\n" "$ZH_LURE"; } >zh-plain &&
	test_is != accept "$(action zh-plain)" "action zh-plain" &&
	for sep in " " "  " "*" "_"
	do
		spaced=$("$PYTHON" -c "import sys; t, u = sys.argv[1].split(\"https\"); print(sys.argv[2].join(t) + \" https\" + u)" "$ZH_LURE" "$sep") &&
		{ top "text/plain; charset=utf-8" && printf "%s\n" "$spaced"; } >zh-spaced &&
		test_grep "帳${sep}號" zh-spaced &&
		as_strong_as zh-plain zh-spaced &&
		test_json_rules zh-spaced.json >rules &&
		test_grep "^LW_ZH_ACCOUNT_SUSPEND$" rules || return 1
	done
'
# from_name FILE NAME: a quiet mail whose display name is NAME, sent from a domain no brand owns
from_name() {
	{
		printf 'From: %s <service@secure-mail.example.net>\nTo: user@agency.gov.tw\nSubject: Your account\n' "$2"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nHello, see you soon.\n'
	} >"$1"
}

# u HEX: the character U+HEX in UTF-8
u() { "$PYTHON" -c "import sys; sys.stdout.buffer.write(chr(0x$1).encode())"; }

test_expect_success 'default-ignorable code points do not hide a brand in the display name' '
	from_name brand "PayPal Support" &&
	test_is != accept "$(action brand)" "action brand" &&
	for cp in 17B4 1160 3164 115F FFA0 2800 034F 200B 2064 180E; do
		from_name "brand-$cp" "Pay$(u $cp)Pal Support" &&
		as_strong_as brand "brand-$cp" &&
		test_json_rules "brand-$cp.json" >rules &&
		test_grep "^LW_IMP_BRAND_NAME$" rules || return 1
	done
'
test_expect_success 'a variation selector, a tag character or U+061C in a display name raises the score' '
	plain=$(test_json_field brand.json score) &&
	for cp in FE0F E0041 E0100 061C; do
		from_name "vs-$cp" "Pay$(u $cp)Pal Support" &&
		as_strong_as brand "vs-$cp" &&
		got=$(test_json_field "vs-$cp.json" score) &&
		test_json_rules "vs-$cp.json" >rules &&
		test_grep "^LW_TEXT_INVISIBLE_CHARS$" rules &&
		if ! "$PYTHON" -c "import sys; sys.exit(not float(sys.argv[2]) > float(sys.argv[1]))" "$plain" "$got"; then
			echo "U+$cp: expected a score above the plain name'"'"'s $plain, got $got" >&2
			return 1
		fi || return 1
	done
'
test_expect_success 'a combining dot does not hide a brand: composed (PayPȧl) or stray (PayPal̇)' '
	from_name dot1 "PayPa$(u 0307)l Support" &&
	as_strong_as brand dot1 &&
	from_name dot2 "PayPal$(u 0307) Support" &&
	as_strong_as brand dot2
'
test_expect_success 'invisible characters inside lure words do not hide them from the rules' '
	body_with_type hidden "text/plain; charset=utf-8" &&
	sed -i "s/account will be suspended/acc$(u 17B4)ount will be sus$(u 2800)pen$(u E0020)ded/" hidden &&
	test_grep "sus.*pen" hidden &&
	as_strong_as plain hidden &&
	test_json_rules hidden.json >rules &&
	test_grep "^LW_EN_ACCOUNT_SUSPEND$" rules
'
test_expect_success 'Cyrillic, Greek or Armenian look-alike letters inside lure words do not hide them from the rules' '
	body_with_type cyrillic "text/plain; charset=utf-8" &&
	sed -i "s/your account will be suspended/your $(u 0430)ccount will be susp$(u 0435)nded/" cyrillic &&
	as_strong_as plain cyrillic &&
	test_json_rules cyrillic.json >rules &&
	test_grep "^LW_EN_ACCOUNT_SUSPEND$" rules &&
	test_grep "^LW_TEXT_MIXED_SCRIPT_BODY$" rules &&
	body_with_type greek "text/plain; charset=utf-8" &&
	sed -i "s/your account will be suspended/y$(u 03BF)ur acc$(u 03BF)unt will be suspended/" greek &&
	as_strong_as plain greek &&
	test_json_rules greek.json >rules &&
	test_grep "^LW_EN_ACCOUNT_SUSPEND$" rules &&
	body_with_type armenian "text/plain; charset=utf-8" &&
	sed -i "s/your account will be suspended/y$(u 0585)ur acc$(u 0585)unt will be s$(u 057D)spended/" armenian &&
	as_strong_as plain armenian &&
	test_json_rules armenian.json >rules &&
	test_grep "^LW_EN_ACCOUNT_SUSPEND$" rules &&
	test_grep "^LW_TEXT_MIXED_SCRIPT_BODY$" rules
'
test_expect_success 'lure words spelt out letter by letter (spaces, dots, dashes) are read whole' '
	for spelt in "a c c o u n t  w i l l  b e  s u s p e n d e d" "a.c.c.o.u.n.t will be s-u-s-p-e-n-d-e-d" \
		"a  c  c  o  u  n  t   will   be   s  u  s  p  e  n  d  e  d"
	do
		body_with_type spelt "text/plain; charset=utf-8" &&
		sed -i "s/account will be suspended/$spelt/" spelt &&
		test_grep "c[ .-]+c[ .-]+o[ .-]+u" spelt &&
		as_strong_as plain spelt &&
		test_json_rules spelt.json >rules &&
		test_grep "^LW_EN_ACCOUNT_SUSPEND$" rules || return 1
	done
'
test_expect_success 'accents on the letters of lure words do not hide them from the rules' '
	body_with_type accented "text/plain; charset=utf-8" &&
	sed -i "s/your account will be suspended/your $(u E1)ccount will be susp$(u E9)nded/" accented &&
	as_strong_as plain accented &&
	test_json_rules accented.json >rules &&
	test_grep "^LW_EN_ACCOUNT_SUSPEND$" rules
'
test_expect_success 'a subject disguised with look-alike letters, accents, invisible characters or spacing keeps its rule' '
	for subj in "Your account has been suspended" "Your $(u 0430)ccount has been suspended" \
		"Your $(u E1)ccount has been susp$(u E9)nded" "Your acc$(u 200B)ount has been sus$(u 200B)pended" \
		"Your a c c o u n t has been suspended"
	do
		{
			printf "From: Support <support@example.com>\nTo: user@agency.gov.tw\nSubject: %s\n" "$subj" &&
			printf "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nHello.\n"
		} >subj &&
		action subj >/dev/null &&
		test_json_rules subj.json >rules &&
		test_grep "^LW_SUBJ_ACCOUNT_THREAT$" rules || return 1
	done
'
test_expect_success 'near miss: Portuguese and French text with their own accents gains no English lure' '
	top "text/plain; charset=utf-8" >accents &&
	echo "Você ganhou um bônus. Café e crème brûlée no résumé; la réunion a été déplacée à jeudi." >>accents &&
	action accents >/dev/null &&
	test_json_rules accents.json >rules &&
	test_grep -v "^LW_(EN|SUBJ)_" rules
'
test_expect_success 'lure words written backwards and drawn right to left (U+202E, <bdo>, bidi-override) are read as drawn' '
	body_with_type rlo "text/plain; charset=utf-8" &&
	sed -i "s/account will be suspended/account will be $(u 202E)dednepsus$(u 202C)/" rlo &&
	test_grep dednepsus rlo &&
	as_strong_as plain rlo &&
	test_json_rules rlo.json >rules &&
	test_grep "^LW_EN_ACCOUNT_SUSPEND$" rules &&
	body_with_type html-plain "text/html; charset=utf-8" &&
	for drawn in "<bdo dir=rtl>dednepsus</bdo>" "<span style=\"unicode-bidi:bidi-override;direction:rtl\">dednepsus</span>"
	do
		body_with_type bdo "text/html; charset=utf-8" &&
		sed -i "s|account will be suspended|account will be $drawn|" bdo &&
		test_grep dednepsus bdo &&
		as_strong_as html-plain bdo &&
		test_json_rules bdo.json >rules &&
		test_grep "^LW_EN_ACCOUNT_SUSPEND$" rules || return 1
	done
'
# attach FILE NAME: a mail carrying a small Windows program (MZ header) as attachment NAME
attach() {
	{
		top "multipart/mixed; boundary=B" &&
		printf -- "--B\nContent-Type: text/plain\n\nSee attached.\n--B\n" &&
		printf "Content-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"%s\"\n" "$2" &&
		printf "Content-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==\n--B--\n"
	} >"$1"
}
test_expect_success 'trailing dots or spaces, which Windows drops on saving, do not hide an executable name from the rules' '
	attach exe "invoice.exe" &&
	for name in "invoice.exe." "invoice.exe " "invoice.exe. ."
	do
		attach dotted "$name" &&
		as_strong_as exe dotted &&
		test_json_rules dotted.json >rules &&
		test_grep "^LW_FILENAME_EXECUTABLE$" rules || return 1
	done
'
# GMime 3.2.13 joins adjacent base64 encoded-words and stops at the first
# one's padding; mail clients decode each word and show the whole text.
test_expect_success 'the end of a name or subject in a second, padded encoded-word is read (display name, file name, subject)' '
	from_name split-brand "=?utf-8?b?UGF5UA==?= =?utf-8?b?YWw=?= Support" &&
	as_strong_as brand split-brand &&
	test_json_rules split-brand.json >rules &&
	test_grep "^LW_IMP_BRAND_NAME$" rules &&
	attach split-name "=?utf-8?b?aW52b2ljZQ==?= =?utf-8?b?LmV4ZQ==?=" &&
	as_strong_as exe split-name &&
	test_json_rules split-name.json >rules &&
	test_grep "^LW_FILENAME_EXECUTABLE$" rules &&
	body_with_type split-subject "text/plain; charset=utf-8" &&
	sed -i "s/^Subject: notice/Subject: =?utf-8?b?WW91ciBhY2NvdW50IGlzIA==?= =?utf-8?b?c3VzcGVuZGVk?=/" split-subject &&
	"$LW_SCAN" $LW_OPTS --json split-subject >split-subject.json &&
	test_is = "Your account is suspended" "$(test_json_field split-subject.json subject)" "decoded subject"
'

# script_named FILE CONTENT-TYPE DISPOSITION: a mail with a small script attached under these fields
script_named() {
	{
		top "multipart/mixed; boundary=B" &&
		printf -- "--B\nContent-Type: text/plain\n\nSee attached.\n--B\n" &&
		printf "Content-Type: %s\nContent-Disposition: %s\n\n" "$2" "$3" &&
		printf "WScript.CreateObject(\"WScript.Shell\").Run(\"calc\")\n--B--\n"
	} >"$1"
}
test_expect_success 'every name an attachment gives itself is checked, as mail clients pick different ones' '
	script_named js "application/octet-stream" "attachment; filename=\"invoice.js\"" &&
	test_is != accept "$(action js)" "action of the plain twin" &&
	script_named by-type "application/octet-stream; name=\"invoice.js\"" "attachment; filename=\"invoice.pdf\"" &&
	script_named twice "application/octet-stream" "attachment; filename=\"invoice.pdf\"; filename=\"invoice.js\"" &&
	script_named star "application/octet-stream" "attachment; filename=\"invoice.pdf\"; filename*=utf-8'"''"'invoice.js" &&
	for f in by-type twice star
	do
		as_strong_as js $f &&
		test_json_rules $f.json >rules &&
		test_grep "^LW_ATT_SCRIPT$" rules &&
		test_grep "^LW_FILENAME_EXECUTABLE$" rules || return 1
	done
'

test_expect_success 'a program uuencoded in a plain-text body, which Outlook shows as an attachment, is one' '
	attach exe "invoice.exe" &&
	{
		top "text/plain; charset=us-ascii" &&
		printf "See attached.\n\nbegin 644 invoice.exe\n" &&
		"$PYTHON" -c "import binascii, sys; sys.stdout.write(binascii.b2a_uu(b\"MZ\" + bytes(40)).decode())" &&
		printf "\140\nend\n"
	} >uu &&
	as_strong_as exe uu &&
	test_json_rules uu.json >rules &&
	test_grep "^LW_ATT_EXECUTABLE$" rules &&
	test_grep "^LW_FILENAME_EXECUTABLE$" rules &&
	test_grep "part 0.uu1 .invoice.exe." uu.json
'

test_expect_success 'lure words drawn as a button'"'"'s label (<input value=...>) are read as text' '
	body_with_type html-plain "text/html; charset=utf-8" &&
	{
		top "text/html; charset=utf-8" &&
		echo "<p>Notice</p><input type=\"button\" value=\"$LURE\">"
	} >button &&
	as_strong_as html-plain button &&
	test_json_rules button.json >rules &&
	test_grep "^LW_EN_ACCOUNT_SUSPEND$" rules
'
test_expect_success 'lure words a style sheet draws (::before content, with CSS escapes) are read as text' '
	body_with_type html-plain "text/html; charset=utf-8" &&
	{
		top "text/html; charset=utf-8" &&
		printf "%s\n" "<html><head><style>p.n::before { content: \"Dear valued customer, your account will be \\73 uspended \" \"within 24 hours. Please verify your account now: \" }</style></head>" \
			"<body><p class=\"n\"></p><a href=\"https://verify.example.net/login\">https://verify.example.net/login</a></body></html>"
	} >drawn &&
	! grep -q suspended drawn &&
	as_strong_as html-plain drawn &&
	test_json_rules drawn.json >rules &&
	test_grep "^LW_EN_ACCOUNT_SUSPEND$" rules
'
test_expect_success 'an executable name after another attachment fires the file name rule too' '
	{
		top "multipart/mixed; boundary=B" &&
		printf -- "--B\nContent-Type: text/plain\n\nSee attached.\n--B\n" &&
		printf "Content-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"image.png\"\n\nxx\n--B\n" &&
		printf "Content-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"invoice.exe\"\n\nyy\n--B--\n"
	} >second &&
	action second >/dev/null &&
	test_json_rules second.json >rules &&
	test_grep "^LW_FILENAME_EXECUTABLE$" rules
'
test_expect_success 'a brand spelt apart or with look-alike letters in the display name is still the brand' '
	for name in "P a y P a l  Support" "$(u 0420)ay$(u 0420)al Support" "P.a.y.P.a.l Support" \
		"PayPaI Support" "PayPa1 Support" "Pay Pal Support" "Pay-Pal Support" "PAYPAI SERVICE"
	do
		from_name spelt-brand "$name" &&
		as_strong_as brand spelt-brand &&
		test_json_rules spelt-brand.json >rules &&
		test_grep "^LW_IMP_BRAND_NAME$" rules || return 1
	done
'
test_expect_success 'digits and letter pairs that look like letters (Micr0soft, Arnazon) name the brand too' '
	from_name ms "Microsoft Account Team" &&
	from_name ms0 "Micr0soft Account Team" &&
	as_strong_as ms ms0 &&
	test_json_rules ms0.json >rules &&
	test_grep "^LW_IMP_BRAND_NAME$" rules &&
	from_name amz "Amazon Orders" &&
	from_name rn "Arnazon Orders" &&
	as_strong_as amz rn &&
	grep -q "claims amazon" rn.json
'
test_expect_success 'the organization'"'"'s own name, however spelled, is still its name (LW_IMP_PROTECTED_NAME)' '
	from_name org "Ministry of Digital Affairs" &&
	for name in "Ministry of DigitaI Affairs" "Ministry-of-Digital-Affairs" "MinistryOfDigitalAffairs" \
		"M i n i s t r y  o f  D i g i t a l  A f f a i r s" "數位發展部" "数位发展部" "數 位 發 展 部"
	do
		from_name org-spelled "$name" &&
		as_strong_as org org-spelled &&
		test_json_rules org-spelled.json >rules &&
		test_grep "^LW_IMP_PROTECTED_NAME$" rules || return 1
	done
'
test_expect_success 'a VIP'"'"'s name, however spelled, is still the VIP (LW_IMP_VIP_EXTERNAL)' '
	from_name vip "David Wang" &&
	for name in "DavidWang" "David.Wang" "DAVID WANG" "王 大 明"
	do
		from_name vip-spelled "$name" &&
		as_strong_as vip vip-spelled &&
		test_json_rules vip-spelled.json >rules &&
		test_grep "^LW_IMP_VIP_EXTERNAL$" rules || return 1
	done
'
test_expect_success 'near miss: a brand inside a longer word, or ordinary words, name no brand' '
	for name in "Snapple Support" "Paypalooza Festival" "Pay Day Team" "Amazonas Tours" "Digital Affairs Weekly" \
		"Davidson Wangari" "發展部落"
	do
		from_name word "$name" &&
		action word >/dev/null &&
		test_json_rules word.json >rules &&
		test_grep -v "^LW_IMP_BRAND_NAME$" rules || return 1
	done
'
test_expect_success 'near miss: a host with a look-alike letter stays a look-alike, not the brand it imitates' '
	top "text/plain; charset=utf-8" >idn &&
	echo "Sign in at https://xn--pple-43d.com/login today." >>idn &&
	action idn >/dev/null &&
	test_json_rules idn.json >rules &&
	test_grep "^LW_LOOKALIKE_(CONFUSABLE|MIXED_SCRIPT|PUNYCODE)$" rules
'
test_expect_success 'an accented display name that is no brand stays quiet' '
	from_name accent "José Müller" &&
	action accent >/dev/null &&
	test_json_rules accent.json >rules &&
	test_grep -v "^LW_(IMP_BRAND_NAME|TEXT_INVISIBLE_CHARS)$" rules
'
# zipped FILE MEMBER CONTENT-FILE: a mail whose one attachment is a ZIP holding CONTENT-FILE as MEMBER
zipped() {
	"$PYTHON" - "$@" <<-\EOF
	import io, sys, zipfile
	from email.mime.multipart import MIMEMultipart
	from email.mime.text import MIMEText
	from email.mime.application import MIMEApplication
	out, member, content = sys.argv[1:4]
	z = io.BytesIO()
	with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as f:
	    f.write(content, member)
	m = MIMEMultipart()
	m["From"] = "Support <support@example.com>"
	m["To"] = "user@agency.gov.tw"
	m["Subject"] = "documents"
	m.attach(MIMEText("The documents are attached.", "plain"))
	a = MIMEApplication(z.getvalue(), "zip")
	a.add_header("Content-Disposition", "attachment", filename="documents.zip")
	m.attach(a)
	open(out, "w").write(m.as_string())
	EOF
}

# the indicator feeds of lib-ioc.sh: http://phish.example.net/login is listed
. "$top_srcdir/t/lib-ioc.sh"
make_feeds feeds
LW_OPTS="$LW_OPTS -o feeds_dir=$PWD/feeds"

test_expect_success 'an indicator-listed link in a zipped .eml or .html matches the feed as in the body' '
	{ top "text/html; charset=utf-8" &&
	  echo "<p>Sign in: <a href=\"http://phish.example.net/login\">your mailbox</a></p>"; } >inbody &&
	test_json_rules "$(action inbody >/dev/null && echo inbody.json)" >rules &&
	test_grep "^IOC_URL$" rules &&
	sed -n "/^$/,\$p" inbody | tail -n +2 >page.html &&
	zipped zhtml page.html page.html &&
	as_strong_as inbody zhtml &&
	test_grep "documents.zip|2:zip:page.html" zhtml.json &&
	zipped zeml message.eml inbody &&
	as_strong_as inbody zeml &&
	test_json_rules zeml.json >rules &&
	test_grep "^IOC_URL$" rules
'
test_expect_success '--urls lists the zipped links with where they were' '
	"$LW_SCAN" $LW_OPTS --urls zeml >urls &&
	test_grep "\"source\":\"2:zip:message.eml:" urls &&
	"$LW_SCAN" $LW_OPTS --urls zhtml >urls &&
	test_grep "\"source\":\"2:zip:page.html" urls
'
test_expect_success 'a tab or newline anywhere in an href is dropped, as browsers do (WHATWG URL)' '
	{ top "text/html; charset=utf-8" &&
	  printf "<p>Sign in: <a href=\"ht\ttp://phish.example.net/login\">your mailbox</a></p>\n"; } >tab &&
	as_strong_as inbody tab &&
	{ top "text/html; charset=utf-8" &&
	  echo "<p>Sign in: <a href=\"h&#9;ttp://phish.example.net/lo&#10;gin\">your mailbox</a></p>"; } >ref &&
	as_strong_as inbody ref &&
	"$LW_SCAN" $LW_OPTS --urls ref >urls &&
	test_grep "\"url\":\"http://phish.example.net/login\"" urls
'
test_done
