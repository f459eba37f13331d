#!/bin/sh
test_description='lurewatch-scan --stats: detection and false-positive rates, rule table, worst false positives'
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
	echo 2 >expect && test_cmp expect rc &&
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
	test "$(test_json_field notice.json action)" = accept
'
test_expect_success SHARED 'the shared corpus: defaults meet the false-positive goal (<= 0.5%)' '
	"$LW_SCAN" $LW_OPTS --stats "$SHARED/corpus/phish" "$SHARED/corpus/ham" >corpus.out 2>/dev/null &&
	sed -n "1,3p" corpus.out &&
	fp=$(sed -n "s/^legitimate:.*false-positive rate \([0-9.]*\)%.*/\1/p" corpus.out) &&
	"$PYTHON" -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 0.5 else 1)" "$fp"
'
test_done
