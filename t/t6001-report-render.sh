#!/bin/sh
test_description='the HTML digest of real held mail renders in headless Chromium: not blank, entries present'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

postfix_require_or_skip
test_have_prereq PYTHON || test_skip_all "python3 is not installed"
CHROMIUM=$(command -v chromium || command -v chromium-browser) || test_skip_all "chromium is not installed"
"$PYTHON" -c "import PIL" 2>/dev/null || test_skip_all "python3-pil is not installed"
: "${LW_REPORT:=$top_builddir/review/lurewatch-report}"

PF=$TRASH/pf
MPORT=$(free_port)
SPORT=$(free_port)
CONF=$TRASH/lurewatch.conf
# The shipped rules and brands, with thresholds that hold the sample lures instead of rejecting them.
cat >"$CONF" <<EOF
rules_file = $top_srcdir/contrib/rules/lurewatch.rules
brands_file = $top_srcdir/contrib/brands.txt
quarantine_score = 5
reject_score = 100
quarantine_dir = $TRASH/quarantine
instance_name = mail-relay-1
report_to = soc@moea.example.gov.tw
postfix_config_dir = $PF/etc
EOF
chmod 644 "$CONF"
test_at_exit 'milter_stop; postfix_stop "$PF"'

# render HTML PNG DOM: screenshot and the DOM as Chromium parsed it
render() {
	profile=$(mktemp -d) &&
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
		--screenshot="$2" --window-size=1200,1600 "file://$1" >chromium.log 2>&1 &&
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
		--dump-dom "file://$1" >"$3" 2>>chromium.log
	rc=$?; rm -rf "$profile"; return $rc
}

# extract FILE plain|html: one body of a mail, decoded
extract() {
	"$PYTHON" -c "import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
sys.stdout.write(m.get_body(preferencelist=(sys.argv[2],)).get_content())" "$1" "$2"
}

held() { test "$(postfix_hold_ids "$PF" | wc -l)" -eq "$1"; }

test_expect_success 'hold the sample lures and one hostile subject through Postfix' '
	milter_start milter -c "$CONF" -p inet:$MPORT@127.0.0.1 &&
	postfix_setup "$PF" $SPORT inet:127.0.0.1:$MPORT &&
	postfix_start "$PF" &&
	postfix_send "$PF" "$top_srcdir/contrib/samples/02-phish-credential-zh.eml" x@example.org user@moea.example.gov.tw >/dev/null &&
	postfix_send "$PF" "$top_srcdir/contrib/samples/03-invoice-bank-change-en.eml" x@example.org procurement@moea.example.gov.tw >/dev/null &&
	printf "From: a@b.example\nTo: c@moea.example.gov.tw\nSubject: <script>alert(1)</script> 緊急：帳號即將停用 http://evil.example.com/a\n\n您的信箱帳號異常，帳號將於24小時內停用，請立即驗證您的帳號並確認密碼：http://evil.example.com/login\n" >hostile &&
	postfix_send "$PF" hostile x@example.org c@moea.example.gov.tw >/dev/null &&
	wait_for held 3 &&
	ls quarantine/records >records && test_line_count = 3 records
'

test_expect_success 'the digest HTML part is extracted as sent' '
	"$LW_REPORT" -c "$CONF" digest --stdout >digest.eml &&
	extract digest.eml html >report.html &&
	test_grep "&lt;script&gt;" report.html
'

test_expect_success 'Chromium renders it to a PNG that is not blank' '
	render "$TRASH/report.html" report.png dom.html &&
	"$PYTHON" -c "
from PIL import Image
import sys
im = Image.open(sys.argv[1]).convert(\"RGB\")
w, h = im.size
px = im.getdata()
ink = sum(1 for p in px if sum(p) < 600)
red = sum(1 for p in px if p[0] > 170 and p[1] < 80 and p[2] < 80)
print(w, h, ink, red)
sys.exit(0 if w == 1200 and ink > w * h // 100 and red > 500 else 1)" report.png >pixels &&
	cat pixels
'

test_expect_success 'the rendered page holds every entry: queue ids, subjects, reasons; no script ran' '
	for id in $(postfix_hold_ids "$PF"); do test_grep "$id" dom.html || return 1; done &&
	test_grep "【緊急】您的信箱帳號即將停用，請立即驗證" dom.html &&
	test_grep "URGENT: updated bank details for outstanding invoice INV-20931" dom.html &&
	test_grep "Says payment or bank details have changed, or asks to move someone.s pay to a new account" dom.html &&
	test_grep "&lt;script&gt;alert\(1\)&lt;/script&gt;" dom.html &&
	test_grep "hxxp://evil\[\.\]example\[\.\]com/a" dom.html &&
	! grep -q "<script" dom.html
'

test_expect_success 'keep a rendering when asked (LW_SAMPLE_DIR=contrib/samples)' '
	if [ -n "$LW_SAMPLE_DIR" ]; then
		# -o instead of -c: the printed commands then read as on an installed relay
		"$LW_REPORT" $(sed "s/ = /=/;s/^/-o /" "$CONF") digest --stdout >sample.eml &&
		extract sample.eml html >sample.html &&
		render "$TRASH/sample.html" "$LW_SAMPLE_DIR/report.png" sample.dom &&
		extract sample.eml plain >"$LW_SAMPLE_DIR/report.txt"
	fi
'

test_done
