#!/bin/sh
test_description='lure language in Traditional Chinese, Simplified Chinese and English, and meta combinations'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-heuristics.sh"

test_expect_success 'account suspension: Traditional, Simplified, English, full-width and zero-width folded' '
	lure LW_ZH_ACCOUNT_SUSPEND "您的帳號即將停用" &&
	lure LW_ZH_ACCOUNT_SUSPEND "您的账户已被冻结" &&
	lure LW_EN_ACCOUNT_SUSPEND "Your ａｃｃｏｕｎｔ has been suspended" &&
	lure LW_EN_ACCOUNT_SUSPEND "$(printf "Your mail\342\200\213box will be locked")" &&
	calm LW_ZH_ACCOUNT_SUSPEND "會議室帳號申請已完成" &&
	calm LW_EN_ACCOUNT_SUSPEND "The account of the meeting is attached"
'
test_expect_success 'verification, password expiry and mailbox quota' '
	lure LW_ZH_VERIFY_ACCOUNT "請立即驗證您的帳號" &&
	lure LW_ZH_VERIFY_ACCOUNT "请尽快确认您的密码" &&
	lure LW_EN_VERIFY_ACCOUNT "Please verify your account" &&
	lure LW_EN_VERIFY_ACCOUNT "Your multi-factor authentication must be re-registered. Re-enroll your device now" &&
	calm LW_EN_VERIFY_ACCOUNT "MFA enrollment for new staff opens next week" &&
	lure LW_EN_CREDENTIAL_ASK "Sign in with your email credentials to play it" &&
	lure LW_EN_CREDENTIAL_ASK "Open the handbook using your work email and password" &&
	calm LW_EN_CREDENTIAL_ASK "Sign in with your library card to renew books; never share your password" &&
	lure LW_ZH_PASSWORD_EXPIRE "您的密碼將於今日過期" &&
	lure LW_EN_PASSWORD_EXPIRE "Your password expires today" &&
	lure LW_ZH_MAILBOX_QUOTA "您的信箱容量已滿" &&
	lure LW_EN_MAILBOX_QUOTA "Your mailbox has exceeded its quota" &&
	calm LW_EN_PASSWORD_EXPIRE "Passwords are never sent by mail" &&
	calm LW_ZH_MAILBOX_QUOTA "會議記錄請寄至信箱"
'
test_expect_success 'sign-in alerts, invoices, shared documents, official documents, held mail' '
	lure LW_EN_UNUSUAL_SIGNIN "We detected an unusual sign-in to your account" &&
	lure LW_ZH_UNUSUAL_SIGNIN "偵測到異常登入" &&
	lure LW_EN_INVOICE_DUE "Your overdue invoice is attached" &&
	lure LW_ZH_INVOICE_DUE "貨款逾期未付" &&
	lure LW_EN_SHARED_DOCUMENT "Anna shared a document with you. Click to view it." &&
	lure LW_EN_SHARED_DOCUMENT "You have received a document to review and sign. REVIEW DOCUMENT" &&
	lure LW_EN_VOICEMAIL "You have a new voice message (42 seconds). Listen to your message" &&
	calm LW_EN_VOICEMAIL "If I am out, leave a voice message after the tone" &&
	lure LW_ZH_SHARED_DOCUMENT "已與您共享文件，請點此查看" &&
	lure LW_ZH_OFFICIAL_ACTION "本部來函請下載附件查閱" &&
	lure LW_EN_MAIL_HELD "You have 5 pending messages. Click below to release them." &&
	lure LW_ZH_MAIL_HELD "您有 3 封郵件滯留" &&
	calm LW_EN_UNUSUAL_SIGNIN "Sign in to the wiki to edit the page" &&
	calm LW_ZH_OFFICIAL_ACTION "公文已歸檔"
