#!/bin/sh
test_description='lurewatch-scan --stats and contrib/eval: rates per set, rule table, worst false positives, the goals of issue 15'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-heuristics.sh"

test_expect_success 'set up a small phishing set and a legitimate set' '
	mkdir -p phish ham &&
	mkmail phish/1.eml "From: Microsoft account team <no-reply@access-accsecurity.com>" "Subject: Your account will be suspended" \
		-- "Urgent: verify your account within 24 hours at https://x.example.net/a" &&
	mkmail phish/2.eml "From: 數位發展部 <moda@gmail.com>" "Reply-To: moda.tw@gmail.com" "Subject: 帳號停用" \
		-- "請立即驗證您的帳號，24小時內：https://verify.example.net/login" &&
	mkmail phish/3.eml "From: A <a@example.com>" "Subject: hello" -- "nothing special" &&
	mkmail ham/1.eml "From: B <b@example.org>" "Subject: lunch" -- "Lunch at noon?" &&
	mkmail ham/2.eml "From: C <c@example.org>" "Subject: notes" -- "Meeting notes attached."
'
test_expect_success '--stats prints both rates at the configured thresholds' '
	"$LW_SCAN" $LW_OPTS -o tag_score=2 -o quarantine_score=5 -o reject_score=30 --stats phish ham >out &&
	test_grep "^thresholds: tag 2, quarantine 5, reject 30$" out &&
	test_grep "^phishing: +3 messages: detection rate 66.7% \(2 at quarantine or reject" out &&
	test_grep "^legitimate: +2 messages: false-positive rate 0.00% \(0 at quarantine or reject" out
'
test_expect_success '--stats prints the rule table with hits in each set' '
	"$LW_SCAN" $LW_OPTS --stats phish ham >out &&
	test_grep "^LW_META_URGENT_CREDENTIAL_LINK +2 +0$" out &&
	test_grep "^LW_IMP_BRAND_NAME +1 +0$" out
'
test_expect_success '--stats lists legitimate mail that scored as the worst false positives' '
	mkmail ham/3.eml "From: Dropbox <share@example.org>" "Subject: Your account will be suspended" \
		-- "Urgent: verify your account within 24 hours at https://x.example.net/a" &&
	"$LW_SCAN" $LW_OPTS -o tag_score=1 --stats phish ham >out &&
	sed -n "/^worst false positives/,\$p" out >worst &&
	test_grep "ham/3.eml" worst &&
	test_grep -v "ham/1.eml" worst
'
test_expect_success '--stats wants exactly two directories' '
	{ "$LW_SCAN" $LW_OPTS --stats phish 2>err; echo $? >rc; } &&
	echo 64 >expect && test_cmp expect rc   # EX_USAGE &&
	test_grep "PHISH_DIR HAM_DIR" err
'
test_expect_success 'at the default thresholds a typical agency lure is held and a real notice passes' '
	mkmail lure "From: 數位發展部 資訊處 <it-helpdesk@moda-gov-tw.com>" "Reply-To: moda.helpdesk@gmail.com" \
		"Subject: 【緊急】您的信箱帳號即將停用" \
		-- "親愛的用戶您好：系統偵測到異常登入，請立即驗證您的帳號，24小時內未完成將停用：https://moda-gov-tw.com/verify" &&
	"$LW_SCAN" $LW_OPTS --json lure >lure.json &&
	case "$(test_json_field lure.json action)" in quarantine|reject) ;; *) cat lure.json; false ;; esac &&
	mkmail notice "From: 數位發展部 資訊處 <it-helpdesk@agency.gov.tw>" "Subject: 週四系統維護公告" \
		-- "各位同仁好：本週四晚間進行郵件系統維護，期間暫停服務兩小時。詳情請見內網公告。" &&
	"$LW_SCAN" $LW_OPTS --json notice >notice.json &&
	test_json_is notice.json action accept
'
promo() {
	mkmail "$1" "From: Shop <news@shop.example.com>" "Subject: Save \$20 today only" \
		"Content-Type: text/html; charset=utf-8" \
		-- "<div style=\"display:none\">Our biggest sale of the year starts now, do not miss it</div><p>Act now: urgent savings! $2 To unsubscribe click here.</p>"
}
test_expect_success 'marketing alone is tagged, never held; the same with a deceptive link is held' '
	promo promo "<a href=\"https://shop.example.com/sale\">Shop</a>" &&
	"$LW_SCAN" $LW_OPTS --json promo >promo.json &&
	test_json_is promo.json action tag &&
	promo promo2 "<a href=\"https://shop-deals.example.net/x\">https://shop.example.com/sale</a>" &&
	"$LW_SCAN" $LW_OPTS --json promo2 >promo2.json &&
	test_json_rules promo2.json >rules2 && test_grep "^LW_LINK_TEXT_MISMATCH$" rules2 &&
	test_json_is promo2.json action quarantine
'