'
test_expect_success 'money, prizes, subsidies, advance fee, wallets, BEC' '
	lure LW_EN_PAYMENT_FAILED "Your payment was declined" &&
	lure LW_EN_PAYMENT_FAILED "We couldn’t process your payment. Please confirm your billing info." &&
	lure LW_EN_PAYMENT_FAILED "We were unable to charge your card on file" &&
	calm LW_EN_PAYMENT_FAILED "We could not process your request for a new library card today" &&
	lure LW_EN_SUBSCRIPTION_END "Your subscription has expired" &&
	lure LW_EN_PRIZE "Congratulations, you have been selected" &&
	lure LW_ZH_PRIZE "恭喜您中獎" &&
	lure LW_ZH_SUBSIDY "普發補助請儘速登記領取" &&
	lure LW_EN_ADVANCE_FEE "I am the next of kin of the late" &&
	lure LW_EN_CRYPTO_WALLET "Your wallet needs verification" &&
	lure LW_EN_SECRECY "Keep this confidential, I need you to purchase something" &&
	lure LW_EN_GIFT_CARDS "Please buy five gift cards" &&
	lure LW_EN_PAYMENT_CHANGE "I changed my bank recently. Can you update my direct deposit before the next payroll?" &&
	calm LW_EN_PAYMENT_CHANGE "Direct deposit is available to all staff from January" &&
	lure LW_ZH_GIFT_CARDS "請幫我購買 5 張 Apple 禮品卡，買好後把卡號拍照傳給我" &&
	lure LW_ZH_GIFT_CARDS "到超商買遊戲點數後回傳序號" &&
	calm LW_ZH_GIFT_CARDS "禮品卡使用說明與餘額查詢" &&
	calm LW_EN_ADVANCE_FEE "Python inheritance and a beneficiary field in the schema" &&
	calm LW_EN_PRIZE "Thanks for the prize draw last year"
'
test_expect_success 'impersonal greetings and the recipient greeted by address' '
	lure LW_EN_DEAR_USER "Dear valued customer," &&
	lure LW_ZH_DEAR_USER "親愛的用戶您好" &&
	lure LW_EN_DEAR_ADDRESS "Hello user@agency.gov.tw, your files" &&
	calm LW_EN_DEAR_ADDRESS "Please write to help@example.com"
'
test_expect_success 'subject rules: account threats, I-for-l homoglyphs, reference numbers' '
	mkmail m "From: A <a@example.com>" "Subject: Your account will be suspended" &&
	expect_rule LW_SUBJ_ACCOUNT_THREAT m &&
	mkmail m "From: A <a@example.com>" "Subject: Someone tried to Iog in to your onIine account" &&
	expect_rule LW_SUBJ_I_FOR_L m &&
	mkmail m "From: A <a@example.com>" "Subject: Update the IIS and iOS config" &&
	expect_no_rule LW_SUBJ_I_FOR_L m &&
	mkmail m "From: A <a@example.com>" "Subject: Action required Ref: 8XK29QZ1" &&
	expect_rule LW_SUBJ_REF_NUMBER m &&
	mkmail m "From: A <a@example.com>" "Subject: Re: id Friedman" &&
	expect_no_rule LW_SUBJ_REF_NUMBER m
'
test_expect_success 'urgency + credential request + link fires the meta rule; helpers are not hits' '
	mkmail m "From: A <a@example.com>" "Subject: notice" -- "請立即驗證您的帳號，24小時內未完成將停用：https://verify.example.net/login" &&
	expect_rule LW_META_URGENT_CREDENTIAL_LINK m &&
	! grep -q "^__" m.rules
'
test_expect_success 'near miss: the same words without a link, or a link without urgency' '
	mkmail m "From: A <a@example.com>" "Subject: notice" -- "請立即驗證您的帳號，24小時內未完成將停用。" &&
	expect_no_rule LW_META_URGENT_CREDENTIAL_LINK m &&
	mkmail n "From: A <a@example.com>" "Subject: notice" -- "請驗證您的帳號：https://verify.example.net/login" &&
	expect_no_rule LW_META_URGENT_CREDENTIAL_LINK n
'
test_expect_success 'the combination scores more than its parts (joined to a deceptive link)' '
	mkmail m "From: A <a@example.com>" "Subject: notice" -- "Urgent: verify your account within 24 hours at https://example.com@x.example.net/a" &&
	"$LW_SCAN" $LW_OPTS --json m >all.json &&
	"$LW_SCAN" $LW_OPTS -o score.LW_META_URGENT_CREDENTIAL_LINK=0 --json m >parts.json &&
	all=$(test_json_field all.json score) && parts=$(test_json_field parts.json score) &&
	"$PYTHON" -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)" "$all" "$parts"
'
test_expect_success 'invisible HTML5 entities inside lure words (&ZeroWidthSpace; &NoBreak; &InvisibleTimes;) hide no lure, and are an evasion of their own' '
	lure_html() {
		mkmail "$1" "From: IT Helpdesk <it@helpdesk.example.net>" "Subject: Password expiry notice" \
			"Content-Type: text/html; charset=utf-8" -- "<html><body><p>$2</p></body></html>"
	}
	lure_html plain "Your password will expire today. Click the link below to verify your account within 24 hours:
		<a href=\"https://helpdesk.example.net/login\">https://helpdesk.example.net/login</a>" &&
	lure_html hidden "Your pass&ZeroWidthSpace;word will ex&NoBreak;pire today. Click the link be&InvisibleTimes;low
		to ver&ZeroWidthSpace;ify your acc&NoBreak;ount with&InvisibleTimes;in 24 hours:
		<a href=\"https://helpdesk.example.net/login\">https://helpdesk.example.net/login</a>" &&
	scan_rules plain >plain.rules && scan_rules hidden >hidden.rules &&
	grep -qx LW_EN_PASSWORD_EXPIRE plain.rules &&
	grep -vx LW_TEXT_INVISIBLE_CHARS hidden.rules >lures.rules &&
	test_cmp plain.rules lures.rules &&
	grep -qx LW_TEXT_INVISIBLE_CHARS hidden.rules &&
	"$PYTHON" -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)" \
		"$(test_json_field hidden.json score)" "$(test_json_field plain.json score)"
'
test_expect_success 'account threat plus link, and urgent money, fire their meta rules' '
	lure LW_META_ACCOUNT_THREAT_LINK "Your mailbox has exceeded its quota, see https://q.example.net/" &&
	lure LW_META_URGENT_MONEY "Urgent: the bank account details for remittance have changed" &&
	calm LW_META_URGENT_MONEY "Urgent: the meeting moved to room 5"
'
test_expect_success 'reward surveys, crypto claims, sums of money, unfilled merge fields' '
	lure LW_EN_REWARD_SURVEY "You have been selected! Complete a short survey to claim your reward" &&
	lure LW_EN_CRYPTO_CLAIM "You are eligible to claim 1000 USDC tokens today" &&
	lure LW_TEMPLATE_PLACEHOLDER "Hello [username], your reward is waiting" &&
	calm LW_TEMPLATE_PLACEHOLDER "Use the [name] of the array as the key" &&
	calm LW_EN_CRYPTO_CLAIM "We discussed the bitcoin whitepaper" &&
	mkmail m "From: A <a@example.com>" "Subject: [username], say goodbye to debt" &&
	expect_rule LW_SUBJ_PLACEHOLDER m &&
	mkmail m "From: A <a@example.com>" "Subject: Your €500 voucher is ready" &&
	expect_rule LW_SUBJ_MONEY_AMOUNT m &&
	mkmail m "From: A <a@example.com>" "Subject: Minutes of the 2025 meeting" &&
	expect_no_rule LW_SUBJ_MONEY_AMOUNT m
'
test_expect_success 'account-threat meta stays quiet in a conversation (In-Reply-To) or list (List-Id)' '
	mkmail m "From: A <a@example.com>" "In-Reply-To: <x@example.com>" "Subject: Re: quota" \
		-- "Your mailbox has exceeded its quota, see https://q.example.net/" &&
	expect_no_rule LW_META_ACCOUNT_THREAT_LINK m &&
	mkmail n "From: A <a@example.com>" "List-Id: <users.lists.example.org>" "Subject: quota" \
		-- "Your mailbox has exceeded its quota, see https://q.example.net/" &&
	expect_no_rule LW_META_ACCOUNT_THREAT_LINK n