test_expect_success '--explain says which class is the evidence and which threshold the score reached' '
	"$LW_SCAN" $LW_OPTS --explain promo >promo.txt &&
	test_grep "^ *1.5  bulk  *LW_BULK_NO_LIST_UNSUB: " promo.txt &&
	test_grep "^evidence: none" promo.txt &&
	test_grep "^why: score 3.9 reaches tag \\(3\\); quarantine needs 4: tag$" promo.txt &&
	"$LW_SCAN" $LW_OPTS --explain promo2 >promo2.txt &&
	test_grep "^evidence: LW_LINK_TEXT_MISMATCH is deception, a technique class$" promo2.txt &&
	test_grep "^why: score [0-9.]* reaches quarantine \\(4\\); reject needs 15: quarantine$" promo2.txt
'

test_expect_success PYTHON 'every rule has a class: the rules file labels each, the C table knows every id' '
	"$LW_SCAN" --lint-rules "$top_srcdir/contrib/rules/lurewatch.rules" >lint &&
	test_grep "^LW_FILENAME_EXECUTABLE  *malware  *6.0$" lint &&
	test_grep "^LW_HTML_HIDDEN_TEXT  *bulk$" lint &&
	test_must_fail grep "no class given" lint &&
	grep -ohE "\"(LW|IOC)_[A-Z0-9_]+\"" "$top_srcdir"/analyzers/*.c | tr -d "\"" | sort -u >ids &&
	"$PYTHON" - lint ids "$top_srcdir/contrib/rules/lurewatch.rules:" <<-\EOF
	import sys
	# the class table: the rules of the file, then "built-in rules (analyzers/*.c):";
	# C may also name a rule of the file (links.c asks whether LW_HDR_BCC_BLAST fired)
	lines = open(sys.argv[1]).read().split("\nclasses (")[1].splitlines()[1:]
	table = [l.split()[0] for l in lines if l.strip() and not l.startswith(("built-in rules", sys.argv[3]))]
	def known(i):
	    return any(i == t or (t.endswith("*") and i.startswith(t[:-1])) for t in table)
	missing = [i for i in open(sys.argv[2]).read().split() if not known(i)]
	if missing:
	    sys.exit("rules defined in C without a class: " + " ".join(missing))
	EOF
'

# held SET - the percentage of SET at quarantine or reject in contrib/eval's table
held() {
	awk -v set="$1" '$1 == set { for (i = 2; i <= NF; i++) if ($i ~ /%$/) { sub(/%/, "", $i); print $i; exit } }' eval.out
}
# count SET COLUMN - messages (2) or held messages (3) of SET
count() {
	awk -v set="$1" -v col="$2" '$1 == set { if ($2 == "*") col++; print $col; exit }' eval.out
}
# at_most WHAT VALUE GOAL / at_least WHAT VALUE GOAL - say what was measured against what
at_most() {
	"$PYTHON" -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$2" "$3" ||
	{ echo "$1: $2% held, the goal is at most $3%"; return 1; }
}
at_least() {
	"$PYTHON" -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$2" "$3" ||
	{ echo "$1: $2% held, the goal is at least $3%"; return 1; }
}

test_expect_success SHARED,PYTHON 'contrib/eval measures every set of the shared corpus' '
	"$PYTHON" "$top_srcdir/contrib/eval" --corpus "$SHARED/corpus" --scan "$LW_SCAN" >eval.out &&
	sed -n "1,8p" eval.out &&
	for set in phish ham/easy ham/hard ham/newsletters ham/lists ham/zh; do
		test -n "$(held $set)" || { echo "no line for $set"; return 1; }
	done &&
	test_grep "^LW_HTML_HIDDEN_TEXT +bulk " eval.out
'
# The goals of issue 15, measured here on the development sets: held-out
# mail of the same kinds judges the project; these guard against a change
# that loses what the development sets show.
test_expect_success SHARED,PYTHON 'modern newsletters and transactional mail: at most 2% held' '
	at_most ham/newsletters "$(held ham/newsletters)" 2
'
test_expect_success SHARED,PYTHON 'modern mailing-list posts: at most 0.3% held' '
	at_most ham/lists "$(held ham/lists)" 0.3
'
test_expect_success SHARED,PYTHON '2002 legitimate mail (easy and hard together): at most 0.3% held' '
	n=$(( $(count ham/easy 2) + $(count ham/hard 2) )) &&
	h=$(( $(count ham/easy 3) + $(count ham/hard 3) )) &&
	at_most "ham/easy + ham/hard" "$("$PYTHON" -c "print(100.0 * $h / $n)")" 0.3
'
test_expect_success SHARED,PYTHON 'Chinese legitimate mail, content only: at most 0.1% held' '
	at_most ham/zh "$(held ham/zh)" 0.1
'
# Phishing: the goal is 85% of held-out phishing_pot mail. Since marketing
# alone may no longer be held, the development set's plain spam (affiliate
# footers, casino bonuses with no lure) is tagged, and the set measures 65%
# (README, "Thresholds"); this guards what the techniques catch.
test_expect_success SHARED,PYTHON 'phishing: at least 60% held' '
	at_least phish "$(held phish)" 60
'
test_done