'
test_expect_success 'subject rules: rewards, subscriptions, advance-fee vocabulary (and near misses)' '
	mkmail m "From: A <a@example.com>" "Subject: You have been selected for an exclusive gift" &&
	expect_rule LW_SUBJ_REWARD m &&
	mkmail m "From: A <a@example.com>" "Subject: 恭喜您獲得紅包" &&
	expect_rule LW_SUBJ_REWARD m &&
	mkmail m "From: A <a@example.com>" "Subject: Selected papers for the workshop" &&
	expect_no_rule LW_SUBJ_REWARD m &&
	mkmail m "From: A <a@example.com>" "Subject: Your Norton subscription has expired" &&
	expect_rule LW_SUBJ_SUBSCRIPTION m &&
	mkmail m "From: A <a@example.com>" "Subject: Subscription list for the newsletter" &&
	expect_no_rule LW_SUBJ_SUBSCRIPTION m &&
	mkmail m "From: A <a@example.com>" "Subject: EMAIL BARRISTER JAN FOR YOUR AWARDED SUM" &&
	expect_rule LW_SUBJ_ADVANCE_FEE m &&
	mkmail m "From: A <a@example.com>" "Subject: Bar crawl next Friday" &&
	expect_no_rule LW_SUBJ_ADVANCE_FEE m
'
test_expect_success 'Taiwan-specific lures: e-invoice prizes, fines, insurance refunds, data updates, summons' '
	lure LW_ZH_EINVOICE_PRIZE "您的雲端發票已中獎，請於期限內領獎" &&
	lure LW_ZH_TRAFFIC_FINE "您有一筆交通罰單逾期未繳" &&
	lure LW_ZH_TRAFFIC_FINE "您有一筆交通違規罰款尚未繳納" &&
	lure LW_ZH_CREDENTIAL_ASK "請至下列網址以公務帳號密碼登入確認" &&
	lure LW_ZH_CREDENTIAL_ASK "請重新驗證您的帳號密碼" &&
	calm LW_ZH_CREDENTIAL_ASK "請輸入簡訊驗證碼完成設定" &&
	calm LW_ZH_CREDENTIAL_ASK "帳號密碼請勿告訴他人" &&
	lure LW_EN_TOLL_FINE "You have an unpaid toll balance of \$3.75" &&
	lure LW_ZH_INSURANCE_REFUND "您的健保溢繳退費尚未領取" &&
	lure LW_ZH_UPDATE_DATA "請立即更新您的個人資料" &&
	lure LW_ZH_COURT_SUMMONS "地檢署通知：您的帳戶涉嫌洗錢已被凍結" &&
	calm LW_ZH_EINVOICE_PRIZE "統一發票請妥善保存" &&
	calm LW_ZH_TRAFFIC_FINE "交通部公告道路施工" &&
	calm LW_ZH_COURT_SUMMONS "法院網站維護公告"
'
test_expect_success 'extortion: a claimed hack or recording is the lure, a crypto address its channel' '
	EXTORT="I have hacked all your devices and recorded you. Send 1300 USD in bitcoin, or I will send the videos to all your contacts." &&
	ADDR="Bitcoin address: 1FQ5wTNVzGvqmzfUgFYsEXXGN2cATR7oac" &&
	mkmail m "From: Enzo <noreply@shop.example.com>" "Subject: Your PC has been hacked" -- "$EXTORT" &&
	expect_rule LW_EN_EXTORTION m &&
	expect_no_rule LW_LURE_CRYPTO_ADDRESS m &&
	test_json_is m.json action tag &&
	mkmail m "From: Enzo <noreply@shop.example.com>" "Subject: Your PC has been hacked" -- "$EXTORT
$ADDR" &&
	expect_rule LW_LURE_CRYPTO_ADDRESS m &&
	test_json_is m.json action quarantine &&
	lure LW_ZH_EXTORTION "我已經入侵了你的電腦，並錄下了你的影片" &&
	lure LW_ZH_EXTORTION "付款，否則我會發送給你的聯絡人" &&
	calm LW_EN_EXTORTION "We have installed the new printer for your team" &&
	calm LW_EN_EXTORTION "Please share this video with your friends"
'
test_expect_success 'near miss: a crypto address without a lure, or a sextortion sample discussed in a thread' '
	mkmail m "From: Relief <news@charity.example.org>" "Subject: Donate" -- "Help the shelter. $ADDR. bc1q90gkzzam9twafvamkkwz6ch8gc6ss6gwd7ck8p" &&
	expect_no_rule LW_LURE_CRYPTO_ADDRESS m &&
	mkmail m "From: Admin <admin@agency.gov.tw>" "Subject: Re: strange mail" "In-Reply-To: <x@agency.gov.tw>" -- "It says: $EXTORT $ADDR" &&
	expect_no_rule LW_EN_EXTORTION m &&
	expect_no_rule LW_LURE_CRYPTO_ADDRESS m
'
test_done
